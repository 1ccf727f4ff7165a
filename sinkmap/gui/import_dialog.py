"""Import dialog for vector files: layer, encoding, CRS, role and field mapping, with a live preview.

What the file says comes from ``sinkmap.io.vectors.inspect_vector`` (driver, layers, feature count,
fields, CRS, the detected Shapefile encoding); the preview reads the first rows with the chosen
encoding so the user sees whether Chinese text is right before anything is loaded. The detected CRS
can be overridden (including GCJ-02 for data from AMap/Tencent web maps), and for inventory layers the
detected field mapping (``sinkmap.analysis.fieldmap.detect_mapping``) is shown and editable. The dialog
only builds an :class:`ImportChoice`; loading happens in the background like every other layer.
"""

from __future__ import annotations

import re

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QTableView,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from ..core.errors import CRSError, InputError, SinkmapError
from ..io.encoding import reading_codec
from ..io.ogr import pyogrio
from ..io.layerdata.roles import guess_role
from ..io.vector_checks import guess_crs_from_bounds
from ..io.vectors import inspect_vector
from .i18n import current_language, is_english, tr
from .layers.attribute_table import FrameModel
from .plain import plain_label

ENCODINGS = ("UTF-8", "GBK", "GB18030", "BIG5", "CP1252")
#: Offered in this order: lon/lat, Hunan's three Gauss–Krüger 3° central meridians without and with the
#: zone number before the easting, GCJ-02. Shown with names, e.g. "CGCS2000 / 3° 高斯-克吕格 中央经线 111°E
#: （EPSG:4546）", not as bare codes.
CRS_CHOICES = ("EPSG:4490", "EPSG:4326", "EPSG:4545", "EPSG:4546", "EPSG:4547", "EPSG:4524", "EPSG:4525",
               "EPSG:4526", "EPSG:4527", "GCJ-02")
#: Metres without a zone number: the central meridians tried (111°E, Hunan's middle, first).
GK_NO_ZONE = ("EPSG:4546", "EPSG:4545", "EPSG:4547")
_CODE_IN_TEXT = re.compile(r"[(（]\s*(EPSG:\d+)\s*[)）]", re.IGNORECASE)
ROLES = ("forest", "wetland", "protected", "boundary", "projects", None)
FOREST_KEYS = ("land_class", "area", "stock_per_ha", "stock", "origin", "species", "canopy", "county")
PREVIEW_ROWS = 100


def crs_label(code: str) -> str:
    """A CRS code with its name in the interface language ("CGCS2000 / 3° 高斯-克吕格 3° 带 37（EPSG:4525）")."""
    c = code.upper()
    if c.replace("-", "") == "GCJ02":
        return tr("GCJ-02（高德、腾讯等网络地图的偏移经纬度）")
    if c == "EPSG:4490":
        return tr("CGCS2000 经纬度（EPSG:4490）")
    if c == "EPSG:4326":
        return tr("WGS 84 经纬度（GPS，EPSG:4326）")
    m = re.fullmatch(r"EPSG:(\d+)", c)
    n = int(m.group(1)) if m else 0
    if 4534 <= n <= 4554:  # 3° zones without zone number: CM 75°E … 135°E
        return tr("CGCS2000 / 3° 高斯-克吕格 中央经线 {0}°E（{1}）").format(75 + 3 * (n - 4534), c)
    if 4513 <= n <= 4533:  # 3° zones 25–45 with the zone number before the easting
        zone = 25 + n - 4513
        return tr("CGCS2000 / 3° 高斯-克吕格 {0} 带（带号在横坐标前，中央经线 {1}°E，{2}）").format(zone, 3 * zone, c)
    if 4491 <= n <= 4501:  # 6° zones 13–23 with the zone number
        zone = 13 + n - 4491
        return tr("CGCS2000 / 6° 高斯-克吕格 {0} 带（带号在横坐标前，中央经线 {1}°E，{2}）").format(zone, 6 * zone - 3, c)
    try:
        from pyproj import CRS

        return f"{CRS.from_user_input(c).name} ({c})" if m else code
    except Exception:  # noqa: BLE001 - an unknown code is shown as typed (the check says why)
        return code


def crs_candidates(bounds) -> list[str]:
    """The CRS codes the coordinates can be in, best first: the one they pin down (degrees in China,
    Gauss–Krüger with zone number), else for metres without zone number each of Hunan's central meridians
    under which they land in their area of use."""
    from pyproj import CRS

    from ..io.vector_checks import check_crs_fits

    b = np.asarray(bounds, dtype=float)
    guess = guess_crs_from_bounds(b)
    if guess.code:
        return [guess.code]
    out = []
    for code in GK_NO_ZONE:
        try:
            check_crs_fits(b, CRS.from_user_input(code), path="", layer=None)
        except SinkmapError:
            continue
        out.append(code)
    return out


def role_label(role: str | None) -> str:
    return {"forest": tr("森林资源小班"), "wetland": tr("湿地"), "protected": tr("自然保护地"),
            "boundary": tr("行政区界"), "projects": tr("项目点"), None: tr("其他")}[role]


@dataclass
class ImportChoice:
    path: str
    layer: str | None
    encoding: str | None
    crs: str | None
    role: str | None
    fields: dict[str, str] = field(default_factory=dict)


def read_preview(path: str | Path, layer: str | None, encoding: str | None, rows: int = PREVIEW_ROWS) -> pd.DataFrame:
    """The first ``rows`` rows decoded with ``encoding`` (a GeoDataFrame: field detection looks at areas)."""
    codec = reading_codec(encoding) if encoding else None
    return pyogrio.read_dataframe(path, layer=layer, encoding=codec, max_features=rows)


class ImportDialog(QDialog):
    def __init__(self, path: str | Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = str(path)
        self.setWindowTitle(tr("导入图层：{0}").format(Path(path).name))
        self.info = inspect_vector(path)  # raises InputError for files that cannot be opened
        self.layer = QComboBox(self)
        self.layer.addItems(list(self.info.layers))
        self.layer.setCurrentText(self.info.layer)
        self.summary = plain_label(QLabel(self))
        self.encoding = QComboBox(self)
        self.encoding.setEditable(True)
        self.crs = QComboBox(self)
        self.crs.setEditable(True)
        self.crs_hint = QLabel(self)
        self.crs_hint.setWordWrap(True)
        self.role = QComboBox(self)
        for r in ROLES:
            self.role.addItem(role_label(r), r)
        self.mapping = QTableWidget(0, 2, self)
        self.mapping.setHorizontalHeaderLabels([tr("含义"), tr("字段")])
        self.mapping.verticalHeader().setVisible(False)
        self.preview = QTableView(self)
        self.error = plain_label(QLabel(self))
        self.error.setStyleSheet("color: #b00020")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow(tr("图层"), self.layer)
        form.addRow(tr("概况"), self.summary)
        form.addRow(tr("字符编码"), self.encoding)
        form.addRow(tr("坐标系"), self.crs)
        form.addRow("", self.crs_hint)
        form.addRow(tr("用途"), self.role)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel(tr("字段对应（森林资源小班）"), self))
        layout.addWidget(self.mapping)
        layout.addWidget(QLabel(tr("属性预览（前 {0} 行）").format(PREVIEW_ROWS), self))
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(820, 640)
        self._fill_from_info()
        self.layer.currentTextChanged.connect(self._layer_changed)
        self.encoding.currentTextChanged.connect(lambda _t: self.refresh_preview())
        self.role.currentIndexChanged.connect(lambda _i: self._update_mapping())

    # -- filling ----------------------------------------------------------------------------------
    def _fill_from_info(self) -> None:
        info = self.info
        self.summary.setText(tr("{0}，{1:,} 个要素，{2}").format(info.driver, info.feature_count, info.geometry_type))
        self.encoding.blockSignals(True)
        self.encoding.clear()
        guess = info.encoding
        if guess is not None:
            self.encoding.addItem(guess.encoding)
            self.encoding.setToolTip(tr("检测结果：{0}").format(guess.label))
        for e in ENCODINGS:
            if self.encoding.findText(e) < 0:
                self.encoding.addItem(e)
        self.encoding.setEnabled(guess is not None)  # only Shapefiles carry a choice of encoding
        self.encoding.blockSignals(False)
        self.crs.clear()
        detected = info.crs
        self.crs_guesses: list[str] = []
        if detected:
            self.crs.addItem(crs_label(_short_crs(detected)), _short_crs(detected))
        elif info.bounds is not None:  # no CRS: offer first what the numbers show (e.g. GK with zone number)
            self.crs_guesses = crs_candidates(info.bounds)
            for code in self.crs_guesses:
                self.crs.addItem(crs_label(code), code)
        for c in CRS_CHOICES:
            if self.crs.findData(c) < 0:
                self.crs.addItem(crs_label(c), c)
        if detected or self.crs_guesses or info.bounds is None:
            self.crs.setCurrentIndex(0)
        else:  # nothing fits the numbers: no pre-filled guess (lon/lat would put the layer nowhere)
            self.crs.setCurrentIndex(-1)
            self.crs.setEditText("")
        self.crs_hint.setText(self._crs_hint(detected))
        guessed = guess_role(Path(self.path).stem + " " + (info.layer or ""), "vector")
        if guessed is None and any(f.upper() in ("DI_LEI", "XIAO_BAN", "MIAN_JI") for f in info.fields):
            guessed = "forest"
        self.role.setCurrentIndex(ROLES.index(guessed) if guessed in ROLES else len(ROLES) - 1)
        self.refresh_preview()
        self._update_mapping()
        if info.feature_count == 0:  # say it at once, not only when OK is pressed
            self.error.setText(self.problem() or "")

    def _crs_hint(self, detected: str | None) -> str:
        if not detected:
            guesses = getattr(self, "crs_guesses", [])
            if len(guesses) == 1:
                return tr("文件没有坐标系：按坐标数值应为 {0}，已预选，请核对").format(crs_label(guesses[0]))
            if guesses:
                return tr("文件没有坐标系：坐标是不带带号的高斯-克吕格米制坐标，中央经线无法从数值判断；"
                          "已预选 {0}，也可能是 {1}，请核对").format(
                    crs_label(guesses[0]), (", " if is_english() else "、").join(crs_label(g) for g in guesses[1:]))
            return tr("文件没有坐标系：请选择（如 EPSG:4490 经纬度，EPSG:4545–4547 高斯-克吕格 3° 带）")
        b = self.info.bounds
        lonlat = b is not None and 72 <= b[0] <= 138 and 0 <= b[1] <= 56 and b[2] <= 138 and b[3] <= 56
        if lonlat and _short_crs(detected) in ("EPSG:4326", "WGS 84"):
            return tr("经纬度数据：若来自高德、腾讯等网络地图（GCJ-02，偏移约 650 米），请选择 GCJ-02")
        return ""

    def _layer_changed(self, name: str) -> None:
        try:
            self.info = inspect_vector(self.path, layer=name)
        except SinkmapError as exc:
            self.error.setText(str(exc))
            return
        self._fill_from_info()

    def refresh_preview(self) -> None:
        try:
            frame = read_preview(self.path, self.layer.currentText() or None, self.encoding_choice())
        except Exception as exc:  # noqa: BLE001 - shown in the dialog, never a traceback
            self.error.setText(tr("预览失败：{0}").format(exc))
            return
        self.error.setText("")
        self.preview_frame = frame
        self.preview.setModel(FrameModel(frame, self.preview))

    def _update_mapping(self) -> None:
        self.mapping.setRowCount(0)
        if self.role.currentData() != "forest":
            self.mapping.setEnabled(False)
            return
        self.mapping.setEnabled(True)
        detected = self.detected_fields()
        geom = getattr(self.preview_frame, "geometry", None)
        fields = [""] + [c for c in self.preview_frame.columns if geom is None or c != geom.name]
        self.mapping.setRowCount(len(FOREST_KEYS))
        for r, key in enumerate(FOREST_KEYS):
            self.mapping.setItem(r, 0, QTableWidgetItem(key))
            combo = QComboBox(self.mapping)
            combo.addItems(fields)
            combo.setCurrentText(detected.get(key) or "")
            self.mapping.setCellWidget(r, 1, combo)

    def detected_fields(self) -> dict[str, str]:
        """The automatic field mapping on the preview rows (empty if detection fails)."""
        from ..analysis.fieldmap import detect_mapping

        try:
            m = detect_mapping(self.preview_frame, kind="forest")
        except Exception:  # noqa: BLE001 - no CRS or odd fields: the user maps them by hand
            return {}
        return {k: v for k, v in (getattr(m, "fields", {}) or {}).items() if v}

    # -- result -----------------------------------------------------------------------------------
    def encoding_choice(self) -> str | None:
        return self.encoding.currentText() if self.encoding.isEnabled() else None

    def crs_code(self) -> str:
        """The chosen CRS as a code: the item's code, or the code in a typed "name (EPSG:n)", or the text."""
        text = self.crs.currentText().strip()
        index = self.crs.currentIndex()
        if index >= 0 and text == self.crs.itemText(index) and self.crs.itemData(index):
            return str(self.crs.itemData(index))
        index = self.crs.findText(text)
        if index >= 0 and self.crs.itemData(index):
            return str(self.crs.itemData(index))
        m = _CODE_IN_TEXT.search(text)
        return m.group(1).upper() if m else text

    def crs_choice(self) -> str | None:
        text = self.crs_code()
        detected = _short_crs(self.info.crs) if self.info.crs else None
        return None if not text or text == detected else text

    def problem(self) -> str | None:
        """Why the layer cannot be added as chosen (None when it can): a layer without features, or a CRS
        that PROJ does not know (GCJ-02 is the loader's own choice and passes)."""
        from ..io.layerdata.raster_probe import check_crs

        layer = self.layer.currentText() or None
        if self.info.feature_count == 0:
            return InputError(code="io.vector.no_features", path=self.path, layer=layer).render(current_language())
        text = self.crs_code()
        if not text:
            return None if self.info.crs else tr("文件没有坐标系：请先选择坐标系（{0}）").format(self.path)
        if text.upper().replace("-", "") == "GCJ02":
            return None
        try:
            check_crs(text)
            if self.info.bounds is not None:  # the numbers must fit it, or the layer would fail to load
                from pyproj import CRS

                from ..io.vector_checks import check_crs_fits

                check_crs_fits(np.asarray(self.info.bounds, dtype=float), CRS.from_user_input(text),
                               path=self.path, layer=layer)
        except SinkmapError as exc:
            return CRSError(code=exc.code, path=self.path, layer=layer, **{
                k: v for k, v in exc.params.items() if k not in ("path", "layer", "field")}).render(current_language())
        return None

    def accept(self) -> None:
        problem = self.problem()
        if problem:
            self.error.setText(problem)
            return
        super().accept()

    def choice(self) -> ImportChoice:
        fields = {}
        if self.role.currentData() == "forest":
            detected = self.detected_fields()
            for r, key in enumerate(FOREST_KEYS):
                value = self.mapping.cellWidget(r, 1).currentText()
                if value and value != detected.get(key):
                    fields[key] = value  # only what the user changed overrides detection
        return ImportChoice(path=self.path, layer=self.layer.currentText() or None,
                            encoding=self.encoding_choice() if self._encoding_overridden() else None,
                            crs=self.crs_choice(), role=self.role.currentData(), fields=fields)

    def _encoding_overridden(self) -> bool:
        guess = self.info.encoding
        return guess is not None and self.encoding.currentText() != guess.encoding


def _short_crs(crs: str) -> str:
    """'EPSG:4490' stays; WKT/PROJ text becomes its EPSG code when PROJ knows one."""
    if crs.upper().startswith("EPSG:"):
        return crs.upper()
    try:
        from pyproj import CRS

        c = CRS.from_user_input(crs)
        code = c.to_epsg()
        return f"EPSG:{code}" if code else c.name
    except Exception:  # noqa: BLE001
        return crs[:60]
