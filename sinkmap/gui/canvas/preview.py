"""The map as last drawn, kept on disk so that the next start paints its first frame at once (issue 15).

Loading and drawing every layer of the demo world takes seconds (more on a busy machine). At the first moment
of a session when every visible layer is drawn for the start view, the canvas composites the layers' images
(with the labels) into one picture and saves it here, with the view and a **signature** of what it shows:
each visible layer's file (path, size, modification time), sub-layer, CRS, style and order, the display CRS
and the language. A canvas of another size paints it moved and scaled to its own view. At the next start with the same signature the canvas paints that picture
under the layers (moved and scaled like any cached image) until every layer's own image has arrived; any
change of the layers (added, removed, restyled, hidden, reordered) drops it at once. A file changed on disk
changes the signature, so a stale picture is never shown for different data.

The demo world's layers are only known once its manifest has been read (in the background), so the demo's
picture is also filed under an alias (``demo-<lang>``); the window checks the full signature when the
demo's layers arrive and drops the picture if it does not match.

Files: ``cache_dir()/preview/<key>.png`` and ``<key>.json`` (view and signature), written atomically in a
background thread; the newest :data:`KEEP` are kept.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from pathlib import Path

from PySide6.QtGui import QImage

from ...carto.viewport import Viewport

log = logging.getLogger(__name__)

FORMAT = 1
KEEP = 8


def preview_dir() -> Path:
    from ...io.catalogue import cache_dir

    return cache_dir() / "preview"


def _file_stamp(path: str) -> list:
    if path.startswith("builtin:"):
        from ... import __version__

        return [path, __version__]
    try:
        st = Path(path).stat()
    except OSError:
        return [path, None]
    return [str(Path(path).resolve()), st.st_size, st.st_mtime_ns]


def signature(specs, display_crs: str, lang: str) -> list:
    """What a picture of these layers shows (visible ones, bottom to top); JSON-able."""
    layers = [[_file_stamp(s.path), s.layer, s.kind, s.crs, s.encoding, s.style.to_dict()]
              for s in specs if s.visible]
    return [FORMAT, display_crs, lang, layers]


def key_of(sig: list) -> str:
    return hashlib.sha1(json.dumps(sig, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")).hexdigest()[:24]


def demo_alias(lang: str) -> str:
    return f"demo-{lang}"


class Preview:
    """A picture of the map for one view, and the signature of what it shows."""

    def __init__(self, image: QImage, viewport: Viewport, sig: list) -> None:
        self.image = image
        self.viewport = viewport
        self.signature = sig


def load(key: str) -> Preview | None:
    """The picture filed under ``key`` (a signature key or an alias), or None."""
    folder = preview_dir()
    try:
        meta = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT:
            return None
        png = folder / meta["image"]
        image = QImage(str(png))
        if image.isNull():
            return None
        v = meta["viewport"]
        vp = Viewport(float(v["cx"]), float(v["cy"]), float(v["upp"]), int(v["w"]), int(v["h"]))
        return Preview(image, vp, meta["signature"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write(image: QImage, viewport: Viewport, sig: list, aliases: tuple[str, ...]) -> None:
    folder = preview_dir()
    folder.mkdir(parents=True, exist_ok=True)
    key = key_of(sig)
    tmp = folder / f".{key}.{os.getpid()}.{threading.get_ident()}.tmp.png"
    if not image.save(str(tmp), "PNG"):
        tmp.unlink(missing_ok=True)
        return
    os.replace(tmp, folder / f"{key}.png")
    meta = {"format": FORMAT, "image": f"{key}.png", "signature": sig,
            "viewport": {"cx": viewport.center_x, "cy": viewport.center_y, "upp": viewport.units_per_px,
                         "w": viewport.width, "h": viewport.height}}
    text = json.dumps(meta, ensure_ascii=False, default=str)
    for name in (key, *aliases):
        t = folder / f".{name}.{os.getpid()}.tmp.json"
        t.write_text(text, encoding="utf-8")
        os.replace(t, folder / f"{name}.json")
    _prune(folder)


def _prune(folder: Path) -> None:
    pngs = sorted(folder.glob("*.png"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in pngs[KEEP:]:
        old.unlink(missing_ok=True)
        (folder / f"{old.stem}.json").unlink(missing_ok=True)


def save_async(image: QImage, viewport: Viewport, sig: list, aliases: tuple[str, ...] = ()) -> threading.Thread:
    """Write the picture in a background thread (PNG encoding takes ~0.1 s); errors are only logged."""
    def run():
        try:
            _write(image, viewport, sig, aliases)
        except OSError as exc:  # a full or read-only cache folder costs the next start's head start only
            log.info("map preview not saved: %s", exc)

    t = threading.Thread(target=run, name="sinkmap-preview", daemon=True)
    t.start()
    return t
