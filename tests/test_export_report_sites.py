"""export.report: the impact scenarios' sites on the map (#1, #2 … as the impact table labels them), CO₂ with a
subscript 2 (the CJK font has no "₂"), and ``--lang`` affecting that export only."""

from __future__ import annotations

import re
import shutil
import subprocess

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from sinkmap.cli import main
from sinkmap.core import messages
from sinkmap.jobs import registry
from sinkmap.jobs.base import run_job

from report_pixels import MapPage

COUNTY = "芙蓉区"
#: two sites inside 芙蓉区 (lon/lat boxes)
SITE_A = (113.000, 28.185, 113.010, 28.195)
SITE_B = (113.030, 28.190, 113.045, 28.200)


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_sites_found_by_name_numbered_in_table_order():
    from sinkmap.export.report_sites import mark_sites

    named = gpd.GeoDataFrame({"name": ["乙", "甲", "丙"]}, geometry=[box(*SITE_B), box(*SITE_A), box(0, 0, 1, 1)],
                             crs="EPSG:4490")
    points = gpd.GeoDataFrame({"名称": ["甲"]}, geometry=[Point(113.005, 28.19)], crs="EPSG:4490")
    unnamed = gpd.GeoDataFrame({"x": [1, 2]}, geometry=[box(*SITE_A), box(*SITE_B)], crs="EPSG:4490")
    forest = gpd.GeoDataFrame({"name": ["丁"]}, geometry=[box(*SITE_A)], crs="EPSG:4490")
    impacts = [("a.json", {"sites": [{"name": "甲"}, {"name": "乙"}, {"name": "丁"}]}),
               ("b.json", {"sites": [{"name": "场址1"}, {"name": "场址2"}]}),
               ("c.json", {"sites": [{"name": "乙"}]})]
    layers = [("points", points, "projects"), ("sites", named, None), ("unnamed", unnamed, None),
              ("forest", forest, "forest")]
    marks = mark_sites(impacts, layers)
    # 甲 from the polygons, not the point; 丁 is only in the forest layer: not a site, missing
    assert [(m.number, m.name, m.layer) for m in marks.marks] == [(1, "甲", "sites"), (2, "乙", "sites"),
                                                                  (3, "场址1", "unnamed"), (4, "场址2", "unnamed")]
    assert marks.marks[0].geometry.equals(box(*SITE_A))
    assert marks.numbers == [{"甲": 1, "乙": 2}, {"场址1": 3, "场址2": 4}, {"乙": 2}]  # the same site, the same #
    assert marks.missing == [("a.json", ["丁"])] and marks.layers == {"sites", "unnamed"}
    # unnamed features stand for 场址1, 场址2 … only when there are as many as the scenario's sites
    assert mark_sites([("b.json", {"sites": [{"name": "场址1"}]})], layers).missing == [("b.json", ["场址1"])]


@pytest.fixture(scope="module")
def with_sites(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sites")
    sites = folder / "sites.gpkg"
    gpd.GeoDataFrame({"name": ["光伏甲", "光伏乙"]}, geometry=[box(*SITE_A), box(*SITE_B)],
                     crs="EPSG:4490").to_file(sites, layer="sites")
    impact = folder / "impact.json"
    assert main(["site", "impact", "--site", str(sites), "--year", "2025", "--county", COUNTY, "--out", str(impact),
                 "--quiet"]) == 0
    job = registry.get("export.report")
    out, xlsx = folder / "r.pdf", folder / "r.xlsx"
    rep = run_job(job, job.make_request({"county": COUNTY, "year": 2025, "out": str(out), "xlsx": str(xlsx),
                                         "output_lang": "zh", "layers": [str(sites)], "impacts": [str(impact)]}))
    return rep, out, xlsx, impact


@pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
                    reason="poppler-utils is not installed (Debian: apt-get install poppler-utils)")
def test_the_map_draws_and_labels_the_impact_sites(with_sites, tmp_path):
    rep, out, xlsx, _ = with_sites
    page = subprocess.run(["pdftotext", "-f", str(rep.map_page), "-l", str(rep.map_page), str(out), "-"],
                          capture_output=True, check=True, text=True).stdout
    assert "#1" in page and "#2" in page and "场址占地（#编号与影响表对应）" in _flat(page)
    flat = _flat(subprocess.run(["pdftotext", str(out), "-"], capture_output=True, check=True, text=True).stdout)
    assert "图上编号" in flat and "#1光伏甲" in flat and "#2光伏乙" in flat
    assert f"为第{rep.map_page}页地图上的场址标注" in flat
    # a point inside site 乙 (away from its label at the middle): the sites' purple at 0.45 over the white page
    page = MapPage(rep, out, tmp_path)
    for lon, lat in ((SITE_B[0] + 0.0015, SITE_B[3] - 0.0015), (SITE_B[2] - 0.0015, SITE_B[3] - 0.0015)):
        expected = [0.45 * c + 0.55 * 255 for c in (0x8E, 0x44, 0xAD)]
        got = page.at(lon, lat)
        assert all(abs(g - e) <= 8 for g, e in zip(got, expected)), (got, expected)
    # outside the sites: no purple
    got = page.at(SITE_B[2] + 0.004, SITE_B[3] + 0.004)
    assert got[0] > 240 and got[1] > 240, got
    from openpyxl import load_workbook

    rows = list(load_workbook(xlsx, read_only=True)["场址影响"].iter_rows(values_only=True))
    col = rows[0].index("图上编号")
    assert [r[1] for r in rows[1:]] == ["光伏甲", "光伏乙", "合计"]
    assert [r[col] if len(r) > col else None for r in rows[1:]] == ["#1", "#2", None]  # (empty cells end a row)


def test_a_site_with_no_layer_is_named_in_a_warning(with_sites, tmp_path):
    _, _, _, impact = with_sites
    job = registry.get("export.report")
    rep = run_job(job, job.make_request({"county": COUNTY, "year": 2025, "out": str(tmp_path / "r.pdf"),
                                         "impacts": [str(impact)]}))
    codes = [(w.code, w.params) for w in rep.warnings]
    assert ("export.sites_not_on_map", {"scenario": "impact.json", "sites": "光伏甲、光伏乙"}) in codes


def _text_sizes(pdf_path):
    """[(text, font size × text-matrix scale)] of every text operation of the PDF, in order (pypdf)."""
    from pypdf import PdfReader

    out = []
    for page in PdfReader(str(pdf_path)).pages:
        def visit(text, cm, tm, font, size):
            text = text.replace("\x00", "")  # pypdf reads the 2-byte codes of this font as bytes
            if text.strip():
                out.append((text, round(size * tm[3] if tm[3] else size, 2)))
        page.extract_text(visitor_text=visit)
    return out


def test_co2_is_written_with_a_subscript_2(tmp_path, recwarn):
    """In cells, tables and placed text alike: "CO" at the size of the text, "2" at 0.7 of it (fpdf2's subscript)
    and lowered; the font's missing "₂" is never used."""
    from fpdf import FPDF

    from sinkmap.export.fonts import cjk_font
    from sinkmap.export.report_pdf import _SubscriptPdf

    pdf = _SubscriptPdf(FPDF)(unit="pt", format="A4")
    font = cjk_font()
    pdf.add_font("cjk", fname=str(font.path), collection_font_number=font.index)
    pdf.add_page()
    pdf.set_font("cjk", size=10)
    pdf.multi_cell(300, 14, "碳储量 CO₂ (10⁴ t)", new_x="LMARGIN", new_y="NEXT")
    from fpdf.fonts import FontFace

    with pdf.table(col_widths=[1, 1], width=300, headings_style=FontFace(fill_color=(228, 233, 238))) as tbl:
        row = tbl.row()
        row.cell("CO₂ (t)")
        row.cell("12")
    pdf.text(40, 400, "CO₂ 5")
    path = tmp_path / "co2.pdf"
    pdf.output(str(path))
    assert not [w for w in recwarn if "glyph" in str(w.message).lower() or "₂" in str(w.message)]
    sizes = _text_sizes(path)
    twos = [i for i, (t, _) in enumerate(sizes) if t.startswith("2")]
    assert len(twos) == 3, sizes
    for i in twos:
        before = sizes[i - 1]
        assert before[0].endswith("CO") and sizes[i][1] == pytest.approx(0.7 * before[1], rel=0.02), sizes
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
        assert "₂" not in text and text.count("CO2") + text.count("CO 2") == 3


def test_lang_affects_that_export_only(tmp_path, capsys):
    """--lang en on one export: that page is English; the next run without it is in the interface language
    (Chinese here), and the process's language is untouched by a request's output language."""
    job = registry.get("export.html")
    messages.set_language("zh_CN")
    rep = run_job(job, job.make_request({"county": COUNTY, "year": 2025, "out": str(tmp_path / "en.html"),
                                         "output_lang": "en", "layers": []}))
    assert messages.current_language() == "zh_CN" and rep.area == COUNTY
    assert "sink ledger map" in (tmp_path / "en.html").read_text(encoding="utf-8")
    assert main(["export", "html", "--county", COUNTY, "--year", "2025", "--out", str(tmp_path / "a.html"),
                 "--lang", "en", "--quiet", "--json"]) == 0
    assert main(["--lang", "zh", "export", "html", "--county", COUNTY, "--year", "2025", "--out",
                 str(tmp_path / "b.html"), "--quiet"]) == 0
    capsys.readouterr()
    en, zh = ((tmp_path / n).read_text(encoding="utf-8") for n in ("a.html", "b.html"))
    assert "sink ledger map" in en and "碳汇台账地图" not in en
    assert "碳汇台账地图" in zh and "sink ledger map" not in zh


def test_cli_lang_reaches_the_request(tmp_path, monkeypatch):
    """The CLI's --lang (taken off the line for the messages' language) is also the export's output language
    in its request — recorded with the run, not left to whatever the interface language is later."""
    from sinkmap import cli
    from sinkmap.jobs import base

    seen = []
    monkeypatch.setattr(base, "run_job", lambda job, request, feedback=None: seen.append(request))
    monkeypatch.setattr(cli, "_run_and_show", lambda run, args, lang: run(None) or 0)
    for argv, expected in ((["--lang", "en"], "en"), (["--lang", "zh_CN"], "zh"), ([], None)):
        assert main([*argv, "export", "report", "--county", COUNTY, "--out", str(tmp_path / "x.pdf")]) == 0
        assert seen[-1].output_lang == expected
