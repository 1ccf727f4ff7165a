"""Does a lon/lat layer look like GCJ-02 (AMap/Tencent "Mars" coordinates) read as WGS-84/CGCS2000?

GCJ-02 data is labelled EPSG:4326 or carries no CRS at all (KML is WGS-84 by definition), so the label
cannot tell. The data can: in Hunan the GCJ-02 offset is about 650 m, and layers cut along
administrative boundaries (forest or wetland layers clipped to a county, zone polygons, the boundaries
themselves) have many vertices *on* a county boundary. :func:`looks_gcj02` samples the layer's vertices
and measures how many lie within :data:`NEAR_M` of a county boundary (the bundled CGCS2000 boundaries)
as they are, and how many after undoing the GCJ-02 offset. When many more fit after undoing it, the
layer is GCJ-02. A layer with no vertex on a boundary (stands inside a county) gives no verdict: it is
never warned about wrongly, only possibly missed.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely

#: A vertex "on" a boundary: closer than this (metres); the GCJ-02 offset in Hunan is ~500–700 m.
NEAR_M = 60.0
#: Vertices sampled (spread over the layer); enough for a clear verdict, cheap for a large layer.
SAMPLE = 1500
#: Verdict: at least this share of vertices fit the boundaries after undoing GCJ-02, ...
MIN_SHARE = 0.2
#: ... and at least this many times as many as fit without undoing it.
RATIO = 4.0
_M_PER_DEG = 111_320.0
#: Hunan's lon/lat box, with a margin: outside it the bundled boundaries cannot tell.
_BOX = (108.0, 24.0, 115.0, 30.8)


@lru_cache(maxsize=1)
def _boundary_tree():
    from .boundaries import load_units

    counties = load_units(level="county")
    lines = shapely.get_parts(shapely.boundary(np.asarray(counties.geometry.values)))
    # split the rings into short pieces so that the tree's boxes are tight
    pieces = shapely.get_parts(shapely.segmentize(lines, 0.01))
    coords = [np.asarray(p.coords) for p in pieces]
    segs = [shapely.linestrings(c[i:i + 51]) for c in coords for i in range(0, max(1, len(c) - 1), 50)]
    geoms = np.asarray(segs, dtype=object)
    return shapely.STRtree(geoms), geoms


def _sample_vertices(geoms: np.ndarray) -> np.ndarray:
    xy = shapely.get_coordinates(geoms)
    if len(xy) > SAMPLE:
        xy = xy[np.linspace(0, len(xy) - 1, SAMPLE).astype(np.int64)]
    return xy


def _share_near(tree, geoms, xy: np.ndarray) -> float:
    lat = np.deg2rad(xy[:, 1].mean())
    near_deg = NEAR_M / (_M_PER_DEG * np.cos(lat))  # the looser (longitude) scale: a superset, then exact
    pts = shapely.points(xy)
    idx = tree.query(pts, predicate="dwithin", distance=near_deg)
    if idx.shape[1] == 0:
        return 0.0
    # metric distance of each candidate pair (x scaled by cos(lat))
    p = xy[idx[0]]
    nearest = shapely.line_locate_point(geoms[idx[1]], pts[idx[0]])
    q = shapely.get_coordinates(shapely.line_interpolate_point(geoms[idx[1]], nearest))
    d = np.hypot((p[:, 0] - q[:, 0]) * np.cos(lat), p[:, 1] - q[:, 1]) * _M_PER_DEG
    close = np.zeros(len(xy), bool)
    close[idx[0][d <= NEAR_M]] = True
    return float(close.mean())


def gcj02_evidence(lonlat_geoms) -> tuple[float, float] | None:
    """(share of sampled vertices on a county boundary as they are, share after undoing GCJ-02), or None
    when the layer is outside Hunan or has no vertices."""
    from .gcj02 import gcj02_to_wgs84

    xy = _sample_vertices(np.asarray(lonlat_geoms))
    xy = xy[np.isfinite(xy).all(axis=1)]
    if not len(xy):
        return None
    x0, y0, x1, y1 = _BOX
    inside = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
    if inside.mean() < 0.5:
        return None
    xy = xy[inside]
    tree, geoms = _boundary_tree()
    lon, lat = gcj02_to_wgs84(xy[:, 0], xy[:, 1])
    return _share_near(tree, geoms, xy), _share_near(tree, geoms, np.column_stack([lon, lat]))


def looks_gcj02(lonlat_geoms) -> bool:
    """Whether the layer's vertices fit the county boundaries clearly better once GCJ-02 is undone."""
    ev = gcj02_evidence(lonlat_geoms)
    if ev is None:
        return False
    as_is, undone = ev
    return undone >= MIN_SHARE and undone >= RATIO * max(as_is, 0.01)


__all__ = ["gcj02_evidence", "looks_gcj02"]
