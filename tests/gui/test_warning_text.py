"""The Chinese interface shows the common analysis warnings in Chinese: each warning below is produced by the
real code path (a tiny ledger run, the import checks, the zonal coverage checks, the carbon and field helpers)
where that is cheap, else by the exact f-string of the analysis code with sample values; the expected Chinese
is written out by hand. Unknown text is unchanged, English mode is unchanged, and the tooltip and the log
keep the English original."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Polygon, box

from sinkmap.core.feedback import BaseFeedback

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/fixtures_ledger.py
from fixtures_ledger import FOREST_RECTS, frame, units  # noqa: E402

PREFIX = "台账计算：长沙市 2025: "
FOREST = "/data/项目/小班.gpkg (layer 小班)"
WETLAND = "/data/项目/湿地.shp"
SUBJ_F = "小班.gpkg 的图层“小班”"
SUBJ_W = "图层“湿地.shp”"


def _localized(text: str) -> str:
    from sinkmap.core.shortpaths import shorten_paths
    from sinkmap.gui.warning_text import localize_warning

    return localize_warning(shorten_paths(str(text)))  # analysis warnings are Notices: their English text


def _ledger_warnings() -> list[str]:
    """A real ledger run on two counties with a forest layer full of problems and a wetland layer."""
    from sinkmap.analysis.fieldmap import geometry_area_ha
    from sinkmap.analysis.ledger import LedgerInputs, LedgerOptions, compute_ledger

    recs = [dict(DI_LEI="0111", YBD=60, MGQXJ=100, YSSZ="黄山松"),  # canopy in percent; unknown species
            dict(DI_LEI="0111", YBD=50, MGQXJ=None, YSSZ="杉木"),  # 乔木林 without stock
            dict(DI_LEI="9999", YBD=50, MGQXJ=80, YSSZ="杉木"),  # a code no scheme knows
            dict(DI_LEI="0111", YBD=50, MGQXJ=80, YSSZ="杉木"),  # becomes a bow-tie
            dict(DI_LEI="0111", YBD=50, MGQXJ=80, YSSZ="杉木")]  # becomes geometry-less
    forest = frame(recs, [FOREST_RECTS[k] for k in ("F1", "F2", "F3", "F4", "F5")])
    forest["MIAN_JI"] = geometry_area_ha(forest) * 15  # 亩 before the bow-tie spoils the ratio
    x0, y0, x1, y1 = forest.geometry.iloc[3].bounds
    forest.loc[3, "geometry"] = Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])
    forest.loc[4, "geometry"] = None
    wetland = frame([dict(SDLX="1108"), dict(SDLX="9999")], [(0, 6, 4, 8), (4, 6, 6, 8)])
    feedback = BaseFeedback()
    compute_ledger(units(with_city=False, with_zone=False),  # 甲县 (reached) and 乙县 (not reached)
                   LedgerInputs(forest=forest, wetland=wetland, forest_name=FOREST, wetland_name=WETLAND),
                   LedgerOptions(year=2025, area_source="field"), feedback)
    return [str(w) for w in feedback.warnings]  # Notices: their English text


def test_ledger_warnings_from_a_real_run(app):
    got = {_localized(PREFIX + w) for w in _ledger_warnings()}
    p = "台账计算：长沙市 2025："
    expected = {
        # the bow-tie's signed area is 0 (its two lobes cancel) while its MIAN_JI keeps 15 × 200 ha: the field sums
        # 15 × (600 + 400 + 200 + 200) / (600 + 400 + 200) = 17.5 × the geometry area — neither 公顷 nor 亩
        p + SUBJ_F + "，字段“MIAN_JI”：数值之和为几何面积（公顷）的 17.5 倍，既不符合公顷（1）也不符合亩（15）："
            "改用几何面积——如该字段无误，请指定面积单位（area_unit=ha|mu）",
        p + SUBJ_F + "：1 个要素没有几何，已跳过",
        p + SUBJ_F + "：已修复 1 个无效几何（自相交等）",
        p + SUBJ_F + "：1 个要素的 DI_LEI 值不在分类体系 forest_inventory 中（9999 ×1），计为未分类（不算森林，无蓄积）",
        p + SUBJ_F + "：郁闭度字段 YBD 有大于 1 的值，按百分数读取",
        p + SUBJ_F + "：面积字段 MIAN_JI 的单位未知，改用几何面积",
        p + SUBJ_F + "：1 个乔木林要素没有蓄积值，按 0 计",
        p + SUBJ_F + "：1 个有蓄积的要素的树种不在碳计量参数表中（黄山松 ×1），其碳储量按默认类型“针阔混”计算"
            "——请在 carbon_factors.yaml 中添加别名",
        p + SUBJ_W + "：1 个要素的 SDLX 值不在分类体系 sandiao 中（9999 ×1），不计入湿地",
        p + SUBJ_F + "未覆盖乙县：乙县的森林指标留空",
        p + SUBJ_W + "未覆盖乙县：乙县的湿地指标留空",
        p + "没有自然保护地图层：湿地保护率留空",
    }
    assert got == expected


def test_field_and_carbon_helpers(app):
    import pandas as pd

    from sinkmap.analysis.carbon import carbon_from_stock
    from sinkmap.analysis.fieldmap import detect_area_unit, parse_numbers

    unit, message = detect_area_unit([15.0, 30.0], np.array([1.0, 2.0]), layer=FOREST, field_name="MJ")
    assert unit == "mu"
    assert _localized(message) == SUBJ_F + "，字段“MJ”：数值之和为几何面积（公顷）的 15 倍，按亩读取"

    fb = BaseFeedback()
    parse_numbers(pd.Series(["1.5", "约20", "x"]), layer="小班", field_name="MGQXJ", strict=False, feedback=fb)
    assert _localized(fb.warnings[0]) == '图层“小班”：字段 MGQXJ 有 2 个值不是数字（"约20", "x"），按缺失处理'

    fb = BaseFeedback()
    species = ["黄山松", "黄山松", "油茶", "甲", "乙", "丙", "丁", "杉木"]
    carbon_from_stock(np.full(8, 10.0), species, feedback=fb, label="长沙市")
    assert _localized(fb.warnings[0]) == (
        "长沙市：7 个要素的树种不在碳计量参数表中（黄山松 ×2, 油茶 ×1, 甲 ×1, 乙 ×1, 丙 ×1，另有 1 种），"
        "按默认类型“针阔混”计算——请在 carbon_factors.yaml 中添加别名")


def test_import_checks(app):
    from sinkmap.io.vector_checks import drop_null_geometries, repair_geometries

    bow_tie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    sliver = Polygon([(0, 0), (1, 0), (2, 0)])  # zero area: nothing usable after repair
    gdf = gpd.GeoDataFrame({"a": [1, 2, 3]}, geometry=[bow_tie, sliver, box(0, 0, 1, 1)], crs="EPSG:4490")
    fb = BaseFeedback()
    repair_geometries(gdf, fb, path=Path("/data/项目/小班.shp"), layer="小班")
    assert _localized(fb.warnings[0]) == ("小班.shp 的图层“小班”：已修复 2 个无效几何（如领结形多边形等自相交）；"
                                          "其中 1 个修复后没有可用部分，已删除（行 1）")
    gdf = gpd.GeoDataFrame({"a": [1, 2, 3]}, geometry=[None, box(0, 0, 1, 1), box(1, 1, 2, 2)], crs="EPSG:4490")
    fb = BaseFeedback()
    drop_null_geometries(gdf, fb, path=Path("/data/项目/小班.shp"), layer=None)
    assert _localized(fb.warnings[0]) == "文件 小班.shp：3 个要素中有 1 个没有几何，已略去"


def test_zonal_checks(app):
    from sinkmap.analysis.zonal.stats import _warn_classes

    labels = [{"name": "甲县"}, {"name": "乙县"}, {"name": "丙县"}]
    res = SimpleNamespace(
        warnings=["1 zone(s) lie entirely outside the raster: 丁县"],  # zonal_grid.prepare_zones' f-string
        unclassified={0: np.array([1.0, 0.5, 0.0]), 255: np.array([2.0, 0.0, 0.0])}, scheme="worldcover",
        labels=labels, class_area_ha=np.array([[10.0], [0.0], [8.0]]), nodata_ha=np.array([0.0, 4.0, 0.0]),
        covered_ha=np.array([10.0, 4.0, 8.0]), zone_area_ha=np.array([10.0, 4.0, 10.0]))
    fb = BaseFeedback()
    _warn_classes(res, fb)
    assert [_localized(w) for w in fb.warnings] == [
        "1 个区域完全在栅格范围之外：丁县",
        "2 个栅格编码不在分类体系“worldcover”中，计为未分类——0: 1.50 ha; 255: 2.00 ha"
        "（请检查所选分类体系与栅格是否相符，或把这些编码加入分类文件）",
        "1 个区域在栅格中处处为无数据：乙县（其比例留空）",
        "1 个区域超出栅格范围（超出部分：丙县 20.00%）",  # 1 − 8/10
    ]


# the analysis code's exact f-strings, with sample values (paths as the window shows them)
SAMPLES = [
    (f"layer {FOREST!r}: 12 features have no MIAN_JI: geometry area used",
     SUBJ_F + "：12 个要素没有 MIAN_JI 值，改用几何面积"),
    (f"layer {FOREST!r}: no stock field (per-hectare or per-subcompartment) found: 森林蓄积量, "
     f"活立木蓄积量 and carbon are left empty — map one with --field stock_per_ha=FIELD",
     SUBJ_F + "：未找到蓄积字段（每公顷或每小班）：森林蓄积量、活立木蓄积量和碳储量留空——请指定蓄积字段（--field stock_per_ha=字段）"),
    (f"layer {FOREST!r}: 262 features with stock have no species (优势树种) field: their carbon uses the default "
     f"type 针阔混 — map one with --field species=FIELD",
     SUBJ_F + "：没有树种（优势树种）字段，262 个有蓄积的要素的碳储量按默认类型“针阔混”计算——请指定树种字段（--field species=字段）"),
    (f"layer {FOREST!r}: only 40% of the values of DL are codes of any known scheme (best: 第三次全国国土调查) — "
     "choose the scheme or a custom scheme file",
     SUBJ_F + "：字段 DL 的值只有 40% 是已知分类体系的编码（最接近：第三次全国国土调查）——请选择分类体系或自定义分类文件"),
    ("长沙市: its 9 county unit(s) cover 97.5% of it, so it is computed directly rather than summed",
     "长沙市：其 9 个下级区县单位只覆盖其面积的 97.5%，因此直接计算，不由下级汇总"),
    ("file /data/项目/小班.shp: no usable .cpg file; the attribute text was read as gb18030 (92% sure: 1234 "
     "bytes decode) — if names look garbled, pass the encoding (--encoding / the Encoding box)",
     "文件 小班.shp：没有可用的 .cpg 文件，属性文字按 gb18030 读取（把握 92%：1234 bytes decode）——如名称显示乱码，"
     "请在“字符编码”框中指定编码"),
    ("file /data/项目/小班.shp, layer '小班': no CRS in the file; assumed CGCS2000 lon/lat (EPSG:4490) because the "
     "coordinates are degrees inside China",
     "小班.shp 的图层“小班”：文件中没有坐标系；坐标是中国境内的经纬度，按 CGCS2000 经纬度（EPSG:4490）读取"),
]


@pytest.mark.parametrize("text, expected", SAMPLES)
def test_f_string_samples(app, text, expected):
    assert _localized(text) == expected


def test_every_rule_is_exercised(app):
    """Each rule matches at least one of the warnings above (a new rule needs its test)."""
    from sinkmap.gui.warning_text import RULES

    texts = [t for t, _ in SAMPLES] + _ledger_warnings() + [
        f"layer {FOREST!r}, field 'MJ': values sum to 15 × the geometry area in ha, so they are read as 亩 (mu)",
        '2 values of field MGQXJ in layer 小班 are not numbers ("约20", "x"): they are treated as missing',
        "7 feature(s) have a species the carbon table does not know (黄山松 ×2): they use the default type 针阔混 "
        "— add aliases in carbon_factors.yaml",
        "file 小班.shp, layer '小班': 2 invalid geometries were repaired (self-intersections such as bow-tie polygons)",
        "file 小班.shp, layer None: 1 of 3 features have no geometry and were left out",
        "1 zone(s) lie entirely outside the raster: 丁县",
        "2 raster code(s) not in the scheme 'worldcover', counted as unclassified — 0: 1.50 ha",
        "1 zone(s) are nodata everywhere in the raster: 乙县 (their ratios are left empty)",
        "1 zone(s) extend beyond the raster (part outside: 丙县 20.00%)",
    ]
    unused = [r.pattern.pattern for r in RULES if not any(r.pattern.search(t) for t in texts)]
    assert unused == []


@pytest.mark.parametrize("text", [
    "台账计算：长沙市 2025: something new happened to layer 'x.gpkg'",
    "layer 'x.gpkg': 3 invalid geometries (self-intersections…) were repaired, and more",  # not to the end
    "图层“小班”无法加载：file 小班.shp: 图层没有要素 — choose another layer",
    "",
])
def test_unknown_text_is_unchanged(app, text):
    from sinkmap.gui.warning_text import localize_warning

    assert localize_warning(text) == text


def _panel(qtbot):
    from sinkmap.gui.taskdock import TaskPanel
    from sinkmap.gui.tasks import TaskManager

    panel = TaskPanel(TaskManager())
    qtbot.addWidget(panel)
    return panel


CARBON = (PREFIX + f"layer {FOREST!r}: 262 features with stock have a species the carbon table does not know "
          "(黄山松 ×262): their carbon uses the default type 针阔混 — add aliases to /work/main/layers/carbon_factors.yaml")
CARBON_ZH = ("台账计算：长沙市 2025：" + SUBJ_F + "：262 个有蓄积的要素的树种不在碳计量参数表中（黄山松 ×262），"
             "其碳储量按默认类型“针阔混”计算——请在 carbon_factors.yaml 中添加别名")
CARBON_EN = (PREFIX + "layer '小班.gpkg (layer 小班)': 262 features with stock have a species the carbon table does not "
             "know (黄山松 ×262): their carbon uses the default type 针阔混 — add aliases to carbon_factors.yaml")


def test_chinese_panel_and_status_bar(app, qtbot, caplog):
    panel = _panel(qtbot)
    status = []
    panel.message.connect(status.append)
    with caplog.at_level(logging.INFO, logger="sinkmap"):
        panel.add_message(CARBON, "warning")
    assert status == [CARBON_ZH]
    assert panel.shown_texts()[0].endswith(f"  {CARBON_ZH}")
    assert panel.messages.item(0).toolTip() == CARBON  # the English original, paths and all
    assert panel.message_texts()[0].endswith(f"  {CARBON}")
    assert any(CARBON in r.getMessage() for r in caplog.records)  # and in the log


def test_english_mode_is_unchanged(app, qtbot, monkeypatch):
    monkeypatch.setattr(app, "_sinkmap_lang", "en", raising=False)
    panel = _panel(qtbot)
    status = []
    panel.message.connect(status.append)
    panel.add_message(CARBON, "warning")
    assert status == [CARBON_EN]  # paths shortened, nothing translated
    assert panel.shown_texts()[0].endswith(f"  {CARBON_EN}")
