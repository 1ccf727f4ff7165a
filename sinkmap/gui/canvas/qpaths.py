"""numpy arrays -> QPainterPath / QPolygonF without a Python loop per vertex or per feature.

Qt serialises a QPainterPath as: element count (int32), then per element its type (int32: 0 MoveTo,
1 LineTo) and x, y (float64), then the index of the last subpath start (int32) and the fill rule
(int32). Writing that layout with a numpy structured array and reading it back through QDataStream
builds a path of a million vertices in C. A QPolygonF (a QList of QPointF) is a uint32 count followed
by x, y float64 pairs. Byte order is set to little-endian on both sides so numpy's '<' types apply.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QByteArray, QDataStream, Qt
from PySide6.QtGui import QPainterPath, QPolygonF

_ELEMENT = np.dtype([("type", "<i4"), ("x", "<f8"), ("y", "<f8")])
_MOVE, _LINE = 0, 1


def _stream(data: bytes) -> QDataStream:
    stream = QDataStream(QByteArray(data))
    stream.setByteOrder(QDataStream.ByteOrder.LittleEndian)
    return stream


def path_from_parts(xy: np.ndarray, offsets: np.ndarray, fill_rule: Qt.FillRule = Qt.FillRule.OddEvenFill
                    ) -> QPainterPath:
    """One QPainterPath whose subpaths are the parts ``xy[offsets[i]:offsets[i+1]]``.

    Polygon rings arrive closed from shapely (last vertex == first), so strokes close too; with the
    odd-even rule holes stay empty.
    """
    path = QPainterPath()
    n = len(xy)
    if n == 0:
        return path
    rec = np.empty(n, dtype=_ELEMENT)
    rec["type"] = _LINE
    starts = offsets[:-1][offsets[:-1] < offsets[1:]]
    rec["type"][starts] = _MOVE
    rec["x"] = xy[:, 0]
    rec["y"] = xy[:, 1]
    last_start = int(starts[-1]) if len(starts) else 0
    rule = 0 if fill_rule == Qt.FillRule.OddEvenFill else 1
    payload = (np.int32(n).tobytes() + rec.tobytes() + np.int32(last_start).tobytes()
               + np.int32(rule).tobytes())
    _stream(payload) >> path
    return path


def chunked_paths(xy: np.ndarray, offsets: np.ndarray, parts_per_path: int) -> list[QPainterPath]:
    """Several paths of at most ``parts_per_path`` parts each (antialiased fills scale badly with size)."""
    paths = []
    nparts = len(offsets) - 1
    for p0 in range(0, nparts, parts_per_path):
        p1 = min(nparts, p0 + parts_per_path)
        v0, v1 = int(offsets[p0]), int(offsets[p1])
        paths.append(path_from_parts(xy[v0:v1], offsets[p0:p1 + 1] - v0))
    return paths


def polygonf(xy: np.ndarray) -> QPolygonF:
    """A QPolygonF holding the points ``xy`` ((N, 2) float)."""
    poly = QPolygonF()
    if len(xy) == 0:
        return poly
    pts = np.ascontiguousarray(xy, dtype="<f8")
    _stream(np.uint32(len(pts)).tobytes() + pts.tobytes()) >> poly
    return poly
