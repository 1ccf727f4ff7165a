"""Message templates: export (web map, PDF report, workbook). See :mod:`sinkmap.core.messages`."""

from __future__ import annotations

from . import M

MESSAGES: dict[str, M] = {
    "export.missing_package": M("the package {package} is not installed (it comes with the export extra)",
                                "未安装 {package} 包（随 export 附加依赖安装）",
                                "install it: pip install 'sinkmap[{extra}]'", "请安装：pip install 'sinkmap[{extra}]'"),
    "export.asset_missing": M("a file of the web map's assets is missing: {path}", "网页地图的资源文件缺失：{path}",
                              "reinstall the export extra", "请重新安装 export 附加依赖"),
    "export.font_face_missing": M("the font file {path} has no face named {family}", "字体文件 {path} 中没有 {family} 字形",
                                  "reinstall noto-cjk-sans-otc", "请重新安装 noto-cjk-sans-otc"),
    "export.layer_outside": M("file {path}, layer {layer!r}: no feature in the area; left off the map",
                              "文件 {path}，图层 {layer!r}：该范围内没有要素，未加入地图"),
    "export.layer_not_vector": M("file {path}: not a vector layer; left off the map ({detail})",
                                 "文件 {path}：不是矢量图层，未加入地图（{detail}）"),
    "export.map_page_failed": M("could not write the report's map page: {detail}", "无法写出报告的地图页：{detail}",
                                "check the free disk space and try again", "请检查磁盘空间后重试"),
    "export.impact_bad": M("file {path}: not a site-impact report ({detail})", "文件 {path}：不是场址影响报告（{detail}）",
                           "give the .json written by: sinkmap site impact … --out FILE.json",
                           "请给出 sinkmap site impact … --out 文件.json 写出的 .json 文件"),
    "export.no_units": M("no unit to report on", "没有可报告的统计单元", "give --city or --county", "请给出 --city 或 --county"),
}
