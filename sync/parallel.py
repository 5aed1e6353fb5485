"""Map a pure function over work items on every core, when it pays.

Parsing feeds and scoring articles are pure Python CPU work; on a large run
(a first sync of thousands of articles) they run in worker processes. Small
runs (the daily case) stay in-process, where starting workers would cost more
than it saves. Workers come from a ``forkserver``: never fork a process that
has fetcher threads around.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import forkserver
from typing import Generic, TypeVar

# the modules the workers use, then ``sync.links.warm`` (last: it freezes what the others loaded)
PRELOAD = ["sync.sources.parse", "sync.scoring.heuristic", "sync.links.features",
           "sync.targets.obsidian.rendering", "sync.targets.obsidian.digests", "sync.links.warm"]
AHEAD_PER_WORKER = 3   # items in flight per worker: enough to keep it busy while the caller consumes
T = TypeVar("T")
R = TypeVar("R")


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def map_maybe_parallel(fn: Callable[[T], R], items: Sequence[T], *, parallel: bool,
                       workers: int | None = None) -> Iterator[R]:
    """``map(fn, items)`` in order; in worker processes when ``parallel`` and there are cores.

    ``fn`` and the items must be picklable (module-level functions, dataclasses).
    """
    workers = workers if workers is not None else cores()
    if not parallel or workers < 2 or len(items) < 2:
        yield from map(fn, items)
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=_context()) as pool:
        # a bounded window of items in flight, not all of them: results wait for the caller
        # (who writes them out) only that far ahead, so memory stays flat however many items
        ahead: deque[Future[R]] = deque()
        pending = iter(items)
        for item in itertools.islice(pending, AHEAD_PER_WORKER * workers):
            ahead.append(pool.submit(fn, item))
        while ahead:
            result = ahead.popleft().result()
            for item in itertools.islice(pending, 1):
                ahead.append(pool.submit(fn, item))
            yield result


class Background(Generic[R]):
    """``fn(item)`` computed in one worker process while the caller goes on (``fn`` and the item
    picklable, as for ``map_maybe_parallel``). ``result()`` waits for it (raising what ``fn``
    raised); ``close()`` gives it up: a running worker finishes on its own and exits."""

    def __init__(self, fn: Callable[[T], R], item: T):
        self._pool: ProcessPoolExecutor | None = ProcessPoolExecutor(max_workers=1, mp_context=_context())
        self._future: Future[R] = self._pool.submit(fn, item)

    def result(self) -> R:
        try:
            return self._future.result()
        finally:
            self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=self._future.done(), cancel_futures=True)
            self._pool = None


def start_early() -> None:
    """Start the workers' fork server now (if it is not running), for a caller that knows a
    pool is coming: its imports and tables (``PRELOAD``, about 0.3 s) then overlap what the
    caller does meanwhile, instead of holding up the first pool. It is started by fork and
    exec, which is safe beside the fetcher's threads."""
    _context()
    forkserver.ensure_running()


def _context() -> multiprocessing.context.BaseContext:
    context = multiprocessing.get_context("forkserver")
    # the fork server imports the heavy modules once; every worker forked from it starts warm
    context.set_forkserver_preload(PRELOAD)
    return context
