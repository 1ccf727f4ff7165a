"""The 抽水蓄能选址 (Pumped-storage search) panel: set up and run ``site.phes``, see the pairs on the map and in a
ranked table, and the impact card of a pair or a reservoir.

A dock (created on first use from the 任务 › 选址 menu, the job's ``panel``) with:

* the energy (GWh) and hours of each pair (the power they make shown beside them);
* the area: a county (city, then county), or the polygon drawn on the map with the 绘制区域 tool (the
  field package's; it is written to a GeoPackage beside the output and passed as the job's ``--zone``);
* the ranking (cost, carbon, or both with the carbon weight) and the number of pairs;
* the input layers (the demo world by default), the exclusions switch, the output file;
* Run (a worker process through the task machinery, with progress and Cancel here and in the task panel).

A finished run is recorded in the project (``sinkmap run PROJECT --job site.phes`` repeats it); its upper and
lower reservoirs and the lines joining them become layers (upper dark blue, lower light blue, the line orange,
labelled with water levels and "#rank class · GWh"), and its pairs fill the table. A row of the table, or a
reservoir or pair clicked on the map with the identify tool, is selected, zoomed to and shown in the impact
card (:class:`~sinkmap.gui.impact_card.ImpactCard` through the site inspector): the forest, stock, CO₂ and
wetland it floods, the rules it hits and its county/city ledger before → after, with the run's own layers.
A bad input (no DEM for the county, an energy no pair can hold, no pair at all) shows as the job's coded
message, here.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout,
                               QGridLayout, QGroupBox, QHBoxLayout, QHeaderView, QLabel, QListWidget, QProgressBar, QPushButton,
                               QSpinBox, QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout,
                               QWidget)

from ..core.errors import SinkmapError
from .i18n import current_language, tr
from .ledger_table import fmt_num
from .plain import plain_label, tip
from .run_panel import JobRunMixin, panel_dock

JOB_ID = "site.phes"
SIDES = ("lower", "upper", "pairs")  # drawing order of the result layers (the line on top)
DRAWN_NAME = "绘制区域"  # the drawn area's name in the zone file and the report (data: Chinese in any language)
#: notices that say why a run found no pair: shown as the panel's message, not only in the list
NO_PAIR_CODES = ("analysis.phes.no_reservoirs", "analysis.phes.none_selected", "analysis.phes.no_head",
                 "analysis.phes.energy_too_large", "analysis.phes.no_pairs")


def phes_job():
    from ..jobs.registry import get

    return get(JOB_ID)


def rank_text(rank: str) -> str:
    return {"cost": tr("成本（FOM）"), "carbon": tr("碳（淹没森林的 CO₂）"), "combined": tr("成本与碳加权")}.get(rank, rank)


def area_text(report) -> str:
    """The searched area as the interface names it (a drawn area in the interface language)."""
    if getattr(report, "projects", None):
        counties = list(dict.fromkeys(p.get("county") or "" for p in report.projects))
        return tr("{0} 规划站址周边").format("、".join(c for c in counties if c))
    if report.unit == DRAWN_NAME:
        return tr("地图上绘制的区域")
    return report.unit or Path(report.dem).stem


def table_titles() -> list[str]:
    return [tr("排名"), tr("等级"), tr("FOM\n美元/kW"), tr("水头\nm"), tr("库容\nGL"), tr("淹没森林\n公顷"),
            tr("CO₂\n吨")]


def _read_layers(result, feedback=None):
    """In the task's thread, after the run: the output's three layers (EPSG:4490) for the table and the card."""
    import pyogrio

    report, run = result
    frames = {}
    for out in report.outputs:
        if out.layer in SIDES:
            try:
                frames[out.layer] = pyogrio.read_dataframe(out.path, layer=out.layer)
            except Exception:  # noqa: BLE001 - the layers still come through the map; only the card needs these
                pass
    return report, run, frames


class PhesPanel(JobRunMixin, QWidget):
    def __init__(self, win, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from ..io.boundaries import hierarchy

        self.win = win
        self.job = phes_job()
        self.task = None
        self.report = None
        self.frames: dict = {}
        self.layer_ids: dict[str, str] = {}  # side -> layer id of the last run's results
        self.run_raw: dict[str, Any] = {}  # the raw values of the run on show
        self._pending_raw: dict[str, Any] = {}  # those of the run under way
        self._prepared: tuple[Path | None, bool, list] = (None, False, [])  # folder, made here, files written
        self._frame = hierarchy()
        lang = current_language()
        P = self.job.param

        # energy, hours, the power they make
        self.energy = self._spin(P("energy_gwh"), 2.0, 2, 0.5)
        self.hours = self._spin(P("hours"), 6.0, 1, 1.0)
        self.power = plain_label(QLabel(self))
        self.power.setStyleSheet("color: #505050")
        size_box = QGroupBox(tr("规模"), self)
        size = QGridLayout(size_box)
        size.addWidget(QLabel(P("energy_gwh").title(lang), self), 0, 0)
        size.addWidget(self.energy, 0, 1)
        size.addWidget(QLabel(P("hours").title(lang), self), 0, 2)
        size.addWidget(self.hours, 0, 3)
        size.addWidget(QLabel(tr("装机功率"), self), 1, 0)
        size.addWidget(self.power, 1, 1, 1, 3)
        size.setColumnStretch(1, 1)
        size.setColumnStretch(3, 1)

        # the area: a county, or the polygon drawn on the map
        self.area_kind = QComboBox(self)
        self.area_kind.addItem(tr("区县"), "county")
        self.area_kind.addItem(tr("地图上绘制的区域"), "drawn")
        self.area_kind.addItem(tr("区县内规划抽水蓄能站周边"), "projects")
        self.area_kind.setItemData(2, tip(P("near_projects").help(lang)), Qt.ItemDataRole.ToolTipRole)
        self.radius = self._spin(P("radius_km"), None, 1, 1.0)
        self.city = QComboBox(self)
        self.city.addItems(list(self._frame.loc[self._frame["level"] == "city", "name"]))
        self.city.setCurrentText("郴州市")
        self.county = QComboBox(self)
        self._fill_counties()
        self.county.setCurrentIndex(max(0, self.county.findText("苏仙区")))
        self.draw_btn = QPushButton(tr("在地图上绘制…"), self)
        self.draw_btn.setToolTip(tr("单击各顶点，双击结束；上水库只在该区域内寻找"))
        self.drawn_label = plain_label(QLabel(self))
        self.drawn_label.setWordWrap(True)
        area_box = QGroupBox(tr("搜索范围"), self)
        af = QFormLayout(area_box)
        af.addRow(tr("范围"), self.area_kind)
        unit_row = QHBoxLayout()
        unit_row.addWidget(self.city, 1)
        unit_row.addWidget(self.county, 1)
        af.addRow(tr("城市/区县"), unit_row)
        self.radius_label = QLabel(P("radius_km").title(lang), self)
        af.addRow(self.radius_label, self.radius)
        draw_row = QHBoxLayout()
        draw_row.addWidget(self.draw_btn)
        draw_row.addWidget(self.drawn_label, 1)
        af.addRow(draw_row)

        # ranking and the number of pairs
        self.rank = QComboBox(self)
        for choice in P("rank").choices:
            self.rank.addItem(rank_text(choice), choice)
        self.rank.setToolTip(P("rank").help(lang))
        self.carbon_weight = self._spin(P("carbon_weight"), None, 2, 0.1)
        self.carbon_weight.setToolTip(P("carbon_weight").help(lang))
        self.top = QSpinBox(self)
        self.top.setRange(1, 1000)
        self.top.setValue(int(P("top").default))
        self.top.setToolTip(P("top").help(lang))
        rank_box = QGroupBox(P("rank").title(lang), self)
        rf = QGridLayout(rank_box)
        rf.addWidget(self.rank, 0, 0, 1, 4)
        rf.addWidget(QLabel(P("carbon_weight").title(lang), self), 1, 0)
        rf.addWidget(self.carbon_weight, 1, 1)
        rf.addWidget(QLabel(P("top").title(lang), self), 1, 2)
        rf.addWidget(self.top, 1, 3)
        rf.setColumnStretch(1, 1)
        rf.setColumnStretch(3, 1)

        # input layers (the demo world unless one is chosen), exclusions, output file
        from .job_dialog import _LayerChoice, _PathEdit

        self.inputs: dict[str, _LayerChoice] = {}
        data_box = QGroupBox(tr("输入数据与其他参数"), self)
        data_box.setCheckable(True)
        data_box.setChecked(False)
        data_body = QWidget(data_box)
        df = QFormLayout(data_body)
        note = QLabel(tr("全部留空时使用演示数据（合成，非真实调查数据）；指定任一图层后，只使用所指定的图层。"), data_body)
        note.setWordWrap(True)
        df.addRow(note)
        project = win.registry.project
        for name in ("dem", "forest", "wetland", "protected", "redline"):
            choice = _LayerChoice(P(name), project, data_body)
            choice.combo.setItemText(0, tr("（缺省）"))
            choice.combo.setCurrentIndex(0)
            choice.setToolTip(P(name).help(lang))
            self.inputs[name] = choice
            df.addRow(P(name).title(lang), choice)
        self.apply_exclusions = QCheckBox(P("apply_exclusions").title(lang), data_body)
        self.apply_exclusions.setToolTip(tip(P("apply_exclusions").help(lang)))
        df.addRow(self.apply_exclusions)
        self.margin = self._spin(P("margin_km"), None, 1, 1.0)
        self.margin.setToolTip(P("margin_km").help(lang))
        df.addRow(P("margin_km").title(lang), self.margin)
        self.out_file = _PathEdit(P("out"), "save", data_body)
        self.out_file.edit.setPlaceholderText(tr("自动：{0}").format(self._default_base()))
        self.out_file.setToolTip(P("out").help(lang))
        df.addRow(P("out").title(lang), self.out_file)
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
        self.error = plain_label(QLabel(self))
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020")
        self.error.setVisible(False)
        self.status = plain_label(QLabel(self))
        self.status.setWordWrap(True)
        self.messages = QListWidget(self)
        self.messages.setWordWrap(True)
        self.messages.setMaximumHeight(110)
        self.messages.setVisible(False)

        # the ranked pairs
        self.table = QTableWidget(0, len(table_titles()), self)
        self.table.setHorizontalHeaderLabels(table_titles())
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setMinimumHeight(200)
        self.table_note = plain_label(QLabel(tr("单击一行：缩放到该组合并显示其影响卡片；识别工具单击地图上的水库或连线亦可。"), self))
        self.table_note.setWordWrap(True)
        self.table_note.setStyleSheet("color: #505050")
        results_box = QGroupBox(tr("组合（按排序）"), self)
        tl = QVBoxLayout(results_box)
        tl.addWidget(self.table)
        tl.addWidget(self.table_note)

        # two pages: the set-up, and the results (shown when a run ends); Run, progress and a bad input's
        # message below both
        setup = QWidget(self)
        sl = QVBoxLayout(setup)
        sl.setContentsMargins(0, 4, 0, 0)
        for w in (size_box, area_box, rank_box, data_box):
            sl.addWidget(w)
        sl.addStretch(1)
        results = QWidget(self)
        rl = QVBoxLayout(results)
        rl.setContentsMargins(0, 4, 0, 0)
        rl.addWidget(self.status)
        rl.addWidget(self.messages)
        rl.addWidget(results_box, 1)
        self.pages = QTabWidget(self)
        self.pages.addTab(setup, tr("参数"))
        self.pages.addTab(results, tr("结果"))
        col = QVBoxLayout(self)
        col.setContentsMargins(6, 6, 6, 6)
        col.addWidget(self.pages, 1)
        col.addLayout(run_row)
        col.addWidget(self.error)

        self.energy.valueChanged.connect(lambda _v: self._update_power())
        self.hours.valueChanged.connect(lambda _v: self._update_power())
        self.area_kind.currentIndexChanged.connect(lambda _i: self._area_changed())
        self.city.currentTextChanged.connect(lambda _t: self._fill_counties())
        self.rank.currentIndexChanged.connect(lambda _i: self._rank_changed())
        self.draw_btn.clicked.connect(self.start_drawing)
        self.run_btn.clicked.connect(self.run)
        self.cancel_btn.clicked.connect(self.cancel)
        self.table.itemSelectionChanged.connect(self._row_chosen)
        win.canvas.polygonDrawn.connect(lambda _pts: self._drawn())  # after the window kept it as drawn_area
        win.canvas.identifyRequested.connect(self.identify)
        self._update_power()
        self._rank_changed()
        self._show_drawn()
        self._area_changed()

    # -- widgets --------------------------------------------------------------------------------------
    def _spin(self, param, value: float | None, decimals: int, step: float) -> QDoubleSpinBox:
        box = QDoubleSpinBox(self)
        box.setDecimals(decimals)
        box.setRange(param.minimum if param.minimum is not None else 0.0,
                     param.maximum if param.maximum is not None else 1e9)
        box.setSingleStep(step)
        box.setValue(float(value if value is not None else param.default))
        box.setToolTip(param.help(current_language()))
        return box

    def _update_power(self) -> None:
        mw = self.energy.value() / max(self.hours.value(), 1e-9) * 1000.0
        self.power.setText(tr("{0:,.0f} MW（{1:,.1f} 万kW）").format(mw, mw / 10.0))

    def _rank_changed(self) -> None:
        self.carbon_weight.setEnabled(self.rank.currentData() == "combined")

    def _fill_counties(self) -> None:
        f = self._frame
        self.county.blockSignals(True)
        self.county.clear()
        for name in f.loc[(f["level"] == "county") & (f["parent"] == self.city.currentText()), "name"]:
            self.county.addItem(name, name)
        self.county.blockSignals(False)

    def set_county(self, city: str, county: str) -> None:
        self.area_kind.setCurrentIndex(self.area_kind.findData("county"))
        self.city.setCurrentText(city)
        self.county.setCurrentIndex(max(0, self.county.findData(county)))

    def _area_changed(self) -> None:
        kind = self.area_kind.currentData()
        self.city.setEnabled(kind in ("county", "projects"))
        self.county.setEnabled(kind in ("county", "projects"))
        self.radius.setVisible(kind == "projects")
        self.radius_label.setVisible(kind == "projects")

    # -- the drawn area -------------------------------------------------------------------------------
    def start_drawing(self) -> None:
        """The window's 绘制区域 tool (as for the field package): click the corners, double-click to close."""
        self.win.actions_by_key["tool_draw"].trigger()

    def _drawn(self) -> None:
        if getattr(self.win, "drawn_area", None) is not None:
            self.area_kind.setCurrentIndex(self.area_kind.findData("drawn"))
        self._show_drawn()

    def _show_drawn(self) -> None:
        area = getattr(self.win, "drawn_area", None)
        if area is None:
            self.drawn_label.setText(tr("还没有绘制区域"))
            return
        from pyproj import Geod

        km2 = abs(Geod(ellps="GRS80").geometry_area_perimeter(area)[0]) / 1e6
        self.drawn_label.setText(tr("已绘制：约 {0:,.1f} 平方千米").format(km2))

    # -- the run --------------------------------------------------------------------------------------
    def _default_base(self) -> Path:
        from ..io.catalogue import data_home

        project = self.win.registry.project
        return (Path(project.path).parent if project.path else data_home()) / "phes"

    def area_name(self) -> str:
        kind = self.area_kind.currentData()
        if kind == "drawn":
            return DRAWN_NAME
        county = self.county.currentData() or ""
        return f"{county}_规划站址" if kind == "projects" else county

    def out_path(self) -> Path:
        text = self.out_file.value()
        if text:
            return Path(text).expanduser()
        stamp = time.strftime("%Y%m%d-%H%M%S")
        return self._default_base() / f"{self.area_name()}_{self.energy.value():g}GWh_{stamp}" / "phes.gpkg"

    def base_values(self) -> dict[str, Any]:
        """The job's raw values from the widgets (without the zone file a drawn area needs)."""
        raw: dict[str, Any] = {"energy_gwh": self.energy.value(), "hours": self.hours.value(),
                               "top": self.top.value(), "rank": self.rank.currentData(),
                               "carbon_weight": self.carbon_weight.value(), "margin_km": self.margin.value(),
                               "year": self.win.registry.project.year,
                               "apply_exclusions": self.apply_exclusions.isChecked() or None}
        if self.area_kind.currentData() in ("county", "projects"):
            raw["county"] = self.county.currentData()
        if self.area_kind.currentData() == "projects":  # each plan station of the county, within the radius
            raw["near_projects"] = True
            raw["radius_km"] = self.radius.value()
        for name, choice in self.inputs.items():
            raw[name] = choice.value()
        return {k: v for k, v in raw.items() if v is not None}

    def prepare_run(self, out: Path | None = None) -> dict[str, Any]:
        """Check the values, make the output's folder and write the drawn area into it; the job's raw values
        (raises a SinkmapError naming what is wrong)."""
        from ..core.errors import InputError
        from ..io.write_errors import output_error

        raw = self.base_values()
        out = out or self.out_path()
        drawn = self.area_kind.currentData() == "drawn"
        area = getattr(self.win, "drawn_area", None)
        if drawn and area is None:
            raise InputError(code="app.phes.no_drawn_area")
        folder = out.parent
        created = not folder.exists()
        files: list[Path] = []
        self._prepared = (folder, created, files)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self.job.convert({**raw, "out": str(out)})  # every value checked before anything is written
            if drawn:
                import geopandas as gpd

                from ..core.crs import STORAGE_CRS

                zone = folder / f"{out.stem}_zone.gpkg"
                files.append(zone)
                gpd.GeoDataFrame({"name": [DRAWN_NAME]}, geometry=[area], crs=STORAGE_CRS).to_file(
                    zone, layer="zone", driver="GPKG")
                raw["zone"] = str(zone)
            raw["out"] = str(out)
            self.job.convert(raw)
        except OSError as exc:
            self._discard_prepared()
            raise output_error(getattr(exc, "filename", None) or folder, exc) from None
        except SinkmapError:
            self._discard_prepared()
            raise
        return raw

    def _starting(self, raw: dict) -> None:
        self._pending_raw = raw
        self.pages.setCurrentIndex(1)

    def _run_post(self):
        return _read_layers

    def _done(self, result) -> None:
        from .taskdock import shown_text

        report, run, frames = result
        self._prepared = (None, False, [])  # the zone file belongs to the run now (it repeats from it)
        self.report, self.frames, self.run_raw = report, frames, dict(self._pending_raw)
        self.win.registry.project.record_run(run)
        self._add_layers(report, run)
        self._fill_table(report)
        self.status.setText(self._summary(report))
        self.pages.setCurrentIndex(1)
        codes = [getattr(w, "code", "") for w in report.warnings]
        if not report.pairs:
            self._show_error("\n".join(shown_text(w) for w, c in zip(report.warnings, codes) if c in NO_PAIR_CODES)
                             or tr("没有找到组合"))
        rest = [w for w, c in zip(report.warnings, codes) if report.pairs or c not in NO_PAIR_CODES]
        for w in rest:
            self.messages.addItem(shown_text(w))
        self.messages.setVisible(bool(rest))
        self.messages.setMaximumHeight(min(110, 8 + 2 * self.fontMetrics().lineSpacing() * len(rest)))

    def _summary(self, report) -> str:
        from ..jobs.base import DEMO_LABEL

        lang = current_language()
        c = report.counts
        lines = [DEMO_LABEL(lang)] if report.synthetic else []
        if getattr(report, "projects", None):
            return "\n".join(lines + self._projects_summary(report, lang))
        lines.append(tr("{0}：{1:g} GWh / {2:g} 小时；坝址 {3:,}，水库 {4:,}，候选组合 {5:,}，不重叠组合 {6:,}").format(
            area_text(report), report.energy_gwh, report.hours, c.get("dam_sites", 0),
            c.get("reservoirs", 0), c.get("rough_pairs", 0), c.get("selected", 0)))
        if report.pairs:
            lines.append(tr("列出 {0} 个组合，按{1}排序").format(len(report.pairs), rank_text(report.rank)))
        ch = report.cheapest
        if ch:
            lines.append(tr("最便宜的组合 #{0}（{1} 类，FOM {2:,.0f} 美元/kW）对目标的影响：").format(
                ch["rank"], ch["cost_class"], ch["fom"]))
            changes = ch.get("status_changes_text", {}).get("en" if lang == "en" else "zh", [])
            lines += list(changes) or [tr("没有目标因此改变达标状态。")]
        return "\n".join(lines)

    @staticmethod
    def _projects_summary(report, lang: str) -> list[str]:
        """Per plan station: what was found around it and what its cheapest pair does to the targets."""
        from ..jobs.site_phes import _project_line

        lines = []
        for p in report.projects:
            lines.append(_project_line(p, lang != "en"))
            ch = p.get("cheapest_pair_ledger")
            if ch:
                changes = ch.get("status_changes_text", {}).get("en" if lang == "en" else "zh", [])
                lines += ["  " + x for x in (list(changes) or [tr("没有目标因此改变达标状态。")])]
        return lines

    # -- results --------------------------------------------------------------------------------------
    def _add_layers(self, report, run) -> None:
        """The run's reservoirs and lines as layers (replacing the previous run's), named in the interface
        language; the map goes to them."""
        win = self.win
        project = win.registry.project
        present = {s.id for s in project.layers}
        for lid in self.layer_ids.values():
            if lid in present:
                project.remove_layer(lid)
        self.layer_ids = {}
        if not report.pairs:
            return
        unit = area_text(report)
        names = {"upper": tr("上水库：{0} {1:g} GWh"), "lower": tr("下水库：{0} {1:g} GWh"),
                 "pairs": tr("组合连线：{0} {1:g} GWh")}
        if getattr(report, "projects", None):  # each station's energy is its own (the plan's capacity × hours)
            names = {"upper": tr("上水库：{0}"), "lower": tr("下水库：{0}"), "pairs": tr("组合连线：{0}")}
        outs = {o.layer: o for o in report.outputs if o.layer in SIDES}
        for side in SIDES:
            out = outs.get(side)
            if out is None:
                continue
            spec = win.add_layer_file(out.path, out.layer, role=f"phes_{side}")
            spec.produced_by = run.id
            project.rename_layer(spec.id, names[side].format(unit, report.energy_gwh))
            self.layer_ids[side] = spec.id
        self._zoom_to_rows(None)

    def _fill_table(self, report) -> None:
        self.table.blockSignals(True)
        self.table.clearSelection()
        stations = bool(getattr(report, "projects", None))  # one search per plan station: name it per row
        titles = ([tr("规划站址")] if stations else []) + table_titles()
        self.table.setColumnCount(len(titles))
        self.table.setHorizontalHeaderLabels(titles)
        self.table.setRowCount(len(report.pairs))
        first = 1 if stations else 0
        for r, p in enumerate(report.pairs):
            texts = ([str(p.get("project") or "")] if stations else []) + [f"#{p['rank']}", str(p.get("cost_class") or "—"), fmt_num(p.get("fom"), 0), fmt_num(p.get("head_m"), 0),
                     fmt_num(p.get("volume_gl"), 2), fmt_num(p.get("forest_area_ha"), 2), fmt_num(p.get("co2_t"), 0)]
            for c, text in enumerate(texts):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, r)
                if c >= 2 + first:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                item.setToolTip(tip(self._pair_tip(p)))
                self.table.setItem(r, c, item)
        self.table.blockSignals(False)

    @staticmethod
    def _pair_tip(p: dict) -> str:
        lines = [tr("水头 {0} m，间距 {1} km，坡度 {2}").format(fmt_num(p.get("head_m"), 0),
                                                      fmt_num(p.get("separation_km"), 2), fmt_num(p.get("slope"), 3)),
                 tr("上水库 {0} m，坝高 {1} m，{2} 公顷；下水库 {3} m，坝高 {4} m，{5} 公顷").format(
                     fmt_num(p.get("upper_elev_m"), 0), fmt_num(p.get("upper_dam_height_m"), 1),
                     fmt_num(p.get("upper_area_ha"), 1), fmt_num(p.get("lower_elev_m"), 0),
                     fmt_num(p.get("lower_dam_height_m"), 1), fmt_num(p.get("lower_area_ha"), 1)),
                 tr("水岩比 {0}；淹没湿地 {1} 公顷").format(fmt_num(p.get("water_rock"), 1),
                                                   fmt_num(p.get("wetland_area_ha"), 2))]
        if p.get("rules_hit"):
            lines.append(tr("触及规则：{0}").format(p["rules_hit"]))
        return "\n".join(lines)

    def pair_index(self, pair_id: int) -> int | None:
        """The table row of the pair whose ``pair_id`` (= its row in the layers' ``pair_id``) is given."""
        rows = getattr(self.report, "pairs", None) or []
        return next((i for i, p in enumerate(rows) if self._pair_id(i) == pair_id), None)

    def _pair_id(self, index: int) -> int | None:
        pairs = self.frames.get("pairs")
        if pairs is not None and index < len(pairs):
            return int(pairs["pair_id"].iloc[index])
        return None

    def _row_chosen(self) -> None:
        rows = {i.row() for i in self.table.selectedItems()}
        if len(rows) == 1:
            self.show_pair(rows.pop())

    def select_row(self, index: int) -> None:
        self.table.selectRow(index)  # → show_pair through the selection

    def show_pair(self, index: int, side: str | None = None) -> None:
        """Pair ``index`` (the table's row): selected on the map, zoomed to, and its card — the pair's two
        reservoirs, or only ``side`` ("upper"/"lower") when one of them was clicked."""
        pid = self._pair_id(index)
        if pid is None:
            return
        for s, lid in self.layer_ids.items():
            data = self.win.registry.data.get(lid)
            if data is not None and "pair_id" in data.frame.columns:
                self.win.registry.set_selection(lid, (data.frame["pair_id"].to_numpy() == pid).nonzero()[0])
        self._zoom_to_rows(pid)
        self.inspect(index, side)

    def _zoom_to_rows(self, pid: int | None) -> None:
        """The map to the pair ``pid`` (None: every pair), from the layers read after the run."""
        import shapely
        from pyproj import Transformer

        geoms = []
        for side in ("upper", "lower"):
            f = self.frames.get(side)
            if f is not None and len(f):
                geoms += list(f.geometry[f["pair_id"] == pid] if pid is not None else f.geometry)
        if not geoms:
            return
        x0, y0, x1, y1 = shapely.union_all(geoms).bounds
        to_display = Transformer.from_crs("EPSG:4490", self.win.registry.project.display_crs, always_xy=True)
        bounds = to_display.transform_bounds(x0, y0, x1, y1)
        self.win.canvas.zoom_to(bounds, 0.6 if pid is not None else 0.15)

    def impact_request(self):
        """``site impact`` with the layers and year of the run on show (none: the demo world, as the run)."""
        from ..jobs.site_impact import SiteImpactRequest

        raw = self.run_raw

        def value(name: str):
            v = raw.get(name)
            return None if v is None else self.job.param(name).convert(v)
        return SiteImpactRequest(site=None, year=value("year") or self.win.registry.project.year,
                                 forest=value("forest"), wetland=value("wetland"), protected=value("protected"),
                                 redline=value("redline"))

    def inspect(self, index: int, side: str | None = None) -> None:
        """The impact card of pair ``index`` (both reservoirs) or of one of its reservoirs."""
        import shapely

        p = self.report.pairs[index]
        pid = self._pair_id(index)
        parts = []
        for s in (side,) if side else ("upper", "lower"):
            f = self.frames.get(s)
            if f is not None:
                parts += list(f.geometry[f["pair_id"] == pid])
        if not parts:
            return
        geom = shapely.union_all(parts)
        what = {"upper": tr("上水库"), "lower": tr("下水库"), None: tr("上水库 + 下水库")}[side]
        name = tr("抽水蓄能组合 #{0}").format(p["rank"])
        if p.get("project"):
            name = f"{p['project']} {name}"
        title = tr("{0}（{1} 类，{2:g} GWh / {3:g} 小时）· {4}").format(name, p.get("cost_class") or "—",
                                                                    p["energy_gwh"], p["hours"], what)
        mw = p["energy_gwh"] / p["hours"] * 1000.0 if p.get("hours") else None
        card = self.win.site_inspector.card
        card.tech.setCurrentIndex(max(0, card.tech.findData("phes")))  # "加入方案" keeps it as pumped storage
        try:
            request = self.impact_request()
        except SinkmapError as exc:  # a layer of the run gone since: said on the card
            card.show_error(exc.render(current_language()))
            return
        self.win.site_inspector.inspect(geom, f"{name} {what}", "phes", mw, request=request, title=title)

    def identify(self, x: float, y: float, tol: float) -> bool:
        """The identify tool clicked (x, y): the topmost visible reservoir or line of the results there is
        chosen in the table and shown in the card (a reservoir: that reservoir's card; a line: the pair's)."""
        from ..io.layerdata.data import VectorData

        if self.report is None or not self.layer_ids:
            return False
        reg = self.win.registry
        side_of = {lid: side for side, lid in self.layer_ids.items()}
        for spec in reversed(reg.project.layers):
            data = reg.data.get(spec.id)
            if spec.id not in side_of or not spec.visible or not isinstance(data, VectorData):
                continue
            hits = data.features_at(x, y, tol)
            if not len(hits):
                continue
            index = self.pair_index(int(data.frame["pair_id"].iloc[int(hits[0])]))
            if index is None:
                continue
            side = side_of[spec.id]
            self.table.blockSignals(True)
            self.table.selectRow(index)
            self.table.blockSignals(False)
            self.show_pair(index, None if side == "pairs" else side)
            return True
        return False

    # -- messages -------------------------------------------------------------------------------------


def show_phes_panel(win) -> PhesPanel:
    """The pumped-storage dock of ``win`` (made on first use, tabbed with the layers), shown and raised."""
    # on the left, in front of the layers: the impact card (right, with the ledger) shows beside it
    dock = panel_dock(win, "phes", tr("抽水蓄能选址"), PhesPanel, Qt.DockWidgetArea.LeftDockWidgetArea, "layers")
    win.resizeDocks([dock], [460], Qt.Orientation.Horizontal)
    if "tasks" in win.docks and win.docks["tasks"].isVisible():  # most of the left side's height for the panel
        win.resizeDocks([dock, win.docks["tasks"]], [max(400, win.height() - 250), 150], Qt.Orientation.Vertical)
    return win.phes_panel


__all__ = ["PhesPanel", "show_phes_panel"]
