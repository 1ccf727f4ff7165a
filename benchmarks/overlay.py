"""Benchmark: protected wetland per county (湿地保护率), one union of all protected areas vs per-wetland overlay.

    python benchmarks/overlay.py                       # 长沙市, 600 protected cells, 4000 wetlands
    python benchmarks/overlay.py --cells 300 --wetlands 2000 --jitter 1e-7 --skip-old

Stress fixture resembling real data, in EPSG:4490:

* protected areas — a Voronoi tessellation (shapely.voronoi_polygons) of the city, each cell cut by the
  county borders (real protected areas are registered per county), densified to ~50 m segments like surveyed
  outlines, about 70 % of the pieces kept so neighbours share borders; plus a few large blobs overlapping
  them (overlapping designations). Then every polygon's vertices are jittered independently by ~``--jitter``
  degrees (1e-7° ≈ 1 cm): shared borders — between neighbours and with the county polygons — are no longer
  bit-identical, which is what leaves slivers in a union;
* wetlands — ponds (irregular blobs, 0.5–40 ha) and a few rivers (buffered random walks, tens of km) that
  cross many protected polygons.

Both methods get the same projected (equal-area Albers), repaired geometries and the same per-county
clipping of the wetland layer (features inside a county whole, border ones intersected):

* old — the ledger before this change: ``union_all`` of every protected polygon, that union clipped to each
  county, then intersected with the county's clipped wetland features;
* new — ``sinkmap.analysis.overlay.ProtectedParts``: each wetland feature against only the protected polygons
  meeting it (STRtree), pieces dissolved per feature when several have area.

Prints both times, the ratio, the largest relative difference of the per-county protected wetland areas, and
the end-to-end ``compute_ledger`` time (projection and repair included) as a check of the wiring.
"""

from __future__ import annotations

import argparse
import sys
import time

import geopandas as gpd
import numpy as np
import shapely

from sinkmap.analysis.ledger import LedgerInputs, LedgerOptions, compute_ledger
from sinkmap.analysis.overlay import ProtectedParts
from sinkmap.core.crs import EQUAL_AREA_CRS, M2_PER_HA, STORAGE_CRS
from sinkmap.io.boundaries import load_units

SEGMENT_DEG = 0.0005  # ~50 m: densify protected outlines like surveyed boundaries


# -- fixture ----------------------------------------------------------------------------------------


def _jitter(geoms: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Move every distinct vertex of each polygon by N(0, sigma) degrees, independently per polygon (a ring's
    closing vertex moves with its opening one, so rings stay closed)."""
    out = np.empty(len(geoms), dtype=object)
    for k, g in enumerate(geoms):
        coords = shapely.get_coordinates(g)
        uniq, inverse = np.unique(coords, axis=0, return_inverse=True)
        moved = uniq + rng.normal(0.0, sigma, uniq.shape)
        out[k] = shapely.set_coordinates(g, moved[inverse.ravel()])
    return out


def _random_points(area, n: int, rng: np.random.Generator) -> np.ndarray:
    x0, y0, x1, y1 = area.bounds
    shapely.prepare(area)
    pts = np.empty(0, dtype=object)
    while len(pts) < n:
        cand = shapely.points(rng.uniform(x0, x1, 2 * n), rng.uniform(y0, y1, 2 * n))
        pts = np.concatenate([pts, cand[shapely.contains(area, cand)]])
    return pts[:n]


def protected_areas(counties: gpd.GeoDataFrame, cells: int, jitter: float, rng) -> np.ndarray:
    """Voronoi cells of the city cut by county borders, ~70 % kept, plus overlapping blobs; jittered."""
    city = shapely.union_all(counties.geometry.to_numpy())
    seeds = shapely.multipoints(shapely.get_coordinates(_random_points(city, cells, rng)))
    voronoi = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=shapely.box(*city.bounds)))
    cg = counties.geometry.to_numpy()
    ci, vi = shapely.STRtree(voronoi).query(cg, predicate="intersects")
    pieces = shapely.intersection(voronoi[vi], cg[ci])
    pieces = pieces[shapely.area(pieces) > 0]
    pieces = pieces[rng.random(len(pieces)) < 0.7]
    blobs = shapely.buffer(_random_points(city, max(3, cells // 50), rng), rng.uniform(0.02, 0.06, max(3, cells // 50)))
    blobs = shapely.intersection(blobs, city)
    geoms = shapely.segmentize(np.concatenate([pieces, blobs]), SEGMENT_DEG)
    geoms = shapely.get_parts(geoms)  # cells cut by a county border can be multipart: one polygon per part
    geoms = geoms[shapely.get_type_id(geoms) == 3]
    return _jitter(geoms, jitter, rng)


def wetlands(counties: gpd.GeoDataFrame, n: int, rng) -> np.ndarray:
    """Ponds (irregular blobs) and ~1 % rivers (buffered random walks)."""
    city = shapely.union_all(counties.geometry.to_numpy())
    n_rivers = max(2, n // 100)
    centres = _random_points(city, n - n_rivers, rng)
    radius = np.exp(rng.uniform(np.log(0.0004), np.log(0.0035), len(centres)))  # ~0.5–40 ha
    ponds = shapely.buffer(centres, radius, quad_segs=6)
    ponds = _jitter(ponds, 1e-4, rng)  # irregular shores
    ponds = shapely.make_valid(ponds)
    starts = shapely.get_coordinates(_random_points(city, n_rivers, rng))
    steps = rng.normal(0.0, 0.01, (n_rivers, 40, 2)).cumsum(axis=1)
    rivers = shapely.buffer(shapely.linestrings(starts[:, None, :] + steps), rng.uniform(3e-4, 1.5e-3, n_rivers),
                            quad_segs=3)
    geoms = shapely.intersection(np.concatenate([ponds, rivers]), city)
    geoms = geoms[~shapely.is_empty(geoms)]
    return geoms


# -- the two methods ---------------------------------------------------------------------------------


def _projected(geoms: np.ndarray) -> np.ndarray:
    out = gpd.GeoSeries(geoms, crs=STORAGE_CRS).to_crs(EQUAL_AREA_CRS).to_numpy()
    bad = ~shapely.is_valid(out)
    out[bad] = shapely.make_valid(out[bad])
    return out


def _clip(tree, geoms, area_m2, unit):
    """The ledger's per-unit clip: (positions, clipped area, border positions, clipped geometries)."""
    idx = tree.query(unit, predicate="intersects")
    sub = geoms[idx]
    edge = np.flatnonzero(~shapely.contains_properly(unit, sub))
    clipped, area = sub.copy(), area_m2[idx].copy()
    if edge.size:
        clipped[edge] = shapely.intersection(sub[edge], unit)
        area[edge] = shapely.area(clipped[edge])
    return idx, area, edge, clipped


def old_method(units, wet, wet_area, wet_tree, prot) -> tuple[list[float], float]:
    """One union of all protected areas, clipped to each unit (the ledger before the change)."""
    t0 = time.perf_counter()
    union = shapely.union_all(prot)
    shapely.prepare(union)
    t_union = time.perf_counter() - t0
    out = []
    for unit in units:
        shapely.prepare(unit)
        idx, _, _, clipped = _clip(wet_tree, wet, wet_area, unit)
        p = shapely.intersection(union, unit)
        shapely.prepare(p)
        out.append(float(shapely.area(shapely.intersection(clipped, p)).sum()) if idx.size else 0.0)
    return out, t_union


def new_method(units, wet, wet_area, wet_tree, prot) -> list[float]:
    parts = ProtectedParts(wet, wet_area, prot)
    out = []
    for unit in units:
        shapely.prepare(unit)
        idx, _, edge, _ = _clip(wet_tree, wet, wet_area, unit)
        out.append(parts.area_in(unit, idx, edge))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--city", default="长沙市")
    ap.add_argument("--cells", type=int, default=600, help="Voronoi seeds for the protected tessellation")
    ap.add_argument("--wetlands", type=int, default=4000)
    ap.add_argument("--jitter", type=float, default=1e-7, help="vertex jitter of the protected polygons (degrees)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skip-old", action="store_true", help="do not run the union method (it can take minutes)")
    args = ap.parse_args()

    rng = np.random.default_rng(args.seed)
    t0 = time.perf_counter()
    counties = load_units(city=args.city, level="county")
    prot_ll = protected_areas(counties, args.cells, args.jitter, rng)
    wet_ll = wetlands(counties, args.wetlands, rng)
    print(f"fixture: {len(counties)} counties of {args.city}, {len(prot_ll)} protected polygons "
          f"({int(shapely.get_num_coordinates(prot_ll).sum()):,} vertices, jitter {args.jitter:g}°), "
          f"{len(wet_ll)} wetland polygons — built in {time.perf_counter() - t0:.1f} s")

    units = _projected(counties.geometry.to_numpy())
    prot, wet = _projected(prot_ll), _projected(wet_ll)
    wet_area = shapely.area(wet)
    wet_tree = shapely.STRtree(wet)

    t0 = time.perf_counter()
    new = new_method(units, wet, wet_area, wet_tree, prot)
    t_new = time.perf_counter() - t0
    print(f"new  per-wetland overlay      {t_new:8.2f} s")

    zones = counties.assign(level="county", parent=args.city)
    t0 = time.perf_counter()
    res = compute_ledger(zones, LedgerInputs(wetland=gpd.GeoDataFrame(geometry=wet_ll, crs=STORAGE_CRS),
                                             protected=gpd.GeoDataFrame(geometry=prot_ll, crs=STORAGE_CRS)),
                         LedgerOptions(year=2025))
    t_ledger = time.perf_counter() - t0
    ledger = [r["protected_wetland_area_ha"] * M2_PER_HA for r in res.rows]
    print(f"new  compute_ledger end to end {t_ledger:8.2f} s (projection and repair included)")
    print(f"     compute_ledger vs overlay: max rel. diff {_max_rel(ledger, new):.2e}")

    if not args.skip_old:
        t0 = time.perf_counter()
        old, t_union = old_method(units, wet, wet_area, wet_tree, prot)
        t_old = time.perf_counter() - t0
        print(f"old  union + intersection     {t_old:8.2f} s (union_all alone {t_union:.2f} s)")
        print(f"ratio old / new               {t_old / t_new:8.1f} ×")
        print(f"protected wetland per county: max rel. diff old vs new {_max_rel(old, new):.2e}; "
              f"total {sum(old) / M2_PER_HA:,.3f} ha vs {sum(new) / M2_PER_HA:,.3f} ha")
    return 0


def _max_rel(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a), 1e-9))) if a.size else 0.0


if __name__ == "__main__":
    sys.exit(main())
