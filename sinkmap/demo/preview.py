"""Quick-look PNGs of the demo layers (numpy + rasterio only: no plotting library needed).

Used to *look* at the generated world while developing it, and by anyone who wants a picture of a demo
layer without opening a GIS. Each image shows the layer over the county boundaries, labelled in the
image file's metadata (PNG text chunk) as synthetic demo data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
from rasterio.features import rasterize

from .grid import Grid


def _hex(color: str) -> tuple[int, int, int]:
    c = color.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def hillshade(dem: np.ndarray, grid: Grid, azimuth: float = 315, altitude: float = 45) -> np.ndarray:
    """Hillshade in [0, 1] (degrees converted to metres at the grid's mid-latitude)."""
    lat = (grid.north + grid.south) / 2
    dx = grid.res * 111320 * np.cos(np.radians(lat))
    dy = grid.res * 110570
    gy, gx = np.gradient(dem.astype(np.float32), dy, dx)
    slope = np.arctan(np.hypot(gx, gy))
    aspect = np.arctan2(-gx, gy)
    az, alt = np.radians(azimuth), np.radians(altitude)
    shade = np.sin(alt) * np.cos(slope) + np.cos(alt) * np.sin(slope) * np.cos(az - aspect)
    return np.clip(shade, 0, 1)


def terrain_colors(dem: np.ndarray) -> np.ndarray:
    """A hypsometric tint (green lowlands → brown → grey summits), RGB float in [0, 1]."""
    stops = np.array([0, 60, 200, 500, 900, 1400, 2200], float)
    cols = np.array([[70, 140, 90], [120, 170, 100], [190, 200, 120], [200, 170, 110], [160, 120, 90],
                     [150, 140, 135], [240, 240, 240]], float) / 255
    z = np.clip(dem, stops[0], stops[-1])
    rgb = np.stack([np.interp(z, stops, cols[:, i]) for i in range(3)], axis=-1)
    return rgb


def render(path: Path, rgb: np.ndarray, grid: Grid, boundaries=None, overlays=(), max_px: int = 1800) -> Path:
    """Write ``rgb`` (H×W×3 floats 0–1) as a PNG with county boundaries and vector ``overlays`` burnt in.

    ``overlays``: (geometries, (r, g, b), all_touched) triples drawn in order.
    """
    step = max(1, int(np.ceil(max(grid.width, grid.height) / max_px)))
    img = rgb[::step, ::step].copy()
    g = Grid(grid.west, grid.north, grid.res * step, img.shape[1], img.shape[0])
    for geoms, color, touched in overlays:
        geoms = [x for x in geoms if x is not None and not x.is_empty]
        if not geoms:
            continue
        m = rasterize(((x, 1) for x in geoms), out_shape=g.shape, transform=g.transform, all_touched=touched,
                      dtype="uint8")
        img[m == 1] = np.array(color, float) / 255
    if boundaries is not None:
        lines = [x.boundary for x in boundaries]
        m = rasterize(((x, 1) for x in lines), out_shape=g.shape, transform=g.transform, dtype="uint8")
        img[m == 1] = 0.1
    arr = (np.clip(img, 0, 1) * 255).astype(np.uint8).transpose(2, 0, 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(path, "w", driver="PNG", width=arr.shape[2], height=arr.shape[1], count=3,
                       dtype="uint8") as dst:
        dst.write(arr)
        dst.update_tags(SINKMAP_SYNTHETIC="yes", DESCRIPTION="synthetic demo data — not real inventory")
    aux = path.with_suffix(path.suffix + ".aux.xml")
    if aux.exists():
        aux.unlink()
    return path


def class_colors(codes: np.ndarray, palette: dict[int, str], default: str = "#ffffff") -> np.ndarray:
    out = np.empty(codes.shape + (3,), float)
    out[:] = np.array(_hex(default)) / 255
    for value, color in palette.items():
        out[codes == value] = np.array(_hex(color)) / 255
    return out


def render_demo(folder: Path, out_dir: Path, max_px: int = 1800) -> list[Path]:
    """Quick-look PNGs of every layer of a generated demo folder, over the county boundaries."""
    import geopandas as gpd

    from ..io.schemes import load_scheme
    from .generate import demo_layers

    layers = demo_layers(folder)
    out_dir.mkdir(parents=True, exist_ok=True)
    with rasterio.open(layers["landcover"][0]) as src:
        lc = src.read(1)
        t = src.transform
        g = Grid(t.c, t.f, t.a, src.width, src.height)
    with rasterio.open(layers["dem"][0]) as src:
        step = max(1, src.width // g.width)
        dem = src.read(1, out_shape=(src.height // step, src.width // step)).astype(np.float32)
    dem[dem < -1000] = np.nan
    gpkg, _ = layers["forest"]
    counties = None
    from ..io.boundaries import load_units

    names = set(gpd.read_file(gpkg, layer=layers["forest"][1], columns=["XIAN"], ignore_geometry=True)["XIAN"])
    import pandas as pd

    from ..io.targets import plan_cities

    units = pd.concat([load_units(city=c) for c in plan_cities()])
    counties = units[(units["level"] == "county") & units["name"].isin(names)].geometry
    paths = []
    shade = hillshade(np.nan_to_num(dem, nan=0), g)
    rgb = terrain_colors(np.nan_to_num(dem, nan=0)) * (0.35 + 0.65 * shade[..., None])
    rgb[np.isnan(dem)] = 1.0
    paths.append(render(out_dir / "dem.png", rgb, g, counties, max_px=max_px))
    pal = {c.value: c.color for c in load_scheme("sandiao").classes}
    rgb = class_colors(lc, pal) * (0.8 + 0.2 * shade[..., None])
    paths.append(render(out_dir / "landcover.png", rgb, g, counties, max_px=max_px))
    base = np.ones(lc.shape + (3,)) * 0.97
    base[lc > 0] = 0.9

    def vec(key: str, colors: dict[str, str] | None = None, column: str | None = None, default: str = "#444444",
            touched: bool = False):
        f = gpd.read_file(gpkg, layer=layers[key][1])
        if column is None:
            return [(list(f.geometry), _hex(default), touched)]
        out = []
        for value, color in (colors or {}).items():
            out.append((list(f.geometry[f[column] == value]), _hex(color), touched))
        return out

    forest_pal = {"0111": "#1f7a33", "0113": "#7bc96f", "0131": "#b3a03c", "0132": "#d9cf8c", "0120": "#9ccf7a",
                  "0141": "#e0b0d0", "0161": "#c9b99a", "0150": "#d9c98c"}
    paths.append(render(out_dir / "forest_dilei.png", base.copy(), g, counties,
                        vec("forest", forest_pal, "DI_LEI"), max_px=max_px))
    sp_pal = {"杉木": "#1b5e20", "马尾松": "#66bb6a", "湿地松": "#aed581", "樟树": "#ffb74d", "栎类": "#8d6e63",
              "阔叶混": "#4e342e", "针阔混": "#26a69a", "针叶混": "#0d47a1", "油茶": "#f06292", "毛竹": "#cddc39"}
    paths.append(render(out_dir / "forest_species.png", base.copy(), g, counties,
                        vec("forest", sp_pal, "YOU_SHI_SZ"), max_px=max_px))
    wet_pal = {"河流湿地": "#1565c0", "湖泊湿地": "#00acc1", "沼泽湿地": "#2e7d32", "人工湿地": "#f4511e"}
    paths.append(render(out_dir / "wetland.png", base.copy(), g, counties,
                        vec("wetland", wet_pal, "SDLX", touched=True), max_px=max_px))
    pa_pal = {"国家公园": "#1b5e20", "自然保护区": "#2e7d32", "森林公园": "#9ccc65", "风景名胜区": "#ffca28",
              "湿地公园": "#29b6f6", "省重要湿地": "#0277bd", "湿地保护小区": "#0d47a1"}
    ov = vec("redline", default="#f8c8c8") + vec("protected", pa_pal, "BHDLX", touched=True)
    paths.append(render(out_dir / "protected_redline.png", base.copy(), g, counties, ov, max_px=max_px))
    paths.append(render(out_dir / "farmland.png", base.copy(), g, counties, vec("farmland", default="#e6c619"),
                        max_px=max_px))
    road_pal = {"高速公路": "#d32f2f", "国道/省道": "#f57c00", "县道": "#9e9e9e"}
    f = gpd.read_file(gpkg, layer=layers["substations"][1])
    p = gpd.read_file(gpkg, layer=layers["projects"][1])
    rgb = terrain_colors(np.nan_to_num(dem, nan=0)) * (0.35 + 0.65 * shade[..., None])
    rgb[np.isnan(dem)] = 1.0
    ov = vec("roads", road_pal, "DLDJ", touched=True)
    ov.append(([x.buffer(0.012) for x in f.geometry], _hex("#7b1fa2"), False))
    type_pal = {"抽水蓄能": "#0000ff", "风电": "#00bcd4", "光伏": "#ffeb3b", "分布式光伏": "#fff59d",
                "垃圾焚烧发电": "#795548", "生物质发电": "#8bc34a", "水电": "#3f51b5", "新型储能": "#e91e63"}
    for t_, color in type_pal.items():
        ov.append(([x.buffer(0.03) for x in p.geometry[p["type"] == t_]], _hex(color), False))
    paths.append(render(out_dir / "infrastructure_projects.png", rgb, g, counties, ov, max_px=max_px))
    for key, info in layers.items():
        if key.startswith("dem_1s:"):
            with rasterio.open(info[0]) as src:
                d = src.read(1).astype(np.float32)
                t = src.transform
                fg = Grid(t.c, t.f, t.a, src.width, src.height)
            d[d < -1000] = np.nan
            sh = hillshade(np.nan_to_num(d, nan=np.nanmin(d)), fg)
            rgb = terrain_colors(np.nan_to_num(d, nan=0)) * (0.3 + 0.7 * sh[..., None])
            rgb[np.isnan(d)] = 1.0
            paths.append(render(out_dir / f"dem_1s_{key.split(':')[1]}.png", rgb, fg, counties, max_px=max_px))
    return paths
