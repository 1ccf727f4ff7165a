"""Site impacts at once (the kept preparation), the ledger after, and scenarios compared side by side — on the
岳麓区 fixture of tests/siting_world.py, whose areas are computed by hand (pyproj.Geod)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
import siting_world
from shapely.geometry import box

from sinkmap.cli import main
from sinkmap.core.feedback import NullFeedback
from sinkmap.jobs.base import LayerSource, run_job
from sinkmap.jobs.impact_cache import ImpactCache
from sinkmap.jobs.site_impact import SITE_IMPACT, SiteImpactRequest


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return siting_world.build(tmp_path_factory.mktemp("scen"))


def _req(d: Path, site: Path | None, **kw) -> SiteImpactRequest:
    return SiteImpactRequest(site=None if site is None else LayerSource(site), year=2030,
                             forest=LayerSource(d / "forest.gpkg"), wetland=LayerSource(d / "wetland.gpkg"),
                             protected=LayerSource(d / "protected.gpkg"), **kw)


def _json(report) -> str:
    """The report's JSON without the one thing a file-less run cannot name: the site file."""
    doc = report.to_json()
    for part in (doc, doc["ledger_before"], doc["ledger_after"]):
        part["inputs"].pop("site", None)
    return json.dumps(doc, sort_keys=True, ensure_ascii=False)


def _sites(path: Path):
    from sinkmap.io.vectors import read_vector

    return read_vector(path)  # as the job reads them


# -- the kept preparation ---------------------------------------------------------------------------------------

def test_cache_gives_the_jobs_report_and_reuses_the_preparation(world):
    d, _ = world
    cache = ImpactCache()
    for name in ("site_a.gpkg", "sites.gpkg"):  # same units (岳麓区 + 长沙市), same layers: one preparation
        job = run_job(SITE_IMPACT, _req(d, d / name), NullFeedback())
        kept = cache.run(_req(d, None), _sites(d / name), NullFeedback())
        assert _json(kept) == _json(job)
    assert (cache.misses, cache.hits, len(cache)) == (1, 1, 1)
    points = cache.run(_req(d, None, tech="wind"), _sites(d / "points.gpkg"), NullFeedback())
    job = run_job(SITE_IMPACT, _req(d, d / "points.gpkg", tech="wind"), NullFeedback())
    assert _json(points) == _json(job)  # the warning about the site outside every county said again


def test_cache_sees_a_layer_file_changed_on_disk(world, tmp_path):
    d, ha = world
    for name in ("forest.gpkg", "wetland.gpkg", "protected.gpkg"):
        (tmp_path / name).write_bytes((d / name).read_bytes())
    req = _req(tmp_path, None)
    cache = ImpactCache()
    first = cache.run(req, _sites(d / "site_a.gpkg"))
    assert first.total["forest_stock_10k_m3"] == pytest.approx(ha["a_forest"] * 100 / 1e4, rel=1e-5)
    forest = gpd.read_file(tmp_path / "forest.gpkg")
    forest["MEI_GQ_XJ"] = [200.0, 0.0]
    forest.to_file(tmp_path / "forest.gpkg")
    second = cache.run(req, _sites(d / "site_a.gpkg"))
    assert second.total["forest_stock_10k_m3"] == pytest.approx(ha["a_forest"] * 200 / 1e4, rel=1e-5)
    assert cache.misses == 2


def test_ledger_after_equals_the_ledger_of_the_cut_layers(world):
    """The after ledger (before − the union's measure in each unit) against compute_ledger on the layers
    with the footprints cut out and read again."""
    from sinkmap.analysis.ledger import compute_ledger
    from sinkmap.analysis.siting.impact import footprints, inputs_after, ledger_after, measure_sites
    from sinkmap.jobs.site_impact import _extent, _units_for, build_context

    d, _ = world
    req = _req(d, d / "sites.gpkg")
    sites = _sites(d / "sites.gpkg")
    fps = footprints(sites)
    zones, _ = _units_for(req, fps, ["A", "B"], NullFeedback())
    ctx = build_context(req, zones, _extent(zones, fps), NullFeedback())
    impact = measure_sites(ctx.base, fps, ["A", "B"])
    after = ledger_after(zones, impact, ctx.before_result)
    full = compute_ledger(zones, inputs_after(ctx.inputs, impact), ctx.options)
    assert [r["name"] for r in after.rows] == [r["name"] for r in full.rows] == ["长沙市", "岳麓区"]
    for a, f in zip(after.rows, full.rows):
        for key, value in a.items():
            if isinstance(value, float):
                assert value == pytest.approx(f[key], rel=1e-12, abs=1e-9), (a["name"], key)


# -- scenarios side by side ---------------------------------------------------------------------------------------

def test_compare_holds_each_scenarios_site_impact(world, tmp_path, capsys):
    """Two scenarios: A alone, and A with B (overlapping). The table's totals are the hand-computed areas and
    equal, like its ledger rows, what ``sinkmap site impact`` says of each scenario's file."""
    d, ha = world
    layers = ["--forest", str(d / "forest.gpkg"), "--wetland", str(d / "wetland.gpkg"), "--protected",
              str(d / "protected.gpkg")]
    assert main(["site", "compare", "--scenario", f"只A={d / 'site_a.gpkg'}", "--scenario", f"A与B={d / 'sites.gpkg'}",
                 "--year", "2030", *layers, "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    table = rep["table"]
    assert table["scenarios"] == ["只A", "A与B"]

    def row(section, key):
        return next(r for r in table["rows"] if r["section"] == section and r["key"] == key)["values"]

    assert row("total", "n_sites") == [1, 2]
    only_a, both = row("total", "forest_area_ha")
    assert only_a == pytest.approx(ha["a_forest"], rel=1e-5) and both == pytest.approx(ha["union_forest"], rel=1e-5)
    assert row("total", "forest_stock_10k_m3")[1] == pytest.approx(ha["union_forest"] * 100 / 1e4, rel=1e-5)
    assert row("total", "wetland_area_ha") == pytest.approx([ha["a_wetland"]] * 2, rel=1e-5)
    assert row("total", "protected_areas") == ["岳麓湿地保护区", "岳麓湿地保护区"]
    # 长沙市's stock after: F1's stock less the union's part of it
    stock_after = row("长沙市", "forest_stock_10k_m3")
    assert stock_after[1] == pytest.approx((ha["f1"] - ha["union_forest"]) * 100 / 1e4, rel=1e-5)

    for k, name in enumerate(("site_a.gpkg", "sites.gpkg")):
        assert main(["site", "impact", "--site", str(d / name), "--year", "2030", *layers, "--json"]) == 0
        job = json.loads(capsys.readouterr().out)
        for key in ("footprint_ha", "forest_area_ha", "forest_stock_10k_m3", "co2_t", "wetland_area_ha",
                    "protected_wetland_area_ha"):
            assert row("total", key)[k] == job["total"][key], key
        for unit in job["ledger_after"]["units"]:
            for a in unit["targets"]:
                assert row(unit["name"], a["indicator"])[k] == a["measured"], (unit["name"], a["indicator"])


def test_compare_writes_a_table_with_status_in_words(world, tmp_path, capsys):
    """A target that scenario A+B breaks and A alone does not: the status row says so, in both languages."""
    d, ha = world
    stock_before = ha["f1"] * 100 / 1e4
    target = round(stock_before - ha["a_forest"] * 100 / 1e4 - 0.05, 3)  # A alone stays above, A+B falls below
    targets = tmp_path / "t.csv"
    targets.write_text("city,year,indicator,value,comparator\n"
                       f"长沙市,2030,forest_stock_10k_m3,{target},ge\n", encoding="utf-8")
    out = tmp_path / "cmp.xlsx"
    assert main(["--lang", "zh", "site", "compare", "--scenario", f"只A={d / 'site_a.gpkg'}", "--scenario",
                 f"A与B={d / 'sites.gpkg'}", "--year", "2030", "--forest", str(d / "forest.gpkg"), "--targets",
                 str(targets), "--out", str(out)]) == 0
    capsys.readouterr()
    import pandas as pd

    df = pd.read_excel(out, dtype=object)
    status = df[(df["分区"] == "长沙市") & (df["项目"] == "森林蓄积量达标情况")].iloc[0]
    assert status["只A"] == "达标" and status["A与B"] == "由达标变为未达标"
    assert status["目标"] == f"≥ {target:g} 万m³"
    changes = df[df["项目"] == "目标状态变化"].iloc[0]
    assert changes["只A"] == "无目标状态变化" and "长沙市 2030 年森林蓄积量降至" in changes["A与B"]


def test_compare_refuses_clearly(world, tmp_path, capsys):
    d, _ = world
    assert main(["site", "compare", "--scenario", f"x={tmp_path / 'nope.gpkg'}", "--year", "2030"]) != 0
    assert "nope.gpkg" in capsys.readouterr().err
    assert main(["site", "compare", "--scenario", f"x={d / 'site_a.gpkg'}"]) != 0
    assert "--year" in capsys.readouterr().err
    empty = tmp_path / "empty.sinkmap"
    from sinkmap.core.project import Project
    from sinkmap.io.project_file import save_project

    save_project(Project(), empty)
    assert main(["site", "compare", "--project", str(empty)]) != 0
    err = capsys.readouterr().err
    assert "no siting scenario" in err and "Traceback" not in err


# -- scenarios in the project ----------------------------------------------------------------------------------

def _two_scenarios():
    from sinkmap.analysis.siting.scenarios import Scenario

    x, y = siting_world.origin()
    a = Scenario("方案甲", 2030)
    a.add_site(box(x, y - 500, x + 500, y + 1000), crs="EPSG:4547", name="A")
    a.add_site(gpd.points_from_xy([x + 500], [y + 500], crs="EPSG:4547")[0], crs="EPSG:4547", tech="wind")
    b = Scenario("方案乙", 2025, unit="长沙市")
    b.add_site(box(x + 250, y, x + 750, y + 1000), crs="EPSG:4547", tech="pv", capacity_mw=12.5)
    return a, b


def test_scenarios_round_trip_through_the_project_file(tmp_path):
    from sinkmap.analysis.siting.scenarios import scenarios_from_docs
    from sinkmap.core.project import Project
    from sinkmap.io.project_file import load_project, save_project

    a, b = _two_scenarios()
    project = Project()
    project.set_scenarios([a.to_doc(), b.to_doc()], current="方案乙")
    save_project(project, tmp_path / "p.sinkmap")
    back = load_project(tmp_path / "p.sinkmap")
    assert back.current_scenario == "方案乙"
    a2, b2 = scenarios_from_docs(back.scenarios)
    for old, new in ((a, a2), (b, b2)):
        assert (new.name, new.year, new.unit) == (old.name, old.year, old.unit)
        assert list(new.sites["name"]) == list(old.sites["name"])
        assert list(new.sites["tech"]) == list(old.sites["tech"])
        assert new.sites["capacity_mw"].fillna(-1).tolist() == old.sites["capacity_mw"].fillna(-1).tolist()
        assert all(g1.equals_exact(g2, 0) for g1, g2 in zip(old.sites.geometry, new.sites.geometry))  # bit for bit
        assert new.sites.crs.to_epsg() == 4490
    assert a2.sites["name"].tolist() == ["A", "场址2"]
    assert b2.to_doc() == b.to_doc()


def test_a_project_scenario_is_compared_like_its_sites(world, tmp_path, capsys):
    from sinkmap.core.project import Project
    from sinkmap.io.project_file import save_project

    d, ha = world
    a, _ = _two_scenarios()
    project = Project()
    project.set_scenarios([a.to_doc()])
    save_project(project, tmp_path / "p.sinkmap")
    assert main(["site", "compare", "--project", str(tmp_path / "p.sinkmap"), "--forest", str(d / "forest.gpkg"),
                 "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    forest = next(r for r in rep["table"]["rows"] if r["key"] == "forest_area_ha")["values"][0]
    # A's forest and the half of the 1 ha wind turbine circle (centred on A's east edge, inside F1) outside A
    assert forest == pytest.approx(ha["a_forest"] + 0.5, abs=0.002)
    assert rep["scenarios"] == [{"name": "方案甲", "year": 2030, "unit": None, "sites": 2}]


# -- hostile scenario content in a project file ---------------------------------------------------------------

def _doc(tmp_path) -> dict:
    from sinkmap.core.project import Project
    from sinkmap.io.project_file import project_to_dict

    a, b = _two_scenarios()
    p = Project()
    p.set_scenarios([a.to_doc(), b.to_doc()], current="方案甲")
    return project_to_dict(p, tmp_path)


def _refused(tmp_path, doc, *words):
    from sinkmap.core.errors import InputError
    from sinkmap.io.project_file import load_project

    path = tmp_path / "bad.sinkmap"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_project(path)
    text = str(info.value)
    assert str(path) in text and "Traceback" not in text
    for w in words:
        assert w in text, (w, text)


S0 = "scenarios[0]"
F0 = "scenarios[0].sites.features[0]"


@pytest.mark.parametrize("edit,key", [
    (lambda d: d.update(scenarios="x"), "scenarios"),
    (lambda d: d["scenarios"][0].update(name=3), f"{S0}.name"),
    (lambda d: d["scenarios"][0].update(name=""), f"{S0}.name"),
    (lambda d: d["scenarios"][0].update(name="a\x00b"), f"{S0}.name"),
    (lambda d: d["scenarios"][1].update(name="方案甲"), "scenarios[1].name"),
    (lambda d: d["scenarios"][0].update(year="2030"), f"{S0}.year"),
    (lambda d: d["scenarios"][0].update(year=1800), f"{S0}.year"),
    (lambda d: d["scenarios"][0].update(year=True), f"{S0}.year"),
    (lambda d: d["scenarios"][0].update(unit="不存在市"), f"{S0}.unit"),
    (lambda d: d["scenarios"][0].update(crs="EPSG:4326"), f"{S0}.crs"),
    (lambda d: d["scenarios"][0].update(sites=[]), f"{S0}.sites"),
    (lambda d: d["scenarios"][0]["sites"].update(features="x"), f"{S0}.sites.features"),
    (lambda d: d["scenarios"][0]["sites"]["features"].__setitem__(0, 7), F0),
    (lambda d: d["scenarios"][0]["sites"]["features"][0]["geometry"].update(type="LineString"), f"{F0}.geometry.type"),
    (lambda d: d["scenarios"][0]["sites"]["features"][0].update(geometry=None), f"{F0}.geometry"),
    (lambda d: d["scenarios"][0]["sites"]["features"][0]["geometry"]["coordinates"][0][0].__setitem__(0, float("nan")),
     f"{F0}.geometry.coordinates[0][0]"),
    (lambda d: d["scenarios"][0]["sites"]["features"][0]["geometry"]["coordinates"][0][1].__setitem__(1, 500.0),
     f"{F0}.geometry.coordinates[0][1]"),
    (lambda d: d["scenarios"][0]["sites"]["features"][0]["geometry"]["coordinates"][0].pop(),
     f"{F0}.geometry.coordinates[0]"),
    (lambda d: d["scenarios"][0]["sites"]["features"][0]["geometry"].update(coordinates=[[[113, 28], [113.1, 28]]]),
     f"{F0}.geometry.coordinates[0]"),
    (lambda d: d["scenarios"][0]["sites"]["features"][0]["geometry"].update(coordinates="113,28"),
     f"{F0}.geometry.coordinates"),
    (lambda d: d["scenarios"][0]["sites"]["features"][1]["properties"].update(tech="solar"),
     "scenarios[0].sites.features[1].properties.tech"),
    (lambda d: d["scenarios"][1]["sites"]["features"][0]["properties"].update(capacity_mw=-5),
     "scenarios[1].sites.features[0].properties.capacity_mw"),
    (lambda d: d["scenarios"][1]["sites"]["features"][0]["properties"].update(capacity_mw="big"),
     "scenarios[1].sites.features[0].properties.capacity_mw"),
    (lambda d: d["scenarios"][0]["sites"]["features"][0].update(properties=[1]), f"{F0}.properties"),
    (lambda d: d.update(current_scenario=5), "current_scenario"),
])
def test_hostile_scenarios_refused(tmp_path, edit, key):
    doc = _doc(tmp_path)
    edit(doc)
    _refused(tmp_path, doc, key)


def test_too_many_sites_or_vertices_refused(tmp_path, monkeypatch):
    from sinkmap.io import scenario_doc

    doc = _doc(tmp_path)
    monkeypatch.setattr(scenario_doc, "MAX_SITES", 1)
    _refused(tmp_path, doc, f"{S0}.sites.features", "at most 1 sites")
    monkeypatch.setattr(scenario_doc, "MAX_SITES", 5000)
    monkeypatch.setattr(scenario_doc, "MAX_POSITIONS", 4)
    _refused(tmp_path, doc, "vertices")


def test_a_stored_scenario_that_is_good_opens(tmp_path):
    from sinkmap.io.project_file import load_project

    doc = _doc(tmp_path)
    doc["current_scenario"] = "gone"  # a name no scenario has: no current scenario, not an error
    path = tmp_path / "ok.sinkmap"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    project = load_project(path)
    assert [d["name"] for d in project.scenarios] == ["方案甲", "方案乙"] and project.current_scenario is None


def test_scenario_names_and_sites_checked_when_made():
    from sinkmap.analysis.siting.scenarios import Scenario
    from sinkmap.core.errors import InputError

    with pytest.raises(InputError) as info:
        Scenario("a\nb", 2030)
    assert info.value.code == "analysis.siting.scenario.bad_name"
    s = Scenario("x", 2030)
    with pytest.raises(InputError) as info:
        s.add_site(box(113, 28, 113.01, 28.01), tech="solar")
    assert info.value.code == "analysis.siting.unknown_site_tech"
    from shapely.geometry import LineString

    with pytest.raises(InputError) as info:
        s.add_site(LineString([(113, 28), (113.01, 28.01)]))
    assert info.value.code == "analysis.siting.not_polygon_or_point"
    assert len(s) == 0


def test_a_site_layers_own_technology_and_capacity(world):
    """Points carrying tech/capacity_mw fields take their own footprints (the --tech flag fills the rest);
    a technology or capacity that is not one is a coded message naming the site."""
    from sinkmap.analysis.siting.impact import footprints
    from sinkmap.core.errors import InputError

    x, y = siting_world.origin()
    pts = gpd.GeoDataFrame({"tech": ["pv", None, "wind"], "capacity_mw": [10.0, None, None]},
                           geometry=gpd.points_from_xy([x, x + 3000, x + 6000], [y, y, y]), crs="EPSG:4547")
    fps = footprints(pts, tech="phes")
    from sinkmap.core.crs import M2_PER_HA

    assert [round(a / M2_PER_HA, 6) for a in fps.area] == [20.0, 240.0, pytest.approx(1.0, rel=1e-3)]
    with pytest.raises(InputError) as info:
        footprints(pts.assign(tech=["光伏", None, None]), tech="pv")
    assert info.value.code == "analysis.siting.unknown_site_tech" and "光伏" in str(info.value)
    with pytest.raises(InputError) as info:
        footprints(pts.assign(capacity_mw=["很多", None, None]), tech="pv")
    assert info.value.code == "analysis.siting.bad_capacity"
