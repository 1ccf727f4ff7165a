"""What a site or a scenario of sites costs the sink: forest, stock, carbon, wetland, protected areas.

A site is a polygon (drawn or from a layer) or a point given a technology footprint (:data:`FOOTPRINTS`).
Each footprint is measured with the ledger's own reading of the layers (:func:`sinkmap.analysis.ledger.
prepare_layers`: the same 地类, canopy and stock-field rules, area share × each 小班's stock), so a site's
forest stock is exactly what the ledger would lose. The scenario total is measured on the union of the
footprints (overlapping sites counted once).

The "after" layers are the layers minus the union of the footprints (:func:`remove_footprints`), computed
in the ledger's equal-area CRS; totals held per feature in a field (stock per 小班, an area field) are scaled
by the share of the feature that remains. Protected areas and the red line are not cut: a site does not
change a designation. :func:`status_changes` compares the ledgers' assessments before and after.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ...core.crs import EQUAL_AREA_CRS, M2_PER_HA
from ...core.errors import InputError
from ...core.feedback import Feedback, ensure
from ...core.indicators import INDICATORS, Status
from ...core.ledger_report import LedgerUnit, gap_digits
from ...core.messages import Notice
from ..ledger import LedgerInputs, LedgerOptions, LedgerResult, PreparedLayers, prepare_layers, prepared_ledger
from ..ledger_core import to_crs


# --------------------------------------------------------------------------------------------------------------
# footprints of point sites: explicit, documented assumptions (not facts) — change them per project


@dataclass(frozen=True)
class Footprint:
    """The land a point site of one technology takes: ``ha_per_mw`` × capacity (``default_mw`` when the user
    gives none), or a fixed ``ha_per_site`` when set; drawn as a ``shape`` ('square' or 'circle') centred on
    the point."""

    tech: str
    ha_per_mw: float | None
    default_mw: float | None
    ha_per_site: float | None
    shape: str
    note: str

    def area_ha(self, capacity_mw: float | None = None) -> float:
        if self.ha_per_site is not None:
            return self.ha_per_site
        return float(self.ha_per_mw) * float(capacity_mw if capacity_mw is not None else self.default_mw)


#: Default footprints by technology. ASSUMPTIONS for screening, to be replaced by a project's layout:
#: * pv: ground-mounted PV at 2.0 ha per MWp (fixed-tilt arrays with row spacing, inverters and tracks; the
#:   commonly quoted range is about 1.5–2.5 ha/MWp); 20 MW when no capacity is given;
#: * wind: one point = one turbine; its pad, crane hardstand and share of the access road ≈ 1 ha;
#: * phes: pumped-storage hydro, upper and lower reservoirs, dams and works ≈ 0.2 ha per MW; 1200 MW when
#:   no capacity is given.
FOOTPRINTS: dict[str, Footprint] = {
    "pv": Footprint("pv", ha_per_mw=2.0, default_mw=20.0, ha_per_site=None, shape="square",
                    note="capacity × 2.0 ha/MWp (assumed power density)"),
    "wind": Footprint("wind", ha_per_mw=None, default_mw=None, ha_per_site=1.0, shape="circle",
                      note="1 ha per turbine: pad, hardstand and access road (assumed)"),
    "phes": Footprint("phes", ha_per_mw=0.2, default_mw=1200.0, ha_per_site=None, shape="square",
                      note="capacity × 0.2 ha/MW: reservoirs, dams and works (assumed)"),
}

#: Fields tried, in order, for the name of a protected area / a red-line polygon / a site.
NAME_FIELDS = ("name", "NAME", "Name", "名称", "BHDMC", "HXMC", "MC", "XMMC", "QYMC")


def footprints(sites: gpd.GeoDataFrame, tech: str | None = None, capacity_mw: float | None = None) -> gpd.GeoSeries:
    """The footprints of ``sites`` in the equal-area CRS: polygons as drawn, points as the footprint of
    ``tech`` (see :data:`FOOTPRINTS`) centred on them. Lines are not sites."""
    geoms = to_crs(sites, EQUAL_AREA_CRS, "sites").to_numpy()
    out = np.empty(len(geoms), dtype=object)
    for i, g in enumerate(geoms):
        if g is None or shapely.is_empty(g):
            raise InputError(code="analysis.siting.empty_site", n=i + 1)
        kind = shapely.get_type_id(g)
        if kind in (3, 6):  # (multi)polygon
            out[i] = g if shapely.is_valid(g) else shapely.make_valid(g)
        elif kind in (0, 4):  # (multi)point
            if tech not in FOOTPRINTS:
                raise InputError(code="analysis.siting.point_needs_tech", n=i + 1,
                                 techs=", ".join(FOOTPRINTS))
            fp = FOOTPRINTS[tech]
            area_m2 = fp.area_ha(capacity_mw) * M2_PER_HA
            pts = shapely.get_parts(g)
            if fp.shape == "circle":
                r = float(np.sqrt(area_m2 / np.pi))
                parts = shapely.buffer(pts, r, quad_segs=32)
            else:
                h = float(np.sqrt(area_m2)) / 2
                parts = shapely.box(shapely.get_x(pts) - h, shapely.get_y(pts) - h,
                                    shapely.get_x(pts) + h, shapely.get_y(pts) + h)
            out[i] = parts[0] if len(parts) == 1 else shapely.union_all(parts)
        else:
            raise InputError(code="analysis.siting.not_polygon_or_point", n=i + 1,
                             geom_type=str(g.geom_type))
    return gpd.GeoSeries(out, crs=EQUAL_AREA_CRS, index=sites.index)


# --------------------------------------------------------------------------------------------------------------
# impact of each site


@dataclass
class SiteImpact:
    name: str
    footprint_ha: float
    forest_area_ha: float | None
    forest_stock_10k_m3: float | None
    living_tree_stock_10k_m3: float | None
    carbon_t: float | None
    co2_t: float | None
    wetland_area_ha: float | None
    protected_wetland_area_ha: float | None
    protected_area_names: list[str] = field(default_factory=list)
    redline_touched: bool | None = None  # None: no red-line layer given
    redline_names: list[str] = field(default_factory=list)
    counties: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def _names(gdf: gpd.GeoDataFrame | None) -> list[str] | None:
    if gdf is None:
        return None
    col = next((c for c in NAME_FIELDS if c in gdf.columns), None)
    if col is None:
        return [f"#{i + 1}" for i in range(len(gdf))]
    return [str(v) if pd.notna(v) else f"#{i + 1}" for i, v in enumerate(gdf[col])]


#: Overlap below this (m², i.e. 0.001 ha) is not counted as touching a protected area or the red line: the
#: slivers that reprojecting shared edges leaves, far below any footprint (a turbine pad is ~1,000 m²).
TOUCH_TOLERANCE_M2 = 10.0


class _Touch:
    """Which features of a polygon layer (protected areas, red line) a footprint touches, by name."""

    def __init__(self, gdf: gpd.GeoDataFrame | None, label: str) -> None:
        self.names = _names(gdf)
        if gdf is not None:
            geoms = to_crs(gdf.reset_index(drop=True), EQUAL_AREA_CRS, label).to_numpy()
            ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
            geoms = np.where(ok, geoms, None)
            bad = ok & ~shapely.is_valid(geoms)
            geoms[bad] = shapely.make_valid(geoms[bad])
            self.rows = np.flatnonzero(ok)
            self.tree = shapely.STRtree(geoms[ok])
            self.geoms = geoms[ok]

    def names_in(self, geom) -> list[str] | None:
        if self.names is None:
            return None
        idx = self.tree.query(geom, predicate="intersects")
        # touching only at a border is not an intrusion: keep those sharing more than a sliver of area (two
        # polygons drawn edge to edge in lon/lat overlap by a few m² once projected to the equal-area CRS)
        idx = idx[shapely.area(shapely.intersection(self.geoms[idx], geom)) > TOUCH_TOLERANCE_M2] if idx.size else idx
        return list(dict.fromkeys(self.names[self.rows[i]] for i in sorted(idx)))


def _impact(prepared: PreparedLayers, geom, name: str, protected: _Touch, redline: _Touch) -> SiteImpact:
    row = prepared.measure(geom, name)
    reds = redline.names_in(geom)
    return SiteImpact(
        name=name, footprint_ha=float(shapely.area(geom)) / M2_PER_HA,
        forest_area_ha=row.get("forest_area_ha"), forest_stock_10k_m3=row.get("forest_stock_10k_m3"),
        living_tree_stock_10k_m3=row.get("living_tree_stock_10k_m3"), carbon_t=row.get("carbon_t"),
        co2_t=row.get("co2_t"), wetland_area_ha=row.get("wetland_area_ha"),
        protected_wetland_area_ha=row.get("protected_wetland_area_ha"),
        protected_area_names=protected.names_in(geom) or [],
        redline_touched=None if reds is None else bool(reds), redline_names=reds or [])


@dataclass
class ImpactResult:
    sites: list[SiteImpact]
    total: SiteImpact  # the union of the footprints: overlaps counted once
    union: object  # the union of the footprints (equal-area CRS)
    footprints: gpd.GeoSeries
    prepared: PreparedLayers  # the 'before' ledger and the 'after' one (its protected areas) reuse it
    warnings: list[Notice] = field(default_factory=list)


def site_impacts(fps: gpd.GeoSeries, names: list[str], inputs: LedgerInputs, options: LedgerOptions,
                 redline: gpd.GeoDataFrame | None = None, feedback: Feedback | None = None) -> ImpactResult:
    """Each footprint's cost to the sink, and the scenario's (their union), read as the ledger reads."""
    feedback = ensure(feedback)
    prepared = prepare_layers(inputs, options, feedback)
    protected = _Touch(inputs.protected, inputs.protected_name or "自然保护地")
    red = _Touch(redline, "生态保护红线")
    geoms = fps.to_numpy()
    sites = [_impact(prepared, g, n, protected, red) for g, n in zip(geoms, names)]
    union = shapely.union_all(geoms)
    total = _impact(prepared, union, "∪", protected, red)
    return ImpactResult(sites=sites, total=total, union=union, footprints=fps, prepared=prepared,
                        warnings=list(prepared.warnings))


# --------------------------------------------------------------------------------------------------------------
# the layers after the sites


def remove_footprints(gdf: gpd.GeoDataFrame | None, union, label: str,
                      scale_fields: tuple[str, ...] = ()) -> gpd.GeoDataFrame | None:
    """``gdf`` minus ``union`` (equal-area CRS), in the equal-area CRS: features wholly inside are dropped;
    fields holding a per-feature total (``scale_fields``) are scaled by the share of the feature kept."""
    if gdf is None:
        return None
    return _remove(gdf, union, label, scale_fields)[0]


def _remove(gdf: gpd.GeoDataFrame, union, label: str, scale_fields: tuple[str, ...] = ()):
    """:func:`remove_footprints`, and for each feature kept its position in ``gdf``."""
    out = gdf.reset_index(drop=True).copy()
    geoms = to_crs(out, EQUAL_AREA_CRS, label).to_numpy()
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    shapely.prepare(union)
    hit = np.zeros(len(geoms), bool)
    hit[present] = shapely.intersects(union, geoms[present])
    new = geoms.copy()
    if hit.any():
        g = geoms[hit]
        bad = ~shapely.is_valid(g)
        g[bad] = shapely.make_valid(g[bad])  # the ledger repairs the same way before measuring
        before = shapely.area(g)
        kept = shapely.difference(g, union)
        new[hit] = kept
        share = np.divide(shapely.area(kept), before, out=np.zeros_like(before), where=before > 0)
        for col in scale_fields:
            if col in out.columns:
                if pd.api.types.is_numeric_dtype(out[col]):
                    out[col] = out[col].astype(float)
                    out.loc[hit, col] = out.loc[hit, col].to_numpy(float) * share
                else:  # text: scale what reads as a number, keep the rest as it was (the ledger reports it)
                    values = pd.to_numeric(out.loc[hit, col], errors="coerce")
                    out[col] = out[col].astype(object)
                    out.loc[hit, col] = np.where(values.isna().to_numpy(), out.loc[hit, col].to_numpy(),
                                                 values.to_numpy(float) * share)
    out = gpd.GeoDataFrame(out.drop(columns=out.geometry.name), geometry=new, crs=EQUAL_AREA_CRS)
    gone = hit & shapely.is_empty(new)
    return out.loc[~gone].reset_index(drop=True), np.flatnonzero(~gone)


def inputs_after(inputs: LedgerInputs, impact: ImpactResult) -> LedgerInputs:
    """The ledger's inputs once the footprints are cleared: forest and wetland cut by the union, the field
    mapping and land-class scheme of the 'before' reading kept (so the same rules apply)."""
    from dataclasses import replace

    mapping = impact.prepared.forest_mapping
    scale = tuple(c for c in ((mapping.get("stock"), mapping.get("area")) if mapping else ()) if c)
    return replace(
        inputs,
        forest=remove_footprints(inputs.forest, impact.union, inputs.forest_name or "森林资源小班", scale),
        wetland=remove_footprints(inputs.wetland, impact.union, inputs.wetland_name or "湿地"),
        forest_mapping=mapping, forest_scheme=inputs.forest_scheme or impact.prepared.forest_scheme)


# --------------------------------------------------------------------------------------------------------------
# the ledgers before and after, on the layers prepared once


def ledger_before(zones: gpd.GeoDataFrame, impact: ImpactResult, options: LedgerOptions,
                  feedback: Feedback | None = None) -> LedgerResult:
    """``compute_ledger(zones, inputs, options)`` on the layers :func:`site_impacts` prepared (the same
    preparation, not repeated; the protected parts of the wetland features the sites measured are reused)."""
    return prepared_ledger(zones, impact.prepared, options, feedback)


def ledger_after(zones: gpd.GeoDataFrame, inputs: LedgerInputs, impact: ImpactResult, options: LedgerOptions,
                 feedback: Feedback | None = None) -> LedgerResult:
    """``compute_ledger(zones, inputs_after(inputs, impact), options)``, sharing the 'before' preparation:
    the protected areas (not cut by a site) are not prepared again, and the protected part of each wetland
    feature the footprints leave unchanged (bit for bit) is taken from the 'before' overlay."""
    from dataclasses import replace

    feedback = ensure(feedback)
    p = impact.prepared
    mapping = p.forest_mapping
    scale = tuple(c for c in ((mapping.get("stock"), mapping.get("area")) if mapping else ()) if c)
    wet, wet_src = (None, None) if inputs.wetland is None else _remove(inputs.wetland, impact.union,
                                                                       inputs.wetland_name or "湿地")
    after = replace(
        inputs,
        forest=remove_footprints(inputs.forest, impact.union, inputs.forest_name or "森林资源小班", scale),
        wetland=wet, forest_mapping=mapping, forest_scheme=inputs.forest_scheme or p.forest_scheme)
    q = prepare_layers(after, options, feedback, protected_from=p)
    wetland, protection = q.wetland, q.protection
    if protection is not None and p.protection is not None and p.wetland is not None and wetland.rows.size:
        pos = np.full(len(inputs.wetland), -1)
        pos[p.wetland.rows] = np.arange(p.wetland.rows.size)
        k = pos[wet_src[wetland.rows]]  # each 'after' feature's position in the 'before' layer (-1: none)
        ok = np.flatnonzero(k >= 0)
        ok = ok[~np.isnan(p.protection.area_m2[k[ok]])]
        ok = ok[shapely.equals_exact(wetland.geoms[ok], p.wetland.geoms[k[ok]], 0)]
        protection.parts[ok] = p.protection.parts[k[ok]]
        protection.area_m2[ok] = p.protection.area_m2[k[ok]]
    return prepared_ledger(zones, q, options, feedback)


# --------------------------------------------------------------------------------------------------------------
# status changes


_STATUS_ORDER = {Status.MET: 0, Status.WITHIN_BAND: 1, Status.SHORT: 2}


def _fmt(value: float | None, digits: int) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def status_changes(before: list[LedgerUnit], after: list[LedgerUnit], year: int) -> list[Notice]:
    """A notice for each (unit, indicator) whose assessment changed between the two ledgers, in words:
    "株洲市 2030 森林蓄积量 falls below 4018 万m³ (short by 12)", "… 森林覆盖率: met → within the band"."""
    out: list[Notice] = []
    after_by = {(u.name, u.level): u for u in after}
    for ub in before:
        ua = after_by.get((ub.name, ub.level))
        if ua is None:
            continue
        for ab in ub.targets:
            aa = ua.assessment(ab.indicator)
            if aa is None or aa.status == ab.status:
                continue
            ind = INDICATORS.get(ab.indicator)
            label = ind.name_zh if ind else ab.indicator
            digits = gap_digits(aa.gap_unit)
            target = "—" if aa.value is None else f"{aa.value:g}"
            common = dict(unit=ub.name, year=year, indicator=label, target=target, target_unit=aa.unit,
                          before=_fmt(ab.measured, 2), after=_fmt(aa.measured, 2),
                          status_before=Notice(f"analysis.siting.status.{ab.status.value}"),
                          status_after=Notice(f"analysis.siting.status.{aa.status.value}"))
            if aa.status == Status.SHORT and _STATUS_ORDER.get(ab.status, 9) < 2:
                out.append(Notice("analysis.siting.falls_short", gap=_fmt(aa.gap, digits), gap_unit=aa.gap_unit,
                                  **common))
            else:
                out.append(Notice("analysis.siting.status_change", **common))
    return out


__all__ = ["FOOTPRINTS", "Footprint", "ImpactResult", "SiteImpact", "footprints", "inputs_after",
           "ledger_after", "ledger_before", "remove_footprints", "site_impacts", "status_changes"]
