"""The main window opens with Chinese labels, its docks and the status bar readouts."""

from __future__ import annotations

from pyproj import Transformer

from sinkmap.core.project import LayerSpec, Project, Style


def _window(qtbot, path, **style):
    from sinkmap.gui.mainwindow import MainWindow

    project = Project(layers=[LayerSpec(name="县界", path=str(path), layer="counties", role="boundary",
                                        style=Style(**style))])
    win = MainWindow(project)
    win.quiet = True
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    qtbot.waitUntil(win.canvas.is_idle, timeout=20_000)
    return win


def test_chinese_labels(app, qtbot, counties_gpkg):
    win = _window(qtbot, counties_gpkg)
    menus = [a.text() for a in win.menuBar().actions()]
    assert menus[:3] == ["文件(&F)", "视图(&V)", "图层(&L)"]
    assert {d.windowTitle() for d in win.docks.values()} >= {"图层", "碳汇台账", "任务", "识别结果"}
    assert win.layer_tree.topLevelItem(0).text(0) == "县界"
    assert win.dashboard.table.horizontalHeaderItem(5).text() == "规划目标（原文措辞）"
    assert "Albers" in win.status.crs.text()


def test_status_bar_shows_lonlat_and_gauss_kruger_zone(app, qtbot, counties_gpkg):
    win = _window(qtbot, counties_gpkg)
    to_map = Transformer.from_crs("EPSG:4490", win.registry.project.display_crs, always_xy=True)
    x, y = to_map.transform(112.2, 28.2)
    win.status.show_cursor(x, y)
    assert win.status.coords.text() == "经度 112.20000°  纬度 28.20000°"
    # 112.2°E is nearest to the 111°E central meridian: zone 37, EPSG:4546 (CGCS2000 / 3-degree GK CM 111E)
    assert win.status.zone.text() == "3°带 37（中央经线 111°E，EPSG:4546）"
    x, y = to_map.transform(113.2, 28.2)  # nearer 114°E: zone 38, EPSG:4547
    win.status.show_cursor(x, y)
    assert "38" in win.status.zone.text() and "EPSG:4547" in win.status.zone.text()


def test_scale_readout_matches_viewport(app, qtbot, counties_gpkg):
    win = _window(qtbot, counties_gpkg)
    vp = win.canvas.viewport
    # 1:N where N = metres per pixel × pixels per metre of the screen (dpi / 0.0254)
    expected = vp.units_per_px * vp.dpi / 0.0254
    assert win.status.scale.text() == f"比例尺 1:{expected:,.0f}"
