"""Polygon layers read, checked and projected once: a per-file cache for the vector ledger (issue 15).

Reading a layer for the ledger costs far more than measuring with it: GDAL reads every feature, the checks
run ``shapely.is_valid`` over the layer, the geometries are projected to the equal-area CRS, and the ledger
checks validity again after the projection. A cache entry keeps what the ledger needs of one layer, ready:
its attributes, its geometries already in the equal-area CRS (exactly as the ledger projects them, not yet
repaired), which of them are invalid there, and the warnings the read gave (replayed on every use, so a
cached run reports exactly what an uncached one does).

* **Key.** An entry lives in ``cache_dir()/vectors/<identity>.bin``; the identity is the file's absolute
  path, the layer, the encoding and CRS overrides and the layer's role. Inside, a header holds the rest of
  the key: size, modification and change times (ns), inode, mode and a digest of the first and last 64 KiB of the
  file and of its sidecars (``.shx``/``.dbf``/
  ``.prj``/``.cpg``…, a GeoPackage's ``-wal``; every file of a folder format), the versions of sinkmap and
  of the libraries that shaped the result (shapely/GEOS, pyproj/PROJ, pyogrio, geopandas, pandas, numpy,
  Python) and the size and modification time of sinkmap's own modules that read, check and project. Any
  difference — an edited or touched file, another sinkmap — and the entry is rebuilt in place (one entry
  per identity, so edits never pile up).
* **Writes** are atomic (:func:`sinkmap.io.atomic.atomic_write`): a reader sees the old entry or the new
  one. A cache that cannot be written (read-only home, full disk) only costs speed.
* **Damage.** An entry that cannot be read back for any reason (truncated, garbled, another format) is
  dropped and rebuilt silently: the cache never changes a result, only how fast it comes.

Only whole-layer reads are cached (the siting impact's reads limited to a box are not).
"""

from __future__ import annotations

import contextlib
import gc
import glob
import hashlib
import json
import logging
import os
import pickle
import struct
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.crs import EQUAL_AREA_CRS, STORAGE_CRS
from ..core.feedback import Feedback

if TYPE_CHECKING:
    import geopandas as gpd
    import numpy as np

log = logging.getLogger(__name__)

#: Bump when what an entry holds, or how, changes.
FORMAT = 2
_MAGIC = b"SINKMAPVC1\n"
#: The cache keeps at most this many bytes; the least recently used entries go first.
CACHE_LIMIT_BYTES = 1_000_000_000
#: sinkmap modules whose code decides what an entry holds (read, checks, repair, GCJ-02 test, projection).
_CODE = ("io/vectors.py", "io/vector_checks.py", "io/encoding.py", "io/gcj02.py", "io/gcj02_detect.py",
         "io/boundaries.py", "io/vector_cache.py", "core/crs.py", "jobs/ledger.py", "analysis/ledger_core.py",
         "analysis/ledger.py", "analysis/overlay.py")


@dataclass
class CachedLayer:
    """A polygon layer as the ledger needs it: ``frame`` in the equal-area CRS (geometries as projected, not
    repaired) and ``invalid`` (bool per row: invalid after the projection), or — when the layer could not be
    projected — the frame as read (storage CRS) and ``invalid`` None (the ledger then reports the problem)."""

    frame: gpd.GeoDataFrame
    invalid: np.ndarray | None
    from_cache: bool = False
    warnings: list = field(default_factory=list)  # those of the read (an entry replays them)
    token: str | None = None  # the entry's key, digested: names what was measured with it (:class:`ClipMemo`)


class _Recorder:
    """Passes everything to ``feedback`` and keeps the warnings, in order, for the cache entry."""

    def __init__(self, feedback: Feedback) -> None:
        self.feedback = feedback
        self.warnings: list = []

    def progress(self, fraction: float, text: str = "") -> None:
        self.feedback.progress(fraction, text)

    def warn(self, message) -> None:
        self.warnings.append(message)
        self.feedback.warn(message)

    def is_cancelled(self) -> bool:
        return self.feedback.is_cancelled()

    def check(self) -> None:
        self.feedback.check()


def cache_folder() -> Path:
    from .catalogue import cache_dir

    return cache_dir() / "vectors"


def _stat(path: Path, digest: bool = False) -> list | None:
    try:
        st = path.stat()
    except OSError:
        return None
    out = [str(path), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_mode]
    if digest:  # timestamps are coarse (ms) on some file systems: the bytes that change with every edit too
        try:
            out.append(_ends_digest(path, st.st_size))
        except OSError:
            return None
    return out


def _ends_digest(path: Path, size: int) -> str:
    """SHA-1 of the first and last 64 KiB: a GeoPackage's header holds SQLite's change counter, a Shapefile's
    headers its length, bounding box, record count and date."""
    h = hashlib.sha1()
    with open(path, "rb") as fh:
        h.update(fh.read(_ENDS))
        if size > 2 * _ENDS:
            fh.seek(size - _ENDS)
        h.update(fh.read(_ENDS))
    return h.hexdigest()


_ENDS = 1 << 16
#: Sidecars that readers rewrite and that hold no features: SQLite's shared-memory index, GDAL's PAM metadata.
_NOT_DATA = ("-shm", ".aux.xml")


def file_stats(path: str | os.PathLike[str]) -> list:
    """Size, mtime (ns), inode and mode of the file and of every file that belongs to it: its sidecars (same
    stem, any extension, but not :data:`_NOT_DATA`) or, for a folder format, its files."""
    path = Path(path).absolute()
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.endswith(_NOT_DATA))
    else:
        files = [path] + sorted(p for p in path.parent.glob(glob.escape(path.stem) + ".*")
                                if p != path and not p.name.endswith(_NOT_DATA))
    return [s for s in (_stat(p, digest=True) for p in files) if s is not None]


def _versions() -> dict[str, str]:
    from importlib import metadata

    import numpy
    import pandas
    import pyproj
    import shapely

    import sinkmap

    def dist(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "?"

    return {"sinkmap": sinkmap.__version__, "python": sys.version, "shapely": shapely.__version__,
            "geos": shapely.geos_version_string, "pyproj": pyproj.__version__, "proj": pyproj.proj_version_str,
            "pyogrio": dist("pyogrio"), "geopandas": dist("geopandas"), "pandas": pandas.__version__,
            "numpy": numpy.__version__}


def _code_stamp() -> list:
    root = Path(__file__).resolve().parents[1]
    return [_stat(root / rel) for rel in _CODE]


def _identity(path: Path, layer: str | None, encoding: str | None, crs: str | None, role: str) -> str:
    text = json.dumps([str(Path(path).absolute()), layer, encoding, crs, role], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:40]


def cache_key(path: str | os.PathLike[str], *, layer: str | None, encoding: str | None, crs: str | None,
              role: str) -> dict[str, Any]:
    """Everything an entry must match to be used (see the module docstring)."""
    return {"format": FORMAT, "path": str(Path(path).absolute()), "layer": layer, "encoding": encoding, "crs": crs,
            "role": role, "files": file_stats(path), "versions": _versions(), "code": _code_stamp(),
            "equal_area": EQUAL_AREA_CRS, "storage": STORAGE_CRS, "layers_env": os.environ.get("SINKMAP_LAYERS")}


def entry_path(path: str | os.PathLike[str], *, layer: str | None, encoding: str | None, crs: str | None,
               role: str) -> Path:
    return cache_folder() / f"{_identity(Path(path), layer, encoding, crs, role)}.bin"


# -- reading and writing entries ---------------------------------------------------------------------------

def _load(entry: Path, key: dict[str, Any]) -> CachedLayer | None:
    """The entry if it exists and matches ``key``; None otherwise (a damaged entry is removed)."""
    try:
        fh = open(entry, "rb")
    except OSError:
        return None
    try:
        with fh:
            if fh.read(len(_MAGIC)) != _MAGIC:
                raise ValueError("not a sinkmap vector cache entry")
            (n,) = struct.unpack("<Q", fh.read(8))
            if n > 1 << 24:
                raise ValueError("header too long")
            header = json.loads(fh.read(n).decode("utf-8"))
            if header != json.loads(json.dumps(key)):
                return None  # stale: the caller rebuilds it in place
            with _gc_paused():  # hundreds of thousands of new objects, no cycle among them
                payload = pickle.load(fh)
                layer = _frame_of(payload)
    except Exception as exc:  # noqa: BLE001 - a damaged entry is rebuilt, whatever damaged it
        log.debug("vector cache entry %s unusable (%s): rebuilt", entry, exc)
        try:
            entry.unlink()
        except OSError:
            pass
        return None
    try:
        os.utime(entry)  # recently used: pruned last
    except OSError:
        pass
    return layer


@contextlib.contextmanager
def _gc_paused():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _encode_attrs(attrs):
    """The attribute table with its text columns as categoricals (a few distinct names repeated over 10⁵
    rows unpickle ten times faster as codes), where the round trip gives the column back exactly; and the
    (position, dtype) of each column so encoded."""
    import pandas as pd

    out, encoded = attrs.copy(), []
    for i in range(attrs.shape[1]):
        col = attrs.iloc[:, i]
        if isinstance(col.dtype, pd.StringDtype):
            cat = col.astype("category")
            if cat.astype(col.dtype).equals(col):
                out.isetitem(i, cat)
                encoded.append((i, col.dtype))
    return out, encoded


def _decode_attrs(attrs, encoded):
    for i, dtype in encoded:
        attrs.isetitem(i, attrs.iloc[:, i].astype(dtype))
    return attrs


def _frame_of(payload: dict) -> CachedLayer:
    import geopandas as gpd
    import numpy as np
    import shapely

    attrs = _decode_attrs(payload["attrs"], payload["encoded"])
    wkb = np.asarray(payload["wkb"], dtype=object)
    invalid = np.asarray(payload["invalid"], dtype=bool)
    if not (len(attrs) == len(wkb) == len(invalid)):
        raise ValueError("lengths differ")
    geoms = shapely.from_wkb(wkb)
    frame = gpd.GeoDataFrame(attrs, geometry=gpd.GeoSeries(geoms, index=attrs.index, crs=EQUAL_AREA_CRS,
                                                           name=payload["geom_name"]), crs=EQUAL_AREA_CRS)
    return CachedLayer(frame=frame, invalid=invalid, from_cache=True, warnings=list(payload["warnings"]))


def _store(entry: Path, key: dict[str, Any], frame, invalid, warnings: list) -> None:
    import numpy as np
    import pandas as pd
    import shapely

    from .atomic import atomic_write

    geom_name = frame.geometry.name
    attrs, encoded = _encode_attrs(pd.DataFrame(frame.drop(columns=[geom_name])))
    payload = {"attrs": attrs, "encoded": encoded, "geom_name": geom_name,
               "wkb": list(shapely.to_wkb(np.asarray(frame.geometry.array, dtype=object))),
               "invalid": np.asarray(invalid, dtype=bool), "warnings": list(warnings)}
    header = json.dumps(key).encode("utf-8")
    entry.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(entry) as fh:
        fh.write(_MAGIC)
        fh.write(struct.pack("<Q", len(header)))
        fh.write(header)
        pickle.dump(payload, fh, protocol=pickle.HIGHEST_PROTOCOL)
    _prune(entry.parent, keep=entry)


def _prune(folder: Path, keep: Path, limit: int = CACHE_LIMIT_BYTES) -> None:
    """Remove the least recently used entries until the folder holds at most ``limit`` bytes."""
    entries = []
    for p in [*folder.glob("*.bin"), *folder.glob("*.clips")]:
        try:
            st = p.stat()
        except OSError:
            continue
        entries.append((st.st_mtime_ns, st.st_size, p))
    total = sum(size for _, size, _ in entries)
    for _, size, p in sorted(entries, key=lambda e: e[0]):
        if total <= limit:
            break
        if p != keep:
            try:
                p.unlink()
                total -= size
            except OSError:
                pass


# -- the one entry point --------------------------------------------------------------------------------------

def read_layer(path: str | os.PathLike[str], read: Callable[[Feedback], gpd.GeoDataFrame], feedback: Feedback, *,
               layer: str | None, encoding: str | None, crs: str | None, role: str,
               use_cache: bool = True) -> CachedLayer:
    """The layer ``read(feedback)`` gives (a polygon frame in the storage CRS, its warnings sent to the
    feedback), in the equal-area CRS with its validity there — from the cache when an entry for this file
    and these options is current, else read, projected, checked and stored. The warnings of the read reach
    ``feedback`` either way, in the same order."""
    key = entry = None
    if use_cache and os.environ.get("SINKMAP_NO_VECTOR_CACHE") != "1":
        try:
            key = cache_key(path, layer=layer, encoding=encoding, crs=crs, role=role)
            entry = entry_path(path, layer=layer, encoding=encoding, crs=crs, role=role)
        except OSError:
            key = entry = None
        if entry is not None and entry.is_file():
            cached = _load(entry, key)
            if cached is not None:
                cached.token = _token(key)
                for message in cached.warnings:
                    feedback.warn(message)
                return cached
    recorder = _Recorder(feedback)
    frame = read(recorder)
    projected = project_checked(frame)
    if projected is None:
        return CachedLayer(frame=frame, invalid=None, warnings=recorder.warnings)
    ea_frame, invalid = projected
    token = None
    if entry is not None:
        try:
            _store(entry, key, ea_frame, invalid, recorder.warnings)
            token = _token(key)
        except Exception as exc:  # noqa: BLE001 - the data is fine, only the cache failed: no message, no result change
            log.debug("vector cache entry %s not written: %s", entry, exc)
    return CachedLayer(frame=ea_frame, invalid=invalid, warnings=recorder.warnings, token=token)


# -- small facts about a layer read, kept per file identity (the GCJ-02 test's verdict) ---------------------------

#: verdict files kept (the least recently used go first)
FACTS_LIMIT = 2000


def remembered(path: str | os.PathLike[str], compute: Callable[[], Any], *, layer: str | None,
               encoding: str | None, crs: str | None, role: str) -> Any:
    """``compute()`` — a JSON value that depends only on what is read from ``path`` with these options — from
    ``cache_dir()/facts/<identity>.json`` when the entry's key (the same key as a layer entry: the file's
    size, times, inode and end bytes, the libraries' versions, sinkmap's reading code) is current; else
    computed and kept (a None is not kept: no verdict now may be one later). A cache that cannot be read or
    written only costs the time."""
    if os.environ.get("SINKMAP_NO_VECTOR_CACHE") == "1":
        return compute()
    try:
        key = cache_key(path, layer=layer, encoding=encoding, crs=crs, role=role)
        entry = cache_folder().parent / "facts" / f"{_identity(Path(path), layer, encoding, crs, role)}.json"
    except OSError:
        return compute()
    try:
        with open(entry, encoding="utf-8") as fh:
            got = json.load(fh)
        if got.get("key") == json.loads(json.dumps(key)):
            try:
                os.utime(entry)
            except OSError:
                pass
            return got["value"]
    except FileNotFoundError:
        pass
    except Exception as exc:  # noqa: BLE001 - a damaged entry is computed again
        log.debug("fact %s unusable: %s", entry, exc)
    value = compute()
    if value is None:
        return value
    try:
        from .atomic import atomic_write

        entry.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(entry, "w", encoding="utf-8") as fh:
            json.dump({"key": key, "value": value}, fh)
        facts = list(entry.parent.glob("*.json"))
        if len(facts) > FACTS_LIMIT:
            facts.sort(key=lambda q: q.stat().st_mtime_ns)
            for old in facts[: len(facts) - FACTS_LIMIT]:
                if old != entry:
                    old.unlink(missing_ok=True)
    except Exception as exc:  # noqa: BLE001 - only the cache failed
        log.debug("fact %s not written: %s", entry, exc)
    return value


def _token(key: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode("utf-8")).hexdigest()[:40]


def project_checked(frame) -> tuple[Any, Any] | None:
    """``frame`` in the equal-area CRS as the ledger projects it, and which geometries are invalid there
    (missing or empty ones count as valid: the ledger leaves them out before asking); None when the frame
    cannot be projected (no CRS, an unusable one: the ledger says so itself)."""
    import numpy as np
    import shapely

    if frame.crs is None:
        return None
    try:
        ea = frame.to_crs(EQUAL_AREA_CRS)
    except Exception:  # noqa: BLE001 - the ledger's own projection raises the coded error
        return None
    geoms = np.asarray(ea.geometry.array, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    invalid = np.zeros(len(geoms), dtype=bool)
    invalid[present] = ~shapely.is_valid(geoms[present])
    return ea, invalid




# -- what the ledger measured with a cached layer, kept for the next run --------------------------------------

class ClipMemo:
    """Per layer (its cache entry, the features kept) and unit (its equal-area WKB): what the ledger measured —
    the features meeting the unit, their clipped areas, those on its edge; the protected wetland area — kept
    beside the layer entries (``<key>.clips``) and reused as they are on the next run with the same layers and
    units: the same numbers, without clipping again. A memo that cannot be read is ignored (and replaced)."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder if folder is not None else cache_folder()
        self._data: dict[str, dict] = {}
        self._dirty: set[str] = set()

    @staticmethod
    def layer_key(*parts) -> str:
        h = hashlib.sha256()
        for p in parts:
            h.update(p if isinstance(p, bytes) else str(p).encode("utf-8"))
            h.update(b"\0")
        return h.hexdigest()[:40]

    def _table(self, key: str) -> dict:
        table = self._data.get(key)
        if table is None:
            table = {}
            path = self.folder / f"{key}.clips"
            try:
                with open(path, "rb") as fh, _gc_paused():
                    loaded = pickle.load(fh)
                if isinstance(loaded, dict) and loaded.get("format") == FORMAT and loaded.get("key") == key:
                    table = loaded["units"]
            except FileNotFoundError:
                pass
            except Exception as exc:  # noqa: BLE001 - a damaged memo is measured again
                log.debug("clip memo %s unusable (%s)", path, exc)
            self._data[key] = table
        return table

    def get(self, key: str, unit_key: bytes):
        return self._table(key).get(unit_key)

    def put(self, key: str, unit_key: bytes, value) -> None:
        self._table(key)[unit_key] = value
        self._dirty.add(key)

    def save(self) -> None:
        """Write the memos that gained entries (atomically); a failure only costs speed next time."""
        from .atomic import atomic_write

        for key in sorted(self._dirty):
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                with atomic_write(self.folder / f"{key}.clips") as fh:
                    pickle.dump({"format": FORMAT, "key": key, "units": self._data[key]}, fh,
                                protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as exc:  # noqa: BLE001
                log.debug("clip memo %s not written: %s", key, exc)
        if self._dirty:
            _prune(self.folder, keep=self.folder / "-")
        self._dirty.clear()


__all__ = ["CachedLayer", "ClipMemo", "FORMAT", "cache_folder", "cache_key", "entry_path", "file_stats", "project_checked",
           "read_layer", "remembered"]
