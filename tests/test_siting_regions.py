"""Candidate regions (sinkmap.analysis.siting.regions) on hand-made grids."""

from __future__ import annotations

import numpy as np
import pytest
from rasterio.transform import from_origin

from sinkmap.analysis.siting.regions import POWER_DENSITY_MW_PER_KM2, cell_areas_m2, find_regions
from sinkmap.core.errors import InputError
from sinkmap.core.feedback import NullFeedback

CRS = "EPSG:6933"  # WGS 84 / NSIDC EASE-Grid 2.0 Global: equal-area, so a 100 m cell is exactly 1 ha
TR = from_origin(11_000_000.0, 3_400_000.0, 100.0, 100.0)


def _grid():
    """Blob A (6 cells, score 0.9), blob B (4 cells, 0.7), a lone cell C (0.95), background 0.2."""
    s = np.full((8, 10), 0.2)
    s[1:3, 1:4] = 0.9  # A: 2 × 3
    s[5:7, 6:8] = 0.7  # B: 2 × 2
    s[6, 1] = 0.95  # C: one cell
    s[0, 9] = np.nan
    return s


def test_equal_area_cells_are_one_hectare():
    assert np.allclose(cell_areas_m2((3, 4), TR, CRS), 1e4, rtol=1e-9)


def test_two_blobs_min_size_and_goal():
    fb = NullFeedback()
    slope = np.arange(80, dtype=float).reshape(8, 10)
    regions = find_regions(_grid(), TR, CRS, threshold=0.6, min_area_ha=2, criteria={"slope": slope}, feedback=fb)
    assert list(regions["region_id"]) == [1, 2]
    a, b = regions.iloc[0], regions.iloc[1]
    assert a.cells == 6 and a.area_ha == pytest.approx(6.0) and a.mean_score == pytest.approx(0.9)
    assert b.cells == 4 and b.mean_score == pytest.approx(0.7)
    assert a.capacity_mw == pytest.approx(6 * 0.01 * POWER_DENSITY_MW_PER_KM2["pv"])
    assert a.mean_slope == pytest.approx(slope[1:3, 1:4].mean())
    assert a.geometry.area == pytest.approx(6e4) and str(regions.crs.to_epsg()) == "6933"
    assert fb.warnings == []
    # without the minimum the lone cell C (best score) comes first
    assert find_regions(_grid(), TR, CRS, threshold=0.6).iloc[0].cells == 1
    # a goal the better blob alone meets: 6 ha × 40 MW/km² = 2.4 MW
    goal = find_regions(_grid(), TR, CRS, threshold=0.6, min_area_ha=2, goal_mw=2.0)
    assert len(goal) == 1 and goal.iloc[0].cells == 6
    both = find_regions(_grid(), TR, CRS, threshold=0.6, min_area_ha=2, goal_mw=3.0)
    assert len(both) == 2
    fb = NullFeedback()
    short = find_regions(_grid(), TR, CRS, threshold=0.6, min_area_ha=2, goal_area_ha=50, feedback=fb)
    assert len(short) == 2 and fb.warnings[0].code == "analysis.siting.goal_not_met"
    wind = find_regions(_grid(), TR, CRS, threshold=0.6, min_area_ha=2, technology="wind", power_density=5.0)
    assert wind.iloc[0].capacity_mw == pytest.approx(0.3)


def test_max_size_split_or_drop():
    split, labels = find_regions(_grid(), TR, CRS, threshold=0.6, min_area_ha=2, max_area_ha=4,
                                 return_labels=True)
    assert sorted(split["cells"]) == [2, 4, 4]  # A split into 4 + 2, B kept
    assert (labels > 0).sum() == 10 and set(np.unique(labels)) == {0, 1, 2, 3}
    assert split["area_ha"].max() <= 4
    dropped = find_regions(_grid(), TR, CRS, threshold=0.6, min_area_ha=2, max_area_ha=4, oversize="drop")
    assert list(dropped["cells"]) == [4]


def test_connectivity_and_lonlat_areas():
    s = np.zeros((4, 4))
    s[0, 0] = s[1, 1] = 1.0  # touching at a corner
    assert len(find_regions(s, TR, CRS, connectivity=8)) == 1
    assert len(find_regions(s, TR, CRS, connectivity=4)) == 2
    tr = from_origin(112.0, 28.01, 0.01, 0.01)  # lon/lat near 28°N: a 0.01° cell is ~ 1.11 km × 0.98 km
    r = find_regions(s, tr, "EPSG:4490", connectivity=4)
    assert r.iloc[0].area_ha == pytest.approx(108.9, rel=0.01)
    assert r.crs.to_epsg() == 4490


def test_region_validation():
    with pytest.raises(InputError) as e:
        find_regions(_grid(), TR, CRS, threshold=1.5)
    assert e.value.code == "analysis.siting.bad_threshold"
    with pytest.raises(InputError) as e:
        find_regions(_grid(), TR, CRS, min_area_ha=5, max_area_ha=2)
    assert e.value.code == "analysis.siting.bad_sizes"
    with pytest.raises(InputError) as e:
        find_regions(_grid(), TR, CRS, technology="tidal")
    assert e.value.code == "analysis.siting.unknown_technology"
    with pytest.raises(InputError) as e:
        find_regions(_grid(), TR, CRS, goal_mw=1, goal_area_ha=1)
    assert e.value.code == "analysis.siting.goal_both"
    fb = NullFeedback()
    empty = find_regions(np.zeros((3, 3)), TR, CRS, feedback=fb)
    assert len(empty) == 0 and fb.warnings[0].code == "analysis.siting.no_regions"
