"""What a file is: vector or raster by its suffix, and its role (boundary, forest, DEM...) by its name."""

from __future__ import annotations

import re
from pathlib import Path

RASTER_SUFFIXES = {".tif", ".tiff", ".img", ".vrt", ".asc"}


def kind_of_path(path: str | Path) -> str:
    return "raster" if Path(path).suffix.lower() in RASTER_SUFFIXES else "vector"


def _has_word(name: str, key: str) -> bool:
    """``key`` in ``name``: a short Latin key (dem, lc) only as a word of its own, digits allowed around
    it (dem30m, srtm_dem) — not inside another word: ``landcover_sandiao_demo.tif`` is no DEM."""
    if len(key) <= 3 and key.isascii():
        return re.search(rf"(?<![a-z]){re.escape(key)}(?![a-z])", name) is not None
    return key in name


def guess_role(name: str, kind: str) -> str | None:
    """A role from a layer or file name (Chinese or English words)."""
    n = name.lower()
    words = {
        "dem": ("dem", "高程", "elev", "terrain", "地形"),
        "landcover": ("landcover", "land_cover", "土地", "地类", "三调", "worldcover", "lc"),
        "boundary": ("boundar", "行政区", "县界", "区划", "county"),
        "forest": ("forest", "小班", "xiaoban", "森林", "林地", "subcompart"),
        "wetland": ("wetland", "湿地"),
        "protected": ("protect", "保护", "reserve", "自然保护地"),
        "projects": ("project", "site", "项目", "电站", "station"),
    }
    for role, keys in words.items():
        if (role in ("dem", "landcover")) != (kind == "raster"):
            continue
        if any(_has_word(n, k) for k in keys):
            return role
    return None
