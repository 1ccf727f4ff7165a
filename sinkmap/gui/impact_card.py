"""The impact card: what one site (or a scenario) costs the sink, and the ledger of its county and city before
→ after against the plan's targets, status changes in words.

It shows a ``site.impact`` report (:class:`~sinkmap.jobs.site_impact.SiteImpactReport`) as it is: the site's
totals (forest area and stock cleared, CO₂, wetland and its protected part, protected areas and red line
touched, siting rules hit), then one row per unit and plan indicator — before, after, the target, the status
(a change in red, "由达标变为未达标"), then each status change as a sentence. Every text from the data (site
and unit names, protected-area names) is shown as plain text. Above the card: the technology and capacity of
a point site, the two drawing tools and "加入方案".
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDoubleSpinBox, QFrame, QGridLayout, QHBoxLayout,
                               QHeaderView, QLabel, QPushButton, QSizePolicy, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from ..carto.colors import STATUS_COLORS
from ..core.indicators import INDICATORS, MAIN_INDICATORS
from .i18n import name_of, tr
from .ledger_table import fmt_num, status_short, status_text, target_text, unit_text
from .plain import plain_label, tip

#: technologies of point sites, as the card offers them
TECHS = ("pv", "wind", "phes")


def tech_name(tech: str | None) -> str:
    return {"pv": tr("光伏"), "wind": tr("风电"), "phes": tr("抽水蓄能"), None: tr("面（按绘制）")}.get(tech, str(tech))


#: (key of the report's total, label, unit, digits)
def total_rows() -> list[tuple[str, str, str, int]]:
    return [("footprint_ha", tr("占地面积"), tr("公顷"), 2),
            ("forest_area_ha", tr("占用森林面积"), tr("公顷"), 2),
            ("forest_stock_10k_m3", tr("损失森林蓄积"), unit_text("万m³"), 3),
            ("co2_t", tr("损失碳储量（CO₂）"), tr("吨"), 0),
            ("wetland_area_ha", tr("占用湿地"), tr("公顷"), 2),
            ("protected_wetland_area_ha", tr("其中受保护湿地"), tr("公顷"), 2)]


_SYMBOLS = {"ge": "≥", "approx": "≈", "reach": "≥", "stable": "≥"}


def short_target(a) -> str:
    """The target as a comparison and a value ('≥ 3500 万m³'); the tooltip has the plan's words."""
    if a.value is None or a.comparator is None:
        return "—"
    return f"{_SYMBOLS.get(a.comparator.value, '')} {a.value:g} {unit_text(a.unit)}".strip()


def effect_word(effect: str) -> str:
    return {"exclude": tr("排除"), "limit": tr("限制"), "prefer": tr("优先"), "include": tr("强制纳入")}.get(effect, effect)


def layer_word(role: str | None) -> str:
    """The layer a rule reads, as the card names it."""
    return {"forest": tr("森林小班"), "landcover": tr("三调地类"), "farmland": tr("永久基本农田"),
            "grassland": tr("基本草原"), "redline": tr("生态保护红线"), "protected": tr("自然保护地"),
            "wetland": tr("湿地")}.get(role or "", role or "—")


def rules_text(report) -> str:
    """The siting rules the sites meet, one a line: effect, document, clause, hectares of the site."""
    hits = [s.get("rules_hit") for s in report.sites]
    if all(h is None for h in hits):
        return tr("未计算（未指定技术类型）")
    lines = []
    for site, h in zip(report.sites, hits):
        for r in h or []:
            head = f"{site['name']}：" if len(report.sites) > 1 else ""
            lines.append(head + tr("{0}（{1}）：{2} {3}（{4} 公顷）").format(
                effect_word(r["effect"]), layer_word(r.get("layer")), r.get("document") or r["id"],
                r.get("clause_zh") or "", fmt_num(r.get("hectares"), 2)))
    return "\n".join(lines) if lines else tr("无")


def ledger_titles() -> list[str]:
    return [tr("单位"), tr("指标"), tr("建设前"), tr("建设后"), tr("规划目标"), tr("状态")]


class ImpactCard(QWidget):
    """Controls, then the card (empty until :meth:`show_report`)."""

    drawPointRequested = Signal()
    drawPolygonRequested = Signal()
    addToScenarioRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report = None
        self.values: dict[str, str] = {}  # what each row shows (tests read it)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        # -- controls
        row = QHBoxLayout()
        self.tech = QComboBox(self)
        for t in TECHS:
            self.tech.addItem(tech_name(t), t)
        self.capacity = QDoubleSpinBox(self)
        self.capacity.setRange(0.0, 100000.0)
        self.capacity.setDecimals(1)
        self.capacity.setSuffix(" MW")
        self.capacity.setSpecialValueText(tr("默认容量"))
        self.capacity.setToolTip(tr("点场址的装机容量；0 表示该技术的默认容量（光伏 20 MW，抽水蓄能 1200 MW；风电每点一台）"))
        self.point_button = QPushButton(tr("放置点"), self)
        self.point_button.setCheckable(True)
        self.polygon_button = QPushButton(tr("绘制面"), self)
        self.polygon_button.setCheckable(True)
        self.polygon_button.setToolTip(tr("单击添加顶点，双击或右键结束，Backspace 撤销一个顶点，Esc 取消"))
        self.add_button = QPushButton(tr("加入方案"), self)
        self.add_button.setEnabled(False)
        for w in (QLabel(tr("技术"), self), self.tech, self.capacity):
            row.addWidget(w)
        row.addStretch(1)
        lay.addLayout(row)
        row = QHBoxLayout()
        for w in (self.point_button, self.polygon_button, self.add_button):
            row.addWidget(w)
        row.addStretch(1)
        lay.addLayout(row)
        self.point_button.clicked.connect(lambda: self.drawPointRequested.emit())
        self.polygon_button.clicked.connect(lambda: self.drawPolygonRequested.emit())
        self.add_button.clicked.connect(lambda: self.addToScenarioRequested.emit())
        # -- the card
        self.title = plain_label(QLabel(tr("在地图上放置点或绘制面，或用识别工具单击候选区，即可查看其碳汇影响。"), self))
        self.title.setWordWrap(True)
        f = self.title.font()
        f.setBold(True)
        self.title.setFont(f)
        lay.addWidget(self.title)
        self.data_label = plain_label(QLabel("", self))
        self.data_label.setStyleSheet("color: #8a5a00;")
        self.data_label.setWordWrap(True)
        lay.addWidget(self.data_label)
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        self._cells: dict[str, QLabel] = {}
        extra = [("protected_areas", tr("涉及自然保护地")), ("redline", tr("生态保护红线")), ("rules_hit", tr("命中选址规则"))]
        for i, (key, label) in enumerate([(k, t) for k, t, _u, _d in total_rows()] + extra):
            grid.addWidget(plain_label(QLabel(label, self)), i, 0)
            cell = plain_label(QLabel("—", self))
            cell.setWordWrap(True)
            cell.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            cell.setObjectName(f"impact_{key}")
            grid.addWidget(cell, i, 1)
            self._cells[key] = cell
        grid.setColumnStretch(1, 1)
        lay.addLayout(grid)
        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.HLine)
        lay.addWidget(line)
        self.ledger = QTableWidget(0, 6, self)
        self.ledger.setHorizontalHeaderLabels(ledger_titles())
        self.ledger.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.ledger.verticalHeader().setVisible(False)
        self.ledger.setWordWrap(False)
        self.ledger.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.ledger.horizontalHeader().setStretchLastSection(True)
        self.ledger.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        lay.addWidget(self.ledger, 1)
        self.changes = plain_label(QLabel("", self))
        self.changes.setWordWrap(True)
        self.changes.setStyleSheet(f"color: {STATUS_COLORS['short']};")
        lay.addWidget(self.changes)
        self.status = plain_label(QLabel("", self))
        self.status.setStyleSheet("color: #606060;")
        self.status.setWordWrap(True)
        lay.addWidget(self.status)

    # -- state ---------------------------------------------------------------------------------------------
    def point_tech(self) -> str:
        return self.tech.currentData()

    def point_capacity(self) -> float | None:
        v = self.capacity.value()
        return None if v <= 0 else float(v)

    def set_tool(self, mode: str | None) -> None:
        self.point_button.setChecked(mode == "point")
        self.polygon_button.setChecked(mode == "polygon")

    def busy(self, text: str, title: str | None = None) -> None:
        if title is not None:
            self.title.setText(title)
        self.status.setText(text)

    def show_error(self, message: str) -> None:
        self.report = None
        self.add_button.setEnabled(False)
        self.status.setText("")
        self.changes.setStyleSheet(f"color: {STATUS_COLORS['short']};")
        self.changes.setText(message)

    # -- the report ----------------------------------------------------------------------------------------
    def show_report(self, report, title: str, seconds: float | None = None, can_add: bool = True) -> None:
        from ..jobs.base import DEMO_LABEL

        self.report = report
        self.values = {}
        total = report.total
        self.title.setText(title)
        self.data_label.setText(DEMO_LABEL() if report.synthetic else "")
        for key, _label, unit, digits in total_rows():
            v = total.get(key)
            text = "—" if v is None else f"{fmt_num(v, digits)} {unit}"
            self._cells[key].setText(text)
            self.values[key] = text
        names = total.get("protected_area_names") or []
        self._cells["protected_areas"].setText("、".join(names) if names else tr("未涉及"))
        touched = total.get("redline_touched")
        self._cells["redline"].setText(tr("无红线图层") if touched is None else
                                       tr("涉及：{0}").format("、".join(total.get("redline_names") or []))
                                       if touched else tr("未涉及"))
        self._cells["rules_hit"].setText(rules_text(report))
        for key in ("protected_areas", "redline", "rules_hit"):
            self.values[key] = self._cells[key].text()
        self._fill_ledger(report)
        lines = [n.render() for n in report.status_changes]
        self.changes.setText("\n".join(lines) if lines else "")
        self.changes.setStyleSheet(f"color: {STATUS_COLORS['short']};" if lines else "color: #2e7d32;")
        if not lines:
            self.changes.setText(tr("没有目标因此改变达标状态。"))
        self.values["changes"] = self.changes.text()
        warn = [w.render() if hasattr(w, "render") else str(w) for w in report.warnings]
        self.status.setText((tr("用时 {0:.2f} 秒").format(seconds) if seconds is not None else "")
                            + ("" if not warn else "  ·  " + tr("{0} 条提示").format(len(warn))))
        self.status.setToolTip(tip("\n".join(warn)))
        self.add_button.setEnabled(can_add)

    def _fill_ledger(self, report) -> None:
        rows = []
        before = {(u.name, u.level): u for u in (report.ledger_before.units if report.ledger_before else [])}
        for ua in report.ledger_after.units if report.ledger_after else []:
            ub = before.get((ua.name, ua.level))
            for ind in MAIN_INDICATORS:
                a = ua.assessment(ind)
                b = ub.assessment(ind) if ub else None
                if a is None or a.measured is None:
                    continue
                rows.append((ua.name, ind, b, a))
        self.ledger.setRowCount(len(rows))
        for r, (unit, ind, b, a) in enumerate(rows):
            info = INDICATORS[ind]
            changed = b is not None and b.status != a.status
            texts = [unit, tr("{0}（{1}）").format(name_of(info), unit_text(a.unit)),
                     fmt_num(None if b is None else b.measured, 2), fmt_num(a.measured, 2), short_target(a),
                     (tr("{0} → {1}").format(status_short(b.status.value), status_short(a.status.value)) if changed
                      else status_short(a.status.value))]
            for c, text in enumerate(texts):
                item = QTableWidgetItem(text)
                if c in (2, 3):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if c == 4:
                    item.setToolTip(tip(target_text(a)))  # as the plan words it
                if c == 5:
                    item.setForeground(QBrush(QColor(STATUS_COLORS.get(a.status.value, "#404040"))))
                    item.setToolTip(tip(status_text(a.status.value)))
                    if changed:
                        f = item.font()
                        f.setBold(True)
                        item.setFont(f)
                self.ledger.setItem(r, c, item)
            self.values[f"{unit}:{ind}"] = texts[3]


__all__ = ["ImpactCard", "TECHS", "tech_name"]
