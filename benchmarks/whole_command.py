"""What the user waits for: whole-process timings of sinkmap commands, warm and cold, against peers (issue 15).

Each line is one fresh process (``sinkmap …`` or ``python -c …``) timed from spawn to exit. *Warm* is the
median of ``--repeats`` runs after one untimed run (numba's and sinkmap's caches filled, files in the OS
page cache). *Cold* is one run with an empty ``NUMBA_CACHE_DIR`` and an empty sinkmap cache folder
(``$SINKMAP_HOME/cache`` is emptied; the demo world is kept, it is data, not a cache). The OS page cache
is not dropped (that needs root and affects every tool alike). What the install itself made stays, as
after ``pip install``: the zonal kernels compiled at install (``sinkmap/analysis/zonal/_zonal_aot*.so``,
``setup.py``; in a checkout ``python setup.py build_ext --inplace`` makes it) — the header says whether
the timed checkout has them.

The peers (exactextract, rasterstats; the ``bench`` extra) compute the zonal class areas of the same
raster over the same 122 counties, each in its own ``python -c`` process that imports what it needs,
reads the counties from a GeoPackage written once, and computes — whole process vs whole process.

Run from the repository root::

    SINKMAP_HOME=/tmp/speedhome python benchmarks/whole_command.py            # 10^8 px raster (benchmarks/zonal.py makes it)
    SINKMAP_HOME=/tmp/speedhome python benchmarks/whole_command.py --demo-raster   # the demo's land cover instead
    SINKMAP_HOME=/tmp/speedhome python benchmarks/whole_command.py --small --root ../older-checkout  # before/after
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "_data"


def sinkmap_home() -> Path:
    env = os.environ.get("SINKMAP_HOME")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "sinkmap"


def run(argv: list[str], env: dict, cwd: Path = ROOT) -> tuple[float, float]:
    """(wall seconds, CPU seconds user+sys of the child and its children) of one process, run in ``cwd``
    (``python -c`` puts the working folder first on sys.path: it decides which checkout is imported)."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    dt = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(argv)}\n{proc.stderr[-3000:]}")
    return dt, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def sinkmap_cmd(*args: str) -> list[str]:
    # the console script's body, so the checkout on PYTHONPATH is what runs
    return [sys.executable, "-c", "import sys; from sinkmap.cli import main; sys.argv[0]='sinkmap'; sys.exit(main())",
            *args]


def wait_for_builds(home: Path, limit_s: float = 600.0) -> float:
    """Wait while a background build of the compiled zonal kernels runs (its lock file exists); seconds waited."""
    t0 = time.perf_counter()
    while list((home / "cache" / "aot").glob(".*.building")) and time.perf_counter() - t0 < limit_s:
        time.sleep(1.0)
    return time.perf_counter() - t0


PEER_EXACTEXTRACT = """
import sys
import geopandas as gpd
from exactextract import exact_extract
zones = gpd.read_file(sys.argv[1])
df = exact_extract(sys.argv[2], zones, ["unique", "weighted_frac", "weighted_sum", "weighted_mean"],
                   weights=sys.argv[3], output="pandas", strategy="feature-sequential")
assert len(df) == len(zones)
"""

PEER_RASTERSTATS = """
import sys
import geopandas as gpd
from rasterstats import zonal_stats
zones = gpd.read_file(sys.argv[1])
res = zonal_stats(list(zones.geometry.values), sys.argv[2], categorical=True)
assert len(res) == len(zones)
"""


def prepare(raster: Path | None, env: dict) -> tuple[Path, Path, Path]:
    """The raster, its cell-area weights raster (exactextract) and the counties as a GeoPackage."""
    sys.path[:0] = [str(HERE), str(ROOT)]
    import zonal  # benchmarks/zonal.py: the synthetic raster and the weights raster

    zones = zonal.counties()
    gpkg = DATA / "hunan_counties.gpkg"
    if not gpkg.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        zones[["geometry"]].to_file(gpkg, driver="GPKG")
    if raster is None:
        raster = zonal.generate(DATA / "hunan_sandiao_1e08.tif", 1e8, zones)
    return raster, zonal.weights_raster(raster), gpkg


def job_commands(tmp: Path) -> dict[str, list[str]]:
    """The jobs added since the ledger (issue 15: "the same whole-process discipline for every job added since"),
    each as a user runs it on the demo world; outputs into ``tmp`` (rewritten by every run)."""
    site = tmp / "site.geojson"  # one drawn 64 ha square in 岳麓区 (lon/lat, CGCS2000 ≈ WGS-84 for GeoJSON)
    x0, y0, d = 112.85, 28.20, 0.0082
    site.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "A"}, '
                    '"geometry": {"type": "Polygon", "coordinates": [[[%f, %f], [%f, %f], [%f, %f], [%f, %f], '
                    '[%f, %f]]]}}]}' % (x0, y0, x0 + d, y0, x0 + d, y0 + d, x0, y0 + d, x0, y0), encoding="utf-8")
    return {
        "sinkmap site suitability --tech pv --county 芙蓉区": sinkmap_cmd(
            "site", "suitability", "--tech", "pv", "--county", "芙蓉区", "--out", str(tmp / "s.tif"), "--quiet"),
        "sinkmap site impact (1 drawn site, 岳麓区) --json": sinkmap_cmd(
            "site", "impact", "--site", str(site), "--tech", "pv", "--county", "岳麓区", "--year", "2030",
            "--json", "--quiet"),
        "sinkmap site phes --county 苏仙区 --energy-gwh 2": sinkmap_cmd(
            "site", "phes", "--county", "苏仙区", "--energy-gwh", "2", "--hours", "6", "--top", "5",
            "--out", str(tmp / "p.gpkg"), "--quiet"),
        "sinkmap export html --city 长沙市": sinkmap_cmd(
            "export", "html", "--city", "长沙市", "--out", str(tmp / "cs.html"), "--quiet"),
        "sinkmap export report --county 岳麓区 (PDF + XLSX)": sinkmap_cmd(
            "export", "report", "--county", "岳麓区", "--year", "2030", "--out", str(tmp / "yl.pdf"),
            "--xlsx", str(tmp / "yl.xlsx"), "--quiet"),
        "sinkmap export package --county 岳麓区": sinkmap_cmd(
            "export", "package", "--county", "岳麓区", "--out", str(tmp / "yl.zip"), "--quiet"),
    }


def _alternate(commands: dict, args, env: dict, root: Path, home: Path, tmp: Path) -> list:
    """Each command from ``args.before`` (BEFORE) and from ``root`` (after), runs alternating: the cold runs one
    after the other, then a warm-up of each, then ``args.repeats`` pairs. Rows (name, warm, cold, warm CPU,
    cold CPU) for before and after of each command, in that order."""
    before = Path(args.before).resolve()
    envs = {}
    for tag, cwd in (("BEFORE", before), ("after", root)):
        envs[tag] = (cwd, {**env, "PYTHONPATH": os.pathsep.join([str(cwd), os.environ.get("PYTHONPATH", "")]
                                                                ).rstrip(os.pathsep)})
    rows = []
    for name, argv_ in commands.items():
        cold = {}
        if not args.skip_cold:
            for tag, (cwd, e) in envs.items():
                numba_dir = Path(tempfile.mkdtemp(prefix="numba-cold-", dir=tmp))
                wait_for_builds(home)
                shutil.rmtree(home / "cache", ignore_errors=True)
                cold[tag] = run(argv_, {**e, "NUMBA_CACHE_DIR": str(numba_dir)}, cwd)
        warm_envs = {tag: (cwd, {**e, "NUMBA_CACHE_DIR": str(tmp / "numba-warm")}) for tag, (cwd, e) in envs.items()}
        for tag, (cwd, e) in warm_envs.items():
            run(argv_, e, cwd)  # fills the caches of that checkout
            wait_for_builds(home)
        runs: dict[str, list] = {tag: [] for tag in warm_envs}
        for _ in range(args.repeats):
            for tag, (cwd, e) in warm_envs.items():
                runs[tag].append(run(argv_, e, cwd))
        for tag in warm_envs:
            warm = statistics.median(r[0] for r in runs[tag])
            warm_cpu = statistics.median(r[1] for r in runs[tag])
            c = cold.get(tag)
            rows.append((f"{tag} {name}", warm, c[0] if c else None, warm_cpu, c[1] if c else None))
            print(f"  {tag:6s} {name:56s} warm {warm:6.2f} s (CPU {warm_cpu:5.2f} s)"
                  + (f"   cold {c[0]:6.2f} s (CPU {c[1]:6.2f} s)" if c else ""), flush=True)
    return rows


def _print_pairs(rows: list, repeats: int) -> None:
    print("\n| command | before: warm (median of %d) / CPU | after: warm / CPU | CPU after ÷ before | "
          "before: cold / CPU | after: cold / CPU | cold CPU after ÷ before |\n|---|---|---|---|---|---|---|" % repeats)
    for (bn, bw, bc, bwc, bcc), (_, aw, ac, awc, acc) in zip(rows[0::2], rows[1::2]):
        cold = (f"{bc:.2f} s / {bcc:.2f} s | {ac:.2f} s / {acc:.2f} s | {acc / bcc:.2f} |" if bc and ac
                else "– | – | – |")
        print(f"| {bn.split(' ', 1)[1]} | {bw:.2f} s / {bwc:.2f} s | {aw:.2f} s / {awc:.2f} s | {awc / bwc:.2f} | {cold}")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeats", type=int, default=5, help="warm runs per command (median reported)")
    p.add_argument("--demo-raster", action="store_true", help="use the demo world's land cover, not 10^8 px")
    p.add_argument("--raster", help="a land-cover GeoTIFF of your own (三调 codes)")
    p.add_argument("--skip-peers", action="store_true")
    p.add_argument("--skip-cold", action="store_true")
    p.add_argument("--only", action="append", default=[],
                   help="run only the commands whose label contains this text (repeatable; peers always run "
                        "unless --skip-peers)")
    p.add_argument("--before", metavar="DIR",
                   help="also run the province ledger (with --jobs: every job, runs alternating) from this other "
                        "checkout (a folder holding a sinkmap package, e.g. `git archive <commit> sinkmap | tar -x -C "
                        "DIR`, or a git worktree): before/after in one run")
    p.add_argument("--root", default=str(ROOT),
                   help="the sinkmap checkout to time (default: this one), e.g. an older one for before/after")
    p.add_argument("--small", action="store_true",
                   help="only the small commands and the demo's city ledger (no raster, no peers)")
    p.add_argument("--jobs", action="store_true",
                   help="the jobs added since the ledger, whole process on the demo world: site suitability, "
                        "site impact, site phes, export html/report/package (no raster, no peers)")
    args = p.parse_args(argv)
    root = Path(args.root).resolve()

    env = dict(os.environ)
    # an installed package has its bytecode compiled (pip does it at install): let the checkout's be cached
    # too, or every process would recompile sinkmap's sources (≈ 0.3 s) — set in some sandboxes
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = os.pathsep.join([str(root), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.setdefault("SINKMAP_HOME", str(sinkmap_home()))
    home = Path(env["SINKMAP_HOME"])
    run(sinkmap_cmd("demo", "--quiet"), env, root)  # builds the demo world once (minutes) — not timed
    demo_lc = home / "demo" / "landcover_sandiao_demo_synthetic.tif"
    raster = demo_lc if args.demo_raster else (Path(args.raster) if args.raster else None)
    if args.small or args.jobs:
        npx = 0
        print(f"small commands; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}; "
              f"python {sys.version.split()[0]}", flush=True)
    else:
        raster, weights, gpkg = prepare(raster, env)
        import rasterio

        with rasterio.open(raster) as ds:
            npx = ds.width * ds.height
        print(f"raster {raster.name}: {ds.width}×{ds.height} = {npx / 1e6:.0f} Mpx; {os.cpu_count()} CPUs; "
              f"load average {os.getloadavg()[0]:.2f}; python {sys.version.split()[0]}", flush=True)

    probe = subprocess.run([sys.executable, "-c", "from sinkmap.analysis.zonal import aot; m = aot.installed(); "
                            "print(m.__file__ if m is not None else 'no')"], env=env, cwd=root, capture_output=True,
                           text=True)
    print(f"zonal kernels compiled at install: {probe.stdout.strip() or probe.stderr.strip()[-200:]}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        commands = {
            "sinkmap --help": sinkmap_cmd("--help"),
            "sinkmap targets --city 长沙市": sinkmap_cmd("targets", "--city", "长沙市"),
            "sinkmap boundaries --city 长沙市 --out x.gpkg": sinkmap_cmd("boundaries", "--city", "长沙市", "--out",
                                                                         str(Path(tmp) / "b.gpkg"), "--quiet"),
            "sinkmap ledger --city 长沙市 --year 2025 (demo)": sinkmap_cmd("ledger", "--city", "长沙市", "--year", "2025",
                                                                         "--json", "--quiet"),
            f"sinkmap ledger --province 湖南省 --landcover ({npx / 1e6:.0f} Mpx)":
                sinkmap_cmd("ledger", "--province", "湖南省", "--year", "2030", "--landcover", str(raster),
                            "--json", "--quiet"),
        }
        if args.small:
            commands = {k: v for k, v in commands.items() if "--province" not in k}
        if args.jobs:
            commands = job_commands(Path(tmp))
        if args.before and not args.small and not args.jobs:
            province = next(k for k in commands if "--province" in k)
            commands[province.replace("sinkmap ledger", "BEFORE sinkmap ledger")] = commands[province]
        if args.only:
            commands = {k: v for k, v in commands.items() if any(o in k for o in args.only)}
        if not args.skip_peers and not args.small and not args.jobs:
            commands["exactextract (python -c, same zones/raster)"] = [
                sys.executable, "-c", PEER_EXACTEXTRACT, str(gpkg), str(raster), str(weights)]
            commands["rasterstats (python -c, same zones/raster)"] = [
                sys.executable, "-c", PEER_RASTERSTATS, str(gpkg), str(raster)]

        rows = []
        if args.jobs and args.before:  # before/after of every job, their runs alternating (a busy machine slows both)
            rows = _alternate(commands, args, env, root, home, Path(tmp))
            commands = {}
        for name, argv_ in commands.items():
            cold = None
            cmd_env, cwd = env, root
            if name.startswith("BEFORE "):
                cwd = Path(args.before).resolve()
                cmd_env = {**env, "PYTHONPATH": os.pathsep.join([str(cwd), os.environ.get("PYTHONPATH", "")]
                                                                ).rstrip(os.pathsep)}
            if not args.skip_cold:
                numba_dir = Path(tempfile.mkdtemp(prefix="numba-cold-", dir=tmp))
                wait_for_builds(home)
                shutil.rmtree(home / "cache", ignore_errors=True)
                cold = run(argv_, {**cmd_env, "NUMBA_CACHE_DIR": str(numba_dir)}, cwd)
            warm_env = {**cmd_env, "NUMBA_CACHE_DIR": str(Path(tmp) / "numba-warm")}
            run(argv_, warm_env, cwd)  # fills the caches (and may start a background build of the compiled kernels)
            waited = wait_for_builds(home)
            if waited > 1.0:  # the compiled kernels were being built: one more untimed run with them
                print(f"  (waited {waited:.0f} s for the background build of the compiled kernels)", flush=True)
                run(argv_, warm_env, cwd)
            runs = [run(argv_, warm_env, cwd) for _ in range(args.repeats)]
            warm = statistics.median(r[0] for r in runs)
            warm_cpu = statistics.median(r[1] for r in runs)
            rows.append((name, warm, cold[0] if cold else None, warm_cpu, cold[1] if cold else None))
            print(f"  {name:56s} warm {warm:7.2f} s (CPU {warm_cpu:6.2f} s)"
                  + (f"   cold {cold[0]:7.2f} s (CPU {cold[1]:6.2f} s, {cold[0] / warm:.1f}×)" if cold else ""),
                  flush=True)

    if args.jobs and args.before:
        _print_pairs(rows, args.repeats)
        print(f"load average at the end {os.getloadavg()[0]:.2f}")
        return 0
    print("\n| command | warm (median of %d) | warm CPU | cold | cold CPU | cold ÷ warm |\n|---|---|---|---|---|---|"
          % args.repeats)
    for name, warm, cold, wcpu, ccpu in rows:
        print(f"| {name} | {warm:.2f} s | {wcpu:.2f} s | "
              + (f"{cold:.2f} s | {ccpu:.2f} s | {cold / warm:.1f} |" if cold else "– | – | – |"))
    by = {n: (w, c, wc, cc) for n, w, c, wc, cc in rows}
    ledger = next((v for k, v in by.items() if "--province" in k and not k.startswith("BEFORE")), None)
    for k, v in by.items():
        if ledger and (k.split()[0] in ("exactextract", "rasterstats") or k.startswith("BEFORE")):
            who = "before" if k.startswith("BEFORE") else k.split()[0]
            print(f"{who} ÷ sinkmap province ledger, warm: {v[0] / ledger[0]:.1f}× wall, {v[2] / ledger[2]:.1f}× CPU"
                  + (f"; cold: {v[1] / ledger[1]:.1f}× wall, {v[3] / ledger[3]:.1f}× CPU" if v[1] and ledger[1] else ""))
    if ledger and ledger[1]:
        print(f"sinkmap province ledger cold ÷ warm: {ledger[1] / ledger[0]:.1f}× wall, {ledger[3] / ledger[2]:.1f}× CPU")
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
