"""The dashboard's ledger table: one block of rows per unit (city total first), one row per indicator.

Columns: unit, indicator, measured value, status (coloured), gap, and the plan's target as the plan
words it. The target takes two lines — the plan's name for the indicator, then year and value
("森林覆盖率（林木绿化率）" / "2025 稳定在 55% 左右") — each elided on its own, so the value never is;
the whole target and the plan's sentence are in the tooltip. The other columns are one line, sized to
their texts; :meth:`LedgerTable.preferred_width` says how wide the table wants to be to show them all
without a horizontal scroll bar.

A mouse click on any cell of a unit (or Enter on the current row) emits :attr:`LedgerTable.unitClicked`;
moving with the arrow keys does not, so browsing the table does not move the map at every key press.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from ..carto.colors import STATUS_COLORS
from ..core.indicators import INDICATORS, Status, Target
from ..core.ledger_report import Assessment, LedgerUnit
from .i18n import is_english, name_of, tr
from .plain import tip as plain_tip

COL_STATUS, COL_GAP, COL_TARGET = 3, 4, 5
SHOWN = ("forest_coverage_pct", "forest_stock_10k_m3", "living_tree_stock_10k_m3", "wetland_area_10k_ha",
         "wetland_protection_rate_pct")
CELL_PAD = 12  # horizontal padding of a cell's text (the style's margins, with some air)


def column_titles() -> list[str]:
    return [tr("单位"), tr("指标"), tr("现状"), tr("状态"), tr("差距"), tr("规划目标（原文措辞）")]


def status_text(status: str) -> str:
    return {"met": tr("达标"), "within_band": tr("在“左右”区间内"), "short": tr("未达标"),
            "no_target": tr("规划无此目标"), "no_data": tr("无数据"),
            "city_total": tr("全市总量目标（见全市行）")}.get(status, status)


def status_short(status: str) -> str:
    """The status as the table cell shows it: short enough to be whole (the tooltip has
    :func:`status_text`), so no cell reads "全市总…" or "规划无…"."""
    return {"within_band": tr("区间内"), "no_target": tr("无目标"), "city_total": tr("见全市行")}.get(
        status, status_text(status))


def target_text(a: Assessment, lang_zh: bool = True) -> str:
    """The target as the plan words it, e.g. '森林覆盖率 2025 不低于 55%'; '' when absent."""
    from ..io.targets import format_target

    if a.value is None or a.comparator is None:
        return ""
    t = Target(city=a.city or "", year=int(a.year or 0), indicator=a.indicator, value=float(a.value),
               unit=a.unit or "", comparator=a.comparator, basis=a.basis or "", quote=a.quote or "", seed="", line=0)
    return format_target(t, "zh" if lang_zh and not is_english() else "en")


def target_lines(a: Assessment) -> tuple[str, str]:
    """The target in two lines: the plan's name for the indicator, then year and value
    ('森林蓄积量', '2025 不低于 3500 万m³'); ('', '') when the plan has no such target."""
    text = target_text(a)
    year = f" {a.year}"
    cut = text.find(year) if text else -1
    if cut <= 0:
        return text, ""
    return text[:cut], text[cut + 1:]


def unit_text(unit: str) -> str:
    """A plan unit in the interface language ('万m³' reads '×10⁴ m³' in English, as the targets do)."""
    from ..io.targets import unit_label

    return unit_label(unit, "en" if is_english() else "zh")


def fmt_num(v, digits: int = 2) -> str:
    if v is None:
        return "—"
    return f"{v:,.{digits}f}"


def no_target(key: str) -> Assessment:
    """The assessment shown for an indicator a unit has none for."""
    return Assessment(indicator=key, value=None, comparator=None, status=Status.NO_TARGET, gap=None, gap_unit="",
                      measured=None)


class LedgerTable(QTableWidget):
    unitClicked = Signal(str)  # the unit's name: a click on any of its cells, or Enter on its row

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 6, parent)
        self.setHorizontalHeaderLabels(column_titles())
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setWordWrap(False)  # the target's two lines are explicit; each line elides on its own
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # the status column is sized by _fit_status_column: its longest text (全市总量目标（见全市行）) would
        # push the plan's target out of the dock; it is elided there and whole in the tooltip
        header.setSectionResizeMode(COL_STATUS, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.clicked.connect(self._clicked)

    # -- filling ----------------------------------------------------------------------------------
    def set_units(self, units: list[LedgerUnit]) -> None:
        """One block of len(SHOWN) rows per unit of a ledger report, the unit's name spanning its block."""
        rows = []
        for u in units:
            for key in SHOWN:
                rows.append((u, key, u.assessment(key) or no_target(key)))
        self.clearSpans()
        self.setRowCount(len(rows))
        for r, (u, key, a) in enumerate(rows):
            self._fill_row(r, u, key, a)
        for r in range(0, len(rows), len(SHOWN)):
            self.setSpan(r, 0, len(SHOWN), 1)
        self._fit_status_column()
        self.resizeRowsToContents()

    def _fit_status_column(self) -> None:
        """Wide enough for every status cell whole (their short forms; the tooltip has the whole wording),
        so the gap and the plan's target stay in view."""
        fm = self.fontMetrics()
        width = max(fm.horizontalAdvance(status_short(s)) for s in
                    ("met", "short", "no_data", "within_band", "no_target", "city_total")) + 24
        self.setColumnWidth(COL_STATUS, max(width, fm.horizontalAdvance(tr("状态")) + 24, 40))

    def _fill_row(self, r: int, u: LedgerUnit, key: str, a: Assessment) -> None:
        ind = INDICATORS[key]
        measured = a.measured if a.measured is not None else u.measure(key)
        status = a.status.value
        gap = a.gap
        gap_unit = unit_text(a.gap_unit or "")
        cells = [u.name, name_of(ind),
                 f"{fmt_num(measured)} {unit_text(ind.unit)}" if measured is not None else "—", status_short(status),
                 "" if gap is None else (tr("已达标") if gap == 0 else f"{fmt_num(gap)} {gap_unit}"),
                 "\n".join(line for line in target_lines(a) if line)]
        for c, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, u.name)
            if c == 0:
                f = item.font()
                f.setBold(u.level == "city")
                item.setFont(f)
            if c == COL_TARGET:
                self._set_target(item, a)
            if c == COL_STATUS:
                item.setToolTip(status_text(status))  # the whole wording
                color = QColor(STATUS_COLORS.get(status, "#bbbbbb"))
                color.setAlpha(90)
                item.setBackground(QBrush(color))
            if c in (2, COL_GAP):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.setItem(r, c, item)

    @staticmethod
    def _set_target(item: QTableWidgetItem, a: Assessment) -> None:
        """The target cell: two lines, or 规划无此目标 and the reason; the whole wording and the plan's
        sentence (with its basis) in the tooltip."""
        whole = target_text(a)
        if not whole:
            item.setText(tr("规划无此目标") + (f"\n{a.reason}" if a.reason else ""))
            item.setToolTip(plain_tip(item.text()))
            return
        tip = whole
        if a.quote:
            tip += f"\n\n{tr('规划原文')}：{a.quote}"
            if a.basis:
                tip += f"\n\n{tr('口径')}：{a.basis}"
            if a.basis_note:
                tip += f"\n{a.basis_note}"
        item.setToolTip(plain_tip(tip))

    # -- size -------------------------------------------------------------------------------------
    def target_width(self) -> int:
        """Width that shows every line of the target column whole (the value line always matters)."""
        fm = self.fontMetrics()
        widths = [fm.horizontalAdvance(line) for r in range(self.rowCount())
                  if (item := self.item(r, COL_TARGET)) is not None for line in item.text().split("\n")]
        header = fm.horizontalAdvance(column_titles()[COL_TARGET])
        return max(widths + [header]) + CELL_PAD

    def preferred_width(self) -> int:
        """The table's width with every column whole: no horizontal scroll bar, no elided target."""
        columns = sum(self.columnWidth(c) for c in range(COL_TARGET))
        return columns + self.target_width() + self.verticalScrollBar().sizeHint().width() + 2 * self.frameWidth()

    # -- activation -------------------------------------------------------------------------------
    def unit_at(self, row: int) -> str | None:
        item = self.item(row, 0) or self.item(row - row % len(SHOWN), 0)
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    def _clicked(self, index: QModelIndex) -> None:
        name = self.unit_at(index.row()) if index.isValid() else None
        if name:
            self.unitClicked.emit(name)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        """Enter zooms to the current row's unit; arrows only move (no zoom at every key press)."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self._clicked(self.currentIndex())
            event.accept()
            return
        super().keyPressEvent(event)
