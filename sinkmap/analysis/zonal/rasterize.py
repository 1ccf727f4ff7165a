"""Exact fractional rasterisation of polygons: each zone becomes runs of full cells + partial cells.

The method is the signed-area accumulation of exact anti-aliasing font rasterisers. Work in pixel
coordinates (x = column, y = row). For every polygon edge and every cell it crosses, deposit two numbers:

* ``cover`` = the signed height ``dy`` of the part of the edge inside the cell;
* ``area``  = ``dy * (1 - m)``, where ``m`` is the mean x of that part relative to the cell's left side
  (the trapezoid between the edge piece and the cell's right side).

Walking a row from left to right with a running sum ``W`` of the covers already passed, the coverage of a
touched cell is ``|W + Σ area in the cell|`` and every untouched cell between two touched cells has the
constant coverage ``|W|`` (0 or 1 for a valid polygon). Holes and multipolygon parts need no special
case: their signed contributions add up. Cost is O(vertices + touched cells) per zone, memory is
proportional to the boundary length — never to the raster or the zone's bounding box.

Contributions are sorted by (row, col) per zone, merged, and turned into

* runs ``(row, col0, col1)`` of fully covered cells (inclusive), and
* partial cells ``(row, col, fraction)`` with 0 < fraction ≤ 1.

All zones of a grid are then gathered into one row-indexed :class:`CoverIndex` (CSR by row) that the zonal
engine streams the raster against, once.

The numba kernels are compiled on first use and cached on disk (``cache=True``); this module is only
imported by the raster engine, so CLI/GUI start-up does not pay for numba.
"""

from __future__ import annotations

import os

import numba
import numpy as np

from .coverindex import CoverIndex, ZoneCover, pixel_rings

__all__ = ["CoverIndex", "ZoneCover", "cover_index", "zone_cover", "pixel_rings"]

_EPS = 1e-12  # fractions below this are rounding noise of the accumulation
_FULL_EPS = 1e-9  # a winding within this of 1 is a full cell (rounding noise of long rows)


# -- geometry -> pixel rings -------------------------------------------------------------------------

# -- numba kernels -----------------------------------------------------------------------------------

@numba.njit(cache=True, nogil=True)
def _edge_records(x, y, ring_lo, ring_hi, offsets, height, width, out_row, out_col, out_area, out_cover,
                  write):
    """Deposit (row, col, area, cover) per cell crossed by every edge of rings ring_lo..ring_hi.

    Returns the record count; called with ``write=False`` to count, then to fill. Cells left of the grid
    collapse to one record at col -1 carrying only cover; cells right of it are dropped (they cannot
    change cells inside the grid); rows outside the grid are skipped.
    """
    n = 0
    for ring in range(ring_lo, ring_hi):
        for i in range(offsets[ring], offsets[ring + 1] - 1):
            xa = x[i]
            ya = y[i]
            xb = x[i + 1]
            yb = y[i + 1]
            if ya == yb:
                continue
            sign = 1.0 if yb > ya else -1.0
            ylo = min(ya, yb)
            yhi = max(ya, yb)
            if yhi <= 0.0 or ylo >= height:
                continue
            slope = (xb - xa) / (yb - ya)  # dx per unit y
            r0 = max(int(np.floor(ylo)), 0)
            r1 = min(int(np.ceil(yhi)) - 1, height - 1)
            for r in range(r0, r1 + 1):
                y0 = max(ylo, float(r))
                y1 = min(yhi, float(r + 1))
                dy = y1 - y0
                if dy <= 0.0:
                    continue
                px0 = xa + (y0 - ya) * slope
                px1 = xa + (y1 - ya) * slope
                xl = min(px0, px1)
                xr = max(px0, px1)
                wx = xr - xl
                if wx <= 0.0:  # vertical piece: one column
                    c = int(np.floor(xl))
                    if c >= width:
                        continue
                    if write:
                        out_row[n] = r
                        out_col[n] = max(c, -1)
                        out_area[n] = 0.0 if c < 0 else sign * dy * (1.0 - (xl - c))
                        out_cover[n] = sign * dy
                    n += 1
                    continue
                if xl < 0.0:  # the part left of the grid: cover only, on a virtual cell
                    if write:
                        out_row[n] = r
                        out_col[n] = -1
                        out_area[n] = 0.0
                        out_cover[n] = sign * (min(xr, 0.0) - xl) / wx * dy
                    n += 1
                    if xr <= 0.0:
                        continue
                c_start = max(int(np.floor(xl)), 0)
                c_end = min(int(np.ceil(xr)) - 1, width - 1)
                for c in range(c_start, c_end + 1):
                    sl = max(xl, float(c))
                    sr = min(xr, float(c + 1))
                    if sr <= sl:
                        continue
                    dys = (sr - sl) / wx * dy
                    if write:
                        out_row[n] = r
                        out_col[n] = c
                        out_area[n] = sign * dys * (1.0 - (0.5 * (sl + sr) - c))
                        out_cover[n] = sign * dys
                    n += 1
    return n


@numba.njit(cache=True, nogil=True)
def _sort_records(rows, cols):
    """Order of the records by (row, col): counting sort on rows, then a small sort per row."""
    n = rows.size
    order = np.empty(n, np.int64)
    if n == 0:
        return order
    rmin = rows.min()
    nrow = rows.max() - rmin + 1
    start = np.zeros(nrow + 1, np.int64)
    for i in range(n):
        start[rows[i] - rmin + 1] += 1
    for k in range(nrow):
        start[k + 1] += start[k]
    pos = start[:-1].copy()
    for i in range(n):
        k = rows[i] - rmin
        order[pos[k]] = i
        pos[k] += 1
    for k in range(nrow):
        lo = start[k]
        hi = start[k + 1]
        if hi - lo <= 24:  # insertion sort (stable) for the usual few records per row
            for a in range(lo + 1, hi):
                item = order[a]
                key = cols[item]
                b = a - 1
                while b >= lo and cols[order[b]] > key:
                    order[b + 1] = order[b]
                    b -= 1
                order[b + 1] = item
        else:
            seg = order[lo:hi].copy()
            sub = np.argsort(cols[seg], kind="mergesort")
            for j in range(hi - lo):
                order[lo + j] = seg[sub[j]]
    return order


@numba.njit(cache=True, nogil=True)
def _grow(a, need):
    if need <= a.size:
        return a
    b = np.empty(max(2 * a.size, need), a.dtype)
    b[: a.size] = a
    return b


@numba.njit(cache=True, nogil=True, inline="always")
def _put_part(part_row, part_col, part_zone, part_frac, k, r, c, zone, frac):
    """Write partial cell ``k``; False when the arrays are full (the caller then sizes them exactly)."""
    if k >= part_row.size:
        return False
    part_row[k] = r
    part_col[k] = c
    part_zone[k] = zone
    part_frac[k] = frac
    return True


@numba.njit(cache=True, nogil=True)
def _walk(rows, cols, area, cover, order, width, zone, run_row, run_c0, run_c1, run_zone, part_row, part_col,
          part_zone, part_frac, nr, npart, write):
    """Merge the (row, col)-sorted records of one zone into runs of full cells and partial cells.

    Between two touched cells the coverage is the running winding ``|w|``: 1 (a run), 0 (nothing) or, in
    a row cut by a horizontal edge, a fraction (each of those cells becomes a partial cell). Appends at
    ``nr`` / ``npart`` and returns the new counts; called with ``write=False`` first to size the arrays.
    """
    n = rows.size
    i = 0
    while i < n:
        r = rows[order[i]]
        w = 0.0  # running winding: the cover of everything to the left
        prev = -1  # last touched column inside the grid
        while True:
            last = not (i < n and rows[order[i]] == r)
            c = width if last else cols[order[i]]
            a_sum = 0.0
            cv_sum = 0.0
            while i < n and rows[order[i]] == r and cols[order[i]] == c:
                a_sum += area[order[i]]
                cv_sum += cover[order[i]]
                i += 1
            if c >= 0:
                aw = abs(w)
                if c - 1 >= prev + 1 and aw > _EPS:  # the untouched span prev+1 .. c-1
                    if aw >= 1.0 - _FULL_EPS:
                        if write:
                            if nr >= run_row.size:
                                return -1, -1  # out of room: the caller counts first, then writes
                            run_row[nr] = r
                            run_c0[nr] = prev + 1
                            run_c1[nr] = c - 1
                            run_zone[nr] = zone
                        nr += 1
                    else:
                        for cc in range(prev + 1, c):
                            if write and not _put_part(part_row, part_col, part_zone, part_frac, npart, r, cc,
                                                       zone, aw):
                                return -1, -1
                            npart += 1
                if last:
                    break
                f = min(abs(w + a_sum), 1.0)
                if f > _EPS:
                    if write and not _put_part(part_row, part_col, part_zone, part_frac, npart, r, c, zone, f):
                        return -1, -1
                    npart += 1
                prev = c
            w += cv_sum
    return nr, npart


@numba.njit(cache=True, nogil=True)
def _bound(x, y, ring_lo, ring_hi, offsets):
    """An upper bound of the records :func:`_edge_records` makes for rings ring_lo..ring_hi."""
    n = 0
    for ring in range(ring_lo, ring_hi):
        for i in range(offsets[ring], offsets[ring + 1] - 1):
            dr = abs(y[i + 1] - y[i])
            if dr > 0.0:
                n += 2 * int(dr) + int(abs(x[i + 1] - x[i])) + 6
    return n


@numba.njit(cache=True, nogil=True)
def _cover_all(x, y, ring_off, zone_off, height, width, z_lo, z_hi):
    """Runs and partial cells of zones z_lo..z_hi (zone order), unsorted across zones."""
    run_row = np.empty(1024, np.int32)
    run_c0 = np.empty(1024, np.int32)
    run_c1 = np.empty(1024, np.int32)
    run_zone = np.empty(1024, np.int32)
    part_row = np.empty(1024, np.int32)
    part_col = np.empty(1024, np.int32)
    part_zone = np.empty(1024, np.int32)
    part_frac = np.empty(1024, np.float64)
    rows = np.empty(1024, np.int32)
    cols = np.empty(1024, np.int32)
    area = np.empty(1024, np.float64)
    cover = np.empty(1024, np.float64)
    nr = 0
    npart = 0
    dummy_i = np.zeros(0, np.int32)
    dummy_f = np.zeros(0, np.float64)
    for z in range(z_lo, z_hi):
        lo = zone_off[z]
        hi = zone_off[z + 1]
        cap = _bound(x, y, lo, hi, ring_off)
        if cap == 0:
            continue
        if cap > rows.size:
            rows = np.empty(cap, np.int32)
            cols = np.empty(cap, np.int32)
            area = np.empty(cap, np.float64)
            cover = np.empty(cap, np.float64)
        n = _edge_records(x, y, lo, hi, ring_off, height, width, rows, cols, area, cover, True)
        if n == 0:
            continue
        r_, c_, a_, v_ = rows[:n], cols[:n], area[:n], cover[:n]
        order = _sort_records(r_, c_)
        # one writing walk with room for the usual counts (runs <= 2n, partial cells <= n + a little);
        # only rows cut by a horizontal edge can need more: then count first and write again
        need_r, need_p = nr + 2 * n + 16, npart + n + 16
        while True:
            run_row = _grow(run_row, need_r)
            run_c0 = _grow(run_c0, need_r)
            run_c1 = _grow(run_c1, need_r)
            run_zone = _grow(run_zone, need_r)
            part_row = _grow(part_row, need_p)
            part_col = _grow(part_col, need_p)
            part_zone = _grow(part_zone, need_p)
            part_frac = _grow(part_frac, need_p)
            nr1, np1 = _walk(r_, c_, a_, v_, order, width, z, run_row, run_c0, run_c1, run_zone, part_row,
                             part_col, part_zone, part_frac, nr, npart, True)
            if nr1 >= 0:
                break
            need_r, need_p = _walk(r_, c_, a_, v_, order, width, z, dummy_i, dummy_i, dummy_i, dummy_i, dummy_i,
                                   dummy_i, dummy_i, dummy_f, nr, npart, False)
        nr, npart = nr1, np1
    return run_row, run_c0, run_c1, run_zone, part_row, part_col, part_zone, part_frac, nr, npart


@numba.njit(cache=True, nogil=True)
def _csr(rows, n, height, a, b, c):
    """Stable counting sort of the first n entries by row: row pointers and a, b, c in that order."""
    ptr = np.zeros(height + 1, np.int64)
    for i in range(n):
        ptr[rows[i] + 1] += 1
    for r in range(height):
        ptr[r + 1] += ptr[r]
    pos = ptr[:-1].copy()
    oa = np.empty(n, a.dtype)
    ob = np.empty(n, b.dtype)
    oc = np.empty(n, c.dtype)
    for i in range(n):
        k = pos[rows[i]]
        oa[k] = a[i]
        ob[k] = b[i]
        oc[k] = c[i]
        pos[rows[i]] = k + 1
    return ptr, oa, ob, oc


# -- public ------------------------------------------------------------------------------------------

def cover_index(geoms, transform, height: int, width: int, threads: int | None = None) -> CoverIndex:
    """Exact coverage of every (multi)polygon in ``geoms`` (in the grid's CRS) on a height × width grid.

    With several threads the zones are split into contiguous groups rasterised in parallel (the kernels
    release the GIL); the groups are concatenated in zone order, so the index is the same bit for bit.
    """
    x, y, ring_off, zone_off = pixel_rings(geoms, transform)
    nz = len(zone_off) - 1
    threads = max(1, min(threads or os.cpu_count() or 1, nz // 8 or 1))
    if threads == 1:
        parts = [_cover_all(x, y, ring_off, zone_off, height, width, 0, nz)]
    else:
        from concurrent.futures import ThreadPoolExecutor

        vertices = np.array([ring_off[zone_off[z + 1]] - ring_off[zone_off[z]] for z in range(nz)], float)
        cuts = np.searchsorted(np.cumsum(vertices), vertices.sum() * np.arange(1, threads) / threads)
        bounds = [0, *[int(c) + 1 for c in cuts], nz]
        bounds = sorted(set(min(nz, b) for b in bounds))
        with ThreadPoolExecutor(len(bounds) - 1) as pool:
            parts = list(pool.map(lambda lh: _cover_all(x, y, ring_off, zone_off, height, width, *lh),
                                  zip(bounds[:-1], bounds[1:])))
    if len(parts) == 1:
        rr, rc0, rc1, rz, pr, pc, pz, pf, nr, npart = parts[0]
    else:
        cat = [np.concatenate([p[k][: p[8 if k < 4 else 9]] for p in parts]) for k in range(8)]
        rr, rc0, rc1, rz, pr, pc, pz, pf = cat
        nr, npart = len(rr), len(pr)
    run_ptr, c0, c1, rzone = _csr(rr, nr, height, rc0, rc1, rz)
    part_ptr, pcol, pzone, pfrac = _csr(pr, npart, height, pc, pz, pf)
    return CoverIndex(height=height, width=width, n_zones=nz, run_ptr=run_ptr, run_c0=c0, run_c1=c1,
                      run_zone=rzone, part_ptr=part_ptr, part_col=pcol, part_zone=pzone, part_frac=pfrac)


def zone_cover(geom, transform, height: int, width: int) -> ZoneCover:
    """Exact coverage of one (multi)polygon, given in the grid's CRS (tests and small grids)."""
    ix = cover_index([geom], transform, height, width)
    run_row = np.repeat(np.arange(height, dtype=np.int32), np.diff(ix.run_ptr))
    part_row = np.repeat(np.arange(height, dtype=np.int32), np.diff(ix.part_ptr))
    return ZoneCover(run_row, ix.run_c0, ix.run_c1, part_row, ix.part_col, ix.part_frac)
