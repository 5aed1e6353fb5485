"""A first sync's digests built by a worker while the notes are written are the digests built
here; when what they were built from no longer holds, or the worker fails, they are built here.
The same for a daily run's, composed by a forked child (``DigestsForked``).

(``targets/obsidian/digests.py``: the pages are built ahead only when every note of the run is
new and there are ``AHEAD_MIN`` of them; the tests lower it.)
"""

from __future__ import annotations

import os
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from sync.config import load_config
from sync.edits import journal
from sync.parallel import Background, ChildFailed, Forked
from sync.pipeline import run_sync
from sync.store import Store
from sync.targets.obsidian import digests
from sync.targets.obsidian.view import TARGET, ObsidianView
from tests.hostile.synthetic import synthetic_rss

N = 240   # 37 minutes apart: 6 days, two weeks
NOW = datetime(2026, 3, 2, 12, tzinfo=timezone.utc)
START = datetime(2026, 2, 20, tzinfo=timezone.utc)


def setup(root: Path, n: int = N):
    root.mkdir(exist_ok=True)
    (root / "feed.xml").write_bytes(synthetic_rss(n, start=START))
    (root / "config.toml").write_text(
        '[vault]\npath = "vault"\n[scoring]\nbackend = "heuristic"\n'
        'interests = ["agents", "智能体"]\n[[feeds]]\nurl = "feed.xml"\nname = "Syn"\n', "utf-8")
    return load_config(root / "config.toml")


def vault_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.md"))}


def records(root: Path) -> dict[str, tuple]:
    with Store(root / ".kbsync" / "state.db") as store:
        return {k: (r.path, r.owned_hash, r.base()) for k, r in store.sync_records(TARGET).items()}


@pytest.fixture(autouse=True)
def composed_here(monkeypatch):
    """Pages are composed in this process unless a test asks for a forked child
    (``digests.FORK_MIN``; a daily run of more articles forks one)."""
    monkeypatch.setattr(digests, "FORK_MIN", 10**9)


@pytest.fixture
def built(monkeypatch):
    """What became of the pages built ahead in a run: one entry per ``DigestsAhead``, True when
    its pages were the run's."""
    seen: list[bool] = []
    real = digests.DigestsAhead.result

    def result(self, weeks, days):
        pages = real(self, weeks, days)
        seen[-1] = pages is not None
        return pages

    real_init = digests.DigestsAhead.__init__
    monkeypatch.setattr(digests.DigestsAhead, "__init__",
                        lambda self, *a, **k: seen.append(False) or real_init(self, *a, **k))
    monkeypatch.setattr(digests.DigestsAhead, "result", result)
    return seen


def test_digests_built_ahead_are_the_digests_built_here(tmp_path, monkeypatch, built):
    monkeypatch.setattr(digests, "AHEAD_MIN", 10**9)           # here
    here = run_sync(setup(tmp_path / "a"), env={}, now=NOW)
    assert built == []
    monkeypatch.setattr(digests, "AHEAD_MIN", 1)               # ahead, in a worker
    there = run_sync(setup(tmp_path / "b"), env={}, now=NOW)
    assert built == [True]
    assert here.pages == there.pages and here.pages["created"] >= 8   # 6 days, 2 weeks
    a, b = vault_bytes(tmp_path / "a" / "vault"), vault_bytes(tmp_path / "b" / "vault")
    assert len(a) > N and a == b
    assert records(tmp_path / "a") == records(tmp_path / "b")
    # a daily run rewrites older notes (their related lists): its pages are built here
    for root in ("a", "b"):
        (tmp_path / root / "feed.xml").write_bytes(synthetic_rss(N + 5, start=START))
        run_sync(setup(tmp_path / root, N + 5), env={}, now=NOW)
    assert built == [True]
    assert vault_bytes(tmp_path / "a" / "vault") == vault_bytes(tmp_path / "b" / "vault")


def _fails(job):
    raise RuntimeError("the worker died")


def test_a_failed_worker_leaves_the_digests_to_this_process(tmp_path, monkeypatch, built):
    monkeypatch.setattr(digests, "AHEAD_MIN", 10**9)
    run_sync(setup(tmp_path / "a"), env={}, now=NOW)
    monkeypatch.setattr(digests, "AHEAD_MIN", 1)
    monkeypatch.setattr(digests, "Background", lambda fn, job: Background(_fails, job))
    result = run_sync(setup(tmp_path / "b"), env={}, now=NOW)
    assert built == [False] and not result.failures
    assert vault_bytes(tmp_path / "a" / "vault") == vault_bytes(tmp_path / "b" / "vault")


def test_an_edit_recorded_while_the_notes_were_written_has_the_digests_built_here(tmp_path, monkeypatch, built):
    """The reader's category recorded in the journal once the pages were started (in a run of
    new notes only a merge into an existing note finds one; here it is recorded by hand as the
    first batch is written): the pages built ahead may not show it, and are dropped."""
    real_owe = ObsidianView._owe

    def owe(self, intents, docs):
        intents = list(intents)
        if not self.reedited:
            key = intents[0].doc.key
            journal.record(self.store, [journal.Change(key, "category", "Reader's pick", NOW, TARGET)])
            self.reedited.add(key)
        return real_owe(self, intents, docs)

    monkeypatch.setattr(ObsidianView, "_owe", owe)
    monkeypatch.setattr(digests, "AHEAD_MIN", 10**9)
    run_sync(setup(tmp_path / "a"), env={}, now=NOW)
    monkeypatch.setattr(digests, "AHEAD_MIN", 1)
    run_sync(setup(tmp_path / "b"), env={}, now=NOW)
    assert built == [False]
    a, b = vault_bytes(tmp_path / "a" / "vault"), vault_bytes(tmp_path / "b" / "vault")
    assert a == b
    assert any("Reader's pick" in text.decode() for path, text in b.items() if path.startswith("Daily"))


def test_pages_built_ahead_for_other_days_are_not_used(tmp_path):
    cfg = setup(tmp_path)
    run_sync(cfg, env={}, now=NOW)
    with Store(tmp_path / ".kbsync" / "state.db") as store:
        names = digests.DigestNames(lambda kb_id: None, lambda label: f"[[{label}]]")
        known = ({a.kb_id: a for a in store.iter_articles()}, store.scores())
        day = START.date()
        here = digests.pages(store, cfg, [], [day], known, names, None)
        ahead = digests.DigestsAhead(store, cfg, [], [day], known, names)
        assert ahead.result([], [day]) == here
        other = digests.DigestsAhead(store, cfg, [], [day], known, names)
        assert other.result(["2026-W09"], [day]) is None


def _square(x: int) -> int:
    return x * x


def test_background_gives_the_result_or_what_was_raised():
    assert Background(_square, 7).result() == 49
    with pytest.raises(RuntimeError, match="the worker died"):
        Background(_fails, None).result()
    Background(_square, 3).close()   # given up: nothing waits for it


def _frozen(_: object) -> int:
    import gc

    return gc.get_freeze_count()


def test_workers_start_with_what_the_fork_server_loaded_out_of_the_collectors_reach():
    # (``sync/links/warm.py``: the preloaded modules and word tables live as long as the worker)
    assert Background(_frozen, None).result() > 10_000


def test_rewritten_notes_are_written_apart_and_new_ones_still_fly_while_the_digests_are_built(tmp_path, monkeypatch):
    """A daily run rewrites older notes (revised articles here; new related links in life) and
    creates new ones. The rewrites are journalled: they go to the writer alone. The new notes
    are not: they go after them, apart, and are still being written (not yet recorded) while
    the digests are built, instead of holding the digests up."""
    from sync.targets.obsidian import wal
    from sync.targets.obsidian.vault import NoteTarget

    cfg = setup(tmp_path, 20)
    run_sync(cfg, env={}, now=NOW)
    (tmp_path / "feed.xml").write_bytes(synthetic_rss(30, start=START, version=1, revise=4))
    handed: list[tuple[set[str], bool]] = []
    real_write = NoteTarget.write

    def write(self, decided, writes):
        with Store(tmp_path / ".kbsync" / "state.db") as store:
            journalled = store.meta(wal._name(TARGET)) not in (None, "{}")
        handed.append(({o.status for o in decided}, journalled))
        return real_write(self, decided, writes)

    unrecorded_while_built: list[int] = []
    real_rollup_docs = ObsidianView.rollup_docs

    def rollup_docs(self, touched, **kw):
        new = [k for k in touched if k not in self.records]
        unrecorded_while_built.append(len(new))
        return real_rollup_docs(self, touched, **kw)

    monkeypatch.setattr(NoteTarget, "write", write)
    monkeypatch.setattr(ObsidianView, "rollup_docs", rollup_docs)
    result = run_sync(cfg, env={}, now=NOW)
    assert result.notes["created"] == 10 and result.notes["updated"] >= 5
    assert unrecorded_while_built == [10]
    # (then the digests' own pages, written by the rollups step)
    assert handed[:2] == [({"updated"}, True), ({"created"}, False)]


# -- a daily run's, composed by a forked child ------------------------------------------------

@pytest.fixture
def forked(monkeypatch):
    """What became of the pages a forked child composed in each run: True when they were used."""
    seen: list[bool] = []
    real_start, real_result = digests.DigestsForked.start, digests.DigestsForked.result

    def start(*a, **k):
        started = real_start(*a, **k)
        if isinstance(started, digests.DigestsForked):   # not the inputs of pages composed here
            seen.append(False)
        return started

    def result(self, weeks, days):
        pages = real_result(self, weeks, days)
        seen[-1] = pages is not None
        return pages

    monkeypatch.setattr(digests.DigestsForked, "start", start)
    monkeypatch.setattr(digests.DigestsForked, "result", result)
    return seen


def _daily(root: Path, *, fork: bool, monkeypatch) -> None:
    """A first sync composed here, then a daily run (revised articles, new ones: notes rewritten
    and created) composed by a forked child or here. (A thread another test left running would
    forbid the fork: these tests are about the pages, ``Forked.possible`` has its own.)"""
    monkeypatch.setattr(Forked, "possible", staticmethod(lambda: True))
    cfg = setup(root)
    run_sync(cfg, env={}, now=NOW)
    (root / "feed.xml").write_bytes(synthetic_rss(N + 30, start=START, version=1, revise=7))
    monkeypatch.setattr(digests, "FORK_MIN", 1 if fork else 10**9)
    run_sync(setup(root, N + 30), env={}, now=NOW)
    monkeypatch.setattr(digests, "FORK_MIN", 10**9)


def test_digests_a_forked_child_composed_are_the_digests_composed_here(tmp_path, monkeypatch, forked):
    _daily(tmp_path / "a", fork=False, monkeypatch=monkeypatch)
    assert forked == []
    _daily(tmp_path / "b", fork=True, monkeypatch=monkeypatch)
    assert forked == [True]
    a, b = vault_bytes(tmp_path / "a" / "vault"), vault_bytes(tmp_path / "b" / "vault")
    assert len(a) > N and a == b
    assert records(tmp_path / "a") == records(tmp_path / "b")


def test_a_small_daily_run_reads_its_digests_inputs_once(tmp_path, monkeypatch, forked):
    """Pages too small for a child are composed here from the inputs read for it
    (``DigestsRead``), not read again: the same pages as a run that read them at the end."""
    reads = []
    real_read = digests.read
    monkeypatch.setattr(digests, "read", lambda *a: reads.append(1) or real_read(*a))
    _daily(tmp_path / "a", fork=False, monkeypatch=monkeypatch)
    assert forked == [] and len(reads) == 2   # the first sync's pages, then the daily run's, once
    monkeypatch.setattr(Forked, "possible", staticmethod(lambda: False))   # read at the end only
    cfg = setup(tmp_path / "b")
    run_sync(cfg, env={}, now=NOW)
    (tmp_path / "b" / "feed.xml").write_bytes(synthetic_rss(N + 30, start=START, version=1, revise=7))
    run_sync(setup(tmp_path / "b", N + 30), env={}, now=NOW)
    assert len(reads) == 4
    a, b = vault_bytes(tmp_path / "a" / "vault"), vault_bytes(tmp_path / "b" / "vault")
    assert len(a) > N and a == b
    assert records(tmp_path / "a") == records(tmp_path / "b")


def test_a_child_that_fails_leaves_the_digests_to_this_process(tmp_path, monkeypatch, forked):
    _daily(tmp_path / "a", fork=False, monkeypatch=monkeypatch)
    parent, real_compose = os.getpid(), digests.compose
    # the child dies composing (here the pages are composed as ever)
    monkeypatch.setattr(digests, "compose", lambda *a: real_compose(*a) if os.getpid() == parent else os._exit(3))
    _daily(tmp_path / "b", fork=True, monkeypatch=monkeypatch)
    assert forked == [False]
    assert vault_bytes(tmp_path / "a" / "vault") == vault_bytes(tmp_path / "b" / "vault")


def test_an_edit_a_merge_finds_after_the_fork_has_the_digests_composed_here(tmp_path, monkeypatch, forked):
    """The child was given the pages' inputs before the notes were merged. The reader changes a
    note's category after the run read their edits and before its note is merged (saved just
    as the rewritten notes are decided, here): the merge finds it, the pages composed by the
    child are stale and dropped, and the digests show the reader's category."""
    import re as _re

    from sync.targets.obsidian.vault import NoteTarget

    real_decide = NoteTarget.decide
    picked: list[str] = []

    def decide(self, intents):
        intents = list(intents)
        rewritten = [i for i in intents if i.record is not None and i.record.path]
        if not picked and rewritten:
            note = tmp_path / "vault" / rewritten[0].record.path
            text = note.read_text("utf-8")
            note.write_text(_re.sub(r"(?m)^category: .*$", "category: Reader's pick", text, count=1), "utf-8")
            picked.append(rewritten[0].doc.key)
        return real_decide(self, intents)

    monkeypatch.setattr(NoteTarget, "decide", decide)
    _daily(tmp_path, fork=True, monkeypatch=monkeypatch)
    assert picked and forked == [False]
    digest_pages = [p.read_text("utf-8") for folder in ("Daily", "Weekly") for p in (tmp_path / "vault" / folder).glob("*.md")]
    assert any("Reader's pick" in text for text in digest_pages)


def test_a_forked_child_gives_its_result_or_says_it_failed():
    assert Forked(lambda: {"pages": [1, 2]}).result() == {"pages": [1, 2]}
    with pytest.raises(ChildFailed):
        Forked(lambda: 1 / 0).result()
    started = time.monotonic()
    Forked(lambda: time.sleep(30)).close()   # given up: stopped, not waited for
    assert time.monotonic() - started < 10


def test_a_forked_child_uses_none_of_this_processs_descriptors(tmp_path):
    """A SQLite connection or the store's lock must not be used across a fork: the child has
    none of them (writing to one fails, so the child fails)."""
    with open(tmp_path / "mine.txt", "w") as mine:
        fd = mine.fileno()
        with pytest.raises(ChildFailed):
            Forked(lambda: os.write(fd, b"the child wrote here")).result()
    assert (tmp_path / "mine.txt").read_text() == ""


def test_no_child_is_forked_beside_another_thread():
    alone = Forked.possible()   # (False too when another test left a thread running)
    done = threading.Event()
    other = threading.Thread(target=done.wait)
    other.start()
    try:
        assert not Forked.possible()
    finally:
        done.set()
        other.join()
    assert Forked.possible() == alone


def test_a_run_that_cannot_fork_lists_its_vault_and_builds_its_digests_itself(tmp_path, monkeypatch, forked):
    """No process to be had (the user's process limit, EAGAIN): neither the vault's listing nor
    the digests get a child; the run does both itself, and writes the same vault."""
    import errno

    _daily(tmp_path / "a", fork=False, monkeypatch=monkeypatch)

    def no_fork():
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    _daily(tmp_path / "b", fork=True, monkeypatch=monkeypatch)
    assert forked == []
    assert vault_bytes(tmp_path / "a" / "vault") == vault_bytes(tmp_path / "b" / "vault")


def test_a_forked_child_that_gives_nothing_in_time_is_given_up():
    """A child stuck for whatever reason must not hold up the run: past the timeout it is
    stopped, and the caller builds the pages itself."""
    started = time.monotonic()
    with pytest.raises(ChildFailed, match="within"):
        Forked(lambda: time.sleep(30)).result(timeout=0.5)
    assert time.monotonic() - started < 10


def _lose_the_notes(root: Path) -> None:
    """The state a first sync killed as its notes began leaves: every article stored and scored,
    the days of its notes owed, no note written or recorded (here: the vault and its records
    removed, every article's day owed again)."""
    import shutil

    from sync.rollups.digest import day_of
    from sync.targets import owed

    shutil.rmtree(root / "vault")
    cfg = load_config(root / "config.toml")
    with Store(root / ".kbsync" / "state.db") as store:
        with store.conn:
            store.conn.execute("DELETE FROM sync_records WHERE target = ?", (TARGET,))
        owed.owe(store, TARGET, {day_of(t, cfg.rollups) for t in store.publication_times()})


def test_pages_built_ahead_link_the_notes_of_articles_the_run_did_not_load(tmp_path, monkeypatch, built):
    """A run that writes every note anew, after a first sync killed before its notes: its articles
    come from the store, not from what the run itself read (the feed is unchanged). The worker
    was given the note names of the run's own articles only, and its daily pages listed every
    article as a title without a link (tests/test_crash_safety.py caught it after SIGKILLs)."""
    for root, ahead in (("a", 10**9), ("b", 1)):
        monkeypatch.setattr(digests, "AHEAD_MIN", 10**9)
        run_sync(setup(tmp_path / root), env={}, now=NOW)
        _lose_the_notes(tmp_path / root)
        monkeypatch.setattr(digests, "AHEAD_MIN", ahead)
        run_sync(setup(tmp_path / root), env={}, now=NOW)
    assert built == [True]
    a, b = vault_bytes(tmp_path / "a" / "vault"), vault_bytes(tmp_path / "b" / "vault")
    days = [text.decode() for path, text in b.items() if path.startswith("vault/Daily") or "Daily/" in path]
    assert days and all("### 1. [[" in text for text in days)
    assert a == b
