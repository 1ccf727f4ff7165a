"""The sites of the report's impact tables on its map: each site of a ``site impact`` scenario found in the
layers given with ``--layer`` (the site file given to ``site impact``, or the GeoPackage it wrote with
``--out FILE.gpkg``) by its name, numbered #1, #2 … in the order the tables list them.

A ``site impact`` JSON carries no geometry (its sites are names and figures), so the footprints come from the
layers: a feature whose name field (``name``, ``名称`` … as ``site impact`` reads them) holds a site's name; a
layer without a name field stands for sites named 场址1, 场址2 … as ``site impact`` names them, when it has
as many features as the scenario has sites. Polygons are preferred to points (a point site's footprint is
in the GeoPackage ``site impact`` writes).
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: The fields ``site impact`` takes a site's name from (:data:`sinkmap.jobs.ledger.ZONE_NAME_FIELDS`).
NAME_FIELDS = ("name", "NAME", "Name", "名称", "MC", "ZONE", "zone", "QYMC", "XMMC")
#: Layer roles that are never sites (a layer named "sites" passes for plan projects: not excluded).
NOT_SITES = ("forest", "wetland", "protected", "boundary")


@dataclass
class SiteMark:
    number: int  # as labelled on the map: #number
    name: str
    geometry: object  # shapely, EPSG:4490
    layer: str  # the layer it was found in


@dataclass
class SiteMarks:
    marks: list[SiteMark] = field(default_factory=list)
    numbers: list[dict[str, int]] = field(default_factory=list)  # per scenario: site name -> number
    missing: list[tuple[str, list[str]]] = field(default_factory=list)  # (scenario, site names not found)
    layers: set[str] = field(default_factory=set)  # names of the layers the sites were found in

    def number_of(self, scenario: int, name: str) -> int | None:
        return self.numbers[scenario].get(name) if scenario < len(self.numbers) else None


def _candidates(layers) -> list[tuple[str, dict[str, list]]]:
    """(layer name, {site name: [geometry …]}) of the layers that may hold sites."""
    out = []
    for name, frame, role in layers:
        if role in NOT_SITES or not len(frame):
            continue
        col = next((c for c in NAME_FIELDS if c in frame.columns), None)
        names = ([str(v) for v in frame[col]] if col is not None else [f"场址{i + 1}" for i in range(len(frame))])
        by_name: dict[str, list] = {}
        for n, g in zip(names, frame.geometry.values):
            if g is not None and not g.is_empty:
                by_name.setdefault(n, []).append(g)
        out.append((name, by_name, col is not None, len(frame)))
    return out


def mark_sites(impacts: list[tuple[str, dict]], layers) -> SiteMarks:
    """Find each site of ``impacts`` ((file name, site.impact JSON)) in ``layers`` ((name, frame in EPSG:4490,
    role)); number them in table order, a site found in one place once."""
    import shapely

    result = SiteMarks()
    cands = _candidates(layers)
    by_key: dict[tuple[str, str], SiteMark] = {}
    for scenario, doc in impacts:
        numbers: dict[str, int] = {}
        missing = []
        sites = [str(s.get("name", "")) for s in doc.get("sites", []) if isinstance(s, dict)]
        for site in sites:
            found = None
            for layer, by_name, named, count in cands:
                if site not in by_name or (not named and count != len(sites)):
                    continue
                geoms = by_name[site]
                polygonal = all(g.geom_type in ("Polygon", "MultiPolygon") for g in geoms)
                if found is None or (polygonal and not found[2]):
                    found = (layer, shapely.union_all(geoms), polygonal)
            if found is None:
                missing.append(site)
                continue
            key = (found[0], site)
            if key not in by_key:
                by_key[key] = SiteMark(number=len(result.marks) + 1, name=site, geometry=found[1], layer=found[0])
                result.marks.append(by_key[key])
                result.layers.add(found[0])
            numbers[site] = by_key[key].number
        result.numbers.append(numbers)
        if missing:
            result.missing.append((scenario, missing))
    return result


__all__ = ["NAME_FIELDS", "SiteMark", "SiteMarks", "mark_sites"]
