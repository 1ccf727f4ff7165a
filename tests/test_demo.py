"""The synthetic demo world: determinism, calibration, labels, fields, plan projects, data files.

The whole world is generated once in its coarse form (``small=True``: every county of the four cities, DEM
9″, land cover 27″); determinism is checked on a few counties generated twice. Expected values are computed
here independently of the generator (pyproj.Geod areas, geopandas overlays) or read off the data files.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio
import shapely
import yaml
from pyproj import Geod

from sinkmap.core.errors import Cancelled, UnknownUnitError
from sinkmap.core.feedback import BaseFeedback
from sinkmap.demo import generate as gen
from sinkmap.demo.generate import LAYER_NAMES, demo_layers, generate_demo
from sinkmap.demo.grid import box_blur, hash01, lat_band_area_m2
from sinkmap.demo.lines import wiggle_many
from sinkmap.io.boundaries import load_units
from sinkmap.io.catalogue import layer_path
from sinkmap.io.schemes import load_scheme

REPO = Path(__file__).resolve().parents[1]
CITIES = ("长沙市", "株洲市", "邵阳市", "郴州市")
GEOD = Geod(ellps="GRS80")  # CGCS2000 and GRS80 differ in the 10th digit of f: irrelevant for areas
SUBSET = ["岳麓区", "望城区", "天元区"]


LAEA = "+proj=laea +lat_0=27 +lon_0=112 +ellps=GRS80 +units=m +no_defs"  # another equal-area projection


def geod_area_ha(geom) -> float:
    """Geodesic area of a (multi)polygon, each part oriented counter-clockwise first."""
    parts = shapely.get_parts(geom)
    return sum(GEOD.geometry_area_perimeter(shapely.geometry.polygon.orient(p, 1.0))[0] for p in parts) / 1e4


def laea_ha(frame: gpd.GeoDataFrame) -> np.ndarray:
    return frame.to_crs(LAEA).area.to_numpy() / 1e4


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo") / "small"
    generate_demo(folder, small=True)
    return folder


@pytest.fixture(scope="module")
def layers(world):
    paths = demo_layers(world)
    return {k: gpd.read_file(p, layer=lyr) for k, (p, lyr) in paths.items() if lyr is not None}


@pytest.fixture(scope="module")
def counties() -> gpd.GeoDataFrame:
    units = pd.concat([load_units(city=c) for c in CITIES], ignore_index=True)
    return units[units["level"] == "county"].reset_index(drop=True)


@pytest.fixture(scope="module")
def calibration_doc() -> dict:
    return yaml.safe_load(layer_path("demo_calibration.yaml").read_text(encoding="utf-8"))


# -- determinism ----------------------------------------------------------------------------------

def _tables(folder: Path) -> dict[str, pd.DataFrame]:
    out = {}
    for key, (path, layer) in demo_layers(folder).items():
        if layer is None:
            with rasterio.open(path) as src:
                out[key] = pd.DataFrame(src.read(1))
        else:
            f = pyogrio.read_dataframe(path, layer=layer)
            f["wkb"] = shapely.to_wkb(f.geometry.values, hex=True)
            out[key] = pd.DataFrame(f.drop(columns="geometry"))
    return out


def test_same_seed_gives_identical_data_and_another_seed_does_not(tmp_path):
    a = generate_demo(tmp_path / "a", small=True, counties=SUBSET)
    b = generate_demo(tmp_path / "b", small=True, counties=SUBSET)
    ta, tb = _tables(a.path), _tables(b.path)
    assert ta.keys() == tb.keys() and {"dem", "landcover", "forest", "wetland", "projects"} <= ta.keys()
    for key in ta:
        pd.testing.assert_frame_equal(ta[key], tb[key], check_exact=True, obj=key)
    c = generate_demo(tmp_path / "c", small=True, counties=SUBSET, seed=7)
    tc = _tables(c.path)
    assert not ta["dem"].equals(tc["dem"])
    assert len(ta["forest"]) > 0 and not ta["forest"].equals(tc["forest"])


def test_subset_has_only_its_counties_and_unknown_names_are_refused(tmp_path):
    m = generate_demo(tmp_path / "s", small=True, counties=SUBSET)
    forest = gpd.read_file(m.path / gen.GPKG_FILE, layer=LAYER_NAMES["forest"])
    assert set(forest["XIAN"]) == set(SUBSET)
    with pytest.raises(UnknownUnitError, match="新化县"):
        generate_demo(tmp_path / "x", small=True, counties=["新化县"])


def test_existing_demo_is_reused_unless_forced(tmp_path):
    m1 = generate_demo(tmp_path / "r", small=True, counties=["天元区"])
    stamp = (m1.path / gen.GPKG_FILE).stat().st_mtime_ns
    m2 = generate_demo(tmp_path / "r", small=True, counties=["天元区"])
    assert (m2.path / gen.GPKG_FILE).stat().st_mtime_ns == stamp
    generate_demo(tmp_path / "r", small=True, counties=["天元区"], force=True)
    assert (m1.path / gen.GPKG_FILE).stat().st_mtime_ns != stamp


def test_ensure_demo_generates_only_when_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("SINKMAP_HOME", str(tmp_path))
    calls = []

    def fake(folder, feedback=None):
        calls.append(folder)
        folder.mkdir(parents=True, exist_ok=True)
        doc = {"seed": gen.DEFAULT_SEED, "version": gen.DEMO_VERSION, "label": "x",
               "options": gen.DemoOptions().key(), "layers": {}, "files": {}}
        (folder / gen.MANIFEST_FILE).write_text(json.dumps(doc), encoding="utf-8")

    monkeypatch.setattr(gen, "generate_demo", fake)
    assert gen.ensure_demo() == tmp_path / "demo"
    assert gen.ensure_demo() == tmp_path / "demo"
    assert calls == [tmp_path / "demo"]


def test_cancel_leaves_nothing_behind(tmp_path):
    class CancelAtTerrain(BaseFeedback):
        def on_progress(self, fraction, text):
            if fraction >= 0.05:
                self.cancel()

    out = tmp_path / "cancelled"
    with pytest.raises(Cancelled):
        generate_demo(out, small=True, counties=["天元区"], feedback=CancelAtTerrain())
    assert list(out.iterdir()) == []


# -- calibration, measured independently ------------------------------------------------------------

@pytest.fixture(scope="module")
def measured(layers, counties) -> pd.DataFrame:
    """Per city, computed here: areas on a Lambert azimuthal equal-area projection (not the generator's
    Albers), protection by intersecting each wetland with the protected polygons it touches."""
    land = dict(zip(counties["name"], laea_ha(counties)))
    city_of = dict(zip(counties["name"], counties["parent"]))
    f = layers["forest"]
    counted = f["DI_LEI"].isin(["0111", "0113", "0131"]) & ((f["DI_LEI"] != "0111") | (f["YU_BI_DU"] >= 0.2))
    f_area = laea_ha(f)
    w = layers["wetland"]
    w_area = laea_ha(w)
    pa = np.asarray(layers["protected"].geometry.values, dtype=object)
    wi, pi = shapely.STRtree(pa).query(np.asarray(w.geometry.values, dtype=object), predicate="intersects")
    order = np.argsort(wi, kind="stable")
    wi, pi = wi[order], pi[order]
    first = np.flatnonzero(np.r_[True, wi[1:] != wi[:-1]])
    groups = np.split(pi, first[1:])
    pieces = [w.geometry.iat[i].intersection(pa[g[0]] if len(g) == 1 else shapely.union_all(pa[g]))
              for i, g in zip(wi[first], groups)]
    w_prot = np.zeros(len(w))
    w_prot[wi[first]] = laea_ha(gpd.GeoDataFrame(geometry=pieces, crs=w.crs))
    rows = []
    for c in CITIES:
        fm = f["XIAN"].map(city_of).eq(c).to_numpy()
        wm = w["XIAN"].map(city_of).eq(c).to_numpy()
        land_c = sum(v for n, v in land.items() if city_of[n] == c)
        rows.append({
            "city": c,
            "coverage": 100 * f_area[fm & counted.to_numpy()].sum() / land_c,
            "stock": f.loc[fm & (f["DI_LEI"] == "0111").to_numpy(), "XU_JI_LIANG"].sum() / 1e4,
            "protection": 100 * w_prot[wm].sum() / w_area[wm].sum(),
            "wetland": w_area[wm].sum() / 1e4,
        })
    return pd.DataFrame(rows).set_index("city")


def test_each_city_lands_near_its_calibrated_levels(measured, calibration_doc):
    got = measured
    tol = calibration_doc["tolerance"]
    for c in CITIES:
        want = calibration_doc["cities"][c]
        assert got.at[c, "coverage"] == pytest.approx(want["coverage_pct"]["intended"], abs=tol["coverage_pp"]), c
        assert got.at[c, "stock"] == pytest.approx(want["stock_10k_m3"]["intended"], rel=tol["stock_rel"]), c
        assert got.at[c, "protection"] == pytest.approx(want["wetland_protection_pct"]["intended"],
                                                        abs=tol["protection_pp"]), c
        # wetland area is a softer level (ponds only fit on paddy land)
        assert got.at[c, "wetland"] == pytest.approx(want["wetland_area_10k_ha"]["intended"], rel=0.15), c


def test_calibration_gives_a_mix_of_met_and_short(calibration_doc):
    """长沙 stock ≥ 3500 (met) but 株洲 < 3446 (short); 郴州 protection < 72 (short), 长沙 ≥ 76 (met)."""
    cities = calibration_doc["cities"]
    assert cities["长沙市"]["stock_10k_m3"]["intended"] >= 3500
    assert cities["株洲市"]["stock_10k_m3"]["intended"] < 3446
    assert cities["郴州市"]["wetland_protection_pct"]["intended"] < 72
    assert cities["长沙市"]["wetland_protection_pct"]["intended"] >= 76


def test_counties_spread_around_the_city_level(world):
    m = gen.DemoManifest.read(world)
    cov = {k: v["forest_coverage_pct"] for k, v in m.counties.items()}
    assert cov["炎陵县"] > 65 > cov["天心区"]
    assert min(cov.values()) > 0  # every county has some woodland
    assert max(cov.values()) - min(cov.values()) > 50


def test_manifest_reports_what_the_layers_measure(world, measured):
    m = gen.DemoManifest.read(world)
    got = measured
    for c in CITIES:
        a = m.calibration[c]["achieved"]
        assert a["forest_stock_10k_m3"] == pytest.approx(got.at[c, "stock"], rel=1e-3)
        assert a["forest_coverage_pct"] == pytest.approx(got.at[c, "coverage"], abs=0.05)
        assert a["wetland_protection_rate_pct"] == pytest.approx(got.at[c, "protection"], abs=0.1)
        assert 0.6 < m.calibration[c]["stock_factor"] < 1.5


# -- labels -------------------------------------------------------------------------------------------

def test_every_layer_says_it_is_synthetic(world, layers):
    m = gen.DemoManifest.read(world)
    doc = json.loads((world / gen.MANIFEST_FILE).read_text(encoding="utf-8"))
    assert doc["synthetic"] is True and "synthetic demo data" in doc["label"]
    for key, (path, layer) in demo_layers(world).items():
        assert "synthetic" in path.name
        if layer is None:
            with rasterio.open(path) as src:
                tags = src.tags()
            assert tags["SINKMAP_SYNTHETIC"] == "yes" and "synthetic demo data" in tags["DESCRIPTION"], key
        else:
            assert "演示" in layer and "synthetic" in layer
            meta = pyogrio.read_info(path, layer=layer)["layer_metadata"]
            assert meta["SINKMAP_SYNTHETIC"] == "yes" and "synthetic demo data" in meta["DESCRIPTION"], key
            assert (layers[key]["SJLY"] == "演示数据（合成）synthetic demo").all(), key
    written = {p.name for p in world.iterdir() if p.name != gen.MANIFEST_FILE and not p.name.endswith(".aux.xml")}
    assert set(m.files) == written  # (GDAL may add .aux.xml side files when the data is read)


# -- fields and values -------------------------------------------------------------------------------

def test_forest_fields_are_inventory_style_and_detected(layers):
    from sinkmap.analysis.fieldmap import detect_mapping

    f = layers["forest"]
    mapping = detect_mapping(f, "forest")
    expect = {"land_class": "DI_LEI", "area": "MIAN_JI", "stock_per_ha": "MEI_GQ_XJ", "stock": "XU_JI_LIANG",
              "origin": "QI_YUAN", "species": "YOU_SHI_SZ", "canopy": "YU_BI_DU", "forest_category": "LIN_ZHONG",
              "public_welfare_level": "GYL_DJ", "county": "XIAN"}
    for key, field in expect.items():
        assert mapping.get(key) == field, key
    assert {"XIANG", "CUN", "LIN_BAN", "XIAO_BAN", "LING_ZU"} <= set(f.columns)
    scheme = load_scheme("forest_inventory")
    assert all(scheme.lookup(v) is not None for v in f["DI_LEI"].unique())
    assert set(f["QI_YUAN"]) <= {"天然", "人工"}
    assert set(f["GYL_DJ"]) <= {"国家级一级", "国家级二级", "省级", "非公益林"}
    assert f["YU_BI_DU"].between(0, 1).all()
    arbor = f[f["DI_LEI"] == "0111"]
    assert (arbor["YU_BI_DU"] >= 0.2).all()
    # XU_JI_LIANG = MEI_GQ_XJ × MIAN_JI (rounded to 0.1 m³)
    assert np.allclose(f["XU_JI_LIANG"], f["MEI_GQ_XJ"] * f["MIAN_JI"], atol=0.06 + 0.05 * f["MIAN_JI"])
    # stock per hectare of tree stands within Hunan-like bounds; bamboo and shrubs carry none
    per_ha = arbor["XU_JI_LIANG"].sum() / arbor["MIAN_JI"].sum()
    assert 40 < per_ha < 120
    assert (f.loc[f["DI_LEI"].isin(["0113", "0131", "0132"]), "MEI_GQ_XJ"] == 0).all()
    # the area field is the ellipsoidal area of the polygon (checked with pyproj.Geod on a sample)
    sample = f.iloc[:: max(1, len(f) // 200)]
    geod = np.array([geod_area_ha(g) for g in sample.geometry])
    assert np.allclose(sample["MIAN_JI"], geod, rtol=2e-3, atol=0.01)


def test_protection_level_and_basic_grassland_are_synthetic_and_follow_their_rules(layers):
    """林地保护等级 BH_DJ and 基本草原 exist so the siting rules that read them run on the demo (both derived
    from other synthetic fields, no draw of their own)."""
    f = layers["forest"]
    assert set(f["BH_DJ"]) <= {"Ⅰ级", "Ⅱ级", "Ⅲ级", "Ⅳ级"}
    one = f[f["BH_DJ"] == "Ⅰ级"]
    assert len(one) and len(one) < 0.1 * len(f)
    # Ⅰ级 only inside nature reserves / national parks (where the inventory makes every 小班 自然保护区林, 国家级一级)
    assert (one["LIN_ZHONG"] == "自然保护区林").all() and (one["GYL_DJ"] == "国家级一级").all()
    assert (f.loc[f["GYL_DJ"] == "非公益林", "BH_DJ"] == "Ⅳ级").all()
    assert (f.loc[f["GYL_DJ"] == "省级", "BH_DJ"] == "Ⅲ级").all()
    assert (f.loc[f["GYL_DJ"] == "国家级二级", "BH_DJ"] == "Ⅱ级").all()
    g = layers["grassland"]
    assert {"CYBH", "CYMC", "CYLX", "XIAN", "MIAN_JI"} <= set(g.columns)
    assert (g["MIAN_JI"] >= 5.0).all() and g["CYMC"].str.contains("演示基本草原").all()
    assert set(g["CYLX"]) <= {"其他草地"}


def test_wetland_and_protected_fields_are_detected(layers):
    from sinkmap.analysis.fieldmap import detect_mapping

    w = detect_mapping(layers["wetland"], "wetland")
    assert (w.get("wetland_type"), w.get("name"), w.get("area"), w.get("county")) == ("SDLX", "SDMC", "MIAN_JI",
                                                                                       "XIAN")
    assert set(layers["wetland"]["SDLX"]) == {"河流湿地", "湖泊湿地", "沼泽湿地", "人工湿地"}
    p = detect_mapping(layers["protected"], "protected")
    assert (p.get("name"), p.get("type"), p.get("level")) == ("BHDMC", "BHDLX", "BHDJB")
    named = layers["protected"]
    assert {"酒埠江国家湿地公园", "东阳湖国家湿地公园", "官庄湖国家湿地公园", "夫夷江国家湿地公园",
            "平溪江国家湿地公园", "莽山国家级自然保护区"} <= set(named["BHDMC"])
    assert named["location_precision"].str.len().gt(0).all()


def test_layers_sit_in_their_counties(layers, counties):
    geom = dict(zip(counties["name"], counties.geometry))
    for key in ("forest", "wetland", "protected", "farmland"):
        f = layers[key]
        sample = f.iloc[:: max(1, len(f) // 300)]
        for name, g in zip(sample["XIAN"], sample.geometry):
            assert geom[name].buffer(1e-6).contains(g), (key, name)


def test_land_cover_uses_sandiao_codes_and_has_the_expected_classes(world):
    with rasterio.open(demo_layers(world)["landcover"][0]) as src:
        lc = src.read(1)
    values = set(np.unique(lc)) - {0}
    assert values <= {c.value for c in load_scheme("sandiao").classes}
    assert {101, 301, 302, 305, 701, 1101, 1103} <= values


def test_relief_is_where_hunan_has_it(world, counties):
    with rasterio.open(demo_layers(world)["dem"][0]) as src:
        dem = src.read(1)
        transform = src.transform
    from rasterio.features import rasterize

    idx = rasterize(((g, i) for i, g in enumerate(counties.geometry)), out_shape=dem.shape, transform=transform,
                    fill=-1, dtype="int16")
    top = np.unravel_index(np.argmax(np.where(idx >= 0, dem, -9999)), dem.shape)
    mountains = {"炎陵县", "桂东县", "城步苗族自治县", "宜章县", "绥宁县", "新宁县", "洞口县", "隆回县", "浏阳市", "汝城县"}
    assert counties["name"][idx[top]] in mountains and dem[top] > 1500
    median = {n: float(np.median(dem[idx == i])) for i, n in enumerate(counties["name"])}
    assert max(median["芙蓉区"], median["天心区"], median["天元区"]) < 100  # the Xiang River corridor
    assert median["桂东县"] > 600 and median["城步苗族自治县"] > 400
    assert dem[idx >= 0].min() > 0 and (dem == -32768).any()


def test_a_mountain_county_gets_a_fine_dem(tmp_path):
    m = generate_demo(tmp_path / "fine", counties=["苏仙区"])
    paths = demo_layers(m.path)
    with rasterio.open(paths["dem_1s:苏仙区"][0]) as fine, rasterio.open(paths["dem"][0]) as coarse:
        assert fine.res[0] == pytest.approx(1 / 3600) and coarse.res[0] == pytest.approx(1 / 1200)
        f = fine.read(1, masked=True)
        c = coarse.read(1, masked=True)
    assert f.max() > 1000
    assert float(f.mean()) == pytest.approx(float(c.mean()), abs=25)


# -- plan projects and data files -----------------------------------------------------------------------

def _n0(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_every_project_quote_is_in_its_seed_and_starts_on_its_line():
    """Against the plan texts (skipped, saying so, where they are absent: see tests/plan_texts.py)."""
    from plan_texts import seed_lines

    doc = yaml.safe_load(layer_path("demo_projects.yaml").read_text(encoding="utf-8"))
    for e in doc["projects"] + doc["substations"]:
        lines = seed_lines(e["seed"])
        pos = _n0("\n".join(lines[e["line"] - 1:])).find(_n0(e["quote"]))
        assert 0 <= pos < len(_n0(lines[e["line"] - 1])), f"{e['name']}: {e['seed']}:{e['line']}"


def test_project_capacities_come_from_their_quotes_and_the_plan_projects_are_listed():
    doc = yaml.safe_load(layer_path("demo_projects.yaml").read_text(encoding="utf-8"))
    entries = doc["projects"] + doc["substations"]
    for e in entries:
        assert e["seed"] and e["line"] >= 1 and e["quote"], e["name"]
        cap = e.get("capacity_10k_kw")
        if cap is not None:  # a capacity is only given where the quote states it for this project
            assert f"{cap:g}万千瓦" in _n0(e["quote"]), e["name"]
    names = {e["name"] for e in doc["projects"]}
    assert {"安仁金紫仙抽水蓄能电站", "桂阳泗洲山抽水蓄能电站", "苏仙小溪抽水蓄能项目", "炎陵县罗萍江抽水蓄能项目",
            "攸县广寒坪抽水蓄能项目", "浏阳风洞口抽水蓄能电站", "宁乡陈家冲抽水蓄能电站", "新邵县抽水蓄能电站"} <= names


def test_plan_projects_sit_inside_their_named_county(layers, counties):
    doc = yaml.safe_load(layer_path("demo_projects.yaml").read_text(encoding="utf-8"))
    p = layers["projects"]
    assert len(p) == sum(1 for e in doc["projects"] if e.get("county"))
    geom = dict(zip(counties["name"], counties.geometry))
    for name, county, point in zip(p["name"], p["XIAN"], p.geometry):
        assert geom[county].contains(point), name
    assert (p["location_precision"] == "approximate (county-level; plan gives no coordinates)").all()
    caps = dict(zip(p["name"], p["capacity_10k_kw"]))
    assert caps["苏仙小溪抽水蓄能项目"] == 490 and caps["攸县广寒坪抽水蓄能项目"] == 180
    assert np.isnan(caps["新邵县抽水蓄能电站"])  # the plan gives only a three-station total
    # pumped storage on high ground: higher than the median of its county's forest subcompartments
    f = layers["forest"]
    ps = p[p["type"] == "抽水蓄能"]
    for county in ps["XIAN"]:
        assert f.loc[f["XIAN"] == county, "HAI_BA"].median() < f.loc[f["XIAN"] == county, "HAI_BA"].max()


def test_geography_points_are_in_their_counties(counties):
    geom = dict(zip(counties["name"], counties.geometry))
    geo = yaml.safe_load(layer_path("demo_geography.yaml").read_text(encoding="utf-8"))
    for t in geo["towns"]:
        assert geom[t["county"]].contains(shapely.Point(t["lon"], t["lat"])), t["name"]
    pa = yaml.safe_load(layer_path("demo_protected.yaml").read_text(encoding="utf-8"))
    for a in pa["areas"]:
        assert geom[a["county"]].distance(shapely.Point(a["lon"], a["lat"])) < 0.05, a["name"]


# -- building blocks, by hand ------------------------------------------------------------------------------

def test_cell_area_matches_geod():
    # a 1° × 1° cell between 27° and 28° N
    ring = shapely.Polygon([(112, 27), (113, 27), (113, 28), (112, 28)])
    assert float(lat_band_area_m2(np.array([28.0]), np.array([27.0]), 1.0)[0]) == pytest.approx(
        abs(GEOD.geometry_area_perimeter(shapely.segmentize(ring, 0.01))[0]), rel=1e-6)


def test_hash_is_stateless_and_uniform():
    a = hash01(20231, 5, np.arange(100_000), 3)
    b = hash01(20231, 5, np.arange(100_000)[::-1], 3)[::-1]
    assert np.array_equal(a, b)  # a value depends on its coordinates only, not on order
    assert abs(a.mean() - 0.5) < 0.005 and a.min() >= 0 and a.max() < 1
    assert not np.array_equal(a, hash01(20232, 5, np.arange(100_000), 3))


def test_box_blur_by_hand():
    # radius 1 along the row: (0+0+3)/3, (0+3+0)/3, (3+0+0)/3; a single row blurs vertically onto itself
    assert np.allclose(box_blur(np.array([[0.0, 0, 3, 0, 0]]), 1), [[0, 1, 1, 1, 0]])


def test_wiggle_keeps_the_original_vertices():
    lines = [np.array([[0.0, 0.0], [1.0, 0.0]]), np.array([[0.0, 1.0], [0.5, 1.5], [1.0, 1.0]])]
    out = wiggle_many(lines, 1, np.array([3, 4]), amplitude=0.2, levels=3)
    assert len(out[0]) == 9 and len(out[1]) == 17
    assert np.array_equal(out[0][[0, -1]], lines[0]) and np.array_equal(out[1][[0, 8, 16]], lines[1])
    assert np.abs(out[0][:, 1]).max() > 0  # it did move the midpoints


def test_every_demo_species_with_stock_is_in_the_carbon_table():
    """The demo never warns about its own data: no species of its forest model falls to the default type."""
    from sinkmap.analysis.carbon import load_carbon_factors

    table = load_carbon_factors()
    doc = yaml.safe_load(layer_path("demo_forest.yaml").read_text(encoding="utf-8"))
    with_stock = [s["name"] for s in doc["species"] if any(hi > 0 for _, hi in s["stock_m3_ha"].values())]
    assert with_stock and [n for n in with_stock if table.resolve_name(n) is None] == []


def test_the_demo_ledger_prints_no_warning_about_the_demo(world, capsys):
    from sinkmap import display
    from sinkmap.jobs import base
    from sinkmap.jobs.ledger import LedgerRequest, run_ledger

    paths = demo_layers(world)
    layer = lambda key: base.LayerSource(Path(paths[key][0]), paths[key][1])  # noqa: E731
    report = run_ledger(LedgerRequest(year=2025, city="长沙市", forest=layer("forest"), wetland=layer("wetland"),
                                      protected=layer("protected")))
    display.show_report(report, lang="zh_CN")
    err = capsys.readouterr().err
    assert "碳计量参数表" not in err and "carbon" not in err.lower(), err
