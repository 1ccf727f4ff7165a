"""What the reservoirs flood: forest, stock, CO₂ (for ranking and for the figures), and the siting rules hit.

* For ranking (thousands of candidate pairs) the 小班 are read as the ledger reads them
  (:func:`sinkmap.analysis.ledger.prepare_layers`: same 地类, canopy and stock rules) and turned into three
  values per DEM cell — forest area (ha), forest stock (m³, 乔木林 counted by the ledger) and the CO₂ of the
  living stock (t) — by exact polygon coverage (:func:`sinkmap.analysis.zonal.rasterize.cover_index`), each
  小班's total spread over its area. Screening sums them per wall height; pairing interpolates them.
* The figures reported for the pairs kept are measured on the reservoir polygons by the siting impact engine
  (:func:`sinkmap.analysis.siting.impact.site_impacts`), exactly as ``site impact`` measures a site.
* Rules hit: the rules of technology ``phes`` (and ``all``) whose features (after their ``where`` and
  buffer) share area with a reservoir.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numba
import numpy as np

from ...core.crs import EQUAL_AREA_CRS
from ...core.feedback import Feedback, ensure
from ...core.messages import Notice
from .dem import Terrain


@numba.njit(cache=True, nogil=True)
def _paint(run_ptr, run_c0, run_c1, run_zone, part_ptr, part_col, part_zone, part_frac, values, cell_m2, w, out):
    """out[j, r·w + c] += values[j, zone] · covered m² of the cell, for every zone covering it."""
    h = run_ptr.shape[0] - 1
    nj = values.shape[0]
    for r in range(h):
        a = cell_m2[r]
        base = r * w
        for t in range(run_ptr[r], run_ptr[r + 1]):
            z = run_zone[t]
            for c in range(run_c0[t], run_c1[t] + 1):
                for j in range(nj):
                    out[j, base + c] += values[j, z] * a
        for t in range(part_ptr[r], part_ptr[r + 1]):
            z = part_zone[t]
            f = part_frac[t] * a
            for j in range(nj):
                out[j, base + part_col[t]] += values[j, z] * f


def impact_rasters(terrain: Terrain, prepared, feedback: Feedback | None = None) -> np.ndarray | None:
    """(3, cells) float32: forest ha, stock m³ and CO₂ t in each DEM cell, from the ledger's prepared forest
    layer (``PreparedLayers``); None without a forest layer."""
    feedback = ensure(feedback)
    spec = impact_spec(prepared, terrain.crs_wkt, terrain.transform, terrain.shape)
    if spec is None:
        return None
    out = paint_window(spec, terrain.transform, terrain.shape, terrain.area_ha)
    feedback.check()
    return out


def impact_spec(prepared, crs_wkt: str, transform, shape) -> tuple[np.ndarray, np.ndarray] | None:
    """The 小班 meeting the DEM's box (``transform``, ``shape``), in the DEM's CRS, with their forest ha,
    stock m³ and CO₂ t per m² of polygon: ``(geometries, values (3, n))``, what :func:`paint_window` draws on
    any window of the DEM (a tile's, on a Dask worker). None without a forest layer."""
    import geopandas as gpd
    import shapely

    from ..carbon import CO2_PER_C

    forest = getattr(prepared, "forest", None)
    if forest is None or len(forest.layer.geoms) == 0:
        return None
    geoms = forest.layer.geoms
    m2 = np.where(forest.layer.area_m2 > 0, forest.layer.area_m2, np.inf)
    area = np.where(forest.is_forest, forest.area_ha, 0.0) / m2
    stock = (np.where(forest.is_tree, np.nan_to_num(forest.stock), 0.0) / m2 if forest.stock is not None
             else np.zeros(len(geoms)))
    if forest.living is not None:
        carbon = np.nan_to_num(forest.living) * forest.carbon_per_m3
        if forest.bamboo_t_per_ha:
            carbon = carbon + np.where(forest.is_bamboo, forest.area_ha * forest.bamboo_t_per_ha, 0.0)
        co2 = carbon * CO2_PER_C / m2
    else:
        co2 = np.zeros(len(geoms))
    values = np.ascontiguousarray(np.vstack([area, stock, co2]))
    h, w = shape
    a, _, c, _, e, f = tuple(transform)[:6]
    box_dem = shapely.box(min(c, c + a * w), min(f, f + e * h), max(c, c + a * w), max(f, f + e * h))
    box_ea = gpd.GeoSeries([box_dem], crs=crs_wkt).to_crs(EQUAL_AREA_CRS).iloc[0]
    near = np.flatnonzero(shapely.intersects(geoms, box_ea))
    if near.size == 0:
        return np.zeros(0, object), np.zeros((3, 0))
    g = gpd.GeoSeries(geoms[near], crs=EQUAL_AREA_CRS).to_crs(crs_wkt).to_numpy()
    return g, np.ascontiguousarray(values[:, near])


def paint_window(spec: tuple[np.ndarray, np.ndarray], transform, shape, area_ha: np.ndarray) -> np.ndarray:
    """(3, cells) float32 of the window ``transform``/``shape`` (``area_ha`` per row) from :func:`impact_spec`:
    each polygon's values times the m² of each cell it covers (exact coverage)."""
    from ..zonal.rasterize import cover_index

    import shapely

    h, w = shape
    out = np.zeros((3, h * w), np.float32)
    geoms, values = spec
    if len(geoms):  # only the polygons meeting the window (a tile's, of a province's 小班)
        a, _, c, _, e, f = tuple(transform)[:6]
        near = np.flatnonzero(shapely.intersects(geoms, shapely.box(min(c, c + a * w), min(f, f + e * h),
                                                                    max(c, c + a * w), max(f, f + e * h))))
        geoms, values = geoms[near], np.ascontiguousarray(values[:, near])
    if len(geoms) == 0:
        return out
    ix = cover_index(geoms, transform, h, w)
    _paint(ix.run_ptr, ix.run_c0, ix.run_c1, ix.run_zone, ix.part_ptr, ix.part_col, ix.part_zone, ix.part_frac,
           values, np.asarray(area_ha, np.float64) * 1e4, w, out)
    return out


def rules_hit(polygons, rules, layers: Mapping[str, Any], crs) -> tuple[list[list[str]], list[Notice]]:
    """For each polygon (in ``crs``) the ids of the rules whose features share area with it, in rule order.
    ``layers``: role → GeoDataFrame (or None) for the vector rules; ``"landcover"`` → the land-cover raster's
    path for the raster rules, which hit a reservoir covering part of a cell of their 三调 classes (exact cell
    coverage on the raster's own grid, as ``site impact``:
    :class:`sinkmap.analysis.siting.rules_hit._Raster`). Rules on a layer not given are listed once in the
    notices."""
    import geopandas as gpd
    import shapely

    from ..siting.rules import RASTER_ROLES

    polys = gpd.GeoSeries(list(polygons), crs=crs).to_crs(EQUAL_AREA_CRS).to_numpy()
    hits: list[list[str]] = [[] for _ in polys]
    notices: list[Notice] = []
    on_raster = []
    for rule in rules:
        source = layers.get(rule.layer)
        if source is None:
            notices.append(Notice("analysis.siting.rule.no_layer", rule=rule.id, document=rule.document,
                                  role=rule.layer))
            continue
        if rule.layer in RASTER_ROLES:
            on_raster.append(rule)
            continue
        geoms, missing = _rule_geoms(rule, source)
        if missing is not None:
            notices.append(Notice("analysis.siting.rule.no_field", rule=rule.id, document=rule.document,
                                  role=rule.layer, column=missing, path="", layer="",
                                  fields=", ".join(str(c) for c in source.columns
                                                   if c != source.geometry.name)[:300]))
            continue
        if not len(geoms):
            continue
        bad = ~shapely.is_valid(geoms)
        geoms[bad] = shapely.make_valid(geoms[bad])
        tree = shapely.STRtree(geoms)
        for i, p in enumerate(polys):
            idx = tree.query(p, predicate="intersects")
            if idx.size and (shapely.area(shapely.intersection(geoms[idx], p)) > 0).any():
                hits[i].append(rule.id)
    if on_raster:
        from pathlib import Path

        from ..siting.rules_hit import _Raster

        src = layers["landcover"]
        raster = _Raster(Path(src.path if hasattr(src, "path") else src))
        try:
            for i, p in enumerate(polys):
                got = raster.hits(on_raster, p)
                hits[i] += [r.id for r in on_raster if got.get(r.id, 0.0) > 0.0]
        finally:
            raster.close()
        order = {r.id: k for k, r in enumerate(rules)}
        for h in hits:
            h.sort(key=order.__getitem__)
    return hits, notices


def _rule_geoms(rule, gdf):
    """The features of ``gdf`` a rule names (its ``where``), buffered; (geometries, missing field or None)."""
    import shapely

    from ..siting.exclusions import _matches

    missing = next((cond.field for cond in rule.where if cond.field not in gdf.columns), None)
    if missing is not None:
        return None, missing
    sel = np.ones(len(gdf), bool)
    for cond in rule.where:
        sel &= _matches(gdf[cond.field], cond)
    geoms = gdf.geometry[sel].to_crs(EQUAL_AREA_CRS).to_numpy()
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if rule.buffer_m and len(geoms):
        geoms = shapely.buffer(geoms, float(rule.buffer_m))
    return geoms, None


def exclusion_mask(terrain: Terrain, rules, layers: Mapping[str, Any]) -> tuple[np.ndarray, list[str], list[Notice]]:
    """Cells (centre inside) of the features of the ``exclude`` rules, as the reference's filter masks: no
    reservoir may flood them. Returns (mask, ids of the rules applied, notices for those that could not be)."""
    geoms, used, notices = exclusion_geoms(rules, layers, terrain.crs_wkt)
    return rasterize_mask(geoms, terrain.transform, terrain.shape), used, notices


def exclusion_geoms(rules, layers: Mapping[str, Any], crs_wkt: str) -> tuple[list, list[str], list[Notice]]:
    """The features of the ``exclude`` rules in the DEM's CRS (what :func:`rasterize_mask` draws on any window),
    the ids of the rules applied and notices for those that could not be."""
    import geopandas as gpd

    from ..siting.rules import RASTER_ROLES

    out: list = []
    used: list[str] = []
    notices: list[Notice] = []
    for rule in rules:
        if rule.effect != "exclude":
            continue
        gdf = layers.get(rule.layer)
        if rule.layer in RASTER_ROLES and gdf is not None:
            notices.append(Notice("analysis.phes.raster_rule_not_masked", rule=rule.id, document=rule.document))
            continue
        if gdf is None:
            notices.append(Notice("analysis.siting.rule.no_layer", rule=rule.id, document=rule.document,
                                  role=rule.layer))
            continue
        geoms, missing = _rule_geoms(rule, gdf)
        if missing is not None:
            notices.append(Notice("analysis.siting.rule.no_field", rule=rule.id, document=rule.document,
                                  role=rule.layer, column=missing, path="", layer="",
                                  fields=", ".join(str(c) for c in gdf.columns if c != gdf.geometry.name)[:300]))
            continue
        used.append(rule.id)
        if not len(geoms):
            continue
        g = gpd.GeoSeries(geoms, crs=EQUAL_AREA_CRS).to_crs(crs_wkt)
        out += [x for x in g if x is not None and not x.is_empty]
    return out, used, notices


def rasterize_mask(geoms: list, transform, shape) -> np.ndarray:
    """Cells of ``shape`` (grid ``transform``) whose centre lies in one of ``geoms``."""
    from rasterio.features import rasterize

    if not geoms:
        return np.zeros(shape, bool)
    return rasterize(((x, 1) for x in geoms), out_shape=shape, transform=transform, fill=0,
                     dtype="uint8").astype(bool)


__all__ = ["exclusion_geoms", "exclusion_mask", "impact_rasters", "impact_spec", "paint_window", "rasterize_mask",
           "rules_hit"]
