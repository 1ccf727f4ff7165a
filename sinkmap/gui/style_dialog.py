"""The layer style dialog (图层属性 / 样式), as a QGIS user expects it.

Vector layers: a renderer choice (单一符号 / 分类 / 分级) over its page, a 标注 tab and the layer opacity.
Raster layers: 分类 (a classification scheme's palette), 山体阴影 (tinted hillshade) or 色带 (a colour
ramp between a minimum and a maximum, prefilled from the layer's 2–98 % statistics) and the opacity.

OK and Apply write the style with :meth:`Project.set_style` — the canvas redraws and the tree's legend
follows, and the project file stores it — when the user changed something. Cancel puts back the style
the layer had when the dialog opened, also after Apply; a style the layer got meanwhile without the
dialog (the automatic style of a layer that was still loading) is left alone.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QHBoxLayout,
                               QLabel, QListWidget, QListWidgetItem, QPushButton, QSlider, QSpinBox,
                               QStackedWidget, QTabWidget, QVBoxLayout, QWidget)

from ..carto.colors import RAMPS
from ..carto.styles import LAND_CLASS_FIELDS, STOCK_FIELDS
from ..core.project import Project, Style
from ..io.layerdata.data import VectorData
from ..io.layerdata.raster_data import RasterData
from ..io.schemes import available_schemes, load_scheme
from .i18n import is_english, name_of, tr
from .style_graduated import GraduatedPage
from .style_pages import CategorisedPage, LabelsPage, SinglePage, attribute_fields, numeric_fields
from .style_widgets import ramp_icon, swatch

def vector_renderers() -> tuple[tuple[str, str], ...]:
    """(style kind, interface name) of vector renderers (translated when called, not at import)."""
    return (("single", tr("单一符号")), ("categorised", tr("分类")), ("graduated", tr("分级")))


def raster_renderers() -> tuple[tuple[str, str], ...]:
    return (("classes", tr("分类")), ("hillshade", tr("山体阴影")), ("ramp", tr("色带")))

_DECIMALS = 4


class RasterPage(QWidget):
    """Raster rendering: scheme classes, hillshade or a ramp with its value range."""

    def __init__(self, style: Style, data: RasterData | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data = data
        self.renderer = QComboBox()
        for key, text in raster_renderers():
            self.renderer.addItem(text, key)
        self.renderer.setCurrentIndex(max(0, self.renderer.findData(style.kind)))
        self.scheme = QComboBox()
        for name in available_schemes():
            sc = load_scheme(name)
            self.scheme.addItem(sc.title_en if is_english() else sc.title_zh, name)
        self.scheme.setCurrentIndex(max(0, self.scheme.findData(style.scheme or "sandiao")))
        self.classes = QListWidget()
        self.ramp = QComboBox()
        self.ramp.setIconSize(QSize(96, 14))
        for name in RAMPS:
            self.ramp.addItem(ramp_icon(name), name, name)
        self.ramp.setCurrentIndex(max(0, self.ramp.findData(style.ramp)))
        self.vmin, self.vmax = (QDoubleSpinBox(minimum=-1e12, maximum=1e12, decimals=_DECIMALS) for _ in range(2))
        self._data_range = (data.vmin, data.vmax) if data is not None else None
        self._shown = (self._initial(style.vmin, 0), self._initial(style.vmax, 1))
        self.vmin.setValue(self._shown[0])
        self.vmax.setValue(self._shown[1])
        self._style_range = (style.vmin, style.vmax)
        self.reset = QPushButton(tr("重设为数据范围（2%–98%）"))
        self.reset.setEnabled(data is not None)
        self.reset.clicked.connect(self.reset_range)
        self.form = QFormLayout(self)
        self.form.addRow(tr("渲染方式"), self.renderer)
        self.form.addRow(tr("分类标准"), self.scheme)
        self.form.addRow(tr("类别"), self.classes)
        self.form.addRow(tr("色带"), self.ramp)
        self.hillshade_note = QLabel(tr("山体阴影按高程以地形色带着色：最小值、最大值是色带两端的高程。"))
        self.hillshade_note.setWordWrap(True)
        self.form.addRow("", self.hillshade_note)
        self.form.addRow(tr("最小值"), self.vmin)
        self.form.addRow(tr("最大值"), self.vmax)
        self.form.addRow("", self.reset)
        self.stats = QLabel(tr("数据统计：2% 分位 {0:.6g}，98% 分位 {1:.6g}").format(data.vmin, data.vmax)
                            if data is not None else "")
        self.form.addRow("", self.stats)
        self.renderer.currentIndexChanged.connect(self._show_rows)
        self.scheme.currentIndexChanged.connect(self._list_classes)
        self._show_rows()
        self._list_classes()

    def _initial(self, value: float | None, which: int) -> float:
        if value is not None:
            return float(value)
        return float(self._data_range[which]) if self._data_range else float(which)

    def reset_range(self) -> None:
        if self._data_range:
            self.vmin.setValue(self._data_range[0])
            self.vmax.setValue(self._data_range[1])

    def _show_rows(self) -> None:
        kind = self.renderer.currentData()
        for widget, shown in ((self.scheme, kind == "classes"), (self.classes, kind == "classes"),
                              (self.ramp, kind == "ramp"), (self.hillshade_note, kind == "hillshade"),
                              (self.vmin, kind != "classes"),
                              (self.vmax, kind != "classes"), (self.reset, kind != "classes"),
                              (self.stats, kind != "classes" and self.data is not None)):
            self.form.setRowVisible(widget, shown)

    def _list_classes(self) -> None:
        """The scheme's classes (those present in the raster when its values are known)."""
        self.classes.clear()
        scheme = load_scheme(self.scheme.currentData())
        present = set(self.data.classes_present) if self.data is not None else set()
        for c in scheme.classes:
            if not present or c.value in present:
                self.classes.addItem(QListWidgetItem(swatch(c.color), f"{c.code} {name_of(c)}"))

    def _range_value(self, spin: QDoubleSpinBox, which: int) -> float | None:
        """None (follow the data's statistics) while the box shows the value it was prefilled with."""
        tol = 0.5 * 10 ** -_DECIMALS
        if self._data_range is not None and abs(spin.value() - self._data_range[which]) <= tol:
            return None
        if self._style_range[which] is None and abs(spin.value() - self._shown[which]) <= tol:
            return None
        return spin.value()

    def changes(self) -> dict[str, Any]:
        kind = self.renderer.currentData()
        out: dict[str, Any] = {"kind": kind}
        if kind == "classes":
            out["scheme"] = self.scheme.currentData()
        else:
            out["vmin"] = self._range_value(self.vmin, 0)
            out["vmax"] = self._range_value(self.vmax, 1)
        if kind == "ramp":
            out["ramp"] = self.ramp.currentData()
        return out


class VectorPage(QWidget):
    """The renderer choice over the single / categorised / graduated pages."""

    def __init__(self, style: Style, frame, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.frame = frame
        self.renderer = QComboBox()
        for key, text in vector_renderers():
            self.renderer.addItem(text, key)
        self.renderer.setCurrentIndex(max(0, self.renderer.findData(style.kind)))
        self.single = SinglePage(style)
        self.categorised = CategorisedPage(style, frame)
        self.graduated = GraduatedPage(style, frame)
        if style.kind != "categorised":
            _prefer(self.categorised.field, attribute_fields(frame), LAND_CLASS_FIELDS)
        if style.kind != "graduated":
            _prefer(self.graduated.field, numeric_fields(frame), STOCK_FIELDS)
        self.stack = QStackedWidget()
        for page in (self.single, self.categorised, self.graduated):
            self.stack.addWidget(page)
        top = QHBoxLayout()
        top.addWidget(QLabel(tr("渲染方式")))
        top.addWidget(self.renderer, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.stack, 1)
        self.renderer.currentIndexChanged.connect(self._switch)
        self.stack.setCurrentIndex(self.renderer.currentIndex())

    def _switch(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        page = self.stack.currentWidget()
        if page in (self.categorised, self.graduated) and page.table.rowCount() == 0:
            page.classify()  # QGIS leaves an empty table; a first classification is what users want

    @property
    def kind(self) -> str:
        return self.renderer.currentData()

    def changes(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, **self.single.changes()}
        if self.kind == "categorised":
            out.update(self.categorised.changes())
        elif self.kind == "graduated":
            out.update(self.graduated.changes())
        return out


def _prefer(combo: QComboBox, fields: list[str], names) -> None:
    """Select the first field whose upper-case name is in ``names`` (land-class or stock fields)."""
    for f in fields:
        if f.upper() in names:
            combo.setCurrentText(f)
            return


class StyleDialog(QDialog):
    """Edit one layer's style; OK / Apply write it to the project, Cancel restores the original."""

    def __init__(self, project: Project, layer_id: str, data: VectorData | RasterData | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.layer_id = layer_id
        spec = project.layer(layer_id)
        self.original = Style.from_dict(spec.style.to_dict())  # a copy: later edits cannot reach it
        self.setWindowTitle(tr("图层属性 — {0}").format(spec.name))
        self.setMinimumSize(600, 560)
        self.tabs = QTabWidget()
        self.is_raster = spec.kind == "raster" or isinstance(data, RasterData)
        frame = data.frame if isinstance(data, VectorData) else None
        self.raster_page: RasterPage | None = None
        self.vector_page: VectorPage | None = None
        self.labels_page: LabelsPage | None = None
        if self.is_raster:
            self.raster_page = RasterPage(self.original, data if isinstance(data, RasterData) else None)
            self.tabs.addTab(self.raster_page, tr("符号"))
        else:
            self.vector_page = VectorPage(self.original, frame)
            self.labels_page = LabelsPage(self.original, frame)
            self.tabs.addTab(self.vector_page, tr("符号"))
            self.tabs.addTab(self.labels_page, tr("标注"))
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity_box = QSpinBox(minimum=0, maximum=100, suffix=" %")
        self.opacity.valueChanged.connect(self.opacity_box.setValue)
        self.opacity_box.valueChanged.connect(self.opacity.setValue)
        self.opacity.setValue(round(self.original.opacity * 100))
        opacity_row = QHBoxLayout()
        opacity_row.addWidget(QLabel(tr("不透明度")))
        opacity_row.addWidget(self.opacity, 1)
        opacity_row.addWidget(self.opacity_box)
        if data is None:
            note = QLabel(tr("图层数据尚未加载：可以修改样式，但不能按数据分类。"))
            note.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Apply
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("确定"))
        self.buttons.button(QDialogButtonBox.StandardButton.Apply).setText(tr("应用"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("取消"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.buttons.button(QDialogButtonBox.StandardButton.Apply).clicked.connect(self.apply)
        lay = QVBoxLayout(self)
        lay.addWidget(self.tabs, 1)
        lay.addLayout(opacity_row)
        if data is None:
            lay.addWidget(note)
        lay.addWidget(self.buttons)
        # what the dialog shows before any edit: OK writes only a style the user changed (a layer still
        # loading may get its automatic style meanwhile, which an untouched dialog must not overwrite)
        self._initial = self.style()
        self._applied = False  # the dialog wrote a style: Cancel puts the original back

    def style(self) -> Style:
        """The style the dialog shows now (the original's other settings kept)."""
        changes: dict[str, Any] = {"opacity": self.opacity.value() / 100.0}
        if self.raster_page is not None:
            changes.update(self.raster_page.changes())
        else:
            changes.update(self.vector_page.changes())
            changes.update(self.labels_page.changes())
        return Style.from_dict({**self.original.to_dict(), **changes})

    def apply(self) -> None:
        """Write the style to the project (once per change: an unchanged style is not re-rendered)."""
        style = self.style()
        try:
            current = self.project.layer(self.layer_id).style
        except KeyError:  # the layer was removed meanwhile: nothing to write to
            return
        if style != current and (self._applied or style != self._initial):
            self.project.set_style(self.layer_id, style)
            self._applied = True

    def accept(self) -> None:
        self.apply()
        super().accept()

    def reject(self) -> None:
        try:
            current = self.project.layer(self.layer_id).style
        except KeyError:  # the layer was removed meanwhile
            current = self.original
        if self._applied and current != self.original:
            self.project.set_style(self.layer_id, Style.from_dict(self.original.to_dict()))
        super().reject()
