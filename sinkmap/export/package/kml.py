"""KMZ for Google Earth, 奥维互动地图 and other KML readers: WGS-84 by default, GCJ-02 only when asked.

One ``doc.kml`` (plus a dot icon, so nothing is fetched from the web): a Document per vector layer inside the
root Document, its ``id`` the layer's ASCII id and its ``<name>`` the Chinese display name; a ``Schema`` in each
so that every attribute (Chinese names and values included) is typed ``ExtendedData`` that GDAL and Google
Earth read back (GDAL folds a field called ``name`` into the placemark's name); the placemark's name from the layer's name field; a description balloon (HTML) listing the
attributes; the app's colours as shared styles (one per class of a categorised or graduated style).

Attribute values are untrusted: every text is XML-escaped (:func:`~sinkmap.export.package.names.xml_escape`),
and the description, which KML readers render as HTML, holds the values HTML-escaped first — a value
``<a href=…>`` or ``]]></Placemark><script>`` shows as those characters. Balloons show only the
description (``BalloonStyle``), so the ExtendedData values are never rendered as HTML either. Style ids
and ``styleUrl`` come from layer ids and class numbers, never from attribute values.

Coordinates: CGCS2000 and WGS-84 lon/lat are the same numbers at this precision
(:mod:`sinkmap.io.gcj02`), written with 8 decimals (about a millimetre). The GCJ-02 variant shifts every
vertex with :func:`sinkmap.io.gcj02.geometry_gcj02_from_wgs84` and says so in its file name, its
document name and its description.
"""

from __future__ import annotations

import math
import struct
import zipfile
import zlib
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from ...carto.colors import hex_to_rgba, ramp_colors
from ...carto.symbology import OTHER_FILL, build_symbology
from ...core.feedback import Feedback
from .model import NAME_FIELDS, PackedLayer
from .names import html_text, xml_escape

ICON = "files/dot.png"
KML_NS = "http://www.opengis.net/kml/2.2"


def kml_color(color: str | None, alpha: float = 1.0) -> str:
    """``#rrggbb[aa]`` → KML's ``aabbggrr``."""
    if not color or str(color).lower() in ("none", "transparent"):
        return "00000000"
    try:
        r, g, b, a = hex_to_rgba(str(color), alpha)
    except ValueError:
        r, g, b, a = 128, 128, 128, int(255 * alpha)
    return f"{a:02x}{b:02x}{g:02x}{r:02x}"


def format_value(value: Any) -> str | None:
    """An attribute value as text (None for missing values: NaN, None, NaT)."""
    import pandas as pd

    if value is None or value is pd.NaT:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if not math.isfinite(value):
            return None
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def field_type(dtype) -> str:
    kind = getattr(dtype, "kind", "O")
    return {"i": "int", "u": "int", "f": "double", "b": "bool"}.get(kind, "string")


def name_field(layer: PackedLayer) -> str | None:
    """The field naming a layer's features: its label field, else the first known name field."""
    cols = [c for c in layer.frame.columns if c != layer.frame.geometry.name]
    if layer.style.label_field in cols:
        return layer.style.label_field
    return next((f for f in NAME_FIELDS if f in cols), None)


def _coords(coords: np.ndarray) -> str:
    return " ".join(f"{x:.8f},{y:.8f}" for x, y in coords[:, :2])


def _ring(tag: str, ring) -> str:
    return f"<{tag}><LinearRing><coordinates>{_coords(np.asarray(ring.coords))}</coordinates></LinearRing></{tag}>"


def geometry_kml(geom) -> str:
    """A shapely geometry as KML (clamped to the ground; lines and polygons tessellated)."""
    t = geom.geom_type
    if t == "Point":
        return f"<Point><coordinates>{geom.x:.8f},{geom.y:.8f}</coordinates></Point>"
    if t == "LineString":
        return f"<LineString><tessellate>1</tessellate><coordinates>{_coords(np.asarray(geom.coords))}</coordinates></LineString>"
    if t == "Polygon":
        inner = "".join(_ring("innerBoundaryIs", r) for r in geom.interiors)
        return f"<Polygon><tessellate>1</tessellate>{_ring('outerBoundaryIs', geom.exterior)}{inner}</Polygon>"
    parts = [geometry_kml(p) for p in shapely.get_parts(geom) if not p.is_empty]
    return parts[0] if len(parts) == 1 else "<MultiGeometry>" + "".join(parts) + "</MultiGeometry>"


def _classes(layer: PackedLayer) -> tuple[list[str], np.ndarray]:
    """The colour of each style class and each feature's class (-1: the app's grey 'other')."""
    sym = build_symbology(layer.style, layer.frame)
    fills = list(sym.fills)
    if layer.style.kind == "graduated" and len(layer.style.breaks) > 1:
        n = len(layer.style.breaks) - 1
        fills = list(layer.style.colors) if len(layer.style.colors) == n else ramp_colors(layer.style.ramp, n)
    if layer.geom_kind == "line" and layer.style.kind == "single":
        fills = [layer.style.stroke if layer.style.stroke not in ("", "none") else layer.style.fill]
    return fills, sym.feature_class


def _style_xml(style_id: str, layer: PackedLayer, fill: str) -> str:
    st = layer.style
    opacity = min(max(st.opacity, 0.0), 1.0)
    if layer.geom_kind == "point":
        scale = max(st.point_size, 4.0) / 12.0
        body = (f"<IconStyle><color>{kml_color(fill, opacity)}</color><scale>{scale:.2f}</scale>"
                f"<Icon><href>{ICON}</href></Icon></IconStyle><LabelStyle><scale>0.8</scale></LabelStyle>")
    elif layer.geom_kind == "line":
        body = f"<LineStyle><color>{kml_color(fill, opacity)}</color><width>{max(st.stroke_width, 1.0):.1f}</width></LineStyle>"
    else:
        has_fill = kml_color(fill) != "00000000"
        outline = st.stroke not in ("", "none") and st.stroke_width > 0
        body = (f"<LineStyle><color>{kml_color(st.stroke if outline else fill)}</color>"
                f"<width>{max(st.stroke_width, 1.0):.1f}</width></LineStyle>"
                f"<PolyStyle><color>{kml_color(fill, opacity)}</color><fill>{int(has_fill)}</fill>"
                f"<outline>{int(outline or not has_fill)}</outline></PolyStyle>")
    return f'<Style id="{xml_escape(style_id)}">{body}<BalloonStyle><text>$[description]</text></BalloonStyle></Style>'


def _description(title: str, fields: list[str], values: list[str | None], footer: str) -> str:
    rows = "".join(f"<tr><th align=\"left\">{html_text(f)}</th><td>{html_text(v)}</td></tr>"
                   for f, v in zip(fields, values) if v is not None)
    html = f"<h3>{html_text(title)}</h3><table>{rows}</table>"
    if footer:
        html += f"<p><i>{html_text(footer)}</i></p>"
    return html


def layer_head(layer: PackedLayer) -> tuple[list[str], list[str]]:
    """The shared styles and the Schema of one vector layer, as KML fragments."""
    frame = layer.frame
    cols = [c for c in frame.columns if c != frame.geometry.name]
    schema = [f'<Schema name="{xml_escape(layer.id)}" id="{xml_escape(layer.id)}_schema">']
    for c in cols:
        schema.append(f'<SimpleField type="{field_type(frame[c].dtype)}" name="{xml_escape(c)}"><displayName>'
                      f"{xml_escape(c)}</displayName></SimpleField>")
    schema.append("</Schema>")
    fills, _ = _classes(layer)
    styles = [_style_xml(f"{layer.id}_{k}", layer, fill) for k, fill in enumerate(fills)]
    styles.append(_style_xml(f"{layer.id}_other", layer, OTHER_FILL))
    return styles, schema


def layer_folder(layer: PackedLayer, schema: list[str], geometries, feedback: Feedback) -> list[str]:
    """One vector layer as a Document of its own (its Schema, then a Placemark per feature)."""
    frame = layer.frame
    cols = [c for c in frame.columns if c != frame.geometry.name]
    _, classes = _classes(layer)
    label = layer.name + (" 演示数据（合成）synthetic demo data" if layer.provenance.synthetic else "")
    out = [f'<Document id="{xml_escape(layer.id)}"><name>{xml_escape(layer.name)}</name>'
           f"<description>{xml_escape(label + ' — ' + layer.provenance.source)}</description>", *schema]
    nf = name_field(layer)
    footer = "演示数据（合成），非真实调查数据 synthetic demo data" if layer.provenance.synthetic else ""
    records = frame[cols].itertuples(index=False, name=None)
    for i, (row, geom) in enumerate(zip(records, geometries)):
        if i % 2000 == 0:
            feedback.check()
        values = [format_value(v) for v in row]
        title = values[cols.index(nf)] if nf is not None and values[cols.index(nf)] else f"{layer.name} {i + 1}"
        k = int(classes[i]) if i < len(classes) else 0
        style_id = f"{layer.id}_{k}" if k >= 0 else f"{layer.id}_other"
        data = "".join(f'<SimpleData name="{xml_escape(c)}">{xml_escape(v)}</SimpleData>'
                       for c, v in zip(cols, values) if v is not None)
        out.append(f"<Placemark><name>{xml_escape(title)}</name>"
                   f"<description>{xml_escape(_description(title, cols, values, footer))}</description>"
                   f"<styleUrl>#{xml_escape(style_id)}</styleUrl>"
                   f'<ExtendedData><SchemaData schemaUrl="#{xml_escape(layer.id)}_schema">{data}</SchemaData>'
                   f"</ExtendedData>{geometry_kml(geom)}</Placemark>")
    out.append("</Document>")
    return out


def kml_document(layers: list[PackedLayer], *, title: str, description: str, gcj02: bool,
                 feedback: Feedback) -> str:
    """The whole ``doc.kml`` (vector layers only, top layer first as in a layer tree).

    Each layer is a Document inside the root Document, holding its own Schema: GDAL's KMZ reader finds a
    layer's fields only there (a Schema of the root Document is ignored when reading a .kmz), and KML 2.2
    allows a Schema only in a Document. The shared styles come first in the root Document, as KML's
    element order requires (libkml drops what comes out of order)."""
    from ...io.gcj02 import geometry_gcj02_from_wgs84

    vectors = [layer for layer in reversed(layers) if layer.kind == "vector" and layer.count]
    heads = [layer_head(layer) for layer in vectors]
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', f'<kml xmlns="{KML_NS}"><Document id="sinkmap_package">',
             f"<name>{xml_escape(title)}</name><open>1</open><description>{xml_escape(description)}</description>",
             *(style for styles, _ in heads for style in styles)]
    for k, (layer, (_, schema)) in enumerate(zip(vectors, heads)):
        feedback.progress(k / max(len(vectors), 1), f"KMZ: {layer.id}")
        geoms = np.asarray(layer.frame.geometry.values, dtype=object)
        if gcj02:
            geoms = geometry_gcj02_from_wgs84(geoms)
        parts.extend(layer_folder(layer, schema, geoms, feedback))
    parts.append("</Document></kml>")
    return "\n".join(parts)


def dot_png(size: int = 32) -> bytes:
    """A white disc with a grey rim (KML tints it with the IconStyle colour), as PNG bytes."""
    yy, xx = np.mgrid[0:size, 0:size]
    r = np.hypot(xx - (size - 1) / 2, yy - (size - 1) / 2)
    rgba = np.zeros((size, size, 4), dtype=np.uint8)
    disc, rim = r <= size / 2 - 1, (r <= size / 2 - 1) & (r > size / 2 - 4)
    rgba[disc] = (255, 255, 255, 255)
    rgba[rim] = (90, 90, 90, 255)
    raw = b"".join(b"\x00" + rgba[y].tobytes() for y in range(size))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def write_kmz(path: Path, layers: list[PackedLayer], *, title: str, description: str, gcj02: bool,
              feedback: Feedback) -> None:
    doc = kml_document(layers, title=title, description=description, gcj02=gcj02, feedback=feedback)
    feedback.check()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        zf.writestr("doc.kml", doc.encode("utf-8"))  # the first entry: what KMZ readers open
        zf.writestr(ICON, dot_png())


__all__ = ["format_value", "geometry_kml", "kml_color", "kml_document", "layer_folder", "layer_head", "name_field",
           "write_kmz"]
