"""The plans' sink targets: the bundled ``layers/targets.yaml`` plus the user's own target files.

Targets are keyed by (city, year, indicator). User files (YAML of the bundled form, or CSV with the same
column names) add targets, override bundled ones, or mark a target absent, without editing the bundled
file; later files win. The default user file is ``$SINKMAP_TARGETS`` or, if it exists,
``~/.config/sinkmap/targets.yaml`` (``$XDG_CONFIG_HOME`` is honoured).

A year without a target of its own has no target: :meth:`TargetSet.get` returns ``None`` and nothing is
carried over from another year. :meth:`TargetSet.nearest` gives the next plan year's target for display
("next target: 2030"). A jurisdiction may inherit another's targets (湖南湘江新区 → 长沙市; a user file
can do the same for a county).
"""

from __future__ import annotations

import csv
import io as _io
import math
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..core import yamlio
from . import yamlcache
from ..core.errors import TargetError
from ..core.feedback import Feedback, ensure
from ..core.messages import Notice, clip
from ..core.indicators import INDICATORS, MAIN_INDICATORS, Comparator, Target
from .catalogue import layer_path

Key = tuple[str, int, str]

#: Unit spellings accepted in user files, mapped to the plans' unit of INDICATORS.
_UNIT_SYNONYMS = {"万立方米": "万m³", "万m3": "万m³", "10^4 m3": "万m³", "％": "%", "ha": "公顷",
                  "hm2": "公顷", "10^4 ha": "万公顷"}
#: Comparator spellings accepted in user files (the plans' own words included).
_COMPARATORS = {"ge": "ge", ">=": "ge", "≥": "ge", "以上": "ge", "不低于": "ge", "approx": "approx",
                "左右": "approx", "reach": "reach", "达到": "reach", "stable": "stable", "稳定在": "stable"}
_TRUE = {"true", "yes", "1", "y", "是", "x"}
_FIELDS = {"city", "year", "indicator", "value", "unit", "comparator", "basis", "quote", "seed", "line",
           "also_at", "note", "absent", "reason", "document"}
_ORDER = {k: i for i, k in enumerate(INDICATORS)}


@dataclass(frozen=True)
class Jurisdiction:
    """A city (or New Area, or county) whose plan the targets come from."""

    name: str
    short: str = ""
    seed: str = ""
    document: str = ""  # its number (文号), e.g. 株政发〔2023〕9号; "" where the plan prints none
    plan_years: tuple[int, ...] = ()
    inherits: str | None = None  # whose targets apply where it has none of its own
    inherits_note: str = ""
    title: str = ""  # e.g. 株洲市碳达峰实施方案
    issuer: str = ""
    date: str = ""  # ISO date of issue, where the plan prints one
    found_at: tuple[tuple[str, int], ...] = ()  # (field, seed line) where each was transcribed from

    @property
    def citation(self) -> str:
        """How the plan is cited to users: 文号《title》, or 《title》（issuer date） without a 文号."""
        title = f"《{self.title}》" if self.title else ""
        if self.document:
            return f"{self.document}{title}"
        extra = " ".join(x for x in (self.issuer, self.date) if x)
        return title + (f"（{extra}）" if title and extra else extra)


@dataclass(frozen=True)
class TargetDetails:
    """Provenance beyond :class:`Target`: other places the plan states it, and the transcriber's note."""

    note: str = ""
    also_at: tuple[tuple[int, str], ...] = ()  # (line, quote)


@dataclass(frozen=True)
class AbsentRecord:
    city: str
    year: int
    indicator: str
    reason: str
    source: str = "bundled"


def default_user_file() -> Path | None:
    """``$SINKMAP_TARGETS`` if set, else ``~/.config/sinkmap/targets.yaml`` if it exists, else None."""
    env = os.environ.get("SINKMAP_TARGETS")
    if env:
        return Path(env).expanduser()
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    path = base / "sinkmap" / "targets.yaml"
    return path if path.is_file() else None


def load_targets(user_files: Iterable[str | os.PathLike] = (), *, include_default_user_file: bool = True,
                 bundled: str | os.PathLike | None = None, feedback: Feedback | None = None) -> "TargetSet":
    """The bundled targets, then the default user file, then ``user_files`` in order (later ones win).

    Raises :class:`TargetError` naming the file, the record number and the field of a bad record.
    Overrides and new jurisdictions are reported through ``feedback.warn``.
    """
    feedback = ensure(feedback)
    ts = TargetSet()
    ts._apply(Path(bundled) if bundled else layer_path("targets.yaml"), bundled=True, feedback=feedback)
    files = [Path(p) for p in user_files]
    if include_default_user_file:
        default = default_user_file()
        if default is not None:
            files.insert(0, default)
    for path in files:
        ts._apply(path, bundled=False, feedback=feedback)
    return ts


class TargetSet:
    """All known targets and absent records, looked up by city (any accepted spelling), year, indicator."""

    def __init__(self) -> None:
        self._targets: dict[Key, Target] = {}
        self._details: dict[Key, TargetDetails] = {}
        self._absent: dict[Key, AbsentRecord] = {}
        self._juris: dict[str, Jurisdiction] = {}
        self._alias: dict[str, str] = {}
        self._memo: dict[tuple, list] = {}  # for_city / absent / years answers (a ledger asks once per unit)

    def _memoised(self, key: tuple, compute) -> list:
        """A copy of ``compute()``, computed once until the set changes (:meth:`_apply`)."""
        got = self._memo.get(key)
        if got is None:
            got = self._memo[key] = compute()
        return list(got)

    # -- names ----------------------------------------------------------------------------------
    def resolve(self, city: str) -> str:
        """The canonical name of a city as written in the targets (长沙 → 长沙市); unknown names unchanged."""
        name = str(city).strip()
        return self._alias.get(name) or self._alias.get(name + "市") or name

    def jurisdiction(self, city: str) -> Jurisdiction | None:
        return self._juris.get(self.resolve(city))

    def _chain(self, city: str) -> list[str]:
        """The city, then whoever it inherits from (cycle-safe)."""
        chain = [self.resolve(city)]
        while (j := self._juris.get(chain[-1])) and j.inherits and self.resolve(j.inherits) not in chain:
            chain.append(self.resolve(j.inherits))
        return chain

    # -- lookups --------------------------------------------------------------------------------
    def get(self, city: str, year: int, indicator: str) -> Target | None:
        """The target for exactly this year, its own or inherited; None if the plan sets none."""
        for name in self._chain(city):
            if (t := self._targets.get((name, int(year), indicator))) is not None:
                return t
            if (name, int(year), indicator) in self._absent and name != self.resolve(city):
                return None  # the parent says absent: do not look further up
        return None

    def nearest(self, city: str, year: int, indicator: str) -> Target | None:
        """The target of the first plan year >= ``year`` (for 'next target: 2030'), or None."""
        years = sorted(y for y in self.years(city) if y >= int(year))
        for y in years:
            if (t := self.get(city, y, indicator)) is not None:
                return t
        return None

    def for_city(self, city: str, year: int | None = None) -> list[Target]:
        """Targets that apply to ``city`` (own first, then inherited), sorted by year and indicator."""
        return self._memoised(("for_city", city, None if year is None else int(year)),
                              lambda: self._for_city(city, year))

    def _for_city(self, city: str, year: int | None) -> list[Target]:
        found: dict[tuple[int, str], Target] = {}
        for name in self._chain(city):
            for (c, y, ind), t in self._targets.items():
                if c == name and (year is None or y == int(year)):
                    found.setdefault((y, ind), t)
        return [found[k] for k in sorted(found, key=lambda k: (k[0], _ORDER.get(k[1], 99), k[1]))]

    def absent(self, city: str, year: int) -> list[tuple[str, str]]:
        """(indicator, reason) for each main indicator without a target this year, plus other indicators
        explicitly marked absent. Never empty-handed: a year the plan does not use says so."""
        return self._memoised(("absent", city, int(year)), lambda: self._absent_of(city, year))

    def _absent_of(self, city: str, year: int) -> list[tuple[str, str]]:
        chain = self._chain(city)
        out: list[tuple[str, str]] = []
        marked = [ind for (c, y, ind) in self._absent if c in chain and y == int(year)]
        for ind in list(MAIN_INDICATORS) + sorted(set(marked) - set(MAIN_INDICATORS)):
            if self.get(city, year, ind) is not None:
                continue
            out.append((ind, self._absent_reason(chain, int(year), ind)))
        return out

    def _absent_reason(self, chain: list[str], year: int, indicator: str) -> str:
        for name in reversed(chain):  # the city whose targets apply speaks first
            if (rec := self._absent.get((name, year, indicator))) is not None:
                return rec.reason if name == chain[0] else f"{name}: {rec.reason}"
        years = self.years(chain[0])
        if not years:
            return f"no targets are recorded for {chain[0]}"
        if year not in years:
            listed = ", ".join(map(str, years)) or "none"
            return f"{chain[0]}'s plan sets no targets for {year} (plan years: {listed})"
        return f"no {INDICATORS[indicator].name_zh if indicator in INDICATORS else indicator} target recorded"

    def details(self, city: str, year: int, indicator: str) -> TargetDetails:
        t = self.get(city, year, indicator)
        return self._details.get((t.city, t.year, t.indicator), TargetDetails()) if t else TargetDetails()

    def cities(self) -> list[str]:
        """Every jurisdiction with targets, absent records or an inheritance, in file order."""
        names = list(self._juris)
        for c, _, _ in list(self._targets) + list(self._absent):
            if c not in names:
                names.append(c)
        return names

    def years(self, city: str) -> list[int]:
        """Plan years of the city and of whoever it inherits from."""
        return self._memoised(("years", city), lambda: self._years(city))

    def _years(self, city: str) -> list[int]:
        years: set[int] = set()
        for name in self._chain(city):
            if (j := self._juris.get(name)) is not None:
                years.update(j.plan_years)
            years.update(y for (c, y, _) in list(self._targets) + list(self._absent) if c == name)
        return sorted(years)

    def all(self) -> list[Target]:
        return sorted(self._targets.values(), key=lambda t: (t.city, t.year, _ORDER.get(t.indicator, 99)))

    def absent_records(self) -> list[AbsentRecord]:
        return list(self._absent.values())

    # -- loading --------------------------------------------------------------------------------
    def _add_jurisdiction(self, j: Jurisdiction) -> None:
        self._memo.clear()
        self._juris[j.name] = j
        for name in (j.name, j.short):
            if name:
                self._alias[name] = j.name

    def _apply(self, path: Path, *, bundled: bool, feedback: Feedback) -> None:
        try:
            self._apply_file(path, bundled=bundled, feedback=feedback)
        finally:
            self._memo.clear()

    def _apply_file(self, path: Path, *, bundled: bool, feedback: Feedback) -> None:
        source = "bundled" if bundled else str(path)
        doc = _read(path)
        if doc.get("ignored"):
            feedback.warn(Notice("io.targets.columns_ignored", path=str(path), columns=", ".join(doc["ignored"])))
        for n, rec in enumerate(doc.get("jurisdictions") or [], 1):
            self._add_jurisdiction(_jurisdiction(rec, path, n))
        seen: dict[Key, Notice] = {}
        for where, section, rec in doc["records"]:
            key, target, details, absent = _record(rec, path, where, section, self.resolve, source)
            if key in seen:
                raise TargetError(code="io.targets.duplicate", path=path, field="indicator", where=where, city=key[0],
                                  year=key[1], indicator=key[2], other=seen[key])
            seen[key] = where
            if not bundled:
                self._report(key, path, where, feedback)
            if absent is not None:
                self._targets.pop(key, None)
                self._details.pop(key, None)
                self._absent[key] = absent
            else:
                self._absent.pop(key, None)
                self._targets[key] = self._cited(target)
                self._details[key] = details

    def _cited(self, target: Target) -> Target:
        """The target with the document it is cited by: its own, else its jurisdiction's plan when the
        quote comes from that plan's text (same seed)."""
        from dataclasses import replace

        if target.document:
            return target
        j = self._juris.get(target.city)
        if j is not None and j.citation and target.seed and target.seed == j.seed:
            return replace(target, document=j.citation)
        return target

    def _report(self, key: Key, path: Path, where: Notice, feedback: Feedback) -> None:
        if key[0] not in self._juris and not any(c == key[0] for c, _, _ in self._targets):
            feedback.warn(Notice("io.targets.new_jurisdiction", path=str(path), where=where, city=key[0],
                                 cities=", ".join(self._juris)))
        if (old := self._targets.get(key)) is not None:
            feedback.warn(Notice("io.targets.override", path=str(path), where=where, city=key[0], year=key[1],
                                 indicator=INDICATORS[key[2]].name_zh, value=old.value,
                                 comparator=old.comparator.value, source=old.source))


# ---------------------------------------------------------------------------------------------------
# reading and validating files
# ---------------------------------------------------------------------------------------------------

def _read(path: Path) -> dict[str, Any]:
    """{'jurisdictions': [...], 'records': [(where, section, mapping), ...]} from YAML or CSV."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise TargetError(code="io.targets.not_found", path=path) from None
    except OSError as exc:
        raise TargetError(code="io.targets.unreadable", path=path, detail=clip(exc.strerror or exc)) from None
    text = _decode(raw, path)
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(_io.StringIO(text))
        columns = {c.strip() for c in reader.fieldnames or []}
        for col in ("city", "year", "indicator"):
            if col not in columns:
                raise TargetError(code="io.targets.csv_no_column", path=path, field=col, column=col)
        records = [(Notice("io.targets.where_csv_record", n=i, line=reader.line_num), "targets",
                    {k.strip(): v for k, v in r.items() if k and k.strip() in _FIELDS})
                   for i, r in enumerate(reader, 1)]
        return {"jurisdictions": [], "records": records, "ignored": sorted(columns - _FIELDS)}
    try:
        doc = yamlcache.load(text)
    except yamlio.YAMLError as exc:
        raise TargetError(code="io.targets.bad_yaml", path=path, detail=clip(exc)) from None
    if not isinstance(doc, dict) or not ({"targets", "absent", "jurisdictions"} & set(doc)):
        raise TargetError(code="io.targets.no_lists", path=path)
    records = []
    for section in ("targets", "absent"):
        items = doc.get(section) or []
        if not isinstance(items, list):
            raise TargetError(code="io.targets.not_a_list", path=path, field=section, section=section)
        for i, r in enumerate(items, 1):
            extra = sorted(map(str, set(r) - _FIELDS)) if isinstance(r, Mapping) else []
            where = Notice("io.targets.where_record", section=section, n=i)
            if extra:  # a typo, or a flow mapping split by an unquoted ', '
                raise TargetError(code="io.targets.unknown_field", path=path, field=extra[0], where=where,
                                  name=extra[0], fields=", ".join(sorted(_FIELDS)))
            records.append((where, section, r))
    return {"jurisdictions": doc.get("jurisdictions") or [], "records": records}


def _decode(raw: bytes, path: Path) -> str:
    for enc in ("utf-8-sig", "gb18030"):  # CSVs saved by Excel in Chinese offices are often GBK
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise TargetError(code="io.targets.bad_encoding", path=path)


def _jurisdiction(rec: Any, path: Path, n: int) -> Jurisdiction:
    if not isinstance(rec, Mapping) or not rec.get("name"):
        raise TargetError(code="io.targets.jurisdiction_no_name", path=path, field="name", n=n)
    try:
        years = tuple(int(y) for y in rec.get("plan_years") or ())
    except (TypeError, ValueError):
        raise TargetError(code="io.targets.jurisdiction_bad_years", path=path, field="plan_years", n=n) from None
    found = rec.get("found_at") or {}
    try:
        found_at = tuple((str(k), int(v)) for k, v in found.items()) if isinstance(found, Mapping) else ()
    except (TypeError, ValueError):
        found_at = ()
    return Jurisdiction(name=str(rec["name"]).strip(), short=str(rec.get("short") or ""),
                        seed=str(rec.get("seed") or ""), document=str(rec.get("document") or "").strip(),
                        plan_years=years, inherits=rec.get("inherits") or None,
                        inherits_note=" ".join(str(rec.get("inherits_note") or "").split()),
                        title=str(rec.get("title") or "").strip(), issuer=str(rec.get("issuer") or "").strip(),
                        date=str(rec.get("date") or "").strip(), found_at=found_at)


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _record(rec: Any, path: Path, where: Notice, section: str, resolve, source: str):
    """Validate one record: (key, Target|None, TargetDetails|None, AbsentRecord|None)."""
    def fail(field: str, code: str, **params: Any) -> TargetError:
        return TargetError(code=code, path=path, field=field, where=where, **params)

    if not isinstance(rec, Mapping):
        raise fail("record", "io.targets.not_mapping")
    for field in ("city", "year", "indicator"):
        if _blank(rec.get(field)):
            raise fail(field, "io.targets.missing_field", name=field)
    city = resolve(str(rec["city"]))
    try:
        year = int(str(rec["year"]).strip())
    except ValueError:
        raise fail("year", "io.targets.year_not_int", value=rec["year"]) from None
    if not 1990 <= year <= 2100:
        raise fail("year", "io.targets.year_range", value=year)
    indicator = str(rec["indicator"]).strip()
    by_zh = {i.name_zh: k for k, i in INDICATORS.items()}
    indicator = by_zh.get(indicator, indicator)
    if indicator not in INDICATORS:
        raise fail("indicator", "io.targets.unknown_indicator", value=rec["indicator"],
                   indicators=", ".join(INDICATORS))
    key = (city, year, indicator)
    absent_flag = section == "absent" or str(rec.get("absent") or "").strip().lower() in _TRUE
    if absent_flag:
        reason = " ".join(str(rec.get("reason") or "").split()) or f"marked absent in {path}"
        return key, None, None, AbsentRecord(city, year, indicator, reason, source)

    ind = INDICATORS[indicator]
    if _blank(rec.get("value")):
        raise fail("value", "io.targets.value_missing")
    try:
        value = float(str(rec["value"]).replace(",", "").strip())
    except ValueError:
        raise fail("value", "io.targets.value_not_number", value=rec["value"]) from None
    if not math.isfinite(value) or value < 0:
        raise fail("value", "io.targets.value_range", value=value)
    unit = str(rec.get("unit") or ind.unit).strip()
    if _UNIT_SYNONYMS.get(unit, unit) != ind.unit:
        raise fail("unit", "io.targets.bad_unit", unit=unit, indicator=ind.name_zh, expected=ind.unit)
    comp = _COMPARATORS.get(str(rec.get("comparator") or "").strip().lower())
    if comp is None:
        raise fail("comparator", "io.targets.bad_comparator", value=rec.get("comparator"))
    try:
        line = int(str(rec.get("line") or 0).strip())
    except ValueError:
        raise fail("line", "io.targets.line_not_int", value=rec.get("line")) from None
    target = Target(city=city, year=year, indicator=indicator, value=value, unit=ind.unit,
                    comparator=Comparator(comp), basis=str(rec.get("basis") or ind.name_zh).strip(),
                    quote=str(rec.get("quote") or "").strip(), seed=str(rec.get("seed") or "").strip(),
                    line=line, source=source, document=" ".join(str(rec.get("document") or "").split()))
    also = rec.get("also_at") or []
    try:
        also_at = tuple((int(a["line"]), str(a["quote"])) for a in also) if isinstance(also, list) else ()
    except (KeyError, TypeError, ValueError):
        raise fail("also_at", "io.targets.bad_also_at") from None
    details = TargetDetails(note=" ".join(str(rec.get("note") or "").split()), also_at=also_at)
    return key, target, details, None


# ---------------------------------------------------------------------------------------------------
# display
# ---------------------------------------------------------------------------------------------------

_UNIT_EN = {"%": "%", "万m³": "×10⁴ m³", "万公顷": "×10⁴ ha", "公顷": "ha", "处": "sites"}


def _num(v: float) -> str:
    return f"{v:,.6g}" if abs(v) >= 1e5 else f"{v:.6g}"


def unit_label(unit: str, lang: str = "zh") -> str:
    """A plan unit as displays write it in ``lang`` ('万m³' is '×10⁴ m³' in English), as in format_target."""
    return _UNIT_EN.get(unit, unit) if lang == "en" else unit


def _with_unit(v: float, unit: str, lang: str) -> str:
    u = unit_label(unit, lang)
    return f"{_num(v)}{u}" if unit == "%" else f"{_num(v)} {u}"


def format_target(t: Target, lang: str = "zh") -> str:
    """One line for lists and map labels, e.g. '森林覆盖率（林木绿化率） 2025 稳定在 55% 左右'.

    The comparator is shown in the plans' terms: ge 不低于, approx 左右, reach 达到, stable 稳定在.
    """
    v = _with_unit(t.value, t.unit, lang)
    ind = INDICATORS.get(t.indicator)
    if lang == "en":
        name = ind.name_en if ind else t.indicator
        if ind and t.basis and t.basis != ind.name_zh:
            name += f" ({t.basis})"
        phrase = {"ge": f"≥ {v}", "approx": f"about {v} (左右)", "reach": f"reach {v}",
                  "stable": f"hold at {v}"}[t.comparator.value]
        return f"{name} {t.year}: {phrase}"
    name = t.basis or (ind.name_zh if ind else t.indicator)
    approx = f"稳定在 {v} 左右" if t.unit == "%" else f"{v} 左右"
    phrase = {"ge": f"不低于 {v}", "approx": approx, "reach": f"达到 {v}",
              "stable": f"稳定在 {v}"}[t.comparator.value]
    return f"{name} {t.year} {phrase}"


# ---------------------------------------------------------------------------------------------------
# the plan cities and years of the bundled file (for pickers, the demo world, defaults)
# ---------------------------------------------------------------------------------------------------

@lru_cache(maxsize=4)
def _bundled_set(path: str) -> "TargetSet":
    """The bundled targets alone, read once per path (private: callers must not change it)."""
    ts = TargetSet()
    ts._apply(Path(path), bundled=True, feedback=ensure(None))
    return ts


def _bundled() -> "TargetSet":
    return _bundled_set(str(layer_path("targets.yaml")))


def plan_cities() -> tuple[str, ...]:
    """The cities of the bundled targets file that have targets of their own, in file order.

    (湖南湘江新区 inherits 长沙市's targets and has none of its own, so it is not one.) Read once and
    cached; user target files are not consulted.
    """
    ts = _bundled()
    own = {t.city for t in ts.all()}
    return tuple(c for c in ts.cities() if c in own)


def plan_years(city: str | None = None) -> tuple[int, ...]:
    """The plan (target) years of ``city`` in the bundled targets file — its ``plan_years`` and every year
    it (or whoever it inherits from) has a target or an absent record for — or, without a city, those of
    all :func:`plan_cities` together; ascending. Short names work (长沙); an unknown city gives ``()``.
    Cached like :func:`plan_cities`.
    """
    ts = _bundled()
    if city is None:
        return tuple(sorted({y for c in plan_cities() for y in ts.years(c)}))
    name = ts.resolve(city)
    return tuple(ts.years(name)) if name in ts.cities() else ()


__all__ = ["AbsentRecord", "Jurisdiction", "TargetDetails", "TargetSet", "default_user_file",
           "format_target", "load_targets", "plan_cities", "plan_years", "unit_label"]
