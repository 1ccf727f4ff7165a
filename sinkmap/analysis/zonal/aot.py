"""The zonal kernels compiled ahead of time into a small extension module (issue 15).

The kernels of :mod:`sinkmap.analysis.zonal.kernels` are numba functions. Even with numba's disk cache a
process pays about a second of CPU before the first kernel runs: importing numba (which imports
``scipy.linalg`` to probe for BLAS) and setting up its compiler to load the cached code. That is more than
the whole 10⁸-pixel pass. So the same kernels, unchanged, are also compiled with numba's ahead-of-time
compiler (``numba.pycc``) into a plain extension module kept under sinkmap's cache folder
(``<cache>/aot/``): importing it takes a millisecond, needs numpy only, and runs the same machine code
(the results are identical bit for bit; ``tests/test_zonal_aot.py``).

Exported: the land-cover, unknown-code and sum accumulation kernels (:mod:`.kernels`), the exact rasteriser's zone
walk and row sort (:mod:`.rasterize`) and the polygon-area edge loop (:mod:`.greenarea`) — everything a
first ledger on a new grid runs, so with the module it compiles nothing.

* :func:`kernels` — the loaded module, or None (not built, or not loadable): callers then use the numba
  kernels (or, with nothing compiled at all, :mod:`.nojit`'s numpy). It prefers the module **built at
  install** (``sinkmap/analysis/zonal/_zonal_aot*.so``: ``setup.py`` compiles it with :func:`compile_into`
  when pip installs or builds a wheel, and skips it where that fails, e.g. without a C compiler); that
  module is used only if it exports ``digest_<source digest>`` of these very kernels (:func:`source_digest`),
  so an edited kernel in an editable checkout is never served stale machine code. Else the module in
  sinkmap's cache folder.
* :func:`build` — compile the cached module (about 10–30 s; needs a C compiler for the final link, as
  numba.pycc does: without one it fails and everything keeps using numba's JIT). ``sinkmap demo`` builds
  it after compiling the JIT kernels (:mod:`.warmup`); a run that had to use the JIT starts a build in a
  detached background process (:func:`build_in_background`) so the next run finds it. Neither happens when
  the installed module serves.

The cached module's name and folder carry a digest of the kernels' source, what is exported, numba's,
numpy's and Python's versions and the platform: a changed kernel or an upgraded library makes a new one
(the old is ignored). The installed module is checked against the kernels' source and exports only: its
machine code needs numpy (any version from 1.x on: built against numpy ≥ 2 headers) and no numba.
Writes are atomic (built in a temporary folder, moved into place); a module that cannot be loaded is
treated as absent. ``SINKMAP_NO_AOT=1`` disables it (numba's JIT only); ``SINKMAP_NO_AOT_BUILD=1``
stops sinkmap from building it on its own (in the background or at the warm-up; the test suite sets it):
only an explicit :func:`build` does.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import os
import shutil
import sys
import threading
import time
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

__all__ = ["kernels", "build", "build_in_background", "module_path", "class_kernel", "sum_kernel", "unknown_kernel",
           "cover_kernels",
           "area_kernel", "jit_only", "jit_ready", "mark_jit_ready", "compile_into", "source_digest", "INSTALLED_NAME"]

_PREFIX = "sinkmap_zonal_aot_"
_BUILD = 4  # bump when build() exports or compiles something else (2: numpy headers first; 3: rasteriser, areas,
# unknown codes; 4: the wrappers release the GIL)
#: the module built at install, beside this file (``setup.py``)
INSTALLED_NAME = "_zonal_aot"
#: raster cell types with a compiled land-cover kernel (LUT uint8) and a compiled sum kernel
CLASS_TYPES = ("uint8", "uint16")
SUM_TYPES = ("float32", "float64")
_COMMON = "int64[::1], int32[::1], int32[::1], int32[::1], int64[::1], int32[::1], int32[::1], float64[::1]"
_I32 = "int32[::1]"
#: name -> (module, function, signature) of the exports beyond the accumulation kernels
_EXTRA = {
    "cover_all": ("rasterize", "_cover_all",
                  f"Tuple(({_I32}, {_I32}, {_I32}, {_I32}, {_I32}, {_I32}, {_I32}, float64[::1], int64, int64))"
                  "(float64[::1], float64[::1], int64[::1], int64[::1], int64, int64, int64, int64)"),
    "csr_runs": ("rasterize", "_csr", f"Tuple((int64[::1], {_I32}, {_I32}, {_I32}))({_I32}, int64, int64, {_I32}, "
                                      f"{_I32}, {_I32})"),
    "csr_parts": ("rasterize", "_csr", f"Tuple((int64[::1], {_I32}, {_I32}, float64[::1]))({_I32}, int64, int64, "
                                       f"{_I32}, {_I32}, float64[::1])"),
    "green_areas": ("greenarea", "_green_areas", "float64[::1](float64[::1], float64[::1], int64[::1], int64[::1], "
                                                 "int64, float64, float64, float64[::1], float64[::1])"),
}
_SOURCES = ("kernels.py", "constants.py", "rasterize.py", "greenarea.py")
_LOCK = threading.Lock()
_LOADED: dict[str, object] = {}
_STALE_LOCK_S = 900.0


def _version(dist: str) -> str:
    from importlib import metadata  # here, not at import: a warm run with the installed module never asks

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:  # pragma: no cover
        return "?"


@lru_cache(maxsize=1)
def source_digest() -> str:
    """Digest of the compiled kernels' source files and of what is exported (how the module is made)."""
    src = b"".join(Path(__file__).with_name(f).read_bytes() for f in _SOURCES)
    exports = repr((_BUILD, CLASS_TYPES, SUM_TYPES, _COMMON, sorted(_EXTRA.items()), "unknown")).encode()
    return hashlib.sha256(src + exports).hexdigest()[:16]


@lru_cache(maxsize=1)
def _digest() -> str:
    import platform

    parts = [source_digest(), _version("numba"), _version("llvmlite"), _version("numpy"),
             sys.version, platform.machine(), platform.system(), importlib.machinery.EXTENSION_SUFFIXES[0]]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def module_name() -> str:
    return _PREFIX + _digest()


def module_path() -> Path:
    """Where the compiled module of these kernels and libraries is (or would be) kept."""
    from ...io.catalogue import cache_dir

    name = module_name()
    return cache_dir() / "aot" / name / (name + importlib.machinery.EXTENSION_SUFFIXES[0])


_JIT_ONLY = [0]  # > 0 while :func:`jit_only` blocks run (the warm-up compiles numba's kernels)


def _disabled() -> bool:
    return _JIT_ONLY[0] > 0 or os.environ.get("SINKMAP_NO_AOT", "") not in ("", "0")


def _no_implicit_build() -> bool:
    return os.environ.get("SINKMAP_NO_AOT_BUILD", "") not in ("", "0")


@contextmanager
def jit_only():
    """Within the block the compiled module is not used (numba's JIT kernels run, and get compiled)."""
    with _LOCK:
        _JIT_ONLY[0] += 1
    try:
        yield
    finally:
        with _LOCK:
            _JIT_ONLY[0] -= 1


def _complete(mod) -> bool:
    return all(hasattr(mod, f"classes_{t}") and hasattr(mod, f"unknown_{t}") for t in CLASS_TYPES) \
        and all(hasattr(mod, n) for n in _EXTRA)


def _installed_spec():
    """Where the module built at install is (beside this file), or None."""
    return importlib.util.find_spec(f"{__package__}.{INSTALLED_NAME}")


def installed():
    """The module built at install (beside this file), or None: absent, not loadable, or made from other
    kernels than these (its ``digest_<source digest>`` export says which)."""
    key = "installed:" + INSTALLED_NAME
    if key in _LOADED:
        return _LOADED[key]
    mod = None
    try:
        spec = _installed_spec()
        if spec is not None and spec.origin and spec.origin.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)):
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
            if not (hasattr(mod, "digest_" + source_digest()) and _complete(mod)):
                mod = None
    except Exception:  # noqa: BLE001 - a broken or foreign file: the cached module or the JIT kernels serve
        mod = None
    _LOADED[key] = mod
    return mod


def kernels():
    """The compiled kernels' module, or None when it is not built (or disabled, or fails to load): the
    one built at install when it matches these kernels, else the one in sinkmap's cache folder."""
    if _disabled():
        return None
    with _LOCK:
        if _JIT_ONLY[0] > 0:
            return None
        mod = installed()
        if mod is not None:
            return mod
        name = module_name()
        if _LOADED.get(name) is not None:
            return _LOADED[name]
        path = module_path()
        if path.is_file() and name not in _LOADED:  # a file that failed to load is not tried again
            try:
                spec = importlib.util.spec_from_file_location(name, path)
                mod = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(mod)
                if not _complete(mod):
                    mod = None
            except Exception:  # noqa: BLE001 - a broken or foreign file: use the JIT kernels
                mod = None
            _LOADED[name] = mod
        return mod


def _jit_mark() -> Path:
    from ...io.catalogue import cache_dir

    where = hashlib.sha256(os.environ.get("NUMBA_CACHE_DIR", "").encode()).hexdigest()[:12]
    return cache_dir() / "aot" / f"jit-ready-{_digest()}-{where}"


def jit_ready() -> bool:
    """Whether numba's cache was filled with the zonal kernels on this install (by :func:`mark_jit_ready`)."""
    try:
        return _jit_mark().is_file()
    except OSError:  # pragma: no cover
        return False


def mark_jit_ready() -> None:
    """Note that numba's cache now holds the zonal kernels (after the warm-up compiled them)."""
    try:
        path = _jit_mark()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    except OSError:  # pragma: no cover - a read-only cache: the next run uses numpy until told
        pass


def class_kernel(data, lut, area_a, area_b, lanes):
    """The compiled land-cover kernel for these arrays, or None (then numba's JIT kernel is used)."""
    mod = kernels()
    if mod is None or lut.dtype.name != "uint8" or data.dtype.name not in CLASS_TYPES:
        return None
    if not (data.flags.c_contiguous and lut.flags.c_contiguous and area_a.flags.c_contiguous
            and area_b.flags.c_contiguous and lanes.flags.c_contiguous):
        return None
    return getattr(mod, f"classes_{data.dtype.name}")


def unknown_kernel(data, lut, area_a, area_b):
    """The compiled kernel resolving unknown codes (:func:`.kernels.accumulate_unknown`) for these arrays, or None."""
    mod = kernels()
    if mod is None or lut.dtype.name != "uint8" or data.dtype.name not in CLASS_TYPES:
        return None
    if not (data.flags.c_contiguous and lut.flags.c_contiguous and area_a.flags.c_contiguous
            and area_b.flags.c_contiguous):
        return None
    return getattr(mod, f"unknown_{data.dtype.name}")


def sum_kernel(data, area_a, area_b, acc):
    """The compiled sum kernel for these arrays, or None."""
    mod = kernels()
    if mod is None or data.dtype.name not in SUM_TYPES or not hasattr(mod, f"sum_{data.dtype.name}"):
        return None
    if not (data.flags.c_contiguous and area_a.flags.c_contiguous and area_b.flags.c_contiguous
            and acc.flags.c_contiguous):
        return None
    return getattr(mod, f"sum_{data.dtype.name}")


def cover_kernels():
    """(cover_all, csr_runs, csr_parts) of the compiled module — the exact rasteriser — or None."""
    mod = kernels()
    return None if mod is None else (mod.cover_all, mod.csr_runs, mod.csr_parts)


def area_kernel():
    """The compiled polygon-area edge loop (:func:`.greenarea._green_areas`), or None."""
    mod = kernels()
    return None if mod is None else mod.green_areas


def _one() -> int:
    return 1


@contextmanager
def _wrappers_release_the_gil():
    """numba.pycc's wrappers hold the GIL while a kernel runs (numba issue #6382: ``cc.export`` has no ``nogil``),
    so the threads of a ledger ran their kernels one at a time — only the raster decoding overlapped. Every
    kernel here is nopython code on arrays (the JIT ones are ``nogil=True``), so the module is compiled with the
    flag the JIT's ``nogil`` sets: each exported wrapper releases the GIL around the call (``release_gil``,
    which numba's pycc compiles into its CPython wrappers from the Flags it builds in ``_cull_exports``)."""
    from numba.pycc import compiler

    plain = compiler.Flags

    class NoGilFlags(plain):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.release_gil = True

    compiler.Flags = NoGilFlags
    try:
        yield
    finally:
        compiler.Flags = plain


def compile_into(name: str, out_dir: str | os.PathLike, output_file: str | None = None) -> Path:
    """Compile the kernels with numba.pycc into the extension module ``name`` in ``out_dir`` (``output_file``:
    its file name, default numba's for this Python); raises when it cannot (no C compiler...). Also exports
    ``digest_<source digest>`` so a loader can tell which kernels it holds. Used by :func:`build` and
    ``setup.py`` (at install)."""
    import warnings

    with warnings.catch_warnings():  # "pending deprecation": numba keeps it until its successor exists
        warnings.simplefilter("ignore")
        from numba.pycc import CC

    import importlib as _il

    from . import kernels as k

    cc = CC(name)
    _numpy_headers_first(cc)
    cc.output_dir = str(out_dir)
    if output_file:
        cc._output_file = output_file
    cc.verbose = False
    arrays = "float64[:,::1], float64[:,::1], int64"
    for t in CLASS_TYPES:
        cc.export(f"classes_{t}", f"void({t}[:,::1], int64, {_COMMON}, uint8[::1], {arrays}, float64[:,:,::1])"
                  )(k.accumulate_classes.py_func)
        cc.export(f"unknown_{t}", f"void({t}[:,::1], int64, {_COMMON}, uint8[::1], int64, {arrays}, float64[:,::1], "
                                  "int32[::1], int64[::1], int64[::1])")(k.accumulate_unknown.py_func)
    for t in SUM_TYPES:
        cc.export(f"sum_{t}", f"void({t}[:,::1], int64, {_COMMON}, float64, boolean, boolean, {arrays}, "
                              "float64[:,::1])")(k.accumulate_sum.py_func)
    for export, (module, func, sig) in _EXTRA.items():
        cc.export(export, sig)(getattr(_il.import_module(f"{__package__}.{module}"), func).py_func)
    cc.export("digest_" + source_digest(), "int64()")(_one)
    with _wrappers_release_the_gil():
        cc.compile()
    out = Path(out_dir) / (output_file or cc._output_file)
    if not out.is_file():
        raise RuntimeError(f"numba.pycc wrote no module {out}")
    return out


def build() -> Path | None:
    """Compile the kernels into the cached module (atomic); its path, or None if it cannot be built here
    (no C compiler, numba without ``pycc``, a read-only cache folder...). Builds once per version."""
    if _disabled():
        return None
    path = module_path()
    if path.is_file():
        return path
    try:
        import warnings

        with warnings.catch_warnings():  # "pending deprecation": numba keeps it until its successor exists
            warnings.simplefilter("ignore")
            from numba.pycc import CC  # noqa: F401
    except Exception as exc:  # noqa: BLE001 - numba without its AOT compiler (or setuptools)
        _mark_failed(exc)
        return None
    name = module_name()
    try:
        path.parent.parent.mkdir(parents=True, exist_ok=True)
        import tempfile

        tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=path.parent.parent))
    except OSError:
        return None
    try:
        built = compile_into(name, tmp, path.name)
        folder = tmp.with_name(name)
        final = tmp.with_name(f".{name}-ready-{os.getpid()}")
        final.mkdir()
        os.replace(built, final / path.name)
        try:
            os.replace(final, folder)  # atomic: the folder appears with its module complete
        except OSError:  # another process won the race: its module is as good
            shutil.rmtree(final, ignore_errors=True)
        return path if path.is_file() else None
    except Exception as exc:  # noqa: BLE001 - no compiler, a failed link: the JIT kernels stay in use
        _mark_failed(exc)
        return None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _numpy_headers_first(cc) -> None:
    """Compile against the running numpy's headers. numba.pycc puts Python's include folder first, and on
    Debian that folder holds a ``numpy`` link to the system's python3-numpy (1.x) headers: a module built with
    them cannot be imported by numpy 2 (``_ARRAY_API not found``)."""
    import numpy

    toolchain = getattr(cc, "_toolchain", None)
    if toolchain is None or not hasattr(toolchain, "get_python_include_dirs"):  # pragma: no cover - other numba
        return
    ours = numpy.get_include()
    dirs = [d for d in toolchain.get_python_include_dirs() if os.path.abspath(d) != os.path.abspath(ours)]
    toolchain.get_python_include_dirs = lambda: [ours, *dirs]


def _failed_mark() -> Path:
    return module_path().parent.parent / f".{module_name()}.failed"


def _mark_failed(reason) -> None:
    """Remember that this version cannot be built here (no C compiler...): runs then stop starting
    background builds of it (an explicit :func:`build` still tries)."""
    try:
        mark = _failed_mark()
        mark.parent.mkdir(parents=True, exist_ok=True)
        mark.write_text(str(reason)[:2000], encoding="utf-8")
    except OSError:  # pragma: no cover - a read-only cache
        pass


def build_in_background() -> bool:
    """Start the warm-up (numba's JIT kernels into its cache, then :func:`build`) in a detached,
    low-priority process when the module is missing (at most one at a time per cache folder); True if one
    was started."""
    if _disabled() or _no_implicit_build():
        return False
    try:
        if installed() is not None:
            return False  # the module built at install serves
        path = module_path()
        if path.is_file() or _failed_mark().is_file():
            return False  # built, or it cannot be built here (numba's JIT cache serves instead)
        lock = path.parent.parent / f".{module_name()}.building"
        lock.parent.mkdir(parents=True, exist_ok=True)
        try:
            if time.time() - lock.stat().st_mtime < _STALE_LOCK_S:
                return False  # a build is under way
            lock.unlink()
        except FileNotFoundError:
            pass
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        os.close(fd)
        code = ("import os, sys\n"
                "try:\n    os.nice(10)\nexcept OSError:\n    pass\n"
                "from sinkmap.analysis.zonal.warmup import warm_up\n"
                f"try:\n    warm_up(aot=True)\nfinally:\n    os.unlink({str(lock)!r})\n")
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[3])  # the folder holding the sinkmap package
        env["PYTHONPATH"] = os.pathsep.join([root, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        import subprocess

        subprocess.Popen([sys.executable, "-c", code], env=env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                         close_fds=True)
        return True
    except Exception:  # noqa: BLE001 - a shortcut for next time, never a reason to fail this run
        return False


if __name__ == "__main__":  # pragma: no cover - python -m sinkmap.analysis.zonal.aot
    print(build() or "not built (no C compiler or numba.pycc?)")
