"""sinkmap.export.tables: CSV with BOM, Excel with a bold header and a meta sheet, JSON records."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from sinkmap.core.errors import InputError
from sinkmap.export.tables import write_table

META = {"year": 2025, "inputs": ["forest.gpkg", "targets.yaml"], "label": "synthetic demo data"}


def _df() -> pd.DataFrame:
    return pd.DataFrame({
        "county": ["浏阳市", "攸县", "=HYPERLINK(\"x\")"],
        "stock_10k_m3": [1234.5, np.nan, 7.0],
        "n_stands": np.array([3, 0, 12], dtype=np.int64),
        "coverage_pct": [66.4, math.inf, 59.0],
    })


def test_csv_has_bom_and_reads_back(tmp_path: Path) -> None:
    path = write_table(_df(), tmp_path / "ledger.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the UTF-8 byte-order mark Excel needs
    assert "浏阳市".encode("utf-8") in raw
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert list(back.columns) == ["county", "stock_10k_m3", "n_stands", "coverage_pct"]
    assert back["county"].iloc[0] == "浏阳市"
    assert back["stock_10k_m3"].isna().iloc[1] and back["stock_10k_m3"].iloc[0] == 1234.5
    assert not (tmp_path / "ledger.meta.json").exists()


def test_csv_meta_goes_to_sidecar(tmp_path: Path) -> None:
    write_table(_df(), tmp_path / "ledger.csv", meta=META)
    meta = json.loads((tmp_path / "ledger.meta.json").read_text(encoding="utf-8"))
    assert meta == META


def test_xlsx_bold_header_and_meta_sheet(tmp_path: Path) -> None:
    path = write_table(_df(), tmp_path / "ledger.xlsx", meta=META)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["data", "meta"]
    ws = wb["data"]
    header = [c.value for c in ws[1]]
    assert header == ["county", "stock_10k_m3", "n_stands", "coverage_pct"]
    assert all(c.font.bold for c in ws[1]) and not ws["A2"].font.bold
    assert ws.freeze_panes == "A2"
    assert ws["A2"].value == "浏阳市" and ws["B2"].value == 1234.5 and ws["C4"].value == 12
    assert ws["B3"].value is None and ws["D3"].value is None  # NaN and inf -> empty cells
    assert ws["A4"].value == '=HYPERLINK("x")' and ws["A4"].data_type == "s"  # text, not a formula
    meta = {r[0].value: r[1].value for r in wb["meta"].iter_rows(min_row=2)}
    assert meta["year"] == 2025 and meta["label"] == "synthetic demo data"
    assert json.loads(meta["inputs"]) == ["forest.gpkg", "targets.yaml"]
    assert all(c.font.bold for c in wb["meta"][1])


def test_xlsx_without_meta_has_one_sheet(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(write_table(_df(), tmp_path / "t.xlsx"))
    assert wb.sheetnames == ["data"]


def test_json_records_null_and_unicode(tmp_path: Path) -> None:
    path = write_table(_df(), tmp_path / "ledger.json")
    raw = path.read_text(encoding="utf-8")
    assert "浏阳市" in raw and "\\u" not in raw  # ensure_ascii=False
    assert "NaN" not in raw and "Infinity" not in raw
    recs = json.loads(raw)
    assert recs[0] == {"county": "浏阳市", "stock_10k_m3": 1234.5, "n_stands": 3, "coverage_pct": 66.4}
    assert recs[1]["stock_10k_m3"] is None and recs[1]["coverage_pct"] is None


def test_json_with_meta(tmp_path: Path) -> None:
    doc = json.loads(write_table(_df(), tmp_path / "l.json", meta=META).read_text(encoding="utf-8"))
    assert doc["meta"] == META and len(doc["records"]) == 3


def test_named_index_and_dates_kept(tmp_path: Path) -> None:
    df = pd.DataFrame({"v": [1.0, 2.0]}, index=pd.Index(["长沙市", "株洲市"], name="city"))
    df["when"] = pd.to_datetime(["2025-01-13", "2023-07-16"])
    recs = json.loads(write_table(df, tmp_path / "d.json").read_text(encoding="utf-8"))
    assert recs[0] == {"city": "长沙市", "v": 1.0, "when": "2025-01-13T00:00:00"}


def test_unknown_extension(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        write_table(_df(), tmp_path / "ledger.ods")
    text = str(info.value)
    assert "ledger.ods" in text and ".csv" in text and ".xlsx" in text and ".json" in text


@pytest.mark.parametrize("ext", [".csv", ".xlsx", ".json"])
def test_failed_write_leaves_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ext: str) -> None:
    path = write_table(_df(), tmp_path / f"ledger{ext}")
    before = path.read_bytes()

    owner, name = {".csv": (pd.DataFrame, "to_csv"), ".xlsx": (openpyxl.Workbook, "save"),
                   ".json": (json, "dump")}[ext]
    real = getattr(owner, name)

    def write_then_fail(*args, **kwargs):  # type: ignore[no-untyped-def]
        real(*args, **kwargs)  # the temporary file is complete, then something fails
        raise RuntimeError("simulated failure while writing")

    monkeypatch.setattr(owner, name, write_then_fail)
    with pytest.raises(RuntimeError):
        write_table(_df().iloc[:1], path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
