"""Starting the desktop application, and ``--screenshot`` (render the window to a PNG and quit).

``main(argv)`` is what ``sinkmap`` (no command), ``sinkmap gui`` and ``sinkmap --screenshot PATH`` call
with the options ``--screenshot PATH``, ``--project FILE`` and ``--lang zh_CN|en``. The window opens at
once on the project (or the demo world, whose layers load in the background), so nothing blocks the
first frame.

``--screenshot`` needs no display: without ``DISPLAY``/``WAYLAND_DISPLAY`` it uses Qt's offscreen
platform. It waits until every layer is drawn and the ledger computed, at most
``SINKMAP_SCREENSHOT_TIMEOUT`` seconds (default :data:`SCREENSHOT_TIMEOUT_S`; a fresh data folder first
builds the demo world, about a minute). When no layer loads it writes nothing and exits with status 1;
when drawing does not finish in time it saves what is drawn and exits with status 1, saying so.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from ..core.errors import SinkmapError
from ..core.project import Project
from ..io import project_file
from .fonts import install_cjk_font
from .i18n import install_translator, resolve_language, tr

log = logging.getLogger(__name__)

DEFAULT_SIZE = (1500, 920)
SCREENSHOT_TIMEOUT_S = 180.0


class ScreenshotIncomplete(Exception):
    """The screenshot could not show what it should (message in the interface language)."""


def screenshot_timeout() -> float:
    try:
        return max(1.0, float(os.environ.get("SINKMAP_SCREENSHOT_TIMEOUT", SCREENSHOT_TIMEOUT_S)))
    except ValueError:
        return SCREENSHOT_TIMEOUT_S


def use_offscreen_without_display(environ=os.environ) -> bool:
    """Select Qt's offscreen platform when there is no display and no platform chosen (for --screenshot).
    True when it did."""
    if sys.platform in ("win32", "darwin") or environ.get("QT_QPA_PLATFORM"):
        return False
    if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return False
    environ["QT_QPA_PLATFORM"] = "offscreen"
    return True


def _setup_logging() -> None:
    from ..io.catalogue import data_home

    folder = data_home() / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger("sinkmap")
    if not any(isinstance(h, logging.FileHandler) for h in root.handlers):
        handler = logging.FileHandler(folder / "sinkmap.log", encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
        root.setLevel(logging.INFO)


def calm_gc() -> None:
    """Move every object alive now out of the cyclic collector's reach (``gc.freeze``).

    A full collection walks every tracked object with the GIL held; after the imports and after a big
    layer is loaded that walk costs the GUI thread 100 ms and more. Frozen objects are still freed by
    reference counting; only cycles among them wait for :func:`gc_release`.
    """
    gc.freeze()


def gc_release() -> None:
    """Give frozen objects back to the collector (after layers are removed or a project closed)."""
    gc.unfreeze()


def create_app(lang: str | None = None) -> tuple[QApplication, str]:
    """The QApplication (created once) with the CJK font and the translation for ``lang`` installed."""
    QCoreApplication.setOrganizationName("sinkmap")
    QCoreApplication.setApplicationName("sinkmap")
    if QApplication.instance() is None:
        # QtWebEngine (the full PySide6: the 网页地图 tab) needs shared OpenGL contexts, set before the
        # application exists; harmless without it
        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication.instance() or QApplication(sys.argv[:1] or ["sinkmap"])
    install_cjk_font(app)
    lang = resolve_language(lang)
    if not getattr(app, "_sinkmap_lang", None):
        install_translator(app, lang)
        app._sinkmap_lang = lang  # one translator per process: the language applies at start
    return app, getattr(app, "_sinkmap_lang", lang)


def build_window(project: str | Path | Project | None = None, lang: str | None = None, *,
                 demo: bool = True, compute_ledger: bool = True):
    """Create the main window on ``project`` (path or Project), else on the demo world."""
    from ..carto.demo_map import demo_cities
    from .mainwindow import MainWindow

    from .canvas import preview

    app, lang = create_app(lang)
    _setup_logging()
    win = MainWindow(lang=lang)
    if isinstance(project, Project):
        win.set_project(project)
        _open_with_preview(win, lang)
    elif project is not None:
        if not win.open_project(project):
            raise SinkmapError(code="app.project.cannot_open", path=project)
        _open_with_preview(win, lang)
    else:
        base = Project(city="长沙市", year=2025)
        win.set_project(base)
        boundaries = demo_boundaries(*demo_cities())
        with win.unchanged():  # the bundled boundaries draw at once; the demo's layers follow when ready
            base.add_layer(boundaries)
        if not demo:
            win.canvas.set_opening()
        else:
            first = not demo_is_ready()
            if first:  # the one-time build (about a minute): say so on the map, with its stage and progress
                win.canvas.set_overlay(demo_build_text(0.0, ""))
            else:  # the map as drawn at the last start, until the demo's layers are drawn again
                shown = preview.load(preview.demo_alias(lang))
                if shown is not None:
                    win.canvas.set_preview(shown)

            def done(r):
                win.canvas.set_overlay("")
                _add_demo(win, r[0], r[1])
                win.canvas.set_opening(aliases=(preview.demo_alias(lang),))

            task = win.tasks.submit(tr("生成演示数据（仅首次启动）") if first else tr("准备演示数据"),
                                    _demo_with_extent, base.display_crs, on_done=done,
                                    on_error=lambda _m: win.canvas.set_overlay(""),
                                    on_cancel=lambda: win.canvas.set_overlay(""))
            if first:
                task.progressed.connect(lambda f, text: win.canvas.set_overlay(demo_build_text(f, text)))
    if compute_ledger:  # after the first frame with the layers: the ledger does not compete with drawing them
        after_first_frame(win, lambda: win.dashboard.schedule(0))
    calm_gc()
    return win


def _open_with_preview(win, lang: str) -> None:
    """A project's layers are all known at once: its picture from the last start, and its opening signature."""
    from .canvas import preview

    project = win.registry.project
    shown = preview.load(preview.key_of(preview.signature(project.layers, project.display_crs, lang)))
    if shown is not None:
        win.canvas.set_preview(shown)
    win.canvas.set_opening()


def demo_build_text(fraction: float, stage: str) -> str:
    """The notice over the map while the demo world is built (first start): what, how far, which stage."""
    head = tr("首次启动：正在生成演示数据（合成数据，只需生成一次，约 1 分钟）…")
    body = tr("区县界已显示，其余图层生成后自动出现。进度见“任务”面板。")
    line = tr("进度 {0}%").format(int(round(100 * max(0.0, min(1.0, fraction)))))
    if stage:
        line += " · " + stage
    return f"{head}\n{line}\n{body}"


def after_first_frame(win, fn: Callable[[], None], max_wait_ms: int = 20_000) -> None:
    """Run ``fn`` once the start's layers are all added and drawn and no background task is running (or
    after ``max_wait_ms``): heavy work (the ledger, the worker processes, the kernels' warm-up) then does
    not delay the first frame. Until then ``win._deferred`` counts it, so a screenshot waits for it."""
    from PySide6.QtCore import QTimer

    state = {"done": False}
    win._deferred = getattr(win, "_deferred", 0) + 1

    def fire():
        if state["done"]:
            return
        state["done"] = True
        win._deferred -= 1
        try:
            win.canvas.renderingIdle.disconnect(check)
        except (RuntimeError, TypeError):
            pass
        fn()

    def check():
        if win.canvas.opening_signature is not None and not win.tasks.busy and win.canvas.is_idle():
            fire()

    win.canvas.renderingIdle.connect(check)
    win.tasks.taskEnded.connect(lambda _t: check())
    QTimer.singleShot(max_wait_ms, fire)


def demo_is_ready() -> bool:
    """Is the demo world already generated (else the first start builds it, about a minute)?"""
    try:
        from ..demo.generate import DemoOptions, _is_current, demo_dir
    except ImportError:
        return True  # no generator: nothing will be built
    return _is_current(demo_dir(), DemoOptions())


def demo_layer_name(role: str) -> str:
    return {"forest": tr("森林资源小班（演示）"), "wetland": tr("湿地（演示）"), "protected": tr("自然保护地（演示）"),
            "projects": tr("规划项目（演示）"), "landcover": tr("土地覆盖·三调（演示）"),
            "dem": tr("数字高程模型（演示）"), "redline": tr("生态保护红线（演示）"),
            "farmland": tr("永久基本农田（演示）"), "roads": tr("道路（演示）"),
            "substations": tr("变电站（演示）")}.get(role, role)


def demo_boundaries(*cities: str):
    """The bundled county boundaries of the demo's cities, named in the interface language."""
    from ..carto.demo_map import boundary_layer

    name = tr("{0}区县界").format(cities[0]) if len(cities) == 1 else tr("区县界（{0}）").format("、".join(cities))
    return boundary_layer(*cities, name=name)


def demo_layer_specs(feedback=None) -> list:
    """LayerSpecs for the demo world's layers (generating it if needed); [] if the demo is unavailable."""
    from ..carto.demo_map import demo_layer_specs as specs_of
    from ..core.feedback import ensure

    feedback = ensure(feedback)
    try:
        from ..demo.generate import demo_layers, ensure_demo
    except ImportError:
        log.warning("the demo world generator (sinkmap.demo.generate) is not available")
        return []
    return specs_of(demo_layers(ensure_demo(feedback=feedback)), demo_layer_name)


def _demo_with_extent(display_crs: str, feedback=None):
    from ..carto.demo_map import demo_extent

    specs = demo_layer_specs(feedback)
    return specs, demo_extent(specs, display_crs)


def _add_demo(win, specs, extent=None) -> None:
    from ..carto.demo_map import ROLE_ORDER

    project = win.registry.project
    if extent is not None:  # the first view now: loading layers then does not move it
        win.canvas.fit_extent(extent)
    with win.unchanged():  # the demo world as opened: nothing to save yet
        for spec in specs:
            order = ROLE_ORDER.index(spec.role) if spec.role in ROLE_ORDER else len(ROLE_ORDER)
            index = sum(1 for s in project.layers if s.role in ROLE_ORDER and ROLE_ORDER.index(s.role) < order)
            win._auto_style.add(spec.id)  # refine the role's style from the data once loaded (DI_LEI classes...)
            project.add_layer(spec, index=index)


def wait_until(predicate: Callable[[], bool], timeout_s: float, settle_s: float = 0.3) -> bool:
    """Process events until ``predicate`` has held for ``settle_s`` (or ``timeout_s`` passed)."""
    deadline = time.monotonic() + timeout_s
    held_since = None
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        if predicate():
            held_since = held_since or time.monotonic()
            if time.monotonic() - held_since >= settle_s:
                return True
        else:
            held_since = None
        time.sleep(0.01)
    return False


def window_settled(win) -> bool:
    """No background task running and every visible layer drawn for the current view."""
    return not win.tasks.busy and not win.dashboard._debounce.isActive() and win.canvas.is_idle() \
        and not getattr(win, "_deferred", 0)


def nothing_to_wait_for(win) -> bool:
    """No task left and no layer loaded: waiting longer cannot draw anything."""
    return not win.tasks.busy and not win.registry.busy and not win.registry.data \
        and not win.dashboard._debounce.isActive()


def screenshot(path: str | Path, project: str | Path | Project | None = None, *, lang: str | None = None,
               size: tuple[int, int] = DEFAULT_SIZE, timeout_s: float | None = None, ledger: bool = True) -> Path:
    """Open the project (or the demo), wait until everything is drawn (and the ledger computed), save
    the window as PNG (atomically). Returns the path. Raises :class:`ScreenshotIncomplete` when no layer
    loaded (nothing written) or drawing did not finish within ``timeout_s`` (what was drawn is saved)."""
    path = Path(path)
    timeout_s = screenshot_timeout() if timeout_s is None else timeout_s
    win = build_window(project, lang, compute_ledger=ledger)
    win.quiet = True
    win.resize(*size)
    win.show()
    settled = wait_until(lambda: window_settled(win) or nothing_to_wait_for(win), timeout_s) and window_settled(win)
    if not win.registry.data:
        win.close()
        raise ScreenshotIncomplete(tr("截图未保存：{0} 秒内没有图层加载完成").format(f"{timeout_s:g}"))
    if not settled:
        log.warning("screenshot: rendering did not finish within %s s; saving what is drawn", timeout_s)
    image = win.grab().toImage()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.png")
    if not image.save(str(tmp), "PNG"):
        raise SinkmapError(code="app.screenshot.not_written", path=path)
    os.replace(tmp, path)
    win.close()
    if not settled:
        raise ScreenshotIncomplete(tr("绘制未在 {0} 秒内完成，截图只含已绘制的部分：{1}").format(f"{timeout_s:g}", path))
    return path


def ask_recovery(win, original: str | None) -> bool:
    """The question at start after a crash: recover the autosaved project? (True: yes)."""
    answer = QMessageBox.question(
        win, tr("恢复项目"),
        tr("上次 sinkmap 未正常退出。是否恢复自动保存的项目？\n{0}").format(original or tr("未命名项目")))
    return answer == QMessageBox.StandardButton.Yes


def _offer_recovery(win, ask: Callable[[object, str | None], bool] | None = None) -> bool:
    """After a crash: offer the newest autosave. Yes opens it (layers, view, city/year as autosaved);
    No deletes it. ``ask(win, original_path)`` is the question (a dialog unless a test passes its own).
    Returns True when a project was recovered."""
    found = project_file.find_recoverable()
    if not found:
        return False
    auto, original = found[0]
    if (ask or ask_recovery)(win, original):
        try:
            win.set_project(project_file.recover(auto))
        except SinkmapError as exc:
            win.show_error(str(exc))
            return False
        win.dirty = True  # the recovered changes are not in the project file yet
        win._update_title()
        return True
    auto.unlink(missing_ok=True)
    return False


def _after_start(win) -> None:
    """Once the first frame is drawn: the worker processes, and the kernels' one-time warm-up if due."""
    from ..jobs.worker import pool

    pool().warm()  # worker processes ready before the first big load
    start_warm_up(win)


def start_warm_up(win):
    """Compile every numba kernel once (first start after install), in a worker process so that the window
    stays responsive; the Tasks panel shows the coded one-time message. Nothing happens when the kernels are
    already in numba's disk cache (checked in a thread). Returns the checking task."""
    from ..jobs._warmup import kernels_cached

    def checked(cached: bool) -> None:
        if not cached:
            from ..jobs._warmup import warm_up_all

            win.tasks.submit(tr("首次编译计算内核（只需一次，之后缓存在磁盘上）"), warm_up_all, process=True)

    return win.tasks.submit(tr("检查计算内核缓存"), lambda feedback=None: kernels_cached(), on_done=checked)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="sinkmap gui")
    p.add_argument("--screenshot", metavar="PATH")
    p.add_argument("--project", metavar="FILE")
    p.add_argument("--lang", choices=["zh_CN", "en"])
    p.add_argument("--benchmark-startup", action="store_true",
                   help="print when the first frame with the layers is painted (JSON lines), then quit")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the desktop application (or take a screenshot). Returns the process exit code."""
    args = parse_args(argv)
    if args.screenshot and QApplication.instance() is None:
        use_offscreen_without_display()
    if args.lang:
        QCoreApplication.setOrganizationName("sinkmap")
        QCoreApplication.setApplicationName("sinkmap")
    try:
        if args.screenshot:
            try:
                out = screenshot(args.screenshot, args.project, lang=args.lang)
            except ScreenshotIncomplete as exc:
                print(f"sinkmap: {exc}", file=sys.stderr)
                return 1
            print(out)
            return 0
        app, _lang = create_app(args.lang)
        bench = args.benchmark_startup or os.environ.get("SINKMAP_BENCHMARK_STARTUP") == "1"
        win = build_window(args.project, args.lang)
        if bench:
            from .startup_bench import StartupProbe

            win._startup_probe = StartupProbe(win)  # kept: Qt holds only weak references to its slots
            win._startup_probe.install()
        geometry = QSettings().value("ui/geometry")
        if geometry is not None and not bench:
            win.restoreGeometry(geometry)
        elif bench:
            win.resize(*DEFAULT_SIZE)
        win.show()
        if not args.project and not bench:
            _offer_recovery(win)
        if not bench:
            after_first_frame(win, lambda: _after_start(win), max_wait_ms=30_000)
        return app.exec()
    except SinkmapError as exc:
        print(f"sinkmap: {exc}", file=sys.stderr)
        return 1
