"""The window in English (``--lang en``): menus, docks, the dashboard's indicator names and units; and, in
both languages, a dashboard whose columns show their texts whole (the status column no longer pushes
the plan's target out of the dock).

The translation is installed the way ``create_app("en")`` installs it at start (one per process, so
here for the length of a test, then removed again).
"""

from __future__ import annotations

from PySide6.QtGui import QImage

from sinkmap.core.indicators import INDICATORS
from sinkmap.core.project import LayerSpec, Project

FOREST_STOCK = 1  # SHOWN[1] is forest_stock_10k_m3






def _window_with_ledger(qtbot, forest_gpkg, lang):
    from sinkmap.gui.layers.registry import BUILTIN_BOUNDARIES
    from sinkmap.gui.mainwindow import MainWindow
    from sinkmap.carto.styles import ROLE_STYLES

    project = Project(layers=[
        LayerSpec(name="县界", path=BUILTIN_BOUNDARIES, layer="长沙市", role="boundary", style=ROLE_STYLES["boundary"]),
        LayerSpec(name="小班", path=str(forest_gpkg), layer="xiaoban", role="forest")], city="长沙市", year=2025)
    win = MainWindow(project, lang=lang)
    win.quiet = True
    qtbot.addWidget(win)
    win.resize(1500, 920)  # the size of `sinkmap --screenshot`
    win.show()
    win.dashboard.use_process = False
    task = win.dashboard.compute()
    with qtbot.waitSignal(task.ended, timeout=120_000):
        pass
    assert task.state == "finished", task.error
    qtbot.waitUntil(win.canvas.is_idle, timeout=30_000)
    return win


def _row(table, unit: str, offset: int) -> int:
    from PySide6.QtCore import Qt

    rows = [r for r in range(table.rowCount()) if table.item(r, 0).data(Qt.ItemDataRole.UserRole) == unit]
    return rows[offset]


def _cells_fit(table, columns) -> list[str]:
    """Texts wider than their column (clipped or elided), for the given columns."""
    from PySide6.QtGui import QFontMetrics

    out = []
    for r in range(table.rowCount()):
        for c in columns:
            item = table.item(r, c)
            if item is not None and QFontMetrics(item.font()).horizontalAdvance(item.text()) > table.columnWidth(c):
                out.append(f"row {r} col {c}: {item.text()!r} {table.columnWidth(c)}")
    return out


def test_english_window(english, qtbot, tmp_path, yuelu_forest_gpkg):
    from sinkmap.gui.dashboard import COL_STATUS, SHOWN

    win = _window_with_ledger(qtbot, yuelu_forest_gpkg, "en")
    assert [a.text() for a in win.menuBar().actions()] == ["&File", "&View", "&Layer", "&Tools", "Le&dger", "&Jobs",
                                                          "&Sites", "&Help"]
    assert {k: d.windowTitle() for k, d in win.docks.items()} == {
        "layers": "Layers", "ledger": "Sink ledger", "identify": "Identify", "tasks": "Tasks",
        "table": "Attribute table", "impact": "Site impact", "scenarios": "Siting scenarios"}
    assert win.status.scale.text().startswith("Scale 1:")
    d = win.dashboard
    assert [d.indicator.itemText(i) for i in range(d.indicator.count())] == [INDICATORS[k].name_en for k in SHOWN]
    assert d.compute_btn.text() == "Compute ledger" and d.map_btn.text() == "Choropleth"
    t = d.table
    assert [t.horizontalHeaderItem(c).text() for c in range(6)] == [
        "Unit", "Indicator", "Current", "Status", "Gap", "Plan target (as worded)"]
    assert [t.item(r, 1).text() for r in range(len(SHOWN))] == [INDICATORS[k].name_en for k in SHOWN]
    # units as the English targets write them: 万m³ is ×10⁴ m³ (the target cell says "≥ 3500 ×10⁴ m³")
    yuelu = _row(t, "岳麓区", FOREST_STOCK)  # the county with the forest: 0.14 ×10⁴ m³ (see test_dashboard)
    assert t.item(yuelu, 2).text() == "0.14 ×10⁴ m³"
    assert "×10⁴ m³" in t.item(yuelu, 5).text() and "万" not in t.item(yuelu, 5).text()
    assert all(t.item(r, COL_STATUS).text() in {"met", "short", "in band", "no target", "no data", "city row"}
               for r in range(t.rowCount()))
    assert _cells_fit(t, (0, 1, 2, 4)) == []
    # the long status (most county rows) is short in the cell, whole in the tooltip, and never elided
    assert _cells_fit(t, (COL_STATUS,)) == []
    total = next(r for r in range(t.rowCount()) if t.item(r, COL_STATUS).text() == "city row")
    assert t.item(total, COL_STATUS).toolTip() == "city-wide total (see the city row)"
    d.indicator.setCurrentIndex(FOREST_STOCK)
    assert d.chart.title == "Forest stock (×10⁴ m³)"
    path = tmp_path / "window_en.png"
    assert win.grab().save(str(path))
    assert QImage(str(path)).width() == win.width()


def test_chinese_dashboard_columns_fit(app, qtbot, tmp_path, yuelu_forest_gpkg):
    from sinkmap.gui.dashboard import COL_STATUS, COL_TARGET

    win = _window_with_ledger(qtbot, yuelu_forest_gpkg, "zh_CN")
    t = win.dashboard.table
    assert [a.text() for a in win.menuBar().actions()][:3] == ["文件(&F)", "视图(&V)", "图层(&L)"]
    assert t.item(_row(t, "岳麓区", FOREST_STOCK), 2).text() == "0.14 万m³"
    assert _cells_fit(t, (0, 1, 2, 3, 4)) == []  # 全市总…, 规划无… no more
    # the short statuses are whole; the plan's target column starts well inside the dock's table
    fm = t.fontMetrics()
    assert t.columnWidth(COL_STATUS) >= max(fm.horizontalAdvance(s) for s in ("达标", "未达标", "无数据")) + 8
    assert t.columnViewportPosition(COL_TARGET) + 120 <= t.viewport().width()
    path = tmp_path / "window_zh.png"
    assert win.grab().save(str(path))


def test_identify_panel_in_english(english, qtbot, counties_gpkg):
    from sinkmap.gui.mainwindow import MainWindow

    win = MainWindow(Project(layers=[LayerSpec(name="县界", path=str(counties_gpkg), layer="counties")]), lang="en")
    win.quiet = True
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: bool(win.registry.data), timeout=20_000)
    win.identify_panel.show_at(0.0, 0.0, 1.0)  # the Albers origin (111.5°E, 0°N): nothing there
    assert win.identify_panel.topLevelItem(0).text(0) == "No feature here"
    assert win.identify_panel.headerItem().text(0) == "Field"
