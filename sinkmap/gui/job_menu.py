"""The app's job menu: every registered job without a hand-made panel, with a generated dialog.

A job chosen here opens its :class:`~sinkmap.gui.job_dialog.JobDialog`; OK runs it in the background
(a worker process for jobs that hold the GIL) with progress and Cancel in the task panel. When it ends,
the run is recorded in the project (parameters and outputs, saved with it and repeatable with
``sinkmap run``), its vector and raster outputs are added as layers that name the run that made them,
and its summary and warnings go to the messages, in the interface language.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QMenu

from ..jobs.base import Job
from ..jobs.registry import all_jobs
from .i18n import current_language, tr


#: Jobs whose ``panel`` is a hand-made dialog (module, function(win, job)): the menu opens it instead of the
#: generated one.
CUSTOM_DIALOGS = {"package": ("sinkmap.gui.package_dialog", "open_package_dialog")}


def menu_jobs(openers: dict | None = None) -> list[Job]:
    """The jobs the menu offers: those without a hand-made panel, those whose panel is a dialog, and those whose
    panel the window opens from the menu (``openers``: panel name → a function showing it)."""
    return [job for job in all_jobs() if not job.panel or job.panel in CUSTOM_DIALOGS or job.panel in (openers or {})]


def install_job_menu(win) -> QMenu:
    """Add the 任务 menu to ``win`` (a MainWindow): one entry per job, grouped by the job's menu section."""
    lang = current_language()
    bar = win.menuBar()
    menu = QMenu(tr("任务(&J)"), win)
    existing = bar.actions()
    bar.insertMenu(existing[-1], menu) if existing else bar.addMenu(menu)  # before 帮助 (Help)
    sections: dict[str, QMenu] = {}
    openers = getattr(win, "panel_openers", {})
    for job in menu_jobs(openers):
        target = menu
        if job.menu is not None:
            key = job.menu(lang)
            target = sections.get(key) or sections.setdefault(key, menu.addMenu(key))
        action = target.addAction(job.title(lang) + "…")
        action.setToolTip(job.help(lang))
        action.setStatusTip(job.help(lang))
        action.setObjectName(f"job:{job.id}")
        if job.panel in openers:  # a hand-made dock panel instead of a generated dialog (custom dialogs: below)
            action.triggered.connect(lambda _checked=False, o=openers[job.panel]: o())
        else:
            action.triggered.connect(lambda _checked=False, j=job: open_job_dialog(win, j))
    win.job_menu = menu
    return menu


def open_job_dialog(win, job: Job, *, values: dict[str, Any] | None = None, interactive: bool = True):
    """The job's dialog, then its run; returns the task (None when cancelled).

    ``values`` pre-fill nothing in the dialog: with ``interactive=False`` (tests, scripts) they are the
    raw values to run with, checked by the job exactly as the dialog's OK would.
    """
    from .job_dialog import JobDialog

    if interactive and job.panel in CUSTOM_DIALOGS:
        import importlib

        module, name = CUSTOM_DIALOGS[job.panel]
        return getattr(importlib.import_module(module), name)(win, job)
    if interactive:
        dialog = JobDialog(job, win.registry.project, win)
        if dialog.exec() != JobDialog.DialogCode.Accepted:
            return None
        values = dialog.values()
    return run_job_in_app(win, job, values or {})


def run_job_in_app(win, job: Job, raw: dict[str, Any]):
    """Run ``job`` on raw values in the background; the outcome lands in the project and the messages."""
    from ..core.errors import SinkmapError
    from ..jobs.runs import run_values

    lang = current_language()
    try:
        job.convert(raw)  # the same checks as the dialog and the CLI, before a process is started
    except SinkmapError as exc:
        win.show_error(exc.render(lang))
        return None
    title = job.title(lang)
    return win.tasks.submit(title, run_values, job.id, raw, job.module, process=job.process,
                            on_done=lambda result: _finished(win, job, result),
                            on_error=lambda message: win.show_error(f"{title}：{message}" if lang == "zh_CN"
                                                                    else f"{title}: {message}"))


def _finished(win, job: Job, result) -> None:
    report, run = result
    project = win.registry.project
    project.record_run(run)
    lang = current_language()
    for out in report.outputs:
        if out.kind not in ("vector", "raster"):
            continue
        spec = win.add_layer_file(out.path, out.layer, role=out.role or "guess")
        spec.produced_by = run.id
        if out.name:
            project.rename_layer(spec.id, out.name)
    from .web_preview import preview_outputs

    preview_outputs(win, report.outputs)  # an exported web map opens in its tab
    for line in report.summary(lang):
        win.task_panel.add_message(f"{job.title(lang)}：{line}" if lang == "zh_CN" else f"{job.title(lang)}: {line}")
    for w in report.warnings:
        win.task_panel.add_message(w.render(lang) if hasattr(w, "render") else str(w), "warning")
