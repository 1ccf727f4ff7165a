"""The field-package dialog (job ``export.package``): area, layers, year, GCJ-02 KMZ, output.

The area is a city, a county or zone, a zones file, the polygons selected on the map or a polygon drawn
on it with the 绘制区域 tool (either written to a GeoPackage in the cache folder and passed as the job's
``--zones``). The layers are the project's, in its
order with its styles and visibility: the checked ones are saved as a small project file in the cache
folder (never the user's own project file) and passed as ``--project``. The values are checked by the
job's own :meth:`~sinkmap.jobs.base.Job.convert` (the CLI's checks) before the dialog closes; the run goes
through the job menu's :func:`~sinkmap.gui.job_menu.run_job_in_app` (worker process, progress, Cancel).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout,
                               QLabel, QLineEdit, QListWidget, QListWidgetItem, QPushButton, QSpinBox, QStackedWidget,
                               QVBoxLayout, QWidget)

from ..core.errors import SinkmapError
from ..jobs.base import Job, ParamError
from .i18n import current_language, tr

SELECTION_FILE = "package_selection.gpkg"
DRAWN_NAME = "绘制区域"  # the name of a drawn area in the package (data, Chinese in any interface language)
LAYERS_FILE = "package_layers.sinkmap"
NAME_FIELDS = ("name", "NAME", "Name", "名称", "单元", "MC", "XMMC")


def selected_polygons(win):
    """The polygons selected on the map (every polygon layer), as zones: GeoDataFrame name + geometry, or None."""
    import geopandas as gpd
    import pandas as pd

    from ..io.layerdata.data import POLYGON, VectorData

    parts = []
    reg = win.registry
    for spec in reg.project.layers:
        data = reg.data.get(spec.id)
        rows = reg.selected_rows(spec.id)
        if not isinstance(data, VectorData) or data.kind != POLYGON or not len(rows):
            continue
        frame = data.frame.iloc[rows]
        field = spec.style.label_field if spec.style.label_field in frame.columns else next(
            (f for f in NAME_FIELDS if f in frame.columns), None)
        names = (frame[field].astype(str).tolist() if field else [f"{spec.name} {int(r) + 1}" for r in rows])
        parts.append(gpd.GeoDataFrame({"name": names}, geometry=frame.geometry.values, crs=frame.crs))
    if not parts:
        return None
    out = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=parts[0].crs)
    dup = out["name"].duplicated(keep=False)
    out.loc[dup, "name"] = [f"{n} #{k + 1}" for k, n in enumerate(out.loc[dup, "name"])]
    return out


class PackageDialog(QDialog):
    """Parameters of ``export.package``; :meth:`values` after OK (checked by the job)."""

    def __init__(self, job: Job, win, parent: QWidget | None = None) -> None:
        super().__init__(parent or win)
        self.job, self.win = job, win
        project = win.registry.project
        lang = current_language()
        self.setWindowTitle(job.title(lang))
        help_label = QLabel(job.help(lang), self)
        help_label.setWordWrap(True)
        form = QFormLayout()

        self.area = QComboBox(self)
        self.area_pages = QStackedWidget(self)
        self.city = self._units("city", project.city)
        self.county = self._units("county", None)
        self.zones = QLineEdit(self)
        zones_row = QWidget(self)
        row = QHBoxLayout(zones_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.zones, 1)
        browse = QPushButton(tr("浏览…"), zones_row)
        browse.clicked.connect(self._browse_zones)
        row.addWidget(browse)
        self.selection = selected_polygons(win)
        sel_text = (tr("地图上选中的 {0} 个面要素").format(len(self.selection)) if self.selection is not None
                    else tr("地图上没有选中的面要素（用“选择要素”工具选择）"))
        self.selection_label = QLabel(sel_text, self)
        self.drawn = getattr(win, "drawn_area", None)
        drawn_text = (tr("地图上绘制的区域（{0} 个顶点）").format(len(self.drawn.exterior.coords) - 1)
                      if self.drawn is not None and self.drawn.geom_type == "Polygon" else
                      tr("地图上绘制的区域") if self.drawn is not None else
                      tr("还没有绘制区域（用“绘制区域”工具：单击各顶点，双击结束）"))
        self.drawn_label = QLabel(drawn_text, self)
        self.drawn_label.setWordWrap(True)
        for key, title, page in (("selection", tr("选中的面要素"), self.selection_label),
                                 ("drawn", tr("绘制的区域"), self.drawn_label), ("city", tr("城市"), self.city),
                                 ("county", tr("区县/片区"), self.county), ("zones", tr("片区文件"), zones_row)):
            self.area.addItem(title, key)
            self.area_pages.addWidget(page)
        self.area.currentIndexChanged.connect(self.area_pages.setCurrentIndex)
        self.area.setCurrentIndex(0 if self.selection is not None else 1 if self.drawn is not None else 2)
        form.addRow(tr("区域") + " *", self.area)
        form.addRow("", self.area_pages)

        self.layers = QListWidget(self)
        for spec in reversed(project.layers):  # the layer tree's order: top first
            if spec.path.startswith("builtin:"):
                continue
            item = QListWidgetItem(spec.name, self.layers)
            item.setData(Qt.ItemDataRole.UserRole, spec.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
        self.layers.setMaximumHeight(170)
        form.addRow(tr("图层"), self.layers)
        self.year = QSpinBox(self)
        self.year.setRange(2000, 2100)
        self.year.setValue(project.year)
        form.addRow(tr("目标年"), self.year)
        self.gcj02 = QCheckBox(tr("另附 GCJ-02（火星坐标）KMZ，仅供要求 GCJ-02 的应用"), self)
        form.addRow("", self.gcj02)
        self.out = QLineEdit(self)
        self.out.setPlaceholderText("field_package.zip")
        out_row = QWidget(self)
        row = QHBoxLayout(out_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.out, 1)
        save = QPushButton(tr("浏览…"), out_row)
        save.clicked.connect(self._browse_out)
        row.addWidget(save)
        form.addRow(tr("输出") + " *", out_row)

        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setVisible(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        col = QVBoxLayout(self)
        col.addWidget(help_label)
        col.addLayout(form)
        col.addWidget(self.error)
        col.addWidget(buttons)
        self._values: dict[str, Any] = {}
        self.resize(560, self.sizeHint().height())

    def _units(self, level: str, current: str | None) -> QComboBox:
        from .job_dialog import _unit_names

        combo = QComboBox(self)
        combo.setEditable(True)
        combo.addItems(_unit_names(level))
        if current:
            combo.setCurrentText(current)
        return combo

    def _browse_zones(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("片区文件"), "", "GIS (*.gpkg *.shp *.geojson *.json *.kml *.kmz)")
        if path:
            self.zones.setText(path)

    def _browse_out(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, tr("输出"), self.out.text() or "field_package.zip", "ZIP (*.zip)")
        if path:
            self.out.setText(path if path.lower().endswith(".zip") else path + ".zip")

    def checked_layer_ids(self) -> list[str]:
        out = []
        for k in range(self.layers.count()):
            item = self.layers.item(k)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(item.data(Qt.ItemDataRole.UserRole))
        return out

    def raw_values(self) -> dict[str, Any]:
        """The job's raw values (writes the selection and the chosen layers to the cache folder)."""
        from dataclasses import replace

        from ..core.project import Project
        from ..io.catalogue import cache_dir
        from ..io.project_file import save_project
        from ..io.vectors import write_vector

        project = self.win.registry.project
        raw: dict[str, Any] = {"year": self.year.value(), "gcj02_kmz": self.gcj02.isChecked() or None,
                               "out": self.out.text().strip() or None}
        kind = self.area.currentData()
        if kind in ("selection", "drawn"):
            import geopandas as gpd

            zones = self.selection if kind == "selection" else (
                None if self.drawn is None else gpd.GeoDataFrame({"name": [DRAWN_NAME]}, geometry=[self.drawn],
                                                                 crs="EPSG:4490"))
            if zones is None:
                raw["zones"] = None
            else:
                path = cache_dir() / SELECTION_FILE
                write_vector(zones, path, layer="selection")
                raw["zones"] = str(path)
        elif kind == "city":
            raw["city"] = self.city.currentText().strip() or None
        elif kind == "county":
            raw["county"] = self.county.currentText().strip() or None
        else:
            raw["zones"] = self.zones.text().strip() or None
        wanted = set(self.checked_layer_ids())
        layers = [replace(s) for s in project.layers if s.id in wanted]
        chosen = Project(layers=layers, city=project.city, year=self.year.value())
        path = cache_dir() / LAYERS_FILE
        save_project(chosen, path)
        raw["project"] = str(path)
        return raw

    def values(self) -> dict[str, Any]:
        return self._values

    def accept(self) -> None:  # noqa: D401 - Qt override
        try:
            raw = self.raw_values()
            self.job.convert(raw)
        except SinkmapError as exc:
            lang = current_language()
            name = getattr(exc, "param_name", None)
            if isinstance(exc, ParamError) and name:
                exc = exc.for_display(self.job.param(name).title(lang))
            self.error.setText(exc.render(lang))
            self.error.setVisible(True)
            return
        self._values = raw
        super().accept()


def open_package_dialog(win, job: Job):
    """The dialog, then the run in the background (None when cancelled)."""
    from .job_menu import run_job_in_app

    dialog = PackageDialog(job, win)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return run_job_in_app(win, job, dialog.values())


__all__ = ["PackageDialog", "open_package_dialog", "selected_polygons"]
