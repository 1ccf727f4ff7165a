"""The field-package job: ``sinkmap export package (--city | --county | --zones) … --out PATH.zip``.

Decides *what* goes into the package; :mod:`sinkmap.export.package` writes it.

* The area: a city (its counties are the units), a county or named zone, or a user's zones file (their
  union; each zone a unit).
* The layers, in the app's drawing order with its styles and visibility: a saved project's (``--project``),
  else the synthetic demo world's (as the app opens it on first start), plus every ``--layer`` file (each
  layer of a GeoPackage). Siting results (site.exclusions / site.suitability GeoTIFFs, site.regions
  GeoPackages) are results, not base data: given alone they keep the demo world around them.
* The ledger units with their status, computed by the ledger job over the area from the package's forest,
  wetland and protected-area layers; the units' boundaries.
* Where each layer comes from and under which licence (``layers/manifest.yaml``), and whether it is
  synthetic: the package says "synthetic demo data" wherever that is true.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.feedback import Feedback, SubFeedback
from ..core.messages import Notice
from .base import DATA_DEMO, DATA_USER, Exclusive, Job, LayerSource, Output, Param, Report, Text
from .registry import register

DEFAULT_YEAR = 2025
SITING_ROLES = ("siting_exclusions", "siting_suitability", "siting_regions")
LEDGER_ROLES = ("forest", "wetland", "protected")


@dataclass
class ExportPackageRequest:
    out: Path
    city: str | None = None
    county: str | None = None
    zones: LayerSource | None = None
    zone_name_field: str | None = None
    layers: list[LayerSource] = field(default_factory=list)
    project: Path | None = None
    year: int | None = None
    gcj02_kmz: bool = False


@dataclass
class ExportPackageReport(Report):
    area: str = ""
    year: int = 0
    layers: list[dict[str, Any]] = field(default_factory=list)
    files: int = 0
    bytes: int = 0
    waypoints: int = 0
    shapefile_crs: str = ""
    seconds: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"area": self.area, "year": self.year, "layers": self.layers, "files": self.files,
                               "bytes": self.bytes, "waypoints": self.waypoints, "shapefile_crs": self.shapefile_crs,
                               "seconds": self.seconds}
        out.update(self.base_json())
        return out

    def summary(self, lang: str | None = None) -> list[str]:
        from ..core.messages import is_chinese

        zh = is_chinese(lang)
        lines = super().summary(lang)
        lines.append((f"{self.area}：{len(self.layers)} 个图层，{self.files} 个文件，{self.bytes / 1e6:,.1f} MB，"
                      f"{self.waypoints} 个航点，Shapefile 坐标系 {self.shapefile_crs}") if zh else
                     (f"{self.area}: {len(self.layers)} layers, {self.files} files, {self.bytes / 1e6:,.1f} MB, "
                      f"{self.waypoints} waypoints, Shapefiles in {self.shapefile_crs}"))
        for layer in self.layers:
            count = layer.get("features")
            what = (f"{count:,} 个要素" if zh else f"{count:,} features") if count is not None else (
                "栅格" if zh else "raster")
            lines.append(f"  {layer['name']}: {what}")
        return lines


# -- provenance ------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=4)
def _catalogue(stamp: tuple) -> dict:
    """The bundled layer catalogue (``layers/manifest.yaml``) as of ``stamp`` (path, size, mtime): read once
    for all the layers of a package, not once per layer."""
    import yaml

    from ..core import yamlio

    try:
        doc = yamlio.safe_load(Path(stamp[0]).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        doc = {}
    return doc if isinstance(doc, dict) else {}


def _catalogue_entry(key: str) -> dict[str, str]:
    from ..io.catalogue import layer_path

    path = layer_path("manifest.yaml")
    try:
        st = path.stat()
        stamp = (str(path), st.st_size, st.st_mtime_ns)
    except OSError:
        stamp = (str(path), None, None)
    entry = _catalogue(stamp).get(key) or {}
    return {k: " ".join(str(entry.get(k, "")).split()) for k in ("title", "source", "licence", "notes")}


def _provenance(key: str, synthetic: bool, extra: str = ""):
    from ..export.package import Provenance

    e = _catalogue_entry(key)
    return Provenance(source=(e["title"] + " — " + e["source"] + (f" ({extra})" if extra else "")).strip(" —"),
                      licence=e["licence"] or "project data", synthetic=synthetic, notes=e["notes"])


def _user_provenance(path: Path, synthetic: bool, note: str = ""):
    from ..export.package import Provenance

    source = f"user file {path.name}" + (f" ({note})" if note else "")
    if synthetic:
        return _provenance("demo-world", True, f"file {path.name}" + (f", {note}" if note else ""))
    return Provenance(source=source, licence="as supplied by the user (not checked by sinkmap)", synthetic=False)


def _in_demo(path: Path) -> bool:
    from ..demo.generate import demo_dir

    try:
        return Path(path).resolve().is_relative_to(demo_dir().resolve())
    except OSError:
        return False


# -- the area --------------------------------------------------------------------------------------------

def resolve_area(request: ExportPackageRequest, feedback: Feedback):
    import shapely

    from ..export.package import Area
    from ..io.boundaries import load_units

    if request.zones is not None:
        from .ledger import LedgerRequest, load_user_zones

        from ..core.errors import InputError

        zones = load_user_zones(request.zones, request.zone_name_field, LedgerRequest(year=DEFAULT_YEAR), feedback)
        if not len(zones):
            raise InputError(code="export.package.zones_empty", path=request.zones.path, layer=request.zones.layer)
        names = list(zones["name"])
        name = "、".join(names) if len(names) <= 3 else f"{Path(request.zones.path).stem}（{len(names)} 个片区）"
        return Area(kind="zones", name=name, geometry=shapely.union_all(zones.geometry.values), units=zones,
                    source=f"user zones {Path(request.zones.path).name}")
    units = load_units(city=request.city, county=request.county, feedback=feedback)
    top = units.iloc[0]
    kind = "city" if request.city else ("zone" if top["level"] == "zone" else "county")
    area_units = units[units["level"] == "county"] if kind == "city" else units
    return Area(kind=kind, name=str(top["name"]), geometry=units.geometry.iloc[0],
                units=area_units.reset_index(drop=True),
                adcode=str(top["adcode"]) or None, source=units.attrs.get("source", ""))


# -- the layers ------------------------------------------------------------------------------------------

def _demo_sources(feedback: Feedback) -> list:
    from ..carto.demo_map import ROLE_ORDER, demo_layer_specs
    from ..demo.generate import demo_layers, ensure_demo
    from ..export.package import SourceLayer
    from ..export.package.model import role_name

    layers = demo_layers(ensure_demo(feedback=feedback))
    specs = demo_layer_specs(layers, lambda role: f"{role_name(role) or role}（演示）")
    specs.sort(key=lambda s: ROLE_ORDER.index(s.role))  # the app's drawing order (sinkmap.gui.app._add_demo)
    return [SourceLayer(spec=s, provenance=_provenance("demo-world", True), refine_style=True, trusted=True,
                        name_en=f"{role_name(s.role, zh=False) or s.role} (demo)") for s in specs]


def _project_sources(path: Path) -> tuple[list, int | None]:
    from ..core.errors import InputError, SinkmapError
    from ..export.package import SourceLayer
    from ..io.layerdata.loaders import BUILTIN_BOUNDARIES
    from ..io.project_file import load_project

    try:
        project = load_project(path)
    except SinkmapError:
        raise
    except (OSError, ValueError) as exc:
        raise InputError(code="export.package.not_a_project", path=path, detail=str(exc)[:200]) from None
    out = []
    for spec in project.layers:
        if spec.path.startswith("builtin:") or spec.path == BUILTIN_BOUNDARIES:
            continue  # the package makes its own boundaries of the area
        synthetic = _in_demo(Path(spec.path))
        out.append(SourceLayer(spec=spec, provenance=_user_provenance(Path(spec.path), synthetic)))
    return out, project.year


def _classify(path: Path, layer: str | None, kind: str) -> tuple[str | None, bool | None, bool]:
    """(role, synthetic or None when unknown, is a siting result) of a layer given with --layer."""
    from ..io.layerdata.roles import guess_role

    if kind == "raster":
        import rasterio

        with rasterio.open(path) as ds:
            tags = ds.tags()
        if "SITING_TECH" in tags:
            role = "siting_suitability" if "SITING_WEIGHTS" in tags else "siting_exclusions"
            return role, tags.get("SITING_DATA") == DATA_DEMO, True
        return _demo_role(path, None) or guess_role(path.name, "raster"), _in_demo(path) or None, False
    info = _vector_info(path, layer)
    data = (info.get("layer_metadata") or {}).get("SINKMAP_DATA")
    recorded = True if data == DATA_DEMO else (False if data == DATA_USER else None)
    synthetic = True if recorded or _in_demo(path) else recorded
    if {"region_id", "mean_score", "capacity_mw"} <= set(info.get("fields", ())):
        return "siting_regions", synthetic, True
    role = _demo_role(path, layer) or guess_role(layer or path.stem, "vector") or guess_role(path.stem, "vector")
    return role, synthetic, False


def _demo_role(path: Path, layer: str | None) -> str | None:
    """The role of a demo-world file or layer given with --layer (the demo knows what each is: name guesses
    would take 生态保护红线 for a protected area and 变电站 for a project)."""
    if not _in_demo(path):
        return None
    from ..demo.generate import demo_dir, demo_layers

    try:
        target = Path(path).resolve()
        for key, (file, name) in demo_layers(demo_dir()).items():
            if Path(file).resolve() == target and (name or None) == (layer or None):
                return key.split("_1s:")[0]
    except OSError:
        return None
    return None


def _vector_info(path: Path, layer: str | None) -> dict[str, Any]:
    """pyogrio's facts about a layer (fields, GDAL layer metadata); {} when the file cannot tell (the reader
    says what is wrong later, with its own message)."""
    import pyogrio

    try:
        info = pyogrio.read_info(path, layer=layer)
    except Exception:  # noqa: BLE001 - any driver error: the layer's read reports it properly
        return {}
    return {"fields": [str(f) for f in info.get("fields", [])], "layer_metadata": info.get("layer_metadata") or {}}


def _spatial_layers(path: Path, names: list[str]) -> list[str]:
    """The layers of a file that have geometry (a GeoPackage's attribute tables, such as QGIS's
    ``layer_styles``, are not map layers)."""
    import pyogrio

    try:
        types = {str(n): t for n, t in pyogrio.list_layers(path)}
    except Exception:  # noqa: BLE001 - list_layers already opened it; keep every name then
        return names
    spatial = [n for n in names if types.get(n) is not None]
    return spatial or names


def _file_sources(items: list[LayerSource]) -> tuple[list, bool]:
    """SourceLayers for --layer files (every layer of a multi-layer file), and whether any is base data."""
    from ..core.project import LayerSpec, Style
    from ..carto.styles import ROLE_STYLES
    from ..export.package import SourceLayer
    from ..export.package.model import role_name
    from ..io.layerdata.roles import kind_of_path
    from ..io.vectors import list_layers

    out, base = [], False
    for item in items:
        path = Path(item.path)
        kind = kind_of_path(path)
        names = [item.layer] if item.layer or kind == "raster" else _spatial_layers(path, list_layers(path))
        for layer in names:
            role, synthetic, result = _classify(path, layer, kind)
            base = base or not result
            label = layer if layer and (len(names) > 1 or item.layer) else path.stem
            demo_role = _demo_role(path, layer if kind == "vector" else None)
            if demo_role and role_name(demo_role):  # a demo-world layer: named as the app names it
                label = f"{role_name(demo_role)}（演示）"
            display = f"{role_name(role)}：{label}" if role in SITING_ROLES else label
            style = ROLE_STYLES.get(role or "")
            spec = LayerSpec(name=display, path=str(path), kind=kind, layer=layer if kind == "vector" else None,
                             role=role, style=Style.from_dict(style.to_dict()) if style else (
                                 Style(kind="ramp", ramp="greys") if kind == "raster" else Style()))
            note = ("" if not result else "sinkmap siting result; data origin not recorded in the file"
                    if synthetic is None else "sinkmap siting result; data origin recorded in the file")
            out.append(SourceLayer(spec=spec, provenance=_user_provenance(path, bool(synthetic), note),
                                   refine_style=kind == "vector",
                                   name_en=(role_name(role, zh=False) or label) + (" (demo)" if demo_role else "")))
    return out, base


def _boundary_source(area, request: ExportPackageRequest):
    from ..carto.styles import ROLE_STYLES
    from ..core.project import LayerSpec, Style
    from ..export.package import SourceLayer

    frame = area.units[[c for c in ("name", "adcode", "level", "parent") if c in area.units.columns]
                       + [area.units.geometry.name]].copy()
    name = "区县界" if area.kind == "city" else ("片区" if area.kind == "zones" else "行政区界")
    spec = LayerSpec(name=f"{area.name}{name}", path="", role="boundary",
                     style=Style.from_dict(ROLE_STYLES["boundary"].to_dict()))
    if area.kind == "zones":
        return SourceLayer(spec=spec, frame=frame, clip=False, name_en="Zones",
                           provenance=_user_provenance(Path(request.zones.path), _in_demo(Path(request.zones.path))))
    return SourceLayer(spec=spec, frame=frame, clip=False, name_en="Boundaries",
                       provenance=_provenance("boundaries-hunan", False))


def _ledger_source(request: ExportPackageRequest, area, sources: list, year: int, feedback: Feedback):
    """The ledger units over the area from the package's forest/wetland/protected layers (None: none of them)."""
    from ..core.errors import InputError
    from ..core.project import LayerSpec
    from ..export.package import Provenance, SourceLayer
    from ..export.package.ledger_layer import ledger_style, ledger_units_frame
    from .base import run_job
    from .ledger import LEDGER, LedgerRequest

    picked: dict[str, Any] = {}
    for s in sources:
        if s.spec.kind == "vector" and s.spec.role in LEDGER_ROLES and s.spec.role not in picked and s.frame is None:
            picked[s.spec.role] = s
    if not picked:
        return None
    req = LedgerRequest(year=year, city=request.city, county=request.county, zones=request.zones,
                        zone_name_field=request.zone_name_field,
                        **{role: LayerSource(Path(s.spec.path), s.spec.layer) for role, s in picked.items()})
    _read_once(req, picked, area, feedback)
    try:
        report = run_job(LEDGER, req, feedback)
    except InputError as exc:
        if exc.code != "jobs.ledger.demo_no_data":
            raise
        raise InputError(code="export.package.demo_no_data", area=area.name, covered=exc.params.get("covered", ""),
                         units=exc.params.get("units", "")) from None
    frame = ledger_units_frame(area.units if area.kind != "city" else _with_city(area), report.units)
    synthetic = any(s.provenance.synthetic for s in picked.values())
    names = ", ".join(s.spec.name for s in picked.values())
    prov = Provenance(source=f"sinkmap ledger {year} of {names}; targets from the city plans (layers/targets.yaml)",
                      licence="project data", synthetic=synthetic)
    spec = LayerSpec(name=f"碳汇台账单元 {year}" + ("（演示）" if synthetic else ""), path="", role="ledger",
                     style=ledger_style(), visible=False)
    return SourceLayer(spec=spec, frame=frame, clip=False, provenance=prov, name_en=f"Ledger units {year}"), report


def _read_once(req, picked: dict[str, Any], area, feedback: Feedback) -> None:
    """Read the ledger's layers once, only where the area is (their features meeting its box), checked as the
    ledger reads them: the ledger takes them from ``req.frames`` and the package clips the same frames —
    no whole-layer read, no second read. A layer with nothing in the box is left to the ledger as before."""
    from .ledger import read_polygons

    for role, source in picked.items():
        feedback.check()
        frame = read_polygons(getattr(req, role), req, feedback, role, bbox=area.geometry.bounds)
        if frame is not None and len(frame):
            req.frames[role] = frame
            source.frame = frame  # clipped to the area by the package (clip stays on)


def _with_city(area):
    """A city's counties and the city itself (the ledger has a row for both)."""
    import geopandas as gpd
    import pandas as pd

    from ..io.boundaries import load_units

    units = load_units(city=area.name)
    city = units[units["level"] == "city"]
    return gpd.GeoDataFrame(pd.concat([city, area.units], ignore_index=True), geometry="geometry", crs=units.crs)


# -- the run ---------------------------------------------------------------------------------------------

def _parameters(request: ExportPackageRequest) -> dict[str, Any]:
    """The job's parameters for the manifest (file names only: no local folders in a shared package)."""
    def name(v):
        if isinstance(v, LayerSource):
            return Path(v.path).name + (f"|{v.layer}" if v.layer else "")
        return Path(v).name if isinstance(v, Path) else v

    return {k: ([name(x) for x in v] if isinstance(v, list) else name(v))
            for k, v in request.__dict__.items()}


def run_export_package(request: ExportPackageRequest, feedback: Feedback) -> ExportPackageReport:
    from ..core.errors import InputError
    from ..export.package import PackageSpec, build_package

    feedback.progress(0.0, "区域 area")
    area = resolve_area(request, feedback)
    feedback.check()
    sources, year = [], None
    if request.project is not None:
        sources, year = _project_sources(request.project)
    extra, base = _file_sources(list(request.layers))
    demo = request.project is None and not base
    if demo:
        sources = _demo_sources(SubFeedback(feedback, 0.0, 0.05))
    sources = sources + extra  # the --layer files on top, as the app adds a new layer
    year = request.year or year or DEFAULT_YEAR
    feedback.progress(0.05, "台账 ledger")
    ledger = _ledger_source(request, area, sources, year, SubFeedback(feedback, 0.05, 0.35))
    notes = []
    if ledger is None:
        notes.append(Notice("export.package.no_ledger"))
    layers = list(sources)
    at = next((i for i, s in enumerate(layers) if s.spec.role in ("substations", "projects")), len(layers))
    if ledger is not None:
        layers.insert(at, ledger[0])
        at += 1
    layers.insert(at, _boundary_source(area, request))
    spec = PackageSpec(area=area, layers=layers, out=Path(request.out), year=year, gcj02_kmz=bool(request.gcj02_kmz),
                       parameters=_parameters(request), notes=notes)
    result = build_package(spec, SubFeedback(feedback, 0.35, 1.0))
    if not any(layer.role != "boundary" for layer in result.layers):
        raise InputError(code="export.package.no_layers", area=area.name)
    manifest = result.manifest
    report = ExportPackageReport(
        area=area.name, year=year, files=len(manifest["files"]),
        bytes=Path(request.out).stat().st_size, waypoints=manifest["waypoints"],
        shapefile_crs=manifest["crs"]["shapefile"]["crs"], seconds=result.seconds,
        layers=[{"id": layer.id, "name": layer.name, "kind": layer.kind,
                 "features": layer.count if layer.kind == "vector" else None,
                 "synthetic": layer.provenance.synthetic} for layer in result.layers],
        warnings=list(result.notices),
        outputs=[Output(Path(request.out), kind="document", name=Path(request.out).name)],
        inputs={"area": area.name, **({"project": str(request.project)} if request.project else {})})
    if any(layer.provenance.synthetic for layer in result.layers):
        report.data = DATA_DEMO
        report.demo_layers = [layer.id for layer in result.layers if layer.provenance.synthetic]
    return report


EXPORT_PACKAGE = register(Job(
    id="export.package",
    title=Text("外业数据包", "Field package"),
    help=Text("把一个区域（市、区县或自定义片区）的图层打成一个离线数据包（zip）：QGIS/QField 项目与 GeoPackage"
              "（CGCS2000，含样式）、栅格（GeoTIFF，含金字塔）、KMZ 与 GPX（WGS-84，可选另附 GCJ-02 KMZ）、GBK 编码的"
              "Shapefile（所在 3° 高斯-克吕格投影带），以及 manifest.json（SHA-256、坐标系、要素数、来源与许可）和中英文说明。"
              "未给出图层或项目时打包合成演示数据（数据包中注明）。",
              "Pack the layers of an area (a city, a county or your zones) into one offline zip: a QGIS/QField "
              "project with a GeoPackage (CGCS2000, styled), rasters (GeoTIFF with overviews), KMZ and GPX in "
              "WGS-84 (optionally a GCJ-02 KMZ as well), GBK Shapefiles in the area's 3° Gauss–Krüger zone, a "
              "manifest.json (SHA-256, CRS, counts, sources, licences) and a README in Chinese and English. With "
              "no layer or project given it packs the synthetic demo world (the package says so)."),
    params=(
        Param("city", "unit", Text("城市", "City"), Text("城市，如 长沙市", "a city, e.g. 长沙市"), metavar="NAME"),
        Param("county", "unit", Text("区县/片区", "County or zone"), Text("区县或片区，如 芙蓉区",
                                                                     "a county/district or zone, e.g. 芙蓉区"),
              metavar="NAME"),
        Param("zones", "layer", Text("自定义片区", "Your zones"), Text("面图层：数据包覆盖其并集，每个片区一个台账单元",
                                                                   "polygons: the package covers their union, "
                                                                   "each zone a ledger unit"),
              metavar="FILE", suffixes=(".gpkg", ".shp", ".geojson", ".json", ".kml", ".kmz")),
        Param("zone_name_field", "text", Text("片区名称字段", "Zone name field"),
              Text("--zones 中存放片区名称的字段", "field of --zones holding the zone names"), metavar="FIELD",
              advanced=True),
        Param("layers", "layer", Text("图层", "Layers"),
              Text("要放入数据包的图层文件（矢量或栅格；GeoPackage 的每个图层），可重复；选址结果（排除区、适宜性、候选区）"
                   "会与演示数据一起打包",
                   "a layer file to pack (vector or raster; every layer of a GeoPackage); repeatable. Siting "
                   "results (exclusions, suitability, regions) are packed along with the demo world"),
              repeatable=True, flag="--layer", metavar="FILE", default=[]),
        Param("project", "file", Text("项目", "Project"),
              Text(".sinkmap 项目：其图层、顺序、可见性与样式",
                   "a .sinkmap project: its layers, order, visibility and styles"),
              suffixes=(".sinkmap",), metavar="FILE"),
        Param("year", "year", Text("目标年", "Target year"),
              Text(f"台账对照的目标年（默认 {DEFAULT_YEAR}，或项目的年份）",
                   f"target year of the ledger (default {DEFAULT_YEAR}, or the project's)"),
              minimum=2000, maximum=2100),
        Param("gcj02_kmz", "bool", Text("另附 GCJ-02 KMZ", "Also a GCJ-02 KMZ"),
              Text("另写一个 GCJ-02（火星坐标）KMZ，仅供要求 GCJ-02 的应用；默认只写 WGS-84",
                   "also write a KMZ in GCJ-02 (AMap coordinates) for apps that expect it; WGS-84 only by default"),
              flag="--gcj02-kmz"),
        Param("out", "output", Text("输出", "Output"), Text("zip 文件", "zip file"), required=True, suffixes=(".zip",),
              metavar="PATH.zip"),
    ),
    exclusive=(Exclusive("area", ("city", "county", "zones"), required=True, title=Text("区域", "Area")),),
    request=ExportPackageRequest,
    run=run_export_package,
    menu=Text("导出", "Export"),
    panel="package",  # the app's own dialog (sinkmap.gui.package_dialog): area from the map's selection
))
