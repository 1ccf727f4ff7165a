"""Re-weighting a computed suitability without computing it again (the app's live histogram). No Qt.

A ``site.run`` writes, besides its layers, the criteria scores of the unit (``criteria.tif``: one band per
criterion, 0–1, band descriptions = the criteria's names). With the exclusions (band 1: the inclusion) and
the suitability (band 2: the rules excluding each cell) that is everything the suitability is made of, so a
new set of weights needs no new run: :class:`ScoreCache` reads the arrays once.

* :func:`rescore` — the whole grid, exactly as the job computes it (its own
  :func:`~sinkmap.analysis.siting.suitability.suitability` times the inclusion, nodata outside the unit, 0 where
  a rule excludes the cell);
* :func:`open_scores` — the same numbers, for the *open* cells only (inside the unit, inclusion > 0), from
  criteria packed once as float64 vectors: the same operations in the same order, so the same float32 values,
  several times faster (what the histogram needs while weights are typed: a county of 1.5 million cells in a
  few tens of milliseconds);
* :func:`live_histogram` — the open cells' scores counted in ten bins (``numpy.histogram``'s:
  ``[0, 0.1) … [0.9, 1.0]``), cells and hectares; the excluded cells (inclusion 0) and the open cells without
  a score (a weighted criterion without data) are counted apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .suitability import normalised_weights, suitability

__all__ = ["BINS", "ScoreCache", "ScoreHistogram", "hectares_at_least", "live_histogram", "open_scores",
           "preview_weights", "rescore", "rounded_weights", "write_rule_switches", "write_weights_file"]

BINS = 10


@dataclass
class ScoreCache:
    """The arrays a suitability is made of, on the unit's grid."""

    criteria: dict[str, np.ndarray]  # float32 0–1, NaN = no data
    inclusion: np.ndarray  # float64 0–1 (NaN outside the unit)
    inside: np.ndarray  # bool: the cell is in the unit
    excluded_by_rule: np.ndarray  # bool: an exclude/limit rule leaves nothing of the cell (score 0)
    cell_ha: np.ndarray  # float64, hectares of each cell (same shape)
    tech: str = ""
    unit: str = ""
    _packed: dict | None = field(default=None, repr=False)

    @property
    def names(self) -> list[str]:
        return list(self.criteria)

    @property
    def open(self) -> np.ndarray:
        """Cells inside the unit that the rules leave open (inclusion > 0)."""
        return self.packed()["open"]

    def packed(self) -> dict:
        """The open cells' values as vectors, made once: each criterion as float64 with no data as 0 and its
        no-data mask, the inclusion and the cells' hectares."""
        if self._packed is None:
            open_ = self.inside & (np.nan_to_num(self.inclusion, nan=0.0) > 0)
            crit, missing = {}, {}
            for name, arr in self.criteria.items():
                v = np.asarray(arr, dtype=np.float64)[open_]
                missing[name] = np.isnan(v)
                crit[name] = np.nan_to_num(v, nan=0.0)
            excluded = self.inside & ~open_
            self._packed = {"open": open_, "criteria": crit, "missing": missing,
                            "inclusion": self.inclusion[open_], "cell_ha": self.cell_ha[open_],
                            "excluded_cells": int(excluded.sum()), "excluded_ha": float(self.cell_ha[excluded].sum())}
        return self._packed

    @classmethod
    def from_files(cls, exclusions: str | Path, suitability_tif: str | Path, criteria: str | Path) -> "ScoreCache":
        """Read the three GeoTIFFs of one ``site.run`` (see the module docstring)."""
        import rasterio

        from .grid import Grid, cell_areas_m2

        with rasterio.open(criteria) as src:
            names = [d or f"criterion_{i + 1}" for i, d in enumerate(src.descriptions)]
            bands = src.read(masked=True)
            grid = Grid(src.transform, src.width, src.height, src.crs.to_string())
            tags = src.tags()
        crit = {n: np.ma.filled(b.astype(np.float64), np.nan).astype(np.float32) for n, b in zip(names, bands)}
        with rasterio.open(exclusions) as src:
            incl = np.ma.filled(src.read(1, masked=True).astype(np.float64), np.nan)
        with rasterio.open(suitability_tif) as src:
            rules = np.ma.filled(src.read(2, masked=True).astype(np.float64), 0.0)
        inside = np.isfinite(incl)
        row_ha = cell_areas_m2(grid) / 1e4
        cell_ha = np.repeat(row_ha[:, None], grid.width, axis=1)
        return cls(criteria=crit, inclusion=incl, inside=inside, excluded_by_rule=inside & (rules > 0),
                   cell_ha=cell_ha, tech=tags.get("SITING_TECH", ""), unit=tags.get("SITING_UNIT", ""))


def preview_weights(weights: Mapping[str, float]) -> dict[str, float] | None:
    """``weights`` divided by their sum (a preview while they do not sum to 1); None when they sum to 0."""
    w = {k: max(0.0, float(v)) for k, v in weights.items()}
    total = sum(w.values())
    if not total > 0:
        return None
    return {k: v / total for k, v in w.items()}


def rescore(cache: ScoreCache, weights: Mapping[str, float], method: str = "sum") -> np.ndarray:
    """The suitability for ``weights`` (summing to 1, one per criterion of the cache): float32, NaN outside
    the unit and where a weighted criterion has no data, 0 where a rule excludes the cell — as the job."""
    score = suitability(cache.criteria, dict(weights), method=method, inclusion=cache.inclusion)
    score[~cache.inside] = np.nan
    score[cache.excluded_by_rule] = 0.0
    return score


def open_scores(cache: ScoreCache, weights: Mapping[str, float], method: str = "sum") -> np.ndarray:
    """``rescore(cache, weights, method)[cache.open]``, computed on the open cells only (float32, NaN where a
    weighted criterion has no data): the weighted sum (or product) in float64 in the criteria's order, times
    the inclusion, clipped to 0–1 — the operations of :func:`~.suitability.suitability`, value for value."""
    from ...core.errors import InputError

    if method not in ("sum", "product"):
        raise InputError(code="analysis.siting.bad_method", method=method)
    w = normalised_weights(weights, cache.names)
    pk = cache.packed()
    n = len(pk["inclusion"])
    total = np.zeros(n) if method == "sum" else np.ones(n)
    nodata = np.zeros(n, dtype=bool)
    for name in cache.names:
        wi = w[name]
        if wi == 0:
            continue
        nodata |= pk["missing"][name]
        if method == "sum":
            total += wi * pk["criteria"][name]
        else:
            total *= pk["criteria"][name] ** wi
    total *= pk["inclusion"]
    out = np.clip(total, 0.0, 1.0).astype(np.float32)
    out[nodata] = np.nan
    return out


@dataclass
class ScoreHistogram:
    edges: np.ndarray  # BINS + 1 edges, 0 … 1
    cells: np.ndarray  # open cells per bin (int)
    hectares: np.ndarray  # their area per bin
    excluded_cells: int
    excluded_ha: float
    nodata_cells: int
    nodata_ha: float
    scores: np.ndarray  # the open cells' scores (float32, NaN: no data), in the order of ``cache.open``


def live_histogram(cache: ScoreCache, weights: Mapping[str, float], method: str = "sum",
                   bins: int = BINS) -> ScoreHistogram:
    """Cells and hectares of the open cells by score for ``weights``; the excluded and no-data cells apart."""
    scores = open_scores(cache, weights, method)
    pk = cache.packed()
    ok = np.isfinite(scores)
    values, ha = scores[ok], pk["cell_ha"][ok]
    cells, edges = np.histogram(values, bins=bins, range=(0.0, 1.0))
    hectares, _ = np.histogram(values, bins=bins, range=(0.0, 1.0), weights=ha)
    return ScoreHistogram(edges=edges, cells=cells, hectares=hectares, excluded_cells=pk["excluded_cells"],
                          excluded_ha=pk["excluded_ha"], nodata_cells=int((~ok).sum()),
                          nodata_ha=float(pk["cell_ha"][~ok].sum()), scores=scores)


def hectares_at_least(hist: ScoreHistogram, cache: ScoreCache, threshold: float) -> float:
    """Area of the open cells scoring at least ``threshold`` (the cells the candidate regions are drawn from)."""
    ok = np.isfinite(hist.scores) & (hist.scores >= threshold)
    return float(cache.packed()["cell_ha"][ok].sum())


# -- the files a run takes ---------------------------------------------------------------------------------

def rounded_weights(weights: Mapping[str, float], decimals: int = 3) -> dict[str, float]:
    """``weights`` scaled to sum 1 and rounded to ``decimals`` so that the rounded values still sum to 1
    (largest remainders get the last units): what the app's spin boxes show is what a run uses."""
    scaled = preview_weights(weights)
    if scaled is None:
        return {k: 0.0 for k in weights}
    unit = 10 ** decimals
    exact = {k: v * unit for k, v in scaled.items()}
    floors = {k: int(np.floor(v)) for k, v in exact.items()}
    left = unit - sum(floors.values())
    for k in sorted(exact, key=lambda k: exact[k] - floors[k], reverse=True)[:left]:
        floors[k] += 1
    return {k: floors[k] / unit for k in weights}


def write_weights_file(path: str | Path, weights: Mapping[str, float]) -> Path:
    """A weights file (``weights: {criterion: weight}``, as ``--weights`` reads it), written atomically."""
    import yaml

    from ...io.atomic import atomic_write

    path = Path(path)
    with atomic_write(path, "w", encoding="utf-8") as fh:
        yaml.safe_dump({"weights": {str(k): float(v) for k, v in weights.items()}}, fh, allow_unicode=True,
                       sort_keys=False)
    return path


def write_rule_switches(path: str | Path, disabled: list[str]) -> Path:
    """A rules file switching the rules ``disabled`` off (``{id: X, enabled: false}``, as ``--rules`` reads
    it), written atomically."""
    import yaml

    from ...io.atomic import atomic_write

    path = Path(path)
    with atomic_write(path, "w", encoding="utf-8") as fh:
        fh.write("# rules switched off for this run (sinkmap's siting panel)\n")
        yaml.safe_dump({"rules": [{"id": r, "enabled": False} for r in disabled]}, fh, allow_unicode=True,
                       sort_keys=False)
    return path
