"""Importing a GBK Shapefile (no .cpg, as Chinese offices send them) through the dialog code path."""

from __future__ import annotations

import geopandas as gpd
from shapely.geometry import box

from sinkmap.core.project import Project

NAMES = ["岳麓区林场", "望城区湿地"]


def _gbk_shapefile(tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    path = folder / "xiaoban.shp"
    gpd.GeoDataFrame({"XIAN": NAMES, "DI_LEI": ["0111", "0113"], "MIAN_JI": [12.5, 3.0], "MEI_GQ_XJ": [80.0, 0.0]},
                     geometry=[box(112.90, 28.20, 112.91, 28.21), box(112.92, 28.20, 112.93, 28.21)],
                     crs="EPSG:4490").to_file(path, encoding="GBK")
    for cpg in folder.glob("*.cpg"):
        cpg.unlink()  # no .cpg: the encoding must be detected from the bytes
    assert "岳麓".encode("gbk") in (folder / "xiaoban.dbf").read_bytes()
    return path


def test_dialog_detects_gbk_and_previews_chinese(app, qtbot, tmp_path):
    from sinkmap.gui.import_dialog import ImportDialog

    dialog = ImportDialog(_gbk_shapefile(tmp_path))
    qtbot.addWidget(dialog)
    assert dialog.encoding.currentText() == "GBK"
    assert list(dialog.preview_frame["XIAN"]) == NAMES
    assert dialog.role.currentData() == "forest"
    mapping = {dialog.mapping.item(r, 0).text(): dialog.mapping.cellWidget(r, 1).currentText()
               for r in range(dialog.mapping.rowCount())}
    assert mapping["land_class"] == "DI_LEI" and mapping["area"] == "MIAN_JI"
    # a wrong override shows mojibake in the preview, not an exception
    dialog.encoding.setCurrentText("CP1252")
    assert list(dialog.preview_frame["XIAN"]) != NAMES
    dialog.encoding.setCurrentText("GBK")
    choice = dialog.choice()
    assert choice.encoding is None and choice.role == "forest" and choice.fields == {}


def test_imported_gbk_layer_loads_with_chinese_attributes(app, qtbot, tmp_path):
    from sinkmap.gui.mainwindow import MainWindow

    win = MainWindow(Project())
    win.quiet = True
    qtbot.addWidget(win)
    spec = win.import_vector(_gbk_shapefile(tmp_path), interactive=False)
    qtbot.waitUntil(lambda: spec.id in win.registry.data or spec.id in win.registry.errors, timeout=30_000)
    frame = win.registry.data[spec.id].frame
    assert list(frame["XIAN"]) == NAMES
    assert spec.role == "forest"
    assert win.registry.project.layer(spec.id).style.kind == "categorised"  # DI_LEI classes


def test_unreadable_file_is_a_message(app, qtbot, tmp_path):
    from sinkmap.gui.mainwindow import MainWindow

    bad = tmp_path / "x.shp"
    bad.write_bytes(b"\x00" * 50)
    win = MainWindow(Project())
    win.quiet = True
    qtbot.addWidget(win)
    assert win.import_vector(bad, interactive=False) is None
    assert any(str(bad) in m for m in win.task_panel.message_texts())
    assert win.registry.project.layers == []
