"""The report's map page as pixels (pdftoppm) and where a lon/lat point falls on it — shared by the report tests
that check colours at known places (a raster cell, a site's footprint)."""

from __future__ import annotations

import subprocess
from pathlib import Path

A4_HEIGHT_PT = 841.89


class MapPage:
    """The map page of report ``rep`` (written to ``pdf``) rendered at ``dpi``; :meth:`at` is the RGB pixel under
    a lon/lat point (EPSG:4490), found through the report's map frame and extent."""

    def __init__(self, rep, pdf: Path, folder: Path, dpi: int = 100, page_height_pt: float = A4_HEIGHT_PT):
        from PIL import Image
        from pyproj import Transformer

        subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(rep.map_page), "-l", str(rep.map_page), "-png",
                        str(pdf), str(folder / "m")], check=True, capture_output=True)
        self.image = Image.open(next(folder.glob("m*.png"))).convert("RGB")
        self.to_map = Transformer.from_crs("EPSG:4490", rep.map_crs, always_xy=True)
        self.frame, self.extent, self.dpi, self.page_h = rep.map_frame_pt, rep.map_extent, dpi, page_height_pt

    def at(self, lon: float, lat: float) -> tuple:
        left, bottom, fw, fh = self.frame
        x0, y0, x1, y1 = self.extent
        x, y = self.to_map.transform(lon, lat)
        px = (left + (x - x0) / (x1 - x0) * fw) * self.dpi / 72
        py = (self.page_h - bottom - fh + (y1 - y) / (y1 - y0) * fh) * self.dpi / 72
        return self.image.getpixel((int(px), int(py)))
