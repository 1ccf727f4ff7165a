"""A wheel install has no repository beside the package: layers/ travels as data files (pyproject) and is found."""

import sys
import tomllib
from pathlib import Path

from sinkmap.io import catalogue

ROOT = Path(__file__).resolve().parents[1]


def test_every_file_of_layers_is_in_the_wheels_data_files():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["data-files"]
    packed = {p.relative_to(ROOT).as_posix() for globs in data.values() for g in globs for p in ROOT.glob(g)}
    present = {p.relative_to(ROOT).as_posix() for p in (ROOT / "layers").rglob("*") if p.is_file()}
    assert present and present == packed
    for target, globs in data.items():  # each folder's files land in the same folder under share/sinkmap
        for g in globs:
            assert target == "share/sinkmap/" + str(Path(g).parent)


def test_layers_found_under_the_install_prefix(tmp_path, monkeypatch):
    installed = tmp_path / "venv" / "share" / "sinkmap" / "layers"
    installed.mkdir(parents=True)
    monkeypatch.delenv("SINKMAP_LAYERS", raising=False)
    monkeypatch.setattr(catalogue, "_REPO_ROOT", tmp_path / "site-packages")  # no layers/ beside the package
    monkeypatch.setattr(sys, "prefix", str(tmp_path / "venv"))
    assert catalogue.layers_dir() == installed


def test_missing_layers_named(tmp_path, monkeypatch):
    import pytest

    from sinkmap.core.errors import InputError

    monkeypatch.delenv("SINKMAP_LAYERS", raising=False)
    monkeypatch.setattr(catalogue, "_REPO_ROOT", tmp_path / "site-packages")
    monkeypatch.setattr(catalogue, "_install_prefixes", lambda: [tmp_path / "nowhere"])
    with pytest.raises(InputError) as e:
        catalogue.layers_dir()
    assert e.value.code == "io.layers_dir.missing"
