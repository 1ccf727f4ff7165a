"""Canvas figures for issue 5, with QGIS's own renderer on the same GeoPackage in the same run.

    QT_QPA_PLATFORM=offscreen python benchmarks/render.py [--n 100000] [--no-qgis]

Prints (and writes benchmarks/_data/render_results.json):
* cold start to the first rendered frame of the demo (a fresh interpreter, window shown, every visible
  layer drawn) — target ≤ 3 s;
* full redraw of an n-polygon subcompartment layer at full extent, 1200 × 800 px, categorised by DI_LEI
  with outlines and antialiasing — target ≤ 1.5 × QGIS (QgsMapRendererParallelJob, same style, size,
  extent and display CRS; QGIS reads the features from the GeoPackage on every render, sinkmap draws
  from arrays prepared when the layer was loaded, whose time is reported separately);
* a pan frame from the cache (the paint while dragging) — target ≤ 50 ms;
* the longest the GUI thread was blocked (a 10 ms QTimer probe) while the layer loads, renders, is
  zoomed five times and the ledger is computed — target ≤ 100 ms.
These are figures, not pass/fail tests.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
DATA = HERE / "_data"
SIZE = (1200, 800)


def cold_start() -> float:
    """Seconds from launching a fresh interpreter to the demo window's first complete frame."""
    code = (
        "import sys, time\n"
        "t0 = float(sys.argv[1])\n"
        "from sinkmap.gui.app import build_window, wait_until\n"
        "win = build_window(None, compute_ledger=False)\n"
        "win.resize(1500, 920); win.show()\n"
        "ok = wait_until(lambda: not win.tasks.busy and win.canvas.is_idle(), 120, settle_s=0.0)\n"
        "print(time.time() - t0 if ok else -1.0)\n"
    )
    t0 = time.time()
    out = subprocess.run([sys.executable, "-c", code, repr(t0)], capture_output=True, text=True, timeout=300)
    return float(out.stdout.strip().splitlines()[-1])


def _probe():
    from PySide6.QtCore import QTimer

    state = {"last": time.perf_counter(), "max": 0.0}

    def tick():
        now = time.perf_counter()
        state["max"] = max(state["max"], now - state["last"])
        state["last"] = now

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)
    return timer, state


def in_process(gpkg: Path, repeats: int = 5) -> dict:
    from PySide6.QtCore import QPointF
    from PySide6.QtWidgets import QApplication

    from sinkmap.core.project import LayerSpec, Project, Style
    from sinkmap.gui.app import create_app, wait_until
    from sinkmap.carto.symbology import build_symbology, categorised_from_scheme
    from sinkmap.gui.canvas.vector_render import VectorJob, render_vector
    from sinkmap.carto.viewport import Viewport
    from sinkmap.io.layerdata.data import load_vector
    from sinkmap.gui.mainwindow import MainWindow

    create_app("zh_CN")
    res: dict = {}
    t = time.perf_counter()
    data = load_vector(gpkg, "xiaoban", Project().display_crs)
    res["load_prepare_s"] = time.perf_counter() - t
    base = Style(fill="#5aa55f", stroke="#2f6b34", stroke_width=0.4)
    style = categorised_from_scheme(base, data.frame, "DI_LEI", "forest_inventory")
    sym = build_symbology(style, data.frame)
    vp = Viewport(0, 0, 1, *SIZE).fitted(data.extent, 0.0)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        img = render_vector(VectorJob(data, style, sym), vp)
        times.append(time.perf_counter() - t)
    img.save(str(DATA / "sinkmap_render.png"), "PNG")
    res["full_redraw_s"] = times

    # the window: GUI-thread probe while loading, drawing, zooming and computing the ledger
    timer, probe = _probe()
    spec = LayerSpec(name="小班", path=str(gpkg), layer="xiaoban", role="forest", style=style)
    win = MainWindow(Project())
    win.quiet = True
    win.resize(*SIZE)
    win.show()
    QApplication.processEvents()
    timer.start()
    probe["last"] = time.perf_counter()
    win.registry.project.add_layer(spec)
    wait_until(lambda: win.canvas.is_idle() and not win.tasks.busy, 300, settle_s=0.2)
    for _ in range(5):
        win.canvas.zoom_by(1.6)
        wait_until(win.canvas.is_idle, 120, settle_s=0.05)
    task = win.dashboard.compute()
    task.wait(600)
    res["ledger_task"] = task.state
    wait_until(lambda: not win.tasks.busy, 120, settle_s=0.1)
    timer.stop()
    res["gui_max_block_ms"] = probe["max"] * 1000

    # pan frames: paint from the cache with a drag offset (synchronous repaint)
    win.canvas.zoom_full()
    wait_until(win.canvas.is_idle, 120, settle_s=0.1)
    pans = []
    for i in range(30):
        win.canvas._drag_offset = QPointF(3 * i, 2 * i)
        t = time.perf_counter()
        win.canvas.repaint()
        pans.append(time.perf_counter() - t)
    win.canvas._drag_offset = QPointF(0, 0)
    res["pan_frame_s"] = pans
    win.close()
    return res


def qgis(gpkg: Path) -> dict | None:
    py = shutil.which("python3", path="/usr/bin")
    if py is None:
        return None
    check = subprocess.run([py, "-c", "import qgis.core"], capture_output=True)
    if check.returncode != 0:
        return None
    from sinkmap.core.crs import EQUAL_AREA_CRS
    from sinkmap.io.schemes import load_scheme

    colors = {c.code: c.color for c in load_scheme("forest_inventory").classes}
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([py, str(HERE / "qgis_render.py"), str(gpkg), "xiaoban", str(DATA / "qgis_render.png"),
                          json.dumps(colors), EQUAL_AREA_CRS], capture_output=True, text=True, env=env, timeout=900)
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    return json.loads(lines[-1]) if lines else {"error": out.stderr[-2000:]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--no-qgis", action="store_true")
    ap.add_argument("--no-cold", action="store_true")
    args = ap.parse_args(argv)
    from _synthetic import ensure_gpkg

    gpkg = ensure_gpkg(DATA, args.n)
    results: dict = {"n_polygons": args.n, "cpus": os.cpu_count()}
    if not args.no_cold:
        cold_start()  # warm the OS file cache and generate the demo once; the second start is measured
        results["cold_start_s"] = [cold_start() for _ in range(3)]
    results.update(in_process(gpkg))
    if not args.no_qgis:
        results["qgis"] = qgis(gpkg)
    med = statistics.median
    print(f"cold start to first frame (demo): {med(results.get('cold_start_s', [float('nan')])):.2f} s (≤ 3 s)")
    print(f"load + prepare {args.n:,} polygons: {results['load_prepare_s']:.2f} s (once per layer)")
    ours = med(results["full_redraw_s"])
    print(f"full redraw, {args.n:,} polygons: {ours:.3f} s (median of {len(results['full_redraw_s'])})")
    q = results.get("qgis")
    if q and "albers_parallel_s" in q:
        for key in ("albers_parallel_s", "albers_sequential_s", "layer_crs_parallel_s", "layer_crs_sequential_s"):
            qm = med(q[key][1:])  # first run warms GDAL's caches
            print(f"  QGIS {key[:-2]}: {qm:.3f} s -> sinkmap/QGIS = {ours / qm:.2f} (≤ 1.5)")
        results["ratio_vs_qgis_parallel_albers"] = ours / med(q["albers_parallel_s"][1:])
    elif q:
        print(f"  QGIS failed: {q.get('error', '')[:300]}")
    else:
        print("  QGIS not installed: apt-get install qgis python3-qgis to compare")
    print(f"pan frame from cache: median {med(results['pan_frame_s']) * 1000:.1f} ms, "
          f"max {max(results['pan_frame_s']) * 1000:.1f} ms (≤ 50 ms)")
    print(f"GUI thread longest block: {results['gui_max_block_ms']:.0f} ms (≤ 100 ms); ledger: {results['ledger_task']}")
    (DATA / "render_results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
