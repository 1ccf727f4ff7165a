"""Raster layers for the canvas: read only what the screen shows, at screen resolution. No Qt.

:func:`open_raster` records a raster's size, CRS and value range (from a decimated read, which GDAL
serves from overviews when the file has them). :meth:`RasterData.read_view` reads the window under the
current view with ``out_shape`` close to the number of screen pixels it covers, then warps that small
array onto the screen grid of the display CRS. A 10⁹-pixel land-cover raster therefore costs about as
much to draw as the screen has pixels (plus GDAL's decimation when it has no overviews).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine
from rasterio.enums import Resampling
from rasterio.errors import RasterioIOError
from rasterio.warp import reproject, transform_bounds
from rasterio.windows import Window, from_bounds

from ...core.errors import Cancelled, CRSError, InputError
from ...core.feedback import Feedback, ensure
from ...core.messages import Notice, clip

#: Above this many pixels without overviews, a warning suggests building them.
LARGE_RASTER_PX = 100_000_000
_STATS_SIZE = 2048  # the in-memory overview (and statistics sample) is at most this wide


@dataclass
class RasterData:
    path: str
    crs: str  # WKT of the raster's CRS
    width: int
    height: int
    dtype: str
    nodata: float | None
    bounds: tuple[float, float, float, float]  # native CRS
    extent: tuple[float, float, float, float]  # display CRS
    display_crs: str
    vmin: float
    vmax: float
    has_overviews: bool
    classes_present: tuple[int, ...] = ()  # distinct values of an integer raster (from the sample)
    overview: np.ndarray | None = field(default=None, repr=False)  # float32, NaN = no data
    overview_transform: Affine | None = None

    @property
    def is_integer(self) -> bool:
        return np.issubdtype(np.dtype(self.dtype), np.integer)

    def read_view(self, vp, resampling: Resampling = Resampling.nearest,
                  cancel: threading.Event | None = None) -> np.ma.MaskedArray:
        """The raster on the screen grid of viewport ``vp`` (height × width), masked where no data."""
        xmin, ymin, xmax, ymax = vp.extent
        dst = np.full((vp.height, vp.width), np.nan, dtype=np.float32)
        dst_transform = Affine(vp.units_per_px, 0.0, xmin, 0.0, -vp.units_per_px, ymax)
        warp = Resampling.nearest if resampling == Resampling.nearest else Resampling.bilinear
        if self._overview_suffices(vp):  # zoomed out: warp the in-memory overview, no disk read
            reproject(self.overview, dst, src_transform=self.overview_transform, src_crs=self.crs, src_nodata=np.nan,
                      dst_transform=dst_transform, dst_crs=self.display_crs, dst_nodata=np.nan, resampling=warp)
            return np.ma.masked_invalid(dst)
        with rasterio.open(self.path) as src:
            try:
                l, b, r, t = transform_bounds(self.display_crs, self.crs, xmin, ymin, xmax, ymax, densify_pts=21)
            except Exception:  # noqa: BLE001 - a view far outside the raster's CRS domain
                return np.ma.masked_invalid(dst)
            sl, sb, sr, st = src.bounds
            l, b, r, t = max(l, sl), max(b, sb), min(r, sr), min(t, st)
            if l >= r or b >= t:
                return np.ma.masked_invalid(dst)
            fw = from_bounds(l, b, r, t, transform=src.transform)
            c0, r0 = math.floor(fw.col_off), math.floor(fw.row_off)
            c1, r1 = math.ceil(fw.col_off + fw.width), math.ceil(fw.row_off + fw.height)
            c0, r0, c1, r1 = max(c0, 0), max(r0, 0), min(c1, src.width), min(r1, src.height)
            if c1 <= c0 or r1 <= r0:
                return np.ma.masked_invalid(dst)
            win = Window(c0, r0, c1 - c0, r1 - r0)
            # screen pixels the window covers -> read that many (GDAL picks an overview level)
            wl, wb, wr, wt = transform_bounds(self.crs, self.display_crs, *rasterio.windows.bounds(win, src.transform))
            px_w = max(1, math.ceil((wr - wl) / vp.units_per_px))
            px_h = max(1, math.ceil((wt - wb) / vp.units_per_px))
            out_w = int(min(win.width, px_w))
            out_h = int(min(win.height, px_h))
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            data = src.read(1, window=win, out_shape=(out_h, out_w), resampling=resampling, masked=True)
            src_transform = src.window_transform(win) @ Affine.scale(win.width / out_w, win.height / out_h)
            src_crs = self.crs
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        arr = data.astype(np.float32).filled(np.nan)
        reproject(arr, dst, src_transform=src_transform, src_crs=src_crs, src_nodata=np.nan,
                  dst_transform=dst_transform, dst_crs=self.display_crs, dst_nodata=np.nan, resampling=warp)
        return np.ma.masked_invalid(dst)

    def _overview_suffices(self, vp) -> bool:
        """True when a screen pixel covers at least one overview pixel (in display-CRS metres)."""
        if self.overview is None or self.overview_transform is None:
            return False
        ov_h, ov_w = self.overview.shape
        l, b, r, t = self.extent
        ov_px_size = min((r - l) / ov_w, (t - b) / ov_h)  # display units per overview pixel, roughly
        return vp.units_per_px >= ov_px_size

    def value_at(self, x: float, y: float) -> float | None:
        """The raster value at display-CRS point (x, y), None outside or on no-data."""
        from pyproj import Transformer

        tr = Transformer.from_crs(self.display_crs, self.crs, always_xy=True)
        sx, sy = tr.transform(x, y)
        with rasterio.open(self.path) as src:
            row, col = src.index(sx, sy)
            if not (0 <= row < src.height and 0 <= col < src.width):
                return None
            v = src.read(1, window=Window(col, row, 1, 1), masked=True)
        if v.mask.any():
            return None
        return float(v[0, 0])


def open_raster(path: str | Path, display_crs: str, feedback: Feedback | None = None,
                crs: str | None = None) -> RasterData:
    """Describe a raster for drawing; raises InputError/CRSError with the path and what to do.

    ``crs`` overrides the file's CRS (the user's choice in the import dialog, e.g. for a raster
    that carries none)."""
    feedback = ensure(feedback)
    path = Path(path)
    try:
        src = rasterio.open(path)
    except RasterioIOError as exc:
        raise InputError(code="io.raster.cannot_open", path=path, detail=clip(exc)) from None
    with src:
        try:
            src_crs = rasterio.crs.CRS.from_user_input(crs) if crs else src.crs
        except Exception as exc:  # noqa: BLE001 - a CRS text PROJ does not know
            raise CRSError(code="io.raster.unknown_crs", path=path, crs=crs, detail=clip(exc)) from None
        if src_crs is None:
            raise CRSError(code="io.raster.no_crs_dialog", path=path)
        if src.width * src.height == 0:
            raise InputError(code="io.raster.no_pixels", path=path)
        has_ov = bool(src.overviews(1))
        if src.width * src.height > LARGE_RASTER_PX and not has_ov:
            feedback.warn(Notice("io.raster.no_overviews", path=str(path), width=src.width, height=src.height))
        feedback.progress(0.3, "statistics")
        scale = max(1.0, max(src.width, src.height) / _STATS_SIZE)
        ov_h, ov_w = max(1, int(src.height / scale)), max(1, int(src.width / scale))
        sample = src.read(1, out_shape=(ov_h, ov_w), resampling=Resampling.nearest, masked=True)
        overview = sample.astype(np.float32).filled(np.nan)
        overview_transform = src.transform @ Affine.scale(src.width / ov_w, src.height / ov_h)
        valid = sample.compressed()
        valid = valid[np.isfinite(valid)] if valid.dtype.kind == "f" else valid
        if len(valid):
            vmin, vmax = np.percentile(valid, [2, 98]).tolist()
        else:
            vmin, vmax = 0.0, 1.0
        present: tuple[int, ...] = ()
        if np.issubdtype(np.dtype(src.dtypes[0]), np.integer) and len(valid):
            uniq = np.unique(valid)
            present = tuple(int(v) for v in uniq) if len(uniq) <= 256 else ()
        try:
            extent = transform_bounds(src_crs, display_crs, *src.bounds, densify_pts=21)
        except Exception as exc:  # noqa: BLE001
            raise CRSError(code="io.raster.crs_not_convertible", path=path, detail=clip(exc)) from None
        feedback.progress(1.0, "")
        return RasterData(path=str(path), crs=src_crs.to_wkt(), width=src.width, height=src.height,
                          dtype=str(src.dtypes[0]), nodata=src.nodata, bounds=tuple(src.bounds),
                          extent=tuple(extent), display_crs=display_crs, vmin=float(vmin), vmax=float(vmax),
                          has_overviews=has_ov, classes_present=present,
                          overview=overview if scale > 1.0 else None, overview_transform=overview_transform)
