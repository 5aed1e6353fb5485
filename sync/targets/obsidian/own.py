"""Which notes a catch-up of the reader's edits must read: saved since it last looked, and not as kbsync left them.

Why: ``kbsync sync`` without the daemon learns of the reader's edits by
reading the notes modified since its last look (``edits.catch_up``). That
look must count from the moment the vault was last listed, not from the end
of the last run: a note the reader saved while a run was writing, and that
the run did not rewrite, was otherwise older than the run's end and never
read. Counting from the listing alone would make every run read again all
that the run before it wrote (10,000 notes after a first sync); so each file
kbsync places is remembered with its stamp (inode, size, mtime_ns), and a
file still as placed is passed over: at its path with the same size and
mtime (the quick check rsync makes: a copy that keeps the times, as a
restored backup does, counts), or elsewhere with the same stamp (moved or
renamed by the reader, untouched: the run's sweep records the move).

Contract (one target's files, vault-relative paths as written):

- ``last_read(store, target)``: the time (epoch seconds) after which a
  saved note must be read; None before the first look (a store from before
  this was kept: the caller falls back on the last run's end);
- ``read_up_to(store, target, listed_at)``: the reader's edits of the notes
  modified before ``listed_at`` (when the listing was taken) are in the
  journal; the next look reads from ``listed_at - MARGIN``;
- ``remember(store, target, placed)``: the files a run placed, with their
  stamps as placed (``Files.placed``);
- ``unread(store, target, root, paths)``: of ``paths``, those not as kbsync
  placed them (one ``lstat`` each for the remembered ones).

A remembered stamp is only ever a reason to skip reading a file that is
what kbsync wrote: a save of the reader's sets the mtime anew (in place or
by rename). Anything else (a lost table, a crash before
``remember``) makes a catch-up read more, never less.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from ...store import Store
from .swap import Stamp

# seconds before the listing that the next look starts from: a file's mtime comes from the
# kernel's coarse clock, which lags the time read here by up to a tick (a few ms); a margin
# this wide only means a note saved just before a listing is read once more
MARGIN = 2.0


def _name(target: str) -> str:
    return f"edits-read:{target}"


def last_read(store: Store, target: str) -> float | None:
    value = store.meta(_name(target))
    return float(value) if value else None


def read_up_to(store: Store, target: str, listed_at: float) -> None:
    """The notes saved before ``listed_at`` were looked at; forget the stamps older than the next look."""
    since = listed_at - MARGIN
    store.set_meta(_name(target), repr(since))
    with store.conn:
        # a file placed before the next look is never read by it (a crash before this line: kept longer)
        store.conn.execute("DELETE FROM placed_files WHERE target=? AND mtime_ns < ?", (target, int(since * 1e9)))


def remember(store: Store, target: str, placed: Mapping[str, Stamp]) -> None:
    if not placed:
        return
    with store.conn:
        store.conn.executemany(
            "INSERT INTO placed_files (target, path, inode, size, mtime_ns) VALUES (?,?,?,?,?)"
            " ON CONFLICT(target, path) DO UPDATE SET inode=excluded.inode, size=excluded.size,"
            " mtime_ns=excluded.mtime_ns",
            [(target, path, *st) for path, st in placed.items()])


def unread(store: Store, target: str, root: Path, paths: Iterable[str]) -> list[str]:
    """``paths`` less those whose file is still as kbsync placed it (see the module's docstring)."""
    paths = list(paths)
    if not paths:
        return paths
    at: dict[str, tuple[int, int]] = {}
    stamps: set[Stamp] = set()
    for path, inode, size, mtime_ns in store.conn.execute(
            "SELECT path, inode, size, mtime_ns FROM placed_files WHERE target=?", (target,)):
        at[path] = (size, mtime_ns)
        stamps.add((inode, size, mtime_ns))
    if not stamps:
        return paths
    base = os.fspath(root)
    out = []
    for rel in paths:
        try:
            st = os.lstat(os.path.join(base, rel))
        except OSError:
            out.append(rel)   # gone meanwhile: reconcile finds it gone
            continue
        if at.get(rel) != (st.st_size, st.st_mtime_ns) and (st.st_ino, st.st_size, st.st_mtime_ns) not in stamps:
            out.append(rel)
    return out
