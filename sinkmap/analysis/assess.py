"""Status and gap of a measured sink against a plan target.

Status (DOMAIN.md §1): ``ge``, ``reach`` and ``stable`` are met when measured >= value; ``approx``
(左右) is met when measured >= value, *within_band* when value − band <= measured < value, short
otherwise. The 左右 band width is not in the plans: it is a setting (:class:`ApproxBand`).

Gaps are in natural units (0 when met): forest coverage → hectares of forest to add
(value % × land area − forest area); stock → 万m³; wetland area (万公顷 target) → hectares of wetland;
protection rate → hectares of wetland to bring under protection (value % × wetland area − protected
wetland area).

Bases (口径) are never compared silently: when the measurement's basis differs from the target's (e.g.
长沙's 森林覆盖率（林木绿化率） against a plain 森林覆盖率 measurement) the assessment carries a
``basis_note``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

from ..core.indicators import INDICATORS, MAIN_INDICATORS, Comparator, Status, Target
from ..core.ledger_report import Assessment
from ..core.units import HA_PER_10K_HA, HA_PER_KM2
from ..io.targets import TargetSet, format_target

#: Ledger keys a ``measures`` mapping may hold (all optional; None means not measured).
MEASURE_KEYS = ("land_area_km2", "forest_area_ha", "forest_coverage_pct", "forest_stock_10k_m3",
                "living_tree_stock_10k_m3", "wetland_area_ha", "protected_wetland_area_ha",
                "wetland_protection_rate_pct")


@dataclass(frozen=True)
class ApproxBand:
    """How far below a 左右 (approx) target still counts as *within_band*.

    ``pct_points`` applies to percentage indicators (coverage, protection rate...), ``relative`` (a
    fraction of the target value) to the others. The plans do not define 左右: these are settings.
    """

    pct_points: float = 1.0
    relative: float = 0.02

    def width(self, target: Target) -> float:
        return self.pct_points if target.unit == "%" else abs(target.value) * self.relative


def _num(measures: Mapping[str, float | None], key: str) -> float | None:
    v = measures.get(key)
    if v is None:
        return None
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _ratio_pct(part: float | None, whole: float | None) -> float | None:
    return None if part is None or whole is None or whole <= 0 else part / whole * 100.0


def measured_value(indicator: str, measures: Mapping[str, float | None]) -> float | None:
    """The measure of ``indicator`` in the plans' unit, from the ledger keys (derived where possible)."""
    direct = _num(measures, indicator)
    if indicator == "forest_coverage_pct":
        land = _num(measures, "land_area_km2")
        return direct if direct is not None else _ratio_pct(
            _num(measures, "forest_area_ha"), None if land is None else land * HA_PER_KM2)
    if indicator == "wetland_area_10k_ha":
        ha = _num(measures, "wetland_area_ha")
        return ha / HA_PER_10K_HA if ha is not None else direct
    if indicator == "wetland_protection_rate_pct":
        return direct if direct is not None else _ratio_pct(
            _num(measures, "protected_wetland_area_ha"), _num(measures, "wetland_area_ha"))
    return direct


def _gap(t: Target, measured: float, measures: Mapping[str, float | None]) -> float | None:
    """Shortfall in natural units (see module docstring); None when the inputs do not allow it."""
    ind = t.indicator
    if ind == "forest_coverage_pct":
        land = _num(measures, "land_area_km2")
        if land is None:
            return None
        land_ha = land * HA_PER_KM2
        forest_ha = _num(measures, "forest_area_ha")
        if forest_ha is None:
            forest_ha = measured / 100.0 * land_ha
        return t.value / 100.0 * land_ha - forest_ha
    if ind == "wetland_area_10k_ha":
        ha = _num(measures, "wetland_area_ha")
        return t.value * HA_PER_10K_HA - (ha if ha is not None else measured * HA_PER_10K_HA)
    if ind == "wetland_protection_rate_pct":
        wetland = _num(measures, "wetland_area_ha")
        if wetland is None:
            return None
        protected = _num(measures, "protected_wetland_area_ha")
        if protected is None:
            protected = measured / 100.0 * wetland
        return t.value / 100.0 * wetland - protected
    return t.value - measured  # stocks (万m³), percentages in points, counts, hectares


def _norm_basis(b: str) -> str:
    return "".join(b.split()).replace("(", "（").replace(")", "）")


def _basis(indicator: str, target_basis: str, measure_basis: Mapping[str, str] | None) -> tuple[str, str | None]:
    """The measurement's basis (default: the indicator's plain definition) and a note if it differs."""
    default = INDICATORS[indicator].name_zh if indicator in INDICATORS else indicator
    mb = (measure_basis or {}).get(indicator) or default
    if not target_basis or _norm_basis(mb) == _norm_basis(target_basis):
        return mb, None
    return mb, (f"口径不同: target is {target_basis}, measurement is {mb} — the bases differ, so the "
                f"status is indicative only")


def assess(target: Target | None, measures: Mapping[str, float | None], band: ApproxBand = ApproxBand(), *,
           measure_basis: Mapping[str, str] | None = None, indicator: str | None = None) -> Assessment:
    """Status and gap of ``measures`` (ledger keys, see :data:`MEASURE_KEYS`) against ``target``.

    ``indicator`` names the indicator when ``target`` is None (status ``no_target``).
    ``measure_basis`` maps indicator → the basis the measurement used (default: plain definition).
    """
    ind = target.indicator if target is not None else (indicator or "")
    spec = INDICATORS.get(ind)
    gap_unit = spec.gap_unit if spec else ""
    measured = measured_value(ind, measures) if ind else None
    if target is None:
        mb, _ = _basis(ind, "", measure_basis) if ind else ("", None)
        return Assessment(indicator=ind, value=None, comparator=None, status=Status.NO_TARGET, gap=None,
                          gap_unit=gap_unit, measured=measured, unit=spec.unit if spec else "",
                          measure_basis=mb)
    mb, note = _basis(ind, target.basis, measure_basis)
    width = band.width(target) if target.comparator is Comparator.APPROX else None
    common = dict(indicator=ind, value=target.value, comparator=target.comparator, gap_unit=gap_unit,
                  measured=measured, unit=target.unit, basis=target.basis, measure_basis=mb,
                  basis_note=note, band=width, city=target.city, year=target.year, quote=target.quote)
    if measured is None:
        return Assessment(status=Status.NO_DATA, gap=None, **common)
    tol = 1e-9 * max(1.0, abs(target.value))  # float noise of derived ratios is not a shortfall
    if measured >= target.value - tol:
        return Assessment(status=Status.MET, gap=0.0, **common)
    status = Status.SHORT
    if width is not None and measured >= target.value - width - tol:
        status = Status.WITHIN_BAND
    gap = _gap(target, measured, measures)
    return Assessment(status=status, gap=None if gap is None else max(0.0, gap), **common)


def assess_all(targets: list[Target], measures: Mapping[str, float | None], band: ApproxBand = ApproxBand(),
               *, measure_basis: Mapping[str, str] | None = None) -> list[Assessment]:
    return [assess(t, measures, band, measure_basis=measure_basis) for t in targets]


def assess_city(targets: TargetSet, city: str, year: int, measures: Mapping[str, float | None],
                band: ApproxBand = ApproxBand(), *, measure_basis: Mapping[str, str] | None = None
                ) -> list[Assessment]:
    """Every main indicator (target or not) plus any other indicator with a target for ``city`` in
    ``year``. Rows without a target say why (the plan's absence) and name the next plan year's target."""
    reasons = dict(targets.absent(city, year))
    others = [t.indicator for t in targets.for_city(city, year) if t.indicator not in MAIN_INDICATORS]
    out = []
    for ind in list(MAIN_INDICATORS) + others:
        t = targets.get(city, year, ind)
        a = assess(t, measures, band, measure_basis=measure_basis, indicator=ind)
        if t is None:
            nxt = targets.nearest(city, year, ind)
            a = Assessment(**{**a.__dict__, "city": targets.resolve(city), "year": int(year),
                              "reason": reasons.get(ind, ""),
                              "next_target": format_target(nxt) if nxt is not None else ""})
        out.append(a)
    return out
