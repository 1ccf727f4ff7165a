"""Siting rules as data: the bundled ``layers/siting_rules.yaml``, then the user's copies.

Order: the bundled file, ``~/.config/sinkmap/siting_rules.yaml`` (``$XDG_CONFIG_HOME`` honoured) when it
exists, then each ``--rules FILE``. A later file replaces a rule of the same id, adds new ones, or
switches one off (``{id: X, enabled: false}``). Every field is checked; a bad one raises an
:class:`~sinkmap.core.errors.InputError` naming the file, the rule id and the field.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ...core import yamlio
from ...core.errors import InputError

TECHS = ("pv", "wind", "phes")
EFFECTS = ("exclude", "limit", "prefer", "include")
#: Layer roles a rule may name; ``landcover`` is a raster of 三调 codes, the others are vector layers.
VECTOR_ROLES = ("farmland", "redline", "protected", "forest", "wetland", "grassland", "mines", "water")
RASTER_ROLES = ("landcover",)
ROLES = VECTOR_ROLES + RASTER_ROLES
RULE_KEYS = ("id", "tech", "layer", "where", "effect", "weight", "buffer_m", "citation", "verified", "enabled",
             "note")
WHERE_KEYS = ("field", "values", "not_values", "min", "max")
CITATION_KEYS = ("document", "clause_zh", "source")
#: Bits a bitmask can hold: the GeoTIFF stores it as float64 (exact integers up to 2**53), one bit kept
#: for the minimum-area filter.
MAX_RULES = 52


def norm_code(value: Any) -> str:
    """A code as compared: text, stripped; digit runs without leading zeros ("0111" = "111" = 111)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text.isdigit():
        return text.lstrip("0") or "0"
    return text


@dataclass(frozen=True)
class Condition:
    """One test on a layer: a field's value in ``values``, not in ``not_values``, or within [min, max]."""

    field: str | None = None
    values: tuple[str, ...] | None = None
    not_values: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in
                (("field", self.field), ("values", self.values), ("not_values", self.not_values),
                 ("min", self.min), ("max", self.max)) if v is not None}


@dataclass(frozen=True)
class Rule:
    id: str
    tech: tuple[str, ...]
    layer: str
    effect: str
    where: tuple[Condition, ...] = ()
    weight: float | None = None
    buffer_m: float | None = None
    citation: dict[str, str] = field(default_factory=dict)
    verified: bool = False
    note: str | None = None
    file: str = ""

    @property
    def document(self) -> str:
        return self.citation.get("document", "")

    @property
    def clause(self) -> str:
        return self.citation.get("clause_zh", "")

    def applies_to(self, tech: str) -> bool:
        return tech in self.tech

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "tech": list(self.tech), "layer": self.layer, "effect": self.effect,
                               "where": [c.to_json() for c in self.where], "citation": dict(self.citation),
                               "verified": self.verified}
        if self.weight is not None:
            out["weight"] = self.weight
        if self.buffer_m:
            out["buffer_m"] = self.buffer_m
        return out


def bundled_file() -> Path:
    from ...io.catalogue import layer_path

    return layer_path("siting_rules.yaml")


def default_user_file() -> Path | None:
    """``~/.config/sinkmap/siting_rules.yaml`` (``$XDG_CONFIG_HOME`` honoured) if it exists."""
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    path = base / "sinkmap" / "siting_rules.yaml"
    return path if path.is_file() else None


def load_rules(files: Iterable[str | os.PathLike] = (), *, include_user_file: bool = True,
               bundled: str | os.PathLike | None = None) -> list[Rule]:
    """Every enabled rule: the bundled file (``bundled=False``-like: pass a path to replace it), the user
    file, then ``files`` in order, each overriding or extending the earlier ones by id."""
    chain = [Path(bundled) if bundled else bundled_file()]
    if include_user_file and (user := default_user_file()) is not None:
        chain.append(user)
    chain += [Path(f) for f in files]
    rules: dict[str, Rule | None] = {}
    for path in chain:
        for rule_id, rule in read_rules_file(path):
            rules[rule_id] = rule
    return [r for r in rules.values() if r is not None]


def rules_for(rules: Iterable[Rule], tech: str) -> list[Rule]:
    """The rules of ``tech``, in file order; more than :data:`MAX_RULES` is refused."""
    out = [r for r in rules if r.applies_to(tech)]
    if not out:
        raise InputError(code="analysis.siting.rules.none", tech=tech)
    if len(out) > MAX_RULES:
        raise InputError(code="analysis.siting.rules.too_many", tech=tech, n=len(out), limit=MAX_RULES)
    return out


def read_rules_file(path: Path) -> list[tuple[str, Rule | None]]:
    """(id, rule) pairs of one file, in order; rule None: ``enabled: false`` (switches the id off)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(code="analysis.siting.rules.unreadable", path=path,
                         detail=getattr(exc, "strerror", None) or str(exc)) from None
    try:
        data = yamlio.safe_load(text)  # libyaml when PyYAML has it: the same documents, ~10× faster
    except yaml.YAMLError as exc:
        raise InputError(code="analysis.siting.rules.bad_yaml", path=path, detail=str(exc)[:300]) from None
    items = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise InputError(code="analysis.siting.rules.no_list", path=path)
    out: list[tuple[str, Rule | None]] = []
    seen: set[str] = set()
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise InputError(code="analysis.siting.rules.not_mapping", path=path, number=number)
        rule_id = _rule_id(item, path, number)
        if rule_id in seen:
            raise InputError(code="analysis.siting.rules.duplicate", path=path, rule=rule_id)
        seen.add(rule_id)
        if item.get("enabled", True) is False:
            out.append((rule_id, None))
            continue
        out.append((rule_id, parse_rule(item, path, rule_id)))
    return out


def _rule_id(item: dict, path: Path, number: int) -> str:
    rule_id = item.get("id")
    label = f"#{number}"
    if rule_id is None:
        raise InputError(code="analysis.siting.rules.missing", path=path, rule=label, key="id",
                         expected="a short, stable id such as pv_jbnt")
    if not isinstance(rule_id, str) or not rule_id.strip() or len(rule_id) > 40 or any(
            not (c.isalnum() or c in "_-.") for c in rule_id):
        raise _bad(path, label, "id", rule_id, "letters, digits, _ - . (at most 40)")
    return rule_id.strip()


def _bad(path: Path, rule: str, key: str, value: Any, expected: str) -> InputError:
    return InputError(code="analysis.siting.rules.bad_value", path=path, rule=rule, key=key,
                      value=repr(value)[:80], expected=expected)


def parse_rule(item: dict, path: Path, rule_id: str) -> Rule:
    unknown = [k for k in item if k not in RULE_KEYS]
    if unknown:
        raise InputError(code="analysis.siting.rules.unknown_key", path=path, rule=rule_id, key=unknown[0],
                         known=", ".join(RULE_KEYS))
    for key in ("tech", "layer", "effect", "citation"):
        if item.get(key) is None:
            raise InputError(code="analysis.siting.rules.missing", path=path, rule=rule_id, key=key,
                             expected=_EXPECTED[key])
    tech = item["tech"]
    techs = tech if isinstance(tech, list) else [tech]
    if not techs or any(t not in TECHS + ("all",) for t in techs):
        raise _bad(path, rule_id, "tech", tech, _EXPECTED["tech"])
    techs_t = TECHS if "all" in techs else tuple(dict.fromkeys(techs))
    layer = item["layer"]
    if layer not in ROLES:
        raise _bad(path, rule_id, "layer", layer, _EXPECTED["layer"])
    effect = item["effect"]
    if effect not in EFFECTS:
        raise _bad(path, rule_id, "effect", effect, _EXPECTED["effect"])
    weight = item.get("weight")
    if effect in ("limit", "prefer"):
        if weight is None:
            raise InputError(code="analysis.siting.rules.missing", path=path, rule=rule_id, key="weight",
                             expected=_EXPECTED["weight"])
        weight = _number(path, rule_id, "weight", weight, 0.0, 1.0)
    elif weight is not None:
        raise _bad(path, rule_id, "weight", weight, "nothing: only limit and prefer rules take a weight")
    buffer_m = item.get("buffer_m")
    if buffer_m is not None:
        buffer_m = _number(path, rule_id, "buffer_m", buffer_m, 0.0, 100_000.0)
        if layer in RASTER_ROLES:
            raise _bad(path, rule_id, "buffer_m", buffer_m, "nothing on a raster layer (landcover)")
    where = _where(item.get("where"), path, rule_id, layer)
    citation = item["citation"]
    if not isinstance(citation, dict):
        raise _bad(path, rule_id, "citation", citation, _EXPECTED["citation"])
    extra = [k for k in citation if k not in CITATION_KEYS]
    if extra:
        raise InputError(code="analysis.siting.rules.unknown_key", path=path, rule=rule_id,
                         key="citation." + str(extra[0]), known=", ".join(CITATION_KEYS))
    for key in CITATION_KEYS:
        value = citation.get(key)
        if value is None:
            raise InputError(code="analysis.siting.rules.missing", path=path, rule=rule_id, key="citation." + key,
                             expected=_EXPECTED["citation"])
        if not isinstance(value, str) or not value.strip():
            raise _bad(path, rule_id, "citation." + key, value, "text")
    verified = item.get("verified", False)
    if not isinstance(verified, bool):
        raise _bad(path, rule_id, "verified", verified, "true or false")
    note = item.get("note")
    if note is not None and not isinstance(note, str):
        raise _bad(path, rule_id, "note", note, "text")
    return Rule(id=rule_id, tech=techs_t, layer=layer, effect=effect, where=where, weight=weight,
                buffer_m=buffer_m, citation={k: citation[k].strip() for k in CITATION_KEYS}, verified=verified,
                note=note, file=str(path))


_EXPECTED = {
    "tech": "pv, wind, phes, all or a list of them",
    "layer": "one of " + ", ".join(ROLES),
    "effect": "one of " + ", ".join(EFFECTS),
    "weight": "a number from 0 to 1 (limit and prefer rules)",
    "citation": "{document: …, clause_zh: …, source: …}",
}


def _number(path: Path, rule_id: str, key: str, value: Any, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not lo <= value <= hi:
        raise _bad(path, rule_id, key, value, f"a number from {lo:g} to {hi:g}")
    return float(value)


def _codes(path: Path, rule_id: str, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or any(
            isinstance(v, (bool, dict, list)) or v is None for v in value):
        raise _bad(path, rule_id, key, value, "a non-empty list of values")
    return tuple(norm_code(v) for v in value)


def _where(raw: Any, path: Path, rule_id: str, layer: str) -> tuple[Condition, ...]:
    if raw is None:
        return ()
    items = raw if isinstance(raw, list) else [raw]
    out = []
    for cond in items:
        if not isinstance(cond, dict) or not cond:
            raise _bad(path, rule_id, "where", cond, "{field: F, values: [...]} or {field: F, min: a, max: b}")
        extra = [k for k in cond if k not in WHERE_KEYS]
        if extra:
            raise InputError(code="analysis.siting.rules.unknown_key", path=path, rule=rule_id,
                             key="where." + str(extra[0]), known=", ".join(WHERE_KEYS))
        fld = cond.get("field")
        values = _codes(path, rule_id, "where.values", cond["values"]) if "values" in cond else None
        not_values = _codes(path, rule_id, "where.not_values", cond["not_values"]) if "not_values" in cond else None
        lo = _number(path, rule_id, "where.min", cond["min"], -1e300, 1e300) if "min" in cond else None
        hi = _number(path, rule_id, "where.max", cond["max"], -1e300, 1e300) if "max" in cond else None
        if layer in RASTER_ROLES:
            if fld is not None or not_values is not None or lo is not None or hi is not None or values is None:
                raise _bad(path, rule_id, "where", cond, "{values: [codes]} on the landcover raster")
        else:
            if not isinstance(fld, str) or not fld.strip():
                raise InputError(code="analysis.siting.rules.missing", path=path, rule=rule_id, key="where.field",
                                 expected="the attribute the condition tests")
            if sum(x is not None for x in (values, not_values)) + (lo is not None or hi is not None) != 1:
                raise _bad(path, rule_id, "where", cond, "exactly one of values, not_values, or min/max")
            if lo is not None and hi is not None and lo > hi:
                raise _bad(path, rule_id, "where.min", lo, f"at most max ({hi:g})")
        out.append(Condition(field=fld.strip() if isinstance(fld, str) else None, values=values,
                             not_values=not_values, min=lo, max=hi))
    return tuple(out)


__all__ = ["Condition", "EFFECTS", "MAX_RULES", "ROLES", "Rule", "TECHS", "load_rules", "norm_code",
           "read_rules_file", "rules_for"]
