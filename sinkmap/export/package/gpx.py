"""GPX 1.1 waypoints for handheld GPS units: WGS-84 lat/lon, names in Chinese.

Waypoints are the features of the package's point layers (plan projects, substations, a user's sites or
sample points) and one point inside each polygon of the ledger units and the siting regions (the
representative point, which always lies inside the polygon, unlike a centroid). Coordinates are the
GeoPackage's lon/lat (CGCS2000 = WGS-84 at this precision), 8 decimals — never projected metres. Every
text is XML-escaped; the writer is sinkmap's own (no GDAL field-name limits on ``name``/``desc``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import shapely

from ...core.feedback import Feedback
from .kml import format_value, name_field
from .model import WAYPOINT_CENTROID_ROLES, PackedLayer
from .names import xml_escape

GPX_NS = "http://www.topografix.com/GPX/1/1"
#: Attributes added to a waypoint's description, when the layer has them.
DESC_FIELDS = ("type", "总体状态", "status", "XIAN", "city", "capacity_text", "DYDJ_KV", "level", "parent",
               "mean_score", "area_ha", "capacity_mw")


@dataclass
class Waypoint:
    lon: float
    lat: float
    name: str
    desc: str
    type: str
    layer: str  # the packed layer's id


def waypoints(layers: list[PackedLayer]) -> list[Waypoint]:
    """The waypoints of the package's layers (see the module docstring)."""
    out: list[Waypoint] = []
    for layer in layers:
        if layer.kind != "vector" or not layer.count:
            continue
        if layer.geom_kind == "point":
            points = shapely.get_parts(np.asarray(layer.frame.geometry.values, dtype=object), return_index=True)
        elif layer.geom_kind == "polygon" and layer.role in WAYPOINT_CENTROID_ROLES:
            geoms = np.asarray(layer.frame.geometry.values, dtype=object)
            points = (shapely.point_on_surface(geoms), np.arange(len(geoms)))
        else:
            continue
        nf = name_field(layer)
        cols = [c for c in DESC_FIELDS if c in layer.frame.columns]
        if "总体状态" in cols:  # the ledger's status in words, not its code
            cols.remove("status")
        synthetic = "（演示数据）" if layer.provenance.synthetic and "演示" not in layer.name else ""
        for geom, row in zip(*points):
            rec = layer.frame.iloc[int(row)]
            name = format_value(rec[nf]) if nf else None
            desc = "；".join(f"{c}: {v}" for c in cols if (v := format_value(rec[c])))
            out.append(Waypoint(float(geom.x), float(geom.y), name or f"{layer.name} {int(row) + 1}",
                                f"{layer.name}{synthetic}" + (f" — {desc}" if desc else ""), layer.name, layer.id))
    return out


def gpx_document(points: list[Waypoint], *, title: str, description: str, bounds: tuple[float, ...]) -> str:
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    x0, y0, x1, y1 = bounds
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             f'<gpx version="1.1" creator="sinkmap" xmlns="{GPX_NS}">',
             f"<metadata><name>{xml_escape(title)}</name><desc>{xml_escape(description)}</desc><time>{now}</time>"
             f'<bounds minlat="{y0:.8f}" minlon="{x0:.8f}" maxlat="{y1:.8f}" maxlon="{x1:.8f}"/></metadata>']
    for p in points:
        lines.append(f'<wpt lat="{p.lat:.8f}" lon="{p.lon:.8f}"><name>{xml_escape(p.name)}</name>'
                     f"<desc>{xml_escape(p.desc)}</desc><sym>Flag, Blue</sym><type>{xml_escape(p.type)}</type></wpt>")
    lines.append("</gpx>")
    return "\n".join(lines) + "\n"


def write_gpx(path: Path, layers: list[PackedLayer], *, title: str, description: str, bounds: tuple[float, ...],
              feedback: Feedback) -> int:
    """Write the waypoints; returns how many (a file with none is still written: the manifest says 0)."""
    points = waypoints(layers)
    feedback.check()
    path.write_text(gpx_document(points, title=title, description=description, bounds=bounds), encoding="utf-8")
    return len(points)


__all__ = ["Waypoint", "gpx_document", "waypoints", "write_gpx"]
