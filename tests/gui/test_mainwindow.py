"""The main window opens with Chinese labels, its docks and the status bar readouts."""

from __future__ import annotations

import pytest
from pyproj import Transformer

from sinkmap.core.project import LayerSpec, Style


@pytest.fixture
def window(drawn_window, counties_gpkg):
    """The two test counties, drawn with the default boundary style."""
    return drawn_window([LayerSpec(name="县界", path=str(counties_gpkg), layer="counties", role="boundary",
                                   style=Style())])


def test_chinese_labels(app, qtbot, counties_gpkg, window):
    win = window
    menus = [a.text() for a in win.menuBar().actions()]
    assert menus[:3] == ["文件(&F)", "视图(&V)", "图层(&L)"]
    assert {d.windowTitle() for d in win.docks.values()} >= {"图层", "碳汇台账", "任务", "识别结果"}
    assert win.layer_tree.topLevelItem(0).text(0) == "县界"
    assert win.dashboard.table.horizontalHeaderItem(5).text() == "规划目标（原文措辞）"
    assert "Albers" in win.status.crs.text()


def test_status_bar_shows_lonlat_and_gauss_kruger_zone(app, qtbot, counties_gpkg, window):
    win = window
    to_map = Transformer.from_crs("EPSG:4490", win.registry.project.display_crs, always_xy=True)
    x, y = to_map.transform(112.2, 28.2)
    win.status.show_cursor(x, y)
    assert win.status.coords.text() == "经度 112.20000°  纬度 28.20000°"
    # 112.2°E is nearest to the 111°E central meridian: zone 37, EPSG:4546 (CGCS2000 / 3-degree GK CM 111E)
    assert win.status.zone.text() == "3°带 37（中央经线 111°E，EPSG:4546）"
    x, y = to_map.transform(113.2, 28.2)  # nearer 114°E: zone 38, EPSG:4547
    win.status.show_cursor(x, y)
    assert "38" in win.status.zone.text() and "EPSG:4547" in win.status.zone.text()


def test_scale_readout_matches_viewport(app, qtbot, counties_gpkg, window):
    win = window
    vp = win.canvas.viewport
    # 1:N where N = metres per pixel × pixels per metre of the screen (dpi / 0.0254)
    expected = vp.units_per_px * vp.dpi / 0.0254
    assert win.status.scale.text() == f"比例尺 1:{expected:,.0f}"


def test_save_reopen_same_view(app, qtbot, counties_gpkg, tmp_path, window):
    from sinkmap.gui.mainwindow import MainWindow

    win = window
    win.canvas.set_viewport(win.canvas.viewport.zoomed(3.0, (100, 80)).panned_px(25, -10))
    vp = win.canvas.viewport
    win.registry.project.update_style(win.registry.project.layers[0].id, opacity=0.5, label_field="name")
    assert win._save(tmp_path / "p.sinkmap")
    other = MainWindow()
    other.quiet = True
    qtbot.addWidget(other)
    other.resize(1200, 800)
    other.show()
    assert other.open_project(tmp_path / "p.sinkmap")
    qtbot.waitUntil(other.canvas.is_idle, timeout=20_000)
    v2 = other.canvas.viewport
    assert (v2.center_x, v2.center_y, v2.units_per_px) == (vp.center_x, vp.center_y, vp.units_per_px)
    st = other.registry.project.layers[0].style
    assert st.opacity == 0.5 and st.label_field == "name"


def test_project_holds_the_view_and_city_year_as_they_change(app, qtbot, window, tmp_path, monkeypatch):
    from sinkmap.core.project import ViewState
    from sinkmap.io import project_file

    win = window
    project = win.registry.project
    win.canvas.set_viewport(win.canvas.viewport.zoomed(2.0, (60, 40)))  # a zoom: the project has the view at once
    vp = win.canvas.viewport
    assert project.view == ViewState(vp.center_x, vp.center_y, vp.units_per_px, project.display_crs)
    win.dashboard.city.setCurrentText("郴州市")  # the user picks a city and a year
    win.dashboard.year.setCurrentText("2030")
    win.dashboard._debounce.stop()  # (no ledger run in this test)
    assert (project.city, project.year) == ("郴州市", 2030)
    project.set_city_year("株洲市", 2025)  # the model changes: the dashboard follows
    assert win.dashboard.city_year() == ("株洲市", 2025)
    project.set_view(ViewState(vp.center_x + 5_000.0, vp.center_y, vp.units_per_px, project.display_crs))
    assert (win.canvas.viewport.center_x, win.canvas.viewport.units_per_px) == (vp.center_x + 5_000.0, vp.units_per_px)
    # saving serialises the project alone: the widgets are not asked
    monkeypatch.setattr(win.canvas, "view_state", lambda: pytest.fail("save read the canvas"))
    monkeypatch.setattr(win.dashboard, "city_year", lambda: pytest.fail("save read the dashboard"))
    assert win._save(tmp_path / "p.sinkmap")
    back = project_file.load_project(tmp_path / "p.sinkmap")
    assert (back.city, back.year, back.view) == ("株洲市", 2025, project.view)


def test_corrupt_project_keeps_what_is_open(app, qtbot, counties_gpkg, tmp_path, window):
    win = window
    before = [s.id for s in win.registry.project.layers]
    bad = tmp_path / "bad.sinkmap"
    bad.write_text('{"format": "sinkmap-project", "version": 7}', encoding="utf-8")
    assert not win.open_project(bad)
    assert [s.id for s in win.registry.project.layers] == before
    assert any("newer sinkmap" in m for m in win.task_panel.message_texts())


def test_identify_click_shows_attributes(app, qtbot, counties_gpkg, window):
    from PySide6.QtCore import QPoint, Qt

    from sinkmap.gui.canvas.tools import Tool

    win = window
    to_map = Transformer.from_crs("EPSG:4490", win.registry.project.display_crs, always_xy=True)
    x, y = to_map.transform(113.2, 28.2)  # inside 乙县
    col, row = win.canvas.viewport.to_screen(x, y)
    win.set_tool(Tool.IDENTIFY.value)
    qtbot.mouseClick(win.canvas, Qt.MouseButton.LeftButton, pos=QPoint(int(col), int(row)))
    results = win.identify_panel.results
    assert len(results) == 1 and results[0][2][0]["name"] == "乙县"
    texts = [win.identify_panel.topLevelItem(0).child(0).child(i).text(1)
             for i in range(win.identify_panel.topLevelItem(0).child(0).childCount())]
    assert "乙县" in texts


def test_box_select_selects_in_table(app, qtbot, counties_gpkg, window):
    from PySide6.QtCore import QPoint, Qt

    from sinkmap.gui.canvas.tools import Tool

    win = window
    lid = win.registry.project.layers[0].id
    table = win.open_attribute_table(lid)
    to_map = Transformer.from_crs("EPSG:4490", win.registry.project.display_crs, always_xy=True)
    p0 = win.canvas.viewport.to_screen(*to_map.transform(111.9, 28.5))
    p1 = win.canvas.viewport.to_screen(*to_map.transform(112.5, 27.9))  # a box around 甲县 only
    win.set_tool(Tool.SELECT.value)
    qtbot.mousePress(win.canvas, Qt.MouseButton.LeftButton, pos=QPoint(int(p0[0]), int(p0[1])))
    qtbot.mouseMove(win.canvas, QPoint(int(p1[0]), int(p1[1])))
    qtbot.mouseRelease(win.canvas, Qt.MouseButton.LeftButton, pos=QPoint(int(p1[0]), int(p1[1])))
    assert list(win.registry.selected_rows(lid)) == [0]
    assert [i.row() for i in table.view.selectionModel().selectedRows()] == [0]
