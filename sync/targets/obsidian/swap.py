"""Check-and-swap: replace a note only while it is still what was read.

Why: an editor (Obsidian's autosave, a script appending a line) may save a
note between kbsync reading it and renaming the new version over it; a plain
rename would throw that save away. So a guarded write carries the ``Stamp``
of the file as read (inode, size, mtime_ns: every save changes one of them,
in place or by rename) and how to merge again (``Guard.remerge``).

``swap`` does, for one staged temp file:
1. open the target and compare its stamp with the one read; if it changed,
   read the new text, merge again, write that into the temp file, repeat;
2. rename. An editor that opened the old file just before the rename may
   write to it a moment later, and those bytes would go with the unlinked
   file. So the old file stays open when it changed during the rename or
   when the note was saved in the last ``RECENT`` seconds (one being
   edited), and ``settle`` looks at it again after ``GRACE`` seconds, once
   per batch: text that landed there is merged in, ahead of whatever was
   saved into the new file since (it came first), and swapped in like any
   write. A note that keeps changing faster than that swap can run is
   tried again the next round; after ``SETTLE_ROUNDS`` the late text is
   appended to the note as it is then, out of order but not lost;
3. give up after ``SWAP_TRIES`` rounds of a file that keeps changing, leave
   the reader's version in place and say so (never overwrite).

A note the reader deleted meanwhile is not brought back. What no check can
catch is an editor that keeps the old file open and writes to it later than
``GRACE``; Obsidian and ordinary autosaves open the file for every save.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Union

SWAP_TRIES = 50
RECENT = 10.0      # seconds: a note saved this recently is being edited; its old file is watched
GRACE = 0.02       # seconds an editor's open-then-write may take to land in the old file
SETTLE_ROUNDS = 50 # a note saved non-stop is looked at again at most this often

Stamp = tuple[int, int, int]     # (inode, size, mtime_ns): changes with every save, in place or by rename


@dataclass(frozen=True)
class Guard:
    """Write only over the file as it was read; otherwise merge again from what is there now."""

    seen: Stamp | None                            # the file as read (None: there was no file)
    remerge: Callable[[str], str | None]          # the text to write over ``current`` (None: nothing to write)
    read: str | None = None                       # the text as read, when the caller has it

    def merge(self, current: str, last_read: str | None, last_merged: str) -> str | None:
        """``remerge(current)``, fast when the reader only appended to what was read last.

        An append lands after kbsync's block, in the reader's part, so the merge
        would keep it as it is: the last merged text plus the appended lines
        (unless they hold a block marker, which the full merge must see).
        """
        if last_read is not None and current.startswith(last_read):
            tail = current[len(last_read):]
            if "%% kbsync:" not in tail:
                return last_merged + tail
        return self.remerge(current)


Write = Union[tuple[str, str], tuple[str, str, "Guard | None"]]


class Busy(OSError):
    """A file that kept changing while it was read."""


def stamp(st: os.stat_result) -> Stamp:
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def read_fd(fd: int) -> tuple[str, Stamp]:
    """The whole text behind ``fd`` and its stamp, read so that the two agree."""
    for _ in range(SWAP_TRIES):
        before = stamp(os.fstat(fd))
        chunks, offset = [], 0
        while True:
            chunk = os.pread(fd, 1 << 20, offset)
            if not chunk:
                break
            chunks.append(chunk)
            offset += len(chunk)
        if stamp(os.fstat(fd)) == before:
            return b"".join(chunks).decode("utf-8"), before
    raise Busy("the file kept changing while it was read; left as the reader has it")



def write_new(path: str | Path, data: bytes, mode: int = 0o666) -> Stamp:
    """Create or truncate ``path`` and write all of ``data`` (``os.write`` may write less than
    asked): ``open(path, "wb")`` without the file object; ``mode`` less the umask. Returns the
    file's stamp as written (a rename keeps it: same inode, size and mtime)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, mode)
    try:
        _write_all(fd, data)
        return stamp(os.fstat(fd))
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _restage(tmp: Path, text: str) -> None:
    """Write ``text`` into the temp file (synced by ``_swap`` right after it is renamed).

    Written over the old bytes, then cut to length, not truncated first: truncating frees
    the file's blocks and writing allocates them again, about 25 times slower on ext4
    (330 µs against 12 for a 116 kB note). A note saved non-stop is merged again as often
    as this runs, and the swap goes through only when it runs faster than the saves come.
    """
    data = text.encode("utf-8")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        view, offset = memoryview(data), 0
        while view:
            done = os.pwrite(fd, view, offset)
            view, offset = view[done:], offset + done
        os.ftruncate(fd, len(data))
    finally:
        os.close(fd)


def _remerge(guard: Guard, current: str, last_read: str | None = None, last_merged: str = "") -> str | None:
    try:
        return guard.merge(current, last_read, last_merged)
    except Exception:   # noqa: BLE001 - e.g. a note the reader left half-edited (broken YAML): keep theirs
        return None


@dataclass
class Orphan:
    """The old file of a note being edited, kept open after the rename (see ``settle``)."""

    fd: int
    path: Path
    tmp: Path
    guard: Guard
    placed: str        # the text renamed into place
    after: Stamp       # the old file as it was renamed away
    before: str | None # the old file's text then (None: not known)

    def close(self) -> None:
        """Close the old file (once: a second call does nothing)."""
        if self.fd >= 0:
            fd, self.fd = self.fd, -1
            os.close(fd)


@dataclass(frozen=True)
class Swapped:
    placed: bool              # kbsync's version is in the file (the sync record may move forward)
    why: str = ""             # what went wrong, if anything
    orphan: Orphan | None = None
    # the staged file itself was renamed into place, not merged with a save of the reader's
    # first (a merge rewrites the temp file in place: same inode, maybe the same size and mtime)
    as_staged: bool = False


def swap(tmp: Path, path: Path, guard: Guard, text: str, *, tries: int = SWAP_TRIES) -> Swapped:
    """Rename ``tmp`` (holding ``text``, synced) over ``path`` only while ``path`` is what
    ``guard`` saw; ``tmp`` is gone afterwards either way."""
    try:
        return _swap(tmp, path, guard, text, tries)
    except Busy as exc:
        tmp.unlink(missing_ok=True)
        return Swapped(False, str(exc))


def _swap(tmp: Path, path: Path, guard: Guard, placed_text: str, tries: int) -> Swapped:
    seen, synced, last_read = guard.seen, True, guard.read
    while tries > 0:
        tries -= 1
        try:
            fd: int | None = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            fd = None
        handed_over = False
        try:
            now = None if fd is None else stamp(os.fstat(fd))
            if now != seen:
                if fd is None:
                    # the reader deleted it meanwhile: that is their decision, not a gap to fill
                    tmp.unlink(missing_ok=True)
                    return Swapped(False, "deleted by the reader during the sync; not written")
                current, seen = read_fd(fd)
                text = _remerge(guard, current, last_read, placed_text)
                last_read = current
                if text is None or text == current:
                    tmp.unlink(missing_ok=True)
                    if text is None:
                        return Swapped(False, "the reader's latest version could not be merged; left as is")
                    return Swapped(True)     # it already holds kbsync's version
                _restage(tmp, text)
                placed_text, synced = text, False
                continue
            os.replace(tmp, path)
            if not synced:
                # merged again: synced after the rename, so no fsync widens the window before it
                # (ext4, XFS and btrfs flush a file's data before a rename that replaces a file)
                _fsync(path)
            if fd is None:
                return Swapped(True, as_staged=synced)
            if stamp(os.fstat(fd)) == now and not _recent(now):
                return Swapped(True, as_staged=synced)
            # the old file changed during the rename, or the note is being edited: ``settle``
            # merges in what lands in the old file (and closes it); as staged all the same, a
            # late save merged in is placed as a new file
            handed_over = True
            return Swapped(True, orphan=Orphan(fd, path, tmp, guard, placed_text, now, last_read),
                           as_staged=synced)
        finally:
            if fd is not None and not handed_over:
                os.close(fd)
    tmp.unlink(missing_ok=True)
    return Swapped(False, f"the file kept changing ({SWAP_TRIES} tries); left as the reader has it")


def _fsync(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def settle(orphans: Sequence[Orphan]) -> dict[Path, str]:
    """Look again at the old files of notes being edited (``GRACE`` after the renames, once
    per batch); merge in what an editor wrote to them late, and close them. Returns
    {path: why} for late saves that could not be merged (kbsync's version is in place either
    way)."""
    failed: dict[Path, str] = {}
    seen = list(orphans)     # every old file opened, closed whatever happens
    try:
        for _ in range(SETTLE_ROUNDS):
            if not orphans:
                break
            time.sleep(GRACE)
            later: list[Orphan] = []
            for orphan in orphans:
                try:
                    done = _recover(orphan)
                except Busy:
                    # the note kept changing while it was read: the old file still holds the late text
                    done = Swapped(True, orphan=orphan)
                except OSError as exc:
                    done = Swapped(True, str(exc))
                if done.orphan is not orphan:
                    orphan.close()
                if done.why:
                    failed[orphan.path] = done.why
                if done.orphan is not None:
                    later.append(done.orphan)
                    seen.append(done.orphan)
            orphans = later
        for orphan in orphans:
            # the note never stood still long enough: keep the late text all the same
            if stamp(os.fstat(orphan.fd)) != orphan.after:
                why = _append_late(orphan)
                if why:
                    failed[orphan.path] = why
    finally:
        for orphan in seen:
            orphan.close()
    return failed


def _late_text(orphan: Orphan) -> tuple[str, str | None]:
    """The old file's text now, and what was appended to it since it was read (None: it was
    rewritten, or its text as read is not known)."""
    late, _ = read_fd(orphan.fd)
    if orphan.before is not None and late.startswith(orphan.before):
        return late, late[len(orphan.before):]
    return late, None


def _recover(orphan: Orphan) -> Swapped:
    """kbsync's version is in place; merge in what was written to the old file after the check.

    The reader's text is then split over two files: the old one got a late
    save (``late``), the new one may have got saves since (after what was
    placed). The late save came first (it opened the file before the
    rename), so the note becomes: what was placed, the late save's added
    text, then the new file's; merged once more and swapped in like any write.
    Returns ``orphan`` itself when that swap could not be placed (the note
    kept changing): the old file keeps the late text for the next round.
    """
    if stamp(os.fstat(orphan.fd)) == orphan.after:
        return Swapped(True)
    late, added = _late_text(orphan)
    current_text, current = read_path(orphan.path)
    if current_text is None:
        return Swapped(True)   # deleted by the reader since
    since = current_text[len(orphan.placed):] if current_text.startswith(orphan.placed) else None
    if added is not None:
        full = orphan.placed + added + since if since is not None else current_text + added
    else:
        # the old file was rewritten, not appended to: that version, then what came since
        full = late + (since or "")
    text = _remerge(orphan.guard, full, orphan.placed, orphan.placed)
    if text is None:
        return Swapped(True, "a late save of the reader's could not be merged")
    if text == current_text:
        return Swapped(True)
    _restage(orphan.tmp, text)
    again = swap(orphan.tmp, orphan.path, Guard(current, orphan.guard.remerge, current_text), text)
    if not again.placed:
        return Swapped(True, orphan=orphan)
    return Swapped(True, again.why, again.orphan)


def _append_late(orphan: Orphan) -> str:
    """The last resort for a late save ``_recover`` could never place: its added text is
    appended to the note as it is now (after saves that came later, but kept). Returns why
    not, if not."""
    try:
        _, added = _late_text(orphan)
    except Busy as exc:
        return str(exc)
    if added is None:
        return "a late save of the reader's rewrote the old file and could not be merged"
    try:
        fd = os.open(orphan.path, os.O_WRONLY | os.O_APPEND)
    except FileNotFoundError:
        return ""    # deleted by the reader since: not brought back
    try:
        _write_all(fd, added.encode("utf-8"))
    finally:
        os.close(fd)
    return ""


def read_path(path: Path) -> tuple[str | None, Stamp | None]:
    """The text at ``path`` and its stamp (for a guarded write); (None, None) when absent."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None, None
    try:
        return read_fd(fd)
    finally:
        os.close(fd)


def _recent(st: Stamp) -> bool:
    return time.time_ns() - st[2] < RECENT * 1e9


def _text(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()
