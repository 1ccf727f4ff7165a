"""Offline web map and report figures (issue 14), against folium's default output in the same run.

* 50,000 小班 (``_synthetic.subcompartments``: Voronoi cells around 浏阳市 with inventory-like outlines):
  sinkmap's page (``sinkmap.export.webmap``) vs folium's default ``folium.GeoJson(layer)`` page of the same
  layer — file sizes, export times, and load times in Debian's headless Chromium (navigation to every
  feature drawn). sinkmap's page loads with the network off (a namespace of its own when run as root);
  folium's page needs Leaflet from a CDN, so its CDN links are pointed at a file server on 127.0.0.1
  serving the same Leaflet files (xstatic-leaflet), the only network it gets.
* The 长沙市 report (``sinkmap export report --city 长沙市`` on the demo world: ledger, map page, PDF, XLSX).

Run: ``/work/main/.venv/bin/python benchmarks/export_web.py [--n 50000] [--repeats 3]``
"""

from __future__ import annotations

import argparse
import http.server
import statistics
import sys
import tempfile
import threading
import time
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests"))


def sinkmap_page(frame, path: Path):
    from sinkmap.export.map_layers import data_layer
    from sinkmap.export.webmap import WebMapSpec, write_webmap

    t = time.perf_counter()
    layer = data_layer("小班 50k", frame, "forest", "zh_CN")
    spec = WebMapSpec(title="50,000 小班", layers=[layer], bounds=tuple(float(v) for v in frame.total_bounds))
    res = write_webmap(spec, path)
    return res, time.perf_counter() - t


def folium_page(frame, path: Path, port: int) -> float:
    import folium

    t = time.perf_counter()
    b = frame.total_bounds
    fmap = folium.Map(location=[(b[1] + b[3]) / 2, (b[0] + b[2]) / 2], zoom_start=10, tiles=None)
    folium.GeoJson(frame).add_to(fmap)  # folium's default: every coordinate and attribute, one SVG path each
    fmap.save(str(path))
    elapsed = time.perf_counter() - t
    # the same Leaflet files from a local server instead of the CDN; the other CDN assets are not needed
    text = path.read_text(encoding="utf-8")
    text = text.replace("https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/", f"http://127.0.0.1:{port}/")
    import re

    text = re.sub(r'<script src="https://[^"]+"></script>', "", text)
    text = re.sub(r'<link rel="stylesheet" href="https://[^"]+"/>', "", text)
    path.with_name("folium_local.html").write_text(text, encoding="utf-8")
    return elapsed


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, int]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = partial(Quiet, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, httpd.server_address[1]


def load_sinkmap(path: Path) -> tuple[float, int, list[str], list[str]]:
    from browser import Browser

    with Browser(offline=True) as b:
        t = time.perf_counter()
        b.send("Page.navigate", {"url": path.resolve().as_uri()})
        b.wait_for("window.SINKMAP && SINKMAP.ready", timeout=120)
        elapsed = time.perf_counter() - t
        drawn = b.eval("SINKMAP.layers.reduce((s, l) => s + l.drawnCount(), 0)")
        return elapsed, drawn, b.errors, [u for u in b.requests if not u.startswith(("file:", "data:"))]


def load_folium(url: str) -> tuple[float, int, list[str]]:
    from browser import Browser

    with Browser(offline=False) as b:
        t = time.perf_counter()
        b.send("Page.navigate", {"url": url})
        b.wait_event("Page.loadEventFired", timeout=300)
        b.wait_for("document.querySelectorAll('path.leaflet-interactive').length > 0", timeout=300)
        b.eval("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))", timeout=300)
        elapsed = time.perf_counter() - t
        paths = b.eval("document.querySelectorAll('path.leaflet-interactive').length")
        return elapsed, paths, b.errors


def report_time() -> tuple[float, int]:
    from sinkmap.jobs import registry
    from sinkmap.jobs.base import run_job

    job = registry.get("export.report")
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        rep = run_job(job, job.make_request({"city": "长沙市", "year": 2025, "out": f"{tmp}/cs.pdf", "xlsx": f"{tmp}/cs.xlsx"}))
        return time.perf_counter() - t, rep.pages


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=50_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip-folium-load", action="store_true")
    args = ap.parse_args()
    import geopandas as gpd
    import xstatic.pkg.leaflet as xleaflet

    from _synthetic import ensure_gpkg

    src = ensure_gpkg(HERE / "_data", args.n)
    frame = gpd.read_file(src)
    print(f"layer: {len(frame):,} subcompartments, {sum(len(g.exterior.coords) for g in frame.geometry):,} vertices "
          f"({src.name})")
    work = Path(tempfile.mkdtemp(prefix="sinkmap-bench-web-"))
    httpd, port = serve(Path(xleaflet.BASE_DIR))
    try:
        res, t_ours = sinkmap_page(frame, work / "sinkmap.html")
        t_folium = folium_page(frame, work / "folium.html", port)
        size_ours, size_folium = res.size_bytes, (work / "folium.html").stat().st_size
        loads = [load_sinkmap(work / "sinkmap.html") for _ in range(args.repeats)]
        times = [x[0] for x in loads]
        print(f"{'':28s}{'size MB':>10s}{'export s':>10s}{'load s (median)':>18s}")
        print(f"{'sinkmap (offline)':28s}{size_ours / 1e6:10.2f}{t_ours:10.2f}{statistics.median(times):18.2f}"
              f"   runs {', '.join(f'{t:.2f}' for t in times)}; drawn {loads[0][1]:,}; errors {len(loads[0][2])}; "
              f"requests leaving {len(loads[0][3])}")
        if args.skip_folium_load:
            print(f"{'folium GeoJson (default)':28s}{size_folium / 1e6:10.2f}{t_folium:10.2f}{'—':>18s}")
        else:
            ft, fpaths, ferr = load_folium((work / "folium_local.html").resolve().as_uri())
            print(f"{'folium GeoJson (default)':28s}{size_folium / 1e6:10.2f}{t_folium:10.2f}{ft:18.2f}"
                  f"   SVG paths {fpaths:,}; errors {len(ferr)}")
        print(f"size ratio sinkmap / folium: {size_ours / size_folium:.3f} (target ≤ 0.333)")
        print(f"tolerance: 0.5 pixel per zoom ({res.tolerance_m:.2f} m at zoom {res.max_zoom}); zooms "
              f"{res.min_zoom}–{res.max_zoom}; vertices kept at the top zoom {sum(res.vertices.values()):,}")
    finally:
        httpd.shutdown()
    t_report, pages = report_time()
    print(f"长沙市 report (demo world, PDF {pages} pages + XLSX): {t_report:.1f} s (target ≤ 20 s)")


if __name__ == "__main__":
    main()
