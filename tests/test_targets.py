"""layers/targets.yaml against the seed plans, and sinkmap.io.targets (loading, user overrides, lookups).

The expected tables below were written by reading the five seed files by hand; they are the independent
reference for the transcription in layers/targets.yaml.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from sinkmap.core.errors import TargetError
from sinkmap.core.feedback import NullFeedback
from sinkmap.core.indicators import MAIN_INDICATORS, Comparator
from sinkmap.io.targets import format_target, load_targets

from plan_texts import seed_lines  # skips the tests that read the plan texts where they are absent

REPO = Path(__file__).resolve().parents[1]
BUNDLED = REPO / "layers" / "targets.yaml"

CS, XJ, SY, CZ, ZZ = "长沙市", "湖南湘江新区", "邵阳市", "郴州市", "株洲市"
COV, STOCK, LIVE, WA, WPR = MAIN_INDICATORS
GRASS, PAS = "grassland_vegetation_cover_pct", "protected_area_share_pct"
SWN, SWA = "small_wetlands_built_count", "small_wetlands_built_area_ha"

# (city, year, indicator, value, comparator, seed prefix, line) — read from the seeds by hand.
EXPECTED = {
    (CS, 2025, COV, 55, "approx", "000", 898),   # 森林覆盖率（林木绿化率）稳定在 55% 左右
    (CS, 2025, STOCK, 3500, "ge", "000", 900),   # 森林蓄积量达 3500 万立方米以上
    (CS, 2025, LIVE, 3800, "ge", "000", 956),    # 活立木总蓄积量达3800万立方米以上 (专栏9)
    (CS, 2025, WA, 3.98, "ge", "000", 958),      # 全市湿地面积不低于3.98万公顷
    (CS, 2025, WPR, 76, "ge", "000", 960),       # 全市湿地保护率稳定在 76%以上
    (CS, 2030, COV, 55, "ge", "000", 900),       # 持续稳定在 55% 以上
    (CS, 2030, STOCK, 4100, "ge", "000", 901),   # 森林蓄积量达 4100 万立方米以上
    (SY, 2025, STOCK, 9600, "ge", "002", 989),   # 森林蓄积不低于9600万立方米
    (SY, 2025, GRASS, 87, "ge", "002", 991),     # 草原综合植被盖度稳定在 87%以上
    (SY, 2025, WPR, 72, "ge", "002", 991),       # 湿地保护率稳定在 72%以上
    (SY, 2025, PAS, 11, "approx", "002", 993),   # 自然保护地面积占比稳定在 11%左右
    (SY, 2030, COV, 61, "ge", "002", 995),       # 全市森林覆盖率稳定在 61%以上
    (SY, 2030, STOCK, 11000, "ge", "002", 995),  # 森林蓄积不低于11000万立方米
    (SY, 2030, GRASS, 87, "ge", "002", 997),
    (SY, 2030, WPR, 75, "reach", "002", 997),    # 湿地保护率达到 75%
    (SY, 2030, PAS, 12, "approx", "002", 999),
    (CZ, 2025, COV, 60, "ge", "003", 1026),      # 全市森林覆盖率稳定在 60%以上
    (CZ, 2025, STOCK, 7100, "ge", "003", 1026),  # 森林蓄积量达到 7100万立方米以上
    (CZ, 2035, STOCK, 10000, "ge", "003", 1028), # 进一步提升到 1亿立方米以上 (1亿 = 10000万)
    (CZ, 2025, WPR, 72, "ge", "003", 1075),      # 全市湿地保护率稳定在 72%以上
    (ZZ, 2025, COV, 53.87, "approx", "004", 121),
    (ZZ, 2025, STOCK, 3446, "reach", "004", 121),
    (ZZ, 2030, COV, 56.12, "approx", "004", 121),
    (ZZ, 2030, STOCK, 4018, "reach", "004", 121),
    (ZZ, 2025, SWN, 65, "reach", "004", 123),    # 建设小微湿地 65 处
    (ZZ, 2025, SWA, 520, "reach", "004", 123),   # 面积 520 公顷
}

# (city, year, indicator) with no target in the plan, for each plan year and main indicator.
EXPECTED_ABSENT = {
    (CS, 2030, LIVE), (CS, 2030, WA), (CS, 2030, WPR),
    *((XJ, 2025, i) for i in MAIN_INDICATORS),
    (SY, 2025, COV), (SY, 2025, LIVE), (SY, 2025, WA), (SY, 2030, LIVE), (SY, 2030, WA),
    (CZ, 2025, LIVE), (CZ, 2025, WA),
    *((CZ, 2030, i) for i in MAIN_INDICATORS),
    (CZ, 2035, COV), (CZ, 2035, LIVE), (CZ, 2035, WA), (CZ, 2035, WPR),
    (ZZ, 2025, LIVE), (ZZ, 2025, WA), (ZZ, 2025, WPR), (ZZ, 2030, LIVE), (ZZ, 2030, WA), (ZZ, 2030, WPR),
}
PLAN_YEARS = {CS: [2025, 2030], XJ: [2025], SY: [2025, 2030], CZ: [2025, 2030, 2035], ZZ: [2025, 2030]}


# -- the documented normalisations, written independently of the package ---------------------------

def n0(text: str) -> str:
    """Checking normalisation: remove every whitespace character (newlines and spaces)."""
    return re.sub(r"\s+", "", text)


def n1(lines: list[str]) -> str:
    """Storage normalisation N1 (header of layers/targets.yaml)."""
    return "".join(re.sub(r"\s+", " ", ln.strip()) for ln in lines if ln.strip())




def last_number(quote: str, unit: str) -> float | None:
    """The last number of a quote in the plan's unit: '1亿立方米' in 万m³ is 10000."""
    found = re.findall(r"(\d+(?:\.\d+)?)\s*(亿)?", n0(quote))
    if not found:
        return None
    num, yi = found[-1]
    return float(num) * (10_000 if yi and unit.startswith("万") else 1)


def comparator_of(quote: str) -> str:
    """The comparator the wording implies (DOMAIN.md §1), decided by the test on its own."""
    q = n0(quote)
    if "左右" in q:
        return "approx"
    if "以上" in q or "不低于" in q:
        return "ge"
    if "稳定在" in q:
        return "stable"
    return "reach"  # 达到 / 达 / 建设 X


@pytest.fixture(scope="module")
def doc() -> dict:
    return yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def ts():
    return load_targets(include_default_user_file=False)


def _quotes(doc: dict):
    """(seed, line, quote, target) for every quote in the file, also_at and not_recorded included."""
    for t in doc["targets"]:
        yield t["seed"], t["line"], t["quote"], t
        for a in t.get("also_at") or []:
            yield t["seed"], a["line"], a["quote"], t
    for r in doc["not_recorded"]:
        yield r["seed"], r["line"], r["quote"], None


# -- transcription against the seeds ---------------------------------------------------------------

def test_every_quote_is_in_its_seed_and_starts_on_its_line(doc):
    checked = 0
    for seed, line, quote, _ in _quotes(doc):
        lines = seed_lines(seed)
        after = lines[line - 1:]
        pos = n0("\n".join(after)).find(n0(quote))
        assert 0 <= pos < len(n0(lines[line - 1])), f"{seed}:{line} does not start {quote!r}"
        # the stored quote is exactly N1 text (spaces as in the seed, line breaks removed)
        assert quote in n1(after), f"{seed}:{line} quote is not N1-normalised: {quote!r}"
        checked += 1
    assert checked == 42


def test_year_is_the_nearest_preceding_dao_year(doc):
    for seed, line, quote, t in _quotes(doc):
        if t is None:
            continue
        text = n0("\n".join(seed_lines(seed)))
        before = n0("\n".join(seed_lines(seed)[: line - 1]))
        pos = text.find(n0(quote), len(before))
        years = re.findall(r"到(20\d\d)年", text[:pos])
        assert years and int(years[-1]) == t["year"], f"{seed}:{line} {quote!r} is not under 到{t['year']}年"


def test_values_and_comparators_match_the_wording(doc):
    for _, line, quote, t in _quotes(doc):
        if t is None:
            continue
        number = last_number(quote, t["unit"])
        if number is not None:  # one also_at restates the aim without a number (长沙 line 962)
            assert number == pytest.approx(t["value"]), f"line {line}: {quote!r} vs {t['value']}"
        if quote == t["quote"]:
            assert comparator_of(quote) == t["comparator"], f"{quote!r} is not {t['comparator']}"


def test_transcription_equals_the_hand_read_table(ts):
    got = {(t.city, t.year, t.indicator, t.value, t.comparator.value, t.seed[:3], t.line) for t in ts.all()}
    assert got == {(c, y, i, float(v), comp, s, ln) for c, y, i, v, comp, s, ln in EXPECTED}


def test_absent_records_equal_the_hand_read_table(ts):
    got = {(a.city, a.year, a.indicator) for a in ts.absent_records()}
    assert got == EXPECTED_ABSENT
    assert all(a.reason for a in ts.absent_records())


def test_every_plan_year_and_main_indicator_has_a_target_or_an_absent_record(doc, ts):
    targets = {(t["city"], t["year"], t["indicator"]) for t in doc["targets"]}
    absent = {(a["city"], a["year"], a["indicator"]) for a in doc["absent"]}
    assert not targets & absent
    for j in doc["jurisdictions"]:
        assert j["plan_years"] == PLAN_YEARS[j["name"]]
        for y in j["plan_years"]:
            for ind in MAIN_INDICATORS:
                assert ((j["name"], y, ind) in targets) != ((j["name"], y, ind) in absent), (j["name"], y, ind)


def test_changsha_2025_coverage_disagreement_is_recorded(ts):
    t = ts.get("长沙", 2025, COV)
    assert t.comparator is Comparator.APPROX and t.basis == "森林覆盖率（林木绿化率）"
    d = ts.details("长沙市", 2025, COV)
    assert [line for line, _ in d.also_at] == [110, 958]
    assert "左右" not in d.also_at[1][1] and "左右" in d.also_at[0][1]
    assert "958" in d.note and "approx" in d.note


# -- lookups ----------------------------------------------------------------------------------------

def test_names_new_area_and_no_carry_over(ts):
    assert ts.get("长沙", 2025, STOCK) is ts.get("长沙市", 2025, STOCK)
    assert ts.get("湖南湘江新区", 2030, STOCK).city == CS  # inherits 长沙市
    assert ts.get("湘江新区", 2025, WA).value == 3.98
    assert ts.absent(XJ, 2025) == []  # 长沙市 covers every main indicator in 2025
    assert ts.get("郴州", 2030, STOCK) is None  # no silent carry-over from 2025
    nxt = ts.nearest("郴州", 2030, STOCK)
    assert (nxt.year, nxt.value) == (2035, 10000)
    assert ts.nearest("郴州", 2030, COV) is None
    assert ts.nearest("邵阳", 2025, COV).year == 2030
    assert ts.cities() == [CS, XJ, SY, CZ, ZZ]
    assert ts.years("郴州市") == [2025, 2030, 2035] and ts.years(XJ) == [2025, 2030]
    assert [t.year for t in ts.for_city("株洲")] == [2025, 2025, 2025, 2025, 2030, 2030]
    assert [t.indicator for t in ts.for_city(SY, 2030)] == [COV, STOCK, WPR, GRASS, PAS]


def test_absent_reasons(ts):
    reasons = dict(ts.absent("郴州", 2030))
    assert set(reasons) == set(MAIN_INDICATORS)
    assert "2035" in reasons[STOCK]
    assert [i for i, _ in ts.absent("长沙", 2035)] == list(MAIN_INDICATORS)
    assert "2035" in ts.absent("长沙", 2035)[0][1]
    assert dict(ts.absent(XJ, 2030))[LIVE].startswith("长沙市: ")


def test_format_target(ts):
    assert format_target(ts.get(CS, 2025, COV)) == "森林覆盖率（林木绿化率） 2025 稳定在 55% 左右"
    assert format_target(ts.get(ZZ, 2025, STOCK)) == "森林蓄积量 2025 达到 3446 万m³"
    assert format_target(ts.get(CS, 2025, WA)) == "湿地面积 2025 不低于 3.98 万公顷"
    assert format_target(ts.get(CZ, 2035, STOCK), "en") == "Forest stock 2035: ≥ 10000 ×10⁴ m³"


# -- user files ---------------------------------------------------------------------------------------

def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding)
    return path


def test_user_yaml_overrides_adds_and_marks_absent(tmp_path):
    user = _write(tmp_path / "mine.yaml", """
targets:
  - {city: 长沙, year: 2025, indicator: forest_coverage_pct, value: 56, comparator: ge,
     basis: 森林覆盖率（林木绿化率）}
  - {city: 郴州市, year: 2030, indicator: 森林蓄积量, value: 8500, unit: 万立方米, comparator: 以上}
absent:
  - {city: 株洲市, year: 2030, indicator: forest_stock_10k_m3, reason: "superseded by the 2024 revision"}
""")
    fb = NullFeedback()
    ts = load_targets([user], include_default_user_file=False, feedback=fb)
    t = ts.get("长沙市", 2025, COV)
    assert (t.value, t.comparator, t.source) == (56.0, Comparator.GE, str(user))
    assert ts.get("湘江新区", 2025, COV).value == 56.0  # the New Area follows the override
    added = ts.get("郴州", 2030, STOCK)
    assert (added.value, added.unit, added.comparator) == (8500.0, "万m³", Comparator.GE)
    assert ts.get("株洲", 2030, STOCK) is None
    assert dict(ts.absent("株洲", 2030))[STOCK] == "superseded by the 2024 revision"
    assert ts.get("株洲", 2025, STOCK).value == 3446  # untouched
    assert any("overrides 长沙市 2025" in w for w in map(str, fb.warnings))
    assert len(ts.all()) == len(EXPECTED) + 1 - 1  # one added, one removed


def test_user_csv_gbk_and_later_files_win(tmp_path):
    csv1 = _write(tmp_path / "a.csv", "city,year,indicator,value,comparator,remarks\n"
                  "邵阳,2025,forest_coverage_pct,60,approx,局内口径\n", encoding="gbk")
    csv2 = _write(tmp_path / "b.csv", "city,year,indicator,value,comparator,absent,reason\n"
                  "邵阳市,2025,forest_coverage_pct,,,true,not adopted\n"
                  "浏阳市,2025,forest_coverage_pct,67.5,ge,,\n")
    fb = NullFeedback()
    only_first = load_targets([csv1], include_default_user_file=False, feedback=fb)
    assert only_first.get("邵阳", 2025, COV).comparator is Comparator.APPROX
    assert any("remarks" in w for w in map(str, fb.warnings))  # an unknown column is reported, not silent
    both = load_targets([csv1, csv2], include_default_user_file=False, feedback=fb)
    assert both.get("邵阳", 2025, COV) is None
    assert dict(both.absent("邵阳", 2025))[COV] == "not adopted"
    assert both.get("浏阳市", 2025, COV).value == 67.5
    assert any("浏阳市 is not one of the bundled cities" in w for w in map(str, fb.warnings))


def test_default_user_file(tmp_path, monkeypatch):
    cfg = tmp_path / "cfg" / "sinkmap"
    cfg.mkdir(parents=True)
    _write(cfg / "targets.yaml", "targets:\n  - {city: 株洲, year: 2025, indicator: wetland_protection_rate_pct,"
                                 " value: 70, comparator: ge}\n")
    monkeypatch.delenv("SINKMAP_TARGETS", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    assert load_targets().get("株洲", 2025, WPR).value == 70
    assert load_targets(include_default_user_file=False).get("株洲", 2025, WPR) is None
    env_file = _write(tmp_path / "env.yaml", "targets:\n  - {city: 株洲, year: 2025, indicator: "
                                             "wetland_protection_rate_pct, value: 71, comparator: ge}\n")
    monkeypatch.setenv("SINKMAP_TARGETS", str(env_file))
    assert load_targets().get("株洲", 2025, WPR).value == 71
    # explicit files come after the default file and win
    explicit = _write(tmp_path / "x.yaml", "targets:\n  - {city: 株洲, year: 2025, indicator: "
                                           "wetland_protection_rate_pct, value: 73, comparator: ge}\n")
    assert load_targets([explicit]).get("株洲", 2025, WPR).value == 73


def test_county_can_inherit_a_city(tmp_path):
    user = _write(tmp_path / "c.yaml", "jurisdictions:\n  - {name: 浏阳市, inherits: 长沙市}\n")
    ts = load_targets([user], include_default_user_file=False)
    assert ts.get("浏阳市", 2030, COV).value == 55


@pytest.mark.parametrize("text, where, field", [
    ("targets:\n  - {city: 长沙, year: 2025, indicator: forest_coverage_pct, value: 55, comparator: ge}\n"
     "  - {city: 长沙, year: 2025, indicator: forest_stock_10k_m3, comparator: ge}\n",
     "targets record 2", "value"),
    ("targets:\n  - {city: 长沙, year: 2025, indicator: forest_cover, value: 55, comparator: ge}\n",
     "targets record 1", "indicator"),
    ("targets:\n  - {city: 长沙, year: 2025, indicator: forest_coverage_pct, value: 55, comparator: about}\n",
     "targets record 1", "comparator"),
    ("targets:\n  - {city: 长沙, year: 二〇二五, indicator: forest_coverage_pct, value: 55, comparator: ge}\n",
     "targets record 1", "year"),
    ("targets:\n  - {city: 长沙, year: 2025, indicator: wetland_area_10k_ha, value: 39800, unit: ha,"
     " comparator: ge}\n", "targets record 1", "unit"),
    ("absent:\n  - {city: 长沙, year: 2030, indicator: wetland_area_10k_ha, reason: no figure, see 专栏9}\n",
     "absent record 1", "see 专栏9"),
    ("targets:\n  - {year: 2025, indicator: forest_coverage_pct, value: 55, comparator: ge}\n",
     "targets record 1", "city"),
])
def test_bad_user_yaml_names_file_record_and_field(tmp_path, text, where, field):
    bad = _write(tmp_path / "bad.yaml", text)
    with pytest.raises(TargetError) as err:
        load_targets([bad], include_default_user_file=False)
    msg = str(err.value)
    assert str(bad) in msg and where in msg and f"field {field!r}" in msg
    assert err.value.field == field


def test_bad_user_files_other_cases(tmp_path):
    bad_csv = _write(tmp_path / "bad.csv", "city,year,indicator,value,comparator\n"
                     "长沙,2025,forest_coverage_pct,55,ge\n长沙,2030,forest_coverage_pct,lots,ge\n")
    with pytest.raises(TargetError, match=r"record 2 \(line 3\).*not a number") as err:
        load_targets([bad_csv], include_default_user_file=False)
    assert str(bad_csv) in str(err.value) and err.value.field == "value"
    no_col = _write(tmp_path / "nocol.csv", "town,year,indicator,value\n")
    with pytest.raises(TargetError, match="no 'city' column"):
        load_targets([no_col], include_default_user_file=False)
    dup = _write(tmp_path / "dup.yaml", "targets:\n"
                 "  - {city: 长沙, year: 2025, indicator: forest_coverage_pct, value: 55, comparator: ge}\n"
                 "  - {city: 长沙市, year: 2025, indicator: forest_coverage_pct, value: 56, comparator: ge}\n")
    with pytest.raises(TargetError, match="targets record 2.*also given by targets record 1"):
        load_targets([dup], include_default_user_file=False)
    with pytest.raises(TargetError, match="not found") as err:
        load_targets([tmp_path / "missing.yaml"], include_default_user_file=False)
    assert "missing.yaml" in str(err.value)
    with pytest.raises(TargetError, match="not valid YAML"):
        load_targets([_write(tmp_path / "broken.yaml", "targets: [\n")], include_default_user_file=False)


# -- the documents targets are cited by ----------------------------------------------------------------

def test_every_plan_is_cited_by_its_document(ts):
    """Runs everywhere: each target names its plan document (文号 and title), never only a seed file."""
    for t in ts.all():
        assert "《" in t.document and t.document.endswith("》") or "）" in t.document, (t.city, t.document)
    assert ts.jurisdiction(ZZ).citation == "株政发〔2023〕9号《株洲市碳达峰实施方案》"
    assert ts.jurisdiction(CZ).citation == "郴政发〔2023〕4号《郴州市碳达峰行动方案》"
    assert ts.jurisdiction(CS).citation == "长政发〔2023〕2号《长沙市碳达峰实施方案》"
    assert ts.jurisdiction(SY).citation.startswith("《邵阳市碳达峰实施方案》")


def test_document_fields_are_on_their_seed_lines(doc):
    """Each transcribed 文号, title, issuer and date stands on the seed line given in `found_at`."""
    for j in doc["jurisdictions"]:
        lines = seed_lines(j["seed"])
        for field, line in j["found_at"].items():
            text = n0(lines[line - 1]).replace("[", "〔").replace("]", "〕")
            value = n0(str(j[field]))
            if field == "date":
                y, m, d = (int(x) for x in value.split("-"))
                value = f"{y}年{m}月{d}日"
            assert value in text, f"{j['seed']}:{line} does not hold {field} {j[field]!r}"
