"""The web map's scripts and styles, inlined from installed packages so the page needs no network.

folium writes pages that load Leaflet (and jQuery, Bootstrap, Font Awesome…) from CDNs: offline, or where
those CDNs are unreachable, the page is blank (``L is not defined``). Here every asset is read at export
time from a package installed with sinkmap — Leaflet from the ``xstatic-leaflet`` wheel (Leaflet 1.9.x as
released), sinkmap's own runtime from ``sinkmap/export/web`` — and written into the page: scripts as
``<script>`` text, styles as ``<style>`` text with each ``url(...)`` of a local file turned into a
``data:`` URI. Nothing third-party is kept in sinkmap's repository.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from functools import lru_cache
from pathlib import Path

from ..core.errors import SinkmapError

_WEB = Path(__file__).with_name("web")
_URL = re.compile(r"url\(\s*(['\"]?)([^'\")]+)\1\s*\)")


def _leaflet_dir() -> Path:
    try:
        import xstatic.pkg.leaflet as xleaflet
    except ImportError:
        raise SinkmapError(code="export.missing_package", package="xstatic-leaflet", extra="export") from None
    return Path(xleaflet.BASE_DIR)


def leaflet_version() -> str:
    import xstatic.pkg.leaflet as xleaflet

    return str(xleaflet.VERSION)


def script_text(js: str) -> str:
    """``js`` safe inside a ``<script>`` element: a ``</script`` or ``<!--`` in it cannot end the element."""
    return js.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT").replace("<!--", "<\\!--")


def inline_css(css: str, base: Path) -> str:
    """``css`` with each ``url()`` of a file beside it as a data URI (fragment and data URLs kept)."""

    def repl(m: re.Match[str]) -> str:
        ref = m.group(2).strip()
        if ref.startswith(("data:", "#")):
            return m.group(0)
        path = (base / ref).resolve()
        if not path.is_file():
            raise SinkmapError(code="export.asset_missing", path=path)
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return f'url("data:{mime};base64,{base64.b64encode(path.read_bytes()).decode("ascii")}")'

    return _URL.sub(repl, css).replace("</style", "<\\/style")


@lru_cache(maxsize=1)
def leaflet_assets() -> tuple[str, str]:
    """(Leaflet's script, Leaflet's stylesheet with its images inlined)."""
    base = _leaflet_dir()
    js = (base / "leaflet.js").read_text(encoding="utf-8")
    css = inline_css((base / "leaflet.css").read_text(encoding="utf-8"), base)
    return script_text(js), css


@lru_cache(maxsize=1)
def runtime_assets() -> tuple[str, str]:
    """(sinkmap's map runtime, its stylesheet)."""
    js = (_WEB / "sinkmap_map.js").read_text(encoding="utf-8")
    css = (_WEB / "sinkmap_map.css").read_text(encoding="utf-8")
    return script_text(js), inline_css(css, _WEB)


def marker_icon_data_uri() -> str:
    """Leaflet's default marker image as a data URI (for ``L.Icon.Default`` if a marker is ever drawn)."""
    path = _leaflet_dir() / "images" / "marker-icon.png"
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


__all__ = ["inline_css", "leaflet_assets", "leaflet_version", "marker_icon_data_uri", "runtime_assets",
           "script_text"]
