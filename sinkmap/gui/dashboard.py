"""The ledger dashboard: each county and the city total against the plan's targets.

Shows the report of :func:`sinkmap.jobs.ledger.run_ledger` (the same numbers as ``sinkmap ledger
--json``): one block of rows per unit (city total first), one row per indicator with the measured
value, the target as the plan words it (the quote and the file/line on hover), a status colour and the
gap in natural units. Absent targets say so ("规划无此目标") and never show as zero. The ledger is
computed in a background task and recomputed when the chosen city/year or the layers change.

A click on a unit — any cell of its rows in the table, or its bar in the chart — emits ``unitActivated``
(the window zooms the map to it). The first report shown widens the dashboard's dock, if it is docked
and narrower, so the table needs no horizontal scroll (at most to ``DOCK_SHARE`` of the window).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QDockWidget, QHBoxLayout, QLabel, QMainWindow, QPushButton, QSplitter,
                               QVBoxLayout, QWidget)

from ..core.indicators import INDICATORS
from ..io.targets import plan_cities, plan_years
from ..jobs.base import DEMO_LABEL
from ..jobs.runs import run_values
from .chart import IndicatorChart
from .i18n import current_language, is_english, name_of, tr
from .ledger_table import (COL_GAP, COL_STATUS, COL_TARGET, SHOWN, LedgerTable, column_titles, fmt_num,
                           status_text, target_text, unit_text)
from .tasks import TaskManager
from .plain import plain_label, tip

__all__ = ["COL_GAP", "COL_STATUS", "COL_TARGET", "SHOWN", "LedgerDashboard",
           "column_titles", "fmt_num", "status_text", "target_text", "unit_text"]

DOCK_SHARE = 0.45  # the ledger dock widens to fit its table, up to this share of the window's width

class LedgerDashboard(QWidget):
    unitActivated = Signal(str)  # unit name (zoom to it): a click on its table rows or its chart bar
    choroplethRequested = Signal(str, object)  # indicator key, LedgerReport
    computeRequested = Signal(str, int)
    jobRan = Signal(object)  # the JobRun of each finished ledger (the window records it in the project)

    def __init__(self, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.report = None  # the latest LedgerReport
        self.use_process = True  # the ledger holds the GIL for long stretches: keep it off the GUI's
        self.make_request: Callable[[str, int], dict] | None = None  # the ledger job's raw values
        self._task = None
        self._dock_fitted = False
        self.city = QComboBox(self)
        self.city.addItems(list(plan_cities()))  # the cities whose plans set targets (layers/targets.yaml)
        self.year = QComboBox(self)
        self._fill_years(self.city.currentText())
        self.compute_btn = QPushButton(tr("计算台账"), self)
        self.map_btn = QPushButton(tr("专题图"), self)
        self.map_btn.setToolTip(tr("把所选指标显示为各区县分级设色图"))
        self.indicator = QComboBox(self)
        for key in SHOWN:
            self.indicator.addItem(name_of(INDICATORS[key]), key)
        self.state = plain_label(QLabel(tr("尚未计算"), self))
        self.state.setWordWrap(True)
        self.sources = plain_label(QLabel(self))  # which layer fed each indicator group (forest, wetland, protected...)
        self.sources.setWordWrap(True)
        self.sources.setStyleSheet("color: #505050")
        top = QHBoxLayout()
        top.addWidget(QLabel(tr("城市"), self))
        top.addWidget(self.city)
        top.addWidget(QLabel(tr("目标年"), self))
        top.addWidget(self.year)
        top.addWidget(self.compute_btn)
        top.addStretch(1)
        self.table = LedgerTable(self)
        self.table.unitClicked.connect(self.unitActivated)
        self.chart = IndicatorChart(self)
        self.chart.barClicked.connect(self.unitActivated)
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
        layout.addWidget(self.sources)
        layout.addWidget(split, 1)
        self.compute_btn.clicked.connect(self.compute)
        self.city.currentTextChanged.connect(lambda t: (self._fill_years(t), self._changed()))
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

    def _fill_years(self, city: str) -> None:
        """The chosen city's plan years (the year shown is kept when the city's plan has it)."""
        current = self.year.currentText()
        years = [str(y) for y in plan_years(city)] or [current or "2025"]
        self.year.blockSignals(True)
        self.year.clear()
        self.year.addItems(years)
        self.year.setCurrentText(current if current in years else years[0])
        self.year.blockSignals(False)

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
        if self._task is not None and not self._task.done:
            self._task.cancel()
        city, year = self.city_year()
        raw = self.make_request(city, year) if self.make_request else {"city": city, "year": year}
        self.state.setText(tr("正在计算 {0} {1} 年台账…").format(city, year))
        self._task = self.tasks.submit(tr("台账计算：{0} {1}").format(city, year), run_values, "ledger", raw,
                                       process=self.use_process, on_done=self._done, on_error=self._failed,
                                       on_cancel=lambda: self.state.setText(tr("已取消")))
        return self._task

    def _done(self, result) -> None:
        report, run = result
        self.set_report(report)
        self.jobRan.emit(run)

    def _failed(self, message: str) -> None:
        self.state.setText(tr("台账计算失败：{0}").format(message))
        self.state.setStyleSheet("color: #b00020")

    # -- display ----------------------------------------------------------------------------------
    def clear_report(self) -> None:
        """Forget the shown report (another project was opened or a new one started)."""
        if self._task is not None and not self._task.done:
            self._task.cancel()
        self._debounce.stop()
        self.report = None
        self.state.setStyleSheet("")
        self.state.setText(tr("尚未计算"))
        self.sources.setText("")
        self.table.set_units([])
        self._update_chart()

    def set_report(self, report) -> None:
        """Show a :class:`~sinkmap.jobs.ledger.LedgerReport` (the synthetic label whenever it is demo data)."""
        self.report = report
        self.state.setStyleSheet("")
        label = DEMO_LABEL(current_language()) if report.synthetic else ""
        self.state.setText(tr("{0} 年台账：{1} 个单位").format(report.year, len(report.units))
                           + (f" — {label}" if label else ""))
        self.table.set_units(report.units)
        self._show_sources(getattr(report, "inputs", {}) or {})
        self._update_chart()
        self._widen_dock_once()

    def _show_sources(self, inputs: dict) -> None:
        """One line: the layer (file) each input came from, demo files said to be the demo's."""
        from pathlib import Path

        try:
            from ..demo.generate import demo_dir

            demo = demo_dir().resolve()
        except ImportError:
            demo = None
        names = {"forest": tr("森林"), "wetland": tr("湿地"), "protected": tr("保护地"), "landcover": tr("土地覆盖"),
                 "stock_raster": tr("蓄积密度")}
        parts, tips = [], []
        for key, path in inputs.items():
            p = Path(str(path))
            is_demo = demo is not None and p.resolve().is_relative_to(demo)
            shown = tr("演示数据") if is_demo else p.name
            parts.append(tr("{0}：{1}").format(names.get(key, key), shown))
            tips.append(f"{names.get(key, key)}: {p}")
        self.sources.setText(tr("数据来源 — {0}").format(("; " if is_english() else "；").join(parts)) if parts else "")
        self.sources.setToolTip(tip("\n".join(tips)))

    def _widen_dock_once(self) -> None:
        """Widen the dock holding the dashboard so the table shows every column whole — once, for the
        first report shown while docked, so a width the user chose later is kept."""
        dock = self.parentWidget()
        window = dock.parentWidget() if isinstance(dock, QDockWidget) else None
        if self._dock_fitted or not isinstance(window, QMainWindow) or dock.isFloating() or not self.isVisible():
            return
        self._dock_fitted = True
        chrome = dock.width() - self.table.width()  # margins and frames between the dock and the table
        wanted = min(self.table.preferred_width() + chrome, int(window.width() * DOCK_SHARE))
        if wanted > dock.width():
            window.resizeDocks([dock], [wanted], Qt.Orientation.Horizontal)

    def _update_chart(self) -> None:
        key = self.indicator.currentData()
        if self.report is None or key is None:
            self.chart.set_data([], None, "")
            return
        bars = []
        target = None
        for u in self.report.units:
            a = u.assessment(key)
            v = a.measured if a is not None and a.measured is not None else u.measure(key)
            bars.append((u.name, v, a.status.value if a else "no_data", u.level == "city"))
            if u.level == "city" and a is not None and a.value is not None:
                target = float(a.value)
        title = f"{name_of(INDICATORS[key])} ({unit_text(INDICATORS[key].unit)})"
        if self.report.synthetic:  # a chart of demo data says so in its title (it may be copied alone)
            title += f" — {DEMO_LABEL(current_language())}"
        self.chart.set_data(bars, target, title)

    def _choropleth(self) -> None:
        if self.report is not None:
            self.choroplethRequested.emit(self.indicator.currentData(), self.report)

