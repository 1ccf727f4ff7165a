"""Wetland polygons of the demo world (湿地 by 湿地类 / 湿地型), split by county and river reach.

Sources: river channels (the network's lines buffered to their width), reservoirs and lakes (flooded /
drawn by :mod:`.hydro`), marsh and inland flats (the 1106/1108 cells of the land cover), and ponds
(库塘) scattered over paddy land — their number per city is calibrated so the city's wetland area lands
near its calibrated level. Fields follow common wetland-survey names so sinkmap's field mapping finds
them: SDMC (name), SDLX (湿地类), SD_XING (湿地型), XIAN, MIAN_JI (ha).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..core.crs import EQUAL_AREA_CRS, M2_PER_HA, STORAGE_CRS
from .grid import Grid, hash01, km_per_deg
from .hydro import WaterBody, polygonize
from .landcover import FLAT, MARSH, PADDY
from .terrain import Network

STREAM_POND = 50
REACH_DEG = 0.08  # rivers are cut into reaches on this lattice (≈ 8 km)

TYPE_OF_BODY = {"水库": ("人工湿地", "库塘"), "湖泊": ("湖泊湿地", "永久性淡水湖"), "沼泽": ("沼泽湿地", "草本沼泽")}


def river_polygons(net: Network) -> gpd.GeoDataFrame:
    """Channel polygons: each line buffered by half its width (in metres, on the equal-area plane)."""
    lines = gpd.GeoSeries([shapely.LineString(x) for x in net.lines], crs=STORAGE_CRS).to_crs(EQUAL_AREA_CRS)
    half = np.asarray(net.widths_m) / 2
    polys = shapely.buffer(lines.values, half, quad_segs=3, cap_style="round")
    frame = gpd.GeoDataFrame(
        {"name": net.names, "width_m": net.widths_m, "order": net.order},
        geometry=gpd.GeoSeries(polys, crs=EQUAL_AREA_CRS).to_crs(STORAGE_CRS).values, crs=STORAGE_CRS,
    )
    return frame


POND_MEAN_HA = 0.5 + 7.5 / 3.5  # mean of 0.5 + 7.5·u^2.5 for u uniform


def ponds(codes: np.ndarray, grid: Grid, city: np.ndarray, city_names: list[str], per_city: dict[str, int],
          seed: int, scale: float = 1.0) -> gpd.GeoDataFrame:
    """``per_city[c]`` small ponds (0.5–8 ha × ``scale``, irregular) on paddy cells of each city."""
    rows, cols = np.nonzero(codes == PADDY)
    if len(rows) == 0:
        return gpd.GeoDataFrame({"city": []}, geometry=[], crs=STORAGE_CRS)
    gr = rows + int(round(grid.north / grid.res))
    gc = cols + int(round(grid.west / grid.res))
    rank = hash01(seed, STREAM_POND, gr, gc)
    picks, names = [], []
    for ci, name in enumerate(city_names):
        n = per_city.get(name, 0)
        sel = np.flatnonzero(city[rows, cols] == ci)
        if n <= 0 or len(sel) == 0:
            continue
        picks.append(sel[np.argsort(rank[sel], kind="stable")[:n]])
        names += [name] * min(n, len(sel))
    if not picks:
        return gpd.GeoDataFrame({"city": []}, geometry=[], crs=STORAGE_CRS)
    k = np.concatenate(picks)
    kx, ky = km_per_deg((grid.north + grid.south) / 2)
    u = hash01(seed, STREAM_POND + 1, gr[k, None], gc[k, None], np.arange(4)[None, :])
    lon = grid.west + (cols[k] + 0.2 + 0.6 * u[:, 0]) * grid.res
    lat = grid.north - (rows[k] + 0.2 + 0.6 * u[:, 1]) * grid.res
    area_ha = (0.5 + 7.5 * u[:, 2] ** 2.5) * scale
    r_km = np.sqrt(area_ha / 100 / np.pi)[:, None]
    ang = np.linspace(0, 2 * np.pi, 9)[None, :-1] + u[:, 3:4] * 6
    rr = r_km * (0.75 + 0.5 * hash01(seed, STREAM_POND + 2, gr[k, None], gc[k, None], np.arange(8)[None, :]))
    ring = np.stack([lon[:, None] + rr * np.cos(ang) / kx, lat[:, None] + rr * np.sin(ang) / ky], axis=-1)
    geoms = shapely.polygons(np.concatenate([ring, ring[:, :1]], axis=1))
    return gpd.GeoDataFrame({"city": names}, geometry=geoms, crs=STORAGE_CRS)


def split_by(frame: gpd.GeoDataFrame, pieces: np.ndarray, labels: np.ndarray, column: str) -> gpd.GeoDataFrame:
    """Cut each polygon of ``frame`` by the ``pieces`` (a partition: counties, lattice cells) it touches;
    polygons inside one piece are kept whole (the common case, and the fast one)."""
    geoms = np.asarray(frame.geometry.values, dtype=object)
    pieces = np.asarray(pieces, dtype=object)
    shapely.prepare(pieces)
    # the pieces (few, large) are the query input: each is prepared once
    gi, pi = shapely.STRtree(geoms).query(pieces, predicate="intersects")[::-1]
    order = np.lexsort((pi, gi))
    gi, pi = gi[order], pi[order]
    count = np.bincount(gi, minlength=len(geoms))
    single = count == 1
    first = np.full(len(geoms), -1)
    first[gi[::-1]] = pi[::-1]
    whole = single.copy()
    whole[single] = shapely.contains(pieces[first[single]], geoms[single])
    keep_rows = np.flatnonzero(whole)
    cut_pairs = ~whole[gi]
    rows = np.concatenate([keep_rows, gi[cut_pairs]])
    new_geoms = np.concatenate([geoms[keep_rows], shapely.intersection(geoms[gi[cut_pairs]], pieces[pi[cut_pairs]])])
    new_labels = np.concatenate([labels[first[keep_rows]], labels[pi[cut_pairs]]])
    if len(new_labels) == 0:
        new_labels = labels[:0]
    out = frame.iloc[rows].copy()
    out[column] = new_labels
    out = out.set_geometry(new_geoms)
    out["geometry"] = [_polygonal(g) for g in out.geometry.values]
    return out[~out.geometry.is_empty].reset_index(drop=True)


def _polygonal(g: shapely.Geometry) -> shapely.Geometry:
    if g.geom_type in ("Polygon", "MultiPolygon"):
        return g
    parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def reach_lattice(bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    w, s, e, n = bounds
    xs = np.arange(np.floor(w / REACH_DEG), np.ceil(e / REACH_DEG)) * REACH_DEG
    ys = np.arange(np.floor(s / REACH_DEG), np.ceil(n / REACH_DEG)) * REACH_DEG
    X, Y = np.meshgrid(xs, ys)
    boxes = shapely.box(X.ravel(), Y.ravel(), X.ravel() + REACH_DEG, Y.ravel() + REACH_DEG)
    return boxes, np.arange(len(boxes))


def wetland_frame(rivers: gpd.GeoDataFrame, bodies: list[WaterBody], codes: np.ndarray, grid: Grid,
                  counties: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Rivers, reservoirs, lakes, marsh and flats as wetland polygons clipped to the counties (ponds come
    later, see :func:`add_ponds`), with survey-style fields."""
    parts = []
    r = rivers.copy()
    r["SDMC"] = [n if n else "" for n in r["name"]]
    r["SDLX"] = "河流湿地"
    r["SD_XING"] = "永久性河流"
    parts.append(r[["SDMC", "SDLX", "SD_XING", "geometry"]])
    if bodies:
        b = gpd.GeoDataFrame({
            "SDMC": [x.name for x in bodies],
            "SDLX": [TYPE_OF_BODY[x.kind][0] for x in bodies],
            "SD_XING": [TYPE_OF_BODY[x.kind][1] for x in bodies],
        }, geometry=[x.geometry for x in bodies], crs=STORAGE_CRS)
        parts.append(b)
    main = rivers[rivers["order"] == 1]
    # floodplain flats hug the channel: the flat cells, kept within ~300 m of the water's edge
    banks = (gpd.GeoSeries([shapely.union_all(main.geometry.values)], crs=STORAGE_CRS).to_crs(EQUAL_AREA_CRS)
             .buffer(300, quad_segs=3).to_crs(STORAGE_CRS).iloc[0]) if len(main) else None
    for code, lx, xing in ((FLAT, "河流湿地", "洪泛平原湿地"), (MARSH, "沼泽湿地", "草本沼泽")):
        geom = polygonize(codes == code, grid, smooth_cells=0.45)
        if code == FLAT and banks is not None and not geom.is_empty:
            geom = geom.intersection(banks)
        if not geom.is_empty:
            geoms = list(getattr(geom, "geoms", [geom]))
            g = gpd.GeoDataFrame({"SDMC": [""] * len(geoms), "SDLX": lx, "SD_XING": xing},
                                 geometry=geoms, crs=STORAGE_CRS)
            parts.append(g)
    allw = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=STORAGE_CRS)
    # later parts yield to earlier ones (rivers, then lakes, then marsh/flats, then ponds): no overlap
    allw["_prio"] = np.arange(len(allw))
    allw = split_by(allw, *reach_lattice(allw.total_bounds), "reach")
    allw = remove_overlaps(allw.sort_values(["_prio", "reach"], kind="stable").reset_index(drop=True))
    allw = allw.drop(columns=["_prio"])
    cut = split_by(allw, counties.geometry.values, counties["name"].to_numpy(), "XIAN")
    cut = cut.explode(index_parts=False).reset_index(drop=True)
    cut = cut.drop(columns=["reach"])
    cut["MIAN_JI"] = (cut.to_crs(EQUAL_AREA_CRS).area / M2_PER_HA).round(4)
    cut = cut[cut["MIAN_JI"] >= 0.05].reset_index(drop=True)
    return cut[["SDMC", "SDLX", "SD_XING", "XIAN", "MIAN_JI", "geometry"]]


def add_ponds(wetlands: gpd.GeoDataFrame, pond_frame: gpd.GeoDataFrame, counties: gpd.GeoDataFrame
              ) -> gpd.GeoDataFrame:
    """Append ponds (人工湿地 / 库塘) minus any wetland already mapped, clipped to the counties."""
    if pond_frame.empty:
        return wetlands
    p = gpd.GeoDataFrame({"SDMC": [""] * len(pond_frame), "SDLX": "人工湿地", "SD_XING": "库塘"},
                         geometry=pond_frame.geometry.values, crs=STORAGE_CRS)
    p = remove_overlaps(p)
    existing = np.asarray(wetlands.geometry.values, dtype=object)
    shapely.prepare(existing)
    a, b = shapely.STRtree(existing).query(np.asarray(p.geometry.values, dtype=object), predicate="intersects")
    geoms = np.asarray(p.geometry.values, dtype=object)
    for i in np.unique(a):
        geoms[i] = shapely.difference(geoms[i], shapely.union_all(existing[b[a == i]]))
    new = p.set_geometry(gpd.GeoSeries(geoms, index=p.index, crs=STORAGE_CRS))
    new = new[~new.geometry.is_empty]
    new = split_by(new, counties.geometry.values, counties["name"].to_numpy(), "XIAN")
    new = new.explode(index_parts=False).reset_index(drop=True)
    new["MIAN_JI"] = (new.to_crs(EQUAL_AREA_CRS).area / M2_PER_HA).round(4)
    new = new[new["MIAN_JI"] >= 0.05]
    out = pd.concat([wetlands, new[wetlands.columns]], ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=STORAGE_CRS)


def ponds_needed(wetlands: gpd.GeoDataFrame, county_city: dict[str, str], targets_ha: dict[str, float],
                 scale: float = 1.0) -> dict[str, int]:
    """How many ponds (mean POND_MEAN_HA × ``scale``) bring each city's wetland area to its target."""
    have = wetlands.groupby(wetlands["XIAN"].map(county_city))["MIAN_JI"].sum()
    mean_ha = POND_MEAN_HA * scale
    return {c: max(0, int(round((t - float(have.get(c, 0.0))) / mean_ha))) for c, t in targets_ha.items()}


def remove_overlaps(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Each polygon minus the polygons before it (priority = row order): no area is counted twice."""
    geoms = np.array(frame.geometry.values, dtype=object)
    shapely.prepare(geoms)
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="intersects")
    earlier = b < a
    a, b = a[earlier], b[earlier]
    overlap = shapely.relate_pattern(geoms[a], geoms[b], "2********")  # interiors share area, not just an edge
    a, b = a[overlap], b[overlap]
    for i in np.unique(a):
        others = geoms[b[a == i]]
        geoms[i] = shapely.difference(geoms[i], shapely.union_all(others))
    out = frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs))
    return out[~out.geometry.is_empty].reset_index(drop=True)


def rescale_ponds(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame, county_city: dict[str, str],
                  targets_ha: dict[str, float], n_ponds: dict[str, int]) -> dict[str, int]:
    """Pond counts scaled by (area still needed) / (area the first ``n_ponds`` actually added), per city."""
    def by_city(f: gpd.GeoDataFrame) -> pd.Series:
        return f.groupby(f["XIAN"].map(county_city))["MIAN_JI"].sum()

    b, a = by_city(before), by_city(after)
    out = {}
    for c, n in n_ponds.items():
        added = float(a.get(c, 0.0)) - float(b.get(c, 0.0))
        need = targets_ha.get(c, 0.0) - float(b.get(c, 0.0))
        out[c] = int(round(n * need / added)) if added > 0 and need > 0 else n
    return out
