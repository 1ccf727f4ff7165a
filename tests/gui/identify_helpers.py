"""Shared by the identify tests: a 1 km Gauss–Krüger raster grid near 114°E 28.3°N, a shown window, a
click at a lon/lat with the identify tool, and every text of the identify panel."""

from __future__ import annotations

from pyproj import Transformer
from PySide6.QtCore import QPoint, Qt

from sinkmap.core.project import Project

GK_ORIGIN = (500_000.0, 3_130_000.0)  # upper-left corner in EPSG:4547 (near 114°E, 28.3°N)
GK_PIXEL = 1000.0


def gk_pixel_centre_lonlat(row: float, col: float) -> tuple[float, float]:
    x = GK_ORIGIN[0] + (col + 0.5) * GK_PIXEL
    y = GK_ORIGIN[1] - (row + 0.5) * GK_PIXEL
    return Transformer.from_crs("EPSG:4547", "EPSG:4490", always_xy=True).transform(x, y)


def shown_window(qtbot):
    from sinkmap.gui.mainwindow import MainWindow

    win = MainWindow(Project())
    win.quiet = True
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    return win


def click_lonlat(qtbot, win, lon: float, lat: float):
    from sinkmap.gui.canvas.tools import Tool

    x, y = Transformer.from_crs("EPSG:4490", win.registry.project.display_crs, always_xy=True).transform(lon, lat)
    col, row = win.canvas.viewport.to_screen(x, y)
    assert 0 <= col < win.canvas.width() and 0 <= row < win.canvas.height()
    win.set_tool(Tool.IDENTIFY.value)
    qtbot.mouseClick(win.canvas, Qt.MouseButton.LeftButton, pos=QPoint(int(round(col)), int(round(row))))
    return win.identify_panel.results


def panel_texts(win) -> list[str]:
    out = []

    def walk(item):
        out.append(item.text(0))
        out.append(item.text(1))
        for i in range(item.childCount()):
            walk(item.child(i))
    for i in range(win.identify_panel.topLevelItemCount()):
        walk(win.identify_panel.topLevelItem(i))
    return out
