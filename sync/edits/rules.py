"""What in a page is the reader's, and how it changed (pure); shared by every target.

Contract:
- ``reader_view(props, base)`` is what the reader controls in a note: every
  property kbsync does not own (status, rating, anything they add; see
  ``OWNED_KEYS`` below), and their edit of kbsync's tag list as
  ``{"added": [...], "removed": [...]}`` measured against what kbsync last
  wrote (``base``, the sync record's owned properties). An empty value
  (``rating:``) counts as no value. kbsync's own writes never change this
  view: it rewrites only owned keys, and a re-tag moves ``base`` and the note
  together (``targets.obsidian.merge`` keeps the reader's additions and removals).
  A ``category`` the reader changed is in the view too (their value), so it
  reaches the digests and Notion (``edits.overlay``).
- ``diff(old, new)`` lists (property, new value or None) for what changed.
- ``apply_edit(props, base, property, value)`` is the inverse: the note's
  properties after an edit made elsewhere (a Notion status) is written in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

# the properties kbsync owns in an article note; every other one is the reader's
OWNED_KEYS = ("title", "aliases", "url", "source", "sources", "author", "published", "score", "tier",
              "category", "tags", "summary", "related", "week", "kb_id",
              "model", "prompt_version", "scored_by")   # the last three: Claude scores and fallbacks only
MISSING = object()   # a property that is not there at all (unlike one set to null)


def normal(value: Any) -> Any:
    """A JSON-able form for comparing values across YAML, JSON and Python."""
    if value is MISSING:
        return {"$missing": True}
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [normal(v) for v in value]
    if isinstance(value, dict):
        return {str(k): normal(v) for k, v in value.items()}
    return value

TAGS = "tags"
CATEGORY = "category"
OWNED_EDITS = (CATEGORY, TAGS)   # kbsync's properties whose edit by the reader travels like their own


def _tag_list(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [str(v) for v in items if v is not None and str(v).strip()]


def tag_edit(note_tags: Any, base_tags: Any) -> dict[str, list[str]] | None:
    """The reader's edit of kbsync's tags (None: no edit)."""
    theirs, ours = _tag_list(note_tags), _tag_list(base_tags)
    added = [t for t in dict.fromkeys(theirs) if t not in ours]
    removed = [t for t in dict.fromkeys(ours) if t not in theirs]
    return {"added": added, "removed": removed} if added or removed else None


def reader_view(props: Mapping[str, Any], base: Mapping[str, Any], owned: Sequence[str] = OWNED_KEYS) -> dict[str, Any]:
    """The reader's part of a note, as comparable JSON values (see the module docstring)."""
    view = {str(k): normal(v) for k, v in props.items() if k not in owned and v is not None}
    return {**view, **owned_edits(props, base, owned)}


def owned_edits(props: Mapping[str, Any], base: Mapping[str, Any], owned: Sequence[str] = OWNED_KEYS) -> dict[str, Any]:
    """The reader's edits of kbsync's category and tags (absent: not edited)."""
    view: dict[str, Any] = {}
    mine = props.get(CATEGORY)
    if CATEGORY in owned and CATEGORY in base and isinstance(mine, str) and mine.strip() \
            and mine != base.get(CATEGORY):
        view[CATEGORY] = mine.strip()
    if TAGS in owned:
        edit = tag_edit(props.get(TAGS), base.get(TAGS))
        if edit is not None:
            view[TAGS] = edit
    return view


def diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """(property, value) for every property whose value changed; None = cleared."""
    out = [(k, v) for k, v in new.items() if normal(old.get(k)) != normal(v)]
    out += [(k, None) for k in old if k not in new and old[k] is not None]
    return sorted(out, key=lambda kv: kv[0])


def apply_edit(props: Mapping[str, Any], base: Mapping[str, Any], prop: str, value: Any,
               owned: Sequence[str] = OWNED_KEYS) -> dict[str, Any]:
    """``props`` with an edit made elsewhere written in (a new dict, same key order).

    ``tags`` become kbsync's tags with the edit applied, ``category`` the
    reader's (None: kbsync's again); any other key kbsync owns is refused
    (ValueError): only the reader's own properties travel.
    """
    out = dict(props)
    if prop == CATEGORY:
        out[CATEGORY] = value if isinstance(value, str) and value.strip() else base.get(CATEGORY, out.get(CATEGORY))
    elif prop == TAGS:
        edit = value if isinstance(value, Mapping) else {}
        removed = set(_tag_list(edit.get("removed")))
        ours = [t for t in _tag_list(base.get(TAGS)) if t not in removed]
        out[TAGS] = ours + [t for t in _tag_list(edit.get("added")) if t not in ours]
    elif prop in owned:
        raise ValueError(f"{prop!r} is kbsync's property; only the reader's own properties are synced")
    elif value is None:
        out.pop(prop, None)
    else:
        out[prop] = value
    return out
