"""The siting run: exclusions, suitability and candidate regions of a unit in one pass (the app's 新能源选址 panel).

The inputs, rules, criteria and weights are site.regions' (same parameters, by reference); the suitability is
computed once (:func:`~sinkmap.jobs.site_suitability.compute_suitability`) and the regions drawn from it
(:func:`~sinkmap.jobs.site_regions.regions_report`). Writes into the folder ``--out-dir``:

* ``exclusions.tif`` — as site.exclusions (band 1 inclusion, band 2 rule bitmask, rule table in the tags);
* ``suitability.tif`` — as site.suitability (band 1 suitability 0–1, band 2 the excluding rules);
* ``regions.gpkg`` — as site.regions (layer ``regions``) plus a ``label`` text ("#1 0.93 · 120 MW");
* ``criteria.tif`` — each criterion's 0–1 score, one band per criterion (named in the band descriptions;
  float32 — the scores' own type —, nodata −1): what the suitability is made of, so that new weights can be tried without a new
  run (:mod:`sinkmap.analysis.siting.live`).

The app records the run in the project, so ``sinkmap run PROJECT --job site.run`` repeats it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.feedback import Feedback
from .base import Exclusive, Job, Output, Param, Text
from .registry import register
from .site_regions import SITE_REGIONS, SiteRegionsReport, SiteRegionsRequest, regions_report
from ..analysis.siting.settings import CRITERIA
from .site_suitability import DEMO_ROLES, UNIT_GROUP, compute_suitability, input_params

FILES = {"exclusions": "exclusions.tif", "suitability": "suitability.tif", "regions": "regions.gpkg",
         "criteria": "criteria.tif"}
ROLES = {"exclusions": "siting_exclusions", "suitability": "siting_suitability", "regions": "siting_regions",
         "criteria": "siting_criteria"}


@dataclass
class SiteRunRequest(SiteRegionsRequest):
    """site.regions' request; ``out`` is the folder written into."""


def run_site_run(request: SiteRunRequest, feedback: Feedback) -> SiteRegionsReport:
    res = compute_suitability(request, feedback)
    report = regions_report(res, request, feedback)
    report._result = res
    feedback.progress(1.0, "完成 done")
    return report


def region_label(row: dict[str, Any]) -> str:
    """A region's map label: rank, mean score and capacity."""
    return f"#{int(row['region_id'])} {float(row['mean_score']):.2f} · {float(row['capacity_mw']):,.0f} MW"


def write_outputs(report: SiteRegionsReport, request: SiteRunRequest) -> list[Output]:
    from ..io.vectors import write_vector
    from ..io.write_errors import output_error
    from .site_exclusions import write_geotiff as write_exclusions
    from .site_suitability import write_geotiff as write_suitability

    res, gdf = getattr(report, "_result", None), getattr(report, "_regions", None)
    report._result = report._regions = None  # the arrays stay in the worker: the report travels light
    if res is None or gdf is None:
        return []
    folder = Path(request.out)
    paths = {key: folder / name for key, name in FILES.items()}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_exclusions(paths["exclusions"], res.exclusions, report)
        write_suitability(paths["suitability"], res, report)
        write_criteria(paths["criteria"], res, report)
    except OSError as exc:
        raise output_error(getattr(exc, "filename", None) or folder, exc) from None
    gdf = gdf.copy()
    gdf["label"] = [region_label(row) for row in gdf.drop(columns="geometry").to_dict("records")]
    from .site_regions import provenance_metadata

    write_vector(gdf, paths["regions"], layer="regions", metadata=provenance_metadata(report))
    return [Output(paths[key], kind="vector" if key == "regions" else "raster", role=ROLES[key],
                   layer="regions" if key == "regions" else None, name=paths[key].name)
            for key in ("exclusions", "suitability", "regions", "criteria")]


def write_criteria(path: Path, res, report) -> None:
    """One band per criterion (its 0–1 score, float32 as computed), nodata −1."""
    import numpy as np

    from .site_exclusions import NODATA, rule_table, write_siting_tiff

    bands = []
    for name, arr in res.criteria.items():
        band = np.asarray(arr, dtype=np.float32).copy()
        band[~np.isfinite(band) | ~res.exclusions.inside] = NODATA
        bands.append((band, name))
    write_siting_tiff(path, res.exclusions.grid, bands, report, rule_table(res.exclusions.table),
                      {"SITING_CRITERIA": json.dumps(res.described, ensure_ascii=False),
                       "SITING_WEIGHTS": json.dumps(res.weights),
                       "SITING_BANDS": "criterion scores 0-1, one band per criterion (band description = name)"})


def expected_criteria(tech: str, given: set[str], resource: bool) -> list[str]:
    """The criteria a run will score (before it runs): the DEM's always; a distance criterion when its layer
    is given or the demo world stands in (no input layer given at all); the resource with a resource raster.
    ``given``: the input-layer parameters set."""
    demo = not given
    out = []
    for name, spec in CRITERIA.get(tech, {}).items():
        role = spec.get("role")
        if spec.get("kind") == "resource":
            if resource:
                out.append(name)
        elif role is None or role in given or (demo and role in DEMO_ROLES):
            out.append(name)
    return out


def _regions_params() -> tuple[Param, ...]:
    own = {p.name for p in input_params()} | {"out"}
    return tuple(p for p in SITE_REGIONS.params if p.name not in own)


SITE_RUN = register(Job(
    id="site.run",
    title=Text("新能源选址", "Renewable siting"),
    help=Text("一次计算某市/区县光伏或风电的排除区、适宜性与候选区（与 site.exclusions、site.suitability、"
              "site.regions 相同），写入输出文件夹：exclusions.tif、suitability.tif、regions.gpkg，以及各准则"
              "得分 criteria.tif（改权重时无需重算）。应用中的「新能源选址」面板即运行此任务。",
              "Exclusions, suitability and candidate regions of a city or county for PV or wind in one pass "
              "(as site.exclusions, site.suitability and site.regions), written into the output folder: "
              "exclusions.tif, suitability.tif, regions.gpkg, and the criteria scores criteria.tif (to try "
              "other weights without a new run). The app's Renewable siting panel runs this job."),
    params=(*input_params(), *_regions_params(),
            Param("out", "folder", Text("输出文件夹", "Output folder"),
                  Text("写入 exclusions.tif、suitability.tif、regions.gpkg、criteria.tif",
                       "exclusions.tif, suitability.tif, regions.gpkg and criteria.tif are written here"),
                  required=True, flag="--out-dir", metavar="DIR")),
    exclusive=(UNIT_GROUP, Exclusive("goal", ("capacity_mw", "area_ha"), title=Text("目标", "Goal"))),
    request=SiteRunRequest,
    run=run_site_run,
    write=write_outputs,
    menu=Text("选址", "Siting"),
    panel="siting",
    demo_roles=DEMO_ROLES,
))
