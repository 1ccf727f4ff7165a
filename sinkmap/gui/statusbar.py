"""Status bar: cursor position in CGCS2000 lon/lat, its 3° Gauss–Krüger zone, the map scale and CRS."""

from __future__ import annotations

from pyproj import CRS, Transformer
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from ..carto.viewport import Viewport
from ..core.crs import STORAGE_CRS, gk3_zone
from .i18n import tr


def crs_label(crs: str) -> str:
    """A short name for the display CRS."""
    try:
        c = CRS.from_user_input(crs)
    except Exception:  # noqa: BLE001
        return crs[:40]
    if "aea" in crs:
        return tr("CGCS2000 / Albers 等积（湖南）")
    return c.name if not c.to_epsg() else f"EPSG:{c.to_epsg()} {c.name}"


class MapStatusBar(QStatusBar):
    def __init__(self, display_crs: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.coords = QLabel("")
        self.zone = QLabel("")
        self.scale = QLabel("")
        self.crs = QLabel("")
        for w in (self.coords, self.zone, self.scale, self.crs):
            w.setMinimumWidth(60)
            self.addPermanentWidget(w)
        self.set_display_crs(display_crs)

    def set_display_crs(self, display_crs: str) -> None:
        self._to_lonlat = Transformer.from_crs(display_crs, STORAGE_CRS, always_xy=True)
        self.crs.setText(crs_label(display_crs))
        self.crs.setToolTip(display_crs)

    def show_cursor(self, x: float, y: float) -> None:
        lon, lat = self._to_lonlat.transform(x, y)
        if not (abs(lon) <= 180 and abs(lat) <= 90):
            self.coords.setText("")
            self.zone.setText("")
            return
        self.coords.setText(tr("经度 {0:.5f}°  纬度 {1:.5f}°").format(lon, lat))
        try:
            z = gk3_zone(lon)
            self.zone.setText(tr("3°带 {0}（中央经线 {1}°E，{2}）").format(z.number, z.central_meridian, z.crs))
        except ValueError:
            self.zone.setText(tr("3°带 —"))

    def show_viewport(self, vp: Viewport) -> None:
        self.scale.setText(tr("比例尺 1:{0:,.0f}").format(vp.scale_denominator))
