"""YAML reading through libyaml when PyYAML has it (about 10× faster than the pure-Python loader).

The targets, schemes, zones and rules files are read on most commands; with the pure-Python loader they
cost a few hundred milliseconds of start-up. Same safe subset, same errors (``yaml.YAMLError``).
"""

from __future__ import annotations

from typing import Any


def safe_load(text: str | bytes) -> Any:
    """``yaml.safe_load(text)`` with the C loader when available."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader


def __getattr__(name: str) -> Any:
    """``yamlio.YAMLError``: PyYAML's error, importing PyYAML only when it is asked for (an ``except`` clause
    evaluates it only when an exception is being handled)."""
    if name == "YAMLError":
        import yaml

        return yaml.YAMLError
    raise AttributeError(name)


__all__ = ["safe_load"]
