"""Reading ahead (sinkmap.analysis.zonal.prefetch): same strips, same results, bounded memory."""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np
import rasterio
import shapely
from rasterio.transform import from_origin

from sinkmap.analysis.zonal import Chunking, zonal_class_areas, zonal_sum
from sinkmap.analysis.zonal.prefetch import ReadAhead
from sinkmap.io.rasters import open_raster, strips


def _raster(tmp_path, dtype=np.uint16, h=640, w=300):
    rng = np.random.default_rng(7)
    if np.dtype(dtype).kind == "f":
        data = rng.uniform(0, 200, (h, w)).astype(dtype)
    else:
        data = rng.choice(np.array([301, 302, 101, 1101], dtype), size=(h, w))
    path = tmp_path / f"ra_{np.dtype(dtype).name}.tif"
    with rasterio.open(path, "w", driver="GTiff", height=h, width=w, count=1, dtype=data.dtype, crs="EPSG:4490",
                       transform=from_origin(112.0, 28.0, 0.001, 0.001), tiled=True, blockxsize=32,
                       blockysize=32, compress="deflate") as ds:
        ds.write(data, 1)
    return path, data


def _wait_idle(ra: ReadAhead, n: int, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while ra.read_here < n and time.monotonic() < end:
        time.sleep(0.01)


def test_strips_come_back_exactly_and_the_budget_holds(tmp_path):
    path, data = _raster(tmp_path)
    info = open_raster(path)
    keys = strips(info, window_bytes=32 * 300 * 2, row_range=(0, info.height))  # 20 strips of 32 rows
    strip_bytes = 32 * 300 * 2
    with ReadAhead(info, 1, keys, budget_bytes=3 * strip_bytes) as ra:
        _wait_idle(ra, 3)
        time.sleep(0.1)
        assert ra.read_here == 3  # stopped at the budget: nobody has taken anything yet
        for i, (r0, nr) in enumerate(keys):
            _wait_idle(ra, min(len(keys), i + 1))  # a strip not read yet would be the caller's to read
            got = ra.take((r0, nr))
            assert got is not None and np.array_equal(got, data[r0:r0 + nr])
        assert ra.peak_held <= 3 * strip_bytes
        assert ra.read_here == len(keys)


def test_a_claimed_strip_is_never_read_ahead(tmp_path):
    path, _ = _raster(tmp_path)
    info = open_raster(path)
    keys = strips(info, window_bytes=32 * 300 * 2, row_range=(0, info.height))
    with ReadAhead(info, 1, keys, budget_bytes=1) as ra:  # one strip at a time
        _wait_idle(ra, 1)
        assert ra.take(keys[5]) is None  # not read yet: the caller reads it itself ...
        ra.keep_only(keys[:3])  # ... and the rest of the plan changed
        for i, key in enumerate(keys[:3]):
            _wait_idle(ra, i + 1)
            assert ra.take(key) is not None
        time.sleep(0.1)
        assert ra.read_here == 3  # strip 5 (claimed) and 3.. (dropped) were never read


def test_read_ahead_does_not_change_a_bit(tmp_path, monkeypatch):
    import sinkmap.analysis.zonal.stats as zonal_mod

    made: list[ReadAhead] = []

    class Recorded(ReadAhead):
        def __init__(self, *args, **kw):
            super().__init__(*args, **kw)
            made.append(self)

    def prepare_then_let_the_reader_start(*args, **kw):  # a loaded machine must not skip the read-ahead
        grid = prepare_zones(*args, **kw)
        if made:
            _wait_idle(made[-1], 1)
        return grid

    prepare_zones = zonal_mod.prepare_zones
    monkeypatch.setattr(zonal_mod, "ReadAhead", Recorded)
    monkeypatch.setattr(zonal_mod, "prepare_zones", prepare_then_let_the_reader_start)
    path, _ = _raster(tmp_path)
    zones = gpd.GeoDataFrame({"name": ["甲", "乙"]}, geometry=[shapely.Point(112.15, 27.7).buffer(0.1),
                                                             shapely.box(112.05, 27.45, 112.29, 27.6)],
                             crs="EPSG:4490")
    base = dict(window_bytes=32 * 300 * 2, chunk_pixels=64 * 300)
    ref = zonal_class_areas(path, zones, "sandiao", chunking=Chunking(**base, threads=1, read_ahead_bytes=0))
    for threads in (1, 2):
        for budget in (1, 2 * 32 * 300 * 2, 2**26):
            made.clear()
            got = zonal_class_areas(path, zones, "sandiao",
                                    chunking=Chunking(**base, threads=threads, read_ahead_bytes=budget))
            assert np.array_equal(got.class_area_ha, ref.class_area_ha)
            assert np.array_equal(got.nodata_ha, ref.nodata_ha)
            assert len(made) == 1 and made[0].read_here > 0  # the strips really came from the read-ahead


def test_read_ahead_zonal_sum_matches(tmp_path):
    path, _ = _raster(tmp_path, np.float32)
    zones = gpd.GeoDataFrame(geometry=[shapely.Point(112.15, 27.7).buffer(0.12)], crs="EPSG:4490")
    base = dict(window_bytes=32 * 300 * 4, chunk_pixels=64 * 300)
    a = zonal_sum(path, zones, chunking=Chunking(**base, read_ahead_bytes=0))
    b = zonal_sum(path, zones, chunking=Chunking(**base, read_ahead_bytes=2**24))
    assert np.array_equal(a.value_x_ha, b.value_x_ha) and np.array_equal(a.valid_ha, b.valid_ha)


def test_take_after_close_reads_yourself(tmp_path):
    path, _ = _raster(tmp_path)
    info = open_raster(path)
    keys = strips(info, window_bytes=32 * 300 * 2, row_range=(0, info.height))
    ra = ReadAhead(info, 1, keys, budget_bytes=2**24).start()
    _wait_idle(ra, 2)
    ra.close()
    assert all(ra.take(k) is None for k in keys)  # nothing held after close, never a wait or an error
