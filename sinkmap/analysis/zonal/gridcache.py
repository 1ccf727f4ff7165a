"""Zones on a raster grid, kept on disk: the exact cover of a unit set is computed once per raster grid.

Rasterising Hunan's counties exactly (:mod:`sinkmap.analysis.zonal.rasterize`) needs their polygons
(geopandas, shapely, the boundaries cache), a reprojection and numba's rasteriser; the result depends only
on the polygons and on the raster's *grid* (size, transform, CRS), never on its values. A
:class:`~sinkmap.analysis.zonal.grid.ZoneGrid` — the cover index (per-row runs of full cells, partial
boundary cells with their fractions), the grid's cell-area model, the zones' labels and ellipsoidal areas
and its warnings — is therefore stored in one uncompressed ``.npz`` under sinkmap's cache folder
(``<cache>/zonal/``), keyed by a digest of what it depends on: :data:`SCHEMA`, the raster grid
(:func:`grid_signature`) and a caller's key (e.g. the boundaries package version and the unit selection).
A later run on a raster of the same grid reads it (a few milliseconds, numpy only) instead.

Writes are atomic (:func:`sinkmap.io.atomic.atomic_write`); a file that cannot be read, was written for
another key or is inconsistent counts as absent (it is rebuilt and replaced). Nothing in the file is
executable: it is read with ``allow_pickle=False``; metadata travels as JSON.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from ...core.messages import Notice
from .cellarea import AreaModel
from .coverindex import INDEX_ARRAYS, CoverIndex
from .grid import ZoneGrid

__all__ = ["SCHEMA", "grid_signature", "entry_path", "save_grid", "load_grid"]

#: bump when the rasterisation, the area model or the stored fields change (old files are then ignored)
SCHEMA = 1
_JSON_SCALARS = (str, int, float, bool, type(None))


def grid_signature(info) -> dict:
    """What a cover depends on in a raster (``info``: :class:`~sinkmap.io.rasters.RasterInfo`): its grid."""
    return {"width": int(info.width), "height": int(info.height),
            "transform": [float(v) for v in info.transform], "crs_wkt": str(info.crs_wkt)}


def _digest(info, key: dict) -> str:
    text = json.dumps({"schema": SCHEMA, "grid": grid_signature(info), "key": key}, sort_keys=True,
                      ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:40]


def entry_path(kind: str, info, key: dict) -> Path:
    """Where the grid of ``kind`` (e.g. ``units``) for raster grid ``info`` and ``key`` is kept."""
    from ...io.catalogue import cache_dir

    return cache_dir() / "zonal" / f"{kind}-{_digest(info, key)}.npz"


def _notice_json(n) -> dict | None:
    if not isinstance(n, Notice) or not all(isinstance(v, _JSON_SCALARS) for v in n.params.values()):
        return None
    return {"code": n.code, "params": dict(n.params), "severity": n.severity}


def _notice(d: dict) -> Notice:
    return Notice(d["code"], severity=d.get("severity", "warning"), **d["params"])


def _jsonable(value) -> bool:
    """Whether ``value`` comes back from JSON as it is (NaN included: a missing label stays NaN)."""
    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        return _same(json.loads(text), value)
    except (TypeError, ValueError):
        return False


def _same(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and a != a:
        return b != b
    return a == b


def save_grid(path: Path, info, key: dict, grid: ZoneGrid, extra: dict | None = None,
              extra_warnings: list | None = None) -> bool:
    """Store ``grid`` (made on the grid of ``info``) with JSON ``extra`` and notices; False when something
    in it cannot be stored faithfully (nothing is written then) or the write failed (the cache is only a
    shortcut: a failure costs the next run its speed, never its result)."""
    from ...io.atomic import atomic_write

    warnings = [_notice_json(w) for w in grid.warnings]
    more = [_notice_json(w) for w in (extra_warnings or [])]
    area = grid.area
    meta = {"schema": SCHEMA, "digest": _digest(info, key), "n_zones": int(grid.index.n_zones),
            "height": int(grid.index.height), "width": int(grid.index.width),
            "area": {"width": int(area.width), "tile": int(area.tile), "exact": bool(area.exact)},
            "labels": grid.labels, "warnings": warnings, "extra_warnings": more, "extra": extra or {}}
    if any(w is None for w in warnings + more) or not _jsonable(meta):
        return False
    arrays = {k: getattr(grid.index, k) for k in INDEX_ARRAYS}
    for k in ("row_area", "nodes", "node_rows", "node_cols"):
        if getattr(area, k) is not None:
            arrays["area_" + k] = getattr(area, k)
    arrays["zone_area_m2"] = np.asarray(grid.zone_area_m2, dtype=np.float64)
    arrays["meta"] = np.frombuffer(json.dumps(meta, ensure_ascii=False).encode("utf-8"), np.uint8)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path, "wb") as f:
            np.savez(f, **arrays)
    except Exception:  # noqa: BLE001 - a read-only or full cache folder: run without the shortcut
        return False
    return True


def load_grid(path: Path, info, key: dict) -> tuple[ZoneGrid, dict, list] | None:
    """(grid on ``info``, extra, extra notices) stored by :func:`save_grid` for this grid and key, or None
    when there is no such file or it is unreadable, corrupt or made for something else."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as npz:
            meta = json.loads(bytes(npz["meta"]).decode("utf-8"))
            if meta.get("schema") != SCHEMA or meta.get("digest") != _digest(info, key):
                return None
            h, w, nz = int(meta["height"]), int(meta["width"]), int(meta["n_zones"])
            if (h, w) != (int(info.height), int(info.width)):
                return None
            arr = {k: npz[k] for k in INDEX_ARRAYS}
            area_arrays = {k: (npz["area_" + k] if "area_" + k in npz.files else None)
                           for k in ("row_area", "nodes", "node_rows", "node_cols")}
            zone_area = npz["zone_area_m2"]
        index = CoverIndex(height=h, width=w, n_zones=nz, **arr)
        _check(index, zone_area, meta)
        am = meta["area"]
        area = AreaModel(width=am["width"], tile=am["tile"], exact=am["exact"], **area_arrays)
        if (area.row_area is None) == (area.nodes is None):
            return None
        grid = ZoneGrid(info=info, index=index, area=area, labels=list(meta["labels"]), zone_area_m2=zone_area,
                        warnings=[_notice(d) for d in meta["warnings"]])
        return grid, meta["extra"], [_notice(d) for d in meta["extra_warnings"]]
    except Exception:  # noqa: BLE001 - whatever is wrong with the file, it is rebuilt
        return None


def _check(ix: CoverIndex, zone_area: np.ndarray, meta: dict) -> None:
    """Raise if the arrays do not make a consistent index (so a damaged file is rebuilt, never used)."""
    h, nz = ix.height, ix.n_zones
    dtypes = {"run_ptr": np.int64, "run_c0": np.int32, "run_c1": np.int32, "run_zone": np.int32,
              "part_ptr": np.int64, "part_col": np.int32, "part_zone": np.int32, "part_frac": np.float64}
    if any(getattr(ix, k).dtype != t or getattr(ix, k).ndim != 1 for k, t in dtypes.items()):
        raise ValueError("unexpected array types")
    ok = (ix.run_ptr.shape == (h + 1,) and ix.part_ptr.shape == (h + 1,) and ix.run_ptr[0] == 0
          and ix.part_ptr[0] == 0 and ix.run_ptr[-1] == ix.run_c0.size == ix.run_c1.size == ix.run_zone.size
          and ix.part_ptr[-1] == ix.part_col.size == ix.part_zone.size == ix.part_frac.size
          and zone_area.shape == (nz,) and len(meta["labels"]) == nz
          and bool(np.all(np.diff(ix.run_ptr) >= 0)) and bool(np.all(np.diff(ix.part_ptr) >= 0)))
    if ok and ix.run_c0.size:
        ok = (int(ix.run_c0.min()) >= 0 and int(ix.run_c1.max()) < ix.width and bool(np.all(ix.run_c1 >= ix.run_c0))
              and int(ix.run_zone.min()) >= 0 and int(ix.run_zone.max()) < nz)
    if ok and ix.part_col.size:
        ok = (int(ix.part_col.min()) >= 0 and int(ix.part_col.max()) < ix.width and int(ix.part_zone.min()) >= 0
              and int(ix.part_zone.max()) < nz)
    if not ok:
        raise ValueError("inconsistent cover index")
