"""The row-block engine (sinkmap.analysis.siting.stream): any block size gives the whole-array result bit for bit.

A 60 × 48 grid of 10 m cells (UTM 49N) with rules whose polygons cross block edges, a buffered point layer,
a forced inclusion, a limit, land-cover rules on a raster of the same grid, of a coarser grid the grid nests in
(30 m) and of a finer grid nesting in it (5 m), and a minimum area whose patches cross block edges (snakes,
a U whose arms meet only in a later block).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from affine import Affine
from shapely.geometry import LineString, Point, box

from sinkmap.analysis.siting.exclusions import compute_exclusions
from sinkmap.analysis.siting.grid import Grid
from sinkmap.analysis.siting.rules import parse_rule
from sinkmap.analysis.siting.stream import exact_percentiles

CRS = "EPSG:32649"
X0, Y0 = 500000.0, 3000000.0
H, W = 60, 48
GRID = Grid(Affine(10, 0, X0, 0, -10, Y0), W, H, CRS)
UNIT = Point(X0 + 240, Y0 - 300).buffer(290, 64)  # a disc: cells partly in the unit on every side
BLOCKS = (1, 2, 3, 7, 13, 25, 59)


def cells(r0, c0, r1, c1):
    return box(X0 + 10 * c0, Y0 - 10 * (r1 + 1), X0 + 10 * (c1 + 1), Y0 - 10 * r0)


def rule(rule_id, layer="farmland", effect="exclude", **kw):
    item = {"id": rule_id, "tech": "pv", "layer": layer, "effect": effect,
            "citation": {"document": f"DOC-{rule_id}", "clause_zh": f"条款{rule_id}", "source": "test"}, **kw}
    return parse_rule(item, "test.yaml", rule_id)


def _raster(path, data, transform):
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0], count=1,
                       dtype=data.dtype, crs=CRS, transform=transform, nodata=0) as dst:
        dst.write(data, 1)
    return path


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    d = tmp_path_factory.mktemp("stream")
    rng = np.random.default_rng(3)
    same = rng.choice(np.array([101, 301, 1101, 1202, 0], np.uint16), size=(H, W), p=[.2, .3, .1, .35, .05])
    coarse = rng.choice(np.array([101, 301, 1202], np.uint16), size=(H // 3 + 2, W // 3 + 2))
    fine = rng.choice(np.array([101, 301, 1202], np.uint16), size=(2 * H, 2 * W))
    rasters = {
        "same": _raster(d / "same.tif", same, GRID.transform),
        # 30 m cells starting one 30 m cell up-left of the grid: each grid cell inside one land-cover cell
        "nested": _raster(d / "nested.tif", coarse, Affine(30, 0, X0 - 30, 0, -30, Y0 + 30)),
        # 5 m cells: 2 × 2 in each grid cell, the raster one row short at the bottom (edge cells average 2)
        "coarse": _raster(d / "coarse.tif", fine[:-1], Affine(5, 0, X0, 0, -5, Y0)),
    }
    farm = gpd.GeoDataFrame({"K": ["a", "b", "a"]}, crs=CRS, geometry=[
        cells(3, 2, 40, 9),  # a tall box across many blocks
        Point(X0 + 300, Y0 - 250).buffer(77, 7),  # a polygon with partial cells on every row it crosses
        cells(45, 30, 46, 47)])
    prot = gpd.GeoDataFrame({"H": [10.0, 99.0, 20.0]}, crs=CRS, geometry=[
        Point(X0 + 105, Y0 - 405), Point(X0 + 400, Y0 - 100), LineString([(X0 + 20, Y0 - 590), (X0 + 470, Y0 - 20)])])
    red = gpd.GeoDataFrame(geometry=[box(X0 + 150, Y0 - 600, X0 + 330, Y0 - 10)], crs=CRS)
    # a snake and a U made of open cells in an otherwise excluded square (the minimum-area test)
    maze = cells(20, 10, 44, 46)
    for r in range(22, 44, 4):
        maze = maze.difference(cells(r, 12, r, 38))
    for k, r in enumerate(range(22, 42, 4)):  # joined at alternate ends: one snake of 177 cells
        col = 38 if k % 2 == 0 else 12
        maze = maze.difference(cells(r, col, r + 4, col))
    # a U of 40 cells: arms in columns 41 and 44 joined only by its bottom row, 18 rows below their tops
    maze = maze.difference(cells(22, 41, 40, 41)).difference(cells(22, 44, 40, 44)).difference(cells(40, 41, 40, 44))
    wet = gpd.GeoDataFrame(geometry=[maze], crs=CRS)
    ok = gpd.GeoDataFrame(geometry=[cells(30, 20, 33, 24)], crs=CRS)
    return {"rasters": rasters, "farm": farm, "prot": prot, "red": red, "wet": wet, "ok": ok}


def _rules(lc_values=("0101",), lc2=("301", "1202")):
    return [rule("jbnt", where={"field": "K", "values": ["a"]}), rule("other", where={"field": "K", "values": ["b"]}),
            rule("near", layer="protected", buffer_m=35.0, where={"field": "H", "max": 50}),
            rule("red", layer="redline", effect="limit", weight=0.3),
            rule("maze", layer="wetland"),
            rule("lc", layer="landcover", where={"values": list(lc_values)}),
            rule("lc2", layer="landcover", effect="limit", weight=0.5, where={"values": list(lc2)}),
            rule("force", layer="mines", effect="include")]


def _layers(inputs, which="same"):
    return {"farmland": inputs["farm"], "protected": inputs["prot"], "redline": inputs["red"],
            "wetland": inputs["wet"], "mines": inputs["ok"], "landcover": inputs["rasters"][which]}


def _same(a, b):
    assert np.array_equal(a.inclusion, b.inclusion) and a.inclusion.dtype == b.inclusion.dtype == np.float32
    assert np.array_equal(a.bitmask, b.bitmask) and np.array_equal(a.inside, b.inside)
    assert [s["cells"] for s in a.stats] == [s["cells"] for s in b.stats]
    assert [s["hectares"] for s in a.stats] == pytest.approx([s["hectares"] for s in b.stats], abs=1e-4)
    assert a.included_hectares == pytest.approx(b.included_hectares, abs=1e-4)


@pytest.mark.parametrize("which", ["same", "nested", "coarse"])
@pytest.mark.parametrize("contiguity", ["queen", "rook"])
def test_every_block_size_gives_the_whole_array_result(inputs, which, contiguity):
    run = dict(unit_crs=CRS, unit_name="U", tech="pv", min_area_ha=0.5, contiguity=contiguity)
    whole = compute_exclusions(UNIT, _rules(), _layers(inputs, which), GRID, **run)
    assert whole.hit("maze").any() and whole.hit("near").any() and whole.hit("force").any()
    small = whole.hit("min_area")
    assert small.any() and (whole.inclusion[small] == 0).all()
    rows = np.flatnonzero(small.any(axis=1))
    assert rows.max() - rows.min() > 10  # the small patches span many blocks of every size below
    for block_rows in BLOCKS:
        _same(whole, compute_exclusions(UNIT, _rules(), _layers(inputs, which), GRID, block_rows=block_rows, **run))


def test_minimum_area_patches_merge_across_block_edges(inputs):
    """The snake in the maze is one patch of 6 × 27 + … cells: big enough whole, small in every block alone."""
    layers = {"wetland": inputs["wet"]}
    res = {b: compute_exclusions(UNIT, [rule("maze", layer="wetland")], layers, GRID, unit_crs=CRS,
                                 min_area_ha=0.5, block_rows=b) for b in (None, 1, 4)}
    before = compute_exclusions(UNIT, [rule("maze", layer="wetland")], layers, GRID, unit_crs=CRS)
    patches = _patches(before.inclusion > 1e-9)
    # whole cells of 0.01 ha: patches of at least 50 cells stay, the others go
    kept = np.zeros((H, W), bool)
    for p in patches:
        if len(p) >= 50:
            kept[tuple(np.array(p).T)] = True
    assert np.array_equal(res[None].inclusion > 0, kept)
    snake = max(patches, key=len)
    rows = {r for r, _ in snake}
    assert len(snake) > 100 and max(rows) - min(rows) > 20  # one patch across many blocks of 1 and 4 rows
    assert any(10 <= len(p) < 50 and max(r for r, _ in p) - min(r for r, _ in p) > 10 for p in patches)  # the U
    for b in (1, 4):
        _same(res[None], res[b])


def _patches(open_):
    """8-connected patches of ``open_`` as lists of (row, col), by a plain breadth-first search."""
    seen = np.zeros(open_.shape, bool)
    out = []
    for r0, c0 in zip(*np.nonzero(open_)):
        if seen[r0, c0]:
            continue
        seen[r0, c0] = True
        todo, patch = [(r0, c0)], []
        while todo:
            r, c = todo.pop()
            patch.append((r, c))
            for rr in range(r - 1, r + 2):
                for cc in range(c - 1, c + 2):
                    if 0 <= rr < open_.shape[0] and 0 <= cc < open_.shape[1] and open_[rr, cc] and not seen[rr, cc]:
                        seen[rr, cc] = True
                        todo.append((rr, cc))
        out.append(patch)
    return out


def test_exact_percentiles_equal_numpy():
    rng = np.random.default_rng(8)
    for n, ties in ((1, False), (2, False), (17, False), (5000, True), (100_003, False)):
        v = rng.normal(size=n)
        if ties:
            v = np.round(v, 1)
        parts = np.array_split(v, 7)
        got = exact_percentiles(lambda: iter(parts), [5.0, 95.0, 50.0, 0.0, 100.0], bins=16, collect=50)
        assert got == list(np.percentile(v, [5.0, 95.0, 50.0, 0.0, 100.0]))
    assert exact_percentiles(lambda: iter([np.zeros(0)]), [5.0]) is None


# -- suitability and the jobs' GeoTIFFs on the demo world (芙蓉区: 61 × 160 cells) ------------------------------

COUNTY = "芙蓉区"


@pytest.fixture(scope="module")
def demo_request():
    from sinkmap.core.feedback import ensure
    from sinkmap.demo.generate import demo_layers, ensure_demo
    from sinkmap.jobs import registry
    from sinkmap.jobs.base import apply_demo_world

    dem = demo_layers(ensure_demo())["dem"][0]  # any raster over the unit stands in for a resource raster
    job = registry.get("site.suitability")
    values = {"tech": "pv", "county": COUNTY, "out": "x.tif", "min_area": 3.0, "resource": str(dem)}
    req, _ = apply_demo_world(job, job.make_request(values), ensure(None))
    return req


@pytest.fixture(scope="module")
def whole(demo_request):
    from sinkmap.core.feedback import ensure
    from sinkmap.jobs.site_suitability import compute_suitability

    return compute_suitability(demo_request, ensure(None))


def test_suitability_every_block_size_gives_the_whole_array_result(demo_request, whole):
    from sinkmap.core.feedback import ensure
    from sinkmap.jobs.site_suitability import compute_suitability

    ex = whole.exclusions
    assert ex.hit("min_area").any() and set(whole.criteria) == {"slope", "aspect", "substation", "road", "landcover",
                                                                   "resource"}
    for block_rows in (1, 17):
        part = compute_suitability(demo_request, ensure(None), block_rows=block_rows)
        assert np.array_equal(whole.score, part.score, equal_nan=True)
        assert np.array_equal(whole.band2, part.band2)
        assert np.array_equal(ex.inclusion, part.exclusions.inclusion) and np.array_equal(ex.bitmask, part.exclusions.bitmask)
        for name, arr in whole.criteria.items():
            assert np.array_equal(arr, part.criteria[name], equal_nan=True), name
        assert [b["cells"] for b in whole.histogram] == [b["cells"] for b in part.histogram]
        assert whole.described == part.described  # the resource's percentiles included


def _read(path):
    with rasterio.open(path) as ds:
        return ds.read(), ds.tags(), ds.profile


@pytest.fixture(scope="module")
def streamed(tmp_path_factory, demo_request):
    """The two jobs' GeoTIFFs written in blocks of 2 000 cells (about 12 rows): locally, and on Dask (a
    LocalCluster of 2 worker processes, reached through --scheduler as a user's cluster would be)."""
    distributed = pytest.importorskip("distributed")
    from sinkmap.analysis.siting import stream
    from sinkmap.jobs import registry
    from sinkmap.jobs.base import run_job

    d = tmp_path_factory.mktemp("streamed")
    old = stream.BLOCK_CELLS
    stream.BLOCK_CELLS = 2000
    out = {}
    try:
        with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                      dashboard_address=None) as cluster:
            for job_id in ("site.exclusions", "site.suitability"):
                job = registry.get(job_id)
                values = {"tech": "pv", "county": COUNTY, "min_area": 3.0}
                if job_id == "site.suitability":
                    values["resource"] = str(demo_request.resource)
                out[job_id] = run_job(job, job.make_request({**values, "out": str(d / f"{job_id}.tif")}))
                out[job_id, "path"] = d / f"{job_id}.tif"
                out[job_id, "dask"] = run_job(job, job.make_request(
                    {**values, "out": str(d / f"{job_id}.dask.tif"), "scheduler": cluster.scheduler_address}))
                out[job_id, "dask_path"] = d / f"{job_id}.dask.tif"
    finally:
        stream.BLOCK_CELLS = old
    return out


def test_streamed_geotiffs_equal_the_whole_arrays(streamed, whole):
    ex = whole.exclusions
    bands, tags, profile = _read(streamed["site.suitability", "path"])
    assert profile["dtype"] == "float32" and profile["nodata"] == -1
    b1 = np.where(np.isfinite(whole.score), whole.score.astype(np.float64), -1.0)
    b2 = np.where(ex.inside, whole.band2.astype(np.float64), -1.0)
    assert np.array_equal(bands[0], b1) and np.array_equal(bands[1], b2)
    report = streamed["site.suitability"]
    assert [b["cells"] for b in report.histogram] == [b["cells"] for b in whole.histogram]
    assert [b["hectares"] for b in report.histogram] == pytest.approx([b["hectares"] for b in whole.histogram])
    assert report.counts == whole.exclusions.stats
    assert tags["SITING_DATA"] == "synthetic_demo" and report.synthetic
    assert [o.path for o in report.outputs] == [streamed["site.suitability", "path"]]
    bands, tags, _ = _read(streamed["site.exclusions", "path"])
    assert np.array_equal(bands[0], np.where(ex.inside, ex.inclusion.astype(np.float64), -1.0))
    assert np.array_equal(bands[1], np.where(ex.inside, ex.bitmask.astype(np.float64), -1.0))
    assert streamed["site.exclusions"].counts == ex.stats


def test_dask_gives_the_local_files_bit_for_bit(streamed):
    for job_id in ("site.exclusions", "site.suitability"):
        local, remote = _read(streamed[job_id, "path"]), _read(streamed[job_id, "dask_path"])
        assert np.array_equal(local[0], remote[0]) and local[1] == remote[1]
        a, b = streamed[job_id].to_json(), streamed[job_id, "dask"].to_json()
        assert a.pop("outputs") != b.pop("outputs") and a == b  # the same report but for the file's name


def test_fused_scoring_equals_the_criteria_functions(demo_request, whole, monkeypatch):
    """The engine's fused kernel gives what score_block (criteria.piecewise + suitability.suitability) gives."""
    from sinkmap.core.feedback import ensure
    from sinkmap.jobs import site_suitability

    fused = whole
    monkeypatch.setattr(site_suitability, "FUSED", False)
    plain = site_suitability.compute_suitability(demo_request, ensure(None))
    assert np.array_equal(fused.score, plain.score, equal_nan=True)
    for name, arr in plain.criteria.items():
        assert arr.dtype == fused.criteria[name].dtype == np.float32
        assert np.array_equal(arr, fused.criteria[name], equal_nan=True), name
    assert np.isnan(plain.score).any() and (plain.score == 0).any() and ((plain.score > 0) & (plain.score < 1)).any()


# -- distances: exact on a projected grid, geodesic to 1e-3 on a lon/lat grid, features beyond the grid count ---

@pytest.fixture(params=["cell list", "two passes"])
def distance_path(request, monkeypatch):
    """Few features are measured from their list of cells; many go through the two-pass transform: both paths."""
    from sinkmap.analysis.siting import stream

    if request.param == "two passes":
        monkeypatch.setattr(stream, "DIRECT_MAX_CELLS", 0)
    else:  # whatever the cost
        monkeypatch.setattr(stream, "DIRECT_FACTOR", float("inf"))
    return request.param


def _distances(grid, geoms, crs, reach, block_rows):
    from sinkmap.analysis.siting import stream
    from sinkmap.analysis.siting.stream import blocks_of, distance_block, distance_spec, prepare_distance

    gdf = gpd.GeoDataFrame(geometry=geoms, crs=crs)
    spec = distance_spec("roads", gdf, grid, reach)
    blocks = blocks_of(grid, block_rows)
    prepare_distance(spec, grid, blocks)
    assert (spec.cells is not None) == (stream.DIRECT_FACTOR == float("inf") and spec.any_feature)
    return np.vstack([distance_block(spec, k, r0, r1, grid.width) for k, (r0, r1) in enumerate(blocks)])


def test_the_cell_list_and_the_two_pass_transform_give_the_same_distances_bit_for_bit(monkeypatch):
    from sinkmap.analysis.siting import stream

    # 0.001° cells (lon/lat: rows of different widths); points, two in one column, one outside the grid, and a
    # line: features equally near from several sides
    grid = Grid(Affine(0.001, 0, 113.0, 0, -0.001, 26.5), 70, 64, "EPSG:4490")
    rng = np.random.default_rng(11)
    pts = [Point(113.0 + 0.07 * x, 26.5 - 0.064 * y) for x, y in rng.random((25, 2))]
    pts += [Point(113.0205, 26.4805), Point(113.0205, 26.4705), Point(112.998, 26.47),
            LineString([(113.01, 26.44), (113.05, 26.46)])]
    monkeypatch.setattr(stream, "DIRECT_FACTOR", float("inf"))
    direct = _distances(grid, pts, "EPSG:4490", 700.0, 7)
    monkeypatch.setattr(stream, "DIRECT_FACTOR", 0.125)
    monkeypatch.setattr(stream, "DIRECT_MAX_CELLS", 0)
    two_pass = _distances(grid, pts, "EPSG:4490", 700.0, 7)
    assert np.array_equal(direct, two_pass) and (direct < 700.0).any() and (direct == 700.0).any()


def test_distances_on_a_projected_grid_are_euclidean_between_cell_centres(distance_path):
    # features: a point in cell (5, 7) and one 3 cells left of the grid (column −3) in row 30
    grid = Grid(Affine(10, 0, X0, 0, -10, Y0), 40, 36, CRS)
    pts = [Point(X0 + 75, Y0 - 55), Point(X0 - 25, Y0 - 305)]
    rows, cols = np.mgrid[0:36, 0:40]
    want = np.minimum(np.hypot(rows - 5, cols - 7), np.hypot(rows - 30, cols + 3)) * 10.0
    for block_rows in (None, 1, 7):
        got = _distances(grid, pts, CRS, 1000.0, block_rows)
        assert np.array_equal(got, want.astype(np.float32).astype(np.float64))
    capped = _distances(grid, pts, CRS, 100.0, 5)  # beyond the reach: the reach itself
    assert np.array_equal(capped, np.where(want < 100.0, want.astype(np.float32), 100.0))
    none = _distances(grid, [Point(X0 + 5000, Y0)], CRS, 100.0, 5)  # nothing within the reach of the grid
    assert np.isinf(none).all()


def test_distances_on_a_lon_lat_grid_match_the_geodesic(distance_path):
    from pyproj import Geod

    t = Affine(0.001, 0, 113.0, 0, -0.001, 26.5)  # 0.001° cells at 26.5° N: about 100 m × 111 m
    grid = Grid(t, 60, 50, "EPSG:4490")
    got = _distances(grid, [Point(113.0305, 26.4755)], "EPSG:4490", 10_000.0, 9)  # the centre of cell (24, 30)
    rows, cols = np.mgrid[0:50, 0:60]
    geod = Geod(ellps="GRS80")
    _, _, want = geod.inv(np.full(rows.size, 113.0305), np.full(rows.size, 26.4755),
                          113.0 + 0.001 * (cols.ravel() + 0.5), 26.5 - 0.001 * (rows.ravel() + 0.5))
    want = want.reshape(rows.shape)
    far = want > 0
    assert got[24, 30] == 0.0 and np.abs(got[far] / want[far] - 1).max() < 1e-3


def test_the_terrain_kernel_gives_libm_atan_slopes_bit_for_bit():
    """The block kernel's fast arctangent: every slope equals float32(degrees(math.atan(|∇z|))) computed cell by
    cell in Python — random heights, NaN holes, flat cells, and slopes on (or within 10⁻¹³ of) a float32
    rounding boundary, where the kernel falls back to libm."""
    import math

    from sinkmap.analysis.siting.stream import _terrain

    rng = np.random.default_rng(7)
    n, w = 40, 90
    z = np.cumsum(rng.normal(0, 30, (n + 2, w + 2)), axis=1)
    z[10:13, 20:25] = np.nan
    z[30:35, 60:70] = 250.0  # flat
    dx = 20.0 + rng.random(n + 2)
    dy = np.full(n + 2, 60.0)
    slope = np.empty((n, w))
    cos = np.empty((n, w))
    _terrain(z, dx, dy, 0, slope, cos, True)
    hits = 0
    for i in range(n):
        p = i + 1
        for j in range(w):
            z1, z2, z3 = z[i, j:j + 3]
            z4, z5, z6 = z[i + 1, j:j + 3]
            z7, z8, z9 = z[i + 2, j:j + 3]
            if math.isnan(z5):
                assert math.isnan(slope[i, j]) and math.isnan(cos[i, j])
                continue
            gx = ((z3 - z1) / (2 * dx[p - 1]) + 2 * (z6 - z4) / (2 * dx[p]) + (z9 - z7) / (2 * dx[p + 1])) / 4.0
            gyy = ((z7 + 2 * z8 + z9) - (z1 + 2 * z2 + z3)) / (4.0 * dy[p])
            t = math.sqrt(gx * gx + gyy * gyy)
            want = float(np.float32(math.atan(t) * (180.0 / math.pi)))
            assert (math.isnan(want) and math.isnan(slope[i, j])) or slope[i, j] == want, (i, j)
            want_cos = -gyy / t if t > 0.0 else math.nan
            assert (math.isnan(want_cos) and math.isnan(cos[i, j])) or cos[i, j] == want_cos, (i, j)
    # 3 × 3 windows whose slope is a float32 midpoint (or within 10⁻¹³ of one): the fallback to libm
    hits = 0
    for deg in rng.uniform(0.01, 89.0, 300):
        f = np.float32(deg)
        mid = (float(f) + float(np.nextafter(f, np.float32(90)))) / 2 * (1 + rng.choice([0.0, 1e-13, -1e-13]))
        a = math.tan(math.radians(mid)) * 60.0
        win = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [a, a, a]])  # gx = 0, gy = a / 60
        s1, c1 = np.empty((1, 1)), np.empty((1, 1))
        _terrain(win, np.full(3, 20.0), np.full(3, 60.0), 0, s1, c1, True)
        t = a / 60.0
        x = math.atan(t) * (180.0 / math.pi)
        assert s1[0, 0] == float(np.float32(x)) and c1[0, 0] == -t / t
        hits += np.float32(x * (1 - 1e-12)) != np.float32(x * (1 + 1e-12))
    assert hits >= 100


def test_a_disk_too_small_is_said_before_anything_is_written(tmp_path, monkeypatch):
    import shutil
    from collections import namedtuple

    from sinkmap.core.errors import InputError
    from sinkmap.jobs.site_exclusions import check_room

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**12, 10**12 - 10**9, 10**9))
    check_room(tmp_path / "x.tif", 10**8, 0)  # 0.2 GB needed, 1 GB free
    with pytest.raises(InputError) as err:
        check_room(tmp_path / "x.tif", 10**9, 6)  # 8 GB needed
    assert err.value.code == "analysis.siting.stream.no_room"
    assert "7.5" in err.value.render("en") and "0.9" in err.value.render("en") and "GiB" in err.value.render("zh_CN")
    assert not list(tmp_path.iterdir())


def test_product_and_curves_the_kernel_does_not_know_run_the_generic_scorer_in_any_block_size(demo_request, tmp_path):
    """--method product, a ``ranges`` curve and an aspect transform (main's settings) go through score_block, and
    the blocks still give the one-block arrays bit for bit; the product is Π sᵢ^wᵢ × inclusion of the criteria."""
    import dataclasses

    from sinkmap.analysis.siting.settings import criteria_for, read_weights_file
    from sinkmap.analysis.siting.suitability import suitability
    from sinkmap.core.feedback import ensure
    from sinkmap.jobs.site_suitability import compute_suitability, fused_criteria

    wfile = tmp_path / "w.yaml"
    wfile.write_text("criteria:\n  road: {ranges: {breaks: [500, 2000], scores: [1, 0.6, 0.2]}}\n"
                     "  aspect: {piecewise: [[90, 0.2], [180, 1], [270, 0.2]]}\n", encoding="utf-8")
    specs = criteria_for("pv", read_weights_file(wfile, "pv").criteria)
    assert fused_criteria(criteria_for("pv"), "product") is None and fused_criteria(specs) is None
    assert fused_criteria(criteria_for("pv")) is not None
    req = dataclasses.replace(demo_request, method="product", weights=wfile, min_area=None)
    whole = compute_suitability(req, ensure(None))
    part = compute_suitability(req, ensure(None), block_rows=7)
    assert np.array_equal(whole.score, part.score, equal_nan=True)
    for name, arr in whole.criteria.items():
        assert np.array_equal(arr, part.criteria[name], equal_nan=True), name
    inside = whole.exclusions.inside
    want = suitability(whole.criteria, whole.weights, method="product", inclusion=whole.exclusions.inclusion)
    assert np.array_equal(whole.score[inside], want[inside], equal_nan=True)
    assert set(np.unique(whole.criteria["road"][np.isfinite(whole.criteria["road"])])) <= {
        np.float32(1), np.float32(0.6), np.float32(0.2)}


@pytest.mark.parametrize("which", ["same", "nested", "coarse", "shifted"])
def test_landcover_criterion_per_block_equals_the_whole_grid_scoring(inputs, tmp_path, which):
    """The land-cover criterion scored per block (the window the block's rules read) equals settings'
    whole-grid ``landcover_on_grid`` (GDAL ``average``) cell for cell, as float32, in every block size — bit for
    bit where the grids nest or are k × k coarser, to GDAL's rounding where they are warped (a raster shifted by
    a third of a cell); the unscored class (1202 here) is counted once per land-cover cell whose centre is in
    the grid, whatever the blocks."""
    from sinkmap.analysis.siting.settings import landcover_on_grid
    from sinkmap.analysis.siting.stream import _LandcoverBlock, blocks_of, landcover_scores

    if which == "shifted":
        src = rasterio.open(inputs["rasters"]["same"]).read(1)
        path = _raster(tmp_path / "shifted.tif", src, Affine(10, 0, X0 + 10 / 3, 0, -10, Y0 - 10 / 3))
    else:
        path = inputs["rasters"][which]
    table = {"0101": 0.0, "0301": 0.6, "1101": 0.2}  # 1202 (裸土地) not scored: no data, counted
    whole, unscored = landcover_on_grid(path, GRID, table, None)
    expected = whole.astype(np.float32)
    crit = landcover_scores(path, GRID, table, None)
    assert crit.spec.mode == {"same": "nested", "nested": "nested", "coarse": "coarse", "shifted": "warp"}[which]
    with rasterio.open(path) as ds:
        data, t = ds.read(1), ds.transform
    rows, cols = np.nonzero(data == 1202)
    x, y = t.c + t.a * (cols + 0.5), t.f + t.e * (rows + 0.5)
    gc, gr = np.floor((x - X0) / 10), np.floor((Y0 - y) / 10)
    centre_count = int(((gc >= 0) & (gc < W) & (gr >= 0) & (gr < H)).sum())
    assert centre_count > 0
    for b in BLOCKS:
        got = np.empty((H, W))
        counted = {}
        for r0, r1 in blocks_of(GRID, b):
            out = got[r0:r1]
            n = _LandcoverBlock(crit.spec, GRID, r0, r1).scores(crit, out)
            for v, c in n.items():
                counted[v] = counted.get(v, 0) + c
        assert counted == {1202.0: centre_count}, b
        assert np.array_equal(got, got.astype(np.float32).astype(np.float64), equal_nan=True)
        if which == "shifted":
            np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6, equal_nan=True)
        else:
            np.testing.assert_array_equal(got.astype(np.float32), expected, err_msg=str(b))
    # by hand on the same grid: the class's score, NaN for 1202 and for no data (0)
    if which == "same":
        src = rasterio.open(path).read(1)
        hand = np.select([src == 101, src == 301, src == 1101], [0.0, 0.6, 0.2], np.nan).astype(np.float32)
        np.testing.assert_array_equal(got.astype(np.float32), hand)
        assert unscored == {"1202": centre_count}


@pytest.mark.parametrize("which", ["same", "nested"])
def test_consecutive_landcover_rules_in_one_pass_equal_one_pass_per_rule(inputs, which, monkeypatch):
    """The two land-cover rules (an exclude, then a limit on overlapping classes) applied in one pass over the
    window give the inclusion, bitmask, cells and exact areas of one pass per rule, bit for bit."""
    from sinkmap.analysis.siting import stream

    run = dict(unit_crs=CRS, unit_name="U", tech="pv")
    rules = _rules(lc_values=("0101", "0301"), lc2=("301", "1202"))
    one = compute_exclusions(UNIT, rules, _layers(inputs, which), GRID, **run)
    assert one.hit("lc").any() and one.hit("lc2").any() and (one.hit("lc") & one.hit("lc2")).any()
    monkeypatch.setattr(stream._LandcoverBlock, "apply_many", lambda *a, **k: None)
    each = compute_exclusions(UNIT, rules, _layers(inputs, which), GRID, **run)
    _same(one, each)
    assert [s["hectares"] for s in one.stats] == [s["hectares"] for s in each.stats]


def test_the_suitability_scores_preferred_land_cover_by_the_prefer_rules(demo_request, tmp_path):
    """A rules file giving pv_pref_water (1104 坑塘水面) another weight changes that class's land-cover score in
    the plan; switched off, the class falls back to the settings table; a weights file's own land-cover table
    replaces both."""
    from dataclasses import replace

    from sinkmap.analysis.siting.settings import PV_LANDCOVER
    from sinkmap.core.feedback import ensure
    from sinkmap.jobs.site_suitability import plan_suitability

    def score_1104(**kw):
        plan, _, described, _ = plan_suitability(replace(demo_request, **kw), ensure(None))
        crit = plan.scores["landcover"]
        info = next(d for d in described if d["name"] == "landcover")
        return float(crit.scores[list(crit.values).index(1104.0)]), info.get("prefer_rules", [])

    base = tmp_path / "r.yaml"
    assert score_1104() == (0.8, ["pv_pref_water", "pv_pref_mine", "pv_pref_agri"])
    base.write_text("version: 1\nrules:\n  - id: pv_pref_water\n    tech: pv\n    layer: landcover\n"
                         "    where: {values: ['1104']}\n    effect: prefer\n    weight: 0.35\n    citation:\n"
                         "      document: D\n      clause_zh: 条\n      source: test\n", encoding="utf-8")
    assert score_1104(rules=[base]) == (0.35, ["pv_pref_water", "pv_pref_mine", "pv_pref_agri"])  # same place
    off = tmp_path / "off.yaml"
    off.write_text("version: 1\nrules:\n  - {id: pv_pref_water, enabled: false}\n", encoding="utf-8")
    assert score_1104(rules=[off]) == (PV_LANDCOVER["1104"], ["pv_pref_mine", "pv_pref_agri"])
    w = tmp_path / "w.yaml"
    w.write_text("criteria:\n  landcover: {categories: {'1104': 0.1}, default: 0}\n", encoding="utf-8")
    assert score_1104(rules=[base], weights=w) == (0.1, [])
