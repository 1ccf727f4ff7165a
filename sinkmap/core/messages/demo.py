"""Message templates: demo. See :mod:`sinkmap.core.messages` (codes are 'demo.…' where possible)."""

from __future__ import annotations

from . import M

MESSAGES: dict[str, M] = {
}
