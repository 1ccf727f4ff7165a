"""The boundaries job: administrative boundaries in CGCS2000 written to a file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..core.feedback import Feedback
from .base import Exclusive, Job, Output, Param, Report, Text
from .registry import register


@dataclass
class BoundariesRequest:
    out: Path
    city: str | None = None
    county: str | None = None
    province: str | None = None


@dataclass
class BoundariesReport(Report):
    count: int = 0


def run_boundaries(request: BoundariesRequest, feedback: Feedback) -> BoundariesReport:
    from ..io.boundaries import load_units, write_units_gpkg

    # a new GeoPackage: the units' blobs copied from the boundaries cache (no GDAL/pandas import, issue 15)
    count = write_units_gpkg(request.out, city=request.city, county=request.county, province=request.province,
                             feedback=feedback)
    if count is None:
        from ..io.vectors import write_vector

        gdf = load_units(city=request.city, county=request.county, province=request.province, feedback=feedback)
        write_vector(gdf, request.out, feedback=feedback)
        count = len(gdf)
    return BoundariesReport(count=count, outputs=[Output(request.out, kind="vector", role="boundary",
                                                         name=request.out.stem)])


BOUNDARIES = register(Job(
    id="boundaries",
    title=Text("导出行政区划", "Export boundaries"),
    help=Text("把湖南省、市、区县边界（CGCS2000，EPSG:4490）写成文件。仅供内部使用：公开地图须经审图。",
              "Write administrative boundaries in CGCS2000 (EPSG:4490). Internal use: published maps need "
              "审图号 review."),
    params=(
        Param("city", "unit", Text("城市", "City"), Text("城市及其区县", "a city and its counties")),
        Param("county", "unit", Text("区县/片区", "County or zone"), Text("一个区县或片区", "one county or zone")),
        Param("province", "unit", Text("省", "Province"), Text("湖南省：14 个市和 122 个区县",
                                                               "湖南省: 14 cities and 122 counties")),
        Param("out", "output", Text("输出文件", "Output file"), Text(".gpkg、.geojson 或 .shp", ".gpkg, .geojson or .shp"),
              required=True, suffixes=(".gpkg", ".geojson", ".shp"), metavar="FILE"),
    ),
    exclusive=(Exclusive("units", ("city", "county", "province"), required=True, title=Text("范围", "Extent")),),
    request=BoundariesRequest,
    run=run_boundaries,
    menu=Text("数据", "Data"),
))
