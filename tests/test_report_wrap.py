"""Chinese line breaking of the PDF report's paragraphs (行首/行尾禁则), checked with fixed-width glyphs."""

from sinkmap.export.report_pdf import NO_LINE_END, NO_LINE_START, wrap_lines

TEXT = "长沙市森林覆盖率达到百分之五十五，森林蓄积量达到四千万立方米。湿地保护率（含新区）达到七十，目标 2030 年。"


def width(s: str) -> float:
    return float(len(s))  # every glyph one unit wide


def test_no_line_starts_with_a_stop_or_ends_with_an_opening_mark():
    hit_start = 0
    for w in range(5, 30):
        naive = [TEXT[i:i + w] for i in range(0, len(TEXT), w)]
        hit_start += any(line[0] in NO_LINE_START for line in naive[1:])
        lines = wrap_lines(TEXT, w, width)
        assert "".join(lines).replace(" ", "") == TEXT.replace(" ", "")
        assert all(len(line) <= w for line in lines)
        assert not any(line[0] in NO_LINE_START for line in lines[1:]), lines
        assert not any(line[-1] in NO_LINE_END for line in lines), lines
    assert hit_start  # the naive per-character breaking does start lines with a stop at some widths


def test_by_hand():
    # width 8: "…五十五，" would put "，" first on line 3; "五" goes down with it
    assert wrap_lines(TEXT[:20], 8, width) == ["长沙市森林覆盖率", "达到百分之五十", "五，森林蓄"]
    # "（" may not end a line (naively: "湿地保护率（" / "含新区）"): it goes down with what follows
    assert wrap_lines("湿地保护率（含新区）", 6, width) == ["湿地保护率", "（含新区）"]


def test_latin_words_and_numbers_stay_whole():
    assert wrap_lines("target 2030 forest stock", 12, width) == ["target 2030", "forest stock"]
    assert wrap_lines("目标4018万m3。", 4, width) == ["目标", "4018", "万m3。"]
