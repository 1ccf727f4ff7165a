"""The ``export.report`` job: the area's ledger as a PDF report in Chinese (or English) and, with
``--xlsx``, the same tables as a workbook. See :mod:`sinkmap.export.report_pdf` for what the report holds.

Site and scenario impacts come from ``sinkmap site impact … --out FILE.json`` (``--impact``, repeatable).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import InputError
from ..core.feedback import Feedback, SubFeedback
from ..core.messages import clip, is_chinese
from ._export_area import AREA_GROUP, DEMO_ROLES, ExportRequest, area_params, collect_area, run_warnings
from .base import DATA_DEMO, DEMO_LABEL, Job, Output, Param, Report, Text
from .registry import register


@dataclass
class ExportReportRequest(ExportRequest):
    out: Path | None = None
    xlsx: Path | None = None
    page: str = "A4"
    impacts: list[Path] = field(default_factory=list)


@dataclass
class ExportReportReport(Report):
    area: str = ""
    year: int = 0
    pages: int = 0
    map_page: int = 0
    map_crs: str = ""
    map_extent: tuple[float, float, float, float] = (0, 0, 0, 0)
    map_frame_pt: tuple[float, float, float, float] = (0, 0, 0, 0)  # left, bottom, width, height
    page_size: str = "A4"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"area": self.area, "year": self.year, "pages": self.pages, "page_size": self.page_size,
                               "map_page": self.map_page, "map_crs": self.map_crs, "map_extent": list(self.map_extent),
                               "map_frame_pt": list(self.map_frame_pt)}
        out.update(self.base_json())
        return out

    def summary(self, lang: str | None = None) -> list[str]:
        lines = super().summary(lang)
        lines.append(f"{self.area} {self.year}：{self.pages} 页（{self.page_size}），地图在第 {self.map_page} 页（已地理配准）"
                     if is_chinese(lang) else
                     f"{self.area} {self.year}: {self.pages} pages ({self.page_size}), georeferenced map on page {self.map_page}")
        return lines


def _read_impact(path: Path) -> dict:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(code="export.impact_bad", path=path, detail=clip(exc)) from None
    if not isinstance(doc, dict) or doc.get("job") != "site.impact" or not isinstance(doc.get("sites"), list):
        raise InputError(code="export.impact_bad", path=path, detail="no job 'site.impact' with sites")
    return doc


def run_export_report(req: ExportReportRequest, feedback: Feedback) -> ExportReportReport:
    from .. import __version__
    from ..export.report_pdf import ReportContent, write_report_pdf
    from ..export.report_xlsx import write_report_xlsx
    from ..io.write_errors import output_error

    impacts = [(p.name, _read_impact(p)) for p in req.impacts]  # bad files fail before any work
    data = collect_area(req, EXPORT_REPORT, SubFeedback(feedback, 0.0, 0.5))
    lang = req.language
    units = sorted(data.ledger.units, key=lambda u: (not u.is_total, 0))
    run_id = uuid.uuid4().hex[:16]
    from ..core.messages import Notice
    from ..export.report_sites import mark_sites

    marks = mark_sites(impacts, [(m.name, m.frame, m.role) for m in data.layers])
    for scenario, missing in marks.missing:
        feedback.warn(Notice("export.sites_not_on_map", scenario=scenario, sites="、".join(missing)))
    content = ReportContent(
        area=data.area, level=data.level, year=data.year, lang=lang, synthetic=data.synthetic,
        synthetic_label=DEMO_LABEL(lang), units=units, unit_frame=data.units, outline=data.outline,
        layers=[(m.name, m.frame, m.role) for m in data.layers], sources=data.sources,
        boundary_source=data.boundary_source, impacts=impacts, page=req.page, run_id=run_id, version=__version__,
        sites=marks, rasters=list(data.rasters))
    outputs = []
    try:
        res = write_report_pdf(content, req.out, SubFeedback(feedback, 0.5, 0.95))
        outputs.append(Output(req.out, kind="document", name=req.out.name))
        if req.xlsx is not None:
            feedback.check()
            write_report_xlsx(content, req.xlsx)
            outputs.append(Output(req.xlsx, kind="table", name=req.xlsx.name))
    except OSError as exc:
        raise output_error(req.out, exc) from None
    feedback.progress(1.0, "完成 done")
    f = res.frame
    report = ExportReportReport(area=data.area, year=data.year, pages=res.pages, map_page=res.map_page, map_crs=res.crs,
                              map_extent=tuple(res.extent), map_frame_pt=(f.left, f.bottom, f.width, f.height),
                              page_size=req.page, outputs=outputs, inputs={"layers": ", ".join(data.sources)},
                              warnings=run_warnings(data, feedback))
    if data.synthetic:  # a raster tagged synthetic makes the report so, as a demo layer does
        report.data = DATA_DEMO
    return report


EXPORT_REPORT = register(Job(
    id="export.report",
    title=Text("台账报告（PDF）", "Ledger report (PDF)"),
    help=Text("一个城市或区县的碳汇台账报告：封面、地理配准的地图页、台账与规划目标（逐条引用原文与文号）、分区县图表、"
              "场址影响表、数据来源；可同时导出 Excel。未给出图层时使用合成演示数据（报告中注明）。",
              "An area's sink ledger report: cover, georeferenced map page, the ledger against the plan's targets "
              "(each quoted with its document number), charts per county, site impact tables, data provenance; "
              "the same tables as a workbook with --xlsx. With no layer given it uses the synthetic demo world."),
    params=(
        *area_params(),
        Param("impacts", "file", Text("场址影响", "Site impacts"),
              Text("sinkmap site impact … --out 写出的 .json；可重复（每个文件一个情景）",
                   "a .json written by sinkmap site impact … --out; repeatable (one scenario each)"),
              repeatable=True, flag="--impact", metavar="FILE", default=[], suffixes=(".json",)),
        Param("page", "enum", Text("纸张", "Page size"), Text("A4（默认）或 A3", "A4 (default) or A3"),
              choices=("A4", "A3"), default="A4"),
        Param("xlsx", "output", Text("Excel 文件", "Workbook"), Text("同时写出报告表格 .xlsx", "also write the tables as .xlsx"),
              suffixes=(".xlsx",), metavar="FILE"),
        Param("out", "output", Text("输出文件", "Output file"), Text("报告 .pdf", "the report, .pdf"), required=True,
              suffixes=(".pdf",), metavar="FILE"),
    ),
    exclusive=(AREA_GROUP,),
    request=ExportReportRequest,
    run=run_export_report,
    menu=Text("导出", "Export"),
    demo_roles=DEMO_ROLES,
))


__all__ = ["EXPORT_REPORT", "ExportReportReport", "ExportReportRequest", "run_export_report"]
