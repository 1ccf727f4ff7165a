"""``screenshot()`` (behind ``sinkmap --screenshot``): the PNG shows the counties where they belong."""

from __future__ import annotations

import shapely
from pyproj import Transformer
from PySide6.QtGui import QImage

from sinkmap.core.crs import EQUAL_AREA_CRS
from sinkmap.core.project import LayerSpec, Project, Style


def test_screenshot_png_has_counties_in_place(app, tmp_path):
    from sinkmap.gui.app import screenshot
    from sinkmap.gui.layers.registry import BUILTIN_BOUNDARIES
    from sinkmap.io.boundaries import load_units

    spec = LayerSpec(name="县界", path=BUILTIN_BOUNDARIES, layer="株洲市", role="boundary",
                     style=Style(fill="#ff0000", stroke="none", stroke_width=0, label_field=None))
    out = screenshot(tmp_path / "shot.png", Project(layers=[spec]), size=(1000, 700), ledger=False, timeout_s=60)
    image = QImage(str(out))
    assert image.width() == 1000 and image.height() == 700
    # the canvas is the central widget: find its geometry in the same layout by building the window again
    from sinkmap.gui.app import build_window, wait_until

    win = build_window(Project(layers=[LayerSpec.from_dict({**spec.to_dict(), "id": "x"})]), compute_ledger=False)
    win.resize(1000, 700)
    win.show()
    wait_until(lambda: win.canvas.is_idle(), 60)
    origin = win.canvas.mapTo(win, win.canvas.rect().topLeft())
    vp = win.canvas.viewport
    units = load_units(city="株洲市")
    to_map = Transformer.from_crs("EPSG:4490", EQUAL_AREA_CRS, always_xy=True)
    for name in ("炎陵县", "醴陵市"):
        p = shapely.point_on_surface(units[units["name"] == name].geometry.iloc[0])
        col, row = vp.to_screen(*to_map.transform(p.x, p.y))
        assert image.pixelColor(origin.x() + int(col), origin.y() + int(row)).name() == "#ff0000", name
    to_lonlat = Transformer.from_crs(EQUAL_AREA_CRS, "EPSG:4490", always_xy=True)
    city = units.geometry.iloc[0]
    for col, row in ((12, 12), (vp.width - 12, 12), (12, vp.height - 40), (vp.width - 12, vp.height - 40)):
        lon, lat = to_lonlat.transform(*vp.to_map(col, row))  # the canvas corners (above the scale bar)
        assert not city.contains(shapely.Point(lon, lat))  # outside 株洲市...
        assert image.pixelColor(origin.x() + col, origin.y() + row).name() != "#ff0000"  # ...and not drawn
    win.close()


def test_screenshot_without_display_uses_offscreen():
    from sinkmap.gui.app import use_offscreen_without_display

    env = {"HOME": "/tmp"}
    assert use_offscreen_without_display(env) and env["QT_QPA_PLATFORM"] == "offscreen"
    env = {"DISPLAY": ":0"}
    assert not use_offscreen_without_display(env) and "QT_QPA_PLATFORM" not in env
    env = {"QT_QPA_PLATFORM": "xcb"}
    assert not use_offscreen_without_display(env) and env["QT_QPA_PLATFORM"] == "xcb"


def test_screenshot_when_nothing_loads_fails_fast_and_nonzero(app, tmp_path, capsys):
    import time

    from sinkmap.gui.app import main

    project = Project(layers=[LayerSpec(name="坏", path=str(tmp_path / "missing.gpkg"))])
    from sinkmap.io import project_file

    project_file.save_project(project, tmp_path / "p.sinkmap")
    t0 = time.monotonic()
    code = main(["--screenshot", str(tmp_path / "x.png"), "--project", str(tmp_path / "p.sinkmap")])
    assert code != 0
    assert time.monotonic() - t0 < 60  # not the whole timeout: nothing was left to wait for
    assert not (tmp_path / "x.png").exists()
    assert "截图未保存" in capsys.readouterr().err
