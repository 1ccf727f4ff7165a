"""Untrusted text (attribute values, file and layer names, messages quoting them) shown as text in Qt.

Qt renders a tooltip, a QLabel or a message box as rich text when the string merely *looks* like HTML
(``Qt.mightBeRichText``): an attribute value ``<img src=…>`` or ``<b>…`` would be rendered, not shown.
:func:`tip` escapes the text and wraps it in a paragraph that keeps its line breaks and spaces, so a
tooltip (or a message box) always shows exactly the characters; :func:`plain_label` makes a label plain text for good.
"""

from __future__ import annotations

import html

from PySide6.QtGui import Qt
from PySide6.QtWidgets import QLabel


def tip(text: str | None) -> str:
    """A tooltip that shows ``text`` literally ('' stays '': no tooltip; text Qt would not take for rich
    text is returned as it is)."""
    if not text:
        return ""
    text = str(text)
    if not Qt.mightBeRichText(text):
        return text
    return f"<p style='white-space:pre-wrap'>{html.escape(text)}</p>"


def plain_label(label: QLabel) -> QLabel:
    """``label`` showing its text as plain text (never as HTML)."""
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label
