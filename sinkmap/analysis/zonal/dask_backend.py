"""Scale-out of the zonal engine on Dask (``dask.distributed``).

The zone structures (:class:`sinkmap.analysis.zonal.grid.ZoneGrid`, plain arrays) are scattered to the
workers once; each chunk of rows is one task that opens the raster itself (the file must be readable at
the same path on every worker) and runs the same kernel as the local path. Results are gathered and
combined in chunk order, so a Dask run is bit-identical to the local run.

* :func:`connect` — ``--workers N`` starts a ``LocalCluster(n_workers=N, processes=True,
  threads_per_worker=1)``; ``--scheduler ADDRESS`` connects to a running scheduler.
* :func:`run_on_dask` — used by :func:`sinkmap.analysis.zonal.run.execute` when a client is given.
"""

from __future__ import annotations

import re

from ...core.errors import Cancelled, InputError
from ...core.feedback import Feedback, ensure
from ...core.messages import clip

__all__ = ["connect", "run_on_dask"]


def _distributed():
    try:
        import distributed
    except ImportError as exc:
        raise InputError(code="analysis.dask.not_installed") from exc
    return distributed


#: Seconds to wait for a scheduler before saying it cannot be reached (Dask's own default is 30 s).
CONNECT_TIMEOUT = 5.0

_ADDRESS = re.compile(r"^(?:(?P<scheme>tcp|tls|ws|wss|ucx)://)?(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)"
                      r":(?P<port>[0-9]{1,5})/?$")


def check_scheduler_address(address: str) -> str:
    """``address`` as Dask takes it (``tcp://HOST:PORT``; ``HOST:PORT`` gets ``tcp://``), or an
    :class:`InputError` saying what a scheduler address looks like."""
    text = str(address).strip()
    m = _ADDRESS.match(text)
    if m is None or not 0 < int(m.group("port")) < 65536:
        raise InputError(code="analysis.dask.bad_address", scheduler=text[:120])
    return text if m.group("scheme") else "tcp://" + text


def connect(*, workers: int | None = None, scheduler: str | None = None, timeout: float = CONNECT_TIMEOUT):
    """A Dask client and, when we started one, its LocalCluster: ``(client, cluster_or_None)``.

    The caller closes both (client first). ``workers`` and ``scheduler`` are exclusive. A scheduler
    address is checked first; one that does not answer within ``timeout`` seconds is an
    :class:`InputError` saying so.
    """
    if workers and scheduler:
        raise InputError(code="analysis.dask.workers_and_scheduler")
    if scheduler:
        address = check_scheduler_address(scheduler)
        distributed = _distributed()
        try:
            return distributed.Client(address, timeout=timeout), None
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(code="analysis.dask.unreachable", scheduler=address, seconds=f"{timeout:g}",
                             detail=clip(exc)) from None
    distributed = _distributed()
    if not workers or workers < 1:
        raise InputError(code="analysis.dask.bad_workers", workers=workers)
    cluster = distributed.LocalCluster(n_workers=int(workers), processes=True, threads_per_worker=1,
                                       dashboard_address=None)
    try:
        client = distributed.Client(cluster)
    except BaseException:
        cluster.close()
        raise
    return client, cluster


def run_on_dask(client, run_chunk, job, chunks: list[tuple[int, int]], *, feedback: Feedback | None = None,
                text: str = "zonal") -> list:
    """``run_chunk(job, r0, r1)`` for every chunk on ``client``; results in chunk order.

    The chunk function is given by the caller (:func:`sinkmap.analysis.zonal.run.execute` passes
    ``run_chunk_capped``), so this module does not import the engine back.
    """
    distributed = _distributed()
    feedback = ensure(feedback)
    if not chunks:
        return []
    shared = client.scatter(job, broadcast=True, hash=False)
    futures = [client.submit(run_chunk, shared, r0, r1, pure=False) for r0, r1 in chunks]
    try:
        done = 0
        for _ in distributed.as_completed(futures):
            done += 1
            feedback.progress(done / len(futures), f"{text} ({done}/{len(futures)} chunks on Dask)")
            feedback.check()
        results = client.gather(futures)
    except Cancelled:
        client.cancel(futures)
        raise
    except Exception as exc:
        client.cancel(futures)
        from ...core.errors import SinkmapError

        if isinstance(exc, SinkmapError):
            raise
        raise InputError(code="analysis.dask.failed", error=type(exc).__name__, detail=str(exc)) from None
    finally:
        try:
            client.cancel([shared])
        except Exception:  # pragma: no cover - best effort cleanup
            pass
    return list(results)
