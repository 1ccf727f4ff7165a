"""The exported web map in the app: a 网页地图 tab showing the HTML file.

With QtWebEngine (the full PySide6) the page is shown in the tab — it needs no network, like in any
browser. PySide6-Essentials, what the ``gui`` extra installs, has no QtWebEngine: the tab then names the file
and opens it in the system browser. Added when an ``export.html`` run ends (:func:`preview_outputs`).
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDockWidget, QLabel, QPushButton, QVBoxLayout, QWidget

from .i18n import tr


def web_engine_available() -> bool:
    try:
        from PySide6.QtWebEngineWidgets import QWebEngineView  # noqa: F401
    except ImportError:
        return False
    return True


def allow_web_engine_as_root(environ=os.environ) -> bool:
    """Let QtWebEngine start for a root user (containers, CI). Its Chromium refuses to run as root with its
    sandbox on and then ends the whole process ("Running as root without --no-sandbox is not supported"):
    the app would vanish on the first export. For root only, the sandbox is switched off
    (``QTWEBENGINE_DISABLE_SANDBOX``, read when the first view starts); the tab shows only pages sinkmap wrote,
    whose attribute text is escaped. True when it did."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or "QTWEBENGINE_DISABLE_SANDBOX" in environ:
        return False
    environ["QTWEBENGINE_DISABLE_SANDBOX"] = "1"
    return True


class WebPreview(QWidget):
    """One exported page: in a QWebEngineView when there is one, else a button to the system browser."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path: Path | None = None
        self.view = None
        layout = QVBoxLayout(self)
        self.note = QLabel(tr("尚未导出网页地图"), self)
        self.note.setTextFormat(Qt.TextFormat.PlainText)  # a file name is text, never markup
        self.note.setWordWrap(True)
        self.open_button = QPushButton(tr("在系统浏览器中打开"), self)
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self.open_in_browser)
        if web_engine_available():
            from PySide6.QtWebEngineWidgets import QWebEngineView

            allow_web_engine_as_root()
            self.view = QWebEngineView(self)
            layout.addWidget(self.view, 1)
        layout.addWidget(self.note)
        layout.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignLeft)
        if self.view is None:
            layout.addStretch(1)

    def show_file(self, path: Path) -> None:
        self.path = Path(path)
        self.open_button.setEnabled(True)
        if self.view is not None:
            self.view.setUrl(QUrl.fromLocalFile(str(self.path.resolve())))
            self.note.setText(str(self.path))
        else:
            self.note.setText(tr("本机的 Qt 不含 QtWebEngine，网页地图请在系统浏览器中查看：") + "\n" + str(self.path))

    def url(self) -> QUrl | None:
        return QUrl.fromLocalFile(str(self.path.resolve())) if self.path else None

    def open_in_browser(self) -> bool:
        url = self.url()
        return bool(url is not None and QDesktopServices.openUrl(url))


def preview_outputs(win, outputs) -> WebPreview | None:
    """Show the first HTML file among a run's ``outputs`` in the window's 网页地图 tab (made on first use)."""
    html = next((o.path for o in outputs if Path(o.path).suffix.lower() in (".html", ".htm")), None)
    if html is None:
        return None
    dock = win.docks.get("web")
    if dock is None:
        dock = QDockWidget(tr("网页地图"), win)
        dock.setObjectName("dock_web")
        dock.setWidget(WebPreview(dock))
        win.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        if "ledger" in win.docks:
            win.tabifyDockWidget(win.docks["ledger"], dock)
        win.docks["web"] = dock
    preview = dock.widget()
    preview.show_file(Path(html))
    dock.show()
    dock.raise_()
    return preview
