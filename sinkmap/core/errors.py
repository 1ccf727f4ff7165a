"""One exception family for everything a user can act on.

Every message names the file, layer or field concerned and says what to do. The CLI and the GUI show
``str(error)``; a traceback is never the user interface.
"""

from __future__ import annotations


class SinkmapError(Exception):
    """Base class: an error the user can act on. ``str()`` is the full, readable message."""

    def __init__(self, message: str, *, path: object | None = None, layer: str | None = None,
                 field: str | None = None, hint: str | None = None) -> None:
        self.path = None if path is None else str(path)
        self.layer = layer
        self.field = field
        self.hint = hint
        parts = []
        where = []
        if self.path:
            where.append(f"file {self.path}")
        if layer:
            where.append(f"layer {layer!r}")
        if field:
            where.append(f"field {field!r}")
        if where:
            parts.append(", ".join(where) + ": ")
        parts.append(message)
        if hint:
            parts.append(f" — {hint}")
        self.message = message
        super().__init__("".join(parts))


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

    def __init__(self, message: str = "cancelled by the user; nothing was written") -> None:
        super().__init__(message)
