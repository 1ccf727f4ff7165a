"""The report's tables as a workbook: the ledger (units in the headers, statuses in words, rounded as shown),
each target against the plan with its sentence and document, site and scenario impacts, provenance."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..core.indicators import INDICATORS
from ..core.ledger_report import gap_digits
from .ledger_table import data_label, ledger_frame
from .ledger_text import comparator_word, indicator_name, status_word, unit_text
from .report_pdf import ReportContent, _source_lines


def _round(value, digits: int):
    return None if value is None or value != value else round(float(value), digits)


def targets_frame(c: ReportContent) -> pd.DataFrame:
    zh = c.zh
    rows = []
    for u in c.units:
        for a in u.targets:
            unit = a.unit or (INDICATORS[a.indicator].unit if a.indicator in INDICATORS else "")
            measured = a.measured if a.measured is not None else u.measure(a.indicator)
            row = {
                c.t("单元", "unit"): u.name,
                c.t("指标", "indicator"): indicator_name(a.indicator, c.lang, a.basis),
                c.t("单位", "unit of measure"): unit_text(unit, c.lang),
                c.t("实测值", "measured"): _round(measured, 2),
                c.t("目标值", "target"): a.value,
                c.t("比较", "comparator"): comparator_word(a.comparator.value, c.lang) if a.comparator else None,
                c.t("状态", "status"): status_word(a.status.value, c.lang),
                c.t("差距", "gap"): _round(a.gap, gap_digits(a.gap_unit)) if a.gap is not None else None,
                c.t("差距单位", "gap unit"): unit_text(a.gap_unit, c.lang) if a.gap is not None else None,
                c.t("规划原文", "plan sentence"): a.quote or None,
                c.t("出处（文号）", "document"): a.document or None,
                c.t("转录文本", "plan text file"): a.seed or None,
                c.t("行号", "line"): a.line,
                c.t("说明", "note"): a.reason or (a.basis_note or None),
            }
            rows.append(row)
    return pd.DataFrame(rows)


def impacts_frame(c: ReportContent) -> pd.DataFrame:
    rows = []
    for k, (name, doc) in enumerate(c.impacts):
        sites = doc.get("sites", [])
        for i, s in enumerate([*sites, {**doc.get("total", {}), "name": c.t("合计", "total")}]):
            number = c.sites.number_of(k, str(s.get("name", ""))) if c.sites is not None and i < len(sites) else None
            rows.append({
                c.t("情景", "scenario"): name, c.t("场址", "site"): s.get("name"),
                c.t("区县", "counties"): "、".join(s.get("counties", []) or []),
                c.t("占地_公顷", "footprint_ha"): _round(s.get("footprint_ha"), 1),
                c.t("森林面积_公顷", "forest_area_ha"): _round(s.get("forest_area_ha"), 1),
                c.t("森林蓄积量_万立方米", "forest_stock_10k_m3"): _round(s.get("forest_stock_10k_m3"), 2),
                c.t("二氧化碳_吨", "co2_t"): _round(s.get("co2_t"), 0),
                c.t("湿地面积_公顷", "wetland_area_ha"): _round(s.get("wetland_area_ha"), 1),
                c.t("受保护湿地面积_公顷", "protected_wetland_area_ha"): _round(s.get("protected_wetland_area_ha"), 1),
                c.t("图上编号", "map_label"): f"#{number}" if number else None,
            })
    return pd.DataFrame(rows)


def write_report_xlsx(c: ReportContent, path: Path) -> Path:
    from .tables import write_workbook

    label = data_label(c.synthetic)
    ledger = ledger_frame(c.units, c.lang)
    ledger.insert(0, c.t("数据", "data"), label)
    sheets = [(c.t("台账", "ledger"), ledger), (c.t("目标对照", "targets"), targets_frame(c))]
    if c.impacts:
        sheets.append((c.t("场址影响", "impacts"), impacts_frame(c)))
    sheets.append((c.t("数据来源", "provenance"), pd.DataFrame({c.t("说明", "note"): _source_lines(c) + [
        c.t("边界仅供内部使用（无审图号）", "boundaries for internal use only (no 审图号)")]})))
    meta = {"area": c.area, "year": c.year, "data_label": label, "run_id": c.run_id, "sinkmap": c.version}
    return write_workbook(sheets, path, meta=meta)


__all__ = ["impacts_frame", "targets_frame", "write_report_xlsx"]
