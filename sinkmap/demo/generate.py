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

import json
import os
import shutil
import tempfile
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..core.jsonutil import json_default
from ..core.errors import InputError
from ..core.messages import clip
from ..core.feedback import Feedback, ensure
from ..io.catalogue import data_home

DEMO_VERSION = "1"
DEFAULT_SEED = 20231
CITIES = ("长沙市", "株洲市", "邵阳市", "郴州市")
GPKG_FILE = "sinkmap_demo_synthetic.gpkg"
DEM_FILE = "dem_3arcsec_demo_synthetic.tif"
LANDCOVER_FILE = "landcover_sandiao_demo_synthetic.tif"
FINE_DEM_FILE = "dem_1arcsec_{adcode}_demo_synthetic.tif"
MANIFEST_FILE = "manifest.json"
LAYER_NAMES = {
    "forest": "小班_演示数据_synthetic",
    "wetland": "湿地_演示数据_synthetic",
    "protected": "自然保护地_演示数据_synthetic",
    "redline": "生态保护红线_演示数据_synthetic",
    "farmland": "永久基本农田_演示数据_synthetic",
    "roads": "道路_演示数据_synthetic",
    "substations": "变电站_演示数据_synthetic",
    "projects": "规划项目_演示数据_synthetic",
}


@dataclass(frozen=True)
class DemoOptions:
    """What to generate. ``small``: a coarse world (DEM 9″, land cover 27″) in a few seconds, for tests and
    quick looks; ``counties``: only these counties (names as in the boundaries)."""

    seed: int = DEFAULT_SEED
    small: bool = False
    counties: tuple[str, ...] | None = None
    fine_dem: bool = True

    @property
    def dem_res(self) -> float:
        return 1 / 400 if self.small else 1 / 1200

    @property
    def stream_spacing(self) -> float:
        """Spacing (degrees) of the tributary sources: fewer, longer streams in the small world."""
        return 0.11 if self.small else 0.065

    @property
    def cell_deg(self) -> float:
        return 0.04 if self.small else 0.021

    def key(self) -> dict[str, Any]:
        return {"seed": self.seed, "small": self.small, "counties": list(self.counties or []),
                "fine_dem": self.fine_dem, "version": DEMO_VERSION}


@dataclass
class DemoManifest:
    """What a demo folder holds (also written as ``manifest.json``)."""

    path: Path
    seed: int
    version: str
    label: str
    options: dict[str, Any]
    layers: dict[str, str]  # key -> "file" or "file | layer" (printable)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    calibration: dict[str, Any] = field(default_factory=dict)
    counties: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["path"] = str(self.path)
        d["synthetic"] = True
        d["label_zh"] = "演示数据（合成），非真实调查数据"
        return d

    @classmethod
    def read(cls, folder: Path) -> "DemoManifest":
        doc = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
        return cls(path=folder, seed=int(doc["seed"]), version=str(doc["version"]), label=str(doc["label"]),
                   options=dict(doc.get("options", {})), layers=dict(doc.get("layers", {})),
                   files=dict(doc.get("files", {})), calibration=dict(doc.get("calibration", {})),
                   counties=dict(doc.get("counties", {})), seconds=float(doc.get("seconds", 0.0)),
                   notes=list(doc.get("notes", [])))


def demo_dir() -> Path:
    """Default folder of the demo world: ``data_home()/demo`` (``$SINKMAP_HOME`` moves data_home)."""
    return data_home() / "demo"


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
        text = json.dumps(manifest.to_json(), ensure_ascii=False, indent=2, default=json_default)
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
           "LAYER_NAMES", "CITIES"]
