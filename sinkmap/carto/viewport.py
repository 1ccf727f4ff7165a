"""Viewport arithmetic: map coordinates (display CRS, metres) <-> screen pixels. No Qt, no state.

A :class:`Viewport` is immutable: every pan or zoom makes a new one, so a render job holds the exact
viewport it was started for and the canvas can tell whether a finished image is still current.
Screen y grows downwards, map y upwards.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

#: Metres per inch and the screen resolution assumed for the scale denominator (Qt's logical DPI).
M_PER_INCH = 0.0254


@dataclass(frozen=True)
class Viewport:
    center_x: float
    center_y: float
    units_per_px: float  # map units (metres) per screen pixel
    width: int
    height: int
    dpi: float = 96.0

    # -- geometry ---------------------------------------------------------------------------------
    @property
    def extent(self) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) in map units."""
        hw = self.width * self.units_per_px / 2.0
        hh = self.height * self.units_per_px / 2.0
        return (self.center_x - hw, self.center_y - hh, self.center_x + hw, self.center_y + hh)

    @property
    def scale_denominator(self) -> float:
        """The map scale 1:N for a screen of ``dpi`` dots per inch."""
        return self.units_per_px * self.dpi / M_PER_INCH

    def to_screen(self, x, y):
        """Map -> screen pixel coordinates (floats; works on scalars and numpy arrays)."""
        sx = (np.asarray(x) - self.center_x) / self.units_per_px + self.width / 2.0
        sy = (self.center_y - np.asarray(y)) / self.units_per_px + self.height / 2.0
        return sx, sy

    def to_map(self, sx, sy):
        """Screen pixel -> map coordinates."""
        x = (np.asarray(sx, dtype=float) - self.width / 2.0) * self.units_per_px + self.center_x
        y = self.center_y - (np.asarray(sy, dtype=float) - self.height / 2.0) * self.units_per_px
        return x, y

    # -- new viewports ----------------------------------------------------------------------------
    def resized(self, width: int, height: int) -> "Viewport":
        return replace(self, width=max(1, int(width)), height=max(1, int(height)))

    def panned_px(self, dx: float, dy: float) -> "Viewport":
        """The view after the content moved by (dx, dy) screen pixels (drag to the right: dx > 0)."""
        return replace(self, center_x=self.center_x - dx * self.units_per_px,
                       center_y=self.center_y + dy * self.units_per_px)

    def zoomed(self, factor: float, anchor_px: tuple[float, float] | None = None) -> "Viewport":
        """Zoom in by ``factor`` (> 1 zooms in) keeping the map point under ``anchor_px`` fixed."""
        if anchor_px is None:
            return replace(self, units_per_px=self.units_per_px / factor)
        ax, ay = self.to_map(*anchor_px)
        upp = self.units_per_px / factor
        cx = float(ax) - (anchor_px[0] - self.width / 2.0) * upp
        cy = float(ay) + (anchor_px[1] - self.height / 2.0) * upp
        return replace(self, center_x=cx, center_y=cy, units_per_px=upp)

    def fitted(self, bounds: tuple[float, float, float, float], margin: float = 0.05) -> "Viewport":
        """The viewport showing ``bounds`` (map units) whole, with a relative margin."""
        xmin, ymin, xmax, ymax = bounds
        w = max(xmax - xmin, 1e-6) * (1 + 2 * margin)
        h = max(ymax - ymin, 1e-6) * (1 + 2 * margin)
        upp = max(w / self.width, h / self.height)
        return replace(self, center_x=(xmin + xmax) / 2.0, center_y=(ymin + ymax) / 2.0, units_per_px=upp)

    def rect_of(self, other: "Viewport") -> tuple[float, float, float, float]:
        """Where ``other``'s full extent lands on this viewport's screen: (x, y, w, h) in pixels.

        Used to draw an image rendered for ``other`` (the cache) while this view's image is rendered.
        """
        xmin, ymin, xmax, ymax = other.extent
        x0, y0 = self.to_screen(xmin, ymax)
        x1, y1 = self.to_screen(xmax, ymin)
        return float(x0), float(y0), float(x1 - x0), float(y1 - y0)

    def same_frame(self, other: "Viewport") -> bool:
        """True when both viewports show exactly the same pixels."""
        return (self.width, self.height) == (other.width, other.height) and np.allclose(
            (self.center_x, self.center_y, self.units_per_px),
            (other.center_x, other.center_y, other.units_per_px), rtol=1e-12, atol=1e-9)
