"""The app's job menu: a job declared in one module (tests/example_job.py) gets a menu entry and a
generated dialog, runs in the background, and its run and outputs land in the project."""

from __future__ import annotations

import geopandas as gpd

from sinkmap.jobs import registry


def _actions(menu):
    out = {}
    for action in menu.actions():
        if action.menu() is not None:
            out.update(_actions(action.menu()))
        elif action.objectName().startswith("job:"):
            out[action.objectName()[4:]] = action
    return out


def test_menu_lists_jobs_without_a_panel(example, empty_window):
    jobs = _actions(empty_window.job_menu)
    assert {"example.count", "boundaries", "demo", "targets"} <= set(jobs)
    assert "ledger" not in jobs and "overviews" not in jobs  # they have panels of their own
    assert jobs["example.count"].text() == "计数示例…"


def test_generated_dialog_checks_values_like_the_cli(example, empty_window, three, qtbot):
    from sinkmap.gui.job_dialog import JobDialog, _LayerChoice

    dialog = JobDialog(example, empty_window.registry.project, empty_window)
    qtbot.addWidget(dialog)
    assert set(dialog.editors) == {"layer", "field", "minimum", "out"}
    dialog.accept()  # nothing given: refused, with the reason in the dialog (Chinese interface)
    assert dialog.result() == 0 and not dialog.error.isHidden() and "必需" in dialog.error.text() + "缺少"
    layer = dialog.editors["layer"]
    assert isinstance(layer, _LayerChoice)
    layer.combo.setCurrentIndex(layer.combo.count() - 1)  # 文件…
    layer.path.edit.setText(str(three))
    dialog.editors["field"].setText("v")
    dialog.editors["minimum"].setValue(4)
    dialog.accept()
    assert dialog.result() == 1
    raw = dialog.values()
    assert str(raw["layer"].path) == str(three) and raw["field"] == "v" and raw["minimum"] == 4.0


def test_run_lands_in_the_project_with_its_outputs_as_layers(empty_window, tmp_path, qtbot):
    from sinkmap.gui.job_menu import run_job_in_app

    win = empty_window
    out = tmp_path / "yuelu.gpkg"
    task = run_job_in_app(win, registry.get("boundaries"), {"county": "岳麓区", "out": str(out)})
    assert task.wait(120)
    assert task.state == "finished", task.error
    (run,) = win.registry.project.job_runs
    assert run.job == "boundaries" and run.params["county"] == "岳麓区" and run.params["out"] == str(out)
    (spec,) = [s for s in win.registry.project.layers if s.produced_by == run.id]
    assert spec.path == str(out.resolve()) and spec.role == "boundary"
    assert gpd.read_file(out)["name"].tolist() == ["岳麓区"]


def test_bad_values_from_a_script_are_a_message_not_a_run(empty_window):
    from sinkmap.gui.job_menu import run_job_in_app

    shown = []
    empty_window.show_error = shown.append
    assert run_job_in_app(empty_window, registry.get("boundaries"), {"city": "长沙市"}) is None
    assert shown and "--out" in shown[0]


def test_the_exports_layer_choice_offers_the_projects_siting_rasters(empty_window, qtbot):
    """export.html's --layer takes the siting GeoTIFFs: the project's rasters are offered; a vector-only
    parameter (the ledger's forest layer) still offers none."""
    from sinkmap.core.project import LayerSpec, Project
    from sinkmap.gui.job_dialog import _LayerChoice

    project = Project(layers=[LayerSpec(name="适宜性", path="/x/s.tif", kind="raster", role="siting_suitability"),
                              LayerSpec(name="场址", path="/x/sites.gpkg", kind="vector")])
    job = registry.get("export.html")
    layers = _LayerChoice(next(p for p in job.params if p.name == "layers"), project)
    forest = _LayerChoice(next(p for p in job.params if p.name == "forest"), project)
    qtbot.addWidget(layers)
    qtbot.addWidget(forest)
    names = [layers.combo.itemText(i) for i in range(layers.combo.count())]
    assert "适宜性" in names and "场址" in names
    assert "适宜性" not in [forest.combo.itemText(i) for i in range(forest.combo.count())]
    layers.combo.setCurrentIndex(names.index("适宜性"))
    assert str(layers.value().path) == "/x/s.tif"
