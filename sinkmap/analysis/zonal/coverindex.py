"""The exact cover of zones on a raster grid as plain arrays: runs of full cells and partial cells.

:class:`CoverIndex` is what the zonal kernels stream a raster against (all zones of a grid, CSR by row);
:class:`ZoneCover` one zone's cover (tests, small grids). They are made by
:mod:`sinkmap.analysis.zonal.rasterize` and kept on disk by :mod:`sinkmap.analysis.zonal.gridcache`; this
module needs numpy only, so a cached grid is used without loading numba's rasteriser or shapely.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CoverIndex", "ZoneCover", "INDEX_ARRAYS", "pixel_rings", "cover_index_with"]

#: the array fields of :class:`CoverIndex`, in order
INDEX_ARRAYS = ("run_ptr", "run_c0", "run_c1", "run_zone", "part_ptr", "part_col", "part_zone", "part_frac")


@dataclass
class ZoneCover:
    """One zone on one grid: runs of full cells and partial cells (row-sorted)."""

    run_row: np.ndarray  # int32
    run_c0: np.ndarray  # int32, inclusive
    run_c1: np.ndarray  # int32, inclusive
    part_row: np.ndarray  # int32
    part_col: np.ndarray  # int32
    part_frac: np.ndarray  # float64 in (0, 1]

    def dense(self, height: int, width: int) -> np.ndarray:
        """The coverage fractions as a dense (height, width) array — for tests and small grids only."""
        out = np.zeros((height, width))
        for r, c0, c1 in zip(self.run_row, self.run_c0, self.run_c1):
            out[r, c0:c1 + 1] = 1.0
        out[self.part_row, self.part_col] = self.part_frac
        return out

    @property
    def cells(self) -> float:
        """Covered area in cells (Σ fractions)."""
        return float((self.run_c1 - self.run_c0 + 1).sum() + self.part_frac.sum())


@dataclass
class CoverIndex:
    """All zones of a grid, indexed by row (CSR): what the zonal kernels stream the raster against.

    Runs of row r are ``run_*[run_ptr[r]:run_ptr[r+1]]``; partial cells likewise with ``part_ptr``.
    Within a row, entries keep zone order, so the summation order is fixed.
    """

    height: int
    width: int
    n_zones: int
    run_ptr: np.ndarray  # int64, height + 1
    run_c0: np.ndarray  # int32
    run_c1: np.ndarray  # int32
    run_zone: np.ndarray  # int32
    part_ptr: np.ndarray  # int64, height + 1
    part_col: np.ndarray  # int32
    part_zone: np.ndarray  # int32
    part_frac: np.ndarray  # float64

    @property
    def nbytes(self) -> int:
        return sum(getattr(self, k).nbytes for k in ("run_ptr", "run_c0", "run_c1", "run_zone", "part_ptr",
                                                      "part_col", "part_zone", "part_frac"))

    def cells_per_zone(self) -> np.ndarray:
        """Σ coverage fractions per zone, in cells (for checks)."""
        runs = np.bincount(self.run_zone, weights=(self.run_c1 - self.run_c0 + 1).astype(float),
                           minlength=self.n_zones)
        return runs + np.bincount(self.part_zone, weights=self.part_frac, minlength=self.n_zones)

    def row_span(self) -> tuple[int, int]:
        """First and one-past-last row that any zone touches (0, 0 if none)."""
        counts = np.diff(self.run_ptr) + np.diff(self.part_ptr)
        rows = np.flatnonzero(counts)
        return (0, 0) if rows.size == 0 else (int(rows[0]), int(rows[-1]) + 1)


def pixel_rings(geoms, transform) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """All rings of all (multi)polygons in pixel coordinates, vectorised.

    Returns x (col), y (row), ring offsets into x/y, and zone offsets into the rings. ``transform`` is
    a north-up (or south-up) affine without rotation. Ring orientation does not matter (coverage is
    taken in absolute value) as long as holes run opposite to their shell: ``orient_polygons`` sees to it.
    """
    import shapely

    geoms = shapely.orient_polygons(np.asarray(geoms, dtype=object))
    parts, part_zone = shapely.get_parts(geoms, return_index=True)
    keep = shapely.get_type_id(parts) == 3  # polygons only
    parts, part_zone = parts[keep], part_zone[keep]
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    ring_zone = part_zone[ring_part]
    xy, ring_of = shapely.get_coordinates(rings, return_index=True)
    ring_off = np.zeros(len(rings) + 1, np.int64)
    np.cumsum(np.bincount(ring_of, minlength=len(rings)), out=ring_off[1:])
    zone_off = np.zeros(len(geoms) + 1, np.int64)
    np.cumsum(np.bincount(ring_zone, minlength=len(geoms)), out=zone_off[1:])
    a, _, c, _, e, f = tuple(transform)[:6]
    x = np.ascontiguousarray((xy[:, 0] - c) / a)
    y = np.ascontiguousarray((xy[:, 1] - f) / e)
    return x, y, ring_off, zone_off


def cover_index_with(kernels, geoms, transform, height: int, width: int) -> CoverIndex:
    """:func:`sinkmap.analysis.zonal.rasterize.cover_index` run by ``kernels`` = (cover_all, csr_runs,
    csr_parts): the same rasteriser compiled ahead of time (:func:`sinkmap.analysis.zonal.aot.cover_kernels`),
    so no numba is imported. One call over all zones in zone order: the index is the same bit for bit."""
    cover_all, csr_runs, csr_parts = kernels
    x, y, ring_off, zone_off = pixel_rings(geoms, transform)
    nz = len(zone_off) - 1
    rr, rc0, rc1, rz, pr, pc, pz, pf, nr, npart = cover_all(x, y, ring_off, zone_off, height, width, 0, nz)
    run_ptr, c0, c1, rzone = csr_runs(rr, nr, height, rc0, rc1, rz)
    part_ptr, pcol, pzone, pfrac = csr_parts(pr, npart, height, pc, pz, pf)
    return CoverIndex(height=height, width=width, n_zones=nz, run_ptr=run_ptr, run_c0=c0, run_c1=c1,
                      run_zone=rzone, part_ptr=part_ptr, part_col=pcol, part_zone=pzone, part_frac=pfrac)
