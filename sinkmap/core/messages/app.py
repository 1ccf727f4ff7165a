"""Message templates: app. See :mod:`sinkmap.core.messages` (codes are 'app.…' where possible)."""

from __future__ import annotations

from . import M

MESSAGES: dict[str, M] = {
}
