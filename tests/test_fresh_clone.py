"""A user's clone has no plan texts (../shared/seeds): its tests run, and only those that compare a
transcription with the texts skip, saying where they looked (tests/plan_texts.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEED_TESTS = ["tests/test_targets.py",
              "tests/test_demo.py::test_every_project_quote_is_in_its_seed_and_starts_on_its_line",
              "tests/test_demo.py::test_project_capacities_come_from_their_quotes_and_the_plan_projects_are_listed"]


def _pytest(cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    env = {**env, "PYTHONPATH": str(cwd), "QT_QPA_PLATFORM": "offscreen"}
    env.pop("SINKMAP_REQUIRE_SEEDS", None)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *SEED_TESTS],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def _check(run: subprocess.CompletedProcess, where: str) -> None:
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-3000:]
    assert " failed" not in out and "error" not in out.lower().split("short test summary")[0][-200:], out[-3000:]
    assert "skipped" in out and f"plan texts not found at {where}" in out and "set SINKMAP_SEEDS" in out, out[-3000:]
    assert "passed" in out  # the tests of the project's own data ran


def test_without_plan_texts_the_text_checks_skip_and_the_rest_runs():
    env = {**os.environ, "SINKMAP_SEEDS": "/nonexistent"}
    _check(_pytest(REPO, env), "/nonexistent")


def test_a_copy_with_no_shared_folder_beside_it(tmp_path):
    clone = tmp_path / "clone" / "sinkmap"
    for part in ("sinkmap", "tests", "layers", "resources", "pyproject.toml"):
        src = REPO / part
        if src.is_dir():
            shutil.copytree(src, clone / part, ignore=shutil.ignore_patterns("__pycache__", "gui"))
        elif src.exists():
            clone.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, clone / part)
    env = {k: v for k, v in os.environ.items() if k != "SINKMAP_SEEDS"}
    _check(_pytest(clone, env), str(tmp_path / "clone" / "shared" / "seeds"))
