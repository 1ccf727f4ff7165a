"""Field package of 长沙市 (issue 13): sinkmap's export.package against QGIS's native:package, same run.

    /work/main/.venv/bin/python benchmarks/package.py                 # dense 长沙市 (25,000+ 小班) and demo 长沙市
    /work/main/.venv/bin/python benchmarks/package.py --four-cities   # also the four demo cities as zones
    /work/main/.venv/bin/python benchmarks/package.py --profile       # cProfile of the dense case (top 40)

Cases (every one the whole job as the CLI runs it: boundaries, the ledger of the area, every layer clipped,
GeoPackage with styles, .qgs, rasters with overviews, the GeoPackage-raster basemap, KMZ in WGS-84 and GCJ-02,
GPX, GBK Shapefiles, manifest with SHA-256, zip):

* **dense 长沙市** — the demo world's 长沙市 holds only 4,624 小班. This benchmark makes a denser forest
  inventory of the city, SYNTHETIC (each demo 小班 of the city cut by a random Voronoi partition into ≈ 6
  pieces, attributes copied, 面积/蓄积 recomputed; GeoPackage layer metadata ``SINKMAP_DATA=synthetic_demo``,
  so the package labels it synthetic), cached in ``benchmarks/_data/``, and packs it with every other demo
  layer (wetlands, protected areas, red line, farmland, grassland, roads, substations, projects, 3″ DEM, land
  cover), all given with ``--layer``: ``sinkmap export package --city 长沙市 --layer dense.gpkg --layer
  demo.gpkg|layername=… … --gcj02-kmz``.
* **demo 长沙市** — ``--city 长沙市 --gcj02-kmz`` on the demo world as it is.
* **four cities** (``--four-cities``) — the four demo cities as one zones file (25,670 demo 小班).

Each case runs twice in one process (the first includes imports and first uses); wall and CPU seconds (CPU: all
threads of the process). QGIS (Debian python3-qgis, system Python, benchmarks/qgis_package.py), in the same
run and on the same vector layers of the dense case: ``native:clip`` to the same polygon, ``native:package`` with
styles and a project written by QgsProject — the GeoPackage + project part only (no rasters, KMZ, GPX,
Shapefiles, ledger). Also ``native:package`` alone on sinkmap's already-clipped layers.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

QGIS_SCRIPT = Path(__file__).with_name("qgis_package.py")
DATA = Path(__file__).with_name("_data")
DENSE_LAYER = "小班_加密_演示数据_synthetic"
DENSE_TARGET = 27_000
OTHER_ROLES = ("wetland", "protected", "redline", "farmland", "grassland", "roads", "substations", "projects")
QGIS_ROLES = ("wetland", "protected", "redline", "farmland", "roads", "substations", "projects")


def dense_forest(city: str = "长沙市", target: int = DENSE_TARGET, seed: int = 13) -> Path:
    """A SYNTHETIC denser 小班 layer of ``city``: the demo's 小班 cut by a random Voronoi partition (cached)."""
    path = DATA / f"dense_forest_{target}_{seed}_synthetic.gpkg"
    if path.exists():
        return path
    import geopandas as gpd
    import numpy as np
    import pyogrio
    import shapely

    from sinkmap.core.crs import EQUAL_AREA_CRS
    from sinkmap.demo.generate import demo_layers, ensure_demo
    from sinkmap.io.boundaries import load_units

    area = load_units(city=city).geometry.iloc[0]
    file, layer = demo_layers(ensure_demo())["forest"]
    forest = pyogrio.read_dataframe(file, layer=layer, bbox=area.bounds)
    forest = forest[shapely.intersects(forest.geometry.values, area)].reset_index(drop=True)
    projected = forest.to_crs(EQUAL_AREA_CRS)
    x0, y0, x1, y1 = projected.total_bounds
    rng = np.random.default_rng(seed)
    # cells of about the size that cuts the city's forest into `target` pieces (boundary pieces add some)
    n_cells = int(target * 0.36 * (x1 - x0) * (y1 - y0) / projected.area.sum())
    pts = shapely.points(rng.uniform(x0, x1, n_cells), rng.uniform(y0, y1, n_cells))
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=shapely.box(x0, y0, x1, y1)))
    tree = shapely.STRtree(cells)
    left, right = tree.query(projected.geometry.values, predicate="intersects")
    pieces = shapely.intersection(projected.geometry.values[left], cells[right])
    polys = []
    for k, g in enumerate(pieces):  # keep the polygonal part of each piece
        parts = [p for p in shapely.get_parts(g) if shapely.get_type_id(p) == 3 and p.area > 100.0]
        polys.append(shapely.multipolygons(parts) if parts else None)
    keep = np.array([p is not None for p in polys])
    out = forest.iloc[left[keep]].reset_index(drop=True).copy()
    geoms = gpd.GeoSeries(np.asarray(polys, dtype=object)[keep], crs=EQUAL_AREA_CRS)
    area_ha = geoms.area.values / 1e4
    out["XIAO_BAN"] = [f"{x}-{k}" for k, x in enumerate(out["XIAO_BAN"].astype(str))]
    out["MIAN_JI"] = np.round(area_ha, 4)
    if "MEI_GQ_XJ" in out and "XU_JI_LIANG" in out:
        out["XU_JI_LIANG"] = np.round(out["MEI_GQ_XJ"].astype(float) * area_ha, 2)
    out = out.set_geometry(geoms.to_crs("EPSG:4490").values, crs="EPSG:4490")
    DATA.mkdir(exist_ok=True)
    tmp = path.with_suffix(".tmp.gpkg")
    pyogrio.write_dataframe(out, tmp, layer=DENSE_LAYER, driver="GPKG",
                            layer_metadata={"SINKMAP_DATA": "synthetic_demo",
                                            "SINKMAP_NOTE": f"benchmark: demo 小班 of {city} cut into pieces (synthetic)"})
    tmp.rename(path)
    return path


def dense_layers() -> list[str]:
    from sinkmap.demo.generate import demo_layers, ensure_demo

    layers = demo_layers(ensure_demo())
    out = [str(dense_forest())]
    out += [f"{layers[r][0]}|layername={layers[r][1]}" for r in OTHER_ROLES]
    out += [str(layers["dem"][0]), str(layers["landcover"][0])]
    return out


def run_sinkmap(values: dict) -> tuple[float, object]:
    from sinkmap.jobs import registry
    from sinkmap.jobs.base import run_job

    job = registry.get("export.package")
    t, cpu = time.perf_counter(), time.process_time()
    report = run_job(job, job.make_request(values))
    report.cpu_seconds = time.process_time() - cpu  # all threads of this process (GDAL's included)
    return time.perf_counter() - t, report


def run_qgis(area_geom, out: Path, sources: list[list[str]], clipped_gpkg: Path | None) -> dict | None:
    import geopandas as gpd
    import pyogrio

    if not Path("/usr/bin/python3").exists():
        return None
    area = out / "area.geojson"
    gpd.GeoDataFrame({"name": ["area"]}, geometry=[area_geom], crs="EPSG:4490").to_file(area)
    spec = {"area": str(area), "out": str(out), "layers": sources}
    if clipped_gpkg is not None:
        names = [n for n, _ in pyogrio.list_layers(clipped_gpkg) if n in {name for _, name in sources}]
        spec["clipped"] = [[f"{clipped_gpkg}|layername={n}", n] for n in names]
    (out / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("PYTHONPATH", None)
    t = time.perf_counter()
    done = subprocess.run(["/usr/bin/python3", str(QGIS_SCRIPT), str(out / "spec.json")], capture_output=True,
                          text=True, env=env, timeout=1800)
    if done.returncode != 0:
        print("QGIS failed:", done.stderr[-1500:])
        return None
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_s"] = time.perf_counter() - t
    return result


def describe(label: str, seconds: float, report) -> None:
    layers = {layer["id"]: layer["features"] for layer in report.layers if layer["features"] is not None}
    print(f"{label}: {seconds:.1f} s wall, {report.cpu_seconds:.1f} s CPU  ({report.bytes / 1e6:.1f} MB zip, "
          f"{report.files} files), load {os.getloadavg()[0]:.1f}")
    print("   features:", ", ".join(f"{k} {v:,}" for k, v in layers.items()))
    print("   steps (s):", ", ".join(f"{k} {v:.2f}" for k, v in report.seconds.items()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--four-cities", action="store_true", help="also package the four demo cities (25,670 小班)")
    ap.add_argument("--skip-qgis", action="store_true")
    ap.add_argument("--skip-demo", action="store_true", help="only the dense case")
    ap.add_argument("--runs", type=int, default=2, help="runs of the dense case (default 2)")
    ap.add_argument("--profile", action="store_true", help="cProfile one dense run (no QGIS)")
    args = ap.parse_args()
    from sinkmap.demo.generate import demo_layers, ensure_demo
    from sinkmap.io.boundaries import load_units

    ensure_demo()
    layers = dense_layers()
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="sinkmap-bench-pkg-") as tmp:
        tmp = Path(tmp)
        dense = {"city": "长沙市", "gcj02_kmz": True, "layers": layers}
        if args.profile:
            import cProfile
            import pstats

            pr = cProfile.Profile()
            pr.enable()
            secs, report = run_sinkmap({**dense, "out": str(tmp / "dense_p.zip")})
            pr.disable()
            describe("sinkmap dense 长沙市 under cProfile", secs, report)
            pstats.Stats(pr).sort_stats("cumulative").print_stats(40)
            return
        report = None
        for k in range(args.runs):
            secs, report = run_sinkmap({**dense, "out": str(tmp / f"dense{k + 1}.zip")})
            describe(f"sinkmap dense 长沙市 (synthetic 小班), run {k + 1}" + (" (first in the process)" if k == 0 else ""),
                     secs, report)
        dense_secs = secs
        qgis = None
        if not args.skip_qgis:
            import zipfile

            with zipfile.ZipFile(tmp / f"dense{args.runs}.zip") as zf:
                zf.extract(f"dense{args.runs}/data/layers.gpkg", tmp)
            area = load_units(city="长沙市").geometry.iloc[0]
            qdir = tmp / "qgis"
            qdir.mkdir()
            demo = demo_layers(ensure_demo())
            sources = [[f"{dense_forest()}|layername={DENSE_LAYER}", "forest"]]
            sources += [[f"{demo[r][0]}|layername={demo[r][1]}", r] for r in QGIS_ROLES]
            qgis = run_qgis(area, qdir, sources, tmp / f"dense{args.runs}" / "data" / "layers.gpkg")
        if qgis:
            print(f"QGIS (dense 长沙市, same vector layers) native:clip {qgis['clip_s']:.1f} s + native:package "
                  f"{qgis['package_s']:.1f} s + project {qgis['project_s']:.2f} s = {qgis['total_s']:.1f} s "
                  f"(GeoPackage + project only; {qgis['process_s']:.1f} s with QGIS's start)")
            print("   features:", ", ".join(f"{k} {v:,}" for k, v in qgis["features"].items()))
            print(f"   native:package alone on sinkmap's clipped layers: {qgis['package_clipped_s']:.2f} s")
            ours = report.seconds["clip"] + report.seconds["geopackage"] + report.seconds["qgis_project"]
            print(f"   sinkmap's clip + GeoPackage + project steps: {ours:.1f} s (clip includes the rasters); "
                  f"QGIS / sinkmap for that part: {qgis['total_s'] / ours:.2f}; "
                  f"whole sinkmap package (all formats) / QGIS GeoPackage + project: {dense_secs / qgis['total_s']:.2f}")
        if not args.skip_demo:
            secs, report = run_sinkmap({"city": "长沙市", "gcj02_kmz": True, "out": str(tmp / "changsha.zip")})
            describe("sinkmap demo 长沙市", secs, report)
        if args.four_cities:
            import geopandas as gpd

            cities = load_units(level="city")
            four = cities[cities["name"].isin(["长沙市", "株洲市", "邵阳市", "郴州市"])][["name", "geometry"]]
            gpd.GeoDataFrame(four, geometry="geometry", crs="EPSG:4490").to_file(tmp / "four.gpkg")
            secs, report4 = run_sinkmap({"zones": str(tmp / "four.gpkg"), "gcj02_kmz": True,
                                         "out": str(tmp / "four.zip")})
            describe("sinkmap, the four demo cities as zones", secs, report4)
        print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
