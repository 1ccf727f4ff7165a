"""Where bundled data (``layers/``) and generated data (the demo world, caches) live."""

from __future__ import annotations

import os
from pathlib import Path

from ..core.errors import InputError

_REPO_ROOT = Path(__file__).resolve().parents[2]


def layers_dir() -> Path:
    """The bundled ``layers/`` folder (``$SINKMAP_LAYERS`` overrides it)."""
    env = os.environ.get("SINKMAP_LAYERS")
    path = Path(env) if env else _REPO_ROOT / "layers"
    if not env and not path.is_dir():  # installed from a wheel: pyproject's data-files, under the install's prefix
        for prefix in _install_prefixes():
            installed = prefix / "share" / "sinkmap" / "layers"
            if installed.is_dir():
                return installed
    if not path.is_dir():
        raise InputError(code="io.layers_dir.missing", path=path)
    return path


def _install_prefixes() -> list[Path]:
    """Where pip puts a wheel's data files: the environment's prefix, or the user base for ``pip install --user``."""
    import site
    import sys

    return [Path(p) for p in (sys.prefix, sys.base_prefix, getattr(site, "USER_BASE", None) or "") if p]


def layer_path(*parts: str) -> Path:
    return layers_dir().joinpath(*parts)


def data_home() -> Path:
    """Per-user folder for generated data (demo world, caches): ``$SINKMAP_HOME`` or ~/.local/share/sinkmap."""
    env = os.environ.get("SINKMAP_HOME")
    base = Path(env) if env else Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "sinkmap"
    base.mkdir(parents=True, exist_ok=True)
    return base


def cache_dir() -> Path:
    path = data_home() / "cache"
    path.mkdir(parents=True, exist_ok=True)
    return path
