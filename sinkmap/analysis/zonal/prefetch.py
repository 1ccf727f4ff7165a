"""Reading ahead: a background thread reads and decompresses strips while the zones are rasterised.

The zonal engine's first step, rasterising the zones exactly (:mod:`sinkmap.analysis.zonal.rasterize`), needs
no raster data, and reading + decompressing needs no zones. :class:`ReadAhead` starts reading the strips
the chunks will ask for as soon as the zones' rows are known (right after their reprojection), so the two
overlap instead of following each other. Once the kernels run, they take strips that are ready, wait for
the one the reader is decompressing, and read any other strip themselves (claiming it, so it is never
read twice). Memory stays bounded: the reader holds at most ``budget_bytes`` of strips not yet taken
(always at least one strip), whatever the raster's size.

The strips are the same windows the chunks would read themselves, so results do not change in any
bit: only who reads a strip, and when, does.
"""

from __future__ import annotations

import threading

import numpy as np

from ...io.rasters import RasterInfo, opened, read_strip

__all__ = ["ReadAhead"]

_PENDING, _READING, _READY, _TAKEN = 0, 1, 2, 3


class ReadAhead:
    """Reads ``keys`` (strips as (row0, nrows), in the order the chunks use them) on one thread."""

    def __init__(self, info: RasterInfo, band: int, keys: list[tuple[int, int]], budget_bytes: int) -> None:
        self.info = info
        self.band = band
        self.keys = list(keys)
        self.budget = int(budget_bytes)
        self._state = {k: _PENDING for k in self.keys}
        self._data: dict[tuple[int, int], np.ndarray] = {}
        self._held = 0
        self._free: list[np.ndarray] = []  # strip buffers given back, reused (no fresh pages to fault in)
        self._free_bytes = 0  # their bytes (kept within the budget)
        self._cond = threading.Condition()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="sinkmap-readahead", daemon=True)
        self.read_here = 0  # strips this thread read (for tests and benchmarks)
        self.peak_held = 0  # most bytes held at once (for tests)

    def start(self) -> "ReadAhead":
        self._thread.start()
        return self

    # -- consumer side --------------------------------------------------------------------------------
    def take(self, key: tuple[int, int]) -> np.ndarray | None:
        """The strip if read (or being read) ahead; None means "read it yourself" (it is now claimed)."""
        with self._cond:
            state = self._state.get(key)
            while state == _READING and not self._stop:
                self._cond.wait()
                state = self._state.get(key)
            if state == _READY:
                arr = self._data.pop(key)
                self._held -= arr.nbytes
                self._state[key] = _TAKEN
                self._cond.notify_all()
                return arr
            if state == _PENDING:
                self._state[key] = _TAKEN
            return None

    def buffer(self, nrows: int) -> np.ndarray:
        """A strip buffer of ``nrows`` rows: a given-back one if it fits, else a new one."""
        with self._cond:
            for i, arr in enumerate(self._free):
                if arr.shape[0] >= nrows:
                    self._free_bytes -= arr.nbytes
                    return self._free.pop(i)[:nrows]
        return np.empty((nrows, self.info.width), self.info.dtype)

    def give_back(self, arr: np.ndarray) -> None:
        """A strip the caller is done with: its memory serves the next read (kept within the budget)."""
        base = arr if arr.base is None else arr.base
        if not isinstance(base, np.ndarray) or base.ndim != 2 or base.shape[1] != self.info.width:
            return
        with self._cond:
            if not self._stop and (not self._free or self._free_bytes + base.nbytes <= self.budget):
                self._free.append(base)
                self._free_bytes += base.nbytes

    def discard(self, key: tuple[int, int]) -> None:
        """A strip the chunks will not use (no zone in its rows): free it, or never read it. Never waits:
        a strip being read is dropped by the reader when done (and its budget given back)."""
        with self._cond:
            self._drop(key)
            self._cond.notify_all()

    def keep_only(self, keys) -> None:
        """Drop every strip not in ``keys`` (the final chunk plan, known once the zones are rasterised)."""
        wanted = set(keys)
        with self._cond:
            for key in self.keys:
                if key not in wanted:
                    self._drop(key)
            self._cond.notify_all()

    def _drop(self, key: tuple[int, int]) -> None:
        """(Lock held.) Mark ``key`` as nobody's: freed if read, never read if pending, dropped when read."""
        state = self._state.get(key)
        if state == _READY:
            self._held -= self._data.pop(key).nbytes
        if state in (_PENDING, _READING, _READY):
            self._state[key] = _TAKEN

    def close(self) -> None:
        """Stop reading and free what is held (idempotent; waits for the strip being read)."""
        with self._cond:
            self._stop = True
            for key in self._data:
                self._state[key] = _TAKEN
            self._data.clear()
            self._free.clear()
            self._free_bytes = 0
            self._held = 0
            self._cond.notify_all()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()

    def __enter__(self) -> "ReadAhead":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    # -- reader side ----------------------------------------------------------------------------------
    def _next(self) -> tuple[tuple[int, int], int] | None:
        """The next pending strip once the budget allows it (marked as being read); None to stop."""
        nbytes_row = self.info.width * self.info.itemsize
        with self._cond:
            while True:
                if self._stop:
                    return None
                key = next((k for k in self.keys if self._state[k] == _PENDING), None)
                if key is None:
                    return None
                need = key[1] * nbytes_row
                if self._held == 0 or self._held + need <= self.budget:
                    self._state[key] = _READING
                    self._held += need
                    self.peak_held = max(self.peak_held, self._held)
                    return key, need
                self._cond.wait()

    def _run(self) -> None:
        try:
            with opened(self.info) as ds:
                while (item := self._next()) is not None:
                    key, need = item
                    try:
                        arr = read_strip(ds, self.info, self.band, key[0], key[1], out=self.buffer(key[1]))
                    except BaseException:
                        with self._cond:  # the chunk reads it itself and reports the error properly
                            self._state[key] = _PENDING if not self._stop else _TAKEN
                            self._held -= need
                            self._stop = True
                            self._cond.notify_all()
                        return
                    with self._cond:
                        self.read_here += 1
                        if self._stop or self._state.get(key) != _READING:
                            self._held -= need
                            self._state[key] = _TAKEN
                        else:
                            self._data[key] = arr
                            self._state[key] = _READY
                        self._cond.notify_all()
        except BaseException:  # noqa: BLE001 - cannot open: the chunks will open it and say why
            with self._cond:
                for key, state in self._state.items():
                    if state == _READING:
                        self._state[key] = _PENDING
                self._stop = True
                self._cond.notify_all()
