"""The report's map: drawn into an image (Pillow) in the area's Gauss–Krüger zone, then written by GDAL's PDF
driver (in the rasterio wheel) as a georeferenced page — ISO 32000 geospatial encoding, the map frame as
the neatline — that the report's own page (text, legend, scale bar, north arrow) is laid over.

GDAL places the image at whole-point margins and a fractional DPI, so the frame's left and bottom edges are
whole points and its size follows from the pixels (:class:`Frame`). Labels are not drawn into the image:
the report writes them as PDF text over it (selectable, in the embedded font); GDAL's own text would
garble Chinese.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core.errors import SinkmapError

MAP_DPI = 200.0


@dataclass(frozen=True)
class Frame:
    """The map frame on the page, in points from the page's top-left (fpdf2) and bottom-left (PDF, GDAL)."""

    left: int  # pt from the left edge
    bottom: int  # pt from the bottom edge
    width: float  # pt
    height: float  # pt
    page_height: float
    cols: int
    rows: int

    @property
    def top(self) -> float:  # from the top edge (fpdf2's y)
        return self.page_height - self.bottom - self.height

    @property
    def dpi(self) -> float:
        return self.cols * 72.0 / self.width


def make_frame(page_w: float, page_h: float, left: int, top: float, max_width: float, max_height: float,
               aspect: float, dpi: float = MAP_DPI) -> Frame:
    """The largest frame of ``aspect`` (height / width) within ``max_width`` × ``max_height`` at ``left``,
    ``top``, whose left and bottom edges fall on whole points (GDAL's margins are integers)."""
    width = min(max_width, max_height / aspect)
    height = width * aspect
    cols = int(round(width * dpi / 72.0))
    rows = max(1, int(round(cols * aspect)))
    height = rows * 72.0 / (cols * 72.0 / width)
    bottom = int(math.floor(page_h - top - height))
    return Frame(left=int(left), bottom=bottom, width=float(width), height=float(height), page_height=page_h,
                 cols=cols, rows=rows)


@dataclass
class MapDrawing:
    """What the image shows and where: the extent in ``crs`` and the labels to write over it."""

    crs: str
    extent: tuple[float, float, float, float]  # xmin, ymin, xmax, ymax in crs units (m)
    image: np.ndarray  # (rows, cols, 3) uint8
    labels: list[tuple[str, float, float]] = field(default_factory=list)  # text, x, y in frame pt from top-left
    legend: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, colour, text)
    site_labels: list[tuple[str, float, float]] = field(default_factory=list)  # "#1", x, y in frame pt

    @property
    def metres_per_pt(self) -> float:
        return (self.extent[2] - self.extent[0]) / (self.image.shape[1] * 72.0 / MAP_DPI)


def fitted_extent(bounds: tuple[float, float, float, float], aspect: float, pad: float = 0.04):
    """``bounds`` grown by ``pad`` and to the frame's aspect (height / width), centred."""
    x0, y0, x1, y1 = bounds
    w, h = (x1 - x0) * (1 + 2 * pad), (y1 - y0) * (1 + 2 * pad)
    if h / w > aspect:
        w = h / aspect
    else:
        h = w * aspect
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


class Canvas:
    """An RGB image with a map transform; polygons, lines and points composited with alpha."""

    def __init__(self, extent, cols: int, rows: int) -> None:
        from PIL import Image

        self.extent, self.cols, self.rows = extent, cols, rows
        self.img = Image.new("RGBA", (cols, rows), (255, 255, 255, 255))
        self.sx = cols / (extent[2] - extent[0])
        self.sy = rows / (extent[3] - extent[1])

    def px(self, xy: np.ndarray) -> list[tuple[float, float]]:
        x = (xy[:, 0] - self.extent[0]) * self.sx
        y = (self.extent[3] - xy[:, 1]) * self.sy
        return list(zip(x.tolist(), y.tolist()))

    def _layer(self):
        from PIL import Image, ImageDraw

        mask = Image.new("L", (self.cols, self.rows), 0)
        return mask, ImageDraw.Draw(mask)

    def _composite(self, mask, colour: str, alpha: float) -> None:
        from PIL import Image

        from ..carto.colors import hex_to_rgba

        r, g, b, a = hex_to_rgba(colour, alpha)
        if a == 0:
            return
        solid = Image.new("RGBA", (self.cols, self.rows), (r, g, b, 255))
        m = mask.point(lambda v: v * a // 255)
        self.img.paste(solid, (0, 0), m)

    def polygons(self, geoms, colours: list[str] | str, alpha: float = 1.0, outline: str | None = None,
                 width: float = 0.0) -> None:
        """Fill ``geoms`` (projected) — one colour each or one for all — then stroke their outlines."""
        import shapely

        colours = [colours] * len(geoms) if isinstance(colours, str) else colours
        by_colour: dict[str, list] = {}
        for g, c in zip(geoms, colours):
            if g is not None and not g.is_empty:
                by_colour.setdefault(c, []).append(g)
        for colour, gs in by_colour.items():
            mask, draw = self._layer()
            for poly in shapely.get_parts(np.array(gs, dtype=object)):
                if poly.geom_type != "Polygon":
                    continue
                draw.polygon(self.px(np.asarray(poly.exterior.coords)), fill=255)
                for hole in poly.interiors:
                    draw.polygon(self.px(np.asarray(hole.coords)), fill=0)
            self._composite(mask, colour, alpha)
        if outline and width > 0:
            self.lines([g.boundary for g in geoms if g is not None and not g.is_empty], outline, width)

    def lines(self, geoms, colour: str, width: float, alpha: float = 1.0) -> None:
        import shapely

        mask, draw = self._layer()
        w = max(1, int(round(width * MAP_DPI / 72.0)))
        for line in shapely.get_parts(np.array(list(geoms), dtype=object)):
            coords = np.asarray(line.coords) if line.geom_type in ("LineString", "LinearRing") else None
            if coords is not None and len(coords) > 1:
                draw.line(self.px(coords), fill=255, width=w, joint="curve")
        self._composite(mask, colour, alpha)

    def points(self, geoms, colours: list[str], radius_pt: float = 3.0) -> None:
        from PIL import ImageDraw

        from ..carto.colors import hex_to_rgba

        draw = ImageDraw.Draw(self.img)
        r = radius_pt * MAP_DPI / 72.0
        for g, c in zip(geoms, colours):
            if g is None or g.is_empty:
                continue
            (x, y), = self.px(np.asarray(g.centroid.coords))
            draw.ellipse((x - r, y - r, x + r, y + r), fill=hex_to_rgba(c), outline=(255, 255, 255, 255),
                         width=max(1, int(r / 3)))

    def array(self) -> np.ndarray:
        return np.asarray(self.img.convert("RGB"))


def write_geopdf(drawing: MapDrawing, frame: Frame, page_w: float, path: Path) -> None:
    """A one-page PDF holding the image at ``frame``, georeferenced (ISO 32000) by GDAL."""
    import rasterio
    from rasterio.errors import RasterioError
    from rasterio.io import MemoryFile
    from rasterio.shutil import copy as rio_copy
    from affine import Affine

    rows, cols, _ = drawing.image.shape
    x0, y0, x1, y1 = drawing.extent
    transform = Affine((x1 - x0) / cols, 0.0, x0, 0.0, -(y1 - y0) / rows, y1)
    right = int(round(page_w - frame.left - frame.width))
    top = int(round(frame.page_height - frame.bottom - frame.height))
    x0, y0, x1, y1 = drawing.extent
    neatline = f"POLYGON(({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0}))"
    opts = {"DPI": repr(frame.dpi), "LEFT_MARGIN": str(frame.left), "BOTTOM_MARGIN": str(frame.bottom),
            "RIGHT_MARGIN": str(max(right, 0)), "TOP_MARGIN": str(max(top, 0)), "GEO_ENCODING": "ISO32000",
            "NEATLINE": neatline, "COMPRESS": "DEFLATE", "PREDICTOR": "2", "WRITE_INFO": "NO"}
    try:
        with MemoryFile() as mem:
            with mem.open(driver="GTiff", width=cols, height=rows, count=3, dtype="uint8", crs=drawing.crs,
                          transform=transform) as ds:
                ds.write(np.moveaxis(drawing.image, 2, 0))
            with mem.open() as src:
                rio_copy(src, str(path), driver="PDF", **opts)
    except (RasterioError, OSError) as exc:
        raise SinkmapError(code="export.map_page_failed", detail=str(exc)[:300]) from None
    _ = rasterio  # imported for its GDAL environment


__all__ = ["Canvas", "Frame", "MAP_DPI", "MapDrawing", "fitted_extent", "make_frame", "write_geopdf"]
