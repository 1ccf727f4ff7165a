"""The ledger as one job: choose units, load layers (or the demo world), compute, compare with targets.

This is the QGIS-Processing-style entry point shared by the CLI (``sinkmap ledger``), the GUI dashboard
and tests: a request dataclass in, a :class:`LedgerReport` out, progress and cancel through Feedback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import FieldError, InputError
from ..core.feedback import Feedback, SubFeedback
from ..core.indicators import INDICATORS, TOTAL_INDICATORS, Status
from ..core.ledger_report import OUTPUT_KEYS, Assessment, LedgerUnit
from ..core.messages import Notice
from .base import Exclusive, Job, LayerSource, Output, Param, Report, Text, run_job
from .registry import register



@dataclass
class LedgerRequest:
    """What the ledger job takes (its parameters, declared once in :data:`LEDGER`)."""

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
    out: Path | None = None
    #: Layers already read by a caller (role -> GeoDataFrame from :func:`read_polygons`), used instead of
    #: reading forest / wetland / protected again (the field package reads each once, for its area). Not a
    #: parameter: the CLI and the app never set it.
    frames: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def has_layers(self) -> bool:
        return any(x is not None for x in (self.forest, self.wetland, self.protected, self.landcover,
                                           self.stock_raster))


@dataclass
class LedgerReport(Report):
    year: int = 0
    units: list[LedgerUnit] = field(default_factory=list)
    basis: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        out: dict[str, Any] = {"year": self.year, "units": [u.to_dict() for u in self.units]}
        out.update(self.base_json())
        if self.basis:
            out["basis"] = self.basis
        return out

    def to_frame(self, lang: str | None = None):
        """The ledger as an export table: columns, words and rounding in ``lang`` (default: the interface
        language), see :mod:`sinkmap.export.ledger_table`."""
        from ..core.messages import current_language
        from ..export.ledger_table import ledger_frame

        return ledger_frame(self.units, lang or current_language())


def run_ledger(request: LedgerRequest, feedback: Feedback | None = None) -> LedgerReport:
    """The ledger job on a request, as every front end runs it (demo fallback, warnings, output file)."""
    return run_job(LEDGER, request, feedback)


def compute_ledger_job(request: LedgerRequest, feedback: Feedback) -> LedgerReport:
    """Compute the ledger for the requested units and compare each with its city's targets.

    The job's ``run``: layers are as given (the demo world, when nothing was given, was filled in before
    by :func:`sinkmap.jobs.base.apply_demo_world`).
    """
    from ..io.boundaries import load_units
    from ..io.targets import load_targets

    if request.scheduler:  # a wrong address is said at once, whether or not a raster pass needs it
        from ..analysis.zonal.dask_backend import check_scheduler_address

        check_scheduler_address(request.scheduler)
    feedback.progress(0.0, "加载行政区划 boundaries")
    if _rasters_on_units(request):
        zones = None  # the raster ledger takes the units' cover of its grid from its cache (issue 15)
    elif request.zones is not None:
        zones = load_user_zones(request.zones, request.zone_name_field, request, feedback)
    else:
        zones = load_units(city=request.city, county=request.county, province=request.province)
    if zones is not None:
        _check_demo_covers(request, zones)
    targets = load_targets(request.target_files)
    req = request
    inputs = {k: str(getattr(req, k).path) for k in ("forest", "wetland", "protected") if getattr(req, k)}

    rows: list[dict] = []
    basis: dict[str, str] = {}
    warnings: list = []
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
        raise InputError(code="jobs.ledger.no_layers")

    units = [with_targets(row, targets, req, basis) for row in rows]
    all_warnings = list(dict.fromkeys(warnings + feedback_warnings(feedback)))  # each once, in order
    feedback.progress(1.0, "完成 done")
    return LedgerReport(year=req.year, units=units, warnings=all_warnings, inputs=inputs, basis=basis)


def _rasters_on_units(request: LedgerRequest) -> bool:
    """Only rasters on bundled units (no layer, no zones of the user's, no demo file): the raster ledger
    then loads the units itself, and only when their cover of the raster's grid is not cached yet."""
    from .base import demo_inputs

    return (request.zones is None and (request.landcover is not None or request.stock_raster is not None)
            and not (request.forest or request.wetland or request.protected) and not demo_inputs(LEDGER, request))


def _check_demo_covers(request: LedgerRequest, zones) -> None:
    """On the synthetic demo world, units outside the cities it is made for have no data at all: say
    that (and whether their city's plan has targets), rather than let the overlap check blame the CRS."""
    from ..io.boundaries import targets_city
    from .base import demo_inputs

    if not demo_inputs(LEDGER, request):
        return
    from ..demo.config import calibration
    from ..io.targets import plan_cities

    covered = list(calibration().cities)
    cities = [_user_zone_city(row) or targets_city(row) or row.get("parent") or row["name"]
              for row in zones.to_dict("records")]
    if any(c in covered for c in cities):
        return
    outside = list(dict.fromkeys(c for c in cities if c))
    no_plan = [c for c in outside if c not in plan_cities()]
    raise InputError(code="jobs.ledger.demo_no_data", units="、".join(outside[:5]) or "—",
                     covered="、".join(covered),
                     plan=Notice("jobs.ledger.no_plan_targets", cities="、".join(no_plan)) if no_plan else "")


def _user_zone_city(row: dict) -> str | None:
    """The city of a user's zone (no adcode; its name is the user's, not a known unit): its parent."""
    return row.get("parent") if row.get("level") == "zone" and not row.get("adcode") else None


def write_outputs(report: LedgerReport, request: LedgerRequest) -> list[Output]:
    """The job's files: ``--out`` as .csv, .xlsx or .json (after the report knows where its data came from)."""
    if request.out is None:
        return []
    from ..io.write_errors import output_error

    try:
        write_report(report, request.out)
    except OSError as exc:  # a full disk inside a writer, a permission refused: a message, no partial file
        raise output_error(request.out, exc) from None
    return [Output(request.out, kind="table", name=request.out.name)]


#: Field names tried, in order, for the name of a user's zone.
ZONE_NAME_FIELDS = ("name", "NAME", "Name", "名称", "MC", "ZONE", "zone", "QYMC", "XMMC")


def load_user_zones(src: LayerSource, name_field: str | None, req: LedgerRequest, feedback: Feedback):
    """A user's zones (drawn or loaded polygons) as ledger units: level ``zone``, no adcode, and as parent
    the city holding most of each zone's area — whose plan targets then apply to it."""
    import geopandas as gpd

    from ..core.crs import EQUAL_AREA_CRS
    from ..io.boundaries import load_units
    gdf = read_polygons(src, req, feedback, "zones")
    if name_field is None:
        name_field = next((f for f in ZONE_NAME_FIELDS if f in gdf.columns), None)
    elif name_field not in gdf.columns:
        raise FieldError(code="jobs.ledger.no_zone_name_field", path=src.path, layer=src.layer, field=name_field,
                         fields=", ".join(map(str, gdf.columns[:-1])))
    names = (gdf[name_field].astype(str) if name_field else
             gpd.pd.Series([f"区域{i + 1}" for i in range(len(gdf))], index=gdf.index))
    names = _printable_names(names, src, name_field, feedback)
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


_CONTROL = dict.fromkeys([*range(0, 32), 127, *range(128, 160)], "\N{REPLACEMENT CHARACTER}")


def _printable_names(names, src: LayerSource, name_field: str | None, feedback: Feedback):
    """Zone names without control characters (they break terminals, spreadsheets and labels): each is
    replaced by U+FFFD and the user told which field held them. Markup-like text (``[/x]``) is kept as
    it is: the display shows names literally."""
    from ..core.messages import Notice

    clean = names.map(lambda v: v.translate(_CONTROL))
    changed = int((clean != names).sum())
    if changed:
        feedback.warn(Notice("jobs.ledger.zone_name_control_chars", path=str(src.path), layer=src.layer or "",
                             field=name_field or "", n=changed))
    return clean


def feedback_warnings(feedback: Feedback) -> list[str]:
    return list(getattr(feedback, "warnings", []))


def read_polygons(src: LayerSource | None, req: LedgerRequest, feedback: Feedback, role: str, bbox=None):
    """A layer of ``role`` (forest, wetland, protected, zones): read, and checked to hold polygons.

    ``bbox`` (lon/lat ``(minx, miny, maxx, maxy)``): only the features meeting it are read; none is an empty
    layer, not an error (the siting impact reads only what lies near its sites and units)."""
    from ..io.vector_checks import require_polygons
    from ..io.vectors import read_vector

    if src is None:
        return None
    gdf = read_vector(src.path, layer=src.layer, encoding=req.encoding, crs=req.crs, feedback=feedback,
                      **({} if bbox is None else {"bbox": bbox}))
    if bbox is not None and len(gdf) == 0:
        return gdf
    return require_polygons(gdf, feedback, path=src.path, layer=src.layer or single_layer_name(src), role=role)


def single_layer_name(src: LayerSource) -> str | None:
    from ..io.vectors import list_layers

    try:
        layers = list_layers(src.path)
    except InputError:
        return None
    return layers[0] if len(layers) == 1 else None


def _vector_ledger(req: LedgerRequest, zones, feedback: Feedback):
    from ..analysis.fieldmap import detect_mapping
    from ..analysis.ledger import LedgerInputs, LedgerOptions, compute_ledger

    feedback.progress(0.0, "读取图层 reading layers")
    from ..io.vector_cache import ClipMemo

    known_invalid: dict = {}
    tokens: dict = {}
    given = req.frames or {}  # layers already read by the caller (export.package: read once, for its area)

    def layer(role: str):
        if role in given:
            return given[role]
        return _read_cached(getattr(req, role), req, feedback, role, known_invalid, tokens)

    forest, wetland, protected = layer("forest"), layer("wetland"), layer("protected")
    feedback.check()
    forest_fields = {k: v for k, v in req.fields.items()}
    memo = ClipMemo() if tokens else None
    inputs = LedgerInputs(
        forest=forest, wetland=wetland, protected=protected, known_invalid=known_invalid, layer_tokens=tokens,
        clip_memo=memo,
        forest_mapping=(detect_mapping(forest, kind="forest", overrides=forest_fields, layer=layer_label(req.forest),
                                       feedback=feedback) if forest is not None else None),
        forest_name=layer_label(req.forest), wetland_name=layer_label(req.wetland), protected_name=layer_label(req.protected),
    )
    result = compute_ledger(zones, inputs, LedgerOptions(year=req.year), SubFeedback(feedback, 0.2, 1.0))
    if memo is not None:
        memo.save()
    return result


def _read_cached(src: LayerSource | None, req: LedgerRequest, feedback: Feedback, role: str, known_invalid: dict,
                 tokens: dict):
    """:func:`read_polygons` through the cache of prepared layers (:mod:`sinkmap.io.vector_cache`): the layer in
    the equal-area CRS, its validity there put in ``known_invalid[role]``, its cache token in ``tokens[role]``."""
    if src is None:
        return None
    from ..io.vector_cache import read_layer

    got = read_layer(src.path, lambda fb: read_polygons(src, req, fb, role), feedback, layer=src.layer,
                     encoding=req.encoding, crs=req.crs, role=role)
    if got.invalid is not None:
        known_invalid[role] = got.invalid
    if got.token:
        tokens[role] = got.token
    return got.frame


def layer_label(src: LayerSource | None) -> str | None:
    if src is None:
        return None
    return f"{src.path}" + (f" › {src.layer}" if src.layer else "")  # file › layer: the same in both languages


def _raster_ledger(req: LedgerRequest, zones, feedback: Feedback):
    from ..analysis.raster_ledger import raster_ledger

    client = None
    cluster = None
    if req.workers or req.scheduler:
        from ..analysis.zonal.dask_backend import connect

        client, cluster = connect(workers=req.workers, scheduler=req.scheduler)
    from ..analysis.raster_ledger import RasterLedgerOptions

    protected = (read_polygons(req.protected, req, feedback, "protected") if req.protected and not (req.wetland or req.forest)
                 else None)
    try:
        return raster_ledger(zones, landcover=req.landcover, scheme=req.scheme, stock_raster=req.stock_raster,
                             year=req.year, options=RasterLedgerOptions(protected=protected), feedback=feedback,
                             client=client, units=dict(city=req.city, county=req.county, province=req.province))
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


def ledger_report(result, targets, req: LedgerRequest, **fields) -> LedgerReport:
    """A ledger result (:class:`~sinkmap.analysis.ledger.LedgerResult`: rows, warnings, basis) as the ledger
    job reports it, each row assessed against ``targets`` (:func:`with_targets`); ``fields`` go to the
    report (e.g. ``inputs``)."""
    basis = dict(result.basis)
    units = [with_targets(row, targets, req, basis) for row in result.rows]
    return LedgerReport(job="ledger", year=req.year, units=units, warnings=list(result.warnings), basis=basis,
                        **fields)


def with_targets(row: dict, targets, req: LedgerRequest, basis: dict[str, str]) -> LedgerUnit:
    """The row as a :class:`LedgerUnit` with every main indicator of its city's plan for the year, assessed.

    Targets are city-wide (DOMAIN.md §1). Ratios (coverage, protection rate) are assessed on every row,
    a county against its city's rate; totals (stock, wetland area) only on the city row — a county row
    shows them with status ``city_total``.
    """
    from dataclasses import replace

    from ..analysis.assess import ApproxBand, assess_city
    from ..io.boundaries import targets_city

    band = ApproxBand() if req.band_pct_points is None else ApproxBand(pct_points=req.band_pct_points)
    unit = LedgerUnit.from_row(row)
    if row.get("level") == "zone" and not row.get("adcode"):
        city = row.get("parent")  # a user's zone: the city holding most of it
    else:
        city = targets_city(row)
    unit.targets_city = city
    if city is None:
        return unit
    measures = {k: row.get(k) for k in OUTPUT_KEYS}
    measures["wetland_area_10k_ha"] = unit.measure("wetland_area_10k_ha")
    measure_basis = {"forest_coverage_pct": basis.get("coverage_basis", "森林覆盖率")}
    for a in assess_city(targets, city, req.year, measures, band, measure_basis=measure_basis):
        if (t := targets.get(city, req.year, a.indicator)) is not None:  # cite the plan, keep the provenance
            a = replace(a, document=t.document, seed=t.seed, line=t.line)
        if unit.level in ("county", "zone") and a.indicator in TOTAL_INDICATORS and a.value is not None:
            a = replace(a, status=Status.CITY_TOTAL, gap=None,
                        reason=f"{city}'s target is a city-wide total; see the city row")
        unit.targets.append(a)
    return unit


def write_report(report: LedgerReport, path: Path, lang: str | None = None) -> None:
    """Write the ledger as .csv, .xlsx or .json (atomic; the previous file survives a failure).

    Tables carry where the data come from in their first column on every row (演示数据 synthetic for the
    demo world) and the same label, year, inputs and run id in their meta (``.meta.json`` beside a CSV,
    sheet ``meta`` of a workbook); headers and words in ``lang`` (default: the interface language).
    """
    from ..core.messages import current_language
    from ..export.ledger_table import DATA_COLUMN, data_label
    from ..export.tables import write_table
    from ..io.atomic import write_json

    lang = lang or current_language()
    suffix = path.suffix.lower()
    meta = {"year": report.year, "data": report.data, "data_label": data_label(report.synthetic),
            **{f"input:{k}": v for k, v in report.inputs.items()}}
    if suffix == ".json":
        write_json(path, report.to_json())
        return
    from ..core.messages import is_chinese

    write_table(report.to_frame(lang), path, meta=meta, label=data_label(report.synthetic),
                label_column=DATA_COLUMN[1 if is_chinese(lang) else 0])


def layer_param(name: str, role: str | None, zh: str, en: str, help_zh: str, help_en: str) -> Param:
    return Param(name, "layer", Text(zh, en), Text(help_zh, help_en), role=role, metavar="FILE",
                 suffixes=(".gpkg", ".shp", ".geojson", ".json", ".kml", ".kmz", ".gdb"))


LEDGER = register(Job(
    id="ledger",
    title=Text("碳汇台账", "Sink ledger"),
    help=Text("按区县、城市（或自定义片区）统计森林覆盖率、森林蓄积、湿地面积与保护率、碳储量，并与城市碳达峰方案目标对照。"
              "未给出任何图层时使用合成演示数据（报告中注明）。",
              "Forest coverage, stock, wetland area and protection, carbon per county and city (or your own "
              "zones), measured against the city's carbon-peak plan targets. With no layer given it runs on the "
              "synthetic demo world (the report says so)."),
    params=(
        Param("city", "unit", Text("城市", "City"), Text("城市，如 长沙市（或 长沙）", "a city, e.g. 长沙市 (or 长沙)"),
),
        Param("county", "unit", Text("区县/片区", "County or zone"),
              Text("区县或片区，如 岳麓区、湖南湘江新区", "a county/district or zone, e.g. 岳麓区, 湖南湘江新区"),
),
        Param("province", "unit", Text("省", "Province"), Text("湖南省：全部 122 个区县和 14 个市",
                                                               "湖南省: all 122 counties and 14 cities"),
),
        layer_param("zones", None, "自定义片区", "Your zones", "自定义片区（面图层），每个片区一行",
               "your own zones (polygons): a ledger row for each"),
        Param("zone_name_field", "text", Text("片区名称字段", "Zone name field"),
              Text("--zones 中存放片区名称的字段", "field of --zones holding the zone names"), metavar="FIELD",
              advanced=True),
        Param("year", "year", Text("目标年", "Target year"), Text("对照的目标年份，如 2025", "target year to compare with, e.g. 2025"),
              required=True, minimum=2000, maximum=2100),
        layer_param("forest", "forest", "森林小班", "Forest subcompartments", "森林小班面图层（二调/一张图）",
               "forest subcompartment (小班) polygons"),
        layer_param("wetland", "wetland", "湿地", "Wetlands", "湿地面图层", "wetland polygons"),
        layer_param("protected", "protected", "自然保护地", "Protected areas", "自然保护地面图层",
               "protected areas (自然保护地) polygons"),
        Param("fields", "fields", Text("字段映射", "Field mapping"),
              Text("覆盖自动识别的字段，如 stock_per_ha=MGQXJ、area_unit=mu；KEY=（空值）表示取消 KEY 的自动识别"
                   "（该图层没有此字段）；可重复",
                   "field mapping override, e.g. stock_per_ha=MGQXJ, area_unit=mu; KEY= (empty) removes the "
                   "automatic mapping for KEY (the layer has no such field); repeatable"),
              repeatable=True, flag="--field", metavar="KEY=FIELDNAME", default={}),
        Param("encoding", "text", Text("属性编码", "Attribute encoding"),
              Text("无 .cpg 的 Shapefile 的属性编码（如 GBK）", "attribute encoding of Shapefiles without .cpg (e.g. GBK)"),
              advanced=True),
        Param("crs", "text", Text("假定坐标系", "Assumed CRS"),
              Text("无坐标系图层所用的坐标系（如 EPSG:4490、EPSG:4547、GCJ-02）",
                   "CRS to assume for layers without one (e.g. EPSG:4490, EPSG:4547, GCJ-02)"), advanced=True),
        Param("landcover", "raster", Text("土地覆被栅格", "Land-cover raster"),
              Text("土地覆被栅格（GeoTIFF）", "land-cover raster (GeoTIFF)"), role="landcover", metavar="FILE",
              suffixes=(".tif", ".tiff", ".vrt", ".img")),
        Param("scheme", "text", Text("分类体系", "Classification scheme"),
              Text("--landcover 的分类：sandiao（三调）、worldcover 或 YAML 文件",
                   "classification of --landcover: sandiao, worldcover or a YAML file"), default="sandiao"),
        Param("stock_raster", "raster", Text("蓄积密度栅格", "Stock-density raster"),
              Text("森林蓄积密度栅格（m³/ha）", "forest stock density raster (m³/ha)"), role="stock_density",
              metavar="FILE", suffixes=(".tif", ".tiff", ".vrt", ".img")),
        Param("workers", "integer", Text("Dask 进程数", "Dask workers"),
              Text("在本机 N 个进程的 Dask 集群上计算栅格台账", "run the raster ledger on a local Dask cluster of N workers"),
              minimum=1, maximum=256, metavar="N", advanced=True),
        Param("scheduler", "text", Text("Dask 调度器", "Dask scheduler"),
              Text("在 Dask 调度器上计算栅格台账（如 tcp://host:8786）", "run the raster ledger on a Dask scheduler (e.g. tcp://host:8786)"),
              metavar="ADDRESS", advanced=True),
        Param("target_files", "file", Text("目标文件", "Targets file"),
              Text("用户目标文件（YAML/CSV），补充或覆盖内置目标；可重复",
                   "user targets file (YAML/CSV) adding or overriding bundled targets; repeatable"),
              repeatable=True, flag="--targets", metavar="FILE", default=[], suffixes=(".yaml", ".yml", ".csv")),
        Param("band_pct_points", "number", Text("“左右”区间", "About band"),
              Text("百分比目标“左右”区间的宽度（百分点，默认 1）",
                   "width of the 左右 (about) band in percentage points for % targets (default 1)"),
              minimum=0, maximum=20, flag="--band", metavar="PP", advanced=True),
        Param("out", "output", Text("输出文件", "Output file"),
              Text("写出台账：.csv、.xlsx 或 .json", "write the ledger: .csv, .xlsx or .json"),
              suffixes=(".csv", ".xlsx", ".json"), metavar="FILE"),
    ),
    exclusive=(Exclusive("units", ("city", "county", "province", "zones"), required=True,
                         title=Text("统计单元", "Units")),
               Exclusive("dask", ("workers", "scheduler"), title=Text("Dask 集群", "Dask cluster"))),
    request=LedgerRequest,
    run=compute_ledger_job,
    write=write_outputs,
    menu=Text("分析", "Analysis"),
    panel="dashboard",
    demo_roles=("forest", "wetland", "protected"),
))


__all__ = ["Assessment", "LedgerUnit", "LEDGER", "LedgerRequest", "LedgerReport", "LayerSource", "run_ledger", "write_report", "INDICATORS"]
