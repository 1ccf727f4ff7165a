"""Terminal display for the CLI: progress bar feedback and readable tables (rich; CJK-width aware).

rich is imported by what draws (a table, a progress bar on a terminal), not by this module: ``--json`` and a
quiet run never load it (issue 15).
"""

from __future__ import annotations

import os
import re
import sys
from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator

from .core.errors import SinkmapError
from .core.feedback import BaseFeedback
from .core.indicators import INDICATORS
from .core.units import t_to_10k_t
from .core.ledger_report import digits_for, gap_digits
from .core.messages import Notice, clip, current_language

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

#: Longest text of one message or cell shown on the terminal (attribute values can be megabytes).
MAX_TEXT = 300
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_LONG_DECIMALS = re.compile(r"(\d\.\d{6})\d{3,}")
_LONG_DIGITS = re.compile(r"\d{16,}")


def plain_text(value: object, limit: int = MAX_TEXT) -> str:
    """Untrusted text (names, quotes, messages) made safe for a terminal, as plain text: control
    characters (ESC sequences, bidi overrides) shown as ``\\xNN``, line breaks as spaces, runs of digits
    and decimals shortened, at most ``limit`` characters (:func:`sinkmap.core.messages.clip`)."""
    text = str(value).replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else
                        f"\\u{ord(m.group()):04x}", text)
    text = _LONG_DECIMALS.sub(r"\1…", text)
    text = _LONG_DIGITS.sub(lambda m: m.group()[:12] + "…", text)
    return clip(text, limit)


def safe(value: object, limit: int = MAX_TEXT) -> str:
    """:func:`plain_text`, with rich markup escaped: for text placed inside rich tables and markup."""
    from rich.markup import escape

    return escape(plain_text(value, limit))


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
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                        TimeElapsedColumn(), console=Console(stderr=True), transient=True)
    with progress:
        yield _RichFeedback(progress)


def _console() -> Console:
    """A console; when output is not a terminal (a pipe, a file) a wide page (``COLUMNS`` if set, else
    220), so that columns are not split needlessly."""
    from rich.console import Console

    if sys.stdout.isatty():
        return Console()
    try:
        width = int(os.environ.get("COLUMNS") or 220)
    except ValueError:
        width = 220
    return Console(width=max(width, 40))


def _fmt(value: object, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return "—"
        return f"{value:,.{digits}f}"
    return str(value)


_UNBREAKABLE = re.compile(r"[\x21-\x7e]+|\S")  # runs of ASCII (numbers, latin words); CJK breaks anywhere


def _min_width(texts) -> int:
    """The narrowest a column can be without cutting a number or a latin word: its longest such run
    (Chinese text may wrap between any two characters)."""
    from rich.cells import cell_len
    from rich.text import Text as RichText

    widest = 2
    for t in texts:
        plain = RichText.from_markup(t).plain if "[" in t else t
        for word in _UNBREAKABLE.findall(plain):
            widest = max(widest, cell_len(word))
    return widest


def _natural_width(texts) -> int:
    from rich.cells import cell_len
    from rich.text import Text as RichText

    return max((cell_len(line) for t in texts
                for line in (RichText.from_markup(t).plain if "[" in t else t).splitlines() or [""]), default=1)


def _print_table(console: Console, title: str, heads: list[tuple[str, str]], rows: list[tuple[list[str], str | None]],
                 *, key_columns: int = 1, text_cap: int = 30, caps: dict[int, int] | None = None) -> None:
    """A table that never cuts a number: each column gets a fixed width, at least its longest number or
    latin word (Chinese text wraps between characters, latin text between words); when the columns do
    not fit the console's width they are split into several tables, each repeating the first
    ``key_columns`` columns (the unit name)."""
    from rich.table import Table

    widths = []
    for i, (head, _) in enumerate(heads):
        texts = [head] + [r[0][i] for r in rows]
        content = [r[0][i] for r in rows]
        lowest = _min_width(texts)
        numeric = all(_UNBREAKABLE.fullmatch(c.replace(" ", "")) is not None for c in content if c)
        cap = (caps or {}).get(i, 10 if i < key_columns else text_cap)
        natural = _natural_width(content) if numeric else min(_natural_width(texts), cap)
        widths.append(max(lowest, natural, _min_width([head])))
    fixed = sum(widths[:key_columns]) + 3 * key_columns + 1
    room = max(console.width - fixed - 3, 8)
    widths = widths[:key_columns] + [min(w, max(room, _min_width([heads[i][0]] + [r[0][i] for r in rows])))
                                     for i, w in enumerate(widths) if i >= key_columns]
    chunks: list[list[int]] = [[]]
    used = fixed
    for i in range(key_columns, len(heads)):
        need = widths[i] + 3
        if chunks[-1] and used + need > console.width:
            chunks.append([])
            used = fixed
        chunks[-1].append(i)
        used += need
    for n, chunk in enumerate(chunks):
        cols = list(range(key_columns)) + chunk
        table = Table(title=title if n == 0 else f"{title} (续 cont. {n + 1}/{len(chunks)})")
        for i in cols:
            table.add_column(heads[i][0], justify=heads[i][1], width=widths[i], overflow="fold")
        for cells, style in rows:
            table.add_row(*[cells[i] for i in cols], style=style)
        console.print(table)


def print_targets(report) -> None:
    """The targets report (:class:`sinkmap.jobs.plan_targets.TargetsReport`): each target with the plan
    document it comes from and its sentence (the seed file and line stay in ``--json``)."""
    console = _console()
    targets = sorted(report.targets, key=lambda t: (t.city, t.year, t.indicator))
    if not targets:
        where = " ".join(str(x) for x in (report.city, report.year) if x)
        console.print(f"规划碳汇目标 Plan sink targets — {safe(where)}: 规划未设目标 no targets in the plans", soft_wrap=True)
    else:
        heads = [("城市", "left"), ("年份", "right"), ("指标", "left"), ("目标", "left"),
                 ("规划原文 (quote)", "left"), ("出处 (document)", "left")]
        rows = []
        for t in targets:
            ind = INDICATORS.get(t.indicator)
            name = t.basis if t.indicator == "forest_coverage_pct" and t.basis else (ind.name_zh if ind else t.indicator)
            rows.append(([safe(t.city), str(t.year), safe(name),
                          f"{t.value:g} {safe(t.unit)} {_COMPARATOR_ZH.get(t.comparator.value, '')}",
                          safe(t.quote, 1000), safe(t.document or t.source)], None))
        _print_table(console, "规划碳汇目标 Plan sink targets", heads, rows, caps={5: 48})  # the document whole
    seen = set()
    for c, y, indicator, reason in report.absent:
        ind = INDICATORS.get(indicator)
        line = f"{safe(c)} {y} {ind.name_zh if ind else safe(indicator)}: 规划未设目标 — {safe(reason)}"
        if line not in seen:
            seen.add(line)
            console.print(f"[dim]{line}[/dim]", soft_wrap=True)


def print_ledger(report) -> None:
    """The ledger report (:class:`sinkmap.jobs.ledger.LedgerReport`): the measures, then the status matrix."""
    console = _console()
    title = f"碳汇台账 Sink ledger — {report.year}"
    if report.synthetic:
        title += "  [bold red](演示数据 synthetic demo data)[/bold red]"
    cols = [("单元", "name"), ("级别", "level"), ("土地面积 km²", "land_area_km2"), ("森林面积 ha", "forest_area_ha"),
            ("森林覆盖率 %", "forest_coverage_pct"), ("森林蓄积 万m³", "forest_stock_10k_m3"),
            ("湿地面积 ha", "wetland_area_ha"), ("受保护湿地 ha", "protected_wetland_area_ha"),
            ("湿地保护率 %", "wetland_protection_rate_pct"), ("CO₂ 万t", "co2_t")]
    heads = [(head, "left" if key == "name" else "right") for head, key in cols]
    level_zh = {"county": "县区", "city": "市", "province": "省", "zone": "片区"}
    rows = []
    for u in report.units:
        cells = []
        for _, key in cols:
            v = getattr(u, key)
            if key == "level":
                v = level_zh.get(v, v)
            if key == "co2_t":
                v = t_to_10k_t(v)
            cells.append(safe(_fmt(v, digits_for(key))))
        rows.append((cells, "bold" if u.is_total else None))
    _print_table(console, title, heads, rows, key_columns=1)

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
    year = next((t.year for u in units for t in u.targets if t.year), "") or next(
        (getattr(u, "year", "") for u in units), "")
    where = safe("、".join(cities))
    if not indicators:  # a year the plan sets no target for: one line, not an empty table
        reasons = list(dict.fromkeys(safe(r) for r in absent.values() if r))
        console.print(f"对照规划目标 Against the plan's targets — {where} {year}: 规划未设目标 no target in the plan"
                      + (f" — {reasons[0]}" if len(reasons) == 1 else ""), soft_wrap=True)
        if len(reasons) > 1:
            for key, reason in absent.items():
                ind = INDICATORS.get(key)
                console.print(f"[dim]  {ind.name_zh if ind else safe(key)}: {safe(reason)}[/dim]", soft_wrap=True)
        return
    heads = [("单元", "left")]
    for key, t in indicators.items():
        ind = INDICATORS.get(key)
        name = t.basis or (ind.name_zh if ind else key)
        comparator = _COMPARATOR_ZH.get(t.comparator.value if t.comparator else "", "")
        heads.append((f"{safe(name)}\n目标 {t.value:g} {safe(t.unit or '')} {comparator}", "left"))
    rows = []
    for u in units:
        cells = [safe(u.name)]
        for key in indicators:
            t = u.assessment(key)
            if t is None:
                cells.append("")
                continue
            st = t.status.value
            text = f"{_fmt(t.measured, 2)} [{_STATUS_STYLE[st]}]{_STATUS_ZH[st]}[/]"
            if t.gap:
                text += f" 差 {t.gap:,.{gap_digits(t.gap_unit)}f} {safe(t.gap_unit or '')}"
            cells.append(text)
        rows.append((cells, "bold" if u.is_total else None))
    _print_table(console, f"对照规划目标 Against the plan's targets — {where} {year}", heads, rows)
    for key, reason in absent.items():
        ind = INDICATORS.get(key)
        console.print(f"[dim]{ind.name_zh if ind else safe(key)}: 规划未设目标 no target in the plan — {safe(reason)}[/dim]",
                      soft_wrap=True)
    documents = list(dict.fromkeys(t.document for u in units for t in u.targets if t.document))
    for d in documents:
        console.print(f"[dim]目标出处 targets from: {safe(d)}[/dim]", soft_wrap=True)
    notes = {t.basis_note for u in units for t in u.targets if t.basis_note}
    for n in sorted(notes):
        console.print(f"[yellow]注意 {safe(n)}[/yellow]", soft_wrap=True)
    if any(t.status.value == "city_total" for u in units for t in u.targets):
        console.print("[dim]全市总量目标: stock and wetland-area targets are city-wide totals, assessed on the city row[/dim]",
                      soft_wrap=True)


def print_demo(report) -> None:
    console = _console()
    console.print(f"演示数据 synthetic demo world written to {safe(report.path)}", soft_wrap=True)
    for name, info in report.layers.items():
        console.print(f"  {safe(name)}: {safe(info)}", soft_wrap=True)


def print_jobs(as_json: bool = False, lang: str | None = None) -> None:
    """``sinkmap jobs``: every job with its parameters (``--json``: the machine-readable catalogue)."""
    from .core.jsonutil import dumps
    from .core.messages import current_language, is_chinese
    from .jobs.registry import all_jobs, catalogue

    if as_json:
        print(dumps(catalogue()))
        return
    from rich.markup import escape

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
                from .jobs.base import written_lines

                for line in written_lines(report.outputs, lang):
                    print(plain_text(line, 1000))
        else:
            for line in report.summary(lang):
                print(plain_text(line, 1000))
    prefix = "警告" if is_chinese(lang) else "warning"
    for text in warning_lines(report.warnings, lang):
        print(f"{prefix}: {text}", file=sys.stderr)


def warning_lines(warnings, lang: str | None = None) -> list[str]:
    """The warnings as the terminal shows them: rendered in ``lang``, made safe (:func:`plain_text`:
    control characters visible, long values and numbers cut) and each distinct text once, in order."""
    lines = [plain_text(message_text(w, lang), 2 * MAX_TEXT) for w in warnings]
    return list(dict.fromkeys(lines))
