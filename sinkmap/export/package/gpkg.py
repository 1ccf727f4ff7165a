"""The package's GeoPackage: every vector layer, clipped, in CGCS2000 (EPSG:4490), with its style.

GeoPackage 1.2 (QGIS 3.22 warns about 1.4 files). Table names are the layers' ASCII ids; the display name
(Chinese, as the app shows it) is the table's ``identifier`` in ``gpkg_contents`` and its description says
where the data come from (and "synthetic demo data" when it is). The styles go into a ``layer_styles``
table laid out as QGIS's own (QML, default style of each table), so a layer opened from the GeoPackage
alone — in QGIS or QField, without the project — is drawn as in the app.
"""

from __future__ import annotations

import sqlite3
import warnings
from datetime import datetime, timezone
from pathlib import Path

from ...core.feedback import Feedback
from .model import PackedLayer
from .qgis_xml import qml_document

STYLE_TABLE = "layer_styles"


def _description(layer: PackedLayer) -> str:
    text = f"{layer.name} / {layer.name_en} — {layer.provenance.source}"
    if layer.provenance.synthetic:
        text = "演示数据（合成），非真实调查数据 synthetic demo data — " + text
    return text


def write_geopackage(path: Path, layers: list[PackedLayer], feedback: Feedback) -> None:
    """Write the vector ``layers`` (each non-empty) into a new GeoPackage at ``path``, then their styles."""
    import pyogrio

    vectors = [layer for layer in layers if layer.kind == "vector" and layer.count]
    before = pyogrio.get_gdal_config_option("OGR_SQLITE_SYNCHRONOUS")
    # no fsync per layer: the file is in a temporary folder, zipped and moved into place only when complete
    pyogrio.set_gdal_config_options({"OGR_SQLITE_SYNCHRONOUS": "OFF"})
    try:
        _write_layers(path, vectors, feedback)
    finally:
        pyogrio.set_gdal_config_options({"OGR_SQLITE_SYNCHRONOUS": before})
    feedback.check()
    write_styles(path, vectors)


def _write_layers(path: Path, vectors: list[PackedLayer], feedback: Feedback) -> None:
    import pyogrio

    for k, layer in enumerate(vectors):
        feedback.check()
        feedback.progress(k / max(len(vectors), 1), f"GeoPackage: {layer.id}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # field-width notes of the driver: nothing the user can act on
            pyogrio.write_dataframe(
                layer.frame, path, layer=layer.id, driver="GPKG", geometry_type=layer.wkb_type or None,
                dataset_options={"VERSION": "1.2"} if k == 0 else None,
                layer_options={"IDENTIFIER": layer.name, "DESCRIPTION": _description(layer),
                               "GEOMETRY_NAME": "geom", "SPATIAL_INDEX": "YES"})


def write_styles(path: Path, layers: list[PackedLayer]) -> None:
    """QGIS's ``layer_styles`` table (registered as an attributes table) with one default style per layer."""
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"
    con = sqlite3.connect(path)
    try:
        con.execute(
            f"CREATE TABLE {STYLE_TABLE} (id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), "
            "f_table_schema TEXT(256), f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), "
            "styleQML TEXT, styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30), "
            "update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))")
        con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change) "
                    "VALUES (?, 'attributes', ?, ?, ?)", (STYLE_TABLE, STYLE_TABLE, "QGIS styles (sinkmap)", now))
        con.executemany(
            f"INSERT INTO {STYLE_TABLE} (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, styleName, "
            "styleQML, styleSLD, useAsDefault, description, owner, ui) VALUES ('', '', ?, 'geom', ?, ?, '', 1, ?, "
            "'sinkmap', '')",
            [(layer.id, layer.id, qml_document(layer), f"sinkmap: {layer.name}") for layer in layers])
        con.commit()
    finally:
        con.close()


__all__ = ["STYLE_TABLE", "write_geopackage", "write_styles"]
