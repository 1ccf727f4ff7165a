"""Layer data prepared for drawing: geometry as flat numpy arrays in the display CRS. No Qt.

Loading a vector layer happens once, in a worker thread: read it (``sinkmap.io.vectors.read_vector``,
EPSG:4490), project every vertex to the display CRS and flatten the geometries into *parts* — polygon
rings, line strings or points — held as one coordinate array plus offsets. Renderers then select
visible features with array comparisons and decimate vertices per pixel without touching shapely or a
Python loop per feature, which is what keeps a 100,000-polygon layer quick to redraw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer

from ...core.errors import InputError
from ...core.feedback import Feedback, ensure

POLYGON, LINE, POINT = "polygon", "line", "point"


@dataclass
class VectorData:
    """A vector layer ready to draw and query. ``frame`` keeps the attributes (and EPSG:4490 geometry)."""

    frame: gpd.GeoDataFrame
    kind: str  # POLYGON / LINE / POINT
    geoms: np.ndarray  # shapely geometries in the display CRS, one per row of ``frame``
    coords: np.ndarray  # (V, 2) float64 vertices of every part, display CRS
    part_offsets: np.ndarray  # (P + 1,) int64 start of each part in ``coords``
    part_feature: np.ndarray  # (P,) int64 row of ``frame`` each part belongs to
    bounds: np.ndarray  # (F, 4) xmin, ymin, xmax, ymax per feature, display CRS
    display_crs: str
    _tree: shapely.STRtree | None = field(default=None, repr=False)
    _label_xy: np.ndarray | None = field(default=None, repr=False)

    @property
    def extent(self) -> tuple[float, float, float, float]:
        b = self.bounds
        ok = np.isfinite(b).all(axis=1)
        if not ok.any():
            return (0.0, 0.0, 1.0, 1.0)
        b = b[ok]
        return (float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max()))

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def tree(self) -> shapely.STRtree:
        """Spatial index over the display-CRS geometries (built on first use)."""
        if self._tree is None:
            self._tree = shapely.STRtree(self.geoms)
        return self._tree

    @property
    def label_xy(self) -> np.ndarray:
        """(F, 2) a point inside each feature, where its label goes (display CRS)."""
        if self._label_xy is None:
            pts = shapely.point_on_surface(self.geoms)
            self._label_xy = shapely.get_coordinates(pts, include_z=False)
            if len(self._label_xy) != len(self.geoms):  # empty geometries give no coordinate
                xy = np.full((len(self.geoms), 2), np.nan)
                ok = ~shapely.is_empty(pts)
                xy[ok] = self._label_xy
                self._label_xy = xy
        return self._label_xy

    def features_at(self, x: float, y: float, tolerance: float) -> np.ndarray:
        """Rows of features under the map point (x, y), within ``tolerance`` map units for lines/points."""
        if self.kind == POLYGON:
            hits = self.tree.query(shapely.Point(x, y), predicate="intersects")
        else:
            hits = self.tree.query(shapely.Point(x, y).buffer(tolerance), predicate="intersects")
        return np.sort(hits)

    def features_in(self, box: tuple[float, float, float, float]) -> np.ndarray:
        """Rows of features intersecting a map rectangle."""
        return np.sort(self.tree.query(shapely.box(*box), predicate="intersects"))


def _kind_of(geoms: np.ndarray) -> str:
    types = set(shapely.get_type_id(geoms[~shapely.is_empty(geoms)]).tolist()) if len(geoms) else set()
    if types & {3, 6}:  # Polygon, MultiPolygon
        return POLYGON
    if types & {1, 2, 5}:  # LineString, LinearRing, MultiLineString
        return LINE
    return POINT


def flatten_parts(geoms: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(coords, part_offsets, part_feature) for polygon rings, line strings or points."""
    parts, part_idx = shapely.get_parts(geoms, return_index=True)
    if kind == POLYGON:
        keep = np.isin(shapely.get_type_id(parts), (3,))
        parts, part_idx = parts[keep], part_idx[keep]
        rings, ring_idx = shapely.get_rings(parts, return_index=True)
        parts, part_idx = rings, part_idx[ring_idx]
    elif kind == LINE:
        keep = np.isin(shapely.get_type_id(parts), (1, 2))
        parts, part_idx = parts[keep], part_idx[keep]
    else:
        keep = shapely.get_type_id(parts) == 0
        parts, part_idx = parts[keep], part_idx[keep]
    coords, vidx = shapely.get_coordinates(parts, return_index=True)
    counts = np.bincount(vidx, minlength=len(parts))
    offsets = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return coords, offsets, part_idx.astype(np.int64)


def prepare_vector(frame: gpd.GeoDataFrame, display_crs: str, feedback: Feedback | None = None) -> VectorData:
    """Project ``frame`` to ``display_crs`` and flatten it for drawing."""
    feedback = ensure(feedback)
    if len(frame) == 0:
        raise InputError("the layer has no features", hint="choose another layer or file")
    if frame.crs is None:
        raise InputError("the layer has no coordinate reference system",
                         hint="set one in the import dialog")
    frame = frame.reset_index(drop=True)
    feedback.progress(0.1, "projecting")
    geoms = np.asarray(frame.geometry.values, dtype=object)
    src = CRS.from_user_input(frame.crs)
    dst = CRS.from_user_input(display_crs)
    if not src.equals(dst):
        tr = Transformer.from_crs(src, dst, always_xy=True)
        geoms = shapely.transform(geoms, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
    feedback.check()
    geoms = np.where(shapely.is_missing(geoms), shapely.from_wkt("GEOMETRYCOLLECTION EMPTY"), geoms)
    kind = _kind_of(geoms)
    feedback.progress(0.6, "indexing")
    coords, offsets, part_feature = flatten_parts(geoms, kind)
    bounds = shapely.bounds(geoms)
    feedback.progress(1.0, "")
    return VectorData(frame=frame, kind=kind, geoms=geoms, coords=coords, part_offsets=offsets,
                      part_feature=part_feature, bounds=bounds, display_crs=display_crs)


def load_vector(path: str | Path, layer: str | None, display_crs: str, *, encoding: str | None = None,
                crs: str | None = None, feedback: Feedback | None = None) -> VectorData:
    """Read a vector layer (any format ``read_vector`` knows) and prepare it for drawing."""
    from ...core.feedback import SubFeedback
    from ...io.vectors import read_vector

    feedback = ensure(feedback)
    frame = read_vector(path, layer=layer, encoding=encoding, crs=crs, feedback=SubFeedback(feedback, 0, 0.7))
    return prepare_vector(frame, display_crs, SubFeedback(feedback, 0.7, 1.0))
