"""Slope and aspect of a DEM (Horn's method), with true cell sizes in metres.

Arrays in, arrays out: ``slope_aspect(dem, transform, crs)`` → ``(slope°, aspect°)`` as float32.

* Projected grids: the cell size is the transform's pixel size times the CRS's axis unit (metres). The
  projection's scale factor is not corrected (Gauss–Krüger: below 1.4e-4 inside a 3° zone).
* Geographic grids (lon/lat, e.g. CGCS2000 EPSG:4490): degrees are never used as metres. The east–west
  distance of a row is the arc of its parallel, ``N(φ) cos φ · Δλ`` (``N`` the prime-vertical radius of
  curvature of the CRS's ellipsoid), and the north–south distance between rows is the meridian arc between
  their latitudes (``pyproj.Geod``). Horn's eastward gradient is taken per row with that row's own cell width
  and then weighted 1-2-1 across the three rows, so a plane stays a plane at any latitude.

Horn, B.K.P. (1981) "Hill shading and the reflectance map", Proc. IEEE 69(1): 14–47 — the 3 × 3 weighted
difference also used by GDAL ``gdaldem`` and ArcGIS Slope.

Conventions: slope in degrees from horizontal (0–90); aspect the compass bearing (degrees clockwise from
north, 0–360) of the downhill direction — a plane falling towards the east has aspect 90°. Flat cells have
aspect NaN. Nodata (the ``nodata`` value, NaN, or masked cells) gives NaN, and so do cells whose 3 × 3
window reaches a nodata cell or the edge of the array (as ``gdaldem`` without ``-compute_edges``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core.errors import CRSError, InputError

__all__ = ["as_crs", "pixel_size", "gradient", "slope_aspect", "slope", "aspect"]


def as_crs(crs: Any):
    """A :class:`pyproj.CRS` from anything pyproj accepts (EPSG code, WKT, rasterio CRS, pyproj CRS)."""
    from pyproj import CRS

    if crs is None:
        raise CRSError(code="analysis.siting.no_crs", detail="none given")
    try:
        return CRS.from_user_input(crs)
    except Exception as exc:  # pyproj raises CRSError / TypeError for unusable input
        raise CRSError(code="analysis.siting.no_crs", detail=str(exc)) from None


def _affine(transform: Any) -> tuple[float, float, float, float, float, float]:
    a, b, c, d, e, f = (float(v) for v in tuple(transform)[:6])
    if b != 0.0 or d != 0.0:
        raise InputError(code="analysis.siting.rotated_grid", transform=str(tuple(transform)[:6]))
    return a, b, c, d, e, f


def pixel_size(transform: Any, crs: Any) -> tuple[float, float]:
    """(width, height) of a cell in metres on a projected grid (signed as in the transform)."""
    a, _, _, _, e, _ = _affine(transform)
    crs = as_crs(crs)
    ax = crs.axis_info
    fx = ax[0].unit_conversion_factor if ax else 1.0
    fy = ax[1].unit_conversion_factor if len(ax) > 1 else fx
    return a * fx, e * fy


def _ellipsoid(crs) -> tuple[float, float]:
    ell = crs.ellipsoid
    if ell is None:
        raise CRSError(code="analysis.siting.no_ellipsoid")
    inv_f = ell.inverse_flattening
    return float(ell.semi_major_metre), (1.0 / inv_f if inv_f else 0.0)


def _row_geometry(shape: tuple[int, int], transform: Any, crs: Any) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the signed eastward cell width (m), and the signed northward distance (m) from row r−1 to r+1.

    Returned arrays have length ``rows`` (the first and last entries of the second are NaN).
    """
    rows = shape[0]
    a, _, _, _, e, f = _affine(transform)
    crs = as_crs(crs)
    if crs.is_geographic:
        from pyproj import Geod

        semi, flat = _ellipsoid(crs)
        lat = f + e * (np.arange(rows) + 0.5)
        if np.abs(lat).max() > 90.0 + 1e-9 or abs(f) > 90.0 + 1e-9:
            raise CRSError(code="analysis.siting.bad_latitudes")
        e2 = flat * (2.0 - flat)
        phi = np.radians(lat)
        n_radius = semi / np.sqrt(1.0 - e2 * np.sin(phi) ** 2)
        dx = n_radius * np.cos(phi) * np.radians(a)
        geod = Geod(a=semi, f=flat)
        dy = np.full(rows, np.nan)
        if rows >= 3:
            _, _, dist = geod.inv(np.zeros(rows - 2), lat[:-2], np.zeros(rows - 2), lat[2:])
            dy[1:-1] = np.asarray(dist) * np.sign(lat[2:] - lat[:-2])
        return dx, dy
    px, py = pixel_size(transform, crs)
    dy = np.full(rows, 2.0 * py)
    return np.full(rows, px), dy


def _valid(dem: Any, nodata: float | None) -> np.ndarray:
    arr = np.ma.getdata(dem).astype(np.float64, copy=True)
    if arr.ndim != 2:
        raise InputError(code="analysis.siting.not_2d", what="DEM", shape=str(arr.shape))
    bad = ~np.isfinite(arr) | np.ma.getmaskarray(dem)
    if nodata is not None and not np.isnan(nodata):
        bad |= arr == nodata
    arr[bad] = np.nan
    return arr


def gradient(dem: Any, transform: Any, crs: Any, *, nodata: float | None = None,
             z_factor: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """(dz/d east, dz/d north), dimensionless (vertical unit × ``z_factor`` per metre), NaN where unknown."""
    z = _valid(dem, nodata) * float(z_factor)
    rows, cols = z.shape
    if rows < 3 or cols < 3:
        raise InputError(code="analysis.siting.dem_too_small", shape=f"{rows} × {cols}")
    dx, dy = _row_geometry(z.shape, transform, crs)
    p = np.pad(z, 1, constant_values=np.nan)
    n = [p[i:i + rows, j:j + cols] for i in range(3) for j in range(3)]
    z1, z2, z3, z4, _, z6, z7, z8, z9 = n  # z1 z2 z3 / z4 z5 z6 / z7 z8 z9 (row r−1 on top)
    # eastward: each row's difference over its own width, weighted 1-2-1 across rows
    wx_top = np.roll(dx, 1)[:, None]
    wx_mid = dx[:, None]
    wx_bot = np.roll(dx, -1)[:, None]
    gx = ((z3 - z1) / (2 * wx_top) + 2 * (z6 - z4) / (2 * wx_mid) + (z9 - z7) / (2 * wx_bot)) / 4.0
    # row r+1 minus row r−1 over the signed distance from row r−1 to r+1 (northward positive)
    gy = ((z7 + 2 * z8 + z9) - (z1 + 2 * z2 + z3)) / (4.0 * dy[:, None])
    invalid = np.isnan(z)
    gx[invalid] = np.nan
    gy[invalid] = np.nan
    return gx, gy


def slope_aspect(dem: Any, transform: Any, crs: Any, *, nodata: float | None = None,
                 z_factor: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Slope (degrees) and aspect (degrees clockwise from north, downhill; NaN when flat), float32.

    ``dem``: 2-D heights (metres, or any unit times ``z_factor`` gives metres); ``transform``: its affine
    transform (north-up); ``crs``: its CRS (projected in metres, or geographic lon/lat).
    """
    gx, gy = gradient(dem, transform, crs, nodata=nodata, z_factor=z_factor)
    with np.errstate(invalid="ignore"):
        slope_deg = np.degrees(np.arctan(np.hypot(gx, gy)))
        asp = np.degrees(np.arctan2(-gx, -gy)) % 360.0
        asp[(gx == 0) & (gy == 0)] = np.nan
    return slope_deg.astype(np.float32), asp.astype(np.float32)


def slope(dem: Any, transform: Any, crs: Any, **kwargs: Any) -> np.ndarray:
    """Slope in degrees (see :func:`slope_aspect`)."""
    return slope_aspect(dem, transform, crs, **kwargs)[0]


def aspect(dem: Any, transform: Any, crs: Any, **kwargs: Any) -> np.ndarray:
    """Aspect in degrees clockwise from north, downhill (see :func:`slope_aspect`)."""
    return slope_aspect(dem, transform, crs, **kwargs)[1]
