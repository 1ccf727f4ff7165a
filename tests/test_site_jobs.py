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
    assert set(weights) == {"slope", "aspect", "substation", "road", "landcover"}
    assert sum(weights.values()) == pytest.approx(1) and tags["SITING_METHOD"] == "sum"
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
    w.write_text("weights: {slope: 0.3, aspect: 0.2, substation: 0.2, road: 0.1, landcover: 0.1}\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        _run("site.suitability", tmp_path, "w.tif", weights=str(w))
    assert err.value.code == "analysis.siting.weights_sum" and "0.9" in err.value.render("en")
    assert "0.9" in err.value.render("zh_CN")


def test_inconsistent_ahp_matrix_warns_with_its_cr(tmp_path):
    import rasterio

    w = tmp_path / "ahp.yaml"
    w.write_text("pairwise:\n  criteria: [slope, aspect, substation, road, landcover]\n"
                 "  matrix:\n    - [1, 9, 1/9, 1, 1]\n    - [1/9, 1, 9, 1, 1]\n    - [9, 1/9, 1, 1, 1]\n"
                 "    - [1, 1, 1, 1, 1]\n    - [1, 1, 1, 1, 1]\n"
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
    # where the data came from, in the file (the field package labels the layer by it)
    import pyogrio

    from sinkmap.jobs.export_package import _classify

    meta = pyogrio.read_info(out, layer="regions")["layer_metadata"]
    assert meta["SINKMAP_DATA"] == "synthetic_demo" and meta["SITING_TECH"] == "pv"
    assert _classify(out, "regions", "vector") == ("siting_regions", True, True)


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


# -- --method, the criteria section, the land-cover criterion (issue 11) --------------------------------------

def _compute(after_demo=None, **values):
    """compute_suitability on the demo world; ``after_demo``: request fields replaced once the demo filled it."""
    from dataclasses import replace

    from sinkmap.jobs.site_suitability import compute_suitability

    job = registry.get("site.suitability")
    req, _ = apply_demo_world(job, job.make_request({"tech": "pv", "county": COUNTY, "out": "x.tif", **values}),
                              ensure(None))
    return compute_suitability(replace(req, **(after_demo or {})), ensure(None))


@pytest.fixture(scope="module")
def default_result():
    """compute_suitability of 芙蓉区 PV with the defaults (the criteria, the inclusion and the score)."""
    return _compute()


@pytest.fixture(scope="module")
def product(tmp_path_factory):
    out = tmp_path_factory.mktemp("prod") / "p.tif"
    code = main(["site", "suitability", "--tech", "pv", "--county", COUNTY, "--method", "product", "--out", str(out)])
    assert code == 0
    return out


def test_method_product_on_a_2x2_window_by_hand(product, default_result):
    """Four open cells of 芙蓉区: the product written equals Π sᵢ^wᵢ × inclusion worked out cell by cell from
    the criteria the run scored, and differs from the weighted sum of the same cells."""
    import math

    import rasterio

    res = default_result  # the same inputs, combined by the default sum: gives the criteria and the inclusion
    ex = res.exclusions
    ok = ex.inside & (ex.inclusion > 0)
    for name in res.criteria:
        ok &= np.isfinite(res.criteria[name])
    rows, cols = np.nonzero(ok[:-1, :-1] & ok[1:, :-1] & ok[:-1, 1:] & ok[1:, 1:])
    r0, c0 = int(rows[0]), int(cols[0])
    with rasterio.open(product) as ds:
        band = ds.read(1)
        tags = ds.tags()
    assert tags["SITING_METHOD"] == "product"
    w = res.weights
    for r in (r0, r0 + 1):
        for c in (c0, c0 + 1):
            s = {n: float(a[r, c]) for n, a in res.criteria.items()}
            by_hand = math.prod(s[n] ** w[n] for n in w) * float(ex.inclusion[r, c])
            assert band[r, c] == pytest.approx(by_hand, rel=1e-6, abs=1e-7)
            summed = sum(s[n] * w[n] for n in w) * float(ex.inclusion[r, c])
            assert res.score[r, c] == pytest.approx(summed, rel=1e-6, abs=1e-7)
    # a zero in a weighted criterion gives zero in the product (not in the sum)
    zero = ok & (res.criteria["landcover"] == 0) & (ex.inclusion > 0)
    if zero.any():
        assert np.all(band[zero] == 0) and np.all(res.score[zero] > 0)


def test_method_is_in_the_report_and_checked(tmp_path, capsys):
    report, _ = _run("site.suitability", tmp_path, "m.tif", method="product")
    assert report.method == "product" and report.to_json()["method"] == "product"
    assert any("weighted product" in line for line in report.summary("en"))
    assert any("加权乘积" in line for line in report.summary("zh_CN"))
    code = main(["site", "suitability", "--county", COUNTY, "--method", "mean", "--out", str(tmp_path / "x.tif")])
    err = capsys.readouterr().err
    assert code == 2 and "--method" in err and "sum, product" in err and "Traceback" not in err


def test_criteria_from_the_weights_file_change_the_scores(tmp_path, default_result):
    w = tmp_path / "c.yaml"
    w.write_text('criteria:\n  slope: {ranges: {breaks: [2], scores: [1, 0.5]}}\n'
                 '  landcover: {categories: {"0601": 1}, default: 0}\n', encoding="utf-8")
    res = _compute(weights=str(w))
    default = default_result
    slope, slope0 = res.criteria["slope"], default.criteria["slope"]
    valid = np.isfinite(slope0)
    assert set(np.unique(slope[valid])) <= {0.5, 1.0}
    # default: 1 at ≤ 3°; ranges: 1 below 2°, 0.5 from 2° → where the default is below 1 (slope > 3°) it is 0.5
    assert np.all(slope[valid & (slope0 < 1)] == 0.5) and np.any(slope[valid] == 1.0)
    lc, lc0 = res.criteria["landcover"], default.criteria["landcover"]
    # the bundled table scores 工业用地 0601 0.3: cells wholly of that class go from 0.3 to 1, the rest to 0
    assert np.all(lc[np.isclose(lc0, 0.3)] == pytest.approx(1.0)) and np.nanmin(lc) == 0.0
    info = {c["name"]: c for c in res.described}
    assert info["slope"]["transform"] == {"ranges": {"breaks": [2.0], "scores": [1.0, 0.5]}}
    assert info["landcover"]["transform"] == {"categories": {"0601": 1.0}, "default": 0.0}


def test_bad_criteria_file_is_refused_before_any_work(tmp_path):
    w = tmp_path / "bad.yaml"
    w.write_text("criteria:\n  road: {falling: [5000, 500]}\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        _run("site.suitability", tmp_path, "b.tif", weights=str(w))
    assert err.value.code == "analysis.siting.criteria.bad_value"
    assert str(w) in err.value.render("en") and "criteria.road.falling" in err.value.render("zh_CN")
    assert not (tmp_path / "b.tif").exists()


def test_flat_urban_land_is_no_longer_scored_as_ideal(suitability):
    """芙蓉区 is built over: the land-cover criterion (on by default with the demo's land cover) and the
    built_up / water_courses rules leave only its industrial land open, which the land cover scores 0.3 —
    no cell scores 0.8 or more (before: 4 663 of 6 108 cells scored 0.9–1)."""
    import rasterio

    report, out = suitability
    assert "landcover" in report.weights
    hist = report.to_json()["histogram"]
    assert sum(b["cells"] for b in hist if b["low"] >= 0.8 - 1e-6) == 0
    bits = {r["id"]: r["bit"] for r in report.rules}
    with rasterio.open(out) as ds:
        mask = ds.read(2, masked=True).compressed().astype(np.uint64)
    for rule in ("built_up", "water_courses"):
        assert np.any(mask & (np.uint64(1) << np.uint64(bits[rule])))
    counts = {c["id"]: c for c in report.counts}
    assert counts["built_up"]["applied"] and counts["built_up"]["hectares"] > 0.5 * report.unit_hectares


def test_a_distance_with_no_feature_in_reach_scores_as_far_away(tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point

    far = tmp_path / "far.gpkg"  # one substation ~200 km from 芙蓉区 (beyond the 20 km the curve scores)
    gpd.GeoDataFrame({"name": ["远处"]}, geometry=[Point(110.0, 26.0)], crs="EPSG:4490").to_file(far)
    from sinkmap.jobs.base import LayerSource

    res = _compute(after_demo={"substations": LayerSource(far)})
    sub = res.criteria["substation"][res.exclusions.inside]
    assert np.all(sub == 0.0)  # not NaN: the suitability is still computed
    assert np.isfinite(res.score[res.exclusions.inside]).mean() > 0.99


def test_every_rule_runs_on_the_demo_world(suitability):
    """The demo has a 基本草原 layer and 林地保护等级 (BH_DJ): no rule is skipped for want of a layer or field."""
    report, _ = suitability
    skipped = [w for w in report.warnings if w.code in ("analysis.siting.rule.no_layer", "analysis.siting.rule.no_field")]
    assert skipped == []
    counts = {c["id"]: c for c in report.counts}
    assert all(counts[r]["applied"] for r in ("pv_grassland", "pv_ld1", "all_ld1"))
