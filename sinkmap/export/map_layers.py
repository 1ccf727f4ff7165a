"""What goes on the exported maps: the ledger's units coloured by status, and the data layers styled as in
the app (:mod:`sinkmap.carto`), as :class:`~sinkmap.export.webmap.WebLayer`\\ s. No Qt, no file reading.

* Ledger units (counties, or the chosen county) filled with the status colour of one indicator (forest
  coverage by default) — the dashboard's colours (:data:`sinkmap.carto.colors.STATUS_COLORS`) — with a
  popup of every indicator (measured, target as worded, status, gap) and each target's sentence quoted
  with its document (文号) and the plan text's file and line.
* The city, outlined, with the city row of the ledger (the totals the plans set are assessed there).
* Data layers by role: 小班 by land class (the inventory scheme's colours and names), wetlands, protected
  areas, the plans' projects (by type), siting results (site.impact footprints, site.regions by score).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from ..carto.colors import STATUS_COLORS
from ..core.ledger_report import LedgerUnit
from ..core.messages import is_chinese
from .ledger_text import gap_text, indicator_name, measured_text, status_word, target_rows, unit_text
from .webmap import WebLayer

#: The indicator the units are coloured by, when none is asked for.
MAP_INDICATOR = "forest_coverage_pct"
STATUS_ORDER = ("met", "within_band", "short", "city_total", "no_target", "no_data")
_STATUS_FILL = {**STATUS_COLORS, "city_total": "#7f9fbf"}

#: Inventory and plan-layer fields with a label (zh, en) for popups; other fields show by their own name.
FIELD_LABELS = {
    "XIAN": ("县", "county"), "XIANG": ("乡", "township"), "CUN": ("村", "village"), "LIN_BAN": ("林班", "compartment"),
    "XIAO_BAN": ("小班", "subcompartment"), "DI_LEI": ("地类", "land class"), "LIN_ZHONG": ("林种", "forest category"),
    "QI_YUAN": ("起源", "origin"), "YOU_SHI_SZ": ("优势树种", "dominant species"), "MIAN_JI": ("面积", "area"),
    "MEI_GQ_XJ": ("每公顷蓄积（m³/公顷）", "stock per ha (m³/ha)"), "XU_JI_LIANG": ("蓄积量（m³）", "stock (m³)"),
    "SDMC": ("湿地名称", "wetland"), "SDLX": ("湿地类型", "wetland type"), "BHDMC": ("保护地名称", "protected area"),
    "BHDLX": ("保护地类型", "type"), "BHDJB": ("级别", "level"), "name": ("名称", "name"), "type": ("类型", "type"),
    "status_text": ("规划状态", "plan status"), "quote": ("规划原文", "plan text"), "seed": ("规划文本", "plan file"),
    "line": ("行", "line"), "capacity_10k_kw": ("装机（万千瓦）", "capacity (10⁴ kW)"), "SJLY": ("数据来源", "data source"),
    "location_precision": ("位置精度", "location precision"), "footprint_ha": ("占地（公顷）", "footprint (ha)"),
    "forest_area_ha": ("森林面积（公顷）", "forest area (ha)"), "co2_t": ("CO₂（吨）", "CO₂ (t)"),
    "mean_score": ("平均适宜度", "mean score"), "area_ha": ("面积（公顷）", "area (ha)"),
    "capacity_mw": ("装机（MW）", "capacity (MW)"), "region_id": ("候选区", "region"),
}
TITLE_FIELDS = ("name", "NAME", "名称", "BHDMC", "SDMC", "HXMC", "BDZMC", "XIAO_BAN", "region_id")
#: Popup columns per layer at most (the rest of a layer's attributes stay in its source file).
MAX_FIELDS = 8


@dataclass(frozen=True)
class LayerTexts:
    lang: str

    @property
    def zh(self) -> bool:
        return is_chinese(self.lang)

    def t(self, zh: str, en: str) -> str:
        return zh if self.zh else en


def _units_by_name(units: list[LedgerUnit]) -> dict[str, LedgerUnit]:
    return {u.name: u for u in units}


def _rich(unit: LedgerUnit, lang: str, indicator: str) -> dict:
    zh = is_chinese(lang)
    rows = target_rows(unit, lang)
    table = {"head": ["指标", "实测", "规划目标", "状态", "差距"] if zh else
             ["indicator", "measured", "target", "status", "gap"],
             "rows": [[r.name, r.measured, r.target, r.status_text, r.gap] for r in rows],
             "status": [r.status for r in rows], "statusCol": 3}
    quotes, seen = [], set()
    for r in rows:
        if r.quote and (r.quote, r.source) not in seen:
            seen.add((r.quote, r.source))
            quotes.append({"text": f"“{r.quote}”" if zh else f"“{r.quote}”", "source": r.source})
    a = unit.assessment(indicator)
    tip = ""
    if a is not None:
        tip = f"{indicator_name(indicator, lang, a.basis)} {measured_text(a, unit, lang)} · {status_word(a.status.value, lang)}"
        if gap_text(a, lang):
            tip += f" · {gap_text(a, lang)}"
    note = ("" if unit.targets_city is None else
            (f"对照 {unit.targets_city} 碳达峰实施方案目标" if zh else f"against the targets of {unit.targets_city}'s plan"))
    return {"table": table, "quotes": quotes, "tip": tip, "note": note}


def ledger_layer(frame: gpd.GeoDataFrame, units: list[LedgerUnit], year: int, lang: str,
                 indicator: str = MAP_INDICATOR, *, name: str | None = None) -> WebLayer:
    """The ledger's units (rows of ``frame``: name, geometry) filled by the status of ``indicator``."""
    tx = LayerTexts(lang)
    by_name = _units_by_name(units)
    statuses, rich = [], []
    for n in frame["name"]:
        u = by_name.get(n)
        a = u.assessment(indicator) if u else None
        statuses.append(a.status.value if a else "no_data")
        rich.append(_rich(u, lang, indicator) if u else None)
    present = [s for s in STATUS_ORDER if s in statuses]
    cls = np.array([present.index(s) for s in statuses], dtype=np.int64)
    unit = unit_text("%", lang) if indicator.endswith("pct") else ""
    ind = indicator_name(indicator, lang)
    title = (f"区县 {ind}（{unit}）对照 {year} 年规划目标" if tx.zh else f"counties: {ind} ({unit}) against the {year} targets")
    counts = {s: statuses.count(s) for s in present}
    rows = [(_STATUS_FILL[s], f"{status_word(s, lang)}（{counts[s]}）" if tx.zh else f"{status_word(s, lang)} ({counts[s]})")
            for s in present]
    return WebLayer(name=name or tx.t(f"台账 {year}（{ind}）", f"ledger {year} ({ind})"), geoms=frame.geometry.values,
                    columns=[(tx.t("名称", "name"), frame["name"].astype(str))], title_column=0,
                    fills=[_STATUS_FILL[s] for s in present], classes=cls, stroke="#303030", weight=1.6,
                    fill_opacity=0.45, legend_title=title, legend_rows=rows, rich=rich, tooltip=True)


def city_layer(frame: gpd.GeoDataFrame, units: list[LedgerUnit], lang: str, *, name: str) -> WebLayer:
    """The city outline with the city row of the ledger in its popup."""
    by_name = _units_by_name(units)
    rich = [_rich(by_name[n], lang, MAP_INDICATOR) if n in by_name else None for n in frame["name"]]
    tx = LayerTexts(lang)
    return WebLayer(name=name, geoms=frame.geometry.boundary.values, columns=[(tx.t("名称", "name"), frame["name"].astype(str))],
                    title_column=0, fills=["#202020"], stroke="#202020", weight=2.6, fill_opacity=0.0, rich=rich,
                    legend_title=name, legend_rows=[("#202020", tx.t("市界", "city boundary"))])


def _columns(frame: pd.DataFrame, lang: str) -> tuple[list[tuple[str, pd.Series]], int | None]:
    zh = is_chinese(lang)
    names = [c for c in frame.columns if c != frame.geometry.name]
    known = [c for c in FIELD_LABELS if c in names]
    chosen = (known + [c for c in names if c not in known])[:MAX_FIELDS]
    title = next((c for c in TITLE_FIELDS if c in chosen), None)
    cols = []
    for c in chosen:
        label = FIELD_LABELS.get(c, (c, c))[0 if zh else 1]
        cols.append((label if label == c else f"{label} {c}", frame[c]))
    return cols, (chosen.index(title) if title else None)


def data_layer(name: str, frame: gpd.GeoDataFrame, role: str | None, lang: str, *, show: bool = True) -> WebLayer:
    """A data layer styled by its role (the app's default styles and legends)."""
    from ..carto.styles import ROLE_STYLES, default_style
    from ..carto.symbology import build_symbology, categorised_unique, graduated_quantiles
    from ..core.project import LayerSpec, Style

    tx = LayerTexts(lang)
    spec = LayerSpec(name=name, path="", role=role)
    base = ROLE_STYLES.get(role or "", Style())
    style = default_style(spec, frame, lang)
    legend_title = name
    if role == "projects" and "type" in frame.columns:
        style = categorised_unique(base, frame, "type")
        legend_title = tx.t(f"{name}（按类型）", f"{name} (by type)")
    elif role == "sites" and "mean_score" in frame.columns:
        style = graduated_quantiles(Style(stroke="#7a3b00", stroke_width=0.8), frame, "mean_score", 4, "oranges")
        legend_title = tx.t(f"{name}（平均适宜度 0–1）", f"{name} (mean score 0–1)")
    elif role == "sites":
        style = Style(fill="#8e44ad", stroke="#5b2c6f", stroke_width=1.2)
    elif role == "forest" and style.kind == "categorised":
        legend_title = tx.t(f"{name}（地类）", f"{name} (land class)")
    symb = build_symbology(style, frame)
    rows = list(symb.legend) if style.kind != "single" else [(style.fill, name)]
    columns, title = _columns(frame, lang)
    fill = style.fill if style.fill not in ("", "none") else "#ffffff00"
    fills = list(symb.fills) if style.kind != "single" else [fill]
    fill_opacity = 0.0 if style.fill in ("", "none") else (0.75 if role != "protected" else 0.25)
    if fills and fills[0].startswith("#") and len(fills[0]) == 9:
        fill_opacity = int(fills[0][7:9], 16) / 255.0 if style.kind == "single" else fill_opacity
    return WebLayer(name=name, geoms=frame.geometry.values, columns=columns, title_column=title, fills=fills,
                    classes=symb.feature_class if style.kind != "single" else None, other_fill=symb.other_fill,
                    stroke=style.stroke if style.stroke not in ("", "none") else fills[0], weight=style.stroke_width,
                    fill_opacity=fill_opacity, radius=max(3.0, style.point_size / 2 + 1), legend_title=legend_title,
                    legend_rows=[(c, str(t) or name) for c, t in rows[:24]], show=show,
                    tooltip=role in ("projects", "sites", "protected"))


def role_of(name: str, frame: gpd.GeoDataFrame) -> str | None:
    """A layer's role from its name and fields (siting results by their fields, else the app's guess)."""
    from ..io.layerdata.roles import guess_role

    cols = set(frame.columns)
    if {"mean_score", "region_id"} <= cols or {"footprint_ha", "forest_area_ha"} <= cols:
        return "sites"
    return guess_role(name, "vector")


__all__ = ["FIELD_LABELS", "MAP_INDICATOR", "city_layer", "data_layer", "ledger_layer", "role_of"]

