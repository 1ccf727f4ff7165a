"""Exclusions with reasons: for a unit and a technology, an inclusion raster and a rule bitmask.

* ``inclusion`` (float32, 0–1): 1 = open, 0 = excluded. Every rule's area is rasterised with exact
  polygon coverage (:mod:`sinkmap.analysis.zonal.rasterize`), so a cell partly covered by a rule's area
  (coverage fraction ``f``) counts by fraction:

  - exclude: ``inclusion × (1 − f)`` — the covered part is out;
  - limit (weight ``w``): ``inclusion × (1 − f·(1 − w))`` — the covered part counts ``w``;
  - include (forced inclusion, as NREL reV's force-include layers): after all exclusions and limits,
    ``inclusion + F·(1 − inclusion)`` with ``F = 1 − Π(1 − f)`` of the include rules — the forced part is
    in whatever excluded it;
  - prefer: no change to the inclusion (it never exceeds 1); the bit and the weight are for suitability.

  Rules multiply, so their order does not matter. Cells outside the unit are 0 (and flagged outside).
* ``bitmask`` (uint64): bit ``i`` set where rule ``i`` of :attr:`ExclusionResult.table` touches the cell
  (``f > 0``) inside the unit. The minimum-area filter has a bit of its own (id ``min_area``).

Buffers are applied in metres (in a local azimuthal equidistant projection around the unit for lon/lat
grids). Landcover rules take the raster's cells of the listed 三调 codes and average that 0/1 mask onto
the grid (exact where the grids nest, as the demo's 3″ DEM in its 9″ land cover).

Memory: the work runs in row blocks (:mod:`.stream`): each rule's polygons are rasterised once into
row-sorted runs and partial cells, the land cover is read per block, and the minimum-area filter labels
patches per block and merges them across block edges. :func:`compute_exclusions` is that engine with one
block (or ``block_rows``) assembled into whole arrays, for callers that need them; the site.exclusions
job streams the blocks into its GeoTIFF instead, with memory bounded by a block whatever the grid's size.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ...core.feedback import Feedback, ensure
from ...core.messages import Notice
from .grid import Grid
from .rules import Condition, Rule, norm_code

MIN_AREA_ID = "min_area"
_EPS = 1e-9


@dataclass
class ExclusionResult:
    grid: Grid
    inclusion: np.ndarray  # float32 (height, width), 0 outside the unit
    bitmask: np.ndarray  # uint64 (height, width)
    inside: np.ndarray  # bool: the cell overlaps the unit
    table: list[dict[str, Any]] = field(default_factory=list)  # bit, id, effect, weight, document, clause…
    stats: list[dict[str, Any]] = field(default_factory=list)  # per rule: bit, id, cells, hectares, applied
    warnings: list[Notice] = field(default_factory=list)
    unit_hectares: float = 0.0
    included_hectares: float = 0.0

    def rule_bit(self, rule_id: str) -> int:
        return next(row["bit"] for row in self.table if row["id"] == rule_id)

    def hit(self, rule_id: str) -> np.ndarray:
        """Cells whose bitmask names ``rule_id``."""
        return (self.bitmask >> np.uint64(self.rule_bit(rule_id))) & np.uint64(1) == 1


def compute_exclusions(unit_geom, rules: list[Rule], layers: Mapping[str, Any], grid: Grid, *,
                       unit_crs: str = "EPSG:4490", unit_name: str = "", tech: str = "",
                       min_area_ha: float | None = None, contiguity: str = "queen",
                       feedback: Feedback | None = None, block_rows: int | None = None) -> ExclusionResult:
    """Apply ``rules`` (in order: rule ``i`` is bit ``i``) on ``grid`` over the unit ``unit_geom``.

    ``layers`` maps a role to its data: a GeoDataFrame, a ``LayerSource``-like object (``.path``,
    ``.layer``), a ``(path, layer)`` pair or, for the landcover raster, a path. A rule whose layer is not
    given, or whose field the layer lacks, is not applied: a warning names the rule, the layer and the
    field. Raises :class:`InputError` for a bad ``contiguity``. The arrays are computed in one block, or in
    blocks of ``block_rows`` rows (the same result, bit for bit).
    """
    from .stream import blocks_of, plan_exclusions, run_plan

    feedback = ensure(feedback)
    plan = plan_exclusions(unit_geom, rules, layers, grid, unit_crs=unit_crs, unit_name=unit_name, tech=tech,
                           min_area_ha=min_area_ha, contiguity=contiguity, feedback=feedback)
    blocks = [(0, grid.height)] if block_rows is None else blocks_of(grid, block_rows)
    out = run_plan(plan, blocks, memory=True, threads=1, feedback=feedback)
    feedback.progress(0.95, "totals")
    a = out.arrays
    return ExclusionResult(grid=grid, inclusion=a["inclusion"], bitmask=a["bitmask"], inside=a["inside"],
                           table=out.table, stats=out.stats, warnings=out.warnings,
                           unit_hectares=out.unit_hectares, included_hectares=out.included_hectares)


def _weight(rules: list[Rule], rule_id: str) -> float | None:
    return next((r.weight for r in rules if r.id == rule_id), None)


def _table_row(bit: int, rule: Rule) -> dict[str, Any]:
    return {"bit": bit, "id": rule.id, "effect": rule.effect, "weight": rule.weight, "layer": rule.layer,
            "document": rule.document, "clause_zh": rule.clause, "source": rule.citation.get("source", ""),
            "verified": rule.verified}


# -- rule helpers (used by the block engine, :mod:`.stream`) ------------------------------------------

def _where_from(source) -> tuple[str | None, str | None]:
    if hasattr(source, "path"):
        return str(source.path), getattr(source, "layer", None)
    if isinstance(source, tuple):
        return str(source[0]), source[1] if len(source) > 1 else None
    return None, None


def _matches(series, cond: Condition) -> np.ndarray:
    import pandas as pd

    if cond.values is not None or cond.not_values is not None:
        notnull = series.notna().to_numpy()
        wanted = set(cond.values if cond.values is not None else cond.not_values)
        # a layer repeats a few codes over many features: each distinct value is normalised once (keyed by its
        # type too, so 1, 1.0 and True are told apart exactly as norm_code tells them)
        known: dict = {}

        def member(v) -> bool:
            key = (v.__class__, v)
            try:
                return known[key]
            except (KeyError, TypeError):
                hit = (norm_code(v) if v is not None and v == v else "") in wanted
                try:
                    known[key] = hit
                except TypeError:  # an unhashable value: not kept
                    pass
                return hit

        hits = np.zeros(len(series), dtype=bool)  # a missing value matches nothing, as before
        present = series.to_numpy(dtype=object)[notnull]
        hits[notnull] = np.fromiter(map(member, present), dtype=bool, count=len(present))
        if cond.values is not None:
            return hits & notnull
        return ~hits & notnull
    num = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(num)
    if cond.min is not None:
        ok &= num >= cond.min
    if cond.max is not None:
        ok &= num <= cond.max
    return ok


def _vector_on_grid(source, grid: Grid, reach_m: float = 0.0):
    """The layer (GeoDataFrame or file) in the grid's CRS, cut to the grid's bounds (with a margin).

    A file is read only where its features can reach the grid: GDAL's spatial filter on the grid's bounds
    widened by ``reach_m`` metres (the rules' buffer) and a margin — every feature that meets the grid
    after its buffer is kept, in the file's order, so the rules see exactly what a whole-layer read gives
    them (features elsewhere in the province, which the clip to the grid drops, are not read at all)."""
    import geopandas as gpd

    if isinstance(source, gpd.GeoDataFrame):
        gdf = source
    else:
        from ...io.vectors import read_vector

        path, layer = _where_from(source) if not isinstance(source, (str, Path)) else (str(source), None)
        gdf = read_vector(path, layer=layer, bbox=_reach_box(grid, reach_m), bbox_crs=grid.crs)
    if gdf.crs is not None and not _same_crs(gdf.crs, grid.crs):
        minx, miny, maxx, maxy = _bounds_in(grid, gdf.crs)
        gdf = gdf.cx[minx:maxx, miny:maxy].to_crs(grid.crs)
    return gdf.reset_index(drop=True)


def _reach_box(grid: Grid, reach_m: float) -> tuple[float, float, float, float]:
    """The grid's bounds widened by ``reach_m`` metres — generously: 1.5× the distance, degrees of longitude
    at the box's highest latitude — and by 1 % of its size and two cells, in the grid's CRS."""
    import math

    from pyproj import CRS

    minx, miny, maxx, maxy = grid.bounds
    t = grid.transform
    pad_x = 0.01 * (maxx - minx) + 2 * abs(t.a)
    pad_y = 0.01 * (maxy - miny) + 2 * abs(t.e)
    reach = 1.5 * max(float(reach_m or 0.0), 0.0)
    crs = CRS.from_user_input(grid.crs)
    if crs.is_geographic:
        dy = reach / 110_000.0  # a degree of latitude is at least 110.57 km
        lat = min(89.0, max(abs(miny), abs(maxy)) + dy + pad_y)
        dx = min(360.0, reach / (110_000.0 * math.cos(math.radians(lat))))
        return (max(-180.0, minx - dx - pad_x), max(-90.0, miny - dy - pad_y),
                min(180.0, maxx + dx + pad_x), min(90.0, maxy + dy + pad_y))
    factor = crs.axis_info[0].unit_conversion_factor or 1.0 if crs.axis_info else 1.0
    d = reach / factor
    return minx - d - pad_x, miny - d - pad_y, maxx + d + pad_x, maxy + d + pad_y


def _bounds_in(grid: Grid, crs) -> tuple[float, float, float, float]:
    from pyproj import Transformer

    minx, miny, maxx, maxy = grid.bounds
    dx, dy = (maxx - minx) * 0.5 + 1e-6, (maxy - miny) * 0.5 + 1e-6  # margin for buffers
    tr = Transformer.from_crs(grid.crs, crs, always_xy=True)
    return tr.transform_bounds(minx - dx, miny - dy, maxx + dx, maxy + dy)


def _same_crs(a, b) -> bool:
    from pyproj import CRS

    return CRS.from_user_input(a) == CRS.from_user_input(b)


def _to_crs(geoms, src, dst):
    if _same_crs(src, dst):
        return list(geoms)
    import geopandas as gpd

    return list(gpd.GeoSeries(list(geoms), crs=src).to_crs(dst).values)


def _buffer_m(geoms, metres: float, grid: Grid, unit_g):
    """Buffers of ``metres``: in the grid's units when projected (metres), else in a local azimuthal
    equidistant projection centred on the unit (distances true to well under 1 % across a county)."""
    import geopandas as gpd
    from pyproj import CRS

    crs = CRS.from_user_input(grid.crs)
    if not crs.is_geographic:
        factor = crs.axis_info[0].unit_conversion_factor or 1.0
        return np.asarray(gpd.GeoSeries(geoms).buffer(metres / factor).values, dtype=object)
    c = unit_g.centroid
    local = CRS.from_proj4(f"+proj=aeqd +lat_0={c.y} +lon_0={c.x} +ellps=GRS80 +units=m")
    s = gpd.GeoSeries(geoms, crs=crs).to_crs(local).buffer(metres).to_crs(crs)
    return np.asarray(s.values, dtype=object)


def _class_values(codes) -> np.ndarray:
    """Raster values of 三调 codes (``layers/schemes/sandiao.yaml``: "0101" → 101, "05H1" → 591)."""
    by_code = _sandiao_values()
    out = []
    for code in codes:
        if code in by_code:
            out.append(by_code[code])
        elif code.isdigit():
            out.append(int(code))
    return np.asarray(out, dtype=np.int64)


@functools.lru_cache(maxsize=1)
def _sandiao_values() -> dict[str, int]:
    """The bundled 三调 scheme's raster value by code (read once: the file does not change while running)."""
    from ...core import yamlio
    from ...io.catalogue import layer_path

    scheme = yamlio.safe_load(layer_path("schemes", "sandiao.yaml").read_text(encoding="utf-8"))
    return {norm_code(c["code"]): int(c["value"]) for c in scheme["classes"]}


__all__ = ["ExclusionResult", "MIN_AREA_ID", "compute_exclusions"]
