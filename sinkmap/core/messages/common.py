"""Message templates: common. See :mod:`sinkmap.core.messages` (codes are 'common.…' where possible)."""

from __future__ import annotations

from . import M

MESSAGES: dict[str, M] = {
    "common.cancelled": M("cancelled by the user; nothing was written", "已由用户取消；未写入任何文件"),
}
