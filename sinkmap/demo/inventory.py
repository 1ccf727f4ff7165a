"""Forest subcompartments (小班) of the demo world, with inventory-style attributes.

Geometry: the forest-land cells of the land cover (三调 301/302/305/307) are cut by a warped Voronoi
partition (~1.5 km cells, the 小班 scale of a coarse inventory) and by county, polygonised, smoothed with a
topology-preserving coverage simplification and clipped to the real county boundary.

Attributes (names as in 二类调查 / 一张图 layers, so sinkmap's field detection finds them): XIAN, XIANG,
CUN, LIN_BAN, XIAO_BAN, DI_LEI (GB/T 26424 codes, e.g. 0111 乔木林), LIN_ZHONG, QI_YUAN, YOU_SHI_SZ,
LING_ZU, YU_BI_DU, MIAN_JI (ha), MEI_GQ_XJ (m³/ha), XU_JI_LIANG (m³), MEI_GQ_ZS (stems/ha), GYL_DJ,
BH_DJ (林地保护等级 Ⅰ级–Ⅳ级, derived from reserve, terrain and GYL_DJ), HAI_BA (m), PO_DU (°). Species, age and stock follow ``layers/demo_forest.yaml``; every value is drawn
from a position hash, so the same seed gives the same inventory.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from ..core.crs import EQUAL_AREA_CRS, M2_PER_HA, STORAGE_CRS
from ..core.feedback import Feedback, ensure
from .config import ForestModel
from .grid import Grid, hash01, value_noise_2d, value_noise_points
from .landcover import ARBOR, BAMBOO, OTHER_FOREST, SHRUB
from .polygons import label_polygons

STREAM_INV = 60
LIN_BAN_CELLS = 4  # a 林班 groups 4 × 4 partition cells
XIANG_DEG = 0.12  # township partition (≈ 12 km)
CUN_DEG = 0.035  # village partition (≈ 3.5 km)
KINDS = {1: ARBOR, 2: BAMBOO, 3: SHRUB, 4: SHRUB, 5: OTHER_FOREST}  # 3 = special shrub, 4 = other shrub

AGES = ("幼龄林", "中龄林", "近熟林", "成熟林", "过熟林")


@dataclass
class InventoryInputs:
    grid: Grid
    codes: np.ndarray
    special_shrub: np.ndarray
    county: np.ndarray  # int16 index into counties, -1 outside
    elev: np.ndarray
    base: np.ndarray
    slope: np.ndarray
    reserve: np.ndarray  # bool: inside a nature reserve / national park
    counties: gpd.GeoDataFrame  # name, parent, geometry (index order = county index)
    karst_counties: frozenset[str] = frozenset()


def _voronoi_cells(lon: np.ndarray, lat: np.ndarray, seed: int, spacing: float
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Partition cell (i, j) of each point: nearest of the jittered seeds of the 3 × 3 neighbouring
    lattice cells, after warping the point by smooth noise (irregular, non-convex cells)."""
    best_d = np.full(lon.shape, np.inf)
    bi = np.zeros(lon.shape, np.int64)
    bj = np.zeros(lon.shape, np.int64)
    i0 = np.floor(lon / spacing).astype(np.int64)
    j0 = np.floor(lat / spacing).astype(np.int64)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            i, j = i0 + di, j0 + dj
            sx = (i + 0.15 + 0.7 * hash01(seed, STREAM_INV, i, j, 0)) * spacing
            sy = (j + 0.15 + 0.7 * hash01(seed, STREAM_INV, i, j, 1)) * spacing
            d = (lon - sx) ** 2 + ((lat - sy) * 1.1) ** 2
            closer = d < best_d
            best_d[closer] = d[closer]
            bi[closer] = i[closer]
            bj[closer] = j[closer]
    return bi, bj


def _warped_coords(grid: Grid, rows: np.ndarray, cols: np.ndarray, seed: int, cell_deg: float
                   ) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = grid.lon(), grid.lat()
    wx = value_noise_2d(seed, STREAM_INV + 1, lon, lat, 0.03, 0.5)
    wy = value_noise_2d(seed, STREAM_INV + 2, lon, lat, 0.03, 1.3)
    x = lon[cols] + (wx[rows, cols] - 0.5) * 0.9 * cell_deg
    y = lat[rows] + (wy[rows, cols] - 0.5) * 0.9 * cell_deg
    return x, y


def polygons(inp: InventoryInputs, seed: int, cell_deg: float = 0.019, feedback: Feedback | None = None
             ) -> gpd.GeoDataFrame:
    """The 小班 geometries with their partition cell, kind and county (no attributes yet)."""
    feedback = ensure(feedback)
    g = inp.grid
    kind = np.zeros(g.shape, np.int8)
    kind[inp.codes == ARBOR] = 1
    kind[inp.codes == BAMBOO] = 2
    kind[(inp.codes == SHRUB) & inp.special_shrub] = 3
    kind[(inp.codes == SHRUB) & ~inp.special_shrub] = 4
    kind[inp.codes == OTHER_FOREST] = 5
    forest = (kind > 0) & (inp.county >= 0)
    rows, cols = np.nonzero(forest)
    x, y = _warped_coords(g, rows, cols, seed, cell_deg)
    ci, cj = _voronoi_cells(x, y, seed, cell_deg)
    cmin_i, cmin_j = ci.min(), cj.min()
    nj = int(cj.max() - cmin_j + 1)
    cell = (ci - cmin_i) * nj + (cj - cmin_j)
    label = np.zeros(g.shape, np.int32)
    label[rows, cols] = ((cell * 6 + kind[rows, cols]) * 64 + inp.county[rows, cols] + 1).astype(np.int32)
    feedback.progress(0.2, "partition")
    feedback.check()
    frame = label_polygons(label, g, inp.county, inp.counties)
    feedback.progress(0.8, "polygonised")
    values = frame["label"].to_numpy()
    frame["kind"] = ((values // 64) % 6).astype(np.int8)
    frame["cell_i"] = (values // 64 // 6) // nj + cmin_i
    frame["cell_j"] = (values // 64 // 6) % nj + cmin_j
    # per-label terrain summaries
    ulab, inv = np.unique(label[rows, cols], return_inverse=True)
    n = np.bincount(inv).astype(float)
    stats = pd.DataFrame({
        "label": ulab,
        "HAI_BA": np.bincount(inv, inp.elev[rows, cols]) / n,
        "rel": np.bincount(inv, (inp.elev - inp.base)[rows, cols]) / n,
        "PO_DU": np.bincount(inv, inp.slope[rows, cols]) / n,
        "reserve": np.bincount(inv, inp.reserve[rows, cols].astype(float)) / n,
    })
    frame = frame.merge(stats, on="label", how="left")
    feedback.progress(1.0, "subcompartments")
    return frame


# -- attributes -----------------------------------------------------------------------------------

def _pick(u: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Row-wise categorical draw: index of the bin of ``u`` in the normalised cumulative ``weights``."""
    cum = np.cumsum(weights, axis=1)
    cum /= cum[:, -1:]
    return np.minimum((cum < u[:, None]).sum(axis=1), weights.shape[1] - 1)


def attributes(frame: gpd.GeoDataFrame, inp: InventoryInputs, model: ForestModel, seed: int,
               cell_deg: float = 0.019) -> gpd.GeoDataFrame:
    """Fill the inventory fields (stock per ha before calibration: see :func:`calibrate_stock`)."""
    n = len(frame)
    key_i = frame["cell_i"].to_numpy()
    key_j = frame["cell_j"].to_numpy()
    kind = frame["kind"].to_numpy()
    part = np.arange(n)  # different pieces of one label share a cell: give them their own draws
    piece = frame.groupby("label").cumcount().to_numpy()

    def u(k: int) -> np.ndarray:
        return hash01(seed, STREAM_INV + 10 + k, key_i, key_j, kind, piece)

    names = inp.counties["name"].to_numpy()
    county = names[frame["county"].to_numpy()]
    elev = frame["HAI_BA"].to_numpy()
    rel = frame["rel"].to_numpy()
    slope = frame["PO_DU"].to_numpy()
    out = pd.DataFrame(index=frame.index)
    out["XIAN"] = county

    # smooth regional fields (~15 km) make species and origin cluster the way forest regions do
    cx = (key_i + 0.5) * cell_deg
    cy = (key_j + 0.5) * cell_deg

    def regional(stream: int) -> np.ndarray:
        return (value_noise_points(seed, STREAM_INV + 100 + stream, cx, cy, 0.15) - 0.5) / 0.2

    # origin: planted stands are commoner low down and near farmland
    p_planted = np.clip(0.78 - elev / 1700 - rel / 2500 + 0.15 * regional(0), 0.1, 0.85)
    planted = u(0) < p_planted
    origin = np.where(planted, "人工", "天然")

    # species for 乔木林 (and 疏林地)
    sp = model.species
    w = np.empty((n, len(sp)))
    for k, s in enumerate(sp):
        lo, hi = s.elev_m
        fit = np.where((elev >= lo) & (elev <= hi), 1.0, 0.06)
        bonus = np.where(np.isin(county, list(s.counties_bonus)), 2.0, 1.0) if s.counties_bonus else 1.0
        w[:, k] = s.weight * fit * bonus * np.exp(0.9 * regional(k + 1)) * np.where(
            planted, s.origin_weights.get("人工", 0), s.origin_weights.get("天然", 0))
    w += 1e-9
    species_idx = _pick(u(1), w)
    species = np.array([s.name for s in sp], dtype=object)[species_idx]
    age_w = np.array([[model.age_weights[o][a] for a in AGES] for o in ("人工", "天然")])
    age_idx = _pick(u(2), age_w[np.where(planted, 0, 1)])
    age = np.array(AGES, dtype=object)[age_idx]
    lo = np.array([[s.stock_by_age[a][0] for a in AGES] for s in sp])[species_idx, age_idx]
    hi = np.array([[s.stock_by_age[a][1] for a in AGES] for s in sp])[species_idx, age_idx]
    canopy_rng = np.array([model.extra["canopy"][a] for a in AGES])[age_idx]
    canopy = canopy_rng[:, 0] + (canopy_rng[:, 1] - canopy_rng[:, 0]) * u(3)
    site = 0.85 + 0.3 * u(4)
    stock_ha = np.minimum((lo + (hi - lo) * u(5)) * site * np.clip(canopy / 0.65, 0.6, 1.3), hi * 1.1)
    stems_rng = np.array([model.extra["stems_per_ha"][a] for a in AGES])[age_idx]
    stems = stems_rng[:, 0] + (stems_rng[:, 1] - stems_rng[:, 0]) * u(6)

    dilei = np.full(n, "0111", dtype=object)
    lin_zhong = np.array([s.forest_category for s in sp], dtype=object)[species_idx]
    # bamboo
    bam = kind == 2
    dilei[bam] = "0113"
    species[bam] = "毛竹"
    age[bam] = ""
    canopy[bam] = 0.5 + 0.4 * u(7)[bam]
    stock_ha[bam] = 0.0
    lin_zhong[bam] = "用材林"
    b_rng = model.extra["stems_per_ha"]["竹林"]
    stems[bam] = b_rng[0] + (b_rng[1] - b_rng[0]) * u(6)[bam]
    # shrubs
    shrub = (kind == 3) | (kind == 4)
    dilei[kind == 3] = "0131"
    dilei[kind == 4] = "0132"
    karst = np.isin(county, list(inp.karst_counties))
    shrub_names = np.array(model.extra["shrub_species"], dtype=object)
    karst_names = np.array(model.extra["karst_shrub_species"], dtype=object)
    ks = (u(8) * len(karst_names)).astype(int)
    os_ = (u(8) * len(shrub_names)).astype(int)
    species[shrub] = np.where(karst[shrub], karst_names[ks[shrub]], shrub_names[os_[shrub]])
    age[shrub] = ""
    canopy[shrub] = 0.3 + 0.5 * u(7)[shrub]  # 覆盖度 for shrubland
    stock_ha[shrub] = 0.0
    stems[shrub] = 0.0
    lin_zhong[shrub] = "防护林"
    # other forest land: 疏林地, 未成林造林地, 采伐迹地, 苗圃地
    oth = kind == 5
    ofl = model.extra["other_forest_land"]
    codes = np.array(list(ofl), dtype=object)
    pick = _pick(u(9)[oth], np.tile(np.array(list(ofl.values()), float), (int(oth.sum()), 1)))
    dilei[oth] = codes[pick]
    sparse = oth & (dilei == "0120")
    species[sparse & (species == "油茶")] = "马尾松"  # 油茶 is an orchard-like 经济林, never 疏林
    canopy[sparse] = 0.10 + 0.09 * u(7)[sparse]
    s_lo, s_hi = model.sparse_stock
    stock_ha[sparse] = s_lo + (s_hi - s_lo) * u(5)[sparse]
    stems[sparse] = stems[sparse] * 0.3
    bare = oth & ~sparse
    canopy[bare] = 0.0
    stock_ha[bare] = 0.0
    stems[bare & (dilei == "0141")] = 1500 + 1500 * u(6)[bare & (dilei == "0141")]
    stems[bare & (dilei != "0141")] = 0.0
    species[bare & (dilei == "0161")] = ""
    species[bare & (dilei == "0150")] = "苗木"
    species[bare & (dilei == "0141")] = np.where(u(1)[bare & (dilei == "0141")] < 0.6, "杉木", "马尾松")
    age[oth] = np.where(sparse[oth], age[oth], "")
    origin = origin.astype(object)
    origin[bam] = np.where(u(0)[bam] < 0.7, "人工", "天然")
    origin[shrub] = "天然"
    origin[oth & (dilei != "0120")] = "人工"

    # public-welfare forest
    pw = model.extra["public_welfare"]
    in_reserve = frame["reserve"].to_numpy() >= 0.5
    steep = (slope >= pw["steep_deg"]) | (rel >= pw["high_rel_m"])
    lv_s, w_s = list(pw["shares_if_steep_or_high"]), np.array(list(pw["shares_if_steep_or_high"].values()), float)
    lv_e, w_e = list(pw["shares_elsewhere"]), np.array(list(pw["shares_elsewhere"].values()), float)
    g_s = np.array(lv_s, dtype=object)[_pick(u(11), np.tile(w_s, (n, 1)))]
    g_e = np.array(lv_e, dtype=object)[_pick(u(11), np.tile(w_e, (n, 1)))]
    gyl = np.where(steep, g_s, g_e).astype(object)
    gyl[in_reserve] = "国家级一级"
    public = gyl != "非公益林"
    prot = np.array(pw["protection_forest"], dtype=object)[(u(12) * len(pw["protection_forest"])).astype(int)]
    lin_zhong = np.where(public & ~in_reserve, prot, lin_zhong).astype(object)
    lin_zhong[in_reserve] = "自然保护区林"
    lin_zhong[species == "油茶"] = np.where(public[species == "油茶"], lin_zhong[species == "油茶"], "经济林")
    lin_zhong[(dilei == "0161") | (dilei == "0150")] = np.where(public[(dilei == "0161") | (dilei == "0150")],
                                                               lin_zhong[(dilei == "0161") | (dilei == "0150")],
                                                               "用材林")

    # 林地保护等级 (synthetic, from the fields above, no draw of its own): Ⅰ级 on steep or high ground inside a
    # nature reserve or national park; Ⅱ级 the rest of the reserves and 国家级 public-welfare forest; Ⅲ级 省级
    # public-welfare forest; Ⅳ级 the rest
    bh = np.full(n, "Ⅳ级", dtype=object)
    bh[gyl == "省级"] = "Ⅲ级"
    bh[np.isin(gyl, ["国家级一级", "国家级二级"]) | in_reserve] = "Ⅱ级"
    bh[in_reserve & steep] = "Ⅰ级"

    out["DI_LEI"] = dilei
    out["LIN_ZHONG"] = lin_zhong
    out["QI_YUAN"] = origin
    out["YOU_SHI_SZ"] = species
    out["LING_ZU"] = age
    out["YU_BI_DU"] = np.round(canopy, 2)
    out["MEI_GQ_ZS"] = np.round(stems).astype(np.int32)
    out["GYL_DJ"] = gyl
    out["BH_DJ"] = bh
    out["HAI_BA"] = np.round(elev).astype(np.int32)
    out["PO_DU"] = np.round(slope, 1)
    out["raw_stock_ha"] = stock_ha
    areas = frame.geometry.to_crs(EQUAL_AREA_CRS).area.to_numpy() / M2_PER_HA
    out["MIAN_JI"] = np.round(areas, 4)
    _ = part
    return gpd.GeoDataFrame(pd.concat([out, frame[["county", "cell_i", "cell_j", "kind"]]], axis=1),
                            geometry=frame.geometry.values, crs=STORAGE_CRS)


def number(frame: gpd.GeoDataFrame, cell_deg: float = 0.019) -> gpd.GeoDataFrame:
    """XIANG, CUN, LIN_BAN, XIAO_BAN: township/village from coarse lattices, 林班 = 4 × 4 partition cells,
    小班 numbered within each 林班 (all per county, deterministic order)."""
    f = frame
    ci, cj = f["cell_i"].to_numpy(), f["cell_j"].to_numpy()
    lon = (ci + 0.5) * cell_deg
    lat = (cj + 0.5) * cell_deg
    xi = np.floor(lon / XIANG_DEG).astype(np.int64) * 100_000 + np.floor(lat / XIANG_DEG).astype(np.int64)
    cu = np.floor(lon / CUN_DEG).astype(np.int64) * 100_000 + np.floor(lat / CUN_DEG).astype(np.int64)
    lb = (ci // LIN_BAN_CELLS) * 100_000 + (cj // LIN_BAN_CELLS)
    f = f.assign(_xi=xi, _cu=cu, _lb=lb, _ord=np.arange(len(f)))
    f["XIANG"] = "演示" + (f.groupby("XIAN")["_xi"].rank(method="dense").astype(int)).map("{:02d}乡镇".format)
    f["CUN"] = "演示" + (f.groupby(["XIAN", "_xi"])["_cu"].rank(method="dense").astype(int)).map("{:02d}村".format)
    f["LIN_BAN"] = f.groupby("XIAN")["_lb"].rank(method="dense").astype(int).map("{:04d}".format)
    f = f.sort_values(["XIAN", "LIN_BAN", "cell_j", "cell_i", "kind", "_ord"], kind="stable")
    f["XIAO_BAN"] = (f.groupby(["XIAN", "LIN_BAN"]).cumcount() + 1).map("{:03d}".format)
    return f.sort_values("_ord").drop(columns=["_xi", "_cu", "_lb", "_ord"])


def calibrate_stock(frame: gpd.GeoDataFrame, city_of_county: dict[str, str], targets_10k_m3: dict[str, float]
                    ) -> tuple[gpd.GeoDataFrame, dict[str, float]]:
    """Scale each city's stock per hectare by one factor so its 森林蓄积量 (乔木林, DI_LEI 0111) lands at the
    target; 疏林地 stock (活立木 only) is left as generated. Returns the frame and the factors."""
    f = frame.copy()
    city = f["XIAN"].map(city_of_county)
    arbor = f["DI_LEI"] == "0111"
    raw = f["raw_stock_ha"] * f["MIAN_JI"]
    factors = {}
    scale = pd.Series(1.0, index=f.index)
    for c, target in targets_10k_m3.items():
        m = (city == c) & arbor
        total = float(raw[m].sum())
        if total <= 0:
            continue
        factors[c] = target * 1e4 / total
        scale[m] = factors[c]
    f["MEI_GQ_XJ"] = np.round(f["raw_stock_ha"] * scale, 1)
    f["XU_JI_LIANG"] = np.round(f["MEI_GQ_XJ"] * f["MIAN_JI"], 1)
    return f.drop(columns=["raw_stock_ha"]), factors


def calibrate_coverage(frame: gpd.GeoDataFrame, city_of_county: dict[str, str], land_ha: dict[str, float],
                       targets_pct: dict[str, float], seed: int) -> gpd.GeoDataFrame:
    """Nudge each city's forest coverage onto its target by re-labelling shrubland subcompartments between
    其他灌木林地 (0132) and 国家特别规定灌木林地 (0131), in a hashed order.

    Both are 三调 灌木林地 (305), so the land-cover raster is unchanged. This removes the few tenths of a
    point that smoothing and clipping the polygons cost relative to the raster calibration.
    """
    f = frame.copy()
    city = f["XIAN"].map(city_of_county)
    counted = f["DI_LEI"].isin(["0111", "0113", "0131"])
    order = hash01(seed, STREAM_INV + 40, np.arange(len(f)))
    for c, target in targets_pct.items():
        land = land_ha.get(c, 0.0)
        if land <= 0:
            continue
        gap = target / 100 * land - float(f.loc[(city == c) & counted, "MIAN_JI"].sum())
        src, dst = ("0132", "0131") if gap > 0 else ("0131", "0132")
        idx = np.flatnonzero(((city == c) & (f["DI_LEI"] == src)).to_numpy())
        idx = idx[np.argsort(order[idx], kind="stable")]
        left = abs(gap)
        for k in idx:
            a = float(f["MIAN_JI"].iat[k])
            if left <= a / 2:
                break
            f.iat[k, f.columns.get_loc("DI_LEI")] = dst
            left -= a
    return f
