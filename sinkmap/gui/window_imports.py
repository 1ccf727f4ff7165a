"""The main window's imports: adding files as layers (vector and raster dialogs), drag and drop, and
building a raster layer's overviews in the background.

Also :class:`AutoStyled`, the layers whose automatic style is still to be refined from their data.

A mixin of :class:`~sinkmap.gui.mainwindow.MainWindow` (kept apart so each module stays short); it uses
the window's ``registry``, ``tasks``, ``layer_tree``, ``status``, ``actions_by_key`` and ``show_error``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QToolBar

from ..carto.styles import default_style
from ..core.errors import SinkmapError
from ..core.project import LayerSpec
from ..io import project_file
from ..io.layerdata.raster_data import RasterData
from ..io.layerdata.raster_probe import raster_style
from ..io.layerdata.roles import guess_role, kind_of_path
from .i18n import tr

VECTOR_FILTER = "GeoPackage / Shapefile / GeoJSON / KML (*.gpkg *.shp *.geojson *.json *.kml *.kmz *.fgb)"
RASTER_FILTER = "GeoTIFF (*.tif *.tiff *.img *.vrt)"
DROP_SUFFIXES = {".gpkg", ".shp", ".geojson", ".json", ".kml", ".kmz", ".fgb", ".tif", ".tiff", ".img", ".vrt",
                 ".sinkmap"}


class AutoStyled:
    """Layers still waiting for their automatic style, which is refined from the data once loaded.

    ``add(layer_id)`` marks a layer before (or right after) it enters the project; ``entered(spec)``
    remembers the style revision it had then. Any later ``Project.set_style`` — the user in the style
    dialog while the layer loads, a choropleth, a test — bumps the revision, and :meth:`take` then
    refuses: the automatic style never overwrites a style somebody set.
    """

    def __init__(self) -> None:
        self._pending: dict[str, int | None] = {}  # layer id -> style revision when it entered

    def add(self, layer_id: str) -> None:
        self._pending.setdefault(layer_id, None)

    def discard(self, layer_id: str) -> None:
        self._pending.pop(layer_id, None)

    def __contains__(self, layer_id: object) -> bool:
        return layer_id in self._pending

    def entered(self, spec: LayerSpec) -> None:
        if spec.id in self._pending and self._pending[spec.id] is None:
            self._pending[spec.id] = spec.revision

    def take(self, spec: LayerSpec) -> bool:
        """True (once) when ``spec`` is marked and its style was not set since it entered the project."""
        if spec.id not in self._pending:
            return False
        revision = self._pending.pop(spec.id)
        return revision is None or revision == spec.revision


class ImportMixin:
    # -- layers -----------------------------------------------------------------------------------
    def add_layer_file(self, path: str | Path, layer: str | None = None, *, encoding: str | None = None,
                       crs: str | None = None, role: str | None = "guess", fields: dict | None = None,
                       scheme: str | None = None) -> LayerSpec:
        """Add a file as a layer (loaded in the background); ``role='guess'`` guesses from the name.
        ``scheme``: the classification scheme of a land-cover raster's codes."""
        path = Path(path)
        kind = kind_of_path(path)
        name = layer or path.stem
        if role == "guess":
            role = guess_role(name, kind)
        spec = LayerSpec(name=name, path=str(path.resolve()), layer=layer, kind=kind, role=role,
                         encoding=encoding, crs=crs, fields=dict(fields or {}), scheme=scheme)
        spec.style = default_style(spec)
        if kind == "raster":
            spec.style = raster_style(spec.style, role, scheme)
        self._auto_style.add(spec.id)
        self.fresh_imports.add(spec.id)  # removed again if it cannot load: no dead layer is left
        return self.registry.project.add_layer(spec)

    @property
    def interactive(self) -> bool:
        """False in quiet mode (tests, screenshots): imports take the detected settings, no dialog waits."""
        return not getattr(self, "quiet", False)

    def import_vector(self, path: str | Path, interactive: bool = True) -> LayerSpec | None:
        """The import dialog for one vector file, then the layer; messages instead of tracebacks."""
        from .import_dialog import ImportDialog

        try:
            dialog = ImportDialog(path, self)
        except SinkmapError as exc:
            self.show_error(str(exc))
            return None
        if interactive and dialog.exec() != ImportDialog.DialogCode.Accepted:
            return None
        c = dialog.choice()
        problem = dialog.problem()  # the dialog refuses OK on these; the quiet path must refuse them too
        if problem:
            self.show_error(problem)
            return None
        return self.add_layer_file(c.path, c.layer, encoding=c.encoding, crs=c.crs, role=c.role, fields=c.fields)

    def add_vector_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, tr("添加矢量图层"), "", VECTOR_FILTER)
        for p in paths:
            self.import_vector(p)

    # -- drag and drop ----------------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if any(self._droppable(u.toLocalFile()) for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        for url in event.mimeData().urls():
            self.open_path(url.toLocalFile())
        event.acceptProposedAction()

    @staticmethod
    def _droppable(path: str) -> bool:
        return Path(path).suffix.lower() in DROP_SUFFIXES

    def open_path(self, path: str | Path) -> None:
        """A dropped or command-line file: a project, a raster or a vector (through the import dialog)."""
        suffix = Path(path).suffix.lower()
        if suffix == project_file.SUFFIX:
            self.open_project(path)
        elif kind_of_path(path) == "raster":
            self.import_raster(path, interactive=self.interactive)
        elif suffix in DROP_SUFFIXES:
            self.import_vector(path, interactive=self.interactive)

    def add_raster_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, tr("添加栅格图层"), "", RASTER_FILTER)
        for p in paths:
            self.import_raster(p)

    def import_raster(self, path: str | Path, interactive: bool = True, crs: str | None = None
                      ) -> LayerSpec | None:
        """The raster import dialog (CRS, role, scheme, overviews), then the layer. Non-interactive: the
        detected settings (``crs`` overrides the file's); a raster with no CRS is then refused with a message."""
        from .raster_import_dialog import RasterImportDialog

        try:
            dialog = RasterImportDialog(path, self)
        except SinkmapError as exc:
            self.show_error(str(exc))
            return None
        if crs:
            dialog.set_crs(crs)
        if interactive:
            if dialog.exec() != RasterImportDialog.DialogCode.Accepted:
                return None
        elif dialog.crs_problem():
            self.show_error(dialog.crs_problem())
            return None
        c = dialog.choice()
        spec = self.add_layer_file(c.path, crs=c.crs, role=c.role, scheme=c.scheme)
        if c.build_overviews:
            self.build_overviews(spec.id)
        return spec

    # -- raster overviews -------------------------------------------------------------------------
    def _raster_layer(self, lid: str | None) -> LayerSpec | None:
        """The layer ``lid``, else the current layer in the tree, else the topmost raster — if a raster file."""
        p = self.registry.project
        lid = lid or self.layer_tree.current_layer_id()
        specs = [p.layer(lid)] if lid in {s.id for s in p.layers} else list(reversed(p.layers))
        return next((s for s in specs if s.kind == "raster" and not s.path.startswith("builtin:")), None)

    def build_overviews(self, lid: str | None = None, factors: list[int] | None = None):
        """Build the raster layer's overviews (external .ovr) in the background, then reload it.
        Returns the task, or None (no raster layer, or it has overviews already)."""
        import rasterio

        from ..io.layerdata.raster_probe import overview_resampling
        from ..jobs.runs import run_values

        spec = self._raster_layer(lid)
        if spec is None:
            self.status.showMessage(tr("请先选择一个栅格图层"), 5000)
            return None
        try:
            with rasterio.open(spec.path) as src:
                has = bool(src.overviews(1))
        except Exception as exc:  # noqa: BLE001 - the task would fail the same way: say it now
            self.show_error(tr("无法读取栅格“{0}”：{1}").format(spec.name, str(exc).splitlines()[0]))
            return None
        if has:
            self.status.showMessage(tr("图层“{0}”已有金字塔").format(spec.name), 5000)
            return None
        lid = spec.id
        builds = self.__dict__.setdefault("_overview_builds", {})  # layer id -> its running build
        running = builds.get(lid)
        if running is not None and not running.done and not running.feedback.is_cancelled():
            self.status.showMessage(tr("图层“{0}”的金字塔正在构建").format(spec.name), 5000)
            return None  # a second click: one build is enough (a cancelled one may be replaced at once)
        raw = {"raster": spec.path, "resampling": overview_resampling(spec.role), "factors": factors}
        task = self.tasks.submit(tr("构建金字塔：{0}").format(spec.name), run_values, "overviews", raw,
                                 on_done=lambda result: self._overviews_built(lid, result))
        builds[lid] = task
        task.ended.connect(lambda t=task: builds.pop(lid) if builds.get(lid) is t else None)
        return task

    def _overviews_built(self, lid: str, result) -> None:
        """The overviews job ended: its run goes into the project, the layer is read again."""
        _report, run = result
        self.registry.project.record_run(run)
        self.reload_layer(lid)

    def reload_layer(self, lid: str) -> None:
        """Read a layer's file again (after its overviews were built); the map redraws when it is loaded."""
        reg = self.registry
        if lid not in {s.id for s in reg.project.layers}:
            return
        reg.data.pop(lid, None)
        reg.errors.pop(lid, None)
        spec = reg.project.layer(lid)
        if spec.visible:
            reg.load(spec)

    def _add_layer_actions(self) -> None:
        """Raster actions: in the Layer menu and the toolbar, and in the layer tree's context menu."""
        from .actions import make_action

        text = tr("构建金字塔…")
        tip = tr("为当前栅格图层构建金字塔（外部 .ovr），缩小显示时更快")
        act = make_action(self, text, self.build_overviews, "build_overviews", tip=tip)
        act.setToolTip(f"{text.rstrip('…').rstrip('.')}\n{tip}")  # the toolbar shows the icon only: name it
        self.actions_by_key["build_overviews"] = act
        remove = self.actions_by_key["remove_layer"]
        for menu_action in self.menuBar().actions():
            menu = menu_action.menu()
            if menu is not None and remove in menu.actions():
                menu.insertAction(remove, act)
        for bar in self.findChildren(QToolBar):
            bar.addAction(act)
            break
        tree_menu = self.layer_tree.build_menu  # the tree builds its menu per click: add ours to it

        def build_menu(lid: str, _base=tree_menu):
            menu = _base(lid)
            if isinstance(self.registry.data.get(lid), RasterData) and not self.registry.data[lid].has_overviews:
                menu.addAction(tr("构建金字塔…"), lambda: self.build_overviews(lid))
            return menu
        self.layer_tree.build_menu = build_menu
