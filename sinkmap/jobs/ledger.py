"""The ledger as one job: choose units, load layers (or the demo world), compute, compare with targets.

This is the QGIS-Processing-style entry point shared by the CLI (``sinkmap ledger``), the GUI dashboard
and tests: a request dataclass in, a :class:`LedgerReport` out, progress and cancel through Feedback.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.jsonutil import json_default
from ..core.errors import FieldError, InputError
from ..core.feedback import Feedback, SubFeedback, ensure
from ..core.indicators import INDICATORS, TOTAL_INDICATORS, Status

OUTPUT_KEYS = ("name", "adcode", "level", "parent", "land_area_km2", "forest_area_ha", "forest_coverage_pct",
               "forest_stock_10k_m3", "living_tree_stock_10k_m3", "wetland_area_ha", "protected_wetland_area_ha",
               "wetland_protection_rate_pct", "carbon_t", "co2_t")


@dataclass
class LayerSource:
    path: Path
    layer: str | None = None


@dataclass
class LedgerRequest:
    year: int
    city: str | None = None
    county: str | None = None
    province: str | None = None
    zones: LayerSource | None = None  # a user's own zones (polygons), instead of city/county/province
    zone_name_field: str | None = None
    forest: LayerSource | None = None
    wetland: LayerSource | None = None
    protected: LayerSource | None = None
    fields: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None
    crs: str | None = None
    landcover: Path | None = None
    scheme: str = "sandiao"
    stock_raster: Path | None = None
    workers: int | None = None
    scheduler: str | None = None
    target_files: list[Path] = field(default_factory=list)
    band_pct_points: float | None = None

    @property
    def has_layers(self) -> bool:
        return any(x is not None for x in (self.forest, self.wetland, self.protected, self.landcover,
                                           self.stock_raster))

    @classmethod
    def from_cli(cls, args: Any) -> "LedgerRequest":
        def src(path, layer):
            return LayerSource(Path(path), layer) if path else None

        fields: dict[str, str] = {}
        for item in args.field:
            key, sep, value = item.partition("=")
            if not sep or not key.strip() or not value.strip():
                raise FieldError(f"--field {item!r} is not KEY=FIELDNAME",
                                 hint="e.g. --field stock_per_ha=MGQXJ --field area_unit=mu")
            fields[key.strip()] = value.strip()
        return cls(
            year=args.year, city=args.city, county=args.county, province=args.province,
            zones=src(getattr(args, "zones", None), getattr(args, "zones_layer", None)),
            zone_name_field=getattr(args, "zone_name_field", None),
            forest=src(args.forest, args.forest_layer), wetland=src(args.wetland, args.wetland_layer),
            protected=src(args.protected, args.protected_layer), fields=fields, encoding=args.encoding,
            crs=args.crs, landcover=Path(args.landcover) if args.landcover else None, scheme=args.scheme,
            stock_raster=Path(args.stock_raster) if args.stock_raster else None, workers=args.workers,
            scheduler=args.scheduler, target_files=[Path(p) for p in args.targets], band_pct_points=args.band,
        )


@dataclass
class LedgerReport:
    year: int
    units: list[dict]
    warnings: list[str]
    inputs: dict[str, str]
    synthetic: bool = False
    basis: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        out: dict[str, Any] = {"year": self.year, "units": self.units}
        if self.synthetic:
            out["data_label"] = "synthetic demo data — 演示数据，非真实调查数据"
        out["inputs"] = self.inputs
        if self.basis:
            out["basis"] = self.basis
        return out

    def to_frame(self):
        import pandas as pd

        rows = []
        for u in self.units:
            row = {k: u.get(k) for k in OUTPUT_KEYS}
            for t in u.get("targets", []):
                key = t["indicator"]
                row[f"{key}__target"] = t.get("value")
                row[f"{key}__comparator"] = t.get("comparator")
                row[f"{key}__status"] = t.get("status")
                row[f"{key}__gap"] = t.get("gap")
            rows.append(row)
        return pd.DataFrame(rows)


def run_ledger(request: LedgerRequest, feedback: Feedback | None = None) -> LedgerReport:
    """Compute the ledger for the requested units and compare each with its city's targets."""
    from ..io.boundaries import load_units
    from ..io.targets import load_targets

    feedback = ensure(feedback)
    feedback.progress(0.0, "加载行政区划 boundaries")
    if request.zones is not None:
        zones = load_user_zones(request.zones, request.zone_name_field, request, feedback)
    else:
        zones = load_units(city=request.city, county=request.county, province=request.province)
    targets = load_targets(request.target_files)
    inputs: dict[str, str] = {}
    synthetic = False

    req = request
    if not req.has_layers:
        req, synthetic = _with_demo_layers(request, SubFeedback(feedback, 0.0, 0.3))
    inputs.update({k: str(getattr(req, k).path) for k in ("forest", "wetland", "protected") if getattr(req, k)})

    rows: list[dict] = []
    basis: dict[str, str] = {}
    warnings: list[str] = []
    if req.forest or req.wetland or (req.protected and not (req.landcover or req.stock_raster)):
        vec = _vector_ledger(req, zones, SubFeedback(feedback, 0.3, 0.8 if req.landcover else 1.0))
        rows, basis = vec.rows, dict(getattr(vec, "basis", {}) or {})
        warnings += list(vec.warnings)
    if req.landcover or req.stock_raster:
        inputs["landcover"] = str(req.landcover)
        ras = _raster_ledger(req, zones, SubFeedback(feedback, 0.8 if rows else 0.3, 1.0))
        rows = _merge_rows(rows, ras.rows)
        warnings += list(getattr(ras, "warnings", []))
    if not rows:
        raise InputError("no layer to compute the ledger from",
                         hint="pass --forest/--wetland/--protected or --landcover, or run without them for the demo")

    units = [_with_targets(row, targets, req, basis) for row in rows]
    feedback.progress(1.0, "完成 done")
    all_warnings = list(dict.fromkeys(warnings + feedback_warnings(feedback)))  # each once, in order
    return LedgerReport(year=req.year, units=units, warnings=all_warnings,
                        inputs=inputs, synthetic=synthetic, basis=basis)


#: Field names tried, in order, for the name of a user's zone.
ZONE_NAME_FIELDS = ("name", "NAME", "Name", "名称", "MC", "ZONE", "zone", "QYMC", "XMMC")


def load_user_zones(src: LayerSource, name_field: str | None, req: LedgerRequest, feedback: Feedback):
    """A user's zones (drawn or loaded polygons) as ledger units: level ``zone``, no adcode, and as parent
    the city holding most of each zone's area — whose plan targets then apply to it."""
    import geopandas as gpd

    from ..core.crs import EQUAL_AREA_CRS
    from ..io.boundaries import load_units
    from ..io.vectors import read_vector

    gdf = read_vector(src.path, layer=src.layer, encoding=req.encoding, crs=req.crs, feedback=feedback)
    if name_field is None:
        name_field = next((f for f in ZONE_NAME_FIELDS if f in gdf.columns), None)
    elif name_field not in gdf.columns:
        raise FieldError(f"no field {name_field!r} for the zone names", path=src.path, layer=src.layer,
                         field=name_field, hint=f"fields are: {', '.join(map(str, gdf.columns[:-1]))}")
    names = (gdf[name_field].astype(str) if name_field else
             gpd.pd.Series([f"区域{i + 1}" for i in range(len(gdf))], index=gdf.index))
    if names.duplicated().any():
        names = names + gpd.pd.Series([f" #{i + 1}" for i in range(len(gdf))], index=gdf.index).where(
            names.duplicated(keep=False), "")
    zones = gpd.GeoDataFrame({"name": names.values, "adcode": "", "level": "zone"}, geometry=gdf.geometry.values,
                             crs=gdf.crs)
    cities = load_units(level="city").to_crs(EQUAL_AREA_CRS)
    projected = zones.to_crs(EQUAL_AREA_CRS)
    parents = []
    for geom in projected.geometry:
        shares = cities.geometry.intersection(geom).area
        parents.append(cities["name"].iloc[int(shares.values.argmax())] if shares.max() > 0 else None)
    zones["parent"] = parents
    return zones


def feedback_warnings(feedback: Feedback) -> list[str]:
    return list(getattr(feedback, "warnings", []))


def _with_demo_layers(request: LedgerRequest, feedback: Feedback) -> tuple[LedgerRequest, bool]:
    from dataclasses import replace

    from ..demo.generate import demo_layers, ensure_demo

    path = ensure_demo(feedback=feedback)
    layers = demo_layers(path)
    return replace(
        request,
        forest=LayerSource(*layers["forest"]), wetland=LayerSource(*layers["wetland"]),
        protected=LayerSource(*layers["protected"]),
    ), True


def _read(src: LayerSource | None, req: LedgerRequest, feedback: Feedback):
    from ..io.vectors import read_vector

    if src is None:
        return None
    return read_vector(src.path, layer=src.layer, encoding=req.encoding, crs=req.crs, feedback=feedback)


def _vector_ledger(req: LedgerRequest, zones, feedback: Feedback):
    from ..analysis.fieldmap import detect_mapping
    from ..analysis.ledger import LedgerInputs, LedgerOptions, compute_ledger

    feedback.progress(0.0, "读取图层 reading layers")
    forest = _read(req.forest, req, feedback)
    wetland = _read(req.wetland, req, feedback)
    protected = _read(req.protected, req, feedback)
    feedback.check()
    forest_fields = {k: v for k, v in req.fields.items()}
    inputs = LedgerInputs(
        forest=forest, wetland=wetland, protected=protected,
        forest_mapping=detect_mapping(forest, kind="forest", overrides=forest_fields) if forest is not None else None,
        forest_name=_label(req.forest), wetland_name=_label(req.wetland), protected_name=_label(req.protected),
    )
    return compute_ledger(zones, inputs, LedgerOptions(year=req.year), SubFeedback(feedback, 0.2, 1.0))


def _label(src: LayerSource | None) -> str | None:
    if src is None:
        return None
    return f"{src.path}" + (f" (layer {src.layer})" if src.layer else "")


def _raster_ledger(req: LedgerRequest, zones, feedback: Feedback):
    from ..analysis.raster_ledger import raster_ledger

    client = None
    cluster = None
    if req.workers or req.scheduler:
        from ..analysis.zonal.dask_backend import connect

        client, cluster = connect(workers=req.workers, scheduler=req.scheduler)
    from ..analysis.raster_ledger import RasterLedgerOptions

    protected = _read(req.protected, req, feedback) if req.protected and not (req.wetland or req.forest) else None
    try:
        return raster_ledger(zones, landcover=req.landcover, scheme=req.scheme, stock_raster=req.stock_raster,
                             year=req.year, options=RasterLedgerOptions(protected=protected), feedback=feedback,
                             client=client)
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


def _merge_rows(vector_rows: list[dict], raster_rows: list[dict]) -> list[dict]:
    """Vector values win where both exist (inventory is the official basis); rasters fill the gaps."""
    if not vector_rows:
        return raster_rows
    by_key = {(r["name"], r["level"]): r for r in raster_rows}
    merged = []
    for row in vector_rows:
        other = by_key.get((row["name"], row["level"]), {})
        out = dict(row)
        for k, v in other.items():
            if out.get(k) is None and v is not None:
                out[k] = v
        merged.append(out)
    return merged


def _with_targets(row: dict, targets, req: LedgerRequest, basis: dict[str, str]) -> dict:
    """The row plus ``targets``: every main indicator of its city's plan for the year, assessed.

    Targets are city-wide (DOMAIN.md §1). Ratios (coverage, protection rate) are assessed on every row,
    a county against its city's rate; totals (stock, wetland area) only on the city row — a county row
    shows them with status ``city_total``.
    """
    from ..analysis.assess import ApproxBand, assess_city
    from ..io.boundaries import targets_city

    band = ApproxBand() if req.band_pct_points is None else ApproxBand(pct_points=req.band_pct_points)
    out = {k: row.get(k) for k in OUTPUT_KEYS}
    for k, v in row.items():
        out.setdefault(k, v)
    if row.get("level") == "zone" and not row.get("adcode"):
        city = row.get("parent")  # a user's zone: the city holding most of it
    else:
        city = targets_city(row)
    out["targets_city"] = city
    if city is None:
        out["targets"] = []
        return out
    measures = {k: row.get(k) for k in OUTPUT_KEYS}
    measures["wetland_area_10k_ha"] = None if row.get("wetland_area_ha") is None else row["wetland_area_ha"] / 1e4
    measure_basis = {"forest_coverage_pct": basis.get("coverage_basis", "森林覆盖率")}
    assessments = []
    for a in assess_city(targets, city, req.year, measures, band, measure_basis=measure_basis):
        d = a.to_dict()
        if row.get("level") in ("county", "zone") and d["indicator"] in TOTAL_INDICATORS and d["value"] is not None:
            d.update(status=Status.CITY_TOTAL.value, gap=None,
                     reason=f"{city}'s target is a city-wide total; see the city row")
        assessments.append(d)
    out["targets"] = assessments
    return out


def write_report(report: LedgerReport, path: Path) -> None:
    """Write the ledger as .csv, .xlsx or .json (atomic; the previous file survives a failure)."""
    from ..export.tables import write_table
    from ..io.atomic import atomic_write

    suffix = path.suffix.lower()
    meta = {"year": report.year, **{f"input:{k}": v for k, v in report.inputs.items()}}
    if report.synthetic:
        meta["data_label"] = "synthetic demo data — 演示数据，非真实调查数据"
    if suffix == ".json":
        with atomic_write(path, "w") as fh:
            json.dump(report.to_json(), fh, ensure_ascii=False, indent=2, default=json_default)
        return
    write_table(report.to_frame(), path, meta=meta)



__all__ = ["LedgerRequest", "LedgerReport", "LayerSource", "run_ledger", "write_report", "INDICATORS"]
