"""Names and text that come from user data, made safe for file names and for XML.

* :func:`safe_name` — an ASCII file or layer name from any text (a layer name, a unit name, a zone file's
  name): only ``A–Z a–z 0–9 _ -``, no leading dot or dash, no ``..``, no separator, never one of the
  names Windows reserves (``CON``, ``NUL``, ``COM1``… with or without an extension), at most ``limit``
  characters. Text with no ASCII letter or digit gives ``fallback``. :class:`NameBook` makes them unique
  (case-insensitively: Windows and macOS file systems fold case).
* :func:`inside` — the last line of defence: a path joined from such names still resolves inside the
  package folder, or the export stops.
* :func:`xml_text` — text fit for an XML document: characters XML 1.0 forbids (C0 controls but tab,
  newline and carriage return; lone surrogates; U+FFFE/U+FFFF) become U+FFFD. The XML writers escape
  ``& < > " '`` themselves (ElementTree, :func:`xml_escape`); this only removes what no escaping can carry.
* :func:`html_text` — text for the HTML of a KML description balloon: escaped twice over in effect (HTML
  here, XML when written), so an attribute value ``<a href=…>`` or ``<script>`` shows as those characters
  and never becomes a link, a style or a script.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

#: Device names Windows refuses as a file name, whatever the extension (``nul.txt`` too).
WINDOWS_RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)),
                              *(f"LPT{i}" for i in range(10))})

_NOT_SAFE = re.compile(r"[^A-Za-z0-9_-]+")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def safe_name(text: object, fallback: str = "layer", limit: int = 40) -> str:
    """An ASCII name for a file or a table, from ``text`` (see the module docstring)."""
    raw = str(text if text is not None else "")
    name = _NOT_SAFE.sub("_", raw).strip("_-")
    name = re.sub(r"_+", "_", name)[:limit].strip("_-")
    if not name or not any(c.isalnum() for c in name):
        name = fallback
    if name.split(".")[0].upper() in WINDOWS_RESERVED:
        name = "_" + name
    return name


class NameBook:
    """Unique safe names: a second ``forest`` becomes ``forest_2`` (compared without case)."""

    def __init__(self, taken: tuple[str, ...] = ()) -> None:
        self._taken = {t.lower() for t in taken}

    def take(self, text: object, fallback: str = "layer", limit: int = 40) -> str:
        base = safe_name(text, fallback, limit)
        name, k = base, 2
        while name.lower() in self._taken:
            name = f"{base[:limit - len(str(k)) - 1]}_{k}"
            k += 1
        self._taken.add(name.lower())
        return name


def inside(root: Path, *parts: str) -> Path:
    """``root`` joined with ``parts``, refused (ValueError) unless it stays inside ``root``."""
    path = root.joinpath(*parts)
    resolved = path.resolve()
    if not resolved.is_relative_to(root.resolve()) or resolved == root.resolve():
        raise ValueError(f"{'/'.join(parts)!r} would leave the package folder")
    return path


_ILLEGAL_CODES = [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF, *range(0xD800, 0xE000)]
_CLEAN = dict.fromkeys(_ILLEGAL_CODES, "\N{REPLACEMENT CHARACTER}")
_XML = {**_CLEAN, ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord('"'): "&quot;", ord("'"): "&apos;"}
# HTML-escaped, then XML-escaped: what a KML description (HTML inside XML) needs, in one pass
_HTML_IN_XML = {**_CLEAN, ord("&"): "&amp;amp;", ord("<"): "&amp;lt;", ord(">"): "&amp;gt;", ord('"'): "&amp;quot;",
                ord("'"): "&amp;#x27;"}


def xml_text(value: object) -> str:
    """``value`` as text XML can hold (forbidden characters replaced by U+FFFD; not escaped)."""
    text = "" if value is None else str(value)
    return text.translate(_CLEAN)


def has_xml_illegal(value: object) -> bool:
    return isinstance(value, str) and _XML_ILLEGAL.search(value) is not None


def xml_escape(value: object) -> str:
    """Text escaped for XML element content and double- or single-quoted attributes."""
    return ("" if value is None else str(value)).translate(_XML)


def html_text(value: object) -> str:
    """Text escaped for HTML (then :func:`xml_escape` it once more when writing the XML)."""
    return html.escape(xml_text(value), quote=True)


def html_in_xml(value: object) -> str:
    """``xml_escape(html_text(value))`` in one pass: text for the HTML of a KML description."""
    return ("" if value is None else str(value)).translate(_HTML_IN_XML)


__all__ = ["NameBook", "WINDOWS_RESERVED", "has_xml_illegal", "html_in_xml", "html_text", "inside", "safe_name",
           "xml_escape",
           "xml_text"]
