"""The Chinese font of the exports (PDF report, web map), from PyPI — sinkmap ships no font file.

The ``noto-cjk-sans-otc`` package carries Google's *Noto Sans CJK* collection (SIL Open Font License
1.1). Its Simplified-Chinese face (*Noto Sans CJK SC*) is found by name in the collection. The PDF embeds a
subset of it (fpdf2); the web map embeds, as a data URI, a subset holding exactly the characters the page
shows, so Chinese renders on a machine with no CJK font installed and nothing is fetched.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..core.errors import SinkmapError

FAMILY_SC = "Noto Sans CJK SC"


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
    from fontTools.ttLib import TTCollection

    coll = TTCollection(str(path), lazy=True)
    try:
        for i, face in enumerate(coll.fonts):
            if face["name"].getDebugName(1) == FAMILY_SC:
                return FontRef(path, i, FAMILY_SC)
    finally:
        coll.close()
    raise SinkmapError(code="export.font_face_missing", path=path, family=FAMILY_SC)


def font_subset(text: str) -> bytes:
    """An OpenType font holding the glyphs of ``text`` (and basic Latin), from the SC face."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    ref = cjk_font()
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
    chars = set(text) | {chr(c) for c in range(0x20, 0x7F)}
    sub.populate(text="".join(sorted(chars)))
    sub.subset(font)
    out = io.BytesIO()
    font.save(out)
    font.close()
    return out.getvalue()


def web_font_css(text: str, family: str = "sinkmap-cjk") -> str:
    """A CSS ``@font-face`` rule with the subset for ``text`` as a data URI."""
    data = base64.b64encode(font_subset(text)).decode("ascii")
    return (f"@font-face {{ font-family: '{family}'; src: url(data:font/otf;base64,{data}) format('opentype'); "
            f"font-weight: normal; font-style: normal; }}")


__all__ = ["FAMILY_SC", "FontRef", "cjk_font", "font_subset", "web_font_css"]
