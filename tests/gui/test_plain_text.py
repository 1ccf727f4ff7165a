"""Untrusted text is shown as text: an attribute value, a layer path or a message that looks like HTML is
never rendered as HTML in a tooltip, a label or a message box (issue 10)."""

from __future__ import annotations

import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument

HOSTILE = "<b>bold</b><img src='http://example.invalid/x.png'> & <a href='x'>link</a>"


def _shown(rich: str) -> str:
    """What Qt shows for a tooltip string: rich text rendered to plain text."""
    doc = QTextDocument()
    doc.setHtml(rich)
    return doc.toPlainText()


def test_attribute_value_tooltip_shows_the_characters(app):
    from sinkmap.gui.layers.attribute_table import FrameModel

    model = FrameModel(pd.DataFrame({"name": [HOSTILE]}))
    index = model.index(0, 0)
    assert model.data(index, Qt.ItemDataRole.DisplayRole) == HOSTILE
    shown = _shown(model.data(index, Qt.ItemDataRole.ToolTipRole))
    assert shown == HOSTILE  # every character, no bold, no image, no link


def test_tip_keeps_lines_and_empty_stays_empty(app):
    from sinkmap.gui.plain import tip

    assert tip("") == "" and tip(None) == ""
    assert _shown(tip("a <i>b</i>\nc")) == "a <i>b</i>\nc"


def test_messages_and_labels_are_plain(app, qtbot):
    from sinkmap.gui.taskdock import TaskPanel
    from sinkmap.gui.tasks import TaskManager

    panel = TaskPanel(TaskManager())
    qtbot.addWidget(panel)
    panel.add_message(f"layer {HOSTILE}: 2 invalid geometries", "warning")
    assert HOSTILE in _shown(panel.messages.item(0).toolTip())


def test_dashboard_labels_are_plain_text(empty_window):
    d = empty_window.dashboard
    assert d.state.textFormat() == Qt.TextFormat.PlainText and d.sources.textFormat() == Qt.TextFormat.PlainText
