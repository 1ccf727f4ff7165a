"""Jobs: every user-level operation declared once (QGIS Processing's idea, typed).

A :class:`Job` declares its id, a title and help in Chinese and English, its typed :class:`Param`\\ s
with defaults, ranges and choices, the request dataclass its parameters fill, and
``run(request, feedback) -> Report``. From that one declaration:

* the CLI builds its sub-command, flags and ``--help`` (in the interface language) — ``sinkmap/cli.py``
  holds no job-specific code;
* ``sinkmap jobs [--json]`` lists every job with its parameters (the machine-readable catalogue);
* the desktop app builds a parameter dialog for any job without a hand-made panel, runs it in a worker
  process with progress and Cancel, and adds its outputs as layers;
* a project stores job runs (parameters + outputs) so that ``sinkmap run PROJECT --job ID`` repeats one.

Parameter values are converted and checked in one place (:meth:`Param.convert`), whatever the front
end: a number out of range, a folder given as a file, an output that names an input, all fail with the
same message naming the parameter. Nothing here imports Qt or heavy libraries: declaring a job costs
nothing at start-up; its ``run`` imports what it needs.
"""

from __future__ import annotations

import math
import os
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

from ..core.errors import InputError, SinkmapError
from ..core.feedback import Feedback
from ..core.messages import Notice, is_chinese


@dataclass(frozen=True)
class Text:
    """A text in both interface languages."""

    zh: str
    en: str

    def __call__(self, lang: str | None = None) -> str:
        return self.zh if is_chinese(lang) else self.en

    def to_json(self) -> dict[str, str]:
        return {"zh_CN": self.zh, "en": self.en}


@dataclass(frozen=True)
class LayerSource:
    """A vector layer: a file and, for multi-layer files (GeoPackage), the layer's name."""

    path: Path
    layer: str | None = None


#: Parameter kinds and what their values are.
KINDS = {
    "file": "an existing file (Path)",
    "layer": "an existing vector file and optional layer name (LayerSource)",
    "raster": "an existing raster file (Path)",
    "output": "a file to write (Path); its folder must exist; never one of the inputs",
    "folder": "a folder to write into (Path)",
    "unit": "an administrative unit name: city, county/district or zone (str)",
    "year": "a year (int)",
    "enum": "one of the choices (str)",
    "number": "a finite number within the range (float)",
    "integer": "a whole number within the range (int)",
    "bool": "true or false (flag)",
    "fields": "KEY=FIELD mapping (dict)",
    "text": "free text (str)",
}

INPUT_KINDS = ("file", "layer", "raster")
PATH_KINDS = ("file", "layer", "raster", "output", "folder")


class ParamError(InputError):
    """A parameter value that cannot be used (names the parameter and says what it takes).

    ``param_name`` is the parameter's name, so a dialog can show its title instead of the CLI flag.
    """

    param_name: str | None = None

    def for_display(self, title: str) -> "ParamError":
        """The same error naming the parameter by ``title`` (the app's dialogs)."""
        params = {k: v for k, v in self.params.items() if k not in ("path", "layer", "field")}
        params["param"] = title
        return ParamError(code=self.code, path=self.path, layer=self.layer, field=self.field, **params)


def param_error(param: "Param", code: str, **params: Any) -> ParamError:
    params.setdefault("param", param.cli_flag)
    err = ParamError(code=code, **params)
    err.param_name = param.name
    return err


@dataclass(frozen=True)
class Param:
    """One typed parameter of a job.

    ``name`` is the request field it fills; ``flag`` the CLI option (default ``--name-with-dashes``).
    Mutually exclusive parameters are declared on the job (:class:`Exclusive`). ``role`` tells the app
    which project layers fit (forest, wetland, landcover…) and lets the demo world fill it.
    """

    name: str
    kind: str
    title: Text
    help: Text
    default: Any = None
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    repeatable: bool = False
    role: str | None = None
    suffixes: tuple[str, ...] = ()  # file kinds: accepted endings (".gpkg"…); output: formats written
    flag: str | None = None
    metavar: str | None = None
    advanced: bool = False  # shown folded in the app's dialog

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"parameter {self.name}: unknown kind {self.kind!r}")

    @property
    def cli_flag(self) -> str:
        return self.flag or "--" + self.name.replace("_", "-")

    @property
    def layer_flag(self) -> str:
        """The companion flag naming the layer inside a multi-layer file (kind ``layer``)."""
        return self.cli_flag + "-layer"

    # -- values ---------------------------------------------------------------------------------------
    def convert(self, raw: Any) -> Any:
        """The value of ``raw`` (CLI text, JSON value or a widget's value) for this parameter, checked.

        ``None`` stays ``None`` (not given). Raises :class:`ParamError` naming the parameter.
        """
        if raw is None:
            return None
        if self.repeatable:
            items = list(raw) if isinstance(raw, (list, tuple)) else [raw]
            if self.kind == "fields":
                out: dict[str, str] = {}
                for item in items:
                    out.update(self._one(item))
                return out
            return [self._one(item) for item in items]
        return self._one(raw)

    def _fail(self, code: str, **params: Any) -> ParamError:
        return param_error(self, code, **params)

    def _one(self, raw: Any) -> Any:
        kind = self.kind
        if kind in ("file", "raster"):
            return _existing_file(self, raw)
        if kind == "layer":
            if isinstance(raw, LayerSource):
                return LayerSource(_existing_file(self, raw.path), raw.layer or None)
            if isinstance(raw, Mapping):
                return LayerSource(_existing_file(self, raw.get("path")), raw.get("layer") or None)
            if isinstance(raw, (list, tuple)):
                return LayerSource(_existing_file(self, raw[0]), (raw[1] if len(raw) > 1 else None) or None)
            text = str(raw)
            if "|layername=" in text and not Path(text).exists():  # QGIS's 'file.gpkg|layername=NAME'
                path, _sep, name = text.partition("|layername=")
                return LayerSource(_existing_file(self, path), name.strip() or None)
            return LayerSource(_existing_file(self, raw))
        if kind in ("output", "folder"):
            text = str(raw).strip()
            if not text:
                raise self._fail("jobs.param.empty_path")
            path = Path(text).expanduser()
            if kind == "output" and self.suffixes and path.suffix.lower() not in self.suffixes:
                raise self._fail("jobs.param.bad_suffix", value=text, suffixes=", ".join(self.suffixes))
            if kind == "output" and path.is_dir():
                raise self._fail("jobs.param.output_is_folder", value=text)
            if kind == "output":
                _check_output_place(self, path)
            return path
        if kind in ("year", "integer"):
            value = _number(self, raw)
            if value != int(value):
                raise self._fail("jobs.param.not_integer", value=raw)
            value = int(value)
            lo, hi = (self.minimum, self.maximum) if kind == "integer" else (
                self.minimum if self.minimum is not None else 1949, self.maximum if self.maximum is not None else 2100)
            _check_range(self, value, lo, hi)
            return value
        if kind == "number":
            value = _number(self, raw)
            _check_range(self, value, self.minimum, self.maximum)
            return value
        if kind == "enum":
            text = str(raw).strip()
            if self.choices and text not in self.choices:
                raise self._fail("jobs.param.not_a_choice", value=text, choices=", ".join(self.choices))
            return text
        if kind == "bool":
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in ("1", "true", "yes", "on", "是"):
                return True
            if text in ("0", "false", "no", "off", "否"):
                return False
            raise self._fail("jobs.param.not_bool", value=raw)
        if kind == "fields":
            if isinstance(raw, Mapping):
                return {str(k).strip(): str(v).strip() for k, v in raw.items()}
            key, sep, value = str(raw).partition("=")
            if not sep or not key.strip():
                raise self._fail("jobs.param.not_key_value", value=raw)
            return {key.strip(): value.strip()}
        text = str(raw)
        if any(ord(c) < 32 and c not in "\t" for c in text):
            raise self._fail("jobs.param.control_chars")
        text = text.strip()
        if kind == "unit":
            from ..io.boundaries import resolve_unit

            resolve_unit(text)  # an unknown name fails here, naming the nearest ones, before any file is read
        return text

    def to_json(self, value: Any, base: Path | None = None) -> Any:
        """``value`` as JSON (paths relative to ``base`` when below or beside it, for project files)."""
        if value is None:
            return None
        if self.repeatable and self.kind != "fields":
            return [self._item_json(v, base) for v in value]
        return self._item_json(value, base)

    def _item_json(self, value: Any, base: Path | None) -> Any:
        if isinstance(value, LayerSource):
            return {"path": _relative(value.path, base), "layer": value.layer}
        if isinstance(value, Path):
            return _relative(value, base)
        if isinstance(value, dict):
            return dict(value)
        return value

    def from_json(self, data: Any, base: Path | None = None) -> Any:
        """The raw value stored by :meth:`to_json` (paths made absolute against ``base``); not yet checked."""
        if data is None:
            return None
        if self.repeatable and self.kind != "fields":
            return [self._item_from_json(v, base) for v in data]
        return self._item_from_json(data, base)

    def _item_from_json(self, data: Any, base: Path | None) -> Any:
        if self.kind == "layer" and isinstance(data, Mapping):
            return {"path": _absolute(data.get("path"), base), "layer": data.get("layer")}
        if self.kind in PATH_KINDS and isinstance(data, str):
            return _absolute(data, base)
        return data

    def describe(self) -> dict[str, Any]:
        """This parameter in the catalogue (``sinkmap jobs --json``)."""
        out: dict[str, Any] = {
            "name": self.name, "type": self.kind, "flag": self.cli_flag, "title": self.title.to_json(),
            "help": self.help.to_json(), "required": self.required, "default": _json_default(self.default),
        }
        if self.kind == "layer" and not self.repeatable:
            out["layer_flag"] = self.layer_flag
        if self.choices:
            out["choices"] = list(self.choices)
        if self.minimum is not None or self.maximum is not None or self.kind == "year":
            lo, hi = self.minimum, self.maximum
            if self.kind == "year":
                lo, hi = lo if lo is not None else 1949, hi if hi is not None else 2100
            out["range"] = [lo, hi]
        for key in ("repeatable", "role", "advanced"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.suffixes:
            out["suffixes"] = list(self.suffixes)
        return out


def _json_default(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def _relative(path: Path, base: Path | None) -> str:
    if base is None:
        return str(path)
    try:
        return Path(os.path.relpath(Path(path).resolve(), base)).as_posix()
    except ValueError:  # another drive (Windows)
        return Path(path).as_posix()


def _absolute(text: Any, base: Path | None) -> Any:
    if not isinstance(text, str) or base is None:
        return text
    p = Path(text)
    return str(p if p.is_absolute() else (base / p).resolve())


def _number(param: Param, raw: Any) -> float:
    if isinstance(raw, bool):
        raise param._fail("jobs.param.not_number", value=raw)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise param._fail("jobs.param.not_number", value=str(raw)[:40]) from None
    if not math.isfinite(value):
        raise param._fail("jobs.param.not_finite", value=str(raw)[:40])
    return value


def _check_range(param: Param, value: float, lo: float | None, hi: float | None) -> None:
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise param._fail("jobs.param.out_of_range", value=value, minimum="−∞" if lo is None else f"{lo:g}",
                          maximum="∞" if hi is None else f"{hi:g}")


def _check_output_place(param: Param, path: Path) -> None:
    """Where an output will go, checked before anything runs: its folder exists and is writable, is not a
    system folder (/proc, /sys, /dev, /etc…), and the file, if it exists, is a regular file."""
    from ..io.project_checks import in_system_folder

    folder = path.parent if str(path.parent) else Path(".")
    if in_system_folder(path):
        raise param_error(param, "jobs.param.output_system_folder", path=path, folder=str(folder))
    if not folder.is_dir():
        raise param_error(param, "jobs.param.output_no_folder", path=path, folder=str(folder))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise param_error(param, "jobs.param.output_read_only", path=path, folder=str(folder))
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if not stat.S_ISREG(mode):
        raise param_error(param, "jobs.param.not_regular", path=path)


def _existing_file(param: Param, raw: Any) -> Path:
    """An input file that exists and is a regular file (a folder, a FIFO or a device is refused)."""
    text = str(raw or "").strip()
    if not text:
        raise param._fail("jobs.param.empty_path")
    path = Path(text).expanduser()
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise param_error(param, "jobs.param.no_such_file", path=path) from None
    except OSError as exc:
        raise param_error(param, "jobs.param.unreadable", path=path, detail=exc.strerror or str(exc)) from None
    if stat.S_ISDIR(mode):
        # a Shapefile folder or a File Geodatabase is a folder GDAL reads: accept those for vector layers
        if param.kind == "layer" and (path.suffix.lower() == ".gdb" or any(path.glob("*.shp"))):
            return path
        raise param_error(param, "jobs.param.is_folder", path=path)
    if not stat.S_ISREG(mode):
        raise param_error(param, "jobs.param.not_regular", path=path)
    return path


# -- reports -------------------------------------------------------------------------------------------

def written_lines(outputs, lang: str | None = None) -> list[str]:
    """"wrote PATH" once per file, its layers named ("已写出 x.gpkg（upper、lower、pairs）")."""
    zh = is_chinese(lang)
    layers: dict[str, list[str]] = {}
    for out in outputs:
        names = layers.setdefault(str(out.path), [])
        if out.layer and out.layer not in names:
            names.append(out.layer)
    return [("已写出 " if zh else "wrote ") + path + ((f"（{'、'.join(n)}）" if zh else f" ({', '.join(n)})") if n else "")
            for path, n in layers.items()]


@dataclass
class Output:
    """A file a job wrote: what it is, so the app can add it as a layer and a project can list it."""

    path: Path
    kind: str = "table"  # vector / raster / table / folder / document
    layer: str | None = None  # layer inside a multi-layer file
    role: str | None = None  # forest / wetland / boundary … (how the app styles it)
    name: str | None = None  # display name

    def to_json(self) -> dict[str, Any]:
        return {"path": str(self.path), "kind": self.kind, "layer": self.layer, "role": self.role,
                "name": self.name}


#: What the data of a run came from. ``demo`` is recorded whenever the synthetic demo world stood in.
DATA_USER = "user"
DATA_DEMO = "synthetic_demo"
DEMO_LABEL = Text("演示数据（合成，非真实调查数据）", "synthetic demo data (not survey data)")


@dataclass
class Report:
    """What every job returns: its warnings (Notices), the files it wrote, and where its data came from.

    Jobs extend it with their typed results. ``data`` is :data:`DATA_DEMO` when the synthetic demo world
    stood in for missing layers (``demo_layers`` says which parameters it filled).
    """

    job: str = ""
    warnings: list[Notice | str] = field(default_factory=list)
    outputs: list[Output] = field(default_factory=list)
    inputs: dict[str, str] = field(default_factory=dict)
    data: str = DATA_USER
    demo_layers: list[str] = field(default_factory=list)

    @property
    def synthetic(self) -> bool:
        return self.data == DATA_DEMO

    def summary(self, lang: str | None = None) -> list[str]:
        """A few lines for a generic display (CLI without a table of its own, the app's task panel)."""
        lines = []
        if self.synthetic:
            lines.append(DEMO_LABEL(lang))
        lines += written_lines(self.outputs, lang)
        return lines

    def base_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"job": self.job, "data": self.data}
        if self.synthetic:
            out["data_label"] = "synthetic demo data — 演示数据，非真实调查数据"
            out["demo_layers"] = list(self.demo_layers)
        out["inputs"] = dict(self.inputs)
        if self.outputs:
            out["outputs"] = [o.to_json() for o in self.outputs]
        out["warnings"] = [w.to_json() if isinstance(w, Notice) else {"message": str(w)} for w in self.warnings]
        return out

    def to_json(self) -> dict[str, Any]:
        return self.base_json()


# -- jobs ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Exclusive:
    """Parameters of which at most one (exactly one when ``required``) may be given; ``title`` labels
    the group's row in the app's dialog."""

    name: str
    params: tuple[str, ...]
    required: bool = False
    title: Text | None = None


@dataclass(frozen=True)
class Job:
    """One user-level operation, declared once.

    ``request`` is the dataclass the parameters fill (field names = parameter names); ``run`` is a
    module-level function ``run(request, feedback) -> Report`` (module-level so the app can run it in a
    worker process). ``panel`` names a hand-made panel of the app (the app then builds no dialog).
    ``write(report, request)`` writes the job's files once the report is complete (its data label
    known) and returns them. ``demo_roles``: parameters (by role) that the synthetic demo world fills when *none* of the job's
    input-layer parameters is given — the one place that choice is made (:func:`apply_demo_world`).
    """

    id: str
    title: Text
    help: Text
    params: tuple[Param, ...]
    request: type
    run: Callable[[Any, Feedback], Report]
    write: Callable[[Any, Any], list[Output]] | None = None  # (report, request) -> files written
    exclusive: tuple[Exclusive, ...] = ()
    menu: Text | None = None  # the app's menu section
    panel: str | None = None
    process: bool = True  # run in a worker process in the app (holds the GIL for long)
    demo_roles: tuple[str, ...] = ()
    module: str = ""  # where it is declared (the worker process imports it)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    @property
    def cli_name(self) -> str:
        return self.id

    # -- values → request -------------------------------------------------------------------------------
    def convert(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """Checked values of every parameter from raw values (missing → the default)."""
        known = {p.name for p in self.params}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ParamError(code="jobs.param.unknown", job=self.id, names=", ".join(unknown),
                             known=", ".join(sorted(known)))
        values: dict[str, Any] = {}
        for p in self.params:
            given = raw.get(p.name)
            values[p.name] = p.convert(given) if given is not None else _copy_default(p.default)
        for group in self.exclusive:
            chosen = [n for n in group.params if values.get(n) not in (None, [], {}, False)]
            if len(chosen) > 1:
                raise ParamError(code="jobs.param.exclusive", job=self.id,
                                 names=", ".join(self.param(n).cli_flag for n in chosen))
            if group.required and not chosen:
                raise ParamError(code="jobs.param.one_required", job=self.id,
                                 names=", ".join(self.param(n).cli_flag for n in group.params))
        for p in self.params:
            if p.required and values.get(p.name) in (None, [], {}):
                raise param_error(p, "jobs.param.required", job=self.id)
        _check_outputs_are_not_inputs(self, values)
        return values

    def make_request(self, raw: Mapping[str, Any]) -> Any:
        values = self.convert(raw)
        if is_dataclass(self.request):
            names = {f.name for f in fields(self.request)}
            return self.request(**{k: v for k, v in values.items() if k in names})
        return self.request(**values)

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "title": self.title.to_json(), "help": self.help.to_json(),
                               "params": [p.describe() for p in self.params]}
        if self.exclusive:
            out["exclusive"] = [{"name": g.name, "params": list(g.params), "required": g.required}
                                for g in self.exclusive]
            for entry, g in zip(out["exclusive"], self.exclusive):
                if g.title is not None:
                    entry["title"] = g.title.to_json()
        if self.demo_roles:
            out["demo_fallback"] = list(self.demo_roles)
        if self.panel:
            out["panel"] = self.panel
        return out


def _copy_default(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return type(value)(value)
    return value


def _check_outputs_are_not_inputs(job: Job, values: Mapping[str, Any]) -> None:
    """An output that names one of the inputs would destroy it: refuse before anything runs."""
    inputs: dict[Path, str] = {}
    for p in job.params:
        if p.kind in INPUT_KINDS and values.get(p.name) is not None:
            for v in (values[p.name] if p.repeatable else [values[p.name]]):
                path = v.path if isinstance(v, LayerSource) else v
                try:
                    inputs[Path(path).resolve()] = p.cli_flag
                except OSError:
                    pass
    for p in job.params:
        if p.kind == "output" and values.get(p.name) is not None:
            out = Path(values[p.name]).resolve()
            if out in inputs:
                raise param_error(p, "jobs.param.output_is_input", path=values[p.name], other=inputs[out])


# -- the demo world --------------------------------------------------------------------------------------

def apply_demo_world(job: Job, request: Any, feedback: Feedback) -> tuple[Any, list[str]]:
    """The one place where "no input layers given → the synthetic demo world" is decided.

    When the job declares ``demo_roles`` and none of its input-layer parameters is set, the demo world
    is made (once, on first use) and fills the parameters of those roles. Returns the request and the
    names of the parameters filled (empty: the user's own data). The report records it.
    """
    if not job.demo_roles:
        return request, []
    inputs = [p for p in job.params if p.kind in INPUT_KINDS and p.role]
    if any(getattr(request, p.name, None) is not None for p in inputs):
        return request, []
    from dataclasses import replace

    from ..demo.generate import demo_layers, ensure_demo

    layers = demo_layers(ensure_demo(feedback=feedback))
    filled: dict[str, Any] = {}
    for p in inputs:
        if p.role in job.demo_roles and p.role in layers:
            path, layer = layers[p.role]
            filled[p.name] = LayerSource(Path(path), layer) if p.kind == "layer" else Path(path)
    return replace(request, **filled), list(filled)


def demo_inputs(job: Job, request: Any) -> list[str]:
    """The input parameters of ``request`` whose files are the synthetic demo world's (e.g. the demo
    layers of the app's first project): a report made from them is labelled synthetic too."""
    from ..demo import demo_dir

    demo = demo_dir().resolve()
    names = []
    for p in job.params:
        if p.kind not in INPUT_KINDS:
            continue
        value = getattr(request, p.name, None)
        for v in (value if isinstance(value, (list, tuple)) else [value]):
            path = v.path if isinstance(v, LayerSource) else v
            if path is not None and Path(path).resolve().is_relative_to(demo):
                names.append(p.name)
                break
    return names


def run_job(job: Job, request: Any, feedback: Feedback | None = None) -> Report:
    """Run ``job`` on a request: the demo fallback, the job's own run, then the report's bookkeeping
    (its data label: synthetic when the demo world stood in or any input is a demo file)."""
    from ..core.feedback import ensure

    feedback = ensure(feedback)
    request, demo = apply_demo_world(job, request, feedback)
    demo = demo or demo_inputs(job, request)
    report = job.run(request, feedback)
    report.job = job.id
    if demo:
        report.data, report.demo_layers = DATA_DEMO, demo
    seen = list(report.warnings)
    for w in getattr(feedback, "warnings", []):
        if w not in seen:
            seen.append(w)
    report.warnings = seen
    if job.write is not None:
        report.outputs.extend(job.write(report, request))
    return report


def values_of(job: Job, request: Any) -> dict[str, Any]:
    """The parameter values held by ``request`` (for storing a run in a project)."""
    return {p.name: getattr(request, p.name, None) for p in job.params}


def describe_value(param: Param, value: Any) -> str:
    """A short text of a value for the app's run history and the CLI's echo."""
    if value is None:
        return ""
    if isinstance(value, LayerSource):
        return str(value.path) + (f" ({value.layer})" if value.layer else "")
    if isinstance(value, (list, tuple)):
        return ", ".join(describe_value(param, v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def sequence(value: Any) -> Sequence[Any]:
    return value if isinstance(value, (list, tuple)) else [value]


__all__ = ["DATA_DEMO", "DATA_USER", "DEMO_LABEL", "Exclusive", "Job", "KINDS", "LayerSource", "Output", "Param",
           "ParamError", "Report", "SinkmapError", "Text", "apply_demo_world", "run_job", "values_of"]
