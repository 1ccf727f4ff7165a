"""Drawing sites on the map: a transparent layer over the canvas that places a point or draws a polygon, and
shows the site being inspected and the current scenario's sites.

It is a child widget of the canvas (the canvas itself is not changed): while a drawing tool is on it takes
the left button — a click places the point, or adds a vertex; a double click, a right click or Enter closes
the polygon; Backspace takes the last vertex back; Esc cancels — and passes the wheel and the middle button
(pan) on to the canvas. Otherwise it lets every mouse event through and only paints. Geometries are kept in
CGCS2000 lon/lat (EPSG:4490, the storage CRS) and drawn through the canvas's viewport in the display CRS.
"""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import Transformer
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QWidget

from ..core.crs import STORAGE_CRS

POINT, POLYGON = "point", "polygon"
SITE_COLOUR = "#d7301f"  # the site being inspected
SCENARIO_COLOUR = "#6a3d9a"  # the current scenario's sites


class SiteOverlay(QWidget):
    """Over ``canvas`` (a MapCanvas): ``placed(lon, lat)`` when a point is placed, ``drawn(polygon)`` (shapely,
    EPSG:4490) when a polygon is closed, ``cancelled()`` on Esc."""

    placed = Signal(float, float)
    drawn = Signal(object)
    cancelled = Signal()

    def __init__(self, canvas) -> None:
        super().__init__(canvas)
        self.canvas = canvas
        self.mode: str | None = None
        self.vertices: list[tuple[float, float]] = []  # display CRS
        self.hover: tuple[float, float] | None = None
        self.site = None  # the inspected site's footprint (EPSG:4490)
        self.scenario_sites: list[tuple[str, object]] = []  # (name, footprint EPSG:4490)
        self._crs: str | None = None
        self._to_display = self._to_storage = None
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground, True)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setGeometry(canvas.rect())
        canvas.installEventFilter(self)
        canvas.viewportChanged.connect(lambda _vp: self.update())

    # -- coordinates -----------------------------------------------------------------------------------------
    def _transformers(self):
        crs = self.canvas.registry.project.display_crs
        if crs != self._crs:
            self._crs = crs
            self._to_display = Transformer.from_crs(STORAGE_CRS, crs, always_xy=True)
            self._to_storage = Transformer.from_crs(crs, STORAGE_CRS, always_xy=True)
        return self._to_display, self._to_storage

    def to_lonlat(self, x: float, y: float) -> tuple[float, float]:
        lon, lat = self._transformers()[1].transform(x, y)
        return float(lon), float(lat)

    def _screen(self, geom) -> object:
        """``geom`` (EPSG:4490) in screen pixels of the current view (the canvas's drag offset added)."""
        to_display = self._transformers()[0]
        vp = self.canvas.viewport
        off = getattr(self.canvas, "_drag_offset", QPointF(0, 0))

        def move(xy: np.ndarray) -> np.ndarray:
            x, y = to_display.transform(xy[:, 0], xy[:, 1])
            sx, sy = vp.to_screen(np.asarray(x), np.asarray(y))
            return np.column_stack([np.asarray(sx) + off.x(), np.asarray(sy) + off.y()])

        return shapely.transform(geom, move)

    # -- the tool --------------------------------------------------------------------------------------------
    def start(self, mode: str) -> None:
        """Take the left button for placing a point (``POINT``) or drawing a polygon (``POLYGON``)."""
        self.mode = mode
        self.vertices = []
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, False)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setFocus()
        self.update()

    def stop(self) -> None:
        self.mode = None
        self.vertices = []
        self.hover = None
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.unsetCursor()
        self.update()

    def show_site(self, geom) -> None:
        self.site = geom
        self.update()

    def show_scenario(self, sites: list[tuple[str, object]]) -> None:
        self.scenario_sites = list(sites)
        self.update()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if obj is self.canvas and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.canvas.rect())
        return False

    def _map_xy(self, event) -> tuple[float, float]:
        x, y = self.canvas.viewport.to_map(event.position().x(), event.position().y())
        return float(x), float(y)

    def mousePressEvent(self, e) -> None:  # noqa: N802
        if self.mode is None or e.button() != Qt.MouseButton.LeftButton:
            if self.mode == POLYGON and e.button() == Qt.MouseButton.RightButton:
                self.finish()
                return
            e.ignore()  # the middle button pans the canvas
            return
        x, y = self._map_xy(e)
        if self.mode == POINT:
            lon, lat = self.to_lonlat(x, y)
            self.placed.emit(lon, lat)
            return
        if not self.vertices or self.vertices[-1] != (x, y):
            self.vertices.append((x, y))
        self.update()

    def mouseDoubleClickEvent(self, e) -> None:  # noqa: N802
        if self.mode == POLYGON and e.button() == Qt.MouseButton.LeftButton:
            self.finish()
        else:
            e.ignore()

    def mouseMoveEvent(self, e) -> None:  # noqa: N802
        if self.mode is None:
            e.ignore()
            return
        self.hover = self._map_xy(e)
        if self.mode == POLYGON and self.vertices:
            self.update()
        e.ignore()

    def mouseReleaseEvent(self, e) -> None:  # noqa: N802
        if self.mode is None or e.button() != Qt.MouseButton.LeftButton:
            e.ignore()

    def wheelEvent(self, e) -> None:  # noqa: N802
        e.ignore()  # zoom the canvas

    def keyPressEvent(self, e) -> None:  # noqa: N802
        if self.mode is None:
            e.ignore()
            return
        if e.key() == Qt.Key.Key_Escape:
            self.vertices = []
            self.update()
            self.cancelled.emit()
        elif e.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.mode == POLYGON:
            self.finish()
        elif e.key() == Qt.Key.Key_Backspace and self.vertices:
            self.vertices.pop()
            self.update()
        else:
            e.ignore()

    def finish(self) -> None:
        """Close the polygon drawn so far (3 distinct vertices at least; fewer: nothing happens)."""
        pts = list(dict.fromkeys(self.vertices))
        if len(pts) < 3:
            return
        to_storage = self._transformers()[1]
        xs, ys = to_storage.transform([p[0] for p in pts], [p[1] for p in pts])
        poly = shapely.Polygon(np.column_stack([xs, ys]))
        self.vertices = []
        self.update()
        if poly.area > 0:
            self.drawn.emit(poly)

    # -- painting ----------------------------------------------------------------------------------------------
    def paintEvent(self, event) -> None:  # noqa: N802
        if not self.canvas.has_view:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for name, geom in self.scenario_sites:
            self._draw(p, geom, SCENARIO_COLOUR, 50, dashed=True, label=name)
        if self.site is not None:
            self._draw(p, self.site, SITE_COLOUR, 80)
        if self.vertices:
            pen = QPen(QColor(SITE_COLOUR), 2.0)
            p.setPen(pen)
            vp = self.canvas.viewport
            pts = [QPointF(*map(float, vp.to_screen(x, y))) for x, y in self.vertices]
            if self.hover is not None:
                pts.append(QPointF(*map(float, vp.to_screen(*self.hover))))
            for a, b in zip(pts, pts[1:]):
                p.drawLine(a, b)
            p.setBrush(QColor("#ffffff"))
            for q in pts[:len(self.vertices)]:
                p.drawEllipse(q, 3.5, 3.5)
        p.end()

    def _draw(self, p: QPainter, geom, colour: str, alpha: int, dashed: bool = False, label: str | None = None):
        screen = self._screen(geom)
        path = QPainterPath()
        path.setFillRule(Qt.FillRule.OddEvenFill)
        for poly in shapely.get_parts(screen):
            if shapely.get_type_id(poly) == 0:  # a point: a small circle
                path.addEllipse(QPointF(poly.x, poly.y), 5, 5)
                continue
            for ring in [poly.exterior, *poly.interiors]:
                xy = np.asarray(ring.coords)
                if len(xy) < 2:
                    continue
                path.moveTo(*xy[0])
                for x, y in xy[1:]:
                    path.lineTo(x, y)
                path.closeSubpath()
        c = QColor(colour)
        pen = QPen(c, 2.0)
        if dashed:
            pen.setStyle(Qt.PenStyle.DashLine)
        p.setPen(pen)
        c.setAlpha(alpha)
        p.setBrush(c)
        p.drawPath(path)
        if label:
            r = path.boundingRect()
            p.setPen(QColor(colour))
            p.drawText(QPointF(r.right() + 3, r.top() + 10), label)


__all__ = ["POINT", "POLYGON", "SiteOverlay"]
