"""Project files: relative paths, round trip, atomic save, bad files refused with a message. No Qt."""

from __future__ import annotations

import json

import pytest

from sinkmap.core.errors import InputError
from sinkmap.core.project import LayerSpec, Project, Style, ViewState
from sinkmap.io import project_file as pf


def _project(tmp_path) -> Project:
    data = tmp_path / "data"
    data.mkdir()
    p = Project(city="郴州市", year=2030)
    p.add_layer(LayerSpec(name="小班", path=str(data / "xb.gpkg"), layer="xiaoban", role="forest",
                          style=Style(kind="graduated", field="MGQXJ", breaks=[0, 50, 100], colors=["#fff", "#0f0"])))
    p.add_layer(LayerSpec(name="县界", path="builtin:boundaries", layer="郴州市", role="boundary"))
    p.set_view(ViewState(1000.5, -2000.25, 37.5))
    return p


def test_round_trip_with_relative_paths(tmp_path):
    project = _project(tmp_path)
    path = pf.save_project(project, tmp_path / "work.sinkmap")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["layers"][0]["path"] == "data/xb.gpkg"  # relative to the project folder
    assert doc["layers"][1]["path"] == "builtin:boundaries"
    back = pf.load_project(path)
    assert [s.to_dict() for s in back.layers] == [s.to_dict() for s in project.layers]
    assert back.view == ViewState(1000.5, -2000.25, 37.5)
    assert (back.city, back.year) == ("郴州市", 2030)


def test_moved_folder_still_opens(tmp_path):
    project = _project(tmp_path)
    pf.save_project(project, tmp_path / "work.sinkmap")
    moved = tmp_path.parent / (tmp_path.name + "_moved")
    tmp_path.rename(moved)
    back = pf.load_project(moved / "work.sinkmap")
    assert back.layers[0].path == str((moved / "data" / "xb.gpkg").resolve())


def test_failed_save_keeps_previous_file(tmp_path, monkeypatch):
    project = _project(tmp_path)
    path = pf.save_project(project, tmp_path / "work.sinkmap")
    before = path.read_bytes()

    def boom(*_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr(pf.jsonutil, "dump", boom)  # the shared strict JSON writer
    with pytest.raises(OSError):
        pf.save_project(project, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "work.sinkmap"]


@pytest.mark.parametrize("text, words", [
    ("{not json", "damaged"),
    ('{"format": "something-else"}', "not a sinkmap project"),
    ('{"format": "sinkmap-project", "version": 99, "layers": []}', "newer sinkmap"),
    ('{"format": "sinkmap-project", "version": 1, "layers": [{"name": 3}]}', "damaged"),
])
def test_bad_files_are_refused_with_a_message(tmp_path, text, words):
    path = tmp_path / "bad.sinkmap"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        pf.load_project(path)
    assert words in str(err.value) and str(path) in str(err.value)


def test_autosave_and_recover(tmp_path, monkeypatch):
    monkeypatch.setenv("SINKMAP_HOME", str(tmp_path / "home"))
    project = _project(tmp_path)
    project.path = str(tmp_path / "work.sinkmap")
    auto = pf.autosave(project)
    found = pf.find_recoverable()
    assert found == [(auto, project.path)]
    back = pf.recover(auto)
    assert back.path == project.path and back.layers[0].path == project.layers[0].path
    pf.clear_autosave(project)
    assert pf.find_recoverable() == []


def test_project_events_and_revisions():
    p = Project()
    seen = []
    p.subscribe(lambda ev, lid: seen.append((ev, lid)))
    a = p.add_layer(LayerSpec(name="a", path="/a.gpkg"))
    b = p.add_layer(LayerSpec(name="b", path="/b.gpkg"))
    p.move_layer(b.id, 0)
    p.update_style(a.id, opacity=0.5)
    assert [s.name for s in p.layers] == ["b", "a"]
    assert p.layer(a.id).revision == 1 and p.layer(a.id).style.opacity == 0.5
    assert [e for e, _ in seen] == ["layer_added", "layer_added", "layers_reordered", "layer_changed"]
