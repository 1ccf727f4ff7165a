"""Parsed YAML kept in sinkmap's cache folder, by content: the bundled targets, zones and schemes are read on
most commands, and parsing them (with PyYAML's import) was a twentieth of a warm ledger (issue 15).

:func:`load` is :func:`sinkmap.core.yamlio.safe_load` with a cache keyed by the text itself: a file is
``<cache>/yaml/<crc32>-<length>.marshal`` holding the text and its parsed value (``marshal``: plain
Python data, nothing executable), used only when the stored text equals the text given — an edited file
is a new text, so an entry can never be stale. Documents ``marshal`` cannot hold (dates) are parsed each
time; a cache that cannot be read or written only costs the parse.
"""

from __future__ import annotations

import marshal
import os
import sys
import zlib
from typing import Any

from ..core import yamlio

__all__ = ["load"]

_TAG = f"py{sys.version_info[0]}{sys.version_info[1]}-m{marshal.version}"


def _entry(text: str):
    from .catalogue import cache_dir

    raw = text.encode("utf-8")
    return cache_dir() / "yaml" / f"{zlib.crc32(raw):08x}-{len(raw)}-{_TAG}.marshal"


def load(text: str) -> Any:
    """``yamlio.safe_load(text)``, from the cache when this exact text was parsed before."""
    try:
        path = _entry(text)
        stored, value = marshal.loads(path.read_bytes())
        if stored == text:
            return value
    except Exception:  # noqa: BLE001 - no entry, or an unreadable one: parse
        path = None
    value = yamlio.safe_load(text)
    if path is None:
        try:
            path = _entry(text)
        except Exception:  # noqa: BLE001 - no cache folder: nothing to keep
            return value
    try:
        data = marshal.dumps((text, value))
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except Exception:  # noqa: BLE001 - a value marshal cannot hold, a read-only cache: parsed next time too
        pass
    return value
