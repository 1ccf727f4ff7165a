"""The 网页地图 tab: an exported web map shown in the app, or (PySide6-Essentials has no QtWebEngine) opened
in the system browser from the tab."""

from __future__ import annotations

from pathlib import Path

import pytest

from sinkmap.jobs.base import Output


@pytest.fixture(autouse=True)
def _web_views_deleted(qtbot):
    """QtWebEngine's pages must go before its profile (at exit): delete the views a test made while Qt runs."""
    yield
    from sinkmap.gui.web_preview import web_engine_available

    if web_engine_available():
        from PySide6.QtWebEngineWidgets import QWebEngineView
        from PySide6.QtWidgets import QApplication

        for view in [w for w in QApplication.allWidgets() if isinstance(w, QWebEngineView)]:
            view.page().deleteLater()
            view.deleteLater()
        qtbot.wait(200)


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
    preview.open_button.click()
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


def test_the_page_runs_in_the_tab_with_qtwebengine(empty_window, tmp_path, qtbot):
    """With the full PySide6 (QtWebEngine; CI installs PySide6-Addons) a real exported page loads in the tab,
    offline, its script draws every feature and attribute markup stays text. As root (CI) Chromium needs
    its sandbox off, or it ends the whole app on the first page."""
    from sinkmap.gui.web_preview import web_engine_available

    if not web_engine_available():
        pytest.skip("PySide6-Addons (QtWebEngine) is not installed: the tab opens the system browser instead")
    import geopandas as gpd
    from shapely.geometry import box

    from sinkmap.export.webmap import WebLayer, WebMapSpec, render_webmap

    evil = "<img src=x onerror=\"document.title='pwned'\">"
    frame = gpd.GeoDataFrame({"name": [evil, "乙"]}, geometry=[box(113, 28, 113.01, 28.01), box(113.02, 28, 113.03, 28.01)],
                             crs="EPSG:4490")
    layer = WebLayer(name="小班", geoms=frame.geometry.values, columns=[("名称", frame["name"])], title_column=0,
                     legend_title="小班", legend_rows=[("#123456", evil)], tooltip=True)
    page = tmp_path / "map.html"
    page.write_text(render_webmap(WebMapSpec(title="测试地图", layers=[layer], bounds=(113, 28, 113.03, 28.01))).html,
                    encoding="utf-8")
    empty_window.resize(1200, 800)
    empty_window.show()
    from sinkmap.gui.web_preview import preview_outputs

    preview = preview_outputs(empty_window, [Output(page, kind="document")])
    loads = []
    preview.view.loadFinished.connect(loads.append)
    qtbot.waitUntil(lambda: bool(loads), timeout=60_000)
    assert loads == [True]
    result = {}

    def ask(script):
        result.clear()
        preview.view.page().runJavaScript(script, 0, lambda value: result.setdefault("v", value))
        qtbot.waitUntil(lambda: "v" in result, timeout=30_000)
        return result["v"]

    qtbot.waitUntil(lambda: ask("!!(window.SINKMAP && SINKMAP.ready)") is True, timeout=30_000)
    assert ask("SINKMAP.layers.map(l => l.n + '/' + l.drawnCount()).join(',')") == "2/2"
    assert ask("document.querySelectorAll('img[src=\"x\"]').length") == 0
    assert "<img src=x" in ask("document.querySelector('.sm-legend').textContent")
    assert ask("document.title") != "pwned"
    preview.grab().save(str(tmp_path / "preview_webengine.png"))

