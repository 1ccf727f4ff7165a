"""Cutting layers to the area: vector features at its edge, rasters to its box with the outside as nodata.

Vectors: features that meet the area are kept; those the area covers stay as they are, those crossing its
edge are cut (``shapely.intersection``) and only the parts of the layer's own dimension are kept (a
polygon touching the edge from outside leaves a line: dropped). Polygons and lines come out as
Multi-geometries, so a layer has one geometry type. Attributes are the source's: areas such as MIAN_JI are
not recomputed for cut features (the manifest counts them).

Rasters: the window of the area's bounding box (in the raster's own CRS, which is kept), cells outside the
area set to nodata, tiled and compressed GeoTIFF with internal overviews (nearest for classes, average
otherwise), tags and colour table copied. A DEM also gives its hillshade (:func:`write_hillshade`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import shapely

from ...core.feedback import Feedback

POLYGON, LINE, POINT = "polygon", "line", "point"
_KIND_OF_TYPE = {"Polygon": POLYGON, "MultiPolygon": POLYGON, "LineString": LINE, "MultiLineString": LINE,
                 "LinearRing": LINE, "Point": POINT, "MultiPoint": POINT}
_DIM = {POLYGON: 2, LINE: 1, POINT: 0}
#: Overviews stop when the smaller side of a level would be under this many pixels.
MIN_OVERVIEW_PX = 128


def geometry_kind(geoms: np.ndarray) -> str | None:
    """polygon / line / point: the kind most features have (None for no geometry at all)."""
    types = shapely.get_type_id(geoms)
    dims = shapely.get_dimensions(geoms[types >= 0]) if len(geoms) else np.array([], dtype=int)
    dims = dims[dims >= 0]
    if not len(dims):
        return None
    dim = int(np.bincount(dims, minlength=3).argmax())
    return {2: POLYGON, 1: LINE, 0: POINT}[dim]


def _keep_dimension(geom, dim: int):
    """The parts of ``geom`` of dimension ``dim`` (None when none is left)."""
    if geom is None or shapely.is_empty(geom):
        return None
    if shapely.get_dimensions(geom) == dim and shapely.get_type_id(geom) != 7:
        return geom
    parts = [p for p in shapely.get_parts(geom) if shapely.get_dimensions(p) == dim and not shapely.is_empty(p)]
    if not parts:
        return None
    return shapely.union_all(parts) if len(parts) > 1 else parts[0]


def _as_multi(geoms: np.ndarray, kind: str) -> np.ndarray:
    """Polygons as MultiPolygons, lines as MultiLineStrings; points stay points unless some are multi."""
    out = geoms.copy()
    types = shapely.get_type_id(out)
    if kind == POLYGON:
        single = types == 3
        out[single] = [shapely.MultiPolygon([g]) for g in out[single]]
    elif kind == LINE:
        single = (types == 1) | (types == 2)
        out[single] = [shapely.MultiLineString([shapely.LineString(g.coords)]) for g in out[single]]
    elif kind == POINT and (types == 4).any():
        single = types == 0
        out[single] = [shapely.MultiPoint([g]) for g in out[single]]
    return out


def local_areas(area, geoms: np.ndarray) -> np.ndarray:
    """``area`` cut to the (slightly grown) bounding box of each geometry: the same intersection with that
    geometry, but GEOS's overlay then works on the few hundred vertices near it instead of the whole
    boundary of a city (thousands): about 6× faster for the features at 长沙市's edge. The box's own edges
    lie outside the geometry, so none of their vertices can reach the result."""
    bounds = shapely.bounds(geoms)
    pad = 1e-7 + 1e-9 * np.abs(bounds).max(axis=1)
    return np.array([shapely.clip_by_rect(area, x0 - d, y0 - d, x1 + d, y1 + d)
                     for (x0, y0, x1, y1), d in zip(bounds.tolist(), pad.tolist())], dtype=object)


def clip_frame(frame, area, feedback: Feedback, clip: bool = True) -> tuple[Any, int, str | None]:
    """``frame`` (EPSG:4490) cut to ``area``: (the cut frame, features cut at the edge, geometry kind).

    ``clip=False`` keeps every feature as it is (layers already made for the area: its units)."""
    geoms = np.asarray(frame.geometry.values, dtype=object)
    kind = geometry_kind(geoms)
    if kind is None:
        return frame.iloc[0:0].copy(), 0, None
    dim = _DIM[kind]
    usable = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    usable &= shapely.get_dimensions(geoms) == dim
    cut = 0
    if clip:
        shapely.prepare(area)
        meets = usable & shapely.intersects(area, geoms)
        covered = meets & shapely.covers(area, geoms)
        edge = np.flatnonzero(meets & ~covered)
        feedback.check()
        new = geoms.copy()
        if len(edge):
            pieces = shapely.intersection(geoms[edge], local_areas(area, geoms[edge]))
            for i, piece in zip(edge, pieces):
                new[i] = _keep_dimension(piece, dim)
            meets[edge] = [g is not None for g in new[edge]]
            cut = int(sum(g is not None for g in new[edge]))
        keep = meets
    else:
        new, keep = geoms, usable
    out = frame.loc[keep].copy()
    out = out.set_geometry(_as_multi(np.asarray(new[keep], dtype=object), kind), crs=frame.crs)
    return out.reset_index(drop=True), cut, kind


def wkb_type(frame, kind: str | None) -> str:
    """The GeoPackage/QGIS geometry type name of a (normalised) frame."""
    if kind is None or not len(frame):
        return {POLYGON: "MultiPolygon", LINE: "MultiLineString", POINT: "Point"}.get(kind or "", "Unknown")
    types = set(shapely.get_type_id(np.asarray(frame.geometry.values, dtype=object)).tolist())
    names = {0: "Point", 1: "LineString", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString", 6: "MultiPolygon"}
    return names.get(types.pop(), "Unknown") if len(types) == 1 else "Unknown"


# -- rasters ------------------------------------------------------------------------------------------

def _fill_value(dtype: np.dtype, nodata: float | None) -> float:
    if nodata is not None and np.isfinite(nodata):
        return nodata
    if np.issubdtype(dtype, np.floating):
        return -9999.0 if nodata is None else nodata
    info = np.iinfo(dtype)
    return float(info.min) if info.min < 0 else float(info.max)


def overview_factors(width: int, height: int) -> list[int]:
    factors, f = [], 2
    while min(width, height) // f >= MIN_OVERVIEW_PX:
        factors.append(f)
        f *= 2
    return factors or ([2] if min(width, height) >= 4 else [])


def _profile(width: int, height: int, count: int, dtype: str, crs, transform, nodata: float) -> dict[str, Any]:
    profile = {"driver": "GTiff", "width": width, "height": height, "count": count, "dtype": dtype, "crs": crs,
               "transform": transform, "nodata": nodata, "compress": "deflate", "zlevel": 1,  # 6: 8 % smaller, 2× time
               "predictor": 3 if np.issubdtype(np.dtype(dtype), np.floating) else 2}
    if width >= 256 and height >= 256:
        profile.update(tiled=True, blockxsize=256, blockysize=256)
    return profile


def clip_raster(src_path: Path, area, dest: Path, classes: bool, feedback: Feedback) -> dict[str, Any] | None:
    """Write ``src_path`` cut to ``area`` (EPSG:4490 geometry) at ``dest``; returns facts about it (None when
    the raster does not meet the area)."""
    import rasterio
    from pyproj import CRS, Transformer
    from rasterio.enums import Resampling
    from rasterio.features import geometry_mask
    from rasterio.windows import from_bounds

    with rasterio.open(src_path) as src:
        crs = CRS.from_user_input(src.crs) if src.crs else CRS.from_epsg(4490)
        shape = area
        if not crs.equals(CRS.from_epsg(4490)):
            tr = Transformer.from_crs(4490, crs, always_xy=True)
            shape = shapely.transform(shapely.segmentize(area, 0.01), lambda xy: np.column_stack(
                tr.transform(xy[:, 0], xy[:, 1])))
        raw = from_bounds(*shape.bounds, transform=src.transform)
        c0, r0 = int(np.floor(raw.col_off)), int(np.floor(raw.row_off))
        win = rasterio.windows.Window(c0, r0, int(np.ceil(raw.col_off + raw.width)) - c0,
                                      int(np.ceil(raw.row_off + raw.height)) - r0)
        full = rasterio.windows.Window(0, 0, src.width, src.height)
        try:
            win = win.intersection(full)
        except rasterio.errors.WindowError:
            return None
        if win.width < 1 or win.height < 1:
            return None
        transform = src.window_transform(win)
        data = src.read(window=win)  # (bands, rows, cols)
        feedback.check()
        nodata = _fill_value(data.dtype, src.nodata)
        outside = geometry_mask([shape], out_shape=data.shape[1:], transform=transform, all_touched=True)
        valid = ~outside
        if src.nodata is not None:
            floating = np.issubdtype(data.dtype, np.floating)
            valid &= ~np.isclose(data[0], src.nodata) if floating else data[0] != src.nodata
        if np.issubdtype(data.dtype, np.floating):
            valid &= np.isfinite(data[0])
        data[:, outside] = np.asarray(nodata, dtype=data.dtype)
        tags = src.tags()
        descriptions = src.descriptions
        try:
            colormap = src.colormap(1)
        except ValueError:
            colormap = None
        src_crs = src.crs
    if not valid.any():
        return None
    profile = _profile(int(win.width), int(win.height), data.shape[0], str(data.dtype), src_crs or "EPSG:4490",
                       transform, nodata)
    factors = overview_factors(int(win.width), int(win.height))
    with rasterio.open(dest, "w", **profile) as dst:
        dst.write(data)
        dst.update_tags(**tags)
        for k, text in enumerate(descriptions, start=1):
            if text:
                dst.set_band_description(k, text)
        if colormap:
            dst.write_colormap(1, colormap)
        if factors:
            dst.build_overviews(factors, Resampling.nearest if classes else Resampling.average)
            dst.update_tags(ns="rio_overview", resampling="nearest" if classes else "average")
    band = data[0][valid]
    return {"width": int(win.width), "height": int(win.height), "bands": int(data.shape[0]), "dtype": str(data.dtype),
            "nodata": nodata, "crs": crs.to_string(), "crs_wkt": crs.to_wkt(),
            "bounds": list(rasterio.transform.array_bounds(int(win.height), int(win.width), transform)),
            "overviews": factors,
            "min": float(band.min()), "max": float(band.max()), "values": _distinct(band) if classes else None,
            "res": [float(transform.a), float(-transform.e)], "transform": list(transform)[:6]}


def _distinct(values: np.ndarray, limit: int = 256) -> list[int] | None:
    uniq = np.unique(values)
    return [int(v) for v in uniq[:limit]] if len(uniq) <= limit else None


def write_hillshade(dem: Path, dest: Path, feedback: Feedback) -> dict[str, Any]:
    """The hillshade of a (packaged) DEM as a uint8 GeoTIFF on the same grid: 255 × the factor the app
    multiplies the DEM's colours by (0 = nodata, outside the DEM's data)."""
    import rasterio
    from pyproj import CRS
    from rasterio.enums import Resampling

    from ...carto.shading import hillshade, shade_factor, z_factor_for

    with rasterio.open(dem) as src:
        z = src.read(1, masked=True).astype(np.float32).filled(np.nan)  # float32: half the memory and time
        profile = src.profile
        crs = CRS.from_user_input(src.crs)
        bounds = src.bounds
        res_x, res_y = src.res
    feedback.check()
    if crs.is_geographic:
        lat = np.radians((bounds.bottom + bounds.top) / 2.0)
        cell_x, cell_y = res_x * 111_320.0 * np.cos(lat), res_y * 110_574.0
    else:
        cell_x, cell_y = res_x, res_y
    shade = hillshade(z, cell_x, z_factor=z_factor_for((cell_x + cell_y) / 2.0), cell_y=cell_y)
    out = np.where(np.isfinite(shade), np.clip(np.round(shade_factor(shade) * 255.0), 1, 255), 0).astype(np.uint8)
    profile.update(dtype="uint8", count=1, nodata=0, predictor=2)
    with rasterio.open(dest, "w", **profile) as dst:
        dst.write(out, 1)
        dst.set_band_description(1, "hillshade factor x255 (multiply over the DEM)")
        factors = overview_factors(out.shape[1], out.shape[0])
        if factors:
            dst.build_overviews(factors, Resampling.average)
    return {"width": out.shape[1], "height": out.shape[0], "bands": 1, "dtype": "uint8", "nodata": 0,
            "crs": crs.to_string(), "crs_wkt": crs.to_wkt(), "overviews": factors, "min": 0.0, "max": 255.0,
            "values": None}


__all__ = ["LINE", "POINT", "POLYGON", "clip_frame", "clip_raster", "geometry_kind", "local_areas", "overview_factors", "wkb_type",
           "write_hillshade"]
