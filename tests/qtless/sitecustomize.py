"""Qt made unimportable, for the Qt-less test run (``.ci/run``, README command 2).

With ``tests/qtless`` on ``PYTHONPATH`` Python imports this module at start-up — in the test process and in
every process it starts (the worker pool, the CLI in a subprocess) — and any ``import PySide6``,
``shiboken6`` or ``pytestqt`` raises ImportError, as on a machine without the ``gui`` extra. Everything
outside ``sinkmap.gui`` (and the tests outside ``tests/gui``) must work that way.
"""

from __future__ import annotations

import os
import sys

BLOCKED = ("PySide6", "shiboken6", "pytestqt")


class _NoQt:
    """A meta-path finder that refuses the Qt bindings (and pytest-qt, which needs them).

    First on ``sys.meta_path``; pytest's assertion rewriter later goes before it, but that one only
    finds test modules and plugins, and the run disables plugin autoloading (pytest-qt is never loaded)."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".", 1)[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r} (blocked: the Qt-less run, tests/qtless)", name=name)
        return None


sys.meta_path.insert(0, _NoQt())
os.environ["SINKMAP_QTLESS"] = "1"
