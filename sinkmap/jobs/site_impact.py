"""The ``site.impact`` job: what a site (or a scenario of sites) costs the sink targets.

Per site: forest area and stock cleared, CO₂ lost, wetland and protected wetland affected, protected areas
and red line touched (:mod:`sinkmap.analysis.siting.impact`). Then the ledger of the counties the sites fall
in and their cities (or the ``--city``/``--county`` asked for) before and after clearing the union of the
footprints — both as the ledger job's :class:`~sinkmap.jobs.ledger.LedgerReport` — and each target whose
status changes, in words.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..core.errors import InputError
from ..core.feedback import Feedback, SubFeedback
from ..core.messages import Notice
from .base import Exclusive, Job, LayerSource, Output, Param, Report, Text
from .ledger import (LedgerReport, LedgerRequest, ZONE_NAME_FIELDS, layer_label, layer_param, ledger_report,
                     read_polygons)
from .registry import register


@dataclass(kw_only=True)
class SiteLayersRequest:
    """The fields site.impact and site.compare share, keyword-only: the sites' technology and capacity, the
    unit, the ledger's layers, the siting rules, the targets, how to read the site files, the output."""

    tech: str | None = None
    capacity_mw: float | None = None
    city: str | None = None
    county: str | None = None
    forest: LayerSource | None = None
    wetland: LayerSource | None = None
    protected: LayerSource | None = None
    redline: LayerSource | None = None
    farmland: LayerSource | None = None
    grassland: LayerSource | None = None
    landcover: Path | None = None
    rules: list[Path] = field(default_factory=list)
    target_files: list[Path] = field(default_factory=list)
    encoding: str | None = None
    crs: str | None = None
    out: Path | None = None

    def shared(self) -> dict[str, Any]:
        """These fields by name (lists copied), to build another request of this family from this one."""
        from dataclasses import fields

        return {f.name: (list(v) if isinstance(v := getattr(self, f.name), list) else v)
                for f in fields(SiteLayersRequest)}


@dataclass
class SiteImpactRequest(SiteLayersRequest):
    site: LayerSource
    year: int


@dataclass
class SiteImpactReport(Report):
    year: int = 0
    sites: list[dict] = field(default_factory=list)
    total: dict = field(default_factory=dict)
    ledger_before: LedgerReport | None = None
    ledger_after: LedgerReport | None = None
    status_changes: list[Notice] = field(default_factory=list)
    footprint_note: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"year": self.year, "sites": self.sites, "total": self.total,
                               "footprint": self.footprint_note,
                               "ledger_before": self.ledger_before.to_json() if self.ledger_before else None,
                               "ledger_after": self.ledger_after.to_json() if self.ledger_after else None,
                               "status_changes": [n.to_json() for n in self.status_changes]}
        out.update(self.base_json())
        return out

    def summary(self, lang: str | None = None) -> list[str]:
        from ..core.messages import is_chinese

        zh = is_chinese(lang)
        lines = super().summary(lang)
        for s in [*self.sites, {**self.total, "name": "合计（重叠只计一次）" if zh else "total (overlaps once)"}]:
            def f(v, d=1):
                return "—" if v is None else f"{v:,.{d}f}"
            lines.append((f"{s['name']}：占地 {f(s['footprint_ha'])} 公顷，森林 {f(s['forest_area_ha'])} 公顷，"
                          f"蓄积 {f(s['forest_stock_10k_m3'], 2)} 万m³，CO₂ {f(s['co2_t'], 0)} t，"
                          f"湿地 {f(s['wetland_area_ha'])} 公顷") if zh else
                         (f"{s['name']}: footprint {f(s['footprint_ha'])} ha, forest {f(s['forest_area_ha'])} ha, "
                          f"stock {f(s['forest_stock_10k_m3'], 2)} 万m³, CO₂ {f(s['co2_t'], 0)} t, "
                          f"wetland {f(s['wetland_area_ha'])} ha"))
        lines += [n.render(lang) for n in self.status_changes]
        return lines


def _site_names(gdf) -> list[str]:
    col = next((f for f in ZONE_NAME_FIELDS if f in gdf.columns), None)
    if col is None:
        return [f"场址{i + 1}" for i in range(len(gdf))]
    return [str(v) if v is not None and str(v) != "nan" else f"场址{i + 1}" for i, v in enumerate(gdf[col])]


@lru_cache(maxsize=1)
def _county_index():
    """The province's units, its counties, their equal-area geometries and an STRtree of them (built once)."""
    import shapely

    from ..core.crs import EQUAL_AREA_CRS
    from ..io.boundaries import load_units

    province = load_units()
    counties = province[province["level"] == "county"].reset_index(drop=True)
    cgeoms = counties.geometry.to_crs(EQUAL_AREA_CRS).to_numpy()
    return province, counties, cgeoms, shapely.STRtree(cgeoms)


def _units_for(req: SiteImpactRequest, fps, names: list[str], feedback: Feedback):
    """The ledger units: those asked for, else the counties the sites fall in and their cities. Each site's
    counties are recorded; a site outside every county is named in a warning."""
    import numpy as np
    import shapely

    from ..io.boundaries import load_units

    province, counties, cgeoms, tree = _county_index()
    site_counties: list[list[str]] = []
    outside = []
    for g, n in zip(fps.to_numpy(), names):
        idx = tree.query(g, predicate="intersects")
        idx = idx[shapely.area(shapely.intersection(cgeoms[idx], g)) > 0] if idx.size else idx
        site_counties.append([str(counties.at[int(i), "name"]) for i in np.sort(idx)])
        if not idx.size:
            outside.append(n)
    if outside:
        feedback.warn(Notice("jobs.site.outside_counties", sites="、".join(outside)))
    if req.city or req.county:
        return load_units(city=req.city, county=req.county), site_counties
    touched = list(dict.fromkeys(c for cs in site_counties for c in cs))
    if not touched:
        raise InputError(code="jobs.site.no_county", sites="、".join(names[:5]))
    rows = counties[counties["name"].isin(touched)]
    cities = province[(province["level"] == "city") & province["name"].isin(rows["parent"])]
    import pandas as pd

    zones = pd.concat([cities, rows], ignore_index=True)
    return zones, site_counties


def _extent(zones, fps):
    """A lon/lat box holding the units and the footprints."""
    from shapely.geometry import box

    from ..core.crs import STORAGE_CRS

    x0, y0, x1, y1 = zones.to_crs(STORAGE_CRS).total_bounds
    a0, b0, a1, b1 = fps.to_crs(STORAGE_CRS).total_bounds
    return box(min(x0, a0), min(y0, b0), max(x1, a1), max(y1, b1))


def _near(gdf, extent):
    """The features of ``gdf`` (EPSG:4490) meeting ``extent``: every feature that can meet a unit or a site."""
    import numpy as np

    if gdf is None:
        return None
    return gdf.iloc[np.sort(gdf.sindex.query(extent, predicate="intersects"))]


@dataclass
class ImpactContext:
    """What a ``site.impact`` run prepares before it measures any site: the units' layers read (only the
    features meeting ``extent``, a lon/lat box of the units and the footprints), their field mapping and
    scheme detected, prepared as the ledger reads them, and the units' ledger before any site with their
    targets. It depends on the request's layers, targets and year, on the units and on ``extent`` — not on
    the sites — so :class:`~sinkmap.jobs.impact_cache.ImpactCache` keeps it for the next site drawn on the
    same units. ``warnings`` are those its preparation gave, in order: a run that reuses it says them again,
    so its report is the one a fresh run gives."""

    zones: Any
    extent: Any
    inputs: Any  # LedgerInputs
    options: Any  # LedgerOptions
    base: Any  # analysis.siting.impact.PreparedImpact
    before_result: Any  # LedgerResult of the units before any site
    before: LedgerReport
    targets: Any
    lreq: LedgerRequest
    rules: list = field(default_factory=list)  # every enabled siting rule (analysis.siting.rules.Rule)
    rule_layers: Any = None  # analysis.siting.rules_hit.RuleLayers
    warnings: list = field(default_factory=list)


class _Recording:
    """A feedback that passes everything on and keeps the warnings (those of a context's preparation)."""

    def __init__(self, feedback: Feedback) -> None:
        self.inner, self.recorded = feedback, []

    def progress(self, fraction: float, text: str = "") -> None:
        self.inner.progress(fraction, text)

    def warn(self, message) -> None:
        self.recorded.append(message)
        self.inner.warn(message)

    def is_cancelled(self) -> bool:
        return self.inner.is_cancelled()

    def check(self) -> None:
        self.inner.check()


def _read_inputs(req: SiteImpactRequest, extent, feedback: Feedback):
    """(LedgerInputs, red-line layer, the reading request) of ``req``'s layers: only the features meeting
    ``extent`` are read, the forest field mapping and land-class scheme detected."""
    from ..analysis.fieldmap import detect_mapping, detect_scheme
    from ..analysis.ledger import LedgerInputs

    lreq_read = LedgerRequest(year=req.year, encoding=req.encoding, crs=req.crs)
    # only the features near the units and the sites can count: the rest is neither read nor prepared
    forest, wetland, protected, redline = (read_polygons(getattr(req, role), lreq_read, feedback, role, extent.bounds)
                                           for role in ("forest", "wetland", "protected", "redline"))
    forest_mapping = (detect_mapping(forest, kind="forest", layer=layer_label(req.forest), feedback=feedback)
                      if forest is not None and len(forest) else None)
    forest_scheme = None
    if forest_mapping is not None and forest_mapping.get("land_class") in forest.columns:
        name, share = detect_scheme(forest[forest_mapping.get("land_class")])
        forest_scheme = name if share >= 0.5 else None  # else the ledger detects it and says it is unsure
    forest, wetland, protected, redline = (_near(g, extent) for g in (forest, wetland, protected, redline))
    inputs = LedgerInputs(
        forest=forest, wetland=wetland, protected=protected, forest_mapping=forest_mapping,
        forest_scheme=forest_scheme,
        forest_name=layer_label(req.forest), wetland_name=layer_label(req.wetland),
        protected_name=layer_label(req.protected))
    return inputs, redline, lreq_read


def read_impact_inputs(req: SiteImpactRequest, zones, fps, feedback: Feedback):
    """(LedgerInputs, red-line layer) for the units ``zones`` and footprints ``fps`` (site.phes reads the
    layers of its DEM's area this way)."""
    inputs, redline, _ = _read_inputs(req, _extent(zones, fps), feedback)
    return inputs, redline


def impact_report(req: SiteImpactRequest, fps, names: list[str], feedback: Feedback) -> SiteImpactReport:
    """The site-impact report of footprints ``fps`` (polygons, any CRS) named ``names``, as if they were a
    site layer of polygons (site.phes measures its reservoirs this way)."""
    import geopandas as gpd

    sites = gpd.GeoDataFrame({"name": list(names)}, geometry=fps.values, crs=fps.crs)
    return run_sites(req, sites, feedback)


def build_context(req: SiteImpactRequest, zones, extent, feedback: Feedback) -> ImpactContext:
    """Read and prepare the layers of ``req`` for ``zones`` within ``extent`` and compute their ledger before
    any site (progress 0.1–0.6 of the run)."""
    from ..analysis.ledger import LedgerOptions
    from ..analysis.siting.impact import ledger_before, prepare_impact
    from ..io.targets import load_targets

    rec = _Recording(feedback)
    lreq = LedgerRequest(year=req.year, target_files=list(req.target_files))
    targets = load_targets(req.target_files)
    rec.progress(0.1, "读取图层 reading layers")
    inputs, redline, lreq_read = _read_inputs(req, extent, rec)
    rules, rule_layers = _rule_inputs(req, lreq_read, rec, extent, forest=inputs.forest, wetland=inputs.wetland,
                                      protected=inputs.protected, redline=redline)
    options = LedgerOptions(year=req.year)
    rec.check()
    rec.progress(0.2, "准备图层 preparing layers")
    base = prepare_impact(inputs, options, redline, rec)
    rec.progress(0.3, "台账（现状） ledger before")
    res = ledger_before(zones, base, options, SubFeedback(rec, 0.3, 0.6))
    before = ledger_report(res, targets, lreq)
    return ImpactContext(zones=zones, extent=extent, inputs=inputs, options=options, base=base, before_result=res,
                         before=before, targets=targets, lreq=lreq, rules=rules, rule_layers=rule_layers,
                         warnings=rec.recorded)


#: a margin (degrees, ≈ 1 km) around the box read for the siting rules' layers: room for their buffers
RULE_MARGIN_DEG = 0.01


def _rule_inputs(req: SiteImpactRequest, lreq: LedgerRequest, feedback: Feedback, extent, **read):
    """The siting rules (bundled, the user's, ``req.rules``) and their layers: those the impact reads
    already (``read``: forest, wetland, protected, red line) and 永久基本农田, 基本草原 and the land cover."""
    from ..analysis.siting.rules import load_rules
    from ..analysis.siting.rules_hit import RuleLayers

    rules = load_rules(req.rules)
    wide = extent.buffer(RULE_MARGIN_DEG, join_style="mitre")
    layers = {k: v for k, v in read.items() if v is not None}
    for role in ("farmland", "grassland"):
        gdf = _near(read_polygons(getattr(req, role), lreq, feedback, role, wide.bounds), wide)
        if gdf is not None:
            layers[role] = gdf
    if req.landcover is not None:
        layers["landcover"] = req.landcover
    return rules, RuleLayers(layers)


def run_sites(req: SiteImpactRequest, sites, feedback: Feedback, cache=None) -> SiteImpactReport:
    """The impact of ``sites`` (a GeoDataFrame: polygons, or points given ``req.tech``'s footprint): the job's
    run once the sites are read. With ``cache`` (an :class:`~sinkmap.jobs.impact_cache.ImpactCache`) the
    preparation of the same units and layers is reused — the report is the same as without."""
    from ..analysis.siting.impact import FOOTPRINTS, footprints, ledger_after, measure_sites, status_changes

    if len(sites) == 0:
        raise InputError(code="jobs.site.no_sites", path=req.site.path if req.site else "",
                         layer=(req.site.layer or "") if req.site else "")
    names = _site_names(sites)
    fps = footprints(sites, req.tech, req.capacity_mw)
    zones, site_counties = _units_for(req, fps, names, feedback)
    extent = _extent(zones, fps)
    ctx = (build_context(req, zones, extent, feedback) if cache is None
           else cache.context(req, zones, extent, feedback))
    feedback.check()

    feedback.progress(0.6, "场址影响 site impact")
    impact = measure_sites(ctx.base, fps, names, feedback)
    inputs = {k: str(getattr(req, k).path) for k in ("site", "forest", "wetland", "protected", "redline", "farmland",
                                                     "grassland") if getattr(req, k)}
    if req.landcover is not None:
        inputs["landcover"] = str(req.landcover)
    before = replace(ctx.before, units=list(ctx.before.units), warnings=list(ctx.before.warnings),
                     basis=dict(ctx.before.basis), inputs=dict(inputs))
    feedback.progress(0.7, "台账（建设后） ledger after")
    after = ledger_report(ledger_after(zones, impact, ctx.before_result, SubFeedback(feedback, 0.7, 0.95)),
                          ctx.targets, ctx.lreq, inputs=inputs)
    changes = status_changes(before.units, after.units, req.year)

    from ..analysis.siting.impact import site_techs
    from ..analysis.siting.rules_hit import rules_hit

    feedback.progress(0.95, "选址规则 siting rules")
    hits, rule_warnings = rules_hit(fps, site_techs(sites, req.tech), ctx.rules, ctx.rule_layers, feedback)
    for w in rule_warnings:
        feedback.warn(w)
    site_rows = []
    for s, cs, hit in zip(impact.sites, site_counties, hits):
        s.counties = cs
        site_rows.append({**s.to_dict(), "rules_hit": hit})
    total = impact.total.to_dict()
    total["name"] = "total"
    total["counties"] = list(dict.fromkeys(c for cs in site_counties for c in cs))
    total["rules_hit"] = (None if all(h is None for h in hits) else
                          list({r["id"]: {k: v for k, v in r.items() if k != "hectares"}
                                for h in hits if h for r in h}.values()))
    fp = FOOTPRINTS.get(req.tech or "")
    note = ("polygons as drawn" + (f"; points: {fp.tech}, {fp.note}" if fp else ""))
    warnings = list(dict.fromkeys([*impact.warnings, *before.warnings, *getattr(feedback, "warnings", [])]))
    feedback.progress(1.0, "完成 done")
    report = SiteImpactReport(year=req.year, sites=site_rows, total=total, ledger_before=before, ledger_after=after,
                              status_changes=changes, footprint_note=note, warnings=warnings, inputs=inputs)
    report._footprints = fps  # for write_outputs (not part of the JSON)
    return report


def run_site_impact(req: SiteImpactRequest, feedback: Feedback) -> SiteImpactReport:
    from ..io.vectors import read_vector

    feedback.progress(0.0, "读取场址 reading sites")
    sites = read_vector(req.site.path, layer=req.site.layer, encoding=req.encoding, crs=req.crs, feedback=feedback)
    return run_sites(req, sites, feedback)


def write_outputs(report: SiteImpactReport, req: SiteImpactRequest) -> list[Output]:
    """``--out``: .json (the report) or .gpkg (the footprints with each site's impact as attributes)."""
    if req.out is None:
        return []
    from ..io.atomic import write_json

    for lr in (report.ledger_before, report.ledger_after):  # the ledgers share the run's data label
        if lr is not None:
            lr.data, lr.demo_layers = report.data, list(report.demo_layers)
    if req.out.suffix.lower() == ".json":
        write_json(req.out, report.to_json())
        return [Output(req.out, kind="table", name=req.out.name)]
    import geopandas as gpd

    from ..core.crs import STORAGE_CRS
    from ..io.vectors import write_vector

    rows = [{k: (", ".join(v) if isinstance(v, list) else v) for k, v in s.items()} for s in report.sites]
    gdf = gpd.GeoDataFrame(rows, geometry=report._footprints.to_numpy(), crs=report._footprints.crs)
    write_vector(gdf.to_crs(STORAGE_CRS), req.out, layer="site_impact")
    return [Output(req.out, kind="layer", name="site_impact")]


#: the siting rules and the layers only they read (the rules hit by each site)
RULE_PARAMS = (
    layer_param("farmland", "farmland", "永久基本农田", "Permanent basic farmland", "永久基本农田面图层（选址规则）",
           "永久基本农田 polygons (siting rules)"),
    layer_param("grassland", "grassland", "基本草原", "Basic grassland", "基本草原面图层（选址规则）",
           "基本草原 polygons (siting rules)"),
    Param("landcover", "raster", Text("三调地类栅格", "Land-cover raster"),
          Text("三调地类栅格（选址规则）", "raster of Sandiao land classes (siting rules)"), role="landcover",
          metavar="FILE", suffixes=(".tif", ".tiff", ".vrt", ".img")),
    Param("rules", "file", Text("选址规则文件", "Siting rules file"),
          Text("补充或覆盖内置选址规则的 YAML 文件；可重复", "YAML file adding to or overriding the bundled siting rules; "
               "repeatable"), repeatable=True, metavar="FILE", default=[], suffixes=(".yaml", ".yml")),
)


SITE_IMPACT = register(Job(
    id="site.impact",
    title=Text("场址碳汇影响", "Site impact on the sink"),
    help=Text("场址（面，或按技术类型确定占地的点）占用的森林面积与蓄积、损失的 CO₂、湿地与保护地，"
              "以及所在区县和城市台账在建设前后的变化与目标达标状态的变化。未给出图层时使用合成演示数据（报告中注明）。",
              "What sites (polygons, or points given a technology footprint) clear: forest area and stock, CO₂, "
              "wetland, protected areas; and the ledger of their counties and cities before and after, with the "
              "targets whose status changes. With no layer given it runs on the synthetic demo world."),
    params=(
        replace(layer_param("site", None, "场址", "Sites", "场址图层：面（按绘制）或点（按 --tech 的默认占地）",
                       "site layer: polygons (as drawn) or points (footprint of --tech)"), required=True),
        Param("tech", "enum", Text("技术类型", "Technology"),
              Text("点场址的技术：pv（光伏，容量 × 2.0 公顷/MW）、wind（风机，每台 1 公顷）、phes（抽水蓄能，容量 × 0.2 公顷/MW）；"
                   "均为可修改的假设。场址图层的 tech、capacity_mw 字段有值时优先",
                   "technology of point sites: pv (capacity × 2.0 ha/MW), wind (1 ha per turbine), phes "
                   "(pumped storage, capacity × 0.2 ha/MW); assumptions, not facts. A site layer's own tech and "
                   "capacity_mw fields win where set"),
              choices=("pv", "wind", "phes")),
        Param("capacity_mw", "number", Text("装机容量 (MW)", "Capacity (MW)"),
              Text("每个点场址的装机容量（MW），用于 pv/phes 占地", "capacity of each point site (MW), for pv/phes footprints"),
              minimum=0, maximum=100000, metavar="MW"),
        Param("year", "year", Text("目标年", "Target year"), Text("对照的目标年份，如 2030", "target year, e.g. 2030"),
              required=True, minimum=2000, maximum=2100),
        Param("city", "unit", Text("城市", "City"), Text("台账城市（默认：场址所在区县及其城市）",
                                                      "city of the ledger (default: the sites' counties and cities)")),
        Param("county", "unit", Text("区县", "County"), Text("台账区县（默认：场址所在区县及其城市）",
                                                          "county of the ledger (default: the sites' counties and cities)")),
        layer_param("forest", "forest", "森林小班", "Forest subcompartments", "森林小班面图层", "forest subcompartment (小班) polygons"),
        layer_param("wetland", "wetland", "湿地", "Wetlands", "湿地面图层", "wetland polygons"),
        layer_param("protected", "protected", "自然保护地", "Protected areas", "自然保护地面图层", "protected areas polygons"),
        layer_param("redline", "redline", "生态保护红线", "Ecological red line", "生态保护红线面图层",
               "ecological red line (生态保护红线) polygons"),
        *RULE_PARAMS,
        Param("target_files", "file", Text("目标文件", "Targets file"),
              Text("用户目标文件（YAML/CSV）；可重复", "user targets file (YAML/CSV); repeatable"),
              repeatable=True, flag="--targets", metavar="FILE", default=[], suffixes=(".yaml", ".yml", ".csv")),
        Param("encoding", "text", Text("属性编码", "Attribute encoding"),
              Text("无 .cpg 的 Shapefile 的属性编码（如 GBK）", "attribute encoding of Shapefiles without .cpg (e.g. GBK)"),
              advanced=True),
        Param("crs", "text", Text("假定坐标系", "Assumed CRS"),
              Text("无坐标系图层所用的坐标系", "CRS to assume for layers without one"), advanced=True),
        Param("out", "output", Text("输出文件", "Output file"),
              Text("写出：.json（报告）或 .gpkg（占地范围及影响）", "write .json (the report) or .gpkg (footprints with impact)"),
              suffixes=(".json", ".gpkg"), metavar="FILE"),
    ),
    exclusive=(Exclusive("units", ("city", "county"), title=Text("统计单元", "Units")),),
    request=SiteImpactRequest,
    run=run_site_impact,
    write=write_outputs,
    menu=Text("选址", "Siting"),
    demo_roles=("forest", "wetland", "protected", "redline", "farmland", "grassland", "landcover"),
))


__all__ = ["SITE_IMPACT", "ImpactContext", "SiteImpactReport", "SiteImpactRequest", "build_context", "run_site_impact",
           "run_sites"]
