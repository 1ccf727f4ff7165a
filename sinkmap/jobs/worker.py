"""Running a library call in a worker *process*, with progress and cancel. No Qt here.

Threads share Python's GIL, and some library calls hold it for long stretches (GDAL reading a
100,000-feature layer through pyogrio, large shapely/pandas operations in the ledger): run in a thread,
they would freeze the window. Such calls run instead in a small pool of spawned processes. The child
reports through a :class:`ChildFeedback` — progress and warnings go through a multiprocessing queue,
cancel is a flag in shared memory that ``check()`` reads — so the library code is the same
``fn(..., feedback)`` as everywhere else. A crash in the child (GDAL on a broken file) costs the task,
not the application.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from ..core.errors import Cancelled, SinkmapError
from ..core.feedback import BaseFeedback

SLOTS = 256
WORKERS = 2

_QUEUE = None  # child side: set by _init
_FLAGS = None


class ChildFeedback(BaseFeedback):
    def __init__(self, slot: int) -> None:
        super().__init__()
        self.slot = slot

    def on_progress(self, fraction: float, text: str) -> None:
        _QUEUE.put((self.slot, "p", fraction, text))

    def on_warning(self, message: object) -> None:  # a Notice pickles with its code and parameters
        _QUEUE.put((self.slot, "w", 0.0, message))

    def is_cancelled(self) -> bool:
        return bool(_FLAGS[self.slot])

    def check(self) -> None:
        if _FLAGS[self.slot]:
            raise Cancelled()


def _watch_parent(parent: int) -> None:
    """Exit when the application is gone (killed or crashed), instead of lingering as an orphan."""
    import time

    while os.getppid() == parent:
        time.sleep(2.0)
    os._exit(0)


def _init(queue, flags) -> None:
    global _QUEUE, _FLAGS
    _QUEUE, _FLAGS = queue, flags
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    try:
        os.nice(10)  # background work yields the CPU to the window
    except (AttributeError, OSError):  # Windows has no nice()
        pass


def _child_run(slot: int, fn: Callable, args: tuple, kwargs: dict) -> tuple[str, Any]:
    try:
        return _child_call(slot, fn, args, kwargs)
    finally:
        _QUEUE.put((slot, "e", 1.0, ""))  # after every progress and warning of this call: the parent drains up to here


def _child_call(slot: int, fn: Callable, args: tuple, kwargs: dict) -> tuple[str, Any]:
    feedback = ChildFeedback(slot)
    try:
        return "ok", fn(*args, feedback=feedback, **kwargs)
    except Cancelled:
        return "cancelled", None
    except SinkmapError as exc:
        return "error", exc  # pickles with its code and parameters; rendered in the parent's language
    except MemoryError:
        return "memory", None
    except BaseException as exc:  # noqa: BLE001 - reported as a message in the parent
        import traceback

        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return "bug", (f"{type(exc).__name__}: {first}", traceback.format_exc())


class ProcessPool:
    """The pool of worker processes (started on first use) and the parent side of feedback."""

    def __init__(self, workers: int = WORKERS) -> None:
        self.workers = workers
        self._ctx = mp.get_context("spawn")
        self._queue = None
        self._flags = None
        self._executor: ProcessPoolExecutor | None = None
        self._free = list(range(SLOTS))
        self._feedback: dict[int, BaseFeedback] = {}
        self._lock = threading.Lock()
        self._listener: threading.Thread | None = None
        self._drained: dict[int, threading.Event] = {}  # set when a call's last message was delivered

    def _ensure(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                if self._queue is None:
                    self._queue = self._ctx.Queue()
                    self._flags = self._ctx.Array("b", SLOTS, lock=False)
                    self._listener = threading.Thread(target=self._listen, name="sinkmap-progress", daemon=True)
                    self._listener.start()
                self._executor = ProcessPoolExecutor(self.workers, mp_context=self._ctx, initializer=_init,
                                                     initargs=(self._queue, self._flags))
            return self._executor

    def _listen(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            slot, kind, fraction, text = item
            if kind == "e":
                drained = self._drained.get(slot)
                if drained is not None:
                    drained.set()
                continue
            fb = self._feedback.get(slot)
            if fb is None:
                continue
            if kind == "p":
                fb.progress(fraction, text)
            else:
                fb.warn(text)

    def submit(self, fn: Callable, args: tuple, kwargs: dict, feedback: BaseFeedback) -> tuple[int, Future]:
        executor = self._ensure()
        with self._lock:
            slot = self._free.pop()
            self._flags[slot] = 0
            self._feedback[slot] = feedback
            self._drained[slot] = threading.Event()
        return slot, executor.submit(_child_run, slot, fn, args, kwargs)

    def warm(self) -> None:
        """Start the worker processes now (idle time) so the first big load does not wait for them."""
        executor = self._ensure()
        for _ in range(self.workers):
            executor.submit(os.getpid)

    def cancel(self, slot: int) -> None:
        if self._flags is not None:
            self._flags[slot] = 1

    def drain(self, slot: int, timeout_s: float = 5.0) -> None:
        """Wait until every progress and warning the call in ``slot`` sent has been delivered (its result
        can arrive before its last warnings, which come through another channel)."""
        drained = self._drained.get(slot)
        if drained is not None:
            drained.wait(timeout_s)

    def release(self, slot: int) -> None:
        with self._lock:
            self._feedback.pop(slot, None)
            self._drained.pop(slot, None)
            self._free.append(slot)

    def reset(self) -> None:
        """Drop a broken pool (a child died); the next task starts a fresh one."""
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    def shutdown(self) -> None:
        with self._lock:
            if self._flags is not None:
                for i in range(SLOTS):
                    self._flags[i] = 1
            if self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None


_POOL: ProcessPool | None = None


def pool() -> ProcessPool:
    global _POOL
    if _POOL is None:
        _POOL = ProcessPool()
    return _POOL


# -- calls the window runs in the pool: module-level, so the child can unpickle them without Qt ----------
