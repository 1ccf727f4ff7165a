"""Wind, end to end on the demo world: site.exclusions → site.regions (its suitability) → site.impact, for
北湖区 (郴州市: hills rising to ~1,300 m, about 100,000 cells of 3″).

Hand-checkable facts: the rule table holds the wind rules only; every region cell is open (inclusion > 0) and
no exclude rule touches it; capacity = area × 4 MW/km² (the wind power density setting); the regions touch no
protected area and no red line (both are wind exclusions), checked by overlaying the layers here and by the
impact; the ledger after = the ledger before − the impact for 北湖区's forest stock.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from sinkmap.cli import main
from sinkmap.jobs import registry
from sinkmap.jobs.base import run_job

COUNTY = "北湖区"
WIND_RULES = {"wind_reserve", "wind_natural_arbor", "wind_gyl1", "wind_gyl2_forest", "redline_wind_phes", "all_ld1",
              "all_wetland", "water_courses", "built_up"}


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    d = tmp_path_factory.mktemp("wind")
    ex_job, reg_job = registry.get("site.exclusions"), registry.get("site.regions")
    ex = run_job(ex_job, ex_job.make_request({"tech": "wind", "county": COUNTY, "out": str(d / "ex.tif")}))
    reg = run_job(reg_job, reg_job.make_request({"tech": "wind", "county": COUNTY, "capacity_mw": 50.0,
                                                 "out": str(d / "regions.gpkg")}))
    return d, ex, reg


def test_exclusions_apply_the_wind_rules(chain):
    d, ex, _ = chain
    assert ex.synthetic and {r["id"] for r in ex.rules} == WIND_RULES
    counts = {c["id"]: c for c in ex.counts}
    assert all(c["applied"] for c in counts.values())  # every layer and field is in the demo
    for rule in ("wind_reserve", "wind_natural_arbor", "redline_wind_phes", "built_up"):
        assert counts[rule]["cells"] > 0 and counts[rule]["hectares"] > 0
    assert 0 < ex.included_hectares < ex.unit_hectares


def test_regions_are_open_untouched_and_4_mw_per_km2(chain):
    import geopandas as gpd
    import rasterio
    from rasterio.features import rasterize

    d, ex, reg = chain
    gdf = gpd.read_file(d / "regions.gpkg", layer="regions")
    assert len(gdf) and gdf.crs.to_epsg() == 4490
    # capacity = area × 4 MW/km² = area_ha × 0.04
    np.testing.assert_allclose(gdf["capacity_mw"], gdf["area_ha"] * 0.04, rtol=1e-12)
    assert reg.total_capacity_mw >= 50.0 or any(w.code == "analysis.siting.goal_not_met" for w in reg.warnings)
    with rasterio.open(d / "ex.tif") as ds:
        inclusion, mask = ds.read(1), ds.read(2)
        cells = rasterize(((g, 1) for g in gdf.geometry), out_shape=ds.shape, transform=ds.transform,
                          dtype="uint8") == 1
        table = json.loads(ds.tags()["SITING_RULES"])
    assert cells.sum() == gdf["cells"].sum()  # the polygons are exactly the region cells
    assert np.all(inclusion[cells] > 0)
    excluding = sum(1 << r["bit"] for r in table if r["effect"] == "exclude")
    assert np.all((mask[cells].astype(np.uint64) & np.uint64(excluding)) == 0)


def test_regions_touch_no_protected_area_or_red_line(chain):
    import geopandas as gpd

    from sinkmap.core.crs import EQUAL_AREA_CRS
    from sinkmap.demo.generate import demo_layers, ensure_demo

    d, _, _ = chain
    regions = gpd.read_file(d / "regions.gpkg", layer="regions").to_crs(EQUAL_AREA_CRS)
    layers = demo_layers(ensure_demo())
    for role in ("protected", "redline"):
        other = gpd.read_file(layers[role][0], layer=layers[role][1], bbox=tuple(
            regions.to_crs("EPSG:4490").total_bounds)).to_crs(EQUAL_AREA_CRS)
        overlap = gpd.overlay(regions, other, how="intersection") if len(other) else other
        assert overlap.area.sum() < 10.0, role  # m²: slivers of reprojected shared edges at most


def test_impact_of_the_regions_on_the_ledger(chain, capsys):
    d, _, reg = chain
    code = main(["site", "impact", "--site", str(d / "regions.gpkg"), "--year", "2030", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["sites"]) == len(reg.regions)
    for site, region in zip(out["sites"], reg.regions):
        assert site["footprint_ha"] == pytest.approx(region["area_ha"], rel=1e-4)
        assert site["protected_area_names"] == [] and site["redline_touched"] is False
        assert 0 <= site["forest_area_ha"] <= site["footprint_ha"] + 1e-6
    total = out["total"]
    before = {u["name"]: u for u in out["ledger_before"]["units"]}
    after = {u["name"]: u for u in out["ledger_after"]["units"]}
    lost = sum(before[n]["forest_stock_10k_m3"] - after[n]["forest_stock_10k_m3"]
               for n in total["counties"] if n in before)
    assert lost == pytest.approx(total["forest_stock_10k_m3"], rel=1e-6, abs=1e-9)
    assert after[COUNTY]["forest_area_ha"] <= before[COUNTY]["forest_area_ha"]
