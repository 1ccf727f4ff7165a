"""From a layer's :class:`~sinkmap.core.project.Style` and attributes to a class per feature. No Qt.

Computed once per style change on the GUI side, then handed (read-only) to render threads:
``feature_class[i]`` is the index into ``fills`` of feature ``i`` (-1: not in any class, drawn with
``other_fill``). Also builds the common styles: categories from a classification scheme (land-cover
classes, DI_LEI codes), categories from the distinct values of a field, graduated classes by quantiles,
equal intervals or natural breaks (Jenks), and the per-class feature counts the style dialog shows.

Graduated classes follow QGIS: a value belongs to the class whose upper bound is the first bound ≥ the
value (``(lower, upper]``; the first class also holds its lower bound). Values below the first bound fall
in the first class and values above the last bound in the last, so every finite value is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..core.project import Style
from ..io.schemes import load_scheme
from .colors import QUALITATIVE, ramp_colors

OTHER_FILL = "#c8c8c8"


@dataclass(frozen=True)
class Symbology:
    feature_class: np.ndarray  # (F,) int32
    fills: tuple[str, ...]
    labels: tuple[str, ...]
    other_fill: str = OTHER_FILL
    has_other: bool = False
    legend: tuple[tuple[str, str], ...] = field(default=())  # (colour, text) rows for the legend

    @property
    def n_classes(self) -> int:
        return len(self.fills)


def _norm_values(values: pd.Series) -> np.ndarray:
    """Attribute values as text keys: 301.0 -> '301', ' 0301 ' -> '0301', NaN -> ''."""
    kind = values.dtype.kind
    if kind in "iub":
        return values.astype(str).to_numpy(dtype=object)
    if kind == "f":
        return values.map(lambda v: "" if v != v else format(v, "g")).to_numpy(dtype=object)
    text = values.astype(object).where(values.notna(), "").astype(str).str.strip()
    return text.to_numpy(dtype=object)


def build_symbology(style: Style, frame: pd.DataFrame | None) -> Symbology:
    """The per-feature classes of ``style`` over ``frame`` (None or no field: a single class)."""
    n = 0 if frame is None else len(frame)
    if style.kind == "categorised" and frame is not None and style.field in frame.columns:
        keys = list(style.categories)
        vals = _norm_values(frame[style.field])
        cls = pd.Categorical(vals, categories=keys).codes.astype(np.int32)  # -1: not a category
        fills = tuple(style.categories[k] for k in keys)
        labels = tuple(style.category_labels.get(k, k) for k in keys)
        return _with_legend(cls, fills, labels)
    if style.kind == "graduated" and frame is not None and style.field in frame.columns and len(style.breaks) > 1:
        vals = pd.to_numeric(frame[style.field], errors="coerce").to_numpy(dtype=float)
        cls = graduated_classes(vals, style.breaks)
        edges = np.asarray(style.breaks, dtype=float)
        ncls = len(edges) - 1
        colors = list(style.colors) if len(style.colors) == ncls else ramp_colors(style.ramp, ncls)
        labels = tuple(f"{edges[i]:.4g} – {edges[i + 1]:.4g}" for i in range(ncls))
        return _with_legend(cls, tuple(colors), labels)
    return Symbology(np.zeros(n, dtype=np.int32), (style.fill,), ("",), legend=((style.fill, ""),))


def graduated_classes(values: np.ndarray, breaks: list[float]) -> np.ndarray:
    """Class index (0..n-1) of each value for ``n + 1`` class bounds; -1 for NaN / non-numeric.

    ``(lower, upper]`` as in QGIS: a value equal to a bound goes to the class it closes.
    """
    vals = np.asarray(values, dtype=float)
    inner = np.asarray(breaks, dtype=float)[1:-1]
    cls = np.searchsorted(inner, vals, side="left").astype(np.int32)
    cls[~np.isfinite(vals)] = -1
    return cls


def _with_legend(cls: np.ndarray, fills: tuple[str, ...], labels: tuple[str, ...]) -> Symbology:
    has_other = bool((cls < 0).any())
    legend = tuple(zip(fills, labels))
    if has_other:
        legend += ((OTHER_FILL, "—"),)
    return Symbology(cls, fills, labels, has_other=has_other, legend=legend)


def legend_from_style(style: Style) -> list[tuple[str, str]]:
    """(colour, text) legend rows read from the style alone (no data needed)."""
    if style.kind == "categorised":
        return [(c, style.category_labels.get(k, k)) for k, c in style.categories.items()]
    if style.kind == "graduated" and len(style.breaks) > 1:
        n = len(style.breaks) - 1
        colors = list(style.colors) if len(style.colors) == n else ramp_colors(style.ramp, n)
        return [(colors[i], f"{style.breaks[i]:.4g} – {style.breaks[i + 1]:.4g}") for i in range(n)]
    return []


# -- building styles ------------------------------------------------------------------------------

def categorised_from_scheme(base: Style, frame: pd.DataFrame, field_name: str, scheme_name: str,
                            lang: str = "zh") -> Style:
    """Categories for the codes present in ``field_name``, coloured and named by a scheme (三调...)."""
    scheme = load_scheme(scheme_name)
    cats: dict[str, str] = {}
    names: dict[str, str] = {}
    for key in sorted(set(_norm_values(frame[field_name])) - {""}):
        c = scheme.lookup(key)
        if c is None:
            continue
        cats[key] = c.color
        names[key] = f"{c.code} {c.name_zh if lang.startswith('zh') else c.name_en}"
    return Style(**{**base.to_dict(), "kind": "categorised", "field": field_name, "categories": cats,
                    "category_labels": names, "scheme": scheme_name})


def categorised_unique(base: Style, frame: pd.DataFrame, field_name: str, max_classes: int = 40) -> Style:
    """One category per distinct value (most frequent first, at most ``max_classes``)."""
    counts = pd.Series(_norm_values(frame[field_name])).value_counts()
    keys = [k for k in counts.index if k != ""][:max_classes]
    cats = {k: QUALITATIVE[i % len(QUALITATIVE)] for i, k in enumerate(sorted(keys))}
    return Style(**{**base.to_dict(), "kind": "categorised", "field": field_name, "categories": cats,
                    "category_labels": {k: k for k in cats}})


def category_counts(frame: pd.DataFrame, field_name: str) -> dict[str, int]:
    """Number of features per category key (the same text keys categorised styles use)."""
    counts = pd.Series(_norm_values(frame[field_name])).value_counts()
    return {str(k): int(v) for k, v in counts.items()}


def numeric_values(frame: pd.DataFrame, field_name: str) -> np.ndarray:
    """The finite numbers of a field (text that does not parse and NaN left out)."""
    vals = pd.to_numeric(frame[field_name], errors="coerce").to_numpy(dtype=float)
    return vals[np.isfinite(vals)]


def graduated_counts(frame: pd.DataFrame, field_name: str, breaks: list[float]) -> list[int]:
    """Features per graduated class, classified exactly as the map draws them."""
    vals = pd.to_numeric(frame[field_name], errors="coerce").to_numpy(dtype=float)
    cls = graduated_classes(vals, breaks)
    n = max(len(breaks) - 1, 0)
    return np.bincount(cls[cls >= 0], minlength=n)[:n].astype(int).tolist()


def _degenerate(vals: np.ndarray) -> list[float] | None:
    """Bounds when there is nothing to split: no values ([0, 1]) or a single value ([v, v + 1])."""
    if len(vals) == 0:
        return [0.0, 1.0]
    lo, hi = float(vals.min()), float(vals.max())
    return [lo, lo + 1.0] if lo == hi else None


def equal_interval_breaks(values: np.ndarray, n: int) -> list[float]:
    """``n + 1`` bounds splitting [min, max] into ``n`` classes of equal width."""
    vals = np.asarray(values, dtype=float)
    vals = vals[np.isfinite(vals)]
    if (d := _degenerate(vals)) is not None:
        return d
    lo, hi = float(vals.min()), float(vals.max())
    n = max(int(n), 1)
    return [lo + (hi - lo) * i / n for i in range(n)] + [hi]


def quantile_breaks(values: np.ndarray, n: int) -> list[float]:
    """Bounds at the 0, 1/n, ..., 1 quantiles (equal counts); repeated bounds merged."""
    vals = np.asarray(values, dtype=float)
    vals = vals[np.isfinite(vals)]
    if (d := _degenerate(vals)) is not None:
        return d
    breaks = sorted(set(np.quantile(vals, np.linspace(0, 1, max(int(n), 1) + 1)).round(6).tolist()))
    return breaks if len(breaks) > 1 else [breaks[0], breaks[0] + 1.0]


def natural_breaks(values: np.ndarray, n: int, max_values: int = 1000) -> list[float]:
    """Jenks natural breaks: the ``n`` classes with the least total within-class squared deviation.

    Exact (Fisher's dynamic programme over the sorted distinct values, weighted by their counts) for up
    to ``max_values`` values; a larger layer is represented by ``max_values`` evenly spaced order
    statistics, which keeps the work (``n × max_values²``) small. Inner bounds are class maxima.
    """
    vals = np.sort(np.asarray(values, dtype=float)[np.isfinite(np.asarray(values, dtype=float))])
    if (d := _degenerate(vals)) is not None:
        return d
    if len(vals) > max_values:
        vals = vals[np.linspace(0, len(vals) - 1, max_values).round().astype(int)]
    x, w = np.unique(vals, return_counts=True)
    k = min(max(int(n), 1), len(x))
    xc = x - x.mean()  # centred: the cumulative sums below then lose less precision
    cw = np.concatenate([[0.0], np.cumsum(w, dtype=float)])
    cs = np.concatenate([[0.0], np.cumsum(w * xc)])
    cq = np.concatenate([[0.0], np.cumsum(w * xc * xc)])
    i, j = np.triu_indices(len(x))
    ssd = np.full((len(x), len(x)), np.inf)  # ssd[i, j]: squared deviation of x[i..j] as one class
    weight = cw[j + 1] - cw[i]
    ssd[i, j] = np.maximum((cq[j + 1] - cq[i]) - (cs[j + 1] - cs[i]) ** 2 / weight, 0.0)
    cost = ssd[0].copy()  # best cost of x[0..j] in 1 class
    starts = []  # per extra class: for each j, where its last class starts
    for _ in range(1, k):
        total = cost[:-1, None] + ssd[1:, :]  # row r: last class starts at r + 1
        starts.append(total.argmin(axis=0) + 1)
        cost = total.min(axis=0)
    uppers, j_end = [], len(x) - 1
    for arg in reversed(starts):
        start = int(arg[j_end])
        uppers.append(float(x[start - 1]))
        j_end = start - 1
    return [float(x[0]), *sorted(uppers), float(x[-1])]


#: Graduated classification methods, by the name stored in ``Style.method``.
GRADUATED_METHODS = {"quantile": quantile_breaks, "equal_interval": equal_interval_breaks,
                     "natural_breaks": natural_breaks}


def graduated(base: Style, frame: pd.DataFrame, field_name: str, n: int = 5, ramp: str = "greens",
              method: str = "quantile") -> Style:
    """A graduated style on ``field_name``: ``n`` classes by ``method``, coloured along ``ramp``."""
    if method not in GRADUATED_METHODS:
        raise ValueError(f"unknown classification method {method!r} (one of {', '.join(GRADUATED_METHODS)})")
    breaks = GRADUATED_METHODS[method](numeric_values(frame, field_name), n)
    return Style(**{**base.to_dict(), "kind": "graduated", "field": field_name, "breaks": breaks,
                    "colors": ramp_colors(ramp, len(breaks) - 1), "ramp": ramp, "method": method})


def graduated_quantiles(base: Style, frame: pd.DataFrame, field_name: str, n: int = 5,
                        ramp: str = "greens") -> Style:
    """``n`` classes with (about) equal counts of features, coloured along ``ramp``."""
    return graduated(base, frame, field_name, n, ramp, "quantile")


def graduated_equal_interval(base: Style, frame: pd.DataFrame, field_name: str, n: int = 5,
                             ramp: str = "greens") -> Style:
    """``n`` classes of equal width between the field's minimum and maximum."""
    return graduated(base, frame, field_name, n, ramp, "equal_interval")


def graduated_natural_breaks(base: Style, frame: pd.DataFrame, field_name: str, n: int = 5,
                             ramp: str = "greens") -> Style:
    """``n`` classes by Jenks natural breaks."""
    return graduated(base, frame, field_name, n, ramp, "natural_breaks")
