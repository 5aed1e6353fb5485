"""The Obsidian projection of the store: article notes and rollup pages.

Contract: only pages whose inputs may have changed are rendered (articles that
are new, changed, rescored or whose related list changed, and the weeks and
days they fall in); ``targets.base.plan`` then drops every page whose owned
part is unchanged, so a no-op sync reads and writes no note. When the way
pages are rendered changes (templates, path template, time zone: the render
fingerprint), every page is rendered again once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import date, datetime
from importlib import resources
from pathlib import PurePosixPath

from ... import __version__
from ...config import Config
from ...links.index import linking_to
from ...models import Article, Score, content_hash
from ...pages.article import path_values
from ...pages.doc import Doc
from ...rollups.digest import TrendNamer, day_of, week_bounds, week_label
from ...rollups.pages import daily_doc, weekly_doc, window
from ...store import Store, SyncRecord
from ..base import Outcome, plan
from .files import LocalFiles, OverlayFiles
from .paths import wikilink
from .related import related_items
from .rendering import NoteItem, Rendered, render_notes
from .vault import NoteTarget
from .wal import clear_journal, recover_journal, write_journal

TARGET = "obsidian"
ROLLUP_PREFIXES = ("weekly-", "daily-")


def render_fingerprint(cfg: Config) -> str:
    """Everything besides the data that shapes a page; a change re-renders all pages."""
    templates = resources.files("sync") / "templates"
    texts = sorted((p.name, p.read_text("utf-8")) for p in templates.iterdir() if p.name.endswith(".j2"))
    assert cfg.vault is not None
    vault = {"template": cfg.vault.path_template, "weekly": cfg.vault.weekly_folder, "daily": cfg.vault.daily_folder}
    return content_hash({"version": __version__, "templates": texts, "vault": vault,
                         "rollups": cfg.rollups, "links": cfg.links,
                         "thresholds": [cfg.scoring.must_read, cfg.scoring.worth_reading]})


NOTE_BATCH = 500   # notes written, then recorded, together


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
    def __init__(self, cfg: Config, store: Store, *, dry_run: bool = False, namer: TrendNamer | None = None):
        assert cfg.vault is not None
        self.cfg, self.store = cfg, store
        self.namer = namer   # names the weekly trend groups (Claude's); None: the offline phrase names
        files = LocalFiles(cfg.vault.path)
        # a dry run writes into memory over the real vault: same code path, no file touched
        self.files = OverlayFiles(files) if dry_run else files
        self.target = NoteTarget(self.files, cfg.vault.path_template, name=TARGET)
        self.records: dict[str, SyncRecord] = store.sync_records(TARGET)
        self.new_paths: dict[str, str] = {}   # notes allocated this run, named before they are written
        self.fingerprint = render_fingerprint(cfg)
        self.rerender_all = store.meta(f"render:{TARGET}") != self.fingerprint
        self.tz = cfg.rollups.tz
        self._known: tuple[Mapping[str, Article], Mapping[str, Score]] = ({}, {})   # the run's, for rollups

    # -- names ------------------------------------------------------------------------
    def note_name(self, kb_id: str) -> str | None:
        """The base name a wikilink uses for an article's note (None: no note to link to)."""
        path = self.new_paths.get(kb_id)
        record = self.records.get(kb_id)
        if path is None and record is not None and record.state == "present":
            path = record.path
        return PurePosixPath(path).stem if path else None

    def link_for(self, titles: Mapping[str, str]) -> Callable[[str], str]:
        def link(kb_id: str) -> str:
            name = self.note_name(kb_id)
            title = titles.get(kb_id, kb_id)
            return wikilink(name, title) if name else title
        return link

    # -- the reader's moves and deletions -------------------------------------------------
    def sweep(self, now: datetime) -> set[str]:
        """Notice pages the reader moved or deleted since the last run.

        One walk of the vault's folders; only when a page is missing are notes
        opened to find kb_ids. A moved page gets its new path recorded, a deleted
        one is marked deleted (and stays so). Returns the articles whose pages
        must be rendered again: the ones that moved or went, and those linking
        to them, so no link is left pointing at a name that is gone.
        """
        present = set(self.files.walk())   # one directory walk beats a stat per note
        missing = [r for r in self.records.values() if r.state == "present" and r.path and r.path not in present]
        if not missing:
            return set()
        index = self.target.index()
        updated = [replace(r, path=index[r.key]) if r.key in index else replace(r, state="deleted")
                   for r in missing]
        self.store.save_sync_records(updated, now)
        self.records.update((r.key, r) for r in updated)
        gone = {r.key for r in missing if not r.key.startswith(ROLLUP_PREFIXES)}
        return gone | linking_to(self.store, gone)

    # -- article notes -------------------------------------------------------------------
    def sync_notes(self, touched: set[str], now: datetime, *, restore: bool = False,
                   progress: Callable[[str, int, int], None] | None = None,
                   loaded: tuple[Mapping[str, Article], Mapping[str, Score]] = ({}, {})) -> list[Outcome]:
        """Write the notes of ``touched`` articles (and any scored one without a note).

        ``loaded`` holds articles and scores the caller already has in memory
        (by kb_id); only the others are read from the store.
        """
        self._recover(now)
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

        related = related_items(self.store, articles, self.note_name)
        items = [NoteItem(a, scores[a.kb_id], related.get(a.kb_id, []), week_label(a.published, self.cfg.rollups),
                          allocated.get(a.kb_id)) for a in ordered]
        outcomes: list[Outcome] = []
        done_items = 0
        # Rendered on every core for a big batch (rendering.render_notes), chunk by chunk in
        # order; this thread plans and decides each batch while a writer thread creates the
        # previous batch's files (the kernel's work: it needs no GIL). A batch is recorded
        # only once its files are written: a crash loses at most the records of the batches
        # in flight (their notes are adopted by kb_id on the next run, never duplicated).
        in_flight: tuple[Future[None], list[Outcome]] | None = None

        def settle() -> None:
            nonlocal in_flight
            if in_flight is not None:
                written, done = in_flight
                in_flight = None
                written.result()
                self._save(done, now, reader=True)
                outcomes.extend(done)

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
                    if any(i.record is not None for i in todo.intents):
                        settle()   # pages with records are journalled: one journalled batch at a time
                    creating = {i.doc.key for i in todo.intents if i.action == "create"}
                    self.target.prepared = {r.doc.key: r.prepared for r in batch if r.doc.key in creating}
                    decided, writes = self.target.decide(todo.intents)
                    self.target.prepared = {}
                    write_journal(self.store, TARGET, todo.intents)
                    written = writer.submit(self.target.write, decided, writes)
                    settle()
                    in_flight = (written, decided)
                settle()
            finally:
                if in_flight is not None:
                    in_flight[0].exception()   # a failed run still waits for the file writes it started
        if progress:
            progress("notes", len(items), len(items))
        return outcomes

    def _recover(self, now: datetime) -> None:
        """Records of pages a killed run wrote but did not record (``wal``, the write-ahead log)."""
        self.records.update((r.key, r) for r in recover_journal(self.store, TARGET, self.files, self.records, now))

    def _save(self, outcomes: Iterable[Outcome], now: datetime, *, reader: bool) -> None:
        records = [o.record for o in outcomes if o.record is not None]
        for record in records:
            self.records[record.key] = record
        self.store.save_sync_records(records, now)
        clear_journal(self.store, TARGET)
        if reader:
            states = [(o.key, o.reader_props) for o in outcomes if o.reader_props]
            self.store.save_reader_state(states, now)

    # -- rollups -------------------------------------------------------------------------
    def sync_rollups(self, touched: set[str], now: datetime, *, restore: bool = False,
                     weeks: Iterable[str] = (), days: Iterable[date] = (),
                     loaded: tuple[Mapping[str, Article], Mapping[str, Score]] = ({}, {})) -> list[Outcome]:
        """Write the weekly and daily pages ``touched`` articles fall in; ``loaded``: articles and
        scores the caller has in memory, current (the run's), by kb_id, which are not read again."""
        self._recover(now)
        self._known = loaded
        weeks, days = set(weeks), set(days)
        rebuild_all = self.rerender_all or restore
        known = loaded[0]
        times = self.store.publication_times() if rebuild_all else \
            [*(known[k].published for k in touched if k in known),
             *(a.published for a in self.store.get_articles(k for k in touched if k not in known).values())]
        for moment in times:
            weeks.add(week_label(moment, self.cfg.rollups))
            days.add(day_of(moment, self.cfg.rollups))
        docs = [self.weekly(label) for label in sorted(weeks)] + [self.daily(day) for day in sorted(days)]
        self.target.reserve(d.path for d in docs if d.path)
        todo = plan(docs, self.records, restore=restore)
        write_journal(self.store, TARGET, todo.intents)
        outcomes = self.target.apply(todo.intents)
        self._save(outcomes, now, reader=False)
        return outcomes

    def weekly(self, label: str) -> Doc:
        first, last = week_bounds(label, self.cfg.rollups)
        articles, scores = window(self.store, first, last, self.tz, self._known)
        titles = {a.kb_id: a.title for a in articles}
        return weekly_doc(label, first, last, articles, scores, self.store, self.cfg,
                          link=self.link_for(titles), folder=self.cfg.vault.weekly_folder, namer=self.namer)

    def daily(self, day: date) -> Doc:
        articles, scores = window(self.store, day, day, self.tz, self._known)
        titles = {a.kb_id: a.title for a in articles}
        return daily_doc(day, articles, scores, self.store, self.cfg, link=self.link_for(titles),
                         folder=self.cfg.vault.daily_folder)

    def finish(self) -> None:
        self.store.set_meta(f"render:{TARGET}", self.fingerprint)


