"""The one CRS policy of sinkmap.

* Storage and exchange: CGCS2000 geographic, EPSG:4490, always lon/lat order (``always_xy=True``).
* Areas: on the ellipsoid, via an equal-area (Albers) projection on the CGCS2000 ellipsoid centred on
  Hunan — equal-area projections preserve area exactly, so this is the ellipsoidal area up to the
  shape of edges between vertices. Never compute an area in degrees.
* Display: whatever the canvas uses; the 3° Gauss–Krüger zone of a point is given by :func:`gk3_zone`.
* GCJ-02 (AMap "Mars coordinates") exists only at the edges: see ``sinkmap.io.gcj02``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .units import HA_PER_MU, M2_PER_HA, M2_PER_KM2  # noqa: F401 - re-exported; the area units live in core.units

STORAGE_CRS = "EPSG:4490"
"""CGCS2000 geographic (lon/lat with always_xy)."""

#: CGCS2000 ellipsoid parameters (semi-major axis, inverse flattening). GRS80 differs only in the
#: 10th digit of f and by < 0.1 mm in any area sinkmap computes.
CGCS2000_A = 6378137.0
CGCS2000_INV_F = 298.257222101

#: Albers equal-area conic on the CGCS2000 ellipsoid, standard parallels bracketing Hunan.
EQUAL_AREA_CRS = (
    "+proj=aea +lat_0=0 +lon_0=111.5 +lat_1=25 +lat_2=30 +x_0=0 +y_0=0 "
    f"+a={CGCS2000_A} +rf={CGCS2000_INV_F} +units=m +no_defs +type=crs"
)



@dataclass(frozen=True)
class GKZone:
    """A CGCS2000 3° Gauss–Krüger zone."""

    number: int  # zone number, e.g. 37 for central meridian 111° E
    central_meridian: int
    epsg: int  # the CM-only (no false-easting zone prefix) EPSG code, e.g. 4546 for 111° E

    @property
    def crs(self) -> str:
        return f"EPSG:{self.epsg}"


def gk3_zone(lon: float) -> GKZone:
    """The 3° Gauss–Krüger zone containing longitude ``lon`` (degrees east).

    Zones are centred on multiples of 3°; EPSG:4534..4554 are CGCS2000 / 3-degree GK CM 75E..135E.
    """
    number = int(round(lon / 3.0))
    cm = number * 3
    if not 75 <= cm <= 135:
        raise ValueError(f"longitude {lon} is outside China's 3° Gauss–Krüger zones (75°E–135°E)")
    return GKZone(number=number, central_meridian=cm, epsg=4534 + (cm - 75) // 3)
