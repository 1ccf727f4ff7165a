"""The ``export.html`` job: an offline web map of an area — one HTML file, no network needed.

The ledger's units coloured by their status against the plan's targets (popups: every indicator and each
target's sentence with its document), the city outline with the city's row, the data layers (小班, wetlands,
protected areas, the plans' projects, siting results given with ``--layer``), a layer control, a legend with
units, a scale bar and north arrow, the synthetic-data label when the demo world stood in. See
:mod:`sinkmap.export.webmap` for how the page is built and kept small.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.feedback import Feedback, SubFeedback
from ..core.messages import is_chinese
from ._export_area import AREA_GROUP, DEMO_ROLES, ExportRequest, area_params, collect_area, run_warnings
from .base import DATA_DEMO, DEMO_LABEL, Job, Output, Param, Report, Text
from .registry import register


@dataclass
class ExportHtmlRequest(ExportRequest):
    out: Path | None = None
    tiles: str = "none"
    max_zoom: int = 16


@dataclass
class ExportHtmlReport(Report):
    area: str = ""
    year: int = 0
    size_bytes: int = 0
    features: dict[str, int] = field(default_factory=dict)
    vertices: dict[str, int] = field(default_factory=dict)
    tolerance_m: float = 0.0
    zooms: tuple[int, int] = (0, 0)
    rasters: dict[str, list[int]] = field(default_factory=dict)  # name: [width, height] of its image (Web Mercator)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"area": self.area, "year": self.year, "size_bytes": self.size_bytes,
                               "features": self.features, "vertices": self.vertices,
                               "tolerance_m": round(self.tolerance_m, 3), "zooms": list(self.zooms),
                               "rasters": self.rasters}
        out.update(self.base_json())
        return out

    def summary(self, lang: str | None = None) -> list[str]:
        zh = is_chinese(lang)
        lines = super().summary(lang)
        lines.append((f"{self.area} {self.year} 网页地图：{self.size_bytes / 1e6:.1f} MB，"
                      f"缩放级别 {self.zooms[0]}–{self.zooms[1]}，简化容差 0.5 像素（最大级别约 {self.tolerance_m:.1f} 米）")
                     if zh else
                     (f"{self.area} {self.year} web map: {self.size_bytes / 1e6:.1f} MB, zooms {self.zooms[0]}–"
                      f"{self.zooms[1]}, simplified to 0.5 pixel (about {self.tolerance_m:.1f} m at the top zoom)"))
        for name, n in self.features.items():
            lines.append(f"  {name}: {n:,}" + (" 个要素" if zh else " features"))
        for name, (w, h) in self.rasters.items():
            lines.append(f"  {name}: {w}×{h}" + (" 像素（Web 墨卡托）" if zh else " pixels (Web Mercator)"))
        return lines


def build_spec(data, req: ExportHtmlRequest):
    """The page of ``data`` (:class:`~sinkmap.jobs._export_area.AreaData`)."""
    from ..export.map_layers import city_layer, data_layer, ledger_layer
    from ..export.webmap import WebMapSpec

    lang = req.language
    zh = is_chinese(lang)
    layers = []
    if data.ledger.units:
        layers.append(ledger_layer(data.units, data.ledger.units, data.year, lang))
    order = {"forest": 0, "wetland": 1, "protected": 2, "sites": 3, "projects": 4}
    for layer in sorted(data.layers, key=lambda m: order.get(m.role or "", 2.5)):
        layers.append(data_layer(layer.name, layer.frame, layer.role, lang))
    if data.level == "city":
        layers.append(city_layer(data.outline, data.ledger.units, lang, name="市界" if zh else "city boundary"))
    elif not data.ledger.units:
        layers.insert(0, data_layer(data.area, data.outline, "boundary", lang))
    x0, y0, x1, y1 = (float(v) for v in data.outline.total_bounds)
    title = f"{data.area} 碳汇台账地图（{data.year} 年）" if zh else f"{data.area} sink ledger map ({data.year})"
    docs = list(dict.fromkeys(a.document for u in data.ledger.units for a in u.targets if a.document))
    notes = [("目标出处：" if zh else "targets from: ") + "；".join(docs)] if docs else []
    notes.append("边界仅供内部使用，未经审图（无审图号）" if zh else "boundaries for internal use only (no map review number, 审图号)")
    from ..export.web_raster import raster_overlay

    # exclusions under suitability (its excluded cells are transparent: the exclusions show why), as in the app
    stack = {"siting_exclusions": 0, "raster": 1, "siting_suitability": 2}
    rasters = [raster_overlay(info.path, lang, assumed_crs=req.crs)
               for info in sorted(data.rasters, key=lambda i: stack.get(i.role, 1))]
    return WebMapSpec(title=title, layers=layers, bounds=(x0, y0, x1, y1), lang=lang, rasters=rasters,
                      subtitle=("数据：" if zh else "data: ") + ("演示数据" if data.synthetic else ("用户数据" if zh else "user data")),
                      synthetic=DEMO_LABEL(lang) if data.synthetic else "", notes=notes, tiles=req.tiles,
                      max_zoom=req.max_zoom)


def run_export_html(req: ExportHtmlRequest, feedback: Feedback) -> ExportHtmlReport:
    from ..export.webmap import write_webmap
    from ..io.write_errors import output_error

    data = collect_area(req, EXPORT_HTML, SubFeedback(feedback, 0.0, 0.6))
    feedback.check()
    feedback.progress(0.6, "网页地图 web map")
    spec = build_spec(data, req)
    feedback.check()
    try:
        result = write_webmap(spec, req.out)
    except OSError as exc:
        raise output_error(req.out, exc) from None
    feedback.progress(1.0, "完成 done")
    report = ExportHtmlReport(area=data.area, year=data.year, size_bytes=result.size_bytes, features=result.features,
                            vertices=result.vertices, tolerance_m=result.tolerance_m,
                            zooms=(result.min_zoom, result.max_zoom),
                            rasters={r.name: list(r.size) for r in spec.rasters}, inputs={"layers": ", ".join(data.sources)},
                            outputs=[Output(req.out, kind="document", name=req.out.name)],
                            warnings=run_warnings(data, feedback))
    if data.synthetic:  # a raster tagged synthetic (site suitability on the demo world) makes the page so
        report.data = DATA_DEMO
    return report


EXPORT_HTML = register(Job(
    id="export.html",
    title=Text("离线网页地图", "Offline web map"),
    help=Text("把一个城市或区县的台账（按目标达标状态着色，弹窗含规划原文与文号）、森林小班、湿地、保护地、规划项目与选址结果"
              "导出为单个 HTML 文件，无需联网即可打开。未给出图层时使用合成演示数据（地图中注明）。",
              "An area's ledger (coloured by status against the plan's targets, popups quoting the plan with its "
              "document number), 小班, wetlands, protected areas, plan projects and siting results as one HTML file "
              "that opens with no network. With no layer given it uses the synthetic demo world (the map says so)."),
    params=(
        *area_params(),
        Param("tiles", "enum", Text("在线底图", "Online base map"),
              Text("none（默认，离线）或 osm（OpenStreetMap，WGS-84，需联网）；不提供 GCJ-02 底图",
                   "none (default, offline) or osm (OpenStreetMap, WGS-84, needs the network); no GCJ-02 tiles"),
              choices=("none", "osm"), default="none", advanced=True),
        Param("max_zoom", "integer", Text("最大缩放级别", "Maximum zoom"),
              Text("地图可放大到的级别（默认 16，约 2.4 米/像素）", "the closest zoom offered (default 16, about 2.4 m per pixel)"),
              minimum=10, maximum=18, default=16, advanced=True),
        Param("out", "output", Text("输出文件", "Output file"), Text("网页地图 .html", "the web map, .html"),
              required=True, suffixes=(".html", ".htm"), metavar="FILE"),
    ),
    exclusive=(AREA_GROUP,),
    request=ExportHtmlRequest,
    run=run_export_html,
    menu=Text("导出", "Export"),
    demo_roles=DEMO_ROLES,
))


__all__ = ["EXPORT_HTML", "ExportHtmlReport", "ExportHtmlRequest", "build_spec", "run_export_html"]
