"""site.suitability and site.regions on the demo world, for one small county (芙蓉区: about 6 000 cells)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sinkmap.cli import main
from sinkmap.core.errors import InputError
from sinkmap.core.feedback import ensure
from sinkmap.jobs import registry
from sinkmap.jobs.base import apply_demo_world, run_job

COUNTY = "芙蓉区"


def _run(job_id, tmp_path, name, **values):
    job = registry.get(job_id)
    out = tmp_path / name
    report = run_job(job, job.make_request({"tech": "pv", "county": COUNTY, "out": str(out), **values}))
    return report, out


@pytest.fixture(scope="module")
def suitability(tmp_path_factory):
    return _run("site.suitability", tmp_path_factory.mktemp("suit"), "s.tif")


def test_suitability_geotiff_bands_values_and_tags(suitability):
    import rasterio

    report, out = suitability
    assert report.synthetic and out.exists()
    with rasterio.open(out) as ds:
        assert ds.count == 2 and ds.descriptions == ("suitability", "excluding_rules")
        s, mask = ds.read(1, masked=True), ds.read(2, masked=True)
        tags = ds.tags()
    assert s.count() > 1000 and 0 <= s.min() and s.max() <= 1
    assert s.max() > 0
    excluded = (mask.filled(0) != 0)
    assert excluded.any() and np.all(s.filled(0)[excluded] == 0)
    table = json.loads(tags["SITING_RULES"])
    assert [r["bit"] for r in table] == list(range(len(table))) and all(r["document"] for r in table)
    bits = np.unique(mask.compressed().astype(np.uint64))
    assert int(np.bitwise_or.reduce(bits)) >> len(table) == 0
    weights = json.loads(tags["SITING_WEIGHTS"])
    assert set(weights) == {"slope", "aspect", "substation", "road"} and sum(weights.values()) == pytest.approx(1)
    assert {c["name"] for c in json.loads(tags["SITING_CRITERIA"])} == set(weights)
    data = report.to_json()
    assert data["weights"] == weights and len(data["histogram"]) == 10
    assert sum(b["cells"] for b in data["histogram"]) == s.count()
    assert any(c["applied"] and c["cells"] > 0 and c["hectares"] > 0 for c in data["counts"])
    json.dumps(data, ensure_ascii=False)


def test_suitability_is_zero_where_the_inclusion_is_zero():
    from sinkmap.jobs.site_suitability import compute_suitability

    job = registry.get("site.suitability")
    req, _ = apply_demo_world(job, job.make_request({"tech": "pv", "county": COUNTY, "out": "x.tif"}), ensure(None))
    res = compute_suitability(req, ensure(None))
    ex = res.exclusions
    closed = ex.inside & (ex.inclusion <= 0)
    assert closed.any() and np.all(res.score[closed] == 0)
    assert np.all(res.band2[~closed] == 0) and np.all(res.band2[closed] != 0)
    partly = ex.inside & (ex.inclusion > 0) & np.isfinite(res.score)
    assert np.all(res.score[partly] <= ex.inclusion[partly] + 1e-6)


def test_weights_not_summing_to_one_name_the_sum(tmp_path):
    w = tmp_path / "w.yaml"
    w.write_text("weights: {slope: 0.3, aspect: 0.2, substation: 0.3, road: 0.1}\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        _run("site.suitability", tmp_path, "w.tif", weights=str(w))
    assert err.value.code == "analysis.siting.weights_sum" and "0.9" in err.value.render("en")
    assert "0.9" in err.value.render("zh_CN")


def test_inconsistent_ahp_matrix_warns_with_its_cr(tmp_path):
    import rasterio

    w = tmp_path / "ahp.yaml"
    w.write_text("pairwise:\n  criteria: [slope, aspect, substation, road]\n"
                 "  matrix:\n    - [1, 9, 1/9, 1]\n    - [1/9, 1, 9, 1]\n    - [9, 1/9, 1, 1]\n    - [1, 1, 1, 1]\n"
                 .replace("1/9", "0.1111111"), encoding="utf-8")
    report, out = _run("site.suitability", tmp_path, "a.tif", weights=str(w))
    warn = [x for x in report.warnings if x.code == "analysis.siting.ahp_inconsistent"]
    assert warn and report.ahp["cr"] > 0.1 and warn[0].params["cr"] == f"{report.ahp['cr']:.3f}"
    with rasterio.open(out) as ds:
        tags = ds.tags()
    assert float(tags["SITING_AHP_CR"]) == pytest.approx(report.ahp["cr"], rel=1e-4)
    assert sum(json.loads(tags["SITING_WEIGHTS"]).values()) == pytest.approx(1)


def test_regions_meet_the_capacity_goal_and_the_minimum_area(tmp_path):
    import geopandas as gpd

    goal = 50.0
    report, out = _run("site.regions", tmp_path, "r.gpkg", capacity_mw=goal, min_area_ha=5.0, max_area_ha=100.0,
                       threshold=0.5)
    gdf = gpd.read_file(out, layer="regions")
    assert gdf.crs.to_epsg() == 4490 and len(gdf) == len(report.regions)
    if any(w.code == "analysis.siting.goal_not_met" for w in report.warnings):
        assert gdf["capacity_mw"].sum() < goal
    else:
        assert len(gdf) and gdf["capacity_mw"].sum() >= goal
        assert gdf["capacity_mw"].iloc[:-1].sum() < goal  # taken until the goal, not beyond
    assert (gdf["area_ha"] >= 5.0).all() and (gdf["area_ha"] <= 100.0 + 1e-6).all()
    assert {"mean_score", "mean_slope", "mean_road"} <= set(gdf.columns)
    assert list(gdf["region_id"]) == list(range(1, len(gdf) + 1))
    assert report.to_json()["regions"][0]["region_id"] == 1


def test_regions_goal_not_met_warns(tmp_path):
    report, out = _run("site.regions", tmp_path, "g.gpkg", capacity_mw=1e5, min_area_ha=5.0)
    assert any(w.code == "analysis.siting.goal_not_met" for w in report.warnings)
    assert report.total_capacity_mw < 1e5


def test_help_in_both_languages(capsys):
    with pytest.raises(SystemExit):
        main(["--lang", "zh", "site", "suitability", "--help"])
    zh = capsys.readouterr().out
    assert "用法" in zh and "--weights" in zh and "层次分析法" in zh
    with pytest.raises(SystemExit):
        main(["site", "suitability", "--help", "--lang=en"])
    en = capsys.readouterr().out
    assert "--resource" in en and "(AHP)" in en and "权重" not in en
    with pytest.raises(SystemExit):
        main(["site", "regions", "--help", "--lang=en"])
    assert "--capacity-mw" in capsys.readouterr().out


def test_resource_raster_adds_a_criterion_scored_within_the_unit(tmp_path):
    from sinkmap.demo.generate import demo_layers, ensure_demo

    dem = demo_layers(ensure_demo())["dem"][0]  # any raster covering the unit stands in for GHI here
    report, out = _run("site.suitability", tmp_path, "res.tif", resource=str(dem))
    assert report.synthetic and "resource" in report.weights and sum(report.weights.values()) == pytest.approx(1)
    info = next(c for c in report.criteria if c["name"] == "resource")
    assert info["low"] < info["high"] and info["percentiles"] == [5.0, 95.0]
