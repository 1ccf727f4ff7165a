"""Build the bad-input corpus: broken or awkward vector files, written into a folder at test time.

No binary fixture is committed: every file is produced here, from a few lines of code, so what is
wrong with it is readable. Each builder returns a :class:`Case` describing how sinkmap must react:
the error class and words its message must contain, or (for files sinkmap should cope with) None.

Geometry sits around Changsha (112.9–113.0°E, 28.1–28.2°N). Run directly to inspect the files:
``python tests/bad_inputs/make_corpus.py /tmp/corpus``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio
from pyproj import Transformer
from shapely.geometry import Polygon, box

from sinkmap.core.errors import CRSError, InputError, SinkmapError

NAMES = ["杉木", "马尾松", "湘江"]
LON0, LAT0 = 112.9, 28.1


@dataclass
class Case:
    """A corpus file and what reading it must give."""

    path: Path
    kwargs: dict[str, Any] = field(default_factory=dict)
    error: type[SinkmapError] | None = None
    must_contain: tuple[str, ...] = ()


def _squares(n: int = 3) -> list[Polygon]:
    return [box(LON0 + 0.02 * i, LAT0, LON0 + 0.02 * i + 0.01, LAT0 + 0.01) for i in range(n)]


def _frame(crs: str | None = "EPSG:4490") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"树种": NAMES, "XJ": [10.5, 20.0, 30.25]}, geometry=_squares(), crs=crs)


def _shp(folder: Path, name: str, gdf: gpd.GeoDataFrame, encoding: str = "UTF-8") -> Path:
    path = folder / f"{name}.shp"
    pyogrio.write_dataframe(gdf, path, encoding=encoding)
    return path


def missing_prj(folder: Path) -> Case:
    path = _shp(folder, "missing_prj", _frame())
    path.with_suffix(".prj").unlink()
    return Case(path, error=CRSError, must_contain=("no .prj", "--crs EPSG:4490", "CRS box"))


def garbage_prj(folder: Path) -> Case:
    path = _shp(folder, "garbage_prj", _frame())
    path.with_suffix(".prj").write_text("this is not a projection", encoding="ascii")
    return Case(path, error=CRSError, must_contain=(".prj", "could not be understood", "--crs"))


def unparseable_prj(folder: Path) -> Case:
    path = _shp(folder, "unparseable_prj", _frame())
    path.with_suffix(".prj").write_text('PROJCS["nonsense",GEOGCS["nothing"]]', encoding="ascii")
    return Case(path, error=CRSError, must_contain=("could not be understood", "--crs"))


def _zero_ldid(path: Path) -> None:
    dbf = path.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    data[29] = 0x00
    dbf.write_bytes(bytes(data))


def gbk_no_cpg(folder: Path) -> Case:
    """GBK attributes, no .cpg and no language-driver byte: only the bytes tell."""
    path = _shp(folder, "gbk_no_cpg", _frame(), encoding="GBK")
    path.with_suffix(".cpg").unlink()
    _zero_ldid(path)
    return Case(path)


def gbk_ldid_936(folder: Path) -> Case:
    """GBK attributes, no .cpg, LDID 0x4D (code page 936) in the .dbf header."""
    path = _shp(folder, "gbk_ldid", _frame(), encoding="GBK")
    path.with_suffix(".cpg").unlink()
    dbf = path.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    data[29] = 0x4D
    dbf.write_bytes(bytes(data))
    return Case(path)


def gbk_wrong_cpg(folder: Path) -> Case:
    path = _shp(folder, "gbk_wrong_cpg", _frame(), encoding="GBK")
    path.with_suffix(".cpg").write_text("UTF-8", encoding="ascii")
    return Case(path, error=InputError,
                must_contain=(".cpg", "UTF-8", "GBK", "--encoding GBK", "Encoding box"))


def utf8_with_gbk_cpg(folder: Path) -> Case:
    """UTF-8 attributes with a .cpg saying GBK: GB18030 would 'decode' them into 鏉夋湪 silently."""
    path = _shp(folder, "utf8_gbk_cpg", _frame(), encoding="UTF-8")
    path.with_suffix(".cpg").write_text("GBK", encoding="ascii")
    return Case(path, error=InputError, must_contain=("'GBK'", "look like UTF-8", "杉木", "--encoding UTF-8"))


BOWTIE = Polygon([(LON0, LAT0), (LON0 + 0.01, LAT0 + 0.01), (LON0 + 0.01, LAT0), (LON0, LAT0 + 0.01)])
#: a ring whose last edges cross its first one
SELF_CROSSING = Polygon([(LON0 + 0.02, LAT0), (LON0 + 0.04, LAT0), (LON0 + 0.04, LAT0 + 0.02),
                         (LON0 + 0.03, LAT0 - 0.01), (LON0 + 0.02, LAT0 + 0.02)])
#: a polygon with no area at all (all vertices on one parallel): nothing survives repair
COLLAPSED = Polygon([(LON0 + 0.05, LAT0), (LON0 + 0.06, LAT0), (LON0 + 0.07, LAT0)])
VALID = box(LON0 + 0.08, LAT0, LON0 + 0.09, LAT0 + 0.01)


def invalid_geometries(folder: Path) -> Case:
    gdf = gpd.GeoDataFrame({"name": ["bowtie", "crossing", "collapsed", "valid"]},
                           geometry=[BOWTIE, SELF_CROSSING, COLLAPSED, VALID], crs="EPSG:4490")
    path = folder / "invalid.gpkg"
    pyogrio.write_dataframe(gdf, path, layer="stands")
    return Case(path)


def empty_layer(folder: Path) -> Case:
    path = folder / "empty.gpkg"
    pyogrio.write_dataframe(_frame().iloc[:0], path, layer="forest")
    return Case(path, error=InputError, must_contain=("'forest'", "no features"))


def two_layers(folder: Path) -> Case:
    path = folder / "two_layers.gpkg"
    pyogrio.write_dataframe(_frame(), path, layer="forest")
    pyogrio.write_dataframe(_frame(), path, layer="wetland")
    return Case(path, error=InputError, must_contain=("'forest'", "'wetland'", "--forest-layer"))


def projected_pair(folder: Path) -> tuple[Path, Path, Polygon]:
    """The same ~10 km polygon in lon/lat (EPSG:4490) and in CGCS2000 3° GK CM 114°E (EPSG:4547).

    The outline has a vertex every 0.002° so straight edges in either CRS differ by millimetres.
    """
    steps = 50
    d = 0.1 / steps
    ring = ([(LON0 + i * d, LAT0) for i in range(steps)] + [(LON0 + 0.1, LAT0 + i * d) for i in range(steps)]
            + [(LON0 + 0.1 - i * d, LAT0 + 0.1) for i in range(steps)]
            + [(LON0, LAT0 + 0.1 - i * d) for i in range(steps)])
    lonlat = Polygon(ring)
    fwd = Transformer.from_crs("EPSG:4490", "EPSG:4547", always_xy=True)
    xs, ys = fwd.transform([p[0] for p in ring], [p[1] for p in ring])
    projected = Polygon(list(zip(xs, ys)))
    a = folder / "stand_lonlat.gpkg"
    b = folder / "stand_gk114.gpkg"
    pyogrio.write_dataframe(gpd.GeoDataFrame({"id": [1]}, geometry=[lonlat], crs="EPSG:4490"), a)
    pyogrio.write_dataframe(gpd.GeoDataFrame({"id": [1]}, geometry=[projected], crs="EPSG:4547"), b)
    return a, b, lonlat


def _gk_prefixed_frame(crs: str) -> gpd.GeoDataFrame:
    """Gauss–Krüger zone-38 metres (easting with the '38' prefix) labelled as ``crs``."""
    fwd = Transformer.from_crs("EPSG:4490", "EPSG:4526", always_xy=True)
    geoms = []
    for sq in _squares():
        xs, ys = fwd.transform(*sq.exterior.coords.xy)
        geoms.append(Polygon(list(zip(xs, ys))))
    return gpd.GeoDataFrame({"name": NAMES}, geometry=geoms, crs=crs)


def metres_labelled_degrees(folder: Path) -> Case:
    """Declared EPSG:4490 but the numbers are 38,4xx,xxx / 3,1xx,xxx Gauss–Krüger metres."""
    path = _shp(folder, "metres_as_degrees", _gk_prefixed_frame("EPSG:4490"))
    return Case(path, error=CRSError, must_contain=("not degrees", "zone number 38", "EPSG:4526"))


def prefix_missing_from_crs(folder: Path) -> Case:
    """Declared EPSG:4547 (no zone prefix) but the eastings carry the '38' prefix."""
    path = folder / "prefix_mismatch.gpkg"
    pyogrio.write_dataframe(_gk_prefixed_frame("EPSG:4547"), path)
    return Case(path, error=CRSError, must_contain=("do not fit", "EPSG:4526"))


def degrees_labelled_metres(folder: Path) -> Case:
    path = folder / "degrees_as_metres.gpkg"
    pyogrio.write_dataframe(_frame("EPSG:4547"), path)
    return Case(path, error=CRSError, must_contain=("look like degrees", "EPSG:4490"))


def truncated_gpkg(folder: Path) -> Case:
    whole = folder / "whole.gpkg"
    pyogrio.write_dataframe(_frame(), whole)
    data = whole.read_bytes()
    path = folder / "truncated.gpkg"
    path.write_bytes(data[: len(data) // 3])
    return Case(path, error=InputError, must_contain=("damaged", "copy it again"))


def truncated_shp(folder: Path) -> Case:
    path = _shp(folder, "truncated", _frame())
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return Case(path, error=InputError, must_contain=("truncated", "copy the Shapefile again"))


def missing_dbf(folder: Path) -> Case:
    path = _shp(folder, "no_dbf", _frame())
    path.with_suffix(".dbf").unlink()
    return Case(path, error=InputError, must_contain=(".dbf", "missing", "copy all files"))


def does_not_exist(folder: Path) -> Case:
    return Case(folder / "nowhere" / "forest.gpkg", error=InputError,
                must_contain=("does not exist", "check the folder"))


def text_as_shp(folder: Path) -> Case:
    path = folder / "notes.shp"
    path.write_text("小班号,树种\n1,杉木\n", encoding="utf-8")
    return Case(path, error=InputError, must_contain=("not a Shapefile", "looks like text"))


def text_as_gpkg(folder: Path) -> Case:
    path = folder / "notes.gpkg"
    path.write_text("this was a web page, not a GeoPackage\n" * 5, encoding="utf-8")
    return Case(path, error=InputError, must_contain=("not a vector file", "GeoPackage"))


def unknown_user_crs(folder: Path) -> Case:
    path = _shp(folder, "user_crs", _frame())
    path.with_suffix(".prj").unlink()
    return Case(path, kwargs={"crs": "EPSG:99999999"}, error=CRSError,
                must_contain=("EPSG:99999999", "not understood", "EPSG:4490"))


def unknown_user_encoding(folder: Path) -> Case:
    path = _shp(folder, "user_enc", _frame())
    return Case(path, kwargs={"encoding": "klingon"}, error=InputError,
                must_contain=("klingon", "GBK"))


def wrong_layer_name(folder: Path) -> Case:
    path = folder / "named.gpkg"
    pyogrio.write_dataframe(_frame(), path, layer="forest")
    return Case(path, kwargs={"layer": "wetlands"}, error=InputError,
                must_contain=("'wetlands'", "'forest'"))


def folder_as_gpkg(folder: Path) -> Case:
    """A folder named like a GeoPackage: not "damaged", not "re-download" — a folder."""
    path = folder / "forest.gpkg"
    path.mkdir()
    return Case(path, error=InputError, must_contain=("folder", "data file inside it"))


def empty_gpkg(folder: Path) -> Case:
    path = folder / "empty_file.gpkg"
    path.write_bytes(b"")
    return Case(path, error=InputError, must_contain=("empty", "0 bytes"))


def fifo_gpkg(folder: Path) -> Case:
    """A named pipe: reading it would block forever; refused before GDAL opens it."""
    import os

    path = folder / "pipe.gpkg"
    os.mkfifo(path)
    return Case(path, error=InputError, must_contain=("not a regular file", "data file on disk"))


def gcj02_projected(folder: Path) -> Case:
    """GCJ-02 asked for, but the layer is in projected metres: GCJ-02 is always lon/lat."""
    path = folder / "gk.gpkg"
    pyogrio.write_dataframe(_gk_prefixed_frame("EPSG:4526"), path)
    return Case(path, kwargs={"crs": "GCJ-02"}, error=CRSError, must_contain=("GCJ-02", "longitude/latitude"))


#: The failing cases, by name (each must raise a SinkmapError with the listed words).
ERROR_CASES: dict[str, Callable[[Path], Case]] = {
    f.__name__: f for f in (missing_prj, garbage_prj, unparseable_prj, gbk_wrong_cpg, utf8_with_gbk_cpg,
                            empty_layer, two_layers, metres_labelled_degrees, prefix_missing_from_crs,
                            degrees_labelled_metres, truncated_gpkg, truncated_shp, missing_dbf,
                            does_not_exist, text_as_shp, text_as_gpkg, unknown_user_crs,
                            unknown_user_encoding, wrong_layer_name, folder_as_gpkg, empty_gpkg, fifo_gpkg,
                            gcj02_projected)
}


def build_all(folder: Path) -> dict[str, Case]:
    """Write every error case into ``folder`` (one sub-folder each) and return them by name."""
    out = {}
    for name, builder in ERROR_CASES.items():
        sub = folder / name
        sub.mkdir(parents=True, exist_ok=True)
        out[name] = builder(sub)
    return out


if __name__ == "__main__":  # pragma: no cover - manual inspection
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "bad_inputs_corpus")
    for name, case in build_all(target).items():
        print(f"{name:28s} {case.path}")
