"""The targets job: the sink targets transcribed from the city plans, with their sources."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.feedback import Feedback
from .base import Job, Param, Report, Text
from .registry import register


@dataclass
class TargetsRequest:
    city: str | None = None
    year: int | None = None
    target_files: list[Path] = field(default_factory=list)


@dataclass
class TargetsReport(Report):
    targets: list = field(default_factory=list)  # core.indicators.Target
    absent: list[tuple[str, int, str, str]] = field(default_factory=list)  # city, year, indicator, reason
    city: str | None = None
    year: int | None = None

    def to_json(self) -> dict[str, Any]:  # the list, as `sinkmap targets --json` always printed it
        return [t.to_dict() for t in self.targets]  # type: ignore[return-value]


def run_targets(request: TargetsRequest, feedback: Feedback) -> TargetsReport:
    from ..io.targets import load_targets

    tset = load_targets(request.target_files, feedback=feedback)
    targets = tset.all()
    city = None
    if request.city:
        from ..io.boundaries import resolve_unit

        city = tset.resolve(resolve_unit(request.city).name)  # unknown names fail with the nearest names
        targets = tset.for_city(city)
    if request.year:
        targets = [t for t in targets if t.year == request.year]
    absent = [(c, y, ind, reason) for c in ([city] if city else tset.cities())
              for y in ([request.year] if request.year else tset.years(c)) for ind, reason in tset.absent(c, y)]
    return TargetsReport(targets=targets, absent=absent, city=city, year=request.year,
                         inputs={"targets": ", ".join(map(str, request.target_files))} if request.target_files else {})


TARGETS = register(Job(
    id="targets",
    title=Text("规划碳汇目标", "Plan sink targets"),
    help=Text("各城市碳达峰方案中的碳汇目标（森林覆盖率、蓄积量、湿地保护率…），附原文与出处；规划未设的目标注明原因。",
              "The sink targets transcribed from the city plans (forest coverage, stock, wetland protection…) with "
              "the sentence and its source; targets a plan does not set are listed with the reason."),
    params=(
        Param("city", "unit", Text("城市", "City"),
              Text("只看这个城市（长沙市、株洲市、邵阳市、郴州市、湖南湘江新区）",
                   "only this city (长沙市, 株洲市, 邵阳市, 郴州市, 湖南湘江新区)")),
        Param("year", "year", Text("目标年", "Target year"), Text("只看这个目标年", "only this target year"),
              minimum=2000, maximum=2100),
        Param("target_files", "file", Text("目标文件", "Targets file"),
              Text("用户目标文件（YAML/CSV），补充或覆盖内置目标；可重复",
                   "a user targets file (YAML/CSV) adding or overriding bundled targets; repeatable"),
              repeatable=True, flag="--targets", metavar="FILE", default=[], suffixes=(".yaml", ".yml", ".csv")),
    ),
    request=TargetsRequest,
    run=run_targets,
    menu=Text("规划", "Plans"),
    process=False,
))
