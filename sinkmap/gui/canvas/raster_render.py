"""Drawing rasters: classes with their scheme's palette, DEM as tinted hillshade, continuous ramps.

:func:`colorize` is numpy only (tested without Qt); :func:`render_raster` wraps its RGBA array in a
QImage on a render thread.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from PySide6.QtGui import QImage
from rasterio.enums import Resampling

from ...carto.colors import STEPPED_RAMPS, hex_to_rgba, ramp_lut
from ...carto.shading import hillshade, shade_factor, z_factor_for  # noqa: F401 - hillshade re-exported
from ...carto.viewport import Viewport
from ...core.errors import Cancelled
from ...core.project import Style
from ...io.layerdata.raster_data import RasterData
from ...io.schemes import load_scheme


@dataclass(frozen=True)
class RasterJob:
    data: RasterData
    style: Style


def class_lut(scheme_name: str) -> np.ndarray:
    """(N, 4) uint8 RGBA indexed by class value; unknown values transparent."""
    scheme = load_scheme(scheme_name)
    size = max(c.value for c in scheme.classes) + 1
    lut = np.zeros((size, 4), dtype=np.uint8)
    for c in scheme.classes:
        lut[c.value] = hex_to_rgba(c.color)
    return lut


def colorize(values: np.ma.MaskedArray, style: Style, vmin: float, vmax: float, cell: float) -> np.ndarray:
    """(H, W, 4) uint8 RGBA for a raster read on the screen grid."""
    h, w = values.shape
    rgba = np.zeros((h, w, 4), dtype=np.uint8)
    valid = ~np.ma.getmaskarray(values)
    data = np.ma.getdata(values)
    lo = style.vmin if style.vmin is not None else vmin
    hi = style.vmax if style.vmax is not None else vmax
    if style.kind == "classes" and style.scheme:
        lut = class_lut(style.scheme)
        idx = np.where(valid, data, -1).astype(np.int64)
        ok = valid & (idx >= 0) & (idx < len(lut))
        rgba[ok] = lut[idx[ok]]
    else:
        lut = ramp_lut(style.ramp if style.kind == "ramp" else "terrain")
        t = np.clip((np.where(valid, data, lo) - lo) / max(hi - lo, 1e-9), 0.0, 1.0)
        colors = lut[(t * (len(lut) - 1)).round().astype(np.int64)]
        if style.kind == "hillshade":
            shade = hillshade(np.where(valid, data, np.nan), cell, z_factor=z_factor_for(cell))
            k = shade_factor(shade)[..., None]
            colors = colors.astype(np.float32)
            colors[..., :3] *= k
            colors = colors.round().astype(np.uint8)
        rgba[valid] = colors[valid]  # the ramp's alpha (opaque but where a stop says otherwise)
    return rgba  # layer opacity is applied when compositing, not baked into the image


def rgba_to_qimage(rgba: np.ndarray) -> QImage:
    """A QImage owning a copy of an (H, W, 4) uint8 RGBA array."""
    h, w, _ = rgba.shape
    buf = np.ascontiguousarray(rgba)
    img = QImage(buf.data, w, h, 4 * w, QImage.Format.Format_RGBA8888)
    return img.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)


def render_raster(job: RasterJob, vp: Viewport, cancel: threading.Event | None = None) -> QImage:
    classes = job.style.kind == "classes" or (job.style.kind == "ramp" and job.style.ramp in STEPPED_RAMPS)
    values = job.data.read_view(vp, Resampling.nearest if classes else Resampling.average, cancel)
    if cancel is not None and cancel.is_set():
        raise Cancelled()
    rgba = colorize(values, job.style, job.data.vmin, job.data.vmax, vp.units_per_px)
    return rgba_to_qimage(rgba)
