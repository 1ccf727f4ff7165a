"""The project model: layers, their styles, the map view and the chosen city/year — plain Python, no Qt.

The GUI observes this model (napari-style: the model lives outside Qt, widgets subscribe to it), the
project file (``sinkmap.io.project_file``) serialises it, and tests drive it headless. Every change
goes through a method that notifies subscribers with an event name and the layer id concerned, and
bumps the layer's ``revision`` so that renderers can tell a stale cached image from a current one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from dataclasses import field as dc_field
from typing import Any

from .crs import EQUAL_AREA_CRS

#: Kinds of style a layer can carry.
VECTOR_STYLES = ("single", "categorised", "graduated")
RASTER_STYLES = ("classes", "hillshade", "ramp")


@dataclass
class Style:
    """How a layer is drawn. Vector: single / categorised / graduated; raster: classes / hillshade / ramp."""

    kind: str = "single"
    fill: str = "#9ecae1"  # single-symbol fill ("" or "none" for no fill)
    stroke: str = "#3a3a3a"
    stroke_width: float = 0.6  # pixels
    field: str | None = None  # categorised / graduated attribute
    categories: dict[str, str] = dc_field(default_factory=dict)  # value (as text) -> colour
    category_labels: dict[str, str] = dc_field(default_factory=dict)  # value -> legend text
    breaks: list[float] = dc_field(default_factory=list)  # graduated: n+1 class edges
    colors: list[str] = dc_field(default_factory=list)  # graduated: n colours
    method: str = "quantile"  # graduated breaks: quantile / equal_interval / natural_breaks / manual
    scheme: str | None = None  # raster classes: classification scheme name (sandiao, worldcover)
    ramp: str = "terrain"  # raster ramp name (see sinkmap.carto.colors)
    vmin: float | None = None  # raster ramp range (None: from the data)
    vmax: float | None = None
    label_field: str | None = None
    label_color: str = "#1a1a1a"
    label_size: float = 10.0  # points
    point_size: float = 6.0  # pixels
    opacity: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return {k: (dict(v) if isinstance(v, dict) else list(v) if isinstance(v, list) else v)
                for k, v in self.__dict__.items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Style":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass
class LayerSpec:
    """One layer of the project: where its data is and how it is drawn (not the data itself)."""

    name: str
    path: str  # absolute in memory; the project file stores it relative to the project
    kind: str = "vector"  # "vector" or "raster"
    layer: str | None = None  # layer inside a multi-layer file (GeoPackage)
    role: str | None = None  # boundary / forest / wetland / protected / projects / landcover / dem
    visible: bool = True
    style: Style = dc_field(default_factory=Style)
    encoding: str | None = None  # user override of the detected encoding
    crs: str | None = None  # user override of the detected CRS ("GCJ-02": AMap/Tencent coordinates)
    fields: dict[str, str] = dc_field(default_factory=dict)  # field mapping overrides (key -> field name)
    scheme: str | None = None  # classification scheme of the layer's codes (sandiao, worldcover...)
    produced_by: str | None = None  # id of the JobRun that wrote it (None: loaded by the user)
    id: str = dc_field(default_factory=lambda: uuid.uuid4().hex[:12])
    revision: int = 0  # bumped on every style/data change; part of the render cache key

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k not in ("style", "revision")}
        out["fields"] = dict(self.fields)
        out["style"] = self.style.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "LayerSpec":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__ and k not in ("style", "revision")}
        return cls(style=Style.from_dict(data.get("style") or {}), **known)


@dataclass(frozen=True)
class ViewState:
    """The map view: centre and resolution in the display CRS (map units per screen pixel)."""

    center_x: float
    center_y: float
    units_per_px: float
    crs: str = EQUAL_AREA_CRS


@dataclass
class JobRun:
    """One run of a job stored in the project: its parameters and what it wrote, so it can be repeated
    (``sinkmap run PROJECT --job ID``) and exports can say what produced each layer.

    ``params`` are JSON values (paths absolute in memory; the project file stores the names listed in
    ``path_params`` relative to the project). ``data`` says whether the synthetic demo world stood in.
    """

    job: str
    params: dict[str, Any] = dc_field(default_factory=dict)
    path_params: list[str] = dc_field(default_factory=list)
    outputs: list[dict[str, Any]] = dc_field(default_factory=list)
    status: str = "finished"
    started: str = ""
    seconds: float = 0.0
    data: str = "user"
    version: str = ""
    id: str = dc_field(default_factory=lambda: uuid.uuid4().hex[:12])

    def to_dict(self) -> dict[str, Any]:
        return {k: (dict(v) if isinstance(v, dict) else list(v) if isinstance(v, list) else v)
                for k, v in self.__dict__.items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "JobRun":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        if not isinstance(known.get("job"), str) or not isinstance(known.get("params", {}), dict):
            raise ValueError("a job run needs a job id and a parameter object")
        return cls(**known)


Listener = Callable[[str, "str | None"], None]

#: Events a project emits: (name, layer id or None).
EVENTS = ("layer_added", "layer_removed", "layers_reordered", "layer_changed", "view_changed",
          "settings_changed", "job_run", "scenarios_changed")


@dataclass
class Project:
    """Layers (drawing order: index 0 is drawn first, i.e. at the bottom), view and dashboard settings."""

    layers: list[LayerSpec] = dc_field(default_factory=list)
    view: ViewState | None = None
    display_crs: str = EQUAL_AREA_CRS
    city: str = "长沙市"
    year: int = 2025
    target_files: list[str] = dc_field(default_factory=list)
    job_runs: list[JobRun] = dc_field(default_factory=list)
    # siting scenarios, as stored (JSON documents: see sinkmap.io.scenario_doc; the model is
    # sinkmap.analysis.siting.scenarios.Scenario) and the one sites are added to
    scenarios: list[dict[str, Any]] = dc_field(default_factory=list)
    current_scenario: str | None = None
    path: str | None = None  # where it was last saved/opened, None for a new project
    _listeners: list[Listener] = dc_field(default_factory=list, repr=False, compare=False)

    # -- observing --------------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _emit(self, event: str, layer_id: str | None = None) -> None:
        for listener in list(self._listeners):
            listener(event, layer_id)

    # -- layers -----------------------------------------------------------------------------------
    def layer(self, layer_id: str) -> LayerSpec:
        for spec in self.layers:
            if spec.id == layer_id:
                return spec
        raise KeyError(layer_id)

    def index_of(self, layer_id: str) -> int:
        return [s.id for s in self.layers].index(layer_id)

    def add_layer(self, spec: LayerSpec, index: int | None = None) -> LayerSpec:
        """Add a layer on top (or at ``index`` in drawing order)."""
        if any(s.id == spec.id for s in self.layers):
            raise ValueError(f"layer id {spec.id} is already in the project")
        self.layers.insert(len(self.layers) if index is None else index, spec)
        self._emit("layer_added", spec.id)
        return spec

    def remove_layer(self, layer_id: str) -> LayerSpec:
        spec = self.layers.pop(self.index_of(layer_id))
        self._emit("layer_removed", layer_id)
        return spec

    def move_layer(self, layer_id: str, index: int) -> None:
        """Move a layer to ``index`` in drawing order (0 = bottom)."""
        spec = self.layers.pop(self.index_of(layer_id))
        self.layers.insert(max(0, min(index, len(self.layers))), spec)
        self._emit("layers_reordered", layer_id)

    def set_visible(self, layer_id: str, visible: bool) -> None:
        spec = self.layer(layer_id)
        if spec.visible != visible:
            spec.visible = visible
            self._emit("layer_changed", layer_id)

    def set_style(self, layer_id: str, style: Style) -> None:
        spec = self.layer(layer_id)
        spec.style = style
        spec.revision += 1
        self._emit("layer_changed", layer_id)

    def update_style(self, layer_id: str, **changes: Any) -> None:
        self.set_style(layer_id, replace(self.layer(layer_id).style, **changes))

    def rename_layer(self, layer_id: str, name: str) -> None:
        self.layer(layer_id).name = name
        self._emit("layer_changed", layer_id)

    # -- view and settings ------------------------------------------------------------------------
    def set_view(self, view: ViewState) -> None:
        self.view = view
        self._emit("view_changed", None)

    def set_city_year(self, city: str, year: int) -> None:
        if (city, year) != (self.city, self.year):
            self.city, self.year = city, year
            self._emit("settings_changed", None)

    # -- job runs ----------------------------------------------------------------------------------
    def record_run(self, run: JobRun, replace: bool = False) -> JobRun:
        """Store a run; ``replace`` drops earlier runs of the same job (the dashboard's recomputations)."""
        if replace:
            self.job_runs = [r for r in self.job_runs if r.job != run.job]
        self.job_runs.append(run)
        self._emit("job_run", None)
        return run

    # -- siting scenarios -------------------------------------------------------------------------
    def set_scenarios(self, docs: list[dict[str, Any]], current: str | None = None) -> None:
        """Replace the stored scenarios (their JSON documents) and the current one's name."""
        if docs != self.scenarios or current != self.current_scenario:
            self.scenarios = list(docs)
            self.current_scenario = current
            self._emit("scenarios_changed", None)

    def last_run(self, job_id: str) -> JobRun | None:
        return next((r for r in reversed(self.job_runs) if r.job == job_id), None)
