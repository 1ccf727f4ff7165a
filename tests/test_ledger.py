"""The vector ledger on the fixture of tests/fixtures_ledger.py, with the expected values worked out by hand.

Areas: every rectangle's ellipsoidal area is computed independently with pyproj.Geod (fx.geod_ha) and the
ledger (Albers equal-area) must agree within 0.01 %. The nominal GK areas are given in the comments; the
Geod values differ from them by the Gauss–Krüger scale (~100 km from the central meridian, ≈ 0.02 %).
"""

from __future__ import annotations

import geopandas as gpd
import pytest

import fixtures_ledger as fx
from sinkmap.analysis.ledger import LedgerInputs, LedgerOptions, compute_ledger
from sinkmap.core.errors import FieldError, InputError
from sinkmap.core.feedback import NullFeedback

REL = 1e-4  # 0.01 %
R = fx.FOREST_RECTS
# carbon per m³ = SVD × BEF × (1 + R) × CF, rows of layers/carbon_factors.yaml
C_FIR = 0.307 * 1.634 * 1.246 * 0.5  # 杉木
C_MASSON = 0.380 * 1.472 * 1.187 * 0.5  # 马尾松
C_OAK = 0.676 * 1.355 * 1.292 * 0.5  # 栎类


def run(units=None, options=None, **layers):
    fb = NullFeedback()
    result = compute_ledger(units if units is not None else fx.units(), LedgerInputs(**layers),
                            options or LedgerOptions(year=2025), fb)
    return {r["name"]: r for r in result.rows}, result, fb


@pytest.fixture(scope="module")
def full():
    return run(forest=fx.forest(), wetland=fx.wetland(), protected=fx.protected())


def test_county_forest(full):
    rows, _, _ = full
    a = rows["甲县"]
    land_ha = fx.geod_ha(fx.COUNTY_A)  # 10 km × 10 km = 10 000 ha nominal
    assert a["land_area_km2"] == pytest.approx(land_ha / 100, rel=REL)
    # forest = F1 乔木林 + F2 乔木林 + F5 竹林 + F6 特灌 + F8's half in A
    #        = 600 + 400 + 200 + 200 + 100 = 1500 ha nominal; F3 (canopy 0.15), F4 疏林, F7 其他灌木 are out
    forest_ha = fx.geod_ha(R["F1"], R["F2"], R["F5"], R["F6"], fx.F8_IN_A)
    assert a["forest_area_ha"] == pytest.approx(forest_ha, rel=REL)
    assert a["forest_coverage_pct"] == pytest.approx(forest_ha / land_ha * 100, rel=REL)  # ≈ 15 %
    # 森林蓄积量 (乔木林 only) = 100×F1 + 80×F2 + 100×F8∩A = 60 000 + 32 000 + 10 000 = 102 000 m³ nominal
    stock = 100 * fx.geod_ha(R["F1"]) + 80 * fx.geod_ha(R["F2"]) + 100 * fx.geod_ha(fx.F8_IN_A)
    assert a["forest_stock_10k_m3"] == pytest.approx(stock / 1e4, rel=REL)
    # 活立木 adds F3 (50 m³/ha × 200 ha) and F4 疏林 (20 × 200): 102 000 + 10 000 + 4 000 = 116 000 m³
    living = stock + 50 * fx.geod_ha(R["F3"]) + 20 * fx.geod_ha(R["F4"])
    assert a["living_tree_stock_10k_m3"] == pytest.approx(living / 1e4, rel=REL)
    # carbon: 杉木 on F1, F3; 马尾松 on F2, F4; 栎类 on F8∩A
    carbon = ((100 * fx.geod_ha(R["F1"]) + 50 * fx.geod_ha(R["F3"])) * C_FIR
              + (80 * fx.geod_ha(R["F2"]) + 20 * fx.geod_ha(R["F4"])) * C_MASSON
              + 100 * fx.geod_ha(fx.F8_IN_A) * C_OAK)
    assert a["carbon_t"] == pytest.approx(carbon, rel=REL)
    assert a["co2_t"] == pytest.approx(carbon * 44 / 12, rel=REL)


def test_wetland_protection_counts_overlapping_protected_areas_once(full):
    rows, result, _ = full
    a = rows["甲县"]
    # wetland (三调 1108 沼泽地 + 1101 河流水面, water included): x 0–6, y 6–8 = 1200 ha nominal
    wet = fx.geod_ha(fx.WETLAND_RECTS["W1"], fx.WETLAND_RECTS["W2"])
    assert a["wetland_area_ha"] == pytest.approx(wet, rel=REL)
    # protected: P1 ∩ W = x 1–3, y 6–8 (400 ha); P2 ∩ W = x 2–5, y 7–8 (300 ha); they share x 2–3, y 7–8 (100 ha)
    # union = 400 + 300 − 100 = 600 ha = (x 1–3, y 6–8) + (x 3–5, y 7–8); double counting would give 700
    prot = fx.geod_ha((1, 6, 3, 8), (3, 7, 5, 8))
    assert a["protected_wetland_area_ha"] == pytest.approx(prot, rel=REL)
    assert a["wetland_protection_rate_pct"] == pytest.approx(prot / wet * 100, rel=REL)  # ≈ 50 %
    assert "dissolved" in result.basis["wetland_protection_rate_pct"]


def test_wetland_without_open_water():
    rows, _, _ = run(forest=None, wetland=fx.wetland(), protected=fx.protected(),
                     options=LedgerOptions(year=2025, wetland_includes_water=False))
    a = rows["甲县"]
    # only W1 (1108 沼泽地): x 0–4, y 6–8 = 800 ha; protected part (x 1–3, y 6–8) + (x 3–4, y 7–8) = 500 ha
    assert a["wetland_area_ha"] == pytest.approx(fx.geod_ha(fx.WETLAND_RECTS["W1"]), rel=REL)
    assert a["protected_wetland_area_ha"] == pytest.approx(fx.geod_ha((1, 6, 3, 8), (3, 7, 4, 8)), rel=REL)
    assert a["forest_area_ha"] is None and a["carbon_t"] is None  # no forest layer: None, not 0


def test_city_is_the_sum_of_its_counties_and_the_zone_is_independent(full):
    rows, _, _ = full
    a, b, city, zone = rows["甲县"], rows["乙县"], rows["长沙市"], rows["示范区"]
    for key in ("land_area_km2", "forest_area_ha", "forest_stock_10k_m3", "living_tree_stock_10k_m3",
                "carbon_t", "co2_t"):
        assert city[key] == pytest.approx(a[key] + b[key], rel=1e-12), key
    # B holds F8's other half only: 100 ha of 栎类 at 100 m³/ha
    assert b["forest_area_ha"] == pytest.approx(fx.geod_ha(fx.F8_IN_B), rel=REL)
    # ratio recomputed from the sums, not the mean of 15 % and 1 %
    assert city["forest_coverage_pct"] == pytest.approx(
        (a["forest_area_ha"] + b["forest_area_ha"]) / (a["land_area_km2"] + b["land_area_km2"]), rel=1e-12)
    assert city["forest_coverage_pct"] == pytest.approx(8.0, rel=1e-3)  # 1600 ha / 20 000 ha
    # the wetland layer does not reach 乙县, so its wetland is unknown, and so is the city's
    assert b["wetland_area_ha"] is None and city["wetland_area_ha"] is None
    assert city["wetland_protection_rate_pct"] is None
    # zone x 0–5, y 0–5 (inside A, not summed into the city): F1 + F2 = 1000 ha forest; F3 excluded
    assert zone["forest_area_ha"] == pytest.approx(fx.geod_ha(R["F1"], R["F2"]), rel=REL)
    assert zone["land_area_km2"] == pytest.approx(fx.geod_ha(fx.ZONE_Z) / 100, rel=REL)


def test_city_without_counties_is_computed_directly():
    units = fx.units()
    city_only = units[units["level"] == "city"]
    rows, _, _ = run(units=city_only, forest=fx.forest())
    # whole city: the 1500 ha of A + F8's half in B = all of F1, F2, F5, F6, F8
    assert rows["长沙市"]["forest_area_ha"] == pytest.approx(
        fx.geod_ha(R["F1"], R["F2"], R["F5"], R["F6"], R["F8"]), rel=REL)


def test_options_special_shrub_and_canopy():
    opts = LedgerOptions(year=2025, include_special_shrub=False, min_canopy=0.1)
    rows, _, _ = run(forest=fx.forest(), options=opts)
    # without 特灌 F6, with F3 (canopy 0.15 ≥ 0.1): F1 + F2 + F3 + F5 + F8∩A
    assert rows["甲县"]["forest_area_ha"] == pytest.approx(
        fx.geod_ha(R["F1"], R["F2"], R["F3"], R["F5"], fx.F8_IN_A), rel=REL)


def test_missing_stock_field_gives_none_and_a_warning():
    forest = fx.forest().drop(columns=["MEI_GQ_XJ"])
    rows, result, _ = run(forest=forest)
    a = rows["甲县"]
    assert a["forest_area_ha"] is not None
    assert a["forest_stock_10k_m3"] is None and a["living_tree_stock_10k_m3"] is None and a["carbon_t"] is None
    assert any("no stock field" in w for w in map(str, result.warnings))
    assert a["wetland_area_ha"] is None and a["wetland_protection_rate_pct"] is None


def test_explicitly_mapped_missing_field_is_an_error():
    from sinkmap.analysis.fieldmap import detect_mapping

    with pytest.raises(FieldError, match="MGQXJ"):
        detect_mapping(fx.forest(), "forest", overrides={"stock_per_ha": "MGQXJ"})


def test_non_numeric_stock_is_named():
    forest = fx.forest({"F1": "-", "F2": "无", "F3": "50"})
    with pytest.raises(FieldError) as err:
        run(forest=forest, forest_name="小班.shp")
    assert '2 values of field MEI_GQ_XJ in layer 小班.shp are not numbers ("-", "无")' in str(err.value)
    # lenient: treated as missing (乔木林 without a value counts 0 stock), with warnings
    rows, result, _ = run(forest=forest, options=LedgerOptions(year=2025, strict_numbers=False))
    assert rows["甲县"]["forest_stock_10k_m3"] == pytest.approx(100 * fx.geod_ha(fx.F8_IN_A) / 1e4, rel=REL)
    assert any("have no stock value" in w for w in map(str, result.warnings))


def test_area_field_in_mu_with_area_source_field():
    forest = fx.forest()
    # MIAN_JI in 亩 = ha × 15, and F1 deliberately recorded 10 % larger than its geometry (660 ha → 9900 亩)
    ha = [fx.geod_ha(r) for r in R.values()]
    ha[0] *= 1.1
    forest["MIAN_JI"] = [v * 15 for v in ha]
    rows, result, fb = run(forest=forest, options=LedgerOptions(year=2025, area_source="field"))
    assert any("亩" in w for w in map(str, result.warnings))
    # forest area = F1 field area (1.1 × geometry) + F2 + F5 + F6 + half of F8's field area
    expected = 1.1 * fx.geod_ha(R["F1"]) + fx.geod_ha(R["F2"], R["F5"], R["F6"]) + fx.geod_ha(R["F8"]) / 2
    assert rows["甲县"]["forest_area_ha"] == pytest.approx(expected, rel=REL)


def test_unknown_land_class_codes_are_reported():
    forest = fx.forest()
    forest.loc[forest["XIAO_BAN"] == "F6", "DI_LEI"] = "0999"
    rows, result, _ = run(forest=forest)
    assert any("0999 ×1" in w and "unclassified" in w for w in map(str, result.warnings))
    assert rows["甲县"]["forest_area_ha"] == pytest.approx(
        fx.geod_ha(R["F1"], R["F2"], R["F5"], fx.F8_IN_A), rel=REL)


def test_layer_outside_the_units_names_the_unit_and_its_extent():
    forest = fx.forest()
    # the same layer 5° west: as if read in the wrong CRS / wrong county
    forest = forest.set_geometry(forest.geometry.translate(xoff=-5.0))
    county = fx.units(with_city=False, with_zone=False).iloc[[0]]
    with pytest.raises(InputError) as err:
        run(units=county, forest=forest, forest_name="小班.shp")
    text = str(err.value)
    assert "小班.shp does not overlap 甲县" in text and "its extent is lon 107." in text
    assert "GCJ-02" in text


def test_layer_without_crs_is_refused():
    forest = gpd.GeoDataFrame(fx.forest().drop(columns="geometry"), geometry=list(fx.forest().geometry),
                              crs=None)
    with pytest.raises(InputError, match="no CRS"):
        run(forest=forest)


def test_progress_per_unit_and_cancel():
    from sinkmap.core.errors import Cancelled
    from sinkmap.core.feedback import BaseFeedback

    class Recorder(BaseFeedback):
        def __init__(self):
            super().__init__()
            self.texts = []

        def on_progress(self, fraction, text):
            self.texts.append(text)

    fb = Recorder()
    compute_ledger(fx.units(), LedgerInputs(forest=fx.forest()), LedgerOptions(year=2025), fb)
    assert {"甲县", "乙县", "示范区"} <= set(fb.texts) and fb.fraction == 1.0
    fb = NullFeedback()
    fb.cancel()
    with pytest.raises(Cancelled):
        compute_ledger(fx.units(), LedgerInputs(forest=fx.forest()), LedgerOptions(year=2025), fb)


def test_unit_inside_layer_extent_without_forest_is_zero_not_unknown():
    """Three 10 km counties in a row; forest only in the west and east ones. The middle county lies inside
    the layer's extent, so its forest is 0 ha (known), and the city total is the sum (not unknown)."""
    import geopandas as gpd
    from shapely.geometry import box

    from sinkmap.analysis.ledger import LedgerInputs, LedgerOptions, compute_ledger

    x, y = 500_000, 3_100_000  # EPSG:4547 (no zone prefix): on the central meridian 114°E, scale 1
    counties = [box(x + i * 10_000, y, x + (i + 1) * 10_000, y + 10_000) for i in range(3)]
    zones = gpd.GeoDataFrame({"name": ["W", "M", "E", "C"], "adcode": ["1", "2", "3", "9"],
                              "level": ["county"] * 3 + ["city"], "parent": ["C", "C", "C", None]},
                             geometry=counties + [box(x, y, x + 30_000, y + 10_000)], crs="EPSG:4547").to_crs("EPSG:4490")
    forest = gpd.GeoDataFrame({"DI_LEI": ["0111", "0111"], "MEI_GQ_XJ": [100.0, 100.0]},
                              geometry=[box(x + 1000, y + 1000, x + 2000, y + 2000),
                                        box(x + 28_000, y + 1000, x + 29_000, y + 2000)],
                              crs="EPSG:4547").to_crs("EPSG:4490")
    res = compute_ledger(zones, LedgerInputs(forest=forest), LedgerOptions(year=2025))
    rows = {r["name"]: r for r in res.rows}
    assert rows["M"]["forest_area_ha"] == 0.0 and rows["M"]["forest_stock_10k_m3"] == 0.0
    assert rows["C"]["forest_area_ha"] == pytest.approx(rows["W"]["forest_area_ha"] + rows["E"]["forest_area_ha"])
    assert rows["C"]["forest_area_ha"] == pytest.approx(200.0, rel=1e-3)  # two 1 km² squares, GK scale ≈ 1
