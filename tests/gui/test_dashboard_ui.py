"""The ledger dashboard as a user handles it: a single click on any cell of a unit (or on its bar in the
chart) zooms the map to that unit, arrow keys only move through the table (Enter zooms); and the table
reads whole in both languages at the window's default size (1500 × 920), the plan's target on two lines.

The report is written by hand (no ledger run): Changsha's ten units with the 2025 targets of the
Changsha plan (seed 000, lines 956-960: 森林蓄积量达 3500 万立方米以上, 活立木总蓄积量达 3800 万立方米以上,
森林覆盖率（林木绿化率）稳定在 55%, 湿地面积不低于 3.98 万公顷, 湿地保护率稳定在 76% 以上) and values as wide
as the demo's (3,629.43 万m³).
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication, QPoint, Qt
from PySide6.QtGui import QColor, QFontMetrics

from sinkmap.core.crs import EQUAL_AREA_CRS
from sinkmap.core.project import LayerSpec, Project

# indicator, target, comparator, unit, gap unit, the plan's name (basis), the plan's sentence
TARGETS = [
    ("forest_coverage_pct", 55.0, "approx", "%", "ha", "森林覆盖率（林木绿化率）", "森林覆盖率（林木绿化率）稳定在 55%"),
    ("forest_stock_10k_m3", 3500.0, "ge", "万m³", "万m³", "森林蓄积量", "森林蓄积量达 3500万立方米以上"),
    ("living_tree_stock_10k_m3", 3800.0, "ge", "万m³", "万m³", "活立木总蓄积量", "活立木总蓄积量达 3800万立方米以上"),
    ("wetland_area_10k_ha", 3.98, "ge", "万公顷", "万公顷", "湿地面积", "全市湿地面积不低于 3.98万公顷"),
    ("wetland_protection_rate_pct", 76.0, "ge", "%", "%", "湿地保护率", "全市湿地保护率稳定在 76%以上"),
]
# the city's measured values: 3,629.43 万m³ living-tree stock is short of 3800 by 3800 − 3629.43 = 170.57
CITY = {"forest_coverage_pct": (55.59, "met", 0.0), "forest_stock_10k_m3": (3619.96, "met", 0.0),
        "living_tree_stock_10k_m3": (3629.43, "short", 170.57), "wetland_area_10k_ha": (4.09, "met", 0.0),
        "wetland_protection_rate_pct": (77.11, "met", 0.0)}


def _report():
    from sinkmap.core.indicators import Comparator, Status
    from sinkmap.core.ledger_report import Assessment, LedgerUnit
    from sinkmap.io.boundaries import load_units
    from sinkmap.jobs.ledger import LedgerReport

    units = load_units(city="长沙市")
    out = []
    for i, (name, level) in enumerate(zip(units["name"], units["level"])):
        targets = []
        for key, value, comp, unit, gap_unit, basis, quote in TARGETS:
            if level == "city":
                measured, status, gap = CITY[key]
            elif key == "forest_coverage_pct":  # counties have their own coverage target: i × 7 % short or met
                measured, status, gap = 7.0 * i, ("met" if 7.0 * i >= 55 else "short"), None
            else:
                measured, status, gap = 1.5 * i, "city_total", None
            targets.append(Assessment(indicator=key, value=value, comparator=Comparator(comp), status=Status(status),
                                      gap=gap, unit=unit, gap_unit=gap_unit, measured=measured, basis=basis,
                                      city="长沙市", year=2025, quote=quote, reason=""))
        out.append(LedgerUnit(name=name, level=level, targets=targets))
    return LedgerReport(year=2025, units=out)



def _window(qtbot, lang: str = "zh_CN"):
    """Changsha's bundled county boundaries in a 1500 × 920 window, the hand-written report shown."""
    from sinkmap.gui.layers.registry import BUILTIN_BOUNDARIES
    from sinkmap.gui.mainwindow import MainWindow
    from sinkmap.carto.styles import ROLE_STYLES

    boundary = LayerSpec(name="县界", path=BUILTIN_BOUNDARIES, layer="长沙市", role="boundary",
                         style=ROLE_STYLES["boundary"])
    win = MainWindow(Project(layers=[boundary], city="长沙市", year=2025), lang=lang)
    win.quiet = True
    qtbot.addWidget(win)
    win.resize(1500, 920)  # the size of `sinkmap --screenshot`
    win.show()
    qtbot.waitUntil(lambda: bool(win.registry.data) and win.canvas.is_idle(), timeout=30_000)
    win.dashboard._debounce.timeout.disconnect()  # no real ledger run replaces the hand-written report
    win.dashboard.set_report(_report())
    QCoreApplication.processEvents()  # the dock's new width is laid out
    return win


@pytest.fixture
def window(app, qtbot):
    return _window(qtbot)


def _unit_bounds(name: str) -> tuple[float, float, float, float]:
    """The unit's bounds in the canvas CRS, straight from the boundary data (not through the GUI)."""
    from sinkmap.io.boundaries import load_units

    units = load_units(city="长沙市").to_crs(EQUAL_AREA_CRS)
    units = units[units["level"] == "county"] if name == "长沙市" else units[units["name"] == name]
    assert len(units)
    return tuple(units.total_bounds)


def _assert_view_on(win, unit: str) -> None:
    """The whole unit is in view, centred, and the view at most 20 % larger (the 10 % margin each side)."""
    xmin, ymin, xmax, ymax = _unit_bounds(unit)
    vp = win.canvas.viewport
    vx0, vy0, vx1, vy1 = vp.extent
    assert vx0 <= xmin and vy0 <= ymin and vx1 >= xmax and vy1 >= ymax
    assert min((vx1 - vx0) / (xmax - xmin), (vy1 - vy0) / (ymax - ymin)) <= 1.2 + 1e-6
    assert abs((vx0 + vx1) / 2 - (xmin + xmax) / 2) < vp.units_per_px
    assert abs((vy0 + vy1) / 2 - (ymin + ymax) / 2) < vp.units_per_px


def _rows_of(table, unit: str) -> list[int]:
    rows = [r for r in range(table.rowCount()) if table.item(r, 0).data(Qt.ItemDataRole.UserRole) == unit]
    assert len(rows) == 5
    return rows


def _away(win) -> None:
    win.canvas.set_viewport(win.canvas.viewport.zoomed(5.0, (40, 40)))


@pytest.mark.parametrize("unit, offset, col", [("浏阳市", 2, 5), ("芙蓉区", 0, 0), ("芙蓉区", 3, 2),
                                               ("长沙市", 4, 3), ("望城区", 1, 4)])
def test_single_click_on_any_cell_zooms(window, qtbot, unit, offset, col):
    win, table = window, window.dashboard.table
    emitted = []
    win.dashboard.unitActivated.connect(emitted.append)
    _away(win)
    before = win.canvas.viewport
    row = _rows_of(table, unit)[offset]
    table.scrollTo(table.model().index(row, col))
    rect = table.visualRect(table.model().index(row, col))  # the whole span for the unit's name
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert emitted == [unit]  # one click, one zoom
    assert win.canvas.viewport != before
    _assert_view_on(win, unit)


def test_arrow_keys_move_without_zooming_enter_zooms(window, qtbot):
    win, table = window, window.dashboard.table
    emitted = []
    win.dashboard.unitActivated.connect(emitted.append)
    _away(win)
    before = win.canvas.viewport
    table.setFocus()
    table.setCurrentCell(0, 1)
    for _ in range(7):  # from 长沙市's first row down into the second unit's block
        qtbot.keyClick(table, Qt.Key.Key_Down)
    assert table.currentRow() == 7
    assert emitted == [] and win.canvas.viewport == before
    second = window.dashboard.report.units[1].name  # rows 5-9 are the second unit's
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert emitted == [second]
    _assert_view_on(win, second)


def test_chart_bar_click_zooms(window, qtbot):
    from sinkmap.carto.colors import STATUS_COLORS

    win, chart = window, window.dashboard.chart
    emitted = []
    win.dashboard.unitActivated.connect(emitted.append)
    win.dashboard.indicator.setCurrentIndex(0)  # forest coverage: county i measures 7 × i %
    names = [u.name for u in win.dashboard.report.units]
    assert [b[0] for b in chart.bars] == names
    image = chart.grab().toImage()
    green, red = QColor(STATUS_COLORS["met"]), QColor(STATUS_COLORS["short"])
    for i in (9, 3):  # 7 × 9 = 63 % ≥ 55: met (green); 7 × 3 = 21 %: short (red)
        _away(win)
        band = chart.row_rect(i)
        y = int(band.center().y())
        colours = {image.pixelColor(x, y).name() for x in range(chart.width())}
        assert (green if i == 9 else red).name() in colours  # the bar of that unit is drawn in this band
        qtbot.mouseClick(chart, Qt.MouseButton.LeftButton, pos=QPoint(int(band.center().x()), y))
        assert emitted[-1] == names[i]
        _assert_view_on(win, names[i])
    # below the last row: nothing
    qtbot.mouseClick(chart, Qt.MouseButton.LeftButton, pos=QPoint(10, chart.height() - 1))
    assert len(emitted) == 2


def _layout_checks(win) -> None:
    from sinkmap.gui.dashboard import COL_GAP, COL_TARGET
    from sinkmap.gui.ledger_table import CELL_PAD

    t = win.dashboard.table
    fm = QFontMetrics(t.font())
    # no horizontal scrolling: the six columns share the table's width
    assert t.horizontalHeader().length() <= t.viewport().width()
    assert t.horizontalScrollBar().maximum() == 0
    for r in range(t.rowCount()):
        for c in (0, 1, 2, COL_GAP):  # one-line columns: each text whole (long statuses elide by design)
            item = t.item(r, c)
            if item is not None and t.rowSpan(r, c) == 1:
                assert QFontMetrics(item.font()).horizontalAdvance(item.text()) <= t.columnWidth(c), (r, c)
        lines = t.item(r, COL_TARGET).text().split("\n")
        assert len(lines) == 2
        assert fm.horizontalAdvance(lines[1]) + CELL_PAD <= t.columnWidth(COL_TARGET), lines  # value line whole
        assert t.rowHeight(r) >= 2 * fm.lineSpacing()  # both lines in the row
    # the map keeps the larger part of the window
    assert win.docks["ledger"].width() <= 0.45 * win.width() + 1


def test_chinese_layout(window, tmp_path):
    from sinkmap.gui.dashboard import COL_TARGET

    t = window.dashboard.table
    _layout_checks(window)
    city = _rows_of(t, "长沙市")
    assert t.item(city[0], COL_TARGET).text() == "森林覆盖率（林木绿化率）\n2025 稳定在 55% 左右"
    assert t.item(city[1], COL_TARGET).text() == "森林蓄积量\n2025 不低于 3500 万m³"
    fm = QFontMetrics(t.font())
    # in Chinese even the plan's names are whole
    assert all(fm.horizontalAdvance(t.item(r, COL_TARGET).text().split("\n")[0]) <= t.columnWidth(COL_TARGET)
               for r in range(t.rowCount()))
    tip = t.item(city[2], COL_TARGET).toolTip()
    assert tip.startswith("活立木总蓄积量 2025 不低于 3800 万m³") and "规划原文：活立木总蓄积量达 3800万立方米以上" in tip
    assert window.grab().save(str(tmp_path / "dashboard_zh.png"))


def test_english_layout(english, qtbot, tmp_path):
    from sinkmap.gui.dashboard import COL_TARGET

    win = _window(qtbot, "en")
    t = win.dashboard.table
    assert t.item(0, 1).text() == "Forest coverage"
    _layout_checks(win)
    city = _rows_of(t, "长沙市")
    assert t.item(city[0], COL_TARGET).text() == "Forest coverage (森林覆盖率（林木绿化率）)\n2025: about 55% (左右)"
    assert t.item(city[2], COL_TARGET).text() == "Living-tree stock\n2025: ≥ 3800 ×10⁴ m³"
    assert t.item(city[0], COL_TARGET).toolTip().startswith("Forest coverage (森林覆盖率（林木绿化率）) 2025: about 55%")
    assert win.grab().save(str(tmp_path / "dashboard_en.png"))


def test_dock_widens_once(window, qtbot):
    """The first report widened the dock; a width the user sets afterwards stays with later reports."""
    win = window
    dock = win.docks["ledger"]
    assert dock.width() > 560  # mainwindow's default: too narrow for the Chinese table too
    win.resizeDocks([dock], [480], Qt.Orientation.Horizontal)
    qtbot.waitUntil(lambda: dock.width() == 480, timeout=5_000)
    win.dashboard.set_report(_report())
    QCoreApplication.processEvents()
    assert dock.width() == 480


def test_demo_report_is_labelled_in_the_status_and_the_chart_title(window):
    """Every chart made from demo data carries the label in its title (it may be copied alone)."""
    from sinkmap.jobs.base import DATA_DEMO

    report = _report()
    report.data = DATA_DEMO
    window.dashboard.set_report(report)
    assert "演示数据" in window.dashboard.state.text() and "演示数据" in window.dashboard.chart.title
    window.dashboard.set_report(_report())  # the user's data: no label
    assert "演示数据" not in window.dashboard.chart.title
