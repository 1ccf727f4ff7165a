"""The pairs kept, as rows and shapes: reservoir polygons, the line joining a pair, and their attributes."""

from __future__ import annotations

import numpy as np

from .cost import capital_cost_musd
from .dem import Terrain
from .search import SearchResult


def reservoir_polygon(cells: np.ndarray, terrain: Terrain):
    """The outline (DEM CRS) of the flooded cells ``cells`` (flat indices): whole cells, their union."""
    import shapely
    from affine import Affine
    from rasterio.features import shapes

    h, w = terrain.shape
    rows = cells // w
    cols = cells - rows * w
    r0, c0 = int(rows.min()), int(cols.min())
    mask = np.zeros((int(rows.max()) - r0 + 1, int(cols.max()) - c0 + 1), np.uint8)
    mask[rows - r0, cols - c0] = 1
    a, _, c, _, e, f = terrain.transform
    win = Affine(a, 0.0, c + a * c0, 0.0, e, f + e * r0)
    polys = [shapely.geometry.shape(g) for g, v in shapes(mask, mask=mask.astype(bool), transform=win,
                                                            connectivity=8) if v == 1]
    return shapely.union_all(polys) if len(polys) > 1 else polys[0]


def cell_point(idx: int, terrain: Terrain) -> tuple[float, float]:
    h, w = terrain.shape
    r, c = divmod(int(idx), w)
    x, y = terrain.cell_xy(np.array([r]), np.array([c]))
    return float(x[0]), float(y[0])


def pair_rows(result: SearchResult, top: int) -> list[dict]:
    """The first ``top`` pairs kept, best first: each a dict of the pair's and its reservoirs' measures with
    shapes in the DEM's CRS (``upper_geom``, ``lower_geom``, ``line``)."""
    import shapely

    sel = result.selected
    pairs = result.pairs
    res = result.reservoirs
    ter = result.terrain
    opt = result.options
    rows = []
    for i in range(min(int(top), len(sel))):
        k = int(sel.index[i])
        u, l = int(pairs.upper[k]), int(pairs.lower[k])
        head = float(pairs.head[k])
        sep = float(sel.separation_km[i])
        wr = 1.0 / (1.0 / sel.water_rock[i, 0] + 1.0 / sel.water_rock[i, 1])
        pu = cell_point(sel.nearest[i, 0], ter)
        pl = cell_point(sel.nearest[i, 1], ter)
        su = cell_point(res.site[u], ter)
        sl = cell_point(res.site[l], ter)
        row = {
            "rank": i + 1,
            "head_m": head, "separation_km": sep, "slope": head / (sep * 1000.0) if sep > 0 else float("inf"),
            "volume_gl": float(min(sel.volume[i, 0], sel.volume[i, 1])), "energy_gwh": float(opt.energy_gwh),
            "hours": float(opt.hours), "water_rock": float(wr), "cost_class": chr(int(sel.cls[i])),
            "fom": float(sel.fom[i]), "capital_cost_musd": capital_cost_musd(float(sel.fom[i]), opt.energy_gwh,
                                                                              opt.hours),
            "upper_elev_m": float(res.elev[u]), "lower_elev_m": float(res.elev[l]),
            "upper_dam_height_m": float(sel.wall[i, 0]), "lower_dam_height_m": float(sel.wall[i, 1]),
            "upper_area_ha": float(sel.area[i, 0]), "lower_area_ha": float(sel.area[i, 1]),
            "upper_volume_gl": float(sel.volume[i, 0]), "lower_volume_gl": float(sel.volume[i, 1]),
            "upper_water_rock": float(sel.water_rock[i, 0]), "lower_water_rock": float(sel.water_rock[i, 1]),
            "upper_dam_volume_gl": float(sel.rock[i, 0]), "lower_dam_volume_gl": float(sel.rock[i, 1]),
            "upper_dam_length_m": float(sel.dam_length[i, 0]), "lower_dam_length_m": float(sel.dam_length[i, 1]),
            "upper_site": su, "lower_site": sl,
            "upper_geom": reservoir_polygon(sel.cells[i][0], ter), "lower_geom": reservoir_polygon(sel.cells[i][1], ter),
            "line": shapely.LineString([pu, pl]),
        }
        if sel.impact.shape[2] >= 3:
            row["estimate_co2_t"] = float(sel.impact[i, 0, 2] + sel.impact[i, 1, 2])
        rows.append(row)
    return rows


__all__ = ["cell_point", "pair_rows", "reservoir_polygon"]
