"""Starting the CLI costs only what the command uses (issue 15): job modules import no heavy library.

The job registry imports every module of :mod:`sinkmap.jobs` at CLI start (``sinkmap --help``,
``sinkmap targets``); each must keep numpy, pandas, GIS libraries and numba inside the functions that
compute. Checked in a fresh interpreter (this test process has them all loaded already).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

HEAVY = ("numpy", "pandas", "geopandas", "rasterio", "numba", "shapely", "pyproj", "pyogrio", "fiona",
         "scipy", "dask", "distributed", "openpyxl", "matplotlib", "PySide6", "osgeo", "exactextract")

SCRIPT = """
import json, sys
import sinkmap.cli
from sinkmap.jobs import registry
jobs = registry.all_jobs()
print(json.dumps({"jobs": len(jobs), "loaded": sorted(m for m in %r if m in sys.modules)}))
""" % (HEAVY,)


def _run(script: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_cli_and_every_job_module_import_no_heavy_library():
    res = _run(SCRIPT)
    assert res["jobs"] >= 5
    assert res["loaded"] == [], f"imported at CLI start: {res['loaded']} (move them into the functions)"


def test_help_and_targets_parse_without_heavy_imports():
    # building the whole parser (every job's flags and help) stays light too
    res = _run("""
import json, sys, contextlib, io
from sinkmap.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main(["--help"])
    except SystemExit:
        pass
print(json.dumps({"jobs": 5, "loaded": sorted(m for m in %r if m in sys.modules)}))
""" % (HEAVY,))
    assert res["loaded"] == []


def test_a_job_is_found_by_its_id_importing_its_own_module_alone():
    # every built-in job: `sinkmap <job> …` imports its module, not all of them (the naming rule or MODULE_OF)
    res = _run("""
import json, subprocess, sys
from sinkmap.jobs import registry
ids = [j.id for j in registry.all_jobs() if j.module.startswith("sinkmap.")]
bad = []
for job_id in ids:
    code = ("import json; from sinkmap.jobs import registry; job = registry.find(%r); "
            "print(json.dumps([job.id, job.module, registry._DISCOVERED]))" % job_id)
    out = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    if out != [job_id, registry.module_of(job_id), False]:  # found by its module's name, nothing else searched
        bad.append(out)
print(json.dumps({"n": len(ids), "bad": bad}))
""")
    assert res["n"] >= 10
    assert res["bad"] == [], "add the job's module to registry.MODULE_OF"


def test_a_json_report_loads_no_terminal_library(tmp_path):
    # `--json` (and a quiet run) print through the standard library's JSON: rich is for terminal tables
    res = _run("""
import json, sys, contextlib, io
from sinkmap.cli import main
with contextlib.redirect_stdout(io.StringIO()) as out:
    main(["targets", "--city", "长沙市", "--year", "2025", "--json"])
json.loads(out.getvalue())
print(json.dumps({"loaded": sorted(m for m in ("rich", "importlib.metadata") if m in sys.modules),
                  "jobs": sorted(m for m in sys.modules if m.startswith("sinkmap.jobs."))}))
""")
    assert res["loaded"] == []
    assert res["jobs"] == ["sinkmap.jobs.base", "sinkmap.jobs.plan_targets", "sinkmap.jobs.registry"]


def test_a_command_line_leaves_the_collector_as_it_found_it():
    # the CLI collects garbage less often while a command runs and freezes objects before the program exits;
    # called in-process (argv given) it restores the thresholds and freezes nothing
    res = _run("""
import contextlib, gc, io, json, os
gc.set_threshold(700, 10, 10)
from sinkmap.cli import GC_THRESHOLDS, main
with contextlib.redirect_stdout(io.StringIO()):
    main(["targets", "--city", "长沙市", "--year", "2025", "--json"])
print(json.dumps({"after": list(gc.get_threshold()), "frozen": gc.get_freeze_count(), "during": list(GC_THRESHOLDS),
                  "blas": os.environ.get("OPENBLAS_NUM_THREADS")}))
""")
    assert res["after"] == [700, 10, 10] and res["frozen"] == 0 and res["during"][0] > 700
    # numpy was not loaded yet: its OpenBLAS starts one thread, not one per core (unless the user said otherwise)
    assert res["blas"] == os.environ.get("OPENBLAS_NUM_THREADS", "1")
