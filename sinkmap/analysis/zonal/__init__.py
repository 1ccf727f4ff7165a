"""The zonal engine: exact, ellipsoidal per-zone class areas and sums of rasters larger than memory.

Modules:

* :mod:`.stats` — the public functions :func:`zonal_class_areas`, :func:`zonal_sum` and their results;
* :mod:`.grid` — the zones prepared against a raster grid (reprojection, envelopes, cell areas);
* :mod:`.rasterize` — polygon rasterisation with exact cell coverage fractions (not 森林覆盖率);
* :mod:`.cellarea` — ellipsoidal cell areas of lon/lat and projected grids;
* :mod:`.coverindex` — the cover of zones on a grid as plain arrays (:class:`.coverindex.CoverIndex`);
* :mod:`.gridcache` — that cover kept on disk per raster grid (a warm run needs no polygons);
* :mod:`.kernels` — the numba accumulation kernels; :mod:`.aot` — the same compiled ahead of time into a
  cached extension module (no numba import in a warm run); :mod:`.nojit` — numpy stand-ins used while
  nothing is compiled yet (a first run does not wait for numba);
* :mod:`.run` — chunks, strips and their execution on threads;
* :mod:`.prefetch` — reading strips ahead while the zones are rasterised;
* :mod:`.dask_backend` — the same chunks as tasks on a Dask cluster.

The public names below are loaded on first use, so importing the package (e.g. for
:func:`.dask_backend.connect`) does not compile numba kernels.
"""

from __future__ import annotations

from typing import Any

_PUBLIC = ("Chunking", "ZonalResult", "ZonalSumResult", "zonal_class_areas", "zonal_sum", "prepare_grid")

__all__ = list(_PUBLIC)


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        from . import stats

        return getattr(stats, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
