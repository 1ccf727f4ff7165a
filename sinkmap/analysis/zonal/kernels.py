"""The numba kernels of the zonal engine: one call per window, accumulating per zone.

Both kernels stream a window of whole raster rows against the row-indexed zone structure
(:class:`sinkmap.analysis.zonal.rasterize.CoverIndex`): runs of full cells and partial cells. Cell areas come
from the linear-per-tile model of :mod:`sinkmap.analysis.zonal.cellarea`, so a run of n equal values inside
one tile adds ``n·A + B·Σ(c − base)`` in one step. Summation order is fixed by the data (row, then
the index order within the row), so results are reproducible bit for bit.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["accumulate_classes", "accumulate_unknown", "accumulate_sum", "MAX_UNKNOWN", "LANES"]

from .constants import LANES, MAX_UNKNOWN  # noqa: E402 - re-exported


@numba.njit(cache=True, nogil=True, inline="always")
def _add_run(row, lut, accz, c, ce, a, b, base):
    """accz[lane, bin] += area of cells c..ce (inclusive) of one row, one zone, one area tile, where the
    cell area varies along the row (a + b·(col − base)); cells are spread over 8 lanes."""
    while c + 8 <= ce + 1:
        for k in range(8):
            accz[k, lut[row[c + k]]] += a + b * (c + k - base)
        c += 8
    while c <= ce:
        accz[0, lut[row[c]]] += a + b * (c - base)
        c += 1


@numba.njit(cache=True, nogil=True, inline="always")
def _count_run(row, lut, cnt, c, ce):
    """cnt[lane, bin] += 1 for cells c..ce (inclusive): integer counts over four lanes (no FP chain)."""
    while c + 4 <= ce + 1:
        cnt[0, lut[row[c]]] += 1
        cnt[1, lut[row[c + 1]]] += 1
        cnt[2, lut[row[c + 2]]] += 1
        cnt[3, lut[row[c + 3]]] += 1
        c += 4
    while c <= ce:
        cnt[0, lut[row[c]]] += 1
        c += 1


@numba.njit(cache=True, nogil=True, inline="always")
def _flush_counts(cnt, accz, a):
    """accz[0, bin] += count × cell area, and clear the counts."""
    for b in range(cnt.shape[1]):
        n = cnt[0, b] + cnt[1, b] + cnt[2, b] + cnt[3, b]
        if n:
            accz[0, b] += n * a
            cnt[0, b] = 0
            cnt[1, b] = 0
            cnt[2, b] = 0
            cnt[3, b] = 0


@numba.njit(cache=True, nogil=True)
def accumulate_classes(data, row0, run_ptr, run_c0, run_c1, run_zone, part_ptr, part_col, part_zone,
                       part_frac, lut, area_a, area_b, tile, acc):
    """acc[zone, lane, bin] += covered area (m²) of every cell of ``data`` (rows row0.. of the raster).

    ``lut`` maps every raw (unsigned) value to a bin: scheme classes, nodata, or the 'unknown' probe bin
    that :func:`accumulate_unknown` resolves value by value afterwards (only in windows that have one).
    Where the cell area is constant along a run (every lon/lat raster), cells are counted per bin in
    integers and the count is multiplied by the area once per run; otherwise areas are added per cell.
    """
    nrows = data.shape[0]
    cnt = np.zeros((4, acc.shape[2]), np.int64)
    for i in range(nrows):
        r = row0 + i
        row = data[i]
        for k in range(run_ptr[r], run_ptr[r + 1]):
            z = run_zone[k]
            c = run_c0[k]
            c1 = run_c1[k]
            t = c // tile
            if c1 // tile == t and area_b[i, t] == 0.0:  # the common case: one tile, no nested loop
                _count_run(row, lut, cnt, c, c1)
                _flush_counts(cnt, acc[z], area_a[i, t])
                continue
            accz = acc[z]
            while c <= c1:
                t = c // tile
                base = t * tile
                ce = min(c1, base + tile - 1)
                if area_b[i, t] == 0.0:
                    _count_run(row, lut, cnt, c, ce)
                    _flush_counts(cnt, accz, area_a[i, t])
                else:
                    _add_run(row, lut, accz, c, ce, area_a[i, t], area_b[i, t], base)
                c = ce + 1
        for k in range(part_ptr[r], part_ptr[r + 1]):
            c = part_col[k]
            t = c // tile
            acc[part_zone[k], 0, lut[row[c]]] += part_frac[k] * (area_a[i, t] + area_b[i, t] * (c - t * tile))


@numba.njit(cache=True, nogil=True)
def _assign(dyn, v, unknown, state, overflow_bin, first_unknown_bin):
    """Give an unknown raster value its own bin (or the overflow bin once MAX_UNKNOWN are in use)."""
    n = state[0]
    if n < unknown.size:
        unknown[n] = v
        state[0] = n + 1
        b = first_unknown_bin + n
    else:
        b = overflow_bin
    dyn[v] = b
    return b


@numba.njit(cache=True, nogil=True)
def accumulate_unknown(data, row0, run_ptr, run_c0, run_c1, run_zone, part_ptr, part_col, part_zone,
                       part_frac, lut, probe, area_a, area_b, tile, out, dyn, unknown, state):
    """For cells whose value maps to the ``probe`` bin: out[zone, bin] += area, one bin per raw value.

    ``dyn`` (raw value -> bin, -1 = unseen) and ``unknown``/``state`` persist over a chunk. ``out`` has
    columns [..., overflow, unknown_0, unknown_1, ...] with ``unknown.size`` unknown columns at the end.
    """
    overflow_bin = out.shape[1] - unknown.size - 1
    first = overflow_bin + 1
    for i in range(data.shape[0]):
        r = row0 + i
        row = data[i]
        for k in range(run_ptr[r], run_ptr[r + 1]):
            z = run_zone[k]
            for c in range(run_c0[k], run_c1[k] + 1):
                v = row[c]
                if lut[v] == probe:
                    bb = dyn[v]
                    if bb < 0:
                        bb = _assign(dyn, v, unknown, state, overflow_bin, first)
                    t = c // tile
                    out[z, bb] += area_a[i, t] + area_b[i, t] * (c - t * tile)
        for k in range(part_ptr[r], part_ptr[r + 1]):
            c = part_col[k]
            v = row[c]
            if lut[v] == probe:
                bb = dyn[v]
                if bb < 0:
                    bb = _assign(dyn, v, unknown, state, overflow_bin, first)
                t = c // tile
                out[part_zone[k], bb] += part_frac[k] * (area_a[i, t] + area_b[i, t] * (c - t * tile))


@numba.njit(cache=True, nogil=True)
def accumulate_sum(data, row0, run_ptr, run_c0, run_c1, run_zone, part_ptr, part_col, part_zone,
                   part_frac, nodata, has_nodata, nonnegative, area_a, area_b, tile, acc):
    """acc[zone] += [Σ value·area, Σ valid area, Σ nodata area, cells refused] (areas in m²) for a
    continuous raster.

    NaN is always nodata; ``nodata`` too when ``has_nodata``. ±inf, and negative values when
    ``nonnegative`` (a density), are not data either: their area counts as nodata and the cells are
    counted in ``acc[zone, 3]`` (one comparison per cell, in the same pass).
    """
    inf = np.inf
    nrows = data.shape[0]
    for i in range(nrows):
        r = row0 + i
        row = data[i]
        for k in range(run_ptr[r], run_ptr[r + 1]):
            z = run_zone[k]
            c = run_c0[k]
            c1 = run_c1[k]
            while c <= c1:
                t = c // tile
                base = t * tile
                ce = min(c1, base + tile - 1)
                a = area_a[i, t]
                b = area_b[i, t]
                s = 0.0
                valid = 0.0
                missing = 0.0
                refused = 0
                for cc in range(c, ce + 1):
                    v = float(row[cc])
                    ar = a + b * (cc - base)
                    if v != v or (has_nodata and v == nodata):
                        missing += ar
                    elif v == inf or v == -inf or (nonnegative and v < 0.0):
                        missing += ar
                        refused += 1
                    else:
                        s += v * ar
                        valid += ar
                acc[z, 0] += s
                acc[z, 1] += valid
                acc[z, 2] += missing
                acc[z, 3] += refused
                c = ce + 1
        for k in range(part_ptr[r], part_ptr[r + 1]):
            c = part_col[k]
            t = c // tile
            ar = part_frac[k] * (area_a[i, t] + area_b[i, t] * (c - t * tile))
            v = float(row[c])
            z = part_zone[k]
            if v != v or (has_nodata and v == nodata):
                acc[z, 2] += ar
            elif v == inf or v == -inf or (nonnegative and v < 0.0):
                acc[z, 2] += ar
                acc[z, 3] += 1
            else:
                acc[z, 0] += v * ar
                acc[z, 1] += ar


def empty_unknown(lut_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fresh (raw value -> bin, unknown values, state) buffers for one chunk."""
    return np.full(lut_size, -1, np.int32), np.zeros(MAX_UNKNOWN, np.int64), np.zeros(1, np.int64)
