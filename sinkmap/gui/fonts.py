"""A CJK font for the whole application, also on a fresh machine with no Chinese font installed.

The font comes from PyPI at install time (the ``gui`` extra pulls ``noto-cjk-sans-otc``, which carries
Google's ``NotoSansCJK-Regular.ttc`` under the SIL Open Font License 1.1); sinkmap never ships font
files itself. At start-up the collection is registered with ``QFontDatabase.addApplicationFont`` and
its Simplified-Chinese face, *Noto Sans CJK SC*, becomes the application font, so every widget, the
map labels and the screenshots use glyphs that exist. Without the package sinkmap falls back to any
installed font that covers Simplified Chinese and logs a warning when there is none.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase, QRawFont
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

#: Family preferred for Simplified Chinese, in order. The first one registered or installed wins.
PREFERRED_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
                      "Microsoft YaHei", "PingFang SC", "SimHei")

#: PyPI packages known to carry an OFL CJK font, as (module, attribute holding the path or None).
FONT_PACKAGES = (("noto_cjk_sans_otc", "FONT_PATH"),)

#: A string every CJK-capable face must cover: county, forest and wetland words used on screen.
PROBE_TEXT = "长沙市森林覆盖率湿地保护率蓄积量邵阳郴州株洲岳麓区"

DEFAULT_POINT_SIZE = 10


@dataclass(frozen=True)
class FontChoice:
    family: str | None  # the family set as application font, None if no CJK font was found
    source: str  # the file it came from, "system" or "" when none


def _packaged_font_files() -> list[Path]:
    files: list[Path] = []
    for module_name, attr in FONT_PACKAGES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        path = Path(str(getattr(module, attr)))
        if path.is_file():
            files.append(path)
    return files


def covers_chinese(family: str, text: str = PROBE_TEXT) -> bool:
    """True if ``family`` has a glyph for every character of ``text`` (no tofu boxes)."""
    raw = QRawFont.fromFont(QFont(family, DEFAULT_POINT_SIZE))
    # ord(): PySide6 mis-converts some one-character str arguments to QChar (e.g. 率 U+7387).
    return raw.isValid() and all(raw.supportsCharacter(ord(ch)) for ch in text)


_CHOICE: FontChoice | None = None


def install_cjk_font(app: QApplication | None = None, point_size: int = DEFAULT_POINT_SIZE) -> FontChoice:
    """Register the packaged CJK font (once per process) and make it the application font."""
    global _CHOICE
    if _CHOICE is None:
        _CHOICE = _register()
    if _CHOICE.family:
        font = QFont(_CHOICE.family, point_size)
        font.setStyleHint(QFont.StyleHint.SansSerif)
        (app or QApplication.instance()).setFont(font)
    return _CHOICE


def _register() -> FontChoice:
    registered: dict[str, str] = {}
    for path in _packaged_font_files():
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id < 0:
            log.warning("could not load the font file %s", path)
            continue
        for family in QFontDatabase.applicationFontFamilies(font_id):
            registered.setdefault(family, str(path))
    installed = set(QFontDatabase.families())
    for family in PREFERRED_FAMILIES:
        if family in registered and covers_chinese(family):
            return FontChoice(family, registered[family])
        if family in installed and covers_chinese(family):
            return FontChoice(family, "system")
    for family in QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese):
        if covers_chinese(family):
            return FontChoice(family, "system")
    log.warning("no font covering Chinese was found: install sinkmap with its gui extra "
                "(pip install -e '.[gui]') to get Noto Sans CJK SC")
    return FontChoice(None, "")


def label_font(point_size: float = 9.0, bold: bool = False) -> QFont:
    """The font for map labels: the application's CJK family at ``point_size``."""
    family = _CHOICE.family if _CHOICE and _CHOICE.family else QApplication.font().family()
    font = QFont(family)
    font.setPointSizeF(point_size)
    font.setBold(bold)
    return font
