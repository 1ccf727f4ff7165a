"""The raster ledger on a fixture where rasters and vectors are both exact: rectangles on pixel edges.

Layout (km from the origin, Albers equal-area = sinkmap's EQUAL_AREA_CRS, so map area = ellipsoidal area;
100 m pixels, the raster spans x 0–20, y 0–10): county 甲 x 0–10, county 乙 x 10–20, city = both.

    F1 乔木林 x 0–2, y 0–3 (600 ha)    F5 竹林 x 6–8, y 0–1 (200 ha)    F6 特灌 x 8–10, y 0–1 (200 ha)
    F8 乔木林 x 9–11, y 5–6 (200 ha, half in each county)
    W1 沼泽地 x 0–4, y 6–8 (800 ha)     W2 河流水面 x 4–6, y 6–8 (400 ha)   W3 内陆滩涂 x 12–13, y 2–4 (200 ha)
    P1 x 1–3, y 5–9;  P2 x 2–5, y 7–10 (protected areas, overlapping)

By hand: 甲 forest 600 + 200 + 200 + 100 = 1100 ha of 100 km² → 11 %; 乙 100 ha → 1 %; city 1200 ha of
200 km² → 6 %. Wetland 甲 1200 ha; protected: (P1 ∪ P2) ∩ W1 = 400 + 200 − 100 = 500 ha, ∩ W2 = 100 ha →
600 ha → 50 %; 乙 200 ha, none protected → 0 %; city 600 / 1400 = 42.857 % (the mean of the county rates
would be 25 %: the city ratio comes from the sums).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
import yaml
from rasterio.transform import from_origin

from sinkmap.analysis.raster_ledger import RasterLedgerOptions, raster_ledger
from sinkmap.core.crs import EQUAL_AREA_CRS
from sinkmap.core.errors import InputError
from sinkmap.core.feedback import NullFeedback
from sinkmap.io.catalogue import layer_path

X0, Y0 = 400_000.0, 3_000_000.0
PX = 100.0
H, W = 100, 200

FOREST = {"F1": ((0, 0, 2, 3), 301, "0111", 0.6), "F5": ((6, 0, 8, 1), 302, "0113", None),
          "F6": ((8, 0, 10, 1), 305, "0131", None), "F8": ((9, 5, 11, 6), 301, "0111", 0.7)}
WETLAND = {"W1": ((0, 6, 4, 8), 1108), "W2": ((4, 6, 6, 8), 1101), "W3": ((12, 2, 13, 4), 1106)}
PROTECTED = [(1, 5, 3, 9), (2, 7, 5, 10)]


def rect(x0, y0, x1, y1):
    return shapely.box(X0 + 1000 * x0, Y0 + 1000 * y0, X0 + 1000 * x1, Y0 + 1000 * y1)


def paint(data, box_km, value):
    x0, y0, x1, y1 = box_km
    data[int(H - y1 * 10):int(H - y0 * 10), int(x0 * 10):int(x1 * 10)] = value


def units(extra: list | None = None) -> gpd.GeoDataFrame:
    recs = [{"name": "某市", "adcode": "439900", "level": "city", "parent": "湖南省"},
            {"name": "甲县", "adcode": "439901", "level": "county", "parent": "某市"},
            {"name": "乙县", "adcode": "439902", "level": "county", "parent": "某市"}]
    geoms = [rect(0, 0, 20, 10), rect(0, 0, 10, 10), rect(10, 0, 20, 10)]
    for name, box in extra or []:
        recs.append({"name": name, "adcode": None, "level": "zone", "parent": "某市"})
        geoms.append(rect(*box))
    return gpd.GeoDataFrame(recs, geometry=geoms, crs=EQUAL_AREA_CRS)


@pytest.fixture(scope="module")
def rasters(tmp_path_factory):
    d = tmp_path_factory.mktemp("rl")
    lc = np.full((H, W), 101, np.uint16)  # 水田 elsewhere
    for box, value, _, _ in FOREST.values():
        paint(lc, box, value)
    for box, value in WETLAND.values():
        paint(lc, box, value)
    stock = np.full((H, W), 50.0, np.float32)  # 50 m³/ha everywhere
    t = from_origin(X0, Y0 + 10_000, PX, PX)
    paths = {}
    for name, data, nodata in (("lc", lc, 0), ("stock", stock, -1.0)):
        paths[name] = d / f"{name}.tif"
        with rasterio.open(paths[name], "w", driver="GTiff", height=H, width=W, count=1, dtype=data.dtype,
                           crs=EQUAL_AREA_CRS, transform=t, nodata=nodata) as ds:
            ds.write(data, 1)
    return paths


def protected():
    return gpd.GeoDataFrame({"MC": ["P1", "P2"]}, geometry=[rect(*b) for b in PROTECTED], crs=EQUAL_AREA_CRS)


@pytest.fixture(scope="module")
def ledger(rasters):
    res = raster_ledger(units(), landcover=rasters["lc"], scheme="sandiao", stock_raster=rasters["stock"], year=2025,
                        options=RasterLedgerOptions(protected=protected()))
    return {r["name"]: r for r in res.rows}, res


def test_hand_values(ledger):
    rows, _ = ledger
    a, b = rows["甲县"], rows["乙县"]
    assert a["land_area_km2"] == pytest.approx(100.0, rel=1e-12)
    assert a["forest_area_ha"] == pytest.approx(600 + 200 + 200 + 100, rel=1e-12)
    assert a["forest_coverage_pct"] == pytest.approx(11.0, rel=1e-12)
    assert b["forest_coverage_pct"] == pytest.approx(1.0, rel=1e-12)
    assert a["wetland_area_ha"] == pytest.approx(1200.0, rel=1e-12)
    assert a["protected_wetland_area_ha"] == pytest.approx(600.0, rel=1e-12)
    assert a["wetland_protection_rate_pct"] == pytest.approx(50.0, rel=1e-12)
    assert b["wetland_area_ha"] == pytest.approx(200.0, rel=1e-12)
    assert b["wetland_protection_rate_pct"] == 0.0
    assert a["class_areas_ha"]["1108"] == pytest.approx(800.0) and a["class_areas_ha"]["0305"] == pytest.approx(200.0)


def test_city_is_the_sum_of_its_counties(ledger):
    rows, res = ledger
    a, b, city = rows["甲县"], rows["乙县"], rows["某市"]
    assert city["forest_area_ha"] == pytest.approx(1200.0, rel=1e-12)
    for key in ("forest_area_ha", "land_area_km2", "wetland_area_ha", "protected_wetland_area_ha"):
        assert city[key] == pytest.approx(a[key] + b[key], rel=1e-12)
    assert city["land_area_km2"] == pytest.approx(200.0, rel=1e-12)
    assert city["forest_coverage_pct"] == pytest.approx(1200 / 20000 * 100, rel=1e-12)
    assert city["wetland_area_ha"] == pytest.approx(1400.0, rel=1e-12)
    assert city["wetland_protection_rate_pct"] == pytest.approx(600 / 1400 * 100, rel=1e-12)
    assert "rollup" in res.basis


def test_stock_and_carbon(ledger):
    rows, _ = ledger
    b = rows["乙县"]
    assert b["forest_stock_10k_m3"] == pytest.approx(50.0 * 10_000 / 1e4, rel=1e-12)  # 50 m³/ha × 10,000 ha
    doc = yaml.safe_load(layer_path("carbon_factors.yaml").read_text(encoding="utf-8"))
    row = next(t for t in doc["types"] if t["type"] == doc["default_type"])
    per_m3 = row["svd"] * row["bef"] * (1 + row["r"]) * row["cf"]
    assert b["carbon_t"] == pytest.approx(500_000 * per_m3, rel=1e-12)
    assert b["co2_t"] == pytest.approx(500_000 * per_m3 * 44 / 12, rel=1e-12)
    assert b["living_tree_stock_10k_m3"] is None


def test_raster_and_vector_ledgers_agree(rasters):
    ledger_mod = pytest.importorskip("sinkmap.analysis.ledger")
    forest = gpd.GeoDataFrame(
        [{"XIAO_BAN": k, "DI_LEI": dl, "YU_BI_DU": ybd} for k, (_, _, dl, ybd) in FOREST.items()],
        geometry=[rect(*box) for box, _, _, _ in FOREST.values()], crs=EQUAL_AREA_CRS)
    wetland = gpd.GeoDataFrame([{"DLBM": f"{v:04d}"} for _, v in WETLAND.values()],
                               geometry=[rect(*box) for box, _ in WETLAND.values()], crs=EQUAL_AREA_CRS)
    vec = ledger_mod.compute_ledger(units(), ledger_mod.LedgerInputs(forest=forest, wetland=wetland,
                                                                     protected=protected()),
                                    ledger_mod.LedgerOptions(year=2025), NullFeedback())
    ras = raster_ledger(units(), landcover=rasters["lc"], scheme="sandiao", year=2025,
                        options=RasterLedgerOptions(protected=protected()))
    keys = ("land_area_km2", "forest_area_ha", "forest_coverage_pct", "wetland_area_ha",
            "protected_wetland_area_ha", "wetland_protection_rate_pct")
    for v, r in zip(vec.rows, ras.rows):
        assert v["name"] == r["name"]
        for k in keys:
            if v[k] is None:
                assert r[k] is None, (r["name"], k)
            else:
                assert r[k] == pytest.approx(v[k], rel=1e-9, abs=1e-9), (r["name"], k)


def test_zone_with_nodata_everywhere(tmp_path, rasters):
    lc = np.full((H, W), 301, np.uint16)
    lc[:, :50] = 0  # x 0–5 km is nodata
    path = tmp_path / "holes.tif"
    with rasterio.open(path, "w", driver="GTiff", height=H, width=W, count=1, dtype="uint16", crs=EQUAL_AREA_CRS,
                       transform=from_origin(X0, Y0 + 10_000, PX, PX), nodata=0) as ds:
        ds.write(lc, 1)
    fb = NullFeedback()
    res = raster_ledger(units(extra=[("西区", (0, 0, 4, 10))]), landcover=path, feedback=fb)
    rows = {r["name"]: r for r in res.rows}
    west = rows["西区"]
    assert west["land_area_km2"] is None and west["forest_coverage_pct"] is None
    assert west["nodata_area_ha"] == pytest.approx(4000.0)
    assert rows["甲县"]["forest_coverage_pct"] == pytest.approx(100.0)  # observed part only: all forest
    assert rows["甲县"]["nodata_area_ha"] == pytest.approx(5000.0)
    assert any("nodata everywhere" in w and "西区" in w for w in map(str, fb.warnings))


def test_needs_a_raster():
    with pytest.raises(InputError, match="no raster"):
        raster_ledger(units())


def test_negative_and_infinite_stock_cells_are_nodata_with_a_warning(tmp_path):
    """Issue 10: a stock raster with negative and infinite cells gave −544 万m³ and CO₂ = inf."""
    from sinkmap.analysis.zonal import zonal_sum
    from sinkmap.core.feedback import NullFeedback

    stock = np.full((H, W), 50.0, np.float32)
    stock[0, :10] = -9999.0  # an undeclared nodata value: 10 cells
    stock[1, :3] = np.inf
    stock[2, :2] = -np.inf
    path = tmp_path / "stock_bad.tif"
    with rasterio.open(path, "w", driver="GTiff", height=H, width=W, count=1, dtype="float32", crs=EQUAL_AREA_CRS,
                       transform=from_origin(X0, Y0 + 10_000, PX, PX)) as ds:  # no nodata declared
        ds.write(stock, 1)
    fb = NullFeedback()
    res = raster_ledger(units(), stock_raster=path, year=2025, feedback=fb)
    rows = {r["name"]: r for r in res.rows}
    cell_ha = PX * PX / 1e4
    valid_ha = 10_000 - 15 * cell_ha  # 甲县 is 10 km × 10 km, holds the 15 bad cells (top-left corner)
    assert rows["甲县"]["forest_stock_10k_m3"] == pytest.approx(50.0 * valid_ha / 1e4, rel=1e-9)
    assert rows["乙县"]["forest_stock_10k_m3"] == pytest.approx(50.0, rel=1e-9)
    for r in rows.values():
        assert np.isfinite(r["co2_t"]) and r["co2_t"] > 0
    notices = [w for w in fb.warnings if getattr(w, "code", "") == "analysis.zonal.refused_values"]
    assert len(notices) == 1 and notices[0].params["n"] == 15 and str(path) in str(notices[0])
    assert res.stock.refused_cells.tolist() == [15, 0]
    # a plain zonal sum (not a density) keeps negative values and refuses only the infinite ones
    plain = zonal_sum(path, units().iloc[1:2])
    assert plain.refused_cells.tolist() == [5]
