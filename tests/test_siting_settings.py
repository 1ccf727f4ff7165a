"""Suitability settings: the weights file's ``criteria:`` section, the land-cover criterion on a grid, defaults.

Fast (no demo world): the parser is checked on small YAML files, the land cover on a 2 × 2 raster scored onto
a 4 × 4 grid by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from sinkmap.analysis.siting.settings import (CRITERIA, DEFAULT_WEIGHTS, PV_LANDCOVER, apply_transform, criteria_for,
                                              landcover_on_grid, reach_m, read_weights_file, weights_for)
from sinkmap.core.errors import InputError


def _w(tmp_path, text, name="w.yaml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_criteria_section_is_read_and_overrides_the_defaults(tmp_path):
    path = _w(tmp_path, """\
criteria:
  slope: {falling: [5, 30]}
  aspect: {full_effect_slope_deg: 4}
  substation: {piecewise: [[1000, 1], [5000, 0.8], [20000, 0]]}
  road: {ranges: {breaks: [500, 2000], scores: [1, 0.6, 0.2]}}
  landcover: {categories: {"0404": 1, 601: 0.5}, default: 0}
  resource: {percentiles: [10, 90]}
""")
    wf = read_weights_file(path, "pv")
    assert wf.weights is None and wf.pairwise is None
    assert wf.criteria["landcover"] == {"categories": {"0404": 1.0, "0601": 0.5}, "default": 0.0}  # 601 → "0601"
    specs = criteria_for("pv", wf.criteria)
    assert specs["slope"]["transform"] == {"falling": [5.0, 30.0]}
    assert specs["aspect"]["full_effect_slope_deg"] == 4.0 and "transform" not in specs["aspect"]
    assert specs["substation"]["transform"] == {"piecewise": [[1000.0, 1.0], [5000.0, 0.8], [20000.0, 0.0]]}
    assert specs["substation"]["role"] == "substations"  # what the override does not name is kept
    assert specs["road"]["transform"] == {"ranges": {"breaks": [500.0, 2000.0], "scores": [1.0, 0.6, 0.2]}}
    assert specs["resource"]["percentiles"] == [10.0, 90.0]
    # the defaults themselves are untouched
    assert CRITERIA["pv"]["slope"]["transform"] == {"falling": [3.0, 25.0]}
    assert criteria_for("pv")["road"]["transform"] == {"falling": [500.0, 5000.0]}
    # scores by hand
    d = np.array([[0.0, 1000.0, 3000.0], [5000.0, 12500.0, 1e300]])
    np.testing.assert_allclose(apply_transform(d, specs["substation"]["transform"], "substation"),
                               [[1, 1, 0.9], [0.8, 0.4, 0]], atol=1e-6)
    np.testing.assert_allclose(apply_transform(np.array([[0.0, 499.9, 500.0], [1999.0, 2000.0, 9e9]]),
                                               specs["road"]["transform"], "road"), [[1, 1, 0.6], [0.6, 0.2, 0.2]],
                               atol=1e-6)
    assert reach_m(specs["substation"]["transform"]) == 20000 and reach_m(specs["road"]["transform"]) == 2000


def test_weights_and_criteria_together_and_an_absolute_resource_curve(tmp_path):
    wf = read_weights_file(_w(tmp_path, "weights: {elevation: 0.5, slope: 0.5}\n"
                                        "criteria: {resource: {rising: [4.5, 7]}}\n"), "wind")
    assert wf.weights == {"elevation": 0.5, "slope": 0.5}
    spec = criteria_for("wind", wf.criteria)["resource"]
    assert spec["transform"] == {"rising": [4.5, 7.0]} and "percentiles" not in spec  # m/s, not relative


@pytest.mark.parametrize("text, code, key", [
    ("criteria: {slope: {falling: [30, 5]}}", "analysis.siting.criteria.bad_value", "criteria.slope.falling"),
    ("criteria: {slope: {falling: [5]}}", "analysis.siting.criteria.bad_value", "criteria.slope.falling"),
    ("criteria: {slope: {falling: [0, 5], rising: [0, 5]}}", "analysis.siting.criteria.bad_value", "criteria.slope"),
    ("criteria: {slope: {piecewise: [[0, 1], [0, 0]]}}", "analysis.siting.criteria.bad_value",
     "criteria.slope.piecewise"),
    ("criteria: {slope: {piecewise: [[0, 1], [9, 1.5]]}}", "analysis.siting.criteria.bad_value",
     "criteria.slope.piecewise"),
    ("criteria: {road: {ranges: {breaks: [1, 2], scores: [1, 0]}}}", "analysis.siting.criteria.bad_value",
     "criteria.road.ranges"),
    ("criteria: {road: {ranges: {breaks: [2, 1], scores: [1, 0.5, 0]}}}", "analysis.siting.criteria.bad_value",
     "criteria.road.ranges.breaks"),
    ("criteria: {landcover: {falling: [0, 1]}}", "analysis.siting.criteria.wrong_transform",
     "criteria.landcover.falling"),
    ("criteria: {slope: {categories: {a: 1}}}", "analysis.siting.criteria.wrong_transform",
     "criteria.slope.categories"),
    ("criteria: {landcover: {categories: {'0101': 2}}}", "analysis.siting.criteria.bad_value",
     "criteria.landcover.categories.0101"),
    ("criteria: {landcover: {categories: {'0101': 1}, default: -1}}", "analysis.siting.criteria.bad_value",
     "criteria.landcover.default"),
    ("criteria: {slope: {steepness: 3}}", "analysis.siting.criteria.unknown_key", "criteria.slope.steepness"),
    ("criteria: {resource: {percentiles: [5, 95], rising: [1, 2]}}", "analysis.siting.criteria.bad_value",
     "criteria.resource"),
    ("criteria: {resource: {percentiles: [5, 120]}}", "analysis.siting.criteria.bad_value",
     "criteria.resource.percentiles"),
    ("criteria: {aspect: {full_effect_slope_deg: 0}}", "analysis.siting.criteria.bad_value",
     "criteria.aspect.full_effect_slope_deg"),
    ("criteria: {slope: []}", "analysis.siting.criteria.bad_value", "criteria.slope"),
    ("critera: {slope: {falling: [0, 5]}}\nweights: {slope: 1}", "analysis.siting.criteria.unknown_key", "critera"),
])
def test_bad_criteria_name_the_file_and_the_key(tmp_path, text, code, key):
    path = _w(tmp_path, text + "\n")
    with pytest.raises(InputError) as err:
        read_weights_file(path, "pv")
    e = err.value
    assert e.code == code and e.params.get("key") == key
    for lang in ("en", "zh_CN"):
        msg = e.render(lang)
        assert str(path) in msg and key in msg


def test_unknown_criterion_lists_the_technologys_criteria(tmp_path):
    path = _w(tmp_path, "criteria: {elevation: {rising: [100, 900]}}\n")
    with pytest.raises(InputError) as err:
        read_weights_file(path, "pv")  # elevation is a wind criterion
    assert err.value.code == "analysis.siting.criteria.unknown"
    msg = err.value.render("en")
    assert str(path) in msg and "'elevation'" in msg and "landcover" in msg and "slope" in msg
    assert read_weights_file(path, "wind").criteria["elevation"] == {"rising": [100.0, 900.0]}


def test_default_weights_renormalise_over_the_criteria_present():
    for tech, w in DEFAULT_WEIGHTS.items():
        assert sum(w.values()) == pytest.approx(1) and set(w) == set(CRITERIA[tech])
    w = weights_for("pv", ["slope", "aspect", "substation", "road", "landcover"])
    assert w["landcover"] == pytest.approx(0.25 / 0.75) and w["slope"] == pytest.approx(0.15 / 0.75)
    w = weights_for("wind", ["elevation", "slope", "substation", "road"])
    # flat low land next to a road and a substation: elevation 0, the rest 1 → below the regions' threshold 0.6
    assert 1 - w["elevation"] == pytest.approx(0.35 / 0.6) and 1 - w["elevation"] < 0.6


def test_pv_landcover_table_scores_every_sandiao_class():
    from sinkmap.io.schemes import load_scheme

    codes = {c.code for c in load_scheme("sandiao").classes}
    assert set(PV_LANDCOVER) == codes and all(0 <= v <= 1 for v in PV_LANDCOVER.values())
    assert PV_LANDCOVER["1206"] == PV_LANDCOVER["0602"] == 1.0  # bare soil, mined land
    assert PV_LANDCOVER["0701"] == PV_LANDCOVER["0101"] == PV_LANDCOVER["1101"] == 0.0  # housing, paddy, river
    assert PV_LANDCOVER["1104"] == 0.8 and PV_LANDCOVER["0201"] == 0.6  # the plans' preferences' weights


def test_landcover_scored_at_its_resolution_and_averaged_onto_the_grid(tmp_path):
    """Land cover 2 × 2 cells of 0.02°; grid 4 × 4 cells of 0.01° shifted by half a cell: each grid cell
    covers 1, 2 or 4 land-cover cells in known shares."""
    import rasterio
    from affine import Affine

    from sinkmap.analysis.siting.grid import Grid

    path = tmp_path / "lc.tif"
    codes = np.array([[601, 1206], [101, 9999]], dtype=np.uint16)  # 工业用地 0.3, 裸土地 1, 水田 0, not 三调
    with rasterio.open(path, "w", driver="GTiff", width=2, height=2, count=1, dtype="uint16", crs="EPSG:4490",
                       transform=Affine(0.02, 0, 112.0, 0, -0.02, 28.04), nodata=0) as ds:
        ds.write(codes, 1)
    grid = Grid(Affine(0.01, 0, 112.005, 0, -0.01, 28.035), 4, 4, "EPSG:4490")
    table = {"0601": 0.3, "1206": 1.0, "0101": 0.0}
    out, unscored = landcover_on_grid(path, grid, table, None)
    assert unscored == {"9999": 1}
    # land cover: x 112.00–112.02 | 112.02–112.04, y 28.04–28.02 | 28.02–28.00; grid columns 112.005–112.015
    # (all in land-cover column 0), 112.015–112.025 (half in each), 112.025–112.035 (column 1), 112.035–112.045
    # (half column 1, half beyond the raster); rows likewise. No data (9999, beyond the raster) does not count.
    expected = np.array([
        [0.3, (0.3 + 1.0) / 2, 1.0, 1.0],
        [(0.3 + 0.0) / 2, (0.3 + 1.0 + 0.0) / 3, 1.0, 1.0],
        [0.0, 0.0, np.nan, np.nan],
        [0.0, 0.0, np.nan, np.nan],
    ])
    np.testing.assert_allclose(out, expected, atol=1e-6, equal_nan=True)
    out0, unscored0 = landcover_on_grid(path, grid, table, 0.25)  # a default scores the unknown class
    assert unscored0 == {} and out0[0, 2] == pytest.approx(1.0) and out0[2, 2] == pytest.approx(0.25)
    assert out0[1, 1] == pytest.approx((0.3 + 1.0 + 0.0 + 0.25) / 4)


def test_the_readme_example_weights_file_is_valid(tmp_path):
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(\s*weights:.*?)```", readme, re.S).group(1)
    wf = read_weights_file(_w(tmp_path, "\n".join(line[2:] for line in block.splitlines())), "pv")
    assert sum(wf.weights.values()) == pytest.approx(1)
    assert set(wf.criteria) == {"slope", "substation", "road", "landcover", "aspect", "resource"}


def test_prefer_rules_score_their_land_cover_classes():
    """The plans' preferences come from the prefer rules: each class a rule names takes the rule's weight (a
    later rule wins), other classes keep the table's score; other effects and layers are ignored."""
    from sinkmap.analysis.siting.rules import parse_rule
    from sinkmap.analysis.siting.settings import prefer_scores

    def rule(rid, values, weight, effect="prefer", layer="landcover"):
        item = {"id": rid, "tech": "pv", "layer": layer, "effect": effect, "weight": weight,
                "where": {"values": values, **({} if layer == "landcover" else {"field": "K"})},
                "citation": {"document": "D", "clause_zh": "条", "source": "t"}}
        if effect == "exclude":
            item.pop("weight")
        return parse_rule(item, "t.yaml", rid)

    table = {"0101": 0.0, "0201": 0.6, "1104": 0.8, "0602": 1.0}
    rules = [rule("a", ["1104", "0602"], 0.3), rule("b", ["0602", "1206"], 0.7), rule("x", ["0101"], None, "exclude"),
             rule("c", ["0101"], 0.9, layer="farmland")]
    out, used = prefer_scores(table, rules)
    assert out == {"0101": 0.0, "0201": 0.6, "1104": 0.3, "0602": 0.7, "1206": 0.7} and used == ["a", "b"]
    assert table["1104"] == 0.8  # the table itself is not changed
    from sinkmap.analysis.siting.rules import load_rules, rules_for

    bundled = [r for r in rules_for(load_rules(include_user_file=False), "pv") if r.effect == "prefer"]
    out, used = prefer_scores(PV_LANDCOVER, bundled)
    assert out == PV_LANDCOVER and set(used) == {"pv_pref_water", "pv_pref_mine", "pv_pref_agri"}
