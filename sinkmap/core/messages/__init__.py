"""Structured messages: every warning and error a user can see is a code with parameters.

A :class:`Notice` (``Notice("io.vector.no_crs", path=..., layer=...)``) is data: it pickles across the
worker processes, goes into reports and JSON as ``{"code", "params", "message"}``, and is rendered in
the interface language only at the edge (the CLI, the GUI) by :func:`render` from the catalogue — one
``MESSAGES`` dict per area in this package (``common``, ``io``, ``analysis``, ``demo``, ``jobs``,
``app``). Each entry is an :class:`M`: the English and Chinese template (``str.format`` with named
parameters), and optionally a hint (what to do) in both languages. A test fails on a code used in the
source without a template, or a template missing a language or naming a parameter it is not given.

``str(notice)`` is the English text (logs, tests, tracebacks that never reach the user).
"""

from __future__ import annotations

import os
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

LANGS = ("zh_CN", "en")
_AREAS = ("common", "io", "analysis", "demo", "jobs", "app", "export")


@dataclass(frozen=True)
class M:
    """One catalogue entry: the message and an optional hint, each in English and Chinese."""

    en: str
    zh: str
    hint_en: str | None = None
    hint_zh: str | None = None

    def text(self, lang: str) -> str:
        return self.zh if is_chinese(lang) else self.en

    def hint(self, lang: str) -> str | None:
        return self.hint_zh if is_chinese(lang) else self.hint_en


@dataclass(frozen=True)
class Notice:
    """A message by code: ``Notice(code, **params)``; severity ``warning`` unless given.

    The params fill the template, which names what the message is about (``file {path}, layer {layer!r}:``).
    A param may itself be a Notice (an optional clause, a description): it renders in the same language.
    Equal notices compare equal, so a report lists each once.
    """

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)
    severity: str = "warning"

    def __init__(self, code: str, /, *, severity: str = "warning", **params: Any) -> None:
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "params", dict(params))
        object.__setattr__(self, "severity", severity)

    def __hash__(self) -> int:
        return hash((self.code, tuple(sorted((k, repr(v)) for k, v in self.params.items()))))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Notice) and (self.code, dict(self.params)) == (other.code, dict(other.params))

    def __reduce__(self):  # pickles through the worker-process queue
        return (_make_notice, (self.code, dict(self.params), self.severity))

    def render(self, lang: str | None = None, *, path_text: Callable[[str], str] | None = None) -> str:
        return render(self.code, self.params, lang, path_text=path_text)

    def __str__(self) -> str:
        return self.render("en")

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "params": _jsonable(self.params),
                "message": self.render("en"), "message_zh": self.render("zh_CN")}


def _make_notice(code: str, params: dict, severity: str) -> Notice:
    return Notice(code, severity=severity, **params)


def _jsonable(params: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in params.items():
        out[k] = v if isinstance(v, (str, int, float, bool)) or v is None else (
            [x if isinstance(x, (str, int, float, bool)) else str(x) for x in v] if isinstance(v, (list, tuple))
            else str(v))
    return out


# -- language -------------------------------------------------------------------------------------

_LANG: str | None = None


def is_chinese(lang: str | None) -> bool:
    return (lang or current_language()).lower().startswith("zh")


def normalise_language(lang: str | None) -> str | None:
    """``zh``/``zh_CN``/``zh_CN.UTF-8`` → ``zh_CN``; ``en*``/``C``/``POSIX`` → ``en``; else None."""
    if not lang:
        return None
    low = lang.strip().lower()
    if low.startswith("zh"):
        return "zh_CN"
    if low.startswith("en") or low in ("c", "posix") or low.startswith("c."):
        return "en"
    return None


def language_from_env(environ: Mapping[str, str] | None = None) -> str:
    """The interface language from ``SINKMAP_LANG``, then ``LC_ALL``/``LC_MESSAGES``/``LANG``; default zh_CN."""
    env = os.environ if environ is None else environ
    for key in ("SINKMAP_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        lang = normalise_language(env.get(key))
        if lang and not (key != "SINKMAP_LANG" and lang == "en" and env.get(key, "").upper().startswith(("C", "POSIX"))):
            return lang
    return "zh_CN"


def set_language(lang: str | None) -> None:
    """Set the language :func:`render` uses when none is given (the CLI's ``--lang``, the GUI's choice)."""
    global _LANG
    _LANG = normalise_language(lang)


def current_language() -> str:
    return _LANG or language_from_env()


# -- catalogue --------------------------------------------------------------------------------------

_CATALOGUE: dict[str, M] | None = None


def catalogue() -> dict[str, M]:
    """Every template, by code (loaded once, from the area modules of this package)."""
    global _CATALOGUE
    if _CATALOGUE is None:
        import importlib

        merged: dict[str, M] = {}
        for area in _AREAS:
            mod = importlib.import_module(f"{__name__}.{area}")
            for code, entry in mod.MESSAGES.items():
                if code in merged:
                    raise RuntimeError(f"message code {code!r} is defined twice")
                merged[code] = entry
        _CATALOGUE = merged
    return _CATALOGUE


class _Params(dict):
    """Template parameters; a missing one shows as ``{name}`` instead of failing the message."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _format(template: str, params: Mapping[str, Any]) -> str:
    try:
        return string.Formatter().vformat(template, (), _Params(params))
    except (ValueError, TypeError, IndexError, KeyError, AttributeError):
        # a format spec or conversion that does not fit the value: each field as plain text instead
        out = []
        for literal, name, _spec, _conv in string.Formatter().parse(template):
            out.append(literal)
            if name is not None:
                key = name.split(".")[0].split("[")[0]
                out.append(str(params[key]) if key in params else "{" + name + "}")
        return "".join(out)


def clip(text: object, limit: int = 300) -> str:
    """A third-party message (GDAL, PROJ, YAML...) fit to pass as the ``detail`` parameter: its first
    lines, blanks collapsed, at most ``limit`` characters."""
    s = " ".join(str(text).split())
    return s if len(s) <= limit else s[:limit - 1].rstrip() + "…"


def render(code: str, params: Mapping[str, Any] | None = None, lang: str | None = None, *,
           path_text: Callable[[str], str] | None = None, with_hint: bool = True) -> str:
    """The text of message ``code`` in ``lang`` (default: the interface language).

    ``path_text`` shortens file paths (params named ``path`` or ending in ``_path``) for narrow displays.
    An unknown code renders as the code and its parameters (never an exception at the edge).
    """
    params = dict(params or {})
    lang = lang or current_language()
    if path_text is not None:
        params = {k: (path_text(str(v)) if (k == "path" or k.endswith("_path")) and v is not None else v)
                  for k, v in params.items()}
    # a parameter that is itself a Notice (an optional clause, a description) renders in the same language
    params = {k: (render(v.code, v.params, lang, path_text=path_text, with_hint=False) if isinstance(v, Notice) else v)
              for k, v in params.items()}
    entry = catalogue().get(code)
    if entry is None:
        return f"{code} {params}" if params else code
    text = _format(entry.text(lang), params)
    hint = entry.hint(lang) if with_hint else None
    if hint:
        text += ("——" if is_chinese(lang) else " — ") + _format(hint, params)
    return text


def render_hint(code: str, params: Mapping[str, Any] | None = None, lang: str | None = None) -> str | None:
    """Only the hint (what to do) of message ``code`` in ``lang``; None when it has none."""
    entry = catalogue().get(code)
    hint = entry.hint(lang or current_language()) if entry is not None else None
    if not hint:
        return None
    params = {k: (render(v.code, v.params, lang, with_hint=False) if isinstance(v, Notice) else v)
              for k, v in (params or {}).items()}
    return _format(hint, params)


def template_fields(template: str) -> set[str]:
    """The parameter names a template uses (for the catalogue test)."""
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name}


__all__ = ["LANGS", "M", "Notice", "catalogue", "clip", "current_language", "is_chinese", "language_from_env",
           "normalise_language", "render", "render_hint", "set_language", "template_fields"]
