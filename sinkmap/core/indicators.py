"""Indicator and comparator vocabulary shared by targets, the ledger and every display."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True)
class Indicator:
    key: str
    name_zh: str
    name_en: str
    unit: str  # the unit the plans use
    gap_unit: str  # the natural unit a gap is expressed in


INDICATORS: dict[str, Indicator] = {i.key: i for i in [
    Indicator("forest_coverage_pct", "森林覆盖率", "Forest coverage", "%", "ha"),
    Indicator("forest_stock_10k_m3", "森林蓄积量", "Forest stock", "万m³", "万m³"),
    Indicator("living_tree_stock_10k_m3", "活立木总蓄积量", "Living-tree stock", "万m³", "万m³"),
    Indicator("wetland_area_10k_ha", "湿地面积", "Wetland area", "万公顷", "ha"),
    Indicator("wetland_protection_rate_pct", "湿地保护率", "Wetland protection rate", "%", "ha"),
    Indicator("grassland_vegetation_cover_pct", "草原综合植被盖度", "Grassland vegetation cover", "%", "%"),
    # Other sink-section targets of the plans (layers/targets.yaml): 邵阳's share of land in 自然保护地,
    # 株洲's small wetlands to build by 2025.
    Indicator("protected_area_share_pct", "自然保护地面积占比", "Protected-area share of land", "%", "%"),
    Indicator("small_wetlands_built_count", "建设小微湿地", "Small wetlands built", "处", "处"),
    Indicator("small_wetlands_built_area_ha", "建设小微湿地面积", "Small-wetland area built", "公顷", "ha"),
]}

#: The five indicators every plan year is checked for: each has a target or an explicit absent record.
MAIN_INDICATORS: tuple[str, ...] = (
    "forest_coverage_pct", "forest_stock_10k_m3", "living_tree_stock_10k_m3", "wetland_area_10k_ha",
    "wetland_protection_rate_pct",
)


class Comparator(str, Enum):
    """How a plan words a target. See DOMAIN.md §1."""

    GE = "ge"  # 以上 / 不低于: a floor
    APPROX = "approx"  # 左右: a band around the value
    REACH = "reach"  # 达到 alone: treated as >= for status, shown as worded
    STABLE = "stable"  # 稳定在 alone: hold at the value (treated as >= for status)


class Status(str, Enum):
    MET = "met"
    WITHIN_BAND = "within_band"  # inside the 左右 band but below the value
    SHORT = "short"
    NO_TARGET = "no_target"  # the plan sets no target for this indicator/year
    NO_DATA = "no_data"  # a target exists but the inputs cannot measure the indicator
    CITY_TOTAL = "city_total"  # a city-wide total (stock, wetland area): assessed on the city row only


#: Indicators whose targets are city-wide totals: a county's share of them is not set by any plan, so a
#: county row shows the target for reference and the city row carries the status and the gap.
TOTAL_INDICATORS = frozenset({"forest_stock_10k_m3", "living_tree_stock_10k_m3", "wetland_area_10k_ha",
                              "small_wetlands_built_count", "small_wetlands_built_area_ha"})


@dataclass(frozen=True)
class Target:
    """One sink target transcribed from a plan, with where it was found."""

    city: str  # e.g. 长沙市
    year: int
    indicator: str  # key of INDICATORS
    value: float
    unit: str
    comparator: Comparator
    basis: str  # 口径, e.g. 森林覆盖率（林木绿化率）
    quote: str  # the exact sentence from the seed file
    seed: str  # seed file name
    line: int  # 1-based line in the seed file where the quote starts
    source: str = "bundled"  # "bundled" or the path of a user file that added/overrode it
    document: str = ""  # the plan it is cited by, e.g. 株政发〔2023〕9号《株洲市碳达峰实施方案》

    def to_dict(self) -> dict:
        return {
            "city": self.city, "year": self.year, "indicator": self.indicator, "value": self.value,
            "unit": self.unit, "comparator": self.comparator.value, "basis": self.basis,
            "document": self.document, "quote": self.quote, "seed": self.seed, "line": self.line,
        }
