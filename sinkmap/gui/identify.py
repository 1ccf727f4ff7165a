"""Identify: the features (and raster values) under a clicked point, layer by layer, top layer first."""

from __future__ import annotations

from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QWidget

from ..io.layerdata.data import VectorData
from ..io.layerdata.raster_data import RasterData
from .i18n import name_of, tr
from .layers.attribute_table import _fmt
from .layers.registry import LayerRegistry
from .plain import tip
from .siting_identify import ROLE as SITING_ROLE
from .siting_identify import rule_text, siting_entry

MAX_FEATURES = 20


def identify(registry: LayerRegistry, x: float, y: float, tolerance: float) -> list[tuple[str, str, list]]:
    """[(layer id, layer name, [row dicts or {'value': v}])] for visible layers at display point (x, y)."""
    out = []
    for spec in reversed(registry.project.layers):
        if not spec.visible:
            continue
        data = registry.data.get(spec.id)
        if isinstance(data, VectorData):
            rows = data.features_at(x, y, tolerance)[:MAX_FEATURES]
            if len(rows):
                frame = data.frame.drop(columns=[data.frame.geometry.name])
                out.append((spec.id, spec.name, [{"_row": int(r), **frame.iloc[int(r)].to_dict()} for r in rows]))
        elif isinstance(data, RasterData):
            if spec.role == SITING_ROLE:
                entry = siting_entry(spec, data, x, y)
                if entry is not None:
                    out.append((spec.id, spec.name, [entry]))
                continue
            v = data.value_at(x, y)
            if v is not None:
                entry = {"value": v}
                if spec.style.kind == "classes" and spec.style.scheme:
                    from ..io.schemes import load_scheme

                    c = load_scheme(spec.style.scheme).lookup(int(v))
                    if c is not None:
                        entry["class"] = f"{c.code} {name_of(c)}"
                out.append((spec.id, spec.name, [entry]))
    return out


class IdentifyPanel(QTreeWidget):
    def __init__(self, registry: LayerRegistry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.registry = registry
        self.setColumnCount(2)
        self.setHeaderLabels([tr("字段"), tr("值")])
        self.results: list = []

    def show_at(self, x: float, y: float, tolerance: float) -> list:
        self.results = identify(self.registry, x, y, tolerance)
        self.clear()
        if not self.results:
            self.addTopLevelItem(QTreeWidgetItem([tr("此处没有要素"), ""]))
            return self.results
        for _lid, name, rows in self.results:
            top = QTreeWidgetItem([name, tr("{0} 个").format(len(rows))])
            self.addTopLevelItem(top)
            for i, row in enumerate(rows):
                feat = QTreeWidgetItem([f"#{row.get('_row', i) + 1}" if "_row" in row else tr("像元值"), ""])
                top.addChild(feat)
                if "rules" in row:  # a siting-exclusions cell: inclusion, then every rule that hit it
                    self._siting_rows(feat, row)
                    feat.setExpanded(i == 0)
                    continue
                for k, v in row.items():
                    if k != "_row":
                        feat.addChild(QTreeWidgetItem([str(k), _fmt(v)]))
                feat.setExpanded(i == 0)
            top.setExpanded(True)
        self.resizeColumnToContents(0)
        return self.results

    @staticmethod
    def _siting_rows(feat: QTreeWidgetItem, row: dict) -> None:
        feat.addChild(QTreeWidgetItem([tr("纳入度"), row["inclusion"]]))
        rules = row["rules"]
        head = QTreeWidgetItem([tr("命中规则"), tr("{0} 条").format(len(rules)) if rules else tr("无")])
        feat.addChild(head)
        for rule in rules:  # text from the raster's tags: plain-text items, escaped tooltips
            text = rule_text(rule)
            item = QTreeWidgetItem([rule.id, text])
            item.setToolTip(0, tip(rule.id))
            item.setToolTip(1, tip(text))
            head.addChild(item)
        head.setExpanded(True)
