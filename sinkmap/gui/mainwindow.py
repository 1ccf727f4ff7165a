"""The main window: the map canvas in the centre, docks for layers, ledger, tasks, identify and tables."""

from __future__ import annotations

import gc
import logging
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDockWidget, QFileDialog, QMainWindow, QMessageBox, QTabWidget, QWidget

from ..carto.styles import default_style
from ..core.errors import SinkmapError
from ..core.project import Project
from ..io import project_file
from ..io.layerdata.data import VectorData
from .actions import build_menus, icon
from .canvas.tools import Tool
from .canvas.widget import MapCanvas
from .dashboard import LedgerDashboard
from .i18n import current_language, name_of, save_language, tr
from .identify import IdentifyPanel
from .job_menu import install_job_menu
from .phes_panel import show_phes_panel
from .siting_panel import show_siting_panel
from .layers.attribute_table import AttributeTable
from .layers.registry import LayerRegistry
from .layers.tree import LayerTree
from .statusbar import MapStatusBar
from .taskdock import TaskPanel
from .tasks import TaskManager
from .window_imports import AutoStyled, ImportMixin
from .plain import tip

log = logging.getLogger(__name__)

PROJECT_FILTER = "sinkmap (*.sinkmap)"
AUTOSAVE_MS = 120_000
#: Project events that are the user's changes (a save is due). Not: the view, and job runs recorded by
#: the dashboard's automatic ledger; not the changes the app makes itself (see ``MainWindow.unchanged``).
DIRTYING_EVENTS = ("layer_added", "layer_removed", "layers_reordered", "layer_changed", "settings_changed",
                   "scenarios_changed")


class MainWindow(ImportMixin, QMainWindow):
    def __init__(self, project: Project | None = None, lang: str = "zh_CN") -> None:
        super().__init__()
        self.lang = lang
        self.setWindowTitle(tr("sinkmap — 碳汇台账与新能源选址"))
        self.setWindowIcon(icon("app"))
        self.tasks = TaskManager(self)
        self.registry = LayerRegistry(self.tasks, Project())
        self.canvas = MapCanvas(self.registry, self)
        self.setCentralWidget(self.canvas)
        self.layer_tree = LayerTree(self.registry, self)
        self.dashboard = LedgerDashboard(self.tasks, self)
        self.dashboard.make_request = self._ledger_request
        self.task_panel = TaskPanel(self.tasks, self)
        self.identify_panel = IdentifyPanel(self.registry, self)
        self.tables = QTabWidget(self)
        self.tables.setTabsClosable(True)
        self.tables.tabCloseRequested.connect(self._close_table)
        self.docks = {
            "layers": self._dock("layers", tr("图层"), self.layer_tree, Qt.DockWidgetArea.LeftDockWidgetArea),
            "ledger": self._dock("ledger", tr("碳汇台账"), self.dashboard, Qt.DockWidgetArea.RightDockWidgetArea),
            "identify": self._dock("identify", tr("识别结果"), self.identify_panel, Qt.DockWidgetArea.RightDockWidgetArea),
            "tasks": self._dock("tasks", tr("任务"), self.task_panel, Qt.DockWidgetArea.LeftDockWidgetArea),
            "table": self._dock("table", tr("属性表"), self.tables, Qt.DockWidgetArea.BottomDockWidgetArea),
        }
        self.tabifyDockWidget(self.docks["ledger"], self.docks["identify"])
        self.docks["ledger"].raise_()
        self.resizeDocks([self.docks["ledger"], self.docks["layers"]], [560, 260], Qt.Orientation.Horizontal)
        self.docks["table"].hide()
        self.status = MapStatusBar(self.registry.project.display_crs, self)
        self.setStatusBar(self.status)
        self.actions_by_key = build_menus(self)
        self.panel_openers = {"siting": lambda: show_siting_panel(self),  # jobs' hand-made panels in the menu
                              "phes": lambda: show_phes_panel(self)}
        install_job_menu(self)  # every registered job without a panel of its own, with a generated dialog
        self._add_layer_actions()
        for dock in self.docks.values():
            self.panels_menu.addAction(dock.toggleViewAction())
        self._auto_style = AutoStyled()
        self.dirty = False  # unsaved changes since the project was opened, created or saved
        self.prompts: bool | None = None  # ask before discarding changes (None: when someone can answer)
        self._unchanged_depth = 0
        self._written_autosaves: set[Path] = set()
        self.drawn_area = None  # a polygon drawn on the map with the 绘制区域 tool (EPSG:4490)
        self.fresh_imports: set[str] = set()  # layers just imported and not loaded yet  # every autosave this window wrote (cleared on a clean exit)
        self._connect()
        from .site_inspector import install_siting_tools

        self.site_inspector = install_siting_tools(self)  # draw a site → its impact card; scenarios
        self._autosave = QTimer(self)
        self._autosave.timeout.connect(self.autosave)
        self._autosave.start(AUTOSAVE_MS)
        self.setAcceptDrops(True)
        self.resize(1400, 900)
        self.set_project(project or Project())

    def _dock(self, key: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{key}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _connect(self) -> None:
        c, reg = self.canvas, self.registry
        c.cursorMoved.connect(self.status.show_cursor)
        c.viewportChanged.connect(self.status.show_viewport)
        c.identifyRequested.connect(self._identify)
        c.selectRequested.connect(self._select_box)
        c.polygonDrawn.connect(self._polygon_drawn)
        c.layerRenderFailed.connect(lambda slot, msg: self.task_panel.add_message(msg, "error"))
        self.task_panel.message.connect(lambda m: self.status.showMessage(m, 8000))
        self.layer_tree.zoomToLayer.connect(lambda lid: c.zoom_to(reg.extent(lid)))
        self.layer_tree.openAttributeTable.connect(self.open_attribute_table)
        self.layer_tree.removeRequested.connect(lambda lid: reg.project.remove_layer(lid))
        self.dashboard.unitActivated.connect(self.zoom_to_unit)
        # the user's city/year go into the project at once; the dashboard shows the project's
        self.dashboard.computeRequested.connect(lambda city, year: reg.project.set_city_year(city, year))
        reg.settingsChanged.connect(lambda: self.dashboard.set_city_year(reg.project.city, reg.project.year))
        self.dashboard.choroplethRequested.connect(self.show_choropleth)
        self.dashboard.jobRan.connect(lambda run: self.registry.project.record_run(run, replace=True))
        reg.layerLoaded.connect(self._layer_loaded)
        reg.layerFailed.connect(self._layer_failed)
        reg.layerAdded.connect(self._layer_added)
        reg.layerRemoved.connect(self._layer_removed)

    # -- project ----------------------------------------------------------------------------------
    def set_project(self, project: Project) -> None:
        old = self.registry.project
        old.unsubscribe(self._project_event)
        if old is not project:
            self._clear_autosaves(current=False)  # the old project was saved or its changes discarded
            # (not by its key: at start that would delete the autosave a crash recovery is about to offer)
            self.dashboard.clear_report()  # the old project's ledger is not this one's
        self.registry.set_project(project)
        project.subscribe(self._project_event)
        self.dirty = False
        self.status.set_display_crs(project.display_crs)
        self.dashboard.set_city_year(project.city, project.year)
        self._update_title()

    def _project_event(self, event: str, _layer_id: str | None) -> None:
        if event in DIRTYING_EVENTS and not self._unchanged_depth and not self.dirty:
            self.dirty = True
            self._update_title()

    @contextmanager
    def unchanged(self):
        """Changes the app makes itself (the demo's layers, styles refined from loaded data): no save due."""
        self._unchanged_depth += 1
        try:
            yield
        finally:
            self._unchanged_depth -= 1

    def _update_title(self) -> None:
        name = Path(self.registry.project.path).name if self.registry.project.path else tr("未命名项目")
        self.setWindowTitle(f"{'*' if self.dirty else ''}{name} — sinkmap")

    def _can_ask(self) -> bool:
        if self.prompts is not None:
            return self.prompts
        return (self.isVisible() and not getattr(self, "quiet", False)
                and QGuiApplication.platformName() not in ("offscreen", "minimal"))

    def maybe_save(self) -> bool:
        """Before the project is closed (quit, new, open): Save / Discard / Cancel when it has unsaved
        changes. True when it may close (saved, discarded or nothing to save)."""
        if not self.dirty or not self._can_ask():
            return True
        box = QMessageBox(QMessageBox.Icon.Warning, tr("保存项目"),
                          tr("项目“{0}”有未保存的更改。是否保存？").format(
                              Path(self.registry.project.path).name if self.registry.project.path else tr("未命名项目")),
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self)
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        box.button(QMessageBox.StandardButton.Save).setText(tr("保存"))
        box.button(QMessageBox.StandardButton.Discard).setText(tr("不保存"))
        box.button(QMessageBox.StandardButton.Cancel).setText(tr("取消"))
        answer = box.exec()
        if answer == QMessageBox.StandardButton.Save:
            return self.save_project()
        return answer == QMessageBox.StandardButton.Discard

    def new_project(self) -> None:
        if self.maybe_save():
            self.set_project(Project())

    def open_project_dialog(self) -> None:
        if not self.maybe_save():
            return
        path, _ = QFileDialog.getOpenFileName(self, tr("打开项目"), "", PROJECT_FILTER)
        if path:
            self.open_project(path)

    def open_project(self, path: str | Path) -> bool:
        """Open a project; on a bad file show the message and keep the current project."""
        try:
            project = project_file.load_project(path)
        except SinkmapError as exc:
            self.show_error(str(exc))
            return False
        self.set_project(project)
        return True

    def save_project(self) -> bool:
        if not self.registry.project.path:
            return self.save_project_as()
        return self._save(self.registry.project.path)

    def save_project_as(self) -> bool:
        path, _ = QFileDialog.getSaveFileName(self, tr("项目另存为"), "", PROJECT_FILTER)
        return bool(path) and self._save(path)

    def _save(self, path: str | Path) -> bool:
        """Serialise the project: it holds everything a save needs (the canvas writes the view into it,
        the dashboard the city and year)."""
        project = self.registry.project
        try:
            saved = project_file.save_project(project, path)
        except SinkmapError as exc:
            self.show_error(str(exc))
            return False
        self._clear_autosaves()  # also one written while it was untitled or under another path
        self.dirty = False
        self.status.showMessage(tr("已保存 {0}").format(saved), 5000)
        self._update_title()
        return True

    def autosave(self) -> None:
        """Write the autosave copy when there are unsaved changes (an untouched project needs none, and
        leaves nothing that looks like a crash)."""
        project = self.registry.project
        if not project.layers or not self.dirty:
            return
        try:
            self._written_autosaves.add(project_file.autosave(project))
        except SinkmapError as exc:
            log.warning("autosave failed: %s", exc)

    def _clear_autosaves(self, current: bool = True) -> None:
        """Remove the current project's autosave and every other one this window wrote: autosaves are
        keyed by the project's path, so one written before a Save As or for a project since replaced would
        otherwise survive a clean exit and be offered as a crash recovery at the next start."""
        if current:
            project_file.clear_autosave(self.registry.project)
        for path in self._written_autosaves:
            path.unlink(missing_ok=True)
        self._written_autosaves.clear()

    def _layer_added(self, lid: str) -> None:
        self._auto_style.entered(self.registry.project.layer(lid))
        self._layers_changed()

    def _layer_loaded(self, lid: str) -> None:
        self.fresh_imports.discard(lid)
        gc.freeze()  # keep the new layer's objects out of full GC walks (see app.calm_gc)
        data = self.registry.data.get(lid)
        spec = self.registry.project.layer(lid)
        if self._auto_style.take(spec) and isinstance(data, VectorData):  # not if a style was set meanwhile
            with self.unchanged():
                self.registry.project.set_style(lid, default_style(spec, data.frame, current_language()))
        if not self.canvas.has_view:
            self.canvas.fit_all()

    def _layer_failed(self, lid: str, message: str) -> None:
        fresh = lid in self.fresh_imports
        self.fresh_imports.discard(lid)
        if message:
            name = self.registry.project.layer(lid).name if lid in {s.id for s in self.registry.project.layers} else lid
            if fresh:  # a layer the user just imported: take it out again rather than leave a dead entry
                self.task_panel.add_message(tr("图层“{0}”无法加载，未添加：{1}").format(name, message), "error")
                self.registry.project.remove_layer(lid)
                self.show_error(tr("图层“{0}”无法加载，未添加：{1}").format(name, message))
                return
            self.task_panel.add_message(tr("图层“{0}”无法加载：{1}").format(name, message), "error")

    def _layer_removed(self, lid: str) -> None:
        self._auto_style.discard(lid)
        gc.unfreeze()  # let the collector reclaim the removed layer's cycles
        for i in range(self.tables.count()):
            if getattr(self.tables.widget(i), "layer_id", None) == lid:
                self._close_table(i)
                break
        self._layers_changed()

    def _layers_changed(self) -> None:
        roles = {s.role for s in self.registry.project.layers}
        if self.dashboard.report is not None and roles & {"forest", "wetland", "protected", "landcover"}:
            self.dashboard.schedule(1500)

    def current_layer(self) -> str | None:
        lid = self.layer_tree.current_layer_id()
        if lid:
            return lid
        for spec in reversed(self.registry.project.layers):
            if spec.visible and isinstance(self.registry.data.get(spec.id), VectorData):
                return spec.id
        return None

    def remove_current_layer(self) -> None:
        lid = self.current_layer()
        if lid:
            self.registry.project.remove_layer(lid)

    def zoom_to_current_layer(self) -> None:
        lid = self.current_layer()
        if lid:
            self.canvas.zoom_to(self.registry.extent(lid))

    def open_attribute_table(self, lid: str | None = None) -> AttributeTable | None:
        lid = lid or self.current_layer()
        if not lid or not isinstance(self.registry.data.get(lid), VectorData):
            if lid and lid not in self.registry.data:
                self.status.showMessage(tr("图层尚未加载：请先显示它"), 5000)
            return None
        for i in range(self.tables.count()):
            if getattr(self.tables.widget(i), "layer_id", None) == lid:
                self.tables.setCurrentIndex(i)
                self.docks["table"].show()
                return self.tables.widget(i)
        table = AttributeTable(self.registry, lid, self)
        table.zoomToSelection.connect(lambda _lid: self.zoom_to_selection(_lid))
        self.tables.addTab(table, self.registry.project.layer(lid).name)
        self.tables.setCurrentWidget(table)
        self.docks["table"].show()
        return table

    def _close_table(self, index: int) -> None:
        w = self.tables.widget(index)
        self.tables.removeTab(index)
        if w is not None:
            w.deleteLater()
        if self.tables.count() == 0:
            self.docks["table"].hide()

    # -- tools ------------------------------------------------------------------------------------
    def set_tool(self, key: str) -> None:
        self.canvas.tool = Tool(key)
        if key != "draw" and self.canvas.sketch:  # leaving the tool drops a polygon not closed
            self.canvas.sketch = []
            self.canvas.update()
        self.canvas.setCursor(Qt.CursorShape.CrossCursor if key != "pan" else Qt.CursorShape.OpenHandCursor)

    def _identify(self, x: float, y: float, tol: float) -> None:
        results = self.identify_panel.show_at(x, y, tol)
        # highlight what was identified: the features of the topmost vector layer hit (as its selection)
        hit = next(((lid, rows) for lid, _name, rows in results
                    if isinstance(self.registry.data.get(lid), VectorData)), None)
        if hit is not None:
            self.registry.set_selection(hit[0], [r["_row"] for r in hit[1]])
        self.docks["identify"].show()
        self.docks["identify"].raise_()

    def _select_box(self, box, mode: str) -> None:
        lid = self.current_layer()
        data = self.registry.data.get(lid) if lid else None
        if isinstance(data, VectorData):
            self.registry.set_selection(lid, data.features_in(box), mode)

    def _polygon_drawn(self, points) -> None:
        """Keep a polygon drawn on the map (EPSG:4490) as an area for the field package."""
        import numpy as np
        import shapely
        from pyproj import Transformer

        from ..core.crs import STORAGE_CRS

        tr_ = Transformer.from_crs(self.registry.project.display_crs, STORAGE_CRS, always_xy=True)
        xy = np.asarray(points, dtype=float)
        lon, lat = tr_.transform(xy[:, 0], xy[:, 1])
        polygon = shapely.make_valid(shapely.Polygon(np.column_stack([lon, lat])))
        if polygon.is_empty or polygon.area <= 0:
            return
        self.drawn_area = polygon
        self.task_panel.add_message(tr("已绘制区域（{0} 个顶点），可在“导出外业数据包”中作为区域").format(len(points)))

    def clear_selection(self) -> None:
        for lid in list(self.registry.selection):
            self.registry.set_selection(lid, [], "clear")

    def zoom_to_selection(self, lid: str | None = None) -> None:
        lid = lid or self.current_layer()
        data = self.registry.data.get(lid) if lid else None
        rows = self.registry.selected_rows(lid) if lid else []
        if isinstance(data, VectorData) and len(rows):
            b = data.bounds[rows]
            self.canvas.zoom_to((b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()), margin=0.15)

    def zoom_to_unit(self, name: str) -> None:
        """Zoom to a county (or the whole city) of the boundary layer."""
        for spec in self.registry.project.layers:
            data = self.registry.data.get(spec.id)
            if spec.role == "boundary" and isinstance(data, VectorData) and "name" in data.frame.columns:
                rows = np.flatnonzero(data.frame["name"].to_numpy() == name)
                if len(rows):
                    b = data.bounds[rows]
                    self.canvas.zoom_to((b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()), 0.1)
                    self.registry.set_selection(spec.id, rows)
                else:
                    self.canvas.zoom_to(data.extent)
                return

    def show_choropleth(self, indicator: str, report) -> None:
        """The indicator as a choropleth of the loaded county boundaries (a new layer above them)."""
        from ..carto.choropleth import add_choropleth
        from ..core.errors import InputError
        from ..core.indicators import INDICATORS

        reg = self.registry
        boundary = next((s for s in reg.project.layers if s.role == "boundary"
                         and isinstance(reg.data.get(s.id), VectorData)), None)
        try:
            if boundary is None:
                raise InputError(code="app.choropleth.no_boundaries")
            from .ledger_table import unit_text

            name = tr("专题图：{0}（{1}，单位 {2}）").format(name_of(INDICATORS[indicator]), report.year,
                                                   unit_text(INDICATORS[indicator].unit))
            add_choropleth(reg.project, boundary, reg.data[boundary.id].frame, indicator, report, name)
        except SinkmapError as exc:
            self.show_error(str(exc))

    # -- ledger -----------------------------------------------------------------------------------
    def _ledger_request(self, city: str, year: int) -> dict:
        """The ledger job's values from the project's layers: per role, a user's layer before the demo's
        (a user's 小班 replaces the demo forest), rasters only when they are the user's."""
        from ..demo.generate import demo_dir
        from ..jobs.base import LayerSource

        demo = demo_dir().resolve()

        def is_demo(spec) -> bool:
            return Path(spec.path).resolve().is_relative_to(demo)

        raw: dict = {"city": city, "year": year}
        specs = [s for s in self.registry.project.layers if not s.path.startswith("builtin:")]
        for spec in sorted(specs, key=is_demo):  # stable: the user's layers first, in drawing order
            if spec.role in ("forest", "wetland", "protected") and raw.get(spec.role) is None:
                raw[spec.role] = LayerSource(Path(spec.path), spec.layer)
                if spec.role == "forest":
                    raw["fields"] = dict(spec.fields)
                    raw["encoding"] = spec.encoding
            elif spec.kind == "raster" and not is_demo(spec):
                # a user's land cover / stock density fills what the vector layers leave empty (the demo's
                # own land cover is not used: the demo ledger is the vector one, as on the command line)
                if spec.role == "landcover" and raw.get("landcover") is None:
                    raw["landcover"], raw["scheme"] = Path(spec.path), spec.style.scheme or "sandiao"
                elif spec.role == "stock_density" and raw.get("stock_raster") is None:
                    raw["stock_raster"] = Path(spec.path)
        raw["target_files"] = [Path(p) for p in self.registry.project.target_files]
        return raw

    # -- misc -------------------------------------------------------------------------------------
    def show_error(self, message: str) -> None:
        """A readable message: in the task panel and, for direct user actions, a dialog without traceback."""
        self.task_panel.add_message(message, "error")
        if self.isVisible() and not getattr(self, "quiet", False):
            QMessageBox.warning(self, tr("sinkmap"), tip(message))  # shown as text even if it looks like HTML

    def set_language(self, lang: str) -> None:
        save_language(lang)
        self.status.showMessage(tr("界面语言将在重新启动后生效"), 8000)

    def export_png_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, tr("导出地图图片"), "map.png", "PNG (*.png)")
        if path:
            self.canvas.render_to_image().save(path, "PNG")

    def export_package_dialog(self):
        """The field-package dialog (job export.package), then its run in the background."""
        from ..jobs.registry import get
        from .job_menu import open_job_dialog

        return open_job_dialog(self, get("export.package"))

    def about(self) -> None:
        QMessageBox.about(self, tr("关于 sinkmap"),
                          tr("sinkmap：湖南碳达峰碳汇台账与新能源选址桌面工具。\n演示数据为合成数据，非真实调查数据。"))

    def closeEvent(self, event) -> None:  # noqa: N802
        if not self.maybe_save():
            event.ignore()
            return
        QSettings().setValue("ui/geometry", self.saveGeometry())
        self.tasks.shutdown()
        self.canvas.scheduler.shutdown()
        self._clear_autosaves()  # a clean exit leaves no autosave behind
        super().closeEvent(event)
