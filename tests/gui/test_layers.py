"""Layer data: loading in a worker process gives the same layer; level of detail; attribute table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import box

from sinkmap.core.crs import EQUAL_AREA_CRS
from sinkmap.core.project import LayerSpec, Project


def test_process_load_equals_thread_load(app, qtbot, counties_gpkg, monkeypatch):
    from sinkmap.io.layerdata import loaders
    from sinkmap.gui.layers.registry import LayerRegistry
    from sinkmap.gui.tasks import TaskManager

    spec = LayerSpec(name="县", path=str(counties_gpkg), layer="counties")
    direct = loaders.load_layer(spec, EQUAL_AREA_CRS)
    monkeypatch.setattr(loaders, "PROCESS_FEATURES", 0)  # every layer counts as big
    assert loaders.use_process(spec)
    reg = LayerRegistry(TaskManager(), Project())
    reg.project.add_layer(spec)
    qtbot.waitUntil(lambda: spec.id in reg.data, timeout=60_000)
    got = reg.data[spec.id]
    np.testing.assert_array_equal(got.coords, direct.coords)
    np.testing.assert_array_equal(got.bounds, direct.bounds)
    assert list(got.frame["name"]) == ["甲县", "乙县"]
    assert all(shapely.equals(got.geoms, direct.geoms))


def test_broken_file_is_a_message_and_the_app_goes_on(app, qtbot, tmp_path):
    from sinkmap.gui.layers.registry import LayerRegistry
    from sinkmap.gui.tasks import TaskManager

    bad = tmp_path / "broken.gpkg"
    bad.write_bytes(b"this is not a geopackage")
    reg = LayerRegistry(TaskManager(), Project())
    spec = reg.project.add_layer(LayerSpec(name="坏", path=str(bad)))
    qtbot.waitUntil(lambda: spec.id in reg.errors, timeout=30_000)
    assert str(bad) in reg.errors[spec.id] and "Traceback" not in reg.errors[spec.id]


def test_level_of_detail_decimates_and_dots():
    import geopandas as gpd

    from sinkmap.carto.lod import screen_parts
    from sinkmap.carto.viewport import Viewport
    from sinkmap.io.layerdata.data import prepare_vector

    # a 1000 m square with a vertex every metre (4001 vertices) and a 1 m square far away
    big = shapely.segmentize(box(0, 0, 1000, 1000), 1.0)
    tiny = box(5000, 5000, 5001, 5001)
    frame = gpd.GeoDataFrame({"k": [1, 2]}, geometry=[big, tiny], crs=EQUAL_AREA_CRS)
    data = prepare_vector(frame, EQUAL_AREA_CRS)
    assert len(data.coords) == 4001 + 5
    vp = Viewport(2500, 2500, 100.0, 100, 100)  # 100 m per pixel: the big square is 10 × 10 px
    parts = screen_parts(data, vp)
    # one ring left; along each 10 px side a vertex survives per pixel column/row crossed: ≤ 4 × 10 + 2
    assert len(parts.offsets) == 2 and 4 <= parts.vertex_count <= 42
    assert list(parts.dot_feature) == [1]  # the 1 m square is a dot
    x, y = vp.to_screen(5000.5, 5000.5)
    np.testing.assert_allclose(parts.dots[0], [x, y])


def _frame(n=100_000):
    rng = np.random.default_rng(1)
    return pd.DataFrame({"XIAO_BAN": np.arange(n), "DI_LEI": rng.choice(["乔木林", "竹林", "非林地"], n),
                         "MGQXJ": rng.uniform(0, 200, n).round(1)})


def test_frame_model_sorts_and_filters_100k_rows(app):
    from PySide6.QtCore import Qt

    from sinkmap.gui.layers.attribute_table import FrameModel

    df = _frame()
    m = FrameModel(df)
    assert m.rowCount() == 100_000 and m.columnCount() == 3
    m.sort(2, Qt.SortOrder.DescendingOrder)
    shown = df["MGQXJ"].to_numpy()[m.order]
    assert np.all(shown[:-1] >= shown[1:])
    assert m.data(m.index(0, 2)) == f"{df['MGQXJ'].max():.6g}"
    m.set_filter("竹林")
    assert m.rowCount() == int((df["DI_LEI"] == "竹林").sum())
    shown = df["MGQXJ"].to_numpy()[m.order]
    assert np.all(shown[:-1] >= shown[1:])  # still sorted after filtering
    wanted = np.flatnonzero(df["DI_LEI"].to_numpy() == "竹林")[:3]
    rows = m.view_rows(np.r_[wanted, np.flatnonzero(df["DI_LEI"].to_numpy() == "乔木林")[:2]])
    assert sorted(m.order[rows]) == sorted(wanted)  # rows filtered out have no view row


def test_selection_is_shared_between_table_and_map(app, qtbot, counties_gpkg):
    from PySide6.QtCore import QItemSelectionModel

    from sinkmap.gui.layers.attribute_table import AttributeTable
    from sinkmap.gui.layers.registry import LayerRegistry
    from sinkmap.gui.tasks import TaskManager

    reg = LayerRegistry(TaskManager(), Project())
    spec = reg.project.add_layer(LayerSpec(name="县", path=str(counties_gpkg), layer="counties"))
    qtbot.waitUntil(lambda: spec.id in reg.data, timeout=30_000)
    table = AttributeTable(reg, spec.id)
    qtbot.addWidget(table)
    # map -> table
    reg.set_selection(spec.id, [1])
    assert [i.row() for i in table.view.selectionModel().selectedRows()] == [1]
    # table -> map
    table.view.selectionModel().select(table.model.index(0, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
                                       | QItemSelectionModel.SelectionFlag.Rows)
    assert list(reg.selected_rows(spec.id)) == [0]
    # map box selection of the eastern county (113.0–113.4°E) through the layer's index
    data = reg.data[spec.id]
    from pyproj import Transformer

    x0, y0 = Transformer.from_crs("EPSG:4490", EQUAL_AREA_CRS, always_xy=True).transform(113.1, 28.1)
    x1, y1 = Transformer.from_crs("EPSG:4490", EQUAL_AREA_CRS, always_xy=True).transform(113.2, 28.2)
    assert list(data.features_in((x0, y0, x1, y1))) == [1]
    assert list(data.features_at((x0 + x1) / 2, (y0 + y1) / 2, 1.0)) == [1]


def test_empty_layer_is_a_message(app, qtbot, tmp_path):
    import geopandas as gpd

    from sinkmap.gui.layers.registry import LayerRegistry
    from sinkmap.gui.tasks import TaskManager

    path = tmp_path / "empty.gpkg"
    gpd.GeoDataFrame({"a": []}, geometry=[], crs="EPSG:4490").to_file(path, layer="empty", driver="GPKG")
    reg = LayerRegistry(TaskManager(), Project())
    spec = reg.project.add_layer(LayerSpec(name="空", path=str(path), layer="empty"))
    qtbot.waitUntil(lambda: spec.id in reg.errors, timeout=30_000)
    assert "图层中没有要素" in reg.errors[spec.id]  # in the interface language
