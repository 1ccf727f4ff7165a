"""``sinkmap gui --benchmark-startup`` (or ``SINKMAP_BENCHMARK_STARTUP=1``): how long the first start takes.

Prints one JSON line per event to stdout, times in seconds **since the process started** (from the kernel's
process start time, so the interpreter's own start and every import count) and the process's CPU seconds so
far, then quits:

* ``first_frame`` — the first frame painted that shows the start's layers: ``source`` is ``"preview"`` (the
  map as drawn at the last start, see :mod:`sinkmap.gui.canvas.preview`) or ``"layers"`` (every visible layer's
  own image);
``SINKMAP_BENCHMARK_SHOT=DIR`` also saves the window at each event (``startup-first.png``, ``startup-drawn.png``).

* ``layers_drawn`` — every visible layer loaded and drawn from its data for the current view (the app quits
  after this one; at most ``SINKMAP_BENCHMARK_TIMEOUT`` seconds, default 180, then ``timeout``).

``benchmarks/app_start.py`` runs it cold and warm.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time

from PySide6.QtCore import QCoreApplication, QTimer


def since_start() -> float:
    """Seconds since this process started (Linux: /proc; elsewhere since this module was imported)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        start_ticks = int(fields[19])  # field 22 of stat(5): starttime, clock ticks after boot
        return time.clock_gettime(time.CLOCK_BOOTTIME) - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return time.monotonic() - _IMPORTED


_IMPORTED = time.monotonic()


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class StartupProbe:
    def __init__(self, win, out=None) -> None:
        self.win = win
        self.out = out or sys.stdout
        self.timeout_s = float(os.environ.get("SINKMAP_BENCHMARK_TIMEOUT", "180"))

    def emit(self, event: str, **extra) -> None:
        line = {"event": event, "s": round(since_start(), 3), "cpu_s": round(cpu_seconds(), 3), **extra}
        print(json.dumps(line, ensure_ascii=False), file=self.out, flush=True)

    def install(self) -> None:
        canvas = self.win.canvas
        canvas.first_frame_hook = self._first_frame
        canvas.renderingIdle.connect(self._idle)
        QTimer.singleShot(int(self.timeout_s * 1000), self._timeout)

    def _first_frame(self, source: str) -> None:
        shown = self.win.canvas.preview
        layers = len(shown.signature[-1]) if source == "preview" and shown is not None else self._layers()
        self.emit("first_frame", source=source, layers=layers)
        self._shot("first")

    def _shot(self, tag: str) -> None:
        """``SINKMAP_BENCHMARK_SHOT=dir``: the window as painted now, saved as ``dir/startup-<tag>.png``."""
        folder = os.environ.get("SINKMAP_BENCHMARK_SHOT")
        if folder:
            os.makedirs(folder, exist_ok=True)
            self.win.grab().toImage().save(os.path.join(folder, f"startup-{tag}.png"), "PNG")

    def _layers(self) -> int:
        return sum(1 for s in self.win.registry.project.layers if s.visible)

    def _idle(self) -> None:
        canvas = self.win.canvas
        if canvas.opening_signature is None or not canvas.is_idle():  # (the ledger may have started: not waited for)
            return
        canvas.renderingIdle.disconnect(self._idle)
        if canvas.first_frame_hook is not None:  # drawn but not painted yet: paint it now
            canvas.repaint()
        self.emit("layers_drawn", layers=self._layers())
        self._shot("drawn")
        self._quit()

    def _timeout(self) -> None:
        self.emit("timeout")
        self._quit(1)

    def _quit(self, code: int = 0) -> None:
        self.win.canvas.wait_preview_saved()  # the next start's picture is written before the process ends
        self.win.quiet = True
        self.win.dirty = False
        self.win.tasks.shutdown()  # the ledger started after the first frame: stopped, not waited for
        self.win.canvas.scheduler.shutdown()
        QTimer.singleShot(0, lambda: QCoreApplication.exit(code))
