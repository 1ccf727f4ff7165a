"""Siting scenarios: named sets of sites, stored in the project, compared side by side.

A :class:`Scenario` is a name, a target year, the ledger unit it is judged on (a city or county; None: the
counties its sites fall in and their cities, as ``site.impact`` chooses) and its sites — a GeoDataFrame in
CGCS2000 (EPSG:4490) with each site's ``name``, ``tech`` (pv / wind / phes: the footprint of a point site)
and ``capacity_mw`` (None: the technology's default). Polygons count as drawn. It is stored in the project
file as a JSON document (:meth:`Scenario.to_doc`, checked on reading by :mod:`sinkmap.io.scenario_doc`).

:func:`compare` lays the ``site.impact`` reports of several scenarios side by side (one column each): their
totals (forest area and stock cleared, CO₂, wetland, protected areas and red line touched, rules hit) and,
for every county and city any of them affects, each plan indicator after the sites against its target with
its status in words (达标 → 未达标), then the status changes each scenario causes. The reports come from the
caller (the ``site.compare`` job runs ``site.impact`` for each scenario), so the table holds exactly the
numbers those reports hold.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import mapping, shape

from ...core.crs import STORAGE_CRS
from ...core.errors import InputError
from ...core.indicators import INDICATORS, MAIN_INDICATORS, Comparator
from ...core.ledger_report import LedgerUnit
from ...core.messages import Notice, is_chinese
from ...io.scenario_doc import SCENARIO_CRS, TECHS, check_name, check_scenario, check_year

SITE_COLUMNS = ("name", "tech", "capacity_mw")


def empty_sites() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({c: [] for c in SITE_COLUMNS}, geometry=[], crs=STORAGE_CRS).astype(
        {"name": object, "tech": object, "capacity_mw": float})


def _tidy(sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Sites with a technology of None (not NaN) where none is set, capacities as floats (NaN: default)."""
    sites["tech"] = gpd.pd.Series([t if isinstance(t, str) and t else None for t in sites["tech"]], dtype=object,
                                  index=sites.index)
    sites["capacity_mw"] = sites["capacity_mw"].astype(float)
    return sites


@dataclass
class Scenario:
    """A named set of sites (see the module's docstring)."""

    name: str
    year: int
    sites: gpd.GeoDataFrame = field(default_factory=empty_sites)
    unit: str | None = None

    def __post_init__(self) -> None:
        where = Path("<scenario>")
        try:
            check_name(self.name, where, "name")
        except InputError as exc:
            raise InputError(code="analysis.siting.scenario.bad_name", name=str(self.name)[:60],
                             why=str(exc.params.get("expected", ""))) from None
        check_year(self.year, where, "year")

    def __len__(self) -> int:
        return len(self.sites)

    def add_site(self, geom, *, crs: Any = STORAGE_CRS, name: str | None = None, tech: str | None = None,
                 capacity_mw: float | None = None) -> str:
        """Add a point or polygon (in ``crs``) and return its name (``场址N`` when none is given)."""
        if tech is not None and tech not in TECHS:
            raise InputError(code="analysis.siting.unknown_site_tech", n=len(self.sites) + 1, tech=str(tech),
                             techs=", ".join(TECHS))
        g = gpd.GeoSeries([geom], crs=crs).to_crs(STORAGE_CRS).iloc[0]
        if g is None or g.is_empty or shapely.get_type_id(g) not in (0, 3, 4, 6):
            raise InputError(code="analysis.siting.not_polygon_or_point", n=len(self.sites) + 1,
                             geom_type="empty" if g is None or g.is_empty else g.geom_type)
        taken = set(self.sites["name"].astype(str))
        if not name:
            k = len(self.sites) + 1
            while f"场址{k}" in taken:
                k += 1
            name = f"场址{k}"
        row = gpd.GeoDataFrame({"name": [name], "tech": [tech], "capacity_mw": [
            np.nan if capacity_mw is None else float(capacity_mw)]}, geometry=[g], crs=STORAGE_CRS)
        self.sites = _tidy(row if len(self.sites) == 0 else gpd.GeoDataFrame(
            gpd.pd.concat([self.sites, row], ignore_index=True), crs=STORAGE_CRS))
        return name

    def remove_site(self, index: int) -> None:
        self.sites = self.sites.drop(self.sites.index[index]).reset_index(drop=True)

    # -- stored form ----------------------------------------------------------------------------------------
    def to_doc(self) -> dict[str, Any]:
        """The JSON document a project stores (GeoJSON sites in EPSG:4490)."""
        features = []
        for rec, g in zip(self.sites[list(SITE_COLUMNS)].to_dict("records"), self.sites.geometry):
            cap = rec["capacity_mw"]
            tech = rec["tech"] if isinstance(rec["tech"], str) and rec["tech"] else None
            props = {"name": None if rec["name"] is None else str(rec["name"]), "tech": tech,
                     "capacity_mw": None if cap is None or (isinstance(cap, float) and math.isnan(cap)) else float(cap)}
            features.append({"type": "Feature", "properties": props, "geometry": _plain_geometry(mapping(g))})
        return {"name": self.name, "year": int(self.year), "unit": self.unit, "crs": SCENARIO_CRS,
                "sites": {"type": "FeatureCollection", "features": features}}

    @classmethod
    def from_doc(cls, doc: Any, source: str | Path = "<scenario>", key: str = "scenario") -> "Scenario":
        """A scenario from its stored document, checked first (an :class:`InputError` names ``source`` and the
        key of anything wrong)."""
        check_scenario(doc, Path(source), key)
        feats = doc["sites"]["features"]
        props = [f.get("properties") or {} for f in feats]
        sites = gpd.GeoDataFrame(
            {"name": [p.get("name") or f"场址{i + 1}" for i, p in enumerate(props)],
             "tech": [p.get("tech") for p in props],
             "capacity_mw": [np.nan if p.get("capacity_mw") is None else float(p["capacity_mw"]) for p in props]},
            geometry=[shape(f["geometry"]) for f in feats], crs=STORAGE_CRS)
        return cls(name=doc["name"], year=int(doc["year"]), sites=_tidy(sites) if len(sites) else empty_sites(),
                   unit=doc.get("unit"))


def _plain_geometry(geom: Mapping) -> dict:
    """A shapely ``mapping`` with lists instead of tuples (plain JSON)."""
    def lists(c):
        return [lists(x) for x in c] if isinstance(c, (list, tuple)) and c and isinstance(c[0], (list, tuple)) \
            else [float(v) for v in c]
    return {"type": geom["type"], "coordinates": lists(geom["coordinates"])}


def scenarios_from_docs(docs: Sequence[Any], source: str | Path = "<project>") -> list[Scenario]:
    return [Scenario.from_doc(d, source, f"scenarios[{i}]") for i, d in enumerate(docs)]


# --------------------------------------------------------------------------------------------------------------
# side by side


class ImpactReport(Protocol):
    """What :func:`compare` reads of a ``site.impact`` report (:class:`sinkmap.jobs.site_impact.SiteImpactReport`)."""

    sites: list[dict]
    total: dict
    ledger_before: Any  # .units: list[LedgerUnit]
    ledger_after: Any
    status_changes: list[Notice]


#: (key, zh, en, unit zh, unit en, digits) of the totals
TOTAL_ROWS = (
    ("n_sites", "场址数", "Sites", "个", "", 0),
    ("footprint_ha", "占地面积", "Footprint", "公顷", "ha", 1),
    ("forest_area_ha", "占用森林面积", "Forest cleared", "公顷", "ha", 1),
    ("forest_stock_10k_m3", "损失森林蓄积", "Forest stock lost", "万m³", "10⁴ m³", 2),
    ("co2_t", "损失碳储量（CO₂）", "Carbon lost (CO₂)", "t", "t", 0),
    ("wetland_area_ha", "占用湿地", "Wetland affected", "公顷", "ha", 1),
    ("protected_wetland_area_ha", "其中受保护湿地", "of which protected", "公顷", "ha", 1),
    ("protected_areas", "涉及自然保护地", "Protected areas touched", "", "", None),
    ("redline", "生态保护红线", "Ecological red line", "", "", None),
    ("rules_hit", "命中选址规则", "Siting rules hit", "", "", None),
)
_SYMBOL = {Comparator.GE: "≥", Comparator.APPROX: "≈", Comparator.REACH: "≥", Comparator.STABLE: "≥"}


@dataclass
class ComparisonRow:
    """One row of the table: ``values`` has one entry per scenario (a number, text, a Notice, or None)."""

    section: str  # "total", a unit's name, or "changes"
    key: str
    label_zh: str
    label_en: str
    unit: str = ""
    unit_en: str = ""
    target: str = ""
    target_en: str = ""
    before: float | None = None  # the value before any site, when it is the same for every scenario
    values: list[Any] = field(default_factory=list)
    digits: int | None = None

    def label(self, lang: str | None = None) -> str:
        return self.label_zh if is_chinese(lang) else self.label_en


@dataclass
class Comparison:
    scenarios: list[str]
    rows: list[ComparisonRow]
    status_changes: dict[str, list[Notice]] = field(default_factory=dict)

    def row(self, section: str, key: str) -> ComparisonRow:
        return next(r for r in self.rows if r.section == section and r.key == key)

    def value(self, section: str, key: str, scenario: str) -> Any:
        return self.row(section, key).values[self.scenarios.index(scenario)]

    def to_frame(self, lang: str | None = None):
        """The table: section, item, unit, target, before, then one column per scenario; words in ``lang``."""
        import pandas as pd

        zh = is_chinese(lang)
        cols = ["分区", "项目", "单位", "目标", "现状"] if zh else ["Section", "Item", "Unit", "Target", "Before"]
        out = []
        for r in self.rows:
            section = {"total": "合计（重叠只计一次）" if zh else "Total (overlaps counted once)",
                       "changes": "目标状态变化" if zh else "Target status changes"}.get(r.section, r.section)
            out.append([section, r.label(lang), r.unit if zh else r.unit_en, r.target if zh else r.target_en,
                        _cell(r.before, r.digits, lang), *(_cell(v, r.digits, lang) for v in r.values)])
        return pd.DataFrame(out, columns=cols + list(self.scenarios))

    def to_json(self) -> dict[str, Any]:
        def j(v):
            if isinstance(v, Notice):
                return v.to_json()
            if isinstance(v, list):
                return [j(x) for x in v]
            return v
        return {"scenarios": list(self.scenarios),
                "rows": [{"section": r.section, "key": r.key, "label": {"zh_CN": r.label_zh, "en": r.label_en},
                          "unit": {"zh_CN": r.unit, "en": r.unit_en},
                          "target": {"zh_CN": r.target, "en": r.target_en}, "before": r.before,
                          "values": [j(v) for v in r.values]} for r in self.rows],
                "status_changes": {k: [n.to_json() for n in v] for k, v in self.status_changes.items()}}


def _cell(value: Any, digits: int | None, lang: str | None) -> Any:
    if isinstance(value, Notice):
        return value.render(lang)
    if isinstance(value, list):
        return ("；" if is_chinese(lang) else "; ").join(_cell(v, digits, lang) for v in value)
    if isinstance(value, float) and digits is not None:
        return round(value, digits)
    return value


def _status(a) -> Notice:
    return Notice(f"analysis.siting.status.{a.status.value}")


def _target_text(a, lang: str = "zh") -> str:
    """'≥ 3500 万m³' (English: '≥ 3500 ×10⁴ m³'); '' without a target."""
    from ...io.targets import unit_label

    if a is None or a.value is None or a.comparator is None:
        return ""
    return f"{_SYMBOL.get(a.comparator, '')} {a.value:g} {unit_label(a.unit, lang)}".strip()


def _totals(reports: Sequence[ImpactReport]) -> list[ComparisonRow]:
    rows = []
    for key, zh, en, u_zh, u_en, digits in TOTAL_ROWS:
        values = []
        for rep in reports:
            t = rep.total
            if key == "n_sites":
                values.append(len(rep.sites))
            elif key == "protected_areas":
                names = t.get("protected_area_names") or []
                values.append("、".join(names) if names else Notice("analysis.siting.scenario.untouched"))
            elif key == "redline":
                touched = t.get("redline_touched")
                values.append(Notice("analysis.siting.scenario.no_layer") if touched is None else
                              Notice("analysis.siting.scenario.touched", names="、".join(t.get("redline_names") or []))
                              if touched else Notice("analysis.siting.scenario.untouched"))
            elif key == "rules_hit":
                hits = t.get("rules_hit")
                values.append(Notice("analysis.siting.scenario.not_computed") if hits is None else
                              "、".join(f"{r['id']}（{r['document']}）" if r.get("document") else str(r["id"])
                                       for r in hits) if hits else Notice("analysis.siting.scenario.no_rule"))
            else:
                values.append(t.get(key))
        rows.append(ComparisonRow("total", key, zh, en, u_zh, u_en, values=values, digits=digits))
    return rows


def _units(reports: Sequence[ImpactReport]) -> list[tuple[str, str]]:
    """(name, level) of every unit of any report's ledger, cities first, in first-seen order."""
    seen: dict[tuple[str, str], None] = {}
    for rep in reports:
        for u in rep.ledger_after.units if rep.ledger_after else []:
            seen.setdefault((u.name, u.level), None)
    return sorted(seen, key=lambda k: (k[1] != "city", list(seen).index(k)))


def _unit_of(report: ImpactReport, which: str, key: tuple[str, str]) -> LedgerUnit | None:
    ledger = getattr(report, which)
    return next((u for u in (ledger.units if ledger else []) if (u.name, u.level) == key), None)


def _unit_rows(reports: Sequence[ImpactReport], key: tuple[str, str]) -> list[ComparisonRow]:
    name = key[0]
    rows = []
    for ind in MAIN_INDICATORS:
        afters = [_unit_of(r, "ledger_after", key) for r in reports]
        befores = [_unit_of(r, "ledger_before", key) for r in reports]
        a_after = [u.assessment(ind) if u else None for u in afters]
        a_before = [u.assessment(ind) if u else None for u in befores]
        if all(a is None or a.measured is None for a in a_after):
            continue
        info = INDICATORS[ind]
        ref = next(a for a in a_after if a is not None)
        measured_before = {None if a is None else a.measured for a, u in zip(a_before, befores) if u is not None}
        before = next(iter(measured_before)) if len(measured_before) == 1 else None
        values = [Notice("analysis.siting.scenario.not_touched") if u is None else a.measured if a else None
                  for u, a in zip(afters, a_after)]
        from ...io.targets import unit_label

        rows.append(ComparisonRow(name, ind, f"{info.name_zh}（建设后）", f"{info.name_en} (after)", ref.unit,
                                  unit_label(ref.unit, "en"), target=_target_text(ref),
                                  target_en=_target_text(ref, "en"), before=before, values=values, digits=2))
        if all(a is None or a.value is None for a in a_after):
            continue  # no plan target for this unit and year: no status to show
        statuses = []
        for u, b, a in zip(afters, a_before, a_after):
            if u is None or a is None:
                statuses.append(Notice("analysis.siting.scenario.not_touched") if u is None else None)
            elif b is None or b.status == a.status:
                statuses.append(_status(a))
            else:
                statuses.append(Notice("analysis.siting.scenario.status", before=_status(b), after=_status(a)))
        rows.append(ComparisonRow(name, f"status:{ind}", f"{info.name_zh}达标情况", f"{info.name_en}: status",
                                  target=_target_text(ref), target_en=_target_text(ref, "en"), values=statuses))
    return rows


def compare(scenarios: Sequence[Scenario | str], reports: Sequence[ImpactReport]) -> Comparison:
    """The side-by-side table of the ``site.impact`` ``reports`` of ``scenarios`` (one each, in order)."""
    names = [s.name if isinstance(s, Scenario) else str(s) for s in scenarios]
    if len(names) != len(reports):
        raise ValueError("one report per scenario")
    dup = next((n for i, n in enumerate(names) if n in names[:i]), None)
    if dup is not None:
        raise InputError(code="analysis.siting.scenario.duplicate_name", name=dup)
    rows = _totals(reports)
    for key in _units(reports):
        rows += _unit_rows(reports, key)
    changes = {n: list(r.status_changes) for n, r in zip(names, reports)}
    rows.append(ComparisonRow("changes", "status_changes", "目标状态变化", "Target status changes",
                              values=[v if v else Notice("analysis.siting.scenario.no_changes")
                                      for v in changes.values()]))
    return Comparison(scenarios=names, rows=rows, status_changes=changes)


__all__ = ["Comparison", "ComparisonRow", "SITE_COLUMNS", "Scenario", "compare", "empty_sites",
           "scenarios_from_docs"]
