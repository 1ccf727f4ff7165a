"""Identify on a siting-exclusions raster (role ``siting_exclusions``): why a cell is in or out.

The raster (written by the ``site.exclusions`` job) holds the inclusion 0–1 in band 1 and the bitmask
of the rules that hit the cell in band 2 (integers stored as float64); its tags hold the rule table
(``SITING_RULES`` as JSON, else one ``RULE_<bit>`` tag "id | document | clause" per rule). The table
is read once per file (cached by path and modification time); the clause is the document's Chinese
text in both languages, the words around it are translated. Tag text comes from a file: it is only
ever shown as text (tree items are plain text; tooltips go through :func:`sinkmap.gui.plain.tip`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from .i18n import tr

ROLE = "siting_exclusions"
_EPS = 1e-9


@dataclass(frozen=True)
class SitingRule:
    bit: int
    id: str
    effect: str  # exclude / limit / prefer / include
    weight: float | None
    document: str
    clause: str


_CACHE: dict[tuple[str, float], dict[int, SitingRule]] = {}


def _rules_from_tags(tags: dict[str, str]) -> dict[int, SitingRule]:
    out: dict[int, SitingRule] = {}
    try:
        table = json.loads(tags.get("SITING_RULES") or "[]")
    except ValueError:
        table = []
    for row in table if isinstance(table, list) else []:
        try:
            bit = int(row["bit"])
            weight = row.get("weight")
            out[bit] = SitingRule(bit, str(row.get("id") or ""), str(row.get("effect") or "exclude"),
                                  float(weight) if weight is not None else None,
                                  str(row.get("document") or ""), str(row.get("clause_zh") or ""))
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
    for key, value in tags.items():  # RULE_<bit> tags: rules the JSON table did not give
        if not key.startswith("RULE_") or not key[5:].isdigit() or int(key[5:]) in out:
            continue
        parts = [p.strip() for p in str(value).split("|", 2)] + ["", ""]
        out[int(key[5:])] = SitingRule(int(key[5:]), parts[0], "exclude", None, parts[1], parts[2])
    return out


def rule_table(path: str) -> dict[int, SitingRule]:
    """bit -> rule of a siting-exclusions GeoTIFF (cached per file and modification time)."""
    import rasterio

    try:
        key = (os.path.abspath(path), os.path.getmtime(path))
    except OSError:
        return {}
    if key not in _CACHE:
        with rasterio.open(path) as src:
            _CACHE[key] = _rules_from_tags(src.tags())
    return _CACHE[key]


def read_cell(data, x: float, y: float) -> tuple[float, int] | None:
    """(inclusion, bitmask) at display-CRS point (x, y) of RasterData ``data``; None outside or no data."""
    import numpy as np
    import rasterio
    from pyproj import Transformer
    from rasterio.windows import Window

    sx, sy = Transformer.from_crs(data.display_crs, data.crs, always_xy=True).transform(x, y)
    with rasterio.open(data.path) as src:
        row, col = src.index(sx, sy)
        if not (0 <= row < src.height and 0 <= col < src.width):
            return None
        bands = (1, 2) if src.count >= 2 else (1,)
        v = src.read(bands, window=Window(col, row, 1, 1), masked=True)
    if np.ma.getmaskarray(v)[0].any():  # band 1 (inclusion) is no data: outside the unit
        return None
    incl = float(v[0, 0, 0])
    mask = int(round(float(v[1, 0, 0]))) if len(bands) == 2 else 0
    return incl, max(mask, 0)


def legend_classes() -> list[tuple[str, str]]:
    """(colour, label) of the three steps of the siting style, for the layer tree and the map legend."""
    from ..carto.colors import SITING_COLORS

    return [(SITING_COLORS["excluded"], tr("排除（{0}）").format("0")),
            (SITING_COLORS["partial"], tr("部分可用（{0}）").format("0–1")),
            (SITING_COLORS["included"], tr("可用（{0}）").format("1"))]


def inclusion_text(incl: float) -> str:
    if incl >= 1.0 - _EPS:
        return tr("可用（{0}）：没有规则排除此处").format("1")
    if incl <= _EPS:
        return tr("排除（{0}）").format("0")
    return tr("部分可用（{0}）").format(f"{incl:.2f}")


def rule_text(rule: SitingRule) -> str:
    """'排除：自然资办发〔2023〕12号：不得占用…' / 'excluded by 自然资办发〔2023〕12号: 不得占用…'."""
    if rule.effect == "limit":
        w = f"{rule.weight:g}" if rule.weight is not None else "?"
        return (tr("限制（权重 {0}）：{1}：{2}").format(w, rule.document, rule.clause) if rule.document
                else tr("限制（权重 {0}）：{1}").format(w, rule.clause))
    if rule.effect in ("prefer", "include"):
        return (tr("优先：{0}：{1}").format(rule.document, rule.clause) if rule.document
                else tr("优先：{0}").format(rule.clause))
    return (tr("排除：{0}：{1}").format(rule.document, rule.clause) if rule.document
            else tr("排除：{0}").format(rule.clause))


def siting_entry(spec, data, x: float, y: float) -> dict | None:
    """The identify entry of a siting-exclusions layer at (x, y): value, inclusion text, the rules hit."""
    cell = read_cell(data, x, y)
    if cell is None:
        return None
    incl, mask = cell
    table = rule_table(data.path)
    rules, bit = [], 0
    while mask >> bit:
        if (mask >> bit) & 1:
            rules.append(table.get(bit) or SitingRule(bit, f"#{bit}", "exclude", None, "", tr("未知规则")))
        bit += 1
    return {"value": incl, "inclusion": inclusion_text(incl), "rules": rules}
