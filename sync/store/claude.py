"""The store's Claude tables: usage per run, retry bookkeeping, batches, trend names, tags.

Contract: functions over a ``Store`` (like ``links/index.py``), each one
transaction; the tables come from the ``claude`` migration. Nothing here
ever stores a key or a response body: only counts, ids, names and tags.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from . import Store, _iso

MAX_ATTEMPTS = 3   # Claude tries an article version this often before leaving it to the fallback


# -- usage -------------------------------------------------------------------------------
def record_usage(store: Store, at: datetime, kind: str, model: str, usage: Mapping[str, int],
                 cost_usd: float | None) -> None:
    with store.conn:
        store.conn.execute(
            "INSERT INTO claude_usage (at, kind, model, requests, input_tokens, cache_read_tokens,"
            " cache_write_tokens, output_tokens, cost_usd) VALUES (?,?,?,?,?,?,?,?,?)",
            (_iso(at), kind, model, usage.get("requests", 0), usage.get("input_tokens", 0),
             usage.get("cache_read_tokens", 0), usage.get("cache_write_tokens", 0),
             usage.get("output_tokens", 0), cost_usd))


@dataclass(frozen=True)
class UsageTotal:
    runs: int
    requests: int
    input_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    output_tokens: int
    cost_usd: float
    unpriced: int               # rows without a known price


def usage_total(store: Store, *, since: datetime | None = None, at: datetime | None = None) -> UsageTotal:
    """Usage summed over rows since ``since``, or of the run that started ``at``."""
    sql = ("SELECT COUNT(DISTINCT at), COALESCE(SUM(requests),0), COALESCE(SUM(input_tokens),0),"
           " COALESCE(SUM(cache_read_tokens),0), COALESCE(SUM(cache_write_tokens),0),"
           " COALESCE(SUM(output_tokens),0), COALESCE(SUM(cost_usd),0), SUM(cost_usd IS NULL) FROM claude_usage")
    args: list[str | None] = []
    if at is not None:
        sql, args = sql + " WHERE at = ?", [_iso(at)]
    elif since is not None:
        sql, args = sql + " WHERE at >= ?", [_iso(since)]
    row = store.conn.execute(sql, args).fetchone()
    return UsageTotal(*(row[i] for i in range(7)), unpriced=row[7] or 0)


def last_usage_at(store: Store) -> datetime | None:
    row = store.conn.execute("SELECT MAX(at) FROM claude_usage").fetchone()
    return datetime.fromisoformat(row[0]) if row and row[0] else None


# -- retries of failed articles --------------------------------------------------------------
def retry_ids(store: Store, max_attempts: int = MAX_ATTEMPTS) -> list[str]:
    """Fallback scores Claude should try again: current version, fewer than ``max_attempts`` tries."""
    rows = store.conn.execute(
        "SELECT s.kb_id FROM scores s JOIN articles a ON a.kb_id = s.kb_id"
        " LEFT JOIN claude_attempts t ON t.kb_id = s.kb_id AND t.content_hash = s.content_hash"
        " WHERE s.fallback = 1 AND s.content_hash = a.content_hash AND COALESCE(t.attempts, 0) < ?"
        " ORDER BY s.kb_id", (max_attempts,))
    return [r[0] for r in rows]


def record_attempts(store: Store, failed: Iterable[tuple[str, str, str]], succeeded: Iterable[str],
                    now: datetime) -> None:
    """Count failed tries per (kb_id, content_hash); forget the articles Claude has now scored."""
    with store.conn:
        store.conn.executemany(
            "INSERT INTO claude_attempts (kb_id, content_hash, attempts, last_reason, last_at) VALUES (?,?,1,?,?)"
            " ON CONFLICT(kb_id) DO UPDATE SET attempts = CASE WHEN content_hash = excluded.content_hash"
            " THEN attempts + 1 ELSE 1 END, content_hash = excluded.content_hash,"
            " last_reason = excluded.last_reason, last_at = excluded.last_at",
            [(k, h, reason, _iso(now)) for k, h, reason in failed])
        store.conn.executemany("DELETE FROM claude_attempts WHERE kb_id = ?", [(k,) for k in succeeded])


def stale_prompt_ids(store: Store, model: str, version: str) -> list[str]:
    """Claude scores made by another model or prompt version (what ``--rescore=prompt`` redoes)."""
    rows = store.conn.execute(
        "SELECT kb_id FROM scores WHERE backend = 'claude' AND (model IS NOT ? OR prompt_version IS NOT ?)"
        " ORDER BY kb_id", (model, version))
    return [r[0] for r in rows]


def fallback_count(store: Store) -> int:
    return store.conn.execute("SELECT COUNT(*) FROM scores WHERE fallback = 1").fetchone()[0]


# -- batches -------------------------------------------------------------------------------
@dataclass(frozen=True)
class BatchRow:
    key: str
    batch_id: str | None
    state: str
    status: str | None
    model: str
    prompt_version: str
    requests: int
    created_at: datetime


def open_batches(store: Store) -> list[BatchRow]:
    """Batches not yet applied or given up: being submitted, or submitted."""
    rows = store.conn.execute("SELECT * FROM claude_batches WHERE state IN ('submitting', 'submitted')"
                              " ORDER BY created_at, key")
    return [BatchRow(r["key"], r["batch_id"], r["state"], r["status"], r["model"], r["prompt_version"],
                     r["requests"], datetime.fromisoformat(r["created_at"])) for r in rows]


def begin_batch(store: Store, key: str, items: Iterable[tuple[str, str, str]], model: str, version: str,
                now: datetime) -> None:
    """Record a batch BEFORE it is sent: (custom_id, kb_id, content_hash) per request."""
    items = list(items)
    with store.conn:
        store.conn.execute(
            "INSERT INTO claude_batches (key, batch_id, state, status, model, prompt_version, requests,"
            " created_at, updated_at) VALUES (?, NULL, 'submitting', NULL, ?, ?, ?, ?, ?)",
            (key, model, version, len(items), _iso(now), _iso(now)))
        store.conn.executemany("INSERT INTO claude_batch_items (batch_key, custom_id, kb_id, content_hash)"
                               " VALUES (?,?,?,?)", [(key, c, k, h) for c, k, h in items])


def update_batch(store: Store, key: str, now: datetime, *, state: str | None = None,
                 batch_id: str | None = None, status: str | None = None) -> None:
    with store.conn:
        store.conn.execute(
            "UPDATE claude_batches SET state = COALESCE(?, state), batch_id = COALESCE(?, batch_id),"
            " status = COALESCE(?, status), updated_at = ? WHERE key = ?",
            (state, batch_id, status, _iso(now), key))


def batch_items(store: Store, key: str) -> list[tuple[str, str, str]]:
    rows = store.conn.execute("SELECT custom_id, kb_id, content_hash FROM claude_batch_items"
                              " WHERE batch_key = ? ORDER BY custom_id", (key,))
    return [(r[0], r[1], r[2]) for r in rows]


def known_batch_ids(store: Store) -> set[str]:
    return {r[0] for r in store.conn.execute("SELECT batch_id FROM claude_batches WHERE batch_id IS NOT NULL")}


def is_open(store: Store, key: str) -> bool:
    row = store.conn.execute("SELECT state FROM claude_batches WHERE key = ?", (key,)).fetchone()
    return row is not None and row[0] in ("submitting", "submitted")


def in_open_batches(store: Store) -> set[str]:
    """kb_ids a batch in flight will score: nobody else scores them meanwhile."""
    rows = store.conn.execute(
        "SELECT i.kb_id FROM claude_batch_items i JOIN claude_batches b ON b.key = i.batch_key"
        " WHERE b.state IN ('submitting', 'submitted')")
    return {r[0] for r in rows}


# -- trend names -----------------------------------------------------------------------------
def trend_names(store: Store, hashes: Iterable[str]) -> dict[str, tuple[str, str]]:
    rows = store.select_in("SELECT group_hash, name, description FROM trend_names WHERE group_hash IN ({marks})",
                           hashes)
    return {r[0]: (r[1], r[2]) for r in rows}


def save_trend_names(store: Store, names: Mapping[str, tuple[str, str]], model: str, now: datetime) -> None:
    with store.conn:
        store.conn.executemany(
            "INSERT INTO trend_names (group_hash, name, description, model, created_at) VALUES (?,?,?,?,?)"
            " ON CONFLICT(group_hash) DO UPDATE SET name = excluded.name, description = excluded.description,"
            " model = excluded.model, created_at = excluded.created_at",
            [(h, n, d, model, _iso(now)) for h, (n, d) in names.items()])


def digest(store: Store, key: str) -> str | None:
    """A digest Claude wrote (``scoring/digests.py``), by its ``themes:``/``overview:`` key; None: none yet.

    Kept in ``trend_names`` (key, kind as the name, the text or JSON as the
    description): the same kind of cache, so no new table is needed.
    """
    row = store.conn.execute("SELECT description FROM trend_names WHERE group_hash = ?", (key,)).fetchone()
    return None if row is None else row[0]


def save_digest(store: Store, key: str, kind: str, body: str, model: str, now: datetime) -> None:
    save_trend_names(store, {key: (kind, body)}, model, now)


# -- tag vocabulary ----------------------------------------------------------------------------
def admitted_tags(store: Store) -> dict[str, str]:
    return {r[0]: r[1] for r in store.conn.execute("SELECT key, tag FROM tag_vocabulary")}


def tag_candidates(store: Store) -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for key, kb_id in store.conn.execute("SELECT key, kb_id FROM tag_candidates"):
        out.setdefault(key, set()).add(kb_id)
    return {k: frozenset(v) for k, v in out.items()}


def save_tag_decision(store: Store, admitted: Mapping[str, str], candidates: Iterable[tuple[str, str, str]],
                      now: datetime) -> None:
    """Newly admitted tags (their candidates forgotten) and new candidate proposals."""
    with store.conn:
        store.conn.executemany("INSERT OR IGNORE INTO tag_vocabulary (key, tag, admitted_at) VALUES (?,?,?)",
                               [(k, t, _iso(now)) for k, t in admitted.items()])
        store.conn.executemany("DELETE FROM tag_candidates WHERE key = ?", [(k,) for k in admitted])
        store.conn.executemany("INSERT OR IGNORE INTO tag_candidates (key, kb_id, tag, seen_at) VALUES (?,?,?,?)",
                               [(k, kb, t, _iso(now)) for k, kb, t in candidates])
