"""Where the tests find the plans' plain texts (the seeds the targets were transcribed from).

They are not part of the repository (a user's clone does not have them): ``$SINKMAP_SEEDS``, else
``../shared/seeds`` beside the checkout (where CI has them). Only the tests that compare a transcription
against the texts need them; those skip, saying where they looked, when the texts are absent — unless
``SINKMAP_REQUIRE_SEEDS=1`` (set it where the texts must be checked), which makes the absence a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEEDS = Path(os.environ.get("SINKMAP_SEEDS") or REPO.parent / "shared" / "seeds")


def seed_lines(seed: str) -> list[str]:
    """The lines of plan text ``seed``; skips the calling test when the plan texts are not there."""
    path = SEEDS / seed
    if not path.is_file():
        reason = f"plan texts not found at {SEEDS}; set SINKMAP_SEEDS (missing {seed})"
        if os.environ.get("SINKMAP_REQUIRE_SEEDS", "") not in ("", "0"):
            pytest.fail(reason)
        pytest.skip(reason)
    return path.read_text(encoding="utf-8").splitlines()
