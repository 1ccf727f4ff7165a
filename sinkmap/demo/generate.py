"""``sinkmap demo``: generate the synthetic demo world on the real county maps of 长沙, 株洲, 邵阳, 郴州.

Library API (the CLI and the GUI are thin shells over it):

* :func:`generate_demo` — build everything into a folder (default :func:`demo_dir`), return a
  :class:`DemoManifest`; a fixed seed gives identical data.
* :func:`ensure_demo` — the demo folder, generated first if missing or outdated.
* :func:`demo_layers` — {key: (path, layer)} of the generated layers, for the ledger and the map.

Everything written is labelled synthetic: file and layer names contain 演示/synthetic, raster tags and
GeoPackage metadata carry ``SINKMAP_SYNTHETIC=yes`` and the description "synthetic demo data — not real
inventory", every feature has ``SJLY = 演示数据（合成）synthetic demo``, and ``manifest.json`` says so.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from ..core.jsonutil import dumps
from ..core.errors import InputError
from ..core.messages import clip
from ..core.feedback import Feedback, ensure

from . import demo_dir  # noqa: F401 - part of this module's API
from .manifest import (DEFAULT_SEED, DEM_FILE, DEMO_VERSION, FINE_DEM_FILE, GPKG_FILE, LANDCOVER_FILE,  # noqa: F401
                       LAYER_NAMES, MANIFEST_FILE, DemoManifest, DemoOptions)


def _is_current(folder: Path, options: DemoOptions) -> bool:
    try:
        m = DemoManifest.read(folder)
    except (OSError, ValueError, KeyError):
        return False
    if m.options != options.key():
        return False
    return all((folder / f).exists() for f in m.files)


def generate_demo(out_dir: str | os.PathLike[str] | None = None, seed: int = DEFAULT_SEED, force: bool = False,
                  feedback: Feedback | None = None, small: bool = False,
                  counties: list[str] | tuple[str, ...] | None = None, fine_dem: bool = True) -> DemoManifest:
    """Generate the demo world into ``out_dir`` (default :func:`demo_dir`) and return its manifest.

    An existing demo with the same options is kept unless ``force``. Files appear atomically: everything is
    written to a temporary folder next to the destination and moved into place at the end (the manifest
    last), so a cancelled or failed run leaves the previous demo as it was.
    """
    feedback = ensure(feedback)
    options = DemoOptions(seed=int(seed), small=bool(small),
                          counties=tuple(counties) if counties else None, fine_dem=bool(fine_dem))
    folder = Path(out_dir) if out_dir is not None else demo_dir()
    if folder.exists() and not folder.is_dir():
        raise InputError(code="demo.out_is_file", path=folder)
    if not force and _is_current(folder, options):
        feedback.progress(1.0, "演示数据已存在 demo world already there")
        return DemoManifest.read(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(code="demo.cannot_create_folder", path=folder, detail=clip(exc.strerror or exc)) from None
    tmp = Path(tempfile.mkdtemp(prefix=".demo-", suffix=f"-{uuid.uuid4().hex[:6]}", dir=folder))
    try:
        manifest = _build(tmp, options, feedback)
        for name in manifest.files:
            stale = folder / f"{name}.aux.xml"  # GDAL side file describing the previous version
            if stale.exists():
                stale.unlink()
            os.replace(tmp / name, folder / name)
        manifest.path = folder
        text = dumps(manifest.to_json())
        (tmp / MANIFEST_FILE).write_text(text, encoding="utf-8")
        os.replace(tmp / MANIFEST_FILE, folder / MANIFEST_FILE)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    feedback.progress(1.0, "演示数据完成 demo world done")
    return manifest


def ensure_demo(feedback: Feedback | None = None) -> Path:
    """The default demo folder, generated first if it is missing or was made by another version."""
    folder = demo_dir()
    if not _is_current(folder, DemoOptions()):
        generate_demo(folder, feedback=feedback)
    return folder


def demo_layers(path: str | os.PathLike[str]) -> dict[str, tuple[Path, str | None]]:
    """{key: (file, layer)} for forest, wetland, protected, redline, farmland, roads, substations, projects
    (GeoPackage layers) and dem, landcover (GeoTIFFs, layer None); fine DEMs as ``dem_1s:<county>``."""
    folder = Path(path)
    if not (folder / MANIFEST_FILE).exists():
        raise InputError(code="demo.not_demo_folder", path=folder)
    m = DemoManifest.read(folder)
    out: dict[str, tuple[Path, str | None]] = {k: (folder / GPKG_FILE, v) for k, v in LAYER_NAMES.items()}
    out["dem"] = (folder / DEM_FILE, None)
    out["landcover"] = (folder / LANDCOVER_FILE, None)
    for name, info in m.files.items():
        if info.get("kind") == "fine_dem":
            out[f"dem_1s:{info['county']}"] = (folder / name, None)
    return out



def _build(tmp: Path, options: DemoOptions, feedback: Feedback) -> DemoManifest:
    from . import world

    start = time.perf_counter()
    pool = ThreadPoolExecutor(max_workers=2)  # raster compression, fine DEMs, farmland overlap the rest
    pending: list[Future] = []
    try:
        result = world.build(tmp, options, pool, pending, feedback)
        for fut in pending:
            fut.result()
    except BaseException:
        for fut in pending:
            fut.cancel()
        raise
    finally:
        pool.shutdown(wait=True)
    result.manifest.seconds = round(time.perf_counter() - start, 1)
    return result.manifest


__all__ = ["generate_demo", "ensure_demo", "demo_layers", "demo_dir", "DemoManifest", "DemoOptions",
           "LAYER_NAMES"]
