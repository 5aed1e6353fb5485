"""Schema migrations: append-only, each all-or-nothing, safe when processes open a new store at once."""

import multiprocessing as mp
import sqlite3
from datetime import datetime, timezone

from hypothesis import example, given, settings
from hypothesis import strategies as st

from sync.models import Article, Score
from sync.store import Store
from sync.store.migrations import MIGRATIONS, _statements, migrate


def _open(path: str) -> list[int]:
    with Store(path) as store:
        return [r[0] for r in store.conn.execute("SELECT id FROM schema_migrations ORDER BY id")]


def test_processes_opening_a_new_store_at_once_migrate_it_once(tmp_path):
    ctx = mp.get_context("spawn")
    for i in range(3):
        path = str(tmp_path / f"state{i}.db")
        with ctx.Pool(4) as pool:
            seen = pool.map(_open, [path] * 4)
        assert seen == [list(range(1, len(MIGRATIONS) + 1))] * 4


def test_an_older_store_upgrades_in_place_and_a_current_one_is_left_alone(tmp_path):
    path = tmp_path / "state.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
    for statement in _statements(MIGRATIONS[0][1]):
        conn.execute(statement)
    conn.execute("INSERT INTO schema_migrations VALUES (1, 'initial', 'then')")
    conn.commit()
    assert migrate(conn) == [name for name, _ in MIGRATIONS[1:]]
    assert migrate(conn) == []


def test_statements_split_on_real_semicolons_only():
    sql = "CREATE TABLE a (x TEXT -- a comment; with a semicolon\n);\nCREATE INDEX i ON a(x);\n"
    assert len(_statements(sql)) == 2


# -- the unscored list (migration unscored_list) ------------------------------------------

_WRITES = st.lists(st.tuples(
    st.sampled_from(["article", "score", "drop article", "drop score", "rename score"]),
    st.integers(0, 1),     # which article
    st.integers(0, 1),     # which version of its text
), max_size=40)


def _compared(store: Store) -> list[str]:
    """The answer the triggers keep, worked out from both tables in full (the oracle)."""
    return [r[0] for r in store.conn.execute(
        "SELECT kb_id FROM articles WHERE content_hash IS NOT"
        " (SELECT content_hash FROM scores WHERE scores.kb_id = articles.kb_id) ORDER BY kb_id")]


@settings(max_examples=150, deadline=None)
@given(writes=_WRITES)
# each way a row can change under the list, for certain (random writes rarely line them up)
@example(writes=[("article", 0, 0), ("score", 0, 0), ("score", 0, 1)])          # scored again: an older text
@example(writes=[("article", 0, 0), ("score", 0, 0), ("article", 0, 1), ("article", 0, 0)])  # text edited, then back
@example(writes=[("article", 0, 0), ("article", 1, 0), ("score", 0, 0), ("rename score", 0, 0)])
@example(writes=[("article", 0, 0), ("score", 0, 0), ("drop score", 0, 0), ("drop article", 0, 0)])
def test_the_unscored_list_follows_every_write_to_articles_and_scores(tmp_path_factory, writes):
    """Whatever writes the two tables (the store's upserts, or plain SQL: an import, a repair),
    in any order, ``unscored_ids`` is the articles whose current text has no score."""
    now = datetime(2026, 3, 1, tzinfo=timezone.utc)
    with Store(str(tmp_path_factory.mktemp("unscored") / "state.db")) as store:
        for what, n, version in writes:
            kb_id = f"kb-{n}"
            article = Article(kb_id=kb_id, url=f"https://example.com/{n}", title=f"Title {n}", source="S",
                              published=now, content=f"text {n} version {version}")
            exists = {r[0] for r in store.conn.execute("SELECT kb_id FROM articles")}
            if what == "article":
                store.save_articles([article], [], now)
            elif kb_id not in exists:
                continue            # a score refers to its article (foreign key)
            elif what == "score":   # a score of some version of its text, current or not
                store.save_scores([Score(kb_id, article.content_hash, "heuristic", 50, "skim", "Other")], now)
            elif what == "drop article":
                with store.conn:
                    store.conn.execute("DELETE FROM scores WHERE kb_id=?", (kb_id,))
                    store.conn.execute("DELETE FROM articles WHERE kb_id=?", (kb_id,))
            elif what == "drop score":
                with store.conn:
                    store.conn.execute("DELETE FROM scores WHERE kb_id=?", (kb_id,))
            elif f"kb-{1 - n}" in exists:   # a score moved to another article (both sides of the update)
                with store.conn:
                    store.conn.execute("UPDATE OR REPLACE scores SET kb_id=? WHERE kb_id=?", (f"kb-{1 - n}", kb_id))
            assert store.unscored_ids() == _compared(store)


def test_an_older_store_gets_its_unscored_list_from_what_it_holds(tmp_path):
    """Upgrading a store lists the articles it already holds unscored, no more."""
    now = datetime(2026, 3, 1, tzinfo=timezone.utc)
    path = tmp_path / "state.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
    before = [name for name, _ in MIGRATIONS].index("unscored_list")
    for number, (name, sql) in enumerate(MIGRATIONS[:before], start=1):
        for statement in _statements(sql):
            conn.execute(statement)
        conn.execute("INSERT INTO schema_migrations VALUES (?, ?, 'then')", (number, name))
    for n in range(3):
        conn.execute("INSERT INTO articles (kb_id, title, source, sources, published, published_from, content,"
                     " summary, categories, first_seen, updated_at, content_hash)"
                     " VALUES (?, 't', 's', '[]', ?, 'published', '', '', '[]', ?, ?, ?)",
                     (f"kb-{n}", now.isoformat(), now.isoformat(), now.isoformat(), f"hash-{n}"))
    conn.execute("INSERT INTO scores (kb_id, content_hash, backend, score, tier, category, tags, summary,"
                 " key_points, scored_at) VALUES ('kb-0', 'hash-0', 'h', 1, 'skim', 'Other', '[]', '', '[]', 'then'),"
                 " ('kb-1', 'an older text', 'h', 1, 'skim', 'Other', '[]', '', '[]', 'then')")
    conn.commit()
    assert "unscored_list" in migrate(conn)
    assert [r[0] for r in conn.execute("SELECT kb_id FROM unscored")] == ["kb-1", "kb-2"]
