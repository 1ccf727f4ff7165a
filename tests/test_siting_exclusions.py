"""Exclusions with reasons on hand-checkable grids: 10 × 10 cells of 10 m in UTM 49N (a cell is 0.01 ha)."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
from affine import Affine
from shapely.geometry import Point, box

from sinkmap.analysis.siting.exclusions import compute_exclusions
from sinkmap.analysis.siting.grid import Grid, cell_areas_m2, grid_from_resolution
from sinkmap.analysis.siting.rules import parse_rule
from sinkmap.core.messages import render

CRS = "EPSG:32649"
X0, Y0 = 500000.0, 3000000.0
GRID = Grid(Affine(10, 0, X0, 0, -10, Y0), 10, 10, CRS)
UNIT = box(X0, Y0 - 100, X0 + 100, Y0)


def cells(r0, c0, r1=None, c1=None):
    """The box of cells rows r0..r1, cols c0..c1 (inclusive)."""
    r1, c1 = r0 if r1 is None else r1, c0 if c1 is None else c1
    return box(X0 + 10 * c0, Y0 - 10 * (r1 + 1), X0 + 10 * (c1 + 1), Y0 - 10 * r0)


def rule(rule_id, layer="farmland", effect="exclude", **kw):
    item = {"id": rule_id, "tech": "pv", "layer": layer, "effect": effect,
            "citation": {"document": f"DOC-{rule_id}", "clause_zh": f"条款{rule_id}", "source": "test"}, **kw}
    return parse_rule(item, "test.yaml", rule_id)


def layer(*geoms, **cols):
    return gpd.GeoDataFrame(cols or None, geometry=list(geoms), crs=CRS)


def run(rules, layers, **kw):
    return compute_exclusions(UNIT, rules, layers, GRID, unit_crs=CRS, unit_name="U", tech="pv", **kw)


def test_exclude_hits_exactly_its_cells_and_names_itself():
    farm = layer(cells(0, 0, 1, 2), cells(5, 5), K=["a", "b"])
    res = run([rule("other", where={"field": "K", "values": ["b"]}), rule("jbnt", where={"field": "K", "values": ["a"]})],
              {"farmland": farm})
    expected = np.zeros((10, 10), bool)
    expected[0:2, 0:3] = True
    assert (res.hit("jbnt") == expected).all()
    assert res.rule_bit("jbnt") == 1 and res.table[1]["document"] == "DOC-jbnt" and res.table[1]["clause_zh"] == "条款jbnt"
    assert res.hit("other").sum() == 1 and res.hit("other")[5, 5]
    assert (res.inclusion[expected] == 0).all() and res.inclusion[~expected].sum() == 100 - 6 - 1
    assert res.bitmask[0, 0] == 2 and res.bitmask[5, 5] == 1
    stat = next(s for s in res.stats if s["id"] == "jbnt")
    assert stat["cells"] == 6 and stat["hectares"] == pytest.approx(0.06)
    assert res.unit_hectares == pytest.approx(1.0) and res.included_hectares == pytest.approx(0.93)


def test_partly_covered_cell_counts_by_fraction():
    half = box(X0, Y0 - 10, X0 + 5, Y0)  # the left half of cell (0, 0)
    res = run([rule("jbnt")], {"farmland": layer(half)})
    assert res.inclusion[0, 0] == pytest.approx(0.5)
    assert res.hit("jbnt")[0, 0] and res.hit("jbnt").sum() == 1
    assert res.stats[0]["hectares"] == pytest.approx(0.005)


def test_limits_multiply_and_prefer_leaves_inclusion():
    res = run([rule("a", effect="limit", weight=0.5), rule("b", layer="wetland", effect="limit", weight=0.4),
               rule("p", layer="protected", effect="prefer", weight=1.0)],
              {"farmland": layer(cells(0, 0, 0, 1)), "wetland": layer(cells(0, 1, 0, 2)),
               "protected": layer(cells(9, 9))})
    assert res.inclusion[0, 0] == pytest.approx(0.5)
    assert res.inclusion[0, 1] == pytest.approx(0.2)
    assert res.inclusion[0, 2] == pytest.approx(0.4)
    assert res.inclusion[9, 9] == 1.0 and res.hit("p")[9, 9]
    assert res.bitmask[0, 1] == 0b011


def test_forced_inclusion_wins_over_exclusion():
    res = run([rule("red", layer="redline"), rule("ok", layer="protected", effect="include")],
              {"redline": layer(UNIT), "protected": layer(cells(4, 4, 4, 5))})
    assert res.inclusion[4, 4] == 1.0 and res.inclusion[4, 5] == 1.0
    assert res.inclusion.sum() == pytest.approx(2.0)
    assert res.hit("red")[4, 4] and res.hit("ok")[4, 4]
    assert not any(w.code == "analysis.siting.empty" for w in res.warnings)


def test_min_area_rook_and_queen_differ_on_a_diagonal():
    # everything excluded except cells (2, 2) and (3, 3): one queen patch of 0.02 ha, two rook patches of 0.01 ha
    red = layer(UNIT.difference(cells(2, 2)).difference(cells(3, 3)))
    queen = run([rule("red", layer="redline")], {"redline": red}, min_area_ha=0.015, contiguity="queen")
    rook = run([rule("red", layer="redline")], {"redline": red}, min_area_ha=0.015, contiguity="rook")
    assert queen.inclusion.sum() == pytest.approx(2.0) and not queen.hit("min_area").any()
    assert rook.inclusion.sum() == 0.0
    assert rook.hit("min_area")[2, 2] and rook.hit("min_area")[3, 3] and rook.hit("min_area").sum() == 2
    assert rook.table[-1]["id"] == "min_area" and rook.stats[-1]["hectares"] == pytest.approx(0.02)
    empty = next(w for w in rook.warnings if w.code == "analysis.siting.empty")
    assert "red" in empty.params["rules"]


def test_missing_layer_or_field_names_rule_layer_and_field():
    res = run([rule("trees", layer="forest"), rule("lvl", where={"field": "BH_DJ", "values": ["1"]})],
              {"farmland": layer(cells(0, 0), DI_LEI=["0111"])})
    assert [s["applied"] for s in res.stats] == [False, False]
    assert res.inclusion.sum() == 100
    no_layer, no_field = res.warnings
    text = render(no_layer.code, no_layer.params, "en")
    assert "trees" in text and "forest" in text and "DOC-trees" in text
    text = render(no_field.code, no_field.params, "en")
    assert "lvl" in text and "'BH_DJ'" in text and "DI_LEI" in text and "farmland" in text
    assert "BH_DJ" in render(no_field.code, no_field.params, "zh_CN")


def test_empty_result_says_which_rules_removed_everything():
    res = run([rule("left"), rule("right", layer="redline"), rule("unused", layer="protected")],
              {"farmland": layer(box(X0, Y0 - 100, X0 + 50, Y0)), "redline": layer(box(X0 + 50, Y0 - 100, X0 + 100, Y0)),
               "protected": layer(Point(0, 0).buffer(1))})
    assert res.inclusion.sum() == 0
    empty = next(w for w in res.warnings if w.code == "analysis.siting.empty")
    assert empty.params["rules"] == "left, right"
    assert "left, right" in render(empty.code, empty.params, "en")


def test_buffer_in_metres_and_attribute_ranges():
    pts = layer(Point(X0 + 55, Y0 - 55), Point(X0 + 5, Y0 - 95), H=[10.0, 99.0])
    res = run([rule("near", layer="protected", buffer_m=5.0, where={"field": "H", "max": 50})], {"protected": pts})
    assert res.inclusion[5, 5] == pytest.approx(1 - np.pi * 25 / 100, abs=2e-3)
    assert res.hit("near").sum() == 1


def test_cells_outside_the_unit_are_out_and_unmarked():
    unit = box(X0, Y0 - 100, X0 + 50, Y0)
    res = compute_exclusions(unit, [rule("jbnt")], {"farmland": layer(UNIT)}, GRID, unit_crs=CRS)
    assert not res.inside[:, 5:].any() and res.inside[:, :5].all()
    assert (res.bitmask[:, 5:] == 0).all() and res.hit("jbnt")[:, :5].all()
    assert res.stats[0]["hectares"] == pytest.approx(0.5)


def test_landcover_codes_on_a_raster(tmp_path):
    import rasterio

    data = np.full((10, 10), 1101, np.uint16)
    data[0, :] = 101  # 0101 水田
    data[1, :4] = 301  # 0301 乔木林地
    path = tmp_path / "lc.tif"
    with rasterio.open(path, "w", driver="GTiff", width=10, height=10, count=1, dtype="uint16", crs=CRS,
                       transform=GRID.transform, nodata=0) as dst:
        dst.write(data, 1)
    res = run([rule("gengdi", layer="landcover", where={"values": ["0101", "0102", "0103"]}),
               rule("arbor", layer="landcover", where={"values": ["301"]})], {"landcover": path})
    assert res.hit("gengdi")[0].all() and res.hit("gengdi").sum() == 10
    assert res.hit("arbor").sum() == 4 and res.inclusion.sum() == 86


def test_geographic_grid_cell_areas_on_the_ellipsoid():
    g = grid_from_resolution(box(113.0, 25.5, 113.01, 25.51), 0.001)
    assert (g.width, g.height) == (10, 10)
    a = cell_areas_m2(g)
    # 0.001° × 0.001° at 25.5° N: about 100.5 m × 110.8 m
    assert a[0] == pytest.approx(100.5 * 110.8, rel=0.01) and a[0] < a[-1]


def test_job_on_the_demo_world_writes_a_geotiff(tmp_path):
    import rasterio

    from sinkmap.jobs import registry
    from sinkmap.jobs.base import run_job

    job = registry.get("site.exclusions")
    out = tmp_path / "x.tif"
    report = run_job(job, job.make_request({"tech": "wind", "county": "苏仙区", "out": str(out), "min_area": 5}))
    assert report.synthetic and out.exists()
    with rasterio.open(out) as ds:
        assert ds.count == 2 and ds.descriptions == ("inclusion", "rule_bitmask")
        incl, mask = ds.read(1, masked=True), ds.read(2, masked=True)
        tags = ds.tags()
    assert 0 <= incl.min() and incl.max() <= 1 and incl.count() > 1000
    table = json.loads(tags["SITING_RULES"])
    assert [r["bit"] for r in table] == list(range(len(table))) and table[-1]["id"] == "min_area"
    assert table[0]["id"] == "wind_reserve" and table[0]["document"] == "林资发〔2019〕17号"
    bits = np.unique(mask.compressed().astype(np.uint64))
    assert int(np.bitwise_or.reduce(bits)) >> len(table) == 0  # no bit beyond the table
    data = report.to_json()
    assert data["rules"][0]["clause_zh"] and data["data"] == "synthetic_demo"
    counts = {c["id"]: c for c in data["counts"]}
    assert counts["wind_reserve"]["cells"] > 0 and counts["wind_reserve"]["hectares"] > 0
    assert counts["all_ld1"]["applied"]  # the demo's 小班 carry 林地保护等级 (BH_DJ) since demo version 3
    assert not any(w.code in ("analysis.siting.rule.no_field", "analysis.siting.rule.no_layer") for w in report.warnings)
    json.dumps(data, ensure_ascii=False)
