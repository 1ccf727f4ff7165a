"""Widgets of the siting panel: the rule list, the suitability histogram and the AHP pairwise dialog.

Nothing here computes a suitability: the histogram draws a :class:`~sinkmap.analysis.siting.live.ScoreHistogram`
and the AHP dialog asks :func:`~sinkmap.analysis.siting.ahp.ahp` for the priorities.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHeaderView, QLabel, QListWidget,
                               QListView, QListWidgetItem, QTableWidget, QTableWidgetItem, QToolTip, QVBoxLayout, QWidget)

from ..analysis.siting.live import ScoreHistogram
from ..analysis.siting.rules import Rule
from ..carto.colors import ramp_lut
from .fonts import label_font
from .i18n import is_english, tr
from .plain import plain_label, tip

RULE_ID = Qt.ItemDataRole.UserRole


def tech_text(tech: str) -> str:
    return {"pv": tr("光伏"), "wind": tr("风电"), "phes": tr("抽水蓄能")}.get(tech, tech)


def criterion_text(name: str) -> str:
    """A criterion's name in the interface language (unknown names as they are)."""
    return {"slope": tr("坡度"), "aspect": tr("坡向"), "elevation": tr("高程"), "substation": tr("距变电站距离"),
            "road": tr("距道路距离"), "resource": tr("资源（辐照或风速）"), "landcover": tr("土地覆盖")}.get(name, name)


def effect_text(rule: Rule) -> str:
    w = "" if rule.weight is None else f"{rule.weight:g}"
    if rule.effect == "limit":
        return tr("限制（权重 {0}）").format(w)
    if rule.effect == "prefer":
        return tr("优先（权重 {0}）").format(w)
    if rule.effect == "include":
        return tr("强制纳入")
    return tr("排除")


def rule_line(rule: Rule) -> str:
    """'pv_jbnt · 排除 · 自然资办发〔2023〕12号 · 未核实' + the clause on a second line."""
    head = [rule.id, effect_text(rule), rule.document]
    if not rule.verified:
        head.append(tr("未核实"))
    return " · ".join(head) + "\n" + rule.clause


class RuleList(QListWidget):
    """The rules of one technology, each checkable (unchecked: switched off for the run)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setSpacing(1)
        self.setAlternatingRowColors(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # long clauses wrap
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.itemChanged.connect(lambda _item: self.changed.emit())

    def set_rules(self, rules: list[Rule]) -> None:
        self.blockSignals(True)
        self.clear()
        for rule in rules:
            item = QListWidgetItem(rule_line(rule))
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            item.setData(RULE_ID, rule.id)
            lines = [rule_line(rule), tr("来源：{0}").format(rule.citation.get("source", ""))]
            if rule.note:
                lines.append(rule.note)
            item.setToolTip(tip("\n".join(lines)))
            if not rule.verified:
                item.setForeground(QColor("#6b4e00"))
            self.addItem(item)
        self.blockSignals(False)
        self.changed.emit()

    def rule_ids(self) -> list[str]:
        return [self.item(i).data(RULE_ID) for i in range(self.count())]

    def disabled(self) -> list[str]:
        return [self.item(i).data(RULE_ID) for i in range(self.count())
                if self.item(i).checkState() != Qt.CheckState.Checked]

    def set_checked(self, rule_id: str, checked: bool) -> None:
        for i in range(self.count()):
            if self.item(i).data(RULE_ID) == rule_id:
                self.item(i).setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def mark_not_applied(self, ids: set[str]) -> None:
        """Rules the last run could not apply (their layer or field missing): said so on their line."""
        for i in range(self.count()):
            item = self.item(i)
            text = item.text().split("\n", 1)
            head = text[0].replace(" · " + tr("本次未执行"), "")
            if item.data(RULE_ID) in ids:
                head += " · " + tr("本次未执行")
            item.setText(head + ("\n" + text[1] if len(text) > 1 else ""))


class HistogramView(QWidget):
    """Hectares of the open cells by suitability bin, bars in the suitability ramp's colours, the regions'
    threshold as a dashed line. Empty until a run gave the scores."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hist: ScoreHistogram | None = None
        self.threshold: float | None = None
        self.empty_text = ""
        self.setMinimumHeight(130)
        self.setMouseTracking(True)
        self._lut = ramp_lut("suitability")

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(320, 150)

    def set_histogram(self, hist: ScoreHistogram | None, threshold: float | None = None, empty_text: str = "") -> None:
        self.hist, self.threshold, self.empty_text = hist, threshold, empty_text
        self.update()

    def _plot(self) -> QRectF:
        return QRectF(40, 8, max(10.0, self.width() - 50), max(10.0, self.height() - 30))

    def _bar_at(self, x: float) -> int | None:
        if self.hist is None:
            return None
        plot = self._plot()
        n = len(self.hist.cells)
        i = int((x - plot.left()) / plot.width() * n)
        return i if 0 <= i < n and plot.left() <= x <= plot.right() else None

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt override
        i = self._bar_at(event.position().x())
        if i is None:
            QToolTip.hideText()
            return
        h = self.hist
        QToolTip.showText(event.globalPosition().toPoint(),
                          tr("适宜性 {0:.1f}–{1:.1f}：{2:,.1f} 公顷（{3:,} 个像元）").format(
                              h.edges[i], h.edges[i + 1], h.hectares[i], int(h.cells[i])), self)

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.fillRect(self.rect(), QColor("#ffffff"))
        p.setFont(label_font(8.5))
        plot = self._plot()
        p.setPen(QPen(QColor("#9a9a9a"), 1))
        p.drawLine(plot.bottomLeft(), plot.bottomRight())
        p.drawLine(plot.bottomLeft(), plot.topLeft())
        if self.hist is None or not self.hist.hectares.sum() > 0:
            p.setPen(QColor("#707070"))
            p.drawText(plot, int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap), self.empty_text)
            return
        h = self.hist
        top = float(h.hectares.max())
        n = len(h.hectares)
        w = plot.width() / n
        room = plot.height() - 14  # headroom for the tallest bar's value
        for i, ha in enumerate(h.hectares):
            mid = (h.edges[i] + h.edges[i + 1]) / 2
            r, g, b, _a = (int(v) for v in self._lut[int(round(mid * (len(self._lut) - 1)))])
            bar_h = max(1.0, room * float(ha) / top) if ha > 0 else 0.0
            p.setPen(QPen(QColor("#5a5a5a"), 0.6))
            p.setBrush(QColor(r, g, b))
            p.drawRect(QRectF(plot.left() + i * w + 1, plot.bottom() - bar_h, w - 2, bar_h))
            if ha > 0 and w >= 28:  # the value over its bar (small bars stay readable)
                p.setPen(QColor("#303030"))
                y = plot.bottom() - bar_h - 14
                p.drawText(QRectF(plot.left() + i * w - 4, y, w + 8, 13), int(Qt.AlignmentFlag.AlignHCenter),
                           _short(float(ha)))
        p.setPen(QColor("#404040"))
        for x in (0.0, 0.5, 1.0):
            px = plot.left() + x * plot.width()
            p.drawText(QRectF(px - 20, plot.bottom() + 2, 40, 16), int(Qt.AlignmentFlag.AlignHCenter), f"{x:g}")
        p.drawText(QRectF(0, plot.bottom() - room - 6, plot.left() - 4, 16), int(Qt.AlignmentFlag.AlignRight),
                   _short(top))
        p.drawText(QRectF(0, plot.bottom() - 12, plot.left() - 4, 16), int(Qt.AlignmentFlag.AlignRight), "0")
        if self.threshold is not None:
            tx = plot.left() + self.threshold * plot.width()
            p.setPen(QPen(QColor("#b0186b"), 1.4, Qt.PenStyle.DashLine))
            p.drawLine(int(tx), int(plot.top()), int(tx), int(plot.bottom()))


def _short(value: float) -> str:
    """An axis value: 12.3万 (Chinese) or 123k (English) when large."""
    if value >= 1e5 and not is_english():
        return f"{value / 1e4:.1f}万"
    return f"{value / 1e3:.0f}k" if value >= 1e4 else f"{value:,.0f}"


def parse_judgement(text: str) -> float | None:
    """'3', '1/5', '0.2' → a positive number; None for anything else."""
    text = text.strip()
    try:
        if "/" in text:
            a, b = text.split("/", 1)
            value = float(a) / float(b)
        else:
            value = float(text)
    except (ValueError, ZeroDivisionError):
        return None
    return value if value > 0 else None


class AhpDialog(QDialog):
    """Pairwise comparisons of the criteria (Saaty's 1/9…9 scale, the upper triangle; the lower one is its
    reciprocal): the priorities and the consistency ratio as the user types. ``weights`` after OK."""

    def __init__(self, names: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("层次分析法（两两比较）"))
        self.names = list(names)
        self.weights: dict[str, float] | None = None
        n = len(names)
        help_label = QLabel(tr("在上三角填写“行准则比列准则重要多少”（1 同等，3 稍重要，5 明显重要，7 强烈重要，9 极端重要；"
                               "反之填 1/3、1/5…）。下三角自动取倒数。"), self)
        help_label.setWordWrap(True)
        self.table = QTableWidget(n, n, self)
        labels = [criterion_text(x) for x in names]
        self.table.setHorizontalHeaderLabels(labels)
        self.table.setVerticalHeaderLabels(labels)
        for r in range(n):
            for c in range(n):
                item = QTableWidgetItem("1")
                if r >= c:
                    item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                    item.setBackground(QColor("#f0f0f0"))
                self.table.setItem(r, c, item)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.result = plain_label(QLabel(self))
        self.result.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        col = QVBoxLayout(self)
        col.addWidget(help_label)
        col.addWidget(self.table)
        col.addWidget(self.result)
        col.addWidget(self.buttons)
        self.table.itemChanged.connect(lambda _item: self._update())
        self._update()

    def set_judgement(self, row: int, col: int, text: str) -> None:
        self.table.item(row, col).setText(text)

    def _update(self) -> None:
        from ..analysis.siting.ahp import CR_LIMIT, ahp
        from ..core.errors import SinkmapError
        from .i18n import current_language

        n = len(self.names)
        matrix = [[1.0] * n for _ in range(n)]
        bad = None
        self.table.blockSignals(True)
        for r in range(n):
            for c in range(r + 1, n):
                value = parse_judgement(self.table.item(r, c).text())
                if value is None:
                    bad = (r, c)
                    value = 1.0
                matrix[r][c], matrix[c][r] = value, 1.0 / value
                self.table.item(c, r).setText(_fraction(1.0 / value))
        self.table.blockSignals(False)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if bad is not None:
            self.weights = None
            self.result.setText(tr("“{0}”对“{1}”的判断不是正数：请填 1–9 或 1/2–1/9").format(
                criterion_text(self.names[bad[0]]), criterion_text(self.names[bad[1]])))
            ok.setEnabled(False)
            return
        try:
            res = ahp(matrix, self.names)
        except SinkmapError as exc:
            self.weights = None
            self.result.setText(exc.render(current_language()))
            ok.setEnabled(False)
            return
        self.weights = res.weights
        parts = (", " if is_english() else "，").join(f"{criterion_text(k)} {v:.3f}" for k, v in res.weights.items())
        text = tr("权重：{0}").format(parts) + "\n" + tr("一致性比率 CR = {0}（RI = {1}）").format(
            "—" if res.cr != res.cr else f"{res.cr:.3f}", f"{res.ri:g}")
        if res.cr > CR_LIMIT:
            text += "\n" + tr("CR 大于 0.1：判断不够一致，建议修改")
        self.result.setText(text)
        self.result.setStyleSheet("color: #9a6700" if res.cr > CR_LIMIT else "")
        ok.setEnabled(True)


def _fraction(value: float) -> str:
    if value >= 1:
        return f"{value:.3g}"
    inv = 1.0 / value
    return f"1/{inv:.3g}" if abs(inv - round(inv)) < 1e-9 else f"{value:.3g}"
