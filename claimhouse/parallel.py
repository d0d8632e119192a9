"""Run per-document work in batches, on worker processes when it pays off.

Workers are started with the ``spawn`` method (safe under Dagster's threads) and
keep their loaded models between batches. Results come back in input order, so
the caller can write each batch to DuckDB as soon as it is done while the
workers go on: DuckDB writes stay in the calling process, short and serialized.
"""
from __future__ import annotations

import multiprocessing as mp
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def default_workers() -> int:
    env = os.environ.get("CLAIMHOUSE_WORKERS")
    if env:
        return max(1, int(env))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def map_batches(fn: Callable[[T], R], batches: Iterable[T], workers: int, n_batches: int,
                initializer: Callable[[], None] | None = None) -> Iterator[R]:
    """``fn`` over each batch, in order; on ``workers`` processes when there are several batches.

    At most ``2 * workers`` batches are in flight, so memory stays bounded however
    many batches there are.
    """
    if n_batches == 0:
        return
    if workers <= 1 or n_batches == 1:
        if initializer:
            initializer()
        for batch in batches:
            yield fn(batch)
        return
    workers = min(workers, n_batches)
    ctx = mp.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=initializer)
    try:
        pending: deque = deque()
        for batch in batches:
            pending.append(pool.submit(fn, batch))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        # on an error in the caller (or a worker), do not wait for batches nobody will read
        pool.shutdown(wait=True, cancel_futures=True)
