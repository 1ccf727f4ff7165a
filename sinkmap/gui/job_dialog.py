"""A parameter dialog generated from a job's declaration (for every job without a hand-made panel).

One editor per parameter kind: a project layer or a file for layers and rasters (layers of the job's
role first), a file chooser for outputs, spin boxes with the declared range for years and numbers, a
list for choices, a check box for flags. Parameters of an exclusive group share one row: a choice of
which one, then its editor. Advanced parameters sit in a folded box. OK checks the values with the job's
own :meth:`~sinkmap.jobs.base.Job.convert` (the same checks as the CLI) and shows what is wrong in the
dialog, in the interface language, instead of closing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFileDialog,
                               QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox,
                               QVBoxLayout, QWidget)

from ..core.errors import SinkmapError
from ..core.project import Project
from ..jobs.base import Job, LayerSource, Param, ParamError
from .i18n import current_language, tr

_FILE = "__file__"  # the combo entry "a file…"


class _PathEdit(QWidget):
    """A line edit with a browse button (open file, save file or folder)."""

    def __init__(self, param: Param, mode: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.param, self.mode = param, mode
        self.edit = QLineEdit(self)
        button = QPushButton(tr("浏览…"), self)
        button.clicked.connect(self._browse)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(button)

    def _browse(self) -> None:
        pattern = " ".join(f"*{s}" for s in self.param.suffixes)
        filt = f"{self.param.title(current_language())} ({pattern})" if pattern else ""
        if self.mode == "folder":
            path = QFileDialog.getExistingDirectory(self, self.param.title(current_language()))
        elif self.mode == "save":
            path, _ = QFileDialog.getSaveFileName(self, self.param.title(current_language()), self.edit.text(), filt)
        else:
            path, _ = QFileDialog.getOpenFileName(self, self.param.title(current_language()), "", filt)
        if path:
            self.edit.setText(path)

    def value(self) -> str | None:
        return self.edit.text().strip() or None


class _LayerChoice(QWidget):
    """A project layer of the right kind (the job's role first), or a file."""

    def __init__(self, param: Param, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.param = param
        kinds = {"raster"} if param.kind == "raster" else {"vector"}
        if param.kind == "layer" and {".tif", ".tiff"} & set(param.suffixes):  # the exports' --layer takes rasters
            kinds.add("raster")
        self.combo = QComboBox(self)
        self.combo.addItem(tr("（不使用）"), None)
        specs = [s for s in project.layers if s.kind in kinds and not s.path.startswith("builtin:")]
        specs.sort(key=lambda s: s.role != param.role)
        for spec in specs:
            self.combo.addItem(spec.name, (spec.path, spec.layer))
        self.combo.addItem(tr("文件…"), _FILE)
        if param.role and specs and specs[0].role == param.role:
            self.combo.setCurrentIndex(1)
        self.path = _PathEdit(param, "open", self)
        self.path.setVisible(False)
        self.combo.currentIndexChanged.connect(lambda _i: self.path.setVisible(self.combo.currentData() == _FILE))
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.combo)
        col.addWidget(self.path)

    def value(self) -> Any:
        data = self.combo.currentData()
        if data is None:
            return None
        if data == _FILE:
            text = self.path.value()
            return None if text is None else (LayerSource(Path(text)) if self.param.kind == "layer" else text)
        path, layer = data
        return LayerSource(Path(path), layer) if self.param.kind == "layer" else path


def _editor(param: Param, project: Project, parent: QWidget) -> QWidget:
    kind = param.kind
    if kind in ("layer", "raster"):
        return _LayerChoice(param, project, parent)
    if kind == "file":
        return _PathEdit(param, "open", parent)
    if kind == "output":
        return _PathEdit(param, "save", parent)
    if kind == "folder":
        return _PathEdit(param, "folder", parent)
    if kind in ("year", "integer"):
        box = QSpinBox(parent)
        lo = param.minimum if param.minimum is not None else (1949 if kind == "year" else -2**31)
        hi = param.maximum if param.maximum is not None else (2100 if kind == "year" else 2**31 - 1)
        box.setRange(int(lo), int(hi))
        if not param.required and param.default is None:
            box.setSpecialValueText(tr("（默认）"))
            box.setMinimum(int(lo) - 1)
            box.setValue(int(lo) - 1)
        else:
            box.setValue(int(param.default if param.default is not None else (2025 if kind == "year" else lo)))
        return box
    if kind == "number":
        box = QDoubleSpinBox(parent)
        box.setDecimals(3)
        box.setRange(param.minimum if param.minimum is not None else -1e12,
                     param.maximum if param.maximum is not None else 1e12)
        if param.default is not None:
            box.setValue(float(param.default))
        return box
    if kind == "enum":
        combo = QComboBox(parent)
        combo.addItems(list(param.choices))
        if param.default in param.choices:
            combo.setCurrentText(param.default)
        return combo
    if kind == "bool":
        check = QCheckBox(parent)
        check.setChecked(bool(param.default))
        return check
    if kind == "unit":
        combo = QComboBox(parent)
        combo.setEditable(True)
        combo.addItems(_unit_names(param.name))
        return combo
    edit = QLineEdit(parent)
    if param.default not in (None, {}, []):
        edit.setText(str(param.default))
    if kind == "fields":
        edit.setPlaceholderText("stock_per_ha=MGQXJ, area_unit=mu")
    return edit


def _unit_names(name: str) -> list[str]:
    """Names offered for a unit parameter: cities, counties (and zones) or the province."""
    try:
        from ..io.boundaries import hierarchy, zones

        frame = hierarchy()
        if name == "city":
            return list(frame.loc[frame["level"] == "city", "name"])
        if name == "province":
            return list(frame.loc[frame["level"] == "province", "name"])
        return list(frame.loc[frame["level"] == "county", "name"]) + list(zones())
    except (SinkmapError, KeyError, OSError):
        return []


def _value(param: Param, widget: QWidget) -> Any:
    if isinstance(widget, (_LayerChoice, _PathEdit)):
        return widget.value()
    if isinstance(widget, QSpinBox):
        return None if widget.specialValueText() and widget.value() == widget.minimum() else widget.value()
    if isinstance(widget, QDoubleSpinBox):
        return widget.value()
    if isinstance(widget, QCheckBox):
        return widget.isChecked() or None
    if isinstance(widget, QComboBox):
        return widget.currentText().strip() or None
    if isinstance(widget, QLineEdit):
        text = widget.text().strip()
        if param.kind == "fields":
            return [item.strip() for item in text.split(",") if item.strip()] or None
        return text or None
    return None


class JobDialog(QDialog):
    """The parameters of ``job``; ``raw_values()`` after OK (already checked by the job)."""

    def __init__(self, job: Job, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job = job
        lang = current_language()
        self.setWindowTitle(job.title(lang))
        self.editors: dict[str, QWidget] = {}
        self.group_choice: dict[str, QComboBox] = {}
        help_label = QLabel(job.help(lang), self)
        help_label.setWordWrap(True)
        form = QFormLayout()
        advanced = QGroupBox(tr("高级参数"), self)
        advanced.setCheckable(True)
        advanced.setChecked(False)
        adv_form = QFormLayout()
        adv_body = QWidget(advanced)
        adv_body.setLayout(adv_form)
        advanced.toggled.connect(adv_body.setVisible)
        QVBoxLayout(advanced).addWidget(adv_body)
        adv_body.setVisible(False)
        grouped = {n: g for g in job.exclusive for n in g.params}
        for param in job.params:
            group = grouped.get(param.name)
            if group is not None and group.name in self.group_choice:
                continue  # the group's row is already there
            if group is not None:
                in_advanced = all(self.job.param(n).advanced for n in group.params)
                title = group.title(lang) if group.title else ""
                (adv_form if in_advanced else form).addRow(title + (" *" if group.required else ""),
                                                           self._group_row(group, project))
                continue
            editor = _editor(param, project, self)
            editor.setToolTip(param.help(lang))
            self.editors[param.name] = editor
            label = param.title(lang) + (" *" if param.required else "")
            (adv_form if param.advanced else form).addRow(label, editor)
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
        if adv_form.rowCount():
            col.addWidget(advanced)
        else:
            advanced.hide()
        col.addWidget(self.error)
        col.addWidget(buttons)
        self._values: dict[str, Any] = {}

    def _group_row(self, group, project: Project) -> QWidget:
        lang = current_language()
        box = QWidget(self)
        col = QVBoxLayout(box)
        col.setContentsMargins(0, 0, 0, 0)
        choice = QComboBox(box)
        if not group.required:
            choice.addItem(tr("（不使用）"), None)
        editors = []
        for name in group.params:
            param = self.job.param(name)
            choice.addItem(param.title(lang), name)
            editor = _editor(param, project, box)
            editor.setToolTip(param.help(lang))
            self.editors[name] = editor
            editors.append((name, editor))
            col.addWidget(editor)

        def show(_index: int = 0) -> None:
            for name, editor in editors:
                editor.setVisible(choice.currentData() == name)

        choice.currentIndexChanged.connect(show)
        col.insertWidget(0, choice)
        show()
        self.group_choice[group.name] = choice
        return box

    def raw_values(self) -> dict[str, Any]:
        """Values as the user set them (not yet checked): only the chosen member of each group."""
        chosen = {g.name: self.group_choice[g.name].currentData() for g in self.job.exclusive
                  if g.name in self.group_choice}
        members = {n: g.name for g in self.job.exclusive for n in g.params}
        out: dict[str, Any] = {}
        for name, editor in self.editors.items():
            if name in members and chosen.get(members[name]) != name:
                continue
            out[name] = _value(self.job.param(name), editor)
        return out

    def values(self) -> dict[str, Any]:
        return self._values

    def accept(self) -> None:  # noqa: D401 - Qt override
        raw = self.raw_values()
        try:
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
