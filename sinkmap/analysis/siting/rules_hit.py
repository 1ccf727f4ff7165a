"""Which siting rules a site's footprint meets, and the hectares each covers inside it.

The rules are those of the site's technology (:func:`~sinkmap.analysis.siting.rules.rules_for`; a footprint
without a technology — a polygon drawn with none — is not checked: None), read as ``site exclusions`` reads
them (the same layer roles, attribute conditions — :func:`~sinkmap.analysis.siting.exclusions._matches` — and
buffers):

* a rule on a vector layer (protected areas, red line, 永久基本农田, 小班 of given 地类…) hits the site when
  its selected polygons (buffered by ``buffer_m``) share more than a sliver of area with the footprint (above
  :data:`~sinkmap.analysis.siting.impact.TOUCH_TOLERANCE_M2`, as for protected areas touched); its hectares
  are that shared area, exact, in the equal-area CRS;
* a rule on the land-cover raster hits the site when the footprint covers part of a cell of the listed 三调
  classes; its hectares are Σ (share of the cell inside the footprint × the cell's area) over those cells —
  exact cell coverage on the raster's own grid (no resampling), cell areas on the ellipsoid for a lon/lat
  raster (:func:`~sinkmap.analysis.siting.grid.cell_areas_m2`).

A rule whose layer or field is missing is not applied, and said once (the exclusions' own warnings). The
vector layers are prepared once (:class:`RuleLayers`: valid equal-area geometries, an STRtree, each rule's
attribute selection), so a site costs the features near it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from ...core.crs import EQUAL_AREA_CRS, M2_PER_HA
from ...core.errors import InputError
from ...core.feedback import Feedback, ensure
from ...core.messages import Notice
from .impact import TOUCH_TOLERANCE_M2
from .rules import RASTER_ROLES, Rule, rules_for


def rule_entry(rule: Rule, hectares: float | None = None) -> dict[str, Any]:
    """A hit as reports carry it: id, effect, weight, the layer role it reads, document and clause (Chinese),
    hectares."""
    out: dict[str, Any] = {"id": rule.id, "effect": rule.effect, "weight": rule.weight, "layer": rule.layer,
                           "document": rule.document, "clause_zh": rule.clause}
    if hectares is not None:
        out["hectares"] = hectares
    return out


class _Vector:
    """One vector layer of the rules: its attributes, its valid equal-area geometries, their STRtree, and each
    rule's selection of its features (computed the first time the rule is asked)."""

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
        self._selected: dict[str, np.ndarray] = {}

    def selected(self, rule: Rule) -> np.ndarray:
        from .exclusions import _matches

        sel = self._selected.get(rule.id)
        if sel is None:
            sel = np.ones(len(self.attrs), bool)
            for cond in rule.where:
                sel &= _matches(self.attrs[cond.field], cond)
            self._selected[rule.id] = sel
        return sel


class RuleLayers:
    """The rules' layers, prepared once for any number of sites: vector layers (GeoDataFrames) as
    :class:`_Vector`, the land-cover raster as its path."""

    def __init__(self, layers: Mapping[str, Any]) -> None:
        self.vectors: dict[str, _Vector] = {}
        self.rasters: dict[str, Path] = {}
        self.sources = dict(layers)
        for role, data in layers.items():
            if data is None:
                continue
            if role in RASTER_ROLES:
                self.rasters[role] = Path(data.path if hasattr(data, "path") else data)
            elif isinstance(data, gpd.GeoDataFrame):
                self.vectors[role] = _Vector(data)


def _warn(warnings: list[Notice], notice: Notice) -> None:
    if notice not in warnings:
        warnings.append(notice)


def _vector_hit(rule: Rule, layers: RuleLayers, fp, warnings: list[Notice], near: dict) -> float | None:
    """Hectares of ``fp`` (equal-area) the rule's selected, buffered polygons cover; None: not applied.
    ``near`` keeps, per layer and margin, the features near ``fp`` (several rules read the same layer)."""
    from .exclusions import _where_from

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
        near[key] = layer.tree.query(shapely.buffer(fp, margin) if margin else fp, predicate="intersects")
    idx = near[key]
    geoms = layer.geoms[idx[layer.selected(rule)[idx]]]
    if rule.buffer_m:
        geoms = shapely.buffer(geoms, rule.buffer_m)
        geoms = geoms[shapely.intersects(geoms, fp)]
    if not len(geoms):
        return 0.0
    return float(shapely.area(shapely.intersection(shapely.union_all(geoms), fp))) / M2_PER_HA


class _Raster:
    """The land-cover raster, open for the footprints of one call."""

    def __init__(self, path: Path) -> None:
        import rasterio

        from ...io.rasters import open_raster

        self.info = open_raster(path)  # checked as every raster input (CRS, readable)
        self.ds = rasterio.open(path)

    def close(self) -> None:
        self.ds.close()

    def hits(self, rules: list[Rule], fp_eq) -> dict[str, float]:
        """{rule id: hectares of the footprint on cells of the rule's classes}."""
        import rasterio
        from affine import Affine

        from .exclusions import _class_values
        from .grid import Grid, cell_areas_m2, pixel_span

        ds = self.ds
        fp = gpd.GeoSeries([fp_eq], crs=EQUAL_AREA_CRS).to_crs(ds.crs).iloc[0]
        cols, rows = pixel_span(ds.transform, *fp.bounds)
        c0, r0 = max(0, math.floor(min(cols))), max(0, math.floor(min(rows)))
        c1, r1 = min(ds.width, math.ceil(max(cols))), min(ds.height, math.ceil(max(rows)))
        if c1 <= c0 or r1 <= r0:
            return {}
        data = ds.read(1, window=rasterio.windows.Window(c0, r0, c1 - c0, r1 - r0))
        t = ds.transform
        wt = Affine(t.a, t.b, t.c + t.a * c0, t.d, t.e, t.f + t.e * r0)
        h, w = data.shape
        cover = np.clip(_footprint_cover(fp, wt, h, w), 0.0, 1.0)
        area = cover * cell_areas_m2(Grid(wt, w, h, ds.crs.to_string()))[:, None]
        valid = np.ones(data.shape, bool) if self.info.nodata is None else data != self.info.nodata
        out = {}
        for rule in rules:
            wanted = _class_values(rule.where[0].values if rule.where else ())
            mask = (np.isin(data, wanted) if wanted.size else np.ones(data.shape, bool)) & valid
            ha = float(area[mask].sum()) / M2_PER_HA
            if ha > 0:
                out[rule.id] = ha
        return out


def _footprint_cover(fp, transform, height: int, width: int) -> np.ndarray:
    """The exact coverage fractions of one footprint on its window (a few hundred cells), as a dense array: the
    numpy form of the exact cover (:mod:`sinkmap.analysis.zonal.nojit`, the same signed-area method as the
    numba rasteriser), so checking a site does not start numba (about a second) for one small polygon."""
    from ..zonal.nojit import cover_index

    ix = cover_index([fp], transform, height, width)
    out = np.zeros((height, width))
    run_row = np.repeat(np.arange(height), np.diff(ix.run_ptr))
    for r, c0, c1 in zip(run_row, ix.run_c0, ix.run_c1):
        out[r, c0:c1 + 1] = 1.0
    part_row = np.repeat(np.arange(height), np.diff(ix.part_ptr))
    out[part_row, ix.part_col] = ix.part_frac
    return out


def rules_hit(footprints: gpd.GeoSeries, techs: Sequence[str | None], rules: Sequence[Rule],
              layers: RuleLayers | Mapping[str, Any], feedback: Feedback | None = None
              ) -> tuple[list[list[dict[str, Any]] | None], list[Notice]]:
    """For each footprint (any CRS) the rules of its technology that cover part of it, in rule order, and the
    warnings of rules that could not be applied (each said once)."""
    feedback = ensure(feedback)
    layers = layers if isinstance(layers, RuleLayers) else RuleLayers(layers)
    eq = footprints.to_crs(EQUAL_AREA_CRS).to_numpy()
    out: list[list[dict[str, Any]] | None] = []
    warnings: list[Notice] = []
    raster: _Raster | None = None
    try:
        for fp, tech in zip(eq, techs):
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
                    if ha and ha * M2_PER_HA > TOUCH_TOLERANCE_M2:  # not the slivers reprojected edges leave
                        hectares[rule.id] = ha
            on_raster = [r for r in chosen if r.layer in RASTER_ROLES]
            if on_raster and "landcover" not in layers.rasters:
                for r in on_raster:
                    _warn(warnings, Notice("analysis.siting.rule.no_layer", rule=r.id, document=r.document,
                                           role=r.layer))
            elif on_raster:
                raster = raster or _Raster(layers.rasters["landcover"])
                hectares.update(raster.hits(on_raster, fp))
            out.append([rule_entry(r, round(hectares[r.id], 4)) for r in chosen if r.id in hectares])
    finally:
        if raster is not None:
            raster.close()
    return out, warnings


__all__ = ["RuleLayers", "rule_entry", "rules_hit"]
