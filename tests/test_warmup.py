"""The zonal kernels are compiled ahead (``sinkmap demo``, the app's first start): issue 15.

No timings: after :func:`warm_up` runs with an empty ``NUMBA_CACHE_DIR``, that folder holds numba's index
files of the ledger kernels (the next process loads them instead of compiling).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_warm_up_fills_the_numba_cache(tmp_path):
    cache = tmp_path / "numba"
    cache.mkdir()
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    subprocess.run([sys.executable, "-c", "from sinkmap.analysis.zonal.warmup import warm_up; warm_up(class_dtypes=('uint16',), sum_dtypes=('float32',), aot=False)"],
                   cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    files = sorted(p.name for p in cache.rglob("*.nbi"))
    # the ledger's class-area and sum kernels (numba names its index files <module>.<function>-<line>.…)
    for kernel in ("kernels.accumulate_classes-", "kernels.accumulate_sum-"):
        assert any(f.startswith(kernel) for f in files), (kernel, files)
    assert any(f.startswith("rasterize.") for f in files), files  # the exact zone rasteriser
    assert list(cache.rglob("*.nbc"))  # the machine code itself


def test_siting_and_phes_warm_ups_fill_the_numba_cache(tmp_path):
    """The siting kernels the analysis layer owns and every pumped-storage kernel (the search on a tiny terrain)."""
    cache = tmp_path / "numba"
    cache.mkdir()
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    code = ("from sinkmap.analysis.siting.warmup import warm_up as s; from sinkmap.analysis.phes.warmup import warm_up as p;"
            "from sinkmap.jobs._warmup import kernels_cached; assert not kernels_cached(); s(); p()")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    files = sorted(p.name for p in cache.rglob("*.nbi"))
    expected = ["regions._label-", "criteria._edt-",  # siting: candidate regions, distances
                "hydro._fill_eps-", "hydro._directions_rows-", "hydro._accumulate-", "screening._find_dam_sites-",
                "screening.model_sites-", "pairing.pair_chunk-", "construct.select_pairs-", "cost.fom_kernel-",
                "impact._paint-"]  # PHES: hydrology, dam sites, screening, pairing, selection, cost, forest impact
    for kernel in expected:
        assert any(f.startswith(kernel) for f in files), (kernel, files)


def test_warm_up_all_runs_each_warm_up_once_and_says_so(monkeypatch):
    """``sinkmap demo``'s warm-up: zonal, siting (kernels and the suitability engine) and PHES, with coded messages."""
    from sinkmap.analysis.phes import warmup as phes
    from sinkmap.analysis.siting import warmup as siting
    from sinkmap.analysis.zonal import warmup as zonal
    from sinkmap.core.feedback import BaseFeedback
    from sinkmap.core.messages import render
    from sinkmap.jobs import _warmup

    calls = []
    monkeypatch.setattr(zonal, "warm_up", lambda fb=None: calls.append("zonal"))
    monkeypatch.setattr(siting, "warm_up", lambda fb=None: calls.append("siting"))
    monkeypatch.setattr(phes, "warm_up", lambda fb=None: calls.append("phes"))
    monkeypatch.setattr(_warmup, "_siting_engine", lambda fb: calls.append("engine"))

    class Said(BaseFeedback):
        def __init__(self):
            super().__init__()
            self.messages = []

        def on_progress(self, fraction, text):
            self.messages.append(text)

    fb = Said()
    _warmup.warm_up_all(fb)
    assert calls == ["zonal", "siting", "engine", "phes"]
    assert render("analysis.warmup.phes") in fb.messages and fb.messages[-1] == render("analysis.warmup.all_done")


def test_kernels_cached_needs_an_index_file_of_each_warm_up(tmp_path, monkeypatch):
    from sinkmap.jobs import _warmup

    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(_warmup, "demo_ready", lambda: True)
    tag = f".py{sys.version_info.major}{sys.version_info.minor}.nbi"
    names = [prefix + "1" + tag for _pkg, prefix in _warmup.MARKERS.values()]
    for name in names[:-1]:
        (tmp_path / name).write_text("")
    assert not _warmup.kernels_cached()
    (tmp_path / names[-1]).write_text("")
    assert _warmup.kernels_cached()


def test_sinkmap_demo_prepares_the_demo_layers_for_the_apps_map(tmp_path, monkeypatch):
    """``prepare_app_layers``: the visible vector layers land in the layer cache under the key the app uses
    (its default display CRS); layers hidden at the app's start and rasters are left alone."""
    import geopandas as gpd
    from shapely.geometry import box

    from sinkmap.carto.demo_map import demo_layer_specs
    from sinkmap.core.project import Project
    from sinkmap.io.layerdata.loaders import is_cached
    from sinkmap.jobs._warmup import prepare_app_layers

    monkeypatch.setenv("SINKMAP_HOME", str(tmp_path / "home"))
    gpkg = tmp_path / "demo.gpkg"
    frame = gpd.GeoDataFrame({"DI_LEI": ["0111"]}, geometry=[box(112.9, 28.1, 113.0, 28.2)], crs="EPSG:4490")
    frame.to_file(gpkg, layer="forest")
    frame.to_file(gpkg, layer="redline")
    layers = {"forest": (str(gpkg), "forest"), "redline": (str(gpkg), "redline")}
    assert prepare_app_layers(layers) == 1  # 生态保护红线 is off at the app's start
    crs = Project().display_crs
    cached = {s.role: is_cached(s, crs) for s in demo_layer_specs(layers, lambda role: role)}
    assert cached == {"forest": True, "redline": False}
