"""The vault's listing taken by a child process (``targets.obsidian.ahead``) is the listing.

- ``ScanAhead.result()`` gives what ``LocalFiles.scan`` and ``leftovers`` give
  (hidden folders, symlinks, a killed run's temp files), and when the
  listing was taken: before the child started.
- A child that fails leaves the listing to this process; a child whose
  listing is never asked for is reaped by ``close``; with another thread
  alive no child is forked.
- A sync whose vault changes after the child listed it loses nothing: a note
  saved then is read by the next run.
"""

from __future__ import annotations

import marshal
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from sync.targets.obsidian import ahead as ahead_module
from sync.targets.obsidian.ahead import ScanAhead
from sync.targets.obsidian.files import LocalFiles
from sync.targets.obsidian.relink import Names, vault_keys

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the child is forked")


def vault(root: Path) -> Path:
    (root / "Articles" / "2026").mkdir(parents=True)
    for i in range(30):
        (root / "Articles" / "2026" / f"Note {i}.md").write_text(f"note {i}\n", "utf-8")
    (root / "Top.md").write_text("top\n", "utf-8")
    (root / ".obsidian").mkdir()
    (root / ".obsidian" / "hidden.md").write_text("h", "utf-8")
    (root / "Linked.md").symlink_to(root / "Top.md")
    (root / "Articles" / ".Note 1.md.kbsync-tmp").write_text("half", "utf-8")   # left by a killed run
    return root


def test_the_childs_listing_is_the_scan_with_its_leftovers(tmp_path: Path) -> None:
    root = vault(tmp_path / "vault")
    before = time.time()
    scan = ScanAhead(LocalFiles(root), fork=True)
    assert scan._pid is not None                      # a child is listing
    listed_at, found, leftovers = scan.result()
    direct = LocalFiles(root)
    assert found == direct.scan() and len(found) == 32
    assert leftovers == direct.leftovers() == [str(root / "Articles" / ".Note 1.md.kbsync-tmp")]
    assert before <= listed_at <= time.time()
    # and the names of what it listed, keyed as link resolution keys them, in its order, sent
    # after the listing (a run that needs no names does not wait for them)
    assert scan._pid is not None                      # still keying
    assert scan.keys() == vault_keys(list(found))
    assert scan._pid is None                          # reaped
    assert Names(found, scan.keys()).counts == Names(set(found)).counts


def test_a_child_whose_keys_are_never_asked_for_is_reaped_on_close(tmp_path: Path) -> None:
    scan = ScanAhead(LocalFiles(vault(tmp_path / "vault")), fork=True)
    scan.result()
    scan.close()
    assert scan._pid is None and scan.keys() is None


def test_names_counts_hold_only_the_names_taken() -> None:
    names = Names(["A/Note.md", "B/note.md", "Other.md"])
    assert names.counts == {"note": 2, "other": 1}
    names.remove("Other.md")
    names.remove("A/Note.md")
    assert names.counts == {"note": 1} and not names.shared("B/note.md")


def test_a_failed_child_leaves_the_listing_to_this_process(tmp_path: Path, monkeypatch) -> None:
    root = vault(tmp_path / "vault")
    parent = os.getpid()
    real = LocalFiles.scan

    def scan_here_only(self):
        if os.getpid() != parent:
            raise OSError("the child cannot read the vault")
        return real(self)

    monkeypatch.setattr(LocalFiles, "scan", scan_here_only)
    scan = ScanAhead(LocalFiles(root), fork=True)
    started = scan.listed_at
    listed_at, found, _ = scan.result()
    assert found == real(LocalFiles(root)) and listed_at >= started


def test_an_unread_listing_is_reaped_and_no_child_is_forked_beside_a_thread(tmp_path: Path, monkeypatch) -> None:
    root = vault(tmp_path / "vault")
    scan = ScanAhead(LocalFiles(root), fork=True)
    pid = scan._pid
    scan.close()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)                   # no zombie left
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        monkeypatch.setattr(ahead_module.sys, "platform", "linux")
        assert ScanAhead(LocalFiles(root))._pid is None
    finally:
        stop.set()
        other.join()
    listed_at, found, _ = ScanAhead(LocalFiles(root), fork=False).result()
    assert len(found) == 32


def test_a_note_saved_after_the_child_listed_the_vault_is_read_by_the_next_run(tmp_path: Path, monkeypatch) -> None:
    from sync.store import Store
    from sync.targets.obsidian.yamlfm import dumps_note, loads_note
    from tests.test_e2e import example_config, kbsync

    config = str(example_config(tmp_path))
    kbsync("sync", "--config", config)
    for path in (tmp_path / "vault").rglob("*.md"):   # the next run is a day later
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - 86_400 * 10**9))
    note = sorted((tmp_path / "vault" / "Articles").rglob("*.md"))[4]
    kb_id = loads_note(note.read_text("utf-8"))[0]["kb_id"]
    real = ScanAhead.result

    def saved_after_the_listing(self):
        listed = real(self)                           # the child listed the vault; then the reader saves
        props, body = loads_note(note.read_text("utf-8"))
        note.write_text(dumps_note({**props, "status": "later"}, body), "utf-8")
        return listed

    real_init = ScanAhead.__init__
    # a child lists the vault whatever threads an earlier test left behind
    monkeypatch.setattr(ScanAhead, "__init__", lambda self, files, fork=None: real_init(self, files, fork=True))
    monkeypatch.setattr(ScanAhead, "result", saved_after_the_listing)
    kbsync("sync", "--config", config)
    monkeypatch.undo()
    with Store(tmp_path / ".kbsync" / "state.db") as store:
        def status() -> list[str]:
            return [r[0] for r in store.conn.execute(
                "SELECT value FROM reader_changes WHERE kb_id=? AND property='status'", (kb_id,))]
        assert status() == []                         # after that run's listing: not seen by it
    kbsync("sync", "--config", config)
    with Store(tmp_path / ".kbsync" / "state.db") as store:
        assert status() == ['"later"']


def test_close_stops_a_child_still_keying_the_names(tmp_path: Path, monkeypatch) -> None:
    """A no-op run never asks for the keys: the run's end does not wait for the child to make them."""
    monkeypatch.setattr(ahead_module, "vault_keys", lambda paths: time.sleep(3600))   # the child's keying, stuck
    scan = ScanAhead(LocalFiles(vault(tmp_path / "vault")), fork=True)
    pid = scan._pid
    scan.result()
    sent: list[int] = []
    real_kill = os.kill
    monkeypatch.setattr(os, "kill", lambda p, sig: sent.append(sig) or real_kill(p, sig))
    scan.close()                                      # would wait an hour for a child not stopped
    assert sent == [signal.SIGKILL] and scan._pid is None
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)                   # reaped


def test_the_child_keys_the_names_while_the_run_has_not_read_its_listing(tmp_path: Path) -> None:
    """The child sends through a memory file, not a pipe it waits on: a listing far bigger than a
    pipe's buffer is written, and the names keyed, before the run reads anything."""
    root = tmp_path / "vault"
    (root / "Articles").mkdir(parents=True)
    for i in range(1500):
        (root / "Articles" / f"A long enough title of a note about something, number {i:05d}.md").write_text("x")
    scan = ScanAhead(LocalFiles(root), fork=True)
    deadline = time.monotonic() + 120
    while _state(scan._pid) != "Z":                   # the child ends (a zombie until reaped)
        assert time.monotonic() < deadline, "the child waits for the run to read"
        time.sleep(0.01)
    _, found, _ = scan.result()
    assert len(found) == 1500 and len(marshal.dumps(found)) > 64 * 1024
    assert scan.keys() == vault_keys(list(found)) and scan._pid is None


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
