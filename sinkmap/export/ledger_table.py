"""The ledger as a table for export (.csv, .xlsx, .json via :func:`sinkmap.export.tables.write_table`).

Column scheme, one per language (``lang``: the interface language, ``--lang``):

* ``en`` — machine names with the unit in each: ``name``, ``adcode``, ``level``, ``parent``,
  ``land_area_km2``, ``forest_area_ha``, ``forest_coverage_pct`` … ``carbon_10k_t``, ``co2_10k_t``; then for
  each indicator with a target ``<indicator>__target`` (in the indicator's unit, which its key names),
  ``__comparator``, ``__status`` and ``__gap_<unit>`` — e.g. ``forest_coverage_pct__gap_ha`` (hectares
  of forest missing), ``forest_stock_10k_m3__gap_10k_m3``, ``wetland_protection_rate_pct__gap_ha``.
* ``zh_CN`` — the same columns in Chinese, ``名称_单位``: ``单元``, ``行政区划代码``, ``级别``, ``上级``,
  ``土地面积_平方公里`` … ``二氧化碳_万吨``; per indicator ``森林覆盖率_目标_百分比``, ``森林覆盖率_比较``,
  ``森林覆盖率_状态``, ``森林覆盖率_差距_公顷``.

Levels, comparators and statuses are words of the language; the numbers are rounded as the terminal
shows them (:func:`sinkmap.core.ledger_report.digits_for`, ``gap_digits``; carbon and CO₂ in 万t).
The first column says where the data come from (see :mod:`sinkmap.export.tables`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..core.indicators import INDICATORS
from ..core.ledger_report import OUTPUT_KEYS, digits_for, gap_digits
from ..core.messages import is_chinese
from ..core.units import t_to_10k_t

#: measured column -> (English name, Chinese name); tonnes are exported in 万t, as shown.
COLUMNS: dict[str, tuple[str, str]] = {
    "name": ("name", "单元"), "adcode": ("adcode", "行政区划代码"), "level": ("level", "级别"),
    "parent": ("parent", "上级"), "land_area_km2": ("land_area_km2", "土地面积_平方公里"),
    "forest_area_ha": ("forest_area_ha", "森林面积_公顷"), "forest_coverage_pct": ("forest_coverage_pct", "森林覆盖率_百分比"),
    "forest_stock_10k_m3": ("forest_stock_10k_m3", "森林蓄积量_万立方米"),
    "living_tree_stock_10k_m3": ("living_tree_stock_10k_m3", "活立木总蓄积量_万立方米"),
    "wetland_area_ha": ("wetland_area_ha", "湿地面积_公顷"),
    "protected_wetland_area_ha": ("protected_wetland_area_ha", "受保护湿地面积_公顷"),
    "wetland_protection_rate_pct": ("wetland_protection_rate_pct", "湿地保护率_百分比"),
    "carbon_t": ("carbon_10k_t", "碳储量_万吨"), "co2_t": ("co2_10k_t", "二氧化碳_万吨"),
}
_TONNES = {"carbon_t", "co2_t"}
#: unit -> (English suffix, Chinese word)
UNITS = {"ha": ("ha", "公顷"), "公顷": ("ha", "公顷"), "%": ("pct_points", "百分点"), "万m³": ("10k_m3", "万立方米"),
         "万公顷": ("10k_ha", "万公顷"), "处": ("count", "处")}
_TARGET_UNIT_ZH = {"%": "百分比", "万m³": "万立方米", "万公顷": "万公顷", "公顷": "公顷", "处": "处"}
LEVELS = {"county": "县区", "city": "市", "province": "省", "zone": "片区"}
COMPARATORS = {"ge": ("at least", "以上"), "approx": ("about", "左右"), "reach": ("reach", "达到"),
               "stable": ("hold at", "稳定在")}
STATUSES = {"met": ("met", "达标"), "within_band": ("within band", "左右区间内"), "short": ("short", "未达标"),
            "no_target": ("no target", "规划未设目标"), "no_data": ("no data", "无数据"),
            "city_total": ("city-wide total", "全市总量目标")}
DATA_COLUMN = ("data", "数据")
DEMO_LABEL = "演示数据（合成，非真实调查数据） synthetic demo data (not survey data)"
USER_LABEL = "用户数据 user data"


def _round(value: Any, digits: int) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value == value:
        return round(float(value), digits)
    return value


def ledger_frame(units, lang: str = "en") -> pd.DataFrame:
    """The ledger units (:class:`sinkmap.core.ledger_report.LedgerUnit`) as an export table in ``lang``."""
    zh = 1 if is_chinese(lang) else 0
    rows = []
    for u in units:
        row: dict[str, Any] = {}
        for key in OUTPUT_KEYS:
            v = getattr(u, key)
            if key in _TONNES:
                v = t_to_10k_t(v)
            if key == "level":
                v = LEVELS.get(v, v) if zh else v
            row[COLUMNS[key][zh]] = _round(v, digits_for(key))
        for t in u.targets:
            ind = INDICATORS.get(t.indicator)
            name = (ind.name_zh if ind else t.indicator) if zh else t.indicator
            gap_unit = UNITS.get(t.gap_unit, (t.gap_unit, t.gap_unit))[zh] if t.gap_unit else ""
            sep = "_" if zh else "__"
            target_col = f"{name}_目标_{_TARGET_UNIT_ZH.get(t.unit, t.unit)}" if zh else f"{name}__target"
            row[target_col] = t.value
            comp = t.comparator.value if t.comparator else None
            row[f"{name}{sep}{'比较' if zh else 'comparator'}"] = COMPARATORS.get(comp, (comp, comp))[zh] if comp else None
            row[f"{name}{sep}{'状态' if zh else 'status'}"] = STATUSES.get(t.status.value, (t.status.value,) * 2)[zh]
            gap_col = f"{name}_差距_{gap_unit}" if zh else f"{name}__gap_{gap_unit}"
            row[gap_col.rstrip("_")] = _round(t.gap, gap_digits(t.gap_unit))
        rows.append(row)
    return pd.DataFrame(rows)


def data_label(synthetic: bool) -> str:
    return DEMO_LABEL if synthetic else USER_LABEL


__all__ = ["COLUMNS", "DATA_COLUMN", "DEMO_LABEL", "ledger_frame", "data_label"]
