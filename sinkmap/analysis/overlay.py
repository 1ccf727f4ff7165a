"""Wetland ∩ protected areas, one wetland feature at a time (for the sink ledger's 湿地保护率).

The protected layer is never dissolved as a whole. With real data, neighbouring protected areas share
borders whose vertices are not bit-identical; one union of all of them leaves slivers along every shared
border and, clipped to each county and intersected with every wetland, takes minutes. Instead each wetland
feature is overlaid only with the protected polygons its envelope meets (STRtree): inside one of them it is
protected whole; otherwise its intersections with them (shapely 2 array calls) are dissolved over that
feature when more than one has area. The result is the same quantity, area(wetland ∩ union(protected)), so
overlapping protected areas still count once.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely import STRtree

from ..core.feedback import Feedback, ensure

#: precision (m) of the snap-rounded overlay redone where GEOS cannot node a pair at full precision
FALLBACK_GRID_M = 0.01
#: wetland features overlaid per batch (a cancel checkpoint between batches)
BATCH = 2000


def safe_intersection(a: np.ndarray, b) -> np.ndarray:
    """``shapely.intersection(a, b)`` elementwise. If GEOS fails on some pair (a sliver it cannot node), the
    pairs are redone one by one and the failing ones snap-rounded to a 1 cm grid (robust; the area changes by
    less than 1 cm × perimeter)."""
    try:
        return shapely.intersection(a, b)
    except shapely.errors.GEOSException:
        bs = np.broadcast_to(np.asarray(b, dtype=object), a.shape)
        out = np.empty(a.shape, dtype=object)
        for k, (x, y) in enumerate(zip(a, bs)):
            try:
                out[k] = shapely.intersection(x, y)
            except shapely.errors.GEOSException:
                out[k] = shapely.intersection(x, y, grid_size=FALLBACK_GRID_M)
        return out


def safe_union(pieces: np.ndarray) -> shapely.Geometry:
    """``shapely.union_all(pieces)``, snap-rounded to a 1 cm grid if GEOS fails at full precision."""
    try:
        return shapely.union_all(pieces)
    except shapely.errors.GEOSException:
        return shapely.union_all(pieces, grid_size=FALLBACK_GRID_M)


class ProtectedParts:
    """The protected part (feature ∩ union of the protected areas) of each wetland feature, and its area.

    Geometries are valid and in an equal-area CRS (the ledger's). A feature's part is computed the first
    time a unit needs it and kept, so units that overlap (zones over counties) reuse it.
    """

    def __init__(self, wetland: np.ndarray, wetland_area_m2: np.ndarray, protected: np.ndarray,
                 protected_tree: STRtree | None = None, feedback: Feedback | None = None) -> None:
        self.wetland, self.wetland_area_m2 = wetland, wetland_area_m2
        self.protected = protected
        self.tree = protected_tree if protected_tree is not None else STRtree(protected)
        self.feedback = ensure(feedback)
        shapely.prepare(protected)
        self.parts = np.full(len(wetland), None, dtype=object)  # None: no protected area
        self.area_m2 = np.full(len(wetland), np.nan)  # NaN: not computed yet

    def area_in(self, unit, idx: np.ndarray, edge: np.ndarray) -> float:
        """Protected area (m²) inside ``unit`` of the wetland features ``idx``; ``edge`` holds the positions in
        ``idx`` of those crossing the unit's border (the others lie inside it and count whole)."""
        self.compute(idx)
        area = self.area_m2[idx].copy()
        cut = edge[area[edge] > 0]
        if cut.size:
            area[cut] = shapely.area(safe_intersection(self.parts[idx[cut]], unit))
        return float(area.sum())

    def compute(self, idx: np.ndarray) -> None:
        """Compute the parts of the features ``idx`` not computed yet."""
        todo = idx[np.isnan(self.area_m2[idx])]
        for start in range(0, todo.size, BATCH):
            self.feedback.check()
            self._overlay(todo[start:start + BATCH])

    def _overlay(self, todo: np.ndarray) -> None:
        w = self.wetland[todo]
        parts = np.full(todo.size, None, dtype=object)
        area = np.zeros(todo.size)
        a, b = self.tree.query(w)  # envelopes, then the exact test with the protected polygons prepared once:
        hit = shapely.intersects(self.protected[b], w[a])  # the same pairs, in the same order, as
        a, b = a[hit], b[hit]  # query(w, predicate="intersects"), which prepares every wetland feature
        whole = np.zeros(todo.size, bool)
        whole[a[shapely.contains(self.protected[b], w[a])]] = True
        parts[whole], area[whole] = w[whole], self.wetland_area_m2[todo[whole]]
        keep = ~whole[a]
        a, b = a[keep], b[keep]
        if a.size:
            pieces = safe_intersection(w[a], self.protected[b])
            solid = shapely.area(pieces) > 0  # contacts along an edge (lines, points) add nothing
            order = np.flatnonzero(solid)[np.argsort(a[solid], kind="stable")]
            a, pieces = a[order], pieces[order]
        if a.size:
            starts = np.flatnonzero(np.r_[True, a[1:] != a[:-1]])
            for s, e in zip(starts, np.r_[starts[1:], a.size]):
                parts[a[s]] = pieces[s] if e - s == 1 else safe_union(pieces[s:e])
            hit = a[starts]
            area[hit] = shapely.area(parts[hit])
        self.parts[todo], self.area_m2[todo] = parts, area


__all__ = ["FALLBACK_GRID_M", "ProtectedParts", "safe_intersection", "safe_union"]
