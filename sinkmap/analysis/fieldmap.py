"""Which attribute field holds what: logical keys (land_class, stock_per_ha...) → the layer's field names.

Inventory layers name their fields by province and year (DI_LEI / DLBM / 地类 ...). Candidates per key live in
``layers/fieldmap.yaml``; :func:`detect_mapping` picks the first candidate present (case-insensitive, ignoring
``_`` and spaces) and the user's overrides always win (CLI ``--field stock_per_ha=MGQXJ``). The unit of an area
field (公顷 or 亩) is detected by comparing its sum with the ellipsoidal area of the geometries.

Also here, because they are about reading attribute values: :func:`parse_numbers` (numbers stored as text, with
the non-numbers counted) and :func:`classify_codes` / :func:`detect_scheme` (land-class codes → scheme classes).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ..core import yamlio
from ..core.crs import EQUAL_AREA_CRS, HA_PER_MU, M2_PER_HA
from ..core.errors import CRSError, FieldError, InputError
from ..core.feedback import Feedback, ensure
from ..core.messages import Notice
from ..io.catalogue import layer_path
from ..io.schemes import Scheme, SchemeClass, load_scheme
from .ledger_core import to_crs

KINDS = ("forest", "wetland", "protected")

#: hectares per unit of an area field
AREA_UNITS: dict[str, float] = {"ha": 1.0, "mu": HA_PER_MU, "m2": 1.0 / M2_PER_HA}
_UNIT_NAMES = {"ha": "公顷 (ha)", "mu": "亩 (mu)", "m2": "平方米 (m²)"}
#: how far sum(field)/sum(geometry) may stray from the unit's ratio and still be read as that unit
AREA_RATIO_TOLERANCE = 0.10


@dataclass
class FieldMapping:
    """Logical key → field name (None: the layer has no such field) for one layer."""

    kind: str
    fields: dict[str, str | None]
    explicit: frozenset[str] = frozenset()  # keys the user set (an explicit but missing field is an error)
    area_unit: str | None = None  # 'ha' | 'mu' | 'm2' of the area field; None = unknown (use geometry)
    area_unit_source: str = ""  # 'override' | 'detected' | ''
    layer: str = ""

    def get(self, key: str) -> str | None:
        return self.fields.get(key)

    def has(self, key: str) -> bool:
        return self.fields.get(key) is not None

    def describe(self) -> str:
        parts = [f"{k}={v}" for k, v in self.fields.items() if v is not None]
        if self.area_unit:
            parts.append(f"area_unit={self.area_unit}")
        return ", ".join(parts) or "(no fields recognised)"


@lru_cache(maxsize=4)
def _candidates_from(path: str) -> dict[str, dict[str, tuple[str, ...]]]:
    try:
        doc = yamlio.safe_load(Path(path).read_text(encoding="utf-8"))
        return {kind: {key: tuple(str(c) for c in cands) for key, cands in doc[kind].items()} for kind in doc}
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(code="analysis.fieldmap.table_invalid", path=path, detail=str(exc)) from None


def field_candidates(kind: str) -> dict[str, tuple[str, ...]]:
    """Candidate field names per logical key for a kind of layer (``forest``, ``wetland``, ``protected``)."""
    table = _candidates_from(str(layer_path("fieldmap.yaml")))
    if kind not in table:
        raise ValueError(f"unknown layer kind {kind!r}: use one of {', '.join(table)}")
    return table[kind]


def _norm(name: str) -> str:
    return re.sub(r"[\s_]+", "", str(name)).casefold()


def _attribute_columns(gdf: pd.DataFrame) -> list[str]:
    geom = getattr(gdf, "_geometry_column_name", None)
    return [str(c) for c in gdf.columns if c != geom]


def _find_column(name: str, columns: list[str]) -> str | None:
    for c in columns:
        if c.casefold() == name.casefold():
            return c
    for c in columns:
        if _norm(c) == _norm(name):
            return c
    return None


def geometry_area_ha(gdf, layer: str | None = None) -> np.ndarray:
    """Ellipsoidal area (ha) of each geometry, via the equal-area CRS (never in degrees); a layer without a
    CRS is the :class:`CRSError` of :func:`sinkmap.analysis.ledger_core.to_crs` (``layer`` names it)."""
    return to_crs(gdf, EQUAL_AREA_CRS, layer).area.to_numpy() / M2_PER_HA


def detect_area_unit(values: Iterable, geometry_ha: np.ndarray, *, layer: str = "",
                     field_name: str = "") -> tuple[str | None, Notice]:
    """The unit of an area field: ratio of its sum to the geometry area ≈ 1 → ha, ≈ 15 → 亩, ≈ 10⁴ → m².

    Returns (unit or None, a :class:`Notice` saying what was found). None means the ratio fits no unit: use
    the geometry area.
    """
    vals = pd.to_numeric(pd.Series(list(values) if not isinstance(values, pd.Series) else values),
                         errors="coerce").to_numpy(dtype=float)
    geom = np.asarray(geometry_ha, dtype=float)
    ok = np.isfinite(vals) & np.isfinite(geom) & (geom > 0)
    where = dict(layer=label_of(layer), field=field_name)
    if not ok.any() or geom[ok].sum() <= 0:
        return None, Notice("analysis.fieldmap.area_unusable", **where)
    ratio = vals[ok].sum() / geom[ok].sum()
    for unit, ha_per_unit in AREA_UNITS.items():
        expected = 1.0 / ha_per_unit
        if abs(ratio / expected - 1.0) <= AREA_RATIO_TOLERANCE:
            return unit, Notice("analysis.fieldmap.area_unit_read", **where, ratio=f"{ratio:.4g}",
                                unit_name=_UNIT_NAMES[unit])
    return None, Notice("analysis.fieldmap.area_unit_unknown", **where, ratio=f"{ratio:.4g}")


def detect_mapping(gdf, kind: str = "forest", overrides: Mapping[str, str | None] | None = None, *,
                   layer: str | None = None, feedback: Feedback | None = None,
                   geometry_ha: np.ndarray | None = None) -> FieldMapping:
    """Detect which field holds each logical key of a ``kind`` layer; ``overrides`` always win.

    ``overrides`` maps key → field name (case-insensitive); an empty value (CLI ``--field KEY=``) removes the
    automatic mapping for KEY: the layer is taken to have no such field (e.g. ``stock=`` stops a wrongly
    detected per-subcompartment stock field from being used; ``stock_per_ha`` is still detected); the special
    key ``area_unit`` takes ``ha``, ``mu`` or ``m2``. A named field the layer lacks raises :class:`FieldError`
    listing the fields it has. The area unit is detected from the geometry (``geometry_ha`` if the caller has
    the areas already) and a non-ha unit is warned about.
    """
    feedback = ensure(feedback)
    label = layer or kind
    candidates = field_candidates(kind)
    columns = _attribute_columns(gdf)
    available = ", ".join(columns) or "(none)"
    fields: dict[str, str | None] = {}
    explicit: set[str] = set()
    area_unit: str | None = None
    unit_source = ""
    for key, value in (overrides or {}).items():
        value = None if value is None else str(value).strip()
        if key == "area_unit":
            if value not in AREA_UNITS:
                raise FieldError(code="analysis.fieldmap.bad_area_unit", layer=label, units=", ".join(AREA_UNITS),
                                 value=value)
            area_unit, unit_source = value, "override"
            continue
        if key not in candidates:
            raise FieldError(code="analysis.fieldmap.unknown_key", layer=label, key=key, kind=kind,
                             keys=", ".join(candidates))
        explicit.add(key)
        if not value:
            fields[key] = None
            continue
        col = _find_column(value, columns)
        if col is None:
            raise FieldError(code="analysis.fieldmap.no_such_field", layer=label, field=value, key=key,
                             available=available)
        fields[key] = col
    used = {v for v in fields.values() if v}
    for key, names in candidates.items():
        if key in fields:
            continue
        fields[key] = None
        for name in names:
            col = _find_column(name, columns)
            if col is not None and col not in used:
                fields[key] = col
                used.add(col)
                break
    ordered = {key: fields[key] for key in candidates}
    if area_unit is None and ordered.get("area") and len(gdf):
        geom = geometry_ha if geometry_ha is not None else geometry_area_ha(gdf, label)
        area_unit, message = detect_area_unit(gdf[ordered["area"]], geom, layer=label, field_name=ordered["area"])
        unit_source = "detected" if area_unit else ""
        if area_unit != "ha":
            feedback.warn(message)
    return FieldMapping(kind=kind, fields=ordered, explicit=frozenset(explicit), area_unit=area_unit,
                        area_unit_source=unit_source, layer=label)


# --------------------------------------------------------------------------------------------------------------
# attribute values


_BLANK = re.compile(r"^\s*$")


def parse_numbers(values: pd.Series, *, layer: str, field_name: str, strict: bool = True,
                  feedback: Feedback | None = None) -> np.ndarray:
    """A numeric field as floats. Blank text is missing (NaN). Other non-numbers are counted: an error when
    ``strict`` (the message names the layer, field, count and examples), else missing with a warning."""
    s = pd.Series(values).reset_index(drop=True)
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        return s.to_numpy(dtype=float, na_value=np.nan)
    as_obj = s.astype(object)
    blank = as_obj.map(lambda v: v is None or (isinstance(v, float) and np.isnan(v))
                       or (isinstance(v, str) and bool(_BLANK.match(v))))
    text = as_obj.where(~blank, None).map(lambda v: v.strip() if isinstance(v, str) else v)
    nums = pd.to_numeric(text, errors="coerce")
    bad = nums.isna() & ~blank
    if bad.any():
        examples = ", ".join(f'"{v}"' for v in pd.unique(as_obj[bad].astype(str))[:5])
        params = dict(n=int(bad.sum()), column=field_name, label=label_of(layer), examples=examples)
        if strict:
            raise FieldError(code="analysis.fieldmap.not_numbers", **params)
        ensure(feedback).warn(Notice("analysis.fieldmap.not_numbers_missing", **params))
    return nums.to_numpy(dtype=float, na_value=np.nan)


def label_of(layer: str) -> str:
    return layer or "(unnamed)"


def _class_by_name(scheme: Scheme) -> dict[str, SchemeClass]:
    return {c.name_zh.strip(): c for c in scheme.classes}


def classify_codes(values: pd.Series, scheme: Scheme) -> pd.Series:
    """The scheme class of each value (code like '0111', 111, or the class name 乔木林), None if unknown."""
    s = pd.Series(values).reset_index(drop=True).astype(object)
    by_name = _class_by_name(scheme)
    codes, uniques = pd.factorize(s, use_na_sentinel=True)  # each distinct value looked up once; missing: -1
    found = np.empty(len(uniques) + 1, dtype=object)  # the last slot (code -1): None
    for k, u in enumerate(uniques):
        c = scheme.lookup(u)
        if c is None and isinstance(u, str):
            c = by_name.get(u.strip())
        found[k] = c
    return pd.Series(found[codes], index=s.index, dtype=object)


def detect_scheme(values: pd.Series, candidates: Iterable[str] = ("forest_inventory", "sandiao")) -> tuple[str, float]:
    """The candidate scheme that recognises the most (non-empty) values, and the share it recognises."""
    s = pd.Series(values).dropna().astype(object)
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    filled = np.array([str(u).strip() != "" for u in uniques] + [False], dtype=bool)  # once per distinct value
    s = s[filled[codes]]
    best, best_share = "", -1.0
    for name in candidates:
        scheme = load_scheme(name)
        share = float(classify_codes(s, scheme).notna().mean()) if len(s) else 0.0
        if share > best_share:
            best, best_share = name, share
    return best, best_share


__all__ = ["AREA_UNITS", "FieldMapping", "KINDS", "classify_codes", "detect_area_unit", "detect_mapping",
           "detect_scheme", "field_candidates", "geometry_area_ha", "parse_numbers"]
