"""Run and Cancel of a dock panel's job (the siting and pumped-storage panels): one piece for both.

The panel provides ``job``, ``win``, ``task`` (None when idle), the widgets ``status``, ``progress``, ``error``,
``messages``, ``run_btn``, ``cancel_btn``, ``_prepared`` (folder, whether the panel made it, files written for
the run), ``prepare_run()`` (the job's raw values, or :class:`SinkmapError`), ``_done(result)`` and
``_run_post()`` (the function the task runner calls with the job's result before ``_done``). The job runs through
the window's task runner (``jobs.runs.run_values``: a worker process where the job asks for one).
"""

from __future__ import annotations

from pathlib import Path

from ..core.errors import SinkmapError
from ..jobs.base import ParamError
from .i18n import current_language, tr


class JobRunMixin:
    def _starting(self, raw: dict) -> None:
        """Called with the run's values just before it is submitted."""

    def _update_run_button(self) -> None:
        self.run_btn.setEnabled(self.task is None)

    def _discard_prepared(self) -> None:
        """A run that was cancelled or failed leaves nothing of its own behind: the files written for it go,
        and so does its folder when the panel made it and nothing else is in it."""
        folder, created, files = self._prepared
        self._prepared = (None, False, [])
        for path in files:
            Path(path).unlink(missing_ok=True)
        if created and folder is not None:
            try:
                folder.rmdir()
            except OSError:
                pass

    def run(self):
        """Start the run (None when a value is wrong: the message shows in the panel)."""
        from ..jobs.runs import run_values

        if self.task is not None:
            return None
        self._show_error(None)
        self.messages.clear()
        self.messages.setVisible(False)
        try:
            raw = self.prepare_run()
        except SinkmapError as exc:
            self._show_error(exc)
            return None
        self._starting(raw)
        self.status.setText(tr("正在运行…"))
        self.progress.setValue(0)
        self.task = self.win.tasks.submit(self.job.title(current_language()), run_values, self.job.id, raw,
                                          self.job.module, process=self.job.process, post=self._run_post(),
                                          on_done=self._done, on_error=self._failed, on_cancel=self._cancelled)
        self.task.progressed.connect(self._progress)
        self.task.ended.connect(self._ended)
        self.cancel_btn.setEnabled(True)
        self._update_run_button()
        return self.task

    def cancel(self) -> None:
        if self.task is not None:
            self.cancel_btn.setEnabled(False)
            self.status.setText(tr("正在取消…"))
            self.task.cancel()

    def _progress(self, fraction: float, _text: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        self.progress.setFormat(f"{fraction * 100:.0f}%")

    def _ended(self) -> None:
        finished = self.task is not None and self.task.state == "finished"
        self.task = None
        self.cancel_btn.setEnabled(False)
        self.progress.setValue(1000 if finished else 0)
        self.progress.setFormat(tr("完成") if finished else "")
        self._update_run_button()

    def _cancelled(self) -> None:
        self._discard_prepared()
        self.progress.setValue(0)
        self.status.setText(tr("已取消，未作任何更改"))

    def _failed(self, message: str) -> None:
        self._discard_prepared()
        self.progress.setValue(0)
        self.status.setText("")
        exc = self.task.exception if self.task is not None else None
        self._show_error(exc if isinstance(exc, SinkmapError) else message)

    def _show_error(self, error) -> None:
        if error is None:
            self.error.setVisible(False)
            self.error.setText("")
            return
        if isinstance(error, ParamError) and error.param_name:
            error = error.for_display(self.job.param(error.param_name).title(current_language()))
        text = error.render(current_language()) if isinstance(error, SinkmapError) else str(error)
        self.error.setText(text)
        self.error.setVisible(True)


def panel_dock(win, key: str, title: str, make, area, tab_with: str):
    """The dock ``key`` of ``win`` holding the panel ``make(win)`` in a scroll area (made on first use, on
    ``area``, tabbed with the dock ``tab_with``, listed in the panels menu, the panel kept as
    ``win.<key>_panel``), shown and raised."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QDockWidget, QScrollArea

    dock = win.docks.get(key)
    if dock is None:
        panel = make(win)
        scroll = QScrollArea(win)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # the panel fits the dock
        scroll.setWidget(panel)
        dock = QDockWidget(title, win)
        dock.setObjectName(f"dock_{key}")
        dock.setWidget(scroll)
        win.addDockWidget(area, dock)
        if tab_with in win.docks:
            win.tabifyDockWidget(win.docks[tab_with], dock)
        win.docks[key] = dock
        win.panels_menu.addAction(dock.toggleViewAction())
        setattr(win, f"{key}_panel", panel)
    dock.show()
    dock.raise_()
    return dock
