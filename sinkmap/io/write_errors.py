"""An operating-system error while writing an output, as a message that says what happened and what to do.

Writers that go through :mod:`sinkmap.io.atomic` never leave a partial file; the error they let through
(a full disk inside a third-party writer such as openpyxl, a permission refused when the file is moved
into place) is turned here into an :class:`InputError` naming the file, with a hint that fits the
cause: a full disk, no permission, a read-only disk, a missing folder, or the system's own words.
"""

from __future__ import annotations

import errno
from pathlib import Path

from ..core.errors import InputError
from ..core.messages import clip

_FULL = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}
_DENIED = {errno.EACCES, errno.EPERM}


def output_error(path: str | Path, err: OSError) -> InputError:
    """The message for ``err`` raised while writing ``path``."""
    detail = clip(err.strerror or err)
    folder = str(Path(path).parent)
    if err.errno in _FULL:
        return InputError(code="io.write.disk_full", path=path, detail=detail, folder=folder)
    if err.errno in _DENIED:
        return InputError(code="io.write.denied", path=path, detail=detail, folder=folder)
    if err.errno == errno.EROFS:
        return InputError(code="io.write.read_only_disk", path=path, detail=detail)
    if err.errno == errno.EISDIR:
        return InputError(code="io.write.is_folder", path=path)
    if err.errno in (errno.ENOENT, errno.ENOTDIR):
        return InputError(code="io.write.no_folder", path=path, folder=folder)
    return InputError(code="io.write.os_error", path=path, detail=detail)


__all__ = ["output_error"]
