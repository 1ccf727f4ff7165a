"""The app's first start (issue 15): the map as drawn at the last start is painted at once and replaced by
the layers; heavy work waits for the first frame; the demo build shows its progress; the startup probe
reports the first frame; the kernels' warm-up starts only when due. No timings (benchmarks/app_start.py)."""

from __future__ import annotations

import io
import json
import os

import pytest


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SINKMAP_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _project(gpkg):
    from sinkmap.core.project import LayerSpec, Project

    return Project(layers=[LayerSpec(name="区县", path=str(gpkg), layer="counties")])


def _open(qtbot, project, **kw):
    from sinkmap.gui.app import build_window

    win = build_window(project, "zh_CN", compute_ledger=False, **kw)
    win.quiet = True
    qtbot.addWidget(win)
    win.resize(900, 600)
    return win


def _drawn(win):
    return win.canvas.is_idle() and not win.tasks.busy


def test_the_next_start_paints_the_last_map_until_the_layers_are_drawn(app, qtbot, home, counties_gpkg):
    from sinkmap.gui.canvas import preview

    win = _open(qtbot, _project(counties_gpkg))
    assert win.canvas.preview is None  # nothing drawn before: no picture
    win.show()
    qtbot.waitUntil(lambda: _drawn(win) and win.canvas._preview_saved, timeout=20_000)
    win.canvas.wait_preview_saved()
    sig = win.canvas.opening_signature
    saved = preview.load(preview.key_of(sig))
    assert saved is not None and saved.signature == sig
    assert (saved.image.width(), saved.image.height()) == (win.canvas.width(), win.canvas.height())
    assert saved.viewport.same_frame(win.canvas.viewport)
    counties = saved.image.pixelColor(saved.image.width() // 2, saved.image.height() // 2)
    win.close()

    again = _open(qtbot, _project(counties_gpkg))  # the same layers: the picture at once, before any data
    assert again.canvas.preview is not None and not again.registry.data
    assert again.canvas.preview.signature == again.canvas.opening_signature
    again.show()
    assert again.canvas.viewport.center_x == pytest.approx(saved.viewport.center_x)
    image = again.grab().toImage()  # the first frame already shows the map
    local = again.canvas.mapTo(again, again.canvas.rect().center())
    assert image.pixelColor(local.x(), local.y()) == counties
    qtbot.waitUntil(lambda: _drawn(again), timeout=20_000)
    again.canvas.repaint()
    assert again.canvas.preview is None  # replaced by the layer's own image
    again.close()


def test_a_changed_file_or_layer_drops_the_picture(app, qtbot, home, counties_gpkg):
    from sinkmap.gui.canvas import preview

    win = _open(qtbot, _project(counties_gpkg))
    win.show()
    qtbot.waitUntil(lambda: _drawn(win) and win.canvas._preview_saved, timeout=20_000)
    win.canvas.wait_preview_saved()
    win.close()
    st = os.stat(counties_gpkg)
    os.utime(counties_gpkg, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # the file changed on disk
    changed = _open(qtbot, _project(counties_gpkg))
    assert changed.canvas.preview is None
    changed.close()
    os.utime(counties_gpkg, ns=(st.st_atime_ns, st.st_mtime_ns))
    same = _open(qtbot, _project(counties_gpkg))
    assert same.canvas.preview is not None
    same.registry.project.set_visible(same.registry.project.layers[0].id, False)
    assert same.canvas.preview is None  # the map shown is no longer the picture's
    same.close()
    assert preview.load("no-such-key") is None


def test_the_ledger_waits_for_the_first_frame(app, qtbot, home, counties_gpkg, monkeypatch):
    from sinkmap.gui import app as app_module
    from sinkmap.gui.dashboard import LedgerDashboard

    started = []
    monkeypatch.setattr(LedgerDashboard, "compute", lambda self: started.append(True))
    win = app_module.build_window(_project(counties_gpkg), "zh_CN")
    win.quiet = True
    qtbot.addWidget(win)
    assert win._deferred == 1 and not win.dashboard._debounce.isActive()
    assert not app_module.window_settled(win)  # a screenshot waits for the ledger too
    win.show()
    qtbot.waitUntil(lambda: bool(started), timeout=20_000)
    assert win.registry.data and win.canvas.is_idle()  # the layers were drawn first
    assert win._deferred == 0
    win.close()


def test_the_demo_build_notice_shows_its_stage_and_progress(app):
    from sinkmap.gui.app import demo_build_text

    text = demo_build_text(0.354, "森林资源小班")
    assert "首次启动" in text and "35%" in text and "森林资源小班" in text
    assert "0%" in demo_build_text(0.0, "")


def test_the_startup_probe_reports_the_first_frame_and_the_drawn_layers(app, qtbot, home, counties_gpkg, monkeypatch):
    from sinkmap.gui.startup_bench import StartupProbe, since_start

    win = _open(qtbot, _project(counties_gpkg))
    out = io.StringIO()
    probe = StartupProbe(win, out)
    quits = []
    monkeypatch.setattr(probe, "_quit", lambda code=0: quits.append(code))
    probe.install()
    win.show()
    qtbot.waitUntil(lambda: bool(quits), timeout=20_000)
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [e["event"] for e in events] == ["first_frame", "layers_drawn"]
    assert events[0]["source"] == "layers" and events[0]["layers"] == 1
    assert 0 < events[0]["s"] <= events[1]["s"] <= since_start() + 0.0005  # the events' times are rounded to 1 ms
    assert events[1]["cpu_s"] > 0 and quits == [0]
    win.close()


def test_the_warm_up_starts_in_a_worker_process_only_when_due(monkeypatch):
    from sinkmap.gui import app as app_module
    from sinkmap.jobs import _warmup

    class Tasks:
        def __init__(self):
            self.submitted = []

        def submit(self, title, fn, *args, on_done=None, process=False, **kw):
            self.submitted.append((fn, process))
            if not process and on_done is not None:
                on_done(fn())

    class Win:
        tasks = Tasks()

    for cached, expected in ((True, []), (False, [(_warmup.warm_up_all, True)])):
        monkeypatch.setattr(_warmup, "kernels_cached", lambda c=cached: c)
        win = Win()
        win.tasks = Tasks()
        app_module.start_warm_up(win)
        assert win.tasks.submitted[1:] == expected
        assert win.tasks.submitted[0][1] is False  # the cache check itself: a thread
