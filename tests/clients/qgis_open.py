"""Open a field package's QGIS project with the real QGIS (Debian ``python3-qgis``) and describe it as JSON.

Run with the system Python, not the venv: ``QT_QPA_PLATFORM=offscreen /usr/bin/python3 qgis_open.py
PROJECT.qgs OUT.png [GPKG]``. Prints one JSON document: the project's CRS, every layer (valid, CRS,
feature count, renderer type, labels, blending), the layer tree's order and check state, the map themes,
the styles QGIS finds in the GeoPackage itself (layers opened without the project), and renders the
project's visible layers over its saved extent to OUT.png (and one PNG per map theme beside it, and the
offline basemap alone to OUT_basemap.png).
"""

import json
import os
import sys

from qgis.core import (QgsApplication, QgsMapRendererParallelJob, QgsMapSettings, QgsProject, QgsRasterLayer,
                       QgsVectorLayer)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor


def render(project, layers, extent, path):
    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setDestinationCrs(project.crs())
    settings.setOutputSize(QSize(1100, 900))
    settings.setBackgroundColor(QColor(255, 255, 255))
    settings.setExtent(extent)
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    return job.renderedImage().save(path)


def main():
    qgs, png = sys.argv[1], sys.argv[2]
    gpkg = sys.argv[3] if len(sys.argv) > 3 else None
    app = QgsApplication([], False)
    app.initQgis()
    if os.environ.get("SINKMAP_TEST_FONT"):  # a CJK font for the labels (the system may have none)
        from qgis.PyQt.QtGui import QFontDatabase

        QFontDatabase.addApplicationFont(os.environ["SINKMAP_TEST_FONT"])
    project = QgsProject.instance()
    ok = project.read(qgs)
    out = {"read": ok, "crs": project.crs().authid(), "title": project.title(), "layers": [], "tree": [],
           "themes": project.mapThemeCollection().mapThemes()}
    for layer in project.mapLayers().values():
        entry = {"id": layer.id(), "name": layer.name(), "valid": layer.isValid(), "crs": layer.crs().authid(),
                 "source": layer.source(), "blend": int(layer.blendMode()), "provider": layer.providerType()}
        if isinstance(layer, QgsVectorLayer):
            renderer = layer.renderer()
            entry.update(kind="vector", count=layer.featureCount(), renderer=renderer.type() if renderer else None,
                         labels=layer.labelsEnabled(), opacity=layer.opacity(),
                         attr=getattr(renderer, "classAttribute", lambda: None)(),
                         classes=len(getattr(renderer, "categories", getattr(renderer, "ranges", list))()))
        elif isinstance(layer, QgsRasterLayer):
            entry.update(kind="raster", renderer=layer.renderer().type() if layer.renderer() else None,
                         width=layer.width(), height=layer.height(), bands=layer.bandCount())
        out["layers"].append(entry)
    root = project.layerTreeRoot()
    for node in root.findLayers():
        out["tree"].append({"id": node.layerId(), "checked": node.isVisible()})
    visible = [node.layer() for node in root.findLayers() if node.isVisible() and node.layer() is not None]
    extent = project.viewSettings().defaultViewExtent()
    out["extent"] = [extent.xMinimum(), extent.yMinimum(), extent.xMaximum(), extent.yMaximum()]
    out["rendered"] = render(project, visible, extent, png)
    basemap = [lyr for lyr in project.mapLayers().values() if lyr.id() == "sinkmap_basemap"]
    if basemap:  # the offline basemap drawn alone
        path = png.replace(".png", "_basemap.png")
        out["basemap_png"] = [path, render(project, basemap, extent, path)]
    out["theme_png"] = {}
    for k, theme in enumerate(out["themes"]):
        layers = project.mapThemeCollection().mapThemeVisibleLayers(theme)
        order = [node.layer() for node in root.findLayers() if node.layer() in layers]
        path = png.replace(".png", f"_theme{k}.png")
        out["theme_png"][theme] = [path, render(project, order, extent, path), [lyr.id() for lyr in order]]
    if gpkg:
        out["gpkg_styles"] = {}
        for layer in project.mapLayers().values():
            if isinstance(layer, QgsVectorLayer):
                name = layer.source().split("layername=")[-1]
                alone = QgsVectorLayer(f"{gpkg}|layername={name}", name, "ogr")
                out["gpkg_styles"][name] = alone.renderer().type() if alone.isValid() and alone.renderer() else None
    print(json.dumps(out, ensure_ascii=False), flush=True)
    os._exit(0)  # QGIS 3.22 may crash while tearing down offscreen (SIGSEGV in exitQgis): the answer is out


if __name__ == "__main__":
    main()
