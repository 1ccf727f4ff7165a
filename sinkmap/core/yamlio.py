"""YAML reading through libyaml when PyYAML has it (about 10× faster than the pure-Python loader).

The targets, schemes, zones and rules files are read on most commands; with the pure-Python loader they
cost a few hundred milliseconds of start-up. Same safe subset, same errors (``yaml.YAMLError``).
"""

from __future__ import annotations

from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str | bytes) -> Any:
    """``yaml.safe_load(text)`` with the C loader when available."""
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader


__all__ = ["safe_load"]
