"""The terminal shows warnings safely: each once, cut, digit runs shortened, control characters as text
(issue 10: raster warnings printed twice, 1 MB attribute values echoed whole, 300-digit coordinates)."""

from __future__ import annotations

from sinkmap.core.messages import Notice
from sinkmap.display import MAX_TEXT, show_report, warning_lines
from sinkmap.jobs.base import Report


def test_each_warning_once_cut_and_shortened(capsys):
    dup = Notice("io.vector.null_geometries", path="/d/小班.shp", layer="小班", n=2, total=9)
    huge = "v" * 1_000_000
    digits = "1" * 300
    report = Report(warnings=[dup, dup, f"value {huge}", f"x = {digits}.5", "esc \x1b[31mred"])
    show_report(report, lang="en")
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 4  # the repeated notice once
    assert sum("2 of 9 features" in line for line in err) == 1
    assert all(len(line) <= 2 * MAX_TEXT + 20 for line in err)  # the 1 MB value is cut
    assert digits not in "\n".join(err) and "111111111111…" in "\n".join(err)  # 300 digits shortened
    assert "\x1b" not in "\n".join(err) and "\\x1b" in "\n".join(err)  # ESC shown, not obeyed


def test_warning_lines_follow_the_language():
    n = Notice("io.vector.null_geometries", path="/d/小班.shp", layer="小班", n=2, total=9)
    assert "没有几何" in warning_lines([n], "zh_CN")[0] and "no geometry" in warning_lines([n], "en")[0]
