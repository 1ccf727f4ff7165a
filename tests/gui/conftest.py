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
