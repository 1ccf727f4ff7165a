"""The Shapefile set: GBK attributes with a ``.cpg``, in the CGCS2000 3° Gauss–Krüger zone of the area.

For 奥维 and older desktop GIS, which read Shapefiles in GBK and a projected CGCS2000 zone with its
``.prj``. The zone (EPSG:4545/4546/4547 for central meridians 108°/111°/114° E in Hunan) is the one that
holds most of the area; an area across two zones (长沙, 郴州) says which it was written in and the share of
the area in each (:func:`choose_zone`).

dBASE limits, handled here rather than left to GDAL (which would cut or drop silently):

* field names: at most 10 bytes in GBK (5 Chinese characters). Longer names are cut at a character
  boundary and made unique (``森林覆盖率_状态`` → ``森林覆盖率``, then ``森林覆_2``…); the table of names
  (``fields.csv`` and the manifest) says which field is which.
* text values: characters GBK cannot encode (rare characters outside GB 2312/GBK such as 𠀀) are written as
  ``&#x20000;`` — the information survives, visibly — and reported per layer and field; values longer than
  254 bytes are cut at a character boundary and reported. Nothing is dropped without a notice.
"""

from __future__ import annotations

import csv
import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from ...core.crs import EQUAL_AREA_CRS, GKZone, gk3_zone
from ...core.feedback import Feedback
from ...core.messages import Notice
from .model import PackedLayer

ENCODING = "GBK"
MAX_NAME_BYTES = 10
MAX_VALUE_BYTES = 254


@dataclass
class ZoneChoice:
    zone: GKZone
    shares: dict[int, float]  # EPSG -> share of the area (0..1)

    @property
    def straddles(self) -> bool:
        return sum(1 for s in self.shares.values() if s > 0.0005) > 1

    def to_json(self) -> dict[str, Any]:
        return {"epsg": self.zone.epsg, "crs": self.zone.crs, "central_meridian": self.zone.central_meridian,
                "zone": self.zone.number, "straddles": self.straddles,
                "shares": {f"EPSG:{k}": round(v, 4) for k, v in sorted(self.shares.items())}}


def choose_zone(area) -> ZoneChoice:
    """The 3° GK zone holding the largest part of ``area`` (EPSG:4490), with each zone's share."""
    from pyproj import Transformer

    x0, _, x1, _ = area.bounds
    zones = {gk3_zone(cm).epsg: gk3_zone(cm) for cm in np.arange(np.floor(x0 / 3) * 3, x1 + 3, 3.0)
             if x0 - 1.5 <= cm <= x1 + 1.5}
    tr = Transformer.from_crs("EPSG:4490", EQUAL_AREA_CRS, always_xy=True)

    def eq_area(geom) -> float:
        if geom.is_empty:
            return 0.0
        g = shapely.segmentize(geom, 0.01)
        return float(shapely.transform(g, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1]))).area)

    total = eq_area(area)
    shares = {epsg: eq_area(shapely.intersection(area, shapely.box(z.central_meridian - 1.5, -90,
                                                                     z.central_meridian + 1.5, 90))) / total
              for epsg, z in zones.items()} if total > 0 else {}
    shares = {k: v for k, v in shares.items() if v > 0}
    best = max(shares, key=shares.get) if shares else gk3_zone((x0 + x1) / 2).epsg
    return ZoneChoice(zones.get(best) or gk3_zone((x0 + x1) / 2), shares)


def _cut_bytes(text: str, limit: int) -> str:
    """The longest start of ``text`` whose GBK encoding fits ``limit`` bytes."""
    out, size = [], 0
    for ch in text:
        n = len(ch.encode(ENCODING, errors="replace"))
        if size + n > limit:
            break
        out.append(ch)
        size += n
    return "".join(out)


def field_names(columns: list[str]) -> dict[str, str]:
    """Shapefile names (≤ 10 GBK bytes, unique ignoring case) for ``columns``, in order."""
    taken: set[str] = set()
    out: dict[str, str] = {}
    for col in columns:
        base = "".join(ch if _gbk_ok(ch) and ch.isprintable() else "_" for ch in str(col)).strip() or "field"
        name, k = _cut_bytes(base, MAX_NAME_BYTES), 2
        while not name or name.lower() in taken:
            suffix = f"_{k}"
            name = _cut_bytes(base, MAX_NAME_BYTES - len(suffix)) + suffix
            k += 1
        taken.add(name.lower())
        out[col] = name
    return out


def _gbk_ok(text: str) -> bool:
    try:
        text.encode(ENCODING)
        return True
    except UnicodeEncodeError:
        return False


def _escape_non_gbk(text: str) -> tuple[str, list[str]]:
    bad = [ch for ch in text if not _gbk_ok(ch)]
    if not bad:
        return text, []
    return "".join(f"&#x{ord(ch):X};" if not _gbk_ok(ch) else ch for ch in text), bad


@dataclass
class ShapefileReport:
    """What the Shapefile set changed, per layer: names, escaped characters, cut values."""

    files: dict[str, str] = field(default_factory=dict)  # layer id -> .shp path (relative)
    fields: dict[str, dict[str, str]] = field(default_factory=dict)  # layer id -> {field: shp field}
    non_gbk: list[dict[str, Any]] = field(default_factory=list)
    truncated: list[dict[str, Any]] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)


def gbk_frame(frame, layer: PackedLayer, report: ShapefileReport):
    """``frame`` with text values fit for a GBK dBASE file (escaped, cut), and what was changed."""
    out = None
    geom = frame.geometry.name
    for col in frame.columns:
        if col == geom or frame[col].dtype.kind not in "OSU":
            continue
        values = frame[col]
        listed = values.tolist()
        strings = [v for v in listed if isinstance(v, str)]
        if not strings:
            continue
        if max(map(len, strings)) * 2 <= MAX_VALUE_BYTES and _gbk_ok("\x00".join(strings)):
            continue  # the usual column: one encode of the whole column, nothing to change
        if out is None:
            out = frame.copy()
        items = [(i, v) for i, v in zip(values.index, listed) if isinstance(v, str)]
        texts = pd.Series([v for _, v in items], index=[i for i, _ in items], dtype=object)
        joined = "\x00".join(texts.tolist())
        fits = _gbk_ok(joined)
        long_ = texts.str.len() * 2 > MAX_VALUE_BYTES
        if fits and not long_.any():
            continue
        changed, chars, cut = texts.copy(), [], 0
        for idx, text in texts.items():
            new, bad = _escape_non_gbk(text) if not fits else (text, [])
            chars.extend(bad)
            if len(new.encode(ENCODING)) > MAX_VALUE_BYTES:
                new = _cut_bytes(new, MAX_VALUE_BYTES)
                cut += 1
            changed[idx] = new
        column = values.astype(object).copy()
        for idx, new in changed.items():  # one by one: a missing value elsewhere stays None (not NaN)
            column.at[idx] = new
        out[col] = column
        if chars:
            uniq = "".join(dict.fromkeys(chars))[:20]
            report.non_gbk.append({"layer": layer.id, "field": str(col), "values": int(sum(
                1 for t in texts if not _gbk_ok(t))), "characters": uniq})
            report.notices.append(Notice("export.package.shp_non_gbk", layer=layer.name, field=str(col),
                                         n=report.non_gbk[-1]["values"], chars=uniq))
        if cut:
            report.truncated.append({"layer": layer.id, "field": str(col), "values": cut})
            report.notices.append(Notice("export.package.shp_truncated", layer=layer.name, field=str(col), n=cut,
                                         limit=MAX_VALUE_BYTES))
    return frame if out is None else out


def _prepared(layer: PackedLayer, zone: ZoneChoice, report: ShapefileReport):
    frame = layer.frame
    geom = frame.geometry.name
    for col in frame.columns:  # dBASE has no boolean or timezone-aware time: keep them as text
        if col == geom:
            continue
        kind = frame[col].dtype.kind
        if kind == "b":
            frame = frame.assign(**{col: frame[col].astype("int32")})
        elif kind == "M" or isinstance(frame[col].dtype, pd.DatetimeTZDtype):
            frame = frame.assign(**{col: frame[col].map(lambda v: None if pd.isna(v) else v.isoformat())})
    frame = gbk_frame(frame, layer, report)
    names = field_names([c for c in frame.columns if c != geom])
    report.fields[layer.id] = names
    frame = frame.rename(columns=names)
    return frame.to_crs(zone.zone.crs)


def write_shapefiles(folder: Path, layers: list[PackedLayer], zone: ZoneChoice, feedback: Feedback) -> ShapefileReport:
    """One Shapefile per non-empty vector layer in ``folder`` (``<id>.shp`` …), and ``fields.csv``."""
    import pyogrio

    report = ShapefileReport()
    vectors = [layer for layer in layers if layer.kind == "vector" and layer.count]
    for k, layer in enumerate(vectors):
        feedback.check()
        feedback.progress(k / max(len(vectors), 1), f"Shapefile: {layer.id}")
        frame = _prepared(layer, zone, report)
        path = folder / f"{layer.id}.shp"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # name and width notes: the field table says what they mean
            pyogrio.write_dataframe(frame, path, driver="ESRI Shapefile", encoding=ENCODING)
        report.files[layer.id] = path.name
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(["layer", "layer_name", "shapefile", "field", "shapefile_field"])
    by_id = {layer.id: layer for layer in vectors}
    for lid, names in report.fields.items():
        for original, short in names.items():
            writer.writerow([lid, by_id[lid].name, report.files[lid], original, short])
    (folder / "fields.csv").write_text("\ufeff" + buf.getvalue(), encoding="utf-8")
    return report


__all__ = ["ENCODING", "ShapefileReport", "ZoneChoice", "choose_zone", "field_names", "gbk_frame", "write_shapefiles"]
