"""Province scale: the pumped-storage search over many tiles, on threads or on Dask.

As the reference (``PHES_Searching`` screens one 1° tile at a time, reading a 600-cell border from its 8
neighbours), the DEM window is cut into tiles of ``tile_deg`` degrees (whole multiples of ``tile_deg`` in
longitude and latitude; for a projected DEM ``tile_deg × 111.32 km``), each read with a border of its own:

1. **screening per tile** (in parallel: one tile per Dask task with ``client``, else one after another on the
   local threads) — fill, flow, accumulation and dam sites on the tile's window (the tile and its border), dam
   sites only in the tile itself, each reservoir modelled on the window. Every cell belongs to exactly one
   tile (the tiles at the window's edge reach to it), so a dam site is found by one tile only; the
   reservoirs come back with their cells as indices of the whole window, and any found twice (it cannot
   happen with this split; checked and counted all the same) are kept once;
2. **pairing** over all the reservoirs at once, in the whole window's index space: a pair whose upper and
   lower lie in different tiles is found like any other (the reference pairs a tile's uppers with the lowers of
   its 8 neighbours);
3. **the non-overlapping selection** once, over all the pairs, on the mosaic of the tiles' own cells (heights,
   upstream bits, wall-limiting cells; ~4 bytes a cell plus the selection's 13).

The result equals the one-window search cell for cell when each tile's border holds every reservoir of its dam
sites and the fill sees the same spill points: the fill of a window drains at the window's edge, so a
depression (or a flat) touching a tile that spills only beyond its border is filled lower there, and a
reservoir reaching the border's edge is cut there (counted: ``tile_edge_reservoirs``). With the reference's
border (600 cells ≈ 18 km at 1″) neither happens on relief like Hunan's.

A Dask worker reads its tile from the DEM file itself: the file must be readable at the same path on every
worker (as ``sinkmap ledger``'s and ``site suitability``'s Dask modes).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from ...core.errors import Cancelled, InputError
from ...core.feedback import Feedback, NullFeedback, SubFeedback, ensure
from .constants import PhesSettings
from .dem import DemWindow, Terrain, row_geometry, to_whole_metres
from .hydro import VOID_Z
from .screening import Reservoirs

#: Metres per degree used to size the tiles of a projected DEM.
M_PER_DEG = 111_320.0
#: Cells of the whole window the selection holds at once (about 17 bytes each, 29 with forest rasters).
MAX_MOSAIC_CELLS = 100_000_000


@dataclass
class Tile:
    own: tuple[int, int, int, int]  # rows r0:r1, cols c0:c1 of the whole window this tile answers for
    win: tuple[int, int, int, int]  # the rows/cols it reads (own + border, clipped to the window)


@dataclass
class TilePlan:
    """Everything a worker needs for one tile (picklable; scattered once to Dask)."""

    window: DemWindow
    dx: np.ndarray  # per row of the whole window
    dy: np.ndarray
    area_ha: np.ndarray
    geographic: bool
    border_cells: int  # no dam site this close to the window's edge
    tiles: list[Tile]
    tile_border: int = 0  # cells read around each tile
    settings: PhesSettings = field(default_factory=PhesSettings)
    area_wkb: bytes | None = None  # upper reservoirs' dam sites only inside (DEM CRS)
    exclude: list = field(default_factory=list)  # geometries (DEM CRS) no reservoir may flood
    impact: tuple | None = None  # (geometries, values) of :func:`.impact.impact_spec`
    threads: int = 1

    @property
    def shape(self) -> tuple[int, int]:
        return self.window.shape


def _cuts(lo: int, hi: int, origin: float, cell: float, step: float) -> list[int]:
    """Cell edges in ``(lo, hi)`` nearest to the whole multiples of ``step`` (coordinate = origin + cell·i)."""
    a = origin + cell * lo
    b = origin + cell * hi
    k0, k1 = sorted((a / step, b / step))
    out = []
    for k in range(math.floor(k0), math.ceil(k1) + 1):
        i = round((k * step - origin) / cell)
        if lo < i < hi and i not in out:
            out.append(i)
    return sorted(out)


def plan_tiles(window: DemWindow, *, tile_deg: float = 1.0, tile_border: int | None = None, border_cells: int = 0,
               area_4490=None, settings: PhesSettings | None = None, threads: int = 1) -> TilePlan:
    """Cut ``window`` into tiles of ``tile_deg`` (see the module docstring); ``tile_border`` cells read around
    each (default: a sixth of a tile, the reference's 600 cells for 3600)."""
    from pyproj import CRS

    h, w = window.shape
    crs = CRS.from_wkt(window.crs_wkt)
    a, _, c, _, e, f = window.transform
    step = float(tile_deg) if crs.is_geographic else float(tile_deg) * M_PER_DEG
    cells = max(1, round(step / abs(a)))
    border = int(tile_border) if tile_border is not None else max(1, -(-cells // 6))
    b = max(0, int(border_cells))
    rows = [0, *_cuts(b, h - b, f, e, step), h]
    cols = [0, *_cuts(b, w - b, c, a, step), w]
    tiles = []
    for r0, r1 in zip(rows[:-1], rows[1:]):
        for c0, c1 in zip(cols[:-1], cols[1:]):
            tiles.append(Tile(own=(r0, r1, c0, c1), win=(max(0, r0 - border), min(h, r1 + border),
                                                         max(0, c0 - border), min(w, c1 + border))))
    dx, dy, area = row_geometry(window.transform, h, crs)
    area_wkb = None
    if area_4490 is not None:
        from ..siting.grid import _to_crs

        area_wkb = _to_crs(area_4490, "EPSG:4490", crs.to_string()).wkb
    return TilePlan(window=window, dx=dx, dy=dy, area_ha=area, geographic=bool(crs.is_geographic), border_cells=b,
                    tiles=tiles, tile_border=border, settings=settings or PhesSettings(), area_wkb=area_wkb,
                    threads=int(threads))


@dataclass
class TileOut:
    """One tile's reservoirs (cells as indices of the whole window) and its own cells for the selection."""

    index: int
    site: np.ndarray
    elev: np.ndarray
    max_dam: np.ndarray
    areas: np.ndarray
    volumes: np.ndarray
    dam_volumes: np.ndarray
    bounds: np.ndarray
    watershed_ha: np.ndarray
    impact: np.ndarray
    upper_ok: np.ndarray
    z: np.ndarray  # own cells: heights as read
    up: np.ndarray
    blocked: np.ndarray
    dens: np.ndarray | None
    counts: dict
    timings: dict


def _window_terrain(plan: TilePlan, tile: Tile) -> tuple[Terrain, np.ndarray | None]:
    """The tile's window as a :class:`Terrain` (cell sizes: the whole window's rows, so every tile measures
    as the one-window search does) and its upper-area mask."""
    import rasterio
    from rasterio.windows import Window

    win = plan.window
    r0, r1, c0, c1 = tile.win
    with rasterio.open(win.path) as ds:
        arr = ds.read(1, window=Window(win.col0 + c0, win.row0 + r0, c1 - c0, r1 - r0), masked=True)
    z, valid = to_whole_metres(arr, win.nodata)
    a, _, c, _, e, f = win.transform
    transform = (a, 0.0, c + a * c0, 0.0, e, f + e * r0)
    dy = plan.dy[r0:r1]
    ycum = np.concatenate([[0.0], np.cumsum(0.5 * (dy[:-1] + dy[1:]))]) if r1 > r0 else np.zeros(0)
    # dam sites: this tile's own cells, not within border_cells of the whole window's edge
    h, w = plan.shape
    b = plan.border_cells
    o0, o1, p0, p1 = tile.own
    screen = np.zeros(z.shape, bool)
    sr0, sr1 = max(o0, b), min(o1, h - b)
    sc0, sc1 = max(p0, b), min(p1, w - b)
    if sr1 > sr0 and sc1 > sc0:
        screen[sr0 - r0:sr1 - r0, sc0 - c0:sc1 - c0] = True
    screen &= valid
    upper = None
    if plan.area_wkb is not None:
        import shapely
        from rasterio.features import geometry_mask

        from affine import Affine

        upper = geometry_mask([shapely.from_wkb(plan.area_wkb)], out_shape=z.shape,
                              transform=Affine(*transform), invert=True) & screen
    t = Terrain(z=z, valid=valid, transform=transform, crs_wkt=win.crs_wkt, geographic=plan.geographic,
                dx=plan.dx[r0:r1], dy=dy, area_ha=plan.area_ha[r0:r1], ycum=ycum, screen=screen, upper=upper,
                source=win.path)
    return t, upper


def screen_tile(plan: TilePlan, k: int, feedback: Feedback | None = None) -> TileOut:
    """Screening of tile ``k`` of ``plan`` (a Dask task, or called in the process); cancel through
    ``feedback``."""
    from affine import Affine

    from ._threads import cancel_watch
    from .impact import paint_window, rasterize_mask
    from .search import screen

    feedback = ensure(feedback)
    t0 = (time.perf_counter(), time.process_time())
    tile = plan.tiles[k]
    terrain, upper = _window_terrain(plan, tile)
    r0, r1, c0, c1 = tile.win
    dens = (paint_window(plan.impact, Affine(*terrain.transform), terrain.shape, terrain.area_ha)
            if plan.impact is not None else None)
    exclude = rasterize_mask(plan.exclude, Affine(*terrain.transform), terrain.shape) if plan.exclude else None
    with cancel_watch(feedback) as stop:
        sc = screen(terrain, plan.settings, dens=dens, exclude=exclude, threads=plan.threads, feedback=feedback,
                    stop=stop)
    res = sc.reservoirs
    ww = c1 - c0
    _, w = plan.shape

    def glob(idx):
        rr = idx // ww
        return (rr + r0) * w + (idx - rr * ww) + c0

    # reservoirs reaching the window's edge where it is not the whole window's: cut by the border (the edge
    # cells flow off the window, so a flood stops one cell short of it)
    hw = terrain.shape
    br = res.bounds[:, -1, :] if len(res) else np.zeros((0, 8), np.int64)
    rr, cc = br // ww, br % ww
    inner = np.zeros_like(br, dtype=bool)
    if r0 > 0:
        inner |= rr <= 1
    if r1 < plan.shape[0]:
        inner |= rr >= hw[0] - 2
    if c0 > 0:
        inner |= cc <= 1
    if c1 < w:
        inner |= cc >= ww - 2
    o0, o1, p0, p1 = tile.own
    own = (slice(o0 - r0, o1 - r0), slice(p0 - c0, p1 - c0))
    own_dens = None
    if dens is not None:
        own_dens = dens.reshape(dens.shape[0], *hw)[:, own[0], own[1]].copy()
    upper_ok = np.ones(len(res), bool) if upper is None else upper.ravel()[res.site]
    counts = dict(sc.counts)
    counts["tile_edge_reservoirs"] = int(inner.any(axis=1).sum())
    timings = dict(sc.timings)
    t1 = (time.perf_counter(), time.process_time())
    timings["tile_wall"] = round(t1[0] - t0[0], 3)
    timings["tile_cpu"] = round(t1[1] - t0[1], 3)
    return TileOut(index=k, site=glob(res.site), elev=res.elev, max_dam=res.max_dam, areas=res.areas,
                   volumes=res.volumes, dam_volumes=res.dam_volumes, bounds=glob(res.bounds),
                   watershed_ha=res.watershed_ha, impact=res.impact, upper_ok=upper_ok,
                   z=terrain.z[own].copy(), up=sc.up[own].copy(), blocked=sc.blocked[own].copy(), dens=own_dens,
                   counts=counts, timings=timings)


def _screen_task(plan: TilePlan, k: int) -> TileOut:
    """A Dask task: one tile, no cancel inside (the client cancels the task)."""
    return screen_tile(plan, k, NullFeedback())


def _run_local(plan: TilePlan, feedback: Feedback):
    n = len(plan.tiles)
    for k in range(n):
        feedback.check()
        out = screen_tile(plan, k, SubFeedback(feedback, k / n, (k + 1) / n))
        feedback.progress((k + 1) / n, f"图幅 tiles {k + 1}/{n}")
        yield out


def _run_dask(plan: TilePlan, client, feedback: Feedback):
    from ..zonal.dask_backend import _distributed

    distributed = _distributed()
    n = len(plan.tiles)
    shared = client.scatter(plan, broadcast=True, hash=False)
    futures = [client.submit(_screen_task, shared, k, pure=False) for k in range(n)]
    pending = set(futures)
    done_count = 0
    try:
        while pending:
            try:
                done, pending_ = distributed.wait(list(pending), timeout=0.2, return_when="FIRST_COMPLETED")
            except TimeoutError:  # none finished in 0.2 s: look at Cancel and wait again
                feedback.check()
                continue
            pending = set(pending_)
            for fut in done:
                try:
                    out = fut.result()
                except Exception as exc:
                    from ...core.errors import SinkmapError

                    if isinstance(exc, SinkmapError):
                        raise
                    raise InputError(code="analysis.dask.failed", error=type(exc).__name__,
                                     detail=str(exc)) from None
                done_count += 1
                feedback.progress(done_count / n, f"图幅 tiles {done_count}/{n} (Dask)")
                yield out
            feedback.check()
    except (Cancelled, InputError, GeneratorExit):
        client.cancel(list(pending))
        raise
    finally:
        try:
            client.cancel([shared])
        except Exception:  # pragma: no cover - best effort cleanup
            pass


def search_tiled(plan: TilePlan, options, *, client=None, feedback: Feedback | None = None):
    """The four stages over the tiles of ``plan`` (see the module docstring): a
    :class:`~.search.SearchResult` whose terrain is the whole window (heights as read)."""
    from ._threads import cancel_watch
    from .search import Screened, finish

    feedback = ensure(feedback)
    h, w = plan.shape
    t0 = (time.perf_counter(), time.process_time())
    z = np.full((h, w), VOID_Z, np.int16)
    up = np.zeros((h, w), np.uint8)
    blocked = np.zeros((h, w), np.uint8)
    dens = np.zeros((3, h * w), np.float32) if plan.impact is not None else None
    dens3 = dens.reshape(3, h, w) if dens is not None else None
    parts: list[TileOut] = []
    sub = SubFeedback(feedback, 0.0, 0.7)
    stream = _run_dask(plan, client, sub) if client is not None else _run_local(plan, sub)
    counts = {"tiles": len(plan.tiles), "cells": 0, "dam_sites": 0, "tile_edge_reservoirs": 0}
    cpu: dict = {}
    wall_tiles = 0.0
    cpu_tiles = 0.0
    for out in stream:
        o0, o1, p0, p1 = plan.tiles[out.index].own
        z[o0:o1, p0:p1] = out.z
        up[o0:o1, p0:p1] = out.up
        blocked[o0:o1, p0:p1] = out.blocked
        if dens3 is not None and out.dens is not None:
            dens3[:, o0:o1, p0:p1] = out.dens
        out.z = out.up = out.blocked = out.dens = None
        parts.append(out)
        for k in ("cells", "dam_sites", "tile_edge_reservoirs"):
            counts[k] += int(out.counts.get(k, 0))
        for k, v in out.timings.get("cpu", {}).items():
            cpu[k] = round(cpu.get(k, 0.0) + v, 3)
        wall_tiles += out.timings.get("tile_wall", 0.0)
        cpu_tiles += out.timings.get("tile_cpu", 0.0)
    feedback.check()
    parts.sort(key=lambda p: p.index)
    res, dupes = _merge(parts, len(plan.settings.wall_heights))
    counts["reservoirs"] = len(res)
    counts["duplicate_reservoirs"] = dupes
    upper_ok = np.concatenate([p.upper_ok for p in parts])[res._order] if parts else np.zeros(0, bool)
    del res._order
    t1 = (time.perf_counter(), time.process_time())
    # CPU: each stage summed over the tiles (on Dask: the workers'), plus the client's own on Dask
    timings = {"tiles": round(t1[0] - t0[0], 3), "cpu": dict(cpu)}
    if client is not None:
        timings["cpu"]["tiles_client"] = round(t1[1] - t0[1], 3)
    counts["sum_of_tile_walls_s"] = round(wall_tiles, 3)
    counts["sum_of_tile_cpu_s"] = round(cpu_tiles, 3)  # everything a tile does: reading, drawing, the stages
    valid = z != VOID_Z
    ycum = np.concatenate([[0.0], np.cumsum(0.5 * (plan.dy[:-1] + plan.dy[1:]))]) if h else np.zeros(0)
    terrain = Terrain(z=z, valid=valid, transform=plan.window.transform, crs_wkt=plan.window.crs_wkt,
                      geographic=plan.geographic, dx=plan.dx, dy=plan.dy, area_ha=plan.area_ha, ycum=ycum,
                      screen=np.zeros((0, 0), bool), upper=None, source=plan.window.path)
    from .dem import check_size

    check_size(terrain, plan.settings.min_watershed_ha, plan.window.path)
    sc = Screened(reservoirs=res, up=up, blocked=blocked, zf=None, counts=counts, timings=timings)
    with cancel_watch(feedback) as stop:
        result = finish(terrain, sc, upper_ok, options, dens=dens, feedback=feedback, stop=stop)
    if counts["tile_edge_reservoirs"]:
        from ...core.messages import Notice

        result.notices.append(Notice("analysis.phes.tile_edge", count=counts["tile_edge_reservoirs"],
                                     tiles=len(plan.tiles)))
    return result


def _merge(parts: list[TileOut], nh: int) -> tuple[Reservoirs, int]:
    """All tiles' reservoirs in the order of their dam sites (row by row over the whole window, as the
    one-window search finds them), each dam site once."""
    if not parts:
        z = np.zeros(0, np.int64)
        r = Reservoirs(site=z, elev=z, max_dam=np.zeros(0), areas=np.zeros((0, nh)), volumes=np.zeros((0, nh)),
                       dam_volumes=np.zeros((0, nh)), bounds=np.zeros((0, nh, 8), np.int64),
                       watershed_ha=np.zeros(0), impact=np.zeros((0, 0, nh)))
        r._order = z
        return r, 0
    site = np.concatenate([p.site for p in parts])
    uniq, first = np.unique(site, return_index=True)  # sorted by site; the first tile to find a site keeps it
    order = first
    r = Reservoirs(site=site[order], elev=np.concatenate([p.elev for p in parts])[order],
                   max_dam=np.concatenate([p.max_dam for p in parts])[order],
                   areas=np.concatenate([p.areas for p in parts])[order],
                   volumes=np.concatenate([p.volumes for p in parts])[order],
                   dam_volumes=np.concatenate([p.dam_volumes for p in parts])[order],
                   bounds=np.concatenate([p.bounds for p in parts])[order],
                   watershed_ha=np.concatenate([p.watershed_ha for p in parts])[order],
                   impact=np.concatenate([p.impact for p in parts])[order],
                   sites_tested=int(sum(int(p.counts.get("dam_sites", 0)) for p in parts)))
    r._order = order
    return r, int(site.size - uniq.size)


__all__ = ["MAX_MOSAIC_CELLS", "M_PER_DEG", "Tile", "TileOut", "TilePlan", "plan_tiles", "screen_tile", "search_tiled"]
