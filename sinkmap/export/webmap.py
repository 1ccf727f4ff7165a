"""The offline web map: one self-contained HTML file built with folium, working with no network.

folium lays out the page (the Leaflet map, the layer control, an optional tile layer); everything it
would fetch from a CDN is left out and inlined instead (:mod:`sinkmap.export.web_assets`). Vector layers
are not folium ``GeoJson`` (full-precision coordinates and every attribute, drawn as one SVG path per
feature: a city's 小班 make a page of hundreds of MB that a browser cannot draw) but compact levels of
detail (:mod:`sinkmap.export.web_encode`) drawn on canvas tiles by sinkmap's runtime
(``web/sinkmap_map.js``). Styles come from :mod:`sinkmap.carto` (the ledger's status colours, the
layers' default styles and legends), so the page looks like the app.

Security: names, attribute values and quotes are data, not markup. They travel as JSON inside a
``<script>`` element with ``<``, ``>``, ``&`` and the line separators escaped (so ``</script>`` in a field
cannot end it), and the runtime puts them in the page with ``textContent`` only. The one place where
Leaflet itself uses ``innerHTML`` — the names in its layer control — gets names HTML-escaped here.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import SinkmapError
from .web_encode import BASE_QUANTUM, TOLERANCE_PX, encode_column, encode_geometries, encode_ints, geometry_kind

#: Tile sources a user may ask for, with the datum they are drawn in. A GCJ-02 source (AMap, Tencent,
#: Baidu) is deliberately absent: sinkmap's data are CGCS2000 and would be off by ~500 m on it.
TILES = {
    "osm": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "max_zoom": 19,
            "attribution": "© OpenStreetMap contributors",
            "zh": "底图：OpenStreetMap（WGS-84，与 CGCS2000 相差不到 1 米；需联网）",
            "en": "base map: OpenStreetMap (WGS-84, within 1 m of CGCS2000; needs the network)"},
}


@dataclass
class WebLayer:
    """One layer of the page, ready to encode: geometries in lon/lat (EPSG:4490 ≈ WGS-84 to < 1 m)."""

    name: str
    geoms: np.ndarray  # shapely geometries, lon/lat
    columns: list[tuple[str, Any]] = field(default_factory=list)  # (label, pandas Series) shown in popups
    title_column: int | None = None  # index into columns: the feature's name
    fills: list[str] = field(default_factory=lambda: ["#9ecae1"])
    classes: np.ndarray | None = None  # per-feature index into fills (-1: other)
    other_fill: str = "#c8c8c8"
    stroke: str = "#3a3a3a"
    weight: float = 0.6
    fill_opacity: float = 0.7
    opacity: float = 1.0
    radius: float = 5.0
    legend_title: str = ""
    legend_rows: list[tuple[str, str]] = field(default_factory=list)
    rich: list[dict | None] | None = None  # per-feature structured popup content (text only)
    tooltip: bool = False
    show: bool = True


@dataclass
class WebMapSpec:
    title: str
    layers: list[WebLayer]
    bounds: tuple[float, float, float, float]  # lon/lat box to open on
    lang: str = "zh_CN"
    subtitle: str = ""
    synthetic: str = ""  # the synthetic-data label, shown under the title when the data are synthetic
    notes: list[str] = field(default_factory=list)
    tiles: str = "none"
    max_zoom: int = 16
    legend_title: str = ""
    rasters: list = field(default_factory=list)  # RasterOverlay (sinkmap.export.web_raster), drawn over the vectors


@dataclass
class WebMapResult:
    html: str
    size_bytes: int
    features: dict[str, int]
    vertices: dict[str, int]
    min_zoom: int
    max_zoom: int
    tolerance_m: float


_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def json_for_script(value: Any) -> str:
    """``value`` as JSON that can sit inside ``<script>``: ``<``, ``>``, ``&``, U+2028/9 escaped (so a
    ``</script>`` or ``<!--`` in a value cannot end the element or open a comment)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for ch, esc in _SCRIPT_ESCAPES.items():
        text = text.replace(ch, esc)
    return text


class _Slots:
    """Text put into the page *after* folium renders it, in one pass.

    branca renders each element's output and then compiles it again as a Jinja template: a layer name or
    an attribute value holding ``{{ … }}`` would be evaluated at export time. So folium only ever sees
    opaque tokens (``__sinkmap_<nonce>_<n>__``), replaced here by the JSON or text they stand for; the
    replacement is a single regular-expression pass, so a token inside inserted text is never expanded.
    """

    def __init__(self) -> None:
        import secrets

        self.nonce = secrets.token_hex(8)
        self.values: list[str] = []

    def add(self, text: str) -> str:
        self.values.append(text)
        return f"__sinkmap_{self.nonce}_{len(self.values) - 1}__"

    def fill(self, page: str) -> str:
        import re

        return re.sub(rf"__sinkmap_{self.nonce}_(\d+)__", lambda m: self.values[int(m.group(1))], page)


def fit_zoom(bounds: tuple[float, float, float, float], width_px: int = 1000, height_px: int = 700) -> int:
    """The Web Mercator zoom at which ``bounds`` fits a ``width_px`` × ``height_px`` window."""
    x0, y0, x1, y1 = bounds

    def my(lat: float) -> float:
        s = math.sin(math.radians(max(min(lat, 85.0), -85.0)))
        return 0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)

    wx = max((x1 - x0) / 360.0, 1e-9)
    wy = max(abs(my(y0) - my(y1)), 1e-9)
    z = math.floor(min(math.log2(width_px / 256.0 / wx), math.log2(height_px / 256.0 / wy)))
    return int(max(1, min(z, 18)))


def _hex6(color: str) -> tuple[str, float]:
    """'#rrggbbaa' → ('#rrggbb', alpha 0..1); other colours unchanged with alpha 1."""
    c = color.strip()
    if c.startswith("#") and len(c) == 9:
        return c[:7], int(c[7:9], 16) / 255.0
    return c, 1.0


def _layer_json(layer: WebLayer, index: int, min_zoom: int, max_zoom: int) -> tuple[dict, int]:
    kind = geometry_kind(layer.geoms)
    levels = encode_geometries(layer.geoms, kind, min_zoom, max_zoom)
    n = len(layer.geoms)
    cols = [encode_column(series, str(label)) for label, series in layer.columns]
    fills = [_hex6(c)[0] for c in layer.fills] or ["#9ecae1"]
    style = {"fills": fills, "other": _hex6(layer.other_fill)[0], "stroke": _hex6(layer.stroke)[0],
             "weight": float(layer.weight), "fillOpacity": float(layer.fill_opacity), "opacity": float(layer.opacity),
             "radius": float(layer.radius), "cls": None}
    if layer.classes is not None:
        style["cls"] = encode_ints(np.asarray(layer.classes, dtype=np.int64))
    data: dict[str, Any] = {
        "id": index, "name": layer.name, "kind": kind, "n": n, "levels": [lv.to_json() for lv in levels],
        "style": style, "props": {"cols": cols, "title": layer.title_column}, "tooltip": bool(layer.tooltip),
    }
    if layer.legend_rows or layer.legend_title:
        data["legend"] = {"title": layer.legend_title or layer.name,
                          "rows": [[_hex6(c)[0], str(t)] for c, t in layer.legend_rows]}
    if layer.rich is not None:
        data["rich"] = layer.rich
    return data, levels[-1].vertices if levels else 0


def _folium():
    try:
        import folium
        from branca.element import Element, MacroElement
        from jinja2 import Template
    except ImportError:
        raise SinkmapError(code="export.missing_package", package="folium", extra="export") from None
    return folium, Element, MacroElement, Template


def render_webmap(spec: WebMapSpec) -> WebMapResult:
    """The page for ``spec`` as HTML text (the file size it states is its own, to 0.1 MB)."""
    folium, Element, MacroElement, Template = _folium()
    from .web_assets import leaflet_assets, leaflet_version, runtime_assets

    zh = spec.lang.startswith("zh")
    max_zoom = int(spec.max_zoom)
    z_fit = fit_zoom(spec.bounds)
    min_zoom = max(1, min(z_fit - 1, max_zoom - 1))
    layer_data = []
    features: dict[str, int] = {}
    vertices: dict[str, int] = {}
    for i, layer in enumerate(spec.layers):
        data, nv = _layer_json(layer, i, min_zoom, max_zoom)
        layer_data.append(data)
        features[layer.name] = data["n"]
        vertices[layer.name] = nv
    lat = (spec.bounds[1] + spec.bounds[3]) / 2.0
    tol_m = TOLERANCE_PX * 40075016.686 / (256 * 2 ** max_zoom) * math.cos(math.radians(lat))
    leaflet_js, leaflet_css = leaflet_assets()
    runtime_js, runtime_css = runtime_assets()

    class OfflineMap(folium.Map):
        default_js: list = []  # nothing from a CDN: the assets are inlined below
        default_css: list = []

    slots = _Slots()
    x0, y0, x1, y1 = spec.bounds
    fmap = OfflineMap(location=[(y0 + y1) / 2, (x0 + x1) / 2], zoom_start=z_fit, tiles=None, control_scale=False,
                      min_zoom=min_zoom, max_zoom=max_zoom, prefer_canvas=True)
    root = fmap.get_root()
    root.header.add_child(Element(f"<title>{slots.add(html.escape(spec.title))}</title>"), name="sinkmap_title")
    assets = (f"<!-- Leaflet {html.escape(leaflet_version())} (BSD-2-Clause), inlined from the xstatic-leaflet "
              f"package -->\n<style>{leaflet_css}</style>\n<script>{leaflet_js}</script>\n"
              f"<style>{runtime_css}</style>\n<script>{runtime_js}</script>")
    root.header.add_child(Element(slots.add(assets)), name="sinkmap_assets")
    if spec.tiles != "none":
        t = TILES[spec.tiles]
        folium.TileLayer(t["url"], attr=t["attribution"], name=html.escape(t["zh" if zh else "en"].split("（")[0]),
                         max_zoom=max_zoom, overlay=False, control=False).add_to(fmap)

    layer_elems = []
    for data, layer in zip(layer_data, spec.layers):
        elem = _VectorLayer(data, layer.name, layer.show, folium, Template, slots)
        elem.add_to(fmap)
        layer_elems.append(elem)
    raster_data = []
    for k, overlay in enumerate(spec.rasters):
        data = _raster_json(overlay, len(layer_data) + k)
        raster_data.append(data)
        elem = _VectorLayer(data, overlay.name, overlay.show, folium, Template, slots, factory="raster")
        elem.add_to(fmap)
        layer_elems.append(elem)
    folium.LayerControl(collapsed=False, position="topright").add_to(fmap)

    notes = list(spec.notes)
    notes.append(_precision_note(zh, tol_m, min_zoom, max_zoom))
    notes += [overlay.note(spec.lang) for overlay in spec.rasters]
    if spec.tiles != "none":
        notes.append(TILES[spec.tiles]["zh" if zh else "en"])
    else:
        notes.append("无在线底图（离线可用）；坐标系 CGCS2000" if zh else "no online base map (works offline); CRS CGCS2000")
    page_spec = {"title": spec.title, "subtitle": spec.subtitle, "synthetic": spec.synthetic, "notes": notes,
                 "lang": "zh" if zh else "en", "bounds": [[y0, x0], [y1, x1]],
                 "legend": spec.legend_title or ("图例" if zh else "Legend")}
    chars = _characters([layer_data, [{k: v for k, v in d.items() if k != "url"} for d in raster_data], page_spec, notes,
                         spec.title, _size_note(zh, 0), "▲N0123456789.,% MBkm"])
    from .fonts import web_font_css

    root.header.add_child(Element(slots.add(f"<style>{web_font_css(chars)}</style>")), name="sinkmap_font")
    spec_index = len(slots.values)
    spec_slot = slots.add("")
    _Setup(spec_slot, layer_elems, Template, MacroElement).add_to(fmap)

    page = root.render()
    note = ""
    for _ in range(4):  # the page states its own size: fill until the stated size is the real one
        slots.values[spec_index] = json_for_script({**page_spec, "notes": notes + [note]})
        text = slots.fill(page)
        new_note = _size_note(zh, len(text.encode("utf-8")))
        if new_note == note:
            break
        note = new_note
    return WebMapResult(html=text, size_bytes=len(text.encode("utf-8")), features=features, vertices=vertices,
                        min_zoom=min_zoom, max_zoom=max_zoom, tolerance_m=tol_m)


def _characters(value: Any) -> str:
    """Every character of the strings in ``value`` (nested lists and dicts; level coordinates skipped)."""
    seen: set[str] = set()

    def walk(v: Any) -> None:
        if isinstance(v, str):
            seen.update(v)
        elif isinstance(v, dict):
            for k, x in v.items():
                if k not in ("c", "r", "f", "cls"):
                    walk(x)
        elif isinstance(v, (list, tuple)):
            for x in v:
                walk(x)

    walk(value)
    return "".join(sorted(seen))


def _precision_note(zh: bool, tol_m: float, min_zoom: int, max_zoom: int) -> str:
    q_m = BASE_QUANTUM * 111_320
    if zh:
        return (f"坐标精度 {BASE_QUANTUM:g}°（约 {q_m:.1f} 米）；按缩放级别简化，容差为该级别 {TOLERANCE_PX:g} 像素"
                f"（第 {max_zoom} 级约 {tol_m:.1f} 米）；缩放级别 {min_zoom}–{max_zoom}")
    return (f"coordinates to {BASE_QUANTUM:g}° (about {q_m:.1f} m); simplified per zoom with a tolerance of "
            f"{TOLERANCE_PX:g} pixel of each zoom (about {tol_m:.1f} m at zoom {max_zoom}); zooms {min_zoom}–{max_zoom}")


def _size_note(zh: bool, size: int) -> str:
    mb = size / 1e6
    return f"文件大小 {mb:.1f} MB" if zh else f"file size {mb:.1f} MB"


def _raster_json(overlay, index: int) -> dict:
    """A raster's entry on the page: its PNG as a data URI, its corners (lat/lon), opacity and legend."""
    w, s, e, n = overlay.bounds
    return {"id": index, "name": overlay.name, "kind": "raster", "n": 1, "url": overlay.data_uri,
            "bounds": [[s, w], [n, e]], "size": list(overlay.size), "style": {"opacity": float(overlay.opacity),
                                                                             "stroke": "#808080"},
            "legend": {"title": overlay.legend_title,
                       "rows": [[_hex6(c)[0], str(t), _hex6(c)[1]] for c, t in overlay.legend_rows]}}


def _vector_layer_class(folium, Template, factory: str = "layer"):
    class VectorLayer(folium.map.Layer):
        _template = Template("""
            {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = sinkmapWeb.""" + factory + """({{ this.data_json }}, {});
            {% endmacro %}""")

    return VectorLayer


def _VectorLayer(data: dict, name: str, show: bool, folium, Template, slots: _Slots, factory: str = "layer"):
    cls = _vector_layer_class(folium, Template, factory)
    # Leaflet's layer control writes the name with innerHTML: escaped here, it shows as the text it is. The
    # control's template quotes the key with tojson; the slot's text is what goes between the quotes.
    elem = cls(name=slots.add(json_for_script(html.escape(name))[1:-1]), overlay=True, control=True, show=show)
    elem._name = "sinkmap_layer"
    elem.data_json = slots.add(json_for_script(data))
    return elem


def _Setup(spec_slot: str, layers: list, Template, MacroElement):
    class Setup(MacroElement):
        _template = Template("""
            {% macro script(this, kwargs) %}
            L.control.scale({imperial: false, maxWidth: 160}).addTo({{ this._parent.get_name() }});
            sinkmapWeb.setup({{ this._parent.get_name() }}, {{ this.spec_slot }},
                             [{% for l in this.layers %}{{ l.get_name() }}{% if not loop.last %}, {% endif %}{% endfor %}]);
            {% endmacro %}""")

        def __init__(self) -> None:
            super().__init__()
            self._name = "sinkmap_setup"
            self.spec_slot = spec_slot
            self.layers = layers

    return Setup()


def write_webmap(spec: WebMapSpec, path: Path) -> WebMapResult:
    """Render ``spec`` and write it to ``path`` atomically (the previous file survives a failure)."""
    from ..io.atomic import atomic_write

    result = render_webmap(spec)
    with atomic_write(Path(path), "w", encoding="utf-8", newline="\n") as f:
        f.write(result.html)
    return result


__all__ = ["TILES", "WebLayer", "WebMapResult", "WebMapSpec", "fit_zoom", "json_for_script", "render_webmap",
           "write_webmap"]
