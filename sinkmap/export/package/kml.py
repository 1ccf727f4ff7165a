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


def _ring_texts(coords: np.ndarray, starts: list[int]) -> list[str]:
    """``lon,lat lon,lat …`` of each ring ``coords[starts[k]:starts[k + 1]]``: every vertex of the layer
    formatted in one C-level ``%`` (8 decimals), then each ring joined from its slice."""
    xy = np.ascontiguousarray(coords[:, :2], dtype=float)
    if not len(xy):
        return ["" for _ in starts[:-1]]
    pairs = ("%.8f,%.8f\n" * len(xy) % tuple(xy.ravel().tolist())).split("\n")
    join = " ".join
    return [join(pairs[a:b]) for a, b in zip(starts[:-1], starts[1:])]


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
    parts = _ring_texts(coords, offsets[0].tolist())
    if kind == GeometryType.MULTIPOINT:
        return [_multi([f"<Point><coordinates>{xy}</coordinates></Point>" for xy in text.split(" ")])
                for text in parts]
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


def column_texts(series) -> list[str | None]:
    """:func:`format_value` of every value of a column (None where missing), by the column's type: numbers and
    booleans without a call per value, other values once per distinct value."""
    dtype = series.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iu":
        return list(map(str, series.to_numpy().tolist()))
    if isinstance(dtype, np.dtype) and dtype.kind == "b":
        return ["true" if v else "false" for v in series.to_numpy().tolist()]
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        arr = series.to_numpy(dtype=float)
        finite = np.isfinite(arr)
        whole = finite & (np.abs(arr) < 1e15) & (arr == np.trunc(np.where(finite, arr, 0.0)))
        ints = np.where(whole, arr, 0.0).astype(np.int64).tolist()
        return [(str(i) if w else repr(v)) if f else None
                for v, i, w, f in zip(arr.tolist(), ints, whole.tolist(), finite.tolist())]
    cache: dict[Any, str | None] = {}
    out: list[str | None] = []
    for v in series.tolist():
        try:
            text = cache[v]
        except KeyError:
            text = cache[v] = format_value(v)
        except TypeError:  # unhashable (a list…)
            text = format_value(v)
        out.append(text)
    return out


def _fragments(texts: list[str | None], head: str, tail: str, escape) -> list[str]:
    """``head + escape(text) + tail`` for each text ('' where missing); each distinct text escaped once, the
    column then mapped through that table (no Python-level loop per value)."""
    table = {text: f"{head}{escape(text)}{tail}" for text in set(texts) if text is not None}
    table[None] = ""
    return list(map(table.__getitem__, texts))


def placemark_bodies(layer: PackedLayer, feedback: Feedback) -> list[str]:
    """Everything of each placemark but its geometry (name, description, style, ExtendedData), XML-ready.

    Built column by column (each distinct value escaped once), then row by row with one join per row."""
    frame = layer.frame
    cols = [c for c in frame.columns if c != frame.geometry.name]
    _, classes = _classes(layer)
    nf = name_field(layer)
    footer = "演示数据（合成），非真实调查数据 synthetic demo data" if layer.provenance.synthetic else ""
    foot = f"{_H['p']}{html_in_xml(footer)}{_H['/p']}" if footer else ""
    n = len(frame)
    texts = {c: column_texts(frame[c]) for c in cols}
    feedback.check()
    rows = [_fragments(texts[c], f'&lt;tr&gt;&lt;th align=&quot;left&quot;&gt;{html_in_xml(c)}{_H["td"]}',
                       _H["/td"], html_in_xml) for c in cols]
    data = [_fragments(texts[c], f'<SimpleData name="{xml_escape(c)}">', "</SimpleData>", xml_escape) for c in cols]
    feedback.check()
    rows_joined = list(map("".join, zip(*rows))) if cols else [""] * n
    data_joined = list(map("".join, zip(*data))) if cols else [""] * n
    names = texts[nf] if nf is not None else [None] * n
    titles_xml = _fragments(names, "", "", xml_escape)
    titles_html = _fragments(names, "", "", html_in_xml)
    schema_url = f'<ExtendedData><SchemaData schemaUrl="#{xml_escape(layer.id)}_schema">'
    classes = np.asarray(classes).tolist()
    style_ids = {k: f"<styleUrl>#{xml_escape(layer.id)}_{k if k >= 0 else 'other'}</styleUrl>"
                 for k in set(classes) | {0}}
    default_style = style_ids[0]
    out = []
    for i in range(n):
        if not titles_xml[i]:
            title = f"{layer.name} {i + 1}"
            titles_xml[i], titles_html[i] = xml_escape(title), html_in_xml(title)
        style = style_ids.get(classes[i], default_style) if i < len(classes) else default_style
        out.append(f"<Placemark><name>{titles_xml[i]}</name><description>{_H['h3']}{titles_html[i]}{_H['/h3']}"
                   f"{_H['table']}{rows_joined[i]}{_H['/table']}{foot}</description>{style}{schema_url}"
                   f"{data_joined[i]}</SchemaData></ExtendedData>")
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
              feedback: Feedback, background=None):
    """Write a KMZ at each path (True: in GCJ-02) — a ``doc.kml`` and the dot icon.

    ``background`` (a ``concurrent.futures`` executor): the KML text is made here, the compression (zlib,
    which releases the GIL) runs there while the caller goes on; the future is returned (wait for it before
    using the files). Without it everything is done before returning (None)."""
    docs = kml_documents(layers, title=title, description=description,
                         variants={str(p): gcj for p, gcj in paths.items()}, feedback=feedback)
    feedback.check()
    if background is not None:
        return background.submit(_write_kmz_files, list(paths), docs)
    _write_kmz_files(list(paths), docs)
    return None


def _write_kmz_files(paths: list[Path], docs: dict[str, str]) -> None:
    icon = dot_png()
    for path in paths:
        data = docs.pop(str(path)).encode("utf-8")
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            zf.writestr("doc.kml", data)  # the first entry: what KMZ readers (QField: /vsizip/…/doc.kml) open
            zf.writestr(ICON, icon)


__all__ = ["format_value", "geometries_kml", "geometry_kml", "kml_color", "kml_document", "kml_documents", "layer_head",
           "name_field",
           "placemark_bodies", "column_texts", "write_kmz"]
