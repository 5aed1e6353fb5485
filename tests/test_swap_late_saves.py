"""A save that lands in a note's old file after kbsync renamed its new version over it.

An editor that opened the note just before the rename writes into the old
file, which is unlinked: ``settle`` must bring that text into the note. These
tests make that save happen deterministically (a descriptor opened before the
rename, written after it) and make the merge's swap fail on purpose, as it
does when the reader saves faster than kbsync can merge: the late text waits
in the old file for the next round, and is appended as a last resort, never
dropped.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sync.targets.obsidian import swap as swapping
from sync.targets.obsidian.swap import Guard, Orphan, Swapped, settle, stamp

BEFORE = "---\nkb_id: kb-1\n---\nkbsync v1\nreader line 0\n"
PLACED = "---\nkb_id: kb-1\n---\nkbsync v2\nreader line 0\n"


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(swapping, "GRACE", 0.0)
    monkeypatch.setattr(swapping, "SETTLE_ROUNDS", 3)


def orphaned(tmp_path: Path, late: str | None = "reader line 1\n", rewrite: str | None = None,
             since: str = "") -> Orphan:
    """kbsync's version placed over BEFORE, with a save into the old file after the rename
    (``late`` appended, or the whole file rewritten to ``rewrite``) and ``since`` appended to
    the new file."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "note.md"
    path.write_text(BEFORE, encoding="utf-8")
    fd = os.open(path, os.O_RDONLY)
    after = stamp(os.fstat(fd))
    editor = os.open(path, os.O_WRONLY | (os.O_APPEND if rewrite is None else 0))   # opened before the rename
    tmp = tmp_path / ".note.md.kbsync-tmp"
    tmp.write_text(PLACED, encoding="utf-8")
    os.replace(tmp, path)
    if rewrite is not None:
        os.ftruncate(editor, 0)
        os.pwrite(editor, rewrite.encode(), 0)
    elif late:
        os.write(editor, late.encode())
    os.close(editor)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(since)
    return Orphan(fd, path, tmp, Guard(after, lambda current: current, BEFORE), PLACED, after, BEFORE)


def closed(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return True
    return False


def failing_swaps(monkeypatch: pytest.MonkeyPatch, times: int) -> list[int]:
    """Make the first ``times`` swaps fail as a note saved non-stop makes them fail."""
    calls: list[int] = []
    real = swapping.swap

    def swap(tmp: Path, path: Path, guard: Guard, text: str, **kw) -> Swapped:
        calls.append(1)
        if len(calls) <= times:
            tmp.unlink(missing_ok=True)
            return Swapped(False, "the file kept changing (50 tries); left as the reader has it")
        return real(tmp, path, guard, text, **kw)

    monkeypatch.setattr(swapping, "swap", swap)
    return calls


def test_a_late_save_is_merged_in_ahead_of_what_was_saved_into_the_new_file(tmp_path: Path) -> None:
    orphan = orphaned(tmp_path, since="reader line 2\n")
    fd = orphan.fd
    assert settle([orphan]) == {}
    assert closed(fd)
    assert orphan.path.read_text("utf-8") == PLACED + "reader line 1\nreader line 2\n"
    assert orphan.fd == -1          # closed by settle
    assert not orphan.tmp.exists()


def test_an_old_file_nobody_wrote_to_is_closed_and_nothing_changes(tmp_path: Path) -> None:
    orphan = orphaned(tmp_path, late=None, since="reader line 1\n")
    assert settle([orphan]) == {}
    assert orphan.path.read_text("utf-8") == PLACED + "reader line 1\n"
    assert orphan.fd == -1          # closed by settle


def test_a_merge_that_cannot_be_placed_yet_is_tried_again_the_next_round(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = failing_swaps(monkeypatch, times=2)
    orphan = orphaned(tmp_path, since="reader line 2\n")
    assert settle([orphan]) == {}
    assert len(calls) == 3
    # in order: the late save came first
    assert orphan.path.read_text("utf-8") == PLACED + "reader line 1\nreader line 2\n"
    assert orphan.fd == -1          # closed by settle


def test_a_note_that_never_stands_still_gets_the_late_text_appended_not_dropped(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = failing_swaps(monkeypatch, times=10**6)
    orphan = orphaned(tmp_path, since="reader line 2\n")
    assert settle([orphan]) == {}
    assert len(calls) == swapping.SETTLE_ROUNDS
    # out of order, but every line is there once
    assert orphan.path.read_text("utf-8") == PLACED + "reader line 2\nreader line 1\n"
    assert orphan.fd == -1          # closed by settle
    assert not orphan.tmp.exists()


def test_a_note_read_while_it_changes_is_tried_again_the_next_round(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real, reads = swapping.read_path, []

    def read_path(path: Path):
        reads.append(1)
        if len(reads) == 1:
            raise swapping.Busy("the file kept changing while it was read; left as the reader has it")
        return real(path)

    monkeypatch.setattr(swapping, "read_path", read_path)
    orphan = orphaned(tmp_path)
    assert settle([orphan]) == {}
    assert orphan.path.read_text("utf-8") == PLACED + "reader line 1\n"


def test_a_note_deleted_by_the_reader_meanwhile_is_not_brought_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    failing_swaps(monkeypatch, times=10**6)
    orphan = orphaned(tmp_path)
    real_recover = swapping._recover

    def recover(o: Orphan) -> Swapped:
        done = real_recover(o)
        o.path.unlink(missing_ok=True)      # deleted after the first round's failed swap
        return done

    monkeypatch.setattr(swapping, "_recover", recover)
    assert settle([orphan]) == {}
    assert not orphan.path.exists()
    assert orphan.fd == -1          # closed by settle


def test_an_old_file_rewritten_late_that_cannot_be_placed_is_reported(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    failing_swaps(monkeypatch, times=10**6)
    orphan = orphaned(tmp_path, rewrite="the reader's own page\n")
    failed = settle([orphan])
    assert "rewrote the old file" in failed[orphan.path]
    assert orphan.path.read_text("utf-8") == PLACED      # kbsync's version, as placed
    assert orphan.fd == -1          # closed by settle


def test_an_old_file_rewritten_late_is_merged_in_when_it_can_be(tmp_path: Path) -> None:
    orphan = orphaned(tmp_path, rewrite="the reader's own page\n", since="reader line 1\n")
    assert settle([orphan]) == {}
    # the rewrite, then what came since (the merge, here the identity, decides the rest)
    assert orphan.path.read_text("utf-8") == "the reader's own page\nreader line 1\n"


def test_every_old_file_is_closed_once_when_a_merge_fails_unexpectedly(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = orphaned(tmp_path / "a"), orphaned(tmp_path / "b")
    real = swapping._recover

    def recover(o: Orphan) -> Swapped:
        if o is second:
            raise RuntimeError("a bug in a merge")
        return real(o)

    monkeypatch.setattr(swapping, "_recover", recover)
    fds = (first.fd, second.fd)
    with pytest.raises(RuntimeError):
        settle([first, second])
    assert closed(fds[0]) and closed(fds[1])
    first.close()     # closing again does nothing (the number may belong to another file by now)
