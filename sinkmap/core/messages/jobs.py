"""Message templates: jobs. See :mod:`sinkmap.core.messages` (codes are 'jobs.…' where possible)."""

from __future__ import annotations

from . import M

MESSAGES: dict[str, M] = {
}
