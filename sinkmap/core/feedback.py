"""Progress and cancellation: one small protocol shared by the CLI, the GUI and tests.

Long operations take a ``Feedback`` and call ``feedback.progress(fraction, text)`` between steps and
``feedback.check()`` at each cancel checkpoint. The CLI wraps it in a progress bar, the GUI in signals
(only ``sinkmap.gui`` touches Qt), tests pass ``NullFeedback``.
"""

from __future__ import annotations

import threading
import warnings
from typing import TYPE_CHECKING, Protocol, Union, runtime_checkable

from .errors import Cancelled

if TYPE_CHECKING:
    from .messages import Notice

#: What ``warn`` takes: a :class:`~sinkmap.core.messages.Notice` (code + parameters, rendered in the
#: interface language at the edge); a plain string is legacy.
Message = Union["Notice", str]


@runtime_checkable
class Feedback(Protocol):
    def progress(self, fraction: float, text: str = "") -> None: ...
    def warn(self, message: Message) -> None: ...
    def is_cancelled(self) -> bool: ...
    def check(self) -> None: ...


class BaseFeedback:
    """A thread-safe feedback object: records warnings, holds a cancel flag, ignores progress.

    Subclasses override :meth:`on_progress` / :meth:`on_warning` to display them.
    """

    def __init__(self) -> None:
        self._cancel = threading.Event()
        self.warnings: list[Message] = []
        self.fraction = 0.0
        self.text = ""

    # -- producer side --------------------------------------------------------------------------
    def progress(self, fraction: float, text: str = "") -> None:
        self.fraction = min(1.0, max(0.0, float(fraction)))
        if text:
            self.text = text
        self.on_progress(self.fraction, self.text)

    def warn(self, message: Message) -> None:
        self.warnings.append(message)
        self.on_warning(message)

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        """Cancel checkpoint: raise :class:`Cancelled` if the user asked to stop."""
        if self._cancel.is_set():
            raise Cancelled()

    # -- consumer side --------------------------------------------------------------------------
    def cancel(self) -> None:
        self._cancel.set()

    def on_progress(self, fraction: float, text: str) -> None:  # pragma: no cover - display hook
        pass

    def on_warning(self, message: Message) -> None:
        pass


class NullFeedback(BaseFeedback):
    """Feedback for library calls and tests: records warnings, never cancels."""


class WarningsFeedback(BaseFeedback):
    """Feedback that also forwards warnings to Python's ``warnings`` module (library default)."""

    def on_warning(self, message: Message) -> None:
        warnings.warn(str(message), UserWarning, stacklevel=3)


class SubFeedback(BaseFeedback):
    """Maps progress 0..1 of a sub-step onto [start, end] of a parent feedback; shares its cancel."""

    def __init__(self, parent: Feedback, start: float, end: float) -> None:
        super().__init__()
        self.parent = parent
        self.start = start
        self.end = end

    def progress(self, fraction: float, text: str = "") -> None:
        f = min(1.0, max(0.0, float(fraction)))
        self.parent.progress(self.start + (self.end - self.start) * f, text)

    def warn(self, message: Message) -> None:
        self.parent.warn(message)

    def is_cancelled(self) -> bool:
        return self.parent.is_cancelled()

    def check(self) -> None:
        self.parent.check()


def ensure(feedback: Feedback | None) -> Feedback:
    """The feedback to use: the given one, or a fresh :class:`NullFeedback`."""
    return feedback if feedback is not None else NullFeedback()
