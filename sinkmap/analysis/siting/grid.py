"""The raster grid of a unit: the DEM's grid clipped to the unit's bounds, or a resolution in CGCS2000.

A grid is a north-up affine, a shape and a CRS; :func:`cell_areas_m2` gives each row's cell area on the
ellipsoid (lon/lat grids) or from the affine (projected grids).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from affine import Affine

from ...core.errors import InputError

#: Cells a unit's grid may have when the whole arrays are kept in memory (site.regions, the in-memory functions:
#: about 50 bytes of working arrays a cell, ~1 GB). Hunan's largest city at 3″ is about 4 million cells; the
#: whole province about 30 million.
MAX_CELLS = 20_000_000
#: Cells a streamed grid may have (site.exclusions, site.suitability compute row blocks, memory bounded by a
#: block): a sanity bound — 2³² cells, a 64 GiB uncompressed two-band float64 output — the disk is checked too.
STREAM_MAX_CELLS = 2**32


@dataclass(frozen=True)
class Grid:
    transform: Affine
    width: int
    height: int
    crs: str  # as text (EPSG:4490, WKT…)

    @property
    def shape(self) -> tuple[int, int]:
        return self.height, self.width

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        t = self.transform
        x0, y0 = t.c, t.f
        x1, y1 = t.c + t.a * self.width, t.f + t.e * self.height
        return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)

    @property
    def geographic(self) -> bool:
        from pyproj import CRS

        return CRS.from_user_input(self.crs).is_geographic

    def to_json(self) -> dict:
        return {"crs": self.crs, "width": self.width, "height": self.height, "transform": list(self.transform)[:6]}


def _check_size(width: int, height: int, unit: str, max_cells: int = MAX_CELLS) -> None:
    if width * height > max_cells:
        raise InputError(code="analysis.siting.grid.too_large", unit=unit, cells=f"{width * height:,}",
                         limit=f"{max_cells:,}")


def grid_from_dem(dem: str | Path, unit_geom, unit: str = "", *, max_cells: int = MAX_CELLS) -> Grid:
    """The DEM's grid clipped to the bounds of ``unit_geom`` (EPSG:4490), snapped outward to whole cells;
    more than ``max_cells`` cells is an :class:`InputError`."""
    from pyproj import CRS

    from ...io.rasters import open_raster

    info = open_raster(dem)
    crs = CRS.from_wkt(info.crs_wkt).to_string()
    geom = _to_crs(unit_geom, "EPSG:4490", crs)
    t = info.affine()
    minx, miny, maxx, maxy = geom.bounds
    cols, rows = pixel_span(t, minx, miny, maxx, maxy)
    col0, row0 = max(0, math.floor(min(cols))), max(0, math.floor(min(rows)))
    col1, row1 = min(info.width, math.ceil(max(cols))), min(info.height, math.ceil(max(rows)))
    if col1 <= col0 or row1 <= row0:
        raise InputError(code="analysis.siting.grid.no_overlap", path=dem, unit=unit or "—")
    transform = Affine(t.a, 0.0, t.c + t.a * col0, 0.0, t.e, t.f + t.e * row0)
    _check_size(col1 - col0, row1 - row0, unit, max_cells)
    return Grid(transform, col1 - col0, row1 - row0, crs)


def pixel_span(t, minx, miny, maxx, maxy) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Columns and rows of the corners of a box on the north-up affine ``t``."""
    cols = tuple((x - t.c) / t.a for x in (minx, maxx))
    rows = tuple((y - t.f) / t.e for y in (miny, maxy))
    return cols, rows


def grid_from_resolution(unit_geom, resolution_deg: float, unit: str = "", *, max_cells: int = MAX_CELLS) -> Grid:
    """A CGCS2000 (EPSG:4490) lon/lat grid of ``resolution_deg`` covering the unit, aligned to multiples."""
    minx, miny, maxx, maxy = unit_geom.bounds
    r = float(resolution_deg)
    x0, y1 = math.floor(minx / r) * r, math.ceil(maxy / r) * r
    width = max(1, math.ceil((maxx - x0) / r - 1e-9))
    height = max(1, math.ceil((y1 - miny) / r - 1e-9))
    _check_size(width, height, unit, max_cells)
    return Grid(Affine(r, 0, x0, 0, -r, y1), width, height, "EPSG:4490")


def cell_areas_m2(grid: Grid) -> np.ndarray:
    """Area of one cell of each row, m² (length ``height``): geodesic on the CRS's ellipsoid for lon/lat."""
    t = grid.transform
    if not grid.geographic:
        return np.full(grid.height, abs(t.a * t.e), dtype=np.float64)
    from pyproj import CRS, Geod

    ell = CRS.from_user_input(grid.crs).ellipsoid
    geod = Geod(a=ell.semi_major_metre, rf=ell.inverse_flattening)
    # the area of a lon/lat cell depends on its latitudes only: one geodesic polygon per row
    lats = t.f + t.e * np.arange(grid.height + 1)
    dx = abs(t.a)
    out = np.empty(grid.height)
    for i in range(grid.height):
        a, b = lats[i], lats[i + 1]
        area, _ = geod.polygon_area_perimeter([0.0, dx, dx, 0.0], [a, a, b, b])
        out[i] = abs(area)
    return out


def _to_crs(geom, src: str, dst: str):
    from pyproj import CRS

    if CRS.from_user_input(src) == CRS.from_user_input(dst):
        return geom
    import geopandas as gpd

    return gpd.GeoSeries([geom], crs=src).to_crs(dst).iloc[0]


__all__ = ["Grid", "MAX_CELLS", "STREAM_MAX_CELLS", "cell_areas_m2", "grid_from_dem", "grid_from_resolution"]
