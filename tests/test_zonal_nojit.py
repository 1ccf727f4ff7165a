"""The numpy steps of a first run (issue 15) against numba's kernels and independent values.

:mod:`sinkmap.analysis.zonal.nojit` stands in for the rasteriser, the polygon areas and the class-area
kernel while nothing is compiled yet. The cover it makes has the same cells (integers equal) and fractions
equal to rounding; class areas and polygon areas agree to ~1e-15; shapely's intersection areas check the
fractions independently.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine
from rasterio.transform import from_origin

from sinkmap.analysis.zonal import nojit
from sinkmap.analysis.zonal.rasterize import cover_index

T = Affine(1.0, 0.0, 0.0, 0.0, -1.0, 10.0)
INTS = ("run_ptr", "run_c0", "run_c1", "run_zone", "part_ptr", "part_col", "part_zone")


def _same_cover(geoms, t, h, w):
    a = cover_index(geoms, t, h, w)
    b = nojit.cover_index(geoms, t, h, w)
    for k in INTS:
        assert np.array_equal(getattr(a, k), getattr(b, k)), k
        assert getattr(a, k).dtype == getattr(b, k).dtype, k
    assert np.allclose(a.part_frac, b.part_frac, rtol=0, atol=1e-13)
    return b


def _dense(ix, zone=0):
    out = np.zeros((ix.height, ix.width))
    for r in range(ix.height):
        for k in range(ix.run_ptr[r], ix.run_ptr[r + 1]):
            if ix.run_zone[k] == zone:
                out[r, ix.run_c0[k]:ix.run_c1[k] + 1] = 1.0
        for k in range(ix.part_ptr[r], ix.part_ptr[r + 1]):
            if ix.part_zone[k] == zone:
                out[r, ix.part_col[k]] = ix.part_frac[k]
    return out


def _by_shapely(geom, h, w, t):
    cells = [[shapely.box(*(t @ (c, r + 1)), *(t @ (c + 1, r))) for c in range(w)] for r in range(h)]
    return np.array([[shapely.intersection(b, geom).area for b in row] for row in cells]) / abs(t.a * t.e)


def test_hand_cases():
    cases = [
        shapely.box(2.0, 4.0, 5.5, 5.0),  # 3.5 cells in a row
        shapely.box(1.25, 7.5, 3.75, 8.0),  # corners inside cells
        shapely.Polygon([(0, 10), (1, 10), (0, 9)]),  # half a cell
        shapely.box(0, 0, 10, 10).difference(shapely.box(2, 2, 4, 4)),  # a hole
        shapely.MultiPolygon([shapely.box(-3.3, -2.0, 7.25, 8.5), shapely.box(8.2, 3.1, 12.0, 11.5)]),  # outside
    ]
    for geom in cases:
        ix = _same_cover([geom], T, 10, 10)
        assert np.abs(_dense(ix) - _by_shapely(geom, 10, 10, T)).max() < 1e-12


def test_long_row_cut_by_horizontal_edges():
    ix = _same_cover([shapely.box(0.5, 7.5, 900.5, 8.0)], T, 10, 1000)
    dense = _dense(ix)
    assert dense[2, 1:900] == pytest.approx(np.full(899, 0.5), abs=1e-12)
    assert dense[2, 0] == pytest.approx(0.25) and dense[2, 900] == pytest.approx(0.25)


def test_random_zones_and_empty_ones():
    rng = np.random.default_rng(11)
    t = Affine(1.0, 0.0, 0.0, 0.0, -1.0, 30.0)
    geoms = [shapely.Point(rng.uniform(-2, 32, 2)).buffer(rng.uniform(0.3, 7), 12) for _ in range(30)]
    ang = np.sort(rng.uniform(0, 2 * np.pi, 40))
    rad = rng.uniform(3, 13, 40)
    star = shapely.Polygon(np.c_[15 + rad * np.cos(ang), 15 + rad * np.sin(ang)]).buffer(0)
    geoms += [star.difference(shapely.Point(15.3, 14.7).buffer(1.7, 8)), shapely.Polygon()]
    ix = _same_cover(geoms, t, 30, 30)
    assert np.abs(_dense(ix, 30) - _by_shapely(geoms[30], 30, 30, t)).max() < 1e-12


def test_polygon_areas_agree():
    from sinkmap.analysis.zonal.cellarea import lonlat_polygon_areas

    geoms = [shapely.box(112.0, 27.0, 112.5, 27.4), shapely.Point(113, 28).buffer(0.3, 32).difference(
        shapely.box(113, 28, 113.1, 28.1)), shapely.MultiPolygon([shapely.box(110, 25, 111, 26), shapely.box(111.5, 25, 112, 26)])]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SINKMAP_KERNELS", "numba")
        a = lonlat_polygon_areas(geoms, 6378137.0, 298.257222101)
        mp.setenv("SINKMAP_KERNELS", "numpy")
        b = lonlat_polygon_areas(geoms, 6378137.0, 298.257222101)
    assert np.allclose(a, b, rtol=1e-13, atol=0) and a[0] > 1e9


def _raster(path, values, dtype="uint16"):
    rng = np.random.default_rng(3)
    data = rng.choice(np.asarray(values), size=(140, 170)).astype(dtype)
    data[:20, :30] = 0  # nodata
    with rasterio.open(path, "w", driver="GTiff", width=170, height=140, count=1, dtype=dtype, crs="EPSG:4490",
                       transform=from_origin(112.0, 28.0, 0.001, 0.001), nodata=0) as ds:
        ds.write(data, 1)
    return path


def _tiles():
    cells = [shapely.box(112.0 + 0.04 * i + 0.0003, 27.86 + 0.035 * j + 0.0007, 112.04 + 0.04 * i + 0.0003,
                         27.895 + 0.035 * j + 0.0007) for i in range(4) for j in range(4)]
    return gpd.GeoDataFrame({"name": [f"z{i}" for i in range(len(cells))]}, geometry=cells, crs="EPSG:4490")


def _class_areas(path, zones, mode, monkeypatch, scheme="sandiao"):
    from sinkmap.analysis.zonal.stats import zonal_class_areas

    monkeypatch.setenv("SINKMAP_KERNELS", mode)
    monkeypatch.setenv("SINKMAP_NO_AOT", "1")
    return zonal_class_areas(path, zones, scheme)


def test_class_areas_agree_on_a_partition(tmp_path, monkeypatch):
    from sinkmap.analysis.zonal import run

    path = _raster(tmp_path / "lc.tif", [0, 101, 301, 305, 1101, 1106, 201])
    zones = _tiles()
    seen = []
    real = nojit.ClassAccumulator.add
    monkeypatch.setattr(nojit.ClassAccumulator, "add", lambda self, *a: seen.append(1) or real(self, *a))
    a = _class_areas(path, zones, "numba", monkeypatch)
    assert not seen
    b = _class_areas(path, zones, "numpy", monkeypatch)
    assert seen  # the numpy accumulator ran
    assert run._NOJIT_USED.is_set()
    assert np.allclose(a.class_area_ha, b.class_area_ha, rtol=1e-13, atol=1e-12)
    assert np.allclose(a.nodata_ha, b.nodata_ha, rtol=1e-13, atol=1e-12)
    assert a.class_area_ha.sum() > 0 and a.nodata_ha.sum() > 0


def test_unknown_codes_and_overlapping_zones_still_right(tmp_path, monkeypatch):
    path = _raster(tmp_path / "lc.tif", [0, 101, 301, 4321, 9999])  # two codes 三调 does not have
    zones = _tiles()
    a = _class_areas(path, zones, "numba", monkeypatch)
    b = _class_areas(path, zones, "numpy", monkeypatch)
    assert set(a.unclassified) == set(b.unclassified) == {4321, 9999}
    for k in a.unclassified:
        assert np.allclose(a.unclassified[k], b.unclassified[k], rtol=1e-13, atol=1e-12)
    assert np.allclose(a.class_area_ha, b.class_area_ha, rtol=1e-13, atol=1e-12)
    # overlapping zones: no label image possible, numba's kernel does it
    over = gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=[shapely.box(112.01, 27.9, 112.1, 27.97),
                                                           shapely.box(112.05, 27.88, 112.15, 27.95)], crs="EPSG:4490")
    a = _class_areas(path, over, "numba", monkeypatch)
    b = _class_areas(path, over, "numpy", monkeypatch)
    assert np.allclose(a.class_area_ha, b.class_area_ha, rtol=1e-13, atol=1e-12)


def test_accumulator_refuses_overlaps():
    ix = cover_index([shapely.box(0, 0, 6, 10), shapely.box(4, 0, 10, 10)], T, 10, 10)
    assert not nojit.ClassAccumulator(ix, 5).usable
    ix = cover_index([shapely.box(0, 0, 5, 10), shapely.box(5, 0, 10, 10)], T, 10, 10)
    assert nojit.ClassAccumulator(ix, 5).usable


def test_auto_mode_follows_what_is_compiled(tmp_path, monkeypatch):
    from sinkmap.analysis.zonal import aot

    monkeypatch.setenv("SINKMAP_HOME", str(tmp_path))
    monkeypatch.setenv("SINKMAP_KERNELS", "auto")
    monkeypatch.setattr(aot, "_LOADED", {})
    monkeypatch.setattr(aot, "installed", lambda: None)  # as without the module built at install
    assert nojit.mode() == "numpy"  # nothing compiled in this fresh home
    aot.mark_jit_ready()
    assert nojit.mode() == "numba"
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "elsewhere"))  # another numba cache: not filled
    assert nojit.mode() == "numpy"
