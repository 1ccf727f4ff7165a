"""Menus and the toolbar of the main window, built from one table of actions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QAction, QActionGroup, QIcon, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QToolBar

from .i18n import tr

ICONS = Path(__file__).parent / "resources" / "icons"


def icon(name: str) -> QIcon:
    path = ICONS / f"{name}.svg"
    return QIcon(str(path)) if path.is_file() else QIcon()


def make_action(parent, text: str, slot: Callable | None = None, icon_name: str | None = None,
                shortcut: str | QKeySequence.StandardKey | None = None, checkable: bool = False,
                tip: str | None = None) -> QAction:
    act = QAction(text, parent)
    if icon_name:
        act.setIcon(icon(icon_name))
    if shortcut is not None:
        act.setShortcut(QKeySequence(shortcut) if isinstance(shortcut, str) else shortcut)
    act.setCheckable(checkable)
    if tip:
        act.setToolTip(tip)
        act.setStatusTip(tip)
    if slot is not None:
        act.triggered.connect(lambda _checked=False: slot())
    return act


def build_menus(win: QMainWindow) -> dict[str, QAction]:
    """Create the actions, menus and toolbar of ``win`` (a MainWindow); returns actions by key."""
    A: dict[str, QAction] = {}
    S = QKeySequence.StandardKey
    A["new"] = make_action(win, tr("新建项目"), win.new_project, None, S.New)
    A["open"] = make_action(win, tr("打开项目…"), win.open_project_dialog, "open", S.Open)
    A["save"] = make_action(win, tr("保存项目"), win.save_project, "save", S.Save)
    A["save_as"] = make_action(win, tr("项目另存为…"), win.save_project_as, None, S.SaveAs)
    A["add_vector"] = make_action(win, tr("添加矢量图层…"), win.add_vector_dialog, "add_vector", "Ctrl+Shift+V")
    A["add_raster"] = make_action(win, tr("添加栅格图层…"), win.add_raster_dialog, "add_raster", "Ctrl+Shift+R")
    A["export_png"] = make_action(win, tr("导出地图图片…"), win.export_png_dialog)
    A["export_package"] = make_action(win, tr("导出外业数据包…"), win.export_package_dialog)
    A["quit"] = make_action(win, tr("退出"), win.close, None, S.Quit)
    A["zoom_full"] = make_action(win, tr("全图"), win.canvas.zoom_full, "zoom_full", "Ctrl+Shift+F")
    A["zoom_in"] = make_action(win, tr("放大"), lambda: win.canvas.zoom_by(1.5), "zoom_in", S.ZoomIn)
    A["zoom_out"] = make_action(win, tr("缩小"), lambda: win.canvas.zoom_by(1 / 1.5), "zoom_out", S.ZoomOut)
    A["zoom_layer"] = make_action(win, tr("缩放到图层"), win.zoom_to_current_layer)
    A["zoom_selection"] = make_action(win, tr("缩放到选中要素"), win.zoom_to_selection)
    tools = QActionGroup(win)
    for key, text, name in (("pan", tr("平移"), "pan"), ("zoom_box", tr("框选放大"), "zoom_box"),
                            ("identify", tr("识别要素"), "identify"), ("select", tr("选择要素"), "select"),
                            ("draw", tr("绘制区域"), None)):
        A[f"tool_{key}"] = make_action(win, text, lambda k=key: win.set_tool(k), name, checkable=True)
        tools.addAction(A[f"tool_{key}"])
    A["tool_pan"].setChecked(True)
    A["clear_selection"] = make_action(win, tr("清除选择"), win.clear_selection, "clear_selection")
    A["table"] = make_action(win, tr("打开属性表"), win.open_attribute_table, "table", "F6")
    A["remove_layer"] = make_action(win, tr("移除图层"), win.remove_current_layer)
    A["ledger"] = make_action(win, tr("计算台账"), win.dashboard.compute, "ledger", "F9")
    A["lang_zh"] = make_action(win, "中文", lambda: win.set_language("zh_CN"), checkable=True)
    A["lang_en"] = make_action(win, "English", lambda: win.set_language("en"), checkable=True)
    langs = QActionGroup(win)
    for k in ("lang_zh", "lang_en"):
        langs.addAction(A[k])
    A["lang_en" if win.lang == "en" else "lang_zh"].setChecked(True)
    A["about"] = make_action(win, tr("关于 sinkmap"), win.about)

    bar = win.menuBar()
    m_file = bar.addMenu(tr("文件(&F)"))
    for k in ("new", "open", "save", "save_as", None, "add_vector", "add_raster", None, "export_png", "export_package", None,
              "quit"):
        m_file.addSeparator() if k is None else m_file.addAction(A[k])
    m_view = bar.addMenu(tr("视图(&V)"))
    for k in ("zoom_full", "zoom_in", "zoom_out", "zoom_layer", "zoom_selection"):
        m_view.addAction(A[k])
    m_view.addSeparator()
    win.panels_menu = m_view.addMenu(tr("面板"))
    lang_menu: QMenu = m_view.addMenu(tr("界面语言"))
    lang_menu.addAction(A["lang_zh"])
    lang_menu.addAction(A["lang_en"])
    m_layer = bar.addMenu(tr("图层(&L)"))
    for k in ("add_vector", "add_raster", "table", "zoom_layer", "remove_layer"):
        m_layer.addAction(A[k])
    m_tools = bar.addMenu(tr("工具(&T)"))
    for k in ("tool_pan", "tool_zoom_box", "tool_identify", "tool_select", "clear_selection", "tool_draw"):
        m_tools.addAction(A[k])
    m_ledger = bar.addMenu(tr("台账(&D)"))
    m_ledger.addAction(A["ledger"])
    m_help = bar.addMenu(tr("帮助(&H)"))
    m_help.addAction(A["about"])

    tb = QToolBar(tr("地图工具"), win)
    tb.setObjectName("map_toolbar")
    for k in ("open", "save", None, "add_vector", "add_raster", None, "tool_pan", "tool_zoom_box", "zoom_in",
              "zoom_out", "zoom_full", None, "tool_identify", "tool_select", "clear_selection", "table", None,
              "ledger"):
        tb.addSeparator() if k is None else tb.addAction(A[k])
    win.addToolBar(tb)
    return A
