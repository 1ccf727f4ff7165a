"""The layer style dialog: categorised / graduated / labels / opacity / raster ramp, OK, Apply, Cancel.

Expected values are worked out by hand on a five-feature fixture (or read from the scheme's YAML),
never pasted from the code's output.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin
from shapely.geometry import box

from sinkmap.core.crs import EQUAL_AREA_CRS
from sinkmap.core.project import LayerSpec, Project, Style

STOCK = [2.0, 4.0, 7.0, 11.0, 20.0]  # m³/ha, one per feature


def five_stands() -> gpd.GeoDataFrame:
    """Five 0.1° squares in a row (EPSG:4490) with a class, a land-class code and a stock per hectare."""
    return gpd.GeoDataFrame(
        {"kind": ["A", "B", "A", "C", "B"], "DI_LEI": ["0111", "0111", "0113", "0131", "0200"], "MGQXJ": STOCK},
        geometry=[box(112.0 + 0.2 * i, 28.0, 112.1 + 0.2 * i, 28.1) for i in range(5)], crs="EPSG:4490")


@pytest.fixture
def vector_layer(app, tmp_path):
    """(project, layer id, prepared data) for the five stands, saved as a GeoPackage."""
    from sinkmap.io.layerdata.data import prepare_vector

    frame = five_stands()
    path = tmp_path / "stands.gpkg"
    frame.to_file(path, layer="stands", driver="GPKG")
    project = Project()
    spec = project.add_layer(LayerSpec(name="小班", path=str(path), layer="stands", role="forest"))
    return project, spec.id, prepare_vector(frame, EQUAL_AREA_CRS)


@pytest.fixture
def dem_layer(app, tmp_path):
    """(project, layer id, raster data) for a 10 × 10 DEM holding 0, 1, ..., 99 m."""
    from sinkmap.io.layerdata.raster_data import open_raster

    path = tmp_path / "dem.tif"
    with rasterio.open(path, "w", driver="GTiff", width=10, height=10, count=1, dtype="float32", crs="EPSG:4490",
                       transform=from_origin(112.0, 28.2, 0.02, 0.02)) as ds:
        ds.write(np.arange(100, dtype=np.float32).reshape(10, 10), 1)
    project = Project()
    spec = project.add_layer(LayerSpec(name="高程", path=str(path), kind="raster", role="dem",
                                       style=Style(kind="hillshade")))
    return project, spec.id, open_raster(path, EQUAL_AREA_CRS)


def _dialog(qtbot, project, lid, data):
    from sinkmap.gui.style_dialog import StyleDialog

    dlg = StyleDialog(project, lid, data)
    qtbot.addWidget(dlg)
    return dlg


def _column(table, col):
    return [table.item(r, col).text() for r in range(table.rowCount())]


# -- pure helpers ---------------------------------------------------------------------------------

def test_equal_interval_breaks_by_hand():
    from sinkmap.carto.symbology import equal_interval_breaks, graduated_classes

    # min 2, max 20, 4 classes: width (20 − 2) / 4 = 4.5 → 2, 6.5, 11, 15.5, 20
    breaks = equal_interval_breaks(np.array(STOCK), 4)
    assert breaks == pytest.approx([2.0, 6.5, 11.0, 15.5, 20.0])
    # (lower, upper]: 2 and 4 ≤ 6.5; 7 and 11 in (6.5, 11]; nothing in (11, 15.5]; 20 in (15.5, 20]
    assert graduated_classes(np.array(STOCK + [np.nan]), breaks).tolist() == [0, 0, 1, 1, 3, -1]


def test_quantile_and_natural_breaks_by_hand():
    from sinkmap.carto.symbology import natural_breaks, quantile_breaks

    # five sorted values, quartiles at positions 0, 1, 2, 3, 4 of the sorted list: the values themselves
    assert quantile_breaks(np.array(STOCK), 4) == pytest.approx(STOCK)
    # {1,2,3} {10,11,12} {30}: within-class squared deviations 2 + 2 + 0 = 4; any other 3-way split of
    # these seven values costs more (e.g. {1,2,3,10} {11,12} {30} = 38.75 + 0.5 + 0)
    assert natural_breaks(np.array([12, 1, 30, 2, 11, 3, 10]), 3) == [1.0, 3.0, 12.0, 30.0]
    assert natural_breaks(np.array([5.0, 5.0]), 3) == [5.0, 6.0]  # one value: one class of width 1


def test_land_class_field_scheme_is_recognised():
    import pandas as pd

    from sinkmap.carto.styles import field_scheme

    assert field_scheme(five_stands(), "DI_LEI") == "forest_inventory"  # by the field's name
    assert field_scheme(pd.DataFrame({"code": ["0301", "0302", "0101"]}), "code") == "sandiao"  # by its codes
    assert field_scheme(five_stands(), "kind") is None
    assert field_scheme(five_stands(), "MGQXJ") is None  # numbers are not guessed as codes


# -- vector dialog --------------------------------------------------------------------------------

def test_categorised_gives_one_class_per_value_with_the_colours_set(qtbot, vector_layer, monkeypatch):
    from sinkmap.gui import style_widgets
    from sinkmap.carto.symbology import build_symbology

    project, lid, data = vector_layer
    dlg = _dialog(qtbot, project, lid, data)
    page = dlg.vector_page
    page.renderer.setCurrentIndex(page.renderer.findData("categorised"))
    cat = page.categorised
    cat.field.setCurrentText("kind")
    cat.scheme.setCurrentIndex(cat.scheme.findData(cat.UNIQUE))
    cat.classify()
    assert _column(cat.table, 1) == ["A", "B", "C"]
    assert _column(cat.table, 3) == ["2", "2", "1"]  # A: rows 0, 2; B: rows 1, 4; C: row 3
    chosen = iter(["#112233", "#445566", "#778899"])
    monkeypatch.setattr(style_widgets, "pick_color", lambda *_a, **_k: next(chosen))
    for row in range(3):
        cat.table.cellDoubleClicked.emit(row, 0)  # double-click the swatch
    cat.table.item(2, 2).setText("丙类")
    dlg.accept()
    style = project.layer(lid).style
    assert style.kind == "categorised" and style.field == "kind"
    assert style.categories == {"A": "#112233", "B": "#445566", "C": "#778899"}
    assert style.category_labels["C"] == "丙类"
    sym = build_symbology(style, data.frame)
    assert [sym.fills[k] for k in sym.feature_class] == ["#112233", "#445566", "#112233", "#778899", "#445566"]


def test_land_class_field_takes_the_scheme_colours_and_names(qtbot, vector_layer):
    import yaml

    from sinkmap.io.catalogue import layer_path

    doc = yaml.safe_load(layer_path("schemes", "forest_inventory.yaml").read_text(encoding="utf-8"))
    official = {c["code"]: (c["color"], c["name_zh"]) for c in doc["classes"]}
    project, lid, data = vector_layer
    dlg = _dialog(qtbot, project, lid, data)
    page = dlg.vector_page
    assert page.categorised.field.currentText() == "DI_LEI"  # the land-class field is offered first
    page.renderer.setCurrentIndex(page.renderer.findData("categorised"))  # classifies on first show
    dlg.apply()
    style = project.layer(lid).style
    assert style.scheme == "forest_inventory"
    assert list(style.categories) == ["0111", "0113", "0131", "0200"]
    for code in style.categories:
        assert style.categories[code] == official[code][0]
        assert style.category_labels[code] == f"{code} {official[code][1]}"
    assert _column(page.categorised.table, 3) == ["2", "1", "1", "1"]


def test_graduated_equal_interval_in_the_dialog(qtbot, vector_layer):
    project, lid, data = vector_layer
    dlg = _dialog(qtbot, project, lid, data)
    page = dlg.vector_page
    page.renderer.setCurrentIndex(page.renderer.findData("graduated"))
    grad = page.graduated
    assert grad.field.currentText() == "MGQXJ"
    grad.method.setCurrentIndex(grad.method.findData("equal_interval"))
    grad.n_classes.setValue(4)
    grad.ramp.setCurrentIndex(grad.ramp.findData("blues"))
    grad.classify()
    assert _column(grad.table, 4) == ["2", "2", "0", "1"]  # see test_equal_interval_breaks_by_hand
    dlg.accept()
    style = project.layer(lid).style
    assert style.kind == "graduated" and style.field == "MGQXJ" and style.method == "equal_interval"
    assert style.breaks == pytest.approx([2.0, 6.5, 11.0, 15.5, 20.0])
    assert len(style.colors) == 4 and style.ramp == "blues"


def test_editing_a_bound_moves_the_neighbouring_class(qtbot, vector_layer):
    project, lid, data = vector_layer
    dlg = _dialog(qtbot, project, lid, data)
    grad = dlg.vector_page.graduated
    dlg.vector_page.renderer.setCurrentIndex(2)
    grad.method.setCurrentIndex(grad.method.findData("equal_interval"))
    grad.n_classes.setValue(4)
    grad.classify()
    grad.table.item(0, 2).setText("5")  # first class now 2–5: only the value 2 and 4
    assert grad.table.item(1, 1).text() == "5"
    assert _column(grad.table, 4) == ["2", "2", "0", "1"]
    grad.table.item(1, 2).setText("7")  # second class (5, 7]: only 7; 11 moves to (7, 15.5]
    assert _column(grad.table, 4) == ["2", "1", "1", "1"]
    changes = grad.changes()
    assert changes["breaks"] == pytest.approx([2.0, 5.0, 7.0, 15.5, 20.0]) and changes["method"] == "manual"


def test_labels_tab_sets_field_size_and_colour(qtbot, vector_layer):
    project, lid, data = vector_layer
    dlg = _dialog(qtbot, project, lid, data)
    labels = dlg.labels_page
    labels.field.setCurrentIndex(labels.field.findData("kind"))
    labels.size.setValue(14)
    labels.color.set_color("#aa0000")
    dlg.accept()
    style = project.layer(lid).style
    assert (style.label_field, style.label_size, style.label_color) == ("kind", 14.0, "#aa0000")


def test_ok_changes_the_style_and_cancel_after_apply_restores(qtbot, vector_layer):
    project, lid, data = vector_layer
    original = Style.from_dict(project.layer(lid).style.to_dict())
    events = []
    project.subscribe(lambda ev, layer: events.append((ev, layer)))
    dlg = _dialog(qtbot, project, lid, data)
    dlg.vector_page.single.fill.set_color("#ff0000")
    dlg.vector_page.single.stroke_width.setValue(2.5)
    dlg.apply()
    assert project.layer(lid).style.fill == "#ff0000" and project.layer(lid).style.stroke_width == 2.5
    assert events == [("layer_changed", lid)]  # the canvas and the tree's legend redraw on this event
    dlg.reject()
    assert project.layer(lid).style == original

    dlg = _dialog(qtbot, project, lid, data)
    dlg.vector_page.single.no_fill.setChecked(True)
    dlg.accept()
    assert project.layer(lid).style.fill == "none"
    assert project.layer(lid).style.stroke == original.stroke


def test_opacity_slider_sets_the_style_opacity(qtbot, vector_layer):
    project, lid, data = vector_layer
    dlg = _dialog(qtbot, project, lid, data)
    assert dlg.opacity.value() == 100 and dlg.opacity_box.value() == 100
    dlg.opacity.setValue(40)
    assert dlg.opacity_box.value() == 40
    dlg.accept()
    assert project.layer(lid).style.opacity == pytest.approx(0.40)


def test_style_survives_project_save_and_reopen(qtbot, vector_layer, tmp_path):
    from sinkmap.io.project_file import load_project, save_project

    project, lid, data = vector_layer
    dlg = _dialog(qtbot, project, lid, data)
    dlg.vector_page.renderer.setCurrentIndex(2)
    grad = dlg.vector_page.graduated
    grad.method.setCurrentIndex(grad.method.findData("natural_breaks"))
    grad.n_classes.setValue(3)
    grad.classify()
    dlg.labels_page.field.setCurrentIndex(dlg.labels_page.field.findData("DI_LEI"))
    dlg.opacity.setValue(70)
    dlg.accept()
    saved = project.layer(lid).style
    back = load_project(save_project(project, tmp_path / "work.sinkmap"))
    reopened = back.layer(lid).style
    assert reopened == saved
    # Jenks on 2, 4, 7, 11, 20 in 3 classes, within-class squared deviations: {2, 4} {7, 11} {20} = 2 + 8 + 0
    # = 10 is the least ({2, 4, 7} {11} {20} = 12.67, {2} {4, 7, 11} {20} = 24.67, {2, 4} {7} {11, 20} = 42.5,
    # {2} {4, 7} {11, 20} = 45, {2} {4} {7, 11, 20} = 88.67), so the bounds are 2, 4, 11, 20
    assert reopened.breaks == pytest.approx([2.0, 4.0, 11.0, 20.0])
    assert (reopened.method, reopened.label_field, reopened.opacity) == ("natural_breaks", "DI_LEI", 0.7)


# -- raster dialog --------------------------------------------------------------------------------

def test_raster_ramp_min_max_round_trip(qtbot, dem_layer):
    project, lid, data = dem_layer
    dlg = _dialog(qtbot, project, lid, data)
    page = dlg.raster_page
    # prefilled with the 2nd / 98th percentiles of 0..99 (linear interpolation): 0.02 · 99 and 0.98 · 99
    assert page.vmin.value() == pytest.approx(1.98, abs=1e-4)
    assert page.vmax.value() == pytest.approx(97.02, abs=1e-4)
    page.renderer.setCurrentIndex(page.renderer.findData("ramp"))
    assert page.changes()["vmin"] is None  # untouched: follows the data
    page.ramp.setCurrentIndex(page.ramp.findData("greens"))
    page.vmin.setValue(10.0)
    page.vmax.setValue(50.0)
    dlg.accept()
    style = project.layer(lid).style
    assert (style.kind, style.ramp, style.vmin, style.vmax) == ("ramp", "greens", 10.0, 50.0)
    again = _dialog(qtbot, project, lid, data)
    assert (again.raster_page.vmin.value(), again.raster_page.vmax.value()) == (10.0, 50.0)
    assert again.raster_page.renderer.currentData() == "ramp"
    again.raster_page.reset_range()  # back to the data's range: stored as "from the data"
    again.accept()
    assert (project.layer(lid).style.vmin, project.layer(lid).style.vmax) == (None, None)


def test_raster_classes_scheme_choice(qtbot, dem_layer):
    project, lid, data = dem_layer
    dlg = _dialog(qtbot, project, lid, data)
    page = dlg.raster_page
    page.renderer.setCurrentIndex(page.renderer.findData("classes"))
    page.scheme.setCurrentIndex(page.scheme.findData("worldcover"))
    dlg.accept()
    style = project.layer(lid).style
    assert (style.kind, style.scheme) == ("classes", "worldcover")


# -- tree and canvas ------------------------------------------------------------------------------

def test_tree_double_click_and_menu_open_the_dialog(qtbot, vector_layer):
    from sinkmap.gui.layers.registry import LayerRegistry
    from sinkmap.gui.layers.tree import LayerTree
    from sinkmap.gui.tasks import TaskManager

    project, lid, _data = vector_layer
    reg = LayerRegistry(TaskManager(), project)
    reg.load(project.layer(lid))
    qtbot.waitUntil(lambda: lid in reg.data, timeout=30_000)
    tree = LayerTree(reg)
    qtbot.addWidget(tree)
    tree.rebuild()
    tree.itemDoubleClicked.emit(tree.topLevelItem(0), 0)
    assert tree.style_dialog is not None and tree.style_dialog.layer_id == lid
    tree.style_dialog.vector_page.single.fill.set_color("#00ff00")
    tree.style_dialog.accept()
    assert project.layer(lid).style.fill == "#00ff00" and tree.style_dialog is None
    texts = [a.text() for a in tree.build_menu(lid).actions()]
    assert "图层属性 / 样式…" in texts and "缩放到图层" in texts  # zoom stays reachable


def test_graduated_style_draws_its_colours_on_the_map(app, vector_layer):
    from pyproj import Transformer

    from sinkmap.carto.symbology import build_symbology, graduated_equal_interval
    from sinkmap.gui.canvas.vector_render import VectorJob, render_vector
    from sinkmap.carto.viewport import Viewport

    _project, _lid, data = vector_layer
    style = graduated_equal_interval(Style(stroke="none", stroke_width=0), data.frame, "MGQXJ", 4, "greens")
    vp = Viewport(0, 0, 1, 500, 200).fitted(data.extent, 0.05)
    img = render_vector(VectorJob(data, style, build_symbology(style, data.frame)), vp)
    to_map = Transformer.from_crs("EPSG:4490", EQUAL_AREA_CRS, always_xy=True)
    expected_class = [0, 0, 1, 1, 3]  # by hand, see test_equal_interval_breaks_by_hand
    for i, k in enumerate(expected_class):
        col, row = vp.to_screen(*to_map.transform(112.05 + 0.2 * i, 28.05))
        assert img.pixelColor(int(col), int(row)).name() == style.colors[k]
