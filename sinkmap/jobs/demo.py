"""The demo-world job: generate the synthetic demo world (labelled synthetic in every file and layer)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.feedback import Feedback
from .base import DATA_DEMO, Job, Output, Param, Report, Text
from .registry import register


@dataclass
class DemoRequest:
    out: Path | None = None
    seed: int | None = None
    force: bool = False


@dataclass
class DemoReport(Report):
    path: Path | None = None
    layers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"path": str(self.path), "layers": dict(self.layers), **self.base_json()}


#: Demo layers the app adds after a run, with their roles (the rest stay in the folder).
_SHOWN = ("forest", "wetland", "protected", "projects", "landcover")


def run_demo(request: DemoRequest, feedback: Feedback) -> DemoReport:
    from ..demo.generate import DEFAULT_SEED, demo_layers, generate_demo

    manifest = generate_demo(out_dir=request.out, force=request.force, feedback=feedback,
                             seed=DEFAULT_SEED if request.seed is None else request.seed)
    layers = demo_layers(manifest.path)
    from ._warmup import prepare_app_layers, warm_up_all

    warm_up_all(feedback)  # compile every kernel now, so the first ledger, siting or PHES run does not wait for numba
    if request.out is None:  # the app's demo: its layers prepared for the map, so the app's first start is quick
        prepare_app_layers(layers)
    outputs = [Output(Path(layers[k][0]), kind="raster" if layers[k][1] is None else "vector", layer=layers[k][1],
                      role=k, name=layers[k][1] or Path(layers[k][0]).name) for k in _SHOWN if k in layers]
    return DemoReport(path=manifest.path, layers=dict(manifest.layers), seconds=manifest.seconds, outputs=outputs,
                      data=DATA_DEMO, demo_layers=list(layers))


DEMO = register(Job(
    id="demo",
    title=Text("生成演示数据", "Generate the demo world"),
    help=Text("在真实区县边界上生成合成演示数据（DEM、土地覆被、森林小班、湿地、保护地、规划项目等），"
              "每个文件和图层都标注“演示数据/synthetic”。",
              "Generate the synthetic demo world on the real county boundaries (DEM, land cover, forest "
              "subcompartments, wetlands, protected areas, plan projects…), labelled synthetic in every file "
              "and layer."),
    params=(
        Param("out", "folder", Text("输出文件夹", "Folder"),
              Text("输出文件夹（默认：用户数据文件夹）", "folder (default: the user data folder)"), metavar="DIR"),
        Param("seed", "integer", Text("随机种子", "Random seed"),
              Text("随机种子（相同种子，相同结果）", "random seed (same seed, same output)"), minimum=0,
              maximum=2**32 - 1, advanced=True),
        Param("force", "bool", Text("强制重新生成", "Regenerate"),
              Text("即使已存在也重新生成", "regenerate even if it exists"), default=False),
    ),
    request=DemoRequest,
    run=run_demo,
    menu=Text("数据", "Data"),
))
