"""Concurrency of the zonal engine: the read-ahead thread against the chunks, and overlapping runs.

* a strip the plan dropped while the reader was reading it must not keep its budget (read-ahead would
  stop for good with a one-strip budget);
* strips of the plan without any zone row are never read ahead (nobody uses them);
* the given-back buffers stay within the budget in bytes, whatever their sizes;
* overlapping runs (GUI threads) leave the interpreter's switch interval as they found it.
"""

from __future__ import annotations

import sys
import threading
import time

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

import sinkmap.analysis.zonal.prefetch as prefetch
from sinkmap.analysis.zonal import stats as zonal
from sinkmap.analysis.zonal import Chunking, zonal_class_areas
from sinkmap.analysis.zonal.prefetch import ReadAhead
from sinkmap.core.errors import CRSError
from sinkmap.io.rasters import open_raster, strips

H, W = 320, 200  # 10 strips of 32 rows (blocks of 32 × 32)
STRIP = 32 * W * 2  # bytes of one uint16 strip


def _raster(tmp_path):
    data = np.random.default_rng(5).choice(np.array([301, 302, 101, 1101], np.uint16), size=(H, W))
    path = tmp_path / "review.tif"
    with rasterio.open(path, "w", driver="GTiff", height=H, width=W, count=1, dtype="uint16", crs="EPSG:4490",
                       transform=from_origin(112.0, 28.0, 0.001, 0.001), tiled=True, blockxsize=32,
                       blockysize=32) as ds:
        ds.write(data, 1)
    return path, data


def _wait(pred, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while not pred() and time.monotonic() < end:
        time.sleep(0.005)
    return pred()


class _Spy:
    """Wraps the reader's read_strip: records the rows it reads, can hold one strip until released."""

    def __init__(self, monkeypatch, hold_row: int | None = None):
        self.rows: list[int] = []
        self.hold_row = hold_row
        self.reading = threading.Event()
        self.release = threading.Event()
        real = prefetch.read_strip

        def spy(ds, info, band, row0, nrows, out=None):
            self.rows.append(row0)
            if row0 == self.hold_row:
                self.reading.set()
                self.release.wait(30)
            return real(ds, info, band, row0, nrows, out=out)

        monkeypatch.setattr(prefetch, "read_strip", spy)


def test_a_strip_dropped_while_being_read_frees_its_budget(tmp_path, monkeypatch):
    path, data = _raster(tmp_path)
    info = open_raster(path)
    keys = strips(info, window_bytes=STRIP, row_range=(0, H))
    spy = _Spy(monkeypatch, hold_row=keys[0][0])
    with ReadAhead(info, 1, keys, budget_bytes=1) as ra:  # one strip at a time
        assert spy.reading.wait(10)  # the reader is inside strip 0 ...
        ra.keep_only(keys[1:4])  # ... when the plan turns out not to need it
        spy.release.set()
        # strip 0 is nobody's: its budget must come back, so strips 1.. are read ahead as usual
        assert _wait(lambda: ra.read_here >= 2), "read-ahead stalled on a strip nobody will take"
        got = ra.take(keys[1])
        assert got is not None and np.array_equal(got, data[keys[1][0]:keys[1][0] + keys[1][1]])


def test_discarding_a_strip_being_read_does_not_wait_for_it(tmp_path, monkeypatch):
    path, _ = _raster(tmp_path)
    info = open_raster(path)
    keys = strips(info, window_bytes=STRIP, row_range=(0, H))
    spy = _Spy(monkeypatch, hold_row=keys[0][0])
    with ReadAhead(info, 1, keys, budget_bytes=1) as ra:
        assert spy.reading.wait(10)
        t = threading.Thread(target=ra.discard, args=(keys[0],), daemon=True)
        t.start()
        t.join(10)  # the reader stays inside strip 0 until released: a waiting discard would hang here
        returned = not t.is_alive()
        spy.release.set()
        assert returned, "discard waited for the reader to finish a strip it throws away"
        assert _wait(lambda: ra.read_here >= 2)  # and the dropped strip gave its budget back


def test_strips_without_zone_rows_are_never_read_ahead(tmp_path, monkeypatch):
    # two zones, rows 2–30 and 290–318 of one chunk; the strips of rows 32–287 hold no zone row. The
    # reader starts on the zones' envelope (rows 2–318, every strip) before the zones are rasterised and
    # learns the plan (strips 0 and 288 only) from keep_only; with a one-strip budget it must then read
    # strip 0 and strip 288, never a strip in between.
    path, _ = _raster(tmp_path)
    zones = gpd.GeoDataFrame({"name": ["北", "南"]},
                             geometry=[shapely.box(112.01, 28.0 - 0.030, 112.19, 28.0 - 0.002),
                                       shapely.box(112.01, 28.0 - 0.318, 112.19, 28.0 - 0.290)], crs="EPSG:4490")
    base = dict(window_bytes=STRIP, chunk_pixels=H * W, threads=1)
    ref = zonal_class_areas(path, zones, "sandiao", chunking=Chunking(**base, read_ahead_bytes=0))
    keys = strips(open_raster(path), window_bytes=STRIP, row_range=(0, H))
    first, last = keys[0], keys[-1]
    spy = _Spy(monkeypatch)
    real_keep_only, real_take = ReadAhead.keep_only, ReadAhead.take

    # The interleaving is fixed by waiting on the reader at the two points where it could otherwise lose
    # a race with the chunk (on a loaded machine the reader thread may not run for a while):
    def keep_only(self, wanted):
        # before the plan is known, the reader has started on strip 0 (and, the budget full, waits): so
        # the middle strips are pending — and next in its order — when the plan drops them
        assert _wait(lambda: len(spy.rows) >= 1), "the reader never started"
        real_keep_only(self, wanted)

    def take(self, key):
        got = real_take(self, key)
        if key == first:  # strip 0 taken, its budget free: the reader picks its next strip before the
            assert _wait(lambda: len(spy.rows) >= 2), "the reader did not go on"  # chunk can claim 288
        return got

    monkeypatch.setattr(ReadAhead, "keep_only", keep_only)
    monkeypatch.setattr(ReadAhead, "take", take)
    got = zonal_class_areas(path, zones, "sandiao", chunking=Chunking(**base, read_ahead_bytes=1))  # one strip
    assert np.array_equal(got.class_area_ha, ref.class_area_ha)
    assert spy.rows == [first[0], last[0]], f"strips read ahead: {spy.rows} (only 0 and 288 hold zone rows)"


def test_given_back_buffers_stay_within_the_budget_in_bytes(tmp_path):
    path, _ = _raster(tmp_path)
    info = open_raster(path)
    row = W * 2
    ra = ReadAhead(info, 1, [], budget_bytes=10 * row)  # never started: only the free list is used
    ra.give_back(np.empty((10, W), np.uint16))
    for _ in range(20):
        ra.give_back(np.empty((1, W), np.uint16))
    assert sum(a.nbytes for a in ra._free) <= 10 * row


def test_overlapping_runs_restore_the_switch_interval():
    before = sys.getswitchinterval()
    a, b = zonal._quick_gil_handoff(), zonal._quick_gil_handoff()
    try:
        a.__enter__()
        b.__enter__()
        a.__exit__(None, None, None)  # the first run ends while the second still runs
        b.__exit__(None, None, None)
        assert sys.getswitchinterval() == before
    finally:
        sys.setswitchinterval(before)


def test_switch_interval_restored_when_the_run_fails(tmp_path):
    path, _ = _raster(tmp_path)
    before = sys.getswitchinterval()
    far = gpd.GeoDataFrame(geometry=[shapely.box(100.0, 20.0, 100.1, 20.1)], crs="EPSG:4490")
    with pytest.raises(CRSError):
        zonal_class_areas(path, far, "sandiao")
    assert sys.getswitchinterval() == before


def test_gdal_block_cache_while_streaming_holds_blocks_not_strips():
    # each block is decoded once and copied into its strip: 2 blocks per reader (a big cache only takes fresh
    # pages); with a mask band the strip is read twice (values, validity), so then a strip per reader
    from sinkmap.analysis.zonal.run import stream_cache_bytes
    from sinkmap.io.rasters import RasterInfo

    info = RasterInfo(path="x.tif", width=9982, height=10019, count=1, dtype="uint16", crs_wkt="", transform=(1, 0, 0, 0, -1, 0),
                      nodata=0, block_height=512, block_width=512, is_geographic=True)
    assert stream_cache_bytes(info, 4, 16 * 2**20) == 4 * 2 * 512 * 512 * 2
    masked = RasterInfo(**{**info.__dict__, "masked": True})
    assert stream_cache_bytes(masked, 4, 16 * 2**20) == 4 * 16 * 2**20
