"""Schema migrations: an append-only list, recorded in ``schema_migrations``.

Contract: never edit or reorder an entry that has shipped; add a new one at the
end. ``migrate(conn)`` applies, in order and each in its own transaction, the
entries whose number is not yet recorded (the llm project's approach), so any
older database upgrades in place and a current one is left untouched.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone

# (migration unscored_list) a changed row's articles, the one it named and the one it names,
# listed again from both tables: the same two statements for a changed article and a changed score
_UNSCORED_AGAIN = """\
        DELETE FROM unscored WHERE kb_id IN (OLD.kb_id, NEW.kb_id);
        INSERT OR IGNORE INTO unscored (kb_id) SELECT a.kb_id FROM articles a WHERE a.kb_id IN (OLD.kb_id, NEW.kb_id)
            AND a.content_hash IS NOT (SELECT s.content_hash FROM scores s WHERE s.kb_id = a.kb_id);"""

MIGRATIONS: list[tuple[str, str]] = [
    ("initial", """
    CREATE TABLE feeds (
        config_url     TEXT PRIMARY KEY,        -- the url as written in config.toml
        url            TEXT NOT NULL,           -- where it is fetched now (permanent redirects update it)
        name           TEXT NOT NULL,
        title          TEXT,
        etag           TEXT,
        last_modified  TEXT,
        status         TEXT NOT NULL DEFAULT 'active',   -- active | gone
        retry_after    TEXT,
        last_fetched_at TEXT,
        last_ok_at     TEXT,
        last_error     TEXT,
        error_count    INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE articles (
        kb_id          TEXT PRIMARY KEY,
        url            TEXT UNIQUE,
        title          TEXT NOT NULL,
        source         TEXT NOT NULL,
        sources        TEXT NOT NULL,           -- JSON list, first seen first
        author         TEXT,
        published      TEXT NOT NULL,           -- ISO 8601 UTC
        published_from TEXT NOT NULL,
        content        TEXT NOT NULL,
        summary        TEXT NOT NULL,
        categories     TEXT NOT NULL,           -- JSON list
        language       TEXT,
        first_seen     TEXT NOT NULL,
        updated_at     TEXT NOT NULL,
        content_hash   TEXT NOT NULL
    );
    CREATE INDEX articles_published ON articles(published);
    CREATE TABLE entries (                      -- which feed carried which article, as what
        feed_url       TEXT NOT NULL,
        kb_id          TEXT NOT NULL REFERENCES articles(kb_id),
        entry_id       TEXT,
        entry_hash     TEXT NOT NULL,
        PRIMARY KEY (feed_url, kb_id)
    );
    CREATE TABLE rejects (
        feed_url       TEXT NOT NULL,
        ref            TEXT NOT NULL,
        reason         TEXT NOT NULL,
        seen_at        TEXT NOT NULL,
        PRIMARY KEY (feed_url, ref)
    );
    CREATE TABLE scores (
        kb_id          TEXT PRIMARY KEY REFERENCES articles(kb_id),
        content_hash   TEXT NOT NULL,
        backend        TEXT NOT NULL,
        score          INTEGER NOT NULL,
        tier           TEXT NOT NULL,
        category       TEXT NOT NULL,
        tags           TEXT NOT NULL,           -- JSON list
        summary        TEXT NOT NULL,
        key_points     TEXT NOT NULL,           -- JSON list
        scored_at      TEXT NOT NULL
    );
    CREATE TABLE sync_records (                 -- what each target last wrote, the base of every 3-way merge
        target         TEXT NOT NULL,           -- obsidian | notion | memory
        key            TEXT NOT NULL,           -- kb_id, or weekly:YYYY-Www / daily:YYYY-MM-DD
        path           TEXT,                    -- vault-relative path or Notion page id
        owned_hash     TEXT NOT NULL,           -- content_hash of what kbsync owns in it
        owned          TEXT NOT NULL,           -- JSON of that owned part
        state          TEXT NOT NULL DEFAULT 'present',   -- present | deleted (by the reader)
        written_at     TEXT NOT NULL,
        PRIMARY KEY (target, key)
    );
    CREATE TABLE reader_state (                 -- the reader's own properties, as last seen in the vault
        kb_id          TEXT PRIMARY KEY,
        status         TEXT,
        rating         REAL,
        extra          TEXT NOT NULL DEFAULT '{}',
        seen_at        TEXT NOT NULL
    );
    CREATE TABLE meta (                         -- small named values, e.g. the render fingerprint
        name           TEXT PRIMARY KEY,
        value          TEXT NOT NULL
    );
    CREATE TABLE runs (
        id             INTEGER PRIMARY KEY,
        started_at     TEXT NOT NULL,
        finished_at    TEXT,
        result         TEXT                     -- JSON RunResult
    );
    """),
    ("links", """
    CREATE TABLE link_docs (                    -- per-article feature vectors: the related-article index
        kb_id          TEXT PRIMARY KEY,
        published      REAL NOT NULL,           -- epoch seconds (UTC)
        source         TEXT NOT NULL,
        tags           TEXT NOT NULL,           -- JSON list, normalised
        digest         TEXT NOT NULL,           -- of the inputs; equal digest = nothing to do
        terms          BLOB NOT NULL,           -- int64 link_terms.id of the vector's terms
        weights        BLOB NOT NULL,           -- float32, L2-normalised TF-IDF weights
        title          BLOB NOT NULL,           -- int64 link_terms.id of the title's terms
        floor          REAL NOT NULL DEFAULT -1 -- rank value of its k-th link; -1 while it has fewer
    );
    CREATE INDEX link_docs_published ON link_docs(published);
    CREATE TABLE link_terms (                   -- vocabulary and document frequencies
        term           TEXT PRIMARY KEY,
        id             INTEGER NOT NULL,        -- unique; the next free one is link_meta.next_term_id
        df             INTEGER NOT NULL,
        stop           INTEGER NOT NULL DEFAULT 0  -- 1: an index stop word at the last rebuild
    ) WITHOUT ROWID;
    CREATE TABLE link_meta (
        key            TEXT PRIMARY KEY,
        value          TEXT NOT NULL
    );
    CREATE TABLE links (                        -- each article's related list, best first
        src            TEXT NOT NULL,
        rank           INTEGER NOT NULL,
        dst            TEXT NOT NULL,
        weight         REAL NOT NULL,
        reason         TEXT NOT NULL,
        shared_tags    TEXT NOT NULL,           -- JSON list
        same_story     INTEGER NOT NULL,
        PRIMARY KEY (src, rank)
    );
    CREATE INDEX links_dst ON links(dst);
    """),
    ("reader_changes", """
    CREATE TABLE reader_changes (               -- journal of the reader's edits, for the other targets
        id             INTEGER PRIMARY KEY,     -- recording order; each target keeps a cursor (meta)
        kb_id          TEXT NOT NULL,
        property       TEXT NOT NULL,           -- status | rating | tags | any key the reader owns
        value          TEXT NOT NULL,           -- JSON; null = cleared; tags: {"added": [..], "removed": [..]}
        changed_at     TEXT NOT NULL,           -- when the reader made the edit (ISO 8601 UTC)
        origin         TEXT NOT NULL            -- where it was made: obsidian | notion
    );
    CREATE INDEX reader_changes_key ON reader_changes(kb_id, property);
    """),
    ("claude", """
    ALTER TABLE scores ADD COLUMN model TEXT;                    -- Claude scores: which model
    ALTER TABLE scores ADD COLUMN prompt_version TEXT;           -- ... and which prompt
    ALTER TABLE scores ADD COLUMN fallback INTEGER NOT NULL DEFAULT 0;   -- 1: Claude failed, another scorer's
    ALTER TABLE scores ADD COLUMN why_it_matters TEXT NOT NULL DEFAULT '';
    CREATE TABLE claude_attempts (              -- Claude's failed tries per article version (retried, up to a limit)
        kb_id          TEXT PRIMARY KEY,
        content_hash   TEXT NOT NULL,
        attempts       INTEGER NOT NULL,
        last_reason    TEXT NOT NULL,
        last_at        TEXT NOT NULL
    );
    CREATE TABLE claude_usage (                 -- tokens and estimated cost, one row per run and kind
        id             INTEGER PRIMARY KEY,
        at             TEXT NOT NULL,           -- the run's start (ISO 8601 UTC)
        kind           TEXT NOT NULL,           -- messages | batch | trends
        model          TEXT NOT NULL,
        requests       INTEGER NOT NULL,
        input_tokens   INTEGER NOT NULL,        -- uncached input
        cache_read_tokens  INTEGER NOT NULL,
        cache_write_tokens INTEGER NOT NULL,
        output_tokens  INTEGER NOT NULL,
        cost_usd       REAL                     -- NULL: no known price
    );
    CREATE INDEX claude_usage_at ON claude_usage(at);
    CREATE TABLE claude_batches (               -- Message Batches: written BEFORE sending, so none is sent twice
        key            TEXT PRIMARY KEY,        -- local id
        batch_id       TEXT UNIQUE,             -- the API's id, recorded as soon as it answers
        state          TEXT NOT NULL,           -- submitting | submitted | applied | lost
        status         TEXT,                    -- the API's processing_status, as last polled
        model          TEXT NOT NULL,
        prompt_version TEXT NOT NULL,
        requests       INTEGER NOT NULL,
        created_at     TEXT NOT NULL,
        updated_at     TEXT NOT NULL
    );
    CREATE TABLE claude_batch_items (
        batch_key      TEXT NOT NULL REFERENCES claude_batches(key),
        custom_id      TEXT NOT NULL,
        kb_id          TEXT NOT NULL,
        content_hash   TEXT NOT NULL,
        PRIMARY KEY (batch_key, custom_id)
    );
    CREATE INDEX claude_batch_items_kb ON claude_batch_items(kb_id);
    CREATE TABLE trend_names (                  -- Claude's trend names, by the group's content hash
        group_hash     TEXT PRIMARY KEY,
        name           TEXT NOT NULL,
        description    TEXT NOT NULL,
        model          TEXT NOT NULL,
        created_at     TEXT NOT NULL
    );
    CREATE TABLE tag_vocabulary (               -- tags admitted under scoring.tags.admit, by variant key
        key            TEXT PRIMARY KEY,
        tag            TEXT NOT NULL,
        admitted_at    TEXT NOT NULL
    );
    CREATE TABLE tag_candidates (               -- new tags not admitted yet: which articles proposed them
        key            TEXT NOT NULL,
        kb_id          TEXT NOT NULL,
        tag            TEXT NOT NULL,
        seen_at        TEXT NOT NULL,
        PRIMARY KEY (key, kb_id)
    );
    """),
    # Issue 12: two entries of one feed may share a link and still be two entries (distinct
    # guids), so an article's URL is no longer unique. SQLite cannot drop a constraint: the
    # table is rebuilt (with foreign keys off, see ``_REBUILDS``), the URL keeps an index.
    ("articles_url_not_unique", """
    CREATE TABLE articles_rebuilt (
        kb_id          TEXT PRIMARY KEY,
        url            TEXT,
        title          TEXT NOT NULL,
        source         TEXT NOT NULL,
        sources        TEXT NOT NULL,
        author         TEXT,
        published      TEXT NOT NULL,
        published_from TEXT NOT NULL,
        content        TEXT NOT NULL,
        summary        TEXT NOT NULL,
        categories     TEXT NOT NULL,
        language       TEXT,
        first_seen     TEXT NOT NULL,
        updated_at     TEXT NOT NULL,
        content_hash   TEXT NOT NULL
    );
    INSERT INTO articles_rebuilt SELECT kb_id, url, title, source, sources, author, published, published_from,
        content, summary, categories, language, first_seen, updated_at, content_hash FROM articles;
    DROP TABLE articles;
    ALTER TABLE articles_rebuilt RENAME TO articles;
    CREATE INDEX articles_published ON articles(published);
    CREATE INDEX articles_url ON articles(url);
    """),
    # Issue 17: every run lists the vault's sync records (key, path, hash, state) without the
    # owned JSON that makes each row a kilobyte; this index holds the listing by itself, so
    # SQLite reads a tenth of the bytes (a 100,000-note vault: 0.24 s -> 0.1 s).
    ("sync_records_listing", """
    CREATE INDEX sync_records_listing ON sync_records(target, key, path, owned_hash, state);
    """),
    # Issue 17: every run asks which articles have no score of their current text; comparing
    # the two (kb_id, content_hash) lists read from these indexes skips the articles' text
    # (content_hash is the articles row's last column) and 100,000 lookups into scores.
    ("content_hash_listing", """
    CREATE INDEX articles_content_hash ON articles(kb_id, content_hash);
    CREATE INDEX scores_content_hash ON scores(kb_id, content_hash);
    """),
    # A catch-up of the reader's edits reads the notes saved since the last one: this table
    # names the files kbsync itself placed since, with their stamps, so it can pass over them
    # (``targets/obsidian/own.py``); the time of the last catch-up is ``meta`` "edits-read:<target>".
    ("placed_files", """
    CREATE TABLE placed_files (                 -- files a target wrote since it last read the reader's edits
        target         TEXT NOT NULL,
        path           TEXT NOT NULL,           -- as the target wrote it (vault-relative)
        inode          INTEGER NOT NULL,
        size           INTEGER NOT NULL,
        mtime_ns       INTEGER NOT NULL,
        PRIMARY KEY (target, path)
    ) WITHOUT ROWID;
    """),
    # Issue 17: data derived from kbsync's code and its dependencies alone, kept to save the
    # time to derive it in every run (the linker's background word tables: 0.2-0.3 s a run).
    # A row is used only while its key (what it was derived from) is the current one.
    ("derived_cache", """
    CREATE TABLE derived_cache (                -- what is cheaper to read than to derive again
        name           TEXT PRIMARY KEY,
        key            TEXT NOT NULL,           -- a fingerprint of what it was derived from
        value          BLOB NOT NULL
    );
    """),
    # Issue 17: which articles have no score of their current text, kept by SQLite as the two
    # tables change (a run read it by comparing them in full: 0.09 s of every 100,000-article
    # run, no-op or not). Each trigger works out again, from both tables, the answer for the
    # articles its row names, so the list holds whatever wrote the rows (a run, an import, a
    # test, a run killed half-way). The two indexes served only that comparison: every insert
    # paid for them. (A migration that rebuilds ``articles`` or ``scores`` drops their
    # triggers with them: it must create them again.)
    ("unscored_list", """
    CREATE TABLE unscored (                     -- articles without a score of their current content_hash
        kb_id          TEXT PRIMARY KEY
    ) WITHOUT ROWID;
    INSERT INTO unscored (kb_id)
        SELECT kb_id FROM (SELECT kb_id, content_hash FROM articles EXCEPT SELECT kb_id, content_hash FROM scores);
    CREATE TRIGGER unscored_article_added AFTER INSERT ON articles BEGIN
        INSERT OR IGNORE INTO unscored (kb_id) SELECT NEW.kb_id
            WHERE NEW.content_hash IS NOT (SELECT content_hash FROM scores WHERE kb_id = NEW.kb_id);
    END;
    CREATE TRIGGER unscored_article_changed AFTER UPDATE OF kb_id, content_hash ON articles BEGIN
""" + _UNSCORED_AGAIN + """
    END;
    CREATE TRIGGER unscored_article_removed AFTER DELETE ON articles BEGIN
        DELETE FROM unscored WHERE kb_id = OLD.kb_id;
    END;
    CREATE TRIGGER unscored_score_added AFTER INSERT ON scores BEGIN
        DELETE FROM unscored WHERE kb_id = NEW.kb_id
            AND NEW.content_hash = (SELECT content_hash FROM articles WHERE kb_id = NEW.kb_id);
    END;
    CREATE TRIGGER unscored_score_changed AFTER UPDATE OF kb_id, content_hash ON scores BEGIN
""" + _UNSCORED_AGAIN + """
    END;
    CREATE TRIGGER unscored_score_removed AFTER DELETE ON scores BEGIN
        INSERT OR IGNORE INTO unscored (kb_id) SELECT kb_id FROM articles WHERE kb_id = OLD.kb_id;
    END;
    DROP INDEX articles_content_hash;
    DROP INDEX scores_content_hash;
    """),
    # a feed's latest articles, read for the lines it repeats in every post (scoring.repeats): by
    # source, newest first, without a scan of every article's text
    ("articles_by_source", """
    CREATE INDEX articles_source ON articles(source, published);
    """),
]

# Migrations that rebuild a table others refer to: run with foreign keys off, as SQLite's
# "other kinds of table schema changes" procedure says, and checked before they commit.
_REBUILDS = frozenset({"articles_url_not_unique"})


def _statements(sql: str) -> list[str]:
    """The script's statements, one by one (``executescript`` would commit between them)."""
    out, buf = [], ""
    for line in sql.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf)
            buf = ""
    return out + ([buf] if buf.strip() else [])


def migrate(conn: sqlite3.Connection) -> list[str]:
    """Apply pending migrations; return the names applied (empty when current).

    Safe when two processes open a new store at once: each migration takes the
    write lock first (BEGIN IMMEDIATE) and looks again whether the other
    process applied it meanwhile.
    """
    conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                 "id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
    done = {row[0] for row in conn.execute("SELECT id FROM schema_migrations")}
    applied = []
    for number, (name, sql) in enumerate(MIGRATIONS, start=1):
        if number in done:
            continue
        rebuild = name in _REBUILDS
        if rebuild:
            conn.execute("PRAGMA foreign_keys=OFF")   # a no-op inside a transaction: set before BEGIN
        conn.execute("BEGIN IMMEDIATE")   # one transaction per migration: all of it or none of it
        try:
            if conn.execute("SELECT 1 FROM schema_migrations WHERE id=?", (number,)).fetchone() is None:
                for statement in _statements(sql):
                    conn.execute(statement)
                if rebuild and conn.execute("PRAGMA foreign_key_check").fetchone() is not None:
                    raise sqlite3.IntegrityError(f"migration {name}: foreign key check failed")
                conn.execute("INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)",
                             (number, name, datetime.now(timezone.utc).isoformat()))
                applied.append(name)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            if rebuild:
                conn.execute("PRAGMA foreign_keys=ON")
    return applied
