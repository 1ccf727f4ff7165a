"""Drag and drop onto the main window (a GeoPackage, a raster, a .sinkmap project) and recovery after a crash."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox
from rasterio.transform import from_origin

from sinkmap.core.project import LayerSpec, Project, Style, ViewState
from sinkmap.io import project_file


@pytest.fixture
def home(monkeypatch, tmp_path):
    """An isolated data folder: autosaves and caches of this test only."""
    folder = tmp_path / "home"
    monkeypatch.setenv("SINKMAP_HOME", str(folder))
    return folder


def _window(qtbot):
    from sinkmap.gui.mainwindow import MainWindow

    win = MainWindow(Project())
    win.quiet = True  # no dialog may wait for a click: drops import with the detected settings
    qtbot.addWidget(win)
    win.resize(1000, 700)
    win.show()
    return win


def _drop(win, *paths) -> tuple[bool, bool]:
    """Send a drag-enter and a drop carrying file URLs, as a file manager does; (enter accepted, drop accepted)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = QPointF(win.width() / 2, win.height() / 2)
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(pos.toPoint(), Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(win, enter)
    drop = QDropEvent(pos, Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(win, drop)
    return enter.isAccepted(), drop.isAccepted()


def _loaded(qtbot, win, n):
    reg = win.registry
    qtbot.waitUntil(lambda: len(reg.project.layers) == n and all(s.id in reg.data or s.id in reg.errors
                                                                 for s in reg.project.layers), timeout=30_000)
    assert reg.errors == {}


def test_drop_geopackage_and_raster_adds_layers(app, qtbot, home, counties_gpkg, tmp_path):
    win = _window(qtbot)
    tif = tmp_path / "landcover.tif"
    with rasterio.open(tif, "w", driver="GTiff", width=20, height=10, count=1, dtype="uint16", crs="EPSG:4490",
                       transform=from_origin(112.0, 28.4, 0.02, 0.02), nodata=0) as ds:
        ds.write(np.full((10, 20), 301, dtype=np.uint16), 1)
    assert _drop(win, counties_gpkg, tif) == (True, True)
    _loaded(qtbot, win, 2)
    vec, ras = win.registry.project.layers
    assert (vec.path, vec.kind, vec.layer) == (str(counties_gpkg.resolve()), "vector", "counties")
    assert list(win.registry.data[vec.id].frame["name"]) == ["甲县", "乙县"]
    assert (ras.kind, ras.role, ras.scheme, ras.style.kind) == ("raster", "landcover", "sandiao", "classes")


def test_drag_of_other_files_is_refused(app, qtbot, home, tmp_path):
    win = _window(qtbot)
    other = tmp_path / "notes.docx"
    other.write_bytes(b"x")
    enter, _ = _drop(win, other)
    assert not enter
    assert win.registry.project.layers == []


def test_drop_project_opens_it(app, qtbot, home, counties_gpkg, tmp_path):
    project = Project(layers=[LayerSpec(name="县界", path=str(counties_gpkg), layer="counties", role="boundary",
                                        style=Style(fill="none", stroke="#112233"))],
                      view=ViewState(1_000_000.0, 3_200_000.0, 250.0), city="郴州市", year=2030)
    (tmp_path / "proj").mkdir()
    saved = project_file.save_project(project, tmp_path / "proj" / "p.sinkmap")
    win = _window(qtbot)
    assert _drop(win, saved) == (True, True)
    _loaded(qtbot, win, 1)
    p = win.registry.project
    assert p.path == str(saved) and [s.name for s in p.layers] == ["县界"]
    assert p.layers[0].path == str(counties_gpkg.resolve()) and p.layers[0].style.stroke == "#112233"
    vp = win.canvas.viewport
    assert (vp.center_x, vp.center_y, vp.units_per_px) == (1_000_000.0, 3_200_000.0, 250.0)
    assert win.dashboard.city_year() == ("郴州市", 2030)


def _crashed_session(counties_gpkg, tmp_path):
    """What a session leaves when it dies: its autosave (written as MainWindow.autosave writes it)."""
    project = Project(layers=[LayerSpec(name="县界", path=str(counties_gpkg), layer="counties", role="boundary")],
                      view=ViewState(1_100_000.0, 3_150_000.0, 120.0), city="株洲市", year=2030)
    project.path = str(tmp_path / "work.sinkmap")
    return project_file.autosave(project)


def test_recovery_yes_restores_layers_and_view(app, qtbot, home, counties_gpkg, tmp_path):
    from sinkmap.gui.app import _offer_recovery

    auto = _crashed_session(counties_gpkg, tmp_path)
    assert auto.parent == home / "autosave"
    win = _window(qtbot)
    asked = []
    assert _offer_recovery(win, ask=lambda w, original: asked.append(original) or True)
    assert asked == [str(tmp_path / "work.sinkmap")]
    _loaded(qtbot, win, 1)
    p = win.registry.project
    assert [(s.name, s.path, s.layer) for s in p.layers] == [("县界", str(counties_gpkg), "counties")]
    assert p.path == str(tmp_path / "work.sinkmap")  # saving goes to the original file, not the autosave
    vp = win.canvas.viewport
    assert (vp.center_x, vp.center_y, vp.units_per_px) == (1_100_000.0, 3_150_000.0, 120.0)
    assert win.dashboard.city_year() == ("株洲市", 2030)


def test_recovery_no_deletes_the_autosave(app, qtbot, home, counties_gpkg, tmp_path, monkeypatch):
    from sinkmap.gui import app as app_module

    auto = _crashed_session(counties_gpkg, tmp_path)
    win = _window(qtbot)
    # the default question (a message box), answered No
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    assert not app_module._offer_recovery(win)
    assert not auto.exists() and project_file.find_recoverable() == []
    assert win.registry.project.layers == []
    assert not app_module._offer_recovery(win, ask=lambda *_: pytest.fail("nothing left to ask about"))


def test_damaged_autosave_is_a_message(app, qtbot, home, tmp_path):
    from sinkmap.gui.app import _offer_recovery

    folder = project_file.autosave_dir()
    (folder / "0123456789ab.sinkmap").write_text('{"format": "sinkmap-project", "version": "x"}', encoding="utf-8")
    win = _window(qtbot)
    assert not _offer_recovery(win, ask=lambda *_: True)
    assert any("format version" in m for m in win.task_panel.message_texts())
    assert win.registry.project.layers == []
