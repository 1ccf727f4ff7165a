"""Permanent basic farmland, roads and substations of the demo world (inputs to siting distance rules).

* 永久基本农田: flat paddy and dry-land cells, cut into field blocks (~3.5 km lattice) and by county.
* Roads: expressway corridors between the towns listed in ``layers/demo_geography.yaml`` (roughly where the
  real corridors run, drawn as wiggled straight lines, not real alignments), national/provincial roads on
  the minimum spanning tree of the towns, and county roads joining township centres to the network.
* Substations: those the plans name (``layers/demo_projects.yaml``) near their county seat, a 220 kV
  station per county seat and 110 kV stations at township centres; all approximate.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..core.crs import EQUAL_AREA_CRS, M2_PER_HA, STORAGE_CRS
from .config import Geography
from .grid import Grid, hash01, km_per_deg, text_key, value_noise_2d
from .landcover import DRY, GRASS, IRRIGATED, PADDY
from .lines import wiggle
from .polygons import label_polygons

STREAM_INFRA = 80
FIELD_DEG = 0.035
PRECISION = "approximate (synthetic placement; not a real location)"


def farmland(codes: np.ndarray, slope: np.ndarray, grid: Grid, county_idx: np.ndarray,
             counties: gpd.GeoDataFrame, seed: int) -> gpd.GeoDataFrame:
    """永久基本农田 polygons (fields: JBNTBH, DLMC, XIAN, MIAN_JI)."""
    dl = np.zeros(codes.shape, np.int64)
    dl[(codes == PADDY) | (codes == IRRIGATED)] = 1
    dl[codes == DRY] = 2
    lon, lat = grid.lon(), grid.lat()
    bi = np.floor(lon / FIELD_DEG).astype(np.int64)[None, :]
    bj = np.floor(lat / FIELD_DEG).astype(np.int64)[:, None]
    # not all farmland is 永久基本农田: leave out the fringe of built-up land and irregular patches
    built = (codes >= 500) & (codes < 1000)
    near_built = built.copy()
    near_built[1:] |= built[:-1]
    near_built[:-1] |= built[1:]
    near_built[:, 1:] |= built[:, :-1]
    near_built[:, :-1] |= built[:, 1:]
    patches = value_noise_2d(seed, STREAM_INFRA, lon, lat, 0.03, 0.9) < 0.3
    ok = (dl > 0) & (slope < 8) & ~near_built & ~patches & (county_idx >= 0)
    i0, j0 = int(bi.min()), int(bj.min())
    block = (bi - i0) * (int(bj.max()) - j0 + 1) + (bj - j0)
    label = np.where(ok, ((block * 3 + dl) * 64 + county_idx + 1), 0).astype(np.int32)
    frame = label_polygons(label, grid, county_idx, counties, simplify_cells=1.1)
    names = counties["name"].to_numpy()
    frame["XIAN"] = names[frame["county"].to_numpy()]
    kind = (frame["label"].to_numpy() // 64) % 3
    frame["DLMC"] = np.where(kind == 1, "水田", "旱地")
    frame["MIAN_JI"] = np.round(frame.to_crs(EQUAL_AREA_CRS).area / M2_PER_HA, 4)
    frame = frame[frame["MIAN_JI"] > 0.5].reset_index(drop=True)
    frame["JBNTBH"] = frame.groupby("XIAN").cumcount().add(1).map("{:05d}".format)
    frame["JBNTLX"] = "永久基本农田"
    return frame[["JBNTBH", "JBNTLX", "DLMC", "XIAN", "MIAN_JI", "geometry"]]


def basic_grassland(codes: np.ndarray, grid: Grid, county_idx: np.ndarray,
                    counties: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """基本草原 polygons (fields: CYBH, CYMC, CYLX, XIAN, MIAN_JI): the summit grassland of the land cover
    (三调 0404 其他草地, the 南山牧场-like mountain meadows), every patch of at least 5 ha declared 基本草原 —
    synthetic, like the rest: Hunan's real 基本草原 is not known to this generator. No random draw."""
    label = np.where((codes == GRASS) & (county_idx >= 0), county_idx + 1, 0).astype(np.int32)
    if not (label > 0).any():
        return gpd.GeoDataFrame({"CYBH": [], "CYMC": [], "CYLX": [], "XIAN": [], "MIAN_JI": []},
                                geometry=gpd.GeoSeries([], crs=STORAGE_CRS), crs=STORAGE_CRS)
    frame = label_polygons(label, grid, county_idx, counties, simplify_cells=1.1)
    names = counties["name"].to_numpy()
    frame["XIAN"] = names[frame["county"].to_numpy()]
    frame["MIAN_JI"] = np.round(frame.to_crs(EQUAL_AREA_CRS).area / M2_PER_HA, 4)
    frame = frame[frame["MIAN_JI"] >= 5.0].reset_index(drop=True)
    frame["CYBH"] = frame.groupby("XIAN").cumcount().add(1).map("{:04d}".format)
    frame["CYMC"] = frame["XIAN"] + "演示基本草原" + frame["CYBH"]
    frame["CYLX"] = "其他草地"
    return frame[["CYBH", "CYMC", "CYLX", "XIAN", "MIAN_JI", "geometry"]]


def _town_xy(geo: Geography) -> dict[str, tuple[float, float]]:
    return {t.name: (t.lon, t.lat) for t in geo.towns}


def _mst(points: np.ndarray) -> list[tuple[int, int]]:
    """Prim's minimum spanning tree on planar points (km-scaled)."""
    n = len(points)
    if n < 2:
        return []
    kx, ky = km_per_deg(float(points[:, 1].mean()))
    p = points * np.array([kx, ky])
    inside = np.zeros(n, bool)
    inside[0] = True
    best = np.hypot(*(p - p[0]).T)
    parent = np.zeros(n, int)
    edges = []
    for _ in range(n - 1):
        d = np.where(inside, np.inf, best)
        k = int(d.argmin())
        edges.append((int(parent[k]), k))
        inside[k] = True
        nd = np.hypot(*(p - p[k]).T)
        closer = nd < best
        best[closer] = nd[closer]
        parent[closer] = k
    return edges


def roads(geo: Geography, corridors: list[list[str]], area: shapely.Geometry, grid: Grid, seed: int
          ) -> gpd.GeoDataFrame:
    """Road lines (fields: DLMC name, DLDJ grade, CD_KM length) clipped to ``area``."""
    xy = _town_xy(geo)
    rows = []
    for a, b in corridors:
        if a in xy and b in xy:
            line = wiggle(np.array([xy[a], xy[b]]), seed, 7000 + text_key(a + b) % 100_000, amplitude=0.08, levels=6)
            rows.append((f"{a}—{b} 高速（演示）", "高速公路", line))
    names = [t.name for t in geo.towns]
    pts = np.array([xy[n] for n in names])
    for i, j in _mst(pts):
        line = wiggle(pts[[i, j]], seed, 8000 + i * 100 + j, amplitude=0.15, levels=6)
        rows.append((f"{names[i]}—{names[j]} 国省道（演示）", "国道/省道", line))
    # county roads: township centres (a 0.12° lattice, jittered) joined to the nearest road vertex
    verts = np.concatenate([r[2] for r in rows]) if rows else pts
    step = 0.12
    i0, i1 = math.floor(grid.west / step), math.ceil(grid.east / step)
    j0, j1 = math.floor(grid.south / step), math.ceil(grid.north / step)
    ii, jj = np.meshgrid(np.arange(i0, i1), np.arange(j0, j1))
    ii, jj = ii.ravel(), jj.ravel()
    cx = (ii + 0.2 + 0.6 * hash01(seed, STREAM_INFRA + 1, ii, jj)) * step
    cy = (jj + 0.2 + 0.6 * hash01(seed, STREAM_INFRA + 2, ii, jj)) * step
    inside = shapely.contains_xy(area, cx, cy)
    kx, ky = km_per_deg((grid.north + grid.south) / 2)
    n = 0
    for x, y in zip(cx[inside], cy[inside]):
        d = np.hypot((verts[:, 0] - x) * kx, (verts[:, 1] - y) * ky)
        k = int(d.argmin())
        if d[k] < 1.0:
            continue
        n += 1
        line = wiggle(np.array([[x, y], verts[k]]), seed, 90_000 + n, amplitude=0.2, levels=5)
        rows.append((f"演示县道 X{n:03d}", "县道", line))
        verts = np.concatenate([verts, line])
    frame = gpd.GeoDataFrame({"DLMC": [r[0] for r in rows], "DLDJ": [r[1] for r in rows]},
                             geometry=[shapely.LineString(r[2]) for r in rows], crs=STORAGE_CRS)
    frame["geometry"] = frame.geometry.intersection(area)
    frame = frame[~frame.geometry.is_empty & frame.geometry.geom_type.isin(["LineString", "MultiLineString"])]
    frame["CD_KM"] = np.round(frame.to_crs(EQUAL_AREA_CRS).length / 1000, 2)
    return frame.reset_index(drop=True)


def substations(geo: Geography, named: list[dict], counties: gpd.GeoDataFrame, seed: int
                ) -> gpd.GeoDataFrame:
    """Substation points (fields: BDZMC, DYDJ_KV, status, XIAN, plan quote/source, location_precision)."""
    geoms = dict(zip(counties["name"], counties.geometry))
    seat = {t.county: (t.lon, t.lat) for t in geo.towns}
    rows = []

    def place(county: str, key: str, rmin: float, rmax: float) -> shapely.Point | None:
        if county not in geoms:
            return None
        x0, y0 = seat.get(county, (geoms[county].centroid.x, geoms[county].centroid.y))
        kx, ky = km_per_deg(y0)
        for attempt in range(20):
            u = hash01(seed, STREAM_INFRA + 3, text_key(key) % 1_000_003, attempt, np.arange(2))
            r = rmin + (rmax - rmin) * float(u[0])
            a = 2 * math.pi * float(u[1])
            p = shapely.Point(x0 + r * math.cos(a) / kx, y0 + r * math.sin(a) / ky)
            if geoms[county].contains(p):
                return p
        return geoms[county].representative_point()

    for s in named:
        p = place(s["county"], s["name"], 3.0, 9.0)
        if p is None:
            continue
        rows.append({"BDZMC": s["name"], "DYDJ_KV": int(s["voltage_kv"]), "status": s["status"],
                     "status_text": s.get("status_text", ""), "XIAN": s["county"], "quote": s["quote"],
                     "seed": s["seed"], "line": int(s["line"]), "county_note": s.get("county_note", ""),
                     "location_precision": "approximate (county-level; plan gives no coordinates)", "geometry": p})
    for t in geo.towns:
        if t.county not in geoms:
            continue
        p = place(t.county, "seat" + t.name, 1.0, 3.0)
        rows.append({"BDZMC": f"{t.name}220千伏变电站（演示）", "DYDJ_KV": 220, "status": "在运", "status_text": "",
                     "XIAN": t.county, "quote": "", "seed": "", "line": 0, "county_note": "",
                     "location_precision": PRECISION, "geometry": p})
    for name, g in zip(counties["name"], counties.geometry):
        n_sub = max(1, int(round(_area_km2(g) / 400)))
        for k in range(n_sub):
            p = place(name, f"110-{name}-{k}", 4.0, 25.0)
            rows.append({"BDZMC": f"{name}演示110千伏变电站{k + 1}", "DYDJ_KV": 110, "status": "在运",
                         "status_text": "", "XIAN": name, "quote": "", "seed": "", "line": 0, "county_note": "",
                         "location_precision": PRECISION, "geometry": p})
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=STORAGE_CRS)


def _area_km2(g: shapely.Geometry) -> float:
    return float(gpd.GeoSeries([g], crs=STORAGE_CRS).to_crs(EQUAL_AREA_CRS).area.iloc[0] / 1e6)
