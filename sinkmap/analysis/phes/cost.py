"""The reference's cost model: figure of merit (US$ per kW) and cost class A–E of a pair.

``set_FOM`` of ``PHES_Searching/src/phes_base.cpp``, with P = 1000·E/h MW, s the separation (km), H the head (m) and
Pc = min(P, 800):

* powerhouse = 63.5e6 · Pc^0.75 / H^0.5;
* tunnel = (1280·Pc + 208 500) · H^−0.54 · 1000·s + (66 429·Pc + 17e6);
* above 800 m of head both are costed for two stations of half the power and half the head, doubled;
* power cost (US$/kW) = 0.001 · (powerhouse + tunnel) / Pc;
* energy cost (US$/kWh) = 168 / (water/rock · η · u · ρ · g · H) · 3.6e12 / 1e6 (the dams' rock at 168 US$/m³);
* FOM = power cost + hours × energy cost; class: the best letter whose ``power + hours × storage`` limit the FOM
  stays under; none (``Z``) above class E.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .constants import PhesSettings


@numba.njit(cache=True, nogil=True, error_model="numpy")
def fom_kernel(head, separation_km, water_rock, energy_gwh, hours, cm, eta, usable, rho, g):
    """Figure of merit; ``cm`` = (powerhouse_coeff, power_exp, head_exp, power_slope_factor, slope_int,
    head_coeff, power_offset, tunnel_fixed, dam_cost, power_cap_mw)."""
    power = 1000.0 * energy_gwh / hours
    energy_cost = cm[8] / (water_rock * eta * usable * rho * g * head) * 3.6e12 / 1.0e6
    if head > 800.0:
        p = power / 2.0
        hh = head / 2.0
        pc = min(p, cm[9])
        house = 2.0 * cm[0] * pc ** cm[1] / hh ** cm[2]
        tunnel = 2.0 * ((cm[3] * pc + cm[4]) * hh ** cm[5] * separation_km * 1000.0 + (cm[6] * pc + cm[7]))
    else:
        pc = min(power, cm[9])
        house = cm[0] * pc ** cm[1] / head ** cm[2]
        tunnel = (cm[3] * pc + cm[4]) * head ** cm[5] * separation_km * 1000.0 + (cm[6] * pc + cm[7])
    power_cost = 0.001 * (house + tunnel) / min(power, cm[9])
    return power_cost + energy_cost * hours


@numba.njit(cache=True, nogil=True, error_model="numpy")
def class_kernel(fom, hours, letters, power_cost, storage_cost):
    """Code of the best class whose limit ``fom`` is under (``letters`` best first), or ord('Z')."""
    for i in range(letters.shape[0]):
        if fom < power_cost[i] + hours * storage_cost[i]:
            return letters[i]
    return 90  # 'Z'


def cost_vector(s: PhesSettings) -> np.ndarray:
    c = s.cost
    return np.array([c.powerhouse_coeff, c.power_exp, c.head_exp, c.power_slope_factor, c.slope_int, c.head_coeff,
                     c.power_offset, c.tunnel_fixed, c.dam_cost, c.power_cap_mw], np.float64)


def figure_of_merit(head_m: float, separation_km: float, water_rock: float, energy_gwh: float, hours: float,
                    s: PhesSettings | None = None) -> float:
    """The figure of merit (US$/kW) of one pair."""
    s = s or PhesSettings()
    return float(fom_kernel(float(head_m), float(separation_km), float(water_rock), float(energy_gwh), float(hours),
                            cost_vector(s), s.efficiency, s.usable_fraction, s.water_density, s.gravity))


def cost_class(fom: float, hours: float, s: PhesSettings | None = None) -> str:
    """'A'…'E', or 'Z' when the pair is dearer than class E."""
    s = s or PhesSettings()
    letters, pc, sc = s.class_arrays()
    return chr(class_kernel(float(fom), float(hours), letters, pc, sc))


def capital_cost_musd(fom: float, energy_gwh: float, hours: float) -> float:
    """The figure of merit times the power: a capital cost in millions of US$ (the reference's model)."""
    return fom * 1000.0 * energy_gwh / hours * 1000.0 / 1e6 if math.isfinite(fom) else math.nan


__all__ = ["capital_cost_musd", "class_kernel", "cost_class", "cost_vector", "figure_of_merit", "fom_kernel"]
