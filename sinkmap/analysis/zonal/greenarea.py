"""The compiled edge loop of :func:`sinkmap.analysis.zonal.cellarea.lonlat_polygon_areas` (numba, cached).

Kept apart from :mod:`.cellarea` so that the cell-area model of a cached grid loads without numba.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["_green_areas"]


@numba.njit(cache=True, nogil=True)
def _green_areas(lam, phi, ridx, zone_of_ring, n_zones, a, e2, gx, gw):
    """The edge loop of :func:`lonlat_polygon_areas`: −Σ mean S(φ) · Δλ per zone, S by Gauss–Legendre."""
    out = np.zeros(n_zones)
    e = np.sqrt(e2)
    k0 = 0.5 * a * a * (1.0 - e2)
    for i in range(lam.size - 1):
        if ridx[i + 1] != ridx[i]:
            continue
        p0 = phi[i]
        p1 = phi[i + 1]
        mean_s = 0.0
        for j in range(gx.size):  # S(φ) = ½a²(1−e²)(sin φ/(1−e² sin²φ) + atanh(e sin φ)/e)
            sp = np.sin(0.5 * (p0 + p1) + 0.5 * (p1 - p0) * gx[j])
            core = sp / (1.0 - e2 * sp * sp) + (np.arctanh(e * sp) / e if e2 > 0.0 else sp)
            mean_s += gw[j] * k0 * core
        out[zone_of_ring[ridx[i]]] -= 0.5 * mean_s * (lam[i + 1] - lam[i])
    return np.abs(out)
