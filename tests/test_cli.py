"""End-to-end: the ``sinkmap`` command on a hand-made fixture whose answers are checked by hand.

Fixture, inside 岳麓区 (Changsha), drawn in CGCS2000 / 3-degree GK CM 114E (EPSG:4547) metres:
  forest  F1  1 km × 1 km, 地类 0111 乔木林, canopy 0.6, 100 m³/ha, 杉木  -> forest, stock 100 ha × 100 = 1.0 万m³
          F2  1 km × 1 km, 地类 0113 竹林,  canopy 0.5                  -> forest, no stock
          F3  1 km × 1 km, 地类 0111 乔木林, canopy 0.15, 50 m³/ha      -> NOT forest (canopy < 0.2);
                                                                             living-tree stock only (0.5 万m³)
  wetland W   2 km × 1 km                                               -> 200 ha nominal
  protected P1 (1 km × 1 km over W's west half) and P2 (inside P1)      -> dissolved: 100 ha, not 150
Expected ellipsoidal areas come from pyproj.Geod on the reprojected squares (the GK plane is not
equal-area, so "100 ha" is only nominal).
"""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from pyproj import Geod
from shapely.geometry import box

from sinkmap.cli import main
from sinkmap.io.boundaries import load_units

GEOD = Geod(ellps="GRS80")


def _geod_ha(geom_4547) -> float:
    g = gpd.GeoSeries([geom_4547], crs="EPSG:4547").to_crs("EPSG:4490").iloc[0]
    return abs(GEOD.geometry_area_perimeter(g)[0]) / 1e4


@pytest.fixture(scope="module")
def fixture_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    county = load_units(county="岳麓区").to_crs("EPSG:4547").geometry.iloc[0]
    p = county.representative_point()
    x, y = round(p.x), round(p.y)
    f1, f2, f3 = box(x, y, x + 1000, y + 1000), box(x + 1000, y, x + 2000, y + 1000), box(x + 2000, y, x + 3000, y + 1000)
    w = box(x, y - 1000, x + 2000, y)
    p1, p2 = box(x, y - 1000, x + 1000, y), box(x + 500, y - 1000, x + 1000, y)
    assert all(county.contains(g) for g in (f1, f2, f3, w))
    gpd.GeoDataFrame({"DI_LEI": ["0111", "0113", "0111"], "YU_BI_DU": [0.6, 0.5, 0.15],
                      "MEI_GQ_XJ": [100.0, 0.0, 50.0], "YOU_SHI_SZ": ["杉木", "毛竹", "马尾松"]},
                     geometry=[f1, f2, f3], crs="EPSG:4547").to_file(d / "forest.gpkg")
    gpd.GeoDataFrame({"LX": ["河流湿地"]}, geometry=[w], crs="EPSG:4547").to_file(d / "wetland.gpkg")
    gpd.GeoDataFrame({"NAME": ["P1", "P2"]}, geometry=[p1, p2], crs="EPSG:4547").to_file(d / "protected.gpkg")
    expected = {"f1": _geod_ha(f1), "f2": _geod_ha(f2), "f3": _geod_ha(f3), "w": _geod_ha(w), "p1": _geod_ha(p1)}
    return d, expected


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_ledger_json_matches_hand_arithmetic(fixture_dir, capsys):
    d, ha = fixture_dir
    code, out, _ = _run(capsys, "ledger", "--county", "岳麓区", "--year", "2025", "--forest", str(d / "forest.gpkg"),
                        "--wetland", str(d / "wetland.gpkg"), "--protected", str(d / "protected.gpkg"), "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["year"] == 2025
    (u,) = doc["units"]
    assert (u["name"], u["adcode"], u["level"]) == ("岳麓区", "430104", "county")
    county = load_units(county="岳麓区").geometry.iloc[0]
    land_km2 = abs(GEOD.geometry_area_perimeter(county)[0]) / 1e6
    assert u["land_area_km2"] == pytest.approx(land_km2, rel=1e-4)
    forest_ha = ha["f1"] + ha["f2"]  # F3 is below the 0.2 canopy threshold
    assert u["forest_area_ha"] == pytest.approx(forest_ha, rel=1e-4)
    assert u["forest_coverage_pct"] == pytest.approx(forest_ha / (land_km2 * 100) * 100, rel=1e-4)
    assert u["forest_stock_10k_m3"] == pytest.approx(ha["f1"] * 100 / 1e4, rel=1e-4)
    assert u["living_tree_stock_10k_m3"] == pytest.approx((ha["f1"] * 100 + ha["f3"] * 50) / 1e4, rel=1e-4)
    assert u["wetland_area_ha"] == pytest.approx(ha["w"], rel=1e-4)
    assert u["protected_wetland_area_ha"] == pytest.approx(ha["p1"], rel=1e-4)  # dissolved: P2 lies inside P1
    assert u["wetland_protection_rate_pct"] == pytest.approx(ha["p1"] / ha["w"] * 100, rel=1e-4)

    t = {a["indicator"]: a for a in u["targets"]}
    # 长沙市 2025: coverage 55% 左右 (000:898) — far short; gap = 55% of land − forest
    cov = t["forest_coverage_pct"]
    assert (cov["value"], cov["comparator"], cov["status"]) == (55.0, "approx", "short")
    assert cov["gap"] == pytest.approx(0.55 * land_km2 * 100 - forest_ha, rel=1e-4)
    assert cov["basis_note"]  # 林木绿化率 vs plain 森林覆盖率: never compared silently
    # protection rate 76% 以上: gap = 76% of wetland − protected
    pr = t["wetland_protection_rate_pct"]
    assert (pr["value"], pr["comparator"], pr["status"]) == (76.0, "ge", "short")
    assert pr["gap"] == pytest.approx(0.76 * ha["w"] - ha["p1"], rel=1e-4)
    # stock 3500万m³ is a city-wide total: shown on a county, assessed on the city row
    assert t["forest_stock_10k_m3"]["status"] == "city_total"
    assert t["forest_stock_10k_m3"]["value"] == 3500.0


def test_ledger_writes_csv_xlsx_json(fixture_dir, tmp_path, capsys):
    import pandas as pd

    d, ha = fixture_dir
    for ext in ("csv", "xlsx", "json"):
        out = tmp_path / f"ledger.{ext}"
        code, _, _ = _run(capsys, "ledger", "--county", "岳麓区", "--year", "2025", "--forest",
                          str(d / "forest.gpkg"), "--out", str(out))
        assert code == 0 and out.exists()
    df = pd.read_csv(tmp_path / "ledger.csv", encoding="utf-8-sig")
    assert df.loc[0, "name"] == "岳麓区"
    assert df.loc[0, "forest_area_ha"] == round(ha["f1"] + ha["f2"], 1)  # rounded as on screen: 1 decimal
    x = pd.read_excel(tmp_path / "ledger.xlsx", sheet_name=0)
    assert x.loc[0, "forest_stock_10k_m3"] == pytest.approx(ha["f1"] * 100 / 1e4, abs=0.05)
    j = json.loads((tmp_path / "ledger.json").read_text(encoding="utf-8"))
    assert j["units"][0]["wetland_area_ha"] is None  # no wetland layer given: unknown, not zero


def test_unknown_city_suggests_names(capsys):
    code, out, err = _run(capsys, "ledger", "--city", "长纱市", "--year", "2025", "--forest", "x.gpkg")
    assert code == 2
    assert "长纱市" in err and "长沙市" in err and "Traceback" not in err


def test_missing_file_is_a_message(tmp_path, capsys):
    code, _, err = _run(capsys, "ledger", "--county", "岳麓区", "--year", "2025", "--forest", str(tmp_path / "no.gpkg"))
    assert code == 2 and "no.gpkg" in err and "Traceback" not in err


def test_targets_json_interface(capsys):
    code, out, _ = _run(capsys, "targets", "--city", "郴州市", "--json")
    assert code == 0
    rows = json.loads(out)
    keys = {"city", "year", "indicator", "value", "unit", "comparator", "basis", "document", "quote", "seed", "line"}
    assert rows and all(set(r) == keys for r in rows)
    # 郴州 2025: 森林覆盖率稳定在60%以上 (003:1026) — read from the seed by hand
    cov = [r for r in rows if r["indicator"] == "forest_coverage_pct" and r["year"] == 2025]
    assert [(r["value"], r["comparator"], r["line"]) for r in cov] == [(60.0, "ge", 1026)]


def test_boundaries_command_writes_units(tmp_path, capsys):
    out = tmp_path / "zz.gpkg"
    code, _, _ = _run(capsys, "boundaries", "--city", "株洲市", "--out", str(out))
    assert code == 0
    gdf = gpd.read_file(out)
    assert gdf.crs.to_epsg() == 4490
    assert {"name", "adcode", "level", "parent"} <= set(gdf.columns)
    assert (gdf["level"] == "county").sum() == 9 and (gdf["level"] == "city").sum() == 1


def test_ledger_for_user_zones(fixture_dir, tmp_path, capsys):
    """A user's own zone: 2 km × 2 km over all of F1 and the west half of F2 -> forest = F1 + F2/2."""
    d, ha = fixture_dir
    forest = gpd.read_file(d / "forest.gpkg")
    x0, y0, _, y1 = forest.total_bounds
    zone = box(x0 - 500, y0 - 500, x0 + 1500, y1 + 500)
    gpd.GeoDataFrame({"名称": ["示范片区"]}, geometry=[zone], crs=forest.crs).to_file(tmp_path / "zones.gpkg")
    code, out, _ = _run(capsys, "ledger", "--zones", str(tmp_path / "zones.gpkg"), "--year", "2025",
                        "--forest", str(d / "forest.gpkg"), "--json")
    assert code == 0
    (u,) = json.loads(out)["units"]
    assert (u["name"], u["level"], u["parent"], u["targets_city"]) == ("示范片区", "zone", "长沙市", "长沙市")
    zone_ha = _geod_ha(zone)
    assert u["land_area_km2"] == pytest.approx(zone_ha / 100, rel=1e-4)
    assert u["forest_area_ha"] == pytest.approx(ha["f1"] + ha["f2"] / 2, rel=1e-3)
    assert u["forest_stock_10k_m3"] == pytest.approx(ha["f1"] * 100 / 1e4, rel=1e-4)


def test_ledger_from_landcover_raster(tmp_path, capsys):
    """A lon/lat land-cover raster over 岳麓区: 乔木林地 (301) west of a meridian, 水田 (101) east of it.
    Expected forest area = ellipsoidal area of (county ∩ west half), computed with shapely + pyproj.Geod."""
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin

    county = load_units(county="岳麓区").geometry.iloc[0]
    x0, y0, x1, y1 = county.bounds
    res = 0.002
    x0, y1 = x0 - 2 * res, y1 + 2 * res
    w, h = int((x1 - x0) / res) + 3, int((y1 - y0) / res) + 3
    split_col = w // 2
    arr = np.full((h, w), 101, dtype="uint16")
    arr[:, :split_col] = 301
    path = tmp_path / "lc.tif"
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=1, dtype="uint16", crs="EPSG:4490",
                       transform=from_origin(x0, y1, res, res)) as ds:
        ds.write(arr, 1)
    west = box(x0 - 1, y0 - 1, x0 + split_col * res, y1 + 1)
    forest_ha = abs(GEOD.geometry_area_perimeter(county.intersection(west))[0]) / 1e4
    land_km2 = abs(GEOD.geometry_area_perimeter(county)[0]) / 1e6

    code, out, _ = _run(capsys, "ledger", "--county", "岳麓区", "--year", "2025", "--landcover", str(path),
                        "--scheme", "sandiao", "--json")
    assert code == 0
    (u,) = json.loads(out)["units"]
    assert u["land_area_km2"] == pytest.approx(land_km2, rel=1e-4)
    assert u["forest_area_ha"] == pytest.approx(forest_ha, rel=1e-4)
    assert u["forest_coverage_pct"] == pytest.approx(forest_ha / (land_km2 * 100) * 100, rel=1e-4)
