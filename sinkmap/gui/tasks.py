"""Background work: any library call ``fn(..., feedback=...)`` in a QThread, with progress and Cancel.

The library reports through the plain :class:`~sinkmap.core.feedback.BaseFeedback` protocol; here a
subclass turns ``progress``/``warn`` into Qt signals (queued to the GUI thread) and Cancel sets the
feedback's flag, which the library checks between steps and answers by raising ``Cancelled`` *before*
writing anything. The outcome arrives on the GUI thread as exactly one of ``finished(result)``,
``failed(message)`` or ``cancelled()``. A :class:`~sinkmap.core.errors.SinkmapError` becomes its own
readable message, rendered in the interface language (the error itself stays on ``Task.exception``);
any other exception becomes a one-line message and its traceback goes to the log file, never to a
dialog. Warnings arrive as the library sent them: a :class:`~sinkmap.core.messages.Notice` (rendered at
the edge, in the task panel) or, legacy, a string.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import TimeoutError
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal

from ..core.errors import Cancelled, SinkmapError
from ..core.feedback import BaseFeedback
from .i18n import current_language, tr

log = logging.getLogger(__name__)


class _FeedbackSignals(QObject):
    progressed = Signal(float, str)
    warned = Signal(object)  # a Notice (or, legacy, a str)


class TaskFeedback(BaseFeedback):
    """Feedback whose progress and warnings are delivered as Qt signals (thread-safe, throttled)."""

    def __init__(self) -> None:
        super().__init__()
        self.signals = _FeedbackSignals()
        self._last = 0.0

    def on_progress(self, fraction: float, text: str) -> None:
        now = time.monotonic()
        if now - self._last >= 0.05 or fraction >= 1.0:  # at most 20 updates a second
            self._last = now
            self.signals.progressed.emit(fraction, text)

    def on_warning(self, message: object) -> None:
        self.signals.warned.emit(message)


def readable_error(exc: BaseException, lang: str | None = None) -> str:
    """What the user reads for an exception, in ``lang`` (default: the interface language): a SinkmapError
    rendered from the message catalogue, else a short generic line."""
    if isinstance(exc, SinkmapError):
        return exc.render(lang or current_language())
    if isinstance(exc, MemoryError):
        return tr("内存不足：数据太大，无法在本机处理。请缩小范围或使用集群。")
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.filename}: {exc.strerror or exc}"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return tr("内部错误：{0}（详情已写入日志）").format(f"{type(exc).__name__}: {text}")


class _ChildFailed(SinkmapError):
    pass


def _run_in_process(t: "Task"):
    """Run ``t.fn`` in the worker-process pool; relay cancel; map the outcome to a result or an error."""
    from concurrent.futures.process import BrokenProcessPool

    from ..jobs.worker import pool

    p = pool()
    try:
        slot, fut = p.submit(t.fn, t.args, t.kwargs, t.feedback)
    except (RuntimeError, OSError) as exc:  # no process can be started (unguarded __main__, limits)
        log.warning("running %r in a thread: cannot start a worker process (%s)", t.title, exc)
        p.reset()
        return t.fn(*t.args, feedback=t.feedback, **t.kwargs)
    try:
        while True:
            try:
                status, value = fut.result(timeout=0.05)
                p.drain(slot)  # the call's last warnings are delivered before its outcome
                break
            except TimeoutError:
                if t.feedback.is_cancelled():
                    p.cancel(slot)
            except BrokenProcessPool:
                p.reset()
                raise _ChildFailed(code="app.task.worker_died", title=t.title) from None
    finally:
        p.release(slot)
    if status == "ok":
        return value
    if status == "cancelled":
        raise Cancelled()
    if status == "memory":
        raise MemoryError()
    if status == "bug":
        log.error("task %r failed in the worker process:\n%s", t.title, value[1])
        raise _ChildFailed(code="app.internal_error", detail=value[0])
    if isinstance(value, SinkmapError):  # the child's error itself, with its code and parameters
        raise value
    raise _ChildFailed(code="app.task.failed", detail=str(value))


class _Thread(QThread):
    def __init__(self, task: "Task") -> None:
        super().__init__()
        self.task = task

    def run(self) -> None:  # worker thread
        t = self.task
        try:
            if t.process:
                result = _run_in_process(t)
            else:
                result = t.fn(*t.args, feedback=t.feedback, **t.kwargs)
            if t.post is not None:  # post owns cleanup of what fn produced, so it checks cancel itself
                result = t.post(result, feedback=t.feedback)
            t._result = result
            t._outcome = "finished"
        except Cancelled:
            t._outcome = "cancelled"
        except BaseException as exc:  # noqa: BLE001 - every failure becomes a message
            if not isinstance(exc, SinkmapError):
                log.exception("task %r failed", t.title)
            t._exception = exc
            t._error = readable_error(exc)
            t._outcome = "failed"


class Task(QObject):
    """One background call. Signals are emitted on the GUI thread."""

    progressed = Signal(float, str)
    warned = Signal(object)  # a Notice (or, legacy, a str)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    ended = Signal()  # after any of the three outcomes

    def __init__(self, title: str, fn: Callable[..., Any], args: tuple, kwargs: dict, *,
                 process: bool = False, post: Callable[..., Any] | None = None) -> None:
        super().__init__()
        self.title = title
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.process = process  # run fn in the worker-process pool (fn and args must pickle)
        self.post = post  # post(result, feedback=...) in the thread, after fn
        self.feedback = TaskFeedback()
        self.feedback.signals.progressed.connect(self.progressed)
        self.feedback.signals.warned.connect(self.warned)
        self.state = "pending"
        self.fraction = 0.0
        self.text = ""
        self.error: str | None = None  # the failure as the user reads it, in the interface language
        self.exception: BaseException | None = None  # the failure itself (its str() is English)
        self.result: Any = None
        self._result: Any = None
        self._error: str | None = None
        self._exception: BaseException | None = None
        self._outcome = ""
        self._thread = _Thread(self)
        self._thread.finished.connect(self._on_thread_finished)
        self.progressed.connect(self._remember)

    def _remember(self, fraction: float, text: str) -> None:
        self.fraction, self.text = fraction, text or self.text

    def start(self) -> None:
        self.state = "running"
        self._thread.start()

    def cancel(self) -> None:
        """Ask the call to stop at its next checkpoint; ``cancelled`` follows when it has."""
        self.feedback.cancel()

    @property
    def done(self) -> bool:
        return self.state in ("finished", "failed", "cancelled")

    def _on_thread_finished(self) -> None:  # GUI thread
        self.state = self._outcome or "failed"
        if self.state == "finished":
            self.result = self._result
            self.finished.emit(self._result)
        elif self.state == "cancelled":
            self.cancelled.emit()
        else:
            self.error = self._error or tr("未知错误")
            self.exception = self._exception
            self.failed.emit(self.error)
        self.ended.emit()

    def wait(self, timeout_s: float = 30.0) -> bool:
        """Block until the task ended and its outcome was delivered (for tests and shutdown)."""
        deadline = time.monotonic() + timeout_s
        while not self.done and time.monotonic() < deadline:
            self._thread.wait(20)
            QCoreApplication.processEvents()
        return self.done


class TaskManager(QObject):
    """Starts tasks, keeps the running ones, cancels them all on shutdown."""

    taskAdded = Signal(object)
    taskEnded = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tasks: list[Task] = []

    def submit(self, title: str, fn: Callable[..., Any], *args: Any,
               on_done: Callable[[Any], None] | None = None, on_error: Callable[[str], None] | None = None,
               on_cancel: Callable[[], None] | None = None, process: bool = False,
               post: Callable[..., Any] | None = None, **kwargs: Any) -> Task:
        """Run ``fn(*args, feedback=..., **kwargs)`` in a new thread (or, ``process=True``, in a worker
        process: for calls that hold the GIL for long; ``fn`` must be a module-level function). ``post``
        runs on the result in the thread before ``finished`` is emitted."""
        task = Task(title, fn, args, kwargs, process=process, post=post)
        if on_done:
            task.finished.connect(on_done)
        if on_error:
            task.failed.connect(on_error)
        if on_cancel:
            task.cancelled.connect(on_cancel)
        task.ended.connect(lambda t=task: self._ended(t))
        self.tasks.append(task)
        self.taskAdded.emit(task)
        task.start()
        return task

    def _ended(self, task: Task) -> None:
        if task in self.tasks:
            self.tasks.remove(task)
        self.taskEnded.emit(task)

    @property
    def busy(self) -> bool:
        return bool(self.tasks)

    def cancel_all(self, wait_s: float = 5.0) -> None:
        for task in list(self.tasks):
            task.cancel()
        for task in list(self.tasks):
            task.wait(wait_s)

    def shutdown(self) -> None:
        """Cancel everything and stop the worker processes (application exit)."""
        self.cancel_all()
        from ..jobs import worker as procworker

        if procworker._POOL is not None:
            procworker._POOL.shutdown()

    def wait_all(self, timeout_s: float = 60.0) -> bool:
        deadline = time.monotonic() + timeout_s
        while self.tasks and time.monotonic() < deadline:
            for task in list(self.tasks):
                task.wait(max(0.0, deadline - time.monotonic()))
        return not self.tasks
