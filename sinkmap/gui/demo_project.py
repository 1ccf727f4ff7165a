"""The project the application opens on first start: the demo world (synthetic data) over real county
boundaries. The demo's files are generated on demand by ``sinkmap.demo`` under ``data_home()/demo``."""

from __future__ import annotations

import logging
from pathlib import Path

from ..core.feedback import Feedback, ensure
from ..core.project import LayerSpec, Project, Style
from .layers.registry import BUILTIN_BOUNDARIES
from .i18n import tr
from .styles import ROLE_STYLES, kind_of_path

log = logging.getLogger(__name__)


def demo_layer_name(role: str) -> str:
    return {"forest": tr("森林资源小班（演示）"), "wetland": tr("湿地（演示）"), "protected": tr("自然保护地（演示）"),
            "projects": tr("新能源项目（演示）"), "landcover": tr("土地覆盖·三调（演示）"),
            "dem": tr("数字高程模型（演示）")}.get(role, role)


#: Drawing order of demo roles (first = bottom).
ROLE_ORDER = ("dem", "landcover", "forest", "wetland", "protected", "boundary", "projects")


def boundary_layer(city: str) -> LayerSpec:
    return LayerSpec(name=tr("{0}区县界").format(city), path=BUILTIN_BOUNDARIES, layer=city, role="boundary",
                     style=Style.from_dict(ROLE_STYLES["boundary"].to_dict()))


def demo_layer_specs(feedback: Feedback | None = None) -> list[LayerSpec]:
    """LayerSpecs for the demo world's layers (generating it if needed); [] if the demo is unavailable."""
    feedback = ensure(feedback)
    try:
        from ..demo.generate import demo_layers, ensure_demo
    except ImportError:
        log.warning("the demo world generator (sinkmap.demo.generate) is not available")
        return []
    path = ensure_demo(feedback=feedback)
    specs = []
    for role, value in demo_layers(path).items():
        src, layer = (value if isinstance(value, (tuple, list)) else (value, None))
        kind = kind_of_path(src)
        spec = LayerSpec(name=demo_layer_name(role), path=str(Path(src)), layer=layer, kind=kind, role=role)
        if role in ROLE_STYLES:
            spec.style = Style.from_dict(ROLE_STYLES[role].to_dict())
        specs.append(spec)
    return specs


def demo_project(city: str = "长沙市", year: int = 2025, feedback: Feedback | None = None) -> Project:
    specs = demo_layer_specs(feedback) + [boundary_layer(city)]
    specs.sort(key=lambda s: ROLE_ORDER.index(s.role) if s.role in ROLE_ORDER else len(ROLE_ORDER))
    return Project(layers=specs, city=city, year=year)
