"""site.phes: the pairs kept as JSON rows and as GeoPackage layers (upper, lower, pairs, projects)."""

from __future__ import annotations

from .base import Output

#: Attributes of the ``pairs`` layer (the issue's list), then sinkmap's extras.
PAIR_FIELDS = ("head_m", "separation_km", "slope", "volume_gl", "energy_gwh", "hours", "water_rock", "cost_class",
               "fom", "upper_elev_m", "lower_elev_m", "upper_dam_height_m", "lower_dam_height_m", "upper_area_ha",
               "lower_area_ha", "forest_area_ha", "forest_stock_10k_m3", "co2_t", "wetland_area_ha", "rules_hit")
PAIR_EXTRA = ("pair_id", "rank", "capital_cost_musd", "upper_volume_gl", "lower_volume_gl", "upper_water_rock",
              "lower_water_rock", "protected_areas", "redline", "upper_lon", "upper_lat", "lower_lon", "lower_lat")
RESERVOIR_FIELDS = ("pair_id", "rank", "elev_m", "dam_height_m", "area_ha", "volume_gl", "water_rock",
                    "dam_volume_gl", "dam_length_m", "forest_area_ha", "forest_stock_10k_m3", "co2_t",
                    "wetland_area_ha", "rules_hit", "protected_areas")
IMPACT_KEYS = ("forest_area_ha", "forest_stock_10k_m3", "co2_t", "wetland_area_ha")


def json_row(r: dict, terrain) -> dict:
    """The row as JSON: no shapes, the dam sites in lon/lat."""
    from ..analysis.siting.grid import _to_crs
    from ..core.crs import STORAGE_CRS
    import shapely

    out = {k: r.get(k) for k in ("rank", *PAIR_FIELDS, "capital_cost_musd", "upper_volume_gl", "lower_volume_gl",
                                 "upper_water_rock", "lower_water_rock", "upper_dam_volume_gl", "lower_dam_volume_gl",
                                 "upper_dam_length_m", "lower_dam_length_m", "protected_areas", "redline")}
    for side in ("upper", "lower"):
        p = _to_crs(shapely.Point(*r[f"{side}_site"]), terrain.crs_wkt, STORAGE_CRS)
        out[f"{side}_lon"], out[f"{side}_lat"] = round(p.x, 6), round(p.y, 6)
        if side in r:
            out[side] = {k: v for k, v in r[side].items()}
    if "project" in r:
        out["project"] = r["project"]
    return out


def write_outputs(report, req) -> list[Output]:
    import geopandas as gpd
    import pyogrio

    from ..core.crs import STORAGE_CRS
    from ..io.atomic import atomic_output_path

    rows = getattr(report, "_rows", [])
    terrains = getattr(report, "_terrain_of", None)
    default_t = getattr(report, "_terrain", None)

    def crs_of(r):
        return (terrains[id(r)] if terrains is not None else default_t).crs_wkt

    label = report.data == "synthetic_demo"
    pair_recs, up_recs, lo_recs = [], [], []
    for r, j in zip(rows, report.pairs):
        base = {"pair_id": r["pair_id"], "rank": r["rank"]}
        if "project" in r:
            base["project"] = r["project"]
        rec = dict(base)
        rec.update({k: j.get(k) for k in PAIR_FIELDS})
        rec.update({k: j.get(k) for k in PAIR_EXTRA if k not in base})
        if "distance_km" in r:
            rec["distance_km"] = r["distance_km"]
        rec["label"] = pair_label(j)
        pair_recs.append((rec, _to4490(r["line"], crs_of(r))))
        for side, recs in (("upper", up_recs), ("lower", lo_recs)):
            vals = r.get(side, {})
            sr = dict(base)
            sr.update({"elev_m": r[f"{side}_elev_m"], "dam_height_m": r[f"{side}_dam_height_m"],
                       "area_ha": r[f"{side}_area_ha"], "volume_gl": r[f"{side}_volume_gl"],
                       "water_rock": r[f"{side}_water_rock"], "dam_volume_gl": r[f"{side}_dam_volume_gl"],
                       "dam_length_m": r[f"{side}_dam_length_m"]})
            sr.update({k: vals.get(k) for k in (*IMPACT_KEYS, "rules_hit", "protected_areas")})
            sr["label"] = reservoir_label(side, r[f"{side}_elev_m"])
            recs.append((sr, _to4490(_polygonal(r[f"{side}_geom"]), crs_of(r))))
    with atomic_output_path(req.out) as tmp:
        for name, recs, gtype, cols in (("upper", up_recs, "MultiPolygon", RESERVOIR_FIELDS),
                                        ("lower", lo_recs, "MultiPolygon", RESERVOIR_FIELDS),
                                        ("pairs", pair_recs, "LineString", ("pair_id", "rank", *PAIR_FIELDS,
                                                                             *PAIR_EXTRA[2:]))):
            if recs:
                gdf = gpd.GeoDataFrame([a for a, _ in recs], geometry=[g for _, g in recs], crs=STORAGE_CRS)
            else:
                gdf = gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs=STORAGE_CRS)
            if label:
                gdf["SJLY"] = "演示数据（合成）synthetic demo"
            pyogrio.write_dataframe(gdf, tmp, layer=name, driver="GPKG", geometry_type=gtype,
                                    promote_to_multi=gtype == "MultiPolygon")
        if report.projects:
            import shapely

            pts = [shapely.Point(p["lon"], p["lat"]) for p in report.projects]
            cols = [{k: (v if not isinstance(v, (dict, list)) else None) for k, v in p.items()
                     if k not in ("timings_s", "notices", "best", "cheapest_pair_ledger")} for p in report.projects]
            for c, p in zip(cols, report.projects):
                ledger = p.get("cheapest_pair_ledger") or {}
                c["ledger_changes"] = "；".join(ledger.get("status_changes_text", {}).get("zh", [])) or None
                b = p.get("best") or {}
                c.update({"best_class": b.get("cost_class"), "best_fom": b.get("fom"),
                          "best_distance_km": b.get("distance_km"), "best_co2_t": b.get("co2_t")})
            gdf = gpd.GeoDataFrame(cols, geometry=pts, crs=STORAGE_CRS)
            pyogrio.write_dataframe(gdf, tmp, layer="projects", driver="GPKG")
    outs = [Output(req.out, kind="vector", layer=n, role=f"phes_{n}", name=n) for n in ("upper", "lower", "pairs")]
    if report.projects:
        outs.append(Output(req.out, kind="vector", layer="projects", role="phes_projects", name="projects"))
    return outs


def pair_label(j: dict) -> str:
    """A pair's map label: rank, class and energy ("#1 C · 2 GWh"), the same in both languages."""
    return f"#{j.get('rank')} {j.get('cost_class') or '?'} · {j.get('energy_gwh') or 0:g} GWh"


def reservoir_label(side: str, elev) -> str:
    """A reservoir's map label: ▲ upper / ▼ lower and its water level ("▲ 1074 m")."""
    return f"{'▲' if side == 'upper' else '▼'} {elev:.0f} m" if elev is not None else ("▲" if side == "upper" else "▼")


def _polygonal(geom):
    """A reservoir's outline made valid for the file: whole cells traced with 8-connectivity touch at corners
    (a ring meeting itself), which GIS readers report and repair; the area is unchanged."""
    import shapely

    if shapely.is_valid(geom):
        return geom
    return shapely.make_valid(geom, method="structure", keep_collapsed=False)


def _to4490(geom, crs):
    from ..analysis.siting.grid import _to_crs
    from ..core.crs import STORAGE_CRS

    return _to_crs(geom, crs, STORAGE_CRS)




__all__ = ["PAIR_FIELDS", "PAIR_EXTRA", "RESERVOIR_FIELDS", "json_row", "write_outputs"]
