"""What a demo world folder holds: its file and layer names, the generation options and the manifest.

Shared by :mod:`sinkmap.demo.generate` (the library API) and :mod:`sinkmap.demo.world` (the pipeline),
so neither imports the other back. The demo's cities are the plan cities of the targets file
(:func:`sinkmap.io.targets.plan_cities`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

DEMO_VERSION = "3"  # 2: the high-mountain conifers are 针叶混 (were 黄山松, not in the carbon table);
# 3: 小班 carry 林地保护等级 BH_DJ, and a 基本草原 layer (both synthetic; the ledger's figures are unchanged)
DEFAULT_SEED = 20231
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
    "grassland": "基本草原_演示数据_synthetic",
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


__all__ = ["DEFAULT_SEED", "DEMO_VERSION", "DEM_FILE", "FINE_DEM_FILE", "GPKG_FILE", "LANDCOVER_FILE", "LAYER_NAMES",
           "MANIFEST_FILE", "DemoManifest", "DemoOptions"]
