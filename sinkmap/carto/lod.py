"""Level of detail for vector drawing, in screen pixels. No Qt: numpy in, numpy out.

For one viewport, :func:`screen_parts` keeps the features whose bounding box meets the view, moves
their vertices to pixel coordinates and drops every vertex that falls in the same pixel cell as the
previous kept one (first and last vertex of a part are always kept). At the full extent of a
100,000-polygon inventory most subcompartments are a few pixels wide: they shrink to a handful of
vertices, and those smaller than ``dot_px`` become dots. All of it is whole-array arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..io.layerdata.data import VectorData
from .viewport import Viewport


@dataclass
class ScreenParts:
    """Parts (rings / lines) in pixel coordinates after decimation, plus features drawn as dots."""

    xy: np.ndarray  # (V, 2) float64 pixel coordinates
    offsets: np.ndarray  # (P + 1,) start of each part in xy
    feature: np.ndarray  # (P,) row of the layer each part belongs to
    dots: np.ndarray  # (D, 2) pixel centres of features too small to draw as shapes
    dot_feature: np.ndarray  # (D,) their rows

    @property
    def vertex_count(self) -> int:
        return len(self.xy)


def visible_features(data: VectorData, vp: Viewport, margin_px: float = 2.0) -> np.ndarray:
    """Boolean mask of features whose bounding box meets the viewport (with a margin in pixels)."""
    xmin, ymin, xmax, ymax = vp.extent
    m = margin_px * vp.units_per_px
    b = data.bounds
    with np.errstate(invalid="ignore"):
        return (b[:, 2] >= xmin - m) & (b[:, 0] <= xmax + m) & (b[:, 3] >= ymin - m) & (b[:, 1] <= ymax + m)


def _expand(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenated ranges [start, start + length) as one index array, without a Python loop."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    first = np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.repeat(starts, lengths) + (np.arange(total) - first)


def screen_parts(data: VectorData, vp: Viewport, feature_mask: np.ndarray | None = None,
                 dot_px: float = 1.5, cell_px: float = 1.0) -> ScreenParts:
    """The drawable parts of ``data`` in ``vp`` (see the module docstring).

    ``feature_mask``: restrict to these features (e.g. one category, or the selection).
    ``dot_px``: polygons/lines whose box is smaller than this on both axes are drawn as dots.
    ``cell_px``: vertices closer than one cell of this size to the previous kept one are dropped.
    """
    vis = visible_features(data, vp)
    if feature_mask is not None:
        vis &= feature_mask
    upp = vp.units_per_px
    b = data.bounds
    if data.kind == "point":
        small = np.zeros(len(b), dtype=bool)
    else:
        with np.errstate(invalid="ignore"):
            small = ((b[:, 2] - b[:, 0]) < dot_px * upp) & ((b[:, 3] - b[:, 1]) < dot_px * upp)
    dot_rows = np.flatnonzero(vis & small)
    dcx = (b[dot_rows, 0] + b[dot_rows, 2]) / 2.0
    dcy = (b[dot_rows, 1] + b[dot_rows, 3]) / 2.0
    dx, dy = vp.to_screen(dcx, dcy)
    dots = np.column_stack([dx, dy]) if len(dot_rows) else np.zeros((0, 2))

    draw = vis & ~small
    part_ok = draw[data.part_feature]
    part_ids = np.flatnonzero(part_ok)
    starts = data.part_offsets[part_ids]
    lengths = data.part_offsets[part_ids + 1] - starts
    idx = _expand(starts, lengths)
    xy = data.coords[idx]
    sx, sy = vp.to_screen(xy[:, 0], xy[:, 1])
    new_offsets = np.zeros(len(part_ids) + 1, dtype=np.int64)
    np.cumsum(lengths, out=new_offsets[1:])
    if data.kind != "point" and len(sx):
        keep = _decimate(sx, sy, new_offsets, cell_px)
        kept_per_part = np.add.reduceat(keep.astype(np.int64), new_offsets[:-1]) if len(part_ids) else keep[:0]
        sx, sy = sx[keep], sy[keep]
        new_offsets = np.zeros(len(part_ids) + 1, dtype=np.int64)
        np.cumsum(kept_per_part, out=new_offsets[1:])
    return ScreenParts(xy=np.column_stack([sx, sy]), offsets=new_offsets, feature=data.part_feature[part_ids],
                       dots=dots, dot_feature=dot_rows)


def _decimate(sx: np.ndarray, sy: np.ndarray, offsets: np.ndarray, cell_px: float) -> np.ndarray:
    """Mask of vertices to keep: those entering a new pixel cell, plus every part's first and last."""
    cx = np.floor(sx / cell_px)
    cy = np.floor(sy / cell_px)
    keep = np.ones(len(sx), dtype=bool)
    keep[1:] = (cx[1:] != cx[:-1]) | (cy[1:] != cy[:-1])
    starts = offsets[:-1]
    ends = offsets[1:] - 1
    nonempty = offsets[1:] > offsets[:-1]
    keep[starts[nonempty]] = True
    keep[ends[nonempty]] = True
    return keep


def split_by_class(parts: ScreenParts, feature_class: np.ndarray) -> list[tuple[int, ScreenParts]]:
    """``parts`` regrouped by the class of their feature: [(class, parts of that class)], classes ascending.

    One gather reorders the (already decimated) vertices so that each class is a contiguous run; this
    replaces one full visibility/decimation pass per class.
    """
    out = []
    pcls = feature_class[parts.feature] if len(parts.feature) else np.zeros(0, dtype=np.int64)
    order = np.argsort(pcls, kind="stable")
    lengths = np.diff(parts.offsets)[order]
    xy = parts.xy[_expand(parts.offsets[:-1][order], lengths)]
    offsets = np.zeros(len(order) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    sorted_cls = pcls[order]
    feature = parts.feature[order]
    dcls = feature_class[parts.dot_feature] if len(parts.dot_feature) else np.zeros(0, dtype=np.int64)
    for k in np.union1d(np.unique(sorted_cls), np.unique(dcls)).tolist():
        a, b = np.searchsorted(sorted_cls, [k, k + 1])
        v0, v1 = int(offsets[a]), int(offsets[b])
        dmask = dcls == k
        out.append((int(k), ScreenParts(xy=xy[v0:v1], offsets=offsets[a:b + 1] - v0, feature=feature[a:b],
                                        dots=parts.dots[dmask], dot_feature=parts.dot_feature[dmask])))
    return out
