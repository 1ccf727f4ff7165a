"""Tests read messages in English unless they ask for Chinese (``--lang zh`` or ``set_language``)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _english_messages(monkeypatch):
    from sinkmap.core import messages

    monkeypatch.setenv("SINKMAP_LANG", "en")
    messages.set_language(None)
    yield
    messages.set_language(None)


@pytest.fixture
def example():
    """The one-module example job (tests/example_job.py), registered."""
    import example_job  # noqa: F401 - declares example.count

    from sinkmap.jobs import registry

    return registry.get("example.count")


@pytest.fixture
def three(tmp_path):
    """Three 0.1° squares in EPSG:4490 with v = 1, 5, 9 (a threshold of 4 keeps two)."""
    import geopandas as gpd
    from shapely.geometry import box

    path = tmp_path / "three.gpkg"
    gpd.GeoDataFrame({"v": [1.0, 5.0, 9.0]}, geometry=[box(112, 28, 112.1, 28.1), box(112.2, 28, 112.3, 28.1),
                                                        box(112.4, 28, 112.5, 28.1)], crs="EPSG:4490").to_file(path)
    return path


# Runs in tests never build the compiled zonal kernels on their own (background processes, minutes of CPU):
# tests/test_zonal_aot.py builds them explicitly.
import os as _os  # noqa: E402

_os.environ.setdefault("SINKMAP_NO_AOT_BUILD", "1")
# Tests use numba's kernels unless they ask for numpy's (tests/test_zonal_nojit.py): the auto choice would
# depend on what this machine has compiled.
_os.environ.setdefault("SINKMAP_KERNELS", "numba")
