"""The report as a PDF (fpdf2), in Chinese or English, A4 or A3, for bureau staff to hand to officials.

Pages: a cover (area, year, data sources, the synthetic-data label where true); the map (title, legend,
scale bar, north arrow, county names as text) whose image GDAL writes as a georeferenced page
(:mod:`sinkmap.export.report_map`) and this document's page is laid over (pypdf), keeping GDAL's geospatial
dictionary; the ledger's measures; each unit's targets — measured, the target as worded, status, gap — and
every target's sentence quoted with its document (文号) and the plan text's file and line; charts of each
ratio indicator per county against its target; site and scenario impact tables when given; where the data
come from; and the note that the boundaries are for internal use (no 审图号).

The font is the Simplified-Chinese face of the PyPI package ``noto-cjk-sans-otc``, embedded as a subset:
text is selectable and ``pdftotext`` extracts it. There is no bold face: headings are drawn with the
text stroked as well as filled.
"""

from __future__ import annotations

import datetime as _dt
import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import SinkmapError
from ..core.messages import is_chinese
from .ledger_text import level_word, measure_cells, measure_heads, number, target_rows
from .report_figure import AreaMapInput, draw_area_map
from .report_map import Frame, MapDrawing, make_frame, write_geopdf

PAGE_SIZES = {"A4": (595.28, 841.89), "A3": (841.89, 1190.55)}
MARGIN = 40
_STATUS_RGB = {"met": (214, 240, 222), "within_band": (251, 239, 194), "short": (248, 213, 210)}
_BAR_RGB = {"met": (46, 158, 91), "within_band": (224, 176, 0), "short": (208, 69, 58), "no_data": (189, 189, 189),
            "no_target": (154, 154, 154), "city_total": (127, 159, 191)}
#: Ratio indicators charted per county against the city's target.
CHART_INDICATORS = ("forest_coverage_pct", "wetland_protection_rate_pct")


@dataclass
class ReportContent:
    """Everything the report says; made by the ``export.report`` job, read by the PDF and XLSX writers."""

    area: str
    level: str  # city / county
    year: int
    lang: str
    synthetic: bool
    synthetic_label: str
    units: list  # LedgerUnit, the city (or county) row first
    unit_frame: object  # GeoDataFrame of the units mapped (counties)
    outline: object  # GeoDataFrame of the area's outline
    layers: list = field(default_factory=list)  # (name, frame, role) for the map
    sources: list[str] = field(default_factory=list)  # input files (file › layer)
    boundary_source: str = ""
    impacts: list[tuple[str, dict]] = field(default_factory=list)  # (file name, site.impact JSON)
    sites: object = None  # SiteMarks (sinkmap.export.report_sites): the impact sites found on the map, numbered
    rasters: list = field(default_factory=list)  # RasterInfo (sinkmap.export.web_raster) given with --layer
    page: str = "A4"
    generated: str = field(default_factory=lambda: _dt.date.today().isoformat())
    run_id: str = ""
    version: str = ""

    @property
    def zh(self) -> bool:
        return is_chinese(self.lang)

    def t(self, zh: str, en: str) -> str:
        return zh if self.zh else en


#: May not begin a line (closing marks and stops; 行首禁则), may not end one (opening marks; 行尾禁则).
NO_LINE_START = set("，。、；：？！）］｝」』】〉》〕”’…‥·・％‰,.;:!?)]}%'\"-–—～")
NO_LINE_END = set("（［｛「『【〈《〔“‘([{")
_LATIN = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,%+-–/_'°²³×₀₁₂₃₄₅₆₇₈₉")


def _tokens(text: str) -> list[str]:
    """Break opportunities: each CJK character alone, a run of Latin letters/digits kept whole, spaces alone."""
    out: list[str] = []
    for ch in text:
        if out and ch in _LATIN and out[-1][-1] in _LATIN and out[-1][-1] != " ":
            out[-1] += ch
        else:
            out.append(ch)
    return out


def wrap_lines(text: str, width: float, measure) -> list[str]:
    """Greedy line breaking of mixed Chinese/Latin ``text`` into lines no wider than ``width`` (by ``measure``).

    A line never begins with a closing mark or stop (，。）」…) nor ends with an opening mark (（「“): the
    character before is carried to the next line with it (追い出し, as in GB/T 15834's layout practice), and Latin
    words and numbers are never split unless one alone is wider than the line.
    """
    lines: list[list[str]] = [[]]
    used = 0.0
    for tok in _tokens(text):
        w = measure(tok)
        line = lines[-1]
        if not line or used + w <= width:
            if not (tok == " " and not line):  # no space at the start of a line
                line.append(tok)
                used += w
            continue
        if tok == " ":  # a break at a space: the space goes
            lines.append([])
            used = 0.0
            continue
        carry: list[str] = []
        head = tok  # what would begin the next line
        while len(line) > 1 and (head[0] in NO_LINE_START or line[-1][-1] in NO_LINE_END):
            head = line.pop()
            carry.insert(0, head)
        while line and line[-1] == " ":
            line.pop()
        lines.append(carry + [tok])
        used = sum(measure(t) for t in lines[-1])
    return ["".join(line) for line in lines if line] or [""]


def _fpdf():
    try:
        from fpdf import FPDF
    except ImportError:
        raise SinkmapError(code="export.missing_package", package="fpdf2", extra="export") from None
    return FPDF


#: Subscript digits (CO₂): the CJK font has none, so they are written as digits in fpdf2's subscript position.
SUBSCRIPTS = {chr(0x2080 + d): str(d) for d in range(10)}


def _subscript_runs(text: str) -> list[tuple[str, bool]]:
    """``text`` as runs of (characters, subscript?), the subscript digits as plain digits."""
    runs: list[tuple[str, bool]] = []
    for ch in text:
        low = ch in SUBSCRIPTS
        c = SUBSCRIPTS.get(ch, ch)
        if runs and runs[-1][1] == low:
            runs[-1] = (runs[-1][0] + c, low)
        else:
            runs.append((c, low))
    return runs


def _SubscriptPdf(FPDF):
    """``FPDF`` writing the subscript digits ₀–₉ (which the Noto CJK face lacks: they would be blank boxes) as
    smaller, lowered digits — in cells, multi-cells and tables (fpdf2's ``char_vpos`` "SUB" fragments) and
    in :meth:`text`. Text extraction gives "CO2"."""
    from fpdf.enums import CharVPos
    from fpdf.line_break import Fragment

    class SubscriptPdf(FPDF):
        def _parse_chars(self, text, markdown, **kwargs):
            for frag in super()._parse_chars(text, markdown, **kwargs):
                if type(frag) is not Fragment or not any(ch in SUBSCRIPTS for ch in frag.characters):
                    yield frag
                    continue
                for run, low in _subscript_runs("".join(frag.characters)):
                    yield self._sub_fragment(frag, list(run), low)

        @staticmethod
        def _sub_fragment(frag, chars: list[str], low: bool):
            if not low:
                return Fragment(chars, frag.graphics_state, frag.k, link=frag.link)
            state = frag.graphics_state.copy()
            state.char_vpos = CharVPos.SUB
            return Fragment(chars, state, frag.k, link=frag.link)

        def text(self, x: float, y: float, text: str = "") -> None:
            if not any(ch in SUBSCRIPTS for ch in text):
                return super().text(x, y, text)
            size = self.font_size_pt
            for run, low in _subscript_runs(text):
                if low:  # as fpdf2's subscripts: 0.7 of the size, lowered by 0.15 of it
                    self.set_font_size(size * 0.7)
                    super().text(x, y + size * 0.15 / self.k, run)
                    x += self.get_string_width(run)
                    self.set_font_size(size)
                else:
                    super().text(x, y, run)
                    x += self.get_string_width(run)
            return None

    return SubscriptPdf


class _Doc:
    """fpdf2 with the report's font, footer and a few drawing helpers."""

    def __init__(self, content: ReportContent) -> None:
        from .fonts import cjk_font

        FPDF = _fpdf()
        c = content
        footer_text = c.t("边界仅供内部使用，未经审图（无审图号）", "boundaries for internal use only (no 审图号)")
        if c.synthetic:
            footer_text = c.synthetic_label + " · " + footer_text

        class Pdf(_SubscriptPdf(FPDF)):
            def footer(self) -> None:  # noqa: D401 - fpdf2 hook
                self.set_y(-28)
                self.set_font("cjk", size=7.5)
                self.set_text_color(110, 110, 110)
                self.cell(0, 10, f"{footer_text}    {self.page_no()}", align="C")
                self.set_text_color(0, 0, 0)

        self.c = c
        self.w, self.h = PAGE_SIZES[c.page]
        self.pdf = Pdf(orientation="P", unit="pt", format=(self.w, self.h))
        font = cjk_font()
        self.pdf.add_font("cjk", fname=str(font.path), collection_font_number=font.index)
        self.pdf.set_font("cjk", size=10)
        self.pdf.set_margins(MARGIN, MARGIN, MARGIN)
        self.pdf.set_auto_page_break(True, margin=44)
        title = f"{c.area} {c.t('碳汇台账报告', 'sink ledger report')} {c.year}"
        self.pdf.set_title(title)
        self.pdf.set_creator(f"sinkmap {c.version}".strip())
        self.pdf.set_lang("zh-CN" if c.zh else "en")
        self.scale = self.w / PAGE_SIZES["A4"][0]  # type grows with the page

    def size(self, pt: float) -> float:
        return pt * (1 + (self.scale - 1) * 0.5)

    def wrap(self, text: str) -> str:
        """``text`` broken into lines for a full-width cell at the current font, by the Chinese line rules."""
        pdf = self.pdf
        width = pdf.w - pdf.r_margin - pdf.l_margin - 2 * pdf.c_margin - 0.5  # a little slack for rounding
        return "\n".join(line for para in text.split("\n") for line in wrap_lines(para, width, pdf.get_string_width))

    def heading(self, text: str, size: float = 15, space: float = 8) -> None:
        pdf = self.pdf
        pdf.set_font("cjk", size=self.size(size))
        # no bold face: stroke the glyphs too, inside a saved graphics state (the text rendering mode is part
        # of it, so the text after the heading is filled only)
        with pdf.local_context(text_mode="FILL_STROKE", line_width=0.35, draw_color=(0, 0, 0)):
            pdf.multi_cell(0, self.size(size) * 1.35, self.wrap(text), new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.ln(space)
        pdf.set_font("cjk", size=self.size(9.5))

    def para(self, text: str, size: float = 9.5, color=(0, 0, 0), space: float = 3) -> None:
        pdf = self.pdf
        pdf.set_font("cjk", size=self.size(size))
        pdf.set_text_color(*color)
        pdf.multi_cell(0, self.size(size) * 1.45, self.wrap(text), new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.set_text_color(0, 0, 0)
        pdf.ln(space)

    def table(self, heads: list[str], rows: list[list[str]], widths: list[float], *, size: float = 8,
              fills: list[list[tuple | None]] | None = None, align: str = "LEFT") -> None:
        from fpdf.fonts import FontFace

        pdf = self.pdf
        pdf.set_font("cjk", size=self.size(size))
        pdf.set_fill_color(255, 255, 255)
        pdf.set_draw_color(160, 160, 160)
        head_style = FontFace(fill_color=(228, 233, 238))
        total = self.w - 2 * MARGIN
        inner = [w / sum(widths) * total - 2 * 2 - 2 * pdf.c_margin - 0.5 for w in widths]

        def wrap(text: str, j: int) -> str:  # by the Chinese line rules, as paragraphs are
            return "\n".join(line for part in str(text).split("\n")
                             for line in wrap_lines(part, inner[j], pdf.get_string_width))

        heads = [wrap(h, j) for j, h in enumerate(heads)]
        rows = [[wrap(cell, j) for j, cell in enumerate(row)] for row in rows]
        with pdf.table(col_widths=widths, width=self.w - 2 * MARGIN, line_height=self.size(size) * 1.35,
                       headings_style=head_style, text_align=align, padding=2) as tbl:
            r = tbl.row()
            for h in heads:
                r.cell(h)
            for i, row in enumerate(rows):
                r = tbl.row()
                for j, cell in enumerate(row):
                    fill = fills[i][j] if fills else None
                    r.cell(cell, style=FontFace(fill_color=fill) if fill else None)
        pdf.set_draw_color(0, 0, 0)
        pdf.ln(6)


# -- pages ----------------------------------------------------------------------------------------------

def _cover(doc: _Doc) -> None:
    c, pdf = doc.c, doc.pdf
    pdf.add_page()
    pdf.ln(90 * doc.scale)
    doc.heading(f"{c.area}", size=30, space=4)
    doc.heading(c.t("森林与湿地碳汇台账报告", "Forest and wetland sink ledger report"), size=22, space=14)
    doc.para(c.t(f"对照 {c.year} 年碳达峰实施方案目标", f"against the carbon-peak plan's targets for {c.year}"), size=13)
    docs = list(dict.fromkeys(a.document for u in c.units for a in u.targets if a.document))
    if docs:
        doc.para(c.t("目标出处：", "targets from: ") + "；".join(docs), size=11)
    doc.para(c.t(f"范围：{c.area}（{'市' if c.level == 'city' else '区县'}）  ·  目标年：{c.year}  ·  编制日期：{c.generated}",
                 f"area: {c.area} ({c.level})  ·  target year: {c.year}  ·  made on {c.generated}"), size=10.5)
    if c.synthetic:
        pdf.ln(10)
        pdf.set_draw_color(176, 0, 32)
        pdf.set_line_width(1.2)
        y = pdf.get_y()
        doc.para(c.synthetic_label + c.t("：本报告的森林、湿地与项目数据为合成演示数据，仅供演示，不可用于决策。",
                                         ": the forest, wetland and project data of this report are synthetic, "
                                         "for demonstration only, not for decisions."),
                 size=12, color=(176, 0, 32))
        pdf.rect(MARGIN - 6, y - 6, doc.w - 2 * MARGIN + 12, pdf.get_y() - y + 6)
        pdf.set_line_width(0.2)
        pdf.set_draw_color(0, 0, 0)
    pdf.ln(16)
    doc.heading(c.t("数据来源", "Data sources"), size=12, space=2)
    for line in _source_lines(c):
        doc.para("· " + line, size=9)
    pdf.ln(6)
    doc.para(c.t("边界仅供内部使用：行政区划边界未经审图，无审图号；对外公开的地图须按规定送审。",
                 "Boundaries are for internal use only: not reviewed, no map review number (审图号); maps for "
                 "publication must be submitted for review."), size=9, color=(90, 90, 90))


def _source_lines(c: ReportContent) -> list[str]:
    lines = []
    if c.synthetic:
        lines.append(c.t("森林、湿地、保护地与项目：sinkmap 合成演示数据（非真实调查数据）",
                         "forest, wetland, protected areas, projects: sinkmap's synthetic demo world (not survey data)"))
    lines += [c.t("图层：", "layer: ") + s for s in c.sources]
    if c.boundary_source:
        lines.append(c.t("行政区划：", "boundaries: ") + c.boundary_source)
    docs = list(dict.fromkeys((a.document, a.seed) for u in c.units for a in u.targets if a.document))
    for d, seed in docs:
        lines.append(c.t("规划目标：", "plan targets: ") + d + (c.t(f"（转录文本 {seed}）", f" (transcribed text {seed})")
                                                              if seed else ""))
    lines.append(c.t("目标数据：sinkmap layers/targets.yaml（逐条注明原文与行号）",
                     "targets: sinkmap layers/targets.yaml (each with its sentence and line)"))
    return lines


def _scale_bar_length(metres_per_pt: float, target_pt: float) -> tuple[float, str]:
    """A round length (1, 2 or 5 × 10^k m) near ``target_pt`` points; (length in pt, its label)."""
    want = metres_per_pt * target_pt
    k = 10 ** math.floor(math.log10(want))
    best = min((m * k for m in (1, 2, 5, 10)), key=lambda v: abs(v - want))
    label = f"{best / 1000:g} km" if best >= 1000 else f"{best:g} m"
    return best / metres_per_pt, label


def _map_page(doc: _Doc) -> tuple[int, Frame, MapDrawing]:
    c, pdf = doc.c, doc.pdf
    pdf.add_page()
    page_no = pdf.page_no()
    doc.heading(c.t(f"{c.area} 碳汇台账图（{c.year} 年）", f"{c.area}: sink ledger map ({c.year})"), size=15, space=2)
    if c.synthetic:
        doc.para(c.synthetic_label, size=10, color=(176, 0, 32), space=1)
    top = pdf.get_y() + 4
    outline = c.outline.to_crs("EPSG:4490")
    from ..core.crs import gk3_zone

    proj = outline.to_crs(gk3_zone(outline.union_all().centroid.x).crs)
    bx0, by0, bx1, by1 = proj.total_bounds
    aspect = min(max((by1 - by0) / max(bx1 - bx0, 1.0), 0.45), 1.6)
    legend_room = 150 * doc.scale
    frame = make_frame(doc.w, doc.h, MARGIN, top, doc.w - 2 * MARGIN, doc.h - top - legend_room - 44, aspect)
    marks = c.sites.marks if c.sites is not None else []
    drawing = draw_area_map(AreaMapInput(units=c.unit_frame, outline=c.outline, ledger_units=c.units,
                                         layers=c.layers, lang=c.lang, rasters=c.rasters, sites=marks,
                                         site_layers=c.sites.layers if c.sites is not None else set()), frame)
    # frame, county names, north arrow, scale bar: text and vectors over the image GDAL places there
    pdf.set_draw_color(40, 40, 40)
    pdf.set_line_width(0.8)
    pdf.rect(frame.left, frame.top, frame.width, frame.height)
    pdf.set_line_width(0.2)
    pdf.set_font("cjk", size=doc.size(8))
    for text, x, y in drawing.labels:
        w = pdf.get_string_width(text)
        pdf.text(frame.left + x - w / 2, frame.top + y + 3, text)
    pdf.set_font("cjk", size=doc.size(8.5))
    for text, x, y in drawing.site_labels:  # the impact sites' numbers, white boxes with the sites' colour
        w = pdf.get_string_width(text)
        lx, ly = frame.left + x - w / 2, frame.top + y
        pdf.set_fill_color(255, 255, 255)
        pdf.set_draw_color(74, 35, 90)
        pdf.set_line_width(0.6)
        pdf.rect(lx - 2.5, ly - 6, w + 5, 11, style="DF", round_corners=True, corner_radius=2)
        pdf.set_text_color(74, 35, 90)
        pdf.text(lx, ly + 3, text)
        pdf.set_text_color(0, 0, 0)
    pdf.set_line_width(0.2)
    ax, ay = frame.left + frame.width - 24, frame.top + 14
    pdf.set_fill_color(20, 20, 20)
    pdf.polygon([(ax, ay), (ax - 7, ay + 20), (ax, ay + 15), (ax + 7, ay + 20)], style="F")
    pdf.set_font("cjk", size=doc.size(9))
    pdf.text(ax - pdf.get_string_width("N") / 2, ay + 31, "N")
    length, label = _scale_bar_length(drawing.metres_per_pt, frame.width / 5)
    sx, sy = frame.left + 14, frame.top + frame.height - 16
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(sx - 5, sy - 14, length + 40, 22, style="F")
    pdf.set_fill_color(20, 20, 20)
    pdf.rect(sx, sy, length / 2, 4, style="DF")
    pdf.rect(sx + length / 2, sy, length / 2, 4, style="D")
    pdf.set_font("cjk", size=doc.size(7.5))
    pdf.text(sx, sy - 3, "0")
    pdf.text(sx + length - pdf.get_string_width(label) / 2, sy - 3, label)
    # legend under the frame, in two columns
    y = frame.top + frame.height + 10
    col_w = (doc.w - 2 * MARGIN) / 2
    x0 = MARGIN
    pdf.set_font("cjk", size=doc.size(8.5))
    col, start_y = 0, y
    for kind, colour, text in drawing.legend:
        if y > doc.h - 92 and col == 0:
            col, y = 1, start_y
        x = x0 + col * col_w
        if kind == "title":
            y += 3
            pdf.text(x, y + 7, text)
            y += 12
            continue
        r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
        pdf.set_fill_color(r, g, b)
        pdf.set_draw_color(r, g, b)
        if kind == "fill":
            pdf.rect(x, y, 14, 8, style="DF")
        elif kind == "clear":  # transparent on the map: an outline only
            pdf.set_draw_color(120, 120, 120)
            pdf.set_dash_pattern(dash=1.5, gap=1.2)
            pdf.rect(x, y, 14, 8, style="D")
            pdf.set_dash_pattern()
        elif kind == "line":
            pdf.set_line_width(1.2)
            pdf.line(x, y + 4, x + 14, y + 4)
            pdf.set_line_width(0.2)
        else:
            pdf.ellipse(x + 3, y + 1, 6, 6, style="F")
        pdf.set_fill_color(0, 0, 0)  # PDF text takes the fill colour
        pdf.text(x + 20, y + 7, text)
        y += 11
    pdf.set_draw_color(0, 0, 0)
    pdf.set_fill_color(255, 255, 255)
    crs_note = c.t(f"坐标系：CGCS2000 / 3 度带高斯-克吕格投影（{drawing.crs}）；比例尺、指北针按中央经线。",
                   f"CRS: CGCS2000 / 3-degree Gauss–Krüger ({drawing.crs}); scale and north at the central meridian.")
    pdf.set_xy(MARGIN, max(y, pdf.get_y()) + 6)
    doc.para(crs_note + c.t("本页地图已地理配准（ISO 32000 地理空间 PDF）。边界仅供内部使用（无审图号）。",
                            " This page is georeferenced (ISO 32000 geospatial PDF). Boundaries for internal use "
                            "only (no 审图号)."), size=7.5, color=(90, 90, 90))
    return page_no, frame, drawing


def _ledger_pages(doc: _Doc) -> None:
    c, pdf = doc.c, doc.pdf
    pdf.add_page()
    doc.heading(c.t(f"台账（{c.year} 年对照）", f"Ledger (against {c.year})"), size=14)
    heads = [c.t("单元", "unit"), *measure_heads(c.lang)]
    rows = [[f"{u.name}（{level_word(u.level, c.lang)}）" if c.zh else f"{u.name} ({u.level})", *measure_cells(u)]
            for u in c.units]
    doc.table(heads, rows, [1.4] + [1.0] * (len(heads) - 1), size=7.5)
    doc.heading(c.t("对照规划目标", "Against the plan's targets"), size=13)
    th = [c.t("单元", "unit"), c.t("指标", "indicator"), c.t("实测", "measured"), c.t("规划目标", "target"),
          c.t("状态", "status"), c.t("差距", "gap")]
    trs, fills = [], []
    for u in c.units:
        for r in target_rows(u, c.lang):
            trs.append([u.name, r.name, r.measured, r.target, r.status_text, r.gap or "—"])
            fills.append([None, None, None, None, _STATUS_RGB.get(r.status), None])
    doc.table(th, trs, [1.0, 1.5, 1.2, 1.3, 1.0, 1.1], size=7.5, fills=fills)
    doc.heading(c.t("规划原文", "The plan's words"), size=13)
    quotes = list(dict.fromkeys((a.indicator, a.quote, a.document, a.seed, a.line)
                                for u in c.units for a in u.targets if a.quote))
    for indicator, quote, document, seed, line in quotes:
        from .ledger_text import indicator_name

        doc.para(f"{indicator_name(indicator, c.lang)}：“{quote}”" if c.zh else f"{indicator_name(indicator, c.lang)}: “{quote}”",
                 size=9, space=0)
        where = c.t(f"{document}；{seed} 第 {line} 行", f"{document}; {seed}, line {line}")
        doc.para("—— " + where, size=7.5, color=(90, 90, 90), space=5)
    absent = list(dict.fromkeys((a.indicator, a.reason) for u in c.units for a in u.targets if a.value is None))
    if absent:
        from .ledger_text import indicator_name

        doc.para(c.t("规划未设目标：", "no target in the plan: ") + "；".join(
            f"{indicator_name(i, c.lang)}（{r}）" if r else indicator_name(i, c.lang) for i, r in absent),
            size=7.5, color=(90, 90, 90))


def _charts(doc: _Doc) -> None:
    c, pdf = doc.c, doc.pdf
    from .ledger_text import indicator_name, status_word

    charts = []
    for key in CHART_INDICATORS:
        rows = [(u.name, a) for u in c.units if (a := u.assessment(key)) is not None and a.value is not None
                and a.measured is not None]
        if rows:
            charts.append((key, rows))
    if not charts:
        return
    pdf.add_page()
    doc.heading(c.t("指标与目标（分区县）", "Indicators against targets, per county"), size=14)
    width = doc.w - 2 * MARGIN
    label_w, bar_h, gap = 78 * doc.scale, 11, 4
    for key, rows in charts:
        a0 = rows[0][1]
        target = a0.value
        need = 30 + len(rows) * (bar_h + gap) + 30
        if pdf.get_y() + need > doc.h - 50:
            pdf.add_page()
        doc.para(f"{indicator_name(key, c.lang, a0.basis)}（%）" + c.t(f"：目标 {target:g}%（{c.area} 方案）",
                                                                      f": target {target:g}% ({c.area}'s plan)"), size=10)
        top = pdf.get_y() + 2
        vmax = max([target] + [a.measured for _, a in rows]) * 1.08
        x0 = MARGIN + label_w
        scale = (width - label_w - 60) / vmax
        pdf.set_font("cjk", size=doc.size(8))
        for i, (name, a) in enumerate(rows):
            y = top + i * (bar_h + gap)
            pdf.text(MARGIN, y + bar_h - 2, name)
            pdf.set_fill_color(*_BAR_RGB.get(a.status.value, (150, 150, 150)))
            pdf.rect(x0, y, max(a.measured * scale, 0.5), bar_h, style="F")
            pdf.set_fill_color(0, 0, 0)
            pdf.text(x0 + a.measured * scale + 4, y + bar_h - 2, f"{number(a.measured, 2)}%  {status_word(a.status.value, c.lang)}")
        bottom = top + len(rows) * (bar_h + gap)
        tx = x0 + target * scale
        pdf.set_draw_color(20, 20, 20)
        pdf.set_dash_pattern(dash=3, gap=2)
        pdf.set_line_width(0.9)
        pdf.line(tx, top - 4, tx, bottom)
        pdf.set_dash_pattern()
        pdf.set_line_width(0.2)
        pdf.text(tx - 10, bottom + 9, c.t(f"目标 {target:g}%", f"target {target:g}%"))
        pdf.line(x0, bottom, x0, top - 4)
        pdf.set_y(bottom + 22)


def _impacts(doc: _Doc) -> None:
    c, pdf = doc.c, doc.pdf
    if not c.impacts:
        return
    from ..core.messages import Notice

    pdf.add_page()
    doc.heading(c.t("场址与情景影响", "Site and scenario impacts"), size=14)
    heads = [c.t("图上编号", "on map"), c.t("场址", "site"), c.t("区县", "counties"), c.t("占地（公顷）", "footprint (ha)"),
             c.t("森林（公顷）", "forest (ha)"), c.t("蓄积（万立方米）", "stock (10⁴ m³)"), c.t("二氧化碳（吨）", "CO₂ (t)"),
             c.t("湿地（公顷）", "wetland (ha)"), c.t("受保护湿地（公顷）", "protected wetland (ha)")]
    for k, (name, doc_json) in enumerate(c.impacts):
        doc.para(c.t(f"情景：{name}（{doc_json.get('year', '')} 年）", f"scenario: {name} ({doc_json.get('year', '')})"), size=10.5)
        rows = []
        sites = doc_json.get("sites", [])
        for i, s in enumerate([*sites, {**doc_json.get("total", {}), "name": c.t("合计（重叠只计一次）", "total (overlaps once)")}]):
            num = c.sites.number_of(k, str(s.get("name", ""))) if c.sites is not None and i < len(sites) else None
            mark = f"#{num}" if num else ("—" if i < len(sites) else "")
            rows.append([mark, str(s.get("name", "")), "、".join(s.get("counties", []) or []),
                         number(s.get("footprint_ha"), 1), number(s.get("forest_area_ha"), 1),
                         number(s.get("forest_stock_10k_m3"), 2), number(s.get("co2_t"), 0),
                         number(s.get("wetland_area_ha"), 1), number(s.get("protected_wetland_area_ha"), 1)])
        doc.table(heads, rows, [0.6, 1.3, 1.1, 0.9, 0.9, 0.9, 0.9, 0.9, 1.0], size=7.5)
        changes = doc_json.get("status_changes") or []
        for ch in changes:
            text = (Notice(ch["code"], **ch.get("params", {})).render(c.lang) if "code" in ch
                    else str(ch.get("message", "")))
            doc.para("· " + text, size=8.5, space=1)
        if not changes:
            doc.para(c.t("目标达标状态没有变化。", "No target changes status."), size=8.5)
        if doc_json.get("footprint"):
            doc.para(c.t("占地：", "footprints: ") + str(doc_json["footprint"]), size=7.5, color=(90, 90, 90))
    if c.sites is not None and c.sites.marks:
        doc.para(c.t(f"“图上编号”为第 {_map_page_no(doc)} 页地图上的场址标注（#1、#2 …）；“—”：未给出该场址的图层。",
                     f"“on map”: the site's label (#1, #2 …) on the map of page {_map_page_no(doc)}; “—”: no layer of "
                     "the site was given."), size=7.5, color=(90, 90, 90))


def _map_page_no(doc: _Doc) -> int:
    return getattr(doc, "map_page_no", 2)


def _provenance(doc: _Doc) -> None:
    c, pdf = doc.c, doc.pdf
    if pdf.get_y() > doc.h * 0.6:
        pdf.add_page()
    else:
        pdf.ln(10)
    doc.heading(c.t("数据来源与说明", "Data provenance and notes"), size=13)
    for line in _source_lines(c):
        doc.para("· " + line, size=8.5, space=1)
    doc.para("· " + c.t("数值按终端显示取整：百分比 2 位小数，面积、蓄积 1–2 位，差距按单位取整。",
                        "numbers rounded as the terminal shows them: percentages to 2 decimals, areas and stocks to "
                        "1–2, gaps by their unit."), size=8.5, space=1)
    doc.para("· " + c.t("“口径不同”时（如长沙市目标为森林覆盖率（林木绿化率）），状态仅供参考。",
                        "where the bases differ (长沙市's target is 森林覆盖率（林木绿化率）), the status is indicative."),
             size=8.5, space=1)
    doc.para("· " + c.t(f"sinkmap {c.version}；编制日期 {c.generated}；运行编号 {c.run_id}",
                        f"sinkmap {c.version}; made on {c.generated}; run id {c.run_id}"), size=8.5, space=1)
    doc.para(c.t("边界仅供内部使用：行政区划边界未经审图，无审图号；对外公开的地图须按规定送审。",
                 "Boundaries are for internal use only: not reviewed, no map review number (审图号)."),
             size=9, color=(176, 0, 32))


@dataclass
class PdfResult:
    pages: int
    map_page: int  # 1-based
    frame: Frame
    crs: str
    extent: tuple[float, float, float, float]


def write_report_pdf(content: ReportContent, path: Path, feedback=None) -> PdfResult:
    """Write the report to ``path`` atomically."""
    from ..core.feedback import ensure
    from ..io.atomic import atomic_output_path

    feedback = ensure(feedback)
    doc = _Doc(content)
    _cover(doc)
    feedback.progress(0.1, "地图 map")
    map_page, frame, drawing = _map_page(doc)
    doc.map_page_no = map_page
    feedback.check()
    feedback.progress(0.5, "台账 ledger")
    _ledger_pages(doc)
    _charts(doc)
    _impacts(doc)
    _provenance(doc)
    feedback.check()
    feedback.progress(0.7, "写出 writing")
    with tempfile.TemporaryDirectory(prefix="sinkmap-report-") as tmp:
        body = Path(tmp) / "body.pdf"
        geo = Path(tmp) / "map.pdf"
        doc.pdf.output(str(body))
        write_geopdf(drawing, frame, doc.w, geo)
        feedback.check()
        with atomic_output_path(Path(path)) as out:
            _merge(body, geo, map_page, out)
    feedback.progress(1.0, "")
    return PdfResult(pages=doc.pdf.page_no(), map_page=map_page, frame=frame, crs=drawing.crs, extent=drawing.extent)


def _merge(body: Path, geo: Path, map_page: int, out: Path) -> None:
    """The report with its map page replaced by GDAL's georeferenced page with the report's page laid over it."""
    try:
        from pypdf import PdfReader, PdfWriter
        from pypdf.generic import RectangleObject
    except ImportError:
        raise SinkmapError(code="export.missing_package", package="pypdf", extra="export") from None
    doc, geo_doc = PdfReader(str(body)), PdfReader(str(geo))
    writer = PdfWriter()
    for i, page in enumerate(doc.pages, start=1):
        if i == map_page:
            base = writer.add_page(geo_doc.pages[0])
            base.merge_page(page)
            box = RectangleObject(page.mediabox)
            base.mediabox = box
            base.cropbox = box
        else:
            writer.add_page(page)
    writer.add_metadata({k: v for k, v in (doc.metadata or {}).items() if isinstance(v, str)})
    with open(out, "wb") as f:
        writer.write(f)


__all__ = ["PAGE_SIZES", "PdfResult", "ReportContent", "write_report_pdf"]
