"""The sink ledger from rasters: land-cover classes → forest coverage and wetland area; stock density → stock.

Rows carry the same keys as the vector ledger (:mod:`sinkmap.analysis.ledger`) plus ``class_areas_ha``
({scheme code: ha}), ``nodata_area_ha`` and ``unclassified`` ({raster value: ha}). Per leaf unit (county,
zone, any polygon) the zonal engine gives exact, ellipsoidal, boundary-weighted areas
(:mod:`sinkmap.analysis.zonal.stats`); city and province rows are the sums of their children when those cover
the parent (ratios recomputed from the sums, never averaged), otherwise they are computed directly.

Definitions (DOMAIN.md §2):

* ``land_area_km2``: the zone's area the land-cover raster observes (all cells that are not nodata);
  nodata is reported in ``nodata_area_ha`` and warned about. No observation at all → None.
* forest: classes for which ``Scheme.is_forest`` holds (乔木林地, 竹林地, mangroves; 灌木林地 only with
  ``include_special_shrub``); wetland: ``Scheme.is_wetland`` (with open water under the broad definition).
* ``protected_wetland_area_ha``: wetland inside the dissolved protected areas (``protected``), computed in
  the same raster pass as extra zones (zone ∩ protected); without protected areas it is None.
* ``forest_stock_10k_m3``: Σ density (m³/ha) × cell area (ha) / 10⁴ over the zone from ``stock_raster``;
  ``carbon_t`` from that stock with the carbon table's default forest type (a raster has no species).
* ``living_tree_stock_10k_m3``: not measurable from these rasters → None.

This module imports the numba engine lazily, so importing it costs nothing at CLI/GUI start-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core.units import ha_to_km2, m3_to_10k_m3
from ..core.crs import STORAGE_CRS
from ..core.errors import InputError
from ..core.feedback import Feedback, SubFeedback, ensure
from .ledger_core import ADDITIVE_KEYS, ROLLUP_BASIS, ROW_KEYS, add_ratios, plan_rollup, roll_up, to_crs, unit_frame

__all__ = ["RasterLedgerOptions", "RasterLedgerResult", "raster_ledger", "ROW_KEYS"]

_ADDITIVE = ADDITIVE_KEYS + ("nodata_area_ha",)  # the vector ledger's sums, plus the raster's nodata
_ROW_KEYS = ROW_KEYS + ("class_areas_ha", "nodata_area_ha", "unclassified")


@dataclass
class RasterLedgerOptions:
    include_special_shrub: bool = True  # 灌木林地 counts as forest (国家特别规定灌木林地), as the vector ledger
    wetland_includes_water: bool = True  # rivers, lakes, reservoirs are wetland (broad definition)
    band: int = 1
    stock_band: int = 1
    protected: object | None = None  # GeoDataFrame of protected areas (自然保护地), any CRS
    chunking: object | None = None  # sinkmap.analysis.zonal.Chunking


@dataclass
class RasterLedgerResult:
    """The vector ledger's result (:class:`sinkmap.analysis.ledger.LedgerResult`: rows, warnings, basis,
    year) plus the zonal passes it came from. Not a subclass, so the raster ledger does not import the
    vector ledger (geopandas)."""

    rows: list[dict]
    warnings: list = field(default_factory=list)
    basis: dict[str, str] = field(default_factory=dict)
    year: int | None = None
    zonal: object | None = None  # ZonalResult of the land cover (leaf zones, then protected intersections)
    stock: object | None = None  # ZonalSumResult of the stock raster

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame([{k: r.get(k) for k in ROW_KEYS} for r in self.rows], columns=list(ROW_KEYS))


def _protected_zones(z, direct: list[int], protected):
    """zone ∩ dissolved protected areas, one per direct unit (empty where none)."""
    import geopandas as gpd
    import shapely

    prot = to_crs(protected, z.crs, "protected").make_valid().values
    union = shapely.union_all(np.asarray(prot))  # dissolved: overlapping protected areas count once
    geoms = shapely.intersection(np.asarray(z.geometry.values[direct]), union)
    return gpd.GeoDataFrame({"name": [f"{z.at[i, 'name']} ∩ protected" for i in direct]}, geometry=geoms,
                            crs=z.crs)


def raster_ledger(zones, *, landcover: str | Path | None = None, scheme: str = "sandiao",
                  stock_raster: str | Path | None = None, year: int | None = None,
                  options: RasterLedgerOptions | None = None, feedback: Feedback | None = None,
                  client=None, units: dict | None = None) -> RasterLedgerResult:
    """The ledger of every unit in ``zones`` (GeoDataFrame: name, adcode, level, parent, geometry).

    ``landcover``: a categorical raster in ``scheme`` (name or YAML path); ``stock_raster``: forest stock
    density in m³/ha. ``client``: a dask.distributed Client to run the raster passes on.

    ``zones=None`` with ``units`` (``{"province"|"city"|"county": name}``, as for
    :func:`sinkmap.io.boundaries.load_units`): the bundled boundaries of that selection, their cover of
    each raster's grid kept in sinkmap's cache (:mod:`sinkmap.analysis.zonal.gridcache`), so a later run on
    a raster of the same grid loads neither the polygons nor geopandas. Same rows as with ``zones`` =
    ``load_units(**units)``.
    """
    from ..io.schemes import load_scheme

    feedback = ensure(feedback)
    options = options or RasterLedgerOptions()
    if landcover is None and stock_raster is None:
        raise InputError(code="analysis.ledger.no_raster")
    if zones is None and options.protected is not None:
        raise ValueError("protected areas need the zones' polygons: pass zones")
    sch = load_scheme(scheme) if landcover is not None else None
    span_lc = (0.0, 0.8 if stock_raster is not None else 1.0)
    lc_fb, st_fb = SubFeedback(feedback, *span_lc), SubFeedback(feedback, span_lc[1], 1.0)
    if zones is None:
        return _units_ledger(units or {}, landcover, sch, stock_raster, year, options, lc_fb, st_fb, feedback,
                             client)
    z = unit_frame(zones)
    warnings: list = []
    areas = _unit_areas(z)
    direct, rollup = plan_rollup(z, areas, warnings.append)
    for w in warnings:
        feedback.warn(w)
    leaves = z.iloc[direct]
    cols = {c: [z.at[i, c] for i in range(len(z))] for c in _IDENTITY}
    zonal = stock = None
    if landcover is not None:
        targets = leaves
        if options.protected is not None:
            import pandas as pd

            targets = pd.concat([leaves[["name", "geometry"]], _protected_zones(z, direct, options.protected)],
                                ignore_index=True)
        zonal = zonal_class_areas(landcover, targets, sch, band=options.band, client=client, chunking=options.chunking,
                                  feedback=lc_fb)
    if stock_raster is not None:
        stock = zonal_sum(stock_raster, leaves, band=options.stock_band, client=client, chunking=options.chunking,
                          feedback=st_fb, nonnegative=True)
    return _rows(cols, direct, rollup, warnings, zonal, stock, sch, options, year, feedback)


_IDENTITY = ("name", "adcode", "level", "parent")


def zonal_class_areas(*args, **kwargs):
    from .zonal.stats import zonal_class_areas

    return zonal_class_areas(*args, **kwargs)


def zonal_sum(*args, **kwargs):
    from .zonal.stats import zonal_sum

    return zonal_sum(*args, **kwargs)


def _unit_areas(z) -> np.ndarray:
    from .zonal.grid import ellipsoidal_areas_m2

    return ellipsoidal_areas_m2(to_crs(z, STORAGE_CRS, "units").values)


def _rows(cols: dict, direct: list[int], rollup: dict, warnings: list, zonal, stock, sch, options, year,
          feedback: Feedback) -> RasterLedgerResult:
    """The ledger rows from the zonal results of the ``direct`` units (and the roll-up of the others)."""
    n = len(cols["name"])
    rows: dict[int, dict] = {i: {k: None for k in _ADDITIVE} for i in range(n)}
    basis: dict[str, str] = {}
    if zonal is not None:
        _fill_landcover(rows, direct, zonal, sch, options, basis)
    if stock is not None:
        _fill_stock(rows, direct, stock, basis, feedback)
    frame = {c: np.array(cols[c], dtype=object) for c in ("level", "name", "adcode", "parent")}
    roll_up(frame, rows, rollup, _ADDITIVE, extra=_sum_classes)
    if rollup:
        basis["rollup"] = ROLLUP_BASIS
    out = []
    for i in range(n):
        row = add_ratios(dict(rows[i]), via_hectares=True)
        row.update({c: cols[c][i] for c in _IDENTITY})  # as ledger_core.unit_row
        out.append({k: row.get(k) for k in _ROW_KEYS})
    msgs = warnings + (zonal.warnings if zonal is not None else []) + (stock.warnings if stock is not None else [])
    return RasterLedgerResult(rows=out, warnings=msgs, basis=basis, year=year, zonal=zonal, stock=stock)


def _units_ledger(units: dict, landcover, sch, stock_raster, year, options: RasterLedgerOptions, lc_fb, st_fb,
                  feedback: Feedback, client) -> RasterLedgerResult:
    """:func:`raster_ledger` of bundled boundary units, their cover of each raster grid from the cache."""
    from ..io.rasters import open_raster

    zonal = stock = None
    plan = None
    if landcover is not None:
        grid, plan = _units_grid(units, open_raster(landcover, band=options.band), lc_fb)
        zonal = zonal_class_areas(landcover, None, sch, band=options.band, client=client, chunking=options.chunking,
                                  feedback=lc_fb, grid=grid)
    if stock_raster is not None:
        grid, plan = _units_grid(units, open_raster(stock_raster, band=options.stock_band), st_fb)
        stock = zonal_sum(stock_raster, None, band=options.stock_band, client=client, chunking=options.chunking,
                          feedback=st_fb, nonnegative=True, grid=grid)
    cols, direct, rollup, warnings = plan
    for w in warnings:
        feedback.warn(w)
    return _rows(cols, direct, rollup, list(warnings), zonal, stock, sch, options, year, feedback)


def _units_key(units: dict) -> dict:
    """What a unit selection's cover depends on besides the grid: the boundaries' version and the units."""
    from ..io.boundaries import cache_path, resolve_unit

    chosen = {k: v for k, v in units.items() if v is not None}
    return {"boundaries": cache_path().name,
            "units": {k: resolve_unit(v).adcode for k, v in sorted(chosen.items())}}


def _units_grid(units: dict, info, feedback: Feedback):
    """(ZoneGrid of the direct units on the grid of ``info``, (identity columns, direct, roll-up, plan
    warnings)): from the cache, else computed from the polygons and stored."""
    from .zonal import gridcache

    key = _units_key(units)
    path = gridcache.entry_path("units", info, key)
    hit = gridcache.load_grid(path, info, key)
    if hit is not None:
        grid, extra, warnings = hit
        rollup = {int(k): [int(j) for j in v] for k, v in extra["rollup"]}
        return grid, (extra["cols"], [int(i) for i in extra["direct"]], rollup, warnings)
    from ..io.boundaries import load_units, unit_arrays
    from .zonal.grid import ellipsoidal_areas_m2, prepare_lonlat_zones, prepare_zones

    warnings: list = []
    lean = unit_arrays(**units)  # no geopandas: the units' columns and polygons (EPSG:4490)
    if lean is not None:
        cols = {c: list(getattr(lean, c)) for c in _IDENTITY}
        areas = ellipsoidal_areas_m2(lean.geometry)  # each polygon's own: the direct units' are theirs
        direct, rollup = plan_rollup({c: np.array(v, dtype=object) for c, v in cols.items()}, areas, warnings.append)
        grid = prepare_lonlat_zones(info, lean.geometry[direct], [{c: cols[c][i] for c in _IDENTITY} for i in direct],
                                    SubFeedback(feedback, 0.0, 0.05), areas_m2=areas[direct])
    if lean is None or grid is None:  # a zone, or a raster in another CRS: through geopandas
        z = unit_frame(load_units(**units))
        warnings = []
        direct, rollup = plan_rollup(z, _unit_areas(z), warnings.append)
        cols = {c: [_plain(z.at[i, c]) for i in range(len(z))] for c in _IDENTITY}
        grid = prepare_zones(info, z.iloc[direct], SubFeedback(feedback, 0.0, 0.05))
    extra = {"cols": cols, "direct": [int(i) for i in direct],
             "rollup": [[int(k), [int(j) for j in v]] for k, v in rollup.items()]}
    gridcache.save_grid(path, info, key, grid, extra, warnings)
    return grid, (cols, [int(i) for i in direct], rollup, warnings)


def _plain(v):
    """A label as JSON keeps it (numpy scalars as Python's)."""
    return v.item() if isinstance(v, np.generic) else v


def _fill_landcover(rows, direct, zonal, sch, options: RasterLedgerOptions, basis) -> None:
    forest = np.array([sch.is_forest(c, options.include_special_shrub) for c in sch.classes])
    wet = np.array([sch.is_wetland(c, options.wetland_includes_water) for c in sch.classes])
    n = len(direct)
    unclassified = sum(zonal.unclassified.values()) if zonal.unclassified else np.zeros(len(zonal.labels))
    for k, i in enumerate(direct):
        observed = zonal.class_area_ha[k].sum() + unclassified[k]
        row = rows[i]
        row["class_areas_ha"] = {c: float(zonal.class_area_ha[k, j]) for j, c in enumerate(zonal.codes)}
        row["nodata_area_ha"] = float(zonal.nodata_ha[k])
        row["unclassified"] = {key: float(v[k]) for key, v in zonal.unclassified.items() if v[k] > 0}
        if observed <= 0:
            continue  # nodata everywhere: ratios stay None
        row["land_area_km2"] = ha_to_km2(float(observed))
        row["forest_area_ha"] = float(zonal.class_area_ha[k, forest].sum())
        row["wetland_area_ha"] = float(zonal.class_area_ha[k, wet].sum())
        if options.protected is not None:
            row["protected_wetland_area_ha"] = float(zonal.class_area_ha[n + k, wet].sum())
    forest_names = "、".join(c.name_zh for c, f in zip(sch.classes, forest) if f)
    basis["forest_area_ha"] = f"land-cover raster ({sch.name}): {forest_names}; exact boundary fractions, ellipsoidal"
    basis["wetland_area_ha"] = (f"land-cover raster ({sch.name}): "
                                + "、".join(c.name_zh for c, w in zip(sch.classes, wet) if w))
    basis["land_area_km2"] = "area of the zone observed by the land-cover raster (nodata excluded)"


def _fill_stock(rows, direct, stock, basis, feedback: Feedback) -> None:
    from .carbon import co2_from_carbon, carbon_from_stock, load_carbon_factors

    table = load_carbon_factors()
    for k, i in enumerate(direct):
        if stock.valid_ha[k] <= 0:
            continue
        m3 = float(stock.value_x_ha[k])
        rows[i]["forest_stock_10k_m3"] = m3_to_10k_m3(m3)
        carbon = float(carbon_from_stock(m3, table.default_type, table, feedback)[0])
        rows[i]["carbon_t"] = carbon
        rows[i]["co2_t"] = float(co2_from_carbon(carbon))
    basis["forest_stock_10k_m3"] = "stock-density raster (m³/ha) × ellipsoidal cell area, boundary-weighted"
    basis["carbon_t"] = f"stock × carbon factors of the default forest type {table.default_type} (raster: no species)"


def _sum_classes(kids: list[dict]) -> dict:
    """The per-class and unclassified areas of a rolled-up unit: sums of its children's."""
    out: dict = {}
    if all(r.get("class_areas_ha") is not None for r in kids):
        out["class_areas_ha"] = {c: sum(r["class_areas_ha"][c] for r in kids) for c in kids[0]["class_areas_ha"]}
        un: dict = {}
        for r in kids:
            for key, v in r.get("unclassified", {}).items():
                un[key] = un.get(key, 0.0) + v
        out["unclassified"] = un
    return out
