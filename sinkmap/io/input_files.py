"""The first check of every input file, before GDAL sees it: each failure says its own cause.

GDAL answers "not recognized as being in a supported file format" for a folder, an empty file, a pipe and
a damaged file alike; a message built on that told users to re-download a folder or check a disk. Here
each cause has its own message and hint: missing, a folder, not a regular file, no permission, empty.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..core.errors import InputError


def check_input_file(path: Path, *, folders_ok: bool = False) -> None:
    """Refuse ``path`` unless it is a readable, non-empty regular file (or, with ``folders_ok``, a File
    Geodatabase or a folder of Shapefiles, which GDAL reads as one source)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputError(code="io.file.missing", path=path) from None
    except OSError as exc:
        raise InputError(code="io.file.unreadable", path=path, detail=exc.strerror or str(exc)) from None
    if stat.S_ISDIR(st.st_mode):
        if folders_ok and (path.suffix.lower() == ".gdb" or any(path.glob("*.shp"))):
            return
        raise InputError(code="io.file.is_folder", path=path)
    if not stat.S_ISREG(st.st_mode):
        raise InputError(code="io.file.not_regular", path=path)
    if not os.access(path, os.R_OK):
        raise InputError(code="io.file.no_permission", path=path)
    if st.st_size == 0:
        raise InputError(code="io.file.empty", path=path)


__all__ = ["check_input_file"]
