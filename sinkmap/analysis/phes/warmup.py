"""Compile the pumped-storage search's numba kernels ahead (issue 15), like the zonal kernels.

:func:`warm_up` runs the whole search once on a tiny synthetic terrain (two parallel valleys one cell wide,
whose floors rise northwards, 500 m apart in height: one pair of reservoirs fits), with and without the forest
density rasters, and paints one forest polygon's density; so the fill, flow-direction, accumulation, dam-site,
screening, pairing, cost and selection kernels and the impact painter are compiled and cached on disk
(``cache=True``). ``sinkmap demo`` and the app's first start (in a worker process) call it. Only calls the
search's public functions; nothing here is a kernel.
"""

from __future__ import annotations

from ...core.feedback import Feedback

ROWS, COLS, CELL = 120, 40, 30.0
#: GK 114E metres; the origin is a point in 湖南 (the search needs a projected grid).
CRS = "EPSG:4547"
ORIGIN = (500_000.0, 2_850_000.0)


def _valleys():
    import numpy as np

    r = np.arange(ROWS, dtype=float)[:, None]
    rise = (ROWS - 20) - r  # floor rises 1 m per row northwards; dam sites near the south end
    z = np.empty((ROWS, COLS))
    z[:, :20] = 600.0 + rise + 500.0
    z[:, 20:] = 100.0 + rise + 300.0
    z[:, 10] = 600.0 + rise[:, 0]
    z[:, 30] = 100.0 + rise[:, 0]
    return z


def warm_up(feedback: Feedback | None = None) -> None:
    """Compile (or load) the PHES kernels on a tiny terrain."""
    import numpy as np
    import shapely
    from affine import Affine

    from ...core.feedback import ensure
    from ..zonal.rasterize import cover_index
    from .dem import terrain_from_array
    from .impact import _paint
    from .search import SearchOptions, search

    feedback = ensure(feedback)
    transform = Affine(CELL, 0.0, ORIGIN[0], 0.0, -CELL, ORIGIN[1])
    terrain = terrain_from_array(_valleys(), transform, CRS)
    n = ROWS * COLS
    search(terrain, SearchOptions(2.0, 6.0, threads=1))
    feedback.check()
    dens = np.zeros((3, n), np.float32)
    search(terrain, SearchOptions(2.0, 6.0, rank="combined", threads=2), dens=dens)
    feedback.check()
    x0, y0 = ORIGIN
    geoms = np.array([shapely.box(x0 + 100, y0 - 900, x0 + 700, y0 - 100)], dtype=object)
    ix = cover_index(geoms, terrain.transform, ROWS, COLS)
    _paint(ix.run_ptr, ix.run_c0, ix.run_c1, ix.run_zone, ix.part_ptr, ix.part_col, ix.part_zone, ix.part_frac,
           np.ascontiguousarray(np.ones((3, 1))), terrain.area_ha * 1e4, COLS, np.zeros((3, n), np.float32))
