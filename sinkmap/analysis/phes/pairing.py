"""Pairing: upper and lower reservoirs that can hold the energy asked for, as the reference's ``pairing.cpp``.

For each upper reservoir (dam site in the upper area) and each lower one:

1. head = upper − lower dam-site elevation (whole metres), 100–1600 m;
2. head / dam-site separation ≥ 0.03 (a first cut);
3. the required volume ``V = E·3.6e12 / (head·ρ·g·η·u·1e6)`` fits both reservoirs at their highest wall;
4. each wall height interpolated (linearly between the screened heights, from 0 GL at 0 m) to hold V, and
   no higher than the reservoir's highest allowed wall; water/rock of each = V / rock at that height;
5. pair water/rock ``1/(1/wr_u + 1/wr_l)`` ≥ 1.5;
6. the separation: the nearest of the 9 × 9 points (8 extreme cells of each reservoir, interpolated
   between the screened heights, and its dam site); head / separation ≥ 0.05;
7. figure of merit under 1.1 × the class-E limit; the 100 best lowers of each upper are kept.

The lowers are bucketed on a coarse grid with their lowest dam-site elevation per bucket: an upper looks
only at buckets near enough for the 0.03 slope at the largest head the bucket can give, which leaves the
result unchanged and the work near-linear (the reference compares every upper with every lower).
Differences: E is not truncated to whole GWh (the reference's ``find_required_volume`` takes an int), and
distances use the true row width/height on the ellipsoid (the reference: a sphere with one cos(lat) per
upper reservoir).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from ...core.feedback import Feedback, ensure
from .constants import PhesSettings
from .cost import class_kernel, cost_vector, fom_kernel
from ._threads import run_items
from .screening import Reservoirs

BUCKET = 64  # cells per side of a bucket of lowers


@numba.njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _interp(value, xs, ys):
    """The reference's ``linear_interpolate``: from (0, 0) through (xs, ys); INF beyond the last x."""
    n = xs.shape[0]
    i = 0
    while xs[i] < value - 1e-6:
        if i == n - 1:
            return 1e18
        i += 1
    xl = xs[i - 1] if i > 0 else 0.0
    yl = ys[i - 1] if i > 0 else 0.0
    return yl + (ys[i] - yl) * (value - xl) / (xs[i] - xl)


@numba.njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _dist2(r1, c1, r2, c2, dx, dy):
    """Squared distance (m²) between two (fractional) cell positions."""
    rm = int(0.5 * (r1 + r2))
    if rm < 0:
        rm = 0
    if rm >= dx.shape[0]:
        rm = dx.shape[0] - 1
    a = (r2 - r1) * dy[rm]
    b = (c2 - c1) * dx[rm]
    return a * a + b * b


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _points(k, hw, site, bounds, heights, w, out_r, out_c):
    """The reference's ``find_points_to_test``: 8 extreme cells at wall ``hw`` (interpolated between the two
    screened heights around it; from the dam site below the first) and the dam site."""
    nh = heights.shape[0]
    i = 0
    while i < nh - 1 and heights[i] < hw:
        i += 1
    lo_h = heights[i - 1] if i > 0 else 0.0
    f = (hw - lo_h) / (heights[i] - lo_h)
    p = site[k]
    pr = p // w
    pc = p - pr * w
    for d in range(8):
        b2 = bounds[k, i, d]
        b1 = bounds[k, i - 1, d] if i > 0 else p
        r1 = b1 // w
        c1 = b1 - r1 * w
        r2 = b2 // w
        c2 = b2 - r2 * w
        out_r[d] = r1 + (r2 - r1) * f
        out_c[d] = c1 + (c2 - c1) * f
    out_r[8] = pr
    out_c[8] = pc


@numba.njit(cache=True, nogil=True, error_model="numpy")
def pair_chunk(uppers, lo_order, b_ptr, b_minz, nbr, nbc, site, elev, max_dam, volumes, dam_volumes, bounds, impact,
               heights, w, dx, dy, energy, hours, prm, cm, letters, pcost, scost, max_fom, keep,
               o_u, o_l, o_head, o_hw_u, o_hw_l, o_wr_u, o_wr_l, o_dist, o_ppd, o_fom, o_cls, o_vol, o_imp, o_n,
               reasons, stop):
    """Pairs of the uppers ``uppers`` (indices into the reservoir arrays) with every lower; the ``keep`` best
    (lowest figure of merit) of each upper go to rows ``[i·keep, i·keep + o_n[i])`` of the outputs.

    ``prm`` = (min_head, max_head, min_pp_slope, min_slope, min_pair_wr, rho·g·η·u·1e6/3.6e12 (per GWh·m),
    eta, usable, rho, g). ``reasons`` counts rejections: head, pp slope, volume, wall, water/rock, slope, cost."""
    min_head, max_head, pp_slope, min_slope, min_wr = prm[0], prm[1], prm[2], prm[3], prm[4]
    dxmin = dx.min()
    dymin = dy.min()
    zmin_all = b_minz.min()
    per_gwh_m = prm[5]
    nd = impact.shape[1]
    ur = np.empty(9)
    uc = np.empty(9)
    lr = np.empty(9)
    lc = np.empty(9)
    for iu in range(uppers.shape[0]):
        if stop[0]:
            return
        u = uppers[iu]
        base = iu * keep
        cnt = 0
        worst = 0
        pu = site[u]
        rpu = pu // w
        cpu = pu - rpu * w
        eu = elev[u]
        vmax_u = volumes[u, volumes.shape[1] - 1]
        br0 = rpu // BUCKET
        bc0 = cpu // BUCKET
        # buckets within reach: the 0.03 slope at the largest head any lower can give
        reach = (eu - zmin_all) / pp_slope
        rr = int(reach / dymin) // BUCKET + 1
        rc = int(reach / dxmin) // BUCKET + 1
        for bi in range(max(0, br0 - rr), min(nbr, br0 + rr + 1)):
            for bj in range(max(0, bc0 - rc), min(nbc, bc0 + rc + 1)):
                lo = b_ptr[bi * nbc + bj]
                hi = b_ptr[bi * nbc + bj + 1]
                if lo == hi:
                    continue
                hmax = eu - b_minz[bi * nbc + bj]
                if hmax < min_head:
                    continue
                # nearest point of the bucket to the upper's dam site (cells), as a distance (m)
                r_near = rpu
                if rpu < bi * BUCKET:
                    r_near = bi * BUCKET
                elif rpu > bi * BUCKET + BUCKET - 1:
                    r_near = bi * BUCKET + BUCKET - 1
                c_near = cpu
                if cpu < bj * BUCKET:
                    c_near = bj * BUCKET
                elif cpu > bj * BUCKET + BUCKET - 1:
                    c_near = bj * BUCKET + BUCKET - 1
                if bi != br0 or bj != bc0:
                    d2 = _dist2(rpu, cpu, r_near, c_near, dx, dy) * 0.999
                    if (hmax * hmax) <= d2 * pp_slope * pp_slope:
                        continue
                for t in range(lo, hi):
                    l = lo_order[t]
                    head = eu - elev[l]
                    if head < min_head or head > max_head:
                        reasons[0] += 1
                        continue
                    pl = site[l]
                    rpl = pl // w
                    cpl = pl - rpl * w
                    d2 = _dist2(rpu, cpu, rpl, cpl, dx, dy)
                    if head * head <= d2 * pp_slope * pp_slope:
                        reasons[1] += 1
                        continue
                    vreq = energy / (head * per_gwh_m)
                    if vmax_u < vreq or volumes[l, volumes.shape[1] - 1] < vreq:
                        reasons[2] += 1
                        continue
                    hw_u = _interp(vreq, volumes[u], heights)
                    hw_l = _interp(vreq, volumes[l], heights)
                    if hw_u > max_dam[u] or hw_l > max_dam[l]:
                        reasons[3] += 1
                        continue
                    wr_u = vreq / _interp(hw_u, heights, dam_volumes[u])
                    wr_l = vreq / _interp(hw_l, heights, dam_volumes[l])
                    if wr_u * wr_l < min_wr * (wr_u + wr_l):
                        reasons[4] += 1
                        continue
                    _points(u, hw_u, site, bounds, heights, w, ur, uc)
                    _points(l, hw_l, site, bounds, heights, w, lr, lc)
                    best = 1e30
                    for a in range(9):
                        for b in range(9):
                            q = _dist2(ur[a], uc[a], lr[b], lc[b], dx, dy)
                            if q < best:
                                best = q
                    if head * head < best * min_slope * min_slope:
                        reasons[5] += 1
                        continue
                    dist_km = np.sqrt(best) / 1000.0
                    wr = 1.0 / (1.0 / wr_u + 1.0 / wr_l)
                    fom = fom_kernel(float(head), dist_km, wr, energy, hours, cm, prm[6], prm[7], prm[8], prm[9])
                    if fom > max_fom:
                        reasons[6] += 1
                        continue
                    # keep the best ``keep`` of this upper: replace the worst kept when full
                    if cnt < keep:
                        slot = base + cnt
                        cnt += 1
                    elif fom < o_fom[base + worst]:
                        slot = base + worst
                    else:
                        continue
                    o_u[slot] = u
                    o_l[slot] = l
                    o_head[slot] = head
                    o_hw_u[slot] = hw_u
                    o_hw_l[slot] = hw_l
                    o_wr_u[slot] = wr_u
                    o_wr_l[slot] = wr_l
                    o_dist[slot] = dist_km
                    o_ppd[slot] = np.sqrt(d2) / 1000.0
                    o_fom[slot] = fom
                    o_cls[slot] = class_kernel(fom, hours, letters, pcost, scost)
                    o_vol[slot] = vreq
                    for j in range(nd):
                        o_imp[slot, j] = (_interp(hw_u, heights, impact[u, j]) + _interp(hw_l, heights, impact[l, j]))
                    if cnt == keep:
                        worst = 0
                        for s in range(1, keep):
                            if o_fom[base + s] > o_fom[base + worst]:
                                worst = s
        o_n[iu] = cnt


@dataclass
class Pairs:
    upper: np.ndarray  # index into Reservoirs
    lower: np.ndarray
    head: np.ndarray  # m (int)
    wall_upper: np.ndarray  # m
    wall_lower: np.ndarray
    wr_upper: np.ndarray
    wr_lower: np.ndarray
    separation_km: np.ndarray
    pp_separation_km: np.ndarray
    fom: np.ndarray
    cls: np.ndarray  # int codes (ord)
    volume_gl: np.ndarray  # required volume
    impact: np.ndarray  # (n, layers): interpolated forest ha, stock m³, CO₂ t flooded by the two reservoirs
    rejected: dict

    def __len__(self) -> int:
        return int(self.upper.shape[0])

    def take(self, idx: np.ndarray) -> "Pairs":
        return Pairs(**{k: (getattr(self, k)[idx] if k != "rejected" else self.rejected) for k in self.__dataclass_fields__})


REASONS = ("head", "pp_slope", "volume", "wall", "water_rock", "slope", "cost")
CHUNK = 256


def pair_reservoirs(res: Reservoirs, upper_ok: np.ndarray, width: int, dx: np.ndarray, dy: np.ndarray,
                    energy_gwh: float, hours: float, settings: PhesSettings, threads: int = 2,
                    feedback: Feedback | None = None, stop: np.ndarray | None = None) -> Pairs:
    """Every pair of ``res`` kept by the reference's rules; ``upper_ok``: which reservoirs may be uppers."""
    feedback = ensure(feedback)
    stop = np.zeros(1, np.uint8) if stop is None else stop
    s = settings
    heights = s.heights()
    n = len(res)
    height_rows = dx.shape[0]
    # lowers bucketed on a coarse grid (CSR), with each bucket's lowest dam site
    rows = res.site // width
    cols = res.site - rows * width
    nbr = max(1, -(-height_rows // BUCKET))
    nbc = max(1, -(-width // BUCKET))
    bidx = (rows // BUCKET) * nbc + cols // BUCKET
    order = np.argsort(bidx, kind="stable").astype(np.int64)
    counts = np.bincount(bidx, minlength=nbr * nbc)
    b_ptr = np.zeros(nbr * nbc + 1, np.int64)
    np.cumsum(counts, out=b_ptr[1:])
    b_minz = np.full(nbr * nbc, 1 << 40, np.int64)
    if n:
        np.minimum.at(b_minz, bidx, res.elev)
    uppers = np.flatnonzero(upper_ok).astype(np.int64)
    prm = np.array([s.min_head_m, s.max_head_m, s.min_pp_slope, s.min_slope, s.min_pair_water_rock,
                    s.water_density * s.gravity * s.efficiency * s.usable_fraction * 1e6 / 3.6e12,
                    s.efficiency, s.usable_fraction, s.water_density, s.gravity], np.float64)
    cm = cost_vector(s)
    letters, pcost, scost = s.class_arrays()
    max_fom = s.max_fom(hours, tolerance=True)
    keep = int(s.max_lowers_per_upper)
    nd = res.impact.shape[1]
    chunks = [uppers[a:a + CHUNK] for a in range(0, uppers.size, CHUNK)]
    reasons_all = np.zeros((len(chunks), len(REASONS)), np.int64)

    def work(ci: int):
        ch = chunks[ci]
        m = ch.size * keep
        arr = {k: np.zeros(m, t) for k, t in (("u", np.int64), ("l", np.int64), ("head", np.int64), ("hwu", float),
                                              ("hwl", float), ("wru", float), ("wrl", float), ("dist", float),
                                              ("ppd", float), ("fom", float), ("cls", np.int64), ("vol", float))}
        imp = np.zeros((m, nd))
        cnt = np.zeros(ch.size, np.int64)
        pair_chunk(ch, order, b_ptr, b_minz, nbr, nbc, res.site, res.elev, res.max_dam, res.volumes,
                   res.dam_volumes, res.bounds, res.impact, heights, width, dx, dy, float(energy_gwh), float(hours),
                   prm, cm, letters, pcost, scost, float(max_fom), keep,
                   arr["u"], arr["l"], arr["head"], arr["hwu"], arr["hwl"], arr["wru"], arr["wrl"], arr["dist"],
                   arr["ppd"], arr["fom"], arr["cls"], arr["vol"], imp, cnt, reasons_all[ci], stop)
        sel = (np.arange(keep)[None, :] < cnt[:, None]).ravel()
        return {k: v[sel] for k, v in arr.items()}, imp[sel]

    out = run_items(work, len(chunks), threads, feedback)
    parts = [o for o in out if o is not None]

    def cat(key, dtype):
        return np.concatenate([p[0][key] for p in parts]) if parts else np.zeros(0, dtype)

    rejected = dict(zip(REASONS, (int(v) for v in reasons_all.sum(axis=0))))
    return Pairs(upper=cat("u", np.int64), lower=cat("l", np.int64), head=cat("head", np.int64),
                 wall_upper=cat("hwu", float), wall_lower=cat("hwl", float), wr_upper=cat("wru", float),
                 wr_lower=cat("wrl", float), separation_km=cat("dist", float), pp_separation_km=cat("ppd", float),
                 fom=cat("fom", float), cls=cat("cls", np.int64), volume_gl=cat("vol", float),
                 impact=np.concatenate([p[1] for p in parts]) if parts else np.zeros((0, nd)), rejected=rejected)


__all__ = ["Pairs", "REASONS", "pair_reservoirs"]
