"""Where note text lives: the vault folder, or a dict for tests.

Contract of a ``Files`` store (paths are vault-relative POSIX strings):
``read`` returns the text or None when absent; ``write`` is atomic (a reader
or a crash sees the old text or the new, never half: temp file in the same
folder, fsync, rename, then the folder is fsynced once per batch in
``flush``); ``walk`` yields every Markdown path; ``head`` returns the first
bytes of a file cheaply (for rebuilding the kb_id index). ``LocalFiles``
never touches a path outside its root.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Protocol

from ..render.paths import inside


class Files(Protocol):
    def read(self, rel: str) -> str | None: ...
    def head(self, rel: str, size: int = 4096) -> str: ...
    def write(self, rel: str, text: str) -> None: ...
    def exists(self, rel: str) -> bool: ...
    def walk(self) -> Iterator[str]: ...
    def flush(self) -> None: ...


class LocalFiles:
    """The vault on disk."""

    def __init__(self, root: Path):
        self.root = root
        self._dirty_dirs: set[Path] = set()

    def _path(self, rel: str) -> Path:
        return inside(self.root, PurePosixPath(rel))

    def read(self, rel: str) -> str | None:
        try:
            with open(self._path(rel), encoding="utf-8", newline="") as fh:
                return fh.read()
        except FileNotFoundError:
            return None

    def head(self, rel: str, size: int = 4096) -> str:
        with open(self._path(rel), "rb") as fh:
            return fh.read(size).decode("utf-8", errors="replace")

    def exists(self, rel: str) -> bool:
        return self._path(rel).is_file()

    def write(self, rel: str, text: str) -> None:
        path = self._path(rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".kbsync-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            # never leave a temp file behind, whatever went wrong
            Path(tmp).unlink(missing_ok=True)
            raise
        self._dirty_dirs.add(path.parent)

    def flush(self) -> None:
        """fsync the folders that got new names, so the renames survive a crash."""
        for folder in self._dirty_dirs:
            try:
                fd = os.open(folder, os.O_RDONLY)
            except OSError:
                continue
            try:
                os.fsync(fd)
            except OSError:
                pass  # some file systems cannot fsync a folder; the data itself is already synced
            finally:
                os.close(fd)
        self._dirty_dirs.clear()

    def walk(self) -> Iterator[str]:
        for folder, dirs, files in os.walk(self.root):
            # Obsidian's own settings and hidden folders hold no notes
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in files:
                if name.endswith(".md") and not name.startswith("."):
                    yield Path(folder, name).relative_to(self.root).as_posix()


class MemoryFiles:
    """The in-memory twin of LocalFiles, for tests and dry runs."""

    def __init__(self) -> None:
        self.files: dict[str, str] = {}
        self.writes = 0

    def read(self, rel: str) -> str | None:
        return self.files.get(rel)

    def head(self, rel: str, size: int = 4096) -> str:
        return self.files[rel][:size]

    def exists(self, rel: str) -> bool:
        return rel in self.files

    def write(self, rel: str, text: str) -> None:
        if PurePosixPath(rel).is_absolute() or ".." in PurePosixPath(rel).parts:
            raise ValueError(f"path outside the vault: {rel}")
        self.files[rel] = text
        self.writes += 1

    def flush(self) -> None:
        return None

    def walk(self) -> Iterator[str]:
        yield from sorted(k for k in self.files if k.endswith(".md"))


class OverlayFiles:
    """Reads from a real store, writes into memory: what a dry run writes to."""

    def __init__(self, base: Files):
        self.base = base
        self.memory = MemoryFiles()

    def read(self, rel: str) -> str | None:
        return self.memory.read(rel) if self.memory.exists(rel) else self.base.read(rel)

    def head(self, rel: str, size: int = 4096) -> str:
        return self.memory.head(rel, size) if self.memory.exists(rel) else self.base.head(rel, size)

    def exists(self, rel: str) -> bool:
        return self.memory.exists(rel) or self.base.exists(rel)

    def write(self, rel: str, text: str) -> None:
        self.memory.write(rel, text)

    def flush(self) -> None:
        return None

    def walk(self) -> Iterator[str]:
        yield from sorted(set(self.base.walk()) | set(self.memory.walk()))
