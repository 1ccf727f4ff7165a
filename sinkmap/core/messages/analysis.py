"""Message templates: analysis. See :mod:`sinkmap.core.messages` (codes are 'analysis.…' where possible)."""

from __future__ import annotations

from . import M

_GIVE_CRS_EN = "give the CRS (EPSG:4490 for CGCS2000 lon/lat, EPSG:4545-4547 for 3° zones)"
_GIVE_CRS_ZH = "请指定坐标系（CGCS2000 经纬度为 EPSG:4490，3 度带投影为 EPSG:4545–4547）"

MESSAGES: dict[str, M] = {
    # -- both ledgers (sinkmap.analysis.ledger_core) --------------------------------------------------------
    "analysis.crs.missing": M("the layer has no CRS", "图层没有坐标系", _GIVE_CRS_EN, _GIVE_CRS_ZH),
    "analysis.crs.unusable": M("its CRS {crs} cannot be transformed ({detail})",
                               "坐标系 {crs} 无法转换（{detail}）", _GIVE_CRS_EN, _GIVE_CRS_ZH),
    "analysis.ledger.no_units": M("no units to compute the ledger for", "没有可计算台账的行政单元",
                                  "choose a province, city, county or zone file", "请选择省、市、区县或区域文件"),
    "analysis.ledger.units_unnamed": M("the units have no 'name' field", "行政单元没有“name”字段",
                                       "give each zone a name", "请为每个区域命名"),
    "analysis.ledger.rollup_partial": M(
        "{unit}: its {n} {child} unit(s) cover {cover:.1%} of it, so it is computed directly rather than summed",
        "{unit}：其 {n} 个{child_zh}只覆盖其面积的 {cover:.1%}，因此直接计算，而不由下级汇总"),
}
