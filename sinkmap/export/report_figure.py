"""The area map of the report: units filled by their status against the plan, the data layers over them,
county and city lines on top, drawn in the 3° Gauss–Krüger zone (CGCS2000) of the area's centre."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..carto.colors import STATUS_COLORS
from ..core.crs import gk3_zone
from ..core.messages import is_chinese
from .ledger_text import indicator_name, status_word
from .report_map import Canvas, Frame, MapDrawing, fitted_extent

_STATUS_FILL = {**STATUS_COLORS, "city_total": "#7f9fbf"}
_ROLE_FILL = {"forest": ("#5aa55f", 0.55), "wetland": ("#4a90c8", 0.8), "protected": ("#d0453a", 0.18),
              "sites": ("#8e44ad", 0.7), "farmland": ("#f2d96b", 0.5)}
_ROLE_NAME = {"forest": ("森林小班", "forest"), "wetland": ("湿地", "wetland"), "protected": ("自然保护地", "protected area"),
              "sites": ("选址结果", "siting result"), "projects": ("规划项目", "plan project"), "farmland": ("基本农田", "farmland")}


@dataclass
class AreaMapInput:
    units: object  # GeoDataFrame (name, geometry), EPSG:4490: the ledger's units
    outline: object  # GeoDataFrame: the area's outline
    ledger_units: list = field(default_factory=list)  # LedgerUnit
    layers: list = field(default_factory=list)  # (name, frame, role)
    indicator: str = "forest_coverage_pct"
    lang: str = "zh_CN"
    rasters: list = field(default_factory=list)  # RasterInfo (sinkmap.export.web_raster), drawn over the layers
    sites: list = field(default_factory=list)  # SiteMark (sinkmap.export.report_sites): impact sites, numbered
    site_layers: set = field(default_factory=set)  # layers the sites came from (drawn as the sites only)


#: Impact-site footprints on the report's map (the web map's colour of siting results), and their labels.
SITE_FILL, SITE_STROKE = "#8e44ad", "#4a235a"


def draw_area_map(inp: AreaMapInput, frame: Frame) -> MapDrawing:
    zh = is_chinese(inp.lang)
    centre = inp.outline.to_crs("EPSG:4490").union_all().centroid
    crs = gk3_zone(centre.x).crs
    units = inp.units.to_crs(crs)
    outline = inp.outline.to_crs(crs)
    extent = fitted_extent(tuple(outline.total_bounds), frame.height / frame.width)
    canvas = Canvas(extent, frame.cols, frame.rows)
    legend: list[tuple[str, str, str]] = []

    by_name = {u.name: u for u in inp.ledger_units}
    statuses = []
    for n in units["name"]:
        a = by_name[n].assessment(inp.indicator) if n in by_name else None
        statuses.append(a.status.value if a else "no_data")
    if inp.ledger_units:
        canvas.polygons(list(units.geometry), [_STATUS_FILL.get(s, "#bdbdbd") for s in statuses], alpha=0.45)
        ind = indicator_name(inp.indicator, inp.lang)
        legend.append(("title", "", f"{ind}（按规划目标）" if zh else f"{ind} (against the plan)"))
        for s in dict.fromkeys(statuses):
            n = statuses.count(s)
            legend.append(("fill", _STATUS_FILL.get(s, "#bdbdbd"), f"{status_word(s, inp.lang)}（{n}）" if zh
                           else f"{status_word(s, inp.lang)} ({n})"))
    shown = []
    for name, layer_frame, role in inp.layers:
        if name in inp.site_layers:
            continue
        g = layer_frame.to_crs(crs)
        kind = g.geometry.iloc[0].geom_type if len(g) else ""
        if role == "projects" or "Point" in kind:
            canvas.points(list(g.geometry), ["#e67e22"] * len(g), radius_pt=2.6)
            shown.append(("point", "#e67e22", name))
        elif "Line" in kind:
            canvas.lines(list(g.geometry), "#7f7f7f", 0.6)
            shown.append(("line", "#7f7f7f", name))
        else:
            colour, alpha = _ROLE_FILL.get(role or "", ("#9ecae1", 0.6))
            canvas.polygons(list(g.geometry), colour, alpha=alpha,
                            outline="#b03a2e" if role == "protected" else None, width=0.5)
            shown.append(("fill", colour, name))
    if shown:
        legend.append(("title", "", "图层" if zh else "layers"))
        legend.extend(shown)
    for info in inp.rasters:
        legend.extend(_draw_raster(canvas, info, crs, extent, frame, inp.lang))
    site_labels = []
    if inp.sites:
        import geopandas as gpd

        g = gpd.GeoSeries([m.geometry for m in inp.sites], crs="EPSG:4490").to_crs(crs)
        polys = [x for x in g if x.geom_type in ("Polygon", "MultiPolygon")]
        if polys:
            canvas.polygons(polys, SITE_FILL, alpha=0.45, outline=SITE_STROKE, width=1.1)
        points = [x for x in g if x.geom_type not in ("Polygon", "MultiPolygon")]
        if points:
            canvas.points(points, [SITE_FILL] * len(points), radius_pt=3.2)
        x0, y0, x1, y1 = extent
        for m, geom in zip(inp.sites, g):
            p = geom.representative_point() if geom.geom_type in ("Polygon", "MultiPolygon") else geom.centroid
            site_labels.append((f"#{m.number}", (p.x - x0) / (x1 - x0) * frame.width, (y1 - p.y) / (y1 - y0) * frame.height))
        legend.append(("title", "", "影响评估场址" if zh else "assessed sites"))
        legend.append(("fill", SITE_FILL, "场址占地（#编号与影响表对应）" if zh else "site footprint (#number as in the impact table)"))
    canvas.lines(list(units.geometry.boundary), "#303030", 0.7)
    canvas.lines(list(outline.geometry.boundary), "#101010", 1.6)
    if len(units) > 1:
        legend.append(("line", "#303030", "区县界" if zh else "county boundary"))
        legend.append(("line", "#101010", "市界" if zh else "city boundary"))
    else:
        legend.append(("line", "#101010", "区县界" if zh else "county boundary"))

    labels = []
    x0, y0, x1, y1 = extent
    for name, geom in zip(units["name"], units.geometry):
        p = geom.representative_point()
        labels.append((str(name), (p.x - x0) / (x1 - x0) * frame.width, (y1 - p.y) / (y1 - y0) * frame.height))
    return MapDrawing(crs=crs, extent=extent, image=canvas.array(), labels=labels, legend=legend,
                      site_labels=site_labels)


def _draw_raster(canvas, info, crs, extent, frame: Frame, lang: str) -> list[tuple[str, str, str]]:
    """A raster (band 1) warped onto the map's grid, coloured and laid over at its style's opacity; its legend."""
    from affine import Affine
    from PIL import Image

    from .web_raster import colour_values, raster_legend, raster_name, warp_band

    x0, y0, x1, y1 = extent
    transform = Affine((x1 - x0) / canvas.cols, 0.0, x0, 0.0, -(y1 - y0) / canvas.rows, y1)
    values, valid, _ = warp_band(info.path, info, crs, transform, canvas.cols, canvas.rows)
    rgba = colour_values(values, valid, info)
    alpha = (rgba[..., 3].astype(np.float32) * float(info.style.opacity)).round().astype(np.uint8)
    layer = Image.fromarray(np.dstack([rgba[..., :3], alpha]), "RGBA")
    canvas.img.alpha_composite(layer)
    title, rows = raster_legend(info, lang)
    zh = is_chinese(lang)
    out = [("title", "", f"{raster_name(info, lang)}：{title}" if zh else f"{raster_name(info, lang)}: {title}")]
    for colour, text in rows:
        out.append(("clear" if len(colour) == 9 and colour.endswith("00") else "fill", colour[:7], text))
    return out


__all__ = ["AreaMapInput", "draw_area_map"]

