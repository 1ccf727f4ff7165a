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


# -- item 4: geometry types per role, where outputs go ---------------------------------------------------

@pytest.fixture(scope="module")
def yuelu_layers(tmp_path_factory):
    from shapely.geometry import box

    d = tmp_path_factory.mktemp("roles")
    county = load_units(county="岳麓区").to_crs("EPSG:4547").geometry.iloc[0]
    p = county.representative_point()
    x, y = round(p.x), round(p.y)
    sq = [box(x, y, x + 1000, y + 1000), box(x + 1000, y, x + 2000, y + 1000)]
    attrs = {"DI_LEI": ["0111", "0111"], "YU_BI_DU": [0.6, 0.6]}
    gpd.GeoDataFrame(attrs, geometry=[g.centroid for g in sq], crs="EPSG:4547").to_file(d / "points.gpkg",
                                                                                        layer="stands")
    gpd.GeoDataFrame(attrs, geometry=[g.exterior for g in sq], crs="EPSG:4547").to_file(d / "lines.geojson")
    gpd.GeoDataFrame(attrs, geometry=[sq[0], sq[1].centroid], crs="EPSG:4547").to_file(d / "mixed.gpkg")
    gpd.GeoDataFrame(attrs, geometry=sq, crs="EPSG:4547").to_file(d / "forest.gpkg")
    # area in 亩 (item 7): 1 km² = 100 ha = 1500 亩
    gpd.GeoDataFrame({**attrs, "MIAN_JI": [1500.0, 1500.0]}, geometry=sq, crs="EPSG:4547").to_file(d / "mu.gpkg")
    return d


@pytest.mark.parametrize("flag,name,words", [
    ("--forest", "points.gpkg", ("points.gpkg", "'stands'", "forest layer must hold polygons", "Point ×2")),
    ("--wetland", "lines.geojson", ("lines.geojson", "wetland layer", "LineString ×2")),
    ("--protected", "points.gpkg", ("protected-area layer", "Point")),
    ("--zones", "points.gpkg", ("zones layer", "Point")),
])
def test_point_or_line_layer_for_a_polygon_role_is_refused(yuelu_layers, capsys, flag, name, words):
    units = [] if flag == "--zones" else ["--county", "岳麓区"]
    _refused(capsys, "ledger", *units, "--year", "2025", flag, str(yuelu_layers / name), words=words)


def test_point_layer_message_in_chinese(yuelu_layers, capsys):
    code = main(["--lang", "zh_CN", "ledger", "--county", "岳麓区", "--year", "2025", "--forest",
                 str(yuelu_layers / "points.gpkg")])
    err = capsys.readouterr().err
    assert code == 2 and "森林图层必须是面" in err and "Traceback" not in err


def test_stray_point_in_a_polygon_layer_is_left_out_with_a_warning(yuelu_layers, capsys):
    code, out, _ = _run(capsys, "ledger", "--county", "岳麓区", "--year", "2025", "--forest",
                        str(yuelu_layers / "mixed.gpkg"), "--json")
    assert code == 0
    assert "io.vector.non_polygons_left_out" in _codes(json.loads(out))


@pytest.mark.parametrize("out,words", [
    ("/proc/ledger.csv", ("system folder",)),
    ("/proc/self/ledger.json", ("system folder",)),
    ("/dev/ledger.csv", ("system folder",)),
    ("{tmp}/missing/ledger.xlsx", ("does not exist", "create the folder")),
])
def test_out_in_a_bad_place_is_refused_before_running(yuelu_layers, tmp_path, capsys, out, words):
    out = out.format(tmp=tmp_path)
    _refused(capsys, "ledger", "--county", "岳麓区", "--year", "2025", "--forest", str(yuelu_layers / "forest.gpkg"),
             "--out", out, words=("--out", *words))


def test_out_in_a_read_only_folder_is_refused(yuelu_layers, tmp_path, capsys, monkeypatch):
    import os

    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, *a, **k: False if str(p) == str(tmp_path) else real(p, mode))
    _refused(capsys, "ledger", "--county", "岳麓区", "--year", "2025", "--forest", str(yuelu_layers / "forest.gpkg"),
             "--out", str(tmp_path / "l.csv"), words=("no write permission",))


class _FullDisk:
    """A file opened for writing on a full disk: every write fails with ENOSPC."""

    def __init__(self, fh):
        self._fh = fh

    def __getattr__(self, name):
        return getattr(self._fh, name)

    def write(self, *_a):
        import errno
        import os

        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._fh.close()
        return False


def _full_disk(monkeypatch, suffix: str) -> None:
    """The disk fills up while the output is written: every write through os.fdopen or open() (the atomic
    writer's and the table writer's temporary files) fails with ENOSPC; openpyxl's save writes part of its file, then fails the same way."""
    import errno
    import os

    from openpyxl import Workbook

    real = os.fdopen

    def fdopen(fd, mode="r", *a, **k):
        fh = real(fd, mode, *a, **k)
        return _FullDisk(fh) if any(c in str(mode) for c in "wax+") else fh

    def save(self, filename):
        with real(os.open(filename, os.O_WRONLY | os.O_CREAT), "wb") as fh:
            fh.write(b"PK\x03\x04 partial")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    import builtins

    real_open = builtins.open

    def open_(file, mode="r", *a, **k):
        fh = real_open(file, mode, *a, **k)
        return _FullDisk(fh) if any(c in str(mode) for c in "wax+") else fh

    monkeypatch.setattr(os, "fdopen", fdopen)
    monkeypatch.setattr(builtins, "open", open_)  # the table writer's temporary files
    monkeypatch.setattr(Workbook, "save", save)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".json"])
def test_full_disk_is_a_message_and_leaves_no_file(yuelu_layers, tmp_path, capsys, monkeypatch, suffix):
    out = tmp_path / f"ledger{suffix}"
    forest = str(yuelu_layers / "forest.gpkg")
    _full_disk(monkeypatch, suffix)
    err = _refused(capsys, "ledger", "--county", "岳麓区", "--year", "2025", "--forest", forest, "--out", str(out),
                   words=(str(out), "No space left on device", "disk"))
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # no partial file, no temporary file


# -- item 5: tracebacks instead of messages ----------------------------------------------------------------

@pytest.mark.parametrize("text,words", [
    ("name: x\nclasses: []\n", ("no classes",)),
    ("name: x\n", ("no classes",)),
    ("- a\n- b\n", ("no classes",)),
    ("classes: [1, 2]\n", ("must be a mapping",)),
    ("classes:\n  - {code: '01', value: 1, name_zh: a, group: forest}\n"
     "  - {code: '02', value: 1, name_zh: b, group: forest}\n", ("two classes",)),
    ("classes:\n  - {code: '01', value: 99999999999, name_zh: a, group: forest}\n", ("cannot be a raster value",)),
])
def test_bad_scheme_yaml_is_a_message(tmp_path, text, words):
    from sinkmap.core.errors import InputError
    from sinkmap.io.schemes import load_scheme

    path = tmp_path / "scheme.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_scheme(str(path))
    for w in (str(path), *words):
        assert w in str(info.value)
    folder = tmp_path / "dir.yaml"
    folder.mkdir()
    with pytest.raises(InputError):
        load_scheme(str(folder))


def test_empty_scheme_through_the_cli(tmp_path, capsys):
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin

    scheme = tmp_path / "empty.yaml"
    scheme.write_text("classes: []\n", encoding="utf-8")
    lc = tmp_path / "lc.tif"
    with rasterio.open(lc, "w", driver="GTiff", height=4, width=4, count=1, dtype="uint8", crs="EPSG:4490",
                       transform=from_origin(112.8, 28.3, 0.05, 0.05)) as ds:
        ds.write(np.full((4, 4), 3, np.uint8), 1)
    _refused(capsys, "ledger", "--county", "岳麓区", "--year", "2025", "--landcover", str(lc), "--scheme", str(scheme),
             words=("no classes",))


@pytest.mark.parametrize("address", ["not a url", "http://x", "tcp://host", "tcp://host:99999", "[/x]"])
def test_bad_scheduler_address_is_a_message(address, capsys):
    _refused(capsys, "ledger", "--county", "岳麓区", "--year", "2025", "--scheduler", address,
             words=("not a Dask scheduler address", "tcp://"))


def test_unreachable_scheduler_fails_fast(capsys):
    import socket
    import time

    pytest.importorskip("distributed")
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    from sinkmap.analysis.zonal.dask_backend import CONNECT_TIMEOUT, connect
    from sinkmap.core.errors import InputError

    t0 = time.monotonic()
    with pytest.raises(InputError) as info:
        connect(scheduler=f"127.0.0.1:{port}", timeout=1.0)
    assert time.monotonic() - t0 < 10 and CONNECT_TIMEOUT <= 5
    assert f"tcp://127.0.0.1:{port}" in str(info.value) and "within 1 s" in str(info.value)


def test_names_with_markup_and_control_characters_do_not_raise(yuelu_layers, tmp_path, capsys):
    from shapely.geometry import box

    county = load_units(county="岳麓区").to_crs("EPSG:4547").geometry.iloc[0]
    p = county.representative_point()
    x, y = round(p.x), round(p.y)
    zones = tmp_path / "zones.geojson"
    gpd.GeoDataFrame({"name": ["[/x]", "a\x01b\x1b[31m", "{0}%s[bold]"]},
                     geometry=[box(x, y, x + 1000, y + 1000), box(x + 1000, y, x + 2000, y + 1000),
                               box(x + 2000, y, x + 3000, y + 1000)], crs="EPSG:4547").to_file(zones)
    forest = str(yuelu_layers / "forest.gpkg")
    for fmt in ([], ["--json"], ["--out", str(tmp_path / "o.csv")], ["--out", str(tmp_path / "o.xlsx")]):
        code, out, err = _run(capsys, "ledger", "--zones", str(zones), "--year", "2025", "--forest", forest, *fmt)
        assert code == 0 and "Traceback" not in err, err
    _refused(capsys, "ledger", "--county", "岳麓区", "--year", "2025", "--forest", forest, "--forest-layer", "no[/x]",
             words=("no[/x]",))
    _refused(capsys, "ledger", "--county", "岳麓区", "--year", "2025", "--forest", forest, "--forest-layer", "a\x01b")


# -- item 6: argument checks, documented --field KEY=, hints that fit, the demo world's cover -------------

@pytest.mark.parametrize("args,words", [
    (["--workers", "0"], ("--workers", "outside 1")),
    (["--band", "-5"], ("--band", "outside 0")),
    (["--band", "nan"], ("--band", "finite")),
    (["--band", "inf"], ("--band", "finite")),
    (["--year", "-1"], ("--year", "outside 2000")),
    (["--year", "二〇二五"], ("--year",)),
    (["--field", "=MGQXJ"], ("--field",)),
])
def test_bad_arguments_exit_2_without_traceback(capsys, args, words):
    base = ["ledger", "--city", "长沙市"] + ([] if "--year" in args else ["--year", "2025"])
    _refused(capsys, *base, *args, words=words)


def test_field_key_empty_removes_the_automatic_mapping(yuelu_layers, tmp_path, capsys):
    forest = tmp_path / "stock.gpkg"
    gdf = gpd.read_file(yuelu_layers / "forest.gpkg").assign(MEI_GQ_XJ=[100.0, 100.0])
    gdf.to_file(forest)
    base = ["ledger", "--county", "岳麓区", "--year", "2025", "--forest", str(forest), "--json"]
    code, out, _ = _run(capsys, *base)
    assert code == 0 and json.loads(out)["units"][0]["forest_stock_10k_m3"] > 0
    code, out, _ = _run(capsys, *base, "--field", "stock_per_ha=")
    doc = json.loads(out)
    assert code == 0 and doc["units"][0]["forest_stock_10k_m3"] is None
    assert "analysis.ledger.no_stock_field" in _codes(doc)
    from sinkmap.jobs.ledger import LEDGER

    assert "KEY= (empty) removes the automatic mapping for KEY" in LEDGER.param("fields").help.en  # documented


@pytest.mark.parametrize("make,code", [
    (lambda p: p.mkdir(), "io.file.is_folder"),
    (lambda p: p.write_bytes(b""), "io.file.empty"),
])
@pytest.mark.parametrize("suffix", [".gpkg", ".tif"])
def test_folder_or_empty_file_is_not_called_damaged(tmp_path, make, code, suffix):
    from sinkmap.core.errors import InputError
    from sinkmap.io.rasters import open_raster

    path = tmp_path / f"data{suffix}"
    make(path)
    with pytest.raises(InputError) as info:
        (read_vector if suffix == ".gpkg" else open_raster)(path)
    text = str(info.value)
    assert info.value.code == code, text
    for misleading in ("re-download", "damaged", "disk space", "truncated"):
        assert misleading not in text


def test_fifo_input_is_not_called_damaged(tmp_path):
    import os

    from sinkmap.core.errors import InputError

    fifo = tmp_path / "pipe.gpkg"
    os.mkfifo(fifo)
    with pytest.raises(InputError) as info:
        read_vector(fifo)
    assert info.value.code == "io.file.not_regular"


def test_output_over_a_folder_says_so():
    import errno

    from sinkmap.io.write_errors import output_error

    err = output_error("/tmp/x.csv", IsADirectoryError(errno.EISDIR, "Is a directory"))
    assert err.code == "io.write.is_folder" and "disk space" not in str(err)
    err = output_error("/tmp/x.csv", PermissionError(errno.EACCES, "Permission denied"))
    assert err.code == "io.write.denied" and "disk space" not in str(err)


@pytest.mark.parametrize("unit", [["--city", "岳阳市"], ["--county", "君山区"]])
def test_demo_world_outside_its_cities_says_so(capsys, unit):
    err = _refused(capsys, "ledger", *unit, "--year", "2025", words=("demo world", "岳阳市", "长沙市", "no plan targets"))
    assert "CRS" not in err and "GCJ-02" not in err


# -- item 7: the area unit found is shown ---------------------------------------------------------------------

def test_area_field_in_mu_is_reported_through_the_cli(yuelu_layers, capsys):
    code, out, err = _run(capsys, "ledger", "--county", "岳麓区", "--year", "2025", "--forest",
                          str(yuelu_layers / "mu.gpkg"), "--json")
    assert code == 0
    (w,) = [w for w in json.loads(out)["warnings"] if w.get("code") == "analysis.fieldmap.area_unit_read"]
    assert "MIAN_JI" in w["message"] and "亩" in w["message"] and "mu.gpkg" in w["message"]
    code, out, err = _run(capsys, "ledger", "--county", "岳麓区", "--year", "2025", "--forest",
                          str(yuelu_layers / "mu.gpkg"), "--quiet")
    assert code == 0 and "亩" in err + out
