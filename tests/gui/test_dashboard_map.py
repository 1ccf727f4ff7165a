"""Dashboard → map: a county row zooms the canvas to that county; an indicator becomes a choropleth layer
whose classes follow the report's values (and follow them again when the report changes).

The ledger is the real one (``sinkmap.jobs.ledger`` in a thread, as the dashboard runs it) on two small
forest subcompartments: one in 岳麓区 (80 m³/ha) and a bigger, denser one in 浏阳市 (150 m³/ha), so
浏阳市 has the most forest stock, 岳麓区 less, and the other covered counties none.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from collections import Counter

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from shapely.geometry import box

from sinkmap.core.crs import EQUAL_AREA_CRS
from sinkmap.core.project import LayerSpec, Project

INDICATOR = "forest_stock_10k_m3"


def _forest(tmp_path):
    path = tmp_path / "forest.gpkg"
    gpd.GeoDataFrame({"DI_LEI": ["0111", "0111"], "MIAN_JI": [10.0, 20.0], "MEI_GQ_XJ": [80.0, 150.0]},
                     geometry=[box(112.7793, 28.1260, 112.7827, 28.1287),  # in 岳麓区
                               box(113.6900, 28.2094, 113.6968, 28.2121)],  # in 浏阳市, twice as big
                     crs="EPSG:4490").to_file(path, layer="xiaoban", driver="GPKG")
    return path


@pytest.fixture
def ledger_window(app, qtbot, tmp_path, monkeypatch):
    """Changsha's bundled county boundaries and a (hidden) forest layer, the 2025 ledger computed."""
    from sinkmap.gui.layers.registry import BUILTIN_BOUNDARIES
    from sinkmap.gui.mainwindow import MainWindow
    from sinkmap.carto.styles import ROLE_STYLES

    # the choropleth's GeoPackage goes to the test's folder (not os.environ: render threads read it)
    monkeypatch.setattr("sinkmap.carto.choropleth.cache_dir", lambda: tmp_path)
    boundary = LayerSpec(name="县界", path=BUILTIN_BOUNDARIES, layer="长沙市", role="boundary",
                         style=ROLE_STYLES["boundary"])
    forest = LayerSpec(name="小班", path=str(_forest(tmp_path)), layer="xiaoban", role="forest", visible=False)
    win = MainWindow(Project(layers=[boundary, forest], city="长沙市", year=2025))
    win.quiet = True
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    qtbot.waitUntil(win.canvas.is_idle, timeout=30_000)
    win.dashboard.use_process = False
    task = win.dashboard.compute()
    with qtbot.waitSignal(task.ended, timeout=120_000):
        pass
    assert task.state == "finished", task.error
    return win


def _unit_bounds(name: str) -> tuple[float, float, float, float]:
    """The unit's bounds in the canvas CRS, straight from the boundary data (not through the GUI)."""
    from sinkmap.io.boundaries import load_units

    units = load_units(city="长沙市").to_crs(EQUAL_AREA_CRS)
    if name == "长沙市":
        units = units[units["level"] == "county"]  # the map layer holds the counties
    else:
        units = units[units["name"] == name]
    assert len(units)
    return tuple(units.total_bounds)


def _row_of(table, unit: str, offset: int) -> int:
    rows = [r for r in range(table.rowCount()) if table.item(r, 0).data(Qt.ItemDataRole.UserRole) == unit]
    assert len(rows) == 5  # one row per shown indicator
    return rows[offset]


def _double_click_cell(qtbot, table, row: int, col: int) -> None:
    table.scrollToItem(table.item(row, col))
    rect = table.visualItemRect(table.item(row, col))
    # what a real double-click delivers: press, release, then the double-click event
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


@pytest.mark.parametrize("unit, offset", [("浏阳市", 2), ("芙蓉区", 0), ("长沙市", 4)])
def test_county_row_zooms_to_the_county(ledger_window, qtbot, unit, offset):
    win = ledger_window
    win.canvas.set_viewport(win.canvas.viewport.zoomed(5.0, (40, 40)))  # somewhere else first
    before = win.canvas.viewport
    _double_click_cell(qtbot, win.dashboard.table, _row_of(win.dashboard.table, unit, offset), 1)
    vp = win.canvas.viewport
    assert vp != before
    xmin, ymin, xmax, ymax = _unit_bounds(unit)
    vx0, vy0, vx1, vy1 = vp.extent
    assert vx0 <= xmin and vy0 <= ymin and vx1 >= xmax and vy1 >= ymax  # the whole unit is in view
    # ...and the view is not much larger: along its tighter axis at most the 10 % margin each side
    tight = min((vx1 - vx0) / (xmax - xmin), (vy1 - vy0) / (ymax - ymin))
    assert tight <= 1.2 + 1e-6
    # the view is centred on the unit
    assert abs((vx0 + vx1) / 2 - (xmin + xmax) / 2) < vp.units_per_px
    assert abs((vy0 + vy1) / 2 - (ymin + ymax) / 2) < vp.units_per_px


def _luminance(c: QColor) -> float:
    return 0.2126 * c.red() + 0.7152 * c.green() + 0.0722 * c.blue()


def _county_colour(win, name: str) -> QColor:
    """The most common colour on screen inside the county (away from its border and label)."""
    from sinkmap.io.boundaries import load_units

    units = load_units(city="长沙市")
    poly = units[units["name"] == name].geometry.iloc[0].buffer(-0.01)
    x0, y0, x1, y1 = poly.bounds
    lon, lat = np.meshgrid(np.linspace(x0, x1, 25), np.linspace(y0, y1, 25))
    inside = shapely.contains_xy(poly, lon, lat)
    xs, ys = Transformer.from_crs("EPSG:4490", EQUAL_AREA_CRS, always_xy=True).transform(lon[inside], lat[inside])
    cols, rows = win.canvas.viewport.to_screen(xs, ys)
    image = win.canvas.render_to_image()
    names = Counter(image.pixelColor(int(c), int(r)).name() for c, r in zip(cols, rows))
    return QColor(names.most_common(1)[0][0])


def _choropleth_layers(win):
    return [s for s in win.registry.project.layers if s.role == "choropleth"]


def test_choropleth_classes_follow_the_report(ledger_window, qtbot):
    from sinkmap.carto.symbology import OTHER_FILL

    win = ledger_window
    report = win.dashboard.report
    values = {u.name: getattr(u, INDICATOR) for u in report.units}
    # what the ledger measured: 浏阳市 > 岳麓区 > 0 = 望城区; 宁乡市 lies outside the forest layer (no data)
    assert values["浏阳市"] > values["岳麓区"] > 0 and values["望城区"] == 0 and values["宁乡市"] is None
    win.zoom_to_unit("长沙市")
    win.dashboard.indicator.setCurrentIndex(win.dashboard.indicator.findData(INDICATOR))
    qtbot.mouseClick(win.dashboard.map_btn, Qt.MouseButton.LeftButton)
    layers = _choropleth_layers(win)
    assert len(layers) == 1 and "森林蓄积量" in layers[0].name
    lid = layers[0].id
    qtbot.waitUntil(lambda: lid in win.registry.data and win.canvas.is_idle(), timeout=30_000)
    frame = win.registry.data[lid].frame
    classes = dict(zip(frame["name"], win.registry.symbology(lid).feature_class))
    assert classes["浏阳市"] > classes["望城区"] and classes["岳麓区"] > classes["望城区"]
    assert classes["宁乡市"] == -1  # no data is not the lowest class
    _assert_monotonic(classes, values)
    liuyang, wangcheng = _county_colour(win, "浏阳市"), _county_colour(win, "望城区")
    assert _luminance(liuyang) < _luminance(wangcheng) - 20  # the higher value is clearly darker on screen
    assert _luminance(_county_colour(win, "岳麓区")) < _luminance(wangcheng) - 20
    ningxiang = _county_colour(win, "宁乡市")
    grey = QColor(OTHER_FILL)
    assert ningxiang.red() == ningxiang.green() == ningxiang.blue()  # grey "no data", not a ramp colour
    assert abs(ningxiang.red() - grey.red()) < 30

    # a new report (望城区 now has the most stock): the same layer is replaced, not a second one added
    changed = copy.deepcopy(report)
    for u in changed.units:
        if u.name == "望城区":
            setattr(u, INDICATOR, 10 * values["浏阳市"])
            u.targets = [replace(a, measured=getattr(u, INDICATOR)) if a.indicator == INDICATOR else a
                         for a in u.targets]
    win.dashboard.set_report(changed)
    qtbot.mouseClick(win.dashboard.map_btn, Qt.MouseButton.LeftButton)
    layers = _choropleth_layers(win)
    assert len(layers) == 1
    lid = layers[0].id
    qtbot.waitUntil(lambda: lid in win.registry.data and win.canvas.is_idle(), timeout=30_000)
    frame = win.registry.data[lid].frame
    classes = dict(zip(frame["name"], win.registry.symbology(lid).feature_class))
    _assert_monotonic(classes, {u.name: getattr(u, INDICATOR) for u in changed.units})
    assert classes["望城区"] == max(classes.values()) > classes["芙蓉区"]
    assert _luminance(_county_colour(win, "望城区")) < _luminance(_county_colour(win, "芙蓉区")) - 20


def _assert_monotonic(classes: dict, values: dict) -> None:
    """Ordered by value, the counties' classes never go down (quantile classes may tie)."""
    ranked = sorted((v, classes[n]) for n, v in values.items() if n in classes and v is not None)
    assert len(ranked) == 8  # the nine counties but 宁乡市 (no data)
    assert all(a[1] <= b[1] for a, b in zip(ranked, ranked[1:])), ranked
