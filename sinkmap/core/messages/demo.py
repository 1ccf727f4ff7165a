"""Message templates: demo (the synthetic demo world). See :mod:`sinkmap.core.messages`."""

from __future__ import annotations

from . import M

_KEYS_EN = "compare with the keys documented in the file header"
_KEYS_ZH = "请对照文件开头说明的键检查"

MESSAGES: dict[str, M] = {
    "demo.unknown_counties": M(
        "not a county of {cities}: {names}", "不是{cities}的区县：{names}",
        "use county names as in the boundaries, e.g. 岳麓区, 炎陵县, 苏仙区", "请使用边界数据中的区县名称，如 岳麓区、炎陵县、苏仙区"),
    "demo.data_file_missing": M(
        "a data file of the demo world is missing", "缺少演示数据的一个数据文件",
        "reinstall sinkmap from its source tree (layers/ must be complete)",
        "请从源码目录重新安装 sinkmap（layers/ 必须完整）"),
    "demo.bad_yaml": M(
        "invalid YAML ({detail})", "YAML 无效（{detail}）", "fix the syntax of this data file", "请改正该数据文件的语法"),
    "demo.not_mapping": M("expected a mapping at the top level", "文件顶层应为映射（键: 值）"),
    "demo.malformed_geography": M("malformed geography: {detail}", "地理配置格式有误：{detail}", _KEYS_EN, _KEYS_ZH),
    "demo.malformed_calibration": M("malformed calibration: {detail}", "校准配置格式有误：{detail}", _KEYS_EN, _KEYS_ZH),
    "demo.malformed_forest_model": M("malformed forest model: {detail}", "森林模型配置格式有误：{detail}", _KEYS_EN, _KEYS_ZH),
    "demo.out_is_file": M(
        "the demo output path is a file, not a folder", "演示数据的输出路径是文件，不是文件夹",
        "choose a folder for --out", "请为 --out 选择一个文件夹"),
    "demo.cannot_create_folder": M(
        "cannot create the demo folder ({detail})", "无法创建演示数据文件夹（{detail}）",
        "choose a folder you can write to", "请选择可写入的文件夹"),
    "demo.not_demo_folder": M(
        "not a demo folder (no manifest.json)", "不是演示数据文件夹（没有 manifest.json）",
        "run 'sinkmap demo' to generate the demo world", "请运行 'sinkmap demo' 生成演示数据"),
}
