"""Siting rasters on the offline web map: reprojected to Web Mercator, coloured with the app's ramps, embedded as
PNG data URIs, in the layer control and the legend; checked by hand on tiny GeoTIFFs and in Debian's headless
Chromium with the network off (the image loads, sits where the raster is, and its pixels are the ramp's)."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from sinkmap.cli import main
from sinkmap.jobs import registry
from sinkmap.jobs.base import run_job

from browser import Browser, chromium_path
from report_pixels import MapPage

COUNTY = "芙蓉区"
#: the raster's box, inside 芙蓉区: 20 × 10 cells of 0.002°
WEST, NORTH, CELL = 113.00, 28.21, 0.002
TOP_COLOUR = (0x25, 0x34, 0x94)  # the suitability ramp's colour at 1 (carto.colors.RAMPS["suitability"][-1])

needs_chromium = pytest.mark.skipif(chromium_path() is None,
                                    reason="Debian's chromium is not installed (apt-get install chromium)")


def _suitability() -> np.ndarray:
    """1.0 in the top-left 4 × 4 cells, 0 (excluded) in columns 10–13, nodata (-1) in the bottom-right 3 × 3
    cells, 0.5 elsewhere."""
    a = np.full((10, 20), 0.5, dtype=np.float32)
    a[:4, :4] = 1.0
    a[:, 10:14] = 0.0
    a[7:, 17:] = -1.0
    return a


def _write(path, band1, *, crs="EPSG:4490", tags=None):
    profile = {"driver": "GTiff", "width": band1.shape[1], "height": band1.shape[0], "count": 2, "dtype": "float32",
               "transform": from_origin(WEST, NORTH, CELL, CELL), "nodata": -1.0}
    if crs:
        profile["crs"] = crs
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(band1, 1)
        ds.write(np.where(band1 == 0, 5, 0).astype(np.float32), 2)
        ds.update_tags(**(tags or {}))
    return path


@pytest.fixture(scope="module")
def rasters(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rasters")
    suit = _write(folder / "suit.tif", _suitability(),
                  tags={"SITING_TECH": "pv", "SITING_WEIGHTS": "{}", "SITING_DATA": "synthetic_demo"})
    checker = ((np.indices((10, 20)).sum(axis=0) // 2) % 2).astype(np.float32)  # 0/1 in 2 × 2 blocks
    excl = _write(folder / "excl.tif", checker, tags={"SITING_TECH": "pv", "SITING_DATA": "user"})
    return suit, excl


def test_suitability_image_by_hand(rasters):
    from PIL import Image
    import io

    from sinkmap.export.web_raster import raster_overlay

    suit, _ = rasters
    ov = raster_overlay(suit, "zh_CN")
    w, h = ov.size
    assert ov.role == "siting_suitability" and ov.resampling == "nearest" and ov.synthetic  # about 1:1
    assert ov.bounds[0] == pytest.approx(WEST, abs=1e-9) and ov.bounds[3] == pytest.approx(NORTH, abs=1e-9)
    assert ov.bounds[2] == pytest.approx(WEST + 20 * CELL, abs=1e-9) and ov.bounds[1] == pytest.approx(NORTH - 10 * CELL, abs=1e-9)
    img = np.asarray(Image.open(io.BytesIO(ov.png)).convert("RGBA"))
    assert img.shape == (h, w, 4)
    assert tuple(img[0, 0]) == (*TOP_COLOUR, 255)  # a cell of 1.0: the ramp's top, opaque
    # the middle of the excluded columns (x = 12 of 20 cells) and the nodata corner are transparent
    assert img[h // 2, int(w * 12 / 20), 3] == 0 and img[h - 1, w - 1, 3] == 0
    # a cell of 0.5: the ramp at 128/255 (between #41b6c4 at 0.5 and #2c7fb8 at 0.75), opaque
    t = 128 / 255
    expected = [round(np.interp(t, [0.5, 0.75], [a, b])) for a, b in ((0x41, 0x2C), (0xB6, 0x7F), (0xC4, 0xB8))]
    assert tuple(img[h - 1, 5]) == (*expected, 255)
    assert "适宜性（0–1，无量纲" in ov.legend_title and len(ov.legend_rows) == 6
    assert ov.legend_rows[0][1] == "0.8–1"
    assert ov.legend_rows[-1][0].endswith("00")  # 0: transparent
    assert "（演示数据）" in ov.name and "suit.tif" in ov.name


def test_suitability_downsampled_averages_usable_cells(tmp_path):
    """4 × 4 cells a pixel (a grid aligned with the cells): a pixel is the mean of its usable (> 0) cells, and
    excluded (0) where most of its cells are — not a pale low score blended from 0s."""
    from rasterio.transform import from_origin as origin

    from sinkmap.export.web_raster import raster_info, raster_overlay, warp_band

    a = np.full((40, 80), 0.5, dtype=np.float32)
    a[:4, :4] = [[1.0, 1.0, 1.0, 0.0], [0.5, 0.5, 0.5, 0.5], [1.0, 1.0, 1.0, 1.0], [0.5, 0.5, 0.5, 0.5]]
    a[:, 40:] = 0.0
    a[:4, 40:43] = 0.9  # 12 of the pixel's 16 cells usable
    a[4:8, 44:46] = 0.9  # 8 of 16: half, usable
    a[8:12, 48:49] = 0.9  # 4 of 16: excluded
    path = _write(tmp_path / "s.tif", a, tags={"SITING_TECH": "pv", "SITING_WEIGHTS": "{}"})
    info = raster_info(path)
    values, valid, how = warp_band(path, info, "EPSG:4490", origin(WEST, NORTH, 4 * CELL, 4 * CELL), 20, 10)
    assert how == "average_usable" and valid.all()
    assert values[0, 0] == pytest.approx((7 * 1.0 + 8 * 0.5) / 15, abs=1e-6)  # the excluded cell left out
    assert values[0, 1] == pytest.approx(0.5) and values[0, 10] == pytest.approx(0.9)
    assert values[1, 11] == pytest.approx(0.9) and values[2, 12] == 0.0 and values[5, 15] == 0.0
    ov = raster_overlay(path, "en", max_pixels=20 * 10)
    assert ov.size[0] * ov.size[1] <= 200 and ov.resampling == "average_usable"
    assert "averaged over usable cells" in ov.note("en") and "80×40 cells" in ov.note("en")


def test_exclusions_keep_their_steps_and_the_size_is_bounded(rasters):
    from PIL import Image
    import io

    from sinkmap.carto.colors import SITING_COLORS, hex_to_rgba
    from sinkmap.export.web_raster import raster_overlay

    _, excl = rasters
    ov = raster_overlay(excl, "en")
    assert ov.role == "siting_exclusions" and ov.resampling == "nearest" and not ov.synthetic
    img = np.asarray(Image.open(io.BytesIO(ov.png)).convert("RGBA")).reshape(-1, 4)
    colours = {tuple(int(v) for v in c) for c in np.unique(img, axis=0)}
    # nearest cell: only the two steps of 0/1 cells, never amber ("partial") along their edges
    assert colours == {hex_to_rgba(SITING_COLORS["excluded"]), hex_to_rgba(SITING_COLORS["included"])}
    tiny = raster_overlay(excl, "en", max_pixels=4)  # read subsampled (more than 16 cells a pixel)
    assert tiny.size[0] * tiny.size[1] <= 4 and tiny.png.startswith(b"\x89PNG")
    small = raster_overlay(excl, "en", max_pixels=60)
    assert small.size[0] * small.size[1] <= 60 and small.bounds == pytest.approx(ov.bounds)
    assert "at most 60 pixels" in small.note("en")  # the page states the limit and the size it got
    assert f"{small.size[0]}×{small.size[1]} pixels" in small.note("en") and "20×10 cells" in small.note("en")


def test_a_raster_without_crs_is_refused_naming_the_file(tmp_path, capsys):
    bare = _write(tmp_path / "bare.tif", _suitability(), crs=None)
    out = tmp_path / "m.html"
    code = main(["--lang", "en", "export", "html", "--county", COUNTY, "--year", "2025", "--layer", str(bare),
                 "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "bare.tif" in err and "no coordinate reference system" in err and "--crs" in err
    assert not out.exists()
    code = main(["--lang", "zh", "export", "html", "--county", COUNTY, "--year", "2025", "--layer", str(bare),
                 "--out", str(out)])
    assert code == 2 and "该栅格没有坐标系" in capsys.readouterr().err
    code = main(["--lang", "en", "export", "html", "--county", COUNTY, "--year", "2025", "--layer", str(bare),
                 "--crs", "GCJ-02", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "bare.tif" in err and "cannot be read as GCJ-02" in err and not out.exists()
    # with a CRS assumed for it (as for vector layers without one) it is drawn
    code = main(["--lang", "en", "export", "html", "--county", COUNTY, "--year", "2025", "--layer", str(bare),
                 "--crs", "EPSG:4490", "--out", str(out), "--quiet"])
    assert code == 0 and "bare.tif" in out.read_text(encoding="utf-8")


@needs_chromium
def test_chromium_offline_shows_the_raster_where_it_is(rasters, tmp_path):
    suit, excl = rasters
    job = registry.get("export.html")
    out = tmp_path / "r.html"
    rep = run_job(job, job.make_request({"county": COUNTY, "year": 2025, "out": str(out), "output_lang": "zh",
                                         "layers": [str(suit), str(excl)]}))
    assert rep.synthetic  # no demo layer, but the suitability raster is tagged synthetic
    names = list(rep.rasters)
    assert len(names) == 2 and "excl.tif" in names[0] and "suit.tif" in names[1]  # exclusions under suitability
    with Browser(offline=True) as b:
        b.open(out)
        b.wait_for("window.SINKMAP && SINKMAP.ready")
        imgs = b.eval("Array.from(document.querySelectorAll('img.sm-raster')).map(i => [i.naturalWidth, i.naturalHeight, i.complete])")
        # the suitability image's top-left pixel, read back through a canvas (a data URI is same-origin)
        pixel = b.eval("""(() => { const i = document.querySelectorAll('img.sm-raster')[1];
            const c = document.createElement('canvas'); c.width = i.naturalWidth; c.height = i.naturalHeight;
            const x = c.getContext('2d'); x.drawImage(i, 0, 0); return Array.from(x.getImageData(0, 0, 1, 1).data); })()""")
        # where the image is on screen against where the map puts the raster's corners
        placed = b.eval(f"""(() => {{ const i = document.querySelectorAll('img.sm-raster')[1], r = i.getBoundingClientRect(),
            m = SINKMAP.map, c = m.getContainer().getBoundingClientRect(),
            a = m.latLngToContainerPoint([{NORTH}, {WEST}]), z = m.latLngToContainerPoint([{NORTH - 10 * CELL}, {WEST + 20 * CELL}]);
            return [r.left - c.left - a.x, r.top - c.top - a.y, r.right - c.left - z.x, r.bottom - c.top - z.y]; }})()""")
        # the screen pixel a little inside the raster's top-left corner: the ramp's top at the layer's opacity
        corner = b.eval(f"(() => {{ const p = SINKMAP.map.latLngToContainerPoint([{NORTH - CELL}, {WEST + CELL}]); return [p.x, p.y]; }})()")
        control = b.eval("document.querySelector('.leaflet-control-layers').textContent")
        legend = b.eval("document.querySelector('.sm-legend').textContent")
        title = b.eval("document.querySelector('.sm-titlebox').textContent")
        b.eval("SINKMAP.map.eachLayer(l => { if (l.data && l.data.kind !== 'raster') SINKMAP.map.removeLayer(l); }); 1")
        b.drain(0.3)
        shot = tmp_path / "r.png"
        b.screenshot(shot)
        assert b.errors == []
        assert [u for u in b.requests if not u.startswith(("file:", "data:"))] == []
    assert len(imgs) == 2 and all(w > 0 and h > 0 and done for w, h, done in imgs)
    assert pixel == [*TOP_COLOUR, 255]
    assert all(abs(d) <= 1.0 for d in placed), placed
    from PIL import Image

    screen = Image.open(shot).convert("RGB").getpixel((int(corner[0]), int(corner[1])))
    # the suitability's top colour at opacity 0.9 over the exclusions' red (its top-left cell is 0) at 0.8 over
    # the page's background #f4f4f0
    below = [0.8 * r + 0.2 * g for r, g in zip((0xD0, 0x45, 0x3A), (0xF4, 0xF4, 0xF0))]
    expected = [0.9 * t + 0.1 * u for t, u in zip(TOP_COLOUR, below)]
    assert all(abs(a - e) <= 3 for a, e in zip(screen, expected)), (screen, expected)
    assert "suit.tif" in control and "excl.tif" in control
    assert "适宜性（0–1，无量纲；1 最适宜）" in legend and "0：被规则排除（透明）" in legend and "可用比例（0–1）" in legend
    assert "Web 墨卡托" in legend and "1,000,000 像元" in legend
    assert "演示数据（合成，非真实调查数据）" in title  # the suitability raster is tagged synthetic


@pytest.mark.skipif(__import__("shutil").which("pdftoppm") is None,
                    reason="poppler-utils is not installed (Debian: apt-get install poppler-utils)")
def test_the_report_map_draws_the_raster(rasters, tmp_path):
    """The suitability raster on the report's map: a cell of 1.0 is the ramp's top colour at the layer's
    opacity (0.9) over the white page; the legend names it."""
    import subprocess

    suit, _ = rasters
    job = registry.get("export.report")
    out = tmp_path / "r.pdf"
    rep = run_job(job, job.make_request({"county": COUNTY, "year": 2025, "out": str(out), "layers": [str(suit)]}))
    assert rep.synthetic
    page = MapPage(rep, out, tmp_path)
    expected = [0.9 * c + 0.1 * 255 for c in TOP_COLOUR]
    got = page.at(WEST + 2 * CELL, NORTH - 2 * CELL)  # the middle of the 4 × 4 cells of 1.0
    assert all(abs(g - e) <= 6 for g, e in zip(got, expected)), (got, expected)
    got = page.at(WEST + 12 * CELL, NORTH - 5 * CELL)  # an excluded cell: transparent, the white page
    assert min(got) > 240, got
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    assert "suit.tif" in text and "suitability (0–1, unitless; 1 best)" in text
