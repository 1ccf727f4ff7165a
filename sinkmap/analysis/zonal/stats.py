"""The zonal engine: per zone × class areas, and zonal sums, of rasters far larger than memory.

One pass over the raster, strip by strip (whole block rows), against the zones rasterised once per grid
(:mod:`sinkmap.analysis.zonal.rasterize`): boundary cells are weighted by the exact fraction inside the zone and
every cell by its true ellipsoidal area (:mod:`sinkmap.analysis.zonal.cellarea`), so a zone's class areas sum
to its polygon's area. Nodata is excluded and reported; codes the scheme does not know are counted as
"unclassified" and reported with their areas.

Execution (:mod:`sinkmap.analysis.zonal.run`): the row range is cut into chunks (whole block rows, about
``Chunking.chunk_pixels`` each) that depend only on the raster. Each chunk opens the raster itself, reads
its strips, and accumulates into its own arrays; chunk results are combined in chunk order. Locally the
chunks run on threads (the kernels and GDAL release the GIL), on Dask as tasks
(:mod:`sinkmap.analysis.zonal.dask_backend`) — the same chunks, the same code and the same summation order, so both
give bit-identical results. Memory: the zone index (∝ boundary length and rows, 43 MB for Hunan's
counties at 10⁹ pixels) plus, per worker, one strip (``Chunking.window_bytes``, at least one block row)
and GDAL's block cache, capped while the engine runs.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

import numpy as np

from ...core.crs import M2_PER_HA
from ...core.errors import InputError
from ...core.feedback import Feedback, SubFeedback, ensure
from ...core.messages import Notice
from ...io.rasters import RasterInfo, open_raster
from ...io.schemes import Scheme, load_scheme
from .grid import ZoneGrid, envelope_rows, prepare_zones
from ...io.rasters import block_cache
from .prefetch import ReadAhead
from .run import (LUT_VIEWS, Chunking, ChunkOut, ClassJob, SumJob, chunk_grid, execute, plan_chunks, stream_cache_bytes,
                  strip_keys)

__all__ = ["Chunking", "ZonalResult", "ZonalSumResult", "zonal_class_areas", "zonal_sum", "prepare_grid"]


# -- results -----------------------------------------------------------------------------------------

@dataclass
class ZonalResult:
    """Per zone × class areas (ha) of a categorical raster, with what was left out."""

    labels: list[dict]
    codes: list[str]  # scheme class codes, column order of class_area_ha
    class_area_ha: np.ndarray  # (zones, classes)
    nodata_ha: np.ndarray  # (zones,)
    unclassified: dict  # raw value (int, or 'other') -> (zones,) ha
    zone_area_ha: np.ndarray  # ellipsoidal area of each zone polygon
    scheme: str
    raster: str
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def covered_ha(self) -> np.ndarray:
        """Area of each zone that the raster covers (classes + nodata + unclassified)."""
        total = self.class_area_ha.sum(axis=1) + self.nodata_ha
        for v in self.unclassified.values():
            total = total + v
        return total

    def rows(self) -> list[dict]:
        out = []
        for i, lab in enumerate(self.labels):
            out.append({**lab,
                        "class_areas_ha": {c: float(self.class_area_ha[i, j]) for j, c in enumerate(self.codes)},
                        "nodata_area_ha": float(self.nodata_ha[i]),
                        "unclassified": {k: float(v[i]) for k, v in self.unclassified.items() if v[i] > 0}})
        return out

    def to_frame(self):
        import pandas as pd

        frame = pd.DataFrame(self.class_area_ha, columns=self.codes)
        for key in ("name", "adcode", "level", "parent"):
            if self.labels and key in self.labels[0]:
                frame.insert(len([c for c in frame.columns if c in ("name", "adcode", "level", "parent")]), key,
                             [lab.get(key) for lab in self.labels])
        frame["nodata_ha"] = self.nodata_ha
        frame["zone_area_ha"] = self.zone_area_ha
        return frame


@dataclass
class ZonalSumResult:
    """Per zone Σ value × cell area (value units × ha), valid and nodata areas (ha)."""

    labels: list[dict]
    value_x_ha: np.ndarray
    valid_ha: np.ndarray
    nodata_ha: np.ndarray
    zone_area_ha: np.ndarray
    raster: str
    warnings: list[str] = field(default_factory=list)
    refused_cells: np.ndarray | None = None  # (zones,) cells taken as nodata: ±inf (negative for a density)

    def mean(self) -> np.ndarray:
        """Area-weighted mean value over valid cells (NaN where the zone has none)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.valid_ha > 0, self.value_x_ha / np.where(self.valid_ha > 0, self.valid_ha, 1), np.nan)


def _class_lut(info: RasterInfo, scheme: Scheme) -> tuple[np.ndarray, tuple | None]:
    """Raw value -> bin: classes 0..K-1, nodata K, anything else the unknown probe K+1."""
    k = len(scheme.classes)
    view = LUT_VIEWS.get(info.dtype)
    nodata = info.nodata
    if view is not None:  # bins fit a byte for any real scheme: a 64 KiB table stays in cache
        lut = np.full(256 if view == "uint8" else 65536, k + 1, np.uint8 if k + 2 <= 255 else np.int32)
        dtype = np.dtype(info.dtype)
        lo, hi = np.iinfo(dtype).min, np.iinfo(dtype).max
        for j, c in enumerate(scheme.classes):
            if lo <= c.value <= hi:
                lut[np.array(c.value, dtype).view(view)] = j
        if nodata is not None and float(nodata).is_integer() and lo <= nodata <= hi:
            lut[np.array(int(nodata), dtype).view(view)] = k
        return lut, None
    values = np.array(sorted(c.value for c in scheme.classes), dtype=info.dtype)
    by_value = {c.value: j for j, c in enumerate(scheme.classes)}
    bins = np.array([by_value[int(v)] for v in values], np.int32)
    return np.zeros(0, np.int32), (values, bins)


def prepare_grid(raster_path, zones, *, band: int = 1, feedback: Feedback | None = None) -> ZoneGrid:
    """Open the raster and rasterise the zones on its grid (reusable across calls on the same grid)."""
    info = open_raster(raster_path, band=band)
    return prepare_zones(info, zones, feedback)


_HANDOFF_LOCK = threading.Lock()
_HANDOFF = {"runs": 0, "before": 0.0}  # engine runs under way (GUI threads may overlap), interval before


@contextmanager
def _quick_gil_handoff(seconds: float = 0.001):
    """Hand the GIL over every ``seconds`` instead of 5 ms while the engine runs: GDAL's reads give the
    GIL back and take it again per block, and with another thread busy in Python each retake would
    otherwise wait up to a whole switch interval (measured: reading alone twice as slow).

    Process-wide, so counted: the first run to start sets it, the last to end restores it (overlapping
    runs ending in any order leave the interval as they found it)."""
    with _HANDOFF_LOCK:
        if _HANDOFF["runs"] == 0:
            _HANDOFF["before"] = sys.getswitchinterval()
            sys.setswitchinterval(min(_HANDOFF["before"], seconds))
        _HANDOFF["runs"] += 1
    try:
        yield
    finally:
        with _HANDOFF_LOCK:
            _HANDOFF["runs"] -= 1
            if _HANDOFF["runs"] == 0:
                sys.setswitchinterval(_HANDOFF["before"])


def _reads_ahead(client, chunking: Chunking, info: RasterInfo, zones) -> bool:
    """Local runs read ahead (not on Dask, not with a mask band, which is read with its strip)."""
    return client is None and chunking.read_ahead_bytes > 0 and not info.masked and zones is not None \
        and len(zones) > 0


def _run(job_of, raster_path, zones, band, grid, chunking: Chunking, client, feedback: Feedback, text: str):
    """Rasterise the zones on the raster's grid (unless given) and run the job's chunks.

    Run locally, the raster's strips are read ahead on a background thread while the zones are
    rasterised (:mod:`sinkmap.analysis.zonal.prefetch`); the kernels then take them as they come.
    """
    ahead: list[ReadAhead] = []
    try:
        with ExitStack() as stack, _quick_gil_handoff():
            info = open_raster(raster_path, band=band) if grid is None else grid.info
            stack.enter_context(block_cache(stream_cache_bytes(info, 4, chunking.window_bytes)))
            if grid is None:
                if _reads_ahead(client, chunking, info, zones):
                    lo, hi = envelope_rows(info, zones)  # known before the zones are reprojected
                    keys = [(r0, nr) for r0, nr in strip_keys(info, chunking.window_bytes,
                                                              chunk_grid(info, chunking, lo, hi))
                            if r0 < hi and r0 + nr > lo]  # not the chunks' strips beyond the zones
                    ahead.append(ReadAhead(info, band, keys, chunking.read_ahead_bytes).start())
                # while a thread reads ahead, rasterise on one fewer (the reader gets a core of its own)
                threads = chunking.threads or os.cpu_count() or 1
                grid = prepare_zones(info, zones, SubFeedback(feedback, 0.0, 0.05),
                                     threads=max(1, threads - 1) if ahead else threads)
            job = job_of(grid)
            chunks = plan_chunks(grid, chunking)
            if ahead:
                # only strips holding a zone row: the others are skipped unread by the chunks
                ahead[0].keep_only(strip_keys(grid.info, chunking.window_bytes, chunks, grid.index))
            outs = execute(job, chunks, feedback=feedback, client=client, threads=chunking.threads, text=text,
                           ahead=ahead[0] if ahead else None)
    finally:
        for a in ahead:
            a.close()
    return grid, job, outs


def zonal_class_areas(raster_path, zones, scheme: str | Scheme, *, band: int = 1, feedback: Feedback | None = None,
                      chunking: Chunking | None = None, client=None, grid: ZoneGrid | None = None) -> ZonalResult:
    """Area (ha) of every class of ``scheme`` in every zone of ``zones`` (a polygon GeoDataFrame).

    Boundary cells count by the exact fraction inside the zone; areas are ellipsoidal. Nodata is
    excluded and reported per zone; unknown codes are reported under ``unclassified`` and warned about.
    ``client``: a ``dask.distributed.Client`` to run the chunks on (same result, bit for bit).
    """
    feedback = ensure(feedback)
    chunking = chunking or Chunking()
    scheme = load_scheme(scheme) if isinstance(scheme, str) else scheme
    t0 = time.perf_counter()

    def job_of(g: ZoneGrid) -> ClassJob:
        if g.info.dtype.startswith("complex"):
            raise InputError(code="analysis.zonal.landcover_dtype", path=g.info.path, dtype=str(g.info.dtype))
        lut, wide = _class_lut(g.info, scheme)
        job = ClassJob(grid=g, band=band, lut=lut, n_classes=len(scheme.classes),
                       window_bytes=chunking.window_bytes, wide=wide)
        if wide is None and not g.info.masked and (g.area.row_area is not None or g.area.exact):
            from . import aot, nojit

            if aot.kernels() is None and nojit.mode() == "numpy":
                acc = nojit.ClassAccumulator(g.index, len(scheme.classes) + 2)
                job.nojit = acc if acc.usable else None
        return job

    grid, job, outs = _run(job_of, raster_path, zones, band, grid, chunking, client, feedback,
                           "land cover by zone 分区统计")
    return _combine_classes(outs, job, grid, scheme, grid.info, feedback, time.perf_counter() - t0)


def _combine_classes(outs: list[ChunkOut], job: ClassJob, grid: ZoneGrid, scheme: Scheme, info: RasterInfo,
                     feedback: Feedback, seconds: float) -> ZonalResult:
    k = job.n_classes
    z = grid.n_zones
    acc = np.zeros((z, k + 1))
    unclassified: dict = {}
    for out in outs:  # fixed chunk order: reproducible sums
        acc += out.acc
        for key, v in out.unknown.items():
            unclassified[key] = unclassified.get(key, np.zeros(z)) + v
    ha = 1.0 / M2_PER_HA
    res = ZonalResult(
        labels=grid.labels, codes=[c.code for c in scheme.classes], class_area_ha=acc[:, :k] * ha,
        nodata_ha=acc[:, k] * ha,
        unclassified={key: v * ha for key, v in sorted(unclassified.items(), key=lambda kv: str(kv[0]))},
        zone_area_ha=grid.zone_area_m2 * ha, scheme=scheme.name, raster=info.path, warnings=list(grid.warnings),
        seconds=seconds,
    )
    _warn_classes(res, feedback)
    return res


def _warn_classes(res: ZonalResult, feedback: Feedback) -> None:
    for w in res.warnings:
        feedback.warn(w)
    if res.unclassified:
        parts = [f"{k}: {v.sum():,.2f} ha" for k, v in res.unclassified.items()]
        msg = Notice("analysis.zonal.unclassified", n=len(res.unclassified), scheme=str(res.scheme),
                     codes="; ".join(parts[:12]) + (" …" if len(parts) > 12 else ""))
        res.warnings.append(msg)
        feedback.warn(msg)
    _warn_coverage(res.labels, res.class_area_ha.sum(axis=1), res.nodata_ha, res.covered_ha, res.zone_area_ha,
                   res.warnings, feedback)


def _warn_coverage(labels, valid, nodata, covered, zone_area, warnings: list, feedback: Feedback) -> None:
    names = lambda idx: ", ".join(str(labels[i].get("name", i)) for i in idx[:10]) + (" …" if len(idx) > 10 else "")
    empty = np.flatnonzero((valid <= 0) & (nodata > 0))
    if empty.size:
        msg = Notice("analysis.zonal.nodata_everywhere", n=int(empty.size), zones=names(empty))
        warnings.append(msg)
        feedback.warn(msg)
    with np.errstate(invalid="ignore", divide="ignore"):
        short = np.flatnonzero((covered > 0) & (covered < zone_area * (1 - 1e-4)))
    if short.size:
        pct = [f"{100 * (1 - covered[i] / zone_area[i]):.2f}%" for i in short[:10]]
        msg = Notice("analysis.zonal.beyond_raster", n=int(short.size),
                     zones=", ".join(f"{labels[i].get('name', i)} {p}" for i, p in zip(short[:10], pct)))
        warnings.append(msg)
        feedback.warn(msg)


def zonal_sum(raster_path, zones, *, band: int = 1, feedback: Feedback | None = None,
              chunking: Chunking | None = None, client=None, grid: ZoneGrid | None = None,
              nonnegative: bool = False) -> ZonalSumResult:
    """Σ value × cell area (ha) per zone for a continuous raster (e.g. stock density m³/ha → m³).

    For a density in m³/ha, ``value_x_ha`` is m³ and ``value_x_ha / 1e4`` is 万m³. Infinite cells (and
    negative ones when ``nonnegative``: a density cannot be below 0) are treated as nodata, counted in
    ``refused_cells`` and warned about, in the same pass.
    """
    feedback = ensure(feedback)
    chunking = chunking or Chunking()
    grid, job, outs = _run(lambda g: SumJob(grid=g, band=band, window_bytes=chunking.window_bytes,
                                            nonnegative=nonnegative), raster_path,
                           zones, band, grid, chunking, client, feedback, "zonal sum 分区求和")
    acc = np.zeros((grid.n_zones, 4))
    for out in outs:
        acc += out.acc
    ha = 1.0 / M2_PER_HA
    res = ZonalSumResult(labels=grid.labels, value_x_ha=acc[:, 0] * ha, valid_ha=acc[:, 1] * ha,
                         nodata_ha=acc[:, 2] * ha, zone_area_ha=grid.zone_area_m2 * ha, raster=grid.info.path,
                         warnings=list(grid.warnings), refused_cells=acc[:, 3].astype(np.int64))
    for w in res.warnings:
        feedback.warn(w)
    refused = int(res.refused_cells.sum())
    if refused:
        msg = Notice("analysis.zonal.refused_values", path=str(grid.info.path), n=refused,
                     what=Notice("analysis.zonal.refused_negative" if nonnegative else "analysis.zonal.refused_inf"))
        res.warnings.append(msg)
        feedback.warn(msg)
    _warn_coverage(res.labels, res.valid_ha, res.nodata_ha, res.valid_ha + res.nodata_ha, res.zone_area_ha,
                   res.warnings, feedback)
    return res
