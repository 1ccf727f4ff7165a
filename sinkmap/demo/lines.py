"""Polylines for the demo world: natural wiggle, and windowed distance fields on a grid."""

from __future__ import annotations

import math

import numpy as np

from .grid import Grid, hash01, km_per_deg


def densify(points: np.ndarray, step_km: float) -> np.ndarray:
    """Insert vertices so no segment is longer than ``step_km`` (lon/lat points, shape (n, 2))."""
    out = [points[0]]
    for a, b in zip(points[:-1], points[1:]):
        kx, ky = km_per_deg((a[1] + b[1]) / 2)
        d = math.hypot((b[0] - a[0]) * kx, (b[1] - a[1]) * ky)
        n = max(1, int(math.ceil(d / step_km)))
        for i in range(1, n + 1):
            out.append(a + (b - a) * i / n)
    return np.asarray(out)


def wiggle(points: np.ndarray, seed: int, key: int, amplitude: float = 0.22, levels: int = 5) -> np.ndarray:
    """Midpoint displacement: each level halves every segment and pushes the midpoint sideways.

    The push is ``amplitude`` × segment length × a hashed value in [-1, 1], so the result stays within
    a band around the original line (rivers meander, roads follow the land) and the end points are fixed.
    """
    pts = np.asarray(points, dtype=float)
    for level in range(levels):
        a, b = pts[:-1], pts[1:]
        mid = (a + b) / 2
        d = b - a
        kx, _ = km_per_deg(float(pts[:, 1].mean()))
        normal = np.stack([-d[:, 1], d[:, 0] * (kx / 110.57) ** 2], axis=1)
        idx = np.arange(len(mid))
        u = hash01(seed, 901, key, level, idx) * 2 - 1
        mid = mid + normal * (amplitude * u)[:, None]
        merged = np.empty((len(pts) + len(mid), 2))
        merged[0::2] = pts
        merged[1::2] = mid
        pts = merged
        amplitude *= 0.8
    return pts


def wiggle_many(lines: list[np.ndarray], seed: int, keys: np.ndarray, amplitude: float = 0.22,
                levels: int = 5) -> list[np.ndarray]:
    """:func:`wiggle` for many lines at once (vectorised over all their segments).

    The original vertices stay where they are, so a line that ends on a vertex of another line still
    ends on it after both are wiggled.
    """
    if not lines:
        return []
    pts = np.concatenate(lines)
    owner = np.concatenate([np.full(len(x), i) for i, x in enumerate(lines)])
    keys = np.asarray(keys, dtype=np.int64)
    for level in range(levels):
        same = owner[1:] == owner[:-1]
        a, b = pts[:-1][same], pts[1:][same]
        seg_owner = owner[:-1][same]
        # index of each segment within its line
        first = np.r_[0, np.flatnonzero(np.diff(seg_owner)) + 1]
        idx = np.arange(len(seg_owner)) - np.repeat(first, np.diff(np.r_[first, len(seg_owner)]))
        d = b - a
        kx = 111.32 * np.cos(np.radians((a[:, 1] + b[:, 1]) / 2))
        normal = np.stack([-d[:, 1], d[:, 0] * (kx / 110.57) ** 2], axis=1)
        u = hash01(seed, 901, keys[seg_owner], level, idx) * 2 - 1
        mid = (a + b) / 2 + normal * (amplitude * u)[:, None]
        # interleave: after each point that starts a segment, insert its midpoint
        starts = np.flatnonzero(np.r_[same, False])
        out = np.empty((len(pts) + len(mid), 2))
        new_owner = np.empty(len(pts) + len(mid), dtype=owner.dtype)
        shift = np.zeros(len(pts), dtype=np.int64)
        shift[starts + 1] = 1
        pos = np.arange(len(pts)) + np.cumsum(shift)
        out[pos] = pts
        new_owner[pos] = owner
        out[pos[starts] + 1] = mid
        new_owner[pos[starts] + 1] = owner[starts]
        pts, owner = out, new_owner
        amplitude *= 0.8
    bounds = np.r_[0, np.flatnonzero(np.diff(owner)) + 1, len(owner)]
    return [pts[s:e] for s, e in zip(bounds[:-1], bounds[1:])]


def min_distance_km(grid: Grid, lines: list[np.ndarray], reach_km: list[float], out: np.ndarray | None = None,
                    ids: np.ndarray | None = None, line_ids: list[int] | None = None
                    ) -> np.ndarray:
    """Distance (km) from each cell centre to the nearest of ``lines``, computed only within each
    line's ``reach_km`` (cells farther than every reach keep +inf, or the value already in ``out``).

    Each segment updates a small window around itself, so cost grows with line length, not grid size.
    If ``ids`` is given it receives, per cell, the ``line_ids`` entry of the nearest line.
    """
    if out is None:
        out = np.full(grid.shape, np.inf, np.float32)
    lat0 = (grid.north + grid.south) / 2
    kx, ky = km_per_deg(lat0)
    for li, (line, reach) in enumerate(zip(lines, reach_km)):
        for a, b in zip(line[:-1], line[1:]):
            w = min(a[0], b[0]) - reach / kx
            e = max(a[0], b[0]) + reach / kx
            s = min(a[1], b[1]) - reach / ky
            n = max(a[1], b[1]) + reach / ky
            c0 = max(0, int((w - grid.west) / grid.res))
            c1 = min(grid.width, int(math.ceil((e - grid.west) / grid.res)) + 1)
            r0 = max(0, int((grid.north - n) / grid.res))
            r1 = min(grid.height, int(math.ceil((grid.north - s) / grid.res)) + 1)
            if c0 >= c1 or r0 >= r1:
                continue
            x = (grid.lon(np.arange(c0, c1)) - a[0]) * kx
            y = (grid.lat(np.arange(r0, r1)) - a[1]) * ky
            dx, dy = (b[0] - a[0]) * kx, (b[1] - a[1]) * ky
            ll = dx * dx + dy * dy
            X, Y = np.meshgrid(x, y)
            t = np.clip((X * dx + Y * dy) / ll, 0, 1) if ll > 0 else np.zeros_like(X)
            d = np.hypot(X - t * dx, Y - t * dy).astype(np.float32)
            d[d > reach] = np.inf
            win = out[r0:r1, c0:c1]
            closer = d < win
            win[closer] = d[closer]
            if ids is not None:
                ids[r0:r1, c0:c1][closer] = line_ids[li] if line_ids is not None else li
    return out


def line_length_km(line: np.ndarray) -> float:
    kx, ky = km_per_deg(float(np.mean(line[:, 1])))
    d = np.diff(line, axis=0)
    return float(np.hypot(d[:, 0] * kx, d[:, 1] * ky).sum())
