"""Every numba kernel compiled ahead, in one call (issue 15): ``sinkmap demo`` and the app's first start.

:func:`warm_up_all` runs the zonal, siting and pumped-storage warm-ups
(``sinkmap.analysis.{zonal,siting,phes}.warmup``) and the streamed suitability engine of ``site.suitability``
on the demo world's 芙蓉区 (61 × 160 cells) for photovoltaics and wind, so a user's first ledger, siting run
or PHES search loads machine code from numba's disk cache instead of compiling (10–60 s on a fresh install).
A visible one-time message says what is happening. :func:`kernels_cached` tells whether a warm-up is still
due (the app asks it before starting one in a worker process).
"""

from __future__ import annotations

import os
from pathlib import Path

from ..core.feedback import Feedback, SubFeedback, ensure

#: The demo county the suitability engine is compiled on (the smallest grid of the demo world).
COUNTY = "芙蓉区"
#: One index file of each warm-up's kernels (numba names them ``<module>.<function>-<line>.py<ver>.nbi``).
MARKERS = {"zonal": ("zonal", "kernels.accumulate_classes-"), "siting": ("siting", "regions._label-"),
           "stream": ("siting", "stream._fused-"), "phes": ("phes", "hydro.fill_eps-")}


def demo_ready() -> bool:
    """Is the demo world built (the suitability engine's warm-up runs on it; never builds it by itself)?"""
    from ..demo.generate import DemoOptions, _is_current, demo_dir

    return _is_current(demo_dir(), DemoOptions())


def _siting_engine(feedback: Feedback) -> None:
    if not demo_ready():  # e.g. the app opened on a project before any demo: compiled on the first real run
        return
    from ..demo.generate import demo_layers, ensure_demo
    from . import registry
    from .base import apply_demo_world
    from .site_suitability import compute_suitability

    dem = demo_layers(ensure_demo())["dem"][0]  # any raster over the county stands in for a resource raster
    job = registry.get("site.suitability")
    for tech, block_rows in (("pv", None), ("wind", 16)):  # in blocks too: the patches' union across blocks
        values = {"tech": tech, "county": COUNTY, "out": "warm-up.tif", "min_area": 3.0, "resource": str(dem)}
        request, _ = apply_demo_world(job, job.make_request(values), feedback)
        compute_suitability(request, SubFeedback(feedback, 0.0, 0.0), block_rows=block_rows)
        feedback.check()


def warm_up_all(feedback: Feedback | None = None, *, engine: bool = True) -> None:
    """Compile (or load) every kernel; ``engine=False`` leaves out the suitability engine (it needs the demo)."""
    from ..analysis.phes.warmup import warm_up as phes
    from ..analysis.siting.warmup import warm_up as siting
    from ..analysis.zonal.warmup import warm_up as zonal
    from ..core.messages import render

    feedback = ensure(feedback)
    zonal(SubFeedback(feedback, 0.0, 0.3))  # says analysis.warmup.compiling / done itself
    feedback.progress(0.3, render("analysis.warmup.siting"))
    siting(feedback)
    if engine:
        _siting_engine(feedback)
    feedback.progress(0.65, render("analysis.warmup.phes"))
    phes(feedback)
    feedback.progress(1.0, render("analysis.warmup.all_done"))


def _cache_roots() -> list[Path]:
    """Where numba keeps (or would keep) the index files: NUMBA_CACHE_DIR, else next to the modules
    (``__pycache__``), and numba's user-wide fallback when the package folder is read-only."""
    env = os.environ.get("NUMBA_CACHE_DIR")
    if env:
        return [Path(env)]
    analysis = Path(__file__).resolve().parents[1] / "analysis"
    roots = [analysis]
    try:
        from numba.misc.appdirs import AppDirs

        roots.append(Path(AppDirs(appname="numba", appauthor=False).user_cache_dir))
    except Exception:  # noqa: BLE001 - numba's private helper moved: the package folders still count
        pass
    return roots


def kernels_cached() -> bool:
    """True when an index file of every warm-up's kernels exists (for this Python): no warm-up due. The
    suitability engine's counts only once the demo world exists (its warm-up needs it)."""
    import sys

    tag = f".py{sys.version_info.major}{sys.version_info.minor}.nbi"
    roots = [r for r in _cache_roots() if r.is_dir()]
    markers = {k: v for k, v in MARKERS.items() if k != "stream" or demo_ready()}
    for _package, prefix in markers.values():
        if not any(p.name.endswith(tag) for r in roots for p in r.rglob(f"{prefix}*")):
            return False
    return True


def prepare_app_layers(layers, feedback: Feedback | None = None) -> int:
    """Fill the layer cache with the demo's visible vector layers as the app draws them (its default display
    CRS), so the app's first start after ``sinkmap demo`` reads prepared arrays instead of the GeoPackage.
    ``layers``: ``demo_layers(...)`` (role -> path or (path, layer)). Returns how many layers were prepared."""
    from ..carto.demo_map import demo_layer_specs
    from ..core.project import Project
    from ..io.layerdata.loaders import load_layer_cached

    feedback = ensure(feedback)
    crs = Project().display_crs
    specs = [s for s in demo_layer_specs(layers, lambda role: role) if s.visible and s.kind == "vector"]
    for i, spec in enumerate(specs):
        load_layer_cached(spec, crs)
        feedback.progress((i + 1) / len(specs))
        feedback.check()
    return len(specs)
