"""What the web map and the report share: their parameters, and the area's data — the units, the ledger for
the year (run as the ledger job runs it) and the layers of the area, read only where they meet it.

Not a job module (its name starts with ``_``, so the registry skips it): ``export.html`` and
``export.report`` import it.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path

from ..core.feedback import Feedback, SubFeedback
from ..core.messages import Notice, current_language, is_chinese
from .base import Exclusive, LayerSource, Param, Text
from .ledger import LedgerReport, LedgerRequest, compute_ledger_job
from .ledger import layer_param as _layer

VECTOR_SUFFIXES = (".gpkg", ".shp", ".geojson", ".json", ".kml", ".kmz", ".gdb")
#: Rasters a map takes with --layer (siting results: site suitability / site exclusions GeoTIFFs).
RASTER_SUFFIXES = (".tif", ".tiff")


@dataclass
class ExportRequest:
    """The parameters every export of an area takes (the jobs add their outputs)."""

    city: str | None = None
    county: str | None = None
    year: int | None = None
    forest: LayerSource | None = None
    wetland: LayerSource | None = None
    protected: LayerSource | None = None
    projects: LayerSource | None = None
    layers: list[LayerSource] | None = None  # None, not []: "no layer given" lets the demo world stand in
    target_files: list[Path] = field(default_factory=list)
    output_lang: str | None = None  # zh / en; None: the interface language (the CLI's --lang sets that)
    encoding: str | None = None
    crs: str | None = None

    @property
    def language(self) -> str:
        if self.output_lang:
            return "zh_CN" if self.output_lang.startswith("zh") else "en"
        return current_language()


def area_params() -> tuple[Param, ...]:
    return (
        Param("city", "unit", Text("城市", "City"), Text("城市，如 长沙市", "a city, e.g. 长沙市")),
        Param("county", "unit", Text("区县", "County"), Text("区县或片区，如 浏阳市、湖南湘江新区",
                                                          "a county or zone, e.g. 浏阳市, 湖南湘江新区")),
        Param("year", "year", Text("目标年", "Target year"),
              Text("对照的规划目标年（默认：今年起最近的规划年）", "the plan year to compare with (default: the next plan year)"),
              minimum=2000, maximum=2100),
        _layer("forest", "forest", "森林小班", "Forest subcompartments", "森林小班面图层（台账与地图）",
               "forest subcompartment (小班) polygons (ledger and map)"),
        _layer("wetland", "wetland", "湿地", "Wetlands", "湿地面图层", "wetland polygons"),
        _layer("protected", "protected", "自然保护地", "Protected areas", "自然保护地面图层", "protected area polygons"),
        _layer("projects", "projects", "规划项目", "Plan projects", "规划项目点图层", "plan projects (points)"),
        Param("layers", "layer", Text("其他图层", "Other layers"),
              Text("加入地图的其他图层（如选址结果：场址、候选区，或适宜性/排除区 GeoTIFF）；可重复；"
                   "多图层文件可写 FILE|layername=NAME",
                   "other layers for the map (e.g. siting results: sites, regions, or a suitability/exclusions "
                   "GeoTIFF); repeatable; FILE|layername=NAME for one layer of a multi-layer file"),
              repeatable=True, flag="--layer", metavar="FILE", role="extra", suffixes=VECTOR_SUFFIXES + RASTER_SUFFIXES),
        Param("target_files", "file", Text("目标文件", "Targets file"),
              Text("用户目标文件（YAML/CSV）；可重复", "user targets file (YAML/CSV); repeatable"),
              repeatable=True, flag="--targets", metavar="FILE", default=[], suffixes=(".yaml", ".yml", ".csv")),
        Param("output_lang", "enum", Text("语言", "Language"),
              Text("输出语言（默认：界面语言）", "language of the output (default: the interface language)"),
              choices=("zh", "en"), flag="--lang"),
        Param("encoding", "text", Text("属性编码", "Attribute encoding"),
              Text("无 .cpg 的 Shapefile 的属性编码（如 GBK）", "attribute encoding of Shapefiles without .cpg (e.g. GBK)"),
              advanced=True),
        Param("crs", "text", Text("假定坐标系", "Assumed CRS"),
              Text("无坐标系图层所用的坐标系", "CRS to assume for layers without one"), advanced=True),
    )


AREA_GROUP = Exclusive("units", ("city", "county"), required=True, title=Text("范围", "Area"))
DEMO_ROLES = ("forest", "wetland", "protected", "projects")


@dataclass
class MapLayerData:
    name: str
    frame: object  # GeoDataFrame, EPSG:4490
    role: str | None
    source: str  # file › layer


@dataclass
class AreaData:
    area: str  # the city or county name
    level: str
    year: int
    units: object  # GeoDataFrame of the ledger's units (counties), EPSG:4490
    outline: object  # GeoDataFrame of the area's outline row (the city, or the county)
    ledger: LedgerReport
    layers: list[MapLayerData]
    sources: list[str]
    synthetic: bool
    boundary_source: str = ""
    rasters: list = field(default_factory=list)  # RasterInfo (sinkmap.export.web_raster) of rasters given with --layer


def default_year(area: str) -> int:
    """The first plan year from this year on for ``area``'s city (else its last plan year, else 2025)."""
    from ..io.boundaries import resolve_unit, targets_city
    from ..io.targets import plan_years

    city = targets_city(resolve_unit(area)) or area
    years = plan_years(city)
    now = _dt.date.today().year
    upcoming = [y for y in years if y >= now]
    return upcoming[0] if upcoming else (years[-1] if years else 2025)


def layer_label(src: LayerSource) -> str:
    return f"{src.path}" + (f" › {src.layer}" if src.layer else "")


def _read_area_layer(src: LayerSource, req: ExportRequest, box, area_geom, feedback: Feedback):
    """Every layer named by ``src`` (all vector layers of the file without a layer name), the features
    meeting the area only; [(layer name, frame)]."""
    import numpy as np

    from ..core.errors import InputError
    from ..io.vectors import list_layers, read_vector

    names = [src.layer] if src.layer else list_layers(src.path)
    out = []
    for name in names:
        try:
            gdf = read_vector(src.path, layer=name, encoding=req.encoding, crs=req.crs, bbox=box, feedback=feedback)
        except InputError as exc:
            if src.layer or len(names) == 1:
                raise
            feedback.warn(Notice("export.layer_not_vector", path=str(src.path), detail=exc.render("en")))
            continue
        if len(gdf):
            gdf = gdf.iloc[np.sort(gdf.sindex.query(area_geom, predicate="intersects"))]
        gdf = gdf[~gdf.geometry.is_empty & gdf.geometry.notna()]
        if not len(gdf):
            feedback.warn(Notice("export.layer_outside", path=str(src.path), layer=name or ""))
            continue
        out.append((name or src.path.stem, gdf.reset_index(drop=True)))
    return out


def collect_area(req: ExportRequest, job, feedback: Feedback) -> AreaData:
    """The units, the ledger and the layers of the area of ``req`` (see the module docstring)."""
    import shapely

    from ..io.boundaries import load_units
    from .base import demo_inputs

    area = req.city or req.county
    year = req.year or default_year(area)
    feedback.progress(0.0, "行政区划 boundaries")
    units_all = load_units(city=req.city, county=req.county)
    if req.city:
        outline = units_all[units_all["level"] == "city"].reset_index(drop=True)
        units = units_all[units_all["level"] != "city"].reset_index(drop=True)
    else:
        outline = units_all.reset_index(drop=True)
        units = outline
    area_geom = shapely.union_all(outline.geometry.values)
    box = tuple(float(v) for v in area_geom.bounds)

    feedback.progress(0.05, "台账 ledger")
    lreq = LedgerRequest(year=year, city=req.city, county=req.county, forest=req.forest, wetland=req.wetland,
                         protected=req.protected, target_files=list(req.target_files), encoding=req.encoding, crs=req.crs)
    if any((req.forest, req.wetland, req.protected)):
        ledger = compute_ledger_job(lreq, SubFeedback(feedback, 0.05, 0.5))
    else:
        ledger = LedgerReport(year=year, units=[])
    synthetic = bool(demo_inputs(job, req))
    ledger.data = "synthetic_demo" if synthetic else "user"

    feedback.progress(0.5, "图层 layers")
    zh = is_chinese(req.language)
    role_names = {"forest": ("森林小班", "forest subcompartments"), "wetland": ("湿地", "wetlands"),
                  "protected": ("自然保护地", "protected areas"), "projects": ("规划项目", "plan projects")}
    layers: list[MapLayerData] = []
    sources = []
    todo = [(role, getattr(req, role)) for role in role_names if getattr(req, role) is not None]
    todo += [(None, src) for src in req.layers or []]
    rasters = []
    for i, (role, src) in enumerate(todo):
        feedback.check()
        sources.append(layer_label(src))
        if role is None and Path(src.path).suffix.lower() in RASTER_SUFFIXES:
            info = _area_raster(src, req, box, feedback)
            if info is not None:
                rasters.append(info)
                synthetic = synthetic or info.synthetic
            continue
        for name, gdf in _read_area_layer(src, req, box, area_geom, SubFeedback(feedback, 0.5, 0.55)):
            from ..export.map_layers import role_of

            shown = role_names[role][0 if zh else 1] if role else name
            layers.append(MapLayerData(name=shown, frame=gdf, role=role or role_of(name, gdf),
                                       source=layer_label(LayerSource(src.path, name))))
        feedback.progress(0.5 + 0.1 * (i + 1) / max(len(todo), 1))
    return AreaData(area=area, level="city" if req.city else "county", year=year, units=units, outline=outline,
                    ledger=ledger, layers=layers, sources=sources, synthetic=synthetic,
                    boundary_source=str(units_all.attrs.get("source", "")), rasters=rasters)


def _area_raster(src: LayerSource, req: ExportRequest, box, feedback: Feedback):
    """The facts of a raster given with --layer (refused without a CRS); None, with a warning, when it does
    not meet the area's box."""
    from ..export.web_raster import raster_info

    info = raster_info(Path(src.path), req.crs)
    x0, y0, x1, y1 = info.bounds_lonlat
    if x1 < box[0] or x0 > box[2] or y1 < box[1] or y0 > box[3]:
        feedback.warn(Notice("export.raster_outside", path=str(src.path)))
        return None
    return info


__all__ = ["AREA_GROUP", "AreaData", "DEMO_ROLES", "ExportRequest", "MapLayerData", "area_params", "collect_area",
           "default_year", "layer_label"]


def run_warnings(data: AreaData, feedback: Feedback) -> list:
    """The warnings of an export run, once each: the ledger's, then those the run gave (in order)."""
    return list(dict.fromkeys([*data.ledger.warnings, *getattr(feedback, "warnings", [])]))
