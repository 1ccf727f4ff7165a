"""The site-suitability job: how suitable each cell of a unit is for PV or wind, 0 where the rules exclude it.

The grid, the inclusion and the rule bitmask are site.exclusions' (same layers, same demo fallback, same
rules): the grid is the DEM's, clipped to the unit. Criteria are scored to 0–1 on that grid and combined by
a weighted sum (``--method sum``, the default: a good score in one criterion makes up for a poor one) or a
weighted product (``--method product``: ``Π sᵢ^wᵢ``, a zero in any weighted criterion gives zero)
(:func:`~sinkmap.analysis.siting.suitability.suitability`), times the inclusion.

Default criteria and weights are SETTINGS (typical planning values, each with its reasoning, in
:mod:`sinkmap.analysis.siting.settings`): PV — slope, aspect, distance to substations and roads, the land
cover (三调 classes scored for arrays, when a land-cover raster is given) and ``--resource`` (GHI or PVOUT);
wind — elevation, slope, distances and ``--resource`` (wind speed). A criterion whose layer is missing is
left out with a warning and the weights are renormalised over the others.

The resource raster's unit is not known (kWh/m², kWh/kWp, m/s), so by default it is scored *relative to the
unit*: 0 at its 5th percentile inside the unit, 1 at its 95th, linear between. It is resampled (bilinear)
onto the grid. The land cover is scored at its own resolution and averaged onto the grid.

Distances: the grid is lon/lat (CGCS2000) and degrees are not metres, so distances are computed on a local
metric grid — an azimuthal equidistant projection centred on the unit (scale error below 10⁻⁴ within
100 km of the centre), cells as small as the grid's smallest cell side, extended beyond the unit by the
largest distance any criterion still scores (so a substation outside the unit counts, and every feature
that can change a score is on the grid) — and sampled back at each cell centre (nearest metric cell: an
error of at most half a metric cell diagonal, below the grid's own cell size). With no feature within that
reach, every cell scores as far away.

``--weights FILE`` (YAML), any of: ``weights: {criterion: weight}`` summing to 1, or ``pairwise:`` with
``criteria: [names]`` and ``matrix: [[…]]`` (AHP; the consistency ratio is reported and warned about above
0.1) — names must be the criteria of the run (those whose inputs exist); and ``criteria:`` replacing a
default criterion's curve, e.g. ``slope: {falling: [5, 30]}``, ``substation: {piecewise: [[1000, 1],
[5000, 0.8], [20000, 0]]}``, ``road: {ranges: {breaks: [500, 2000], scores: [1, 0.6, 0.2]}}``,
``landcover: {categories: {"0404": 1, "1104": 0.5}, default: 0}`` (see the settings module).

Output GeoTIFF (float64, nodata −1 outside the unit and where a criterion has no data): band 1 the
suitability 0–1 (0 where the cell is excluded), band 2 the bitmask of the exclude/limit rules on the cells
the rules exclude (inclusion 0), 0 elsewhere — the full bitmask is site.exclusions'. A cell partly excluded
keeps ``score × inclusion``. Tags: the rule table (as site.exclusions), ``SITING_METHOD``, ``SITING_WEIGHTS``,
``SITING_CRITERIA`` and, for pairwise weights, ``SITING_AHP_CR``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import InputError
from ..core.feedback import Feedback
from ..core.messages import Notice
from .base import Exclusive, Job, LayerSource, Output, Param, Report, Text
from .registry import register
from .site_exclusions import (NODATA, ROLES, SITE_EXCLUSIONS, SiteExclusionsReport, SiteExclusionsRequest, _layer,
                              rule_table, run_site_exclusions, write_result, write_siting_tiff)

HIST_BINS = 10


@dataclass
class SiteSuitabilityRequest(SiteExclusionsRequest):
    roads: LayerSource | None = None
    substations: LayerSource | None = None
    resource: Path | None = None
    weights: Path | None = None
    method: str = "sum"


@dataclass
class SuitabilityResult:
    exclusions: Any  # ExclusionResult
    score: np.ndarray  # float32, suitability × inclusion, NaN = nodata
    band2: np.ndarray  # uint64 bits of the rules excluding the cell
    criteria: dict[str, np.ndarray]
    weights: dict[str, float]
    method: str
    ahp: dict[str, Any] | None
    described: list[dict[str, Any]]
    histogram: list[dict[str, Any]]
    report: Any  # the exclusions' report


@dataclass
class SiteSuitabilityReport(SiteExclusionsReport):
    """The exclusions' report (unit, grid, rules, counts, areas) plus the criteria, weights and histogram."""

    criteria: list[dict[str, Any]] = field(default_factory=list)
    method: str = "sum"
    weights: dict[str, float] = field(default_factory=dict)
    ahp: dict[str, Any] | None = None
    histogram: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out = super().to_json()
        out.update(criteria=self.criteria, method=self.method, weights=self.weights, ahp=self.ahp,
                   histogram=self.histogram)
        return out

    def summary(self, lang: str | None = None) -> list[str]:
        from ..core.messages import is_chinese

        zh = is_chinese(lang)
        lines = Report.summary(self, lang) + [self.unit_line(zh)]
        method = {"sum": ("加权求和", "weighted sum"), "product": ("加权乘积", "weighted product")}[self.method]
        lines.append(("合成：" if zh else "combined by ") + method[0 if zh else 1] + ("；权重：" if zh else "; weights: ")
                     + ", ".join(f"{k}={v:.3f}" for k, v in self.weights.items()))
        if self.ahp:
            lines.append(f"AHP CR = {self.ahp['cr']:.3f}")
        for b in self.histogram:
            lines.append(f"  {b['low']:.1f}–{b['high']:.1f} {b['cells']:>9,} " + ("像元 " if zh else "cells ")
                         + f"{b['hectares']:>12,.1f} " + ("公顷" if zh else "ha"))
        return lines


# -- inputs ---------------------------------------------------------------------------------------------

def _read_dem(path: Path, grid) -> tuple[np.ndarray, Any]:
    """The DEM on ``grid`` with a one-cell margin (so Horn's window reaches the grid's edge cells)."""
    import rasterio
    from affine import Affine
    from rasterio.windows import Window

    with rasterio.open(path) as ds:
        t = ds.transform
        col0 = int(round((grid.transform.c - t.c) / t.a))
        row0 = int(round((grid.transform.f - t.f) / t.e))
        win = Window(col0 - 1, row0 - 1, grid.width + 2, grid.height + 2)
        arr = ds.read(1, window=win, boundless=True, masked=True, fill_value=ds.nodata if ds.nodata is not None
                      else np.nan).astype(np.float64)
        padded = Affine(t.a, 0.0, t.c + t.a * (col0 - 1), 0.0, t.e, t.f + t.e * (row0 - 1))
    return np.ma.filled(arr, np.nan), padded


def _resource_on_grid(path: Path, grid) -> np.ndarray:
    import rasterio
    from rasterio.warp import Resampling, reproject

    out = np.full(grid.shape, np.nan, dtype=np.float64)
    with rasterio.open(path) as ds:
        reproject(rasterio.band(ds, 1), out, dst_transform=grid.transform, dst_crs=grid.crs,
                  dst_nodata=np.nan, resampling=Resampling.bilinear)
    return out


def _read_features(source: LayerSource, area_4490):
    import geopandas as gpd

    bbox = gpd.GeoSeries([area_4490], crs="EPSG:4490")
    gdf = gpd.read_file(source.path, layer=source.layer, bbox=bbox)
    if gdf.crs is None:
        gdf = gdf.set_crs("EPSG:4490")
    return gdf


def distance_on_grid(gdf, grid, reach_m: float) -> np.ndarray:
    """Metres from each cell centre of ``grid`` to the nearest feature of ``gdf`` (see the module docstring);
    ``inf`` when no feature lies within ``reach_m`` of the grid."""
    from affine import Affine
    from pyproj import CRS, Transformer
    from rasterio.warp import transform_bounds

    from ..analysis.siting.criteria import distance_to_features

    minx, miny, maxx, maxy = transform_bounds(grid.crs, "EPSG:4490", *grid.bounds, densify_pts=21)
    lon0, lat0 = (minx + maxx) / 2, (miny + maxy) / 2
    local = CRS.from_proj4(f"+proj=aeqd +lat_0={lat0:.8f} +lon_0={lon0:.8f} +ellps=GRS80 +units=m +no_defs")
    x0, y0, x1, y1 = transform_bounds(grid.crs, local, *grid.bounds, densify_pts=21)
    to_local = Transformer.from_crs(CRS.from_user_input(grid.crs), local, always_xy=True)
    # the grid's smallest cell side in metres, at the centre
    t = grid.transform
    cx, cy = t.c + t.a * grid.width / 2, t.f + t.e * grid.height / 2
    px, py = to_local.transform([cx, cx + t.a, cx], [cy, cy, cy + t.e])
    cell = max(1.0, min(math.hypot(px[1] - px[0], py[1] - py[0]), math.hypot(px[2] - px[0], py[2] - py[0])))
    x0, y0, x1, y1 = x0 - reach_m, y0 - reach_m, x1 + reach_m, y1 + reach_m
    width, height = math.ceil((x1 - x0) / cell), math.ceil((y1 - y0) / cell)
    from ..analysis.siting.grid import MAX_CELLS

    if width * height > MAX_CELLS:
        raise InputError(code="analysis.siting.grid.too_large", unit="distance grid", cells=f"{width * height:,}",
                         limit=f"{MAX_CELLS:,}")
    lt = Affine(cell, 0.0, x0, 0.0, -cell, y1)
    dist = distance_to_features(gdf, lt, (height, width), local)
    rows, cols = np.mgrid[0:grid.height, 0:grid.width]
    lon = t.c + t.a * (cols + 0.5)
    lat = t.f + t.e * (rows + 0.5)
    x, y = to_local.transform(lon.ravel(), lat.ravel())
    c = np.clip(np.floor((np.asarray(x) - x0) / cell).astype(np.int64), 0, width - 1)
    r = np.clip(np.floor((y1 - np.asarray(y)) / cell).astype(np.int64), 0, height - 1)
    return dist[r, c].reshape(grid.shape).astype(np.float64)


# -- the computation --------------------------------------------------------------------------------------

def compute_suitability(request: SiteSuitabilityRequest, feedback: Feedback) -> SuitabilityResult:
    from ..analysis.siting.grid import cell_areas_m2
    from ..analysis.siting.settings import apply_transform, criteria_for, describe, reach_m, read_weights_file
    from ..analysis.siting.suitability import suitability
    from ..analysis.siting.terrain import slope_aspect
    if request.dem is None:
        raise InputError(code="jobs.site.needs_dem")
    if request.method not in ("sum", "product"):
        raise InputError(code="analysis.siting.bad_method", method=request.method)
    wfile = read_weights_file(request.weights, request.tech) if request.weights is not None else None
    report = run_site_exclusions(request, feedback)
    result = report._result
    report._result = None
    grid = result.grid
    inside = result.inside
    feedback.progress(0.6, "评分 scoring criteria")
    specs = criteria_for(request.tech, wfile.criteria if wfile else None)
    dem, padded = _read_dem(request.dem, grid)
    slope_p, aspect_p = slope_aspect(dem, padded, grid.crs)
    slope_deg = slope_p[1:-1, 1:-1].astype(np.float64)
    aspect_deg = aspect_p[1:-1, 1:-1].astype(np.float64)
    elev = dem[1:-1, 1:-1]
    reach = max((reach_m(s["transform"]) for s in specs.values() if s["kind"] == "distance"), default=0.0)
    near = None
    criteria: dict[str, np.ndarray] = {}
    described: list[dict[str, Any]] = []
    for name, spec in specs.items():
        kind = spec["kind"]
        info: dict[str, Any] = {"name": name, **describe(spec)}
        if kind == "slope":
            arr = apply_transform(slope_deg, spec["transform"], name)
        elif kind == "elevation":
            arr = apply_transform(elev, spec["transform"], name)
        elif kind == "aspect":
            if spec.get("transform"):
                raw = apply_transform(aspect_deg, spec["transform"], name).astype(np.float64)
            else:
                raw = 0.5 * (1.0 - np.cos(np.radians(aspect_deg)))  # 1 facing south (180°), 0 north
            effect = np.clip(slope_deg / spec["full_effect_slope_deg"], 0.0, 1.0)
            arr = 1.0 - effect * (1.0 - np.nan_to_num(raw, nan=1.0))
            arr = arr.astype(np.float32)
            arr[np.isnan(slope_deg)] = np.nan
        elif kind == "distance":
            source = getattr(request, spec["role"])
            if source is None:
                feedback.warn(Notice("jobs.site.criterion_skipped", criterion=name, param=f"--{spec['role']}"))
                continue
            if near is None:  # the grid's box, widened by the reach (≥ reach in degrees of lat or lon in Hunan)
                from ..analysis.siting.grid import _to_crs

                near = _to_crs(_box(grid.bounds), grid.crs, "EPSG:4490").buffer(reach / 90000.0 + 0.01)
            feats = _read_features(source, near)
            info["layer"] = str(source.path) + (f" ({source.layer})" if source.layer else "")
            info["features"] = int(len(feats))
            d = distance_on_grid(feats, grid, reach)
            d[np.isposinf(d)] = 1e300  # no feature within the reach: as far as can be, not "no data"
            arr = apply_transform(d, spec["transform"], name)
        elif kind == "landcover":
            if request.landcover is None:
                feedback.warn(Notice("jobs.site.criterion_skipped", criterion=name, param="--landcover"))
                continue
            arr = _landcover_scores(request.landcover, grid, inside, spec, name, feedback)
            info["source"] = str(request.landcover)
        else:  # resource
            if request.resource is None:
                continue
            res = _resource_on_grid(request.resource, grid)
            ok = inside & np.isfinite(res)
            if not ok.any():
                raise InputError(code="jobs.site.resource_no_overlap", path=request.resource)
            info["source"] = str(request.resource)
            if spec.get("transform"):
                arr = apply_transform(res, spec["transform"], name)
            else:
                lo, hi = np.percentile(res[ok], spec["percentiles"])
                info.update(low=float(lo), high=float(hi))
                arr = (apply_transform(res, {"rising": [lo, hi]}, name) if hi > lo
                       else np.where(np.isfinite(res), 1.0, np.nan).astype(np.float32))
        criteria[name] = arr
        described.append(info)
        feedback.check()
    weights, ahp_info = _weights(request, wfile, list(criteria), feedback)
    feedback.progress(0.8, "加权 weighting")
    score = suitability(criteria, weights, method=request.method, inclusion=result.inclusion)
    score[~inside] = np.nan
    kinds = [row for row in result.table if row.get("effect") in ("exclude", "limit")]
    bits = np.uint64(0)
    for row in kinds:
        bits |= np.uint64(1) << np.uint64(row["bit"])
    band2 = np.where(inside & (result.inclusion <= 0), result.bitmask & bits, np.uint64(0)).astype(np.uint64)
    score[band2 != 0] = 0.0  # excluded cells score 0 even where a criterion has no data
    area = np.repeat(cell_areas_m2(grid)[:, None], grid.width, axis=1)
    ok = np.isfinite(score)
    counts, edges = np.histogram(score[ok], bins=HIST_BINS, range=(0.0, 1.0))
    ha, _ = np.histogram(score[ok], bins=HIST_BINS, range=(0.0, 1.0), weights=area[ok] / 1e4)
    hist = [{"low": float(edges[i]), "high": float(edges[i + 1]), "cells": int(counts[i]), "hectares": float(ha[i])}
            for i in range(HIST_BINS)]
    return SuitabilityResult(exclusions=result, score=score, band2=band2, criteria=criteria, weights=weights,
                             method=request.method, ahp=ahp_info, described=described, histogram=hist, report=report)


def _weights(request: SiteSuitabilityRequest, wfile, names: list[str], feedback: Feedback
             ) -> tuple[dict[str, float], dict[str, Any] | None]:
    """(weights by criterion, AHP summary or None): the weights file's, else the defaults renormalised."""
    from ..analysis.siting.ahp import ahp
    from ..analysis.siting.settings import weights_for
    from ..analysis.siting.suitability import normalised_weights

    if wfile is not None and wfile.weights is not None:
        return normalised_weights(wfile.weights, names), None
    if wfile is not None and wfile.pairwise is not None:
        res = ahp(wfile.pairwise["matrix"], wfile.pairwise["criteria"], feedback=feedback)
        return normalised_weights(res, names), {
            "criteria": list(res.names), "lambda_max": res.lambda_max, "ci": res.ci,
            "cr": None if math.isnan(res.cr) else res.cr, "ri": res.ri, "consistent": res.consistent}
    return weights_for(request.tech, names), None


def _landcover_scores(path: Path, grid, inside: np.ndarray, spec: dict[str, Any], name: str,
                      feedback: Feedback) -> np.ndarray:
    """The land-cover criterion on the grid (float32 0–1, NaN = no data); classes the table does not score
    are named in a warning (they are no data unless the table has a default)."""
    from ..analysis.siting.settings import landcover_on_grid

    t = spec["transform"]
    arr, unscored = landcover_on_grid(path, grid, t["categories"], t.get("default"), feedback)
    if not np.isfinite(arr[inside]).any():
        raise InputError(code="jobs.site.landcover_no_overlap", path=path)
    if unscored:
        shown = ", ".join(f"{v} ({n:,})" for v, n in sorted(unscored.items(), key=lambda kv: -kv[1])[:12])
        feedback.warn(Notice("jobs.site.landcover_unscored", path=str(path), criterion=name, values=shown))
    return arr.astype(np.float32)


def _box(bounds):
    from shapely.geometry import box

    return box(*bounds)


def _report_fields(res: SuitabilityResult, request: SiteSuitabilityRequest) -> dict[str, Any]:
    ex = res.report
    return dict(tech=request.tech, unit=ex.unit, grid=ex.grid, criteria=res.described, method=res.method,
                weights=res.weights,
                ahp=res.ahp, histogram=res.histogram, rules=ex.rules, counts=ex.counts,
                unit_hectares=ex.unit_hectares, included_hectares=ex.included_hectares,
                warnings=list(ex.warnings), inputs=dict(ex.inputs))


def run_site_suitability(request: SiteSuitabilityRequest, feedback: Feedback) -> SiteSuitabilityReport:
    res = compute_suitability(request, feedback)
    report = SiteSuitabilityReport(**_report_fields(res, request))
    report._result = res
    feedback.progress(1.0, "完成 done")
    return report


def write_outputs(report: SiteSuitabilityReport, request: SiteSuitabilityRequest) -> list[Output]:
    return write_result(report, request.out, write_geotiff, "siting_suitability")


def write_geotiff(path: Path, res: SuitabilityResult, report: SiteSuitabilityReport) -> None:
    """Band 1 suitability, band 2 the excluding rules' bitmask (float64, nodata −1); rules and weights in tags."""
    b1 = res.score.astype(np.float64)
    b1[~np.isfinite(b1)] = NODATA
    b2 = res.band2.astype(np.float64)
    b2[~res.exclusions.inside] = NODATA
    tags = {"SITING_WEIGHTS": json.dumps(res.weights),
            "SITING_CRITERIA": json.dumps(res.described, ensure_ascii=False),
            "SITING_BANDS": "1=suitability 0-1 (0 where excluded); 2=bitmask of the excluding rules (integer "
                            "stored as float64)"}
    if res.ahp is not None:
        tags["SITING_AHP_CR"] = "nan" if res.ahp["cr"] is None else f"{res.ahp['cr']:.6g}"
    tags["SITING_METHOD"] = res.method
    write_siting_tiff(path, res.exclusions.grid, [(b1, "suitability"), (b2, "excluding_rules")], report,
                      rule_table(res.exclusions.table), tags)


# -- the job ----------------------------------------------------------------------------------------------

_EXCLUSION_PARAMS = {p.name: p for p in SITE_EXCLUSIONS.params}


def input_params() -> tuple[Param, ...]:
    """The parameters site.suitability and site.regions share (site.exclusions' own, by reference)."""
    e = _EXCLUSION_PARAMS
    return (
        Param("tech", "enum", Text("技术", "Technology"), Text("pv 光伏、wind 风电", "pv or wind"),
              default="pv", choices=("pv", "wind")),
        e["city"], e["county"],
        *(e[r] for r in ROLES if r != "landcover"),
        _layer("substations", "变电站", "Substations"),
        _layer("roads", "道路", "Roads"),
        e["landcover"],
        Param("dem", "raster", Text("DEM", "DEM"),
              Text("坡度、坡向、高程；其栅格网即输出栅格网", "slope, aspect, elevation; its grid is the output's grid"),
              role="dem", metavar="FILE"),
        Param("resource", "raster", Text("资源栅格", "Resource raster"),
              Text("光伏：GHI 或 PVOUT；风电：风速（按单元内 5%–95% 分位数评分）",
                   "PV: GHI or PVOUT; wind: wind speed (scored between its 5th and 95th percentile in the unit)"),
              metavar="FILE"),  # no role: giving it alone keeps the demo world for the rest
        Param("weights", "file", Text("权重文件", "Weights file"),
              Text("YAML：weights: {准则: 权重}（和为 1）或 pairwise: {criteria: […], matrix: […]}（层次分析法）；"
                   "criteria: {准则: {falling|rising: [低, 高] | piecewise: [[x, 分值], …] | ranges: {breaks, scores} | "
                   "categories: {代码: 分值}}} 改写默认评分曲线",
                   "YAML: weights: {criterion: weight} summing to 1, or pairwise: {criteria: […], matrix: […]} (AHP); "
                   "criteria: {criterion: {falling|rising: [low, high] | piecewise: [[x, score], …] | ranges: "
                   "{breaks, scores} | categories: {code: score}}} replaces a default curve"),
              suffixes=(".yaml", ".yml"), metavar="FILE"),
        Param("method", "enum", Text("合成方法", "Combination"),
              Text("sum：加权求和（各准则可相互补偿）；product：加权乘积（任一准则为 0 则适宜性为 0）",
                   "sum: weighted sum (criteria make up for each other); product: weighted product (a zero in any "
                   "weighted criterion gives zero)"),
              default="sum", choices=("sum", "product")),
        e["rules"], e["min_area"], e["contiguity"],
    )


UNIT_GROUP = Exclusive("unit", ("city", "county"), required=True, title=Text("单元", "Unit"))
DEMO_ROLES = ("farmland", "redline", "protected", "forest", "wetland", "grassland", "landcover", "dem", "roads",
              "substations")

SITE_SUITABILITY = register(Job(
    id="site.suitability",
    title=Text("选址适宜性", "Siting suitability"),
    help=Text("在选址排除区（同 site.exclusions）之上，按坡度、坡向/高程、距变电站与道路的距离（及可选资源栅格）"
              "加权评分，写出 GeoTIFF（波段 1 适宜性 0–1，排除处为 0；波段 2 排除规则位掩码；规则表与权重在元数据中）。",
              "Score a city or county for PV or wind on top of the siting exclusions (as site.exclusions): slope, "
              "aspect or elevation, distance to substations and roads (and an optional resource raster), weighted "
              "(--weights: weights or an AHP matrix). Writes a GeoTIFF: band 1 suitability 0–1 (0 where excluded), "
              "band 2 the excluding rules' bitmask; the rule table and the weights in its tags."),
    params=(*input_params(),
            Param("out", "output", Text("输出", "Output"), Text("GeoTIFF 文件", "GeoTIFF file"), required=True,
                  suffixes=(".tif", ".tiff"), metavar="FILE")),
    exclusive=(UNIT_GROUP,),
    request=SiteSuitabilityRequest,
    run=run_site_suitability,
    write=write_outputs,
    menu=Text("选址", "Siting"),
    demo_roles=DEMO_ROLES,
))
