"""The site inspector: place a point or draw a polygon (or click a candidate region) and see at once what it
costs the sink; add it to a scenario; compare the scenarios.

:func:`install_siting_tools` adds to a main window: two map tools (放置场址点 / 绘制场址面, in the map tools'
group: choosing another tool stops drawing), the impact card (a dock beside the identify results) and the
scenarios (a dock below the map). A site's impact is the ``site.impact`` job on the project's forest,
wetland, protected-area and red-line layers (a user's layer before the demo's; none at all: the demo world),
the project's target files and year, run in a background *thread* of the app's own process so that the
job's preparation of the units' layers (:class:`~sinkmap.jobs.impact_cache.ImpactCache`) is kept for the next
site: the first site on a county reads and prepares its layers (seconds), every later one costs its own
measures (tens of milliseconds). The kept preparations are dropped when a layer of those roles is added or
removed and when another project is opened (a layer file changed on disk changes the cache's key by itself).

With the identify tool, a click on a feature of a candidate-region layer (role ``siting_regions``, written by
``site.regions``) or of a site layer (role ``sites``) opens its card too.
"""

from __future__ import annotations

import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QMenu, QScrollArea, QToolBar

from ..core.crs import STORAGE_CRS
from ..core.errors import SinkmapError
from ..core.feedback import BaseFeedback
from ..io.layerdata.data import VectorData
from .actions import make_action
from .i18n import tr
from .impact_card import ImpactCard, tech_name
from .scenarios_view import ScenariosView
from .site_overlay import POINT, POLYGON, SiteOverlay

#: layers whose features are sites (the identify tool opens their card)
SITE_ROLES = ("siting_regions", "sites")
#: the project's layers the impact reads, by role (the job's parameters of the same names): the ledger's and
#: the siting rules'
IMPACT_ROLES = ("forest", "wetland", "protected", "redline", "farmland", "grassland", "landcover")


class Quiet(BaseFeedback):
    """Progress and cancel of the task's feedback, without its warnings: they are the report's (the card and
    the table show them), and the kept preparation says its own again at every site — the task panel would
    fill with the same lines."""

    def __init__(self, inner) -> None:
        super().__init__()
        self.inner = inner

    def progress(self, fraction: float, text: str = "") -> None:
        if self.inner is not None:
            self.inner.progress(fraction, text)

    def is_cancelled(self) -> bool:
        return self.inner is not None and self.inner.is_cancelled()

    def check(self) -> None:
        if self.inner is not None:
            self.inner.check()


def _run_impact(cache, request, sites, feedback=None):
    """The ``site.impact`` report of ``sites`` and the seconds it took (a background thread)."""
    t = time.perf_counter()
    report = cache.run(request, sites, Quiet(feedback))
    return report, time.perf_counter() - t


def project_layers(project) -> dict:
    """{role: LayerSource} of the project's layers for the impact: per role, a user's layer before the demo's,
    then in drawing order (as the dashboard's ledger chooses); plus ``encoding`` of the forest layer."""
    from ..demo.generate import demo_dir
    from ..jobs.base import LayerSource

    demo = demo_dir().resolve()

    def is_demo(spec) -> bool:
        return Path(spec.path).resolve().is_relative_to(demo)

    out: dict = {}
    specs = [s for s in project.layers if not s.path.startswith("builtin:")]
    for spec in sorted(specs, key=is_demo):
        if spec.role not in IMPACT_ROLES or spec.role in out:
            continue
        if spec.role == "landcover" and spec.kind == "raster":
            out["landcover"] = Path(spec.path)
        elif spec.kind == "vector" and spec.role != "landcover":
            out[spec.role] = LayerSource(Path(spec.path), spec.layer)
            if spec.role == "forest":
                out["encoding"] = spec.encoding
    return out


class SiteInspector(QObject):
    def __init__(self, win) -> None:
        super().__init__(win)
        from ..jobs.impact_cache import shared_cache

        self.win = win
        self.cache = shared_cache()
        self.overlay = SiteOverlay(win.canvas)
        self.card = ImpactCard()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.card)
        self.dock = win._dock("impact", tr("场址影响"), scroll, Qt.DockWidgetArea.RightDockWidgetArea)
        win.tabifyDockWidget(win.docks["identify"], self.dock)
        win.docks["ledger"].raise_()  # the ledger stays the tab in front until a site is inspected
        self.scenarios = ScenariosView(win, self.cache, self.compare_request)
        self.scenarios_dock = win._dock("scenarios", tr("选址方案"), self.scenarios,
                                        Qt.DockWidgetArea.BottomDockWidgetArea)
        self.scenarios_dock.hide()
        win.docks["impact"], win.docks["scenarios"] = self.dock, self.scenarios_dock
        for dock in (self.dock, self.scenarios_dock):
            win.panels_menu.addAction(dock.toggleViewAction())
        self.current = None  # (geometry EPSG:4490, name, tech, capacity) of the site on the card
        self._seq = 0
        self._add_actions()
        self._connect()
        self.scenarios.load(win.registry.project)
        self._scenario_changed()

    # -- wiring -------------------------------------------------------------------------------------------------
    def _add_actions(self) -> None:
        win = self.win
        A = win.actions_by_key
        group = A["tool_pan"].actionGroup()
        A["tool_site_point"] = make_action(win, tr("放置场址点"), lambda: self.start(POINT), "identify", checkable=True,
                                           tip=tr("单击地图放置一个场址点（按所选技术的占地），立即显示其碳汇影响"))
        A["tool_site_polygon"] = make_action(win, tr("绘制场址面"), lambda: self.start(POLYGON), "select",
                                             checkable=True,
                                             tip=tr("单击添加顶点，双击或右键结束，立即显示该场址的碳汇影响"))
        for key in ("tool_site_point", "tool_site_polygon"):
            group.addAction(A[key])
        group.triggered.connect(self._tool_chosen)
        bar_menu = win.menuBar()
        help_action = next((a for a in bar_menu.actions() if a.text() == tr("帮助(&H)")), None)
        menu = QMenu(tr("场址(&S)"), win)
        bar_menu.insertMenu(help_action, menu) if help_action is not None else bar_menu.addMenu(menu)
        for key in ("tool_site_point", "tool_site_polygon"):
            menu.addAction(A[key])
        menu.addSeparator()
        menu.addAction(self.dock.toggleViewAction())
        menu.addAction(self.scenarios_dock.toggleViewAction())
        bar = next((tb for tb in win.findChildren(QToolBar) if tb.objectName() == "map_toolbar"), None)
        if bar is not None:
            bar.addSeparator()
            bar.addAction(A["tool_site_point"])
            bar.addAction(A["tool_site_polygon"])

    def _connect(self) -> None:
        win, reg, card = self.win, self.win.registry, self.card
        self.overlay.placed.connect(self._placed)
        self.overlay.drawn.connect(self._drawn)
        card.drawPointRequested.connect(lambda: self._toggle(POINT))
        card.drawPolygonRequested.connect(lambda: self._toggle(POLYGON))
        card.addToScenarioRequested.connect(self.add_to_scenario)
        win.canvas.identifyRequested.connect(self.identify)
        reg.projectReplaced.connect(self._project_replaced)
        reg.layerAdded.connect(self._layers_changed)
        reg.layerRemoved.connect(self._layers_changed)
        self.scenarios.changed.connect(self._scenario_changed)
        self.scenarios.siteActivated.connect(self._scenario_site)

    def _tool_chosen(self, action) -> None:
        A = self.win.actions_by_key
        if action is A["tool_site_point"]:
            self.overlay.start(POINT)
        elif action is A["tool_site_polygon"]:
            self.overlay.start(POLYGON)
        else:
            self.overlay.stop()
        self.card.set_tool(self.overlay.mode)

    def _toggle(self, mode: str) -> None:
        if self.overlay.mode == mode:
            self.win.actions_by_key["tool_pan"].trigger()
        else:
            self.start(mode)

    def start(self, mode: str) -> None:
        """Turn a drawing tool on (its action checked, the map's other tool off)."""
        key = "tool_site_point" if mode == POINT else "tool_site_polygon"
        action = self.win.actions_by_key[key]
        action.setChecked(True)
        self.win.set_tool("pan")  # the canvas's own tool; the overlay takes the left button
        self.overlay.start(mode)
        self.card.set_tool(mode)
        self.dock.show()
        self.dock.raise_()

    def _project_replaced(self) -> None:
        self.cache.clear()
        self.current = None
        self.overlay.show_site(None)
        self.scenarios.load(self.win.registry.project)
        self._scenario_changed()

    def _layers_changed(self, lid: str) -> None:
        self.cache.clear()  # the kept preparations are of the old set of layers

    def _scenario_changed(self) -> None:
        self.overlay.show_scenario(self.scenarios.overlay_sites())
        if any(len(s) for s in self.scenarios.scenarios):
            self.scenarios_dock.show()

    # -- requests ----------------------------------------------------------------------------------------------
    def impact_request(self):
        from ..jobs.site_impact import SiteImpactRequest

        project = self.win.registry.project
        layers = project_layers(project)
        return SiteImpactRequest(site=None, year=project.year, target_files=[Path(p) for p in project.target_files],
                                 encoding=layers.pop("encoding", None), **layers)

    def compare_request(self):
        from ..jobs.site_compare import SiteCompareRequest

        return SiteCompareRequest(year=None, **self.impact_request().shared())

    # -- sites ---------------------------------------------------------------------------------------------------
    def _placed(self, lon: float, lat: float) -> None:
        self.inspect(shapely.Point(lon, lat), tr("新场址"), self.card.point_tech(), self.card.point_capacity())

    def _drawn(self, polygon) -> None:
        self.inspect(polygon, tr("新场址"), self.card.point_tech())

    def identify(self, x: float, y: float, tol: float) -> bool:
        """The identify tool clicked (x, y): the topmost visible site/region feature there gets its card."""
        reg = self.win.registry
        for spec in reversed(reg.project.layers):
            data = reg.data.get(spec.id)
            if not spec.visible or spec.role not in SITE_ROLES or not isinstance(data, VectorData):
                continue
            rows = data.features_at(x, y, tol)
            if not len(rows):
                continue
            row = int(rows[0])
            rec = data.frame.iloc[row]
            name = next((str(rec[c]) for c in ("name", "名称") if c in rec.index and rec[c] is not None), None)
            if name is None:
                rid = rec.get("region_id")
                name = f"{spec.name} #{int(rid) if rid is not None else row + 1}"
            tech = rec.get("tech") if isinstance(rec.get("tech"), str) else self.card.point_tech()
            self.inspect(data.frame.geometry.iloc[row], name, tech, None)
            return True
        return False

    def _scenario_site(self, index: int) -> None:
        sc = self.scenarios.current_scenario()
        if sc is None or not 0 <= index < len(sc.sites):
            return
        rec = sc.sites.iloc[index]
        cap = rec["capacity_mw"]
        self.inspect(rec.geometry, str(rec["name"]), rec["tech"], None if cap != cap else float(cap),
                     in_scenario=True)

    def inspect(self, geom, name: str, tech: str | None = None, capacity_mw: float | None = None, *,
                in_scenario: bool = False, request=None, title: str | None = None) -> None:
        """Show the impact of ``geom`` (EPSG:4490: a point with ``tech``'s footprint, or a polygon); ``request``
        (a SiteImpactRequest) instead of the project's layers (the pumped-storage panel: its run's layers);
        ``title`` instead of the one made from the name, technology and capacity."""
        from ..analysis.siting.impact import footprints
        from .tasks import readable_error

        self._seq += 1
        seq = self._seq
        polygon = shapely.get_type_id(geom) in (3, 6)
        site_tech = tech  # a polygon's footprint is as drawn; its technology chooses the siting rules
        sites = gpd.GeoDataFrame({"name": [name], "tech": [site_tech],
                                  "capacity_mw": [np.nan if capacity_mw is None else float(capacity_mw)]},
                                 geometry=[geom], crs=STORAGE_CRS)
        try:
            footprint = footprints(sites).to_crs(STORAGE_CRS).iloc[0]
        except SinkmapError as exc:
            self.card.show_error(readable_error(exc))
            return
        self.current = (geom, name, site_tech, capacity_mw)
        self.overlay.show_site(footprint)
        self.dock.show()
        self.dock.raise_()
        title = title or f"{name} · {tech_name(site_tech)}" + (tr("（面）") if polygon else "") + (
            f" {capacity_mw:g} MW" if capacity_mw and not polygon else "")
        self._title, self._in_scenario = title, in_scenario
        self.card.busy(tr("正在计算…（首次在某区县计算时需读取并准备图层，约数秒）"), title)
        self.win.tasks.submit(tr("场址影响"), _run_impact, self.cache, request or self.impact_request(), sites,
                              on_done=lambda res, s=seq: self._done(s, res),
                              on_error=lambda msg, s=seq: self._failed(s, msg))

    def _done(self, seq: int, result) -> None:
        if seq != self._seq:
            return  # a newer site is on its way
        report, seconds = result
        counties = "、".join(report.total.get("counties") or [])
        self.card.show_report(report, self._title + (f" · {counties}" if counties else ""), seconds,
                              can_add=not self._in_scenario)

    def _failed(self, seq: int, message: str) -> None:
        if seq == self._seq:
            self.card.show_error(message)

    def add_to_scenario(self) -> str | None:
        """The site on the card into the current scenario (a new one when there is none)."""
        if self.current is None:
            return None
        geom, _name, tech, cap = self.current
        name = self.scenarios.add_site(geom, tech=tech, capacity_mw=cap)
        if name is not None:
            self.card.add_button.setEnabled(False)
            self.scenarios_dock.show()
        return name


def install_siting_tools(win) -> SiteInspector:
    """Add the site inspector, its map tools and the scenarios to main window ``win``."""
    return SiteInspector(win)


__all__ = ["IMPACT_ROLES", "SITE_ROLES", "SiteInspector", "install_siting_tools", "project_layers"]
