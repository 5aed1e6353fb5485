"""A one-shot ``kbsync sync`` reads every note the reader saved since the last look, and none of its own.

- A note saved while a run is writing, after its catch-up listed the vault,
  and not rewritten by that run, is read by the next run (it used to count
  from the last run's end, and missed it for good).
- The run after a first sync reads none of the notes kbsync wrote
  (``own``: their stamps as placed); a note the reader saved since is read.
- ``LocalFiles.write_many`` remembers the stamp of each file it placed as
  written, and not of one it merged a save of the reader's into.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from sync.store import Store
from sync.targets.obsidian import edits as vault_edits
from sync.targets.obsidian import own
from sync.targets.obsidian.files import LocalFiles
from sync.targets.obsidian.swap import Guard, stamp
from sync.targets.obsidian.view import ObsidianView
from sync.targets.obsidian.yamlfm import dumps_note, loads_note
from tests.test_e2e import example_config, kbsync


@pytest.fixture(scope="module")
def synced(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("synced")
    kbsync("sync", "--config", str(example_config(base)))
    return base


@pytest.fixture
def read_by_catch_up(monkeypatch) -> list[list[str]]:
    """The paths each catch-up handed to ``reconcile`` (to be read), one list per call."""
    calls: list[list[str]] = []
    real = vault_edits.reconcile

    def spy(cfg, store, paths, **kw):
        calls.append(sorted(paths))
        return real(cfg, store, paths, **kw)

    monkeypatch.setattr(vault_edits, "reconcile", spy)
    return calls


def mark(note: Path, **values: object) -> None:
    props, body = loads_note(note.read_text("utf-8"))
    note.write_text(dumps_note({**props, **values}, body), "utf-8")


def journal(base: Path, kb_id: str) -> dict[str, str]:
    with Store(base / ".kbsync" / "state.db") as store:
        rows = store.conn.execute("SELECT property, value FROM reader_changes WHERE kb_id=? ORDER BY id",
                                  (kb_id,)).fetchall()
    return {prop: value for prop, value in rows}


def test_a_note_saved_during_a_run_that_does_not_rewrite_it_is_read_by_the_next_run(
        synced: Path, tmp_path: Path, monkeypatch) -> None:
    shutil.copytree(synced, tmp_path, dirs_exist_ok=True)
    note = sorted((tmp_path / "vault" / "Articles").rglob("*.md"))[3]
    kb_id = loads_note(note.read_text("utf-8"))[0]["kb_id"]
    sweep = ObsidianView.sweep

    def reader_saves_meanwhile(view, now):
        # the catch-up has listed the vault; the run then writes, and ends after this save
        mark(note, status="later", rating=2)
        monkeypatch.setattr(ObsidianView, "sweep", sweep)
        return sweep(view, now)

    monkeypatch.setattr(ObsidianView, "sweep", reader_saves_meanwhile)
    before = note.stat().st_mtime_ns
    kbsync("sync", "--config", str(tmp_path / "config.toml"))
    assert note.stat().st_mtime_ns != before             # the save happened, during the run
    assert journal(tmp_path, kb_id) == {}                # after its catch-up: not seen by that run
    kbsync("sync", "--config", str(tmp_path / "config.toml"))
    assert journal(tmp_path, kb_id) == {"status": '"later"', "rating": "2"}


def test_the_run_after_a_first_sync_reads_no_note_of_kbsyncs_and_then_the_readers_save(
        tmp_path: Path, read_by_catch_up: list[list[str]]) -> None:
    config = example_config(tmp_path)
    kbsync("sync", "--config", str(config))
    with Store(tmp_path / ".kbsync" / "state.db") as store:
        placed = store.conn.execute("SELECT COUNT(*) FROM placed_files").fetchone()[0]
    notes = sorted((tmp_path / "vault").rglob("*.md"))
    assert placed == len(notes) > 80                     # every note and digest it wrote
    kbsync("sync", "--config", str(config))
    assert read_by_catch_up == []                        # all of them were passed over
    note = notes[5]
    mark(note, status="read")
    kbsync("sync", "--config", str(config))
    assert read_by_catch_up == [[str(note.relative_to(tmp_path / "vault"))]]
    assert journal(tmp_path, loads_note(note.read_text("utf-8"))[0]["kb_id"]) == {"status": '"read"'}


def test_write_many_remembers_what_it_placed_as_written_and_not_a_merge(tmp_path: Path) -> None:
    files = LocalFiles(tmp_path)
    files.write_many([("a.md", "kbsync's a\n"), ("b.md", "kbsync's b\n")])
    assert files.placed == {rel: stamp(os.lstat(tmp_path / rel)) for rel in ("a.md", "b.md")}
    files.placed.clear()
    _, seen_a = files.read_stamped("a.md")
    _, seen_b = files.read_stamped("b.md")
    time.sleep(0.01)
    (tmp_path / "b.md").write_text("kbsync's b\nthe reader's line\n", "utf-8")   # saved meanwhile
    skipped = files.write_many([("a.md", "new a\n", Guard(seen_a, lambda current: "new a\n")),
                                ("b.md", "new b\n", Guard(seen_b, lambda current: current + "new b\n"))])
    assert skipped == {}
    assert (tmp_path / "b.md").read_text("utf-8") == "kbsync's b\nthe reader's line\nnew b\n"
    assert files.placed == {"a.md": stamp(os.lstat(tmp_path / "a.md"))}   # b holds the reader's text too


def test_unread_passes_over_files_as_placed_moved_or_copied_and_reads_the_rest(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    files = LocalFiles(vault)
    files.write_many([(f"n{i}.md", f"note {i}\n") for i in range(5)])
    with Store(tmp_path / "state.db") as store:
        own.remember(store, "obsidian", files.placed)
        (vault / "Moved").mkdir()
        os.rename(vault / "n1.md", vault / "Moved" / "n1.md")       # moved: same inode and mtime
        shutil.copy2(vault / "n2.md", vault / "copy.md")
        os.replace(vault / "copy.md", vault / "n2.md")               # a restored copy: new inode, same times
        time.sleep(0.01)
        (vault / "n3.md").write_text("note 3, edited\n", "utf-8")   # saved by the reader
        (vault / "new.md").write_text("the reader's own\n", "utf-8")
        asked = ["n0.md", "Moved/n1.md", "n2.md", "n3.md", "n4.md", "new.md", "gone.md"]
        assert own.unread(store, "obsidian", vault, asked) == ["n3.md", "new.md", "gone.md"]
        # a look after all of these forgets what was placed before it
        own.read_up_to(store, "obsidian", time.time() + own.MARGIN + 1)
        assert store.conn.execute("SELECT COUNT(*) FROM placed_files").fetchone()[0] == 0
        assert own.unread(store, "obsidian", vault, asked) == asked


def test_a_note_moved_and_edited_since_the_last_run_has_its_edit_recorded_and_its_move(
        synced: Path, tmp_path: Path) -> None:
    shutil.copytree(synced, tmp_path, dirs_exist_ok=True)
    vault = tmp_path / "vault"
    note = sorted((vault / "Articles").rglob("*.md"))[2]
    kb_id = loads_note(note.read_text("utf-8"))[0]["kb_id"]
    (vault / "Reading").mkdir()
    moved = vault / "Reading" / note.name
    note.rename(moved)
    mark(moved, status="reading")
    kbsync("sync", "--config", str(tmp_path / "config.toml"))
    assert journal(tmp_path, kb_id) == {"status": '"reading"'}
    with Store(tmp_path / ".kbsync" / "state.db") as store:
        assert store.sync_records("obsidian", [kb_id])[kb_id].path == f"Reading/{note.name}"
    links = [p for p in vault.rglob("*.md") if f"[[{note.stem}|" in p.read_text("utf-8")]
    assert links   # the digests (and related notes) still link to it by its name
