"""Import dialog for rasters: what the file is, its CRS (overridable), its role and classification scheme.

The dialog shows the size, bands, data type, no-data value, detected CRS, pixel size in metres and
whether the raster has overviews (:mod:`sinkmap.io.layerdata.raster_probe` reads the header and a small value
sample). The role (land cover / DEM / stock density / other) and, for land cover, the classification
scheme are guessed and editable; for the chosen scheme the dialog says how many sampled pixels it knows
and lists the codes it does not. A raster without a CRS cannot be accepted until one is typed. A big
raster without overviews gets the offer to build them. Like the vector dialog it only builds a
:class:`RasterImportChoice`; the layer loads in the background.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget)

from ..core.errors import SinkmapError
from ..io.layerdata.raster_probe import (RASTER_ROLES, check_crs, guess_role_and_scheme, inspect_raster, scheme_fit,
                           short_crs)
from ..io.schemes import load_scheme
from .i18n import current_language, tr

RASTER_CRS_CHOICES = ("EPSG:4490", "EPSG:4326", "EPSG:4545", "EPSG:4546", "EPSG:4547", "EPSG:4526", "EPSG:4527",
                      "EPSG:32649", "EPSG:32650")
MAX_UNKNOWN_LISTED = 12
_ERROR_STYLE = "color: #b03a2e;"


def raster_role_label(role: str | None) -> str:
    return {"landcover": tr("土地覆盖"), "dem": tr("高程（DEM）"), "stock_density": tr("蓄积量密度（连续值）"),
            None: tr("其他")}[role]


@dataclass
class RasterImportChoice:
    path: str
    crs: str | None  # override of the file's CRS (None: use the file's)
    role: str | None
    scheme: str | None  # land cover only
    build_overviews: bool = False


class RasterImportDialog(QDialog):
    def __init__(self, path: str | Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = str(path)
        self.setWindowTitle(tr("导入栅格：{0}").format(Path(path).name))
        self.info = inspect_raster(path)  # raises InputError for files that are not readable rasters
        self.detected_crs = short_crs(self.info.crs_wkt)
        self.lang = current_language()
        self.fit = None  # the chosen scheme's SchemeFit (land cover)
        info = self.info
        form = QFormLayout()
        form.addRow(tr("文件"), self._label(self.path))
        form.addRow(tr("大小"), self._label(tr("{0:,} × {1:,} 像元（共 {2:,} 个）").format(
            info.width, info.height, info.pixels)))
        form.addRow(tr("波段与数据类型"), self._label(tr("{0} 个波段，{1}").format(info.count, info.dtype)))
        form.addRow(tr("无数据值"), self._label(tr("无") if info.nodata is None else f"{info.nodata:g}"))
        self.crs = QComboBox(self)
        self.crs.setEditable(True)
        self.crs.addItem(self.detected_crs or "")
        for c in RASTER_CRS_CHOICES:
            if self.crs.findText(c) < 0:
                self.crs.addItem(c)
        self.crs.setCurrentIndex(0)
        self.crs_hint = self._label("")
        form.addRow(tr("坐标系"), self.crs)
        form.addRow("", self.crs_hint)
        self.pixel_size = self._label("")
        form.addRow(tr("像元大小"), self.pixel_size)
        self.overviews = QCheckBox(tr("构建金字塔（外部 .ovr 文件，后台进行，可取消）"), self)
        self.overviews.setVisible(info.needs_overviews)
        self.overviews.setChecked(info.needs_overviews)
        form.addRow(tr("金字塔"), self._label(self._overview_text()))
        form.addRow("", self.overviews)
        self.role = QComboBox(self)
        for r in RASTER_ROLES:
            self.role.addItem(raster_role_label(r), r)
        form.addRow(tr("用途"), self.role)
        self.scheme = QComboBox(self)
        self.browse = QPushButton(tr("浏览…"), self)
        self.browse.clicked.connect(self.browse_scheme)
        row = QHBoxLayout()
        row.addWidget(self.scheme, 1)
        row.addWidget(self.browse)
        form.addRow(tr("分类方案"), row)
        self.coverage = self._label("")
        self.unknown = self._label("")
        self.unknown.setStyleSheet(_ERROR_STYLE)
        form.addRow("", self.coverage)
        form.addRow("", self.unknown)
        self.error = self._label("")
        self.error.setStyleSheet(_ERROR_STYLE)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(640, 520)
        self._fill_guesses()
        self.crs.currentTextChanged.connect(lambda _t: self._crs_changed())
        self.role.currentIndexChanged.connect(lambda _i: self._role_changed())
        self.scheme.currentIndexChanged.connect(lambda _i: self.refresh_coverage())

    def _label(self, text: str) -> QLabel:
        label = QLabel(text, self)
        label.setWordWrap(True)
        return label

    def _overview_text(self) -> str:
        if self.info.has_overviews:
            return tr("有")
        if self.info.needs_overviews:
            return tr("无：{0:,} 个像元，缩小显示会很慢，建议构建").format(self.info.pixels)
        return tr("无（栅格不大，不需要）")

    # -- filling ----------------------------------------------------------------------------------
    def _fill_guesses(self) -> None:
        role, scheme = guess_role_and_scheme(self.info, Path(self.path).stem)
        self.role.setCurrentIndex(RASTER_ROLES.index(role))
        self._fill_schemes(scheme)
        self._crs_changed()
        self._role_changed()

    def _fill_schemes(self, current: str | None) -> None:
        from ..io.layerdata.raster_probe import scheme_choices

        self.scheme.blockSignals(True)
        self.scheme.clear()
        for sc in scheme_choices():
            try:
                s = load_scheme(sc)
            except SinkmapError:
                continue  # a broken user scheme file is not offered
            title = s.title_en if self.lang.startswith("en") else s.title_zh
            self.scheme.addItem(title if "/" not in sc and "\\" not in sc else f"{title} ({Path(sc).name})", sc)
        index = self.scheme.findData(current)
        self.scheme.setCurrentIndex(max(0, index))
        self.scheme.blockSignals(False)

    def browse_scheme(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("选择分类方案文件"), "", "YAML (*.yaml *.yml)")
        if path:
            self.add_scheme_file(path)

    def add_scheme_file(self, path: str | Path) -> bool:
        """Offer a user's scheme file (YAML in the form of layers/schemes/sandiao.yaml) and select it."""
        try:
            s = load_scheme(str(path))
        except SinkmapError as exc:
            self.error.setText(str(exc))
            return False
        if self.scheme.findData(str(path)) < 0:
            title = s.title_en if self.lang.startswith("en") else s.title_zh
            self.scheme.addItem(f"{title} ({Path(path).name})", str(path))
        self.scheme.setCurrentIndex(self.scheme.findData(str(path)))
        self.error.setText("")
        return True

    def _crs_changed(self) -> None:
        text = self.crs.currentText().strip()
        if not self.detected_crs and not text:
            self.crs_hint.setText(tr("文件没有坐标系：请输入或选择一个（如 EPSG:4490 经纬度，EPSG:4545–4547 "
                                     "高斯-克吕格 3° 带），否则无法在地图上定位"))
            self.crs_hint.setStyleSheet(_ERROR_STYLE)
        elif text and text != self.detected_crs:
            self.crs_hint.setText(tr("将使用 {0} 代替文件中的坐标系（{1}）").format(text, self.detected_crs or tr("无")))
            self.crs_hint.setStyleSheet("")
        else:
            self.crs_hint.setText("")
        self.crs_hint.setVisible(bool(self.crs_hint.text()))
        size = self.info.pixel_size_m(text if text and text != self.detected_crs else None)
        self.pixel_size.setText(tr("约 {0:,.2f} × {1:,.2f} 米").format(*size) if size else tr("未知（需要坐标系）"))

    def _role_changed(self) -> None:
        landcover = self.role.currentData() == "landcover"
        self.scheme.setEnabled(landcover)
        self.browse.setEnabled(landcover)
        self.refresh_coverage()

    def refresh_coverage(self) -> None:
        """The scheme's share of the sampled pixels and the codes it does not know."""
        self.coverage.setText("")
        self.unknown.setText("")
        self.fit = None
        sc = self.scheme.currentData()
        if self.role.currentData() != "landcover" or sc is None:
            return
        if not self.info.is_integer:
            self.unknown.setText(tr("栅格不是整数类型：分类代码应为整数"))
            return
        try:
            fit = scheme_fit(self.info, sc, self.lang)
        except SinkmapError as exc:
            self.unknown.setText(str(exc))
            return
        self.fit = fit
        self.coverage.setText(tr("抽样 {0:,} 个像元，其中 {1:.1%} 的代码在方案中").format(
            self.info.sampled, fit.known_share))
        if fit.unknown:
            codes = ", ".join(f"{code} ({n:,})" for code, n in fit.unknown[:MAX_UNKNOWN_LISTED])
            more = tr(" 等 {0} 个").format(len(fit.unknown)) if len(fit.unknown) > MAX_UNKNOWN_LISTED else ""
            self.unknown.setText(tr("方案中没有的代码（像元数）：{0}{1}——这些像元不显示，也不计入台账").format(codes, more))

    # -- result -----------------------------------------------------------------------------------
    def set_crs(self, text: str) -> None:
        self.crs.setCurrentText(text)

    def crs_problem(self) -> str | None:
        """Why the CRS cannot be accepted (None when it can)."""
        text = self.crs.currentText().strip()
        if not text:
            return None if self.detected_crs else tr("文件没有坐标系：请先选择坐标系（{0}）").format(self.path)
        try:
            # the file's own CRS is shown by its name when it has no EPSG code (the project's Albers reads
            # 'unknown'): check the file's WKT, not that name
            check_crs(self.info.crs_wkt if text == self.detected_crs else text)
        except SinkmapError as exc:
            return str(exc)
        return None

    def accept(self) -> None:
        problem = self.crs_problem()
        if problem:
            self.error.setText(problem)
            return
        super().accept()

    def choice(self) -> RasterImportChoice:
        text = self.crs.currentText().strip()
        role = self.role.currentData()
        return RasterImportChoice(path=self.path, crs=text if text and text != self.detected_crs else None,
                                  role=role, scheme=self.scheme.currentData() if role == "landcover" else None,
                                  build_overviews=self.info.needs_overviews and self.overviews.isChecked())
