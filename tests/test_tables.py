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
    assert {k: v for k, v in meta.items() if k != "run_id"} == META and len(meta["run_id"]) == 16


def test_xlsx_bold_header_and_meta_sheet(tmp_path: Path) -> None:
    path = write_table(_df(), tmp_path / "ledger.xlsx", meta=META)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["data", "meta"]
    ws = wb["data"]
    header = [c.value for c in ws[1]]
    assert header == ["county", "stock_10k_m3", "n_stands", "coverage_pct", "run_id"]
    assert all(c.font.bold for c in ws[1]) and not ws["A2"].font.bold
    assert ws.freeze_panes == "A2"
    assert ws["A2"].value == "浏阳市" and ws["B2"].value == 1234.5 and ws["C4"].value == 12
    assert ws["B3"].value is None and ws["D3"].value is None  # NaN and inf -> empty cells
    assert ws["A4"].value == '=HYPERLINK("x")' and ws["A4"].data_type == "s"  # text, not a formula
    meta = {r[0].value: r[1].value for r in wb["meta"].iter_rows(min_row=2)}
    assert meta["year"] == 2025 and meta["label"] == "synthetic demo data"
    assert meta["run_id"] == ws["E2"].value
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
    assert {k: v for k, v in doc["meta"].items() if k != "run_id"} == META and len(doc["records"]) == 3
    assert {r["run_id"] for r in doc["records"]} == {doc["meta"]["run_id"]}


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

    import sinkmap.export.tables as tables

    owner, name = {".csv": (pd.DataFrame, "to_csv"), ".xlsx": (openpyxl.Workbook, "save"),
                   ".json": (tables, "json_dump")}[ext]
    real = getattr(owner, name)

    def write_then_fail(*args, **kwargs):  # type: ignore[no-untyped-def]
        real(*args, **kwargs)  # the temporary file is complete, then something fails
        raise RuntimeError("simulated failure while writing")

    monkeypatch.setattr(owner, name, write_then_fail)
    with pytest.raises(RuntimeError):
        write_table(_df().iloc[:1], path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


# -- formula injection (OWASP CSV injection) ------------------------------------------------------------

HOSTILE = ['=HYPERLINK("http://x","y")', "=1+1", "@SUM(A1)", "+1", "-2+3", "\tTAB", "\rCR", "安全"]


def _hostile() -> pd.DataFrame:
    return pd.DataFrame({"name": HOSTILE, "v": [-1.5, 2.0, -3.0, 4.0, 5.0, 6.0, 7.0, 8.0]})


def test_csv_neutralises_formulas_and_keeps_numbers(tmp_path: Path) -> None:
    path = write_table(_hostile(), tmp_path / "z.csv", meta={"year": 2025})
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert list(back["name"]) == ["'" + h for h in HOSTILE[:-1]] + ["安全"]
    assert back["v"].dtype.kind == "f" and back["v"].iloc[0] == -1.5  # negative numbers stay numbers
    raw = path.read_text(encoding="utf-8-sig")
    assert "\n=" not in raw and ",=" not in raw and "\"=" not in raw


def test_csv_neutralises_hostile_headers(tmp_path: Path) -> None:
    back = pd.read_csv(write_table(pd.DataFrame({"=cmd": [1]}), tmp_path / "h.csv"), encoding="utf-8-sig")
    assert list(back.columns) == ["'=cmd"]


def test_xlsx_never_writes_a_formula(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(write_table(_hostile(), tmp_path / "z.xlsx"))
    ws = wb["data"]
    names = [ws.cell(row=r, column=1) for r in range(2, 2 + len(HOSTILE))]
    assert [c.value for c in names] == [h.replace("\r", "\n") for h in HOSTILE]  # as written (XML: CR is LF)
    assert all(c.data_type == "s" for c in names)  # ... as text, never as a formula
    assert ws["B2"].value == -1.5 and ws["B2"].data_type == "n"


# -- the label column -----------------------------------------------------------------------------------

@pytest.mark.parametrize("ext", [".csv", ".xlsx", ".json"])
def test_label_is_the_first_column_of_every_row(tmp_path: Path, ext: str) -> None:
    path = write_table(_df(), tmp_path / f"t{ext}", label="演示数据 synthetic", label_column="data")
    if ext == ".csv":
        first = path.read_text(encoding="utf-8-sig").splitlines()[1]
        assert first.startswith("演示数据 synthetic,")
        back = pd.read_csv(path, encoding="utf-8-sig")
    elif ext == ".xlsx":
        back = pd.read_excel(path)
    else:
        back = pd.DataFrame(json.loads(path.read_text(encoding="utf-8")))
    assert back.columns[0] == "data" and set(back["data"]) == {"演示数据 synthetic"}
    assert back["county"].iloc[0] == "浏阳市"  # still a plain table: no rows to skip


# -- atomic pairs and leftover temporary files ------------------------------------------------------------

def test_csv_and_meta_carry_one_run_id(tmp_path: Path) -> None:
    from sinkmap.export.tables import csv_meta_matches

    path = write_table(_df(), tmp_path / "l.csv", meta=META)
    meta = json.loads((tmp_path / "l.meta.json").read_text(encoding="utf-8"))
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert set(back["run_id"]) == {meta["run_id"]} and csv_meta_matches(path)
    first = meta["run_id"]
    # a crash between the two renames: a new sidecar beside the old CSV is detectable
    old_csv = path.read_bytes()
    write_table(_df(), tmp_path / "l.csv", meta=META)
    assert json.loads((tmp_path / "l.meta.json").read_text(encoding="utf-8"))["run_id"] != first
    path.write_bytes(old_csv)
    assert not csv_meta_matches(path)


def test_csv_without_meta_removes_our_stale_sidecar(tmp_path: Path) -> None:
    write_table(_df(), tmp_path / "l.csv", meta=META)
    write_table(_df(), tmp_path / "l.csv")
    assert not (tmp_path / "l.meta.json").exists()


def test_a_killed_writers_temp_files_are_cleaned_on_the_next_write(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from sinkmap.io.atomic import clean_stale_temps, temp_prefix

    # a process that started a write and was killed (SIGKILL): its pid no longer exists
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    dead = temp_prefix(tmp_path / "l.csv").replace(f"-{os.getpid()}-", f"-{proc.pid}-")
    left_file = tmp_path / f"{dead}ab12cd34.tmp"
    left_file.write_text("half a table")
    left_dir = tmp_path / (dead.replace(".l.csv.", ".l.xlsx.") + "x_y1z2w3.tmp")
    left_dir.mkdir()
    (left_dir / "l.xlsx").write_bytes(b"PK")
    mine = tmp_path / f"{temp_prefix(tmp_path / 'other.csv')}00aa11bb.tmp"  # this live process's
    mine.write_text("being written")
    stranger = tmp_path / ".l.csv.abcdefgh.tmp"  # not sinkmap's naming: never touched
    stranger.write_text("someone else's")
    user = tmp_path / "notes.tmp"
    user.write_text("the user's")

    write_table(_df(), tmp_path / "l.csv", meta=META)
    assert not left_file.exists() and not left_dir.exists()
    assert mine.exists() and stranger.exists() and user.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == [
        "l.csv", "l.meta.json", "notes.tmp"]

    # a live process's temp file is kept until it is old; then it goes too (another host, a reused pid)
    alive = tmp_path / f"{temp_prefix(tmp_path / 'x.csv').replace(f'-{os.getpid()}-', '-1-')}00aa11bb.tmp"
    alive.write_text("pid 1 is alive")
    assert clean_stale_temps(tmp_path) == [] and alive.exists()
    import time

    assert alive in clean_stale_temps(tmp_path, now=time.time() + 2 * 24 * 3600)
