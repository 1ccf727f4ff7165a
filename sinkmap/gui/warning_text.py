"""Chinese wording of the common analysis warnings, for the Chinese interface.

The analysis, io and jobs modules warn in English (``Feedback.warn``): the CLI, the log and the tests read
those sentences, so they stay as they are. The Chinese interface shows the warnings a user meets during a
ledger, zonal or import run in Chinese instead: each :class:`Rule` is a regular expression over the English
sentence (as the window shows it, paths already shortened to file names) whose named groups — numbers,
layer, field, file and place names — fill a Chinese template. :func:`localize_warning` translates the first
rule that matches from its start position to the end of the text; the text before it (a task title such as
"台账计算：长沙市 2025: ") is kept, its final ": " becoming "：". Text no rule matches is returned as it is.

No Qt here: the caller decides the language (:func:`sinkmap.gui.i18n.is_english`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# building blocks of the English sentences
_START = r"(?:^|(?<=: ))"  # a warning starts the text or follows a prefix ending in ": "
_LABEL = r"layer (?P<lq>['\"])(?P<label>.+?)(?P=lq)"  # the ledger's layer label, as repr()
_FILE_LAYER = r"file (?P<file>.+?), layer (?:(?P<q>['\"])(?P<layer>.*?)(?P=q)|None)"  # io.vectors' subject
_LIST_MORE = re.compile(r" and (\d+) more$")  # describe_unknown: "a ×3, b ×2 and 4 more"
_LABEL_PARTS = re.compile(r"(?P<file>.+) \(layer (?P<layer>.+)\)")  # jobs.ledger's label: "x.gpkg (layer 小班)"
_KIND = {"forest": "森林", "wetland": "湿地"}
_CHILD = {"county": "区县", "city": "市州"}


@dataclass(frozen=True)
class Rule:
    """One English warning (``pattern``, named groups) and its Chinese ``template`` (``str.format`` fields
    named as the groups, plus ``subject``: the layer or file the warning is about)."""

    pattern: re.Pattern[str]
    template: str


def _rule(pattern: str, template: str) -> Rule:
    return Rule(re.compile(_START + pattern + r"$", re.DOTALL), template)


RULES: tuple[Rule, ...] = (
    # -- import (sinkmap.io.vector_checks, sinkmap.io.vectors) -----------------------------------------------
    _rule(_FILE_LAYER + r": (?P<n>\d+) invalid geometr(?:y was|ies were) repaired \(self-intersections such as "
          r"bow-tie polygons\)(?:; (?P<gone>\d+) left nothing usable after repair and were dropped "
          r"\(rows (?P<rows>.+)\))?",
          "{subject}：已修复 {n} 个无效几何（如领结形多边形等自相交）{dropped}"),
    _rule(_FILE_LAYER + r": (?P<n>\d+) of (?P<total>\d+) features have no geometry and were left out",
          "{subject}：{total} 个要素中有 {n} 个没有几何，已略去"),
    _rule(_FILE_LAYER + r": no CRS in the file; assumed CGCS2000 lon/lat \(EPSG:4490\) because the coordinates "
          r"are degrees inside China",
          "{subject}：文件中没有坐标系；坐标是中国境内的经纬度，按 CGCS2000 经纬度（EPSG:4490）读取"),
    _rule(r"file (?P<file>.+?): no usable \.cpg file; the attribute text was read as (?P<enc>\S+) "
          r"\((?P<pct>\d+%) sure: (?P<detail>.+)\) — if names look garbled, pass the encoding "
          r"\(--encoding / the Encoding box\)",
          "文件 {file}：没有可用的 .cpg 文件，属性文字按 {enc} 读取（把握 {pct}：{detail}）——如名称显示乱码，"
          "请在“字符编码”框中指定编码"),
    # -- vector ledger (sinkmap.analysis.ledger, sinkmap.analysis.fieldmap) ----------------------------------
    _rule(_LABEL + r": (?P<n>\d+) invalid geometries \(self-intersections…\) were repaired",
          "{subject}：已修复 {n} 个无效几何（自相交等）"),
    _rule(_LABEL + r": (?P<n>\d+) features without geometry are skipped",
          "{subject}：{n} 个要素没有几何，已跳过"),
    _rule(_LABEL + r", field (?P<fq>['\"])(?P<field>.+?)(?P=fq): values sum to (?P<ratio>\S+) × the geometry area "
          r"in ha, so they are read as (?P<unit>\S+) \(\w+\)",
          "{subject}，字段“{field}”：数值之和为几何面积（公顷）的 {ratio} 倍，按{unit}读取"),
    _rule(_LABEL + r", field (?P<fq>['\"])(?P<field>.+?)(?P=fq): values sum to (?P<ratio>\S+) × the geometry area "
          r"in ha, which fits neither 公顷 \(1\) nor 亩 \(15\): the geometry area is used — set area_unit=ha\|mu "
          r"if the field is right",
          "{subject}，字段“{field}”：数值之和为几何面积（公顷）的 {ratio} 倍，既不符合公顷（1）也不符合亩（15）："
          "改用几何面积——如该字段无误，请指定面积单位（area_unit=ha|mu）"),
    _rule(_LABEL + r": the unit of area field (?P<field>.+?) is unknown: the geometry area is used",
          "{subject}：面积字段 {field} 的单位未知，改用几何面积"),
    _rule(_LABEL + r": (?P<n>\d+) features have no (?P<field>.+?): geometry area used",
          "{subject}：{n} 个要素没有 {field} 值，改用几何面积"),
    _rule(r"(?P<n>\d+) values of field (?P<field>.+?) in layer (?P<label>.+?) are not numbers \((?P<examples>.*)\): "
          r"they are treated as missing",
          "{subject}：字段 {field} 有 {n} 个值不是数字（{examples}），按缺失处理"),
    _rule(_LABEL + r": only (?P<pct>\S+) of the values of (?P<field>.+?) are codes of any known scheme "
          r"\(best: (?P<best>.+?)\) — choose the scheme or a custom scheme file",
          "{subject}：字段 {field} 的值只有 {pct} 是已知分类体系的编码（最接近：{best}）——请选择分类体系或自定义分类文件"),
    _rule(_LABEL + r": (?P<n>\d+) features have (?P<field>.+?) values the scheme (?P<scheme>\S+) does not know "
          r"\((?P<list>.+)\): counted as unclassified \(not forest, no stock\)",
          "{subject}：{n} 个要素的 {field} 值不在分类体系 {scheme} 中（{list}），计为未分类（不算森林，无蓄积）"),
    _rule(_LABEL + r": canopy field (?P<field>.+?) has values above 1: read as percent",
          "{subject}：郁闭度字段 {field} 有大于 1 的值，按百分数读取"),
    _rule(_LABEL + r": no stock field \(per-hectare or per-subcompartment\) found: 森林蓄积量, 活立木蓄积量 and "
          r"carbon are left empty — map one with --field stock_per_ha=FIELD",
          "{subject}：未找到蓄积字段（每公顷或每小班）：森林蓄积量、活立木蓄积量和碳储量留空——请指定蓄积字段"
          "（--field stock_per_ha=字段）"),
    _rule(_LABEL + r": (?P<n>\d+) 乔木林 features have no stock value: counted as 0",
          "{subject}：{n} 个乔木林要素没有蓄积值，按 0 计"),
    _rule(_LABEL + r": (?P<n>\d+) features with stock have a species the carbon table does not know "
          r"\((?P<list>.+)\): their carbon uses the default type (?P<type>\S+) — add aliases to (?P<table>.+)",
          "{subject}：{n} 个有蓄积的要素的树种不在碳计量参数表中（{list}），其碳储量按默认类型“{type}”计算"
          "——请在 {table} 中添加别名"),
    _rule(_LABEL + r": (?P<n>\d+) features with stock have no species \(优势树种\) field: their carbon uses the "
          r"default type (?P<type>\S+) — map one with --field species=FIELD",
          "{subject}：没有树种（优势树种）字段，{n} 个有蓄积的要素的碳储量按默认类型“{type}”计算——请指定树种字段"
          "（--field species=字段）"),
    _rule(r"(?P<n>\d+) feature\(s\) have a species the carbon table does not know \((?P<list>.+)\): they use the "
          r"default type (?P<type>\S+) — add aliases in (?P<table>.+)",
          "{n} 个要素的树种不在碳计量参数表中（{list}），按默认类型“{type}”计算——请在 {table} 中添加别名"),
    _rule(_LABEL + r": (?P<n>\d+) features have (?P<field>.+?) values (?P<scheme>\S+) does not know "
          r"\((?P<list>.+)\): not counted as wetland",
          "{subject}：{n} 个要素的 {field} 值不在分类体系 {scheme} 中（{list}），不计入湿地"),
    _rule(_LABEL + r" does not reach (?P<name>.+?): its (?P<kind>forest|wetland) values are left empty",
          "{subject}未覆盖{name}：{name}的{kind}指标留空"),
    _rule(r"its (?P<k>\d+) (?P<child>county|city) unit\(s\) cover (?P<pct>\S+) of it, so it is computed directly "
          r"rather than summed",
          "其 {k} 个下级{child}单位只覆盖其面积的 {pct}，因此直接计算，不由下级汇总"),
    _rule(r"no protected-area layer: 湿地保护率 is left empty", "没有自然保护地图层：湿地保护率留空"),
    # -- zonal statistics on rasters (sinkmap.analysis.zonal, sinkmap.analysis.zonal_grid) -------------------
    _rule(r"(?P<n>\d+) raster code\(s\) not in the scheme (?P<sq>['\"])(?P<scheme>.+?)(?P=sq), counted as "
          r"unclassified — (?P<parts>.+?)(?P<hint> \(check the --scheme matches the raster, or add the codes to a "
          r"scheme file\))?",
          "{n} 个栅格编码不在分类体系“{scheme}”中，计为未分类——{parts}{hint}"),
    _rule(r"(?P<n>\d+) zone\(s\) are nodata everywhere in the raster: (?P<names>.+) \(their ratios are left empty\)",
          "{n} 个区域在栅格中处处为无数据：{names}（其比例留空）"),
    _rule(r"(?P<n>\d+) zone\(s\) extend beyond the raster \(part outside: (?P<parts>.+)\)",
          "{n} 个区域超出栅格范围（超出部分：{parts}）"),
    _rule(r"(?P<n>\d+) zone\(s\) lie entirely outside the raster: (?P<names>.+)",
          "{n} 个区域完全在栅格范围之外：{names}"),
)


def _subject(groups: dict[str, str | None]) -> str:
    """The layer a warning is about, in Chinese: "小班.gpkg 的图层“小班”", "图层“森林资源小班”"."""
    label = groups.get("label")
    if label is not None:
        parts = _LABEL_PARTS.fullmatch(label)
        return f"{parts['file']} 的图层“{parts['layer']}”" if parts else f"图层“{label}”"
    if groups.get("file") is not None:
        layer = groups.get("layer")
        return f"{groups['file']} 的图层“{layer}”" if layer else f"文件 {groups['file']}"
    return ""


def _fields(m: re.Match[str]) -> dict[str, str]:
    """The template's fields: the groups (absent ones empty), list endings, kinds and hints in Chinese."""
    groups = m.groupdict()
    out = {k: v or "" for k, v in groups.items()}
    out["subject"] = _subject(groups)
    if out.get("list"):
        out["list"] = _LIST_MORE.sub(r"，另有 \1 种", out["list"])
    out["kind"] = _KIND.get(out.get("kind", ""), out.get("kind", ""))
    out["child"] = _CHILD.get(out.get("child", ""), out.get("child", ""))
    if out.get("hint"):
        out["hint"] = "（请检查所选分类体系与栅格是否相符，或把这些编码加入分类文件）"
    out["dropped"] = (f"；其中 {out['gone']} 个修复后没有可用部分，已删除（行 {out['rows']}）"
                      if out.get("gone") else "")
    return out


def localize_warning(text: str) -> str:
    """``text`` with a known English warning (at its start or after a prefix ending in ": ") in Chinese;
    unknown text unchanged. The prefix stays, its final ": " written "："."""
    for rule in RULES:
        m = rule.pattern.search(text)
        if m is None:
            continue
        prefix = text[:m.start()]
        if prefix.endswith(": "):
            prefix = prefix[:-2] + "："
        return prefix + rule.template.format_map(_fields(m))
    return text
