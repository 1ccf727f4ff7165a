"""site.run (the siting panel's job) on the demo world for 芙蓉区, and the live re-weighting of its criteria.

The live path must give the job's own suitability: recombining the written criteria scores with the run's
weights reproduces band 1 of suitability.tif bit for bit.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml

from sinkmap.analysis.siting.live import (ScoreCache, hectares_at_least, live_histogram, open_scores, preview_weights,
                                          rescore, rounded_weights, write_rule_switches, write_weights_file)
from sinkmap.analysis.siting.rules import load_rules, rules_for
from sinkmap.jobs import registry
from sinkmap.jobs.base import run_job

COUNTY = "芙蓉区"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    job = registry.get("site.run")
    folder = tmp_path_factory.mktemp("siterun") / "out"  # made by the job
    report = run_job(job, job.make_request({"tech": "pv", "county": COUNTY, "capacity_mw": 50, "max_area_ha": 30,
                                            "out": str(folder)}))
    return report, folder


def test_writes_the_three_layers_and_the_criteria(run):
    import geopandas as gpd
    import rasterio

    report, folder = run
    assert {o.path.name: o.role for o in report.outputs} == {
        "exclusions.tif": "siting_exclusions", "suitability.tif": "siting_suitability",
        "regions.gpkg": "siting_regions", "criteria.tif": "siting_criteria"}
    assert report.synthetic and report.unit == COUNTY
    with rasterio.open(folder / "criteria.tif") as ds:
        assert ds.descriptions == ("slope", "aspect", "substation", "road", "landcover")
        assert json.loads(ds.tags()["SITING_WEIGHTS"]) == report.weights
    regions = gpd.read_file(folder / "regions.gpkg", layer="regions")
    assert len(regions) == len(report.regions) >= 1
    first = regions.sort_values("region_id").iloc[0]
    assert first["label"] == f"#1 {first['mean_score']:.2f} · {first['capacity_mw']:,.0f} MW"
    assert regions["area_ha"].max() <= 30 + 1e-6


def test_live_rescore_with_the_runs_weights_is_the_jobs_suitability(run):
    import rasterio

    report, folder = run
    cache = ScoreCache.from_files(folder / "exclusions.tif", folder / "suitability.tif", folder / "criteria.tif")
    assert sorted(cache.names) == sorted(report.weights) and len(cache.names) == len(report.weights) and cache.tech == "pv" and cache.unit == COUNTY
    with rasterio.open(folder / "suitability.tif") as ds:
        band1 = ds.read(1, masked=True)
    job_score = np.ma.filled(band1.astype(np.float64), np.nan).astype(np.float32)
    assert np.array_equal(rescore(cache, report.weights), job_score, equal_nan=True)
    # the open cells' fast path gives the same values; new weights too
    assert np.array_equal(open_scores(cache, report.weights), job_score[cache.open], equal_nan=True)
    other = {"slope": 0.1, "aspect": 0.2, "substation": 0.3, "road": 0.2, "landcover": 0.2}
    assert np.array_equal(open_scores(cache, other), rescore(cache, other)[cache.open], equal_nan=True)
    # the job's histogram (all scored cells, excluded ones at 0) from the live one plus its excluded cells
    hist = live_histogram(cache, report.weights)
    job_cells = [b["cells"] for b in report.histogram]
    excluded_scored = int((cache.inside & ~(cache.inclusion > 0) & np.isfinite(job_score)).sum())
    assert hist.cells[0] + excluded_scored == job_cells[0] and list(hist.cells[1:]) == job_cells[1:]
    assert hist.excluded_cells == int((cache.inside & (cache.inclusion <= 0)).sum()) > 0
    assert hist.excluded_ha == pytest.approx(float(cache.cell_ha[cache.inside & (cache.inclusion <= 0)].sum()))


def test_live_rescore_of_new_weights_by_hand():
    """3 × 2 cells, two criteria: Σwᵢsᵢ × inclusion, NaN outside and where a weighted criterion has no data."""
    nan = np.nan
    a = np.array([[1.0, 0.5, 0.0], [nan, 0.2, 1.0]], dtype=np.float32)
    b = np.array([[0.0, 0.5, 1.0], [1.0, 0.8, 1.0]], dtype=np.float32)
    incl = np.array([[1.0, 0.5, 0.0], [1.0, 1.0, nan]])
    inside = np.isfinite(incl)
    cache = ScoreCache({"a": a, "b": b}, incl, inside, inside & (incl <= 0), np.full(a.shape, 2.0), "pv", "甲")
    s = rescore(cache, {"a": 0.25, "b": 0.75})
    expected = np.array([[0.25, 0.25, 0.0], [nan, 0.65, nan]], dtype=np.float32)
    assert np.allclose(s, expected, equal_nan=True)
    assert cache.open.tolist() == [[True, True, False], [True, True, False]]
    assert np.array_equal(open_scores(cache, {"a": 0.25, "b": 0.75}), s[cache.open], equal_nan=True)
    assert np.allclose(open_scores(cache, {"a": 0.5, "b": 0.5}, "product"), [0.0, 0.25, nan, 0.4], equal_nan=True)
    h = live_histogram(cache, {"a": 0.25, "b": 0.75})
    # open and scored: 0.25, 0.25 (bin 2), 0.65 (bin 6); (1,0) open without data; (0,2) excluded
    assert list(h.cells) == [0, 0, 2, 0, 0, 0, 1, 0, 0, 0] and list(h.hectares) == [0, 0, 4, 0, 0, 0, 2, 0, 0, 0]
    assert (h.excluded_cells, h.excluded_ha, h.nodata_cells, h.nodata_ha) == (1, 2.0, 1, 2.0)
    assert hectares_at_least(h, cache, 0.25) == 6.0  # 0.25, 0.25, 0.65
    # a weight of 0 ignores that criterion's missing data
    assert np.isclose(rescore(cache, {"a": 0.0, "b": 1.0})[1, 0], 1.0)


def test_rounded_weights_sum_to_one_at_three_decimals():
    w = rounded_weights({"slope": 0.2, "aspect": 0.15, "substation": 0.2, "road": 0.1})
    assert w == {"slope": 0.308, "aspect": 0.231, "substation": 0.307, "road": 0.154}
    assert abs(sum(w.values()) - 1.0) < 1e-9
    assert rounded_weights({"a": 1, "b": 1, "c": 1}) == {"a": 0.334, "b": 0.333, "c": 0.333}
    assert rounded_weights({"a": 0, "b": 0}) == {"a": 0.0, "b": 0.0}
    assert preview_weights({"a": 0.5, "b": 1.5}) == {"a": 0.25, "b": 0.75} and preview_weights({"a": 0}) is None


def test_run_files_are_read_back_by_the_job(tmp_path):
    from sinkmap.analysis.siting.settings import read_weights_file

    path = write_rule_switches(tmp_path / "off.yaml", ["pv_jbnt", "pv_gengdi"])
    ids = [r.id for r in rules_for(load_rules([path]), "pv")]
    every = [r.id for r in rules_for(load_rules(), "pv")]
    assert ids == [i for i in every if i not in ("pv_jbnt", "pv_gengdi")]
    wpath = write_weights_file(tmp_path / "w.yaml", {"slope": 0.5, "road": 0.5})
    assert yaml.safe_load(wpath.read_text(encoding="utf-8")) == {"weights": {"slope": 0.5, "road": 0.5}}
    assert read_weights_file(wpath, "pv").weights == {"slope": 0.5, "road": 0.5}


def test_expected_criteria_follow_the_inputs():
    from sinkmap.jobs.site_run import expected_criteria

    assert expected_criteria("pv", set(), False) == ["slope", "aspect", "substation", "road", "landcover"]  # the demo world
    assert expected_criteria("pv", {"dem", "roads"}, True) == ["slope", "aspect", "road", "resource"]
    assert expected_criteria("wind", {"dem"}, False) == ["elevation", "slope"]
