"""Bring the store up to date with what the reader did in the vault (and back).

``reconcile(cfg, store, paths, structural=..., now=..., log=...)`` takes a
batch of vault-relative paths that changed and:

1. reads each note that is there and has a ``kb_id``;
2. when something was deleted, moved or renamed (``structural``, or a note
   turned up at a path its sync record does not name), runs the Obsidian
   view's own ``sweep`` (one vault walk: a moved note gets its new path, a
   deleted one is marked deleted) and re-renders the notes and rollups that
   link to them, so no wikilink is left pointing at a name that is gone
   (a sync's catch-up leaves that to the sync's own sweep, which follows it);
3. compares each article note's reader part (``edits.reader_view``) with what
   the journal says the vault shows, records the differences as edits made
   in Obsidian (at the file's modification time) and updates ``reader_state``;
   a category or tag edit rolls the article's day and week up again, so the
   digests list it as the reader has it.

Call it with the store lock held (``lock.StoreLock``): then no sync is half
way through writing, every note kbsync wrote has its sync record, and a note
kbsync wrote reads exactly as the journal already has it. That is why
kbsync's own writes are never taken for the reader's. A sync that was killed
leaves notes written but not recorded: their records are brought forward
first (``wal.recover``), before any note is compared.

``VaultEditSink`` is the vault's side of the journal seam: it writes edits
made elsewhere (a Notion status) into the notes' properties.
"""

from __future__ import annotations

import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

from ...config import Config
from ...edits import journal
from ...edits.journal import OBSIDIAN, Change
from ...edits.rules import OWNED_EDITS, OWNED_KEYS, apply_edit, diff, reader_view
from ...store import Store, SyncRecord, listed
from .. import owed
from . import own
from .files import LocalFiles
from .merge import read_note
from .swap import Guard, Write
from .view import ROLLUP_PREFIXES, ObsidianView, note_day
from .wal import recover
from .yamlfm import NoteParseError, dumps_note


@dataclass
class Report:
    changes: list[Change] = field(default_factory=list)
    moved: list[tuple[str, str, str]] = field(default_factory=list)   # kb_id, from, to
    deleted: list[str] = field(default_factory=list)                 # paths
    rerendered: int = 0
    unreadable: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.changes or self.moved or self.deleted or self.rerendered or self.unreadable)


@dataclass(frozen=True)
class NoteSeen:
    path: str
    props: dict[str, Any]
    modified: datetime


def _read(files: LocalFiles, rel: str, report: Report, log: logging.Logger) -> NoteSeen | None:
    try:
        text = files.read(rel)
        if text is None:
            return None
        props, _ = read_note(text)
        modified = datetime.fromtimestamp(os.stat(files.root / rel).st_mtime, timezone.utc)
    except NoteParseError as exc:
        report.unreadable.append(rel)
        log.warning("unreadable note left as is: %s: %s", rel, exc)
        return None
    except (OSError, ValueError, UnicodeDecodeError):
        return None  # gone again, or not a note we may read
    kb_id = props.get("kb_id")
    return NoteSeen(rel, props, modified) if isinstance(kb_id, str) and kb_id else None


class KnownTrendNames:
    """Weekly trend names Claude gave earlier (stored by group), without asking Claude again.

    A re-render after a move must show the same trend names as the daily sync
    wrote; a group never named keeps its offline name, as it had.
    """

    def __init__(self, store: Store, cfg: Config):
        self.store, self.model, self.cfg = store, cfg.scoring.model, cfg

    def name_trends(self, trends: Sequence[Any]) -> list[Any]:
        from ...scoring.trends import group_hash
        from ...store import claude as db

        keys = [group_hash(t, self.model) for t in trends]
        named = db.trend_names(self.store, keys) if keys else {}
        return [replace(t, name=named[k][0], description=named[k][1]) if k in named else t
                for k, t in zip(keys, trends)]

    def themes(self, stories: Sequence[Any], offline: Sequence[Any]) -> list[Any]:
        """The week's themes Claude wrote earlier (cached), else the offline groups as named."""
        return self._digests().themes(stories, offline)

    def overview(self, day: Any) -> str:
        return self._digests().overview(day)

    def _digests(self) -> Any:
        from ...scoring.digests import ClaudeDigests

        # no session: the caches only, never a request
        return ClaudeDigests(None, self.store, self.cfg.scoring, datetime.now(timezone.utc), namer=self,
                             themes=self.cfg.scoring.claude.themes, overview=self.cfg.scoring.claude.daily_overview)


def _sweep(cfg: Config, store: Store, now: datetime, report: Report,
           log: logging.Logger) -> Mapping[str, SyncRecord]:
    """The view's own sweep, then re-render whatever linked to a moved or deleted note."""
    view = ObsidianView(cfg, store, namer=KnownTrendNames(store, cfg))
    # a changed template or zone is the daily sync's job; here only the pages around the move
    view.rerender_all = view.rerender_digests = False
    before = {k: (path, state) for k, path, state in listed(view.records)}
    touched = view.sweep(now)
    for key, path, state in listed(view.records):
        old_path, old_state = before.get(key, (None, None))
        if old_state == "present" and state == "deleted":
            report.deleted.append(old_path or key)
            log.info("deleted by the reader: %s", old_path)
        elif old_state == "present" and path != old_path:
            report.moved.append((key, old_path or "", path or ""))
            log.info("moved by the reader: %s -> %s", old_path, path)
    if touched:
        outcomes = view.sync_notes(touched, now) + view.sync_rollups(touched, now)
        report.rerendered = sum(o.status in ("updated", "created", "restored") for o in outcomes)
        for outcome in outcomes:
            if outcome.status in ("error", "conflict") and outcome.message:
                log.warning("%s: %s", outcome.name, outcome.message)
    return view.records


def reconcile(cfg: Config, store: Store, paths: Iterable[str], *, structural: bool, now: datetime,
              log: logging.Logger, listing: Container[str] | None = None) -> Report:
    """See the module docstring. Returns what was found and recorded.

    ``listing``: the vault's notes, when a sync's catch-up calls this; that sync sweeps right
    after (and reports the pages it re-renders), so a note found away from its recorded path,
    which the listing lacks, is taken as moved there (its edits are recorded) and no sweep runs
    here."""
    assert cfg.vault is not None
    files = LocalFiles(cfg.vault.path)
    report = Report()
    # the records of notes a killed sync wrote come first: else its writes read as the reader's edits
    recover(store, OBSIDIAN, files, now)
    seen = [n for n in (_read(files, rel, report, log) for rel in sorted(set(paths))) if n is not None]
    kb_ids = {n.props["kb_id"] for n in seen}
    records = store.sync_records(OBSIDIAN, kb_ids) if kb_ids else {}
    away = [n for n in seen if (r := records.get(n.props["kb_id"])) is not None and r.path != n.path]
    moved: set[str] = set()
    if away and listing is not None:
        # the sync's own sweep records the move; a kb_id found at two new places is a copy
        found = Counter(n.props["kb_id"] for n in away)
        moved = {n.path for n in away if records[n.props["kb_id"]].path not in listing
                 and found[n.props["kb_id"]] == 1}
    elif away:
        structural = True  # a note turned up somewhere its record does not say: it moved
    if structural:
        records = _sweep(cfg, store, now, report, log)
    # only article notes at their recorded place count (or moved, above); a copy elsewhere is not the note
    notes = {n.props["kb_id"]: n for n in seen
             if (r := records.get(n.props["kb_id"])) is not None and r.state == "present"
             and (r.path == n.path or n.path in moved) and not r.key.startswith(ROLLUP_PREFIXES)}
    if not notes:
        return report
    shown: dict[str, dict[str, Any]] = {}
    for (kb_id, prop), change in journal.visible(store, OBSIDIAN, notes).items():
        if change.value is not None:
            shown.setdefault(kb_id, {})[prop] = change.value
    changes = []
    for kb_id, note in sorted(notes.items()):
        old = shown.get(kb_id, {})
        new = reader_view(note.props, records[kb_id].base().get("props", {}))
        changes += [Change(kb_id, prop, value, note.modified, OBSIDIAN) for prop, value in diff(old, new)]
    # reader_state first: edits are detected against the journal, so a crash between
    # the two writes records the edit on the next look; readers of the journal find both
    store.save_reader_state([(k, _own(notes[k].props)) for k in sorted({c.kb_id for c in changes})], now)
    # the days of a category or tag edit are owed before the journal takes it: a run killed between
    # the journal and the digests below would find the edit known next time, and nothing to roll up
    days = {note_day(p) for c in changes if c.property in OWNED_EDITS
            for p in (notes[c.kb_id].props, records[c.kb_id].base().get("props", {}))}
    days.discard(None)
    if days:
        owed.owe(store, OBSIDIAN, days)
    report.changes = journal.record(store, changes, log)
    for change in report.changes:
        log.info("reader edit in %s: %s = %s", notes[change.kb_id].path, change.property,
                 "(cleared)" if change.value is None else change.value)
    regroup = {c.kb_id for c in report.changes if c.property in OWNED_EDITS}
    if regroup:
        # a category or tags changed by hand: the day's and the week's digests list it so at once
        view = ObsidianView(cfg, store, namer=KnownTrendNames(store, cfg))
        view.rerender_all = view.rerender_digests = False
        outcomes = view.sync_rollups(regroup, now)
        report.rerendered += sum(o.status in ("updated", "created", "restored") for o in outcomes)
    return report


def catch_up(cfg: Config, store: Store, now: datetime, log: logging.Logger,
             scan: Callable[[], tuple[float, Mapping[str, float | None]]] | None = None) -> Report:
    """``reconcile`` the notes saved since the last catch-up listed the vault, less those
    still as kbsync placed them (``own``): what a ``kbsync sync`` run without the daemon
    learns of the reader's edits (one stat per note, read only if newer).
    ``scan``: (when the listing was taken, the vault's notes and their mtimes) when the
    caller walked it already (the sync's view, whose sweep reads the same walk)."""
    assert cfg.vault is not None
    root = cfg.vault.path
    since = own.last_read(store, OBSIDIAN)
    if since is None:
        # a store from before the catch-ups were marked: from the last run's end, as then
        last = store.last_run()
        since = datetime.fromisoformat(last["finished_at"]).timestamp() if last and last.get("finished_at") else None
    if since is None:
        # the first run: nothing the reader did before it is an edit of kbsync's notes
        own.read_up_to(store, OBSIDIAN, time.time())
        return Report()
    listed_at, times = scan() if scan is not None else (time.time(), LocalFiles(root).scan())
    paths = own.unread(store, OBSIDIAN, root, [rel for rel, mtime in times.items()
                                               if mtime is not None and mtime > since])
    report = reconcile(cfg, store, paths, structural=False, now=now, log=log, listing=times) if paths else Report()
    own.read_up_to(store, OBSIDIAN, listed_at)
    return report


def _own(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if k not in OWNED_KEYS}


class VaultEditSink:
    """Writes edits made elsewhere into the notes (``journal.EditSink``); call with the lock held."""

    name = OBSIDIAN

    def __init__(self, cfg: Config, store: Store, now: datetime, log: logging.Logger):
        assert cfg.vault is not None
        self.files = LocalFiles(cfg.vault.path)
        self.store, self.now, self.log = store, now, log

    def push_edits(self, changes: Sequence[Change]) -> list[Change]:
        records = self.store.sync_records(OBSIDIAN, {c.kb_id for c in changes})
        writes: list[Write] = []
        states: list[tuple[str, dict[str, Any]]] = []
        failed: list[Change] = []
        for kb_id in dict.fromkeys(c.kb_id for c in changes):
            group = [c for c in changes if c.kb_id == kb_id]
            record = records.get(kb_id)
            text, seen = self.files.read_stamped(record.path) if record and record.state == "present" \
                and record.path else (None, None)
            if text is None:
                self.log.info("edit for %s not written: its note is not in the vault", kb_id)
                continue
            try:
                props, body = read_note(text)
            except NoteParseError as exc:
                self.log.warning("edit for %s not written yet: unreadable note %s: %s", kb_id, record.path, exc)
                failed += group
                continue
            base = record.base().get("props", {})
            for change in group:
                try:
                    props = apply_edit(props, base, change.property, change.value)
                except ValueError as exc:
                    self.log.warning("edit for %s ignored: %s", kb_id, exc)
            new = dumps_note(props, body)
            if new != text:
                # a save of the reader's meanwhile gets the same edits applied to it, not overwritten
                writes.append((record.path, new, Guard(seen, _with_edits(group, base))))
            states.append((kb_id, _own(props)))
        try:
            skipped = self.files.write_many(writes)
        except OSError as exc:
            self.log.error("could not write edits into the vault: %s", exc)
            return list(changes)
        for path, why in skipped.items():
            self.log.warning("edit for %s not written yet: %s", path, why)
        failed += [c for c in changes if (r := records.get(c.kb_id)) is not None and r.path in skipped]
        self.store.save_reader_state(states, self.now)
        return failed


def _with_edits(group: Sequence[Change], base: dict[str, Any]) -> Callable[[str], str]:
    def apply(text: str) -> str:
        props, body = read_note(text)
        for change in group:
            try:
                props = apply_edit(props, base, change.property, change.value)
            except ValueError:
                pass   # refused the first time too (and logged then)
        return dumps_note(props, body)
    return apply
