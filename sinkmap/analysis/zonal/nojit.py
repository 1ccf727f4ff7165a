"""The zonal engine's compiled steps in plain numpy, for a first run that must not wait for numba (issue 15).

On a fresh install numba compiles the rasteriser and the accumulation kernels on their first call (≈ 20 s
of CPU, more than the rest of a province ledger ten times over). Until they are compiled — ahead of time
(:mod:`.aot`) or by numba's cache — the engine uses these vectorised equivalents and starts the compile in
the background for next time (:func:`sinkmap.analysis.zonal.aot.build_in_background`):

* :func:`cover_index` — the exact cover (runs of full cells, partial cells) of
  :func:`sinkmap.analysis.zonal.rasterize.cover_index`, by the same signed-area method: every edge piece
  per crossed cell, sorted per zone by (row, column), summed per cell, the winding carried along each row;
* :func:`polygon_areas` — :func:`sinkmap.analysis.zonal.cellarea.lonlat_polygon_areas`'s edge integral;
* :class:`ClassAccumulator` — per zone × class areas of one strip: every row's full-cell runs become a
  label image (``np.repeat`` of the runs and the gaps between them), counted per (row, zone, class) with
  one ``np.bincount`` and weighted by the row's cell area; partial cells by gathering them.

Same definitions, same inputs: the results agree with the compiled kernels to rounding (≈ 1e-15 relative;
``tests/test_zonal_nojit.py``), not bit for bit (sums are taken in another order). The accumulator needs
cell areas constant along a row (lon/lat grids and equal-area projections) and zones that do not overlap
(a partition, like counties); otherwise, and for codes the scheme does not know, the engine uses numba.
"""

from __future__ import annotations

import os

import numpy as np

from .coverindex import CoverIndex, pixel_rings

__all__ = ["mode", "cover_index", "polygon_areas", "ClassAccumulator"]

_EPS = 1e-12  # as rasterize._EPS
_FULL_EPS = 1e-9  # as rasterize._FULL_EPS


def mode() -> str:
    """``numba`` or ``numpy``: which kernels this process uses for steps without a compiled module.

    ``SINKMAP_KERNELS=numba|numpy`` decides; otherwise (``auto``) numpy while nothing is compiled yet —
    no ahead-of-time module (:mod:`.aot`) and no mark that numba's cache was filled on this install."""
    choice = os.environ.get("SINKMAP_KERNELS", "auto").strip().lower()
    if choice in ("numba", "numpy"):
        return choice
    from . import aot

    return "numba" if aot.kernels() is not None or aot.jit_ready() else "numpy"


# -- exact cover ------------------------------------------------------------------------------------

def _edge_records(x, y, ring_off, zone_off, height: int, width: int):
    """(zone, row, col, area, cover) per cell crossed by every edge, as rasterize._edge_records makes them
    (same formulas, same order within a zone)."""
    n_rings = len(ring_off) - 1
    ring_zone = np.repeat(np.arange(len(zone_off) - 1), np.diff(zone_off))
    starts = np.arange(len(x) - 1)
    ring_of = np.repeat(np.arange(n_rings), np.diff(ring_off))
    inner = ring_of[:-1] == ring_of[1:] if len(x) > 1 else np.zeros(0, bool)  # edges i -> i+1 of one ring
    i = starts[inner]
    xa, ya, xb, yb = x[i], y[i], x[i + 1], y[i + 1]
    zone = ring_zone[ring_of[i]]
    keep = ya != yb
    ylo, yhi = np.minimum(ya, yb), np.maximum(ya, yb)
    keep &= (yhi > 0.0) & (ylo < height)
    xa, ya, xb, yb, zone, ylo, yhi = (v[keep] for v in (xa, ya, xb, yb, zone, ylo, yhi))
    sign = np.where(yb > ya, 1.0, -1.0)
    slope = (xb - xa) / (yb - ya)
    r0 = np.maximum(np.floor(ylo).astype(np.int64), 0)
    r1 = np.minimum(np.ceil(yhi).astype(np.int64) - 1, height - 1)
    nrow = np.maximum(r1 - r0 + 1, 0)
    e = np.repeat(np.arange(len(r0)), nrow)  # one piece per (edge, row)
    r = r0[e] + (np.arange(len(e)) - np.repeat(np.cumsum(nrow) - nrow, nrow))
    y0 = np.maximum(ylo[e], r.astype(np.float64))
    y1 = np.minimum(yhi[e], (r + 1).astype(np.float64))
    dy = y1 - y0
    ok = dy > 0.0
    e, r, y0, y1, dy = e[ok], r[ok], y0[ok], y1[ok], dy[ok]
    px0 = xa[e] + (y0 - ya[e]) * slope[e]
    px1 = xa[e] + (y1 - ya[e]) * slope[e]
    xl, xr = np.minimum(px0, px1), np.maximum(px0, px1)
    wx = xr - xl
    sg = sign[e]
    out = []  # (piece order key, sub-order, zone, row, col, area, cover)
    piece = np.arange(len(e))
    # vertical pieces: one column
    v = wx <= 0.0
    cv = np.floor(xl[v]).astype(np.int64)
    inside = cv < width
    pv = piece[v][inside]
    cvv = cv[inside]
    xlv, dyv, sgv = xl[v][inside], dy[v][inside], sg[v][inside]
    out.append((pv, np.zeros(len(pv), np.int64), e[v][inside], r[v][inside], np.maximum(cvv, -1),
                np.where(cvv < 0, 0.0, sgv * dyv * (1.0 - (xlv - cvv))), sgv * dyv))
    # sloped pieces: the part left of the grid (cover only, on column -1), then every crossed column
    s = ~v
    ps, es, rs, xls, xrs, wxs, dys, sgs = piece[s], e[s], r[s], xl[s], xr[s], wx[s], dy[s], sg[s]
    left = xls < 0.0
    out.append((ps[left], np.zeros(int(left.sum()), np.int64), es[left], rs[left],
                np.full(int(left.sum()), -1, np.int64), np.zeros(int(left.sum())),
                sgs[left] * (np.minimum(xrs[left], 0.0) - xls[left]) / wxs[left] * dys[left]))
    go = ~(left & (xrs <= 0.0))
    ps, es, rs, xls, xrs, wxs, dys, sgs = (a[go] for a in (ps, es, rs, xls, xrs, wxs, dys, sgs))
    c_start = np.maximum(np.floor(xls).astype(np.int64), 0)
    c_end = np.minimum(np.ceil(xrs).astype(np.int64) - 1, width - 1)
    ncol = np.maximum(c_end - c_start + 1, 0)
    k = np.repeat(np.arange(len(c_start)), ncol)
    c = c_start[k] + (np.arange(len(k)) - np.repeat(np.cumsum(ncol) - ncol, ncol))
    sl = np.maximum(xls[k], c.astype(np.float64))
    sr = np.minimum(xrs[k], (c + 1).astype(np.float64))
    ok = sr > sl
    k, c, sl, sr = k[ok], c[ok], sl[ok], sr[ok]
    dys_ = (sr - sl) / wxs[k] * dys[k]
    out.append((ps[k], c + 1, es[k], rs[k], c, sgs[k] * dys_ * (1.0 - (0.5 * (sl + sr) - c)), sgs[k] * dys_))
    key, sub, edge, row, col, area, cover = (np.concatenate(p) for p in zip(*out))
    return zone[edge], key, sub, row.astype(np.int64), col.astype(np.int64), area, cover


def cover_index(geoms, transform, height: int, width: int) -> CoverIndex:
    """:func:`sinkmap.analysis.zonal.rasterize.cover_index` without numba (see the module docstring)."""
    x, y, ring_off, zone_off = pixel_rings(geoms, transform)
    nz = len(zone_off) - 1
    zone, key, sub, row, col, area, cover = _edge_records(x, y, ring_off, zone_off, height, width)
    # per zone by (row, col), records of one cell in the order the edges made them (stable)
    order = np.lexsort((sub, key, col, row, zone))
    zone, row, col, area, cover = zone[order], row[order], col[order], area[order], cover[order]
    n = len(zone)
    if n:
        new_cell = np.r_[True, (zone[1:] != zone[:-1]) | (row[1:] != row[:-1]) | (col[1:] != col[:-1])]
        starts = np.flatnonzero(new_cell)
        a_sum = np.add.reduceat(area, starts)
        cv_sum = np.add.reduceat(cover, starts)
        cz, cr, cc = zone[starts], row[starts], col[starts]
    else:
        a_sum = cv_sum = np.zeros(0)
        cz = cr = cc = np.zeros(0, np.int64)
    m = len(cz)
    new_group = np.r_[True, (cz[1:] != cz[:-1]) | (cr[1:] != cr[:-1])] if m else np.zeros(0, bool)
    gid = np.cumsum(new_group) - 1
    cs = np.cumsum(cv_sum)
    excl = cs - cv_sum
    w_before = excl - excl[np.flatnonzero(new_group)][gid] if m else excl
    # previous touched column inside the grid, in the same row of the same zone (-1: none)
    prev = np.full(m, -1, np.int64)
    if m:
        same = ~new_group[1:]
        prev[1:] = np.where(same & (cc[:-1] >= 0), cc[:-1], -1)
    runs, parts = [], []

    def spans(z, r, lo, hi, w):
        """Untouched cells lo..hi of row r with winding w: a run (|w| ≈ 1) or partial cells (0 < |w| < 1)."""
        aw = np.abs(w)
        has = (hi >= lo) & (aw > _EPS)
        full = has & (aw >= 1.0 - _FULL_EPS)
        runs.append((r[full], z[full], lo[full], hi[full]))
        frac = has & ~full
        cnt = (hi - lo + 1)[frac]
        idx = np.repeat(np.flatnonzero(frac), cnt)
        cols = lo[idx] + (np.arange(len(idx)) - np.repeat(np.cumsum(cnt) - cnt, cnt))
        parts.append((r[idx], z[idx], cols, aw[idx]))

    inside = cc >= 0
    spans(cz[inside], cr[inside], prev[inside] + 1, cc[inside] - 1, w_before[inside])
    f = np.minimum(np.abs(w_before + a_sum), 1.0)
    touched = inside & (f > _EPS)
    parts.append((cr[touched], cz[touched], cc[touched], f[touched]))
    if m:  # after the last touched cell of each row: up to the grid's right edge
        last = np.r_[new_group[1:], True]
        g_end = np.flatnonzero(last)
        last_in = np.where(cc[g_end] >= 0, cc[g_end], prev[g_end])
        w_end = w_before[g_end] + cv_sum[g_end]
        spans(cz[g_end], cr[g_end], last_in + 1, np.full(len(g_end), width - 1, np.int64), w_end)
    rr, rz, rc0, rc1 = (np.concatenate(v) for v in zip(*runs))
    pr, pz, pc, pf = (np.concatenate(v) for v in zip(*parts))
    o = np.lexsort((rc0, rz, rr))
    p = np.lexsort((pc, pz, pr))
    run_ptr = np.zeros(height + 1, np.int64)
    np.cumsum(np.bincount(rr, minlength=height)[:height], out=run_ptr[1:])
    part_ptr = np.zeros(height + 1, np.int64)
    np.cumsum(np.bincount(pr, minlength=height)[:height], out=part_ptr[1:])
    return CoverIndex(height=height, width=width, n_zones=nz, run_ptr=run_ptr,
                      run_c0=rc0[o].astype(np.int32), run_c1=rc1[o].astype(np.int32),
                      run_zone=rz[o].astype(np.int32), part_ptr=part_ptr, part_col=pc[p].astype(np.int32),
                      part_zone=pz[p].astype(np.int32), part_frac=pf[p].astype(np.float64))


# -- polygon areas ----------------------------------------------------------------------------------

def polygon_areas(lam, phi, ridx, zone_of_ring, n_zones: int, a: float, e2: float, gx, gw) -> np.ndarray:
    """The edge loop of :func:`sinkmap.analysis.zonal.greenarea._green_areas`, vectorised."""
    if lam.size < 2:
        return np.zeros(n_zones)
    i = np.flatnonzero(ridx[1:] == ridx[:-1])
    p0, p1 = phi[i], phi[i + 1]
    e = np.sqrt(e2)
    k0 = 0.5 * a * a * (1.0 - e2)
    mean_s = np.zeros(len(i))
    for j in range(gx.size):
        sp = np.sin(0.5 * (p0 + p1) + 0.5 * (p1 - p0) * gx[j])
        core = sp / (1.0 - e2 * sp * sp) + (np.arctanh(e * sp) / e if e2 > 0.0 else sp)
        mean_s += gw[j] * k0 * core
    out = np.bincount(zone_of_ring[ridx[i]], weights=-0.5 * mean_s * (lam[i + 1] - lam[i]), minlength=n_zones)
    return np.abs(out)


# -- accumulation ------------------------------------------------------------------------------------

class ClassAccumulator:
    """Per zone × bin areas of strips without numba (see the module docstring); ``usable`` says whether
    the index allows it (non-overlapping runs)."""

    def __init__(self, index: CoverIndex, n_bins: int) -> None:
        self.ix = index
        self.n_bins = n_bins
        h, w, nz = index.height, index.width, index.n_zones
        rows = np.repeat(np.arange(h, dtype=np.int64), np.diff(index.run_ptr))
        o = np.lexsort((index.run_c0, rows))
        r, c0, c1, z = rows[o], index.run_c0[o].astype(np.int64), index.run_c1[o].astype(np.int64), index.run_zone[o]
        same = np.r_[False, r[1:] == r[:-1]] if len(r) else np.zeros(0, bool)
        prev_end = np.where(same, np.r_[0, c1[:-1] + 1] if len(r) else 0, 0)
        self.usable = bool(np.all(c0 >= prev_end))
        if not self.usable:
            return
        # every row as segments covering all its columns: gap, run, gap, run, ..., tail gap (label nz: none)
        last = np.r_[r[1:] != r[:-1], True] if len(r) else np.zeros(0, bool)
        tail_rows = r[last]
        empty_rows = np.setdiff1d(np.arange(h), tail_rows)
        nr = len(r)
        seg_row = np.concatenate([r, r, tail_rows, empty_rows])
        seg_ord = np.concatenate([2 * np.arange(nr), 2 * np.arange(nr) + 1, np.full(len(tail_rows), 2 * nr + 1),
                                  np.zeros(len(empty_rows), np.int64)])
        seg_len = np.concatenate([c0 - prev_end, c1 - c0 + 1, w - (c1[last] + 1), np.full(len(empty_rows), w)])
        seg_zone = np.concatenate([np.full(nr, nz), z, np.full(len(tail_rows), nz), np.full(len(empty_rows), nz)])
        o = np.lexsort((seg_ord, seg_row))
        keep = seg_len[o] > 0
        self.seg_row = seg_row[o][keep]
        self.seg_len = seg_len[o][keep]
        self.seg_zone = seg_zone[o][keep].astype(np.int64)
        self.seg_ptr = np.searchsorted(self.seg_row, np.arange(h + 1))
        self.part_row = np.repeat(np.arange(h, dtype=np.int64), np.diff(index.part_ptr))

    def add(self, data: np.ndarray, r0: int, lut: np.ndarray, row_area: np.ndarray, acc: np.ndarray) -> None:
        """acc[zone, bin] += area (m²) of the cells of ``data`` (rows r0..; values through ``lut``);
        ``row_area``: each of those rows' cell area."""
        ix, kb, nz1 = self.ix, self.n_bins, self.ix.n_zones + 1
        n = data.shape[0]
        # blocks of a few MB: their temporaries are reused from the heap, not mapped and faulted in anew
        step = max(1, min(n, (1 << 20) // max(1, ix.width)))
        total = np.zeros(nz1 * kb)
        for b0 in range(0, n, step):
            b1 = min(n, b0 + step)
            s0, s1 = self.seg_ptr[r0 + b0], self.seg_ptr[r0 + b1]
            lab = np.repeat((((self.seg_row[s0:s1] - (r0 + b0)) * nz1 + self.seg_zone[s0:s1]) * kb).astype(np.int32),
                            self.seg_len[s0:s1])
            lab += lut[data[b0:b1]].ravel()
            cnt = np.bincount(lab, minlength=(b1 - b0) * nz1 * kb).reshape(b1 - b0, nz1 * kb)
            total += row_area[b0:b1] @ cnt.astype(np.float64)
        acc += total.reshape(nz1, kb)[: ix.n_zones]
        p0, p1 = ix.part_ptr[r0], ix.part_ptr[r0 + n]
        if p1 > p0:
            prow = self.part_row[p0:p1]
            bins = lut[data[prow - r0, ix.part_col[p0:p1]]].astype(np.int64)
            acc += np.bincount(ix.part_zone[p0:p1].astype(np.int64) * kb + bins,
                               weights=ix.part_frac[p0:p1] * row_area[prow - r0],
                               minlength=ix.n_zones * kb).reshape(ix.n_zones, kb)
