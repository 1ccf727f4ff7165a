"""Library calls the GUI runs in worker processes: module-level, picklable, Qt-free."""

from __future__ import annotations

from ..core.feedback import Feedback


def ledger_json(request, feedback: Feedback | None = None) -> dict:
    """The ledger report as the CLI's ``--json`` document (``sinkmap.jobs.ledger.run_ledger``)."""
    from ..jobs.ledger import run_ledger

    report = run_ledger(request, feedback)
    out = report.to_json()
    out["warnings"] = list(report.warnings)
    return out
