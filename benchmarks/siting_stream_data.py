"""Synthetic inputs (labelled synthetic) for the streamed siting benchmark, generated once into a cache folder.

郴州市 on a CGCS2000 lon/lat grid of about ``cells`` cells: a DEM (float32, smooth ridges and valleys plus
noise, DEFLATE + predictor 3, 512 × 512 tiles), a 三调 land-cover raster on the same grid (uint16, patches,
DEFLATE), and a GeoPackage with protected-area blobs, red-line blobs, roads (random-walk polylines) and
substations (points). Every file name and layer name says ``synthetic``.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CACHE = ROOT / "benchmarks" / "_data"
CODES = np.array([101, 102, 103, 301, 301, 301, 305, 401, 1101, 1103, 702, 1202], np.uint16)
ROWS = 512  # generation strip


def unit():
    import shapely

    from sinkmap.io.boundaries import load_units

    return shapely.union_all(load_units(city="郴州市").to_crs("EPSG:4490").geometry.to_numpy())


def grid_for(cells: float):
    from sinkmap.analysis.siting.grid import STREAM_MAX_CELLS, grid_from_resolution

    u = unit()
    x0, y0, x1, y1 = u.bounds
    r = math.sqrt((x1 - x0) * (y1 - y0) / cells)
    return u, grid_from_resolution(u, r, "郴州市", max_cells=STREAM_MAX_CELLS)


def ensure(cells: float) -> dict[str, Path]:
    """The inputs for ``cells`` cells (made on first use): dem, landcover, vectors (gpkg), rules, grid (json)."""
    u, grid = grid_for(cells)
    folder = CACHE / f"siting_stream_synthetic_{grid.width}x{grid.height}"
    out = {"dem": folder / "dem_synthetic.tif", "landcover": folder / "landcover_synthetic.tif",
           "vectors": folder / "vectors_synthetic.gpkg", "rules": folder / "rules_synthetic.yaml",
           "folder": folder}
    folder.mkdir(parents=True, exist_ok=True)
    if not out["dem"].exists():
        _rasters(grid, out)
    if not out["vectors"].exists():
        _vectors(u, out["vectors"])
    if not out["rules"].exists():
        _rules(out["rules"])
    (folder / "grid.json").write_text(json.dumps(grid.to_json()))
    return out


def _rasters(grid, out) -> None:
    import rasterio

    h, w = grid.shape
    t = grid.transform
    rng = np.random.default_rng(5)
    coarse = rng.integers(0, CODES.size, (h // 16 + 2, w // 16 + 2))
    kw = dict(driver="GTiff", width=w, height=h, count=1, crs="EPSG:4490", transform=t, tiled=True,
              blockxsize=512, blockysize=512, compress="DEFLATE")
    x = np.arange(w) / w * 40.0
    tmp_dem, tmp_lc = out["dem"].with_suffix(".part.tif"), out["landcover"].with_suffix(".part.tif")
    with rasterio.open(tmp_dem, "w", dtype="float32", predictor=3, nodata=-9999, **kw) as dem, \
            rasterio.open(tmp_lc, "w", dtype="uint16", nodata=0, **kw) as lc:
        for r0 in range(0, h, ROWS):
            r1 = min(h, r0 + ROWS)
            y = (np.arange(r0, r1) / h * 40.0)[:, None]
            z = (600 + 450 * np.sin(x * 0.37 + 1.0) * np.cos(y * 0.29) + 220 * np.sin(x * 1.7 + y * 1.3)
                 + 60 * np.sin(x * 7.1 - y * 5.3))
            z = (z + rng.normal(0, 0.8, z.shape)).astype(np.float32)
            dem.write(z, 1, window=rasterio.windows.Window(0, r0, w, r1 - r0))
            a = np.repeat(np.repeat(coarse[r0 // 16:(r1 + 15) // 16 + 1], 16, 0), 16, 1)
            a = a[r0 - (r0 // 16) * 16:r0 - (r0 // 16) * 16 + (r1 - r0), :w]
            b = rng.integers(0, CODES.size, (r1 - r0, w))
            data = CODES[np.where(rng.random((r1 - r0, w), np.float32) < 0.8, a, b)]
            lc.write(data, 1, window=rasterio.windows.Window(0, r0, w, r1 - r0))
    tmp_lc.replace(out["landcover"])
    tmp_dem.replace(out["dem"])


def _vectors(u, path: Path) -> None:
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(7)
    x0, y0, x1, y1 = u.bounds
    pts = shapely.points(rng.uniform(x0, x1, 400), rng.uniform(y0, y1, 400))
    prot = shapely.buffer(pts, rng.uniform(0.005, 0.04, 400), quad_segs=16)
    red = shapely.buffer(shapely.points(rng.uniform(x0, x1, 30), rng.uniform(y0, y1, 30)),
                         rng.uniform(0.03, 0.12, 30), quad_segs=16)
    roads = []
    for _ in range(250):
        n = int(rng.integers(20, 80))
        steps = rng.normal(0, 0.01, (n, 2)).cumsum(axis=0) + rng.normal(0, 0.004, (n, 2))
        start = np.array([rng.uniform(x0, x1), rng.uniform(y0, y1)])
        roads.append(shapely.LineString(start + steps * 3))
    subs = shapely.points(rng.uniform(x0, x1, 80), rng.uniform(y0, y1, 80))
    tmp = path.with_suffix(".part.gpkg")
    for layer, geoms in (("protected_synthetic", prot), ("redline_synthetic", red), ("roads_synthetic", roads),
                         ("substations_synthetic", subs)):
        gpd.GeoDataFrame({"name": [f"{layer}_{i}" for i in range(len(geoms))]}, geometry=list(geoms),
                         crs="EPSG:4490").to_file(tmp, layer=layer)
    tmp.replace(path)


def _rules(path: Path) -> None:
    """The bundled rules switched off; four rules for pv on the synthetic layers."""
    import yaml

    from sinkmap.analysis.siting.rules import load_rules

    items = [{"id": r.id, "enabled": False} for r in load_rules(include_user_file=False)]
    cite = {"document": "synthetic benchmark", "clause_zh": "合成数据基准", "source": "benchmarks/siting.py"}
    items += [
        {"id": "bench_farmland", "tech": "pv", "layer": "landcover", "where": {"values": ["0101", "0102", "0103"]},
         "effect": "exclude", "citation": cite},
        {"id": "bench_water", "tech": "pv", "layer": "landcover", "where": {"values": ["1101", "1103"]},
         "effect": "exclude", "citation": cite},
        {"id": "bench_protected", "tech": "pv", "layer": "protected", "effect": "exclude", "citation": cite},
        {"id": "bench_redline", "tech": "pv", "layer": "redline", "effect": "limit", "weight": 0.3, "citation": cite},
    ]
    path.write_text(yaml.safe_dump({"version": 1, "rules": items}, allow_unicode=True), encoding="utf-8")
