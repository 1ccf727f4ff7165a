"""Analytic Hierarchy Process: criterion weights from a pairwise-comparison matrix.

``ahp(matrix, names)`` → :class:`AHPResult` with the priorities (the principal right eigenvector of the
matrix, normalised to sum 1), λmax, the consistency index CI = (λmax − n)/(n − 1) and the consistency ratio
CR = CI / RI(n).

RI is Saaty's random consistency index (the mean CI of random reciprocal matrices on the 1/9…9 scale), as
tabulated in Saaty, T.L. (1980) *The Analytic Hierarchy Process*, McGraw-Hill, New York (also Saaty 1990,
"How to make a decision: the analytic hierarchy process", EJOR 48: 9–26):

    n   1  2  3     4     5     6     7     8     9     10
    RI  0  0  0.58  0.90  1.12  1.24  1.32  1.41  1.45  1.49

For n ≤ 2 every reciprocal matrix is consistent: CR is 0. Above n = 10 the table has no value: CR is NaN and
a notice says so. A CR above 0.1 (Saaty's limit) gives a warning notice naming the least consistent judgement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...core.errors import InputError
from ...core.feedback import Feedback, ensure
from ...core.messages import Notice

__all__ = ["AHPResult", "RANDOM_INDEX", "CR_LIMIT", "ahp", "validate"]

#: Saaty's random consistency index RI by matrix order n (Saaty 1980), index 0 ↔ n = 1.
RANDOM_INDEX = (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49)
#: Saaty's limit on the consistency ratio.
CR_LIMIT = 0.1


@dataclass(frozen=True)
class AHPResult:
    """Priorities (sum 1, in the order of ``names``), λmax, CI, CR (NaN when RI is unknown) and RI."""

    names: tuple[str, ...]
    priorities: np.ndarray
    lambda_max: float
    ci: float
    cr: float
    ri: float

    @property
    def weights(self) -> dict[str, float]:
        return {n: float(w) for n, w in zip(self.names, self.priorities)}

    @property
    def consistent(self) -> bool:
        return not (self.cr > CR_LIMIT)


def _fmt(v: float) -> str:
    return f"{v:.4g}"


def validate(matrix: Any, names: Sequence[str] | None = None, *,
             rtol: float = 0.02) -> tuple[np.ndarray, tuple[str, ...]]:
    """The matrix as float64 and the criterion names, or an :class:`InputError` naming the offending pair.

    Reciprocity ``a_ij · a_ji = 1`` is checked to ``rtol`` (default 2 %, so 1/3 typed as 0.33 passes).
    """
    a = np.asarray(matrix, dtype=float)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        raise InputError(code="analysis.siting.ahp_not_square", shape=str(a.shape))
    n = a.shape[0]
    names = tuple(str(x) for x in names) if names is not None else tuple(f"C{i + 1}" for i in range(n))
    if len(names) != n:
        raise InputError(code="analysis.siting.ahp_names", n_names=len(names), n=n)
    for i in range(n):
        for j in range(n):
            if not (np.isfinite(a[i, j]) and a[i, j] > 0):
                raise InputError(code="analysis.siting.ahp_not_positive", row=names[i], col=names[j],
                                 value=_fmt(a[i, j]))
    for i in range(n):
        if abs(a[i, i] - 1.0) > rtol:
            raise InputError(code="analysis.siting.ahp_diagonal", row=names[i], value=_fmt(a[i, i]))
    for i in range(n):
        for j in range(i + 1, n):
            if abs(a[i, j] * a[j, i] - 1.0) > rtol:
                raise InputError(code="analysis.siting.ahp_not_reciprocal", row=names[i], col=names[j],
                                 value=_fmt(a[i, j]), reverse=_fmt(a[j, i]))
    return a, names


def ahp(matrix: Any, names: Sequence[str] | None = None, *, rtol: float = 0.02,
        feedback: Feedback | None = None) -> AHPResult:
    """Priorities, λmax, CI and CR of a pairwise-comparison matrix (``a_ij``: how much more important i is than j).

    Warns (``feedback.warn``) when CR > 0.1 and when n > 10 (no RI). Raises :class:`InputError` for a matrix
    that is not square, has a non-positive or non-finite judgement, a diagonal other than 1, or a pair that is
    not reciprocal within ``rtol``.
    """
    fb = ensure(feedback)
    a, names = validate(matrix, names, rtol=rtol)
    n = a.shape[0]
    vals, vecs = np.linalg.eig(a)
    k = int(np.argmax(vals.real))
    lam = float(vals[k].real)
    w = np.abs(vecs[:, k].real)
    w = w / w.sum()
    ci = max(0.0, (lam - n) / (n - 1)) if n > 1 else 0.0
    if ci < 1e-12:  # a consistent matrix: λmax = n to rounding
        ci = 0.0
    if n <= len(RANDOM_INDEX):
        ri = RANDOM_INDEX[n - 1]
        cr = ci / ri if ri > 0 else 0.0
    else:
        ri = float("nan")
        cr = float("nan")
        fb.warn(Notice("analysis.siting.ahp_no_ri", n=n))
    if cr > CR_LIMIT:
        ratio = a * w[None, :] / w[:, None]  # a_ij / (w_i / w_j): 1 where the judgement fits the weights
        off = np.abs(np.log(ratio))
        i, j = np.unravel_index(int(np.argmax(off)), off.shape)
        fb.warn(Notice("analysis.siting.ahp_inconsistent", cr=f"{cr:.3f}", row=names[i], col=names[j],
                       value=_fmt(a[i, j]), implied=_fmt(w[i] / w[j])))
    return AHPResult(names=names, priorities=w, lambda_max=lam, ci=ci, cr=cr, ri=ri)
