"""The best candidate regions of a suitability raster, as polygons with their area and capacity.

``find_regions(score, transform, crs, threshold=…)``:

1. cells scoring at least ``threshold`` (NaN never) form regions: connected components (8-connected by
   default, ``connectivity=4`` for edge neighbours only);
2. a region larger than ``max_area_ha`` is split (``oversize="split"``: grown greedily from its best cell by
   score until the maximum is reached, then again from the best cell left) or dropped (``"drop"``); regions
   smaller than ``min_area_ha`` are dropped;
3. regions are ranked by mean score (area-weighted), then area; with a goal (``goal_mw`` or ``goal_area_ha``)
   they are taken in that order until the goal is reached (the region that reaches it included) — a notice
   says so when all of them together fall short.

Areas are true areas on the ellipsoid (lon/lat grids, per row) or corrected by the projection's areal scale
(projected grids) — see :mod:`sinkmap.analysis.zonal.cellarea`. Capacity = area × power density (MW/km²).

The result is a GeoDataFrame in the grid's CRS: ``region_id`` (1 = best), ``mean_score``, ``area_ha``,
``capacity_mw``, ``cells``, ``mean_<criterion>`` for each criterion raster given, and the polygon
(``rasterio.features.shapes``, cell edges).
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

import numba
import numpy as np

from ...core.errors import InputError
from ...core.feedback import Feedback, ensure
from ...core.messages import Notice
from .terrain import _affine, _ellipsoid, as_crs

__all__ = ["POWER_DENSITY_MW_PER_KM2", "cell_areas_m2", "label_components", "find_regions"]

#: Installed capacity per km² of region, by technology — SETTINGS, not facts: typical planning values to
#: override per project (ground-mounted PV ≈ 30–50 MW/km² depending on module efficiency, row spacing and
#: latitude; wind ≈ 3–5 MW/km² of wind-farm area, turbine spacing 5–10 rotor diameters).
POWER_DENSITY_MW_PER_KM2: dict[str, float] = {"pv": 40.0, "wind": 4.0}


def cell_areas_m2(shape: tuple[int, int], transform: Any, crs: Any) -> np.ndarray:
    """Area (m²) of every cell of a grid: on the ellipsoid for lon/lat, scale-corrected for projected grids."""
    from ..zonal.cellarea import area_model, lonlat_row_areas

    rows, cols = shape
    a, _, _, _, e, f = _affine(transform)
    c = as_crs(crs)
    if c.is_geographic:
        semi, flat = _ellipsoid(c)
        lat_edges = f + e * np.arange(rows + 1)
        if np.abs(lat_edges).max() > 90.0 + 1e-9:
            raise InputError(code="analysis.siting.bad_latitudes")
        row_area = lonlat_row_areas(lat_edges, abs(a), semi, 1.0 / flat if flat else 0.0)
        return np.repeat(row_area[:, None], cols, axis=1)
    info = SimpleNamespace(crs_wkt=c.to_wkt(), transform=tuple(transform)[:6], is_geographic=False, width=cols,
                           height=rows, path=None)
    return area_model(info).cell_areas(0, rows)


@numba.njit(cache=True, nogil=True)
def _label(mask, eight):
    rows, cols = mask.shape
    labels = np.zeros((rows, cols), np.int32)
    stack = np.empty(rows * cols, np.int64)
    n = 0
    for r0 in range(rows):
        for c0 in range(cols):
            if not mask[r0, c0] or labels[r0, c0] != 0:
                continue
            n += 1
            labels[r0, c0] = n
            top = 0
            stack[0] = r0 * cols + c0
            top = 1
            while top > 0:
                top -= 1
                idx = stack[top]
                r = idx // cols
                c = idx % cols
                for dr in range(-1, 2):
                    for dc in range(-1, 2):
                        if dr == 0 and dc == 0:
                            continue
                        if not eight and dr != 0 and dc != 0:
                            continue
                        rr = r + dr
                        cc = c + dc
                        if 0 <= rr < rows and 0 <= cc < cols and mask[rr, cc] and labels[rr, cc] == 0:
                            labels[rr, cc] = n
                            stack[top] = rr * cols + cc
                            top += 1
    return labels, n


def label_components(mask: Any, connectivity: int = 8) -> tuple[np.ndarray, int]:
    """Connected components of a boolean raster: (int32 labels 1…n, 0 outside), n."""
    m = np.ascontiguousarray(np.asarray(mask, dtype=bool))
    labels, n = _label(m, connectivity == 8)
    return labels, int(n)


def _split(labels: np.ndarray, comp: int, score: np.ndarray, area: np.ndarray, max_m2: float, next_label: int,
           eight: bool) -> int:
    """Split component ``comp`` into pieces of at most ``max_m2``, each grown from the best cell left by score.

    Cells that fit in no piece (a single cell above the maximum) get label 0. Returns the next free label.
    """
    rows, cols = labels.shape
    rr, cc = np.nonzero(labels == comp)
    order = np.argsort(-score[rr, cc], kind="stable")
    todo = {(int(rr[i]), int(cc[i])) for i in range(len(rr))}
    nbrs = [(dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1) if (dr, dc) != (0, 0) and (eight or dr == 0 or dc == 0)]
    for i in order:
        seed = (int(rr[i]), int(cc[i]))
        if seed not in todo:
            continue
        piece = next_label
        next_label += 1
        total = 0.0
        heap = [(-float(score[seed]), seed)]
        queued = {seed}
        while heap:
            _, (r, c) = heapq.heappop(heap)
            if total + area[r, c] > max_m2:
                if total == 0.0:  # a single cell larger than the maximum: nothing fits
                    todo.discard((r, c))
                    labels[r, c] = 0
                break
            total += area[r, c]
            labels[r, c] = piece
            todo.discard((r, c))
            for dr, dc in nbrs:
                q = (r + dr, c + dc)
                if q in todo and q not in queued:
                    queued.add(q)
                    heapq.heappush(heap, (-float(score[q]), q))
    return next_label


def find_regions(score: Any, transform: Any, crs: Any, *, threshold: float = 0.6, connectivity: int = 8,
                 min_area_ha: float = 0.0, max_area_ha: float | None = None, oversize: str = "split",
                 goal_mw: float | None = None, goal_area_ha: float | None = None, technology: str = "pv",
                 power_density: float | None = None, criteria: Mapping[str, Any] | None = None,
                 feedback: Feedback | None = None, return_labels: bool = False):
    """Candidate regions of a 0–1 suitability raster as a ranked GeoDataFrame (see the module docstring).

    ``power_density`` (MW/km²) overrides the technology's setting in :data:`POWER_DENSITY_MW_PER_KM2`.
    With ``return_labels`` the int32 raster of region ids (0 = none) is returned too.
    """
    import geopandas as gpd
    import pandas as pd
    import shapely
    from rasterio.features import shapes
    from shapely.geometry import shape as to_shape

    fb = ensure(feedback)
    s = np.ma.getdata(score).astype(np.float64, copy=True)
    if s.ndim != 2:
        raise InputError(code="analysis.siting.not_2d", what="suitability", shape=str(s.shape))
    s[np.ma.getmaskarray(score) | ~np.isfinite(s)] = np.nan
    if not 0.0 <= threshold <= 1.0:
        raise InputError(code="analysis.siting.bad_threshold", value=f"{threshold:g}")
    if max_area_ha is not None and min_area_ha > max_area_ha:
        raise InputError(code="analysis.siting.bad_sizes", low=f"{min_area_ha:g}", high=f"{max_area_ha:g}")
    if oversize not in ("split", "drop"):
        raise InputError(code="analysis.siting.bad_oversize", value=oversize)
    if goal_mw is not None and goal_area_ha is not None:
        raise InputError(code="analysis.siting.goal_both")
    if power_density is None:
        if technology not in POWER_DENSITY_MW_PER_KM2:
            raise InputError(code="analysis.siting.unknown_technology", technology=technology,
                             known=", ".join(POWER_DENSITY_MW_PER_KM2))
        power_density = POWER_DENSITY_MW_PER_KM2[technology]
    if not (np.isfinite(power_density) and power_density > 0):
        raise InputError(code="analysis.siting.bad_power_density", value=f"{power_density:g}")
    crit = {}
    for name, raster in (criteria or {}).items():
        arr = np.ma.getdata(raster).astype(np.float64, copy=True)
        if arr.shape != s.shape:
            raise InputError(code="analysis.siting.shape_mismatch", what=str(name), shape=str(arr.shape),
                             expected=str(s.shape))
        arr[np.ma.getmaskarray(raster) | ~np.isfinite(arr)] = np.nan
        crit[str(name)] = arr
    c = as_crs(crs)

    fb.progress(0.0)
    area = cell_areas_m2(s.shape, transform, c)
    with np.errstate(invalid="ignore"):
        mask = s >= threshold
    eight = connectivity == 8
    labels, n = label_components(mask, connectivity)
    fb.check()
    fb.progress(0.3)
    if n and max_area_ha is not None:
        max_m2 = max_area_ha * 1e4
        comp_area = np.bincount(labels.ravel(), weights=area.ravel(), minlength=n + 1)
        next_label = n + 1
        for comp in np.nonzero(comp_area > max_m2)[0]:
            if comp == 0:
                continue
            if oversize == "drop":
                labels[labels == comp] = 0
            else:
                next_label = _split(labels, int(comp), np.nan_to_num(s), area, max_m2, next_label, eight)
            fb.check()
        n = next_label - 1
    fb.progress(0.5)

    # per-region statistics (area-weighted means)
    flat = labels.ravel()
    a = area.ravel()
    reg_area = np.bincount(flat, weights=a, minlength=n + 1)
    reg_cells = np.bincount(flat, minlength=n + 1)
    reg_score = np.bincount(flat, weights=a * np.nan_to_num(s.ravel()), minlength=n + 1)
    ids = np.nonzero((reg_cells > 0) & (np.arange(n + 1) > 0) & (reg_area >= min_area_ha * 1e4))[0]
    table = pd.DataFrame({"label": ids, "mean_score": reg_score[ids] / reg_area[ids],
                          "area_ha": reg_area[ids] / 1e4, "cells": reg_cells[ids]})
    table["capacity_mw"] = table["area_ha"] / 100.0 * power_density
    for name, arr in crit.items():
        ok = np.isfinite(arr.ravel())
        num = np.bincount(flat[ok], weights=(a * np.nan_to_num(arr.ravel()))[ok], minlength=n + 1)
        den = np.bincount(flat[ok], weights=a[ok], minlength=n + 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            table[f"mean_{name}"] = num[ids] / den[ids]
    table = table.sort_values(["mean_score", "area_ha"], ascending=False, kind="stable").reset_index(drop=True)

    goal = goal_mw if goal_mw is not None else goal_area_ha
    if goal is not None:
        col = "capacity_mw" if goal_mw is not None else "area_ha"
        before = table[col].cumsum() - table[col]
        table = table[before < goal].reset_index(drop=True)
        reached = float(table[col].sum())
        if reached < goal:
            unit = " MW" if goal_mw is not None else " ha"
            fb.warn(Notice("analysis.siting.goal_not_met", reached=f"{reached:.6g}{unit}", goal=f"{goal:g}{unit}"))
    if len(table) == 0 and not mask.any():
        fb.warn(Notice("analysis.siting.no_regions", threshold=f"{threshold:g}"))
    table.insert(0, "region_id", np.arange(1, len(table) + 1, dtype=np.int32))
    fb.progress(0.7)

    # final label raster: region ids 1…k by rank, 0 elsewhere
    lut = np.zeros(n + 1, np.int32)
    lut[table["label"].to_numpy()] = table["region_id"].to_numpy()
    out_labels = lut[labels]
    parts: dict[int, list] = {}
    if len(table):
        for geom, value in shapes(out_labels, mask=out_labels > 0, connectivity=8 if eight else 4,
                                  transform=transform):
            parts.setdefault(int(value), []).append(to_shape(geom))
    geoms = [shapely.make_valid(shapely.union_all(parts[int(i)])) for i in table["region_id"]]
    table = table.drop(columns="label")
    cols = ["region_id", "mean_score", "area_ha", "capacity_mw", "cells"] + [f"mean_{k}" for k in crit]
    gdf = gpd.GeoDataFrame(table[cols], geometry=gpd.GeoSeries(geoms, crs=c), crs=c)
    fb.progress(1.0)
    return (gdf, out_labels) if return_labels else gdf
