"""Issue 10, found by clicking through the app: filter as you type, the project lifecycle (save prompt,
clean quit, new project, clear selection, identify highlight), raster roles and ramps, import CRS offers."""

from __future__ import annotations

import pytest

from sinkmap.core.project import LayerSpec, Style


@pytest.fixture
def window(drawn_window, counties_gpkg):
    return drawn_window([LayerSpec(name="县界", path=str(counties_gpkg), layer="counties", role="boundary",
                                   style=Style())])


def test_attribute_filter_as_you_type_with_hint(app, qtbot, window):
    lid = window.registry.project.layers[0].id
    table = window.open_attribute_table(lid)
    assert table.filter.placeholderText()  # says what typing does
    table.filter.setText("乙")  # typed, no Enter (keyClicks cannot type CJK)
    qtbot.waitUntil(lambda: table.model.rowCount() == 1, timeout=3000)
    table.filter.clear()
    qtbot.waitUntil(lambda: table.model.rowCount() == 2, timeout=3000)


@pytest.fixture
def home(monkeypatch, tmp_path):
    folder = tmp_path / "home"
    monkeypatch.setenv("SINKMAP_HOME", str(folder))
    return folder


def _answer(monkeypatch, button):
    """QMessageBox.exec answers ``button`` (and records that it was asked)."""
    from PySide6.QtWidgets import QMessageBox

    asked = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: asked.append(box.text()) or button)
    return asked


def test_close_with_changes_asks_save_discard_cancel(app, qtbot, window, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    win = window
    assert not win.dirty  # opening, loading and auto-styling are no changes
    win.prompts = True  # as for a user (tests are quiet otherwise)
    assert win.close() and not win.isVisible()  # nothing changed: no question
    win.show()
    lid = win.registry.project.layers[0].id
    win.registry.project.update_style(lid, opacity=0.5)
    assert win.dirty and win.windowTitle().startswith("*")
    asked = _answer(monkeypatch, QMessageBox.StandardButton.Cancel)
    assert not win.close() and win.isVisible() and len(asked) == 1  # Cancel keeps the window
    win.new_project()
    assert len(asked) == 2 and win.registry.project.layers  # and the project
    asked = _answer(monkeypatch, QMessageBox.StandardButton.Discard)
    assert win.close() and len(asked) == 1


def test_save_as_then_clean_quit_leaves_nothing_to_recover(app, qtbot, home, counties_gpkg, tmp_path):
    from sinkmap.gui.mainwindow import MainWindow
    from sinkmap.io import project_file

    win = MainWindow()
    win.quiet = True
    qtbot.addWidget(win)
    win.show()
    win.registry.project.add_layer(LayerSpec(name="县界", path=str(counties_gpkg), layer="counties"))
    win.autosave()  # while untitled
    assert project_file.find_recoverable()
    assert win._save(tmp_path / "work.sinkmap")  # Save As: the untitled autosave must go too
    assert project_file.find_recoverable() == []
    win.registry.project.update_style(win.registry.project.layers[0].id, opacity=0.4)
    win.autosave()
    win.new_project()  # discarded (quiet): its autosave goes
    win.registry.project.add_layer(LayerSpec(name="县界", path=str(counties_gpkg), layer="counties"))
    win.autosave()
    win.close()
    assert project_file.find_recoverable() == []  # no false crash-recovery question at the next start


def test_untouched_project_writes_no_autosave(app, qtbot, home, window):
    from sinkmap.io import project_file

    window.autosave()
    assert project_file.find_recoverable() == []


def test_new_project_clears_the_ledger(app, qtbot, window):
    win = window
    win.dashboard.report = object()  # a report on show
    win.dashboard.table.setRowCount(7)
    win.new_project()
    assert win.dashboard.report is None and win.dashboard.table.rowCount() == 0
    assert win.dashboard.state.text() == "尚未计算"


def test_clear_selection_removes_the_highlight_even_while_it_renders(app, qtbot, window):
    win = window
    lid = win.registry.project.layers[0].id
    slot = f"{lid}:selection"
    win.registry.set_selection(lid, [0, 1])
    qtbot.waitUntil(win.canvas.is_idle, timeout=10_000)
    qtbot.waitUntil(lambda: win.canvas.cache.get(slot) is not None, timeout=10_000)
    win.clear_selection()
    qtbot.waitUntil(win.canvas.is_idle, timeout=10_000)
    assert win.canvas.cache.get(slot) is None
    for _ in range(5):  # the highlight's render still running when the selection is cleared
        win.registry.set_selection(lid, [0])
        win.canvas.refresh()
        win.clear_selection()
        win.canvas.refresh()
        qtbot.waitUntil(lambda: not win.canvas.scheduler.busy, timeout=10_000)
        qtbot.wait(50)
        assert win.canvas.cache.get(slot) is None


def test_identify_highlights_the_feature(app, qtbot, window):
    from pyproj import Transformer

    win = window
    lid = win.registry.project.layers[0].id
    x, y = Transformer.from_crs("EPSG:4490", win.registry.project.display_crs, always_xy=True).transform(113.2, 28.2)
    win._identify(x, y, 10.0)
    assert list(win.registry.selected_rows(lid)) == [1]  # 乙县, drawn highlighted


def test_land_cover_named_demo_is_not_offered_as_dem(app, qtbot, tmp_path):
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin

    from sinkmap.gui.raster_import_dialog import RasterImportDialog
    from sinkmap.io.layerdata.roles import guess_role

    assert guess_role("landcover_sandiao_demo_synthetic", "raster") == "landcover"  # "dem" inside "demo"
    assert guess_role("dem_3arcsec_demo_synthetic", "raster") == "dem"
    assert guess_role("srtm_dem30m", "raster") == "dem" and guess_role("Hunan-DEM", "raster") == "dem"
    assert guess_role("academic_demo", "raster") is None
    data = np.full((20, 40), 101, dtype=np.uint16)
    data[:, :20] = 301  # 三调 codes
    path = tmp_path / "classes_demo.tif"
    with rasterio.open(path, "w", driver="GTiff", width=40, height=20, count=1, dtype="uint16", crs="EPSG:4490",
                       transform=from_origin(112.0, 28.2, 0.0002, 0.0002)) as ds:
        ds.write(data, 1)
    dialog = RasterImportDialog(path)
    qtbot.addWidget(dialog)
    assert dialog.role.currentData() == "landcover"


def test_dem_ramp_does_not_read_as_vegetation():
    from sinkmap.carto.colors import ramp_lut
    from sinkmap.carto.styles import ROLE_STYLES

    assert ROLE_STYLES["dem"].kind == "hillshade"
    lut = ramp_lut("terrain").astype(int)  # the hillshade's colours (canvas/raster_render)
    r, g, b = lut[:, 0], lut[:, 1], lut[:, 2]
    assert not ((g > r + 8) & (g > b + 8)).any()  # no green anywhere, least of all at low elevations


def _gk_metres_without_prj(tmp_path):
    """A 10 km square at 113.5°E 28.2°N in CGCS2000 GK CM 114°E metres (no zone number), without .prj."""
    import geopandas as gpd
    from pyproj import Transformer
    from shapely.geometry import box

    folder = tmp_path / "noprj"
    folder.mkdir()
    x, y = Transformer.from_crs("EPSG:4490", "EPSG:4547", always_xy=True).transform(113.5, 28.2)
    path = folder / "plots.shp"
    gpd.GeoDataFrame({"name": ["地块"]}, geometry=[box(x - 5000, y - 5000, x + 5000, y + 5000)],
                     crs="EPSG:4547").to_file(path, encoding="UTF-8")
    (folder / "plots.prj").unlink()
    return path


def test_shapefile_without_prj_offers_named_gauss_kruger_and_refuses_degrees_in_chinese(window, qtbot, tmp_path):
    from sinkmap.gui.import_dialog import ImportDialog

    win = window
    path = _gk_metres_without_prj(tmp_path)
    dialog = ImportDialog(path)
    qtbot.addWidget(dialog)
    shown = dialog.crs.currentText()
    assert "EPSG:4490" not in shown  # metres are not degrees: lon/lat is not pre-filled
    assert "高斯-克吕格" in shown and "中央经线" in shown and "EPSG:4546" in shown  # a name, not a bare code
    assert {dialog.crs.itemData(i) for i in range(3)} == {"EPSG:4545", "EPSG:4546", "EPSG:4547"}
    assert "请核对" in dialog.crs_hint.text()
    assert dialog.problem() is None and dialog.choice().crs == "EPSG:4546"
    dialog.crs.setCurrentIndex(dialog.crs.findData("EPSG:4490"))
    problem = dialog.problem()
    assert problem and "坐标" in problem and "coordinates" not in problem  # in the interface language
    before = [s.id for s in win.registry.project.layers]

    from sinkmap.gui import import_dialog

    original = import_dialog.ImportDialog.choice

    def choose_degrees(self):
        self.crs.setCurrentIndex(self.crs.findData("EPSG:4490"))
        return original(self)
    import pytest as _pytest

    with _pytest.MonkeyPatch.context() as mp:
        mp.setattr(import_dialog.ImportDialog, "choice", choose_degrees)
        assert win.import_vector(path, interactive=False) is None
    assert [s.id for s in win.registry.project.layers] == before  # no dead layer
    assert "EPSG:4490" in win.task_panel.message_texts()[-1] or "经纬度" in win.task_panel.message_texts()[-1]


def test_shapefile_without_prj_error_in_english(app, qtbot, english, tmp_path):
    from sinkmap.gui.import_dialog import ImportDialog

    dialog = ImportDialog(_gk_metres_without_prj(tmp_path))
    qtbot.addWidget(dialog)
    assert "Gauss–Krüger CM 111E (EPSG:4546)" in dialog.crs.currentText()
    dialog.crs.setCurrentIndex(dialog.crs.findData("EPSG:4490"))
    assert "坐标" not in dialog.problem()


def test_a_fresh_import_that_cannot_load_is_taken_out(window, qtbot, tmp_path):
    win = window
    before = [s.id for s in win.registry.project.layers]
    bad = tmp_path / "broken.gpkg"
    bad.write_bytes(b"not a geopackage")
    spec = win.add_layer_file(bad)
    qtbot.waitUntil(lambda: spec.id not in {s.id for s in win.registry.project.layers}, timeout=20_000)
    assert [s.id for s in win.registry.project.layers] == before
    assert "未添加" in win.task_panel.message_texts()[-1]


def test_first_start_shows_the_demo_build_and_boundaries_first(app, qtbot, monkeypatch):
    """A fresh data folder: the boundaries are drawn at once, the map says the demo is being built (once),
    the task panel lists the build, and the demo's layers follow (a stand-in for the ~40 s build)."""
    import time

    import sinkmap.gui.app as app_module

    def slow_demo(display_crs, feedback=None):
        time.sleep(1.0)
        return [], None
    monkeypatch.setattr(app_module, "demo_is_ready", lambda: False)
    monkeypatch.setattr(app_module, "_demo_with_extent", slow_demo)
    win = app_module.build_window(compute_ledger=False)
    win.quiet = True
    qtbot.addWidget(win)
    win.show()
    assert [s.role for s in win.registry.project.layers] == ["boundary"]  # before the demo is ready
    assert "首次" in win.canvas.overlay_text and "一次" in win.canvas.overlay_text
    assert any("首次" in t.title for t in win.tasks.tasks)  # in the task panel, with its progress
    qtbot.waitUntil(lambda: not win.tasks.busy, timeout=20_000)
    assert win.canvas.overlay_text == ""
    qtbot.waitUntil(lambda: bool(win.registry.data), timeout=20_000)  # the boundaries drawn meanwhile
    assert not win.dirty


def test_map_has_north_arrow_and_legend(app, qtbot, window):
    win = window
    entries = win.canvas.legend_entries()
    assert [e[0] for e in entries] == ["县界"]
    image = win.canvas.grab().toImage()
    w, h = image.width(), image.height()
    dark = sum(image.pixelColor(x, y).lightness() < 80 for x in range(w - 46, w - 14) for y in range(14, 60))
    assert dark > 20  # the north arrow, top right
    win.canvas.show_legend = False
    without = win.canvas.grab().toImage()
    diff = sum(image.pixelColor(x, y) != without.pixelColor(x, y) for x in range(w - 160, w, 4) for y in range(h - 60, h, 4))
    assert diff > 10  # the legend, bottom right


def test_dashboard_says_which_layers_fed_the_ledger(app, qtbot, window, tmp_path):
    from types import SimpleNamespace

    from sinkmap.demo.generate import demo_dir

    report = SimpleNamespace(year=2025, units=[], synthetic=False,
                             inputs={"forest": str(tmp_path / "小班.gpkg"),
                                     "wetland": str(demo_dir() / "sinkmap_demo_synthetic.gpkg")})
    window.dashboard.set_report(report)
    text = window.dashboard.sources.text()
    assert "森林：小班.gpkg" in text and "湿地：演示数据" in text
    assert str(tmp_path / "小班.gpkg") in window.dashboard.sources.toolTip()
