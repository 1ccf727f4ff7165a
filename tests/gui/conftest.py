"""GUI tests run headless: Qt's offscreen platform, an isolated settings/data folder, no dialogs."""

from __future__ import annotations

import os
import tempfile

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before any Qt import
_ISOLATED = tempfile.mkdtemp(prefix="sinkmap-gui-tests-")
os.environ.setdefault("XDG_CONFIG_HOME", os.path.join(_ISOLATED, "config"))  # QSettings

import geopandas as gpd  # noqa: E402
import pytest  # noqa: E402
from shapely.geometry import Point, box  # noqa: E402


@pytest.fixture(scope="session")
def qapp_args():
    return ["sinkmap-tests"]


@pytest.fixture
def app(qapp):
    """The QApplication with sinkmap's font installed (Chinese by default)."""
    from sinkmap.gui.app import create_app

    create_app("zh_CN")
    return qapp


def two_counties() -> gpd.GeoDataFrame:
    """Two 0.4° × 0.4° squares in EPSG:4490 with Chinese names and a few attributes."""
    return gpd.GeoDataFrame(
        {"name": ["甲县", "乙县"], "DI_LEI": ["0111", "0113"], "stock": [100.0, 50.0]},
        geometry=[box(112.0, 28.0, 112.4, 28.4), box(113.0, 28.0, 113.4, 28.4)], crs="EPSG:4490")


@pytest.fixture
def counties_frame():
    return two_counties()


@pytest.fixture
def counties_gpkg(tmp_path):
    path = tmp_path / "counties.gpkg"
    two_counties().to_file(path, layer="counties", driver="GPKG")
    return path


@pytest.fixture
def points_gpkg(tmp_path):
    path = tmp_path / "sites.gpkg"
    gpd.GeoDataFrame({"name": ["站A"]}, geometry=[Point(112.2, 28.2)], crs="EPSG:4490").to_file(
        path, layer="sites", driver="GPKG")
    return path


@pytest.fixture
def english(app, monkeypatch):
    """English for the length of a test, installed the way ``create_app("en")`` does it, then removed."""
    from PySide6.QtCore import QCoreApplication

    from sinkmap.gui.i18n import install_translator

    translator = install_translator(app, "en")
    assert translator is not None
    monkeypatch.setattr(app, "_sinkmap_lang", "en", raising=False)
    yield
    QCoreApplication.removeTranslator(translator)
    from sinkmap.core.messages import set_language

    set_language(None)  # messages by code back to the default language


@pytest.fixture
def yuelu_forest_gpkg(tmp_path):
    """Two 乔木林 subcompartments inside 岳麓区 (Changsha): 10 ha × 80 m³/ha and 5 ha × 120 m³/ha."""
    path = tmp_path / "forest.gpkg"
    gpd.GeoDataFrame({"DI_LEI": ["0111", "0111"], "MIAN_JI": [10.0, 5.0], "MEI_GQ_XJ": [80.0, 120.0]},
                     geometry=[box(112.90, 28.20, 112.9034, 28.2027), box(112.91, 28.20, 112.9117, 28.2027)],
                     crs="EPSG:4490").to_file(path, layer="xiaoban", driver="GPKG")
    return path


@pytest.fixture
def landcover_tif(tmp_path):
    """20 × 10 pixels of 0.02° from (112.0°E, 28.2°N): columns 0–9 are 301 (乔木林地), 10–19 are 101 (水田)."""
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin

    path = tmp_path / "landcover.tif"
    data = np.full((10, 20), 101, dtype=np.uint16)
    data[:, :10] = 301
    with rasterio.open(path, "w", driver="GTiff", width=20, height=10, count=1, dtype="uint16", crs="EPSG:4490",
                       transform=from_origin(112.0, 28.2, 0.02, 0.02), nodata=0) as ds:
        ds.write(data, 1)
    return path


@pytest.fixture
def empty_window(app, qtbot, monkeypatch, tmp_path):
    """A main window on an empty project, with its own data folder; closed after the test."""
    monkeypatch.setenv("SINKMAP_HOME", str(tmp_path / "home"))
    from sinkmap.core.project import Project
    from sinkmap.gui.mainwindow import MainWindow

    win = MainWindow(Project())
    win.quiet = True
    qtbot.addWidget(win)
    yield win
    win.close()


@pytest.fixture
def drawn_window(app, qtbot):
    """A factory: the main window on a project of ``layers``, shown at ``size`` and drawn to the end."""
    from sinkmap.core.project import Project
    from sinkmap.gui.mainwindow import MainWindow

    def make(layers, size=(1200, 800), timeout=20_000):
        win = MainWindow(Project(layers=list(layers)))
        win.quiet = True
        qtbot.addWidget(win)
        win.resize(*size)
        win.show()
        qtbot.waitUntil(win.canvas.is_idle, timeout=timeout)
        return win

    return make
