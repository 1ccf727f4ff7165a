"""Graduated page of the style dialog: classes of a numeric field by quantile, equal interval, natural
breaks or bounds typed by hand, coloured along a ramp, with the feature count of each class.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from PySide6.QtWidgets import QComboBox, QFormLayout, QPushButton, QSpinBox, QTableWidgetItem, QVBoxLayout, QWidget

from ..carto.colors import RAMPS, ramp_colors
from ..carto.symbology import graduated, graduated_counts
from ..core.project import Style
from .i18n import tr
from .style_pages import (COLOR_ROLE, class_table, color_item, field_combo, fixed_item, hbox, numeric_fields,
                          ramp_combo, recolor_on_double_click)


def graduated_methods() -> tuple[tuple[str, str], ...]:
    """(Style.method, interface name) of the classification methods offered."""
    return (("quantile", tr("分位数（等数量）")), ("equal_interval", tr("等间距")),
            ("natural_breaks", tr("自然断点（Jenks）")), ("manual", tr("手动")))


class GraduatedPage(QWidget):
    """Classes of a numeric field: method, number of classes, colour ramp; bounds and colours editable."""

    def __init__(self, style: Style, frame: pd.DataFrame | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.frame = frame
        self.base = style
        self._breaks: list[float] = []
        self.field = field_combo(numeric_fields(frame), style.field if style.kind == "graduated" else None)
        self.method = QComboBox()
        for key, text in graduated_methods():
            self.method.addItem(text, key)
        self.method.setCurrentIndex(max(0, self.method.findData(style.method)))
        self.n_classes = QSpinBox(minimum=2, maximum=12)
        self.n_classes.setValue(max(2, len(style.breaks) - 1) if style.kind == "graduated" else 5)
        self.ramp = ramp_combo(style.ramp if style.ramp in RAMPS and style.kind == "graduated" else "greens")
        self.classify_button = QPushButton(tr("执行分类"))
        self.classify_button.setEnabled(frame is not None)
        self.table = class_table([tr("颜色"), tr("下限"), tr("上限"), tr("图例"), tr("数量")], 3)
        recolor_on_double_click(self, self.table)
        form = QFormLayout()
        form.addRow(tr("数值字段"), self.field)
        form.addRow(tr("分级方法"), self.method)
        form.addRow(tr("级数"), self.n_classes)
        form.addRow(tr("色带"), self.ramp)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.table, 1)
        lay.addWidget(hbox(self.classify_button))
        self.classify_button.clicked.connect(self.classify)
        self.ramp.currentIndexChanged.connect(self._recolor_from_ramp)
        self.table.itemChanged.connect(self._bound_edited)
        self._syncing = False
        self._manual = style.method == "manual"
        if style.kind == "graduated":
            self._fill(style.breaks, list(style.colors) if len(style.colors) == len(style.breaks) - 1
                       else ramp_colors(style.ramp, max(len(style.breaks) - 1, 0)))

    def classify(self) -> None:
        if self.frame is None or self.field.currentText() not in self.frame:
            return
        method = self.method.currentData()
        style = graduated(self.base, self.frame, self.field.currentText(), self.n_classes.value(),
                          self.ramp.currentData(), "quantile" if method == "manual" else method)
        if method == "manual":
            self.method.setCurrentIndex(self.method.findData("quantile"))
        self._manual = False
        self._fill(style.breaks, style.colors)

    def _fill(self, breaks: list[float], colors: list[str]) -> None:
        self._syncing = True
        self.table.setRowCount(0)
        for i in range(len(breaks) - 1):
            self.table.insertRow(i)
            self.table.setItem(i, 0, color_item(colors[i]))
            self.table.setItem(i, 1, QTableWidgetItem(f"{breaks[i]:.6g}"))
            self.table.setItem(i, 2, QTableWidgetItem(f"{breaks[i + 1]:.6g}"))
        self._breaks = [float(b) for b in breaks]
        self._syncing = False
        self._refresh_labels()

    def _refresh_labels(self) -> None:
        self._syncing = True
        counts = (graduated_counts(self.frame, self.field.currentText(), self._breaks)
                  if self.frame is not None and self.field.currentText() in self.frame and len(self._breaks) > 1 else [])
        for i in range(self.table.rowCount()):
            self.table.setItem(i, 3, fixed_item(f"{self._breaks[i]:.4g} – {self._breaks[i + 1]:.4g}"))
            self.table.setItem(i, 4, fixed_item(str(counts[i]) if counts else "", True))
        self._syncing = False

    def _bound_edited(self, item: QTableWidgetItem) -> None:
        """An edited lower/upper bound moves the shared bound of the neighbouring class too."""
        if self._syncing or item.column() not in (1, 2):
            return
        index = item.row() + (item.column() - 1)  # position in the bounds list
        try:
            value = float(item.text().replace(",", ""))
        except ValueError:
            value = self._breaks[index]
        if not math.isfinite(value):  # nan / inf parse, but bound no class
            value = self._breaks[index]
        self._breaks[index] = value
        self._syncing = True
        item.setText(f"{value:.6g}")
        if item.column() == 2 and item.row() + 1 < self.table.rowCount():
            self.table.item(item.row() + 1, 1).setText(f"{value:.6g}")
        if item.column() == 1 and item.row() > 0:
            self.table.item(item.row() - 1, 2).setText(f"{value:.6g}")
        self._syncing = False
        self._manual = True
        self.method.setCurrentIndex(self.method.findData("manual"))
        self._refresh_labels()

    def _recolor_from_ramp(self) -> None:
        n = self.table.rowCount()
        for i, c in enumerate(ramp_colors(self.ramp.currentData(), n) if n else []):
            self.table.setItem(i, 0, color_item(c))

    def changes(self) -> dict[str, Any]:
        colors = [self.table.item(i, 0).data(COLOR_ROLE) for i in range(self.table.rowCount())]
        return {"field": self.field.currentText() or None, "breaks": list(self._breaks),
                "colors": colors, "ramp": self.ramp.currentData(),
                "method": "manual" if self._manual else self.method.currentData()}
