"""The Obsidian target: notes in a vault, merged three ways, found by kb_id.

Contract:
- A note is known by its ``kb_id`` property, not its path. When the recorded
  path no longer holds the note (the reader renamed or moved it), the vault is
  scanned once for kb_ids and the note is updated where it now lives; a note
  found nowhere was deleted by the reader and is not written again (its record
  turns ``deleted``) unless the intent is a restore.
- New notes get a path from the vault's template, legalised in one place
  (``paths``), unique by base name (case-insensitive, NFC) across the
  vault so a bare ``[[name]]`` link always resolves.
- Writes go through ``Files.write_many`` (atomic), guarded: a note the reader
  saved after kbsync read it is merged again from the new text before it is
  replaced (``swap``), so no keystroke is lost; a merge that changes nothing
  writes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any

from ...pages.doc import Doc
from ...store import SyncRecord, recorded_paths
from ..base import Intent, Outcome
from .files import Files
from .merge import base_of, merge_note, new_note, split_body, untouched
from .paths import name_key, name_key_of, render_path, unique_path
from .relink import name_keys_of
from .swap import Guard, Write
from .yamlfm import NoteParseError

_KB_ID = re.compile(r"^kb_id:[ \t]*['\"]?([^'\"\r\n]+?)['\"]?[ \t]*$", re.M)


def kb_id_of(head: str) -> str | None:
    """The kb_id property in the first bytes of a note (its frontmatter), if any."""
    if not head.startswith("---"):
        return None
    end = head.find("\n---", 3)
    match = _KB_ID.search(head if end < 0 else head[:end])
    return match.group(1) if match else None


class NoteTarget:
    def __init__(self, files: Files, path_template: str, *, name: str = "obsidian"):
        self.files = files
        self.path_template = path_template
        self.name = name
        self._index: dict[str, str] | None = None
        self._taken: set[str] | None = None
        # the vault's note paths as listed at the start of the run (``ObsidianView`` shares its one
        # walk); what this target creates afterwards is in ``_created``. Finding a moved note
        # (``_scan``) always walks again: it looks for what changed since.
        self.listing: Callable[[], Iterable[str]] = files.walk
        # the name keys of that listing and of this run's pages, counted (``relink.Names.counts``),
        # when the caller keyed them already
        self.known_names: Callable[[], Mapping[str, int]] | None = None
        self._created: set[str] = set()
        self.relink: Callable[[str, str], str] | None = None   # mends links in blocks the reader edited
        self.restore = False                                    # put back blocks the reader removed
        # new notes rendered ahead (``rendering.prepare``), by key: written as they are
        self.prepared: dict[str, Any] = {}
        # paths ``allocate`` found free in this run's walk: not looked up again before they are
        # created (a file that turns up there since is caught by the create's guard: merged into)
        self._allocated: set[str] = set()

    # -- placement -------------------------------------------------------------
    def _taken_names(self, records: Mapping[str, SyncRecord]) -> set[str]:
        if self._taken is None:
            walked = set(self.listing()) | self._created
            if self.known_names is not None:
                taken = set(self.known_names())   # its keys: the names with a note
                taken |= {name_key_of(p) for p in self._created}
            else:
                taken = set(name_keys_of(walked))
            # a recorded path the walk found has its name counted already
            taken |= {name_key_of(path) for path in recorded_paths(records) - walked}
            self._taken = taken
        return self._taken

    def allocate(self, requests: Mapping[str, Mapping[str, Any]],
                 records: Mapping[str, SyncRecord]) -> dict[str, str]:
        """Paths for new notes (key -> path values), in the order given; nothing is written."""
        if not requests:
            return {}
        taken = self._taken_names(records)
        out: dict[str, str] = {}
        for key, values in requests.items():
            # a title taken by another feed's report gets this one's source: "X (Simon Willison).md"
            path = unique_path(render_path(self.path_template, values), lambda p: name_key(p) in taken,
                               label=str(values.get("source") or "") or None)
            taken.add(name_key(path))
            out[key] = path.as_posix()
        self._allocated.update(out.values())
        return out

    def reserve(self, paths: Iterable[str]) -> None:
        """Fixed paths (rollup pages) that new article notes must not take."""
        if self._taken is not None:
            self._taken |= {name_key_of(p) for p in paths}

    # -- finding notes -----------------------------------------------------------
    def _scan(self) -> dict[str, str]:
        if self._index is None:
            index: dict[str, str] = {}
            for rel in sorted(self.files.walk()):
                kb_id = kb_id_of(self.files.head(rel))
                if kb_id and kb_id not in index:
                    index[kb_id] = rel
            self._index = index
        return self._index

    def locate(self, key: str, path: str | None) -> str | None:
        """Where the note with kb_id ``key`` is now (None when the reader deleted it)."""
        if path and self.files.exists(path) and kb_id_of(self.files.head(path)) == key:
            return path
        return self._scan().get(key)

    def unrecorded(self, records: Mapping[str, SyncRecord]) -> dict[str, str]:
        """kb_id -> path of kbsync notes the store has no record of (a lost or new store).

        Only files that no record names are opened, so this is cheap when the
        store is intact; it is how the note index is rebuilt from frontmatter.
        """
        recorded = recorded_paths(records)
        found: dict[str, str] = {}
        for rel in sorted(set(self.listing()) - recorded):
            try:
                kb_id = kb_id_of(self.files.head(rel))
            except FileNotFoundError:
                continue   # gone since the vault was listed
            if kb_id and kb_id not in records and kb_id not in found:
                found[kb_id] = rel
        return found

    def index(self) -> dict[str, str]:
        """kb_id -> path for every note in the vault (rebuilt from frontmatter)."""
        self._index = None
        return dict(self._scan())

    # -- writing -------------------------------------------------------------------
    def apply(self, intents: Sequence[Intent], *, dry_run: bool = False) -> list[Outcome]:
        """Decide every page first, then write them in one atomic batch."""
        outcomes, writes = self.decide(intents)
        if not dry_run:
            self.write(outcomes, writes)
        return outcomes

    def decide(self, intents: Sequence[Intent]) -> tuple[list[Outcome], list[Write]]:
        """Every page's outcome and the (path, text, guard) writes they need; nothing is written yet."""
        outcomes: list[Outcome] = []
        writes: list[Write] = []
        for intent in intents:
            try:
                outcome, write = self._apply_one(intent)
            except NoteParseError as exc:
                outcome, write = Outcome(intent.doc.key, "error", None, f"unreadable note left as is: {exc}"), None
            except (OSError, ValueError) as exc:
                outcome, write = Outcome(intent.doc.key, "error", None, f"{type(exc).__name__}: {exc}"), None
            # messages name a note by its path, not its kb_id
            outcome.where = outcome.record.path if outcome.record is not None and outcome.record.path else \
                (write[0] if write is not None else (intent.record.path if intent.record else "") or "")
            outcomes.append(outcome)
            if write is not None:
                writes.append(write)
        return outcomes, writes

    def write(self, outcomes: Sequence[Outcome], writes: Sequence[Write]) -> None:
        """Write a decided batch atomically (guarded: check-and-swap); a page left as the reader has
        it, or a batch that fails, has its outcomes become errors (no record moves forward)."""
        if writes:
            try:
                skipped = self.files.write_many(writes)
            except OSError as exc:
                # nothing of the batch is recorded as written: the next run tries again
                skipped = {w[0]: f"write failed: {exc}" for w in writes}
            for outcome in outcomes:
                if outcome.record is not None and outcome.record.path in skipped:
                    # left as the reader has it: no record moves forward, the next run tries again
                    outcome.message = skipped[outcome.record.path]
                    outcome.status, outcome.record = "error", None

    def _record(self, intent: Intent, path: str, owned: dict[str, Any] | str | None = None) -> SyncRecord:
        doc = intent.doc
        return SyncRecord(self.name, doc.key, path, intent.owned_hash,
                          base_of(doc.props, doc.region) if owned is None else owned)

    def _apply_one(self, intent: Intent) -> tuple[Outcome, Write | None]:
        doc, record = intent.doc, intent.record
        known_path = record.path if record else doc.path
        free = False
        if record is not None:
            found = self.locate(doc.key, known_path)
        elif doc.path and doc.path not in self._allocated and self.files.exists(doc.path):
            # a new page whose path is taken: ours from an earlier store, a page to adopt, or a stranger's
            found = self.locate(doc.key, doc.path)
            if found is None and doc.adopt:
                found = doc.path
        else:
            # nothing stands at doc.path: just checked, or free in this run's walk (``allocate``)
            found, free = None, doc.path is not None
        if found is None and intent.action == "update":
            # the reader deleted the note: remember that, write nothing
            gone = SyncRecord(self.name, doc.key, known_path, record.owned_hash, record.owned, "deleted")
            return Outcome(doc.key, "deleted", gone, "deleted by the reader; not recreated (use --restore)"), None
        if found is None:
            path = doc.path if free else self._free_path(doc, record)
            if self._taken is not None:
                self._taken.add(name_key_of(path))
            self._created.add(path)
            status = "restored" if record else "created"
            # a file that turns up there meanwhile is merged into, never replaced
            guard = Guard(None, lambda text: merge_note(text, doc.props, doc.region, None, doc.owned).text)
            ready = self.prepared.pop(doc.key, None)
            if ready is not None:
                # rendered ahead (in a worker): the same text and merge base, not derived again
                return (Outcome(doc.key, status, self._record(intent, path, ready.owned)),
                        (path, ready.text, guard))
            return Outcome(doc.key, status, self._record(intent, path)), (path, new_note(doc.props, doc.region), guard)
        text, seen = self.files.read_stamped(found)
        current = text or ""
        if intent.action == "verify" and found == known_path and split_body(_body(current))[1] is not None:
            return Outcome(doc.key, "unchanged", None), None
        base = record.base() if record and record.state == "present" else None
        relink, restore = self.relink, self.restore

        def merge(now: str):
            return merge_note(now, doc.props, doc.region, base, doc.owned, relink=relink, restore=restore)

        merged = merge(current)
        # check-and-swap: a save of the reader's after this read is merged again, not overwritten
        guard = Guard(seen, lambda now: merge(now).text, current)
        write = None if merged.text == current else (found, merged.text, guard)
        status = "conflict" if merged.conflicts else ("unchanged" if write is None else "updated")
        edits = merged.edits if base is not None and not doc.key.startswith(("weekly-", "daily-")) else None
        return (Outcome(doc.key, status, self._record(intent, found), "; ".join(merged.conflicts),
                        merged.reader_props, edits), write)

    def remove_untouched(self, record: SyncRecord) -> bool:
        """Delete a page that is exactly as kbsync last wrote it (an emptied digest); True if gone."""
        if record.state != "present" or not record.path:
            return False
        text, seen = self.files.read_stamped(record.path)
        if text is None or not untouched(text, record.base()):
            return False
        # only while it is still what was just read: a save of the reader's keeps it
        return self.files.remove(record.path, Guard(seen, lambda now: None))

    def _free_path(self, doc: Doc, record: SyncRecord | None) -> str:
        """The recorded or allocated path, unless something else now stands there."""
        wanted = (record.path if record and record.path else None) or doc.path
        if wanted is None:
            raise ValueError(f"no path allocated for {doc.key}")
        if not self.files.exists(wanted):
            return wanted
        taken = self._taken_names({})
        return unique_path(PurePosixPath(wanted), lambda p: name_key(p) in taken or self.files.exists(p.as_posix())).as_posix()


def _body(text: str) -> str:
    """The body of a note, for finding its block (a note without frontmatter is all body)."""
    end = text.find("\n---", 3) if text.startswith("---") else -1
    return text if end < 0 else text[end + 4:]
