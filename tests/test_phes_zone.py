"""``site phes --zone FILE``: the search limited to a polygon (the app's drawn area), on test_phes's valleys.

The DEM holds two straight valleys (upper floor 600 m at the dam row, lower 100 m; test_phes explains them). A
zone over the upper valley keeps the pair (its upper reservoir lies in the zone); a zone over the lower valley
leaves no upper reservoir with anything 100 m below it, so no pair — and the job says why.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely

from sinkmap.core.errors import InputError
from test_phes import CELL, COLS, CRS, LO_COL, ROWS, UP_COL, origin, transform, valleys


@pytest.fixture(scope="module")
def zone_world(tmp_path_factory):
    import geopandas as gpd
    import rasterio
    from shapely.geometry import Point, box

    d = tmp_path_factory.mktemp("phes_zone")
    x0, y0 = origin()
    prof = dict(driver="GTiff", width=COLS, height=ROWS, count=1, dtype="float32", transform=transform(x0, y0),
                nodata=-9999.0)
    with rasterio.open(d / "dem.tif", "w", crs=CRS, **prof) as ds:
        ds.write(valleys().astype(np.float32), 1)

    def strip(col):
        return box(x0 + (col - 5) * CELL, y0 - ROWS * CELL, x0 + (col + 5) * CELL, y0)
    gpd.GeoDataFrame({"name": ["上谷"]}, geometry=[strip(UP_COL)], crs=CRS).to_file(d / "up.gpkg")
    gpd.GeoDataFrame({"name": ["下谷"]}, geometry=[strip(LO_COL)], crs=CRS).to_file(d / "lo.gpkg")
    gpd.GeoDataFrame({"name": ["点"]}, geometry=[Point(x0 + 300, y0 - 300)], crs=CRS).to_file(d / "points.gpkg")
    gpd.GeoDataFrame({"name": ["远"]}, geometry=[box(x0, y0 + 500_000, x0 + 3000, y0 + 503_000)],
                     crs=CRS).to_file(d / "far.gpkg")
    return d


def _run(capsys, *argv):
    from sinkmap.cli import main

    code = main(["site.phes", *argv, "--json"])
    return code, capsys.readouterr()


def test_zone_over_the_upper_valley_keeps_the_pair_inside_it(zone_world, capsys, tmp_path):
    import geopandas as gpd

    out = tmp_path / "up_pairs.gpkg"
    code, o = _run(capsys, "--zone", str(zone_world / "up.gpkg"), "--dem", str(zone_world / "dem.tif"),
                   "--energy-gwh", "2", "--hours", "6", "--out", str(out))
    assert code == 0, o.err
    rep = json.loads(o.out)
    assert rep["unit"] == "上谷" and rep["pairs"]
    zone = gpd.read_file(zone_world / "up.gpkg").to_crs("EPSG:4490").geometry.iloc[0]
    for p in rep["pairs"]:
        assert zone.contains(shapely.Point(p["upper_lon"], p["upper_lat"]))  # the dam of every upper reservoir
        assert not zone.contains(shapely.Point(p["lower_lon"], p["lower_lat"]))  # the lower one: the other valley
        assert p["head_m"] >= 100
    upper = gpd.read_file(out, layer="upper")
    assert len(upper) == len(rep["pairs"]) == len(gpd.read_file(out, layer="pairs"))
    assert upper.geometry.is_valid.all() and gpd.read_file(out, layer="lower").geometry.is_valid.all()
    assert list(gpd.read_file(out, layer="pairs")["label"])[0] == f"#1 {rep['pairs'][0]['cost_class']} · 2 GWh"


def test_zone_over_the_lower_valley_finds_no_pair_and_says_why(zone_world, capsys, tmp_path):
    code, o = _run(capsys, "--zone", str(zone_world / "lo.gpkg"), "--dem", str(zone_world / "dem.tif"),
                   "--energy-gwh", "2", "--hours", "6", "--out", str(tmp_path / "lo.gpkg"))
    assert code == 0, o.err
    rep = json.loads(o.out)
    assert rep["pairs"] == [] and rep["unit"] == "下谷"
    assert "analysis.phes.no_pairs" in [w["code"] for w in rep["warnings"]]


@pytest.mark.parametrize("zone, extra, code", [
    ("points.gpkg", [], "jobs.phes.zone_no_polygon"),
    ("up.gpkg", ["--county", "苏仙区"], "jobs.phes.zone_and_county"),
    ("far.gpkg", [], "analysis.phes.dem_no_coverage"),
])
def test_bad_zone_is_a_coded_message_and_writes_nothing(zone_world, tmp_path, zone, extra, code):
    from sinkmap.jobs.base import run_job
    from sinkmap.jobs.registry import get

    job = get("site.phes")
    raw = {"energy_gwh": 2, "hours": 6, "zone": str(zone_world / zone), "dem": str(zone_world / "dem.tif"),
           "out": str(tmp_path / "o.gpkg")}
    for flag, value in zip(extra[::2], extra[1::2]):
        raw[flag[2:]] = value
    with pytest.raises(InputError) as e:
        run_job(job, job.make_request(raw))
    assert e.value.code == code
    assert "Traceback" not in e.value.render("zh_CN") and e.value.render("zh_CN") != e.value.render("en")
    assert not (tmp_path / "o.gpkg").exists()
