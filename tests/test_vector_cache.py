"""The cache of prepared polygon layers and its clip memo (sinkmap.io.vector_cache), and the boundaries job's
light GeoPackage.

The guard is the result: the ledger job on the tiny fixture of tests/fixtures_ledger.py gives the same JSON
without the cache, on the run that fills it and on the runs that use it; a changed, touched or damaged entry
or another sinkmap version is read again, never trusted. No timings here (benchmarks/whole_command.py).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely
import shapely.affinity

import fixtures_ledger as fx
import sinkmap
from sinkmap.core.feedback import NullFeedback
from sinkmap.io import boundaries, vector_cache
from sinkmap.jobs import ledger as ledger_job
from sinkmap.jobs.base import LayerSource
from sinkmap.jobs.ledger import LedgerRequest, run_ledger

ROLES = ("forest", "wetland", "protected")


@pytest.fixture
def world(tmp_path, monkeypatch):
    """The fixture's layers in one GeoPackage (the forest with a bow-tie, invalid, to be repaired), its units
    as zones, a private cache folder, and a count of the layer reads that reached the file."""
    gpkg = tmp_path / "layers.gpkg"
    forest = fx.forest()
    bow = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])  # self-intersecting: the read repairs it
    x0, y0, x1, y1 = forest.geometry.iloc[6].bounds
    forest.loc[6, "geometry"] = shapely.affinity.affine_transform(bow, [x1 - x0, 0, 0, y1 - y0, x0, y0])
    forest.to_file(gpkg, layer="forest", driver="GPKG")
    fx.wetland().to_file(gpkg, layer="wetland", driver="GPKG")
    fx.protected().to_file(gpkg, layer="protected", driver="GPKG")
    zones = tmp_path / "zones.gpkg"
    fx.units(with_city=False).to_file(zones, driver="GPKG")
    folder = tmp_path / "vc"
    monkeypatch.setattr(vector_cache, "cache_folder", lambda: folder)
    reads: list[str] = []
    real = ledger_job.read_polygons

    def counting(src, req, feedback, role, bbox=None):
        if role in ROLES:
            reads.append(role)
        return real(src, req, feedback, role, bbox)

    monkeypatch.setattr(ledger_job, "read_polygons", counting)
    return {"gpkg": gpkg, "zones": zones, "folder": folder, "reads": reads}


def request(w) -> LedgerRequest:
    return LedgerRequest(year=2025, zones=LayerSource(w["zones"]), **{r: LayerSource(w["gpkg"], r) for r in ROLES})


def ledger_json(w) -> str:
    return json.dumps(run_ledger(request(w)).to_json(), ensure_ascii=False, sort_keys=True)


def uncached(w, monkeypatch) -> str:
    with monkeypatch.context() as m:
        m.setenv("SINKMAP_NO_VECTOR_CACHE", "1")
        return ledger_json(w)


def test_cached_and_uncached_runs_give_the_same_json(world, monkeypatch):
    plain = uncached(world, monkeypatch)
    assert not world["folder"].exists()  # switched off: nothing written
    world["reads"].clear()
    filling = ledger_json(world)
    assert world["reads"] == list(ROLES)
    assert len(list(world["folder"].glob("*.bin"))) == 3
    assert [p.name for p in world["folder"].iterdir() if not p.name.endswith((".bin", ".clips"))] == []  # no temp file
    assert len(list(world["folder"].glob("*.clips"))) == 3  # forest, wetland, protected wetland measured
    world["reads"].clear()
    using = ledger_json(world)
    assert world["reads"] == []  # every layer came from the cache, every unit's clip from the memo
    assert filling == plain and using == plain
    doc = json.loads(using)
    assert any(w["code"] == "io.vector.repaired_one" for w in doc["warnings"])  # the read's warning, replayed
    a = {u["name"]: u for u in doc["units"]}["甲县"]
    assert a["forest_area_ha"] == pytest.approx(fx.geod_ha(*(fx.FOREST_RECTS[k] for k in ("F1", "F2", "F5", "F6")),
                                                           fx.F8_IN_A), rel=1e-4)


def test_changed_or_touched_layer_is_read_again(world, monkeypatch):
    first = ledger_json(world)
    changed = fx.forest(stock_values={"F1": 200.0})
    changed.to_file(world["gpkg"], layer="forest", driver="GPKG")  # the same file, another layer content
    world["reads"].clear()
    after = ledger_json(world)
    assert "forest" in world["reads"]
    assert after != first and after == uncached(world, monkeypatch)
    world["reads"].clear()
    st = world["gpkg"].stat()
    os.utime(world["gpkg"], ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # touched: not trusted
    assert ledger_json(world) == after
    assert sorted(world["reads"]) == sorted(ROLES)
    assert len(list(world["folder"].glob("*.bin"))) == 3  # rebuilt in place, not piled up


def test_damaged_entries_are_rebuilt_silently(world):
    good = ledger_json(world)
    entries = sorted(world["folder"].glob("*.bin"))
    entries[0].write_bytes(b"garbage")
    data = entries[1].read_bytes()
    entries[1].write_bytes(data[: len(data) // 2])  # truncated in the middle of the payload
    data = bytearray(entries[2].read_bytes())
    data[-200:] = b"\x00" * 200  # the end of the pickle zeroed
    entries[2].write_bytes(bytes(data))
    memos = sorted(world["folder"].glob("*.clips"))
    memos[0].write_bytes(b"garbage")
    memos[1].write_bytes(memos[1].read_bytes()[:-10])
    world["reads"].clear()
    assert ledger_json(world) == good  # no warning, no error: the same ledger
    assert sorted(world["reads"]) == sorted(ROLES)
    world["reads"].clear()
    assert ledger_json(world) == good and world["reads"] == []  # rewritten whole


def test_entries_are_not_trusted_across_sinkmap_versions(world, monkeypatch):
    good = ledger_json(world)
    monkeypatch.setattr(sinkmap, "__version__", sinkmap.__version__ + ".post1")
    world["reads"].clear()
    assert ledger_json(world) == good
    assert sorted(world["reads"]) == sorted(ROLES)


def test_cached_layer_is_the_projected_layer_with_its_validity(world):
    fb = NullFeedback()

    def read(feedback):
        from sinkmap.io.vectors import read_vector

        return read_vector(world["gpkg"], layer="forest", feedback=feedback)

    built = vector_cache.read_layer(world["gpkg"], read, fb, layer="forest", encoding=None, crs=None, role="forest")
    again = vector_cache.read_layer(world["gpkg"], read, fb, layer="forest", encoding=None, crs=None, role="forest")
    assert not built.from_cache and again.from_cache
    assert again.frame.drop(columns="geometry").equals(built.frame.drop(columns="geometry"))
    assert (shapely.to_wkb(again.frame.geometry.values) == shapely.to_wkb(built.frame.geometry.values)).all()
    assert np.array_equal(again.invalid, ~shapely.is_valid(built.frame.geometry.values))
    assert again.frame.crs == built.frame.crs and again.frame.crs.is_projected
    assert [str(w) for w in again.warnings] == [str(w) for w in built.warnings] != []


def test_sidecars_belong_to_the_key_but_not_gdal_metadata(tmp_path):
    shp = tmp_path / "f.shp"
    fx.wetland().to_file(shp)
    names = [Path(s[0]).name for s in vector_cache.file_stats(shp)]
    assert names[0] == "f.shp" and {"f.dbf", "f.shx", "f.prj"} <= set(names)
    (tmp_path / "f.shp.aux.xml").write_text("<PAMDataset/>")
    assert vector_cache.file_stats(shp) == vector_cache.file_stats(shp)
    assert "f.shp.aux.xml" not in [Path(s[0]).name for s in vector_cache.file_stats(shp)]


# -- the boundaries job's GeoPackage, written with sqlite3 from the cache's blobs ------------------------------

def test_light_geopackage_reads_as_gdals(tmp_path):
    from sinkmap.io.vectors import write_vector

    light, full = tmp_path / "长沙 units.gpkg", tmp_path / "full.gpkg"
    assert boundaries.write_units_gpkg(light, city="长沙") == 10
    write_vector(boundaries.load_units(city="长沙"), full)
    a = pyogrio.read_dataframe(full)
    b = pyogrio.read_dataframe(light)
    assert list(b.columns) == ["name", "adcode", "level", "parent", "geometry"]
    assert b.drop(columns="geometry").equals(a.drop(columns="geometry"))
    assert (shapely.to_wkb(b.geometry.values) == shapely.to_wkb(a.geometry.values)).all()
    assert b.crs == a.crs and b.crs.to_epsg() == 4490
    info = pyogrio.read_info(light)
    assert info["layer_name"] == "长沙 units" and info["geometry_type"] == "MultiPolygon"
    assert info["capabilities"]["fast_spatial_filter"]  # GDAL finds the R-tree index
    assert np.allclose(info["total_bounds"], pyogrio.read_info(full)["total_bounds"])
    near = pyogrio.read_dataframe(light, bbox=(112.9, 28.1, 113.0, 28.2))  # the index answers a box query
    assert set(near["name"]) == set(a[a.intersects(shapely.box(112.9, 28.1, 113.0, 28.2))]["name"])


def test_light_geopackage_only_for_a_new_gpkg_of_whole_units(tmp_path):
    assert boundaries.write_units_gpkg(tmp_path / "a.geojson", city="长沙市") is None
    assert boundaries.write_units_gpkg(tmp_path / "z.gpkg", county="湖南湘江新区") is None  # dissolved from counties
    assert boundaries.write_units_gpkg(tmp_path / "w.gpkg", city="岳麓区") is None  # wrong level: the full path says so
    existing = tmp_path / "e.gpkg"
    existing.write_bytes(b"")
    assert boundaries.write_units_gpkg(existing, county="岳麓区") is None  # not a GeoPackage: GDAL says so
    one = tmp_path / "one.gpkg"
    assert boundaries.write_units_gpkg(one, county="岳麓区") == 1
    assert boundaries.write_units_gpkg(one, city="长沙市") == 10  # only its own layer there: written again
    assert list(pyogrio.read_dataframe(one)["name"])[:2] == ["长沙市", "芙蓉区"]
    fx.wetland().to_file(one, layer="other", driver="GPKG")
    assert boundaries.write_units_gpkg(one, county="岳麓区") is None  # another layer to keep: GDAL's path
    assert boundaries.write_units_gpkg(tmp_path / "all.gpkg", province="湖南省") == 137
