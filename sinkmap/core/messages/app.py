"""Message templates: app (the desktop application's own messages). See :mod:`sinkmap.core.messages`."""

from __future__ import annotations

from . import M

MESSAGES: dict[str, M] = {
    "app.task.worker_died": M(
        "the background process stopped unexpectedly (the data file may be damaged): {title}",
        "后台进程意外退出（可能是数据文件损坏）：{title}"),
    "app.task.failed": M("the background task failed: {detail}", "后台任务失败：{detail}"),
    "app.internal_error": M(
        "internal error: {detail} (details are in the log)", "内部错误：{detail}（详情已写入日志）"),
}
