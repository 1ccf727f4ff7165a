"""The ledger dashboard shows the same numbers as ``sinkmap ledger --json`` for the same inputs."""

from __future__ import annotations

import json

import geopandas as gpd
from pyproj import Geod

from sinkmap.core.project import LayerSpec, Project





def test_dashboard_matches_cli(app, qtbot, tmp_path, capsys, yuelu_forest_gpkg):
    from sinkmap.cli import main as cli_main
    from sinkmap.gui.dashboard import SHOWN, fmt_num
    from sinkmap.gui.mainwindow import MainWindow

    path = yuelu_forest_gpkg
    assert cli_main(["ledger", "--city", "长沙市", "--year", "2025", "--forest", str(path), "--json", "--quiet"]) == 0
    cli = json.loads(capsys.readouterr().out)
    cli_yuelu = next(u for u in cli["units"] if u["name"] == "岳麓区")
    # independently: ellipsoidal areas (pyproj.Geod) × stock per ha; the boxes are ≈ 10 ha and 5 ha,
    # so ≈ 10 × 80 + 5 × 120 = 1,400 m³ = 0.14 万m³
    geod = Geod(ellps="GRS80")
    frame = gpd.read_file(path, layer="xiaoban")
    expected = sum(abs(geod.geometry_area_perimeter(g)[0]) / 1e4 * s
                   for g, s in zip(frame.geometry, frame["MEI_GQ_XJ"])) / 1e4
    assert abs(expected - 0.14) < 0.001
    assert abs(cli_yuelu["forest_stock_10k_m3"] - expected) < 1e-4 * expected

    win = MainWindow(Project(layers=[LayerSpec(name="小班", path=str(path), layer="xiaoban", role="forest")]))
    win.quiet = True
    qtbot.addWidget(win)
    win.dashboard.set_city_year("长沙市", 2025)
    win.dashboard.use_process = False  # same call, in a thread: quicker in a test
    task = win.dashboard.compute()
    with qtbot.waitSignal(task.ended, timeout=120_000):
        pass
    assert task.state == "finished", task.error
    gui = win.dashboard.report
    for u_cli, u_gui in zip(cli["units"], gui.units):
        assert u_cli["name"] == u_gui.name
        for key in ("forest_stock_10k_m3", "forest_area_ha", "wetland_area_ha", "land_area_km2"):
            assert u_cli.get(key) == getattr(u_gui, key)
    table = win.dashboard.table
    rows = [r for r in range(table.rowCount()) if table.item(r, 1).text() == "森林蓄积量"
            and table.item(r - SHOWN.index("forest_stock_10k_m3"), 0).text() == "岳麓区"]
    assert len(rows) == 1
    assert table.item(rows[0], 2).text() == f"{fmt_num(cli_yuelu['forest_stock_10k_m3'])} 万m³" == "0.14 万m³"
    target_cell = table.item(rows[0], 5)
    assert "3500" in target_cell.text() and "规划原文" in target_cell.toolTip()
