"""Layer data prepared for drawing: geometry as flat numpy arrays in the display CRS. No Qt.

Loading a vector layer happens once, off the GUI thread: read it (``sinkmap.io.vectors.read_vector``,
EPSG:4490), flatten the geometries into *parts* — polygon rings, line strings or points — held as one
coordinate array plus offsets, and project the vertices to the display CRS. Renderers then select
visible features with array comparisons and decimate vertices per pixel without shapely or a Python
loop per feature, which is what keeps a 100,000-polygon layer quick to redraw.

The shapely calls that hold Python's GIL (``get_parts``, ``get_rings``, ``point_on_surface``) run on
chunks of :data:`CHUNK` features, so a loading thread never stalls the GUI thread for long; projecting
the vertices (pyproj) and the array arithmetic release the GIL. Geometries stay in the storage CRS:
identify and selection transform the query point or box instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer

from ...core.errors import InputError
from ...core.feedback import Feedback, ensure

POLYGON, LINE, POINT = "polygon", "line", "point"
CHUNK = 5_000


def chunked(fn: Callable, geoms: np.ndarray, feedback: Feedback | None = None, size: int = CHUNK, **kw):
    """``fn`` over ``geoms`` in chunks; results (arrays, or tuples of arrays) concatenated.

    ``return_index`` results are offset so indices refer to the whole input.
    """
    out = []
    for start in range(0, len(geoms), size):
        if feedback is not None:
            feedback.check()
        r = fn(geoms[start:start + size], **kw)
        if isinstance(r, tuple) and kw.get("return_index"):
            r = (r[0], r[1] + start)
        out.append(r)
    if not out:
        return fn(geoms[:0], **kw)
    if isinstance(out[0], tuple):
        return tuple(np.concatenate([o[i] for o in out]) for i in range(len(out[0])))
    return np.concatenate(out)


@dataclass
class VectorData:
    """A vector layer ready to draw and query. ``frame`` keeps the attributes and EPSG:4490 geometry."""

    frame: gpd.GeoDataFrame
    kind: str  # POLYGON / LINE / POINT
    coords: np.ndarray  # (V, 2) float64 vertices of every part, display CRS
    part_offsets: np.ndarray  # (P + 1,) int64 start of each part in ``coords``
    part_feature: np.ndarray  # (P,) int64 row of ``frame`` each part belongs to
    bounds: np.ndarray  # (F, 4) xmin, ymin, xmax, ymax per feature, display CRS (NaN if empty)
    display_crs: str
    _tree: shapely.STRtree | None = field(default=None, repr=False)
    _label_xy: np.ndarray | None = field(default=None, repr=False)
    _to_storage: Transformer | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def extent(self) -> tuple[float, float, float, float]:
        b = self.bounds[np.isfinite(self.bounds).all(axis=1)]
        if len(b) == 0:
            return (0.0, 0.0, 1.0, 1.0)
        return (float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max()))

    @property
    def geoms(self) -> np.ndarray:
        """The features' geometries (storage CRS)."""
        return np.asarray(self.frame.geometry.array)

    @property
    def to_storage(self) -> Transformer:
        if self._to_storage is None:
            self._to_storage = Transformer.from_crs(self.display_crs, self.frame.crs, always_xy=True)
        return self._to_storage

    @property
    def tree(self) -> shapely.STRtree:
        if self._tree is None:
            self._tree = shapely.STRtree(self.geoms)
        return self._tree

    @property
    def label_xy(self) -> np.ndarray:
        """(F, 2) a point inside each feature (display CRS), where its label goes; NaN if empty."""
        if self._label_xy is None:
            pts = chunked(shapely.point_on_surface, self.geoms)
            xy = np.full((len(pts), 2), np.nan)
            ok = ~(shapely.is_empty(pts) | shapely.is_missing(pts))
            if ok.any():
                ll = shapely.get_coordinates(pts[ok])
                tr = Transformer.from_crs(self.frame.crs, self.display_crs, always_xy=True)
                xy[ok] = np.column_stack(tr.transform(ll[:, 0], ll[:, 1]))
            self._label_xy = xy
        return self._label_xy

    def _storage_box(self, box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        return self.to_storage.transform_bounds(*box, densify_pts=5)

    def features_at(self, x: float, y: float, tolerance: float) -> np.ndarray:
        """Rows under display point (x, y); lines and points within ``tolerance`` display units."""
        if self.kind == POLYGON:
            sx, sy = self.to_storage.transform(x, y)
            hits = self.tree.query(shapely.Point(sx, sy), predicate="intersects")
        else:
            hits = self.tree.query(shapely.box(*self._storage_box(
                (x - tolerance, y - tolerance, x + tolerance, y + tolerance))), predicate="intersects")
        return np.sort(hits)

    def features_in(self, box: tuple[float, float, float, float]) -> np.ndarray:
        """Rows intersecting a display-CRS rectangle."""
        return np.sort(self.tree.query(shapely.box(*self._storage_box(box)), predicate="intersects"))


def _kind_of(geoms: np.ndarray) -> str:
    types = set(np.unique(shapely.get_type_id(geoms)).tolist()) if len(geoms) else set()
    if types & {3, 6}:  # Polygon, MultiPolygon
        return POLYGON
    if types & {1, 2, 5}:  # LineString, LinearRing, MultiLineString
        return LINE
    return POINT


def flatten_parts(geoms: np.ndarray, kind: str, feedback: Feedback | None = None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(coords, part_offsets, part_feature) for polygon rings, line strings or points (chunked)."""
    parts, part_idx = chunked(shapely.get_parts, geoms, feedback, return_index=True)
    types = shapely.get_type_id(parts)
    keep = types == 3 if kind == POLYGON else (np.isin(types, (1, 2)) if kind == LINE else types == 0)
    parts, part_idx = parts[keep], part_idx[keep]
    if kind == POLYGON:
        rings, ring_idx = chunked(shapely.get_rings, parts, feedback, return_index=True)
        parts, part_idx = rings, part_idx[ring_idx]
    coords, vidx = chunked(shapely.get_coordinates, parts, feedback, return_index=True)
    counts = np.bincount(vidx, minlength=len(parts))
    offsets = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return coords, offsets, part_idx.astype(np.int64)


def feature_bounds(coords: np.ndarray, offsets: np.ndarray, part_feature: np.ndarray, n: int) -> np.ndarray:
    """(n, 4) bounds per feature from flattened parts (NaN for features without a part).

    Parts are grouped by feature in order (shapely keeps input order), so two ``reduceat`` passes —
    vertices to parts, parts to features — give the bounds without a loop.
    """
    out = np.full((n, 4), np.nan)
    nonempty = np.diff(offsets) > 0
    if len(coords) == 0 or not nonempty.any():
        return out
    starts = offsets[:-1][nonempty]
    feat = part_feature[nonempty]
    pmin = np.minimum.reduceat(coords, starts, axis=0)
    pmax = np.maximum.reduceat(coords, starts, axis=0)
    first = np.flatnonzero(np.r_[True, feat[1:] != feat[:-1]])
    rows = feat[first]
    out[rows, 0:2] = np.minimum.reduceat(pmin, first, axis=0)
    out[rows, 2:4] = np.maximum.reduceat(pmax, first, axis=0)
    return out


def prepare_vector(frame: gpd.GeoDataFrame, display_crs: str, feedback: Feedback | None = None) -> VectorData:
    """Flatten ``frame`` (any CRS) and project its vertices to ``display_crs``."""
    feedback = ensure(feedback)
    if len(frame) == 0:
        raise InputError(code="io.vector.no_features")
    if frame.crs is None:
        raise InputError(code="io.layer.no_crs")
    frame = frame.reset_index(drop=True)
    geoms = np.asarray(frame.geometry.array)
    present = ~shapely.is_missing(geoms)
    kind = _kind_of(geoms[present])
    feedback.progress(0.1, "flattening")
    coords, offsets, part_feature = flatten_parts(geoms, kind, feedback)
    feedback.progress(0.5, "projecting")
    if not CRS.from_user_input(frame.crs).equals(CRS.from_user_input(display_crs)) and len(coords):
        tr = Transformer.from_crs(frame.crs, display_crs, always_xy=True)
        xs, ys = tr.transform(coords[:, 0], coords[:, 1])
        coords = np.column_stack([xs, ys])
    feedback.check()
    feedback.progress(0.8, "indexing")
    bounds = feature_bounds(coords, offsets, part_feature, len(frame))
    feedback.progress(1.0, "")
    return VectorData(frame=frame, kind=kind, coords=coords, part_offsets=offsets, part_feature=part_feature,
                      bounds=bounds, display_crs=display_crs)


def load_vector(path: str | Path, layer: str | None, display_crs: str, *, encoding: str | None = None,
                crs: str | None = None, feedback: Feedback | None = None) -> VectorData:
    """Read a vector layer (any format ``read_vector`` knows) and prepare it for drawing."""
    from ...core.feedback import SubFeedback
    from ..vectors import read_vector

    feedback = ensure(feedback)
    frame = read_vector(path, layer=layer, encoding=encoding, crs=crs, feedback=SubFeedback(feedback, 0, 0.7))
    return prepare_vector(frame, display_crs, SubFeedback(feedback, 0.7, 1.0))
