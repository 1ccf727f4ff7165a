"""Field package of 长沙市 on the demo world (issue 13): sinkmap's export.package against QGIS's native:package.

    /work/main/.venv/bin/python benchmarks/package.py                 # 长沙市
    /work/main/.venv/bin/python benchmarks/package.py --four-cities   # also the four demo cities as zones

sinkmap: the whole job as the CLI runs it — boundaries, the ledger of the area, every demo layer clipped,
GeoPackage with styles, .qgs, rasters with overviews, KMZ (WGS-84 and GCJ-02), GPX, GBK Shapefiles,
manifest with SHA-256, zip. Two runs in one process: the first includes the imports and the first use
of the boundaries and numba kernels, the second is warm.

QGIS (Debian python3-qgis, system Python, benchmarks/qgis_package.py), in the same run: ``native:clip`` of the
same vector layers to the same polygon, ``native:package`` (with styles) and a project written by
QgsProject — the GeoPackage + project part only (no rasters, KMZ, GPX, Shapefiles, ledger). Also
``native:package`` alone on sinkmap's already-clipped layers.
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


def run_sinkmap(values: dict) -> tuple[float, object]:
    from sinkmap.jobs import registry
    from sinkmap.jobs.base import run_job

    job = registry.get("export.package")
    t, cpu = time.perf_counter(), time.process_time()
    report = run_job(job, job.make_request(values))
    report.cpu_seconds = time.process_time() - cpu  # all threads of this process (GDAL's included)
    return time.perf_counter() - t, report


def run_qgis(area_geom, out: Path, clipped_gpkg: Path | None) -> dict | None:
    import geopandas as gpd
    import pyogrio

    from sinkmap.demo.generate import demo_layers, ensure_demo

    if not Path("/usr/bin/python3").exists():
        return None
    area = out / "area.geojson"
    gpd.GeoDataFrame({"name": ["area"]}, geometry=[area_geom], crs="EPSG:4490").to_file(area)
    layers = demo_layers(ensure_demo())
    roles = ("forest", "wetland", "protected", "redline", "farmland", "roads", "substations", "projects")
    spec = {"area": str(area), "out": str(out),
            "layers": [[f"{layers[r][0]}|layername={layers[r][1]}", r] for r in roles]}
    if clipped_gpkg is not None:
        names = [n for n, _ in pyogrio.list_layers(clipped_gpkg) if n in roles]
        spec["clipped"] = [[f"{clipped_gpkg}|layername={n}", n] for n in names]
    (out / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("PYTHONPATH", None)
    done = subprocess.run(["/usr/bin/python3", str(QGIS_SCRIPT), str(out / "spec.json")], capture_output=True,
                          text=True, env=env, timeout=1800)
    if done.returncode != 0:
        print("QGIS failed:", done.stderr[-1500:])
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def describe(label: str, seconds: float, report) -> None:
    layers = {layer["id"]: layer["features"] for layer in report.layers if layer["features"] is not None}
    print(f"{label}: {seconds:.1f} s wall, {report.cpu_seconds:.1f} s CPU  ({report.bytes / 1e6:.1f} MB zip, "
          f"{report.files} files)")
    print("   features:", ", ".join(f"{k} {v:,}" for k, v in layers.items()))
    print("   steps (s):", ", ".join(f"{k} {v:.2f}" for k, v in report.seconds.items()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--four-cities", action="store_true", help="also package the four demo cities (25,670 小班)")
    ap.add_argument("--skip-qgis", action="store_true")
    args = ap.parse_args()
    from sinkmap.demo.generate import ensure_demo
    from sinkmap.io.boundaries import load_units

    ensure_demo()
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="sinkmap-bench-pkg-") as tmp:
        tmp = Path(tmp)
        values = {"city": "长沙市", "gcj02_kmz": True}
        cold, report = run_sinkmap({**values, "out": str(tmp / "changsha1.zip")})
        describe("sinkmap 长沙市 (first run in the process)", cold, report)
        warm, report = run_sinkmap({**values, "out": str(tmp / "changsha2.zip")})
        describe("sinkmap 长沙市 (warm)", warm, report)
        build = sum(report.seconds.values())
        print(f"   of which the package build (clip + all formats + zip): {build:.1f} s; "
              f"the rest is the ledger of the area and the boundaries")
        qgis = None
        if not args.skip_qgis:
            import zipfile

            with zipfile.ZipFile(tmp / "changsha2.zip") as zf:
                zf.extract("changsha2/data/layers.gpkg", tmp)
            area = load_units(city="长沙市").geometry.iloc[0]
            qdir = tmp / "qgis"
            qdir.mkdir()
            qgis = run_qgis(area, qdir, tmp / "changsha2" / "data" / "layers.gpkg")
        if qgis:
            print(f"QGIS native:clip {qgis['clip_s']:.1f} s + native:package {qgis['package_s']:.1f} s + project "
                  f"{qgis['project_s']:.2f} s = {qgis['total_s']:.1f} s (GeoPackage + project only)")
            print("   features:", ", ".join(f"{k} {v:,}" for k, v in qgis["features"].items()))
            print(f"   native:package alone on sinkmap's clipped layers: {qgis['package_clipped_s']:.2f} s")
            ours = report.seconds["clip"] + report.seconds["geopackage"] + report.seconds["qgis_project"]
            print(f"   sinkmap's clip + GeoPackage + project steps: {ours:.1f} s (clip includes the rasters); "
                  f"ratio QGIS / sinkmap for that part: {qgis['total_s'] / ours:.2f}; "
                  f"whole sinkmap package / QGIS GeoPackage+project: {warm / qgis['total_s']:.2f}")
        print(f"load average at the end {os.getloadavg()[0]:.2f}")
        if args.four_cities:
            import geopandas as gpd

            cities = load_units(level="city")
            four = cities[cities["name"].isin(["长沙市", "株洲市", "邵阳市", "郴州市"])][["name", "geometry"]]
            gpd.GeoDataFrame(four, geometry="geometry", crs="EPSG:4490").to_file(tmp / "four.gpkg")
            secs, report4 = run_sinkmap({"zones": str(tmp / "four.gpkg"), "out": str(tmp / "four.zip")})
            describe("sinkmap, the four demo cities as zones", secs, report4)


if __name__ == "__main__":
    main()
