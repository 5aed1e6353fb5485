"""The vault watcher with real file-system events (watchdog) in a temporary vault.

Each test works on a copy of a vault synced from the example feeds, with a
``VaultWatcher`` running in this process, and acts as the reader would: edits
properties in place, deletes, renames and moves notes. Nothing is timed: the
tests poll the store with a generous deadline.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from sync.config import Config, load_config
from sync.daemon.lock import StoreLock
from sync.daemon.watcher import Debouncer, VaultWatcher, classify
from sync.edits import journal
from sync.edits.journal import Change
from sync.links.index import linking_to
from sync.store import Store
from sync.targets.obsidian.edits import VaultEditSink
from sync.targets.obsidian.yamlfm import dumps_note, loads_note
from tests.test_e2e import broken_links, example_config, kbsync, make_config, notes

DEADLINE = 30.0
log = logging.getLogger("kbsync.test.watcher")


def eventually(check: Callable[[], Any], what: str, deadline: float = DEADLINE) -> Any:
    end = time.monotonic() + deadline
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"not within {deadline:g} s: {what}")
        time.sleep(0.05)


def edit(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Edit a note's properties in place, as an editor saving the file does."""
    props, body = loads_note(path.read_text("utf-8"))
    change(props)
    path.write_text(dumps_note(props, body), "utf-8")


def entries(cfg: Config) -> list[tuple[str, str, Any, str]]:
    with Store(cfg.store_path) as store:
        return [(c.kb_id, c.property, c.value, c.origin) for c in journal.entries(store)]


def record(cfg: Config, kb_id: str):
    with Store(cfg.store_path) as store:
        return store.sync_records("obsidian", [kb_id]).get(kb_id)


def kb_id_of(path: Path) -> str:
    return loads_note(path.read_text("utf-8"))[0]["kb_id"]


@contextmanager
def watching(cfg: Config) -> Iterator[VaultWatcher]:
    watcher = VaultWatcher(cfg, log).start()
    try:
        eventually(lambda: watcher.batches >= 1, "the start-up catch-up of the vault")
        yield watcher
    finally:
        watcher.stop()


@pytest.fixture(scope="module")
def synced_template(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("synced")
    config = example_config(root)
    config.write_text(config.read_text("utf-8") + "\n[daemon]\ndebounce_seconds = 0.2\n", "utf-8")
    kbsync("init", str(root / "vault"))
    kbsync("sync", "--config", str(config))
    return root


@pytest.fixture
def kb(synced_template, tmp_path) -> tuple[Config, Path]:
    root = tmp_path / "kb"
    shutil.copytree(synced_template, root)
    cfg = load_config(root / "config.toml")
    return cfg, cfg.vault.path


def linked_note(cfg: Config, vault: Path, skip: set[Path] = frozenset()) -> Path:
    """A note that other notes link to (so a rename could break links)."""
    with Store(cfg.store_path) as store:
        for path in notes(vault):
            if path not in skip and linking_to(store, {kb_id_of(path)}):
                return path
    raise AssertionError("no linked note in the example vault")


# -- pure parts ---------------------------------------------------------------------------
def test_classify_events():
    assert classify("modified", "Articles/a.md", None, False) == ({"Articles/a.md"}, False)
    # kbsync's atomic write: a hidden temp file renamed over the note is an edit, not a move
    assert classify("moved", "Articles/.a.md.kbsync-tmp", "Articles/a.md", False) == ({"Articles/a.md"}, False)
    assert classify("moved", "Articles/a.md", "Reading/b.md", False) == ({"Reading/b.md"}, True)
    assert classify("moved", "Articles/a.md", ".trash/a.md", False) == (set(), True)
    assert classify("deleted", "Articles/a.md", None, False) == (set(), True)
    assert classify("moved", "Articles/2026", "Old/2026", True) == (set(), True)
    for ignored in [("modified", ".obsidian/workspace.json", None, False), ("modified", "Home.base", None, False),
                    ("created", "Articles/.a.md.kbsync-tmp", None, False), ("opened", "Articles/a.md", None, False)]:
        assert classify(*ignored) == (set(), False)


def test_debouncer_waits_for_quiet_but_not_forever():
    d = Debouncer(quiet=1.0, max_wait=5.0)
    assert d.ready_at() is None
    d.add({"a.md"}, False, now=10.0)
    d.add({"b.md"}, False, now=10.5)
    assert d.ready_at() == 11.5
    for t in (11.0, 12.0, 13.0, 14.0):      # a steady stream of events
        d.add({"c.md"}, False, now=t)
    assert d.ready_at() == 15.0             # first + max_wait
    d.add(set(), True, now=14.5)
    batch = d.take()
    assert batch.paths == {"a.md", "b.md", "c.md"} and batch.structural and d.ready_at() is None


# -- with real file-system events ----------------------------------------------------------
def test_reader_edits_are_recorded_within_seconds(kb):
    cfg, vault = kb
    note = notes(vault)[0]
    kb_id = kb_id_of(note)
    with watching(cfg):
        first_tag = loads_note(note.read_text("utf-8"))[0]["tags"][0]

        def mark(props: dict[str, Any]) -> None:
            props.update(status="read", rating=4)
            props["tags"] = [t for t in props["tags"] if t != first_tag] + ["my-tag"]

        edit(note, mark)
        want = _as_set([(kb_id, "status", "read", "obsidian"), (kb_id, "rating", 4, "obsidian"),
                        (kb_id, "tags", {"added": ["my-tag"], "removed": [first_tag]}, "obsidian")])
        eventually(lambda: _as_set(entries(cfg)) >= want, "status, rating and tags recorded")
        with Store(cfg.store_path) as store:
            assert store.reader_states()[kb_id]["status"] == "read"
        edit(note, lambda props: props.pop("rating"))
        eventually(lambda: _as_set([(kb_id, "rating", None, "obsidian")]) <= _as_set(entries(cfg)), "rating cleared")
    assert len(entries(cfg)) == 4


def _as_set(rows) -> set:
    return {(k, p, json.dumps(v, sort_keys=True), o) for k, p, v, o in rows}


def test_a_deleted_note_is_marked_and_nothing_links_to_it(kb):
    cfg, vault = kb
    victim = linked_note(cfg, vault)
    kb_id = kb_id_of(victim)
    with watching(cfg):
        victim.unlink()
        eventually(lambda: record(cfg, kb_id).state == "deleted", "the record marked deleted")
        eventually(lambda: broken_links(vault) == [], "the notes linking to it re-rendered")
    kbsync("sync", "--config", str(cfg.path))
    assert not victim.exists() and broken_links(vault) == []
    assert all(kb_id_of(p) != kb_id for p in notes(vault))


def test_renamed_and_moved_notes_keep_their_identity_and_links(kb):
    cfg, vault = kb
    renamed_from = linked_note(cfg, vault)
    moved_from = linked_note(cfg, vault, skip={renamed_from})
    renamed_id, moved_id = kb_id_of(renamed_from), kb_id_of(moved_from)
    articles = len(notes(vault))
    with watching(cfg):
        renamed_to = renamed_from.with_name("Renamed by the reader.md")
        renamed_from.rename(renamed_to)
        moved_to = vault / "Reading" / "Later" / moved_from.name
        moved_to.parent.mkdir(parents=True)
        moved_from.rename(moved_to)
        eventually(lambda: record(cfg, renamed_id).path == renamed_to.relative_to(vault).as_posix(),
                   "the renamed note's new path recorded")
        eventually(lambda: record(cfg, moved_id).path == moved_to.relative_to(vault).as_posix(),
                   "the moved note's new path recorded")
        eventually(lambda: broken_links(vault) == [], "no broken link after the rename")
        # the note is still followed at its new place
        edit(renamed_to, lambda props: props.update(status="reading"))
        eventually(lambda: (renamed_id, "status", "reading", "obsidian") in entries(cfg), "an edit at the new path")
    kbsync("sync", "--config", str(cfg.path))
    assert broken_links(vault) == []
    assert renamed_to.exists() and moved_to.exists() and not renamed_from.exists() and not moved_from.exists()
    ids = Counter(kb_id_of(p) for p in vault.rglob("*.md") if "Articles" in p.parts or "Reading" in p.parts)
    assert len(ids) == articles and max(ids.values()) == 1


def test_kbsyncs_own_writes_are_never_taken_for_the_readers(tmp_path):
    feed = tmp_path / "feed.xml"
    item = ("<item><title>{title}</title><link>https://example.com/{n}</link>"
            "<pubDate>Mon, 23 Feb 2026 10:00:00 GMT</pubDate><description>{body}</description>"
            "<category>agents</category></item>")

    def write_feed(version: str) -> None:
        items = "".join(item.format(title=f"Story {n} about agents", n=n,
                                    body=f"{version} text {n} about agents and inference.") for n in range(4))
        feed.write_text(f"<rss version='2.0'><channel><title>T</title>{items}</channel></rss>", "utf-8")

    write_feed("First")
    config = make_config(tmp_path, [(str(feed), "Test Feed")], extra="[daemon]\ndebounce_seconds = 0.2")
    kbsync("init", str(tmp_path / "vault"))
    cfg = load_config(config)
    vault = cfg.vault.path
    with watching(cfg):
        assert "4 created" in kbsync("sync", "--config", str(config)).output       # kbsync creates notes
        edited, sentinel = notes(vault)[0], notes(vault)[1]
        edit(edited, lambda props: props.update(status="read"))
        eventually(lambda: entries(cfg), "the reader's edit recorded")
        write_feed("Second, longer and different")
        assert "updated" in kbsync("sync", "--config", str(config)).output         # kbsync rewrites notes
        assert loads_note(edited.read_text("utf-8"))[0]["status"] == "read"
        # events are handled in order: once this later edit is in, the sync's writes were looked at
        edit(sentinel, lambda props: props.update(rating=2))
        eventually(lambda: len(entries(cfg)) >= 2, "the sentinel edit recorded")
    assert entries(cfg) == [(kb_id_of(edited), "status", "read", "obsidian"),
                            (kb_id_of(sentinel), "rating", 2, "obsidian")]


def test_an_edit_made_elsewhere_is_written_into_the_note_and_not_echoed(kb):
    cfg, vault = kb
    target, sentinel = notes(vault)[2], notes(vault)[3]
    kb_id = kb_id_of(target)
    with watching(cfg):
        now = datetime.now(timezone.utc)
        with StoreLock(cfg.store_path) as lock, Store(cfg.store_path) as store:
            lock.acquire(10)
            journal.record(store, [Change(kb_id, "status", "done", now, "notion"),
                                   Change(kb_id, "tags", {"added": ["from-notion"], "removed": []}, now, "notion")])
            done = journal.deliver(store, VaultEditSink(cfg, store, now, log), log)
            assert len(done.push) == 2 and done.failed == []
        props = loads_note(target.read_text("utf-8"))[0]
        assert props["status"] == "done" and props["tags"][-1] == "from-notion"
        edit(sentinel, lambda p: p.update(status="skimmed"))
        eventually(lambda: any(e[3] == "obsidian" for e in entries(cfg)), "the sentinel edit recorded")
    assert [e for e in entries(cfg) if e[3] == "obsidian"] == [(kb_id_of(sentinel), "status", "skimmed", "obsidian")]
    with Store(cfg.store_path) as store:
        assert store.reader_states()[kb_id]["status"] == "done"


class NamingRecorder:
    """Stands in for Claude's trend namer in the daily sync: names every group and stores the names."""

    def __init__(self, store: Store, cfg: Config):
        self.store, self.cfg = store, cfg

    def name_trends(self, trends):
        from dataclasses import replace

        from sync.scoring.trends import group_hash
        from sync.store import claude as db

        names = {group_hash(t, self.cfg.scoring.model): (f"Named trend {i}", "Named by the namer.")
                 for i, t in enumerate(trends)}
        db.save_trend_names(self.store, names, self.cfg.scoring.model, datetime.now(timezone.utc))
        return [replace(t, name=f"Named trend {i}", description="Named by the namer.") for i, t in enumerate(trends)]


def test_a_rerender_after_a_move_keeps_the_trend_names_the_sync_gave(kb):
    from sync.targets.obsidian.view import ObsidianView

    cfg, vault = kb
    with Store(cfg.store_path) as store:
        view = ObsidianView(cfg, store, namer=NamingRecorder(store, cfg))
        weeks = sorted({r.key.removeprefix("weekly-") for r in view.records.values() if r.key.startswith("weekly-")})
        view.sync_rollups(set(), datetime.now(timezone.utc), weeks=weeks, restore=True)
    named = {p: p.read_text("utf-8") for p in (vault / "Weekly").glob("*.md") if "Named trend" in p.read_text("utf-8")}
    assert named, "no week has a trend group"
    page, text = next(iter(named.items()))
    linked = next(p for p in notes(vault) if f"[[{p.stem}|" in text)
    with watching(cfg):
        linked.rename(linked.with_name("Moved away.md"))
        eventually(lambda: "[[Moved away|" in page.read_text("utf-8"), "the weekly page re-rendered")
    assert page.read_text("utf-8").count("Named trend") == text.count("Named trend")
    assert broken_links(vault) == []
