"""Identify on rasters: a click on the map shows the raster's value there (and a land-cover class name).

The rasters are built here so that the value under every pixel is known by construction: the
continuous one holds ``10 × row + col`` in a projected CRS (EPSG:4547, CGCS2000 3° Gauss–Krüger CM
114°E, 1 km pixels), so the click also checks the display → raster CRS transformation; the land-cover
one holds 三调 codes in lon/lat (west half 0301 乔木林地, east half 0101 水田).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
import yaml
from rasterio.transform import from_origin

from identify_helpers import GK_ORIGIN, GK_PIXEL, click_lonlat, gk_pixel_centre_lonlat, panel_texts, shown_window  # noqa: E402,F401

NODATA = -9999.0
SCHEME_FILE = Path(__file__).resolve().parents[2] / "layers" / "schemes" / "sandiao.yaml"


def _continuous(path: Path) -> Path:
    """6 × 8 pixels of 1 km in EPSG:4547; value = 10·row + col; pixel (row 5, col 7) is no data."""
    rows, cols = np.mgrid[0:6, 0:8]
    data = (10.0 * rows + cols).astype("float32")
    data[5, 7] = NODATA
    with rasterio.open(path, "w", driver="GTiff", width=8, height=6, count=1, dtype="float32", crs="EPSG:4547",
                       transform=from_origin(*GK_ORIGIN, GK_PIXEL, GK_PIXEL), nodata=NODATA) as ds:
        ds.write(data, 1)
    return path





def test_identify_continuous_raster_value_in_projected_crs(app, qtbot, tmp_path):
    win = shown_window(qtbot)
    spec = win.add_layer_file(_continuous(tmp_path / "stock_density.tif"), role="stock_density")
    qtbot.waitUntil(win.canvas.is_idle, timeout=20_000)
    assert spec.id in win.registry.data
    for row, col in ((0, 0), (2, 3), (4, 6)):
        lon, lat = gk_pixel_centre_lonlat(row, col)
        results = click_lonlat(qtbot, win, lon, lat)
        assert [(lid, rows) for lid, _name, rows in results] == [(spec.id, [{"value": 10.0 * row + col}])]
    lon, lat = gk_pixel_centre_lonlat(2, 3)
    click_lonlat(qtbot, win, lon, lat)
    texts = panel_texts(win)
    assert "stock_density" in texts and "23" in texts  # the layer and the value 10·2 + 3 in the panel
    # the no-data pixel and a point just west of the raster (inside the view's margin): nothing
    for lon, lat in (gk_pixel_centre_lonlat(5, 7), gk_pixel_centre_lonlat(2, -0.8)):  # 300 m west of the edge
        assert click_lonlat(qtbot, win, lon, lat) == []
        assert panel_texts(win)[0] == "此处没有要素"


def test_identify_land_cover_shows_code_and_class_name(app, qtbot, landcover_tif):
    scheme = {c["value"]: c for c in yaml.safe_load(SCHEME_FILE.read_text(encoding="utf-8"))["classes"]}
    win = shown_window(qtbot)
    spec = win.import_raster(landcover_tif, interactive=False)
    assert spec is not None and spec.role == "landcover" and spec.style.scheme == "sandiao"
    qtbot.waitUntil(win.canvas.is_idle, timeout=20_000)
    # pixel centres: column 3 (112.07°E) is in the west half, column 15 (112.31°E) in the east half
    for lon, value in ((112.0 + 3.5 * 0.02, 301), (112.0 + 15.5 * 0.02, 101)):
        results = click_lonlat(qtbot, win, lon, 28.2 - 4.5 * 0.02)
        assert len(results) == 1 and results[0][0] == spec.id
        entry = results[0][2][0]
        assert entry["value"] == float(value)
        expected = f"{scheme[value]['code']} {scheme[value]['name_zh']}"  # e.g. "0301 乔木林地"
        assert entry["class"] == expected
        assert expected in panel_texts(win)


def test_identify_lists_vector_above_raster(app, qtbot, counties_gpkg, landcover_tif):
    """A county polygon over the land cover: both answer the click, the top layer (the county) first."""
    win = shown_window(qtbot)
    raster = win.import_raster(landcover_tif, interactive=False)
    counties = win.add_layer_file(counties_gpkg, "counties", role="boundary")
    qtbot.waitUntil(win.canvas.is_idle, timeout=20_000)
    results = click_lonlat(qtbot, win, 112.07, 28.11)  # inside 甲县 (112.0–112.4°E) and the raster's 301 half
    assert [r[0] for r in results] == [counties.id, raster.id]
    assert results[0][2][0]["name"] == "甲县" and results[1][2][0]["value"] == 301.0
