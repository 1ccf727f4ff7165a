"""The ledger's report types: each unit's measured values and its assessments against the plan's targets.

Plain dataclasses, shared by the ledger job (which makes them), the terminal display, the exports, the
choropleth and the app's dashboard (which read them by attribute, never by dictionary key).
``to_dict()`` gives the JSON document of ``sinkmap ledger --json`` (key order included).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .indicators import Comparator, Status
from .units import ha_to_10k_ha

#: The measured columns of a ledger row, in output order.
OUTPUT_KEYS = ("name", "adcode", "level", "parent", "land_area_km2", "forest_area_ha", "forest_coverage_pct",
               "forest_stock_10k_m3", "living_tree_stock_10k_m3", "wetland_area_ha", "protected_wetland_area_ha",
               "wetland_protection_rate_pct", "carbon_t", "co2_t")

#: Decimals of a gap, by its unit, as the terminal shows it and the exports write it.
GAP_DIGITS = {"ha": 0, "公顷": 0, "万m³": 0, "万公顷": 2, "%": 2, "处": 0}


def digits_for(key: str) -> int:
    """Decimals of a measured column, as the terminal shows it and the exports write it: 2 for
    percentages, 1 for areas, stocks and tonnages (shown in 万t)."""
    return 2 if key.endswith("pct") else 1


def gap_digits(unit: str | None) -> int:
    return GAP_DIGITS.get(unit or "", 1)


@dataclass(frozen=True)
class Assessment:
    """One indicator of one place against its target (or the absence of one)."""

    indicator: str
    value: float | None  # the target value, in the target's unit
    comparator: Comparator | None
    status: Status
    gap: float | None  # in gap_unit; 0 when met; None when not computable
    gap_unit: str
    measured: float | None  # in the target's unit
    unit: str = ""
    basis: str = ""
    measure_basis: str = ""
    basis_note: str | None = None
    band: float | None = None  # the 左右 half-width used, for approx targets
    city: str = ""
    year: int | None = None
    quote: str = ""
    reason: str = ""  # why there is no target, when status is no_target
    next_target: str = ""  # the next plan year's target, formatted, when there is none this year
    document: str = ""  # the plan the target is cited by, e.g. 株政发〔2023〕9号《株洲市碳达峰实施方案》
    seed: str = ""  # provenance: the plan text file and line the quote was transcribed from
    line: int | None = None

    def to_dict(self) -> dict:
        return {
            "indicator": self.indicator, "value": self.value,
            "comparator": self.comparator.value if self.comparator else None,
            "status": self.status.value, "gap": self.gap, "unit": self.unit, "gap_unit": self.gap_unit,
            "measured": self.measured, "basis": self.basis, "measure_basis": self.measure_basis,
            "basis_note": self.basis_note, "band": self.band, "city": self.city, "year": self.year,
            "document": self.document, "quote": self.quote, "reason": self.reason,
            "next_target": self.next_target, "seed": self.seed, "line": self.line,
        }


@dataclass
class LedgerUnit:
    """One row of the ledger: a county, zone, city or the province, its measures and its assessments."""

    name: str
    level: str
    adcode: str | None = None
    parent: str | None = None
    land_area_km2: float | None = None
    forest_area_ha: float | None = None
    forest_coverage_pct: float | None = None
    forest_stock_10k_m3: float | None = None
    living_tree_stock_10k_m3: float | None = None
    wetland_area_ha: float | None = None
    protected_wetland_area_ha: float | None = None
    wetland_protection_rate_pct: float | None = None
    carbon_t: float | None = None
    co2_t: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # other values of the row (raster class areas…)
    targets_city: str | None = None  # whose plan's targets apply
    targets: list[Assessment] = field(default_factory=list)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "LedgerUnit":
        """A unit from an analysis row (a dict with the OUTPUT_KEYS and perhaps more)."""
        known = {k: row.get(k) for k in OUTPUT_KEYS}
        extra = {k: v for k, v in row.items() if k not in OUTPUT_KEYS and k not in ("targets_city", "targets")}
        return cls(**known, extra=extra)

    @property
    def is_total(self) -> bool:
        """A city or province row (drawn bold, the chart's reference)."""
        return self.level in ("city", "province")

    def measure(self, indicator: str) -> float | None:
        """The unit's measured value of ``indicator`` in the plan's unit (wetland area: ha → 万公顷)."""
        if indicator == "wetland_area_10k_ha":
            return ha_to_10k_ha(self.wetland_area_ha)
        value = getattr(self, indicator, None) if indicator in OUTPUT_KEYS else self.extra.get(indicator)
        return value

    def assessment(self, indicator: str) -> Assessment | None:
        return next((a for a in self.targets if a.indicator == indicator), None)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: getattr(self, k) for k in OUTPUT_KEYS}
        out.update(self.extra)
        out["targets_city"] = self.targets_city
        out["targets"] = [a.to_dict() for a in self.targets]
        return out
