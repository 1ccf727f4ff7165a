"""Slope and aspect (sinkmap.analysis.siting.terrain): planes in a projected CRS and in lon/lat near 28°N."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod
from rasterio.transform import from_origin

from sinkmap.analysis.siting.terrain import slope_aspect
from sinkmap.core.errors import InputError

CGCS2000_A, CGCS2000_F = 6378137.0, 1 / 298.257222101


def _projected_plane(slope_deg: float, bearing_deg: float, shape=(20, 25), cell=30.0):
    """A plane falling at ``slope_deg`` towards ``bearing_deg`` on a 30 m Gauss–Krüger grid (EPSG:4545)."""
    rows, cols = np.mgrid[0:shape[0], 0:shape[1]]
    x = (cols + 0.5) * cell
    y = -(rows + 0.5) * cell
    t = np.tan(np.radians(slope_deg))
    b = np.radians(bearing_deg)
    z = 500.0 - t * (x * np.sin(b) + y * np.cos(b))
    return z, from_origin(400000.0, 3100000.0, cell, cell), "EPSG:4545"


@pytest.mark.parametrize("slope_deg,bearing", [(10.0, 90.0), (25.0, 210.0), (3.0, 0.0), (40.0, 315.0)])
def test_projected_plane(slope_deg, bearing):
    z, tr, crs = _projected_plane(slope_deg, bearing)
    s, a = slope_aspect(z, tr, crs)
    inner = (slice(1, -1), slice(1, -1))
    assert np.isnan(s[0]).all() and np.isnan(s[:, -1]).all()  # edges are unknown
    assert np.abs(s[inner] - slope_deg).max() < 0.01
    assert np.abs((a[inner] - bearing + 180) % 360 - 180).max() < 0.01


def test_east_facing_plane_has_aspect_90():
    z, tr, crs = _projected_plane(15.0, 90.0)
    _, a = slope_aspect(z, tr, crs)
    assert np.allclose(a[1:-1, 1:-1], 90.0, atol=1e-3)


def _lonlat_plane(slope_deg: float, bearing_deg: float, shape=(30, 30), cell_deg=1 / 1200):
    """A plane on a 3″ lon/lat grid at 28°N: heights from true east/north distances on the CGCS2000 ellipsoid.

    East is measured along each parallel from the grid's centre meridian, north along that meridian. (Parallels
    converge, so the surface's aspect turns by ~4e-4° per column away from the centre meridian: a real property
    of this surface, kept small by centring it.)
    """
    west, lat0 = 112.0, 28.0 + shape[0] * cell_deg / 2
    lon0 = west + shape[1] * cell_deg / 2
    rows, cols = np.mgrid[0:shape[0], 0:shape[1]]
    lon = west + (cols + 0.5) * cell_deg
    lat = lat0 - (rows + 0.5) * cell_deg
    e2 = CGCS2000_F * (2 - CGCS2000_F)
    phi = np.radians(lat)
    n_radius = CGCS2000_A / np.sqrt(1 - e2 * np.sin(phi) ** 2)
    east = n_radius * np.cos(phi) * np.radians(lon - lon0)  # along each parallel
    geod = Geod(a=CGCS2000_A, f=CGCS2000_F)
    _, _, d = geod.inv(np.full(lat.size, lon0), np.full(lat.size, lat0), np.full(lat.size, lon0), lat.ravel())
    north = -np.asarray(d).reshape(lat.shape)  # meridian arc, negative south of lat0
    t = np.tan(np.radians(slope_deg))
    b = np.radians(bearing_deg)
    z = 300.0 - t * (east * np.sin(b) + north * np.cos(b))
    return z, from_origin(west, lat0, cell_deg, cell_deg), "EPSG:4490"


@pytest.mark.parametrize("slope_deg,bearing", [(10.0, 90.0), (20.0, 0.0), (5.0, 135.0), (30.0, 250.0)])
def test_lonlat_plane_near_28n(slope_deg, bearing):
    z, tr, crs = _lonlat_plane(slope_deg, bearing)
    s, a = slope_aspect(z, tr, crs)
    inner = (slice(1, -1), slice(1, -1))
    assert np.abs(s[inner] - slope_deg).max() < 0.01
    assert np.abs((a[inner] - bearing + 180) % 360 - 180).max() < 0.01


def test_degrees_are_not_metres():
    """The same heights on a lon/lat grid are far steeper than if 1/1200° were 1/1200 m — and match metres."""
    z, tr, crs = _lonlat_plane(10.0, 90.0)
    s, _ = slope_aspect(z, tr, crs)
    assert 9.99 < np.nanmean(s) < 10.01


def test_nodata_and_flat():
    z, tr, crs = _projected_plane(10.0, 90.0, shape=(7, 7))
    z[3, 3] = -9999
    s, a = slope_aspect(z, tr, crs, nodata=-9999)
    assert np.isnan(s[2:5, 2:5]).all()  # the cell and every window that reaches it
    assert np.isfinite(s[1, 1]) and np.isfinite(s[5, 5])
    flat_s, flat_a = slope_aspect(np.full((5, 5), 100.0), tr, crs)
    assert np.allclose(flat_s[1:-1, 1:-1], 0.0) and np.isnan(flat_a[1:-1, 1:-1]).all()
    masked = np.ma.masked_array(z, mask=np.zeros_like(z, bool))
    masked.mask[1, 1] = True
    s2, _ = slope_aspect(masked, tr, crs, nodata=-9999)
    assert np.isnan(s2[0:3, 0:3]).all()
    assert s.dtype == np.float32 and a.dtype == np.float32


def test_feet_and_small_dem():
    z, tr, crs = _projected_plane(10.0, 90.0)
    s_ft, _ = slope_aspect(z / 0.3048, tr, crs, z_factor=0.3048)
    assert np.abs(s_ft[1:-1, 1:-1] - 10.0).max() < 0.01
    with pytest.raises(InputError) as exc:
        slope_aspect(np.zeros((2, 5)), tr, crs)
    assert exc.value.code == "analysis.siting.dem_too_small"
