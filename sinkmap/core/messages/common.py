"""Message templates: common. See :mod:`sinkmap.core.messages` (codes are 'common.…' where possible)."""

from __future__ import annotations

from . import M

MESSAGES: dict[str, M] = {
    "common.no_gui": M("the desktop application needs PySide6 ({detail})", "桌面应用需要 PySide6（{detail}）",
                       "install it with: pip install -e '.[gui]'", "请安装：pip install -e '.[gui]'"),
    "common.cancelled": M("cancelled by the user; nothing was written", "已由用户取消；未写入任何文件"),
}
