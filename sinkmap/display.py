"""Terminal display for the CLI: progress bar feedback and readable tables (rich; CJK-width aware)."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Iterator

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .core.errors import SinkmapError
from .core.feedback import BaseFeedback
from .core.indicators import INDICATORS
from .core.units import t_to_10k_t
from .core.messages import Notice, current_language

_STATUS_ZH = {"met": "达标", "within_band": "左右区间内", "short": "未达标", "no_target": "规划未设目标",
              "no_data": "无数据", "city_total": "全市总量目标"}
_STATUS_STYLE = {"met": "green", "within_band": "yellow", "short": "red", "no_target": "dim", "no_data": "dim",
                 "city_total": "dim"}
_COMPARATOR_ZH = {"ge": "以上", "approx": "左右", "reach": "达到", "stable": "稳定在"}


def message_text(obj: object, lang: str | None = None) -> str:
    """What the user reads for a warning or an error, in ``lang`` (default: the interface language, see
    :func:`sinkmap.core.messages.current_language` — ``--lang``, ``SINKMAP_LANG``, the locale):

    * a :class:`~sinkmap.core.messages.Notice` or a :class:`~sinkmap.core.errors.SinkmapError` is rendered
      from the message catalogue (where, what and what to do);
    * anything else (a legacy English string, another exception) is its ``str()``.
    """
    if isinstance(obj, (Notice, SinkmapError)):
        return obj.render(lang or current_language())
    return str(obj)


class _RichFeedback(BaseFeedback):
    def __init__(self, progress: Progress | None) -> None:
        super().__init__()
        self._progress = progress
        self._task = progress.add_task("", total=1000) if progress else None

    def on_progress(self, fraction: float, text: str) -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=int(fraction * 1000), description=text[:40])


@contextmanager
def progress_feedback(quiet: bool = False) -> Iterator[BaseFeedback]:
    """A Feedback that draws a progress bar on stderr (nothing when quiet or not a terminal)."""
    if quiet or not sys.stderr.isatty():
        yield _RichFeedback(None)
        return
    progress = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                        TimeElapsedColumn(), console=Console(stderr=True), transient=True)
    with progress:
        yield _RichFeedback(progress)


def _console() -> Console:
    """A console; when output is not a terminal (a pipe, a file) use a wide page so columns are not cut."""
    return Console() if sys.stdout.isatty() else Console(width=220)


def _fmt(value: object, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def print_targets(report) -> None:
    """The targets report (:class:`sinkmap.jobs.plan_targets.TargetsReport`) as a table."""
    console = _console()
    table = Table(title="规划碳汇目标 Plan sink targets", show_lines=False)
    for col in ("城市", "年份", "指标", "目标", "规划原文 (quote)", "出处"):
        table.add_column(col, no_wrap=col in ("城市", "年份", "出处"))
    seeds = set()
    for t in sorted(report.targets, key=lambda t: (t.city, t.year, t.indicator)):
        ind = INDICATORS.get(t.indicator)
        name = t.basis if t.indicator == "forest_coverage_pct" and t.basis else (ind.name_zh if ind else t.indicator)
        seeds.add(t.seed)
        table.add_row(t.city, str(t.year), name, f"{t.value:g} {t.unit} {_COMPARATOR_ZH.get(t.comparator.value, '')}",
                      t.quote, f"{t.seed[:3]}:{t.line}")
    console.print(table)
    if seeds:
        console.print("[dim]出处 = seed file : line — " + ", ".join(sorted(seeds)) + "[/dim]")
    for c, y, indicator, reason in report.absent:
        ind = INDICATORS.get(indicator)
        console.print(f"[dim]{c} {y} {ind.name_zh if ind else indicator}: 规划未设目标 — {reason}[/dim]")


def print_ledger(report) -> None:
    """The ledger report (:class:`sinkmap.jobs.ledger.LedgerReport`): the measures, then the status matrix."""
    console = _console()
    title = f"碳汇台账 Sink ledger — {report.year}"
    if report.synthetic:
        title += "  [bold red](演示数据 synthetic demo data)[/bold red]"
    table = Table(title=title)
    cols = [("单元", "name"), ("级别", "level"), ("土地面积 km²", "land_area_km2"), ("森林面积 ha", "forest_area_ha"),
            ("森林覆盖率 %", "forest_coverage_pct"), ("森林蓄积 万m³", "forest_stock_10k_m3"),
            ("湿地面积 ha", "wetland_area_ha"), ("受保护湿地 ha", "protected_wetland_area_ha"),
            ("湿地保护率 %", "wetland_protection_rate_pct"), ("CO₂ 万t", "co2_t")]
    for head, _ in cols:
        table.add_column(head, justify="right" if _ != "name" else "left")
    level_zh = {"county": "县区", "city": "市", "province": "省", "zone": "片区"}
    for u in report.units:
        cells = []
        for _, key in cols:
            v = getattr(u, key)
            if key == "level":
                v = level_zh.get(v, v)
            if key == "co2_t":
                v = t_to_10k_t(v)
            cells.append(escape(_fmt(v, 2 if key.endswith("pct") else 1)))
        table.add_row(*cells, style="bold" if u.is_total else None)
    console.print(table)

    _print_status_matrix(console, report.units)


def _print_status_matrix(console: Console, units) -> None:
    """One row per unit, one column per indicator the plan sets: measured value, status, gap."""
    indicators: dict = {}
    absent: dict[str, str] = {}
    for u in units:
        for t in u.targets:
            if t.value is not None:
                indicators.setdefault(t.indicator, t)
            elif t.indicator not in indicators:
                absent.setdefault(t.indicator, t.reason or "")
    if not indicators and not absent:
        return
    cities = sorted({u.targets_city for u in units if u.targets_city})
    year = next((t.year for u in units for t in u.targets if t.year), "")
    table = Table(title=f"对照规划目标 Against the plan's targets — {'、'.join(cities)} {year}")
    table.add_column("单元")
    for key, t in indicators.items():
        ind = INDICATORS.get(key)
        name = t.basis or (ind.name_zh if ind else key)
        comparator = _COMPARATOR_ZH.get(t.comparator.value if t.comparator else "", "")
        table.add_column(f"{escape(name)}\n目标 {t.value:g} {t.unit or ''} {comparator}")
    for u in units:
        cells = [escape(u.name)]
        for key in indicators:
            t = u.assessment(key)
            if t is None:
                cells.append("")
                continue
            st = t.status.value
            text = f"{_fmt(t.measured, 2)} [{_STATUS_STYLE[st]}]{_STATUS_ZH[st]}[/]"
            if t.gap:
                text += f" 差 {t.gap:,.0f} {t.gap_unit or ''}"
            cells.append(text)
        table.add_row(*cells, style="bold" if u.is_total else None)
    console.print(table)
    for key, reason in absent.items():
        ind = INDICATORS.get(key)
        console.print(f"[dim]{ind.name_zh if ind else key}: 规划未设目标 no target in the plan — {escape(reason)}[/dim]")
    notes = {t.basis_note for u in units for t in u.targets if t.basis_note}
    for n in sorted(notes):
        console.print(f"[yellow]注意 {escape(n)}[/yellow]")
    if any(t.status.value == "city_total" for u in units for t in u.targets):
        console.print("[dim]全市总量目标: stock and wetland-area targets are city-wide totals, assessed on the city row[/dim]")


def print_demo(report) -> None:
    console = _console()
    console.print(f"演示数据 synthetic demo world written to {report.path}")
    for name, info in report.layers.items():
        console.print(f"  {name}: {info}")


def print_jobs(as_json: bool = False, lang: str | None = None) -> None:
    """``sinkmap jobs``: every job with its parameters (``--json``: the machine-readable catalogue)."""
    from .core.jsonutil import dumps
    from .core.messages import current_language, is_chinese
    from .jobs.registry import all_jobs, catalogue

    if as_json:
        print(dumps(catalogue()))
        return
    lang = lang or current_language()
    console = _console()
    for job in all_jobs():
        console.print(f"[bold]{job.id}[/bold]  {escape(job.title(lang))}")
        console.print(f"  {escape(job.help(lang))}", style="dim")
        for p in job.params:
            flag = p.cli_flag + (f" [{p.layer_flag}]" if p.kind == "layer" else "")
            req = (" 必需" if is_chinese(lang) else " required") if p.required else ""
            console.print(f"    {escape(flag):<24} {p.kind:<8} {escape(p.help(lang))}{req}")
        console.print()


def show_report(report, as_json: bool = False, lang: str | None = None) -> None:
    """A job's report on the terminal: its own table where it has one, else its summary; then warnings."""
    from .core.jsonutil import dumps
    from .core.messages import current_language, is_chinese

    lang = lang or current_language()
    if as_json:
        print(dumps(report.to_json()))
    else:
        printer = {"LedgerReport": print_ledger, "TargetsReport": print_targets, "DemoReport": print_demo}.get(
            type(report).__name__)
        if printer is not None:
            printer(report)
            if type(report).__name__ != "DemoReport":
                for out in report.outputs:
                    print(("已写出 " if is_chinese(lang) else "wrote ") + str(out.path))
        else:
            for line in report.summary(lang):
                print(line)
    prefix = "警告" if is_chinese(lang) else "warning"
    for w in report.warnings:
        text = w.render(lang) if hasattr(w, "render") else str(w)
        print(f"{prefix}: {text}", file=sys.stderr)
