"""KMZ for Google Earth, 奥维互动地图 and other KML readers: WGS-84 by default, GCJ-02 only when asked.

One ``doc.kml`` (plus a dot icon, so nothing is fetched from the web): a Document per vector layer inside the
root Document, its ``id`` the layer's ASCII id and its ``<name>`` the Chinese display name; a ``Schema`` in each
so that every attribute (Chinese names and values included) is typed ``ExtendedData`` that GDAL and Google
Earth read back (GDAL folds a field called ``name`` into the placemark's name); the placemark's name from the
layer's name field; a description balloon (HTML) listing the attributes; the app's colours as shared styles
(one per class of a categorised or graduated style).

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
from .names import html_in_xml, xml_escape

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
    """``lon,lat lon,lat …`` with 8 decimals (one C-level format per ring, not one per vertex)."""
    xy = np.ascontiguousarray(coords[:, :2], dtype=float)
    return ("%.8f,%.8f " * len(xy) % tuple(xy.ravel().tolist()))[:-1]


def geometry_kml(geom) -> str:
    """A shapely geometry as KML (clamped to the ground; lines and polygons tessellated)."""
    return geometries_kml(np.asarray([geom], dtype=object))[0]


def _polygon(rings: list[str], first: int, last: int) -> str:
    inner = "".join(f"<innerBoundaryIs><LinearRing><coordinates>{r}</coordinates></LinearRing></innerBoundaryIs>"
                    for r in rings[first + 1:last])
    return (f"<Polygon><tessellate>1</tessellate><outerBoundaryIs><LinearRing><coordinates>{rings[first]}"
            f"</coordinates></LinearRing></outerBoundaryIs>{inner}</Polygon>")


def _line(text: str) -> str:
    return f"<LineString><tessellate>1</tessellate><coordinates>{text}</coordinates></LineString>"


def _multi(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else "<MultiGeometry>" + "".join(parts) + "</MultiGeometry>"


def geometries_kml(geoms: np.ndarray) -> list[str]:
    """KML of each geometry of a layer (one geometry type, as the packed layers have): coordinates taken
    out once as a ragged array (:func:`shapely.to_ragged_array`), each ring formatted in one go."""
    from shapely import GeometryType

    kind, coords, offsets = shapely.to_ragged_array(geoms)
    if kind == GeometryType.POINT:
        return [f"<Point><coordinates>{x:.8f},{y:.8f}</coordinates></Point>" for x, y in coords[:, :2].tolist()]
    parts = [_coords(coords[a:b]) for a, b in zip(offsets[0][:-1].tolist(), offsets[0][1:].tolist())]
    if kind == GeometryType.MULTIPOINT:
        groups = offsets[0].tolist()
        return [_multi([f"<Point><coordinates>{xy}</coordinates></Point>" for xy in
                        _coords(coords[a:b]).split(" ")]) for a, b in zip(groups[:-1], groups[1:])]
    if kind == GeometryType.LINESTRING:
        return [_line(text) for text in parts]
    if kind == GeometryType.MULTILINESTRING:
        multi = offsets[1].tolist()
        return [_multi([_line(parts[k]) for k in range(a, b)]) for a, b in zip(multi[:-1], multi[1:])]
    polys = offsets[1].tolist()
    if kind == GeometryType.POLYGON:
        return [_polygon(parts, a, b) for a, b in zip(polys[:-1], polys[1:])]
    multi = offsets[2].tolist()
    return [_multi([_polygon(parts, polys[k], polys[k + 1]) for k in range(a, b)])
            for a, b in zip(multi[:-1], multi[1:])]


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
        body = (f"<LineStyle><color>{kml_color(fill, opacity)}</color>"
                f"<width>{max(st.stroke_width, 1.0):.1f}</width></LineStyle>")
    else:
        has_fill = kml_color(fill) != "00000000"
        outline = st.stroke not in ("", "none") and st.stroke_width > 0
        body = (f"<LineStyle><color>{kml_color(st.stroke if outline else fill)}</color>"
                f"<width>{max(st.stroke_width, 1.0):.1f}</width></LineStyle>"
                f"<PolyStyle><color>{kml_color(fill, opacity)}</color><fill>{int(has_fill)}</fill>"
                f"<outline>{int(outline or not has_fill)}</outline></PolyStyle>")
    return f'<Style id="{xml_escape(style_id)}">{body}<BalloonStyle><text>$[description]</text></BalloonStyle></Style>'


_H = {"h3": "&lt;h3&gt;", "/h3": "&lt;/h3&gt;", "table": "&lt;table&gt;", "/table": "&lt;/table&gt;",
      "td": "&lt;/th&gt;&lt;td&gt;", "/td": "&lt;/td&gt;&lt;/tr&gt;", "p": "&lt;p&gt;&lt;i&gt;",
      "/p": "&lt;/i&gt;&lt;/p&gt;"}


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


def _escaped_column(values, numeric: bool) -> list[tuple[str, str, str] | None]:
    """Each value of a column as (plain text, XML-escaped, HTML-then-XML-escaped); None when missing. Texts
    repeat (counties, classes, the data label): each distinct one is escaped once."""
    seen: dict[str, tuple[str, str, str]] = {}
    out: list[tuple[str, str, str] | None] = []
    for v in values:
        text = format_value(v)
        if text is None:
            out.append(None)
        elif numeric:
            out.append((text, text, text))  # digits, sign, point, exponent: nothing to escape
        else:
            hit = seen.get(text)
            if hit is None:
                hit = seen[text] = (text, xml_escape(text), html_in_xml(text))
            out.append(hit)
    return out


def placemark_bodies(layer: PackedLayer, feedback: Feedback) -> list[str]:
    """Everything of each placemark but its geometry (name, description, style, ExtendedData), XML-ready."""
    frame = layer.frame
    cols = [c for c in frame.columns if c != frame.geometry.name]
    _, classes = _classes(layer)
    nf = name_field(layer)
    footer = "演示数据（合成），非真实调查数据 synthetic demo data" if layer.provenance.synthetic else ""
    foot = f"{_H['p']}{html_in_xml(footer)}{_H['/p']}" if footer else ""
    columns = [_escaped_column(frame[c].tolist(), field_type(frame[c].dtype) in ("int", "double")) for c in cols]
    heads = [f'&lt;tr&gt;&lt;th align=&quot;left&quot;&gt;{html_in_xml(c)}{_H["td"]}' for c in cols]
    opens = [f'<SimpleData name="{xml_escape(c)}">' for c in cols]
    schema_url = f'<ExtendedData><SchemaData schemaUrl="#{xml_escape(layer.id)}_schema">'
    style_ids = {k: f"<styleUrl>#{xml_escape(layer.id)}_{k if k >= 0 else 'other'}</styleUrl>"
                 for k in set(np.asarray(classes).tolist()) | {0}}
    name_col = cols.index(nf) if nf is not None else None
    out = []
    for i in range(len(frame)):
        if i % 5000 == 0:
            feedback.check()
        cells = [col[i] for col in columns]
        named = cells[name_col] if name_col is not None else None
        if named is not None and named[0]:
            title_xml, title_html = named[1], named[2]
        else:
            title = f"{layer.name} {i + 1}"
            title_xml, title_html = xml_escape(title), html_in_xml(title)
        rows = "".join(f"{h}{c[2]}{_H['/td']}" for h, c in zip(heads, cells) if c is not None)
        data = "".join(f"{o}{c[1]}</SimpleData>" for o, c in zip(opens, cells) if c is not None)
        k = int(classes[i]) if i < len(classes) else 0
        out.append(f"<Placemark><name>{title_xml}</name><description>{_H['h3']}{title_html}{_H['/h3']}{_H['table']}"
                   f"{rows}{_H['/table']}{foot}</description>{style_ids.get(k, style_ids[0])}{schema_url}{data}"
                   "</SchemaData></ExtendedData>")
    return out


def layer_document(layer: PackedLayer, schema: list[str], bodies: list[str], geometries) -> list[str]:
    """One vector layer as a Document of its own: its Schema, then a Placemark per feature."""
    label = layer.name + (" 演示数据（合成）synthetic demo data" if layer.provenance.synthetic else "")
    out = [f'<Document id="{xml_escape(layer.id)}"><name>{xml_escape(layer.name)}</name>'
           f"<description>{xml_escape(label + ' — ' + layer.provenance.source)}</description>", *schema]
    out.extend(f"{body}{text}</Placemark>" for body, text in zip(bodies, geometries_kml(geometries)))
    out.append("</Document>")
    return out


def kml_documents(layers: list[PackedLayer], *, title: str, description: str, variants: dict[str, bool],
                  feedback: Feedback) -> dict[str, str]:
    """The ``doc.kml`` of each variant (name -> GCJ-02 or not): vector layers only, top layer first as in a
    layer tree. The placemarks' text is made once and shared by the variants; only coordinates differ.

    Each layer is a Document inside the root Document, holding its own Schema: GDAL's KMZ reader finds a
    layer's fields only there (a Schema of the root Document is ignored when reading a .kmz), and KML 2.2
    allows a Schema only in a Document. The shared styles come first in the root Document, as KML's
    element order requires (libkml drops what comes out of order)."""
    from ...io.gcj02 import geometry_gcj02_from_wgs84

    vectors = [layer for layer in reversed(layers) if layer.kind == "vector" and layer.count]
    heads = [layer_head(layer) for layer in vectors]
    styles = [style for st, _ in heads for style in st]
    docs: dict[str, list[str]] = {}
    for name, gcj02 in variants.items():
        doc_title = title if not gcj02 else f"{title} GCJ-02（火星坐标，非 GPS 坐标）"
        doc_desc = description if not gcj02 else (
            description + " — GCJ-02 (AMap) coordinates, NOT GPS/WGS-84: hundreds of metres off")
        docs[name] = ['<?xml version="1.0" encoding="UTF-8"?>',
                      f'<kml xmlns="{KML_NS}"><Document id="sinkmap_package">',
                      f"<name>{xml_escape(doc_title)}</name><open>1</open>"
                      f"<description>{xml_escape(doc_desc)}</description>", *styles]
    for k, (layer, (_, schema)) in enumerate(zip(vectors, heads)):
        feedback.progress(k / max(len(vectors), 1), f"KMZ: {layer.id}")
        bodies = placemark_bodies(layer, feedback)
        geoms = np.asarray(layer.frame.geometry.values, dtype=object)
        for name, gcj02 in variants.items():
            feedback.check()
            docs[name].extend(layer_document(layer, schema, bodies, geometry_gcj02_from_wgs84(geoms) if gcj02
                                             else geoms))
    return {name: "\n".join(parts + ["</Document></kml>"]) for name, parts in docs.items()}


def kml_document(layers: list[PackedLayer], *, title: str, description: str, gcj02: bool,
                 feedback: Feedback) -> str:
    """One ``doc.kml`` (see :func:`kml_documents`)."""
    return kml_documents(layers, title=title, description=description, variants={"doc": gcj02},
                         feedback=feedback)["doc"]


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


def write_kmz(paths: dict[Path, bool], layers: list[PackedLayer], *, title: str, description: str,
              feedback: Feedback) -> None:
    """Write a KMZ at each path (True: in GCJ-02) — a ``doc.kml`` and the dot icon."""
    docs = kml_documents(layers, title=title, description=description,
                         variants={str(p): gcj for p, gcj in paths.items()}, feedback=feedback)
    for path in paths:
        feedback.check()
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            zf.writestr("doc.kml", docs[str(path)].encode("utf-8"))  # the first entry: what KMZ readers open
            zf.writestr(ICON, dot_png())


__all__ = ["format_value", "geometries_kml", "geometry_kml", "kml_color", "kml_document", "kml_documents", "layer_head",
           "name_field",
           "placemark_bodies", "write_kmz"]
