"""The map canvas: a QWidget that composites per-layer images rendered off the GUI thread.

Painting never renders: it draws the cached image of each visible layer (bottom to top, with the
layer's opacity), transformed from the viewport it was rendered for to the current one. So a drag
moves the cached images at once and a wheel zoom scales them, and the fresh images replace them as the
render threads deliver. Every view change cancels the jobs for the previous view. The labels of all
labelled layers are one more image (slot ``LABELS_SLOT``), placed together and painted above every layer.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QWheelEvent
from PySide6.QtWidgets import QWidget

from ...carto.viewport import Viewport
from ...core.project import ViewState
from ...io.layerdata.data import VectorData
from ..fonts import label_font
from ..layers.registry import LayerRegistry
from .cache import ImageCache
from .labels import LabelSource, render_labels
from .render import RenderResult, RenderScheduler
from .tools import Tool, draw_legend, draw_north_arrow, draw_rubber_band, draw_scale_bar, draw_sketch

log = logging.getLogger(__name__)

BACKGROUND = QColor("#f4f6f8")
WHEEL_STEP = 1.25
CLICK_SLOP_PX = 4
LABELS_SLOT = "~labels"  # not a layer id (those are hex), so ImageCache.drop_layer never drops it


class MapCanvas(QWidget):
    cursorMoved = Signal(float, float)  # display-CRS coordinates under the mouse
    viewportChanged = Signal(object)  # Viewport
    identifyRequested = Signal(float, float, float)  # x, y, tolerance (map units)
    selectRequested = Signal(object, str)  # (xmin, ymin, xmax, ymax) box in map units, mode
    polygonDrawn = Signal(object)  # [(x, y), …] the corners of a polygon drawn with Tool.DRAW, map units
    renderingIdle = Signal()
    layerRenderFailed = Signal(str, str)

    def __init__(self, registry: LayerRegistry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.registry = registry
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(200, 150)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.cache = ImageCache()
        self.scheduler = RenderScheduler(self)
        self.scheduler.rendered.connect(self._on_rendered)
        self.scheduler.idle.connect(self._check_idle)
        self._vp = Viewport(0.0, 0.0, 100.0, max(1, self.width()), max(1, self.height()))
        self._has_view = False
        self._storing_view = False  # writing the view into the project: ignore the project's echo
        self._auto_fit = False  # the view was fitted automatically: refit when the widget is resized
        self._fit_target: tuple[float, float, float, float] | None = None
        self.tool = Tool.PAN
        self._press: QPointF | None = None
        self._drag_offset = QPointF(0, 0)
        self._band: QRectF | None = None
        self._panning = False
        self.sketch: list[tuple[float, float]] = []  # corners of the polygon being drawn (map units)
        self.drawn: list[tuple[float, float]] = []  # the last polygon drawn, shown until the next one
        self._hover: QPointF | None = None
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.timeout.connect(self.refresh)
        self.last_render_seconds: dict[str, float] = {}
        self.overlay_text = ""  # a notice over the map (the first start's demo build)
        self.show_legend = True  # the compact legend at the bottom right (also in screenshots and PNG export)
        # the map as drawn at the last start (canvas/preview.py): painted under the layers until they are drawn
        self.preview = None
        self.opening_signature: list | None = None  # what the start view shows, once all its layers are added
        self._opening_visible: frozenset[str] = frozenset()
        self._opening_aliases: tuple[str, ...] = ()
        self._preview_saved = False
        self.first_frame_hook = None  # fn(source) at the first frame showing the layers ("preview" / "layers")
        for sig in (registry.layerLoaded, registry.layerChanged, registry.selectionChanged):
            sig.connect(self._layer_dirty)
        registry.layersReordered.connect(self._layers_reordered)
        registry.layerRemoved.connect(self._layer_removed)
        registry.layerChanged.connect(self._check_preview_layers)
        self.renderingIdle.connect(self._save_preview_once)
        registry.layerFailed.connect(lambda *_: self._check_idle())
        registry.projectReplaced.connect(self._project_replaced)
        registry.viewRequested.connect(self.set_view_state)

    # -- viewport ---------------------------------------------------------------------------------
    @property
    def viewport(self) -> Viewport:
        return self._vp

    @property
    def has_view(self) -> bool:
        return self._has_view

    def set_viewport(self, vp: Viewport, delay_ms: int = 0) -> None:
        self._auto_fit = False
        vp = vp.resized(self.width(), self.height()) if self.width() > 1 else vp
        if self._has_view and vp.same_frame(self._vp):
            self._schedule_refresh(delay_ms)  # same view: keep the jobs already running for it
            return
        self._vp = vp
        self._has_view = True
        self._store_view()
        self.scheduler.cancel()
        self.viewportChanged.emit(self._vp)
        self.update()
        self._schedule_refresh(delay_ms)

    def _store_view(self) -> None:
        """Write the view into the project (which a save serialises) when it differs: a view change is
        one discrete step (a pan's release, a wheel step, a fit), so this costs a comparison and no render."""
        view = self.view_state()
        project = self.registry.project
        if view == project.view:
            return
        self._storing_view = True
        try:
            project.set_view(view)
        finally:
            self._storing_view = False

    def set_view_state(self, view: ViewState) -> None:
        """Show ``view`` (from the project: an opened project, or a view set on the model)."""
        if self._storing_view:
            return
        self.set_viewport(Viewport(view.center_x, view.center_y, view.units_per_px, self._vp.width,
                                   self._vp.height, self._vp.dpi))

    def view_state(self) -> ViewState:
        return ViewState(self._vp.center_x, self._vp.center_y, self._vp.units_per_px,
                         self.registry.project.display_crs)

    def zoom_to(self, bounds: tuple[float, float, float, float] | None, margin: float = 0.05) -> None:
        if bounds is None:
            return
        self.set_viewport(self._vp.resized(self.width(), self.height()).fitted(bounds, margin))

    def zoom_full(self) -> None:
        self.zoom_to(self.registry.full_extent())

    def fit_all(self) -> None:
        """Fit all layers, and keep fitting on resizes until the user moves the view."""
        extent = self.registry.full_extent()
        if extent is not None:
            self.fit_extent(extent)

    def fit_extent(self, extent: tuple[float, float, float, float]) -> None:
        """Fit ``extent`` in auto-fit mode; a fit that would barely change the view keeps it (and its
        running render jobs)."""
        if self._auto_fit and self._has_view:
            xmin, ymin, xmax, ymax = self._vp.extent
            inside = extent[0] >= xmin and extent[1] >= ymin and extent[2] <= xmax and extent[3] <= ymax
            new = self._vp.resized(self.width(), self.height()).fitted(extent, 0.05)
            if inside and new.units_per_px >= self._vp.units_per_px * 0.8:
                return
        self.zoom_to(extent)
        self._fit_target = extent
        self._auto_fit = self._has_view

    def zoom_by(self, factor: float) -> None:
        self.set_viewport(self._vp.zoomed(factor), delay_ms=80)

    # -- rendering --------------------------------------------------------------------------------
    def _schedule_refresh(self, delay_ms: int = 0) -> None:
        self._refresh_timer.start(max(0, delay_ms))

    def _layer_dirty(self, layer_id: str) -> None:
        if (not self._has_view or self._auto_fit) and self.registry.data:
            self.fit_all()
        self._schedule_refresh(0)
        self.update()

    def _layer_removed(self, layer_id: str) -> None:
        self.drop_preview()
        self.cache.drop_layer(layer_id)
        self.scheduler.cancel(layer_id)
        self._schedule_refresh(0)  # the labels: that layer's go, others may take their place
        self.update()

    def _layers_reordered(self) -> None:
        self.drop_preview()
        self._schedule_refresh(0)  # upper layers' labels are placed first
        self.update()

    def _project_replaced(self) -> None:
        self.drop_preview()
        self.opening_signature = None
        self.cache.clear()
        self.scheduler.cancel()
        self._has_view = self.registry.project.view is not None
        if self.registry.project.view is not None:
            self.set_view_state(self.registry.project.view)
        self.update()

    def refresh(self) -> None:
        """Start render jobs for every visible layer whose cached image is not for this view."""
        if not self._has_view or self.width() < 2 or self.height() < 2:
            return
        vp = self._vp
        reg = self.registry
        for spec in reg.project.layers:
            if not spec.visible or spec.id not in reg.data:
                continue
            key = reg.render_key(spec.id)
            if not self.cache.is_current(spec.id, key, vp):
                fn = reg.render_fn(spec.id)
                if fn is not None:
                    self.scheduler.submit(spec.id, key, vp, fn)
            sel_slot = f"{spec.id}:selection"
            sel_fn = reg.selection_fn(spec.id)
            if sel_fn is None:
                self.scheduler.cancel(sel_slot)
                self.cache.drop(sel_slot)
            else:
                skey = (reg.selection_key(spec.id),) + key
                if not self.cache.is_current(sel_slot, skey, vp):
                    self.scheduler.submit(sel_slot, skey, vp, sel_fn)
        self._refresh_labels(vp)
        self._check_idle()

    def _label_sources(self) -> tuple[tuple, list[LabelSource]]:
        """(cache key, sources) of the visible, loaded, labelled vector layers, topmost first."""
        reg = self.registry
        key: list[tuple] = []
        sources: list[LabelSource] = []
        for spec in reversed(reg.project.layers):
            data = reg.data.get(spec.id)
            if spec.visible and spec.style.label_field and isinstance(data, VectorData):
                key.append((spec.id,) + reg.render_key(spec.id))
                sources.append(LabelSource(data, spec.style))
        return tuple(key), sources

    def _refresh_labels(self, vp: Viewport) -> None:
        key, sources = self._label_sources()
        if not sources:
            self.scheduler.cancel(LABELS_SLOT)
            self.cache.drop(LABELS_SLOT)
        elif not self.cache.is_current(LABELS_SLOT, key, vp):
            self.scheduler.submit(LABELS_SLOT, key, vp, lambda v, cancel: render_labels(sources, v, cancel))

    def _on_rendered(self, result: RenderResult) -> None:
        if result.error:
            self.layerRenderFailed.emit(result.slot, result.error)
        if result.image is not None and result.slot.endswith(":selection") and not self._selection_wanted(result):
            result.image = None  # drawn for a selection since cleared or replaced (清除选择 must not bring it back)
        if result.image is not None:
            current = self.cache.get(result.slot)
            # keep the newest image; one for an older view is still a better preview than nothing
            if current is None or result.viewport.same_frame(self._vp) or not current.viewport.same_frame(self._vp):
                self.cache.put(result.slot, result.key, result.viewport, result.image)
                self.last_render_seconds[result.slot] = result.seconds
            self.update()

    def _selection_wanted(self, result: RenderResult) -> bool:
        lid = result.slot.rsplit(":", 1)[0]
        reg = self.registry
        if lid not in reg.data or reg.selection_fn(lid) is None:
            return False
        try:
            return result.key[0] == reg.selection_key(lid)
        except (IndexError, KeyError):
            return False

    def is_idle(self) -> bool:
        """True when every visible layer is loaded (or failed) and drawn for the current view."""
        reg = self.registry
        if reg.busy or self.scheduler.busy or self._refresh_timer.isActive() or not self._has_view:
            return False
        for spec in reg.project.layers:
            if spec.visible and spec.id in reg.data:
                if not self.cache.is_current(spec.id, reg.render_key(spec.id), self._vp):
                    return False
        key, sources = self._label_sources()
        return not sources or self.cache.is_current(LABELS_SLOT, key, self._vp)

    def _check_idle(self) -> None:
        if self.is_idle():
            self.renderingIdle.emit()

    def legend_entries(self) -> list[tuple[str, str | None, str | None, list[tuple[str, str]]]]:
        """(name, fill, stroke, classes) of the visible, loaded layers, topmost first."""
        from ...carto.symbology import legend_from_style
        from ...io.layerdata.raster_data import RasterData

        out = []
        for spec in reversed(self.registry.project.layers):
            data = self.registry.data.get(spec.id)
            if not spec.visible or data is None:
                continue
            st = spec.style
            if isinstance(data, RasterData) and st.kind == "ramp" and st.ramp == "siting":
                from ..siting_identify import legend_classes

                out.append((spec.name, None, None, legend_classes()))
            elif isinstance(data, RasterData) and st.kind == "ramp" and st.ramp == "suitability":
                from ...carto.colors import ramp_steps

                out.append((spec.name, None, None, ramp_steps(st.ramp, 0.0 if st.vmin is None else st.vmin,
                                                             1.0 if st.vmax is None else st.vmax)))
            elif isinstance(data, RasterData):
                out.append((spec.name, "#c9b28f" if spec.role == "dem" else "#9a9a9a", None, []))
            else:
                out.append((spec.name, st.fill, st.stroke, legend_from_style(st)))
        return out

    def set_overlay(self, text: str) -> None:
        """Show ``text`` in a box over the map ("" hides it)."""
        self.overlay_text = text
        self.update()

    def _draw_overlay(self, painter: QPainter) -> None:
        font = label_font(11.0)
        painter.setFont(font)
        box = self.rect().adjusted(40, 0, -40, 0)
        flags = int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap)
        text_rect = painter.boundingRect(box, flags, self.overlay_text)
        frame = QRectF(text_rect).adjusted(-16, -12, 16, 12)
        frame.moveCenter(QPointF(self.width() / 2, min(self.height() / 2, 40 + frame.height() / 2)))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 255, 255, 225))
        painter.drawRoundedRect(frame, 6, 6)
        painter.setPen(QColor("#1f3a5f"))
        painter.drawText(frame, flags, self.overlay_text)

    # -- the start's picture (canvas/preview.py) ---------------------------------------------------
    def set_preview(self, preview) -> None:
        """Paint ``preview`` (the map as drawn at the last start) under the layers until they are drawn;
        without a view yet, its view becomes the start view."""
        self.preview = preview
        if not self._has_view:
            self.set_viewport(preview.viewport)
        self.update()

    def drop_preview(self) -> None:
        if self.preview is not None:
            self.preview = None
            self.update()

    def set_opening(self, aliases: tuple[str, ...] = ()) -> None:
        """Every layer of the start view is added: remember what it shows; drop a picture of something else.
        ``aliases``: other names to file the picture under (the demo's, before its layers are known)."""
        from . import preview

        project = self.registry.project
        self.opening_signature = preview.signature(project.layers, project.display_crs, self._lang())
        self._opening_visible = frozenset(s.id for s in project.layers if s.visible)
        self._opening_aliases = tuple(aliases)
        if self.preview is not None and self.preview.signature != self.opening_signature:
            self.drop_preview()

    @staticmethod
    def _lang() -> str:
        from ..i18n import current_language

        return current_language()

    def _check_preview_layers(self, _layer_id: str) -> None:
        """A layer shown or hidden since the start: the picture no longer shows the map."""
        if self.opening_signature is not None and self.preview is not None:
            now = frozenset(s.id for s in self.registry.project.layers if s.visible)
            if now != self._opening_visible:
                self.drop_preview()

    def _all_layers_drawn(self) -> bool:
        """Every visible layer of the start view has its own image (for any view) and none is loading."""
        reg = self.registry
        visible = [s for s in reg.project.layers if s.visible]
        if self.opening_signature is None or not visible or reg.busy:
            return False
        return all(s.id in reg.errors or self.cache.get(s.id) is not None for s in visible)

    def _save_preview_once(self) -> None:
        """The first time this session every start layer is drawn for the current view: save the picture."""
        if self._preview_saved or self.opening_signature is None or not self._has_view:
            return
        reg = self.registry
        visible = [s for s in reg.project.layers if s.visible]
        if frozenset(s.id for s in visible) != self._opening_visible or reg.errors:
            return
        if not all(self.cache.is_current(s.id, reg.render_key(s.id), self._vp) for s in visible):
            return
        from PySide6.QtGui import QImage

        from . import preview

        self._preview_saved = True
        image = QImage(self._vp.width, self._vp.height, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(BACKGROUND)
        painter = QPainter(image)
        for spec in visible:
            painter.setOpacity(max(0.0, min(1.0, spec.style.opacity)))
            painter.drawImage(0, 0, self.cache.get(spec.id).image)
        labels = self.cache.get(LABELS_SLOT)
        painter.setOpacity(1.0)
        if labels is not None and labels.viewport.same_frame(self._vp):
            painter.drawImage(0, 0, labels.image)
        painter.end()
        self._preview_thread = preview.save_async(image, self._vp, self.opening_signature, self._opening_aliases)

    def wait_preview_saved(self, timeout_s: float = 5.0) -> None:
        thread = getattr(self, "_preview_thread", None)
        if thread is not None:
            thread.join(timeout_s)

    # -- painting ---------------------------------------------------------------------------------
    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        drawn = self._all_layers_drawn()
        if drawn and self.preview is not None:
            self.preview = None  # every layer's own image is here
        if self.preview is not None:
            self._draw_cached(painter, self.preview)
        slots = []
        for spec in self.registry.project.layers:
            if spec.visible:
                slots += [(spec.id, spec.style.opacity), (f"{spec.id}:selection", 1.0)]
        for slot, opacity in slots + [(LABELS_SLOT, 1.0)]:
            item = self.cache.get(slot)
            if item is not None:
                painter.setOpacity(max(0.0, min(1.0, opacity)))
                self._draw_cached(painter, item)
        painter.setOpacity(1.0)
        if self._band is not None:
            draw_rubber_band(painter, self._band)
        if self.drawn:
            draw_sketch(painter, self._vp, self.drawn, closed=True)
        if self.sketch:
            draw_sketch(painter, self._vp, self.sketch, self._hover)
        if self._has_view:
            draw_scale_bar(painter, self._vp, label_font(9.0))
            draw_north_arrow(painter, self._vp, label_font(10.0))
            if self.show_legend:
                draw_legend(painter, self._vp, label_font(8.5), self.legend_entries())
        if self.overlay_text:
            self._draw_overlay(painter)
        painter.end()
        if self.first_frame_hook is not None and (drawn or self.preview is not None):
            hook, self.first_frame_hook = self.first_frame_hook, None
            hook("layers" if drawn else "preview")

    def _draw_cached(self, painter: QPainter, item) -> None:
        """A cached image, moved/scaled from the view it was rendered for to the current one."""
        vp, offset = self._vp, self._drag_offset
        if item.viewport.same_frame(vp):
            painter.drawImage(offset, item.image)
        else:
            x, y, w, h = vp.rect_of(item.viewport)
            painter.drawImage(QRectF(x + offset.x(), y + offset.y(), w, h), item.image)

    def resizeEvent(self, event) -> None:  # noqa: N802
        self._vp = self._vp.resized(self.width(), self.height())
        if self._auto_fit:
            self._vp = self._vp.fitted(self._fit_target or self.registry.full_extent() or self._vp.extent, 0.05)
        if self._has_view:
            self._store_view()
        self.viewportChanged.emit(self._vp)
        self._schedule_refresh(60)
        super().resizeEvent(event)

    def render_to_image(self):
        """The canvas as currently painted (for screenshots)."""
        return self.grab().toImage()

    # -- mouse ------------------------------------------------------------------------------------
    def mousePressEvent(self, e: QMouseEvent) -> None:  # noqa: N802
        self._press = e.position()
        self._panning = e.button() == Qt.MouseButton.MiddleButton or (
            e.button() == Qt.MouseButton.LeftButton and self.tool in (Tool.PAN, Tool.IDENTIFY))
        if e.button() == Qt.MouseButton.LeftButton and self.tool in (Tool.ZOOM_BOX, Tool.SELECT):
            self._band = QRectF(e.position(), e.position())

    def mouseMoveEvent(self, e: QMouseEvent) -> None:  # noqa: N802
        x, y = self._vp.to_map(e.position().x(), e.position().y())
        self.cursorMoved.emit(float(x), float(y))
        if self.sketch:
            self._hover = e.position()
            self.update()
        if self._press is None:
            return
        if self._band is not None:
            self._band = QRectF(self._press, e.position())
            self.update()
        elif self._panning:
            self._drag_offset = e.position() - self._press
            self.update()

    def mouseReleaseEvent(self, e: QMouseEvent) -> None:  # noqa: N802
        if self._press is None:
            return
        delta = e.position() - self._press
        is_click = abs(delta.x()) <= CLICK_SLOP_PX and abs(delta.y()) <= CLICK_SLOP_PX
        mods = e.modifiers()
        mode = "add" if mods & Qt.KeyboardModifier.ShiftModifier else (
            "toggle" if mods & Qt.KeyboardModifier.ControlModifier else "replace")
        if self._band is not None:
            rect = self._band.normalized()
            self._band = None
            if self.tool == Tool.ZOOM_BOX and not is_click:
                x0, y1 = self._vp.to_map(rect.left(), rect.top())
                x1, y0 = self._vp.to_map(rect.right(), rect.bottom())
                self.zoom_to((float(x0), float(y0), float(x1), float(y1)), margin=0.0)
            elif self.tool == Tool.SELECT:
                if is_click:
                    rect = QRectF(e.position().x() - 3, e.position().y() - 3, 6, 6)
                x0, y1 = self._vp.to_map(rect.left(), rect.top())
                x1, y0 = self._vp.to_map(rect.right(), rect.bottom())
                self.selectRequested.emit((float(x0), float(y0), float(x1), float(y1)), mode)
            elif self.tool == Tool.ZOOM_BOX:
                self.set_viewport(self._vp.zoomed(2.0, (e.position().x(), e.position().y())))
        elif self._panning and not is_click:
            self._drag_offset = QPointF(0, 0)
            self.set_viewport(self._vp.panned_px(delta.x(), delta.y()))
        elif is_click and self.tool == Tool.DRAW and e.button() == Qt.MouseButton.LeftButton:
            x, y = self._vp.to_map(e.position().x(), e.position().y())
            self.sketch.append((float(x), float(y)))
        elif is_click and self.tool == Tool.IDENTIFY and e.button() == Qt.MouseButton.LeftButton:
            x, y = self._vp.to_map(e.position().x(), e.position().y())
            self.identifyRequested.emit(float(x), float(y), 4 * self._vp.units_per_px)
        self._drag_offset = QPointF(0, 0)
        self._press = None
        self._panning = False
        self.update()

    def mouseDoubleClickEvent(self, e: QMouseEvent) -> None:  # noqa: N802
        if self.tool == Tool.DRAW and e.button() == Qt.MouseButton.LeftButton:
            self.finish_sketch()  # the first click of the pair already placed the last corner
            self._press = None  # the release that follows adds nothing
            return
        super().mouseDoubleClickEvent(e)

    def finish_sketch(self) -> None:
        """Close the polygon being drawn (at least three corners) and announce it."""
        points = [p for k, p in enumerate(self.sketch) if k == 0 or p != self.sketch[k - 1]]
        self.sketch, self._hover = [], None
        if len(points) >= 3:
            self.drawn = points
            self.polygonDrawn.emit(list(points))
        self.update()

    def wheelEvent(self, e: QWheelEvent) -> None:  # noqa: N802
        steps = e.angleDelta().y() / 120.0
        if steps == 0:
            return
        factor = WHEEL_STEP ** steps
        pos = e.position()
        self.set_viewport(self._vp.zoomed(factor, (pos.x(), pos.y())), delay_ms=120)

    def keyPressEvent(self, e) -> None:  # noqa: N802
        step = 80
        moves = {Qt.Key.Key_Left: (step, 0), Qt.Key.Key_Right: (-step, 0), Qt.Key.Key_Up: (0, step),
                 Qt.Key.Key_Down: (0, -step)}
        if e.key() in moves:
            self.set_viewport(self._vp.panned_px(*moves[e.key()]), delay_ms=60)
        elif e.key() in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_by(WHEEL_STEP)
        elif e.key() == Qt.Key.Key_Minus:
            self.zoom_by(1 / WHEEL_STEP)
        elif self.sketch and e.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.finish_sketch()
        elif self.sketch and e.key() == Qt.Key.Key_Escape:
            self.sketch, self._hover = [], None
            self.update()
        elif self.sketch and e.key() == Qt.Key.Key_Backspace:
            self.sketch.pop()
            self.update()
        else:
            super().keyPressEvent(e)

    def closeEvent(self, e) -> None:  # noqa: N802
        self.scheduler.shutdown()
        self.wait_preview_saved()
        super().closeEvent(e)
