"""Siting at 10^8 cells (issue 11): exclusions + suitability for one technology, streamed in row blocks.

    /work/main/.venv/bin/python benchmarks/siting_stream.py                  # 10^8 cells, 1 repeat
    /work/main/.venv/bin/python benchmarks/siting_stream.py --cells 2e7 --repeats 3
    /work/main/.venv/bin/python benchmarks/siting_stream.py --skip-peers     # sinkmap only

Inputs (synthetic, labelled so; made once into benchmarks/_data/, see siting_stream_data.py): 郴州市 on a
CGCS2000 grid of ``--cells`` cells — DEM (float32) and 三调 land cover (uint16) on that grid, 400 protected-area
blobs, 30 red-line blobs, 250 roads, 80 substations; four pv rules (耕地 and water on the land cover: exclude;
protected: exclude; red line: limit 0.3); pv criteria slope, aspect, distance to substations and to roads, land
cover (the settings' defaults for the inputs given).

Every measurement runs in a process of its own (peak RSS = its VmHWM), one after the other, repeated:

* **floor** — the input rasters read once (DEM + land cover, rasterio, whole arrays);
* **engine** — sinkmap's block engine: plan (rules' coverage, features), pre-passes, every block computed
  (exclusions, slope/aspect, distances, fused scoring, minimum area off), nothing written;
* **job** — ``sinkmap site suitability`` as the CLI runs it (its GeoTIFF written, tiled, DEFLATE), and
  ``sinkmap site exclusions``;
* **peer** — the obvious whole-array peer: rasterio reads, ``rasterio.features.rasterize(all_touched)`` and
  numpy masks for the rules, numpy Horn slope/aspect, ``scipy.ndimage.distance_transform_edt`` for the
  distances, the land cover through a lookup table, numpy weighted sum with the default weights; nothing written;
* **slope step** alone — sinkmap streamed (DEM read per block + slope), xarray-spatial ``slope`` (numpy
  backend, whole array, after reading), ``gdaldem slope`` (GDAL's CLI, reads and writes a GeoTIFF).

Times are wall-clock and CPU (user + system of the process and its threads): on a shared machine the CPU
figure is the steadier one. Ratios are to the floor measured in the same run.
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

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import siting_stream_data as data  # noqa: E402


def _request(p, out=None, kind="suitability"):
    from sinkmap.jobs.base import LayerSource
    from sinkmap.jobs.site_exclusions import SiteExclusionsRequest
    from sinkmap.jobs.site_suitability import SiteSuitabilityRequest

    v = p["vectors"]
    common = dict(out=out, tech="pv", city="郴州市", protected=LayerSource(v, "protected_synthetic"),
                  redline=LayerSource(v, "redline_synthetic"), landcover=p["landcover"], dem=p["dem"],
                  rules=[p["rules"]])
    if kind == "exclusions":
        return SiteExclusionsRequest(**common)
    return SiteSuitabilityRequest(**common, roads=LayerSource(v, "roads_synthetic"),
                                  substations=LayerSource(v, "substations_synthetic"))


def run_floor(p):
    import rasterio

    with rasterio.open(p["dem"]) as ds:
        dem = ds.read(1)
    with rasterio.open(p["landcover"]) as ds:
        lc = ds.read(1)
    return {"cells": int(dem.size), "lc_cells": int(lc.size)}


def run_engine(p):
    from sinkmap.analysis.siting.stream import blocks_of, run_plan
    from sinkmap.core.feedback import ensure
    from sinkmap.jobs.site_suitability import _prepare, plan_suitability

    fb = ensure(None)
    plan, _, described, _ = plan_suitability(_request(p), fb)
    blocks = blocks_of(plan.ex.grid)
    _prepare(plan, blocks, described, fb)
    out = run_plan(plan, blocks, feedback=fb)
    return {"blocks": len(blocks), "included_ha": out.included_hectares,
            "hist_cells": [b["cells"] for b in out.histogram],
            "rule_cells": {s["id"]: s["cells"] for s in out.stats}}


def run_job(p, kind="suitability"):
    from sinkmap.jobs import registry
    from sinkmap.jobs.base import run_job as run

    out = p["folder"] / f"out_{kind}_synthetic.tif"
    report = run(registry.get(f"site.{kind}"), _request(p, out, kind))
    return {"bytes": out.stat().st_size, "included_ha": report.included_hectares}


def run_peer(p):
    """Whole arrays: rasterio + numpy (+ scipy's EDT), the same rules and criteria, nothing written."""
    import rasterio
    from rasterio.features import rasterize
    from scipy import ndimage

    import geopandas as gpd

    from sinkmap.io.boundaries import load_units

    with rasterio.open(p["dem"]) as ds:
        dem = ds.read(1).astype(np.float64)
        t, (h, w) = ds.transform, ds.shape
    with rasterio.open(p["landcover"]) as ds:
        lc = ds.read(1)
    kw = dict(out_shape=(h, w), transform=t, all_touched=True, dtype="uint8")
    unit = load_units(city="郴州市").to_crs("EPSG:4490").geometry.union_all()
    inside = rasterize([(unit, 1)], **kw).astype(bool)
    vec = {k: gpd.read_file(p["vectors"], layer=f"{k}_synthetic") for k in ("protected", "redline", "roads",
                                                                            "substations")}
    hits = [np.isin(lc, [101, 102, 103]), np.isin(lc, [1101, 1103]),
            rasterize(((g, 1) for g in vec["protected"].geometry), **kw).astype(bool),
            rasterize(((g, 1) for g in vec["redline"].geometry), **kw).astype(bool)]
    incl = inside.astype(np.float32)
    incl[hits[0] | hits[1] | hits[2]] = 0.0
    incl[hits[3]] *= 0.3
    mask = np.zeros((h, w), np.uint8)
    for bit, hit in enumerate(hits):
        mask[hit & inside] |= np.uint8(1 << bit)
    del hits
    # Horn slope and aspect with the cell size at each row's latitude (numpy, whole array)
    lat = t.f + t.e * (np.arange(h) + 0.5)
    dx = (6378137.0 * np.cos(np.radians(lat)) * np.radians(t.a))[:, None]
    dy = 6378137.0 * np.radians(abs(t.e))
    z = np.pad(dem, 1, mode="edge")
    del dem
    gx = ((z[:-2, 2:] + 2 * z[1:-1, 2:] + z[2:, 2:]) - (z[:-2, :-2] + 2 * z[1:-1, :-2] + z[2:, :-2])) / (8 * dx)
    gy = ((z[2:, :-2] + 2 * z[2:, 1:-1] + z[2:, 2:]) - (z[:-2, :-2] + 2 * z[:-2, 1:-1] + z[:-2, 2:])) / (8 * dy)
    del z
    slope = np.degrees(np.arctan(np.hypot(gx, gy)))
    aspect = np.degrees(np.arctan2(-gx, -gy)) % 360.0
    del gx, gy
    s_slope = np.interp(slope, [3.0, 25.0], [1.0, 0.0])
    facing = 0.5 * (1.0 - np.cos(np.radians(aspect)))
    s_aspect = 1.0 - np.clip(slope / 10.0, 0, 1) * (1.0 - facing)
    del slope, aspect, facing
    cell = (float(np.median(dx)), dy)
    from sinkmap.analysis.siting.settings import PV_LANDCOVER, landcover_values, weights_for

    wt = weights_for("pv", ["slope", "aspect", "substation", "road", "landcover"])
    values, scores = landcover_values(PV_LANDCOVER)
    lut = np.full(65536, np.nan)
    lut[values] = scores
    lut[0] = np.nan
    score = wt["slope"] * s_slope + wt["aspect"] * s_aspect + wt["landcover"] * lut[lc]
    del s_slope, s_aspect, lc
    for layer, weight, (x0, x1) in (("substations", wt["substation"], (2000.0, 20000.0)),
                                    ("roads", wt["road"], (500.0, 5000.0))):
        feat = rasterize(((g, 1) for g in vec[layer].geometry), **kw)
        dist = ndimage.distance_transform_edt(feat == 0, sampling=(cell[1], cell[0]))
        del feat
        score += weight * np.interp(dist, [x0, x1], [1.0, 0.0])
        del dist
    score = (score * incl).astype(np.float32)
    score[~inside] = np.nan
    return {"included_cells": int((incl > 0).sum()), "mask_cells": int((mask > 0).sum())}


def run_slope_sinkmap(p):
    from sinkmap.analysis.siting.grid import STREAM_MAX_CELLS, grid_from_dem
    from sinkmap.analysis.siting.stream import _LOCAL, _close_datasets, _terrain, blocks_of, dem_block, dem_spec

    grid = grid_from_dem(p["dem"], data.unit(), "郴州市", max_cells=STREAM_MAX_CELLS)
    spec = dem_spec(p["dem"], grid)
    _LOCAL.token = "bench"
    total = 0.0
    for r0, r1 in blocks_of(grid):
        s = np.empty((r1 - r0, grid.width))
        _terrain(dem_block(spec, r0, r1, grid.width), spec.dx, spec.dy, r0, s, s[:1, :1], False)
        total += float(np.nansum(s))
    _close_datasets()
    return {"mean_slope": total / (grid.width * grid.height)}


def run_slope_xrspatial(p):
    import rasterio
    import xarray as xr
    from xrspatial import slope

    with rasterio.open(p["dem"]) as ds:
        dem = ds.read(1)
        t = ds.transform
    h, w = dem.shape
    agg = xr.DataArray(dem, dims=("y", "x"), coords={"y": t.f + t.e * (np.arange(h) + 0.5),
                                                    "x": t.c + t.a * (np.arange(w) + 0.5)})
    out = slope(agg)
    return {"mean_slope": float(np.nanmean(out.values))}


def run_slope_gdaldem(p):
    out = p["folder"] / "gdaldem_slope_synthetic.tif"
    subprocess.run(["gdaldem", "slope", str(p["dem"]), str(out), "-s", "111120", "-q"], check=True)
    return {"bytes": out.stat().st_size}


ENGINES = {"floor": run_floor, "engine": run_engine, "job": run_job,
           "job_exclusions": lambda p: run_job(p, "exclusions"), "peer": run_peer,
           "slope_sinkmap": run_slope_sinkmap, "slope_xrspatial": run_slope_xrspatial,
           "slope_gdaldem": run_slope_gdaldem}


def _hwm_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _child(name: str, cells: float) -> None:
    p = data.ensure(cells)
    t, c = time.perf_counter(), time.process_time()
    info = ENGINES[name](p)
    dt, dc = time.perf_counter() - t, time.process_time() - c
    print(json.dumps({"s": dt, "cpu": dc, "peak_mib": _hwm_mib(), "info": info}))


def _measure(name: str, cells: float) -> dict:
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = subprocess.run([sys.executable, __file__, "--child", name, "--cells", str(cells)], capture_output=True,
                       text=True, cwd=ROOT)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode:
        raise SystemExit(f"{name} failed:\n{r.stderr[-3000:]}")
    m = json.loads(r.stdout.strip().splitlines()[-1])
    # CPU of the whole child (its imports and setup included) — for gdaldem, of its own child
    m["child_cpu"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return m


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cells", type=float, default=1e8)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--skip-peers", action="store_true")
    ap.add_argument("--child", choices=sorted(ENGINES))
    args = ap.parse_args()
    if args.child:
        return _child(args.child, args.cells)
    p = data.ensure(args.cells)
    grid = json.loads((p["folder"] / "grid.json").read_text())
    print(f"load average at start: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs, shared: figures are noisy)")
    print(f"grid {grid['width']} × {grid['height']} = {grid['width'] * grid['height']:,} cells (synthetic inputs)")
    names = ["floor", "engine", "job", "job_exclusions", "slope_sinkmap"]
    if not args.skip_peers:
        names += ["peer", "slope_xrspatial"] + (["slope_gdaldem"] if shutil.which("gdaldem") else [])
    runs: dict[str, list[dict]] = {n: [] for n in names}
    for _ in range(args.repeats):
        for n in names:
            runs[n].append(_measure(n, args.cells))
    med = {n: {k: statistics.median(r[k] for r in rs) for k in ("s", "cpu", "peak_mib")} for n, rs in runs.items()}
    for n in ("slope_gdaldem",):
        if n in runs:  # its work is in the gdaldem process: the child's own CPU
            med[n]["cpu"] = statistics.median(r["child_cpu"] for r in runs[n])
    floor = med["floor"]
    print(f"{'':16s} {'wall s':>8s} {'cpu s':>8s} {'÷floor wall':>12s} {'÷floor cpu':>11s} {'peak RSS MiB':>13s}")
    for n in names:
        m = med[n]
        print(f"{n:16s} {m['s']:8.2f} {m['cpu']:8.2f} {m['s'] / floor['s']:12.2f} {m['cpu'] / floor['cpu']:11.2f} "
              f"{m['peak_mib']:13.0f}")
    print("engine:", json.dumps(runs["engine"][-1]["info"], ensure_ascii=False))
    if "peer" in runs:
        print("peer:", json.dumps(runs["peer"][-1]["info"]))
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
