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
unit*: 0 at its 5th percentile inside the unit, 1 at its 95th, linear between (an absolute curve from the
weights file replaces the percentiles). It is sampled bilinearly at the cell centres (weights renormalised
over valid neighbours). The land cover is scored at its own resolution and averaged onto the grid; the classes
the technology's prefer rules name (the plans' 农光互补, 水光互补, 光伏+尾矿治理: ``pv_pref_*`` in the rules
file) take those rules' weights while the rules are on (the report's criterion lists them as
``prefer_rules``); a ``criteria: landcover`` table in ``--weights`` replaces both.

Distances (roads, substations) are exact Euclidean distance transforms on the grid itself, extended beyond
the unit's box by the largest distance the criterion still scores (so a substation outside the unit
counts): on the lon/lat (CGCS2000) grid the metric is local — north–south the meridian arc between the rows'
latitudes, east–west the parallel arc at the cell's row (relative error below 2·10⁻³ over 20 km) — from each
cell centre to the nearest feature cell (features rasterised with ``all_touched``). Beyond that reach the
score is constant, and a farther cell's distance is taken as the reach; with no feature within the reach at
all, every cell scores as far away (not no data).

The computation runs in row blocks (:mod:`sinkmap.analysis.siting.stream`) streamed into the GeoTIFF: memory
bounded by a block whatever the unit's size; ``--workers N`` / ``--scheduler ADDRESS`` compute the blocks on
Dask (the same file, bit for bit). :func:`compute_suitability` gives the whole arrays (site.regions,
site.run). The land-cover criterion is scored per block too, from the window the block's land-cover rules
read; a land cover with no score inside the unit is refused after the blocks (nothing is written).

``--weights FILE`` (YAML), any of: ``weights: {criterion: weight}`` summing to 1, or ``pairwise:`` with
``criteria: [names]`` and ``matrix: [[…]]`` (AHP; the consistency ratio is reported and warned about above
0.1) — names must be the criteria of the run (those whose inputs exist); and ``criteria:`` replacing a
default criterion's curve, e.g. ``slope: {falling: [5, 30]}``, ``substation: {piecewise: [[1000, 1],
[5000, 0.8], [20000, 0]]}``, ``road: {ranges: {breaks: [500, 2000], scores: [1, 0.6, 0.2]}}``,
``landcover: {categories: {"0404": 1, "1104": 0.5}, default: 0}`` (see the settings module).

Output GeoTIFF (float32 — float64 only when band 2 needs rule bits beyond 23 —, DEFLATE level 1, nodata −1
outside the unit and where a criterion has no data): band 1 the
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
from typing import TYPE_CHECKING, Any


from ..core.errors import InputError
from ..core.feedback import Feedback
from ..core.messages import Notice
from .base import Exclusive, Job, LayerSource, Output, Param, Report, Text
from .registry import register

if TYPE_CHECKING:  # numpy loads when a run needs it, not at CLI start
    import numpy as np
from .site_exclusions import (DASK_GROUP, DASK_PARAMS, NODATA, ROLES, SITE_EXCLUSIONS, SiteExclusionsReport,
                              SiteExclusionsRequest, _layer, band_dtype, data_label, exclusion_setup, rule_table,
                              stream_tiff, write_siting_tiff, written)

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

def _read_features(source: LayerSource, area_4490):
    import geopandas as gpd

    bbox = gpd.GeoSeries([area_4490], crs="EPSG:4490")
    gdf = gpd.read_file(source.path, layer=source.layer, bbox=bbox)
    if gdf.crs is None:
        gdf = gdf.set_crs("EPSG:4490")
    return gdf


def _reach(spec: dict[str, Any]) -> float:
    """The distance beyond which a distance criterion's score no longer changes (its transform's reach)."""
    from ..analysis.siting.settings import reach_m

    return reach_m(spec["transform"])


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


# -- the computation --------------------------------------------------------------------------------------

def score_block(specs: dict[str, dict[str, Any]], raw: dict[str, Any], weights: dict[str, float],
                inclusion: np.ndarray, *, method: str = "sum") -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The criteria scored (0–1, NaN = no data) and their weighted sum (or product) times the inclusion, for one
    block of cells (the whole grid in memory, a row block when streamed: cell by cell the same). ``raw``: the
    block's ``slope``, ``cos_aspect`` (or ``aspect`` in degrees, needed by an aspect transform), ``elevation`` (m), ``distance:<role>`` (m; +inf: no feature
    within the reach, scored as far away), ``resource`` and its ``resource_range`` (the unit's percentiles),
    and ``scores:<criterion>`` (the land cover's scores, made per block by the engine)."""
    import numpy as np
    from ..analysis.siting.settings import apply_transform
    from ..analysis.siting.suitability import suitability

    criteria: dict[str, np.ndarray] = {}
    for name, spec in specs.items():
        kind = spec["kind"]
        if kind in ("slope", "elevation"):
            arr = apply_transform(raw[kind], spec["transform"], name)
        elif kind == "aspect":
            slope_deg = raw["slope"]
            if spec.get("transform"):
                facing = apply_transform(raw["aspect"], spec["transform"], name).astype(np.float64)
            elif "cos_aspect" in raw:  # the block engine's cos(aspect) = −gy / |∇z| (NaN where flat)
                facing = 0.5 * (1.0 - raw["cos_aspect"])  # 1 facing south (180°), 0 north
            else:
                facing = 0.5 * (1.0 - np.cos(np.radians(raw["aspect"])))
            effect = np.clip(slope_deg / spec["full_effect_slope_deg"], 0.0, 1.0)
            arr = 1.0 - effect * (1.0 - np.nan_to_num(facing, nan=1.0))
            arr = arr.astype(np.float32)
            arr[np.isnan(slope_deg)] = np.nan
        elif kind == "distance":
            d = raw["distance:" + spec["role"]]
            far = np.isposinf(d)
            if far.any():  # no feature within the reach: as far as can be, not "no data"
                d = np.where(far, 1e300, d)
            arr = apply_transform(d, spec["transform"], name)
        elif kind == "resource":
            res = raw["resource"]
            if spec.get("transform"):
                arr = apply_transform(res, spec["transform"], name)
            else:
                lo, hi = raw["resource_range"]
                arr = (apply_transform(res, {"rising": [lo, hi]}, name) if hi > lo
                       else np.where(np.isfinite(res), 1.0, np.nan).astype(np.float32))
        else:  # scored by the block engine (landcover)
            arr = np.asarray(raw["scores:" + name], dtype=np.float32)
        criteria[name] = arr
    return suitability(criteria, weights, method=method, inclusion=inclusion), criteria


#: Score blocks with the block engine's fused kernel when every criterion is one it knows (a piecewise-linear
#: curve, the aspect formula, scores made while planning) and the method is the weighted sum — the same values
#: as :func:`score_block`, bit for bit, several times faster.
FUSED = True


def _points(transform) -> list | None:
    """A transform as the points of a piecewise-linear curve (falling, rising, piecewise), or None (ranges)."""
    if "falling" in transform:
        lo, hi = transform["falling"]
        return [(float(lo), 1.0), (float(hi), 0.0)]
    if "rising" in transform:
        lo, hi = transform["rising"]
        return [(float(lo), 0.0), (float(hi), 1.0)]
    if "piecewise" in transform:
        return [(float(x), float(y)) for x, y in transform["piecewise"]]
    return None


def fused_criteria(specs: dict[str, dict[str, Any]], method: str = "sum") -> list | None:
    """``specs`` as :func:`sinkmap.analysis.siting.stream.fused_block` takes them, or None when the method is the
    weighted product or a criterion is one the kernel does not know (a ``ranges`` transform, an aspect with a
    transform) — then :func:`score_block` scores every block. The curves are checked here as
    :func:`~sinkmap.analysis.siting.settings.apply_transform` would check them."""
    import numpy as np
    from ..analysis.siting.settings import apply_transform

    if method != "sum":
        return None
    out = []
    for name, spec in specs.items():
        kind = spec["kind"]
        if kind in ("slope", "elevation", "distance") or (kind == "resource" and spec.get("transform")):
            points = _points(spec["transform"])
            if points is None:
                return None
            apply_transform(np.zeros((1, 1)), spec["transform"], name)  # the curve's own checks
            key = "distance:" + spec["role"] if kind == "distance" else kind
            out.append(("curve", key, points))
        elif kind == "aspect":
            if spec.get("transform"):
                return None
            out.append(("aspect", "aspect", float(spec["full_effect_slope_deg"])))
        elif kind == "resource":
            out.append(("resource", "resource", None))
        elif kind == "landcover":
            out.append(("scores", "scores:" + name, None))
        else:
            return None
    return out


def plan_suitability(request: SiteSuitabilityRequest, feedback: Feedback, *, streamed: bool = True):
    """(the block engine's plan, the exclusions' report to fill, the criteria described, the AHP summary):
    the rules, the criteria whose inputs exist, their weights. See :mod:`sinkmap.analysis.siting.stream`."""
    import functools

    from ..analysis.siting.grid import _to_crs
    from ..analysis.siting.settings import criteria_for, describe, prefer_scores, read_weights_file
    from ..analysis.siting.stream import (SuitabilityPlan, dem_spec, distance_spec, landcover_scores,
                                          plan_exclusions, resource_spec)

    if request.dem is None:
        raise InputError(code="jobs.site.needs_dem")
    if request.method not in ("sum", "product"):
        raise InputError(code="analysis.siting.bad_method", method=request.method)
    wfile = read_weights_file(request.weights, request.tech) if request.weights is not None else None
    feedback.progress(0.0, "加载行政区划 boundaries")
    name, unit_geom, grid, rules, layers = exclusion_setup(request, streamed=streamed)
    ex = plan_exclusions(unit_geom, rules, layers, grid, unit_name=name, tech=request.tech,
                         min_area_ha=request.min_area, contiguity=request.contiguity, feedback=feedback)
    ex_report = SiteExclusionsReport(tech=request.tech, unit=name, grid=grid.to_json(), rules=ex.table,
                                     inputs={k: str(v.path if hasattr(v, "path") else v) for k, v in layers.items()})
    all_specs = criteria_for(request.tech, wfile.criteria if wfile else None)
    reach = max((_reach(s) for s in all_specs.values() if s["kind"] == "distance"), default=0.0)
    near = None
    specs: dict[str, dict[str, Any]] = {}
    described: list[dict[str, Any]] = []
    distances: dict[str, Any] = {}
    scores: dict[str, Any] = {}
    resource = None
    needs: set[str] = set()
    for cname, spec in all_specs.items():
        kind = spec["kind"]
        info: dict[str, Any] = {"name": cname, **describe(spec)}
        if kind in ("slope", "elevation"):
            needs.add(kind)
        elif kind == "aspect":
            needs |= {"slope", "aspect"}
        elif kind == "distance":
            role = spec["role"]
            source = getattr(request, role)
            if source is None:
                feedback.warn(Notice("jobs.site.criterion_skipped", criterion=cname, param=f"--{role}"))
                continue
            if near is None:  # the grid's box, widened by the reach (≥ reach in degrees of lat or lon in Hunan)
                near = _to_crs(_box(grid.bounds), grid.crs, "EPSG:4490").buffer(reach / 90000.0 + 0.01)
            feats = _read_features(source, near)
            info["layer"] = str(source.path) + (f" ({source.layer})" if source.layer else "")
            info["features"] = int(len(feats))
            if role not in distances:
                role_reach = max(_reach(s) for s in all_specs.values()
                                 if s["kind"] == "distance" and s["role"] == role)
                distances[role] = distance_spec(role, feats, grid, role_reach)
        elif kind == "landcover":
            if request.landcover is None:
                feedback.warn(Notice("jobs.site.criterion_skipped", criterion=cname, param="--landcover"))
                continue
            t = spec["transform"]
            table = t["categories"]
            if not (wfile and wfile.criteria and cname in wfile.criteria):  # the default table: rules prefer
                table, used = prefer_scores(table, rules)
                if used:
                    info["prefer_rules"] = used
            scores[cname] = landcover_scores(request.landcover, grid, table, t.get("default"))
            info["source"] = str(request.landcover)
        else:  # resource
            if request.resource is None:
                continue
            resource = resource_spec(request.resource, grid)
            info.update(source=str(request.resource))
        specs[cname] = spec
        described.append(info)
        feedback.check()
    weights, ahp_info = _weights(request, wfile, list(specs), feedback)
    bits = 0
    for row in ex.table:
        if row.get("effect") in ("exclude", "limit"):
            bits |= 1 << row["bit"]
    scorer = score_block if request.method == "sum" else functools.partial(score_block, method=request.method)
    plan = SuitabilityPlan(ex=ex, dem=dem_spec(request.dem, grid), distances=distances, resource=resource,
                           specs=specs, weights=weights, scorer=scorer, band2_bits=bits, needs=frozenset(needs),
                           fused=fused_criteria(specs, request.method) if FUSED else None, scores=scores)
    return plan, ex_report, described, ahp_info


def _prepare(plan, blocks, described, feedback: Feedback) -> None:
    from ..analysis.siting.stream import prepare_suitability

    spec = next((s for s in plan.specs.values() if s["kind"] == "resource"), None)
    pct = spec.get("percentiles") if spec is not None else None
    prepare_suitability(plan, blocks, feedback, resource_percentiles=pct or (5.0, 95.0))
    if plan.resource is not None and pct is not None:  # an absolute transform of the resource has no range
        for info in described:
            if info["kind"] == "resource":
                info.update(low=float(plan.resource.low), high=float(plan.resource.high))


def _fill(ex_report, out) -> None:
    ex_report.counts, ex_report.warnings = out.stats, list(out.warnings)
    ex_report.unit_hectares, ex_report.included_hectares = out.unit_hectares, out.included_hectares


def compute_suitability(request: SiteSuitabilityRequest, feedback: Feedback, *,
                        block_rows: int | None = None) -> SuitabilityResult:
    """The whole arrays in memory (site.regions, site.run; grids up to
    :data:`~sinkmap.analysis.siting.grid.MAX_CELLS`): the block engine run as one block (or in blocks of
    ``block_rows`` rows — the same arrays, bit for bit)."""
    from ..analysis.siting.exclusions import ExclusionResult
    from ..analysis.siting.stream import blocks_of, run_plan

    plan, ex_report, described, ahp_info = plan_suitability(request, feedback, streamed=False)
    grid = plan.ex.grid
    blocks = [(0, grid.height)] if block_rows is None else blocks_of(grid, block_rows)
    _prepare(plan, blocks, described, feedback)
    plan.keep_criteria = True
    feedback.progress(0.2, "评分 scoring criteria")
    out = run_plan(plan, blocks, memory=True, threads=1, feedback=feedback)
    _fill(ex_report, out)
    a = out.arrays
    exclusions = ExclusionResult(grid=grid, inclusion=a["inclusion"], bitmask=a["bitmask"], inside=a["inside"],
                                 table=out.table, stats=out.stats, warnings=out.warnings,
                                 unit_hectares=out.unit_hectares, included_hectares=out.included_hectares)
    return SuitabilityResult(exclusions=exclusions, score=a["score"], band2=a["band2"],
                             criteria={k: a["criteria"][k] for k in plan.specs}, weights=plan.weights,
                             method=request.method, ahp=ahp_info, described=described, histogram=out.histogram,
                             report=ex_report)


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


def _tags(weights, described, ahp_info, method: str, dtype: str = "float32") -> dict[str, str]:
    tags = {"SITING_WEIGHTS": json.dumps(weights),
            "SITING_CRITERIA": json.dumps(described, ensure_ascii=False),
            "SITING_BANDS": "1=suitability 0-1 (0 where excluded); 2=bitmask of the excluding rules (integer "
                            f"stored as {dtype})"}
    if ahp_info is not None:
        tags["SITING_AHP_CR"] = "nan" if ahp_info["cr"] is None else f"{ahp_info['cr']:.6g}"
    tags["SITING_METHOD"] = method
    return tags


def run_site_suitability(request: SiteSuitabilityRequest, feedback: Feedback) -> SiteSuitabilityReport:
    """Streams the suitability into ``request.out`` block by block (locally or on Dask)."""
    import functools

    from ..analysis.siting.stream import blocks_of

    plan, ex_report, described, ahp_info = plan_suitability(request, feedback)
    blocks = blocks_of(plan.ex.grid)
    _prepare(plan, blocks, described, feedback)
    report = SiteSuitabilityReport(tech=request.tech, unit=ex_report.unit, grid=ex_report.grid, criteria=described,
                                   method=request.method, weights=plan.weights, ahp=ahp_info, rules=ex_report.rules,
                                   inputs=dict(ex_report.inputs))
    report.data = data_label(SITE_SUITABILITY, request)
    dtype = band_dtype(plan.band2_bits.bit_length())
    tags = _tags(plan.weights, described, ahp_info, request.method, dtype)
    out = stream_tiff(plan, blocks, request, report, (("suitability", "excluding_rules"), tags),
                      functools.partial(suitability_bands, dtype=dtype), feedback,
                      temp_bytes_per_cell=9 + (len(plan.ex.table) + 7) // 8, dtype=dtype)
    _fill(ex_report, out)
    report.counts, report.warnings = ex_report.counts, list(ex_report.warnings)
    report.unit_hectares, report.included_hectares = ex_report.unit_hectares, ex_report.included_hectares
    report.histogram = out.histogram
    report._written = request.out
    feedback.progress(1.0, "完成 done")
    return report


def suitability_bands(block, dtype: str = "float32") -> np.ndarray:
    """Band 1 suitability, band 2 the excluding rules' bitmask (``dtype``, nodata −1) of one block."""
    from ..analysis.siting.stream import output_bands

    return output_bands(block.score, block.band2, block.flags, dtype, NODATA, True)


def write_outputs(report: SiteSuitabilityReport, request: SiteSuitabilityRequest) -> list[Output]:
    return written(report, "siting_suitability")


def write_geotiff(path: Path, res: SuitabilityResult, report) -> None:
    """The whole-array result (:func:`compute_suitability`) as site.suitability's GeoTIFF, in one block (site.run)."""
    import numpy as np

    bits = 0
    for row in res.exclusions.table:
        if row.get("effect") in ("exclude", "limit"):
            bits |= 1 << row["bit"]
    dtype = band_dtype(bits.bit_length())
    b1 = res.score.astype(dtype)
    b1[~np.isfinite(b1)] = NODATA
    b2 = res.band2.astype(dtype)
    b2[~res.exclusions.inside] = NODATA
    write_siting_tiff(path, res.exclusions.grid, [(b1, "suitability"), (b2, "excluding_rules")], report,
                      rule_table(res.exclusions.table), _tags(res.weights, res.described, res.ahp, res.method, dtype),
                      dtype)


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
                  suffixes=(".tif", ".tiff"), metavar="FILE"),
            *DASK_PARAMS),
    exclusive=(UNIT_GROUP, DASK_GROUP),
    request=SiteSuitabilityRequest,
    run=run_site_suitability,
    write=write_outputs,
    menu=Text("选址", "Siting"),
    demo_roles=DEMO_ROLES,
))
