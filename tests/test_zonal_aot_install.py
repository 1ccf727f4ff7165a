"""The zonal kernels compiled at install (setup.py, issue 15): built by the same build step pip runs, loaded
only when made from these kernels, and the same numbers as numba's JIT kernels, bit for bit — accumulation,
the exact rasteriser and the polygon areas. Without a C compiler the install goes on without the module.

The build runs ``setup.py build_ext`` (what ``pip install`` / ``pip wheel`` run) into a temporary folder, so
the test neither needs nor touches a module built in this checkout.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine
from rasterio.transform import from_origin

from sinkmap.analysis.zonal import aot
from sinkmap.analysis.zonal.cellarea import lonlat_polygon_areas
from sinkmap.analysis.zonal.coverindex import INDEX_ARRAYS, cover_index_with
from sinkmap.analysis.zonal.rasterize import cover_index
from sinkmap.analysis.zonal.stats import zonal_class_areas, zonal_sum

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(shutil.which("cc") is None and shutil.which("gcc") is None,
                                reason="no C compiler (cc/gcc): numba.pycc cannot link the compiled kernels")


@pytest.fixture(scope="module")
def installed_module(tmp_path_factory):
    """The module as ``pip install`` builds it (setup.py's build_ext), in a temporary build folder."""
    out = tmp_path_factory.mktemp("build")
    env = {k: v for k, v in os.environ.items() if k != "SINKMAP_NO_AOT_BUILD"}
    proc = subprocess.run([sys.executable, "setup.py", "-q", "build_ext", "--build-lib", str(out / "lib"),
                           "--build-temp", str(out / "tmp")], cwd=ROOT, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = list((out / "lib" / "sinkmap" / "analysis" / "zonal").glob(aot.INSTALLED_NAME + ".*"))
    assert len(found) == 1, (proc.stderr[-3000:], list(out.rglob("*")))
    return found[0]


@pytest.fixture
def use_it(installed_module, monkeypatch):
    """sinkmap loads the module built above as the one beside its package."""
    spec = importlib.util.spec_from_file_location(f"sinkmap.analysis.zonal.{aot.INSTALLED_NAME}", installed_module)
    monkeypatch.setattr(aot, "_installed_spec", lambda: spec)
    monkeypatch.setattr(aot, "_LOADED", {})
    monkeypatch.delenv("SINKMAP_NO_AOT", raising=False)
    return installed_module


def test_install_build_is_loaded_before_anything_else(use_it, tmp_path, monkeypatch):
    monkeypatch.setenv("SINKMAP_HOME", str(tmp_path))  # an empty cache: no module there
    mod = aot.kernels()
    assert mod is not None and mod is aot.installed() and Path(mod.__file__) == use_it
    assert hasattr(mod, "digest_" + aot.source_digest())
    assert aot.cover_kernels() is not None and aot.area_kernel() is not None
    assert aot.build_in_background() is False  # nothing to build: the installed module serves
    with aot.jit_only():
        assert aot.kernels() is None


def test_compiled_kernels_let_other_threads_run(use_it, tmp_path, monkeypatch):
    """numba.pycc's wrappers hold the GIL (numba #6382); ours are built to release it, as the JIT kernels'
    ``nogil=True``: while one thread is inside a kernel, another runs Python — the ledger's threads then run their
    kernels side by side, not one after another. Checked by the main thread's samples in the middle half of a
    kernel call made on another thread (with the GIL held there are none: it gets no turn until the call ends)."""
    import threading
    import time

    monkeypatch.setenv("SINKMAP_HOME", str(tmp_path))
    kernel = aot.area_kernel()
    n = 5_000_000
    lon, lat = np.radians(np.linspace(110, 111, n)), np.radians(np.linspace(25, 26, n))
    gx, gw = np.polynomial.legendre.leggauss(3)
    args = (lon, lat, np.zeros(n, np.int64), np.zeros(1, np.int64), 1, 6378137.0, 0.0066943800229, gx, gw)
    span = {}

    def call():
        span["start"] = time.perf_counter()
        kernel(*args)
        span["end"] = time.perf_counter()

    worker = threading.Thread(target=call)
    samples = []
    worker.start()
    while worker.is_alive():
        samples.append(time.perf_counter())
    worker.join()
    quarter = (span["end"] - span["start"]) / 4
    middle = [t for t in samples if span["start"] + quarter < t < span["end"] - quarter]
    assert middle, "the main thread never ran while the compiled kernel did: its wrapper held the GIL"


def test_a_module_of_other_kernels_is_not_used(use_it, tmp_path, monkeypatch):
    monkeypatch.setenv("SINKMAP_HOME", str(tmp_path))
    monkeypatch.setattr(aot, "source_digest", lambda: "0123456789abcdef")  # as after editing a kernel
    assert aot.installed() is None and aot.kernels() is None


def _raster(path, dtype, values):
    rng = np.random.default_rng(11)
    data = rng.choice(np.asarray(values), size=(90, 130)).astype(dtype)
    with rasterio.open(path, "w", driver="GTiff", width=130, height=90, count=1, dtype=dtype, crs="EPSG:4490",
                       transform=from_origin(112.0, 28.0, 0.001, 0.001), nodata=0) as ds:
        ds.write(data, 1)
    return path


ZONES = gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=[
    shapely.box(112.0103, 27.9421, 112.0757, 27.9914).difference(shapely.box(112.02, 27.95, 112.03, 27.96)),
    shapely.Polygon([(112.05, 27.92), (112.129, 27.97), (112.11, 27.9111), (112.07, 27.9105)]),
], crs="EPSG:4490")


def test_same_numbers_as_the_jit_kernels(use_it, tmp_path, monkeypatch):
    monkeypatch.setenv("SINKMAP_HOME", str(tmp_path))
    lc = _raster(tmp_path / "lc.tif", "uint16", [0, 101, 301, 305, 1101, 4321, 9999])  # two unknown codes
    st = _raster(tmp_path / "st.tif", "float32", [0.0, 1.5, 80.25, 133.0])
    assert aot.kernels() is not None
    a = zonal_class_areas(lc, ZONES, "sandiao")
    s = zonal_sum(st, ZONES)
    with aot.jit_only():
        b = zonal_class_areas(lc, ZONES, "sandiao")
        t = zonal_sum(st, ZONES)
    assert a.class_area_ha.sum() > 0 and s.value_x_ha.sum() > 0
    assert np.array_equal(a.class_area_ha, b.class_area_ha) and np.array_equal(a.nodata_ha, b.nodata_ha)
    assert set(a.unclassified) == set(b.unclassified) == {4321, 9999}
    assert all(np.array_equal(a.unclassified[k], b.unclassified[k]) for k in a.unclassified)
    assert np.array_equal(a.zone_area_ha, b.zone_area_ha)  # polygon areas: compiled vs JIT edge loop
    assert np.array_equal(s.value_x_ha, t.value_x_ha) and np.array_equal(s.valid_ha, t.valid_ha)


def test_rasteriser_and_areas_bit_identical(use_it, monkeypatch):
    rng = np.random.default_rng(5)
    geoms = [shapely.Polygon(rng.uniform(0, 40, (9, 2))).buffer(0) for _ in range(12)]
    geoms += [shapely.box(-3, 2.5, 17.25, 9.75), shapely.box(3.5, 30, 60, 31)]  # partly outside; a thin row
    geoms = np.array(geoms, dtype=object)
    transform = Affine(1.0, 0.0, 0.0, 0.0, -1.0, 40.0)
    kernels = aot.cover_kernels()
    assert kernels is not None
    ours = cover_index_with(kernels, geoms, transform, 40, 45)
    with aot.jit_only():
        ref = cover_index(geoms, transform, 40, 45, threads=1)
        lonlat = shapely.affinity.translate(shapely.affinity.scale(shapely.GeometryCollection(list(geoms)),
                                                                   0.01, 0.01, origin=(0, 0)), 112.0, 27.0).geoms
        jit_areas = lonlat_polygon_areas(np.array(lonlat, dtype=object), 6378137.0, 298.257222101)
    assert ours.run_c0.size > 0 and ours.part_frac.size > 0
    for k in INDEX_ARRAYS:
        a, b = getattr(ours, k), getattr(ref, k)
        assert a.dtype == b.dtype and np.array_equal(a, b), k
    areas = lonlat_polygon_areas(np.array(lonlat, dtype=object), 6378137.0, 298.257222101)
    assert np.array_equal(areas, jit_areas) and areas.min() > 0


def test_no_compiler_still_installs(tmp_path, monkeypatch):
    """The build step swallows a failed compile (here: no compiler) and leaves no module behind."""
    sys.path.insert(0, str(ROOT))
    try:
        import setup as setup_py
    finally:
        sys.path.remove(str(ROOT))
    from setuptools import Distribution

    def fail(*_a, **_k):
        raise OSError("cc: not found")

    monkeypatch.setattr(aot, "compile_into", fail)
    monkeypatch.delenv("SINKMAP_NO_AOT_BUILD", raising=False)
    ext = setup_py.Extension(setup_py.NAME, sources=[], optional=True)
    cmd = setup_py.BuildZonalKernels(Distribution({"ext_modules": [ext]}))
    cmd.initialize_options()
    cmd.build_lib, cmd.build_temp = str(tmp_path / "lib"), str(tmp_path / "tmp")
    cmd.finalize_options()
    warned = []
    monkeypatch.setattr(cmd, "warn", warned.append)
    cmd.build_extension(ext)
    assert warned and "not built" in warned[0]
    assert not list(tmp_path.rglob(aot.INSTALLED_NAME + "*")) and cmd.get_outputs() == []
