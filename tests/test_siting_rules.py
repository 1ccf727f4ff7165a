"""Siting rules as data: the bundled file loads, every field is checked, user files override by id."""

from __future__ import annotations

import pytest

from sinkmap.analysis.siting.rules import load_rules, norm_code, read_rules_file, rules_for
from sinkmap.core.errors import InputError

GOOD = """\
version: 1
rules:
  - id: {id}
    tech: {tech}
    layer: farmland
    effect: exclude
    citation: {{document: D1, clause_zh: 条款, source: test}}
    verified: false
"""


def _write(tmp_path, text, name="r.yaml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_bundled_rules_load_with_citations():
    rules = load_rules(include_user_file=False)
    ids = {r.id for r in rules}
    for needed in ("pv_jbnt", "pv_grassland", "pv_ld1", "pv_gengdi", "pv_arbor_fi", "pv_arbor_sd", "pv_redline",
                   "wind_reserve", "wind_natural_arbor", "wind_gyl1", "all_ld1", "pv_pref_water", "pv_pref_mine",
                   "pv_pref_agri"):
        assert needed in ids
    by_id = {r.id: r for r in rules}
    assert by_id["pv_jbnt"].document == "自然资办发〔2023〕12号"
    assert by_id["wind_reserve"].document == "林资发〔2019〕17号"
    assert by_id["all_ld1"].document == "国家林业局令第35号" and by_id["all_ld1"].tech == ("pv", "wind", "phes")
    # documents not checked against an official text stay unverified; the one clause an official site quotes
    # (林资发〔2015〕153号 clause 二, 福建省林业局) names that page; the plans' preferences cite seed lines
    verified = [r for r in rules if r.verified and not r.citation["source"].startswith("/work/shared/seeds/")]
    assert [r.id for r in verified] == ["pv_array_forest"]
    assert "lyj.fujian.gov.cn" in by_id["pv_array_forest"].citation["source"]
    assert not any(r.verified for r in rules if r.document.endswith(("12号", "17号", "35号", "216号", "48号")))
    # clauses that are not a document's words say so
    assert by_id["built_up"].document.startswith("sinkmap 设置") and not by_id["built_up"].verified
    for rid in ("pv_pref_water", "pv_pref_mine", "pv_pref_agri"):
        assert by_id[rid].effect == "prefer" and "seeds/000_0d662d477e0d3844.txt:" in by_id[rid].citation["source"]
    for tech in ("pv", "wind", "phes"):
        assert rules_for(rules, tech)


def test_codes_compare_without_leading_zeros():
    assert norm_code("0111") == norm_code("111") == norm_code(111) == norm_code(111.0) == "111"
    assert norm_code("05H1") == "05H1"


def test_user_file_overrides_extends_and_disables(tmp_path):
    override = _write(tmp_path, GOOD.format(id="pv_jbnt", tech="wind") + """\
  - id: mine
    tech: [pv, phes]
    layer: protected
    effect: limit
    weight: 0.5
    buffer_m: 200
    citation: {document: D2, clause_zh: 条款, source: test}
  - {id: pv_redline, enabled: false}
""")
    rules = load_rules([override], include_user_file=False)
    by_id = {r.id: r for r in rules}
    assert by_id["pv_jbnt"].tech == ("wind",) and by_id["pv_jbnt"].document == "D1"
    assert by_id["mine"].weight == 0.5 and by_id["mine"].buffer_m == 200 and by_id["mine"].tech == ("pv", "phes")
    assert "pv_redline" not in by_id


def test_user_config_file_is_read(tmp_path, monkeypatch):
    (tmp_path / "sinkmap").mkdir()
    _write(tmp_path / "sinkmap", GOOD.format(id="extra", tech="pv"), "siting_rules.yaml")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert "extra" in {r.id for r in load_rules()}
    assert "extra" not in {r.id for r in load_rules(include_user_file=False)}


@pytest.mark.parametrize("edit, key", [
    (("tech: pv", "tech: solar"), "tech"),
    (("layer: farmland", "layer: moon"), "layer"),
    (("effect: exclude", "effect: maybe"), "effect"),
    (("effect: exclude", "effect: limit"), "weight"),
    (("effect: exclude", "effect: limit\n    weight: 1.5"), "weight"),
    (("effect: exclude", "effect: exclude\n    weight: 0.5"), "weight"),
    (("effect: exclude", "effect: exclude\n    buffer_m: -3"), "buffer_m"),
    (("verified: false", "verified: maybe"), "verified"),
    (("verified: false", "verified: false\n    colour: red"), "colour"),
    (("source: test", "source: ''"), "citation.source"),
    (("clause_zh: 条款, ", ""), "citation.clause_zh"),
    (("effect: exclude", "effect: exclude\n    where: {field: K, values: []}"), "where.values"),
    (("effect: exclude", "effect: exclude\n    where: {values: [a]}"), "where.field"),
    (("effect: exclude", "effect: exclude\n    where: {field: K, min: 5, max: 1}"), "where.min"),
    (("effect: exclude", "effect: exclude\n    where: {field: K, value: [1]}"), "where.value"),
])
def test_bad_field_names_file_rule_and_field(tmp_path, edit, key):
    path = _write(tmp_path, GOOD.format(id="r1", tech="pv").replace(*edit))
    with pytest.raises(InputError) as err:
        read_rules_file(path)
    text = str(err.value)
    assert str(path) in text and "r1" in text and f"'{key}'" in text


def test_missing_id_duplicate_and_bad_yaml(tmp_path):
    with pytest.raises(InputError, match="'id' is missing"):
        read_rules_file(_write(tmp_path, GOOD.format(id="x", tech="pv").replace("- id: x", "- name: x")))
    with pytest.raises(InputError, match="given twice"):
        read_rules_file(_write(tmp_path, GOOD.format(id="x", tech="pv") + GOOD.format(id="x", tech="pv")
                               .split("rules:\n")[1]))
    with pytest.raises(InputError, match="not valid YAML"):
        read_rules_file(_write(tmp_path, "rules: [a: b: c]"))
    with pytest.raises(InputError, match="no 'rules:' list"):
        read_rules_file(_write(tmp_path, "version: 1\n"))


def test_landcover_rules_take_only_values(tmp_path):
    text = GOOD.format(id="lc", tech="pv").replace("layer: farmland", "layer: landcover").replace(
        "effect: exclude", "effect: exclude\n    where: {field: DLBM, values: ['0101']}")
    with pytest.raises(InputError, match="landcover"):
        read_rules_file(_write(tmp_path, text))
    text = GOOD.format(id="lc", tech="pv").replace("layer: farmland", "layer: landcover").replace(
        "effect: exclude", "effect: exclude\n    buffer_m: 100")
    with pytest.raises(InputError, match="raster"):
        read_rules_file(_write(tmp_path, text))
