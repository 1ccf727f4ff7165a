"""export.html: the offline web map — encoding by hand, escaping, and Debian's headless Chromium with the
network off loading the page (no console error, no request leaving, every feature drawn, injected markup
shown as text and never run)."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Point, box

from sinkmap.export.web_encode import decode_ints, encode_geometries, encode_ints, encode_level
from sinkmap.export.webmap import WebLayer, WebMapSpec, json_for_script, render_webmap
from sinkmap.jobs import registry
from sinkmap.jobs.base import run_job

from browser import Browser, chromium_path

COUNTY = "芙蓉区"
EVIL = "<img src=x onerror=\"document.title='pwned'\"></script><script>document.title='pwned2'</script>"
TEMPLATE = "{{ 7*7 }}{% if 1 %}x{% endif %}"
EVIL_NAME = "<img src=x onerror=\"document.title='pwned3'\">"  # a file name (no slash)

needs_chromium = pytest.mark.skipif(chromium_path() is None,
                                    reason="Debian's chromium is not installed (apt-get install chromium)")


# -- encoding, checked by hand -------------------------------------------------------------------------

def test_varints_by_hand():
    # zig-zag: 0→0, -1→1, 1→2, 16→32 (two chunks: 0 with the continuation bit = 'g', then 1 = 'B')
    assert encode_ints(np.array([0, -1, 1, 15, 16])) == "A" + "B" + "C" + "e" + "gB"
    values = np.random.default_rng(3).integers(-(2 ** 31), 2 ** 31, 5000)
    assert decode_ints(encode_ints(values)) == values.tolist()


def test_a_square_level_by_hand():
    # a 0.001° square at (113, 28) quantised to 1e-5°: 4 corners (the closing one dropped), deltas of 100
    level = encode_level(np.array([box(113.0, 28.0, 113.001, 28.001)]), "polygon", 16, 16, 28.0)
    assert level.origin == (11300000, 2800000) and level.vertices == 4
    deltas = decode_ints(level.coords)
    xs, ys = np.cumsum(deltas[0::2]) + 11300000, np.cumsum(deltas[1::2]) + 2800000
    assert sorted(zip(xs.tolist(), ys.tolist())) == [(11300000, 2800000), (11300000, 2800100),
                                                      (11300100, 2800000), (11300100, 2800100)]
    assert decode_ints(level.ring_lengths) == [4] and decode_ints(level.rings_per_feature) == [1]


def test_coarse_levels_drop_vertices_within_half_a_pixel():
    # a circle of 2 km radius with 2 000 vertices: at zoom 10 (a pixel ≈ 150 m) few remain, at 16 many
    circle = Point(113, 28).buffer(0.02, quad_segs=500)
    levels = encode_geometries(np.array([circle]), "polygon", 9, 16)
    assert [lv.zoom for lv in levels] == [10, 12, 14, 16]
    counts = [lv.vertices for lv in levels]
    assert counts == sorted(counts) and counts[0] < 60 < counts[-1] <= 2000


def test_json_in_a_script_cannot_close_it():
    text = json_for_script({"a": "</script><!-- & \u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"a": "</script><!-- & \u2028"}


def _page(name: str, value: str):
    frame = gpd.GeoDataFrame({"name": [value, "ok"]}, geometry=[box(113, 28, 113.01, 28.01), box(113.02, 28, 113.03, 28.01)],
                             crs="EPSG:4490")
    layer = WebLayer(name=name, geoms=frame.geometry.values, columns=[("name " + name, frame["name"])], title_column=0,
                     legend_title=name, legend_rows=[("#123456", value)], tooltip=True)
    return render_webmap(WebMapSpec(title=name, layers=[layer], bounds=(113, 28, 113.03, 28.01)))


def test_no_template_is_evaluated_and_no_cdn_is_referenced():
    page = _page(TEMPLATE, TEMPLATE).html
    data = page.split("sinkmapWeb")[-1]  # the page's data, not Leaflet
    # folium's element ids are random hex ("map_bdaaaf49a0…"): drop them and long numbers before looking for 7*7
    assert "49" not in re.sub(r"\w*[0-9a-f]{16,}\w*|[0-9]{3,}", "", data)
    assert json_for_script(TEMPLATE)[1:-1] in page
    assert not re.findall(r"<script[^>]*\bsrc\s*=|<link[^>]*\bhref\s*=", page, flags=re.I)  # every asset inline
    assert "cdn.jsdelivr" not in page and "cdnjs" not in page and "bootstrapcdn" not in page


# -- the job on the demo world, checked in a real browser ----------------------------------------------------

@pytest.fixture(scope="module")
def evil_layer(tmp_path_factory):
    """Two polygons and a point in 芙蓉区 whose attributes, layer name and file name are markup."""
    folder = tmp_path_factory.mktemp("evil")
    path = folder / f"{EVIL_NAME}.geojson"
    frame = gpd.GeoDataFrame({"name": [EVIL, TEMPLATE], "note": ["</script>", EVIL]},
                             geometry=[box(113.00, 28.19, 113.01, 28.20), box(113.01, 28.19, 113.02, 28.20)],
                             crs="EPSG:4490")
    frame.to_file(path, driver="GeoJSON")
    return path


@pytest.fixture(scope="module")
def exported(tmp_path_factory, evil_layer):
    job = registry.get("export.html")
    out = tmp_path_factory.mktemp("html") / "map.html"
    report = run_job(job, job.make_request({"county": COUNTY, "year": 2025, "out": str(out)}))
    out2 = out.with_name("evil.html")
    evil = run_job(job, job.make_request({"county": COUNTY, "year": 2025, "out": str(out2),
                                          "layers": [str(evil_layer)]}))
    return report, out, evil, out2


def test_report_counts_match_the_sources(exported):
    """The feature counts the page holds are those of the demo layers meeting 芙蓉区 (read independently)."""
    from sinkmap.demo.generate import demo_dir, demo_layers
    from sinkmap.io.boundaries import load_units

    report, out, _, _ = exported
    assert report.synthetic and out.exists() and report.size_bytes == out.stat().st_size
    area = load_units(county=COUNTY).geometry.iloc[0]
    layers = demo_layers(demo_dir())
    for role, name in (("forest", "森林小班"), ("wetland", "湿地"), ("protected", "自然保护地")):
        path, layer = layers[role]
        frame = gpd.read_file(path, layer=layer, bbox=area.bounds)
        expected = int(shapely.intersects(frame.geometry.values, area).sum())
        assert report.features[name] == expected, role
    assert sum(report.features.values()) > 20
    assert "演示数据（合成，非真实调查数据）" in out.read_text(encoding="utf-8")


@needs_chromium
def test_chromium_offline_draws_every_feature_without_errors_or_requests(exported, tmp_path):
    report, out, _, _ = exported
    with Browser(offline=True) as b:
        b.open(out)
        b.wait_for("window.SINKMAP && SINKMAP.ready")
        drawn = b.eval("SINKMAP.layers.map(l => [l.data.name, l.n, l.drawnCount()])")
        # a popup of the ledger unit: the plan's sentence and its document number, as text
        b.eval("SINKMAP.openFeature(0, 0); 1")
        popup = b.eval("document.querySelector('.leaflet-popup-content').textContent")
        legend = b.eval("document.querySelector('.sm-legend').textContent")
        title = b.eval("document.querySelector('.sm-titlebox').textContent")
        b.screenshot(tmp_path / "map.png")
        b.drain(0.2)
        assert b.errors == []
        leaving = [u for u in b.requests if not u.startswith(("file:", "data:"))]
        assert leaving == []
    counts = {name: (n, d) for name, n, d in drawn}
    for name, n in report.features.items():
        assert counts[name] == (n, n), name
    assert "长政发〔2023〕2号《长沙市碳达峰实施方案》" in popup and "森林覆盖率" in popup and "55%" in popup
    assert "000_0d662d477e0d3844.txt" in popup  # the plan text and line the quote was transcribed from
    assert "演示数据（合成，非真实调查数据）" in title
    assert "森林覆盖率（%）" in legend and "达标" in legend
    assert "0.5 像素" in legend and "MB" in legend


@needs_chromium
def test_chromium_shows_injected_markup_as_text_and_runs_none(exported, tmp_path):
    _, _, evil, out = exported
    with Browser(offline=True) as b:
        b.open(out)
        b.wait_for("window.SINKMAP && SINKMAP.ready")
        k = b.eval("SINKMAP.layers.findIndex(l => l.data.name.indexOf('onerror') >= 0)")
        assert k >= 0
        b.eval(f"SINKMAP.openFeature({k}, 0); 1")
        b.drain(0.5)
        popup = b.eval("document.querySelector('.leaflet-popup-content').textContent")
        tooltip = b.eval("document.querySelector('.leaflet-tooltip').textContent")
        control = b.eval("document.querySelector('.leaflet-control-layers').textContent")
        legend = b.eval("document.querySelector('.sm-legend').textContent")
        images = b.eval("document.querySelectorAll('img, .leaflet-container script').length")
        doc_title = b.eval("document.title")
        b.screenshot(tmp_path / "evil.png")
        assert b.errors == []
        assert [u for u in b.requests if not u.startswith(("file:", "data:"))] == []
    assert doc_title.startswith(COUNTY) and "pwned" not in doc_title
    assert EVIL in popup and "</script>" in popup
    assert EVIL in tooltip
    assert EVIL_NAME in control  # the layer's own name, as text in Leaflet's layer control
    assert EVIL_NAME in legend
    assert images == 0


def test_cancel_leaves_no_file(tmp_path):
    from sinkmap.core.errors import Cancelled
    from sinkmap.core.feedback import BaseFeedback

    class CancelLate(BaseFeedback):
        def on_progress(self, fraction, text):
            if fraction >= 0.6:
                self.cancel()

    job = registry.get("export.html")
    out = tmp_path / "m.html"
    out.write_text("previous", encoding="utf-8")
    with pytest.raises(Cancelled):
        run_job(job, job.make_request({"county": COUNTY, "year": 2025, "out": str(out)}), CancelLate())
    assert out.read_text(encoding="utf-8") == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.html"]


def test_siting_regions_are_siting_results_graded_by_score():
    from sinkmap.export.map_layers import data_layer, role_of

    frame = gpd.GeoDataFrame({"region_id": [1, 2, 3, 4], "mean_score": [0.9, 0.8, 0.7, 0.65],
                              "area_ha": [10.0, 5.0, 3.0, 1.0]},
                             geometry=[box(113 + i / 10, 28, 113.05 + i / 10, 28.05) for i in range(4)], crs="EPSG:4490")
    assert role_of("regions", frame) == "sites"
    layer = data_layer("候选区", frame, "sites", "zh_CN")
    assert "平均适宜度" in layer.legend_title and len(layer.legend_rows) == 4
    assert layer.classes.tolist() == [3, 2, 1, 0]  # quantile classes: the best region in the top class
    labels = [label for label, _ in layer.columns]
    assert "平均适宜度 mean_score" in labels and "面积（公顷） area_ha" in labels
