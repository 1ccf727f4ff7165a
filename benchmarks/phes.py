"""Pumped-storage search on one 1°×1° 1″ tile: sinkmap's stages and command against the reference C++ (issue 12).

    /work/main/.venv/bin/python benchmarks/phes.py [--energy 7 --hours 6] [--threads 2] [--no-reference] [--json]

**Data.** The synthetic tile of ``benchmarks/_phes_dem.py`` (eroded relief like south Hunan, SRTM v3 layout,
``n25_e113`` and its 8 neighbours, and the same heights as one bordered mosaic ``n25_e113_border600.tif``:
3601 + 2 × 600 cells a side, 23 million cells); written on first use into ``--dem-dir``. sinkmap reads the mosaic
with ``--border-cells 600`` (dam sites only in the tile, as the reference); the reference reads the 9 tiles.

**What is timed, in one run** (each in a process of its own, so its peak resident memory is its own —
``os.wait4``'s rusage, what ``/usr/bin/time -v`` reports):

| line | what |
|---|---|
| sinkmap stages | ``sinkmap.analysis.phes.search.search`` on the mosaic: fill, flow directions, accumulation, screening, pairing, selection (pretty set + constructor), wall and CPU seconds per stage. A warm-up on a small DEM first loads numba's cached machine code: the one-off compile (~25 s CPU on a fresh install, then cached on disk) is excluded |
| sinkmap command | ``sinkmap site phes --dem <mosaic> --border-cells 600 --energy-gwh E --hours H --top 100000 --out …`` end to end: start-up, reading, the search, polygons of every pair kept, GeoPackage writing |
| reference | ANU RE100 ``PHES_Searching`` (C++, built outside the repository): ``screening``, ``pairing``, ``pretty_set``, ``constructor`` on the same tile and the same test (E GWh, H h), each single-threaded, run by ``benchmarks/phes_reference.py`` (``PHES_REF_BIN`` = its build directory). Without it the script prints why and reports sinkmap alone |

**Pairs compared.** Every non-overlapping pair of the reference is matched to sinkmap's pair whose upper and
lower dam sites are each within 1 km (one-to-one, closest first: ``phes_reference.match_pairs``); printed: the
share recovered, and for matched pairs the head, volume and class agreement.

On a machine whose cores are busy with other work wall times grow; the load average is printed at the
start and the end, and CPU seconds are printed next to wall seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
DATA = HERE / "_data"
PY = sys.executable
LAT, LON, BORDER = 25, 113, 600


def _mosaic(dem_dir: Path) -> Path:
    return dem_dir / f"n{LAT:02d}_e{LON:03d}_border{BORDER}.tif"


def ensure_tile(dem_dir: Path) -> Path:
    """The bordered mosaic (and the 9 tiles the reference reads), written by ``_phes_dem.py`` if missing."""
    if not _mosaic(dem_dir).exists() or not (dem_dir / f"n{LAT:02d}_e{LON:03d}_1arc_v3.tif").exists():
        sys.path.insert(0, str(HERE))
        try:
            import _phes_dem
        except ImportError:
            sys.exit(f"no tile in {dem_dir} and no benchmarks/_phes_dem.py to write it (it comes with the "
                     "reference runner, branch phesref)")
        _phes_dem.write_tiles(dem_dir, LAT, LON, border=BORDER)
    return _mosaic(dem_dir)


# -- children ---------------------------------------------------------------------------------------------------

def _child_warm() -> None:
    """Load (or compile once) every kernel on a small synthetic DEM."""
    import numpy as np
    from affine import Affine

    from sinkmap.analysis.phes.dem import terrain_from_array
    from sinkmap.analysis.phes.search import SearchOptions, search

    r = np.arange(260.0)[:, None]
    z = np.empty((260, 80))
    z[:, :40] = 1100 + (200 - r)
    z[:, 40:] = 400 + (200 - r)
    z[:, 20] = 600 + (200 - r)[:, 0]
    z[:, 60] = 100 + (200 - r)[:, 0]
    t = terrain_from_array(z, Affine(30, 0, 500000, 0, -30, 2850000), "EPSG:4547")
    search(t, SearchOptions(2.0, 6.0, threads=2))


def _child_stages(dem: str, energy: float, hours: float, threads: int) -> dict:
    import rasterio

    from sinkmap.analysis.phes.dem import terrain_from_array
    from sinkmap.analysis.phes.search import SearchOptions, search

    _child_warm()
    t0 = time.perf_counter()
    c0 = time.process_time()
    with rasterio.open(dem) as ds:
        arr = ds.read(1, masked=True)
        terrain = terrain_from_array(arr, ds.transform, ds.crs.to_wkt(), nodata=ds.nodata, border=BORDER)
    read = (time.perf_counter() - t0, time.process_time() - c0)
    r = search(terrain, SearchOptions(energy, hours, threads=threads))
    out = _pairs_of(r, terrain)
    timings = dict(r.timings)
    timings["read"] = round(read[0], 3)
    timings["cpu"]["read"] = round(read[1], 3)
    return {"timings": timings, "counts": r.counts, "pairs": out}


def _pairs_of(r, terrain) -> list[dict]:
    from sinkmap.analysis.phes.output import cell_point

    sel, res, pairs = r.selected, r.reservoirs, r.pairs
    out = []
    for i in range(len(sel)):
        k = int(sel.index[i])
        ux, uy = cell_point(res.site[pairs.upper[k]], terrain)
        lx, ly = cell_point(res.site[pairs.lower[k]], terrain)
        out.append({"upper_lat": uy, "upper_lon": ux, "lower_lat": ly, "lower_lon": lx,
                    "head_m": int(pairs.head[k]), "volume_gl": float(min(sel.volume[i])),
                    "cost_class": chr(int(sel.cls[i])), "fom": float(sel.fom[i]),
                    "separation_km": float(sel.separation_km[i])})
    return out


def _child_tiled(dem: str, energy: float, hours: float, threads: int, tile_deg: float, workers: int) -> dict:
    """The same search split into tiles of ``tile_deg`` (each read with the reference's 600-cell border), on
    the local threads (``workers`` 0) or on a Dask LocalCluster of ``workers`` processes."""
    from sinkmap.analysis.phes.dem import dem_window
    from sinkmap.analysis.phes.search import SearchOptions
    from sinkmap.analysis.phes.tiles import search_tiled, plan_tiles

    _child_warm()
    client = cluster = None
    t0 = time.perf_counter()
    if workers:
        from sinkmap.analysis.zonal.dask_backend import connect

        client, cluster = connect(workers=workers)
    start = time.perf_counter() - t0
    try:
        plan = plan_tiles(dem_window(dem), tile_deg=tile_deg, tile_border=BORDER, border_cells=BORDER,
                          threads=threads)
        r = search_tiled(plan, SearchOptions(energy, hours, threads=threads), client=client)
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    return {"timings": r.timings, "counts": r.counts, "pairs": _pairs_of(r, r.terrain),
            "cluster_start_s": round(start, 3), "tiles": [t.win for t in plan.tiles]}


CANCEL_STAGES = ("填洼", "流向", "汇流", "坝址", "配对", "不重叠组合")


def _child_cancel(dem: str, energy: float, hours: float, threads: int, delay: float) -> dict:
    """Cancel pressed ``delay`` s after each stage starts: seconds until the search stops (Cancelled)."""
    import threading

    import rasterio

    from sinkmap.analysis.phes.dem import terrain_from_array
    from sinkmap.analysis.phes.search import SearchOptions, search
    from sinkmap.core.errors import Cancelled
    from sinkmap.core.feedback import NullFeedback

    _child_warm()
    with rasterio.open(dem) as ds:
        arr = ds.read(1, masked=True)
        terrain = terrain_from_array(arr, ds.transform, ds.crs.to_wkt(), nodata=ds.nodata, border=BORDER)
    out = {}
    for marker in CANCEL_STAGES:
        pressed: list = []

        class F(NullFeedback):
            def progress(self, fraction, text=""):
                if text.startswith(marker) and not pressed:
                    def press():
                        pressed.append(time.perf_counter())
                        self.cancel()
                    pressed.append(None)
                    threading.Timer(delay, press).start()

        try:
            search(terrain, SearchOptions(energy, hours, threads=threads), feedback=F())
            out[marker] = None  # finished before the press
        except Cancelled:
            out[marker] = round(time.perf_counter() - pressed[-1], 3)
    return out


def run_child(kind: str, *args) -> tuple[dict, dict]:
    """A child process of this script; (its rusage, its JSON). rusage of one child: taken with os.wait4."""
    cmd = [PY, str(Path(__file__).resolve()), "--child", kind, *map(str, args)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    out_chunks, err_chunks = [], []
    # read both pipes to the end without deadlock, then reap the child with its own rusage
    import threading

    def pump(src, dst):
        for chunk in iter(lambda: src.read(65536), b""):
            dst.append(chunk)

    th = [threading.Thread(target=pump, args=(proc.stdout, out_chunks)),
          threading.Thread(target=pump, args=(proc.stderr, err_chunks))]
    for t in th:
        t.start()
    for t in th:
        t.join()
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    out, err = b"".join(out_chunks).decode(), b"".join(err_chunks).decode()
    if code:
        raise RuntimeError(f"child {kind} failed ({code}):\n{err[-3000:]}")
    fig = {"wall_s": wall, "user_s": ru.ru_utime, "sys_s": ru.ru_stime, "max_rss_mib": ru.ru_maxrss / 1024.0}
    return fig, (json.loads(out) if kind in ("stages", "tiled", "cancel") else {"stdout": out})


def _child_command(dem: str, energy: str, hours: str, threads: str, out: str) -> None:
    from sinkmap.cli import main

    argv = ["site", "phes", "--dem", dem, "--border-cells", str(BORDER), "--energy-gwh", energy, "--hours", hours,
            "--top", "100000", "--threads", threads, "--out", out, "--quiet"]
    code = main(argv)
    if code:
        sys.exit(code)


# -- comparison -------------------------------------------------------------------------------------------------

def compare(ref_pairs, mine: list[dict]) -> dict:
    import pandas as pd

    sys.path.insert(0, str(HERE))
    try:
        from phes_reference import match_pairs
    except ImportError:
        return {"error": "benchmarks/phes_reference.py (branch phesref) not found: pairs not matched"}
    ref = ref_pairs[ref_pairs["non_overlapping"] == 1].reset_index(drop=True) if "non_overlapping" in ref_pairs \
        else ref_pairs
    other = pd.DataFrame(mine)
    m = match_pairs(ref, other, 1.0)
    got = m[m["other_index"] >= 0]
    out = {"reference_pairs": int(len(ref)), "sinkmap_pairs": int(len(other)), "matched": int(len(got)),
           "recovered_share": round(len(got) / len(ref), 3) if len(ref) else None}
    if len(got):
        r = ref.loc[got["ref_index"].to_numpy()].reset_index(drop=True)
        o = other.loc[got["other_index"].to_numpy()].reset_index(drop=True)
        dh = (o["head_m"] - r["head_m"]).abs()
        dv = ((o["volume_gl"] - r["volume_gl"]).abs() / r["volume_gl"])
        out.update({
            "head_same_share": round(float((dh == 0).mean()), 3),
            "head_abs_diff_median_m": float(dh.median()), "head_abs_diff_max_m": float(dh.max()),
            "volume_rel_diff_median": round(float(dv.median()), 4),
            "volume_within_10pct_share": round(float((dv <= 0.10).mean()), 3),
            "class_same_share": round(float((o["cost_class"] == r["cost_class"]).mean()), 3),
            "fom_rel_diff_median": round(float(((o["fom"] - r["fom"]).abs() / r["fom"]).median()), 4),
            "upper_km_median": round(float(got["upper_km"].median()), 3),
            "lower_km_median": round(float(got["lower_km"].median()), 3),
        })
    out["reference_classes"] = {k: int(v) for k, v in ref["cost_class"].value_counts().sort_index().items()}
    out["sinkmap_classes"] = {k: int(v) for k, v in other["cost_class"].value_counts().sort_index().items()} \
        if len(other) else {}
    return out


def reference(dem_dir: Path, energy: float, hours: float) -> dict | None:
    """Figures of the reference run by ``phes_reference.py``, or None with the reason printed (the hook)."""
    sys.path.insert(0, str(HERE))
    try:
        import phes_reference as pr
    except ImportError:
        print("HOOK: benchmarks/phes_reference.py (branch phesref) is not here: the reference C++ is not run")
        return None
    try:
        res = pr.run_reference(dem_dir, DATA / "phes_reference", LAT, LON, tests=((energy, int(hours)),))
    except pr.ReferenceMissing as exc:
        print(f"HOOK: reference not run: {exc}")
        return None
    return {"summary": pr.summary(res), "pairs": res["pairs"]}


# -- main -------------------------------------------------------------------------------------------------------

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dem-dir", type=Path, default=DATA / "phes_dem")
    ap.add_argument("--energy", type=float, default=7.0, help="GWh (default 7: a 120万kW station for 6 h, "
                    "a whole number as the reference truncates E to int)")
    ap.add_argument("--hours", type=float, default=6.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-reference", action="store_true")
    ap.add_argument("--reference-first", action="store_true", help="run the reference before sinkmap")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--tiles", type=float, default=0.0, metavar="DEG",
                    help="also run the search split into tiles of DEG degrees (e.g. 0.5: 2 × 2 tiles), serially and "
                         "on a Dask LocalCluster (--workers), and compare its pairs with the one-window run")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cancel", type=float, default=0.0, metavar="S",
                    help="also measure Cancel: pressed S seconds into each stage, seconds until the search stops")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        kind, *rest = a.child
        if kind == "warm":
            _child_warm()
        elif kind == "stages":
            print(json.dumps(_child_stages(rest[0], float(rest[1]), float(rest[2]), int(rest[3]))))
        elif kind == "command":
            _child_command(*rest)
        elif kind == "tiled":
            print(json.dumps(_child_tiled(rest[0], float(rest[1]), float(rest[2]), int(rest[3]), float(rest[4]),
                                          int(rest[5]))))
        elif kind == "cancel":
            print(json.dumps(_child_cancel(rest[0], float(rest[1]), float(rest[2]), int(rest[3]), float(rest[4]))))
        return 0

    dem = ensure_tile(a.dem_dir)
    load0 = os.getloadavg()
    run_child("warm")  # numba's cache loaded or compiled once, outside the timings
    results: dict = {"energy_gwh": a.energy, "hours": a.hours, "threads": a.threads, "dem": str(dem)}
    ref = None

    def run_ref():
        return None if a.no_reference else reference(a.dem_dir, a.energy, a.hours)

    if a.reference_first:
        ref = run_ref()
    fig, stages = run_child("stages", dem, a.energy, a.hours, a.threads)
    results["sinkmap_stages"] = {"process": fig, "timings_s": stages["timings"], "counts": stages["counts"]}
    DATA.mkdir(parents=True, exist_ok=True)
    out = DATA / "phes_sinkmap_pairs.gpkg"
    fig_cmd, _ = run_child("command", dem, a.energy, a.hours, a.threads, out)
    results["sinkmap_command"] = {"process": fig_cmd}
    if a.tiles:
        mine = stages["pairs"]
        for w in (0, a.workers):
            fig_t, tiled = run_child("tiled", dem, a.energy, a.hours, a.threads, a.tiles, w)
            key = "tiled_dask" if w else "tiled_local"
            results[key] = {"process": fig_t, "timings_s": tiled["timings"], "counts": tiled["counts"],
                            "cluster_start_s": tiled["cluster_start_s"], "workers": w, "tile_deg": a.tiles,
                            "tiles": tiled["tiles"], "same_pairs_as_one_window": tiled["pairs"] == mine,
                            "pairs": len(tiled["pairs"])}
    if a.cancel:
        fig_c, lat = run_child("cancel", dem, a.energy, a.hours, a.threads, a.cancel)
        results["cancel_latency_s"] = {"pressed_after_s": a.cancel, "stages": lat}
    if not a.reference_first:
        ref = run_ref()
    results["load_before_after"] = [round(x, 2) for x in (*load0, *os.getloadavg())]
    if ref is not None:
        s = ref["summary"]
        results["reference"] = s
        rwall, rcpu = s["total_wall_s"], s["total_cpu_s"]
        swall = results["sinkmap_stages"]["timings_s"]["total"] + results["sinkmap_stages"]["timings_s"]["read"]
        scpu = stages["timings"]["cpu"]["total"] + stages["timings"]["cpu"]["read"]
        results["ratios"] = {
            "stages_wall_over_reference_wall": round(swall / rwall, 3),
            "stages_cpu_over_reference_cpu": round(scpu / rcpu, 3),
            "command_wall_over_reference_wall": round(fig_cmd["wall_s"] / rwall, 3),
            "command_cpu_over_reference_cpu": round((fig_cmd["user_s"] + fig_cmd["sys_s"]) / rcpu, 3),
            "peak_rss_mib": {"sinkmap_command": round(fig_cmd["max_rss_mib"], 1),
                             "sinkmap_stages": round(fig["max_rss_mib"], 1), "reference": s["peak_rss_mib"]},
        }
        results["pairs"] = compare(ref["pairs"], stages["pairs"])
    if a.json:
        print(json.dumps(results, indent=1, ensure_ascii=False, default=str))
        return 0
    _print(results)
    return 0


def _print(r: dict) -> None:
    st = r["sinkmap_stages"]
    t, c = st["timings_s"], st["timings_s"]["cpu"]
    print(f"pumped-storage search, synthetic tile n25_e113 (+600 cells), {r['energy_gwh']:g} GWh / {r['hours']:g} h, "
          f"{r['threads']} threads; load {r['load_before_after'][0]:.1f} → {r['load_before_after'][3]:.1f}")
    print(f"{'sinkmap stage':<18} {'wall s':>8} {'CPU s':>8}")
    for k in ("read", "fill", "flow_directions", "accumulation", "screening", "pairing", "selection"):
        print(f"{k:<18} {t[k]:8.2f} {c[k]:8.2f}")
    print(f"{'total':<18} {t['total'] + t['read']:8.2f} {c['total'] + c['read']:8.2f}   "
          f"peak RSS {st['process']['max_rss_mib']:.0f} MiB")
    cm = r["sinkmap_command"]["process"]
    print(f"{'sinkmap command':<18} {cm['wall_s']:8.2f} {cm['user_s'] + cm['sys_s']:8.2f}   "
          f"peak RSS {cm['max_rss_mib']:.0f} MiB")
    print(f"counts: {json.dumps(st['counts'], ensure_ascii=False)}")
    for key in ("tiled_local", "tiled_dask"):
        tr = r.get(key)
        if tr:
            p = tr["process"]
            tc = tr["timings_s"]["cpu"]
            print(f"{key:<18} {p['wall_s']:8.2f} {p['user_s'] + p['sys_s']:8.2f}   peak RSS {p['max_rss_mib']:.0f} MiB; "
                  f"{tr['counts']['tiles']} tiles of {tr['tile_deg']:g}°, workers {tr['workers']}, cluster start "
                  f"{tr['cluster_start_s']:.1f} s, tile CPU (workers') {sum(v for k, v in tc.items() if k != 'total' and k not in ('pairing', 'selection')):.1f} s; "
                  f"same pairs as one window: {tr['same_pairs_as_one_window']} ({tr['pairs']}); "
                  f"reservoirs cut by a tile border: {tr['counts']['tile_edge_reservoirs']}")
    if r.get("cancel_latency_s"):
        c = r["cancel_latency_s"]
        print(f"cancel pressed {c['pressed_after_s']:g} s into each stage → stopped after (s): "
              + json.dumps(c["stages"], ensure_ascii=False))
    ref = r.get("reference")
    if ref:
        print(f"{'reference stage':<18} {'wall s':>8} {'CPU s':>8} {'peak RSS MiB':>13}")
        for k, v in ref["stages"].items():
            print(f"{k:<18} {v['wall_s']:8.2f} {v['user_s'] + v['sys_s']:8.2f} {v['max_rss_mib']:13.0f}")
        print(f"{'total':<18} {ref['total_wall_s']:8.2f} {ref['total_cpu_s']:8.2f} {ref['peak_rss_mib']:13.0f}")
        print(f"reference counts: reservoirs {ref['reservoirs']}, rough pairs {ref['rough_pairs']}, "
              f"non-overlapping {ref['pretty_set_pairs']}, final {ref['final_pairs']}")
        print("ratios (sinkmap ÷ reference): " + json.dumps(r["ratios"]))
        print("pairs: " + json.dumps(r["pairs"], ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
