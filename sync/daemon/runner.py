"""``kbsync daemon``: sync once a day at ``[daemon] at``, watch the vault in between.

Contract of :class:`Daemon`:
- The loop asks ``schedule.next_run`` (the last run comes from the store, so
  a restart or a manual ``kbsync sync`` counts) and sleeps until then in naps
  of at most ``max_nap`` (30) seconds: the clock is read again after each nap, so
  a machine that slept through the slot notices within a nap of waking
  (monotonic timers stop during suspend; the wall clock does not) and runs
  the missed sync once.
- A sync runs with the store lock held (``lock.StoreLock``), so a manual
  ``kbsync sync`` or the watcher waits for it. A sync that fails is logged
  and tried again after ``RETRY_AFTER``; the error shows in ``kbsync status``.
- ``request_stop`` (SIGTERM, SIGINT) ends the loop between steps. A sync that
  is fetching stops once the fetch in flight returns, before anything of the
  run is stored, and the next start runs it again; a sync past that point
  finishes (scoring, links, notes and rollups are local work, and each of
  their writes is atomic and recorded batch by batch). A second signal
  stops at once (every note write is atomic, every store write a transaction).
- The config file is checked at every wake-up; a changed one is loaded, and
  an invalid one is reported in one log line and the old config kept.
- The clock, the sleeper and the sync function are injected: tests drive days
  of schedule in milliseconds.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from ..config import Config, ConfigError, load_config
from ..edits import journal
from ..pipeline import RunResult, run_sync
from ..store import Store
from ..targets.obsidian.edits import VaultEditSink
from .lock import LockBusy, StoreLock
from .logs import setup_logging
from .report import ERROR_META
from .schedule import describe, next_run
from .watcher import VaultWatcher

MAX_NAP = 30.0
RETRY_AFTER = timedelta(minutes=15)

Progress = Callable[[str, int, int], None]
SyncFn = Callable[[Config, datetime, Progress], RunResult]


class StopRequested(Exception):
    """Raised from the sync's progress callback: stop before anything more is stored."""


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def last_run_started(cfg: Config) -> datetime | None:
    """When the latest recorded sync of this store started (any sync, daemon or manual)."""
    if not cfg.store_path.exists():
        return None
    with Store(cfg.store_path) as store:
        last = store.last_run()
    return datetime.fromisoformat(last["started_at"]) if last else None


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


class Daemon:
    def __init__(self, cfg: Config, log: logging.Logger, *, env: Mapping[str, str] = os.environ,
                 clock: Callable[[], datetime] = utcnow, sleep: Callable[[float], None] | None = None,
                 sync: SyncFn | None = None, watcher_factory: Callable[..., Any] = VaultWatcher,
                 max_nap: float = MAX_NAP):
        self.cfg, self.log, self.env, self.clock = cfg, log, env, clock
        self.max_nap = max_nap
        self._sleep = sleep
        self._sync = sync or self._run_sync
        self._watcher_factory = watcher_factory
        self.stop_event = threading.Event()
        self.watcher: Any = None
        self.retry_at: datetime | None = None
        self.runs: list[datetime] = []          # when each sync started (for logs and tests)
        self._stamp = _stamp(cfg.path)
        self._announced: datetime | None = None

    # -- control -----------------------------------------------------------------------
    @property
    def stopping(self) -> bool:
        return self.stop_event.is_set()

    def request_stop(self, why: str = "") -> None:
        if not self.stopping:
            self.log.info("stopping%s: after the current step", f" ({why})" if why else "")
        self.stop_event.set()

    def sleep(self, seconds: float) -> None:
        if self._sleep is not None:
            self._sleep(seconds)
        else:
            self.stop_event.wait(seconds)   # a stop request ends the nap at once

    # -- the loop ------------------------------------------------------------------------
    def run(self) -> int:
        d = self.cfg.daemon
        self.log.info("kbsync daemon started: daily sync at %s %s, config %s", d.at, d.timezone, self.cfg.path)
        # open (and migrate) the store here first: ``migrate`` is not safe against a
        # second connection migrating the same fresh store at the same moment
        Store(self.cfg.store_path).close()
        self._start_watcher()
        try:
            while not self.stopping:
                self.reload()
                now = self.clock()
                due = self.due(now)
                if due <= now:
                    self.run_once(now)
                    continue
                if due != self._announced:
                    self.log.info("next sync at %s", describe(due, self.cfg.daemon.tz))
                    self._announced = due
                self.sleep(min((due - now).total_seconds(), self.max_nap))
        finally:
            self._stop_watcher()
            self.log.info("kbsync daemon stopped")
        return 0

    def due(self, now: datetime) -> datetime:
        d = self.cfg.daemon
        when = next_run(d.at_time, d.tz, last_run_started(self.cfg), now)
        # after a failed sync, wait before trying again instead of retrying in a loop
        return max(when, self.retry_at) if self.retry_at and when <= now else when

    def run_once(self, now: datetime) -> RunResult | None:
        """One sync with the lock held, then edits made elsewhere go into the vault."""
        cfg = self.cfg
        lock = StoreLock(cfg.store_path, what="kbsync daemon")
        try:
            lock.acquire(cfg.daemon.lock_timeout, sleep=self._lock_nap,
                         on_wait=lambda pid, what: self.log.info("waiting for pid %s (%s) to release the store",
                                                                  pid, what or "kbsync"))
        except LockBusy as exc:
            self.log.warning("sync skipped: %s; trying again in %d min", exc, RETRY_AFTER.seconds // 60)
            self.retry_at = now + RETRY_AFTER
            return None
        except StopRequested:
            return None
        try:
            self.runs.append(now)
            self.log.info("sync started")
            result = self._sync(cfg, now, self._progress)
            self._report(result)
            self._deliver_edits(now)
            self.retry_at = None
            self._set_error(None)
            return result
        except StopRequested:
            self.log.info("sync stopped before storing anything of this run; the next start runs it again")
            return None
        except Exception as exc:  # noqa: BLE001 - one failed run must not end the daemon
            self.log.exception("sync failed: %s; trying again in %d min", exc, RETRY_AFTER.seconds // 60)
            self.retry_at = now + RETRY_AFTER
            self._set_error(f"{now:%Y-%m-%d %H:%M} UTC: {type(exc).__name__}: {exc}")
            return None
        finally:
            lock.release()

    def _run_sync(self, cfg: Config, now: datetime, progress: Progress) -> RunResult:
        return run_sync(cfg, env=self.env, now=now, progress=progress)

    def _progress(self, stage: str, done: int, total: int) -> None:
        # only while feeds are being stored: later stages finish (see the module docstring)
        if stage == "feeds" and self.stopping:
            raise StopRequested

    def _lock_nap(self, seconds: float) -> None:
        if self.stopping:
            raise StopRequested
        self.stop_event.wait(seconds)

    def _report(self, result: RunResult) -> None:
        for feed in result.feeds:
            if feed.status in ("error", "warning", "gone", "retry_later"):
                self.log.warning("feed %s: %s%s", feed.name, feed.status, f": {feed.message}" if feed.message else "")
        for problem in result.problems:
            self.log.warning("%s", problem)
        for failure in result.failures:
            self.log.error("target failed: %s", failure)
        notes = ", ".join(f"{n} {k}" for k, n in sorted(result.notes.items())) or "none to write"
        self.log.info("sync done: notes: %s; %s", notes, result.headline())

    def _deliver_edits(self, now: datetime) -> None:
        if self.cfg.vault is None:
            return
        with Store(self.cfg.store_path) as store:
            done = journal.deliver(store, VaultEditSink(self.cfg, store, now, self.log), self.log)
        if done.push:
            self.log.info("%d edits made elsewhere written into the vault", len(done.push) - len(done.failed))

    def _set_error(self, text: str | None) -> None:
        with Store(self.cfg.store_path) as store:
            if text is not None or store.meta(ERROR_META):
                store.set_meta(ERROR_META, text or "")

    # -- config reload -----------------------------------------------------------------------
    def reload(self) -> bool:
        """Load the config again if its file changed; True when a new config is in use."""
        stamp = _stamp(self.cfg.path)
        if stamp == self._stamp:
            return False
        self._stamp = stamp
        try:
            new = load_config(self.cfg.path)
        except ConfigError as exc:
            self.log.error("config not reloaded, keeping the previous one: %s", exc)
            return False
        if new.store_path != self.cfg.store_path:
            self.log.error("config not reloaded, keeping the previous one: store.path changed; "
                           "restart the daemon to use another store")
            return False
        if new == self.cfg:
            return False
        old, self.cfg = self.cfg, new
        self.log.info("config reloaded; daily sync at %s %s", new.daemon.at, new.daemon.timezone)
        self._announced = None
        if new.daemon.log_file != old.daemon.log_file:
            setup_logging(new.daemon.log_file)
        if (old.vault, old.daemon.watch, old.daemon.debounce_seconds) != \
                (new.vault, new.daemon.watch, new.daemon.debounce_seconds):
            self._stop_watcher()
            self._start_watcher()
        return True

    # -- the watcher -----------------------------------------------------------------------
    def _start_watcher(self) -> None:
        if self.cfg.vault is not None and self.cfg.daemon.watch:
            self.watcher = self._watcher_factory(self.cfg, self.log.getChild("watcher"), env=self.env).start()

    def _stop_watcher(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()
            self.watcher = None


def install_signal_handlers(daemon: Daemon) -> None:
    """SIGTERM/SIGINT ask the daemon to stop between steps; a second one stops it at once."""
    def handler(signum: int, frame: object) -> None:
        if daemon.stopping:
            raise SystemExit(128 + signum)
        daemon.request_stop(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
