"""Exclusions and suitability in row blocks: memory bounded by a block, any grid size, one result.

The grid is cut into blocks of whole rows (~10⁶ cells: a power of two of rows dividing the output's 256-row tiles,
or a multiple of them, when it is tiled). Every
block is computed from the inputs alone — never from another block's result — so the blocks can run in any
order, on threads or on Dask, and the result is the same bit for bit whatever the block size: the
whole-array functions (:func:`~sinkmap.analysis.siting.exclusions.compute_exclusions`,
``site_suitability.compute_suitability``) are this engine with one block.

Per block:

* **the unit and the rules' polygons** — each is rasterised once, with exact coverage fractions, on the whole
  grid into row-sorted runs and partial cells (:class:`~sinkmap.analysis.zonal.rasterize.CoverIndex`: memory
  in proportion to the polygons' boundaries, not to the grid); a block takes its rows;
* **the land cover** — read per block window. When its grid equals the grid, or nests in it (each grid cell
  inside one land-cover cell, as the demo's 3″ DEM in its 9″ land cover) or the other way (k × k land-cover
  cells in a grid cell), the fraction of a rule's classes is taken directly (0/1, or a count over k²) —
  exactly what GDAL's ``average`` gives on such grids; other grids are warped per block (GDAL, ``average``:
  equal to a whole-grid warp to GDAL's rounding, not bit for bit);
* **slope and aspect** — Horn's method on the block's DEM rows with a one-row halo above and below, the
  rows' metric sizes computed once for the whole grid (:mod:`.terrain`'s formulas), slope and the cosine of
  the aspect in one numba pass (:func:`_terrain`; the aspect in degrees only for an aspect transform);
* **distances** (roads, substations) — an exact Euclidean distance transform in two passes over rows: a
  pre-pass rasterises the features (``all_touched``) on the grid widened by the criterion's reach on every
  side and keeps, per block and column, the nearest feature row above and below the block (and the block's
  feature cells, bit-packed); the block then walks each column's feature rows for the column transform and runs
  the row transform (Felzenszwalb–Huttenlocher) row by row, read at the grid's columns only. Few feature cells
  (points: substations) are kept as a list instead, and each row's column pass takes only those within the
  reach's rows (:func:`_distance_direct`: the same envelope on the same columns, bit for bit, without walking
  the extended width).
  Distances are exact up to the reach (the largest distance a curve still scores); beyond it the score is
  constant, so a farther cell gets the reach itself (every cell, when no feature is within the reach: it
  scores as far away, not as no data). On a lon/lat grid the metric is local: north–south the
  meridian arc between the rows' latitudes, east–west the parallel arc at the cell's row;
* **the land cover criterion** — the classes' scores looked up on the same land-cover window the block's
  rules read (read once for both), then taken as they are (nested grids), averaged over the k × k land-cover
  cells of a grid cell (coarse grids) or warped with GDAL's ``average`` (other grids) — as
  :func:`~sinkmap.analysis.siting.settings.landcover_on_grid` does for the whole grid; classes the table does
  not score are counted per block (land-cover cells whose centre lies in the block's rows);
* **the resource raster** — sampled bilinearly at the cell centres; its 5th/95th percentiles inside the unit
  are found exactly (as ``numpy.percentile``) by histogram refinement over the blocks before the scoring;
* **the minimum contiguous area** — patches labelled per block; those touching the block's first or last row
  are merged across block edges with a union-find, their areas added in fixed point (1/1024 m²) so the sum
  does not depend on the order; a second pass over the block results (kept in a temporary file next to the
  output, or in memory) removes the small patches.

Outputs go block by block to a tiled, compressed GeoTIFF written atomically (a private temporary file moved
into place at the end), or into whole arrays for the in-memory callers.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numba
import numpy as np
from affine import Affine

from ...core.errors import InputError
from ...core.feedback import Feedback, ensure
from ...core.messages import Notice
from .criteria import lower_envelope
from .grid import Grid, cell_areas_m2

EPS = 1e-9  # a fraction above this counts (a rule hits, a cell is open)
EXCLUDE, LIMIT, INCLUDE, PREFER = 0, 1, 2, 3
_EFFECTS = {"exclude": EXCLUDE, "limit": LIMIT, "include": INCLUDE, "prefer": PREFER}
AREA_SCALE = 1024  # patch areas in 1/1024 m² (int64): exact, so independent of the summation order
#: cells per block (the block's rows × the grid's width), about: memory per block in flight is ~60 bytes a cell
BLOCK_CELLS = 1 << 20
TILE = 256
#: GDAL's block cache while blocks are read (process-wide, restored after): decoded input tiles a block's halo
#: or the next block reuse, and the output's tiles until they are compressed. Without a cap GDAL keeps up to
#: 5 % of the RAM of tiles of datasets that stay open for the run.
GDAL_CACHE_BYTES = 160 * 2**20
#: distances from the list of the feature cells (:func:`_distance_direct`) when the features cover at most this many
#: cells and a row has on average at most DIRECT_FACTOR × the extended width of them within the reach's rows
DIRECT_MAX_CELLS = 1 << 16
DIRECT_FACTOR = 0.125
#: a temporary value file bigger than this many cells per output is refused with a message when the disk lacks room
FLAG_INSIDE, FLAG_OPEN = np.uint8(1), np.uint8(2)

__all__ = ["ExclusionPlan", "SuitabilityPlan", "blocks_of", "plan_exclusions", "run_plan", "exact_percentiles",
           "BLOCK_CELLS"]


# =====================================================================================================
# plans (picklable: a Dask worker receives one)
# =====================================================================================================

@dataclass
class RuleOp:
    bit: int
    effect: int
    factor: float  # the limit's 1 − weight
    kind: str  # "vector", "raster" or "off"
    cover: Any = None  # CoverIndex on the whole grid (vector rules)
    codes: np.ndarray | None = None  # raster values of the rule's classes (raster rules)


@dataclass
class LandcoverSpec:
    path: str
    nodata: float | None
    mode: str  # "nested" (k grid cells per land-cover cell; k = 1: the same grid), "coarse" (k × k land-cover
    # cells per grid cell) or "warp"
    k: int = 1
    row_off: int = 0  # nested: grid rows before the land cover's row 0 (grid cell units); coarse: land-cover rows
    col_off: int = 0
    height: int = 0
    width: int = 0


@dataclass
class ExclusionPlan:
    grid: Grid
    row_area: np.ndarray  # m² per cell of each row
    unit: Any  # CoverIndex of the unit
    ops: list[RuleOp]
    table: list[dict[str, Any]]
    notices: list[Notice]
    landcover: LandcoverSpec | None
    min_area_m2: float | None
    queen: bool
    unit_name: str = ""
    tech: str = ""
    weights: dict[str, float | None] = field(default_factory=dict)  # rule id → weight (for the empty message)
    token: str = ""  # the run's: threads keep their datasets open for the run (see _dataset)

    @property
    def min_bit(self) -> int | None:
        return len(self.ops) if self.min_area_m2 else None

    @property
    def min_fp(self) -> int:
        return math.ceil(self.min_area_m2 * AREA_SCALE) if self.min_area_m2 else 0

    def area_fp(self) -> np.ndarray:
        return np.round(self.row_area * AREA_SCALE).astype(np.int64)


@dataclass
class DemSpec:
    path: str
    row_off: int  # DEM row of grid row 0
    col_off: int
    dx: np.ndarray  # per row of the grid padded by one row each side: east–west cell width (m)
    dy: np.ndarray  # the same rows: northward distance from row r−1 to r+1 (m)


@dataclass
class DistanceSpec:
    role: str
    reach: float  # metres: beyond it every curve of this role is constant
    rows: int  # extension of the grid, rows above and below
    cols: int  # and columns left and right
    north: np.ndarray  # metres south of the first extended row, per extended row
    east: np.ndarray  # east–west cell width (m) per extended row
    geoms: Any = None  # features in extended pixel coordinates (x = column, y = row)
    ybounds: Any = None  # (ymin, ymax) per feature
    any_feature: bool = False
    above: np.ndarray | None = None  # (blocks, width): last feature row above the block, −1 if none
    below: np.ndarray | None = None  # (blocks, width): first feature row below the block, −1 if none
    bits: list | None = None  # per block: packed feature rows (kept from the pre-pass)
    width: int = 0  # extended columns
    #: the feature cells (extended row, column; sorted by row) when they are few enough that measuring every cell
    #: from each of them costs less than the two-pass transform (points: substations), else None
    cells: tuple | None = None


@dataclass
class ResourceSpec:
    path: str
    same_crs: bool
    crs: str
    transform: tuple
    width: int
    height: int
    nodata: float | None
    low: float = math.nan
    high: float = math.nan


@dataclass
class LandcoverScores:
    """A land-cover criterion: each raster value's score (三调 codes mapped to the raster's values), averaged over
    the part of each grid cell each class covers — :func:`~sinkmap.analysis.siting.settings.landcover_on_grid`
    per block (exact on nested and integer-coarser grids, GDAL ``average`` per block otherwise)."""

    spec: LandcoverSpec
    values: np.ndarray  # raster values the table scores (float64), in the table's order (a later one wins)
    scores: np.ndarray  # their scores
    default: float  # the score of any other class (NaN: none — such cells are no data and counted)
    lut: np.ndarray | None = None  # 8/16-bit rasters: score by raw value (NaN = no data)
    unknown: np.ndarray | None = None  # and whether the value is a class the table does not score


@dataclass
class SuitabilityPlan:
    ex: ExclusionPlan
    dem: DemSpec
    distances: dict[str, DistanceSpec]
    resource: ResourceSpec | None
    specs: dict[str, dict[str, Any]]  # the criteria of the run, in order
    weights: dict[str, float]
    scorer: Callable  # (specs, raw inputs, weights, inclusion float32) -> (score float32, {criterion: array})
    band2_bits: int  # bits of the exclude/limit rules (and the minimum-area bit)
    needs: frozenset = frozenset()  # raw inputs the criteria use: slope, aspect, elevation, resource
    keep_criteria: bool = False  # keep each criterion's scores (the in-memory callers)
    #: the criteria as the fused kernel takes them — per criterion ("curve", input, points), ("aspect",
    #: "aspect", full-effect slope), ("resource", "resource", None) or ("scores", "scores:<criterion>", None)
    #: — or None: ``scorer`` runs instead
    fused: list | None = None
    #: criteria scored from the land cover per block (:class:`LandcoverScores`), the input ``scores:<criterion>``
    scores: dict = field(default_factory=dict)
    _blocks: list | None = None  # the blocks the pre-passes were made for


def blocks_of(grid: Grid, block_rows: int | None = None) -> list[tuple[int, int]]:
    """Row ranges of the blocks: about :data:`BLOCK_CELLS` cells; when the output is tiled, whole 256-row tiles or
    a power of two dividing them (so a tile row is complete after whole blocks).

    Blocks of ~10⁶ cells keep each array of a block (8 MB at most as float64) under glibc's largest mmap threshold:
    freed blocks are reused from the heap instead of being unmapped and faulted in again (with 256-row blocks of a
    10⁴-column grid, 20 MB arrays, page faults cost 3 s of system CPU per 10⁸ cells)."""
    h, w = grid.shape
    if block_rows is None:
        rows = max(1, BLOCK_CELLS // max(w, 1))
        if h >= TILE and w >= TILE:
            rows = rows // TILE * TILE if rows >= TILE else 1 << (rows.bit_length() - 1)
    else:
        rows = max(1, int(block_rows))
    return [(r, min(h, r + rows)) for r in range(0, h, rows)]


# =====================================================================================================
# planning: exclusions
# =====================================================================================================

def plan_exclusions(unit_geom, rules, layers: Mapping[str, Any], grid: Grid, *, unit_crs: str = "EPSG:4490",
                    unit_name: str = "", tech: str = "", min_area_ha: float | None = None,
                    contiguity: str = "queen", feedback: Feedback | None = None) -> ExclusionPlan:
    """The rules on ``grid`` over the unit, ready to compute block by block (see the module docstring).

    Rule ``i`` is bit ``i``; a rule whose layer or field is missing is not applied (a warning says which).
    """
    from ..zonal.rasterize import cover_index
    from .exclusions import MIN_AREA_ID, _table_row, _to_crs

    feedback = ensure(feedback)
    if contiguity not in ("rook", "queen"):
        raise InputError(code="analysis.siting.bad_contiguity", value=contiguity)
    h, w = grid.shape
    unit_g = _to_crs([unit_geom], unit_crs, grid.crs)[0]
    unit = cover_index([unit_g], grid.transform, h, w)
    table, notices, ops = [], [], []
    cache: dict[str, Any] = {}
    landcover = None
    n = len(rules)
    for bit, rule in enumerate(rules):
        feedback.check()
        feedback.progress(0.02 + 0.08 * bit / max(n, 1), f"rule {rule.id}")
        table.append(_table_row(bit, rule))
        effect = _EFFECTS[rule.effect]
        factor = 1.0 - float(rule.weight) if rule.effect == "limit" else 0.0
        op, notice, lc = _rule_op(rule, bit, effect, factor, layers, grid, unit_g, cache)
        if notice is not None:
            notices.append(notice)
            feedback.warn(notice)
        if lc is not None:
            landcover = lc
        ops.append(op)
    if min_area_ha:
        table.append({"bit": len(rules), "id": MIN_AREA_ID, "effect": "exclude", "weight": None, "layer": None,
                      "document": "", "clause_zh": f"连片面积小于 {min_area_ha:g} 公顷的斑块（{contiguity}）",
                      "source": "setting", "verified": False})
    return ExclusionPlan(grid=grid, row_area=cell_areas_m2(grid), unit=unit, ops=ops, table=table, notices=notices,
                         landcover=landcover, min_area_m2=(min_area_ha * 1e4 if min_area_ha else None),
                         queen=contiguity == "queen", unit_name=unit_name, tech=tech,
                         weights={r.id: r.weight for r in rules})


def _rule_op(rule, bit, effect, factor, layers, grid, unit_g, cache):
    """(RuleOp, notice or None, LandcoverSpec or None) of one rule."""
    from ..zonal.rasterize import cover_index
    from .exclusions import _buffer_m, _class_values, _matches, _vector_on_grid, _where_from
    from .rules import RASTER_ROLES

    off = RuleOp(bit, effect, factor, "off")
    source = layers.get(rule.layer)
    if source is None:
        return off, Notice("analysis.siting.rule.no_layer", rule=rule.id, document=rule.document,
                           role=rule.layer), None
    if rule.layer in RASTER_ROLES:
        spec = cache.get(("raster", rule.layer))
        if spec is None:
            spec = cache[("raster", rule.layer)] = landcover_spec(source, grid)
        codes = _class_values(rule.where[0].values if rule.where else ())
        return RuleOp(bit, effect, factor, "raster", codes=codes), None, spec
    reach = float(rule.buffer_m or 0.0)  # a file is read only where features can reach the grid
    gdf = cache.get((rule.layer, reach))
    if gdf is None:
        gdf = cache[(rule.layer, reach)] = _vector_on_grid(source, grid, reach)
    for cond in rule.where:
        if cond.field not in gdf.columns:
            path, layer = _where_from(source)
            return off, Notice("analysis.siting.rule.no_field", rule=rule.id, document=rule.document,
                               role=rule.layer, column=cond.field, path=path, layer=layer,
                               fields=", ".join(str(c) for c in gdf.columns if c != gdf.geometry.name)[:300]), None
    selected = np.ones(len(gdf), bool)
    for cond in rule.where:
        selected &= _matches(gdf[cond.field], cond)
    import shapely

    geoms = np.asarray(gdf.geometry.values[selected], dtype=object)
    h, w = grid.shape
    merged = None
    if len(geoms):
        if rule.buffer_m:
            geoms = _buffer_m(geoms, rule.buffer_m, grid, unit_g)
        minx, miny, maxx, maxy = grid.bounds
        geoms = shapely.clip_by_rect(shapely.make_valid(geoms), minx, miny, maxx, maxy)
        geoms = geoms[~shapely.is_empty(geoms)]
        if len(geoms):
            merged = shapely.union_all(geoms)  # overlapping features count once
    if merged is None:
        cover = cover_index([], grid.transform, h, w)
    else:
        cover = cover_index([merged], grid.transform, h, w)
    return RuleOp(bit, effect, factor, "vector", cover=cover), None, None


def landcover_spec(source, grid: Grid) -> LandcoverSpec:
    """How the land-cover raster maps onto the grid: nested, coarse (integer factors, aligned) or warped."""
    import rasterio

    from ...io.rasters import open_raster
    from .exclusions import _same_crs

    path = Path(source.path if hasattr(source, "path") else source[0] if isinstance(source, tuple) else source)
    info = open_raster(path)
    with rasterio.open(path) as ds:
        t, crs, height, width = ds.transform, ds.crs, ds.height, ds.width
    spec = LandcoverSpec(str(path), info.nodata, "warp", height=height, width=width)
    g = grid.transform
    if not _same_crs(crs, grid.crs) or t.b or t.d or g.b or g.d or (t.a > 0) != (g.a > 0) or (t.e > 0) != (g.e > 0):
        return spec

    def whole(x: float) -> int | None:
        r = round(x)
        return int(r) if abs(x - r) < 1e-6 else None

    kx, ky = whole(t.a / g.a), whole(t.e / g.e)  # grid cells per land-cover cell
    if kx and ky and kx == ky and kx >= 1:
        co, ro = whole((g.c - t.c) / g.a), whole((g.f - t.f) / g.e)
        if co is not None and ro is not None:
            spec.mode, spec.k, spec.col_off, spec.row_off = "nested", kx, co, ro
            return spec
    kx, ky = whole(g.a / t.a), whole(g.e / t.e)  # land-cover cells per grid cell
    if kx and ky and kx == ky and kx >= 2:
        co, ro = whole((g.c - t.c) / t.a), whole((g.f - t.f) / t.e)
        if co is not None and ro is not None:
            spec.mode, spec.k, spec.col_off, spec.row_off = "coarse", kx, co, ro
    return spec


# =====================================================================================================
# numba kernels
# =====================================================================================================

@numba.njit(cache=True, nogil=True)
def _expand(ptr, c0, c1, pptr, pcol, pfrac, r0, r1, out):
    """Coverage fractions of rows r0..r1 of one zone (runs then partial cells), clipped to [0, 1]."""
    for r in range(r0, r1):
        i = r - r0
        for k in range(ptr[r], ptr[r + 1]):
            for c in range(c0[k], c1[k] + 1):
                out[i, c] = 1.0
        for k in range(pptr[r], pptr[r + 1]):
            f = pfrac[k]
            out[i, pcol[k]] = 0.0 if f < 0.0 else (1.0 if f > 1.0 else f)


@numba.njit(cache=True, nogil=True, inline="always")
def _hit(i, c, f, ra, inside, unit_frac, effect, factor, bit, excl, keep, mask):
    """One cell covered ``f`` by a rule: the rule's effect, its bit; returns (hit, hectare part)."""
    if not inside[i, c] or f == 0.0:
        return 0, 0.0
    if effect == 0:
        excl[i, c] *= 1.0 - f
    elif effect == 1:
        excl[i, c] *= 1.0 - f * factor
    elif effect == 2:
        keep[i, c] *= 1.0 - f
    if f > 1e-9:
        mask[i, c] |= bit
        return 1, f * unit_frac[i, c] * ra
    return 0, f * unit_frac[i, c] * ra


@numba.njit(cache=True, nogil=True)
def _apply_cover(ptr, c0, c1, pptr, pcol, pfrac, r0, r1, row_area, inside, unit_frac, effect, factor, bit,
                 excl, keep, mask):
    cells = 0
    ha = 0.0
    b = np.uint64(1) << np.uint64(bit)
    for r in range(r0, r1):
        i = r - r0
        ra = row_area[r]
        for k in range(ptr[r], ptr[r + 1]):
            for c in range(c0[k], c1[k] + 1):
                n, a = _hit(i, c, 1.0, ra, inside, unit_frac, effect, factor, b, excl, keep, mask)
                cells += n
                ha += a
        for k in range(pptr[r], pptr[r + 1]):
            f = pfrac[k]
            f = 0.0 if f < 0.0 else (1.0 if f > 1.0 else f)
            n, a = _hit(i, pcol[k], f, ra, inside, unit_frac, effect, factor, b, excl, keep, mask)
            cells += n
            ha += a
    return cells, ha


@numba.njit(cache=True, nogil=True)
def _apply_dense(frac, r0, row_area, inside, unit_frac, effect, factor, bit, excl, keep, mask):
    cells = 0
    ha = 0.0
    b = np.uint64(1) << np.uint64(bit)
    n_rows, w = frac.shape
    for i in range(n_rows):
        ra = row_area[r0 + i]
        for c in range(w):
            f = frac[i, c]
            if f != 0.0:
                n, a = _hit(i, c, f, ra, inside, unit_frac, effect, factor, b, excl, keep, mask)
                cells += n
                ha += a
    return cells, ha


@numba.njit(cache=True, nogil=True)
def _finish(excl, keep, inside, unit_frac, row_area, r0, incl, flags):
    """inclusion = excl + forced·(1 − excl) inside the unit, 0 outside; flags; Σ unit and included m²."""
    n_rows, w = excl.shape
    unit_m2 = 0.0
    incl_m2 = 0.0
    for i in range(n_rows):
        ra = row_area[r0 + i]
        for c in range(w):
            if inside[i, c]:
                e = excl[i, c]
                forced = 1.0 - keep[i, c]
                v = e + forced * (1.0 - e)
                fl = np.uint8(1)
                if v > 1e-9:
                    fl |= np.uint8(2)
                flags[i, c] = fl
                unit_m2 += unit_frac[i, c] * ra
                incl_m2 += v * unit_frac[i, c] * ra
            else:
                v = 0.0
                flags[i, c] = 0
            incl[i, c] = v
    return unit_m2, incl_m2


@numba.njit(cache=True, nogil=True)
def _label(flags, area_fp, r0, queen):
    """Patches of open cells (flag bit 2), 4- or 8-connected: labels (int32, 0 = closed) and their areas."""
    n_rows, w = flags.shape
    labels = np.zeros((n_rows, w), np.int32)
    sizes = np.zeros(64, np.int64)
    stack = np.empty(max(1, n_rows * w), np.int64)
    n = 0
    for rr0 in range(n_rows):
        for cc0 in range(w):
            if not (flags[rr0, cc0] & 2) or labels[rr0, cc0]:
                continue
            n += 1
            if n >= sizes.size:
                grown = np.zeros(2 * sizes.size, np.int64)
                grown[:sizes.size] = sizes
                sizes = grown
            total = 0
            stack[0] = rr0 * w + cc0
            labels[rr0, cc0] = n
            top = 1
            while top:
                top -= 1
                k = stack[top]
                r = k // w
                c = k - r * w
                total += area_fp[r0 + r]
                for dr in range(-1, 2):
                    for dc in range(-1, 2):
                        if dr == 0 and dc == 0:
                            continue
                        if not queen and dr != 0 and dc != 0:
                            continue
                        rr = r + dr
                        cc = c + dc
                        if 0 <= rr < n_rows and 0 <= cc < w and (flags[rr, cc] & 2) and labels[rr, cc] == 0:
                            labels[rr, cc] = n
                            stack[top] = rr * w + cc
                            top += 1
            sizes[n] = total
    return labels, sizes[:n + 1]


@numba.njit(cache=True, nogil=True)
def _edges(labels, n):
    """Index (0…) of each label touching the block's first or last row, −1 for the others."""
    n_rows, w = labels.shape
    edge = np.full(n + 1, -1, np.int64)
    for c in range(w):
        if labels[0, c]:
            edge[labels[0, c]] = 0
        if labels[n_rows - 1, c]:
            edge[labels[n_rows - 1, c]] = 0
    k = 0
    for lab in range(1, n + 1):
        if edge[lab] == 0:
            edge[lab] = k
            k += 1
    return edge, k


@numba.njit(cache=True, nogil=True)
def _label_sums(labels, n, unit_frac, incl, row_area, r0):
    """Per label: cells, Σ unit fraction × cell area, Σ inclusion × unit fraction × cell area."""
    cells = np.zeros(n + 1, np.int64)
    unit_m2 = np.zeros(n + 1)
    incl_m2 = np.zeros(n + 1)
    n_rows, w = labels.shape
    for i in range(n_rows):
        ra = row_area[r0 + i]
        for c in range(w):
            lab = labels[i, c]
            if lab:
                cells[lab] += 1
                unit_m2[lab] += unit_frac[i, c] * ra
                incl_m2[lab] += incl[i, c] * unit_frac[i, c] * ra
    return cells, unit_m2, incl_m2


@numba.njit(cache=True, nogil=True)
def _find(parent, a):
    while parent[a] != a:
        parent[a] = parent[parent[a]]
        a = parent[a]
    return a


@numba.njit(cache=True, nogil=True)
def _union_rows(parent, upper, lower, queen):
    """Union the edge labels of the last row of a block (``upper``, global ids or −1) with the first row of the
    next (``lower``)."""
    w = upper.size
    for c in range(w):
        a = upper[c]
        if a < 0:
            continue
        lo = c - 1 if queen else c
        hi = c + 1 if queen else c
        for cc in range(max(lo, 0), min(hi, w - 1) + 1):
            b = lower[cc]
            if b < 0:
                continue
            ra = _find(parent, a)
            rb = _find(parent, b)
            if ra != rb:
                if ra < rb:
                    parent[rb] = ra
                else:
                    parent[ra] = rb


@numba.njit(cache=True, nogil=True)
def _apply_small(labels, small_label, flags, incl, mask, bit):
    """Close the cells of small patches: inclusion 0, the minimum-area bit set, open flag cleared."""
    n_rows, w = labels.shape
    b = np.uint64(1) << np.uint64(bit)
    for i in range(n_rows):
        for c in range(w):
            lab = labels[i, c]
            if lab and small_label[lab]:
                incl[i, c] = 0.0
                mask[i, c] |= b
                flags[i, c] &= np.uint8(1)


@numba.njit(cache=True, nogil=True)
def _apply_nested(data, lut, ri, ci, r0, row_area, inside, unit_frac, effect, factor, bit, excl, keep, mask):
    """A land-cover rule where each grid cell lies in one land-cover cell: fraction 1 where ``lut`` of its value."""
    cells = 0
    ha = 0.0
    b = np.uint64(1) << np.uint64(bit)
    for i in range(ri.size):
        r = ri[i]
        if r < 0:
            continue
        ra = row_area[r0 + i]
        for c in range(ci.size):
            cc = ci[c]
            if cc >= 0 and lut[data[r, cc]]:
                n, a = _hit(i, c, 1.0, ra, inside, unit_frac, effect, factor, b, excl, keep, mask)
                cells += n
                ha += a
    return cells, ha


@numba.njit(cache=True, nogil=True)
def _apply_nested_many(data, lutbits, ri, ci, r0, row_area, inside, unit_frac, effects, factors, bits, excl, keep,
                       mask, cells, ha):
    """:func:`_apply_nested` of several consecutive land-cover rules in one pass over the window: rule ``j``
    hits a value when bit ``j`` of ``lutbits[value]`` is set; each cell gets the rules in their order, each
    rule's cells and area add up in the same cell order as one pass per rule."""
    nr = effects.size
    for i in range(ri.size):
        r = ri[i]
        if r < 0:
            continue
        ra = row_area[r0 + i]
        for c in range(ci.size):
            cc = ci[c]
            if cc < 0:
                continue
            lb = lutbits[data[r, cc]]
            if lb == 0:
                continue
            for j in range(nr):
                if lb & (np.uint64(1) << np.uint64(j)):
                    n, a = _hit(i, c, 1.0, ra, inside, unit_frac, effects[j], factors[j],
                                np.uint64(1) << np.uint64(bits[j]), excl, keep, mask)
                    cells[j] += n
                    ha[j] += a


@numba.njit(cache=True, nogil=True)
def _apply_coarse(data, lut, rlo, clo, k, r0, row_area, inside, unit_frac, effect, factor, bit, excl, keep, mask):
    """A land-cover rule with k × k land-cover cells in a grid cell: the fraction is their mean (of those that
    exist), as float32 — GDAL ``average`` on aligned grids."""
    cells = 0
    ha = 0.0
    b = np.uint64(1) << np.uint64(bit)
    hm, wm = data.shape
    for i in range(rlo.size):
        ra = row_area[r0 + i]
        for c in range(clo.size):
            count = 0
            valid = 0
            for y in range(rlo[i], rlo[i] + k):
                if y < 0 or y >= hm:
                    continue
                for x in range(clo[c], clo[c] + k):
                    if x < 0 or x >= wm:
                        continue
                    valid += 1
                    if lut[data[y, x]]:
                        count += 1
            if count:
                f = np.float64(np.float32(count / valid))
                n, a = _hit(i, c, f, ra, inside, unit_frac, effect, factor, b, excl, keep, mask)
                cells += n
                ha += a
    return cells, ha


@numba.njit(cache=True, nogil=True)
def _gather_scores(s, ri, ci, out):
    """Nested grids: each grid cell takes its land-cover cell's score (as float32; NaN outside the raster)."""
    for i in range(ri.size):
        r = ri[i]
        for c in range(ci.size):
            cc = ci[c]
            out[i, c] = np.float64(np.float32(s[r, cc])) if r >= 0 and cc >= 0 else np.nan


@numba.njit(cache=True, nogil=True)
def _mean_scores(s, rlo, clo, k, out):
    """Coarse grids: the mean of the k × k land-cover cells' scores that have one (as float32; NaN: none)."""
    hm, wm = s.shape
    for i in range(rlo.size):
        for c in range(clo.size):
            total = 0.0
            n = 0
            for y in range(rlo[i], rlo[i] + k):
                if y < 0 or y >= hm:
                    continue
                for x in range(clo[c], clo[c] + k):
                    if x < 0 or x >= wm or np.isnan(s[y, x]):
                        continue
                    total += s[y, x]
                    n += 1
            out[i, c] = np.float64(np.float32(total / n)) if n else np.nan


@numba.njit(cache=True, nogil=True)
def _lut_gather(data, lut, ri, ci, out):
    """:func:`_gather_scores` of ``lut[data]`` without the window of scores."""
    for i in range(ri.size):
        r = ri[i]
        for c in range(ci.size):
            cc = ci[c]
            out[i, c] = np.float64(np.float32(lut[data[r, cc]])) if r >= 0 and cc >= 0 else np.nan


@numba.njit(cache=True, nogil=True)
def _lut_mean(data, lut, rlo, clo, k, out):
    """:func:`_mean_scores` of ``lut[data]`` without the window of scores."""
    hm, wm = data.shape
    for i in range(rlo.size):
        for c in range(clo.size):
            total = 0.0
            n = 0
            for y in range(rlo[i], rlo[i] + k):
                if y < 0 or y >= hm:
                    continue
                for x in range(clo[c], clo[c] + k):
                    if x < 0 or x >= wm:
                        continue
                    v = lut[data[y, x]]
                    if np.isnan(v):
                        continue
                    total += v
                    n += 1
            out[i, c] = np.float64(np.float32(total / n)) if n else np.nan


@numba.njit(cache=True, nogil=True)
def _any_lut(data, lut):
    for i in range(data.shape[0]):
        for j in range(data.shape[1]):
            if lut[data[i, j]]:
                return True
    return False


@numba.njit(cache=True, nogil=True)
def _to_float32(a):
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            a[i, j] = np.float64(np.float32(a[i, j]))


@numba.njit(cache=True, nogil=True)
def _gradient(z, dx, dy, p0, gx, gy):
    """Horn's dz/d east and dz/d north of the centre rows of ``z`` (a block with a one-cell margin, NaN = no
    data), with the padded grid's row geometry from row ``p0`` — :func:`.terrain.gradient`'s arithmetic."""
    n_rows = z.shape[0] - 2
    w = z.shape[1] - 2
    for i in range(n_rows):
        p = p0 + i + 1
        wt = dx[p - 1]
        wm = dx[p]
        wb = dx[p + 1]
        ddy = dy[p]
        for j in range(w):
            if np.isnan(z[i + 1, j + 1]):
                gx[i, j] = np.nan
                gy[i, j] = np.nan
                continue
            z1 = z[i, j]
            z2 = z[i, j + 1]
            z3 = z[i, j + 2]
            z4 = z[i + 1, j]
            z6 = z[i + 1, j + 2]
            z7 = z[i + 2, j]
            z8 = z[i + 2, j + 1]
            z9 = z[i + 2, j + 2]
            gx[i, j] = ((z3 - z1) / (2 * wt) + 2 * (z6 - z4) / (2 * wm) + (z9 - z7) / (2 * wb)) / 4.0
            gy[i, j] = ((z7 + 2 * z8 + z9) - (z1 + 2 * z2 + z3)) / (4.0 * ddy)


#: atan(v) / v as a polynomial in v² on 0 ≤ v ≤ tan(π/8) (least squares on Chebyshev nodes; with the reductions of
#: :func:`_atan_fast`, relative error below 2.5·10⁻¹⁵ for every v ≥ 0)
_ATAN_C = np.array([0.9999999999999998, -0.3333333333322495, 0.19999999978917402, -0.14285712692348773,
                    0.11111049760221099, -0.09089545084472336, 0.0767368418312176, -0.06506837177223566,
                    0.050274109435486616, -0.02535073630522824])
_TAN_PI_8 = math.tan(math.pi / 8)
#: half-width (relative) of the interval around the fast slope that must round to one float32: 1000 times the fast
#: arctangent's error and libm's, so that libm's slope rounds to that float32 too
_SLOPE_MARGIN = 1e-12


@numba.njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _atan_fast(t):
    """atan(t) for t ≥ 0 (NaN stays NaN) without branches, so that a loop of it vectorises (numpy's error model:
    no zero-division check): t > 1 as π/2 − atan(1/t), then v > tan(π/8) as π/4 + atan((v − 1)/(v + 1)), then
    :data:`_ATAN_C`."""
    u = min(t, 1.0 / t)
    big = u > _TAN_PI_8
    v = (u - 1.0) / (u + 1.0) if big else u
    q = v * v
    p = _ATAN_C[9]
    p = p * q + _ATAN_C[8]
    p = p * q + _ATAN_C[7]
    p = p * q + _ATAN_C[6]
    p = p * q + _ATAN_C[5]
    p = p * q + _ATAN_C[4]
    p = p * q + _ATAN_C[3]
    p = p * q + _ATAN_C[2]
    p = p * q + _ATAN_C[1]
    p = p * q + _ATAN_C[0]
    a = v * p + (math.pi / 4 if big else 0.0)
    return math.pi / 2 - a if t > 1.0 else a


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _terrain(z, dx, dy, p0, slope, cos_aspect, want_cos):
    """Slope (degrees, float32 values) and the cosine of the aspect of the centre rows of ``z`` in one pass:
    :func:`_gradient`'s arithmetic, then ``float32(degrees(atan(sqrt(gx² + gy²))))`` and cos(aspect) =
    −gy / sqrt(gx² + gy²) (the aspect being atan2(−gx, −gy); NaN where flat or unknown). ``sqrt(gx² + gy²)``
    stands for :mod:`.terrain`'s ``np.hypot`` (libm's hypot costs 2 s per 10⁸ cells): the two differ by at
    most an ulp of a float64, which changes the float32 slope only when it falls within ~10⁻¹⁶ of a float32
    rounding boundary (none of 4·10⁷ random gradients from 10⁻⁴ to 10²); both block paths use this kernel.

    The slope is libm's ``math.atan``'s, bit for bit, at half the cost: per row, the gradients and their norm in
    one loop, a branch-free arctangent (:func:`_atan_fast`, vectorised) in a second, and in a third the slope
    ``float32(atan(t)·180/π)`` taken from it when every value within ±10⁻¹² (relative) of it rounds to the same
    float32 — libm's atan is within 10⁻¹⁵ of the fast one, so it gives that float32 too —, else from libm's atan
    (a few cells in 10⁵, near a float32 rounding boundary; NaN too)."""
    n_rows = z.shape[0] - 2
    w = z.shape[1] - 2
    to_deg = 180.0 / math.pi
    tt = np.empty(w)
    gyr = np.empty(w)
    deg = np.empty(w)
    lo_f = 1.0 - _SLOPE_MARGIN
    hi_f = 1.0 + _SLOPE_MARGIN
    for i in range(n_rows):
        p = p0 + i + 1
        wt = dx[p - 1]
        wm = dx[p]
        wb = dx[p + 1]
        ddy = dy[p]
        for j in range(w):
            z1 = z[i, j]
            z2 = z[i, j + 1]
            z3 = z[i, j + 2]
            z4 = z[i + 1, j]
            z6 = z[i + 1, j + 2]
            z7 = z[i + 2, j]
            z8 = z[i + 2, j + 1]
            z9 = z[i + 2, j + 2]
            gx = ((z3 - z1) / (2 * wt) + 2 * (z6 - z4) / (2 * wm) + (z9 - z7) / (2 * wb)) / 4.0
            gy = ((z7 + 2 * z8 + z9) - (z1 + 2 * z2 + z3)) / (4.0 * ddy)
            t = math.sqrt(gx * gx + gy * gy)
            tt[j] = np.nan if np.isnan(z[i + 1, j + 1]) else t  # NaN slope and cos(aspect) where no height
            gyr[j] = gy
        for j in range(w):
            t = tt[j]
            deg[j] = _atan_fast(t) * to_deg
            if want_cos:
                gyr[j] = -gyr[j] / t if t > 0.0 else np.nan
        for j in range(w):
            x = deg[j]
            s32 = np.float32(x * lo_f)
            if s32 != np.float32(x * hi_f):  # near a rounding boundary, or NaN
                s32 = np.float32(math.atan(tt[j]) * to_deg)
            slope[i, j] = np.float64(s32)
        if want_cos:
            for j in range(w):
                cos_aspect[i, j] = gyr[j]


@numba.njit(cache=True, nogil=True)
def _feature_rows(feat, r0):
    """Per column: the last and the first row (absolute) holding a feature, −1 where none."""
    n_rows, w = feat.shape
    last = np.full(w, -1, np.int64)
    first = np.full(w, -1, np.int64)
    for i in range(n_rows):
        for c in range(w):
            if feat[i, c]:
                last[c] = r0 + i
                if first[c] < 0:
                    first[c] = r0 + i
    return last, first


@numba.njit(cache=True, nogil=True)
def _distance_block(bits, wx, above, below, north, east, r0, cols, reach, out):
    """Exact distances (m) of the block's cells to the nearest feature cell, capped at ``reach``.

    ``bits``: the block's extended rows (all ``wx`` extended columns) as ``numpy.packbits`` rows;
    ``above``/``below``: per column the nearest feature row outside the block (−1: none); ``north``: metres
    south per extended row; ``east``: cell width per extended row; ``r0``: the extended row of the block's first
    row; ``cols``: the column extension. The column pass keeps, per column, the feature rows of the block in a
    list (features are sparse) and walks down it row by row — the squared north–south distance to the nearest
    feature row above or below (the nearer of the two, as a forward and a backward sweep give it), infinite
    beyond the reach — and each row then goes through the row pass at once (no block-sized buffer).
    """
    n_rows, nb = bits.shape
    reach2 = reach * reach
    start = np.zeros(wx + 1, np.int64)
    for i in range(n_rows):
        for b in range(nb):
            byte = bits[i, b]
            if byte:
                for t in range(8):
                    c = b * 8 + t
                    if byte & (128 >> t) and c < wx:
                        start[c + 1] += 1
    for c in range(wx):
        start[c + 1] += start[c]
    rows = np.empty(start[wx], np.int64)
    ptr = start[:wx].copy()
    for i in range(n_rows):
        for b in range(nb):
            byte = bits[i, b]
            if byte:
                for t in range(8):
                    c = b * 8 + t
                    if byte & (128 >> t) and c < wx:
                        rows[ptr[c]] = i
                        ptr[c] += 1
    ptr[:] = start[:wx]
    last = above.copy()
    f = np.empty(wx)
    v = np.empty(wx, np.int64)
    z = np.empty(wx + 1)
    for i in range(n_rows):
        y = north[r0 + i]
        for c in range(wx):
            p = ptr[c]
            end = start[c + 1]
            while p < end and rows[p] < i:
                last[c] = r0 + rows[p]
                p += 1
            ptr[c] = p
            if p < end and rows[p] == i:
                g = 0.0
            else:
                g = np.inf
                if last[c] >= 0:
                    d = y - north[last[c]]
                    g = d * d
                nx = r0 + rows[p] if p < end else below[c]
                if nx >= 0:
                    d = north[nx] - y
                    d2 = d * d
                    if d2 < g:
                        g = d2
                if g > reach2:
                    g = np.inf  # cannot bring any cell within the reach
            f[c] = g
        _edt_row(f, east[r0 + i], v, z, cols, reach, reach2, out[i])


@numba.njit(cache=True, nogil=True)
def _distance_direct(frow, fcol, north, east, r0, ext, cols, reach, out):
    """:func:`_distance_block` from the list of the feature cells, when they are few (points: substations).

    ``frow``/``fcol``: the feature cells in extended rows and columns, sorted by row; ``ext``: the rows within
    which a feature can be within the reach. Per row, the column pass is made for the columns holding a feature
    cell within the reach only (the least squared north–south distance to one of them, as the nearest feature
    rows above and below give it), and :func:`_edt_row`'s lower envelope is built on those columns, in column
    order — the columns the full row pass takes (every other one is infinite), so the same values, bit for bit,
    at a cost in proportion to the features near the row instead of the extended width."""
    n_rows, w = out.shape
    reach2 = reach * reach
    nf = frow.size
    qs = np.empty(nf, np.int64)
    gs = np.empty(nf)
    cq = np.empty(nf, np.int64)
    cf = np.empty(nf)
    v = np.empty(nf, np.int64)
    z = np.empty(nf + 1)
    for i in range(n_rows):
        r = r0 + i
        y = north[r]
        lo = np.searchsorted(frow, r - ext)
        hi = np.searchsorted(frow, r + ext, side="right")
        m = 0
        for k in range(lo, hi):
            d = y - north[frow[k]]
            g = d * d
            if g > reach2:
                continue  # as the column pass: cannot bring any cell within the reach
            qs[m] = fcol[k]
            gs[m] = g
            m += 1
        n = 0
        if m:
            order = np.argsort(qs[:m])
            for t in range(m):
                q = qs[order[t]]
                g = gs[order[t]]
                if n and cq[n - 1] == q:
                    if g < cf[n - 1]:
                        cf[n - 1] = g
                else:
                    cq[n] = q
                    cf[n] = g
                    n += 1
        _envelope_row(cq, cf, n, east[r], v, z, cols, reach, reach2, out[i])


@numba.njit(cache=True, nogil=True)
def _envelope_row(cq, cf, n, spacing, v, z, cols, reach, reach2, out):
    """:func:`_edt_row` on the finite columns only: ``cq[:n]`` (ascending) with squared distances ``cf[:n]``."""
    k = -1
    for t in range(n):
        xq = cq[t] * spacing
        s = -np.inf
        while k >= 0:
            xv = cq[v[k]] * spacing
            s = ((cf[t] + xq * xq) - (cf[v[k]] + xv * xv)) / (2.0 * (xq - xv))
            if s <= z[k]:
                k -= 1
            else:
                break
        k += 1
        v[k] = t
        z[k] = s if k > 0 else -np.inf
    w = out.size
    if k < 0:
        for j in range(w):
            out[j] = reach
        return
    jj = 0
    for j in range(w):
        p = j + cols
        xp = p * spacing
        while jj < k and z[jj + 1] < xp:
            jj += 1
        d = xp - cq[v[jj]] * spacing
        d2 = d * d + cf[v[jj]]
        out[j] = np.float64(np.float32(math.sqrt(d2))) if d2 < reach2 else reach


@numba.njit(cache=True, nogil=True)
def _edt_row(f, spacing, v, z, cols, reach, reach2, out):
    """The row pass of :func:`_distance_block`: ``criteria._edt_line``'s lower envelope of the row's parabolas
    (Felzenszwalb & Huttenlocher), read at the grid's columns only (cols .. cols + len(out)); distances in
    metres as float32 values, ``reach`` where the squared distance reaches ``reach2``."""
    k = lower_envelope(f, spacing, v, z)
    w = out.size
    if k < 0:
        for j in range(w):
            out[j] = reach
        return
    jj = 0
    for j in range(w):
        p = j + cols
        xp = p * spacing
        while jj < k and z[jj + 1] < xp:
            jj += 1
        d = xp - v[jj] * spacing
        d2 = d * d + f[v[jj]]
        out[j] = np.float64(np.float32(math.sqrt(d2))) if d2 < reach2 else reach


@numba.njit(cache=True, nogil=True)
def _bilinear(src, ok, u, v, out):
    """Bilinear samples of ``src`` at pixel coordinates (u, v) (centre of pixel (0, 0) at (0.5, 0.5) — GDAL's
    convention); weights renormalised over the valid neighbours; NaN where none or outside the raster."""
    hs, ws = src.shape
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            x = u[i, j] - 0.5
            y = v[i, j] - 0.5
            if not (np.isfinite(x) and np.isfinite(y)) or x < -0.5 or y < -0.5 or x > ws - 0.5 or y > hs - 0.5:
                out[i, j] = np.nan
                continue
            x0 = int(math.floor(x))
            y0 = int(math.floor(y))
            fx = x - x0
            fy = y - y0
            acc = 0.0
            wsum = 0.0
            for dy_ in range(2):
                yy = y0 + dy_
                if yy < 0 or yy >= hs:
                    continue
                wy = fy if dy_ else 1.0 - fy
                for dx_ in range(2):
                    xx = x0 + dx_
                    if xx < 0 or xx >= ws or not ok[yy, xx]:
                        continue
                    wgt = wy * (fx if dx_ else 1.0 - fx)
                    acc += wgt * src[yy, xx]
                    wsum += wgt
            out[i, j] = acc / wsum if wsum > 0.0 else np.nan


@numba.njit(cache=True, nogil=True, inline="always")
def _interp(v, xs, ys, slopes, n):
    """``numpy.interp(v, xs[:n], ys[:n])`` for a finite ``v``, step for step (numpy's compiled_base.c)."""
    if n == 1:
        return ys[0]
    if v < xs[0]:
        return ys[0]
    if v > xs[n - 1]:
        return ys[n - 1]
    j = 0
    while j < n - 1 and xs[j + 1] <= v:
        j += 1
    if j == n - 1 or xs[j] == v:
        return ys[j]
    r = slopes[j] * (v - xs[j]) + ys[j]
    if np.isnan(r):
        r = slopes[j] * (v - xs[j + 1]) + ys[j + 1]
        if np.isnan(r) and ys[j] == ys[j + 1]:
            r = ys[j]
    return r


@numba.njit(cache=True, nogil=True)
def _fused(inputs, kind, src, aux, xs, ys, slopes, npts, full, weights, incl, score, crit, keep):
    """The criteria scored and summed with their weights, times the inclusion, cell by cell: the arithmetic of
    ``criteria.piecewise`` (curves, float32 scores), the aspect criterion of ``site_suitability.score_block``
    (its input here: the cosine of the aspect), scores made while planning (kind 3, taken as they are) and
    ``suitability.suitability`` (``method="sum"``). Row by row, criterion by criterion (simple inner loops)."""
    n_rows, w = incl.shape
    nk = kind.size
    total = np.empty(w)
    nod = np.empty(w, np.bool_)
    s32 = np.empty(w, np.float32)
    nan32 = np.float32(np.nan)
    for i in range(n_rows):
        total[:] = 0.0
        nod[:] = False
        for k in range(nk):
            kd = kind[k]
            row = inputs[src[k], i]
            if kd == 0 and npts[k] == 2:  # the usual two-point curve
                x0 = xs[k, 0]
                x1 = xs[k, 1]
                y0 = ys[k, 0]
                y1 = ys[k, 1]
                sl = slopes[k, 0]
                for j in range(w):
                    v = row[j]
                    if not np.isfinite(v):
                        s32[j] = nan32
                    elif v < x0 or v == x0:
                        s32[j] = np.float32(y0)
                    elif v >= x1:
                        s32[j] = np.float32(y1)
                    else:
                        r = sl * (v - x0) + y0
                        if np.isnan(r):
                            r = sl * (v - x1) + y1
                            if np.isnan(r) and y0 == y1:
                                r = y0
                        s32[j] = np.float32(r)
            elif kd == 0:
                for j in range(w):
                    v = row[j]
                    s32[j] = np.float32(_interp(v, xs[k], ys[k], slopes[k], npts[k])) if np.isfinite(v) else nan32
            elif kd == 1:  # aspect: facing (src) weighed by the slope (aux)
                srow = inputs[aux[k], i]
                fk = full[k]
                for j in range(w):
                    sd = srow[j]
                    if np.isnan(sd):
                        s32[j] = nan32
                    else:
                        e = sd / fk
                        e = 0.0 if e < 0.0 else (1.0 if e > 1.0 else e)
                        f = 0.5 * (1.0 - row[j])  # row: cos(aspect); 1 facing south (180°), 0 north
                        if np.isnan(f):
                            f = 1.0
                        s32[j] = np.float32(1.0 - e * (1.0 - f))
            elif kd == 2:  # 1 where the input has data
                for j in range(w):
                    s32[j] = np.float32(1.0) if np.isfinite(row[j]) else nan32
            else:  # scores made while planning (float32 values held as float64)
                for j in range(w):
                    s32[j] = np.float32(row[j]) if np.isfinite(row[j]) else nan32
            if keep:
                crit[k, i, :] = s32
            wk = weights[k]
            if wk == 0.0:
                continue
            for j in range(w):
                s = np.float64(s32[j])
                if np.isnan(s):
                    nod[j] = True
                else:
                    s = 0.0 if s < 0.0 else (1.0 if s > 1.0 else s)
                    total[j] += wk * s
        for j in range(w):
            inc = np.float64(incl[i, j])
            t = total[j]
            if np.isnan(inc):
                score[i, j] = nan32
                continue
            inc = 0.0 if inc < 0.0 else (1.0 if inc > 1.0 else inc)
            t *= inc
            if nod[j]:
                score[i, j] = nan32
            else:
                score[i, j] = np.float32(0.0 if t < 0.0 else (1.0 if t > 1.0 else t))


def fused_keys(plan: SuitabilityPlan) -> list[str]:
    """The inputs the fused kernel reads, in order: ``slope``, ``cos_aspect`` (cos of the aspect), ``elevation``,
    ``distance:<role>``, ``resource``, ``scores:<criterion>``."""
    keys: list[str] = []
    for what, key, _ in plan.fused:
        for k in (("cos_aspect", "slope") if what == "aspect" else (key,)):
            if k not in keys:
                keys.append(k)
    return keys


def fused_block(plan: SuitabilityPlan, inputs: np.ndarray, keys: list[str], resource_range, incl: np.ndarray):
    """:func:`_fused` on a block whose inputs are ``inputs[keys.index(key)]``: (score float32, {criterion:
    float32 scores} when the plan keeps them)."""
    names = list(plan.specs)
    nk = len(plan.fused)
    kind = np.zeros(nk, np.int64)
    src = np.zeros(nk, np.int64)
    aux = np.zeros(nk, np.int64)
    full = np.zeros(nk)
    npts = np.ones(nk, np.int64)
    most = max([2] + [len(d[2]) for d in plan.fused if d[0] == "curve"])
    xs, ys, slopes = np.zeros((nk, most)), np.zeros((nk, most)), np.zeros((nk, most))
    for k, (what, key, arg) in enumerate(plan.fused):
        if what == "aspect":
            kind[k], full[k], src[k], aux[k] = 1, float(arg), keys.index("cos_aspect"), keys.index("slope")
            continue
        if what == "scores":
            kind[k], src[k] = 3, keys.index(key)
            continue
        src[k] = keys.index(key)
        points = arg
        if what == "resource":
            lo, hi = resource_range
            if not hi > lo:
                kind[k] = 2
                continue
            points = [(lo, 0.0), (hi, 1.0)]
        x = np.asarray([p[0] for p in points], dtype=float)
        y = np.asarray([float(p[1]) for p in points], dtype=float)
        npts[k] = x.size
        xs[k, :x.size], ys[k, :x.size] = x, y
        if x.size > 1:
            slopes[k, :x.size - 1] = (y[1:] - y[:-1]) / (x[1:] - x[:-1])
    weights = np.array([plan.weights[name] for name in names], dtype=float)
    n, w = incl.shape
    score = np.empty((n, w), np.float32)
    crit = np.empty((nk, n, w) if plan.keep_criteria else (nk, 1, 1), np.float32)
    _fused(inputs, kind, src, aux, xs, ys, slopes, npts, full, weights, incl, score, crit, plan.keep_criteria)
    return score, ({name: crit[k] for k, name in enumerate(names)} if plan.keep_criteria else {})


@numba.njit(cache=True, nogil=True)
def _finish_score(score, flags, incl, mask, bits, band2):
    """NaN outside the unit; band 2 = the excluding rules' bits where the inclusion is 0; score 0 there."""
    for i in range(score.shape[0]):
        for j in range(score.shape[1]):
            if flags[i, j] == 0:
                score[i, j] = np.nan
                band2[i, j] = 0
                continue
            b = mask[i, j] & bits if incl[i, j] <= 0 else np.uint64(0)
            band2[i, j] = b
            if b != 0:
                score[i, j] = 0.0


# =====================================================================================================
# one block
# =====================================================================================================

def _clip_window(row0: int, row1: int, col0: int, col1: int, height: int, width: int):
    """The part of rows row0..row1, cols col0..col1 (exclusive ends) inside a height × width raster, or None."""
    r0, r1, c0, c1 = max(row0, 0), min(row1, height), max(col0, 0), min(col1, width)
    return (r0, r1, c0, c1) if r1 > r0 and c1 > c0 else None


def _class_mask(data: np.ndarray, codes: np.ndarray, nodata) -> np.ndarray:
    """True where ``data`` holds one of ``codes`` (every valid cell when no codes), False on nodata."""
    if codes.size == 0:
        mask = np.ones(data.shape, bool)
    elif data.dtype in (np.uint8, np.uint16):
        lut = np.zeros(256 if data.dtype == np.uint8 else 65536, bool)
        lut[codes[(codes >= 0) & (codes < lut.size)]] = True
        mask = lut[data]
    else:
        mask = np.isin(data, codes)
    if nodata is not None:
        mask &= data != nodata
    return mask


class _LandcoverBlock:
    """The land cover's window for one block, read once, and each rule's class fraction on the block."""

    def __init__(self, spec: LandcoverSpec, grid: Grid, r0: int, r1: int):
        self.spec, self.grid, self.r0, self.r1 = spec, grid, r0, r1
        self.data = None
        w = grid.width
        if spec.mode == "nested":
            k = spec.k
            rows = (np.arange(r0, r1) + spec.row_off) // k
            cols = (np.arange(w) + spec.col_off) // k
        elif spec.mode == "coarse":
            k = spec.k
            rows = np.arange(r0, r1) * k + spec.row_off
            cols = np.arange(w) * k + spec.col_off
        else:
            return
        win = _clip_window(int(rows.min()), int(rows.max()) + k, int(cols.min()), int(cols.max()) + k,
                           spec.height, spec.width)
        if win is None:
            return
        self.win = win
        from rasterio.windows import Window

        a, b, c, d = win
        with _dataset(spec.path) as ds:
            self.data = ds.read(1, window=Window(c, a, d - c, b - a))
        if spec.mode == "nested":
            ri = rows - a
            ci = cols - c
            self.ri = np.where((ri >= 0) & (ri < b - a), ri, -1).astype(np.int64)
            self.ci = np.where((ci >= 0) & (ci < d - c), ci, -1).astype(np.int64)
        else:
            self.ri = (rows - a).astype(np.int64)
            self.ci = (cols - c).astype(np.int64)

    def _lut(self, codes: np.ndarray):
        """(values, lookup table): the lookup on the raw values of 8/16-bit rasters, else on a 0/1 mask."""
        nodata = self.spec.nodata
        if self.data.dtype in (np.uint8, np.uint16):
            lut = np.zeros(256 if self.data.dtype == np.uint8 else 65536, bool)
            if codes.size:
                lut[codes[(codes >= 0) & (codes < lut.size)]] = True
            else:
                lut[:] = True
            if nodata is not None and float(nodata).is_integer() and 0 <= nodata < lut.size:
                lut[int(nodata)] = False
            return self.data, lut
        return _class_mask(self.data, codes, nodata).view(np.uint8), np.array([False, True])

    def apply_many(self, ops: list, r0: int, row_area, inside, unit_frac, excl, keep, mask):
        """Several consecutive raster rules in one pass (nested grids, 8/16-bit values): (cells, m²) per rule,
        or None when the window is not of that kind (then :meth:`apply` each)."""
        if (self.spec.mode != "nested" or self.data is None or self.data.dtype not in (np.uint8, np.uint16)
                or len(ops) > 64):
            return None
        lutbits = None
        for j, op in enumerate(ops):
            _, lut = self._lut(op.codes)
            if lutbits is None:
                lutbits = np.zeros(lut.size, np.uint64)
            lutbits[lut] |= np.uint64(1 << j)
        effects = np.array([op.effect for op in ops], np.int64)
        factors = np.array([op.factor for op in ops], np.float64)
        bits = np.array([op.bit for op in ops], np.int64)
        cells = np.zeros(len(ops), np.int64)
        ha = np.zeros(len(ops))
        _apply_nested_many(self.data, lutbits, self.ri, self.ci, r0, row_area, inside, unit_frac, effects, factors,
                           bits, excl, keep, mask, cells, ha)
        return cells, ha

    def apply(self, op: RuleOp, r0: int, row_area, inside, unit_frac, excl, keep, mask) -> tuple[int, float]:
        """Apply the raster rule ``op`` to the block: (cells hit, m² covered)."""
        spec = self.spec
        if spec.mode == "warp":
            frac = self._warped(op.codes)
            return _apply_dense(frac, r0, row_area, inside, unit_frac, op.effect, op.factor, op.bit, excl, keep, mask)
        if self.data is None:
            return 0, 0.0
        data, lut = self._lut(op.codes)
        if spec.mode == "nested":
            return _apply_nested(data, lut, self.ri, self.ci, r0, row_area, inside, unit_frac, op.effect, op.factor,
                                 op.bit, excl, keep, mask)
        return _apply_coarse(data, lut, self.ri, self.ci, spec.k, r0, row_area, inside, unit_frac, op.effect,
                             op.factor, op.bit, excl, keep, mask)

    def _dst(self):
        g = self.grid.transform
        return Affine(g.a, 0.0, g.c, 0.0, g.e, g.f + g.e * self.r0), (self.r1 - self.r0, self.grid.width)

    def _warp_window(self):
        """(data, its transform, its CRS) of the land cover around the block (warp mode; read once), or None."""
        if getattr(self, "_ww", False) is not False:
            return self._ww
        import rasterio
        from rasterio.warp import transform_bounds
        from rasterio.windows import Window, from_bounds

        t, (h, w) = self._dst()
        self._ww = None
        with rasterio.open(self.spec.path) as ds:
            x0, y0 = t.c, t.f
            x1, y1 = t.c + t.a * w, t.f + t.e * h
            bounds = transform_bounds(self.grid.crs, ds.crs, min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1),
                                      densify_pts=21)
            win = from_bounds(*bounds, transform=ds.transform)
            row0, col0 = math.floor(win.row_off) - 2, math.floor(win.col_off) - 2
            cw = _clip_window(row0, math.ceil(win.row_off + win.height) + 2, col0,
                              math.ceil(win.col_off + win.width) + 2, ds.height, ds.width)
            if cw is not None:
                a, b, c, d = cw
                data = ds.read(1, window=Window(c, a, d - c, b - a))
                st = ds.transform
                src_t = Affine(st.a, st.b, st.c + st.a * c + st.b * a, st.d, st.e, st.f + st.d * c + st.e * a)
                self._ww = (data, src_t, ds.crs)
        return self._ww

    def _warped(self, codes: np.ndarray) -> np.ndarray:
        from rasterio.warp import Resampling, reproject

        t, (h, w) = self._dst()
        out = np.zeros((h, w), np.float32)
        ww = self._warp_window()
        if ww is None:
            return out.astype(np.float64)
        data, src_t, crs = ww
        mask = _class_mask(data, codes, self.spec.nodata).astype(np.float32)
        reproject(mask, out, src_transform=src_t, src_crs=crs, dst_transform=t, dst_crs=self.grid.crs,
                  resampling=Resampling.average, src_nodata=None, dst_nodata=None)
        return np.clip(out.astype(np.float64), 0.0, 1.0)

    def scores(self, crit: LandcoverScores, out: np.ndarray) -> dict[float, int]:
        """The criterion's scores of the block into ``out`` (float64 holding float32 values, NaN = no data);
        returns {raster value: land-cover cells} of the classes the table does not score (cells whose centre
        lies in the block's rows)."""
        spec = self.spec
        if spec.mode == "warp":
            ww = self._warp_window()
            if ww is None:
                out[:] = np.nan
                return {}
            data, src_t, crs = ww
        else:
            if self.data is None:
                out[:] = np.nan
                return {}
            data, src_t, crs = self.data, None, None
        if (spec.mode != "warp" and crit.lut is not None and data.dtype in (np.uint8, np.uint16)
                and crit.lut.size == (256 if data.dtype == np.uint8 else 65536)):  # straight from the raw values
            if spec.mode == "nested":
                _lut_gather(data, crit.lut, self.ri, self.ci, out)
            else:
                _lut_mean(data, crit.lut, self.ri, self.ci, spec.k, out)
            if not (math.isnan(crit.default) and _any_lut(data, crit.unknown)):
                return {}
            return self._unknown_counts(data, crit.unknown[data], None, None)
        s, unknown = _score_values(crit, data)
        if spec.mode == "nested":
            _gather_scores(s, self.ri, self.ci, out)
        elif spec.mode == "coarse":
            _mean_scores(s, self.ri, self.ci, spec.k, out)
        else:
            from rasterio.warp import Resampling, reproject

            t, _ = self._dst()
            out[:] = np.nan
            reproject(s, out, src_transform=src_t, src_crs=crs, dst_transform=t, dst_crs=self.grid.crs,
                      src_nodata=np.nan, dst_nodata=np.nan, resampling=Resampling.average)
            _to_float32(out)
        return self._unknown_counts(data, unknown, src_t, crs) if unknown is not None else {}

    def _unknown_counts(self, data, unknown, src_t, crs) -> dict[float, int]:
        rows, cols = np.nonzero(unknown)
        if rows.size == 0:
            return {}
        if src_t is None:  # nested or coarse: the window's transform from the raster's
            import rasterio

            a, _, c, _ = self.win
            with rasterio.open(self.spec.path) as ds:
                st, crs = ds.transform, ds.crs
            src_t = Affine(st.a, st.b, st.c + st.a * c + st.b * a, st.d, st.e, st.f + st.d * c + st.e * a)
        x = src_t.c + src_t.a * (cols + 0.5) + src_t.b * (rows + 0.5)
        y = src_t.f + src_t.d * (cols + 0.5) + src_t.e * (rows + 0.5)
        from .exclusions import _same_crs

        if not _same_crs(crs, self.grid.crs):
            from pyproj import Transformer

            x, y = Transformer.from_crs(crs, self.grid.crs, always_xy=True).transform(x, y)
        g = self.grid.transform
        gc = np.floor((np.asarray(x) - g.c) / g.a)
        gr = np.floor((np.asarray(y) - g.f) / g.e)
        own = (gr >= self.r0) & (gr < self.r1) & (gc >= 0) & (gc < self.grid.width)
        vals, counts = np.unique(data[rows[own], cols[own]], return_counts=True)
        return {float(v): int(n) for v, n in zip(vals.tolist(), counts.tolist())}


def landcover_scores(source, grid: Grid, table: Mapping[str, float], default: float | None) -> LandcoverScores:
    """A land-cover criterion's plan: the table's 三调 codes as the raster's values (see
    :func:`~sinkmap.analysis.siting.settings.landcover_on_grid`), the land cover's mapping onto the grid."""
    import rasterio

    from .settings import landcover_values

    spec = landcover_spec(source, grid)
    values, scores = landcover_values(table)
    crit = LandcoverScores(spec, np.asarray(values, dtype=np.float64), np.asarray(scores, dtype=np.float64),
                           math.nan if default is None else float(default))
    with rasterio.open(spec.path) as ds:
        dtype = np.dtype(ds.dtypes[0])
    if dtype in (np.uint8, np.uint16):
        n = 256 if dtype == np.uint8 else 65536
        raw = np.arange(n, dtype=np.float64)
        crit.lut, unknown = _value_scores(crit, raw)
        crit.unknown = unknown if unknown is not None else np.zeros(n, bool)
    return crit


def _value_scores(crit: LandcoverScores, values: np.ndarray):
    """(scores of ``values``, whether each is a class the table does not score — None with a default)."""
    s = np.full(values.shape, crit.default, dtype=np.float64)
    known = np.zeros(values.shape, bool)
    for v, score in zip(crit.values, crit.scores):
        hit = values == v
        s[hit] = score
        known |= hit
    nodata = crit.spec.nodata
    empty = values == 0  # 0 is no 三调 class (the demo writes it outside the counties)
    if nodata is not None:
        empty |= values == nodata
    s[empty] = np.nan
    unknown = (~known & ~empty) if math.isnan(crit.default) else None
    return s, unknown


def _score_values(crit: LandcoverScores, data: np.ndarray):
    """(scores of the window ``data`` (float64, NaN = no data), mask of unscored classes or None)."""
    if crit.lut is not None and data.dtype in (np.uint8, np.uint16) and crit.lut.size == (
            256 if data.dtype == np.uint8 else 65536):
        unknown = crit.unknown[data] if math.isnan(crit.default) and crit.unknown.any() else None
        return crit.lut[data], unknown
    u, inv = np.unique(data, return_inverse=True)
    su, uu = _value_scores(crit, u.astype(np.float64))
    inv = inv.reshape(data.shape)
    return su[inv], (uu[inv] if uu is not None and uu.any() else None)


@dataclass
class ExBlock:
    """One block's exclusions: what the later steps need (small, transportable)."""

    r0: int
    r1: int
    flags: np.ndarray  # uint8: 1 inside the unit, 2 open (inclusion > 1e-9)
    incl: np.ndarray  # float32
    mask: np.ndarray  # uint64
    cells: np.ndarray  # int64 per rule
    hectares_m2: np.ndarray  # float64 per rule (m²)
    unit_m2: float
    incl_m2: float
    patches: Any = None  # _Patches when a minimum area is set
    score: np.ndarray | None = None  # suitability (float32) and band 2 (uint64)
    band2: np.ndarray | None = None
    criteria: dict | None = None
    landcover: dict | None = None  # per land-cover criterion: {"unscored": {value: cells}, "any": bool}


@dataclass
class _Patches:
    """Pass 1 of the minimum-area filter for one block."""

    n_edge: int
    edge_size: np.ndarray  # int64 fixed-point area of each edge label (block part)
    edge_cells: np.ndarray
    edge_unit_m2: np.ndarray
    edge_incl_m2: np.ndarray
    top: np.ndarray  # edge index per column of the first row, −1
    bottom: np.ndarray  # and of the last row
    small_cells: int  # the block's own small patches (not touching its first or last row)
    small_unit_m2: float
    small_incl_m2: float



def exclusion_block(plan: ExclusionPlan, r0: int, r1: int, lc: "_LandcoverBlock | None" = None) -> ExBlock:
    """Inclusion, bitmask and statistics of rows r0..r1 (and pass 1 of the minimum-area filter); ``lc``: the
    land cover's window of these rows when the caller read it already (the land-cover criterion)."""
    grid = plan.grid
    n, w = r1 - r0, grid.width
    u = plan.unit
    unit_frac = np.zeros((n, w))
    _expand(u.run_ptr, u.run_c0, u.run_c1, u.part_ptr, u.part_col, u.part_frac, r0, r1, unit_frac)
    inside = unit_frac > EPS
    excl = np.ones((n, w))
    keep = np.ones((n, w))
    mask = np.zeros((n, w), np.uint64)
    nr = len(plan.ops)
    cells = np.zeros(nr, np.int64)
    ha = np.zeros(nr)
    if lc is not None and (plan.landcover is None or lc.spec != plan.landcover):
        lc = None
    k = 0
    while k < nr:
        op = plan.ops[k]
        if op.kind == "vector":
            cv = op.cover
            cells[k], ha[k] = _apply_cover(cv.run_ptr, cv.run_c0, cv.run_c1, cv.part_ptr, cv.part_col,
                                           cv.part_frac, r0, r1, plan.row_area, inside, unit_frac, op.effect,
                                           op.factor, op.bit, excl, keep, mask)
        elif op.kind == "raster":
            if lc is None:
                lc = _LandcoverBlock(plan.landcover, grid, r0, r1)
            run = k + 1
            while run < nr and plan.ops[run].kind == "raster":
                run += 1
            many = lc.apply_many(plan.ops[k:run], r0, plan.row_area, inside, unit_frac, excl, keep, mask) \
                if run - k > 1 else None
            if many is not None:
                cells[k:run], ha[k:run] = many
                k = run
                continue
            cells[k], ha[k] = lc.apply(op, r0, plan.row_area, inside, unit_frac, excl, keep, mask)
        k += 1
    del lc
    incl = excl  # computed in place of the product of the exclusions
    flags = np.empty((n, w), np.uint8)
    unit_m2 = float(_unit_m2(unit_frac, plan.row_area, r0))
    _, incl_m2 = _finish(excl, keep, inside, unit_frac, plan.row_area, r0, incl, flags)
    del keep
    block = ExBlock(r0, r1, flags, incl.astype(np.float32), mask, cells, ha, unit_m2, float(incl_m2))
    if plan.min_area_m2:
        block.patches = _patches(plan, flags, unit_frac, incl, r0)
    return block


@numba.njit(cache=True, nogil=True)
def _unit_m2(unit_frac, row_area, r0):
    total = 0.0
    for i in range(unit_frac.shape[0]):
        ra = row_area[r0 + i]
        for c in range(unit_frac.shape[1]):
            total += unit_frac[i, c] * ra
    return total


def _patches(plan: ExclusionPlan, flags, unit_frac, incl64, r0) -> _Patches:
    labels, sizes = _label(flags, plan.area_fp(), r0, plan.queen)
    nl = sizes.size - 1
    edge, n_edge = _edges(labels, nl)
    cells, unit_m2, incl_m2 = _label_sums(labels, nl, unit_frac, incl64, plan.row_area, r0)
    small = sizes < plan.min_fp
    small[0] = False
    interior = small & (edge < 0)
    on_edge = np.flatnonzero(edge >= 0)  # ascending labels = ascending edge index
    return _Patches(n_edge=int(n_edge), edge_size=sizes[on_edge], edge_cells=cells[on_edge],
                    edge_unit_m2=unit_m2[on_edge], edge_incl_m2=incl_m2[on_edge],
                    top=edge[labels[0]].astype(np.int64), bottom=edge[labels[-1]].astype(np.int64),
                    small_cells=int(cells[interior].sum()), small_unit_m2=float(unit_m2[interior].sum()),
                    small_incl_m2=float(incl_m2[interior].sum()))


class _Union:
    """The minimum-area filter across blocks: edge patches merged with a union-find (client side)."""

    def __init__(self, plan: ExclusionPlan):
        self.plan = plan
        self.parent = np.zeros(0, np.int64)
        self.size = np.zeros(0, np.int64)
        self.cells = np.zeros(0, np.int64)
        self.unit_m2 = np.zeros(0)
        self.incl_m2 = np.zeros(0)
        self.base: list[int] = []
        self.prev_bottom: np.ndarray | None = None
        self.small_cells = 0
        self.small_unit_m2 = 0.0
        self.small_incl_m2 = 0.0

    def add(self, p: _Patches) -> None:
        base = self.parent.size
        self.base.append(base)
        self.parent = np.concatenate([self.parent, np.arange(base, base + p.n_edge, dtype=np.int64)])
        self.size = np.concatenate([self.size, p.edge_size])
        self.cells = np.concatenate([self.cells, p.edge_cells])
        self.unit_m2 = np.concatenate([self.unit_m2, p.edge_unit_m2])
        self.incl_m2 = np.concatenate([self.incl_m2, p.edge_incl_m2])
        top = np.where(p.top >= 0, p.top + base, -1)
        if self.prev_bottom is not None:
            _union_rows(self.parent, self.prev_bottom, top, self.plan.queen)
        self.prev_bottom = np.where(p.bottom >= 0, p.bottom + base, -1)
        self.small_cells += p.small_cells
        self.small_unit_m2 += p.small_unit_m2
        self.small_incl_m2 += p.small_incl_m2

    def finish(self) -> np.ndarray:
        """Small flag of every edge patch (by global id); adds their cells and areas to the totals."""
        roots = np.array([_find(self.parent, i) for i in range(self.parent.size)], np.int64)
        total = np.zeros(self.parent.size, np.int64)
        np.add.at(total, roots, self.size)
        small = total[roots] < self.plan.min_fp if roots.size else np.zeros(0, bool)
        for i in np.flatnonzero(small):  # in id order: the sums do not depend on the number of workers
            self.small_cells += int(self.cells[i])
            self.small_unit_m2 += float(self.unit_m2[i])
            self.small_incl_m2 += float(self.incl_m2[i])
        self.small = small
        return small


def apply_min_area(plan: ExclusionPlan, block: ExBlock, small_edge: np.ndarray, base: int) -> np.ndarray:
    """Pass 2 of the minimum-area filter on one block: relabel, close the small patches; their cells (bool)."""
    labels, sizes = _label(block.flags, plan.area_fp(), block.r0, plan.queen)
    nl = sizes.size - 1
    edge, n_edge = _edges(labels, nl)
    small = sizes < plan.min_fp
    on_edge = edge >= 0
    small[on_edge] = small_edge[base + edge[on_edge]]
    small[0] = False
    hit = small[labels]
    _apply_small(labels, small, block.flags, block.incl, block.mask, plan.min_bit)
    return hit


# =====================================================================================================
# suitability inputs
# =====================================================================================================

def dem_spec(path, grid: Grid) -> DemSpec:
    """The DEM's rows and columns of the grid (the grid is the DEM's, clipped) and the padded row geometry."""
    import rasterio

    from .terrain import _row_geometry

    with rasterio.open(path) as ds:
        t = ds.transform
        col0 = int(round((grid.transform.c - t.c) / t.a))
        row0 = int(round((grid.transform.f - t.f) / t.e))
        padded = Affine(t.a, 0.0, t.c + t.a * (col0 - 1), 0.0, t.e, t.f + t.e * (row0 - 1))
    dx, dy = _row_geometry((grid.height + 2, grid.width + 2), padded, grid.crs)
    return DemSpec(str(path), row0, col0, dx, dy)


def dem_block(spec: DemSpec, r0: int, r1: int, width: int) -> np.ndarray:
    """DEM heights (float64, NaN = nodata, non-finite or outside) of rows r0−1..r1 and columns −1..width."""
    from rasterio.enums import MaskFlags
    from rasterio.windows import Window

    z = np.full((r1 - r0 + 2, width + 2), np.nan)
    top, left = spec.row_off + r0 - 1, spec.col_off - 1
    with _dataset(spec.path) as ds:
        win = _clip_window(top, spec.row_off + r1 + 1, left, spec.col_off + width + 1, ds.height, ds.width)
        if win is None:
            return z
        a, b, c, d = win
        window = Window(c, a, d - c, b - a)
        part = z[a - top:b - top, c - left:d - left]
        if set(ds.mask_flag_enums[0]) <= {MaskFlags.nodata, MaskFlags.all_valid}:  # no mask band: nodata only
            nodata = ds.nodata
            has = nodata is not None and not math.isnan(nodata)
            src = ds.read(1, window=window)
        else:
            src = ds.read(1, window=window, masked=True)
    if not isinstance(src, np.ma.MaskedArray):
        _heights(src, float(nodata) if has else 0.0, has, part)
        return z
    part[:] = np.ma.filled(src.astype(np.float64), np.nan)
    z[~np.isfinite(z)] = np.nan
    return z


@numba.njit(cache=True, nogil=True)
def _heights(src, nodata, has_nodata, out):
    """``out`` = ``src`` as float64, NaN where it equals ``nodata`` (compared in float64) or is not finite."""
    for i in range(src.shape[0]):
        for j in range(src.shape[1]):
            v = np.float64(src[i, j])
            out[i, j] = np.nan if (has_nodata and v == nodata) or not np.isfinite(v) else v


@numba.njit(cache=True, nogil=True)
def _aspect_deg(a, gx, gy, out):
    """``np.degrees(a) % 360.0`` as float32, NaN where flat: numpy's remainder step for step on −180…180°."""
    to_deg = 180.0 / np.pi
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            if gx[i, j] == 0.0 and gy[i, j] == 0.0:
                out[i, j] = np.nan
                continue
            d = a[i, j] * to_deg
            if d < 0.0:
                d += 360.0
            elif d == 0.0:
                d = 0.0  # +0.0, as numpy's remainder gives for ±0
            out[i, j] = np.float32(d)


def slope_aspect_block(spec: DemSpec, z: np.ndarray, r0: int, aspect: bool = True):
    """Slope and aspect (degrees, float32; aspect None unless asked) of a block: :func:`.terrain.slope_aspect`,
    cell for cell (the same gradient arithmetic, numpy's hypot, arctan and arctan2)."""
    n, w = z.shape[0] - 2, z.shape[1] - 2
    gx = np.empty((n, w))
    gy = np.empty((n, w))
    _gradient(z, spec.dx, spec.dy, r0, gx, gy)
    with np.errstate(invalid="ignore"):
        t = np.hypot(gx, gy)
        np.arctan(t, out=t)
        slope_deg = np.degrees(t, out=t).astype(np.float32)
        if not aspect:
            return slope_deg, None
        np.negative(gx, out=t)
        a = np.arctan2(t, np.negative(gy), out=t)
    asp = np.empty((n, w), np.float32)
    _aspect_deg(a, gx, gy, asp)
    return slope_deg, asp


# -- open datasets, per run, shared by the run's threads ------------------------------------------------

_LOCAL = threading.local()
_SHARED: dict = {}  # run token → {path: (dataset, lock)}
_SHARED_LOCK = threading.Lock()
_SHARED_RUNS = 4  # runs whose datasets a process keeps open (a Dask worker's); older ones are dropped


@contextlib.contextmanager
def _dataset(path: str):
    """``with _dataset(path) as ds``: a rasterio dataset open on ``path`` for this run, shared by the run's threads
    and used by one at a time (a dataset is not thread-safe). Its blocks share GDAL's decoded tiles, so a tile
    is decompressed once however many blocks and threads read it (a dataset per thread decoded each tile row
    once per thread: 1 s more CPU per 10⁸ DEM cells on 2 threads). Closed at the end of the run
    (:func:`_close_datasets`), or when a Dask worker has started :data:`_SHARED_RUNS` newer runs."""
    import rasterio

    token = getattr(_LOCAL, "token", None)
    with _SHARED_LOCK:
        files = _SHARED.get(token)
        if files is None:
            while len(_SHARED) >= _SHARED_RUNS:  # the oldest run's: closed when no thread holds them any more
                _SHARED.pop(next(iter(_SHARED)))
            files = _SHARED[token] = {}
        entry = files.get(path)
        if entry is None:
            entry = files[path] = (rasterio.open(path), threading.Lock())
    with entry[1]:
        yield entry[0]


def _close_datasets(token: str | None = None) -> None:
    """Close the datasets of the run ``token`` (this thread's run by default)."""
    token = getattr(_LOCAL, "token", None) if token is None else token
    with _SHARED_LOCK:
        files = _SHARED.pop(token, None)
    for ds, lock in (files or {}).values():
        with lock:
            ds.close()


def _metric_rows(grid: Grid, first: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    """For rows first..first+count of the grid (may lie outside it): metres south of row ``first`` and the
    east–west cell width in metres."""
    from pyproj import CRS, Geod

    from .terrain import _ellipsoid, pixel_size

    t = grid.transform
    crs = CRS.from_user_input(grid.crs)
    if not crs.is_geographic:
        px, py = pixel_size(t, crs)
        return np.arange(count) * abs(py), np.full(count, abs(px))
    semi, flat = _ellipsoid(crs)
    lat = t.f + t.e * (np.arange(first, first + count) + 0.5)
    lat = np.clip(lat, -90.0, 90.0)
    e2 = flat * (2.0 - flat)
    phi = np.radians(lat)
    east = semi / np.sqrt(1.0 - e2 * np.sin(phi) ** 2) * np.cos(phi) * abs(np.radians(t.a))
    geod = Geod(a=semi, f=flat)
    _, _, dist = geod.inv(np.zeros(count), np.full(count, lat[0]), np.zeros(count), lat)
    return np.abs(np.asarray(dist, dtype=np.float64)), east


def distance_spec(role: str, gdf, grid: Grid, reach: float) -> DistanceSpec:
    """Features of ``role`` in the extended grid's pixel coordinates, and the extension (the reach each side)."""
    import shapely

    h, w = grid.shape
    north, east = _metric_rows(grid, 0, h)
    step = float(np.min(np.diff(north))) if h > 1 else float(_metric_rows(grid, 0, 2)[0][1])
    rows = int(math.ceil(reach / max(step, 1e-9))) + 1
    north, east = _metric_rows(grid, -rows, h + 2 * rows)
    cols = int(math.ceil(reach / max(float(east.min()), 1e-9))) + 1
    spec = DistanceSpec(role, float(reach), rows, cols, north, east)
    geoms = np.zeros(0, dtype=object)
    if gdf is not None and len(gdf):
        if gdf.crs is not None:
            gdf = gdf.to_crs(grid.crs)
        geoms = np.asarray(gdf.geometry.values, dtype=object)
        geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
        t = grid.transform
        geoms = shapely.transform(geoms, lambda xy: np.column_stack(((xy[:, 0] - t.c) / t.a + cols,
                                                                     (xy[:, 1] - t.f) / t.e + rows)))
    spec.geoms = geoms
    b = shapely.bounds(geoms) if len(geoms) else np.zeros((0, 4))
    spec.ybounds = (b[:, 1], b[:, 3])
    return spec


def features_rows(spec: DistanceSpec, row0: int, row1: int) -> np.ndarray:
    """Feature cells (uint8, ``all_touched``) of extended rows row0..row1, all extended columns."""
    from rasterio.features import rasterize

    n = row1 - row0
    wx = spec.width
    if len(spec.geoms) == 0:
        return np.zeros((n, wx), np.uint8)
    ymin, ymax = spec.ybounds
    pick = (ymax >= row0 - 1) & (ymin <= row1 + 1)
    if not pick.any():
        return np.zeros((n, wx), np.uint8)
    return rasterize(((g, 1) for g in spec.geoms[pick]), out_shape=(n, wx), transform=Affine(1, 0, 0, 0, 1, row0),
                     fill=0, all_touched=True, dtype="uint8")


def prepare_distance(spec: DistanceSpec, grid: Grid, blocks: list[tuple[int, int]]) -> None:
    """The pre-pass: per block, the nearest feature row above and below in every column, and its feature bits."""
    h, w = grid.shape
    spec.width = w + 2 * spec.cols
    ext = spec.rows
    step = max(TILE, max((r1 - r0 for r0, r1 in blocks), default=1))  # rows rasterised at once (long lines
    # cost per call, not per row)
    chunks: list[tuple[int, int, int]] = []  # (extended row0, row1, block index or −1)
    chunks += [(a, min(ext, a + step), -1) for a in range(0, ext, step)]
    chunks += [(r0 + ext, r1 + ext, k) for k, (r0, r1) in enumerate(blocks)]
    chunks += [(a, min(h + 2 * ext, a + step), -1) for a in range(h + ext, h + 2 * ext, step)]
    lasts, firsts, bits = [], [], [None] * len(blocks)
    any_feature = False
    found: list | None = []  # feature cells, while few
    n_found = 0
    held = (0, 0, None)  # rows rasterised together for consecutive blocks
    for i, (a, b, k) in enumerate(chunks):
        if k < 0:
            feat = features_rows(spec, a, b)
        else:
            if not held[0] <= a < b <= held[1]:
                end = b
                for a2, b2, k2 in chunks[i + 1:]:
                    if k2 < 0 or b2 - a > step or a2 != end:
                        break
                    end = b2
                held = (a, end, features_rows(spec, a, end))
            feat = held[2][a - held[0]:b - held[0]]
        last, first = _feature_rows(feat, a)
        any_feature = any_feature or bool((last >= 0).any())
        lasts.append(last)
        firsts.append(first)
        if found is not None and (last >= 0).any():
            rr, cc = np.nonzero(feat)
            n_found += rr.size
            found = found + [(rr + a, cc)] if n_found <= DIRECT_MAX_CELLS else None
        if k >= 0:
            bits[k] = np.packbits(feat.astype(bool), axis=1)
    spec.cells = None
    if found is not None and n_found:
        # the feature cells each row's column pass takes (those within the reach's rows), against the extended
        # width the full column pass walks per row
        if n_found * (2 * spec.rows + 1) <= DIRECT_FACTOR * h * spec.width:
            rr = np.concatenate([f[0] for f in found]).astype(np.int64)
            cc = np.concatenate([f[1] for f in found]).astype(np.int64)
            order = np.argsort(rr, kind="stable")
            spec.cells = (rr[order], cc[order])
    above = np.full((len(blocks), spec.width), -1, np.int64)
    below = np.full((len(blocks), spec.width), -1, np.int64)
    run = np.full(spec.width, -1, np.int64)
    for (a, b, k), last in zip(chunks, lasts):
        if k >= 0:
            above[k] = run
        run = np.where(last >= 0, last, run)
    run = np.full(spec.width, -1, np.int64)
    for (a, b, k), first in zip(reversed(chunks), reversed(firsts)):
        if k >= 0:
            below[k] = run
        run = np.where(first >= 0, first, run)
    spec.above, spec.below, spec.bits, spec.any_feature = above, below, bits, any_feature


def distance_block(spec: DistanceSpec, k: int, r0: int, r1: int, width: int, out=None) -> np.ndarray:
    """Metres from each cell of rows r0..r1 to the nearest feature (capped at the reach; inf: no feature)."""
    out = np.empty((r1 - r0, width)) if out is None else out
    if not spec.any_feature:
        out[:] = np.inf
        return out
    if spec.cells is not None:
        _distance_direct(spec.cells[0], spec.cells[1], spec.north, spec.east, r0 + spec.rows, spec.rows, spec.cols,
                         spec.reach, out)
        return out
    _distance_block(spec.bits[k], spec.width, spec.above[k], spec.below[k], spec.north, spec.east,
                    r0 + spec.rows, spec.cols, spec.reach, out)
    return out


def resource_spec(path, grid: Grid) -> ResourceSpec:
    import rasterio

    from ...io.rasters import open_raster
    from .exclusions import _same_crs

    info = open_raster(path)
    with rasterio.open(path) as ds:
        return ResourceSpec(str(path), _same_crs(ds.crs, grid.crs), ds.crs.to_wkt(), tuple(ds.transform)[:6],
                            ds.width, ds.height, info.nodata)


def resource_block(spec: ResourceSpec, grid: Grid, r0: int, r1: int) -> np.ndarray:
    """The resource raster sampled bilinearly at the cell centres of rows r0..r1 (float64, NaN = no data)."""
    from rasterio.windows import Window

    t = grid.transform
    n, w = r1 - r0, grid.width
    x = t.c + t.a * (np.arange(w) + 0.5)
    y = t.f + t.e * (np.arange(r0, r1) + 0.5)
    st = Affine(*spec.transform)
    if spec.same_crs and not (st.b or st.d):
        u = np.broadcast_to(((x - st.c) / st.a)[None, :], (n, w))
        v = np.broadcast_to(((y - st.f) / st.e)[:, None], (n, w))
    else:
        from pyproj import Transformer

        tr = Transformer.from_crs(grid.crs, spec.crs, always_xy=True)
        xs, ys = tr.transform(np.broadcast_to(x[None, :], (n, w)).ravel(), np.broadcast_to(y[:, None], (n, w)).ravel())
        inv = ~st
        xs, ys = np.asarray(xs).reshape(n, w), np.asarray(ys).reshape(n, w)
        u = inv.a * xs + inv.b * ys + inv.c
        v = inv.d * xs + inv.e * ys + inv.f
    out = np.full((n, w), np.nan)
    fin = np.isfinite(u) & np.isfinite(v)
    if not fin.any():
        return out
    win = _clip_window(int(math.floor(np.min(v[fin]))) - 2, int(math.ceil(np.max(v[fin]))) + 2,
                       int(math.floor(np.min(u[fin]))) - 2, int(math.ceil(np.max(u[fin]))) + 2, spec.height, spec.width)
    if win is None:
        return out
    a, b, c, d = win
    with _dataset(spec.path) as ds:
        src = ds.read(1, window=Window(c, a, d - c, b - a), masked=True)
    ok = ~np.ma.getmaskarray(src)
    data = np.ma.getdata(src).astype(np.float64)
    ok &= np.isfinite(data)
    if spec.nodata is not None and not math.isnan(spec.nodata):
        ok &= data != spec.nodata
    _bilinear(data, ok, np.asarray(u - c, dtype=np.float64), np.asarray(v - a, dtype=np.float64), out)
    return out


# -- exact percentiles with bounded memory ------------------------------------------------------------

@numba.njit(cache=True, nogil=True)
def _hist(values, lo, hi, nb, counts, mins, maxs):
    """Counts, minima and maxima of ``values`` within [lo, hi] in ``nb`` bins (monotone bin formula)."""
    scale = nb / (hi - lo) if hi > lo else 0.0
    for v in values:
        if v < lo or v > hi:
            continue
        b = int((v - lo) * scale)
        if b >= nb:
            b = nb - 1
        counts[b] += 1
        if v < mins[b]:
            mins[b] = v
        if v > maxs[b]:
            maxs[b] = v


def exact_percentiles(blocks: Callable[[], Iterator[np.ndarray]], qs, *, bins: int = 4096,
                      collect: int = 1 << 20) -> list[float] | None:
    """``numpy.percentile(values, qs)`` (method 'linear') of all the values the iterator ``blocks()`` yields,
    block by block, in memory bounded by ``collect`` values: the order statistics are found by histogram
    refinement. None when there are no values."""
    n = 0
    lo, hi = math.inf, -math.inf
    for v in blocks():
        if v.size:
            n += v.size
            lo, hi = min(lo, float(v.min())), max(hi, float(v.max()))
    if n == 0:
        return None
    q = np.true_divide(np.asarray(qs, dtype=float), 100)
    virtual = (n - 1) * q
    prev = np.floor(virtual)
    nxt = prev + 1
    above = virtual >= n - 1
    prev[above] = -1
    nxt[above] = -1
    ranks = sorted({int(r) % n for r in np.concatenate([prev, nxt])})
    found = {r: _order_stat(blocks, r, lo, hi, bins, collect) for r in ranks}
    out = []
    for i in range(q.size):
        a, b = found[int(prev[i]) % n], found[int(nxt[i]) % n]
        gamma = np.float64(virtual[i] - prev[i])
        diff = b - a
        val = a + diff * gamma
        if gamma >= 0.5:
            val = b - diff * (1 - gamma)
        out.append(float(val))
    return out


def _order_stat(blocks, rank: int, lo: float, hi: float, bins: int, collect: int) -> float:
    """The ``rank``-th smallest value (0-based) among those ``blocks()`` yields, all within [lo, hi]."""
    below = 0  # values < lo
    while True:
        if lo == hi:
            return lo
        counts = np.zeros(bins, np.int64)
        mins = np.full(bins, np.inf)
        maxs = np.full(bins, -np.inf)
        for v in blocks():
            _hist(v, lo, hi, bins, counts, mins, maxs)
        cum = np.cumsum(counts)
        b = int(np.searchsorted(cum, rank - below, side="right"))
        below += int(cum[b - 1]) if b else 0
        lo, hi = float(mins[b]), float(maxs[b])
        if lo == hi:
            return lo
        if counts[b] <= collect:
            parts = [v[(v >= lo) & (v <= hi)] for v in blocks()]
            vals = np.sort(np.concatenate(parts))
            return float(vals[rank - below])


# =====================================================================================================
# blocks as tasks
# =====================================================================================================

def suitability_block(plan: SuitabilityPlan, k: int, r0: int, r1: int) -> ExBlock:
    """Exclusions, then the criteria scored and combined, of rows r0..r1 (block ``k``)."""
    ex = plan.ex
    lcb = None
    if plan.scores:
        spec = next(iter(plan.scores.values())).spec
        lcb = _LandcoverBlock(spec, ex.grid, r0, r1)
    block = exclusion_block(ex, r0, r1, lc=lcb)
    n, w = r1 - r0, ex.grid.width
    rng = (plan.resource.low, plan.resource.high) if plan.resource is not None else None
    if plan.fused is not None:  # inputs written straight into the kernel's array
        keys = fused_keys(plan)
        inputs = np.empty((len(keys), n, w))
        slot = {key: inputs[i] for i, key in enumerate(keys)}
    else:
        slot = {}
    raw: dict[str, Any] = {}

    def put(key: str, arr) -> None:
        if plan.fused is not None:
            if key in slot:
                np.copyto(slot[key], arr)
        else:
            raw[key] = np.asarray(arr, dtype=np.float64)

    if plan.needs & {"slope", "aspect", "elevation"}:
        z = dem_block(plan.dem, r0, r1, w)
        if plan.needs & {"slope", "aspect"}:  # one pass: slope (float32 values) and cos(aspect)
            want_cos = "aspect" in plan.needs
            s = slot["slope"] if "slope" in slot else np.empty((n, w))
            c = slot["cos_aspect"] if "cos_aspect" in slot else np.empty((n, w) if want_cos else (1, 1))
            _terrain(z, plan.dem.dx, plan.dem.dy, r0, s, c, want_cos)
            if plan.fused is None:
                raw["slope"] = s
                if want_cos:
                    raw["cos_aspect"] = c
                if any(sp["kind"] == "aspect" and sp.get("transform") for sp in plan.specs.values()):
                    raw["aspect"] = slope_aspect_block(plan.dem, z, r0)[1].astype(np.float64)
            del s, c
        put("elevation", z[1:-1, 1:-1])
        del z
    for role, spec in plan.distances.items():
        key = "distance:" + role
        if plan.fused is not None:
            if key in slot:
                distance_block(spec, k, r0, r1, w, out=slot[key])
                if not spec.any_feature:
                    slot[key][:] = spec.reach  # no feature within the reach: every cell as far away
        else:
            raw[key] = distance_block(spec, k, r0, r1, w)
            if not spec.any_feature:
                raw[key][:] = spec.reach
    lc_info = {}
    for name, crit in plan.scores.items():
        key = "scores:" + name
        arr = slot[key] if key in slot else np.empty((n, w))
        sub = lcb if crit.spec == lcb.spec else _LandcoverBlock(crit.spec, ex.grid, r0, r1)
        unscored = sub.scores(crit, arr)
        lc_info[name] = {"unscored": unscored, "any": bool(_any_finite_inside(arr, block.flags))}
        if key not in slot:
            put(key, arr)
    del lcb
    block.landcover = lc_info or None
    if plan.resource is not None:
        put("resource", resource_block(plan.resource, ex.grid, r0, r1))
        raw["resource_range"] = rng
    if plan.fused is not None:
        score, criteria = fused_block(plan, inputs, keys, rng, block.incl)
        del inputs, slot
    else:
        score, criteria = plan.scorer(plan.specs, raw, plan.weights, block.incl)
    raw.clear()
    _score_band2(plan, block, score)
    if plan.keep_criteria:
        block.criteria = criteria
    return block


@numba.njit(cache=True, nogil=True)
def _any_finite_inside(a, flags):
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            if flags[i, j] != 0 and np.isfinite(a[i, j]):
                return True
    return False


def _score_band2(plan: SuitabilityPlan, block: ExBlock, score: np.ndarray) -> None:
    band2 = np.empty(score.shape, np.uint64)
    _finish_score(score, block.flags, block.incl, block.mask, np.uint64(plan.band2_bits), band2)
    block.score, block.band2 = score, band2


def output_bands(band1: np.ndarray, band2: np.ndarray, flags: np.ndarray, dtype: str, nodata: float,
                 band1_nan: bool) -> np.ndarray:
    """A block's two output bands as ``dtype`` (one (2, rows, columns) array): ``nodata`` outside the unit (and,
    with ``band1_nan``, where band 1 is NaN), in one pass."""
    out = np.empty((2,) + band1.shape, dtype=dtype)
    _output_bands(band1, band2, flags, nodata, band1_nan, out)
    return out


@numba.njit(cache=True, nogil=True)
def _output_bands(band1, band2, flags, nodata, band1_nan, out):
    for i in range(band1.shape[0]):
        for j in range(band1.shape[1]):
            if flags[i, j] == 0:
                out[0, i, j] = nodata
                out[1, i, j] = nodata
                continue
            v = band1[i, j]
            out[0, i, j] = nodata if band1_nan and np.isnan(v) else v
            out[1, i, j] = band2[i, j]


def _exclusion_task(plan, k, r0, r1):
    _LOCAL.token = plan.token
    with _capped_cache():
        return exclusion_block(plan, r0, r1)


def _suitability_task(plan, k, r0, r1):
    _LOCAL.token = plan.ex.token
    with _capped_cache():
        return suitability_block(plan, k, r0, r1)


def _capped_cache():
    """GDAL's cache capped at :data:`GDAL_CACHE_BYTES` in this process (a Dask worker's too)."""
    import contextlib

    import rasterio

    if getattr(_LOCAL, "capped", False):
        return contextlib.nullcontext()
    return rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_BYTES)


def _ordered_local(fn, plan, blocks, threads: int) -> Iterator[ExBlock]:
    """``fn(plan, k, r0, r1)`` of every block, yielded in block order; at most threads + 1 in flight."""
    if threads <= 1 or len(blocks) <= 1:
        for k, (r0, r1) in enumerate(blocks):
            yield fn(plan, k, r0, r1)
        return
    from collections import deque

    pool = ThreadPoolExecutor(threads, thread_name_prefix="sinkmap-siting")
    pending: deque = deque()
    todo = iter(enumerate(blocks))
    try:
        for _ in range(threads + 1):
            nxt = next(todo, None)
            if nxt is not None:
                pending.append(pool.submit(fn, plan, nxt[0], *nxt[1]))
        while pending:
            out = pending.popleft().result()
            nxt = next(todo, None)
            if nxt is not None:
                pending.append(pool.submit(fn, plan, nxt[0], *nxt[1]))
            yield out
    finally:
        for f in pending:
            f.cancel()
        pool.shutdown(wait=True)


def _ordered_dask(fn, plan, blocks, client, feedback: Feedback) -> Iterator[ExBlock]:
    """The same on Dask: the plan is scattered once; the blocks come back in order, a few in flight."""
    from collections import deque

    from ..zonal.dask_backend import _distributed

    _distributed()
    window = max(2, 2 * sum(client.nthreads().values()))
    shared = client.scatter(plan, broadcast=True, hash=False)
    pending: deque = deque()
    todo = iter(enumerate(blocks))
    try:
        for _ in range(window):
            nxt = next(todo, None)
            if nxt is not None:
                pending.append(client.submit(fn, shared, nxt[0], *nxt[1], pure=False))
        while pending:
            fut = pending.popleft()
            try:
                out = fut.result()
            except Exception as exc:
                from ...core.errors import SinkmapError

                if isinstance(exc, SinkmapError):
                    raise
                raise InputError(code="analysis.dask.failed", error=type(exc).__name__, detail=str(exc)) from None
            nxt = next(todo, None)
            if nxt is not None:
                pending.append(client.submit(fn, shared, nxt[0], *nxt[1], pure=False))
            yield out
    finally:
        try:
            client.cancel(list(pending) + [shared])
        except Exception:  # pragma: no cover - best effort cleanup
            pass


# =====================================================================================================
# the run
# =====================================================================================================

class _Store:
    """Block results between the two passes of the minimum-area filter: in memory, or in a temporary file
    (unnamed, next to the output) holding per cell the flags, the inclusion, the bitmask (as few bytes as the
    rules need) and the suitability."""

    def __init__(self, nbits: int, temp_dir: Path | None):
        self.mem: list[ExBlock] = []
        self.file = None
        self.index: list[tuple] = []
        self.mask_dtype = np.dtype(np.uint8 if nbits <= 8 else np.uint16 if nbits <= 16 else
                                   np.uint32 if nbits <= 32 else np.uint64)
        if temp_dir is not None:
            import tempfile

            self.file = tempfile.TemporaryFile(dir=temp_dir, prefix=".sinkmap-siting-")

    def put(self, b: ExBlock) -> None:
        if self.file is None:
            self.mem.append(b)
            return
        parts = [b.flags, b.incl, b.mask.astype(self.mask_dtype)] + ([b.score] if b.score is not None else [])
        offset = self.file.tell()
        for p in parts:
            self.file.write(np.ascontiguousarray(p).tobytes())
        meta = ExBlock(b.r0, b.r1, None, None, None, b.cells, b.hectares_m2, b.unit_m2, b.incl_m2)
        self.index.append((offset, b.score is not None, meta))

    def __len__(self) -> int:
        return len(self.mem) if self.file is None else len(self.index)

    def get(self, k: int, width: int) -> ExBlock:
        if self.file is None:
            return self.mem[k]
        offset, has_score, meta = self.index[k]
        shape = (meta.r1 - meta.r0, width)
        n = shape[0] * shape[1]
        self.file.seek(offset)
        flags = np.fromfile(self.file, np.uint8, n).reshape(shape)
        incl = np.fromfile(self.file, np.float32, n).reshape(shape)
        mask = np.fromfile(self.file, self.mask_dtype, n).reshape(shape).astype(np.uint64)
        score = np.fromfile(self.file, np.float32, n).reshape(shape) if has_score else None
        meta.flags, meta.incl, meta.mask, meta.score = flags, incl, mask, score
        return meta

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


@dataclass
class Outcome:
    """What a run found: the statistics and warnings, and the arrays when run in memory."""

    table: list[dict[str, Any]]
    stats: list[dict[str, Any]]
    warnings: list[Notice]
    unit_hectares: float
    included_hectares: float
    histogram: list[dict[str, Any]] | None = None
    arrays: dict[str, Any] = field(default_factory=dict)
    #: per land-cover criterion: {"unscored": {raster value: cells}, "any": a score inside the unit}
    landcover: dict[str, Any] = field(default_factory=dict)


HIST_BINS = 10
#: numpy.histogram's edges for float32 scores in range (0, 1): float32 (held as float64, exactly)
HIST_EDGES = np.linspace(0.0, 1.0, HIST_BINS + 1, dtype=np.float32).astype(np.float64)


class _Memory:
    """Assembles the blocks into whole arrays (the in-memory functions)."""

    def __init__(self, plan, suit: bool):
        h, w = (plan.ex if suit else plan).grid.shape
        self.suit = suit
        self.a = {"inclusion": np.zeros((h, w), np.float32), "bitmask": np.zeros((h, w), np.uint64),
                  "inside": np.zeros((h, w), bool)}
        if suit:
            self.a.update(score=np.full((h, w), np.nan, np.float32), band2=np.zeros((h, w), np.uint64), criteria={})
        self.h, self.w = h, w

    def __call__(self, b: ExBlock) -> None:
        a, s = self.a, slice(b.r0, b.r1)
        a["inclusion"][s], a["bitmask"][s], a["inside"][s] = b.incl, b.mask, b.flags != 0
        if self.suit:
            a["score"][s], a["band2"][s] = b.score, b.band2
            for name, arr in (b.criteria or {}).items():
                if name not in a["criteria"]:
                    a["criteria"][name] = np.full((self.h, self.w), np.nan, np.float32)
                a["criteria"][name][s] = arr


def run_plan(plan, blocks: list[tuple[int, int]] | None = None, *, write: Callable[[ExBlock], None] | None = None,
             memory: bool = False, client=None, threads: int | None = None, temp_dir: Path | None = None,
             feedback: Feedback | None = None) -> Outcome:
    """Compute ``plan`` (an :class:`ExclusionPlan` or a :class:`SuitabilityPlan`) block by block.

    Each finished block goes, in row order, to ``write`` (the GeoTIFF writer of a job) and, with ``memory``,
    into whole arrays (``Outcome.arrays``). Blocks run on ``threads`` local threads, or on the Dask ``client``.
    With a minimum area, block results wait between the two passes in an unnamed temporary file in
    ``temp_dir`` (in memory when None).
    """
    import uuid

    feedback = ensure(feedback)
    suit = isinstance(plan, SuitabilityPlan)
    ex = plan.ex if suit else plan
    ex.token = uuid.uuid4().hex
    blocks = blocks if blocks is not None else blocks_of(ex.grid)
    if suit and getattr(plan, "_blocks", None) != blocks:
        raise ValueError("prepare_suitability(plan, blocks) first")  # programming error, not user input
    threads = max(1, threads or min(4, os.cpu_count() or 1))
    sink = _Memory(plan, suit) if memory else None
    nr = len(ex.ops)
    cells = np.zeros(nr, np.int64)
    ha = np.zeros(nr)
    unit_m2 = incl_m2 = 0.0
    n_inside = n_open = 0
    counts = np.zeros(HIST_BINS, np.int64)
    hist_fp = np.zeros(HIST_BINS, np.int64)  # areas in 1/AREA_SCALE m²: exact, whatever the blocks
    lc_seen: dict[str, Any] = {}
    union = _Union(ex) if ex.min_area_m2 else None
    store = _Store(len(ex.table), None if memory else temp_dir) if union else None
    w = ex.grid.width

    area_fp = ex.area_fp()

    def emit(b: ExBlock) -> None:
        if suit:
            _score_histogram(b.score, area_fp, b.r0, HIST_EDGES, counts, hist_fp)
        if write is not None:
            write(b)
        if sink is not None:
            sink(b)

    import rasterio

    fn = _suitability_task if suit else _exclusion_task
    cap = rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_BYTES)
    cap.__enter__()
    _LOCAL.capped = True
    stream = (_ordered_dask(fn, plan, blocks, client, feedback) if client is not None
              else _ordered_local(fn, plan, blocks, threads))
    span = 0.7 if union else 0.8
    try:
        for k, b in enumerate(stream):
            feedback.check()
            feedback.progress(0.15 + span * (k + 1) / len(blocks), f"block {k + 1}/{len(blocks)}")
            cells += b.cells
            ha += b.hectares_m2
            unit_m2 += b.unit_m2
            incl_m2 += b.incl_m2
            n_inside += int(np.count_nonzero(b.flags))
            n_open += int(np.count_nonzero(b.flags >= 2))
            for name, info in (b.landcover or {}).items():
                agg = lc_seen.setdefault(name, {"unscored": {}, "any": False})
                agg["any"] = agg["any"] or info["any"]
                for v, c in info["unscored"].items():
                    agg["unscored"][v] = agg["unscored"].get(v, 0) + c
            b.landcover = None
            if union is not None:
                union.add(b.patches)
                b.patches = None
                store.put(b)
            else:
                emit(b)
        if suit:
            _landcover_verdict(plan, lc_seen, feedback)
        if union is not None:
            small = union.finish()
            for k in range(len(store)):
                feedback.check()
                feedback.progress(0.85 + 0.1 * (k + 1) / len(store), f"minimum area {k + 1}/{len(store)}")
                b = store.get(k, w)
                hit = apply_min_area(ex, b, small, union.base[k])
                if suit:
                    b.score[hit] = 0.0
                    _score_band2(plan, b, b.score)
                emit(b)
                if store.file is not None:
                    b.flags = b.incl = b.mask = b.score = b.band2 = None
    finally:
        if store is not None:
            store.close()
        _close_datasets(ex.token)
        _LOCAL.capped = False
        cap.__exit__(None, None, None)
    out = _outcome(ex, cells, ha, unit_m2, incl_m2, n_inside, n_open, union, feedback,
                   _histogram(counts, hist_fp) if suit else None, sink.a if sink is not None else {})
    out.landcover = lc_seen
    return out


def _landcover_verdict(plan: SuitabilityPlan, seen: dict[str, Any], feedback: Feedback) -> None:
    """After the blocks: refuse a land cover with no score inside the unit; name the classes left unscored."""
    for name, crit in plan.scores.items():
        info = seen.get(name, {"unscored": {}, "any": False})
        if not info["any"]:
            raise InputError(code="jobs.site.landcover_no_overlap", path=crit.spec.path)
        if info["unscored"]:
            shown = ", ".join(f"{int(v) if float(v).is_integer() else v} ({n:,})" for v, n in
                              sorted(info["unscored"].items(), key=lambda kv: (-kv[1], kv[0]))[:12])
            feedback.warn(Notice("jobs.site.landcover_unscored", path=crit.spec.path, criterion=name, values=shown))


def _histogram(counts, hist_fp) -> list[dict[str, Any]]:
    edges = HIST_EDGES
    return [{"low": float(edges[i]), "high": float(edges[i + 1]), "cells": int(counts[i]),
             "hectares": float(hist_fp[i]) / AREA_SCALE / 1e4} for i in range(HIST_BINS)]


@numba.njit(cache=True, nogil=True)
def _score_histogram(score, area_fp, r0, edges, counts, area):
    """``numpy.histogram(score[finite], bins=len(edges) - 1, range=(0, 1))``'s bins for float32 scores (its
    estimate-then-correct rule against its float32 edges, the last bin closed), with each cell's area added in
    fixed point."""
    nb = edges.size - 1
    lo = edges[0]
    hi = edges[nb]
    for i in range(score.shape[0]):
        a = area_fp[r0 + i]
        for j in range(score.shape[1]):
            v = np.float64(score[i, j])
            if not (v >= lo and v <= hi):  # NaN too
                continue
            b = int((v - lo) / (hi - lo) * nb)
            if b >= nb:
                b = nb - 1
            if v < edges[b]:
                b -= 1
            elif b < nb - 1 and v >= edges[b + 1]:
                b += 1
            counts[b] += 1
            area[b] += a


def _outcome(ex: ExclusionPlan, cells, ha, unit_m2, incl_m2, n_inside, n_open, union, feedback, histogram,
             arrays) -> Outcome:
    from .exclusions import MIN_AREA_ID

    stats = []
    for k, op in enumerate(ex.ops):
        row = ex.table[k]
        if op.kind == "off":
            stats.append({"bit": k, "id": row["id"], "effect": row["effect"], "applied": False, "cells": 0,
                          "hectares": 0.0})
        else:
            stats.append({"bit": k, "id": row["id"], "effect": row["effect"], "applied": True,
                          "cells": int(cells[k]), "hectares": round(float(ha[k]) / 1e4, 4)})
    if union is not None:
        stats.append({"bit": len(ex.ops), "id": MIN_AREA_ID, "effect": "exclude", "applied": True,
                      "cells": int(union.small_cells), "hectares": round(union.small_unit_m2 / 1e4, 4)})
        incl_m2 -= union.small_incl_m2
        n_open -= union.small_cells
    warnings = list(ex.notices)
    if n_inside and n_open <= 0:
        removers = [s["id"] for s in stats if s["applied"] and s["cells"] and
                    (s["effect"] == "exclude" or (s["effect"] == "limit" and ex.weights.get(s["id"]) == 0.0))]
        notice = Notice("analysis.siting.empty", unit=ex.unit_name or "—", tech=ex.tech or "—",
                        rules=", ".join(removers) or "—")
        warnings.append(notice)
        feedback.warn(notice)
    return Outcome(table=ex.table, stats=stats, warnings=warnings, unit_hectares=round(unit_m2 / 1e4, 4),
                   included_hectares=round(incl_m2 / 1e4, 4), histogram=histogram, arrays=arrays)


# =====================================================================================================
# planning: suitability
# =====================================================================================================

def prepare_suitability(plan: SuitabilityPlan, blocks: list[tuple[int, int]], feedback: Feedback | None = None,
                        resource_percentiles=(5.0, 95.0)) -> None:
    """The pre-passes that depend on the blocks: the distance states and feature bits, the resource's
    percentiles inside the unit (raises when the resource has no value there)."""
    import uuid

    feedback = ensure(feedback)
    ex = plan.ex
    _LOCAL.token = ex.token = uuid.uuid4().hex
    specs = list(plan.distances.values())
    feedback.check()
    feedback.progress(0.1, "distance pre-pass (" + ", ".join(plan.distances) + ")")
    if len(specs) > 1:  # rasterising and the kernels release the GIL: the roles side by side
        with ThreadPoolExecutor(min(len(specs), os.cpu_count() or 1), thread_name_prefix="sinkmap-siting") as pool:
            list(pool.map(lambda spec: prepare_distance(spec, ex.grid, blocks), specs))
    elif specs:
        prepare_distance(specs[0], ex.grid, blocks)
    if plan.resource is not None:
        feedback.progress(0.12, "resource percentiles")
        spec, grid, u = plan.resource, ex.grid, ex.unit

        def values() -> Iterator[np.ndarray]:
            for r0, r1 in blocks:
                feedback.check()
                res = resource_block(spec, grid, r0, r1)
                unit_frac = np.zeros(res.shape)
                _expand(u.run_ptr, u.run_c0, u.run_c1, u.part_ptr, u.part_col, u.part_frac, r0, r1, unit_frac)
                yield res[(unit_frac > EPS) & np.isfinite(res)]

        pct = exact_percentiles(values, list(resource_percentiles))
        _close_datasets()
        if pct is None:
            raise InputError(code="jobs.site.resource_no_overlap", path=spec.path)
        spec.low, spec.high = pct
    plan._blocks = list(blocks)
