"""The job registry: every :class:`~sinkmap.jobs.base.Job` the CLI, the app and projects can run.

Built-in jobs are the modules of this package (any module not in :data:`FRAMEWORK`): each declares its
job with :func:`register` at import. Adding a job is adding one module here — the CLI, ``sinkmap jobs``
and the app's job menu pick it up. Other packages add jobs through the ``sinkmap.jobs`` entry-point
group (the entry point names the module). Importing a job module is cheap: declarations only.

Running one job needs only its own module (issue 15): :func:`find` imports the module its id names —
``site.impact`` is ``site_impact``, ``ledger`` is ``ledger``, the few others are in :data:`MODULE_OF` —
and discovers everything (every module, the plugins' entry points) only when that is not it. :func:`all_jobs`
(the help, ``sinkmap jobs``, the app's menu) always discovers everything.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Mapping
from typing import Any

from ..core.feedback import Feedback
from .base import Job, ParamError, Report, run_job

#: Modules of this package that are the framework, not jobs.
FRAMEWORK = frozenset({"base", "registry", "worker", "runs", "catalogue"})

#: Built-in jobs whose module is not named after their id (``site.impact`` -> ``site_impact``).
MODULE_OF = {"targets": "plan_targets"}

_JOBS: dict[str, Job] = {}
_DISCOVERED = False


def register(job: Job) -> Job:
    """Add ``job`` (its module recorded so a worker process can import it); returns it."""
    if not job.module:
        object.__setattr__(job, "module", job.run.__module__)
    existing = _JOBS.get(job.id)
    if existing is not None and existing.module != job.module:
        raise ValueError(f"job id {job.id!r} is declared twice ({existing.module}, {job.module})")
    _JOBS[job.id] = job
    return job


def unregister(job_id: str) -> None:
    """Remove a job (tests that declare a job of their own)."""
    _JOBS.pop(job_id, None)


def _discover() -> None:
    global _DISCOVERED
    if _DISCOVERED:
        return
    _DISCOVERED = True
    import pkgutil

    from . import __path__ as pkg_path

    for info in sorted(pkgutil.iter_modules(pkg_path), key=lambda m: m.name):
        if info.name not in FRAMEWORK and not info.name.startswith("_"):
            importlib.import_module(f"{__package__}.{info.name}")
    try:
        from importlib.metadata import entry_points

        for ep in entry_points(group="sinkmap.jobs"):
            importlib.import_module(ep.value.split(":")[0])
    except Exception:  # noqa: BLE001 - a broken plugin must not stop the built-in jobs
        pass


def module_of(job_id: str) -> str | None:
    """The module of this package that declares built-in job ``job_id`` by the naming rule (it may not exist)."""
    name = MODULE_OF.get(job_id, job_id.replace(".", "_"))
    if not name.isidentifier() or name in FRAMEWORK or name.startswith("_"):
        return None
    return f"{__package__}.{name}"


def find(job_id: str) -> Job | None:
    """The job ``job_id`` importing only its own module when it is a built-in one named by the rule, else
    after discovering every job; None when there is no such job."""
    job = _JOBS.get(job_id)
    if job is None and not _DISCOVERED:
        module = module_of(job_id)
        if module is not None and importlib.util.find_spec(module) is not None:
            importlib.import_module(module)
            job = _JOBS.get(job_id)
    if job is None:
        _discover()
        job = _JOBS.get(job_id)
    return job


def all_jobs() -> list[Job]:
    """Every registered job, built-in first, in id order."""
    _discover()
    return sorted(_JOBS.values(), key=lambda j: (j.module.startswith("sinkmap.") is False, j.id))


def get(job_id: str) -> Job:
    """The job ``job_id`` (see :func:`find`); an unknown id is a :class:`ParamError` naming the nearest ones."""
    job = find(job_id)
    if job is not None:
        return job
    import difflib

    near = difflib.get_close_matches(job_id, list(_JOBS), n=3)
    raise ParamError(code="jobs.unknown_job", job=job_id, near=", ".join(near) or ", ".join(sorted(_JOBS)))


def run(job_id: str, values: Mapping[str, Any], feedback: Feedback | None = None, module: str | None = None) -> Report:
    """Run a job by id on raw parameter values (module-level: the app's worker processes call this).

    ``module`` is imported first when given, so a job declared outside this package is known in a
    fresh worker process.
    """
    if module:
        importlib.import_module(module)
    job = get(job_id)
    return run_job(job, job.make_request(values), feedback)


def catalogue() -> list[dict[str, Any]]:
    """Every job with its typed parameters and help in both languages (``sinkmap jobs --json``)."""
    return [job.describe() for job in all_jobs()]
