"""What the raster import dialog shows about a raster, and its guesses. No Qt.

:func:`inspect_raster` reads the header and a small sample of values (fast on any size: a decimated
read when the raster is small or has overviews, else a grid of small windows, which touches only a few
blocks of a 10⁹-pixel file). :func:`scheme_fit` tells how many sampled pixels a classification scheme
knows and lists the codes it does not; :func:`guess_role_and_scheme` picks the role (land cover, DEM,
stock density) from the name and the values.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...core.errors import CRSError, InputError
from ...core.messages import clip
from ..catalogue import data_home
from ..schemes import available_schemes, load_scheme
from .raster_data import LARGE_RASTER_PX
from .roles import guess_role

#: Raster roles offered by the import dialog (None: other).
RASTER_ROLES = ("landcover", "dem", "stock_density", None)
#: A scheme that knows at least this share of the sampled pixels makes an integer raster land cover.
MIN_SCHEME_SHARE = 0.8
STOCK_WORDS = ("stock", "蓄积", "xuji", "volume", "biomass", "生物量")
_SAMPLE_PX = 512  # the decimated sample is at most this wide
_FULL_READ_PX = 16_000_000  # below this (or with overviews) one decimated read is cheap
_GRID, _WIN = 8, 128  # otherwise: an 8 × 8 grid of 128-pixel windows


@dataclass
class RasterSummary:
    path: str
    driver: str
    width: int
    height: int
    count: int
    dtype: str
    nodata: float | None
    crs_wkt: str | None  # None: the file has no CRS
    transform: tuple  # affine a, b, c, d, e, f
    has_overviews: bool
    values: np.ndarray  # integer rasters: distinct sampled values (else empty)
    counts: np.ndarray  # how many sampled pixels hold each value
    sampled: int  # valid pixels in the sample
    vmin: float | None = None  # 2nd / 98th percentile of the sample
    vmax: float | None = None

    @property
    def pixels(self) -> int:
        return self.width * self.height

    @property
    def is_integer(self) -> bool:
        return np.issubdtype(np.dtype(self.dtype), np.integer)

    @property
    def needs_overviews(self) -> bool:
        """Big enough to be slow without overviews (and has none)."""
        return self.pixels > LARGE_RASTER_PX and not self.has_overviews

    def pixel_size_m(self, crs: str | None = None) -> tuple[float, float] | None:
        """Pixel width and height in metres (geodesic at the centre for lon/lat); None without a CRS."""
        from pyproj import CRS, Geod

        text = crs or self.crs_wkt
        if not text:
            return None
        try:
            c = CRS.from_user_input(text)
        except Exception:  # noqa: BLE001 - an unknown override: no size shown
            return None
        a, _, x0, _, e, y0 = self.transform
        if c.is_geographic:
            lon, lat = x0 + a * self.width / 2, y0 + e * self.height / 2
            geod = Geod(ellps="GRS80")
            return (abs(geod.inv(lon, lat, lon + a, lat)[2]), abs(geod.inv(lon, lat, lon, lat + e)[2]))
        factor = c.axis_info[0].unit_conversion_factor if c.axis_info else 1.0
        return abs(a) * factor, abs(e) * factor


@dataclass
class SchemeFit:
    scheme: str  # name or path, as stored in the layer's style
    title: str
    known_share: float  # of the sampled valid pixels
    unknown: list[tuple[int, int]]  # (code, sampled pixels), most frequent first


def _sample(src) -> np.ndarray:
    """Valid values of band 1 from a small read (masked no-data and NaN removed)."""
    from rasterio.enums import Resampling
    from rasterio.windows import Window

    if src.width * src.height <= _FULL_READ_PX or src.overviews(1):
        scale = max(1.0, max(src.width, src.height) / _SAMPLE_PX)
        shape = (max(1, int(src.height / scale)), max(1, int(src.width / scale)))
        parts = [src.read(1, out_shape=shape, resampling=Resampling.nearest, masked=True)]
    else:
        parts = []
        for i in range(_GRID):
            for j in range(_GRID):
                row = int((i + 0.5) * src.height / _GRID) - _WIN // 2
                col = int((j + 0.5) * src.width / _GRID) - _WIN // 2
                parts.append(src.read(1, window=Window(max(0, col), max(0, row), _WIN, _WIN), masked=True))
    valid = np.concatenate([p.compressed() for p in parts])
    return valid[np.isfinite(valid)] if valid.dtype.kind == "f" else valid


def inspect_raster(path: str | Path) -> RasterSummary:
    """Header and value sample of a raster; :class:`InputError` for files that are not readable rasters."""
    import rasterio
    from rasterio.errors import RasterioError, RasterioIOError

    path = Path(path)
    if not path.exists():
        raise InputError(code="io.raster.not_found", path=path)
    from ..input_files import check_input_file

    check_input_file(path)  # a folder, a pipe, an empty file: each said as such, not "damaged"
    try:
        with rasterio.open(path) as src:
            if src.count == 0 or src.width * src.height == 0:
                raise InputError(code="io.raster.no_pixels", path=path)
            valid = _sample(src)
            summary = RasterSummary(
                path=str(path), driver=src.driver, width=src.width, height=src.height, count=src.count,
                dtype=str(src.dtypes[0]), nodata=src.nodata, crs_wkt=src.crs.to_wkt() if src.crs else None,
                transform=tuple(src.transform)[:6], has_overviews=bool(src.overviews(1)),
                values=np.empty(0, dtype=np.int64), counts=np.empty(0, dtype=np.int64), sampled=int(valid.size))
    except InputError:
        raise
    except (RasterioIOError, RasterioError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(code="io.raster.unreadable", path=path, detail=clip(first)) from None
    if valid.size:
        summary.vmin, summary.vmax = (float(v) for v in np.percentile(valid, [2, 98]))
        if summary.is_integer:
            summary.values, summary.counts = np.unique(valid.astype(np.int64), return_counts=True)
    return summary


def short_crs(wkt: str | None) -> str | None:
    """'EPSG:4490' for a CRS PROJ knows by code, else its name; None without a CRS."""
    if not wkt:
        return None
    from pyproj import CRS

    try:
        c = CRS.from_user_input(wkt)
    except Exception:  # noqa: BLE001
        return wkt[:60]
    code = c.to_epsg()
    return f"EPSG:{code}" if code else c.name


def check_crs(text: str) -> str:
    """The CRS text as typed, once PROJ knows it; :class:`CRSError` otherwise."""
    from pyproj import CRS

    try:
        CRS.from_user_input(text.strip())
    except Exception:  # noqa: BLE001
        raise CRSError(code="io.raster.unknown_crs_typed", crs=text) from None
    return text.strip()


def user_scheme_dir() -> Path:
    """Where a user's own scheme files (YAML, the form of layers/schemes/sandiao.yaml) are listed from."""
    return data_home() / "schemes"


def scheme_choices() -> list[str]:
    """Bundled scheme names, then the paths of the user's scheme files."""
    folder = user_scheme_dir()
    user = sorted(str(p) for p in folder.glob("*.yaml")) if folder.is_dir() else []
    return available_schemes() + user


def scheme_title(scheme: str, lang: str = "zh_CN") -> str:
    s = load_scheme(scheme)
    return s.title_en if lang.startswith("en") else s.title_zh


def scheme_fit(summary: RasterSummary, scheme: str, lang: str = "zh_CN") -> SchemeFit:
    """How much of the sample the scheme knows, and the codes it does not (most frequent first)."""
    s = load_scheme(scheme)
    title = s.title_en if lang.startswith("en") else s.title_zh
    if not summary.is_integer or summary.sampled == 0:
        return SchemeFit(scheme, title, 0.0, [])
    known = np.array([s.lookup(int(v)) is not None for v in summary.values], dtype=bool)
    unknown = sorted(zip(summary.values[~known].tolist(), summary.counts[~known].tolist()), key=lambda t: -t[1])
    return SchemeFit(scheme, title, float(summary.counts[known].sum()) / summary.sampled, unknown)


def best_scheme(summary: RasterSummary, name: str = "") -> SchemeFit | None:
    """The scheme knowing most of the sample (a scheme named in the file name wins ties); None if none fits."""
    fits = []
    for sc in scheme_choices():
        try:
            fits.append(scheme_fit(summary, sc))
        except InputError:
            continue  # a broken user scheme file is not offered
    if not fits:
        return None
    lowered = name.lower()
    fits.sort(key=lambda f: (f.known_share, Path(f.scheme).stem.lower() in lowered), reverse=True)
    return fits[0] if fits[0].known_share > 0 else None


def guess_role_and_scheme(summary: RasterSummary, name: str) -> tuple[str | None, str]:
    """(role, scheme): the file name first, then the data (integer codes a scheme knows → land cover;
    floating point → a continuous stock-density raster)."""
    fit = best_scheme(summary, name)
    scheme = fit.scheme if fit is not None else "sandiao"
    role = guess_role(name, "raster")
    if role is None and any(w in name.lower() for w in STOCK_WORDS):
        role = "stock_density"
    if role is None:
        if summary.is_integer and fit is not None and fit.known_share >= MIN_SCHEME_SHARE:
            role = "landcover"
        elif not summary.is_integer:
            role = "stock_density"
    return role, scheme


def overview_resampling(role: str | None) -> str:
    """Classes keep their codes (nearest); continuous values are averaged."""
    return "nearest" if role == "landcover" else "average"


def raster_style(base, role: str | None, scheme: str | None):
    """The new raster layer's style: the role's default, with the chosen scheme for land cover and a
    green ramp for stock density (``base`` from :func:`sinkmap.carto.styles.default_style`)."""
    from dataclasses import replace

    if role == "landcover":
        return replace(base, kind="classes", scheme=scheme or base.scheme or "sandiao")
    if role == "stock_density":
        return replace(base, kind="ramp", ramp="greens")
    return base
