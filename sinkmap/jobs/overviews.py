"""The overviews job: build a raster's pyramids into an external ``.ovr`` (the raster itself is only read)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..core.feedback import Feedback
from .base import Job, Output, Param, Report, Text
from .registry import register


@dataclass
class OverviewsRequest:
    raster: Path
    resampling: str = "nearest"
    factors: list[int] | None = None


def run_overviews(request: OverviewsRequest, feedback: Feedback) -> Report:
    from ..io.overviews import build_overviews

    ovr = build_overviews(request.raster, factors=request.factors or None, resampling=request.resampling,
                          feedback=feedback)
    return Report(outputs=[Output(ovr, kind="overviews", name=ovr.name)], inputs={"raster": str(request.raster)})


OVERVIEWS = register(Job(
    id="overviews",
    title=Text("构建金字塔", "Build overviews"),
    help=Text("为栅格构建外部金字塔（.ovr），缩小显示时更快；原文件只读不写。",
              "Build a raster's overviews (pyramids) into an external .ovr so it draws fast zoomed out; the "
              "raster itself is only read."),
    params=(
        Param("raster", "raster", Text("栅格", "Raster"), Text("栅格文件（GeoTIFF 等）", "raster file (GeoTIFF…)"),
              required=True, metavar="FILE"),
        Param("resampling", "enum", Text("重采样", "Resampling"),
              Text("nearest：分类栅格（土地覆被）；average：连续值（DEM、蓄积密度）",
                   "nearest for classes (land cover), average for continuous values (DEM, stock density)"),
              default="nearest", choices=("nearest", "average", "bilinear", "cubic", "mode")),
        Param("factors", "integer", Text("缩小倍数", "Factors"),
              Text("各级的缩小倍数（2、4、8…；默认直到最小一级不足 256 像元）；可重复",
                   "decimation factor of each level (2, 4, 8…; default: down to a level under 256 pixels); repeatable"),
              repeatable=True, minimum=2, maximum=65536, flag="--factor", metavar="N", advanced=True),
    ),
    request=OverviewsRequest,
    run=run_overviews,
    menu=Text("数据", "Data"),
    panel="layer_menu",
))
