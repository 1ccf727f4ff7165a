"""The zonal engine on tiny rasters whose answers are worked out by hand or by another library."""

from __future__ import annotations

import tracemalloc

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from pyproj import Geod
from rasterio.transform import from_origin

from sinkmap.analysis.zonal.cellarea import area_model, lonlat_row_areas
from sinkmap.analysis.zonal import Chunking, zonal_class_areas, zonal_sum
from sinkmap.core.crs import EQUAL_AREA_CRS
from sinkmap.core.errors import Cancelled, CRSError, InputError
from sinkmap.core.feedback import NullFeedback
from sinkmap.io.rasters import open_raster

GEOD = Geod(a=6378137.0, rf=298.257222101)  # CGCS2000
X0, Y0 = 500_000.0, 3_100_000.0  # Albers metres near Hunan; 10 m pixels


def write(path, data, transform, crs=EQUAL_AREA_CRS, nodata=None, **kw):
    with rasterio.open(path, "w", driver="GTiff", height=data.shape[0], width=data.shape[1], count=1,
                       dtype=data.dtype, crs=crs, transform=transform, nodata=nodata, **kw) as ds:
        ds.write(data, 1)
    return path


def albers_zone(*boxes_px, crs=EQUAL_AREA_CRS):
    """Zones from (col0, row0, col1, row1) pixel boxes of the 10 m Albers grid."""
    geoms = [shapely.box(X0 + 10 * c0, Y0 - 10 * r1, X0 + 10 * c1, Y0 - 10 * r0) for c0, r0, c1, r1 in boxes_px]
    return gpd.GeoDataFrame({"name": [f"z{i}" for i in range(len(geoms))]}, geometry=geoms, crs=crs)


@pytest.fixture()
def lc10(tmp_path):
    """10×10, 10 m Albers pixels: 301 (乔木林地) in columns 0–4, 101 (水田) in 5–9; row 9 nodata (0)."""
    data = np.where(np.arange(10)[None, :] < 5, 301, 101).astype(np.uint16).repeat(10, axis=0)
    data[9, :] = 0
    return write(tmp_path / "lc10.tif", data, from_origin(X0, Y0, 10, 10), nodata=0)


def test_three_and_a_half_pixels(lc10):
    # zone: row 4, x from column 2 to 5.5 → 301: 3 cells × 100 m² = 0.03 ha; 101: half a cell = 0.005 ha
    zones = albers_zone((2, 4, 5.5, 5))
    res = zonal_class_areas(lc10, zones, "sandiao")
    areas = dict(zip(res.codes, res.class_area_ha[0]))
    assert areas["0301"] == pytest.approx(3 * 100 / 1e4, rel=1e-12)
    assert areas["0101"] == pytest.approx(0.5 * 100 / 1e4, rel=1e-12)
    assert sum(areas.values()) == pytest.approx(3.5 * 100 / 1e4, rel=1e-12)
    assert res.nodata_ha[0] == 0.0 and res.unclassified == {}


def test_fractions_of_boundary_cells_and_nodata(lc10):
    # x from column 3.25 to 6.75, rows 7.5 .. 10 (the last row is nodata):
    # per full row: 301 = 1.75 cells, 101 = 1.75 cells; rows 7.5–9 give 1.5 rows; row 9 is nodata: 3.5 cells
    zones = albers_zone((3.25, 7.5, 6.75, 10))
    res = zonal_class_areas(lc10, zones, "sandiao")
    areas = dict(zip(res.codes, res.class_area_ha[0]))
    assert areas["0301"] == pytest.approx(1.75 * 1.5 * 100 / 1e4, rel=1e-12)
    assert areas["0101"] == pytest.approx(1.75 * 1.5 * 100 / 1e4, rel=1e-12)
    assert res.nodata_ha[0] == pytest.approx(3.5 * 100 / 1e4, rel=1e-12)


def test_zone_partly_outside_the_raster_is_reported(lc10):
    fb = NullFeedback()
    res = zonal_class_areas(lc10, albers_zone((8, 0, 12, 2)), "sandiao", feedback=fb)
    assert res.covered_ha[0] == pytest.approx(2 * 2 * 100 / 1e4, rel=1e-12)  # 2 columns inside × 2 rows
    assert any("extend beyond the raster" in w and "50.00%" in w for w in map(str, fb.warnings))


def test_lonlat_row_area_matches_geod():
    # one 0.01° cell at 27°N: the polygon with its parallels densified (geodesics between close points)
    lat0, d = 27.0, 0.01
    ours = lonlat_row_areas(np.array([lat0 + d, lat0]), d, 6378137.0, 298.257222101)[0]
    lons = np.linspace(112.0, 112.0 + d, 201)
    ring = list(zip(lons, np.full(lons.size, lat0))) + list(zip(lons[::-1], np.full(lons.size, lat0 + d)))
    geod_area = abs(GEOD.geometry_area_perimeter(shapely.Polygon(ring))[0])
    assert ours == pytest.approx(geod_area, rel=1e-9)
    # and a 1° cell, where the closed form's cancellation would hurt: still exact
    big = lonlat_row_areas(np.array([28.0, 27.0]), 1.0, 6378137.0, 298.257222101)[0]
    lons = np.linspace(112.0, 113.0, 4001)
    ring = list(zip(lons, np.full(lons.size, 27.0))) + list(zip(lons[::-1], np.full(lons.size, 28.0)))
    assert big == pytest.approx(abs(GEOD.geometry_area_perimeter(shapely.Polygon(ring))[0]), rel=1e-7)


def _lonlat_raster(tmp_path, h=300, w=400, res=0.001, seed=1):
    rng = np.random.default_rng(seed)
    data = rng.choice(np.array([301, 302, 101, 1101], np.uint16), size=(h, w))
    return write(tmp_path / "ll.tif", data, from_origin(112.0, 28.0, res, res), crs="EPSG:4490",
                 tiled=True, blockxsize=64, blockysize=64, compress="deflate")


def test_class_areas_sum_to_the_polygon_ellipsoidal_area(tmp_path):
    path = _lonlat_raster(tmp_path)
    poly = shapely.Point(112.2, 27.85).buffer(0.12, 64)
    zones = gpd.GeoDataFrame({"name": ["circle"]}, geometry=[poly], crs="EPSG:4490")
    res = zonal_class_areas(path, zones, "sandiao")
    geod_ha = abs(GEOD.geometry_area_perimeter(shapely.segmentize(poly, 0.001))[0]) / 1e4
    assert res.class_area_ha[0].sum() == pytest.approx(geod_ha, rel=1e-4)  # the 0.01 %
    assert res.class_area_ha[0].sum() == pytest.approx(geod_ha, rel=1e-7)  # and in fact much closer


def test_areas_match_exactextract_coverage_weighted(tmp_path):
    exactextract = pytest.importorskip("exactextract")
    path = _lonlat_raster(tmp_path)
    info = open_raster(path)
    wpath = write(tmp_path / "w.tif", area_model(info).row_area[:, None],
                  rasterio.Affine(0.001 * info.width, 0, 112.0, 0, -0.001, 28.0), crs="EPSG:4490")
    geoms = [shapely.Point(112.15, 27.9).buffer(0.06, 32), shapely.box(112.201, 27.751, 112.3893, 27.8711)]
    zones = gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=geoms, crs="EPSG:4490")
    res = zonal_class_areas(path, zones, "sandiao")
    df = exactextract.exact_extract(str(path), zones, ["unique", "weighted_frac", "weighted_sum", "weighted_mean"],
                                    weights=str(wpath), output="pandas")
    for i in range(2):
        total = df["weighted_sum"][i] / df["weighted_mean"][i]  # Σ coverage × cell area
        for value, frac in zip(df["unique"][i], df["weighted_frac"][i]):
            ours = res.class_area_ha[i, res.codes.index(f"{int(value):04d}")]
            assert ours == pytest.approx(frac * total / 1e4, rel=1e-9)


def test_projected_cell_areas_follow_the_projection_scale(tmp_path):
    # Gauss–Krüger 114°E, 300 km east of the CM: cells are larger on the map than on the ellipsoid
    data = np.full((50, 60), 301, np.uint16)
    t = from_origin(800_000.0, 3_120_000.0, 100.0, 100.0)
    path = write(tmp_path / "gk.tif", data, t, crs="EPSG:4547")
    res = zonal_class_areas(path, gpd.GeoDataFrame(geometry=[shapely.box(800_000, 3_115_000, 806_000, 3_120_000)],
                                                   crs="EPSG:4547"), "sandiao")
    frame = gpd.GeoSeries([shapely.segmentize(shapely.box(800_000, 3_115_000, 806_000, 3_120_000), 100)],
                          crs="EPSG:4547").to_crs("EPSG:4490")
    geod_ha = abs(GEOD.geometry_area_perimeter(frame.iloc[0])[0]) / 1e4
    assert res.class_area_ha[0].sum() == pytest.approx(geod_ha, rel=1e-6)
    assert res.class_area_ha[0].sum() < 50 * 60 * 100 * 100 / 1e4 * (1 - 1e-3)  # the scale really was applied


def test_zones_in_another_crs_are_reprojected_not_the_raster(lc10):
    zones = albers_zone((2, 4, 5.5, 5)).to_crs("EPSG:4490")
    res = zonal_class_areas(lc10, zones, "sandiao")
    assert res.class_area_ha[0].sum() == pytest.approx(0.035, rel=1e-6)


def test_unknown_codes_are_unclassified_and_warned(tmp_path):
    data = np.full((10, 10), 301, np.uint16)
    data[:, 7:] = 777  # not a 三调 code
    path = write(tmp_path / "unk.tif", data, from_origin(X0, Y0, 10, 10))
    fb = NullFeedback()
    res = zonal_class_areas(path, albers_zone((0, 0, 10, 10)), "sandiao", feedback=fb)
    assert res.unclassified[777][0] == pytest.approx(3 * 10 * 100 / 1e4)
    assert res.class_area_ha[0, res.codes.index("0301")] == pytest.approx(7 * 10 * 100 / 1e4)
    assert any("777" in w and "0.30 ha" in w and "unclassified" in w for w in map(str, fb.warnings))


def test_int32_and_int16_rasters(tmp_path):
    for dtype in (np.int32, np.int16):
        data = np.full((10, 10), 302, dtype)
        data[0, :] = -5
        path = write(tmp_path / f"{np.dtype(dtype).name}.tif", data, from_origin(X0, Y0, 10, 10))
        res = zonal_class_areas(path, albers_zone((0, 0, 10, 10)), "sandiao")
        assert res.class_area_ha[0, res.codes.index("0302")] == pytest.approx(0.9)
        assert res.unclassified[-5][0] == pytest.approx(0.1)


def test_nodata_everywhere_in_a_zone(lc10):
    fb = NullFeedback()
    res = zonal_class_areas(lc10, albers_zone((0, 9, 10, 10), (0, 0, 1, 1)), "sandiao", feedback=fb)
    assert res.class_area_ha[0].sum() == 0.0 and res.nodata_ha[0] == pytest.approx(0.1)
    assert any("nodata everywhere" in w and "z0" in w for w in map(str, fb.warnings))


def test_raster_without_crs(tmp_path):
    path = tmp_path / "nocrs.tif"
    with rasterio.open(path, "w", driver="GTiff", height=4, width=4, count=1, dtype="uint8",
                       transform=from_origin(0, 4, 1, 1)) as ds:
        ds.write(np.ones((4, 4), np.uint8), 1)
    with pytest.raises(CRSError) as err:
        zonal_class_areas(path, albers_zone((0, 0, 2, 2)), "sandiao")
    assert "no coordinate reference system" in str(err.value) and "gdal_edit" in str(err.value)
    assert str(path) in str(err.value)


def test_raster_that_does_not_overlap(lc10):
    zones = gpd.GeoDataFrame(geometry=[shapely.box(100.0, 40.0, 100.1, 40.1)], crs="EPSG:4490")
    with pytest.raises(CRSError, match="does not overlap"):
        zonal_class_areas(lc10, zones, "sandiao")


def test_truncated_geotiff_is_a_clear_error(tmp_path):
    data = np.random.default_rng(0).integers(100, 110, (256, 256)).astype(np.uint16)
    good = write(tmp_path / "good.tif", data, from_origin(X0, Y0, 10, 10), tiled=True, blockxsize=64,
                 blockysize=64, compress="deflate")
    raw = good.read_bytes()
    bad = tmp_path / "truncated.tif"
    bad.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(InputError) as err:
        zonal_class_areas(bad, albers_zone((0, 0, 256, 256)), "sandiao")
    assert str(bad) in str(err.value)
    assert "corrupt or truncated" in str(err.value) or "not a readable raster" in str(err.value)
    junk = tmp_path / "junk.tif"
    junk.write_bytes(b"II*\x00" + b"\x00" * 100)
    with pytest.raises(InputError, match="not a readable raster"):
        zonal_class_areas(junk, albers_zone((0, 0, 2, 2)), "sandiao")


def test_memory_is_per_window_not_per_raster(tmp_path):
    # 8 MiB of uint8 in one-row strips, a 16 KiB window budget and 64 KiB read ahead: Python-side memory
    # must stay at a few strips (32 KiB each) plus the zone index (∝ rows), nowhere near the raster
    h, w = 256, 32768
    data = np.where(np.arange(w)[None, :] // 64 % 2 == 0, 10, 30).astype(np.uint8).repeat(h, axis=0)
    path = write(tmp_path / "wide.tif", data, from_origin(X0, Y0, 10, 10), blockysize=1, compress="deflate")
    zones = albers_zone((0, 0, w, h))
    chunking = Chunking(window_bytes=16 * 1024, chunk_pixels=2**20, threads=1, read_ahead_bytes=64 * 1024)
    for _ in range(2):  # warm up: every kernel specialisation compiled (the read-ahead's timing can pick a
        zonal_class_areas(path, zones, "worldcover", chunking=chunking)  # path the first call did not)
    tracemalloc.start()
    res = zonal_class_areas(path, zones, "worldcover", chunking=chunking)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < h * w / 16  # < 512 KiB for an 8 MiB raster
    assert res.class_area_ha[0].sum() == pytest.approx(h * w * 100 / 1e4)


class _CancelAfter(NullFeedback):
    def __init__(self, n):
        super().__init__()
        self.n = n

    def progress(self, fraction, text=""):
        super().progress(fraction, text)
        self.n -= 1
        if self.n <= 0:
            self.cancel()


def test_cancel_between_windows(tmp_path):
    path = _lonlat_raster(tmp_path)
    zones = gpd.GeoDataFrame(geometry=[shapely.box(112.01, 27.71, 112.39, 27.99)], crs="EPSG:4490")
    with pytest.raises(Cancelled):
        zonal_class_areas(path, zones, "sandiao", feedback=_CancelAfter(3),
                          chunking=Chunking(window_bytes=4096, chunk_pixels=4096, threads=1))


def test_progress_reaches_one_and_chunking_does_not_change_results(tmp_path):
    path = _lonlat_raster(tmp_path)
    zones = gpd.GeoDataFrame(geometry=[shapely.Point(112.2, 27.85).buffer(0.1)], crs="EPSG:4490")
    fb = NullFeedback()
    a = zonal_class_areas(path, zones, "sandiao", feedback=fb, chunking=Chunking(threads=2, chunk_pixels=20_000))
    b = zonal_class_areas(path, zones, "sandiao", chunking=Chunking(threads=1, chunk_pixels=20_000))
    assert fb.fraction == pytest.approx(1.0)
    assert np.array_equal(a.class_area_ha, b.class_area_ha)  # threads do not change a bit


def test_zonal_sum_of_a_density(tmp_path):
    # 25 m³/ha everywhere but one nodata column: zone of 3.5 × 2 cells, half a cell of it nodata per row
    data = np.full((10, 10), 25.0, np.float32)
    data[:, 5] = -9999.0
    path = write(tmp_path / "stock.tif", data, from_origin(X0, Y0, 10, 10), nodata=-9999.0)
    res = zonal_sum(path, albers_zone((2, 4, 5.5, 6)))
    assert res.valid_ha[0] == pytest.approx(3 * 2 * 100 / 1e4)
    assert res.nodata_ha[0] == pytest.approx(0.5 * 2 * 100 / 1e4)
    assert res.value_x_ha[0] == pytest.approx(25.0 * 0.06)  # m³
    assert res.mean()[0] == pytest.approx(25.0)


def _with_internal_mask(path, data, mask, dtype):
    with rasterio.Env(GDAL_TIFF_INTERNAL_MASK=True):
        with rasterio.open(path, "w", driver="GTiff", height=data.shape[0], width=data.shape[1], count=1,
                           dtype=dtype, crs=EQUAL_AREA_CRS, transform=from_origin(X0, Y0, 10, 10)) as ds:
            ds.write(data.astype(dtype), 1)
            ds.write_mask(mask)
    return path


def test_mask_band_is_nodata(tmp_path):
    # 10×10 cells of 100 m²: 301 in columns 0–4, 101 in 5–9; an internal mask hides rows 0–1 (no nodata value)
    data = np.where(np.arange(10)[None, :] < 5, 301, 101).repeat(10, axis=0)
    mask = np.full((10, 10), 255, np.uint8)
    mask[:2, :] = 0
    path = _with_internal_mask(tmp_path / "masked.tif", data, mask, "uint16")
    assert open_raster(path).masked and open_raster(path).nodata is None
    # zone: columns 3 .. 7.5, rows 1 .. 4 → row 1 masked: 4.5 cells nodata; rows 2–3: 301 = 2×2, 101 = 2×2.5 cells
    res = zonal_class_areas(path, albers_zone((3, 1, 7.5, 4)), "sandiao")
    areas = dict(zip(res.codes, res.class_area_ha[0]))
    assert areas["0301"] == pytest.approx(4 * 100 / 1e4, rel=1e-12)
    assert areas["0101"] == pytest.approx(5 * 100 / 1e4, rel=1e-12)
    assert res.nodata_ha[0] == pytest.approx(4.5 * 100 / 1e4, rel=1e-12)
    # a continuous raster: 20 m³/ha where unmasked → valid 9 cells × 0.01 ha × 20 = 1.8 m³
    dens = _with_internal_mask(tmp_path / "dens.tif", np.full((10, 10), 20.0), mask, "float32")
    s = zonal_sum(dens, albers_zone((3, 1, 7.5, 4)))
    assert s.value_x_ha[0] == pytest.approx(9 * 0.01 * 20, rel=1e-12)
    assert s.nodata_ha[0] == pytest.approx(4.5 * 0.01, rel=1e-12)


def test_mask_band_with_unknown_codes(tmp_path):
    # an int16 raster with a code sandiao does not know (-5) in row 5, masked rows 0–1
    data = np.full((10, 10), 302, np.int16)
    data[5, :] = -5
    mask = np.full((10, 10), 255, np.uint8)
    mask[:2, :] = 0
    path = _with_internal_mask(tmp_path / "masked16.tif", data, mask, "int16")
    res = zonal_class_areas(path, albers_zone((0, 0, 10, 10)), "sandiao")
    assert res.class_area_ha[0, res.codes.index("0302")] == pytest.approx(0.7)  # 7 rows × 10 cells × 0.01 ha
    assert res.unclassified[-5][0] == pytest.approx(0.1)
    assert res.nodata_ha[0] == pytest.approx(0.2)
