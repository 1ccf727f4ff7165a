"""The demo world's data files (``layers/demo_*.yaml``) read into plain dataclasses.

Numbers with a meaning (where ranges run, summit heights, stock per hectare, calibration levels) live in
those files with their reasoning; this module only parses and checks them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from ..core import yamlio
from ..core.errors import InputError
from ..core.messages import clip
from ..io.catalogue import layer_path

GEOGRAPHY_FILE = "demo_geography.yaml"
FOREST_FILE = "demo_forest.yaml"
CALIBRATION_FILE = "demo_calibration.yaml"
PROJECTS_FILE = "demo_projects.yaml"
PROTECTED_FILE = "demo_protected.yaml"


@dataclass(frozen=True)
class Range:
    name: str
    half_width_km: float
    line: np.ndarray  # (n, 3) lon, lat, crest_m


@dataclass(frozen=True)
class Peak:
    name: str
    lon: float
    lat: float
    elev_m: float
    radius_km: float


@dataclass(frozen=True)
class River:
    name: str
    width_m: float
    valley_km: float
    line: np.ndarray  # (n, 2)


@dataclass(frozen=True)
class Lake:
    name: str
    kind: str  # 水库 (flood-filled behind a dam) or 湖泊 (blob)
    lon: float
    lat: float
    area_km2: float = 0.0
    max_radius_km: float = 0.0
    radius_km: float = 0.0


@dataclass(frozen=True)
class Town:
    name: str
    county: str
    lon: float
    lat: float
    urban_km: float
    kind: str


@dataclass(frozen=True)
class Geography:
    base_levels: np.ndarray  # (n, 3)
    hilliness: np.ndarray  # (n, 3)
    ranges: tuple[Range, ...]
    peaks: tuple[Peak, ...]
    rivers: tuple[River, ...]
    lakes: tuple[Lake, ...]
    towns: tuple[Town, ...]
    karst_counties: frozenset[str]
    bamboo_counties: frozenset[str]
    mining_counties: frozenset[str]
    fine_dem: tuple[str, ...]
    corridors: tuple[tuple[str, str], ...] = ()
    source: str = ""


def _read(name: str) -> tuple[dict[str, Any], Path]:
    path = layer_path(name)
    try:
        doc = yamlio.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(code="demo.data_file_missing", path=path) from None
    except yaml.YAMLError as exc:
        raise InputError(code="demo.bad_yaml", path=path, detail=clip(exc)) from None
    if not isinstance(doc, dict):
        raise InputError(code="demo.not_mapping", path=path)
    return doc, path


def _bad(path: Path, code: str, exc: Exception) -> InputError:
    return InputError(code=code, path=path, detail=clip(exc))


@lru_cache(maxsize=1)
def geography() -> Geography:
    doc, path = _read(GEOGRAPHY_FILE)
    try:
        return Geography(
            base_levels=np.asarray(doc["base_levels"], dtype=float),
            hilliness=np.asarray(doc["hilliness"], dtype=float),
            ranges=tuple(Range(r["name"], float(r["half_width_km"]), np.asarray(r["line"], dtype=float))
                         for r in doc["ranges"]),
            peaks=tuple(Peak(**p) for p in doc["peaks"]),
            rivers=tuple(River(r["name"], float(r["width_m"]), float(r["valley_km"]),
                               np.asarray(r["line"], dtype=float)) for r in doc["rivers"]),
            lakes=tuple(Lake(**lk) for lk in doc["lakes"]),
            towns=tuple(Town(**t) for t in doc["towns"]),
            karst_counties=frozenset(doc.get("karst_counties", [])),
            bamboo_counties=frozenset(doc.get("bamboo_counties", [])),
            mining_counties=frozenset(doc.get("mining_counties", [])),
            fine_dem=tuple(doc.get("fine_dem", [])),
            corridors=tuple((str(a), str(b)) for a, b in doc.get("corridors", [])),
            source=str(path),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise _bad(path, "demo.malformed_geography", exc) from None


@dataclass(frozen=True)
class CityCalibration:
    """What a city's demo data should measure (see layers/demo_calibration.yaml for the reasoning)."""

    city: str
    coverage_pct: float
    stock_10k_m3: float
    protection_pct: float
    wetland_area_10k_ha: float
    protected_share_pct: float


@dataclass(frozen=True)
class Calibration:
    cities: dict[str, CityCalibration]
    tolerance_coverage_pp: float
    tolerance_stock_rel: float
    tolerance_protection_pp: float
    redline_share: float = 0.2
    source: str = ""


@lru_cache(maxsize=1)
def calibration() -> Calibration:
    doc, path = _read(CALIBRATION_FILE)
    try:
        cities = {}
        for name, c in doc["cities"].items():
            cities[name] = CityCalibration(
                city=name, coverage_pct=float(c["coverage_pct"]["intended"]),
                stock_10k_m3=float(c["stock_10k_m3"]["intended"]),
                protection_pct=float(c["wetland_protection_pct"]["intended"]),
                wetland_area_10k_ha=float(c["wetland_area_10k_ha"]["intended"]),
                protected_share_pct=float(c["protected_share_pct"]["intended"]),
            )
        tol = doc["tolerance"]
        return Calibration(cities, float(tol["coverage_pp"]), float(tol["stock_rel"]),
                           float(tol["protection_pp"]), float(doc.get("redline_share", 0.2)), str(path))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _bad(path, "demo.malformed_calibration", exc) from None


@dataclass(frozen=True)
class Species:
    name: str
    dilei: str
    origin_weights: dict[str, float]  # 天然/人工 -> weight
    stock_by_age: dict[str, tuple[float, float]]  # 龄组 -> (low, high) m³/ha
    elev_m: tuple[float, float]
    weight: float
    forest_category: str  # default 林种 when not 公益林
    counties_bonus: tuple[str, ...] = ()


@dataclass(frozen=True)
class ForestModel:
    species: tuple[Species, ...]
    age_weights: dict[str, dict[str, float]]  # origin -> 龄组 -> weight
    sparse_stock: tuple[float, float]
    source: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@lru_cache(maxsize=1)
def forest_model() -> ForestModel:
    doc, path = _read(FOREST_FILE)
    try:
        species = tuple(
            Species(name=s["name"], dilei=str(s["dilei"]), origin_weights=dict(s["origin"]),
                    stock_by_age={k: (float(v[0]), float(v[1])) for k, v in s["stock_m3_ha"].items()},
                    elev_m=(float(s["elev_m"][0]), float(s["elev_m"][1])), weight=float(s["weight"]),
                    forest_category=str(s["lin_zhong"]), counties_bonus=tuple(s.get("counties_bonus", [])))
            for s in doc["species"]
        )
        return ForestModel(species=species, age_weights={k: dict(v) for k, v in doc["age_groups"].items()},
                           sparse_stock=tuple(doc["sparse_forest_stock_m3_ha"]), source=str(path),
                           extra={k: v for k, v in doc.items() if k not in ("species", "age_groups")})
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise _bad(path, "demo.malformed_forest_model", exc) from None


def projects_doc() -> tuple[dict[str, Any], Path]:
    return _read(PROJECTS_FILE)


def protected_doc() -> tuple[dict[str, Any], Path]:
    return _read(PROTECTED_FILE)
