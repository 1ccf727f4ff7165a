"""What the vector and the raster ledger share: the unit frame, the roll-up and the ratios.

* :func:`unit_frame` — zones (GeoDataFrame: name, geometry; optional adcode, level, parent) → one row per
  unit, levels filled ('zone' where none), checked (not empty, named, with a CRS);
* :func:`plan_rollup` — which units are computed directly and which are the sums of their children
  (counties → city, cities → province) because the children cover the parent;
* :func:`roll_up` — the sums, cities first so provinces sum cities; a sum is None when a child's value is;
* :func:`add_ratios` — 森林覆盖率 and 湿地保护率 (%) recomputed from the (summed) areas, never averaged;
* :func:`to_crs` — a layer in another CRS, or the one error for a layer without a usable CRS.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np

from ..core.errors import CRSError, FieldError, InputError
from ..core.messages import Notice

ROW_KEYS = ("name", "adcode", "level", "parent", "land_area_km2", "forest_area_ha", "forest_coverage_pct",
            "forest_stock_10k_m3", "living_tree_stock_10k_m3", "wetland_area_ha", "protected_wetland_area_ha",
            "wetland_protection_rate_pct", "carbon_t", "co2_t")
ADDITIVE_KEYS = ("land_area_km2", "forest_area_ha", "forest_stock_10k_m3", "living_tree_stock_10k_m3",
                 "wetland_area_ha", "protected_wetland_area_ha", "carbon_t", "co2_t")
#: child level summed into each aggregate level
ROLLUP_CHILD = {"city": "county", "province": "city"}
#: children must cover this share of their parent's area to be summed; otherwise the parent is computed directly
ROLLUP_MIN_COVER = 0.99
ROLLUP_BASIS = "city/province rows: sums of their county/city rows; ratios recomputed from the sums"


def to_crs(gdf, crs, layer: str):
    """``gdf``'s geometries (GeoSeries) in ``crs``; :class:`CRSError` if it has no CRS or one that cannot be
    transformed. The one error both ledgers raise for a layer (or the units) without a usable CRS."""
    if gdf.crs is None:
        raise CRSError(code="analysis.crs.missing", layer=layer)
    from pyproj.exceptions import CRSError as ProjCRSError, ProjError

    try:
        return gdf.geometry.to_crs(crs)
    except (ProjCRSError, ProjError) as exc:
        raise CRSError(code="analysis.crs.unusable", layer=layer, crs=str(gdf.crs.name), detail=str(exc)) from None


def unit_frame(zones):
    """The units as a fresh frame (index 0..n-1) with name, adcode, level, parent (None where absent) and the
    geometry; a unit without a level is a 'zone'."""
    if zones is None or len(zones) == 0:
        raise InputError(code="analysis.ledger.no_units")
    if "name" not in zones.columns:
        raise FieldError(code="analysis.ledger.units_unnamed", layer="units")
    if zones.crs is None:
        raise CRSError(code="analysis.crs.missing", layer="units")
    z = zones.reset_index(drop=True).copy()
    for col in ("adcode", "level", "parent"):
        if col not in z.columns:
            z[col] = None
    z["level"] = [("zone" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)) for v in z["level"]]
    return z


def _column(z, name: str) -> list:
    """One column of ``z`` as a plain list (None for missing values): one pass, no per-row pandas lookups."""
    return [None if v is None or (isinstance(v, float) and np.isnan(v)) else v for v in z[name].tolist()]


def _children_of(z) -> dict[int, list[int]]:
    """{aggregate unit i: the rows whose level is the child level of i's and whose parent is i's name or
    adcode}, in row order; built from one pass over the columns."""
    levels, names, codes, parents = (_column(z, c) for c in ("level", "name", "adcode", "parent"))
    by_parent: dict[tuple[str, str], list[int]] = {}
    for j, (lvl, parent) in enumerate(zip(levels, parents)):
        if parent is not None:
            by_parent.setdefault((lvl, str(parent)), []).append(j)
    out: dict[int, list[int]] = {}
    for i, lvl in enumerate(levels):
        if lvl not in ROLLUP_CHILD:
            continue
        child = ROLLUP_CHILD[lvl]
        keys = [str(names[i])] + ([str(codes[i])] if codes[i] is not None else [])
        kids = set()
        for key in dict.fromkeys(keys):
            kids.update(by_parent.get((child, key), ()))
        out[i] = sorted(kids)
    return out


def plan_rollup(z, areas_m2: Sequence[float], warn: Callable[[Notice], None]) -> tuple[list[int], dict[int, list[int]]]:
    """(units computed directly, {aggregate unit: its children}) for the frame ``z`` of :func:`unit_frame`.

    A city (province) is the sum of its counties (cities) in ``z`` when their areas (``areas_m2``, one per
    unit; NaN for a unit without geometry, which is always summed) cover at least ``ROLLUP_MIN_COVER`` of
    it; otherwise it is computed directly, with a warning if it had children. Direct units: the leaves in
    order, then the aggregates computed directly (cities before provinces).
    """
    levels = _column(z, "level")
    names = _column(z, "name")
    children = _children_of(z)
    direct = [i for i, lvl in enumerate(levels) if lvl not in ROLLUP_CHILD]
    rollup: dict[int, list[int]] = {}
    for level in ("city", "province"):  # cities first: provinces sum cities
        for i in (i for i, lvl in enumerate(levels) if lvl == level):
            kids = children[i]
            area = areas_m2[i]
            cover = sum(areas_m2[j] for j in kids) / area if kids and area > 0 else 0.0
            if kids and (np.isnan(area) or cover >= ROLLUP_MIN_COVER):
                rollup[i] = kids
            else:
                if kids:
                    params = dict(unit=str(names[i]), n=len(kids), cover=f"{cover:.1%}")
                    warn(Notice("analysis.ledger.rollup_partial.county", **params) if level == "city"
                         else Notice("analysis.ledger.rollup_partial.city", **params))
                direct.append(i)
    return direct, rollup


def sum_rows(kids: Sequence[Mapping], keys: Iterable[str]) -> dict:
    """{key: Σ over ``kids``} for ``keys``; None where any child's value is None."""
    out: dict = {}
    for key in keys:
        vals = [r.get(key) for r in kids]
        out[key] = None if any(v is None for v in vals) else float(sum(vals))
    return out


def roll_up(z, rows: dict[int, dict], rollup: Mapping[int, list[int]], keys: Iterable[str],
            extra: Callable[[list[dict]], dict] | None = None) -> None:
    """Fill ``rows[i]`` of each aggregate unit with the sums of its children's rows (cities first, so a
    province sums the cities just summed); ``extra(children's rows)`` adds more (e.g. per-class areas)."""
    keys = tuple(keys)
    levels = _column(z, "level")
    for level in ("city", "province"):
        for i, kids in rollup.items():
            if levels[i] != level:
                continue
            kid_rows = [rows[j] for j in kids]
            rows[i] = sum_rows(kid_rows, keys)
            if extra is not None:
                rows[i].update(extra(kid_rows))


def add_ratios(row: dict, *, via_hectares: bool = False) -> dict:
    """Set ``forest_coverage_pct`` (forest ha / land) and ``wetland_protection_rate_pct`` (protected wetland
    / wetland) of ``row`` from its areas, in %; None where an area is missing (or the land / wetland is 0).

    Coverage % = ha / (km² × 100 ha/km²) × 100 = ha / km². ``via_hectares`` computes it in that written-out
    order (the raster ledger's), which can differ from ha / km² in the last bit; it is kept so each ledger
    gives exactly the numbers it gave before they shared this function.
    """
    land, fa = row.get("land_area_km2"), row.get("forest_area_ha")
    if fa is None or not land:
        row["forest_coverage_pct"] = None
    else:
        row["forest_coverage_pct"] = fa / (land * 100.0) * 100.0 if via_hectares else fa / land
    wet, prot = row.get("wetland_area_ha"), row.get("protected_wetland_area_ha")
    row["wetland_protection_rate_pct"] = None if wet is None or prot is None or wet <= 0 else prot / wet * 100.0
    return row


def unit_row(z, i: int, values: Mapping, keys: Sequence[str] = ROW_KEYS) -> dict:
    """The output row of unit ``i``: its identity (name, adcode, level, parent) and ``values``, in ``keys``
    order."""
    row = dict(values)
    row.update(name=z.at[i, "name"], adcode=z.at[i, "adcode"], level=z.at[i, "level"], parent=z.at[i, "parent"])
    return {k: row.get(k) for k in keys}


__all__ = ["ADDITIVE_KEYS", "ROLLUP_BASIS", "ROLLUP_CHILD", "ROLLUP_MIN_COVER", "ROW_KEYS", "add_ratios",
           "plan_rollup", "roll_up", "sum_rows", "to_crs", "unit_frame", "unit_row"]
