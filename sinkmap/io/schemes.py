"""Classification schemes (三调, ESA WorldCover, custom) are data: YAML files in ``layers/schemes/``.

A scheme maps class codes (strings in vector layers, integers in rasters) to a group. Groups decide what
counts toward the indicators:

* forest coverage: ``tree_forest`` and ``bamboo`` (and ``shrub`` when the user says the shrubland is
  国家特别规定灌木林地), plus any class flagged ``tree_forest: true`` (e.g. mangroves). A scheme that tells
  国家特别规定灌木林地 apart (group ``shrub_special``, e.g. the forest inventory's 0131) counts that group under
  the same setting and never counts its plain ``shrub`` (其他灌木林地);
* wetland: ``wetland``, plus ``water`` under the broad definition (rivers, lakes, reservoirs), which is
  what the plans' 湿地面积 figures include.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..core import yamlio
from . import yamlcache
from ..core.errors import InputError
from ..core.messages import clip
from .catalogue import layer_path

FOREST_GROUPS = frozenset({"tree_forest", "bamboo"})
SPECIAL_SHRUB_GROUP = "shrub_special"  # 国家特别规定灌木林地, where a scheme can tell it apart


@dataclass(frozen=True)
class SchemeClass:
    code: str
    value: int
    name_zh: str
    name_en: str
    group: str
    color: str = "#888888"
    tree_forest: bool = False  # counts as forest whatever its group (mangroves)


@dataclass(frozen=True)
class Scheme:
    name: str
    title_zh: str
    title_en: str
    classes: tuple[SchemeClass, ...]
    basis: str = ""
    source: str = ""
    _by_code: dict = field(default_factory=dict, compare=False, repr=False)
    _by_value: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for c in self.classes:
            self._by_code[_norm(c.code)] = c
            self._by_value[c.value] = c

    def lookup(self, code: object) -> SchemeClass | None:
        """The class of a code as found in a layer: '0301', '301', 301, 301.0 all give 乔木林地."""
        if code is None:
            return None
        if isinstance(code, (int, float)) and not isinstance(code, bool):
            if code != code:  # NaN
                return None
            return self._by_value.get(int(code)) or self._by_code.get(_norm(str(int(code))))
        return self._by_code.get(_norm(str(code)))

    @property
    def distinguishes_special_shrub(self) -> bool:
        """True when the scheme has a 国家特别规定灌木林地 class (group ``shrub_special``)."""
        return any(c.group == SPECIAL_SHRUB_GROUP for c in self.classes)

    def is_forest(self, c: SchemeClass, include_special_shrub: bool = False) -> bool:
        if c.tree_forest or c.group in FOREST_GROUPS:
            return True
        if c.group == SPECIAL_SHRUB_GROUP:
            return include_special_shrub
        return include_special_shrub and c.group == "shrub" and not self.distinguishes_special_shrub

    def is_wetland(self, c: SchemeClass, include_water: bool = True) -> bool:
        return c.group == "wetland" or (include_water and c.group == "water")

    def values(self, predicate) -> list[int]:
        return [c.value for c in self.classes if predicate(c)]


def _norm(code: str) -> str:
    code = code.strip().upper()
    if code.endswith(".0"):
        code = code[:-2]
    return code.lstrip("0") or "0"


#: Raster values a class may have (what a GDAL integer raster can hold).
VALUE_RANGE = (-(2**31), 2**32 - 1)


def _check_classes(classes: tuple[SchemeClass, ...], path: Path) -> None:
    """Each class value within :data:`VALUE_RANGE`, and no value or code given twice."""
    seen_values: dict[int, str] = {}
    seen_codes: dict[str, str] = {}
    for c in classes:
        if not VALUE_RANGE[0] <= c.value <= VALUE_RANGE[1]:
            raise InputError(code="io.scheme.value_range", path=path, cls=c.code, value=c.value,
                             lo=VALUE_RANGE[0], hi=VALUE_RANGE[1])
        if c.value in seen_values:
            raise InputError(code="io.scheme.duplicate", path=path, what=c.value,
                             first=seen_values[c.value], second=c.name_zh)
        if _norm(c.code) in seen_codes:
            raise InputError(code="io.scheme.duplicate", path=path, what=c.code,
                             first=seen_codes[_norm(c.code)], second=c.name_zh)
        seen_values[c.value] = c.name_zh
        seen_codes[_norm(c.code)] = c.name_zh


def available_schemes() -> list[str]:
    return sorted(p.stem for p in layer_path("schemes").glob("*.yaml"))


@lru_cache(maxsize=32)
def load_scheme(name_or_path: str) -> Scheme:
    """A bundled scheme by name (``sandiao``, ``worldcover``) or a user's scheme file (YAML, same form)."""
    path = Path(name_or_path)
    if not path.suffix:
        path = layer_path("schemes", f"{name_or_path}.yaml")
        if not path.exists():
            raise InputError(code="io.scheme.unknown", name=name_or_path, schemes=", ".join(available_schemes()))
    if path.exists() and not path.is_file():
        raise InputError(code="io.scheme.not_a_file", path=path)
    try:
        doc = yamlcache.load(path.read_text(encoding="utf-8"))
        if not isinstance(doc, dict) or not isinstance(doc.get("classes"), list) or not doc["classes"]:
            raise InputError(code="io.scheme.no_classes", path=path)
        if not all(isinstance(c, dict) for c in doc["classes"]):
            raise InputError(code="io.scheme.class_not_mapping", path=path)
        classes = tuple(
            SchemeClass(
                code=str(c["code"]), value=int(c["value"]), name_zh=str(c["name_zh"]),
                name_en=str(c.get("name_en", c["name_zh"])), group=str(c["group"]),
                color=str(c.get("color", "#888888")), tree_forest=bool(c.get("tree_forest", False)),
            )
            for c in doc["classes"]
        )
    except FileNotFoundError:
        raise InputError(code="io.scheme.not_found", path=path) from None
    except OSError as exc:
        raise InputError(code="io.scheme.unreadable", path=path, detail=clip(exc.strerror or exc)) from None
    except (yamlio.YAMLError, KeyError, TypeError, ValueError, RecursionError) as exc:
        raise InputError(code="io.scheme.invalid", path=path, detail=clip(exc)) from None
    _check_classes(classes, path)
    return Scheme(
        name=str(doc.get("name", path.stem)), title_zh=str(doc.get("title_zh", path.stem)),
        title_en=str(doc.get("title_en", path.stem)), classes=classes, basis=str(doc.get("basis", "")),
        source=str(path),
    )
