"""Colours: hex parsing, colour ramps and lookup tables as numpy arrays. No Qt.

Ramps are lists of (position 0..1, hex colour) stops, interpolated linearly in RGB. They are chosen
for maps of this domain: greens for forest stock, blues for wetland, a terrain ramp for elevation,
a red–yellow–green ramp for target attainment. The terrain ramp (DEMs, under the hillshade) has no
green: low ground drawn green reads as forest on a carbon-sink map (雨花区's valleys looked wooded), so it
runs from pale sand through tan and brown to grey and white.
"""

from __future__ import annotations

import numpy as np

#: Colours of a siting-exclusions raster's inclusion (band 1): excluded, partly usable, usable.
SITING_COLORS = {"excluded": "#d0453a", "partial": "#f0a818", "included": "#2e9e5b"}

RAMPS: dict[str, list[tuple[float, str]]] = {
    "greens": [(0.0, "#f2f9ec"), (0.5, "#7cc46f"), (1.0, "#0b4d22")],
    "blues": [(0.0, "#eef5fb"), (0.5, "#6aaed6"), (1.0, "#0b3d7a")],
    "terrain": [(0.0, "#efeadb"), (0.3, "#dccaa2"), (0.55, "#bf9c72"), (0.8, "#957c68"), (1.0, "#f4f3f1")],
    "greys": [(0.0, "#000000"), (1.0, "#ffffff")],
    "attainment": [(0.0, "#c0392b"), (0.5, "#f1c40f"), (1.0, "#27ae60")],
    "oranges": [(0.0, "#fff3e6"), (0.5, "#f59a4a"), (1.0, "#8a3200")],
    # siting inclusion (0..1): three steps, not a blend: 0 excluded red, anything partial amber, 1 green
    "siting": [(0.0, SITING_COLORS["excluded"]), (0.002, SITING_COLORS["partial"]),
               (0.998, SITING_COLORS["partial"]), (1.0, SITING_COLORS["included"])],
    # siting suitability (0..1, 0 where the rules exclude the cell): yellow-green-blue, 0 itself transparent so
    # the exclusions layer below shows why (stops may carry an alpha: #rrggbbaa)
    "suitability": [(0.0, "#ffffcc00"), (0.004, "#ffffcc"), (0.25, "#a1dab4"), (0.5, "#41b6c4"),
                    (0.75, "#2c7fb8"), (1.0, "#253494")],
}

#: Ramps of steps, not gradients: drawn from the nearest cell (a bilinear blend of 0 and 1 would read as
#: "partial" all along every edge).
STEPPED_RAMPS = frozenset({"siting"})

#: Distinct colours for categories without a scheme colour (cycled).
QUALITATIVE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
               "#ff9da7", "#9c755f", "#bab0ac", "#2f8f9d", "#c46b2d"]

#: Status colours of the ledger dashboard and choropleths.
STATUS_COLORS = {"met": "#2e9e5b", "within_band": "#e0b000", "short": "#d0453a",
                 "no_target": "#9a9a9a", "no_data": "#bdbdbd"}


def hex_to_rgba(color: str, alpha: float = 1.0) -> tuple[int, int, int, int]:
    """'#rrggbb' or '#rrggbbaa' -> (r, g, b, a) 0..255."""
    c = color.strip().lstrip("#")
    if len(c) == 3:
        c = "".join(ch * 2 for ch in c)
    r, g, b = int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)
    a = int(c[6:8], 16) if len(c) == 8 else 255
    return r, g, b, int(round(a * alpha))


def ramp_colors(name: str, n: int) -> list[str]:
    """``n`` colours evenly spaced along a ramp, as hex."""
    lut = ramp_lut(name, max(n, 2))
    idx = np.linspace(0, len(lut) - 1, n).round().astype(int) if n > 1 else np.array([len(lut) // 2])
    return ["#%02x%02x%02x" % tuple(int(v) for v in lut[i, :3]) for i in idx]


def ramp_lut(name: str, size: int = 256) -> np.ndarray:
    """(size, 4) uint8 RGBA lookup table for a named ramp."""
    stops = RAMPS.get(name) or RAMPS["greys"]
    pos = np.array([p for p, _ in stops])
    rgba = np.array([hex_to_rgba(c) for _, c in stops], dtype=float)
    t = np.linspace(0.0, 1.0, size)
    out = np.empty((size, 4), dtype=np.uint8)
    for k in range(4):
        out[:, k] = np.interp(t, pos, rgba[:, k]).round().astype(np.uint8)
    return out


def ramp_steps(name: str, lo: float, hi: float, n: int = 5) -> list[tuple[str, str]]:
    """A legend of a continuous ramp: ``n`` (colour at the middle of the class, "a–b") classes from ``lo`` to
    ``hi``, the highest first."""
    lut = ramp_lut(name)
    edges = np.linspace(lo, hi, n + 1)
    out = []
    for i in reversed(range(n)):
        t = (i + 0.5) / n
        r, g, b = (int(v) for v in lut[int(round(t * (len(lut) - 1))), :3])
        out.append((f"#{r:02x}{g:02x}{b:02x}", f"{edges[i]:.4g}–{edges[i + 1]:.4g}"))
    return out
