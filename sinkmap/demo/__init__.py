"""The synthetic demo world (labelled synthetic everywhere). No Qt."""

from __future__ import annotations

from pathlib import Path


def demo_dir() -> Path:
    """Default folder of the demo world: ``data_home()/demo`` (``$SINKMAP_HOME`` moves data_home).

    Here, not in :mod:`.generate`, so that telling whether an input is a demo file imports nothing else."""
    from ..io.catalogue import data_home

    return data_home() / "demo"
