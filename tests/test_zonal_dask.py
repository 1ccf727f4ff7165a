"""The zonal engine on a Dask LocalCluster (2 worker processes) gives the local result bit for bit."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

from sinkmap.core.errors import InputError

distributed = pytest.importorskip("distributed")

from sinkmap.analysis.zonal.dask_backend import connect  # noqa: E402
from sinkmap.analysis.raster_ledger import raster_ledger  # noqa: E402
from sinkmap.analysis.zonal import Chunking, zonal_class_areas, zonal_sum  # noqa: E402


@pytest.fixture(scope="module")
def rasters(tmp_path_factory):
    d = tmp_path_factory.mktemp("dask")
    rng = np.random.default_rng(11)
    lc = rng.choice(np.array([301, 302, 101, 1101, 4242], np.uint16), size=(400, 500))
    lc[:20] = 0  # nodata
    stock = rng.uniform(0, 200, size=(400, 500)).astype(np.float32)
    out = {}
    for name, data, nodata in (("lc", lc, 0), ("stock", stock, None)):
        out[name] = d / f"{name}.tif"
        with rasterio.open(out[name], "w", driver="GTiff", height=400, width=500, count=1, dtype=data.dtype,
                           crs="EPSG:4490", transform=from_origin(112.0, 28.0, 0.001, 0.001), nodata=nodata,
                           tiled=True, blockxsize=64, blockysize=64, compress="deflate") as ds:
            ds.write(data, 1)
    return out


@pytest.fixture(scope="module")
def client():
    client, cluster = connect(workers=2)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def zones():
    geoms = [shapely.Point(112.15, 27.85).buffer(0.12, 32), shapely.box(112.27, 27.65, 112.49, 27.99),
             shapely.box(112.30, 27.70, 112.35, 27.75)]
    return gpd.GeoDataFrame({"name": ["a", "b", "c"], "level": ["county"] * 3}, geometry=geoms, crs="EPSG:4490")


CHUNKS = Chunking(chunk_pixels=40_000, window_bytes=16_384)  # several chunks and strips on this small raster


def test_class_areas_identical_on_dask(rasters, client):
    local = zonal_class_areas(rasters["lc"], zones(), "sandiao", chunking=CHUNKS)
    remote = zonal_class_areas(rasters["lc"], zones(), "sandiao", chunking=CHUNKS, client=client)
    assert np.array_equal(local.class_area_ha, remote.class_area_ha)
    assert np.array_equal(local.nodata_ha, remote.nodata_ha)
    assert local.unclassified.keys() == remote.unclassified.keys() == {4242}
    assert np.array_equal(local.unclassified[4242], remote.unclassified[4242])
    assert local.class_area_ha.sum() > 0


def test_sums_and_ledger_identical_on_dask(rasters, client):
    local = zonal_sum(rasters["stock"], zones(), chunking=CHUNKS)
    remote = zonal_sum(rasters["stock"], zones(), chunking=CHUNKS, client=client)
    assert np.array_equal(local.value_x_ha, remote.value_x_ha) and np.array_equal(local.valid_ha, remote.valid_ha)
    a = raster_ledger(zones(), landcover=rasters["lc"], stock_raster=rasters["stock"])
    b = raster_ledger(zones(), landcover=rasters["lc"], stock_raster=rasters["stock"], client=client)
    assert a.rows == b.rows


def test_connect_rejects_bad_arguments():
    with pytest.raises(InputError, match="either"):
        connect(workers=2, scheduler="tcp://127.0.0.1:1")
    with pytest.raises(InputError, match="at least 1"):
        connect(workers=0)
    with pytest.raises(InputError, match="cannot reach"):
        connect(scheduler="tcp://127.0.0.1:9", timeout=1)
