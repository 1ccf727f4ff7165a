"""Which siting rules a site's footprint meets, and the hectares each covers inside it.

The rules are those of the site's technology (:func:`~sinkmap.analysis.siting.rules.rules_for`; a footprint
without a technology — a polygon drawn with none — is not checked: None), read as ``site exclusions`` reads
them (the same layer roles, attribute conditions and buffers):

* a rule on a vector layer (protected areas, red line, 永久基本农田, 小班 of given 地类…) hits the site when
  its selected polygons (buffered by ``buffer_m``) share area with the footprint; its hectares are that
  shared area, exact, in the equal-area CRS;
* a rule on the land-cover raster is run through the exclusions engine (:func:`~sinkmap.analysis.siting.
  exclusions.compute_exclusions`) on a 1″ CGCS2000 grid over the footprint: its hectares are Σ (share of the
  cell in the listed classes × share of the cell in the footprint × the cell's ellipsoidal area).

A rule whose layer or field is missing is not applied, and said once (the exclusions' own warning).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from ...core.crs import EQUAL_AREA_CRS, M2_PER_HA, STORAGE_CRS
from ...core.errors import InputError
from ...core.feedback import Feedback, ensure
from ...core.messages import Notice
from .rules import RASTER_ROLES, Rule, rules_for

#: grid of a footprint for the land-cover rules (degrees): 1 arc-second
RESOLUTION_DEG = 1.0 / 3600.0


def rule_entry(rule: Rule, hectares: float | None = None) -> dict[str, Any]:
    """A hit as reports carry it: id, effect, weight, the layer role it reads, document and clause (Chinese),
    hectares."""
    out: dict[str, Any] = {"id": rule.id, "effect": rule.effect, "weight": rule.weight, "layer": rule.layer,
                           "document": rule.document, "clause_zh": rule.clause}
    if hectares is not None:
        out["hectares"] = hectares
    return out


class _Vector:
    """One vector layer of the rules: its attributes, its valid equal-area geometries and their STRtree."""

    def __init__(self, gdf: gpd.GeoDataFrame) -> None:
        gdf = gdf.reset_index(drop=True)
        geoms = gdf.geometry.to_crs(EQUAL_AREA_CRS).to_numpy()
        ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        geoms[ok] = np.where(shapely.is_valid(geoms[ok]), geoms[ok], shapely.make_valid(geoms[ok]))
        keep = np.flatnonzero(ok)
        self.attrs = gdf.drop(columns=gdf.geometry.name).iloc[keep].reset_index(drop=True)
        self.columns = [str(c) for c in self.attrs.columns]
        self.geoms = geoms[keep]
        self.tree = shapely.STRtree(self.geoms)


class RuleLayers:
    """The rules' vector layers in the equal-area CRS with a spatial index (prepared once for any number of
    sites), and the raster ones as given."""

    def __init__(self, layers: Mapping[str, Any]) -> None:
        self.vectors: dict[str, _Vector] = {}
        self.rasters: dict[str, Any] = {}
        self.sources = dict(layers)
        for role, data in layers.items():
            if data is None:
                continue
            if role in RASTER_ROLES:
                self.rasters[role] = data
            elif isinstance(data, gpd.GeoDataFrame):
                self.vectors[role] = _Vector(data)


def _vector_hit(rule: Rule, layers: RuleLayers, fp, warnings: list[Notice], near: dict) -> float | None:
    """Hectares of ``fp`` (equal-area) the rule's selected, buffered polygons cover; None: not applied.
    ``near`` keeps, per layer and margin, the features near ``fp`` (several rules read the same layer)."""
    import pandas as pd

    from .exclusions import _matches, _where_from

    layer = layers.vectors.get(rule.layer)
    if layer is None:
        _warn(warnings, Notice("analysis.siting.rule.no_layer", rule=rule.id, document=rule.document,
                               role=rule.layer))
        return None
    missing = next((c.field for c in rule.where if c.field not in layer.attrs.columns), None)
    if missing is not None:
        path, name = _where_from(layers.sources.get(rule.layer))
        _warn(warnings, Notice("analysis.siting.rule.no_field", rule=rule.id, document=rule.document,
                               role=rule.layer, column=missing, path=path, layer=name,
                               fields=", ".join(layer.columns)[:300]))
        return None
    margin = rule.buffer_m or 0.0
    key = (rule.layer, margin)
    if key not in near:
        near[key] = np.sort(layer.tree.query(shapely.buffer(fp, margin) if margin else fp, predicate="intersects"))
    idx = near[key]
    selected = np.ones(idx.size, bool)
    for cond in rule.where:
        selected &= _matches(pd.Series(layer.attrs[cond.field].to_numpy()[idx], dtype=object), cond)
    geoms = layer.geoms[idx[selected]]
    if rule.buffer_m:
        geoms = shapely.buffer(geoms, rule.buffer_m)
    geoms = geoms[shapely.intersects(geoms, fp)] if len(geoms) else geoms
    if not len(geoms):
        return 0.0
    return float(shapely.area(shapely.intersection(shapely.union_all(geoms), fp))) / M2_PER_HA


def _warn(warnings: list[Notice], notice: Notice) -> None:
    if notice not in warnings:
        warnings.append(notice)


def rules_hit(footprints: gpd.GeoSeries, techs: Sequence[str | None], rules: Sequence[Rule],
              layers: RuleLayers | Mapping[str, Any], feedback: Feedback | None = None
              ) -> tuple[list[list[dict[str, Any]] | None], list[Notice]]:
    """For each footprint (any CRS) the rules of its technology that cover part of it, in rule order, and the
    warnings of rules that could not be applied (each said once)."""
    from .exclusions import compute_exclusions
    from .grid import grid_from_resolution

    feedback = ensure(feedback)
    layers = layers if isinstance(layers, RuleLayers) else RuleLayers(layers)
    eq = footprints.to_crs(EQUAL_AREA_CRS).to_numpy()
    lonlat = footprints.to_crs(STORAGE_CRS).to_numpy()
    out: list[list[dict[str, Any]] | None] = []
    warnings: list[Notice] = []
    for fp, fp_ll, tech in zip(eq, lonlat, techs):
        feedback.check()
        if tech is None or fp is None or fp.is_empty:
            out.append(None)
            continue
        try:
            chosen = rules_for(rules, tech)
        except InputError as exc:
            if exc.code != "analysis.siting.rules.none":
                raise
            chosen = []  # no rule for this technology: none to hit
        hectares: dict[str, float] = {}
        near: dict = {}
        for rule in chosen:
            if rule.layer not in RASTER_ROLES:
                ha = _vector_hit(rule, layers, fp, warnings, near)
                if ha:
                    hectares[rule.id] = ha
        raster_rules = [r for r in chosen if r.layer in RASTER_ROLES]
        if raster_rules:
            grid = grid_from_resolution(fp_ll, RESOLUTION_DEG, "site")
            result = compute_exclusions(fp_ll, raster_rules, layers.rasters, grid, unit_name="site", tech=tech)
            for w in result.warnings:
                if w.code != "analysis.siting.empty":
                    _warn(warnings, w)
            for s in result.stats:
                if s["applied"] and s["cells"] > 0 and s["hectares"] > 0:
                    hectares[s["id"]] = s["hectares"]
        out.append([rule_entry(r, round(hectares[r.id], 4)) for r in chosen if r.id in hectares])
    return out, warnings


__all__ = ["RESOLUTION_DEG", "RuleLayers", "rule_entry", "rules_hit"]
