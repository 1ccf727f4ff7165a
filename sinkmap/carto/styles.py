"""Default styles for layers by role (boundary, forest, wetland...) and by what the data holds. No Qt.

The role itself comes from the file or layer name (:func:`sinkmap.io.layerdata.roles.guess_role`)."""

from __future__ import annotations

import pandas as pd

from ..core.project import LayerSpec, Style
from ..io.schemes import available_schemes, load_scheme
from .symbology import categorised_from_scheme, category_counts, graduated_quantiles

ROLE_STYLES: dict[str, Style] = {
    "boundary": Style(fill="none", stroke="#303030", stroke_width=1.3, label_field="name", label_size=10.0),
    "forest": Style(fill="#5aa55f", stroke="#2f6b34", stroke_width=0.4),
    "wetland": Style(fill="#7ab8e0", stroke="#2a6ea6", stroke_width=0.6, opacity=0.9),
    "protected": Style(fill="#d0453a30", stroke="#b03a2e", stroke_width=0.8),
    "projects": Style(fill="#e67e22", stroke="#ffffff", stroke_width=1.0, point_size=9.0),
    "redline": Style(fill="#c0392b22", stroke="#c0392b", stroke_width=0.8),
    "farmland": Style(fill="#f2d96b88", stroke="none", stroke_width=0.0),
    "roads": Style(fill="#7f7f7f", stroke="#8a8a8a", stroke_width=0.9),
    "substations": Style(fill="#8e44ad", stroke="#ffffff", stroke_width=0.8, point_size=6.0),
    "landcover": Style(kind="classes", scheme="sandiao", opacity=0.85),
    "dem": Style(kind="hillshade", ramp="terrain", opacity=1.0),
    # site.exclusions' GeoTIFF: band 1 inclusion 0..1 in three steps (red / amber / green), nodata clear
    "siting_exclusions": Style(kind="ramp", ramp="siting", vmin=0.0, vmax=1.0, opacity=0.8),
    # site.suitability's GeoTIFF: band 1 suitability 0..1 (0, excluded, transparent: the exclusions show below)
    "siting_suitability": Style(kind="ramp", ramp="suitability", vmin=0.0, vmax=1.0, opacity=0.9),
    # site.regions' candidate regions, labelled with their rank, score and capacity (site.run's label field)
    "siting_regions": Style(fill="#e0529c30", stroke="#b0186b", stroke_width=1.8, label_field="label",
                            label_color="#6d0f43", label_size=9.0),
    # site.phes' GeoPackage: upper reservoirs dark blue, lower ones light blue-green, the pair's line orange
    # (labels: ▲/▼ water level; rank, class and energy on the line)
    "phes_upper": Style(fill="#1f5fa8d0", stroke="#08306b", stroke_width=1.4, label_field="label",
                        label_color="#08306b", label_size=8.5),
    "phes_lower": Style(fill="#5fc4d4d0", stroke="#0b6e7f", stroke_width=1.4, label_field="label",
                        label_color="#0b5563", label_size=8.5),
    "phes_pairs": Style(fill="none", stroke="#e0640f", stroke_width=2.4, label_field="label",
                        label_color="#8c2d04", label_size=9.0),
}

#: Field names (upper case) holding a forest land-class code, and the scheme that reads them.
LAND_CLASS_FIELDS = {"DI_LEI": "forest_inventory", "DILEI": "forest_inventory", "DLBM": "sandiao"}
#: Field names holding stock per hectare (m³/ha).
STOCK_FIELDS = ("MGQXJ", "STOCK_PER_HA", "MEI_GQ_XJ", "XJ_HA")

def field_scheme(frame: pd.DataFrame, field_name: str, min_share: float = 0.9) -> str | None:
    """The classification scheme whose codes ``field_name`` holds, or None.

    By the field's name first (DI_LEI: forest inventory land classes, DLBM: 三调); otherwise the bundled
    scheme that knows the codes of at least ``min_share`` of the features of a text field (numeric
    fields are not guessed: stock or area values would pass for WorldCover codes).
    """
    by_name = LAND_CLASS_FIELDS.get(str(field_name).upper())
    if by_name:
        return by_name
    if field_name not in frame.columns or frame[field_name].dtype.kind in "iufb":
        return None
    counts = {k: v for k, v in category_counts(frame, field_name).items() if k}
    total = sum(counts.values())
    if not total:
        return None
    best, best_share = None, 0.0
    for name in available_schemes():
        scheme = load_scheme(name)
        share = sum(v for k, v in counts.items() if scheme.lookup(k) is not None) / total
        if share > best_share:
            best, best_share = name, share
    return best if best_share >= min_share else None


def default_style(spec: LayerSpec, frame: pd.DataFrame | None = None, lang: str = "zh_CN") -> Style:
    """The style a new layer gets: by role, refined by the fields it has (class labels in ``lang``)."""
    base = ROLE_STYLES.get(spec.role or "", Style(kind="ramp", ramp="greys") if spec.kind == "raster" else Style())
    if spec.role == "forest" and frame is not None:
        cols = {str(c).upper(): c for c in frame.columns}
        for up, scheme in LAND_CLASS_FIELDS.items():
            if up in cols:
                try:
                    return categorised_from_scheme(base, frame, cols[up], scheme, lang)
                except Exception:  # noqa: BLE001 - unknown codes: fall through to the next rule
                    pass
        for up in STOCK_FIELDS:
            if up in cols:
                return graduated_quantiles(base, frame, cols[up], 5, "greens")
    return Style.from_dict(base.to_dict())
