"""Rasters on the exported maps: siting results (``site suitability``, ``site exclusions`` GeoTIFFs) and other
single-band rasters, coloured as the app colours them (:mod:`sinkmap.carto`).

For the web map a raster is reprojected to Web Mercator (EPSG:3857 — Leaflet stretches an image overlay
linearly between its corners in that projection, so an image in any other projection would be misplaced),
coloured with the style's ramp and embedded in the page as a PNG ``data:`` URI. Resampling follows what the
values are, as the app's canvas does: a continuous score (suitability) is averaged; classes and stepped
ramps (the exclusions' excluded / partial / included) take the nearest cell, so no blend of 0 and 1 reads
as "partial". The image is kept under :data:`MAX_PIXELS` pixels (downsampled when the raster is larger,
which the page states).

No Qt. The report draws the same colours into its map (:func:`colour_values`).
"""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core.errors import InputError
from ..core.messages import is_chinese

#: The most pixels one raster's image on the web page may have (it is downsampled to fit, and the page says so).
MAX_PIXELS = 1_000_000
DATA_DEMO = "synthetic_demo"
_TECH = {"pv": ("光伏", "PV"), "wind": ("风电", "wind"), "phes": ("抽水蓄能", "pumped storage")}


@dataclass
class RasterInfo:
    """What a raster file is, from its tags: its role (``siting_suitability``, ``siting_exclusions`` or
    ``raster``), the siting technology, and whether its data are synthetic."""

    path: Path
    role: str
    tech: str = ""
    synthetic: bool = False
    crs: str = ""
    size: tuple[int, int] = (0, 0)
    bounds_lonlat: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    vmin: float = 0.0
    vmax: float = 1.0

    @property
    def classes(self) -> bool:
        """Values are steps or classes (nearest-cell resampling), not a continuous score (averaged)."""
        return self.role == "siting_exclusions"

    @property
    def style(self):
        from ..carto.styles import ROLE_STYLES
        from ..core.project import Style

        if self.role in ROLE_STYLES:
            return ROLE_STYLES[self.role]
        return Style(kind="ramp", ramp="greys", vmin=self.vmin, vmax=self.vmax, opacity=0.8)


def _open(path: Path):
    import rasterio
    from rasterio.errors import RasterioIOError

    try:
        return rasterio.open(path)
    except (RasterioIOError, OSError) as exc:
        raise InputError(code="export.raster_unreadable", path=path, detail=str(exc)[:200]) from None


def _crs_of(ds, path: Path, assumed: str | None):
    from rasterio.crs import CRS
    from rasterio.errors import CRSError

    if ds.crs is not None:
        return ds.crs
    if not assumed:
        raise InputError(code="export.raster_no_crs", path=path)
    from ..io.vectors import is_gcj02_name

    if is_gcj02_name(assumed):  # sinkmap converts GCJ-02 vectors; no raster it makes or reads is GCJ-02
        raise InputError(code="export.raster_gcj02", path=path)
    try:
        return CRS.from_user_input(assumed)
    except CRSError as exc:
        raise InputError(code="io.crs.user_unreadable", path=path, crs=assumed, detail=str(exc)[:120]) from None


def raster_info(path: Path, assumed_crs: str | None = None) -> RasterInfo:
    """The role and facts of a raster file (refused, with a coded message naming it, when it has no CRS
    and none is assumed)."""
    from rasterio.warp import transform_bounds

    path = Path(path)
    with _open(path) as ds:
        crs = _crs_of(ds, path, assumed_crs)
        tags = ds.tags()
        if "SITING_TECH" in tags:
            role = "siting_suitability" if "SITING_WEIGHTS" in tags else "siting_exclusions"
        else:
            role = "raster"
        vmin, vmax = 0.0, 1.0
        if role == "raster":
            data = ds.read(1, masked=True, out_shape=(min(ds.height, 512), min(ds.width, 512)))
            if data.count():
                vmin, vmax = float(data.min()), float(data.max())
        b = transform_bounds(crs, "EPSG:4326", *ds.bounds, densify_pts=21)
        return RasterInfo(path=path, role=role, tech=tags.get("SITING_TECH", ""),
                          synthetic=tags.get("SITING_DATA") == DATA_DEMO, crs=crs.to_string(),
                          size=(ds.width, ds.height), bounds_lonlat=tuple(float(v) for v in b), vmin=vmin,
                          vmax=vmax if vmax > vmin else vmin + 1.0)


def raster_name(info: RasterInfo, lang: str) -> str:
    """The layer's name on the maps: what it is, the technology, the file; the synthetic label where true."""
    zh = is_chinese(lang)
    tech = _TECH.get(info.tech, (info.tech, info.tech))[0 if zh else 1]
    what = {"siting_suitability": ("选址适宜性", "siting suitability"),
            "siting_exclusions": ("选址排除区", "siting exclusions")}.get(info.role, ("栅格", "raster"))[0 if zh else 1]
    name = (f"{what}（{tech}）" if zh else f"{what} ({tech})") if tech else what
    name += f" · {info.path.name}"
    if info.synthetic:
        name += "（演示数据）" if zh else " (synthetic)"
    return name


def raster_legend(info: RasterInfo, lang: str) -> tuple[str, list[tuple[str, str]]]:
    """(legend title with the values' meaning and units, rows of (colour, text)); a transparent class is
    given as ``#rrggbb00``."""
    from ..carto.colors import SITING_COLORS, ramp_steps

    zh = is_chinese(lang)
    if info.role == "siting_suitability":
        rows = [(c, t) for c, t in ramp_steps("suitability", 0.0, 1.0, 5)]
        rows.append(("#ffffff00", "0：被规则排除（透明）" if zh else "0: excluded by a rule (transparent)"))
        return ("适宜性（0–1，无量纲；1 最适宜）" if zh else "suitability (0–1, unitless; 1 best)"), rows
    if info.role == "siting_exclusions":
        rows = [(SITING_COLORS["included"], "1：可用" if zh else "1: usable"),
                (SITING_COLORS["partial"], "0–1：部分可用（像元内可用比例）" if zh else "0–1: partly usable (share of the cell)"),
                (SITING_COLORS["excluded"], "0：被规则排除" if zh else "0: excluded by a rule")]
        return ("可用比例（0–1）" if zh else "usable share (0–1)"), rows
    rows = ramp_steps(info.style.ramp, info.vmin, info.vmax, 5)
    return ("波段 1 数值" if zh else "band 1 values"), rows


def colour_values(values: np.ndarray, valid: np.ndarray, info: RasterInfo) -> np.ndarray:
    """(H, W, 4) uint8 RGBA of band-1 ``values`` with the style's ramp, as the app's canvas colours them
    (``gui/canvas/raster_render.colorize``): the ramp's own alpha (suitability 0 is transparent), nothing
    where ``valid`` is false. The layer's opacity is not baked in."""
    from ..carto.colors import ramp_lut

    style = info.style
    lo = style.vmin if style.vmin is not None else info.vmin
    hi = style.vmax if style.vmax is not None else info.vmax
    lut = ramp_lut(style.ramp or "greys")
    t = np.clip((np.where(valid, values, lo) - lo) / max(hi - lo, 1e-9), 0.0, 1.0)
    rgba = lut[(t * (len(lut) - 1)).round().astype(np.int64)]
    rgba[~valid] = 0
    return rgba


def warp_band(path: Path, info: RasterInfo, dst_crs, dst_transform, width: int, height: int,
              assumed_crs: str | None = None) -> tuple[np.ndarray, np.ndarray, str]:
    """Band 1 of ``path`` on the grid given, resampled as its values need: (values float32, valid mask, the
    resampling used — ``nearest`` or ``average``).

    Classes and steps (exclusions) take the nearest cell. So does a score when the grid's cells are about the
    source's size (fewer than 2 source cells a pixel across): averaging there only blends neighbours, and a
    suitable block would get a pale rim of "low" scores where it meets excluded (0) cells. When the grid is
    coarser, a score is averaged over its usable cells (> 0) and a pixel is excluded (0) where most of it is.
    """
    from rasterio.enums import Resampling
    from rasterio.warp import reproject

    with _open(path) as ds:
        src_crs = _crs_of(ds, path, assumed_crs)
        # memory bounded: a raster of more than 16 cells per pixel of the grid is read subsampled to about that
        k = math.sqrt(ds.width * ds.height / max(16 * width * height, 1))
        if k > 1.0:
            shape = (max(1, int(ds.height / k)), max(1, int(ds.width / k)))
            src = ds.read(1, out_shape=shape, resampling=Resampling.nearest).astype(np.float32)
            src_transform = ds.transform * ds.transform.scale(ds.width / shape[1], ds.height / shape[0])
        else:
            src = ds.read(1).astype(np.float32)
            src_transform = ds.transform
        nodata = ds.nodata
    if nodata is not None and not (isinstance(nodata, float) and math.isnan(nodata)):
        src[src == np.float32(nodata)] = np.nan

    def warp(values: np.ndarray, how) -> np.ndarray:
        dst = np.full((height, width), np.nan, dtype=np.float32)
        reproject(values, dst, src_transform=src_transform, src_crs=src_crs, src_nodata=np.nan,
                  dst_transform=dst_transform, dst_crs=dst_crs, dst_nodata=np.nan, resampling=how)
        return dst

    src_h, src_w = src.shape
    factor = min(src_w / max(width, 1), src_h / max(height, 1))  # source cells per pixel, across
    if info.classes or factor < 2.0:
        dst = warp(src, Resampling.nearest)
        return dst, np.isfinite(dst), "nearest"
    if info.role != "siting_suitability":  # other rasters: a plain average
        dst = warp(src, Resampling.average)
        return dst, np.isfinite(dst), "average"
    usable = np.where(np.isfinite(src), (src > 0).astype(np.float32), np.nan)
    score = warp(np.where(src > 0, src, np.nan).astype(np.float32), Resampling.average)
    share = warp(usable, Resampling.average)
    valid = np.isfinite(share)
    dst = np.where(valid & (share >= 0.5) & np.isfinite(score), score, 0.0).astype(np.float32)
    return dst, valid, "average_usable"


@dataclass
class RasterOverlay:
    """One raster of the web map: a Web Mercator PNG and where it goes."""

    name: str
    role: str
    png: bytes
    bounds: tuple[float, float, float, float]  # west, south, east, north (degrees) of the image's corners
    size: tuple[int, int]  # the image's width, height
    source_size: tuple[int, int]
    resampling: str
    opacity: float
    legend_title: str
    legend_rows: list[tuple[str, str]] = field(default_factory=list)
    synthetic: bool = False
    show: bool = True
    max_pixels: int = MAX_PIXELS

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")

    def note(self, lang: str) -> str:
        """What the page says of the image: its size against the source's, the resampling, the limit."""
        zh = is_chinese(lang)
        (w, h), (sw, sh) = self.size, self.source_size
        how = {"average_usable": ("可用像元平均值，多数被排除处为排除", "averaged over usable cells, excluded where most is"),
               "average": ("平均值", "averaged"), "nearest": ("最邻近", "nearest cell")}[self.resampling][0 if zh else 1]
        if zh:
            return (f"栅格“{self.name}”：原 {sw}×{sh} 像元，重投影为 Web 墨卡托 {w}×{h} 像元（{how}重采样；"
                    f"每个栅格不超过 {self.max_pixels:,} 像元，超出时降采样）")
        return (f"raster “{self.name}”: {sw}×{sh} cells, reprojected to Web Mercator {w}×{h} pixels ({how}; at most "
                f"{self.max_pixels:,} pixels per raster, downsampled beyond)")


def raster_overlay(path: Path, lang: str, *, assumed_crs: str | None = None, max_pixels: int = MAX_PIXELS) -> RasterOverlay:
    """The web map's image of the raster at ``path`` (band 1), in Web Mercator, at most ``max_pixels``."""
    from PIL import Image
    from rasterio.warp import calculate_default_transform, transform_bounds

    info = raster_info(path, assumed_crs)
    with _open(Path(path)) as ds:
        src_crs = _crs_of(ds, Path(path), assumed_crs)
        transform, width, height = calculate_default_transform(src_crs, "EPSG:3857", ds.width, ds.height, *ds.bounds)
        left, bottom, right, top = transform_bounds(src_crs, "EPSG:3857", *ds.bounds, densify_pts=21)
    if width * height > max_pixels:  # coarser cells, the same extent
        k = math.sqrt(width * height / max_pixels)
        width, height = max(1, int(width / k)), max(1, int(height / k))
    from affine import Affine

    transform = Affine((right - left) / width, 0.0, left, 0.0, -(top - bottom) / height, top)
    values, valid, how = warp_band(Path(path), info, "EPSG:3857", transform, width, height, assumed_crs)
    rgba = colour_values(values, valid, info)
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, format="PNG", optimize=True)
    west, south, east, north = transform_bounds("EPSG:3857", "EPSG:4326", left, bottom, right, top)
    title, rows = raster_legend(info, lang)
    name = raster_name(info, lang)
    return RasterOverlay(name=name, role=info.role, png=buf.getvalue(), bounds=(west, south, east, north),
                         size=(width, height), source_size=info.size,
                         resampling=how, opacity=float(info.style.opacity),
                         legend_title=f"{name}：{title}" if is_chinese(lang) else f"{name}: {title}", legend_rows=rows,
                         synthetic=info.synthetic, max_pixels=max_pixels)


__all__ = ["MAX_PIXELS", "RasterInfo", "RasterOverlay", "colour_values", "raster_info", "raster_legend",
           "raster_name", "raster_overlay", "warp_band"]
