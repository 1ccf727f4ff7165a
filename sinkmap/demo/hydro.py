"""Water in the demo world: reservoirs flooded behind dams, lakes and marshes, river channel polygons.

Reservoirs are filled on the medium-resolution elevation: from the dam (snapped to the nearest stream of
the generated network) every connected cell upstream of the dam and below ``bed + depth`` is water, so a
reservoir takes the dendritic shape of its valley (东江湖 fills the 耒水 valley behind its dam).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from rasterio.features import rasterize, shapes

from .config import Geography, Lake
from .grid import Grid, hash01, km_per_deg, text_key
from .terrain import Network

STREAM_LAKE = 30


@dataclass
class WaterBody:
    name: str
    kind: str  # 水库 / 湖泊 / 沼泽
    geometry: shapely.Geometry  # EPSG:4490 polygon
    level_m: float


def _snap_to_network(lake: Lake, net: Network) -> tuple[np.ndarray, np.ndarray]:
    """The network vertex nearest the dam and the downstream direction there (unit vector, km frame)."""
    kx, ky = km_per_deg(lake.lat)
    best = (math.inf, 0, 0)
    for li, line in enumerate(net.lines):
        d = np.hypot((line[:, 0] - lake.lon) * kx, (line[:, 1] - lake.lat) * ky)
        k = int(d.argmin())
        if d[k] < best[0]:
            best = (float(d[k]), li, k)
    _, li, k = best
    line = net.lines[li]
    a = line[max(0, k - 2)]
    b = line[min(len(line) - 1, k + 2)]
    v = np.array([(b[0] - a[0]) * kx, (b[1] - a[1]) * ky])
    n = float(np.hypot(*v)) or 1.0
    return line[k], v / n


def flood_reservoir(lake: Lake, net: Network, elev: np.ndarray, grid: Grid) -> tuple[np.ndarray, tuple, float]:
    """Boolean mask (window) of the reservoir behind ``lake``'s dam, the window (r0, r1, c0, c1), level.

    The water level is searched (bisection on the depth above the dam's bed) so that the flooded area
    comes near ``lake.area_km2``.
    """
    dam, down = _snap_to_network(lake, net)
    kx, ky = km_per_deg(lake.lat)
    rad = lake.max_radius_km
    r0 = max(0, int((grid.north - dam[1] - rad / ky) / grid.res))
    r1 = min(grid.height, int((grid.north - dam[1] + rad / ky) / grid.res) + 1)
    c0 = max(0, int((dam[0] - rad / kx - grid.west) / grid.res))
    c1 = min(grid.width, int((dam[0] + rad / kx - grid.west) / grid.res) + 1)
    win = elev[r0:r1, c0:c1]
    X, Y = np.meshgrid((grid.lon(np.arange(c0, c1)) - dam[0]) * kx, (grid.lat(np.arange(r0, r1)) - dam[1]) * ky)
    dr, dc = grid.index(dam[0], dam[1])
    dr, dc = dr - r0, dc - c0
    bed = float(win[max(0, dr - 1):dr + 2, max(0, dc - 1):dc + 2].min())
    upstream = (X * down[0] + Y * down[1]) <= 0.25
    reach = upstream & (np.hypot(X, Y) <= rad)
    cell_km2 = (grid.res * kx) * (grid.res * ky)
    lo, hi = 0.5, 400.0
    for _ in range(18):
        depth = (lo + hi) / 2
        area = _fill(win < bed + depth, reach, dr, dc).sum() * cell_km2
        lo, hi = (depth, hi) if area < lake.area_km2 else (lo, depth)
    m_lo, m_hi = _fill(win < bed + lo, reach, dr, dc), _fill(win < bed + hi, reach, dr, dc)
    if abs(m_hi.sum() * cell_km2 - lake.area_km2) < abs(m_lo.sum() * cell_km2 - lake.area_km2):
        return m_hi, (r0, r1, c0, c1), bed + hi
    return m_lo, (r0, r1, c0, c1), bed + lo


def _fill(below: np.ndarray, reach: np.ndarray, dr: int, dc: int) -> np.ndarray:
    """Cells of ``below & reach`` 4-connected to the cells near (dr, dc)."""
    cand = below & reach
    mask = np.zeros_like(cand)
    ys, xs = np.nonzero(cand[max(0, dr - 2):dr + 3, max(0, dc - 2):dc + 3])
    for y, x in zip(ys, xs):
        mask[max(0, dr - 2) + y, max(0, dc - 2) + x] = True
    while True:  # 4-connected flood fill by repeated dilation inside the candidate cells
        grown = mask.copy()
        grown[1:] |= mask[:-1]
        grown[:-1] |= mask[1:]
        grown[:, 1:] |= mask[:, :-1]
        grown[:, :-1] |= mask[:, 1:]
        grown &= cand
        if (grown == mask).all():
            break
        mask = grown
    return mask


def blob(lake: Lake, seed: int, irregularity: float = 0.12) -> shapely.Polygon:
    """An irregular round polygon of about ``radius_km`` around the lake's centre (``irregularity``: the
    amplitude of the first harmonic of the radius, relative)."""
    kx, ky = km_per_deg(lake.lat)
    k = np.arange(24)
    key = text_key(lake.name) % 1_000_003
    harmonics = sum(
        irregularity / (h + 1) * np.cos(h * 2 * np.pi * k / 24 + 2 * np.pi * float(hash01(seed, STREAM_LAKE, key, h)))
        for h in range(1, 5)
    )
    r = lake.radius_km * np.maximum(1 + harmonics, 0.3)
    ang = 2 * np.pi * k / 24
    return shapely.Polygon(np.c_[lake.lon + r * np.cos(ang) / kx, lake.lat + r * np.sin(ang) / ky]).buffer(0)


def polygonize(mask: np.ndarray, grid: Grid, smooth_cells: float = 0.35) -> shapely.Geometry:
    """The cells of ``mask`` as one (multi)polygon, corners rounded by a small open/close buffer."""
    polys = [shapely.geometry.shape(g) for g, v in shapes(mask.astype(np.uint8), mask=mask, transform=grid.transform)
             if v == 1]
    if not polys:
        return shapely.Polygon()
    geom = shapely.union_all(polys)
    d = smooth_cells * grid.res
    rounded = geom.buffer(d, quad_segs=3).buffer(-2 * d, quad_segs=3).buffer(d, quad_segs=3)
    return shapely.simplify(rounded, 0.3 * grid.res, preserve_topology=True)


def water_bodies(geo: Geography, net: Network, elev: np.ndarray, grid: Grid, seed: int) -> list[WaterBody]:
    """Reservoirs (flooded), lakes and marshes (blobs) of the geography file, inside ``grid``."""
    out = []
    for lake in geo.lakes:
        if not (grid.west < lake.lon < grid.east and grid.south < lake.lat < grid.north):
            continue
        if lake.kind == "水库":
            mask, (r0, r1, c0, c1), level = flood_reservoir(lake, net, elev, grid)
            if mask.sum() < 2:
                continue
            sub = Grid(grid.west + c0 * grid.res, grid.north - r0 * grid.res, grid.res, c1 - c0, r1 - r0)
            geom = polygonize(mask, sub)
        else:
            geom = blob(lake, seed)
            level = float("nan")
        if not geom.is_empty:
            out.append(WaterBody(lake.name, lake.kind, geom, level))
    return out


def burn_levels(elev: np.ndarray, grid: Grid, bodies: list[WaterBody]) -> None:
    """Flatten ``elev`` (in place) under each water body: a reservoir at its level, a lake at its lowest
    cell (blobs sit on the floodplain)."""
    for b in bodies:
        if b.kind == "沼泽":
            continue
        m = rasterize([(b.geometry, 1)], out_shape=grid.shape, transform=grid.transform, dtype="uint8") == 1
        if not m.any():
            continue
        level = b.level_m if b.level_m == b.level_m else float(elev[m].min())
        b.level_m = level  # remembered: the DEM is flattened to the same level
        elev[m] = level
