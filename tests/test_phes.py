"""Pumped-storage search (sinkmap.analysis.phes, job site.phes), checked by hand on synthetic valleys.

The fixture DEM (30 m cells, CGCS2000 / GK 114E metres) holds two straight valleys one cell wide, running
north–south, whose floor rises 1 m per row northwards; their sides stand 300–500 m above the floor, so only
the floor floods. A dam site at row 200 of a valley with floor height ``b`` floods, at a water level of h
metres, the floor cells k = 0, 1, … < h above it:

* area(h) = 0.09 ha × h (whole metres), water(h) = Σ_k (h − k)·0.09 ha·m = 0.0009·h(h+1)/2 GL;
* its only wall is the 30 m edge to the next cell down the valley (1 m lower): the reference's screening puts it
  at level 0, so rock(h) = (h + 1.5)·(10 + 3·(h + 1.5))·30 / 1e6 GL (crest 10 m, 3:1 faces, 1.5 m freeboard);
* the final model measures that wall from the mean ground of its two cells: height h + 0.5 (+ 1.5 freeboard).

Upper valley (col 20) floor 600 m at the dam site, lower valley (col 60) floor 100 m: head 500 m, separation
40 cells = 1.2 km between the two valleys' nearest cells.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from sinkmap.analysis.phes import hydro
from sinkmap.analysis.phes.constants import PhesSettings, dam_volume_gl, required_volume_gl
from sinkmap.analysis.phes.cost import cost_class, figure_of_merit
from sinkmap.analysis.phes.dem import row_geometry, terrain_from_array
from sinkmap.analysis.phes.search import SearchOptions, search
from sinkmap.core.errors import InputError

CELL = 30.0
ROWS, COLS = 260, 80
UP_COL, LO_COL, SITE_ROW = 20, 60, 200
CRS = "EPSG:4547"


def valleys(rows: int = ROWS, cols: int = COLS) -> np.ndarray:
    r = np.arange(rows, dtype=float)[:, None]
    floor_u = 600.0 + (SITE_ROW - r)
    floor_l = 100.0 + (SITE_ROW - r)
    z = np.empty((rows, cols))
    z[:, :40] = floor_u + 500.0
    z[:, 40:] = floor_l + 300.0
    z[:, UP_COL] = floor_u[:, 0]
    z[:, LO_COL] = floor_l[:, 0]
    return z


def origin() -> tuple[float, float]:
    """A point inside 苏仙区 (郴州市) in GK 114E metres, so the ledger has a county to compare."""
    from sinkmap.io.boundaries import load_units

    g = load_units(county="苏仙区").to_crs(CRS).geometry.iloc[0].representative_point()
    return round(g.x), round(g.y)


def transform(x0: float = 500_000.0, y0: float = 2_850_000.0):
    from affine import Affine

    return Affine(CELL, 0.0, x0, 0.0, -CELL, y0)


def water(h: float) -> float:
    k = np.arange(math.ceil(h))
    return float(((h - k) * 0.09 / 100.0).sum())


def rock_screen(h: float) -> float:
    return (h + 1.5) * (10 + 3 * (h + 1.5)) * 30 / 1e6


def rock_final(h: float) -> float:
    return (h + 2.0) * (10 + 3 * (h + 2.0)) * 30 / 1e6


def interp(value, xs, ys):
    """The reference's linear_interpolate: from (0, 0) through the table."""
    xs, ys = [0.0, *xs], [0.0, *ys]
    for i in range(1, len(xs)):
        if xs[i] >= value - 1e-6:
            return ys[i - 1] + (ys[i] - ys[i - 1]) * (value - xs[i - 1]) / (xs[i] - xs[i - 1])
    return math.inf


def only_sites(*cells) -> np.ndarray:
    m = np.zeros((ROWS, COLS), bool)
    for r, c in cells:
        m[r, c] = True
    return m


# -- formulas ----------------------------------------------------------------------------------------------------

def test_required_volume_is_the_formula():
    # V = E·3.6e12 / (head·ρ·g·η·u·1e6): 5 GWh at 500 m
    assert required_volume_gl(5.0, 500.0) == pytest.approx(5 * 3.6e12 / (500 * 1000 * 9.8 * 0.9 * 0.85 * 1e6))
    assert required_volume_gl(5.0, 500.0) == pytest.approx(4.80192, rel=1e-5)
    assert dam_volume_gl(10.0, 100.0) == pytest.approx(11.5 * (10 + 3 * 11.5) * 100 / 1e6)


def test_figure_of_merit_and_classes_by_hand():
    # 2 GWh, 6 h → 333.3 MW; head 500 m, 1.2 km, water/rock 2.5
    p, h, s, wr, hours = 1000 * 2 / 6, 500.0, 1.2, 2.5, 6.0
    house = 63.5e6 * p ** 0.75 / h ** 0.5
    tunnel = (1280 * p + 208500) * h ** -0.54 * s * 1000 + (66429 * p + 17e6)
    fom = 0.001 * (house + tunnel) / p + 168 / (wr * 0.9 * 0.85 * 1000 * 9.8 * h) * 3.6e12 / 1e6 * hours
    assert figure_of_merit(h, s, wr, 2.0, hours) == pytest.approx(fom)
    # above 800 m of head: two stations of half the power at half the head
    p2, h2 = p / 2, 1000.0 / 2
    house2 = 2 * 63.5e6 * p2 ** 0.75 / h2 ** 0.5
    tunnel2 = 2 * ((1280 * p2 + 208500) * h2 ** -0.54 * s * 1000 + (66429 * p2 + 17e6))
    fom2 = 0.001 * (house2 + tunnel2) / p + 168 / (wr * 0.9 * 0.85 * 1000 * 9.8 * 1000) * 3.6e12 / 1e6 * hours
    assert figure_of_merit(1000.0, s, wr, 2.0, hours) == pytest.approx(fom2)
    # class: the best whose power + hours × storage limit the FOM is under (A 533/47 … E 1066/94)
    assert cost_class(533 + 47 * 6 - 1, 6) == "A"
    assert cost_class(533 + 47 * 6, 6) == "B"
    assert cost_class(1066 + 94 * 6 - 0.1, 6) == "E"
    assert cost_class(1066 + 94 * 6, 6) == "Z"


# -- screening --------------------------------------------------------------------------------------------------

def test_reservoir_volume_against_wall_height_is_the_hand_integral():
    t = terrain_from_array(valleys(), transform(), CRS)
    t.screen = only_sites((SITE_ROW, UP_COL))
    r = search(t, SearchOptions(2.0, 6.0, threads=1))
    res = r.reservoirs
    assert r.counts["dam_sites"] == 1 and len(res) == 1
    assert res.elev[0] == 600 and res.max_dam[0] == 150
    hs = np.arange(10, 151, 10)
    np.testing.assert_allclose(res.areas[0], 0.09 * hs, rtol=1e-12)
    np.testing.assert_allclose(res.dam_volumes[0], [rock_screen(h) for h in hs], rtol=1e-12)
    np.testing.assert_allclose(res.volumes[0], [0.0009 * h * (h + 1) / 2 + rock_screen(h) / 2 for h in hs], rtol=1e-12)
    # upstream area at the dam site: the 200 floor cells above it and the side cells draining into it
    assert res.watershed_ha[0] >= 200 * 0.09


def test_pair_by_hand():
    s = PhesSettings()
    t = terrain_from_array(valleys(), transform(), CRS)
    t.screen = only_sites((SITE_ROW, UP_COL), (SITE_ROW, LO_COL))
    e, hours = 2.0, 6.0
    r = search(t, SearchOptions(e, hours, threads=1))
    assert len(r.reservoirs) == 2 and len(r.pairs) == 1
    k = 0
    p = r.pairs
    assert p.head[k] == 500
    v = 2.0 * 3.6e12 / (500 * 1000 * 9.8 * 0.9 * 0.85 * 1e6)
    assert p.volume_gl[k] == pytest.approx(v)
    hs = list(range(10, 151, 10))
    vols = [0.0009 * h * (h + 1) / 2 + rock_screen(h) / 2 for h in hs]
    hw = interp(v, vols, hs)
    wr = v / interp(hw, hs, [rock_screen(h) for h in hs])
    assert p.wall_upper[k] == pytest.approx(hw) and p.wall_lower[k] == pytest.approx(hw)
    assert p.wr_upper[k] == pytest.approx(wr)
    # final model: the wall stepped by 0.5 m from hw until water·(1 + 0.5/wr) is within ±5 % of V
    h, went_up = hw, False
    while True:
        check = water(h) * (1 + 0.5 / wr)
        if check < 0.95 * v:
            h, went_up = h + 0.5, True
        elif check > 1.05 * v:
            assert not went_up
            h -= 0.5
        else:
            break
    sel = r.selected
    assert len(sel) == 1
    assert sel.wall[0, 0] == pytest.approx(h) and sel.wall[0, 1] == pytest.approx(h)
    vol = water(h) + rock_final(h) / 2
    assert sel.volume[0, 0] == pytest.approx(vol) and sel.rock[0, 0] == pytest.approx(rock_final(h))
    assert sel.area[0, 0] == pytest.approx(0.09 * math.ceil(h))
    assert sel.separation_km[0] == pytest.approx(1.2)
    wr_final = vol / rock_final(h)
    pair_wr = 1 / (2 / wr_final)
    fom = figure_of_merit(500, 1.2, pair_wr, e, hours, s)
    assert sel.fom[0] == pytest.approx(fom)
    assert chr(sel.cls[0]) == cost_class(fom, hours)
    assert len(sel.cells[0][0]) == math.ceil(h)


def test_a_void_next_to_the_valley_limits_the_wall():
    z = valleys()
    z[SITE_ROW - 30, UP_COL + 1] = np.nan  # beside the floor cell 30 m above the dam site
    t = terrain_from_array(z, transform(), CRS)
    t.screen = only_sites((SITE_ROW, UP_COL))
    r = search(t, SearchOptions(2.0, 6.0, threads=1))
    # the void touches (8 neighbours) the floor cells 31, 30 and 29 m above the dam site: the water may not
    # reach the lowest of them
    assert len(r.reservoirs) == 1 and r.reservoirs.max_dam[0] == 29


def test_flat_dem_finds_no_pairs_and_says_so():
    t = terrain_from_array(np.full((200, 200), 50.0), transform(), CRS)
    r = search(t, SearchOptions(2.0, 6.0, threads=1))
    assert len(r.pairs) == 0 and len(r.selected) == 0
    assert [n.code for n in r.notices] == ["analysis.phes.no_reservoirs"]


def test_energy_no_pair_can_hold_is_said():
    t = terrain_from_array(valleys(), transform(), CRS)
    t.screen = only_sites((SITE_ROW, UP_COL), (SITE_ROW, LO_COL))
    r = search(t, SearchOptions(1000.0, 6.0, threads=1))
    assert len(r.pairs) == 0
    (n,) = r.notices
    assert n.code == "analysis.phes.energy_too_large"
    vmax = 0.0009 * 150 * 151 / 2 + rock_screen(150) / 2
    assert n.params["volume"] == f"{vmax:,.1f}" and n.params["head"] == 500


def test_no_pair_says_which_rule_turned_the_candidates_down():
    """With a pair water/rock of at least 100 asked for (the reference: 1.5) the one candidate fails on it."""
    from dataclasses import replace

    t = terrain_from_array(valleys(), transform(), CRS)
    t.screen = only_sites((SITE_ROW, UP_COL), (SITE_ROW, LO_COL))
    r = search(t, SearchOptions(2.0, 6.0, threads=1, settings=replace(PhesSettings(), min_pair_water_rock=100.0)))
    assert len(r.pairs) == 0
    (n,) = r.notices
    # (the lower valley as an upper one: its head to the other is negative)
    assert n.code == "analysis.phes.no_pairs" and n.params["reasons"] == "head 1, water_rock 1"
    assert n.params["power"] == "333" and n.params["limit"] == "1,630"  # 2 GWh / 6 h; 1066 + 94 × 6


def test_lonlat_dem_has_cell_sizes_on_the_ellipsoid():
    from affine import Affine
    from pyproj import Geod

    def from_origin(x, y, a, b):
        return Affine(a, 0.0, x, 0.0, -b, y)

    g = Geod(ellps="GRS80")
    tr = from_origin(113.0, 25.6, 1 / 3600, 1 / 3600)
    dx, dy, area = row_geometry(tr, 3, "EPSG:4490")
    lat = 25.6 - 1.5 / 3600  # centre of row 1
    assert dx[1] == pytest.approx(g.inv(113.0, lat, 113.0 + 1 / 3600, lat)[2], rel=1e-7)
    assert dy[1] == pytest.approx(g.inv(113.0, lat - 0.5 / 3600, 113.0, lat + 0.5 / 3600)[2], rel=1e-7)
    cell = g.polygon_area_perimeter([113.0, 113 + 1 / 3600, 113 + 1 / 3600, 113.0],
                                    [25.6 - 2 / 3600, 25.6 - 2 / 3600, 25.6 - 1 / 3600, 25.6 - 1 / 3600])[0]
    assert area[1] == pytest.approx(abs(cell) / 1e4, rel=1e-9)
    # the valley on a 1″ lon/lat grid: areas are the sums of the true cells flooded
    z = valleys()
    t = terrain_from_array(z, from_origin(113.0, 25.6, 1 / 3600, 1 / 3600), "EPSG:4490")
    t.screen = only_sites((SITE_ROW, UP_COL))
    r = search(t, SearchOptions(2.0, 6.0, threads=1))
    rows_area = t.area_ha[SITE_ROW - np.arange(10)]  # h = 10: floor cells k = 0..9
    assert r.reservoirs.areas[0, 0] == pytest.approx(rows_area.sum(), rel=1e-12)


def test_fill_raises_a_pit_and_drains_every_cell():
    z = np.array([[9, 9, 9, 9, 9], [9, 5, 6, 7, 9], [9, 6, 2, 6, 9], [9, 7, 6, 5, 4], [9, 9, 9, 9, 9]], np.int16)
    valid = np.ones(z.shape, bool)
    f = hydro.fill_eps(z, valid)
    # the pit drains over the 5 m cell next to the outlet (4 m at the east edge)
    assert hydro.round_filled(f, valid)[2, 2] == 5
    fd = hydro.flow_directions(f, valid, np.full(5, 30.0), np.full(5, 30.0), threads=1)
    inner = fd[1:-1, 1:-1]
    assert (inner >= 0).all() and (inner < 8).all()  # every inner cell has a way down
    # (2, 3) at 6 m: 2 m down to the outlet (3, 4) over a diagonal (0.047) beats 1 m to (3, 3) over 30 m (0.033)
    assert fd[2, 3] == 1  # south-east
    acc = hydro.accumulate(fd, hydro.upstream_mask(fd, threads=1), np.full(5, 1.0))
    assert acc[3, 3] == pytest.approx(7.0)  # the other 7 inner cells drain through (3, 3), itself excluded
    assert acc[3, 4] == pytest.approx(9.0)  # all 9 inner cells leave through the outlet (3, 4)


# -- the job -----------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The valleys inside 苏仙区 (GeoTIFF), a 小班 over the whole lower valley floor, and a DEM far away."""
    import geopandas as gpd
    import rasterio
    from shapely.geometry import box

    d = tmp_path_factory.mktemp("phes")
    x0, y0 = origin()
    tr = transform(x0, y0)
    z = valleys()
    prof = dict(driver="GTiff", width=COLS, height=ROWS, count=1, dtype="float32", transform=tr, nodata=-9999.0)
    with rasterio.open(d / "dem.tif", "w", crs=CRS, **prof) as ds:
        ds.write(z.astype(np.float32), 1)
    with rasterio.open(d / "dem_nocrs.tif", "w", **prof) as ds:
        ds.write(z.astype(np.float32), 1)
    with rasterio.open(d / "tiny.tif", "w", crs=CRS, **{**prof, "width": 4, "height": 4}) as ds:
        ds.write(z[:4, :4].astype(np.float32), 1)
    with rasterio.open(d / "huge.tif", "w", crs=CRS, sparse_ok=True, tiled=True,
                       **{**prof, "width": 12000, "height": 9000}):
        pass  # 108 million cells, no block written (sparse): over the limit of a search even by tiles
    far = transform(x0, y0 + 600_000)  # 600 km north: outside 湖南
    with rasterio.open(d / "dem_far.tif", "w", crs=CRS, **{**prof, "transform": far}) as ds:
        ds.write(z.astype(np.float32), 1)
    # the 小班: F1 the lower valley's floor column, rows 0–259 (one cell wide), 100 m³/ha; F2 on the upper
    # valley's west side (cols 0–9), away from its floor: the layer reaches both valleys
    xa = x0 + LO_COL * CELL
    f1 = box(xa, y0 - ROWS * CELL, xa + CELL, y0)
    f2 = box(x0, y0 - ROWS * CELL, x0 + 10 * CELL, y0)
    gpd.GeoDataFrame({"DI_LEI": ["0111", "0111"], "YU_BI_DU": [0.6, 0.6], "MEI_GQ_XJ": [100.0, 80.0],
                      "YOU_SHI_SZ": ["杉木", "马尾松"]}, geometry=[f1, f2], crs=CRS).to_file(d / "forest.gpkg")
    return d


def _run(capsys, *argv):
    from sinkmap.cli import main

    code = main(["site.phes", *argv, "--json"])
    out = capsys.readouterr()
    return code, out


def test_job_reports_the_forest_a_pair_floods(world, capsys, tmp_path):
    import geopandas as gpd
    from pyproj import Geod

    out = tmp_path / "pairs.gpkg"
    code, o = _run(capsys, "--dem", str(world / "dem.tif"), "--energy-gwh", "2", "--hours", "6", "--top", "3",
                   "--forest", str(world / "forest.gpkg"), "--out", str(out))
    assert code == 0, o.err
    rep = json.loads(o.out)
    assert rep["pairs"], rep["warnings"]
    best = rep["pairs"][0]
    assert best["head_m"] >= 100 and best["cost_class"] in "ABCDE"
    # the lower reservoir lies on the 小班's column: it floods the 小班 over its whole area, the upper none
    # (areas: the 30 m wide strip measured on the ellipsoid; GK's scale and the strip's edges, straight in GK
    # but not in lon/lat, make the measures differ by a few 1e-4)
    lower = gpd.read_file(out, layer="lower").iloc[0]
    ha = abs(Geod(ellps="GRS80").geometry_area_perimeter(lower.geometry)[0]) / 1e4
    assert best["lower"]["forest_area_ha"] == pytest.approx(ha, rel=2e-3)
    assert best["lower"]["forest_area_ha"] == pytest.approx(best["lower_area_ha"], rel=2e-3)
    assert best["upper"]["forest_area_ha"] == 0.0
    assert best["forest_area_ha"] == best["lower"]["forest_area_ha"]
    assert best["forest_stock_10k_m3"] == pytest.approx(best["forest_area_ha"] * 100 / 1e4, rel=1e-9)
    assert best["co2_t"] > 0
    # the layers and their attributes
    pairs = gpd.read_file(out, layer="pairs")
    from sinkmap.jobs.site_phes import PAIR_FIELDS

    assert set(PAIR_FIELDS) <= set(pairs.columns) and len(pairs) == len(rep["pairs"])
    assert pairs.crs.to_epsg() == 4490 and pairs.geometry.iloc[0].geom_type == "LineString"
    assert lower["area_ha"] == pytest.approx(best["lower_area_ha"])
    # the ledger of 苏仙区 before and after the cheapest pair
    ledger = rep["cheapest_pair_ledger"]
    county = next(u for u in ledger["units"] if u["name"] == "苏仙区")
    before, after = county["forest_stock_10k_m3"]
    cheapest = min(rep["pairs"], key=lambda p: p["fom"])
    assert before - after == pytest.approx(cheapest["forest_stock_10k_m3"], rel=1e-4)


@pytest.mark.parametrize("args, code", [
    (["--dem", "{d}/dem_nocrs.tif"], "io.raster.no_crs"),
    (["--dem", "{d}/tiny.tif"], "analysis.phes.dem_too_small"),
    (["--dem", "{d}/huge.tif"], "analysis.phes.mosaic_too_large"),
    (["--dem", "{d}/dem_far.tif", "--county", "苏仙区"], "analysis.phes.dem_no_coverage"),
    ([], "jobs.phes.needs_area"),
])
def test_bad_input_is_a_coded_message(world, capsys, tmp_path, args, code):
    from sinkmap.jobs.base import run_job
    from sinkmap.jobs.registry import get

    job = get("site.phes")
    raw = {"energy_gwh": 2, "hours": 6, "out": str(tmp_path / "o.gpkg")}
    for flag, value in zip(args[::2], args[1::2]):
        raw[flag[2:].replace("-", "_")] = value.format(d=world)
    if not args:
        raw["forest"] = str(world / "forest.gpkg")  # a layer given: no demo world, and no area
    with pytest.raises(InputError) as e:
        run_job(job, job.make_request(raw))
    assert e.value.code == code
    assert not (tmp_path / "o.gpkg").exists()


def test_impossible_energy_and_no_county_are_said(world, capsys, tmp_path):
    out = tmp_path / "none.gpkg"
    code, o = _run(capsys, "--dem", str(world / "dem_far.tif"), "--energy-gwh", "5000", "--hours", "6",
                   "--out", str(out))
    assert code == 0, o.err
    rep = json.loads(o.out)
    assert rep["pairs"] == []
    assert "analysis.phes.energy_too_large" in [w["code"] for w in rep["warnings"]]
    import geopandas as gpd

    assert len(gpd.read_file(out, layer="pairs")) == 0  # the file says "none", with its layers


def test_near_projects_uses_the_plan_capacity(world, capsys, tmp_path):
    """A station point on the upper valley: energy = 30 万kW × 6 h = 1.8 GWh (the plan's capacity), not --energy-gwh."""
    import geopandas as gpd
    from shapely.geometry import Point

    x0, y0 = origin()
    pt = Point(x0 + (UP_COL + 0.5) * CELL, y0 - (SITE_ROW - 20) * CELL)
    gpd.GeoDataFrame({"name": ["测试抽水蓄能电站", "测试风电"], "type": ["抽水蓄能", "风电"], "XIAN": ["苏仙区", "苏仙区"],
                      "capacity_10k_kw": [30.0, 5.0], "location_precision": ["approximate (test)", "—"]},
                     geometry=[pt, pt], crs=CRS).to_file(tmp_path / "projects.gpkg")
    out = tmp_path / "near.gpkg"
    code, o = _run(capsys, "--near-projects", "--projects", str(tmp_path / "projects.gpkg"), "--dem",
                   str(world / "dem.tif"), "--energy-gwh", "99", "--hours", "6", "--radius-km", "3",
                   "--forest", str(world / "forest.gpkg"), "--out", str(out))
    assert code == 0, o.err
    rep = json.loads(o.out)
    (p,) = rep["projects"]  # the wind farm is not a pumped-storage station
    assert p["name"] == "测试抽水蓄能电站" and p["location_precision"] == "approximate (test)"
    assert p["energy_gwh"] == pytest.approx(1.8)
    assert p["pairs"] >= 1 and p["best"]["head_m"] >= 100
    assert all(q["energy_gwh"] == pytest.approx(1.8) for q in rep["pairs"])
    assert set(gpd.read_file(out, layer="pairs")["project"]) == {"测试抽水蓄能电站"}
    assert len(gpd.read_file(out, layer="projects")) == 1
    # the ledger of 苏仙区 before and after the station's cheapest pair, its targets' statuses in words
    ledger = p["cheapest_pair_ledger"]
    county = next(u for u in ledger["units"] if u["name"] == "苏仙区")
    before, after = county["forest_stock_10k_m3"]
    cheapest = min(rep["pairs"], key=lambda q: q["fom"])
    assert ledger["rank"] == cheapest["rank"]
    assert before - after == pytest.approx(cheapest["forest_stock_10k_m3"], rel=1e-4)
    assert county["targets"] and all(t["status_before"] and t["status_after"] for t in county["targets"])
    from sinkmap.jobs.registry import get
    from sinkmap.jobs.base import run_job
    from sinkmap.core.messages import Notice

    job = get("site.phes")
    report = run_job(job, job.make_request({"near_projects": True, "projects": str(tmp_path / "projects.gpkg"),
                                            "dem": str(world / "dem.tif"), "energy_gwh": 99, "hours": 6,
                                            "radius_km": 3, "forest": str(world / "forest.gpkg"),
                                            "out": str(tmp_path / "near2.gpkg")}))
    for lang in ("zh_CN", "en"):
        text = "\n".join(report.summary(lang))
        t = county["targets"][0]
        assert Notice(f"analysis.siting.status.{t['status_before']}").render(lang) in text
        assert Notice(f"analysis.siting.status.{t['status_after']}").render(lang) in text
        assert ("森林蓄积" if lang == "zh_CN" else "forest stock") in text


def test_ranking_by_carbon_takes_the_pair_that_floods_no_forest():
    """Upper valley (col 20) with two lower valleys at the same height: A (col 60, 1.2 km away, forested:
    1 t CO₂ per cell) and B (col 100, 2.4 km away, bare). The two pairs share the upper reservoir, so only one
    is kept: by cost the nearer A, by carbon B; combined with weight w: both terms scaled 0–1, A scores 1·w,
    B scores (1 − w)·1, so B from w > 0.5."""
    z = np.empty((ROWS, 120))
    z[:, :80] = valleys()
    r = np.arange(ROWS, dtype=float)
    z[:, 80:] = (100.0 + (SITE_ROW - r) + 300.0)[:, None]
    z[:, 100] = 100.0 + (SITE_ROW - r)
    t = terrain_from_array(z, transform(), CRS)
    m = np.zeros(t.shape, bool)
    m[SITE_ROW, [UP_COL, LO_COL, 100]] = True
    t.screen = m
    dens = np.zeros((3, z.size), np.float32)
    col_a = np.zeros(t.shape, bool)
    col_a[:, LO_COL] = True
    dens[0, col_a.ravel()] = 0.09  # forest ha per cell
    dens[2, col_a.ravel()] = 1.0  # t CO₂ per cell

    def kept(rank, w=0.5):
        r = search(t, SearchOptions(2.0, 6.0, rank=rank, carbon_weight=w, threads=1), dens=dens)
        assert len(r.pairs) == 2 and len(r.selected) == 1
        k = r.selected.index[0]
        return int(r.reservoirs.site[r.pairs.lower[k]] % t.shape[1]), r

    assert kept("cost")[0] == LO_COL
    col, r = kept("carbon")
    assert col == 100 and r.selected.impact[0, 1, 2] == 0.0
    assert kept("combined", 0.5)[0] == LO_COL  # a tie: the cheaper first
    assert kept("combined", 0.6)[0] == 100
    # the CO₂ a rough pair floods: interpolated at the pairing's wall height from the screened heights
    a = next(i for i in range(2) if r.reservoirs.site[r.pairs.lower[i]] % t.shape[1] == LO_COL)
    hw = r.pairs.wall_lower[a]
    assert r.pairs.impact[a, 2] == pytest.approx(interp(hw, list(range(10, 151, 10)), list(range(10, 151, 10))))


def test_red_line_is_reported_or_applied_as_a_mask(world, capsys, tmp_path):
    """A 生态保护红线 polygon over the whole lower valley: reported as hit by default; with --apply-exclusions no
    reservoir may flood it (the reference's masks), so with one lower valley there is no pair at all."""
    import geopandas as gpd
    from shapely.geometry import box

    x0, y0 = origin()
    xa = x0 + LO_COL * CELL
    gpd.GeoDataFrame({"name": ["测试红线"]}, geometry=[box(xa - CELL, y0 - ROWS * CELL, xa + 2 * CELL, y0)],
                     crs=CRS).to_file(tmp_path / "redline.gpkg")
    args = ("--dem", str(world / "dem.tif"), "--energy-gwh", "2", "--hours", "6", "--top", "2",
            "--forest", str(world / "forest.gpkg"), "--redline", str(tmp_path / "redline.gpkg"))
    code, o = _run(capsys, *args, "--out", str(tmp_path / "a.gpkg"))
    assert code == 0, o.err
    rep = json.loads(o.out)
    assert rep["pairs"] and all("redline_wind_phes" in p["rules_hit"] for p in rep["pairs"])
    assert all(p["lower"]["redline"] is True and p["upper"]["redline"] is False for p in rep["pairs"])
    code, o = _run(capsys, *args, "--apply-exclusions", "--out", str(tmp_path / "b.gpkg"))
    assert code == 0, o.err
    rep = json.loads(o.out)
    assert rep["pairs"] == [] and rep["counts"]["excluded_by"] == ["redline_wind_phes"]
    assert rep["counts"]["excluded_cells"] == 3 * ROWS


# -- province scale: tiles on threads and on Dask (issue 12) -----------------------------------------------------

ARC = 1.0 / 3600.0
TILE_DEM = 720  # cells a side: 2 × 2 tiles of 0.1° (360 cells at 1″)


def ridged_valleys(n: int = TILE_DEM, lam: float = 64.0, depth: float = 320.0, fall: float = 1.0,
                   tilt: float = 3.0, seed: int = 1) -> np.ndarray:
    """U-shaped valleys running south, floors falling ``fall`` m a cell, each ``tilt``·``lam`` m above its
    western neighbour, meandering (so reservoirs and pairs cross the tiles' edges); no pit but the noise's."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:n, 0:n].astype(float)
    xs = x + 14 * np.sin(y / 37.0) + 6 * np.sin(y / 13.0 + 1.0)
    k = np.floor(xs / lam + 0.5)
    floor = 200 + fall * (n - y) + tilt * lam * k + 20 * np.sin(k * 1.7) + 15 * np.sin(y / 23.0 + k)
    return floor + depth * (np.abs(xs / lam - k) * 2) ** 2 + rng.normal(0, 0.3, (n, n))


@pytest.fixture(scope="module")
def tiled_dem(tmp_path_factory):
    """The valleys on a lon/lat 1″ grid from 113.0°E, 25.6°N: the 0.1° tile lines fall on rows/cols 360."""
    import rasterio
    from affine import Affine

    path = tmp_path_factory.mktemp("tiles") / "valleys_1s.tif"
    prof = dict(driver="GTiff", width=TILE_DEM, height=TILE_DEM, count=1, dtype="float32", crs="EPSG:4490",
                transform=Affine(ARC, 0.0, 113.0, 0.0, -ARC, 25.6), nodata=-9999.0)
    with rasterio.open(path, "w", **prof) as ds:
        ds.write(ridged_valleys().astype(np.float32), 1)
    return path


RES_FIELDS = ("site", "elev", "max_dam", "areas", "volumes", "dam_volumes", "bounds", "impact")
PAIR_KEYS = ("upper", "lower", "head", "wall_upper", "wall_lower", "wr_upper", "wr_lower", "separation_km", "fom",
             "cls", "volume_gl")
SEL_KEYS = ("index", "wall", "volume", "rock", "dam_length", "area", "water_rock", "separation_km", "nearest", "fom",
            "cls")


def _same(a, b) -> None:
    for k in RES_FIELDS:
        assert np.array_equal(getattr(a.reservoirs, k), getattr(b.reservoirs, k)), k
    for k in PAIR_KEYS:
        assert np.array_equal(getattr(a.pairs, k), getattr(b.pairs, k)), k
    for k in SEL_KEYS:
        assert np.array_equal(getattr(a.selected, k), getattr(b.selected, k)), k
    for (u1, l1), (u2, l2) in zip(a.selected.cells, b.selected.cells):
        assert np.array_equal(u1, u2) and np.array_equal(l1, l2)


def test_tiles_give_the_pairs_of_the_whole_dem_bit_for_bit(tiled_dem):
    """2 × 2 tiles, each read with a 180-cell border (every reservoir of the relief fits in it): the same
    reservoirs, rough pairs and non-overlapping pairs as one search of the whole DEM, bit for bit; pairs join
    reservoirs of different tiles, and no dam site is found twice. With the default border (60 cells, a sixth
    of the tile) the reservoirs cut by it are counted and said."""
    from sinkmap.analysis.phes.dem import dem_window, read_dem
    from sinkmap.analysis.phes.tiles import plan_tiles, search_tiled

    opts = SearchOptions(1.0, 6.0, threads=2)
    whole = search(read_dem(tiled_dem), opts)
    assert len(whole.selected) >= 10
    win = dem_window(tiled_dem)
    plan = plan_tiles(win, tile_deg=0.1, tile_border=180, threads=2)
    assert [t.own for t in plan.tiles] == [(0, 360, 0, 360), (0, 360, 360, 720), (360, 720, 0, 360),
                                           (360, 720, 360, 720)]
    assert plan.tiles[0].win == (0, 540, 0, 540) and plan.tiles[3].win == (180, 720, 180, 720)
    tiled = search_tiled(plan, opts)
    _same(whole, tiled)
    assert tiled.counts["tiles"] == 4 and tiled.counts["duplicate_reservoirs"] == 0
    assert tiled.counts["tile_edge_reservoirs"] == 0 and not tiled.notices

    def tile(site):
        r, c = divmod(int(site), TILE_DEM)
        return (r // 360, c // 360)

    res, pairs = tiled.reservoirs, tiled.pairs
    crossing = [k for k in tiled.selected.index if tile(res.site[pairs.upper[k]]) != tile(res.site[pairs.lower[k]])]
    assert len(crossing) >= 5
    # the default border cuts some reservoirs: counted, and said
    short = search_tiled(plan_tiles(win, tile_deg=0.1, threads=2), opts)
    assert short.counts["tile_edge_reservoirs"] > 0
    assert "analysis.phes.tile_edge" in [n.code for n in short.notices]


def test_tiles_on_dask_give_the_same_pairs_through_the_job(tiled_dem, capsys, tmp_path):
    """``sinkmap site phes --dem … --tile-deg 0.1 --tile-border 180 --workers 2`` (2 × 2 tiles on a Dask
    LocalCluster of 2 processes) writes the pairs of the one-window run (``--tile-deg 1``: one tile)."""
    pytest.importorskip("distributed")
    import geopandas as gpd

    base = ("--dem", str(tiled_dem), "--energy-gwh", "1", "--hours", "6", "--top", "1000")
    code, one = _run(capsys, *base, "--out", str(tmp_path / "one.gpkg"))
    assert code == 0, one.err
    code, dask = _run(capsys, *base, "--tile-deg", "0.1", "--tile-border", "180", "--workers", "2",
                      "--out", str(tmp_path / "dask.gpkg"))
    assert code == 0, dask.err
    one, dask = json.loads(one.out), json.loads(dask.out)
    assert "tiles" not in one["counts"] and dask["counts"]["tiles"] == 4
    assert len(one["pairs"]) >= 10 and dask["pairs"] == one["pairs"]
    a = gpd.read_file(tmp_path / "one.gpkg", layer="upper")
    b = gpd.read_file(tmp_path / "dask.gpkg", layer="upper")
    assert a.geometry.equals(b.geometry)


# -- Cancel inside the kernels and at every stage of the job (issue 12) ------------------------------------------

def test_a_raised_stop_flag_makes_every_kernel_return_early():
    """The flag the cancel watcher raises: the fill leaves cells unfilled, the accumulation adds nothing, and
    screening, pairing and the selection return empty, each without finishing its loop."""
    from sinkmap.analysis.phes.construct import select
    from sinkmap.analysis.phes.pairing import pair_reservoirs
    from sinkmap.analysis.phes.screening import blocked_cells, find_dam_sites, screen_reservoirs

    z = valleys()
    t = terrain_from_array(z, transform(), CRS)
    stop = np.ones(1, np.uint8)
    assert np.isnan(hydro.fill_eps(t.z, t.valid, stop)).sum() > 0.9 * t.z.size
    filled = hydro.fill_eps(t.z, t.valid)
    assert not np.isnan(filled).any()
    fd = hydro.flow_directions(filled, t.valid, t.dx, t.dy, threads=1)
    up = hydro.upstream_mask(fd, threads=1)
    assert not hydro.accumulate(fd, up, t.area_ha, stop).any()
    acc = hydro.accumulate(fd, up, t.area_ha)
    zf = hydro.round_filled(filled, t.valid)
    sites = find_dam_sites(zf, fd, acc, t.valid, 10.0, 10)
    blocked = blocked_cells(t.valid, np.zeros((0, 0), np.bool_))
    s = PhesSettings()
    args = (zf, up, blocked, acc, sites, t.area_ha, t.dx, t.dy, s)
    assert len(screen_reservoirs(*args, threads=1, stop=stop)) == 0  # no site modelled
    res = screen_reservoirs(*args, threads=1)
    ok = np.ones(len(res), bool)
    assert len(pair_reservoirs(res, ok, t.shape[1], t.dx, t.dy, 2.0, 6.0, s, threads=1, stop=stop)) == 0
    pairs = pair_reservoirs(res, ok, t.shape[1], t.dx, t.dy, 2.0, 6.0, s, threads=1)
    assert len(pairs) >= 1
    order = np.argsort(pairs.fom)
    sel = select(pairs, res, order, t.z, up, blocked, None, t.area_ha, t.dx, t.dy, 2.0, 6.0, s, stop=stop)
    assert len(sel) == 0 and sum(sel.outcomes.values()) == 0
    assert len(select(pairs, res, order, t.z, up, blocked, None, t.area_ha, t.dx, t.dy, 2.0, 6.0, s)) >= 1


class _CancelAt:
    """A feedback that presses Cancel when a progress text starting with ``marker`` arrives."""

    def __new__(cls, marker):
        from sinkmap.core.feedback import NullFeedback

        class F(NullFeedback):
            seen: list = []

            def progress(self, fraction, text=""):
                super().progress(fraction, text)
                if text:
                    self.seen.append(text)
                if text.startswith(marker):
                    self.cancel()

        return F()


STAGES = ("读取 DEM", "图层", "填洼", "流向", "汇流", "坝址", "配对", "不重叠组合", "水库轮廓", "淹没影响", "台账前后")


@pytest.mark.parametrize("marker", STAGES)
def test_cancel_at_each_stage_leaves_no_file(world, tmp_path, marker):
    """Cancel pressed as each stage starts: the job stops with Cancelled (the kernels look at the flag the
    watcher raises, the job checks between stages) and writes nothing."""
    from sinkmap.core.errors import Cancelled
    from sinkmap.jobs.base import run_job
    from sinkmap.jobs.registry import get

    job = get("site.phes")
    out = tmp_path / "c.gpkg"
    req = job.make_request({"dem": str(world / "dem.tif"), "energy_gwh": 2, "hours": 6,
                            "forest": str(world / "forest.gpkg"), "out": str(out)})
    fb = _CancelAt(marker)
    with pytest.raises(Cancelled):
        run_job(job, req, fb)
    assert any(t.startswith(marker) for t in fb.seen)
    assert not out.exists() and not list(tmp_path.iterdir())


def test_cancel_of_a_tiled_search_leaves_no_file(tiled_dem, tmp_path):
    from sinkmap.core.errors import Cancelled
    from sinkmap.jobs.base import run_job
    from sinkmap.jobs.registry import get

    job = get("site.phes")
    out = tmp_path / "t.gpkg"
    req = job.make_request({"dem": str(tiled_dem), "energy_gwh": 1, "hours": 6, "tile_deg": 0.1, "out": str(out)})
    with pytest.raises(Cancelled):
        run_job(job, req, _CancelAt("填洼"))  # the first tile's fill
    assert not out.exists() and not list(tmp_path.iterdir())


# -- land-cover (raster) siting rules per reservoir (issue 12) ---------------------------------------------------

LC_RULES = """\
version: 1
rules:
  - id: phes_test_paddy
    tech: phes
    layer: landcover
    where: {{values: ["0101"]}}
    effect: exclude
    citation: {{document: 测试文件, clause_zh: 测试条款, source: test}}
    verified: false
  - id: phes_test_arbor
    tech: [phes]
    layer: landcover
    where: {{values: ["0301"]}}
    effect: limit
    weight: 0.5
    citation: {{document: 测试文件, clause_zh: 测试条款, source: test}}
    verified: false
  - id: phes_test_grass
    tech: all
    layer: landcover
    where: {{values: ["0401"]}}
    effect: exclude
    citation: {{document: 测试文件, clause_zh: 测试条款, source: test}}
    verified: false
"""


def test_land_cover_rules_are_listed_per_reservoir(world, capsys, tmp_path):
    """A 60 m land-cover raster (2 × 2 DEM cells): 0101 水田 over columns 58–63 (the lower valley, col 60, and its
    sides), 0301 乔木林地 elsewhere, no 0401 anywhere. The lower reservoir lies on 水田 only, the upper (col 20) on
    乔木林地 only: each side lists its rule, the pair both (the upper's first), the grass rule nowhere. Without
    the raster the rules are said not applied; with --apply-exclusions they are said not to be masks."""
    import rasterio
    from affine import Affine

    x0, y0 = origin()
    lc = np.full((ROWS // 2, COLS // 2), 301, np.uint16)
    lc[:, 29:32] = 101  # land-cover cols 29–31 = DEM cols 58–63
    with rasterio.open(tmp_path / "lc.tif", "w", driver="GTiff", width=COLS // 2, height=ROWS // 2, count=1,
                       dtype="uint16", crs=CRS, transform=transform(x0, y0) @ Affine.scale(2),
                       nodata=0) as ds:
        ds.write(lc, 1)
    (tmp_path / "rules.yaml").write_text(LC_RULES.format(), encoding="utf-8")
    base = ("--dem", str(world / "dem.tif"), "--energy-gwh", "2", "--hours", "6", "--top", "2",
            "--forest", str(world / "forest.gpkg"), "--rules", str(tmp_path / "rules.yaml"))
    code, o = _run(capsys, *base, "--landcover", str(tmp_path / "lc.tif"), "--out", str(tmp_path / "a.gpkg"))
    assert code == 0, o.err
    rep = json.loads(o.out)
    assert rep["pairs"]
    for p in rep["pairs"]:
        assert p["lower"]["rules_hit"] == "phes_test_paddy" and p["upper"]["rules_hit"] == "phes_test_arbor"
        assert p["rules_hit"] == "phes_test_arbor, phes_test_paddy"  # the upper's, then the lower's
        assert "phes_test_grass" not in p["rules_hit"]
    import geopandas as gpd

    assert set(gpd.read_file(tmp_path / "a.gpkg", layer="lower")["rules_hit"]) == {"phes_test_paddy"}
    assert not any(w.get("params", {}).get("role") == "landcover" for w in rep["warnings"]), rep["warnings"]
    # no raster: the land-cover rules are said not applied
    code, o = _run(capsys, *base, "--out", str(tmp_path / "b.gpkg"))
    rep = json.loads(o.out)
    assert all("phes_test" not in p["rules_hit"] for p in rep["pairs"])
    assert {w["params"]["rule"] for w in rep["warnings"] if w["code"] == "analysis.siting.rule.no_layer"} >= {
        "phes_test_paddy", "phes_test_arbor", "phes_test_grass"}
    # --apply-exclusions: reported, not a mask
    code, o = _run(capsys, *base, "--landcover", str(tmp_path / "lc.tif"), "--apply-exclusions",
                   "--out", str(tmp_path / "c.gpkg"))
    rep = json.loads(o.out)
    assert "analysis.phes.raster_rule_not_masked" in [w["code"] for w in rep["warnings"]]
    assert rep["pairs"] and rep["pairs"][0]["lower"]["rules_hit"] == "phes_test_paddy"
