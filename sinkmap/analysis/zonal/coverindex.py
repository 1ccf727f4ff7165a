"""The exact cover of zones on a raster grid as plain arrays: runs of full cells and partial cells.

:class:`CoverIndex` is what the zonal kernels stream a raster against (all zones of a grid, CSR by row);
:class:`ZoneCover` one zone's cover (tests, small grids). They are made by
:mod:`sinkmap.analysis.zonal.rasterize` and kept on disk by :mod:`sinkmap.analysis.zonal.gridcache`; this
module needs numpy only, so a cached grid is used without loading numba's rasteriser or shapely.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CoverIndex", "ZoneCover", "INDEX_ARRAYS"]

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
