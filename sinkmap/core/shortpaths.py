"""Messages as the window shows them: file names instead of absolute paths.

Warnings and errors name their files in full ("layer '/root/.local/share/sinkmap/demo/x.gpkg (layer
湿地)': …"), which is right for the log but fills the message panel and the status bar with folders.
:func:`shorten_paths` drops the folders of absolute paths — POSIX (``/a/b/x.gpkg``), home
(``~/a/x.gpkg``), Windows drive (``C:\\a\\x.shp``, ``D:/a/x.shp``) and UNC (``\\\\server\\share\\x.tif``)
— and keeps the file name and everything else. Inside quotes a folder may contain spaces; outside quotes a
path ends at the first space. URLs (``https://host/a/b``) and relative paths are left alone.
"""

from __future__ import annotations

import re

_ROOT = r"(?:[A-Za-z]:[\\/]|\\\\[^\\/\s'\"]+[\\/]|~?/)"  # C:\  D:/  \\server\  /  ~/
_START = r"(?<![\w.:/\\~-])"  # not inside a word, a URL or another path
# the folders of an absolute path: the root, then folders each ending in a separator; a file name follows
_BARE = re.compile(_START + _ROOT + r"(?:[^\\/\s'\"]+[\\/])*(?=[^\\/\s'\"])")
_QUOTED = {q: re.compile(_START + _ROOT + rf"(?:[^\\/{q}\n]+[\\/])*(?=[^\\/\s{q}])") for q in "'\""}
_QUOTE_SPAN = re.compile(r"(?<!\w)(?:'[^'\n]*'|\"[^\"\n]*\")")  # not an apostrophe (city's)


def shorten_paths(text: str) -> str:
    """``text`` with every absolute path reduced to its file name (the folders removed)."""
    out, last = [], 0
    for m in _QUOTE_SPAN.finditer(text):
        out.append(_BARE.sub("", text[last:m.start()]))
        quote = m.group()[0]
        out.append(quote + _QUOTED[quote].sub("", m.group()[1:-1]) + quote)
        last = m.end()
    out.append(_BARE.sub("", text[last:]))
    return "".join(out)
