"""One running sync per store: an exclusive ``flock`` on a file beside the store.

Contract: ``StoreLock(store_path)`` locks ``<store>.lock``. ``acquire(timeout)``
waits up to ``timeout`` seconds (0: try once) and raises :class:`LockBusy`,
whose message names the pid and the command holding it, when it cannot get
it. The holder writes its pid and command into the file, so whoever waits can
say who it is waiting for. ``flock`` locks belong to an open file: the kernel
drops them when the holder exits or is killed, so a crash never leaves a
stale lock behind; two ``StoreLock`` objects conflict even in one process
(the daemon's watcher thread and its sync do). The same class guards "one
daemon per store" on ``<store>.daemon.lock``.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path


class LockBusy(Exception):
    """Someone else holds the lock; the message says who."""

    def __init__(self, message: str, pid: int | None):
        super().__init__(message)
        self.pid = pid


def lock_path(store_path: Path, kind: str = "") -> Path:
    """``state.db`` -> ``state.db.lock`` (or ``state.db.daemon.lock`` for ``kind="daemon"``)."""
    return store_path.with_name(f"{store_path.name}.{kind + '.' if kind else ''}lock")


def read_holder(path: Path) -> tuple[int | None, str]:
    """(pid, command) written by the current holder; (None, "") when unknown."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return None, ""
    pid_text, _, what = text.partition(" ")
    return (int(pid_text), what.strip()) if pid_text.strip().isdigit() else (None, "")


class StoreLock:
    def __init__(self, store_path: Path, *, kind: str = "", what: str = ""):
        self.store_path = Path(store_path)
        self.path = lock_path(self.store_path, kind)
        self.role = kind or "sync"
        self.what = what or " ".join(["kbsync", *sys.argv[1:2]])
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self) -> bool:
        """Take the lock if it is free, without waiting."""
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {self.what}\n".encode("utf-8"), 0)
        self._fd = fd
        return True

    def acquire(self, timeout: float, *, on_wait: Callable[[int | None, str], None] | None = None,
                poll: float = 0.1, sleep: Callable[[float], None] = time.sleep,
                clock: Callable[[], float] = time.monotonic) -> None:
        """Take the lock, waiting up to ``timeout`` seconds; ``on_wait(pid, what)`` is
        called once when we have to wait (to tell the user). Raises LockBusy."""
        deadline = clock() + max(timeout, 0)
        told = False
        while not self.try_acquire():
            pid, what = read_holder(self.path)
            if clock() >= deadline:
                who = f"pid {pid}" + (f", {what}" if what else "") if pid else "another process"
                waited = f"; gave up after {timeout:g} s" if timeout > 0 else ""
                raise LockBusy(f"another {self.role} is running on {self.store_path} ({who}){waited}", pid)
            if not told and on_wait is not None:
                on_wait(pid, what)
                told = True
            sleep(min(poll, max(deadline - clock(), 0)))

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)   # the next reader sees no stale pid
        finally:
            os.close(fd)          # closing drops the flock

    def __enter__(self) -> StoreLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
