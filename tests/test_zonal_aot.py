"""The ahead-of-time compiled zonal kernels (issue 15): the same numbers as numba's JIT kernels, bit for bit;
a missing or broken module only means the JIT kernels run.

Building needs a C compiler (numba.pycc links with it), as installed on CI (build-essential / gcc).
"""

from __future__ import annotations

import shutil
import subprocess

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin
from shapely.geometry import Polygon, box

from sinkmap.analysis.zonal import aot
from sinkmap.analysis.zonal.stats import zonal_class_areas, zonal_sum

pytestmark = pytest.mark.skipif(shutil.which("cc") is None and shutil.which("gcc") is None,
                                reason="no C compiler (cc/gcc): numba.pycc cannot link the compiled kernels")


def _raster(path, dtype, values):
    rng = np.random.default_rng(7)
    data = rng.choice(np.asarray(values), size=(120, 150)).astype(dtype)
    with rasterio.open(path, "w", driver="GTiff", width=150, height=120, count=1, dtype=dtype, crs="EPSG:4490",
                       transform=from_origin(112.0, 28.0, 0.001, 0.001), nodata=0) as ds:
        ds.write(data, 1)
    return path


ZONES = gpd.GeoDataFrame({"name": ["a", "b", "c"]}, geometry=[
    box(112.0103, 27.9321, 112.0857, 27.9914),
    Polygon([(112.05, 27.89), (112.149, 27.95), (112.12, 27.881), (112.07, 27.8805)]),
    box(112.0003, 27.8804, 112.0407, 27.9107).difference(box(112.01, 27.89, 112.02, 27.9)),
], crs="EPSG:4490")


@pytest.fixture(autouse=True)
def cache_module_only(monkeypatch):
    """These tests are about the module in sinkmap's cache: the one built at install (tests/test_zonal_aot_install.py)
    is left out."""
    monkeypatch.setattr(aot, "installed", lambda: None)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    home = tmp_path_factory.mktemp("aot-home")
    mp = pytest.MonkeyPatch()
    mp.setenv("SINKMAP_HOME", str(home))
    aot._LOADED.clear()
    path = aot.build()
    assert path is not None and path.is_file(), "numba.pycc failed to build the kernels"
    yield path
    aot._LOADED.clear()
    mp.undo()


def _both(monkeypatch, run):
    """(result with the compiled kernels, result with numba's JIT kernels), checking which ran."""
    used = []
    real = aot.class_kernel, aot.sum_kernel
    monkeypatch.setattr(aot, "class_kernel", lambda *a: used.append(real[0](*a)) or used[-1])
    monkeypatch.setattr(aot, "sum_kernel", lambda *a: used.append(real[1](*a)) or used[-1])
    compiled = run()
    assert used and all(k is not None for k in used)
    used.clear()
    with aot.jit_only():
        jit = run()
    assert used and all(k is None for k in used)
    return compiled, jit


@pytest.mark.parametrize("dtype, scheme, values", [("uint8", "worldcover", [0, 10, 20, 30, 80, 90]),
                                                    ("uint16", "sandiao", [0, 101, 301, 305, 1101, 1106])])
def test_class_areas_are_bit_identical(built, tmp_path, monkeypatch, dtype, scheme, values):
    path = _raster(tmp_path / f"{dtype}.tif", dtype, values)
    a, b = _both(monkeypatch, lambda: zonal_class_areas(path, ZONES, scheme))
    assert a.class_area_ha.sum() > 0
    assert np.array_equal(a.class_area_ha, b.class_area_ha) and np.array_equal(a.nodata_ha, b.nodata_ha)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sums_are_bit_identical(built, tmp_path, monkeypatch, dtype):
    path = _raster(tmp_path / f"{dtype}.tif", dtype, [0.0, 1.5, 80.25, 133.0, -2.0])
    a, b = _both(monkeypatch, lambda: zonal_sum(path, ZONES, nonnegative=True))
    assert a.value_x_ha.sum() > 0 and a.refused_cells.sum() > 0
    for k in ("value_x_ha", "valid_ha", "nodata_ha", "refused_cells"):
        assert np.array_equal(getattr(a, k), getattr(b, k)), k


def test_a_broken_module_means_the_jit_kernels(built, tmp_path, monkeypatch):
    broken = tmp_path / "home" / "cache" / "aot" / built.parent.name / built.name
    broken.parent.mkdir(parents=True)
    broken.write_bytes(b"\x7fELF not really")
    monkeypatch.setenv("SINKMAP_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(aot, "_LOADED", {})
    assert aot.kernels() is None
    path = _raster(tmp_path / "u16.tif", "uint16", [0, 101, 301])
    with aot.jit_only():
        ref = zonal_class_areas(path, ZONES, "sandiao")
    assert np.array_equal(zonal_class_areas(path, ZONES, "sandiao").class_area_ha, ref.class_area_ha)


def test_no_background_build_in_tests_or_when_asked(monkeypatch, tmp_path):
    monkeypatch.setenv("SINKMAP_HOME", str(tmp_path))
    monkeypatch.setenv("SINKMAP_NO_AOT_BUILD", "1")
    assert aot.build_in_background() is False
    assert not (tmp_path / "cache" / "aot").exists()


def test_a_failed_build_is_not_retried_in_the_background(monkeypatch, tmp_path):
    monkeypatch.setenv("SINKMAP_HOME", str(tmp_path))
    monkeypatch.delenv("SINKMAP_NO_AOT_BUILD", raising=False)
    started = []
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: started.append(a))
    aot._mark_failed("no C compiler")  # what build() leaves where numba.pycc cannot link
    assert aot.build_in_background() is False and not started
    aot._failed_mark().unlink()
    assert aot.build_in_background() is True and len(started) == 1  # (the process itself is not started here)
    assert aot.build_in_background() is False  # its lock: one build at a time
