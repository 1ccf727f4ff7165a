"""The siting rules a site meets (``site impact``'s ``rules_hit``), by hand on the 岳麓区 fixture of
tests/siting_world.py: site A (x..x+500, y-500..y+1000) is half on 乔木林/竹林 小班 (F1), a third in the protected
wetland P1, and meets a 永久基本农田 rectangle of 200 m × 200 m; a land-cover raster of 耕地 covers it all."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import siting_world
from rasterio.transform import from_origin
from shapely.geometry import box

from sinkmap.cli import main


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    d, ha = siting_world.build(tmp_path_factory.mktemp("rules"))
    x, y = siting_world.origin()
    farm = box(x, y - 500, x + 200, y - 300)
    gpd.GeoDataFrame({"name": ["基本农田1"]}, geometry=[farm], crs="EPSG:4547").to_file(d / "farmland.gpkg")
    ha["farm"] = siting_world.geod_ha(farm)
    ha["a_protected"] = siting_world.geod_ha(box(x, y - 500, x + 500, y))
    ha["a"] = siting_world.geod_ha(box(x, y - 500, x + 500, y + 1000))
    # 耕地 (三调 0101) everywhere around the site: a 1″ lon/lat raster
    from sinkmap.analysis.siting.exclusions import _class_values

    lon, lat = gpd.GeoSeries([box(x - 1000, y - 1500, x + 1500, y + 2000)], crs="EPSG:4547").to_crs(4490).total_bounds[
        [0, 3]]
    with rasterio.open(d / "lc.tif", "w", driver="GTiff", width=200, height=200, count=1, dtype="uint16",
                       crs="EPSG:4490", transform=from_origin(lon, lat, 1 / 3600, 1 / 3600)) as ds:
        ds.write(np.full((1, 200, 200), int(_class_values(["0101"])[0]), np.uint16))
    return d, ha


def _impact(capsys, d, *extra) -> dict:
    assert main(["site", "impact", "--site", str(d / "site_a.gpkg"), "--year", "2030", "--forest",
                 str(d / "forest.gpkg"), "--wetland", str(d / "wetland.gpkg"), "--protected",
                 str(d / "protected.gpkg"), *extra, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_pv_site_meets_the_rules_of_its_layers_with_their_hectares(world, capsys):
    d, ha = world
    rep = _impact(capsys, d, "--tech", "pv", "--farmland", str(d / "farmland.gpkg"))
    hits = {r["id"]: r for r in rep["sites"][0]["rules_hit"]}
    assert set(hits) == {"pv_jbnt", "pv_arbor_fi", "pv_array_forest", "pv_reserve"}
    assert hits["pv_jbnt"]["hectares"] == pytest.approx(ha["farm"], rel=1e-4)
    assert hits["pv_arbor_fi"]["hectares"] == pytest.approx(ha["a_forest"], rel=1e-4)  # 0111 and 0113 both
    assert hits["pv_array_forest"]["document"] == "林资发〔2015〕153号"  # 有林地 under the array, the same area
    assert hits["pv_array_forest"]["hectares"] == pytest.approx(ha["a_forest"], rel=1e-4)
    assert hits["pv_reserve"]["hectares"] == pytest.approx(ha["a_protected"], rel=1e-4)
    assert hits["pv_jbnt"]["document"] == "自然资办发〔2023〕12号" and hits["pv_jbnt"]["effect"] == "exclude"
    assert [r["id"] for r in rep["total"]["rules_hit"]] == [r["id"] for r in rep["sites"][0]["rules_hit"]]
    # rules whose layer or field is missing are named, not silently passed
    codes = {(w["code"], w["params"].get("rule")) for w in rep["warnings"]}
    assert ("analysis.siting.rule.no_field", "pv_ld1") in codes  # no 林地保护等级 field in this 小班 layer
    assert ("analysis.siting.rule.no_layer", "pv_gengdi") in codes  # no land-cover raster given


def test_land_cover_rules_count_the_cells_under_the_site(world, capsys):
    d, ha = world
    rep = _impact(capsys, d, "--tech", "pv", "--landcover", str(d / "lc.tif"))
    hits = {r["id"]: r for r in rep["sites"][0]["rules_hit"]}
    assert hits["pv_gengdi"]["hectares"] == pytest.approx(ha["a"], rel=2e-3)  # all of A is on 耕地


def test_wind_rules_differ_and_no_technology_is_not_checked(world, capsys):
    d, ha = world
    rep = _impact(capsys, d, "--tech", "wind")
    assert {r["id"] for r in rep["sites"][0]["rules_hit"]} == {"wind_reserve"}  # P1 is a 自然保护地
    rep = _impact(capsys, d)
    assert rep["sites"][0]["rules_hit"] is None and rep["total"]["rules_hit"] is None
