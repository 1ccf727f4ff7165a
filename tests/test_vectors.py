"""sinkmap.io.vectors / encoding / atomic / vector_checks: formats round-trip, encodings are detected
from hand-made .dbf bytes, CRS guesses are checked against PROJ, and writes are atomic."""

from __future__ import annotations

import json
import os
import struct
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
from pyproj import CRS
from shapely.geometry import box

from sinkmap.core.errors import Cancelled, CRSError, InputError
from sinkmap.core.feedback import NullFeedback
from sinkmap.io.atomic import atomic_output_path, atomic_write
from sinkmap.io.encoding import detect_dbf_encoding, normalise_encoding, reading_codec
from sinkmap.io.vector_checks import check_crs_fits, gk_zone_epsg, guess_crs_from_bounds
from sinkmap.io.vectors import inspect_vector, list_layers, read_vector, write_vector

NAMES = ["杉木", "马尾松", "湘江"]


def _frame(crs: str = "EPSG:4490") -> gpd.GeoDataFrame:
    geoms = [box(112.9 + 0.02 * i, 28.1, 112.91 + 0.02 * i, 28.11) for i in range(3)]
    return gpd.GeoDataFrame({"树种": NAMES, "XJ": [10.5, 20.0, 30.25]}, geometry=geoms, crs=crs)


# -- round trips --------------------------------------------------------------------------------

@pytest.mark.parametrize("ext", [".gpkg", ".geojson", ".shp", ".fgb", ".kml"])
def test_write_then_read_round_trip(tmp_path: Path, ext: str) -> None:
    path = tmp_path / f"stands{ext}"
    write_vector(_frame(), path)
    gdf = read_vector(path)
    assert gdf.crs.equals(CRS("EPSG:4490"))
    if ext == ".fgb":  # FlatGeobuf stores features in spatial-index (Hilbert) order
        gdf = gdf.sort_values("XJ")
    assert list(gdf["树种"]) == NAMES
    assert np.allclose(gdf.total_bounds, [112.9, 28.1, 112.95, 28.11], atol=1e-9)
    assert [float(v) for v in gdf["XJ"]] == [10.5, 20.0, 30.25]


def test_shapefile_gets_utf8_cpg(tmp_path: Path) -> None:
    path = write_vector(_frame(), tmp_path / "stands.shp")
    assert path.with_suffix(".cpg").read_text() == "UTF-8"
    assert "杉木".encode("utf-8") in path.with_suffix(".dbf").read_bytes()


def test_geojson_is_lonlat_even_from_projected(tmp_path: Path) -> None:
    path = tmp_path / "stands.geojson"
    write_vector(_frame().to_crs("EPSG:4547"), path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    lon, lat = doc["features"][0]["geometry"]["coordinates"][0][0]
    assert 112.89 < lon < 112.96 and 28.09 < lat < 28.12  # longitude first


def test_kmz_is_read(tmp_path: Path) -> None:
    kmz = tmp_path / "field.kmz"
    pyogrio.write_dataframe(_frame().to_crs("EPSG:4326"), kmz, driver="LIBKML")
    assert zipfile.is_zipfile(kmz)
    gdf = read_vector(kmz)
    assert list(gdf["树种"]) == NAMES and gdf.crs.equals(CRS("EPSG:4490"))
    assert np.allclose(gdf.total_bounds, [112.9, 28.1, 112.95, 28.11], atol=1e-9)


def test_gpkg_layer_replaced_others_kept(tmp_path: Path) -> None:
    path = tmp_path / "project.gpkg"
    write_vector(_frame(), path, layer="forest")
    write_vector(_frame().iloc[:1], path, layer="wetland")
    write_vector(_frame().iloc[:2], path, layer="forest")
    assert sorted(list_layers(path)) == ["forest", "wetland"]
    assert len(read_vector(path, layer="forest")) == 2
    assert len(read_vector(path, layer="WETLAND")) == 1  # case-insensitive when unambiguous


def test_write_unknown_extension(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        write_vector(_frame(), tmp_path / "stands.dxf")
    assert ".gpkg" in str(info.value) and ".shp" in str(info.value) and "stands.dxf" in str(info.value)


@pytest.mark.parametrize("ext", [".gpkg", ".shp"])
def test_failed_write_leaves_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ext: str) -> None:
    path = tmp_path / f"stands{ext}"
    write_vector(_frame(), path, layer="forest")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    real = pyogrio.write_dataframe

    def write_then_fail(df, out, **kwargs):  # type: ignore[no-untyped-def]
        real(df.iloc[:1], out, **kwargs)  # a partial file exists, then GDAL fails (disk full...)
        raise pyogrio.errors.DataSourceError("simulated failure half way")

    monkeypatch.setattr("sinkmap.io.vectors.pyogrio.write_dataframe", write_then_fail)
    with pytest.raises(InputError) as info:
        write_vector(_frame(), path, layer="forest")
    assert "simulated failure" in str(info.value) and str(path) in str(info.value)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_inspect_vector(tmp_path: Path) -> None:
    path = tmp_path / "two.gpkg"
    write_vector(_frame(), path, layer="forest")
    write_vector(_frame("EPSG:4490").to_crs("EPSG:4547"), path, layer="gk")
    info = inspect_vector(path)
    assert info.layers == ("forest", "gk") and info.layer == "forest"
    assert info.feature_count == 3 and info.driver == "GPKG" and info.encoding is None
    assert info.fields == {"树种": "object", "XJ": "float64"}
    assert info.bounds is not None and np.allclose(info.bounds, (112.9, 28.1, 112.95, 28.11))
    assert CRS(info.crs).equals(CRS("EPSG:4490"))
    gk = inspect_vector(path, layer="gk")
    assert CRS(gk.crs).to_epsg() == 4547 and gk.bounds[0] > 100_000


def test_cancel_stops_reading(tmp_path: Path) -> None:
    path = write_vector(_frame(), tmp_path / "a.gpkg")
    fb = NullFeedback()
    fb.cancel()
    with pytest.raises(Cancelled):
        read_vector(path, feedback=fb)


def test_progress_reaches_one(tmp_path: Path) -> None:
    path = write_vector(_frame(), tmp_path / "a.gpkg")
    fb = NullFeedback()
    read_vector(path, feedback=fb)
    assert fb.fraction == 1.0


# -- encodings: hand-made .dbf files ------------------------------------------------------------

def _dbf(path: Path, values: list[bytes], width: int = 12, ldid: int = 0) -> Path:
    """A minimal dBase III file with one character field 'NAME' of ``width`` bytes."""
    header_len = 32 + 32 + 1
    record_len = 1 + width
    head = struct.pack("<BBBBIHH", 3, 124, 1, 1, len(values), header_len, record_len)
    head += b"\x00" * 17 + bytes([ldid]) + b"\x00\x00"
    field = b"NAME".ljust(11, b"\x00") + b"C" + b"\x00" * 4 + bytes([width, 0]) + b"\x00" * 14
    body = b"".join(b" " + v[:width].ljust(width, b" ") for v in values)
    path.write_bytes(head + field + b"\x0d" + body + b"\x1a")
    return path


def test_detect_utf8(tmp_path: Path) -> None:
    g = detect_dbf_encoding(_dbf(tmp_path / "u.dbf", [n.encode("utf-8") for n in NAMES]))
    assert g.encoding == "UTF-8" and g.confidence >= 0.95 and g.samples[:3] == tuple(NAMES)


def test_detect_gbk_with_truncated_last_character(tmp_path: Path) -> None:
    # '马尾松湘江' is 10 bytes in GBK; a 9-byte field cuts the last character in half, as writers do.
    values = [n.encode("gbk") for n in NAMES] + ["马尾松湘江".encode("gbk")]
    g = detect_dbf_encoding(_dbf(tmp_path / "g.dbf", values, width=9))
    assert g.encoding == "GBK" and g.confidence >= 0.9
    assert "马尾松湘" in g.samples


def test_ldid_936_is_evidence(tmp_path: Path) -> None:
    values = [n.encode("gbk") for n in NAMES]
    plain = detect_dbf_encoding(_dbf(tmp_path / "a.dbf", values))
    marked = detect_dbf_encoding(_dbf(tmp_path / "b.dbf", values, ldid=0x4D))
    assert marked.encoding == plain.encoding == "GBK"
    assert marked.confidence > plain.confidence and "0x4D" in marked.detail


def test_ascii_only_uses_ldid_or_utf8(tmp_path: Path) -> None:
    assert detect_dbf_encoding(_dbf(tmp_path / "a.dbf", [b"SHAMU"])).encoding == "UTF-8"
    g = detect_dbf_encoding(_dbf(tmp_path / "b.dbf", [b"SHAMU"], ldid=0x4D))
    assert g.encoding == "GBK" and g.source == "ldid" and g.confidence == 1.0


def test_cpg_checked_against_bytes(tmp_path: Path) -> None:
    dbf = _dbf(tmp_path / "c.dbf", [n.encode("gbk") for n in NAMES])
    tmp_path.joinpath("c.cpg").write_text("936")
    g = detect_dbf_encoding(dbf)
    assert (g.encoding, g.source, g.conflict) == ("GBK", "cpg", False)
    tmp_path.joinpath("c.cpg").write_text("UTF-8")
    g = detect_dbf_encoding(dbf)
    assert g.conflict and g.declared == "UTF-8" and g.encoding == "GBK"
    tmp_path.joinpath("c.cpg").write_text("SYSTEM")  # names nothing: content decides
    g = detect_dbf_encoding(dbf)
    assert g.encoding == "GBK" and not g.conflict and "names no particular" in g.detail


def test_cpg_gbk_on_utf8_text_is_a_conflict(tmp_path: Path) -> None:
    # UTF-8 Chinese also decodes as GB18030 (杉木 -> 鏉夋湪), so "decodes" is not enough.
    assert "杉木".encode("utf-8").decode("gb18030") == "鏉夋湪"
    dbf = _dbf(tmp_path / "c.dbf", [n.encode("utf-8") for n in NAMES], width=16)
    tmp_path.joinpath("c.cpg").write_text("GBK")
    g = detect_dbf_encoding(dbf)
    assert g.conflict and g.encoding == "UTF-8" and g.samples[:3] == tuple(NAMES)
    tmp_path.joinpath("c.cpg").write_text("1252")  # a Western code page decodes any byte
    dbf2 = _dbf(tmp_path / "c.dbf", [n.encode("gbk") for n in NAMES])
    g = detect_dbf_encoding(dbf2)
    assert g.conflict and g.encoding == "GBK"


@pytest.mark.parametrize("raw, canonical", [
    ("GBK", "GBK"), ("936", "GBK"), ("CP936", "GBK"), ("gb2312", "GBK"), ("GB18030", "GB18030"),
    ("UTF-8", "UTF-8"), ("utf8", "UTF-8"), ("65001", "UTF-8"), (" UTF-8\r\n", "UTF-8"),
    ("1252", "CP1252"), ("SYSTEM", None), ("klingon", None),
])
def test_normalise_encoding(raw: str, canonical: str | None) -> None:
    assert normalise_encoding(raw) == canonical


def test_reading_codec_reads_gb18030_only_characters() -> None:
    # U+20BB7 𠮷 exists in GB18030 (4 bytes) but not in GBK: a file labelled GBK still reads.
    data = "𠮷".encode("gb18030")
    assert data.decode(reading_codec("GBK")) == "𠮷"


# -- CRS guesses ---------------------------------------------------------------------------------

@pytest.mark.parametrize("zone, width_deg, cm", [(25, 3, 75), (37, 3, 111), (38, 3, 114), (45, 3, 135),
                                                 (13, 6, 75), (19, 6, 111), (23, 6, 135)])
def test_gk_zone_epsg_checked_with_proj(zone: int, width_deg: int, cm: int) -> None:
    code = gk_zone_epsg(zone)
    assert code is not None
    crs = CRS(code)
    # the name says the zone; the false easting carries the zone number (zone x 10^6 + 500 km)
    kind = "3-degree Gauss-Kruger" if width_deg == 3 else "Gauss-Kruger"
    assert crs.name == f"CGCS2000 / {kind} zone {zone}"
    params = {p.name: p.value for p in crs.coordinate_operation.params}
    assert params["False easting"] == zone * 1_000_000 + 500_000
    assert params["Longitude of natural origin"] == cm


def test_gk_zone_out_of_range() -> None:
    assert gk_zone_epsg(24) is None and gk_zone_epsg(46) is None and gk_zone_epsg(12) is None


def test_guess_without_prefix_names_hunan_zones() -> None:
    g = guess_crs_from_bounds(np.array([400_000.0, 3_100_000.0, 420_000.0, 3_120_000.0]))
    assert g.code is None and "EPSG:4546" in g.description and "EPSG:4547" in g.description


def test_geographic_far_from_china_refused() -> None:
    with pytest.raises(CRSError) as info:
        check_crs_fits(np.array([-100.0, 40.0, -99.0, 41.0]), CRS("EPSG:4490"), path="x.gpkg", layer="a")
    assert "outside the area" in str(info.value)


def test_zone_edge_data_accepted() -> None:
    # A county at 111.8°E kept in the 114°E zone (1.3° outside the zone's nominal strip) is fine.
    from pyproj import Transformer
    t = Transformer.from_crs("EPSG:4490", "EPSG:4547", always_xy=True)
    x0, y0 = t.transform(111.8, 27.5)
    x1, y1 = t.transform(112.2, 27.9)
    check_crs_fits(np.array([x0, y0, x1, y1]), CRS("EPSG:4547"), path="x.shp", layer=None)


# -- atomic writes -------------------------------------------------------------------------------

def test_atomic_write_replaces_and_keeps_mode(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("old")
    os.chmod(path, 0o644)
    with atomic_write(path, "w") as f:
        f.write("new 杉木")
    assert path.read_text(encoding="utf-8") == "new 杉木"
    assert (path.stat().st_mode & 0o777) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_atomic_write_failure_keeps_old(tmp_path: Path) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_write(path) as f:
            f.write(b"half")
            raise RuntimeError("boom")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.bin"]


def test_atomic_write_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        with atomic_write(tmp_path / "nope" / "a.csv"):
            pass
    assert "folder does not exist" in str(info.value)


def test_atomic_output_path_shapefile_set(tmp_path: Path) -> None:
    path = tmp_path / "s.shp"
    write_vector(_frame(), path)
    (tmp_path / "s.qix").write_bytes(b"stale index")
    with pytest.raises(RuntimeError):
        with atomic_output_path(path) as tmp:
            pyogrio.write_dataframe(_frame().iloc[:1], tmp)
            raise RuntimeError("cancelled half way")
    assert len(read_vector(path)) == 3 and (tmp_path / "s.qix").exists()
    with atomic_output_path(path) as tmp:
        pyogrio.write_dataframe(_frame().iloc[:1], tmp)
    assert len(read_vector(path)) == 1
    assert not (tmp_path / "s.qix").exists()  # stale sidecar of the old set removed
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".cpg", ".dbf", ".prj", ".shp", ".shx"]


# -- bbox reads ---------------------------------------------------------------------------------

def _bbox_fixture(tmp_path: Path) -> Path:
    """Four features in EPSG:4547 (metres): A inside the box, B crossing its edge, C outside, and D an L-shape
    whose envelope meets the box but whose geometry does not."""
    from shapely.geometry import Polygon

    x, y = 500_000.0, 3_100_000.0
    geoms = [box(x + 100, y + 100, x + 200, y + 200), box(x + 900, y + 900, x + 1500, y + 1500),
             box(x + 3000, y + 3000, x + 3100, y + 3100),
             Polygon([(x + 1100, y - 500), (x + 1600, y - 500), (x + 1600, y + 1600), (x + 1500, y + 1600),
                      (x + 1500, y - 400), (x + 1100, y - 400)])]
    gdf = gpd.GeoDataFrame({"name": ["A", "B", "C", "D"]}, geometry=geoms, crs="EPSG:4547")
    path = tmp_path / "bbox.gpkg"
    gdf.to_file(path)
    return path


def test_bbox_read_returns_exactly_the_features_meeting_the_box(tmp_path: Path) -> None:
    import shapely

    path = _bbox_fixture(tmp_path)
    x, y = 500_000.0, 3_100_000.0
    got = read_vector(path, bbox=(x, y, x + 1000, y + 1000), bbox_crs="EPSG:4547")
    assert sorted(got["name"]) == ["A", "B"]
    assert got.crs.equals(CRS("EPSG:4490"))
    full = read_vector(path)
    assert shapely.equals_exact(got.geometry.array, full.set_index("name").geometry.loc[got["name"]].array, 0).all()
    # the same box given in EPSG:4490 (the default): the file's features meeting it, and only those
    box4490 = gpd.GeoSeries([box(x, y, x + 1000, y + 1000)], crs="EPSG:4547").to_crs("EPSG:4490").total_bounds
    got = read_vector(path, bbox=tuple(box4490))
    expect = full[shapely.intersects(full.geometry.array, box(*box4490))]
    assert sorted(got["name"]) == sorted(expect["name"])
    assert "A" in set(got["name"]) and "C" not in set(got["name"])


def test_bbox_read_meeting_nothing_is_empty_but_an_empty_file_is_refused(tmp_path: Path) -> None:
    path = _bbox_fixture(tmp_path)
    got = read_vector(path, bbox=(0, 0, 10, 10), bbox_crs="EPSG:4547")
    assert len(got) == 0 and got.crs.equals(CRS("EPSG:4490"))
    empty = tmp_path / "empty.gpkg"
    gpd.GeoDataFrame({"name": []}, geometry=[], crs="EPSG:4547").to_file(empty)
    with pytest.raises(InputError):
        read_vector(empty, bbox=(0, 0, 10, 10), bbox_crs="EPSG:4547")


def test_reading_a_geopackage_writes_nothing_beside_it(tmp_path: Path) -> None:
    """pyogrio's GDAL wrote FILE.gpkg.aux.xml beside a GeoPackage with dataset metadata on a read-only open
    (the demo world's package got one on every ledger run): reading must leave the folder as it was."""
    gdf = gpd.GeoDataFrame({"name": ["a"]}, geometry=[box(112.0, 28.0, 112.1, 28.1)], crs="EPSG:4490")
    path = tmp_path / "meta.gpkg"
    pyogrio.write_dataframe(gdf, path, layer="parcels", dataset_metadata={"SOURCE": "bureau"})
    before = sorted(p.name for p in tmp_path.iterdir())
    assert list_layers(path) == ["parcels"]
    back = read_vector(path)
    assert list(back["name"]) == ["a"]
    assert sorted(p.name for p in tmp_path.iterdir()) == before == ["meta.gpkg"]
    # the metadata itself is still read
    assert pyogrio.read_info(path)["dataset_metadata"] == {"SOURCE": "bureau"}
