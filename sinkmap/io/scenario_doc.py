"""Siting scenarios as stored in a project file, and the checks every stored scenario passes when it is read.

A project keeps its scenarios inline (key ``scenarios``), not in a sidecar file: a scenario is the user's
own drawing (a few sites, a few hundred vertices), it has no other home, and one file keeps the save atomic
(:func:`sinkmap.io.project_file.save_project` writes a temporary file and renames it — a sidecar GeoPackage
would be a second write that can fail after the first, or be left behind when the project is mailed).
Layers stay references to data files; the size limit of a project file (32 MB) bounds what scenarios hold.

One scenario::

    {"name": "方案A", "year": 2030, "unit": null, "crs": "EPSG:4490",
     "sites": {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "场址1", "tech": "pv", "capacity_mw": 20.0},
         "geometry": {"type": "Point", "coordinates": [113.0, 28.2]}}]}}

Geometries are GeoJSON in CGCS2000 longitude/latitude (EPSG:4490, stated by ``crs``): points (a footprint
by technology) or polygons (as drawn), single or multi. :func:`check_scenarios` refuses anything else with
an :class:`~sinkmap.core.errors.InputError` naming the project file and the key, before any geometry is built.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ..core.errors import InputError, SinkmapError

#: storage CRS of the sites (the only one a stored scenario may name)
SCENARIO_CRS = "EPSG:4490"
TECHS = ("pv", "wind", "phes")
MAX_SCENARIOS = 200
MAX_SITES = 5000
#: vertices (positions) of all the sites of one scenario
MAX_POSITIONS = 500_000
MAX_NAME = 200
MIN_YEAR, MAX_YEAR = 2000, 2100  # the site.impact job's year range
MAX_CAPACITY_MW = 100_000.0
GEOMETRY_TYPES = ("Point", "MultiPoint", "Polygon", "MultiPolygon")


def _fail(source: Path, key: str, expected: str, got: str) -> InputError:
    return InputError(code="io.project.bad_value", path=source, key=key, expected=expected, got=got)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return repr(value) if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return repr(value[:60])
    return {list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


def check_name(value: Any, source: Path, key: str, *, optional: bool = False) -> None:
    """A display name: text of 1–:data:`MAX_NAME` characters without control characters."""
    if value is None and optional:
        return
    if not isinstance(value, str) or not value.strip():
        raise _fail(source, key, "a name (text)", _kind(value))
    if len(value) > MAX_NAME:
        raise _fail(source, key, f"a name of at most {MAX_NAME} characters", f"{len(value)} characters")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise _fail(source, key, "a name without control characters", "a control character")


def check_year(value: Any, source: Path, key: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_YEAR <= value <= MAX_YEAR:
        raise _fail(source, key, f"a year from {MIN_YEAR} to {MAX_YEAR}", _kind(value))


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


class _Budget:
    def __init__(self) -> None:
        self.positions = 0


def _position(p: Any, source: Path, key: str, budget: _Budget) -> None:
    if not isinstance(p, list) or len(p) not in (2, 3) or not all(_number(v) for v in p):
        raise _fail(source, key, "a position [longitude, latitude] of finite numbers", _kind(p))
    if not (-180.0 <= p[0] <= 180.0 and -90.0 <= p[1] <= 90.0):
        raise _fail(source, key, "longitude −180…180 and latitude −90…90 (CGCS2000 degrees)",
                    f"[{p[0]!r}, {p[1]!r}]")
    budget.positions += 1
    if budget.positions > MAX_POSITIONS:
        raise _fail(source, key, f"at most {MAX_POSITIONS:,} vertices in one scenario", "more")


def _list(value: Any, source: Path, key: str, what: str, minimum: int = 1) -> list:
    if not isinstance(value, list) or len(value) < minimum:
        raise _fail(source, key, what, _kind(value) if not isinstance(value, list) else f"{len(value)} entries")
    return value


def _polygon(rings: Any, source: Path, key: str, budget: _Budget) -> None:
    for r, ring in enumerate(_list(rings, source, key, "a list of rings (the outer ring first)")):
        rkey = f"{key}[{r}]"
        ring = _list(ring, source, rkey, "a closed ring of at least 4 positions", 4)
        for j, p in enumerate(ring):
            _position(p, source, f"{rkey}[{j}]", budget)
        if ring[0][:2] != ring[-1][:2]:
            raise _fail(source, rkey, "a closed ring (its last position equal to its first)", "an open ring")


def check_geometry(geom: Any, source: Path, key: str, budget: _Budget | None = None) -> None:
    """A GeoJSON point or polygon (single or multi) in CGCS2000 degrees."""
    budget = budget or _Budget()
    if not isinstance(geom, dict):
        raise _fail(source, key, "a GeoJSON geometry object", _kind(geom))
    kind = geom.get("type")
    if kind not in GEOMETRY_TYPES:
        raise _fail(source, f"{key}.type", "one of " + ", ".join(GEOMETRY_TYPES), _kind(kind))
    coords, ckey = geom.get("coordinates"), f"{key}.coordinates"
    if kind == "Point":
        _position(coords, source, ckey, budget)
    elif kind == "MultiPoint":
        for j, p in enumerate(_list(coords, source, ckey, "a list of positions")):
            _position(p, source, f"{ckey}[{j}]", budget)
    elif kind == "Polygon":
        _polygon(coords, source, ckey, budget)
    else:
        for j, poly in enumerate(_list(coords, source, ckey, "a list of polygons")):
            _polygon(poly, source, f"{ckey}[{j}]", budget)


def check_site(feature: Any, source: Path, key: str, budget: _Budget) -> None:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise _fail(source, key, "a GeoJSON Feature object", _kind(feature))
    props = feature.get("properties") or {}
    if not isinstance(props, dict):
        raise _fail(source, f"{key}.properties", "an object", _kind(props))
    check_name(props.get("name"), source, f"{key}.properties.name", optional=True)
    tech = props.get("tech")
    if tech is not None and tech not in TECHS:
        raise _fail(source, f"{key}.properties.tech", "null or one of " + ", ".join(TECHS), _kind(tech))
    cap = props.get("capacity_mw")
    if cap is not None and (not _number(cap) or not 0 < cap <= MAX_CAPACITY_MW):
        raise _fail(source, f"{key}.properties.capacity_mw",
                    f"null or a number above 0 and at most {MAX_CAPACITY_MW:g}", _kind(cap))
    check_geometry(feature.get("geometry"), source, f"{key}.geometry", budget)


def check_scenario(doc: Any, source: Path, key: str) -> None:
    """One stored scenario (see the module's docstring)."""
    if not isinstance(doc, dict):
        raise _fail(source, key, "an object", _kind(doc))
    check_name(doc.get("name"), source, f"{key}.name")
    check_year(doc.get("year"), source, f"{key}.year")
    unit = doc.get("unit")
    if unit is not None:
        check_name(unit, source, f"{key}.unit")
        from .boundaries import resolve_unit

        try:
            resolve_unit(unit)
        except SinkmapError:  # unknown or ambiguous
            raise _fail(source, f"{key}.unit", "null or a city or county of 湖南省", _kind(unit)) from None
    if doc.get("crs", SCENARIO_CRS) != SCENARIO_CRS:
        raise _fail(source, f"{key}.crs", SCENARIO_CRS, _kind(doc.get("crs")))
    sites = doc.get("sites")
    if not isinstance(sites, dict) or sites.get("type") != "FeatureCollection":
        raise _fail(source, f"{key}.sites", "a GeoJSON FeatureCollection", _kind(sites))
    features = sites.get("features")
    if not isinstance(features, list):
        raise _fail(source, f"{key}.sites.features", "a list of features", _kind(features))
    if len(features) > MAX_SITES:
        raise _fail(source, f"{key}.sites.features", f"at most {MAX_SITES} sites", f"{len(features)} sites")
    budget = _Budget()
    for i, feature in enumerate(features):
        check_site(feature, source, f"{key}.sites.features[{i}]", budget)


def check_scenarios(value: Any, source: Path, key: str = "scenarios") -> None:
    """The project's ``scenarios`` list: each scenario checked, names unique."""
    if value is None:
        return
    if not isinstance(value, list):
        raise _fail(source, key, "a list of scenarios", _kind(value))
    if len(value) > MAX_SCENARIOS:
        raise _fail(source, key, f"at most {MAX_SCENARIOS} scenarios", f"{len(value)} scenarios")
    seen: set[str] = set()
    for i, doc in enumerate(value):
        check_scenario(doc, source, f"{key}[{i}]")
        if doc["name"] in seen:
            raise _fail(source, f"{key}[{i}].name", "a name no other scenario has", _kind(doc["name"]))
        seen.add(doc["name"])


__all__ = ["GEOMETRY_TYPES", "MAX_POSITIONS", "MAX_SCENARIOS", "MAX_SITES", "SCENARIO_CRS", "TECHS",
           "check_geometry", "check_name", "check_scenario", "check_scenarios", "check_year"]
