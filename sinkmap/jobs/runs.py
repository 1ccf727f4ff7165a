"""Job runs in projects: record what a run took and wrote; repeat it from the project file.

The app records every job it runs (``record_run``) in the project, which saves it with its parameters
(paths relative to the project) and outputs. ``sinkmap run PROJECT --job ID`` repeats the latest run of
that job with the same parameters (:func:`rerun_from_project`); the project file itself is only read.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..core.errors import InputError
from ..core.feedback import Feedback
from ..core.project import JobRun, Project
from .base import PATH_KINDS, Job, Report, run_job, values_of


def run_record(job: Job, request: Any, report: Report, started: float, seconds: float) -> JobRun:
    """A :class:`JobRun` of ``job`` on ``request`` that produced ``report``."""
    from .. import __version__

    values = values_of(job, request)
    params = {p.name: p.to_json(values[p.name]) for p in job.params if values[p.name] not in (None, [], {})}
    return JobRun(job=job.id, params=params, path_params=[p.name for p in job.params if p.kind in PATH_KINDS],
                  outputs=[o.to_json() for o in report.outputs], status="finished",
                  started=datetime.fromtimestamp(started, timezone.utc).isoformat(timespec="seconds"),
                  seconds=round(seconds, 3), data=report.data, version=__version__)


def request_of(job: Job, run: JobRun) -> Any:
    """The request a stored run describes (checked again: its files must still exist)."""
    raw = {p.name: p.from_json(run.params[p.name]) for p in job.params if p.name in run.params}
    return job.make_request(raw)


def rerun(project: Project, job_id: str, feedback: Feedback | None = None) -> Report:
    """Run the latest stored run of ``job_id`` in ``project`` again, with the same parameters."""
    from .registry import get

    run = project.last_run(job_id)
    if run is None:
        stored = sorted({r.job for r in project.job_runs})
        raise InputError(code="jobs.run.none_stored", path=project.path, job=job_id,
                         stored=", ".join(stored) or "—")
    job = get(job_id)
    request = request_of(job, run)
    return run_job(job, request, feedback)


def rerun_from_project(path: str | Path, job_id: str, feedback: Feedback | None = None) -> Report:
    from ..io.project_file import load_project

    return rerun(load_project(path), job_id, feedback)


def timed_run(job: Job, request: Any, feedback: Feedback | None = None) -> tuple[Report, JobRun]:
    """Run ``job`` and return its report and the record to store in a project."""
    started = time.time()
    t0 = time.perf_counter()
    report = run_job(job, request, feedback)
    return report, run_record(job, request, report, started, time.perf_counter() - t0)


def run_values(job_id: str, raw: dict[str, Any], module: str | None = None,
               feedback: Feedback | None = None) -> tuple[Report, JobRun]:
    """Check ``raw`` values, run the job and return its report and run record (module-level: the app
    calls it in a worker process; ``module`` declares a job from outside this package there)."""
    import importlib

    from .registry import get

    if module:
        importlib.import_module(module)
    job = get(job_id)
    return timed_run(job, job.make_request(raw), feedback)
