"""The Obsidian projection of the store: article notes and rollup pages.

Contract: only pages whose inputs may have changed are rendered (articles that
are new, changed, rescored or whose related list changed, and the weeks and
days they fall in); ``targets.base.plan`` then drops every page whose owned
part is unchanged, so a no-op sync reads and writes no note. When the way
pages are rendered changes (templates, path template, time zone: the render
fingerprint), every page is rendered again once; a change in the digest templates
alone renders every digest again, not the notes. In a run whose notes are all new
(a first sync), the digests are built by a worker while the notes are written
(``digests.DigestsAhead``), and used only if what they were built from still holds.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import date, datetime
from pathlib import PurePosixPath
from time import time as time_now
from typing import Any

from ... import __version__
from ...config import Config
from ...edits import journal
from ...edits.rules import OWNED_EDITS, normal
from ...links.index import linking_to
from ...models import Article, Score, content_hash
from ...pages import templates
from ...pages.article import path_values
from ...pages.doc import Doc
from ...parallel import Forked, cores
from ...rollups.digest import TrendNamer, day_of, week_bounds, week_label
from ...rollups.pages import window
from ...rollups.recent import recent_days, recent_weeks
from ...store import StoredOwned, Store, SyncRecord, listed, missing_from
from .. import owed
from ..base import Intent, Outcome, plan
from . import digests, home, own
from .ahead import ScanAhead
from .files import LocalFiles, OverlayFiles
from .paths import name_key
from .related import related_items
from .relink import Names, retarget
from .rendering import NoteItem, Rendered, render_notes
from .swap import Guard
from .vault import NoteTarget
from .wal import clear_journal, recover_journal, write_journal

TARGET = "obsidian"
ROLLUP_PREFIXES = ("weekly-", "daily-")


DIGEST_TEMPLATES = ("daily.md.j2", "weekly.md.j2")


def render_fingerprint(cfg: Config, *, digests: bool = True) -> str:
    """Everything besides the data that shapes a page; a change re-renders all pages of its kind.

    The digests' fingerprint covers everything; the notes' leaves out the digest templates, which
    no note is rendered with: a reader editing ``daily.md.j2`` gets every digest written again, not
    every note rendered again to be found unchanged (100,000 notes: about 30 s).
    """
    assert cfg.vault is not None
    texts = templates.texts(cfg.vault.templates)   # the reader's where they have one
    if not digests:
        texts = [(name, text) for name, text in texts if name not in DIGEST_TEMPLATES]
    vault = {"template": cfg.vault.path_template, "weekly": cfg.vault.weekly_folder, "daily": cfg.vault.daily_folder}
    return content_hash({"version": __version__, "templates": texts, "vault": vault,
                         "rollups": cfg.rollups, "links": cfg.links,
                         "thresholds": [cfg.scoring.must_read, cfg.scoring.worth_reading]})


NOTE_BATCH = 500   # notes written, then recorded, together
NOTES_IN_FLIGHT = 2   # batches of new notes handed to the writer and not yet recorded (their texts are held)


def _batches(chunks: Iterable[list[Rendered]], size: int) -> Iterator[list[Rendered]]:
    """Rendered chunks regrouped into batches of ``size`` (the last one shorter)."""
    batch: list[Rendered] = []
    for chunk in chunks:
        batch += chunk
        while len(batch) >= size:
            yield batch[:size]
            batch = batch[size:]
    if batch:
        yield batch


class ObsidianView:
    def __init__(self, cfg: Config, store: Store, *, dry_run: bool = False, namer: TrendNamer | None = None,
                 ahead: ScanAhead | None = None):
        """``ahead``: the vault's listing being taken by a child since the run began (``ahead``)."""
        assert cfg.vault is not None
        self.cfg, self.store = cfg, store
        self.namer = namer   # names the weekly trend groups (Claude's); None: the offline phrase names
        files = LocalFiles(cfg.vault.path)
        # a dry run writes into memory over the real vault: same code path, no file touched
        self.files = OverlayFiles(files) if dry_run else files
        self.target = NoteTarget(self.files, cfg.vault.path_template, name=TARGET)
        self.new_paths: dict[str, str] = {}   # notes allocated this run, named before they are written
        # notes and digests each rendered again after a change in what shapes them (``render_fingerprint``)
        self.fingerprint = render_fingerprint(cfg, digests=False)
        self.digests_fingerprint = render_fingerprint(cfg)
        self.rerender_all = store.meta(f"render:{TARGET}") != self.fingerprint
        self.rerender_digests = self.rerender_all or store.meta(f"render-digests:{TARGET}") != self.digests_fingerprint
        # a run that renders every page merges every one: their merge bases are read at once;
        # any other run reads the few it merges when it merges them
        self.records: MutableMapping[str, SyncRecord] = store.sync_records(TARGET, defer_owned=not self.rerender_all)
        self.tz = cfg.rollups.tz
        self._listing: dict[str, float | None] | None = None   # every note path, its mtime (one walk per run)
        self.listed_at = 0.0
        self._ahead = None if dry_run else ahead
        self._present: set[str] | None = None
        self._keyed: ScanAhead | None = None   # the child that listed the vault, keying its names
        self._none_missing = False   # the sweep found every recorded page in the listing
        self.reedited: set[str] = set()           # articles whose category or tags the reader changed
        self._names: Names | None = None
        self.target.relink = self.relink
        self.target.listing = self.present     # placing new notes reads the same walk,
        self.target.known_names = lambda: self.names().counts   # and the names keyed from it
        templates.check(cfg.vault.templates)   # a broken template stops here, before any page is written
        self._known: tuple[Mapping[str, Article], Mapping[str, Score]] = ({}, {})   # the run's, for rollups
        # the digests, being built by a worker (a first sync) or a forked child (a daily run), or
        # their inputs read (a small daily run)
        self._digests_ahead: digests.DigestsAhead | digests.DigestsForked | digests.DigestsRead | None = None

    # -- names ------------------------------------------------------------------------
    def listing(self) -> dict[str, float | None]:
        """Every note path in the vault with its modification time (``Files.scan``): one walk
        serves the run's catch-up of the reader's edits, the sweep, the names and the
        placement of new notes."""
        if self._listing is None and self._ahead is not None:
            self.listed_at, self._listing, leftovers = self._ahead.result()
            self._keyed = self._ahead   # keys the listing's names, sent when asked for (``names``)
            if isinstance(self.files, LocalFiles):
                self.files.add_leftovers(leftovers)
            self._ahead = None
        if self._listing is None:
            self.listed_at = time_now()
            self._listing = self.files.scan()
        return self._listing

    def scanned(self) -> tuple[float, dict[str, float | None]]:
        """``listing`` and when it was taken (epoch seconds, read before the walk began)."""
        listing = self.listing()
        return self.listed_at, listing

    def present(self) -> set[str]:
        if self._present is None:
            if self._listing is None and self._ahead is not None:
                self.listing()   # a child listed the vault already (a first run takes no catch-up)
            # the walk with mtimes when the run took it (catch-up); a plain walk is cheaper
            self._present = set(self._listing if self._listing is not None else self.files.walk())
        return self._present

    def names(self) -> Names:
        """The vault's names as link resolution sees them, with the pages this run will add."""
        if self._names is None:
            present = self.present()
            # the listing keyed by the child that took it, or here
            keys = self._keyed.keys() if self._keyed is not None else None
            self._names = Names(self._listing, keys) if keys is not None else Names(present)
            # a recorded path the walk found is in already (most of them; all of them when the
            # sweep found none missing since: one pass over 100,000 records is 0.05 s)
            for key in () if self._none_missing else missing_from(self.records, present):
                self._names.add(self.records[key].path or "")
        return self._names

    def path_of(self, key: str) -> str | None:
        """Where the page with kb_id ``key`` is now (or goes this run); None: no page."""
        path = self.new_paths.get(key)
        record = self.records.get(key)
        if path is None and record is not None and record.state == "present":
            path = record.path
        return path

    def note_name(self, kb_id: str) -> str | None:
        """The link target for a page: its base name, or its path when another note shares
        the name (None: no page to link to). Resolved from the kb_id, so a renamed or moved
        page keeps every link kbsync writes to it."""
        path = self.path_of(kb_id)
        return self.names().target(path) if path else None

    def week_link(self, label: str) -> str:
        """The ``week`` property: a link to the week's digest wherever the reader put it."""
        path = self.path_of(f"weekly-{label}") or f"{self.cfg.vault.weekly_folder}/{label}.md"
        target = self.names().target(path)
        return f"[[{target}]]" if PurePosixPath(target).name == label else f"[[{target}|{label}]]"

    def relink(self, block: str, region: str) -> str:
        """Mend the link targets of a block the reader edited (never its words)."""
        return retarget(block, region, self.names().resolves)

    def digest_names(self) -> digests.DigestNames:
        """How this run's digests name the notes and weeks they link to."""
        return digests.DigestNames(self.note_name, self.week_link)

    # -- the reader's moves and deletions -------------------------------------------------
    def sweep(self, now: datetime) -> set[str]:
        """Notice pages the reader moved or deleted since the last run.

        One walk of the vault's folders; only when a page is missing are notes
        opened to find kb_ids. A moved page gets its new path recorded, a deleted
        one is marked deleted (and stays so). Returns the articles whose pages
        must be rendered again: the ones that moved or went, and those linking
        to them, so no link is left pointing at a name that is gone.
        """
        present = self.present()   # one directory walk beats a stat per note
        missing = [self.records[key] for key in missing_from(self.records, present)]
        if not missing:
            self._none_missing = True
            return set()
        index = self.target.index()
        updated = [replace(r, path=index[r.key]) if r.key in index else replace(r, state="deleted")
                   for r in missing]
        self.store.save_sync_records(updated, now)
        self.records.update((r.key, r) for r in updated)
        self._names = None
        # the pages whose link target changed: the moved and deleted ones, and every kbsync page
        # whose base name a move made shared (or unique again), whose links must now say more
        keys = {name_key(PurePosixPath(p)) for r in missing for p in (r.path, index.get(r.key)) if p}
        changed = {r.key for r in missing} | {
            k for k, path, state in listed(self.records)
            if state == "present" and path and name_key(PurePosixPath(path)) in keys}
        articles = {k for k in changed if not k.startswith(ROLLUP_PREFIXES)}
        for key in changed - articles:
            if key.startswith("weekly-"):
                # a moved week: its articles' and days' ``week`` links point at it
                first, last = week_bounds(key.removeprefix("weekly-"), self.cfg.rollups)
                articles |= {a.kb_id for a in window(self.store, first, last, self.tz)[0]}
        return articles | linking_to(self.store, articles)

    # -- article notes -------------------------------------------------------------------
    def sync_notes(self, touched: set[str], now: datetime, *, restore: bool = False,
                   progress: Callable[[str, int, int], None] | None = None,
                   loaded: tuple[Mapping[str, Article], Mapping[str, Score]] = ({}, {}),
                   meanwhile: Callable[[], None] | None = None) -> list[Outcome]:
        """Write the notes of ``touched`` articles (and any scored one without a note).

        ``loaded`` holds articles and scores the caller already has in memory
        (by kb_id); only the others are read from the store. ``meanwhile`` is
        work to do while the last new notes are still being written (building
        the digests): it runs once every note is decided and every rewritten
        note is recorded, so it sees all of the reader's edits the merges found.
        """
        self.recover(now)
        if self.rerender_all or restore:
            ids = set(self.store.all_ids())
        else:
            ids = touched | set(self.store.scored_ids_without_record(TARGET))
        articles, scores = self.store.scored_articles(ids, loaded)
        ordered = sorted(articles.values(), key=lambda a: (a.published, a.kb_id))
        unplaced = [a for a in ordered if a.kb_id not in self.records]
        # notes already in the vault that the store does not know (a lost store) are adopted, not duplicated
        existing = self.target.unrecorded(self.records) if unplaced else {}
        allocated = self.target.allocate(
            {a.kb_id: path_values(a, scores[a.kb_id], self.tz) for a in unplaced if a.kb_id not in existing},
            self.records)
        allocated.update((a.kb_id, existing[a.kb_id]) for a in unplaced if a.kb_id in existing)
        self.new_paths.update(allocated)
        for path in allocated.values():
            self.names().add(path)
        self.target.restore = restore

        related = related_items(self.store, articles, self.note_name)
        weeks = {a.kb_id: week_label(a.published, self.cfg.rollups) for a in ordered}
        links = {label: self.week_link(label) for label in set(weeks.values())}
        items = [NoteItem(a, scores[a.kb_id], related.get(a.kb_id, []), weeks[a.kb_id], allocated.get(a.kb_id),
                          links[weeks[a.kb_id]], self.cfg.vault.templates) for a in ordered]
        if len(unplaced) == len(ordered) >= digests.AHEAD_MIN and not existing:
            # every note is new: its digests can be built meanwhile (``digests``)
            self._start_digests(touched, restore=restore, loaded=loaded)
        outcomes: list[Outcome] = []
        done_items = 0
        # Rendered on every core for a big batch (rendering.render_notes), chunk by chunk in
        # order; this thread plans and decides each batch while a writer thread creates the
        # files of the batches before (the kernel's work: it needs no GIL). A batch is recorded
        # only once its files are written, in order: a crash loses at most the records of the
        # batches in flight (new notes are adopted by kb_id on the next run, never duplicated;
        # rewritten ones are in the write-ahead journal, hence one journalled batch at a time).
        in_flight: deque[tuple[Future[None], list[Outcome], bool]] = deque()

        def settle(keep: int = 0) -> None:
            while len(in_flight) > keep:
                written, done, _ = in_flight.popleft()
                written.result()
                self._save(done, now, reader=True)
                outcomes.extend(done)

        def hand_over(intents: list[Intent], prepared: Mapping[str, Any]) -> None:
            """Decide ``intents`` here, journal them, and give their files to the writer."""
            journalled = any(i.record is not None for i in intents)
            if journalled or any(j for *_, j in in_flight):
                settle()   # a journalled batch is written alone, after all before it
            creating = {i.doc.key for i in intents if i.action == "create"}
            self.target.prepared = {key: prepared[key] for key in creating}
            decided, writes = self.target.decide(intents)
            self.target.prepared = {}
            write_journal(self.store, TARGET, intents)
            in_flight.append((writer.submit(self.target.write, decided, writes), decided, journalled))
            settle(keep=NOTES_IN_FLIGHT)

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kbsync-notes") as writer:
            try:
                for batch in _batches(render_notes(items, self.tz), NOTE_BATCH):
                    if progress:
                        progress("notes", done_items, len(items))
                    done_items += len(batch)
                    todo = plan([r.doc for r in batch], self.records, restore=restore,
                                hashes={r.doc.key: r.owned_hash for r in batch})
                    if not todo.intents:
                        continue
                    # the digests these notes feed are owed before any of them is written (``owed``)
                    self._owe(todo.intents, [r.doc for r in batch])
                    if done_items == len(items) and self._digests_ahead is None:
                        # every page this run writes is owed: a child can compose them meanwhile
                        self._fork_digests(touched, restore=restore, loaded=loaded)
                    prepared = {r.doc.key: r.prepared for r in batch}
                    # rewritten notes (journalled) first, the new ones apart after them: a daily run
                    # rewrites older notes for their new related links, and its new notes can then
                    # still be in flight while the digests are built (``meanwhile``)
                    for intents in ([i for i in todo.intents if i.record is not None],
                                    [i for i in todo.intents if i.record is None]):
                        if intents:
                            hand_over(intents, prepared)
                if meanwhile is not None:
                    # new notes may still be in flight; the merges' findings must all be recorded
                    settle(keep=0 if any(j for *_, j in in_flight) else len(in_flight))
                    try:
                        meanwhile()
                    finally:
                        settle()   # the notes written are recorded, whatever became of the digests
                settle()
            finally:
                for written, *_ in in_flight:
                    written.exception()   # a failed run still waits for the file writes it started
        if progress:
            progress("notes", len(items), len(items))
        return outcomes

    def recover(self, now: datetime) -> None:
        """Records of pages a killed run wrote but did not record (``wal``, the write-ahead log)."""
        recovered = recover_journal(self.store, TARGET, self.files, self.records, now)
        if recovered:
            self.records.update((r.key, r) for r in recovered)
            self._none_missing = False   # a recovered record's path may be one the walk did not see

    def _owe(self, intents: Iterable[Intent], docs: Iterable[Doc]) -> None:
        """Before notes are written: the days whose digests they feed are owed (``owed``), the
        day each note is on now and, for a note rewritten, the day its record says it was on
        (an article whose date moved must leave its old day's digest too)."""
        days = {note_day(d.props) for d in docs}
        if not (self.rerender_all or self.target.restore):
            # (after a render change or with --restore every digest is written again anyway)
            days |= {note_day(i.record.base().get("props", {})) for i in intents
                     if i.record is not None and i.action == "update"}
        days.discard(None)
        if days:
            owed.owe(self.store, TARGET, days)

    def _save(self, outcomes: Iterable[Outcome], now: datetime, *, reader: bool) -> None:
        records = [o.record for o in outcomes if o.record is not None]
        self.store.save_sync_records(records, now)
        for outcome in outcomes:
            if outcome.record is not None:
                # the merge base stays in the store until a merge needs it: a first sync would
                # hold every note's text in memory once more (10,000 notes: some 60 MB) for no use
                outcome.record = replace(outcome.record, owned=StoredOwned(self.store, TARGET, outcome.key))
                self.records[outcome.key] = outcome.record
        clear_journal(self.store, TARGET)
        if reader:
            states = [(o.key, o.reader_props) for o in outcomes if o.reader_props]
            self.store.save_reader_state(states, now)
            self._record_edits([o for o in outcomes if o.edits is not None], now)

    def _record_edits(self, outcomes: list[Outcome], now: datetime) -> None:
        """The reader's category and tag edits seen while merging go into the journal, so the
        digests and Notion show them; their pages are rolled up again in this run."""
        if not outcomes:
            return
        shown = journal.visible(self.store, TARGET, [o.key for o in outcomes])
        changes = []
        for outcome in outcomes:
            for prop in OWNED_EDITS:
                value = (outcome.edits or {}).get(prop)
                known = shown.get((outcome.key, prop))
                if normal(value) != normal(known.value if known else None):
                    changes.append(journal.Change(outcome.key, prop, value, now, TARGET))
        recorded = journal.record(self.store, changes)
        self.reedited |= {c.kb_id for c in recorded}

    # -- rollups -------------------------------------------------------------------------
    def sync_rollups(self, touched: set[str], now: datetime, *, restore: bool = False,
                     weeks: Iterable[str] = (), days: Iterable[date] = (), only: bool = False,
                     loaded: tuple[Mapping[str, Article], Mapping[str, Score]] = ({}, {}),
                     docs: list[Doc] | None = None) -> list[Outcome]:
        """Write the digests of the touched articles' days and weeks (every one after a render
        change or with ``restore``); ``only``: just the given ``weeks`` and ``days``. ``loaded``:
        articles and scores the caller has in memory, current (the run's), by kb_id, which are
        not read again. ``docs``: the pages ``rollup_docs`` built for the same arguments (while
        the notes were written); None: built here."""
        self.recover(now)
        if docs is None:
            docs = self.rollup_docs(touched, restore=restore, weeks=weeks, days=days, only=only, loaded=loaded)
        self.target.reserve(d.path for d in docs if d.path)
        self.target.restore = restore
        removed = self._remove_empty([d for d in docs if d.props.get("articles") == 0 and not only])
        docs = [d for d in docs if d.key not in removed]
        todo = plan(docs, self.records, restore=restore)
        write_journal(self.store, TARGET, todo.intents)
        outcomes = self.target.apply(todo.intents)
        self._save(outcomes, now, reader=False)
        if not only:
            # what is owed is written now, but for pages that failed (the next run tries them again)
            owed.settle(self.store, TARGET, owed.page_days({o.key for o in outcomes if o.status == "error"},
                                                           self.cfg.rollups))
            try:
                self.sync_home()
            except OSError as exc:
                # the dashboard is a convenience: a vault that cannot take it has its notes' errors already
                logging.getLogger("kbsync").warning("vault: Home.md not updated: %s", exc.strerror or exc)
        return outcomes + [Outcome(k, "removed", where=p) for k, p in removed.items()]

    def rollup_docs(self, touched: set[str], *, restore: bool = False, weeks: Iterable[str] = (),
                    days: Iterable[date] = (), only: bool = False,
                    loaded: tuple[Mapping[str, Article], Mapping[str, Score]] = ({}, {})) -> list[Doc]:
        """The digest pages ``sync_rollups`` writes for these arguments (see there); nothing is written."""
        self._known = loaded
        weeks, days = self._rollup_dates(touched, loaded[0], restore=restore, weeks=weeks, days=days, only=only)
        ahead, self._digests_ahead = self._digests_ahead, None
        if ahead is not None:
            if self.reedited:
                ahead.close()   # a merge found the reader's edits: the pages must show them
            elif (built := ahead.result(weeks, days)) is not None:
                return built    # built by a worker from what still holds
        return digests.pages(self.store, self.cfg, weeks, days, loaded, self.digest_names(), self.namer)

    def _start_digests(self, touched: set[str], *, restore: bool,
                       loaded: tuple[Mapping[str, Article], Mapping[str, Score]]) -> None:
        """The digests ``rollup_docs`` will build, started in a worker now, when that pays: every
        new note has its path. Only offline (Claude's names are asked for by this process) and
        with the store on disk (a dry run's is in memory)."""
        if self.namer is not None or self.store.path is None or not isinstance(self.files, LocalFiles) \
                or cores() < 2:
            return
        weeks, days = self._rollup_dates(touched, loaded[0], restore=restore)
        noted = {*self.new_paths, *(k for k, r in self.records.items() if r.state == "present")}
        self._digests_ahead = digests.DigestsAhead(self.store, self.cfg, weeks, days, loaded, self.digest_names(),
                                                   noted)

    def _fork_digests(self, touched: set[str], *, restore: bool,
                      loaded: tuple[Mapping[str, Article], Mapping[str, Score]]) -> None:
        """The digests ``rollup_docs`` will build, composed by a forked child now when that pays
        (``digests.DigestsForked``), else from the inputs read now (``digests.DigestsRead``).
        Only offline (Claude names trends in this process) and with nothing but this thread
        running (``Forked.possible``)."""
        if self.namer is not None or cores() < 2 or not Forked.possible():
            return
        self.names()   # in memory before the fork: the child cannot read the listing's pipe
        weeks, days = self._rollup_dates(touched, loaded[0], restore=restore)
        self._digests_ahead = digests.DigestsForked.start(self.store, self.cfg, weeks, days, loaded,
                                                          self.digest_names())

    def _rollup_dates(self, touched: set[str], known: Mapping[str, Article], *, restore: bool = False,
                      weeks: Iterable[str] = (), days: Iterable[date] = (), only: bool = False
                      ) -> tuple[list[str], list[date]]:
        """The weeks and days ``rollup_docs`` builds, in order (``known``: the run's articles in
        memory); a new weekly page's name counts from now on (``names``)."""
        touched = touched | self.reedited
        weeks, days = set(weeks), set(days)
        rebuild_all = (self.rerender_digests or restore) and not only
        # only publication times are needed here: no article text is read for them
        if rebuild_all:
            # every article's day: in memory when the run holds every article (a first sync)
            everyone = len(known) == self.store.count_articles()
            times = [a.published for a in known.values()] if everyone else self.store.publication_times()
        else:
            times = [*(known[k].published for k in touched if k in known),
                     *(a.published for a in self.store.get_articles(k for k in touched if k not in known).values())]
        # the days owed by the notes written before (this run's, or a killed run's: ``owed``)
        owing = set() if only else owed.owed(self.store, TARGET)
        owing_weeks = {week_label(d, self.cfg.rollups) for d in owing}
        found_weeks = owing_weeks | {week_label(moment, self.cfg.rollups) for moment in times}
        found_days = owing | {day_of(moment, self.cfg.rollups) for moment in times}
        # digests for recent days and weeks only; the ones asked for (kbsync rollup) always
        newest = self.store.newest_published()
        weeks |= recent_weeks(found_weeks, newest, self.cfg.rollups)
        days |= recent_days(found_days, newest, self.cfg.rollups)
        # an owed digest that exists is written again even when no longer recent (an article left it)
        days |= {d for d in owing if self._present_key(f"daily-{d.isoformat()}")}
        weeks |= {w for w in owing_weeks if self._present_key(f"weekly-{w}")}
        if rebuild_all:
            # every digest written before too: after a time zone change an article leaves its old
            # day, and that page must stop listing it (or go, if it is empty and untouched)
            for key, _, state in listed(self.records):
                if state == "present" and key.startswith("weekly-"):
                    weeks.add(key.removeprefix("weekly-"))
                elif state == "present" and key.startswith("daily-"):
                    try:
                        days.add(date.fromisoformat(key.removeprefix("daily-")))
                    except ValueError:
                        pass
        for label in weeks:
            # a new digest page goes to its folder: its name counts from now on
            if self.path_of(f"weekly-{label}") is None:
                self.names().add(f"{self.cfg.vault.weekly_folder}/{label}.md")
        return sorted(weeks), sorted(days)

    def sync_home(self) -> bool:
        """Point Home.md's "Top this week" block at the latest week with articles (home.py)."""
        row = self.store.conn.execute("SELECT MAX(published) FROM articles").fetchone()
        if not row or not row[0]:
            return False
        text, seen = self.files.read_stamped(home.HOME)
        if text is None or home.inner_of(text) is None:
            return False   # no Home.md, or no block in it: the vault's names need not be resolved
        label = week_label(datetime.fromisoformat(row[0]), self.cfg.rollups)
        first, last = week_bounds(label, self.cfg.rollups)
        target = self.note_name(f"weekly-{label}") or label
        inner = home.top_week(label, first.isoformat(), last.isoformat(), target, self.cfg.rollups.top_n)
        key = f"home:{TARGET}"
        new = home.fill(text, inner, self.store.meta(key))
        if new is None:
            return False
        skipped = self.files.write_many([(home.HOME, new, Guard(
            seen, lambda now: home.fill(now, inner, self.store.meta(key)) or now, text))])
        if skipped:
            return False
        self.store.set_meta(key, home.digest(inner))
        return True

    def _present_key(self, key: str) -> bool:
        record = self.records.get(key)
        return record is not None and record.state == "present"

    def _remove_empty(self, docs: list[Doc]) -> dict[str, str]:
        """Digests left without articles that the reader never touched are deleted (key -> path);
        one the reader wrote in stays, saying it is empty."""
        removed = {}
        for doc in docs:
            record = self.records.get(doc.key)
            if record is not None and self.target.remove_untouched(record):
                removed[doc.key] = record.path or ""
        if removed:
            self.store.delete_sync_records(TARGET, removed)
            for key in removed:
                del self.records[key]
        return removed

    def weekly(self, label: str) -> Doc:
        return digests.weekly_page(self.store, self.cfg, label, self._known, self.digest_names(), self.namer)

    def daily(self, day: date) -> Doc:
        return digests.daily_page(self.store, self.cfg, day, self._known, self.digest_names(), self.namer)

    def finish(self) -> None:
        self.store.set_meta(f"render:{TARGET}", self.fingerprint)
        self.store.set_meta(f"render-digests:{TARGET}", self.digests_fingerprint)

    def close(self) -> None:
        """Give up digests a worker is building that were never asked for (a failed run)."""
        if self._digests_ahead is not None:
            self._digests_ahead.close()
            self._digests_ahead = None

    def remember_placed(self) -> None:
        """The files this view placed, so the next catch-up passes over those left so (``own``)."""
        own.remember(self.store, TARGET, self.files.placed)
        self.files.placed.clear()




def note_day(props: Mapping[str, Any]) -> date | None:
    """The day of an article note's ``published`` property (local time of the rollup zone, as
    written; a record keeps it as ISO text), or None when it has none."""
    value = props.get("published")
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None
