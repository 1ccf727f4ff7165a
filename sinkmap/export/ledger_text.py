"""The ledger in words, as the web map's popups, the PDF report and its workbook show it (one wording).

Numbers are rounded as the terminal shows them (measured values against a target: 2 decimals; gaps by
their unit, :func:`sinkmap.core.ledger_report.gap_digits`); statuses, comparators and levels are the words
of :mod:`sinkmap.export.ledger_table`; each target is cited with its plan (文号《title》) and, for
provenance, the plan text file and line it was transcribed from.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.indicators import INDICATORS
from ..core.ledger_report import Assessment, LedgerUnit, gap_digits
from ..core.messages import is_chinese
from ..core.units import t_to_10k_t
from .ledger_table import COMPARATORS, LEVELS, STATUSES

_UNIT_EN = {"%": "%", "万m³": "10⁴ m³", "万公顷": "10⁴ ha", "公顷": "ha", "ha": "ha", "处": "sites"}
_UNIT_ZH = {"ha": "公顷"}

#: The measured columns of the report's ledger table: (key, Chinese head, English head, unit zh, unit en, digits).
MEASURE_COLUMNS = (
    ("land_area_km2", "土地面积", "Land area", "平方公里", "km²", 1),
    ("forest_area_ha", "森林面积", "Forest area", "公顷", "ha", 1),
    ("forest_coverage_pct", "森林覆盖率", "Forest coverage", "%", "%", 2),
    ("forest_stock_10k_m3", "森林蓄积量", "Forest stock", "万立方米", "10⁴ m³", 2),
    ("wetland_area_ha", "湿地面积", "Wetland area", "公顷", "ha", 1),
    ("wetland_protection_rate_pct", "湿地保护率", "Wetland protection rate", "%", "%", 2),
    ("co2_t", "碳储量（二氧化碳）", "Carbon stock (CO₂)", "万吨", "10⁴ t", 1),
)


def unit_text(unit: str, lang: str) -> str:
    return _UNIT_EN.get(unit, unit) if not is_chinese(lang) else _UNIT_ZH.get(unit, unit)


def number(value: float | None, digits: int) -> str:
    """``value`` with thousands separators and ``digits`` decimals; an em dash when missing."""
    if value is None or value != value:
        return "—"
    return f"{value:,.{digits}f}"


def indicator_name(key: str, lang: str, basis: str = "") -> str:
    ind = INDICATORS.get(key)
    if is_chinese(lang):
        return basis if key == "forest_coverage_pct" and basis else (ind.name_zh if ind else key)
    return ind.name_en if ind else key


def status_word(status: str, lang: str) -> str:
    return STATUSES.get(status, (status, status))[1 if is_chinese(lang) else 0]


def level_word(level: str, lang: str) -> str:
    return LEVELS.get(level, level) if is_chinese(lang) else level


def target_text(a: Assessment, lang: str) -> str:
    """The target as worded: '不低于 55%', '4,300 万m³ 左右', 'at least 55%'…; '—' without one."""
    if a.value is None or a.comparator is None:
        return "—"
    v = f"{a.value:,.6g}{'' if a.unit == '%' else ' '}{unit_text(a.unit, lang)}"
    if is_chinese(lang):
        return {"ge": f"{v} 以上", "approx": f"{v} 左右", "reach": f"达到 {v}", "stable": f"稳定在 {v}"}[a.comparator.value]
    return {"ge": f"≥ {v}", "approx": f"about {v}", "reach": f"reach {v}", "stable": f"hold at {v}"}[a.comparator.value]


def measured_text(a: Assessment, unit: LedgerUnit, lang: str) -> str:
    value = a.measured if a.measured is not None else unit.measure(a.indicator)
    u = unit_text(a.unit or (INDICATORS[a.indicator].unit if a.indicator in INDICATORS else ""), lang)
    return "—" if value is None else f"{number(value, 2)}{'' if u == '%' else ' '}{u}"


def gap_text(a: Assessment, lang: str) -> str:
    """'差 2,294 公顷' / 'short by 2,294 ha'; '' when met or not computable."""
    if not a.gap:
        return ""
    g = f"{number(a.gap, gap_digits(a.gap_unit))} {unit_text(a.gap_unit, lang)}"
    return f"差 {g}" if is_chinese(lang) else f"short by {g}"


def source_text(a: Assessment, lang: str) -> str:
    """Where the target comes from: the plan (文号《title》) and the transcribed text file and line."""
    where = ""
    if a.seed:
        where = (f"{a.seed} 第 {a.line} 行" if is_chinese(lang) else f"{a.seed}, line {a.line}") if a.line else a.seed
    doc = a.document or ""
    return "；".join(x for x in (doc, where) if x) if is_chinese(lang) else "; ".join(x for x in (doc, where) if x)


@dataclass(frozen=True)
class TargetRow:
    """One indicator of one unit: the words of a ledger table row."""

    indicator: str
    name: str
    measured: str
    target: str
    status: str  # the status key (met, short…)
    status_text: str
    gap: str
    quote: str
    source: str


def target_rows(unit: LedgerUnit, lang: str, *, with_absent: bool = True) -> list[TargetRow]:
    """Every assessment of ``unit`` as words (targets the plan does not set included, unless asked not to)."""
    rows = []
    for a in unit.targets:
        if a.value is None and not with_absent:
            continue
        rows.append(TargetRow(
            indicator=a.indicator, name=f"{indicator_name(a.indicator, lang, a.basis)}",
            measured=measured_text(a, unit, lang), target=target_text(a, lang), status=a.status.value,
            status_text=status_word(a.status.value, lang), gap=gap_text(a, lang), quote=a.quote or "",
            source=source_text(a, lang) if a.quote else (a.reason or "")))
    return rows


def measure_cells(unit: LedgerUnit) -> list[str]:
    """The measured columns of :data:`MEASURE_COLUMNS` for ``unit``, rounded as shown."""
    out = []
    for key, *_rest, digits in MEASURE_COLUMNS:
        v = getattr(unit, key)
        out.append(number(t_to_10k_t(v) if key == "co2_t" else v, digits))
    return out


def measure_heads(lang: str) -> list[str]:
    zh = is_chinese(lang)
    return [f"{c[1] if zh else c[2]}（{c[3]}）" if zh else f"{c[2]} ({c[4]})" for c in MEASURE_COLUMNS]


def comparator_word(value: str, lang: str) -> str:
    return COMPARATORS.get(value, (value, value))[1 if is_chinese(lang) else 0]


__all__ = ["MEASURE_COLUMNS", "TargetRow", "comparator_word", "gap_text", "indicator_name", "level_word",
           "measure_cells", "measure_heads", "measured_text", "number", "source_text", "status_word", "target_rows",
           "target_text", "unit_text"]
