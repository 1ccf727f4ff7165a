"""The vector sink ledger: forest coverage, stock, wetland protection and carbon per county / zone / city.

GeoDataFrames in (units from ``sinkmap.io.boundaries``, layers from ``sinkmap.io.vectors``), a table out.
Every leaf unit (county, zone, or any user polygon) is computed on its own — zones may overlap counties —
by clipping the layers to it in the equal-area CRS: features wholly inside a unit are counted whole, only the
features on its edge are intersected (shapely 2 array operations over an STRtree query), which keeps a city's
100,000 subcompartments to seconds. City and province rows are sums of their children present in ``zones``
with ratios recomputed from the sums (never averaged percentages); without (complete) children they are
computed directly. A value the inputs cannot give is None, never 0.

Protected wetland (wetland ∩ union of the protected areas) is measured per wetland feature against only the
protected polygons it meets (``sinkmap.analysis.overlay``), never with one union of the whole protected layer.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import STRtree
from shapely.geometry import box

from ..core.crs import EQUAL_AREA_CRS, M2_PER_HA, M2_PER_KM2, STORAGE_CRS
from ..core.units import m3_to_10k_m3
from ..core.errors import FieldError, InputError
from ..core.feedback import Feedback, ensure
from ..core.messages import Notice
from ..io.schemes import load_scheme
from .carbon import CO2_PER_C, CarbonTable, describe_unknown, load_carbon_factors
from .fieldmap import AREA_UNITS, FieldMapping, classify_codes, detect_mapping, detect_scheme, parse_numbers
from .ledger_core import (ADDITIVE_KEYS, ROLLUP_BASIS, ROLLUP_CHILD, ROLLUP_MIN_COVER, ROW_KEYS,  # noqa: F401
                          add_ratios, plan_rollup, roll_up, to_crs, unit_frame, unit_row)
from .overlay import ProtectedParts



@dataclass
class LedgerOptions:
    year: int
    include_special_shrub: bool = True  # count 国家特别规定灌木林地 (or all 灌木林地 where the scheme cannot tell)
    min_canopy: float = 0.2  # 乔木林 below this canopy (where known) is not forest
    wetland_includes_water: bool = True  # rivers, lakes, reservoirs count as wetland (broad definition)
    area_source: str = "geometry"  # 'geometry' (ellipsoidal) or 'field' (the layer's area field, clipped share)
    strict_numbers: bool = True  # non-numbers in numeric fields are an error (False: missing, with a warning)


@dataclass
class LedgerInputs:
    forest: gpd.GeoDataFrame | None = None
    wetland: gpd.GeoDataFrame | None = None
    protected: gpd.GeoDataFrame | None = None
    forest_mapping: FieldMapping | None = None
    wetland_mapping: FieldMapping | None = None
    forest_scheme: str | None = None  # scheme name/path; None = detected from the land-class values
    wetland_scheme: str | None = None
    forest_name: str | None = None  # labels for messages (file / layer)
    wetland_name: str | None = None
    protected_name: str | None = None
    carbon_table: CarbonTable | None = None
    #: role ('forest', 'wetland', 'protected') -> bool per row of that layer: invalid in the equal-area CRS, as
    #: a cache of prepared layers knows it (:mod:`sinkmap.io.vector_cache`); absent: checked here
    known_invalid: dict[str, np.ndarray] = field(default_factory=dict)
    #: role -> the layer's cache token, and the memo of what was measured with the layers so named
    #: (:class:`sinkmap.io.vector_cache.ClipMemo`): clipped areas reused as they are, not computed again
    layer_tokens: dict[str, str] = field(default_factory=dict)
    clip_memo: Any = None


@dataclass
class LedgerResult:
    rows: list[dict]
    warnings: list[Notice] = field(default_factory=list)  # str() of each is its English text
    basis: dict[str, str] = field(default_factory=dict)
    year: int | None = None

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{k: r.get(k) for k in ROW_KEYS} for r in self.rows], columns=list(ROW_KEYS))


class LedgerLog:
    """Warnings go both to the result and to the caller's feedback, once each."""

    def __init__(self, feedback: Feedback) -> None:
        self.feedback = feedback
        self.messages: list[Notice] = []

    def warn(self, message: Notice) -> None:
        if message not in self.messages:
            self.messages.append(message)
            self.feedback.warn(message)


# --------------------------------------------------------------------------------------------------------------
# layers, projected once


@dataclass
class _Layer:
    label: str
    rows: np.ndarray  # positions in the input frame of the kept features
    geoms: np.ndarray  # equal-area geometries, valid
    area_m2: np.ndarray
    tree: STRtree
    memo: Any = None  # a ClipMemo, with ``memo_key`` naming these geometries in it
    memo_key: str | None = None


def _with_memo(layer: _Layer, inputs: LedgerInputs, role: str) -> _Layer:
    """``layer`` keyed in the inputs' clip memo (by its cache token and the features kept), when both exist."""
    token = inputs.layer_tokens.get(role)
    if inputs.clip_memo is not None and token:
        layer.memo = inputs.clip_memo
        layer.memo_key = inputs.clip_memo.layer_key(role, token, np.ascontiguousarray(layer.rows).tobytes())
    return layer


def _project(gdf: gpd.GeoDataFrame, label: str) -> np.ndarray:
    return to_crs(gdf, EQUAL_AREA_CRS, label).to_numpy()


def _known_invalid(inputs: LedgerInputs, role: str, n: int) -> np.ndarray | None:
    known = inputs.known_invalid.get(role)
    return known if known is not None and len(known) == n else None


def _prepare_layer(geoms_all: np.ndarray, label: str, log: LedgerLog,
                   invalid_all: np.ndarray | None = None) -> _Layer:
    """``invalid_all``: which of ``geoms_all`` are invalid, when already known (else checked here)."""
    present = ~(shapely.is_missing(geoms_all) | shapely.is_empty(geoms_all))
    if not present.all():
        log.warn(Notice("analysis.ledger.no_geometry", label=label, n=int((~present).sum())))
    rows = np.flatnonzero(present)
    geoms = geoms_all[rows]
    invalid = ~shapely.is_valid(geoms) if invalid_all is None else np.asarray(invalid_all, bool)[rows]
    if invalid.any():
        geoms = geoms.copy()
        geoms[invalid] = shapely.make_valid(geoms[invalid])
        log.warn(Notice("analysis.ledger.repaired", label=label, n=int(invalid.sum())))
    return _Layer(label=label, rows=rows, geoms=geoms, area_m2=shapely.area(geoms), tree=STRtree(geoms))


def _clip(layer: _Layer, unit, unit_key: bytes | None = None):
    """(positions in the layer, clipped area m², positions in the first array of the features crossing the
    unit's border) of the features meeting ``unit`` — from the layer's memo when it has them for ``unit_key``
    (a digest of the unit's WKB), else measured (and kept there)."""
    if layer.memo is not None and unit_key is not None:
        got = layer.memo.get(layer.memo_key, unit_key)
        if got is None:
            got = _clip(layer, unit)
            layer.memo.put(layer.memo_key, unit_key, got)
        idx, area, edge = got
        return idx.copy(), area.copy(), edge.copy()
    idx = layer.tree.query(unit, predicate="intersects")
    sub = layer.geoms[idx]
    inside = shapely.contains_properly(unit, sub)
    area = layer.area_m2[idx].copy()
    edge = np.flatnonzero(~inside)
    if edge.size:
        area[edge] = shapely.area(shapely.intersection(sub[edge], unit))
    return idx, area, edge


def _lonlat_extent(bounds) -> str:
    x0, y0, x1, y1 = gpd.GeoSeries([box(*bounds)], crs=EQUAL_AREA_CRS).to_crs(STORAGE_CRS).total_bounds
    return f"lon {x0:.4f}–{x1:.4f}, lat {y0:.4f}–{y1:.4f}"


def _check_overlap(layer: _Layer, units: np.ndarray, names: list[str]) -> None:
    if layer.geoms.size and layer.tree.query(units, predicate="intersects").size:
        return
    where = "、".join(names[:5]) + (f" (+{len(names) - 5})" if len(names) > 5 else "")
    extent = _lonlat_extent(shapely.total_bounds(layer.geoms)) if layer.geoms.size else "—"
    raise InputError(code="analysis.ledger.no_overlap", layer=layer.label, label=layer.label, units=where,
                     extent=extent, units_extent=_lonlat_extent(shapely.total_bounds(units)))


# --------------------------------------------------------------------------------------------------------------
# forest


@dataclass
class _Forest:
    layer: _Layer
    area_ha: np.ndarray  # whole-feature area per area_source
    is_forest: np.ndarray
    is_tree: np.ndarray  # 乔木林 counted (canopy ok): its stock is 森林蓄积量
    is_bamboo: np.ndarray
    stock: np.ndarray | None  # m³ per whole feature (NaN: no value)
    living: np.ndarray | None
    carbon_per_m3: np.ndarray
    bamboo_t_per_ha: float | None = None  # bamboo carbon per ha, when the factor table has one
    mapping: FieldMapping | None = None  # the field mapping used (detected or given)
    scheme: str | None = None  # the land-class scheme used (detected or given)


def _per_class(classes: pd.Series, fn, dtype) -> np.ndarray:
    """``fn(c)`` for the class ``c`` of every row, evaluated once per distinct class object (a layer of 10⁵
    features has a few dozen): the classes are the scheme's own objects, so equal ones are the same object."""
    values = classes.to_numpy(dtype=object)
    ids = np.fromiter(map(id, values), dtype=np.uintp, count=len(values))
    _, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
    return np.array([fn(values[i]) for i in first], dtype=dtype)[np.ravel(inverse)] if len(values) else \
        np.zeros(0, dtype=dtype)


def _prepare_forest(gdf, inputs: LedgerInputs, options: LedgerOptions, log: LedgerLog,
                    basis: dict[str, str]) -> _Forest:
    label = inputs.forest_name or "森林资源小班"
    gdf = gdf.reset_index(drop=True)
    geoms_all = _project(gdf, label)
    geom_ha_all = np.nan_to_num(shapely.area(geoms_all), nan=0.0) / M2_PER_HA
    mapping = inputs.forest_mapping or detect_mapping(gdf, "forest", layer=label, feedback=log,
                                                      geometry_ha=geom_ha_all)
    layer = _with_memo(_prepare_layer(geoms_all, label, log, _known_invalid(inputs, "forest", len(gdf))), inputs,
                       "forest")
    attrs = gdf.iloc[layer.rows].reset_index(drop=True)
    n = len(attrs)

    def numbers(key: str) -> np.ndarray | None:
        col = mapping.get(key)
        if col is None:
            return None
        return parse_numbers(attrs[col], layer=label, field_name=col, strict=options.strict_numbers, feedback=log)

    land_col = mapping.get("land_class")
    if land_col is None:
        raise FieldError(code="analysis.ledger.no_land_class", layer=label,
                         fields=", ".join(str(c) for c in gdf.columns if c != gdf.geometry.name))
    if inputs.forest_scheme:
        scheme = load_scheme(inputs.forest_scheme)
    else:
        name, share = detect_scheme(attrs[land_col])
        scheme = load_scheme(name)
        if share < 0.5:
            log.warn(Notice("analysis.ledger.scheme_unsure", label=label, share=f"{share:.0%}", column=land_col,
                            scheme=scheme.title_zh))
    classes = classify_codes(attrs[land_col], scheme)
    unknown = classes.isna()
    if unknown.any():
        codes = attrs[land_col][unknown].astype(object).map(lambda v: "(空)" if pd.isna(v) else str(v))
        log.warn(Notice("analysis.ledger.unknown_land_class", label=label, n=int(unknown.sum()), column=land_col,
                        scheme=scheme.name, codes=describe_unknown(codes.value_counts().to_dict())))
    groups = _per_class(classes, lambda c: None if c is None else c.group, object)
    treelike = _per_class(classes, lambda c: c is not None and (c.group == "tree_forest" or c.tree_forest), bool)
    counted = _per_class(classes, lambda c: c is not None and scheme.is_forest(c, options.include_special_shrub), bool)
    canopy = numbers("canopy")
    if canopy is not None and np.nanmax(canopy, initial=0.0) > 1.0:
        log.warn(Notice("analysis.ledger.canopy_percent", label=label, column=mapping.get("canopy")))
        canopy = canopy / 100.0
    canopy_ok = np.ones(n, bool) if canopy is None else (np.isnan(canopy) | (canopy >= options.min_canopy))
    is_tree = treelike & canopy_ok
    is_forest = counted & (~treelike | canopy_ok)

    area_ha = layer.area_m2 / M2_PER_HA
    area_note = "ellipsoidal geometry area (Albers equal-area, CGCS2000)"
    if options.area_source == "field":
        col = mapping.get("area")
        if col is None:
            raise FieldError(code="analysis.ledger.no_area_field", layer=label)
        if mapping.area_unit is None:
            log.warn(Notice("analysis.ledger.area_unit_unknown", label=label, column=col))
        else:
            values = numbers("area") * AREA_UNITS[mapping.area_unit]
            missing = np.isnan(values)
            if missing.any():
                log.warn(Notice("analysis.ledger.area_missing", label=label, n=int(missing.sum()), column=col))
            area_ha = np.where(missing, area_ha, values)
            area_note = f"area field {col} in {mapping.area_unit}, split by the clipped share of each geometry"
    basis["area"] = f"land area: ellipsoidal (Albers equal-area, CGCS2000); forest areas: {area_note}"

    stock, stock_note = None, None
    per_ha, total = numbers("stock_per_ha"), numbers("stock")
    if per_ha is not None:
        stock, stock_note = per_ha * area_ha, f"{mapping.get('stock_per_ha')} (m³/ha) × area"
    elif total is not None:
        stock, stock_note = total, f"{mapping.get('stock')} (m³ per subcompartment) × clipped share"
    else:
        log.warn(Notice("analysis.ledger.no_stock_field", label=label))
    living = stock
    living_per_ha = numbers("living_stock_per_ha")
    if living_per_ha is not None:
        living = living_per_ha * area_ha
        stock_note = (stock_note or "") + f"; 活立木 from {mapping.get('living_stock_per_ha')} (m³/ha) × area"
    if stock is not None:
        no_value = is_tree & np.isnan(stock)
        if no_value.any():
            log.warn(Notice("analysis.ledger.tree_no_stock", label=label, n=int(no_value.sum())))

    table = inputs.carbon_table or load_carbon_factors()
    species_col = mapping.get("species")
    species = attrs[species_col] if species_col else pd.Series([None] * n, dtype=object)
    has_stock = np.zeros(n, bool) if living is None else np.nan_to_num(living) > 0
    res = table.resolve(species)
    defaulted = int((has_stock & res.defaulted).sum())
    if defaulted:
        if species_col:
            counted = species[has_stock & res.defaulted].fillna("(空)").astype(str).value_counts()
            log.warn(Notice("analysis.ledger.species_unknown", label=label, n=defaulted,
                            species=describe_unknown({str(k): int(v) for k, v in counted.items()}),
                            default=table.default_type, table=str(table.path)))
        else:
            log.warn(Notice("analysis.ledger.no_species_field", label=label, n=defaulted,
                            default=table.default_type))

    basis["forest_coverage_pct"] = (
        f"森林覆盖率 = forest area / land area; forest = {scheme.title_zh} classes counted as forest "
        f"(乔木林 with canopy ≥ {options.min_canopy:g} where known, 竹林"
        + (", 国家特别规定灌木林地" if options.include_special_shrub else "") + f") from field {land_col}"
        + ("; 灌木林地 counted in full (this scheme cannot tell 国家特别规定灌木林地 apart)"
           if options.include_special_shrub and not scheme.distinguishes_special_shrub
           and any(c.group == "shrub" for c in scheme.classes) else ""))
    if stock_note:
        basis["forest_stock_10k_m3"] = f"森林蓄积量: 乔木林 only, {stock_note}"
        basis["living_tree_stock_10k_m3"] = ("活立木总蓄积量: stock of every feature of the layer (乔木林, 疏林, "
                                            "散生…); 四旁树 only if the layer holds them")
        bamboo = ("竹林 excluded (stock in 株, no per-hectare factor)" if table.bamboo_carbon_t_per_ha is None
                  else f"竹林 at {table.bamboo_carbon_t_per_ha:g} t C/ha ({table.bamboo_source})")
        unverified = sum(not f.verified for f in table.factors.values())
        basis["carbon_t"] = (f"tree biomass carbon = 活立木 stock × SVD × BEF × (1+R) × CF per species "
                             f"({table.path}; {unverified} of {len(table.factors)} factor rows not verified "
                             f"against their source); {bamboo}; CO₂ = C × 44/12")
    return _Forest(layer=layer, area_ha=area_ha, is_forest=is_forest, is_tree=is_tree,
                   is_bamboo=(groups == "bamboo") & is_forest, stock=stock, living=living,
                   carbon_per_m3=table.t_c_per_m3(res.types), bamboo_t_per_ha=table.bamboo_carbon_t_per_ha,
                   mapping=mapping, scheme=inputs.forest_scheme or scheme.name)


# --------------------------------------------------------------------------------------------------------------
# wetland and protected areas


def _prepare_wetland(gdf, inputs: LedgerInputs, options: LedgerOptions, log: LedgerLog,
                     basis: dict[str, str]) -> _Layer:
    label = inputs.wetland_name or "湿地"
    gdf = gdf.reset_index(drop=True)
    geoms_all = _project(gdf, label)
    layer = _with_memo(_prepare_layer(geoms_all, label, log, _known_invalid(inputs, "wetland", len(gdf))), inputs,
                       "wetland")
    mapping = inputs.wetland_mapping or detect_mapping(
        gdf, "wetland", layer=label, feedback=log, geometry_ha=np.nan_to_num(shapely.area(geoms_all)) / M2_PER_HA)
    col = mapping.get("wetland_type")
    note = "every feature of the layer counted as wetland"
    if col is not None:
        values = gdf[col].iloc[layer.rows].reset_index(drop=True)
        if inputs.wetland_scheme:
            scheme, share = load_scheme(inputs.wetland_scheme), 1.0
        else:
            name, share = detect_scheme(values, ("sandiao", "forest_inventory"))
            scheme = load_scheme(name)
        if share >= 0.5:
            classes = classify_codes(values, scheme)
            keep = _per_class(classes, lambda c: c is not None and scheme.is_wetland(c, options.wetland_includes_water),
                              bool)
            unknown = classes.isna()
            if unknown.any():
                log.warn(Notice("analysis.ledger.unknown_wetland_class", label=label, n=int(unknown.sum()),
                                column=col, scheme=scheme.name,
                                codes=describe_unknown(values[unknown].astype(str).value_counts().to_dict())))
            layer = _subset(layer, keep)
            note = (f"{scheme.title_zh} wetland classes of field {col}"
                    + (" incl. 河流/湖泊/水库 water" if options.wetland_includes_water else " excl. open water"))
    basis["wetland_area_ha"] = f"湿地面积: {note}; ellipsoidal area; features assumed not to overlap"
    return layer


def _subset(layer: _Layer, keep: np.ndarray) -> _Layer:
    geoms = layer.geoms[keep]
    memo_key = None if layer.memo is None else layer.memo.layer_key(layer.memo_key, np.asarray(keep, bool).tobytes())
    return _Layer(label=layer.label, rows=layer.rows[keep], geoms=geoms, area_m2=layer.area_m2[keep],
                  tree=STRtree(geoms), memo=layer.memo, memo_key=memo_key)


def _prepare_protected(gdf, inputs: LedgerInputs, log: LedgerLog, basis: dict[str, str]) -> _Layer:
    label = inputs.protected_name or "自然保护地"
    layer = _with_memo(_prepare_layer(_project(gdf.reset_index(drop=True), label), label, log,
                                      _known_invalid(inputs, "protected", len(gdf))), inputs, "protected")
    basis["wetland_protection_rate_pct"] = (
        "湿地保护率 = wetland ∩ union of the protected areas / wetland (the protected areas each wetland feature "
        "touches are dissolved over it, so overlaps count once)")
    return layer


# --------------------------------------------------------------------------------------------------------------
# one unit


def _beyond(geoms, unit) -> bool:
    """Whether a layer's features do not reach the unit (an empty layer — e.g. read over an area where it has
    no feature — reaches nothing: its values are left empty and said, never a crash)."""
    return len(geoms) == 0 or not shapely.intersects(box(*shapely.total_bounds(geoms)), unit)


def _compute_unit(unit, name: str, forest: _Forest | None, wetland: _Layer | None,
                  protection: ProtectedParts | None, log: LedgerLog) -> dict:
    shapely.prepare(unit)
    row: dict = dict.fromkeys(ADDITIVE_KEYS)
    row["land_area_km2"] = shapely.area(unit) / M2_PER_KM2
    memo = any(lay is not None and lay.memo is not None for lay in (forest and forest.layer, wetland))
    unit_key = hashlib.sha256(shapely.to_wkb(unit)).digest() if memo else None
    if forest is not None:
        idx, area, _ = _clip(forest.layer, unit, unit_key)
        if idx.size == 0 and _beyond(forest.layer.geoms, unit):
            log.warn(Notice("analysis.ledger.forest_not_reached", label=forest.layer.label, unit=name))
        elif idx.size == 0:  # inside the layer's extent with no forest feature: none, not unknown
            row.update(forest_area_ha=0.0, forest_stock_10k_m3=0.0 if forest.stock is not None else None)
            if forest.living is not None:
                row.update(living_tree_stock_10k_m3=0.0, carbon_t=0.0, co2_t=0.0)
        else:
            full = forest.layer.area_m2[idx]
            frac = np.divide(area, full, out=np.zeros_like(area), where=full > 0)
            area_ha = forest.area_ha[idx] * frac
            row["forest_area_ha"] = float(area_ha[forest.is_forest[idx]].sum())
            if forest.stock is not None:
                stock = np.nan_to_num(forest.stock[idx]) * frac
                row["forest_stock_10k_m3"] = m3_to_10k_m3(float(stock[forest.is_tree[idx]].sum()))
            if forest.living is not None:
                living = np.nan_to_num(forest.living[idx]) * frac
                row["living_tree_stock_10k_m3"] = m3_to_10k_m3(float(living.sum()))
                carbon = float((living * forest.carbon_per_m3[idx]).sum())
                if forest.bamboo_t_per_ha:
                    carbon += float(area_ha[forest.is_bamboo[idx]].sum()) * forest.bamboo_t_per_ha
                row["carbon_t"] = carbon
                row["co2_t"] = carbon * CO2_PER_C
    if wetland is not None:
        idx, area, edge = _clip(wetland, unit, unit_key)
        if idx.size == 0 and _beyond(wetland.geoms, unit):
            log.warn(Notice("analysis.ledger.wetland_not_reached", label=wetland.label, unit=name))
        else:
            row["wetland_area_ha"] = float(area.sum()) / M2_PER_HA
            if protection is not None:
                row["protected_wetland_area_ha"] = _protected_in(protection, wetland, unit, unit_key, idx,
                                                                 edge) / M2_PER_HA
    return row


def _protected_in(protection: ProtectedParts, wetland: _Layer, unit, unit_key: bytes | None, idx: np.ndarray,
                  edge: np.ndarray) -> float:
    """``protection.area_in(unit, idx, edge)`` — from the wetland layer's memo when the same wetland and
    protected layers were measured in this unit before."""
    key = getattr(protection, "memo_key", None)
    if wetland.memo is None or unit_key is None or key is None:
        return protection.area_in(unit, idx, edge)
    got = wetland.memo.get(key, unit_key)
    if got is None:
        got = protection.area_in(unit, idx, edge)
        wetland.memo.put(key, unit_key, got)
    return got


# --------------------------------------------------------------------------------------------------------------
# the ledger


def _units_frame(zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    z = unit_frame(zones)
    z["_geom"] = to_crs(z, EQUAL_AREA_CRS, "units").to_numpy()
    return z


def compute_ledger(zones: gpd.GeoDataFrame, inputs: LedgerInputs, options: LedgerOptions,
                   feedback: Feedback | None = None) -> LedgerResult:
    """The sink ledger of every unit in ``zones`` (name, geometry; optional adcode, level, parent)."""
    feedback = ensure(feedback)
    log = LedgerLog(feedback)
    basis: dict[str, str] = {}
    check_area_source(options)
    z = _units_frame(zones)
    feedback.progress(0.0, "准备图层 preparing layers")
    forest = None if inputs.forest is None else _prepare_forest(inputs.forest, inputs, options, log, basis)
    wetland = None if inputs.wetland is None else _prepare_wetland(inputs.wetland, inputs, options, log, basis)
    protected = None if inputs.protected is None else _prepare_protected(inputs.protected, inputs, log, basis)
    feedback.check()
    return _ledger_of_prepared(z, forest, wetland, protected, log, basis, options, feedback)


def _ledger_of_prepared(z: gpd.GeoDataFrame, forest, wetland, protected, log: "LedgerLog", basis: dict[str, str],
                       options: LedgerOptions, feedback: Feedback, protection=None) -> LedgerResult:
    """The ledger of the units frame ``z`` (:func:`_units_frame`) from layers already prepared — the second
    half of :func:`compute_ledger`, and of :func:`prepared_ledger` (the public seam)."""
    direct, rollup = plan_rollup(z, shapely.area(z["_geom"].to_numpy()), log.warn)
    units = np.array([z.at[i, "_geom"] for i in direct], dtype=object)
    names = [str(z.at[i, "name"]) for i in direct]
    for layer in (forest.layer if forest else None, wetland, protected):
        if layer is not None:
            _check_overlap(layer, units, names)
    if protection is None and wetland is not None and protected is not None:
        protection = ProtectedParts(wetland.geoms, wetland.area_m2, protected.geoms, protected.tree, feedback)
        if wetland.memo is not None and protected.memo is not None:  # names this pair in the memo
            protection.memo_key = wetland.memo.layer_key("protected-in", wetland.memo_key, protected.memo_key)

    rows: dict[int, dict] = {}
    for k, i in enumerate(direct):
        feedback.check()
        feedback.progress(0.1 + 0.85 * k / len(direct), f"{names[k]}")
        rows[i] = _compute_unit(z.at[i, "_geom"], names[k], forest, wetland, protection, log)
        if wetland is not None and protected is None:
            rows[i]["protected_wetland_area_ha"] = None
    roll_up(z, rows, rollup, ADDITIVE_KEYS)
    if wetland is not None and protected is None:
        log.warn(Notice("analysis.ledger.no_protected"))
    out = [unit_row(z, i, add_ratios(dict(rows[i]))) for i in range(len(z))]
    if rollup:
        basis["rollup"] = ROLLUP_BASIS
    feedback.progress(1.0, "完成 done")
    return LedgerResult(rows=out, warnings=list(log.messages), basis=basis, year=options.year)


def check_area_source(options: LedgerOptions) -> None:
    """Refuse an area source the ledger does not know (before anything is read)."""
    if options.area_source not in ("geometry", "field"):
        raise InputError(code="analysis.ledger.bad_area_source", value=str(options.area_source))


# --------------------------------------------------------------------------------------------------------------
# the same reading for any polygon (a site's footprint): sinkmap.analysis.siting.impact


@dataclass
class PreparedLayers:
    """The layers read exactly as :func:`compute_ledger` reads them (same 地类/canopy/stock rules), ready to
    measure any equal-area polygon with :meth:`measure` and to give the ledger of any units with
    :func:`prepared_ledger` (the siting impact prepares once for the ledgers before and after)."""

    forest: _Forest | None
    wetland: _Layer | None
    protected: _Layer | None
    protection: ProtectedParts | None
    warnings: list[Notice]  # every warning so far (measuring adds to them)
    basis: dict[str, str]
    _log: LedgerLog
    prepare_warnings: list[Notice] = field(default_factory=list)  # those of the preparation alone
    protected_warnings: list[Notice] = field(default_factory=list)  # those of the protected layer
    protected_basis: dict[str, str] = field(default_factory=dict)  # the basis the protected layer set

    @property
    def forest_mapping(self) -> FieldMapping | None:
        return None if self.forest is None else self.forest.mapping

    @property
    def forest_scheme(self) -> str | None:
        return None if self.forest is None else self.forest.scheme

    def measure(self, geom, name: str) -> dict:
        """The ledger's additive values (forest area and stock, carbon, wetland, protected wetland) of ``geom``
        (a polygon in the equal-area CRS), as a ledger row would count them."""
        row = _compute_unit(geom, name, self.forest, self.wetland, self.protection, self._log)
        if self.wetland is not None and self.protection is None:
            row["protected_wetland_area_ha"] = None
        return row


def prepare_layers(inputs: LedgerInputs, options: LedgerOptions, feedback: Feedback | None = None, *,
                   protected_from: PreparedLayers | None = None) -> PreparedLayers:
    """Read the layers of ``inputs`` as the ledger does (same preparation functions, same warnings).

    ``protected_from``: take the protected areas as that earlier preparation read them (its layer, warnings
    and basis) instead of preparing ``inputs.protected`` again — for layers that changed while the
    protected areas did not (the siting impact's ledger after clearing the sites).
    """
    feedback = ensure(feedback)
    log = LedgerLog(feedback)
    basis: dict[str, str] = {}
    forest = None if inputs.forest is None else _prepare_forest(inputs.forest, inputs, options, log, basis)
    wetland = None if inputs.wetland is None else _prepare_wetland(inputs.wetland, inputs, options, log, basis)
    n, keys = len(log.messages), set(basis)
    if protected_from is not None:
        protected = protected_from.protected
        if protected is not None:
            for message in protected_from.protected_warnings:
                log.warn(message)
            basis.update(protected_from.protected_basis)
    else:
        protected = None if inputs.protected is None else _prepare_protected(inputs.protected, inputs, log, basis)
    protection = (None if wetland is None or protected is None else
                  ProtectedParts(wetland.geoms, wetland.area_m2, protected.geoms, protected.tree, feedback))
    return PreparedLayers(forest, wetland, protected, protection, log.messages, basis, log,
                          prepare_warnings=list(log.messages), protected_warnings=list(log.messages[n:]),
                          protected_basis={k: v for k, v in basis.items() if k not in keys})


def prepared_ledger(zones: gpd.GeoDataFrame, prepared: PreparedLayers, options: LedgerOptions,
                    feedback: Feedback | None = None) -> LedgerResult:
    """:func:`compute_ledger` of ``zones`` on layers :func:`prepare_layers` read (not read again): the warnings
    of the preparation come first (not repeated to ``feedback``), then the ledger's own. The protected part of
    each wetland feature is ``prepared.protection`` (its values already measured are reused)."""
    feedback = ensure(feedback)
    check_area_source(options)
    log = LedgerLog(feedback)
    log.messages = list(prepared.prepare_warnings)
    return _ledger_of_prepared(_units_frame(zones), prepared.forest, prepared.wetland, prepared.protected, log,
                              dict(prepared.basis), options, feedback, protection=prepared.protection)


__all__ = ["LedgerInputs", "LedgerLog", "LedgerOptions", "LedgerResult", "PreparedLayers", "ROW_KEYS",
           "compute_ledger", "prepare_layers", "prepared_ledger"]
