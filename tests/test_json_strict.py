"""Every JSON sinkmap prints or writes is strict JSON: no NaN, no Infinity (non-finite -> null)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from sinkmap.core.jsonutil import dumps, plain
from sinkmap.core.ledger_report import LedgerUnit
from sinkmap.jobs.ledger import LedgerReport, write_report


def strict_loads(text: str):
    """json.loads that refuses NaN, Infinity and -Infinity (as browsers, jq, Go and Java do)."""
    def refuse(name: str):
        raise ValueError(f"not JSON: {name}")
    return json.loads(text, parse_constant=refuse)


def _report() -> LedgerReport:
    province = LedgerUnit(name="湖南省", level="province", parent=float("nan"), co2_t=float("inf"),
                          carbon_t=np.float64("nan"), land_area_km2=np.float32(211800.5),
                          extra={"class_area_ha": {"林地": np.inf, "水体": -np.inf}})
    return LedgerReport(year=2025, units=[province])


def test_plain_makes_every_non_finite_null():
    doc = plain({"a": float("nan"), "b": [np.inf, -np.inf, np.float32(1.5)], "c": np.array([np.nan, 2.0]),
                 (1, 2): {np.int64(3)}})
    assert doc == {"a": None, "b": [None, None, 1.5], "c": [None, 2.0], "(1, 2)": [3]}
    text = dumps({"x": math.inf})
    assert strict_loads(text) == {"x": None} and "Infinity" not in text


def test_ledger_json_printed_is_strict(capsys):
    from sinkmap.display import show_report

    show_report(_report(), as_json=True, lang="en")
    out = capsys.readouterr().out
    doc = strict_loads(out)
    unit = doc["units"][0]
    assert unit["parent"] is None and unit["co2_t"] is None and unit["carbon_t"] is None
    assert unit["class_area_ha"] == {"林地": None, "水体": None}


@pytest.mark.parametrize("ext", [".json", ".csv", ".xlsx"])
def test_ledger_files_and_their_meta_are_strict(tmp_path: Path, ext: str):
    report = _report()
    report.inputs = {"forest": "x.gpkg"}
    path = tmp_path / f"ledger{ext}"
    write_report(report, path)
    if ext == ".json":
        assert strict_loads(path.read_text(encoding="utf-8"))["units"][0]["co2_t"] is None
    if ext == ".csv":
        meta = strict_loads((tmp_path / "ledger.meta.json").read_text(encoding="utf-8"))
        assert meta["year"] == 2025


def test_project_file_is_strict(tmp_path: Path):
    from sinkmap.core.project import Project, ViewState
    from sinkmap.io import project_file as pf

    project = Project(view=ViewState(center_x=float("nan"), center_y=1.0, units_per_px=float("inf")))
    path = pf.save_project(project, tmp_path / "p.sinkmap")
    doc = strict_loads(path.read_text(encoding="utf-8"))
    assert doc["view"]["center_x"] is None and doc["view"]["units_per_px"] is None


def test_demo_manifest_is_strict(tmp_path: Path, monkeypatch):
    from sinkmap.demo import generate as gen

    real = gen._build

    def with_nan(tmp, options, feedback):
        manifest = real(tmp, options, feedback)
        manifest.calibration["factor_nan"] = float("nan")
        manifest.counties["inf"] = np.inf
        return manifest

    monkeypatch.setattr(gen, "_build", with_nan)
    gen.generate_demo(tmp_path / "w", small=True, counties=["天元区"])
    doc = strict_loads((tmp_path / "w" / "manifest.json").read_text(encoding="utf-8"))
    assert doc["calibration"]["factor_nan"] is None and doc["counties"]["inf"] is None


@pytest.mark.parametrize("indent", [2, 0, 4])
def test_dumps_writes_exactly_what_json_writes(indent):
    # dumps indents with json's C encoder (issue 15): the text must be the standard library's, byte for byte
    docs = [{}, [], "x", 1.5, None, True, 2**70, -0.0, 1e300, {"a": []}, [[]], {"a": {}}, [1, [2, [3, {}]], {"x": [{}]}],
            {"键": "\"\n\\ \x01 中\u2028", "n": [True, False, None, 1, 0.1, 1e-7]},
            {"units": [{"name": "湖南省", "class_areas_ha": {"0101": 1.25, "0102": 0.0}, "unclassified": {},
                        "targets": [{"value": 55.0, "gap": None, "line": 900}], "nested": {"a": {"b": [1, {"c": []}]}}}]}]
    for doc in docs:
        assert dumps(doc, indent=indent) == json.dumps(doc, ensure_ascii=False, allow_nan=False, indent=indent)
