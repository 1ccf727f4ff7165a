"""Siting figures (issue 11): exclusions for one technology on a large grid, and ``site impact``.

    /work/main/.venv/bin/python benchmarks/siting.py                 # 10^7 cells, 3 repeats
    /work/main/.venv/bin/python benchmarks/siting.py --cells 2e7     # the in-memory limit (grid.MAX_CELLS)
    /work/main/.venv/bin/python benchmarks/siting.py --skip-impact
    /work/main/.venv/bin/python benchmarks/siting.py --at-once       # the impact card and scenarios only

Exclusions: 郴州市 on a lon/lat grid of ``--cells`` cells; four rules for one technology (pv): 三调 耕地 and
water on a synthetic land-cover GeoTIFF of the same grid (exclude), ~400 protected-area blobs (exclude), a
red line (limit 0.3). Timed in one run, alternating: the read floor (the land-cover raster read once), sinkmap's
``compute_exclusions`` (exact coverage fractions, bitmask, inclusion), and the obvious peer (rasterio.features
.rasterize with all_touched of the unit and of each vector rule + numpy whole-array masking). Checks: cells hit
per rule, sinkmap vs the peer. Peak RSS of each, in a process of its own.

Impact: the whole ``sinkmap site impact`` command (a new interpreter each time, so imports included) on the demo
world, one 64 ha square in 岳麓区 (``--county 岳麓区``) and 50 random polygons in 郴州市 (seed 11, ``--city``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "_data"
sys.path.insert(0, str(ROOT))


def _unit():
    import shapely

    from sinkmap.io.boundaries import load_units

    return shapely.union_all(load_units(city="郴州市").to_crs("EPSG:4490").geometry.to_numpy())


def _grid(cells: float):
    from sinkmap.analysis.siting.grid import MAX_CELLS, grid_from_resolution

    unit = _unit()
    x0, y0, x1, y1 = unit.bounds
    r = math.sqrt((x1 - x0) * (y1 - y0) / cells)
    while math.ceil((x1 - x0) / r + 1) * math.ceil((y1 - y0) / r + 1) > min(cells * 1.001, MAX_CELLS):
        r *= 1.0005  # the grid snaps outward: stay within the limit
    return unit, grid_from_resolution(unit, r, "郴州市")


def _landcover(grid, path: Path) -> Path:
    """uint16 三调 codes on the grid: smooth patches (upsampled noise), tiled, DEFLATE."""
    if path.exists():
        return path
    import rasterio

    rng = np.random.default_rng(5)
    h, w = grid.shape
    codes = np.array([101, 102, 103, 301, 301, 301, 305, 401, 1101, 1103, 702, 1202], np.uint16)
    coarse = rng.integers(0, codes.size, (h // 16 + 2, w // 16 + 2))
    fine = rng.integers(0, codes.size, (h // 3 + 2, w // 3 + 2))
    a = np.repeat(np.repeat(coarse, 16, 0), 16, 1)[:h, :w]
    b = np.repeat(np.repeat(fine, 3, 0), 3, 1)[:h, :w]
    data = codes[np.where(rng.random((h, w), np.float32) < 0.8, a, b)]
    path.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=1, dtype="uint16", crs="EPSG:4490",
                       transform=grid.transform, tiled=True, blockxsize=512, blockysize=512,
                       compress="DEFLATE", nodata=0) as ds:
        ds.write(data, 1)
    return path


def _vectors(unit):
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(7)
    x0, y0, x1, y1 = unit.bounds
    pts = shapely.points(rng.uniform(x0, x1, 400), rng.uniform(y0, y1, 400))
    prot = shapely.buffer(pts, rng.uniform(0.005, 0.04, 400), quad_segs=16)
    red_pts = shapely.points(rng.uniform(x0, x1, 30), rng.uniform(y0, y1, 30))
    red = shapely.buffer(red_pts, rng.uniform(0.03, 0.12, 30), quad_segs=16)
    return (gpd.GeoDataFrame({"name": [f"P{i}" for i in range(400)]}, geometry=prot, crs="EPSG:4490"),
            gpd.GeoDataFrame({"name": [f"R{i}" for i in range(30)]}, geometry=red, crs="EPSG:4490"))


def _rules():
    from sinkmap.analysis.siting.rules import Condition, Rule

    return [Rule("farmland", ("pv",), "landcover", "exclude", (Condition(values=("0101", "0102", "0103")),)),
            Rule("water", ("pv",), "landcover", "exclude", (Condition(values=("1101", "1103")),)),
            Rule("protected", ("pv",), "protected", "exclude"),
            Rule("redline", ("pv",), "redline", "limit", weight=0.3)]


def setup(cells: float):
    unit, grid = _grid(cells)
    lc = _landcover(grid, DATA / f"siting_landcover_{grid.width}x{grid.height}.tif")
    prot, red = _vectors(unit)
    return unit, grid, lc, prot, red


def run_floor(lc: Path):
    import rasterio

    with rasterio.open(lc) as ds:
        return ds.read(1)


def run_sinkmap(unit, grid, lc, prot, red):
    from sinkmap.analysis.siting.exclusions import compute_exclusions

    res = compute_exclusions(unit, _rules(), {"landcover": str(lc), "protected": prot, "redline": red}, grid,
                             tech="pv", unit_name="郴州市")
    return {s["id"]: s["cells"] for s in res.stats}, res


def run_peer(unit, grid, lc, prot, red):
    """rasterize (all_touched) + numpy whole-array masking of the same rules."""
    import rasterio
    from rasterio.features import rasterize

    h, w = grid.shape
    kw = dict(out_shape=(h, w), transform=grid.transform, all_touched=True, dtype="uint8")
    inside = rasterize([(unit, 1)], **kw).astype(bool)
    with rasterio.open(lc) as ds:
        data = ds.read(1)
    hits = {"farmland": np.isin(data, [101, 102, 103]) & inside, "water": np.isin(data, [1101, 1103]) & inside,
            "protected": rasterize(((g, 1) for g in prot.geometry), **kw).astype(bool) & inside,
            "redline": rasterize(((g, 1) for g in red.geometry), **kw).astype(bool) & inside}
    inclusion = np.where(inside, 1.0, 0.0).astype(np.float32)
    inclusion[hits["farmland"] | hits["water"] | hits["protected"]] = 0.0
    inclusion[hits["redline"]] *= 0.3
    bitmask = np.zeros((h, w), np.uint64)
    for bit, k in enumerate(("farmland", "water", "protected", "redline")):
        bitmask[hits[k]] |= np.uint64(1 << bit)
    return {k: int(v.sum()) for k, v in hits.items()}, inclusion


def _hwm_mib() -> float:
    """VmHWM of this process (MiB); unlike ru_maxrss it is not inherited from the parent across exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(args) -> None:
    """One engine in a process of its own: print its peak RSS (MiB), whole process and above the setup."""
    unit, grid, lc, prot, red = setup(args.cells)
    if args.child == "sinkmap":
        run_sinkmap(unit, grid, lc, prot, red.iloc[:1])  # numba's cached code loaded, as in the timed runs
    base = _hwm_mib()
    try:
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
        base = _hwm_mib()
    except OSError:
        pass
    t = time.perf_counter()
    {"floor": lambda: run_floor(lc), "sinkmap": lambda: run_sinkmap(unit, grid, lc, prot, red),
     "peer": lambda: run_peer(unit, grid, lc, prot, red)}[args.child]()
    dt = time.perf_counter() - t
    print(json.dumps({"peak_mib": _hwm_mib(), "setup_mib": base, "s": dt}))


def _impact_sites() -> tuple[Path, Path]:
    import geopandas as gpd
    import shapely
    from shapely.geometry import box

    from sinkmap.io.boundaries import load_units

    one, fifty = DATA / "siting_site_one.gpkg", DATA / "siting_sites_50.gpkg"
    DATA.mkdir(parents=True, exist_ok=True)
    if not one.exists():
        p = load_units(county="岳麓区").to_crs("EPSG:4547").geometry.iloc[0].representative_point()
        gpd.GeoDataFrame({"name": ["S1"]}, geometry=[box(p.x - 400, p.y - 400, p.x + 400, p.y + 400)],
                         crs="EPSG:4547").to_file(one)
    if not fifty.exists():
        g = shapely.union_all(load_units(city="郴州市").to_crs("EPSG:4547").geometry.to_numpy())
        rng = np.random.default_rng(11)
        x0, y0, x1, y1 = g.bounds
        out = []
        while len(out) < 50:
            x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
            if not g.contains(shapely.Point(x, y)):
                continue
            r, n = rng.uniform(200, 800), rng.integers(5, 9)
            a = np.sort(rng.uniform(0, 2 * np.pi, n))
            rr = r * rng.uniform(0.6, 1.0, n)
            out.append(shapely.Polygon(np.c_[x + rr * np.cos(a), y + rr * np.sin(a)]))
        gpd.GeoDataFrame({"name": [f"S{i + 1}" for i in range(50)]}, geometry=out, crs="EPSG:4547").to_file(fifty)
    return one, fifty


def _time_cli(argv: list[str], repeats: int) -> list[float]:
    code = "import sys; from sinkmap.cli import main; sys.argv[0] = 'sinkmap'; sys.exit(main())"
    out = []
    for _ in range(repeats + 1):  # the first run warms the disk cache and the demo's layer cache
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code, *argv], cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        out.append(time.perf_counter() - t)
    return out[1:]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cells", type=float, default=1e7)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip-impact", action="store_true")
    ap.add_argument("--child", choices=("floor", "sinkmap", "peer"))
    args = ap.parse_args()
    if args.child:
        return _child(args)
    print(f"load average at start: {os.getloadavg()[0]:.2f} (2 shared cores: figures are noisy)")
    unit, grid, lc, prot, red = setup(args.cells)
    print(f"grid {grid.width} × {grid.height} = {grid.width * grid.height:,} cells (limit {20_000_000:,})")
    run_sinkmap(unit, grid, lc, prot, red)  # warm-up: numba's cached code, GDAL
    times = {"floor": [], "sinkmap": [], "peer": []}
    for _ in range(args.repeats):
        for name, fn in (("floor", lambda: run_floor(lc)), ("sinkmap", lambda: run_sinkmap(unit, grid, lc, prot, red)),
                         ("peer", lambda: run_peer(unit, grid, lc, prot, red))):
            t = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t)
    ours, _ = run_sinkmap(unit, grid, lc, prot, red)
    theirs, _ = run_peer(unit, grid, lc, prot, red)
    med = {k: statistics.median(v) for k, v in times.items()}
    for k, v in times.items():
        print(f"{k:8s} median {med[k]:.3f} s   runs {' '.join(f'{x:.3f}' for x in v)}")
    print(f"sinkmap ÷ floor {med['sinkmap'] / med['floor']:.1f}   sinkmap ÷ peer {med['sinkmap'] / med['peer']:.2f}")
    print("cells hit per rule (sinkmap exact coverage f > 0 | peer all_touched / same-grid isin):")
    for k in theirs:
        a, b = ours.get(k, 0), theirs[k]
        print(f"  {k:10s} {a:>11,} {b:>11,}  rel. diff {abs(a - b) / max(b, 1):.2e}")
    for name in ("floor", "sinkmap", "peer"):
        r = subprocess.run([sys.executable, __file__, "--cells", str(args.cells), "--child", name],
                           capture_output=True, text=True, check=True)
        m = json.loads(r.stdout.strip().splitlines()[-1])
        print(f"peak RSS {name:8s} {m['peak_mib']:.0f} MiB; above the setup's {m['setup_mib']:.0f} MiB: "
              f"{m['peak_mib'] - m['setup_mib']:.0f} MiB")
    if not args.skip_impact:
        one, fifty = _impact_sites()
        for label, argv in (("1 site, county 岳麓区", ["--site", str(one), "--county", "岳麓区"]),
                            ("50 sites, city 郴州市", ["--site", str(fifty), "--city", "郴州市"])):
            ts = _time_cli(["site", "impact", *argv, "--year", "2030", "--json"], args.repeats)
            print(f"site impact {label}: median {statistics.median(ts):.2f} s   runs "
                  f"{' '.join(f'{x:.2f}' for x in ts)}")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


# -- impact at once: the app's impact card and scenarios (issue 11, items 4–5) ----------------------------------

def _random_squares(unit_name: str, n: int, seed: int, half_m: float = 400.0):
    """``n`` squares (2 × half_m wide, EPSG:4547) at random points inside county ``unit_name``, as EPSG:4490."""
    import geopandas as gpd
    from shapely.geometry import box

    from sinkmap.io.boundaries import load_units

    g = load_units(county=unit_name).to_crs("EPSG:4547").geometry.iloc[0]
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = g.bounds
    out = []
    while len(out) < n:
        x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
        sq = box(x - half_m, y - half_m, x + half_m, y + half_m)
        if g.contains(sq):
            out.append(sq)
    return [gpd.GeoDataFrame({"name": [f"S{i + 1}"]}, geometry=[s], crs="EPSG:4547").to_crs("EPSG:4490")
            for i, s in enumerate(out)]


def impact_at_once(repeats: int = 20) -> None:
    """The figures of the impact card and the scenarios, in one process as the app runs them
    (:class:`sinkmap.jobs.impact_cache.ImpactCache`; the demo world):

    Every site is PV (its footprint as drawn; the siting rules of PV checked: ``rules_hit``).

    * one drawn site on a county: a different 64 ha square of 岳麓区 each time, the ledger of 岳麓区
      (``--county``) and, as the card shows it, of 岳麓区 and 长沙市 (units chosen from the site); the first
      site (reading and preparing the layers) and the next ``repeats`` (median);
    * a 50-site scenario on a city (the 50 polygons of :func:`_impact_sites` in 郴州市, ``--city 郴州市``): the
      job in process without a kept preparation, the same with it, and the whole ``sinkmap site impact``
      command (a fresh interpreter);
    * ``site compare`` of two scenarios (1 site in 岳麓区, 50 in 郴州市), whole command.
    Checks: a kept-preparation report equals the job's (JSON, the site file aside)."""
    from dataclasses import replace

    from sinkmap.core.feedback import NullFeedback
    from sinkmap.io.vectors import read_vector
    from sinkmap.jobs.base import LayerSource, apply_demo_world, run_job
    from sinkmap.jobs.impact_cache import ImpactCache
    from sinkmap.jobs.site_impact import SITE_IMPACT, SiteImpactRequest

    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    squares = _random_squares("岳麓区", repeats + 1, seed=5)
    for label, kw in (("county 岳麓区", {"county": "岳麓区"}), ("岳麓区 + 长沙市 (the card's units)", {})):
        req, _ = apply_demo_world(SITE_IMPACT, SiteImpactRequest(site=None, year=2030, tech="pv", **kw),
                                  NullFeedback())
        cache = ImpactCache()
        t = time.perf_counter()
        cache.run(req, squares[0], NullFeedback())
        first = time.perf_counter() - t
        ts = []
        for sq in squares[1:]:
            t = time.perf_counter()
            cache.run(req, sq, NullFeedback())
            ts.append(time.perf_counter() - t)
        print(f"one drawn site, {label}: first {first:.2f} s (reads and prepares); next {len(ts)} sites median "
              f"{statistics.median(ts):.3f} s, max {max(ts):.3f} s; preparations {cache.misses}")
    one, fifty = _impact_sites()
    req = SiteImpactRequest(site=LayerSource(fifty), year=2030, city="郴州市", tech="pv")
    sites = read_vector(fifty)
    cold, warm = [], []
    for _ in range(3):
        t = time.perf_counter()
        job = run_job(SITE_IMPACT, req, NullFeedback())
        cold.append(time.perf_counter() - t)
    cache = ImpactCache()
    kept = cache.run(replace(req, site=None), sites, NullFeedback())
    for _ in range(3):
        t = time.perf_counter()
        kept = cache.run(replace(req, site=None), sites, NullFeedback())
        warm.append(time.perf_counter() - t)
    a, b = job.to_json(), kept.to_json()
    for part in (a, b, a["ledger_before"], a["ledger_after"], b["ledger_before"], b["ledger_after"]):
        part["inputs"].pop("site", None)
    a["warnings"] = [w for w in a["warnings"] if w["code"] != "io.vector.repaired"]  # said when the file is read
    same = json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)
    print(f"50 sites, city 郴州市, in process: job {statistics.median(cold):.2f} s (runs "
          f"{' '.join(f'{x:.2f}' for x in cold)}); kept preparation {statistics.median(warm):.3f} s; "
          f"same report: {same}")
    ts = _time_cli(["site", "impact", "--site", str(fifty), "--city", "郴州市", "--year", "2030", "--tech", "pv",
                    "--json"], 3)
    print(f"50 sites, city 郴州市, whole command: median {statistics.median(ts):.2f} s   runs "
          f"{' '.join(f'{x:.2f}' for x in ts)}")
    ts = _time_cli(["site", "compare", "--scenario", f"one={one}", "--scenario", f"fifty={fifty}", "--year", "2030",
                    "--tech", "pv", "--json"], 2)
    print(f"site compare, 2 scenarios (1 site, 50 sites), whole command: median {statistics.median(ts):.2f} s   runs "
          f"{' '.join(f'{x:.2f}' for x in ts)}")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    if "--at-once" in sys.argv:  # the impact card's and the scenarios' figures only (impact_at_once)
        impact_at_once()
    else:
        main()
