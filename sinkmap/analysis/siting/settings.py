"""Suitability criteria as settings: the default curves and weights per technology, the land-cover scores,
and the weights file (``weights:``, ``pairwise:``, ``criteria:``) that overrides them.

A criterion is a dict: ``kind`` (slope, aspect, elevation, distance, landcover, resource), its ``unit``, the
``role`` of the layer a distance is measured to, and its ``transform`` — how the raw value becomes a 0–1
score, one of (:mod:`sinkmap.analysis.siting.criteria`):

* ``{falling: [lo, hi]}`` — 1 at or below ``lo``, 0 at or above ``hi``, linear between;
* ``{rising: [lo, hi]}`` — the reverse;
* ``{piecewise: [[x, score], …]}`` — linear through the points (x strictly increasing), flat beyond the ends;
* ``{ranges: {breaks: [b1, …], scores: [s0, s1, …]}}`` — ``s0`` below ``b1``, ``s1`` from ``b1`` to ``b2`` …;
* ``{categories: {code: score, …}, default: score or null}`` — class values (the land cover's 三调 codes);
  a class not in the table gets ``default`` (null: no data, with a warning naming the classes).

Special cases: ``aspect`` scores ``0.5 × (1 − cos aspect)`` (1 facing south) unless a transform of the aspect
in degrees is given, and that score counts fully only from ``full_effect_slope_deg`` of slope (less on gentler
ground, not at all on flat cells); ``resource`` is scored between its ``percentiles`` inside the unit (the
raster's unit is not known) unless an absolute transform is given.

Every number here is a SETTING — a typical planning value chosen for screening, not a rule of any document;
the reasoning for each is written next to it.
"""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

from ...core.errors import InputError
from ...core.feedback import Feedback

__all__ = ["CRITERIA", "DEFAULT_WEIGHTS", "PV_LANDCOVER", "TRANSFORMS", "WeightsFile", "apply_transform",
           "criteria_for", "read_weights_file", "reach_m", "weights_for"]

TRANSFORMS = ("falling", "rising", "piecewise", "ranges", "categories")
#: The transforms each kind of criterion takes (landcover: class values; the others: measured values).
_ALLOWED = {"slope": ("falling", "rising", "piecewise", "ranges"),
            "elevation": ("falling", "rising", "piecewise", "ranges"),
            "distance": ("falling", "rising", "piecewise", "ranges"),
            "aspect": ("falling", "rising", "piecewise", "ranges"),
            "resource": ("falling", "rising", "piecewise", "ranges"),
            "landcover": ("categories",)}
#: Other keys a criterion's entry may carry, by kind.
_EXTRA = {"aspect": ("full_effect_slope_deg",), "resource": ("percentiles",), "landcover": ("default",)}


@functools.lru_cache(maxsize=1)
def _sandiao_values() -> dict[str, int]:
    """三调 code → raster value (``layers/schemes/sandiao.yaml``), read once."""
    from ...io.schemes import load_scheme

    return {c.code: c.value for c in load_scheme("sandiao").classes}


def _sandiao_zero() -> dict[str, float]:
    return {code: 0.0 for code in _sandiao_values()}


def _pv_landcover() -> dict[str, float]:
    """三调 classes scored for ground-mounted PV arrays (every class of layers/schemes/sandiao.yaml is listed).

    SETTINGS, with their reasoning:

    * 1.0 — unused land (1201 空闲地, 1204 盐碱地, 1205 沙地, 1206 裸土地, 1207 裸岩石砾地): no crop, tree or
      grass cover is lost, and national PV land policy steers arrays to unused and already developed land;
      0602 采矿用地: arrays on mined land go with its reclamation (the plans' 光伏+尾矿治理: the prefer rule
      pv_pref_mine sets it).
    * 0.8 — 0404 其他草地 (grass stays under the arrays; 基本草原 is excluded by rule pv_grassland where that
      layer exists); 1104 坑塘水面 (pond PV over fish ponds: the prefer rule pv_pref_water sets it).
    * 0.6 — 园地 0201–0204 and 1202 设施农用地: arrays above orchards, tea gardens and farm buildings keep the
      farming (the plans' 农光互补 / 光伏+设施农业: the prefer rule pv_pref_agri sets 0201–0204).

    The classes a prefer rule names (pv_pref_*, ``layers/siting_rules.yaml``) are scored by the rule's weight
    while the rule is on (:func:`prefer_scores`; the values here equal the bundled rules' weights and apply when
    a rule is switched off); a ``criteria: landcover`` table in the weights file replaces both.
    * 0.5 — 0401 天然牧草地, 0403 人工牧草地: grazing can go on under high-mounted arrays.
    * 0.4 — 0305 灌木林地: open to arrays only where the shrub cover is below 50 % (rules pv_shrub_dense,
      pv_array_forest), and the sink is touched.
    * 0.3 — 0601 工业用地, 0508 物流仓储用地: developed land; only idle plots can take ground arrays (rooftop PV
      is distributed generation, outside this screening).
    * 0.2 — 0307 其他林地: mostly young plantations and cut-over land that is to become forest again.
    * 0 — everything else: cropland, 乔木林地, 竹林地, wetlands, rivers, lakes, reservoirs, ditches, field
      ridges, built-up and transport land (most of it is also excluded by a rule; scoring it 0 keeps the
      ranking honest when a rule is switched off).
    """
    table = _sandiao_zero()
    for codes, score in ((("1201", "1204", "1205", "1206", "1207", "0602"), 1.0),
                         (("0404", "1104"), 0.8),
                         (("0201", "0202", "0203", "0204", "1202"), 0.6),
                         (("0401", "0403"), 0.5),
                         (("0305",), 0.4),
                         (("0601", "0508"), 0.3),
                         (("0307",), 0.2)):
        for code in codes:
            table[code] = score
    return table


class _LazyTable(Mapping):
    """The land-cover table, built from the scheme file on first use (keeps imports light)."""

    def __init__(self, build):
        self._build, self._table = build, None

    def _t(self) -> dict[str, float]:
        if self._table is None:
            self._table = self._build()
        return self._table

    def __getitem__(self, key):
        return self._t()[key]

    def __iter__(self):
        return iter(self._t())

    def __len__(self):
        return len(self._t())


PV_LANDCOVER: Mapping[str, float] = _LazyTable(_pv_landcover)

#: Default criteria by technology (SETTINGS):
#:
#: * PV — slope: 1 at ≤ 3°, 0 at ≥ 25° (arrays on gentle ground; Hunan's hill PV rarely goes above ~25°; there
#:   is no national slope limit); aspect: 1 facing south, counted fully from 10° of slope; substation: 1 within
#:   2 km, 0 beyond 20 km (the cost of the grid connection line); road: 1 within 0.5 km, 0 beyond 5 km
#:   (access for construction); landcover: :data:`PV_LANDCOVER` when a land-cover raster is given; resource
#:   (GHI or PVOUT) with ``--resource``.
#: * wind — elevation: 0 at ≤ 100 m, 1 at ≥ 1000 m (Hunan's wind farms are on ridges); slope: 1 at ≤ 10°,
#:   0 at ≥ 30°; substation: 1 within 5 km, 0 beyond 30 km; road: 1 within 1 km, 0 beyond 10 km; resource
#:   (wind speed) with ``--resource``. No land-cover criterion by default (turbines stand on forested ridges;
#:   the rules say where they may not).
CRITERIA: dict[str, dict[str, dict[str, Any]]] = {
    "pv": {
        "slope": {"kind": "slope", "unit": "deg", "transform": {"falling": [3.0, 25.0]}},
        "aspect": {"kind": "aspect", "unit": "deg", "full_effect_slope_deg": 10.0},
        "substation": {"kind": "distance", "role": "substations", "unit": "m",
                       "transform": {"falling": [2000.0, 20000.0]}},
        "road": {"kind": "distance", "role": "roads", "unit": "m", "transform": {"falling": [500.0, 5000.0]}},
        "landcover": {"kind": "landcover", "role": "landcover", "unit": "三调 code",
                      "transform": {"categories": PV_LANDCOVER, "default": None}},
        "resource": {"kind": "resource", "percentiles": [5.0, 95.0]},
    },
    "wind": {
        "elevation": {"kind": "elevation", "unit": "m", "transform": {"rising": [100.0, 1000.0]}},
        "slope": {"kind": "slope", "unit": "deg", "transform": {"falling": [10.0, 30.0]}},
        "substation": {"kind": "distance", "role": "substations", "unit": "m",
                       "transform": {"falling": [5000.0, 30000.0]}},
        "road": {"kind": "distance", "role": "roads", "unit": "m", "transform": {"falling": [1000.0, 10000.0]}},
        "resource": {"kind": "resource", "percentiles": [5.0, 95.0]},
    },
}

#: Default weights (SETTINGS; renormalised over the criteria a run has, e.g. without ``--resource``). PV: the
#: land cover weighs as much as the resource — what the land is decides more than a few hundred metres of line.
#: Wind: elevation stands in for the wind resource on Hunan's ridges, so it weighs most after the resource;
#: without ``--resource`` flat low land next to a road and a substation scores at most 1 − 0.25/0.6 ≈ 0.58,
#: below the regions' default threshold 0.6.
DEFAULT_WEIGHTS: dict[str, dict[str, float]] = {
    "pv": {"resource": 0.25, "landcover": 0.25, "slope": 0.15, "aspect": 0.1, "substation": 0.15, "road": 0.1},
    "wind": {"resource": 0.4, "elevation": 0.25, "slope": 0.1, "substation": 0.15, "road": 0.1},
}


def criteria_for(tech: str, overrides: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, dict[str, Any]]:
    """The criteria of ``tech`` (a deep copy of :data:`CRITERIA`), each overridden by ``overrides[name]``
    (already checked by :func:`read_weights_file`): a transform replaces the default one; ``percentiles``,
    ``full_effect_slope_deg`` and ``default`` replace theirs."""
    specs = {name: {k: (dict(v) if k == "transform" else copy.deepcopy(v)) for k, v in spec.items()}
             for name, spec in CRITERIA[tech].items()}
    for name, over in (overrides or {}).items():
        spec = specs[name]
        transform = {k: v for k, v in over.items() if k in TRANSFORMS}
        if transform:
            if "default" in over:
                transform["default"] = over["default"]
            elif "categories" in transform:
                transform["default"] = None
            spec["transform"] = transform
            spec.pop("percentiles", None)  # an absolute transform of the resource replaces the percentiles
        elif "default" in over and spec.get("transform", {}).get("categories") is not None:
            spec["transform"] = {**spec["transform"], "default": over["default"]}
        for key in ("full_effect_slope_deg", "percentiles"):
            if key in over:
                spec[key] = over[key]
    return specs


def weights_for(tech: str, names: list[str]) -> dict[str, float]:
    """The default weights of ``tech`` over the criteria ``names``, renormalised to sum 1."""
    from .suitability import normalised_weights

    base = {k: v for k, v in DEFAULT_WEIGHTS[tech].items() if k in names}
    total = sum(base.values())
    return normalised_weights({k: v / total for k, v in base.items()}, names)


def reach_m(transform: Mapping[str, Any]) -> float:
    """The largest value a transform still tells apart (beyond it every value scores the same)."""
    if "falling" in transform or "rising" in transform:
        return float((transform.get("falling") or transform.get("rising"))[1])
    if "piecewise" in transform:
        return float(transform["piecewise"][-1][0])
    if "ranges" in transform:
        return float(transform["ranges"]["breaks"][-1])
    return 0.0


def apply_transform(values: np.ndarray, transform: Mapping[str, Any], name: str) -> np.ndarray:
    """Scores 0–1 (float32, NaN where ``values`` is NaN) of measured values through one transform."""
    from .criteria import falling, piecewise, ranges, rising

    if "falling" in transform:
        return falling(values, *transform["falling"], name=name)
    if "rising" in transform:
        return rising(values, *transform["rising"], name=name)
    if "piecewise" in transform:
        xs, ys = zip(*transform["piecewise"])
        return piecewise(values, xs, ys, name=name)
    if "ranges" in transform:
        return ranges(values, transform["ranges"]["breaks"], transform["ranges"]["scores"], name=name)
    raise InputError(code="analysis.siting.criteria.no_transform", name=name)


def describe(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A criterion as the report and the GeoTIFF tags show it (a category table as a plain dict)."""
    out = {k: v for k, v in spec.items() if k != "transform"}
    if spec.get("transform") is not None:
        t = dict(spec["transform"])
        if "categories" in t:
            t["categories"] = {str(k): float(v) for k, v in t["categories"].items()}
        out["transform"] = t
    return out


# -- the weights file --------------------------------------------------------------------------------------

@dataclass
class WeightsFile:
    """What a ``--weights`` file says: direct weights, an AHP matrix, or neither; and criterion overrides."""

    path: Path
    weights: dict[str, float] | None = None
    pairwise: dict[str, Any] | None = None
    criteria: dict[str, dict[str, Any]] = field(default_factory=dict)


_TOP_KEYS = ("weights", "pairwise", "criteria")


def read_weights_file(path: Path, tech: str) -> WeightsFile:
    """Read and check a weights file (see the module docstring). Every problem is an :class:`InputError`
    naming the file and the key (``criteria.slope.falling``…)."""
    import yaml

    from ...core import yamlio

    path = Path(path)
    try:
        data = yamlio.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(code="jobs.site.weights_unreadable", path=path,
                         detail=getattr(exc, "strerror", None) or str(exc)) from None
    except yaml.YAMLError as exc:
        raise InputError(code="jobs.site.weights_bad", path=path, detail=str(exc).splitlines()[0]) from None
    if not isinstance(data, dict) or not any(k in data for k in _TOP_KEYS):
        raise InputError(code="jobs.site.weights_bad", path=path,
                         detail="no 'weights:', 'pairwise:' or 'criteria:' section")
    unknown = [k for k in data if k not in _TOP_KEYS]
    if unknown:
        raise InputError(code="analysis.siting.criteria.unknown_key", path=path, key=str(unknown[0]),
                         known=", ".join(_TOP_KEYS))
    out = WeightsFile(path=path)
    if "weights" in data and "pairwise" in data:
        raise InputError(code="jobs.site.weights_bad", path=path,
                         detail="give 'weights:' or 'pairwise:', not both")
    if "weights" in data:
        if not isinstance(data["weights"], dict) or not data["weights"]:
            raise _bad(path, "weights", data["weights"], "a mapping {criterion: weight}")
        w = {}
        for k, v in data["weights"].items():
            w[str(k)] = _number(path, f"weights.{k}", v, 0.0, math.inf)
        out.weights = w
    if "pairwise" in data:
        pw = data["pairwise"]
        if not (isinstance(pw, dict) and isinstance(pw.get("criteria"), list) and isinstance(pw.get("matrix"), list)):
            raise InputError(code="jobs.site.weights_bad", path=path,
                             detail="'pairwise:' needs 'criteria: [names]' and 'matrix: [[...]]'")
        try:
            matrix = [[float(x) for x in row] for row in pw["matrix"]]
        except (TypeError, ValueError) as exc:
            raise InputError(code="jobs.site.weights_bad", path=path, detail=str(exc)) from None
        out.pairwise = {"criteria": [str(c) for c in pw["criteria"]], "matrix": matrix}
    if "criteria" in data:
        crit = data["criteria"]
        if not isinstance(crit, dict) or not crit:
            raise _bad(path, "criteria", crit, "a mapping {criterion: {transform: …}}")
        known = CRITERIA[tech]
        for name, raw in crit.items():
            name = str(name)
            if name not in known:
                raise InputError(code="analysis.siting.criteria.unknown", path=path, name=name, tech=tech,
                                 known=", ".join(known))
            out.criteria[name] = _parse_criterion(path, name, known[name]["kind"], raw)
    return out


def _bad(path: Path, key: str, value: Any, expected: str) -> InputError:
    return InputError(code="analysis.siting.criteria.bad_value", path=path, key=key, value=repr(value)[:80],
                      expected=expected)


def _number(path: Path, key: str, value: Any, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not lo <= value <= hi:
        raise _bad(path, key, value, f"a number from {lo:g} to {hi:g}" if math.isfinite(hi)
                   else f"a number of at least {lo:g}")
    return float(value)


def _pair(path: Path, key: str, value: Any, lo: float = -math.inf, hi: float = math.inf) -> list[float]:
    if not isinstance(value, list) or len(value) != 2:
        raise _bad(path, key, value, "two numbers [low, high]")
    a, b = (_number(path, key, v, lo, hi) for v in value)
    if not a < b:
        raise _bad(path, key, value, "two numbers [low, high] with low < high")
    return [a, b]


def _score(path: Path, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not 0.0 <= value <= 1.0:
        raise _bad(path, key, value, "a score from 0 to 1")
    return float(value)


def _increasing(path: Path, key: str, xs: list[float], value: Any) -> None:
    if any(b <= a for a, b in zip(xs, xs[1:])):
        raise _bad(path, key, value, "values that increase strictly")


def _parse_criterion(path: Path, name: str, kind: str, raw: Any) -> dict[str, Any]:
    base = f"criteria.{name}"
    allowed = _ALLOWED[kind]
    extra = _EXTRA.get(kind, ())
    if not isinstance(raw, dict) or not raw:
        raise _bad(path, base, raw, "a mapping with one of: " + ", ".join(allowed + extra))
    unknown = [k for k in raw if k not in allowed + extra]
    if unknown:
        k = str(unknown[0])
        if k in TRANSFORMS:
            raise InputError(code="analysis.siting.criteria.wrong_transform", path=path, key=f"{base}.{k}",
                             kind=kind, allowed=", ".join(allowed))
        raise InputError(code="analysis.siting.criteria.unknown_key", path=path, key=f"{base}.{k}",
                         known=", ".join(allowed + extra))
    given = [k for k in raw if k in allowed]
    if len(given) > 1:
        raise _bad(path, base, {k: raw[k] for k in given}, "one transform, not " + " and ".join(given))
    if not given and not any(k in raw for k in extra if k != "default"):
        raise _bad(path, base, raw, "one of: " + ", ".join(allowed + tuple(k for k in extra if k != "default")))
    out: dict[str, Any] = {}
    for t in given:
        key, value = f"{base}.{t}", raw[t]
        if t in ("falling", "rising"):
            out[t] = _pair(path, key, value)
        elif t == "piecewise":
            if not isinstance(value, list) or len(value) < 2 or not all(
                    isinstance(p, list) and len(p) == 2 for p in value):
                raise _bad(path, key, value, "at least two points [[x, score], …]")
            pts = [[_number(path, key, p[0], -math.inf, math.inf), _score(path, key, p[1])] for p in value]
            _increasing(path, key, [p[0] for p in pts], value)
            out[t] = pts
        elif t == "ranges":
            if not isinstance(value, dict) or set(value) != {"breaks", "scores"}:
                raise _bad(path, key, value, "{breaks: [b1, …], scores: [s0, s1, …]}")
            breaks, scores = value["breaks"], value["scores"]
            if not isinstance(breaks, list) or not breaks or not isinstance(scores, list) \
                    or len(scores) != len(breaks) + 1:
                raise _bad(path, key, value, "n break values and n + 1 scores")
            b = [_number(path, f"{key}.breaks", x, -math.inf, math.inf) for x in breaks]
            _increasing(path, f"{key}.breaks", b, breaks)
            out[t] = {"breaks": b, "scores": [_score(path, f"{key}.scores", s) for s in scores]}
        else:  # categories
            if not isinstance(value, dict) or not value:
                raise _bad(path, key, value, "a mapping {class code: score}")
            table = {}
            for code, score in value.items():
                if isinstance(code, bool) or not isinstance(code, (str, int)):
                    raise _bad(path, key, code, "class codes as text or whole numbers")
                table[_code(code)] = _score(path, f"{key}.{code}", score)
            out[t] = table
    if "default" in raw:
        out["default"] = None if raw["default"] is None else _score(path, f"{base}.default", raw["default"])
    if "full_effect_slope_deg" in raw:
        out["full_effect_slope_deg"] = _number(path, f"{base}.full_effect_slope_deg", raw["full_effect_slope_deg"],
                                               1e-6, 90.0)
    if "percentiles" in raw:
        if given:
            raise _bad(path, base, raw, "either percentiles or a transform, not both")
        out["percentiles"] = _pair(path, f"{base}.percentiles", raw["percentiles"], 0.0, 100.0)
    return out


def _code(code: Any) -> str:
    """A 三调 code as the scheme writes it: whole numbers get their leading zero back (101 → "0101")."""
    text = str(code).strip()
    return text.zfill(4) if text.isdigit() and len(text) < 4 else text


# -- the land cover on a grid -------------------------------------------------------------------------------

def prefer_scores(table: Mapping[str, float], rules) -> tuple[dict[str, float], list[str]]:
    """The land-cover table with the classes named by the run's prefer rules on the land cover scored by those
    rules' weights (``effect: prefer``, ``layer: landcover``, ``where: {values: […]}``; a later rule wins on a
    class two rules name): the plans' preferences (农光互补, 水光互补, 光伏+尾矿治理) come from the rules file,
    so editing or switching off a rule there changes the suitability. Returns (table, ids of the rules used)."""
    from .rules import norm_code

    out = dict(table)
    keys = {norm_code(k): k for k in out}
    used: list[str] = []
    for rule in rules:
        if rule.effect != "prefer" or rule.layer != "landcover" or rule.weight is None:
            continue
        codes = [v for cond in rule.where if cond.field is None for v in (cond.values or ())]
        if not codes:
            continue
        for code in codes:
            out[keys.get(norm_code(code), code)] = float(rule.weight)
        used.append(rule.id)
    return out, used


def landcover_values(table: Mapping[str, float]) -> tuple[list[int], list[float]]:
    """The table's 三调 codes as the raster's values (``layers/schemes/sandiao.yaml``; a code that is not a
    三调 code but is all digits is taken as the value itself), with their scores, in the table's order."""
    by_code = _sandiao_values()
    values, scores = [], []
    for code, score in table.items():
        value = by_code.get(code)
        if value is None and str(code).isdigit():
            value = int(code)
        if value is None:
            continue
        values.append(int(value))
        scores.append(float(score))
    return values, scores


def landcover_on_grid(path: Path, grid, table: Mapping[str, float], default: float | None,
                      feedback: Feedback | None = None) -> tuple[np.ndarray, dict[str, int]]:
    """Each grid cell's land-cover score: the class scores of ``table`` (三调 codes, mapped to the raster's
    values by ``layers/schemes/sandiao.yaml``) averaged over the part of the cell each class covers (exact
    where the grids nest). Returns (scores float64 with NaN = no data, {raster value: cells} of the classes
    the table does not score when ``default`` is None)."""
    import numpy as np

    import rasterio
    from rasterio.warp import Resampling, reproject, transform_bounds
    from rasterio.windows import Window, from_bounds

    with rasterio.open(path) as ds:
        nodata = ds.nodata
        bounds = transform_bounds(grid.crs, ds.crs, *grid.bounds, densify_pts=21)
        win = from_bounds(*bounds, transform=ds.transform)
        win = Window(math.floor(win.col_off) - 1, math.floor(win.row_off) - 1, math.ceil(win.width) + 3,
                     math.ceil(win.height) + 3)
        data = ds.read(1, window=win, boundless=True, fill_value=nodata if nodata is not None else 0)
        wt = ds.window_transform(win)
        src_crs = ds.crs
    scores = np.full(data.shape, np.nan if default is None else float(default), dtype=np.float64)
    known = np.zeros(data.shape, bool)
    for value, score in zip(*landcover_values(table)):
        hit = data == value
        scores[hit] = score
        known |= hit
    empty = np.zeros(data.shape, bool) if nodata is None else (data == nodata)
    if nodata is None or nodata != 0:
        empty |= data == 0  # 0 is no 三调 class (the demo writes it outside the counties)
    scores[empty] = np.nan
    unscored: dict[str, int] = {}
    if default is None:
        vals, counts = np.unique(data[~known & ~empty], return_counts=True)
        unscored = {str(v): int(n) for v, n in zip(vals.tolist(), counts.tolist())}
    out = np.full(grid.shape, np.nan, dtype=np.float64)
    reproject(scores, out, src_transform=wt, src_crs=src_crs, dst_transform=grid.transform, dst_crs=grid.crs,
              src_nodata=np.nan, dst_nodata=np.nan, resampling=Resampling.average)
    return out, unscored
