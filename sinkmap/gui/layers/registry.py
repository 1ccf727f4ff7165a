"""The GUI side of the layer model: loaded data, symbology and selection for each project layer.

:class:`LayerRegistry` observes a :class:`~sinkmap.core.project.Project` (which knows nothing of Qt)
and turns its events into Qt signals; it loads layer data in background tasks, keeps per-layer
:class:`Symbology` in step with the style, and holds the selection shared by the map and the
attribute table. It also builds the render functions the canvas schedules.
"""

from __future__ import annotations

import logging
from functools import partial

import numpy as np
from PySide6.QtCore import QObject, Signal

from ...core.project import LayerSpec, Project
from ..canvas.raster_render import RasterJob, render_raster
from ..canvas.symbology import Symbology, build_symbology
from ..canvas.vector_render import VectorJob, render_selection, render_vector
from ..tasks import TaskManager
from .data import VectorData, load_vector
from .raster_data import RasterData, open_raster

log = logging.getLogger(__name__)


BUILTIN_BOUNDARIES = "builtin:boundaries"


def _load(spec: LayerSpec, display_crs: str, feedback=None):
    if spec.path == BUILTIN_BOUNDARIES:  # the bundled administrative units of a city / the province
        from ...io.boundaries import load_units
        from .data import prepare_vector

        unit = spec.layer or "湖南省"
        frame = load_units(province=unit) if unit.endswith("省") else load_units(city=unit)
        if (frame["level"] == "county").any():
            frame = frame[frame["level"] == "county"]
        return prepare_vector(frame, display_crs, feedback)
    if spec.kind == "raster":
        return open_raster(spec.path, display_crs, feedback=feedback)
    return load_vector(spec.path, spec.layer, display_crs, encoding=spec.encoding, crs=spec.crs,
                       feedback=feedback)


class LayerRegistry(QObject):
    layerAdded = Signal(str)
    layerRemoved = Signal(str)
    layersReordered = Signal()
    layerChanged = Signal(str)  # style / visibility / name
    layerLoaded = Signal(str)
    layerFailed = Signal(str, str)  # layer id, readable message
    selectionChanged = Signal(str)
    projectReplaced = Signal()
    viewRequested = Signal(object)  # ViewState from the project (opening a project)
    settingsChanged = Signal()

    def __init__(self, tasks: TaskManager, project: Project | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.project = project or Project()
        self.data: dict[str, VectorData | RasterData] = {}
        self.symbology: dict[str, Symbology] = {}
        self.selection: dict[str, np.ndarray] = {}
        self._sel_version: dict[str, int] = {}
        self.errors: dict[str, str] = {}
        self.loading: set[str] = set()
        self.project.subscribe(self._on_event)

    # -- project ----------------------------------------------------------------------------------
    def set_project(self, project: Project) -> None:
        """Replace the whole project (open/new); previously loaded data is dropped."""
        self.project.unsubscribe(self._on_event)
        self.project = project
        self.data.clear()
        self.symbology.clear()
        self.selection.clear()
        self.errors.clear()
        project.subscribe(self._on_event)
        self.projectReplaced.emit()
        for spec in project.layers:
            self.load(spec)

    def _on_event(self, event: str, layer_id: str | None) -> None:
        if event == "layer_added" and layer_id:
            self.layerAdded.emit(layer_id)
            self.load(self.project.layer(layer_id))
        elif event == "layer_removed" and layer_id:
            for store in (self.data, self.symbology, self.selection, self.errors):
                store.pop(layer_id, None)
            self.layerRemoved.emit(layer_id)
        elif event == "layers_reordered":
            self.layersReordered.emit()
        elif event == "layer_changed" and layer_id:
            self._refresh_symbology(layer_id)
            self.layerChanged.emit(layer_id)
        elif event == "view_changed" and self.project.view is not None:
            self.viewRequested.emit(self.project.view)
        elif event == "settings_changed":
            self.settingsChanged.emit()

    # -- loading ----------------------------------------------------------------------------------
    def load(self, spec: LayerSpec):
        """Load a layer's data in the background; ``layerLoaded``/``layerFailed`` follow."""
        self.loading.add(spec.id)
        return self.tasks.submit(
            f"{spec.name}", _load, spec, self.project.display_crs,
            on_done=partial(self._loaded, spec.id), on_error=partial(self._failed, spec.id),
            on_cancel=partial(self._failed, spec.id, ""))

    def _loaded(self, layer_id: str, data) -> None:
        self.loading.discard(layer_id)
        try:
            spec = self.project.layer(layer_id)
        except KeyError:
            return  # removed while loading
        self.data[layer_id] = data
        self.errors.pop(layer_id, None)
        self._refresh_symbology(layer_id)
        self.layerLoaded.emit(layer_id)
        log.debug("loaded %s", spec.name)

    def _failed(self, layer_id: str, message: str) -> None:
        self.loading.discard(layer_id)
        if message:
            self.errors[layer_id] = message
        self.layerFailed.emit(layer_id, message)

    def _refresh_symbology(self, layer_id: str) -> None:
        data = self.data.get(layer_id)
        if isinstance(data, VectorData):
            self.symbology[layer_id] = build_symbology(self.project.layer(layer_id).style, data.frame)

    @property
    def busy(self) -> bool:
        return bool(self.loading)

    # -- selection --------------------------------------------------------------------------------
    def selected_rows(self, layer_id: str) -> np.ndarray:
        mask = self.selection.get(layer_id)
        return np.zeros(0, dtype=np.int64) if mask is None else np.flatnonzero(mask)

    def set_selection(self, layer_id: str, rows, mode: str = "replace") -> None:
        """Select rows of a vector layer. mode: replace / add / toggle / clear."""
        data = self.data.get(layer_id)
        if not isinstance(data, VectorData):
            return
        mask = self.selection.get(layer_id)
        if mask is None or mode == "replace" or mode == "clear":
            mask = np.zeros(len(data), dtype=bool)
        else:
            mask = mask.copy()
        rows = np.asarray(rows, dtype=np.int64)
        if mode == "toggle":
            mask[rows] = ~mask[rows]
        elif mode != "clear":
            mask[rows] = True
        self.selection[layer_id] = mask
        self._sel_version[layer_id] = self._sel_version.get(layer_id, 0) + 1
        self.selectionChanged.emit(layer_id)

    def selection_key(self, layer_id: str) -> int:
        return self._sel_version.get(layer_id, 0)

    # -- rendering --------------------------------------------------------------------------------
    def render_key(self, layer_id: str) -> tuple:
        spec = self.project.layer(layer_id)
        return (spec.revision, id(self.data.get(layer_id)))

    def render_fn(self, layer_id: str):
        """``fn(viewport, cancel) -> QImage`` for the layer as styled now (None if not loaded)."""
        data = self.data.get(layer_id)
        spec = self.project.layer(layer_id)
        if isinstance(data, VectorData):
            sym = self.symbology.get(layer_id) or build_symbology(spec.style, data.frame)
            return partial(render_vector, VectorJob(data, spec.style, sym))
        if isinstance(data, RasterData):
            return partial(render_raster, RasterJob(data, spec.style))
        return None

    def selection_fn(self, layer_id: str):
        data = self.data.get(layer_id)
        mask = self.selection.get(layer_id)
        if not isinstance(data, VectorData) or mask is None or not mask.any():
            return None
        return partial(render_selection, data, mask.copy())

    def extent(self, layer_id: str) -> tuple[float, float, float, float] | None:
        data = self.data.get(layer_id)
        return None if data is None else tuple(data.extent)

    def full_extent(self) -> tuple[float, float, float, float] | None:
        boxes = [d.extent for d in self.data.values()]
        if not boxes:
            return None
        arr = np.array(boxes, dtype=float)
        return (arr[:, 0].min(), arr[:, 1].min(), arr[:, 2].max(), arr[:, 3].max())
