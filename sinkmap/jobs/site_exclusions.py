"""The site-exclusions job: where a technology may not go in a unit, and which rule says so.

Computed in row blocks (:mod:`sinkmap.analysis.siting.stream`) streamed into the GeoTIFF, so memory is bounded
by a block whatever the unit's size; ``--workers N`` / ``--scheduler ADDRESS`` compute the blocks on Dask (the
same file, bit for bit).

Writes a GeoTIFF: band 1 the inclusion (0–1), band 2 the rule bitmask (bit i = rule i of the table hit
the cell). A GeoTIFF's bands share one data type, so both are float64: the bitmask's integers are exact
up to 2**53 (the rules loader allows at most 52 rules, plus the minimum-area bit). Cells outside the unit
are nodata (-1). The rule table (bit, id, document, clause) is in the file's tags (``SITING_RULES`` as
JSON, and one ``RULE_<bit>`` tag per rule) and in the report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.feedback import Feedback
from .base import Exclusive, Job, LayerSource, Output, Param, Report, Text
from .registry import register

NODATA = -1.0


@dataclass
class SiteExclusionsRequest:
    out: Path
    tech: str = "pv"
    city: str | None = None
    county: str | None = None
    farmland: LayerSource | None = None
    redline: LayerSource | None = None
    protected: LayerSource | None = None
    forest: LayerSource | None = None
    wetland: LayerSource | None = None
    grassland: LayerSource | None = None
    landcover: Path | None = None
    dem: Path | None = None
    rules: list[Path] = field(default_factory=list)
    resolution: float | None = None  # arc-seconds, CGCS2000 (when no DEM)
    min_area: float | None = None  # hectares
    contiguity: str = "queen"
    workers: int | None = None
    scheduler: str | None = None


@dataclass
class SiteExclusionsReport(Report):
    tech: str = ""
    unit: str = ""
    grid: dict[str, Any] = field(default_factory=dict)
    rules: list[dict[str, Any]] = field(default_factory=list)
    counts: list[dict[str, Any]] = field(default_factory=list)
    unit_hectares: float = 0.0
    included_hectares: float = 0.0

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"tech": self.tech, "unit": self.unit, "grid": self.grid,
                               "unit_hectares": self.unit_hectares, "included_hectares": self.included_hectares,
                               "rules": self.rules, "counts": self.counts}
        out.update(self.base_json())
        return out

    def unit_line(self, zh: bool) -> str:
        """The unit, the technology, its area and the area still open."""
        if zh:
            return f"{self.unit} {self.tech}：单元 {self.unit_hectares:,.0f} 公顷，可用 {self.included_hectares:,.0f} 公顷"
        return f"{self.unit} {self.tech}: unit {self.unit_hectares:,.0f} ha, included {self.included_hectares:,.0f} ha"

    def summary(self, lang: str | None = None) -> list[str]:
        from ..core.messages import is_chinese

        zh = is_chinese(lang)
        lines = super().summary(lang) + [self.unit_line(zh)]
        for c in self.counts:
            if c["applied"]:
                lines.append(f"  [{c['bit']:>2}] {c['id']:<20} {c['cells']:>9,} "
                             + ("像元 " if zh else "cells ") + f"{c['hectares']:>12,.1f} " + ("公顷" if zh else "ha"))
        return lines


def exclusion_setup(request: SiteExclusionsRequest, *, streamed: bool = True):
    """(unit name, unit geometry, grid, rules, layers) of a request: the rules for its technology, the unit,
    its grid (the DEM's clipped to the unit, or a CGCS2000 grid of ``--resolution``). A streamed run has no
    in-memory cell limit (:data:`~sinkmap.analysis.siting.grid.STREAM_MAX_CELLS` only)."""
    from ..analysis.siting.grid import MAX_CELLS, STREAM_MAX_CELLS, grid_from_dem, grid_from_resolution
    from ..analysis.siting.rules import load_rules, rules_for
    from ..io.boundaries import load_units

    if getattr(request, "scheduler", None):  # a wrong address is said at once
        from ..analysis.zonal.dask_backend import check_scheduler_address

        check_scheduler_address(request.scheduler)
    rules = rules_for(load_rules(request.rules or ()), request.tech)
    units = load_units(city=request.city, county=request.county)
    level = "city" if request.city else None
    row = units[units["level"] == level] if level else units
    row = row if len(row) else units
    name = str(row["name"].iloc[0])
    unit_geom = row.geometry.union_all()
    limit = STREAM_MAX_CELLS if streamed else MAX_CELLS
    if request.dem is not None:
        grid = grid_from_dem(request.dem, unit_geom, name, max_cells=limit)
    elif request.resolution:
        grid = grid_from_resolution(unit_geom, request.resolution / 3600.0, name, max_cells=limit)
    else:
        from ..core.errors import InputError

        raise InputError(code="analysis.siting.grid.no_source")
    layers = {role: getattr(request, role) for role in ROLES if getattr(request, role) is not None}
    return name, unit_geom, grid, rules, layers


def data_label(job, request) -> str:
    """The data label run_job will give the report (synthetic when an input is a demo file): the GeoTIFF's
    tags are written while the job runs, before run_job sets it."""
    from .base import DATA_DEMO, DATA_USER, demo_inputs

    return DATA_DEMO if demo_inputs(job, request) else DATA_USER


def run_site_exclusions(request: SiteExclusionsRequest, feedback: Feedback) -> SiteExclusionsReport:
    """Streams the exclusions into ``request.out`` block by block (locally or on Dask): memory bounded by a
    block, whatever the unit's size."""
    import functools

    from ..analysis.siting.stream import blocks_of, plan_exclusions

    feedback.progress(0.0, "加载行政区划 boundaries")
    name, unit_geom, grid, rules, layers = exclusion_setup(request)
    plan = plan_exclusions(unit_geom, rules, layers, grid, unit_name=name, tech=request.tech,
                           min_area_ha=request.min_area, contiguity=request.contiguity, feedback=feedback)
    report = SiteExclusionsReport(tech=request.tech, unit=name, grid=grid.to_json(), rules=plan.table,
                                  inputs={k: str(v.path if hasattr(v, "path") else v) for k, v in layers.items()})
    report.data = data_label(SITE_EXCLUSIONS, request)
    dtype = band_dtype(len(plan.table))
    bands = (("inclusion", "rule_bitmask"),
             {"SITING_BANDS": f"1=inclusion 0-1 (float); 2=rule bitmask (integer stored as {dtype})"})
    out = stream_tiff(plan, blocks_of(grid), request, report, bands,
                      functools.partial(exclusion_bands, dtype=dtype), feedback,
                      temp_bytes_per_cell=5 + (len(plan.table) + 7) // 8, dtype=dtype)
    report.counts, report.warnings = out.stats, list(out.warnings)
    report.unit_hectares, report.included_hectares = out.unit_hectares, out.included_hectares
    report._written = request.out
    feedback.progress(1.0, "完成 done")
    return report


def band_dtype(nbits: int) -> str:
    """The output's data type: float32 (half the bytes to compress and write) when band 2's rule bits all fit
    in its 24-bit significand — rules 0–23, the usual case — else float64. Band 1 is a float32 value either way
    (the inclusion and the suitability are computed as float32), so float32 loses nothing."""
    return "float32" if nbits <= 24 else "float64"


def exclusion_bands(block, dtype: str = "float32") -> Any:
    """Band 1 inclusion, band 2 bitmask (``dtype``, nodata −1 outside the unit) of one block."""
    from ..analysis.siting.stream import output_bands

    return output_bands(block.incl, block.mask, block.flags, dtype, NODATA, False)


def stream_tiff(plan, blocks, request, report, bands, to_bands, feedback: Feedback, *, temp_bytes_per_cell: int,
                dtype: str = "float32"):
    """Run ``plan`` block by block (on Dask with ``--workers``/``--scheduler``) into the GeoTIFF ``request.out``
    (atomically: nothing is left at the path unless the whole run succeeds). ``bands``: (descriptions, tags)."""
    from ..analysis.siting.stream import run_plan
    from ..io.write_errors import output_error

    grid = plan.ex.grid if hasattr(plan, "ex") else plan.grid
    ex = plan.ex if hasattr(plan, "ex") else plan
    path = Path(request.out)
    check_room(path, grid.width * grid.height, temp_bytes_per_cell if ex.min_area_m2 else 0)
    descriptions, tags = bands
    client = cluster = None
    if getattr(request, "workers", None) or getattr(request, "scheduler", None):
        from ..analysis.zonal.dask_backend import connect

        client, cluster = connect(workers=request.workers, scheduler=request.scheduler)
    try:
        with SitingTiff(path, grid, descriptions, siting_tags(report, rule_table(ex.table), tags), dtype) as tif:
            return run_plan(plan, blocks, write=lambda b: tif.write(b.r0, to_bands(b)), client=client,
                            temp_dir=path.parent, feedback=feedback)
    except OSError as exc:
        raise output_error(path, exc) from None
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


def check_room(path: Path, cells: int, temp_bytes_per_cell: int) -> None:
    """Refuse at once when the output's folder cannot hold the temporary values of the minimum-area filter and
    a compressed output (at least 2 bytes a cell: the usual result compresses 4–10 times from 16)."""
    import shutil

    from ..core.errors import InputError

    need = cells * (temp_bytes_per_cell + 2)
    try:
        free = shutil.disk_usage(path.parent).free
    except OSError:
        return  # the writer says what is wrong with the folder
    if free < need:
        raise InputError(code="analysis.siting.stream.no_room", path=path, folder=str(path.parent),
                         need=f"{need / 2**30:.1f}", free=f"{free / 2**30:.1f}", cells=f"{cells:,}")


ROLES = ("farmland", "redline", "protected", "forest", "wetland", "grassland", "landcover")


def write_outputs(report: SiteExclusionsReport, request: SiteExclusionsRequest) -> list[Output]:
    return written(report, "siting_exclusions")


def written(report, role: str) -> list[Output]:
    """The GeoTIFF the run streamed (it is in place already: the run wrote it atomically)."""
    path = getattr(report, "_written", None)
    if path is None:
        return []
    report._written = None
    path = Path(path)
    return [Output(path, kind="raster", role=role, name=path.name)]


def rule_table(table: list[dict]) -> list[dict]:
    """The rule table as the GeoTIFF tags and the report carry it."""
    return [{k: row.get(k) for k in ("bit", "id", "effect", "weight", "document", "clause_zh", "source",
                                     "verified")} for row in table]


def siting_tags(report, table: list[dict], tags: dict[str, str]) -> dict[str, str]:
    """The rule table, technology, unit and data origin as GeoTIFF tags, with ``tags``."""
    all_tags = {"SITING_RULES": json.dumps(table, ensure_ascii=False), "SITING_TECH": report.tech,
                "SITING_UNIT": report.unit, "SITING_DATA": report.data, **tags}
    for row in table:
        all_tags[f"RULE_{row['bit']}"] = f"{row['id']} | {row['document']} | {row['clause_zh']}"
    return all_tags


class SitingTiff:
    """A float32 (or float64: :func:`band_dtype`) GeoTIFF on ``grid`` (nodata −1, DEFLATE level 1 without a
    predictor, 256 × 256 tiles when both sides reach 256) written in row blocks: rows are gathered into whole
    tile rows before they go to GDAL (each tile compressed once, GDAL's cache holding nothing back). Atomic: the
    file is written in a private temporary folder and moved into place when the ``with`` block ends without an
    exception; otherwise nothing at ``path`` changes.

    Compression, measured on a 10⁸-cell suitability (2 bands; CPU s per 10⁸ cells, size): float64 DEFLATE 1 +
    floating-point predictor (before) 9.0 s, 258 MB; float32 the same 5.1 s, 231 MB; float32 DEFLATE 1 without
    a predictor 2.9 s, 187 MB (the scores repeat a few values in runs: the predictor breaks the runs); ZSTD 1
    2.5 s, 195 MB, not chosen — older GDAL builds (and some field apps) cannot read it."""

    def __init__(self, path: Path, grid, descriptions, tags: dict[str, str], dtype: str = "float32"):
        self.path, self.grid, self.descriptions, self.tags = Path(path), grid, list(descriptions), tags
        h, w = grid.shape
        self.tiled = w >= 256 and h >= 256
        self.dtype = dtype
        self.profile = {"driver": "GTiff", "width": w, "height": h, "count": len(self.descriptions),
                        "dtype": dtype, "crs": grid.crs, "transform": grid.transform, "nodata": NODATA,
                        "compress": "deflate", "zlevel": 1, "tiled": self.tiled, "BIGTIFF": "IF_SAFER"}
        if self.tiled:
            self.profile.update(blockxsize=256, blockysize=256, num_threads="ALL_CPUS")
        self.rows = 256 if self.tiled else 1
        self._tile = None  # the tile row being gathered (bands, rows, columns)
        self._held = 0  # rows of it filled
        self._row = 0  # the next row GDAL gets

    def __enter__(self) -> "SitingTiff":
        import contextlib

        import rasterio

        from ..io.atomic import atomic_output_path

        self._stack = contextlib.ExitStack()
        tmp = self._stack.enter_context(atomic_output_path(self.path))
        self._stack.enter_context(rasterio.Env(GDAL_CACHEMAX=64 * 2**20))
        self.ds = self._stack.enter_context(rasterio.open(tmp, "w", **self.profile))
        return self

    def write(self, r0: int, bands) -> None:
        """Rows r0.. of every band (arrays of the file's data type, or one (bands, rows, columns) array), in row
        order. Whole tile rows go to GDAL as they are; the others are copied once into the tile row being
        gathered."""
        import numpy as np

        if r0 != self._row + self._held:
            raise ValueError("blocks must come in row order")  # programming error
        n = bands[0].shape[0]
        h = self.grid.height
        pos = 0
        while pos < n:
            if not self._held and (n - pos >= self.rows or r0 + n == h):
                cut = n - pos if r0 + n == h else (n - pos) // self.rows * self.rows
                if isinstance(bands, np.ndarray) and pos == 0 and cut == n:
                    self._put(bands)
                else:
                    self._put(np.stack([b[pos:pos + cut] for b in bands]))
                pos += cut
                continue
            if self._tile is None:
                self._tile = np.empty((len(bands), self.rows, self.grid.width), self.dtype)
            take = min(self.rows - self._held, n - pos)
            for k, b in enumerate(bands):
                self._tile[k, self._held:self._held + take] = b[pos:pos + take]
            self._held += take
            pos += take
            if self._held == self.rows or self._row + self._held == h:
                held, self._held = self._held, 0
                self._put(self._tile if held == self.rows else self._tile[:, :held])

    def _put(self, data) -> None:
        from rasterio.windows import Window

        n = data.shape[1]
        self.ds.write(data, window=Window(0, self._row, self.grid.width, n))
        self._row += n

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            if self._row + self._held != self.grid.height:
                exc = ValueError("not every row was written")  # programming error
                exc_type, tb = type(exc), None
            else:
                for k, text in enumerate(self.descriptions, start=1):
                    self.ds.set_band_description(k, text)
                self.ds.update_tags(**self.tags)
        return self._stack.__exit__(exc_type, exc, tb)


def write_siting_tiff(path: Path, grid, bands: list[tuple], report, table: list[dict], tags: dict[str, str],
                      dtype: str = "float32") -> None:
    """A whole-array siting GeoTIFF (``bands``: (array, description)), written as one block."""
    with SitingTiff(path, grid, [d for _, d in bands], siting_tags(report, table, tags), dtype) as tif:
        tif.write(0, [a.astype(dtype, copy=False) for a, _ in bands])


def write_geotiff(path: Path, result, report: SiteExclusionsReport) -> None:
    """A whole-array exclusions result (an :class:`~sinkmap.analysis.siting.exclusions.ExclusionResult`) as
    site.exclusions' GeoTIFF (band 1 inclusion, band 2 bitmask, nodata −1 outside the unit), in one block
    (site.run writes it next to the suitability)."""
    dtype = band_dtype(len(result.table))
    incl = result.inclusion.astype(dtype)
    mask = result.bitmask.astype(dtype)
    incl[~result.inside] = NODATA
    mask[~result.inside] = NODATA
    write_siting_tiff(path, result.grid, [(incl, "inclusion"), (mask, "rule_bitmask")], report,
                      rule_table(result.table),
                      {"SITING_BANDS": f"1=inclusion 0-1 (float); 2=rule bitmask (integer stored as {dtype})"},
                      dtype)


def _layer(name: str, zh: str, en: str) -> Param:
    return Param(name, "layer", Text(zh, en), Text(f"{zh}图层（缺省：演示数据）", f"{en} layer (default: the demo world)"),
                 role=name, metavar="FILE")


#: ``--workers N`` / ``--scheduler ADDRESS``: the row blocks computed on Dask (as ``sinkmap ledger``'s raster pass)
DASK_PARAMS = (
    Param("workers", "integer", Text("Dask 进程数", "Dask workers"),
          Text("在本机 N 个进程的 Dask 集群上分块计算", "compute the row blocks on a local Dask cluster of N workers"),
          minimum=1, maximum=256, metavar="N", advanced=True),
    Param("scheduler", "text", Text("Dask 调度器", "Dask scheduler"),
          Text("在 Dask 调度器上分块计算（如 tcp://host:8786；各工作进程须能以相同路径读取输入）",
               "compute the row blocks on a Dask scheduler (e.g. tcp://host:8786; every worker must read the "
               "inputs at the same paths)"), metavar="ADDRESS", advanced=True),
)
DASK_GROUP = Exclusive("dask", ("workers", "scheduler"), title=Text("Dask 集群", "Dask cluster"))

SITE_EXCLUSIONS = register(Job(
    id="site.exclusions",
    title=Text("选址排除区", "Siting exclusions"),
    help=Text("按规则（layers/siting_rules.yaml，可用 --rules 覆盖或扩充）计算某技术在市/区县内的可用比例栅格与"
              "规则位掩码，并写出 GeoTIFF（波段 1 可用比例 0–1，波段 2 规则位掩码，规则表在元数据中）。",
              "Apply the siting rules (layers/siting_rules.yaml; --rules FILE overrides or extends them by id) "
              "to a city or county for one technology: writes a GeoTIFF with band 1 the inclusion (0–1) and "
              "band 2 the rule bitmask, the rule table (bit, id, document, clause) in its tags."),
    params=(
        Param("tech", "enum", Text("技术", "Technology"), Text("pv 光伏、wind 风电、phes 抽水蓄能",
                                                              "pv, wind or phes (pumped storage)"),
              default="pv", choices=("pv", "wind", "phes")),
        Param("city", "unit", Text("市州", "City"), Text("市州名称", "city name"), metavar="NAME"),
        Param("county", "unit", Text("区县", "County"), Text("区县名称", "county or district name"), metavar="NAME"),
        _layer("farmland", "永久基本农田", "Permanent basic farmland"),
        _layer("redline", "生态保护红线", "Ecological red line"),
        _layer("protected", "自然保护地", "Protected areas"),
        _layer("forest", "森林资源小班", "Forest inventory sub-compartments"),
        _layer("wetland", "湿地", "Wetland"),
        _layer("grassland", "基本草原", "Basic grassland"),
        Param("landcover", "raster", Text("土地覆盖（三调）", "Land cover (Sandiao)"),
              Text("三调地类栅格", "raster of Sandiao land classes"), role="landcover", metavar="FILE"),
        Param("dem", "raster", Text("DEM", "DEM"), Text("其栅格网即输出栅格网", "its grid is the output's grid"),
              role="dem", metavar="FILE"),
        Param("rules", "file", Text("规则文件", "Rules file"),
              Text("覆盖或扩充内置规则（按 id）；可重复", "overrides or extends the bundled rules by id; repeatable"),
              repeatable=True, suffixes=(".yaml", ".yml"), metavar="FILE"),
        Param("resolution", "number", Text("分辨率（角秒）", "Resolution (arc-seconds)"),
              Text("无 DEM 时的 CGCS2000 栅格分辨率", "CGCS2000 grid resolution when no DEM is given"),
              minimum=0.1, maximum=3600, advanced=True),
        Param("min_area", "number", Text("最小连片面积（公顷）", "Minimum contiguous area (ha)"),
              Text("小于此面积的可用斑块被排除", "open patches smaller than this are excluded"),
              minimum=0, maximum=1e6, advanced=True),
        Param("contiguity", "enum", Text("连通方式", "Contiguity"),
              Text("rook：四邻域；queen：八邻域", "rook: 4 neighbours; queen: 8 neighbours"),
              default="queen", choices=("rook", "queen"), advanced=True),
        Param("out", "output", Text("输出", "Output"), Text("GeoTIFF 文件", "GeoTIFF file"), required=True,
              suffixes=(".tif", ".tiff"), metavar="FILE"),
        *DASK_PARAMS,
    ),
    exclusive=(Exclusive("unit", ("city", "county"), required=True, title=Text("单元", "Unit")), DASK_GROUP),
    request=SiteExclusionsRequest,
    run=run_site_exclusions,
    write=write_outputs,
    menu=Text("选址", "Siting"),
    demo_roles=("farmland", "redline", "protected", "forest", "wetland", "grassland", "landcover", "dem"),
))
