"""Watch the vault (watchdog) and feed what the reader did to ``reconcile``.

Contract: ``VaultWatcher(cfg, log).start()`` watches the vault recursively.
File events are reduced by ``classify`` (pure) to the note paths worth
reading and whether something was deleted or moved; Obsidian's settings,
hidden folders (``.trash``) and kbsync's hidden temp files are not notes.
Events collect in a ``Debouncer`` (pure; time passed in) until the vault has
been quiet for ``debounce_seconds`` (or, under a steady stream of events, at
most ``MAX_WAIT_FACTOR`` times that), then the batch is reconciled in the
watcher's thread with the store lock held. While a sync holds the lock, the
batch waits: its events are read afterwards, when every note kbsync wrote is
recorded, so kbsync's own writes never look like the reader's.

At start the whole vault is reconciled once (``catch_up``): what the reader
did while nothing was watching is recorded too.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from ..config import Config
from ..store import Store
from ..targets.obsidian.edits import Report, reconcile
from ..targets.obsidian.files import LocalFiles
from .lock import StoreLock

MAX_WAIT_FACTOR = 10
LOCK_RETRY = 0.5       # seconds between tries while a sync holds the lock


def is_note(rel: str | None) -> bool:
    """A visible Markdown file: not in .obsidian/.trash, not a hidden temp file."""
    if not rel or rel.startswith(".."):
        return False
    parts = PurePosixPath(rel).parts
    return rel.endswith(".md") and not any(p.startswith(".") for p in parts)


def _visible(rel: str | None) -> bool:
    return bool(rel) and not rel.startswith("..") and not any(p.startswith(".") for p in PurePosixPath(rel).parts)


def classify(kind: str, src: str | None, dest: str | None, is_dir: bool) -> tuple[set[str], bool]:
    """(note paths to read, structural) for one event; paths are vault-relative POSIX."""
    if is_dir:
        # a folder of notes moved or went: the sweep finds where each note is now
        return set(), kind in ("moved", "deleted") and (_visible(src) or _visible(dest))
    if kind == "moved":
        return ({dest} if is_note(dest) else set()), is_note(src)
    if kind == "deleted":
        return set(), is_note(src)
    if kind in ("created", "modified", "closed"):
        return ({src} if is_note(src) else set()), False
    return set(), False


@dataclass
class Batch:
    paths: set[str] = field(default_factory=set)
    structural: bool = False


class Debouncer:
    """Collects changes; a batch is ready after ``quiet`` s without events, or ``max_wait`` s after its first."""

    def __init__(self, quiet: float, max_wait: float):
        self.quiet, self.max_wait = quiet, max_wait
        self.batch = Batch()
        self.first: float | None = None
        self.last: float | None = None

    def add(self, paths: Iterable[str], structural: bool, now: float) -> None:
        paths = set(paths)
        if not paths and not structural:
            return
        self.batch.paths |= paths
        self.batch.structural |= structural
        self.first = now if self.first is None else self.first
        self.last = now

    def ready_at(self) -> float | None:
        if self.first is None or self.last is None:
            return None
        return min(self.last + self.quiet, self.first + self.max_wait)

    def take(self) -> Batch:
        batch, self.batch, self.first, self.last = self.batch, Batch(), None, None
        return batch


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: VaultWatcher):
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        self.watcher.event(event.event_type, event.src_path, getattr(event, "dest_path", "") or None,
                           event.is_directory)


class VaultWatcher:
    def __init__(self, cfg: Config, log: logging.Logger, *, clock: Callable[[], float] = time.monotonic,
                 now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                 on_report: Callable[[Report], None] | None = None, env: Mapping[str, str] | None = None):
        assert cfg.vault is not None
        self.cfg, self.log, self.clock, self.now, self.on_report = cfg, log, clock, now, on_report
        self.env = env or {}             # NOTION_TOKEN: the reader's edits go on to Notion at once
        self.root = str(cfg.vault.path)
        quiet = cfg.daemon.debounce_seconds
        self.debouncer = Debouncer(quiet, max(quiet * MAX_WAIT_FACTOR, quiet + 1))
        self.cond = threading.Condition()
        self.lock = StoreLock(cfg.store_path, what="kbsync daemon (vault watcher)")
        self.batches = 0                 # batches reconciled so far (tests poll this)
        self._stopping = False
        self._observer: Observer | None = None
        self._thread: threading.Thread | None = None

    # -- events (watchdog's thread) ---------------------------------------------------
    def _rel(self, path: str | bytes | None) -> str | None:
        if not path:
            return None
        path = os.fsdecode(path)
        return Path(os.path.relpath(path, self.root)).as_posix()

    def event(self, kind: str, src: str | None, dest: str | None, is_dir: bool) -> None:
        paths, structural = classify(kind, self._rel(src), self._rel(dest), is_dir)
        if paths or structural:
            with self.cond:
                self.debouncer.add(paths, structural, self.clock())
                self.cond.notify()

    # -- lifecycle ---------------------------------------------------------------------
    def start(self, *, catch_up: bool = True) -> VaultWatcher:
        Path(self.root).mkdir(parents=True, exist_ok=True)
        self._observer = self._schedule(Observer())
        self._thread = threading.Thread(target=self._loop, args=(catch_up,), name="kbsync-watcher", daemon=True)
        self._thread.start()
        self.log.info("watching %s for the reader's edits", self.root)
        return self

    def _schedule(self, observer: Observer) -> Observer:
        try:
            observer.schedule(_Handler(self), self.root, recursive=True)
            observer.start()
            return observer
        except OSError as exc:
            # e.g. the inotify watch limit on a huge vault: polling is slower but works
            self.log.warning("native file events unavailable (%s); polling the vault instead", exc)
            fallback = PollingObserver(timeout=max(self.cfg.daemon.debounce_seconds, 1.0))
            fallback.schedule(_Handler(self), self.root, recursive=True)
            fallback.start()
            return fallback

    def stop(self, timeout: float = 30.0) -> None:
        """Stop watching; a batch that is waiting is reconciled first if no sync holds the lock."""
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout)
        with self.cond:
            self._stopping = True
            self.cond.notify()
        if self._thread is not None:
            self._thread.join(timeout)
        self.lock.release()

    # -- the worker thread ---------------------------------------------------------------
    def _loop(self, catch_up: bool) -> None:
        if catch_up:
            self._process(Batch(set(LocalFiles(Path(self.root)).walk()), structural=True), final=False)
        while True:
            with self.cond:
                while not self._stopping:
                    at = self.debouncer.ready_at()
                    wait = None if at is None else at - self.clock()
                    if wait is not None and wait <= 0:
                        break
                    self.cond.wait(wait)
                stopping = self._stopping
                batch = self.debouncer.take()
            if batch.paths or batch.structural:
                self._process(batch, final=stopping)
            if stopping:
                return

    def _push_to_notion(self, store: Store) -> None:
        """The edits just recorded go on to Notion now, not at the next daily sync."""
        import httpx

        from ..targets.notion.api import NotionError
        from ..targets.notion.run import push_edits_now

        try:
            sent = push_edits_now(self.cfg, store, self.env, self.now(), self.log)
        except (NotionError, OSError, httpx.HTTPError) as exc:
            # kept in the journal: the next sync (or edit) offers them again
            self.log.warning("notion: reader edits not pushed yet: %s", exc)
            return
        if sent:
            self.log.info("notion: reader edits pushed (%d requests)", sent)

    def _process(self, batch: Batch, *, final: bool) -> None:
        if not self.lock.try_acquire():
            if final:
                self.log.info("stopping while a sync runs: %d changed notes are read at the next start",
                              len(batch.paths))
                return
            # a sync is writing: look again once it is done (its records will be there)
            with self.cond:
                self.debouncer.add(batch.paths, batch.structural, self.clock() - self.debouncer.quiet + LOCK_RETRY)
            return
        try:
            with Store(self.cfg.store_path) as store:
                report = reconcile(self.cfg, store, batch.paths, structural=batch.structural, now=self.now(),
                                   log=self.log)
                if report.changes and self.cfg.notion is not None:
                    self._push_to_notion(store)
            self.batches += 1
            if self.on_report is not None:
                self.on_report(report)
        except Exception:  # noqa: BLE001 - the watcher must outlive one bad batch
            self.log.exception("could not process vault changes (%d notes)", len(batch.paths))
            self.batches += 1
        finally:
            self.lock.release()
