"""The hand-checkable site-impact fixture inside 岳麓区 (Changsha), shared by the impact, cache, scenario and app
tests.

Drawn in CGCS2000 / 3-degree GK CM 114E (EPSG:4547) metres from a point (x, y) inside 岳麓区:
  forest  F1  x..x+1000,      y..y+1000   地类 0111 乔木林, canopy 0.6, 100 m³/ha, 杉木  -> forest, stock
          F2  x+1000..x+2000, y..y+1000   地类 0113 竹林                                 -> forest, no stock
  wetland W   x..x+2000, y-1000..y         (河流湿地)
  protected P1 x..x+1000, y-1000..y        named 岳麓湿地保护区
  sites   A  x..x+500,    y-500..y+1000   (west half of F1 and the north-west of W/P1)
          B  x+250..x+750, y..y+1000      (overlaps A on x+250..x+500)
Expected areas: pyproj.Geod on the reprojected rectangles (the GK plane is not equal-area).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
from pyproj import Geod
from shapely.geometry import Point, box

GEOD = Geod(ellps="GRS80")


def geod_ha(geom_4547) -> float:
    g = gpd.GeoSeries([geom_4547], crs="EPSG:4547").to_crs("EPSG:4490").iloc[0]
    return abs(GEOD.geometry_area_perimeter(g)[0]) / 1e4


def origin() -> tuple[int, int]:
    """(x, y) in EPSG:4547: a point inside 岳麓区, rounded to metres."""
    from sinkmap.io.boundaries import load_units

    p = load_units(county="岳麓区").to_crs("EPSG:4547").geometry.iloc[0].representative_point()
    return round(p.x), round(p.y)


def build(d: Path) -> tuple[Path, dict]:
    """Write the fixture's layers into ``d``; return ``d`` and the hand-computed areas (ha)."""
    from sinkmap.io.boundaries import load_units

    county = load_units(county="岳麓区").to_crs("EPSG:4547").geometry.iloc[0]
    x, y = origin()
    f1, f2 = box(x, y, x + 1000, y + 1000), box(x + 1000, y, x + 2000, y + 1000)
    w, p1 = box(x, y - 1000, x + 2000, y), box(x, y - 1000, x + 1000, y)
    a, b = box(x, y - 500, x + 500, y + 1000), box(x + 250, y, x + 750, y + 1000)
    assert all(county.contains(g) for g in (f1, f2, w, a, b))
    gpd.GeoDataFrame({"DI_LEI": ["0111", "0113"], "YU_BI_DU": [0.6, 0.5], "MEI_GQ_XJ": [100.0, 0.0],
                      "YOU_SHI_SZ": ["杉木", "毛竹"]}, geometry=[f1, f2], crs="EPSG:4547").to_file(d / "forest.gpkg")
    gpd.GeoDataFrame({"LX": ["河流湿地"]}, geometry=[w], crs="EPSG:4547").to_file(d / "wetland.gpkg")
    gpd.GeoDataFrame({"NAME": ["岳麓湿地保护区"]}, geometry=[p1], crs="EPSG:4547").to_file(d / "protected.gpkg")
    gpd.GeoDataFrame({"name": ["A", "B"]}, geometry=[a, b], crs="EPSG:4547").to_file(d / "sites.gpkg")
    gpd.GeoDataFrame({"name": ["A"]}, geometry=[a], crs="EPSG:4547").to_file(d / "site_a.gpkg")
    far = Point(x, y + 600_000)  # 600 km north (河南): in no county of 湖南
    gpd.GeoDataFrame({"name": ["北方场址", "岳麓风机"]}, geometry=[far, Point(x + 500, y + 500)],
                     crs="EPSG:4547").to_file(d / "points.gpkg")
    ha = {"f1": geod_ha(f1), "f2": geod_ha(f2), "a_forest": geod_ha(box(x, y, x + 500, y + 1000)),
          "a_wetland": geod_ha(box(x, y - 500, x + 500, y)),
          "union_forest": geod_ha(box(x, y, x + 750, y + 1000)),
          "b_forest": geod_ha(b)}
    return d, ha
