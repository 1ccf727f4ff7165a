"""sinkmap.analysis.assess: status and gap on hand-computed cases."""

from __future__ import annotations

import pytest

from sinkmap.analysis.assess import ApproxBand, assess, assess_all, assess_city
from sinkmap.core.indicators import Comparator, Status, Target
from sinkmap.io.targets import load_targets


def target(indicator: str, value: float, comparator: str, unit: str, basis: str) -> Target:
    return Target(city="测试市", year=2025, indicator=indicator, value=value, unit=unit,
                  comparator=Comparator(comparator), basis=basis, quote="", seed="", line=0)


COV55_GE = target("forest_coverage_pct", 55, "ge", "%", "森林覆盖率")
COV55_APPROX = target("forest_coverage_pct", 55, "approx", "%", "森林覆盖率")


def test_coverage_gap_in_hectares():
    # land 1000 km² = 100,000 ha; 55 % of it = 55,000 ha; forest 50,000 ha → 5,000 ha short (50 %)
    a = assess(COV55_GE, {"land_area_km2": 1000, "forest_area_ha": 50_000})
    assert a.status is Status.SHORT
    assert a.measured == pytest.approx(50.0)
    assert a.gap == pytest.approx(5_000.0) and a.gap_unit == "ha"
    d = a.to_dict()
    assert {k: d[k] for k in ("indicator", "value", "comparator", "status")} == {
        "indicator": "forest_coverage_pct", "value": 55, "comparator": "ge", "status": "short"}
    assert d["gap"] == pytest.approx(5_000.0)


def test_coverage_met_exactly_and_above():
    # 55,000 / 100,000 = 55 % exactly (a derived ratio with float noise is still met)
    assert assess(COV55_GE, {"land_area_km2": 1000, "forest_area_ha": 55_000}).status is Status.MET
    a = assess(COV55_GE, {"land_area_km2": 1000, "forest_area_ha": 60_000})
    assert (a.status, a.gap) == (Status.MET, 0.0)


@pytest.mark.parametrize("forest_ha, status, gap", [
    (55_000, Status.MET, 0.0),           # 55.0 %
    (54_500, Status.WITHIN_BAND, 500.0),  # 54.5 % ≥ 55 − 1 point; 55,000 − 54,500 ha
    (54_000, Status.WITHIN_BAND, 1_000.0),  # 54.0 %: the band edge is inside
    (53_900, Status.SHORT, 1_100.0),     # 53.9 % < 54 %
])
def test_approx_band_default_one_point(forest_ha, status, gap):
    a = assess(COV55_APPROX, {"land_area_km2": 1000, "forest_area_ha": forest_ha})
    assert a.status is status and a.gap == pytest.approx(gap) and a.band == 1.0


def test_approx_band_is_a_setting():
    m = {"land_area_km2": 1000, "forest_area_ha": 54_500}  # 54.5 %
    assert assess(COV55_APPROX, m, ApproxBand(pct_points=0.25)).status is Status.SHORT
    # non-% approx: 2 % of 4000 = 80 万m³ band, so 3930 is within and 3910 short
    stock = target("forest_stock_10k_m3", 4000, "approx", "万m³", "森林蓄积量")
    assert assess(stock, {"forest_stock_10k_m3": 3930}).status is Status.WITHIN_BAND
    a = assess(stock, {"forest_stock_10k_m3": 3910})
    assert (a.status, a.gap, a.gap_unit) == (Status.SHORT, pytest.approx(90.0), "万m³")
    assert assess(stock, {"forest_stock_10k_m3": 3910}, ApproxBand(relative=0.05)).status is Status.WITHIN_BAND


def test_ge_reach_stable_have_no_band():
    m = {"land_area_km2": 1000, "forest_area_ha": 54_900}  # 54.9 %
    for comp in ("ge", "reach", "stable"):
        a = assess(target("forest_coverage_pct", 55, comp, "%", "森林覆盖率"), m)
        assert a.status is Status.SHORT and a.band is None and a.gap == pytest.approx(100.0)


def test_stock_gap():
    a = assess(target("forest_stock_10k_m3", 3500, "ge", "万m³", "森林蓄积量"), {"forest_stock_10k_m3": 3321.5})
    assert a.status is Status.SHORT and a.gap == pytest.approx(178.5)


def test_wetland_area_target_in_10k_ha_gap_in_ha():
    # target 3.98 万公顷 = 39,800 ha; measured 37,650 ha → 2,150 ha short, measured 3.765 万公顷
    a = assess(target("wetland_area_10k_ha", 3.98, "ge", "万公顷", "湿地面积"), {"wetland_area_ha": 37_650})
    assert a.measured == pytest.approx(3.765)
    assert (a.status, a.gap_unit) == (Status.SHORT, "ha") and a.gap == pytest.approx(2_150.0)


def test_protection_rate_gap_in_hectares_to_protect():
    # wetland 40,000 ha, protected 28,000 ha → 70 %; 76 % of 40,000 = 30,400 ha → 2,400 ha to protect
    t = target("wetland_protection_rate_pct", 76, "ge", "%", "湿地保护率")
    a = assess(t, {"wetland_area_ha": 40_000, "protected_wetland_area_ha": 28_000})
    assert a.measured == pytest.approx(70.0) and a.status is Status.SHORT
    assert a.gap == pytest.approx(2_400.0) and a.gap_unit == "ha"
    met = assess(t, {"wetland_area_ha": 40_000, "protected_wetland_area_ha": 30_400})
    assert (met.status, met.gap) == (Status.MET, 0.0)


def test_no_target_and_no_data():
    a = assess(None, {"forest_stock_10k_m3": 100}, indicator="forest_stock_10k_m3")
    assert (a.status, a.gap, a.value, a.measured) == (Status.NO_TARGET, None, None, 100)
    assert a.to_dict()["status"] == "no_target"
    b = assess(COV55_GE, {"land_area_km2": 1000, "forest_area_ha": None})
    assert (b.status, b.gap) == (Status.NO_DATA, None)
    c = assess(COV55_GE, {"forest_coverage_pct": 50.0})  # status without land area: gap unknown
    assert (c.status, c.gap) == (Status.SHORT, None)


def test_basis_difference_is_never_silent():
    ts = load_targets(include_default_user_file=False)
    cs = ts.get("长沙市", 2025, "forest_coverage_pct")  # 森林覆盖率（林木绿化率）
    m = {"land_area_km2": 11_820, "forest_area_ha": 650_100}  # 650,100 / 1,182,000 = 55.0 %
    plain = assess(cs, m)
    assert plain.status is Status.MET and plain.measure_basis == "森林覆盖率"
    assert plain.basis_note and "林木绿化率" in plain.basis_note
    same = assess(cs, m, measure_basis={"forest_coverage_pct": "森林覆盖率(林木绿化率)"})
    assert same.basis_note is None
    zz = assess(ts.get("株洲", 2025, "forest_coverage_pct"), m)
    assert zz.basis_note is None


def test_assess_all_and_city_rows():
    ts = load_targets(include_default_user_file=False)
    rows = assess_all(ts.for_city("郴州", 2025), {"forest_coverage_pct": 61.0})
    assert [(r.indicator, r.status) for r in rows] == [
        ("forest_coverage_pct", Status.MET), ("forest_stock_10k_m3", Status.NO_DATA),
        ("wetland_protection_rate_pct", Status.NO_DATA)]
    city = {a.indicator: a for a in assess_city(ts, "郴州", 2030, {"forest_stock_10k_m3": 7500})}
    stock = city["forest_stock_10k_m3"]
    assert stock.status is Status.NO_TARGET and "2035" in stock.reason
    assert stock.next_target == "森林蓄积量 2035 不低于 10000 万m³"
    assert stock.measured == 7500
    assert len(city) == 5
