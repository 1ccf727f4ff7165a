"""Zones on a raster grid: reprojected (the zones, never the raster), rasterised exactly, once per grid.

:func:`prepare_zones` turns a GeoDataFrame of zones into a :class:`ZoneGrid`: the row-indexed coverage
structure of all zones, the grid's cell-area model, and each zone's own ellipsoidal area (to report how
much of a zone the raster covers). Everything in it is plain arrays, so it pickles to Dask workers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...core.crs import CGCS2000_A, CGCS2000_INV_F, STORAGE_CRS
from ...core.errors import CRSError, InputError
from ...core.feedback import Feedback, ensure
from ...core.messages import Notice
from ...io.rasters import RasterInfo
from .cellarea import AreaModel, area_model
from .coverindex import CoverIndex

__all__ = ["ZoneGrid", "prepare_zones", "prepare_lonlat_zones", "envelope_rows", "zone_labels",
           "ellipsoidal_areas_m2"]

#: densify zone edges before reprojecting: straight lines in one CRS are curves in another
_DENSIFY_DEG = 0.01
_DENSIFY_M = 1000.0
_LABEL_COLUMNS = ("name", "adcode", "level", "parent")


@dataclass
class ZoneGrid:
    info: RasterInfo
    index: CoverIndex
    area: AreaModel
    labels: list[dict]  # name/adcode/level/parent per zone (whatever of those the zones had)
    zone_area_m2: np.ndarray  # ellipsoidal area of each zone polygon
    warnings: list[str] = field(default_factory=list)

    @property
    def n_zones(self) -> int:
        return self.index.n_zones


def zone_labels(zones) -> list[dict]:
    cols = [c for c in _LABEL_COLUMNS if c in zones.columns]
    if not cols:
        return [{"name": str(i)} for i in range(len(zones))]
    return [{c: (None if _isna(v) else v) for c, v in zip(cols, row)} for row in zones[cols].itertuples(index=False)]


def _isna(v) -> bool:
    try:
        return bool(v != v)
    except Exception:  # pragma: no cover
        return False


def ellipsoidal_areas_m2(geoms_4490) -> np.ndarray:
    """Area of each polygon on the CGCS2000 ellipsoid (edges straight in lon/lat, as stored)."""
    from .cellarea import lonlat_polygon_areas

    return lonlat_polygon_areas(geoms_4490, CGCS2000_A, CGCS2000_INV_F)


def _check_zones(zones) -> None:
    if zones is None or len(zones) == 0:
        raise InputError(code="analysis.zonal.no_zones")
    if zones.crs is None:
        raise CRSError(code="analysis.crs.missing", layer="zones")
    kinds = set(zones.geometry.geom_type.dropna())
    if not kinds <= {"Polygon", "MultiPolygon"}:
        raise InputError(code="analysis.zonal.not_polygons", layer="zones", kinds=", ".join(sorted(kinds)))


def _to_raster_crs(zones, info: RasterInfo):
    from pyproj import CRS

    target = CRS.from_wkt(info.crs_wkt)
    geoms = zones.geometry
    if not geoms.is_valid.all():
        geoms = geoms.make_valid()
    if CRS.from_user_input(zones.crs) == target:
        return np.asarray(geoms.values)
    step = _DENSIFY_DEG if CRS.from_user_input(zones.crs).is_geographic else _DENSIFY_M
    import geopandas as gpd
    import shapely

    dense = gpd.GeoSeries(shapely.segmentize(np.asarray(geoms.values), step), crs=zones.crs)
    return np.asarray(dense.to_crs(target).values)


def envelope_rows(info: RasterInfo, zones) -> tuple[int, int]:
    """Raster rows that the zones' envelope meets, from their bounds alone (cheap; a row or two of
    margin; lo == hi if none). Used to start reading before the zones are reprojected and rasterised."""
    from pyproj import CRS, Transformer

    try:
        x0, y0, x1, y1 = zones.total_bounds
        src, dst = CRS.from_user_input(zones.crs), CRS.from_wkt(info.crs_wkt)
        if src != dst:
            x0, y0, x1, y1 = Transformer.from_crs(src, dst, always_xy=True).transform_bounds(x0, y0, x1, y1,
                                                                                             densify_pts=21)
    except Exception:  # noqa: BLE001 - no usable bounds: prepare_zones will say what is wrong
        return 0, 0
    if not np.isfinite([x0, y0, x1, y1]).all():
        return 0, 0
    e, f = info.transform[4], info.transform[5]
    ra, rb = (y1 - f) / e, (y0 - f) / e
    lo = max(0, int(np.floor(min(ra, rb))) - 2)
    hi = min(info.height, int(np.ceil(max(ra, rb))) + 2)
    return lo, max(lo, hi)


def prepare_zones(info: RasterInfo, zones, feedback: Feedback | None = None, threads: int | None = None
                  ) -> ZoneGrid:
    """Rasterise ``zones`` exactly on the grid of ``info`` (zones reprojected to the raster's CRS)."""
    feedback = ensure(feedback)
    _check_zones(zones)
    geoms = _to_raster_crs(zones, info)
    return _zone_grid(info, geoms, lambda: zones.to_crs(STORAGE_CRS).geometry.values, zone_labels(zones), feedback,
                      threads)


def prepare_lonlat_zones(info: RasterInfo, geoms, labels: list[dict], feedback: Feedback | None = None,
                         areas_m2: np.ndarray | None = None) -> ZoneGrid | None:
    """:func:`prepare_zones` of polygons ``geoms`` in EPSG:4490 (labels given) on a raster whose CRS is
    EPSG:4490 itself — the bundled boundaries on a CGCS2000 land cover — without geopandas (the same grid,
    bit for bit); None when the raster has another CRS (then :func:`prepare_zones` reprojects).
    ``areas_m2``: the polygons' :func:`ellipsoidal_areas_m2` when the caller has them already."""
    import shapely
    from pyproj import CRS

    if CRS.from_wkt(info.crs_wkt) != CRS.from_user_input(STORAGE_CRS):
        return None
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) == 0:
        raise InputError(code="analysis.zonal.no_zones")
    kinds = {g.geom_type for g in geoms if g is not None}
    if not kinds <= {"Polygon", "MultiPolygon"}:
        raise InputError(code="analysis.zonal.not_polygons", layer="zones", kinds=", ".join(sorted(kinds)))
    raster_geoms = geoms
    if not shapely.is_valid(geoms).all():  # as _to_raster_crs: repaired for the rasteriser only
        raster_geoms = shapely.make_valid(geoms)
    return _zone_grid(info, raster_geoms, lambda: geoms, labels, ensure(feedback), None, areas_m2)


def _zone_grid(info: RasterInfo, geoms, geoms_4490, labels: list[dict], feedback: Feedback, threads,
               areas_m2: np.ndarray | None = None) -> ZoneGrid:
    """The grid of ``geoms`` (in the raster's CRS); ``geoms_4490()``: the same in EPSG:4490 (zone areas,
    unless ``areas_m2`` gives them)."""
    import shapely

    from . import aot, nojit

    bad = np.array([g is None or g.is_empty for g in geoms]) | ~np.isfinite(shapely.bounds(geoms)).all(axis=1)
    if bad.any():
        geoms = np.where(bad, shapely.Polygon(), geoms)
    feedback.progress(0.1, "rasterising zones")
    compiled = aot.cover_kernels()
    if compiled is not None:  # compiled ahead (at install, or cached): no numba
        from .coverindex import cover_index_with

        index = cover_index_with(compiled, geoms, info.transform, info.height, info.width)
    elif nojit.mode() == "numpy":  # nothing compiled yet: numpy now, numba compiles in the background
        index = nojit.cover_index(geoms, info.transform, info.height, info.width)
    else:
        from .rasterize import cover_index

        index = cover_index(geoms, info.transform, info.height, info.width, threads=threads)
    feedback.check()
    in_4490 = geoms_4490()
    zone_area = ellipsoidal_areas_m2(in_4490) if areas_m2 is None else np.asarray(areas_m2, dtype=np.float64)
    grid = ZoneGrid(info=info, index=index, area=area_model(info), labels=labels, zone_area_m2=zone_area)
    cells = index.cells_per_zone()
    if not np.any(cells > 0):
        b = shapely.bounds(np.asarray(in_4490, dtype=object))
        zb = (np.nanmin(b[:, 0]), np.nanmin(b[:, 1]), np.nanmax(b[:, 2]), np.nanmax(b[:, 3]))
        raise CRSError(code="analysis.zonal.no_overlap", path=info.path,
                       zones=f"lon {zb[0]:.3f}…{zb[2]:.3f}, lat {zb[1]:.3f}…{zb[3]:.3f}",
                       bounds=str(tuple(round(x, 3) for x in info.bounds)))
    missing = [grid.labels[i].get("name", str(i)) for i in np.flatnonzero(cells == 0)]
    if missing:
        grid.warnings.append(Notice("analysis.zonal.outside_raster", n=len(missing),
                                    zones=", ".join(map(str, missing[:10])) + (" …" if len(missing) > 10 else "")))
    return grid
