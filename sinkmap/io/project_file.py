"""``.sinkmap`` project files: JSON, UTF-8, layer paths relative to the project, atomic saves.

A project file holds the layer list (source, style, visibility, order), the map view, the chosen
city/year, the user's target files and the siting scenarios (the user's drawn sites, inline: see
:mod:`sinkmap.io.scenario_doc`) — never the layers' data. Paths are stored relative to the project's
folder when they are below or beside it (so a folder can be moved or zipped), absolute otherwise.

Reading is defensive: a corrupt file, or one written by a newer sinkmap (``format`` greater than
:data:`FORMAT_VERSION`), raises :class:`~sinkmap.core.errors.InputError` naming the file and saying what
to do; nothing already open is touched. Autosave writes a copy under ``data_home()/autosave`` that the
next start offers to recover when the previous session did not close cleanly.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from ..core.errors import InputError
from ..core.messages import clip
from ..core.project import JobRun, LayerSpec, Project, ViewState
from ..core import jsonutil
from .atomic import atomic_write
from .catalogue import data_home
from .project_checks import check_size, check_document

FORMAT_VERSION = 1
SUFFIX = ".sinkmap"
_MAGIC = "sinkmap-project"


def _rel(path: str, base: Path) -> str:
    """``path`` relative to ``base`` when that is possible without leaving the drive, else absolute."""
    if _is_builtin(path):
        return path
    p = Path(path)
    if not p.is_absolute():
        return p.as_posix()
    try:
        return Path(os.path.relpath(p, base)).as_posix()
    except ValueError:  # another drive (Windows)
        return p.as_posix()


def _is_builtin(path: str) -> bool:
    """Sources that are not files (``builtin:boundaries``: the bundled administrative units)."""
    return path.startswith("builtin:")


def _abs(path: str, base: Path) -> str:
    if _is_builtin(path):
        return path
    p = Path(path)
    return str(p if p.is_absolute() else (base / p).resolve())


def project_to_dict(project: Project, base: Path | None) -> dict[str, Any]:
    """The JSON document of ``project``; layer paths relative to ``base`` when given."""
    layers = []
    for spec in project.layers:
        d = spec.to_dict()
        d["path"] = _rel(spec.path, base) if base is not None else spec.path
        layers.append(d)
    view = None if project.view is None else dict(project.view.__dict__)
    return {
        "format": _MAGIC, "version": FORMAT_VERSION, "layers": layers, "view": view,
        "display_crs": project.display_crs, "city": project.city, "year": project.year,
        "target_files": [_rel(p, base) if base is not None else p for p in project.target_files],
        "job_runs": [_run_to_dict(r, base) for r in project.job_runs],
        "scenarios": [dict(d) for d in project.scenarios], "current_scenario": project.current_scenario,
    }


def _map_paths(run: JobRun, fn) -> dict[str, Any]:
    """The run's parameters with ``fn`` applied to every path (a path, a list of them, {path, layer})."""
    def one(v):
        if isinstance(v, dict) and isinstance(v.get("path"), str):
            return {**v, "path": fn(v["path"])}
        return fn(v) if isinstance(v, str) else v

    return {k: ([one(x) for x in v] if isinstance(v, list) else one(v)) if k in run.path_params and v is not None
            else v for k, v in run.params.items()}


def _run_to_dict(run: JobRun, base: Path | None) -> dict[str, Any]:
    d = run.to_dict()
    if base is not None:
        d["params"] = _map_paths(run, lambda p: _rel(p, base))
        d["outputs"] = [{**o, "path": _rel(o["path"], base)} if isinstance(o.get("path"), str) else o
                        for o in run.outputs]
    return d


def _run_from_dict(d: Any, base: Path) -> JobRun:
    run = JobRun.from_dict(d)
    run.params = _map_paths(run, lambda p: _abs(p, base))
    run.outputs = [{**o, "path": _abs(o["path"], base)} if isinstance(o, dict) and isinstance(o.get("path"), str)
                   else o for o in run.outputs]
    return run


def project_from_dict(doc: Any, base: Path, *, source: Path | None = None) -> Project:
    """Build a :class:`Project` from a parsed document; paths are resolved against ``base``."""
    where = source or base
    if not isinstance(doc, dict) or doc.get("format") != _MAGIC:
        raise InputError(code="io.project.not_project", path=where)
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise InputError(code="io.project.no_version", path=where)
    if version > FORMAT_VERSION:
        raise InputError(code="io.project.too_new", path=where, version=version, supported=FORMAT_VERSION)
    check_document(doc, where, base)  # every value, before anything is built from it
    try:
        layers = []
        for d in doc.get("layers", []):
            spec = LayerSpec.from_dict(d)
            spec.path = _abs(spec.path, base)
            layers.append(spec)
        view = doc.get("view")
        project = Project(
            layers=layers, view=ViewState(**view) if view else None,
            display_crs=str(doc.get("display_crs") or Project().display_crs),
            city=str(doc.get("city", "长沙市")), year=int(doc.get("year", 2025)),
            target_files=[_abs(p, base) for p in doc.get("target_files", [])],
            job_runs=[_run_from_dict(r, base) for r in doc.get("job_runs", [])],
            scenarios=list(doc.get("scenarios") or []),
        )
        current = doc.get("current_scenario")
        project.current_scenario = current if any(d["name"] == current for d in project.scenarios) else None
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise InputError(code="io.project.damaged", path=where, detail=clip(exc)) from None
    return project


def save_project(project: Project, path: str | os.PathLike[str]) -> Path:
    """Save atomically: a failed save leaves the previous file intact. Sets ``project.path``."""
    path = Path(path)
    if path.suffix.lower() != SUFFIX:
        path = path.with_name(path.name + SUFFIX)
    doc = project_to_dict(project, path.parent.resolve())
    with atomic_write(path, "w", encoding="utf-8") as fh:
        jsonutil.dump(doc, fh)
    project.path = str(path)
    return path


def load_project(path: str | os.PathLike[str]) -> Project:
    """Open a project file; raises :class:`InputError` for a missing, corrupt or too-new file."""
    path = Path(path)
    doc = _read_document(path)
    project = project_from_dict(doc, path.parent.resolve(), source=path)
    project.path = str(path)
    return project


def _read_document(path: Path) -> Any:
    """The parsed JSON of a project file; an unreadable, oversized or too deeply nested one is refused."""
    if path.is_dir():
        raise InputError(code="io.project.is_folder", path=path)
    check_size(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(code="io.project.not_found", path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(code="io.project.unreadable", path=path, detail=clip(exc)) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(code="io.project.bad_json", path=path, line=exc.lineno) from None
    except RecursionError:
        from .project_checks import MAX_DEPTH

        raise InputError(code="io.project.too_deep", path=path, limit=MAX_DEPTH) from None


# -- autosave and recovery ------------------------------------------------------------------------

def autosave_dir() -> Path:
    folder = data_home() / "autosave"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def autosave_path(project: Project) -> Path:
    """The autosave file of a project: one per saved project path, one shared for unsaved ones."""
    key = hashlib.sha1((project.path or "untitled").encode("utf-8")).hexdigest()[:12]
    return autosave_dir() / f"{key}{SUFFIX}"


def autosave(project: Project) -> Path:
    """Write the autosave copy (paths absolute, so it opens from anywhere); keeps ``project.path``."""
    target = autosave_path(project)
    doc = project_to_dict(project, None)
    doc["autosave_of"] = project.path
    with atomic_write(target, "w", encoding="utf-8") as fh:
        jsonutil.dump(doc, fh)
    return target


def clear_autosave(project: Project) -> None:
    """Remove the autosave copy after a clean save or a clean exit."""
    try:
        autosave_path(project).unlink()
    except FileNotFoundError:
        pass


def find_recoverable() -> list[tuple[Path, str | None]]:
    """Autosave copies left by a session that did not exit cleanly: (autosave file, original path)."""
    out: list[tuple[Path, str | None]] = []
    for p in sorted(autosave_dir().glob(f"*{SUFFIX}"), key=lambda q: q.stat().st_mtime, reverse=True):
        try:
            doc = _read_document(p)
        except InputError:
            continue
        original = doc.get("autosave_of") if isinstance(doc, dict) else None
        out.append((p, original if isinstance(original, str) else None))
    return out


def recover(autosave_file: Path) -> Project:
    """Open an autosave copy as a project bound to its original path (if it had one)."""
    project = load_project(autosave_file)  # the same checks as any project file
    doc = _read_document(Path(autosave_file))
    original = doc.get("autosave_of")
    project.path = original if isinstance(original, str) and "\x00" not in original else None
    return project
