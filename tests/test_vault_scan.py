"""Issue 17: a sync walks the vault once, and the shortcuts that made it cheap agree with the long way.

- ``LocalFiles.scan`` lists exactly what ``walk`` lists, with each note's
  modification time; one scan serves the catch-up of the reader's edits, the
  sweep for moved and deleted notes and the placement of new notes.
- ``relink.vault_keys`` keys a whole vault as ``relink._path_key`` and
  ``paths.name_key_of`` key one path; ``relink.Names`` built from it equals the
  one built path by path.
- ``store.RecordTable`` (records made when looked up) is the mapping of the
  stored records.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.cli import main
from sync.store import RecordTable, Store, SyncRecord, listed, missing_from, recorded_paths
from sync.targets.obsidian.ahead import ScanAhead
from sync.targets.obsidian.files import LocalFiles, MemoryFiles, OverlayFiles
from sync.targets.obsidian.paths import name_key_of
from sync.targets.obsidian.relink import Names, _path_key, vault_keys
from sync.targets.obsidian.yamlfm import dumps_note, loads_note

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "feeds"


# -- the scan --------------------------------------------------------------------------------
def test_scan_lists_what_walk_lists_with_each_notes_mtime(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    (root / "Articles" / "2026" / "01").mkdir(parents=True)
    (root / "Articles" / "2026" / "01" / "A note.md").write_text("a", "utf-8")
    (root / "Top.md").write_text("t", "utf-8")
    (root / "notes.txt").write_text("not a note", "utf-8")
    (root / ".obsidian").mkdir()
    (root / ".obsidian" / "hidden.md").write_text("h", "utf-8")             # hidden folder: skipped
    (root / ".hidden.md").write_text("h", "utf-8")                          # hidden note: skipped
    (root / "folder.md").mkdir()                                            # a folder named like a note
    (root / "folder.md" / "inside.md").write_text("i", "utf-8")
    (root / "Linked.md").symlink_to(root / "Top.md")                        # listed, never compared
    (root / "Elsewhere").symlink_to(root / "Articles", target_is_directory=True)   # not followed
    temp = root / "Articles" / ".A note.md.kbsync-tmp"                      # left by a killed write
    temp.write_text("half", "utf-8")

    walked = LocalFiles(root)
    listed_paths = set(walked.walk())
    scanned = LocalFiles(root)
    found = scanned.scan()
    assert set(found) == listed_paths == {"Articles/2026/01/A note.md", "Top.md", "folder.md/inside.md",
                                          "Linked.md"}
    for rel, mtime in found.items():
        if rel == "Linked.md":
            assert mtime is None
        else:
            assert mtime == os.stat(root / rel).st_mtime
    # both note the temp file, which the next write removes
    assert temp in walked._stale and temp in scanned._stale
    scanned.write_many([("Top.md", "t2")])
    assert not temp.exists()


def test_scan_of_the_in_memory_twins(tmp_path: Path) -> None:
    memory = MemoryFiles()
    memory.write("a/b.md", "x")
    memory.write("c.txt", "y")
    assert memory.scan() == {"a/b.md": None}
    (tmp_path / "d.md").write_text("d", "utf-8")
    overlay = OverlayFiles(LocalFiles(tmp_path))
    overlay.write("e.md", "e")
    assert set(overlay.scan()) == set(overlay.walk()) == {"d.md", "e.md"}


# -- the vault's names, keyed at once ----------------------------------------------------------
TRICKY = ["Articles/2026/01/Plain name.md", "A/Ä.md", "a/ä.md", "x/Straße.md", "y/STRASSE.md", "K/ﬁle.md",
          "a/b/İstanbul.md", "Ω.md", "Ω.md", "x/.md", "z/e\u0301.md", "z/é.md", "x/ΣΑΣ.md", "a/ΣΑς.md",
          "q/\u0301x.md", "ǅ/ǆ.md", "x/a.MD.md", "Weekly/2026-W02.md", "Daily/2026-W02.md", "中文/标题.md"]


class ByAdd(Names):
    """``Names`` the long way: each path added in turn."""

    def __init__(self, paths):
        self.counts, self.paths, self._targets = Counter(), set(), {}
        for path in paths:
            self.add(path)


@pytest.mark.parametrize("extra", [[], [" lead.md"], ["trail .md"], ["/rooted.md"], ["no-suffix"],
                                   ["nul\0inside.md"], ["x/upper.MD"], ["x/ /blank.md"], ["x/A Note.md", "X/a note.md"]])
def test_vault_keys_agree_with_the_one_path_keys(extra: list[str]) -> None:
    for paths in (TRICKY + extra, extra + TRICKY):
        path_keys, name_keys = vault_keys(paths)
        assert path_keys == [_path_key(p) for p in paths]
        assert name_keys == [name_key_of(p) for p in paths]
        fast, slow = Names(paths), ByAdd(paths)
        assert fast.paths == slow.paths and +fast.counts == +slow.counts
        for path in paths:
            assert fast.target(path) == slow.target(path)


def test_names_still_count_a_path_added_twice_once() -> None:
    names = Names(["A/Note.md", "a/note.md", "b/Note.md"])   # the first two: one path to Obsidian
    assert names.counts[name_key_of("b/Note.md")] == 2
    assert names.target("b/Note.md") == "b/Note"


# -- the records, made when looked up ----------------------------------------------------------
def test_record_table_is_the_mapping_of_the_stored_records(tmp_path: Path) -> None:
    now = datetime(2026, 1, 5, tzinfo=timezone.utc)
    with Store(tmp_path / "state.db") as store:
        records = [SyncRecord("obsidian", f"k{i}", f"Articles/n{i}.md", f"h{i}", {"props": {"i": i}, "region": "r"})
                   for i in range(5)]
        records.append(SyncRecord("obsidian", "gone", "Articles/gone.md", "hg", {"props": {}}, "deleted"))
        records.append(SyncRecord("notion", "k0", "page-id", "hn", {"props": {}}))
        store.save_sync_records(records, now)
        table = store.sync_records("obsidian", defer_owned=True)
        plain = store.sync_records("obsidian")
        assert isinstance(table, RecordTable) and set(table) == set(plain) and len(table) == 6
        for key, record in plain.items():
            made = table[key]
            assert (made.path, made.owned_hash, made.state, made.base()) == \
                   (record.path, record.owned_hash, record.state, record.base())
        assert table.get("missing") is None and "missing" not in table and "k1" in table
        assert sorted(listed(table)) == sorted(listed(plain)) == sorted(
            (r.key, r.path, r.state) for r in records if r.target == "obsidian")
        # the pages recorded present whose path a listing lacks (the sweep's question): not the deleted one
        there = {"Articles/n0.md", "Articles/n3.md"}
        assert sorted(missing_from(table, there)) == sorted(missing_from(plain, there)) == ["k1", "k2", "k4"]
        # written through like a dict
        table["k1"] = SyncRecord("obsidian", "k1", "Moved/n1.md", "h1b", {"props": {}})
        del table["k2"]
        assert table["k1"].path == "Moved/n1.md" and "k2" not in table
        assert ("k1", "Moved/n1.md", "present") in set(listed(table))


PATHS = st.sampled_from([f"Articles/n{i}.md" for i in range(8)] + [None])
RECORD = st.tuples(st.sampled_from([f"k{i}" for i in range(8)]), PATHS, st.sampled_from(["present", "deleted"]))


@settings(max_examples=200, deadline=None)
@given(start=st.lists(RECORD, max_size=8), edits=st.lists(st.tuples(st.booleans(), RECORD), max_size=8),
       listing=st.lists(st.sampled_from([f"Articles/n{i}.md" for i in range(8)]), max_size=8),
       ask_between=st.booleans())
def test_record_table_paths_and_missing_from_follow_every_write(start, edits, listing, ask_between) -> None:
    """The path sets a table keeps (``RecordTable.paths``, and ``missing_from``'s shortcut) are
    those of its records, however they were written since, asked before the writes or not."""
    rows = {key: (path, f"h-{key}", state) for key, path, state in start}
    table = RecordTable(None, "obsidian", [(k, p, h, s) for k, (p, h, s) in rows.items()])
    plain = {k: SyncRecord("obsidian", k, p, h, {}, s) for k, (p, h, s) in rows.items()}
    if ask_between:
        table.paths(), table.missing_from(set(listing))   # kept, then the writes below must drop them
    for delete, (key, path, state) in edits:
        if delete and key in plain:
            del table[key], plain[key]
        elif not delete:
            table[key] = plain[key] = SyncRecord("obsidian", key, path, "h", {}, state)
    assert recorded_paths(table) == recorded_paths(plain) == {r.path for r in plain.values() if r.path}
    assert table.paths(present=True) == {r.path for r in plain.values() if r.path and r.state == "present"}
    for there in (set(listing), list(listing)):   # a set takes the shortcut, a list the long way
        assert sorted(missing_from(table, there)) == sorted(missing_from(plain, there))


# -- one walk per sync -------------------------------------------------------------------------
def kbsync(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def synced(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("synced")
    text = (ROOT / "config.toml").read_text("utf-8").replace('"examples/feeds/', f'"{EXAMPLES}/')
    (base / "config.toml").write_text(text, "utf-8")
    kbsync("sync", "--config", str(base / "config.toml"))
    return base


@pytest.fixture
def counted(monkeypatch) -> Counter:
    calls: Counter = Counter()
    scan, walk = LocalFiles.scan, LocalFiles.walk

    def counting_scan(self):
        calls["scan"] += 1
        return scan(self)

    def counting_walk(self):
        calls["walk"] += 1
        return walk(self)

    monkeypatch.setattr(LocalFiles, "scan", counting_scan)
    monkeypatch.setattr(LocalFiles, "walk", counting_walk)
    # the run's listing taken here, not by a child (whose calls this process would not count)
    plain = ScanAhead.__init__
    monkeypatch.setattr(ScanAhead, "__init__", lambda self, files, fork=None: plain(self, files, fork=False))
    return calls


def test_a_no_op_sync_walks_the_vault_once(synced: Path, tmp_path: Path, counted: Counter) -> None:
    shutil.copytree(synced, tmp_path, dirs_exist_ok=True)
    vault = tmp_path / "vault"
    before = {p: p.read_bytes() for p in vault.rglob("*.md")}
    kbsync("sync", "--config", str(tmp_path / "config.toml"))
    assert counted == {"scan": 1}
    assert {p: p.read_bytes() for p in vault.rglob("*.md")} == before


def test_the_runs_scan_finds_a_moved_note(synced: Path, tmp_path: Path, counted: Counter) -> None:
    shutil.copytree(synced, tmp_path, dirs_exist_ok=True)
    vault = tmp_path / "vault"
    moved = sorted((vault / "Articles").rglob("*.md"))[1]
    kb_id = loads_note(moved.read_text("utf-8"))[0]["kb_id"]
    (vault / "Elsewhere").mkdir()
    moved.rename(vault / "Elsewhere" / moved.name)
    kbsync("sync", "--config", str(tmp_path / "config.toml"))
    # the sweep read the run's one scan; finding where the missing note went by its kb_id
    # walks once more (only because a note was missing)
    assert counted == {"scan": 1, "walk": 1}
    with Store(tmp_path / ".kbsync" / "state.db") as store:
        assert store.sync_records("obsidian", [kb_id])[kb_id].path == f"Elsewhere/{moved.name}"


def test_the_runs_scan_finds_the_readers_edit(synced: Path, tmp_path: Path, counted: Counter) -> None:
    shutil.copytree(synced, tmp_path, dirs_exist_ok=True)
    vault = tmp_path / "vault"
    edited = sorted((vault / "Articles").rglob("*.md"))[0]
    props, body = loads_note(edited.read_text("utf-8"))
    edited.write_text(dumps_note(dict(props, category="Reader Picks"), body), "utf-8")
    kbsync("sync", "--config", str(tmp_path / "config.toml"))
    # one scan with mtimes (the views made again after the edit list the vault without them)
    assert counted["scan"] == 1
    with Store(tmp_path / ".kbsync" / "state.db") as store:
        shown = store.conn.execute("SELECT value FROM reader_changes WHERE kb_id=? AND property='category'",
                                   (props["kb_id"],)).fetchall()
    assert shown and "Reader Picks" in shown[-1][0]
    daily = (vault / "Daily" / f"{props['published']:%Y-%m-%d}.md").read_text("utf-8")
    assert "## Reader Picks" in daily and f"[[{edited.stem}|" in daily
