"""From a layer's :class:`~sinkmap.core.project.Style` and attributes to a class per feature. No Qt.

Computed once per style change on the GUI side, then handed (read-only) to render threads:
``feature_class[i]`` is the index into ``fills`` of feature ``i`` (-1: not in any class, drawn with
``other_fill``). Also builds the common styles: categories from a classification scheme (land-cover
classes, DI_LEI codes), categories from the distinct values of a field, graduated classes by quantiles.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ...core.project import Style
from ...io.schemes import load_scheme
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
        edges = np.asarray(style.breaks, dtype=float)
        cls = np.searchsorted(edges[1:-1], vals, side="right").astype(np.int32)
        cls[~np.isfinite(vals)] = -1
        ncls = len(edges) - 1
        colors = list(style.colors) if len(style.colors) == ncls else ramp_colors(style.ramp, ncls)
        labels = tuple(f"{edges[i]:.4g} – {edges[i + 1]:.4g}" for i in range(ncls))
        return _with_legend(cls, tuple(colors), labels)
    return Symbology(np.zeros(n, dtype=np.int32), (style.fill,), ("",), legend=((style.fill, ""),))


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


def graduated_quantiles(base: Style, frame: pd.DataFrame, field_name: str, n: int = 5,
                        ramp: str = "greens") -> Style:
    """``n`` classes with (about) equal counts of features, coloured along ``ramp``."""
    vals = pd.to_numeric(frame[field_name], errors="coerce").to_numpy(dtype=float)
    vals = vals[np.isfinite(vals)]
    if len(vals) == 0:
        breaks = [0.0, 1.0]
    else:
        breaks = sorted(set(np.quantile(vals, np.linspace(0, 1, n + 1)).round(6).tolist()))
        if len(breaks) < 2:
            breaks = [breaks[0], breaks[0] + 1.0]
    return Style(**{**base.to_dict(), "kind": "graduated", "field": field_name, "breaks": breaks,
                    "colors": ramp_colors(ramp, len(breaks) - 1), "ramp": ramp})
