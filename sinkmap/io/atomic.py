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

Temporary names are sinkmap's own: ``.<name>.sinkmap-<host>-<pid>-<random>.tmp`` (a file, or a folder
for :func:`atomic_output_path`). A process killed mid-write (SIGKILL, power cut) cannot remove its
temporary file; the next write into the same folder does (:func:`clean_stale_temps`): only names of this
pattern, and only when the process that made it is gone (same host, no such pid) or the name is older
than :data:`STALE_AFTER_S` (another host, or a platform where a pid cannot be checked). Nothing else in
the folder is touched.

Files that belong together (a CSV and its ``.meta.json``) are written with :func:`atomic_group`: every
temporary file is complete and synced before the first rename, and the renames run in the order given
(the primary file last). The writer puts one run id in both, so a reader can tell a matched pair from a
pair that a crash between the two renames left mixed.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import shutil
import socket
import stat
import sys
import tempfile
import time
import uuid
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
    clean_stale_temps(folder)


#: A temporary name older than this (seconds) is stale whatever its process (other hosts, Windows).
STALE_AFTER_S = 24 * 3600
_HOST = hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]
_TEMP_RE = re.compile(r"^\..+\.sinkmap-(?P<host>[0-9a-f]{8})-(?P<pid>\d+)-[0-9a-z_]{8}\.tmp$")


def temp_prefix(path: Path) -> str:
    """The start of a temporary name for ``path`` (:func:`tempfile.mkstemp` adds the random part)."""
    return f".{path.name}.sinkmap-{_HOST}-{os.getpid()}-"


def _temp_name(path: Path) -> Path:
    return path.with_name(f"{temp_prefix(path)}{uuid.uuid4().hex[:8]}.tmp")


def _pid_alive(pid: int) -> bool:
    if sys.platform == "win32":  # os.kill(pid, 0) would terminate it there: rely on the age
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it exists, owned by someone else
        return True
    return True


def clean_stale_temps(folder: Path, *, now: float | None = None) -> list[Path]:
    """Remove sinkmap's own leftover temporary files and folders in ``folder`` (see the module
    docstring); returns what was removed. Errors (a file in use on Windows, permissions) are ignored."""
    removed: list[Path] = []
    now = time.time() if now is None else now
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        m = _TEMP_RE.match(entry.name)
        if m is None:
            continue
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        pid = int(m["pid"])
        mine = m["host"] == _HOST
        if mine and pid == os.getpid():
            continue  # this process is writing it
        if not (age > STALE_AFTER_S or (mine and not _pid_alive(pid))):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
            removed.append(Path(entry.path))
        except OSError:
            pass
    return removed


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
    """The message for an OS error while writing ``path``, with the hint that fits its cause."""
    from .write_errors import output_error

    return output_error(path, err)


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
    tmp_name = _temp_name(path)
    fd = os.open(tmp_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
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
    tmp_dir = Path(tempfile.mkdtemp(prefix=temp_prefix(path), suffix=".tmp", dir=path.parent))
    try:
        yield tmp_dir / path.name
        try:
            _move_into_place(tmp_dir, path)
        except OSError as err:
            raise _os_error(path, err) from err
        _fsync_folder(path.parent)
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)


@contextlib.contextmanager
def atomic_group(*paths: str | os.PathLike[str]) -> Iterator[list[Path]]:
    """Temporary paths (one per destination, same folder) to write files that belong together.

    When the block ends without an exception each temporary file is synced, then all are renamed over
    their destinations in the order given — put the primary file (the one readers open first) last.
    On an exception nothing changes and the temporary files are removed.
    """
    dests = [Path(p) for p in paths]
    for d in dests:
        _check_folder(d)
    tmps = [_temp_name(d) for d in dests]
    try:
        yield tmps
        for tmp, dest in zip(tmps, dests):
            if not tmp.exists():
                raise InputError(code="io.write.nothing_produced", path=dest)
            try:
                with open(tmp, "rb+") as fh:
                    os.fsync(fh.fileno())
                os.chmod(tmp, _target_mode(dest))
            except OSError as err:
                raise _os_error(dest, err) from err
        for tmp, dest in zip(tmps, dests):
            try:
                os.replace(tmp, dest)
            except OSError as err:
                raise _os_error(dest, err) from err
        for folder in {d.parent for d in dests}:
            _fsync_folder(folder)
    finally:
        for tmp in tmps:
            with contextlib.suppress(OSError):
                tmp.unlink()


def write_json(path: str | os.PathLike[str], value: Any, *, indent: int | None = 2) -> Path:
    """Write ``value`` as strict JSON (:mod:`sinkmap.core.jsonutil`), atomically; returns the path."""
    from ..core.jsonutil import dump

    path = Path(path)
    with atomic_write(path, "w", encoding="utf-8") as fh:
        dump(value, fh, indent=indent)
    return path
