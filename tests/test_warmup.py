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
