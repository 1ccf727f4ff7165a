"""One exception family for everything a user can act on.

Every message names the file, layer or field concerned and says what to do. Errors carry a message
code and parameters (``InputError(code="io.vector.empty", path=p, layer=l)``) rendered from the
catalogue of :mod:`sinkmap.core.messages` in the interface language at the edge (``exc.render(lang)``);
``str(error)`` is the English text. The CLI and the GUI show the rendered text; a traceback is never
the user interface.

A plain message (``InputError("text", hint="...")``) is still accepted for text that is data rather
than wording (e.g. a third-party library's own message passed through as the ``detail`` parameter of a
coded message is preferred); the catalogue test lists such legacy raises.
"""

from __future__ import annotations

from typing import Any

from .messages import is_chinese, render, render_hint


class SinkmapError(Exception):
    """Base class: an error the user can act on. ``str()`` is the full, readable English message."""

    default_code: str | None = None

    def __init__(self, message: str | None = None, *, code: str | None = None, path: object | None = None,
                 layer: str | None = None, field: str | None = None, hint: str | None = None,
                 **params: Any) -> None:
        self.path = None if path is None else str(path)
        self.layer = layer
        self.field = field
        self.hint = hint
        self.code = code or (None if message is not None else self.default_code)
        self.params = dict(params)
        for key, value in (("path", self.path), ("layer", layer), ("field", field)):
            if value is not None:
                self.params.setdefault(key, value)
        self.message = message if message is not None else (
            render(self.code, self.params, "en", with_hint=False) if self.code else "")
        if self.hint is None and self.code:  # the English hint of the code (the text shows it rendered)
            self.hint = render_hint(self.code, self.params, "en")
        super().__init__(self.render("en"))

    def _where(self, lang: str, path_text=None) -> str:
        zh = is_chinese(lang)
        where = []
        if self.path:
            p = path_text(self.path) if path_text else self.path
            where.append(f"文件 {p}" if zh else f"file {p}")
        if self.layer:
            where.append(f"图层“{self.layer}”" if zh else f"layer {self.layer!r}")
        if self.field:
            where.append(f"字段“{self.field}”" if zh else f"field {self.field!r}")
        if not where:
            return ""
        return ("，".join(where) + "：") if zh else (", ".join(where) + ": ")

    def render(self, lang: str | None = None, *, path_text=None) -> str:
        """The whole message in ``lang``: where (file, layer, field), what, and what to do."""
        from .messages import current_language

        lang = lang or current_language()
        if self.code:
            body = render(self.code, self.params, lang, path_text=path_text)
        else:
            body = self.message + (f" — {self.hint}" if self.hint else "")
        return self._where(lang, path_text) + body

    def __reduce__(self):  # pickles through the worker processes with its code and parameters
        return (_rebuild, (type(self), self.message if not self.code else None, self.code, self.path, self.layer,
                           self.field, self.hint, {k: v for k, v in self.params.items()
                                                   if k not in ("path", "layer", "field")}))


def _rebuild(cls, message, code, path, layer, field, hint, params):
    err = cls.__new__(cls)
    SinkmapError.__init__(err, message, code=code, path=path, layer=layer, field=field, hint=hint, **params)
    return err


class InputError(SinkmapError):
    """A data file or layer cannot be used as given (unreadable, empty, wrong CRS, bad field...)."""


class CRSError(InputError):
    """A layer has no CRS, an unknown CRS, or one that does not fit the data."""


class FieldError(InputError):
    """A field needed for the computation is missing or has unusable values."""


class UnknownUnitError(SinkmapError):
    """An administrative unit (province, city, county, zone) name that is not known."""


class TargetError(SinkmapError):
    """A targets file is malformed."""


class Cancelled(SinkmapError):
    """The user cancelled a long operation; nothing was written."""

    default_code = "common.cancelled"

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
