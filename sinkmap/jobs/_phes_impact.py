"""site.phes: what the reservoirs flood and hit, through the siting impact engine (``site impact``'s own)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..core.errors import InputError
from ..core.feedback import Feedback, SubFeedback
from ..core.messages import Notice
from .base import LayerSource

IMPACT_KEYS = ("forest_area_ha", "forest_stock_10k_m3", "co2_t", "wetland_area_ha")


def _impact_request(req):
    from .site_impact import SiteImpactRequest

    return SiteImpactRequest(site=None, year=req.year, forest=req.forest, wetland=req.wetland,
                             protected=req.protected, redline=req.redline, target_files=list(req.target_files),
                             encoding=req.encoding, crs=req.crs)


@dataclass
class _Impact:
    inputs: Any = None
    redline: Any = None
    dens: Any = None
    rules: list = field(default_factory=list)
    exclude: Any = None  # cells no reservoir may flood (--apply-exclusions)
    exclude_geoms: Any = None  # the same as geometries in the DEM's CRS (searched by tiles)
    impact_spec: Any = None  # the 小班 and their values per m², drawn per tile (searched by tiles)
    landcover: Any = None  # the land-cover raster's path (raster siting rules)
    excluded_by: list = field(default_factory=list)
    notices: list = field(default_factory=list)


def impact_context(req, terrain, feedback: Feedback, tiled: bool = False) -> _Impact:
    """The layers near the DEM, read once: the ledger inputs, the red line, the per-cell impact rasters for
    ranking, and the pumped-storage siting rules. ``tiled``: the rasters and masks are left for each tile to
    draw (``impact_spec``, ``exclude_geoms``)."""
    from ..analysis.siting.rules import load_rules, rules_for

    ctx = _Impact(rules=rules_for(load_rules(req.rules or ()), "phes"))
    ctx.landcover = getattr(req, "landcover", None)
    if not any((req.forest, req.wetland, req.protected, req.redline)):
        return ctx
    import geopandas as gpd
    import shapely

    from ..analysis.ledger import LedgerOptions, prepare_layers
    from ..analysis.phes.impact import impact_rasters, impact_spec
    from ..core.crs import EQUAL_AREA_CRS, STORAGE_CRS
    from .site_impact import read_impact_inputs

    h, w = terrain.shape
    a, _, c, _, e, f = terrain.transform
    box = shapely.box(min(c, c + a * w), min(f, f + e * h), max(c, c + a * w), max(f, f + e * h))
    box_4490 = gpd.GeoSeries([box], crs=terrain.crs_wkt).to_crs(STORAGE_CRS)
    zones = gpd.GeoDataFrame({"name": ["DEM"]}, geometry=box_4490.values, crs=STORAGE_CRS)
    fps = box_4490.to_crs(EQUAL_AREA_CRS)
    ctx.inputs, ctx.redline = read_impact_inputs(_impact_request(req), zones, fps, feedback)
    if ctx.inputs.forest is not None and len(ctx.inputs.forest):
        prepared = prepare_layers(ctx.inputs, LedgerOptions(year=req.year), feedback)
        if tiled:
            ctx.impact_spec = impact_spec(prepared, terrain.crs_wkt, terrain.transform, terrain.shape)
        else:
            ctx.dens = impact_rasters(terrain, prepared, feedback)
    if req.apply_exclusions:
        from ..analysis.phes.impact import exclusion_geoms, exclusion_mask

        if tiled:
            ctx.exclude_geoms, ctx.excluded_by, ctx.notices = exclusion_geoms(ctx.rules, _rule_layers(ctx),
                                                                              terrain.crs_wkt)
        else:
            ctx.exclude, ctx.excluded_by, ctx.notices = exclusion_mask(terrain, ctx.rules, _rule_layers(ctx))
    return ctx


def _rule_layers(ctx: _Impact) -> dict:
    out = {} if ctx.inputs is None else {"forest": ctx.inputs.forest, "wetland": ctx.inputs.wetland,
                                         "protected": ctx.inputs.protected, "redline": ctx.redline}
    if ctx.landcover is not None:
        out["landcover"] = ctx.landcover
    return out


def measure(rows: list[dict], terrain, ctx: _Impact, req, feedback: Feedback) -> list:
    """Fill each row's impact (site impact engine on the reservoir polygons) and rules hit; returns notices."""
    import geopandas as gpd

    from ..analysis.phes.impact import rules_hit
    from ..core.crs import EQUAL_AREA_CRS

    notices: list = []
    polys = [g for r in rows for g in (r["upper_geom"], r["lower_geom"])]
    hits, hit_notes = rules_hit(polys, ctx.rules, _rule_layers(ctx), terrain.crs_wkt) if polys else ([], [])
    notices += hit_notes
    impacts: list = [None] * len(polys)
    if ctx.inputs is not None and polys:
        from ..analysis.ledger import LedgerOptions
        from ..analysis.siting.impact import site_impacts

        fps = gpd.GeoSeries(polys, crs=terrain.crs_wkt).to_crs(EQUAL_AREA_CRS)
        names = [f"{'upper' if i % 2 == 0 else 'lower'}_{rows[i // 2]['rank']}" for i in range(len(polys))]
        held = _Held(feedback)  # the engine's warnings are sorted out below before anyone sees them
        res = site_impacts(fps, names, ctx.inputs, LedgerOptions(year=req.year), ctx.redline, held)
        impacts = res.sites
        notices += _zero_where_layer_covers(res, fps, req)
    for i, r in enumerate(rows):
        sides = []
        for s, side in enumerate(("upper", "lower")):
            imp = impacts[2 * i + s]
            vals = {k: (getattr(imp, k) if imp is not None else None) for k in IMPACT_KEYS}
            vals["rules_hit"] = ", ".join(hits[2 * i + s]) if hits else ""
            vals["protected_areas"] = ", ".join(imp.protected_area_names) if imp is not None else ""
            vals["redline"] = None if imp is None else imp.redline_touched
            r[side] = vals
            sides.append(vals)
        for k in IMPACT_KEYS:
            a, b = sides[0][k], sides[1][k]
            r[k] = None if a is None or b is None else a + b
        r["rules_hit"] = ", ".join(dict.fromkeys(x for s in sides for x in s["rules_hit"].split(", ") if x))
        r["protected_areas"] = ", ".join(dict.fromkeys(x for s in sides for x in s["protected_areas"].split(", ")
                                                       if x))
        reds = [s["redline"] for s in sides]
        r["redline"] = None if None in reds else any(reds)
    return list(dict.fromkeys(notices))


class _Held(SubFeedback):
    """Progress and Cancel of the parent; warnings kept here (the caller decides which to pass on)."""

    def __init__(self, parent: Feedback) -> None:
        super().__init__(parent, 0.0, 1.0)

    def warn(self, message) -> None:
        self.warnings.append(message)


def _zero_where_layer_covers(res, fps, req) -> list:
    """The engine leaves a site's forest (wetland) figures empty when no feature read lies around it ("not
    reached"). Only the features near the DEM were read: a reservoir inside the layer file's own extent with
    no feature on it floods none — 0, not unknown. The engine's notices are kept for the others."""
    from ..core.crs import EQUAL_AREA_CRS

    p = res.prepared
    zero = {}
    if p.forest is not None:
        zero["forest"] = {"forest_area_ha": 0.0, "forest_stock_10k_m3": 0.0 if p.forest.stock is not None else None,
                          "co2_t": 0.0 if p.forest.living is not None else None}
    if p.wetland is not None:
        zero["wetland"] = {"wetland_area_ha": 0.0}
    keys = {"forest": "forest_area_ha", "wetland": "wetland_area_ha"}
    codes = {"analysis.ledger.forest_not_reached": "forest", "analysis.ledger.wetland_not_reached": "wetland"}
    extents = {role: _file_extent(getattr(req, role), EQUAL_AREA_CRS) for role in zero}
    keep = []
    for n in res.warnings:
        role = codes.get(getattr(n, "code", ""))
        if role is None:
            keep.append(n)
            continue
        if n.params.get("unit") == "∪":  # the union of all the reservoirs: not reported here
            continue
        i = next((k for k, s in enumerate(res.sites) if s.name == n.params.get("unit")), None)
        ext = extents.get(role)
        if i is None or ext is None or not ext.contains(fps.iloc[i]):
            keep.append(n)
            continue
        site = res.sites[i]
        if getattr(site, keys[role]) is None:
            for k, v in zero[role].items():
                setattr(site, k, v)
    return keep


def _file_extent(src: LayerSource | None, crs):
    """The box of a vector layer's features (from its metadata), as a polygon in ``crs``; None if unknown."""
    if src is None:
        return None
    try:
        import geopandas as gpd
        import pyogrio
        import shapely

        info = pyogrio.read_info(src.path, layer=src.layer, force_total_bounds=True)
        if info.get("crs") is None or info.get("total_bounds") is None:
            return None
        return gpd.GeoSeries([shapely.box(*info["total_bounds"])], crs=info["crs"]).to_crs(crs).iloc[0]
    except Exception:  # noqa: BLE001 - an unreadable extent only keeps the engine's "not reached"
        return None


def ledger_effect(row: dict, terrain, req, feedback: Feedback) -> tuple[dict | None, list]:
    """The ledger of the counties (and cities) the pair floods, before and after it, through ``site impact``."""
    if req.forest is None and req.wetland is None:
        return None, []
    import geopandas as gpd

    from ..core.crs import EQUAL_AREA_CRS
    from .site_impact import impact_report

    fps = gpd.GeoSeries([row["upper_geom"], row["lower_geom"]], crs=terrain.crs_wkt).to_crs(EQUAL_AREA_CRS)
    try:
        rep = impact_report(_impact_request(req), fps, [f"upper_{row['rank']}", f"lower_{row['rank']}"], feedback)
    except InputError as exc:
        if exc.code == "jobs.site.no_county":
            return None, [Notice("jobs.phes.no_ledger_unit", rank=row["rank"])]
        raise
    after = {(u.name, u.level): u for u in rep.ledger_after.units}
    units = []
    for ub in rep.ledger_before.units:
        ua = after.get((ub.name, ub.level))
        if ua is None:
            continue
        targets = []
        for ab in ub.targets:
            aa = ua.assessment(ab.indicator)
            if aa is None:
                continue
            targets.append({"indicator": ab.indicator, "target": ab.value, "unit": ab.unit,
                            "status_before": ab.status.value, "status_after": aa.status.value,
                            "measured_before": ab.measured, "measured_after": aa.measured,
                            "gap_after": aa.gap, "gap_unit": aa.gap_unit})
        units.append({"name": ub.name, "level": ub.level,
                      "forest_area_ha": [ub.forest_area_ha, ua.forest_area_ha],
                      "forest_stock_10k_m3": [ub.forest_stock_10k_m3, ua.forest_stock_10k_m3],
                      "forest_coverage_pct": [ub.forest_coverage_pct, ua.forest_coverage_pct],
                      "co2_t": [ub.co2_t, ua.co2_t], "wetland_area_ha": [ub.wetland_area_ha, ua.wetland_area_ha],
                      "targets": targets})
    effect = {"rank": row["rank"], "fom": row["fom"], "cost_class": row["cost_class"], "year": req.year,
              "units": units, "status_changes": [n.to_json() for n in rep.status_changes],
              "status_changes_text": {"zh": [n.render("zh_CN") for n in rep.status_changes],
                                      "en": [n.render("en") for n in rep.status_changes]}}
    return effect, list(rep.warnings)




__all__ = ["IMPACT_KEYS", "impact_context", "ledger_effect", "measure"]
