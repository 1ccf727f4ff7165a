"""Small widgets of the style dialog: colour buttons with swatches, ramp previews, colour picking.

Style colours are CSS-order hex text (``#rrggbb`` or ``#rrggbbaa``, see ``sinkmap.carto.colors.hex_to_rgba``);
Qt's own ``QColor("#aarrggbb")`` reads eight digits the other way round, so every conversion goes
through :func:`qcolor` and :func:`hex_of`.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QColorDialog, QPushButton, QWidget

from ..carto.colors import hex_to_rgba, ramp_lut
from .i18n import tr


def qcolor(color: str) -> QColor:
    """A QColor from a style colour (``none`` or empty: transparent)."""
    if not color or color.lower() == "none":
        return QColor(0, 0, 0, 0)
    if color.startswith("#"):
        return QColor(*hex_to_rgba(color))
    return QColor(color)


def hex_of(color: QColor) -> str:
    """``#rrggbb``, or ``#rrggbbaa`` when the colour is not opaque."""
    base = "#%02x%02x%02x" % (color.red(), color.green(), color.blue())
    return base if color.alpha() == 255 else base + "%02x" % color.alpha()


def swatch(color: str, size: int = 14, outline: str = "#555555", width: int | None = None) -> QIcon:
    """A colour swatch ``width`` × ``size`` (square by default); transparency shows over a chequer."""
    w = width or size
    pm = QPixmap(w, size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    c = qcolor(color)
    if c.alpha() < 255:
        cell = max(2, (size - 3) // 2)
        for i in range(0, w - 3, cell):
            for j in range(0, size - 3, cell):
                shade = "#ffffff" if (i // cell + j // cell) % 2 else "#cfcfcf"
                p.fillRect(1 + i, 1 + j, min(cell, w - 3 - i), min(cell, size - 3 - j), QColor(shade))
    p.setPen(QColor(outline))
    p.setBrush(c)
    p.drawRect(1, 1, w - 3, size - 3)
    p.end()
    return QIcon(pm)


def ramp_icon(name: str, width: int = 96, height: int = 14) -> QIcon:
    """A horizontal preview of a colour ramp."""
    lut = ramp_lut(name, width)
    pm = QPixmap(width, height)
    p = QPainter(pm)
    for x in range(width):
        r, g, b, _a = (int(v) for v in lut[x])
        p.setPen(QColor(r, g, b))
        p.drawLine(x, 0, x, height - 1)
    p.setPen(QColor("#555555"))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRect(0, 0, width - 1, height - 1)
    p.end()
    return QIcon(pm)


def pick_color(parent: QWidget | None, current: str, title: str = "") -> str | None:
    """Ask the user for a colour (with alpha); None when cancelled. Tests replace this function."""
    chosen = QColorDialog.getColor(qcolor(current) if current.lower() != "none" else QColor("#808080"),
                                   parent, title or tr("选择颜色"),
                                   QColorDialog.ColorDialogOption.ShowAlphaChannel)
    return hex_of(chosen) if chosen.isValid() else None


class ColorButton(QPushButton):
    """A button showing a colour swatch and its hex code; clicking opens a colour dialog."""

    colorChanged = Signal(str)

    def __init__(self, color: str = "#808080", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setIconSize(QSize(40, 14))
        self.setMinimumWidth(130)
        self._color = ""
        self.set_color(color)
        self.clicked.connect(self._choose)

    @property
    def color(self) -> str:
        return self._color

    def set_color(self, color: str) -> None:
        if color == self._color:
            return
        self._color = color
        self.setIcon(swatch(color, 14, width=40))
        self.setText(color)
        self.colorChanged.emit(color)

    def _choose(self) -> None:
        # looked up on the module at call time, so tests can replace it
        from . import style_widgets

        chosen = style_widgets.pick_color(self, self._color)
        if chosen is not None:
            self.set_color(chosen)
