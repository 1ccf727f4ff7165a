"""Hostile project files (issue 10, item 1): every value is checked when loading, by the same code for a
project file and for the autosave recovery; a bad one is an InputError naming the file and the key."""

from __future__ import annotations

import json
import os

import pytest

from sinkmap.core.errors import InputError
from sinkmap.core.project import LayerSpec, Project, Style, ViewState
from sinkmap.io import project_file as pf


def _doc(tmp_path) -> dict:
    (tmp_path / "data").mkdir(exist_ok=True)
    p = Project(city="长沙市", year=2025)
    p.add_layer(LayerSpec(name="小班", path=str(tmp_path / "data" / "xb.gpkg"), role="forest",
                          style=Style(kind="graduated", field="MGQXJ", breaks=[0, 50], colors=["#fff"])))
    p.set_view(ViewState(1000.0, 2000.0, 30.0))
    return pf.project_to_dict(p, tmp_path)


def _write(tmp_path, doc, text: str | None = None):
    path = tmp_path / "bad.sinkmap"
    path.write_text(text if text is not None else json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def _refused(path, *words):
    with pytest.raises(InputError) as info:
        pf.load_project(path)
    text = str(info.value)
    assert str(path) in text and info.value.code, text
    for w in words:
        assert w in text, (w, text)
    assert "Traceback" not in text
    return info.value


def test_good_project_still_loads(tmp_path):
    assert pf.load_project(_write(tmp_path, _doc(tmp_path))).view == ViewState(1000.0, 2000.0, 30.0)


@pytest.mark.parametrize("key,value,words", [
    ("units_per_px", 0, ("view.units_per_px", "greater than 0")),
    ("units_per_px", -3, ("view.units_per_px",)),
    ("units_per_px", float("nan"), ("view.units_per_px", "finite")),
    ("center_x", float("nan"), ("view.center_x", "finite")),
    ("center_y", float("inf"), ("view.center_y", "finite")),
    ("center_x", "12", ("view.center_x", "a number")),
    ("crs", "EPSG:99999", ("view.crs", "EPSG:99999")),
])
def test_bad_view_refused(tmp_path, key, value, words):
    doc = _doc(tmp_path)
    doc["view"][key] = value
    _refused(_write(tmp_path, doc), *words)


@pytest.mark.parametrize("value", ["EPSG:99999", "not a crs", 4490, "EPSG:4978"])
def test_bad_display_crs_refused(tmp_path, value):
    doc = _doc(tmp_path)
    doc["display_crs"] = value
    _refused(_write(tmp_path, doc), "display_crs")


def test_deeply_nested_refused(tmp_path):
    text = json.dumps(_doc(tmp_path))[:-1] + ', "junk": ' + "[" * 100000 + "]" * 100000 + "}"
    _refused(_write(tmp_path, None, text), "nested")
    doc = _doc(tmp_path)
    deep: list = []
    for _ in range(60):  # parses, but no project is like this
        deep = [deep]
    doc["job_runs"] = [{"job": "ledger", "params": {"x": deep}}]
    _refused(_write(tmp_path, doc), "nested")


@pytest.mark.parametrize("key,value", [
    ("opacity", "half"), ("opacity", 7), ("stroke_width", None), ("breaks", "1,2"), ("breaks", [0, "x"]),
    ("colors", [1, 2]), ("categories", ["a"]), ("kind", 3), ("kind", "sparkles"), ("fill", {"r": 1}),
    ("vmin", float("nan")), ("label_size", True), ("field", 12),
])
def test_wrong_style_types_refused(tmp_path, key, value):
    doc = _doc(tmp_path)
    doc["layers"][0]["style"][key] = value
    _refused(_write(tmp_path, doc), f"layers[0].style.{key}")


@pytest.mark.parametrize("key,value", [("name", 3), ("visible", "yes"), ("kind", "3d"), ("crs", "EPSG:99999"),
                                       ("fields", [1]), ("layer", {"a": 1})])
def test_wrong_layer_types_refused(tmp_path, key, value):
    doc = _doc(tmp_path)
    doc["layers"][0][key] = value
    _refused(_write(tmp_path, doc), f"layers[0].{key}")


@pytest.mark.parametrize("key,value", [("year", "2025"), ("year", -1), ("year", True), ("city", ["长沙市"]),
                                       ("layers", {"a": 1}), ("target_files", "x.yaml")])
def test_wrong_top_level_types_refused(tmp_path, key, value):
    doc = _doc(tmp_path)
    doc[key] = value
    _refused(_write(tmp_path, doc), key)


@pytest.mark.parametrize("path", ["../../etc/passwd", "/etc/shadow", "/etc/passwd.gpkg", "/proc/self/environ",
                                  "/dev/zero", "/sys/kernel/notes", "data/notes.txt", "builtin:secrets",
                                  "data/\x01.gpkg"])
def test_layer_paths_policy_refuses(tmp_path, path):
    doc = _doc(tmp_path)
    doc["layers"][0]["path"] = path
    _refused(_write(tmp_path, doc), "layers[0].path")


def test_layer_paths_policy_fifo_and_symlink(tmp_path):
    doc = _doc(tmp_path)
    os.mkfifo(tmp_path / "data" / "pipe.gpkg")
    doc["layers"][0]["path"] = "data/pipe.gpkg"
    _refused(_write(tmp_path, doc), "layers[0].path", "pipe")
    (tmp_path / "data" / "shadow.gpkg").symlink_to("/etc/shadow")
    doc["layers"][0]["path"] = "data/shadow.gpkg"
    _refused(_write(tmp_path, doc), "layers[0].path", "system folder")


def test_layer_paths_policy_accepts_data_anywhere(tmp_path):
    """GIS files beside the project (``../``), absolute elsewhere, or missing (relinked later) open."""
    doc = _doc(tmp_path)
    other = tmp_path.parent / (tmp_path.name + "_shared")
    other.mkdir()
    (other / "forest.gpkg").write_bytes(b"")
    doc["layers"][0]["path"] = f"../{other.name}/forest.gpkg"
    doc["layers"].append({**doc["layers"][0], "id": "b", "path": str(other / "forest.gpkg")})
    doc["layers"].append({**doc["layers"][0], "id": "c", "path": "data/missing.shp"})
    doc["layers"].append({**doc["layers"][0], "id": "d", "path": "builtin:boundaries"})
    doc["layers"].append({**doc["layers"][0], "id": "e", "path": "data/dem.tif", "kind": "raster",
                          "style": {"kind": "hillshade"}})
    project = pf.load_project(_write(tmp_path, doc))
    assert project.layers[0].path == str((other / "forest.gpkg").resolve())
    assert len(project.layers) == 5


def test_job_run_paths_and_targets_checked(tmp_path):
    doc = _doc(tmp_path)
    doc["job_runs"] = [{"job": "ledger", "params": {"forest": {"path": "/etc/passwd"}}, "path_params": ["forest"]}]
    _refused(_write(tmp_path, doc), "job_runs[0].params.forest")
    doc = _doc(tmp_path)
    doc["target_files"] = ["/etc/shadow"]
    _refused(_write(tmp_path, doc), "target_files[0]")


def test_folder_and_huge_file_refused(tmp_path, monkeypatch):
    folder = tmp_path / "dir.sinkmap"
    folder.mkdir()
    _refused(folder, "folder")
    from sinkmap.io import project_checks

    monkeypatch.setattr(project_checks, "MAX_FILE_BYTES", 10)
    _refused(_write(tmp_path, _doc(tmp_path)), "MB")


def test_autosave_recovery_goes_through_the_same_checks(tmp_path, monkeypatch):
    monkeypatch.setattr(pf, "autosave_dir", lambda: tmp_path)
    doc = _doc(tmp_path)
    doc["view"]["units_per_px"] = float("nan")
    doc["autosave_of"] = str(tmp_path / "work.sinkmap")
    auto = tmp_path / "abc.sinkmap"
    auto.write_text(json.dumps(doc), encoding="utf-8")
    (tmp_path / "deep.sinkmap").write_text("[" * 100000 + "]" * 100000, encoding="utf-8")
    found = pf.find_recoverable()  # the deep one is skipped, not a crash
    assert [p for p, _ in found] == [auto]
    with pytest.raises(InputError) as info:
        pf.recover(auto)
    assert "view.units_per_px" in str(info.value)
