"""The 网页地图 tab: an exported web map shown in the app, or (PySide6-Essentials has no QtWebEngine) opened
in the system browser from the tab."""

from __future__ import annotations

from pathlib import Path

from sinkmap.jobs.base import Output


def _preview(win, tmp_path: Path, name: str = "<b>地图<img src=x>.html"):
    from sinkmap.gui.web_preview import preview_outputs

    page = tmp_path / name
    page.write_text("<!DOCTYPE html><title>x</title>", encoding="utf-8")
    return page, preview_outputs(win, [Output(tmp_path / "x.xlsx", kind="table"), Output(page, kind="document")])


def test_an_html_output_opens_in_its_tab_or_the_browser(empty_window, tmp_path, monkeypatch, qtbot):
    from PySide6.QtGui import QDesktopServices

    from sinkmap.gui.web_preview import web_engine_available

    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url) or True))
    page, preview = _preview(empty_window, tmp_path)
    dock = empty_window.docks["web"]
    assert dock.widget() is preview and dock.windowTitle() == "网页地图" and not dock.isHidden()
    assert str(page) in preview.note.text()  # the file name as text (its <b> is not markup)
    if not web_engine_available():
        assert preview.view is None and "QtWebEngine" in preview.note.text()
    assert preview.open_button.isEnabled()
    qtbot.mouseClick(preview.open_button, __import__("PySide6.QtCore", fromlist=["Qt"]).Qt.MouseButton.LeftButton)
    assert [u.toLocalFile() for u in opened] == [str(page.resolve())]
    _preview(empty_window, tmp_path, "second.html")  # a second export reuses the tab
    assert [d.objectName() for d in empty_window.findChildren(type(dock)) if d.objectName() == "dock_web"] == ["dock_web"]
    preview.grab().save(str(tmp_path / "preview_zh.png"))


def test_english_tab(empty_window, english, tmp_path):
    from sinkmap.gui.web_preview import WebPreview, web_engine_available

    w = WebPreview()
    w.show_file(tmp_path / "m.html")
    assert w.open_button.text() == "Open in the system browser"
    if not web_engine_available():
        assert w.note.text().startswith("This Qt has no QtWebEngine")
    w.grab().save(str(tmp_path / "preview_en.png"))
