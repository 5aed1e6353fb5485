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
import pickle
import select
import signal
import sys
import threading
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


class ChildFailed(Exception):
    """A ``Forked`` child ended without a result (it raised, or was killed)."""


class Forked(Generic[R]):
    """``fn()`` computed in a child made by ``os.fork`` while the caller goes on.

    Why: a worker from the fork server needs its inputs pickled and its modules warm; a
    forked child starts in milliseconds with this process's memory as it is, so it pays
    for a tenth of a second's work (a daily run's digests). Its result comes back pickled
    through a memory file; the pipe carries its size once it is whole.

    Contract: only where ``possible()`` (Linux, and no other thread in this process: a fork
    copies the calling thread only, and a lock another thread held would stay locked in the
    child). The child closes every descriptor it inherited (a store's lock, a SQLite
    connection: neither may be used across a fork), so ``fn`` must not use this process's
    files or connections; it may read what is in memory, and open files of its own.
    ``result()`` waits for the result, raising ``ChildFailed`` when the child had none;
    ``close()`` stops a child still at work and reaps it.
    """

    def __init__(self, fn: Callable[[], R]):
        """Raises OSError when there is no child (no memory file, no process to be had)."""
        pid, self._data, read, write = fork_with_channel("kbsync-forked")
        if pid == 0:
            code = 1
            try:
                body = pickle.dumps(fn(), protocol=pickle.HIGHEST_PROTOCOL)
                view = memoryview(body)
                while view:
                    view = view[os.write(self._data, view):]
                os.write(write, len(body).to_bytes(8, "big"))
                code = 0
            finally:
                os._exit(code)   # none of the parent's cleanup: its atexit, buffers, store
        os.close(write)
        self._pid: int | None = pid
        self._pipe: int | None = read

    @staticmethod
    def possible() -> bool:
        return sys.platform.startswith("linux") and hasattr(os, "memfd_create") and threading.active_count() == 1

    def result(self, timeout: float | None = None) -> R:
        """The child's result; ``ChildFailed`` when it had none, or none within ``timeout``
        seconds (a child stuck for whatever reason must not hold up the run)."""
        if self._pipe is None:
            raise ChildFailed("closed")
        try:
            head = b""
            while len(head) < 8:
                if not select.select([self._pipe], [], [], timeout)[0]:
                    raise ChildFailed(f"no result within {timeout} s")
                chunk = os.read(self._pipe, 8 - len(head))
                if not chunk:
                    break
                head += chunk
            if len(head) != 8:
                raise ChildFailed("the child ended without a result")
            size = int.from_bytes(head, "big")
            body = os.pread(self._data, size, 0)
            if len(body) != size:
                raise ChildFailed("the child's result is cut short")
            return pickle.loads(body)
        finally:
            self.close()

    def close(self) -> None:
        stop_child(self._pid, self._pipe, self._data)   # its result, if still to come, is not wanted
        self._pid = self._pipe = self._data = None


def fork_with_channel(name: str) -> tuple[int, int, int, int]:
    """Fork a child that sends through a file in memory and a pipe: (pid, the memory file, the
    pipe's read end, its write end), pid 0 in the child.

    The child keeps no other inherited descriptor (a store's lock, a SQLite connection: neither
    may be used across a fork, and a child outliving a killed parent must not hold the lock);
    the parent closes the write end. Raises OSError (AttributeError without ``memfd_create``),
    having closed what it made, when no memory file, pipe or process is to be had.
    """
    data = os.memfd_create(name, os.MFD_CLOEXEC)
    try:
        read, write = os.pipe()
    except OSError:
        stop_child(None, data)
        raise
    try:
        pid = os.fork()
    except OSError:
        stop_child(None, data, read, write)
        raise
    if pid == 0:
        try:
            keep = sorted((data, write))
            os.closerange(3, keep[0])
            os.closerange(keep[0] + 1, keep[1])
            os.closerange(keep[1] + 1, os.sysconf("SC_OPEN_MAX"))
        except BaseException:
            os._exit(1)   # the child must never return into the parent's code
    return pid, data, read, write


def stop_child(pid: int | None, *fds: int | None) -> None:
    """Close our ends of a forked child's descriptors, then kill it (not waited for: what it
    would still send is not wanted; it holds no lock and writes no file) and reap it."""
    for fd in fds:
        if fd is not None:
            os.close(fd)
    if pid is not None:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass   # it has ended, not yet been reaped
        os.waitpid(pid, 0)


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
