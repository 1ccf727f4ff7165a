"""The app's styles as QGIS XML: vector renderers, labels, raster renderers, layers and the ``.qgs`` project.

Written by sinkmap itself (no QGIS needed), with :mod:`xml.etree.ElementTree`, which escapes every text and
attribute; user text (layer names, field names, category values and labels) also goes through
:func:`~sinkmap.export.package.names.xml_text` first, which removes the characters XML cannot hold at all.

What maps to what (QGIS 3.22 elements, as QGIS writes them):

* ``Style.kind`` single / categorised / graduated → ``renderer-v2`` ``singleSymbol`` / ``categorizedSymbol`` /
  ``graduatedSymbol``; the fill, stroke and widths (pixels) of each class into a SimpleFill, SimpleLine or
  SimpleMarker (circle) symbol, as the app's canvas draws polygons, lines and points. Features outside every
  category get the app's grey through QGIS's "all other values" category (an empty value); graduated
  classes are ``(lower, upper]`` in both, and the outer bounds reach the data's own minimum and maximum,
  since the app puts values beyond them in the first and last class.
* labels: ``label_field``, size (points) and colour, white buffer, in Noto Sans CJK SC (QGIS falls back
  to another font when it is missing).
* raster ``classes`` → ``paletted`` with the scheme's colours and names; ``ramp`` → ``singlebandpseudocolor``
  (stepped ramps such as the siting inclusion as a DISCRETE ramp); ``hillshade`` → the DEM's terrain ramp
  plus a greyscale hillshade layer multiplied over it (blend mode 6), which is how the app draws it.
* the project: relative paths, project and layer CRS (``<wkt>`` plus ``ProjectionsEnabled``), the app's
  drawing order and visibility in the layer tree, one map theme per task.
"""

from __future__ import annotations

import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import Any

import numpy as np

from ...carto.colors import RAMPS, STEPPED_RAMPS, hex_to_rgba, ramp_colors
from ...carto.symbology import OTHER_FILL, build_symbology
from ...core.project import Style
from .model import PackedLayer, THEMED_ROLES, THEMES
from .names import xml_text

QGIS_VERSION = "3.22.16-Białowieża"
LABEL_FONT = "Noto Sans CJK SC"
#: QGIS's own blend-mode numbers (QgsPainting::BlendMode).
BLEND_MODES = {None: "0", "multiply": "6"}
_GEOMETRY = {"polygon": "Polygon", "line": "Line", "point": "Point"}
_SYMBOL_TYPE = {"polygon": "fill", "line": "line", "point": "marker"}


def _el(parent: ET.Element | None, tag: str, text: Any = None, **attrs: Any) -> ET.Element:
    clean = {k.rstrip("_"): xml_text(v) for k, v in attrs.items() if v is not None}
    node = ET.Element(tag, clean) if parent is None else ET.SubElement(parent, tag, clean)
    if text is not None:
        node.text = xml_text(text)
    return node


def _num(value: float) -> str:
    return repr(float(value)) if np.isfinite(value) else "0"


def qcolor(color: str | None) -> str | None:
    """``#rrggbb[aa]`` → QGIS's ``r,g,b,a``; ``None`` for no colour (``none``, empty)."""
    if not color or str(color).strip().lower() in ("none", "transparent"):
        return None
    try:
        r, g, b, a = hex_to_rgba(str(color))
    except ValueError:
        return None
    return f"{r},{g},{b},{a}"


# -- coordinate systems ---------------------------------------------------------------------------------

def srs_element(parent: ET.Element, crs_text: str) -> ET.Element:
    """``<spatialrefsys>`` for ``crs_text`` (EPSG:4490, EPSG:4547…) with its WKT, as QGIS reads it."""
    from pyproj import CRS

    crs = CRS.from_user_input(crs_text)
    node = _el(parent, "spatialrefsys")
    _el(node, "wkt", crs.to_wkt("WKT2_2019"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "you will likely lose projection information": the WKT is there
        _el(node, "proj4", crs.to_proj4())
    epsg = crs.to_epsg()
    _el(node, "srid", epsg or 0)
    _el(node, "authid", f"EPSG:{epsg}" if epsg else "")
    _el(node, "description", crs.name)
    _el(node, "projectionacronym", "longlat" if crs.is_geographic else "tmerc")
    _el(node, "geographicflag", "true" if crs.is_geographic else "false")
    return node


# -- symbols ----------------------------------------------------------------------------------------------

def _options(parent: ET.Element, props: dict[str, str]) -> None:
    opts = _el(parent, "Option", type="Map")
    for k, v in props.items():
        _el(opts, "Option", name=k, value=v, type="QString")
    for k, v in props.items():  # the older form, which QGIS also still writes
        _el(parent, "prop", k=k, v=v)


def symbol(parent: ET.Element, name: str, kind: str, style: Style, fill: str | None) -> ET.Element:
    """One QGIS symbol of geometry ``kind`` drawn as the app draws a class of colour ``fill``."""
    sym = _el(parent, "symbol", type=_SYMBOL_TYPE[kind], name=name, alpha="1", clip_to_extent="1", force_rhr="0")
    stroke = qcolor(style.stroke)
    if kind == "polygon":
        color = qcolor(fill)
        layer = _el(sym, "layer", **{"class": "SimpleFill"}, enabled="1", pass_="0", locked="0")
        _options(layer, {"color": color or "0,0,0,0", "style": "solid" if color else "no",
                         "outline_color": stroke or "0,0,0,0",
                         "outline_style": "solid" if stroke and style.stroke_width > 0 else "no",
                         "outline_width": _num(max(style.stroke_width, 0.0)), "outline_width_unit": "Pixel",
                         "joinstyle": "round"})
    elif kind == "line":
        layer = _el(sym, "layer", **{"class": "SimpleLine"}, enabled="1", pass_="0", locked="0")
        _options(layer, {"line_color": qcolor(fill) or stroke or "51,51,51,255", "line_style": "solid",
                         "line_width": _num(max(style.stroke_width, 0.5)), "line_width_unit": "Pixel",
                         "capstyle": "round", "joinstyle": "round"})
    else:
        layer = _el(sym, "layer", **{"class": "SimpleMarker"}, enabled="1", pass_="0", locked="0")
        _options(layer, {"name": "circle", "color": qcolor(fill) or "214,39,40,255",
                         "outline_color": stroke or "0,0,0,0",
                         "outline_style": "solid" if stroke and style.stroke_width > 0 else "no",
                         "outline_width": _num(max(style.stroke_width, 0.0)), "outline_width_unit": "Pixel",
                         "size": _num(max(style.point_size, 1.0)), "size_unit": "Pixel"})
    return sym


def _line_single_color(style: Style) -> str:
    return style.stroke if qcolor(style.stroke) else style.fill


def vector_renderer(parent: ET.Element, layer: PackedLayer) -> ET.Element:
    """``renderer-v2`` of a packed vector layer from its :class:`Style` (see the module docstring)."""
    style, kind, frame = layer.style, layer.geom_kind or "polygon", layer.frame
    field = style.field if style.field and frame is not None and style.field in frame.columns else None
    if style.kind == "categorised" and field and style.categories:
        node = _el(parent, "renderer-v2", type="categorizedSymbol", attr=field, symbollevels="0", enableorderby="0",
                   forceraster="0")
        cats = _el(node, "categories")
        syms = _el(node, "symbols")
        items = list(style.categories.items())
        for k, (value, color) in enumerate(items):
            _el(cats, "category", value=value, symbol=str(k), label=style.category_labels.get(value, value),
                render="true")
            symbol(syms, str(k), kind, style, color)
        if frame is not None and len(frame) and build_symbology(style, frame).has_other:
            _el(cats, "category", value="", symbol=str(len(items)), label="—", render="true")
            symbol(syms, str(len(items)), kind, style, OTHER_FILL)
        source = _el(node, "source-symbol")
        symbol(source, "0", kind, style, style.fill)
        return node
    if style.kind == "graduated" and field and len(style.breaks) > 1:
        node = _el(parent, "renderer-v2", type="graduatedSymbol", attr=field, graduatedMethod="GraduatedColor",
                   symbollevels="0", enableorderby="0", forceraster="0")
        ranges = _el(node, "ranges")
        syms = _el(node, "symbols")
        edges = [float(b) for b in style.breaks]
        n = len(edges) - 1
        colors = list(style.colors) if len(style.colors) == n else ramp_colors(style.ramp, n)
        lows, highs = edges[:-1], edges[1:]
        values = np.asarray(frame[field].map(_to_float), dtype=float) if frame is not None else np.array([])
        values = values[np.isfinite(values)]
        if len(values):  # the app draws values beyond the outer bounds in the first and last class
            lows[0] = min(lows[0], float(values.min()))
            highs[-1] = max(highs[-1], float(values.max()))
        for k in range(n):
            _el(ranges, "range", lower=f"{lows[k]:.15g}", upper=f"{highs[k]:.15g}", symbol=str(k),
                label=f"{edges[k]:.4g} – {edges[k + 1]:.4g}", render="true")
            symbol(syms, str(k), kind, style, colors[k])
        source = _el(node, "source-symbol")
        symbol(source, "0", kind, style, colors[0])
        method = _el(node, "classificationMethod", id={"quantile": "Quantile", "equal_interval": "EqualInterval",
                                                       "natural_breaks": "Jenks"}.get(style.method, "Custom"))
        _el(method, "labelFormat", format="%1 – %2", labelprecision="4", trimtrailingzeroes="1")
        return node
    node = _el(parent, "renderer-v2", type="singleSymbol", symbollevels="0", enableorderby="0", forceraster="0")
    syms = _el(node, "symbols")
    symbol(syms, "0", kind, style, _line_single_color(style) if kind == "line" else style.fill)
    return node


def _to_float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def labeling(parent: ET.Element, layer: PackedLayer) -> ET.Element | None:
    """``<labeling type="simple">`` for the style's label field (None when it has none or no such field)."""
    style, frame = layer.style, layer.frame
    if not style.label_field or frame is None or style.label_field not in frame.columns:
        return None
    node = _el(parent, "labeling", type="simple")
    settings = _el(node, "settings", calloutType="simple")
    text = _el(settings, "text-style", fieldName=style.label_field, isExpression="0", fontFamily=LABEL_FONT,
               fontSize=_num(style.label_size), fontSizeUnit="Point",
               textColor=qcolor(style.label_color) or "26,26,26,255",
               textOpacity="1", fontWeight="50", fontItalic="0", allowHtml="0", multilineHeight="1")
    _el(text, "text-buffer", bufferDraw="1", bufferSize="0.8", bufferSizeUnits="MM", bufferColor="255,255,255,255",
        bufferOpacity="0.85", bufferJoinStyle="128", bufferNoFill="1")
    placement = {"polygon": "1", "line": "2", "point": "0"}[layer.geom_kind or "polygon"]
    _el(settings, "placement", placement=placement, centroidInside="1", centroidWhole="0", dist="1", distUnits="MM",
        quadOffset="4", priority="5", fitInPolygonOnly="0")
    _el(settings, "rendering", drawLabels="1", obstacle="1", obstacleFactor="1", obstacleType="1", displayAll="0",
        upsidedownLabels="0", labelPerPart="0", mergeLines="0", limitNumLabels="0", maxNumLabels="2000",
        scaleVisibility="0", scaleMin="0", scaleMax="0", fontLimitPixelSize="0", fontMinPixelSize="0",
        fontMaxPixelSize="10000", zIndex="0", minFeatureSize="0")
    return node


# -- rasters ----------------------------------------------------------------------------------------------

def _hex(color: str) -> tuple[str, str]:
    r, g, b, a = hex_to_rgba(color)
    return f"#{r:02x}{g:02x}{b:02x}", str(a)


def _ramp_items(parent: ET.Element, ramp: str, lo: float, hi: float, labels: dict[int, str] | None = None) -> str:
    """Colour-ramp items over [lo, hi] for a named ramp; returns the QGIS ramp type."""
    stops = RAMPS.get(ramp) or RAMPS["greys"]
    if ramp in STEPPED_RAMPS:
        # a step ramp: each colour up to the next stop of another colour (QGIS DISCRETE: value <= item)
        items = _steps(stops, lo, hi)
        for k, (value, color) in enumerate(items):
            hexc, alpha = _hex(color)
            label = (labels or {}).get(k, f"≤ {value:.4g}")
            _el(parent, "item", value="inf" if k == len(items) - 1 else f"{value:.10g}", color=hexc, alpha=alpha,
                label=label)
        return "DISCRETE"
    for p, color in stops:
        hexc, alpha = _hex(color)
        value = lo + (hi - lo) * p
        _el(parent, "item", value=f"{value:.10g}", color=hexc, alpha=alpha, label=f"{value:.4g}")
    return "INTERPOLATED"


def _steps(stops: list[tuple[float, str]], lo: float, hi: float) -> list[tuple[float, str]]:
    """(upper bound, colour) of each step of a stepped ramp: a colour holds from its stop to the next
    stop of another colour."""
    out: list[tuple[float, str]] = []
    for k, (p, color) in enumerate(stops):
        nxt = next((q for q, c in stops[k + 1:] if c != color), None)
        if out and out[-1][1] == color:
            continue
        if nxt is None:
            out.append((hi, color))
        else:
            # the colour holds up to (just below) the next colour's first stop
            prev_end = stops[[q for q, _ in stops].index(nxt) - 1][0]
            out.append((lo + (hi - lo) * prev_end, color))
    return out


SITING_STEP_LABELS = {0: "排除 excluded", 1: "部分可用 partial", 2: "可用 included"}


def raster_pipe(parent: ET.Element, layer: PackedLayer) -> ET.Element:
    """``<pipe>`` of a packed raster layer: paletted classes, a ramp, or the hillshade's greys."""
    from ...io.schemes import load_scheme

    style, info = layer.style, layer.raster_info
    opacity = _num(style.opacity)
    pipe = _el(parent, "pipe")
    if layer.role == "basemap":  # RGBA tiles: drawn as they are
        r = _el(pipe, "rasterrenderer", type="multibandcolor", redBand="1", greenBand="2", blueBand="3",
                alphaBand="4", opacity=opacity, nodataColor="")
        for band in ("red", "green", "blue"):
            ce = _el(r, f"{band}ContrastEnhancement")
            _el(ce, "minValue", "0")
            _el(ce, "maxValue", "255")
            _el(ce, "algorithm", "NoEnhancement")
    elif layer.role == "hillshade":
        r = _el(pipe, "rasterrenderer", type="singlebandgray", grayBand="1", gradient="BlackToWhite", opacity="1",
                alphaBand="-1", nodataColor="")
        ce = _el(r, "contrastEnhancement")
        _el(ce, "minValue", "0")
        _el(ce, "maxValue", "255")
        _el(ce, "algorithm", "StretchToMinimumMaximum")
    elif style.kind == "classes" and style.scheme:
        scheme = load_scheme(style.scheme)
        present = info.get("values")
        r = _el(pipe, "rasterrenderer", type="paletted", band="1", opacity=opacity, alphaBand="-1", nodataColor="")
        palette = _el(r, "colorPalette")
        for c in scheme.classes:
            if present is not None and c.value not in present:
                continue
            hexc, alpha = _hex(c.color)
            _el(palette, "paletteEntry", value=str(c.value), color=hexc, alpha=alpha, label=f"{c.code} {c.name_zh}")
    else:
        ramp = "terrain" if style.kind == "hillshade" else style.ramp
        lo = style.vmin if style.vmin is not None else info.get("min", 0.0)
        hi = style.vmax if style.vmax is not None else info.get("max", 1.0)
        if hi <= lo:
            hi = lo + 1.0
        r = _el(pipe, "rasterrenderer", type="singlebandpseudocolor", band="1", opacity=opacity, alphaBand="-1",
                nodataColor="", classificationMin=f"{lo:.10g}", classificationMax=f"{hi:.10g}")
        shader = _el(_el(r, "rastershader"), "colorrampshader", classificationMode="1", clip="0",
                     minimumValue=f"{lo:.10g}", maximumValue=f"{hi:.10g}", labelPrecision="4")
        labels = SITING_STEP_LABELS if ramp == "siting" else None
        shader.set("colorRampType", _ramp_items(shader, ramp, lo, hi, labels))
    _el(pipe, "brightnesscontrast", brightness="0", contrast="0", gamma="1")
    _el(pipe, "huesaturation", saturation="0", grayscaleMode="0", invertColors="0", colorizeOn="0",
        colorizeRed="255", colorizeGreen="128", colorizeBlue="128", colorizeStrength="100")
    _el(pipe, "rasterresampler", maxOversampling="2")  # nearest: crisp cells, no halo along the nodata edge
    return pipe


# -- layers and the project --------------------------------------------------------------------------------

def qgis_layer_id(layer: PackedLayer) -> str:
    return f"sinkmap_{layer.id}"


def datasource(layer: PackedLayer, gpkg_rel: str) -> str:
    if layer.kind == "raster":
        return "./" + layer.raster.as_posix()
    return f"./{gpkg_rel}|layername={layer.id}"


def _extent(parent: ET.Element, tag: str, bounds: Iterable[float]) -> None:
    node = _el(parent, tag)
    for name, value in zip(("xmin", "ymin", "xmax", "ymax"), bounds):
        _el(node, name, f"{float(value):.12g}")


def layer_crs(layer: PackedLayer) -> str:
    return layer.raster_info.get("crs", "EPSG:4490") if layer.kind == "raster" else "EPSG:4490"


def maplayer(parent: ET.Element, layer: PackedLayer, gpkg_rel: str) -> ET.Element:
    """``<maplayer>`` of a packed layer (source, name, CRS, renderer, labels, opacity, blending)."""
    if layer.kind == "raster":
        node = _el(parent, "maplayer", type="raster", hasScaleBasedVisibilityFlag="0",
                   styleCategories="AllStyleCategories")
        bounds = layer.raster_info.get("bounds")
    else:
        node = _el(parent, "maplayer", type="vector", geometry=_GEOMETRY.get(layer.geom_kind, "Polygon"),
                   wkbType=layer.wkb_type or "Unknown", labelsEnabled="0", readOnly="0",
                   hasScaleBasedVisibilityFlag="0", styleCategories="AllStyleCategories")
        bounds = layer.frame.total_bounds if layer.frame is not None and len(layer.frame) else None
    if bounds is not None and np.all(np.isfinite(np.asarray(bounds, dtype=float))):
        _extent(node, "extent", bounds)
    _el(node, "id", qgis_layer_id(layer))
    _el(node, "datasource", datasource(layer, gpkg_rel))
    _el(node, "layername", layer.name)
    srs_element(_el(node, "srs"), layer_crs(layer))
    if layer.kind == "raster":
        _el(node, "provider", "gdal")
        raster_pipe(node, layer)
        _el(node, "blendMode", BLEND_MODES.get(layer.blend, "0"))
        return node
    _el(node, "provider", "ogr", encoding="UTF-8")
    style_children(node, layer)
    return node


def style_children(node: ET.Element, layer: PackedLayer) -> None:
    """Renderer, labels, blending and opacity of a vector layer (in a ``maplayer`` or a QML document)."""
    vector_renderer(node, layer)
    if labeling(node, layer) is not None:
        node.set("labelsEnabled", "1")
    _el(node, "blendMode", BLEND_MODES.get(layer.blend, "0"))
    _el(node, "featureBlendMode", "0")
    _el(node, "layerOpacity", _num(min(max(layer.style.opacity, 0.0), 1.0)))


def qml_document(layer: PackedLayer) -> str:
    """The layer's style as a QML document (stored in the GeoPackage's ``layer_styles``)."""
    root = _el(None, "qgis", version=QGIS_VERSION, styleCategories="AllStyleCategories", labelsEnabled="0")
    if layer.kind == "raster":
        raster_pipe(root, layer)
    else:
        style_children(root, layer)
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(root, encoding="unicode")


def theme_visible(layer: PackedLayer, roles: frozenset[str] | None) -> bool:
    if roles is None:
        return layer.visible
    if layer.role not in THEMED_ROLES:
        return True  # a layer of the user's own: shown in every theme
    return layer.role in roles


def project_document(layers: list[PackedLayer], *, title: str, extent: tuple[float, float, float, float],
                     gpkg_rel: str, zh: bool = True) -> str:
    """The ``.qgs`` document: ``layers`` in drawing order (first = bottom, as the app's project)."""
    root = _el(None, "qgis", projectname=title, version=QGIS_VERSION, saveUser="sinkmap", saveUserFull="sinkmap")
    _el(root, "homePath", path="")
    _el(root, "title", title)
    srs_element(_el(root, "projectCrs"), "EPSG:4490")
    tree = _el(root, "layer-tree-group")
    _el(_el(tree, "customproperties"), "Option")
    for layer in reversed(layers):  # the layer tree lists the top layer first
        _el(tree, "layer-tree-layer", id=qgis_layer_id(layer), name=layer.name, source=datasource(layer, gpkg_rel),
            providerKey="gdal" if layer.kind == "raster" else "ogr",
            checked="Qt::Checked" if layer.visible else "Qt::Unchecked", expanded="0")
    order = _el(tree, "custom-order", enabled="0")
    for layer in layers:
        _el(order, "item", qgis_layer_id(layer))
    canvas = _el(root, "mapcanvas", name="theMapCanvas", annotationsVisible="1")
    _el(canvas, "units", "degrees")
    _extent(canvas, "extent", extent)
    _el(canvas, "rotation", "0")
    srs_element(_el(canvas, "destinationsrs"), "EPSG:4490")
    _el(canvas, "rendermaptile", "0")
    view = _el(root, "ProjectViewSettings", UseProjectScales="0")
    _el(view, "Scales")
    default = _el(view, "DefaultViewExtent", xmin=f"{extent[0]:.10g}", ymin=f"{extent[1]:.10g}",
                  xmax=f"{extent[2]:.10g}", ymax=f"{extent[3]:.10g}")
    srs_element(default, "EPSG:4490")
    project_layers = _el(root, "projectlayers")
    for layer in layers:
        maplayer(project_layers, layer, gpkg_rel)
    layer_order = _el(root, "layerorder")
    for layer in layers:
        _el(layer_order, "layer", id=qgis_layer_id(layer))
    props = _el(root, "properties")
    paths = _el(props, "Paths")
    _el(paths, "Absolute", "false", type="bool")
    srs = _el(props, "SpatialRefSys")
    _el(srs, "ProjectionsEnabled", "1", type="int")
    presets = _el(root, "visibility-presets")
    for _id, name_zh, name_en, roles in THEMES:
        preset = _el(presets, "visibility-preset", name=f"{name_zh} {name_en}" if zh else f"{name_en} {name_zh}",
                     **{"has-expanded-info": "0", "has-checked-group-info": "0"})
        for layer in layers:
            if theme_visible(layer, roles):
                _el(preset, "layer", id=qgis_layer_id(layer), visible="1", style="default")
    ET.indent(root, space=" ")
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(root, encoding="unicode") + "\n"


def theme_names(zh: bool = True) -> list[str]:
    return [f"{a} {b}" if zh else f"{b} {a}" for _id, a, b, _roles in THEMES]


__all__ = ["LABEL_FONT", "QGIS_VERSION", "datasource", "maplayer", "project_document", "qcolor", "qgis_layer_id",
           "qml_document", "raster_pipe", "srs_element", "theme_names", "vector_renderer"]
