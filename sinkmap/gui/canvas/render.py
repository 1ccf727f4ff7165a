"""Render scheduling: one job per layer per view, on a thread pool, cancelled when the view moves.

A job is a plain function ``fn(viewport, cancel_event) -> QImage`` built on the GUI thread from
immutable inputs (see ``vector_render`` / ``raster_render``). :class:`RenderScheduler` starts it on
its own thread pool, sets the previous job's cancel event for the same slot (a layer, or a layer's
selection overlay) and delivers the finished image through a queued signal. Results for a view that is
no longer wanted still arrive, tagged with their key and viewport; the cache decides what to keep.

The pool is Python's (``ThreadPoolExecutor``), not a QThreadPool: PySide gives a QThreadPool thread a
fresh Python thread state for every job, so ``threading.local`` data dies between two jobs on the same
OS thread. pyproj 3.7 keeps its per-thread PROJ context in such a thread-local (which destroys it) and
the raw pointer in OS-thread storage (which keeps it): the second job to create a Transformer on that
thread used a freed context and crashed the process (pyproj issue #1509). Python-created threads keep
one thread state for their whole life.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtGui import QImage

from ...carto.viewport import Viewport
from ...core.errors import Cancelled
from ..tasks import readable_error

log = logging.getLogger(__name__)

RenderFn = Callable[[Viewport, threading.Event], QImage]


@dataclass
class RenderResult:
    slot: str  # layer id, or "<layer id>:selection"
    key: tuple
    viewport: Viewport
    image: QImage | None
    error: str | None = None
    seconds: float = 0.0


class _Signals(QObject):
    done = Signal(object)


class _RenderRunnable:
    def __init__(self, slot: str, key: tuple, vp: Viewport, fn: RenderFn, cancel: threading.Event,
                 signals: _Signals) -> None:
        self.slot, self.key, self.vp, self.fn, self.cancel, self.signals = slot, key, vp, fn, cancel, signals

    def run(self) -> None:  # render thread
        if self.cancel.is_set():
            self.signals.done.emit(RenderResult(self.slot, self.key, self.vp, None))
            return
        t0 = time.perf_counter()
        try:
            image = self.fn(self.vp, self.cancel)
            result = RenderResult(self.slot, self.key, self.vp, image, seconds=time.perf_counter() - t0)
        except Cancelled:
            result = RenderResult(self.slot, self.key, self.vp, None)
        except BaseException as exc:  # noqa: BLE001 - a failed layer must not take the canvas down
            log.exception("rendering %s failed", self.slot)
            result = RenderResult(self.slot, self.key, self.vp, None, error=readable_error(exc))
        self.signals.done.emit(result)


class RenderScheduler(QObject):
    """Runs render jobs off the GUI thread; emits ``rendered(result)`` and ``idle()`` when none is left."""

    rendered = Signal(object)
    idle = Signal()

    def __init__(self, parent: QObject | None = None, threads: int | None = None) -> None:
        super().__init__(parent)
        self.pool = ThreadPoolExecutor(max(2, threads or QThread.idealThreadCount()), "sinkmap-render")
        self._closed = False
        self._signals = _Signals()
        self._signals.done.connect(self._on_done)
        self._running: dict[str, tuple[tuple, Viewport, threading.Event]] = {}
        self._count = 0  # jobs started and not yet reported

    def submit(self, slot: str, key: tuple, vp: Viewport, fn: RenderFn) -> None:
        """Start rendering ``slot``; a running job for the same slot is cancelled unless identical."""
        if self._closed:
            return
        running = self._running.get(slot)
        if running is not None:
            rkey, rvp, rcancel = running
            if rkey == key and rvp.same_frame(vp) and not rcancel.is_set():
                return  # already rendering exactly this
            rcancel.set()
        cancel = threading.Event()
        self._running[slot] = (key, vp, cancel)
        self._count += 1
        self.pool.submit(_RenderRunnable(slot, key, vp, fn, cancel, self._signals).run)

    def cancel(self, slot: str | None = None) -> None:
        for s, (_k, _vp, ev) in list(self._running.items()):
            if slot is None or s == slot:
                ev.set()

    def is_running(self, slot: str) -> bool:
        return slot in self._running

    @property
    def busy(self) -> bool:
        return self._count > 0

    def _on_done(self, result: RenderResult) -> None:  # GUI thread
        self._count -= 1
        current = self._running.get(result.slot)
        if current is not None and current[0] == result.key and current[1].same_frame(result.viewport):
            del self._running[result.slot]
        self.rendered.emit(result)
        if self._count == 0:
            self.idle.emit()

    def shutdown(self) -> None:
        """Cancel every job and wait for the running ones (they stop at their next cancel check)."""
        self._closed = True
        self.cancel()
        self.pool.shutdown(wait=True, cancel_futures=True)
