"""Chinese renders with the packaged Noto Sans CJK font, also where no system font covers Chinese."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFontDatabase, QFontInfo, QFontMetrics, QImage, QPainter
from PySide6.QtWidgets import QApplication


def _ink(text: str, font) -> int:
    """Dark pixels when ``text`` is drawn black on white with ``font``."""
    img = QImage(400, 60, QImage.Format.Format_RGB32)
    img.fill(QColor("white"))
    p = QPainter(img)
    p.setFont(font)
    p.setPen(QColor("black"))
    p.drawText(img.rect(), Qt.AlignmentFlag.AlignCenter, text)
    p.end()
    return sum(1 for x in range(0, 400, 2) for y in range(0, 60, 2) if img.pixelColor(x, y).lightness() < 128)


def test_app_font_is_packaged_cjk_font(app):
    from sinkmap.gui.fonts import install_cjk_font

    choice = install_cjk_font()
    assert choice.family == "Noto Sans CJK SC"
    assert Path(choice.source).name == "NotoSansCJK-Regular.ttc"  # from the noto-cjk-sans-otc wheel
    assert QFontInfo(QApplication.font()).family() == "Noto Sans CJK SC"


def test_every_ui_character_has_a_glyph(app):
    from sinkmap.gui.i18n import read_ts, ts_path

    metrics = QFontMetrics(QApplication.font())
    words = "长沙市株洲市邵阳市郴州市岳麓区森林覆盖率蓄积量湿地保护率达标未达标规划无此目标"
    words += "".join(read_ts(ts_path("en")).keys())  # every Chinese interface string
    missing = sorted({ch for ch in words if ord(ch) > 0x2E80 and not metrics.inFontUcs4(ord(ch))})
    assert missing == []


def test_glyphs_are_drawn_not_boxes(app):
    """Two different characters give different ink; a tofu box would draw both the same."""
    font = QApplication.font()
    font.setPointSize(24)
    assert _ink("森", font) > 20
    assert _ink("森", font) != _ink("湿", font)


def test_registered_families_include_simplified_chinese(app):
    assert "Noto Sans CJK SC" in QFontDatabase.families()
