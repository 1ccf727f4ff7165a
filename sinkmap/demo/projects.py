"""The plans' named energy projects as points inside their county, on terrain that suits their type.

The plans give counties, not coordinates (``layers/demo_projects.yaml``), so every point is approximate and
says so. Placement per ``siting``:

* ``high_ground`` (pumped storage): the cell with the most height above the valley floor, outside nature
  reserves, within 12 km of a ``near`` hint when the file gives one;
* ``ridge`` (wind): the same score, outside all protected areas (林资发〔2019〕17号 keeps wind farms out of them);
* ``flat_open`` (PV): gentle dry land, grassland or paddy (农光互补), chosen by a position hash;
* ``near_town`` (waste-to-energy, storage, rooftop PV): 2–8 km from the county seat, on land;
* ``river``: a river cell of the named river in the county.

Points of one county keep at least 3 km apart.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..core.crs import STORAGE_CRS
from ..core.feedback import Feedback, ensure
from .config import Geography
from .grid import Grid, hash01, km_per_deg, text_key
from .landcover import DRY, GRASS, PADDY, RIVER, WATER_CODES

STREAM_PROJ = 90
PRECISION = "approximate (county-level; plan gives no coordinates)"


def place_projects(entries: list[dict], geo: Geography, grid: Grid, codes: np.ndarray, rel: np.ndarray,
                   slope: np.ndarray, county_idx: np.ndarray, counties: gpd.GeoDataFrame,
                   reserve: np.ndarray, protected: np.ndarray, river_cells: dict[str, np.ndarray],
                   seed: int, feedback: Feedback | None = None) -> gpd.GeoDataFrame:
    """Points for the entries whose county is among ``counties`` (entries without a county are skipped)."""
    feedback = ensure(feedback)
    names = list(counties["name"])
    city_of = dict(zip(counties["name"], counties["parent"]))
    seat = {t.county: (t.lon, t.lat) for t in geo.towns}
    lon, lat = grid.lon(), grid.lat()
    kx, ky = km_per_deg((grid.north + grid.south) / 2)
    taken: dict[str, list[tuple[float, float]]] = {}
    rows = []
    for e in entries:
        county = e.get("county")
        if not county or county not in names:
            continue
        ci = names.index(county)
        in_c = county_idx == ci
        r_idx, c_idx = np.nonzero(in_c)
        if len(r_idx) == 0:
            continue
        x, y = lon[c_idx], lat[r_idx]
        ok = np.ones(len(x), bool)
        for px, py in taken.get(county, []):
            ok &= np.hypot((x - px) * kx, (y - py) * ky) >= 3.0
        code = codes[r_idx, c_idx]
        h = hash01(seed, STREAM_PROJ, text_key(e["name"]) % 1_000_003, r_idx + int(round(grid.north / grid.res)),
                   c_idx + int(round(grid.west / grid.res)))
        siting = e.get("siting", "near_town")
        land = ~np.isin(code, WATER_CODES)
        if siting in ("high_ground", "ridge"):
            score = rel[r_idx, c_idx] + 3.0 * slope[r_idx, c_idx] + 20 * h
            excl = reserve[r_idx, c_idx] if siting == "high_ground" else protected[r_idx, c_idx]
            ok &= land & ~excl
            if e.get("near"):
                nx, ny = e["near"]
                ok &= np.hypot((x - nx) * kx, (y - ny) * ky) <= 12.0
        elif siting == "flat_open":
            ok &= np.isin(code, (DRY, GRASS, PADDY)) & (slope[r_idx, c_idx] < 6) & ~protected[r_idx, c_idx]
            score = h
        elif siting == "river":
            cells = river_cells.get(e.get("river", ""), np.zeros(grid.shape, bool))
            ok &= cells[r_idx, c_idx] | (code == RIVER)
            sx, sy = seat.get(county, (x.mean(), y.mean()))
            score = -np.hypot((x - sx) * kx, (y - sy) * ky) + h
        else:  # near_town
            sx, sy = seat.get(county, (x.mean(), y.mean()))
            d = np.hypot((x - sx) * kx, (y - sy) * ky)
            ok &= land & (d >= 2.0) & (d <= 8.0) & ~protected[r_idx, c_idx]
            score = h
        if not ok.any():  # relax: anywhere on land in the county
            ok = land if land.any() else np.ones(len(x), bool)
            score = h
        k = int(np.flatnonzero(ok)[np.argmax(np.where(ok, score, -np.inf)[ok])])
        px, py = float(x[k]), float(y[k])
        taken.setdefault(county, []).append((px, py))
        rows.append({
            "name": e["name"], "type": e["type"], "capacity_10k_kw": e.get("capacity_10k_kw"),
            "capacity_text": e.get("capacity_text", ""), "status": e["status"],
            "status_text": e.get("status_text", ""), "XIAN": county, "city": city_of.get(county, ""),
            "quote": e["quote"], "seed": e["seed"], "line": int(e["line"]),
            "county_note": e.get("county_note", ""), "siting": siting,
            "location_precision": PRECISION, "geometry": shapely.Point(px, py),
        })
    feedback.progress(1.0, "projects")
    columns = ["name", "type", "capacity_10k_kw", "capacity_text", "status", "status_text", "XIAN", "city", "quote",
               "seed", "line", "county_note", "siting", "location_precision", "geometry"]
    frame = gpd.GeoDataFrame(pd.DataFrame(rows, columns=columns), geometry="geometry", crs=STORAGE_CRS)
    if len(frame):
        frame["capacity_10k_kw"] = pd.to_numeric(frame["capacity_10k_kw"], errors="coerce")
    return frame

