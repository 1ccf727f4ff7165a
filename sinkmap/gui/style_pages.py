"""Vector pages of the style dialog: single symbol, categorised, labels (graduated: ``style_graduated``),
and the table helpers they share.

Each page shows part of a :class:`~sinkmap.core.project.Style` (``load``) and hands back the fields it
owns as a dict (``changes``); the dialog merges them over the layer's style, so a page never drops
settings it does not show. Pages work on the layer's attribute frame (``None`` while the layer is not
loaded: the table then shows the style as it is, without counts, and classifying is disabled).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout,
                               QHeaderView, QLabel, QPushButton, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from ..carto.colors import RAMPS
from ..carto.styles import field_scheme
from ..carto.symbology import category_counts, categorised_from_scheme, categorised_unique
from ..core.project import Style
from ..io.schemes import available_schemes, load_scheme
from .i18n import current_language, is_english, tr
from .style_widgets import ColorButton, ramp_icon, swatch

COLOR_ROLE = Qt.ItemDataRole.UserRole + 7
KEY_ROLE = Qt.ItemDataRole.UserRole + 8


def attribute_fields(frame: pd.DataFrame | None) -> list[str]:
    if frame is None:
        return []
    geom = getattr(frame, "_geometry_column_name", None)
    return [str(c) for c in frame.columns if c != geom]


def numeric_fields(frame: pd.DataFrame | None) -> list[str]:
    return [c for c in attribute_fields(frame) if frame[c].dtype.kind in "iuf"]


def field_combo(fields: list[str], current: str | None) -> QComboBox:
    combo = QComboBox()
    combo.addItems(fields)
    if current and current not in fields:
        combo.addItem(current)  # a field the style names but the data lacks (or not loaded yet)
    if current:
        combo.setCurrentText(current)
    return combo


def ramp_combo(current: str) -> QComboBox:
    combo = QComboBox()
    combo.setIconSize(QSize(96, 14))
    for name in RAMPS:
        combo.addItem(ramp_icon(name), name, name)
    combo.setCurrentIndex(max(0, combo.findData(current)))
    return combo


def color_item(color: str) -> QTableWidgetItem:
    item = QTableWidgetItem()
    item.setIcon(swatch(color, 14, width=36))
    item.setData(COLOR_ROLE, color)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    item.setToolTip(tr("双击更改颜色"))
    return item


def fixed_item(text: str, align_right: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if align_right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def class_table(headers: list[str], stretch: int) -> QTableWidget:
    """A class table; column ``stretch`` (the legend text) takes the spare width."""
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    table.setIconSize(QSize(36, 14))
    return table


def recolor_on_double_click(page: QWidget, table: QTableWidget) -> None:
    def clicked(row: int, col: int) -> None:
        if col != 0:
            return
        item = table.item(row, 0)
        chosen = pick_color_module().pick_color(page, item.data(COLOR_ROLE))
        if chosen is not None:
            table.setItem(row, 0, color_item(chosen))
    table.cellDoubleClicked.connect(clicked)


def pick_color_module():
    """The module holding ``pick_color`` (looked up at call time so tests can replace the function)."""
    from . import style_widgets

    return style_widgets


class SinglePage(QWidget):
    """One symbol for every feature: fill, outline, outline width, point size."""

    def __init__(self, style: Style, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        self.fill = ColorButton(style.fill if style.fill.lower() not in ("", "none") else "#9ecae1")
        self.no_fill = QCheckBox(tr("无填充"))
        self.no_fill.setChecked(style.fill.lower() in ("", "none"))
        self.stroke = ColorButton(style.stroke if style.stroke.lower() not in ("", "none") else "#3a3a3a")
        self.no_stroke = QCheckBox(tr("无边线"))
        self.no_stroke.setChecked(style.stroke.lower() in ("", "none"))
        self.stroke_width = QDoubleSpinBox(minimum=0.0, maximum=20.0, singleStep=0.1, decimals=2, suffix=" px")
        self.stroke_width.setValue(style.stroke_width)
        self.point_size = QDoubleSpinBox(minimum=1.0, maximum=60.0, singleStep=1.0, decimals=1, suffix=" px")
        self.point_size.setValue(style.point_size)
        form.addRow(tr("填充颜色"), hbox(self.fill, self.no_fill))
        form.addRow(tr("边线颜色"), hbox(self.stroke, self.no_stroke))
        form.addRow(tr("边线宽度"), self.stroke_width)
        form.addRow(tr("点大小"), self.point_size)
        self.no_fill.toggled.connect(lambda on: self.fill.setEnabled(not on))
        self.no_stroke.toggled.connect(lambda on: self.stroke.setEnabled(not on))
        self.fill.setEnabled(not self.no_fill.isChecked())
        self.stroke.setEnabled(not self.no_stroke.isChecked())

    def changes(self) -> dict[str, Any]:
        return {"fill": "none" if self.no_fill.isChecked() else self.fill.color,
                "stroke": "none" if self.no_stroke.isChecked() else self.stroke.color,
                "stroke_width": self.stroke_width.value(), "point_size": self.point_size.value()}


def hbox(*widgets: QWidget) -> QWidget:
    box = QWidget()
    lay = QHBoxLayout(box)
    lay.setContentsMargins(0, 0, 0, 0)
    for w in widgets:
        lay.addWidget(w)
    lay.addStretch(1)
    return box


class CategorisedPage(QWidget):
    """One colour per value of a field; land-class fields take their scheme's official colours and names."""

    AUTO, UNIQUE = "__auto__", "__unique__"

    def __init__(self, style: Style, frame: pd.DataFrame | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.frame = frame
        self.base = style
        self.field = field_combo(attribute_fields(frame), style.field)
        self.scheme = QComboBox()
        self.scheme.addItem(tr("自动（地类字段用其分类标准）"), self.AUTO)
        self.scheme.addItem(tr("唯一值（不用分类标准）"), self.UNIQUE)
        for name in available_schemes():
            sc = load_scheme(name)
            self.scheme.addItem(sc.title_en if is_english() else sc.title_zh, name)
        if style.kind == "categorised" and style.scheme in available_schemes():
            self.scheme.setCurrentIndex(self.scheme.findData(style.scheme))
        self.classify_button = QPushButton(tr("执行分类"))
        self.delete_button = QPushButton(tr("删除所选"))
        self.clear_button = QPushButton(tr("全部删除"))
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.table = class_table([tr("颜色"), tr("值"), tr("图例"), tr("数量")], 2)
        recolor_on_double_click(self, self.table)
        form = QFormLayout()
        form.addRow(tr("字段"), self.field)
        form.addRow(tr("分类标准"), self.scheme)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.table, 1)
        lay.addWidget(hbox(self.classify_button, self.delete_button, self.clear_button))
        lay.addWidget(self.note)
        self.classify_button.clicked.connect(self.classify)
        self.delete_button.clicked.connect(self._delete_selected)
        self.clear_button.clicked.connect(lambda: self.table.setRowCount(0))
        self.classify_button.setEnabled(frame is not None)
        self._scheme_used = style.scheme if style.kind == "categorised" else None
        if style.kind == "categorised":
            self._fill(style)

    def classify(self) -> None:
        """Categories for the chosen field (every distinct value, or the scheme's classes present)."""
        if self.frame is None or not self.field.currentText() or self.field.currentText() not in self.frame:
            return
        name = self.field.currentText()
        choice = self.scheme.currentData()
        scheme = field_scheme(self.frame, name) if choice == self.AUTO else None if choice == self.UNIQUE else choice
        style = None
        self.note.clear()
        if scheme:
            style = categorised_from_scheme(self.base, self.frame, name, scheme, current_language())
            if not style.categories:
                self.note.setText(tr("该字段的值不在所选分类标准中，已按唯一值分类。"))
                style = None
        if style is None:
            style = categorised_unique(self.base, self.frame, name)
            style.scheme = None
        self._scheme_used = style.scheme
        self._fill(style)

    def _fill(self, style: Style) -> None:
        counts = {}
        if self.frame is not None and style.field in self.frame:
            counts = category_counts(self.frame, style.field)
        self.table.setRowCount(0)
        for key, color in style.categories.items():
            row = self.table.rowCount()
            self.table.insertRow(row)
            self.table.setItem(row, 0, color_item(color))
            value = fixed_item(key)
            value.setData(KEY_ROLE, key)
            self.table.setItem(row, 1, value)
            self.table.setItem(row, 2, QTableWidgetItem(style.category_labels.get(key, key)))
            self.table.setItem(row, 3, fixed_item(str(counts.get(key, 0)) if counts else "", True))
        missing = sum(v for k, v in counts.items() if k not in style.categories)
        if missing:
            self.note.setText(self.note.text() + " " + tr("{0} 个要素的值不在上表中，以灰色绘制。").format(missing))

    def _delete_selected(self) -> None:
        for row in sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(row)

    def set_color(self, row: int, color: str) -> None:
        self.table.setItem(row, 0, color_item(color))

    def changes(self) -> dict[str, Any]:
        cats, labels = {}, {}
        for row in range(self.table.rowCount()):
            key = self.table.item(row, 1).data(KEY_ROLE)
            cats[key] = self.table.item(row, 0).data(COLOR_ROLE)
            labels[key] = self.table.item(row, 2).text()
        return {"field": self.field.currentText() or None, "categories": cats, "category_labels": labels,
                "scheme": self._scheme_used}


class LabelsPage(QWidget):
    """A label per feature from a field (or none), with size and colour."""

    def __init__(self, style: Style, frame: pd.DataFrame | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = QComboBox()
        self.field.addItem(tr("无"), None)
        fields = attribute_fields(frame)
        if style.label_field and style.label_field not in fields:
            fields.append(style.label_field)
        for f in fields:
            self.field.addItem(f, f)
        self.field.setCurrentIndex(max(0, self.field.findData(style.label_field)) if style.label_field else 0)
        self.size = QDoubleSpinBox(minimum=4.0, maximum=48.0, singleStep=1.0, decimals=1, suffix=" pt")
        self.size.setValue(style.label_size)
        self.color = ColorButton(style.label_color)
        form = QFormLayout(self)
        form.addRow(tr("标注字段"), self.field)
        form.addRow(tr("字号"), self.size)
        form.addRow(tr("颜色"), self.color)

    def changes(self) -> dict[str, Any]:
        return {"label_field": self.field.currentData(), "label_size": self.size.value(),
                "label_color": self.color.color}
