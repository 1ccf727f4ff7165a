"""Message templates: io. See :mod:`sinkmap.core.messages` (codes are 'io.…' where possible)."""

from __future__ import annotations

from . import M

MESSAGES: dict[str, M] = {
}
