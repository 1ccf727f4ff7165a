"""Work items on a few threads (the kernels release the GIL), progress and Cancel on the calling thread."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from ...core.feedback import Feedback


def run_items(work: Callable[[int], Any], n: int, threads: int, feedback: Feedback) -> list:
    """``[work(i) for i in range(n)]`` on up to ``threads`` threads. Progress (fraction of items done) and the
    cancel check happen here, between items; a cancel stops the items not yet started."""
    if n == 0:
        return []
    threads = max(1, min(int(threads), n))
    if threads == 1:
        out = []
        for i in range(n):
            feedback.check()
            out.append(work(i))
            feedback.progress((i + 1) / n)
        return out
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    results: list = [None] * n
    with ThreadPoolExecutor(threads) as pool:
        pending = {pool.submit(work, i): i for i in range(n)}
        done_count = 0
        try:
            while pending:
                done, _ = wait(list(pending), timeout=0.25, return_when=FIRST_COMPLETED)
                for f in done:
                    results[pending.pop(f)] = f.result()
                    done_count += 1
                feedback.progress(done_count / n)
                feedback.check()
        except BaseException:
            for f in pending:
                f.cancel()
            raise
    return results


#: Seconds between two looks at the feedback's cancel flag by :func:`cancel_watch`.
WATCH_PERIOD = 0.05


@contextmanager
def cancel_watch(feedback: Feedback, period: float = WATCH_PERIOD) -> Iterator[np.ndarray]:
    """A one-byte stop flag for the compiled kernels, raised by a watcher thread within ``period`` seconds
    of the feedback's Cancel. The kernels (GIL released) look at it between rows, dam sites, uppers or pairs
    and return early; the caller's next ``feedback.check()`` then raises :class:`Cancelled`."""
    stop = np.zeros(1, np.uint8)
    done = threading.Event()

    def watch() -> None:
        while not done.wait(period):
            if feedback.is_cancelled():
                stop[0] = 1
                return

    t = threading.Thread(target=watch, name="sinkmap-phes-cancel", daemon=True)
    t.start()
    try:
        yield stop
    finally:
        done.set()
        t.join()


def chunks(n: int, size: int) -> Sequence[tuple[int, int]]:
    return [(a, min(n, a + size)) for a in range(0, n, size)]


__all__ = ["cancel_watch", "chunks", "run_items"]
