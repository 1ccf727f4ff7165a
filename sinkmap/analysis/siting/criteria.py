"""Criterion rasters scored to 0–1, and distance rasters in metres.

Scoring (arrays in → float32 arrays out, NaN where the input is nodata):

* :func:`categories` — a class raster through a table ``{value: score}`` (land cover, soil class…);
* :func:`ranges` — piecewise-constant scores between break values (``[b0, b1)`` → ``scores[1]`` …);
* :func:`piecewise` — piecewise-linear through points ``(x, score)``, clamped beyond the ends;
* :func:`rising` / :func:`falling` — 0 below ``lo`` and 1 above ``hi`` (or the reverse), linear between:
  the usual "threshold" functions (e.g. PV slope: ``falling(slope, 5, 25)`` — the limits are settings per
  technology; there is no national slope limit for PV).

Distances: :func:`distance` gives, for every cell, the Euclidean distance in metres to the nearest feature
cell of a boolean raster (exact, Felzenszwalb–Huttenlocher 2012 separable transform, anisotropic cells);
:func:`distance_to_features` rasterises vector features (roads, substations) on the grid first. Both need a
projected grid in linear units (an equal-area or Gauss–Krüger grid): on a lon/lat grid distances in degrees
would be wrong, so it is refused — warp the rasters first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numba
import numpy as np

from ...core.errors import InputError
from .terrain import as_crs, pixel_size

__all__ = ["categories", "ranges", "piecewise", "rising", "falling", "distance", "distance_to_features"]


def _values(raster: Any, nodata: float | None, what: str = "criterion") -> tuple[np.ndarray, np.ndarray]:
    """(values as float64, nodata mask)."""
    arr = np.ma.getdata(raster)
    if arr.ndim != 2:
        raise InputError(code="analysis.siting.not_2d", what=what, shape=str(arr.shape))
    v = arr.astype(np.float64, copy=False)
    bad = ~np.isfinite(v) | np.ma.getmaskarray(raster)
    if nodata is not None and not np.isnan(nodata):
        bad = bad | (arr == nodata)
    return v, bad


def _check_score(name: str, score: float) -> float:
    s = float(score)
    if not (0.0 <= s <= 1.0) and not np.isnan(s):
        raise InputError(code="analysis.siting.score_out_of_range", name=name, score=f"{s:g}")
    return s


def _out(values: np.ndarray, bad: np.ndarray) -> np.ndarray:
    out = np.asarray(values, dtype=np.float32).copy()
    out[bad] = np.nan
    return out


def categories(raster: Any, scores: Mapping[Any, float], *, default: float = np.nan, nodata: float | None = None,
               name: str = "") -> np.ndarray:
    """Score each class value by ``scores``; classes not in the table get ``default`` (NaN: unknown)."""
    arr = np.ma.getdata(raster)
    _, bad = _values(raster, nodata)
    default = _check_score(name, default)
    out = np.full(arr.shape, default, dtype=np.float32)
    for value, score in scores.items():
        out[arr == value] = _check_score(name, score)
    out[bad] = np.nan
    return out


def ranges(raster: Any, breaks: Sequence[float], scores: Sequence[float], *, nodata: float | None = None,
           name: str = "") -> np.ndarray:
    """Piecewise-constant: ``v < breaks[0]`` → ``scores[0]``, ``breaks[i-1] ≤ v < breaks[i]`` → ``scores[i]``,
    ``v ≥ breaks[-1]`` → ``scores[-1]`` (``len(scores) == len(breaks) + 1``)."""
    b = np.asarray(breaks, dtype=float)
    s = np.array([_check_score(name, x) for x in scores], dtype=np.float32)
    if b.ndim != 1 or len(s) != len(b) + 1 or (len(b) > 1 and np.any(np.diff(b) <= 0)):
        raise InputError(code="analysis.siting.bad_breaks", name=name, values=", ".join(f"{x:g}" for x in b))
    v, bad = _values(raster, nodata)
    idx = np.digitize(np.where(bad, b[0] if len(b) else 0.0, v), b, right=False)
    return _out(s[idx], bad)


def piecewise(raster: Any, xs: Sequence[float], ys: Sequence[float], *, nodata: float | None = None,
              name: str = "") -> np.ndarray:
    """Piecewise-linear through the points ``(xs[i], ys[i])`` (xs strictly increasing), clamped at both ends."""
    x = np.asarray(xs, dtype=float)
    y = np.array([_check_score(name, v) for v in ys], dtype=float)
    if x.ndim != 1 or len(x) == 0 or len(x) != len(y) or np.any(np.diff(x) <= 0):
        raise InputError(code="analysis.siting.bad_breaks", name=name, values=", ".join(f"{v:g}" for v in x))
    v, bad = _values(raster, nodata)
    return _out(np.interp(np.where(bad, x[0], v), x, y), bad)


def rising(raster: Any, lo: float, hi: float, *, nodata: float | None = None, name: str = "") -> np.ndarray:
    """0 at or below ``lo``, 1 at or above ``hi``, linear between (e.g. irradiance)."""
    if not lo < hi:
        raise InputError(code="analysis.siting.bad_interval", name=name, lo=f"{lo:g}", hi=f"{hi:g}")
    return piecewise(raster, [lo, hi], [0.0, 1.0], nodata=nodata, name=name)


def falling(raster: Any, lo: float, hi: float, *, nodata: float | None = None, name: str = "") -> np.ndarray:
    """1 at or below ``lo``, 0 at or above ``hi``, linear between (e.g. slope, distance to the grid)."""
    if not lo < hi:
        raise InputError(code="analysis.siting.bad_interval", name=name, lo=f"{lo:g}", hi=f"{hi:g}")
    return piecewise(raster, [lo, hi], [1.0, 0.0], nodata=nodata, name=name)


# -- distances ----------------------------------------------------------------------------------------------

@numba.njit(cache=True, nogil=True, inline="always")
def lower_envelope(f, spacing, v, z):
    """The lower envelope of the parabolas of a line's finite values ``f`` (cells ``spacing`` apart; Felzenszwalb
    & Huttenlocher 2012): their cells in ``v[:k+1]``, the boundaries in ``z``; returns k (−1: no finite value).
    Shared by this module's transform and the block engine's row pass (``stream._edt_row``)."""
    k = -1
    for q in range(f.size):
        if not np.isfinite(f[q]):
            continue
        xq = q * spacing
        s = -np.inf
        while k >= 0:
            xv = v[k] * spacing
            s = ((f[q] + xq * xq) - (f[v[k]] + xv * xv)) / (2.0 * (xq - xv))
            if s <= z[k]:
                k -= 1
            else:
                break
        k += 1
        v[k] = q
        z[k] = s if k > 0 else -np.inf
    return k


@numba.njit(cache=True, nogil=True)
def _edt_line(f, spacing, out, v, z):
    """Squared distance transform of one line (Felzenszwalb & Huttenlocher 2012) with cells ``spacing`` apart."""
    n = f.size
    k = lower_envelope(f, spacing, v, z)
    if k < 0:
        out[:] = np.inf
        return
    j = 0
    for p in range(n):
        xp = p * spacing
        while j < k and z[j + 1] < xp:
            j += 1
        d = xp - v[j] * spacing
        out[p] = d * d + f[v[j]]


@numba.njit(cache=True, nogil=True)
def _edt(features, dx, dy):
    rows, cols = features.shape
    g = np.empty((rows, cols))
    n = max(rows, cols)
    v = np.empty(n, np.int64)
    z = np.empty(n + 1)
    f = np.empty(rows)
    o = np.empty(rows)
    for c in range(cols):
        for r in range(rows):
            f[r] = 0.0 if features[r, c] else np.inf
        _edt_line(f, dy, o, v, z)
        for r in range(rows):
            g[r, c] = o[r]
    out = np.empty((rows, cols))
    f2 = np.empty(cols)
    o2 = np.empty(cols)
    for r in range(rows):
        for c in range(cols):
            f2[c] = g[r, c]
        _edt_line(f2, dx, o2, v, z)
        for c in range(cols):
            out[r, c] = np.sqrt(o2[c])
    return out


def _metric_cells(transform: Any, crs: Any) -> tuple[float, float]:
    c = as_crs(crs)
    if not c.is_projected:
        raise InputError(code="analysis.siting.distance_needs_metric", crs=c.name)
    px, py = pixel_size(transform, c)
    return abs(px), abs(py)


def distance(features: Any, transform: Any, crs: Any, *, valid: Any = None) -> np.ndarray:
    """Distance in metres from each cell centre to the nearest ``True`` cell centre (float32).

    ``features``: boolean raster (True = road / substation / …); ``valid``: optional mask, NaN where False.
    A grid without any feature cell is all ``inf``. Needs a projected grid (metres or other linear units).
    """
    feat = np.asarray(np.ma.filled(features, False) if np.ma.isMaskedArray(features) else features).astype(bool)
    if feat.ndim != 2:
        raise InputError(code="analysis.siting.not_2d", what="features", shape=str(feat.shape))
    dx, dy = _metric_cells(transform, crs)
    out = _edt(np.ascontiguousarray(feat), dx, dy).astype(np.float32)
    if valid is not None:
        out[~np.asarray(valid, dtype=bool)] = np.nan
    return out


def distance_to_features(geoms: Any, transform: Any, shape: tuple[int, int], crs: Any, *,
                         all_touched: bool = True, valid: Any = None) -> np.ndarray:
    """Distance in metres to vector features (a GeoDataFrame/GeoSeries, reprojected to ``crs``, or shapely
    geometries already in ``crs``), rasterised on the grid (``all_touched`` by default, so thin roads count)."""
    from rasterio.features import rasterize

    target = as_crs(crs)
    _metric_cells(transform, target)
    if hasattr(geoms, "to_crs") and getattr(geoms, "crs", None) is not None:
        geoms = geoms.to_crs(target)
    if hasattr(geoms, "geometry"):
        geoms = geoms.geometry
    shapes = [(g, 1) for g in geoms if g is not None and not g.is_empty]
    if shapes:
        feat = rasterize(shapes, out_shape=shape, transform=transform, fill=0, all_touched=all_touched,
                         dtype="uint8").astype(bool)
    else:
        feat = np.zeros(shape, dtype=bool)
    return distance(feat, transform, target, valid=valid)
