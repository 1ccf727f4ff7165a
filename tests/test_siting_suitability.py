"""Criterion scoring and distances (sinkmap.analysis.siting.criteria) and their weighted combination
(sinkmap.analysis.siting.suitability), checked by hand on small arrays."""

from __future__ import annotations

import numpy as np
import pytest
from rasterio.transform import from_origin
from shapely.geometry import LineString, Point

from sinkmap.analysis.siting import criteria as cr
from sinkmap.core.errors import InputError

N = np.nan


def test_categories_ranges_and_thresholds():
    lc = np.array([[10, 20, 30], [40, 255, 10]])
    out = cr.categories(lc, {10: 1.0, 20: 0.5, 30: 0.0}, nodata=255)
    np.testing.assert_array_equal(out, np.array([[1, 0.5, 0], [N, N, 1]], np.float32))
    assert cr.categories(lc, {10: 1.0}, default=0.0)[0, 1] == 0.0
    slope = np.array([[0.0, 5.0, 10.0], [15.0, 25.0, 40.0]])
    np.testing.assert_allclose(cr.falling(slope, 5, 25), [[1, 1, 0.75], [0.5, 0, 0]])
    np.testing.assert_allclose(cr.rising(slope, 5, 25), [[0, 0, 0.25], [0.5, 1, 1]])
    np.testing.assert_allclose(cr.ranges(slope, [5, 15, 25], [1, 0.8, 0.4, 0]), [[1, 0.8, 0.8], [0.4, 0, 0]])
    np.testing.assert_allclose(cr.piecewise(slope, [0, 10, 40], [0, 1, 0]), [[0, 0.5, 1], [5 / 6, 0.5, 0]])
    masked = np.ma.masked_array(slope, mask=[[0, 1, 0], [0, 0, 0]])
    assert np.isnan(cr.falling(masked, 5, 25)[0, 1])
    assert cr.falling(slope, 5, 25).dtype == np.float32


def test_scoring_validation():
    with pytest.raises(InputError) as e:
        cr.rising(np.zeros((2, 2)), 5, 5, name="slope")
    assert e.value.code == "analysis.siting.bad_interval"
    with pytest.raises(InputError) as e:
        cr.categories(np.zeros((2, 2)), {0: 2.0}, name="landcover")
    assert e.value.code == "analysis.siting.score_out_of_range"
    with pytest.raises(InputError) as e:
        cr.ranges(np.zeros((2, 2)), [5, 3], [1, 0.5, 0])
    assert e.value.code == "analysis.siting.bad_breaks"


def _brute(feat, dx, dy):
    rr, cc = np.nonzero(feat)
    rows, cols = np.mgrid[0:feat.shape[0], 0:feat.shape[1]]
    d = np.hypot((cols[..., None] - cc) * dx, (rows[..., None] - rr) * dy)
    return d.min(axis=-1)


def test_distance_is_exact_in_metres():
    rng = np.random.default_rng(3)
    feat = rng.random((23, 31)) < 0.03
    feat[0, 0] = True
    tr = from_origin(500000, 3000000, 30.0, 20.0)  # anisotropic cells: 30 m × 20 m
    d = cr.distance(feat, tr, "EPSG:4545")
    np.testing.assert_allclose(d, _brute(feat, 30.0, 20.0), rtol=1e-6)
    assert np.isinf(cr.distance(np.zeros((3, 3), bool), tr, "EPSG:4545")).all()
    with pytest.raises(InputError) as e:
        cr.distance(feat, from_origin(112, 28, 0.001, 0.001), "EPSG:4490")
    assert e.value.code == "analysis.siting.distance_needs_metric"


def test_distance_to_features():
    import geopandas as gpd

    tr = from_origin(0, 1000, 100.0, 100.0)
    road = gpd.GeoDataFrame(geometry=[LineString([(50, 1000), (50, 0)])], crs="EPSG:4545")  # down column 0
    d = cr.distance_to_features(road, tr, (10, 10), "EPSG:4545")
    np.testing.assert_allclose(d[3], np.arange(10) * 100.0)
    sub = cr.distance_to_features([Point(450, 550)], tr, (10, 10), "EPSG:4545")  # cell (4, 4)
    assert sub[4, 4] == 0 and sub[4, 7] == pytest.approx(300.0) and sub[0, 0] == pytest.approx(400 * 2 ** 0.5)
