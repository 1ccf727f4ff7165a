"""Rasters: scheme palette at the right place, hillshade against the analytic value, big rasters warn."""

from __future__ import annotations

import numpy as np
import rasterio
from pyproj import Transformer
from rasterio.transform import from_origin

from sinkmap.core.crs import EQUAL_AREA_CRS
from sinkmap.core.feedback import NullFeedback
from sinkmap.core.project import Style





def test_land_cover_classes_drawn_with_scheme_colours(app, tmp_path, landcover_tif):
    from sinkmap.gui.canvas.raster_render import RasterJob, render_raster
    from sinkmap.carto.viewport import Viewport
    from sinkmap.io.layerdata.raster_data import open_raster
    from sinkmap.io.schemes import load_scheme

    data = open_raster(landcover_tif, EQUAL_AREA_CRS)
    assert data.classes_present == (101, 301)
    vp = Viewport(0, 0, 1, 300, 200).fitted(data.extent, 0.1)
    img = render_raster(RasterJob(data, Style(kind="classes", scheme="sandiao")), vp)
    to_map = Transformer.from_crs("EPSG:4490", EQUAL_AREA_CRS, always_xy=True)
    scheme = load_scheme("sandiao")
    for lon, value in ((112.1, 301), (112.3, 101)):  # centres of the two halves
        x, y = to_map.transform(lon, 28.1)
        col, row = vp.to_screen(x, y)
        assert img.pixelColor(int(col), int(row)).name() == scheme.lookup(value).color
    x, y = to_map.transform(111.99, 28.1)  # just west of the raster (in the margin): transparent
    col, row = vp.to_screen(x, y)
    assert img.pixelColor(int(col), int(row)).alpha() == 0


def test_hillshade_of_a_plane_matches_the_formula():
    from sinkmap.gui.canvas.raster_render import hillshade

    cell = 30.0
    cols = np.arange(20) * cell
    z = np.tile(cols * 1.0, (15, 1))  # rises 1 m per metre eastwards: a 45° slope facing west
    shade = hillshade(z, cell, azimuth=315.0, altitude=45.0)
    # sun from the north-west, 45° high; slope 45° facing west (aspect 270°):
    # cos(45°)·cos(45°) + sin(45°)·sin(45°)·cos(315° − 270°) = 0.5 + 0.5 · 0.70711 = 0.85355
    np.testing.assert_allclose(shade[5:10, 5:15], 0.5 + 0.5 * np.sqrt(0.5), atol=1e-9)


def test_big_raster_without_overviews_warns_and_draws(app, tmp_path):
    from sinkmap.carto.viewport import Viewport
    from sinkmap.io.layerdata.raster_data import LARGE_RASTER_PX, open_raster

    n = 12_000  # 1.44e8 pixels, sparse: only one 512 × 512 tile is written
    assert n * n > LARGE_RASTER_PX
    path = tmp_path / "big.tif"
    with rasterio.open(path, "w", driver="GTiff", width=n, height=n, count=1, dtype="uint16", crs="EPSG:4490",
                       transform=from_origin(112.0, 29.0, 1.0 / n, 1.0 / n), tiled=True, blockxsize=512,
                       blockysize=512, compress="deflate", nodata=0, SPARSE_OK=True) as ds:
        ds.write(np.full((512, 512), 301, np.uint16), 1, window=rasterio.windows.Window(6144, 6144, 512, 512))
    fb = NullFeedback()
    data = open_raster(path, EQUAL_AREA_CRS, fb)
    assert any("overviews" in w for w in map(str, fb.warnings))
    values = data.read_view(Viewport(0, 0, 1, 400, 300).fitted(data.extent))
    assert values.shape == (300, 400) and set(np.unique(values.compressed()).tolist()) == {301.0}


def test_unreadable_raster_is_an_input_error(tmp_path):
    import pytest

    from sinkmap.core.errors import InputError
    from sinkmap.io.layerdata.raster_data import open_raster

    bad = tmp_path / "bad.tif"
    bad.write_bytes(b"not a tiff")
    with pytest.raises(InputError) as err:
        open_raster(bad, EQUAL_AREA_CRS)
    assert str(bad) in str(err.value)
