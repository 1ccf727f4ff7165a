"""Rasters a user imports (land cover, stock density) reach the dashboard's ledger, as on the CLI."""

from __future__ import annotations

import json

import numpy as np
import rasterio
from rasterio.transform import from_origin

from sinkmap.core.project import LayerSpec, Project, Style


def _landcover(tmp_path):
    """A 0.02° × 0.02° patch inside 岳麓区, all 0301 (乔木林地) — 400 cells of 0.001°."""
    path = tmp_path / "lc.tif"
    with rasterio.open(path, "w", driver="GTiff", height=20, width=20, count=1, dtype="uint16", crs="EPSG:4490",
                       transform=from_origin(112.90, 28.22, 0.001, 0.001), nodata=0) as ds:
        ds.write(np.full((20, 20), 301, np.uint16), 1)
    return path


def test_user_landcover_raster_reaches_the_dashboard(app, qtbot, tmp_path, capsys):
    from pyproj import Geod
    from shapely.geometry import box

    from sinkmap.cli import main as cli_main
    from sinkmap.gui.mainwindow import MainWindow

    path = _landcover(tmp_path)
    spec = LayerSpec(name="土地覆盖", path=str(path), kind="raster", role="landcover",
                     style=Style(kind="classes", scheme="sandiao"))
    win = MainWindow(Project(layers=[spec]))
    win.quiet = True
    qtbot.addWidget(win)
    req = win._ledger_request("长沙市", 2025)
    assert req["landcover"] == path and req["scheme"] == "sandiao" and req.get("forest") is None

    assert cli_main(["ledger", "--city", "长沙市", "--year", "2025", "--landcover", str(path), "--scheme", "sandiao",
                     "--json", "--quiet"]) == 0
    cli = json.loads(capsys.readouterr().out)
    win.dashboard.set_city_year("长沙市", 2025)
    win.dashboard.use_process = False
    task = win.dashboard.compute()
    with qtbot.waitSignal(task.ended, timeout=120_000):
        pass
    assert task.state == "finished", task.error
    gui = {u.name: u.to_dict() for u in win.dashboard.report.units}
    yuelu = gui["岳麓区"]
    # independently: the patch's ellipsoidal area is all 乔木林地 → forest area
    expected_ha = abs(Geod(a=6378137.0, rf=298.257222101).geometry_area_perimeter(
        box(112.90, 28.20, 112.92, 28.22))[0]) / 1e4
    assert abs(yuelu["forest_area_ha"] - expected_ha) < 1e-6 * expected_ha
    for u in cli["units"]:
        assert u.get("forest_area_ha") == gui[u["name"]].get("forest_area_ha")
