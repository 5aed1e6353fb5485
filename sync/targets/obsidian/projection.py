"""The vault as one of the run's targets (``targets.base.Projection``).

Contract: ``edits_out`` notices notes the reader moved or deleted (the view's
``sweep``); ``edits_in`` writes edits made in Notion into the notes (skipped
in a dry run, which writes nothing); ``write`` writes article notes, then the
daily and weekly pages, counting into ``RunResult.notes`` and ``.pages``. The
vault fails as a whole on an ``OSError`` (disk full, permissions) or a
broken reader template (``TemplateError``, one line naming file and line).
Leaving it remembers the files the run placed (``own``), which the next
run's catch-up of the reader's edits then passes over.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from ...config import Config
from ...edits import journal
from ...pages.doc import Doc
from ...pages.templates import TemplateError
from ...store import Store
from ..base import Loaded, Outcome
from .ahead import ScanAhead
from .edits import VaultEditSink, catch_up
from .view import ObsidianView


class VaultProjection:
    name = "vault"
    errors: tuple[type[BaseException], ...] = (OSError, TemplateError)

    def __init__(self, cfg: Config, store: Store, now: datetime, *, dry_run: bool, namer: object,
                 log: logging.Logger, ahead: ScanAhead | None = None):
        self.cfg, self.store, self.now, self.dry_run, self.namer, self.log = cfg, store, now, dry_run, namer, log
        self.ahead = ahead   # the vault's listing, taken by a child since the run began
        self.view: ObsidianView | None = None

    def __enter__(self) -> VaultProjection:
        self.view = ObsidianView(self.cfg, self.store, dry_run=self.dry_run, namer=self.namer, ahead=self.ahead)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.view is None:
            return
        self.view.close()
        if exc[0] is None:
            # what was placed, also by a run whose writes failed half way (not after a crash
            # or an interrupt: then the next catch-up reads those notes once more)
            self.view.remember_placed()

    def edits_out(self) -> set[str]:
        assert self.view is not None
        # first the records of pages a killed run wrote (``wal``): until they are brought forward,
        # kbsync's own last write to a note would read as the reader's edit of it
        self.view.recover(self.now)
        if not self.dry_run:
            try:
                # the reader's edits since the last run (category, tags, ...), found in the view's walk
                caught = catch_up(self.cfg, self.store, self.now, self.log, scan=self.view.scanned)
            except OSError as exc:
                # an unreadable vault: the writes below report each note; the edits wait for the next run
                self.log.warning("vault: the reader's edits were not read: %s", exc)
            else:
                if caught:
                    # catch-up wrote pages and their records through a view of its own: this run's
                    # view must merge from those records, not from the ones it loaded before (a
                    # digest it rewrote would look edited by the reader, and be frozen for good)
                    self.view = ObsidianView(self.cfg, self.store, dry_run=self.dry_run, namer=self.namer)
        return self.view.sweep(self.now)

    def edits_in(self) -> set[str]:
        if not self.dry_run:
            journal.deliver(self.store, VaultEditSink(self.cfg, self.store, self.now, self.log), self.log)
        return set()

    def write(self, touched: set[str], *, restore: bool, loaded: Loaded, lap: Callable[[str], None],
              progress: Callable[[str, int, int], None]) -> dict[str, list[Outcome]]:
        assert self.view is not None
        view = self.view
        docs: list[Doc] = []

        def build_digests() -> None:
            # every note is decided: the digests are built while the writer thread (which needs no
            # GIL) still creates the last new notes' files
            lap("notes")
            docs.extend(view.rollup_docs(touched, restore=restore, loaded=loaded))
            lap("rollups built")

        notes = view.sync_notes(touched, self.now, restore=restore, progress=progress, loaded=loaded,
                                meanwhile=build_digests)
        lap("notes written")
        pages = view.sync_rollups(touched, self.now, restore=restore, loaded=loaded, docs=docs)
        lap("rollups")
        return {"notes": notes, "pages": pages}

    def finish(self) -> None:
        assert self.view is not None
        self.view.finish()

    def figures(self) -> dict[str, dict[str, int]]:
        return {}

    def notices(self) -> list[str]:
        return []

    def describe(self, exc: BaseException) -> str:
        if isinstance(exc, TemplateError):
            return f"vault: {exc}"   # one line naming the template file and line
        if isinstance(exc, OSError):
            return f"vault: {exc.filename or ''}: {exc.strerror or exc}"
        return f"vault: {exc}"
