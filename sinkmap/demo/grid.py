"""Regular lon/lat grids and the deterministic noise the demo world is built from.

Every random number in the demo comes from :func:`hash01`, a stateless integer hash of (seed, stream,
integer coordinates). A value therefore depends only on *where* it is, never on the order things are
generated in or on the extent of the grid: the same seed gives identical output, and a subset of
counties gives the same terrain as the full run where they overlap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from affine import Affine

from ..core.crs import CGCS2000_A, CGCS2000_INV_F

_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


@dataclass(frozen=True)
class Grid:
    """A north-up lon/lat grid in EPSG:4490: ``width`` × ``height`` cells of ``res`` degrees."""

    west: float
    north: float
    res: float
    width: int
    height: int

    @property
    def transform(self) -> Affine:
        return Affine(self.res, 0.0, self.west, 0.0, -self.res, self.north)

    @property
    def east(self) -> float:
        return self.west + self.width * self.res

    @property
    def south(self) -> float:
        return self.north - self.height * self.res

    @property
    def shape(self) -> tuple[int, int]:
        return self.height, self.width

    def lon(self, cols: np.ndarray | None = None) -> np.ndarray:
        """Longitude of cell centres (all columns, or the given ones)."""
        c = np.arange(self.width) if cols is None else cols
        return self.west + (c + 0.5) * self.res

    def lat(self, rows: np.ndarray | None = None) -> np.ndarray:
        r = np.arange(self.height) if rows is None else rows
        return self.north - (r + 0.5) * self.res

    def coarsen(self, factor: int) -> "Grid":
        """The grid whose cells are ``factor`` × ``factor`` blocks of this one (sizes must divide)."""
        if self.width % factor or self.height % factor:
            raise ValueError(f"grid {self.width}x{self.height} is not divisible by {factor}")
        return Grid(self.west, self.north, self.res * factor, self.width // factor, self.height // factor)

    def refine(self, factor: int) -> "Grid":
        return Grid(self.west, self.north, self.res / factor, self.width * factor, self.height * factor)

    def cell_area_m2(self) -> np.ndarray:
        """Ellipsoidal area (m²) of one cell in each row: a column vector of length ``height``."""
        return lat_band_area_m2(self.lat() + self.res / 2, self.lat() - self.res / 2, self.res)

    def index(self, lon: float, lat: float) -> tuple[int, int]:
        """(row, col) of the cell containing a point (may be outside the grid)."""
        return int(math.floor((self.north - lat) / self.res)), int(math.floor((lon - self.west) / self.res))

    @staticmethod
    def covering(bounds: tuple[float, float, float, float], res: float, snap: float) -> "Grid":
        """The grid of resolution ``res`` covering ``bounds`` (w, s, e, n), edges snapped outward to ``snap``."""
        w, s, e, n = bounds
        w = math.floor(w / snap) * snap
        s = math.floor(s / snap) * snap
        e = math.ceil(e / snap) * snap
        n = math.ceil(n / snap) * snap
        return Grid(round(w, 9), round(n, 9), res, int(round((e - w) / res)), int(round((n - s) / res)))


def lat_band_area_m2(lat_top: np.ndarray, lat_bottom: np.ndarray, dlon_deg: float) -> np.ndarray:
    """Area of lat/lon cells on the CGCS2000 ellipsoid (authalic-latitude formula), m²."""
    a = CGCS2000_A
    f = 1.0 / CGCS2000_INV_F
    e2 = f * (2 - f)
    e = math.sqrt(e2)

    def q(phi: np.ndarray) -> np.ndarray:
        s = np.sin(phi)
        return (1 - e2) * (s / (1 - e2 * s * s) - np.log((1 - e * s) / (1 + e * s)) / (2 * e))

    top = np.radians(np.asarray(lat_top, dtype=float))
    bot = np.radians(np.asarray(lat_bottom, dtype=float))
    return a * a / 2 * np.radians(dlon_deg) * np.abs(q(top) - q(bot))


# -- hashing --------------------------------------------------------------------------------------

def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser on uint64 arrays (wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def hash_u64(seed: int, stream: int, *coords: np.ndarray | int) -> np.ndarray:
    """A 64-bit hash of (seed, stream, integer coordinates...), broadcast over the coordinates."""
    with np.errstate(over="ignore"):
        h = _mix(np.uint64(seed & 0xFFFFFFFF) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(stream & 0xFFFF))
        for c in coords:
            c = np.asarray(c, dtype=np.int64).astype(np.uint64)
            h = _mix(h ^ (c + np.uint64(0x9E3779B97F4A7C15) + (h << np.uint64(6)) + (h >> np.uint64(2))))
    return h


def hash01(seed: int, stream: int, *coords: np.ndarray | int) -> np.ndarray:
    """Uniform floats in [0, 1) from :func:`hash_u64` (53 bits)."""
    return (hash_u64(seed, stream, *coords) >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def rng_for(seed: int, stream: int, *key: int) -> np.random.Generator:
    """A numpy Generator for one named piece of the world (stream + integer key): order independent."""
    return np.random.default_rng(int(hash_u64(seed, stream, *key)))


def text_key(text: str) -> int:
    """A stable integer for a name (for :func:`rng_for` keys); Python's hash() is salted per process."""
    h = 1469598103934665603
    for b in text.encode("utf-8"):
        h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFF
    return h


# -- value noise ----------------------------------------------------------------------------------

def _axis(coords: np.ndarray, spacing: float) -> tuple[np.ndarray, np.ndarray]:
    u = coords / spacing
    i0 = np.floor(u).astype(np.int64)
    t = (u - i0).astype(np.float32)
    return i0, t * t * (3 - 2 * t)


def value_noise(seed: int, stream: int, lon: np.ndarray, lat: np.ndarray, spacing: float) -> np.ndarray:
    """Smooth noise in [0, 1) on the lattice of ``spacing`` degrees anchored at 0°E, 0°N.

    ``lon`` (columns) and ``lat`` (rows) are 1-D cell-centre coordinates; the result has shape
    (len(lat), len(lon)). Separable smoothstep interpolation: O(rows × cols).
    """
    ix, tx = _axis(lon, spacing)
    iy, ty = _axis(lat, spacing)
    xs = np.arange(ix.min(), ix.max() + 2)
    ys = np.arange(iy.min(), iy.max() + 2)
    lattice = hash01(seed, stream, ys[:, None], xs[None, :]).astype(np.float32)
    cx = ix - xs[0]
    along_x = lattice[:, cx] * (1 - tx) + lattice[:, cx + 1] * tx
    cy = iy - ys[0]
    return along_x[cy] * (1 - ty)[:, None] + along_x[cy + 1] * ty[:, None]


def value_noise_2d(seed: int, stream: int, lon: np.ndarray, lat: np.ndarray, spacing: float,
                   angle: float, warp: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Smooth noise in [0, 1) on a lattice rotated by ``angle`` radians (no axis-aligned artefacts).

    ``warp`` (two arrays of the output shape, degrees) displaces the sampling positions (domain warp),
    which bends features into less regular shapes. Cost: four gathers per cell.
    """
    c = np.float32(math.cos(angle) / spacing)
    s = np.float32(math.sin(angle) / spacing)
    x = lon.astype(np.float32)[None, :]
    y = lat.astype(np.float32)[:, None]
    if warp is not None:
        x = x + warp[0]
        y = y + warp[1]
    u = x * c - y * s
    v = x * s + y * c
    i0 = np.floor(u)
    j0 = np.floor(v)
    fx = u - i0
    fy = v - j0
    ib, jb = int(i0.min()), int(j0.min())
    ii = (i0 - ib).astype(np.int64)
    jj = (j0 - jb).astype(np.int64)
    lattice = hash01(seed, stream, np.arange(jb, jb + int(jj.max()) + 2)[:, None],
                     np.arange(ib, ib + int(ii.max()) + 2)[None, :]).astype(np.float32)
    w = lattice.shape[1]
    flat = lattice.ravel()
    k = jj * w + ii
    sx = fx * fx * (3 - 2 * fx)
    sy = fy * fy * (3 - 2 * fy)
    a, b, cc, d = flat[k], flat[k + 1], flat[k + w], flat[k + w + 1]
    return (a + (b - a) * sx) * (1 - sy) + (cc + (d - cc) * sx) * sy


def value_noise_points(seed: int, stream: int, x: np.ndarray, y: np.ndarray, spacing: float) -> np.ndarray:
    """:func:`value_noise` evaluated at scattered points (same lattice, same values)."""
    u, v = np.asarray(x, float) / spacing, np.asarray(y, float) / spacing
    i0, j0 = np.floor(u).astype(np.int64), np.floor(v).astype(np.int64)
    tx, ty = u - i0, v - j0
    sx, sy = tx * tx * (3 - 2 * tx), ty * ty * (3 - 2 * ty)

    def at(i, j):
        return hash01(seed, stream, j, i)

    top = at(i0, j0) * (1 - sx) + at(i0 + 1, j0) * sx
    bottom = at(i0, j0 + 1) * (1 - sx) + at(i0 + 1, j0 + 1) * sx
    return top * (1 - sy) + bottom * sy


def fbm_2d(seed: int, stream: int, lon: np.ndarray, lat: np.ndarray, spacing: float, octaves: int,
           gain: float = 0.5, warp: tuple[np.ndarray, np.ndarray] | None = None
           ) -> tuple[np.ndarray, np.ndarray]:
    """Fractal sum of rotated octaves (lacunarity ~2.03, each octave turned by ~47°), normalised to
    [0, 1], and the matching ridged noise (1 - |2n - 1|)²: sharp crests for mountains."""
    total = np.zeros((len(lat), len(lon)), np.float32)
    ridged = np.zeros_like(total)
    amp, norm, sp = 1.0, 0.0, spacing
    for k in range(octaves):
        n = value_noise_2d(seed, stream * 16 + k, lon, lat, sp, 0.82 * k + 0.3, warp)
        total += amp * n
        r = 1 - np.abs(2 * n - 1)
        ridged += amp * r * r
        norm += amp
        amp *= gain
        sp /= 2.03
    return total / norm, ridged / norm


def fbm(seed: int, stream: int, lon: np.ndarray, lat: np.ndarray, spacing: float, octaves: int,
        gain: float = 0.5, ridged_out: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """Fractal sum of :func:`value_noise` octaves, normalised to [0, 1]; optionally ridged noise too.

    Ridged noise (1 - |2n - 1|)² per octave gives sharp crests: the mountain texture.
    """
    total = np.zeros((len(lat), len(lon)), np.float32)
    ridged = np.zeros_like(total) if ridged_out else None
    amp, norm = 1.0, 0.0
    for k in range(octaves):
        n = value_noise(seed, stream * 16 + k, lon, lat, spacing / 2 ** k)
        total += amp * n
        if ridged is not None:
            r = 1 - np.abs(2 * n - 1)
            ridged += amp * r * r
        norm += amp
        amp *= gain
    total /= norm
    if ridged is not None:
        ridged /= norm
    return total, ridged


# -- resampling -----------------------------------------------------------------------------------

def bilinear(field: np.ndarray, src: Grid, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Bilinear interpolation of a ``src``-grid field at cell centres ``lat`` × ``lon`` (edge-clamped)."""
    fx = (lon - src.west) / src.res - 0.5
    fy = (src.north - lat) / src.res - 0.5
    x0 = np.clip(np.floor(fx).astype(np.int64), 0, src.width - 2)
    y0 = np.clip(np.floor(fy).astype(np.int64), 0, src.height - 2)
    tx = np.clip(fx - x0, 0, 1).astype(np.float32)
    ty = np.clip(fy - y0, 0, 1).astype(np.float32)
    rows = field[y0[0]:y0[-1] + 2]
    along_x = rows[:, x0] * (1 - tx) + rows[:, x0 + 1] * tx
    yy = y0 - y0[0]
    return along_x[yy] * (1 - ty)[:, None] + along_x[yy + 1] * ty[:, None]


def block_mean(a: np.ndarray, factor: int) -> np.ndarray:
    h, w = a.shape
    return a.reshape(h // factor, factor, w // factor, factor).mean(axis=(1, 3), dtype=np.float64).astype(np.float32)


def box_blur(a: np.ndarray, radius: int) -> np.ndarray:
    """Separable box blur (edges clamped) — numpy only, via cumulative sums."""
    if radius <= 0:
        return a.astype(np.float32)
    out = a.astype(np.float64)
    for axis in (0, 1):
        pad = [(0, 0), (0, 0)]
        pad[axis] = (radius + 1, radius)
        c = np.cumsum(np.pad(out, pad, mode="edge"), axis=axis)
        n = 2 * radius + 1
        out = (np.take(c, np.arange(n, c.shape[axis]), axis=axis)
               - np.take(c, np.arange(0, c.shape[axis] - n), axis=axis)) / n
    return out.astype(np.float32)


def km_per_deg(lat: float) -> tuple[float, float]:
    """Kilometres per degree of longitude and latitude near ``lat`` (for distances on small windows)."""
    return 111.32 * math.cos(math.radians(lat)), 110.57
