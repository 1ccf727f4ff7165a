"""Work items on a few threads (the kernels release the GIL), progress and Cancel on the calling thread."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

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


def chunks(n: int, size: int) -> Sequence[tuple[int, int]]:
    return [(a, min(n, a + size)) for a in range(0, n, size)]


__all__ = ["chunks", "run_items"]
