"""The one JSON writer of sinkmap: every JSON the program prints or writes goes through :func:`dumps`.

Strict JSON (RFC 8259) only: ``NaN``, ``Infinity`` and ``-Infinity`` are not JSON and many readers
(browsers' ``JSON.parse``, jq, Go, Java) reject them. :func:`plain` turns a value into plain JSON data:

* non-finite floats (NaN, ±inf, numpy's too) and ``pd.NA``/``NaT`` → ``null``;
* numpy scalars and arrays → Python numbers and lists;
* dates and datetimes → ISO 8601 text; paths → text;
* objects with ``to_json()`` (notices, reports) → that; dataclasses → their fields;
* mappings → objects with text keys; lists, tuples, sets → arrays;
* anything else → its ``str``.

:func:`dumps` then serialises with ``allow_nan=False``, so a non-finite number that slipped through
raises instead of writing invalid JSON. Files: :func:`sinkmap.io.atomic.write_json` (atomic).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import sys
from collections.abc import Mapping
from pathlib import PurePath
from typing import IO, Any


_SAME = frozenset({str, int, bool, type(None)})  # exact types that are JSON as they are


def plain(value: Any) -> Any:
    """``value`` as strict-JSON data (see the module docstring)."""
    t = type(value)  # the common exact types first (a report is tens of thousands of values)
    if t in _SAME:
        return value
    if t is float:
        return value if math.isfinite(value) else None
    if t is dict:
        return {k if type(k) is str else str(k): plain(v) for k, v in value.items()}
    if t is list:
        return [plain(v) for v in value]
    return _plain(value)


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    # a numpy or pandas value exists only once its library is loaded: never import one just to look
    np = sys.modules.get("numpy")
    if np is not None:
        if isinstance(value, np.generic):
            return plain(value.item())
        if isinstance(value, np.ndarray):
            return [plain(v) for v in value.tolist()]
    pd = sys.modules.get("pandas")
    if pd is not None and (value is pd.NaT or value is pd.NA):
        return None
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return [plain(v) for v in items]
    to_json = getattr(value, "to_json", None)
    if callable(to_json):
        return plain(to_json())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return plain(dataclasses.asdict(value))
    return str(value)


def dumps(value: Any, *, indent: int | None = 2) -> str:
    """Strict JSON text of ``value`` (UTF-8 characters kept, non-finite numbers as ``null``).

    The text is exactly ``json.dumps(plain(value), ensure_ascii=False, allow_nan=False, indent=indent)``;
    indented, it is written by :func:`_indented`, several times faster than ``json``'s own indenting
    encoder (pure Python: a province ledger is 10⁵ of its steps, issue 15).
    """
    data = plain(value)
    if indent is None or _c_make_encoder is None:
        return json.dumps(data, ensure_ascii=False, allow_nan=False, indent=indent)
    return "".join(_indented(data, " " * indent, 0, []))


try:  # the C parts of the standard library's json (absent only on Pythons built without them)
    from _json import encode_basestring as _encode_str, make_encoder as _c_make_encoder
except ImportError:  # pragma: no cover
    _c_make_encoder = None

_SCALARS = (str, int, float, type(None))  # bool is an int


def _flat_encoder(step: str, level: int):
    """json's C encoder writing a container of scalars at nesting ``level`` as ``indent=len(step)`` does,
    but for the line break after its opening bracket and before its closing one."""
    enc = _FLAT.get((step, level))
    if enc is None:
        enc = _FLAT[(step, level)] = _c_make_encoder(None, None, _encode_str, None, ": ", ",\n" + step * (level + 1),
                                                    False, False, False)
    return enc


_FLAT: dict = {}


def _scalar(v: Any) -> str:
    if isinstance(v, str):
        return _encode_str(v)
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"Out of range float values are not JSON compliant: {v!r}")
        return float.__repr__(v)
    return int.__repr__(v)


def _indented(v: Any, step: str, level: int, out: list) -> list:
    """The chunks of ``v`` (plain JSON data) as ``json.dumps(v, indent=len(step), ensure_ascii=False)``
    writes them: containers holding only scalars in one call of json's C encoder, the others here."""
    if isinstance(v, dict):
        if not v:
            out.append("{}")
        elif all(isinstance(x, _SCALARS) for x in v.values()):
            text = "".join(_flat_encoder(step, level)(v, 0))
            out.append("{\n" + step * (level + 1) + text[1:-1] + "\n" + step * level + "}")
        else:
            inner = ",\n" + step * (level + 1)
            out.append("{\n" + step * (level + 1))
            first = True
            for k, x in v.items():
                if not first:
                    out.append(inner)
                first = False
                out.append(_encode_str(k) + ": ")
                if isinstance(x, (dict, list)):
                    _indented(x, step, level + 1, out)
                else:
                    out.append(_scalar(x))
            out.append("\n" + step * level + "}")
    elif isinstance(v, list):
        if not v:
            out.append("[]")
        elif all(isinstance(x, _SCALARS) for x in v):
            text = "".join(_flat_encoder(step, level)(v, 0))
            out.append("[\n" + step * (level + 1) + text[1:-1] + "\n" + step * level + "]")
        else:
            inner = ",\n" + step * (level + 1)
            out.append("[\n" + step * (level + 1))
            first = True
            for x in v:
                if not first:
                    out.append(inner)
                first = False
                if isinstance(x, (dict, list)):
                    _indented(x, step, level + 1, out)
                else:
                    out.append(_scalar(x))
            out.append("\n" + step * level + "]")
    else:
        out.append(_scalar(v))
    return out


def dump(value: Any, fh: IO[str], *, indent: int | None = 2) -> None:
    """:func:`dumps` into an open text file, with a final newline."""
    fh.write(dumps(value, indent=indent))
    fh.write("\n")


def json_default(value: Any) -> Any:
    """``json.dump(default=...)`` for callers that serialise themselves: like :func:`plain`.

    Prefer :func:`dumps`: ``default`` is not called for floats, so NaN/inf pass through it.
    """
    return plain(value)


__all__ = ["dump", "dumps", "json_default", "plain"]
