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

#: Longitude/latitude box of China with a margin (degrees): used when a CRS has no area of use.
CHINA_LONLAT = (70.0, 0.0, 140.0, 56.0)
#: How far (degrees) data may reach beyond the declared CRS's area of use. Whole counties are often
#: kept in one 3° zone although they reach 1–2° beyond it; a wrong zone prefix or degrees read as
#: metres lands thousands of kilometres away, so a generous margin loses nothing.
AREA_MARGIN_DEG = 6.0

CRS_HINT = ("pass the right CRS: crs='EPSG:4547' in Python, --crs EPSG:4547 on the command line, or "
            "the CRS box in the import dialog")


@dataclass(frozen=True)
class CRSGuess:
    """What the coordinates look like: an EPSG code when they pin one down, and a description."""

    code: str | None
    description: str


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
        return CRSGuess(STORAGE_CRS, "longitude/latitude in degrees inside China (CGCS2000 EPSG:4490, "
                                     "or WGS-84 EPSG:4326 for GPS data)")
    x0, y0, x1, y1 = (float(v) for v in bounds)
    northing_ok = 1.0e6 <= y0 <= y1 <= 7.0e6  # 9°N … 63°N in Gauss–Krüger metres
    if northing_ok and x0 >= 1.0e7 and int(x0 // 1e6) == int(x1 // 1e6):
        zone = int(x0 // 1e6)
        code = gk_zone_epsg(zone)
        if code:
            width = "3°" if zone >= 25 else "6°"
            cm = 3 * zone if zone >= 25 else 6 * zone - 3
            return CRSGuess(code, f"CGCS2000 {width} Gauss–Krüger metres with the zone number {zone} "
                                  f"written before the easting (central meridian {cm}°E): {code}")
    if northing_ok and 0.0 < x0 <= x1 < 1.0e6:
        return CRSGuess(None, "Gauss–Krüger metres without a zone number; the central meridian cannot "
                              "be read from the numbers — in Hunan it is usually EPSG:4545 (108°E), "
                              "EPSG:4546 (111°E) or EPSG:4547 (114°E)")
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


def _misfit(what: str, bounds: np.ndarray, *, path: object, layer: str | None) -> CRSError:
    guess = guess_crs_from_bounds(bounds)
    msg = f"{what} (coordinates {_fmt_bounds(bounds)})"
    if guess.description:
        msg += f"; they look like {guess.description}"
    hint = CRS_HINT.replace("EPSG:4547", guess.code) if guess.code else CRS_HINT
    return CRSError(msg, path=path, layer=layer, hint=hint + " — or correct the file's .prj/CRS")


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
            raise _misfit(f"the layer says it is in {name} (degrees), but its coordinates are not "
                          "degrees", bounds, path=path, layer=layer)
        x0, y0, x1, y1 = _area_box(crs)
        if not (bounds[2] >= x0 and bounds[0] <= x1 and bounds[3] >= y0 and bounds[1] <= y1):
            raise _misfit(f"the layer says it is in {name}, but its coordinates lie outside the area "
                          "where that CRS is used", bounds, path=path, layer=layer)
        return
    if is_lonlat(bounds):
        raise _misfit(f"the layer says it is in the projected CRS {name} (metres), but its coordinates "
                      "look like degrees", bounds, path=path, layer=layer)
    lonlat = _lands_at(bounds, crs)
    x0, y0, x1, y1 = _area_box(crs)
    if lonlat is None or not (x0 <= lonlat[0] and lonlat[2] <= x1 and y0 <= lonlat[1] and lonlat[3] <= y1):
        where = "cannot be converted to longitude/latitude with it" if lonlat is None else \
            (f"would lie at lon {lonlat[0]:.2f}…{lonlat[2]:.2f}, lat {lonlat[1]:.2f}…{lonlat[3]:.2f}, "
             "outside the area where that CRS is used")
        raise _misfit(f"the coordinates do not fit the layer's CRS {name}: they {where}", bounds,
                      path=path, layer=layer)


def drop_null_geometries(gdf: gpd.GeoDataFrame, feedback: Feedback, *, path: object,
                         layer: str | None) -> gpd.GeoDataFrame:
    """Drop features with no or empty geometry, with a warning counting them."""
    geoms = gdf.geometry.values
    bad = np.asarray(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not bad.any():
        return gdf
    n = int(bad.sum())
    if n == len(gdf):
        raise InputError("no feature of this layer has a geometry", path=path, layer=layer,
                         hint="check that the file holds shapes and not only an attribute table")
    feedback.warn(f"file {path}, layer {layer!r}: {n} of {len(gdf)} features have no geometry and "
                  "were left out")
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
    msg = (f"file {path}, layer {layer!r}: {len(idx)} invalid geometr{'y was' if len(idx) == 1 else 'ies were'}"
           " repaired (self-intersections such as bow-tie polygons)")
    if gone.any():
        ids = ", ".join(str(i) for i in gdf.index[idx[gone]][:10])
        msg += f"; {int(gone.sum())} left nothing usable after repair and were dropped (rows {ids})"
        out = out.drop(index=gdf.index[idx[gone]])
    feedback.warn(msg)
    return out
