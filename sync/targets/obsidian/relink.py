"""Link targets that always resolve: from a page's kb_id to its current path.

Contract (pure, apart from the caller's listing of the vault):
- ``Names`` is the vault's listing as Obsidian's link resolution sees it: how
  many notes share each base name (case-insensitive, NFC) and every path.
  ``target(path)`` is the link target for a note at ``path``: its base name
  when no other note shares it, else its path without ``.md`` (a bare
  ``[[Name]]`` would resolve by an undocumented "best match").
  ``resolves(t)`` says whether a link target points at exactly one note.
- ``retarget(block, fresh, resolves)`` mends the links of a block the reader
  edited (kbsync keeps that block as it is): a link whose target no longer
  resolves, or is ambiguous, gets the target kbsync's fresh render uses for
  the same shown text. Only the part before ``|`` or ``#`` changes; the
  shown text, the anchor and every other character stay.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import PurePosixPath

from .paths import name_key_of

# [[target#anchor|shown]] (the pipe may be escaped inside a table)
_LINK = re.compile(r"\[\[([^\[\]|#\n]+)(#[^\[\]|\n]*)?((?:\\?\|)([^\[\]\n]*))?\]\]")


def _path_key(target: str) -> str:
    text = target[:-3] if target.lower().endswith(".md") else target
    return unicodedata.normalize("NFC", text.strip().strip("/")).casefold()


_BASE_OF = re.compile(r"(?:[^\0]*/)?([^/\0]*)\0")      # each NUL-ended path's last part
# a path that strips to something shorter (two searches: one alternation tries every position)
_NOT_PLAIN = (re.compile(r"\0[\s/]"), re.compile(r"[\s/]\.md\0"))


def vault_keys(paths: Sequence[str]) -> tuple[list[str], list[str]]:
    """(path keys, name keys) of every path, in order: ``_path_key`` and ``paths.name_key_of``.

    Why: a 100,000-note vault asks this of every note each run (the link names,
    the names new notes must not take). The vault's paths (each ends in ".md")
    are joined with NUL, which is in no path and neither composes nor folds into
    anything, then normalised, case-folded and cut by one pass each: measured at
    100,000 notes, 0.15 s where a call per path took 0.2 s. A path this
    shortcut would not key exactly as the one-path functions do (no ".md", blank
    or "/" at an end, a NUL) sends the whole list the long way.
    """
    joined = "\0".join(paths) + "\0"
    plain = (joined.count("\0") == len(paths) and joined.count(".md\0") == len(paths)
             and not joined[:1].isspace() and not joined.startswith("/")
             and not any(rx.search(joined) for rx in _NOT_PLAIN))
    if not plain:
        return [_path_key(p) for p in paths], [name_key_of(p) for p in paths]
    folded = unicodedata.normalize("NFC", joined.replace(".md\0", "\0")).casefold()
    path_keys = folded.split("\0")[:-1]
    name_keys = _BASE_OF.findall(unicodedata.normalize("NFC", folded))
    return path_keys, name_keys


def name_keys_of(paths: Iterable[str]) -> list[str]:
    """``name_key_of`` of every path, in order (``vault_keys``)."""
    return vault_keys(list(paths))[1]


class Names:
    """How many notes answer to each base name (every key of ``counts`` is a name taken), and
    every note path."""

    def __init__(self, paths: Iterable[str], keys: tuple[list[str], list[str]] | None = None):
        """``keys``: ``vault_keys(paths)`` when the caller has them (a child process keyed the
        listing while this one did other work)."""
        # the whole vault keyed at once (``vault_keys``); as ``add`` of each path in turn,
        # where a path whose key is in already counts once
        path_keys, name_keys = keys if keys is not None else vault_keys(list(paths))
        self.paths: set[str] = set(path_keys)
        if len(self.paths) == len(path_keys):
            self.counts: Counter[str] = Counter(name_keys)
        else:
            self.counts = Counter()
            seen: set[str] = set()
            for path_key, name_key in zip(path_keys, name_keys):
                if path_key not in seen:
                    seen.add(path_key)
                    self.counts[name_key] += 1
        self._targets: dict[str, str] = {}   # path -> target, while no note comes or goes

    def add(self, path: str) -> None:
        key = _path_key(path)
        if key not in self.paths:
            self.paths.add(key)
            self.counts[name_key_of(path)] += 1
            self._targets.clear()

    def remove(self, path: str) -> None:
        key = _path_key(path)
        if key in self.paths:
            self.paths.discard(key)
            name = name_key_of(path)
            self.counts[name] -= 1
            if self.counts[name] <= 0:
                del self.counts[name]   # the keys of ``counts`` are the names taken
            self._targets.clear()

    def shared(self, path: str) -> bool:
        return self.counts[name_key_of(path)] > 1

    def target(self, path: str) -> str:
        """``Name`` for a unique base name, ``Folder/Name`` when another note shares it."""
        found = self._targets.get(path)
        if found is None:
            # a digest links to thousands of notes, each asked for on its weekly and daily page
            found = self._targets[path] = self._target(path)
        return found

    def _target(self, path: str) -> str:
        pure = PurePosixPath(path)
        stem = pure.name[:-3] if pure.name.lower().endswith(".md") else pure.name
        if not self.shared(path):
            return stem
        return (pure.parent / stem).as_posix() if pure.parent.parts else stem

    def resolves(self, target: str) -> bool:
        """True when a link to ``target`` finds exactly one note."""
        target = target.strip()
        if "/" in target:
            return _path_key(target) in self.paths
        return self.counts[name_key_of(target + ".md")] == 1


def links(text: str) -> list[tuple[str, str | None]]:
    """(target, shown text or None) of every wikilink in ``text``."""
    return [(m[1], m[4]) for m in _LINK.finditer(text)]


def retarget(block: str, fresh: str, resolves: Callable[[str], bool]) -> str:
    """``block`` with its broken or ambiguous link targets taken from ``fresh`` (by shown text)."""
    by_shown: dict[str, str | None] = {}
    for target, shown in links(fresh):
        if shown is not None:
            # a shown text kbsync uses for two targets says nothing about either
            by_shown[shown] = target if by_shown.get(shown, target) == target else None

    def mend(m: re.Match[str]) -> str:
        target, shown = m[1], m[4]
        if resolves(target) or shown is None:
            return m[0]
        new = by_shown.get(shown)
        if not new or new == target:
            return m[0]
        return "[[" + new + (m[2] or "") + m[3] + "]]"

    return _LINK.sub(mend, block)
