"""Tables out: CSV, Excel and JSON — the one writer of every table sinkmap exports, written atomically.

Layout (the same columns in every format):

* the first column, when the caller gives a ``label`` (the ledger always does), says where the data come
  from on every row — ``演示数据（合成，非真实调查数据） synthetic demo data (not survey data)`` for the
  demo world — so the first row a reader sees carries it, and the file stays a plain rectangular table
  (pandas, Excel, QGIS read it with no rows to skip; a title line above the header would break them);
* the last column, when ``meta`` is given, is the run id: one random id per write, also in the meta.

Formats:

* ``.csv`` — UTF-8 **with a byte-order mark** (``utf-8-sig``). Excel on Chinese Windows opens a CSV
  without a BOM as GBK and shows 杉木 as garbage; with the BOM it reads UTF-8. pandas, Python and
  QGIS read the BOM transparently. ``meta`` goes to a sidecar ``<name>.meta.json`` (a CSV has no place
  for it, and a comment line would break Excel and most readers). The CSV and its sidecar are written
  as one unit (:func:`sinkmap.io.atomic.atomic_group`: both complete, then the sidecar renamed, then the
  CSV) and carry the same ``run_id``: :func:`csv_meta_matches` tells a matched pair from a mixed one.
  Text cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or
  carriage return — OWASP "CSV injection") are written with a leading ``'``; numbers stay numbers.
* ``.xlsx`` — sheet ``data`` with a bold, frozen header row; sheet ``meta`` with key/value rows (year,
  inputs, the "synthetic demo data" label, the run id ...). Every text cell is stored as text, never as a
  formula, so ``=HYPERLINK(...)`` shows as written and runs nothing.
* ``.json`` — a list of records (strict JSON, :mod:`sinkmap.core.jsonutil`: NaN/NaT/±inf -> ``null``);
  with ``meta``, an object ``{"meta": {...}, "records": [...]}``.

Unknown extensions raise :class:`~sinkmap.core.errors.InputError` naming the supported ones.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..core.errors import InputError
from ..core.jsonutil import dump as json_dump
from ..core.jsonutil import dumps as json_dumps
from ..core.jsonutil import plain
from ..io.atomic import atomic_group, atomic_output_path, atomic_write

TABLE_FORMATS = (".csv", ".xlsx", ".json")

DATA_SHEET = "data"
META_SHEET = "meta"
#: The name of the run-id column and meta key (a machine name, the same in every language).
RUN_ID = "run_id"
#: The first characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, prefixed with ``'``; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def meta_path(path: str | os.PathLike[str]) -> Path:
    """The sidecar of a CSV: ``ledger.csv`` -> ``ledger.meta.json``."""
    path = Path(path)
    return path.with_name(path.stem + ".meta.json")


def csv_meta_matches(path: str | os.PathLike[str]) -> bool:
    """True when the CSV at ``path`` and its ``.meta.json`` come from the same write (same run id)."""
    path = Path(path)
    try:
        meta = json.loads(meta_path(path).read_text(encoding="utf-8"))
        df = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
    except (OSError, ValueError):
        return False
    run = meta.get(RUN_ID) if isinstance(meta, dict) else None
    return bool(run) and df.columns[-1] == RUN_ID and set(df[RUN_ID].dropna()) == {run}


def _plain(value: Any) -> Any:
    """A JSON/Excel-friendly Python scalar: numpy -> Python, NaN/NaT/inf -> None, dates -> ISO."""
    return plain(value)


def _frame(df: pd.DataFrame) -> pd.DataFrame:
    """Keep a meaningful index as columns; a default RangeIndex is dropped."""
    if isinstance(df.index, pd.RangeIndex) and df.index.name is None:
        return df
    return df.reset_index()


def _columns(df: pd.DataFrame) -> list[list[Any]]:
    return [[_plain(v) for v in df[c].tolist()] for c in df.columns]


def _write_csv(df: pd.DataFrame, path: Path, meta: Mapping[str, Any] | None) -> None:
    safe = df.rename(columns=lambda c: neutralise(str(c)))
    for col in safe.columns:
        if safe[col].dtype == object or pd.api.types.is_string_dtype(safe[col]):
            safe[col] = safe[col].map(neutralise)
    if not meta:
        with atomic_write(path, "w", encoding="utf-8-sig", newline="") as f:
            safe.to_csv(f, index=False, lineterminator="\r\n")
        _drop_stale_sidecar(path)
        return
    side = meta_path(path)
    with atomic_group(side, path) as (side_tmp, csv_tmp):  # the sidecar renamed first, the CSV last
        with open(side_tmp, "w", encoding="utf-8") as f:
            json_dump(dict(meta), f)
        with open(csv_tmp, "w", encoding="utf-8-sig", newline="") as f:
            safe.to_csv(f, index=False, lineterminator="\r\n")


def _drop_stale_sidecar(path: Path) -> None:
    """A CSV written without meta: remove a sidecar of an earlier write (ours: it has a run id)."""
    side = meta_path(path)
    with contextlib.suppress(OSError, ValueError):
        if RUN_ID in json.loads(side.read_text(encoding="utf-8")):
            side.unlink()


def _excel_value(value: Any) -> Any:
    value = _plain(value)
    if isinstance(value, (list, dict)):
        return json_dumps(value, indent=None)
    return value


def _write_xlsx(df: pd.DataFrame, path: Path, meta: Mapping[str, Any] | None) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(DATA_SHEET)
    ws.freeze_panes = "A2"
    bold = Font(bold=True)

    def cell(sheet: Any, value: Any, *, header: bool = False) -> Any:
        c = WriteOnlyCell(sheet, value=_excel_value(value))
        if isinstance(c.value, str):
            c.data_type = "s"  # text, never a formula (openpyxl makes '=...' a formula otherwise)
        if header:
            c.font = bold
        return c

    ws.append([cell(ws, str(c), header=True) for c in df.columns])
    cols = _columns(df)
    for row in zip(*cols):
        ws.append([cell(ws, v) if isinstance(v, str) else _excel_value(v) for v in row])
    if meta:
        ms = wb.create_sheet(META_SHEET)
        ms.append([cell(ms, "key", header=True), cell(ms, "value", header=True)])
        for key, value in meta.items():
            ms.append([cell(ms, str(key)), cell(ms, value)])
    with atomic_output_path(path) as tmp:
        wb.save(tmp)


def _write_json(df: pd.DataFrame, path: Path, meta: Mapping[str, Any] | None) -> None:
    names = [str(c) for c in df.columns]
    records = [dict(zip(names, row)) for row in zip(*_columns(df))]
    doc: Any = {"meta": _plain(dict(meta)), "records": records} if meta else records
    with atomic_write(path, "w", encoding="utf-8") as f:
        json_dump(doc, f, indent=1)


def write_table(df: pd.DataFrame, path: str | os.PathLike[str], *,
                meta: Mapping[str, Any] | None = None, label: str | None = None,
                label_column: str = "data") -> Path:
    """Write ``df`` to ``path`` (.csv, .xlsx or .json, see the module docstring); returns the path.

    ``label``: what the data are (e.g. the synthetic-demo label), written as the first column
    ``label_column`` on every row. With ``meta``, a fresh run id goes into the meta and the last column.
    """
    path = Path(path)
    ext = path.suffix.lower()
    writers = {".csv": _write_csv, ".xlsx": _write_xlsx, ".json": _write_json}
    if ext not in writers:
        raise InputError(code="io.write.table_unsupported_ext" if ext else "io.write.table_no_ext", path=path,
                         ext=ext, formats=", ".join(TABLE_FORMATS))
    frame = _frame(df).copy()
    if label is not None:
        frame.insert(0, label_column, label)
    if meta:
        run_id = uuid.uuid4().hex[:16]
        meta = {**dict(meta), RUN_ID: run_id}
        frame[RUN_ID] = run_id
    writers[ext](frame, path, meta)
    return path


# -- workbooks of several sheets (the report's tables) ------------------------------------------------------

def write_workbook(sheets: list[tuple[str, pd.DataFrame]], path: str | os.PathLike[str], *,
                   meta: Mapping[str, Any] | None = None) -> Path:
    """Several tables as one ``.xlsx`` (atomic): one sheet each, bold frozen headers, text never a formula;
    a ``meta`` sheet when ``meta`` is given (with a fresh run id, also returned in ``meta``'s copy)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise InputError(code="io.write.table_unsupported_ext", path=path, ext=path.suffix, formats=".xlsx")
    wb = Workbook(write_only=True)
    bold = Font(bold=True)

    def cell(sheet: Any, value: Any, *, header: bool = False) -> Any:
        c = WriteOnlyCell(sheet, value=_excel_value(value))
        if isinstance(c.value, str):
            c.data_type = "s"
        if header:
            c.font = bold
        return c

    for name, df in sheets:
        ws = wb.create_sheet(name[:31])
        ws.freeze_panes = "A2"
        frame = _frame(df)
        ws.append([cell(ws, str(c), header=True) for c in frame.columns])
        for row in zip(*_columns(frame)):
            ws.append([cell(ws, v) if isinstance(v, str) else _excel_value(v) for v in row])
    if meta:
        ms = wb.create_sheet(META_SHEET)
        ms.append([cell(ms, "key", header=True), cell(ms, "value", header=True)])
        for key, value in meta.items():
            ms.append([cell(ms, str(key)), cell(ms, value)])
    with atomic_output_path(path) as tmp:
        wb.save(tmp)
    return path
