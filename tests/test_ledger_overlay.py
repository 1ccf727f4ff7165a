"""Protected wetland (湿地保护率) of the vector ledger: the per-wetland overlay of sinkmap.analysis.overlay.

1. A hand-made fixture in km (GK zone EPSG:4547, as tests/fixtures_ledger.py), expected areas worked out
   by hand and measured independently with pyproj.Geod (fx.geod_ha / _geod_km below).
2. A random fixture in lon/lat with protected polygons that share borders (a Voronoi tessellation whose
   vertices are jittered by ~1e-7°, so shared borders are not bit-identical) and overlap (blobs): the ledger
   must equal, to 1e-6 relative, the plain definition area(wetland ∩ county ∩ unary_union(protected))
   computed here with shapely alone.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import Polygon

import fixtures_ledger as fx
from sinkmap.analysis.ledger import LedgerInputs, LedgerOptions, compute_ledger
from sinkmap.analysis.overlay import ProtectedParts
from sinkmap.core.crs import EQUAL_AREA_CRS
from sinkmap.core.feedback import NullFeedback

REL = 1e-4  # Albers vs geodesic edges of the fixture's rectangles: well under 0.01 %


def run(units: gpd.GeoDataFrame, wetland: gpd.GeoDataFrame, protected: gpd.GeoDataFrame):
    result = compute_ledger(units, LedgerInputs(wetland=wetland, protected=protected), LedgerOptions(year=2025),
                            NullFeedback())
    return {r["name"]: r for r in result.rows}, result


def _km_polygon(coords_km) -> Polygon:
    return Polygon([(fx.X0 + x * 1000, fx.Y0 + y * 1000) for x, y in coords_km])


def _geod_km(*coords_km) -> float:
    """Ellipsoidal area (ha) of polygons given by their km vertices, with pyproj.Geod (independent of sinkmap)."""
    geod, total = Geod(ellps="GRS80"), 0.0
    for g in gpd.GeoSeries([_km_polygon(c) for c in coords_km], crs=fx.GK_CRS).to_crs("EPSG:4490"):
        total += abs(geod.geometry_area_perimeter(g)[0])
    return total / 10_000.0


# -- 1. hand-made fixture ------------------------------------------------------------------------------
#
#   county 甲 x -1–4, y -1–3        county 乙 x 4–14, y -1–3          (their border x = 4)
#
#   wetland                                     protected areas
#   W1 x 0–2,     y 0–1    (200 ha)             P1 x 0–1,     y 0–1      } overlap x 0.5–1, y 0–0.5
#   W2 x 3.5–4.5, y 0.2–0.8 (60 ha, on x = 4)   P2 x 0.5–1.5, y -0.5–0.5 }
#   W3 x 3.1–3.4, y 0.1–0.4 (9 ha, inside P3)   P3 x 3–4,     y 0–1      } share the edge x = 4 exactly
#   W4 x 5–6,     y 0–0.5  (touches P4 at x=5)  P4 x 4–5,     y 0–1      } (also the county border)
#   W5 x 6–7,     y 0–1    (no protected area)  P5 bow-tie (10,0)-(12,2)-(12,0)-(10,2): invalid,
#   W6 x 10–12,   y 0.5–1.5 (200 ha)                two triangles meeting at (11, 1) once repaired

W = {"W1": (0, 0, 2, 1), "W2": (3.5, 0.2, 4.5, 0.8), "W3": (3.1, 0.1, 3.4, 0.4), "W4": (5, 0, 6, 0.5),
     "W5": (6, 0, 7, 1), "W6": (10, 0.5, 12, 1.5)}
P = {"P1": (0, 0, 1, 1), "P2": (0.5, -0.5, 1.5, 0.5), "P3": (3, 0, 4, 1), "P4": (4, 0, 5, 1)}
BOWTIE = [(10, 0), (12, 2), (12, 0), (10, 2)]
# W6 ∩ each triangle: a pentagon; the strip y 0.5–1.5 of a triangle of half-width min(y, 2 − y) km:
# ∫0.5..1 y dy + ∫1..1.5 (2 − y) dy = 0.375 + 0.375 = 0.75 km² = 75 ha each, 150 ha in all
LEFT = [(10, 0.5), (10.5, 0.5), (11, 1), (10.5, 1.5), (10, 1.5)]
RIGHT = [(12, 0.5), (11.5, 0.5), (11, 1), (11.5, 1.5), (12, 1.5)]


@pytest.fixture(scope="module")
def hand():
    units = fx.frame([{"name": "甲县", "level": "county"}, {"name": "乙县", "level": "county"}],
                     [(-1, -1, 4, 3), (4, -1, 14, 3)])
    wetland = fx.frame([{"SDMC": k} for k in W], list(W.values()))
    protected = fx.frame([{"MC": k} for k in P], list(P.values()))
    bowtie = gpd.GeoDataFrame({"MC": ["P5"]}, geometry=[_km_polygon(BOWTIE)], crs=fx.GK_CRS).to_crs("EPSG:4490")
    protected = gpd.GeoDataFrame(pd.concat([protected, bowtie], ignore_index=True), crs="EPSG:4490")
    return run(units, wetland, protected)


def test_overlapping_protected_areas_count_once(hand):
    rows, _ = hand
    a = rows["甲县"]
    # W1 ∩ (P1 ∪ P2) = x 0–1, y 0–1 (100 ha) + x 1–1.5, y 0–0.5 (25 ha) = 125 ha;
    # P1 and P2 each measured alone would give 100 + 50 = 150 ha (their 25 ha overlap counted twice)
    w1 = fx.geod_ha((0, 0, 1, 1), (1, 0, 1.5, 0.5))
    # W2's west half (x 3.5–4, 30 ha) lies in P3; W3 (9 ha) lies wholly inside P3
    w2_west, w3 = fx.geod_ha((3.5, 0.2, 4, 0.8)), fx.geod_ha(W["W3"])
    assert a["wetland_area_ha"] == pytest.approx(fx.geod_ha(W["W1"]) + w2_west + w3, rel=REL)
    assert a["protected_wetland_area_ha"] == pytest.approx(w1 + w2_west + w3, rel=REL)
    assert a["wetland_protection_rate_pct"] == pytest.approx(
        (w1 + w2_west + w3) / (fx.geod_ha(W["W1"]) + w2_west + w3) * 100, rel=REL)  # (125+30+9)/(200+30+9) ≈ 68.6 %


def test_edge_sharing_untouched_and_repaired_protected_areas(hand):
    rows, result = hand
    b = rows["乙县"]
    # W2's east half (x 4–4.5, 30 ha) lies in P4, which shares its edge x = 4 with P3 and the county border;
    # W4 only touches P4 along x = 5 (0 ha); W5 meets no protected area (0 ha);
    # W6 ∩ the repaired bow-tie = the two pentagons, 75 + 75 = 150 ha
    w2_east = fx.geod_ha((4, 0.2, 4.5, 0.8))
    wet = w2_east + fx.geod_ha(W["W4"], W["W5"], W["W6"])  # 30 + 50 + 100 + 200 = 380 ha nominal
    prot = w2_east + _geod_km(LEFT, RIGHT)  # 30 + 150 = 180 ha nominal
    assert b["wetland_area_ha"] == pytest.approx(wet, rel=REL)
    assert b["protected_wetland_area_ha"] == pytest.approx(prot, rel=REL)
    assert b["wetland_protection_rate_pct"] == pytest.approx(prot / wet * 100, rel=REL)  # ≈ 47.4 %
    assert any("1 invalid geometries" in w for w in map(str, result.warnings))
    assert "dissolved" in result.basis["wetland_protection_rate_pct"]


def test_wetland_touching_no_protected_area():
    units = fx.frame([{"name": "甲县", "level": "county"}], [(-1, -1, 4, 3)])
    wetland = fx.frame([{"SDMC": "W1"}], [W["W1"]])
    protected = fx.frame([{"MC": "far"}], [(3, 2, 3.5, 2.5)])  # inside the county, away from W1
    rows, _ = run(units, wetland, protected)
    assert rows["甲县"]["wetland_area_ha"] == pytest.approx(fx.geod_ha(W["W1"]), rel=REL)
    assert rows["甲县"]["protected_wetland_area_ha"] == 0.0
    assert rows["甲县"]["wetland_protection_rate_pct"] == 0.0


def test_geos_failure_falls_back_to_a_1cm_grid(monkeypatch):
    """If GEOS cannot node a pair at full precision, that pair is redone snap-rounded to 1 cm (simulated here:
    every full-precision array call fails); the area stays the exact one within 1 cm × perimeter."""
    real, snapped = shapely.intersection, []

    def flaky(a, b, grid_size=None, **kw):
        if grid_size is None:
            raise shapely.errors.GEOSException("TopologyException: simulated")
        snapped.append(grid_size)
        return real(a, b, grid_size=grid_size, **kw)

    wet = np.array([shapely.box(0, 0, 2000, 1000)], dtype=object)  # metres, equal-area
    prot = np.array([shapely.box(0, 0, 1000, 1000), shapely.box(500, -500, 1500, 500)], dtype=object)
    monkeypatch.setattr(shapely, "intersection", flaky)
    parts = ProtectedParts(wet, shapely.area(wet), prot)
    got = parts.area_in(shapely.box(-10, -10, 3000, 3000), np.array([0]), np.array([], dtype=int))
    assert got == pytest.approx(1000 * 1000 + 500 * 500, abs=0.01 * 6000)  # 125 ha
    assert snapped and set(snapped) == {0.01}


# -- 2. random fixture with shared (jittered) borders -----------------------------------------------------

ORIGIN = (112.9, 28.1)  # lon, lat near 长沙
SIDE = 0.2  # degrees, about 20 km


def _jitter(geoms: np.ndarray, sigma: float, rng) -> np.ndarray:
    out = np.empty(len(geoms), dtype=object)
    for k, g in enumerate(geoms):
        uniq, inverse = np.unique(shapely.get_coordinates(g), axis=0, return_inverse=True)
        out[k] = shapely.set_coordinates(g, (uniq + rng.normal(0.0, sigma, uniq.shape))[inverse.ravel()])
    return out


def _random_fixture(seed: int = 7):
    rng = np.random.default_rng(seed)
    x0, y0 = ORIGIN
    square = shapely.box(x0, y0, x0 + SIDE, y0 + SIDE)
    zig = [(x0 + SIDE * f, y0 + SIDE * (0.5 + 0.1 * (-1) ** k)) for k, f in enumerate(np.linspace(0, 1, 9))]
    south = Polygon([(x0, y0), (x0 + SIDE, y0)] + zig[::-1])
    north = Polygon([(x0, y0 + SIDE), (x0 + SIDE, y0 + SIDE)] + zig[::-1])
    # protected: 45 Voronoi cells cut by the county border (~60 polygons sharing borders), densified, plus
    # 5 blobs overlapping them; every polygon jittered by 1e-7° on its own
    seeds = shapely.multipoints(rng.uniform([x0, y0], [x0 + SIDE, y0 + SIDE], (45, 2)))
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=square))
    cells = np.concatenate([shapely.intersection(cells, south), shapely.intersection(cells, north)])
    cells = shapely.get_parts(cells)
    cells = cells[(shapely.get_type_id(cells) == 3) & (shapely.area(cells) > 0)]
    cells = cells[rng.random(len(cells)) < 0.8]
    blobs = shapely.buffer(shapely.points(rng.uniform([x0, y0], [x0 + SIDE, y0 + SIDE], (5, 2))), 0.015)
    protected = _jitter(shapely.segmentize(np.concatenate([cells, blobs]), 0.002), 1e-7, rng)
    # wetlands: 190 ponds (irregular blobs) and 10 strips crossing many cells and the county border
    centres = shapely.points(rng.uniform([x0, y0], [x0 + SIDE, y0 + SIDE], (190, 2)))
    ponds = shapely.make_valid(_jitter(shapely.buffer(centres, rng.uniform(0.001, 0.006, 190), quad_segs=5),
                                       2e-4, rng))
    ends = rng.uniform([x0, y0], [x0 + SIDE, y0 + SIDE], (10, 2, 2))
    strips = shapely.buffer(shapely.linestrings(ends), 0.001, quad_segs=2)
    wetlands = shapely.intersection(np.concatenate([ponds, strips]), square)
    return [south, north], protected, wetlands


def test_random_fixture_equals_unary_union_reference():
    counties, protected, wetlands = _random_fixture()
    units = gpd.GeoDataFrame({"name": ["南县", "北县"], "level": ["county", "county"]}, geometry=counties,
                             crs="EPSG:4490")
    rows, _ = run(units, gpd.GeoDataFrame(geometry=wetlands, crs="EPSG:4490"),
                  gpd.GeoDataFrame(geometry=protected, crs="EPSG:4490"))

    # reference: the definition, with shapely alone — one union of all protected areas, then intersections
    def albers(geoms):
        g = gpd.GeoSeries(list(geoms), crs="EPSG:4490").to_crs(EQUAL_AREA_CRS).to_numpy()
        return shapely.make_valid(g)

    units_a, prot_a, wet_a = albers(counties), albers(protected), albers(wetlands)
    union = shapely.unary_union(prot_a)
    # the fixture is what it should be: wetlands over several protected polygons, overlaps, shared borders
    tree = shapely.STRtree(prot_a)
    hits = np.bincount(tree.query(wet_a, predicate="intersects")[0], minlength=len(wet_a))
    assert len(prot_a) >= 50 and len(wet_a) == 200 and (hits >= 2).sum() >= 30 and (hits == 0).sum() >= 5
    assert shapely.area(prot_a).sum() > shapely.area(union) * 1.02  # blobs overlap the cells
    for name, unit in zip(["南县", "北县"], units_a):
        in_unit = shapely.intersection(wet_a, unit)
        wet = shapely.area(in_unit).sum() / 1e4
        prot = shapely.area(shapely.intersection(in_unit, union)).sum() / 1e4
        assert 0.2 < prot / wet < 0.95
        assert rows[name]["wetland_area_ha"] == pytest.approx(wet, rel=1e-6)
        assert rows[name]["protected_wetland_area_ha"] == pytest.approx(prot, rel=1e-6)
        assert rows[name]["wetland_protection_rate_pct"] == pytest.approx(prot / wet * 100, rel=1e-6)
