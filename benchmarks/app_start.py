"""The desktop app's first start: how long until the first frame shows the demo's layers (issue 15).

Each run is a fresh process, ``sinkmap gui`` with ``SINKMAP_BENCHMARK_STARTUP=1`` on Qt's offscreen platform
(see :mod:`sinkmap.gui.startup_bench`): the app prints, in seconds since the process started and CPU seconds of
the process so far,

* ``first_frame`` — the first painted frame that shows the demo's layers (``preview``: the map as drawn at the
  last start; ``layers``: every layer's own image), and
* ``layers_drawn`` — every visible layer loaded from its data and drawn; the app quits there.

Also the total CPU of the process tree (``wait4``; worker processes included) to its end.

Two states, with the demo world already built (``sinkmap demo``; it is data, not a cache, and is kept):

* **cold** — ``$SINKMAP_HOME/cache`` emptied (no layer cache, boundaries cache, map preview) and an empty
  ``NUMBA_CACHE_DIR``: the first start after the demo exists;
* **after demo** — the cache emptied again, then filled as ``sinkmap demo`` leaves it (the demo's layers
  prepared for the map: ``sinkmap.jobs._warmup.prepare_app_layers``; the kernels' warm-up, which the first
  frame does not need, is left out): the first start after ``sinkmap demo``, or after the app built the demo;
* **warm** — the next starts (median of ``--repeats``).

The OS page cache is not dropped (needs root). On a busy machine wall time is several times the CPU time;
compare CPU seconds, and cold with warm in the same run.

Run from the repository root::

    SINKMAP_HOME=/tmp/apphome python benchmarks/app_start.py            # builds the demo there first if needed
    SINKMAP_HOME=/tmp/apphome python benchmarks/app_start.py --repeats 5 --shots /tmp/shots
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PREPARE = ("from sinkmap.demo.generate import demo_layers, ensure_demo; from sinkmap.jobs._warmup import prepare_app_layers;"
           "from sinkmap.io.boundaries import load_units; load_units(province='湖南省');"
           "prepare_app_layers(demo_layers(ensure_demo()))")
GUI = "import sys; from sinkmap.cli import main; sys.argv[0]='sinkmap'; sys.exit(main(['gui']))"


def sinkmap_home() -> Path:
    env = os.environ.get("SINKMAP_HOME")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "sinkmap"


def start_once(env: dict, lang: str, timeout_s: float) -> dict:
    """One app start: the events it printed (times since its start) plus wall and CPU of the whole tree."""
    env = {**env, "SINKMAP_BENCHMARK_STARTUP": "1", "SINKMAP_BENCHMARK_TIMEOUT": str(timeout_s),
           "QT_QPA_PLATFORM": "offscreen"}
    argv = [sys.executable, "-c", GUI.replace("['gui']", f"['gui', '--lang', '{lang}']")]
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    events = {}
    for line in proc.stdout:
        if line.startswith("{"):
            ev = json.loads(line)
            ev["outside_s"] = round(time.perf_counter() - t0, 3)
            events[ev["event"]] = ev
    _, status, usage = os.wait4(proc.pid, 0)
    stderr = proc.stderr.read()
    if "layers_drawn" not in events:
        raise SystemExit(f"the app did not report its layers drawn (status {status}):\n{stderr[-3000:]}")
    events["tree_cpu_s"] = round(usage.ru_utime + usage.ru_stime, 3)
    events["exit_s"] = round(time.perf_counter() - t0, 3)
    return events


def row(name: str, runs: list[dict]) -> str:
    def med(key, field):
        vals = [r[key][field] for r in runs if key in r]
        return statistics.median(vals) if vals else float("nan")

    sources = ",".join(sorted({r["first_frame"]["source"] for r in runs if "first_frame" in r}))
    return (f"{name:<6} first frame {med('first_frame', 's'):6.2f} s wall {med('first_frame', 'cpu_s'):5.2f} s CPU "
            f"({sources}) | all layers drawn {med('layers_drawn', 's'):6.2f} s wall "
            f"{med('layers_drawn', 'cpu_s'):5.2f} s CPU | process tree CPU to exit "
            f"{statistics.median(r['tree_cpu_s'] for r in runs):5.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--lang", default="zh_CN", choices=["zh_CN", "en"])
    ap.add_argument("--timeout", type=float, default=180.0)
    ap.add_argument("--no-cold", action="store_true", help="keep the caches (only warm runs)")
    ap.add_argument("--shots", metavar="DIR", help="save the window at the first frame and when drawn (per state)")
    args = ap.parse_args()

    home = sinkmap_home()
    env = {**os.environ, "SINKMAP_HOME": str(home), "PYTHONPATH": str(ROOT)}
    if not (home / "demo" / "manifest.json").exists():
        print(f"building the demo world in {home} (once)…", flush=True)
        subprocess.run([sys.executable, "-c", "import sys; from sinkmap.cli import main; sys.exit(main(['demo']))"],
                       env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    numba_dir = Path(tempfile.mkdtemp(prefix="sinkmap-appstart-numba-"))
    env["NUMBA_CACHE_DIR"] = str(numba_dir)
    load = os.getloadavg()[0]
    print(f"load average {load:.2f} on {os.cpu_count()} CPUs; demo world in {home}", flush=True)
    results = {}
    if not args.no_cold:
        shutil.rmtree(home / "cache", ignore_errors=True)
        shutil.rmtree(numba_dir, ignore_errors=True)
        numba_dir.mkdir()
        cold_env = {**env, **({"SINKMAP_BENCHMARK_SHOT": str(Path(args.shots) / "cold")} if args.shots else {})}
        results["cold"] = [start_once(cold_env, args.lang, args.timeout)]
        print(row("cold", results["cold"]), flush=True)
        shutil.rmtree(home / "cache", ignore_errors=True)
        subprocess.run([sys.executable, "-c", PREPARE], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        demo_env = {**env, **({"SINKMAP_BENCHMARK_SHOT": str(Path(args.shots) / "after_demo")} if args.shots else {})}
        results["after_demo"] = [start_once(demo_env, args.lang, args.timeout)]
        print(row("demo", results["after_demo"]), flush=True)
    warm = []
    for i in range(args.repeats):
        warm_env = {**env, **({"SINKMAP_BENCHMARK_SHOT": str(Path(args.shots) / "warm")} if args.shots and i == 0 else {})}
        warm.append(start_once(warm_env, args.lang, args.timeout))
    results["warm"] = warm
    print(row("warm", warm), flush=True)
    print(json.dumps(results, ensure_ascii=False))
    shutil.rmtree(numba_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
