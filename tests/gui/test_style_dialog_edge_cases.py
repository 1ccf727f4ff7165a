"""The style dialog with odd inputs and timing: a layer that loads (and gets its automatic
style) while the dialog is open, a layer removed meanwhile, bounds typed as nan/inf, and a label colour
with transparency."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
from shapely.geometry import box

from sinkmap.core.crs import EQUAL_AREA_CRS
from sinkmap.core.project import LayerSpec, Project, Style


def _window(qtbot):
    from sinkmap.gui.mainwindow import MainWindow

    win = MainWindow()
    win.quiet = True
    qtbot.addWidget(win)
    return win


def _wait_loaded(qtbot, win, lid):
    qtbot.waitUntil(lambda: lid in win.registry.data, timeout=20_000)
    qtbot.waitUntil(lambda: not win.registry.busy, timeout=20_000)


def test_dialog_opened_while_loading_leaves_the_automatic_style_alone(app, qtbot, counties_gpkg):
    """Opened on a layer still loading, the dialog shows the style of that moment. The layer then loads
    and gets its automatic style (DI_LEI classes). Cancel, or OK without touching anything, must not put
    the plain style of the opening moment back: the user changed nothing."""
    win = _window(qtbot)
    for button in ("cancel", "ok"):
        spec = win.add_layer_file(counties_gpkg, "counties", role="forest")
        dlg = win.layer_tree.open_style_dialog(spec.id)
        assert spec.id not in win.registry.data and dlg.original.kind == "single"
        _wait_loaded(qtbot, win, spec.id)
        auto = win.registry.project.layer(spec.id).style
        assert auto.kind == "categorised" and set(auto.categories) == {"0111", "0113"}
        dlg.reject() if button == "cancel" else dlg.accept()
        assert win.registry.project.layer(spec.id).style == auto, button
    win.close()


def test_cancel_after_apply_still_restores_and_ok_after_an_edit_still_writes(qtbot, app, tmp_path):
    """Control for the fix above: what the user did in the dialog is still written or undone."""
    from sinkmap.gui.style_dialog import StyleDialog

    project = Project()
    spec = project.add_layer(LayerSpec(name="x", path=str(tmp_path / "x.gpkg"), layer="x"))
    before = project.layer(spec.id).style
    dlg = StyleDialog(project, spec.id, None)
    qtbot.addWidget(dlg)
    dlg.opacity.setValue(40)
    dlg.apply()
    assert project.layer(spec.id).style.opacity == 0.4
    dlg.reject()
    assert project.layer(spec.id).style == before
    dlg = StyleDialog(project, spec.id, None)
    qtbot.addWidget(dlg)
    dlg.opacity.setValue(30)
    dlg.accept()
    assert project.layer(spec.id).style.opacity == 0.3


def test_ok_on_a_layer_removed_meanwhile_just_closes(qtbot, app, tmp_path):
    from sinkmap.gui.style_dialog import StyleDialog

    project = Project()
    spec = project.add_layer(LayerSpec(name="x", path=str(tmp_path / "x.gpkg"), layer="x"))
    dlg = StyleDialog(project, spec.id, None)
    qtbot.addWidget(dlg)
    dlg.opacity.setValue(50)
    project.remove_layer(spec.id)
    dlg.apply()  # raised KeyError before
    dlg.accept()
    assert dlg.result() == StyleDialog.DialogCode.Accepted and project.layers == []


def test_typed_bound_that_is_not_a_finite_number_is_refused(qtbot, app):
    """Equal interval on 1..5 in 2 classes: bounds 1, 3, 5. Typing nan / inf / 1e999 as the shared bound
    keeps 3 (a NaN bound put every feature in the first class and broke style comparison)."""
    from sinkmap.io.layerdata.data import prepare_vector
    from sinkmap.gui.style_dialog import StyleDialog

    frame = gpd.GeoDataFrame({"a": [1.0, 2.0, 3.0, 4.0, 5.0]},
                             geometry=[box(112 + 0.2 * i, 28, 112.1 + 0.2 * i, 28.1) for i in range(5)],
                             crs="EPSG:4490")
    data = prepare_vector(frame, EQUAL_AREA_CRS)
    project = Project()
    spec = project.add_layer(LayerSpec(name="x", path="/nowhere/x.gpkg", layer="x"))
    dlg = StyleDialog(project, spec.id, data)
    qtbot.addWidget(dlg)
    page = dlg.vector_page.graduated
    dlg.vector_page.renderer.setCurrentIndex(dlg.vector_page.renderer.findData("graduated"))
    page.n_classes.setValue(2)
    page.method.setCurrentIndex(page.method.findData("equal_interval"))
    page.classify()
    assert page._breaks == [1.0, 3.0, 5.0]
    for typed in ("nan", "inf", "-inf", "1e999"):
        page.table.item(0, 2).setText(typed)
        assert page._breaks == [1.0, 3.0, 5.0], typed
        assert page.table.item(0, 2).text() == "3" and page.table.item(1, 1).text() == "3"
    page.table.item(0, 2).setText("2.5")  # a number is taken: (1, 2.5] holds 1, 2; (2.5, 5] holds 3, 4, 5
    assert page._breaks == [1.0, 2.5, 5.0]
    assert [page.table.item(i, 4).text() for i in range(2)] == ["2", "3"]
    dlg.accept()
    assert all(math.isfinite(b) for b in project.layer(spec.id).style.breaks)


def test_label_colour_with_transparency_keeps_its_hue(app):
    """Style colours are CSS-order '#rrggbbaa' (the dialog's colour picker offers alpha). Qt alone reads
    eight digits as '#aarrggbb': half-transparent red '#ff000080' came out opaque navy (0, 0, 0x80)."""
    from sinkmap.gui.canvas.labels import LabelSource, render_labels
    from sinkmap.carto.viewport import Viewport
    from sinkmap.io.layerdata.data import prepare_vector

    frame = gpd.GeoDataFrame({"name": ["甲县"]}, geometry=[box(-50_000, -50_000, 50_000, 50_000)], crs=EQUAL_AREA_CRS)
    src = LabelSource(prepare_vector(frame, EQUAL_AREA_CRS),
                      Style(label_field="name", label_size=24.0, label_color="#ff000080"))
    img = render_labels([src], Viewport(0.0, 0.0, 1000.0, 200, 200))
    ptr = img.constBits()
    px = np.frombuffer(ptr, dtype=np.uint8).reshape(200, img.bytesPerLine() // 4, 4)[:, :200]  # B, G, R, A
    b, g, r, a = (px[..., i].astype(int) for i in range(4))
    text = (a > 0) & ~((r == g) & (g == b))  # coloured pixels: the glyphs (the halo is white/grey)
    assert text.sum() > 20
    # premultiplied over nothing: a red glyph has R > 0 and B == G; navy would have B > R
    assert (r[text] >= b[text]).all() and r[text].max() > 60 and b[text].max() <= g[text].max() + 1
