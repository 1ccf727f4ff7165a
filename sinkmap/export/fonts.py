"""The Chinese font of the exports (PDF report, web map), from PyPI — sinkmap ships no font file.

The ``noto-cjk-sans-otc`` package carries Google's *Noto Sans CJK* collection (SIL Open Font License
1.1). Its Simplified-Chinese face (*Noto Sans CJK SC*) is found by name in the collection. The PDF embeds a
subset of it (fpdf2); the web map embeds, as a data URI, a subset holding exactly the characters the page
shows, so Chinese renders on a machine with no CJK font installed and nothing is fetched.

Finding the face and subsetting take seconds (fontTools parses the 20 MB collection's tables): both are kept
under sinkmap's cache folder (``<cache>/fonts/``), keyed by the font file (path, size, modification time,
inode), fontTools' version, this module's code and — for a subset — the characters, so a later export with
the same text reads the same bytes back instead of subsetting again. A damaged or unwritable cache only
costs the time.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..core.errors import SinkmapError

FAMILY_SC = "Noto Sans CJK SC"
#: subsets kept in the cache folder (the least recently used go first)
CACHE_ENTRIES = 64

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FontRef:
    path: Path
    index: int  # face number inside a collection (.ttc/.otc)
    family: str


@lru_cache(maxsize=1)
def cjk_font() -> FontRef:
    """The Simplified-Chinese face of the collection from ``noto-cjk-sans-otc``."""
    try:
        import noto_cjk_sans_otc
    except ImportError:
        raise SinkmapError(code="export.missing_package", package="noto-cjk-sans-otc", extra="export") from None
    path = Path(str(noto_cjk_sans_otc.FONT_PATH))
    entry = _entry("face", path, FAMILY_SC, ".json")
    if entry is not None:
        try:
            got = json.loads(entry.read_text(encoding="utf-8"))
            if got["path"] == str(path) and got["family"] == FAMILY_SC:
                return FontRef(path, int(got["index"]), FAMILY_SC)
        except FileNotFoundError:
            pass
        except Exception as exc:  # noqa: BLE001 - a damaged entry is looked up again
            log.debug("font cache entry %s unusable: %s", entry, exc)
    from fontTools.ttLib import TTCollection

    coll = TTCollection(str(path), lazy=True)
    try:
        for i, face in enumerate(coll.fonts):
            if face["name"].getDebugName(1) == FAMILY_SC:
                _store(entry, json.dumps({"path": str(path), "family": FAMILY_SC, "index": i}).encode("utf-8"))
                return FontRef(path, i, FAMILY_SC)
    finally:
        coll.close()
    raise SinkmapError(code="export.font_face_missing", path=path, family=FAMILY_SC)


def font_subset(text: str) -> bytes:
    """An OpenType font holding the glyphs of ``text`` (and basic Latin), from the SC face (from the cache
    when this text was subset before with this font)."""
    ref = cjk_font()
    chars = "".join(sorted(set(text) | {chr(c) for c in range(0x20, 0x7F)}))
    entry = _entry("subset", ref.path, f"{ref.index}:{chars}", ".otf")
    if entry is not None:
        try:
            data = entry.read_bytes()
            if data[:4] in (b"OTTO", b"\x00\x01\x00\x00", b"true"):
                _touch(entry)
                return data
        except OSError:
            pass
    data = _subset(ref, chars)
    _store(entry, data)
    return data


def _subset(ref: FontRef, chars: str) -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(str(ref.path), fontNumber=ref.index, lazy=True, recalcBBoxes=False, recalcTimestamp=False)
    opts = subset.Options()
    opts.hinting = False
    opts.name_IDs = ["*"]  # the licence and copyright stay with the font
    opts.notdef_outline = True
    # horizontal text only, no ligatures or locale forms: without the layout tables the subset is half the size
    # and made in a third of the time
    opts.layout_features = []
    opts.layout_closure = False
    opts.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx"]
    opts.recalc_bounds = False
    sub = subset.Subsetter(opts)
    sub.populate(text=chars)
    sub.subset(font)
    out = io.BytesIO()
    font.save(out)
    font.close()
    return out.getvalue()


# -- the cache ----------------------------------------------------------------------------------------------

def _entry(kind: str, font: Path, what: str, suffix: str) -> Path | None:
    """Where the cached ``kind`` of ``what`` made from ``font`` lives; None when the font cannot be stat'ed
    or the cache is switched off (``SINKMAP_NO_FONT_CACHE=1``)."""
    if os.environ.get("SINKMAP_NO_FONT_CACHE") == "1":
        return None
    try:
        from importlib import metadata

        from ..io.catalogue import cache_dir

        st = font.stat()
        code = Path(__file__).stat()
        try:
            tools = metadata.version("fonttools")
        except metadata.PackageNotFoundError:  # pragma: no cover
            tools = "?"
        key = json.dumps([kind, str(font), st.st_size, st.st_mtime_ns, st.st_ino, tools, code.st_size,
                          code.st_mtime_ns, what], ensure_ascii=False)
        return cache_dir() / "fonts" / (hashlib.sha256(key.encode("utf-8")).hexdigest()[:40] + suffix)
    except Exception as exc:  # noqa: BLE001 - no cache, only slower
        log.debug("font cache unavailable: %s", exc)
        return None


def _touch(entry: Path) -> None:
    try:
        os.utime(entry)  # recently used: pruned last
    except OSError:
        pass


def _store(entry: Path | None, data: bytes) -> None:
    """Write ``data`` atomically; keep at most :data:`CACHE_ENTRIES` subsets. Failures only cost time."""
    if entry is None:
        return
    try:
        from ..io.atomic import atomic_write

        entry.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(entry) as fh:
            fh.write(data)
        subsets = sorted(entry.parent.glob("*.otf"), key=lambda p: p.stat().st_mtime_ns)
        for old in subsets[: max(0, len(subsets) - CACHE_ENTRIES)]:
            if old != entry:
                old.unlink(missing_ok=True)
    except Exception as exc:  # noqa: BLE001 - the font is fine, only the cache failed
        log.debug("font cache entry %s not written: %s", entry, exc)


def web_font_css(text: str, family: str = "sinkmap-cjk") -> str:
    """A CSS ``@font-face`` rule with the subset for ``text`` as a data URI."""
    data = base64.b64encode(font_subset(text)).decode("ascii")
    return (f"@font-face {{ font-family: '{family}'; src: url(data:font/otf;base64,{data}) format('opentype'); "
            f"font-weight: normal; font-style: normal; }}")


__all__ = ["FAMILY_SC", "FontRef", "cjk_font", "font_subset", "web_font_css"]
