"""Drawing a vector layer into a QImage, off the GUI thread.

Everything the thread reads is immutable for the job's lifetime: the prepared :class:`VectorData`, a
:class:`Symbology` computed on the GUI side, the style and the viewport. Polygons: each class's parts
go into a few QPainterPaths (built from numpy, see ``qpaths``); fills are drawn without antialiasing
and the outlines with it, which looks the same as an antialiased fill (the outline covers the edge)
at a fraction of the cost. Fill-only layers use small antialiased batches. Features smaller than a
pixel or two become dots. Labels are not drawn here: all layers' labels are placed together and drawn
above every layer (see ``labels``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPen

from ...carto.colors import hex_to_rgba
from ...carto.lod import screen_parts, split_by_class
from ...carto.symbology import Symbology
from ...carto.viewport import Viewport
from ...core.errors import Cancelled
from ...core.project import Style
from ...io.layerdata.data import LINE, POINT, POLYGON, VectorData
from .qpaths import chunked_paths, path_from_parts, polygonf

#: Parts per path: large for non-antialiased fills and strokes, small for antialiased fills.
BIG_BATCH = 2_000
AA_FILL_BATCH = 64
#: The selection outline is 2 px wide up to this many parts, 1 px above (see ``render_selection``).
WIDE_OUTLINE_PARTS = 2_000


@dataclass(frozen=True)
class VectorJob:
    data: VectorData
    style: Style
    symbology: Symbology


def new_image(vp: Viewport) -> QImage:
    img = QImage(vp.width, vp.height, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(Qt.GlobalColor.transparent)
    return img


def _check(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled()


def _color(hex_color: str) -> QColor | None:
    """A style colour: '#rrggbb' or '#rrggbbaa' (CSS order; Qt alone would read '#aarrggbb')."""
    if not hex_color or hex_color.lower() == "none":
        return None
    if hex_color.startswith("#") and len(hex_color) in (4, 7, 9):
        return QColor(*hex_to_rgba(hex_color))
    return QColor(hex_color)


def _pen(color: QColor, width: float, cap: Qt.PenCapStyle = Qt.PenCapStyle.RoundCap) -> QPen:
    pen = QPen(color)
    pen.setWidthF(width)
    pen.setCosmetic(True)
    pen.setCapStyle(cap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def render_vector(job: VectorJob, vp: Viewport, cancel: threading.Event | None = None) -> QImage:
    """The layer drawn for ``vp`` (transparent background). Raises Cancelled when ``cancel`` is set."""
    img = new_image(vp)
    painter = QPainter(img)
    try:
        if job.data.kind == POLYGON:
            _draw_polygons(painter, job, vp, cancel)
        elif job.data.kind == LINE:
            _draw_lines(painter, job, vp, cancel)
        else:
            _draw_points(painter, job, vp, cancel)
    finally:
        painter.end()
    return img


def _class_masks(sym: Symbology):
    """(class index, fill colour, feature mask) for each class present, 'other' last."""
    out = []
    cls = sym.feature_class
    for k, fill in enumerate(sym.fills):
        mask = cls == k
        if mask.any():
            out.append((k, fill, mask))
    if sym.has_other:
        out.append((-1, sym.other_fill, cls < 0))
    return out


def _draw_polygons(painter: QPainter, job: VectorJob, vp: Viewport, cancel) -> None:
    style, sym = job.style, job.symbology
    stroke = _color(style.stroke)
    stroke_w = max(0.0, style.stroke_width)
    outlined = stroke is not None and stroke_w > 0
    everything = screen_parts(job.data, vp)  # one visibility + decimation pass for all classes
    _check(cancel)
    for k, parts in split_by_class(everything, sym.feature_class):
        fill_c = _color(sym.fills[k] if k >= 0 else sym.other_fill)
        if fill_c is not None and len(parts.offsets) > 1:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QBrush(fill_c))
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, not outlined)
            for path in chunked_paths(parts.xy, parts.offsets, BIG_BATCH if outlined else AA_FILL_BATCH):
                painter.drawPath(path)
                _check(cancel)
        if len(parts.dots):
            dot_color = fill_c or stroke or QColor("#666666")
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            painter.setPen(_pen(dot_color, 1.5, Qt.PenCapStyle.SquareCap))
            painter.drawPoints(polygonf(parts.dots))
    if outlined:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(_pen(stroke, stroke_w))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for path in chunked_paths(everything.xy, everything.offsets, BIG_BATCH):
            _check(cancel)
            painter.drawPath(path)


def _draw_lines(painter: QPainter, job: VectorJob, vp: Viewport, cancel) -> None:
    style = job.style
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    width = max(style.stroke_width, 0.5)
    for _k, fill, mask in _class_masks(job.symbology):
        _check(cancel)
        color = _color(fill if job.symbology.n_classes > 1 or style.kind != "single" else style.stroke) \
            or QColor("#333333")
        parts = screen_parts(job.data, vp, feature_mask=mask)
        painter.setPen(_pen(color, width))
        for path in chunked_paths(parts.xy, parts.offsets, BIG_BATCH):
            painter.drawPath(path)
        if len(parts.dots):
            painter.drawPoints(polygonf(parts.dots))


def _draw_points(painter: QPainter, job: VectorJob, vp: Viewport, cancel) -> None:
    style = job.style
    size = max(style.point_size, 1.0)
    stroke = _color(style.stroke)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    for _k, fill, mask in _class_masks(job.symbology):
        _check(cancel)
        parts = screen_parts(job.data, vp, feature_mask=mask)
        if len(parts.xy) == 0:
            continue
        pts = polygonf(parts.xy)
        if stroke is not None and style.stroke_width > 0:
            painter.setPen(_pen(stroke, size + 2 * style.stroke_width))
            painter.drawPoints(pts)
        painter.setPen(_pen(_color(fill) or QColor("#d62728"), size))
        painter.drawPoints(pts)


def render_selection(data: VectorData, mask: np.ndarray, vp: Viewport,
                     cancel: threading.Event | None = None) -> QImage:
    """The selected features highlighted (yellow translucent fill, bright outline).

    Drawn like a layer: features under two pixels become dots, fills are one non-antialiased path per
    :data:`BIG_BATCH` parts under an antialiased outline, 2 px wide for a few features and 1 px for many:
    Qt strokes an antialiased cosmetic pen wider than 1 px through its path stroker, which took 16 s for
    100,000 small polygons (1 px: 0.07 s) while the render thread held the GIL against the GUI thread.
    """
    img = new_image(vp)
    painter = QPainter(img)
    try:
        parts = screen_parts(data, vp, feature_mask=mask)
        _check(cancel)
        highlight = QColor("#ff00aa")
        if data.kind == POINT:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setPen(_pen(QColor("#ffea00"), 10.0))
            painter.drawPoints(polygonf(parts.xy))
        else:
            if data.kind == POLYGON:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(QColor(255, 234, 0, 90))
                for path in chunked_paths(parts.xy, parts.offsets, BIG_BATCH):
                    painter.drawPath(path)
                    _check(cancel)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(_pen(highlight, 2.0 if len(parts.offsets) <= WIDE_OUTLINE_PARTS else 1.0))
            for path in chunked_paths(parts.xy, parts.offsets, BIG_BATCH):
                painter.drawPath(path)
                _check(cancel)
            if len(parts.dots):
                painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
                painter.setPen(_pen(highlight, 2.0, Qt.PenCapStyle.SquareCap))
                painter.drawPoints(polygonf(parts.dots))
    finally:
        painter.end()
    return img
