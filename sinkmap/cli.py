"""The ``sinkmap`` command: argument parsing only.

Every job sub-command (``ledger``, ``targets``, ``boundaries``, ``demo``, ``overviews`` and any job added
later) is built from its declaration in :mod:`sinkmap.jobs` — flags, help in the interface language
(``--lang`` or ``LANG``), checks — and run through the same path as the app and projects. Besides the
jobs: ``sinkmap jobs [--json]`` (the catalogue), ``sinkmap run PROJECT --job ID`` (repeat a job run
stored in a project) and ``sinkmap gui`` (the desktop app; the default with no command and a display).
Errors the user can act on are printed as one readable message with exit status 2.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from typing import Any

from .core.errors import SinkmapError
from .core.messages import language_from_env, normalise_language, set_language

EXIT_USAGE = 2
LANG_CHOICES = ("zh_CN", "zh", "en")


def _t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh_CN" else en


#: argparse's own words (it translates through gettext, which has no Chinese catalogue installed).
_ARGPARSE_ZH = {
    "usage: ": "用法：", "options": "选项", "positional arguments": "位置参数",
    "show this help message and exit": "显示此帮助并退出",
    "the following arguments are required: %s": "缺少必需参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效选项：%(value)r（可选 %(choices)s）",
    "expected one argument": "需要一个参数值",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "ambiguous option: %(option)s could match %(matches)s": "有歧义的选项：%(option)s 可匹配 %(matches)s",
}


def _localise_argparse(lang: str) -> None:
    import gettext

    table = _ARGPARSE_ZH if lang == "zh_CN" else {}
    argparse._ = lambda text: table.get(text, gettext.gettext(text))  # type: ignore[attr-defined]


def take_language(argv: list[str]) -> tuple[list[str], str | None]:
    """``argv`` without its ``--lang X`` / ``--lang=X`` (allowed anywhere on the line), and that language."""
    rest: list[str] = []
    lang = None
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest.extend(argv[i:])
            break
        if arg.startswith("--lang="):
            lang = normalise_language(arg.split("=", 1)[1]) or lang
        elif arg == "--lang" and i + 1 < len(argv) and normalise_language(argv[i + 1]):
            lang = normalise_language(argv[i + 1])
            i += 1
        else:
            rest.append(arg)
        i += 1
    return rest, lang


def split_job_id(argv: list[str]) -> list[str]:
    """``sinkmap site.impact …`` as ``sinkmap site impact …``: a job may be named by its id too."""
    from .jobs.registry import find

    for i, arg in enumerate(argv):
        if "." in arg and not arg.startswith("-") and (i == 0 or argv[i - 1] not in ("--screenshot", "--project")):
            job = find(arg)
            if job is not None and job.id == arg:
                return argv[:i] + arg.split(".", 1) + argv[i + 1:]
        if not arg.startswith("-") and (i == 0 or argv[i - 1] not in ("--screenshot", "--project")):
            break  # the first positional is the command: only it may be a job id
    return argv


#: Sub-commands that are not jobs.
_COMMANDS = ("jobs", "run", "gui")


def requested_job(argv: list[str]):
    """The job the command line runs (``ledger …``, ``site impact …``), found by importing its module alone;
    None for anything else (help, ``jobs``, ``run``, ``gui``, a group without its sub-command, a typo)."""
    from .jobs.registry import find

    for i, arg in enumerate(argv):
        if arg.startswith("-") or (i > 0 and argv[i - 1] in ("--screenshot", "--project")):
            continue
        if arg in _COMMANDS:
            return None
        nxt = argv[i + 1] if i + 1 < len(argv) else ""
        if nxt and not nxt.startswith("-") and "." not in arg:  # a group and its sub-command: site impact
            job = find(f"{arg}.{nxt}")
            if job is not None:
                return job
        job = find(arg)
        return job if job is not None and job.id == arg and "." not in arg else None
    return None


def _app_args(p: argparse.ArgumentParser, lang: str, *, top: bool) -> None:
    """``--screenshot``, ``--project``, ``--lang``: on the top level and on ``gui`` (any order works)."""
    default = None if top else argparse.SUPPRESS
    p.add_argument("--screenshot", metavar="PATH", default=default,
                   help=_t(lang, "打开应用、渲染窗口并保存为 PNG 后退出", "open the app, render, save the window as PNG, quit"))
    p.add_argument("--project", metavar="FILE", default=default,
                   help=_t(lang, "要打开的 .sinkmap 项目（默认：演示数据）", "a .sinkmap project to open (default: the demo world)"))
    p.add_argument("--lang", choices=LANG_CHOICES, default=default,
                   help=_t(lang, "界面语言（默认 zh_CN）", "interface language (default zh_CN)"))


def _param_help(param, lang: str) -> str:
    text = param.help(lang)
    extra = []
    if param.required:
        extra.append(_t(lang, "必需", "required"))
    if param.default not in (None, [], {}, False):
        extra.append(_t(lang, "默认 ", "default ") + str(param.default))
    if param.choices:
        extra.append(_t(lang, "可选 ", "one of ") + ", ".join(param.choices))
    if param.kind in ("number", "integer") and (param.minimum is not None or param.maximum is not None):
        lo = "" if param.minimum is None else f"{param.minimum:g}"
        hi = "" if param.maximum is None else f"{param.maximum:g}"
        extra.append(_t(lang, "范围 ", "range ") + f"{lo}…{hi}")
    return (text + (f" ({'; '.join(extra)})" if extra else "")).replace("%", "%%")  # argparse formats help


def _add_job(sub, job, lang: str, name: str | None = None) -> None:
    epilog = []
    for group in job.exclusive:
        flags = ", ".join(job.param(n).cli_flag for n in group.params)
        epilog.append(_t(lang, ("必须且只能给出其一：" if group.required else "至多给出其一：") + flags,
                         ("exactly one of: " if group.required else "at most one of: ") + flags))
    if job.demo_roles:
        epilog.append(_t(lang, "未给出任何图层时使用合成演示数据（输出中注明“演示数据”）。",
                         "With no layer given, the synthetic demo world is used (outputs say so)."))
    p = sub.add_parser(name or job.cli_name, help=job.title(lang).replace("%", "%%"),
                       description=f"{job.title(lang)} — {job.help(lang)}".replace("%", "%%"),
                       epilog="\n".join(epilog).replace("%", "%%") or None, formatter_class=argparse.RawDescriptionHelpFormatter)
    for param in job.params:
        kwargs: dict[str, Any] = {"dest": param.name, "help": _param_help(param, lang), "default": None}
        if param.kind == "bool":
            kwargs["action"] = "store_true"
        else:
            kwargs["metavar"] = param.metavar or param.name.upper()
            if param.repeatable:
                kwargs["action"] = "append"
        p.add_argument(param.cli_flag, **kwargs)
        if param.kind == "layer" and not param.repeatable:  # repeatable: FILE (every layer) or 'FILE|layername=NAME'
            p.add_argument(param.layer_flag, dest=f"{param.name}__layer", metavar="NAME",
                           help=_t(lang, f"{param.cli_flag} 中的图层名（多图层文件，如 GeoPackage）",
                                   f"layer of {param.cli_flag} (a GeoPackage with several layers)"))
    p.add_argument("--json", action="store_true", help=_t(lang, "以 JSON 输出报告", "print the report as JSON"))
    p.add_argument("--quiet", action="store_true", help=_t(lang, "不显示进度条", "no progress bar"))
    p.set_defaults(job=job.id)


def build_parser(lang: str | None = None, only=None) -> argparse.ArgumentParser:
    """The whole command line (every job: ``sinkmap --help``); with ``only`` (a job), its sub-command alone
    besides the commands that are not jobs — what parsing that job's command line needs, without importing
    every job module."""
    from .jobs.registry import all_jobs

    jobs = [only] if only is not None else all_jobs()
    lang = lang or language_from_env()
    parser = argparse.ArgumentParser(
        prog="sinkmap",
        description=_t(lang, "sinkmap — 碳达峰碳汇台账：森林、湿地与新能源选址（湖南）",
                       "sinkmap — carbon-sink ledger, forests, wetlands and renewable siting (Hunan)"))
    _app_args(parser, lang, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    groups: dict[str, argparse._SubParsersAction] = {}
    for job in jobs:
        if "." not in job.id:
            _add_job(sub, job, lang)
            continue
        # a dotted id (site.impact) is a sub-command of its group: `sinkmap site impact`
        prefix, rest = job.id.split(".", 1)
        if prefix not in groups:
            titles = "、".join(j.title(lang) for j in jobs if j.id.startswith(prefix + "."))
            gp = sub.add_parser(prefix, help=titles.replace("%", "%%"))
            groups[prefix] = gp.add_subparsers(dest="subcommand", metavar="COMMAND")
            gp.set_defaults(group_parser=gp)
        _add_job(groups[prefix], job, lang, name=rest)
    p = sub.add_parser("jobs", help=_t(lang, "列出全部任务及其参数", "list every job and its parameters"))
    p.add_argument("--json", action="store_true", help=_t(lang, "机器可读的任务目录", "the machine-readable catalogue"))
    p = sub.add_parser("run", help=_t(lang, "重新运行项目中保存的任务", "repeat a job run stored in a project"))
    p.add_argument("project_file", metavar="PROJECT", help=_t(lang, ".sinkmap 项目文件", "a .sinkmap project file"))
    p.add_argument("--job", required=True, metavar="ID", help=_t(lang, "任务 id（最近一次运行）", "job id (its latest run)"))
    p.add_argument("--json", action="store_true", help=_t(lang, "以 JSON 输出报告", "print the report as JSON"))
    p.add_argument("--quiet", action="store_true", help=_t(lang, "不显示进度条", "no progress bar"))
    p = sub.add_parser("gui", help=_t(lang, "打开桌面应用（有显示器且未给命令时的默认）",
                                      "open the desktop application (default with a display and no command)"))
    _app_args(p, lang, top=False)
    return parser


def _has_display() -> bool:
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
                or os.environ.get("QT_QPA_PLATFORM"))


#: The cyclic garbage collector's thresholds while a command runs (Python's default: 700, 10, 10). A command is
#: one short process that allocates most of its objects once (imports, a report): at the default its first
#: generation is collected about a hundred times a province ledger, 5–10 % of its CPU (issue 15). Cycles are
#: still collected, only less often (mypy does the same). The app's event loop keeps Python's default.
GC_THRESHOLDS = (100_000, 50, 100)
_GC_AT_IMPORT = gc.get_threshold()


def _lean_process() -> tuple[int, int, int]:
    """Set up this process for one command; returns the collector's thresholds to restore.

    OpenBLAS starts a thread per core when numpy is imported, and each spins for a while waiting for work
    that never comes — sinkmap does no multi-threaded linear algebra — competing with the raster reads for
    the cores. One thread unless the user set it (and only before numpy is loaded: later it does nothing)."""
    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    before = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    return before


def main(argv: list[str] | None = None) -> int:
    """The program (``argv`` None: ``sys.argv``), or one command line run in this process."""
    before = _lean_process()
    try:
        return _main(argv)
    finally:
        gc.set_threshold(*before)
        if argv is None:
            # the program's own run: the process exits next, and its last collection would walk every object
            # (numpy's, GDAL's, the report's) to free nothing the exit does not — a tenth of a warm province
            # ledger's CPU. Frozen objects are left to the exit.
            gc.freeze()


def _main(argv: list[str] | None) -> int:
    argv, given = take_language(list(sys.argv[1:] if argv is None else argv))
    argv = split_job_id(argv)
    lang = given or language_from_env()
    set_language(lang)
    _localise_argparse(lang)
    parser = build_parser(lang, only=requested_job(argv))
    args = parser.parse_args(argv)
    args.lang = given
    try:
        if args.command is None and not args.screenshot:
            if not _has_display():
                parser.print_help()
                return 0
            return _cmd_gui(args)
        if args.command in (None, "gui"):
            return _cmd_gui(args)
        if args.command == "jobs":
            from . import display

            display.print_jobs(as_json=args.json, lang=lang)
            return 0
        if args.command == "run":
            from .jobs.runs import rerun_from_project

            return _run_and_show(lambda feedback: rerun_from_project(args.project_file, args.job, feedback), args, lang)
        if getattr(args, "job", None) is None:  # a group (`sinkmap site`) without its sub-command
            args.group_parser.print_help()
            return EXIT_USAGE
        return _cmd_job(args, lang)
    except SinkmapError as exc:
        print(f"sinkmap: {exc.render(lang)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(_t(lang, "sinkmap：已中断，未写入任何文件", "sinkmap: interrupted; nothing was written"), file=sys.stderr)
        return 130


def _cmd_job(args: argparse.Namespace, lang: str) -> int:
    from .jobs.base import run_job
    from .jobs.registry import get

    job = get(args.job)
    raw: dict[str, Any] = {}
    for param in job.params:
        value = getattr(args, param.name, None)
        if param.kind == "layer" and value is not None and not param.repeatable:
            value = (value, getattr(args, f"{param.name}__layer", None))
        if param.kind == "bool" and value is False:
            value = None
        if param.cli_flag == "--lang" and value is None and args.lang:
            # ``--lang`` is taken off the line for the whole command (the messages' language); a job whose output
            # has a language of its own (the exports) gets it too, in its request: that run only, nothing saved
            value = "zh" if args.lang.startswith("zh") else "en"
        raw[param.name] = value
    request = job.make_request(raw)
    return _run_and_show(lambda feedback: run_job(job, request, feedback), args, lang)


def _run_and_show(run, args: argparse.Namespace, lang: str) -> int:
    from . import display

    with display.progress_feedback(quiet=args.quiet or args.json) as feedback:
        report = run(feedback)
    display.show_report(report, as_json=args.json, lang=lang)
    return 0


def _cmd_gui(args: argparse.Namespace) -> int:
    gc.set_threshold(*_GC_AT_IMPORT)  # the app is a long-lived process: the collector as it was
    try:
        from .gui.app import main as gui_main
    except ImportError as exc:  # PySide6 missing
        raise SinkmapError(code="common.no_gui", detail=str(exc)) from None
    gui_argv = []
    if getattr(args, "screenshot", None):
        gui_argv += ["--screenshot", args.screenshot]
    if getattr(args, "project", None):
        gui_argv += ["--project", args.project]
    if getattr(args, "lang", None):
        gui_argv += ["--lang", args.lang]
    return gui_main(gui_argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
