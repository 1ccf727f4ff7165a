"""The ledger's exports and terminal tables: honest labels, units in every gap column, the chosen
language, the screen's rounding, formula-safe names, the plan document cited, safe terminal text."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from sinkmap.core.indicators import Comparator, Status
from sinkmap.core.ledger_report import Assessment, LedgerUnit
from sinkmap.jobs.base import DATA_DEMO, DATA_USER
from sinkmap.jobs.ledger import LedgerReport, write_report

HOSTILE = '=HYPERLINK("http://x","y")'
DOC = "长政发〔2023〕2号《长沙市碳达峰实施方案》"


def _cov(measured: float, gap: float | None, status: Status) -> Assessment:
    return Assessment(indicator="forest_coverage_pct", value=55.0, comparator=Comparator.APPROX, status=status,
                      gap=gap, gap_unit="ha", measured=measured, unit="%", city="长沙市", year=2025,
                      quote="森林覆盖率（林木绿化率）稳定在 55% 左右", document=DOC,
                      seed="000_0d662d477e0d3844.txt", line=898)


def _report(data: str = DATA_DEMO) -> LedgerReport:
    city = LedgerUnit(name="长沙市", level="city", parent="湖南省", land_area_km2=11818.94, forest_area_ha=657064.456,
                      forest_coverage_pct=55.594321, forest_stock_10k_m3=3619.9612, co2_t=49806123.0,
                      targets_city="长沙市", targets=[_cov(55.594321, 0.0, Status.MET)])
    county = LedgerUnit(name="芙蓉区", level="county", parent="长沙市", land_area_km2=43.87,
                        forest_area_ha=121.5432, forest_coverage_pct=2.770123, targets_city="长沙市",
                        targets=[_cov(2.770123, 2294.3412, Status.SHORT)])
    zone = LedgerUnit(name=HOSTILE, level="zone", parent="长沙市", land_area_km2=-2.0, targets_city="长沙市")
    return LedgerReport(year=2025, units=[city, county, zone], data=data, inputs={"forest": "f.gpkg"})


# -- 3. honest labels ---------------------------------------------------------------------------------

@pytest.mark.parametrize("ext", [".csv", ".xlsx"])
def test_demo_exports_say_synthetic_in_their_first_row(tmp_path: Path, ext: str):
    path = tmp_path / f"ledger{ext}"
    write_report(_report(), path, lang="en")
    if ext == ".csv":
        head = path.read_text(encoding="utf-8-sig").splitlines()[:2]
        assert head[0].startswith("data,name,")
        assert "演示数据" in head[1] and "synthetic" in head[1]
        df = pd.read_csv(path, encoding="utf-8-sig")
        meta = json.loads((tmp_path / "ledger.meta.json").read_text(encoding="utf-8"))
        assert "演示数据" in meta["data_label"] and meta["data"] == DATA_DEMO
    else:
        wb = openpyxl.load_workbook(path)
        assert "演示数据" in wb["data"]["A2"].value and "synthetic" in wb["data"]["A2"].value
        df = pd.read_excel(path)
    assert df["name"].iloc[0] == "长沙市"  # machine-readable: no rows to skip
    assert df["data"].str.contains("synthetic").all()


def test_user_data_is_not_labelled_synthetic(tmp_path: Path):
    path = tmp_path / "ledger.csv"
    write_report(_report(DATA_USER), path, lang="en")
    assert "synthetic" not in path.read_text(encoding="utf-8-sig")


# -- 4. export columns: units, language, rounding --------------------------------------------------------

def test_english_columns_carry_units_and_screen_rounding(tmp_path: Path):
    path = tmp_path / "ledger.csv"
    write_report(_report(), path, lang="en")
    df = pd.read_csv(path, encoding="utf-8-sig")
    assert "forest_coverage_pct__gap_ha" in df.columns and "forest_coverage_pct__gap" not in df.columns
    gaps = [c for c in df.columns if "__gap" in c]
    assert gaps and all(c.rsplit("__gap_", 1)[1] for c in gaps)
    row = df.set_index("name").loc["芙蓉区"]
    assert row["forest_coverage_pct__gap_ha"] == 2294.0  # as the terminal shows: 差 2,294 ha
    assert row["forest_coverage_pct"] == 2.77 and row["forest_area_ha"] == 121.5
    assert row["forest_coverage_pct__status"] == "short" and row["level"] == "county"
    city = df.set_index("name").loc["长沙市"]
    assert city["co2_10k_t"] == 4980.6 and city["forest_stock_10k_m3"] == 3620.0
    assert city["forest_coverage_pct__comparator"] == "about"


def test_chinese_columns_and_words(tmp_path: Path):
    path = tmp_path / "台账.xlsx"
    write_report(_report(), path, lang="zh_CN")
    df = pd.read_excel(path)
    assert list(df.columns[:4]) == ["数据", "单元", "行政区划代码", "级别"]
    assert {"森林覆盖率_差距_公顷", "森林覆盖率_状态", "森林覆盖率_目标_百分比", "二氧化碳_万吨"} <= set(df.columns)
    row = df.set_index("单元").loc["芙蓉区"]
    assert row["森林覆盖率_状态"] == "未达标" and row["级别"] == "县区" and row["森林覆盖率_差距_公顷"] == 2294
    assert df.set_index("单元").loc["长沙市", "森林覆盖率_比较"] == "左右"


# -- 7. formula injection through the ledger ---------------------------------------------------------------

def test_a_zone_named_like_a_formula_is_text(tmp_path: Path):
    write_report(_report(), tmp_path / "l.csv", lang="en")
    df = pd.read_csv(tmp_path / "l.csv", encoding="utf-8-sig")
    assert df["name"].iloc[2] == "'" + HOSTILE and df["land_area_km2"].iloc[2] == -2.0  # numbers stay numbers
    write_report(_report(), tmp_path / "l.xlsx", lang="en")
    cell = openpyxl.load_workbook(tmp_path / "l.xlsx")["data"]["B4"]
    assert cell.value == HOSTILE and cell.data_type == "s"


# -- 5. targets cited by their document ------------------------------------------------------------------

def test_assessment_json_cites_the_document_and_keeps_provenance():
    d = _report().to_json()["units"][1]["targets"][0]
    assert d["document"] == DOC and d["quote"].startswith("森林覆盖率")
    assert (d["seed"], d["line"]) == ("000_0d662d477e0d3844.txt", 898)


def test_targets_are_cited_by_document_not_by_seed_file(capsys):
    from sinkmap.display import show_report
    from sinkmap.jobs.plan_targets import TargetsRequest, run_targets
    from sinkmap.core.feedback import NullFeedback

    report = run_targets(TargetsRequest(city="株洲市"), NullFeedback())
    assert {t.document for t in report.targets} == {"株政发〔2023〕9号《株洲市碳达峰实施方案》"}
    show_report(report, lang="zh_CN")
    out = capsys.readouterr().out
    assert "株政发〔2023〕9号" in out and "株洲市碳达峰实施方案" in out
    assert "004_ba03f211f8ace847" not in out and "004:" not in out
    show_report(report, as_json=True)
    rows = json.loads(capsys.readouterr().out)
    assert all(r["document"].startswith("株政发〔2023〕9号") and r["seed"].startswith("004_") for r in rows)


def test_ledger_assessments_carry_the_document():
    from sinkmap.jobs.ledger import LedgerRequest, with_targets
    from sinkmap.io.targets import load_targets

    row = {"name": "岳麓区", "adcode": "430104", "level": "county", "parent": "长沙市", "forest_coverage_pct": 30.0}
    unit = with_targets(row, load_targets(include_default_user_file=False), LedgerRequest(year=2025), {})
    cov = unit.assessment("forest_coverage_pct")
    assert cov.document == DOC and cov.seed.startswith("000_") and cov.line == 898


# -- 9. terminal output ---------------------------------------------------------------------------------------

def _terminal(capsys, monkeypatch, report, columns: int = 80) -> tuple[str, str]:
    from sinkmap.display import show_report

    monkeypatch.setenv("COLUMNS", str(columns))
    show_report(report, lang="zh_CN")
    out = capsys.readouterr()
    return out.out, out.err


def test_numbers_are_never_cut_at_80_columns(capsys, monkeypatch):
    out, _ = _terminal(capsys, monkeypatch, _report())
    assert "…" not in out
    for number in ("657,064.5", "11,818.9", "4,980.6", "3,620.0", "2,294"):
        assert number in out, number
    assert max(len(line) for line in out.splitlines()) <= 80 + 40  # CJK cells are 2 wide, len() counts 1


def test_untrusted_text_is_shown_as_text(capsys, monkeypatch):
    report = _report()
    report.units[2].name = "[red]x[/red]\x1b[31mevil"
    report.warnings = ["bad value \x1b[2J" + "1" * 300 + " at 112.12345678901234567890123", "x" * 1_000_000,
                       "raster warning", "raster warning"]
    out, err = _terminal(capsys, monkeypatch, report, columns=200)
    assert "[red]x[/red]" in out and "\x1b" not in out and "\\x1b[31mevil" in out
    assert "\x1b" not in err and "\\x1b[2J" in err
    lines = err.splitlines()
    assert lines.count("警告: raster warning") == 1  # each warning once
    assert all(len(line) < 1000 for line in lines)  # 1 MB values cut
    assert "1" * 20 not in err and "112.123456…" in err  # 300-digit numbers cut


def test_a_year_without_targets_is_one_line(capsys, monkeypatch):
    unit = LedgerUnit(name="长沙市", level="city", forest_coverage_pct=55.0, targets_city="长沙市", targets=[
        Assessment(indicator=i, value=None, comparator=None, status=Status.NO_TARGET, gap=None, gap_unit="ha",
                   measured=None, year=2035, reason="长沙市's plan sets no targets for 2035 (plan years: 2025, 2030)")
        for i in ("forest_coverage_pct", "forest_stock_10k_m3")])
    out, _ = _terminal(capsys, monkeypatch, LedgerReport(year=2035, units=[unit]))
    after = out.split("对照规划目标", 1)[1]
    assert after.count("\n") == 1 and "规划未设目标" in after and "plan years: 2025, 2030" in after
