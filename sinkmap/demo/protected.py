"""Protected areas (自然保护地) and the ecological red line (生态保护红线) of the demo world.

* Named areas from ``layers/demo_protected.yaml``: blobs around approximate centres, or wetland parks
  built from the demo's own wetland polygons of the named lake/river near the centre.
* Demo forest parks ('演示森林公园 N') on high forested ground until each city's protected share (自然保护地
  面积占比) reaches its calibrated level.
* Demo wetland protection areas ('演示湿地保护小区 N') over unprotected wetland polygons until each city's
  wetland protection rate reaches its calibrated level.
* The red line is a separate layer: the highest forested ground of each city (plus the protected areas)
  up to a calibrated share of the land. It is not a 自然保护地 type and does not count toward the wetland
  protection rate.

Fields: BHDMC (name), BHDLX (type), BHDJB (level), XIAN, MIAN_JI (ha), location_precision.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from rasterio.features import rasterize, shapes

from ..core.crs import EQUAL_AREA_CRS, M2_PER_HA, STORAGE_CRS
from .grid import Grid, hash01
from .hydro import blob
from .config import Lake
from .wetlands import remove_overlaps, split_by

STREAM_PA = 70
PRECISION_NAMED = "approximate (real area, shape and position drawn for the demo; not the official boundary)"
PRECISION_DEMO = "synthetic (demo area; no real counterpart)"
RESERVE_TYPES = ("国家公园", "自然保护区")
CORRIDOR_M = 40.0  # a wetland protection area reaches this far beyond the water's edge


@dataclass
class CityFrame:
    """What calibration needs about each city: land area (ha) and its counties."""

    land_ha: dict[str, float]
    counties_of: dict[str, list[str]]


def _area_ha(geoms) -> np.ndarray:
    return gpd.GeoSeries(list(geoms), crs=STORAGE_CRS).to_crs(EQUAL_AREA_CRS).area.to_numpy() / M2_PER_HA


def _buffer_km(geom: shapely.Geometry, km: float) -> shapely.Geometry:
    s = gpd.GeoSeries([geom], crs=STORAGE_CRS).to_crs(EQUAL_AREA_CRS).buffer(km * 1000, quad_segs=3)
    return s.to_crs(STORAGE_CRS).iloc[0]


def named_areas(doc: dict, counties: gpd.GeoDataFrame, wetlands: gpd.GeoDataFrame, seed: int) -> gpd.GeoDataFrame:
    """The named protected areas of the data file, clipped to their county."""
    by_name = dict(zip(counties["name"], counties.geometry))
    rows = []
    for a in doc.get("areas", []):
        county = by_name.get(a["county"])
        if county is None:
            continue  # county not generated (subset run)
        lake = Lake(a["name"], "blob", float(a["lon"]), float(a["lat"]), radius_km=float(a["radius_km"]))
        circle = blob(lake, seed)
        if a.get("wetland"):
            near = wetlands[wetlands["SDMC"].isin(a.get("water", [])) & wetlands.intersects(circle)
                            & (wetlands["XIAN"] == a["county"])]
            if near.empty:
                continue
            geom = _buffer_km(shapely.union_all(near.geometry.values), float(a.get("margin_km", 0.15)))
            geom = geom.intersection(circle) if not a.get("margin_km") else geom
        else:
            geom = circle
        geom = geom.intersection(county)
        if geom.is_empty:
            continue
        rows.append({"BHDMC": a["name"], "BHDLX": a["type"], "BHDJB": a["level"], "XIAN": a["county"],
                     "location_precision": PRECISION_NAMED, "plan_source": a.get("source", ""), "geometry": geom})
    return gpd.GeoDataFrame(rows, columns=["BHDMC", "BHDLX", "BHDJB", "XIAN", "location_precision", "plan_source",
                                           "geometry"], crs=STORAGE_CRS)


def _protected_share(frame: gpd.GeoDataFrame, city: CityFrame, county_city: dict[str, str]) -> dict[str, float]:
    out = {}
    for c, land in city.land_ha.items():
        sub = frame[frame["XIAN"].map(county_city) == c]
        area = float(_area_ha([shapely.union_all(sub.geometry.values)])[0]) if len(sub) else 0.0
        out[c] = 100 * area / land if land else 0.0
    return out


def demo_parks(frame: gpd.GeoDataFrame, counties: gpd.GeoDataFrame, grid: Grid, rel: np.ndarray,
               county_idx: np.ndarray, city: CityFrame, targets_pct: dict[str, float], seed: int
               ) -> gpd.GeoDataFrame:
    """Add '演示森林公园 N' on high ground until each city's protected share reaches its target."""
    county_city = dict(zip(counties["name"], counties["parent"]))
    share = _protected_share(frame, city, county_city)
    names = counties["name"].to_numpy()
    geoms_by_county = dict(zip(counties["name"], counties.geometry))
    protected_mask = rasterize(((g, 1) for g in frame.geometry), out_shape=grid.shape, transform=grid.transform,
                               dtype="uint8") if len(frame) else np.zeros(grid.shape, np.uint8)
    # candidate centres: a 0.1° lattice, ranked by height above the valley floor (unprotected cells only)
    step = max(1, int(round(0.16 / grid.res)))
    h, w = (grid.height // step) * step, (grid.width // step) * step
    r = np.where(protected_mask[:h, :w] == 0, rel[:h, :w], np.nan).reshape(h // step, step, w // step, step)
    with warnings.catch_warnings():  # blocks entirely protected or outside: NaN, by design
        warnings.simplefilter("ignore", RuntimeWarning)
        score = np.nanmean(r, axis=(1, 3))
    cidx = county_idx[step // 2:h:step, step // 2:w:step]
    order = np.argsort(-np.nan_to_num(score, nan=-1e9), axis=None, kind="stable")
    rows = []
    taken = list(frame.geometry)
    n = 0
    for c, target in targets_pct.items():
        if c not in share:
            continue
        need_ha = (target - share[c]) / 100 * city.land_ha[c]
        for flat in order:
            if need_ha <= 0:
                break
            i, j = divmod(int(flat), score.shape[1])
            k = cidx[i, j]
            if k < 0 or county_city.get(names[k]) != c or not np.isfinite(score[i, j]):
                continue
            lon = grid.west + (j * step + step / 2) * grid.res
            lat = grid.north - (i * step + step / 2) * grid.res
            radius = 3.5 + 4.0 * float(hash01(seed, STREAM_PA, i, j))
            lon += (float(hash01(seed, STREAM_PA, i, j, 1)) - 0.5) * 0.08
            lat += (float(hash01(seed, STREAM_PA, i, j, 2)) - 0.5) * 0.08
            n += 1
            geom = blob(Lake(f"演示森林公园 {n}", "blob", lon, lat, radius_km=radius), seed, irregularity=0.45)
            geom = geom.intersection(geoms_by_county[names[k]])
            hits = [g for g in taken if g.intersects(geom)]
            if hits:
                geom = geom.difference(shapely.union_all(hits))
            if geom.is_empty:
                continue
            taken.append(geom)
            rows.append({"BHDMC": f"演示森林公园 {n}", "BHDLX": "森林公园", "BHDJB": "省级", "XIAN": names[k],
                         "location_precision": PRECISION_DEMO, "plan_source": "", "geometry": geom})
            need_ha -= float(_area_ha([geom])[0])
            score[i, j] = np.nan
    if not rows:
        return frame
    return gpd.GeoDataFrame(pd.concat([frame, gpd.GeoDataFrame(rows, crs=STORAGE_CRS)], ignore_index=True),
                            crs=STORAGE_CRS)


def trim_parks(frame: gpd.GeoDataFrame, counties: gpd.GeoDataFrame, city: CityFrame, targets_pct: dict[str, float]
               ) -> gpd.GeoDataFrame:
    """Drop demo forest parks (last added first) of cities whose protected share ended above target
    (the wetland protection corridors add more land than the water they hold)."""
    county_city = dict(zip(counties["name"], counties["parent"]))
    area = _area_ha(frame.geometry.values)
    keep = np.ones(len(frame), bool)
    is_park = frame["BHDMC"].str.startswith("演示森林公园").to_numpy()
    cities = frame["XIAN"].map(county_city).to_numpy()
    for c, target in targets_pct.items():
        land = city.land_ha.get(c, 0.0)
        if land <= 0:
            continue
        share = 100 * area[cities == c].sum() / land  # features do not overlap (see finish)
        for k in np.flatnonzero(is_park & (cities == c))[::-1]:
            if share <= target + 0.2:
                break
            if share - 100 * area[k] / land >= target - 0.4:
                keep[k] = False
                share -= 100 * area[k] / land
    return frame[keep].reset_index(drop=True)


def protected_wetland_ha(wetlands: gpd.GeoDataFrame, protected: gpd.GeoDataFrame) -> np.ndarray:
    """Per wetland polygon, the area (ha) inside the protected areas (overlapping areas counted once).

    Pairs come from a spatial index: a wetland inside one protected polygon counts whole (the common
    case); otherwise its intersections with the protected polygons it touches are unioned and measured.
    """
    out = np.zeros(len(wetlands))
    if protected.empty or wetlands.empty:
        return out
    pg = np.asarray(protected.geometry.values, dtype=object)
    shapely.prepare(pg)
    wg = np.asarray(wetlands.geometry.values, dtype=object)
    # query with the (few, large) protected polygons as input: each is prepared once
    b, a = shapely.STRtree(wg).query(pg, predicate="intersects")
    if len(a) == 0:
        return out
    whole = np.zeros(len(wg), bool)
    whole[a[shapely.contains(pg[b], wg[a])]] = True
    out[whole] = wetlands["MIAN_JI"].to_numpy()[whole]
    rest = ~whole[a]
    a, b = a[rest], b[rest]
    if len(a):
        # cut the (large) protected polygon to the wetland's box first: much faster than the whole
        bounds = shapely.bounds(wg[a])
        pieces = np.array([_clipped_intersection(w, p, bb) for w, p, bb in zip(wg[a], pg[b], bounds)],
                          dtype=object)
        order = np.argsort(a, kind="stable")
        a, pieces = a[order], pieces[order]
        starts = np.flatnonzero(np.r_[True, a[1:] != a[:-1]])
        ends = np.r_[starts[1:], len(a)]
        merged = np.array([pieces[s] if e - s == 1 else shapely.union_all(pieces[s:e]) for s, e in zip(starts, ends)],
                          dtype=object)
        out[a[starts]] = _area_ha(merged)
    return out


def _clipped_intersection(w: shapely.Geometry, p: shapely.Geometry, bb) -> shapely.Geometry:
    try:
        return shapely.intersection(w, shapely.make_valid(shapely.clip_by_rect(p, *bb)))
    except shapely.errors.GEOSException:  # clipping can fail on degenerate rings: do it the slow way
        return shapely.intersection(w, p)


def expected_corridor_land_ha(wetlands: gpd.GeoDataFrame, protected: gpd.GeoDataFrame,
                              county_city: dict[str, str], targets_pct: dict[str, float]) -> dict[str, float]:
    """Per city, the land the wetland protection areas added later will take: the wetland still to protect
    times the mean (area + CORRIDOR_M × perimeter) / area of the city's unprotected wetland."""
    city = wetlands["XIAN"].map(county_city).to_numpy()
    prot = protected_wetland_ha(wetlands, protected)
    area = wetlands["MIAN_JI"].to_numpy()
    perim_m = wetlands.to_crs(EQUAL_AREA_CRS).length.to_numpy()
    out = {}
    for c, t in targets_pct.items():
        m = city == c
        free = m & (prot < 0.5 * area)
        ratio = ((area[free] + CORRIDOR_M * perim_m[free] / M2_PER_HA).sum() / area[free].sum()
                 if area[free].sum() > 0 else 1.0)
        out[c] = max(0.0, t / 100 * float(area[m].sum()) - float(prot[m].sum())) * ratio
    return out


def wetland_protection(wetlands: gpd.GeoDataFrame, protected: gpd.GeoDataFrame, counties: gpd.GeoDataFrame,
                       targets_pct: dict[str, float], seed: int) -> gpd.GeoDataFrame:
    """Add '演示湿地保护小区 N' over unprotected wetland until each city's protection rate reaches its
    target (wetland polygons taken compact-first, skipping any that would overshoot by > 0.5 pp).

    A protection area is a corridor CORRIDOR_M beyond the water's edge (see :func:`_with_corridors`), so it
    also covers bits of neighbouring wetland: a second pass aims lower by the overshoot of the first.
    """
    county_city = dict(zip(counties["name"], counties["parent"]))
    city = wetlands["XIAN"].map(county_city).to_numpy()
    area = wetlands["MIAN_JI"].to_numpy()
    compact = area / np.maximum(shapely.get_num_coordinates(np.asarray(wetlands.geometry.values, dtype=object)), 4)
    prot = protected_wetland_ha(wetlands, protected)
    aims = dict(targets_pct)
    out = protected
    for _ in range(2):
        out = _with_corridors(protected, wetlands, _select(city, area, prot, aims, seed, compact), counties)
        got = protected_wetland_ha(wetlands, out)
        for c, target in targets_pct.items():
            m = city == c
            if area[m].sum() > 0:
                aims[c] -= 100 * got[m].sum() / area[m].sum() - target
    return out


def _select(city: np.ndarray, area: np.ndarray, prot: np.ndarray, aims: dict[str, float], seed: int,
            compact: np.ndarray | None = None) -> np.ndarray:
    """Wetland polygons to protect, in order of ``compact`` (area per vertex: rivers' main reaches, lakes,
    reservoirs and ponds before long thin streams, as protection programmes do; it also keeps the
    protected layer light) broken by a position hash."""
    rank = hash01(seed, STREAM_PA + 1, np.arange(len(area)))
    if compact is not None:
        rank = -np.log1p(compact) + 0.5 * rank
    chosen = np.zeros(len(area), bool)
    for c, target in aims.items():
        m = city == c
        total = area[m].sum()
        if total <= 0:
            continue
        have = prot[m].sum()
        for k in np.flatnonzero(m)[np.argsort(rank[m], kind="stable")]:
            if have >= target / 100 * total:
                break
            gain = area[k] - prot[k]
            if gain <= 0.01 or (have + gain) / total * 100 > target + 0.5:
                continue
            chosen[k] = True
            have += gain
    return chosen


def _with_corridors(protected: gpd.GeoDataFrame, wetlands: gpd.GeoDataFrame, chosen: np.ndarray,
                    counties: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``protected`` plus one protection area per county and 0.2° block over the chosen wetland.

    Each chosen piece is widened by CORRIDOR_M and simplified by 0.75 × CORRIDOR_M (so it still holds the
    water), then the pieces of a block are merged. Not reusing the wetland outlines exactly matters: overlays
    of polygons that share edges exactly are very slow in GEOS, and every consumer intersects wetland with
    protected areas.
    """
    if not chosen.any():
        return protected
    sel = wetlands[chosen]
    pts = sel.geometry.representative_point()
    blk = (np.floor(pts.x.to_numpy() / 0.2) * 1000 + np.floor(pts.y.to_numpy() / 0.2)).astype(np.int64)
    metric = np.asarray(sel.to_crs(EQUAL_AREA_CRS).geometry.values, dtype=object)
    wide = shapely.simplify(shapely.buffer(metric, CORRIDOR_M, quad_segs=2), 0.75 * CORRIDOR_M, preserve_topology=True)
    keys = pd.MultiIndex.from_arrays([sel["XIAN"].to_numpy(), blk])
    groups = pd.Series(np.arange(len(sel))).groupby(keys, sort=True)
    merged, names = [], []
    for (xian, _), idx in groups:
        merged.append(shapely.union_all(wide[idx.to_numpy()]))
        names.append(xian)
    geoms = gpd.GeoSeries(merged, crs=EQUAL_AREA_CRS).to_crs(STORAGE_CRS).values
    county_geom = dict(zip(counties["name"], counties.geometry))
    geoms = shapely.intersection(geoms, np.array([county_geom[x] for x in names], dtype=object))
    start = int((protected["BHDLX"] == "湿地保护小区").sum()) + 1 if len(protected) else 1
    rows = [{"BHDMC": f"演示湿地保护小区 {n}", "BHDLX": "湿地保护小区", "BHDJB": "县级", "XIAN": xian,
             "location_precision": PRECISION_DEMO, "plan_source": "", "geometry": g}
            for n, (xian, g) in enumerate(zip(names, geoms), start=start)]
    return gpd.GeoDataFrame(pd.concat([protected, gpd.GeoDataFrame(rows, crs=STORAGE_CRS)], ignore_index=True),
                            crs=STORAGE_CRS)


def finish(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Final protected-area layer: overlaps removed (earlier rows win: named areas first), areas in ha."""
    f = remove_overlaps(frame.reset_index(drop=True))
    f["MIAN_JI"] = np.round(_area_ha(f.geometry.values), 2)
    return f[["BHDMC", "BHDLX", "BHDJB", "XIAN", "MIAN_JI", "location_precision", "plan_source", "geometry"]]


def redline(grid: Grid, rel: np.ndarray, forest: np.ndarray, city_idx: np.ndarray, city_names: list[str],
            protected: gpd.GeoDataFrame, counties: gpd.GeoDataFrame, share: float) -> gpd.GeoDataFrame:
    """生态保护红线 (demo): per city the forested cells highest above the valley floor, plus the
    protected areas, up to ``share`` of the land; polygonised on a 2× coarser grid, split by county."""
    mask = np.zeros(grid.shape, bool)
    area = np.broadcast_to(grid.cell_area_m2()[:, None], grid.shape)
    pmask = rasterize(((g, 1) for g in protected.geometry), out_shape=grid.shape, transform=grid.transform,
                      dtype="uint8") == 1 if len(protected) else np.zeros(grid.shape, bool)
    for ci, _ in enumerate(city_names):
        in_city = city_idx == ci
        land = area[in_city].sum()
        if land == 0:
            continue
        base = in_city & pmask
        need = share * land - area[base].sum()
        cand = in_city & forest & ~pmask
        if need > 0 and cand.any():
            r = rel[cand]
            order = np.argsort(-r, kind="stable")
            k = int(np.searchsorted(np.cumsum(area[cand][order]), need))
            t = r[order[min(k, len(order) - 1)]]
            base |= cand & (rel >= t)
        mask |= base
    coarse = grid.coarsen(2) if grid.width % 2 == 0 and grid.height % 2 == 0 else grid
    if coarse is not grid:
        m2 = mask.reshape(coarse.height, 2, coarse.width, 2).mean(axis=(1, 3)) >= 0.5
    else:
        m2 = mask
    polys = [shapely.geometry.shape(g) for g, v in shapes(m2.astype(np.uint8), mask=m2, transform=coarse.transform)]
    if not polys:
        return gpd.GeoDataFrame({"HXMC": [], "XIAN": [], "MIAN_JI": []}, geometry=[], crs=STORAGE_CRS)
    geoms = shapely.coverage_simplify(np.array(polys, dtype=object), 1.1 * coarse.res)
    rl = gpd.GeoDataFrame({"HXMC": "生态保护红线（演示）"}, geometry=list(geoms), crs=STORAGE_CRS,
                          index=range(len(polys)))
    rl = split_by(rl, counties.geometry.values, counties["name"].to_numpy(), "XIAN")
    rl = rl.dissolve(by="XIAN", as_index=False)
    rl["HXMC"] = "生态保护红线（演示）" + rl["XIAN"]
    rl["MIAN_JI"] = np.round(_area_ha(rl.geometry.values), 2)
    rl["location_precision"] = PRECISION_DEMO
    return rl[["HXMC", "XIAN", "MIAN_JI", "location_precision", "geometry"]]

