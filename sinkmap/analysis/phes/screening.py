"""Screening: dam sites on the streams and the reservoir each would hold at walls of 10–150 m.

As the reference's ``screening.cpp``:

* a stream is a cell draining at least 10 ha (upstream area, the cell excluded); a dam site is a stream
  cell of the search window whose filled height, taken down to its 10 m contour, is still above the next
  cell downstream — the stream crosses a contour there;
* the reservoir of a dam site is everything upstream of it (along the D8 tree) less than the highest wall
  (150 m) above it. Per metre of water level the kernel adds up the flooded area, hence the volume
  ``V(h) = Σ_cells (h − e)·area`` for every cell at ``e < h`` metres above the dam site; the wall needed at
  each level is the boundary of the flooded cells against cells outside the reservoir whose ground (or the
  flooded cell's own, whichever is higher) lies at that level: a boundary edge at level ``j`` is a wall
  ``h − j`` high when the water stands at ``h``. Wall rock: trapezoids with a 10 m crest, 3:1 faces and
  1.5 m freeboard over that length. Reservoir volume = water + half the rock (the reference's convention),
  water/rock = volume / rock;
* a cell next to a void, on the DEM's edge or in an exclusion limits the wall to its height above the
  dam site (the reference does this for its exclusion filter);
* kept: volume ≥ 1 GL at the highest wall, water/rock > 3 at the best wall, highest allowed wall ≥ 5 m.

Differences from the reference (on purpose): true cell areas and edge lengths on the ellipsoid (the
reference: 30.87 m × cos(lat) per cell, and the centre distance — not the shared edge — as a boundary
edge's length, which makes east–west walls 1/cos(lat) too long); the stream threshold is 10 ha of true
area (the reference: 111 cells, i.e. 0.09 ha each whatever the latitude).

Each reservoir also keeps, per wall height, the eight extreme cells of its flooded area (for the nearest
distance between two reservoirs, as the reference's ``shape_bound``) and, when impact rasters are given,
the forest area, stock and CO₂ per cell summed over the flooded cells (for ranking by carbon).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

import threading

from ...core.feedback import Feedback, ensure
from ._threads import chunks, run_items
from .constants import PhesSettings
from .hydro import DC, DR, VOID_Z


def find_dam_sites(zf, fdir, acc, screen, threshold_ha, contour, stop=None):
    """Flat indices of the dam sites: stream cells of ``screen`` whose contour is above the next cell
    (``stop``: see :func:`.hydro.fill_eps`)."""
    return _find_dam_sites(zf, fdir, acc, screen, threshold_ha, contour, np.zeros(1, np.uint8) if stop is None
                           else stop)


@numba.njit(cache=True, nogil=True)
def _find_dam_sites(zf, fdir, acc, screen, threshold_ha, contour, stop):
    h, w = zf.shape
    count = 0
    for r in range(h):
        if stop[0]:
            return np.empty(0, np.int64)
        for c in range(w):
            if _is_site(zf, fdir, acc, screen, threshold_ha, contour, r, c):
                count += 1
    out = np.empty(count, np.int64)
    k = 0
    for r in range(h):
        if stop[0]:
            return np.empty(0, np.int64)
        for c in range(w):
            if _is_site(zf, fdir, acc, screen, threshold_ha, contour, r, c):
                out[k] = r * w + c
                k += 1
    return out


@numba.njit(cache=True, nogil=True, inline="always")
def _is_site(zf, fdir, acc, screen, threshold_ha, contour, r, c):
    if not screen[r, c] or acc[r, c] < threshold_ha:
        return False
    d = fdir[r, c]
    if d < 0 or d >= 8:
        return False
    zc = np.int64(zf[r, c])
    zd = np.int64(zf[r + DR[d], c + DC[d]])
    return (zc // contour) * contour > zd


@numba.njit(cache=True, nogil=True)
def model_sites(sites, ids, zf, up, blocked, dens, area_ha, dx, dy, heights, bin_of, maxw, batter, crest, freeboard,
                stamp, buf, out_area, out_vol, out_dam, out_maxdam, out_bounds, out_imp, stop):
    """The reservoir of each dam site at each wall height (see the module docstring).

    ``sites``: flat indices; ``ids``: a distinct positive id per site (marks its cells in ``stamp``);
    ``buf``: room for the cells of one reservoir. Outputs per site (row k): area (ha), volume (GL, water +
    half the rock), rock (GL) per height; the highest wall allowed (m); the 8 extreme cells per height;
    the impact sums per height (``dens``: (layers, cells) values per cell)."""
    h, w = zf.shape
    zflat = zf.ravel()
    upf = up.ravel()
    blf = blocked.ravel()
    nd = dens.shape[0]
    nh = heights.shape[0]
    off = np.empty(8, np.int64)
    for d in range(8):
        off[d] = DR[d] * w + DC[d]
    area_at = np.zeros(maxw + 2)
    dam_len = np.zeros(maxw + 1)
    imp_at = np.zeros((max(nd, 1), maxw + 2))
    ext = np.empty((nh, 8), np.int64)
    ext_i = np.empty((nh, 8), np.int64)
    for k in range(sites.shape[0]):
        if stop[0]:
            return
        p = sites[k]
        sid = ids[k]
        elev = np.int64(zflat[p])
        area_at[:] = 0.0
        dam_len[:] = 0.0
        imp_at[:, :] = 0.0
        rp = p // w
        cp = p - rp * w
        for ih in range(nh):
            for d in range(8):
                ext[ih, d] = DR[d] * rp + DC[d] * cp
                ext_i[ih, d] = p
        maxdam = maxw
        stamp[p] = sid
        buf[0] = p
        n = 1
        head = 0
        while head < n:
            q = buf[head]
            head += 1
            r = q // w
            c = q - r * w
            e = np.int64(zflat[q]) - elev
            if e < 0:
                e = 0
            area_at[e + 1] += area_ha[r]
            for j in range(nd):
                imp_at[j, e + 1] += dens[j, q]
            if blf[q] and e < maxdam:
                maxdam = e
            ib = bin_of[e]
            for d in range(8):
                v = DR[d] * r + DC[d] * c
                if v > ext[ib, d]:
                    ext[ib, d] = v
                    ext_i[ib, d] = q
            m = np.int64(upf[q])
            d = 0
            while m:
                if m & 1:
                    nb = q + off[d]
                    if np.int64(zflat[nb]) - elev < maxw:
                        stamp[nb] = sid
                        buf[n] = nb
                        n += 1
                m >>= 1
                d += 1
        # walls: boundary edges of the flooded area, by the level at which they start to hold water
        for t in range(n):
            q = buf[t]
            r = q // w
            c = q - r * w
            e = np.int64(zflat[q]) - elev
            if e < 0:
                e = 0
            for d in range(0, 8, 2):  # E, S, W, N
                rr = r + DR[d]
                cc = c + DC[d]
                if rr < 0 or rr >= h or cc < 0 or cc >= w:
                    continue
                nb = q + off[d]
                if stamp[nb] == sid:
                    continue
                lvl = e
                zn = zflat[nb]
                if zn != VOID_Z:
                    en = np.int64(zn) - elev
                    if en > lvl:
                        lvl = en
                if lvl > maxw:
                    lvl = maxw
                if DR[d] == 0:
                    dam_len[lvl] += dy[r]
                else:
                    dam_len[lvl] += 0.5 * (dx[r] + dx[rr])
        # per wall height
        cum = 0.0
        vol = 0.0
        ih = 0
        for lv in range(1, maxw + 1):
            cum += area_at[lv]
            vol += 0.01 * cum  # ha × m = 0.01 GL
            while ih < nh and heights[ih] == lv:
                rock = 0.0
                for j in range(lv):
                    if dam_len[j] > 0.0:
                        hh = (lv - j) + freeboard
                        rock += hh * (crest + batter * hh) / 1e6 * dam_len[j]
                out_area[k, ih] = cum
                out_dam[k, ih] = rock
                out_vol[k, ih] = vol + 0.5 * rock
                ih += 1
        for j in range(nd):
            s = 0.0
            ih = 0
            for lv in range(1, maxw + 1):
                s += imp_at[j, lv]
                while ih < nh and heights[ih] == lv:
                    out_imp[k, j, ih] = s
                    ih += 1
        # extreme cells: cumulative over the height bins
        for ih in range(nh):
            for d in range(8):
                if ih > 0 and ext[ih - 1, d] >= ext[ih, d]:
                    ext[ih, d] = ext[ih - 1, d]
                    ext_i[ih, d] = ext_i[ih - 1, d]
                out_bounds[k, ih, d] = ext_i[ih, d]
        out_maxdam[k] = maxdam


@dataclass
class Reservoirs:
    """Reservoirs kept by screening (struct of arrays, one row each)."""

    site: np.ndarray  # int64 flat index of the dam site
    elev: np.ndarray  # int64 filled height of the dam site (m)
    max_dam: np.ndarray  # float64 highest wall allowed (m)
    areas: np.ndarray  # (n, heights) ha
    volumes: np.ndarray  # (n, heights) GL, water + half the rock
    dam_volumes: np.ndarray  # (n, heights) GL of rock
    bounds: np.ndarray  # (n, heights, 8) flat indices of the extreme cells
    watershed_ha: np.ndarray
    impact: np.ndarray  # (n, layers, heights); layers 0 when no impact rasters
    sites_tested: int = 0

    def __len__(self) -> int:
        return int(self.site.shape[0])

    @property
    def water_rock(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.dam_volumes > 0, self.volumes / np.where(self.dam_volumes > 0, self.dam_volumes, 1),
                            np.inf)


CHUNK = 2048


def screen_reservoirs(zf: np.ndarray, up: np.ndarray, blocked: np.ndarray, acc: np.ndarray, sites: np.ndarray,
                      area_ha: np.ndarray, dx: np.ndarray, dy: np.ndarray, settings: PhesSettings,
                      dens: np.ndarray | None = None, threads: int = 2,
                      feedback: Feedback | None = None, stop: np.ndarray | None = None) -> Reservoirs:
    """Model the reservoir of every dam site in ``sites`` and keep those the reference keeps."""
    feedback = ensure(feedback)
    stop = np.zeros(1, np.uint8) if stop is None else stop
    s = settings
    heights = np.asarray(sorted(int(round(v)) for v in s.wall_heights), np.int64)
    maxw = int(heights[-1])
    bin_of = np.searchsorted(heights, np.arange(maxw + 1)).astype(np.int64)
    nh = heights.size
    if dens is None:
        dens = np.zeros((0, 1), np.float32)
    nd = dens.shape[0]
    n_all = sites.shape[0]
    cells = zf.size
    parts_ab = chunks(n_all, CHUNK)
    local = threading.local()  # each thread's marks and cell buffer (a reservoir's cells), reused

    def work(ci: int):
        if getattr(local, "stamp", None) is None:
            local.stamp = np.zeros(cells, np.int32)
            local.buf = np.empty(cells, np.int32)
        a, b = parts_ab[ci]
        m = b - a
        o_area = np.zeros((m, nh))
        o_vol = np.zeros((m, nh))
        o_dam = np.zeros((m, nh))
        o_max = np.zeros(m, np.int64)
        o_bnd = np.zeros((m, nh, 8), np.int64)
        o_imp = np.zeros((m, nd, nh))
        model_sites(sites[a:b], np.arange(a + 1, b + 1, dtype=np.int64), zf, up, blocked, dens, area_ha, dx, dy,
                    heights, bin_of, maxw, float(s.dam_batter), float(s.crest_width_m), float(s.freeboard_m),
                    local.stamp, local.buf, o_area, o_vol, o_dam, o_max, o_bnd, o_imp, stop)
        with np.errstate(divide="ignore", invalid="ignore"):
            wr = np.where(o_dam > 0, o_vol / np.where(o_dam > 0, o_dam, 1.0), np.inf)
        keep = ((o_vol.max(axis=1) >= s.min_reservoir_gl) & (wr.max(axis=1) > s.min_reservoir_water_rock)
                & (o_max >= s.min_max_dam_height_m))
        idx = np.flatnonzero(keep)
        return sites[a:b][idx], o_max[idx], o_area[idx], o_vol[idx], o_dam[idx], o_bnd[idx], o_imp[idx]

    results = run_items(work, len(parts_ab), threads, feedback)
    parts = [r for r in results if r is not None]
    if parts:
        site, mx, area, vol, dam, bnd, imp = (np.concatenate([p[i] for p in parts]) for i in range(7))
    else:
        site, mx = np.zeros(0, np.int64), np.zeros(0, np.int64)
        area = vol = dam = np.zeros((0, nh))
        bnd = np.zeros((0, nh, 8), np.int64)
        imp = np.zeros((0, nd, nh))
    zflat = zf.ravel()
    return Reservoirs(site=site, elev=zflat[site].astype(np.int64), max_dam=mx.astype(np.float64), areas=area,
                      volumes=vol, dam_volumes=dam, bounds=bnd, watershed_ha=acc.ravel()[site].astype(np.float64),
                      impact=imp, sites_tested=int(n_all))


def blocked_cells(valid, exclude, stop=None):
    """Cells that limit a wall: on the DEM's edge, next to a void, or excluded (``exclude`` may be 0 × 0)."""
    return _blocked_cells(valid, exclude, np.zeros(1, np.uint8) if stop is None else stop)


@numba.njit(cache=True, nogil=True)
def _blocked_cells(valid, exclude, stop):
    h, w = valid.shape
    out = np.zeros((h, w), np.uint8)
    ex = exclude.shape[0] == h and exclude.shape[1] == w
    for r in range(h):
        if stop[0]:
            return out
        for c in range(w):
            if not valid[r, c]:
                continue
            if r == 0 or c == 0 or r == h - 1 or c == w - 1 or (ex and exclude[r, c]):
                out[r, c] = 1
                continue
            for d in range(8):
                if not valid[r + DR[d], c + DC[d]]:
                    out[r, c] = 1
                    break
    return out


__all__ = ["Reservoirs", "blocked_cells", "find_dam_sites", "model_sites", "screen_reservoirs"]
