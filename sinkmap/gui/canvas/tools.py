"""Map tools (what a left-button drag or click does) and the overlays drawn on top of the map."""

from __future__ import annotations

import math
from enum import Enum

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen

from ...carto.viewport import Viewport


class Tool(str, Enum):
    PAN = "pan"
    ZOOM_BOX = "zoom_box"
    IDENTIFY = "identify"
    SELECT = "select"
    DRAW = "draw"  # click the corners of a polygon, double-click (or Enter) to close it, Esc to drop it


def nice_length(target: float) -> float:
    """The 1-2-5 × 10ⁿ length nearest below ``target`` (> 0)."""
    if target <= 0:
        return 1.0
    exp = math.floor(math.log10(target))
    base = 10.0 ** exp
    for m in (5.0, 2.0, 1.0):
        if m * base <= target:
            return m * base
    return base


def format_length(metres: float) -> str:
    return f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"


def draw_scale_bar(painter: QPainter, vp: Viewport, font: QFont, max_px: float = 140.0) -> None:
    """A scale bar at the bottom left: a 1-2-5 length in metres/kilometres of at most ``max_px``."""
    length = nice_length(max_px * vp.units_per_px)
    px = length / vp.units_per_px
    x0, y0 = 14.0, vp.height - 16.0
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(255, 255, 255, 190))
    painter.drawRoundedRect(QRectF(x0 - 6, y0 - 26, px + 12 + 60, 34), 4, 4)
    pen = QPen(QColor("#202020"))
    pen.setWidthF(2.0)
    painter.setPen(pen)
    painter.drawLine(QPointF(x0, y0), QPointF(x0 + px, y0))
    painter.drawLine(QPointF(x0, y0 - 6), QPointF(x0, y0))
    painter.drawLine(QPointF(x0 + px, y0 - 6), QPointF(x0 + px, y0))
    painter.setFont(font)
    painter.drawText(QPointF(x0 + px + 8, y0 + 1), format_length(length))
    painter.restore()


def draw_rubber_band(painter: QPainter, rect: QRectF, color: str = "#1f6fd1") -> None:
    painter.save()
    c = QColor(color)
    pen = QPen(c)
    pen.setWidthF(1.5)
    pen.setStyle(Qt.PenStyle.DashLine)
    painter.setPen(pen)
    c.setAlpha(40)
    painter.setBrush(c)
    painter.drawRect(rect.normalized())
    painter.restore()


def draw_sketch(painter: QPainter, vp: Viewport, points, hover: QPointF | None = None, closed: bool = False,
                color: str = "#d35400") -> None:
    """A polygon being drawn (``points`` in map units; the edge to the mouse while open) or a drawn one."""
    if not points:
        return
    from PySide6.QtGui import QPolygonF

    painter.save()
    c = QColor(color)
    pen = QPen(c)
    pen.setWidthF(2.0)
    if not closed:
        pen.setStyle(Qt.PenStyle.DashLine)
    painter.setPen(pen)
    c.setAlpha(45)
    painter.setBrush(c if closed or len(points) > 2 else Qt.BrushStyle.NoBrush)
    screen = [QPointF(*vp.to_screen(x, y)) for x, y in points]
    if hover is not None and not closed:
        screen.append(hover)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.drawPolygon(QPolygonF(screen)) if len(screen) > 2 else painter.drawPolyline(QPolygonF(screen))
    painter.setBrush(QColor(color))
    for pt in screen[:len(points)]:
        painter.drawEllipse(pt, 3.0, 3.0)
    painter.restore()


def draw_north_arrow(painter: QPainter, vp: Viewport, font: QFont) -> None:
    """A north arrow at the top right (the display CRS is Albers centred on Hunan: north is up there)."""
    cx, top = vp.width - 30.0, 14.0
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(255, 255, 255, 190))
    painter.drawRoundedRect(QRectF(cx - 16, top - 4, 32, 52), 4, 4)
    from PySide6.QtGui import QPolygonF

    painter.setPen(QPen(QColor("#202020"), 1.0))
    painter.setBrush(QColor("#202020"))
    painter.drawPolygon(QPolygonF([QPointF(cx, top + 14), QPointF(cx - 8, top + 42), QPointF(cx, top + 35)]))
    painter.setBrush(QColor("#ffffff"))
    painter.drawPolygon(QPolygonF([QPointF(cx, top + 14), QPointF(cx + 8, top + 42), QPointF(cx, top + 35)]))
    painter.setFont(font)
    painter.drawText(QRectF(cx - 10, top - 2, 20, 16), int(Qt.AlignmentFlag.AlignCenter), "N")
    painter.restore()


#: Legend: at most this many rows in all (layers and their classes), classes per layer.
LEGEND_ROWS, LEGEND_CLASSES = 14, 6


def draw_legend(painter: QPainter, vp: Viewport, font: QFont,
                entries: list[tuple[str, str | None, str | None, list[tuple[str, str]]]]) -> None:
    """A compact legend at the bottom right: per layer (name, fill, stroke, [(colour, class text)])."""
    rows: list[tuple[int, str, str | None, str | None]] = []  # (indent, text, fill, stroke)
    for name, fill, stroke, classes in entries:
        if len(rows) >= LEGEND_ROWS:
            break
        rows.append((0, name, None if classes else fill, None if classes else stroke))
        for color, text in classes[:LEGEND_CLASSES]:
            rows.append((1, text, color, None))
        if len(classes) > LEGEND_CLASSES:
            rows.append((1, "…", None, None))
    rows = rows[:LEGEND_ROWS]
    if not rows:
        return
    painter.save()
    painter.setFont(font)
    fm = painter.fontMetrics()
    line = fm.height() + 3
    width = min(max(fm.horizontalAdvance(t) + 26 + 14 * ind for ind, t, _f, _s in rows) + 12, vp.width * 0.4)
    height = line * len(rows) + 10
    x0, y0 = vp.width - width - 10, vp.height - height - 10
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(255, 255, 255, 215))
    painter.drawRoundedRect(QRectF(x0, y0, width, height), 4, 4)
    y = y0 + 5
    for indent, text, fill, stroke in rows:
        x = x0 + 6 + 14 * indent
        if fill or stroke:
            painter.setPen(QPen(_qcolor(stroke) if stroke and stroke.lower() != "none" else QColor("#606060"), 1.0))
            painter.setBrush(_qcolor(fill) if fill and fill.lower() != "none" else Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(x, y + 3, 14, line - 8))
        painter.setPen(QColor("#202020"))
        painter.drawText(QRectF(x + 20, y, width - (x - x0) - 24, line),
                         int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
                         fm.elidedText(text, Qt.TextElideMode.ElideRight, int(width - (x - x0) - 24)))
        y += line
    painter.restore()


def _qcolor(hex_color: str) -> QColor:
    from ...carto.colors import hex_to_rgba

    return QColor(*hex_to_rgba(hex_color)) if hex_color.startswith("#") else QColor(hex_color)
