"""What a field package is made of: the area, the layers handed in, the layers as packed, the themes.

The job (:mod:`sinkmap.jobs.export_package`) resolves the area and the layers — from a project, the demo
world or files — and runs the ledger; :func:`sinkmap.export.package.build.build_package` clips, writes
every format and zips. These types are what passes between the two. No Qt, no I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...core.project import LayerSpec, Style

#: Display names of the roles the app knows (Chinese, English).
ROLE_NAMES: dict[str, tuple[str, str]] = {
    "boundary": ("行政区划", "Boundaries"),
    "ledger": ("碳汇台账单元", "Ledger units"),
    "forest": ("森林资源小班", "Forest sub-compartments"),
    "wetland": ("湿地", "Wetlands"),
    "protected": ("自然保护地", "Protected areas"),
    "redline": ("生态保护红线", "Ecological red line"),
    "farmland": ("永久基本农田", "Permanent basic farmland"),
    "grassland": ("基本草原", "Basic grassland"),
    "roads": ("道路", "Roads"),
    "substations": ("变电站", "Substations"),
    "projects": ("规划项目", "Plan projects"),
    "dem": ("数字高程模型", "Elevation (DEM)"),
    "hillshade": ("山体阴影", "Hillshade"),
    "landcover": ("土地覆盖·三调", "Land cover (Sandiao)"),
    "siting_exclusions": ("选址排除区", "Siting exclusions"),
    "siting_suitability": ("选址适宜性", "Siting suitability"),
    "siting_regions": ("候选区", "Candidate regions"),
    "basemap": ("离线底图", "Offline basemap"),
}

#: Map themes written into the QGIS project, one per task: (id, Chinese, English, roles shown). A role not
#: listed anywhere (a user's own layer) is shown in every theme; ``None`` means "as the app shows it".
THEMES: tuple[tuple[str, str, str, frozenset[str] | None], ...] = (
    ("app", "应用中的图层显示", "As in the app", None),
    ("ledger", "碳汇台账", "Sink ledger", frozenset({"ledger", "boundary", "forest", "wetland", "protected"})),
    ("field", "外业核查", "Field check", frozenset({"dem", "hillshade", "forest", "wetland", "protected", "roads",
                                                  "projects", "boundary"})),
    ("siting", "新能源选址", "Renewable siting", frozenset({"dem", "hillshade", "landcover", "farmland", "redline",
                                                        "protected", "roads", "substations", "projects", "boundary",
                                                        "siting_exclusions", "siting_suitability",
                                                        "siting_regions"})),
)
THEMED_ROLES = frozenset().union(*(roles for *_, roles in THEMES if roles is not None))

#: GPX waypoints come from point layers and from the centres of these polygon layers.
WAYPOINT_CENTROID_ROLES = ("ledger", "siting_regions")

#: Field names tried, in order, for a feature's name (KML placemark, GPX waypoint).
NAME_FIELDS = ("name", "NAME", "Name", "名称", "单元", "XMMC", "MC", "BDZMC", "SDMC", "BHDMC", "HXMC", "DLMC", "JBNTBH")


@dataclass
class Area:
    """The area packaged: a city, a county or zone, or a user's zones (their union)."""

    kind: str  # city / county / zone / zones
    name: str
    geometry: Any  # shapely (multi)polygon, EPSG:4490
    units: Any  # GeoDataFrame: name, adcode, level, parent, geometry (EPSG:4490)
    adcode: str | None = None
    source: str = ""


@dataclass
class Provenance:
    """Where a layer comes from and under which terms; ``synthetic``: the demo world's (or made from it)."""

    source: str
    licence: str
    synthetic: bool = False
    notes: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"source": self.source, "licence": self.licence, "synthetic": self.synthetic}
        if self.synthetic:
            out["data_label"] = "synthetic demo data — 演示数据（合成），非真实调查数据"
        if self.notes:
            out["notes"] = self.notes
        return out


@dataclass
class SourceLayer:
    """A layer handed to the package: the app's :class:`LayerSpec` (file, layer, role, style, visibility,
    display name) or an in-memory ``frame`` (the ledger units, the boundaries), and its provenance.

    ``refine_style``: derive the style from the data as the app does for a new layer (the forest's land
    classes…), instead of taking ``spec.style`` as it is (a project's layer keeps its user's style).
    """

    spec: LayerSpec
    provenance: Provenance
    frame: Any = None  # GeoDataFrame in EPSG:4490 (already within the area) or None: read spec.path
    name_en: str | None = None
    refine_style: bool = False
    clip: bool = True
    trusted: bool = False  # sinkmap's own demo files: read without the checks user files get


@dataclass
class PackedLayer:
    """A layer as it went into the package (after clipping)."""

    id: str  # ASCII: GeoPackage table, file stem, KML folder id
    name: str  # display name (as the app shows it)
    name_en: str
    kind: str  # vector / raster
    role: str | None
    style: Style
    visible: bool
    provenance: Provenance
    frame: Any = None  # vector: GeoDataFrame EPSG:4490
    geom_kind: str = ""  # polygon / line / point
    wkb_type: str = ""  # MultiPolygon, MultiLineString, Point…
    raster: Path | None = None  # raster: its file inside the package folder
    raster_info: dict[str, Any] = field(default_factory=dict)
    source_features: int = 0  # features of the source inside the area's box
    cut_features: int = 0  # features cut at the area's edge
    blend: str | None = None  # "multiply" for the hillshade
    derived_from: str | None = None  # id of the layer it was made from (hillshade ← DEM)

    @property
    def count(self) -> int:
        return 0 if self.frame is None else len(self.frame)


@dataclass
class PackageSpec:
    """Everything :func:`~sinkmap.export.package.build.build_package` needs."""

    area: Area
    layers: list[SourceLayer]  # drawing order: first = bottom (as the app's project)
    out: Path
    year: int
    gcj02_kmz: bool = False
    parameters: dict[str, Any] = field(default_factory=dict)  # the job's parameters, for the manifest
    title: str = ""
    lang: str = "zh_CN"
    notes: list[Any] = field(default_factory=list)  # Notices to repeat in the manifest (no ledger…)


def role_name(role: str | None, zh: bool = True) -> str | None:
    names = ROLE_NAMES.get(role or "")
    return None if names is None else names[0 if zh else 1]


__all__ = ["Area", "NAME_FIELDS", "PackageSpec", "PackedLayer", "Provenance", "ROLE_NAMES", "SourceLayer", "THEMES",
           "THEMED_ROLES", "WAYPOINT_CENTROID_ROLES", "role_name"]
