"""``site.impact``: what sites cost the sink, checked by hand on a fixture inside 岳麓区 (Changsha): see
tests/siting_world.py for the layers and the expected areas."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import siting_world

from sinkmap.cli import main
from sinkmap.io.boundaries import load_units


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return siting_world.build(tmp_path_factory.mktemp("impact"))


def _run(capsys, d, *argv) -> dict:
    layers = ("--forest", str(d / "forest.gpkg"), "--wetland", str(d / "wetland.gpkg"),
              "--protected", str(d / "protected.gpkg"))
    code = main(["site.impact", *argv, *layers, "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def _unit(ledger: dict, name: str) -> dict:
    return next(u for u in ledger["units"] if u["name"] == name)


def test_impact_of_a_footprint_is_area_times_stock_per_ha(world, capsys):
    d, ha = world
    rep = _run(capsys, d, "--site", str(d / "site_a.gpkg"), "--year", "2030")
    site = rep["sites"][0]
    assert site["name"] == "A" and site["counties"] == ["岳麓区"]
    assert site["forest_area_ha"] == pytest.approx(ha["a_forest"], rel=1e-5)
    assert site["forest_stock_10k_m3"] == pytest.approx(ha["a_forest"] * 100 / 1e4, rel=1e-5)  # 100 m³/ha
    assert site["co2_t"] > 0
    assert site["wetland_area_ha"] == pytest.approx(ha["a_wetland"], rel=1e-5)
    assert site["protected_wetland_area_ha"] == pytest.approx(ha["a_wetland"], rel=1e-5)  # all inside P1
    assert site["protected_area_names"] == ["岳麓湿地保护区"]
    assert site["redline_touched"] is None  # no red-line layer given
    assert rep["data"] == "user"


def test_ledger_after_is_ledger_before_minus_the_impact(world, capsys):
    d, _ = world
    rep = _run(capsys, d, "--site", str(d / "sites.gpkg"), "--year", "2030")
    assert {u["name"] for u in rep["ledger_before"]["units"]} == {"长沙市", "岳麓区"}
    total = rep["total"]
    for name in ("岳麓区", "长沙市"):
        before, after = _unit(rep["ledger_before"], name), _unit(rep["ledger_after"], name)
        for key in ("forest_area_ha", "forest_stock_10k_m3", "living_tree_stock_10k_m3", "carbon_t", "co2_t",
                    "wetland_area_ha", "protected_wetland_area_ha"):
            assert after[key] == pytest.approx(before[key] - total[key], rel=1e-9, abs=1e-6), (name, key)
        assert after["land_area_km2"] == before["land_area_km2"]


def test_overlapping_sites_count_once(world, capsys):
    d, ha = world
    rep = _run(capsys, d, "--site", str(d / "sites.gpkg"), "--year", "2030")
    a, b = rep["sites"]
    assert b["forest_area_ha"] == pytest.approx(ha["b_forest"], rel=1e-5)
    assert rep["total"]["forest_area_ha"] == pytest.approx(ha["union_forest"], rel=1e-5)
    assert rep["total"]["forest_area_ha"] < a["forest_area_ha"] + b["forest_area_ha"] - 1
    assert rep["total"]["forest_stock_10k_m3"] == pytest.approx(ha["union_forest"] * 100 / 1e4, rel=1e-5)


def test_a_site_outside_every_county_is_named(world, capsys):
    d, _ = world
    rep = _run(capsys, d, "--site", str(d / "points.gpkg"), "--tech", "wind", "--year", "2030")
    far, turbine = rep["sites"]
    assert far["counties"] == [] and turbine["counties"] == ["岳麓区"]
    assert turbine["footprint_ha"] == pytest.approx(1.0, rel=1e-3)  # the documented 1 ha per turbine
    warn = [w for w in rep["warnings"] if w["code"] == "jobs.site.outside_counties"]
    assert warn and "北方场址" in warn[0]["message"] and "北方场址" in warn[0]["message_zh"]


def test_only_sites_outside_every_county_is_an_error(world, tmp_path, capsys):
    d, _ = world
    x = gpd.read_file(d / "points.gpkg").iloc[[0]]
    x.to_file(tmp_path / "far.gpkg")
    code = main(["site.impact", "--site", str(tmp_path / "far.gpkg"), "--tech", "pv", "--year", "2030",
                 "--forest", str(d / "forest.gpkg")])
    assert code != 0 and "北方场址" in capsys.readouterr().err


def test_a_point_without_technology_is_a_message(world, capsys):
    d, _ = world
    code = main(["site.impact", "--site", str(d / "points.gpkg"), "--year", "2030", "--forest", str(d / "forest.gpkg")])
    assert code != 0 and "--tech" in capsys.readouterr().err


def test_status_change_when_a_site_pushes_the_city_below_a_target(world, tmp_path, capsys):
    d, ha = world
    stock_before = ha["f1"] * 100 / 1e4  # 长沙市 in this fixture: F1's stock only (≈ 1.0 万m³)
    target = round(stock_before - 0.1, 3)
    targets = tmp_path / "t.csv"
    targets.write_text("city,year,indicator,value,comparator\n"
                       f"长沙市,2030,forest_stock_10k_m3,{target},ge\n", encoding="utf-8")
    rep = _run(capsys, d, "--site", str(d / "site_a.gpkg"), "--year", "2030", "--targets", str(targets))
    city_before = _unit(rep["ledger_before"], "长沙市")
    assert city_before["forest_stock_10k_m3"] == pytest.approx(stock_before, rel=1e-5)
    assess = next(a for a in city_before["targets"] if a["indicator"] == "forest_stock_10k_m3")
    assert assess["status"] == "met"
    after = next(a for a in _unit(rep["ledger_after"], "长沙市")["targets"] if a["indicator"] == "forest_stock_10k_m3")
    assert after["status"] == "short"
    change = [c for c in rep["status_changes"] if c["code"] == "analysis.siting.falls_short"]
    assert len(change) == 1
    msg = change[0]["message"]
    assert "长沙市 2030 森林蓄积量 falls below" in msg and str(target) in msg and "was met" in msg
    assert "长沙市 2030 年森林蓄积量降至" in change[0]["message_zh"]


def test_gpkg_output_holds_the_footprints_with_their_impact(world, tmp_path, capsys):
    d, ha = world
    out = tmp_path / "impact.gpkg"
    code = main(["site.impact", "--site", str(d / "sites.gpkg"), "--year", "2030", "--forest", str(d / "forest.gpkg"),
                 "--out", str(out)])
    capsys.readouterr()
    assert code == 0
    gdf = gpd.read_file(out)
    assert list(gdf["name"]) == ["A", "B"] and gdf.crs.to_epsg() == 4490
    assert gdf["forest_area_ha"].iloc[0] == pytest.approx(ha["a_forest"], rel=1e-5)


def test_ledger_reads_the_same_through_prepare_layers(world):
    """The helper the impact uses measures a unit exactly as compute_ledger does (bit-identical)."""
    from sinkmap.analysis.ledger import LedgerInputs, LedgerOptions, compute_ledger, prepare_layers
    from sinkmap.core.crs import EQUAL_AREA_CRS

    d, _ = world
    inputs = LedgerInputs(forest=gpd.read_file(d / "forest.gpkg").to_crs(4490),
                          wetland=gpd.read_file(d / "wetland.gpkg").to_crs(4490),
                          protected=gpd.read_file(d / "protected.gpkg").to_crs(4490))
    zones = load_units(county="岳麓区")
    row = compute_ledger(zones, inputs, LedgerOptions(year=2030)).rows[0]
    measured = prepare_layers(inputs, LedgerOptions(year=2030)).measure(
        zones.to_crs(EQUAL_AREA_CRS).geometry.iloc[0], "岳麓区")
    for key in ("forest_area_ha", "forest_stock_10k_m3", "co2_t", "wetland_area_ha", "protected_wetland_area_ha"):
        assert measured[key] == row[key], key
