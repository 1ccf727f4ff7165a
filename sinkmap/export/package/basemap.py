"""An offline basemap for QField and QGIS: the package's rasters drawn once into RGBA tiles in a GeoPackage.

QField draws a handful of GeoTIFFs (DEM ramp, hillshade multiplied over it, land-cover palette) slowly on a
phone and cannot do the multiply blend everywhere; one pre-drawn raster tile layer with zoom levels is what
offline field apps use. ``data/basemap.gpkg`` holds a single raster table ``basemap`` (GDAL's GPKG raster
driver, PNG tiles of 256 px, zoom levels as GDAL overviews) on the grid of the packaged DEM (else the land
cover), in that raster's CRS (CGCS2000):

* colour: the land cover's palette where it has a class (the app's scheme colours, nearest cell), else the
  DEM's terrain ramp over its own range;
* shade: multiplied by the hillshade factor (the same factor the app multiplies the DEM by);
* alpha 0 outside the data (outside the area);
* at most :data:`MAX_SIDE` pixels on the long side (the DEM averaged over n × n cells beyond that; the
  GeoTIFFs keep every cell).

The file has no vector table, so ``./data/basemap.gpkg`` opens as that raster in QGIS and QField.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ...core.feedback import Feedback
from ...core.project import Style
from .model import PackedLayer, Provenance, role_name

BASEMAP = "data/basemap.gpkg"
TABLE = "basemap"
TILE = 256
#: The basemap's long side at most (pixels): larger rasters are drawn from every n-th cell (averaged).
MAX_SIDE = 2560


def _pick(packed: list[PackedLayer], role: str) -> PackedLayer | None:
    return next((layer for layer in packed if layer.kind == "raster" and layer.role == role and layer.raster), None)


def _landcover_rgb(path: Path, style: Style, shape: tuple[int, int], transform, crs) -> tuple[np.ndarray, np.ndarray]:
    """(rgb uint8 (rows, cols, 3), has-class mask) of the land cover on the basemap grid (nearest cell)."""
    import rasterio
    from rasterio.warp import Resampling, reproject

    from ...carto.colors import hex_to_rgba
    from ...io.schemes import load_scheme

    codes = np.full(shape, -1, dtype=np.int32)
    with rasterio.open(path) as src:
        nodata = src.nodata if src.nodata is not None else 0
        reproject(rasterio.band(src, 1), codes, src_nodata=nodata, dst_nodata=-1, dst_transform=transform,
                  dst_crs=crs, resampling=Resampling.nearest)
    classes = load_scheme(style.scheme or "sandiao").classes
    colors = {c.value: hex_to_rgba(c.color)[:3] for c in classes}
    lo, hi = min(min(colors), 0), max(colors)
    table = np.zeros((hi - lo + 2, 3), dtype=np.uint8)  # the last row: no class
    known = np.zeros(hi - lo + 2, dtype=bool)
    for value, rgb in colors.items():
        table[value - lo] = rgb
        known[value - lo] = True
    idx = np.where((codes >= lo) & (codes <= hi), codes - lo, hi - lo + 1)
    return table[idx], known[idx]


def _grid(src, max_side: int):
    """(rows, cols, transform) of the basemap: the raster's grid, or every ``step``-th cell of it when its long
    side is over ``max_side`` (a phone's basemap need not hold a province's 3″ cells)."""
    from affine import Affine

    step = max(1, int(np.ceil(max(src.width, src.height) / max_side)))
    rows, cols = int(np.ceil(src.height / step)), int(np.ceil(src.width / step))
    return rows, cols, src.transform * Affine.scale(src.width / cols, src.height / rows)


def write_basemap(stage: Path, packed: list[PackedLayer], feedback: Feedback,
                  max_side: int = MAX_SIDE) -> PackedLayer | None:
    """Write ``stage/data/basemap.gpkg`` from the packed DEM, hillshade and land cover (see the module
    docstring); None when the package has none of them. Colours are uint8 throughout: each cell
    ``round(colour × shade / 255)``, computed in integers."""
    import rasterio
    from pyproj import CRS
    from rasterio.enums import Resampling

    from ...carto.colors import ramp_lut

    dem, shade, cover = _pick(packed, "dem"), _pick(packed, "hillshade"), _pick(packed, "landcover")
    if cover is not None and cover.style.kind != "classes":
        cover = None
    grid = dem or cover
    if grid is None:
        return None
    with rasterio.open(stage / grid.raster) as src:
        crs = src.crs
        height, width, transform = _grid(src, max_side)
        first = src.read(1, masked=True, out_shape=(height, width),
                         resampling=Resampling.average if dem is not None else Resampling.nearest)
    shape = (height, width)
    rgb = np.zeros(shape + (3,), dtype=np.uint8)
    valid = np.zeros(shape, dtype=bool)
    if dem is not None:
        ok = ~np.ma.getmaskarray(first)
        if ok.any():
            z = np.asarray(first.filled(0), dtype=np.float64)
            lo, hi = float(z[ok].min()), float(z[ok].max())
            lut = np.asarray(ramp_lut("terrain", 256))[:, :3]
            idx = np.clip(np.round((z - lo) / max(hi - lo, 1e-9) * 255), 0, 255).astype(np.uint8)
            rgb[ok] = lut[idx[ok]]
            valid |= ok
        del first
    feedback.check()
    if cover is not None:
        lc_rgb, has = _landcover_rgb(stage / cover.raster, cover.style, shape, transform, crs)
        rgb[has] = lc_rgb[has]
        valid |= has
        del lc_rgb
    if shade is not None and dem is not None:
        with rasterio.open(stage / shade.raster) as src:
            factor = src.read(1, out_shape=shape, resampling=Resampling.nearest)
        factor = np.where(factor > 0, factor, 255).astype(np.uint16)
        rgb = ((rgb.astype(np.uint16) * factor[..., None] + 127) // 255).astype(np.uint8)
    feedback.check()
    out = np.zeros((4,) + shape, dtype=np.uint8)
    out[:3] = np.moveaxis(rgb, -1, 0)
    del rgb
    out[:3, ~valid] = 0
    out[3] = np.where(valid, 255, 0).astype(np.uint8)
    dest = stage / BASEMAP
    synthetic = any(layer.provenance.synthetic for layer in (dem, shade, cover) if layer is not None)
    sources = [layer for layer in (cover, dem, shade) if layer is not None]
    description = ("sinkmap offline basemap: " + ", ".join(layer.name_en for layer in sources)
                   + (" — synthetic demo data" if synthetic else ""))
    with rasterio.open(dest, "w", driver="GPKG", width=width, height=height, count=4, dtype="uint8", crs=crs,
                       transform=transform, TILE_FORMAT="PNG", BLOCKSIZE=TILE, ZLEVEL=1, RASTER_TABLE=TABLE,
                       RASTER_IDENTIFIER="离线底图 offline basemap", RASTER_DESCRIPTION=description) as dst:
        dst.write(out)
    # zoom levels down to one tile (GDAL's GPKG driver refuses levels of an image that fits a tile)
    factors, f = [], 2
    while max(width, height) / (f // 2) > TILE:
        factors.append(f)
        f *= 2
    if factors:
        with rasterio.open(dest, "r+") as dst:
            dst.build_overviews(factors, Resampling.average)
    feedback.check()
    c = CRS.from_user_input(crs)
    info: dict[str, Any] = {
        "width": width, "height": height, "bands": 4, "dtype": "uint8", "nodata": None, "crs": c.to_string(),
        "crs_wkt": c.to_wkt(), "overviews": factors, "min": 0.0, "max": 255.0, "values": None,
        "bounds": list(rasterio.transform.array_bounds(height, width, transform)),
        "format": "GeoPackage raster tiles (PNG, 256 px)", "table": TABLE,
        "drawn_from": [layer.id for layer in sources], "res": [float(transform.a), float(-transform.e)]}
    prov = Provenance(source="drawn by sinkmap from " + ", ".join(f"{layer.id} ({layer.provenance.source})"
                                                                  for layer in sources),
                      licence=sources[0].provenance.licence, synthetic=synthetic)
    return PackedLayer(id="basemap", name=role_name("basemap") or "离线底图", name_en=role_name("basemap", zh=False)
                       or "Offline basemap", kind="raster", role="basemap", style=Style(kind="rgba"), visible=False,
                       provenance=prov, raster=Path(BASEMAP), raster_info=info)


__all__ = ["BASEMAP", "TABLE", "write_basemap"]
