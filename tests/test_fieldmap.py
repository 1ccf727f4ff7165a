"""Field mapping: detection, overrides, 亩/ha detection from the geometry, number parsing, scheme detection."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import fixtures_ledger as fx
from sinkmap.analysis.fieldmap import (
    classify_codes,
    detect_area_unit,
    detect_mapping,
    detect_scheme,
    parse_numbers,
)
from sinkmap.core.errors import FieldError
from sinkmap.core.feedback import NullFeedback
from sinkmap.io.schemes import load_scheme


def test_detects_hunan_style_fields_case_insensitively():
    gdf = fx.forest().rename(columns={"MEI_GQ_XJ": "mei_gq_xj", "YU_BI_DU": "YUBIDU"})
    m = detect_mapping(gdf, "forest")
    assert m.get("land_class") == "DI_LEI"
    assert m.get("stock_per_ha") == "mei_gq_xj"  # case
    assert m.get("canopy") == "YUBIDU"  # underscores ignored
    assert m.get("species") == "YOU_SHI_SZ"
    assert m.get("stock") is None and m.get("area") is None


def test_override_wins_and_a_missing_override_lists_the_fields():
    gdf = fx.forest()
    gdf["MGQXJ"] = 1.0
    m = detect_mapping(gdf, "forest", overrides={"stock_per_ha": "mgqxj", "canopy": ""})
    assert m.get("stock_per_ha") == "MGQXJ" and m.get("canopy") is None
    assert m.explicit == {"stock_per_ha", "canopy"}
    with pytest.raises(FieldError) as err:
        detect_mapping(gdf, "forest", overrides={"stock_per_ha": "NOPE"}, layer="小班")
    text = str(err.value)
    assert "'NOPE'" in text and "小班" in text and "DI_LEI, YU_BI_DU, MEI_GQ_XJ" in text
    with pytest.raises(FieldError, match="unknown field key 'stok'"):
        detect_mapping(gdf, "forest", overrides={"stok": "MGQXJ"})
    with pytest.raises(FieldError, match="area_unit"):
        detect_mapping(gdf, "forest", overrides={"area_unit": "acre"})


def test_area_in_mu_is_detected_and_warned():
    gdf = fx.forest()
    # MIAN_JI in 亩: the Geod area of each rectangle in ha × 15 (1 ha = 15 亩)
    gdf["MIAN_JI"] = [fx.geod_ha(r) * 15 for r in fx.FOREST_RECTS.values()]
    fb = NullFeedback()
    m = detect_mapping(gdf, "forest", feedback=fb, layer="小班")
    assert m.get("area") == "MIAN_JI" and m.area_unit == "mu" and m.area_unit_source == "detected"
    assert len(fb.warnings) == 1 and "亩" in str(fb.warnings[0]) and "MIAN_JI" in str(fb.warnings[0])
    # the same areas in ha: detected silently
    gdf["MIAN_JI"] = [fx.geod_ha(r) for r in fx.FOREST_RECTS.values()]
    fb = NullFeedback()
    assert detect_mapping(gdf, "forest", feedback=fb).area_unit == "ha" and fb.warnings == []
    # nonsense (×3): no unit, warned, geometry area used; an override wins without detection
    gdf["MIAN_JI"] = gdf["MIAN_JI"] * 3
    fb = NullFeedback()
    assert detect_mapping(gdf, "forest", feedback=fb).area_unit is None
    assert "neither" in str(fb.warnings[0])
    m = detect_mapping(gdf, "forest", overrides={"area_unit": "mu"})
    assert m.area_unit == "mu" and m.area_unit_source == "override"


def test_detect_area_unit_ratios():
    geom = np.array([10.0, 20.0])
    assert detect_area_unit([10.5, 19.0], geom)[0] == "ha"  # ratio 0.983
    assert detect_area_unit([150.0, 300.0], geom)[0] == "mu"  # ratio 15
    assert detect_area_unit([1e5, 2e5], geom)[0] == "m2"  # ratio 10 000
    assert detect_area_unit([50.0, 50.0], geom)[0] is None  # ratio 3.33


def test_non_numeric_values_are_counted_and_named():
    s = pd.Series(["100", "-", "无", " ", None, "80.5", "-"])
    with pytest.raises(FieldError) as err:
        parse_numbers(s, layer="小班", field_name="MEI_GQ_XJ")
    assert '3 values of field MEI_GQ_XJ in layer 小班 are not numbers ("-", "无")' in str(err.value)
    fb = NullFeedback()
    out = parse_numbers(s, layer="小班", field_name="MEI_GQ_XJ", strict=False, feedback=fb)
    np.testing.assert_array_equal(out, [100, np.nan, np.nan, np.nan, np.nan, 80.5, np.nan])
    assert "treated as missing" in str(fb.warnings[0])


def test_scheme_detection_and_codes_with_or_without_leading_zero():
    inv = load_scheme("forest_inventory")
    classes = classify_codes(pd.Series(["0111", "111", 113, "国家特别规定灌木林地", "999", None]), inv)
    assert [c.name_zh if c else None for c in classes] == ["乔木林", "乔木林", "竹林", "国家特别规定灌木林地",
                                                          None, None]
    assert detect_scheme(pd.Series(["0111", "0120", "0132"])) == ("forest_inventory", 1.0)
    assert detect_scheme(pd.Series(["0301", "0302", "0101", "0111"]))[0] == "sandiao"
