"""JSON helpers shared by every writer of JSON (ledger reports, demo manifest)."""

from __future__ import annotations

from typing import Any


def json_default(value: Any) -> Any:
    """``json.dump(default=...)``: numpy scalars become Python numbers, anything else its ``str``."""
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    return str(value)
