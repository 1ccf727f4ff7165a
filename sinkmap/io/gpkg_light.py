"""A GeoPackage written with the standard library's sqlite3 alone, from geometries already GeoPackage blobs.

``sinkmap boundaries --out x.gpkg`` copies units from the boundaries cache (itself a GeoPackage that GDAL
wrote) into a new file. Through GDAL that means importing pyogrio, hence geopandas and pandas — most of the
command's second. The blobs need no conversion, so this module writes the file directly, with the tables
the GeoPackage 1.3 standard requires for a feature table (``gpkg_spatial_ref_sys``, ``gpkg_contents``,
``gpkg_geometry_columns``), its R-tree spatial index (the ``gpkg_rtree_index`` extension: the virtual table
filled here, then the standard triggers that keep it current when another program edits the file) and
GDAL's feature count table. GDAL, QGIS and geopandas read it as they read a file GDAL wrote (the tests read
it back with pyogrio and compare it with GDAL's output).

The caller makes the write atomic (:func:`sinkmap.io.atomic.atomic_output_path`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path

#: ``PRAGMA application_id`` of a GeoPackage ("GPKG") and ``user_version`` of version 1.3 (read without a warning by older GDAL too)
APPLICATION_ID = 0x47504B47
USER_VERSION = 10300

_SCHEMA = (
    "CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY, "
    "organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, "
    "description TEXT)",
    "CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, "
    "identifier TEXT UNIQUE, description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT "
    "(strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, "
    "srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))",
    "CREATE TABLE gpkg_ogr_contents (table_name TEXT NOT NULL PRIMARY KEY, feature_count INTEGER DEFAULT NULL)",
    "CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, "
    "geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL, "
    "CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name), CONSTRAINT uk_gc_table_name UNIQUE "
    "(table_name), CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name), "
    "CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))",
    "CREATE TABLE gpkg_extensions (table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, "
    "definition TEXT NOT NULL, scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, "
    "extension_name))",
)

#: The undefined systems every GeoPackage lists (standard, requirement 11).
_UNDEFINED_SRS = (
    ("Undefined Cartesian SRS", -1, "NONE", -1, "undefined", "undefined Cartesian coordinate reference system"),
    ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic coordinate reference system"),
)


def _q(name: str) -> str:
    """An SQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def _rtree_triggers(t: str, g: str) -> list[str]:
    """The GeoPackage standard's triggers (extension F.3, ``gpkg_rtree_index``) for table ``t``, column ``g``:
    they keep ``rtree_<t>_<g>`` current when a program that provides the ST_* functions (GDAL, QGIS) edits."""
    rt, qt, qg = _q(f"rtree_{t}_{g}"), _q(t), _q(g)
    trig = lambda suffix: _q(f"rtree_{t}_{g}_{suffix}")  # noqa: E731
    bounds = f"ST_MinX(NEW.{qg}), ST_MaxX(NEW.{qg}), ST_MinY(NEW.{qg}), ST_MaxY(NEW.{qg})"
    new_ok = f"(NEW.{qg} NOTNULL AND NOT ST_IsEmpty(NEW.{qg}))"
    old_ok = f"(OLD.{qg} NOTNULL AND NOT ST_IsEmpty(OLD.{qg}))"
    new_no = f"(NEW.{qg} ISNULL OR ST_IsEmpty(NEW.{qg}))"
    old_no = f"(OLD.{qg} ISNULL OR ST_IsEmpty(OLD.{qg}))"
    return [
        f"CREATE TRIGGER {trig('insert')} AFTER INSERT ON {qt} WHEN {new_ok} BEGIN "
        f"INSERT OR REPLACE INTO {rt} VALUES (NEW.fid, {bounds}); END",
        f"CREATE TRIGGER {trig('update6')} AFTER UPDATE OF {qg} ON {qt} WHEN OLD.fid = NEW.fid AND {new_ok} "
        f"AND {old_ok} BEGIN UPDATE {rt} SET minx = ST_MinX(NEW.{qg}), maxx = ST_MaxX(NEW.{qg}), "
        f"miny = ST_MinY(NEW.{qg}), maxy = ST_MaxY(NEW.{qg}) WHERE id = NEW.fid; END",
        f"CREATE TRIGGER {trig('update7')} AFTER UPDATE OF {qg} ON {qt} WHEN OLD.fid = NEW.fid AND {new_ok} "
        f"AND {old_no} BEGIN INSERT INTO {rt} VALUES (NEW.fid, {bounds}); END",
        f"CREATE TRIGGER {trig('update2')} AFTER UPDATE OF {qg} ON {qt} WHEN OLD.fid = NEW.fid AND {new_no} "
        f"BEGIN DELETE FROM {rt} WHERE id = OLD.fid; END",
        f"CREATE TRIGGER {trig('update5')} AFTER UPDATE ON {qt} WHEN OLD.fid != NEW.fid AND {new_ok} BEGIN "
        f"DELETE FROM {rt} WHERE id = OLD.fid; INSERT OR REPLACE INTO {rt} VALUES (NEW.fid, {bounds}); END",
        f"CREATE TRIGGER {trig('update4')} AFTER UPDATE ON {qt} WHEN OLD.fid != NEW.fid AND {new_no} BEGIN "
        f"DELETE FROM {rt} WHERE id IN (OLD.fid, NEW.fid); END",
        f"CREATE TRIGGER {trig('delete')} AFTER DELETE ON {qt} WHEN OLD.{qg} NOT NULL BEGIN "
        f"DELETE FROM {rt} WHERE id = OLD.fid; END",
    ]


def write_feature_table(path: Path, layer: str, *, fields: Sequence[str], rows: Sequence[tuple],
                        blobs: Sequence[bytes], envelopes: Sequence[tuple[float, float, float, float]],
                        srs_row: tuple, geometry_type: str = "MULTIPOLYGON", geometry_column: str = "geom",
                        field_types: Sequence[str] | None = None) -> None:
    """Write a new GeoPackage at ``path`` (which must not exist) with one feature table ``layer``.

    ``fields``: the columns (TEXT, or the GeoPackage types ``field_types`` gives, e.g. BOOLEAN stored as
    0/1); ``rows``: their values per feature; ``blobs``: the GeoPackage geometry blobs,
    all in the system of ``srs_row`` (a ``gpkg_spatial_ref_sys`` row: name, id, organization, code, definition,
    description); ``envelopes``: (minx, maxx, miny, maxy) of each geometry, for the spatial index and extent.
    """
    if path.exists():
        raise FileExistsError(path)
    srs_id = int(srs_row[1])
    t, g = layer, geometry_column
    with closing(sqlite3.connect(path, isolation_level=None)) as con:
        con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        con.execute(f"PRAGMA user_version = {USER_VERSION}")
        con.execute("BEGIN")
        for sql in _SCHEMA:
            con.execute(sql)
        con.executemany("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)",
                        [r for r in _UNDEFINED_SRS if r[1] != srs_id] + [tuple(srs_row)])
        cols = "".join(f", {_q(f)} {t}" for f, t in zip(fields, field_types or ["TEXT"] * len(fields)))
        con.execute(f"CREATE TABLE {_q(t)} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, {_q(g)} "
                    f"{geometry_type}{cols})")
        marks = ", ".join("?" * (len(fields) + 2))
        con.executemany(f"INSERT INTO {_q(t)} VALUES ({marks})",
                        [(i + 1, blob, *row) for i, (row, blob) in enumerate(zip(rows, blobs))])
        con.execute(f"CREATE VIRTUAL TABLE {_q(f'rtree_{t}_{g}')} USING rtree(id, minx, maxx, miny, maxy)")
        con.executemany(f"INSERT INTO {_q(f'rtree_{t}_{g}')} VALUES (?, ?, ?, ?, ?)",
                        [(i + 1, *env) for i, env in enumerate(envelopes)])
        extent = ((min(e[0] for e in envelopes), min(e[2] for e in envelopes), max(e[1] for e in envelopes),
                   max(e[3] for e in envelopes)) if envelopes else (None, None, None, None))
        con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description, min_x, min_y, "
                    "max_x, max_y, srs_id) VALUES (?, 'features', ?, '', ?, ?, ?, ?, ?)", (t, t, *extent, srs_id))
        con.execute("INSERT INTO gpkg_geometry_columns VALUES (?, ?, ?, ?, 0, 0)", (t, g, geometry_type, srs_id))
        con.execute("INSERT INTO gpkg_extensions VALUES (?, ?, 'gpkg_rtree_index', "
                    "'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')", (t, g))
        con.execute("INSERT INTO gpkg_ogr_contents VALUES (?, ?)", (t, len(blobs)))
        for sql in _rtree_triggers(t, g):
            con.execute(sql)
        qt, lit = _q(t), "'" + t.replace("'", "''") + "'"
        for name, op, sign in (("insert", "INSERT", "+"), ("delete", "DELETE", "-")):
            con.execute(f"CREATE TRIGGER {_q(f'trigger_{name}_feature_count_{t}')} AFTER {op} ON {qt} BEGIN UPDATE "
                        f"gpkg_ogr_contents SET feature_count = feature_count {sign} 1 WHERE lower(table_name) = "
                        f"lower({lit}); END")
        con.execute("COMMIT")


def geometry_blob(wkb: bytes, envelope: tuple[float, float, float, float], srs_id: int) -> bytes:
    """A GeoPackage geometry blob as GDAL writes one: ``GP``, version 0, flags (little-endian, an xy
    envelope), the srs id, the envelope (minx, maxx, miny, maxy) and the (little-endian) WKB."""
    import struct

    return b"GP\x00\x03" + struct.pack("<i4d", srs_id, *envelope) + wkb


__all__ = ["APPLICATION_ID", "USER_VERSION", "write_feature_table", "geometry_blob"]
