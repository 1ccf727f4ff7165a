"""SYNTHETIC 1″ DEM tiles for the pumped-storage benchmark (issue 12) — hills like Hunan's, not a real place.

    /work/main/.venv/bin/python benchmarks/_phes_dem.py [--lat 25 --lon 113] [--out benchmarks/_data/phes_dem]

writes, in the SRTM v3 layout the reference C++ search (ANU RE100 PHES_Searching) reads:

* ``n25_e113_1arc_v3.tif`` — the tile: 3601 × 3601 Int16 metres, pixel-is-point grid (cell centres on whole
  arc-seconds, first row at lat+1, last column at lon+1, both shared with the neighbours), geotransform origin
  (lon − 0.5″, lat + 1 + 0.5″), 1″ cells, EPSG:4326, uncompressed like USGS's files;
* its 8 neighbours (``n26_e112`` … ``n24_e114``), because the reference takes the 600-cell border of screening and
  the 3600-cell border of its last two stages from the neighbour tiles (a missing neighbour reads as 0 m);
* ``n25_e113_border600.tif`` — the same elevations as one file, the tile plus 600 cells on each side
  (4801 × 4801), for an engine that wants the tile and its border in one raster.

Every file carries the tag ``SYNTHETIC=...`` and the seed. Same seed → byte-identical files.

**How the relief is made.** One field over the centre tile and 1200 cells (≈ 36 km) around it, so the tile, its
border and its neighbours join without seams:

1. a coarse grid (10″ ≈ 300 m nodes, 601 × 601) is eroded for 150 steps with a stream-power law (implicit
   Braun–Willett scheme, m = 0.35, n = 1, receivers by a randomised D8 so that valleys do not follow the grid,
   linear hillslope diffusion) under a rock-uplift field that varies smoothly (low hills ↔ mountains). Base level:
   the grid edge and a main river crossing the domain west → east through the tile's northern half (at a gentle
   gradient). The result drains: no closed basins at the 300 m scale;
2. its heights are mapped linearly to metres so that the centre tile spans 60 m (main river) to 1800 m (peaks):
   heads of 100–1600 m are all present, as in south Hunan (郴州, 南岭 foothills);
3. it is upsampled to 1″ by Catmull–Rom cubic interpolation through a smooth domain warp (±0.8 node, 1.2 km
   wavelength; one-to-one, so no new pits) and given hillslope texture: value-noise fBm with wavelengths
   2 km … 120 m and amplitudes 40 m … 2.5 m, scaled by the local slope (×0.15 on valley floors, ×1 from ~20 %
   slope up), so valley floors stay smooth (a few small pits, like SRTM's) and slopes get gullies and spurs;
4. rounded to whole metres (Int16).

Beyond the eroded domain (the far parts of the neighbour tiles) the relief is the domain edge's base level plus
texture: those cells are there only because the reference reads whole neighbour tiles; no reservoir of the centre
tile reaches them. Seed 12, tile n25_e113: 22–1799 m, median 873 m; slope (1″ cells) median 9.8°, 90th percentile
15.8°, 99th 20.7°.
"""

from __future__ import annotations

import argparse
import heapq
import math
import time
from pathlib import Path

import numpy as np
from numba import njit

TILE = 3601  # SRTM v3 1″ tile: 3600 cells + the shared edge
ARCSEC = 1.0 / 3600.0
S = 10  # fine cells per coarse node (10″ ≈ 300 m)
DOMAIN = 1200  # the eroded relief covers the centre tile and 1200 cells (≈ 36 km) around it
C0 = 3600 - DOMAIN  # fine global index of coarse node 0
NC = (3600 + 2 * DOMAIN) // S + 1  # coarse nodes across
K_ERODE, M_EXP, DIFFUSION = 0.1, 0.35, 0.05
WARP_WAVE, WARP_AMP = 40, 0.8  # domain warp: wavelength (1″ cells), amplitude (coarse nodes)
SYNTHETIC_TAG = "synthetic DEM for the sinkmap pumped-storage benchmark (benchmarks/_phes_dem.py); not a real place"
# fBm of the hillslope texture: (wavelength in 1″ cells, amplitude in metres)
OCTAVES = ((64, 40.0), (32, 20.0), (16, 10.0), (8, 5.0), (4, 2.5))
BASE_M, TOP_M = 60.0, 1800.0


def tile_name(lat: int, lon: int) -> str:
    """The reference's ``str(GridSquare)``: ``n25_e113`` (SW corner, %02d / %03d)."""
    return f"{'n' if lat >= 0 else 's'}{abs(lat):02d}_{'e' if lon >= 0 else 'w'}{abs(lon):03d}"


# ----------------------------------------------------------------------------------------------- coarse relief
@njit(cache=True)
def _fill_eps(h, eps, outlet):
    """Priority-flood + epsilon (Barnes 2014): every cell drains to an ``outlet`` cell (grid edge, base river)."""
    n0, n1 = h.shape
    out = h.copy()
    done = np.zeros((n0, n1), np.bool_)
    heap = [(0.0, 0)]
    heap.pop()
    for i in range(n0):
        for j in range(n1):
            if outlet[i, j]:
                done[i, j] = True
                heapq.heappush(heap, (out[i, j], i * n1 + j))
    while heap:
        v, k = heapq.heappop(heap)
        i, j = k // n1, k % n1
        for di in range(-1, 2):
            for dj in range(-1, 2):
                a, b = i + di, j + dj
                if (di == 0 and dj == 0) or a < 0 or b < 0 or a >= n0 or b >= n1 or done[a, b]:
                    continue
                done[a, b] = True
                if out[a, b] <= v + eps:
                    out[a, b] = v + eps
                heapq.heappush(heap, (out[a, b], a * n1 + b))
    return out


@njit(cache=True)
def _erode(h, uplift, outlet, k_erode, m, dt, steps, eps, diff, seed, fill_every):
    np.random.seed(seed)
    n0, n1 = h.shape
    n = n0 * n1
    rec = np.empty(n, np.int64)
    dist = np.ones(n)
    area = np.empty(n)
    sq2 = math.sqrt(2.0)
    for step in range(steps):
        # erosion along receivers never makes a pit (new[k] ≥ new[receiver]); only the start surface and the
        # diffusion can, so a priority-flood now and then is enough
        f = h + uplift * dt
        if step % fill_every == 0:
            f = _fill_eps(f, eps, outlet)
        flat = f.ravel()
        for i in range(n0):
            for j in range(n1):
                k = i * n1 + j
                rec[k] = k
                if outlet[i, j]:
                    continue
                best = 0.0
                for di in range(-1, 2):
                    for dj in range(-1, 2):
                        if di == 0 and dj == 0:
                            continue
                        d = sq2 if di != 0 and dj != 0 else 1.0
                        # randomised D8 (slopes × U[1, 1.6) afresh every step): no grid-aligned valleys
                        s = (flat[k] - flat[(i + di) * n1 + j + dj]) / d * (1.0 + 0.6 * np.random.random())
                        if s > best:
                            best = s
                            rec[k] = (i + di) * n1 + j + dj
                            dist[k] = d
        order = np.argsort(flat)
        for k in range(n):
            area[k] = 1.0
        for t in range(n - 1, -1, -1):
            k = order[t]
            if rec[k] != k:
                area[rec[k]] += area[k]
        new = flat.copy()
        for t in range(n):
            k = order[t]
            r = rec[k]
            if r != k:
                c = k_erode * dt * area[k] ** m / dist[k]
                new[k] = (flat[k] + c * new[r]) / (1.0 + c)
        h = new.reshape(n0, n1)
        if diff > 0.0:  # linear hillslope diffusion (explicit; diff = D·dt/dx² < 0.25)
            lap = np.zeros((n0, n1))
            for i in range(1, n0 - 1):
                for j in range(1, n1 - 1):
                    if not outlet[i, j]:
                        lap[i, j] = h[i - 1, j] + h[i + 1, j] + h[i, j - 1] + h[i, j + 1] - 4.0 * h[i, j]
            h = h + diff * lap
    return _fill_eps(h, eps, outlet)


def _smooth_noise(rng, n, cells, octaves=3):
    """Low-frequency fBm on an n×n grid: random lattice every ``cells`` nodes, cubic-upsampled (numpy only)."""
    total = np.zeros((n, n))
    amp = 1.0
    for o in range(octaves):
        step = max(cells / 2 ** o, 2)
        m = int(math.ceil(n / step)) + 4
        lattice = rng.standard_normal((m, m))
        x = np.arange(n) / step + 1.0
        total += amp * _cubic_grid(lattice, x, x)
        amp *= 0.5
    return total


def _catmull(t):
    t2, t3 = t * t, t * t * t
    return np.stack([-0.5 * t3 + t2 - 0.5 * t, 1.5 * t3 - 2.5 * t2 + 1.0, -1.5 * t3 + 2.0 * t2 + 0.5 * t,
                     0.5 * t3 - 0.5 * t2])


def _cubic_grid(lattice, xr, xc):
    """Catmull–Rom interpolation of ``lattice`` at rows ``xr`` × cols ``xc`` (lattice coordinates), separable."""
    def weights(x, size):
        i = np.floor(x).astype(np.int64)
        w = _catmull(x - i)
        mat = np.zeros((len(x), size))
        for a in range(4):
            np.add.at(mat, (np.arange(len(x)), np.clip(i - 1 + a, 0, size - 1)), w[a])
        return mat
    return weights(xr, lattice.shape[0]) @ lattice @ weights(xc, lattice.shape[1]).T


def coarse_relief(seed: int = 12, steps: int = 150, dt: float = 5.0) -> np.ndarray:
    """Heights (m) on the coarse grid: node (i, j) is fine global cell (C0 + i·S, C0 + j·S)."""
    rng = np.random.default_rng(seed)
    u = _smooth_noise(rng, NC, 200, octaves=2)  # ~60 km and ~30 km features: mountains vs hills
    u = (u - u.min()) / (u.max() - u.min())
    uplift = 0.35 + 0.65 * u ** 1.5
    h0 = 20.0 * _smooth_noise(rng, NC, 40, octaves=3) + 5.0 * rng.random((NC, NC))
    h0 -= h0.min()
    # base level: the grid edge at 0, and a main river crossing the domain west → east (through the centre
    # tile's northern half), fixed at a gentle gradient (0.02 units per node, rising eastward); without it all
    # relief would pile up along 90 km trunks and the hillsides would be gentle after scaling
    outlet = np.zeros((NC, NC), bool)
    outlet[0, :] = outlet[-1, :] = outlet[:, 0] = outlet[:, -1] = True
    h0[outlet] = 0.0
    t = np.linspace(0.0, 1.0, 8 * NC)
    ph = rng.uniform(0, 2 * np.pi, 2)
    rows = NC * (0.42 + 0.07 * np.sin(2 * np.pi * 1.3 * t + ph[0]) + 0.03 * np.sin(2 * np.pi * 3.1 * t + ph[1]))
    rr, cc = np.rint(rows).astype(int), np.rint(t * (NC - 1)).astype(int)
    keep = np.r_[True, (np.diff(rr) != 0) | (np.diff(cc) != 0)]
    rr, cc = rr[keep], cc[keep]
    along = np.r_[0.0, np.cumsum(np.hypot(np.diff(rr), np.diff(cc)))]
    inner = (rr > 0) & (rr < NC - 1) & (cc > 0) & (cc < NC - 1)
    outlet[rr[inner], cc[inner]] = True
    h0[rr[inner], cc[inner]] = 0.02 * along[inner]
    uplift[outlet] = 0.0
    h = _erode(h0, uplift, outlet, K_ERODE, M_EXP, dt, steps, 1e-6, DIFFUSION, seed, 10)
    c = slice(DOMAIN // S, (DOMAIN + 3600) // S + 1)  # the centre tile
    lo, hi = float(h[c, c].min()), float(h[c, c].max())
    return BASE_M + (h - lo) * (TOP_M - BASE_M) / (hi - lo)


# ------------------------------------------------------------------------------------------------- fine window
@njit(cache=True)
def _hash01(i, j, seed):
    x = np.uint64(i & 0xFFFFFFFF) * np.uint64(0x9E3779B97F4A7C15)
    x ^= np.uint64(j & 0xFFFFFFFF) * np.uint64(0xC2B2AE3D27D4EB4F)
    x ^= np.uint64(seed) * np.uint64(0x165667B19E3779F9)
    x ^= x >> np.uint64(33)
    x *= np.uint64(0xFF51AFD7ED558CCD)
    x ^= x >> np.uint64(33)
    x *= np.uint64(0xC4CEB9FE1A85EC53)
    x ^= x >> np.uint64(33)
    return (x >> np.uint64(11)) * (1.0 / 9007199254740992.0) * 2.0 - 1.0


@njit(cache=True)
def _cw(t):
    t2 = t * t
    t3 = t2 * t
    return (-0.5 * t3 + t2 - 0.5 * t, 1.5 * t3 - 2.5 * t2 + 1.0, -1.5 * t3 + 2.0 * t2 + 0.5 * t, 0.5 * t3 - 0.5 * t2)


@njit(cache=True)
def _interp_into(out, lat, r0, c0, step, origin, scale):
    """out[r, c] += scale · CatmullRom(lat) at fine cell (r0 + r, c0 + c); node k ↔ cell k·step − origin."""
    nr, nc = out.shape
    ir = np.empty(nr, np.int64)
    wr = np.empty((nr, 4))
    for r in range(nr):
        x = (r0 + r + origin) / step
        i = int(math.floor(x))
        ir[r] = i
        wr[r, 0], wr[r, 1], wr[r, 2], wr[r, 3] = _cw(x - i)
    ic = np.empty(nc, np.int64)
    wc = np.empty((nc, 4))
    for c in range(nc):
        x = (c0 + c + origin) / step
        i = int(math.floor(x))
        ic[c] = i
        wc[c, 0], wc[c, 1], wc[c, 2], wc[c, 3] = _cw(x - i)
    n0, n1 = lat.shape
    for r in range(nr):
        for c in range(nc):
            v = 0.0
            for a in range(4):
                row = min(max(ir[r] - 1 + a, 0), n0 - 1)
                s = 0.0
                for b in range(4):
                    s += wc[c, b] * lat[row, min(max(ic[c] - 1 + b, 0), n1 - 1)]
                v += wr[r, a] * s
            out[r, c] += scale[r, c] * v


@njit(cache=True)
def _hash_lattice(i0, j0, ni, nj, seed):
    out = np.empty((ni, nj))
    for a in range(ni):
        for b in range(nj):
            out[a, b] = _hash01(i0 + a, j0 + b, seed)
    return out


@njit(cache=True)
def _cubic2(grid, x, y):
    """Catmull–Rom value of ``grid`` at (x, y) (grid coordinates), clamped at the edges."""
    n0, n1 = grid.shape
    i = int(math.floor(x))
    j = int(math.floor(y))
    wx = _cw(x - i)
    wy = _cw(y - j)
    v = 0.0
    for a in range(4):
        row = min(max(i - 1 + a, 0), n0 - 1)
        s = 0.0
        for b in range(4):
            s += wy[b] * grid[row, min(max(j - 1 + b, 0), n1 - 1)]
        v += wx[a] * s
    return v


@njit(cache=True)
def _warped_base(coarse, warp_r, warp_c, wi0, wj0, wave, amp, r0, c0, nr, nc):
    """The coarse relief at 1″, sampled through a smooth domain warp (bends D8's straight valleys).

    The displacement (±``amp`` coarse nodes, wavelength ``wave`` fine cells) has a gradient well below 1, so the
    warp is one-to-one and makes no new pits.
    """
    out = np.empty((nr, nc))
    for r in range(nr):
        gr = r0 + r
        for c in range(nc):
            gc = c0 + c
            u = gr / wave - wi0
            v = gc / wave - wj0
            x = (gr - C0) / S + amp * _cubic2(warp_r, u, v)
            y = (gc - C0) / S + amp * _cubic2(warp_c, u, v)
            out[r, c] = _cubic2(coarse, x, y)
    return out


def window(coarse: np.ndarray, r0: int, c0: int, nr: int, nc: int, seed: int = 12) -> np.ndarray:
    """Elevations (m, float32) of fine global cells rows r0..r0+nr−1, cols c0..c0+nc−1.

    Fine global cell (0, 0) is the NW corner cell of the 3×3 tiles (lat + 2, lon − 1 for the centre tile (lat, lon)).
    """
    # one cell of padding so that the slope (and so every value) does not depend on where the window starts
    r0, c0, nr, nc = r0 - 1, c0 - 1, nr + 2, nc + 2
    wi0, wj0 = r0 // WARP_WAVE - 2, c0 // WARP_WAVE - 2
    shape = (nr // WARP_WAVE + 8, nc // WARP_WAVE + 8)
    warp_r = _hash_lattice(wi0, wj0, shape[0], shape[1], seed * 1000 + 101)
    warp_c = _hash_lattice(wi0, wj0, shape[0], shape[1], seed * 1000 + 102)
    base = _warped_base(coarse, warp_r, warp_c, wi0, wj0, float(WARP_WAVE), WARP_AMP, r0, c0, nr, nc)
    # slope of the smooth surface, m per 1″ cell (≈ 30 m): 0.15 on floors … 1 from ~20 % slope up
    gy, gx = np.gradient(base)
    scale = np.clip(np.hypot(gy, gx) / 6.0, 0.15, 1.0)
    out = base
    for o, (wave, amp) in enumerate(OCTAVES):
        # global lattice node g sits on fine cell g·wave; ``lat`` holds nodes i0… (rows) and j0… (cols)
        i0, j0 = r0 // wave - 2, c0 // wave - 2
        lat = _hash_lattice(i0, j0, nr // wave + 8, nc // wave + 8, seed * 1000 + o)
        _interp_into(out, lat, r0 - i0 * wave, c0 - j0 * wave, float(wave), 0.0, amp * scale)
    out = out[1:-1, 1:-1]
    return out.astype(np.float32)


def tile_offset(dlat: int, dlon: int) -> tuple[int, int]:
    """Global fine (row, col) of the first cell of the tile (lat + dlat, lon + dlon)."""
    return (1 - dlat) * 3600, (dlon + 1) * 3600


# ---------------------------------------------------------------------------------------------------- writing
def _write(path: Path, z: np.ndarray, west: float, north: float, lat: int, lon: int, seed: int,
           crs: str = "EPSG:4326") -> None:
    import rasterio
    from rasterio.transform import from_origin

    tmp = path.with_name(path.name + ".tmp.tif")
    z16 = np.clip(np.rint(z), -32767, 32767).astype(np.int16)
    with rasterio.open(tmp, "w", driver="GTiff", width=z.shape[1], height=z.shape[0], count=1, dtype="int16",
                       crs=crs, transform=from_origin(west, north, ARCSEC, ARCSEC), nodata=-32767) as dst:
        dst.write(z16, 1)
        dst.update_tags(SYNTHETIC=SYNTHETIC_TAG, seed=str(seed), centre_tile=tile_name(lat, lon))
        dst.update_tags(1, units="metre")
    tmp.replace(path)


def write_tiles(out: Path, lat: int = 25, lon: int = 113, seed: int = 12, neighbours: bool = True,
                border: int = 600, crs: str = "EPSG:4326", verbose: bool = True) -> dict[str, Path]:
    """Write the tile, its neighbours and the bordered mosaic into ``out`` (skipping files already there)."""
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    todo = [(0, 0)] + ([(a, b) for a in (1, 0, -1) for b in (-1, 0, 1) if (a, b) != (0, 0)] if neighbours else [])
    mosaic = out / f"{tile_name(lat, lon)}_border{border}.tif"
    wanted = [out / f"{tile_name(lat + a, lon + b)}_1arc_v3.tif" for a, b in todo] + [mosaic]
    coarse = None
    if not all(p.exists() for p in wanted):
        t = time.perf_counter()
        coarse = coarse_relief(seed)
        if verbose:
            print(f"coarse relief {coarse.shape} in {time.perf_counter() - t:.1f} s")
    for (a, b), path in zip(todo, wanted):
        paths[tile_name(lat + a, lon + b)] = path
        if path.exists():
            continue
        t = time.perf_counter()
        r0, c0 = tile_offset(a, b)
        z = window(coarse, r0, c0, TILE, TILE, seed)
        _write(path, z, lon + b - 0.5 * ARCSEC, lat + a + 1 + 0.5 * ARCSEC, lat, lon, seed, crs)
        if verbose:
            print(f"{path.name}: {z.min():.0f}–{z.max():.0f} m in {time.perf_counter() - t:.1f} s")
    paths["border"] = mosaic
    if not mosaic.exists():
        r0, c0 = tile_offset(0, 0)
        n = TILE + 2 * border
        z = window(coarse, r0 - border, c0 - border, n, n, seed)
        _write(mosaic, z, lon - (border + 0.5) * ARCSEC, lat + 1 + (border + 0.5) * ARCSEC, lat, lon, seed, crs)
    return paths


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lat", type=int, default=25)
    ap.add_argument("--lon", type=int, default=113)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "_data" / "phes_dem")
    ap.add_argument("--no-neighbours", action="store_true")
    a = ap.parse_args(argv)
    for k, p in write_tiles(a.out, a.lat, a.lon, a.seed, not a.no_neighbours).items():
        print(k, p)


if __name__ == "__main__":
    main()
