"""Raster import and overviews: a CRS without an EPSG code, two builds of the same raster."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from sinkmap.core.crs import EQUAL_AREA_CRS
from sinkmap.core.errors import Cancelled
from sinkmap.core.feedback import BaseFeedback


def _write(path, data, crs, transform):
    h, w = data.shape
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=1, dtype=data.dtype, crs=crs,
                       transform=transform, tiled=True) as ds:
        ds.write(data, 1)
    return path





def test_raster_in_a_crs_without_epsg_code_is_accepted(empty_window, qtbot, tmp_path):
    """The project's own Albers (a PROJ string, no EPSG code) is what an exported analysis raster carries:
    its name is 'unknown', which is no CRS text — the dialog must not refuse the file's own CRS."""
    from sinkmap.gui.raster_import_dialog import RasterImportDialog

    path = _write(tmp_path / "albers.tif", np.ones((10, 10), dtype=np.float32), EQUAL_AREA_CRS,
                  from_origin(0.0, 3_000_000.0, 1000.0, 1000.0))
    dialog = RasterImportDialog(path)
    qtbot.addWidget(dialog)
    assert dialog.crs_problem() is None
    assert dialog.choice().crs is None  # the file's CRS, not an override
    assert dialog.pixel_size.text() == "约 1,000.00 × 1,000.00 米"  # metres of the Albers grid
    dialog.accept()
    assert dialog.result() == RasterImportDialog.DialogCode.Accepted and not dialog.error.text()
    spec = empty_window.import_raster(path, interactive=False)
    assert spec is not None and spec.crs is None
    qtbot.waitUntil(lambda: spec.id in empty_window.registry.data or spec.id in empty_window.registry.errors, timeout=30_000)
    data = empty_window.registry.data[spec.id]
    # the map's CRS is this Albers: the extent is the raster's own bounds, 10 km × 10 km
    np.testing.assert_allclose(data.extent, (0.0, 2_990_000.0, 10_000.0, 3_000_000.0), atol=1e-3)


def _big(path):
    """1024 × 1024 uint8 (big enough for a build that takes a moment, three levels 2, 4, 8)."""
    data = (np.arange(1024 * 1024, dtype=np.uint32).reshape(1024, 1024) % 7).astype(np.uint8)
    return _write(path, data, "EPSG:4490", from_origin(112.0, 28.2, 1e-4, 1e-4))


class _StartsAnotherThenCancels(BaseFeedback):
    """At the first progress of its build (its child process started) this feedback starts a second build
    of the same raster, waits until that one's child has started too, then cancels its own."""

    def __init__(self, second) -> None:
        super().__init__()
        self.second = second

    def on_progress(self, fraction, text):
        if not self.is_cancelled():
            self.second.start()
            assert self.second.started.wait(60)
            self.cancel()


def test_cancel_then_build_again_at_once_keeps_the_second_build(tmp_path):
    """Each build has its own temporary files. Before, both used '.<name>.<pid>.sinkmap-ovr.vrt': the
    cancelled build's clean-up removed the second build's VRT (its child then failed) or its growing .ovr
    (its rename then failed with a raw FileNotFoundError)."""
    from sinkmap.io.overviews import build_overviews

    path = _big(tmp_path / "lc.tif")
    outcome: dict[str, object] = {}
    started = threading.Event()

    class Second(threading.Thread):
        def run(self) -> None:
            class Fb(BaseFeedback):
                def on_progress(self, fraction, text):
                    started.set()
            try:
                outcome["second"] = build_overviews(path, [2, 4, 8], "nearest", Fb())
            except BaseException as exc:  # noqa: BLE001 - checked below
                outcome["second"] = exc

    second = Second()
    second.started = started
    with pytest.raises(Cancelled):
        build_overviews(path, [2, 4, 8], "nearest", _StartsAnotherThenCancels(second))
    second.join(120)
    assert outcome["second"] == tmp_path / "lc.tif.ovr", outcome
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lc.tif", "lc.tif.ovr"]
    with rasterio.open(path) as src:
        assert src.overviews(1) == [2, 4, 8]


def test_window_builds_a_raster_once_and_cancel_then_rebuild_works(empty_window, qtbot, tmp_path):
    """Two clicks on 构建金字塔 start one build; Cancel then an immediate rebuild gives a complete .ovr."""
    path = _big(tmp_path / "lc.tif")
    spec = empty_window.import_raster(path, interactive=False)
    qtbot.waitUntil(lambda: spec.id in empty_window.registry.data, timeout=30_000)
    first = empty_window.build_overviews(spec.id, factors=[2, 4, 8])
    assert empty_window.build_overviews(spec.id, factors=[2, 4, 8]) is None  # already building: not twice
    first.cancel()
    again = empty_window.build_overviews(spec.id, factors=[2, 4, 8])  # at once, before the first has cleaned up
    assert again is not None
    assert first.wait(60) and first.state == "cancelled"
    assert again.wait(120) and again.state == "finished", again.error
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "home") == ["lc.tif", "lc.tif.ovr"]
    with rasterio.open(path) as src:
        assert src.overviews(1) == [2, 4, 8]
