"""Chinese by default; English through the .ts translation (compiled by lrelease, or read directly)."""

from __future__ import annotations

import ast
from pathlib import Path

from PySide6.QtCore import QCoreApplication

import sinkmap.gui as gui_pkg


def _tr_strings() -> set[str]:
    out = set()
    for p in Path(gui_pkg.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "tr" and node.args:
                arg = node.args[0]
                assert isinstance(arg, ast.Constant), f"{p}:{node.lineno}: tr() needs a literal string"
                out.add(arg.value)
    return out


def test_every_interface_string_has_an_english_translation():
    from sinkmap.gui.i18n import read_ts, ts_path

    table = read_ts(ts_path("en"))
    missing = sorted(_tr_strings() - set(table))
    assert missing == []


def test_chinese_is_the_default(app):
    from sinkmap.gui.i18n import tr

    assert tr("图层") == "图层"


def test_compiled_translation_gives_english(app):
    from PySide6.QtCore import QTranslator

    from sinkmap.gui.i18n import compiled_qm, tr

    qm = compiled_qm("en")
    assert qm is not None and qm.is_file()
    translator = QTranslator()
    assert translator.load(str(qm))
    QCoreApplication.installTranslator(translator)
    try:
        assert tr("图层") == "Layers"
        assert tr("比例尺 1:{0:,.0f}").format(250000) == "Scale 1:250,000"
    finally:
        QCoreApplication.removeTranslator(translator)
    assert tr("图层") == "图层"


def test_ts_fallback_translator(app):
    from sinkmap.gui.i18n import TsTranslator, tr, ts_path

    translator = TsTranslator(ts_path("en"))
    QCoreApplication.installTranslator(translator)
    try:
        assert tr("碳汇台账") == "Sink ledger"
    finally:
        QCoreApplication.removeTranslator(translator)


def test_ts_fallback_leaves_qt_own_texts_alone(app):
    # without lrelease, the .ts reader translates sinkmap's strings and says "no translation" (None, a
    # null string) for anything else, so Qt keeps its own button texts instead of blanking them
    from sinkmap.gui.i18n import TsTranslator, ts_path

    t = TsTranslator(ts_path("en"))
    assert t.table  # the .ts has sinkmap's strings
    some_source = next(iter(t.table))
    assert t.translate("sinkmap", some_source) == t.table[some_source] != ""
    assert t.translate("QPlatformTheme", "OK") is None
    assert t.translate("sinkmap", "no such source text") is None
