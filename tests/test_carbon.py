"""Carbon from stock: the formula with the table's numbers written out, aliases, defaults, bad tables."""

from __future__ import annotations

import numpy as np
import pytest

from sinkmap.analysis.carbon import CO2_PER_C, carbon_from_stock, co2_from_carbon, load_carbon_factors
from sinkmap.core.errors import InputError
from sinkmap.core.feedback import NullFeedback


def test_1000_m3_of_chinese_fir():
    # 杉木 row of layers/carbon_factors.yaml: SVD 0.307 t/m³, BEF 1.634, R 0.246, CF 0.5
    # C = 1000 × 0.307 × 1.634 × (1 + 0.246) × 0.5 = 312.520474 t
    expected_c = 1000 * 0.307 * 1.634 * 1.246 * 0.5
    assert expected_c == pytest.approx(312.520474, rel=1e-9)
    c = carbon_from_stock(1000.0, "杉木")
    assert c[0] == pytest.approx(expected_c, rel=1e-12)
    # CO₂ = C × 44/12 = 1145.908405 t
    assert co2_from_carbon(c)[0] == pytest.approx(expected_c * 44 / 12, rel=1e-12)
    assert CO2_PER_C == pytest.approx(3.6666666667)


def test_vectorised_with_aliases_and_suffixes():
    # 湿地松 → 国外松 (0.424, 1.631, 0.206, 0.5); "马尾松林" → 马尾松 (0.380, 1.472, 0.187, 0.5)
    c = carbon_from_stock([1000.0, 500.0, np.nan], ["湿地松", "马尾松林", "杉木"])
    assert c[0] == pytest.approx(1000 * 0.424 * 1.631 * 1.206 * 0.5)
    assert c[1] == pytest.approx(500 * 0.380 * 1.472 * 1.187 * 0.5)
    assert np.isnan(c[2])


def test_unknown_species_use_default_with_a_counting_warning():
    fb = NullFeedback()
    c = carbon_from_stock([100.0, 100.0, 100.0], ["银杏", "银杏", None], feedback=fb, label="小班")
    # default type 针阔混: 0.486 × 1.656 × 1.248 × 0.5 per m³
    assert c == pytest.approx([100 * 0.486 * 1.656 * 1.248 * 0.5] * 3)
    assert len(fb.warnings) == 1
    assert "3 feature(s)" in str(fb.warnings[0]) and "银杏 ×2" in str(fb.warnings[0]) and "针阔混" in str(fb.warnings[0])


def test_every_row_says_where_it_comes_from():
    table = load_carbon_factors()
    for f in table.factors.values():
        assert f.source in table.sources, f.type
        assert 0.2 < f.svd < 0.8 and 1.0 < f.bef < 3.0 and 0.1 < f.r < 0.5 and 0.4 < f.cf <= 0.55
    assert table.bamboo_carbon_t_per_ha is None  # bamboo excluded until a sourced figure is added


def test_bad_table_is_an_input_error(tmp_path):
    p = tmp_path / "factors.yaml"
    p.write_text("default_type: 无\ntypes:\n  - {type: 杉木, svd: 0.3, bef: 1.6, r: 0.2, cf: 0.5, source: x}\n",
                 encoding="utf-8")
    with pytest.raises(InputError, match="default_type→无"):
        load_carbon_factors(p)
    p.write_text("types: [{type: 杉木}]\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a valid carbon factor table"):
        load_carbon_factors(p)
