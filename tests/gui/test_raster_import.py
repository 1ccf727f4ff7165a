"""Raster import: the dialog's facts and guesses, CRS override, bad files, overviews built and cancelled."""

from __future__ import annotations

import math

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin
from rasterio.warp import transform_bounds

from sinkmap.core.crs import EQUAL_AREA_CRS
from sinkmap.core.errors import Cancelled, InputError
from sinkmap.core.feedback import BaseFeedback, NullFeedback


def _write(path, data, crs="EPSG:4490", transform=None, nodata=None, **kw):
    h, w = data.shape
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=1, dtype=data.dtype, crs=crs,
                       transform=transform or from_origin(112.0, 28.2, 0.0002, 0.0002), nodata=nodata, **kw) as ds:
        ds.write(data, 1)
    return path


def _sandiao(path):
    """40 × 20 pixels: west half 301 乔木林地, east half 101 水田, a 4 × 4 block of code 9999 (not in 三调),
    a 2 × 2 corner of no data (0)."""
    data = np.full((20, 40), 101, dtype=np.uint16)
    data[:, :20] = 301
    data[8:12, 30:34] = 9999
    data[:2, :2] = 0
    return _write(path, data, nodata=0)





def _loaded(qtbot, win, spec):
    qtbot.waitUntil(lambda: spec.id in win.registry.data or spec.id in win.registry.errors, timeout=30_000)
    assert spec.id in win.registry.data, win.registry.errors.get(spec.id)
    return win.registry.data[spec.id]


def test_dialog_detects_land_cover_scheme_and_lists_unknown_code(app, qtbot, tmp_path):
    from sinkmap.gui.raster_import_dialog import RasterImportDialog

    dialog = RasterImportDialog(_sandiao(tmp_path / "tile_07.tif"))  # the name says nothing: the data decides
    qtbot.addWidget(dialog)
    info = dialog.info
    assert (info.width, info.height, info.count, info.dtype, info.nodata) == (40, 20, 1, "uint16", 0)
    assert dialog.detected_crs == "EPSG:4490" and not info.has_overviews
    assert dialog.role.currentData() == "landcover" and dialog.scheme.currentData() == "sandiao"
    # 800 pixels − 4 no data = 796 sampled; 16 of them hold 9999
    assert info.sampled == 796
    assert dialog.fit.known_share == pytest.approx((796 - 16) / 796)
    assert dialog.fit.unknown == [(9999, 16)]
    assert "9999 (16)" in dialog.unknown.text()
    # the pixel size: 0.0002° at the centre latitude 28.198° on the GRS80 ellipsoid (parallel / meridian arcs)
    a, e2 = 6378137.0, 0.00669438002290
    phi = math.radians(28.2 - 0.0002 * 10)
    n = a / math.sqrt(1 - e2 * math.sin(phi) ** 2)
    m = a * (1 - e2) / (1 - e2 * math.sin(phi) ** 2) ** 1.5
    dx, dy = info.pixel_size_m()
    assert dx == pytest.approx(n * math.cos(phi) * math.radians(0.0002), abs=0.01)
    assert dy == pytest.approx(m * math.radians(0.0002), abs=0.01)
    c = dialog.choice()
    assert (c.role, c.scheme, c.crs, c.build_overviews) == ("landcover", "sandiao", None, False)


def test_float_raster_is_stock_density_and_worldcover_codes_pick_worldcover(app, qtbot, tmp_path):
    from sinkmap.gui.raster_import_dialog import RasterImportDialog

    stock = _write(tmp_path / "a.tif", np.linspace(0, 250, 200, dtype=np.float32).reshape(10, 20))
    d1 = RasterImportDialog(stock)
    qtbot.addWidget(d1)
    assert d1.role.currentData() == "stock_density" and d1.choice().scheme is None
    wc = np.array([[10, 20, 30, 40], [50, 60, 80, 90]], dtype=np.uint8).repeat(5, 0).repeat(5, 1)
    d2 = RasterImportDialog(_write(tmp_path / "b.tif", wc))
    qtbot.addWidget(d2)
    assert d2.role.currentData() == "landcover" and d2.scheme.currentData() == "worldcover"
    assert d2.fit.known_share == 1.0 and d2.fit.unknown == []


def test_user_scheme_file_is_offered(app, qtbot, tmp_path, monkeypatch):
    from sinkmap.gui.raster_import_dialog import RasterImportDialog

    monkeypatch.setenv("SINKMAP_HOME", str(tmp_path / "home"))
    folder = tmp_path / "home" / "schemes"
    folder.mkdir(parents=True)
    (folder / "mine.yaml").write_text(
        "name: mine\ntitle_zh: 自定义\ntitle_en: Mine\nclasses:\n"
        "  - {code: '9999', value: 9999, name_zh: 试验地, group: other}\n", encoding="utf-8")
    dialog = RasterImportDialog(_sandiao(tmp_path / "lc.tif"))
    qtbot.addWidget(dialog)
    user = str(folder / "mine.yaml")
    assert dialog.scheme.findData(user) >= 0
    dialog.scheme.setCurrentIndex(dialog.scheme.findData(user))
    assert dialog.fit.known_share == pytest.approx(16 / 796)
    # west half 20×20 = 400 of 301 less the 4 no-data corner pixels; east half 400 of 101 less the 16 of 9999
    assert dialog.fit.unknown == [(301, 400 - 4), (101, 400 - 16)]


def test_raster_without_crs_gets_a_message_and_takes_an_override(empty_window, qtbot, tmp_path):
    from sinkmap.gui.raster_import_dialog import RasterImportDialog

    path = _write(tmp_path / "nocrs.tif", np.arange(100, dtype=np.float32).reshape(10, 10), crs=None,
                  transform=from_origin(500_000.0, 3_120_000.0, 30.0, 30.0))
    dialog = RasterImportDialog(path)
    qtbot.addWidget(dialog)
    assert dialog.detected_crs is None
    assert "没有坐标系" in dialog.crs_hint.text()
    dialog.accept()
    assert dialog.result() != RasterImportDialog.DialogCode.Accepted and "没有坐标系" in dialog.error.text()
    dialog.set_crs("EPSG:4547")  # CGCS2000 3° Gauss–Krüger, central meridian 114° E
    assert dialog.crs_problem() is None and dialog.choice().crs == "EPSG:4547"
    assert dialog.info.pixel_size_m("EPSG:4547") == (30.0, 30.0)
    dialog.set_crs("EPSG:99999999")
    assert dialog.crs_problem()

    assert empty_window.import_raster(path, interactive=False) is None  # no CRS, no dialog: a message
    assert any("nocrs.tif" in m for m in empty_window.task_panel.message_texts())
    spec = empty_window.import_raster(path, interactive=False, crs="EPSG:4547")
    assert spec.crs == "EPSG:4547"
    data = _loaded(qtbot, empty_window, spec)
    expected = transform_bounds("EPSG:4547", EQUAL_AREA_CRS, 500_000.0, 3_119_700.0, 500_300.0, 3_120_000.0,
                                densify_pts=21)
    np.testing.assert_allclose(data.extent, expected, atol=1e-6)


def test_import_raster_sets_role_scheme_and_style(empty_window, qtbot, tmp_path):
    spec = empty_window.import_raster(_sandiao(tmp_path / "tile.tif"), interactive=False)
    assert (spec.role, spec.scheme, spec.style.kind, spec.style.scheme) == ("landcover", "sandiao", "classes",
                                                                              "sandiao")
    assert _loaded(qtbot, empty_window, spec).classes_present == (101, 301, 9999)


@pytest.mark.parametrize("content", [b"", b"II*\x00" + b"\x00" * 60, "不是栅格".encode("utf-8")])
def test_bad_raster_is_a_message_and_the_app_keeps_running(empty_window, tmp_path, content):
    keep = empty_window.import_raster(_sandiao(tmp_path / "good.tif"), interactive=False)
    bad = tmp_path / "bad.tif"
    bad.write_bytes(content)
    assert empty_window.import_raster(bad, interactive=False) is None
    assert any("bad.tif" in m for m in empty_window.task_panel.message_texts())
    assert [s.id for s in empty_window.registry.project.layers] == [keep.id]


def test_big_raster_without_overviews_is_offered_them(app, qtbot, tmp_path):
    from sinkmap.io.layerdata.raster_data import LARGE_RASTER_PX
    from sinkmap.gui.raster_import_dialog import RasterImportDialog

    side = 10_001  # 100,020,001 pixels > LARGE_RASTER_PX; sparse: no block is written, the file stays small
    assert side * side > LARGE_RASTER_PX
    path = tmp_path / "big.tif"
    with rasterio.open(path, "w", driver="GTiff", width=side, height=side, count=1, dtype="uint8", crs="EPSG:4490",
                       transform=from_origin(112.0, 28.2, 1e-5, 1e-5), nodata=0, tiled=True, sparse_ok=True):
        pass
    dialog = RasterImportDialog(path)
    qtbot.addWidget(dialog)
    assert dialog.info.needs_overviews and not dialog.overviews.isHidden() and dialog.overviews.isChecked()
    assert dialog.choice().build_overviews


# -- overviews ---------------------------------------------------------------------------------------

def _blocky(path, dtype="uint8"):
    """2048 × 2048 pixels constant over 8 × 8 blocks (so every nearest choice inside a block agrees)."""
    rng = np.random.default_rng(5)
    coarse = rng.integers(1, 200, size=(256, 256)).astype(dtype)
    return _write(path, coarse.repeat(8, 0).repeat(8, 1), transform=from_origin(112.0, 28.2, 1e-4, 1e-4),
                  tiled=True), coarse


def test_overviews_have_the_requested_levels_and_values(tmp_path):
    from sinkmap.io.overviews import build_overviews, ovr_path

    path, coarse = _blocky(tmp_path / "lc.tif")
    out = build_overviews(path, [2, 4, 8], "nearest", NullFeedback())
    assert out == ovr_path(path) == tmp_path / "lc.tif.ovr"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lc.tif", "lc.tif.ovr"]
    with rasterio.open(path) as ds:
        assert ds.overviews(1) == [2, 4, 8]
    with rasterio.open(out) as ovr:  # the .ovr itself: level 2 as the main image, levels 4 and 8 inside it
        assert (ovr.width, ovr.height) == (1024, 1024) and ovr.overviews(1) == [2, 4]
        np.testing.assert_array_equal(ovr.read(1), coarse.repeat(4, 0).repeat(4, 1))


def test_average_overviews_of_a_continuous_raster(tmp_path):
    from sinkmap.io.overviews import build_overviews

    values = np.arange(64 * 64, dtype=np.float32).reshape(64, 64)
    path = _write(tmp_path / "stock.tif", values)
    build_overviews(path, [2], "average")
    with rasterio.open(tmp_path / "stock.tif.ovr") as ovr:
        np.testing.assert_allclose(ovr.read(1), values.reshape(32, 2, 32, 2).mean(axis=(1, 3)))


class _CancelAtFirstProgress(BaseFeedback):
    def on_progress(self, fraction, text):
        self.cancel()


def test_cancelled_build_leaves_no_ovr(tmp_path):
    from sinkmap.io.overviews import build_overviews

    path, _ = _blocky(tmp_path / "lc.tif")
    (tmp_path / "lc.tif.ovr").write_bytes(b"old")  # an earlier .ovr stays as it was
    with pytest.raises(Cancelled):
        build_overviews(path, [2, 4], "nearest", _CancelAtFirstProgress())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lc.tif", "lc.tif.ovr"]
    assert (tmp_path / "lc.tif.ovr").read_bytes() == b"old"


def test_failed_build_leaves_no_ovr(tmp_path):
    from sinkmap.io.overviews import build_overviews

    path, _ = _blocky(tmp_path / "lc.tif")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])  # truncated: the header opens, the blocks are missing
    with pytest.raises(InputError) as err:
        build_overviews(path, [2, 4], "nearest")
    assert "lc.tif" in str(err.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lc.tif"]


def test_window_builds_overviews_in_background_and_reloads(empty_window, qtbot, tmp_path):
    path, _ = _blocky(tmp_path / "lc.tif")
    spec = empty_window.import_raster(path, interactive=False)
    assert not _loaded(qtbot, empty_window, spec).has_overviews
    layer_menu = next(a.menu() for a in empty_window.menuBar().actions() if a.text() == "图层(&L)")
    assert empty_window.actions_by_key["build_overviews"] in layer_menu.actions()
    assert "构建金字塔…" in [a.text() for a in empty_window.layer_tree.build_menu(spec.id).actions()]
    task = empty_window.build_overviews(spec.id, factors=[2, 4])
    assert task.wait(60) and task.state == "finished"
    qtbot.waitUntil(lambda: getattr(empty_window.registry.data.get(spec.id), "has_overviews", False), timeout=30_000)
    with rasterio.open(tmp_path / "lc.tif.ovr") as ovr:
        assert ovr.width == 1024 and ovr.overviews(1) == [2]
    assert empty_window.build_overviews(spec.id) is None  # it has them now
    assert "构建金字塔…" not in [a.text() for a in empty_window.layer_tree.build_menu(spec.id).actions()]


def test_window_cancel_leaves_no_ovr(empty_window, qtbot, tmp_path):
    path, _ = _blocky(tmp_path / "lc.tif")
    spec = empty_window.import_raster(path, interactive=False)
    _loaded(qtbot, empty_window, spec)
    task = empty_window.build_overviews(spec.id, factors=[2, 4])
    task.cancel()  # the child process takes far longer to start than this line
    assert task.wait(60) and task.state == "cancelled"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "home") == ["lc.tif"]
    assert not empty_window.registry.data[spec.id].has_overviews
