"""Bad input through the window: a message the user can read, the app keeps running, nothing open is lost.

(a) a CRS override PROJ does not know, (b) a Shapefile without .prj (the dialog says so and the chosen
CRS puts it in the right place), (c) a project written by a newer sinkmap, (d) a layer with no features.
"""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from pyproj import Transformer
from PySide6.QtWidgets import QDialog
from shapely.geometry import box

from sinkmap.core.project import LayerSpec, Project, Style

RED = "#ff0000"
BLUE = "#0000ff"


@pytest.fixture
def window(drawn_window, counties_gpkg):
    """A window with one loaded layer (the two test counties, red), drawn."""
    return drawn_window([LayerSpec(name="县界", path=str(counties_gpkg), layer="counties", role="boundary",
                                   style=Style(fill=RED, stroke="none", stroke_width=0, label_field=None))])


def _pixel(win, lon, lat):
    x, y = Transformer.from_crs("EPSG:4490", win.registry.project.display_crs, always_xy=True).transform(lon, lat)
    col, row = win.canvas.viewport.to_screen(x, y)
    return win.canvas.render_to_image().pixelColor(int(col), int(row)).name()


def _snapshot(win):
    """What must survive a failed action: the layers, their loaded data objects and the drawn map."""
    reg = win.registry
    return ([s.to_dict() for s in reg.project.layers], {k: id(v) for k, v in reg.data.items()},
            _pixel(win, 112.2, 28.2))


def _accept_with(monkeypatch, **widgets):
    """Make ImportDialog.exec() set the given combo texts (as a user would) and press OK."""
    from sinkmap.gui.import_dialog import ImportDialog

    opened = []

    def fake_exec(self):
        opened.append(self)
        for name, text in widgets.items():
            getattr(self, name).setCurrentText(text)
        self.accept()
        return self.result()
    monkeypatch.setattr(ImportDialog, "exec", fake_exec)
    return opened


# -- (a) a CRS that cannot be found -----------------------------------------------------------------

@pytest.mark.parametrize("bad", ["EPSG:999999", "foo"])
def test_unknown_crs_override_is_refused_with_a_message(window, qtbot, monkeypatch, points_gpkg, bad):
    win = window
    before = _snapshot(win)
    opened = _accept_with(monkeypatch, crs=bad)
    assert win.import_vector(points_gpkg) is None
    # the dialog refused OK and says why in its error line, naming the file, the layer and the CRS
    # (the user then picks another CRS or cancels)
    assert opened[0].result() != QDialog.DialogCode.Accepted
    message = opened[0].error.text()
    assert bad in message and str(points_gpkg) in message and "“sites”" in message  # the dialog speaks the interface language (Chinese)
    assert "EPSG:4490" in message  # and what to type instead
    qtbot.wait(50)
    assert _snapshot(win) == before  # nothing added, the open layer untouched and still drawn
    assert _pixel(win, 112.2, 28.2) == RED


def test_unknown_crs_without_the_dialog_is_refused_too(window, qtbot, monkeypatch, points_gpkg):
    """The quiet path (drag and drop in tests, scripts) takes the dialog's choice without showing it."""
    from sinkmap.gui.import_dialog import ImportDialog

    win = window
    before = _snapshot(win)
    original = ImportDialog.choice

    def choice(self):
        self.crs.setCurrentText("EPSG:999999")
        return original(self)
    monkeypatch.setattr(ImportDialog, "choice", choice)
    assert win.import_vector(points_gpkg, interactive=False) is None
    message = win.task_panel.message_texts()[-1]
    assert "EPSG:999999" in message and str(points_gpkg) in message and "“sites”" in message  # in Chinese
    assert "Traceback" not in message
    assert _snapshot(win) == before


def test_gcj02_is_still_accepted(app, qtbot, monkeypatch, tmp_path):
    """GCJ-02 is not a PROJ CRS but a choice the loader handles: the CRS check must let it through."""
    from sinkmap.gui.mainwindow import MainWindow

    path = tmp_path / "amap_points.geojson"
    gpd.GeoDataFrame({"name": ["点"]}, geometry=gpd.points_from_xy([112.95], [28.23]), crs="EPSG:4326").to_file(path)
    win = MainWindow(Project())
    win.quiet = True
    qtbot.addWidget(win)
    _accept_with(monkeypatch, crs="GCJ-02")
    spec = win.import_vector(path)
    assert spec is not None and spec.crs == "GCJ-02"


# -- (b) a Shapefile without .prj -------------------------------------------------------------------

def _gk_shapefile_without_prj(tmp_path):
    """A 10 km square around 113.5°E 28.2°N, in CGCS2000 3° Gauss–Krüger CM 114°E metres (EPSG:4547),
    written as a Shapefile whose .prj is then deleted."""
    folder = tmp_path / "noprj"
    folder.mkdir()
    x, y = Transformer.from_crs("EPSG:4490", "EPSG:4547", always_xy=True).transform(113.5, 28.2)
    path = folder / "plots.shp"
    gpd.GeoDataFrame({"name": ["地块"]}, geometry=[box(x - 5000, y - 5000, x + 5000, y + 5000)],
                     crs="EPSG:4547").to_file(path, encoding="UTF-8")
    (folder / "plots.prj").unlink()
    return path


def test_shapefile_without_prj_dialog_asks_and_the_layer_lands_in_place(window, qtbot, monkeypatch, tmp_path):
    from sinkmap.gui.import_dialog import ImportDialog

    win = window
    path = _gk_shapefile_without_prj(tmp_path)
    dialog = ImportDialog(path)
    qtbot.addWidget(dialog)
    assert dialog.info.crs is None
    assert "没有坐标系" in dialog.crs_hint.text()  # the dialog says the CRS is unknown...
    assert dialog.crs.isEditable() and dialog.crs.findData("EPSG:4547") >= 0  # ...and offers the choices
    dialog.close()

    _accept_with(monkeypatch, crs="EPSG:4547")
    spec = win.import_vector(path)
    assert spec is not None and spec.crs == "EPSG:4547"
    qtbot.waitUntil(lambda: spec.id in win.registry.data and win.canvas.is_idle(), timeout=20_000)
    win.registry.project.update_style(spec.id, fill=BLUE, stroke="none", stroke_width=0, label_field=None)
    win.canvas.fit_all()
    qtbot.waitUntil(win.canvas.is_idle, timeout=20_000)
    # the square is centred on 113.5°E 28.2°N (±5 km ≈ ±0.05°): blue there, not 0.1° outside it
    assert _pixel(win, 113.5, 28.2) == BLUE
    assert _pixel(win, 113.5 + 0.04, 28.2 - 0.035) == BLUE
    assert _pixel(win, 113.5 + 0.1, 28.2) != BLUE
    assert _pixel(win, 112.2, 28.2) == RED  # the layer that was open is still there


def test_shapefile_without_prj_preselects_the_crs_its_numbers_show(app, qtbot, tmp_path):
    """Gauss–Krüger metres with the zone number before the easting (zone 38, EPSG:4526) can only be one
    CRS: the dialog offers it first instead of lon/lat, which would put the layer nowhere."""
    from sinkmap.gui.import_dialog import ImportDialog

    folder = tmp_path / "zone"
    folder.mkdir()
    x, y = Transformer.from_crs("EPSG:4490", "EPSG:4526", always_xy=True).transform(113.5, 28.2)
    assert 38_000_000 < x < 39_000_000  # the zone number 38 is written before the easting
    path = folder / "plots.shp"
    gpd.GeoDataFrame({"n": [1]}, geometry=[box(x, y, x + 100, y + 100)], crs="EPSG:4526").to_file(path)
    (folder / "plots.prj").unlink()
    dialog = ImportDialog(path)
    qtbot.addWidget(dialog)
    assert "EPSG:4526" in dialog.crs.currentText() and "38" in dialog.crs.currentText()  # named, not a bare code
    assert dialog.choice().crs == "EPSG:4526"


# -- (c) a project written by a newer sinkmap -------------------------------------------------------

def test_newer_project_file_opened_from_the_window_keeps_the_project(window, qtbot, monkeypatch, tmp_path):
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from sinkmap.io import project_file

    win = window
    # a real project file, as this sinkmap writes it, then marked as written by a newer format
    assert project_file.save_project(Project(layers=[LayerSpec(name="别的", path=str(tmp_path / "x.gpkg"))]),
                                     tmp_path / "new.sinkmap")
    doc = json.loads((tmp_path / "new.sinkmap").read_text(encoding="utf-8"))
    doc["version"] = project_file.FORMAT_VERSION + 1
    (tmp_path / "new.sinkmap").write_text(json.dumps(doc), encoding="utf-8")
    before = _snapshot(win)
    title = win.windowTitle()
    shown = []
    win.quiet = False  # the user opened it: the message comes as a dialog (recorded here, not shown)
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a, **k: shown.append(text))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(tmp_path / "new.sinkmap"), ""))
    win.actions_by_key["open"].trigger()
    assert len(shown) == 1
    assert "newer sinkmap" in shown[0] and str(tmp_path / "new.sinkmap") in shown[0]
    assert "update sinkmap" in shown[0]  # and what to do
    assert any(m.endswith(shown[0]) for m in win.task_panel.message_texts())  # also in the task panel
    qtbot.wait(50)
    assert _snapshot(win) == before and win.windowTitle() == title
    assert _pixel(win, 112.2, 28.2) == RED


# -- (d) a layer with no features -------------------------------------------------------------------

def _empty_gpkg(tmp_path):
    path = tmp_path / "empty.gpkg"
    gpd.GeoDataFrame({"a": []}, geometry=gpd.GeoSeries([], crs="EPSG:4490")).to_file(
        path, layer="empty", driver="GPKG")
    return path


def _empty_shapefile(tmp_path):
    path = tmp_path / "empty_shp" / "empty.shp"
    path.parent.mkdir()
    gpd.GeoDataFrame({"a": []}, geometry=gpd.GeoSeries([], crs="EPSG:4490")).to_file(path)
    return path


@pytest.mark.parametrize("make", [_empty_gpkg, _empty_shapefile])
def test_layer_without_features_is_a_message(window, qtbot, monkeypatch, tmp_path, make):
    win = window
    path = make(tmp_path)
    before = _snapshot(win)
    dialog = _accept_with(monkeypatch)
    assert win.import_vector(path) is None
    # the dialog says so as soon as it opens and does not accept OK
    assert dialog[0].result() != QDialog.DialogCode.Accepted
    assert "没有要素" in dialog[0].error.text() and str(path) in dialog[0].error.text()  # the interface language
    # the quiet path (no dialog shown) says it in the window
    assert win.import_vector(path, interactive=False) is None
    message = win.task_panel.message_texts()[-1]
    assert "没有要素" in message and str(path) in message
    qtbot.wait(50)
    assert _snapshot(win) == before
    # the app goes on: the next import works
    good = tmp_path / "good.gpkg"
    gpd.GeoDataFrame({"name": ["点"]}, geometry=gpd.points_from_xy([112.3], [28.3]), crs="EPSG:4490").to_file(
        good, layer="good", driver="GPKG")
    spec = win.import_vector(good)
    qtbot.waitUntil(lambda: spec.id in win.registry.data, timeout=20_000)
