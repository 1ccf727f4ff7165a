"""Message templates: app (the desktop application's own messages). See :mod:`sinkmap.core.messages`."""

from __future__ import annotations

from . import M

MESSAGES: dict[str, M] = {
    "app.task.worker_died": M(
        "the background process stopped unexpectedly (the data file may be damaged): {title}",
        "后台进程意外退出（可能是数据文件损坏）：{title}"),
    "app.task.failed": M("the background task failed: {detail}", "后台任务失败：{detail}"),
    "app.choropleth.no_values": M("the ledger has no values for {indicator_en} ({indicator_zh})",
                                  "台账中没有“{indicator_zh}”（{indicator_en}）的数值",
                                  "compute the ledger with layers that measure this indicator",
                                  "请用能计算该指标的图层重新计算台账"),
    "app.choropleth.no_boundaries": M("no county boundary layer is loaded", "没有加载区县边界图层",
                                      "add the boundaries first (File → New project)", "请先添加边界（文件 → 新建项目）"),
    "app.project.cannot_open": M("cannot open the project", "无法打开项目", "see the message above", "原因见上一条消息"),
    "app.screenshot.not_written": M("could not write the screenshot", "无法写出截图",
                                    "check the folder is writable", "请检查文件夹是否可写"),
    "app.internal_error": M(
        "internal error: {detail} (details are in the log)", "内部错误：{detail}（详情已写入日志）"),
    # -- the pumped-storage panel (sinkmap.gui.phes_panel) ------------------------------------------------------
    "app.phes.no_drawn_area": M("no area is drawn on the map", "地图上还没有绘制区域",
                                "press 在地图上绘制…/Draw on the map…, click the corners and double-click to close, "
                                "or search a county", "请点“在地图上绘制…”，单击各顶点并双击结束，或改为按区县搜索"),
}
