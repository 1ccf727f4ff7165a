"""The attribute table: a model over a layer's GeoDataFrame that stays fast at 100,000 rows.

Qt asks only for the cells on screen; :class:`FrameModel` answers from numpy column arrays through a
row-order array (view row -> frame row), so sorting and filtering are one numpy/pandas operation on
that array rather than a proxy model comparing rows one by one. The selection is the layer's selection
in the :class:`LayerRegistry`, shared with the map both ways.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from PySide6.QtCore import (QAbstractTableModel, QItemSelection, QItemSelectionModel, QModelIndex, Qt, QTimer,
                            Signal)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QTableView, QVBoxLayout, QWidget)

from ...io.layerdata.data import VectorData
from ..i18n import tr
from .registry import LayerRegistry
from ..plain import tip

#: A map selection of more row runs than this is shown by tinting rows (the model reads the layer's mask
#: for the rows on screen) instead of building a Qt selection of every run, which costs seconds at 10⁴+.
MAX_QT_RANGES = 300
MAX_QT_ROWS = 5_000
SELECTED_TINT = QColor(255, 234, 0, 110)
FILTER_DELAY_MS = 250


class FrameModel(QAbstractTableModel):
    def __init__(self, frame: pd.DataFrame, parent=None) -> None:
        super().__init__(parent)
        if isinstance(frame, gpd.GeoDataFrame):
            frame = pd.DataFrame(frame.drop(columns=[frame.geometry.name]))
        self.frame = frame
        self.columns = [str(c) for c in self.frame.columns]
        self._arrays = [self.frame[c].to_numpy() for c in self.frame.columns]
        self.order = np.arange(len(self.frame), dtype=np.int64)
        self._filter_rows: np.ndarray | None = None
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self.tint: np.ndarray | None = None  # frame rows shown as selected by colour (large selections)

    # -- Qt model API -----------------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.order)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return _fmt(self._arrays[index.column()][self.order[index.row()]])
        if role == Qt.ItemDataRole.ToolTipRole:  # an attribute value is shown as text, never as HTML
            return tip(_fmt(self._arrays[index.column()][self.order[index.row()]]))
        if role == Qt.ItemDataRole.TextAlignmentRole and self._arrays[index.column()].dtype.kind in "iuf":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole and self.tint is not None and self.tint[self.order[index.row()]]:
            return SELECTED_TINT
        return None

    def headerData(self, section: int, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.columns[section]
        return str(int(self.order[section]) + 1)

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        self._sort = (column, order)
        self._apply()

    # -- rows -------------------------------------------------------------------------------------
    def set_filter(self, text: str = "", only_rows: np.ndarray | None = None) -> None:
        """Keep rows whose any cell contains ``text`` (case-insensitive) and, if given, in ``only_rows``."""
        mask = np.ones(len(self.frame), dtype=bool)
        text = text.strip()
        if text:
            hit = np.zeros(len(self.frame), dtype=bool)
            for arr in self._arrays:
                s = pd.Series(arr, copy=False).astype(str)
                hit |= s.str.contains(text, case=False, regex=False, na=False).to_numpy()
            mask &= hit
        if only_rows is not None:
            keep = np.zeros(len(self.frame), dtype=bool)
            keep[only_rows] = True
            mask &= keep
        self._filter_rows = None if mask.all() else np.flatnonzero(mask)
        self._apply()

    def _apply(self) -> None:
        self.layoutAboutToBeChanged.emit()
        rows = np.arange(len(self.frame), dtype=np.int64) if self._filter_rows is None else self._filter_rows
        if self._sort is not None:
            col, order = self._sort
            s = pd.Series(self._arrays[col][rows])
            try:
                idx = s.sort_values(kind="mergesort", na_position="last",
                                    ascending=order == Qt.SortOrder.AscendingOrder).index.to_numpy()
            except TypeError:  # mixed types: sort as text
                idx = s.astype(str).sort_values(kind="mergesort",
                                                 ascending=order == Qt.SortOrder.AscendingOrder).index.to_numpy()
            rows = rows[idx]
        self.order = rows
        self.layoutChanged.emit()

    def view_rows(self, frame_rows: np.ndarray) -> np.ndarray:
        """View rows showing the given frame rows (those filtered out are dropped)."""
        inverse = np.full(len(self.frame), -1, dtype=np.int64)
        inverse[self.order] = np.arange(len(self.order))
        v = inverse[np.asarray(frame_rows, dtype=np.int64)]
        return np.sort(v[v >= 0])


def _fmt(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float | np.floating):
        if v != v:
            return ""
        return f"{v:.6g}" if abs(v) < 1e6 else f"{v:,.0f}"
    return str(v)


def _ranges(rows: np.ndarray) -> list[tuple[int, int]]:
    """Sorted rows -> [(first, last)] runs of consecutive rows."""
    if len(rows) == 0:
        return []
    breaks = np.flatnonzero(np.diff(rows) != 1)
    starts = np.concatenate([[rows[0]], rows[breaks + 1]])
    ends = np.concatenate([rows[breaks], [rows[-1]]])
    return list(zip(starts.tolist(), ends.tolist()))


class AttributeTable(QWidget):
    """A table of one layer's attributes, with filter, 'selected only' and zoom to selection."""

    zoomToSelection = Signal(str)

    def __init__(self, registry: LayerRegistry, layer_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.registry = registry
        self.layer_id = layer_id
        data = registry.data[layer_id]
        assert isinstance(data, VectorData)
        self.model = FrameModel(data.frame, self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSortingEnabled(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.verticalHeader().setDefaultSectionSize(22)
        # the headers' highlight of selected sections walks every selected row on each change (0.5 s at 10⁵)
        self.view.verticalHeader().setHighlightSections(False)
        self.view.horizontalHeader().setHighlightSections(False)
        self.view.horizontalHeader().setDefaultSectionSize(110)
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText(tr("输入即筛选：任意字段包含的文字…"))
        self.filter.setClearButtonEnabled(True)
        self.filter.setToolTip(tr("输入时自动筛选行（不区分大小写，匹配任意字段）"))
        self.only_selected = QCheckBox(tr("仅显示选中"), self)
        self.count = QLabel(self)
        zoom = QPushButton(tr("缩放到选中"), self)
        zoom.clicked.connect(lambda: self.zoomToSelection.emit(self.layer_id))
        bar = QHBoxLayout()
        for w in (self.filter, self.only_selected, zoom, self.count):
            bar.addWidget(w)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(bar)
        layout.addWidget(self.view)
        self._syncing = False
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self._refilter)
        self.filter.textChanged.connect(lambda _t: self._filter_timer.start())  # filter as you type
        self.filter.returnPressed.connect(self._refilter)
        self.only_selected.toggled.connect(self._refilter)
        self.view.selectionModel().selectionChanged.connect(self._view_selection_changed)
        registry.selectionChanged.connect(self._registry_selection_changed)
        self._registry_selection_changed(layer_id)
        self._update_count()

    def _refilter(self) -> None:
        self._filter_timer.stop()
        only = self.registry.selected_rows(self.layer_id) if self.only_selected.isChecked() else None
        self.model.set_filter(self.filter.text(), only)
        self._registry_selection_changed(self.layer_id)
        self._update_count()

    def _update_count(self) -> None:
        n_sel = len(self.registry.selected_rows(self.layer_id))
        self.count.setText(tr("{0:,} / {1:,} 行，选中 {2:,}").format(self.model.rowCount(), len(self.model.frame), n_sel))

    def _view_selection_changed(self, *_args) -> None:
        if self._syncing:
            return
        runs = [np.arange(r.top(), r.bottom() + 1, dtype=np.int64) for r in self.view.selectionModel().selection()]
        rows = np.unique(np.concatenate(runs)) if runs else np.zeros(0, dtype=np.int64)  # runs, not 10⁵ indexes
        frame_rows = self.model.order[rows] if len(rows) else rows
        if self.model.tint is not None:
            self.model.tint = None
            self.view.viewport().update()
        self._syncing = True
        try:
            self.registry.set_selection(self.layer_id, frame_rows)
            if len(frame_rows) > MAX_QT_ROWS:  # show it by tint: a Qt selection of 10⁴+ rows repaints slowly
                self.model.tint = self.registry.selection.get(self.layer_id)
                self.view.selectionModel().clearSelection()
                self.view.viewport().update()
        finally:
            self._syncing = False
        self._update_count()

    def _registry_selection_changed(self, layer_id: str) -> None:
        if layer_id != self.layer_id or self._syncing:
            return
        self._syncing = True
        try:
            runs = _ranges(self.model.view_rows(self.registry.selected_rows(layer_id)))
            if len(runs) > MAX_QT_RANGES or self.registry.selected_rows(layer_id).size > MAX_QT_ROWS:  # tint the rows on screen from the layer's mask
                self.model.tint = self.registry.selection.get(layer_id)
                self.view.selectionModel().clearSelection()
            else:
                self.model.tint = None
                sel = QItemSelection()
                last = self.model.columnCount() - 1
                for a, b in runs:
                    sel.select(self.model.index(a, 0), self.model.index(b, last))
                self.view.selectionModel().select(sel, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            self.view.viewport().update()
        finally:
            self._syncing = False
        self._update_count()
