"""The ledger's units as a map layer: each unit's polygon with its measures, targets and status.

Columns are the ledger export's Chinese columns (:func:`sinkmap.export.ledger_table.ledger_frame`: 单元,
森林覆盖率_百分比, 森林覆盖率_状态…), plus ``status`` — the unit's overall status over the indicators
assessed on it (``short`` if any falls short, else ``within_band``, else ``met``; ``no_target`` or
``no_data`` when none is assessed) — and its Chinese word ``总体状态``. The style colours ``status`` with
the dashboard's status colours and labels each unit with its name.
"""

from __future__ import annotations

import geopandas as gpd

from ...carto.colors import STATUS_COLORS
from ...core.project import Style
from ..ledger_table import STATUSES, ledger_frame

NAME_COLUMN = "单元"
ASSESSED = ("short", "within_band", "met")


def overall_status(unit) -> str:
    statuses = {a.status.value for a in unit.targets}
    for s in ASSESSED + ("no_data",):
        if s in statuses:
            return s
    return "no_target"


def ledger_units_frame(units_frame, ledger_units) -> gpd.GeoDataFrame:
    """The units of ``units_frame`` (name, level, geometry) joined with the ledger's :class:`LedgerUnit` rows by
    name and level; units the ledger has no row for are left out."""
    table = ledger_frame(ledger_units, "zh_CN")
    table["status"] = [overall_status(u) for u in ledger_units]
    table["总体状态"] = [STATUSES.get(s, (s, s))[1] for s in table["status"]]
    key = {(u.name, u.level): i for i, u in enumerate(ledger_units)}
    rows, geoms = [], []
    for rec in units_frame.to_dict("records"):
        i = key.get((rec["name"], rec.get("level")))
        if i is None:
            i = next((j for (n, _lvl), j in key.items() if n == rec["name"]), None)
        if i is None:
            continue
        rows.append(i)
        geoms.append(rec[units_frame.geometry.name])
    out = gpd.GeoDataFrame(table.iloc[rows].reset_index(drop=True), geometry=geoms, crs=units_frame.crs)
    # the city row under its counties: drawn first
    order = out["级别"].map({"省": 0, "市": 1}).fillna(2)
    return out.iloc[order.argsort(kind="stable")].reset_index(drop=True)


def ledger_style() -> Style:
    labels = {k: f"{v[1]} {v[0]}" for k, v in STATUSES.items() if k in STATUS_COLORS}
    return Style(kind="categorised", field="status", categories={k: c for k, c in STATUS_COLORS.items()},
                 category_labels=labels, stroke="#ffffff", stroke_width=0.8, label_field=NAME_COLUMN, opacity=0.6)


__all__ = ["NAME_COLUMN", "ledger_style", "ledger_units_frame", "overall_status"]
