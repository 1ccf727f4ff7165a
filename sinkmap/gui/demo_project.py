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
            "projects": tr("规划项目（演示）"), "landcover": tr("土地覆盖·三调（演示）"),
            "dem": tr("数字高程模型（演示）"), "redline": tr("生态保护红线（演示）"),
            "farmland": tr("永久基本农田（演示）"), "roads": tr("道路（演示）"),
            "substations": tr("变电站（演示）")}.get(role, role)


#: Drawing order of demo roles (first = bottom); roles not listed are not added (fine DEM tiles).
ROLE_ORDER = ("dem", "landcover", "farmland", "forest", "wetland", "redline", "protected", "roads", "boundary",
              "substations", "projects")
#: Demo layers added but switched off at first (the user turns them on in the layer tree).
HIDDEN_AT_START = frozenset({"landcover", "farmland", "redline", "substations"})
#: The cities the demo world covers (the four plan cities).
DEMO_CITIES = ("长沙市", "株洲市", "邵阳市", "郴州市")


def boundary_layer(*cities: str) -> LayerSpec:
    """The bundled county boundaries of one or more cities (``layer`` holds them comma-separated)."""
    name = tr("{0}区县界").format(cities[0]) if len(cities) == 1 else tr("区县界（{0}）").format("、".join(cities))
    return LayerSpec(name=name, path=BUILTIN_BOUNDARIES, layer=",".join(cities), role="boundary",
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
        if role not in ROLE_ORDER:
            continue
        src, layer = (value if isinstance(value, (tuple, list)) else (value, None))
        kind = kind_of_path(src)
        spec = LayerSpec(name=demo_layer_name(role), path=str(Path(src)), layer=layer, kind=kind, role=role)
        if role in ROLE_STYLES:
            spec.style = Style.from_dict(ROLE_STYLES[role].to_dict())
        spec.visible = role not in HIDDEN_AT_START
        specs.append(spec)
    return specs


def demo_extent(specs: list[LayerSpec], display_crs: str) -> tuple[float, float, float, float] | None:
    """Union of the visible layers' header extents: the first view, before any layer is loaded."""
    from .layers.loaders import quick_extent

    boxes = [b for s in specs if s.visible and (b := quick_extent(s, display_crs)) is not None]
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def demo_project(city: str = "长沙市", year: int = 2025, feedback: Feedback | None = None) -> Project:
    specs = demo_layer_specs(feedback) + [boundary_layer(*DEMO_CITIES)]
    specs.sort(key=lambda s: ROLE_ORDER.index(s.role) if s.role in ROLE_ORDER else len(ROLE_ORDER))
    return Project(layers=specs, city=city, year=year)
