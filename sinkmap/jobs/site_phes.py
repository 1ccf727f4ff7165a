"""The ``site.phes`` job: pumped-storage pairs from a DEM, ranked by cost and by the forest they flood.

The search is the reference method (ANU RE100 ``PHES_Searching``: screening, pairing, pretty set, constructor —
:mod:`sinkmap.analysis.phes`) on the DEM given (``--dem``) or the demo world's DEM of ``--county`` (its 1″
DEM where the demo has one). sinkmap's additions: per reservoir and pair the forest area, stock and CO₂ and the
wetland it floods (the siting impact engine, as ``site impact``), the siting rules of pumped storage it hits,
ranking by cost, by CO₂ or by a weighted mix, and the county/city ledger before and after the cheapest pair
against the plan targets. ``--near-projects``: the search around each pumped-storage station named in the
plans (the demo's project points, placed at county level), with the plan's capacity where it gives one.

Writes a GeoPackage: ``upper`` and ``lower`` (reservoir polygons at the final wall height), ``pairs`` (a line
between the nearest points of the two reservoirs) — and ``projects`` with ``--near-projects``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..core.errors import InputError
from ..core.feedback import Feedback, SubFeedback
from ..core.messages import Notice
from .base import Exclusive, Job, LayerSource, Param, Report, Text
from .ledger import layer_param as _layer
from ._phes_impact import impact_context, ledger_effect, measure
from ._phes_output import PAIR_FIELDS, json_row, write_outputs
from .registry import register

PHES_TYPE = "抽水蓄能"


@dataclass
class SitePhesRequest:
    out: Path
    energy_gwh: float
    hours: float
    county: str | None = None
    city: str | None = None
    province: str | None = None
    dem: Path | None = None
    zone: LayerSource | None = None
    top: int = 10
    rank: str = "cost"
    carbon_weight: float = 0.5
    year: int = 2025
    forest: LayerSource | None = None
    wetland: LayerSource | None = None
    protected: LayerSource | None = None
    redline: LayerSource | None = None
    projects: LayerSource | None = None
    landcover: Path | None = None
    near_projects: bool = False
    apply_exclusions: bool = False
    radius_km: float = 10.0
    margin_km: float = 10.0
    border_cells: int = 0
    rules: list[Path] = field(default_factory=list)
    target_files: list[Path] = field(default_factory=list)
    threads: int = 2
    workers: int | None = None
    scheduler: str | None = None
    tile_deg: float | None = None  # None: 1°, and tiles only for an area larger than one tile and its border
    tile_border: int | None = None
    encoding: str | None = None
    crs: str | None = None


@dataclass
class SitePhesReport(Report):
    unit: str = ""
    dem: str = ""
    energy_gwh: float = 0.0
    hours: float = 0.0
    rank: str = "cost"
    carbon_weight: float = 0.5
    year: int = 0
    grid: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)
    pairs: list[dict] = field(default_factory=list)
    cheapest: dict | None = None
    projects: list[dict] = field(default_factory=list)

    def __getstate__(self) -> dict[str, Any]:
        # sent back from a worker process after the files are written: the shapes and the DEM stay there
        return {k: v for k, v in self.__dict__.items() if k not in ("_rows", "_terrain", "_terrain_of", "_projects")}

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"unit": self.unit, "dem": self.dem, "energy_gwh": self.energy_gwh, "hours": self.hours,
                               "rank": self.rank, "carbon_weight": self.carbon_weight, "year": self.year,
                               "grid": self.grid, "timings_s": self.timings, "counts": self.counts,
                               "pairs": self.pairs, "cheapest_pair_ledger": self.cheapest}
        if self.projects:
            out["projects"] = self.projects
        out.update(self.base_json())
        return out

    def summary(self, lang: str | None = None) -> list[str]:
        from ..core.messages import is_chinese

        zh = is_chinese(lang)
        lines = super().summary(lang)
        if self.projects:
            for p in self.projects:
                lines.append(_project_line(p, zh))
                if p.get("cheapest_pair_ledger"):
                    lines += ["  " + x for x in _cheapest_lines(p["cheapest_pair_ledger"], zh)]
            return lines
        c = self.counts
        lines.append((f"{self.unit or self.dem}：{self.energy_gwh:g} GWh / {self.hours:g} 小时；坝址 {c.get('dam_sites', 0):,}，"
                      f"水库 {c.get('reservoirs', 0):,}，候选组合 {c.get('rough_pairs', 0):,}，不重叠组合 {c.get('selected', 0):,}"
                      f"（排序：{self.rank}）") if zh else
                     (f"{self.unit or self.dem}: {self.energy_gwh:g} GWh / {self.hours:g} h; dam sites "
                      f"{c.get('dam_sites', 0):,}, reservoirs {c.get('reservoirs', 0):,}, candidate pairs "
                      f"{c.get('rough_pairs', 0):,}, non-overlapping {c.get('selected', 0):,} (ranked by {self.rank})"))
        for p in self.pairs:
            lines.append(_pair_line(p, zh))
        if self.cheapest:
            lines += _cheapest_lines(self.cheapest, zh)
        return lines


def _f(v, d=1) -> str:
    return "—" if v is None or (isinstance(v, float) and not math.isfinite(v)) else f"{v:,.{d}f}"


def _pair_line(p: dict, zh: bool) -> str:
    if zh:
        return (f"  #{p['rank']} {p['cost_class']} 类 FOM {_f(p['fom'], 0)} 美元/kW：水头 {_f(p['head_m'], 0)} m，间距 "
                f"{_f(p['separation_km'], 2)} km，库容 {_f(p['volume_gl'], 2)} GL，坝高 {_f(p['upper_dam_height_m'])}/"
                f"{_f(p['lower_dam_height_m'])} m；淹没森林 {_f(p['forest_area_ha'])} 公顷、蓄积 "
                f"{_f(p['forest_stock_10k_m3'], 2)} 万m³、CO₂ {_f(p['co2_t'], 0)} t，湿地 {_f(p['wetland_area_ha'])} 公顷"
                + (f"；触及规则 {p['rules_hit']}" if p.get("rules_hit") else ""))
    return (f"  #{p['rank']} class {p['cost_class']} FOM {_f(p['fom'], 0)} US$/kW: head {_f(p['head_m'], 0)} m, "
            f"separation {_f(p['separation_km'], 2)} km, volume {_f(p['volume_gl'], 2)} GL, walls "
            f"{_f(p['upper_dam_height_m'])}/{_f(p['lower_dam_height_m'])} m; floods forest {_f(p['forest_area_ha'])} ha, "
            f"stock {_f(p['forest_stock_10k_m3'], 2)} 万m³, CO₂ {_f(p['co2_t'], 0)} t, wetland "
            f"{_f(p['wetland_area_ha'])} ha" + (f"; rules hit: {p['rules_hit']}" if p.get("rules_hit") else ""))


def _cheapest_lines(ch: dict, zh: bool) -> list[str]:
    lines = [(f"最便宜的组合（#{ch['rank']}，FOM {_f(ch['fom'], 0)} 美元/kW）对台账的影响：") if zh else
             (f"What the cheapest pair (#{ch['rank']}, FOM {_f(ch['fom'], 0)} US$/kW) costs the ledger:")]
    for u in ch.get("units", []):
        b, a = u["forest_stock_10k_m3"]
        cb, ca = u["forest_coverage_pct"]
        lines.append((f"  {u['name']}：森林蓄积 {_f(b, 2)} → {_f(a, 2)} 万m³，森林覆盖率 {_f(cb, 3)} → {_f(ca, 3)}%")
                     if zh else
                     (f"  {u['name']}: forest stock {_f(b, 2)} → {_f(a, 2)} 万m³, forest coverage {_f(cb, 3)} → "
                      f"{_f(ca, 3)} %"))
        for t in u.get("targets", []):
            lines.append(_target_line(t, zh))
    lines += list(ch.get("status_changes_text", {}).get("zh" if zh else "en", []))
    return lines


def _target_line(t: dict, zh: bool) -> str:
    """"森林蓄积量 (目标 7100 万m³): 达标 → 未达标，差 12 万m³" in the interface language."""
    from ..core.indicators import INDICATORS
    from ..core.messages import Notice

    lang = "zh_CN" if zh else "en"
    ind = INDICATORS.get(t["indicator"])
    name = (ind.name_zh if zh else ind.name_en) if ind else t["indicator"]
    target = "" if t.get("target") is None else (f"（目标 {t['target']:g} {t['unit']}）" if zh else
                                                 f" (target {t['target']:g} {t['unit']})")
    before = Notice(f"analysis.siting.status.{t['status_before']}").render(lang)
    after = Notice(f"analysis.siting.status.{t['status_after']}").render(lang)
    gap = ""
    if t.get("gap_after") and t["status_after"] == "short":
        gap = f"，差 {t['gap_after']:,.1f} {t['gap_unit']}" if zh else f", short by {t['gap_after']:,.1f} {t['gap_unit']}"
    return f"    {name}{target}：{before} → {after}{gap}" if zh else f"    {name}{target}: {before} → {after}{gap}"


def _project_line(p: dict, zh: bool) -> str:
    best = p.get("best")
    found = (f"{p['pairs']} 个组合，最佳 {best['cost_class']} 类 FOM {_f(best['fom'], 0)}，距站址 {_f(best['distance_km'], 1)} km"
             if zh else f"{p['pairs']} pairs, best class {best['cost_class']} FOM {_f(best['fom'], 0)}, "
                        f"{_f(best['distance_km'], 1)} km from the point") if best else ("未找到组合" if zh else "no pair")
    return (f"{p['name']}（{p['county']}，{p['energy_gwh']:g} GWh，位置精度：{p['location_precision']}）：{found}" if zh else
            f"{p['name']} ({p['county']}, {p['energy_gwh']:g} GWh, location {p['location_precision']}): {found}")


# -- the run ---------------------------------------------------------------------------------------------------

def _county_area(name: str):
    from ..io.boundaries import load_units

    units = load_units(county=name)
    return str(units["name"].iloc[0]), units.geometry.union_all()


def _unit_area(req: SitePhesRequest):
    """(name, lon/lat polygon) of --county, --city or --province; (None, None) without one."""
    from ..io.boundaries import load_units

    if req.county:
        return _county_area(req.county)
    for level, name in (("city", req.city), ("province", req.province)):
        if name:
            units = load_units(**{level: name})
            units = units[units["level"] == level]
            return str(units["name"].iloc[0]), units.geometry.union_all()
    return None, None


def _demo_dem(county: str | None, point=None) -> Path | None:
    """The demo world's DEM for ``county``: its 1″ DEM when the demo has one (covering ``point`` if given),
    else the 3″ DEM."""
    from ..demo.generate import demo_layers, ensure_demo

    layers = demo_layers(ensure_demo())
    fine = layers.get(f"dem_1s:{county}") if county else None
    if fine is not None:
        if point is None or _covers(fine[0], point):
            return Path(fine[0])
    return Path(layers["dem"][0])


def _zone_area(req: SitePhesRequest, feedback: Feedback):
    """(name, lon/lat polygon) of ``--zone``: the union of its polygons; named by its one feature's ``name``
    (or 名称) field, else by the file."""
    import shapely

    from ..io.vectors import read_vector

    src = req.zone
    zones = read_vector(src.path, layer=src.layer, encoding=req.encoding, crs=req.crs, feedback=feedback)
    polys = zones[zones.geometry.notna() & zones.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    geom = shapely.make_valid(shapely.union_all(polys.geometry.values)) if len(polys) else None
    if geom is not None:
        geom = shapely.union_all([g for g in shapely.get_parts(geom) if shapely.get_type_id(g) in (3, 6)] or
                                 [shapely.Polygon()])
    if geom is None or geom.is_empty or geom.area <= 0:
        raise InputError(code="jobs.phes.zone_no_polygon", path=src.path, layer=src.layer or "",
                         features=len(zones))
    name = next((str(polys[c].iloc[0]) for c in ("name", "名称") if c in polys.columns and len(polys) == 1
                 and polys[c].iloc[0] not in (None, "")), Path(src.path).stem)
    return name, geom


def _zone_demo_dem(area) -> Path:
    """The demo world's 1″ DEM whose extent holds the zone (with its margin read as far as it goes), else the
    3″ DEM."""
    import rasterio

    from ..demo.generate import demo_layers, ensure_demo

    layers = demo_layers(ensure_demo())
    x0, y0, x1, y1 = area.bounds
    for key, (path, _layer) in sorted(layers.items()):
        if key.startswith("dem_1s:"):
            with rasterio.open(path) as ds:
                b = ds.bounds
            if b.left <= x0 and x1 <= b.right and b.bottom <= y0 and y1 <= b.top:
                return Path(path)
    return Path(layers["dem"][0])


def _covers(path, point) -> bool:
    import rasterio

    with rasterio.open(path) as ds:
        b = ds.bounds
        return b.left <= point.x <= b.right and b.bottom <= point.y <= b.top


def _is_demo_dem(path: Path | None) -> bool:
    if path is None:
        return False
    from ..demo.generate import demo_dir

    try:
        return Path(path).resolve().is_relative_to(demo_dir().resolve())
    except OSError:
        return False


def _search_one(req: SitePhesRequest, terrain, energy: float, feedback: Feedback, limit: int | None = None,
                plan=None):
    """Search ``terrain`` (or the tiles of ``plan``, whose window ``terrain`` then only describes), measure the
    rows kept: (result, rows, ctx, notices)."""
    from ..analysis.phes.constants import PhesSettings
    from ..analysis.phes.output import pair_rows
    from ..analysis.phes.search import SearchOptions, search

    feedback.progress(0.0, "图层 reading the layers")
    ctx = impact_context(req, terrain, SubFeedback(feedback, 0.0, 0.05), tiled=plan is not None)
    feedback.check()
    opts = SearchOptions(energy_gwh=energy, hours=req.hours, rank=req.rank, carbon_weight=req.carbon_weight,
                         limit=limit, threads=req.threads, settings=PhesSettings())
    if plan is None:
        result = search(terrain, opts, dens=ctx.dens, exclude=ctx.exclude, feedback=SubFeedback(feedback, 0.05, 0.8))
    else:
        result = _search_tiles(req, plan, opts, ctx, SubFeedback(feedback, 0.05, 0.8))
    if ctx.exclude is not None or ctx.exclude_geoms is not None:
        result.counts["excluded_by"] = list(ctx.excluded_by)
        if ctx.exclude is not None:
            result.counts["excluded_cells"] = int(ctx.exclude.sum())
    feedback.progress(0.8, "水库轮廓 reservoir outlines")
    feedback.check()
    rows = pair_rows(result, req.top)
    feedback.check()
    # the cheapest pair kept, with the rows even when the ranking puts it lower
    sel = result.selected
    if len(sel):
        import numpy as np

        ci = int(np.argmin(sel.fom))
        if ci >= req.top:
            rows.append(pair_rows(result, ci + 1)[ci])
    feedback.progress(0.8, "淹没影响 what the reservoirs flood")
    notices = list(result.notices) + list(ctx.notices) + measure(rows, result.terrain, ctx, req,
                                                                  SubFeedback(feedback, 0.8, 0.9))
    feedback.check()
    return result, rows, ctx, notices


def _search_tiles(req: SitePhesRequest, plan, opts, ctx, feedback: Feedback):
    """The tiles of ``plan`` on Dask (--workers/--scheduler) or one after another here."""
    from ..analysis.phes.tiles import search_tiled

    plan.impact = ctx.impact_spec
    plan.exclude = list(ctx.exclude_geoms or [])
    client = cluster = None
    if req.workers or req.scheduler:
        from ..analysis.zonal.dask_backend import connect

        client, cluster = connect(workers=req.workers, scheduler=req.scheduler)
    else:
        plan.threads = max(1, int(req.threads))
    try:
        return search_tiled(plan, opts, client=client, feedback=feedback)
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


def _plan_if_tiled(req: SitePhesRequest, win, border: int, area):
    """A :class:`~sinkmap.analysis.phes.tiles.TilePlan` when the window is larger than one tile and its border
    (or Dask is asked for), else None (the window is searched at once)."""
    from ..analysis.phes.dem import MAX_CELLS
    from ..analysis.phes.tiles import M_PER_DEG, MAX_MOSAIC_CELLS, plan_tiles

    plan = plan_tiles(win, tile_deg=req.tile_deg or 1.0, tile_border=req.tile_border, border_cells=border,
                      area_4490=area)
    h, w = win.shape
    # one tile and its border on each side: searched at once (a county, the benchmark's bordered 1° tile)
    a = abs(win.transform[0])
    step = (req.tile_deg or 1.0) * (1.0 if plan.geographic else M_PER_DEG)
    one = round(step / a) + 2 * plan.tile_border
    larger = len(plan.tiles) > 1 and (req.tile_deg is not None or req.tile_border is not None or max(h, w) > one)
    if not (larger or req.workers or req.scheduler or h * w > MAX_CELLS):
        return None
    if h * w > MAX_MOSAIC_CELLS:
        raise InputError(code="analysis.phes.mosaic_too_large", path=win.path, rows=h, cols=w, cells=f"{h * w:,}",
                         limit=f"{MAX_MOSAIC_CELLS:,}")
    return plan


@dataclass
class _WindowInfo:
    """What the layers' reading needs of a DEM window searched by tiles (its terrain comes after)."""

    win: Any

    @property
    def shape(self):
        return self.win.shape

    @property
    def transform(self):
        return self.win.transform

    @property
    def crs_wkt(self):
        return self.win.crs_wkt


def run_site_phes(req: SitePhesRequest, feedback: Feedback) -> SitePhesReport:
    from ..analysis.phes.dem import dem_window, read_dem

    if req.scheduler:  # a wrong address is said at once
        from ..analysis.zonal.dask_backend import check_scheduler_address

        check_scheduler_address(req.scheduler)
    if req.near_projects:
        return _run_near_projects(req, feedback)
    if req.county is None and req.city is None and req.province is None and req.dem is None and req.zone is None:
        raise InputError(code="jobs.phes.needs_area")
    named = req.county or req.city or req.province
    if named and req.zone is not None:
        raise InputError(code="jobs.phes.zone_and_county", path=req.zone.path, county=named)
    unit, area = _zone_area(req, feedback) if req.zone is not None else _unit_area(req)
    dem = req.dem
    if req.zone is not None and (dem is None or _is_demo_dem(dem)):
        dem = _zone_demo_dem(area)  # the demo world's finest DEM covering the zone
    elif dem is None or (unit and _is_demo_dem(dem)):
        dem = _demo_dem(req.county and unit)  # the demo world's: its 1″ DEM of the county where it has one
    feedback.progress(0.0, "读取 DEM reading the DEM")
    win = dem_window(dem, area_4490=area, margin_m=req.margin_km * 1000.0 if area is not None else 0.0,
                     unit=unit or "")
    border = req.border_cells if area is None else 0
    plan = _plan_if_tiled(req, win, border, area)
    if plan is None:
        terrain = read_dem(dem, area_4490=area, margin_m=req.margin_km * 1000.0 if area is not None else 0.0,
                           border=border, unit=unit or "")
    else:
        terrain = _WindowInfo(win)
    result, rows, ctx, notices = _search_one(req, terrain, req.energy_gwh, feedback, plan=plan)
    terrain = result.terrain
    for i, r in enumerate(rows):
        r["pair_id"] = r["rank"]
    cheapest = None
    if rows:
        best = min(rows, key=lambda r: r["fom"])
        feedback.progress(0.9, "台账前后 the ledger before and after")
        cheapest, more = ledger_effect(best, terrain, req, SubFeedback(feedback, 0.9, 1.0))
        feedback.check()
        notices += more
    report = SitePhesReport(unit=unit or "", dem=str(dem), energy_gwh=req.energy_gwh, hours=req.hours,
                            rank=result.rank_used, carbon_weight=req.carbon_weight, year=req.year,
                            grid=_grid(terrain), timings=result.timings, counts=result.counts,
                            pairs=[json_row(r, terrain) for r in rows], cheapest=cheapest,
                            warnings=list(dict.fromkeys(notices)),
                            inputs={k: str(getattr(req, k).path if hasattr(getattr(req, k), "path") else getattr(req, k))
                                    for k in ("dem", "forest", "wetland", "protected", "redline", "landcover")
                                    if getattr(req, k)})
    report.inputs["dem"] = str(dem)
    report._rows = rows
    report._terrain = terrain
    feedback.progress(1.0, "完成 done")
    return report


def _grid(terrain) -> dict:
    h, w = terrain.shape
    mid = h // 2
    return {"rows": h, "cols": w, "geographic": terrain.geographic, "cell_m": [round(float(terrain.dx[mid]), 3),
                                                                               round(float(terrain.dy[mid]), 3)],
            "transform": list(terrain.transform), "valid_area_km2": round(terrain.valid_area_ha() / 100.0, 3)}


def _run_near_projects(req: SitePhesRequest, feedback: Feedback) -> SitePhesReport:
    """The search within ``radius_km`` of each pumped-storage station of the projects layer."""
    import shapely

    from ..analysis.phes.dem import read_dem
    from ..io.vectors import read_vector

    src = req.projects
    if src is None:
        from ..demo.generate import demo_layers, ensure_demo

        path, layer = demo_layers(ensure_demo(feedback=feedback))["projects"]
        src = LayerSource(Path(path), layer)
    pts = read_vector(src.path, layer=src.layer, encoding=req.encoding, crs=req.crs, feedback=feedback)
    if "type" in pts.columns:
        pts = pts[pts["type"].astype(str) == PHES_TYPE]
    if req.county and "XIAN" in pts.columns:
        unit, _ = _county_area(req.county)
        pts = pts[pts["XIAN"].astype(str) == unit]
    pts = pts[pts.geometry.notna() & (pts.geometry.geom_type == "Point")]
    if len(pts) == 0:
        raise InputError(code="jobs.phes.no_projects", path=src.path, layer=src.layer or "", kind=PHES_TYPE)
    pts = pts.to_crs("EPSG:4490")
    all_rows: list[dict] = []
    projects: list[dict] = []
    notices: list = []
    timings: dict = {}
    counts: dict = {}
    terrain_of: dict = {}
    n = len(pts)
    for i, (_, p) in enumerate(pts.iterrows()):
        sub = SubFeedback(feedback, i / n, (i + 1) / n)
        name = str(p.get("name", f"#{i + 1}"))
        county = str(p.get("XIAN", "") or "")
        pt = p.geometry
        cap = p.get("capacity_10k_kw")
        has_cap = cap is not None and not (isinstance(cap, float) and math.isnan(cap))
        energy = float(cap) * 10.0 * req.hours / 1000.0 if has_cap else float(req.energy_gwh)
        dlat = req.radius_km / 110.57
        dlon = req.radius_km / (111.32 * math.cos(math.radians(pt.y)))
        area = shapely.box(pt.x - dlon, pt.y - dlat, pt.x + dlon, pt.y + dlat)
        dem = req.dem if req.dem is not None and not _is_demo_dem(req.dem) else _demo_dem(county, pt)
        entry = {"name": name, "county": county, "location_precision": str(p.get("location_precision", "") or ""),
                 "capacity_10k_kw": float(cap) if has_cap else None, "energy_gwh": energy, "hours": req.hours,
                 "dem": str(dem), "lon": round(pt.x, 6), "lat": round(pt.y, 6), "radius_km": req.radius_km}
        try:
            terrain = read_dem(dem, area_4490=area, margin_m=0.0, unit=name)
        except InputError as exc:
            entry.update(pairs=0, best=None, error=Notice(exc.code, **exc.params).render("en"))
            notices.append(Notice("jobs.phes.project_skipped", name=name, reason=Notice(exc.code, **exc.params)))
            projects.append(entry)
            continue
        result, rows, _ctx, more = _search_one(req, terrain, energy, sub)
        notices += more
        for r in rows:
            r["project"] = name
            mid = r["line"].interpolate(0.5, normalized=True)
            r["distance_km"] = _distance_km(terrain, mid, pt)
        rows = rows[:req.top]
        best = min(rows, key=lambda r: r["fom"]) if rows else None
        if best is not None:  # the ledger before and after the station's cheapest pair, as for one area
            sub.progress(0.95, "台账前后 the ledger before and after")
            effect, more = ledger_effect(best, terrain, req, SubFeedback(sub, 0.95, 1.0))
            sub.check()
            notices += more
            if effect is not None:
                entry["cheapest_pair_ledger"] = effect
        entry.update(dam_sites=result.counts.get("dam_sites", 0), reservoirs=result.counts.get("reservoirs", 0),
                     pairs=result.counts.get("selected", 0), timings_s=result.timings,
                     notices=[nn.to_json() for nn in result.notices],
                     best=None if best is None else {"rank": best["rank"], "cost_class": best["cost_class"],
                                                     "fom": best["fom"], "head_m": best["head_m"],
                                                     "volume_gl": best["volume_gl"], "co2_t": best["co2_t"],
                                                     "forest_area_ha": best["forest_area_ha"],
                                                     "distance_km": best["distance_km"]})
        projects.append(entry)
        for r in rows:
            r["pair_id"] = len(all_rows) + 1
            all_rows.append(r)
            terrain_of[id(r)] = terrain
        timings[name] = result.timings.get("total")
        counts[name] = result.counts.get("selected", 0)
    report = SitePhesReport(unit=req.county or "", dem=str(req.dem or "demo"), energy_gwh=req.energy_gwh,
                            hours=req.hours, rank=req.rank, carbon_weight=req.carbon_weight, year=req.year,
                            timings=timings, counts=counts,
                            pairs=[json_row(r, terrain_of[id(r)]) for r in all_rows], projects=projects,
                            warnings=list(dict.fromkeys(notices)))
    report._rows = all_rows
    report._terrain_of = terrain_of
    report._projects = pts
    feedback.progress(1.0, "完成 done")
    return report


def _distance_km(terrain, geom_dem, point_4490) -> float:
    from pyproj import Geod

    from ..analysis.siting.grid import _to_crs
    from ..core.crs import STORAGE_CRS

    p = _to_crs(geom_dem, terrain.crs_wkt, STORAGE_CRS)
    return float(Geod(ellps="GRS80").inv(p.x, p.y, point_4490.x, point_4490.y)[2]) / 1000.0


SITE_PHES = register(Job(
    id="site.phes",
    title=Text("抽水蓄能选址", "Pumped-storage search"),
    help=Text("按参考方法（ANU RE100 全球抽水蓄能图集）在 DEM 上筛选坝址、上下水库与组合：水头 100–1600 m、"
              "所需库容、坝高、水岩比、坡度、成本（FOM）与 A–E 等级，并取不重叠的组合；另计每座水库淹没的森林面积、"
              "蓄积、CO₂、湿地与触及的选址规则，可按成本、碳或加权排序，并给出最便宜组合对区县/城市台账目标的影响。"
              "未给出任何图层时使用合成演示数据（报告中注明）。",
              "Pumped-storage pairs from a DEM by the reference method (ANU RE100 global atlas): dam sites, upper "
              "and lower reservoirs, head 100–1600 m, required volume, wall heights, water/rock, slope, cost (FOM) "
              "and class A–E, the non-overlapping set; plus the forest area, stock and CO₂, the wetland and the "
              "siting rules each reservoir floods or hits, ranking by cost, carbon or a weighted mix, and what the "
              "cheapest pair costs the county/city targets. With no layer given it runs on the synthetic demo "
              "world (the report says so)."),
    params=(
        Param("county", "unit", Text("区县", "County"),
              Text("在该区县内找上水库（DEM：--dem，或演示数据中该区县的 DEM）",
                   "find upper reservoirs in this county (DEM: --dem, or the demo world's DEM of the county)")),
        Param("city", "unit", Text("城市", "City"),
              Text("在该市内找上水库（按 1° 图幅分块搜索，可用 Dask）",
                   "find upper reservoirs in this city (searched by 1° tiles, on Dask if asked)")),
        Param("province", "unit", Text("省", "Province"),
              Text("在全省找上水库（湖南省；按 1° 图幅分块搜索，可用 Dask）",
                   "find upper reservoirs in the province (湖南省; searched by 1° tiles, on Dask if asked)")),
        Param("zone", "layer", Text("自定义范围", "Your area"),
              Text("面图层（如在地图上绘制的区域）：上水库在其并集内，DEM 按其范围（加 --margin-km）读取；不能与 --county/--city/--province 同用",
                   "polygon layer (e.g. an area drawn on the map): upper reservoirs inside their union, the DEM read "
                   "over it (plus --margin-km); not with --county/--city/--province"), metavar="FILE"),
        Param("dem", "raster", Text("DEM", "DEM"),
              Text("高程栅格（米）；经纬度栅格按椭球计算像元大小", "elevation raster (m); lon/lat grids get cell sizes on "
                   "the ellipsoid"), role="dem", metavar="FILE"),
        Param("energy_gwh", "number", Text("储能量 (GWh)", "Energy (GWh)"),
              Text("每个组合的储能量，GWh", "energy each pair stores, GWh"), required=True, minimum=0.01,
              maximum=100000, metavar="E"),
        Param("hours", "number", Text("储能时长（小时）", "Storage hours"),
              Text("满功率发电小时数", "hours of generation at full power"), required=True, minimum=0.1,
              maximum=10000, metavar="H"),
        Param("top", "integer", Text("输出组合数", "Pairs written"), Text("写出与报告的组合数", "pairs written and reported"),
              default=10, minimum=1, maximum=1_000_000, metavar="N"),
        Param("rank", "enum", Text("排序", "Ranking"),
              Text("cost：成本（FOM，同参考方法）；carbon：淹没森林的 CO₂；combined：二者按 --carbon-weight 加权",
                   "cost: figure of merit (as the reference); carbon: CO₂ of the forest flooded; combined: both, "
                   "weighted by --carbon-weight"), default="cost", choices=("cost", "carbon", "combined")),
        Param("carbon_weight", "number", Text("碳权重", "Carbon weight"),
              Text("combined 排序中碳的权重（0–1，两项各按候选组合的最小–最大值归一）",
                   "weight of carbon in the combined ranking (0–1; each term scaled min–max over the candidates)"),
              default=0.5, minimum=0.0, maximum=1.0),
        Param("year", "year", Text("目标年", "Target year"),
              Text("对照台账目标的年份（各市方案的森林、湿地目标多为 2025 年）",
                   "target year of the ledger (the plans' forest and wetland targets are mostly for 2025)"),
              default=2025, minimum=2000, maximum=2100),
        _layer("forest", "forest", "森林小班", "Forest subcompartments", "森林小班面图层", "forest subcompartment (小班) polygons"),
        _layer("wetland", "wetland", "湿地", "Wetlands", "湿地面图层", "wetland polygons"),
        _layer("protected", "protected", "自然保护地", "Protected areas", "自然保护地面图层", "protected areas polygons"),
        _layer("redline", "redline", "生态保护红线", "Ecological red line", "生态保护红线面图层",
               "ecological red line (生态保护红线) polygons"),
        Param("landcover", "raster", Text("三调地类栅格", "Land-cover raster"),
              Text("三调地类栅格：按其中的选址规则（如 --rules 中 layer: landcover 的规则）逐水库列出触及的规则",
                   "raster of Sandiao land classes: the siting rules on it (e.g. a --rules file's rules with "
                   "layer: landcover) are listed per reservoir in rules_hit"), role="landcover", metavar="FILE",
              suffixes=(".tif", ".tiff", ".vrt", ".img")),
        replace(_layer("projects", "projects", "规划项目", "Plan projects", "规划项目点图层（--near-projects）",
                       "points of the plans' projects (--near-projects)"), advanced=True),
        Param("near_projects", "bool", Text("规划站址周边", "Around the plans' stations"),
              Text("在规划项目中每座抽水蓄能电站周边（--radius-km）搜索；有装机容量时储能量 = 容量 × 时长",
                   "search around each pumped-storage station of the plans (--radius-km); energy = capacity × hours "
                   "where the plan gives a capacity"), default=False),
        Param("apply_exclusions", "bool", Text("执行排除规则", "Apply the exclusions"),
              Text("把抽水蓄能的排除规则（如生态保护红线）当作禁止淹没的区域，如参考方法的排除掩膜；默认只报告触及的规则",
                   "treat the exclude rules of pumped storage (e.g. the ecological red line) as areas no reservoir may "
                   "flood, as the reference's masks; by default the rules hit are only reported"), default=False),
        Param("radius_km", "number", Text("站址半径 (km)", "Radius (km)"),
              Text("--near-projects 的搜索半径", "search radius of --near-projects"), default=10.0, minimum=1.0,
              maximum=100.0, advanced=True),
        Param("margin_km", "number", Text("区县外延 (km)", "Margin (km)"),
              Text("区县外读入的 DEM 宽度（汇水与下水库可在区县外）",
                   "DEM read beyond the county (catchments and lower reservoirs may lie outside)"),
              default=10.0, minimum=0.0, maximum=100.0, advanced=True),
        Param("border_cells", "integer", Text("边框像元", "Border cells"),
              Text("--dem 边缘不找坝址的像元数（参考方法：1° 图幅外 600）",
                   "cells along the DEM's edge with no dam sites (the reference: 600 around its 1° tile)"),
              default=0, minimum=0, maximum=100000, advanced=True),
        Param("rules", "file", Text("规则文件", "Rules file"),
              Text("用户选址规则文件（YAML）；可重复", "user siting rules file (YAML); repeatable"), repeatable=True,
              default=[], suffixes=(".yaml", ".yml"), metavar="FILE", advanced=True),
        Param("target_files", "file", Text("目标文件", "Targets file"),
              Text("用户目标文件（YAML/CSV）；可重复", "user targets file (YAML/CSV); repeatable"),
              repeatable=True, flag="--targets", metavar="FILE", default=[], suffixes=(".yaml", ".yml", ".csv"),
              advanced=True),
        Param("threads", "integer", Text("线程数", "Threads"), Text("计算线程数", "compute threads"), default=2,
              minimum=1, maximum=64, advanced=True),
        Param("workers", "integer", Text("Dask 进程数", "Dask workers"),
              Text("在本机 N 个进程的 Dask 集群上逐图幅筛选（每个图幅一个任务）",
                   "screen the tiles on a local Dask cluster of N workers (one task per tile)"),
              minimum=1, maximum=256, metavar="N", advanced=True),
        Param("scheduler", "text", Text("Dask 调度器", "Dask scheduler"),
              Text("在 Dask 调度器上逐图幅筛选（如 tcp://host:8786；各工作进程须能以相同路径读取 DEM）",
                   "screen the tiles on a Dask scheduler (e.g. tcp://host:8786; every worker must read the DEM at "
                   "the same path)"), metavar="ADDRESS", advanced=True),
        Param("tile_deg", "number", Text("图幅大小（度）", "Tile size (degrees)"),
              Text("大于一个图幅（含边框）的范围按此大小分块（缺省 1°，同参考方法；投影 DEM 按 111.32 km/度）；"
                   "指定时凡跨两个及以上图幅即分块",
                   "areas larger than one tile are split into tiles this size (the reference: 1°; projected DEMs "
                   "at 111.32 km a degree); given, any area spanning two tiles or more is split"), minimum=0.001,
              maximum=10.0, advanced=True),
        Param("tile_border", "integer", Text("图幅边框（像元）", "Tile border (cells)"),
              Text("每个图幅四周多读的像元数（缺省：图幅边长的 1/6，1″ 时为参考方法的 600）",
                   "cells read around each tile (default: a sixth of the tile, the reference's 600 at 1″)"),
              minimum=1, maximum=100000, metavar="CELLS", advanced=True),
        Param("encoding", "text", Text("属性编码", "Attribute encoding"),
              Text("无 .cpg 的 Shapefile 的属性编码（如 GBK）", "attribute encoding of Shapefiles without .cpg (e.g. GBK)"),
              advanced=True),
        Param("crs", "text", Text("假定坐标系", "Assumed CRS"),
              Text("无坐标系图层所用的坐标系", "CRS to assume for layers without one"), advanced=True),
        Param("out", "output", Text("输出文件", "Output file"),
              Text("GeoPackage：upper、lower、pairs 图层", "GeoPackage: layers upper, lower, pairs"), required=True,
              suffixes=(".gpkg",), metavar="FILE"),
    ),
    exclusive=(Exclusive("unit", ("county", "city", "province"), title=Text("范围", "Area")),
               Exclusive("dask", ("workers", "scheduler"), title=Text("Dask 集群", "Dask cluster"))),
    request=SitePhesRequest,
    run=run_site_phes,
    write=write_outputs,
    menu=Text("选址", "Siting"),
    panel="phes",  # the app's 抽水蓄能选址 dock (sinkmap.gui.phes_panel)
    demo_roles=("dem", "forest", "wetland", "protected", "redline", "projects", "landcover"),
))


__all__ = ["PAIR_FIELDS", "SITE_PHES", "SitePhesReport", "SitePhesRequest", "run_site_phes"]
