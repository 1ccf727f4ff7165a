"""The bad-input corpus (tests/bad_inputs/make_corpus.py): every broken file gives a SinkmapError that
names the file (and layer where relevant) and says what to do; awkward-but-usable files read right."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import CRS, Geod
from shapely.geometry import MultiPolygon, Polygon

from bad_inputs import make_corpus as corpus
from sinkmap.core.crs import EQUAL_AREA_CRS
from sinkmap.core.errors import SinkmapError
from sinkmap.core.feedback import NullFeedback
from sinkmap.io.encoding import detect_dbf_encoding
from sinkmap.io.vectors import inspect_vector, read_vector

HINT_SEPARATOR = " — "  # SinkmapError puts the "what to do" after this


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bad_inputs")


@pytest.mark.parametrize("name", sorted(corpus.ERROR_CASES))
def test_error_case_names_file_and_says_what_to_do(folder: Path, name: str) -> None:
    sub = folder / name
    sub.mkdir()
    case = corpus.ERROR_CASES[name](sub)
    with pytest.raises(SinkmapError) as info:
        read_vector(case.path, feedback=NullFeedback(), **case.kwargs)
    err = info.value
    text = str(err)
    assert isinstance(err, case.error), f"{name}: {type(err).__name__}: {text}"
    assert str(case.path) in text  # names the file
    assert HINT_SEPARATOR in text and err.hint  # says what to do
    for words in case.must_contain:
        assert words in text, f"{name}: {words!r} not in {text!r}"
    assert "Traceback" not in text and "\n" not in text
    assert len(err.hint) > 20


def test_error_case_names_layer_when_there_is_one(folder: Path) -> None:
    sub = folder / "layer_named"
    sub.mkdir()
    case = corpus.empty_layer(sub)
    with pytest.raises(SinkmapError) as info:
        read_vector(case.path)
    assert info.value.layer == "forest"
    assert info.value.path == str(case.path)


def test_gbk_shapefile_without_cpg_reads_chinese_right(folder: Path) -> None:
    sub = folder / "gbk"
    sub.mkdir()
    case = corpus.gbk_no_cpg(sub)
    assert not case.path.with_suffix(".cpg").exists()
    assert case.path.with_suffix(".dbf").read_bytes()[29] == 0  # no language-driver hint either
    guess = detect_dbf_encoding(case.path)
    assert guess.encoding == "GBK" and guess.source == "content" and guess.confidence >= 0.9
    fb = NullFeedback()
    gdf = read_vector(case.path, feedback=fb)
    assert list(gdf["树种"]) == ["杉木", "马尾松", "湘江"]
    assert list(gdf["XJ"]) == [10.5, 20.0, 30.25]
    assert any("GBK" in w and ".cpg" in w for w in map(str, fb.warnings))  # the user is told it was guessed
    info = inspect_vector(case.path)
    assert "树种" in info.fields and info.encoding is not None and info.encoding.encoding == "GBK"


def test_gbk_ldid_936_raises_confidence(folder: Path) -> None:
    sub = folder / "gbk_ldid"
    sub.mkdir()
    case = corpus.gbk_ldid_936(sub)
    guess = detect_dbf_encoding(case.path)
    assert guess.encoding == "GBK" and "936" in guess.detail
    assert guess.confidence > detect_dbf_encoding(corpus.gbk_no_cpg(sub).path).confidence
    assert list(read_vector(case.path)["树种"]) == ["杉木", "马尾松", "湘江"]


def test_gbk_with_wrong_cpg_reads_once_encoding_given(folder: Path) -> None:
    sub = folder / "wrong_cpg_fixed"
    sub.mkdir()
    case = corpus.gbk_wrong_cpg(sub)
    for enc in ("GBK", "936", "cp936", "GB18030"):
        assert list(read_vector(case.path, encoding=enc)["树种"]) == ["杉木", "马尾松", "湘江"]


def test_invalid_geometries_repaired_and_counted(folder: Path) -> None:
    sub = folder / "invalid"
    sub.mkdir()
    case = corpus.invalid_geometries(sub)
    fb = NullFeedback()
    gdf = read_vector(case.path, feedback=fb)
    # bow-tie and self-crossing ring repaired, the zero-area polygon dropped, the valid one untouched
    assert list(gdf["name"]) == ["bowtie", "crossing", "valid"]
    assert shapely.is_valid(gdf.geometry.values).all()
    (warning,) = [w for w in map(str, fb.warnings) if "invalid" in w]
    assert "3 invalid geometries were repaired" in warning
    assert "1 left nothing usable" in warning
    assert str(case.path) in warning and "'stands'" in warning
    # The bow-tie (0,0)-(1,1)-(1,0)-(0,1) scaled by d=0.01 crosses itself at its centre: the repair is
    # the two triangles left and right of the crossing point, worked out by hand.
    x, y, d = corpus.LON0, corpus.LAT0, 0.01
    c = (x + d / 2, y + d / 2)
    expected = MultiPolygon([Polygon([(x, y), c, (x, y + d)]), Polygon([(x + d, y), c, (x + d, y + d)])])
    assert shapely.equals_exact(shapely.normalize(gdf.geometry.iloc[0]), shapely.normalize(expected), 1e-12)
    assert gdf.geometry.iloc[2].equals(corpus.VALID)


def test_projected_layer_matches_lonlat_layer(folder: Path) -> None:
    sub = folder / "projected"
    sub.mkdir()
    lonlat_path, gk_path, outline = corpus.projected_pair(sub)
    a = read_vector(lonlat_path)
    b = read_vector(gk_path)
    assert a.crs.equals(CRS("EPSG:4490")) and b.crs.equals(CRS("EPSG:4490"))
    ca = np.asarray(a.geometry.iloc[0].exterior.coords)
    cb = np.asarray(b.geometry.iloc[0].exterior.coords)
    assert np.abs(ca - cb).max() < 1e-8  # degrees: about a millimetre
    # Independent expected area: geodesic area on the CGCS2000 (= GRS80 to 0.1 mm) ellipsoid.
    geod = Geod(ellps="GRS80")
    expected, _ = geod.geometry_area_perimeter(outline)
    expected = abs(expected)
    assert 1.0e8 < expected < 1.2e8  # 0.1° x 0.1° at 28°N: ~9.8 km x 11.1 km
    for gdf in (a, b):
        area = float(gdf.to_crs(EQUAL_AREA_CRS).area.iloc[0])
        assert abs(area - expected) / expected < 1e-4


def test_assume_lonlat_reads_missing_prj(folder: Path) -> None:
    sub = folder / "assume"
    sub.mkdir()
    case = corpus.missing_prj(sub)
    fb = NullFeedback()
    gdf = read_vector(case.path, assume_lonlat=True, feedback=fb)
    assert gdf.crs.equals(CRS("EPSG:4490")) and len(gdf) == 3
    assert any("assumed CGCS2000" in w for w in map(str, fb.warnings))
    gdf2 = read_vector(case.path, crs="EPSG:4490")
    assert gdf2.crs.equals(CRS("EPSG:4490"))


def test_unparseable_prj_overridden_by_user_crs(folder: Path) -> None:
    sub = folder / "override"
    sub.mkdir()
    case = corpus.unparseable_prj(sub)
    gdf = read_vector(case.path, crs="EPSG:4490")
    assert list(gdf["树种"]) == ["杉木", "马尾松", "湘江"]
    info = inspect_vector(case.path)  # the import dialog still gets the facts
    assert info.crs is None and info.crs_problem and info.feature_count == 3
    assert set(info.fields) == {"树种", "XJ"}


def test_metres_labelled_degrees_read_with_suggested_crs(folder: Path) -> None:
    sub = folder / "suggested"
    sub.mkdir()
    case = corpus.metres_labelled_degrees(sub)
    fb = NullFeedback()
    gdf = read_vector(case.path, crs="EPSG:4526", feedback=fb)
    # back where the squares were drawn, to well under a metre
    expected = np.array(corpus._squares()[0].bounds)
    assert np.abs(np.array(gdf.geometry.iloc[0].bounds) - expected).max() < 1e-7
    assert any("using" in w and "as you asked" in w for w in map(str, fb.warnings))
