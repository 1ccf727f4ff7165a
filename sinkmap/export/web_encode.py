"""Compact vector layers for the offline web map: quantised, simplified per zoom band, varint-encoded.

A layer is written once per *level of detail*. Level ``z`` serves the zooms of its band (up to ``z``) and
is (1) simplified with a Douglas–Peucker tolerance of :data:`TOLERANCE_PX` (half a screen pixel) at zoom
``z`` and (2) quantised to a grid of the same size or finer — so at every zoom offered, no drawn vertex is
more than about half a pixel from where the full-precision geometry would put it. The finest level uses
:data:`BASE_QUANTUM` degrees (1e-5° ≈ 1.1 m, under half a pixel at zoom 16). Coordinates are delta-encoded
(each vertex relative to the previous one) and written as zig-zag base-32 varints in 64 letters, digits,
``_`` and ``-`` (:data:`ALPHABET`), read back by ``web/sinkmap_map.js``. Closing vertices of rings are dropped (the runtime closes paths).

Attributes are written by column: text columns as a dictionary of distinct values plus an index per
feature, numbers as plain JSON numbers rounded as shown. Nothing here is HTML: the runtime only ever puts
values in the page as text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

#: Simplification tolerance and quantum of each level, in screen pixels of the level's most detailed zoom.
TOLERANCE_PX = 0.5
#: Coordinate quantum of the finest level (degrees) and the zoom it serves.
BASE_QUANTUM = 1e-5
BASE_ZOOM = 16


def pixel_degrees(zoom: float, lat: float = 0.0) -> float:
    """One screen pixel at ``zoom`` in degrees of latitude at ``lat`` (Web Mercator, 256-pixel tiles); a
    pixel is wider in degrees of longitude, so this is the stricter of the two."""
    return 360.0 / (256.0 * 2.0 ** zoom) * math.cos(math.radians(lat))


def quantum_for(zoom: int, max_zoom: int = BASE_ZOOM) -> float:
    """The coordinate quantum of a level serving up to ``zoom``: the base quantum, doubled per zoom below
    ``max_zoom`` (each zoom out halves the pixels per degree)."""
    return BASE_QUANTUM * 2.0 ** max(0, max_zoom - zoom)


#: The 64 symbols of the varint code: index = 5-bit chunk, + 32 on every chunk but a value's last. Letters,
#: digits, ``_`` and ``-`` only: nothing that JSON, HTML or a template language would need to escape.
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
_SYMBOLS = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}


def encode_ints(values: np.ndarray) -> str:
    """Signed integers as zig-zag base-32 varints, 5 bits per character of :data:`ALPHABET` (a chunk's
    symbol is ``ALPHABET[chunk + 32]`` when more chunks follow). Vectorised: millions of values in well
    under a second."""
    v = np.asarray(values, dtype=np.int64).ravel()
    if v.size == 0:
        return ""
    z = np.where(v < 0, ((-v - 1) << 1) | 1, v << 1).astype(np.uint64)
    nch = np.ones(len(z), dtype=np.int64)
    rest = z >> np.uint64(5)
    while rest.any():
        nch += rest > 0
        rest >>= np.uint64(5)
    starts = np.zeros(len(z), dtype=np.int64)
    np.cumsum(nch[:-1], out=starts[1:])
    out = np.empty(int(nch.sum()), dtype=np.uint8)
    for k in range(int(nch.max())):
        sel = np.flatnonzero(nch > k)
        chunk = (z[sel] >> np.uint64(5 * k)) & np.uint64(31)
        more = (nch[sel] > k + 1).astype(np.uint64) * np.uint64(32)
        out[starts[sel] + k] = _SYMBOLS[(chunk + more).astype(np.int64)]
    return out.tobytes().decode("ascii")


def decode_ints(text: str) -> list[int]:
    """The inverse of :func:`encode_ints` (for tests; the browser has its own)."""
    out, r, s = [], 0, 0
    for ch in text:
        b = _VALUE[ch]
        r += (b & 31) << s
        s += 5
        if b < 32:
            out.append(-((r + 1) >> 1) if r & 1 else r >> 1)
            r, s = 0, 0
    return out


@dataclass
class Level:
    zoom: int
    quantum: float
    origin: tuple[int, int]
    coords: str  # delta-encoded vertices (x, y interleaved)
    ring_lengths: str  # vertices per ring (polygons, lines); "" for points
    rings_per_feature: str  # rings per feature; "" for points
    vertices: int
    rings: int = 0

    def to_json(self) -> dict:
        out = {"z": self.zoom, "q": self.quantum, "o": list(self.origin), "c": self.coords, "n": self.vertices}
        if self.ring_lengths or self.rings_per_feature:
            out["r"], out["f"], out["nr"] = self.ring_lengths, self.rings_per_feature, self.rings
        return out


def geometry_kind(geoms: np.ndarray) -> str:
    """'polygon', 'line' or 'point' for a layer's geometries (the first non-empty one decides)."""
    types = shapely.get_type_id(geoms)
    types = types[types >= 0]
    if not len(types):
        return "point"
    t = int(types[0])
    return {0: "point", 4: "point", 1: "line", 2: "line", 5: "line", 3: "polygon", 6: "polygon"}.get(t, "polygon")


def _rings(geoms: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every ring (polygons) or part (lines) of ``geoms``: (coords (V, 2), vertices per ring, rings per
    feature). Empty and null geometries have no ring."""
    n = len(geoms)
    if kind == "polygon":
        polys = shapely.get_parts(geoms, return_index=True)
        parts, owner = polys
        ext = shapely.get_exterior_ring(parts)
        n_int = shapely.get_num_interior_rings(parts)
        ring_geoms, ring_owner = [ext], [owner]
        max_int = int(n_int.max()) if len(n_int) else 0
        for k in range(max_int):
            sel = np.flatnonzero(n_int > k)
            ring_geoms.append(shapely.get_interior_ring(parts[sel], k))
            ring_owner.append(owner[sel])
        rings = np.concatenate(ring_geoms)
        rowner = np.concatenate(ring_owner)
    else:
        rings, rowner = shapely.get_parts(geoms, return_index=True)
    ok = ~shapely.is_empty(rings) & ~shapely.is_missing(rings)
    rings, rowner = rings[ok], rowner[ok]
    order = np.argsort(rowner, kind="stable")
    rings, rowner = rings[order], rowner[order]
    coords, cidx = shapely.get_coordinates(rings, return_index=True)
    lengths = np.bincount(cidx, minlength=len(rings)).astype(np.int64)
    per_feature = np.bincount(rowner, minlength=n).astype(np.int64)
    return coords, lengths, per_feature


def encode_level(geoms: np.ndarray, kind: str, zoom: int, max_zoom: int, lat: float) -> Level:
    """One level of detail of ``geoms`` (lon/lat degrees) for zooms up to ``zoom``."""
    q = quantum_for(zoom, max_zoom)
    if kind == "point":
        pts = shapely.get_coordinates(shapely.centroid(geoms))  # multipoints: their centre
        qc = np.round(pts / q).astype(np.int64)
        origin = (int(qc[:, 0].min()), int(qc[:, 1].min())) if len(qc) else (0, 0)
        d = np.diff(qc - np.array(origin), axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
        return Level(zoom, q, origin, encode_ints(d), "", "", len(qc))
    tol = TOLERANCE_PX * pixel_degrees(zoom, lat)
    # plain Douglas–Peucker (ten times faster than the topology-preserving kind; a display tolerates a ring
    # that touches itself); features it collapses keep a topology-preserving simplification instead
    simple = shapely.simplify(geoms, tol, preserve_topology=False)
    lost = np.flatnonzero(shapely.is_empty(simple) & ~shapely.is_empty(geoms))
    if len(lost):
        simple[lost] = shapely.simplify(geoms[lost], tol, preserve_topology=True)
    if kind == "polygon":  # exteriors anticlockwise, holes clockwise: the browser fills many at once, nonzero
        simple = _oriented(simple)
    coords, lengths, per_feature = _rings(simple, kind)
    qc = np.round(coords / q).astype(np.int64)
    # drop vertices that fall on the previous one once quantised, and every polygon ring's closing vertex
    keep = np.ones(len(qc), dtype=bool)
    starts = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    if len(qc):
        keep[1:] = np.any(qc[1:] != qc[:-1], axis=1)
        keep[starts[lengths > 0]] = True
        if kind == "polygon":
            ends = starts + lengths - 1
            closed = (lengths > 1) & np.all(qc[ends] == qc[starts], axis=1)
            keep[ends[closed]] = False
    ring_id = np.repeat(np.arange(len(lengths)), lengths)
    new_len = np.bincount(ring_id[keep], minlength=len(lengths)).astype(np.int64)
    qc = qc[keep]
    origin = (int(qc[:, 0].min()), int(qc[:, 1].min())) if len(qc) else (0, 0)
    d = np.diff(qc - np.array(origin), axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    return Level(zoom, q, origin, encode_ints(d), encode_ints(new_len), encode_ints(per_feature), len(qc), len(new_len))


def _oriented(geoms: np.ndarray) -> np.ndarray:
    if hasattr(shapely, "orient_polygons"):  # shapely ≥ 2.1
        return shapely.orient_polygons(geoms, exterior_cw=False)
    from shapely.geometry.polygon import orient

    out = geoms.copy()
    for i, g in enumerate(geoms):
        if g is not None and not g.is_empty and g.geom_type in ("Polygon", "MultiPolygon"):
            out[i] = orient(g) if g.geom_type == "Polygon" else type(g)([orient(p) for p in g.geoms])
    return out


def level_zooms(min_zoom: int, max_zoom: int, step: int = 2) -> list[int]:
    """The zooms that get a level: every ``step`` zooms from ``min_zoom + 1`` up to ``max_zoom`` (which
    always has one)."""
    zooms = list(range(min(min_zoom + 1, max_zoom), max_zoom, step))
    return sorted(set(zooms + [max_zoom]))


def encode_geometries(geoms: np.ndarray, kind: str, min_zoom: int, max_zoom: int) -> list[Level]:
    """Every level of ``geoms`` for the zooms offered (points: one level, they need no simplification)."""
    geoms = np.asarray(geoms, dtype=object)  # shapely on a numpy array (a GeoPandas array goes through pandas)
    b = shapely.total_bounds(geoms)
    lat = float(max(abs(b[1]), abs(b[3]))) if np.all(np.isfinite(b)) else 0.0
    if kind == "point":
        return [encode_level(geoms, kind, max_zoom, max_zoom, lat)]
    return [encode_level(geoms, kind, z, max_zoom, lat) for z in level_zooms(min_zoom, max_zoom)]


# -- attributes -------------------------------------------------------------------------------------

def _number(v, digits: int):
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return None
    r = round(float(v), digits)
    return int(r) if r == int(r) and abs(r) < 2 ** 53 else r


def encode_column(values: pd.Series, label: str, digits: int = 2) -> dict:
    """One attribute column: numbers rounded to ``digits`` decimals, anything else as text (dictionary +
    index per feature; -1 for a missing value)."""
    if values.dtype.kind in "iuf":
        return {"label": label, "values": [_number(v, digits) for v in values.to_numpy(dtype=float)]}
    if values.dtype.kind == "b":
        return {"label": label, "values": [bool(v) for v in values]}
    text = values.astype(object).where(values.notna(), None)
    codes, uniques = pd.factorize(text.map(lambda v: None if v is None else str(v)), use_na_sentinel=True)
    return {"label": label, "dict": [str(u) for u in uniques], "idx": codes.astype(int).tolist()}


__all__ = ["ALPHABET", "BASE_QUANTUM", "BASE_ZOOM", "Level", "TOLERANCE_PX", "decode_ints", "encode_column", "encode_geometries",
           "encode_ints", "geometry_kind", "level_zooms", "pixel_degrees", "quantum_for"]
