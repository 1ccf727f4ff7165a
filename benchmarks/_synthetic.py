"""Synthetic subcompartment layer for the render benchmark (Voronoi cells, ~9 ha each, EPSG:4490)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

CODES = np.array(["0111", "0113", "0120", "0131", "0132", "0141", "0150", "0171", "0200"])
EXTENT = (113.0, 27.8, 114.2, 28.6)  # about 118 km × 89 km around 浏阳市


def subcompartments(n: int = 100_000, seed: int = 5, max_segment_deg: float = 0.0004) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    xmin, ymin, xmax, ymax = EXTENT
    pts = shapely.multipoints(np.column_stack([rng.uniform(xmin, xmax, n), rng.uniform(ymin, ymax, n)]))
    cells = shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=shapely.box(*EXTENT)))
    cells = shapely.intersection(cells, shapely.box(*EXTENT))
    cells = shapely.segmentize(cells, max_segment_deg)  # inventory outlines have many vertices
    return gpd.GeoDataFrame({
        "XIAO_BAN": np.arange(1, len(cells) + 1),
        "DI_LEI": rng.choice(CODES, len(cells), p=[.45, .12, .03, .08, .07, .05, .02, .08, .10]),
        "MGQXJ": np.round(rng.gamma(4.0, 20.0, len(cells)), 1),
    }, geometry=cells, crs="EPSG:4490")


def ensure_gpkg(folder: Path, n: int = 100_000) -> Path:
    path = folder / f"subcompartments_{n}.gpkg"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.gpkg")
        subcompartments(n).to_file(tmp, layer="xiaoban", driver="GPKG")
        tmp.replace(path)
    return path
