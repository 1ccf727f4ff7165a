"""The DEM of a pumped-storage search: whole-metre heights, voids, and true cell sizes per row.

* Heights are rounded to whole metres and held as int16, as the reference reads SRTM (``GDT_Int16``).
  Nodata, NaN and heights below −1000 m (the reference's filter threshold) are voids; water leaves the
  DEM there (they seed the filling like the array's edge) and no reservoir may reach them.
* Cell sizes are never degrees: on a lon/lat grid each row's east–west width is the arc of its parallel
  ``N(φ)·cos φ·Δλ`` and its north–south height the meridian arc ``M(φ)·Δφ`` on the CRS's ellipsoid, and its
  area the exact ellipsoidal area between its parallels (:func:`sinkmap.analysis.zonal.cellarea.
  lonlat_row_areas`). The reference uses a sphere instead: 30.87 m per arc-second times cos(latitude)
  for every cell of the tile. Projected grids take the pixel size in metres.
* ``screen``: the cells where dam sites are searched (the reference: the 1° tile inside its 600-cell
  border); ``upper``: where an upper reservoir's dam site may lie (the county, when one is asked for).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ...core.errors import InputError
from .hydro import VOID_Z

#: Heights at or below this are voids (the reference filters DEM < −1000 m).
MIN_HEIGHT_M = -1000.0
#: Cells one search holds in memory (about 42 bytes each at the peak: a 1° 1″ tile with its 600-cell border,
#: 23 million cells, peaks under 1 GB). Larger areas: by county or by tile.
MAX_CELLS = 40_000_000


@dataclass
class Terrain:
    z: np.ndarray  # int16 (rows, cols), whole metres, VOID_Z on voids
    valid: np.ndarray  # bool
    transform: tuple  # affine a, b, c, d, e, f of the array
    crs_wkt: str
    geographic: bool
    dx: np.ndarray  # per row: east–west width of a cell (m)
    dy: np.ndarray  # per row: north–south height of a cell (m)
    area_ha: np.ndarray  # per row: area of a cell (ha)
    ycum: np.ndarray  # per row: distance (m) of the row's centre south of row 0's centre
    screen: np.ndarray  # bool: dam sites searched here
    upper: np.ndarray | None = None  # bool: upper reservoirs' dam sites only here (None: screen)
    source: str = ""
    notes: list = field(default_factory=list)

    @property
    def shape(self) -> tuple[int, int]:
        return self.z.shape

    def cell_xy(self, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Map coordinates (the DEM's CRS) of cell centres."""
        a, _, c, _, e, f = self.transform
        return c + a * (np.asarray(cols) + 0.5), f + e * (np.asarray(rows) + 0.5)

    def valid_area_ha(self) -> float:
        return float((self.valid.sum(axis=1) * self.area_ha).sum())


def row_geometry(transform, height: int, crs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dx, dy, area_ha) per row: true cell width, height (m) and area (ha) on the CRS's ellipsoid for a
    lon/lat grid, the pixel size in metres for a projected one."""
    from pyproj import CRS

    a, b, c, d, e, f = (float(v) for v in tuple(transform)[:6])
    if b != 0.0 or d != 0.0:
        raise InputError(code="analysis.siting.rotated_grid", transform=str(tuple(transform)[:6]))
    crs = CRS.from_user_input(crs)
    if crs.is_geographic:
        ell = crs.ellipsoid
        semi = float(ell.semi_major_metre)
        inv_f = float(ell.inverse_flattening) or 0.0
        fl = 1.0 / inv_f if inv_f else 0.0
        e2 = fl * (2.0 - fl)
        edges = f + e * np.arange(height + 1)
        if np.abs(edges).max() > 90.0 + 1e-9:
            from ...core.errors import CRSError

            raise CRSError(code="analysis.siting.bad_latitudes")
        phi = np.radians(f + e * (np.arange(height) + 0.5))
        s2 = np.sin(phi) ** 2
        n_rad = semi / np.sqrt(1.0 - e2 * s2)
        m_rad = semi * (1.0 - e2) / (1.0 - e2 * s2) ** 1.5
        dx = n_rad * np.cos(phi) * math.radians(abs(a))
        dy = m_rad * math.radians(abs(e))
        from ..zonal.cellarea import lonlat_row_areas

        area = lonlat_row_areas(edges, abs(a), semi, inv_f) / 1e4
        return dx, dy, area
    ax = crs.axis_info
    fx = ax[0].unit_conversion_factor if ax else 1.0
    fy = ax[1].unit_conversion_factor if len(ax) > 1 else fx
    dx = np.full(height, abs(a) * fx)
    dy = np.full(height, abs(e) * fy)
    return dx, dy, dx * dy / 1e4


def to_whole_metres(arr: np.ndarray, nodata: float | None) -> tuple[np.ndarray, np.ndarray]:
    """(int16 heights with VOID_Z on voids, valid mask) of a raw DEM block."""
    data = np.ma.getdata(arr)
    bad = np.ma.getmaskarray(arr).copy()
    f = data.astype(np.float64, copy=False)
    bad |= ~np.isfinite(f)
    if nodata is not None and not (isinstance(nodata, float) and math.isnan(nodata)):
        bad |= data == nodata
    with np.errstate(invalid="ignore"):
        bad |= f <= MIN_HEIGHT_M
        bad |= f > 32000.0
    z = np.full(data.shape, VOID_Z, np.int16)
    ok = ~bad
    z[ok] = np.rint(f[ok]).astype(np.int16)
    return z, ok


def terrain_from_array(z: np.ndarray, transform, crs, *, nodata: float | None = None, border: int = 0,
                       upper: np.ndarray | None = None, source: str = "") -> Terrain:
    """A :class:`Terrain` from an in-memory height array (tests, benchmarks, windows already read)."""
    from pyproj import CRS

    z16, valid = to_whole_metres(np.asarray(z), nodata)
    h, w = z16.shape
    crs_obj = CRS.from_user_input(crs)
    dx, dy, area = row_geometry(transform, h, crs_obj)
    ycum = np.concatenate([[0.0], np.cumsum(0.5 * (dy[:-1] + dy[1:]))]) if h else np.zeros(0)
    screen = np.zeros((h, w), bool)
    b = int(border)
    if h > 2 * b and w > 2 * b:
        screen[b:h - b, b:w - b] = True
    screen &= valid
    return Terrain(z=z16, valid=valid, transform=tuple(transform)[:6], crs_wkt=crs_obj.to_wkt(),
                   geographic=bool(crs_obj.is_geographic), dx=dx, dy=dy, area_ha=area, ycum=ycum,
                   screen=screen, upper=None if upper is None else (upper & screen), source=source)


def check_size(t: Terrain, min_watershed_ha: float, path: str | Path | None = None) -> None:
    """Refuse a DEM with no data, or too small for one reservoir: a reservoir sits on a stream draining at
    least ``min_watershed_ha`` and needs room for a wall and a lake (at least 3 × 3 cells)."""
    h, w = t.shape
    where = str(path or t.source or "DEM")
    if not t.valid.any():
        raise InputError(code="analysis.phes.dem_all_void", path=where)
    area = t.valid_area_ha()
    if h < 3 or w < 3 or area < 2.0 * min_watershed_ha:
        raise InputError(code="analysis.phes.dem_too_small", path=where, rows=h, cols=w,
                         area_ha=f"{area:,.1f}", need_ha=f"{2.0 * min_watershed_ha:g}")


@dataclass
class DemWindow:
    """The part of a DEM file a search reads: rows ``row0:row1``, cols ``col0:col1`` of the file."""

    path: str
    row0: int
    row1: int
    col0: int
    col1: int
    transform: tuple  # of the window
    crs_wkt: str
    nodata: float | None

    @property
    def shape(self) -> tuple[int, int]:
        return self.row1 - self.row0, self.col1 - self.col0


def dem_window(path: str | Path, *, area_4490=None, margin_m: float = 0.0, unit: str = "") -> DemWindow:
    """The window of ``path`` a search reads: the whole file, or the box of ``area_4490`` (a lon/lat polygon)
    widened by ``margin_m``. Missing, unreadable, CRS-less or rotated rasters and an area outside the DEM are
    coded errors."""
    import rasterio
    from affine import Affine

    from ...io.rasters import open_raster

    info = open_raster(path)  # missing, unreadable, no CRS, rotated: coded errors
    t = info.affine()
    with rasterio.open(path) as ds:
        nodata = ds.nodata
    if area_4490 is None:
        return DemWindow(str(path), 0, info.height, 0, info.width, tuple(t)[:6], info.crs_wkt, nodata)
    from pyproj import CRS

    from ..siting.grid import _to_crs

    crs = CRS.from_wkt(info.crs_wkt)
    geom = _to_crs(area_4490, "EPSG:4490", crs.to_string())
    x0, y0, x1, y1 = geom.bounds
    if margin_m > 0:
        if crs.is_geographic:
            lat = 0.5 * (y0 + y1)
            mx = margin_m / (111_320.0 * max(0.1, math.cos(math.radians(lat))))
            my = margin_m / 110_570.0
        else:
            mx = my = margin_m
        x0, y0, x1, y1 = x0 - mx, y0 - my, x1 + mx, y1 + my
    col0 = max(0, math.floor((min(x0, x1) - t.c) / t.a)) if t.a > 0 else 0
    col1 = min(info.width, math.ceil((max(x0, x1) - t.c) / t.a))
    rows = sorted(((y - t.f) / t.e) for y in (y0, y1))
    row0, row1 = max(0, math.floor(rows[0])), min(info.height, math.ceil(rows[1]))
    if col1 <= col0 or row1 <= row0:
        raise InputError(code="analysis.phes.dem_no_coverage", path=path, unit=unit or "—")
    transform = Affine(t.a, 0.0, t.c + t.a * col0, 0.0, t.e, t.f + t.e * row0)
    return DemWindow(str(path), row0, row1, col0, col1, tuple(transform)[:6], info.crs_wkt, nodata)


def read_dem(path: str | Path, *, area_4490=None, margin_m: float = 0.0, border: int = 0,
             unit: str = "") -> Terrain:
    """Read ``path`` (whole, or the box of ``area_4490`` — a lon/lat polygon — widened by ``margin_m``) as
    a :class:`Terrain`. With an area, dam sites are searched in the whole window and upper reservoirs only
    inside the area; ``border`` keeps dam sites that many cells from the DEM's edge (the reference's
    600-cell tile border)."""
    win = dem_window(path, area_4490=area_4490, margin_m=margin_m, unit=unit)
    _check_cells(*win.shape, path)
    return read_window(win, area_4490=area_4490, border=border, unit=unit)


def read_window(win: DemWindow, *, area_4490=None, border: int = 0, unit: str = "") -> Terrain:
    """The :class:`Terrain` of a :class:`DemWindow` (see :func:`read_dem`)."""
    import rasterio
    from rasterio.windows import Window

    with rasterio.open(win.path) as ds:
        arr = ds.read(1, window=Window(win.col0, win.row0, win.col1 - win.col0, win.row1 - win.row0), masked=True)
    upper = None
    if area_4490 is not None:
        upper = _mask_of(area_4490, win.transform, arr.shape, win.crs_wkt)
    terrain = terrain_from_array(arr, win.transform, win.crs_wkt, nodata=win.nodata, border=border, upper=upper,
                                 source=win.path)
    if upper is not None and not (terrain.upper is not None and terrain.upper.any()):
        raise InputError(code="analysis.phes.dem_no_coverage", path=win.path, unit=unit or "—")
    return terrain


def _check_cells(rows: int, cols: int, path) -> None:
    if rows * cols > MAX_CELLS:
        raise InputError(code="analysis.phes.dem_too_large", path=path, rows=rows, cols=cols,
                         cells=f"{rows * cols:,}", limit=f"{MAX_CELLS:,}")


def _mask_of(area_4490, transform, shape, crs_wkt) -> np.ndarray:
    """Cells whose centre lies in ``area_4490`` (lon/lat polygon), on the DEM's grid."""
    from pyproj import CRS
    from rasterio.features import geometry_mask

    from ..siting.grid import _to_crs

    geom = _to_crs(area_4490, "EPSG:4490", CRS.from_wkt(crs_wkt).to_string())
    return geometry_mask([geom], out_shape=shape, transform=transform, invert=True)


__all__ = ["DemWindow", "MAX_CELLS", "MIN_HEIGHT_M", "Terrain", "check_size", "dem_window", "read_dem", "read_window",
           "row_geometry", "terrain_from_array", "to_whole_metres"]
