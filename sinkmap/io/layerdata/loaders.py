"""Loading a layer's data for the canvas, in a thread or in a worker process. No Qt.

Small files load in a thread. Large vector files load in a worker process (see :mod:`sinkmap.jobs.worker`):
reading them holds the GIL for long, which would freeze the window. The child reads and flattens the
layer and sends back plain arrays plus the geometries as WKB; the parent rebuilds the geometries in
chunks so that no single step holds the GIL for long.
"""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd

from ...core.feedback import Feedback, SubFeedback, ensure
from ...core.project import LayerSpec
from . import layer_cache
from .data import VectorData, prepare_vector
from .raster_data import RasterData, open_raster

BUILTIN_BOUNDARIES = "builtin:boundaries"
#: Vector layers with at least this many features (or Shapefiles this big) load in a worker process.
PROCESS_FEATURES = 50_000
PROCESS_BYTES = 8_000_000
_SHP_SIDECARS = (".shp", ".shx", ".dbf")


def file_bytes(path: str | Path) -> int:
    p = Path(path)
    try:
        if p.suffix.lower() == ".shp":
            return sum(p.with_suffix(ext).stat().st_size for ext in _SHP_SIDECARS if p.with_suffix(ext).exists())
        return p.stat().st_size
    except OSError:
        return 0


def use_process(spec: LayerSpec) -> bool:
    """Whether reading the layer is big enough to hold the GIL for long (then: a worker process)."""
    if spec.kind != "vector" or spec.path.startswith("builtin:"):
        return False
    if Path(spec.path).suffix.lower() == ".shp":
        return file_bytes(spec.path) >= PROCESS_BYTES
    try:
        from ..ogr import pyogrio

        count = pyogrio.read_info(spec.path, layer=spec.layer, force_feature_count=True).get("features", -1)
    except Exception:  # noqa: BLE001 - unreadable: the loader reports it properly
        return False
    return count < 0 and file_bytes(spec.path) >= PROCESS_BYTES or count >= PROCESS_FEATURES


def quick_extent(spec: LayerSpec, display_crs: str) -> tuple[float, float, float, float] | None:
    """The layer's extent in the display CRS from the file's header (no features read); None if unknown."""
    from rasterio.warp import transform_bounds

    try:
        if spec.kind == "raster":
            import rasterio

            with rasterio.open(spec.path) as src:
                return tuple(transform_bounds(spec.crs or src.crs, display_crs, *src.bounds, densify_pts=21))
        if spec.path.startswith("builtin:") or spec.crs:
            return None
        from ..ogr import pyogrio

        info = pyogrio.read_info(spec.path, layer=spec.layer, force_total_bounds=True)
        if info.get("crs") is None or info.get("total_bounds") is None:
            return None
        return tuple(transform_bounds(info["crs"], display_crs, *info["total_bounds"], densify_pts=21))
    except Exception:  # noqa: BLE001 - a hint only; the real load reports problems
        return None


def _read_frame(spec: LayerSpec, feedback: Feedback) -> gpd.GeoDataFrame:
    if spec.path == BUILTIN_BOUNDARIES:  # the bundled administrative units of a city / the province
        from ..boundaries import load_units

        units = [u.strip() for u in (spec.layer or "湖南省").split(",") if u.strip()]
        frames = [load_units(province=u) if u.endswith("省") else load_units(city=u) for u in units]
        frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        if (frame["level"] == "county").any():
            frame = frame[frame["level"] == "county"]
        return gpd.GeoDataFrame(frame, geometry=frame.geometry.name, crs=frames[0].crs)
    from ..vectors import read_vector

    return read_vector(spec.path, layer=spec.layer, encoding=spec.encoding, crs=spec.crs, feedback=feedback)


def load_layer(spec: LayerSpec, display_crs: str, feedback: Feedback | None = None) -> VectorData | RasterData:
    """Read and prepare a layer in the calling thread."""
    feedback = ensure(feedback)
    if spec.kind == "raster":
        return open_raster(spec.path, display_crs, feedback=feedback, crs=spec.crs)
    frame = _read_frame(spec, SubFeedback(feedback, 0.0, 0.7))
    return prepare_vector(frame, display_crs, SubFeedback(feedback, 0.7, 1.0))


def vector_payload(spec: LayerSpec, display_crs: str, feedback: Feedback | None = None) -> dict:
    """(In the worker process.) Read and prepare the layer; hand it over as a folder of arrays."""
    data = load_layer(spec, display_crs, feedback)
    return {"folder": str(layer_cache.write_temp(data)), "key": layer_cache.cache_key(spec, display_crs)}


def vector_from_payload(payload: dict, feedback: Feedback | None = None) -> VectorData:
    """(In the parent, off the GUI thread.) Read the handed-over folder, then keep it as the cache entry."""
    folder = Path(payload["folder"])
    try:
        if feedback is not None:
            feedback.check()
        data = layer_cache.read_folder(folder, feedback)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    layer_cache.store(folder, payload.get("key"))
    return data


def load_layer_cached(spec: LayerSpec, display_crs: str, feedback: Feedback | None = None
                      ) -> VectorData | RasterData:
    """``load_layer`` through the layer cache (vector files): a hit skips reading and flattening."""
    key = layer_cache.cache_key(spec, display_crs)
    hit = layer_cache.lookup(key)
    if hit is not None:
        try:
            return layer_cache.read_folder(hit, feedback)
        except (OSError, ValueError, KeyError, EOFError, pickle.UnpicklingError):
            shutil.rmtree(hit, ignore_errors=True)  # a damaged entry: read the file again
    data = load_layer(spec, display_crs, feedback)
    if key is not None and isinstance(data, VectorData):
        try:
            layer_cache.store(layer_cache.write_temp(data), key)
        except OSError:
            pass  # a full disk costs the cache, not the layer
    return data


def is_cached(spec: LayerSpec, display_crs: str) -> bool:
    return layer_cache.lookup(layer_cache.cache_key(spec, display_crs)) is not None


def pid() -> int:
    """The current process id (tests check that a load really ran elsewhere)."""
    return os.getpid()
