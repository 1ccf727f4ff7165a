"""Map labels for all labelled layers at once, placed greedily without overlaps, drawn above every layer.

What QGIS's labelling engine does by default, in its simplest greedy form:

* **One placement for the whole map.** Labels of every labelled layer are placed together (upper layers
  first) into one image the canvas draws above all layers, so a layer drawn later (sites, a selection)
  never covers a county name, and labels of two layers never overlap each other.
* **Priority.** Within a layer, bigger features first: polygons by their area on screen (the part inside
  the view), lines by their length on screen; points keep their order.
* **Anchor inside the feature.** A polygon's label sits at its pole of inaccessibility (the centre of the
  largest inscribed circle, GEOS's ``MaximumInscribedCircle``), which is always inside the polygon —
  unlike the centroid, which falls outside a crescent or a U-shaped county. A polygon that crosses the
  view's edge is clipped to the view first, so its label stays on screen. Lines: the middle of their
  length; points: beside the symbol (right, left, above, below — the first free one). When the
  polygon's spot is taken, the label tries four spots around it (up, down, left, right), never further
  than the inscribed circle's radius, so its centre stays inside the polygon.
* **Small polygons.** A polygon smaller on screen than its label's box is not labelled: the label would
  cover it whole and hide its colour (a small district on a choropleth).
* **Collisions.** A label whose text box, grown by a small margin, meets a label already placed (or a
  labelled point layer's symbol) is skipped, and so is one that would leave the canvas. The overlap test
  uses a uniform grid of screen cells, so each test looks at a few neighbours only.
* **Halo.** Text is drawn with a white outline so it stays readable over busy fills.

Per-feature anchors and areas do not depend on the view: they are computed from the layer's projected
vertices (``VectorData.coords``, no reprojection) the first time a feature is a candidate, and cached
for the layer's lifetime. Everything here runs on render threads; nothing reads mutable GUI state.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import Transformer
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QImage, QPainter

from ...carto.colors import hex_to_rgba
from ...carto.viewport import Viewport
from ...core.errors import Cancelled
from ...core.project import Style
from ...io.layerdata.data import POINT, POLYGON, VectorData
from ..fonts import label_font

#: A polygon or line is labelled when its bounding box is at least this wide or high on screen.
MIN_FEATURE_PX = 24.0
#: Empty pixels required around a label (its box is grown by this much for the overlap test).
MARGIN_PX = 2.0
#: A polygon's label may move from the pole by up to this fraction of its inscribed circle's radius.
SHIFT_IN_RADIUS = 0.8
#: A polygon is not labelled when its label's box is bigger than this times its area on screen.
MAX_LABEL_TO_AREA = 1.0
#: At most this many candidates per layer are considered (the biggest), which bounds the work at any zoom.
MAX_CANDIDATES = 20_000
#: The pole is found to this fraction of the feature's size (cached anchors) ...
POLE_REL_TOLERANCE = 1 / 50
#: ... or to this many pixels for a polygon clipped to the view.
POLE_PX_TOLERANCE = 2.0
HALO = QColor(255, 255, 255)
HALO_RADIUS = 2  # pixels
GRID_CELL_PX = 48.0


@dataclass(frozen=True)
class LabelSource:
    """One labelled layer as the label job sees it (an immutable snapshot taken on the GUI thread)."""

    data: VectorData
    style: Style


@dataclass(frozen=True)
class PlacedLabel:
    """A label that was placed: its layer (index into the sources), feature row, text and text box."""

    layer: int
    row: int
    text: str
    x: float  # text box, screen pixels (top-left, size)
    y: float
    width: float
    height: float
    baseline: float  # y of the text's baseline


# -- the overlap test -----------------------------------------------------------------------------

class RectGrid:
    """Rectangles on a screen, bucketed by grid cell: is a box free, and mark a box as taken."""

    def __init__(self, width: float, height: float, cell: float = GRID_CELL_PX) -> None:
        self.cell = cell
        self.nx = max(1, int(math.ceil(width / cell)))
        self.ny = max(1, int(math.ceil(height / cell)))
        self.cells: list[list[tuple[float, float, float, float]]] = [[] for _ in range(self.nx * self.ny)]

    def _span(self, x0: float, y0: float, x1: float, y1: float):
        c = self.cell
        i0, i1 = max(0, int(x0 // c)), min(self.nx - 1, int(x1 // c))
        j0, j1 = max(0, int(y0 // c)), min(self.ny - 1, int(y1 // c))
        return i0, i1, j0, j1

    def free(self, x0: float, y0: float, x1: float, y1: float) -> bool:
        """True when no stored rectangle overlaps the open box (touching edges do not count)."""
        i0, i1, j0, j1 = self._span(x0, y0, x1, y1)
        cells = self.cells
        for j in range(j0, j1 + 1):
            base = j * self.nx
            for i in range(i0, i1 + 1):
                for a0, b0, a1, b1 in cells[base + i]:
                    if a0 < x1 and x0 < a1 and b0 < y1 and y0 < b1:
                        return False
        return True

    def add(self, x0: float, y0: float, x1: float, y1: float) -> None:
        i0, i1, j0, j1 = self._span(x0, y0, x1, y1)
        rect = (x0, y0, x1, y1)
        for j in range(j0, j1 + 1):
            for i in range(i0, i1 + 1):
                self.cells[j * self.nx + i].append(rect)


# -- anchors --------------------------------------------------------------------------------------

class _Anchors:
    """View-independent anchor (display CRS), size (area or length) and inscribed radius per feature."""

    def __init__(self, n: int) -> None:
        self.xy = np.full((n, 2), np.nan)
        self.size = np.full(n, np.nan)
        self.radius = np.zeros(n)
        self.known = np.zeros(n, dtype=bool)


@dataclass(frozen=True)
class Candidates:
    """The features to label in a view, highest priority first (screen pixels)."""

    rows: np.ndarray
    x: np.ndarray  # anchor
    y: np.ndarray
    size: np.ndarray  # polygon: area inside the view (px²); line: length (px); point: 0
    radius: np.ndarray  # polygon: radius of its largest inscribed circle (px) around the anchor; else 0


_CACHE: dict[int, _Anchors] = {}
_CACHE_LOCK = threading.Lock()


def _anchors_of(data: VectorData) -> _Anchors:
    key = id(data)
    with _CACHE_LOCK:
        entry = _CACHE.get(key)
        if entry is None:
            entry = _CACHE[key] = _Anchors(len(data))
            weakref.finalize(data, _CACHE.pop, key, None)  # dropped with the layer's data
    return entry


def display_geometries(data: VectorData, rows: np.ndarray) -> np.ndarray:
    """The features ``rows`` as shapely geometries in the display CRS.

    The layer's vertices are already projected (``data.coords``, grouped by feature in shapely's
    coordinate order), so the geometries are rebuilt from them; a feature whose parts were not all kept
    (a collection mixing polygons and lines) is reprojected instead.
    """
    rows = np.asarray(rows, dtype=np.int64)
    geoms = data.geoms[rows]
    pf, offs = data.part_feature, data.part_offsets
    v0 = offs[np.searchsorted(pf, rows, side="left")]
    v1 = offs[np.searchsorted(pf, rows, side="right")]
    counts = v1 - v0
    if counts.sum() == shapely.get_num_coordinates(geoms).sum():
        starts = np.repeat(v0 - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
        xy = data.coords[starts + np.arange(counts.sum())]
        return shapely.transform(geoms, lambda _c: xy)
    tr = Transformer.from_crs(data.frame.crs, data.display_crs, always_xy=True)
    return shapely.transform(geoms, lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1])))


def _poles(polys: np.ndarray, tolerance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(n, 2) pole of inaccessibility of each polygon and the radius of its inscribed circle (NaN and 0
    for empty polygons)."""
    out, radius = np.full((len(polys), 2), np.nan), np.zeros(len(polys))
    ok = np.flatnonzero(~(shapely.is_empty(polys) | shapely.is_missing(polys)))
    if len(ok) == 0:
        return out, radius
    try:
        circles = shapely.maximum_inscribed_circle(polys[ok], tolerance[ok])  # centre -> nearest edge
    except shapely.errors.GEOSException:  # an invalid polygon among them: one at a time
        circles = np.array([_circle_or_point(g, t) for g, t in zip(polys[ok], tolerance[ok])], dtype=object)
    out[ok] = shapely.get_coordinates(shapely.get_point(circles, 0))
    radius[ok] = np.nan_to_num(shapely.length(circles))
    return out, radius


def _circle_or_point(poly, tolerance: float):
    """One polygon's inscribed circle; for an invalid one GEOS refuses, its representative point (also
    inside, radius 0)."""
    try:
        return shapely.maximum_inscribed_circle(poly, tolerance)
    except shapely.errors.GEOSException:
        p = shapely.point_on_surface(poly)
        return shapely.linestrings([[p.x, p.y], [p.x, p.y]])


def _measure(kind: str, geoms: np.ndarray, tolerance: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(anchor xy, size, inscribed radius) of polygons or lines (display units)."""
    if kind == POLYGON:
        xy, radius = _poles(geoms, tolerance)
        return xy, shapely.area(geoms), radius
    mid = shapely.line_interpolate_point(geoms, 0.5, normalized=True)
    xy = np.full((len(geoms), 2), np.nan)
    ok = ~(shapely.is_empty(mid) | shapely.is_missing(mid))
    xy[ok] = shapely.get_coordinates(mid[ok])
    return xy, shapely.length(geoms), np.zeros(len(geoms))


def _cached_measures(data: VectorData, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    entry = _anchors_of(data)
    todo = rows[~entry.known[rows]]
    if len(todo):
        b = data.bounds[todo]
        tol = np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]) * POLE_REL_TOLERANCE
        entry.xy[todo], entry.size[todo], entry.radius[todo] = _measure(
            data.kind, display_geometries(data, todo), tol)
        entry.known[todo] = True
    return entry.xy[rows], entry.size[rows], entry.radius[rows]


def _clipped_measures(data: VectorData, rows: np.ndarray, vp: Viewport
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Anchor, size and radius of features crossing the view's edge (of their part inside the view)."""
    clipped = shapely.clip_by_rect(display_geometries(data, rows), *vp.extent)
    tol = np.full(len(rows), POLE_PX_TOLERANCE * vp.units_per_px)
    return _measure(data.kind, clipped, tol)


def candidates(data: VectorData, vp: Viewport, min_feature_px: float = MIN_FEATURE_PX) -> Candidates:
    """The features to label in ``vp``: in view, at least ``min_feature_px`` wide or high (polygons and
    lines), highest priority first."""
    b = data.bounds
    xmin, ymin, xmax, ymax = vp.extent
    with np.errstate(invalid="ignore"):
        seen = (b[:, 2] >= xmin) & (b[:, 0] <= xmax) & (b[:, 3] >= ymin) & (b[:, 1] <= ymax)
        if data.kind != POINT:
            wide = np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]) / vp.units_per_px
            seen &= wide >= min_feature_px
    rows = np.flatnonzero(seen)
    if data.kind == POINT:
        rows = rows[:MAX_CANDIDATES]
        xy = data.coords[data.part_offsets[np.searchsorted(data.part_feature, rows, side="left")]]
        sx, sy = vp.to_screen(xy[:, 0], xy[:, 1])
        return Candidates(rows, sx, sy, np.zeros(len(rows)), np.zeros(len(rows)))
    if len(rows) > MAX_CANDIDATES:
        rows = rows[np.argsort(-wide[rows], kind="stable")[:MAX_CANDIDATES]]
    rb = b[rows]
    inside = (rb[:, 0] >= xmin) & (rb[:, 2] <= xmax) & (rb[:, 1] >= ymin) & (rb[:, 3] <= ymax)
    xy, size, radius = np.empty((len(rows), 2)), np.empty(len(rows)), np.empty(len(rows))
    xy[inside], size[inside], radius[inside] = _cached_measures(data, rows[inside])
    if (~inside).any():
        xy[~inside], size[~inside], radius[~inside] = _clipped_measures(data, rows[~inside], vp)
    ok = np.isfinite(xy).all(axis=1) & (size > 0)
    order = np.flatnonzero(ok)[np.argsort(-size[ok], kind="stable")]
    sx, sy = vp.to_screen(xy[order, 0], xy[order, 1])
    upp = vp.units_per_px
    return Candidates(rows[order], sx, sy, size[order] / (upp * upp if data.kind == POLYGON else upp),
                      radius[order] / upp)


# -- placement ------------------------------------------------------------------------------------

def _texts(data: VectorData, field: str, rows: np.ndarray) -> list[str | None]:
    values = data.frame[field].to_numpy(dtype=object)[rows]
    return [None if v is None or v != v or str(v).strip() == "" else str(v) for v in values.tolist()]


def _point_obstacles(grid: RectGrid, sources: Sequence[LabelSource], vp: Viewport) -> None:
    """The symbols of labelled point layers: other labels must not cover them."""
    for src in sources:
        if src.data.kind != POINT:
            continue
        c = candidates(src.data, vp)
        r = max(src.style.point_size, 1.0) / 2 + max(src.style.stroke_width, 0.0)
        for x, y in zip(c.x.tolist(), c.y.tolist()):
            grid.add(x - r, y - r, x + r, y + r)


def _boxes(kind: str, x: float, y: float, w: float, h: float, radius: float, gap: float):
    """Candidate text boxes (top-left corners), best first.

    Points: beside the symbol (right, left, above, below). Polygons: centred on the pole, then moved
    up, down, left or right — within the inscribed circle, so the box's centre stays inside the
    polygon; up/down by one text height at most (the next line). Lines: centred on their middle.
    """
    if kind == POINT:
        return ((x + gap, y - h / 2), (x - gap - w, y - h / 2), (x - w / 2, y - gap - h), (x - w / 2, y + gap))
    x0, y0 = x - w / 2, y - h / 2
    reach = SHIFT_IN_RADIUS * radius
    dy, dx = min(reach, h), min(reach, w / 2)
    if kind != POLYGON or dy < 1.0:
        return ((x0, y0),)
    return ((x0, y0), (x0, y0 - dy), (x0, y0 + dy), (x0 - dx, y0), (x0 + dx, y0))


def place_labels(sources: Sequence[LabelSource], vp: Viewport, cancel: threading.Event | None = None,
                 margin: float = MARGIN_PX) -> list[PlacedLabel]:
    """Where the labels of ``sources`` go in ``vp`` (first source first, bigger features first); labels
    that would overlap a placed one (or a labelled point symbol) or leave the canvas are left out."""
    grid = RectGrid(vp.width, vp.height)
    _point_obstacles(grid, sources, vp)
    placed: list[PlacedLabel] = []
    for li, src in enumerate(sources):
        field, kind = src.style.label_field, src.data.kind
        if not field or field not in src.data.frame.columns or len(src.data) == 0:
            continue
        c = candidates(src.data, vp)
        if len(c.rows) == 0:
            continue
        metrics = QFontMetricsF(label_font(src.style.label_size))
        h, ascent = metrics.height(), metrics.ascent()
        gap = max(src.style.point_size, 1.0) / 2 + max(src.style.stroke_width, 0.0) + 2.0
        widths: dict[str, float] = {}
        items = zip(c.rows.tolist(), c.x.tolist(), c.y.tolist(), c.size.tolist(), c.radius.tolist(),
                    _texts(src.data, field, c.rows))
        for n, (row, x, y, area, radius, text) in enumerate(items):
            if n % 256 == 0 and cancel is not None and cancel.is_set():
                raise Cancelled()
            if text is None:
                continue
            w = widths.get(text)
            if w is None:
                w = widths[text] = metrics.horizontalAdvance(text)
            if kind == POLYGON and w * h > area * MAX_LABEL_TO_AREA:
                continue  # the label would blanket its polygon and hide its colour
            for bx, by in _boxes(kind, x, y, w, h, radius, gap):
                if bx < 0 or by < 0 or bx + w > vp.width or by + h > vp.height:
                    continue
                if grid.free(bx - margin, by - margin, bx + w + margin, by + h + margin):
                    grid.add(bx, by, bx + w, by + h)
                    placed.append(PlacedLabel(li, row, text, bx, by, w, h, by + ascent))
                    break
    return placed


# -- drawing --------------------------------------------------------------------------------------

def _label_color(text: str) -> QColor:
    """A style colour ('#rrggbb' or CSS-order '#rrggbbaa'; Qt alone would read '#aarrggbb')."""
    if text.startswith("#") and len(text) in (4, 7, 9):
        return QColor(*hex_to_rgba(text))
    return QColor(text)


def _text_pass(painter: QPainter, sources: Sequence[LabelSource], placed: Sequence[PlacedLabel],
               color: QColor | None) -> None:
    """Every placed label's text, in its layer's font and colour (or all in ``color``)."""
    for li, src in enumerate(sources):
        painter.setFont(label_font(src.style.label_size))
        painter.setPen(color or _label_color(src.style.label_color))
        for p in placed:
            if p.layer == li:
                painter.drawText(QPointF(p.x, p.baseline), p.text)


def draw_placed(painter: QPainter, sources: Sequence[LabelSource], placed: Sequence[PlacedLabel]) -> None:
    """Draw placed labels with a white halo.

    The halo is the texts drawn once in white on a scratch image, which is then laid down shifted by
    up to ``HALO_RADIUS`` pixels in every direction (a dilation); the texts go on top. Qt's glyph cache
    makes this two cheap text passes and a few image blits — stroking the outlines of a thousand labels'
    glyphs with a wide pen (``QPainter.strokePath``) took seconds.
    """
    if not placed:
        return
    device = painter.device()
    halo = QImage(device.width(), device.height(), QImage.Format.Format_ARGB32_Premultiplied)
    halo.fill(Qt.GlobalColor.transparent)
    hp = QPainter(halo)
    try:
        hp.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        _text_pass(hp, sources, placed, HALO)
    finally:
        hp.end()
    r = HALO_RADIUS
    for dx in range(-r, r + 1):
        for dy in range(-r, r + 1):
            if (dx or dy) and dx * dx + dy * dy <= r * r + 1:
                painter.drawImage(QPointF(dx, dy), halo)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    _text_pass(painter, sources, placed, None)


def render_labels(sources: Sequence[LabelSource], vp: Viewport, cancel: threading.Event | None = None
                  ) -> QImage:
    """The labels of ``sources`` for ``vp`` on a transparent image (a render job)."""
    img = QImage(vp.width, vp.height, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(Qt.GlobalColor.transparent)
    placed = place_labels(sources, vp, cancel)
    if cancel is not None and cancel.is_set():
        raise Cancelled()
    painter = QPainter(img)
    try:
        draw_placed(painter, sources, placed)
    finally:
        painter.end()
    return img

