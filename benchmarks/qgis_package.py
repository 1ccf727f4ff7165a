"""QGIS's own way to the same GeoPackage + project: clip each layer to the area, ``native:package``, a .qgs.

Run with the system Python that has QGIS (Debian: python3-qgis), as benchmarks/package.py does:
    QT_QPA_PLATFORM=offscreen /usr/bin/python3 benchmarks/qgis_package.py SPEC.json
SPEC.json: {"area": GeoJSON file of the area polygon (EPSG:4490), "layers": [[source, name], …] (vector
sources as "file.gpkg|layername=x"), "out": folder, "clipped": [[source, name], …] (optional: the same
layers already clipped, to time native:package alone)}. Prints timings as JSON.
"""

import json
import os
import sys
import time

from qgis.core import QgsApplication, QgsProcessingFeedback, QgsProject, QgsVectorLayer


def main(spec_path):
    spec = json.load(open(spec_path, encoding="utf-8"))
    app = QgsApplication([], False)
    app.setPrefixPath("/usr", True)
    app.initQgis()
    sys.path.append("/usr/share/qgis/python/plugins")
    import processing
    from processing.core.Processing import Processing

    Processing.initialize()
    feedback = QgsProcessingFeedback()
    out = {}
    t0 = time.perf_counter()
    area = QgsVectorLayer(spec["area"], "area", "ogr")
    clipped = []
    n_features = {}
    for source, name in spec["layers"]:
        layer = QgsVectorLayer(source, name, "ogr")
        res = processing.run("native:clip", {"INPUT": layer, "OVERLAY": area, "OUTPUT": "memory:" + name},
                             feedback=feedback)
        result = res["OUTPUT"]
        result.setName(name)
        n_features[name] = result.featureCount()
        clipped.append(result)
    out["clip_s"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    gpkg = os.path.join(spec["out"], "qgis_package.gpkg")
    processing.run("native:package", {"LAYERS": clipped, "OUTPUT": gpkg, "OVERWRITE": True, "SAVE_STYLES": True},
                   feedback=feedback)
    out["package_s"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    project = QgsProject.instance()
    for _source, name in spec["layers"]:
        project.addMapLayer(QgsVectorLayer(f"{gpkg}|layername={name}", name, "ogr"))
    project.write(os.path.join(spec["out"], "qgis_package.qgs"))
    out["project_s"] = time.perf_counter() - t2
    out["total_s"] = time.perf_counter() - t0
    out["features"] = n_features
    if spec.get("clipped"):
        layers = [QgsVectorLayer(source, name, "ogr") for source, name in spec["clipped"]]
        t3 = time.perf_counter()
        processing.run("native:package", {"LAYERS": layers, "OUTPUT": os.path.join(spec["out"], "qgis_only.gpkg"),
                                          "OVERWRITE": True, "SAVE_STYLES": True}, feedback=feedback)
        out["package_clipped_s"] = time.perf_counter() - t3
    print(json.dumps(out), flush=True)
    os._exit(0)  # QGIS 3.22 may crash while tearing down offscreen


if __name__ == "__main__":
    main(sys.argv[1])
