"""The ``sinkmap`` command: a thin shell over the library (argument parsing and display only).

Every sub-command is ``parse → call one library function → print/write``; errors the user can act on
(:class:`sinkmap.core.errors.SinkmapError`) are printed as one readable message with exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .core.errors import SinkmapError

EXIT_USAGE = 2


def _add_unit_args(p: argparse.ArgumentParser, *, required: bool = True, zones: bool = False) -> None:
    g = p.add_mutually_exclusive_group(required=required)
    g.add_argument("--city", help="a city, e.g. 长沙市 (or 长沙)")
    g.add_argument("--county", help="a county/district or zone, e.g. 岳麓区, 湖南湘江新区")
    g.add_argument("--province", help="湖南省: all 122 counties and 14 cities")
    if zones:
        g.add_argument("--zones", metavar="FILE", help="your own zones (polygons): a ledger row for each")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sinkmap",
        description="sinkmap — 碳达峰碳汇台账：森林、湿地与新能源选址 (Hunan carbon-sink ledger)",
    )
    parser.add_argument("--screenshot", metavar="PATH", help="open the app, render, save the window as PNG, quit")
    parser.add_argument("--project", metavar="FILE", help="a .sinkmap project to open (default: the demo world)")
    parser.add_argument("--lang", choices=["zh_CN", "en"], help="interface language (default zh_CN)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("targets", help="the sink targets transcribed from the five plans")
    p.add_argument("--city", help="only this city (长沙市, 株洲市, 邵阳市, 郴州市, 湖南湘江新区)")
    p.add_argument("--year", type=int, help="only this target year")
    p.add_argument("--targets", action="append", default=[], metavar="FILE",
                   help="a user targets file (YAML/CSV) adding or overriding bundled targets; repeatable")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser("boundaries", help="write administrative boundaries in CGCS2000 (EPSG:4490)")
    _add_unit_args(p)
    p.add_argument("--out", required=True, metavar="FILE", help=".gpkg, .geojson or .shp")

    p = sub.add_parser("ledger", help="the sink ledger per county and city against the plan's targets")
    _add_unit_args(p, zones=True)
    p.add_argument("--zones-layer", metavar="NAME", help="layer of --zones")
    p.add_argument("--zone-name-field", metavar="FIELD", help="field of --zones holding the zone names")
    p.add_argument("--year", type=int, required=True, help="target year to compare with, e.g. 2025")
    p.add_argument("--forest", metavar="FILE", help="forest subcompartment (小班) polygons")
    p.add_argument("--forest-layer", metavar="NAME", help="layer of --forest (GeoPackage with several layers)")
    p.add_argument("--wetland", metavar="FILE", help="wetland polygons")
    p.add_argument("--wetland-layer", metavar="NAME")
    p.add_argument("--protected", metavar="FILE", help="protected areas (自然保护地) polygons")
    p.add_argument("--protected-layer", metavar="NAME")
    p.add_argument("--field", action="append", default=[], metavar="KEY=FIELDNAME",
                   help="field mapping override, e.g. stock_per_ha=MGQXJ, area_unit=mu; repeatable")
    p.add_argument("--encoding", help="attribute encoding of Shapefiles without .cpg (e.g. GBK)")
    p.add_argument("--crs", help="CRS to assume for layers without one (e.g. EPSG:4490, EPSG:4547)")
    p.add_argument("--landcover", metavar="FILE", help="land-cover raster (GeoTIFF)")
    p.add_argument("--scheme", default="sandiao", help="classification of --landcover: sandiao, worldcover or a YAML file")
    p.add_argument("--stock-raster", metavar="FILE", help="forest stock density raster (m³/ha)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--workers", type=int, metavar="N", help="run the raster ledger on a local Dask cluster of N workers")
    g.add_argument("--scheduler", metavar="ADDRESS", help="run the raster ledger on a Dask scheduler")
    p.add_argument("--targets", action="append", default=[], metavar="FILE", help="user targets file; repeatable")
    p.add_argument("--band", type=float, metavar="PP",
                   help="width of the 左右 (about) band in percentage points for %% targets (default 1)")
    p.add_argument("--out", metavar="FILE", help="write the ledger: .csv, .xlsx or .json")
    p.add_argument("--json", action="store_true", help="print the ledger as JSON instead of a table")
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    p = sub.add_parser("demo", help="generate the synthetic demo world (labelled synthetic everywhere)")
    p.add_argument("--out", metavar="DIR", help="folder (default: the user data folder)")
    p.add_argument("--seed", type=int, help="random seed (same seed, same output)")
    p.add_argument("--force", action="store_true", help="regenerate even if it exists")
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    sub.add_parser("gui", help="open the desktop application (default when no command is given)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None and not args.screenshot:
            if sys.stdin is None or not sys.stdout.isatty():
                parser.print_help()
                return 0
            return _cmd_gui(args)
        handler = {
            "targets": _cmd_targets, "boundaries": _cmd_boundaries, "ledger": _cmd_ledger,
            "demo": _cmd_demo, "gui": _cmd_gui, None: _cmd_gui,
        }[args.command]
        return handler(args)
    except SinkmapError as exc:
        print(f"sinkmap: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("sinkmap: interrupted; nothing was written", file=sys.stderr)
        return 130


# --- sub-commands -------------------------------------------------------------------------------

def _cmd_targets(args: argparse.Namespace) -> int:
    from . import display
    from .io.targets import load_targets

    tset = load_targets(args.targets)
    targets = tset.all()
    city = None
    if args.city:
        from .io.boundaries import resolve_unit

        ref = resolve_unit(args.city)  # unknown names fail here, with the nearest names suggested
        city = tset.resolve(ref.name)
        targets = tset.for_city(city)
    if args.year:
        targets = [t for t in targets if t.year == args.year]
    if args.json:
        print(json.dumps([t.to_dict() for t in targets], ensure_ascii=False, indent=2))
    else:
        display.print_targets(targets, tset, city=city, year=args.year)
    return 0


def _cmd_boundaries(args: argparse.Namespace) -> int:
    from .io.boundaries import load_units
    from .io.vectors import write_vector

    gdf = load_units(city=args.city, county=args.county, province=args.province)
    out = Path(args.out)
    write_vector(gdf, out)
    print(f"wrote {len(gdf)} units to {out} (EPSG:4490, CGCS2000; internal use — published maps need 审图号 review)")
    return 0


def _cmd_ledger(args: argparse.Namespace) -> int:
    from . import display
    from .jobs.ledger import LedgerRequest, run_ledger, write_report

    request = LedgerRequest.from_cli(args)
    with display.progress_feedback(quiet=args.quiet or args.json) as feedback:
        report = run_ledger(request, feedback)
    if args.out:
        write_report(report, Path(args.out))
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        display.print_ledger(report)
        if args.out:
            print(f"wrote {args.out}")
    for w in report.warnings:
        print(f"warning: {w}", file=sys.stderr)
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from . import display
    from .demo.generate import generate_demo

    kwargs = {}
    if args.seed is not None:
        kwargs["seed"] = args.seed
    with display.progress_feedback(quiet=args.quiet) as feedback:
        manifest = generate_demo(out_dir=Path(args.out) if args.out else None, force=args.force,
                                 feedback=feedback, **kwargs)
    display.print_demo(manifest)
    return 0


def _cmd_gui(args: argparse.Namespace) -> int:
    try:
        from .gui.app import main as gui_main
    except ImportError as exc:  # PySide6 missing
        raise SinkmapError(
            f"the desktop application needs PySide6 ({exc})",
            hint="install it with: pip install -e '.[gui]'",
        ) from None
    gui_argv = []
    if args.screenshot:
        gui_argv += ["--screenshot", args.screenshot]
    if args.project:
        gui_argv += ["--project", args.project]
    if args.lang:
        gui_argv += ["--lang", args.lang]
    return gui_main(gui_argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
