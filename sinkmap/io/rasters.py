"""Reading rasters window by window (rasterio), with errors a user can act on.

* :func:`open_raster` checks a raster once and returns a :class:`RasterInfo` (grid, CRS, nodata, blocks).
* :func:`strips` plans the reading: strips of whole block rows, sized by a memory budget, so memory is
  bounded by the window and never by the raster.
* :func:`read_strip` reads one strip; a corrupt or truncated file becomes an :class:`InputError`.

GDAL's block cache keeps decoded blocks (up to 5 % of RAM by default) long after a streaming reader has
used them; :func:`block_cache` caps it while the engine streams, which keeps memory per strip and is also
faster (no growth of a gigabyte cache).
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from ..core.errors import CRSError, InputError

__all__ = ["RasterInfo", "open_raster", "strips", "read_strip", "read_strip_mask", "opened", "block_cache"]


@dataclass(frozen=True)
class RasterInfo:
    """What the zonal engine needs to know about a raster (picklable, no open handle)."""

    path: str
    width: int
    height: int
    count: int
    dtype: str
    crs_wkt: str
    transform: tuple  # affine coefficients a, b, c, d, e, f
    nodata: float | None
    block_height: int
    block_width: int
    is_geographic: bool
    masked: bool = False  # validity comes from a mask band or alpha band (not from a nodata value)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        a, _, c, _, e, f = self.transform
        xs = (c, c + a * self.width)
        ys = (f, f + e * self.height)
        return min(xs), min(ys), max(xs), max(ys)

    @property
    def pixels(self) -> int:
        return self.width * self.height

    @property
    def itemsize(self) -> int:
        return np.dtype(self.dtype).itemsize

    def affine(self):
        from affine import Affine

        return Affine(*self.transform)


def _rio():
    import rasterio
    from rasterio.errors import RasterioIOError

    return rasterio, RasterioIOError


def open_raster(path: str | Path, *, band: int = 1) -> RasterInfo:
    """Check that ``path`` is a readable, georeferenced raster and describe its grid.

    Raises :class:`InputError` for a missing, unreadable or corrupt file or a bad band, and
    :class:`CRSError` when the raster has no CRS (the engine reprojects zones to the raster's CRS,
    so it must know it).
    """
    rasterio, RasterioIOError = _rio()
    path = Path(path)
    if not path.exists():
        raise InputError(code="io.raster.not_found", path=path)
    from .input_files import check_input_file

    check_input_file(path)  # a folder, a pipe, an empty file: each said as such, not "damaged"
    try:
        with rasterio.open(path) as ds:
            if not 1 <= band <= ds.count:
                raise InputError(code="io.raster.no_band", path=path, band=band, count=ds.count)
            if ds.crs is None:
                raise CRSError(code="io.raster.no_crs", path=path)
            t = ds.transform
            if t.b != 0 or t.d != 0:
                raise InputError(code="io.raster.rotated", path=path)
            if ds.width == 0 or ds.height == 0:
                raise InputError(code="io.raster.empty", path=path)
            bh, bw = ds.block_shapes[band - 1]
            flags = {f.name for f in ds.mask_flag_enums[band - 1]}
            return RasterInfo(
                path=str(path), width=ds.width, height=ds.height, count=ds.count, dtype=ds.dtypes[band - 1],
                crs_wkt=ds.crs.to_wkt(), transform=tuple(t)[:6], nodata=ds.nodatavals[band - 1],
                block_height=int(bh), block_width=int(bw), is_geographic=bool(ds.crs.is_geographic),
                masked=bool(flags & {"per_dataset", "alpha"}),
            )
    except (InputError, CRSError):
        raise
    except RasterioIOError as exc:
        raise InputError(code="io.raster.unreadable", path=path, detail=_short(exc)) from None


def strips(info: RasterInfo, *, window_bytes: int, row_range: tuple[int, int] | None = None
           ) -> list[tuple[int, int]]:
    """Windows as (row0, nrows): whole block rows, as many as fit in ``window_bytes`` (at least one)."""
    lo, hi = row_range or (0, info.height)
    bh = max(1, info.block_height)
    row_bytes = info.width * info.itemsize
    blocks = max(1, int(window_bytes // max(1, row_bytes * bh)))
    step = blocks * bh
    out = []
    r = lo
    while r < hi:
        nxt = min(hi, (r // bh) * bh + step)  # stay on block-row boundaries
        if nxt <= r:
            nxt = min(hi, r + step)
        out.append((r, nxt - r))
        r = nxt
    return out


@contextmanager
def block_cache(max_bytes: int) -> Iterator[None]:
    """Cap GDAL's block cache (process-wide, restored on exit) while strips are streamed."""
    rasterio, _ = _rio()
    with rasterio.Env(GDAL_CACHEMAX=int(max(8 * 2**20, max_bytes))):
        yield


@contextmanager
def opened(info: RasterInfo) -> Iterator[object]:
    """An open rasterio dataset for ``info`` (errors as :class:`InputError`)."""
    rasterio, RasterioIOError = _rio()
    try:
        ds = rasterio.open(info.path)
    except RasterioIOError as exc:
        raise InputError(code="io.raster.cannot_reopen", path=info.path, detail=_short(exc)) from None
    try:
        yield ds
    finally:
        ds.close()


def read_strip(ds, info: RasterInfo, band: int, row0: int, nrows: int, out: np.ndarray | None = None
               ) -> np.ndarray:
    """Read rows ``row0 .. row0+nrows`` of ``band`` (all columns); a corrupt block is an InputError."""
    from rasterio.windows import Window

    rasterio, RasterioIOError = _rio()
    try:
        return ds.read(band, window=Window(0, row0, info.width, nrows), out=out)
    except (RasterioIOError, rasterio.errors.RasterioError) as exc:
        raise InputError(code="io.raster.corrupt_rows", path=info.path, row0=row0, row1=row0 + nrows - 1,
                         detail=_short(exc)) from None


def read_strip_mask(ds, info: RasterInfo, band: int, row0: int, nrows: int) -> np.ndarray:
    """The validity mask (0 = no data) of rows ``row0 .. row0+nrows`` from the raster's mask or alpha band."""
    from rasterio.windows import Window

    rasterio, RasterioIOError = _rio()
    try:
        return ds.read_masks(band, window=Window(0, row0, info.width, nrows))
    except (RasterioIOError, rasterio.errors.RasterioError) as exc:
        raise InputError(code="io.raster.corrupt_mask_rows", path=info.path, row0=row0, row1=row0 + nrows - 1,
                         detail=_short(exc)) from None


def _short(exc: BaseException) -> str:
    """The first line of GDAL's message (rasterio often puts the useful part in the chained cause)."""
    cause = exc.__cause__ or exc.__context__
    if cause is not None and "previous exception" in str(exc):
        exc = cause
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) < 300 else text[:297] + "..."


def pixel_size_m(info: RasterInfo) -> float:
    """Approximate pixel size in metres (for densifying and messages only, never for areas)."""
    a = abs(info.transform[0])
    if not info.is_geographic:
        return a
    return a * 111_320.0 * math.cos(math.radians(0.5 * (info.bounds[1] + info.bounds[3])))
