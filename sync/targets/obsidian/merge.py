"""Three-way merge of a note: what kbsync last wrote (base), what it wants to
write now (ours) and what is on disk (theirs, possibly edited by the reader).

Contract (pure functions; the reader's edits are never lost):
- Properties kbsync owns: a scalar the reader left as kbsync wrote it takes the
  new value; one the reader changed (or deleted) keeps the reader's version.
  List properties merge by item: items the reader added stay, items the reader
  removed stay removed, kbsync's new items come in. With no record of what
  kbsync last wrote (a crash right after writing, a lost store), every item
  the note already lists stays.
- Every other property is the reader's and is kept as is, in its place.
- The body: only the block between ``%% kbsync:begin %%`` and
  ``%% kbsync:end %%`` is kbsync's, and it is replaced only when it still is
  what kbsync last wrote (compared by hash, ignoring trailing white space).
  A block the reader edited, or removed, is left alone and reported as a
  conflict; everything outside the block is never touched. Link maintenance
  still reaches an edited block (``relink``: the targets of its links, never
  its prose). A removed block comes back only when asked (``restore``): that
  is how the reader hands an edited block back to kbsync.
- A page kbsync did not create (no record, no kb_id of ours: the reader's
  own daily note at a digest's path) keeps every property it already has;
  kbsync only adds the ones it lacks.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ...edits.rules import MISSING, normal, owned_edits
from .yamlfm import dumps_note, loads_note

BEGIN = "%% kbsync:begin %%"
END = "%% kbsync:end %%"
LIST_KEYS = frozenset({"tags", "sources", "related", "aliases", "cssclasses"})
NEW_NOTE_TAIL = "\n## My notes\n\n"


_LINK_TARGET = re.compile(r"\[\[[^\]|]*\|")


def region_hash(region: str) -> str:
    """Hash of a body block, blind to trailing white space and to wikilink targets.

    Obsidian rewrites ``[[old name|shown]]`` itself when the reader renames a
    note; that is not the reader editing kbsync's block, so it must not freeze it.
    """
    region = _LINK_TARGET.sub("[[|", region.replace("\r\n", "\n"))
    lines = [line.rstrip() for line in region.strip("\n").split("\n")]
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def base_of(props: Mapping[str, Any], region: str) -> dict[str, Any]:
    """What the sync record keeps of a write: the owned properties and the block's hash."""
    return {"props": normal(dict(props)), "region": region_hash(region)}


@dataclass
class Merged:
    text: str
    conflicts: list[str] = field(default_factory=list)
    reader_props: dict[str, Any] = field(default_factory=dict)
    edits: dict[str, Any] = field(default_factory=dict)    # the reader's category / tag edits (rules.owned_edits)


def split_body(body: str) -> tuple[str, str | None, str]:
    """(before, block or None, after); the markers must stand alone on their lines, once each."""
    lines = body.split("\n")
    starts = [i for i, line in enumerate(lines) if line.strip() == BEGIN]
    ends = [i for i, line in enumerate(lines) if line.strip() == END]
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        return body, None, ""
    s, e = starts[0], ends[0]
    return "\n".join(lines[:s]), "\n".join(lines[s + 1:e]), "\n".join(lines[e + 1:])


def _merge_list(ours: Sequence[Any], base: Any, theirs: Any) -> list[Any]:
    base_items = base if isinstance(base, list) else []
    their_items = theirs if isinstance(theirs, list) else ([] if theirs in (None, MISSING) else [theirs])
    removed = {json.dumps(normal(v), sort_keys=True) for v in base_items} - \
              {json.dumps(normal(v), sort_keys=True) for v in their_items}
    out: list[Any] = []
    seen: set[str] = set()
    base_keys = {json.dumps(normal(v), sort_keys=True) for v in base_items}
    added_by_reader = [v for v in their_items if json.dumps(normal(v), sort_keys=True) not in base_keys]
    for value in [*ours, *added_by_reader]:
        key = json.dumps(normal(value), sort_keys=True)
        if key in seen or key in removed:
            continue
        seen.add(key)
        out.append(value)
    return out


def merge_props(ours: Mapping[str, Any], base: Mapping[str, Any] | None, theirs: Mapping[str, Any],
                owned: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
    """Merged properties (owned keys first, in ``owned`` order, then the reader's) and conflicts."""
    merged: dict[str, Any] = {}
    conflicts: list[str] = []
    for key in owned:
        mine = ours.get(key, MISSING)
        theirs_v = theirs.get(key, MISSING)
        if base is None and key in LIST_KEYS and isinstance(mine, list):
            # no record of a previous write (a crash between writing the note and recording it, or a
            # lost store): items the note already lists may be the reader's; keeping one of kbsync's
            # old items is better than losing one of theirs
            value = _merge_list(mine, [], theirs_v)
        elif base is None:
            # no record of a previous write (new store, found by kb_id): kbsync's keys are kbsync's
            value = mine
        elif key in LIST_KEYS and (isinstance(mine, list) or mine is MISSING):
            value = _merge_list([] if mine is MISSING else mine, base.get(key), theirs_v)
            if not value and mine is MISSING and theirs_v is MISSING:
                value = MISSING
        elif normal(theirs_v) == normal(base.get(key, MISSING)):
            value = mine
        else:
            value = theirs_v
            if normal(theirs_v) != normal(mine):
                conflicts.append(f"property {key!r} edited by the reader; kept")
        if value is not MISSING:
            merged[key] = value
    for key, value in theirs.items():
        if key not in owned:
            merged[key] = value
    return merged, conflicts


def read_note(text: str) -> tuple[dict[str, Any], str]:
    """(properties, body); a note without frontmatter is all body (nothing to lose)."""
    if not text.lstrip("\ufeff").startswith("---"):
        return {}, text
    return loads_note(text)


def new_note(props: Mapping[str, Any], region: str) -> str:
    return dumps_note(dict(props), f"{BEGIN}\n{region.rstrip()}\n{END}\n{NEW_NOTE_TAIL}")


def merge_note(current: str, props: Mapping[str, Any], region: str, base: Mapping[str, Any] | None,
               owned: Sequence[str], *, relink: Callable[[str, str], str] | None = None,
               restore: bool = False) -> Merged:
    """The note after kbsync's new version is merged into ``current`` (raises NoteParseError).

    ``relink(block, region)`` mends link targets in a block the reader edited;
    ``restore`` puts back a block the reader removed (markers and all).
    """
    theirs, body = read_note(current)
    if base is None and theirs and theirs.get("kb_id") != props.get("kb_id"):
        # a page kbsync did not create: every property already on it is the reader's
        props = {k: v for k, v in props.items() if k not in theirs}
        merged_props, conflicts = merge_props(props, None, theirs, [k for k in owned if k in props])
        conflicts += [f"property {k!r} was already on the page; kept" for k in owned if k in theirs]
    else:
        merged_props, conflicts = merge_props(props, None if base is None else base.get("props"), theirs, owned)
    reader_props = {k: v for k, v in theirs.items() if k not in owned}
    edits = owned_edits(theirs, base.get("props", {}), owned) if base is not None else {}
    before, block, after = split_body(body)
    if block is None and (base is None or restore) and BEGIN not in body and END not in body:
        # a page kbsync never wrote (e.g. a note of the reader's at a digest's path), or a
        # block the reader removed to hand it back (--restore): the block goes on top
        new_body = f"{BEGIN}\n{region.rstrip()}\n{END}\n\n{body.lstrip(chr(10))}"
    elif block is None:
        conflicts.append("kbsync block missing or duplicated; body left as the reader has it"
                         + ("" if restore else " (delete what is left of it and run `kbsync sync --restore` "
                                               "to get it back)"))
        new_body = body
    elif base is not None and region_hash(block) not in (base.get("region"), region_hash(region)):
        conflicts.append("kbsync block edited by the reader; kept")
        new_body = body
        mended = relink(block, region) if relink else block
        if mended != block:
            # only link targets changed: the reader's words stay as they are
            new_body = f"{before}\n{BEGIN}\n{mended}\n{END}\n{after}" if before else \
                       f"{BEGIN}\n{mended}\n{END}\n{after}"
    else:
        new_body = f"{before}\n{BEGIN}\n{region.rstrip()}\n{END}\n{after}" if before else \
                   f"{BEGIN}\n{region.rstrip()}\n{END}\n{after}"
    return Merged(dumps_note(merged_props, new_body), conflicts, reader_props, edits)


def untouched(text: str, base: Mapping[str, Any]) -> bool:
    """True when a page is exactly what kbsync last wrote: its properties, its block, and
    nothing of the reader's around it (the empty "My notes" heading aside)."""
    try:
        props, body = read_note(text)
    except Exception:   # noqa: BLE001 - unreadable: certainly not as kbsync left it
        return False
    before, block, after = split_body(body)
    return (block is not None and not before.strip() and after.strip() in ("", NEW_NOTE_TAIL.strip())
            and normal(props) == base.get("props") and region_hash(block) == base.get("region"))
