"""Hillshade: the illumination of a DEM, shared by the canvas and the exported rasters. Numpy only.

The app draws a DEM as its terrain ramp multiplied by ``SHADE_FLOOR + (1 - SHADE_FLOOR) * shade`` (so the
darkest slope keeps 35 % of its colour); a field package writes the same factor as a greyscale GeoTIFF
that QGIS multiplies over the DEM's ramp.
"""

from __future__ import annotations

import numpy as np

#: The share of a colour a slope facing away from the light keeps.
SHADE_FLOOR = 0.35


def hillshade(z: np.ndarray, cell: float, azimuth: float = 315.0, altitude: float = 45.0,
              z_factor: float = 1.0, cell_y: float | None = None) -> np.ndarray:
    """Illumination 0..1 of a surface ``z`` (metres) on a grid of ``cell`` metres (``cell_y`` when rows and
    columns differ, as on a lon/lat grid); NaN stays NaN."""
    filled = np.where(np.isfinite(z), z, np.nanmean(z) if np.isfinite(z).any() else 0.0)
    dzdy, dzdx = np.gradient(filled * z_factor, cell if cell_y is None else cell_y, cell)
    dzdy = -dzdy  # rows grow southwards
    # cos(zenith)·cos(slope) + sin(zenith)·sin(slope)·cos(azimuth − aspect), with slope = atan|∇z| and the
    # aspect (the way the slope faces, clockwise from north) = atan2(−∂z/∂x, −∂z/∂y), written without
    # trigonometry on the arrays: cos(slope) = 1/√(1+|∇z|²), sin(slope)·cos(az − aspect) =
    # −(cos(az)·∂z/∂y + sin(az)·∂z/∂x)/√(1+|∇z|²).
    az = np.radians(azimuth)
    zen = np.radians(90.0 - altitude)
    shade = np.cos(zen) - np.sin(zen) * (np.cos(az) * dzdy + np.sin(az) * dzdx)
    shade /= np.sqrt(1.0 + dzdx * dzdx + dzdy * dzdy)
    np.clip(shade, 0.0, 1.0, out=shade)
    shade[~np.isfinite(z)] = np.nan
    return shade


def z_factor_for(cell: float) -> float:
    """The vertical exaggeration the app gives a DEM drawn at ``cell`` metres per pixel (coarse grids flatten
    relief: they get more)."""
    return max(1.0, float(np.sqrt(cell / 30.0)))


def shade_factor(shade: np.ndarray) -> np.ndarray:
    """The multiplier of the DEM's colours for an illumination ``shade`` (NaN: 1, no change)."""
    return np.nan_to_num(SHADE_FLOOR + (1.0 - SHADE_FLOOR) * shade, nan=1.0)
