"""The site-regions job: the best candidate regions of a unit's suitability (site.suitability), with a goal.

Runs :func:`~sinkmap.jobs.site_suitability.compute_suitability` (same inputs, same defaults), then
:func:`~sinkmap.analysis.siting.regions.find_regions`: cells scoring at least ``--threshold`` form regions,
split above ``--max-area-ha``, dropped below ``--min-area-ha``, ranked by mean score, taken until
``--capacity-mw`` (or ``--area-ha``) is reached — a ``goal_not_met`` warning when all of them fall short.
Capacity = area × the technology's power density (a setting: PV 40 MW/km², wind 4 MW/km²).

A cell that an exclude rule touches (its bit is set) is left out of the regions, unless an include rule
forces it in, even when its score, ``score × inclusion``, reaches the threshold: a region is drawn with
whole cells, and such a cell would carry part of a nature reserve or red line into a candidate region. Cells at the unit's border are whole cells too (a region may reach a little beyond the border).

Writes a GeoPackage layer ``regions`` in CGCS2000 (EPSG:4490): region_id (1 = best), mean_score, area_ha,
capacity_mw, cells and ``mean_<criterion>`` for each criterion's 0–1 score.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

from ..core.feedback import Feedback
from .base import Exclusive, Job, Output, Param, Text
from .registry import register
from .site_suitability import (DEMO_ROLES, UNIT_GROUP, SiteSuitabilityReport, SiteSuitabilityRequest,
                               _report_fields, compute_suitability, input_params)

LAYER = "regions"


@dataclass
class SiteRegionsRequest(SiteSuitabilityRequest):
    capacity_mw: float | None = None
    area_ha: float | None = None
    threshold: float = 0.6
    min_area_ha: float = 0.0
    max_area_ha: float | None = None


@dataclass
class SiteRegionsReport(SiteSuitabilityReport):
    threshold: float = 0.0
    goal: dict[str, Any] | None = None
    regions: list[dict[str, Any]] = field(default_factory=list)
    total_capacity_mw: float = 0.0
    total_area_ha: float = 0.0

    def to_json(self) -> dict[str, Any]:
        out = super().to_json()
        out.update(threshold=self.threshold, goal=self.goal, regions=self.regions,
                   total_capacity_mw=self.total_capacity_mw, total_area_ha=self.total_area_ha)
        return out

    def summary(self, lang: str | None = None) -> list[str]:
        from ..core.messages import is_chinese

        zh = is_chinese(lang)
        lines = super().summary(lang)
        lines.append((f"候选区 {len(self.regions)} 个，共 {self.total_area_ha:,.1f} 公顷，{self.total_capacity_mw:,.1f} MW"
                      if zh else f"{len(self.regions)} region(s), {self.total_area_ha:,.1f} ha, "
                      f"{self.total_capacity_mw:,.1f} MW"))
        for r in self.regions:
            lines.append(f"  #{r['region_id']:<3} {r['mean_score']:.3f} {r['area_ha']:>10,.1f} "
                         + ("公顷 " if zh else "ha ") + f"{r['capacity_mw']:>9,.1f} MW")
        return lines


def run_site_regions(request: SiteRegionsRequest, feedback: Feedback) -> SiteRegionsReport:
    return regions_report(compute_suitability(request, feedback), request, feedback)


def regions_report(res, request: SiteRegionsRequest, feedback: Feedback) -> SiteRegionsReport:
    """The regions of a computed suitability (``res``) as the report (the polygons on ``report._regions``)."""
    from ..analysis.siting.regions import find_regions

    feedback.progress(0.9, "候选区 regions")
    grid = res.exclusions.grid
    gdf = find_regions(regions_score(res), grid.transform, grid.crs, threshold=request.threshold,
                       min_area_ha=request.min_area_ha or 0.0, max_area_ha=request.max_area_ha,
                       goal_mw=request.capacity_mw, goal_area_ha=request.area_ha, technology=request.tech,
                       criteria=res.criteria, feedback=feedback)
    gdf = gdf.to_crs("EPSG:4490")
    rows = [{k: (int(v) if k in ("region_id", "cells") else float(v)) for k, v in rec.items()}
            for rec in gdf.drop(columns="geometry").to_dict("records")]
    goal = ({"capacity_mw": request.capacity_mw} if request.capacity_mw is not None
            else {"area_ha": request.area_ha} if request.area_ha is not None else None)
    report = SiteRegionsReport(**_report_fields(res, request), threshold=request.threshold, goal=goal, regions=rows,
                               total_capacity_mw=float(gdf["capacity_mw"].sum()),
                               total_area_ha=float(gdf["area_ha"].sum()))
    report._regions = gdf
    feedback.progress(1.0, "完成 done")
    return report


def regions_score(res) -> np.ndarray:
    """The suitability the regions are drawn from: NaN on cells an exclude rule (or a limit of weight 0)
    touches, unless an include rule (forced inclusion) touches them too; the score elsewhere."""
    import numpy as np

    ex = res.exclusions
    excl, incl = np.uint64(0), np.uint64(0)
    for row in ex.table:
        bit = np.uint64(1) << np.uint64(row["bit"])
        if row.get("effect") == "exclude" or (row.get("effect") == "limit" and row.get("weight") == 0):
            excl |= bit
        elif row.get("effect") == "include":
            incl |= bit
    touched = ((ex.bitmask & excl) != 0) & ((ex.bitmask & incl) == 0)
    return np.where(touched, np.nan, res.score).astype(np.float32)


def provenance_metadata(report) -> dict[str, str]:
    """The regions layer's GDAL metadata: where its data come from (``SINKMAP_DATA``: ``synthetic_demo`` when the
    demo world stood in), the technology and the job — read by the field package to label its provenance."""
    return {"SINKMAP_DATA": str(getattr(report, "data", "") or "user"), "SINKMAP_JOB": str(report.job or ""),
            "SITING_TECH": str(getattr(report, "tech", "") or "")}


def write_outputs(report: SiteRegionsReport, request: SiteRegionsRequest) -> list[Output]:
    gdf = getattr(report, "_regions", None)
    if gdf is None:
        return []
    from ..io.vectors import write_vector

    try:
        write_vector(gdf, request.out, layer=LAYER, metadata=provenance_metadata(report))
    finally:
        report._regions = None
    return [Output(Path(request.out), kind="vector", role="siting_regions", name=Path(request.out).name,
                   layer=LAYER)]


SITE_REGIONS = register(Job(
    id="site.regions",
    title=Text("选址候选区", "Siting regions"),
    help=Text("计算适宜性（同 site.suitability），再取得分不低于阈值的连片区域，按平均得分排序，直至达到装机容量"
              "（--capacity-mw）或面积（--area-ha）目标；写出 CGCS2000 GeoPackage（得分、面积、容量、各准则均值）。",
              "Compute the suitability (as site.suitability), then the connected regions scoring at least the "
              "threshold, ranked by mean score and taken until the capacity (--capacity-mw) or area (--area-ha) "
              "goal is met; writes a GeoPackage in CGCS2000 (score, area, capacity, criteria means)."),
    params=(*input_params(),
            Param("capacity_mw", "number", Text("装机容量目标（MW）", "Capacity goal (MW)"),
                  Text("按得分依次取候选区直至达到该容量", "regions are taken by score until this capacity"),
                  minimum=0, maximum=1e6),
            Param("area_ha", "number", Text("面积目标（公顷）", "Area goal (ha)"),
                  Text("按得分依次取候选区直至达到该面积", "regions are taken by score until this area"),
                  minimum=0, maximum=1e7),
            Param("threshold", "number", Text("适宜性阈值", "Suitability threshold"),
                  Text("得分不低于此值的像元组成候选区", "cells scoring at least this form the regions"),
                  default=0.6, minimum=0, maximum=1),
            Param("min_area_ha", "number", Text("最小面积（公顷）", "Minimum area (ha)"),
                  Text("小于此面积的候选区被舍弃", "smaller regions are dropped"), default=0.0, minimum=0,
                  maximum=1e6),
            Param("max_area_ha", "number", Text("最大面积（公顷）", "Maximum area (ha)"),
                  Text("更大的连片区按得分拆分", "larger regions are split by score"), minimum=0, maximum=1e6),
            Param("out", "output", Text("输出", "Output"), Text("GeoPackage 文件", "GeoPackage file"),
                  required=True, suffixes=(".gpkg",), metavar="FILE")),
    exclusive=(UNIT_GROUP, Exclusive("goal", ("capacity_mw", "area_ha"), title=Text("目标", "Goal"))),
    request=SiteRegionsRequest,
    run=run_site_regions,
    write=write_outputs,
    menu=Text("选址", "Siting"),
    demo_roles=DEMO_ROLES,
))
