"""The site-exclusions job: where a technology may not go in a unit, and which rule says so.

Writes a GeoTIFF: band 1 the inclusion (0–1), band 2 the rule bitmask (bit i = rule i of the table hit
the cell). A GeoTIFF's bands share one data type, so both are float64: the bitmask's integers are exact
up to 2**53 (the rules loader allows at most 52 rules, plus the minimum-area bit). Cells outside the unit
are nodata (-1). The rule table (bit, id, document, clause) is in the file's tags (``SITING_RULES`` as
JSON, and one ``RULE_<bit>`` tag per rule) and in the report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.feedback import Feedback
from .base import Exclusive, Job, LayerSource, Output, Param, Report, Text
from .registry import register

NODATA = -1.0


@dataclass
class SiteExclusionsRequest:
    out: Path
    tech: str = "pv"
    city: str | None = None
    county: str | None = None
    farmland: LayerSource | None = None
    redline: LayerSource | None = None
    protected: LayerSource | None = None
    forest: LayerSource | None = None
    wetland: LayerSource | None = None
    grassland: LayerSource | None = None
    landcover: Path | None = None
    dem: Path | None = None
    rules: list[Path] = field(default_factory=list)
    resolution: float | None = None  # arc-seconds, CGCS2000 (when no DEM)
    min_area: float | None = None  # hectares
    contiguity: str = "queen"


@dataclass
class SiteExclusionsReport(Report):
    tech: str = ""
    unit: str = ""
    grid: dict[str, Any] = field(default_factory=dict)
    rules: list[dict[str, Any]] = field(default_factory=list)
    counts: list[dict[str, Any]] = field(default_factory=list)
    unit_hectares: float = 0.0
    included_hectares: float = 0.0

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"tech": self.tech, "unit": self.unit, "grid": self.grid,
                               "unit_hectares": self.unit_hectares, "included_hectares": self.included_hectares,
                               "rules": self.rules, "counts": self.counts}
        out.update(self.base_json())
        return out

    def unit_line(self, zh: bool) -> str:
        """The unit, the technology, its area and the area still open."""
        if zh:
            return f"{self.unit} {self.tech}：单元 {self.unit_hectares:,.0f} 公顷，可用 {self.included_hectares:,.0f} 公顷"
        return f"{self.unit} {self.tech}: unit {self.unit_hectares:,.0f} ha, included {self.included_hectares:,.0f} ha"

    def summary(self, lang: str | None = None) -> list[str]:
        from ..core.messages import is_chinese

        zh = is_chinese(lang)
        lines = super().summary(lang) + [self.unit_line(zh)]
        for c in self.counts:
            if c["applied"]:
                lines.append(f"  [{c['bit']:>2}] {c['id']:<20} {c['cells']:>9,} "
                             + ("像元 " if zh else "cells ") + f"{c['hectares']:>12,.1f} " + ("公顷" if zh else "ha"))
        return lines


def run_site_exclusions(request: SiteExclusionsRequest, feedback: Feedback) -> SiteExclusionsReport:
    from ..analysis.siting.exclusions import compute_exclusions
    from ..analysis.siting.grid import grid_from_dem, grid_from_resolution
    from ..analysis.siting.rules import load_rules, rules_for
    from ..io.boundaries import load_units

    rules = rules_for(load_rules(request.rules or ()), request.tech)
    feedback.progress(0.0, "加载行政区划 boundaries")
    units = load_units(city=request.city, county=request.county)
    level = "city" if request.city else None
    row = units[units["level"] == level] if level else units
    row = row if len(row) else units
    name = str(row["name"].iloc[0])
    unit_geom = row.geometry.union_all()
    if request.dem is not None:
        grid = grid_from_dem(request.dem, unit_geom, name)
    elif request.resolution:
        grid = grid_from_resolution(unit_geom, request.resolution / 3600.0, name)
    else:
        from ..core.errors import InputError

        raise InputError(code="analysis.siting.grid.no_source")
    layers = {role: getattr(request, role) for role in ROLES if getattr(request, role) is not None}
    result = compute_exclusions(unit_geom, rules, layers, grid, unit_name=name, tech=request.tech,
                                min_area_ha=request.min_area, contiguity=request.contiguity, feedback=feedback)
    report = SiteExclusionsReport(tech=request.tech, unit=name, grid=grid.to_json(), rules=result.table,
                                  counts=result.stats, unit_hectares=result.unit_hectares,
                                  included_hectares=result.included_hectares, warnings=list(result.warnings),
                                  inputs={k: str(v.path if hasattr(v, "path") else v) for k, v in layers.items()})
    report._result = result  # handed to write_outputs (not serialised)
    feedback.progress(1.0, "完成 done")
    return report


ROLES = ("farmland", "redline", "protected", "forest", "wetland", "grassland", "landcover")


def write_outputs(report: SiteExclusionsReport, request: SiteExclusionsRequest) -> list[Output]:
    return write_result(report, request.out, write_geotiff, "siting_exclusions")


def write_result(report, path: Path, writer, role: str) -> list[Output]:
    """Write the arrays the run left on ``report`` with ``writer(path, result, report)``; an OS error is a
    message; the arrays are dropped either way (they stay in the worker process: the report travels light)."""
    result = getattr(report, "_result", None)
    if result is None:
        return []
    from ..io.write_errors import output_error

    try:
        writer(path, result, report)
    except OSError as exc:
        raise output_error(path, exc) from None
    finally:
        report._result = None
    return [Output(path, kind="raster", role=role, name=path.name)]


def rule_table(table: list[dict]) -> list[dict]:
    """The rule table as the GeoTIFF tags and the report carry it."""
    return [{k: row.get(k) for k in ("bit", "id", "effect", "weight", "document", "clause_zh", "source",
                                     "verified")} for row in table]


def write_siting_tiff(path: Path, grid, bands: list[tuple], report, table: list[dict], tags: dict[str, str]) -> None:
    """A two-band float64 GeoTIFF on ``grid`` (nodata −1), written atomically: ``bands`` are (array,
    description); the rule table, technology, unit and data origin go into the tags with ``tags``."""
    import rasterio

    from ..io.atomic import atomic_output_path

    h, w = grid.shape
    profile = {"driver": "GTiff", "width": w, "height": h, "count": len(bands), "dtype": "float64",
               "crs": grid.crs, "transform": grid.transform, "nodata": NODATA,
               "compress": "deflate", "predictor": 3, "tiled": w >= 256 and h >= 256}
    if profile["tiled"]:
        profile.update(blockxsize=256, blockysize=256)
    all_tags = {"SITING_RULES": json.dumps(table, ensure_ascii=False), "SITING_TECH": report.tech,
                "SITING_UNIT": report.unit, "SITING_DATA": report.data, **tags}
    for row in table:
        all_tags[f"RULE_{row['bit']}"] = f"{row['id']} | {row['document']} | {row['clause_zh']}"
    with atomic_output_path(path) as tmp, rasterio.open(tmp, "w", **profile) as dst:
        for k, (array, description) in enumerate(bands, start=1):
            dst.write(array, k)
            dst.set_band_description(k, description)
        dst.update_tags(**all_tags)


def write_geotiff(path: Path, result, report: SiteExclusionsReport) -> None:
    """Band 1 inclusion, band 2 bitmask (float64, nodata −1 outside the unit), rule table in the tags."""
    import numpy as np

    incl = result.inclusion.astype(np.float64)
    mask = result.bitmask.astype(np.float64)
    incl[~result.inside] = NODATA
    mask[~result.inside] = NODATA
    write_siting_tiff(path, result.grid, [(incl, "inclusion"), (mask, "rule_bitmask")], report,
                      rule_table(result.table),
                      {"SITING_BANDS": "1=inclusion 0-1 (float); 2=rule bitmask (integer stored as float64)"})


def _layer(name: str, zh: str, en: str) -> Param:
    return Param(name, "layer", Text(zh, en), Text(f"{zh}图层（缺省：演示数据）", f"{en} layer (default: the demo world)"),
                 role=name, metavar="FILE")


SITE_EXCLUSIONS = register(Job(
    id="site.exclusions",
    title=Text("选址排除区", "Siting exclusions"),
    help=Text("按规则（layers/siting_rules.yaml，可用 --rules 覆盖或扩充）计算某技术在市/区县内的可用比例栅格与"
              "规则位掩码，并写出 GeoTIFF（波段 1 可用比例 0–1，波段 2 规则位掩码，规则表在元数据中）。",
              "Apply the siting rules (layers/siting_rules.yaml; --rules FILE overrides or extends them by id) "
              "to a city or county for one technology: writes a GeoTIFF with band 1 the inclusion (0–1) and "
              "band 2 the rule bitmask, the rule table (bit, id, document, clause) in its tags."),
    params=(
        Param("tech", "enum", Text("技术", "Technology"), Text("pv 光伏、wind 风电、phes 抽水蓄能",
                                                              "pv, wind or phes (pumped storage)"),
              default="pv", choices=("pv", "wind", "phes")),
        Param("city", "unit", Text("市州", "City"), Text("市州名称", "city name"), metavar="NAME"),
        Param("county", "unit", Text("区县", "County"), Text("区县名称", "county or district name"), metavar="NAME"),
        _layer("farmland", "永久基本农田", "Permanent basic farmland"),
        _layer("redline", "生态保护红线", "Ecological red line"),
        _layer("protected", "自然保护地", "Protected areas"),
        _layer("forest", "森林资源小班", "Forest inventory sub-compartments"),
        _layer("wetland", "湿地", "Wetland"),
        _layer("grassland", "基本草原", "Basic grassland"),
        Param("landcover", "raster", Text("土地覆盖（三调）", "Land cover (Sandiao)"),
              Text("三调地类栅格", "raster of Sandiao land classes"), role="landcover", metavar="FILE"),
        Param("dem", "raster", Text("DEM", "DEM"), Text("其栅格网即输出栅格网", "its grid is the output's grid"),
              role="dem", metavar="FILE"),
        Param("rules", "file", Text("规则文件", "Rules file"),
              Text("覆盖或扩充内置规则（按 id）；可重复", "overrides or extends the bundled rules by id; repeatable"),
              repeatable=True, suffixes=(".yaml", ".yml"), metavar="FILE"),
        Param("resolution", "number", Text("分辨率（角秒）", "Resolution (arc-seconds)"),
              Text("无 DEM 时的 CGCS2000 栅格分辨率", "CGCS2000 grid resolution when no DEM is given"),
              minimum=0.1, maximum=3600, advanced=True),
        Param("min_area", "number", Text("最小连片面积（公顷）", "Minimum contiguous area (ha)"),
              Text("小于此面积的可用斑块被排除", "open patches smaller than this are excluded"),
              minimum=0, maximum=1e6, advanced=True),
        Param("contiguity", "enum", Text("连通方式", "Contiguity"),
              Text("rook：四邻域；queen：八邻域", "rook: 4 neighbours; queen: 8 neighbours"),
              default="queen", choices=("rook", "queen"), advanced=True),
        Param("out", "output", Text("输出", "Output"), Text("GeoTIFF 文件", "GeoTIFF file"), required=True,
              suffixes=(".tif", ".tiff"), metavar="FILE"),
    ),
    exclusive=(Exclusive("unit", ("city", "county"), required=True, title=Text("单元", "Unit")),),
    request=SiteExclusionsRequest,
    run=run_site_exclusions,
    write=write_outputs,
    menu=Text("选址", "Siting"),
    demo_roles=("farmland", "redline", "protected", "forest", "wetland", "grassland", "landcover", "dem"),
))
