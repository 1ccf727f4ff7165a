"""Siting scenarios in the app: the current scenario's sites, and all scenarios compared side by side.

The scenarios are the project's (``Project.scenarios``, JSON documents; the model is
:class:`~sinkmap.analysis.siting.scenarios.Scenario`): every change here is written back to the project at once
(so a save keeps it and the window shows it unsaved), and opening a project shows its scenarios. "比较" runs
``site.compare`` on them (the same reports as ``sinkmap site compare``) in a background thread, sharing the
impact card's kept preparations, and shows the table with one column per scenario: totals, then each affected
county's and city's plan indicators after the sites, their targets and status in words, then the status
changes.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QInputDialog, QLabel,
                               QPushButton, QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from ..carto.colors import STATUS_COLORS
from ..core.errors import SinkmapError
from .i18n import current_language, tr
from .impact_card import tech_name
from .plain import plain_label, tip


def _run_compare(cache, request, scenarios, feedback=None):
    from .site_inspector import Quiet

    t = time.perf_counter()
    report = cache.compare(request, scenarios, Quiet(feedback))
    return report, time.perf_counter() - t


class ScenariosView(QWidget):
    """The scenarios of the window's project. ``siteActivated(index)``: a site of the current scenario was
    double-clicked (the inspector shows its card); ``changed()``: the scenarios or the current one changed."""

    siteActivated = Signal(int)
    changed = Signal()

    def __init__(self, win, cache, request_fn, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.win, self.cache, self.request_fn = win, cache, request_fn
        self.scenarios: list = []
        self.current = -1
        self.report = None
        self._task = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        bar = QHBoxLayout()
        self.combo = QComboBox(self)
        self.combo.setMinimumContentsLength(10)
        self.combo.currentIndexChanged.connect(self._chosen)
        self.new_button = QPushButton(tr("新建方案"), self)
        self.rename_button = QPushButton(tr("重命名"), self)
        self.delete_button = QPushButton(tr("删除方案"), self)
        self.remove_site_button = QPushButton(tr("移除场址"), self)
        self.compare_button = QPushButton(tr("比较全部方案"), self)
        self.new_button.clicked.connect(lambda: self.new_scenario())
        self.rename_button.clicked.connect(self._rename_dialog)
        self.delete_button.clicked.connect(self.delete_current)
        self.remove_site_button.clicked.connect(self._remove_selected_site)
        self.compare_button.clicked.connect(self.compare)
        for w in (QLabel(tr("当前方案"), self), self.combo, self.new_button, self.rename_button, self.delete_button,
                  self.remove_site_button, self.compare_button):
            bar.addWidget(w)
        bar.addStretch(1)
        lay.addLayout(bar)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        self.sites = QTableWidget(0, 3, self)
        self.sites.setHorizontalHeaderLabels([tr("场址"), tr("技术"), tr("装机容量（MW）")])
        self.sites.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.sites.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.sites.verticalHeader().setVisible(False)
        self.sites.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.sites.cellDoubleClicked.connect(lambda row, _col: self.siteActivated.emit(row))
        self.table = QTableWidget(0, 0, self)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(True)
        split.addWidget(self.sites)
        split.addWidget(self.table)
        split.setStretchFactor(1, 3)
        split.setSizes([260, 900])
        lay.addWidget(split, 1)
        self.status = plain_label(QLabel("", self))
        self.status.setWordWrap(True)
        self.status.setStyleSheet("color: #606060;")
        lay.addWidget(self.status)
        self._refresh()

    # -- the project ---------------------------------------------------------------------------------------
    def load(self, project) -> None:
        """Show ``project``'s scenarios (checked when the project was read)."""
        from ..analysis.siting.scenarios import scenarios_from_docs

        try:
            self.scenarios = scenarios_from_docs(project.scenarios, project.path or "<project>")
        except SinkmapError as exc:  # a project built in memory with bad content: said, not raised
            self.scenarios = []
            self.win.show_error(exc.render(current_language()))
        names = [s.name for s in self.scenarios]
        self.current = names.index(project.current_scenario) if project.current_scenario in names else (
            0 if names else -1)
        self.report = None
        self.table.setRowCount(0)
        self.table.setColumnCount(0)
        self._refresh()

    def _store(self) -> None:
        project = self.win.registry.project
        current = self.scenarios[self.current].name if 0 <= self.current < len(self.scenarios) else None
        project.set_scenarios([s.to_doc() for s in self.scenarios], current)
        self._refresh()
        self.changed.emit()

    # -- editing --------------------------------------------------------------------------------------------
    def current_scenario(self):
        return self.scenarios[self.current] if 0 <= self.current < len(self.scenarios) else None

    def _free_name(self) -> str:
        names = {s.name for s in self.scenarios}
        k = len(self.scenarios) + 1
        while tr("方案{0}").format(k) in names:
            k += 1
        return tr("方案{0}").format(k)

    def new_scenario(self, name: str | None = None):
        from ..analysis.siting.scenarios import Scenario

        try:
            sc = Scenario(name or self._free_name(), self.win.registry.project.year)
        except SinkmapError as exc:
            self.win.show_error(exc.render(current_language()))
            return None
        if any(s.name == sc.name for s in self.scenarios):
            self.win.show_error(tr("已有名为“{0}”的方案").format(sc.name))
            return None
        self.scenarios.append(sc)
        self.current = len(self.scenarios) - 1
        self._store()
        return sc

    def add_site(self, geom, *, tech: str | None = None, capacity_mw: float | None = None,
                 name: str | None = None) -> str | None:
        """Add a site (EPSG:4490) to the current scenario (a new one when there is none); its name."""
        sc = self.current_scenario()
        if sc is None:
            sc = self.new_scenario()
        if sc is None:
            return None
        if not name:
            taken, k = set(sc.sites["name"].astype(str)), len(sc.sites) + 1
            while tr("场址{0}").format(k) in taken:
                k += 1
            name = tr("场址{0}").format(k)
        try:
            site = sc.add_site(geom, tech=tech, capacity_mw=capacity_mw, name=name)
        except SinkmapError as exc:
            self.win.show_error(exc.render(current_language()))
            return None
        self._store()
        self.status.setText(tr("已将“{0}”加入“{1}”").format(site, sc.name))
        return site

    def remove_site(self, index: int) -> None:
        sc = self.current_scenario()
        if sc is not None and 0 <= index < len(sc.sites):
            sc.remove_site(index)
            self._store()

    def _remove_selected_site(self) -> None:
        rows = sorted({i.row() for i in self.sites.selectedIndexes()}, reverse=True)
        for r in rows:
            self.remove_site(r)

    def rename_current(self, name: str) -> bool:
        from ..analysis.siting.scenarios import Scenario

        sc = self.current_scenario()
        if sc is None:
            return False
        try:
            Scenario(name, sc.year)  # the same checks as a new one
        except SinkmapError as exc:
            self.win.show_error(exc.render(current_language()))
            return False
        if any(s.name == name for s in self.scenarios if s is not sc):
            self.win.show_error(tr("已有名为“{0}”的方案").format(name))
            return False
        sc.name = name
        self._store()
        return True

    def _rename_dialog(self) -> None:
        sc = self.current_scenario()
        if sc is None:
            return
        name, ok = QInputDialog.getText(self, tr("重命名方案"), tr("方案名称"), text=sc.name)
        if ok and name.strip():
            self.rename_current(name.strip())

    def delete_current(self) -> None:
        if self.current_scenario() is None:
            return
        del self.scenarios[self.current]
        self.current = min(self.current, len(self.scenarios) - 1)
        self._store()

    def _chosen(self, index: int) -> None:
        if index != self.current and 0 <= index < len(self.scenarios):
            self.current = index
            self._store()

    # -- display ----------------------------------------------------------------------------------------------
    def _refresh(self) -> None:
        self.combo.blockSignals(True)
        self.combo.clear()
        for s in self.scenarios:
            self.combo.addItem(tr("{0}（{1} 个场址，{2} 年）").format(s.name, len(s), s.year), s.name)
        self.combo.setCurrentIndex(self.current)
        self.combo.blockSignals(False)
        sc = self.current_scenario()
        recs = [] if sc is None else sc.sites[["name", "tech", "capacity_mw"]].to_dict("records")
        self.sites.setRowCount(len(recs))
        for r, rec in enumerate(recs):
            geom = sc.sites.geometry.iloc[r]
            polygon = geom is not None and geom.geom_type.endswith("Polygon")
            cap = rec["capacity_mw"]
            tech = rec["tech"] if isinstance(rec["tech"], str) else None
            texts = [str(rec["name"]), (tech_name(tech) + tr("（面）") if tech else tech_name(None)) if polygon
                     else tech_name(tech),
                     "—" if polygon or cap != cap else f"{cap:g}"]  # NaN: the default
            for c, text in enumerate(texts):
                item = QTableWidgetItem(text)
                item.setToolTip(tip(text))
                self.sites.setItem(r, c, item)
        has = sc is not None
        for b in (self.rename_button, self.delete_button, self.remove_site_button):
            b.setEnabled(has)
        self.compare_button.setEnabled(any(len(s) for s in self.scenarios))

    def overlay_sites(self) -> list[tuple[str, object]]:
        """(name, footprint in EPSG:4490) of the current scenario's sites, for the map."""
        from ..analysis.siting.impact import footprints

        sc = self.current_scenario()
        if sc is None or not len(sc):
            return []
        out = []
        for i in range(len(sc.sites)):
            one = sc.sites.iloc[[i]]
            try:
                fp = footprints(one, "pv").to_crs("EPSG:4490").iloc[0]
            except SinkmapError:
                continue
            out.append((str(one["name"].iloc[0]), fp))
        return out

    # -- comparing -------------------------------------------------------------------------------------------
    def compare(self) -> None:
        todo = [s for s in self.scenarios if len(s)]
        if not todo:
            return
        self.status.setText(tr("正在比较 {0} 个方案…").format(len(todo)))
        self.compare_button.setEnabled(False)
        self._task = self.win.tasks.submit(tr("比较选址方案"), _run_compare, self.cache, self.request_fn(), todo,
                                           on_done=self._compared, on_error=self._failed)

    def _failed(self, message: str) -> None:
        self.compare_button.setEnabled(True)
        self.status.setText(message)

    def _compared(self, result) -> None:
        report, seconds = result
        self.compare_button.setEnabled(True)
        self.show_comparison(report)
        from ..jobs.base import DEMO_LABEL

        self.status.setText(tr("用时 {0:.2f} 秒").format(seconds) + (f"  ·  {DEMO_LABEL()}" if report.synthetic else ""))

    def show_comparison(self, report) -> None:
        """The table of a ``site.compare`` report: one column per scenario."""
        self.report = report
        lang = current_language()
        frame = report.comparison.to_frame(lang)
        self.table.clear()
        self.table.setColumnCount(len(frame.columns))
        self.table.setRowCount(len(frame))
        self.table.setHorizontalHeaderLabels([str(c) for c in frame.columns])
        rows = report.comparison.rows
        for r, rec in enumerate(frame.itertuples(index=False)):
            for c, value in enumerate(rec):
                text = _show(value, rows[r].digits)
                if c == 0 and r > 0 and rows[r].section == rows[r - 1].section:
                    text = ""  # a section is named on its first row
                item = QTableWidgetItem(text)
                item.setToolTip(tip(text))
                if c >= 4:
                    item.setTextAlignment((Qt.AlignmentFlag.AlignRight if isinstance(value, (int, float))
                                           else Qt.AlignmentFlag.AlignLeft) | Qt.AlignmentFlag.AlignVCenter)
                if c >= 5 and rows[r].key.startswith("status:"):
                    v = rows[r].values[c - 5]
                    status = _status_of(v)
                    if status:
                        item.setForeground(QBrush(QColor(STATUS_COLORS.get(status, "#404040"))))
                if rows[r].section == "changes" and c >= 5 and not _no_change(rows[r].values[c - 5]):
                    item.setForeground(QBrush(QColor(STATUS_COLORS["short"])))
                if c == 0:
                    f = item.font()
                    f.setBold(True)
                    item.setFont(f)
                self.table.setItem(r, c, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for c in range(5, len(frame.columns)):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.Interactive)
            self.table.setColumnWidth(c, 170)
        self.table.resizeRowsToContents()


def _show(value, digits) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits if digits is not None else 2}f}"
    if isinstance(value, int):
        return f"{value:,d}"
    return str(value)


def _status_of(value) -> str | None:
    """The status a table cell ends on (after a change): its colour."""
    from ..core.messages import Notice

    if isinstance(value, Notice):
        if value.code.startswith("analysis.siting.status."):
            return value.code.rsplit(".", 1)[1]
        after = value.params.get("after")
        if isinstance(after, Notice):
            return after.code.rsplit(".", 1)[1]
    return None


def _no_change(value) -> bool:
    from ..core.messages import Notice

    return isinstance(value, Notice) and value.code == "analysis.siting.scenario.no_changes"


__all__ = ["ScenariosView"]
