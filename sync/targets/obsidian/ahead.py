"""The vault's listing taken by a child process while the run does its other work.

Why: every sync lists the vault with each note's modification time (the
catch-up of the reader's edits, the sweep for moved notes and the names all
read it: ``Files.scan``). For a 100,000-note vault that is 100,000 stats,
0.3-0.5 s on one core, while the other core idles: a daily run spends its
first second fetching, scoring and linking in one process. A child forked at
the start of the run lists the vault meanwhile, and the run reads the
listing when its catch-up needs it. Listing early is safe: the catch-up
counts from when the listing was taken (``own``), so a note saved after it
is read by the next run, and a new note's name taken since is merged into,
not replaced (``swap``).

Contract: ``ScanAhead(files)`` returns at once; ``result()`` returns (when
the listing was taken, the listing, the leftover temp files found) as
``files.scan()`` and ``files.leftovers()`` would have then. After it,
``keys()`` gives ``relink.vault_keys`` of the listing's paths, in its order,
when the child computed them (the names of a 100,000-note vault: 0.15 s
taken off this process too), else None. The child sends the listing first,
then the keys: a run that needs no names (a no-op) does not wait for them.
The child is used only on Linux, from a process with no other thread
(forking one with threads may copy a lock some thread held); otherwise, or
when the child fails, ``result()`` lists the vault itself. ``close()`` stops
a child still at work (its listing or its keys never asked for) and reaps it.
``for_run(cfg, dry_run=...)`` is the listing a run takes (None when it takes none).
"""

from __future__ import annotations

import marshal
import os
import sys
import threading
import time
from typing import Any

from ...config import Config
from ...parallel import fork_with_channel, stop_child
from .files import LocalFiles
from .relink import vault_keys


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _send(data: int, sizes: int, part: bytes) -> None:
    """One part: its bytes into the memory file, then its size down the pipe (it is whole)."""
    _write_all(data, part)
    _write_all(sizes, len(part).to_bytes(8, "big"))


class ScanAhead:
    def __init__(self, files: LocalFiles, *, fork: bool | None = None):
        """``fork``: whether to list in a child (None: on Linux, when this process has no other thread)."""
        self.files = files
        self.listed_at = time.time()   # read before the child starts: its stats come after
        self._pid: int | None = None
        self._fd: int | None = None      # the pipe: the size of each part, once it is written
        self._data: int | None = None    # the memory file the parts are written to
        self._offset = 0                 # where the next part starts in it
        self._keys: tuple[list[str], list[str]] | None = None
        if fork is None:
            fork = sys.platform.startswith("linux") and threading.active_count() == 1
        if fork:
            self._start()

    def _start(self) -> None:
        try:
            # what the child sends goes to a file in memory, the pipe only carries its sizes:
            # a child writing 9 MB into a 64 kB pipe waited for the run to read it (when its
            # catch-up came, a second in) before it could key the names the run needed next
            pid, data, read, write = fork_with_channel("kbsync-listing")
        except (AttributeError, OSError):
            return   # no memory file or no process here (the user's limit): listed here, when asked
        if pid == 0:
            code = 1
            try:
                found = self.files.scan()
                # the listing first, so the run can read it while the names are keyed
                _send(data, write, marshal.dumps((found, self.files.leftovers())))
                _send(data, write, marshal.dumps(vault_keys(list(found))))
                code = 0
            finally:
                os._exit(code)   # no cleanup of the parent's: its buffers, atexit, the store
        os.close(write)
        self._pid, self._fd, self._data, self._offset = pid, read, data, 0

    def result(self) -> tuple[float, dict[str, float | None], list[str]]:
        listed = self._listing()
        if listed is None:
            # no child, or it failed: the listing is taken now, here
            self.listed_at = time.time()
            return self.listed_at, self.files.scan(), self.files.leftovers()
        found, leftovers = listed
        return self.listed_at, found, leftovers

    def keys(self) -> tuple[list[str], list[str]] | None:
        """(path keys, name keys) of the listing ``result`` gave, in its order, as the child sends
        them after it (a run that needs no names never waits for them); None: not computed."""
        if self._fd is not None:
            if self._offset == 0:
                self._part()   # the listing, not asked for: passed over
            self._keys = self._part()
            self.close()
        return self._keys

    def _listing(self) -> tuple[dict[str, float | None], list[str]] | None:
        if self._pid is None or self._fd is None:
            return None
        listed = self._part()
        if listed is None:
            self.close()   # a child that failed before its listing was whole
        return listed

    def _part(self) -> Any:
        """The next thing the child sends, once it is whole; None when the child stopped first."""
        assert self._fd is not None and self._data is not None
        head = self._read(8)
        if len(head) != 8:
            return None
        size = int.from_bytes(head, "big")
        body = os.pread(self._data, size, self._offset)
        self._offset += size
        try:
            return marshal.loads(body) if len(body) == size else None
        except (EOFError, ValueError, TypeError):
            return None

    def _read(self, size: int) -> bytes:
        """Up to ``size`` bytes from the pipe (fewer only if the child stopped sending)."""
        assert self._fd is not None
        chunks, left = [], size
        while left > 0 and (chunk := os.read(self._fd, left)):
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        """Stop the child, if it is still at work: what it would still send is not wanted."""
        # (after the listing, the child keys 100,000 names for 0.2 s before it would write again)
        stop_child(self._pid, self._fd, self._data)
        self._pid = self._fd = self._data = None

    def __enter__(self) -> ScanAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def for_run(cfg: Config, *, dry_run: bool) -> ScanAhead | None:
    """The listing a run of ``cfg`` takes of its vault, started now; None without a vault or
    in a dry run (which reads the vault as it goes and writes nothing)."""
    if cfg.vault is None or dry_run:
        return None
    return ScanAhead(LocalFiles(cfg.vault.path))
