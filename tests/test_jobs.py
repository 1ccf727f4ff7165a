"""The job framework: one declaration drives the CLI, its help, the catalogue, checks and project runs.

The example job (tests/example_job.py) is declared in one module and nothing else; the counts it must
give are checked by hand on a three-feature fixture (values 1, 5, 9; threshold 4 → 2 features).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sinkmap.cli import build_parser, main
from sinkmap.core.errors import SinkmapError
from sinkmap.jobs import registry
from sinkmap.jobs.base import LayerSource, ParamError


def _run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_builtin_jobs_are_in_the_catalogue_with_typed_params_and_both_languages(capsys):
    code, out, _ = _run(capsys, "jobs", "--json")
    assert code == 0
    jobs = {j["id"]: j for j in json.loads(out)}
    assert {"ledger", "demo", "overviews", "targets", "boundaries"} <= set(jobs)
    for job in jobs.values():
        assert job["title"]["zh_CN"] and job["title"]["en"] and job["help"]["zh_CN"] and job["help"]["en"]
        for p in job["params"]:
            assert p["type"] and p["flag"].startswith("--") and p["help"]["zh_CN"] and p["help"]["en"], p
    ledger = {p["name"]: p for p in jobs["ledger"]["params"]}
    assert ledger["year"]["type"] == "year" and ledger["year"]["required"] and ledger["year"]["range"] == [2000, 2100]
    assert ledger["workers"]["range"] == [1, 256]
    assert ledger["forest"]["type"] == "layer" and ledger["forest"]["layer_flag"] == "--forest-layer"
    assert ledger["out"]["suffixes"] == [".csv", ".xlsx", ".json"]
    assert ledger["scheme"]["default"] == "sandiao"
    units = jobs["ledger"]["exclusive"][0]
    assert (units["name"], units["params"], units["required"]) == ("units", ["city", "county", "province", "zones"], True)
    assert units["title"] == {"zh_CN": "统计单元", "en": "Units"}
    assert jobs["ledger"]["demo_fallback"] == ["forest", "wetland", "protected"]
    assert {p["name"] for p in jobs["overviews"]["params"]} == {"raster", "resampling", "factors"}


def test_help_follows_the_interface_language(capsys):
    with pytest.raises(SystemExit):
        main(["--lang", "zh", "ledger", "--help"])
    zh = capsys.readouterr().out
    assert "对照的目标年份" in zh and "用法" in zh and "必须且只能给出其一" in zh
    with pytest.raises(SystemExit):
        main(["ledger", "--help", "--lang=en"])
    en = capsys.readouterr().out
    assert "target year to compare with" in en and "exactly one of: --city" in en and "对照" not in en


def test_language_from_the_environment(monkeypatch, capsys):
    monkeypatch.setenv("SINKMAP_LANG", "zh_CN")
    with pytest.raises(SystemExit):
        main(["targets", "--help"])
    assert "只看这个目标年" in capsys.readouterr().out


def test_a_job_declared_in_one_module_appears_everywhere(example, three, tmp_path, capsys):
    # sinkmap --help, sinkmap jobs, sinkmap jobs --json: nothing edited but tests/example_job.py
    assert "example" in build_parser("en").format_help()  # the group of example.count
    code, out, _ = _run(capsys, "jobs", "--lang", "en")
    assert code == 0 and "example.count" in out and "Count example" in out
    code, out, _ = _run(capsys, "jobs", "--json")
    assert "example.count" in {j["id"] for j in json.loads(out)}
    # and it runs from the CLI: 5 and 9 are >= 4
    out_csv = tmp_path / "n.csv"
    code, out, err = _run(capsys, "example.count", "--layer", str(three), "--field", "v", "--minimum", "4",
                          "--out", str(out_csv), "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert (doc["count"], doc["total"], doc["job"], doc["data"]) == (2, 3, "example.count", "user")
    assert out_csv.read_text(encoding="utf-8") == "count\n2\n"
    assert doc["outputs"][0]["path"] == str(out_csv)


@pytest.mark.parametrize("argv, code_expected", [
    (["--year", "-1"], "jobs.param.out_of_range"),
    (["--year", "2025.5"], "jobs.param.not_integer"),
    (["--year", "2025", "--workers", "0"], "jobs.param.out_of_range"),
    (["--year", "2025", "--band", "nan"], "jobs.param.not_finite"),
    (["--year", "2025", "--band", "inf"], "jobs.param.not_finite"),
    (["--year", "2025", "--band", "-5"], "jobs.param.out_of_range"),
    (["--year", "2025", "--workers", "2", "--scheduler", "tcp://x:1"], "jobs.param.exclusive"),
    (["--year", "2025", "--out", "ledger.docx"], "jobs.param.bad_suffix"),
])
def test_ledger_arguments_are_checked_by_their_declaration(argv, code_expected):
    from sinkmap.jobs.ledger import LEDGER

    raw = {"city": "长沙市"}
    it = iter(argv)
    for flag in it:
        param = next(p for p in LEDGER.params if p.cli_flag == flag)
        raw[param.name] = next(it)
    with pytest.raises(ParamError) as info:
        LEDGER.convert(raw)
    assert info.value.code == code_expected
    assert info.value.render("zh_CN") != info.value.render("en")


def test_cli_refuses_bad_numbers_with_exit_2_and_no_traceback(capsys):
    for argv in (["ledger", "--city", "长沙", "--year", "-1"], ["ledger", "--city", "长沙", "--year", "2025",
                                                                  "--band", "nan"]):
        code, _, err = _run(capsys, *argv)
        assert code == 2 and "Traceback" not in err and err.startswith("sinkmap: ")


def test_files_must_be_regular_files(example, three, tmp_path):
    job = registry.get("example.count")
    with pytest.raises(ParamError) as info:
        job.convert({"layer": str(tmp_path), "field": "v"})  # a folder without .shp
    assert info.value.code == "jobs.param.is_folder"
    fifo = tmp_path / "pipe.gpkg"
    os.mkfifo(fifo)
    with pytest.raises(ParamError) as info:  # would hang a reader forever
        job.convert({"layer": str(fifo), "field": "v"})
    assert info.value.code == "jobs.param.not_regular"
    with pytest.raises(ParamError) as info:
        job.convert({"layer": str(tmp_path / "missing.gpkg"), "field": "v"})
    assert info.value.code == "jobs.param.no_such_file"


def test_an_output_that_names_an_input_is_refused(tmp_path, three):
    from sinkmap.jobs.boundaries import BOUNDARIES
    from sinkmap.jobs.ledger import LEDGER

    other = LEDGER.convert({"city": "长沙市", "year": 2025, "forest": str(three), "out": str(three.with_suffix(".json"))})
    assert other["out"] == three.with_suffix(".json")  # another file: fine
    target = tmp_path / "t.csv"
    target.write_text("city,year\n", encoding="utf-8")
    with pytest.raises(ParamError) as info:
        LEDGER.convert({"city": "长沙市", "year": 2025, "target_files": [str(target)], "out": str(target)})
    assert info.value.code == "jobs.param.output_is_input"
    assert BOUNDARIES.convert({"city": "长沙市", "out": str(tmp_path / "b.gpkg")})["out"] == tmp_path / "b.gpkg"


def test_field_mapping_values(example):
    from sinkmap.jobs.ledger import LEDGER

    values = LEDGER.convert({"city": "长沙市", "year": 2025, "fields": ["stock_per_ha=MGQXJ", "stock="]})
    assert values["fields"] == {"stock_per_ha": "MGQXJ", "stock": ""}
    with pytest.raises(ParamError):
        LEDGER.convert({"city": "长沙市", "year": 2025, "fields": ["MGQXJ"]})


def test_unknown_unit_fails_before_any_file_is_read():
    from sinkmap.jobs.ledger import LEDGER

    with pytest.raises(SinkmapError) as info:
        LEDGER.convert({"city": "长纱市", "year": 2025, "forest": "/nonexistent.gpkg"})
    assert "长沙市" in str(info.value)


def test_demo_fallback_is_decided_once_and_recorded():
    """No layer given → the demo world fills forest, wetland and protected; the report says so."""
    from sinkmap.jobs.base import apply_demo_world
    from sinkmap.jobs.ledger import LEDGER, LedgerRequest

    request, filled = apply_demo_world(LEDGER, LedgerRequest(year=2025, city="长沙市"), None or _null())
    assert filled == ["forest", "wetland", "protected"]
    assert all("synthetic" in Path(getattr(request, k).path).name for k in filled)
    mine = LedgerRequest(year=2025, city="长沙市", wetland=LayerSource(Path("w.gpkg")))
    assert apply_demo_world(LEDGER, mine, _null()) == (mine, [])  # one user layer: no demo at all


def _null():
    from sinkmap.core.feedback import NullFeedback

    return NullFeedback()


def test_job_run_stored_in_a_project_repeats_from_the_cli(example, three, tmp_path, capsys):
    from sinkmap.core.project import Project
    from sinkmap.io.project_file import load_project, save_project
    from sinkmap.jobs.runs import run_values

    report, run = run_values("example.count", {"layer": str(three), "field": "v", "minimum": 4},
                             module="example_job")
    assert report.count == 2 and run.job == "example.count" and run.params["minimum"] == 4.0
    project = Project()
    project.record_run(run)
    folder = tmp_path / "proj"
    folder.mkdir()
    saved = save_project(project, folder / "p.sinkmap")
    doc = json.loads(saved.read_text(encoding="utf-8"))
    assert doc["job_runs"][0]["params"]["layer"] == {"path": "../three.gpkg", "layer": None}  # relative
    again = load_project(saved)
    assert again.job_runs[0].params["layer"]["path"] == str(three.resolve())
    code, out, err = _run(capsys, "run", str(saved), "--job", "example.count", "--json")
    assert code == 0, err
    assert json.loads(out)["count"] == 2
    code, _, err = _run(capsys, "run", str(saved), "--job", "ledger")
    assert code == 2 and "example.count" in err  # says which runs the project holds


def test_report_and_errors_pickle_for_the_worker_processes(example, three):
    import pickle

    from sinkmap.jobs.runs import run_values

    report, run = run_values("example.count", {"layer": str(three), "field": "v"}, module="example_job")
    again = pickle.loads(pickle.dumps((report, run)))
    assert again[0].count == 3 and again[1].params == run.params
    err = pickle.loads(pickle.dumps(ParamError(code="jobs.param.required", job="x", param="--y")))
    assert err.code == "jobs.param.required" and "--y" in str(err)


def test_demo_files_given_as_inputs_label_the_report_synthetic(tmp_path):
    """The app's first project holds the demo layers as ordinary layers: their report is synthetic too."""
    from sinkmap.demo.generate import demo_layers, ensure_demo
    from sinkmap.jobs.base import demo_inputs
    from sinkmap.jobs.ledger import LEDGER, LedgerRequest

    layers = demo_layers(ensure_demo())
    request = LedgerRequest(year=2025, county="岳麓区", wetland=LayerSource(*layers["wetland"]))
    assert demo_inputs(LEDGER, request) == ["wetland"]
    mine = LedgerRequest(year=2025, county="岳麓区", wetland=LayerSource(tmp_path / "w.gpkg"))
    assert demo_inputs(LEDGER, mine) == []


def test_dotted_job_ids_are_nested_commands(example, three, capsys):
    """`sinkmap example count` and `sinkmap example.count` are the same job; the group lists its jobs."""
    nested = _run(capsys, "example", "count", "--layer", str(three), "--field", "v", "--minimum", "4", "--json")
    dotted = _run(capsys, "example.count", "--layer", str(three), "--field", "v", "--minimum", "4", "--json")
    assert nested[0] == dotted[0] == 0 and json.loads(nested[1])["count"] == json.loads(dotted[1])["count"] == 2
    code, out, _ = _run(capsys, "--lang", "en", "example")
    assert code == 2 and "count" in out and "Count example" in out
