"""Hydrology of a DEM for the pumped-storage search: depression filling, D8 flow, accumulation.

Compiled kernels (numba, cached on disk, GIL released) over whole arrays; no Python loop touches a cell.

* :func:`fill_eps` — Priority-Flood+ε (Barnes, Lehman & Mulla 2014, "Priority-Flood: an optimal
  depression-filling and watershed-labeling algorithm", Computers & Geosciences 62): cells are taken from
  the lowest edge inwards; a cell not higher than the one that reached it is raised to that height + ε
  (1e-6 m, as the reference) and queued FIFO, so every filled depression and flat drains with a tiny slope
  towards its outlet. The DEM holds whole metres (as the reference's int16), so the priority queue is a
  bucket queue, one bucket per metre, read in array order (see :func:`fill_eps`): O(1) per cell instead of
  a binary heap's O(log n), and cache-friendly.
  Seeds: the cells on the array's edge and the cells next to a void (nodata): water leaves there.
* :func:`flow_directions` — D8, the steepest descent on the ε-filled surface, the drop divided by the true
  distance between cell centres (per-row east–west width on the ellipsoid for lon/lat grids); ties go to
  the first of the reference's direction order (E, SE, S, SW, W, NW, N, NE). Edge cells flow off the array
  (as the reference's); a seed next to a void with no lower neighbour flows into the void. Rows are split
  between threads.
* :func:`upstream_mask` — for each cell a byte whose bit ``d`` says the neighbour in direction ``d`` flows
  into it: walking upstream then touches only real tributaries.
* :func:`accumulate` — upstream area (ha, the cell itself excluded as in the reference) in one O(n) pass:
  walks down from every source, stopping where a confluence still waits for another branch.
"""

from __future__ import annotations

import numba
import numpy as np

#: Direction order of the reference (row, col offsets): E, SE, S, SW, W, NW, N, NE.
DR = np.array([0, 1, 1, 1, 0, -1, -1, -1], np.int64)
DC = np.array([1, 1, 0, -1, -1, -1, 0, 1], np.int64)
OUTLET = 8  # flows off the array or into a void
VOID = -1  # no data
EPS = 1.0e-6
#: Sentinel of a void in the int16 height arrays.
VOID_Z = np.int16(-32768)


#: Cells (or FIFO steps) between two looks at the stop flag in the long kernels.
STOP_EVERY = 1 << 16


def no_stop() -> np.ndarray:
    """A stop flag that is never raised (kernels called without a cancel watcher)."""
    return np.zeros(1, np.uint8)


def fill_eps(z, valid, stop=None):
    """ε-filled heights (float64; NaN on voids), see :func:`_fill_eps`. ``stop``: a one-byte flag array; when
    set (by :func:`sinkmap.analysis.phes._threads.cancel_watch`) the kernel returns early with a partial
    result, which the caller throws away (it checks the feedback next)."""
    return _fill_eps(z, valid, no_stop() if stop is None else stop)


@numba.njit(cache=True, nogil=True)
def _fill_eps(z, valid, stop):
    """ε-filled heights (float64; NaN on voids) of the whole-metre DEM ``z`` (int16/int32, 2-D).

    Priority-Flood+ε with a bucket queue whose buckets are known in advance: a cell enters the queue at its
    own height, and while the flood works at height L every cell it queues is higher than L (a cell not
    higher is raised and goes to the FIFO instead). So the cells of height L waiting in the queue are all
    known when L comes up, and the flood takes them in array order from a list of all cells sorted by
    height (a counting sort, made once): neighbouring cells come one after another in memory, where a
    heap or a FIFO per bucket would jump across the tile at every step.
    """
    h, w = z.shape
    n = h * w
    zf = z.ravel()
    vf = valid.ravel()
    out = np.full((h, w), np.nan)
    filled = out.ravel()
    state = np.zeros(n, np.uint8)  # 0 not reached, 1 waiting at its height, 2 done (or void), 3 in the FIFO
    off = np.empty(8, np.int64)
    for d in range(8):
        off[d] = DR[d] * w + DC[d]
    zmin = 1 << 30
    zmax = -(1 << 30)
    for i in range(n):
        if (i & (STOP_EVERY - 1)) == 0 and stop[0]:
            return out
        if vf[i]:
            v = np.int64(zf[i])
            zmin = min(zmin, v)
            zmax = max(zmax, v)
        else:
            state[i] = 2
    if zmax < zmin:
        return out
    nb = zmax - zmin + 1
    start = np.zeros(nb + 1, np.int64)
    for i in range(n):
        if (i & (STOP_EVERY - 1)) == 0 and stop[0]:
            return out
        if vf[i]:
            start[np.int64(zf[i]) - zmin + 1] += 1
    for b in range(nb):
        start[b + 1] += start[b]
    order = np.empty(start[nb], np.int32)
    put = start[:nb].copy()
    for i in range(n):
        if (i & (STOP_EVERY - 1)) == 0 and stop[0]:
            return out
        if vf[i]:
            b = np.int64(zf[i]) - zmin
            order[put[b]] = i
            put[b] += 1
    # seeds: the array's edge and the cells next to a void
    for r in range(h):
        if stop[0]:
            return out
        for c in range(w):
            i = r * w + c
            if not vf[i]:
                continue
            seed = r == 0 or c == 0 or r == h - 1 or c == w - 1
            if not seed:
                for d in range(8):
                    if not vf[i + off[d]]:
                        seed = True
                        break
            if seed:
                state[i] = 1
                filled[i] = zf[i]
    fifo = np.empty(n, np.int32)
    for t in range(order.shape[0]):
        if (t & (STOP_EVERY - 1)) == 0 and stop[0]:
            return out
        i0 = order[t]
        if state[i0] != 1:
            continue
        ph = 0
        pt = 1
        fifo[0] = i0
        while ph < pt:
            if (ph & (STOP_EVERY - 1)) == STOP_EVERY - 1 and stop[0]:
                return out
            i = fifo[ph]
            ph += 1
            state[i] = 2
            hc = filled[i]
            r = i // w
            c = i - r * w
            edge = r == 0 or c == 0 or r == h - 1 or c == w - 1
            for d in range(8):
                if edge:
                    rr = r + DR[d]
                    cc = c + DC[d]
                    if rr < 0 or rr >= h or cc < 0 or cc >= w:
                        continue
                j = i + off[d]
                if state[j] != 0:
                    continue
                zn = zf[j]
                if zn <= hc:
                    filled[j] = hc + EPS
                    state[j] = 3
                    fifo[pt] = j
                    pt += 1
                else:
                    filled[j] = zn
                    state[j] = 1
    return out


@numba.njit(cache=True, nogil=True)
def _directions_rows(filled, valid, dx, dy, r0, r1, out, stop):
    """D8 of rows r0..r1-1 into ``out`` (int8): 0–7, OUTLET, or VOID."""
    h, w = filled.shape
    for r in range(r0, r1):
        if stop[0]:
            return out
        # distances to the 8 neighbours from this row (east-west width of the row between the two centres)
        ddist = np.empty(8)
        for d in range(8):
            if DR[d] == 0:
                ddist[d] = dx[r]
            else:
                rm = r + DR[d]
                if rm < 0 or rm >= h:
                    ddist[d] = 1.0
                    continue
                ew = 0.5 * (dx[r] + dx[rm])
                ns = 0.5 * (dy[r] + dy[rm])
                ddist[d] = ns if DC[d] == 0 else np.sqrt(ns * ns + ew * ew)
        for c in range(w):
            if not valid[r, c]:
                out[r, c] = VOID
                continue
            if r == 0 or c == 0 or r == h - 1 or c == w - 1:
                out[r, c] = OUTLET
                continue
            fc = filled[r, c]
            best = OUTLET
            best_drop = 0.0
            best_dist = 1.0e30
            for d in range(8):
                rr = r + DR[d]
                cc = c + DC[d]
                if not valid[rr, cc]:
                    continue
                drop = filled[rr, cc] - fc
                if drop >= 0.0:
                    continue
                if drop * best_dist < best_drop * ddist[d]:
                    best_drop = drop
                    best_dist = ddist[d]
                    best = d
            out[r, c] = best
    return out


def flow_directions(filled: np.ndarray, valid: np.ndarray, dx: np.ndarray, dy: np.ndarray,
                    threads: int = 2, stop=None) -> np.ndarray:
    """D8 directions (int8) of the ε-filled surface; ``dx``/``dy`` the per-row cell width/height (m)."""
    out = np.empty(filled.shape, np.int8)
    stop = no_stop() if stop is None else stop
    _by_rows(lambda a, b: _directions_rows(filled, valid, dx, dy, a, b, out, stop), filled.shape[0], threads)
    return out


@numba.njit(cache=True, nogil=True)
def _upstream_rows(fdir, r0, r1, out, stop):
    h, w = fdir.shape
    for r in range(r0, r1):
        if stop[0]:
            return out
        for c in range(w):
            m = 0
            if fdir[r, c] != VOID:
                for d in range(8):
                    rr = r + DR[d]
                    cc = c + DC[d]
                    if rr < 0 or rr >= h or cc < 0 or cc >= w:
                        continue
                    k = fdir[rr, cc]
                    if k >= 0 and k < 8 and rr + DR[k] == r and cc + DC[k] == c:
                        m |= 1 << d
            out[r, c] = m
    return out


def upstream_mask(fdir: np.ndarray, threads: int = 2, stop=None) -> np.ndarray:
    """Bit ``d`` of ``mask[r, c]``: the neighbour in direction ``d`` flows into (r, c)."""
    out = np.empty(fdir.shape, np.uint8)
    stop = no_stop() if stop is None else stop
    _by_rows(lambda a, b: _upstream_rows(fdir, a, b, out, stop), fdir.shape[0], threads)
    return out


def accumulate(fdir, up, area_ha, stop=None):
    """Upstream area (ha, float32) of every cell, the cell itself excluded; ``area_ha`` per row."""
    return _accumulate(fdir, up, area_ha, no_stop() if stop is None else stop)


@numba.njit(cache=True, nogil=True)
def _accumulate(fdir, up, area_ha, stop):
    h, w = fdir.shape
    acc = np.zeros((h, w), np.float32)
    indeg = np.empty((h, w), np.int8)
    for r in range(h):
        if stop[0]:
            return acc
        for c in range(w):
            m = up[r, c]
            k = 0
            while m:
                k += m & 1
                m >>= 1
            indeg[r, c] = k
    for r0 in range(h):
        if stop[0]:
            return acc
        for c0 in range(w):
            if indeg[r0, c0] != 0 or fdir[r0, c0] < 0:
                continue
            indeg[r0, c0] = -1
            r = r0
            c = c0
            while True:
                d = fdir[r, c]
                if d < 0 or d >= 8:
                    break
                rr = r + DR[d]
                cc = c + DC[d]
                acc[rr, cc] += acc[r, c] + area_ha[r]
                indeg[rr, cc] -= 1
                if indeg[rr, cc] > 0:
                    break
                indeg[rr, cc] = -1
                r = rr
                c = cc
    return acc


@numba.njit(cache=True, nogil=True)
def round_filled(filled, valid):
    """The ε-filled heights rounded to whole metres (int16, VOID_Z on voids), as the reference's
    ``DEM_filled``."""
    h, w = filled.shape
    out = np.empty((h, w), np.int16)
    for r in range(h):
        for c in range(w):
            if valid[r, c]:
                v = filled[r, c]
                out[r, c] = np.int16(int(v + 0.5) if v >= 0 else int(v - 0.5))
            else:
                out[r, c] = VOID_Z
    return out


def _by_rows(fn, rows: int, threads: int) -> None:
    """``fn(r0, r1)`` over row blocks, on ``threads`` threads (the kernels release the GIL)."""
    threads = max(1, min(int(threads), rows // 64 or 1))
    if threads == 1:
        fn(0, rows)
        return
    from concurrent.futures import ThreadPoolExecutor

    step = -(-rows // (threads * 4))
    blocks = [(a, min(rows, a + step)) for a in range(0, rows, step)]
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda ab: fn(*ab), blocks))


__all__ = ["DC", "DR", "EPS", "OUTLET", "VOID", "VOID_Z", "accumulate", "fill_eps", "flow_directions",
           "no_stop", "round_filled", "upstream_mask"]
