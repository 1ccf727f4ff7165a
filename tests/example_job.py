"""A tiny job added in one module — the example of issue 9: nothing else is edited for it to appear in
``sinkmap --help``, ``sinkmap jobs`` and the app's job menu with a generated dialog.

``example.count`` counts the features of a vector layer whose numeric field is at least a threshold, and
optionally writes the count to a CSV file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sinkmap.jobs.base import Job, LayerSource, Output, Param, Report, Text
from sinkmap.jobs.registry import register


@dataclass
class CountRequest:
    layer: LayerSource
    field: str
    minimum: float = 0.0
    out: Path | None = None


@dataclass
class CountReport(Report):
    count: int = 0
    total: int = 0

    def summary(self, lang=None):
        return [f"{self.count} / {self.total}"] + super().summary(lang)

    def to_json(self):
        return {"count": self.count, "total": self.total, **self.base_json()}


def run_count(request: CountRequest, feedback) -> CountReport:
    from sinkmap.io.vectors import read_vector

    frame = read_vector(request.layer.path, layer=request.layer.layer, feedback=feedback)
    count = int((frame[request.field] >= request.minimum).sum())
    outputs = []
    if request.out is not None:
        request.out.write_text(f"count\n{count}\n", encoding="utf-8")
        outputs.append(Output(request.out, kind="table"))
    return CountReport(count=count, total=len(frame), outputs=outputs)


EXAMPLE = register(Job(
    id="example.count",
    title=Text("计数示例", "Count example"),
    help=Text("统计字段值不小于阈值的要素个数", "count the features whose field is at least a threshold"),
    params=(
        Param("layer", "layer", Text("图层", "Layer"), Text("矢量图层", "a vector layer"), required=True),
        Param("field", "text", Text("字段", "Field"), Text("数值字段", "a numeric field"), required=True),
        Param("minimum", "number", Text("阈值", "Threshold"), Text("最小值", "the least value counted"),
              default=0.0, minimum=0, maximum=1e9),
        Param("out", "output", Text("输出", "Output"), Text("CSV 文件", "a CSV file"), suffixes=(".csv",)),
    ),
    request=CountRequest,
    run=run_count,
    menu=Text("示例", "Examples"),
))
