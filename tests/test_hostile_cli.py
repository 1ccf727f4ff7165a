"""Issue 10: hostile inputs through the ``sinkmap`` command — each gives a message (exit 2, no traceback)
or a warning the user sees, never a silent wrong number."""

from __future__ import annotations

import json

import geopandas as gpd
import pyogrio
import pytest
from pyproj import Geod

from sinkmap.cli import main
from sinkmap.io.boundaries import load_units
from sinkmap.io.gcj02 import frame_cgcs2000_to_gcj02
from sinkmap.io.vectors import read_vector

GEOD = Geod(ellps="GRS80")


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main(["--lang", "en", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def _refused(capsys, *argv, words=()) -> str:
    code, out, err = _run(capsys, *argv)
    assert code == 2, (code, out, err)
    assert "Traceback" not in err and err.startswith("sinkmap: "), err
    for w in words:
        assert w in err, (w, err)
    return err


def _codes(doc) -> list[str]:
    return [w.get("code") for w in doc["warnings"]]


# -- item 3: GCJ-02 ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def yuelu_gcj(tmp_path_factory):
    """The real 岳麓区 boundary converted to GCJ-02, as KML and as GeoJSON without a CRS member."""
    d = tmp_path_factory.mktemp("gcj")
    county = load_units(county="岳麓区")
    gcj = frame_cgcs2000_to_gcj02(county)[["name", "geometry"]].assign(DI_LEI="0111", YU_BI_DU=0.6)
    kml = d / "yuelu_forest.kml"
    pyogrio.write_dataframe(gcj, kml, driver="KML")
    geojson = d / "yuelu_forest.geojson"
    text = gcj.set_crs(None, allow_override=True).to_json()
    geojson.write_text(text, encoding="utf-8")
    assert '"crs"' not in json.loads(text)
    land_ha = abs(GEOD.geometry_area_perimeter(county.geometry.iloc[0])[0]) / 1e4
    return {"kml": kml, "geojson": geojson, "land_ha": land_ha}


@pytest.mark.parametrize("fmt", ["kml", "geojson"])
def test_gcj02_layer_read_as_wgs84_is_warned_about(yuelu_gcj, capsys, fmt):
    code, out, _ = _run(capsys, "ledger", "--county", "岳麓区", "--year", "2025", "--forest", str(yuelu_gcj[fmt]),
                        "--json")
    assert code == 0
    doc = json.loads(out)
    (w,) = [w for w in doc["warnings"] if w.get("code") == "io.vector.looks_gcj02"]
    assert str(yuelu_gcj[fmt]) in w["message"] and "--crs GCJ-02" in w["message"]
    assert doc["units"][0]["forest_area_ha"] < 0.99 * yuelu_gcj["land_ha"]  # the shifted layer loses area


@pytest.mark.parametrize("fmt", ["kml", "geojson"])
def test_gcj02_layer_with_crs_gcj02_is_right(yuelu_gcj, capsys, fmt):
    code, out, err = _run(capsys, "ledger", "--county", "岳麓区", "--year", "2025", "--forest", str(yuelu_gcj[fmt]),
                          "--crs", "GCJ-02", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert "io.vector.looks_gcj02" not in _codes(doc)
    (u,) = doc["units"]
    assert u["forest_area_ha"] == pytest.approx(yuelu_gcj["land_ha"], rel=1e-4)


def test_read_vector_accepts_gcj02_and_cgcs2000_data_is_not_warned(yuelu_gcj, tmp_path):
    from sinkmap.core.feedback import NullFeedback

    for name in ("GCJ-02", "gcj02", "GCJ_02"):
        gdf = read_vector(yuelu_gcj["kml"], crs=name)
        assert str(gdf.crs) == "EPSG:4490"
    right = tmp_path / "yuelu.gpkg"
    load_units(county="岳麓区").to_file(right)
    fb = NullFeedback()
    read_vector(right, feedback=fb)
    assert not [w for w in fb.warnings if getattr(w, "code", "") == "io.vector.looks_gcj02"]
