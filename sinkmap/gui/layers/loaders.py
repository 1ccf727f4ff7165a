"""Loading a layer's data for the canvas, in a thread or in a worker process. No Qt.

Small files load in a thread. Large vector files load in a worker process (see ``procworker``):
reading them holds the GIL for long, which would freeze the window. The child reads and flattens the
layer and sends back plain arrays plus the geometries as WKB; the parent rebuilds the geometries in
chunks so that no single step holds the GIL for long.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ...core.feedback import Feedback, SubFeedback, ensure
from ...core.project import LayerSpec
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
        import pyogrio

        count = pyogrio.read_info(spec.path, layer=spec.layer, force_feature_count=True).get("features", -1)
    except Exception:  # noqa: BLE001 - unreadable: the loader reports it properly
        return False
    return count < 0 and file_bytes(spec.path) >= PROCESS_BYTES or count >= PROCESS_FEATURES


def _read_frame(spec: LayerSpec, feedback: Feedback) -> gpd.GeoDataFrame:
    if spec.path == BUILTIN_BOUNDARIES:  # the bundled administrative units of a city / the province
        from ...io.boundaries import load_units

        units = [u.strip() for u in (spec.layer or "湖南省").split(",") if u.strip()]
        frames = [load_units(province=u) if u.endswith("省") else load_units(city=u) for u in units]
        frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        if (frame["level"] == "county").any():
            frame = frame[frame["level"] == "county"]
        return gpd.GeoDataFrame(frame, geometry=frame.geometry.name, crs=frames[0].crs)
    from ...io.vectors import read_vector

    if spec.crs and spec.crs.upper().replace("-", "") == "GCJ02":  # web-map coordinates: convert at the edge
        from ...io.gcj02 import frame_gcj02_to_cgcs2000

        frame = read_vector(spec.path, layer=spec.layer, encoding=spec.encoding, crs=None, assume_lonlat=True,
                            feedback=feedback)
        return frame_gcj02_to_cgcs2000(frame)
    return read_vector(spec.path, layer=spec.layer, encoding=spec.encoding, crs=spec.crs, feedback=feedback)


def load_layer(spec: LayerSpec, display_crs: str, feedback: Feedback | None = None) -> VectorData | RasterData:
    """Read and prepare a layer in the calling thread."""
    feedback = ensure(feedback)
    if spec.kind == "raster":
        return open_raster(spec.path, display_crs, feedback=feedback)
    frame = _read_frame(spec, SubFeedback(feedback, 0.0, 0.7))
    return prepare_vector(frame, display_crs, SubFeedback(feedback, 0.7, 1.0))


#: Arrays sent from the worker process through files (np.save / memory-mapped np.load) rather than
#: pickled through the pipe: unpickling 100 MB holds the GIL for ~100 ms, a chunked copy does not.
_SHIPPED = ("coords", "part_offsets", "part_feature", "bounds", "wkb", "wkb_offsets")
_COPY_CHUNK = 2_000_000


def vector_payload(spec: LayerSpec, display_crs: str, feedback: Feedback | None = None) -> dict:
    """(In the worker process.) The prepared layer: attributes pickled, big arrays in a temp folder."""
    feedback = ensure(feedback)
    data = load_layer(spec, display_crs, feedback)
    frame = data.frame
    geom_name = frame.geometry.name
    wkb = shapely.to_wkb(np.asarray(frame.geometry.array))
    sizes = np.fromiter((0 if b is None else len(b) for b in wkb), dtype=np.int64, count=len(wkb))
    offsets = np.zeros(len(wkb) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    arrays = {"coords": data.coords, "part_offsets": data.part_offsets, "part_feature": data.part_feature,
              "bounds": data.bounds, "wkb": np.frombuffer(b"".join(b for b in wkb if b is not None), np.uint8),
              "wkb_offsets": offsets}
    folder = Path(tempfile.mkdtemp(prefix="sinkmap-layer-"))
    for name, arr in arrays.items():
        np.save(folder / f"{name}.npy", arr, allow_pickle=False)
    return {"attrs": pd.DataFrame(frame.drop(columns=[geom_name])), "geom_name": geom_name,
            "crs": frame.crs.to_wkt(), "kind": data.kind, "display_crs": display_crs, "folder": str(folder)}


def _take(path: Path) -> np.ndarray:
    """Load an .npy through a memory map, copying in chunks (each step holds the GIL briefly)."""
    src = np.load(path, mmap_mode="r", allow_pickle=False)
    out = np.empty(src.shape, dtype=src.dtype)
    flat_src, flat_out = src.reshape(-1), out.reshape(-1)
    for i in range(0, len(flat_src), _COPY_CHUNK):
        flat_out[i:i + _COPY_CHUNK] = flat_src[i:i + _COPY_CHUNK]
    del src, flat_src
    return out


def vector_from_payload(payload: dict, feedback: Feedback | None = None) -> VectorData:
    """(In the parent, off the GUI thread.) Rebuild the VectorData; always removes the temp folder."""
    folder = Path(payload["folder"])
    try:
        if feedback is not None:
            feedback.check()
        arr = {name: _take(folder / f"{name}.npy") for name in _SHIPPED}
        wkb, off = arr["wkb"], arr["wkb_offsets"].tolist()
        n = len(off) - 1
        parts = []
        for start in range(0, n, 2_500):
            if feedback is not None:
                feedback.check()
            stop = min(n, start + 2_500)
            base = off[start]
            buf = wkb[base:off[stop]].tobytes()  # one chunk's bytes, not the whole layer's
            chunk = np.array([buf[off[i] - base:off[i + 1] - base] or None for i in range(start, stop)], dtype=object)
            parts.append(shapely.from_wkb(chunk))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    geoms = np.concatenate(parts) if parts else np.zeros(0, dtype=object)
    frame = gpd.GeoDataFrame(payload["attrs"], geometry=gpd.GeoSeries(geoms, crs=payload["crs"],
                                                                       name=payload["geom_name"]))
    return VectorData(frame=frame, kind=payload["kind"], coords=arr["coords"], part_offsets=arr["part_offsets"],
                      part_feature=arr["part_feature"], bounds=arr["bounds"], display_crs=payload["display_crs"])


def pid() -> int:
    """The current process id (tests check that a load really ran elsewhere)."""
    return os.getpid()
