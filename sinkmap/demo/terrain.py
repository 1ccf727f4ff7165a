"""Synthetic relief: regional levels, named ranges and summits, river valleys, fractal hills.

The DEM is ``base + (hills + mountains) × valley`` where

* ``base`` is the regional valley-floor level interpolated between control points (湘江 ~30 m at 长沙,
  ~600 m on the 汝城 plateau ...), from ``layers/demo_geography.yaml``;
* ``mountains`` lifts the named ridges to their crest heights with a Gaussian cross-section, textured by
  ridged fractal noise so crests are sharp and flanks are cut;
* ``hills`` is ordinary fractal relief whose amplitude also comes from control points;
* ``valley`` (0 on a river, 1 far from it) flattens the main river valleys into floodplains and notches a
  generated tree of tributary valleys into the uplands, so relief drains somewhere plausible.

Everything is computed on a coarse *field grid* (~0.5 km) and interpolated to the DEM, except the noise,
which is evaluated at the DEM resolution from a position hash (see :mod:`.grid`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from rasterio.features import rasterize

from ..core.feedback import Feedback, ensure
from .config import Geography
from .grid import Grid, bilinear, box_blur, fbm, fbm_2d, hash01, km_per_deg, value_noise_2d
from .lines import densify, min_distance_km, wiggle, wiggle_many

STREAM_NOISE = 10
STREAM_RIVER = 11
STREAM_TRIB = 12
STREAM_FINE = 13


@dataclass
class Network:
    """Rivers (order 1, from the geography file) and generated tributaries (order 2), upstream first."""

    lines: list[np.ndarray]
    names: list[str]
    widths_m: list[float]
    order: list[int]
    valley_km: list[float]


@dataclass
class Fields:
    """Large-scale fields on the field grid."""

    grid: Grid
    base: np.ndarray
    hill_amp: np.ndarray
    uplift: np.ndarray
    valley: np.ndarray
    river_dist_km: np.ndarray  # distance to a main river


def idw(points: np.ndarray, grid: Grid, power: float = 2.0) -> np.ndarray:
    """Inverse-distance interpolation of (lon, lat, value) control points onto ``grid``."""
    lon = grid.lon()[None, :]
    lat = grid.lat()[:, None]
    kx, ky = km_per_deg((grid.north + grid.south) / 2)
    num = np.zeros(grid.shape)
    den = np.zeros(grid.shape)
    for x, y, v in points:
        d2 = ((lon - x) * kx) ** 2 + ((lat - y) * ky) ** 2 + 4.0  # 2 km softening: no spikes at the points
        w = d2 ** (-power / 2)
        num += w * v
        den += w
    return (num / den).astype(np.float32)


def _nearest_index(buckets: dict, cell: float, x: float, y: float, kx: float, ky: float,
                   verts: list[np.ndarray]) -> tuple[int, int, float]:
    """Nearest stored vertex to (x, y) via a bucket grid: (line index, vertex index, km)."""
    ci, cj = int(math.floor(x / cell)), int(math.floor(y / cell))
    best = (-1, -1, math.inf)
    for ring in range(0, 8):
        for di in range(-ring, ring + 1):
            for dj in range(-ring, ring + 1):
                if max(abs(di), abs(dj)) != ring:
                    continue
                for li, vi in buckets.get((ci + di, cj + dj), ()):
                    v = verts[li][vi]
                    d = math.hypot((v[0] - x) * kx, (v[1] - y) * ky)
                    if d < best[2]:
                        best = (li, vi, d)
        if best[0] >= 0 and best[2] < ring * cell * min(kx, ky):
            break
    return best


def stream_network(geo: Geography, grid: Grid, seed: int, mask: np.ndarray | None = None,
                   spacing: float = 0.065) -> Network:
    """Main rivers (wiggled) and a tree of tributaries grown from hashed source points.

    Sources sit on a jittered lattice of ``spacing`` degrees (~6.5 km) (only where ``mask``, a boolean field on ``grid``, is
    true); nearest-first (by distance to the main rivers), each joins the closest vertex of the network
    built so far, so tributaries branch off rivers and off each other like a drainage tree.
    """
    net = Network([], [], [], [], [])
    for i, r in enumerate(geo.rivers):
        line = densify(wiggle(r.line, seed, 1000 + i, amplitude=0.24, levels=7), 1.0)
        net.lines.append(line)
        net.names.append(r.name)
        net.widths_m.append(r.width_m)
        net.order.append(1)
        net.valley_km.append(r.valley_km)
    i0, i1 = math.floor(grid.west / spacing), math.ceil(grid.east / spacing)
    j0, j1 = math.floor(grid.south / spacing), math.ceil(grid.north / spacing)
    ii, jj = np.meshgrid(np.arange(i0, i1), np.arange(j0, j1))
    ii, jj = ii.ravel(), jj.ravel()
    keep = hash01(seed, STREAM_TRIB, ii, jj, 0) < 0.8
    ii, jj = ii[keep], jj[keep]
    sx = (ii + 0.1 + 0.8 * hash01(seed, STREAM_TRIB, ii, jj, 1)) * spacing
    sy = (jj + 0.1 + 0.8 * hash01(seed, STREAM_TRIB, ii, jj, 2)) * spacing
    if mask is not None:
        r = np.clip(((grid.north - sy) / grid.res).astype(int), 0, grid.height - 1)
        c = np.clip(((sx - grid.west) / grid.res).astype(int), 0, grid.width - 1)
        inside = mask[r, c]
        sx, sy, ii, jj = sx[inside], sy[inside], ii[inside], jj[inside]
    kx, ky = km_per_deg((grid.north + grid.south) / 2)
    cell = 0.1
    buckets: dict[tuple[int, int], list[tuple[int, int]]] = {}

    def add(li: int) -> None:
        for vi, v in enumerate(net.lines[li]):
            buckets.setdefault((int(math.floor(v[0] / cell)), int(math.floor(v[1] / cell))), []).append((li, vi))

    for li in range(len(net.lines)):
        add(li)
    dmain = np.full(len(sx), np.inf)
    for line in net.lines:
        for start in range(0, len(line), 2048):
            v = line[start:start + 2048]
            dd = np.sqrt(((sx[:, None] - v[None, :, 0]) * kx) ** 2 + ((sy[:, None] - v[None, :, 1]) * ky) ** 2)
            np.minimum(dmain, dd.min(axis=1), out=dmain)
    keys: list[int] = []
    for src in np.argsort(dmain, kind="stable"):
        x, y = float(sx[src]), float(sy[src])
        li, vi, dist = _nearest_index(buckets, cell, x, y, kx, ky, net.lines)
        if li < 0 or dist < 2.0 or dist > 40.0:
            continue
        target = net.lines[li][vi]
        key = int(ii[src]) * 100_003 + int(jj[src])
        # straight for now (vertices every ~2 km for later tributaries to join); wiggled all at once below
        line = densify(np.array([[x, y], target]), 2.0)
        keys.append(50_000 + key % 10_000_019)
        net.lines.append(line)
        net.names.append("")
        f = min(1.0, dist / 15.0)
        net.widths_m.append(round(12.0 + 25.0 * float(hash01(seed, STREAM_TRIB, key, 3)) * f, 1))
        net.order.append(2)
        net.valley_km.append(round(0.9 + 0.6 * f, 2))
        add(len(net.lines) - 1)
    first = len(geo.rivers)
    net.lines[first:] = wiggle_many(net.lines[first:], seed, np.asarray(keys, np.int64), amplitude=0.3, levels=3)
    return net


def _range_uplift(geo: Geography, grid: Grid, base: np.ndarray) -> np.ndarray:
    """Max over ranges and summits of (crest - base) × Gaussian of the distance to the ridge line."""
    up = np.zeros(grid.shape, np.float32)
    kx, ky = km_per_deg((grid.north + grid.south) / 2)
    items = [(r.line[:, :2], r.line[:, 2], r.half_width_km) for r in geo.ranges]
    items += [(np.array([[p.lon, p.lat], [p.lon, p.lat + 1e-6]]), np.array([p.elev_m, p.elev_m]), p.radius_km)
              for p in geo.peaks]
    for line, crest, hw in items:
        reach = 2.5 * hw
        for a, b, ca, cb in zip(line[:-1], line[1:], crest[:-1], crest[1:]):
            c0 = max(0, int((min(a[0], b[0]) - reach / kx - grid.west) / grid.res))
            c1 = min(grid.width, int((max(a[0], b[0]) + reach / kx - grid.west) / grid.res) + 2)
            r0 = max(0, int((grid.north - max(a[1], b[1]) - reach / ky) / grid.res))
            r1 = min(grid.height, int((grid.north - min(a[1], b[1]) + reach / ky) / grid.res) + 2)
            if c0 >= c1 or r0 >= r1:
                continue
            X, Y = np.meshgrid((grid.lon(np.arange(c0, c1)) - a[0]) * kx, (grid.lat(np.arange(r0, r1)) - a[1]) * ky)
            dx, dy = (b[0] - a[0]) * kx, (b[1] - a[1]) * ky
            ll = dx * dx + dy * dy
            t = np.clip((X * dx + Y * dy) / ll, 0, 1)
            d = np.hypot(X - t * dx, Y - t * dy)
            crest_t = ca + (cb - ca) * t
            u = np.maximum(crest_t - base[r0:r1, c0:c1], 0) * np.exp(-(d / hw) ** 2)
            np.maximum(up[r0:r1, c0:c1], u.astype(np.float32), out=up[r0:r1, c0:c1])
    return up


def build_fields(geo: Geography, grid: Grid, net: Network) -> Fields:
    """The large-scale fields on ``grid`` (the field grid, ~1 km): levels, uplift, main valleys."""
    base = idw(geo.base_levels, grid)
    hill = idw(geo.hilliness, grid)
    uplift = _range_uplift(geo, grid, base)
    valley = np.ones(grid.shape, np.float32)
    dmain = np.full(grid.shape, np.inf, np.float32)
    for i, order in enumerate(net.order):
        if order != 1:
            continue
        vk = net.valley_km[i]
        line = net.lines[i]
        coarse = line[::3] if len(line) > 6 else line  # ~3 km vertices: plenty for a ~1 km field grid
        if len(coarse) and not np.array_equal(coarse[-1], line[-1]):
            coarse = np.vstack([coarse, line[-1]])
        d = min_distance_km(grid, [coarse], [vk * 4 + 8])
        np.minimum(dmain, d, out=dmain)
        floor, rise = 0.5 * vk, vk + 2.0
        v = 1 - np.exp(-(np.maximum(d - floor, 0) / rise) ** 2)
        np.minimum(valley, v.astype(np.float32), out=valley)
    return Fields(grid, base, hill, uplift, valley, dmain)


def tributary_notch(net: Network, grid: Grid) -> np.ndarray:
    """Valley factor of the tributaries on ``grid`` (1 = no valley, 0.2 on a stream line).

    The stream lines are burnt into the grid and blurred twice (a tent-shaped cross-section ~2 km
    wide): cheap, and junctions merge smoothly.
    """
    lines = [shapely.LineString(line) for line, o in zip(net.lines, net.order) if o == 2]
    if not lines:
        return np.ones(grid.shape, np.float32)
    m = rasterize(((g, 1) for g in lines), out_shape=grid.shape, transform=grid.transform, all_touched=True,
                  dtype="uint8").astype(np.float32)
    r = max(1, int(round(0.7 / (grid.res * 111.0))))
    # three box blurs of a one-cell line peak at ~0.75 / (2r + 1): normalise the valley axis to 1
    strength = box_blur(box_blur(box_blur(m, r), r), r) * (2 * r + 1) / 0.75
    return (1 - 0.6 * np.clip(strength, 0, 1)).astype(np.float32)


def medium_elevation(fields: Fields, grid: Grid, notch: np.ndarray, seed: int,
                     feedback: Feedback | None = None) -> np.ndarray:
    """Elevation on the medium grid (~250 m): all relief with wavelengths of ~1 km and more."""
    feedback = ensure(feedback)
    out = np.empty(grid.shape, np.float32)
    lon = grid.lon()
    step = 256
    for r0 in range(0, grid.height, step):
        feedback.check()
        r1 = min(grid.height, r0 + step)
        lat = grid.lat(np.arange(r0, r1))
        fg = fields.grid
        base = bilinear(fields.base, fg, lon, lat)
        hill_amp = bilinear(fields.hill_amp, fg, lon, lat)
        uplift = bilinear(fields.uplift, fg, lon, lat)
        valley = bilinear(fields.valley, fg, lon, lat) * notch[r0:r1]
        wx = (value_noise_2d(seed, STREAM_NOISE + 1, lon, lat, 0.12, 0.4) - 0.5) * 0.05
        wy = (value_noise_2d(seed, STREAM_NOISE + 2, lon, lat, 0.12, 1.1) - 0.5) * 0.05
        # standardised noise (sd ~1): regional (27 km → 3 km) and hill-scale (5 km → 600 m) octaves;
        # the means/sds were measured over the four cities (value noise, 4 octaves, gain 0.5)
        n_reg, r_reg = fbm_2d(seed, STREAM_NOISE, lon, lat, 0.25, 4, gain=0.5, warp=(wx, wy))
        n_hill, r_hill = fbm_2d(seed, STREAM_NOISE + 4, lon, lat, 0.045, 4, gain=0.5, warp=(wx, wy))
        z_reg, zr_reg = (n_reg - 0.5) / 0.13, (r_reg - 0.47) / 0.18
        zr_hill = (r_hill - 0.47) / 0.175
        hills = hill_amp * np.clip(0.45 + 0.22 * z_reg + 0.2 * zr_hill, 0, 1.6) ** 1.3
        hills *= 1 - 0.75 * np.clip(uplift / 800, 0, 1)  # on a range the range's own texture takes over
        mountains = uplift * np.clip(0.72 + 0.14 * zr_reg + 0.14 * zr_hill + 0.06 * z_reg, 0.1, 1.0)
        out[r0:r1] = base + (hills + mountains) * valley
        feedback.progress(r1 / grid.height)
    return out


def dem_block(medium: np.ndarray, medium_grid: Grid, base: np.ndarray, dem_grid: Grid, r0: int, r1: int,
              seed: int) -> np.ndarray:
    """Elevation (float32 m) of DEM rows ``r0:r1``: the medium elevation interpolated, plus relief of
    wavelengths below ~1 km scaled by the height above the valley floor (flat floodplains stay flat)."""
    lon = dem_grid.lon()
    lat = dem_grid.lat(np.arange(r0, r1))
    z = bilinear(medium, medium_grid, lon, lat)
    b = bilinear(base, medium_grid, lon, lat)
    n, ridged = fbm(seed, STREAM_NOISE + 3, lon, lat, 0.012, 3, gain=0.55, ridged_out=True)
    amp = np.clip((z - b) * 0.06, 2.0, 60.0)
    return (z + amp * (n - 0.5) * 1.6 + amp * (ridged - 0.4)).astype(np.float32)


def fine_dem(medium: np.ndarray, medium_grid: Grid, base: np.ndarray, fine_grid: Grid, seed: int,
             feedback: Feedback | None = None) -> np.ndarray:
    """A finer DEM window: the medium elevation interpolated, plus relief of wavelengths ~1.3 km down to
    ~70 m on rotated lattices (no axis-aligned streaks at this zoom), scaled by the height above the
    valley floor so floodplains stay flat and mountain flanks get gullies. The same medium elevation as
    the 3″ DEM, so the two agree at their common scales; ``fine_grid`` must lie inside ``medium_grid``."""
    feedback = ensure(feedback)
    out = np.empty(fine_grid.shape, np.float32)
    lon = fine_grid.lon()
    step = 512
    for r0 in range(0, fine_grid.height, step):
        feedback.check()
        r1 = min(fine_grid.height, r0 + step)
        lat = fine_grid.lat(np.arange(r0, r1))
        z = bilinear(medium, medium_grid, lon, lat)
        b = bilinear(base, medium_grid, lon, lat)
        n, ridged = fbm_2d(seed, STREAM_FINE, lon, lat, 0.012, 5, gain=0.55)
        amp = np.clip((z - b) * 0.06, 2.0, 60.0)
        out[r0:r1] = z + amp * (n - 0.5) * 1.6 + amp * (ridged - 0.45)
        feedback.progress(r1 / fine_grid.height)
    return out
