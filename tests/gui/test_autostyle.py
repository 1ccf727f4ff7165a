"""The automatic style a layer gets from its data once loaded never overwrites a style set meanwhile."""

from __future__ import annotations

from sinkmap.core.project import Style

USER = Style(fill="#123456", stroke="#654321", stroke_width=1.5, label_field="name", label_size=12.0)


def _window(qtbot):
    from sinkmap.gui.mainwindow import MainWindow

    win = MainWindow()
    win.quiet = True
    qtbot.addWidget(win)
    return win


def _wait_loaded(qtbot, win, lid: str) -> None:
    qtbot.waitUntil(lambda: lid in win.registry.data, timeout=20_000)
    qtbot.waitUntil(lambda: not win.registry.busy, timeout=20_000)


def test_auto_style_refines_a_forest_layer_from_its_data(app, qtbot, counties_gpkg):
    """Control: left alone, a forest layer with DI_LEI becomes categorised by its land classes on load
    (so the test below would see an overwrite)."""
    win = _window(qtbot)
    spec = win.add_layer_file(counties_gpkg, "counties", role="forest")
    assert spec.style.kind == "single"  # before the data is read
    _wait_loaded(qtbot, win, spec.id)
    style = win.registry.project.layer(spec.id).style
    assert style.kind == "categorised" and style.field == "DI_LEI"
    assert set(style.categories) == {"0111", "0113"}  # the two codes of the fixture
    win.close()


def test_style_set_while_loading_is_kept(app, qtbot, counties_gpkg):
    win = _window(qtbot)
    spec = win.add_layer_file(counties_gpkg, "counties", role="forest")
    assert spec.id not in win.registry.data  # still loading: the user sets a style now
    win.registry.project.set_style(spec.id, USER)
    _wait_loaded(qtbot, win, spec.id)
    assert win.registry.project.layer(spec.id).style == USER
    # and it stays the user's: a later reload (e.g. after building overviews) does not auto-style either
    win.reload_layer(spec.id)
    qtbot.waitUntil(lambda: spec.id in win.registry.data and not win.registry.busy, timeout=20_000)
    assert win.registry.project.layer(spec.id).style == USER
    win.close()


def test_rename_while_loading_keeps_the_auto_style(app, qtbot, counties_gpkg):
    """Only a style change opts out: renaming the layer while it loads is not one."""
    win = _window(qtbot)
    spec = win.add_layer_file(counties_gpkg, "counties", role="forest")
    win.registry.project.rename_layer(spec.id, "小班")
    _wait_loaded(qtbot, win, spec.id)
    assert win.registry.project.layer(spec.id).style.kind == "categorised"
    win.close()


def test_auto_styled_bookkeeping():
    from sinkmap.core.project import LayerSpec
    from sinkmap.gui.window_imports import AutoStyled

    marks = AutoStyled()
    a, b, c = (LayerSpec(name=n, path=f"/x/{n}.gpkg") for n in "abc")
    for spec in (a, b):
        marks.add(spec.id)
        marks.entered(spec)
    c.revision = 3
    marks.entered(c)  # not marked: ignored
    b.revision += 1  # somebody set b's style
    assert a.id in marks and c.id not in marks
    assert marks.take(a) is True and marks.take(a) is False  # once
    assert marks.take(b) is False and b.id not in marks
    assert marks.take(c) is False
