"""The Notion projection of the store: Articles pages and Weekly pages.

Contract: like the Obsidian view, only pages whose inputs may have changed
are rendered, and ``targets.base.plan`` drops every page whose owned values
hash the same as last time, so a no-op sync sends no write request (it reads
one data source per kind to check it still exists).

Relations: Related is one self-relation column (``single_property``) that
shows the same on both pages of a pair, so each page holds all of its own
related articles; a new article also updates the pages it links to (they
are rendered again with it). Tags and Source are bounded (``vocab``).

Per-target state lives in the store: sync records under the target name
``notion`` (page id in ``path``), data source ids in meta.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from importlib import resources
from typing import Any

from ... import __version__
from ...config import Config
from ...edits import journal
from ...edits.overlay import apply as overlay
from ...edits.overlay import reader_edits
from ...links.index import neighbours
from ...models import Article, Score, content_hash
from ...pages.doc import Doc
from ...pages.markdown import md
from ...rollups.digest import TrendNamer, day_of, week_bounds, week_label
from ...rollups.pages import digest_links, weekly_data, window
from ...rollups.recent import recent_weeks
from ...rollups.render import render_weekly
from ...sources.names import feed_names
from ...store import Store, SyncRecord
from .. import owed
from ..base import Outcome, owned_hash, plan
from .api import NotionAPI, NotionError
from .edits import (NotionEditSink, add_status_option, pull_edits, reader_payload, set_elsewhere, tag_edits,
                    with_tag_edits)
from .pages import article_doc, weekly_doc
from .setup import KINDS, Ensured, definitions, ensure_data_sources, owned_kinds
from .target import NotionTarget
from .views import ensure_views
from .vocab import bounded

TARGET = "notion"
BATCH = 50


def _order(article: Article) -> tuple[str, str]:
    return (article.published.isoformat(), article.kb_id)


class NotionView:
    def __init__(self, cfg: Config, store: Store, api: NotionAPI, now: datetime, *, namer: TrendNamer | None = None):
        assert cfg.notion is not None
        self.cfg, self.store, self.api, self.now = cfg, store, api, now
        # a feed without a configured name is called by its title, as its articles' source is
        titles = {url: state.title for url, state in store.feed_states().items()}
        self.bounded = bounded(cfg, feed_names(cfg.feeds, titles).values())
        self.namer = namer   # names the weekly trend groups (Claude's); None: the offline phrase names
        self.records: dict[str, SyncRecord] = store.sync_records(TARGET)
        known = {k: store.meta(f"notion:{k}") for k in KINDS}
        ensured = ensure_data_sources(api, cfg.notion, known)
        self.notices: list[str] = []      # one line each for the run's output
        for kind in KINDS:
            store.set_meta(f"notion:{kind}", ensured.ids[kind])
        if ensured.replaced:
            # the reader deleted a database: its pages went with it, start that kind afresh
            gone = [r for r in self.records.values() if _kind(r.key) in ensured.replaced]
            store.delete_sync_records(TARGET, [r.key for r in gone])
            for r in gone:
                del self.records[r.key]
            for kind in sorted(ensured.replaced):
                title = cfg.notion.articles_title if kind == "articles" else cfg.notion.weekly_title
                self.notices.append(f"notion: the {title} database was deleted in Notion; created it again "
                                    f"and sending its pages anew")
        self.replaced = ensured.replaced
        self._reset(ensured.reset)
        self._views(ensured)
        status = ensured.sources["articles"].get("properties", {}).get("Status", {})
        self.status_type = status.get("type", "status")
        self.status_options = {o.get("name") for o in (status.get(self.status_type) or {}).get("options") or []}
        self.pages = {k: r.path for k, r in self.records.items() if r.state == "present" and r.path}
        self.targets = {kind: NotionTarget(api, ensured.ids[kind], owned_kinds(kind), name=TARGET,
                                           pages=self.pages, journal=self._journal) for kind in KINDS}
        for kind in KINDS:
            if kind not in ensured.created and not any(_kind(k) == kind for k in self.records):
                # a data source the store has no page of (a lost store): adopt its pages, never duplicate
                self.targets[kind].adopt = self.targets[kind].index()
        # what shapes a page besides the data: a change sends every page again, once
        weekly_template = (resources.files("sync") / "templates" / "weekly.md.j2").read_text("utf-8")
        self.fingerprint = content_hash({"version": __version__, "schema": definitions(), "rollups": cfg.rollups,
                                         "template": weekly_template, "titles": [cfg.notion.articles_title,
                                                                                 cfg.notion.weekly_title],
                                         "thresholds": [cfg.scoring.must_read, cfg.scoring.worth_reading],
                                         "bounded": [sorted(self.bounded.tags.items()), sorted(self.bounded.sources)]})
        self.rerender_all = store.meta(f"render:{TARGET}") != self.fingerprint

    def _reset(self, reset: Mapping[str, set[str]]) -> None:
        """Relations added back empty (their data source was replaced): their values are sent again."""
        fixed = []
        for key, record in self.records.items():
            names = reset.get(_kind(key), set())
            props = record.base().get("props") or {}
            if record.state != "present" or not names & set(props):
                continue
            base = dict(record.base(), props={k: v for k, v in props.items() if k not in names})
            fixed.append(SyncRecord(record.target, key, record.path, "partial", base, record.state))
        if fixed:
            self.store.save_sync_records(fixed, self.now)
            self.records.update((r.key, r) for r in fixed)

    def _views(self, ensured: Ensured) -> None:
        """The views of each database, created once (the reader's later changes to them stay)."""
        for kind in KINDS:
            source = ensured.sources[kind]
            database = (source.get("parent") or {}).get("database_id")
            if not database or self.store.meta(f"notion:views:{database}"):
                continue
            try:
                ensure_views(self.api, kind, database, source)
            except NotionError as exc:
                # views are a convenience: the pages are still sent; tried again next run
                self.notices.append(f"notion: the views of the {kind} database were not created: {exc}")
                continue
            self.store.set_meta(f"notion:views:{database}", self.now.isoformat())

    def _journal(self, record: SyncRecord) -> None:
        self.store.save_sync_records([record], self.now)

    # -- the reader's edits ------------------------------------------------------------------------
    def exchange_edits(self, log: logging.Logger) -> set[str]:
        """Pull the reader's Notion edits into the journal, push the ones made elsewhere.

        Returns the articles to render again (tag edits travel in their Tags value).
        """
        self.pull_edits(log)
        return self.push_edits(log)

    def pull_edits(self, log: logging.Logger) -> set[str]:
        """The reader's edits made in Notion since the last pull, into the journal."""
        with_pages = [k for k in self.pages if _kind(k) == "articles"]
        since = self.store.meta("notion:pulled_at")
        if with_pages:
            shown = journal.visible(self.store, TARGET, with_pages)
            kb_of_page = {self.pages[k]: k for k in with_pages}
            changes = pull_edits(self.api, self.targets["articles"].ds, kb_of_page,
                                 datetime.fromisoformat(since) if since else None, shown, self._sent_tags)
            journal.record(self.store, changes, log)
        self.store.set_meta("notion:pulled_at", self.now.isoformat())
        return set()

    def push_edits(self, log: logging.Logger) -> set[str]:
        """Edits made elsewhere (a status set in a note), from the journal into Notion."""
        sink = NotionEditSink(self.api, self.pages, log, status_type=self.status_type,
                              data_source=self.targets["articles"].ds)
        journal.deliver(self.store, sink, log)
        return sink.retag

    def _sent_tags(self, kb_id: str) -> tuple[Mapping[str, Any], list[str]] | None:
        record = self.records.get(kb_id)
        props = record.base().get("props") if record is not None else None
        if not props or "Tags" not in props:
            return None
        score = self.store.scored_articles([kb_id])[1].get(kb_id)
        return (props, list(score.tags)) if score is not None else None

    # -- articles -------------------------------------------------------------------------------
    def sync_articles(self, touched: set[str], *, restore: bool = False,
                      loaded: tuple[Mapping[str, Article], Mapping[str, Score]] = ({}, {})) -> list[Outcome]:
        unfinished = {k for k, r in self.records.items()
                      if _kind(k) == "articles" and (r.state == "creating" or r.owned_hash == "partial")}
        if self.rerender_all or restore:
            ids = set(self.store.all_ids())
        else:
            # a changed article can change the Related of the pages it links to
            ids = touched | unfinished | set(self.store.scored_ids_without_record(TARGET))
            ids |= {n for ns in neighbours(self.store, touched).values() for n in ns}
        articles, scores = self.store.scored_articles(ids, loaded)
        ordered = sorted(articles.values(), key=_order)
        edges = neighbours(self.store, [a.kb_id for a in ordered])
        others = {n for ns in edges.values() for n in ns} - articles.keys()
        orders = {k: _order(a) for k, a in articles.items()}
        orders.update({a.kb_id: _order(a) for a in self.store.get_articles(others).values()})
        owned = definitions()["articles"]["owned"]
        retagged = tag_edits(self.store, [a.kb_id for a in ordered])
        # the reader's category (changed in the vault) is the page's Category too
        edited = reader_edits(self.store, [a.kb_id for a in ordered])
        docs = []
        for a in ordered:
            related = sorted((n for n in edges.get(a.kb_id, ()) if n in orders), key=orders.__getitem__)
            docs.append(article_doc(a, overlay(scores[a.kb_id], edited.get(a.kb_id)), related=related, tz=self.cfg.rollups.tz, owned=owned,
                                    tags=with_tag_edits(scores[a.kb_id].tags, retagged.get(a.kb_id)),
                                    split_tags=self.bounded.split_tags, split_source=self.bounded.split_source))
        self._owe(docs, restore)
        self._reader_props({d.key for d in docs if (r := self.records.get(d.key)) is None or r.state != "present"})
        outcomes = self._apply("articles", docs, restore)
        # a page related to one created after it in this pass: its Related is completed now
        unfinished = [d for d in docs if (r := self.records.get(d.key)) is not None and r.owned_hash == "partial"
                      and r.state == "present" and all(k in self.pages for k in d.props["Related"])]
        again = self._apply("articles", unfinished, restore) if unfinished else []
        failed = {o.key: o for o in again if o.status == "error"}
        return [failed.get(o.key, o) for o in outcomes]

    def _reader_props(self, new: set[str]) -> None:
        """The Status and Rating the pages about to be created start with (``edits.set_elsewhere``)."""
        marked = set_elsewhere(self.store, new) if new else {}

        def props(kb_id: str) -> dict[str, Any]:
            payload = reader_payload(marked.get(kb_id, ()), self.status_type)
            name = ((payload.get("Status") or {}).get("status") or {}).get("name")
            if name and name not in self.status_options:
                # a status set in a note that Notion does not offer: a create naming it is refused
                add_status_option(self.api, self.targets["articles"].ds, name)
                self.status_options.add(name)
            return payload

        self.targets["articles"].reader_props = props

    def _owe(self, docs: Iterable[Doc], restore: bool) -> None:
        """Before article pages are sent: the days whose weekly pages they feed are owed
        (``targets.owed``), each page's day now and, for a page that changes, the day its record
        says it was on (an article whose date moved must leave its old week's page too)."""
        days = {_day(d.props.get("Published"), self.cfg) for d in docs}
        if not (self.rerender_all or restore):
            # (after a render change or with --restore every week is sent again anyway)
            days |= {_day((r.base().get("props") or {}).get("Published"), self.cfg) for d in docs
                     if (r := self.records.get(d.key)) is not None and r.state == "present"
                     and r.owned_hash != owned_hash(d)}
        days.discard(None)
        if days:
            owed.owe(self.store, TARGET, days)

    # -- weekly pages -----------------------------------------------------------------------------
    def sync_weeks(self, touched: set[str], *, restore: bool = False) -> list[Outcome]:
        if self.rerender_all or restore or "weekly" in self.replaced:
            # (a Weekly database created again: every week is sent anew)
            source: Iterable[Article] = self.store.iter_articles()
        else:
            source = self.store.get_articles(touched).values()
        # the weeks owed by the article pages sent before (this run's, or a killed run's)
        owing = {week_label(d, self.cfg.rollups) for d in owed.owed(self.store, TARGET)}
        # weekly pages for recent weeks only (rollups/recent.py), and any left unfinished
        weeks = recent_weeks({week_label(a.published, self.cfg.rollups) for a in source} | owing,
                             self.store.newest_published(), self.cfg.rollups)
        weeks |= {k.removeprefix("weekly-") for k, r in self.records.items()
                  if _kind(k) == "weekly" and (r.state == "creating" or r.owned_hash == "partial"
                                               or (r.state == "present" and k.removeprefix("weekly-") in owing))}
        outcomes = self._apply("weekly", [self.weekly(label) for label in sorted(weeks)], restore)
        # what is owed is sent now, but for pages that failed (the next run tries them again)
        owed.settle(self.store, TARGET, owed.page_days({o.key for o in outcomes if o.status == "error"},
                                                       self.cfg.rollups))
        return outcomes

    def weekly(self, label: str) -> Doc:
        first, last = week_bounds(label, self.cfg.rollups)
        articles, scores = window(self.store, first, last, self.cfg.rollups.tz)
        data = weekly_data(label, articles, scores, digest_links(self.store, articles, weekly=True), self.cfg,
                           self.namer)
        titles = {a.kb_id: a.title for a in articles}
        markdown = render_weekly(data, lambda k: f"[{md(titles.get(k, k))}](kbsync:{k})")
        best = sorted((a.kb_id for a in articles if a.kb_id in scores), key=lambda k: (-scores[k].score, k))
        counts = {"scanned": data.scanned, "must_read": data.must_read, "worth_reading": data.worth_reading}
        return weekly_doc(label, first, last, counts, best, markdown, owned=definitions()["weekly"]["owned"])

    # -- shared -------------------------------------------------------------------------------------
    def _apply(self, kind: str, docs: list, restore: bool) -> list[Outcome]:
        todo = plan(docs, self.records, restore=restore)
        outcomes = []
        for i in range(0, len(todo.intents), BATCH):
            done = self.targets[kind].apply(todo.intents[i:i + BATCH])
            records = [o.record for o in done if o.record is not None]
            self.records.update((r.key, r) for r in records)
            self.store.save_sync_records(records, self.now)
            outcomes += done
        return outcomes

    def finish(self) -> None:
        self.store.set_meta(f"render:{TARGET}", self.fingerprint)


def _kind(key: str) -> str:
    return "weekly" if key.startswith("weekly-") else "articles"


def _day(published: Any, cfg: Config) -> date | None:
    """The rollup day of a page's Published value (``{"start": ISO date-time}``), or None."""
    start = published.get("start") if isinstance(published, Mapping) else None
    if not isinstance(start, str):
        return None
    try:
        moment = datetime.fromisoformat(start)
    except ValueError:
        return None
    return day_of(moment, cfg.rollups) if moment.tzinfo is not None else moment.date()
