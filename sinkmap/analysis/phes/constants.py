"""The constants of the pumped-storage search, as the reference method sets them.

Values are those of the ANU RE100 global pumped-hydro atlas (``ANU-RE100/PHES_Searching``, its
``example_variables`` file read with ``src/variable_parser.cpp``); the formulas they feed are in
``src/phes_base.cpp`` (``convert_to_dam_volume``, ``find_required_volume``, ``set_FOM``). sinkmap reads
them from here and nowhere else; :class:`PhesSettings` holds one run's copy (a test or a user may change
a value without touching the module).

Units: heights and lengths in metres, areas in hectares, volumes in gigalitres (GL = 10⁶ m³), energy in
GWh, power in MW, costs in US$ (the reference's cost model; ``fom`` is US$ per kW of power).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Dam wall heights tested in screening (m): example_variables ``dam_wall_heights``.
WALL_HEIGHTS = tuple(float(h) for h in range(10, 151, 10))

#: Class cut-offs: (class, power cost US$/kW, storage cost US$/kWh); a pair is in the best class whose
#: ``power + hours × storage`` its figure of merit stays under (example_variables ``A = 533, 47`` …).
CLASS_CUTOFFS = (("A", 533.0, 47.0), ("B", 666.0, 59.0), ("C", 800.0, 70.0), ("D", 933.0, 82.0),
                 ("E", 1066.0, 94.0))


@dataclass(frozen=True)
class CostModel:
    """The reference's figure-of-merit model (``set_FOM``): powerhouse, tunnel and dam costs."""

    powerhouse_coeff: float = 63_500_000.0
    power_exp: float = 0.75
    head_exp: float = 0.5
    power_slope_factor: float = 1280.0
    slope_int: float = 208_500.0
    head_coeff: float = -0.54
    power_offset: float = 66_429.0
    tunnel_fixed: float = 17_000_000.0
    dam_cost: float = 168.0  # US$ per m³ of rock in the dam walls
    power_cap_mw: float = 800.0  # the powerhouse and tunnel terms saturate at 800 MW (MIN(power, 800))


@dataclass(frozen=True)
class PhesSettings:
    """One run's settings. Defaults: the reference's ``example_variables``."""

    # dams (General)
    dam_batter: float = 3.0  # horizontal : vertical slope of both faces
    crest_width_m: float = 10.0
    freeboard_m: float = 1.5
    # screening
    min_watershed_ha: float = 10.0  # a stream drains at least this (upstream area, the cell excluded)
    contour_m: int = 10  # a dam site where a stream crosses each contour
    wall_heights: tuple[float, ...] = WALL_HEIGHTS
    min_reservoir_gl: float = 1.0  # at the highest wall
    min_reservoir_water_rock: float = 3.0  # at the best wall height
    min_max_dam_height_m: float = 5.0
    # pairing
    min_head_m: int = 100
    max_head_m: int = 1600
    min_pair_water_rock: float = 1.5
    min_slope: float = 0.05  # head / separation between the nearest points of the two reservoirs
    min_pp_slope: float = 0.03  # head / separation of the two dam sites (a quick first cut)
    max_lowers_per_upper: int = 100
    tolerance_on_fom: float = 0.1  # rough pairs kept up to (1 + tolerance) × the class-E limit
    # common
    gravity: float = 9.8
    efficiency: float = 0.9  # generation efficiency
    usable_fraction: float = 0.85  # usable share of the stored volume
    water_density: float = 1000.0
    # final modelling of each reservoir
    volume_accuracy: float = 0.05  # the modelled volume within ±5 % of the volume required
    wall_step_m: float = 0.5  # dam wall height resolution
    min_dam_height_m: float = 5.0
    cost: CostModel = field(default_factory=CostModel)
    classes: tuple[tuple[str, float, float], ...] = CLASS_CUTOFFS

    @property
    def max_wall_m(self) -> int:
        return int(max(self.wall_heights))

    def heights(self) -> np.ndarray:
        return np.asarray(sorted(self.wall_heights), dtype=np.float64)

    def class_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(class letters as codes, power cost, storage cost), best class first."""
        order = sorted(self.classes)
        return (np.array([ord(c[0]) for c in order], np.int64), np.array([c[1] for c in order]),
                np.array([c[2] for c in order]))

    def max_fom(self, hours: float, tolerance: bool = True) -> float:
        """The class-E limit for ``hours`` of storage (× 1 + tolerance for the rough pairs, as the reference's
        pairing does; the reference casts it to a whole number)."""
        worst = max(self.classes)
        limit = worst[1] + hours * worst[2]
        return float(int(limit * (1.0 + self.tolerance_on_fom))) if tolerance else float(int(limit))


def required_volume_gl(energy_gwh: float, head_m: float, s: PhesSettings | None = None) -> float:
    """Volume each reservoir must hold (GL) to store ``energy_gwh`` at ``head_m``:
    ``V = E · 3.6e12 / (head · ρ · g · η · u · 1e6)`` (reference ``find_required_volume``)."""
    s = s or PhesSettings()
    return energy_gwh * 3.6e12 / (head_m * s.water_density * s.gravity * s.efficiency * s.usable_fraction * 1e6)


def dam_volume_gl(height_m: float, length_m: float, s: PhesSettings | None = None) -> float:
    """Rock in a wall ``height_m`` high (freeboard added) and ``length_m`` long, GL: a trapezoid with the
    crest width on top and ``batter``:1 faces (reference ``convert_to_dam_volume``)."""
    s = s or PhesSettings()
    h = height_m + s.freeboard_m
    return h * (s.crest_width_m + s.dam_batter * h) / 1e6 * length_m


__all__ = ["CLASS_CUTOFFS", "CostModel", "PhesSettings", "WALL_HEIGHTS", "dam_volume_gl", "required_volume_gl"]
