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
