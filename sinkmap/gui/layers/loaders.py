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
#: Vector files at least this big (all sidecars together) load in a worker process.
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
    return spec.kind == "vector" and not spec.path.startswith("builtin:") and file_bytes(spec.path) >= PROCESS_BYTES


def _read_frame(spec: LayerSpec, feedback: Feedback) -> gpd.GeoDataFrame:
    if spec.path == BUILTIN_BOUNDARIES:  # the bundled administrative units of a city / the province
        from ...io.boundaries import load_units

        unit = spec.layer or "湖南省"
        frame = load_units(province=unit) if unit.endswith("省") else load_units(city=unit)
        if (frame["level"] == "county").any():
            frame = frame[frame["level"] == "county"]
        return frame
    from ...io.vectors import read_vector

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
