"""A sync does each piece of work once, and rendering on every core writes the same vault.

Counted, not timed: how often an article is hashed, how many articles are read
back from the store after ingest stored them, how many existence checks a new
note costs; and notes rendered in worker processes are byte for byte the notes
rendered in process.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from sync import models
from sync.config import load_config
from sync.pipeline import run_sync
from sync.sources import parse_pool
from sync.store import Store
from sync.targets.obsidian import files as files_module
from sync.targets.obsidian import rendering
from tests.hostile.synthetic import synthetic_rss

N = 240
NOW = datetime(2026, 3, 2, 12, tzinfo=timezone.utc)


def setup(tmp_path: Path, n: int = N):
    (tmp_path / "feed.xml").write_bytes(synthetic_rss(n, start=datetime(2026, 2, 20, tzinfo=timezone.utc)))
    (tmp_path / "config.toml").write_text(
        '[vault]\npath = "vault"\n[scoring]\nbackend = "heuristic"\n'
        'interests = ["agents", "智能体"]\n[[feeds]]\nurl = "feed.xml"\nname = "Syn"\n', "utf-8")
    return load_config(tmp_path / "config.toml")


def test_a_first_sync_hashes_each_article_once_and_reads_none_back(tmp_path, monkeypatch):
    cfg = setup(tmp_path)
    hashed: list[str] = []
    real_fields = models.Article.hash_fields
    monkeypatch.setattr(models.Article, "hash_fields", lambda self: hashed.append(self.kb_id) or real_fields(self))
    read_back: list[int] = []
    real_get = Store.get_articles
    monkeypatch.setattr(Store, "get_articles", lambda self, ids: read_back.append(len(r := real_get(self, ids))) or r)
    monkeypatch.setattr(Store, "iter_articles", lambda *a, **k: pytest.fail("a first sync scans no article table"))
    result = run_sync(cfg, env={}, now=NOW)
    assert result.notes["created"] == N and result.pages["created"] > 0
    assert sorted(hashed) == sorted(set(hashed)) and len(hashed) == N        # once each
    assert sum(read_back) == 0                                              # scoring, notes, rollups: from memory


def test_a_second_sync_hashes_nothing(tmp_path, monkeypatch):
    cfg = setup(tmp_path)
    run_sync(cfg, env={}, now=NOW)
    (tmp_path / "feed.xml").write_bytes(synthetic_rss(N + 5, start=datetime(2026, 2, 20, tzinfo=timezone.utc)))
    hashed: list[str] = []
    real_fields = models.Article.hash_fields
    monkeypatch.setattr(models.Article, "hash_fields", lambda self: hashed.append(self.kb_id) or real_fields(self))
    result = run_sync(cfg, env={}, now=NOW)
    assert result.notes["created"] == 5
    assert len(hashed) == 5          # the new ones; stored articles carry their stored hash


def test_a_new_note_costs_no_existence_check(tmp_path, monkeypatch):
    # its name was free in the run's walk of the vault; a file saved there since is merged into
    # by the create's guard (test_reader_race.py)
    cfg = setup(tmp_path)
    checks: list[str] = []
    real = files_module.LocalFiles.exists
    monkeypatch.setattr(files_module.LocalFiles, "exists", lambda self, rel: checks.append(rel) or real(self, rel))
    result = run_sync(cfg, env={}, now=NOW)
    notes = [c for c in checks if c.startswith("Articles/")]
    assert result.notes["created"] == N and notes == []


def vault_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.md"))}


def test_notes_rendered_in_workers_are_the_notes_rendered_here(tmp_path, monkeypatch):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    monkeypatch.setattr(rendering, "PARALLEL_MIN", 10**9)          # in process
    here = run_sync(setup(tmp_path / "a"), env={}, now=NOW)
    calls: list[bool] = []
    real = rendering.map_maybe_parallel
    monkeypatch.setattr(rendering, "PARALLEL_MIN", 1)              # in worker processes, small chunks
    monkeypatch.setattr(rendering, "CHUNK", 7)
    monkeypatch.setattr(rendering, "map_maybe_parallel",
                        lambda fn, jobs, parallel: calls.append(parallel) or real(fn, jobs, parallel=parallel))
    there = run_sync(setup(tmp_path / "b"), env={}, now=NOW)
    assert calls == [True]
    assert here.notes == there.notes and here.notes["created"] == N
    a, b = vault_bytes(tmp_path / "a" / "vault"), vault_bytes(tmp_path / "b" / "vault")
    assert len(a) > N and a == b
    with Store(tmp_path / "a" / ".kbsync" / "state.db") as sa, Store(tmp_path / "b" / ".kbsync" / "state.db") as sb:
        ra, rb = sa.sync_records("obsidian"), sb.sync_records("obsidian")
        assert {k: (r.path, r.owned_hash, r.base()) for k, r in ra.items()} == \
               {k: (r.path, r.owned_hash, r.base()) for k, r in rb.items()}
    # and the second run over what the workers wrote finds nothing to do
    again = run_sync(setup(tmp_path / "b"), env={}, now=NOW)
    assert not again.notes and not again.pages


def test_a_rebuild_of_the_links_reads_back_only_what_it_was_not_given(tmp_path, monkeypatch):
    """A first sync's (or big import's) rebuild has every stored article in memory: it scans
    no article table; given all but some, it reads the others, and the links are the same."""
    from sync.links.index import update_links

    cfg = setup(tmp_path)
    run_sync(cfg, env={}, now=NOW)
    with Store(tmp_path / ".kbsync" / "state.db") as store:
        articles = list(store.iter_articles())
        scores = store.scores()

        def links() -> list[tuple]:
            return store.conn.execute("SELECT src, rank, dst, weight, reason FROM links ORDER BY src, rank").fetchall()

        before = links()
        real_iter = Store.iter_articles
        monkeypatch.setattr(Store, "iter_articles", lambda *a, **k: pytest.fail("every article was given"))
        update_links(store, articles, scores, cfg.links, rebuild=True)
        assert links() == before and len(before) > 0
        scanned: list[str] = []
        monkeypatch.setattr(Store, "iter_articles",
                            lambda self, *a, **k: (scanned.append(x.kb_id) or x for x in real_iter(self, *a, **k)))
        update_links(store, articles[1:], scores, cfg.links, rebuild=True)
        assert links() == before and articles[0].kb_id in scanned


def test_a_sync_reads_the_merge_base_of_the_pages_it_merges_only(tmp_path, monkeypatch):
    """Records are loaded without their owned JSON (most of the table): a no-op sync reads
    none; a sync that updates pages reads theirs, once each, and writes what it read."""
    from sync.store import StoredOwned

    cfg = setup(tmp_path)
    run_sync(cfg, env={}, now=NOW)
    read: list[str] = []
    real_text = StoredOwned.text
    # a read is a trip to the store (the text is kept once read: the owed digests and the merge share it)
    monkeypatch.setattr(StoredOwned, "text",
                        lambda self: (read.append(self._key) if self._text is None else None) or real_text(self))
    again = run_sync(cfg, env={}, now=NOW)
    assert not again.notes and not again.pages and read == []
    # five more articles: their notes are new; the pages that list them, and the notes whose
    # related lists change, are merged over what kbsync wrote before
    (tmp_path / "feed.xml").write_bytes(synthetic_rss(N + 5, start=datetime(2026, 2, 20, tzinfo=timezone.utc)))
    more = run_sync(cfg, env={}, now=NOW)
    assert more.notes["created"] == 5 and more.pages.get("updated", 0) > 0
    updated = more.notes.get("updated", 0) + more.pages.get("updated", 0)
    assert 0 < len(read) and len(read) == len(set(read)) and len(read) >= updated
    with Store(tmp_path / ".kbsync" / "state.db") as store:
        assert all(r.base() for r in store.sync_records("obsidian").values())


def test_a_first_sync_derives_link_features_where_it_scores_and_links_the_same(tmp_path, monkeypatch):
    """A first sync's links are rebuilt from features encoded in the scoring workers (the
    article crosses to a worker once); the index and the lists are what the linker's own
    encoding gives."""
    from sync import pipeline
    from sync.links import features

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    encoded: list[int] = []
    real_scored, real_articles = features.encode_scored, features.encode_articles
    monkeypatch.setattr(pipeline, "encode_scored", lambda a, s: encoded.append(len(a)) or real_scored(a, s))
    monkeypatch.setattr(features, "encode_articles", lambda *a, **k: pytest.fail("encoded twice"))
    fused = run_sync(setup(tmp_path / "a"), env={}, now=NOW)
    assert sum(encoded) == N
    monkeypatch.setattr(pipeline, "rebuilds", lambda store, n, **kw: False)   # the linker works alone
    monkeypatch.setattr(features, "encode_articles", real_articles)
    alone = run_sync(setup(tmp_path / "b"), env={}, now=NOW)
    assert fused.notes == alone.notes

    def tables(root: Path) -> tuple[list, list]:
        # a small batch is linked incrementally when the linker works alone: the same lists,
        # weights equal but for float rounding (summed in another order)
        with Store(root / ".kbsync" / "state.db") as store:
            return ([tuple(r) for r in store.conn.execute(
                        "SELECT src, rank, dst, round(weight, 4), reason FROM links ORDER BY src, rank")],
                    [tuple(r) for r in store.conn.execute("SELECT kb_id, digest, floor FROM link_docs ORDER BY kb_id")])

    links_a, docs_a = tables(tmp_path / "a")
    assert len(links_a) > 0 and len(docs_a) == N
    assert (links_a, docs_a) == tables(tmp_path / "b")
    assert vault_bytes(tmp_path / "a" / "vault") == vault_bytes(tmp_path / "b" / "vault")


def test_a_run_pauses_the_cyclic_collector_and_gives_it_back(tmp_path, monkeypatch):
    """(``collector.collector_paused``: the collector's passes over a run's heap cost time and
    freed nothing.) It is off while the run works, and as it was before once the run is over."""
    import gc

    from sync import pipeline

    cfg = setup(tmp_path)
    during: list[bool] = []
    real = pipeline.update_links
    monkeypatch.setattr(pipeline, "update_links", lambda *a, **k: during.append(gc.isenabled()) or real(*a, **k))
    assert gc.isenabled()
    run_sync(cfg, env={}, now=NOW)
    assert during == [False] and gc.isenabled()
    gc.disable()   # a caller that turned it off keeps it off
    try:
        run_sync(cfg, env={}, now=NOW)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_workers_start_while_the_feeds_are_fetched_once_parsing_will_need_them(monkeypatch):
    started: list[int] = []
    monkeypatch.setattr(parse_pool, "start_early", lambda: started.append(1))
    ahead = parse_pool.WorkersAhead()
    half = b"x" * (parse_pool.PARALLEL_MIN_BYTES // 2)
    ahead(half)
    ahead(None)                      # a feed that answered 304: no body
    assert started == []             # not yet enough for parse_many to use workers
    ahead(half)
    ahead(half)
    assert started == [1]            # started once, when the bodies crossed the threshold
    assert parse_pool._big(ahead.size)


def test_a_small_sync_starts_no_workers(tmp_path, monkeypatch):
    cfg = setup(tmp_path)
    monkeypatch.setattr(parse_pool, "start_early", lambda: pytest.fail("workers started for a small sync"))
    assert run_sync(cfg, env={}, now=NOW).notes["created"] == N


def test_a_command_leaves_the_interpreter_nothing_to_collect_at_exit(tmp_path):
    """(``collector.no_last_pass``) By the time the interpreter finalises, what a command left
    alive is frozen: its final full collection walks none of it."""
    import subprocess
    import sys

    probe = (
        "import atexit, gc, sys\n"
        # registered first, so run last: after kbsync's own exit handler
        "atexit.register(lambda: print('frozen', gc.get_freeze_count(), file=sys.stderr))\n"
        "from sync.cli import main\n"
        "from sync.collector import no_last_pass\n"
        "no_last_pass()\n"
        "main(['status', '--config', sys.argv[1]])\n")
    (tmp_path / "config.toml").write_text('[vault]\npath = "vault"\n', "utf-8")
    done = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "config.toml")], capture_output=True,
                          text=True, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
    frozen = int(done.stderr.split("frozen")[1].split()[0])
    assert frozen > 10_000


def test_cycles_made_while_paused_are_still_collected_and_turning_it_on_starts_no_pass():
    """(``collector.collector_paused``) Back on, the collector does not start at once a full pass
    over what piled up (it joined the oldest generation), and a full pass still frees the
    reference cycles the pause left."""
    import gc
    import weakref

    from sync.collector import collector_paused

    class Node:
        pass

    passes: list[int] = []
    gc.callbacks.append(lambda phase, info: phase == "start" and passes.append(info["generation"]))
    try:
        with collector_paused():
            node = Node()
            node.me = node                       # a cycle only the collector frees
            gone = weakref.ref(node)
            del node
            kept = [[i] for i in range(50_000)]  # piles up: enough to set off passes
        junk = [{} for _ in range(5_000)]        # allocations after the pause
        assert 2 not in passes                   # no full pass was started by turning it back on
        assert gone() is not None
        gc.collect()
        assert gone() is None
    finally:
        gc.callbacks.pop()
    del kept, junk
