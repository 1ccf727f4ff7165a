"""A ledger indicator as a choropleth: the counties of the boundary layer, graduated by their values.

The joined table is written (atomically) as a GeoPackage in the cache folder and added as an ordinary
layer, so it is saved with the project, styled like any other layer and its attribute table opens.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np

from ..core.errors import InputError
from ..core.indicators import INDICATORS
from ..core.project import LayerSpec, Style
from ..io.catalogue import cache_dir
from ..io.vectors import write_vector
from .canvas.colors import ramp_colors
from .i18n import name_of, tr
from .layers.data import VectorData


def indicator_frame(boundaries: gpd.GeoDataFrame, indicator: str, report: dict) -> gpd.GeoDataFrame:
    """The boundary rows with the indicator's measured value, target status and gap from ``report``."""
    by_name = {}
    for u in report.get("units", []):
        a = next((t for t in u.get("targets", []) if t.get("indicator") == indicator), {})
        v = a.get("measured")
        if v is None:
            v = u.get(indicator) if indicator != "wetland_area_10k_ha" else (
                None if u.get("wetland_area_ha") is None else u["wetland_area_ha"] / 1e4)
        by_name[u.get("name")] = (v, a.get("status"), a.get("gap"))
    out = boundaries[["name", "adcode", boundaries.geometry.name]].copy()
    out["value"] = [by_name.get(n, (None,))[0] for n in out["name"]]
    out["status"] = [by_name.get(n, (None, None))[1] for n in out["name"]]
    out["gap"] = [by_name.get(n, (None, None, None))[2] for n in out["name"]]
    out["value"] = out["value"].astype(float)
    return out


def add_choropleth(win, indicator: str, report: dict) -> LayerSpec:
    reg = win.registry
    boundary = next((s for s in reg.project.layers if s.role == "boundary"
                     and isinstance(reg.data.get(s.id), VectorData)), None)
    if boundary is None:
        raise InputError("no county boundary layer is loaded", hint="add the boundaries first (文件 → 新建项目)")
    frame = indicator_frame(reg.data[boundary.id].frame, indicator, report)
    values = frame["value"].to_numpy(dtype=float)
    if not np.isfinite(values).any():
        raise InputError(f"the ledger has no values for {INDICATORS[indicator].name_zh}",
                         hint="compute the ledger with layers that measure this indicator")
    year = report.get("year")
    path = cache_dir() / f"choropleth_{boundary.layer or 'units'}_{year}_{indicator}.gpkg"
    write_vector(frame, path, layer=indicator)
    ok = values[np.isfinite(values)]
    breaks = sorted(set(np.quantile(ok, np.linspace(0, 1, 6)).round(6).tolist())) if len(ok) > 1 else [ok[0], ok[0] + 1]
    if len(breaks) < 2:
        breaks = [breaks[0], breaks[0] + 1.0]
    ramp = "blues" if "wetland" in indicator else "greens"
    style = Style(kind="graduated", field="value", breaks=breaks, colors=ramp_colors(ramp, len(breaks) - 1),
                  ramp=ramp, stroke="#ffffff", stroke_width=0.8, label_field="name", opacity=0.9)
    name = tr("专题图：{0}（{1}）").format(name_of(INDICATORS[indicator]), year)
    for spec in reg.project.layers:
        if spec.path == str(path):
            reg.project.remove_layer(spec.id)
            break
    spec = LayerSpec(name=name, path=str(path), layer=indicator, kind="vector", role="choropleth", style=style)
    reg.project.add_layer(spec, index=reg.project.index_of(boundary.id))
    return spec
