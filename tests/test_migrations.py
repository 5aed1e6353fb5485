"""Schema migrations: append-only, each all-or-nothing, safe when processes open a new store at once."""

import multiprocessing as mp
import sqlite3

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
