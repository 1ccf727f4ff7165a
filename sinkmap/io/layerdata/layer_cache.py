"""Prepared vector layers on disk: how the worker process hands a layer over, and the layer cache.

A prepared layer is a folder: the drawing arrays (coordinates in the display CRS, part offsets, part →
feature, feature bounds) and the geometries as one WKB buffer with offsets, all as ``.npy`` files, plus
the attributes (pickled DataFrame) and a small ``meta.json``. Reading copies the arrays out of memory
maps in chunks and rebuilds geometries 2,500 at a time, so no step holds the GIL for long.

The same folders make the layer cache (``cache_dir()/layers/<key>``): the key covers the file's path,
size and modification time, the layer, the encoding/CRS overrides and the display CRS, so an edited
file or another setting never reads a stale entry. With the cache, reopening a project draws its layers
without reading and flattening them again — this is what keeps a warm start within seconds.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ...core.feedback import Feedback
from ...core.project import LayerSpec
from .data import VectorData

FORMAT = 1
ARRAYS = ("coords", "part_offsets", "part_feature", "bounds", "wkb", "wkb_offsets")
_COPY_CHUNK = 2_000_000
_GEOM_CHUNK = 2_500
#: The cache keeps at most this many bytes; the least recently used entries go first.
CACHE_LIMIT_BYTES = 2_000_000_000


def write_folder(data: VectorData, folder: Path) -> None:
    frame = data.frame
    geom_name = frame.geometry.name
    wkb = shapely.to_wkb(np.asarray(frame.geometry.array))
    sizes = np.fromiter((0 if b is None else len(b) for b in wkb), dtype=np.int64, count=len(wkb))
    offsets = np.zeros(len(wkb) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    arrays = {"coords": data.coords, "part_offsets": data.part_offsets, "part_feature": data.part_feature,
              "bounds": data.bounds, "wkb": np.frombuffer(b"".join(b for b in wkb if b is not None), np.uint8),
              "wkb_offsets": offsets}
    for name, arr in arrays.items():
        np.save(folder / f"{name}.npy", arr, allow_pickle=False)
    with open(folder / "attrs.pkl", "wb") as fh:
        pickle.dump(pd.DataFrame(frame.drop(columns=[geom_name])), fh, protocol=5)
    meta = {"format": FORMAT, "geom_name": geom_name, "crs": frame.crs.to_wkt(), "kind": data.kind,
            "display_crs": data.display_crs}
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")


def write_temp(data: VectorData) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="sinkmap-layer-"))
    write_folder(data, folder)
    return folder


def _take(path: Path) -> np.ndarray:
    """An .npy read through a memory map and copied in chunks (each step holds the GIL briefly)."""
    src = np.load(path, mmap_mode="r", allow_pickle=False)
    out = np.empty(src.shape, dtype=src.dtype)
    flat_src, flat_out = src.reshape(-1), out.reshape(-1)
    for i in range(0, len(flat_src), _COPY_CHUNK):
        flat_out[i:i + _COPY_CHUNK] = flat_src[i:i + _COPY_CHUNK]
    del src, flat_src
    return out


def read_folder(folder: Path, feedback: Feedback | None = None) -> VectorData:
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    arr = {name: _take(folder / f"{name}.npy") for name in ARRAYS}
    with open(folder / "attrs.pkl", "rb") as fh:
        attrs = pickle.load(fh)
    wkb, off = arr["wkb"], arr["wkb_offsets"].tolist()
    n = len(off) - 1
    parts = []
    for start in range(0, n, _GEOM_CHUNK):
        if feedback is not None:
            feedback.check()
        stop = min(n, start + _GEOM_CHUNK)
        base = off[start]
        buf = wkb[base:off[stop]].tobytes()  # one chunk's bytes, not the whole layer's
        chunk = np.array([buf[off[i] - base:off[i + 1] - base] or None for i in range(start, stop)], dtype=object)
        parts.append(shapely.from_wkb(chunk))
    geoms = np.concatenate(parts) if parts else np.zeros(0, dtype=object)
    frame = gpd.GeoDataFrame(attrs, geometry=gpd.GeoSeries(geoms, crs=meta["crs"], name=meta["geom_name"]))
    return VectorData(frame=frame, kind=meta["kind"], coords=arr["coords"], part_offsets=arr["part_offsets"],
                      part_feature=arr["part_feature"], bounds=arr["bounds"], display_crs=meta["display_crs"])


# -- the cache ------------------------------------------------------------------------------------

def cache_root() -> Path:
    from ..catalogue import cache_dir

    root = cache_dir() / "layers"
    root.mkdir(parents=True, exist_ok=True)
    return root


def cache_key(spec: LayerSpec, display_crs: str) -> str | None:
    """A key for a file-based vector layer as read now; None when it cannot be cached."""
    if spec.kind != "vector" or spec.path.startswith("builtin:"):
        return None
    p = Path(spec.path)
    try:
        parts = [p.resolve()] + ([p.with_suffix(e) for e in (".dbf", ".shx", ".cpg", ".prj")]
                                 if p.suffix.lower() == ".shp" else [])
        stamp = [(str(q), q.stat().st_size, q.stat().st_mtime_ns) for q in parts if q.exists()]
    except OSError:
        return None
    text = json.dumps([FORMAT, stamp, spec.layer, spec.encoding, spec.crs, display_crs], ensure_ascii=False)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:20]


def lookup(key: str | None) -> Path | None:
    if key is None:
        return None
    folder = cache_root() / key
    if (folder / "meta.json").is_file():
        os.utime(folder)  # recently used
        return folder
    return None


def store(folder: Path, key: str | None) -> Path | None:
    """Move a finished temp folder into the cache (atomic rename); the folder is consumed either way."""
    if key is None:
        shutil.rmtree(folder, ignore_errors=True)
        return None
    target = cache_root() / key
    try:
        if target.exists():
            shutil.rmtree(folder, ignore_errors=True)
            return target
        tmp = cache_root() / f".{key}.{os.getpid()}.tmp"
        shutil.move(str(folder), tmp)  # same file system as the cache from here on
        os.replace(tmp, target)
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        return None
    prune()
    return target


def prune(limit: int = CACHE_LIMIT_BYTES) -> None:
    """Drop least recently used entries until the cache is under ``limit`` bytes."""
    entries = []
    for d in cache_root().iterdir():
        if d.is_dir() and not d.name.startswith("."):
            size = sum(f.stat().st_size for f in d.iterdir() if f.is_file())
            entries.append((d.stat().st_mtime, size, d))
    total = sum(e[1] for e in entries)
    for _mtime, size, d in sorted(entries):
        if total <= limit:
            break
        shutil.rmtree(d, ignore_errors=True)
        total -= size
