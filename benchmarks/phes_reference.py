"""The reference pumped-hydro search, run stage by stage on one DEM tile, for ``benchmarks/phes.py`` (issue 12).

    PHES_REF_BIN=/work/phes_ref/PHES_Searching/build \\
        /work/main/.venv/bin/python benchmarks/phes_reference.py [--tests 7,6] [--workdir DIR] [--dem-dir DIR]

The reference is ANU RE100's C++ ``PHES_Searching`` (github.com/ANU-RE100/PHES_Searching), the code behind the
global pumped-hydro atlas. It is NOT part of sinkmap and this repository neither contains, fetches nor builds it:
point ``PHES_REF_BIN`` at a directory holding its four executables (``screening``, ``pairing``, ``pretty_set``,
``constructor``), built from its own repository as its README says (unpatched). Its ``example_variables`` (the
atlas' constants) is read from ``PHES_REF_SRC`` (default: the parent of ``PHES_REF_BIN``). When the binaries are absent,
``run_reference`` raises ``ReferenceMissing`` and the script prints why and exits 0 (a skip, not a failure).

What runs: the tile of ``benchmarks/_phes_dem.py`` (synthetic, labelled so; written on first use) in a fresh
storage directory: ``variables`` = the reference's ``example_variables`` with its two exclusion shapefiles removed
(no masks: greenfield everywhere), the brownfield switches off and the ``test`` lines replaced by ``--tests``;
the 9 DEM tiles linked into ``input/DEMs``; the reference's ``input/countries/countries.txt`` copied (the last
stage needs it). Then ``screening LON LAT``, ``pairing``, ``pretty_set``, ``constructor`` in that order, each a
single-threaded process of its own. Per stage: wall time, user and system CPU time and the peak resident set size
of that process (GNU ``/usr/bin/time -v``; see ``_run_stage``).

Returned / printed: the stage table, the number of reservoirs (screening), of rough pairs (pairing), of
non-overlapping pairs (pretty set) and of final pairs per test (constructor), and the final pairs as a DataFrame
with sinkmap's attribute names (``pairs_frame``), ready to be matched against sinkmap's pairs (``match_pairs``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "_data"
ENV_BIN, ENV_SRC = "PHES_REF_BIN", "PHES_REF_SRC"
STAGES = ("screening", "pairing", "pretty_set", "constructor")
DEFAULT_TESTS = ((7.0, 6),)  # one 120万kW, 6 h station (a whole number of GWh: the reference truncates E to int)
ATLAS_TESTS = ((1500, 504), (500, 168), (150, 50), (50, 50), (15, 18), (5, 18), (2, 6))  # its example_variables


class ReferenceMissing(RuntimeError):
    """The reference's executables (or its example_variables) are not on this machine."""


def tile_name(lat: int, lon: int) -> str:
    return f"{'n' if lat >= 0 else 's'}{abs(lat):02d}_{'e' if lon >= 0 else 'w'}{abs(lon):03d}"


def find_reference(bin_dir: str | os.PathLike | None = None) -> tuple[Path, Path]:
    """(directory of the four executables, the reference's ``example_variables``) or ReferenceMissing saying why."""
    raw = bin_dir or os.environ.get(ENV_BIN)
    if not raw:
        raise ReferenceMissing(f"{ENV_BIN} is not set: point it at the build directory of ANU-RE100/PHES_Searching "
                               "(the directory holding screening, pairing, pretty_set and constructor)")
    bdir = Path(raw).expanduser()
    missing = [s for s in STAGES if not os.access(bdir / s, os.X_OK)]
    if missing:
        raise ReferenceMissing(f"{ENV_BIN}={bdir}: no executable {', '.join(missing)} there")
    src = Path(os.environ.get(ENV_SRC) or bdir.parent).expanduser()
    variables = src / "example_variables"
    if not variables.is_file():
        raise ReferenceMissing(f"no example_variables in {src} (set {ENV_SRC} to the reference's source tree)")
    return bdir, variables


def variables_text(example: str, tests) -> str:
    """The reference's example_variables with no exclusion masks, no brownfield inputs and our tests."""
    out = []
    for line in example.splitlines():
        s = line.strip()
        if s.startswith("filter") and "=" in s.split("//")[0]:
            continue  # CAPAD / WDPA shapefiles: no masks in this benchmark
        if s.startswith("test") and "=" in s.split("//")[0]:
            continue
        if s.startswith("use_tiled_bluefield") or s.startswith("use_tiled_rivers"):
            line = s.split("=")[0].strip() + " = 0;"
        out.append(line)
        if s.startswith("// Reservoir sizings"):
            out += [f"test = {_num(e)}, {int(h)};" for e, h in tests]
    if not any(x.startswith("test = ") for x in out):
        out += [f"test = {_num(e)}, {int(h)};" for e, h in tests]
    return "\n".join(out) + "\n"


def _num(x) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def prepare(workdir: Path, dem_dir: Path, lat: int, lon: int, tests, example_variables: Path) -> Path:
    """A fresh storage location for the reference in ``workdir`` (its previous outputs are removed)."""
    workdir.mkdir(parents=True, exist_ok=True)
    for sub in ("output", "processing_files", "debug"):
        shutil.rmtree(workdir / sub, ignore_errors=True)
    dems = workdir / "input" / "DEMs"
    shutil.rmtree(dems, ignore_errors=True)
    dems.mkdir(parents=True)
    found = 0
    for a in (-1, 0, 1):
        for b in (-1, 0, 1):
            name = f"{tile_name(lat + a, lon + b)}_1arc_v3.tif"
            if (dem_dir / name).exists():
                (dems / name).symlink_to((dem_dir / name).resolve())
                found += 1
            elif (a, b) == (0, 0):
                raise FileNotFoundError(dem_dir / name)
    countries = workdir / "input" / "countries" / "countries.txt"
    countries.parent.mkdir(parents=True, exist_ok=True)
    src_countries = example_variables.parent / "input" / "countries" / "countries.txt"
    if src_countries.exists():
        shutil.copyfile(src_countries, countries)
    else:
        countries.write_text("")  # only names the country of each reservoir
    (workdir / "storage_location").write_text("file_storage_location = ./;\n")
    (workdir / "variables").write_text(variables_text(example_variables.read_text(), tests))
    return workdir


GNU_TIME = "/usr/bin/time"  # Debian package "time"


def _run_stage(exe: Path, args: list[str], cwd: Path, log: Path) -> dict:
    """Run one stage; wall, CPU and peak RSS of that process alone.

    The peak RSS comes from GNU time (``-v``), which forks the stage from its own small process: the rusage of a
    child forked straight from this Python would count the interpreter's pages (Linux keeps the pre-exec high-water
    mark), inflating small stages. Without /usr/bin/time, ``os.wait4`` is used and the figure is an upper bound.
    """
    timing = log.with_suffix(".time")
    use_time = os.access(GNU_TIME, os.X_OK)
    cmd = ([GNU_TIME, "-v", "-o", str(timing)] if use_time else []) + [str(exe), *args]
    t0 = time.perf_counter()
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=fh, stderr=subprocess.STDOUT)
        _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    out = {"wall_s": wall, "user_s": ru.ru_utime, "sys_s": ru.ru_stime, "max_rss_mib": ru.ru_maxrss / 1024.0,
           "returncode": os.waitstatus_to_exitcode(status), "log": str(log), "rss_upper_bound": not use_time}
    if use_time and timing.exists():
        text = timing.read_text()
        for key, label, conv in (("user_s", "User time (seconds)", float), ("sys_s", "System time (seconds)", float),
                                 ("max_rss_mib", "Maximum resident set size (kbytes)", lambda v: int(v) / 1024.0)):
            m = re.search(re.escape(label) + r":\s*([0-9.]+)", text)
            if m:
                out[key] = conv(m.group(1))
        m = re.search(r"Exit status:\s*(-?\d+)", text)
        if m:
            out["returncode"] = int(m.group(1))
    return out


def run_reference(dem_dir: str | os.PathLike, workdir: str | os.PathLike, lat: int = 25, lon: int = 113,
                  tests=DEFAULT_TESTS, bin_dir: str | os.PathLike | None = None, debug: bool = False,
                  stages=STAGES) -> dict:
    """Run the reference's four stages on tile (lat, lon) of ``dem_dir``; figures and outputs.

    Returns ``{"stages": {name: {wall_s, user_s, sys_s, max_rss_mib, returncode, log}}, "total_wall_s",
    "peak_rss_mib", "load": (before, after), "reservoirs": DataFrame, "rough_pairs": DataFrame,
    "pretty_pairs": DataFrame, "pairs": DataFrame (final, sinkmap names), "workdir": Path}``.
    Raises ReferenceMissing when the executables are not there; RuntimeError when a stage fails.
    """
    bdir, example = find_reference(bin_dir)
    work = prepare(Path(workdir), Path(dem_dir), lat, lon, tests, example)
    args = [str(lon), str(lat)] + (["1"] if debug else [])
    load0 = os.getloadavg()
    figures: dict[str, dict] = {}
    for stage in stages:
        figures[stage] = _run_stage(bdir / stage, args, work, work / f"{stage}.log")
        if figures[stage]["returncode"] != 0:
            raise RuntimeError(f"reference {stage} failed ({figures[stage]['returncode']}), see {work / stage}.log")
    name = tile_name(lat, lon)
    out = {
        "stages": figures,
        "total_wall_s": sum(f["wall_s"] for f in figures.values()),
        "peak_rss_mib": max(f["max_rss_mib"] for f in figures.values()),
        "load": (load0, os.getloadavg()),
        "workdir": work,
        "reservoirs": _csv(work / "output" / "reservoirs" / f"{name}_reservoirs.csv"),
        "rough_pairs": _csv(work / "output" / "pairs" / f"{name}_rough_pairs.csv"),
        "pretty_pairs": _csv(work / "processing_files" / "pretty_set_pairs"
                             / f"{name}_rough_pretty_set_pairs_data.csv"),
        "pairs": final_pairs(work, name),
    }
    return out


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path) if path.exists() and path.stat().st_size else pd.DataFrame()


FINAL_COLUMNS = {  # reference final_output_FOM column → sinkmap attribute (issue 12)
    "Pair Identifier": "pair_id", "Class": "cost_class", "Head (m)": "head_m", "Separation (km)": "separation_km",
    "Slope (%)": "slope_pct", "Volume (GL)": "volume_gl", "Energy (GWh)": "energy_gwh", "Storage time (h)": "hours",
    "Combined water to rock ratio": "water_rock", "Non-overlapping": "non_overlapping",
    "Upper Identifier": "upper_id", "Upper elevation (m)": "upper_elev_m", "Upper latitude": "upper_lat",
    "Upper longitude": "upper_lon", "Upper reservoir area (ha)": "upper_area_ha",
    "Upper reservoir volume (GL)": "upper_volume_gl", "Upper dam height (m)": "upper_dam_height_m",
    "Upper dam length (m)": "upper_dam_length_m", "Upper dam volume (GL)": "upper_dam_volume_gl",
    "Upper water to rock ratio": "upper_water_rock",
    "Lower Identifier": "lower_id", "Lower elevation (m)": "lower_elev_m", "Lower latitude": "lower_lat",
    "Lower longitude": "lower_lon", "Lower reservoir area (ha)": "lower_area_ha",
    "Lower reservoir volume (GL)": "lower_volume_gl", "Lower dam height (m)": "lower_dam_height_m",
    "Lower dam length (m)": "lower_dam_length_m", "Lower dam volume (GL)": "lower_dam_volume_gl",
    "Lower water to rock ratio": "lower_water_rock", "Figure of Merit": "fom",
}


def final_pairs(workdir: Path, name: str) -> pd.DataFrame:
    """The constructor's pairs of every test (final_output_FOM CSVs) with sinkmap's attribute names.

    Latitude/longitude are the pour points' cell centres (the dam site at the bottom of each reservoir);
    ``slope`` = head / separation (a fraction; the reference's own column is a whole percentage).
    """
    folder = workdir / "output" / "final_output_FOM" / name
    frames = [pd.read_csv(p) for p in sorted(folder.glob(f"{name}_*GWh_*h.csv"))]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=list(FINAL_COLUMNS.values()) + ["slope"])
    df = pd.concat(frames, ignore_index=True).rename(columns=FINAL_COLUMNS)
    df["slope"] = df["head_m"] / (df["separation_km"] * 1000.0)
    return df.drop(columns=[c for c in ("Country", "Upper country", "Lower country") if c in df])


def _km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Distance on a sphere of the reference's scale (30.87 m per arc-second), km — for matching only."""
    lat1, lon1, lat2, lon2 = (np.asarray(v, float) for v in (lat1, lon1, lat2, lon2))
    coslat = np.cos(np.radians(0.5 * (lat1 + lat2)))
    return np.hypot(lat2 - lat1, (lon2 - lon1) * coslat) * 3600 * 30.87 / 1000.0


def match_pairs(ref: pd.DataFrame, other: pd.DataFrame, max_km: float = 1.0) -> pd.DataFrame:
    """For every reference pair, the closest pair of ``other`` whose upper AND lower reservoirs are each within
    ``max_km`` (by the pour points / dam sites: columns upper_lat, upper_lon, lower_lat, lower_lon in both).

    One row per reference pair: ``ref_index``, ``other_index`` (−1 if none), ``upper_km``, ``lower_km``. Greedy,
    one-to-one, closest (upper_km + lower_km) first.
    """
    if ref.empty or other.empty:
        return pd.DataFrame({"ref_index": ref.index, "other_index": -1, "upper_km": np.nan, "lower_km": np.nan})
    du = _km(ref["upper_lat"].to_numpy()[:, None], ref["upper_lon"].to_numpy()[:, None],
             other["upper_lat"].to_numpy()[None, :], other["upper_lon"].to_numpy()[None, :])
    dl = _km(ref["lower_lat"].to_numpy()[:, None], ref["lower_lon"].to_numpy()[:, None],
             other["lower_lat"].to_numpy()[None, :], other["lower_lon"].to_numpy()[None, :])
    ok = (du <= max_km) & (dl <= max_km)
    cost = np.where(ok, du + dl, np.inf)
    rows, cols = np.nonzero(ok)
    order = np.argsort(cost[rows, cols], kind="stable")
    used_r, used_c = set(), set()
    got = {}
    for k in order:
        r, c = rows[k], cols[k]
        if r in used_r or c in used_c:
            continue
        used_r.add(r)
        used_c.add(c)
        got[r] = c
    idx_other = other.index.to_numpy()
    return pd.DataFrame({
        "ref_index": ref.index,
        "other_index": [idx_other[got[r]] if r in got else -1 for r in range(len(ref))],
        "upper_km": [du[r, got[r]] if r in got else np.nan for r in range(len(ref))],
        "lower_km": [dl[r, got[r]] if r in got else np.nan for r in range(len(ref))],
    })


def summary(res: dict) -> dict:
    """Counts and figures in plain types (for JSON / the report)."""
    pairs = res["pairs"]
    per_test = {}
    if len(pairs):
        for (e, h), g in pairs.groupby(["energy_gwh", "hours"]):
            per_test[f"{e:g}GWh_{h}h"] = {
                "pairs": int(len(g)), "non_overlapping": int(g["non_overlapping"].sum()),
                "classes": {k: int(v) for k, v in g["cost_class"].value_counts().sort_index().items()}}
    return {
        "stages": {k: {kk: (round(vv, 3) if isinstance(vv, float) else vv) for kk, vv in v.items() if kk != "log"}
                   for k, v in res["stages"].items()},
        "total_wall_s": round(res["total_wall_s"], 2),
        "total_cpu_s": round(sum(v["user_s"] + v["sys_s"] for v in res["stages"].values()), 2),
        "peak_rss_mib": round(res["peak_rss_mib"], 1),
        "load_before_after": [round(x, 2) for x in res["load"][0]] + [round(x, 2) for x in res["load"][1]],
        "reservoirs": int(len(res["reservoirs"])),
        "rough_pairs": int(len(res["rough_pairs"])),
        "pretty_set_pairs": int(len(res["pretty_pairs"])),
        "final_pairs": int(len(pairs)),
        "per_test": per_test,
        "workdir": str(res["workdir"]),
    }


def _tests(text: str):
    if text.strip() == "atlas":
        return ATLAS_TESTS
    out = []
    for part in text.split(";"):
        e, h = part.split(",")
        out.append((float(e), int(h)))
    return tuple(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Run the reference PHES search on the synthetic tile, stage by stage.")
    ap.add_argument("--dem-dir", type=Path, default=DATA / "phes_dem")
    ap.add_argument("--workdir", type=Path, default=DATA / "phes_reference")
    ap.add_argument("--lat", type=int, default=25)
    ap.add_argument("--lon", type=int, default=113)
    ap.add_argument("--tests", type=_tests, default=DEFAULT_TESTS,
                    help="'E,h;E,h' (GWh, hours), default '7,6'; 'atlas' = the reference's own seven")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    tests = a.tests
    try:
        find_reference()
    except ReferenceMissing as e:
        print(f"SKIP reference: {e}")
        return 0
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import _phes_dem

    _phes_dem.write_tiles(a.dem_dir, a.lat, a.lon)
    res = run_reference(a.dem_dir, a.workdir, a.lat, a.lon, tests)
    s = summary(res)
    if a.json:
        print(json.dumps(s, indent=1, ensure_ascii=False))
        return 0
    print(f"reference PHES_Searching on {tile_name(a.lat, a.lon)} (synthetic), tests {tests}, load "
          f"{s['load_before_after'][0]:.1f} → {s['load_before_after'][3]:.1f}")
    print(f"{'stage':<12} {'wall s':>8} {'user s':>8} {'sys s':>7} {'peak RSS MiB':>13}")
    for k, v in res["stages"].items():
        print(f"{k:<12} {v['wall_s']:8.1f} {v['user_s']:8.1f} {v['sys_s']:7.1f} {v['max_rss_mib']:13.0f}")
    print(f"{'total':<12} {s['total_wall_s']:8.1f} {'':>8} {'':>7} {s['peak_rss_mib']:13.0f}")
    print(f"reservoirs {s['reservoirs']}, rough pairs {s['rough_pairs']}, pretty set {s['pretty_set_pairs']}, "
          f"final pairs {s['final_pairs']}: {json.dumps(s['per_test'])}")
    print(f"outputs in {res['workdir']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
