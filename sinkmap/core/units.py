"""Unit conversions of the ledger, in one place: hectares ↔ 万公顷, m³ ↔ 万m³, t ↔ 万t, km² ↔ ha.

The plans state wetland area in 万公顷 and stock in 万m³; the ledger measures areas in hectares and
km² and stock in m³. Every conversion between them goes through these functions (None stays None).
"""

from __future__ import annotations

HA_PER_KM2 = 100.0
M2_PER_HA = 10_000.0
M2_PER_KM2 = 1_000_000.0
HA_PER_MU = 1.0 / 15.0  # 1 亩 = 666.67 m²
HA_PER_10K_HA = 10_000.0
M3_PER_10K_M3 = 10_000.0
T_PER_10K_T = 10_000.0


def _scale(value: float | None, factor: float) -> float | None:
    return None if value is None else value * factor


def ha_to_10k_ha(ha: float | None) -> float | None:
    return None if ha is None else ha / HA_PER_10K_HA


def ten_k_ha_to_ha(value: float | None) -> float | None:
    return _scale(value, HA_PER_10K_HA)


def m3_to_10k_m3(m3: float | None) -> float | None:
    return None if m3 is None else m3 / M3_PER_10K_M3


def t_to_10k_t(t: float | None) -> float | None:
    return None if t is None else t / T_PER_10K_T


def km2_to_ha(km2: float | None) -> float | None:
    return _scale(km2, HA_PER_KM2)


def ha_to_km2(ha: float | None) -> float | None:
    return None if ha is None else ha / HA_PER_KM2


def m2_to_ha(m2: float | None) -> float | None:
    return None if m2 is None else m2 / M2_PER_HA
