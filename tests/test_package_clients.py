"""The field package checked by the real clients: QGIS opens the project, GDAL reads KMZ, GPX and Shapefiles back.

* QGIS: Debian ``python3-qgis`` run by the system Python (``/usr/bin/python3``, not the venv) in a
  subprocess (tests/clients/qgis_open.py), on a copy of the unzipped folder moved away from where it was
  made: every layer valid, CRS as written, feature counts equal to the GeoPackage's, renderer types as the
  app's styles, layer order and check state as the app's, the map themes; renders to PNG.
* GDAL: Debian ``gdal-bin``'s ``ogr2ogr`` (GDAL 3.6, not the pyogrio wheel that wrote the files) converts each
  layer to GeoJSON: same counts, coordinates within 1e-6° of the GeoPackage (the Shapefiles after
  projecting back from their Gauss–Krüger zone), Chinese attributes intact, hostile values as text. The
  GCJ-02 KMZ, brought back by ``eviltransform``'s exact inverse (an independent implementation), lies
  within 0.5 m of the GeoPackage.

Skipped, saying why, when a client is not installed (a bare clone); CI installs both.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
from functools import cache
from pathlib import Path

import numpy as np
import pytest

import package_fixtures as pf

SYSTEM_PYTHON = "/usr/bin/python3"
QGIS_SCRIPT = Path(__file__).parent / "clients" / "qgis_open.py"


@cache
def _qgis_missing() -> str | None:
    if not Path(SYSTEM_PYTHON).exists():
        return f"{SYSTEM_PYTHON} not found (QGIS's Python bindings need the system Python)"
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True, text=True,
                           env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    if probe.returncode != 0:
        return "QGIS's Python bindings are not installed (Debian package python3-qgis); CI installs them"
    return None


def _gdal_missing() -> str | None:
    return None if shutil.which("ogr2ogr") else "ogr2ogr not found (Debian package gdal-bin); CI installs it"


needs_qgis = pytest.mark.skipif("_qgis_missing() is not None", reason="python3-qgis not installed")
needs_gdal = pytest.mark.skipif(_gdal_missing() is not None, reason=str(_gdal_missing()))


@pytest.fixture(scope="module")
def demo():
    return pf.demo_package()


@pytest.fixture(scope="module")
def proj():
    return pf.project_package()


def _font() -> str | None:
    try:
        import noto_cjk_sans_otc

        found = sorted(Path(noto_cjk_sans_otc.__file__).parent.glob("*.tt[cf]"))
        return str(found[0]) if found else None
    except ImportError:
        return None


def open_in_qgis(built, png: Path) -> dict:
    reason = _qgis_missing()
    if reason:
        pytest.skip(reason)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("PYTHONPATH", None)
    if _font():
        env["SINKMAP_TEST_FONT"] = _font()
    qgs = built.folder / f"{built.folder.name}.qgs"
    gpkg = built.folder / "data" / "layers.gpkg"
    done = subprocess.run([SYSTEM_PYTHON, str(QGIS_SCRIPT), str(qgs), str(png), str(gpkg)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


RENDERERS = {"single": "singleSymbol", "categorised": "categorizedSymbol", "graduated": "graduatedSymbol"}


def _expected_renderer(entry: dict) -> str:
    if entry["kind"] == "vector":
        return RENDERERS[entry["style"]]
    if entry["role"] == "basemap":
        return "multibandcolor"
    if entry["role"] == "hillshade":
        return "singlebandgray"
    return "paletted" if entry["style"] == "classes" else "singlebandpseudocolor"


@needs_qgis
@pytest.mark.parametrize("which", ["demo", "proj"])
def test_qgis_opens_the_moved_project_as_the_app_shows_it(which, request, tmp_path):
    import pyogrio

    built = request.getfixturevalue(which)
    png = tmp_path / f"{which}.png"
    seen = open_in_qgis(built, png)
    assert seen["read"] and seen["crs"] == "EPSG:4490"
    layers = {entry["id"].removeprefix("sinkmap_"): entry for entry in seen["layers"]}
    in_project = [e for e in built.manifest["layers"] if e["kind"] == "raster" or e.get("features")]
    assert set(layers) == {e["id"] for e in in_project}
    gpkg = built.folder / "data" / "layers.gpkg"
    for entry in in_project:
        got = layers[entry["id"]]
        assert got["valid"], entry["id"]
        assert str(built.folder) in got["source"]  # resolved against the moved folder: relative paths
        assert got["crs"] == entry["crs"], entry["id"]
        assert got["renderer"] == _expected_renderer(entry), entry["id"]
        if entry["kind"] == "vector":
            assert got["count"] == pyogrio.read_info(gpkg, layer=entry["id"])["features"] == entry["features"]
            assert seen["gpkg_styles"][entry["id"]] == got["renderer"]  # the GeoPackage alone draws the same
    # the tree: the app's order (top first) and its check state
    assert [t["id"].removeprefix("sinkmap_") for t in seen["tree"]] == [e["id"] for e in reversed(in_project)]
    assert [t["checked"] for t in seen["tree"]] == [e["visible_in_app"] for e in reversed(in_project)]
    assert sorted(seen["themes"]) == sorted(built.manifest["themes"]) and len(seen["themes"]) == 4
    # QField runs QGIS's core with its file providers: every layer from a file, through ogr or gdal
    assert {got["provider"] for got in layers.values()} <= {"ogr", "gdal"}
    if which == "demo":
        # the offline basemap: GeoPackage raster tiles (RGBA), valid in QGIS, at the bottom, drawing the area
        basemap = layers["basemap"]
        assert basemap["valid"] and basemap["provider"] == "gdal" and basemap["bands"] == 4
        assert basemap["source"].endswith("data/basemap.gpkg") and seen["tree"][-1]["id"] == "sinkmap_basemap"
        import rasterio

        with rasterio.open(seen["basemap_png"][0]) as ds:
            drawn = ds.read()[:3].astype(int)
        coloured = (drawn.max(axis=0) - drawn.min(axis=0)) > 30  # the palette's colours, not white or grey
        assert seen["basemap_png"][1] and coloured.mean() > 0.1
        assert layers["forest"]["attr"] == "DI_LEI" and layers["ledger"]["attr"] == "status"
        assert layers["dem_hillshade"]["blend"] == 13  # QPainter's Multiply: the app's tinted hillshade
        assert layers["ledger"]["labels"] and layers["boundary"]["labels"]
    else:
        assert layers["forest"]["attr"] == "MEI_GQ_XJ" and layers["forest"]["classes"] == 4
        assert layers["CON_evil"]["labels"]
    import rasterio  # GDAL reads PNG: no imaging library needed

    with rasterio.open(png) as ds:
        img = ds.read()[:3].astype(float)  # (3, rows, cols)
    assert img.std() > 20 and (img != 255).any(axis=0).mean() > 0.2  # a drawn map, not a blank page
    if os.environ.get("SINKMAP_TEST_PNG_DIR"):  # to look at the renders
        shutil.copy(png, Path(os.environ["SINKMAP_TEST_PNG_DIR"]) / png.name)


# -- GDAL --------------------------------------------------------------------------------------------------

def ogr_features(src: Path, layer: str, *extra: str) -> list[dict]:
    reason = _gdal_missing()
    if reason:
        pytest.skip(reason)
    done = subprocess.run(["ogr2ogr", "-f", "GeoJSON", "/vsistdout/", str(src), layer, "-lco", "RFC7946=NO",
                           "-lco", "COORDINATE_PRECISION=12", *extra], capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")[-2000:]
    return json.loads(done.stdout.decode("utf-8"))["features"]


def _coords(features: list[dict]) -> list[np.ndarray]:
    import shapely.geometry

    return [shapely.get_coordinates(shapely.geometry.shape(f["geometry"])) for f in features]


def _gpkg(built, layer: str):
    import geopandas as gpd

    return gpd.read_file(built.folder / "data" / "layers.gpkg", layer=layer)


def _gpkg_coords(frame) -> list[np.ndarray]:
    import shapely

    return [shapely.get_coordinates(g) for g in frame.geometry.values]


def _missing(v) -> bool:
    return v is None or v == "" or (isinstance(v, float) and math.isnan(v))


def _same_text(a, b) -> bool:
    """The GeoPackage's value ``a`` read back as ``b``: KML and dBASE keep no difference between an empty text
    and a missing value, so those two are the same here."""
    if _missing(a):
        return _missing(b)
    if isinstance(a, (int, float)) and not isinstance(a, bool):
        return b is not None and float(b) == pytest.approx(float(a), rel=1e-12, abs=1e-12)
    return str(a) == b


@needs_gdal
def test_gdal_reads_the_kmz_back(demo):
    kmz = demo.folder / "kmz" / "layers_wgs84.kmz"
    for entry in demo.manifest["layers"]:
        if entry["kind"] != "vector" or not entry.get("features"):
            continue
        got = ogr_features(kmz, entry["name"])
        frame = _gpkg(demo, entry["id"])
        assert len(got) == len(frame) == entry["features"], entry["id"]
        for a, b in zip(_gpkg_coords(frame), _coords(got)):
            assert a.shape == b.shape and np.abs(a - b).max() <= 1e-6, entry["id"]
        for col in frame.columns:
            if col == "geometry":
                continue
            key = "Name" if col.lower() == "name" else col  # GDAL's own field for the placemark's <name>
            for value, feat in zip(frame[col], got):
                assert _same_text(value, feat["properties"].get(key)), (entry["id"], col, value)
    forest = ogr_features(kmz, "森林资源小班（演示）")
    assert {f["properties"]["SJLY"] for f in forest} == {"演示数据（合成）synthetic demo"}


def _metres(lon_a, lat_a, lon_b, lat_b) -> np.ndarray:
    lat = np.radians((lat_a + lat_b) / 2)
    return np.hypot((lon_a - lon_b) * 111_320.0 * np.cos(lat), (lat_a - lat_b) * 110_574.0)


@needs_gdal
def test_gcj02_kmz_comes_back_within_half_a_metre_by_an_independent_inverse(demo):
    import eviltransform

    kmz = demo.folder / "kmz" / "layers_GCJ02_AMap_only.kmz"
    checked = 0
    for layer in ("forest", "roads", "substations", "boundary"):
        entry = pf.layer_entry(demo, id=layer)
        got = ogr_features(kmz, entry["name"])
        for a, b in zip(_gpkg_coords(_gpkg(demo, layer)), _coords(got)):
            back = np.array([eviltransform.gcj2wgs_exact(lat, lon)[::-1] for lon, lat in b[:, :2]])
            shift = _metres(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
            assert shift.min() > 100  # really GCJ-02: hundreds of metres off
            assert _metres(a[:, 0], a[:, 1], back[:, 0], back[:, 1]).max() < 0.5
            checked += len(a)
    assert checked > 100


@needs_gdal
def test_gdal_reads_the_gpx_back(demo):
    gpx = demo.folder / "gpx" / "waypoints_wgs84.gpx"
    got = ogr_features(gpx, "waypoints")
    assert len(got) == demo.manifest["waypoints"]
    subs = _gpkg(demo, "substations")
    by_name = {f["properties"]["name"]: f for f in got}
    for name, geom in zip(subs["BDZMC"], subs.geometry):
        f = by_name[name]
        assert "变电站" in name and "变电站" in f["properties"]["type"]
        assert abs(f["geometry"]["coordinates"][0] - geom.x) <= 1e-6
        assert abs(f["geometry"]["coordinates"][1] - geom.y) <= 1e-6
    unit = by_name["芙蓉区"]  # the ledger unit's point inside its polygon
    import shapely

    assert shapely.Point(unit["geometry"]["coordinates"]).within(pf.county_geometry())


@needs_gdal
@pytest.mark.parametrize("which", ["demo", "proj"])
def test_gdal_reads_the_gbk_shapefiles_back(which, request):
    built = request.getfixturevalue(which)
    shp = built.folder / "shp"
    names = built.manifest["shapefile_fields"]
    for entry in built.manifest["layers"]:
        if entry["kind"] != "vector" or not entry.get("features"):
            continue
        path = shp / f"{entry['id']}.shp"
        assert (shp / f"{entry['id']}.cpg").read_text() == "GBK"
        got = ogr_features(path, entry["id"], "-t_srs", "EPSG:4490")
        frame = _gpkg(built, entry["id"])
        assert len(got) == len(frame), entry["id"]
        for a, b in zip(_gpkg_coords(frame), _coords(got)):
            assert np.abs(a - b).max() <= 1e-6, entry["id"]
        for col, short in names[entry["id"]].items():
            for value, feat in zip(frame[col], got):
                shp_value = feat["properties"].get(short)
                if isinstance(value, str) and "𠀀" in value:
                    assert shp_value == value.replace("𠀀", "&#x20000;")
                    continue
                if isinstance(value, str) and len(value.encode("gbk")) > 254:
                    continue
                assert _same_text(value, shp_value), (entry["id"], col, value, shp_value)


@needs_gdal
def test_gdal_reads_hostile_values_as_text(proj):
    entry = pf.layer_entry(proj, id="CON_evil")
    got = ogr_features(proj.folder / "kmz" / "layers_wgs84.kmz", entry["name"])
    expected = [v.replace("\x01", "\N{REPLACEMENT CHARACTER}") for v in pf.HOSTILE_VALUES]
    assert [f["properties"]["Name"] for f in got] == expected
    assert [f["properties"]["名称"] for f in got] == expected
    assert all("<script" not in f["properties"]["description"] for f in got)
    gpx = ogr_features(proj.folder / "gpx" / "waypoints_wgs84.gpx", "waypoints")
    assert set(expected) <= {f["properties"]["name"] for f in gpx}
