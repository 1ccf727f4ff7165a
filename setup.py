"""The one build step of sinkmap: its zonal kernels compiled ahead of time at install (issue 15).

Everything else about the package is in ``pyproject.toml``. ``pip install``, ``pip install -e`` and
``pip wheel`` compile the numba kernels of ``sinkmap.analysis.zonal`` (accumulation, exact rasteriser,
polygon areas) with ``numba.pycc`` into the extension module ``sinkmap/analysis/zonal/_zonal_aot*.so``
(:func:`sinkmap.analysis.zonal.aot.compile_into`; about 15–30 s), so the first ledger after installing
compiles nothing. numba and numpy come from the build requirements (``pyproject.toml``); the module needs
numpy only at run time, and the kernels check that it was built from their own source.

The module is optional: when it cannot be built (no C compiler, no Python headers, numba without
``pycc``...), the install goes on without it, with a warning, and sinkmap uses numba's JIT (cached) as
before. ``SINKMAP_NO_AOT_BUILD=1`` in the environment skips it on purpose.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
NAME = "sinkmap.analysis.zonal._zonal_aot"


class BuildZonalKernels(build_ext):
    """build_ext that makes the zonal kernels' module with numba.pycc, and leaves it out if that fails."""

    def build_extension(self, ext) -> None:
        if ext.name != NAME:  # pragma: no cover - sinkmap has no other extension
            super().build_extension(ext)
            return
        target = Path(self.get_ext_fullpath(ext.name))
        if os.environ.get("SINKMAP_NO_AOT_BUILD", "") not in ("", "0"):
            self.warn("sinkmap: SINKMAP_NO_AOT_BUILD is set: the compiled zonal kernels are not built")
            return
        sys.path.insert(0, str(ROOT))  # the kernels of this source tree
        try:
            from sinkmap.analysis.zonal.aot import INSTALLED_NAME, compile_into

            target.parent.mkdir(parents=True, exist_ok=True)
            compile_into(INSTALLED_NAME, target.parent, target.name)
        except Exception as exc:  # noqa: BLE001 - optional: numba's JIT serves instead
            target.unlink(missing_ok=True)
            self.warn(f"sinkmap: the compiled zonal kernels were not built ({type(exc).__name__}: {exc}); "
                      "sinkmap will use numba's JIT kernels instead (a C compiler and Python's headers, e.g. "
                      "Debian's gcc and python3-dev, let them be built)")
        finally:
            sys.path.remove(str(ROOT))

    def get_outputs(self) -> list[str]:
        return [p for p in super().get_outputs() if Path(p).exists()]  # a module that could not be built

    def copy_extensions_to_source(self) -> None:
        built = Path(self.get_ext_fullpath(NAME))
        if not built.exists() and not self.inplace:
            return  # nothing to copy (editable install without the module)
        super().copy_extensions_to_source()


if __name__ == "__main__":  # pip's build backend runs this file as __main__ (tests import the class)
    setup(ext_modules=[Extension(NAME, sources=[], optional=True)], cmdclass={"build_ext": BuildZonalKernels})
