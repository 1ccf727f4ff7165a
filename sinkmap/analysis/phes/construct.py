"""The final reservoirs and the non-overlapping set of pairs (the reference's ``pretty_set`` + ``constructor``).

Pairs are taken best first (by the ranking asked for; the reference: lowest figure of merit). Each reservoir of
a pair is modelled on the DEM itself (heights as read, not filled) upstream of its dam site: the wall is
stepped by 0.5 m from the pairing's estimate until ``water·(1 + 0.5/wr) ∈ [0.95, 1.05]·V`` (the reference's
``model_reservoir``); the model fails above the highest allowed wall, when the steps turn back, below a 5 m
wall, or when the water reaches a cell already taken by a pair kept before (the pretty set), a void, the
DEM's edge or an excluded cell. A pair whose two reservoirs both model is marked as taken — as the
reference's pretty set does — and then measured as its constructor does: the wall rock along every edge
between a flooded cell and a dry one where both lie below the water (height = water level − mean ground,
plus freeboard; 10 m crest, 3:1 faces), ``volume = water + rock/2``, water/rock = volume/rock, separation
the nearest of the 8 extreme cells (and the dam sites) of the two, then the figure of merit and class;
a pair dearer than class E is dropped.

Differences: the two reservoirs of one pair may not overlap each other (the reference checks only earlier
pairs); the measuring is done once (the reference models the reservoirs a second time in its constructor,
starting from the pretty set's water volume, which lowers some walls by a step or two when water/rock < 10).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from .constants import PhesSettings
from .cost import class_kernel, cost_vector, fom_kernel
from .hydro import DC, DR, VOID_Z

# model outcomes
OK = 0
FAIL_TAKEN = 1
FAIL_WALL = 2
FAIL_TURN = 3
FAIL_LOW = 4
FAIL_EDGE = 5
FAIL_SELF = 6
OUTCOMES = ("ok", "taken", "wall_too_high", "no_wall_fits", "wall_too_low", "reaches_edge", "pair_overlaps_itself")


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _flood(p, hgt, z, upf, blf, seen, stamp, sid, buf, area_ha, w, off):
    """Cells upstream of ``p`` below ``z[p] + hgt`` into ``buf`` (stamped ``sid``, which must be new); returns
    (cells, water GL, area ha, outcome)."""
    zp = np.float64(z[p])
    n = 1
    buf[0] = p
    head = 0
    vol = 0.0
    area = 0.0
    stamp[p] = sid
    while head < n:
        q = buf[head]
        head += 1
        if seen[q]:
            return n, vol, area, FAIL_TAKEN
        if blf[q]:
            return n, vol, area, FAIL_EDGE
        r = q // w
        a = area_ha[r]
        vol += (hgt - (np.float64(z[q]) - zp)) * a / 100.0
        area += a
        m = np.int64(upf[q])
        d = 0
        while m:
            if m & 1:
                nb = q + off[d]
                if np.float64(z[nb]) - zp < hgt:
                    stamp[nb] = sid
                    buf[n] = nb
                    n += 1
            m >>= 1
            d += 1
    return n, vol, area, OK


@numba.njit(cache=True, nogil=True, error_model="numpy")
def model_reservoir(p, hgt, vreq, wr, max_dam, z, upf, blf, seen, stamp, counter, buf, area_ha, w, off, step,
                    accuracy, min_dam):
    """The reference's ``model_reservoir`` at the volume ``vreq``: (outcome, wall, cells, water GL, area ha).
    Each flood stamps its cells with a new id (``counter[0]`` after the call)."""
    last_up = False
    while True:
        counter[0] += 1
        n, vol, area, outcome = _flood(p, hgt, z, upf, blf, seen, stamp, counter[0], buf, area_ha, w, off)
        if outcome != OK:
            return outcome, hgt, n, vol, area
        check = vol * (1.0 + 0.5 / wr)
        if check < (1.0 - accuracy) * vreq:
            hgt += step
            if hgt > max_dam:
                return FAIL_WALL, hgt, n, vol, area
            last_up = True
            continue
        if check > (1.0 + accuracy) * vreq:
            if last_up:
                return FAIL_TURN, hgt, n, vol, area
            hgt -= step
            if hgt <= 0.0:
                return FAIL_LOW, hgt, n, vol, area
            continue
        break
    if hgt < min_dam:
        return FAIL_LOW, hgt, n, vol, area
    return OK, hgt, n, vol, area


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _measure(cells, n, sid, stamp, z, wl, dx, dy, h, w, off, dens, batter, crest, freeboard, ext, imp):
    """Rock (GL) and length (m) of the walls of a flooded set, its 8 extreme cells and impact sums."""
    rock = 0.0
    length = 0.0
    nd = dens.shape[0]
    for j in range(nd):
        imp[j] = 0.0
    p = cells[0]
    rp = p // w
    cp = p - rp * w
    best = np.empty(8, np.int64)
    for d in range(8):
        best[d] = DR[d] * rp + DC[d] * cp
        ext[d] = p
    for t in range(n):
        q = cells[t]
        r = q // w
        c = q - r * w
        for d in range(8):
            v = DR[d] * r + DC[d] * c
            if v > best[d]:
                best[d] = v
                ext[d] = q
        for j in range(nd):
            imp[j] += dens[j, q]
        zq = np.float64(z[q])
        for d in range(0, 8, 2):
            rr = r + DR[d]
            cc = c + DC[d]
            if rr < 0 or rr >= h or cc < 0 or cc >= w:
                continue
            nb = q + off[d]
            if stamp[nb] == sid or z[nb] == VOID_Z:
                continue
            zn = np.float64(z[nb])
            if zq < wl and zn < wl:
                hh = wl - 0.5 * (zq + zn) + freeboard
                seg = dy[r] if DR[d] == 0 else 0.5 * (dx[r] + dx[rr])
                rock += hh * (crest + batter * hh) / 1e6 * seg
                length += seg
    return rock, length


@numba.njit(cache=True, nogil=True, inline="always")
def _d2(a, b, w, dx, dy):
    ra = a // w
    ca = a - ra * w
    rb = b // w
    cb = b - rb * w
    rm = (ra + rb) // 2
    u = (rb - ra) * dy[rm]
    v = (cb - ca) * dx[rm]
    return u * u + v * v


@numba.njit(cache=True, nogil=True, error_model="numpy")
def select_pairs(order, pu, pl, site, elev, max_dam, head, hw_u, hw_l, wr_u, wr_l, vreq, z, up, blocked, dens,
                 area_ha, dx, dy, energy, hours, prm, cm, letters, pcost, scost, max_fom, limit,
                 o_ok, o_wall, o_water, o_rock, o_len, o_area, o_wr, o_ext, o_imp, o_sep, o_near, o_fom, o_cls,
                 o_cells, o_ptr, outcomes, stop):
    """Greedy non-overlapping selection over pairs in ``order`` (see the module docstring); stops after
    ``limit`` pairs kept. Per pair k of the input and side s (0 upper, 1 lower) the final measures; the
    cells of kept pairs' reservoirs go to ``o_cells`` (CSR by ``o_ptr[k, s]``)."""
    h, w = z.shape
    zf = z.ravel()
    upf = up.ravel()
    blf = blocked.ravel()
    n = zf.shape[0]
    seen = np.zeros(n, np.uint8)
    stamp = np.zeros(n, np.int32)
    buf_u = np.empty(n, np.int32)
    buf_l = np.empty(n, np.int32)
    off = np.empty(8, np.int64)
    for d in range(8):
        off[d] = DR[d] * w + DC[d]
    step, accuracy, min_dam = prm[0], prm[1], prm[2]
    batter, crest, freeboard = prm[3], prm[4], prm[5]
    eta, usable, rho, g = prm[6], prm[7], prm[8], prm[9]
    ext = np.empty(8, np.int64)
    imp = np.empty(max(dens.shape[0], 1))
    nd = dens.shape[0]
    kept = 0
    used = 0
    counter = np.zeros(1, np.int64)
    for t in range(order.shape[0]):
        if stop[0]:
            return kept, used, False
        k = order[t]
        if kept >= limit:
            break
        u = pu[k]
        l = pl[k]
        if seen[site[u]] or seen[site[l]]:
            outcomes[FAIL_TAKEN] += 1
            continue
        oc, wall_u, nu, water_u, area_u = model_reservoir(site[u], hw_u[k], vreq[k], wr_u[k], max_dam[u], zf, upf, blf,
                                                          seen, stamp, counter, buf_u, area_ha, w, off, step, accuracy,
                                                          min_dam)
        if oc != OK:
            outcomes[oc] += 1
            continue
        sid_u = counter[0]
        oc, wall_l, nl, water_l, area_l = model_reservoir(site[l], hw_l[k], vreq[k], wr_l[k], max_dam[l], zf, upf, blf,
                                                          seen, stamp, counter, buf_l, area_ha, w, off, step, accuracy,
                                                          min_dam)
        if oc != OK:
            outcomes[oc] += 1
            continue
        sid_l = counter[0]
        # the lower's flood restamped any cell of the upper it reached
        overlap = False
        for i in range(nu):
            if stamp[buf_u[i]] == sid_l:
                overlap = True
                break
        if overlap:
            outcomes[FAIL_SELF] += 1
            continue
        # the pretty set: both reservoirs are taken
        for i in range(nu):
            seen[buf_u[i]] = 1
        for i in range(nl):
            seen[buf_l[i]] = 1
        outcomes[OK] += 1
        # the constructor: measure both
        for s in range(2):
            if s == 0:
                cells, nc, sd, r_idx, wall, water, area = buf_u, nu, sid_u, u, wall_u, water_u, area_u
            else:
                cells, nc, sd, r_idx, wall, water, area = buf_l, nl, sid_l, l, wall_l, water_l, area_l
            wl = np.float64(elev[r_idx]) + wall
            rock, length = _measure(cells, nc, sd, stamp, zf, wl, dx, dy, h, w, off, dens, batter, crest, freeboard,
                                    ext, imp)
            volume = water + 0.5 * rock
            o_wall[k, s] = wall
            o_water[k, s] = volume
            o_rock[k, s] = rock
            o_len[k, s] = length
            o_area[k, s] = area
            o_wr[k, s] = volume / rock
            for d in range(8):
                o_ext[k, s, d] = ext[d]
            for j in range(nd):
                o_imp[k, s, j] = imp[j]
        # separation: nearest extreme cells (the dam sites to start with)
        best = _d2(site[u], site[l], w, dx, dy)
        nu_i = site[u]
        nl_i = site[l]
        for a in range(8):
            for b in range(8):
                q = _d2(o_ext[k, 0, a], o_ext[k, 1, b], w, dx, dy)
                if q < best:
                    best = q
                    nu_i = o_ext[k, 0, a]
                    nl_i = o_ext[k, 1, b]
        sep = np.sqrt(best) / 1000.0
        o_sep[k] = sep
        o_near[k, 0] = nu_i
        o_near[k, 1] = nl_i
        wr = 1.0 / (1.0 / o_wr[k, 0] + 1.0 / o_wr[k, 1])
        fom = fom_kernel(float(head[k]), sep, wr, energy, hours, cm, eta, usable, rho, g)
        cls = class_kernel(fom, hours, letters, pcost, scost)
        o_fom[k] = fom
        o_cls[k] = cls
        if fom > max_fom or cls == 90:
            continue
        o_ok[k] = True
        kept += 1
        # keep the cells of both reservoirs
        for s in range(2):
            cells = buf_u if s == 0 else buf_l
            nc = nu if s == 0 else nl
            if used + nc > o_cells.shape[0]:
                return kept, used, True
            o_ptr[k, s, 0] = used
            for i in range(nc):
                o_cells[used + i] = cells[i]
            used += nc
            o_ptr[k, s, 1] = used
    return kept, used, False


@dataclass
class Selected:
    """The non-overlapping pairs kept, best first (indices into the rough pairs), with the final measures."""

    index: np.ndarray  # into Pairs
    wall: np.ndarray  # (n, 2) m: upper, lower
    volume: np.ndarray  # (n, 2) GL water + rock/2
    rock: np.ndarray  # (n, 2) GL
    dam_length: np.ndarray  # (n, 2) m
    area: np.ndarray  # (n, 2) ha
    water_rock: np.ndarray  # (n, 2)
    impact: np.ndarray  # (n, 2, layers)
    separation_km: np.ndarray
    nearest: np.ndarray  # (n, 2) flat cells joined by the pair's line
    fom: np.ndarray
    cls: np.ndarray
    cells: list  # per pair (upper cells, lower cells) flat indices
    outcomes: dict

    def __len__(self) -> int:
        return int(self.index.shape[0])


def select(pairs, res, order: np.ndarray, z: np.ndarray, up: np.ndarray, blocked: np.ndarray, dens: np.ndarray | None,
           area_ha: np.ndarray, dx: np.ndarray, dy: np.ndarray, energy_gwh: float, hours: float, settings: PhesSettings,
           limit: int | None = None, stop: np.ndarray | None = None) -> Selected:
    """Non-overlapping pairs, taken in ``order`` (indices into ``pairs``), at most ``limit`` of them."""
    s = settings
    stop = np.zeros(1, np.uint8) if stop is None else stop
    m = len(pairs)
    nd = 0 if dens is None else dens.shape[0]
    dens_a = np.zeros((0, 1), np.float32) if dens is None else dens
    prm = np.array([s.wall_step_m, s.volume_accuracy, s.min_dam_height_m, s.dam_batter, s.crest_width_m,
                    s.freeboard_m, s.efficiency, s.usable_fraction, s.water_density, s.gravity], np.float64)
    letters, pcost, scost = s.class_arrays()
    o_ok = np.zeros(m, np.bool_)
    o_wall = np.zeros((m, 2))
    o_water = np.zeros((m, 2))
    o_rock = np.zeros((m, 2))
    o_len = np.zeros((m, 2))
    o_area = np.zeros((m, 2))
    o_wr = np.zeros((m, 2))
    o_ext = np.zeros((m, 2, 8), np.int64)
    o_imp = np.zeros((m, 2, max(nd, 1)))
    o_sep = np.zeros(m)
    o_near = np.zeros((m, 2), np.int64)
    o_fom = np.full(m, np.inf)
    o_cls = np.full(m, 90, np.int64)
    o_ptr = np.zeros((m, 2, 2), np.int64)
    outcomes = np.zeros(len(OUTCOMES), np.int64)
    cap = max(1 << 16, min(z.size, 1 << 22))
    lim = m if limit is None else int(limit)
    while True:
        o_cells = np.empty(cap, np.int32)
        o_ok[:] = False
        outcomes[:] = 0
        kept, used, full = select_pairs(order.astype(np.int64), pairs.upper, pairs.lower, res.site, res.elev,
                                        res.max_dam, pairs.head, pairs.wall_upper, pairs.wall_lower, pairs.wr_upper,
                                        pairs.wr_lower, pairs.volume_gl, z, up, blocked, dens_a, area_ha, dx, dy,
                                        float(energy_gwh), float(hours), prm, cost_vector(s), letters, pcost, scost,
                                        s.max_fom(hours, tolerance=False), lim, o_ok, o_wall, o_water, o_rock, o_len,
                                        o_area, o_wr, o_ext, o_imp, o_sep, o_near, o_fom, o_cls, o_cells, o_ptr,
                                        outcomes, stop)
        if not full:
            break
        cap *= 4  # rare: more flooded cells than room; start again with more
    kept_idx = np.asarray([k for k in order if o_ok[k]], np.int64)
    cells = [(o_cells[o_ptr[k, 0, 0]:o_ptr[k, 0, 1]].copy(), o_cells[o_ptr[k, 1, 0]:o_ptr[k, 1, 1]].copy())
             for k in kept_idx]
    return Selected(index=kept_idx, wall=o_wall[kept_idx], volume=o_water[kept_idx], rock=o_rock[kept_idx],
                    dam_length=o_len[kept_idx], area=o_area[kept_idx], water_rock=o_wr[kept_idx],
                    impact=o_imp[kept_idx][:, :, :nd], separation_km=o_sep[kept_idx], nearest=o_near[kept_idx],
                    fom=o_fom[kept_idx], cls=o_cls[kept_idx], cells=cells,
                    outcomes=dict(zip(OUTCOMES, (int(v) for v in outcomes))))


__all__ = ["OUTCOMES", "Selected", "model_reservoir", "select"]
