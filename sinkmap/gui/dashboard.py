"""The ledger dashboard: each county and the city total against the plan's targets.

Shows the report of :func:`sinkmap.jobs.ledger.run_ledger` (the same numbers as ``sinkmap ledger
--json``): one block of rows per unit (city total first), one row per indicator with the measured
value, the target as the plan words it (the quote and the file/line on hover), a status colour and the
gap in natural units. Absent targets say so ("规划无此目标") and never show as zero. The ledger is
computed in a background task and recomputed when the chosen city/year or the layers change.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QPushButton,
                               QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from ..core.indicators import INDICATORS, Comparator, Target
from .calls import ledger_json
from .canvas.colors import STATUS_COLORS
from .chart import IndicatorChart
from .i18n import is_english, name_of, tr
from .tasks import TaskManager

COL_STATUS, COL_GAP, COL_TARGET = 3, 4, 5
PLAN_CITIES = ("长沙市", "株洲市", "邵阳市", "郴州市")
YEARS = (2025, 2030)
SHOWN = ("forest_coverage_pct", "forest_stock_10k_m3", "living_tree_stock_10k_m3", "wetland_area_10k_ha",
         "wetland_protection_rate_pct")


def column_titles() -> list[str]:
    return [tr("单位"), tr("指标"), tr("现状"), tr("状态"), tr("差距"), tr("规划目标（原文措辞）")]


def status_text(status: str) -> str:
    return {"met": tr("达标"), "within_band": tr("在“左右”区间内"), "short": tr("未达标"),
            "no_target": tr("规划无此目标"), "no_data": tr("无数据"),
            "city_total": tr("全市总量目标（见全市行）")}.get(status, status)


def target_text(a: dict, lang_zh: bool = True) -> str:
    """The target as the plan words it, e.g. '森林覆盖率 2025 不低于 55%'; '' when absent."""
    from ..io.targets import format_target

    if a.get("value") is None or not a.get("comparator"):
        return ""
    t = Target(city=a.get("city") or "", year=int(a.get("year") or 0), indicator=a["indicator"],
               value=float(a["value"]), unit=a.get("unit") or "", comparator=Comparator(a["comparator"]),
               basis=a.get("basis") or "", quote=a.get("quote") or "", seed="", line=0)
    return format_target(t, "zh" if lang_zh and not is_english() else "en")


def unit_text(unit: str) -> str:
    """A plan unit in the interface language ('万m³' reads '×10⁴ m³' in English, as the targets do)."""
    from ..io.targets import unit_label

    return unit_label(unit, "en" if is_english() else "zh")


def fmt_num(v, digits: int = 2) -> str:
    if v is None:
        return "—"
    return f"{v:,.{digits}f}"


class LedgerDashboard(QWidget):
    unitActivated = Signal(str)  # unit name (zoom to it)
    choroplethRequested = Signal(str, object)  # indicator key, report dict
    computeRequested = Signal(str, int)

    def __init__(self, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.report: dict | None = None
        self.use_process = True  # the ledger holds the GIL for long stretches: keep it off the GUI's
        self.make_request: Callable[[str, int], object] | None = None
        self._task = None
        self.city = QComboBox(self)
        self.city.addItems(PLAN_CITIES)
        self.year = QComboBox(self)
        self.year.addItems([str(y) for y in YEARS])
        self.compute_btn = QPushButton(tr("计算台账"), self)
        self.map_btn = QPushButton(tr("专题图"), self)
        self.map_btn.setToolTip(tr("把所选指标显示为各区县分级设色图"))
        self.indicator = QComboBox(self)
        for key in SHOWN:
            self.indicator.addItem(name_of(INDICATORS[key]), key)
        self.state = QLabel(tr("尚未计算"), self)
        self.state.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel(tr("城市"), self))
        top.addWidget(self.city)
        top.addWidget(QLabel(tr("目标年"), self))
        top.addWidget(self.year)
        top.addWidget(self.compute_btn)
        top.addStretch(1)
        self.table = QTableWidget(0, 6, self)
        self.table.setHorizontalHeaderLabels(column_titles())
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # the status column is sized by _fit_status_column: its longest text (全市总量目标（见全市行）) would
        # push the plan's target out of the dock; it is elided there and whole in the tooltip
        self.table.horizontalHeader().setSectionResizeMode(COL_STATUS, QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.cellDoubleClicked.connect(self._row_activated)
        self.chart = IndicatorChart(self)
        chart_bar = QHBoxLayout()
        chart_bar.addWidget(QLabel(tr("图表指标"), self))
        chart_bar.addWidget(self.indicator)
        chart_bar.addWidget(self.map_btn)
        chart_bar.addStretch(1)
        chart_box = QWidget(self)
        cl = QVBoxLayout(chart_box)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.addLayout(chart_bar)
        cl.addWidget(self.chart)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.table)
        split.addWidget(chart_box)
        split.setSizes([300, 160])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.state)
        layout.addWidget(split, 1)
        self.compute_btn.clicked.connect(self.compute)
        self.city.currentTextChanged.connect(lambda _t: self._changed())
        self.year.currentTextChanged.connect(lambda _t: self._changed())
        self.indicator.currentIndexChanged.connect(lambda _i: self._update_chart())
        self.map_btn.clicked.connect(self._choropleth)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.timeout.connect(self.compute)

    # -- settings ---------------------------------------------------------------------------------
    def set_city_year(self, city: str, year: int) -> None:
        for combo, value in ((self.city, city), (self.year, str(year))):
            combo.blockSignals(True)
            if combo.findText(value) < 0:
                combo.addItem(value)
            combo.setCurrentText(value)
            combo.blockSignals(False)

    def city_year(self) -> tuple[str, int]:
        return self.city.currentText(), int(self.year.currentText())

    def _changed(self) -> None:
        self.computeRequested.emit(*self.city_year())
        self.schedule()

    def schedule(self, delay_ms: int = 400) -> None:
        """Recompute soon (layers or settings changed); repeated calls coalesce."""
        self._debounce.start(delay_ms)

    # -- computing --------------------------------------------------------------------------------
    def compute(self):
        """Start the ledger job in the background (cancelling a running one)."""
        from ..jobs.ledger import LedgerRequest

        if self._task is not None and not self._task.done:
            self._task.cancel()
        city, year = self.city_year()
        request = self.make_request(city, year) if self.make_request else LedgerRequest(year=year, city=city)
        self.state.setText(tr("正在计算 {0} {1} 年台账…").format(city, year))
        self._task = self.tasks.submit(tr("台账计算：{0} {1}").format(city, year), ledger_json, request,
                                       process=self.use_process, on_done=self.set_report, on_error=self._failed,
                                       on_cancel=lambda: self.state.setText(tr("已取消")))
        return self._task

    def _failed(self, message: str) -> None:
        self.state.setText(tr("台账计算失败：{0}").format(message))
        self.state.setStyleSheet("color: #b00020")

    # -- display ----------------------------------------------------------------------------------
    def set_report(self, report: dict) -> None:
        self.report = report
        self.state.setStyleSheet("")
        units = report.get("units", [])
        label = report.get("data_label")
        self.state.setText(tr("{0} 年台账：{1} 个单位").format(report.get("year"), len(units))
                           + (f" — {label}" if label else ""))
        rows = []
        for u in units:
            by_ind = {a["indicator"]: a for a in u.get("targets", [])}
            for key in SHOWN:
                rows.append((u, key, by_ind.get(key, {"indicator": key, "status": "no_target"})))
        self.table.setRowCount(len(rows))
        for r, (u, key, a) in enumerate(rows):
            self._fill_row(r, u, key, a, first=(key == SHOWN[0]))
        for r in range(0, len(rows), len(SHOWN)):
            self.table.setSpan(r, 0, len(SHOWN), 1)
        self._fit_status_column()
        self._update_chart()

    def _fit_status_column(self) -> None:
        """Wide enough for the short statuses (达标, 未达标, 无数据); longer ones are elided (their colour
        tells them apart, the tooltip has the whole text), so the gap and the plan's target stay in view."""
        fm = self.table.fontMetrics()
        cap = max(fm.horizontalAdvance(status_text(s)) for s in ("met", "short", "no_data")) + 24
        self.table.setColumnWidth(COL_STATUS, min(max(self.table.sizeHintForColumn(COL_STATUS), 40), cap))

    def _fill_row(self, r: int, u: dict, key: str, a: dict, first: bool) -> None:
        ind = INDICATORS[key]
        measured = a.get("measured")
        if measured is None:
            measured = _measured_from_unit(u, key)
        status = a.get("status") or "no_data"
        gap = a.get("gap")
        tt = target_text(a)
        if not tt:
            tt = tr("规划无此目标") + (f"（{a['reason']}）" if a.get("reason") else "")
        gap_unit = unit_text(a.get("gap_unit", ""))
        cells = [u.get("name", ""), name_of(ind),
                 f"{fmt_num(measured)} {unit_text(ind.unit)}" if measured is not None else "—", status_text(status),
                 "" if gap is None else (tr("已达标") if gap == 0 else f"{fmt_num(gap)} {gap_unit}"), tt]
        for c, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, u.get("name"))
            if c == 0:
                f = item.font()
                f.setBold(u.get("level") == "city")
                item.setFont(f)
            if c == COL_TARGET and a.get("quote"):
                note = f"\n\n{tr('口径')}：{a.get('basis')}" if a.get("basis") else ""
                if a.get("basis_note"):
                    note += f"\n{a['basis_note']}"
                item.setToolTip(f"{tr('规划原文')}：{a['quote']}{note}")
            if c == COL_STATUS:
                item.setToolTip(text)  # whole, where the column elides it
                color = QColor(STATUS_COLORS.get(status, "#bbbbbb"))
                color.setAlpha(90)
                item.setBackground(QBrush(color))
            if c in (2, COL_GAP):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(r, c, item)

    def _row_activated(self, row: int, _col: int) -> None:
        item = self.table.item(row, 0) or self.table.item(row - row % len(SHOWN), 0)
        if item is not None:
            self.unitActivated.emit(item.data(Qt.ItemDataRole.UserRole))

    def _update_chart(self) -> None:
        key = self.indicator.currentData()
        if self.report is None or key is None:
            self.chart.set_data([], None, "")
            return
        bars = []
        target = None
        for u in self.report.get("units", []):
            a = next((t for t in u.get("targets", []) if t["indicator"] == key), {})
            v = a.get("measured")
            if v is None:
                v = _measured_from_unit(u, key)
            bars.append((u.get("name", ""), v, a.get("status") or "no_data", u.get("level") == "city"))
            if u.get("level") == "city" and a.get("value") is not None:
                target = float(a["value"])
        self.chart.set_data(bars, target, f"{name_of(INDICATORS[key])} ({unit_text(INDICATORS[key].unit)})")

    def _choropleth(self) -> None:
        if self.report is not None:
            self.choroplethRequested.emit(self.indicator.currentData(), self.report)


def _measured_from_unit(u: dict, key: str):
    if key == "wetland_area_10k_ha":
        ha = u.get("wetland_area_ha")
        return None if ha is None else ha / 1e4
    return u.get(key)
