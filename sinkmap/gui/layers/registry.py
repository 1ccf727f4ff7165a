"""The GUI side of the layer model: loaded data, symbology and selection for each project layer.

:class:`LayerRegistry` observes a :class:`~sinkmap.core.project.Project` (which knows nothing of Qt)
and turns its events into Qt signals; it loads layer data in background tasks, keeps per-layer
:class:`Symbology` in step with the style, and holds the selection shared by the map and the
attribute table. It also builds the render functions the canvas schedules.
"""

from __future__ import annotations

import logging
import threading
from functools import partial

import numpy as np
from PySide6.QtCore import QObject, Signal

from ...carto.symbology import Symbology, build_symbology
from ...core.project import LayerSpec, Project
from ...io.layerdata.data import VectorData
from ...io.layerdata.loaders import (BUILTIN_BOUNDARIES, is_cached, load_layer_cached, use_process,  # noqa: F401
                      vector_from_payload, vector_payload)
from ...io.layerdata.raster_data import RasterData
from ..canvas.raster_render import RasterJob, render_raster
from ..canvas.vector_render import VectorJob, render_selection, render_vector
from ..tasks import TaskManager

log = logging.getLogger(__name__)


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
        self._symbology: dict[str, tuple[tuple, Symbology]] = {}  # layer id -> (key, symbology)
        self._sym_lock = threading.Lock()
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
        self._symbology.clear()
        self.selection.clear()
        self.errors.clear()
        project.subscribe(self._on_event)
        self.projectReplaced.emit()
        for spec in project.layers:
            if spec.visible:  # hidden layers load when first shown
                self.load(spec)

    def _on_event(self, event: str, layer_id: str | None) -> None:
        if event == "layer_added" and layer_id:
            self.layerAdded.emit(layer_id)
            if self.project.layer(layer_id).visible:
                self.load(self.project.layer(layer_id))
        elif event == "layer_removed" and layer_id:
            for store in (self.data, self._symbology, self.selection, self.errors):
                store.pop(layer_id, None)
            self.layerRemoved.emit(layer_id)
        elif event == "layers_reordered":
            self.layersReordered.emit()
        elif event == "layer_changed" and layer_id:
            self.ensure_loaded(layer_id)
            self.layerChanged.emit(layer_id)
        elif event == "view_changed" and self.project.view is not None:
            self.viewRequested.emit(self.project.view)
        elif event == "settings_changed":
            self.settingsChanged.emit()

    # -- loading ----------------------------------------------------------------------------------
    def load(self, spec: LayerSpec):
        """Load a layer's data in the background; ``layerLoaded``/``layerFailed`` follow."""
        self.loading.add(spec.id)
        big = use_process(spec) and not is_cached(spec, self.project.display_crs)
        return self.tasks.submit(
            f"{spec.name}", vector_payload if big else load_layer_cached, spec, self.project.display_crs,
            process=big, post=(lambda payload, feedback=None: vector_from_payload(payload, feedback)) if big else None,
            on_done=partial(self._loaded, spec.id), on_error=partial(self._failed, spec.id),
            on_cancel=partial(self._failed, spec.id, ""))

    def ensure_loaded(self, layer_id: str) -> None:
        """Load a visible layer that has not been loaded (or tried) yet."""
        spec = self.project.layer(layer_id)
        if spec.visible and layer_id not in self.data and layer_id not in self.loading \
                and layer_id not in self.errors:
            self.load(spec)

    def _loaded(self, layer_id: str, data) -> None:
        self.loading.discard(layer_id)
        try:
            spec = self.project.layer(layer_id)
        except KeyError:
            return  # removed while loading
        self.data[layer_id] = data
        self.errors.pop(layer_id, None)
        self.layerLoaded.emit(layer_id)
        log.debug("loaded %s", spec.name)

    def _failed(self, layer_id: str, message: str) -> None:
        self.loading.discard(layer_id)
        if message:
            self.errors[layer_id] = message
        self.layerFailed.emit(layer_id, message)

    def symbology(self, layer_id: str) -> Symbology | None:
        """The layer's classes per feature for its current style (computed once per style revision,
        in whichever thread asks first — normally a render thread, never blocking the GUI)."""
        data = self.data.get(layer_id)
        if not isinstance(data, VectorData):
            return None
        spec = self.project.layer(layer_id)
        return self._symbology_for(layer_id, data, spec.style, spec.revision)

    def _symbology_for(self, layer_id: str, data: VectorData, style, revision: int) -> Symbology:
        key = (revision, id(data))
        with self._sym_lock:
            hit = self._symbology.get(layer_id)
        if hit is not None and hit[0] == key:
            return hit[1]
        sym = build_symbology(style, data.frame)
        with self._sym_lock:
            self._symbology[layer_id] = (key, sym)
        return sym

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
            style, revision = spec.style, spec.revision

            def render(vp, cancel):  # runs in a render thread
                sym = self._symbology_for(layer_id, data, style, revision)
                return render_vector(VectorJob(data, style, sym), vp, cancel)
            return render
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
