"""A horizontal bar chart of one indicator per unit, with the city target as a dashed line.

A click on a unit's row (its name, bar or value) emits :attr:`IndicatorChart.barClicked` with the unit's
name — the dashboard zooms the map to it, as a click in its table does.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFontMetricsF, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from ..carto.colors import STATUS_COLORS
from .i18n import tr
from .plain import tip


class IndicatorChart(QWidget):
    barClicked = Signal(str)  # the unit's name

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bars: list[tuple[str, float | None, str, bool]] = []
        self.target: float | None = None
        self.title = ""
        self.setMinimumHeight(120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)  # the pointing hand over a unit's row

    def set_data(self, bars, target: float | None, title: str) -> None:
        """``bars``: (name, value or None, status, is_total); ``target``: the city target value."""
        self.bars, self.target, self.title = list(bars), target, title
        self.update()

    def _layout(self) -> tuple[float, float, float, float]:
        """(top of the first row, row height, width of the names, width of the plot): shared by painting
        and by clicks, so a click lands on the row that is drawn there."""
        fm = QFontMetricsF(self.font())
        name_w = max((fm.horizontalAdvance(n) for n, *_ in self.bars), default=0.0) + 10
        top = fm.height() + 6
        row_h = max(10.0, min(22.0, (self.height() - top - 6) / max(len(self.bars), 1)))
        return top, row_h, name_w, max(20.0, self.width() - name_w - 70)

    def row_rect(self, i: int) -> QRectF:
        """The band of the i-th unit: its name, bar and value."""
        top, row_h, _name_w, _plot_w = self._layout()
        return QRectF(0, top + i * row_h, self.width(), row_h)

    def bar_at(self, pos: QPointF) -> int | None:
        """The index of the unit whose row is under ``pos`` (None between or outside the rows)."""
        if not self.bars:
            return None
        top, row_h, _name_w, _plot_w = self._layout()
        i = int((pos.y() - top) // row_h) if pos.y() >= top else -1
        return i if 0 <= i < len(self.bars) else None

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        i = self.bar_at(event.position())
        self.setCursor(Qt.CursorShape.PointingHandCursor if i is not None else Qt.CursorShape.ArrowCursor)
        if i is not None:
            name, v, *_ = self.bars[i]
            self.setToolTip(tip(f"{name}: {'—' if v is None else f'{v:,.2f}'}\n{tr('单击缩放到该单位')}"))
        else:
            self.setToolTip("")
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        i = self.bar_at(event.position()) if event.button() == Qt.MouseButton.LeftButton else None
        if i is not None:
            self.barClicked.emit(self.bars[i][0])
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.fillRect(self.rect(), QColor("#ffffff"))
        fm = QFontMetricsF(self.font())
        if not self.bars:
            p.setPen(QColor("#777777"))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, tr("计算台账后显示图表"))
            p.end()
            return
        values = [v for _n, v, _s, _t in self.bars if v is not None]
        vmax = max(values + ([self.target] if self.target is not None else []) + [1e-9])
        top, row_h, name_w, plot_w = self._layout()
        p.setPen(QColor("#333333"))
        p.drawText(QPointF(6, fm.ascent() + 2), self.title)
        for i, (name, v, status, total) in enumerate(self.bars):
            y = top + i * row_h
            p.setPen(QColor("#222222"))
            f = p.font()
            f.setBold(total)
            p.setFont(f)
            p.drawText(QRectF(4, y, name_w - 8, row_h), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, name)
            if v is None:
                p.setPen(QColor("#999999"))
                p.drawText(QPointF(name_w + 4, y + row_h / 2 + fm.ascent() / 2 - 2), tr("无数据"))
                continue
            w = plot_w * max(0.0, v) / vmax
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(STATUS_COLORS.get(status, "#4e79a7") if status != "no_target" else "#7f9fbf"))
            p.drawRect(QRectF(name_w, y + 2, w, row_h - 4))
            p.setPen(QColor("#222222"))
            p.drawText(QPointF(name_w + w + 4, y + row_h / 2 + fm.ascent() / 2 - 2), f"{v:,.2f}")
        if self.target is not None:
            x = name_w + plot_w * self.target / vmax
            pen = QPen(QColor("#b00020"))
            pen.setStyle(Qt.PenStyle.DashLine)
            pen.setWidthF(1.5)
            p.setPen(pen)
            p.drawLine(QPointF(x, top - 2), QPointF(x, top + len(self.bars) * row_h))
            p.drawText(QPointF(x + 3, top - 4), tr("目标 {0:g}").format(self.target))
        p.end()
