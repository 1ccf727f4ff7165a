"""The 抽水蓄能选址 (Pumped-storage search) panel: a drawn area on test_phes's two synthetic valleys, Cancel, the
run through the worker, the layers, the ranked table and the impact card; bad input in the panel.

The DEM (260 × 80 cells of 30 m in 苏仙区, GK 114°E) holds an upper valley (floor 600 m at the dam row) and a lower
one (100 m), 1.2 km apart; a 小班 covers the lower valley's floor (100 m³/ha). A run takes a few seconds.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from sinkmap.gui.ledger_table import fmt_num
from test_phes import CELL, COLS, CRS, LO_COL, ROWS, UP_COL, origin, transform, valleys  # noqa: E402

from identify_helpers import click_lonlat, shown_window  # noqa: E402


@pytest.fixture(scope="module")
def valleys_dir(tmp_path_factory):
    import geopandas as gpd
    import rasterio
    from shapely.geometry import box

    d = tmp_path_factory.mktemp("phes_panel")
    x0, y0 = origin()
    prof = dict(driver="GTiff", width=COLS, height=ROWS, count=1, dtype="float32", transform=transform(x0, y0),
                nodata=-9999.0)
    with rasterio.open(d / "dem.tif", "w", crs=CRS, **prof) as ds:
        ds.write(valleys().astype(np.float32), 1)
    xa = x0 + LO_COL * CELL
    f1 = box(xa, y0 - ROWS * CELL, xa + CELL, y0)  # the lower valley's floor
    f2 = box(x0, y0 - ROWS * CELL, x0 + 10 * CELL, y0)  # the upper valley's west side, off its floor
    gpd.GeoDataFrame({"DI_LEI": ["0111", "0111"], "YU_BI_DU": [0.6, 0.6], "MEI_GQ_XJ": [100.0, 80.0],
                      "YOU_SHI_SZ": ["杉木", "马尾松"]}, geometry=[f1, f2], crs=CRS).to_file(d / "forest.gpkg")
    return d


def zone_corners() -> list[tuple[float, float]]:
    """A strip 10 cells wide around the upper valley, as lon/lat corners."""
    x0, y0 = origin()
    to_ll = Transformer.from_crs(CRS, "EPSG:4490", always_xy=True)
    xs = (x0 + (UP_COL - 5) * CELL, x0 + (UP_COL + 5) * CELL)
    ys = (y0 - ROWS * CELL, y0)
    return [to_ll.transform(x, y) for x, y in ((xs[0], ys[0]), (xs[1], ys[0]), (xs[1], ys[1]), (xs[0], ys[1]))]


def _open_panel(win):
    """The panel, opened as a user does: 任务 › 选址 › 抽水蓄能选址…"""
    actions = {}

    def walk(menu):
        for action in menu.actions():
            if action.menu() is not None:
                walk(action.menu())
            else:
                actions[action.objectName()] = (action, menu.title())
    walk(win.job_menu)
    action, section = actions["job:site.phes"]
    assert section == "选址" and action.text() == "抽水蓄能选址…"
    action.trigger()
    assert win.docks["phes"].isVisibleTo(win) and win.docks["phes"].windowTitle() == "抽水蓄能选址"
    return win.phes_panel


def _draw(win, corners) -> None:
    """The 绘制区域 tool's signal, as the canvas emits it: the corners in the display CRS."""
    to_display = Transformer.from_crs("EPSG:4490", win.registry.project.display_crs, always_xy=True)
    win.canvas.polygonDrawn.emit([to_display.transform(lon, lat) for lon, lat in corners])


def _use_files(panel, d) -> None:
    for name, path in (("dem", d / "dem.tif"), ("forest", d / "forest.gpkg")):
        choice = panel.inputs[name]
        choice.combo.setCurrentIndex(choice.combo.count() - 1)  # 文件…
        choice.path.edit.setText(str(path))


def _job_json(tmp_path, capsys, params: dict) -> dict:
    """The same run on the command line (the panel's recorded parameters), its --json."""
    from sinkmap.cli import main

    argv = ["site.phes", "--json", "--out", str(tmp_path / "cli.gpkg")]
    for k, v in params.items():
        if k == "out":
            continue
        flag = "--" + k.replace("_", "-")
        if isinstance(v, bool):
            argv += [flag] if v else []
        else:
            argv += [flag, str(v["path"] if isinstance(v, dict) else v)]
    capsys.readouterr()
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_cancel_then_run_a_drawn_area_layers_table_and_card(app, qtbot, tmp_path, valleys_dir, capsys):
    win = shown_window(qtbot)
    try:
        _run_and_check(win, qtbot, tmp_path, valleys_dir, capsys)
    finally:
        win.close()


def _run_and_check(win, qtbot, tmp_path, d, capsys):
    import geopandas as gpd

    panel = _open_panel(win)
    assert panel.area_kind.currentData() == "county" and panel.county.currentText() == "苏仙区"
    _draw(win, zone_corners())
    assert panel.area_kind.currentData() == "drawn" and win.drawn_area is not None
    km2 = 10 * CELL * ROWS * CELL / 1e6  # the strip: 0.3 km × 7.8 km (GK's scale and the lon/lat edges: < 0.1 %)
    assert panel.drawn_label.text() == f"已绘制：约 {km2:,.1f} 平方千米"
    _use_files(panel, d)
    panel.top.setValue(3)

    # Cancel: nothing added, nothing left behind (the drawn area's file neither)
    panel.out_file.edit.setText(str(tmp_path / "cancelled" / "phes.gpkg"))
    task = panel.run()
    assert task is not None and not panel.run_btn.isEnabled() and panel.cancel_btn.isEnabled()
    panel.cancel_btn.click()
    assert task.wait(120) and task.state == "cancelled"
    assert panel.status.text() == "已取消，未作任何更改" and not (tmp_path / "cancelled").exists()
    assert win.registry.project.layers == [] and panel.run_btn.isEnabled() and panel.table.rowCount() == 0

    out = tmp_path / "run" / "phes.gpkg"
    panel.out_file.edit.setText(str(out))
    task = panel.run()
    assert task.wait(300) and task.state == "finished", task.error
    project = win.registry.project
    (run,) = project.job_runs
    assert run.job == "site.phes" and run.params["energy_gwh"] == 2.0 and run.data == "user"
    assert run.params["zone"]["path"].endswith("phes_zone.gpkg")
    zone = gpd.read_file(tmp_path / "run" / "phes_zone.gpkg")
    assert zone["name"].tolist() == ["绘制区域"] and zone.geometry.iloc[0].equals_exact(win.drawn_area, 1e-9)
    report = panel.report
    rep = _job_json(tmp_path, capsys, run.params)  # the job on the command line: the same pairs
    assert len(rep["pairs"]) == len(report.pairs) >= 1
    for a, b in zip(rep["pairs"], report.pairs):
        assert (a["rank"], a["cost_class"], a["head_m"]) == (b["rank"], b["cost_class"], b["head_m"])
        assert a["fom"] == pytest.approx(b["fom"], rel=1e-9) and a["co2_t"] == pytest.approx(b["co2_t"], rel=1e-9)

    # the three layers, drawn lower → upper → line, with the job's feature counts and their styles
    specs = {s.role: s for s in project.layers}
    assert [s.role for s in project.layers] == ["phes_lower", "phes_upper", "phes_pairs"]
    assert all(s.produced_by == run.id and s.style.label_field == "label" for s in project.layers)
    assert specs["phes_upper"].name == "上水库：地图上绘制的区域 2 GWh"
    assert specs["phes_upper"].style.fill != specs["phes_lower"].style.fill  # told apart on the map
    qtbot.waitUntil(lambda: all(s.id in win.registry.data for s in project.layers), timeout=30_000)
    for side in ("upper", "lower", "pairs"):
        frame = win.registry.data[specs[f"phes_{side}"].id].frame
        assert len(frame) == len(gpd.read_file(out, layer=side)) == len(rep["pairs"])
    labels = win.registry.data[specs["phes_pairs"].id].frame["label"].tolist()
    assert labels[0] == f"#1 {rep['pairs'][0]['cost_class']} · 2 GWh"
    assert "不重叠组合" in panel.status.text() and panel.pages.currentIndex() == 1

    # the table: one row per pair, in the job's order
    assert panel.table.rowCount() == len(rep["pairs"])
    p0 = rep["pairs"][0]
    assert [panel.table.item(0, c).text() for c in range(4)] == [
        "#1", p0["cost_class"], fmt_num(p0["fom"], 0), fmt_num(p0["head_m"], 0)]

    # a row: the pair selected on the map, and its card — the job's values (both reservoirs)
    card = win.site_inspector.card
    panel.select_row(0)
    qtbot.waitUntil(lambda: card.report is not None, timeout=60_000)
    assert card.title.text().startswith("抽水蓄能组合 #1（") and "上水库 + 下水库" in card.title.text()
    assert card.values["forest_area_ha"] == f"{fmt_num(p0['forest_area_ha'], 2)} 公顷"
    assert card.values["forest_stock_10k_m3"] == f"{fmt_num(p0['forest_stock_10k_m3'], 3)} 万m³"
    assert card.values["co2_t"] == f"{fmt_num(p0['co2_t'], 0)} 吨"
    assert p0["forest_area_ha"] == pytest.approx(p0["lower_area_ha"], rel=2e-3)  # the 小班 under the lower one
    ledger = rep["cheapest_pair_ledger"]
    county = next(u for u in ledger["units"] if u["name"] == "苏仙区")
    assert card.values["苏仙区:forest_stock_10k_m3"] == fmt_num(county["forest_stock_10k_m3"][1], 2)
    for side in ("upper", "lower", "pairs"):
        lid = specs[f"phes_{side}"].id
        assert win.registry.data[lid].frame["pair_id"].to_numpy()[win.registry.selected_rows(lid)].tolist() == [1]

    # the identify tool on the lower reservoir of pair #1: its own card
    lower = panel.frames["lower"]
    pt = shapely.point_on_surface(lower.geometry[lower["pair_id"] == 1].iloc[0])
    old = card.report
    click_lonlat(qtbot, win, pt.x, pt.y)
    qtbot.waitUntil(lambda: card.report is not old and card.report is not None, timeout=60_000)
    assert "· 下水库 · 苏仙区" in card.title.text()
    assert card.values["forest_area_ha"] == f"{fmt_num(p0['lower']['forest_area_ha'], 2)} 公顷"
    assert card.values["co2_t"] == f"{fmt_num(p0['lower']['co2_t'], 0)} 吨"
    assert panel.table.selectedItems()[0].row() == 0


@pytest.fixture
def window(app, qtbot):
    from sinkmap.core.project import Project
    from sinkmap.gui.mainwindow import MainWindow

    win = MainWindow(Project())
    win.quiet = True
    qtbot.addWidget(win)
    yield win
    win.close()


def test_bad_input_is_the_jobs_message_in_the_panel(window, qtbot, tmp_path, valleys_dir):
    panel = _open_panel(window)
    _use_files(panel, valleys_dir)
    # a drawn area chosen but none drawn
    panel.area_kind.setCurrentIndex(panel.area_kind.findData("drawn"))
    assert panel.run() is None and "地图上还没有绘制区域" in panel.error.text()
    # a county the DEM does not cover
    panel.set_county("长沙市", "岳麓区")
    panel.out_file.edit.setText(str(tmp_path / "nocover" / "phes.gpkg"))
    task = panel.run()
    assert task is not None and task.wait(120) and task.state == "failed"
    assert "未覆盖 岳麓区" in panel.error.text() and "Traceback" not in panel.error.text()
    assert not (tmp_path / "nocover").exists() and window.registry.project.layers == []
    # an energy no pair can hold: the run ends, without pairs, and the panel says why
    panel.set_county("郴州市", "苏仙区")
    panel.energy.setValue(5000)
    panel.out_file.edit.setText(str(tmp_path / "big" / "phes.gpkg"))
    task = panel.run()
    assert task is not None and task.wait(120) and task.state == "finished", task.error
    assert "没有组合能容纳 5000 GWh" in panel.error.text() and "Traceback" not in panel.error.text()
    assert panel.table.rowCount() == 0 and window.registry.project.layers == []
    assert panel.run_btn.isEnabled() and not panel.cancel_btn.isEnabled()


def test_panel_in_english(window, english):
    from sinkmap.gui.phes_panel import show_phes_panel

    panel = show_phes_panel(window)
    assert window.docks["phes"].windowTitle() == "Pumped-storage search"
    assert panel.run_btn.text() == "Run" and panel.area_kind.itemText(0) == "County"
    assert panel.rank.itemText(0) == "Cost (FOM)" and panel.pages.tabText(1) == "Results"
    assert panel.power.text() == "333 MW (33.3 万kW)"
    assert panel.table.horizontalHeaderItem(2).text() == "FOM\nUS$/kW"


def test_plan_stations_of_a_county(window, qtbot, tmp_path, capsys):
    """区县内规划抽水蓄能站周边: the job's --near-projects on the demo world from the panel — each plan station of
    苏仙区 searched within the radius with the plan's capacity × hours; the table names the station; the CLI run
    of the recorded parameters gives the same pairs."""
    panel = _open_panel(window)
    panel.set_county("郴州市", "苏仙区")
    panel.area_kind.setCurrentIndex(panel.area_kind.findData("projects"))
    assert panel.county.isEnabled() and panel.radius.isVisibleTo(panel)
    panel.radius.setValue(5.0)
    panel.top.setValue(3)
    panel.out_file.edit.setText(str(tmp_path / "stations" / "phes.gpkg"))
    task = panel.run()
    assert task is not None and task.wait(300) and task.state == "finished", task.error
    (run,) = window.registry.project.job_runs
    assert run.params["near_projects"] is True and run.params["radius_km"] == 5.0 and run.params["county"] == "苏仙区"
    report = panel.report
    (station,) = report.projects
    assert station["name"] == "苏仙小溪抽水蓄能项目" and station["energy_gwh"] == pytest.approx(490 * 10 * 6 / 1000)
    rep = _job_json(tmp_path, capsys, run.params)
    assert len(rep["pairs"]) == len(report.pairs) == panel.table.rowCount() >= 1
    for a, b in zip(rep["pairs"], report.pairs):
        assert (a["project"], a["rank"], a["cost_class"], a["head_m"]) == (b["project"], b["rank"], b["cost_class"],
                                                                          b["head_m"])
    assert panel.table.horizontalHeaderItem(0).text() == "规划站址"
    assert panel.table.item(0, 0).text() == "苏仙小溪抽水蓄能项目" and panel.table.item(0, 1).text() == "#1"
    assert panel.status.text().splitlines()[1].startswith("苏仙小溪抽水蓄能项目（苏仙区，29.4 GWh")
    names = [s.name for s in window.registry.project.layers]
    assert names == ["下水库：苏仙区 规划站址周边", "上水库：苏仙区 规划站址周边", "组合连线：苏仙区 规划站址周边"]
