"""Atomic writes: a failed or cancelled export leaves the previous file exactly as it was.

Two tools:

* :func:`atomic_write` — for code that writes bytes or text itself. The data goes to a temporary file
  in the destination folder, is flushed and ``fsync``-ed, then ``os.replace``-d over the destination.
  ``os.replace`` within one folder (hence one file system) is atomic on POSIX and Windows: a reader sees
  the old file or the new one, never half of either.
* :func:`atomic_output_path` — for libraries that insist on writing to a path themselves (GDAL via
  pyogrio, openpyxl). It yields a path inside a private temporary folder next to the destination; when
  the block ends without an exception every file produced is moved into place with ``os.replace``.

Multi-file formats (Shapefile: .shp .shx .dbf .prj .cpg ...) cannot be replaced in one atomic step. The
sidecars are all written completely into the temporary folder first (so a failure while writing
changes nothing), then moved one by one — the ``.shp`` last, so a reader that opens the set mid-move
finds either the old ``.shp`` or a complete new set — and finally stale sidecars of the old set that
the new one does not have (an old ``.qix`` index, a ``.cpg`` ...) are removed. The window in which
the set is mixed is a handful of renames, microseconds; this is as close to atomic as a multi-file
format allows.

The temporary files are created with the permissions a normal ``open()`` would give (or those of the
file being replaced), not the 0600 of ``tempfile``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ..core.errors import InputError
from ..core.messages import clip

#: Sidecar extensions that belong to one Shapefile set (lower case, with dot).
SHAPEFILE_SIDECARS = (".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".shp.xml", ".qmd")


def _read_umask() -> int:
    # os.umask can only be read by setting it; do it once at import, not while other threads run.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def _check_folder(path: Path) -> None:
    folder = path.parent
    if not folder.is_dir():
        raise InputError(code="io.write.no_folder", path=path, folder=str(folder))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(code="io.write.folder_read_only", path=path)


def _target_mode(path: Path) -> int:
    """Permission bits for the new file: those of the file it replaces, else 0666 minus the umask."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return 0o666 & ~_UMASK


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); harmless no-op where folders cannot be opened."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


#: Errors while writing that mean "the disk", not "the program": reported as InputError.
_DISK_ERRNOS = {errno.ENOSPC, errno.EIO, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}


def _os_error(path: Path, err: OSError) -> InputError:
    return InputError(code="io.write.failed", path=path, detail=clip(err.strerror or err))


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "wb", *, encoding: str | None = None,
                 newline: str | None = None) -> Iterator[IO[Any]]:
    """Open a temporary file for writing; on success it atomically replaces ``path``.

    ``mode`` is ``'wb'`` or ``'w'`` (text; pass ``encoding``). If the block raises, the temporary file
    is removed, ``path`` is untouched and the exception propagates.
    """
    if mode not in ("w", "wb", "wt"):
        raise ValueError(f"atomic_write supports modes 'w' and 'wb', not {mode!r}")
    path = Path(path)
    _check_folder(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        kwargs: dict[str, Any] = {} if "b" in mode else {"encoding": encoding or "utf-8",
                                                           "newline": newline}
        with os.fdopen(fd, mode, **kwargs) as handle:
            os.chmod(tmp, _target_mode(path))
            try:
                yield handle
            except OSError as err:
                if err.errno in _DISK_ERRNOS:
                    raise _os_error(path, err) from err
                raise
            try:
                handle.flush()
                os.fsync(handle.fileno())
            except OSError as err:
                raise _os_error(path, err) from err
        try:
            os.replace(tmp, path)
        except OSError as err:
            raise _os_error(path, err) from err
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_folder(path.parent)


def _is_shapefile(path: Path) -> bool:
    return path.suffix.lower() == ".shp"


def _sidecars_of(folder: Path, stem: str) -> list[Path]:
    """Existing sidecar files ``<stem><ext>`` in ``folder`` (any case of the extension)."""
    wanted = {stem.lower() + ext for ext in SHAPEFILE_SIDECARS}
    return [p for p in folder.iterdir() if p.name.lower() in wanted]


def _move_into_place(tmp_dir: Path, path: Path) -> None:
    """Move the finished output from ``tmp_dir`` next to ``path`` (see the module docstring)."""
    produced = tmp_dir / path.name
    if not produced.exists():
        raise InputError(code="io.write.nothing_produced", path=path)
    mode = _target_mode(path)
    if not _is_shapefile(path):
        os.chmod(produced, mode)
        os.replace(produced, path)
        return
    stem = path.stem
    new_parts = _sidecars_of(tmp_dir, stem)
    new_names = {p.name.lower() for p in new_parts}
    for part in new_parts:  # sidecars first, the .shp last
        os.chmod(part, mode)
        os.replace(part, path.parent / part.name)
    os.chmod(produced, mode)
    os.replace(produced, path)
    for stale in _sidecars_of(path.parent, stem):
        if stale.name.lower() not in new_names:
            with contextlib.suppress(OSError):
                stale.unlink()


@contextlib.contextmanager
def atomic_output_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path (same file name, in a private folder beside ``path``) to write to.

    When the block completes, the file — and for a Shapefile every sidecar written next to it — is
    moved over ``path``. On an exception nothing at ``path`` changes and the temporary folder is
    removed. Writers that modify an existing file (adding a layer to a GeoPackage) should copy the
    original to the yielded path first.
    """
    path = Path(path)
    _check_folder(path)
    tmp_dir = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        yield tmp_dir / path.name
        try:
            _move_into_place(tmp_dir, path)
        except OSError as err:
            raise _os_error(path, err) from err
        _fsync_folder(path.parent)
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)
