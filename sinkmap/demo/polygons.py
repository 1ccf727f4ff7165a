"""Raster labels → clean polygons: polygonise, smooth the staircase, clip to the real county boundary."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from rasterio.features import shapes

from ..core.crs import STORAGE_CRS
from .grid import Grid


def polygonal(g: shapely.Geometry | None) -> shapely.Geometry:
    """The polygonal part of a geometry (intersections can return collections with lines/points)."""
    if g is None:
        return shapely.Polygon()
    if g.geom_type in ("Polygon", "MultiPolygon"):
        return g
    parts = [p for p in shapely.get_parts(g) if p.geom_type == "Polygon"]
    return shapely.MultiPolygon(parts) if len(parts) > 1 else (parts[0] if parts else shapely.Polygon())


def label_polygons(label: np.ndarray, grid: Grid, county_idx: np.ndarray, counties: gpd.GeoDataFrame,
                   county_of_label: np.ndarray | None = None, simplify_cells: float = 1.1) -> gpd.GeoDataFrame:
    """One polygon per 4-connected patch of equal non-zero ``label``.

    ``label`` must encode the county (patches never cross a county border in the raster); the county
    index of each patch is ``label % 64 - 1`` unless ``county_of_label`` maps labels to counties. The
    patches are smoothed with a coverage simplification (shared edges stay shared; GEOS's area-based
    tolerance must reach ~1 cell to turn one-cell stair steps into diagonals) and those near a
    county border are intersected with the county polygon, so areas add up per county.
    """
    mask = label > 0
    geoms, values = [], []
    for geom, value in shapes(label, mask=mask, transform=grid.transform, connectivity=4):
        geoms.append(shapely.geometry.shape(geom))
        values.append(int(value))
    values = np.asarray(values, np.int64)
    county = (values % 64 - 1) if county_of_label is None else county_of_label[values]
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) and simplify_cells > 0:
        geoms = shapely.coverage_simplify(geoms, simplify_cells * grid.res)
    frame = gpd.GeoDataFrame({"label": values, "county": county.astype(np.int16)},
                             geometry=gpd.GeoSeries(geoms, crs=STORAGE_CRS).values, crs=STORAGE_CRS)
    return clip_near_borders(frame, label, county_idx, counties)


def clip_near_borders(frame: gpd.GeoDataFrame, label: np.ndarray, county_idx: np.ndarray,
                      counties: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Intersect with its county the polygons whose label has a cell within two cells of a border."""
    c = county_idx
    border = np.zeros(c.shape, bool)
    border[1:] |= c[1:] != c[:-1]
    border[:-1] |= c[:-1] != c[1:]
    border[:, 1:] |= c[:, 1:] != c[:, :-1]
    border[:, :-1] |= c[:, :-1] != c[:, 1:]
    for _ in range(2):  # simplification can move an edge by up to ~1 cell
        grown = border.copy()
        grown[1:] |= border[:-1]
        grown[:-1] |= border[1:]
        grown[:, 1:] |= border[:, :-1]
        grown[:, :-1] |= border[:, 1:]
        border = grown
    touching = np.unique(label[border & (label > 0)])
    hit = np.isin(frame["label"].to_numpy(), touching)
    county_geoms = np.asarray(counties.geometry.values, dtype=object)
    geoms = np.asarray(frame.geometry.values, dtype=object)
    if hit.any():
        geoms[hit] = shapely.intersection(geoms[hit], county_geoms[frame["county"].to_numpy()[hit]])
    geoms = np.array([polygonal(x) for x in geoms], dtype=object)
    frame = frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=STORAGE_CRS))
    return frame[~frame.geometry.is_empty].reset_index(drop=True)
