"""Checks applied to every vector layer sinkmap reads: does the CRS fit the numbers, and are the
geometries usable. Split out of :mod:`sinkmap.io.vectors` to keep both modules short.

Everything here is vectorised over the whole layer (bounds, ``shapely.is_valid``, ``make_valid``):
a 100,000-polygon layer costs a fraction of the time GDAL takes to read it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError as ProjCRSError
from pyproj.exceptions import ProjError

from ..core.crs import STORAGE_CRS
from ..core.errors import CRSError, InputError
from ..core.feedback import Feedback
from ..core.messages import Notice

#: Longitude/latitude box of China with a margin (degrees): used when a CRS has no area of use.
CHINA_LONLAT = (70.0, 0.0, 140.0, 56.0)
#: How far (degrees) data may reach beyond the declared CRS's area of use. Whole counties are often
#: kept in one 3° zone although they reach 1–2° beyond it; a wrong zone prefix or degrees read as
#: metres lands thousands of kilometres away, so a generous margin loses nothing.
AREA_MARGIN_DEG = 6.0


@dataclass(frozen=True)
class CRSGuess:
    """What the coordinates look like: an EPSG code when they pin one down, and a description (the
    English text of ``notice``, which renders it in either language; None when nothing is known)."""

    code: str | None
    description: str
    notice: Notice | None = None


def _guess(code: str | None, notice: Notice) -> CRSGuess:
    return CRSGuess(code, str(notice), notice)


def _num(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.6g}"


def _fmt_bounds(b: np.ndarray) -> str:
    return f"x {_num(b[0])} … {_num(b[2])}, y {_num(b[1])} … {_num(b[3])}"


def is_lonlat(bounds: np.ndarray) -> bool:
    """Do the bounds fit longitude/latitude in degrees at all?"""
    return bool(-180.0 <= bounds[0] <= bounds[2] <= 180.0 and -90.0 <= bounds[1] <= bounds[3] <= 90.0)


def is_china_lonlat(bounds: np.ndarray) -> bool:
    """Are the bounds longitude/latitude degrees inside China (with a margin)?"""
    x0, y0, x1, y1 = CHINA_LONLAT
    return bool(x0 <= bounds[0] <= bounds[2] <= x1 and y0 <= bounds[1] <= bounds[3] <= y1)


@lru_cache(maxsize=64)
def gk_zone_epsg(zone: int) -> str | None:
    """EPSG code of CGCS2000 Gauss–Krüger *with zone prefix* for zone number ``zone``, checked with
    pyproj: 3° zones 25–45 are EPSG:4513–4533 (CM = 3·zone), 6° zones 13–23 are EPSG:4491–4501
    (CM = 6·zone − 3). The code is returned only if PROJ's definition has the expected false easting
    (zone·10⁶ + 500 000) and central meridian."""
    if 25 <= zone <= 45:
        code, cm = 4513 + zone - 25, 3 * zone
    elif 13 <= zone <= 23:
        code, cm = 4491 + zone - 13, 6 * zone - 3
    else:
        return None
    try:
        params = {p.name: p.value for p in CRS.from_epsg(code).coordinate_operation.params}
    except (ProjCRSError, AttributeError):
        return None
    if math.isclose(params.get("False easting", 0.0), zone * 1e6 + 500_000) and \
            math.isclose(params.get("Longitude of natural origin", 0.0), cm):
        return f"EPSG:{code}"
    return None


def guess_crs_from_bounds(bounds: np.ndarray) -> CRSGuess:
    """What CRS the numbers look like (used to explain a missing or misfit CRS)."""
    if is_china_lonlat(bounds):
        return _guess(STORAGE_CRS, Notice("io.crs.guess.china_lonlat"))
    x0, y0, x1, y1 = (float(v) for v in bounds)
    northing_ok = 1.0e6 <= y0 <= y1 <= 7.0e6  # 9°N … 63°N in Gauss–Krüger metres
    if northing_ok and x0 >= 1.0e7 and int(x0 // 1e6) == int(x1 // 1e6):
        zone = int(x0 // 1e6)
        code = gk_zone_epsg(zone)
        if code:
            width = "3°" if zone >= 25 else "6°"
            cm = 3 * zone if zone >= 25 else 6 * zone - 3
            return _guess(code, Notice("io.crs.guess.gk_zone", width=width, zone=zone, cm=cm, epsg=code))
    if northing_ok and 0.0 < x0 <= x1 < 1.0e6:
        return _guess(None, Notice("io.crs.guess.gk_no_zone"))
    return CRSGuess(None, "")


def _area_box(crs: CRS) -> tuple[float, float, float, float]:
    aou = crs.area_of_use
    if aou is None:
        return CHINA_LONLAT
    m = AREA_MARGIN_DEG
    return (aou.west - m, aou.south - m, aou.east + m, aou.north + m)


def _lands_at(bounds: np.ndarray, crs: CRS) -> np.ndarray | None:
    """The layer's bounds in lon/lat, or None when the transform fails or gives non-finite values."""
    try:
        t = Transformer.from_crs(crs, STORAGE_CRS, always_xy=True)
        out = np.array(t.transform_bounds(*bounds, densify_pts=5))
    except (ProjError, ProjCRSError, ValueError):
        return None
    return out if np.all(np.isfinite(out)) else None


def _misfit(code: str, bounds: np.ndarray, *, path: object, layer: str | None, **params: object) -> CRSError:
    guess = guess_crs_from_bounds(bounds)
    looks = Notice("io.crs.they_look_like", guess=guess.notice) if guess.notice else ""
    return CRSError(code=code, path=path, layer=layer, bounds=_fmt_bounds(bounds), looks=looks,
                    epsg=guess.code or "EPSG:4547", **params)


def check_crs_fits(bounds: np.ndarray, crs: CRS, *, path: object, layer: str | None) -> None:
    """Raise :class:`CRSError` when the coordinates cannot be in ``crs``.

    Geographic CRS: the numbers must be degrees. Projected CRS: the numbers must not be degrees, and
    transformed to lon/lat they must land within the CRS's area of use (plus a margin) — this catches
    a 3° zone prefix missing from or added to the CRS, and metres read as degrees or vice versa.
    """
    if not np.all(np.isfinite(bounds)):
        return
    name = crs.name
    if crs.is_geographic:
        if not is_lonlat(bounds):
            raise _misfit("io.crs.misfit.not_degrees", bounds, path=path, layer=layer, crs=name)
        x0, y0, x1, y1 = _area_box(crs)
        if not (bounds[2] >= x0 and bounds[0] <= x1 and bounds[3] >= y0 and bounds[1] <= y1):
            raise _misfit("io.crs.misfit.outside_area", bounds, path=path, layer=layer, crs=name)
        return
    if is_lonlat(bounds):
        raise _misfit("io.crs.misfit.looks_degrees", bounds, path=path, layer=layer, crs=name)
    lonlat = _lands_at(bounds, crs)
    x0, y0, x1, y1 = _area_box(crs)
    if lonlat is None or not (x0 <= lonlat[0] and lonlat[2] <= x1 and y0 <= lonlat[1] and lonlat[3] <= y1):
        if lonlat is None:
            raise _misfit("io.crs.misfit.unconvertible", bounds, path=path, layer=layer, crs=name)
        raise _misfit("io.crs.misfit.lands_outside", bounds, path=path, layer=layer, crs=name,
                      lon0=float(lonlat[0]), lon1=float(lonlat[2]), lat0=float(lonlat[1]), lat1=float(lonlat[3]))


def drop_null_geometries(gdf: gpd.GeoDataFrame, feedback: Feedback, *, path: object,
                         layer: str | None) -> gpd.GeoDataFrame:
    """Drop features with no or empty geometry, with a warning counting them."""
    geoms = gdf.geometry.values
    bad = np.asarray(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not bad.any():
        return gdf
    n = int(bad.sum())
    if n == len(gdf):
        raise InputError(code="io.vector.all_geometry_missing", path=path, layer=layer)
    feedback.warn(Notice("io.vector.null_geometries", path=str(path), layer=layer, n=n, total=len(gdf)))
    return gdf.loc[~bad]


def _polygonal_parts(geoms: np.ndarray) -> np.ndarray:
    """Keep only the polygonal parts of each geometry; empty where none are left.

    ``make_valid(method="structure", keep_collapsed=False)`` already returns polygons for polygon
    input, so the loop below runs only for the rare geometry collection (never per feature).
    """
    out = geoms.copy()
    mixed = np.flatnonzero(~np.isin(shapely.get_type_id(geoms), (3, 6)))
    for i in mixed:
        parts = shapely.get_parts(geoms[i])
        polys = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
        out[i] = shapely.union_all(polys) if len(polys) else shapely.Polygon()
    return out


def repair_geometries(gdf: gpd.GeoDataFrame, feedback: Feedback, *, path: object,
                      layer: str | None) -> gpd.GeoDataFrame:
    """Repair invalid geometries with ``shapely.make_valid`` and say how many were repaired.

    Polygons are repaired with the "structure" method (rings rebuilt, collapsed parts dropped) and
    keep only their polygonal parts — a bow-tie becomes two triangles, a zero-area sliver disappears.
    Features whose repair leaves nothing polygonal are dropped, with their count in the warning.
    """
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    invalid = ~shapely.is_valid(geoms)
    if not invalid.any():
        return gdf
    idx = np.flatnonzero(invalid)
    bad = geoms[idx]
    polygonal = np.isin(shapely.get_type_id(bad), (3, 6))
    fixed = np.empty(len(bad), dtype=object)
    if polygonal.any():
        made = shapely.make_valid(bad[polygonal], method="structure", keep_collapsed=False)
        fixed[polygonal] = _polygonal_parts(made)
    if (~polygonal).any():
        fixed[~polygonal] = shapely.make_valid(bad[~polygonal])
    gone = np.asarray(shapely.is_empty(fixed) | shapely.is_missing(fixed))
    out = gdf.copy()
    geom_col = out.geometry.name
    values = geoms.copy()
    values[idx] = fixed
    out[geom_col] = gpd.GeoSeries(values, index=out.index, crs=gdf.crs)
    dropped: Notice | str = ""
    if gone.any():
        ids = ", ".join(str(i) for i in gdf.index[idx[gone]][:10])
        dropped = Notice("io.vector.repair_dropped", n=int(gone.sum()), rows=ids)
        out = out.drop(index=gdf.index[idx[gone]])
    feedback.warn(Notice("io.vector.repaired_one" if len(idx) == 1 else "io.vector.repaired", path=str(path),
                         layer=layer, n=len(idx), dropped=dropped))
    return out


#: Layer roles that measure areas (their names are message codes ``io.role.<role>``).
ROLES = ("forest", "wetland", "protected", "zones")
#: Geometry type names as users see them (shapely type ids).
_TYPE_NAMES = {0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString",
               6: "MultiPolygon", 7: "GeometryCollection"}


def require_polygons(gdf: gpd.GeoDataFrame, feedback: Feedback, *, path: object, layer: str | None,
                     role: str) -> gpd.GeoDataFrame:
    """A layer whose ``role`` (forest, wetland, protected, zones) measures areas must hold polygons.

    No polygon at all is an :class:`InputError` naming the file, layer, role and the geometry types it
    holds (a point or line layer would otherwise give 0 ha silently). Non-polygon features in a mostly
    polygon layer (a stray point or line) are left out with a warning counting them; polygonal parts of
    a geometry collection are kept.
    """
    role_text: Notice | str = Notice(f"io.role.{role}") if role in ROLES else role
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    types = shapely.get_type_id(geoms)
    polygonal = np.isin(types, (3, 6))
    collections = np.flatnonzero(types == 7)
    if collections.size:
        parts = _polygonal_parts(geoms[collections])
        keep = ~np.asarray(shapely.is_empty(parts))
        geoms = geoms.copy()
        geoms[collections[keep]] = parts[keep]
        polygonal[collections[keep]] = True
    found = ", ".join(f"{_TYPE_NAMES.get(int(t), t)} ×{int(n)}" for t, n in zip(*np.unique(types, return_counts=True)))
    if not polygonal.any():
        raise InputError(code="io.vector.needs_polygons", path=path, layer=layer, role=role_text, found=found)
    out = gdf
    if collections.size:
        out = gdf.copy()
        out[gdf.geometry.name] = gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs)
    if not polygonal.all():
        n = int((~polygonal).sum())
        feedback.warn(Notice("io.vector.non_polygons_left_out", path=str(path), layer=layer, role=role_text, n=n,
                             total=len(gdf), found=found))
        out = out.loc[polygonal]
    return out
