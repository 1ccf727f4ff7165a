"""The ``site.compare`` job: siting scenarios side by side.

Each scenario — a site layer given as ``--scenario 名称=FILE``, or the scenarios saved in a project
(``--project P.sinkmap``) — runs as ``site.impact`` would run it (same layers, targets, year and units; the
preparation of the same units shared between scenarios through an
:class:`~sinkmap.jobs.impact_cache.ImpactCache`, which gives the job's own report), and
:func:`sinkmap.analysis.siting.scenarios.compare` lays the reports side by side: totals, each affected county's
and city's plan indicators after the sites against their targets with their status in words, and the status
changes. ``--out`` writes the table (.csv, .xlsx) or the whole report (.json).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..core.errors import InputError
from ..core.feedback import Feedback, SubFeedback
from .base import Exclusive, Job, LayerSource, Output, Param, Report, Text
from .ledger import layer_param
from .registry import register
from .site_impact import RULE_PARAMS, SITE_IMPACT, SiteImpactReport, SiteImpactRequest, SiteLayersRequest


@dataclass
class SiteCompareRequest(SiteLayersRequest):
    year: int | None = None
    scenario: dict[str, str] = field(default_factory=dict)  # name -> site layer file
    project: Path | None = None


@dataclass
class SiteCompareReport(Report):
    scenarios: list[dict] = field(default_factory=list)  # name, year, unit, sites
    comparison: Any = None  # analysis.siting.scenarios.Comparison
    reports: list[SiteImpactReport] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"scenarios": self.scenarios,
                               "table": self.comparison.to_json() if self.comparison else None,
                               "impacts": [{"scenario": s["name"], "sites": r.sites, "total": r.total,
                                            "status_changes": [n.to_json() for n in r.status_changes]}
                                           for s, r in zip(self.scenarios, self.reports)]}
        out.update(self.base_json())
        return out

    def summary(self, lang: str | None = None) -> list[str]:
        lines = super().summary(lang)
        if self.comparison is None:
            return lines
        frame = self.comparison.to_frame(lang)
        names = list(self.comparison.scenarios)
        for rec in frame.to_dict("records"):
            head = f"{rec[frame.columns[0]]} · {rec[frame.columns[1]]}"
            unit = rec[frame.columns[2]]
            target = rec[frame.columns[3]]
            cells = " | ".join(f"{n}: {_show(rec[n])}" for n in names)
            lines.append(f"{head}{f' ({unit})' if unit else ''}{f' [{target}]' if target else ''}: {cells}")
        return lines


def _show(v: Any) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "—"
    if isinstance(v, float):
        return f"{v:,.2f}".rstrip("0").rstrip(".") if abs(v) < 1e6 else f"{v:,.0f}"
    return str(v)


def _scenarios(req: SiteCompareRequest, feedback: Feedback):
    """[(Scenario, source label)] from the project or the --scenario files."""
    from ..analysis.siting.scenarios import Scenario, scenarios_from_docs
    from ..io.vectors import read_vector

    out = []
    if req.project is not None:
        from ..io.project_file import load_project

        project = load_project(req.project)
        for sc in scenarios_from_docs(project.scenarios, req.project):
            if req.year is not None:
                sc.year = req.year
            out.append((sc, str(req.project)))
        if not out:
            raise InputError(code="jobs.site.project_no_scenarios", path=req.project)
        return out
    if req.year is None:
        raise InputError(code="jobs.site.compare_needs_year")
    for name, path in req.scenario.items():
        p = Path(path).expanduser()
        if not name:
            raise InputError(code="jobs.site.scenario_unnamed", path=p)
        if not p.exists():
            raise InputError(code="jobs.site.scenario_missing", path=p, name=name)
        sites = read_vector(p, encoding=req.encoding, crs=req.crs, feedback=feedback)
        sc = Scenario(name=name, year=req.year, sites=sites)
        out.append((sc, str(p)))
    return out


def impact_request(req: SiteCompareRequest, sc) -> SiteImpactRequest:
    """The ``site.impact`` request of scenario ``sc``: the compare's layers and targets, the scenario's year
    and unit (the compare's --city/--county win)."""
    city, county = req.city, req.county
    if not (city or county) and sc.unit:
        from ..io.boundaries import resolve_unit

        ref = resolve_unit(sc.unit)
        if ref.level == "city":
            city = ref.name
        elif ref.level in ("county", "zone"):
            county = ref.name
    return SiteImpactRequest(site=None, year=sc.year, **{**req.shared(), "city": city, "county": county, "out": None})


def run_site_compare(req: SiteCompareRequest, feedback: Feedback) -> SiteCompareReport:
    feedback.progress(0.0, "读取方案 reading scenarios")
    return compare_scenarios(req, _scenarios(req, feedback), feedback)


def compare_scenarios(req: SiteCompareRequest, scenarios: list, feedback: Feedback, cache=None) -> SiteCompareReport:
    """The job's run once the scenarios are known: ``scenarios`` is [(Scenario, where it came from: a file, a
    project, or None for one held in memory)]. ``cache`` (an ImpactCache) keeps the preparations (a fresh one
    is used when none is given, so scenarios on the same units are prepared once)."""
    from ..analysis.siting.scenarios import compare
    from .impact_cache import ImpactCache
    from .site_impact import run_sites

    names = [sc.name for sc, _ in scenarios]
    dup = next((n for i, n in enumerate(names) if n in names[:i]), None)
    if dup is not None:
        raise InputError(code="analysis.siting.scenario.duplicate_name", name=dup)
    for sc, _src in scenarios:
        if len(sc.sites) == 0:
            raise InputError(code="analysis.siting.scenario.empty", name=sc.name)
    cache = cache if cache is not None else ImpactCache()
    reports = []
    for k, (sc, src) in enumerate(scenarios):
        feedback.check()
        sub = SubFeedback(feedback, 0.05 + 0.9 * k / len(scenarios), 0.05 + 0.9 * (k + 1) / len(scenarios))
        ireq = impact_request(req, sc)
        is_file = src is not None and req.project is None
        reports.append(run_sites(replace(ireq, site=LayerSource(Path(src))) if is_file else ireq, sc.sites, sub,
                                 cache=cache))
    warnings = list(dict.fromkeys(w for r in reports for w in r.warnings))
    inputs = {k: str(getattr(req, k).path) for k in ("forest", "wetland", "protected", "redline", "farmland",
                                                     "grassland") if getattr(req, k)}
    inputs.update({f"scenario:{sc.name}": src for sc, src in scenarios if src is not None})
    feedback.progress(1.0, "完成 done")
    return SiteCompareReport(
        scenarios=[{"name": sc.name, "year": sc.year, "unit": sc.unit, "sites": len(sc.sites)} for sc, _ in scenarios],
        comparison=compare([sc for sc, _ in scenarios], reports), reports=reports, warnings=warnings, inputs=inputs)


def write_outputs(report: SiteCompareReport, req: SiteCompareRequest) -> list[Output]:
    """``--out``: the table as .csv or .xlsx (words in the interface language, the data label in the first
    column), or the whole report as .json."""
    if req.out is None:
        return []
    from ..core.messages import current_language, is_chinese
    from ..export.ledger_table import DATA_COLUMN, data_label
    from ..export.tables import write_table
    from ..io.atomic import write_json
    from ..io.write_errors import output_error

    try:
        if req.out.suffix.lower() == ".json":
            write_json(req.out, report.to_json())
        else:
            lang = current_language()
            meta = {"job": "site.compare", "data": report.data, "data_label": data_label(report.synthetic),
                    **{f"input:{k}": v for k, v in report.inputs.items()}}
            write_table(report.comparison.to_frame(lang), req.out, meta=meta, label=data_label(report.synthetic),
                        label_column=DATA_COLUMN[1 if is_chinese(lang) else 0])
    except OSError as exc:
        raise output_error(req.out, exc) from None
    return [Output(req.out, kind="table", name=req.out.name)]


def _impact_param(name: str) -> Param:
    return SITE_IMPACT.param(name)


SITE_COMPARE = register(Job(
    id="site.compare",
    title=Text("选址方案比较", "Compare siting scenarios"),
    help=Text("多个选址方案并列比较：各方案的占用森林面积与蓄积、损失的 CO₂、湿地、自然保护地与生态保护红线，以及所涉区县和城市"
              "台账指标在建设后与规划目标的对照和达标状态变化。方案来自场址图层（--scenario 名称=文件）或项目中保存的方案"
              "（--project）。未给出图层时使用合成演示数据（报告中注明）。",
              "Siting scenarios side by side: each scenario's forest area and stock cleared, CO₂ lost, wetland, "
              "protected areas and red line, and every affected county's and city's plan indicators after the sites "
              "against the targets, with the status changes. Scenarios are site layers (--scenario NAME=FILE) or "
              "those saved in a project (--project). With no layer given it runs on the synthetic demo world."),
    params=(
        Param("scenario", "fields", Text("方案", "Scenario"),
              Text("方案名称=场址图层文件（面，或按技术类型确定占地的点）；可重复，按给出顺序并列",
                   "NAME=FILE: a scenario's site layer (polygons, or points given a technology); repeatable, "
                   "shown in the order given"),
              repeatable=True, metavar="NAME=FILE", default={}),
        Param("project", "file", Text("项目文件", "Project file"),
              Text("比较项目中保存的全部方案", "compare every scenario saved in this project"), metavar="FILE",
              suffixes=(".sinkmap",)),
        Param("year", "year", Text("目标年", "Target year"),
              Text("对照的目标年份，如 2030（--project 时默认用各方案自己的年份）",
                   "target year, e.g. 2030 (with --project: each scenario's own year by default)"),
              minimum=2000, maximum=2100),
        _impact_param("tech"), _impact_param("capacity_mw"), _impact_param("city"), _impact_param("county"),
        layer_param("forest", "forest", "森林小班", "Forest subcompartments", "森林小班面图层", "forest subcompartment (小班) polygons"),
        layer_param("wetland", "wetland", "湿地", "Wetlands", "湿地面图层", "wetland polygons"),
        layer_param("protected", "protected", "自然保护地", "Protected areas", "自然保护地面图层", "protected areas polygons"),
        layer_param("redline", "redline", "生态保护红线", "Ecological red line", "生态保护红线面图层",
               "ecological red line (生态保护红线) polygons"),
        *RULE_PARAMS, _impact_param("target_files"), _impact_param("encoding"), _impact_param("crs"),
        Param("out", "output", Text("输出文件", "Output file"),
              Text("写出：.csv、.xlsx（比较表）或 .json（完整报告）", "write .csv, .xlsx (the table) or .json (the report)"),
              suffixes=(".csv", ".xlsx", ".json"), metavar="FILE"),
    ),
    exclusive=(Exclusive("scenarios", ("scenario", "project"), required=True, title=Text("方案", "Scenarios")),
               Exclusive("units", ("city", "county"), title=Text("统计单元", "Units"))),
    request=SiteCompareRequest,
    run=run_site_compare,
    write=write_outputs,
    menu=Text("选址", "Siting"),
    demo_roles=SITE_IMPACT.demo_roles,
))


__all__ = ["SITE_COMPARE", "SiteCompareReport", "SiteCompareRequest", "compare_scenarios", "impact_request",
           "run_site_compare"]
