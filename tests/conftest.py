"""Tests read messages in English unless they ask for Chinese (``--lang zh`` or ``set_language``)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _english_messages(monkeypatch):
    from sinkmap.core import messages

    monkeypatch.setenv("SINKMAP_LANG", "en")
    messages.set_language(None)
    yield
    messages.set_language(None)
