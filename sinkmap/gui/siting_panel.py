"""The 新能源选址 (Renewable siting) panel: set up and run ``site.run``, try weights live, see the results.

A dock (created on first use from the 任务 › 选址 menu, the job's ``panel``) with:

* the technology (the job's ``tech`` choices) and the unit (a city, or one of its counties);
* the rules of that technology (bundled file and the user's copy, as the job loads them) as a checkable list —
  id, effect, document and the Chinese clause, 未核实 where the clause was not checked against the document;
  an unchecked rule is switched off for the run (a rules file ``{id: X, enabled: false}`` the job reads);
* the criteria with their weights (spin boxes summing to 1, a normalise button, AHP pairwise comparisons), and
  a histogram of the suitability that follows the weights at once: after the first run the criteria scores
  are cached (:class:`~sinkmap.analysis.siting.live.ScoreCache`) and recombined in numpy, without running
  the exclusions again;
* the candidate regions' capacity goal, threshold and sizes; the input layers (the demo world by default);
* Run (a worker process through the task machinery, with progress and Cancel here and in the task panel).

A finished run is recorded in the project (``sinkmap run PROJECT --job site.run`` repeats it) and its results
become layers: the suitability (a colour ramp with a legend), the exclusions (identify names the rules, their
documents and clauses: :mod:`sinkmap.gui.siting_identify`) and the candidate regions (labelled with rank,
score and MW). A bad input (no DEM, a missing rule layer…) shows as the job's coded message, here.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFormLayout, QGridLayout, QGroupBox,
                               QHBoxLayout, QLabel, QListWidget, QProgressBar, QPushButton,
                               QVBoxLayout, QWidget)

from ..analysis.siting.live import (ScoreCache, hectares_at_least, live_histogram, preview_weights, rounded_weights,
                                    write_rule_switches, write_weights_file)
from ..core.errors import SinkmapError
from ..core.messages import Notice
from .i18n import current_language, tr
from .plain import plain_label
from .run_panel import JobRunMixin, panel_dock
from .siting_widgets import AhpDialog, HistogramView, RuleList, criterion_text, tech_text

JOB_ID = "site.run"
#: Parameters the panel shows in its own widgets (the rest of the job's simple ones go to 其他参数).
OWN = {"tech", "city", "county", "weights", "rules", "out", "capacity_mw", "area_ha", "threshold",
       "min_area_ha", "max_area_ha", "resource"}
LIVE_DELAY_MS = 40  # weights typed in quick succession: one recombination


def site_job():
    from ..jobs.registry import get

    return get(JOB_ID)


def _load_cache(result, feedback=None):
    """In the task's thread, after the run: the run's criteria scores, read back for the live histogram."""
    report, run = result
    paths = {o.role: o.path for o in report.outputs}
    try:
        cache = ScoreCache.from_files(paths["siting_exclusions"], paths["siting_suitability"],
                                      paths["siting_criteria"])
        cache.packed()  # here, off the GUI thread
    except (KeyError, OSError, ValueError):
        cache = None
    return report, run, cache


class SitingPanel(JobRunMixin, QWidget):
    def __init__(self, win, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from ..io.boundaries import hierarchy

        self.win = win
        self.job = site_job()
        self.task = None
        self.cache: ScoreCache | None = None
        self.hist = None
        self.last_report = None
        self.result_layers: dict[tuple[str, str], list[str]] = {}  # (unit, tech) -> layer ids of its last run
        self.spins: dict[str, QDoubleSpinBox] = {}
        self._prepared: tuple[Path | None, bool, list] = (None, False, [])  # folder, made here, files written
        self._frame = hierarchy()
        lang = current_language()

        # technology and unit
        self.tech = QComboBox(self)
        for choice in self.job.param("tech").choices:
            self.tech.addItem(tech_text(choice), choice)
        self.city = QComboBox(self)
        self.city.addItems(list(self._frame.loc[self._frame["level"] == "city", "name"]))
        city = win.registry.project.city if self.city.findText(win.registry.project.city) >= 0 else "长沙市"
        self.city.setCurrentText(city)
        self.county = QComboBox(self)
        self._fill_counties()
        top = QFormLayout()
        top.addRow(self.job.param("tech").title(lang), self.tech)
        top.addRow(self.job.param("city").title(lang), self.city)
        top.addRow(self.job.param("county").title(lang), self.county)

        # rules
        self.rules = RuleList(self)
        self.rules.setMinimumHeight(200)
        self.rules_state = plain_label(QLabel(self))
        rules_box = QGroupBox(tr("规则（取消勾选即停用）"), self)
        rl = QVBoxLayout(rules_box)
        rl.addWidget(self.rules)
        rl.addWidget(self.rules_state)

        # criteria, weights and the live histogram
        self.weight_grid = QGridLayout()
        self.sum_label = plain_label(QLabel(self))
        self.sum_label.setWordWrap(True)
        self.normalise_btn = QPushButton(tr("归一化"), self)
        self.normalise_btn.setToolTip(tr("按比例缩放权重，使其和为 1"))
        self.ahp_btn = QPushButton(tr("层次分析法…"), self)
        self.ahp_btn.setToolTip(tr("由两两比较矩阵推导权重（特征向量法，含一致性比率）"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.sum_label, 1)
        buttons.addWidget(self.normalise_btn)
        buttons.addWidget(self.ahp_btn)
        self.histogram = HistogramView(self)
        self.hist_title = plain_label(QLabel(self))
        self.hist_title.setWordWrap(True)
        self.hist_note = plain_label(QLabel(self))
        self.hist_note.setWordWrap(True)
        self.hist_note.setStyleSheet("color: #505050")
        crit_box = QGroupBox(tr("准则与权重"), self)
        cl = QVBoxLayout(crit_box)
        cl.addLayout(self.weight_grid)
        cl.addLayout(buttons)
        cl.addWidget(self.hist_title)
        cl.addWidget(self.histogram)
        cl.addWidget(self.hist_note)

        # candidate regions
        self.capacity = self._number(self.job.param("capacity_mw"), 100.0, tr("不设目标"), 1.0)
        self.threshold = self._number(self.job.param("threshold"), None, None, 0.05)
        self.min_area = self._number(self.job.param("min_area_ha"), None, None, 1.0)
        self.max_area = self._number(self.job.param("max_area_ha"), None, tr("不限"), 10.0)
        regions_box = QGroupBox(tr("候选区"), self)
        rf = QFormLayout(regions_box)
        for name, box in (("capacity_mw", self.capacity), ("threshold", self.threshold),
                          ("min_area_ha", self.min_area), ("max_area_ha", self.max_area)):
            box.setToolTip(self.job.param(name).help(lang))
            rf.addRow(self.job.param(name).title(lang), box)

        # input layers (the demo world unless one is chosen), other parameters, output folder
        from .job_dialog import _editor, _LayerChoice, _PathEdit

        self.inputs: dict[str, _LayerChoice] = {}
        self.others: dict[str, QWidget] = {}
        data_box = QGroupBox(tr("输入数据与其他参数"), self)
        data_box.setCheckable(True)
        data_box.setChecked(False)
        data_body = QWidget(data_box)
        df = QFormLayout(data_body)
        note = QLabel(tr("全部留空时使用演示数据（合成，非真实调查数据）；指定任一图层后，只使用所指定的图层。"), data_body)
        note.setWordWrap(True)
        df.addRow(note)
        project = win.registry.project
        for p in self.job.params:
            if p.kind in ("layer", "raster") and (p.role or p.name == "resource"):
                choice = _LayerChoice(p, project, data_body)
                choice.combo.setItemText(0, tr("（缺省）"))
                choice.combo.setCurrentIndex(0)
                choice.setToolTip(p.help(lang))
                choice.combo.currentIndexChanged.connect(lambda _i: self._criteria_changed())
                choice.path.edit.textChanged.connect(lambda _t: self._criteria_changed())
                self.inputs[p.name] = choice
                df.addRow(p.title(lang), choice)
        for p in self.job.params:
            if p.name in OWN or p.name in self.inputs or p.kind not in ("enum", "number", "integer", "bool"):
                continue
            editor = self._number(p, None, tr("（默认）"), 1.0) if p.kind == "number" else _editor(p, project, data_body)
            editor.setToolTip(p.help(lang))
            if isinstance(editor, QComboBox):
                editor.currentIndexChanged.connect(lambda _i: self._schedule_live())
            self.others[p.name] = editor
            df.addRow(p.title(lang), editor)
        self.out_dir = _PathEdit(self.job.param("out"), "folder", data_body)
        self.out_dir.edit.setPlaceholderText(tr("自动：{0}").format(self._default_base()))
        self.out_dir.setToolTip(self.job.param("out").help(lang))
        df.addRow(self.job.param("out").title(lang), self.out_dir)
        data_body.setVisible(False)
        data_box.toggled.connect(data_body.setVisible)
        QVBoxLayout(data_box).addWidget(data_body)

        # run, progress, messages
        self.run_btn = QPushButton(tr("运行"), self)
        self.cancel_btn = QPushButton(tr("取消"), self)
        self.cancel_btn.setEnabled(False)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setFormat("")
        run_row = QHBoxLayout()
        run_row.addWidget(self.run_btn)
        run_row.addWidget(self.cancel_btn)
        run_row.addWidget(self.progress, 1)
        self.status = plain_label(QLabel(self))
        self.status.setWordWrap(True)
        self.error = plain_label(QLabel(self))
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020")
        self.error.setVisible(False)
        self.messages = QListWidget(self)
        self.messages.setWordWrap(True)
        self.messages.setMaximumHeight(120)
        self.messages.setVisible(False)

        col = QVBoxLayout(self)
        col.setContentsMargins(6, 6, 6, 6)
        col.addLayout(top)
        col.addWidget(rules_box)
        col.addWidget(crit_box)
        col.addWidget(regions_box)
        col.addWidget(data_box)
        col.addLayout(run_row)
        col.addWidget(self.error)
        col.addWidget(self.status)
        col.addWidget(self.messages)
        col.addStretch(1)

        self._live_timer = QTimer(self)
        self._live_timer.setSingleShot(True)
        self._live_timer.timeout.connect(self.update_histogram)
        self.tech.currentIndexChanged.connect(lambda _i: self._tech_changed())
        self.city.currentTextChanged.connect(lambda _t: self._fill_counties())
        self.rules.changed.connect(self._rules_changed)
        self.normalise_btn.clicked.connect(self.normalise)
        self.ahp_btn.clicked.connect(self.open_ahp)
        self.threshold.valueChanged.connect(lambda _v: self._schedule_live())
        self.run_btn.clicked.connect(self.run)
        self.cancel_btn.clicked.connect(self.cancel)
        self._tech_changed()
        self.update_histogram()

    # -- widgets --------------------------------------------------------------------------------------
    def _number(self, param, default: float | None, special: str | None, step: float) -> QDoubleSpinBox:
        """A spin box with the parameter's range; ``special`` (shown at the minimum) stands for "not given"."""
        box = QDoubleSpinBox(self)
        box.setDecimals(3 if (param.maximum or 0) <= 1 else 1)
        lo = param.minimum if param.minimum is not None else 0.0
        box.setRange(lo, param.maximum if param.maximum is not None else 1e9)
        box.setSingleStep(step)
        if special is not None:
            box.setSpecialValueText(special)
        value = default if default is not None else param.default
        box.setValue(float(value) if value is not None else lo)
        box.special = special is not None
        return box

    @staticmethod
    def _number_value(box: QDoubleSpinBox) -> float | None:
        if getattr(box, "special", False) and box.value() == box.minimum():
            return None
        return box.value()

    def _fill_counties(self) -> None:
        f = self._frame
        current = self.county.currentData()
        self.county.blockSignals(True)
        self.county.clear()
        self.county.addItem(tr("（全市）"), None)
        for name in f.loc[(f["level"] == "county") & (f["parent"] == self.city.currentText()), "name"]:
            self.county.addItem(name, name)
        index = self.county.findData(current) if current else -1
        self.county.setCurrentIndex(index if index >= 0 else min(1, self.county.count() - 1))
        self.county.blockSignals(False)

    def set_unit(self, city: str, county: str | None = None) -> None:
        self.city.setCurrentText(city)
        self.county.setCurrentIndex(max(0, self.county.findData(county)) if county else 0)

    def unit(self) -> tuple[str, str | None]:
        """(name, level param): the county when one is chosen, else the city."""
        county = self.county.currentData()
        return (county, "county") if county else (self.city.currentText(), "city")

    def _tech_changed(self) -> None:
        from ..analysis.siting.rules import load_rules, rules_for

        self._show_error(None)
        try:
            rules = rules_for(load_rules(), self.tech.currentData())
        except SinkmapError as exc:
            rules = []
            self._show_error(exc)
        self.rules.set_rules(rules)
        self._criteria_changed(defaults=True)

    def _rules_changed(self) -> None:
        n, off = self.rules.count(), len(self.rules.disabled())
        self.rules_state.setText(tr("{0} 条规则，停用 {1} 条").format(n, off) if off else tr("{0} 条规则").format(n))

    # -- criteria and weights -------------------------------------------------------------------------
    def expected_criteria(self) -> list[str]:
        from ..jobs.site_run import expected_criteria

        given = {name for name, choice in self.inputs.items() if choice.value() is not None and name != "resource"}
        resource = "resource" in self.inputs and self.inputs["resource"].value() is not None
        return expected_criteria(self.tech.currentData(), given, resource)

    def _criteria_changed(self, defaults: bool = False) -> None:
        """The weight rows for the criteria the run will have (the cache's once a run gave them)."""
        names = self.expected_criteria()
        if self.cache is not None and self.cache.tech == self.tech.currentData() and set(self.cache.names) >= set(names):
            names = self.cache.names
        if list(self.spins) == names and not defaults:
            return
        from ..analysis.siting.settings import DEFAULT_WEIGHTS

        old = {k: s.value() for k, s in self.spins.items()}
        base = DEFAULT_WEIGHTS.get(self.tech.currentData(), {})
        start = {n: (base.get(n, 0.0) if defaults or n not in old else old[n]) for n in names}
        if not any(start.values()):
            start = {n: 1.0 for n in names}
        self.set_weights(rounded_weights(start))

    def set_weights(self, weights: dict[str, float]) -> None:
        """Rows for ``weights`` (criterion → weight), replacing the current ones."""
        while self.weight_grid.count():
            item = self.weight_grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.spins = {}
        for row, (name, value) in enumerate(weights.items()):
            label = QLabel(criterion_text(name), self)
            label.setToolTip(name)
            spin = QDoubleSpinBox(self)
            spin.setRange(0.0, 1.0)
            spin.setDecimals(3)
            spin.setSingleStep(0.05)
            spin.setValue(value)
            spin.valueChanged.connect(lambda _v: self._weights_changed())
            self.weight_grid.addWidget(label, row, 0)
            self.weight_grid.addWidget(spin, row, 1)
            self.spins[name] = spin
        self._weights_changed()

    def weights(self) -> dict[str, float]:
        return {k: s.value() for k, s in self.spins.items()}

    def weights_ok(self) -> bool:
        from ..analysis.siting.suitability import WEIGHT_TOLERANCE

        return bool(self.spins) and abs(sum(self.weights().values()) - 1.0) <= WEIGHT_TOLERANCE

    def _weights_changed(self) -> None:
        total = sum(self.weights().values())
        if self.weights_ok():
            self.sum_label.setText(tr("合计 {0:.3f}").format(total))
            self.sum_label.setStyleSheet("color: #2e7d32")
        else:
            text = Notice("analysis.siting.weights_sum", total=f"{total:.3f}").render(current_language())
            self.sum_label.setText(text)
            self.sum_label.setStyleSheet("color: #b00020")
        self._update_run_button()
        self._schedule_live()

    def set_weight(self, name: str, value: float) -> None:
        self.spins[name].setValue(value)

    def normalise(self) -> None:
        w = rounded_weights(self.weights())
        for name, spin in self.spins.items():
            spin.blockSignals(True)
            spin.setValue(w[name])
            spin.blockSignals(False)
        self._weights_changed()

    def open_ahp(self) -> AhpDialog:
        dialog = AhpDialog(list(self.spins), self)
        if dialog.exec() == AhpDialog.DialogCode.Accepted and dialog.weights:
            self.apply_ahp(dialog.weights)
        return dialog

    def apply_ahp(self, weights: dict[str, float]) -> None:
        w = rounded_weights(weights)
        for name, spin in self.spins.items():
            spin.blockSignals(True)
            spin.setValue(w.get(name, 0.0))
            spin.blockSignals(False)
        self._weights_changed()

    # -- the live histogram ---------------------------------------------------------------------------
    def _schedule_live(self) -> None:
        self._live_timer.start(LIVE_DELAY_MS)

    def method(self) -> str:
        editor = self.others.get("method")
        return editor.currentText() if isinstance(editor, QComboBox) else "sum"

    def update_histogram(self) -> None:
        """Recombine the cached criteria scores with the weights now shown and redraw the histogram."""
        self._live_timer.stop()
        thr = self.threshold.value()
        cache = self.cache
        if cache is None:
            self.hist_title.setText(tr("适宜性分布（公顷）"))
            self.histogram.set_histogram(None, thr, tr("运行一次后，此处按当前权重实时显示适宜性分布"))
            self.hist_note.setText("")
            return
        weights = self.weights()
        if set(weights) != set(cache.names):
            self.histogram.set_histogram(None, thr, tr("准则已改变：请重新运行"))
            self.hist_note.setText("")
            return
        preview = weights if self.weights_ok() else preview_weights(weights)
        if preview is None:
            self.histogram.set_histogram(None, thr, tr("权重全为 0"))
            self.hist_note.setText("")
            return
        self.hist = live_histogram(cache, preview, self.method())
        unit = f"{cache.unit} · {tech_text(cache.tech)}"
        title = tr("适宜性分布（公顷）：{0}").format(unit)
        if not self.weights_ok():
            title += " " + tr("（按归一化后的权重预览）")
        self.hist_title.setText(title)
        self.histogram.set_histogram(self.hist, thr)
        from ..analysis.siting.regions import POWER_DENSITY_MW_PER_KM2

        ha = hectares_at_least(self.hist, cache, thr)
        mw = ha / 100.0 * POWER_DENSITY_MW_PER_KM2.get(cache.tech, 0.0)
        self.hist_note.setText(
            tr("排除 {0:,.0f} 公顷；适宜性 ≥ {1:.2f} 的 {2:,.0f} 公顷，约 {3:,.0f} MW").format(
                self.hist.excluded_ha, thr, ha, mw)
            + (tr("；无数据 {0:,.0f} 公顷").format(self.hist.nodata_ha) if self.hist.nodata_cells else ""))

    # -- the run ----------------------------------------------------------------------------------------
    def _default_base(self) -> Path:
        from ..io.catalogue import data_home

        project = self.win.registry.project
        return (Path(project.path).parent if project.path else data_home()) / "siting"

    def out_folder(self) -> Path:
        text = self.out_dir.value()
        if text:
            return Path(text).expanduser()
        name, _level = self.unit()
        return self._default_base() / f"{name}_{self.tech.currentData()}_{time.strftime('%Y%m%d-%H%M%S')}"

    def base_values(self) -> dict[str, Any]:
        """The job's raw values from the widgets, without the files a run writes first (weights, rules)."""
        from .job_dialog import _value

        name, level = self.unit()
        raw: dict[str, Any] = {"tech": self.tech.currentData(), level: name,
                               "capacity_mw": self._number_value(self.capacity),
                               "threshold": self.threshold.value(), "min_area_ha": self.min_area.value(),
                               "max_area_ha": self._number_value(self.max_area)}
        for pname, choice in self.inputs.items():
            raw[pname] = choice.value()
        for pname, editor in self.others.items():
            raw[pname] = (self._number_value(editor) if isinstance(editor, QDoubleSpinBox)
                          else _value(self.job.param(pname), editor))
        return {k: v for k, v in raw.items() if v is not None}

    def prepare_run(self, folder: Path | None = None) -> dict[str, Any]:
        """Check the values, make the output folder and write the weights and the switched-off rules into it;
        the job's raw values (raises a SinkmapError naming what is wrong)."""
        from ..io.write_errors import output_error

        raw = self.base_values()
        folder = folder or self.out_folder()
        self.job.convert({**raw, "out": str(folder)})
        if not self.weights_ok():
            from ..core.errors import InputError

            raise InputError(code="analysis.siting.weights_sum", total=f"{sum(self.weights().values()):.3f}")
        created = not folder.exists()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            raw["weights"] = write_weights_file(folder / "weights.yaml", self.weights())
            disabled = self.rules.disabled()
            raw["rules"] = [write_rule_switches(folder / "rules_off.yaml", disabled)] if disabled else []
        except OSError as exc:
            raise output_error(getattr(exc, "filename", None) or folder, exc) from None
        self._prepared = (folder, created, [raw["weights"], *raw["rules"]])
        raw["out"] = folder
        self.job.convert(raw)
        return raw

    def _run_post(self):
        return _load_cache

    def _done(self, result) -> None:
        report, run, cache = result
        self.last_report = report
        project = self.win.registry.project
        project.record_run(run)
        self._add_layers(report, run)
        self.cache = cache
        self._criteria_changed()
        self.update_histogram()
        self.status.setText(self._summary(report))
        if report.warnings:
            from .taskdock import shown_text

            for w in report.warnings:
                self.messages.addItem(shown_text(w))
            self.messages.setVisible(True)
        self.rules.mark_not_applied({c["id"] for c in report.counts if not c.get("applied", True)})

    @staticmethod
    def _summary(report) -> str:
        from ..jobs.base import DEMO_LABEL

        lines = []
        if report.synthetic:
            lines.append(DEMO_LABEL(current_language()))
        lines.append(tr("{0} {1}：单元 {2:,.0f} 公顷，规则排除后可用 {3:,.0f} 公顷").format(
            report.unit, tech_text(report.tech), report.unit_hectares, report.included_hectares))
        lines.append(tr("候选区 {0} 个，共 {1:,.1f} 公顷，{2:,.1f} MW").format(
            len(report.regions), report.total_area_ha, report.total_capacity_mw))
        return "\n".join(lines)

    def _add_layers(self, report, run) -> None:
        """The run's exclusions, suitability and regions as layers (replacing the same unit's and technology's
        previous ones), named in the interface language; the map goes to them."""
        win = self.win
        project = win.registry.project
        key = (report.unit, report.tech)
        present = {s.id for s in project.layers}
        for lid in self.result_layers.pop(key, []):
            if lid in present:
                project.remove_layer(lid)
        names = {"siting_exclusions": tr("排除区：{0} {1}"), "siting_suitability": tr("适宜性：{0} {1}"),
                 "siting_regions": tr("候选区：{0} {1}")}
        added, suit = [], None
        for out in report.outputs:
            if out.role not in names:
                continue
            spec = win.add_layer_file(out.path, out.layer, role=out.role)
            spec.produced_by = run.id
            project.rename_layer(spec.id, names[out.role].format(report.unit, tech_text(report.tech)))
            added.append(spec.id)
            suit = spec.id if out.role == "siting_suitability" else suit
        self.result_layers[key] = added
        if suit is not None:
            registry = win.registry

            def zoom(lid: str) -> None:
                if lid == suit:
                    registry.layerLoaded.disconnect(zoom)
                    extent = registry.extent(lid)
                    if extent is not None:
                        win.canvas.zoom_to(extent, 0.08)
            registry.layerLoaded.connect(zoom)

    # -- messages -------------------------------------------------------------------------------------
    def _update_run_button(self) -> None:
        self.run_btn.setEnabled(self.task is None and self.weights_ok())
        self.run_btn.setToolTip("" if self.weights_ok() else tr("权重之和须为 1：请归一化"))


def show_siting_panel(win) -> SitingPanel:
    """The siting dock of ``win`` (made on first use, tabbed with the ledger), shown and raised."""
    panel_dock(win, "siting", tr("新能源选址"), SitingPanel, Qt.DockWidgetArea.RightDockWidgetArea, "ledger")
    return win.siting_panel


__all__ = ["SitingPanel", "show_siting_panel"]
