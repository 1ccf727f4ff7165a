"""Land cover in 三调 codes, derived from the terrain.

Rules (per medium-grid cell, ~250 m):

* water and marsh come from the water bodies and river polygons (burnt in by the caller); inland flats
  (1106 内陆滩涂) line the main rivers' floodplains;
* towns (city centres, county seats) grow built-up land on gentle slopes around their centres;
* summits above ~1,600 m carry mountain grassland (404) and shrub (305);
* forest land takes the cells with the highest *forest propensity* — steep, high above the valley floor,
  far from towns — down to a threshold chosen per city so that the city's forest coverage lands at the
  calibrated level (``layers/demo_calibration.yaml``). Inside forest land: bamboo (302) in patches,
  commoner in the bamboo counties; shrub (305) on limestone in the karst counties (counted as
  国家特别规定灌木林地) and on a few degraded hills; 其他林地 (307) in small patches; 乔木林地 (301) elsewhere;
* the rest is paddy (101) on valley floors, dry land (103), orchards and tea gardens (201/202) on gentle
  slopes, villages (702), mines (602) in the mining counties.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.feedback import Feedback, ensure
from .config import Geography
from .grid import Grid, fbm_2d, hash01, km_per_deg, value_noise_2d

STREAM_LC = 40

# 三调 values (layers/schemes/sandiao.yaml)
PADDY, IRRIGATED, DRY = 101, 102, 103
ORCHARD, TEA = 201, 202
ARBOR, BAMBOO, SHRUB, OTHER_FOREST = 301, 302, 305, 307
GRASS = 404
COMMERCIAL, INDUSTRIAL, MINING = 591, 601, 602
URBAN_RES, RURAL_RES = 701, 702
PUBLIC, SCIENCE, PARK = 891, 892, 810
RIVER, LAKE, RESERVOIR, POND = 1101, 1102, 1103, 1104
FLAT, MARSH = 1106, 1108
WATER_CODES = (RIVER, LAKE, RESERVOIR, POND, FLAT, MARSH)
FOREST_LAND = (ARBOR, BAMBOO, SHRUB, OTHER_FOREST)


@dataclass
class LandInputs:
    grid: Grid
    elev: np.ndarray
    base: np.ndarray
    river_dist_km: np.ndarray  # distance to a main river
    county: np.ndarray  # int16 index into the county list, -1 outside
    city: np.ndarray  # int8 index into the city list, -1 outside
    water: np.ndarray  # uint16 三调 water/marsh code burnt in by the caller, 0 elsewhere
    county_names: list[str]
    city_names: list[str]


@dataclass
class LandCover:
    codes: np.ndarray  # uint16 三调 values, 0 outside the counties
    special_shrub: np.ndarray  # bool: 305 cells that are 国家特别规定灌木林地
    thresholds: dict[str, float]  # forest-propensity threshold per city
    coverage: dict[str, float]  # raster forest coverage per city (%), counted as the ledger counts it


def slope_deg(elev: np.ndarray, grid: Grid) -> np.ndarray:
    kx, ky = km_per_deg((grid.north + grid.south) / 2)
    gy, gx = np.gradient(elev, grid.res * ky * 1000, grid.res * kx * 1000)
    return np.degrees(np.arctan(np.hypot(gx, gy))).astype(np.float32)


def urban_intensity(geo: Geography, grid: Grid, seed: int) -> np.ndarray:
    """Max over towns of a noisy Gaussian of the distance to the centre (1 at the centre)."""
    u = np.zeros(grid.shape, np.float32)
    kx, ky = km_per_deg((grid.north + grid.south) / 2)
    for t in geo.towns:
        reach = 2.5 * t.urban_km
        r0 = max(0, int((grid.north - t.lat - reach / ky) / grid.res))
        r1 = min(grid.height, int((grid.north - t.lat + reach / ky) / grid.res) + 1)
        c0 = max(0, int((t.lon - reach / kx - grid.west) / grid.res))
        c1 = min(grid.width, int((t.lon + reach / kx - grid.west) / grid.res) + 1)
        if r0 >= r1 or c0 >= c1:
            continue
        X, Y = np.meshgrid((grid.lon(np.arange(c0, c1)) - t.lon) * kx, (grid.lat(np.arange(r0, r1)) - t.lat) * ky)
        v = np.exp(-(np.hypot(X, Y) / t.urban_km) ** 2).astype(np.float32)
        np.maximum(u[r0:r1, c0:c1], v, out=u[r0:r1, c0:c1])
    return u


def _z(n: np.ndarray, sd: float) -> np.ndarray:
    return (n - 0.5) / sd


def classify(inp: LandInputs, geo: Geography, targets_pct: dict[str, float], seed: int,
             feedback: Feedback | None = None) -> LandCover:
    """The land-cover raster, with each city's forest extent calibrated to ``targets_pct`` (coverage %)."""
    feedback = ensure(feedback)
    g = inp.grid
    lon, lat = g.lon(), g.lat()
    inside = inp.county >= 0
    slope = slope_deg(inp.elev, g)
    rel = inp.elev - inp.base
    urban = urban_intensity(geo, g, seed)
    # standardised noise fields (sd of 2–3 octave value noise measured ~0.14–0.17)
    z1 = _z(fbm_2d(seed, STREAM_LC, lon, lat, 0.09, 3)[0], 0.15)  # regional patchiness
    z2 = _z(fbm_2d(seed, STREAM_LC + 1, lon, lat, 0.02, 2)[0], 0.17)  # local patches
    zb = _z(fbm_2d(seed, STREAM_LC + 2, lon, lat, 0.05, 3)[0], 0.15)  # bamboo stands
    zk = _z(fbm_2d(seed, STREAM_LC + 3, lon, lat, 0.03, 2)[0], 0.17)  # shrub / karst patches
    zv = _z(value_noise_2d(seed, STREAM_LC + 4, lon, lat, 0.008, 0.7), 0.2)  # villages, orchards
    cell = hash01(seed, STREAM_LC + 5, np.arange(g.height)[:, None] + int(round(g.north / g.res)),
                  np.arange(g.width)[None, :] + int(round(g.west / g.res))).astype(np.float32)
    feedback.progress(0.2, "terrain factors")

    codes = np.zeros(g.shape, np.uint16)
    water = (inp.water > 0) & inside
    codes[water] = inp.water[water]
    free = inside & ~water

    # inland flats on the main floodplains
    flat = free & (inp.river_dist_km < 0.9) & (rel < 12) & (z2 > 0.3)
    codes[flat] = FLAT
    free &= ~flat

    # built-up land
    u = urban + 0.18 * z2
    built = free & (u > 0.5) & (slope < 14) & (rel < 70 + 40 * z1)  # hills in town stay green (岳麓山)
    core = built & (u > 0.8)
    fringe = built & ~core
    codes[core] = np.where(cell[core] < 0.62, URBAN_RES, np.where(cell[core] < 0.78, COMMERCIAL,
                           np.where(cell[core] < 0.9, SCIENCE, np.where(cell[core] < 0.95, PUBLIC, PARK))))
    codes[fringe] = np.where(cell[fringe] < 0.4, INDUSTRIAL, np.where(cell[fringe] < 0.75, URBAN_RES, RURAL_RES))
    free &= ~built

    # summits: mountain grassland (南山牧场 and the like)
    summit = free & (inp.elev > 1600 + 120 * z1)
    grass_summit = summit & (z2 > -0.2)
    codes[grass_summit] = GRASS
    free &= ~grass_summit

    # forest sub-classes (decided before the extent: they do not depend on the threshold)
    county_of = np.asarray(inp.county_names + [""], dtype=object)
    in_karst = np.isin(county_of[inp.county], list(geo.karst_counties))
    in_bamboo = np.isin(county_of[inp.county], list(geo.bamboo_counties))
    sub = np.full(g.shape, ARBOR, np.uint16)
    special = np.zeros(g.shape, bool)
    bamboo = (zb > np.where(in_bamboo, 0.75, 1.65)) & (inp.elev > 120) & (inp.elev < 1350)
    sub[bamboo] = BAMBOO
    karst_shrub = in_karst & (zk > 1.0) & (rel < 400) & ~bamboo
    summit_shrub = summit & ~grass_summit
    shrub_other = (zk < -1.75) & ~bamboo & ~karst_shrub
    sub[karst_shrub | summit_shrub | shrub_other] = SHRUB
    special[karst_shrub | summit_shrub] = True
    other = (z2 > 1.8) & (sub == ARBOR)
    sub[other] = OTHER_FOREST
    counted = (sub == ARBOR) | (sub == BAMBOO) | special

    # forest propensity and the per-city threshold
    prop = (0.9 * np.minimum(slope / 12, 2.0) + 0.7 * np.minimum(np.maximum(rel, 0) / 150, 2.5)
            + 0.45 * z1 + 0.3 * z2 - 1.2 * urban)
    prop -= np.where((rel < 15) & (slope < 3), 1.0, 0.0)
    prop[summit_shrub] = 99.0  # mountain shrub stays forest land
    # every county keeps some woodland (city parks, hills in town): its best cells up to ~4% of its land
    for k in range(len(inp.county_names)):
        cand = np.flatnonzero(((inp.county == k) & free & counted).ravel())
        n_min = int(0.04 * np.count_nonzero(inp.county == k))
        if len(cand) and n_min:
            top = cand[np.argsort(-prop.ravel()[cand], kind="stable")[:n_min]]
            prop.ravel()[top] = np.maximum(prop.ravel()[top], 50.0)
    area = np.broadcast_to(g.cell_area_m2()[:, None], g.shape)
    thresholds, coverage = {}, {}
    forest = np.zeros(g.shape, bool)
    for ci, city in enumerate(inp.city_names):
        feedback.check()
        in_city = inp.city == ci
        land = float(area[in_city].sum())
        if land == 0 or city not in targets_pct:
            continue
        want = targets_pct[city] / 100 * land
        cand = in_city & free & counted
        p = prop[cand]
        order = np.argsort(-p, kind="stable")
        cum = np.cumsum(area[cand][order])
        k = int(np.searchsorted(cum, want))
        t = float(p[order[min(k, len(order) - 1)]]) if len(order) else 0.0
        thresholds[city] = t
        forest |= in_city & free & (prop >= t)
        coverage[city] = 100 * float(area[in_city & forest & counted].sum()) / land
    codes[forest] = sub[forest]
    special &= forest & (codes == SHRUB)
    free &= ~forest
    feedback.progress(0.7, "forest extent")

    # farmland, orchards, villages, mines
    in_mining = np.isin(county_of[inp.county], list(geo.mining_counties))
    mine = free & in_mining & (zv > 2.3) & (z1 > 0.3)
    codes[mine] = MINING
    free &= ~mine
    village = free & (slope < 10) & (zv > 1.55)
    codes[village] = RURAL_RES
    free &= ~village
    valley_floor = (slope < 5) & (rel < 45)
    paddy = free & valley_floor
    codes[paddy] = np.where(cell[paddy] < 0.93, PADDY, IRRIGATED)
    free &= ~paddy
    gentle = free & (slope < 14)
    codes[gentle] = np.where(zv[gentle] > 0.9, TEA, np.where(zv[gentle] < -1.0, ORCHARD, DRY))
    free &= ~gentle
    codes[free] = np.where(z2[free] > 0, GRASS, DRY)
    feedback.progress(1.0, "land cover")
    return LandCover(codes, special, thresholds, coverage)
