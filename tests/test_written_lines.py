"""A job's "wrote FILE" lines: one per file, with the layers written into it (a GeoPackage of three layers was
reported three times)."""

from pathlib import Path

from sinkmap.jobs.base import Output, written_lines


def test_one_line_per_file_with_its_layers():
    outs = [Output(Path("/t/p.gpkg"), "vector", "upper"), Output(Path("/t/p.gpkg"), "vector", "lower"),
            Output(Path("/t/p.gpkg"), "vector", "pairs"), Output(Path("/t/a.tif"), "raster")]
    assert written_lines(outs, "zh_CN") == ["已写出 /t/p.gpkg（upper、lower、pairs）", "已写出 /t/a.tif"]
    assert written_lines(outs, "en") == ["wrote /t/p.gpkg (upper, lower, pairs)", "wrote /t/a.tif"]
    assert written_lines([], "en") == []
