"""The jobs' whole-process speed-ups change no result (issue 15, point 4): rule layers read only where they can
reach the grid, rule values matched per distinct value, web-map font subsets kept in the cache."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from affine import Affine
from shapely.geometry import box

from sinkmap.analysis.siting.exclusions import _matches, _reach_box, _vector_on_grid, compute_exclusions
from sinkmap.analysis.siting.grid import Grid
from sinkmap.analysis.siting.rules import Condition, norm_code, parse_rule


def _slow_matches(series, cond):  # the per-row definition the vectorised one must equal
    notnull = series.notna().to_numpy()
    codes = series.map(lambda v: norm_code(v) if v is not None and v == v else "")
    if cond.values is not None:
        return codes.isin(cond.values).to_numpy() & notnull
    return ~codes.isin(cond.not_values).to_numpy() & notnull


@pytest.mark.parametrize("values", [
    ["0101", "101", 101, 101.0, " 0101 ", None, float("nan"), "0102", "耕地", True, 1, 1.0, "1", "0", 0, "", "00"],
    pd.array(["0101", "0102", "0101", "1101"], dtype="string"),
    [1.0, 2.0, np.nan, 101.0, 1101.0],
])
def test_matches_per_distinct_value_equals_the_per_row_definition(values):
    s = pd.Series(values)
    for cond in (Condition(field="K", values=("101", "1", "耕地", "0")), Condition(field="K", not_values=("101", "1"))):
        got = _matches(s, cond)
        assert got.dtype == bool and got.tolist() == _slow_matches(s, cond).tolist()
    # by hand for the first case: "0101", "101", 101, 101.0, " 0101 " normalise to "101"; True to "True"
    if len(values) == 17:
        hand = [True] * 5 + [False, False, False, True, False, True, True, True, True, True, False, True]
        assert _matches(s, Condition(field="K", values=("101", "1", "耕地", "0"))).tolist() == hand


def test_matches_missing_text_matches_nothing():
    s = pd.Series(pd.array(["0101", None, "1101"], dtype="string"))  # the per-row map raised on pd.NA here
    assert _matches(s, Condition(field="K", values=("101",))).tolist() == [True, False, False]
    assert _matches(s, Condition(field="K", not_values=("101",))).tolist() == [False, False, True]


def test_reach_box_covers_the_buffer_on_a_lonlat_grid():
    g = Grid(Affine(0.001, 0, 113.0, 0, -0.001, 28.3), 100, 100, "EPSG:4490")  # 0.1° square at 28.2–28.3°N
    x0, y0, x1, y1 = _reach_box(g, 0.0)
    assert x0 < 113.0 and y0 < 28.2 and x1 > 113.1 and y1 > 28.3  # a margin even without a buffer
    assert 113.0 - x0 < 0.01 and y1 - 28.3 < 0.01
    bx0, by0, bx1, by1 = _reach_box(g, 10_000.0)  # 10 km: ≥ 0.09° of latitude, ≥ 0.102° of longitude at 28.3°N
    assert 28.2 - by0 >= 10_000 / 110_574 and by1 - 28.3 >= 10_000 / 110_574
    assert 113.0 - bx0 >= 10_000 / (111_320 * np.cos(np.radians(28.4))) and bx1 - 113.1 >= 0.102


def test_file_rule_layer_read_near_the_grid_gives_the_same_exclusions(tmp_path):
    """A GeoPackage with features near and far from the grid: the rules (one with a 2 km buffer, one without)
    give the same arrays as with the whole layer given in memory."""
    import geopandas as gpd

    g = Grid(Affine(0.0005, 0, 113.0, 0, -0.0005, 28.3), 60, 60, "EPSG:4490")  # 0.03° ≈ 3 km square
    unit = box(113.0, 28.27, 113.03, 28.3)
    geoms = [box(113.01, 28.28, 113.012, 28.282),  # inside
             box(113.035, 28.285, 113.036, 28.286),  # ≈ 0.5 km east: only its 2 km buffer reaches
             box(113.045, 28.28, 113.046, 28.281),  # ≈ 1.5 km east: buffer reaches
             box(113.2, 28.28, 113.21, 28.29),  # ≈ 17 km east: never
             box(112.0, 27.0, 112.1, 27.1)]  # far away
    frame = gpd.GeoDataFrame({"K": ["a", "a", "b", "a", "b"]}, geometry=geoms, crs="EPSG:4490")
    path = tmp_path / "rules.gpkg"
    frame.to_file(path, layer="prot", driver="GPKG")
    near = _vector_on_grid((str(path), "prot"), g, 2000.0)
    assert sorted(near["K"].tolist()) == ["a", "a", "b"]  # the three features a 2 km buffer can bring in
    assert len(_vector_on_grid((str(path), "prot"), g, 0.0)) == 1  # without a buffer: the one inside only

    def rule(rule_id, **kw):
        return parse_rule({"id": rule_id, "tech": "pv", "layer": "protected", "effect": "exclude",
                           "citation": {"document": "D", "clause_zh": "c", "source": "t"}, **kw}, "t.yaml", rule_id)

    rules = [rule("buf", buffer_m=2000.0, where={"field": "K", "values": ["a", "b"]}),
             rule("plain", where={"field": "K", "values": ["a"]})]
    from_file = compute_exclusions(unit, rules, {"protected": (str(path), "prot")}, g, unit_name="U", tech="pv")
    in_memory = compute_exclusions(unit, rules, {"protected": frame}, g, unit_name="U", tech="pv")
    assert from_file.bitmask.any() and np.array_equal(from_file.bitmask, in_memory.bitmask)
    assert np.array_equal(from_file.inclusion, in_memory.inclusion)
    assert from_file.stats == in_memory.stats


def test_font_subset_is_cached_and_the_same(tmp_path, monkeypatch):
    pytest.importorskip("fontTools")
    pytest.importorskip("noto_cjk_sans_otc")
    from sinkmap.export import fonts

    monkeypatch.setenv("SINKMAP_HOME", str(tmp_path))
    fonts.cjk_font.cache_clear()
    text = "岳麓区湿地"
    first = fonts.font_subset(text)
    entries = list((tmp_path / "cache" / "fonts").glob("*.otf"))
    assert len(entries) == 1 and entries[0].read_bytes() == first
    ref = fonts.cjk_font()
    made = fonts._subset(ref, "".join(sorted(set(text) | {chr(c) for c in range(0x20, 0x7F)})))
    assert made == first and fonts.font_subset(text) == first  # from the cache, byte for byte
    entries[0].write_bytes(b"garbage")  # a damaged entry is made again
    assert fonts.font_subset(text) == first and entries[0].read_bytes() == first
    fonts.cjk_font.cache_clear()
    assert fonts.cjk_font() == ref  # the face found again from its cache entry


def test_site_footprint_cover_equals_the_rasteriser():
    """The numpy exact cover used for a site's land-cover hits agrees with the numba rasteriser (to rounding)
    and with the polygon's own area: a disc with a hole on a 0.00025° grid."""
    import shapely

    from sinkmap.analysis.siting.rules_hit import _footprint_cover
    from sinkmap.analysis.zonal.rasterize import zone_cover

    t = Affine(0.00025, 0, 112.85, 0, -0.00025, 28.21)
    disc = shapely.Point(112.8525, 28.2075).buffer(0.0017, quad_segs=12)
    geom = disc.difference(shapely.Point(112.8525, 28.2075).buffer(0.0004, quad_segs=6))
    got = _footprint_cover(geom, t, 30, 30)
    assert np.abs(got - zone_cover(geom, t, 30, 30).dense(30, 30)).max() < 1e-12
    assert got.sum() * 0.00025 ** 2 == pytest.approx(geom.area, rel=1e-12)
    assert got.min() >= 0 and got.max() <= 1 + 1e-12


def test_gcj02_verdict_is_kept_per_file_and_options(tmp_path, monkeypatch):
    """The GCJ-02 test runs once per file and read options; its warning is given again from the cache; an edited
    file or another box is tested again; a read without feedback (warnings to no one) is not tested."""
    import geopandas as gpd

    from sinkmap.core.feedback import NullFeedback
    from sinkmap.io import gcj02_detect
    from sinkmap.io.vectors import read_vector

    monkeypatch.setenv("SINKMAP_HOME", str(tmp_path / "home"))
    calls = []

    def fake(geoms):
        calls.append(len(geoms))
        return True

    monkeypatch.setattr(gcj02_detect, "looks_gcj02", fake)
    path = tmp_path / "a.gpkg"
    gpd.GeoDataFrame({"k": [1, 2]}, geometry=[box(112.9, 28.1, 112.91, 28.11), box(113.0, 28.2, 113.01, 28.21)],
                     crs="EPSG:4490").to_file(path, layer="a", driver="GPKG")

    def warned(**kw):
        fb = NullFeedback()
        read_vector(path, feedback=fb, **kw)
        return [w.code for w in fb.warnings if w.code == "io.vector.looks_gcj02"]

    assert warned() == ["io.vector.looks_gcj02"] and calls == [2]
    assert warned() == ["io.vector.looks_gcj02"] and calls == [2]  # from the cache, the same warning
    assert warned(bbox=(112.8, 28.0, 112.95, 28.15)) == ["io.vector.looks_gcj02"] and calls == [2, 1]
    read_vector(path)  # no feedback: not tested
    assert calls == [2, 1]
    gpd.GeoDataFrame({"k": [1]}, geometry=[box(112.9, 28.1, 112.91, 28.11)], crs="EPSG:4490").to_file(
        path, layer="a", driver="GPKG", mode="w")
    assert warned() == ["io.vector.looks_gcj02"] and calls == [2, 1, 1]  # the file changed: tested again
