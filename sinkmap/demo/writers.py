"""Writing the demo world: GeoTIFFs and a GeoPackage, every one labelled synthetic in name and metadata."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import rasterio
import shapely
from rasterio.enums import ColorInterp

from ..core.crs import STORAGE_CRS
from .grid import Grid

LABEL = "synthetic demo data — not real inventory"
LABEL_ZH = "演示数据（合成），非真实调查数据"
SYNTHETIC_TAGS = {"SINKMAP_SYNTHETIC": "yes", "DESCRIPTION": f"{LABEL} / {LABEL_ZH}"}
SOURCE_FIELD = "SJLY"  # 数据来源: carried by every feature so exports say it too
SOURCE_VALUE = "演示数据（合成）synthetic demo"


def write_raster(path: Path, data: np.ndarray, grid: Grid, nodata: float, title: str, extra_tags: dict | None = None,
                 colormap: dict[int, tuple[int, int, int, int]] | None = None) -> Path:
    """A tiled, DEFLATE-compressed GeoTIFF in EPSG:4490 with the synthetic label in its tags."""
    predictor = 2 if np.issubdtype(data.dtype, np.integer) else 3
    profile = {
        "driver": "GTiff", "width": grid.width, "height": grid.height, "count": 1, "dtype": data.dtype.name,
        "crs": STORAGE_CRS, "transform": grid.transform, "nodata": nodata, "tiled": True, "blockxsize": 512,
        "blockysize": 512, "compress": "deflate", "predictor": predictor, "zlevel": 6, "BIGTIFF": "IF_SAFER",
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)
        dst.update_tags(**SYNTHETIC_TAGS, TITLE=title, **(extra_tags or {}))
        dst.set_band_description(1, f"{title} ({LABEL})")
        if colormap:
            dst.write_colormap(1, colormap)
            dst.colorinterp = [ColorInterp.palette]
    return path


def write_layers(path: Path, layers: dict[str, tuple[str, gpd.GeoDataFrame, str]]) -> None:
    """Write every layer (name, frame, description) into one GeoPackage with synthetic metadata."""
    for name, frame, description in layers.values():
        f = frame.copy()
        if len(f) and f.geom_type.isin(["Polygon", "MultiPolygon"]).all():
            f["geometry"] = _valid_polygons(f.geometry.values)
        f[SOURCE_FIELD] = SOURCE_VALUE
        pyogrio.write_dataframe(
            f, path, layer=name, driver="GPKG",
            layer_metadata={"DESCRIPTION": f"{description} — {LABEL} / {LABEL_ZH}", "SINKMAP_SYNTHETIC": "yes"},
            dataset_metadata={"SINKMAP_SYNTHETIC": "yes", "DESCRIPTION": f"sinkmap demo world — {LABEL}"},
        )


def colormap_from_scheme(scheme) -> dict[int, tuple[int, int, int, int]]:
    out = {}
    for c in scheme.classes:
        h = c.color.lstrip("#")
        out[int(c.value)] = (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16), 255)
    out[0] = (0, 0, 0, 0)
    return out


PRECISION_DEG = 1e-7  # ~1 cm: vertices snapped to this grid keep polygons valid after reprojection too


def _valid_polygons(geoms) -> list:
    """Snapped to a 1 cm grid (GEOS keeps the result valid) and made valid, polygonal part only: readers
    must not have to repair anything, in lon/lat or after projecting to an equal-area CRS."""
    out = []
    geoms = np.asarray(geoms, dtype=object)
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        geoms = geoms.copy()
        geoms[bad] = shapely.make_valid(geoms[bad])
    snapped = shapely.set_precision(geoms, PRECISION_DEG)
    bad = ~shapely.is_valid(snapped)
    if bad.any():
        snapped[bad] = shapely.make_valid(snapped[bad])
    for g in snapped:
        if g.geom_type not in ("Polygon", "MultiPolygon"):
            parts = [p for p in shapely.get_parts(g) if p.geom_type == "Polygon"]
            g = shapely.MultiPolygon(parts) if len(parts) > 1 else (parts[0] if parts else shapely.Polygon())
        out.append(g)
    return out
