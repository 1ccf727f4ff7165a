"""The 新能源选址 (Renewable siting) panel: rules, weights, the live histogram, and a run on 芙蓉区 of the demo world.

The run uses the shared demo world (the user's data folder, built once) and a small county (芙蓉区, ~6 000 cells
at the demo DEM's 3″), so it takes about ten seconds.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import rasterio
import yaml
from PySide6.QtCore import Qt

from sinkmap.analysis.siting.live import ScoreCache
from sinkmap.analysis.siting.rules import bundled_file, load_rules, rules_for
from sinkmap.core.project import Project

from identify_helpers import click_lonlat, panel_texts, shown_window  # noqa: E402

COUNTY = "芙蓉区"


def _open_panel(win):
    """The panel, opened as a user does: 任务 › 选址 › 新能源选址…"""
    actions = {}

    def walk(menu):
        for action in menu.actions():
            if action.menu() is not None:
                walk(action.menu())
            else:
                actions[action.objectName()] = (action, menu.title())
    walk(win.job_menu)
    action, section = actions["job:site.run"]
    assert section == "选址" and action.text() == "新能源选址…"
    action.trigger()
    assert win.docks["siting"].isVisibleTo(win) and win.docks["siting"].windowTitle() == "新能源选址"
    return win.siting_panel


@pytest.fixture
def window(app, qtbot):
    from sinkmap.gui.mainwindow import MainWindow

    win = MainWindow(Project())
    win.quiet = True
    qtbot.addWidget(win)
    yield win
    win.close()


def _file_rules(tech: str) -> list[dict]:
    """The rules of ``tech`` read straight from layers/siting_rules.yaml (not through the loader)."""
    rows = yaml.safe_load(bundled_file().read_text(encoding="utf-8"))["rules"]

    def techs(row):
        t = row["tech"] if isinstance(row["tech"], list) else [row["tech"]]
        return {"pv", "wind", "phes"} if "all" in t else set(t)
    return [r for r in rows if r.get("enabled", True) and tech in techs(r)]


def test_rule_list_is_the_rules_file_for_the_technology(window):
    panel = _open_panel(window)
    for tech in ("pv", "wind"):
        panel.tech.setCurrentIndex(panel.tech.findData(tech))
        expected = _file_rules(tech)
        assert panel.rules.rule_ids() == [r["id"] for r in expected]
        for i, row in enumerate(expected):
            item = panel.rules.item(i)
            head, clause = item.text().split("\n", 1)
            assert head.startswith(row["id"] + " · ") and row["citation"]["document"] in head
            assert clause == row["citation"]["clause_zh"]
            assert ("未核实" in head) == (not row.get("verified", False))
            effect = {"exclude": "排除", "limit": "限制", "prefer": "优先", "include": "强制纳入"}[row["effect"]]
            assert head.split(" · ")[1].startswith(effect)
            assert item.checkState() == Qt.CheckState.Checked
    assert [panel.tech.itemText(i) for i in range(panel.tech.count())] == ["光伏", "风电"]


def test_unchecked_rule_is_switched_off_in_the_jobs_request(window, tmp_path):
    from sinkmap.jobs.registry import get

    panel = _open_panel(window)
    panel.set_unit("长沙市", COUNTY)
    job = get("site.run")
    raw = panel.prepare_run(tmp_path / "all")
    assert raw["rules"] == [] and raw["county"] == COUNTY and raw["tech"] == "pv"
    panel.rules.set_checked("pv_jbnt", False)
    panel.rules.set_checked("pv_gengdi", False)
    assert panel.rules_state.text() == f"{panel.rules.count()} 条规则，停用 2 条"
    request = job.make_request(panel.prepare_run(tmp_path / "two_off"))
    applied = [r.id for r in rules_for(load_rules(request.rules), "pv")]
    assert applied == [i for i in panel.rules.rule_ids() if i not in ("pv_jbnt", "pv_gengdi")]
    # the weights shown are the weights the job reads
    assert yaml.safe_load(request.weights.read_text(encoding="utf-8"))["weights"] == panel.weights()


def test_weights_not_summing_to_one_disable_run(window, tmp_path):
    panel = _open_panel(window)
    assert list(panel.spins) == ["slope", "aspect", "substation", "road", "landcover"]  # the demo world's criteria
    assert panel.weights_ok() and panel.run_btn.isEnabled() and panel.sum_label.text() == "合计 1.000"
    panel.set_weight("slope", 0.5)
    assert not panel.weights_ok() and not panel.run_btn.isEnabled()
    total = sum(panel.weights().values())
    assert panel.sum_label.text().startswith(f"权重之和为 {total:.3f}，而不是 1")
    panel.out_dir.edit.setText(str(tmp_path / "never"))
    assert panel.run() is None and "权重之和为" in panel.error.text()
    assert not (tmp_path / "never").exists()
    panel.normalise()
    assert panel.weights_ok() and panel.run_btn.isEnabled()
    assert abs(sum(panel.weights().values()) - 1) < 1e-9
    assert panel.weights()["slope"] == pytest.approx(0.5 / total, abs=0.001)


def test_ahp_comparisons_set_the_weights(window):
    from sinkmap.gui.siting_widgets import AhpDialog

    panel = _open_panel(window)
    dialog = AhpDialog(list(panel.spins), panel)  # what 层次分析法… opens (modal): driven directly
    # a consistent matrix from priorities slope 4 : aspect 2 : substation 1 : road 1 : land cover 2
    assert list(panel.spins) == ["slope", "aspect", "substation", "road", "landcover"]
    for (r, c), text in {(0, 1): "2", (0, 2): "4", (0, 3): "4", (0, 4): "2", (1, 2): "2", (1, 3): "2",
                         (1, 4): "1", (2, 3): "1", (2, 4): "1/2", (3, 4): "1/2"}.items():
        dialog.set_judgement(r, c, text)
    assert dialog.table.item(2, 0).text() == "1/4"
    expected = {"slope": 0.4, "aspect": 0.2, "substation": 0.1, "road": 0.1, "landcover": 0.2}
    assert dialog.weights == pytest.approx(expected)
    assert "CR = 0.000" in dialog.result.text()
    panel.apply_ahp(dialog.weights)
    assert panel.weights() == pytest.approx(expected)
    dialog.set_judgement(0, 1, "-3")
    assert dialog.weights is None and "不是正数" in dialog.result.text()


def _synthetic_cache(shape=(24, 30), seed=7) -> ScoreCache:
    rng = np.random.default_rng(seed)
    crit = {n: rng.random(shape).astype(np.float32) for n in ("slope", "aspect", "substation", "road", "landcover")}
    crit["road"][3, :5] = np.nan  # a criterion without data on a few cells
    incl = np.where(rng.random(shape) < 0.25, 0.0, 1.0)
    incl[:4, :] = rng.random((4, shape[1]))  # partly included rows
    incl[-2:, :] = np.nan  # outside the unit
    inside = np.isfinite(incl)
    return ScoreCache(crit, incl, inside, inside & (incl <= 0), np.full(shape, 0.5), "pv", "甲县")


def _numpy_histogram(cache, weights):
    """Σwᵢsᵢ × inclusion on the cached arrays, by hand; the open cells (inclusion > 0) with a score, binned."""
    total = sum(weights.values())
    score = sum((w / total) * cache.criteria[n].astype(np.float64) for n, w in weights.items())
    score = (score * cache.inclusion).astype(np.float32)
    ok = cache.inside & (cache.inclusion > 0) & np.isfinite(score)
    cells, _ = np.histogram(score[ok], bins=10, range=(0, 1))
    ha, _ = np.histogram(score[ok], bins=10, range=(0, 1), weights=cache.cell_ha[ok])
    return cells, ha


def test_live_histogram_follows_the_weights(window, qtbot):
    panel = _open_panel(window)
    assert panel.histogram.hist is None and "运行一次后" in panel.histogram.empty_text
    panel.cache = _synthetic_cache()
    panel.set_weight("road", 0.3)  # sum ≠ 1: a preview with the weights rescaled
    qtbot.waitUntil(lambda: not panel._live_timer.isActive(), timeout=2000)
    cells, ha = _numpy_histogram(panel.cache, panel.weights())
    assert list(panel.hist.cells) == list(cells) and np.allclose(panel.hist.hectares, ha)
    assert "按归一化后的权重预览" in panel.hist_title.text()
    panel.normalise()
    panel.set_weight("slope", panel.spins["slope"].value() - 0.1)
    panel.set_weight("aspect", panel.spins["aspect"].value() + 0.1)
    qtbot.waitUntil(lambda: not panel._live_timer.isActive(), timeout=2000)
    assert panel.weights_ok()
    cells, ha = _numpy_histogram(panel.cache, panel.weights())
    assert list(panel.hist.cells) == list(cells) and np.allclose(panel.hist.hectares, ha)
    assert panel.histogram.hist is panel.hist and "甲县" in panel.hist_title.text()
    excluded = panel.cache.inside & (panel.cache.inclusion <= 0)
    assert panel.hist.excluded_cells == int(excluded.sum())
    assert f"排除 {0.5 * excluded.sum():,.0f} 公顷" in panel.hist_note.text()


def test_missing_dem_is_the_jobs_message_in_the_panel(window, qtbot, tmp_path, counties_gpkg):
    from sinkmap.jobs.base import LayerSource

    panel = _open_panel(window)
    panel.set_unit("长沙市", COUNTY)
    farmland = panel.inputs["farmland"]  # one layer of the user's: no demo world, so no DEM either
    farmland.combo.setCurrentIndex(farmland.combo.count() - 1)  # 文件…
    farmland.path.edit.setText(str(counties_gpkg))
    assert farmland.value() == LayerSource(counties_gpkg)
    assert list(panel.spins) == ["slope", "aspect"]  # no roads, no substations given
    panel.out_dir.edit.setText(str(tmp_path / "run"))
    task = panel.run()
    assert task is not None and task.wait(120)
    assert task.state == "failed"
    assert not panel.error.isHidden() and "适宜性评价需要 DEM" in panel.error.text()
    assert "Traceback" not in panel.error.text()
    assert not (tmp_path / "run").exists()  # what the panel wrote for the run is gone again
    assert window.registry.project.layers == [] and window.registry.project.job_runs == []
    assert panel.run_btn.isEnabled() and not panel.cancel_btn.isEnabled()


def test_cancel_then_run_on_a_county_adds_the_three_layers(app, qtbot, tmp_path):
    win = shown_window(qtbot)
    try:
        _run_and_check(win, qtbot, tmp_path)
    finally:
        win.close()


def _run_and_check(win, qtbot, tmp_path):
    panel = _open_panel(win)
    panel.set_unit("长沙市", COUNTY)
    panel.max_area.setValue(30)
    panel.capacity.setValue(40)
    # Cancel: nothing is added, nothing left behind
    panel.out_dir.edit.setText(str(tmp_path / "cancelled"))
    task = panel.run()
    assert task is not None and not panel.run_btn.isEnabled() and panel.cancel_btn.isEnabled()
    panel.cancel_btn.click()
    assert task.wait(120) and task.state == "cancelled"
    assert panel.status.text() == "已取消，未作任何更改" and not (tmp_path / "cancelled").exists()
    assert win.registry.project.layers == [] and panel.run_btn.isEnabled()

    out = tmp_path / "run"
    panel.out_dir.edit.setText(str(out))
    task = panel.run()
    assert task.wait(300) and task.state == "finished", task.error
    project = win.registry.project
    (run,) = project.job_runs
    assert run.job == "site.run" and run.params["county"] == COUNTY and run.data == "synthetic_demo"
    specs = {s.role: s for s in project.layers}
    assert set(specs) == {"siting_exclusions", "siting_suitability", "siting_regions"}
    assert all(s.produced_by == run.id for s in specs.values())
    assert specs["siting_suitability"].name == f"适宜性：{COUNTY} 光伏"
    assert specs["siting_suitability"].style.ramp == "suitability"
    assert specs["siting_exclusions"].style.ramp == "siting"
    assert specs["siting_regions"].style.label_field == "label" and specs["siting_regions"].layer == "regions"
    assert [s.role for s in project.layers] == ["siting_exclusions", "siting_suitability", "siting_regions"]
    assert "候选区" in panel.status.text() and "演示数据" in panel.status.text()
    assert panel.progress.value() == 1000
    # the demo world (v3) has every layer and field the PV rules read: no rule is marked as not applied
    texts = [panel.messages.item(i).text() for i in range(panel.messages.count())]
    assert not any("未执行" in t for t in texts)
    assert not any("本次未执行" in panel.rules.item(i).text() for i in range(panel.rules.count()))
    qtbot.waitUntil(lambda: all(s.id in win.registry.data for s in project.layers), timeout=30_000)
    qtbot.waitUntil(win.canvas.is_idle, timeout=30_000)
    # the legend of the suitability: five classes of the ramp
    (entry,) = [e for e in win.canvas.legend_entries() if e[0] == specs["siting_suitability"].name]
    assert [t for _c, t in entry[3]] == ["0.8–1", "0.6–0.8", "0.4–0.6", "0.2–0.4", "0–0.2"]

    # the live histogram on the run's own criteria, after a weight change, against numpy on the files
    assert panel.cache is not None and panel.cache.names == list(panel.spins)
    panel.set_weight("slope", panel.spins["slope"].value() + 0.2)
    qtbot.waitUntil(lambda: not panel._live_timer.isActive(), timeout=2000)
    with rasterio.open(out / "criteria.tif") as ds:
        crit = {n: ds.read(k + 1, masked=True) for k, n in enumerate(ds.descriptions)}
    with rasterio.open(out / "exclusions.tif") as ds:
        incl = ds.read(1, masked=True)
    w = panel.weights()
    total = sum(w.values())
    score = sum((w[n] / total) * np.ma.filled(c.astype(np.float64), np.nan) for n, c in crit.items())
    inc = np.ma.filled(incl.astype(np.float64), np.nan)
    score = (score * inc).astype(np.float32)
    ok = np.isfinite(inc) & (inc > 0) & np.isfinite(score)
    cells, _ = np.histogram(score[ok], bins=10, range=(0, 1))
    assert list(panel.hist.cells) == list(cells) and cells.sum() > 100  # 芙蓉区 is mostly built-up (excluded)

    # identify on an excluded cell names the rules, their documents and clauses
    with rasterio.open(out / "exclusions.tif") as ds:
        inclusion, bits = ds.read(1), ds.read(2)
        table = {r["bit"]: r for r in json.loads(ds.tags()["SITING_RULES"])}
        rows, cols = np.nonzero((inclusion == 0) & (bits > 0))
        k = len(rows) // 2
        lon, lat = ds.xy(rows[k], cols[k])
        mask = int(bits[rows[k], cols[k]])
    expected = [table[b] for b in sorted(table) if mask >> b & 1]
    results = click_lonlat(qtbot, win, lon, lat)
    (entry,) = [rows_ for lid, _name, rows_ in results if lid == specs["siting_exclusions"].id]
    assert [r.id for r in entry[0]["rules"]] == [r["id"] for r in expected]
    texts = panel_texts(win)
    assert any(expected[0]["document"] in t and expected[0]["clause_zh"] in t for t in texts)

    # the project keeps the layers and the run (repeatable: its weights and rules files are in the folder)
    from sinkmap.io import project_file
    from sinkmap.jobs.registry import get
    from sinkmap.jobs.runs import request_of

    loaded = project_file.load_project(project_file.save_project(project, tmp_path / "p.sinkmap"))
    assert [(s.role, s.style.ramp, s.style.label_field) for s in loaded.layers] == [
        (s.role, s.style.ramp, s.style.label_field) for s in project.layers]
    request = request_of(get("site.run"), loaded.last_run("site.run"))
    assert request.weights == out / "weights.yaml" and request.out == out and request.max_area_ha == 30


def test_panel_in_english(window, english):
    from sinkmap.gui.siting_panel import show_siting_panel

    panel = show_siting_panel(window)
    assert window.docks["siting"].windowTitle() == "Renewable siting"
    assert panel.run_btn.text() == "Run" and panel.tech.itemText(0) == "PV"
    assert panel.weight_grid.itemAtPosition(0, 0).widget().text() == "Slope"
    head = panel.rules.item(0).text().split("\n")[0]
    assert " · exclude · " in head and "unverified" in head
    panel.set_weight("slope", 0.9)
    assert panel.sum_label.text().startswith("the weights sum to")
