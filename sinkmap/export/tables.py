"""Tables out: CSV, Excel and JSON, written atomically.

* ``.csv`` — UTF-8 **with a byte-order mark** (``utf-8-sig``). Excel on Chinese Windows opens a CSV
  without a BOM as GBK and shows 杉木 as garbage; with the BOM it reads UTF-8. pandas, Python and
  QGIS read the BOM transparently. ``meta`` goes to a sidecar ``<name>.meta.json`` (a CSV has no place
  for it, and a comment line would break Excel and most readers).
* ``.xlsx`` — sheet ``data`` with a bold, frozen header row; sheet ``meta`` with key/value rows (year,
  inputs, the "synthetic demo data" label ...). Text that starts with ``=`` is stored as text, never
  as a formula.
* ``.json`` — a list of records (``ensure_ascii=False``, NaN/NaT/±inf -> ``null``); with ``meta``,
  an object ``{"meta": {...}, "records": [...]}``.

Unknown extensions raise :class:`~sinkmap.core.errors.InputError` naming the supported ones.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import InputError
from ..io.atomic import atomic_output_path, atomic_write

TABLE_FORMATS = (".csv", ".xlsx", ".json")

DATA_SHEET = "data"
META_SHEET = "meta"


def _plain(value: Any) -> Any:
    """A JSON/Excel-friendly Python scalar: numpy -> Python, NaN/NaT/inf -> None, dates -> ISO."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, np.ndarray)):
        return [_plain(v) for v in value]
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _frame(df: pd.DataFrame) -> pd.DataFrame:
    """Keep a meaningful index as columns; a default RangeIndex is dropped."""
    if isinstance(df.index, pd.RangeIndex) and df.index.name is None:
        return df
    return df.reset_index()


def _columns(df: pd.DataFrame) -> list[list[Any]]:
    return [[_plain(v) for v in df[c].tolist()] for c in df.columns]


def _write_csv(df: pd.DataFrame, path: Path, meta: Mapping[str, Any] | None) -> None:
    with atomic_write(path, "w", encoding="utf-8-sig", newline="") as f:
        df.to_csv(f, index=False, lineterminator="\r\n")
    if meta:
        side = path.with_name(path.stem + ".meta.json")
        with atomic_write(side, "w", encoding="utf-8") as f:
            json.dump(_plain(dict(meta)), f, ensure_ascii=False, indent=2)


def _excel_value(value: Any) -> Any:
    value = _plain(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
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
        if isinstance(c.value, str) and c.value.startswith("="):
            c.data_type = "s"  # text, not a formula
        if header:
            c.font = bold
        return c

    ws.append([cell(ws, str(c), header=True) for c in df.columns])
    cols = _columns(df)
    for row in zip(*cols):
        ws.append([cell(ws, v) if isinstance(v, str) and v.startswith("=") else _excel_value(v)
                   for v in row])
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
        json.dump(doc, f, ensure_ascii=False, allow_nan=False, indent=1)
        f.write("\n")


def write_table(df: pd.DataFrame, path: str | os.PathLike[str], *,
                meta: Mapping[str, Any] | None = None) -> Path:
    """Write ``df`` to ``path`` (.csv, .xlsx or .json, see the module docstring); returns the path."""
    path = Path(path)
    ext = path.suffix.lower()
    writers = {".csv": _write_csv, ".xlsx": _write_xlsx, ".json": _write_json}
    if ext not in writers:
        raise InputError(code="io.write.table_unsupported_ext" if ext else "io.write.table_no_ext", path=path,
                         ext=ext, formats=", ".join(TABLE_FORMATS))
    writers[ext](_frame(df), path, meta)
    return path
