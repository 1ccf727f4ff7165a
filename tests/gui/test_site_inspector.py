"""The site inspector on the hand-checked 岳麓区 fixture (tests/siting_world.py): a polygon drawn with the mouse
shows the forest it clears in the card; added to a scenario, it is saved in the project, comes back with it,
and the comparison holds the same numbers; a candidate region clicked with the identify tool gets its card;
bad input is a message in the card."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pyproj import Transformer
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the shared fixture module
import siting_world  # noqa: E402

from sinkmap.core.project import LayerSpec, Project  # noqa: E402


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return siting_world.build(tmp_path_factory.mktemp("inspector"))


def _project(d: Path, regions: bool = False) -> Project:
    p = Project(city="长沙市", year=2030)
    for role in ("forest", "wetland", "protected"):
        p.add_layer(LayerSpec(name=role, path=str(d / f"{role}.gpkg"), role=role))
    if regions:
        p.add_layer(LayerSpec(name="候选区", path=str(d / "sites.gpkg"), role="siting_regions"))
    return p


def _window(qtbot, project: Project):
    from sinkmap.gui.mainwindow import MainWindow

    win = MainWindow(project)
    win.quiet = True
    qtbot.addWidget(win)
    win.resize(1300, 850)
    win.show()
    x, y = siting_world.origin()
    to_disp = Transformer.from_crs("EPSG:4547", project.display_crs, always_xy=True)
    (x0, x1), (y0, y1) = to_disp.transform([x - 300, x + 2300], [y - 1300, y + 1300])
    qtbot.waitUntil(lambda: not win.registry.busy, timeout=30000)
    win.canvas.zoom_to((min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)), margin=0.0)
    return win


def _screen(win, x4547: float, y4547: float) -> QPointF:
    """The canvas pixel (float, not rounded) of a point given in EPSG:4547."""
    to_disp = Transformer.from_crs("EPSG:4547", win.registry.project.display_crs, always_xy=True)
    sx, sy = win.canvas.viewport.to_screen(*to_disp.transform(x4547, y4547))
    return QPointF(float(sx), float(sy))


def _mouse(widget, kind: QEvent.Type, pos: QPointF, button=Qt.MouseButton.LeftButton) -> None:
    event = QMouseEvent(kind, pos, widget.mapToGlobal(pos), button, button, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def _draw(win, corners) -> None:
    overlay = win.site_inspector.overlay
    for cx, cy in corners:
        pos = _screen(win, cx, cy)
        _mouse(overlay, QEvent.Type.MouseButtonPress, pos)
        _mouse(overlay, QEvent.Type.MouseButtonRelease, pos)
    _mouse(overlay, QEvent.Type.MouseButtonDblClick, _screen(win, *corners[-1]))


def _number(text: str) -> float:
    return float(text.split()[0].replace(",", ""))


def test_a_drawn_polygon_shows_the_forest_it_clears(app, qtbot, world):
    d, ha = world
    win = _window(qtbot, _project(d))
    ins = win.site_inspector
    win.actions_by_key["tool_site_polygon"].trigger()
    assert ins.overlay.mode == "polygon" and ins.card.polygon_button.isChecked()
    x, y = siting_world.origin()
    _draw(win, [(x, y - 500), (x + 500, y - 500), (x + 500, y + 1000), (x, y + 1000)])  # site A
    qtbot.waitUntil(lambda: ins.card.report is not None, timeout=60000)
    card = ins.card
    # A clears the west half of F1: 500 m × 1000 m of 乔木林 at 100 m³/ha; and 500 m × 500 m of wetland in P1
    assert _number(card.values["forest_area_ha"]) == pytest.approx(ha["a_forest"], abs=0.006)
    assert card.values["forest_area_ha"].endswith("公顷")
    assert card.report.total["forest_area_ha"] == pytest.approx(ha["a_forest"], rel=1e-5)
    assert _number(card.values["forest_stock_10k_m3"]) == pytest.approx(ha["a_forest"] * 100 / 1e4, abs=6e-4)
    assert _number(card.values["wetland_area_ha"]) == pytest.approx(ha["a_wetland"], abs=0.006)
    assert card.values["protected_areas"] == "岳麓湿地保护区"
    assert card.values["redline"] == "无红线图层"
    assert "岳麓区" in card.title.text()
    # the ledger rows: 长沙市's stock before → after is F1's stock less A's part of it
    stock_after = _number(card.values["长沙市:forest_stock_10k_m3"])
    assert stock_after == pytest.approx((ha["f1"] - ha["a_forest"]) * 100 / 1e4, abs=0.006)
    # switching to another map tool stops drawing
    win.actions_by_key["tool_pan"].trigger()
    assert ins.overlay.mode is None and not ins.card.polygon_button.isChecked()
    win.close()


def test_added_sites_are_saved_with_the_project_and_compared(app, qtbot, world, tmp_path):
    d, ha = world
    win = _window(qtbot, _project(d))
    ins = win.site_inspector
    x, y = siting_world.origin()
    win.actions_by_key["tool_site_polygon"].trigger()
    _draw(win, [(x, y - 500), (x + 500, y - 500), (x + 500, y + 1000), (x, y + 1000)])
    qtbot.waitUntil(lambda: ins.card.report is not None, timeout=60000)
    assert ins.card.add_button.isEnabled()
    ins.card.add_button.click()
    assert win.dirty and len(win.registry.project.scenarios) == 1
    assert win.registry.project.scenarios[0]["name"] == "方案1"
    assert ins.scenarios_dock.isVisible()
    win._save(tmp_path / "p.sinkmap")
    win.close()

    from sinkmap.io.project_file import load_project

    win2 = _window(qtbot, load_project(tmp_path / "p.sinkmap"))
    view = win2.site_inspector.scenarios
    assert [s.name for s in view.scenarios] == ["方案1"] and len(view.scenarios[0]) == 1
    assert view.sites.item(0, 0).text() == "场址1"
    assert len(win2.site_inspector.overlay.scenario_sites) == 1  # drawn on the map
    view.compare()
    qtbot.waitUntil(lambda: view.report is not None, timeout=60000)
    forest = view.report.comparison.value("total", "forest_area_ha", "方案1")
    assert forest == pytest.approx(ha["a_forest"], rel=1e-4)  # the vertices went through the screen once
    texts = [view.table.item(r, 1).text() for r in range(view.table.rowCount())]
    assert "占用森林面积" in texts
    win2.close()


def test_identify_on_a_candidate_region_opens_its_card(app, qtbot, world):
    d, ha = world
    win = _window(qtbot, _project(d, regions=True))
    qtbot.waitUntil(lambda: len(win.registry.data) == 4, timeout=30000)
    ins = win.site_inspector
    x, y = siting_world.origin()
    pos = _screen(win, x + 700, y + 500)  # inside B only (A ends at x + 500)
    vx, vy = win.canvas.viewport.to_map(pos.x(), pos.y())
    win.canvas.identifyRequested.emit(float(vx), float(vy), 1.0)
    qtbot.waitUntil(lambda: ins.card.report is not None, timeout=60000)
    assert ins.card.report.sites[0]["name"] == "B"
    assert _number(ins.card.values["forest_area_ha"]) == pytest.approx(ha["b_forest"], abs=0.006)
    win.close()


def test_bad_sites_are_messages_in_the_card(app, qtbot, world):
    import shapely

    d, _ = world
    win = _window(qtbot, _project(d))
    ins = win.site_inspector
    x, y = siting_world.origin()
    lon, lat = Transformer.from_crs("EPSG:4547", "EPSG:4490", always_xy=True).transform(x, y + 600_000)
    ins.inspect(shapely.Point(lon, lat), "北方", "pv")  # in no county of 湖南
    qtbot.waitUntil(lambda: bool(ins.card.changes.text()), timeout=60000)
    text = ins.card.changes.text()
    assert "北方" in text and "湖南" in text and "Traceback" not in text
    assert ins.card.report is None and not ins.card.add_button.isEnabled()
    ins.inspect(shapely.LineString([(112.9, 28.2), (112.91, 28.21)]), "线", None)
    assert "线" not in ins.card.changes.text() and ins.card.changes.text()  # a line is not a site: said at once
    win.close()
