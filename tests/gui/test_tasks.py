"""Background tasks: progress, a working Cancel that leaves nothing half-done, errors as messages."""

from __future__ import annotations

import time
from pathlib import Path

from sinkmap.core.errors import InputError
from sinkmap.core.feedback import ensure
from sinkmap.io.atomic import atomic_write


NO_FEATURES_ZH = "文件 /data/小班.shp：图层中没有要素——请确认选对了文件和图层，或确认生成它的导出已完成"

def write_chunks(path: Path, n: int, delay: float, feedback=None) -> Path:
    """Writes n lines with a cancel checkpoint between them; the file appears only when complete."""
    feedback = ensure(feedback)
    with atomic_write(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            feedback.check()
            fh.write(f"line {i}\n")
            feedback.progress((i + 1) / n, f"{i + 1}/{n}")
            time.sleep(delay)
    return path


def test_task_result_and_progress(app, qtbot, tmp_path):
    from sinkmap.gui.tasks import TaskManager

    tm = TaskManager()
    seen = []
    task = tm.submit("写文件", write_chunks, tmp_path / "out.txt", 5, 0.0)
    task.progressed.connect(lambda f, t: seen.append(f))
    with qtbot.waitSignal(task.finished, timeout=10_000) as blocker:
        pass
    assert blocker.args[0] == tmp_path / "out.txt"
    assert (tmp_path / "out.txt").read_text(encoding="utf-8").count("\n") == 5
    assert task.state == "finished" and not tm.busy


def test_cancel_leaves_nothing_half_done(app, qtbot, tmp_path):
    from sinkmap.gui.tasks import TaskManager

    tm = TaskManager()
    target = tmp_path / "out.txt"
    task = tm.submit("写文件", write_chunks, target, 1000, 0.005)
    qtbot.waitUntil(lambda: task.fraction > 0.005, timeout=10_000)
    with qtbot.waitSignal(task.cancelled, timeout=10_000):
        task.cancel()
    assert task.state == "cancelled"
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind either


def test_cancel_keeps_the_previous_file(app, qtbot, tmp_path):
    from sinkmap.gui.tasks import TaskManager

    target = tmp_path / "out.txt"
    target.write_text("old\n", encoding="utf-8")
    task = TaskManager().submit("写文件", write_chunks, target, 1000, 0.005)
    qtbot.waitUntil(lambda: task.fraction > 0.005, timeout=10_000)
    with qtbot.waitSignal(task.cancelled, timeout=10_000):
        task.cancel()
    assert target.read_text(encoding="utf-8") == "old\n"


def _fail_input(feedback=None):
    raise InputError(code="io.vector.no_features", path="/data/小班.shp")


def _fail_bug(feedback=None):
    raise ValueError("boom")


def test_errors_become_readable_messages(app, qtbot):
    from sinkmap.gui.taskdock import TaskPanel
    from sinkmap.gui.tasks import TaskManager

    tm = TaskManager()
    panel = TaskPanel(tm)
    t1 = tm.submit("读取", _fail_input)
    with qtbot.waitSignal(t1.failed, timeout=10_000) as b1:
        pass
    assert b1.args[0] == NO_FEATURES_ZH  # rendered in the interface language
    t2 = tm.submit("计算", _fail_bug)
    with qtbot.waitSignal(t2.failed, timeout=10_000) as b2:
        pass
    assert "ValueError: boom" in b2.args[0] and "Traceback" not in b2.args[0]
    qtbot.waitUntil(lambda: len(panel.message_texts()) == 2, timeout=5_000)
    texts = panel.shown_texts()  # in the interface language; message_texts() keeps the English
    assert any("the layer has no features" in t for t in panel.message_texts())
    assert any("图层中没有要素" in t for t in texts) and any("ValueError: boom" in t for t in texts)


def test_process_task_result_progress_and_cancel(app, qtbot, tmp_path):
    """The same calls in a worker process: result, progress relayed, cancel honoured, nothing written."""
    from sinkmap.gui.tasks import TaskManager

    tm = TaskManager()
    seen = []
    ok = tm.submit("写文件", write_chunks, tmp_path / "a.txt", 5, 0.0, process=True)
    ok.progressed.connect(lambda f, t: seen.append(f))
    with qtbot.waitSignal(ok.finished, timeout=60_000):
        pass
    assert (tmp_path / "a.txt").read_text(encoding="utf-8").count("\n") == 5
    target = tmp_path / "b.txt"
    slow = tm.submit("写文件", write_chunks, target, 2000, 0.005, process=True)
    qtbot.waitUntil(lambda: slow.fraction > 0.005, timeout=60_000)
    with qtbot.waitSignal(slow.cancelled, timeout=30_000):
        slow.cancel()
    assert not target.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_process_task_errors_are_messages(app, qtbot):
    from sinkmap.gui.tasks import TaskManager

    tm = TaskManager()
    t1 = tm.submit("读取", _fail_input, process=True)
    with qtbot.waitSignal(t1.failed, timeout=60_000) as b1:
        pass
    assert b1.args[0] == NO_FEATURES_ZH  # rendered in the interface language
    t2 = tm.submit("计算", _fail_bug, process=True)
    with qtbot.waitSignal(t2.failed, timeout=60_000) as b2:
        pass
    assert "ValueError: boom" in b2.args[0] and "Traceback" not in b2.args[0]
