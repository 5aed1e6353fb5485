"""The SQLite store: the single source of truth; targets are projections of it.

Contract: one ``Store`` per process and run, opened on a WAL database (readers
never block the writer, a crash leaves the last committed state). Every method
either reads or writes inside one transaction; callers never see SQL. Lists are
stored as JSON text, datetimes as ISO 8601 UTC text.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Container, Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..models import Article, Entry, Reject, Score
from .migrations import migrate


IN_CHUNK = 500  # values per IN (...): well under SQLite's host-parameter limit


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat()


def _dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


@dataclass(frozen=True)
class FeedState:
    config_url: str
    url: str
    name: str
    title: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    status: str = "active"
    retry_after: datetime | None = None
    last_fetched_at: datetime | None = None
    last_ok_at: datetime | None = None
    last_error: str | None = None
    error_count: int = 0


class StoredOwned:
    """A record's owned JSON as the store holds it, read when first needed.

    ``Store.sync_records(..., defer_owned=True)``: a run merges few of the
    records it loads (a no-op sync of a 100,000-note vault: none), and this
    text is most of what the table holds (reading it cost that no-op a
    quarter of a second). Read through the store's connection, so in the
    thread that loaded the record.
    """

    __slots__ = ("_store", "_target", "_key", "_text")

    def __init__(self, store: Store, target: str, key: str):
        self._store, self._target, self._key, self._text = store, target, key, None

    def text(self) -> str:
        if self._text is None:
            row = self._store.conn.execute("SELECT owned FROM sync_records WHERE target=? AND key=?",
                                           (self._target, self._key)).fetchone()
            if row is None:
                raise LookupError(f"the sync record {self._target}/{self._key} is gone")
            self._text = row[0]
        return self._text

    def __eq__(self, other: object) -> bool:
        text = other.text() if isinstance(other, StoredOwned) else other
        return isinstance(text, str) and self.text() == text

    def __hash__(self) -> int:
        return hash(self.text())


@dataclass(frozen=True)
class SyncRecord:
    """What a target last wrote for one page.

    ``owned`` is the base of the next three-way merge: a dict, or the JSON
    text it was stored as (decoded only when a merge needs it; most records
    of a run are never merged, and decoding 10,000 of them costs a no-op sync
    half a second), or that text still in the store (``StoredOwned``).
    """

    target: str
    key: str
    path: str | None
    owned_hash: str
    owned: dict[str, Any] | str | StoredOwned
    state: str = "present"

    def base(self) -> dict[str, Any]:
        owned = self.owned.text() if isinstance(self.owned, StoredOwned) else self.owned
        return json.loads(owned) if isinstance(owned, str) else owned

    def owned_text(self) -> str:
        """``owned`` as the JSON text the store keeps."""
        owned = self.owned.text() if isinstance(self.owned, StoredOwned) else self.owned
        return owned if isinstance(owned, str) else json.dumps(owned, ensure_ascii=False, default=str)


class RecordTable(MutableMapping[str, SyncRecord]):
    """A target's sync records by key, each made a ``SyncRecord`` when first looked up.

    ``Store.sync_records(..., defer_owned=True)``. Why: every run loads the
    records of the whole vault, and making 100,000 record objects cost a no-op
    sync a third of a second while it looks at a few of them (the pages it
    renders) and, for the rest, only at their paths and states: ``listed``
    gives those without making a record.
    """

    def __init__(self, store: Store, target: str, rows: Iterable[tuple[str, str | None, str, str]]):
        self._store, self._target = store, target
        self._rows: dict[str, tuple[str | None, str, str]] = {key: (path, owned_hash, state)
                                                               for key, path, owned_hash, state in rows}
        self._made: dict[str, SyncRecord] = {}
        # every recorded path, and those of the pages present (``paths``), until a record changes
        self._paths: dict[bool, set[str]] = {}

    def __getitem__(self, key: str) -> SyncRecord:
        made = self._made.get(key)
        if made is None:
            path, owned_hash, state = self._rows[key]
            made = self._made[key] = SyncRecord(self._target, key, path, owned_hash,
                                                StoredOwned(self._store, self._target, key), state)
        return made

    def __setitem__(self, key: str, record: SyncRecord) -> None:
        self._rows[key] = (record.path, record.owned_hash, record.state)
        self._made[key] = record
        self._paths.clear()

    def __delitem__(self, key: str) -> None:
        del self._rows[key]
        self._made.pop(key, None)
        self._paths.clear()

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, key: object) -> bool:
        return key in self._rows

    def listed(self) -> Iterator[tuple[str, str | None, str]]:
        """(key, path, state) of every record, no record made."""
        for key, (path, _, state) in self._rows.items():
            yield key, path, state

    def paths(self, *, present: bool = False) -> set[str]:
        """Every path a record names (``present``: of the pages recorded present), kept until a
        record changes. Not to be changed by the caller."""
        made = self._paths.get(present)
        if made is None:
            rows = self._rows.values()
            made = self._paths[present] = {path for path, _, state in rows if path and state == "present"} \
                if present else {path for path, _, _ in rows if path}
        return made

    def missing_from(self, paths: Container[str]) -> list[str]:
        """Keys of the pages recorded present at a path not in ``paths`` (no record made)."""
        if isinstance(paths, (set, frozenset)) and self.paths(present=True) <= paths:
            return []   # the usual answer, from one comparison of sets
        return [key for key, (path, _, state) in self._rows.items()
                if state == "present" and path and path not in paths]


def missing_from(records: Mapping[str, SyncRecord], paths: Container[str]) -> list[str]:
    """Keys of the pages recorded present at a path not in ``paths`` (``RecordTable.missing_from``)."""
    if isinstance(records, RecordTable):
        return records.missing_from(paths)
    return [key for key, r in records.items() if r.state == "present" and r.path and r.path not in paths]


def recorded_paths(records: Mapping[str, SyncRecord]) -> set[str]:
    """Every path a record names (``RecordTable.paths``: kept, not made again); do not change it."""
    if isinstance(records, RecordTable):
        return records.paths()
    return {r.path for r in records.values() if r.path}


def listed(records: Mapping[str, SyncRecord]) -> Iterator[tuple[str, str | None, str]]:
    """(key, path, state) of every record: ``RecordTable.listed`` or, for a plain dict, its records'."""
    if isinstance(records, RecordTable):
        return records.listed()
    return ((key, r.path, r.state) for key, r in records.items())


class Store:
    def __init__(self, path: Path | str):
        self.path = Path(path) if path != ":memory:" else None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(str(path), timeout=30)
        self.conn.row_factory = sqlite3.Row
        _wal(self.conn)
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        migrate(self.conn)

    @classmethod
    def open_for(cls, path: Path, *, dry_run: bool = False) -> Store:
        """The store at ``path``; for a dry run, a throw-away in-memory copy of it."""
        if not dry_run:
            return cls(path)
        copy = cls(":memory:")
        if Path(path).exists():
            source = sqlite3.connect(str(path))
            try:
                source.backup(copy.conn)
            finally:
                source.close()
            migrate(copy.conn)
        return copy

    @classmethod
    def read_only(cls, path: Path | str) -> Store:
        """A second connection to the store at ``path`` that only reads (another process's,
        while the run's own connection writes): no migration, no change of journal mode."""
        store = cls.__new__(cls)
        store.path = Path(path)
        store.conn = sqlite3.connect(f"{store.path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        store.conn.row_factory = sqlite3.Row
        return store

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def select_in(self, sql: str, values: Iterable[Any], *args: Any) -> list[sqlite3.Row]:
        """Run ``sql`` (with one ``{marks}`` placeholder for an IN list) over ``values``
        in chunks that stay under SQLite's host-parameter limit; ``args`` come after."""
        values = list(dict.fromkeys(values))
        rows: list[sqlite3.Row] = []
        for i in range(0, len(values), IN_CHUNK):
            chunk = values[i:i + IN_CHUNK]
            rows += self.conn.execute(sql.format(marks=",".join("?" * len(chunk))), [*chunk, *args]).fetchall()
        return rows

    # -- feeds -------------------------------------------------------------
    def feed_states(self) -> dict[str, FeedState]:
        rows = self.conn.execute("SELECT * FROM feeds").fetchall()
        return {r["config_url"]: _feed_state(r) for r in rows}

    def save_feed_state(self, state: FeedState) -> None:
        with self.conn:
            self.conn.execute(
                "INSERT INTO feeds (config_url, url, name, title, etag, last_modified, status, retry_after,"
                " last_fetched_at, last_ok_at, last_error, error_count)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
                " ON CONFLICT(config_url) DO UPDATE SET url=excluded.url, name=excluded.name,"
                " title=excluded.title, etag=excluded.etag, last_modified=excluded.last_modified,"
                " status=excluded.status, retry_after=excluded.retry_after,"
                " last_fetched_at=excluded.last_fetched_at, last_ok_at=excluded.last_ok_at,"
                " last_error=excluded.last_error, error_count=excluded.error_count",
                (state.config_url, state.url, state.name, state.title, state.etag, state.last_modified,
                 state.status, _iso(state.retry_after), _iso(state.last_fetched_at),
                 _iso(state.last_ok_at), state.last_error, state.error_count))

    # -- articles ----------------------------------------------------------
    def entry_hashes(self, feed_url: str) -> dict[str, str]:
        """kb_id -> hash of the entry this feed last gave for it (skip unchanged entries)."""
        rows = self.conn.execute("SELECT kb_id, entry_hash FROM entries WHERE feed_url=?", (feed_url,))
        return {r[0]: r[1] for r in rows}

    def get_articles(self, kb_ids: Iterable[str]) -> dict[str, Article]:
        rows = self.select_in("SELECT * FROM articles WHERE kb_id IN ({marks})", kb_ids)
        return {row["kb_id"]: _article(row) for row in rows}

    def save_articles(self, articles: Iterable[Article], entries: Iterable[tuple[Entry, str]],
                      now: datetime) -> None:
        """Upsert merged articles and record which feed entry each came from (one transaction)."""
        stamp = _iso(now)
        with self.conn:
            self.conn.executemany(
                "INSERT INTO articles (kb_id, url, title, source, sources, author, published, published_from,"
                " content, summary, categories, language, first_seen, updated_at, content_hash)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
                " ON CONFLICT(kb_id) DO UPDATE SET url=excluded.url, title=excluded.title,"
                " source=excluded.source, sources=excluded.sources, author=excluded.author,"
                " published=excluded.published, published_from=excluded.published_from,"
                " content=excluded.content, summary=excluded.summary, categories=excluded.categories,"
                " language=excluded.language, updated_at=excluded.updated_at,"
                " content_hash=excluded.content_hash",
                [(a.kb_id, a.url, a.title, a.source, json.dumps(list(a.sources), ensure_ascii=False),
                  a.author, _iso(a.published), a.published_from, a.content, a.summary,
                  json.dumps(list(a.categories), ensure_ascii=False), a.language,
                  _iso(a.first_seen or now), stamp, a.content_hash) for a in articles])
            self.conn.executemany(
                "INSERT INTO entries (feed_url, kb_id, entry_id, entry_hash) VALUES (?,?,?,?)"
                " ON CONFLICT(feed_url, kb_id) DO UPDATE SET entry_id=excluded.entry_id,"
                " entry_hash=excluded.entry_hash",
                [(e.feed_url, e.kb_id, e.entry_id, h) for e, h in entries])

    def save_rejects(self, rejects: Iterable[Reject], now: datetime) -> None:
        with self.conn:
            self.conn.executemany(
                "INSERT INTO rejects (feed_url, ref, reason, seen_at) VALUES (?,?,?,?)"
                " ON CONFLICT(feed_url, ref) DO UPDATE SET reason=excluded.reason, seen_at=excluded.seen_at",
                [(r.feed_url, r.ref, r.reason, _iso(now)) for r in rejects])

    def replace_rejects(self, feed_url: str, rejects: Iterable[Reject], now: datetime) -> None:
        """The feed's rejects are now exactly ``rejects`` (what its latest body drops or merges)."""
        with self.conn:
            self.conn.execute("DELETE FROM rejects WHERE feed_url=?", (feed_url,))
        self.save_rejects(rejects, now)

    def rejects_by_feed(self) -> dict[str, dict[str, int]]:
        """feed url -> reason -> how many of its entries are dropped or merged for it."""
        out: dict[str, dict[str, int]] = {}
        for r in self.conn.execute("SELECT feed_url, reason, COUNT(*) FROM rejects GROUP BY 1, 2 ORDER BY 3 DESC"):
            out.setdefault(r[0], {})[r[1]] = r[2]
        return out

    def recent_contents(self, sources: Iterable[str], limit: int) -> dict[str, list[str]]:
        """Per source, the Markdown of its ``limit`` latest articles (by publication), newest first."""
        out: dict[str, list[str]] = {}
        for source in sorted(set(sources)):
            rows = self.conn.execute("SELECT content FROM articles WHERE source = ? ORDER BY published DESC LIMIT ?",
                                     (source, limit)).fetchall()
            out[source] = [row[0] for row in rows]
        return out

    def iter_articles(self, since: datetime | None = None, until: datetime | None = None) -> Iterator[Article]:
        """Articles by publication time (oldest first), optionally within [since, until)."""
        sql, args = "SELECT * FROM articles", []
        conds = []
        if since is not None:
            conds.append("published >= ?")
            args.append(_iso(since))
        if until is not None:
            conds.append("published < ?")
            args.append(_iso(until))
        if conds:
            sql += " WHERE " + " AND ".join(conds)
        for row in self.conn.execute(sql + " ORDER BY published, kb_id", args):
            yield _article(row)

    def publication_times(self) -> list[datetime]:
        """When every article was published (the weeks and days a full re-render covers; no text read)."""
        return [datetime.fromisoformat(r[0]) for r in self.conn.execute("SELECT DISTINCT published FROM articles")]

    def ids_published(self, since: datetime, until: datetime) -> list[str]:
        """kb_ids of the articles published in [since, until), in ``iter_articles``' order (no text read)."""
        rows = self.conn.execute("SELECT kb_id FROM articles WHERE published >= ? AND published < ?"
                                 " ORDER BY published, kb_id", (_iso(since), _iso(until)))
        return [r[0] for r in rows]

    def scored_articles(self, kb_ids: Iterable[str], known: tuple[Mapping[str, Article], Mapping[str, Score]]
                        = ({}, {})) -> tuple[dict[str, Article], dict[str, Score]]:
        """The scored ones of ``kb_ids`` with their scores; ``known`` holds articles and scores the
        caller already has in memory (by kb_id): only the others are read."""
        ids = set(kb_ids)
        known_articles, known_scores = known
        articles = {k: known_articles[k] for k in ids if k in known_articles}
        articles.update(self.get_articles(ids - articles.keys()))
        scores = {k: known_scores[k] for k in articles if k in known_scores}
        scores.update(self.scores(articles.keys() - scores.keys()))
        return {k: a for k, a in articles.items() if k in scores}, scores

    def titles(self, kb_ids: Iterable[str]) -> dict[str, str]:
        """kb_id -> title, without loading the articles' text."""
        rows = self.select_in("SELECT kb_id, title FROM articles WHERE kb_id IN ({marks})", kb_ids)
        return {r[0]: r[1] for r in rows}

    def all_ids(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT kb_id FROM articles ORDER BY kb_id")]

    def unscored_ids(self) -> list[str]:
        """Articles with no score, or a score of an older version of their text (in kb_id order)."""
        # kept up to date by triggers as articles and scores are written (migration unscored_list)
        return [r[0] for r in self.conn.execute("SELECT kb_id FROM unscored")]

    def scored_ids_without_record(self, target: str) -> list[str]:
        """Scored articles that have no page in ``target`` yet (a crash, a new target)."""
        # two index scans compared (the scores' key, migration sync_records_listing), no lookup per score
        rows = self.conn.execute("SELECT kb_id FROM scores EXCEPT SELECT key FROM sync_records WHERE target = ?",
                                 (target,))
        return [r[0] for r in rows]

    def newest_published(self) -> datetime | None:
        """The publication time of the newest article dated by its feed (the anchor of the
        digests' window: an undated entry, dated when first seen, says nothing about it)."""
        row = self.conn.execute("SELECT MAX(published) FROM articles WHERE published_from != 'first_seen'").fetchone()
        return _dt(row[0]) or _dt(self.conn.execute("SELECT MAX(published) FROM articles").fetchone()[0])

    def count_articles(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]

    # -- scores ------------------------------------------------------------
    def scores(self, kb_ids: Iterable[str] | None = None) -> dict[str, Score]:
        if kb_ids is None:
            rows = self.conn.execute("SELECT * FROM scores").fetchall()
        else:
            rows = self.select_in("SELECT * FROM scores WHERE kb_id IN ({marks})", kb_ids)
        return {r["kb_id"]: _score(r) for r in rows}

    def tier_counts(self, kb_ids: Iterable[str]) -> dict[str, int]:
        """tier -> how many of ``kb_ids`` are in it (without loading the scores)."""
        rows = self.select_in("SELECT kb_id, tier FROM scores WHERE kb_id IN ({marks})", kb_ids)
        counts: dict[str, int] = {}
        for row in rows:
            counts[row[1]] = counts.get(row[1], 0) + 1
        return counts

    def save_scores(self, scores: Iterable[Score], now: datetime) -> None:
        with self.conn:
            self.conn.executemany(
                "INSERT INTO scores (kb_id, content_hash, backend, score, tier, category, tags, summary,"
                " key_points, scored_at, model, prompt_version, fallback, why_it_matters)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
                " ON CONFLICT(kb_id) DO UPDATE SET content_hash=excluded.content_hash,"
                " backend=excluded.backend, score=excluded.score, tier=excluded.tier,"
                " category=excluded.category, tags=excluded.tags, summary=excluded.summary,"
                " key_points=excluded.key_points, scored_at=excluded.scored_at, model=excluded.model,"
                " prompt_version=excluded.prompt_version, fallback=excluded.fallback,"
                " why_it_matters=excluded.why_it_matters",
                [(s.kb_id, s.content_hash, s.backend, s.score, s.tier, s.category,
                  json.dumps(list(s.tags), ensure_ascii=False), s.summary,
                  json.dumps(list(s.key_points), ensure_ascii=False), _iso(now),
                  s.model, s.prompt_version, int(s.fallback), s.why_it_matters) for s in scores])

    # -- sync records --------------------------------------------------------
    def sync_records(self, target: str, keys: Iterable[str] | None = None, *,
                     defer_owned: bool = False) -> MutableMapping[str, SyncRecord]:
        """The target's records (only those of ``keys`` when given: the watcher looks up a few);
        ``defer_owned``: a ``RecordTable``, whose records are made when looked up, each one's
        owned JSON read when first needed (``StoredOwned``)."""
        if keys is None and defer_owned:
            # plain tuples, read from the index that holds these columns (migration sync_records_listing)
            cursor = self.conn.cursor()
            cursor.row_factory = None
            return RecordTable(self, target, cursor.execute(
                "SELECT key, path, owned_hash, state FROM sync_records WHERE target=?", (target,)))
        if keys is None:
            rows = self.conn.execute("SELECT * FROM sync_records WHERE target=?", (target,)).fetchall()
        else:
            rows = self.select_in("SELECT * FROM sync_records WHERE key IN ({marks}) AND target=?", keys, target)
        return {r["key"]: SyncRecord(r["target"], r["key"], r["path"], r["owned_hash"], r["owned"], r["state"])
                for r in rows}

    def save_sync_records(self, records: Iterable[SyncRecord], now: datetime) -> None:
        with self.conn:
            self.conn.executemany(
                "INSERT INTO sync_records (target, key, path, owned_hash, owned, state, written_at)"
                " VALUES (?,?,?,?,?,?,?) ON CONFLICT(target, key) DO UPDATE SET path=excluded.path,"
                " owned_hash=excluded.owned_hash, owned=excluded.owned, state=excluded.state,"
                " written_at=excluded.written_at",
                [(r.target, r.key, r.path, r.owned_hash, r.owned_text(), r.state, _iso(now)) for r in records])

    def delete_sync_records(self, target: str, keys: Iterable[str]) -> None:
        with self.conn:
            self.conn.executemany("DELETE FROM sync_records WHERE target=? AND key=?", [(target, k) for k in keys])

    # -- reader state --------------------------------------------------------
    def save_reader_state(self, states: Iterable[tuple[str, dict[str, Any]]], now: datetime) -> None:
        """Record the reader's own properties (status, rating, anything else) per note."""
        rows = []
        for kb_id, props in states:
            extra = {k: v for k, v in props.items() if k not in ("status", "rating")}
            rating = props.get("rating")
            rows.append((kb_id, _text_or_none(props.get("status")),
                         rating if isinstance(rating, (int, float)) and not isinstance(rating, bool) else None,
                         json.dumps(extra, ensure_ascii=False, default=str, sort_keys=True), _iso(now)))
        with self.conn:
            self.conn.executemany(
                "INSERT INTO reader_state (kb_id, status, rating, extra, seen_at) VALUES (?,?,?,?,?)"
                " ON CONFLICT(kb_id) DO UPDATE SET status=excluded.status, rating=excluded.rating,"
                " extra=excluded.extra, seen_at=excluded.seen_at", rows)

    def reader_states(self) -> dict[str, dict[str, Any]]:
        out = {}
        for r in self.conn.execute("SELECT * FROM reader_state"):
            props = json.loads(r["extra"])
            if r["status"] is not None:
                props["status"] = r["status"]
            if r["rating"] is not None:
                props["rating"] = r["rating"]
            out[r["kb_id"]] = props
        return out

    # -- meta ------------------------------------------------------------------
    def meta(self, name: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE name=?", (name,)).fetchone()
        return row[0] if row else None

    def set_meta(self, name: str, value: str) -> None:
        with self.conn:
            self.conn.execute("INSERT INTO meta (name, value) VALUES (?,?)"
                              " ON CONFLICT(name) DO UPDATE SET value=excluded.value", (name, value))

    # -- runs ------------------------------------------------------------------
    def derived(self, name: str, key: str) -> bytes | None:
        """The cached ``name`` when it was derived from ``key`` (``derived_cache``); else None."""
        row = self.conn.execute("SELECT value FROM derived_cache WHERE name=? AND key=?", (name, key)).fetchone()
        return None if row is None else bytes(row[0])

    def set_derived(self, name: str, key: str, value: bytes) -> None:
        with self.conn:
            self.conn.execute("INSERT INTO derived_cache (name, key, value) VALUES (?,?,?) ON CONFLICT(name)"
                              " DO UPDATE SET key=excluded.key, value=excluded.value", (name, key, value))

    def record_run(self, started: datetime, finished: datetime, result: dict[str, Any]) -> None:
        with self.conn:
            self.conn.execute("INSERT INTO runs (started_at, finished_at, result) VALUES (?,?,?)",
                              (_iso(started), _iso(finished), json.dumps(result, ensure_ascii=False)))

    def last_run(self) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT * FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        if row is None:
            return None
        return {"started_at": row["started_at"], "finished_at": row["finished_at"],
                **json.loads(row["result"] or "{}")}

    def counts(self) -> dict[str, int]:
        q = self.conn.execute
        return {
            "articles": q("SELECT COUNT(*) FROM articles").fetchone()[0],
            "scored": q("SELECT COUNT(*) FROM scores").fetchone()[0],
            "rejects": q("SELECT COUNT(*) FROM rejects").fetchone()[0],
            "feeds": q("SELECT COUNT(*) FROM feeds").fetchone()[0],
        }

    def reject_reasons(self) -> dict[str, int]:
        rows = self.conn.execute("SELECT reason, COUNT(*) FROM rejects GROUP BY reason ORDER BY 2 DESC")
        return {r[0]: r[1] for r in rows}


def _wal(conn: sqlite3.Connection, attempts: int = 100) -> None:
    """Switch to WAL. Two processes opening a new store at once can find it locked for a
    moment (the switch does not wait on the busy timeout): try again briefly."""
    for attempt in range(attempts):
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.05)


def _text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _feed_state(r: sqlite3.Row) -> FeedState:
    return FeedState(config_url=r["config_url"], url=r["url"], name=r["name"], title=r["title"],
                     etag=r["etag"], last_modified=r["last_modified"], status=r["status"],
                     retry_after=_dt(r["retry_after"]), last_fetched_at=_dt(r["last_fetched_at"]),
                     last_ok_at=_dt(r["last_ok_at"]), last_error=r["last_error"],
                     error_count=r["error_count"])


def _article(r: sqlite3.Row) -> Article:
    article = Article(kb_id=r["kb_id"], url=r["url"], title=r["title"], source=r["source"],
                      published=datetime.fromisoformat(r["published"]), published_from=r["published_from"],
                      sources=tuple(json.loads(r["sources"])), author=r["author"], content=r["content"],
                      summary=r["summary"], categories=tuple(json.loads(r["categories"])),
                      language=r["language"], first_seen=_dt(r["first_seen"]))
    # the hash was stored with the article (save_articles): an article is hashed once, not on every load
    article.__dict__["content_hash"] = r["content_hash"]
    return article


def _score(r: sqlite3.Row) -> Score:
    return Score(kb_id=r["kb_id"], content_hash=r["content_hash"], backend=r["backend"], score=r["score"],
                 tier=r["tier"], category=r["category"], tags=tuple(json.loads(r["tags"])),
                 summary=r["summary"], key_points=tuple(json.loads(r["key_points"])),
                 model=r["model"], prompt_version=r["prompt_version"], fallback=bool(r["fallback"]),
                 why_it_matters=r["why_it_matters"])
