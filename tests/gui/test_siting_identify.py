"""Siting exclusions on the map: the three-step style, and identify says which rules (document, clause) hit a cell.

The raster is built by hand in the format ``site.exclusions`` writes: 3 × 3 cells of 1 km in EPSG:4547,
band 1 inclusion (nodata −1), band 2 the rule bitmask as float64, the rule table in the tags::

    inclusion        bitmask
    1    0    0.5    0  1  2       bit 0: r_jbnt, exclude (自然资办发〔2023〕12号)
    1    0    1      0  3  0       bit 1: r_wetland, limit 0.5 (长政发〔2023〕2号; its clause holds markup)
    1    1    −1     0  0  −1
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import rasterio
from pyproj import Transformer
from rasterio.transform import from_origin

from sinkmap.core.project import LayerSpec

from identify_helpers import GK_ORIGIN, GK_PIXEL, click_lonlat, gk_pixel_centre_lonlat, panel_texts, shown_window  # noqa: E402,F401


DOC0, CLAUSE0 = "自然资办发〔2023〕12号", "不得占用永久基本农田"
DOC1, CLAUSE1 = "长政发〔2023〕2号", "稳步提升湿地碳汇<b>x</b>"


def _exclusions(path: Path) -> Path:
    incl = np.array([[1, 0, 0.5], [1, 0, 1], [1, 1, -1]], dtype="float64")
    mask = np.array([[0, 1, 2], [0, 3, 0], [0, 0, -1]], dtype="float64")
    table = [{"bit": 0, "id": "r_jbnt", "effect": "exclude", "weight": None, "document": DOC0, "clause_zh": CLAUSE0},
             {"bit": 1, "id": "r_wetland", "effect": "limit", "weight": 0.5, "document": DOC1, "clause_zh": CLAUSE1}]
    tags = {"SITING_RULES": json.dumps(table, ensure_ascii=False)}
    tags.update({f"RULE_{r['bit']}": f"{r['id']} | {r['document']} | {r['clause_zh']}" for r in table})
    with rasterio.open(path, "w", driver="GTiff", width=3, height=3, count=2, dtype="float64", crs="EPSG:4547",
                       transform=from_origin(*GK_ORIGIN, GK_PIXEL, GK_PIXEL), nodata=-1.0) as ds:
        ds.write(incl, 1)
        ds.write(mask, 2)
        ds.update_tags(**tags)
    return path


def _rule_items(win) -> list[tuple[str, str, str]]:
    """(rule id, text, tooltip) of the rules listed under 命中规则 / Rules hit."""
    panel = win.identify_panel
    out = []
    cell = panel.topLevelItem(0).child(0)
    for i in range(cell.childCount()):
        head = cell.child(i)
        for k in range(head.childCount()):
            item = head.child(k)
            out.append((item.text(0), item.text(1), item.toolTip(1)))
    return out


def test_identify_lists_the_rules_that_hit_the_cell(app, qtbot, tmp_path):
    win = shown_window(qtbot)
    spec = win.add_layer_file(_exclusions(tmp_path / "site_exclusions.tif"), role="siting_exclusions")
    assert spec.style.kind == "ramp" and spec.style.ramp == "siting"
    qtbot.waitUntil(win.canvas.is_idle, timeout=20_000)
    assert spec.id in win.registry.data
    # the three steps in the map legend and the layer tree, not a 0–1 grey ramp
    from sinkmap.carto.colors import SITING_COLORS

    steps = [(SITING_COLORS[k], t) for k, t in (("excluded", "排除（0）"), ("partial", "部分可用（0–1）"),
                                                ("included", "可用（1）"))]
    assert [e[3] for e in win.canvas.legend_entries() if e[0] == spec.name] == [steps]

    results = click_lonlat(qtbot, win, *gk_pixel_centre_lonlat(0, 1))  # rule 0 only
    entry = results[0][2][0]
    assert [r.id for r in entry["rules"]] == ["r_jbnt"] and entry["value"] == 0.0
    rules = _rule_items(win)
    assert [(r[0], r[1]) for r in rules] == [("r_jbnt", f"排除：{DOC0}：{CLAUSE0}")]
    assert "排除（0）" in panel_texts(win)

    click_lonlat(qtbot, win, *gk_pixel_centre_lonlat(1, 1))  # both rules
    rules = _rule_items(win)
    assert [(r[0], r[1]) for r in rules] == [("r_jbnt", f"排除：{DOC0}：{CLAUSE0}"),
                                             ("r_wetland", f"限制（权重 0.5）：{DOC1}：{CLAUSE1}")]
    # tag text is shown as the characters it holds: the markup is not rendered, in the item nor its tooltip
    assert "<b>x</b>" in rules[1][1] and "&lt;b&gt;x&lt;/b&gt;" in rules[1][2]

    click_lonlat(qtbot, win, *gk_pixel_centre_lonlat(0, 2))  # rule 1 only, partly included
    assert [(r[0], r[1]) for r in _rule_items(win)] == [("r_wetland", f"限制（权重 0.5）：{DOC1}：{CLAUSE1}")]
    assert "部分可用（0.50）" in panel_texts(win)

    click_lonlat(qtbot, win, *gk_pixel_centre_lonlat(0, 0))  # included, no rule
    texts = panel_texts(win)
    assert _rule_items(win) == [] and "可用（1）：没有规则排除此处" in texts

    assert click_lonlat(qtbot, win, *gk_pixel_centre_lonlat(2, 2)) == []  # no data: outside the unit


def test_rule_sentences_in_english(app):
    from sinkmap.gui.i18n import read_ts, ts_path
    from sinkmap.gui.siting_identify import SitingRule

    en = read_ts(ts_path("en"))
    rule = SitingRule(0, "r_jbnt", "exclude", None, DOC0, CLAUSE0)
    assert en["排除：{0}：{1}"].format(rule.document, rule.clause) == f"excluded by {DOC0}: {CLAUSE0}"
    assert en["限制（权重 {0}）：{1}：{2}"].format("0.5", DOC1, CLAUSE1) == f"limited (weight 0.5) by {DOC1}: {CLAUSE1}"


def test_rule_table_read_once_per_file(tmp_path, monkeypatch):
    from sinkmap.gui import siting_identify

    path = str(_exclusions(tmp_path / "x.tif"))
    calls = []
    real = rasterio.open
    monkeypatch.setattr(rasterio, "open", lambda *a, **k: calls.append(a) or real(*a, **k))
    first = siting_identify.rule_table(path)
    assert siting_identify.rule_table(path) is first and len(calls) == 1
    assert [(r.bit, r.id, r.document) for r in first.values()] == [(0, "r_jbnt", DOC0), (1, "r_wetland", DOC1)]


def test_style_draws_included_partial_excluded_and_clear_nodata(app, tmp_path):
    from sinkmap.carto.colors import SITING_COLORS
    from sinkmap.carto.styles import default_style
    from sinkmap.carto.viewport import Viewport
    from sinkmap.core.crs import EQUAL_AREA_CRS
    from sinkmap.gui.canvas.raster_render import RasterJob, render_raster
    from sinkmap.io.layerdata.raster_data import open_raster

    path = _exclusions(tmp_path / "x.tif")
    style = default_style(LayerSpec(name="x", path=str(path), kind="raster", role="siting_exclusions"))
    data = open_raster(path, EQUAL_AREA_CRS)
    vp = Viewport(0, 0, 1, 300, 300).fitted(data.extent, 0.1)
    img = render_raster(RasterJob(data, style), vp)
    to_map = Transformer.from_crs("EPSG:4490", EQUAL_AREA_CRS, always_xy=True)

    def colour(row, col):
        sx, sy = vp.to_screen(*to_map.transform(*gk_pixel_centre_lonlat(row, col)))
        return img.pixelColor(int(sx), int(sy))

    assert colour(0, 1).name() == SITING_COLORS["excluded"]  # inclusion 0
    assert colour(0, 2).name() == SITING_COLORS["partial"]  # 0.5
    assert colour(0, 0).name() == SITING_COLORS["included"]  # 1
    # near a cell's edge the neighbour does not bleed in (nearest, not a blend): 1 beside 0 stays green
    sx, sy = vp.to_screen(*to_map.transform(*gk_pixel_centre_lonlat(1, 0.45)))
    assert img.pixelColor(int(sx), int(sy)).name() == SITING_COLORS["included"]
    assert colour(2, 2).alpha() == 0  # no data: clear
