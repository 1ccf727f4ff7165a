"""Resolving what a user types (长沙, 岳麓区, 430104, 湘江新区, 长沙市岳麓区) to one administrative unit.

Pure logic over a list of :class:`UnitRef`; :mod:`sinkmap.io.boundaries` builds the index for Hunan.
Rules:

* full names and adcodes match exactly (after Unicode NFKC normalisation and trimming);
* a short name drops the suffix (市, 县, 区, 省, 自治州, 自治县 and the ethnic names before them) when
  at least two characters remain — 攸县, 南县, 道县, 澧县 keep theirs;
* a short name shared by units of different levels means the broadest: 长沙 is 长沙市, not 长沙县
  (Chinese usage: the county is always written with 县);
* a name still shared by several units (same level, different parents, e.g. two 新华区 in Hebei) is
  ambiguous: the caller must give the parent (``within=`` or '长沙市岳麓区' / '长沙/岳麓');
* anything else is unknown, and the error suggests the nearest names.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Mapping

from ..core.errors import UnknownUnitError
from ..core.messages import Notice

_RANK = {"province": 0, "city": 1, "zone": 2, "county": 3}
_SUFFIXES = ("土家族苗族自治州", "苗族侗族自治县", "侗族自治县", "苗族自治县", "瑶族自治县",
             "土家族自治县", "自治州", "自治县", "地区", "市", "县", "区", "省")
_SEPARATORS = re.compile(r"[/\\|>·,，、\s]+")


@dataclass(frozen=True)
class UnitRef:
    """One unit: its name as in the plans, adcode ('zone:<id>' for zones), level, parent's name."""

    name: str
    adcode: str
    level: str  # 'province' | 'city' | 'county' | 'zone'
    parent: str | None

    def label(self) -> str:
        return f"{self.name} ({self.parent})" if self.level in ("county", "zone") and self.parent else self.name


class AmbiguousUnitError(UnknownUnitError):
    """A name that fits several units; ``candidates`` lists them."""

    def __init__(self, message: str | None = None, *, candidates: list[UnitRef] | None = None,
                 **kwargs: object) -> None:
        self.candidates = candidates or []
        super().__init__(message, **kwargs)

    def __reduce__(self):  # keeps the candidates across processes
        rebuild, args = super().__reduce__()
        return _rebuild_ambiguous, (rebuild, args, self.candidates)


def _rebuild_ambiguous(rebuild, args, candidates):
    err = rebuild(*args)
    err.candidates = candidates
    return err


def normalize(text: str) -> str:
    """NFKC (full-width brackets and digits to ASCII) without surrounding or inner blanks."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)))


def short_name(name: str) -> str | None:
    """The common short form of a unit name (长沙市 -> 长沙, 城步苗族自治县 -> 城步), or None."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None


def _overlap(a: str, b: str) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


class UnitIndex:
    """Name -> unit lookup over a set of units (see the module docstring for the rules)."""

    def __init__(self, units: Iterable[UnitRef], aliases: Mapping[str, Iterable[str]] | None = None) -> None:
        self.units = list(units)
        self._by_code = {u.adcode: u for u in self.units}
        self._by_name: dict[str, list[UnitRef]] = defaultdict(list)
        for u in self.units:
            self._by_name[normalize(u.name)].append(u)
        shorts: dict[str, list[UnitRef]] = defaultdict(list)
        for u in self.units:
            forms = {short_name(u.name)} | {normalize(a) for a in (aliases or {}).get(u.adcode, ())}
            for form in forms - {None, normalize(u.name)}:
                shorts[normalize(form)].append(u)
        self._by_short: dict[str, list[UnitRef]] = {}
        for form, found in shorts.items():
            if form in self._by_name:  # a full name always wins over someone's short form
                continue
            top = min(_RANK.get(u.level, 9) for u in found)
            self._by_short[form] = [u for u in found if _RANK.get(u.level, 9) == top]

    # -- lookup -----------------------------------------------------------------------------------
    def _candidates(self, text: str) -> list[UnitRef]:
        if text in self._by_code:
            return [self._by_code[text]]
        return list(self._by_name.get(text) or self._by_short.get(text) or [])

    def _in(self, found: list[UnitRef], parent: UnitRef) -> list[UnitRef]:
        if parent.level == "province":
            return [u for u in found if u.level != "province"]
        return [u for u in found if u.parent == parent.name]

    def _split_qualified(self, text: str) -> tuple[UnitRef, str] | None:
        """'长沙市岳麓区' / '长沙/岳麓' -> (长沙市, '岳麓区') when the prefix is a city or province."""
        parts = [p for p in _SEPARATORS.split(text) if p]
        if len(parts) == 2:
            outer = self._candidates(parts[0])
            if len(outer) == 1:
                return outer[0], parts[1]
        for prefix in sorted(list(self._by_name) + list(self._by_short), key=len, reverse=True):
            if text.startswith(prefix) and len(text) > len(prefix):
                outer = self._candidates(prefix)
                if len(outer) == 1 and outer[0].level in ("province", "city"):
                    return outer[0], text[len(prefix):]
        return None

    def _lookup(self, text: str, parent: UnitRef | None, depth: int = 0) -> list[UnitRef]:
        found = self._candidates(text)
        if not found and depth < 2:
            split = self._split_qualified(text)
            if split is not None:
                outer, rest = split
                broad = parent is None or parent.level == "province"
                if outer.level == "province":  # '湖南省长沙市…': the province adds nothing
                    return self._lookup(rest, parent, depth + 1)
                if broad or outer == parent:
                    return self._lookup(rest, outer, depth + 1)
        return self._in(found, parent) if parent is not None else found

    def resolve(self, name: str, within: str | None = None) -> UnitRef:
        """The unit meant by ``name`` (optionally inside the unit ``within``)."""
        text = normalize(name)
        if not text:
            raise UnknownUnitError(code="io.units.empty_name")
        parent = self.resolve(within) if within is not None else None
        found = self._lookup(text, parent)
        if len(found) == 1:
            return found[0]
        if found:
            labels = "、".join(u.label() for u in found)
            raise AmbiguousUnitError(code="io.units.ambiguous", candidates=found, name=name, labels=labels,
                                     first=found[0].name, parent=found[0].parent)
        where = Notice("io.units.in_parent", parent=parent.name) if parent is not None else ""
        close = self.suggestions(text)
        error = UnknownUnitError(code="io.units.unknown_close" if close else "io.units.unknown", name=name,
                                 where=where, suggestions="、".join(close))
        error.suggestions = close  # type: ignore[attr-defined]
        raise error

    def suggestions(self, text: str, n: int = 5, cutoff: float = 0.4) -> list[str]:
        """The labels of the units whose names look most like ``text`` (spelling and shared characters)."""
        text = normalize(text)
        scored: dict[UnitRef, float] = {}
        for form, found in list(self._by_name.items()) + list(self._by_short.items()):
            score = max(difflib.SequenceMatcher(None, text, form).ratio(), _overlap(text, form))
            for u in found:
                scored[u] = max(scored.get(u, 0.0), score)
        best = sorted((u for u, s in scored.items() if s >= cutoff),
                      key=lambda u: (-scored[u], _RANK.get(u.level, 9), u.adcode))
        return [u.label() for u in best[:n]]
