"""Compile the zonal kernels ahead, so the first ledger a user runs is not the one that waits (issue 15).

The kernels are numba functions with ``cache=True``: the first call of each type signature compiles it
(about 10–20 s in all on a fresh install) and stores the machine code on disk; later processes load it
(a fraction of a second). :func:`warm_up` runs the land-cover and sum statistics once on tiny in-memory
rasters of the usual cell types, which compiles and caches every kernel the ledger uses. ``sinkmap demo``
and the app's first start call it, with a one-time message.

Where numba keeps the cache: next to the module (``__pycache__``) when that folder is writable (an
editable or user install); otherwise numba itself falls back to the user-wide ``~/.cache/numba``
(``numba.core.caching.UserWideCacheLocator``), so a read-only site-packages still caches.
``NUMBA_CACHE_DIR`` overrides both.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from ...core.feedback import Feedback

#: Cell types the warm-up compiles for: land cover (三调 codes fit uint16; small schemes uint8) and
#: densities (float32/float64).
CLASS_DTYPES = ("uint8", "uint16")
SUM_DTYPES = ("float32", "float64")


def _tiny(path: Path, dtype: str, value) -> Path:
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin

    data = np.full((32, 32), value, dtype=dtype)
    with rasterio.open(path, "w", driver="GTiff", height=32, width=32, count=1, dtype=dtype, crs="EPSG:4490",
                       transform=from_origin(112.0, 28.0, 0.001, 0.001), nodata=0) as ds:
        ds.write(data, 1)
    return path


@contextmanager
def _numba_kernels():
    """Within the block the engine uses numba's kernels (``SINKMAP_KERNELS=numba``), so they get compiled."""
    before = os.environ.get("SINKMAP_KERNELS")
    os.environ["SINKMAP_KERNELS"] = "numba"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("SINKMAP_KERNELS", None)
        else:
            os.environ["SINKMAP_KERNELS"] = before


def warm_up(feedback: Feedback | None = None, *, class_dtypes=CLASS_DTYPES, sum_dtypes=SUM_DTYPES,
            aot: bool | None = None) -> None:
    """Compile (or load) the zonal kernels on tiny rasters; a visible message while it runs.

    Then, with ``aot`` (default: unless ``SINKMAP_NO_AOT_BUILD`` is set), build the ahead-of-time compiled
    accumulation kernels (:mod:`.aot`; once per version, skipped where no C compiler is found)."""
    import geopandas as gpd
    from shapely.geometry import box

    from ...core.feedback import ensure
    from ...core.messages import render
    from .stats import zonal_class_areas, zonal_sum

    feedback = ensure(feedback)
    feedback.progress(0.0, render("analysis.warmup.compiling"))
    zones = gpd.GeoDataFrame({"name": ["a"]}, geometry=[box(112.005, 27.975, 112.0205, 27.9905)], crs="EPSG:4490")
    from . import aot as aot_module

    with tempfile.TemporaryDirectory(prefix="sinkmap-warmup-") as tmp, aot_module.jit_only(), _numba_kernels():
        steps = [(d, True) for d in class_dtypes] + [(d, False) for d in sum_dtypes]
        for i, (dtype, classes) in enumerate(steps):
            path = _tiny(Path(tmp) / f"{dtype}.tif", dtype, 301 if dtype == "uint16" else 1)
            if classes:
                zonal_class_areas(path, zones, "sandiao")
            else:
                zonal_sum(path, zones)
            feedback.progress((i + 1) / len(steps), render("analysis.warmup.compiling"))
    aot_module.mark_jit_ready()
    if (aot if aot is not None else not aot_module._no_implicit_build()) and aot_module.installed() is None:
        aot_module.build()  # (not when the module compiled at install serves)
    feedback.progress(1.0, render("analysis.warmup.done"))
