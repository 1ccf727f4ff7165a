"""The task panel: running background tasks with progress and Cancel, and a list of messages.

Failures and warnings of background work land here as readable lines (and in the status bar) rather
than in modal dialogs, so nothing interrupts the user and nothing blocks screenshots or tests. The
panel and the status bar show file names instead of absolute paths (:func:`~sinkmap.core.shortpaths.shorten_paths`)
and a message takes at most three lines (the last one elided) until it is clicked, when it shows whole;
the whole message is also in the item's tooltip and in the log. Warnings and errors arrive as objects —
a :class:`~sinkmap.core.messages.Notice` or a :class:`~sinkmap.core.errors.SinkmapError`, a code with
parameters — and are rendered here from the message catalogue in the interface language; the tooltip and
the log keep the English text (with whole paths).
"""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QProgressBar, QPushButton,
                               QStyledItemDelegate, QStyleOptionViewItem, QVBoxLayout, QWidget)

from ..core.errors import SinkmapError
from ..core.messages import Notice
from ..core.shortpaths import shorten_paths
from .i18n import current_language, is_english, tr
from .tasks import Task, TaskManager
from .plain import tip

log = logging.getLogger(__name__)
FULL_TEXT = Qt.ItemDataRole.UserRole + 1  # the message as written, before shortening
LOG_LEVELS = {"error": logging.ERROR, "warning": logging.WARNING}


Message = Notice | SinkmapError | str


def message_texts(message: Message, title: str | None = None) -> tuple[str, str]:
    """(shown, full) for a message: ``shown`` in the interface language with file names instead of absolute
    paths (panel, status bar); ``full`` the English text with whole paths (tooltip, log). A Notice or a
    SinkmapError is rendered from the catalogue; a string is shown as it is (paths shortened). ``title``
    (a task's, already in the interface language) goes first."""
    coded = isinstance(message, (Notice, SinkmapError))
    if coded:
        body, full = message.render(current_language(), path_text=shorten_paths), str(message)
    else:
        body = full = str(message)
    if title:
        body = f"{title}：{body}" if coded and not is_english() else f"{title}: {body}"
        full = f"{title}: {full}"
    return shorten_paths(body), full


def shown_text(message: Message, title: str | None = None) -> str:
    """A message as the panel and the status bar show it (see :func:`message_texts`)."""
    return message_texts(message, title)[0]


class MessageDelegate(QStyledItemDelegate):
    """Messages at most ``MAX_LINES`` lines high (Qt elides the last one), whole while selected."""

    MAX_LINES = 3

    def __init__(self, view: QListWidget) -> None:
        super().__init__(view)
        self.view = view

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # noqa: N802
        size = super().sizeHint(option, index)
        if self.view.selectionModel().isSelected(index):
            return size
        cap = self.MAX_LINES * option.fontMetrics.lineSpacing() + 4  # + the item's vertical margins
        return QSize(size.width(), min(size.height(), cap))


class TaskRow(QWidget):
    def __init__(self, task: Task, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.task = task
        self.label = QLabel(task.title, self)
        self.label.setMinimumWidth(80)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(True)
        self.cancel_btn = QPushButton(tr("取消"), self)
        self.cancel_btn.clicked.connect(self._cancel)
        row = QHBoxLayout(self)
        row.setContentsMargins(2, 1, 2, 1)
        row.addWidget(self.label, 2)
        row.addWidget(self.bar, 3)
        row.addWidget(self.cancel_btn)
        task.progressed.connect(self._progress)

    def _progress(self, fraction: float, text: str) -> None:
        self.bar.setValue(int(fraction * 1000))
        self.bar.setFormat(f"{fraction * 100:.0f}%")
        if text:
            self.label.setText(f"{self.task.title} — {text}")

    def _cancel(self) -> None:
        self.cancel_btn.setEnabled(False)
        self.cancel_btn.setText(tr("正在取消…"))
        self.task.cancel()


class TaskPanel(QWidget):
    message = Signal(str)  # one line for the status bar (paths shortened to file names, warnings localised)

    def __init__(self, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.rows: dict[int, TaskRow] = {}
        self.rows_box = QVBoxLayout()
        self.rows_box.setContentsMargins(0, 0, 0, 0)
        self.idle_label = QLabel(tr("没有正在运行的任务"), self)
        self.idle_label.setStyleSheet("color: #777777")
        self.messages = QListWidget(self)
        self.messages.setWordWrap(True)
        self.messages.setSpacing(2)  # messages apart from each other
        self.messages.setItemDelegate(MessageDelegate(self.messages))
        # a clicked message opens to its whole text (and the one left closes): lay the items out again
        self.messages.itemSelectionChanged.connect(self.messages.doItemsLayout)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.idle_label)
        layout.addLayout(self.rows_box)
        layout.addWidget(QLabel(tr("消息"), self))
        layout.addWidget(self.messages, 1)
        tasks.taskAdded.connect(self._added)
        tasks.taskEnded.connect(self._ended)

    def _added(self, task: Task) -> None:
        row = TaskRow(task, self)
        self.rows[id(task)] = row
        self.rows_box.addWidget(row)
        self.idle_label.setVisible(False)
        task.warned.connect(lambda m, t=task: self.add_message(m, "warning", title=t.title))

    def _ended(self, task: Task) -> None:
        row = self.rows.pop(id(task), None)
        if row is not None:
            self.rows_box.removeWidget(row)
            row.deleteLater()
        self.idle_label.setVisible(not self.rows)
        if task.state == "failed":
            failure = task.exception if isinstance(task.exception, SinkmapError) else task.error
            self.add_message(failure, "error", title=task.title)
        elif task.state == "cancelled":
            self.add_message(tr("{0}：已取消，未作任何更改").format(task.title), "info")

    def add_message(self, message: Message, level: str = "info", *, title: str | None = None) -> None:
        """A message at the top of the list (a Notice or SinkmapError rendered in the interface language,
        paths shortened; the English text, whole, in the tooltip), logged whole in English, and ``message``
        emitted with the shown text for the status bar. ``title`` (a task's) is put first."""
        stamp = time.strftime("%H:%M:%S")
        short, text = message_texts(message, title)
        log.log(LOG_LEVELS.get(level, logging.INFO), "message: %s", text)
        item = QListWidgetItem(f"{stamp}  {short}")
        item.setForeground(QColor({"error": "#b00020", "warning": "#9a6700"}.get(level, "#333333")))
        item.setData(Qt.ItemDataRole.UserRole, level)
        item.setData(FULL_TEXT, f"{stamp}  {text}")
        item.setToolTip(tip(text))
        self.messages.insertItem(0, item)
        self.message.emit(short)

    def message_texts(self) -> list[str]:
        """The messages as written (absolute paths kept), newest first, each after its time."""
        return [self.messages.item(i).data(FULL_TEXT) for i in range(self.messages.count())]

    def shown_texts(self) -> list[str]:
        """The messages as the panel shows them (file names instead of absolute paths, in the interface
        language), newest first."""
        return [self.messages.item(i).text() for i in range(self.messages.count())]
