"""Map labels: greedy placement without overlaps (bigger features first), anchored inside the polygon
(pole of inaccessibility, not the centroid), kept on the canvas, drawn above every layer with a halo.

Layers are built directly in the display CRS (metres), so screen positions follow from the viewport by
hand: column = (x - centre_x) / metres_per_px + width / 2, row = (centre_y - y) / metres_per_px + height / 2.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import Point, box

from sinkmap.core.crs import EQUAL_AREA_CRS
from sinkmap.core.project import LayerSpec, Style

LONG = "甲甲甲甲甲县"  # six CJK characters: ~80 px at 10 pt, wider than the 60 px between the anchors
RED, BLUE = "#ff0000", "#0000ff"


def _source(geoms, names, **style):
    from sinkmap.gui.canvas.labels import LabelSource
    from sinkmap.io.layerdata.data import prepare_vector

    frame = gpd.GeoDataFrame({"name": names}, geometry=geoms, crs=EQUAL_AREA_CRS)
    return LabelSource(prepare_vector(frame, EQUAL_AREA_CRS), Style(label_field="name", **style))


def _vp(cx, cy, upp, w=400, h=300):
    from sinkmap.carto.viewport import Viewport

    return Viewport(cx, cy, upp, w, h)


def _text_width(text, size=10.0):
    from PySide6.QtGui import QFontMetricsF

    from sinkmap.gui.fonts import label_font

    return QFontMetricsF(label_font(size)).horizontalAdvance(text)


# Row 0: a 20 km square centred at (40 km, 0); row 1: a 40 km square centred at (10 km, 0).
# At 500 m/px around (15 km, 0) on a 400 × 300 canvas the centres (= poles, by symmetry) are at
# columns (40000 - 15000) / 500 + 200 = 250 and (10000 - 15000) / 500 + 200 = 190, both on row 150:
# 60 px apart; the squares are 40 px and 80 px wide (both above the 24 px labelling threshold).
SMALL = box(30_000, -10_000, 50_000, 10_000)
BIG = box(-10_000, -20_000, 30_000, 20_000)
VIEW = (15_000, 0.0, 500.0)
# Nested: a 20 km square in the middle of a 40 km one, both centred at (0, 0) = column 200, row 150.
INNER = box(-10_000, -10_000, 10_000, 10_000)
OUTER = box(-20_000, -20_000, 20_000, 20_000)


def test_overlapping_labels_only_the_bigger_feature_is_labelled(app):
    """The inner square's label cannot go anywhere inside it without meeting the outer one's: its
    spots are the centre and shifts of at most 0.8 × its 20 px inscribed radius = 16 px, while the
    label is ~80 px wide (any sideways shift still overlaps) and a shift up or down by one text height
    touches it, which the margin forbids."""
    from sinkmap.gui.canvas.labels import place_labels

    assert _text_width(LONG) > 2 * 16
    placed = place_labels([_source([INNER, OUTER], [LONG, LONG])], _vp(0.0, 0.0, 500.0))
    assert [p.row for p in placed] == [1]  # the big square (row 1) wins although it comes second
    p = placed[0]
    assert abs(p.x + p.width / 2 - 200) <= 2 and abs(p.y + p.height / 2 - 150) <= 2  # on its centre


def test_non_overlapping_labels_are_all_drawn(app):
    from sinkmap.gui.canvas.labels import MARGIN_PX, place_labels

    assert _text_width("甲") + 2 * MARGIN_PX < 60
    placed = place_labels([_source([SMALL, BIG], ["甲", "乙"])], _vp(*VIEW))
    assert [p.row for p in placed] == [1, 0]  # both; the bigger first
    centres = sorted(round(p.x + p.width / 2) for p in placed)
    assert abs(centres[0] - 190) <= 2 and abs(centres[1] - 250) <= 2


def test_a_blocked_label_moves_to_a_free_spot_inside_its_polygon(app):
    """Side by side, 70 px apart, long labels: the small square's label cannot sit on its centre
    (column 260, ~80 px wide box against the big one's 150–230) but fits shifted right by
    0.8 × 20 px = 16 px, its centre (column 276) still inside the square (columns 240–280)."""
    from sinkmap.gui.canvas.labels import MARGIN_PX, place_labels

    small = box(35_000, -10_000, 55_000, 10_000)  # centre (45 km, 0): column 260
    w = _text_width(LONG)
    assert 260 - w / 2 < 190 + w / 2 + MARGIN_PX  # on its centre it would overlap...
    assert 276 - w / 2 > 190 + w / 2 + MARGIN_PX  # ...shifted right by 16 px it does not
    vp = _vp(*VIEW)
    placed = place_labels([_source([small, BIG], [LONG, LONG])], vp)
    assert [p.row for p in placed] == [1, 0]
    p = placed[1]
    assert abs(p.x + p.width / 2 - 276) <= 2 and abs(p.y + p.height / 2 - 150) <= 2
    x, y = vp.to_map(p.x + p.width / 2, p.y + p.height / 2)
    assert small.contains(Point(float(x), float(y)))


def test_a_label_that_would_leave_the_canvas_is_skipped(app):
    from sinkmap.gui.canvas.labels import place_labels

    # a 15 km square centred at column (85000 - 0) / 500 + 200 = 370: 30 px wide, inside the 400 px canvas
    near_edge = box(77_500, -7_500, 92_500, 7_500)
    assert 370 + _text_width(LONG) / 2 > 400 and 370 + _text_width("甲") / 2 < 400
    assert place_labels([_source([near_edge], [LONG])], _vp(0.0, 0.0, 500.0)) == []
    assert [p.row for p in place_labels([_source([near_edge], ["甲"])], _vp(0.0, 0.0, 500.0))] == [0]


def test_labels_of_several_layers_do_not_overlap_upper_layer_first(app):
    from sinkmap.gui.canvas.labels import place_labels

    upper, lower = _source([INNER], [LONG]), _source([OUTER], [LONG])
    placed = place_labels([upper, lower], _vp(0.0, 0.0, 500.0))
    assert [(p.layer, p.row) for p in placed] == [(0, 0)]  # the upper layer's label, though smaller


# A U (60 km square, 20 km notch from the top): its centroid is in the notch, outside the polygon.
# By hand: bar 60 × 20 km² at y = 10 km, two legs 20 × 40 km² at y = 40 km:
# ȳ = (1200 · 10 + 1600 · 40) / 2800 = 27.142857 km, x̄ = 30 km (symmetry) -> inside the notch.
U = box(0, 0, 60_000, 60_000).difference(box(20_000, 20_000, 40_000, 60_000))
CENTROID = (30_000.0, (1200 * 10_000 + 1600 * 40_000) / 2800)


def test_anchor_is_inside_the_polygon_not_at_its_centroid(app):
    from sinkmap.gui.canvas.labels import place_labels

    assert not U.contains(Point(CENTROID))
    assert np.allclose(shapely.get_coordinates(U.centroid)[0], CENTROID)  # the hand value, checked
    vp = _vp(30_000, 30_000, 200.0)
    placed = place_labels([_source([U], ["凹县"])], vp)
    assert len(placed) == 1
    p = placed[0]
    x, y = vp.to_map(p.x + p.width / 2, p.y + p.height / 2)
    assert U.contains(Point(float(x), float(y)))


def test_label_pixels_are_inside_their_polygon(app):
    """Rendered: every red (text) pixel maps into the U, within a pixel; there is text, and a halo."""
    from sinkmap.gui.canvas.labels import render_labels

    vp = _vp(30_000, 30_000, 200.0)  # the U is 300 px wide, its legs 100 px
    img = render_labels([_source([U], ["凹县"], label_color=RED, label_size=12.0)], vp)
    red, white = [], 0
    for row in range(vp.height):
        for col in range(vp.width):
            c = img.pixelColor(col, row)
            if c.alpha() > 200 and c.red() > 180 and c.green() < 90 and c.blue() < 90:
                red.append((col + 0.5, row + 0.5))
            elif c.alpha() > 200 and min(c.red(), c.green(), c.blue()) > 240:
                white += 1
    assert len(red) > 30 and white > len(red)  # text drawn, outlined by a halo
    xs, ys = vp.to_map(*np.array(red).T)
    inside = shapely.contains_xy(U.buffer(vp.units_per_px), xs, ys)
    assert inside.all()
    assert not shapely.contains_xy(box(20_000, 20_000, 40_000, 60_000), xs, ys).any()  # none in the notch


def test_placement_of_many_labels_never_overlaps(app):
    """A 40 × 40 grid of squares with random-length names: the placed boxes are pairwise disjoint."""
    from sinkmap.gui.canvas.labels import MARGIN_PX, place_labels

    rng = np.random.default_rng(5)
    xs, ys = np.meshgrid(np.arange(40) * 10_000.0, np.arange(40) * 10_000.0)
    sides = rng.uniform(6_000, 9_500, xs.size)
    geoms = shapely.box(xs.ravel(), ys.ravel(), xs.ravel() + sides, ys.ravel() + sides)
    names = ["林" * int(k) for k in rng.integers(1, 6, xs.size)]
    vp = _vp(200_000, 200_000, 300.0, 1200, 1000)
    placed = place_labels([_source(geoms, names)], vp)
    assert 100 < len(placed) < xs.size  # many placed, some skipped
    boxes = np.array([(p.x, p.y, p.x + p.width, p.y + p.height) for p in placed])
    assert (boxes[:, 0] >= 0).all() and (boxes[:, 2] <= vp.width).all()
    assert (boxes[:, 1] >= 0).all() and (boxes[:, 3] <= vp.height).all()
    a, b = np.triu_indices(len(boxes), 1)
    m = MARGIN_PX
    overlap = ((boxes[a, 0] - m < boxes[b, 2]) & (boxes[b, 0] < boxes[a, 2] + m)
               & (boxes[a, 1] - m < boxes[b, 3]) & (boxes[b, 1] < boxes[a, 3] + m))
    assert not overlap.any()
    area = shapely.area(geoms)[[p.row for p in placed]]
    assert (np.diff(area) <= 0).all()  # placed in order of decreasing area


def test_labels_are_drawn_above_the_layers_on_top(app, qtbot, tmp_path, drawn_window):
    """A big red point of an upper layer sits on the county's label: the label (blue) still shows."""

    county, site = tmp_path / "county.gpkg", tmp_path / "site.gpkg"
    gpd.GeoDataFrame({"name": ["甲县"]}, geometry=[box(112.0, 28.0, 112.4, 28.4)], crs="EPSG:4490").to_file(
        county, layer="county", driver="GPKG")
    gpd.GeoDataFrame({"name": ["站"]}, geometry=[Point(112.2, 28.2)], crs="EPSG:4490").to_file(
        site, layer="site", driver="GPKG")
    below = LayerSpec(name="county", path=str(county), layer="county", style=Style(
        fill="#ffffff", stroke="none", stroke_width=0, label_field="name", label_color=BLUE, label_size=12.0))
    above = LayerSpec(name="site", path=str(site), layer="site", style=Style(
        fill=RED, stroke="none", stroke_width=0, point_size=80.0, label_field=None))
    win = drawn_window([below, above], size=(1000, 700))
    image = win.canvas.grab().toImage()
    vp = win.canvas.viewport
    x, y = Transformer.from_crs("EPSG:4490", vp_crs(win), always_xy=True).transform(112.2, 28.2)
    col, row = vp.to_screen(x, y)
    blue = red = 0
    for dy in range(-25, 26):  # inside the 80 px dot around its centre
        for dx in range(-25, 26):
            c = image.pixelColor(int(col) + dx, int(row) + dy)
            blue += c.blue() > 150 and c.red() < 100 and c.green() < 100
            red += c.red() > 200 and c.green() < 60 and c.blue() < 60
    assert red > 100  # the dot is there...
    assert blue > 20  # ...and the label is drawn over it
    win.close()


def vp_crs(win) -> str:
    return win.registry.project.display_crs
