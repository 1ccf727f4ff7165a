"""The field-package dialog: the area from the polygons selected on the map, the project's layers, the run."""

from __future__ import annotations

import json
import os
import zipfile

import geopandas as gpd
import pytest
from shapely.geometry import box

from sinkmap.core.project import LayerSpec, Style
from sinkmap.jobs import registry


@pytest.fixture
def zone_gpkg(tmp_path):
    """One zone around the two 小班 of ``yuelu_forest_gpkg`` (inside 岳麓区), and one away from them."""
    path = tmp_path / "zones.gpkg"
    gpd.GeoDataFrame({"name": ["片区A", "片区B"]},
                     geometry=[box(112.85, 28.15, 112.95, 28.25), box(112.96, 28.15, 112.99, 28.18)],
                     crs="EPSG:4490").to_file(path, layer="zones", driver="GPKG")
    return path


@pytest.fixture
def window(drawn_window, yuelu_forest_gpkg, zone_gpkg, tmp_path, monkeypatch):
    monkeypatch.setenv("SINKMAP_HOME", str(tmp_path / "home"))
    return drawn_window([
        LayerSpec(name="小班", path=str(yuelu_forest_gpkg), layer="xiaoban", role="forest",
                  style=Style(fill="#5aa55f", stroke="#2f6b34")),
        LayerSpec(name="片区", path=str(zone_gpkg), layer="zones", style=Style(fill="none", label_field="name")),
    ])


def test_the_selected_polygon_is_the_area_and_the_run_writes_the_package(window, tmp_path, qtbot):
    from sinkmap.gui.job_menu import menu_jobs, run_job_in_app
    from sinkmap.gui.package_dialog import PackageDialog

    job = registry.get("export.package")
    assert job in menu_jobs()  # in the 任务 menu, with this dialog instead of the generated one
    zones = next(s for s in window.registry.project.layers if s.name == "片区")
    window.registry.set_selection(zones.id, [0])
    dialog = PackageDialog(job, window)
    qtbot.addWidget(dialog)
    assert dialog.area.currentData() == "selection" and "1" in dialog.selection_label.text()
    assert [dialog.layers.item(k).text() for k in range(dialog.layers.count())] == ["片区", "小班"]  # top first
    dialog.accept()  # no output yet: refused, the reason shown
    assert dialog.result() == 0 and not dialog.error.isHidden() and "输出" in dialog.error.text()  # 缺少必需参数 输出
    out = tmp_path / "pkg.zip"
    dialog.out.setText(str(out))
    dialog.accept()
    assert dialog.result() == 1, dialog.error.text()
    values = dialog.values()
    assert gpd.read_file(values["zones"])["name"].tolist() == ["片区A"]
    task = run_job_in_app(window, job, values)
    assert task.wait(600)
    assert task.state == "finished", task.error
    with zipfile.ZipFile(out) as zf:
        manifest = json.loads(zf.read("pkg/manifest.json"))
    assert manifest["area"]["kind"] == "zones" and manifest["area"]["name"] == "片区A"
    assert manifest["data"] == "user"
    ids = [e["id"] for e in manifest["layers"]]
    assert "forest" in ids and "ledger" in ids and "boundary" in ids
    assert next(e for e in manifest["layers"] if e["id"] == "forest")["features"] == 2
    assert window.registry.project.job_runs[-1].job == "export.package"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_dialog_renders_in_both_languages(window, qtbot, request, lang, tmp_path):
    from sinkmap.gui.package_dialog import PackageDialog

    if lang == "en":
        request.getfixturevalue("english")
    dialog = PackageDialog(registry.get("export.package"), window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    texts = [dialog.area.itemText(k) for k in range(dialog.area.count())]
    assert texts == (["选中的面要素", "绘制的区域", "城市", "区县/片区", "片区文件"] if lang == "zh"
                     else ["Selected polygons", "Drawn area", "City", "County or zone", "Zones file"])
    png = tmp_path / f"package_dialog_{lang}.png"
    assert dialog.grab().save(str(png))
    if os.environ.get("SINKMAP_TEST_PNG_DIR"):
        dialog.grab().save(os.path.join(os.environ["SINKMAP_TEST_PNG_DIR"], png.name))


def test_a_polygon_drawn_on_the_map_is_an_area(window, qtbot):
    from PySide6.QtCore import QPoint, Qt

    from sinkmap.gui.package_dialog import PackageDialog

    window.set_tool("draw")
    canvas = window.canvas
    corners = [QPoint(40, 120), QPoint(300, 140), QPoint(280, 420), QPoint(60, 400)]
    for pt in corners[:-1]:
        qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=pt)
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=corners[-1])
    qtbot.mouseDClick(canvas, Qt.MouseButton.LeftButton, pos=corners[-1])
    area = window.drawn_area
    assert area is not None and area.geom_type == "Polygon" and len(area.exterior.coords) == 5
    # the corners are where the clicks were: back through the viewport and the display CRS
    from pyproj import Transformer

    tr = Transformer.from_crs(window.registry.project.display_crs, "EPSG:4490", always_xy=True)
    vp = canvas.viewport
    expected = [tr.transform(*vp.to_map(p.x(), p.y())) for p in corners]
    for (x, y), (ex, ey) in zip(list(area.exterior.coords)[:4], expected):
        assert abs(x - ex) < 1e-9 and abs(y - ey) < 1e-9
    assert canvas.drawn and not canvas.sketch
    if os.environ.get("SINKMAP_TEST_PNG_DIR"):
        window.grab().save(os.path.join(os.environ["SINKMAP_TEST_PNG_DIR"], "drawn_area.png"))
    dialog = PackageDialog(registry.get("export.package"), window)
    qtbot.addWidget(dialog)
    assert dialog.area.currentData() == "drawn"
    dialog.out.setText("x.zip")
    values = dialog.raw_values()
    zones = gpd.read_file(values["zones"])
    assert zones["name"].tolist() == ["绘制区域"] and zones.geometry.iloc[0].equals_exact(area, 1e-9)
