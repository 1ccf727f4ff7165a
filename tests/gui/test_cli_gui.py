"""``sinkmap`` starts the app: no command with a display opens it, ``gui`` takes its options in any order."""

from __future__ import annotations

import pytest


@pytest.fixture
def gui_calls(monkeypatch):
    import sinkmap.gui.app as app_module

    calls = []
    monkeypatch.setattr(app_module, "main", lambda argv=None: calls.append(list(argv)) or 0)
    return calls


@pytest.mark.parametrize("argv", [
    ["gui", "--project", "F.sinkmap", "--lang", "en"],
    ["gui", "--lang", "en", "--project", "F.sinkmap"],
    ["--lang", "en", "gui", "--project", "F.sinkmap"],
    ["--project", "F.sinkmap", "--lang=en"],
])
def test_gui_options_in_any_order(gui_calls, monkeypatch, argv):
    from sinkmap.cli import main

    monkeypatch.setenv("DISPLAY", ":0")
    assert main(argv) == 0
    assert gui_calls == [["--project", "F.sinkmap", "--lang", "en"]]


def test_no_command_opens_the_app_with_a_display_else_help(gui_calls, monkeypatch, capsys):
    from sinkmap.cli import main

    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    assert main([]) == 0 and gui_calls == []
    assert "sinkmap" in capsys.readouterr().out  # the help
    monkeypatch.setenv("DISPLAY", ":0")
    assert main([]) == 0 and gui_calls == [[]]
