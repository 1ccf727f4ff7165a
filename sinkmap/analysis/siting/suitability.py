"""Combine scored criteria (0–1 rasters on one grid) into one suitability raster.

``suitability(criteria, weights)``:

* ``criteria``: ``{name: 0–1 raster}`` (NaN or masked = nodata), all the same shape;
* ``weights``: ``{name: weight}`` summing to 1 (within 1e-6), or an :class:`~.ahp.AHPResult` whose names are the
  criteria's;
* ``method``: ``"sum"`` (weighted linear combination ``Σ wᵢ sᵢ``, the default) or ``"product"`` (weighted
  product ``Π sᵢ^wᵢ``: a zero in any criterion with a positive weight gives zero — no compensation);
* ``inclusion``: optional 0–1 multiplier (0 = excluded by the siting rules, 1 = allowed, between: partly,
  e.g. the allowed share of a cell), NaN = nodata.

A cell that is nodata in any criterion with a positive weight, or in the inclusion raster, is NaN in the
result. The result is float32 within 0–1.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ...core.errors import InputError
from .ahp import AHPResult

__all__ = ["suitability", "normalised_weights", "WEIGHT_TOLERANCE"]

WEIGHT_TOLERANCE = 1e-6
_SLACK = 1e-6  # scores this far outside 0–1 are rounding, clipped


def normalised_weights(weights: Mapping[str, float] | AHPResult, names: list[str]) -> dict[str, float]:
    """The weights by criterion name, checked: same names as the criteria, none negative, sum 1 ± 1e-6."""
    w = weights.weights if isinstance(weights, AHPResult) else {str(k): float(v) for k, v in weights.items()}
    if set(w) != set(names):
        raise InputError(code="analysis.siting.weights_names", names=", ".join(sorted(w)),
                         criteria=", ".join(sorted(names)))
    for name, value in w.items():
        if not np.isfinite(value) or value < 0:
            raise InputError(code="analysis.siting.weights_negative", name=name, value=f"{value:g}")
    total = float(sum(w.values()))
    if abs(total - 1.0) > WEIGHT_TOLERANCE:
        raise InputError(code="analysis.siting.weights_sum", total=f"{total:.9g}")
    return w


def _scores(name: str | None, raster: Any, shape: tuple[int, ...] | None, what: str | None = None
            ) -> np.ndarray:
    arr = np.ma.getdata(raster).astype(np.float64, copy=True)
    if arr.ndim != 2:
        raise InputError(code="analysis.siting.not_2d", what=what or name, shape=str(arr.shape))
    if shape is not None and arr.shape != shape:
        raise InputError(code="analysis.siting.shape_mismatch", what=what or name, shape=str(arr.shape),
                         expected=str(shape))
    arr[np.ma.getmaskarray(raster) | ~np.isfinite(arr)] = np.nan
    if np.any(np.isfinite(arr)):
        low, high = float(np.nanmin(arr)), float(np.nanmax(arr))
        if low < -_SLACK or high > 1 + _SLACK:
            raise InputError(code=("analysis.siting.inclusion_out_of_range" if name is None
                                   else "analysis.siting.criterion_out_of_range"),
                             name=name, low=f"{low:g}", high=f"{high:g}")
        np.clip(arr, 0.0, 1.0, out=arr)
    return arr


def suitability(criteria: Mapping[str, Any], weights: Mapping[str, float] | AHPResult, *, method: str = "sum",
                inclusion: Any = None) -> np.ndarray:
    """Weighted sum (or product) of the scored criteria, times the inclusion raster; float32 0–1, NaN = nodata."""
    if method not in ("sum", "product"):
        raise InputError(code="analysis.siting.bad_method", method=method)
    if not criteria:
        raise InputError(code="analysis.siting.no_criteria")
    names = [str(k) for k in criteria]
    w = normalised_weights(weights, names)
    shape = None
    total = None
    nodata = None
    for key, raster in criteria.items():
        name = str(key)
        s = _scores(name, raster, shape)
        shape = s.shape
        if nodata is None:
            nodata = np.zeros(shape, dtype=bool)
            total = np.zeros(shape) if method == "sum" else np.ones(shape)
        wi = w[name]
        if wi == 0:
            continue
        nodata |= np.isnan(s)
        s = np.nan_to_num(s, nan=0.0)
        if method == "sum":
            total += wi * s
        else:
            total *= s ** wi
    if inclusion is not None:
        inc = _scores(None, inclusion, shape, what="inclusion")
        nodata |= np.isnan(inc)
        total *= np.nan_to_num(inc, nan=0.0)
    out = np.clip(total, 0.0, 1.0).astype(np.float32)
    out[nodata] = np.nan
    return out
