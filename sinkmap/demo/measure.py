"""What the generated layers measure, per city and county: the calibration achieved (manifest.json).

Computed directly from the layers with the ledger's definitions (DOMAIN.md §2): coverage = (乔木林 with
canopy ≥ 0.2 + 竹林 + 国家特别规定灌木林) / land area; stock = Σ 乔木林 XU_JI_LIANG; protection rate =
wetland inside the dissolved protected areas / wetland. Areas on the equal-area projection.
"""

from __future__ import annotations

import geopandas as gpd

from ..core.crs import EQUAL_AREA_CRS, M2_PER_HA
from .protected import protected_wetland_ha

COUNTED = ("0111", "0113", "0131")
MIN_CANOPY = 0.2


def land_ha(counties: gpd.GeoDataFrame) -> dict[str, float]:
    return dict(zip(counties["name"], counties.to_crs(EQUAL_AREA_CRS).area.to_numpy() / M2_PER_HA))


def measure(counties: gpd.GeoDataFrame, forest: gpd.GeoDataFrame, wetland: gpd.GeoDataFrame,
            protected: gpd.GeoDataFrame) -> dict[str, dict[str, dict[str, float]]]:
    """{'cities': {city: indicators}, 'counties': {county: indicators}}."""
    land = land_ha(counties)
    city_of = dict(zip(counties["name"], counties["parent"]))
    counted = forest["DI_LEI"].isin(COUNTED) & ((forest["DI_LEI"] != "0111") | (forest["YU_BI_DU"] >= MIN_CANOPY))
    f_area = forest["MIAN_JI"].where(counted, 0.0)
    stock = forest["XU_JI_LIANG"].where(forest["DI_LEI"] == "0111", 0.0)
    prot = protected_wetland_ha(wetland, protected)
    w = wetland.assign(_prot=prot)
    # protected features are clipped to their county (XIAN) and do not overlap (protected.finish)
    pa_by_county = {name: 0.0 for name in counties["name"]}
    if len(protected):
        areas = protected.to_crs(EQUAL_AREA_CRS).area.groupby(protected["XIAN"].to_numpy()).sum() / M2_PER_HA
        pa_by_county.update({k: float(v) for k, v in areas.items() if k in pa_by_county})
    per_county = {}
    for name in counties["name"]:
        fm = forest["XIAN"] == name
        wm = w["XIAN"] == name
        per_county[name] = {
            "land_ha": land[name],
            "forest_ha": float(f_area[fm].sum()),
            "stock_m3": float(stock[fm].sum()),
            "living_stock_m3": float(forest.loc[fm, "XU_JI_LIANG"].sum()),
            "wetland_ha": float(w.loc[wm, "MIAN_JI"].sum()),
            "protected_wetland_ha": float(w.loc[wm, "_prot"].sum()),
            "protected_ha": pa_by_county[name],
            "subcompartments": int(fm.sum()),
        }
    cities: dict[str, dict[str, float]] = {}
    for name, row in per_county.items():
        c = cities.setdefault(city_of[name], {k: 0.0 for k in row})
        for k, v in row.items():
            c[k] += v
    return {"cities": {k: _indicators(v) for k, v in cities.items()},
            "counties": {k: _indicators(v) for k, v in per_county.items()}}


def _indicators(t: dict[str, float]) -> dict[str, float]:
    def pct(a: float, b: float) -> float:
        return round(100 * a / b, 2) if b else float("nan")

    return {
        "forest_coverage_pct": pct(t["forest_ha"], t["land_ha"]),
        "forest_stock_10k_m3": round(t["stock_m3"] / 1e4, 1),
        "living_tree_stock_10k_m3": round(t["living_stock_m3"] / 1e4, 1),
        "wetland_area_10k_ha": round(t["wetland_ha"] / 1e4, 3),
        "wetland_protection_rate_pct": pct(t["protected_wetland_ha"], t["wetland_ha"]),
        "protected_share_pct": pct(t["protected_ha"], t["land_ha"]),
        "land_area_km2": round(t["land_ha"] / 100, 1),
        "subcompartments": int(t["subcompartments"]),
    }

