"""The message catalogue: every code the source uses has a template in both languages, and no user-visible
message is English text any more.

The source is scanned (AST, no imports) for the codes it uses — ``Notice("code", ...)``, a ``code="..."``
keyword in any call, ``default_code = "..."`` — and for legacy text: a :class:`~sinkmap.core.errors.SinkmapError`
(or subclass) built with a positional message, and ``.warn(...)`` given a string literal, an f-string or a
local variable holding one.
"""

from __future__ import annotations

import ast
import pickle
import re
from pathlib import Path

import pytest

from sinkmap.core.errors import CRSError, InputError, SinkmapError
from sinkmap.core.messages import LANGS, M, Notice, catalogue, render, template_fields

SRC = Path(__file__).resolve().parents[1] / "sinkmap"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _sources() -> list[tuple[str, ast.Module]]:
    out = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC.parent).as_posix()
        out.append((rel, ast.parse(path.read_text(encoding="utf-8"), filename=rel)))
    return out


SOURCES = _sources()


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _error_classes() -> set[str]:
    """SinkmapError and every class (anywhere in the source) that derives from it, by name."""
    names = {"SinkmapError"}
    classes = [n for _, tree in SOURCES for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    while True:
        more = {c.name for c in classes if c.name not in names and any(_name(b) in names for b in c.bases)}
        if not more:
            return names
        names |= more


ERRORS = _error_classes()


def used_codes() -> dict[str, list[str]]:
    """code -> where it is used ("file:line")."""
    out: dict[str, list[str]] = {}
    for rel, tree in SOURCES:
        if rel.startswith("sinkmap/core/messages/"):
            continue
        for node in ast.walk(tree):
            found = []
            if isinstance(node, ast.Call):
                if _name(node.func) == "Notice" and node.args and isinstance(node.args[0], ast.Constant):
                    found.append(node.args[0].value)
                for kw in node.keywords:
                    if kw.arg == "code" and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                        found.append(kw.value.value)
            elif isinstance(node, ast.Assign) and any(_name(t) == "default_code" for t in node.targets):
                if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                    found.append(node.value.value)
            for code in found:
                out.setdefault(code, []).append(f"{rel}:{node.lineno}")
    return out


def _is_text(node: ast.AST, texts: set[str]) -> bool:
    """A string literal, an f-string, a concatenation or ``.format`` of text, or a local variable holding one."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _is_text(node.left, texts) or _is_text(node.right, texts)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _is_text(node.func.value, texts)
    if isinstance(node, ast.Name):
        return node.id in texts
    return False


def legacy_messages() -> list[str]:
    """``file:line what`` for each error built from text and each warning given text instead of a Notice."""
    out = []
    for rel, tree in SOURCES:
        if rel.startswith("sinkmap/core/messages/"):
            continue
        scopes = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))] + [tree]
        for scope in scopes:
            texts: set[str] = set()  # local names assigned text in this scope
            for node in ast.walk(scope):
                if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    if node.value is not None and _is_text(node.value, texts):
                        texts |= {t.id for t in targets if isinstance(t, ast.Name)}
            for node in ast.walk(scope):
                if not isinstance(node, ast.Call):
                    continue
                name = _name(node.func)
                if name in ERRORS and node.args and not any(kw.arg == "code" for kw in node.keywords):
                    out.append(f"{rel}:{node.lineno} {name}({ast.unparse(node.args[0])[:60]})")
                elif (name == "warn" and node.args and _is_text(node.args[0], texts)
                      and _name(node.func.value) not in ("warnings", "log", "logger", "logging")):
                    out.append(f"{rel}:{node.lineno} warn({ast.unparse(node.args[0])[:60]})")
    return sorted(set(out))


# -- (a) every code used has a template ---------------------------------------------------------------------

def test_every_code_used_has_a_template():
    cat = catalogue()
    missing = {code: where for code, where in used_codes().items() if code not in cat}
    assert missing == {}


def test_the_scan_finds_codes():
    codes = used_codes()
    assert "common.cancelled" in codes  # default_code of Cancelled
    assert any(c.startswith("io.") for c in codes) and any(c.startswith("demo.") for c in codes)


# -- (b) every template is complete in both languages ------------------------------------------------------

@pytest.mark.parametrize("code", sorted(catalogue()))
def test_template_is_complete(code):
    m = catalogue()[code]
    assert isinstance(m, M)
    assert code.count(".") >= 1 and code == code.strip()
    assert m.en.strip() and m.zh.strip(), "both languages are needed"
    assert CJK.search(m.zh), f"the Chinese of {code} has no Chinese characters: {m.zh!r}"
    assert (m.hint_en is None) == (m.hint_zh is None), "a hint comes in both languages or not at all"
    if m.hint_zh is not None:
        assert m.hint_en.strip() and m.hint_zh.strip() and CJK.search(m.hint_zh)
    en = template_fields(m.en) | template_fields(m.hint_en or "")
    zh = template_fields(m.zh) | template_fields(m.hint_zh or "")
    assert en == zh, f"{code}: the languages use different parameters"


def test_codes_are_namespaced_by_area():
    """A code lives in the module of its area (io.* in io.py, ...), so each team fills its own file."""
    import importlib

    for area in ("common", "io", "demo", "app"):
        mod = importlib.import_module(f"sinkmap.core.messages.{area}")
        wrong = [c for c in mod.MESSAGES if not c.startswith(area + ".")]
        assert wrong == [], area


@pytest.mark.parametrize("lang", LANGS)
def test_every_template_renders_with_dummy_parameters(lang):
    for code, m in catalogue().items():
        names = (template_fields(m.en) | template_fields(m.zh) | template_fields(m.hint_en or "")
                 | template_fields(m.hint_zh or ""))
        for dummy in ("x", 3, 2.5):
            text = render(code, {n: dummy for n in names}, lang)
            assert text and "{" not in text.replace("{{", "").replace("}}", ""), (code, text)
        notice = Notice(code, **{n: "x" for n in names})
        assert notice.render(lang) and str(notice)


# -- (c) no legacy text -----------------------------------------------------------------------------------

def test_no_legacy_text_anywhere():
    """Every error and warning a user can see has a code (and so both languages)."""
    assert legacy_messages() == []


def test_the_legacy_scan_catches_text():
    tree = ast.parse("def f(fb, p):\n    msg = f'bad {p}'\n    fb.warn(msg)\n    fb.warn(Notice('io.x'))\n"
                     "    raise InputError('no', path=p)\n")
    rel = "sinkmap/io/example.py"
    SOURCES.append((rel, tree))
    try:
        found = [e for e in legacy_messages() if e.startswith(rel)]
    finally:
        SOURCES.pop()
    assert found == [f"{rel}:3 warn(msg)", f"{rel}:5 InputError('no')"]


# -- pickling ---------------------------------------------------------------------------------------------

def test_notice_and_coded_error_pickle_round_trip():
    notice = Notice("io.vector.encoding_guess", path="/d/x.shp", encoding="gb18030", confidence=92, detail="ok")
    back = pickle.loads(pickle.dumps(notice))
    assert back == notice and back.code == notice.code and back.render("zh_CN") == notice.render("zh_CN")

    err = CRSError(code="io.vector.no_crs", path="/d/x.shp", layer="小班")
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is CRSError and back.code == err.code and back.path == err.path and back.layer == "小班"
    assert str(back) == str(err) and back.render("zh_CN") == err.render("zh_CN")
    assert CJK.search(back.render("zh_CN")) and not CJK.search(str(back).replace("小班", ""))


def test_error_renders_where_what_and_hint_in_both_languages():
    err = InputError(code="io.vector.no_features", path="/d/小班.shp", layer="小班")
    assert str(err).startswith("file /d/小班.shp, layer '小班': ")
    zh = err.render("zh_CN", path_text=lambda p: p.rsplit("/", 1)[-1])
    assert zh.startswith("文件 小班.shp，图层“小班”：") and "——" in zh
    assert isinstance(err, SinkmapError)


def test_display_message_text_for_the_cli():
    from sinkmap.core.messages import set_language
    from sinkmap.display import message_text

    err = InputError(code="io.file.missing", path="/d/小班.shp")
    notice = Notice("io.vector.assumed_lonlat", path="/d/小班.shp", layer="小班")
    assert message_text(err, "en") == str(err)
    assert message_text(err, "zh_CN") == "文件 /d/小班.shp：文件不存在——请检查文件夹和文件名（以及磁盘是否已连接）"
    assert message_text(notice, "zh_CN").startswith("文件 /d/小班.shp，图层“小班”：文件中没有坐标系")
    assert message_text("plain text", "zh_CN") == "plain text" and message_text(ValueError("x")) == "x"
    try:
        set_language("en")
        assert message_text(err) == str(err)
        set_language("zh_CN")
        assert message_text(notice) == notice.render("zh_CN")
    finally:
        set_language(None)


def test_nested_notices_and_clip():
    from sinkmap.core.messages import clip

    err = CRSError(code="io.crs.missing", path="/d/x.gpkg", epsg="EPSG:4490",
                   looks=Notice("io.crs.its_coordinates_look_like", guess=Notice("io.crs.guess.china_lonlat")))
    assert "its coordinates look like longitude/latitude in degrees inside China" in str(err)
    assert "其坐标看起来是中国境内的经纬度" in err.render("zh_CN")
    assert err.hint and "crs='EPSG:4490'" in err.hint  # the English hint of the code
    long = "GDAL: " + "x " * 400
    assert len(clip(long)) == 300 and clip(long).endswith("…") and clip("a\n  b") == "a b"
    # a numeric format spec given text does not break the message
    assert "{" not in render("io.shp.truncated", {"declared": "many", "actual": "few"}, "en")
