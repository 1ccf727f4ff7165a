"""Exact coverage fractions of the signed-area rasteriser, against hand arithmetic, shapely and exactextract.

Grids use unit pixels with the origin at the top-left corner (0, 10): pixel (row r, col c) is the square
x ∈ [c, c+1], y ∈ [9-r, 10-r].
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from affine import Affine

from sinkmap.analysis.zonal.rasterize import cover_index, zone_cover

T = Affine(1.0, 0.0, 0.0, 0.0, -1.0, 10.0)


def cell_box(r: int, c: int, transform=T):
    x0, y0 = transform @ (c, r)
    x1, y1 = transform @ (c + 1, r + 1)
    return shapely.box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def by_shapely(geom, h: int, w: int, transform=T) -> np.ndarray:
    """Coverage fraction per cell from shapely intersections (independent of sinkmap)."""
    area = abs(transform.a * transform.e)
    return np.array([[shapely.area(shapely.intersection(cell_box(r, c, transform), geom)) / area
                      for c in range(w)] for r in range(h)])


def test_three_and_a_half_pixels_in_a_row():
    # x from 2 to 5.5 on row 5 (y 4..5): cells 2, 3, 4 full, cell 5 half
    cov = zone_cover(shapely.box(2.0, 4.0, 5.5, 5.0), T, 10, 10).dense(10, 10)
    expected = np.zeros((10, 10))
    expected[5, 2:5] = 1.0
    expected[5, 5] = 0.5
    assert np.array_equal(cov, expected)
    assert cov.sum() == 3.5


def test_corners_inside_cells():
    # x 1.25..3.75, y 7.5..8 (row 2, lower half): 0.75*0.5, 1*0.5, 0.75*0.5
    cov = zone_cover(shapely.box(1.25, 7.5, 3.75, 8.0), T, 10, 10).dense(10, 10)
    assert cov[2, 1] == pytest.approx(0.375, abs=1e-15)
    assert cov[2, 2] == pytest.approx(0.5, abs=1e-15)
    assert cov[2, 3] == pytest.approx(0.375, abs=1e-15)
    assert cov.sum() == pytest.approx(2.5 * 0.5, abs=1e-14)


def test_triangle_half_cell_and_hole():
    tri = shapely.Polygon([(0, 10), (1, 10), (0, 9)])  # half of cell (0, 0)
    assert zone_cover(tri, T, 10, 10).dense(10, 10)[0, 0] == pytest.approx(0.5, abs=1e-15)
    ring = shapely.box(0, 0, 10, 10).difference(shapely.box(2, 2, 4, 4))  # 100 - 4 cells
    cov = zone_cover(ring, T, 10, 10).dense(10, 10)
    assert cov.sum() == pytest.approx(96.0, abs=1e-12)
    assert np.all(cov[6:8, 2:4] == 0.0)


def test_multipolygon_partly_outside_the_grid():
    geom = shapely.MultiPolygon([shapely.box(-3.3, -2.0, 7.25, 8.5), shapely.box(8.2, 3.1, 12.0, 11.5)])
    cov = zone_cover(geom, T, 10, 10).dense(10, 10)
    assert np.abs(cov - by_shapely(geom, 10, 10)).max() < 1e-12
    # inside the grid: x 0..7.25 × y 0..8.5 plus x 8.2..10 × y 3.1..10
    assert cov.sum() == pytest.approx(7.25 * 8.5 + 1.8 * 6.9, abs=1e-12)


def test_random_polygons_match_shapely():
    rng = np.random.default_rng(7)
    for _ in range(5):
        ang = np.sort(rng.uniform(0, 2 * np.pi, 40))
        rad = rng.uniform(3, 13, 40)
        poly = shapely.Polygon(np.c_[15 + rad * np.cos(ang), 15 + rad * np.sin(ang)]).buffer(0)
        poly = poly.difference(shapely.Point(15.3, 14.7).buffer(1.7, 8))
        t = Affine(1.0, 0.0, 0.0, 0.0, -1.0, 30.0)
        cov = zone_cover(poly, t, 30, 30).dense(30, 30)
        assert np.abs(cov - by_shapely(poly, 30, 30, t)).max() < 1e-12
        assert cov.sum() == pytest.approx(poly.area, rel=1e-13)


def test_many_zones_in_one_index_keep_their_fractions():
    geoms = [shapely.box(0.5, 0.5, 4.5, 9.5), shapely.box(4.5, 0.5, 9.5, 9.5), shapely.Polygon()]
    ix = cover_index(geoms, T, 10, 10)
    cells = ix.cells_per_zone()
    assert cells == pytest.approx([4.0 * 9.0, 5.0 * 9.0, 0.0], abs=1e-12)
    # the shared edge x = 4.5 splits cells of column 4 in halves between zone 0 and zone 1
    r = 5
    cols = ix.part_col[ix.part_ptr[r]:ix.part_ptr[r + 1]]
    zones = ix.part_zone[ix.part_ptr[r]:ix.part_ptr[r + 1]]
    fracs = ix.part_frac[ix.part_ptr[r]:ix.part_ptr[r + 1]]
    assert sorted(fracs[cols == 4].tolist()) == [0.5, 0.5] and set(zones[cols == 4].tolist()) == {0, 1}


def test_fractions_match_exactextract(tmp_path):
    rasterio = pytest.importorskip("rasterio")
    exactextract = pytest.importorskip("exactextract")
    import geopandas as gpd

    h = w = 24
    t = Affine(0.01, 0.0, 112.0, 0.0, -0.01, 28.0)
    path = tmp_path / "grid.tif"
    with rasterio.open(path, "w", driver="GTiff", height=h, width=w, count=1, dtype="int32",
                       crs="EPSG:4490", transform=t) as ds:
        ds.write(np.arange(h * w, dtype=np.int32).reshape(h, w), 1)  # the value is the cell id
    rng = np.random.default_rng(3)
    ang = np.sort(rng.uniform(0, 2 * np.pi, 25))
    rad = rng.uniform(0.04, 0.11, 25)
    poly = shapely.Polygon(np.c_[112.12 + rad * np.cos(ang), 27.88 + rad * np.sin(ang)]).buffer(0)
    zones = gpd.GeoDataFrame(geometry=[poly], crs="EPSG:4490")
    df = exactextract.exact_extract(str(path), zones, ["values", "coverage"], output="pandas")
    ours = zone_cover(poly, t, h, w).dense(h, w).ravel()
    theirs = np.zeros(h * w)
    theirs[np.asarray(df["values"][0], dtype=int)] = np.asarray(df["coverage"][0])
    # exactextract hands its per-cell fractions out as float32 (0.811726450920105 for 0.8117264223508163):
    # equal within float32 resolution, and the same cells touched
    assert np.abs(ours - theirs).max() < 6e-8
    assert (theirs > 0).sum() == (ours > 0).sum()
    # and exact in double precision against shapely's intersection areas
    assert np.abs(ours.reshape(h, w) - by_shapely(poly, h, w, t)).max() < 1e-9


def test_threaded_index_is_identical():
    rng = np.random.default_rng(5)
    geoms = [shapely.Point(rng.uniform(2, 28, 2)).buffer(rng.uniform(0.5, 6), 16) for _ in range(40)]
    t = Affine(1.0, 0.0, 0.0, 0.0, -1.0, 30.0)
    one = cover_index(geoms, t, 30, 30, threads=1)
    two = cover_index(geoms, t, 30, 30, threads=2)
    for key in ("run_ptr", "run_c0", "run_c1", "run_zone", "part_ptr", "part_col", "part_zone", "part_frac"):
        assert np.array_equal(getattr(one, key), getattr(two, key)), key
    assert one.cells_per_zone() == pytest.approx([g.intersection(shapely.box(0, 0, 30, 30)).area for g in geoms],
                                                 rel=1e-12)


def test_long_row_cut_by_horizontal_edges():
    # x 0.5 .. 900.5, y 7.5 .. 8.0: only row 2's lower half, across 901 cells. The two vertical edges make
    # a handful of records, but the half winding between them makes ~900 partial cells (the rasteriser's
    # "more partial cells than records" path): cells 1..899 are 0.5, cells 0 and 900 are 0.5 × 0.5
    cov = zone_cover(shapely.box(0.5, 7.5, 900.5, 8.0), T, 10, 1000).dense(10, 1000)
    expected = np.zeros((10, 1000))
    expected[2, 1:900] = 0.5
    expected[2, 0] = expected[2, 900] = 0.25
    assert np.allclose(cov, expected, rtol=0, atol=1e-12)
    assert cov.sum() == pytest.approx(900 * 0.5, rel=1e-12)
