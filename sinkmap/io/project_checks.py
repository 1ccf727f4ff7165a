"""Checks of every value of a project document before anything is built from it.

A project file is input like any other: it may be damaged, edited by hand, or made to hurt. Before
:func:`sinkmap.io.project_file.project_from_dict` builds a :class:`~sinkmap.core.project.Project`,
:func:`check_document` walks the parsed JSON and refuses, with an :class:`InputError` naming the project
file and the key (``view.units_per_px``, ``layers[2].style.opacity``…), anything the app could not use:

* sizes: the file at most :data:`MAX_FILE_BYTES`, nesting at most :data:`MAX_DEPTH` levels, at most
  :data:`MAX_LAYERS` layers and :data:`MAX_RUNS` job runs;
* types: every key has the type of its model field (text, number, true/false, list, object);
* numbers: finite; the view's resolution (``units_per_px``) positive; style sizes and opacity in range;
  the year within 1949–2100;
* coordinate systems (``display_crs``, ``view.crs``, a layer's ``crs``): known to PROJ (or ``GCJ-02`` for
  a layer), and placeable on a map (geographic or projected);
* file paths: see :func:`check_data_path` — the policy that protects users from a project that points at
  system files;
* siting scenarios: names, years, units and GeoJSON sites in CGCS2000 degrees
  (:func:`sinkmap.io.scenario_doc.check_scenarios`).

The autosave recovery reads through the same checks (it opens the autosave copy with ``load_project``).
"""

from __future__ import annotations

import math
import os
import stat
import sys
from pathlib import Path
from typing import Any

from ..core.errors import InputError
from ..core.messages import Notice
from ..core.project import RASTER_STYLES, VECTOR_STYLES

#: A project holds layer lists and styles, never data: anything bigger is not a project.
MAX_FILE_BYTES = 32 * 1024 * 1024
#: Deepest nesting of a real project is 12 (scenarios → scenario → sites → features → feature → geometry →
#: MultiPolygon coordinates → polygon → ring → position → number); leave room.
MAX_DEPTH = 24
MAX_LAYERS = 2000
MAX_RUNS = 10000
MAX_TEXT = 4096

#: File endings of the data a layer can be read from (GDAL vector and raster formats sinkmap opens).
VECTOR_SUFFIXES = frozenset({".gpkg", ".shp", ".geojson", ".json", ".kml", ".kmz", ".fgb", ".gdb", ".gml",
                             ".tab", ".mif", ".sqlite"})
RASTER_SUFFIXES = frozenset({".tif", ".tiff", ".img", ".vrt", ".asc", ".jp2", ".nc"})
DATA_SUFFIXES = VECTOR_SUFFIXES | RASTER_SUFFIXES
TARGET_SUFFIXES = frozenset({".yaml", ".yml", ".csv"})
#: Files a job may have written (its outputs listed in a project).
OUTPUT_SUFFIXES = DATA_SUFFIXES | TARGET_SUFFIXES | frozenset({".xlsx", ".png", ".pdf", ".svg", ".html", ".txt",
                                                               ".md", ".zip"})

#: System folders a project may never point into (after symlinks are followed).
SYSTEM_DIRS_POSIX = ("/etc", "/proc", "/sys", "/dev", "/boot", "/run", "/var/run", "/var/log", "/bin", "/sbin",
                     "/private/etc")
_BUILTIN = "builtin:"


def _fail(source: Path, key: str, code: str = "io.project.bad_value", **params: Any) -> InputError:
    return InputError(code=code, path=source, key=key, **params)


# -- sizes ---------------------------------------------------------------------------------------------

def check_size(path: Path) -> None:
    """Refuse a project file larger than :data:`MAX_FILE_BYTES` before reading it."""
    try:
        size = path.stat().st_size
    except OSError:
        return  # reading it says why
    if size > MAX_FILE_BYTES:
        raise InputError(code="io.project.too_big", path=path, size=f"{size / 1e6:.0f} MB",
                         limit=f"{MAX_FILE_BYTES / 1e6:.0f} MB")


def check_depth(doc: Any, source: Path) -> None:
    """Refuse nesting deeper than :data:`MAX_DEPTH` (walked without recursion)."""
    stack = [(doc, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InputError(code="io.project.too_deep", path=source, limit=MAX_DEPTH)
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)


# -- values --------------------------------------------------------------------------------------------

def _text(value: Any, source: Path, key: str, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str):
        raise _fail(source, key, expected="text" + (" or null" if optional else ""), got=_type(value))
    if len(value) > MAX_TEXT:
        raise _fail(source, key, expected=f"text of at most {MAX_TEXT} characters", got=f"{len(value)} characters")
    if "\x00" in value:
        raise _fail(source, key, expected="text without NUL characters", got="a NUL character")


def _number(value: Any, source: Path, key: str, *, lo: float | None = None, hi: float | None = None,
            positive: bool = False, optional: bool = False) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(source, key, expected="a number", got=_type(value))
    if not math.isfinite(value):
        raise _fail(source, key, expected="a finite number", got=str(value))
    if positive and value <= 0:
        raise _fail(source, key, expected="a number greater than 0", got=repr(value))
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise _fail(source, key, expected=f"a number from {lo:g} to {hi:g}", got=repr(value))


def _bool(value: Any, source: Path, key: str) -> None:
    if not isinstance(value, bool):
        raise _fail(source, key, expected="true or false", got=_type(value))


def _type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number" if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _list(value: Any, source: Path, key: str, limit: int = 100000) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _fail(source, key, expected="a list", got=_type(value))
    if len(value) > limit:
        raise _fail(source, key, expected=f"at most {limit} entries", got=f"{len(value)} entries")
    return value


def _object(value: Any, source: Path, key: str) -> dict:
    if not isinstance(value, dict):
        raise _fail(source, key, expected="an object", got=_type(value))
    return value


def check_crs(value: Any, source: Path, key: str, *, allow_gcj02: bool = False) -> None:
    """A CRS PROJ knows and that places data on a map (geographic or projected)."""
    _text(value, source, key)
    if allow_gcj02 and value.strip().upper().replace("-", "") == "GCJ02":
        return
    from pyproj import CRS
    from pyproj.exceptions import CRSError as ProjCRSError

    try:
        crs = CRS.from_user_input(value)
    except (ProjCRSError, ValueError, TypeError) as exc:
        raise _fail(source, key, code="io.project.bad_crs", crs=value[:80], detail=str(exc)[:160]) from None
    if not (crs.is_geographic or crs.is_projected) or crs.is_geocentric:
        raise _fail(source, key, code="io.project.bad_crs", crs=value[:80], detail=f"{crs.name} is not a map CRS")


#: Style fields and their checks: kind of value and, for numbers, the range.
_STYLE_TEXT = ("kind", "fill", "stroke", "method", "ramp", "label_color")
_STYLE_OPTIONAL_TEXT = ("field", "scheme", "label_field")
_STYLE_NUMBERS = {"stroke_width": (0.0, 100.0), "label_size": (0.0, 200.0), "point_size": (0.0, 200.0),
                  "opacity": (0.0, 1.0)}


def check_style(style: Any, source: Path, key: str) -> None:
    if style is None:
        return
    style = _object(style, source, key)
    for name in _STYLE_TEXT:
        if name in style:
            _text(style[name], source, f"{key}.{name}")
    if "kind" in style and style["kind"] not in VECTOR_STYLES + RASTER_STYLES:
        raise _fail(source, f"{key}.kind", expected="one of " + ", ".join(VECTOR_STYLES + RASTER_STYLES),
                    got=repr(style["kind"])[:60])
    for name in _STYLE_OPTIONAL_TEXT:
        if name in style:
            _text(style[name], source, f"{key}.{name}", optional=True)
    for name, (lo, hi) in _STYLE_NUMBERS.items():
        if name in style:
            _number(style[name], source, f"{key}.{name}", lo=lo, hi=hi)
    for name in ("vmin", "vmax"):
        if name in style:
            _number(style[name], source, f"{key}.{name}", optional=True)
    for name in ("categories", "category_labels"):
        if name in style:
            for k, v in _object(style[name], source, f"{key}.{name}").items():
                _text(v, source, f"{key}.{name}.{k}")
    for i, v in enumerate(_list(style.get("breaks"), source, f"{key}.breaks", 1000)):
        _number(v, source, f"{key}.breaks[{i}]")
    for i, v in enumerate(_list(style.get("colors"), source, f"{key}.colors", 1000)):
        _text(v, source, f"{key}.colors[{i}]")


def check_view(view: Any, source: Path) -> None:
    if view is None:
        return
    view = _object(view, source, "view")
    for name in ("center_x", "center_y", "units_per_px"):
        if name not in view:
            raise _fail(source, f"view.{name}", expected="a number", got="missing")
    _number(view["center_x"], source, "view.center_x", lo=-1e9, hi=1e9)
    _number(view["center_y"], source, "view.center_y", lo=-1e9, hi=1e9)
    _number(view["units_per_px"], source, "view.units_per_px", positive=True)
    _number(view["units_per_px"], source, "view.units_per_px", lo=1e-9, hi=1e7)
    unknown = sorted(set(view) - {"center_x", "center_y", "units_per_px", "crs"})
    if unknown:
        raise _fail(source, "view." + unknown[0], expected="center_x, center_y, units_per_px or crs",
                    got=repr(unknown[0])[:60])
    if view.get("crs") is not None:
        check_crs(view["crs"], source, "view.crs")


def check_layer(d: Any, i: int, source: Path, base: Path) -> None:
    key = f"layers[{i}]"
    d = _object(d, source, key)
    for name in ("name", "path"):
        if name not in d:
            raise _fail(source, f"{key}.{name}", expected="text", got="missing")
    _text(d["name"], source, f"{key}.name")
    _text(d["path"], source, f"{key}.path")
    kind = d.get("kind", "vector")
    if kind not in ("vector", "raster"):
        raise _fail(source, f"{key}.kind", expected="vector or raster", got=repr(kind)[:60])
    for name in ("layer", "role", "encoding", "scheme", "produced_by", "id"):
        if name in d:
            _text(d[name], source, f"{key}.{name}", optional=name != "id")
    if "visible" in d:
        _bool(d["visible"], source, f"{key}.visible")
    if "revision" in d:
        _number(d["revision"], source, f"{key}.revision")
    if d.get("crs") is not None:
        check_crs(d["crs"], source, f"{key}.crs", allow_gcj02=True)
    if "fields" in d and d["fields"] is not None:
        for k, v in _object(d["fields"], source, f"{key}.fields").items():
            _text(v, source, f"{key}.fields.{k}", optional=True)
    check_style(d.get("style"), source, f"{key}.style")
    check_data_path(d["path"], source, f"{key}.path", base,
                    RASTER_SUFFIXES if kind == "raster" else VECTOR_SUFFIXES)


def check_run(d: Any, i: int, source: Path, base: Path) -> None:
    key = f"job_runs[{i}]"
    d = _object(d, source, key)
    _text(d.get("job"), source, f"{key}.job")
    params = _object(d.get("params", {}), source, f"{key}.params")
    path_params = _list(d.get("path_params"), source, f"{key}.path_params", 1000)
    for name in ("status", "started", "data", "version", "id"):
        if name in d:
            _text(d[name], source, f"{key}.{name}")
    if "seconds" in d:
        _number(d["seconds"], source, f"{key}.seconds", lo=0, hi=1e9)
    for name in path_params:
        _text(name, source, f"{key}.path_params")
        value = params.get(name)
        for j, v in enumerate(value if isinstance(value, list) else [value]):
            if isinstance(v, dict):
                v = v.get("path")
            if v is None:
                continue
            _text(v, source, f"{key}.params.{name}")
            check_data_path(v, source, f"{key}.params.{name}" + (f"[{j}]" if isinstance(value, list) else ""),
                            base, None)
    for j, o in enumerate(_list(d.get("outputs"), source, f"{key}.outputs", 10000)):
        o = _object(o, source, f"{key}.outputs[{j}]")
        if o.get("path") is not None:
            _text(o["path"], source, f"{key}.outputs[{j}].path")
            check_data_path(o["path"], source, f"{key}.outputs[{j}].path", base, OUTPUT_SUFFIXES)


def check_document(doc: dict, source: Path, base: Path) -> None:
    """Every value of a parsed project document (its format and version already checked)."""
    check_depth(doc, source)
    check_view(doc.get("view"), source)
    if doc.get("display_crs") is not None:
        check_crs(doc["display_crs"], source, "display_crs")
    if "city" in doc:
        _text(doc["city"], source, "city")
    if "year" in doc:
        if isinstance(doc["year"], bool) or not isinstance(doc["year"], int):
            raise _fail(source, "year", expected="a whole number", got=_type(doc["year"]))
        _number(doc["year"], source, "year", lo=1949, hi=2100)
    for i, d in enumerate(_list(doc.get("layers"), source, "layers", MAX_LAYERS)):
        check_layer(d, i, source, base)
    for i, p in enumerate(_list(doc.get("target_files"), source, "target_files", 1000)):
        _text(p, source, f"target_files[{i}]")
        check_data_path(p, source, f"target_files[{i}]", base, TARGET_SUFFIXES)
    for i, d in enumerate(_list(doc.get("job_runs"), source, "job_runs", MAX_RUNS)):
        check_run(d, i, source, base)
    from .scenario_doc import check_scenarios

    check_scenarios(doc.get("scenarios"), source)
    if doc.get("current_scenario") is not None:
        _text(doc["current_scenario"], source, "current_scenario")


# -- paths ---------------------------------------------------------------------------------------------

def _system_dirs() -> list[Path]:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows
        root = Path(os.environ.get("SystemRoot", r"C:\Windows"))
        return [root, Path(os.environ.get("ProgramData", r"C:\ProgramData"))]
    return [Path(p) for p in SYSTEM_DIRS_POSIX]


def in_system_folder(path: Path) -> bool:
    """Whether ``path`` (resolved, symlinks followed) lies in a system folder (/etc, /proc, /sys, /dev…)."""
    try:
        real = Path(os.path.realpath(path))
    except (OSError, ValueError):
        return True
    for d in _system_dirs():
        for form in {d, Path(os.path.realpath(d))}:
            if real == form or real.is_relative_to(form):
                return True
    return False


def check_data_path(text: str, source: Path, key: str, base: Path, suffixes: frozenset[str] | None) -> None:
    """The policy for every file a project names (layers, target files, job-run inputs and outputs).

    A project file only ever points at data, so a path is accepted when, relative to the project's
    folder or absolute, with symlinks followed:

    * it does not lie in a system folder (/etc, /proc, /sys, /dev, /boot, /run, /var/log, /bin… on Linux
      and macOS; the Windows folder on Windows) — a shared project cannot make the app open
      ``/etc/shadow`` or a device;
    * its ending is one of the data formats of its kind (``suffixes``: GIS vector or raster formats for
      layers, .yaml/.csv for target files, any known data or report format for job-run outputs); and
    * if it exists, it is a regular file (or a folder for a File Geodatabase / Shapefile folder) — never a
      FIFO or a device.

    Paths outside the project's folder (``../shared/forest.gpkg``, ``D:/data/forest.gpkg``) are accepted
    under the same rules: sinkmap itself saves a path beside the project as ``../…``. A missing file is
    not an error here: the layer shows as missing and can be relinked. ``builtin:`` sources are the
    bundled data.
    """
    if text.startswith(_BUILTIN):
        if text != "builtin:boundaries":
            raise _fail(source, key, code="io.project.bad_path", value=text[:120], why=_WHY_BUILTIN)
        return
    if any(ord(c) < 32 for c in text) or not text.strip():
        raise _fail(source, key, code="io.project.bad_path", value=repr(text)[:120], why=_WHY_CHARS)
    p = Path(text)
    full = p if p.is_absolute() else base / p
    if in_system_folder(full):
        raise _fail(source, key, code="io.project.bad_path", value=text[:120], why=_WHY_SYSTEM)
    if suffixes is not None and full.suffix.lower() not in suffixes and not _is_shapefile_folder(full):
        raise _fail(source, key, code="io.project.bad_path", value=text[:120], why=_WHY_SUFFIX)
    try:
        mode = full.stat().st_mode
    except (OSError, ValueError):
        return  # missing: shown as missing by the app
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise _fail(source, key, code="io.project.bad_path", value=text[:120], why=_WHY_SPECIAL)


def _is_shapefile_folder(path: Path) -> bool:
    try:
        return path.is_dir() and any(path.glob("*.shp"))
    except OSError:
        return False


# why a path is refused: message codes rendered inside io.project.bad_path
_WHY_SYSTEM = Notice("io.project.path_system")
_WHY_SUFFIX = Notice("io.project.path_not_data")
_WHY_SPECIAL = Notice("io.project.path_special")
_WHY_CHARS = Notice("io.project.path_chars")
_WHY_BUILTIN = Notice("io.project.path_builtin")

__all__ = ["MAX_DEPTH", "MAX_FILE_BYTES", "check_data_path", "check_document", "check_size", "in_system_folder"]
