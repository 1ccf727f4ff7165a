"""export.report: the PDF report read back by real clients — poppler's pdftotext (Chinese ledger text and the
plans' sentences), pdffonts (embedded), pdftoppm (every page renders), GDAL's gdalinfo (the map page's
georeference within one pixel) — and the workbook read back by openpyxl."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from sinkmap.cli import main
from sinkmap.jobs import registry
from sinkmap.jobs.base import run_job

COUNTY_CITY = "长沙市"

needs = {tool: pytest.mark.skipif(shutil.which(tool) is None,
                                  reason=f"{tool} is not installed (Debian: apt-get install "
                                         f"{'gdal-bin' if tool == 'gdalinfo' else 'poppler-utils'})")
         for tool in ("pdftotext", "pdffonts", "pdftoppm", "gdalinfo")}


def _flat(text: str) -> str:
    """Text without the line breaks and spaces a PDF's layout puts inside sentences."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    job = registry.get("export.report")
    out, xlsx = folder / "cs.pdf", folder / "cs.xlsx"
    rep = run_job(job, job.make_request({"city": COUNTY_CITY, "year": 2025, "out": str(out), "xlsx": str(xlsx)}))
    return rep, out, xlsx


@needs["pdftotext"]
def test_pdftotext_extracts_the_ledger_and_the_quoted_targets(report):
    from sinkmap.io.targets import load_targets

    rep, out, _ = report
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(out), "-"], capture_output=True, check=True,
                          text=True).stdout
    flat = _flat(text)
    for word in ("长沙市", "浏阳市", "芙蓉区", "森林覆盖率", "湿地保护率", "未达标", "达标", "演示数据（合成，非真实调查数据）",
                 "审图号", "长政发〔2023〕2号《长沙市碳达峰实施方案》"):
        assert word in flat, word
    # every target of 长沙市 for 2025 is quoted whole, with its document
    targets = [t for t in load_targets().for_city("长沙市") if t.year == 2025]
    assert len(targets) >= 4
    for t in targets:
        assert _flat(t.quote) in flat, t.quote
    # 芙蓉区's forest-coverage gap as the ledger computes it, in whole hectares as the terminal shows it
    gap = next(a.gap for u in _ledger(rep) if u.name == "芙蓉区" for a in u.targets if a.indicator == "forest_coverage_pct")
    assert f"差{gap:,.0f}公顷" in flat


def _ledger(rep):
    from sinkmap.jobs.ledger import LEDGER, LedgerRequest

    return run_job(LEDGER, LedgerRequest(year=rep.year, city=rep.area)).units


@needs["pdffonts"]
def test_fonts_are_embedded(report):
    _, out, _ = report
    lines = subprocess.run(["pdffonts", str(out)], capture_output=True, check=True, text=True).stdout.splitlines()[2:]
    assert lines, "no font"
    for line in lines:
        emb, sub = line.split()[-5:-3]
        assert emb == "yes" and sub == "yes", line
    assert any("NotoSansCJKSC" in line for line in lines)


@needs["pdftoppm"]
def test_every_page_renders(report, tmp_path):
    from PIL import Image

    rep, out, _ = report
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(out), str(tmp_path / "p")], check=True, capture_output=True)
    pages = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) == rep.pages >= 5
    for page in pages:
        img = Image.open(page).convert("L")
        w, h = img.size
        assert abs(h / w - 841.89 / 595.28) < 0.01  # A4
        assert img.getextrema()[0] < 100  # something dark is drawn on every page
    # the map page is mostly the map: many distinct colours
    colours = Image.open(pages[rep.map_page - 1]).convert("RGB").getcolors(1 << 20)
    assert len(colours) > 500


@needs["gdalinfo"]
def test_the_map_page_georeference_reads_back_within_a_pixel(report):
    rep, out, _ = report
    info = json.loads(subprocess.run(["gdalinfo", "-json", f"PDF:{rep.map_page}:{out}"], capture_output=True, check=True,
                                     text=True).stdout)
    gt = info["geoTransform"]
    width_px, height_px = info["size"]
    assert "4547" in json.dumps(info["coordinateSystem"]) or "114" in info["coordinateSystem"]["wkt"]
    page_w, page_h = 595.28, 841.89
    px_per_pt = width_px / page_w
    left, bottom, fw, fh = rep.map_frame_pt
    x0, y0, x1, y1 = rep.map_extent
    # where the frame's corners are in GDAL's raster, from the layout alone …
    corners_pt = {(x0, y1): (left, page_h - bottom - fh), (x1, y0): (left + fw, page_h - bottom)}
    for (gx, gy), (cx, cy) in corners_pt.items():
        # … and where GDAL's georeference puts those map coordinates
        col = (gx - gt[0]) / gt[1]
        row = (gy - gt[3]) / gt[5]
        assert abs(col - cx * px_per_pt) < 1.0 and abs(row - cy * px_per_pt) < 1.0, (col, row, cx, cy)
    assert abs(gt[1] + gt[5]) < 1e-3 * gt[1]  # square pixels
    assert height_px == pytest.approx(page_h * px_per_pt, abs=1.5)


def test_workbook_tables(report):
    from openpyxl import load_workbook

    rep, _, xlsx = report
    wb = load_workbook(xlsx, read_only=True)
    assert wb.sheetnames[:2] == ["ledger", "targets"] or wb.sheetnames[:2] == ["台账", "目标对照"]
    targets = list(wb[wb.sheetnames[1]].iter_rows(values_only=True))
    head = targets[0]
    rows = [dict(zip(head, r)) for r in targets[1:]]
    status_col = "status" if "status" in head else "状态"
    assert {r[status_col] for r in rows} >= {"met", "short"} or {r[status_col] for r in rows} >= {"达标", "未达标"}
    quote_col = "plan sentence" if "plan sentence" in head else "规划原文"
    assert any("55%" in (r[quote_col] or "") for r in rows)
    ledger = list(wb[wb.sheetnames[0]].iter_rows(values_only=True))
    assert any("pct" in str(h) or "百分比" in str(h) for h in ledger[0])  # units in the headers
    assert ledger[1][0].startswith("演示数据")


def test_english_a3_and_bad_impact_file(tmp_path, capsys):
    bad = tmp_path / "x.json"
    bad.write_text("{}", encoding="utf-8")
    code = main(["--lang", "en", "export", "report", "--county", "芙蓉区", "--year", "2025", "--impact", str(bad),
                 "--out", str(tmp_path / "r.pdf")])
    err = capsys.readouterr().err
    assert code == 2 and "not a site-impact report" in err and "x.json" in err
    assert not (tmp_path / "r.pdf").exists()
    code = main(["--lang", "en", "export", "report", "--county", "芙蓉区", "--year", "2025", "--page", "A3",
                 "--out", str(tmp_path / "r.pdf"), "--quiet"])
    assert code == 0
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True).stdout
        assert "Forest coverage" in text and "synthetic demo data" in text
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(tmp_path / "r.pdf")], capture_output=True, text=True).stdout
        assert "841.89 x 1190.55" in info or "842 x 1191" in info


def test_cancel_leaves_the_previous_report(tmp_path):
    from sinkmap.core.errors import Cancelled
    from sinkmap.core.feedback import BaseFeedback

    class CancelAtMap(BaseFeedback):
        def on_progress(self, fraction, text):
            if fraction >= 0.55:
                self.cancel()

    job = registry.get("export.report")
    out = tmp_path / "r.pdf"
    out.write_bytes(b"previous")
    with pytest.raises(Cancelled):
        run_job(job, job.make_request({"county": "芙蓉区", "year": 2025, "out": str(out)}), CancelAtMap())
    assert out.read_bytes() == b"previous" and sorted(p.name for p in tmp_path.iterdir()) == ["r.pdf"]


def test_site_impact_tables(tmp_path):
    """A scenario from `sinkmap site impact --out x.json` becomes a table of the report and a sheet of the workbook."""
    import geopandas as gpd
    from openpyxl import load_workbook
    from shapely.geometry import box

    sites = tmp_path / "sites.gpkg"
    gpd.GeoDataFrame({"name": ["光伏甲", "光伏乙"]}, geometry=[box(113.00, 28.18, 113.01, 28.19),
                                                          box(113.005, 28.18, 113.015, 28.19)],
                     crs="EPSG:4490").to_file(sites, layer="sites")
    impact_json = tmp_path / "impact.json"
    assert main(["site", "impact", "--site", str(sites), "--year", "2025", "--county", "芙蓉区", "--out",
                 str(impact_json), "--quiet"]) == 0
    doc = json.loads(impact_json.read_text(encoding="utf-8"))
    out, xlsx = tmp_path / "r.pdf", tmp_path / "r.xlsx"
    assert main(["--lang", "zh", "export", "report", "--county", "芙蓉区", "--year", "2025", "--impact", str(impact_json),
                 "--out", str(out), "--xlsx", str(xlsx), "--quiet"]) == 0
    wb = load_workbook(xlsx, read_only=True)
    rows = list(wb["场址影响"].iter_rows(values_only=True))
    assert rows[0][:4] == ("情景", "场址", "区县", "占地_公顷")
    by_site = {r[1]: r for r in rows[1:]}
    assert set(by_site) == {"光伏甲", "光伏乙", "合计"}
    assert by_site["光伏甲"][3] == round(doc["sites"][0]["footprint_ha"], 1)
    assert by_site["合计"][3] == round(doc["total"]["footprint_ha"], 1)  # overlaps counted once
    if shutil.which("pdftotext"):
        flat = _flat(subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout)
        assert "场址与情景影响" in flat and "光伏甲" in flat and "合计（重叠只计一次）" in flat
        assert f"{doc['total']['footprint_ha']:,.1f}" in flat
