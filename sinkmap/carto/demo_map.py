"""The map the application opens on first start: the demo world (synthetic data) over real county
boundaries — which demo layers, in which drawing order, which switched on, in which style. The demo's
files are generated on demand by ``sinkmap.demo`` under ``data_home()/demo``; the caller passes their
paths (``sinkmap.demo.generate.demo_layers``) and the layer names in the interface language. No Qt."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from ..core.project import LayerSpec, Style
from ..io.layerdata.loaders import BUILTIN_BOUNDARIES
from ..io.layerdata.roles import kind_of_path
from .styles import ROLE_STYLES

#: Drawing order of demo roles (first = bottom); roles not listed are not added (fine DEM tiles).
ROLE_ORDER = ("dem", "landcover", "farmland", "forest", "wetland", "redline", "protected", "roads", "boundary",
              "substations", "projects")
#: Demo layers added but switched off at first (the user turns them on in the layer tree).
HIDDEN_AT_START = frozenset({"landcover", "farmland", "redline", "substations"})
def demo_cities() -> tuple[str, ...]:
    """The cities the demo world covers: the plan cities of the targets file."""
    from ..io.targets import plan_cities

    return plan_cities()


def boundary_layer(*cities: str, name: str) -> LayerSpec:
    """The bundled county boundaries of one or more cities (``layer`` holds them comma-separated)."""
    return LayerSpec(name=name, path=BUILTIN_BOUNDARIES, layer=",".join(cities), role="boundary",
                     style=Style.from_dict(ROLE_STYLES["boundary"].to_dict()))


def demo_layer_specs(layers: Mapping[str, object], name_of_role: Callable[[str], str]) -> list[LayerSpec]:
    """LayerSpecs for the demo world's ``layers`` (role -> path or (path, layer)), named by
    ``name_of_role``; roles not in :data:`ROLE_ORDER` are left out."""
    specs = []
    for role, value in layers.items():
        if role not in ROLE_ORDER:
            continue
        src, layer = (value if isinstance(value, (tuple, list)) else (value, None))
        kind = kind_of_path(src)
        spec = LayerSpec(name=name_of_role(role), path=str(Path(src)), layer=layer, kind=kind, role=role)
        if role in ROLE_STYLES:
            spec.style = Style.from_dict(ROLE_STYLES[role].to_dict())
        spec.visible = role not in HIDDEN_AT_START
        specs.append(spec)
    return specs


def demo_extent(specs: list[LayerSpec], display_crs: str) -> tuple[float, float, float, float] | None:
    """Union of the visible layers' header extents: the first view, before any layer is loaded."""
    from ..io.layerdata.loaders import quick_extent

    boxes = [b for s in specs if s.visible and (b := quick_extent(s, display_crs)) is not None]
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
