"""Tiny ledger fixtures built in code: rectangles drawn in metres in a CGCS2000 3° Gauss–Krüger zone
(EPSG:4547, CM 114°E, near Changsha), reprojected to the storage CRS EPSG:4490.

Layout, in km from the origin (x0, y0) of county A (a 10 km × 10 km square); county B is the square east of it:

    county A  x 0–10,  y 0–10          county B  x 10–20, y 0–10       city 长沙市 = A + B
    zone Z    x 0–5,   y 0–5  (inside A, overlaps it)

    forest subcompartments (小班)                                   stock/ha  species
    F1 0111 乔木林  canopy 0.6   x 0–2,  y 0–3   (600 ha nominal)    100      杉木
    F2 0111 乔木林  canopy 0.5   x 2–4,  y 0–2   (400 ha)             80      马尾松
    F3 0111 乔木林  canopy 0.15  x 4–5,  y 0–2   (200 ha)             50      杉木     < 0.2: not forest
    F4 0120 疏林地               x 5–6,  y 0–2   (200 ha)             20      马尾松   living stock only
    F5 0113 竹林                 x 6–8,  y 0–1   (200 ha)             —       —
    F6 0131 国家特别规定灌木林地 x 8–10, y 0–1   (200 ha)             —       —
    F7 0132 其他灌木林地         x 8–10, y 1–2   (200 ha)             —       —        never forest
    F8 0111 乔木林  canopy 0.7   x 9–11, y 5–6   (200 ha, half in A)  100      栎类

    wetland (三调 codes)   W1 1108 沼泽地  x 0–4, y 6–8;   W2 1101 河流水面  x 4–6, y 6–8
    protected areas       P1 x 1–3, y 5–9;   P2 x 2–5, y 7–10   (they overlap on x 2–3, y 7–9)
"""

from __future__ import annotations

import geopandas as gpd
from pyproj import Geod
from shapely.geometry import box

GK_CRS = "EPSG:4547"
X0, Y0 = 400_000.0, 3_120_000.0  # GK metres: about 113.0°E, 28.2°N

_GEOD = Geod(ellps="GRS80")  # CGCS2000 differs from GRS80 by < 0.1 mm in any area here


def rect(x0_km: float, y0_km: float, x1_km: float, y1_km: float):
    """A rectangle given in km from the origin, in GK metres."""
    return box(X0 + x0_km * 1000, Y0 + y0_km * 1000, X0 + x1_km * 1000, Y0 + y1_km * 1000)


def frame(records: list[dict], rects: list[tuple]) -> gpd.GeoDataFrame:
    """A GeoDataFrame in EPSG:4490 from attribute dicts and km rectangles."""
    return gpd.GeoDataFrame(records, geometry=[rect(*r) for r in rects], crs=GK_CRS).to_crs("EPSG:4490")


def geod_ha(*rects_km: tuple) -> float:
    """Ellipsoidal area (ha) of km rectangles, independently of sinkmap: pyproj.Geod on their EPSG:4490 shape."""
    total = 0.0
    for g in gpd.GeoSeries([rect(*r) for r in rects_km], crs=GK_CRS).to_crs("EPSG:4490"):
        area, _ = _GEOD.geometry_area_perimeter(g)
        total += abs(area)
    return total / 10_000.0


COUNTY_A = (0, 0, 10, 10)
COUNTY_B = (10, 0, 20, 10)
ZONE_Z = (0, 0, 5, 5)
CITY = (0, 0, 20, 10)


def units(with_city: bool = True, with_zone: bool = True) -> gpd.GeoDataFrame:
    recs, rects = [], []
    if with_city:
        recs.append({"name": "长沙市", "adcode": "430100", "level": "city", "parent": "湖南省"})
        rects.append(CITY)
    recs += [{"name": "甲县", "adcode": "430101", "level": "county", "parent": "长沙市"},
             {"name": "乙县", "adcode": "430102", "level": "county", "parent": "430100"}]
    rects += [COUNTY_A, COUNTY_B]
    if with_zone:
        recs.append({"name": "示范区", "adcode": None, "level": "zone", "parent": "长沙市"})
        rects.append(ZONE_Z)
    return frame(recs, rects)


FOREST_RECTS = {
    "F1": (0, 0, 2, 3), "F2": (2, 0, 4, 2), "F3": (4, 0, 5, 2), "F4": (5, 0, 6, 2),
    "F5": (6, 0, 8, 1), "F6": (8, 0, 10, 1), "F7": (8, 1, 10, 2), "F8": (9, 5, 11, 6),
}
F8_IN_A = (9, 5, 10, 6)
F8_IN_B = (10, 5, 11, 6)


def forest(stock_values: dict | None = None) -> gpd.GeoDataFrame:
    """The forest subcompartments; field names as in a Hunan 一张图 layer. ``stock_values`` overrides MEI_GQ_XJ."""
    rows = {
        "F1": ("0111", 0.6, 100.0, "杉木"), "F2": ("0111", 0.5, 80.0, "马尾松"),
        "F3": ("0111", 0.15, 50.0, "杉木"), "F4": ("0120", None, 20.0, "马尾松"),
        "F5": ("0113", None, None, None), "F6": ("0131", None, None, None),
        "F7": ("0132", None, None, None), "F8": ("0111", 0.7, 100.0, "栎类"),
    }
    recs = []
    for key, (dl, ybd, xj, sz) in rows.items():
        if stock_values and key in stock_values:
            xj = stock_values[key]
        recs.append({"XIAO_BAN": key, "DI_LEI": dl, "YU_BI_DU": ybd, "MEI_GQ_XJ": xj, "YOU_SHI_SZ": sz})
    return frame(recs, list(FOREST_RECTS.values()))


WETLAND_RECTS = {"W1": (0, 6, 4, 8), "W2": (4, 6, 6, 8)}
PROTECTED_RECTS = {"P1": (1, 5, 3, 9), "P2": (2, 7, 5, 10)}


def wetland() -> gpd.GeoDataFrame:
    return frame([{"SDMC": "W1", "DLBM": "1108"}, {"SDMC": "W2", "DLBM": "1101"}], list(WETLAND_RECTS.values()))


def protected() -> gpd.GeoDataFrame:
    return frame([{"MC": "P1 湿地公园"}, {"MC": "P2 自然保护区"}], list(PROTECTED_RECTS.values()))
