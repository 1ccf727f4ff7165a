"""Benchmark: per-county per-class land-cover areas over Hunan, sinkmap vs the read floor and peers.

    python benchmarks/zonal.py            # ~10^8 pixels
    python benchmarks/zonal.py --big      # ~10^9 pixels (generating the raster takes a few minutes)

Generates (once, cached under benchmarks/_data/) a synthetic *structured* 三调 land-cover GeoTIFF over
Hunan's 122 counties in EPSG:4490: smooth multi-octave value noise thresholded into sandiao codes, tiled
512×512, DEFLATE, so compression behaves like a real map (not white noise). Then, in one run:

* floor        — read + decompress alone: rasterio reads of every block, strips of whole block rows in
                 sinkmap's order, 1 thread; the fastest of three read patterns (one open per strip; one
                 open with a 64 MB GDAL cache; block by block) by median, its best of --repeats (7) runs;
* read 2 thr.  — the same reads on 2 threads (what parallel reading alone reaches; for reference);
* sinkmap      — zonal_class_areas(): zones rasterised exactly + one streamed pass, timed end to end
                 (best of --repeats), after a warm-up on a tiny raster so numba's one-off compile / cache
                 load is excluded. Floor and sinkmap runs alternate in one process, so a busy machine
                 slows both alike; peak memory is measured in a separate process (ru_maxrss, tracemalloc);
* exactextract — its Python API, coverage-weighted per-class areas: unique + weighted_frac with an
                 ellipsoidal cell-area weights raster (one column of per-row areas), both strategies,
                 the faster one reported;
* rasterstats  — zonal_stats(categorical=True) (pixel-centre counts; timed, not area-weighted).

Each peer runs in its own subprocess (its peak RSS is that process's ru_maxrss).

Checks: per-county class areas within 0.05% of exactextract's coverage-weighted areas, county totals
within 0.01% of each polygon's ellipsoidal area. Prints times, ratios and memory.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DATA = HERE / "_data"
CLASS_TABLE = np.array([  # rows: bins of the first field; columns: bins of the second
    [1101, 1103, 1104],
    [101, 101, 1106],
    [101, 103, 1202],
    [701, 1003, 601],
    [201, 202, 404],
    [305, 307, 302],
    [301, 301, 302],
    [301, 301, 301],
], dtype=np.uint16)
CUTS1 = np.array([-1.3, -0.9, -0.4, -0.25, -0.05, 0.25, 0.7])
CUTS2 = np.array([-0.45, 0.45])
BLOCK = 512


# -- data -------------------------------------------------------------------------------------------

def counties():
    try:
        from sinkmap.io.boundaries import load_units

        return load_units(province="湖南省", level="county")
    except Exception as exc:  # pragma: no cover - fallback while boundaries are not available
        raise SystemExit(f"cannot load Hunan's counties: {exc}")


def _add_octave(acc, grid, scale: float, r0: int, weight: float) -> None:
    """acc += weight × bilinear value noise of ``grid`` at ``scale`` pixels, for rows r0.. (numba)."""
    import numba

    global _ADD_OCTAVE
    if _ADD_OCTAVE is None:
        @numba.njit(cache=True, nogil=True)
        def kernel(acc, grid, scale, r0, weight):
            gh, gw = grid.shape
            for i in range(acc.shape[0]):
                yy = (r0 + i + 0.5) / scale
                iy = min(int(yy), gh - 2)
                ty = yy - iy
                for c in range(acc.shape[1]):
                    xx = (c + 0.5) / scale
                    ix = min(int(xx), gw - 2)
                    tx = xx - ix
                    top = grid[iy, ix] * (1 - tx) + grid[iy, ix + 1] * tx
                    bot = grid[iy + 1, ix] * (1 - tx) + grid[iy + 1, ix + 1] * tx
                    acc[i, c] += weight * (top * (1 - ty) + bot * ty)
        _ADD_OCTAVE = kernel
    _ADD_OCTAVE(acc, grid, scale, r0, weight)


_ADD_OCTAVE = None


def generate(path: Path, npx: float, zones) -> Path:
    """Write the synthetic land-cover raster (atomic: temp file then rename)."""
    import rasterio
    from rasterio.transform import from_origin

    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    x0, y0, x1, y1 = zones.total_bounds
    x0, y0, x1, y1 = x0 - 0.02, y0 - 0.02, x1 + 0.02, y1 + 0.02
    res = float(np.sqrt((x1 - x0) * (y1 - y0) / npx))
    width, height = int(np.ceil((x1 - x0) / res)), int(np.ceil((y1 - y0) / res))
    rng = np.random.default_rng(20240601)
    fields = []
    for km_scales in ((8.0, 2.0, 0.5), (5.0, 1.2, 0.3)):  # octave sizes in km
        octs = []
        for i, km in enumerate(km_scales):
            scale = max(2.0, km / (res * 111.0))
            shape = (int(height / scale) + 3, int(width / scale) + 3)
            octs.append((rng.standard_normal(shape).astype(np.float32), shape, scale, 0.5 ** i))
        fields.append(octs)
    tmp = path.with_suffix(".tmp.tif")
    profile = dict(driver="GTiff", height=height, width=width, count=1, dtype="uint16", crs="EPSG:4490",
                   transform=from_origin(x0, y1, res, res), tiled=True, blockxsize=BLOCK, blockysize=BLOCK,
                   compress="DEFLATE", nodata=0, BIGTIFF="IF_SAFER")
    t0 = time.perf_counter()
    with rasterio.Env(GDAL_CACHEMAX=256), rasterio.open(tmp, "w", **profile) as ds:
        for r0 in range(0, height, BLOCK):
            r1 = min(height, r0 + BLOCK)
            f = []
            for octs in fields:
                acc = np.zeros((r1 - r0, width), np.float32)
                for grid, _, scale, w in octs:
                    _add_octave(acc, grid, float(scale), r0, float(w))
                f.append(acc / 1.1)
            cls = CLASS_TABLE[np.digitize(f[0], CUTS1), np.digitize(f[1], CUTS2)]
            ds.write(cls, 1, window=rasterio.windows.Window(0, r0, width, r1 - r0))
            print(f"\r  generating {path.name}: {r1 / height:5.1%}", end="", file=sys.stderr)
    os.replace(tmp, path)
    print(f"\r  generated {path.name}: {width}×{height} = {width * height / 1e6:.0f} Mpx, "
          f"{path.stat().st_size / 2**20:.0f} MiB, {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return path


def weights_raster(path: Path) -> Path:
    """One column per row holding each row's ellipsoidal cell area (m²): exactextract's weights."""
    import rasterio
    from affine import Affine

    from sinkmap.analysis.zonal.cellarea import area_model
    from sinkmap.io.rasters import open_raster

    out = path.with_name(path.stem + "_cellarea.tif")
    if out.exists():
        return out
    info = open_raster(path)
    a, _, c, _, e, f = info.transform
    rows = area_model(info).row_area
    with rasterio.open(out, "w", driver="GTiff", height=info.height, width=1, count=1, dtype="float64",
                       crs=info.crs_wkt, transform=Affine(a * info.width, 0, c, 0, e, f)) as ds:
        ds.write(rows[:, None], 1)
    return out


def tiny_raster(zones) -> Path:
    """A 64×64 raster over the first county: the warm-up run (numba cache load, imports)."""
    import rasterio
    from rasterio.transform import from_origin

    out = DATA / "warmup.tif"
    x0, _, _, y1 = zones.geometry.iloc[0].bounds
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        data = np.full((64, 64), 301, np.uint16)
        with rasterio.open(out, "w", driver="GTiff", height=64, width=64, count=1, dtype="uint16",
                           crs="EPSG:4490", transform=from_origin(x0, y1, 0.01, 0.01), nodata=0) as ds:
            ds.write(data, 1)
    return out


# -- the tools (each in its own subprocess) ---------------------------------------------------------

def floor_patterns(path: Path):
    """Plain rasterio reads of every block, strips in sinkmap's order; three patterns (the floor is the best)."""
    import rasterio
    from rasterio.windows import Window

    from sinkmap.analysis.zonal.run import Chunking
    from sinkmap.io.rasters import open_raster, strips

    info = open_raster(path)
    windows = strips(info, window_bytes=Chunking().window_bytes)

    def strips_reopen(ws):  # one open per strip: GDAL's cache freed as it goes
        for r0, nr in ws:
            with rasterio.open(path) as ds:
                ds.read(1, window=Window(0, r0, info.width, nr))

    def strips_small_cache(ws):  # one open, GDAL cache capped at 64 MB
        with rasterio.Env(GDAL_CACHEMAX=64), rasterio.open(path) as ds:
            for r0, nr in ws:
                ds.read(1, window=Window(0, r0, info.width, nr))

    def blocks(ws):  # block by block
        with rasterio.Env(GDAL_CACHEMAX=64), rasterio.open(path) as ds:
            for r0, nr in ws:
                for c0 in range(0, info.width, info.block_width):
                    ds.read(1, window=Window(c0, r0, min(info.block_width, info.width - c0), nr))

    return windows, {"strips_reopen": strips_reopen, "strips_cache64": strips_small_cache, "blocks": blocks}


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run_timing(path: Path, zones, out: Path, repeats: int) -> dict:
    """Floor and sinkmap interleaved in one process (same load conditions); best of ``repeats`` each."""
    from concurrent.futures import ThreadPoolExecutor

    from sinkmap.analysis.zonal import zonal_class_areas

    windows, patterns = floor_patterns(path)
    zonal_class_areas(tiny_raster(zones), zones.iloc[:1], "sandiao")  # warm-up: numba cache load, imports
    times: dict[str, list[float]] = {name: [] for name in patterns}
    two, sm_times, sm_cpus = [], [], []
    res = None
    for _ in range(repeats):
        for name, fn in patterns.items():
            t0 = time.perf_counter()
            fn(windows)
            times[name].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(patterns["strips_cache64"], [windows[0::2], windows[1::2]]))
        two.append(time.perf_counter() - t0)
        c0, t0 = _cpu(), time.perf_counter()
        res = zonal_class_areas(path, zones, "sandiao")
        sm_times.append(time.perf_counter() - t0)
        sm_cpus.append(_cpu() - c0)
    best = {name: min(v) for name, v in times.items()}
    # the read method is chosen by its median (a property of the method), then its best run is the floor:
    # picking the minimum over all patterns' runs would take the luckiest of 3 × repeats samples against
    # sinkmap's best of ``repeats`` on a noisy machine
    fastest = min(times, key=lambda name: float(np.median(times[name])))
    np.savez(out, codes=np.array(res.codes), areas=res.class_area_ha, nodata=res.nodata_ha,
             covered=res.covered_ha, zone_area=res.zone_area_ha)
    return {"floor": best[fastest], "floor_patterns": best, "floor_2t": min(two), "sinkmap": min(sm_times),
            "sinkmap_cpu": min(sm_cpus), "floor_median": float(np.median(times[fastest])),
            "sinkmap_median": float(np.median(sm_times)), "repeats": repeats, "load": os.getloadavg()[0]}


def run_sinkmap_memory(path: Path, zones) -> dict:
    from sinkmap.analysis.zonal import zonal_class_areas

    zonal_class_areas(tiny_raster(zones), zones.iloc[:1], "sandiao")
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tracemalloc.start()
    t0 = time.perf_counter()
    zonal_class_areas(path, zones, "sandiao")
    sec = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"seconds": sec, "tracemalloc_peak": peak, "rss_before_mib": base}


def run_exactextract(path: Path, zones, out: Path) -> dict:
    from exactextract import exact_extract

    from sinkmap.io.schemes import load_scheme

    w = weights_raster(path)
    timing = {}
    frames = {}
    for strategy in ("feature-sequential", "raster-sequential"):
        t0 = time.perf_counter()
        frames[strategy] = exact_extract(str(path), zones, ["unique", "weighted_frac", "weighted_sum", "weighted_mean"],
                                         weights=str(w), output="pandas", strategy=strategy)
        timing[strategy] = time.perf_counter() - t0
    codes = [c.value for c in load_scheme("sandiao").classes]
    areas = np.zeros((len(zones), len(codes)))
    for i, row in enumerate(frames["feature-sequential"].itertuples()):
        total = row.weighted_sum / row.weighted_mean if row.weighted_mean else 0.0  # Σ coverage × cell area
        for u, fr in zip(row.unique, row.weighted_frac):
            areas[i, codes.index(int(u))] = fr * total / 1e4
    np.savez(out, areas=areas)
    return {"seconds": min(timing.values()), "by_strategy": timing}


def run_rasterstats(path: Path, zones, out: Path) -> dict:
    from rasterstats import zonal_stats

    geoms = list(zones.geometry.values)
    t0 = time.perf_counter()
    zonal_stats(geoms, str(path), categorical=True)
    return {"seconds": time.perf_counter() - t0}


def child(tool: str, path: Path, out: Path, repeats: int) -> None:
    zones = counties()
    if tool == "timing":
        res = run_timing(path, zones, out, repeats)
    elif tool == "sinkmap_memory":
        res = run_sinkmap_memory(path, zones)
    elif tool == "exactextract":
        res = run_exactextract(path, zones, out)
    elif tool == "rasterstats":
        res = run_rasterstats(path, zones, out)
    else:
        raise SystemExit(f"unknown tool {tool}")
    res["max_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(res))


def spawn(tool: str, path: Path, out: Path, repeats: int = 1) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", tool, "--raster", str(path), "--out", str(out),
                           "--repeats", str(repeats)], capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise SystemExit(f"{tool} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")


# -- the run ----------------------------------------------------------------------------------------

def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--big", action="store_true", help="about 10^9 pixels instead of 10^8")
    p.add_argument("--pixels", type=float, help="target pixel count (overrides --big)")
    p.add_argument("--skip-peers", action="store_true", help="only the floor and sinkmap")
    p.add_argument("--repeats", type=int, default=7, help="floor/sinkmap repetitions (best is kept)")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--raster", help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        child(args.child, Path(args.raster), Path(args.out), args.repeats)
        return 0

    npx = args.pixels or (1e9 if args.big else 1e8)
    zones = counties()
    path = generate(DATA / f"hunan_sandiao_{npx:.0e}.tif".replace("+", ""), npx, zones)
    weights_raster(path)
    tiny_raster(zones)
    import rasterio

    with rasterio.open(path) as ds:
        print(f"raster: {path.name} {ds.width}×{ds.height} = {ds.width * ds.height / 1e6:.0f} Mpx "
              f"({path.stat().st_size / 2**20:.0f} MiB on disk); zones: {len(zones)} counties; "
              f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}", flush=True)
    res = {"timing": spawn("timing", path, DATA / "_sinkmap.npz", args.repeats)}
    t = res["timing"]
    print(f"  read floor    {t['floor']:8.3f} s  (1 thread; the fastest of {len(t['floor_patterns'])} read patterns by "
          f"median, its best of {args.repeats}; best of each: "
          + ", ".join(f"{k} {v:.3f}" for k, v in t["floor_patterns"].items()) + ")")
    print(f"  read 2 thr.   {t['floor_2t']:8.3f} s")
    print(f"  sinkmap       {t['sinkmap']:8.3f} s  (CPU {t['sinkmap_cpu']:.3f} s, all threads)", flush=True)
    res["sinkmap_memory"] = spawn("sinkmap_memory", path, DATA / "_unused.npz")
    if not args.skip_peers:
        for tool in ("exactextract", "rasterstats"):
            res[tool] = spawn(tool, path, DATA / f"_{tool}.npz")
            print(f"  {tool:13s} {res[tool]['seconds']:8.3f} s  peak RSS {res[tool]['max_rss_mib']:6.0f} MiB"
                  + (f"  ({', '.join(f'{k} {v:.2f} s' for k, v in res[tool]['by_strategy'].items())})"
                     if "by_strategy" in res[tool] else ""), flush=True)
    report(res)
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    return 0


def report(res: dict) -> None:
    t = res["timing"]
    sm = t["sinkmap"]
    mem = res["sinkmap_memory"]
    print("\nfigures (issue 3):")
    print(f"  sinkmap / read floor (1 thread)   = {sm / t['floor']:6.2f}   (target ≤ 2.5)")
    if "floor_median" in t:
        print(f"    same, medians of the {t.get('repeats', '')} runs = {t['sinkmap_median'] / t['floor_median']:6.2f}"
              f"   (floor {t['floor_median']:.3f} s, sinkmap {t['sinkmap_median']:.3f} s)")
    print(f"  sinkmap / read on 2 threads       = {sm / t['floor_2t']:6.2f}")
    for peer in ("exactextract", "rasterstats"):
        if peer in res:
            print(f"  {peer} / sinkmap {'':10s}= {res[peer]['seconds'] / sm:6.1f}×  (target ≥ 10)")
    print(f"  sinkmap peak RSS = {mem['max_rss_mib']:.0f} MiB (process; {mem['rss_before_mib']:.0f} MiB before the run), "
          f"Python-heap peak (tracemalloc) = {mem['tracemalloc_peak'] / 2**20:.0f} MiB  (target ≤ 1536 MiB at 10^9)")
    s = np.load(DATA / "_sinkmap.npz")
    tot = np.abs(s["covered"] / s["zone_area"] - 1)
    print(f"  county totals vs polygon ellipsoidal area: max |rel. diff| = {tot.max():.2e}  (target ≤ 1e-4)")
    if "exactextract" in res:
        e = np.load(DATA / "_exactextract.npz")["areas"]
        a = s["areas"]
        big = e > 0
        rel = np.abs(a[big] / e[big] - 1)
        miss = np.abs(a[~big]).max() if (~big).any() else 0.0
        print(f"  per-county class areas vs exactextract: max |rel. diff| = {rel.max():.2e}  (target ≤ 5e-4); "
              f"where exactextract has none, sinkmap's largest is {miss:.2e} ha")


if __name__ == "__main__":
    sys.exit(main())
