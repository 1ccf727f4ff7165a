"""Running the zonal kernels over a raster: chunks of rows, strips within chunks, threads or Dask.

The row range is cut into chunks (whole block rows, about ``Chunking.chunk_pixels`` each) that depend only
on the raster and the settings — never on the number of workers. A chunk opens the file once, reads its
strips (GDAL's block cache capped meanwhile, so memory stays per strip), runs the kernels, and returns its
own sums; chunk sums are combined in chunk order. Locally the chunks run on threads (GDAL and the numba
kernels release the GIL); on Dask as tasks (:mod:`sinkmap.analysis.zonal.dask_backend`). Same chunks, same code, same
order: the results are bit-identical.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ...core.errors import Cancelled
from ...core.feedback import Feedback, ensure
from contextlib import ExitStack

from ...io.rasters import block_cache, opened, read_strip, read_strip_mask, strips
from .grid import ZoneGrid

__all__ = ["Chunking", "ClassJob", "SumJob", "ChunkOut", "plan_chunks", "chunk_grid", "strip_keys", "run_chunk", "run_chunk_capped", "execute",
           "LUT_VIEWS", "stream_cache_bytes"]

#: integer class rasters read through a lookup table on their unsigned view
LUT_VIEWS = {"uint8": "uint8", "int8": "uint8", "uint16": "uint16", "int16": "uint16"}


@dataclass(frozen=True)
class Chunking:
    """How the raster is cut. Results depend only on these numbers, never on the number of workers."""

    window_bytes: int = 16 * 2**20  # one read strip (memory per worker)
    chunk_pixels: int = 2**23  # about this many pixels per chunk (unit of work and of combination)
    threads: int | None = None  # local threads (default: all CPUs)
    read_ahead_bytes: int = 192 * 2**20  # strips read ahead while the zones are rasterised (0: off)


@dataclass
class ClassJob:
    """A categorical raster: bins = scheme classes, nodata (bin K), unknown probe (bin K+1)."""

    grid: ZoneGrid
    band: int
    lut: np.ndarray  # uint8 (int32 if > 253 classes) over the unsigned view of the raster's values (or the compact index of `wide`)
    n_classes: int
    window_bytes: int
    wide: tuple | None = None  # (sorted class values, their bins) for rasters wider than 16 bits
    nojit: object | None = None  # a nojit.ClassAccumulator while numba's kernels are not compiled yet

    @property
    def probe(self) -> int:
        return self.n_classes + 1


@dataclass
class SumJob:
    """A continuous raster: Σ value·area, valid area, nodata area, cells refused (±inf; negative values
    too when ``nonnegative``)."""

    grid: ZoneGrid
    band: int
    window_bytes: int
    nonnegative: bool = False


@dataclass
class ChunkOut:
    acc: np.ndarray  # classes: (zones, K + 1) with nodata last; sums: (zones, 4)
    unknown: dict = field(default_factory=dict)  # raster value (or 'other') -> (zones,) m², first-seen order
    windows: int = 0


def _chunk_rows(info, chunking: Chunking) -> int:
    bh = max(1, info.block_height)
    return max(bh, (max(1, chunking.chunk_pixels // max(1, info.width)) // bh) * bh)


def chunk_grid(info, chunking: Chunking, lo: int, hi: int) -> list[tuple[int, int]]:
    """The raster's fixed chunks (multiples of whole block rows counted from row 0) meeting rows lo..hi."""
    if hi <= lo:
        return []
    rows = _chunk_rows(info, chunking)
    return [(r, min(info.height, r + rows)) for r in range((lo // rows) * rows, min(hi, info.height), rows)]


def plan_chunks(grid: ZoneGrid, chunking: Chunking) -> list[tuple[int, int]]:
    """Row ranges covering the rows any zone touches: the raster's fixed chunk grid. Strips of a chunk
    with no zone in their rows are skipped without being read, so the chunks need not be clipped."""
    lo, hi = grid.index.row_span()
    return chunk_grid(grid.info, chunking, lo, hi)


def strip_keys(info, window_bytes: int, chunks: list[tuple[int, int]], index=None) -> list[tuple[int, int]]:
    """Every strip of ``chunks``, in the order the chunks read them (with ``index``: only the strips
    holding a zone row, the ones :func:`run_chunk` reads)."""
    keys = [s for c in chunks for s in strips(info, window_bytes=window_bytes, row_range=c)]
    return keys if index is None else [(r0, nr) for r0, nr in keys if _has_zones(index, r0, nr)]


def stream_cache_bytes(info, readers: int, window_bytes: int) -> int:
    """GDAL's block cache while ``readers`` threads stream strips (:func:`~sinkmap.io.rasters.block_cache`
    takes at least 8 MiB). A block is decoded into the cache, copied into its strip and never asked for
    again: two blocks per reader are enough, and a bigger cache only takes fresh memory pages for every
    block (a 64 MiB cache made reading 10⁸ pixels cost 1.5× the CPU). With a mask band a strip's blocks are
    read twice (values, then validity): a whole strip per reader then."""
    if info.masked:
        return readers * window_bytes
    return readers * 2 * max(1, info.block_width) * max(1, info.block_height) * info.itemsize


def _has_zones(ix, r0: int, nr: int) -> bool:
    """Whether any zone has a run or a partial cell in rows r0 .. r0+nr."""
    return bool(ix.run_ptr[r0 + nr] != ix.run_ptr[r0] or ix.part_ptr[r0 + nr] != ix.part_ptr[r0])


def _real_value(raw, info) -> object:
    view = LUT_VIEWS.get(info.dtype)
    if view is not None and view != info.dtype:
        return int(np.array(raw, view).view(info.dtype))
    return int(raw) if np.dtype(info.dtype).kind in "ui" else float(raw)


class Handles:
    """One open dataset per thread for a whole local run (an open costs about a millisecond, and a run
    has one chunk per few block rows); all closed together at the end."""

    def __init__(self, info) -> None:
        self.info = info
        self._local = threading.local()
        self._stack = ExitStack()
        self._lock = threading.Lock()

    def get(self):
        ds = getattr(self._local, "ds", None)
        if ds is None:
            with self._lock:
                ds = self._stack.enter_context(opened(self.info))
            self._local.ds = ds
        return ds

    def close(self) -> None:
        with self._lock:
            self._stack.close()


def run_chunk(job: ClassJob | SumJob, row0: int, row1: int, cancel: threading.Event | None = None,
              tick: Callable[[], None] | None = None, ahead=None, handles: Handles | None = None
              ) -> ChunkOut | None:
    """Accumulate rows ``row0 .. row1`` of the raster; None if cancelled. Runs on threads and Dask workers.

    ``ahead``: a :class:`~sinkmap.analysis.zonal.prefetch.ReadAhead` holding strips already read;
    ``handles``: this thread's open dataset (local runs), else the chunk opens the raster itself.
    """
    from .constants import LANES

    ix, info = job.grid.index, job.grid.info
    is_class = isinstance(job, ClassJob)
    lanes = np.zeros((ix.n_zones, LANES, job.n_classes + 2)) if is_class else None
    acc = np.zeros((ix.n_zones, 4))
    out = ChunkOut(acc=acc)
    view = LUT_VIEWS.get(info.dtype) if is_class else None
    nodata = float(info.nodata) if info.nodata is not None else 0.0
    common = (ix.run_ptr, ix.run_c0, ix.run_c1, ix.run_zone, ix.part_ptr, ix.part_col, ix.part_zone, ix.part_frac)
    buf = None
    with ExitStack() as stack:
        ds = None
        for r0, nr in strips(info, window_bytes=job.window_bytes, row_range=(row0, row1)):
            if cancel is not None and cancel.is_set():
                return None
            if not _has_zones(ix, r0, nr):
                if ahead is not None:
                    ahead.discard((r0, nr))
                if tick is not None:
                    tick()
                continue  # no zone in these rows: not read at all
            data = ahead.take((r0, nr)) if ahead is not None else None
            if data is None:
                if ahead is not None:
                    buf = ahead.buffer(nr)
                elif buf is None or buf.shape[0] < nr:
                    buf = np.empty((nr, info.width), info.dtype)
                if ds is None:  # one open per chunk or thread; the capped block cache keeps memory per strip
                    ds = handles.get() if handles is not None else stack.enter_context(opened(info))
                data = read_strip(ds, info, job.band, r0, nr, out=buf[:nr])
            mask = None
            if info.masked:  # validity from a mask/alpha band: read it alongside (never read ahead)
                if ds is None:
                    ds = handles.get() if handles is not None else stack.enter_context(opened(info))
                mask = read_strip_mask(ds, info, job.band, r0, nr)
            _strip(job, data, r0, nr, common, lanes, acc, out, view, nodata, mask)
            if ahead is not None:
                ahead.give_back(data)
            out.windows += 1
            if tick is not None:
                tick()
    if is_class:
        out.acc = lanes[:, :, : job.n_classes + 1].sum(axis=1)
    return out


#: set once a JIT kernel ran in this process (the compiled module was missing or did not fit): the
#: engine then starts building the module in the background for the next run
_JIT_USED = threading.Event()
#: set once the numpy accumulator ran (nothing compiled yet): the background build starts too
_NOJIT_USED = threading.Event()


def _strip(job, data, r0, nr, common, lanes, acc, out: ChunkOut, view, nodata, mask=None) -> None:
    """Run the kernel(s) on one strip (``mask``: 0 where a mask/alpha band says there is no data).

    The kernels are the ahead-of-time compiled ones when they are built and fit the arrays
    (:mod:`sinkmap.analysis.zonal.aot`), else numba's JIT-compiled ones: the same code, the same results."""
    from . import aot

    g, info = job.grid, job.grid.info
    area_a, area_b = g.area.coeffs(r0, nr)
    if mask is not None and mask.all():
        mask = None
    if isinstance(job, ClassJob):
        lut, values = job.lut, None
        if view is None:
            data, lut, values = _compact(data, job)
        elif data.dtype != np.dtype(view):
            data = data.view(view)
        if mask is not None:
            data, lut, values = _masked(data, lut, values, mask, job, info)
        kernel = aot.class_kernel(data, lut, area_a, area_b, lanes)
        if kernel is None and job.nojit is not None and values is None and not area_b.any():
            job.nojit.add(data, r0, lut, area_a[:, 0], lanes[:, 0, :])  # numpy: no compile
            _NOJIT_USED.set()
        else:
            if kernel is None:
                from .kernels import accumulate_classes as kernel
                _JIT_USED.set()
            kernel(data, r0, *common, lut, area_a, area_b, g.area.tile, lanes)
        if lanes[:, :, job.probe].any():
            lanes[:, :, job.probe] = 0.0
            _unknown(data, r0, common, lut, area_a, area_b, job, out, values)
    else:
        if data.dtype not in (np.float32, np.float64) or mask is not None:
            data = data.astype(np.float64)
        if mask is not None:
            data[mask == 0] = np.nan  # NaN is always nodata to the kernel
        kernel = aot.sum_kernel(data, area_a, area_b, acc)
        if kernel is None:
            from .kernels import accumulate_sum as kernel
            _JIT_USED.set()
        kernel(data, r0, *common, nodata, info.nodata is not None, job.nonnegative, area_a, area_b, g.area.tile, acc)


def run_chunk_capped(job, row0: int, row1: int) -> ChunkOut | None:
    """:func:`run_chunk` with GDAL's block cache capped (for Dask workers, one task at a time)."""
    with block_cache(4 * job.window_bytes):
        return run_chunk(job, row0, row1)


def _unknown(data, r0, common, lut, area_a, area_b, job: ClassJob, out: ChunkOut, values) -> None:
    """Resolve the probe bin of one strip value by value (only strips holding unknown codes get here)."""
    from . import aot
    from .constants import MAX_UNKNOWN

    accumulate_unknown = aot.unknown_kernel(data, lut, area_a, area_b)
    if accumulate_unknown is None:
        from .kernels import accumulate_unknown
    z = job.grid.n_zones
    dyn = np.full(lut.size, -1, np.int32)
    seen = np.zeros(MAX_UNKNOWN, np.int64)
    state = np.zeros(1, np.int64)
    res = np.zeros((z, 1 + MAX_UNKNOWN))
    accumulate_unknown(data, r0, *common, lut, job.probe, area_a, area_b, job.grid.area.tile, res, dyn, seen, state)
    for j in range(int(state[0])):
        raw = seen[j]
        key = values[raw] if values is not None else _real_value(raw, job.grid.info)
        key = key.item() if isinstance(key, np.generic) else key
        out.unknown[key] = out.unknown.get(key, np.zeros(z)) + res[:, 1 + j]
    if res[:, 0].any():
        out.unknown["other"] = out.unknown.get("other", np.zeros(z)) + res[:, 0]


def _masked(data: np.ndarray, lut: np.ndarray, values, mask: np.ndarray, job: ClassJob, info):
    """Strip values -> compact index with one extra index, for masked cells, that maps to nodata."""
    uniq, inverse = np.unique(data, return_inverse=True)
    compact_lut = np.append(lut[uniq].astype(np.int32), job.n_classes).astype(np.int32)
    index = inverse.reshape(data.shape).astype(np.uint32 if uniq.size >= 65535 else np.uint16)
    index[mask == 0] = uniq.size
    if values is not None:  # already a compact index: keep the raster values it stands for
        real = values[uniq]
    else:
        real = uniq.view(info.dtype) if LUT_VIEWS.get(info.dtype) not in (None, info.dtype) else uniq
    return index, compact_lut, np.append(real, real[:1]) if real.size else real


def _compact(data: np.ndarray, job: ClassJob):
    """Rasters wider than 16 bits or float: values -> compact uint16 index with a strip LUT."""
    from ...core.errors import InputError

    values, inverse = np.unique(data, return_inverse=True)
    if values.size > 65535:
        raise InputError(code="analysis.zonal.too_many_values", path=job.grid.info.path, shape=str(data.shape))
    known, bins = job.wide
    lut = np.full(values.size, job.probe, np.int32)
    pos = np.clip(np.searchsorted(known, values), 0, max(0, known.size - 1))
    hit = (known[pos] == values) if known.size else np.zeros(values.size, bool)
    lut[hit] = bins[pos[hit]]
    nd = job.grid.info.nodata
    if nd is not None:
        lut[values == nd] = job.n_classes
    if values.dtype.kind == "f":
        lut[np.isnan(values)] = job.n_classes
    return inverse.reshape(data.shape).astype(np.uint16), lut, values


def execute(job, chunks: list[tuple[int, int]], *, feedback: Feedback | None = None, client=None,
            threads: int | None = None, text: str = "zonal", ahead=None) -> list[ChunkOut]:
    """Run ``job`` on every chunk (threads, or Dask when ``client`` is given); results in chunk order.

    Progress is reported per strip, cancel is checked every 0.1 s (workers stop at their next strip).
    """
    feedback = ensure(feedback)
    if client is not None:
        from .dask_backend import run_on_dask

        return run_on_dask(client, run_chunk_capped, job, chunks, feedback=feedback, text=text)
    total = sum(len(strips(job.grid.info, window_bytes=job.window_bytes, row_range=c)) for c in chunks) or 1
    done = [0]
    lock = threading.Lock()
    cancel = threading.Event()

    def tick():
        with lock:
            done[0] += 1

    workers = max(1, min(threads or os.cpu_count() or 1, len(chunks) or 1))
    with block_cache(stream_cache_bytes(job.grid.info, workers + 2, job.window_bytes)):
        outs = _execute_local(job, chunks, feedback, workers, total, done, tick, cancel, text, ahead)
    if _JIT_USED.is_set() or _NOJIT_USED.is_set():  # have the compiled module ready for the next run
        from .aot import build_in_background

        build_in_background()
    return outs


def _execute_local(job, chunks, feedback: Feedback, workers: int, total: int, done: list, tick, cancel,
                   text: str, ahead=None) -> list[ChunkOut]:
    results: list[ChunkOut | None] = [None] * len(chunks)
    handles = Handles(job.grid.info)
    try:
        return _run_local(job, chunks, feedback, workers, (total, done, tick, cancel, text), ahead, handles,
                          results)
    finally:
        handles.close()


def _run_local(job, chunks, feedback: Feedback, workers: int, progress: tuple, ahead, handles: Handles,
               results: list) -> list[ChunkOut]:
    total, done, tick, cancel, text = progress
    if workers == 1:  # no thread hop: progress and cancel between strips, in this thread
        def tick_here():
            tick()
            feedback.progress(done[0] / total, text)
            if feedback.is_cancelled():
                cancel.set()
        for i, (r0, r1) in enumerate(chunks):
            results[i] = run_chunk(job, r0, r1, cancel, tick_here, ahead, handles)
            feedback.check()
        return results  # type: ignore[return-value]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sinkmap-zonal") as pool:
        futures = {pool.submit(run_chunk, job, r0, r1, cancel, tick, ahead, handles): i
                   for i, (r0, r1) in enumerate(chunks)}
        pending = set(futures)
        try:
            while pending:
                finished, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
                for fut in finished:
                    results[futures[fut]] = fut.result()
                feedback.progress(done[0] / total, text)
                feedback.check()
        except BaseException:
            cancel.set()
            for fut in pending:
                fut.cancel()
            raise
    if any(r is None for r in results):  # pragma: no cover - cancelled between checks
        raise Cancelled()
    return results  # type: ignore[return-value]
