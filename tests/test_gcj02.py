"""GCJ-02 conversion: published values, an independent implementation, round trips over Hunan."""

from __future__ import annotations

import eviltransform  # independent implementation, in the "test" extra
import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry import Polygon

from sinkmap.core.errors import CRSError
from sinkmap.io import gcj02

GEOD = pyproj.Geod(ellps="GRS80")  # CGCS2000's ellipsoid up to the 10th digit of f


@pytest.fixture(scope="module")
def hunan_grid() -> tuple[np.ndarray, np.ndarray]:
    """A 57 x 57 grid (0.1 degree spacing) over Hunan's bounding box, 108.7–114.3E, 24.6–30.2N."""
    lon, lat = np.meshgrid(np.linspace(108.7, 114.3, 57), np.linspace(24.6, 30.2, 57))
    return lon.ravel(), lat.ravel()


def _dist_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    return np.asarray(GEOD.inv(lon1, lat1, lon2, lat2)[2])


def test_published_pair_wandergis_coordtransform():
    # Published in the README/tests of wandergis/coordtransform (the Krasovsky version of the
    # formula, also quoted by Hutool's CoordinateUtilTest): WGS-84 (116.404, 39.915) ->
    # GCJ-02 (116.41024449916938, 39.91640428150164), and its one-step inverse of the same input
    # -> (116.39775550083061, 39.91359571849836).
    lon, lat = gcj02.wgs84_to_gcj02(116.404, 39.915)
    assert lon == pytest.approx(116.41024449916938, abs=1e-12)
    assert lat == pytest.approx(39.91640428150164, abs=1e-12)
    lon1, lat1 = gcj02.gcj02_to_wgs84_one_step(116.404, 39.915)
    assert lon1 == pytest.approx(116.39775550083061, abs=1e-12)
    assert lat1 == pytest.approx(39.91359571849836, abs=1e-12)


def test_forward_matches_eviltransform(hunan_grid):
    lon, lat = hunan_grid
    ref = np.array([eviltransform.wgs2gcj(a, o) for o, a in zip(lon, lat)])  # (lat, lon) pairs
    ours_lon, ours_lat = gcj02.wgs84_to_gcj02(lon, lat)
    # eviltransform scales the offset with the WGS-84 radius 6378137 m instead of Krasovsky's
    # 6378245 m; the offset in degrees is inversely proportional to that radius, so rescaling its
    # offset by 6378137/6378245 must reproduce ours exactly ...
    k = 6378137.0 / 6378245.0
    ref_lon = lon + (ref[:, 1] - lon) * k
    ref_lat = lat + (ref[:, 0] - lat) * k
    assert _dist_m(ours_lon, ours_lat, ref_lon, ref_lat).max() < 1e-6
    # ... and unscaled the two differ by the radius ratio: <= 680 m * 108/6378245 = 1.2 cm.
    raw = _dist_m(ours_lon, ours_lat, ref[:, 1], ref[:, 0])
    assert raw.max() < 680 * 108 / 6378245 * 1.01


def test_offset_magnitude_in_hunan(hunan_grid):
    lon, lat = hunan_grid
    glon, glat = gcj02.wgs84_to_gcj02(lon, lat)
    shift = _dist_m(lon, lat, glon, glat)
    # A few hundred metres everywhere in Hunan (DOMAIN.md: ~650 m around Changsha).
    assert 450 < shift.min() and shift.max() < 750
    clon, clat = gcj02.wgs84_to_gcj02(112.94, 28.23)  # Changsha
    assert 600 < _dist_m(112.94, 28.23, clon, clat) < 700


def test_round_trips_below_a_centimetre(hunan_grid):
    lon, lat = hunan_grid
    # WGS-84 -> GCJ-02 -> WGS-84
    back_lon, back_lat = gcj02.gcj02_to_wgs84(*gcj02.wgs84_to_gcj02(lon, lat))
    assert _dist_m(lon, lat, back_lon, back_lat).max() < 0.01
    # GCJ-02 -> WGS-84 -> GCJ-02 (the direction used on AMap data)
    fwd_lon, fwd_lat = gcj02.wgs84_to_gcj02(*gcj02.gcj02_to_wgs84(lon, lat))
    assert _dist_m(lon, lat, fwd_lon, fwd_lat).max() < 0.01


def test_iteration_matters(hunan_grid):
    lon, lat = hunan_grid
    glon, glat = gcj02.wgs84_to_gcj02(lon, lat)
    one = _dist_m(lon, lat, *gcj02.gcj02_to_wgs84_one_step(glon, glat))
    it = _dist_m(lon, lat, *gcj02.gcj02_to_wgs84(glon, glat))
    assert one.max() > 0.5  # the one-step inverse is off by metres somewhere in Hunan
    assert it.max() < 1e-3  # the iterated one is below a millimetre
    assert it.max() < one.max() / 1000


def test_outside_china_unchanged_and_scalars():
    assert gcj02.wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)  # Paris
    assert gcj02.gcj02_to_wgs84(-74.0, 40.7) == (-74.0, 40.7)
    lon, lat = gcj02.wgs84_to_gcj02(np.array([2.35, 112.9]), np.array([48.85, 28.2]))
    assert lon[0] == 2.35 and lon[1] != 112.9
    nan_lon, nan_lat = gcj02.gcj02_to_wgs84(np.array([np.nan]), np.array([np.nan]))
    assert np.isnan(nan_lon[0]) and np.isnan(nan_lat[0])


def test_geometry_helpers_round_trip():
    square = Polygon([(112.9, 28.1), (113.0, 28.1), (113.0, 28.2), (112.9, 28.2)])
    moved = gcj02.geometry_gcj02_from_wgs84(square)
    assert shapely.get_num_coordinates(moved) == 5
    back = gcj02.geometry_gcj02_to_wgs84(moved)
    coords = shapely.get_coordinates(back)
    orig = shapely.get_coordinates(square)
    assert _dist_m(coords[:, 0], coords[:, 1], orig[:, 0], orig[:, 1]).max() < 0.01
    centre_shift = _dist_m(square.centroid.x, square.centroid.y, moved.centroid.x, moved.centroid.y)
    assert 500 < centre_shift < 750


def test_frame_helpers():
    tri = Polygon([(112.9, 28.1), (113.0, 28.1), (113.0, 28.2)])
    frame = gpd.GeoDataFrame({"n": [1]}, geometry=[tri], crs="EPSG:4326")
    to_gcj = gcj02.frame_cgcs2000_to_gcj02(frame)
    assert to_gcj.attrs["coordinates"] == "GCJ-02"
    back = gcj02.frame_gcj02_to_cgcs2000(to_gcj)
    assert back.crs.to_epsg() == 4490
    assert back.geometry.iloc[0].equals_exact(frame.geometry.iloc[0], tolerance=1e-9)
    assert frame.geometry.iloc[0].equals_exact(tri, tolerance=0)  # the input is not modified
    with pytest.raises(CRSError):
        gcj02.frame_gcj02_to_cgcs2000(frame.to_crs("EPSG:4547"))
