"""The task panel: running background tasks with progress and Cancel, and a list of messages.

Failures and warnings of background work land here as readable lines (and in the status bar) rather
than in modal dialogs, so nothing interrupts the user and nothing blocks screenshots or tests.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QProgressBar, QPushButton,
                               QVBoxLayout, QWidget)

from .i18n import tr
from .tasks import Task, TaskManager


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
    message = Signal(str)  # one line for the status bar

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
        task.warned.connect(lambda m, t=task: self.add_message(f"{t.title}: {m}", "warning"))

    def _ended(self, task: Task) -> None:
        row = self.rows.pop(id(task), None)
        if row is not None:
            self.rows_box.removeWidget(row)
            row.deleteLater()
        self.idle_label.setVisible(not self.rows)
        if task.state == "failed":
            self.add_message(f"{task.title}: {task.error}", "error")
        elif task.state == "cancelled":
            self.add_message(tr("{0}：已取消，未作任何更改").format(task.title), "info")

    def add_message(self, text: str, level: str = "info") -> None:
        item = QListWidgetItem(f"{time.strftime('%H:%M:%S')}  {text}")
        item.setForeground(QColor({"error": "#b00020", "warning": "#9a6700"}.get(level, "#333333")))
        item.setData(Qt.ItemDataRole.UserRole, level)
        self.messages.insertItem(0, item)
        self.message.emit(text)

    def message_texts(self) -> list[str]:
        return [self.messages.item(i).text() for i in range(self.messages.count())]
