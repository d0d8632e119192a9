"""Run per-document work in batches, on worker processes that may die without taking the run along.

Workers are started with the ``spawn`` method (safe under Dagster's threads) and keep their
loaded models between batches. Results come back in input order, so the caller can write each
batch to DuckDB as soon as it is done while the workers go on: DuckDB writes stay in the calling
process, short and serialized.

``workers`` is the number of worker processes. With ``workers >= 1`` a document that kills its
worker (the out-of-memory killer, a segfault in a C library) costs that document only: the pool
is restarted, the batch that was running is retried one document at a time to find the culprit,
``on_crash(item, how)`` stands in for the culprit's result, and the batches lost with the pool are
submitted again. That holds for a single batch too: a spawned worker takes a second or two to
start (a few more to load spaCy for analysis), the price of a run that outlives such a document.
``workers == 0`` (``CLAIMHOUSE_WORKERS=0`` for the Dagster definitions and the CLI) runs the
batches in the calling process (tests, debugging): fastest to start, but a hard crash there ends
the run.

Fault injection for tests: a worker whose ``CLAIMHOUSE_FAULT_KILL_ON`` environment variable is
``STAGE:MARKER`` kills itself with SIGKILL on a document of that stage containing MARKER
(``maybe_crash``); unset, it costs one dictionary lookup per document.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import wait as wait_futures
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import wait as mp_wait
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

# seconds the workers get to end after their pool is shut down, before SIGKILL
STOP_GRACE = 30.0


def default_workers() -> int:
    env = os.environ.get("CLAIMHOUSE_WORKERS")
    if env:
        return max(0, int(env))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def maybe_crash(stage: str, text: str | bytes) -> None:
    """Test hook: die like an out-of-memory kill when CLAIMHOUSE_FAULT_KILL_ON=stage:marker matches."""
    spec = os.environ.get("CLAIMHOUSE_FAULT_KILL_ON")
    if not spec or ":" not in spec:
        return
    want, marker = spec.split(":", 1)
    if want != stage or not marker:
        return
    needle = marker.encode() if isinstance(text, bytes) else marker
    if needle in text:
        os.kill(os.getpid(), signal.SIGKILL)


class _Pool:
    """A process pool that can be replaced when one of its workers dies."""

    def __init__(self, workers: int, initializer: Callable[[], None] | None):
        self.workers, self.initializer = workers, initializer
        self.restarts = 0
        self._seen: dict[int, object] = {}  # pid -> Process; the pool forgets its processes once broken
        self._pool = self._new()

    def _new(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=mp.get_context("spawn"),
                                   initializer=self.initializer)

    def submit(self, fn, batch) -> Future:
        try:
            future = self._pool.submit(fn, batch)
            self._remember()
            return future
        except BrokenProcessPool as exc:  # a worker died before we noticed: fail like the batches in flight
            future: Future = Future()
            future.set_exception(exc)
            return future

    def _remember(self) -> None:
        for pid, process in list((getattr(self._pool, "_processes", None) or {}).items()):
            self._seen.setdefault(pid, process)

    def death(self) -> str:
        """How the worker that broke the pool ended, e.g. 'was killed by signal 9 (SIGKILL)'."""
        self._remember()
        codes = []
        deadline = time.monotonic() + 5  # once one worker has died, the pool ends the others with SIGTERM
        for process in list(self._seen.values()):
            # the pool's own thread reaps its workers too; when it wins the race, join() returns at once
            # with no exit code (ECHILD), so wait until the code it read is recorded on the process
            while process.exitcode is None and time.monotonic() < deadline:
                process.join(0.05)
            if process.exitcode is not None:
                codes.append(process.exitcode)
        code = next((c for c in codes if c != -signal.SIGTERM), codes[0] if codes else None)
        if code is None:
            return "died"
        if code < 0:
            try:
                return f"was killed by signal {-code} ({signal.Signals(-code).name})"
            except ValueError:
                return f"was killed by signal {-code}"
        return f"exited with code {code}"

    def restart(self) -> None:
        self._stop(grace=5.0)
        self._pool = self._new()
        self.restarts += 1

    def shutdown(self) -> None:
        # on an error in the caller (or a worker), do not wait for batches nobody will read
        self._stop(grace=STOP_GRACE)

    def _stop(self, grace: float) -> None:
        """Shut the pool down and make sure its workers are gone within ``grace`` seconds.

        ``ProcessPoolExecutor.shutdown(wait=True)`` waits for every worker without a limit, and the
        interpreter joins the pool's thread at exit: one worker that never ends (stuck in a C
        library, or left over from a pool broken by a killed sibling) would hang the run, or the
        process at exit. So workers still alive after ``grace`` seconds get SIGKILL. A worker is
        alive while its sentinel is not ready; only then is its pid sure to be its own.
        """
        self._remember()
        processes = list(self._seen.values())
        self._seen.clear()
        pool = self._pool
        pool.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + grace
        alive = [(p, s) for p in processes if (s := _sentinel(p)) is not None]
        while alive and time.monotonic() < deadline:
            try:
                ready = set(mp_wait([s for _, s in alive], timeout=max(0.0, deadline - time.monotonic())))
            except (OSError, ValueError):  # the pool's thread closed a process meanwhile: it has ended
                alive = [(p, s) for p, s in alive if _sentinel(p) is not None]
                continue
            alive = [(p, s) for p, s in alive if s not in ready]
        for process, _ in alive:
            try:
                process.kill()
            except (OSError, ValueError):
                pass
        thread = getattr(pool, "_executor_manager_thread", None)
        if thread is not None:
            thread.join(timeout=grace)


def _sentinel(process) -> int | None:
    """The fd that becomes ready when ``process`` ends; None once the process object is closed."""
    try:
        return process.sentinel
    except ValueError:
        return None


def _run_alone(pool: _Pool, fn: Callable[[list], list], batch: list, on_crash: Callable) -> list:
    """The crashed batch again, one item at a time; an item that kills its worker gets ``on_crash``."""
    out: list = []
    for item in batch:
        try:
            out.extend(pool.submit(fn, [item]).result())
        except BrokenProcessPool:
            how = pool.death()
            pool.restart()
            out.append(on_crash(item, how))
    return out


def map_batches(fn: Callable[[T], R], batches: Iterable[T], workers: int, n_batches: int,
                initializer: Callable[[], None] | None = None,
                on_crash: Callable[[object, str], object] | None = None,
                on_wait: Callable[[], None] | None = None) -> Iterator[R]:
    """``fn`` over each batch, in order; on ``workers`` processes (0: in this process).

    Batches are lists and ``fn`` returns a list aligned with its batch. At most ``2 * workers``
    batches are in flight, so memory stays bounded however many batches there are.
    ``on_crash(item, how)`` gives the result of an item that killed its worker (``how``: e.g.
    'was killed by signal 9 (SIGKILL)'); without it a worker's death raises BrokenProcessPool.
    ``on_wait()`` is called before and every half second while this process waits for a worker's result,
    and with ``workers == 0`` before each batch runs (e.g. ``claimhouse.warehouse.db.idle``: the
    warehouse file is let go for another writer meanwhile).
    """
    if n_batches == 0:
        return
    if workers <= 0:
        if initializer:
            initializer()
        for batch in batches:
            if on_wait is not None:  # the batch is read: nothing of the caller's is needed while it runs
                on_wait()
            yield fn(batch)
        return
    pool = _Pool(min(workers, n_batches), initializer)
    try:
        pending: deque = deque()

        def next_result():
            batch, future = pending.popleft()
            if on_wait is not None:
                on_wait()
                while not wait_futures([future], timeout=0.5).done:
                    on_wait()
            try:
                return future.result()
            except BrokenProcessPool:
                if on_crash is None:
                    raise
                pool.restart()
                lost = list(pending)
                pending.clear()
                result = _run_alone(pool, fn, batch, on_crash)
                for b, f in lost:  # innocent until they crash alone; finished ones keep their result
                    done = f.done() and not f.cancelled() and f.exception() is None
                    pending.append((b, f if done else pool.submit(fn, b)))
                return result

        for batch in batches:
            pending.append((batch, pool.submit(fn, batch)))
            if len(pending) >= 2 * pool.workers:
                yield next_result()
        while pending:
            yield next_result()
    finally:
        pool.shutdown()
