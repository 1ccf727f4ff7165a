"""The pumped-storage search on one DEM: the reference's four stages, timed, with sinkmap's ranking.

``search(terrain, options)`` runs

1. **hydrology** — ε-filling, D8 flow, upstream masks, accumulation (:mod:`.hydro`);
2. **screening** — dam sites and their reservoirs at walls of 10–150 m (:mod:`.screening`);
3. **pairing** — pairs holding ``energy_gwh`` for ``hours`` (:mod:`.pairing`);
4. **selection** — the final reservoirs and the non-overlapping set (:mod:`.construct`; the reference's
   pretty set and constructor).

Ranking (the order in which the greedy selection takes pairs): ``cost`` (figure of merit, as the
reference), ``carbon`` (CO₂ of the forest the two reservoirs flood, estimated from per-cell rasters at the
pairing's wall heights; then cost), or ``combined``: ``(1 − w)·cost' + w·carbon'`` with each term scaled to
0–1 over the candidate pairs (min–max) and ``w`` the carbon weight. Without forest rasters only ``cost``
ranks; the result says so.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ...core.feedback import Feedback, SubFeedback, ensure
from ...core.messages import Notice
from .constants import PhesSettings, required_volume_gl
from .construct import Selected, select
from .dem import Terrain, check_size
from .pairing import Pairs, pair_reservoirs
from .screening import Reservoirs, blocked_cells, find_dam_sites, screen_reservoirs

RANKS = ("cost", "carbon", "combined")
#: Layers of the impact rasters, in order (per cell: forest ha, stock m³, CO₂ t).
IMPACT_LAYERS = ("forest_area_ha", "forest_stock_m3", "co2_t")
CO2 = 2


@dataclass
class SearchOptions:
    energy_gwh: float
    hours: float
    rank: str = "cost"
    carbon_weight: float = 0.5
    limit: int | None = None  # stop the selection after this many pairs (None: the whole non-overlapping set)
    threads: int = 2
    settings: PhesSettings = field(default_factory=PhesSettings)


@dataclass
class SearchResult:
    terrain: Terrain
    options: SearchOptions
    reservoirs: Reservoirs
    pairs: Pairs
    order: np.ndarray  # the ranking of the rough pairs
    selected: Selected
    rank_used: str
    timings: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)
    notices: list = field(default_factory=list)
    zf: np.ndarray | None = None  # filled heights (whole metres)


def _timed(timings: dict, key: str, t0: tuple[float, float]) -> tuple[float, float]:
    """Record the wall and CPU seconds (all threads) since ``t0`` under ``key``; a new start."""
    t = (time.perf_counter(), time.process_time())
    timings[key] = round(t[0] - t0[0], 3)
    timings.setdefault("cpu", {})[key] = round(t[1] - t0[1], 3)
    return t


@dataclass
class Screened:
    """The first two stages on one DEM (or one tile's window): the reservoirs and what selection needs."""

    reservoirs: Reservoirs
    up: np.ndarray  # upstream bits per cell
    blocked: np.ndarray  # cells that limit a wall
    zf: np.ndarray  # filled heights (whole metres)
    counts: dict
    timings: dict  # stage → wall s, with "cpu": stage → CPU s


def screen(terrain: Terrain, s: PhesSettings, *, dens: np.ndarray | None = None, exclude: np.ndarray | None = None,
           threads: int = 2, feedback: Feedback | None = None, stop: np.ndarray | None = None) -> Screened:
    """Hydrology and screening of ``terrain`` (dam sites in ``terrain.screen``). Cancel: ``feedback.check()``
    after every kernel; ``stop`` (see :func:`._threads.cancel_watch`) makes a running kernel return early."""
    from . import hydro

    feedback = ensure(feedback)
    stop = hydro.no_stop() if stop is None else stop
    timings: dict = {}
    t = (time.perf_counter(), time.process_time())
    feedback.progress(0.0, "填洼 filling depressions")
    filled = hydro.fill_eps(terrain.z, terrain.valid, stop)
    feedback.check()
    t = _timed(timings, "fill", t)
    feedback.progress(0.15, "流向 flow directions")
    fdir = hydro.flow_directions(filled, terrain.valid, terrain.dx, terrain.dy, threads, stop)
    feedback.check()
    zf = hydro.round_filled(filled, terrain.valid)  # one quick pass (~0.1 s a tile)
    del filled
    up = hydro.upstream_mask(fdir, threads, stop)
    feedback.check()
    t = _timed(timings, "flow_directions", t)
    feedback.progress(0.22, "汇流 accumulation")
    acc = hydro.accumulate(fdir, up, terrain.area_ha, stop)
    feedback.check()
    t = _timed(timings, "accumulation", t)
    feedback.progress(0.28, "坝址 dam sites")
    sites = find_dam_sites(zf, fdir, acc, terrain.screen, float(s.min_watershed_ha), int(s.contour_m), stop)
    feedback.check()
    del fdir
    ex = np.zeros((0, 0), np.bool_) if exclude is None else np.ascontiguousarray(exclude, dtype=np.bool_)
    blocked = blocked_cells(terrain.valid, ex, stop)
    feedback.check()
    res = screen_reservoirs(zf, up, blocked, acc, sites, terrain.area_ha, terrain.dx, terrain.dy, s, dens=dens,
                            threads=threads, feedback=SubFeedback(feedback, 0.28, 1.0), stop=stop)
    feedback.check()
    del acc
    _timed(timings, "screening", t)
    counts = {"cells": int(terrain.z.size), "dam_sites": int(sites.size), "reservoirs": len(res)}
    return Screened(reservoirs=res, up=up, blocked=blocked, zf=zf, counts=counts, timings=timings)


def search(terrain: Terrain, options: SearchOptions, *, dens: np.ndarray | None = None,
           exclude: np.ndarray | None = None, feedback: Feedback | None = None) -> SearchResult:
    """Run the four stages on ``terrain``. ``dens``: (3, rows·cols) float32 impact values per cell
    (:data:`IMPACT_LAYERS`), or None; ``exclude``: cells no reservoir may flood (the reference's filter).
    Cancel (the feedback's) is honoured inside every kernel within about a tenth of a second."""
    from ._threads import cancel_watch

    feedback = ensure(feedback)
    check_size(terrain, options.settings.min_watershed_ha)
    threads = max(1, int(options.threads))
    with cancel_watch(feedback) as stop:
        sc = screen(terrain, options.settings, dens=dens, exclude=exclude, threads=threads,
                    feedback=SubFeedback(feedback, 0.0, 0.7), stop=stop)
        upper_ok = (np.ones(len(sc.reservoirs), bool) if terrain.upper is None
                    else terrain.upper.ravel()[sc.reservoirs.site])
        return finish(terrain, sc, upper_ok, options, dens=dens, feedback=feedback, stop=stop)


def finish(terrain: Terrain, sc: Screened, upper_ok: np.ndarray, options: SearchOptions, *,
           dens: np.ndarray | None, feedback: Feedback, stop: np.ndarray) -> SearchResult:
    """Pairing, ranking and the non-overlapping selection of the screened reservoirs ``sc`` on ``terrain``
    (whose ``z`` holds the heights as read: the selection models the reservoirs on them)."""
    s = options.settings
    threads = max(1, int(options.threads))
    res = sc.reservoirs
    notices: list = []
    timings = dict(sc.timings)
    timings["cpu"] = dict(sc.timings.get("cpu", {}))
    counts = dict(sc.counts)
    if len(res) == 0:
        notices.append(Notice("analysis.phes.no_reservoirs", sites=counts.get("dam_sites", 0),
                              volume=s.min_reservoir_gl, water_rock=s.min_reservoir_water_rock))
    t = (time.perf_counter(), time.process_time())
    feedback.progress(0.7, "配对 pairing")
    pairs = pair_reservoirs(res, upper_ok, terrain.shape[1], terrain.dx, terrain.dy, options.energy_gwh,
                            options.hours, s, threads=threads, feedback=SubFeedback(feedback, 0.7, 0.8), stop=stop)
    feedback.check()
    t = _timed(timings, "pairing", t)
    counts["rough_pairs"] = len(pairs)
    counts["rejected"] = dict(pairs.rejected)
    rank = options.rank
    if rank != "cost" and dens is None:
        notices.append(Notice("analysis.phes.rank_without_forest", rank=rank))
        rank = "cost"
    order = rank_order(pairs, rank, options.carbon_weight)
    feedback.progress(0.8, "不重叠组合 non-overlapping set")
    sel = select(pairs, res, order, terrain.z, sc.up, sc.blocked, dens, terrain.area_ha, terrain.dx, terrain.dy,
                 options.energy_gwh, options.hours, s, limit=options.limit, stop=stop)
    feedback.check()
    _timed(timings, "selection", t)
    cpu = timings.pop("cpu")
    timings.pop("total", None)
    cpu.pop("total", None)
    timings["total"] = round(sum(v for v in timings.values() if isinstance(v, (int, float))), 3)
    cpu["total"] = round(sum(cpu.values()), 3)
    timings["cpu"] = cpu
    counts["selected"] = len(sel)
    counts["selection_outcomes"] = dict(sel.outcomes)
    if len(res) and not len(pairs):
        notices.append(_why_no_pairs(res, pairs, options, s))
    elif len(pairs) and not len(sel):
        notices.append(Notice("analysis.phes.none_selected", pairs=len(pairs)))
    feedback.progress(1.0, "完成 done")
    return SearchResult(terrain=terrain, options=options, reservoirs=res, pairs=pairs, order=order, selected=sel,
                        rank_used=rank, timings=timings, counts=counts, notices=notices, zf=sc.zf)


def rank_order(pairs: Pairs, rank: str, carbon_weight: float = 0.5) -> np.ndarray:
    """Indices of ``pairs`` best first. Ties: lower figure of merit, then input order."""
    n = len(pairs)
    idx = np.arange(n)
    if rank == "cost" or n == 0 or pairs.impact.shape[1] <= CO2:
        return np.lexsort((idx, pairs.fom))
    co2 = pairs.impact[:, CO2]
    if rank == "carbon":
        return np.lexsort((idx, pairs.fom, co2))
    w = float(carbon_weight)
    return np.lexsort((idx, pairs.fom, combined_score(pairs.fom, co2, w)))


def combined_score(fom: np.ndarray, co2: np.ndarray, weight: float) -> np.ndarray:
    """``(1 − w)·(fom − min)/(max − min) + w·(co2 − min)/(max − min)`` (a term with no spread counts 0)."""
    def scaled(x):
        lo, hi = float(np.min(x)), float(np.max(x))
        return np.zeros_like(x, dtype=float) if hi <= lo else (x - lo) / (hi - lo)
    return (1.0 - weight) * scaled(fom) + weight * scaled(co2)


def _why_no_pairs(res: Reservoirs, pairs: Pairs, options: SearchOptions, s: PhesSettings) -> Notice:
    """Why no pair was found: when no two reservoirs could hold the energy even at the best head, say so
    with the figures; else the count of candidates each rule turned down."""
    vmax = float(res.volumes[:, -1].max())
    heads = res.elev.max() - res.elev.min()
    head = float(min(heads, s.max_head_m))
    if head < s.min_head_m:
        return Notice("analysis.phes.no_head", head=int(heads), min_head=s.min_head_m)
    need = required_volume_gl(options.energy_gwh, head, s)
    if need > vmax:
        # the most any pair of these reservoirs could store: the largest volume at the largest head
        most = vmax * head * s.water_density * s.gravity * s.efficiency * s.usable_fraction * 1e6 / 3.6e12
        return Notice("analysis.phes.energy_too_large", energy=f"{options.energy_gwh:g}", volume=f"{vmax:,.1f}",
                      head=int(head), most=f"{most:,.2f}", need=f"{need:,.1f}")
    reasons = ", ".join(f"{k} {v:,}" for k, v in pairs.rejected.items() if v)
    return Notice("analysis.phes.no_pairs", reservoirs=len(res), reasons=reasons or "—",
                  energy=f"{options.energy_gwh:g}", hours=f"{options.hours:g}",
                  power=f"{1000.0 * options.energy_gwh / options.hours:,.0f}", limit=f"{s.max_fom(options.hours, False):,.0f}")


__all__ = ["IMPACT_LAYERS", "RANKS", "Screened", "SearchOptions", "SearchResult", "combined_score", "finish",
           "rank_order", "screen", "search"]
