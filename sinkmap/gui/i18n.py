"""Interface language: Chinese by default, English through a Qt translation.

Source strings in the code are the Chinese text users see by default (``tr("图层")``); the English
translation lives in ``resources/i18n/sinkmap_en.ts`` (Qt Linguist XML, context ``sinkmap``). At start
the ``.ts`` is compiled with ``pyside6-lrelease`` (shipped in PySide6-Essentials) into the user's cache
folder and loaded by a QTranslator; if lrelease is missing, :class:`TsTranslator` reads the ``.ts``
directly. The language comes from ``--lang``, else the ``ui/language`` QSettings value, else zh_CN.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QSettings, QTranslator

log = logging.getLogger(__name__)

CONTEXT = "sinkmap"
LANGUAGES = ("zh_CN", "en")
I18N_DIR = Path(__file__).parent / "resources" / "i18n"
SETTINGS_KEY = "ui/language"


def tr(text: str) -> str:
    """Translate an interface string (Chinese source text) into the current language."""
    return QCoreApplication.translate(CONTEXT, text)


def current_language() -> str:
    """The interface language of this process (set once at start)."""
    app = QCoreApplication.instance()
    return getattr(app, "_sinkmap_lang", None) or "zh_CN"


def is_english() -> bool:
    return current_language() == "en"


def name_of(obj) -> str:
    """``obj.name_zh`` or, in English, ``obj.name_en`` (indicators, scheme classes)."""
    return getattr(obj, "name_en", None) if is_english() and getattr(obj, "name_en", None) else obj.name_zh


def ts_path(lang: str) -> Path:
    return I18N_DIR / f"sinkmap_{lang}.ts"


def read_ts(path: Path) -> dict[str, str]:
    """source -> translation for context ``sinkmap`` (unfinished or empty translations skipped)."""
    out: dict[str, str] = {}
    root = ET.parse(path).getroot()
    for ctx in root.iter("context"):
        name = ctx.findtext("name")
        if name != CONTEXT:
            continue
        for msg in ctx.iter("message"):
            src = msg.findtext("source")
            tr_el = msg.find("translation")
            if src is None or tr_el is None or not (tr_el.text or "").strip():
                continue
            if tr_el.get("type") in ("unfinished", "obsolete", "vanished"):
                continue
            out[src] = tr_el.text
    return out


class TsTranslator(QTranslator):
    """A translator reading the .ts file itself (fallback when lrelease is unavailable)."""

    def __init__(self, path: Path, parent=None) -> None:
        super().__init__(parent)
        self.table = read_ts(path)

    def translate(self, context, source_text, disambiguation=None, n=-1):  # noqa: D401 - Qt override
        # None (a null string) tells Qt "no translation here": it then tries other translators and
        # finally shows the source text. An empty string would blank Qt's own buttons.
        if context != CONTEXT:
            return None
        return self.table.get(source_text) or None

    def isEmpty(self) -> bool:  # noqa: N802 - Qt name
        return not self.table


def _lrelease() -> str | None:
    import PySide6

    for cand in (Path(PySide6.__file__).parent / "lrelease", Path(PySide6.__file__).parent / "lrelease.exe"):
        if cand.is_file():
            return str(cand)
    return shutil.which("pyside6-lrelease") or shutil.which("lrelease")


def compiled_qm(lang: str) -> Path | None:
    """The .qm for ``lang``, compiled from the .ts into the cache when missing. Its name carries a hash of
    the .ts, so two installs (or checkouts) sharing the cache never load each other's translations."""
    import hashlib

    from ..io.catalogue import cache_dir

    ts = ts_path(lang)
    if not ts.is_file():
        return None
    digest = hashlib.sha1(ts.read_bytes()).hexdigest()[:12]
    qm = cache_dir() / "i18n" / f"sinkmap_{lang}_{digest}.qm"
    if qm.is_file():
        return qm
    tool = _lrelease()
    if tool is None:
        return None
    qm.parent.mkdir(parents=True, exist_ok=True)
    tmp = qm.with_suffix(".qm.tmp")
    try:
        subprocess.run([tool, "-silent", str(ts), "-qm", str(tmp)], check=True, capture_output=True, timeout=60)
        tmp.replace(qm)
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("could not compile %s with lrelease (%s); reading the .ts directly", ts, exc)
        return None
    return qm


def resolve_language(requested: str | None) -> str:
    """--lang wins, then the saved setting, then Chinese."""
    if requested in LANGUAGES:
        return requested
    saved = QSettings().value(SETTINGS_KEY, "zh_CN")
    return saved if saved in LANGUAGES else "zh_CN"


def save_language(lang: str) -> None:
    QSettings().setValue(SETTINGS_KEY, lang)


def install_qt_translation(app: QCoreApplication, lang: str) -> QTranslator | None:
    """Qt's own words (standard buttons, file and colour dialogs) in ``lang``, from the qtbase_*.qm files
    PySide6 ships; None when there are none (English needs none)."""
    translator = QTranslator(app)
    if translator.load(QLocale(lang), "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(translator)
        return translator
    return None


def install_translator(app: QCoreApplication, lang: str) -> QTranslator | None:
    """Install the translation for ``lang`` (None for Chinese, the source language: then only Qt's own
    words need a translation, so that OK / Cancel read 确定 / 取消). Messages by code (warnings, errors:
    :mod:`sinkmap.core.messages`) are rendered in ``lang`` from now on too."""
    from ..core.messages import set_language

    set_language(lang)
    if lang.startswith("zh"):
        install_qt_translation(app, lang)
        return None
    translator: QTranslator | None = None
    qm = compiled_qm(lang)
    if qm is not None:
        translator = QTranslator(app)
        if not translator.load(str(qm)):
            translator = None
    if translator is None and ts_path(lang).is_file():
        translator = TsTranslator(ts_path(lang), app)
    if translator is not None:
        app.installTranslator(translator)
    return translator
