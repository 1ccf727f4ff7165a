"""Build a field package: clip the layers, write every format, check the names, zip — atomically.

Layout of the zip (one top folder, ASCII names only; none comes from user data unsanitised)::

    <name>/README.md                  Chinese and English
    <name>/manifest.json              files with SHA-256, CRS, counts, sources, licences, parameters
    <name>/<name>.qgs                 QGIS / QField project (relative paths)
    <name>/data/layers.gpkg           every vector layer, CGCS2000, with QGIS styles
    <name>/data/rasters/<id>.tif      rasters cut to the area, with overviews (DEM, hillshade, land cover…)
    <name>/data/basemap.gpkg          the rasters drawn into one offline basemap (GeoPackage raster tiles)
    <name>/kmz/layers_wgs84.kmz       KML in WGS-84 (and layers_GCJ02_AMap_only.kmz when asked)
    <name>/gpx/waypoints_wgs84.gpx    waypoints
    <name>/shp/<id>.shp …, fields.csv GBK Shapefiles in the area's 3° Gauss–Krüger zone

Everything is written into a private temporary folder beside the output (:func:`sinkmap.io.atomic.
atomic_output_path`); only the finished zip is moved into place. A cancel (``feedback.check()`` between
and inside the steps) or a failure removes the temporary folder: no zip, no leftovers.
"""

from __future__ import annotations

import os
import time
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ...core.feedback import Feedback, SubFeedback, ensure
from ...core.jsonutil import dumps
from ...core.messages import Notice
from ...core.project import Style
from .clip import POINT, clip_frame, clip_raster, wkb_type, write_hillshade
from .model import PackageSpec, PackedLayer, Provenance, SourceLayer, role_name
from .names import NameBook, has_xml_illegal, inside, safe_name

GPKG = "data/layers.gpkg"
KMZ = "kmz/layers_wgs84.kmz"
KMZ_GCJ02 = "kmz/layers_GCJ02_AMap_only.kmz"
GPX = "gpx/waypoints_wgs84.gpx"
STORED = (".tif", ".tiff", ".kmz", ".zip", ".png")  # already compressed: stored as they are in the zip


@dataclass
class PackageResult:
    """What was written: the zip, its layers, files and notices, and the time each step took."""

    path: Path
    top: str
    manifest: dict[str, Any]
    layers: list[PackedLayer]
    notices: list[Notice] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


class _Steps:
    def __init__(self, feedback: Feedback) -> None:
        self.feedback = feedback
        self.seconds: dict[str, float] = {}
        self._t = time.perf_counter()

    def done(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = round(self.seconds.get(name, 0.0) + now - self._t, 3)
        self._t = now

    def sub(self, start: float, end: float, text: str) -> Feedback:
        self.feedback.check()
        self.feedback.progress(start, text)
        return SubFeedback(self.feedback, start, end)


def _read(source: SourceLayer, area, feedback: Feedback):
    if source.frame is not None:
        return source.frame
    spec = source.spec
    if source.trusted:  # sinkmap's own demo files: CGCS2000, valid, UTF-8 — read as they are
        import pyogrio

        return pyogrio.read_dataframe(spec.path, layer=spec.layer, bbox=area.bounds)
    from ...io.vectors import read_vector

    return read_vector(spec.path, layer=spec.layer, encoding=spec.encoding, crs=spec.crs, bbox=area.bounds,
                       feedback=feedback)


def _style(source: SourceLayer, frame, lang: str) -> Style:
    if not source.refine_style:
        return Style.from_dict(source.spec.style.to_dict())
    from ...carto.styles import default_style

    return default_style(source.spec, frame, lang)


def _check_text(frame, layer_name: str, notices: list[Notice]) -> None:
    """Warn about attribute text that XML cannot hold (control characters): KML and the project show U+FFFD."""
    geom = frame.geometry.name
    for col in frame.columns:
        if col == geom or frame[col].dtype.kind != "O":
            continue
        texts = [v for v in frame[col].tolist() if isinstance(v, str)]
        if not has_xml_illegal("".join(texts)) and not has_xml_illegal(str(col)):
            continue  # the usual case: one search over the whole column
        n = sum(1 for v in texts if has_xml_illegal(v))
        notices.append(Notice("export.package.control_chars", layer=layer_name, field=str(col), n=n))


class _CancelOnly:
    """Feedback for work on another thread: shares the cancel of ``parent``, reports no progress (the main
    thread's steps do)."""

    def __init__(self, parent: Feedback) -> None:
        self.parent = parent

    def progress(self, fraction: float, text: str = "") -> None:
        pass

    def warn(self, message) -> None:
        self.parent.warn(message)

    def is_cancelled(self) -> bool:
        return self.parent.is_cancelled()

    def check(self) -> None:
        self.parent.check()


def _pack_raster(source: SourceLayer, lid: str, hid: str | None, area, stage: Path,
                 feedback: Feedback) -> list[PackedLayer]:
    """A raster cut to the area (and the hillshade of a DEM); [] when it has no data there."""
    s = source.spec
    name_en = source.name_en or role_name(s.role, zh=False) or s.name
    dest = inside(stage, "data", "rasters", f"{lid}.tif")
    style = Style.from_dict(s.style.to_dict())
    info = clip_raster(Path(s.path), area, dest, style.kind == "classes" or style.ramp == "siting", feedback)
    if info is None:
        return []
    out = [PackedLayer(id=lid, name=s.name, name_en=name_en, kind="raster", role=s.role, style=style,
                       visible=s.visible, provenance=source.provenance, raster=dest.relative_to(stage),
                       raster_info=info)]
    if hid is not None:
        hdest = inside(stage, "data", "rasters", f"{hid}.tif")
        hinfo = write_hillshade(dest, hdest, feedback)
        out.append(PackedLayer(
            id=hid, name=f"{s.name} · {role_name('hillshade')}", name_en=f"{name_en} · hillshade", kind="raster",
            role="hillshade", style=Style(kind="ramp", ramp="greys"), visible=s.visible,
            provenance=Provenance(source.provenance.source + " (hillshade computed by sinkmap)",
                                  source.provenance.licence, source.provenance.synthetic),
            raster=hdest.relative_to(stage), raster_info=hinfo, blend="multiply", derived_from=lid))
    return out


def _pack_vector(source: SourceLayer, lid: str, spec: PackageSpec, feedback: Feedback,
                 notices: list[Notice]) -> PackedLayer | None:
    s = source.spec
    frame = _read(source, spec.area.geometry, feedback)
    n_source = len(frame)
    frame, cut, kind = clip_frame(frame, spec.area.geometry, feedback, clip=source.clip)
    if not len(frame):
        return None
    _check_text(frame, s.name, notices)
    return PackedLayer(id=lid, name=s.name, name_en=source.name_en or role_name(s.role, zh=False) or s.name,
                       kind="vector", role=s.role, style=_style(source, frame, spec.lang), visible=s.visible,
                       provenance=source.provenance, frame=frame, geom_kind=kind or POINT,
                       wkb_type=wkb_type(frame, kind), source_features=n_source, cut_features=cut)


def pack_layers(spec: PackageSpec, stage: Path, feedback: Feedback, notices: list[Notice],
                skipped: list[dict[str, Any]]) -> list[PackedLayer]:
    """Clip every source layer to the area (rasters written to ``stage/data/rasters``), in the sources' order.

    The rasters (reading, masking, compressing, overviews, the hillshade: GDAL and numpy, which release the
    GIL) run on a second thread while the vector layers are read and cut on this one."""
    from concurrent.futures import ThreadPoolExecutor

    book = NameBook(("layers", "fields", "waypoints"))
    results: list[Any] = []
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sinkmap-package-raster")
    try:
        for source in spec.layers:  # ids first, in order, so that they do not depend on timing
            s = source.spec
            lid = book.take(s.role if s.role and s.role not in ("choropleth",) else (s.layer or Path(s.path).stem),
                            fallback="layer")
            if s.kind == "raster":
                hid = book.take(f"{lid}_hillshade") if s.style.kind == "hillshade" else None
                results.append(pool.submit(_pack_raster, source, lid, hid, spec.area.geometry, stage,
                                           _CancelOnly(feedback)))
            else:
                results.append(lid)
        for k, (source, item) in enumerate(zip(spec.layers, results)):
            if isinstance(item, str):
                feedback.check()
                sub = SubFeedback(feedback, k / len(spec.layers), (k + 1) / len(spec.layers))
                results[k] = _pack_vector(source, item, spec, sub, notices)
        packed: list[PackedLayer] = []
        for source, item in zip(spec.layers, results):
            got = item.result() if hasattr(item, "result") else item
            if not got:
                reason = "no data in the area" if source.spec.kind == "raster" else "no feature in the area"
                skipped.append({"layer": source.spec.name, "reason": reason})
                notices.append(Notice("export.package.layer_empty", layer=source.spec.name))
                continue
            packed.extend(got if isinstance(got, list) else [got])
        return packed
    finally:
        for item in results:
            if hasattr(item, "cancel"):
                item.cancel()
        pool.shutdown(wait=True)  # a raster still being written finishes (or sees the cancel) before cleanup


def _describe(has_gcj02: bool, packed: list[PackedLayer], top: str) -> dict[str, str]:
    out = {"README.md": "说明（中文、英文） / README (Chinese, English)",
           f"{top}.qgs": "QGIS/QField 项目 / QGIS and QField project",
           GPKG: "全部矢量图层（CGCS2000，含样式） / every vector layer (CGCS2000, with styles)",
           KMZ: "KMZ（WGS-84） / KMZ (WGS-84)",
           GPX: "GPS 航点（WGS-84） / GPS waypoints (WGS-84)",
           "shp/fields.csv": "Shapefile 字段名对照表 / Shapefile field-name table"}
    if has_gcj02:
        out[KMZ_GCJ02] = "KMZ（GCJ-02，仅供要求 GCJ-02 的应用） / KMZ in GCJ-02 (only for apps expecting it)"
    for layer in packed:
        if layer.role == "basemap":
            out[layer.raster.as_posix()] = (f"{layer.name}（GeoPackage 栅格瓦片，QField/QGIS 离线底图） / "
                                            f"{layer.name_en} (GeoPackage raster tiles for QField/QGIS offline)")
        elif layer.kind == "raster":
            out[layer.raster.as_posix()] = f"{layer.name}（GeoTIFF） / {layer.name_en} (GeoTIFF)"
        elif layer.count:
            out[f"shp/{layer.id}.*"] = f"{layer.name}（Shapefile，GBK） / {layer.name_en} (Shapefile, GBK)"
    return out


def _zip(stage_root: Path, top: str, dest: Path, feedback: Feedback) -> None:
    files = sorted(p for p in (stage_root / top).rglob("*") if p.is_file())
    total = sum(p.stat().st_size for p in files) or 1
    done = 0
    with zipfile.ZipFile(dest, "w", allowZip64=True) as zf:
        for path in files:
            feedback.check()
            rel = path.relative_to(stage_root).as_posix()
            stored = path.suffix.lower() in STORED
            zf.write(path, rel, compress_type=zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED,
                     compresslevel=None if stored else 1)  # level 6: 2 % smaller, twice the time
            done += path.stat().st_size
            feedback.progress(done / total, "zip")


def build_package(spec: PackageSpec, feedback: Feedback | None = None) -> PackageResult:
    """Write the field package ``spec.out`` (see the module docstring). An OS error (a full disk…) is a
    message naming the output; nothing is left behind either way."""
    from ...io.write_errors import output_error

    try:
        return _build(spec, feedback)
    except OSError as exc:
        raise output_error(spec.out, exc) from None


def _build(spec: PackageSpec, feedback: Feedback | None) -> PackageResult:
    from ...io.atomic import atomic_output_path
    from .manifest import DEMO_LABEL, FORMAT, FORMAT_VERSION, file_entries, layer_entry, readme
    from .qgis_xml import theme_names

    feedback = ensure(feedback)
    steps = _Steps(feedback)
    notices: list[Notice] = list(spec.notes)
    skipped: list[dict[str, Any]] = []
    top = safe_name(spec.out.stem, fallback="sinkmap_package")
    with atomic_output_path(spec.out) as tmp_zip:
        stage_root = tmp_zip.parent / "stage"
        stage = stage_root / top
        for sub in ("data/rasters", "kmz", "gpx", "shp"):
            (stage / sub).mkdir(parents=True, exist_ok=True)
        packed = pack_layers(spec, stage, steps.sub(0.0, 0.4, "clip"), notices, skipped)
        steps.done("clip")
        synthetic = any(layer.provenance.synthetic for layer in packed)
        user = any(not layer.provenance.synthetic for layer in packed if layer.role not in ("boundary",))
        data = "synthetic_demo" if synthetic and not user else ("mixed" if synthetic else "user")
        label = "（演示数据，合成）" if synthetic else ""
        title = spec.title or f"{spec.area.name} 外业数据包{label}"
        doc_desc = f"sinkmap — {spec.area.name} — {spec.year}" + (f" — {DEMO_LABEL}" if synthetic else "")

        from concurrent.futures import ThreadPoolExecutor

        background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sinkmap-package-bg")
        try:
            packed, n_wpt, zone, shp = _write_formats(spec, stage, packed, background, steps, notices, title,
                                                      doc_desc, top)
        finally:
            background.shutdown(wait=True)  # a cancel or an error: the thread's writing ends before the cleanup
        steps.done("background_wait")

        describe = _describe(spec.gcj02_kmz, packed, top)
        now = datetime.now(timezone.utc).astimezone()
        manifest: dict[str, Any] = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "title": title,
            "created": now.isoformat(timespec="seconds"),
            "created_utc": now.astimezone(timezone.utc).isoformat(timespec="seconds"),
            "generator": {"name": "sinkmap", "version": _version()},
            "data": data, **({"data_label": DEMO_LABEL} if synthetic else {}),
            "job": {"id": "export.package", "parameters": spec.parameters},
            "area": _area_json(spec),
            "year": spec.year,
            "crs": {"geopackage": "EPSG:4490", "qgis_project": "EPSG:4490",
                    "rasters": sorted({layer.raster_info.get("crs", "") for layer in packed if layer.kind == "raster"}),
                    "kmz": "EPSG:4326 (WGS-84 lon/lat; CGCS2000 coordinates, identical at this precision)",
                    "gpx": "EPSG:4326 (WGS-84 lat/lon)", "shapefile": zone.to_json(),
                    **({"kmz_gcj02": "GCJ-02 (AMap/Gaode offset datum, not in PROJ): only for apps that expect it"}
                       if spec.gcj02_kmz else {})},
            "layers": [layer_entry(layer, _layer_files(layer, shp.files, spec.gcj02_kmz)) for layer in packed],
            "not_included": skipped,
            "themes": theme_names(True),
            "waypoints": n_wpt,
            "shapefile_fields": shp.fields,
            "shapefile_non_gbk": shp.non_gbk, "shapefile_truncated": shp.truncated,
            "warnings": [n.to_json() for n in dict.fromkeys(notices)],
        }
        inside(stage, "README.md").write_text(readme(manifest, {k: v for k, v in describe.items()}), encoding="utf-8")
        manifest["files"] = file_entries(stage, describe)
        inside(stage, "manifest.json").write_text(dumps(manifest, indent=1), encoding="utf-8")
        steps.done("manifest")
        feedback.check()
        _zip(stage_root, top, tmp_zip, steps.sub(0.92, 1.0, "zip"))
        steps.done("zip")
        feedback.check()
    feedback.progress(1.0, "完成 done")
    return PackageResult(path=spec.out, top=top, manifest=manifest, layers=packed,
                         notices=list(dict.fromkeys(notices)), seconds=steps.seconds)


def _write_formats(spec: PackageSpec, stage: Path, packed: list[PackedLayer], background, steps: "_Steps",
                   notices: list[Notice], title: str, doc_desc: str, top: str):
    """Every format but the manifest. Two threads (the machine's cores): on ``background``, one after the
    other, the basemap, the Shapefiles and the KMZ compression (numpy, GDAL and zlib, which release the GIL
    much of the time); here, the GeoPackage, the KML text and the GPX, then the project once the basemap is
    known. Returns the layers (the basemap first), the waypoint count, the Shapefiles' zone and their
    report."""
    from .basemap import write_basemap
    from .gpkg import write_geopackage
    from .gpx import write_gpx
    from .kml import write_kmz
    from .qgis_xml import project_document
    from .shapefiles import choose_zone, write_shapefiles

    feedback = steps.feedback
    zone = choose_zone(spec.area.geometry)
    if zone.straddles:
        notices.append(Notice("export.package.zone_straddle", area=spec.area.name, crs=zone.zone.crs,
                              shares=", ".join(f"EPSG:{k} {v:.0%}" for k, v in sorted(zone.shares.items()))))
    drawing = background.submit(write_basemap, stage, list(packed), _CancelOnly(feedback))
    shapefiles = background.submit(write_shapefiles, stage / "shp", list(packed), zone, _CancelOnly(feedback))
    write_geopackage(inside(stage, GPKG), packed, steps.sub(0.4, 0.55, "GeoPackage"))
    steps.done("geopackage")
    x0, y0, x1, y1 = spec.area.geometry.bounds
    kmz_paths = {inside(stage, KMZ): False, **({inside(stage, KMZ_GCJ02): True} if spec.gcj02_kmz else {})}
    zipping = write_kmz(kmz_paths, packed, title=title, description=doc_desc, feedback=steps.sub(0.55, 0.85, "KMZ"),
                        background=background)
    steps.done("kmz")
    n_wpt = write_gpx(inside(stage, GPX), packed, title=title, description=doc_desc, bounds=(x0, y0, x1, y1),
                      feedback=feedback)
    steps.done("gpx")
    feedback.progress(0.85, "Shapefile")
    shp = shapefiles.result()
    notices.extend(shp.notices)
    steps.done("shapefile_wait")
    basemap = drawing.result()
    if basemap is not None:
        packed = [basemap, *packed]  # the bottom of the drawing order
    zipping.result()
    steps.done("basemap_kmz_wait")
    pad = max(x1 - x0, y1 - y0) * 0.03
    in_project = [layer for layer in packed if layer.kind == "raster" or layer.count]
    qgs = inside(stage, f"{top}.qgs")
    qgs.write_text(project_document(in_project, title=title, extent=(x0 - pad, y0 - pad, x1 + pad, y1 + pad),
                                    gpkg_rel=GPKG, zh=True), encoding="utf-8")
    steps.done("qgis_project")
    return packed, n_wpt, zone, shp


def _layer_files(layer: PackedLayer, shp_files: dict[str, str], gcj02: bool) -> dict[str, str]:
    if layer.role == "basemap":
        return {"geopackage_raster": f"{layer.raster.as_posix()}|table={layer.raster_info.get('table', 'basemap')}"}
    if layer.kind == "raster":
        return {"geotiff": layer.raster.as_posix()}
    out = {"geopackage": f"{GPKG}|layername={layer.id}", "kmz": f"{KMZ}#{layer.id}"}
    if gcj02:
        out["kmz_gcj02"] = f"{KMZ_GCJ02}#{layer.id}"
    if layer.id in shp_files:
        out["shapefile"] = f"shp/{shp_files[layer.id]}"
    return out


def _area_json(spec: PackageSpec) -> dict[str, Any]:
    from pyproj import Transformer
    import numpy as np
    import shapely

    from ...core.crs import EQUAL_AREA_CRS

    area = spec.area
    tr = Transformer.from_crs("EPSG:4490", EQUAL_AREA_CRS, always_xy=True)
    projected = shapely.transform(area.geometry, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
    return {"kind": area.kind, "name": area.name, "adcode": area.adcode,
            "bounds": [round(v, 8) for v in area.geometry.bounds], "area_km2": round(projected.area / 1e6, 2),
            "units": [str(n) for n in area.units["name"]] if area.units is not None else [],
            "source": area.source}


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("sinkmap")
    except Exception:  # noqa: BLE001 - running from a source tree
        return os.environ.get("SINKMAP_VERSION", "0.1.0")


__all__ = ["GPKG", "GPX", "KMZ", "KMZ_GCJ02", "PackageResult", "build_package", "pack_layers"]
