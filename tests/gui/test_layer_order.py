"""Layer order: moving a layer in the layer tree changes the project's order and what the canvas draws
on top (the top polygon's colour wins where two layers overlap)."""

from __future__ import annotations

import geopandas as gpd
import pytest
from pyproj import Transformer
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QDropEvent
from shapely.geometry import box

from sinkmap.core.project import LayerSpec, Style

RED, BLUE = "#ff0000", "#0000ff"
OVERLAP = (112.3, 28.2)  # inside both squares
ONLY_RED, ONLY_BLUE = (112.1, 28.2), (112.5, 28.2)


def _layer(tmp_path, name, bounds, colour):
    path = tmp_path / f"{name}.gpkg"
    gpd.GeoDataFrame({"name": [name]}, geometry=[box(*bounds)], crs="EPSG:4490").to_file(
        path, layer=name, driver="GPKG")
    return LayerSpec(name=name, path=str(path), layer=name,
                     style=Style(fill=colour, stroke="none", stroke_width=0, label_field=None))


@pytest.fixture
def window(drawn_window, tmp_path):
    """红 (112.0–112.4°E) drawn first, 蓝 (112.2–112.6°E) on top of it; they overlap at 112.2–112.4°E."""
    red = _layer(tmp_path, "red", (112.0, 28.0, 112.4, 28.4), RED)
    blue = _layer(tmp_path, "blue", (112.2, 28.0, 112.6, 28.4), BLUE)
    return drawn_window([red, blue]), red.id, blue.id


def _colour(win, lonlat):
    x, y = Transformer.from_crs("EPSG:4490", win.registry.project.display_crs, always_xy=True).transform(*lonlat)
    col, row = win.canvas.viewport.to_screen(x, y)
    return win.canvas.render_to_image().pixelColor(int(col), int(row)).name()


def _tree_ids(win):
    from sinkmap.gui.layers.tree import ID_ROLE

    t = win.layer_tree
    return [t.topLevelItem(i).data(0, ID_ROLE) for i in range(t.topLevelItemCount())]


def _assert_drawn(win, qtbot, top):
    qtbot.waitUntil(win.canvas.is_idle, timeout=20_000)
    assert _colour(win, OVERLAP) == top
    assert _colour(win, ONLY_RED) == RED and _colour(win, ONLY_BLUE) == BLUE


def test_move_actions_reorder_project_tree_and_drawing(window, qtbot):
    win, red, blue = window
    project = win.registry.project
    assert [s.id for s in project.layers] == [red, blue] and _tree_ids(win) == [blue, red]  # top row = on top
    _assert_drawn(win, qtbot, BLUE)

    menu = win.layer_tree.build_menu(blue)  # the layer tree's context menu of 蓝
    down = next(a for a in menu.actions() if a.text() == "下移")
    down.trigger()
    assert [s.id for s in project.layers] == [blue, red] and _tree_ids(win) == [red, blue]
    _assert_drawn(win, qtbot, RED)

    win.layer_tree.setCurrentItem(win.layer_tree.topLevelItem(1))  # 蓝, now the lower row
    win.layer_tree.move_current(+1)
    assert [s.id for s in project.layers] == [red, blue] and _tree_ids(win) == [blue, red]
    _assert_drawn(win, qtbot, BLUE)


def test_drag_and_drop_in_the_tree_reorders_drawing(window, qtbot):
    """What Qt's internal move does on a drop (the row taken out and inserted below the other one), then
    the tree's dropEvent, which pushes the rows' order into the project."""
    win, red, blue = window
    tree = win.layer_tree
    item = tree.takeTopLevelItem(0)  # drag 蓝 (the top row)...
    tree.insertTopLevelItem(1, item)  # ...and drop it below 红
    mime = tree.model().mimeData([tree.indexFromItem(item)])
    event = QDropEvent(QPointF(5, 5), Qt.DropAction.MoveAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    tree.dropEvent(event)
    assert [s.id for s in win.registry.project.layers] == [blue, red]
    assert _tree_ids(win) == [red, blue]
    # the tree was rebuilt from the project: both rows still checked (visible), both layers still loaded
    assert all(tree.topLevelItem(i).checkState(0) == Qt.CheckState.Checked for i in range(2))
    assert set(win.registry.data) == {red, blue}
    _assert_drawn(win, qtbot, RED)


def test_order_survives_save_and_reopen(window, qtbot, tmp_path):
    from sinkmap.gui.mainwindow import MainWindow

    win, red, blue = window
    win.registry.project.move_layer(blue, 0)
    assert win._save(tmp_path / "order.sinkmap")
    other = MainWindow()
    other.quiet = True
    qtbot.addWidget(other)
    other.resize(1200, 800)
    other.show()
    assert other.open_project(tmp_path / "order.sinkmap")
    assert [s.name for s in other.registry.project.layers] == ["blue", "red"]
    _assert_drawn(other, qtbot, RED)
