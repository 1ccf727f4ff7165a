"""The Qt-less run really has no Qt, and the model packages import without it."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(os.environ.get("SINKMAP_QTLESS") != "1",
                                reason="only in the Qt-less run (PYTHONPATH=tests/qtless)")

MODEL = ("sinkmap.core.project", "sinkmap.core.shortpaths", "sinkmap.io.layerdata.loaders",
         "sinkmap.io.layerdata.raster_probe", "sinkmap.carto.styles", "sinkmap.carto.symbology",
         "sinkmap.carto.choropleth", "sinkmap.carto.lod", "sinkmap.carto.demo_map", "sinkmap.jobs.worker",
         "sinkmap.export", "sinkmap.cli")


@pytest.mark.parametrize("name", ["PySide6", "PySide6.QtCore", "shiboken6", "pytestqt"])
def test_qt_cannot_be_imported(name):
    with pytest.raises(ImportError):
        importlib.import_module(name)


def test_model_imports_without_qt():
    for name in MODEL:
        importlib.import_module(name)
    assert not [m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6")]


def test_child_processes_have_no_qt_either():
    code = "import PySide6"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ.copy())
    assert run.returncode != 0 and "ModuleNotFoundError" in run.stderr
