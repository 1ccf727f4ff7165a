"""Message templates: analysis. See :mod:`sinkmap.core.messages` (codes are 'analysis.…' where possible)."""

from __future__ import annotations

from . import M

MESSAGES: dict[str, M] = {
}
