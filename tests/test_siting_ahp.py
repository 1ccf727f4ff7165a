"""AHP (sinkmap.analysis.siting.ahp): Saaty's drinks example, consistent matrices, validation, warnings."""

from __future__ import annotations

import numpy as np
import pytest

from sinkmap.analysis.siting.ahp import ahp
from sinkmap.core.errors import InputError
from sinkmap.core.feedback import NullFeedback

DRINKS = ["coffee", "wine", "tea", "beer", "soda", "milk", "water"]
DRINKS_MATRIX = [
    [1, 9, 5, 2, 1, 1, 1 / 2],
    [1 / 9, 1, 1 / 3, 1 / 9, 1 / 9, 1 / 9, 1 / 9],
    [1 / 5, 3, 1, 1 / 3, 1 / 4, 1 / 3, 1 / 9],
    [1 / 2, 9, 3, 1, 1 / 2, 1, 1 / 3],
    [1, 9, 4, 2, 1, 2, 1 / 2],
    [1, 9, 3, 1, 1 / 2, 1, 1 / 3],
    [2, 9, 9, 3, 2, 3, 1],
]
PUBLISHED = {"coffee": .177, "wine": .019, "tea": .042, "beer": .116, "soda": .190, "milk": .129, "water": .327}


def test_saaty_drinks():
    fb = NullFeedback()
    r = ahp(DRINKS_MATRIX, DRINKS, feedback=fb)
    for name, p in PUBLISHED.items():
        assert round(r.weights[name], 3) == p
    assert abs(r.lambda_max - 7.1766) < 0.001
    assert round(r.ci, 4) == 0.0294
    assert round(r.cr, 3) == 0.022
    assert r.ri == 1.32 and r.consistent and fb.warnings == []
    assert abs(r.priorities.sum() - 1) < 1e-12


def test_two_by_two_and_consistent_matrix_give_cr_0():
    r2 = ahp([[1, 3], [1 / 3, 1]])
    assert r2.cr == 0 and np.allclose(r2.priorities, [0.75, 0.25])
    w = np.array([0.5, 0.25, 0.15, 0.1])
    r4 = ahp(w[:, None] / w[None, :])
    assert r4.cr == 0 and r4.ci == 0 and abs(r4.lambda_max - 4) < 1e-9
    assert np.allclose(r4.priorities, w)
    assert ahp([[1]]).priorities.tolist() == [1.0]


def test_inconsistent_matrix_warns_with_the_worst_pair():
    fb = NullFeedback()
    m = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]  # a > b > c > a
    r = ahp(m, ["a", "b", "c"], feedback=fb)
    assert r.cr > 0.1 and not r.consistent
    (notice,) = fb.warnings
    assert notice.code == "analysis.siting.ahp_inconsistent" and notice.params["cr"] == f"{r.cr:.3f}"
    assert "above 0.1" in str(notice)


def test_validation_names_the_pair():
    with pytest.raises(InputError) as e:
        ahp([[1, 2, 3], [1 / 2, 1, 4], [1 / 3, 4, 1]], ["slope", "roads", "grid"])
    assert e.value.code == "analysis.siting.ahp_not_reciprocal"
    assert (e.value.params["row"], e.value.params["col"]) == ("roads", "grid")
    with pytest.raises(InputError) as e:
        ahp([[1, 2, 3], [1 / 2, 1, 4]])
    assert e.value.code == "analysis.siting.ahp_not_square"
    with pytest.raises(InputError) as e:
        ahp([[1, -2], [-0.5, 1]])
    assert e.value.code == "analysis.siting.ahp_not_positive"
    with pytest.raises(InputError) as e:
        ahp([[2, 1], [1, 1]])
    assert e.value.code == "analysis.siting.ahp_diagonal"
    with pytest.raises(InputError) as e:
        ahp([[1, 2], [0.5, 1]], ["a"])
    assert e.value.code == "analysis.siting.ahp_names"
    # 1/3 typed as 0.33 is accepted
    assert ahp([[1, 3], [0.33, 1]]).cr == 0


def test_more_than_ten_criteria_has_no_ri():
    fb = NullFeedback()
    r = ahp(np.ones((11, 11)), feedback=fb)
    assert np.isnan(r.cr) and fb.warnings[0].code == "analysis.siting.ahp_no_ri"
    assert np.allclose(r.priorities, 1 / 11)
