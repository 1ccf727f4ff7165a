"""Resources come back when windows close: render threads, task threads, child processes,
temporary files of an overview build that was running."""

from __future__ import annotations

import multiprocessing as mp
import os
import threading

import numpy as np
import rasterio
from PySide6.QtCore import QCoreApplication, QEvent
from rasterio.transform import from_origin

from sinkmap.core.project import Project


def _os_threads() -> int | None:
    return len(os.listdir("/proc/self/task")) if os.path.isdir("/proc/self/task") else None


def _resources() -> tuple:
    names = sorted(t.name for t in threading.enumerate())
    return names, len(mp.active_children()), _os_threads()


def _open_use_close(qtbot, path) -> None:
    from sinkmap.gui.mainwindow import MainWindow

    win = MainWindow(Project())
    win.quiet = True
    win.show()
    spec = win.add_layer_file(path, "counties")
    qtbot.waitUntil(lambda: spec.id in win.registry.data, timeout=20_000)
    qtbot.waitUntil(lambda: not win.canvas.scheduler.busy and not win.registry.busy, timeout=20_000)
    win.layer_tree.open_style_dialog(spec.id)  # closed with the window
    win.close()
    win.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()


def test_twenty_windows_opened_and_closed_leave_threads_and_processes_as_they_were(app, qtbot, monkeypatch,
                                                                                  tmp_path, counties_gpkg):
    monkeypatch.setenv("SINKMAP_HOME", str(tmp_path / "home"))
    _open_use_close(qtbot, counties_gpkg)  # Qt starts its own helper threads once per process
    # closing it shut down the worker-process pool an earlier test may have started: let that finish
    qtbot.waitUntil(lambda: not mp.active_children() and not any(
        type(t).__name__ == "_ExecutorManagerThread" for t in threading.enumerate()), timeout=20_000)
    before = _resources()
    for _ in range(20):
        _open_use_close(qtbot, counties_gpkg)
    qtbot.waitUntil(lambda: _resources() == before, timeout=10_000)
    names, children, _ = _resources()
    assert not any(n.startswith("sinkmap-render") for n in names) and children == 0


def test_closing_the_window_during_an_overview_build_stops_the_child_and_leaves_nothing(app, qtbot, monkeypatch,
                                                                                       tmp_path):
    from sinkmap.gui.mainwindow import MainWindow

    monkeypatch.setenv("SINKMAP_HOME", str(tmp_path / "home"))
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "lc.tif"
    data = (np.arange(1024 * 1024, dtype=np.uint32).reshape(1024, 1024) % 7).astype(np.uint8)
    with rasterio.open(path, "w", driver="GTiff", width=1024, height=1024, count=1, dtype="uint8",
                       crs="EPSG:4490", transform=from_origin(112.0, 28.2, 1e-4, 1e-4), tiled=True) as ds:
        ds.write(data, 1)
    win = MainWindow(Project())
    win.quiet = True
    spec = win.import_raster(path, interactive=False)
    qtbot.waitUntil(lambda: spec.id in win.registry.data, timeout=20_000)
    task = win.build_overviews(spec.id, factors=[2, 4, 8])
    assert task is not None
    win.close()  # cancels the running tasks and waits for them
    assert task.done and task.state == "cancelled"
    qtbot.waitUntil(lambda: not mp.active_children(), timeout=10_000)
    assert sorted(p.name for p in folder.iterdir()) == ["lc.tif"]
