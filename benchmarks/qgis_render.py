"""Render a GeoPackage layer headless with QGIS's own map renderer and print timings as JSON.

Run with the system Python that has QGIS (Debian: apt-get install qgis python3-qgis):
    QT_QPA_PLATFORM=offscreen /usr/bin/python3 benchmarks/qgis_render.py LAYER.gpkg LAYER_NAME OUT.png
Style: categorised by DI_LEI with the same colours sinkmap uses, 0.4 px outlines, antialiasing on
(QGIS's default), 1200 × 800 px at the layer's full extent; destination CRS both the layer's own
(EPSG:4490, no reprojection) and sinkmap's display CRS (Albers, reprojected on the fly).
"""

import json
import sys
import time

from qgis.core import (QgsApplication, QgsCategorizedSymbolRenderer, QgsCoordinateReferenceSystem,
                       QgsFillSymbol, QgsMapRendererParallelJob, QgsMapRendererSequentialJob,
                       QgsMapSettings, QgsRendererCategory, QgsVectorLayer)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor


def main(path, layer_name, out_png, colors_json, albers_proj):
    app = QgsApplication([], False)
    app.setPrefixPath("/usr", True)
    app.initQgis()
    t0 = time.perf_counter()
    layer = QgsVectorLayer(f"{path}|layername={layer_name}", "xiaoban", "ogr")
    assert layer.isValid(), "layer not valid"
    open_s = time.perf_counter() - t0
    colors = json.loads(colors_json)
    cats = []
    for code, color in colors.items():
        sym = QgsFillSymbol.createSimple({"color": color, "outline_color": "#2f6b34", "outline_width": "0.1",
                                          "outline_width_unit": "Pixel"})
        sym.symbolLayer(0).setStrokeWidth(0.4)
        cats.append(QgsRendererCategory(code, sym, code))
    layer.setRenderer(QgsCategorizedSymbolRenderer("DI_LEI", cats))
    results = {"open_s": open_s}
    for crs_name, crs in (("layer_crs", layer.crs()),
                          ("albers", QgsCoordinateReferenceSystem.fromProj(albers_proj))):
        settings = QgsMapSettings()
        settings.setLayers([layer])
        settings.setDestinationCrs(crs)
        settings.setOutputSize(QSize(1200, 800))
        settings.setBackgroundColor(QColor(255, 255, 255, 0))
        settings.setFlag(QgsMapSettings.Antialiasing, True)
        if crs_name == "layer_crs":
            settings.setExtent(layer.extent())
        else:
            from qgis.core import QgsCoordinateTransform, QgsProject
            tr = QgsCoordinateTransform(layer.crs(), crs, QgsProject.instance())
            settings.setExtent(tr.transformBoundingBox(layer.extent()))
        for job_name, job_cls in (("parallel", QgsMapRendererParallelJob), ("sequential", QgsMapRendererSequentialJob)):
            times = []
            for i in range(4):
                job = job_cls(settings)
                t = time.perf_counter()
                job.start()
                job.waitForFinished()
                times.append(time.perf_counter() - t)
                if i == 0 and job_name == "parallel" and crs_name == "albers":
                    job.renderedImage().save(out_png, "PNG")
            results[f"{crs_name}_{job_name}_s"] = times
    print(json.dumps(results))
    app.exitQgis()


if __name__ == "__main__":
    main(*sys.argv[1:6])
