"""The canvas draws features where they belong: pixel colours at known projected points."""

from __future__ import annotations

import threading

import pytest
import shapely
from pyproj import Transformer

from sinkmap.core.crs import EQUAL_AREA_CRS
from sinkmap.core.project import LayerSpec, Project, Style

RED = "#ff0000"


def _pixel(vp, lon, lat):
    """Screen pixel of a lon/lat point, computed here from the viewport's definition."""
    x, y = Transformer.from_crs("EPSG:4490", EQUAL_AREA_CRS, always_xy=True).transform(lon, lat)
    col = (x - vp.center_x) / vp.units_per_px + vp.width / 2
    row = (vp.center_y - y) / vp.units_per_px + vp.height / 2
    return int(col), int(row)


def test_render_vector_pixels(app, counties_frame):
    from sinkmap.carto.symbology import build_symbology
    from sinkmap.gui.canvas.vector_render import VectorJob, render_vector
    from sinkmap.carto.viewport import Viewport
    from sinkmap.io.layerdata.data import prepare_vector

    frame = counties_frame
    data = prepare_vector(frame, EQUAL_AREA_CRS)
    style = Style(fill=RED, stroke="none", stroke_width=0)
    vp = Viewport(0, 0, 1, 400, 300).fitted(data.extent, 0.1)
    img = render_vector(VectorJob(data, style, build_symbology(style, frame)), vp, threading.Event())
    inside_a = _pixel(vp, 112.2, 28.2)
    inside_b = _pixel(vp, 113.2, 28.2)
    between = _pixel(vp, 112.7, 28.2)  # the gap between the two squares
    assert img.pixelColor(*inside_a).name() == RED
    assert img.pixelColor(*inside_b).name() == RED
    assert img.pixelColor(*between).alpha() == 0


def test_categorised_classes_get_their_colours(app, counties_frame):
    from sinkmap.carto.symbology import build_symbology
    from sinkmap.gui.canvas.vector_render import VectorJob, render_vector
    from sinkmap.carto.viewport import Viewport
    from sinkmap.io.layerdata.data import prepare_vector

    frame = counties_frame
    data = prepare_vector(frame, EQUAL_AREA_CRS)
    style = Style(kind="categorised", field="name", categories={"甲县": "#00ff00", "乙县": "#0000ff"},
                  stroke="none", stroke_width=0)
    vp = Viewport(0, 0, 1, 400, 300).fitted(data.extent, 0.1)
    img = render_vector(VectorJob(data, style, build_symbology(style, frame)), vp)
    assert img.pixelColor(*_pixel(vp, 112.2, 28.2)).name() == "#00ff00"
    assert img.pixelColor(*_pixel(vp, 113.2, 28.2)).name() == "#0000ff"


def test_cancelled_render_raises(app, counties_frame):
    from sinkmap.core.errors import Cancelled
    from sinkmap.carto.symbology import build_symbology
    from sinkmap.gui.canvas.vector_render import VectorJob, render_vector
    from sinkmap.carto.viewport import Viewport
    from sinkmap.io.layerdata.data import prepare_vector

    frame = counties_frame
    data = prepare_vector(frame, EQUAL_AREA_CRS)
    ev = threading.Event()
    ev.set()
    with pytest.raises(Cancelled):
        render_vector(VectorJob(data, Style(), build_symbology(Style(), frame)),
                      Viewport(0, 0, 1, 100, 100).fitted(data.extent), ev)


def test_window_shows_real_counties_where_they_belong(app, drawn_window):
    """Changsha's counties from the bundled boundaries: 浏阳市 is red on screen, a point west of 宁乡 is not."""
    from sinkmap.gui.layers.registry import BUILTIN_BOUNDARIES
    from sinkmap.io.boundaries import load_units

    win = drawn_window([LayerSpec(name="县界", path=BUILTIN_BOUNDARIES, layer="长沙市", role="boundary",
                                  style=Style(fill=RED, stroke="none", stroke_width=0))], timeout=30_000)
    image = win.canvas.render_to_image()
    units = load_units(city="长沙市")
    liuyang = units[units["name"] == "浏阳市"].geometry.iloc[0]
    p = shapely.point_on_surface(liuyang)
    col, row = _pixel(win.canvas.viewport, p.x, p.y)
    assert 0 <= col < image.width() and 0 <= row < image.height()
    assert image.pixelColor(col, row).name() == RED
    outside = _pixel(win.canvas.viewport, 111.5, 28.6)  # north-west of 宁乡市, outside Changsha
    assert not units.geometry.iloc[0].contains(shapely.Point(111.5, 28.6))
    assert image.pixelColor(*outside).name() != RED


def test_pan_moves_cached_image_at_once(app, qtbot, counties_gpkg):
    from sinkmap.gui.mainwindow import MainWindow

    win = MainWindow(Project(layers=[LayerSpec(name="县界", path=str(counties_gpkg), layer="counties",
                                               style=Style(fill=RED, stroke="none", stroke_width=0))]))
    win.quiet = True
    qtbot.addWidget(win)
    win.resize(1000, 700)
    win.show()
    qtbot.waitUntil(win.canvas.is_idle, timeout=20_000)
    c = win.canvas
    before = _pixel(c.viewport, 112.2, 28.2)
    c.set_viewport(c.viewport.panned_px(40, 0))  # content moves 40 px right
    image = c.render_to_image()  # painted from the cache, before any new render finished
    assert image.pixelColor(before[0] + 40, before[1]).name() == RED
    qtbot.waitUntil(c.is_idle, timeout=20_000)
    assert c.render_to_image().pixelColor(*_pixel(c.viewport, 112.2, 28.2)).name() == RED
