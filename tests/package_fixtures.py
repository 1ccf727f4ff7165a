"""Field packages the package tests share, each built once per test session (they take seconds each).

* :func:`demo_package` — 芙蓉区 (a small county) on the demo world, plus a hand-made siting-exclusions GeoTIFF
  tagged as made from the demo, with the optional GCJ-02 KMZ.
* :func:`project_package` — 芙蓉区 from a saved project: the demo forest with a graduated style, the
  wetlands switched off, the land cover, and a point layer of hostile values with a hostile layer name.

Each returns the zip, the folder it was unzipped into (moved away from where it was made) and the
manifest.
"""

from __future__ import annotations

import atexit
import functools
import json
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

COUNTY = "芙蓉区"
HOSTILE_LAYER = "CON/../../evil<&>"  # a GeoPackage layer name GDAL accepts: separators, "..", a Windows device, markup
HOSTILE_VALUES = [
    "]]></Placemark><script>alert(1)</script>",
    "甲 & 乙 \"引号\" 'single'",
    '<a href="http://example.com/x">点我</a><style>*{display:none}</style>',
    "控制\x01字符",
    "生僻字𠀀丙",
]
_ROOT = Path(tempfile.mkdtemp(prefix="sinkmap-pkg-tests-"))
atexit.register(shutil.rmtree, _ROOT, True)


@dataclass
class Built:
    zip: Path
    folder: Path  # the unzipped package folder, moved elsewhere
    manifest: dict
    report: object


def _unzip_and_move(zip_path: Path, name: str) -> Path:
    where = _ROOT / f"unzipped_{name}"
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(where)
    (top,) = [p for p in where.iterdir()]
    moved = _ROOT / "elsewhere" / name / top.name
    moved.parent.mkdir(parents=True)
    shutil.move(str(top), moved)
    return moved


def county_geometry():
    from sinkmap.io.boundaries import load_units

    return load_units(county=COUNTY).geometry.iloc[0]


def siting_tiff(path: Path) -> Path:
    """A 2-band float64 GeoTIFF over the county's box with the tags site.exclusions writes (demo data)."""
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin

    x0, y0, x1, y1 = county_geometry().bounds
    res = 0.0025
    w, h = int((x1 - x0) / res) + 2, int((y1 - y0) / res) + 2
    cols = np.arange(w)[None, :].repeat(h, 0)
    band1 = np.where(cols % 3 == 0, 0.0, np.where(cols % 3 == 1, 0.5, 1.0))
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=2, dtype="float64", crs="EPSG:4490",
                       transform=from_origin(x0 - res, y1 + res, res, res), nodata=-1.0) as ds:
        ds.write(band1, 1)
        ds.write(np.zeros((h, w)), 2)
        ds.update_tags(SITING_TECH="pv", SITING_DATA="synthetic_demo", SITING_UNIT=COUNTY, SITING_RULES="[]")
    return path


@functools.cache
def demo_package() -> Built:
    from sinkmap.jobs import registry
    from sinkmap.jobs.base import run_job

    folder = _ROOT / "demo"
    folder.mkdir()
    tif = siting_tiff(folder / "pv_exclusions.tif")
    job = registry.get("export.package")
    out = folder / "furong_demo.zip"
    report = run_job(job, job.make_request({"county": COUNTY, "layers": [str(tif)], "gcj02_kmz": True,
                                            "out": str(out)}))
    moved = _unzip_and_move(out, "demo")
    return Built(out, moved, json.loads((moved / "manifest.json").read_text(encoding="utf-8")), report)


def hostile_layer(path: Path) -> Path:
    import geopandas as gpd
    import shapely

    area = county_geometry()
    c = shapely.point_on_surface(area)
    points = [shapely.Point(c.x + 0.001 * k, c.y) for k in range(len(HOSTILE_VALUES))]
    frame = gpd.GeoDataFrame({"名称": HOSTILE_VALUES, "类型": ["采样点"] * len(points),
                              'a"b<c': list(range(len(points))), "值": [1.5 * k for k in range(len(points))]},
                             geometry=points, crs="EPSG:4490")
    frame.to_file(path, layer=HOSTILE_LAYER, driver="GPKG")
    return path


@functools.cache
def project_package() -> Built:
    from sinkmap.carto.colors import ramp_colors
    from sinkmap.core.project import LayerSpec, Project, Style
    from sinkmap.demo.generate import demo_layers, ensure_demo
    from sinkmap.io.project_file import save_project
    from sinkmap.jobs import registry
    from sinkmap.jobs.base import run_job

    folder = _ROOT / "project"
    folder.mkdir()
    demo = demo_layers(ensure_demo())
    hostile = hostile_layer(folder / "hostile.gpkg")
    project = Project(year=2030, layers=[
        LayerSpec(name="土地覆盖", path=str(demo["landcover"][0]), kind="raster", role="landcover",
                  style=Style(kind="classes", scheme="sandiao", opacity=0.8)),
        LayerSpec(name="小班蓄积", path=str(demo["forest"][0]), layer=demo["forest"][1], role="forest",
                  style=Style(kind="graduated", field="MEI_GQ_XJ", breaks=[0, 50, 100, 150, 400],
                              colors=ramp_colors("greens", 4), stroke="#2f6b34", stroke_width=0.3)),
        LayerSpec(name="湿地", path=str(demo["wetland"][0]), layer=demo["wetland"][1], role="wetland", visible=False,
                  style=Style(fill="#7ab8e0", stroke="#2a6ea6")),
        LayerSpec(name=HOSTILE_LAYER, path=str(hostile), layer=HOSTILE_LAYER, role=None,
                  style=Style(fill="#e15759", point_size=8, label_field="名称")),
    ])
    save_project(project, folder / "p.sinkmap")
    job = registry.get("export.package")
    out = folder / "furong_project.zip"
    report = run_job(job, job.make_request({"county": COUNTY, "project": str(folder / "p.sinkmap"), "out": str(out)}))
    moved = _unzip_and_move(out, "project")
    return Built(out, moved, json.loads((moved / "manifest.json").read_text(encoding="utf-8")), report)


def layer_entry(built: Built, *, role: str | None = None, id: str | None = None) -> dict:
    return next(e for e in built.manifest["layers"]
                if (role is None or e["role"] == role) and (id is None or e["id"] == id))
