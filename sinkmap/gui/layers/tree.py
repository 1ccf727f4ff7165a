"""The layer tree with legend: visibility check boxes, drag to reorder, styles from the context menu.

Top rows are drawn on top (as in QGIS): the tree lists the project's layers in reverse drawing
order. Each layer's children are its legend (colour swatch and class name). Dragging a layer row
reorders the project; everything else goes through the project's methods, so the canvas, the
project file and undo-free tests all see the same changes.

Double-clicking a layer (or one of its legend rows) opens the style dialog, as in QGIS; zooming to the
layer, which double-click did before, stays in the context menu (缩放到图层). The context menu also
keeps quick style choices for one-click changes.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import QAbstractItemView, QMenu, QTreeWidget, QTreeWidgetItem, QWidget

from ...carto.colors import ramp_colors, ramp_steps
from ...carto.styles import field_scheme
from ...carto.symbology import categorised_from_scheme, categorised_unique, graduated_quantiles, legend_from_style
from ...io.layerdata.data import VectorData
from ...io.layerdata.raster_data import RasterData
from ...io.schemes import load_scheme
from ..i18n import current_language, name_of, tr
from ..style_dialog import StyleDialog
from ..style_widgets import swatch
from .registry import LayerRegistry
from ..plain import tip

ID_ROLE = Qt.ItemDataRole.UserRole + 1


class LayerTree(QTreeWidget):
    zoomToLayer = Signal(str)
    openAttributeTable = Signal(str)
    currentLayerChanged = Signal(str)
    removeRequested = Signal(str)

    def __init__(self, registry: LayerRegistry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.registry = registry
        self.setHeaderHidden(True)
        self.setIconSize(QSize(14, 14))
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        self.itemChanged.connect(self._item_changed)
        self.currentItemChanged.connect(self._current_changed)
        self.itemDoubleClicked.connect(lambda item, _c: self._double_clicked(item))
        self._syncing = False
        self.style_dialog: StyleDialog | None = None  # the open style dialog, if any
        for sig in (registry.layerAdded, registry.layerRemoved, registry.layersReordered, registry.layerChanged,
                    registry.layerLoaded, registry.layerFailed, registry.projectReplaced):
            sig.connect(lambda *_: self.rebuild())
        self.rebuild()

    # -- model -> view ----------------------------------------------------------------------------
    def rebuild(self) -> None:
        self._syncing = True
        current = self.current_layer_id()
        expanded = {self.topLevelItem(i).data(0, ID_ROLE) for i in range(self.topLevelItemCount())
                    if self.topLevelItem(i).isExpanded()}
        self.clear()
        reg = self.registry
        for spec in reversed(reg.project.layers):
            item = QTreeWidgetItem([spec.name])
            item.setData(0, ID_ROLE, spec.id)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable
                          | Qt.ItemFlag.ItemIsDragEnabled)
            item.setCheckState(0, Qt.CheckState.Checked if spec.visible else Qt.CheckState.Unchecked)
            if spec.id in reg.errors:
                item.setForeground(0, QColor("#b00020"))
                item.setToolTip(0, tip(reg.errors[spec.id]))
            elif spec.id in reg.loading:
                item.setText(0, f"{spec.name}  {tr('（加载中…）')}")
            else:
                item.setToolTip(0, tip(spec.path if not spec.layer else f"{spec.path} — {spec.layer}"))
            self.addTopLevelItem(item)
            for color, text in self._legend(spec.id):
                child = QTreeWidgetItem([text])
                child.setIcon(0, swatch(color))
                child.setFlags(Qt.ItemFlag.ItemIsEnabled)
                item.addChild(child)
            item.setExpanded(spec.id in expanded or item.childCount() <= 12)
            if spec.id == current:
                self.setCurrentItem(item)
        self._syncing = False

    def _legend(self, layer_id: str) -> list[tuple[str, str]]:
        reg = self.registry
        spec = reg.project.layer(layer_id)
        data = reg.data.get(layer_id)
        if isinstance(data, VectorData):
            return legend_from_style(spec.style)
        if isinstance(data, RasterData):
            st = spec.style
            if st.kind == "classes" and st.scheme:
                scheme = load_scheme(st.scheme)
                present = set(data.classes_present)
                return [(c.color, f"{c.code} {name_of(c)}") for c in scheme.classes
                        if not present or c.value in present]
            if st.kind == "ramp" and st.ramp == "siting":
                from ..siting_identify import legend_classes

                return legend_classes()
            if st.kind == "ramp" and st.ramp == "suitability":
                return ramp_steps(st.ramp, 0.0 if st.vmin is None else st.vmin, 1.0 if st.vmax is None else st.vmax)
            ramp = "terrain" if st.kind == "hillshade" else st.ramp
            lo = st.vmin if st.vmin is not None else data.vmin
            hi = st.vmax if st.vmax is not None else data.vmax
            c = ramp_colors(ramp, 2)
            return [(c[0], f"{lo:.4g}"), (c[1], f"{hi:.4g}")]
        return []

    def current_layer_id(self) -> str | None:
        item = self.currentItem()
        while item is not None and item.parent() is not None:
            item = item.parent()
        return None if item is None else item.data(0, ID_ROLE)

    # -- view -> model ----------------------------------------------------------------------------
    def _item_changed(self, item: QTreeWidgetItem, _column: int) -> None:
        if self._syncing or item.parent() is not None:
            return
        self.registry.project.set_visible(item.data(0, ID_ROLE), item.checkState(0) == Qt.CheckState.Checked)

    def _current_changed(self, *_args) -> None:
        if not self._syncing:
            lid = self.current_layer_id()
            if lid:
                self.currentLayerChanged.emit(lid)

    def _double_clicked(self, item: QTreeWidgetItem) -> None:
        while item.parent() is not None:  # a legend row: its layer
            item = item.parent()
        lid = item.data(0, ID_ROLE)
        if lid:
            self.open_style_dialog(lid)

    def open_style_dialog(self, lid: str) -> StyleDialog:
        """Open the style dialog of a layer (window-modal, returns at once); one dialog at a time."""
        if self.style_dialog is not None:
            self.style_dialog.reject()
        reg = self.registry
        reg.ensure_loaded(lid)
        dlg = StyleDialog(reg.project, lid, reg.data.get(lid), self.window())
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.finished.connect(lambda _r, d=dlg: self._dialog_closed(d))
        self.style_dialog = dlg
        dlg.open()
        return dlg

    def _dialog_closed(self, dlg: StyleDialog) -> None:
        if self.style_dialog is dlg:
            self.style_dialog = None

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().dropEvent(event)
        # flatten anything Qt nested, then push the new order (top row = drawn last) to the project
        ids = []
        for i in range(self.topLevelItemCount()):
            lid = self.topLevelItem(i).data(0, ID_ROLE)
            if lid:
                ids.append(lid)
        project = self.registry.project
        for draw_index, lid in enumerate(reversed(ids)):
            if project.index_of(lid) != draw_index:
                project.move_layer(lid, draw_index)
        self.rebuild()

    def move_current(self, step: int) -> None:
        """Raise (step=+1) or lower (-1) the current layer in drawing order."""
        lid = self.current_layer_id()
        if lid:
            p = self.registry.project
            p.move_layer(lid, p.index_of(lid) + step)

    # -- context menu -----------------------------------------------------------------------------
    def _menu(self, pos) -> None:
        item = self.itemAt(pos)
        if item is None:
            return
        while item.parent() is not None:
            item = item.parent()
        lid = item.data(0, ID_ROLE)
        menu = self.build_menu(lid)
        menu.exec(self.viewport().mapToGlobal(pos))

    def build_menu(self, lid: str) -> QMenu:
        reg = self.registry
        spec = reg.project.layer(lid)
        data = reg.data.get(lid)
        menu = QMenu(self)
        menu.addAction(tr("图层属性 / 样式…"), lambda: self.open_style_dialog(lid))
        menu.addAction(tr("缩放到图层"), lambda: self.zoomToLayer.emit(lid))
        if isinstance(data, VectorData):
            menu.addAction(tr("属性表"), lambda: self.openAttributeTable.emit(lid))
            self._vector_style_menu(menu, lid, data)
        elif isinstance(data, RasterData):
            style_menu = menu.addMenu(tr("样式"))
            p = reg.project
            for scheme in ("sandiao", "worldcover"):
                style_menu.addAction(tr("分类：{0}").format(load_scheme(scheme).title_zh),
                                     lambda _=False, sc=scheme: p.update_style(lid, kind="classes", scheme=sc))
            style_menu.addAction(tr("山体阴影（高程）"), lambda: p.update_style(lid, kind="hillshade"))
            for ramp in ("terrain", "greens", "blues", "greys"):
                style_menu.addAction(tr("色带：{0}").format(ramp),
                                     lambda _=False, r=ramp: p.update_style(lid, kind="ramp", ramp=r))
        opacity = menu.addMenu(tr("不透明度"))
        for pct in (100, 80, 60, 40, 20):
            act = QAction(f"{pct}%", opacity)
            act.setCheckable(True)
            act.setChecked(abs(spec.style.opacity * 100 - pct) < 1)
            act.triggered.connect(lambda _=False, v=pct: reg.project.update_style(lid, opacity=v / 100))
            opacity.addAction(act)
        menu.addAction(tr("上移"), lambda: self.registry.project.move_layer(lid, reg.project.index_of(lid) + 1))
        menu.addAction(tr("下移"), lambda: self.registry.project.move_layer(lid, reg.project.index_of(lid) - 1))
        menu.addSeparator()
        menu.addAction(tr("移除图层"), lambda: self.removeRequested.emit(lid))
        return menu

    def _vector_style_menu(self, menu: QMenu, lid: str, data: VectorData) -> None:
        project = self.registry.project
        spec = project.layer(lid)
        frame = data.frame
        fields = [c for c in frame.columns if c != frame.geometry.name]
        numeric = [c for c in fields if frame[c].dtype.kind in "if"]
        style_menu = menu.addMenu(tr("样式"))
        style_menu.addAction(tr("单一符号"), lambda: project.update_style(lid, kind="single"))
        cat = style_menu.addMenu(tr("分类（按字段）"))
        for f in fields:
            def categorise(_=False, f=f):
                scheme = field_scheme(frame, f)
                style = (categorised_from_scheme(spec.style, frame, f, scheme, current_language()) if scheme
                         else categorised_unique(spec.style, frame, f))
                project.set_style(lid, style)
            cat.addAction(f, categorise)
        grad = style_menu.addMenu(tr("分级（按数值字段）"))
        for f in numeric:
            grad.addAction(f, lambda _=False, f=f: project.set_style(lid, graduated_quantiles(spec.style, frame, f)))
        labels = menu.addMenu(tr("标注"))
        labels.addAction(tr("无"), lambda: project.update_style(lid, label_field=None))
        for f in fields:
            labels.addAction(f, lambda _=False, f=f: project.update_style(lid, label_field=f))
