"""A ledger indicator as a choropleth: the counties of the boundary layer, graduated by their values.

The joined table is written (atomically) as a GeoPackage in the cache folder and added as an ordinary
layer, so it is saved with the project, styled like any other layer and its attribute table opens.
No Qt: the window finds the loaded boundary layer and names the new layer in the interface language.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np

from ..core.errors import InputError
from ..core.indicators import INDICATORS
from ..core.project import LayerSpec, Project, Style
from ..io.catalogue import cache_dir
from ..io.vectors import write_vector
from .colors import ramp_colors


def indicator_frame(boundaries: gpd.GeoDataFrame, indicator: str, report) -> gpd.GeoDataFrame:
    """The boundary rows with the indicator's measured value, target status and gap from ``report`` (a
    :class:`~sinkmap.jobs.ledger.LedgerReport`: ``year`` and ``units`` of
    :class:`~sinkmap.core.ledger_report.LedgerUnit`)."""
    by_name = {}
    for u in report.units:
        a = u.assessment(indicator)
        v = a.measured if a is not None and a.measured is not None else u.measure(indicator)
        by_name[u.name] = (v, a.status.value if a else None, a.gap if a else None)
    out = boundaries[["name", "adcode", boundaries.geometry.name]].copy()
    out["value"] = [by_name.get(n, (None,))[0] for n in out["name"]]
    out["status"] = [by_name.get(n, (None, None))[1] for n in out["name"]]
    out["gap"] = [by_name.get(n, (None, None, None))[2] for n in out["name"]]
    out["value"] = out["value"].astype(float)
    return out


def choropleth_style(values: np.ndarray, indicator: str) -> Style:
    """Five quantile classes of the finite ``values`` (blues for wetland indicators, else greens)."""
    ok = values[np.isfinite(values)]
    breaks = sorted(set(np.quantile(ok, np.linspace(0, 1, 6)).round(6).tolist())) if len(ok) > 1 else [ok[0], ok[0] + 1]
    if len(breaks) < 2:
        breaks = [breaks[0], breaks[0] + 1.0]
    ramp = "blues" if "wetland" in indicator else "greens"
    return Style(kind="graduated", field="value", breaks=breaks, colors=ramp_colors(ramp, len(breaks) - 1),
                 ramp=ramp, stroke="#ffffff", stroke_width=0.8, label_field="name", opacity=0.9)


def add_choropleth(project: Project, boundary: LayerSpec, boundaries: gpd.GeoDataFrame, indicator: str,
                   report, name: str) -> LayerSpec:
    """Write the indicator's choropleth of ``boundaries`` (the rows of the layer ``boundary``) and add it
    to ``project`` as the layer ``name`` at the boundary layer's index (replacing an earlier one)."""
    frame = indicator_frame(boundaries, indicator, report)
    values = frame["value"].to_numpy(dtype=float)
    if not np.isfinite(values).any():
        raise InputError(code="app.choropleth.no_values", indicator_zh=INDICATORS[indicator].name_zh,
                         indicator_en=INDICATORS[indicator].name_en)
    year = report.year
    path = cache_dir() / f"choropleth_{boundary.layer or 'units'}_{year}_{indicator}.gpkg"
    write_vector(frame, path, layer=indicator)
    style = choropleth_style(values, indicator)
    for spec in project.layers:
        if spec.path == str(path):
            project.remove_layer(spec.id)
            break
    spec = LayerSpec(name=name, path=str(path), layer=indicator, kind="vector", role="choropleth", style=style)
    project.add_layer(spec, index=project.index_of(boundary.id))
    return spec
