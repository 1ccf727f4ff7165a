"""Render threads keep their Python thread state between jobs (pyproj's per-thread PROJ context needs it).

On a QThreadPool, PySide gives every job a fresh Python thread state, so ``threading.local`` data is
gone at the next job on the same OS thread; pyproj 3.7 then hands PROJ a freed context and the process
crashes (it did: replacing a labelled choropleth layer segfaulted in ``VectorData.label_xy``). The jobs
below check the thread-local *before* touching pyproj, so a regression fails here instead of crashing.
"""

from __future__ import annotations

import threading

from pyproj import Transformer
from PySide6.QtGui import QImage

from sinkmap.core.crs import EQUAL_AREA_CRS
from sinkmap.carto.viewport import Viewport


def test_thread_local_survives_between_render_jobs(app, qtbot):
    from sinkmap.gui.canvas.render import RenderScheduler

    local = threading.local()
    seen: list[tuple[int, int | None, tuple[float, float] | None]] = []

    def job(vp, cancel):
        before = getattr(local, "jobs", None)
        xy = None
        mine = [b for t, b, _xy in seen if t == threading.get_ident()]
        if before is not None or not mine:  # first job on this thread, or its thread-local survived
            # 112°E 28°N in the Albers CRS (central meridian 111.5°E): east of it, x > 0
            xy = Transformer.from_crs("EPSG:4490", EQUAL_AREA_CRS, always_xy=True).transform(112.0, 28.0)
        local.jobs = (before or 0) + 1
        seen.append((threading.get_ident(), before, xy))
        return QImage(2, 2, QImage.Format.Format_ARGB32_Premultiplied)

    sched = RenderScheduler(threads=2)
    vp = Viewport(0.0, 0.0, 1.0, 10, 10)
    try:
        for i in range(6):  # one after the other: the pool mostly reuses a thread it already has
            with qtbot.waitSignal(sched.idle, timeout=10_000):
                sched.submit("layer", (i,), vp, job)
    finally:
        sched.shutdown()
    assert len(seen) == 6
    by_thread: dict[int, list] = {}
    for t, b, _xy in seen:
        by_thread.setdefault(t, []).append(b)
    assert len(by_thread) <= 2 and any(len(v) > 1 for v in by_thread.values())  # some thread ran again
    for befores in by_thread.values():  # each thread keeps its Python thread state between jobs
        assert befores == [None, *range(1, len(befores))]
    assert all(xy is not None and xy[0] > 0 for _t, _b, xy in seen)


def test_submit_after_shutdown_is_ignored(app):
    from sinkmap.gui.canvas.render import RenderScheduler

    sched = RenderScheduler()
    sched.shutdown()
    sched.submit("layer", (0,), Viewport(0.0, 0.0, 1.0, 10, 10), lambda vp, cancel: QImage())
    assert not sched.busy
