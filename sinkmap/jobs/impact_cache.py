"""Site impacts at once: the ``site.impact`` preparation kept between sites in one process.

A ``site.impact`` run spends nearly all its time before it looks at the sites' measures: reading the units'
layers, detecting their fields, preparing them as the ledger does and computing the units' ledger before any
site (:func:`~sinkmap.jobs.site_impact.build_context`). None of that depends on the sites, so the app's impact
card keeps it: :class:`ImpactCache` holds the last few contexts, keyed by what they were made from — each
layer file's path, layer name, size and modification time (the siting rules' layers and rule files, the
user's own rules file included), the target files likewise, the attribute
encoding and assumed CRS, the year, the units and the lon/lat box read. A layer or target file edited on
disk changes its key (the stale context is never used); :meth:`ImpactCache.clear` drops everything (the
app calls it when the project's layers change).

:meth:`ImpactCache.run` is the job itself (:func:`~sinkmap.jobs.base.run_job`: the demo world when no layer
is given, the report's data label, its warnings), on sites held in memory (a drawn polygon, a placed point,
a feature of a layer) instead of a file. Its report equals the job's on the same sites written to a file
(tests compare them), but for the ``site`` input it cannot name.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from ..core.feedback import Feedback, ensure
from .base import LayerSource, run_job

#: contexts kept (each holds the prepared layers of a set of units: a city's is tens of MB)
MAX_CONTEXTS = 3


def _stat(path: Path | None) -> tuple:
    if path is None:
        return ()
    try:
        st = os.stat(path)
    except OSError:
        return (str(path),)
    return (str(Path(path).resolve()), st.st_size, st.st_mtime_ns)


def _source_key(src: LayerSource | None) -> tuple:
    return () if src is None else (*_stat(src.path), src.layer)


def context_key(req: Any, zones: Any, extent: Any) -> tuple:
    """What a context is made from (see the module's docstring)."""
    from ..analysis.siting.rules import default_user_file

    units = tuple(zip(zones["name"].astype(str), zones["level"].astype(str)))
    return (tuple(_source_key(getattr(req, role)) for role in ("forest", "wetland", "protected", "redline",
                                                               "farmland", "grassland")),
            _stat(req.landcover), tuple(_stat(Path(p)) for p in req.rules), _stat(default_user_file()),
            tuple(_stat(Path(p)) for p in req.target_files), req.encoding, req.crs, req.year, units,
            tuple(float(v) for v in extent.bounds))


class ImpactCache:
    """The last :data:`MAX_CONTEXTS` site-impact contexts of this process. Thread-safe: one run at a time."""

    def __init__(self, size: int = MAX_CONTEXTS) -> None:
        self.size = size
        self._items: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.RLock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def context(self, req: Any, zones: Any, extent: Any, feedback: Feedback):
        """The context of ``req`` for ``zones`` and ``extent``: kept (its preparation's warnings said again to
        ``feedback``) or built and kept."""
        from .site_impact import build_context

        key = context_key(req, zones, extent)
        with self._lock:
            ctx = self._items.get(key)
            if ctx is not None:
                self._items.move_to_end(key)
                self.hits += 1
                feedback.progress(0.1, "读取图层 reading layers")
                for message in ctx.warnings:
                    feedback.warn(message)
                return ctx
            self.misses += 1
            ctx = build_context(req, zones, extent, feedback)
            self._items[key] = ctx
            while len(self._items) > self.size:
                self._items.popitem(last=False)
            return ctx

    def run(self, req: Any, sites: Any, feedback: Feedback | None = None):
        """``site.impact`` on ``sites`` (a GeoDataFrame with a CRS) and the layers of ``req`` (its ``site`` is
        not read: None or a label), as :func:`~sinkmap.jobs.base.run_job` runs the job; no file is written."""
        from .site_impact import SITE_IMPACT

        job = replace(SITE_IMPACT, run=partial(_run, sites=sites, cache=self), write=None)
        with self._lock:
            return run_job(job, replace(req, out=None), ensure(feedback))


    def compare(self, req: Any, scenarios: list, feedback: Feedback | None = None):
        """``site.compare`` on scenarios held in memory (:class:`~sinkmap.analysis.siting.scenarios.Scenario`)
        and the layers of ``req`` (a :class:`~sinkmap.jobs.site_compare.SiteCompareRequest`), as
        :func:`~sinkmap.jobs.base.run_job` runs the job; no file is written."""
        from .site_compare import SITE_COMPARE

        job = replace(SITE_COMPARE, run=partial(_compare, scenarios=list(scenarios), cache=self), write=None)
        with self._lock:
            return run_job(job, replace(req, out=None), ensure(feedback))


def _compare(req: Any, feedback: Feedback, *, scenarios: list, cache: ImpactCache):
    from .site_compare import compare_scenarios

    return compare_scenarios(req, [(sc, None) for sc in scenarios], feedback, cache=cache)


def _run(req: Any, feedback: Feedback, *, sites: Any, cache: ImpactCache):
    from .site_impact import run_sites

    return run_sites(req, sites, feedback, cache=cache)


_SHARED: ImpactCache | None = None


def shared_cache() -> ImpactCache:
    """The process's cache (the app's impact card and scenario comparisons share it)."""
    global _SHARED
    if _SHARED is None:
        _SHARED = ImpactCache()
    return _SHARED


__all__ = ["ImpactCache", "MAX_CONTEXTS", "context_key", "shared_cache"]
