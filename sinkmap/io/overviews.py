"""Building a raster's overviews (pyramids) into an external ``.ovr`` — all or nothing, cancellable.

A 10⁹-pixel land-cover GeoTIFF without overviews is slow to draw zoomed out: GDAL has to decimate the
full-resolution blocks for every frame. :func:`build_overviews` writes the reduced levels into
``<raster>.ovr`` beside it (the file itself is never opened for writing), which GDAL then uses on its
own whenever a smaller read is asked for.

How, and why this way:

* rasterio only builds overviews on a dataset opened for update, and a GeoTIFF opened for update gets
  *internal* overviews (the user's file rewritten). Instead a tiny temporary VRT that points at the
  raster is opened for update: GDAL writes the VRT's overviews to ``<vrt>.ovr``, a standalone TIFF of
  the reduced levels, while the raster is only read.
* The build runs in a child process. GDAL offers rasterio no progress callback and no way to stop it, so
  Cancel terminates the child; progress is the size of the growing temporary ``.ovr`` against the size
  its levels will have (uncompressed).
* Only a complete build is renamed to ``<raster>.ovr`` (``os.replace``). Cancel or failure removes the
  temporary files: never a half-written ``.ovr``.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

from ..core.errors import Cancelled, InputError
from ..core.feedback import Feedback, ensure
from ..core.messages import Notice, clip

#: Stop halving when the smallest level's longer side would be under this many pixels.
MIN_LEVEL_PX = 256
_POLL_S = 0.1


def ovr_path(raster: str | Path) -> Path:
    """Where GDAL looks for a raster's external overviews."""
    raster = Path(raster)
    return raster.with_name(raster.name + ".ovr")


def overview_factors(width: int, height: int, min_px: int = MIN_LEVEL_PX) -> list[int]:
    """Factors 2, 4, 8, … down to the last level whose longer side is still ≥ ``min_px``."""
    factors, f = [], 2
    while max(width, height) / f >= min_px:
        factors.append(f)
        f *= 2
    return factors or [2]


def expected_bytes(width: int, height: int, bands: int, itemsize: int, factors: list[int]) -> int:
    """Bytes of pixel data in an uncompressed ``.ovr`` with these levels (for progress)."""
    return sum(math.ceil(width / f) * math.ceil(height / f) for f in factors) * bands * itemsize


def _vrt_document(src, source_name: str) -> str:
    """A VRT that shows the raster band for band (source path relative to the VRT: same folder)."""
    from rasterio.dtypes import _gdal_typename

    bands = []
    for i in range(1, src.count + 1):
        nodata = src.nodatavals[i - 1]
        nd = f"<NoDataValue>{nodata!r}</NoDataValue>" if nodata is not None else ""
        bands.append(
            f'<VRTRasterBand dataType="{_gdal_typename(src.dtypes[i - 1])}" band="{i}">{nd}'
            f'<SimpleSource><SourceFilename relativeToVRT="1">{escape(source_name)}</SourceFilename>'
            f"<SourceBand>{i}</SourceBand></SimpleSource></VRTRasterBand>")
    geo = f"<GeoTransform>{', '.join(repr(v) for v in src.transform.to_gdal())}</GeoTransform>"
    return (f'<VRTDataset rasterXSize="{src.width}" rasterYSize="{src.height}">{geo}{"".join(bands)}'
            "</VRTDataset>")


def _child_build(vrt: str, factors: list[int], resampling: str, conn) -> None:
    """(Child process.) Build the VRT's overviews; send "ok" or the error text."""
    try:
        import rasterio
        from rasterio.enums import Resampling

        with rasterio.Env(GDAL_CACHEMAX=256 * 2**20, BIGTIFF_OVERVIEW="IF_SAFER"):
            with rasterio.open(vrt, "r+") as ds:
                ds.build_overviews(factors, Resampling[resampling])
        conn.send("ok")
    except BaseException as exc:  # noqa: BLE001 - reported to the parent as text
        conn.send(f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}")
    finally:
        conn.close()


def _remove(*paths: Path) -> None:
    for p in paths:
        try:
            p.unlink()
        except FileNotFoundError:
            pass


def build_overviews(path: str | Path, factors: list[int] | None = None, resampling: str = "nearest",
                    feedback: Feedback | None = None) -> Path:
    """Write ``<path>.ovr`` with the given decimation ``factors`` (default :func:`overview_factors`).

    ``resampling`` is a rasterio ``Resampling`` name: ``nearest`` for classes (land cover), ``average``
    for continuous values. Returns the ``.ovr`` path. Raises :class:`InputError` (unreadable raster,
    read-only folder, GDAL failure) or :class:`Cancelled`; in both cases no ``.ovr`` is left behind and
    an existing one is untouched.
    """
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.errors import RasterioIOError

    feedback = ensure(feedback)
    path = Path(path).resolve()
    if resampling not in Resampling.__members__:
        raise InputError(code="io.overviews.unknown_resampling", resampling=resampling)
    try:
        with rasterio.open(path) as src:
            factors = sorted(set(factors or overview_factors(src.width, src.height)))
            if not factors or factors[0] < 2:
                raise InputError(code="io.overviews.bad_factors", path=path, factors=factors)
            total = expected_bytes(src.width, src.height, src.count, np.dtype(src.dtypes[0]).itemsize, factors)
            doc = _vrt_document(src, path.name)
    except RasterioIOError as exc:
        raise InputError(code="io.raster.cannot_open", path=path, detail=clip(str(exc).splitlines()[0])) from None
    if not os.access(path.parent, os.W_OK):
        raise InputError(code="io.overviews.read_only", path=path.parent)
    feedback.check()
    # a name of its own per build: a cancelled build still cleaning up must not remove a new build's files
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".sinkmap-ovr.vrt", dir=path.parent)
    os.close(fd)
    vrt = Path(name)
    tmp_ovr = vrt.with_name(vrt.name + ".ovr")
    leftovers = (vrt, tmp_ovr, vrt.with_name(vrt.name + ".aux.xml"))
    vrt.write_text(doc, encoding="utf-8")
    ctx = mp.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child_build, args=(str(vrt), factors, resampling, send), daemon=True)
    try:
        child.start()
        send.close()
        message = None
        while message is None:
            if feedback.is_cancelled():
                raise Cancelled()
            if receive.poll(_POLL_S):
                try:
                    message = receive.recv()
                except EOFError:  # the child died without a word (GDAL crashed)
                    message = Notice("io.overviews.process_died")
            elif not child.is_alive() and not receive.poll(0):
                message = Notice("io.overviews.process_died")
            size = tmp_ovr.stat().st_size if tmp_ovr.exists() else 0
            feedback.progress(min(0.95, size / max(1, total)), "building overviews")
        child.join(5)
        if message != "ok":
            raise InputError(code="io.overviews.failed", path=path,
                             detail=message if isinstance(message, Notice) else clip(message))
        feedback.check()  # last chance: after this the build is kept
        target = ovr_path(path)
        os.replace(tmp_ovr, target)
        feedback.progress(1.0, "overviews built")
        return target
    finally:
        if child.is_alive():
            child.terminate()
            child.join(5)
        receive.close()
        _remove(*leftovers)
