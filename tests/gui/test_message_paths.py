"""Messages in the window name files, not folders: the task panel and the status bar show a warning with
its file name only (so it fits in a few lines), the whole message stays in the tooltip and the log."""

from __future__ import annotations

import logging

import pytest

from sinkmap.core.feedback import ensure

POSIX = ("台账计算：长沙市 2025: layer '/root/.local/share/sinkmap/demo/sinkmap_demo_synthetic.gpkg "
         "(layer 湿地_演示数据_synthetic)': 37 invalid geometries (self-intersections…) were repaired")
POSIX_SHORT = ("台账计算：长沙市 2025: layer 'sinkmap_demo_synthetic.gpkg (layer 湿地_演示数据_synthetic)': "
               "37 invalid geometries (self-intersections…) were repaired")
WINDOWS = r"图层“小班”无法加载：file C:\Users\张三\数据\小班.shp: 图层没有要素 — choose another layer"
WINDOWS_SHORT = "图层“小班”无法加载：file 小班.shp: 图层没有要素 — choose another layer"
CARBON = ("台账计算：长沙市 2025: layer '/root/.local/share/sinkmap/demo/sinkmap_demo_synthetic.gpkg (layer "
          "小班_演示数据_synthetic)': 450 features with stock have a species the carbon table does not know "
          "(黄山松 ×348, 油茶 ×102): their carbon uses the default type 针阔混 — add aliases to "
          "/work/main/layers/carbon_factors.yaml")


@pytest.mark.parametrize("text, expected", [
    (POSIX, POSIX_SHORT),
    (WINDOWS, WINDOWS_SHORT),
    # quoted: folders may contain spaces; forward slashes after a drive letter too
    (r"layer 'D:\GIS data\长沙\湿地.gpkg (layer 湿地)': 3 invalid", "layer '湿地.gpkg (layer 湿地)': 3 invalid"),
    ('cannot read "/home/me/My Data/小班.gpkg"', 'cannot read "小班.gpkg"'),
    ("see D:/gis/dem.tif and ~/data/x.gpkg", "see dem.tif and x.gpkg"),
    (r"UNC \\server\share\dem\x.tif: no CRS", "UNC x.tif: no CRS"),
    ("add aliases to /work/main/layers/carbon_factors.yaml", "add aliases to carbon_factors.yaml"),
])
def test_absolute_paths_become_file_names(text, expected):
    from sinkmap.core.shortpaths import shorten_paths

    assert shorten_paths(text) == expected


@pytest.mark.parametrize("text", [
    "长沙市's target is a city-wide total; see the city row",  # an apostrophe is no quote
    "see https://example.org/a/b.html",  # URLs are not file paths
    "50 m/s, 森林/湿地, ratio 3 / 4, layers/carbon_factors.yaml",  # not absolute paths
])
def test_other_text_is_left_alone(text):
    from sinkmap.core.shortpaths import shorten_paths

    assert shorten_paths(text) == text


# a plain string is shown as written (paths shortened); warnings by code are rendered in the interface
# language (tests/gui/test_warning_text.py)
@pytest.mark.parametrize("text, short", [(POSIX, POSIX_SHORT), (WINDOWS, WINDOWS_SHORT)])
def test_panel_and_status_bar_show_file_names(app, qtbot, caplog, text, short):
    from sinkmap.gui.taskdock import TaskPanel
    from sinkmap.gui.tasks import TaskManager

    panel = TaskPanel(TaskManager())
    qtbot.addWidget(panel)
    status = []
    panel.message.connect(status.append)
    with caplog.at_level(logging.INFO, logger="sinkmap"):
        panel.add_message(text, "warning")
    assert status == [short]  # the status bar's line
    shown = panel.shown_texts()[0]
    assert shown.endswith(f"  {short}") and "Users" not in shown and "/root/" not in shown
    item = panel.messages.item(0)
    assert item.toolTip() == text  # whole on hover
    assert panel.message_texts()[0].endswith(f"  {text}")  # and for callers that need the paths
    assert any(r.levelno == logging.WARNING and text in r.getMessage() for r in caplog.records)  # whole in the log


def _warns(path: str, feedback=None) -> str:
    ensure(feedback).warn(f"layer '{path} (layer 湿地)': 2 invalid geometries were repaired")
    return "done"


def test_task_warning_reaches_the_panel_short(app, qtbot):
    from sinkmap.gui.taskdock import TaskPanel
    from sinkmap.gui.tasks import TaskManager

    tm = TaskManager()
    panel = TaskPanel(tm)
    qtbot.addWidget(panel)
    task = tm.submit("台账计算", _warns, "/data/项目/湿地.gpkg")
    with qtbot.waitSignal(task.ended, timeout=10_000):
        pass
    qtbot.waitUntil(lambda: bool(panel.shown_texts()), timeout=5_000)
    assert panel.shown_texts()[-1].endswith("台账计算: layer '湿地.gpkg (layer 湿地)': 2 invalid geometries were repaired")
    assert "/data/项目/湿地.gpkg" in panel.messages.item(panel.messages.count() - 1).toolTip()


def test_long_message_takes_three_lines_until_clicked(app, qtbot, tmp_path):
    from sinkmap.gui.taskdock import MessageDelegate, TaskPanel
    from sinkmap.gui.tasks import TaskManager

    panel = TaskPanel(TaskManager())
    qtbot.addWidget(panel)
    panel.resize(252, 470)  # the task dock's width in the default window
    panel.show()
    for text in (POSIX, CARBON, WINDOWS):
        panel.add_message(text, "warning")
    qtbot.waitExposed(panel)
    lists = panel.messages
    line = lists.fontMetrics().lineSpacing()
    cap = MessageDelegate.MAX_LINES * line + 4
    heights = [lists.visualItemRect(lists.item(i)).height() for i in range(lists.count())]
    assert all(h <= cap for h in heights), heights
    assert heights[1] > 2 * line  # the long one uses its three lines
    # clicked (selected), the carbon warning opens to its whole text: at least six lines at this width
    carbon = lists.item(1)
    lists.setCurrentItem(carbon)
    qtbot.waitUntil(lambda: lists.visualItemRect(carbon).height() >= 6 * line, timeout=2_000)
    assert panel.grab().save(str(tmp_path / "messages.png"))
