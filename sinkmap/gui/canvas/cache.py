"""Rendered images per slot (layer or selection overlay), each with the viewport it was drawn for.

The canvas paints a cached image exactly when its viewport matches the current one and otherwise
transforms it (a pan moves it, a zoom scales it) as a preview until the fresh image arrives; this is
what makes panning instant. ``key`` identifies what was drawn (layer revision, symbology, selection).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QImage

from ...carto.viewport import Viewport


@dataclass
class CachedImage:
    key: tuple
    viewport: Viewport
    image: QImage


class ImageCache:
    def __init__(self) -> None:
        self._items: dict[str, CachedImage] = {}

    def get(self, slot: str) -> CachedImage | None:
        return self._items.get(slot)

    def put(self, slot: str, key: tuple, viewport: Viewport, image: QImage) -> None:
        self._items[slot] = CachedImage(key, viewport, image)

    def is_current(self, slot: str, key: tuple, viewport: Viewport) -> bool:
        item = self._items.get(slot)
        return item is not None and item.key == key and item.viewport.same_frame(viewport)

    def drop(self, slot: str) -> None:
        self._items.pop(slot, None)

    def drop_layer(self, layer_id: str) -> None:
        for slot in [s for s in self._items if s == layer_id or s.startswith(layer_id + ":")]:
            del self._items[slot]

    def clear(self) -> None:
        self._items.clear()

    def __contains__(self, slot: str) -> bool:
        return slot in self._items
