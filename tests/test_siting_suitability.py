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


# -- suitability -----------------------------------------------------------------------------------------------

from sinkmap.analysis.siting.ahp import ahp  # noqa: E402
from sinkmap.analysis.siting.suitability import suitability  # noqa: E402

SLOPE = np.array([[1.0, 0.5, 0.0], [1.0, 1.0, 0.2], [N, 0.4, 0.8]])
ROADS = np.array([[0.0, 0.5, 1.0], [0.5, 1.0, 0.6], [0.3, N, 0.2]])
INCL = np.array([[1.0, 1.0, 1.0], [0.0, 0.5, 1.0], [1.0, 1.0, N]])


def test_weighted_sum_by_hand():
    out = suitability({"slope": SLOPE, "roads": ROADS}, {"slope": 0.75, "roads": 0.25})
    expected = np.array([[0.75, 0.5, 0.25], [0.875, 1.0, 0.3], [N, N, 0.65]], np.float32)
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    assert out.dtype == np.float32
    masked = suitability({"slope": SLOPE, "roads": ROADS}, {"slope": 0.75, "roads": 0.25}, inclusion=INCL)
    np.testing.assert_allclose(masked, [[0.75, 0.5, 0.25], [0.0, 0.5, 0.3], [N, N, N]], rtol=1e-6)


def test_weighted_product_by_hand():
    out = suitability({"slope": SLOPE, "roads": ROADS}, {"slope": 0.5, "roads": 0.5}, method="product")
    expected = np.sqrt(SLOPE * ROADS)
    np.testing.assert_allclose(out, expected.astype(np.float32), rtol=1e-6)
    assert out[0, 0] == 0 and out[0, 2] == 0  # no compensation


def test_ahp_weights_and_zero_weight_nodata():
    r = ahp([[1, 3], [1 / 3, 1]], ["slope", "roads"])
    out = suitability({"slope": SLOPE, "roads": ROADS}, r)
    np.testing.assert_allclose(out[0], [0.75, 0.5, 0.25], rtol=1e-6)
    only_roads = suitability({"slope": SLOPE, "roads": ROADS}, {"slope": 0.0, "roads": 1.0})
    assert only_roads[2, 0] == pytest.approx(0.3)  # a zero weight does not pass its nodata on


def test_suitability_validation():
    crit = {"slope": SLOPE, "roads": ROADS}
    with pytest.raises(InputError) as e:
        suitability(crit, {"slope": 0.7, "roads": 0.2})
    assert e.value.code == "analysis.siting.weights_sum" and e.value.params["total"] == "0.9"
    assert "sum to 0.9" in str(e.value)
    suitability(crit, {"slope": 0.7 + 5e-7, "roads": 0.3})  # within 1e-6
    with pytest.raises(InputError) as e:
        suitability(crit, {"slope": 1.0})
    assert e.value.code == "analysis.siting.weights_names"
    with pytest.raises(InputError) as e:
        suitability(crit, {"slope": 1.2, "roads": -0.2})
    assert e.value.code == "analysis.siting.weights_negative"
    with pytest.raises(InputError) as e:
        suitability({"slope": SLOPE * 10, "roads": ROADS}, {"slope": 0.5, "roads": 0.5})
    assert e.value.code == "analysis.siting.criterion_out_of_range" and e.value.params["name"] == "slope"
    with pytest.raises(InputError) as e:
        suitability({"slope": SLOPE, "roads": ROADS[:2]}, {"slope": 0.5, "roads": 0.5})
    assert e.value.code == "analysis.siting.shape_mismatch"
    with pytest.raises(InputError) as e:
        suitability(crit, {"slope": 0.5, "roads": 0.5}, inclusion=INCL * 2)
    assert e.value.code == "analysis.siting.inclusion_out_of_range"
    with pytest.raises(InputError) as e:
        suitability(crit, {"slope": 0.5, "roads": 0.5}, method="max")
    assert e.value.code == "analysis.siting.bad_method"
