"""Biomass carbon from growing stock, per dominant species / forest type.

C [t] = V [m³] × SVD × BEF × (1 + R) × CF and CO₂ = C × 44/12 (DOMAIN.md §2). The factors are data
(``layers/carbon_factors.yaml``) with their source and a ``verified`` flag; this module only reads and applies
them. A species not in the table maps through the table's aliases to a type, else to the table's default type;
callers get the count of such features so they can warn the user.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ..core import yamlio
from ..core.errors import InputError
from ..core.feedback import Feedback, ensure
from ..core.messages import Notice
from ..io.catalogue import layer_path

#: t CO₂ per t C: the ratio of molar masses (44 g/mol CO₂ over 12 g/mol C) — physics, not a sourced factor.
CO2_PER_C = 44.0 / 12.0

_SUFFIX = re.compile(r"(林|类|属|树)$")


@dataclass(frozen=True)
class CarbonFactor:
    """SVD, BEF, R and CF of one species or forest type, with where they come from."""

    type: str
    svd: float  # t dry matter / m³
    bef: float
    r: float
    cf: float  # t C / t dry matter
    source: str
    verified: bool
    note: str = ""

    @property
    def t_c_per_m3(self) -> float:
        """Biomass carbon (t C) per m³ of growing stock: SVD × BEF × (1 + R) × CF."""
        return self.svd * self.bef * (1.0 + self.r) * self.cf


@dataclass
class SpeciesResolution:
    """How a column of species names mapped onto the table."""

    types: np.ndarray  # type name per feature
    defaulted: np.ndarray  # bool per feature: fell back to the default type
    unknown: dict[str, int] = field(default_factory=dict)  # unknown species → count (missing = '(空)')

    @property
    def n_default(self) -> int:
        return int(self.defaulted.sum())


@dataclass(frozen=True)
class CarbonTable:
    factors: dict[str, CarbonFactor]
    aliases: dict[str, str]
    default_type: str
    sources: dict[str, str]
    bamboo_carbon_t_per_ha: float | None = None
    bamboo_source: str | None = None
    path: str = ""

    def resolve_name(self, name: object) -> str | None:
        """The table type of one species name or code, or None when the table does not know it."""
        if name is None or (isinstance(name, float) and np.isnan(name)):
            return None
        text = str(name).strip()
        if text.endswith(".0") and text[:-2].isdigit():
            text = text[:-2]
        for candidate in (text, _SUFFIX.sub("", text)):
            if not candidate:
                continue
            if candidate in self.factors:
                return candidate
            if candidate in self.aliases:
                return self.aliases[candidate]
        return None

    def resolve(self, species: object) -> SpeciesResolution:
        """Map species names (scalar or array-like) to table types, vectorised over unique values."""
        values = pd.Series(np.atleast_1d(np.asarray(species, dtype=object)))
        uniques = pd.unique(values)
        mapping = {u: self.resolve_name(u) for u in uniques}
        types = values.map(lambda v: mapping.get(v) if v in mapping else self.resolve_name(v))
        missing = types.isna()
        unknown: dict[str, int] = {}
        if missing.any():
            counts = values[missing].map(lambda v: "(空)" if _is_blank(v) else str(v).strip()).value_counts()
            unknown = {str(k): int(n) for k, n in counts.items()}
        types = types.where(~missing, self.default_type)
        return SpeciesResolution(types=types.to_numpy(dtype=object), defaulted=missing.to_numpy(dtype=bool),
                                 unknown=unknown)

    def t_c_per_m3(self, types: np.ndarray) -> np.ndarray:
        """Carbon per m³ for an array of table types."""
        lookup = {t: f.t_c_per_m3 for t, f in self.factors.items()}
        return np.array([lookup[t] for t in types], dtype=float)


def _is_blank(v: object) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or str(v).strip() == ""


def describe_unknown(unknown: dict[str, int], limit: int = 5) -> str:
    items = sorted(unknown.items(), key=lambda kv: -kv[1])
    text = ", ".join(f"{k!s} ×{n}" for k, n in items[:limit])
    return text + (f" and {len(items) - limit} more" if len(items) > limit else "")


def load_carbon_factors(path: str | Path | None = None) -> CarbonTable:
    """The bundled factor table, or a user's table of the same form (YAML)."""
    return _load(str(path) if path is not None else str(layer_path("carbon_factors.yaml")))


@lru_cache(maxsize=8)
def _load(path: str) -> CarbonTable:
    try:
        doc = yamlio.safe_load(Path(path).read_text(encoding="utf-8"))
        sources = {str(k): str(v) for k, v in (doc.get("sources") or {}).items()}
        factors = {}
        for row in doc["types"]:
            f = CarbonFactor(type=str(row["type"]), svd=float(row["svd"]), bef=float(row["bef"]),
                             r=float(row["r"]), cf=float(row["cf"]), source=str(row["source"]),
                             verified=bool(row.get("verified", False)), note=str(row.get("note", "")))
            factors[f.type] = f
        aliases = {str(k): str(v) for k, v in (doc.get("aliases") or {}).items()}
        default_type = str(doc["default_type"])
        bamboo = doc.get("bamboo") or {}
    except FileNotFoundError:
        raise InputError(code="analysis.carbon.table_missing", path=path) from None
    except (yaml.YAMLError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(code="analysis.carbon.table_invalid", path=path, detail=str(exc)) from None
    undefined = [f"{a}→{t}" for a, t in aliases.items() if t not in factors]
    if default_type not in factors:
        undefined.insert(0, f"default_type→{default_type}")
    if undefined:
        raise InputError(code="analysis.carbon.types_undefined", path=path, types=", ".join(undefined))
    per_ha = bamboo.get("carbon_t_per_ha")
    return CarbonTable(factors=factors, aliases=aliases, default_type=default_type, sources=sources,
                       bamboo_carbon_t_per_ha=None if per_ha is None else float(per_ha),
                       bamboo_source=bamboo.get("source"), path=path)


def carbon_from_stock(stock_m3: object, species_or_type: object, table: CarbonTable | None = None,
                      feedback: Feedback | None = None, label: str = "") -> np.ndarray:
    """Biomass carbon (t C) of growing stock ``stock_m3`` (m³), per species or forest type; vectorised.

    ``species_or_type`` is one name for all values or one per value. Names the table does not know use its
    default type, and a warning through ``feedback`` counts them. NaN stock gives NaN carbon.
    """
    table = table or load_carbon_factors()
    stock = np.atleast_1d(np.asarray(stock_m3, dtype=float))
    species = np.asarray(species_or_type, dtype=object)
    if species.ndim == 0:
        species = np.full(stock.shape, species.item(), dtype=object)
    if species.shape != stock.shape:
        raise ValueError(f"species ({species.shape}) and stock ({stock.shape}) differ in shape")
    res = table.resolve(species)
    if res.n_default:
        params = dict(n=int(res.n_default), species=describe_unknown(res.unknown), default=table.default_type,
                      table=str(table.path or "layers/carbon_factors.yaml"))
        ensure(feedback).warn(Notice("analysis.carbon.species_defaulted_in", label=label, **params) if label
                              else Notice("analysis.carbon.species_defaulted", **params))
    return stock * table.t_c_per_m3(res.types)


def co2_from_carbon(carbon_t: object) -> np.ndarray | float:
    """t CO₂ from t C (× 44/12)."""
    return np.asarray(carbon_t, dtype=float) * CO2_PER_C


__all__ = ["CO2_PER_C", "CarbonFactor", "CarbonTable", "SpeciesResolution", "load_carbon_factors",
           "carbon_from_stock", "co2_from_carbon", "describe_unknown"]
