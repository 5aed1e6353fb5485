"""Which entries of one feed are the same entry (pure): the ``kb_id`` rules.

Contract (``settle``): every entry of a parsed feed ends with a ``kb_id``
that no other kept entry of the same feed shares, or as a ``Reject`` whose
reason says which earlier entry it duplicates. Nothing is merged silently.

* An entry with a link is keyed by its canonical URL (``stable_id(url)``),
  so the same story carried by two feeds is one article.
* When two entries of one feed share that URL, the feed is telling them
  apart some other way, and the key takes it in: first the URL fragment
  (``page#a`` / ``page#b``: the fragment is kept in the URL and the key),
  then the guid (``stable_id(feed_url, guid)``), then title and date.
* An entry with no link is keyed by its guid; with no guid either, by its
  title plus its date (title alone when the feed gives no date): a changelog
  feed may repeat one title on a hundred entries.
* Entries that still share a key are the same entry given twice: the first
  (feeds list newest first) is kept, the others are rejected with a reason
  ("duplicate ..." when identical, "same ... as an earlier entry ..." when
  their text differs, which is a merge the reader should be able to see).
  What the first left empty (its text, summary, author, language) a later
  one fills, as a second feed does for an article (``store.ingest``): UOL
  gives a Folha story once bare and once, through Folha's redirector, with
  its text.

Re-reading the same feed therefore gives the same keys, whatever the order
of its entries, which is what makes a second sync write nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from ..models import Entry, Reject, stable_id


def base_id(entry: Entry) -> str:
    """The key of an entry that no other entry of its feed collides with."""
    if entry.url:
        return stable_id(entry.url)
    if entry.entry_id:
        return stable_id(entry.feed_url, entry.entry_id)
    return stable_id(entry.feed_url, *_title_date(entry))


def _title_date(entry: Entry) -> tuple[str, ...]:
    # a first-seen fallback date is not the feed's: it would change the key on every run
    if entry.published_from == "first_seen":
        return (entry.title,)
    return (entry.title, entry.published.isoformat())


def settle(entries: Sequence[Entry], fragments: Sequence[str], refs: Sequence[str]
           ) -> tuple[list[Entry], list[Reject]]:
    """Entries of one feed (in feed order) -> (kept entries with unique kb_ids, rejects).

    ``fragments[i]`` is the fragment of entry i's link as the feed wrote it
    ("" when none); ``refs[i]`` a human handle on it for a reject.
    """
    groups: dict[str, list[int]] = {}
    for i, entry in enumerate(entries):
        groups.setdefault(entry.kb_id, []).append(i)
    keyed: list[Entry | None] = list(entries)
    for members in groups.values():
        if len(members) > 1:
            for i, entry in _split(members, entries, fragments):
                keyed[i] = entry
    kept: dict[str, int] = {}
    at: dict[str, int] = {}       # where the kept entry of a key is in ``out``
    out: list[Entry] = []
    rejects: list[Reject] = []
    for i, entry in enumerate(keyed):
        assert entry is not None
        first = kept.get(entry.kb_id)
        if first is None:
            kept[entry.kb_id], at[entry.kb_id] = i, len(out)
            out.append(entry)
            continue
        out[at[entry.kb_id]] = _gaps_filled(out[at[entry.kb_id]], entry)
        rejects.append(Reject(entry.feed_url, f"{refs[i]} (entry #{i + 1}, as #{first + 1})",
                              _why(entries[first], entries[i])))
    return out, rejects


def _gaps_filled(first: Entry, later: Entry) -> Entry:
    """The kept entry with what it left empty taken from a later one of the same key."""
    gaps = {name: getattr(later, name) for name in ("content", "summary", "author", "language")
            if not getattr(first, name) and getattr(later, name)}
    return dataclasses.replace(first, **gaps) if gaps else first


def _split(members: list[int], entries: Sequence[Entry], fragments: Sequence[str]) -> list[tuple[int, Entry]]:
    """New keys for entries sharing one key: fragment, then guid, then title and date."""
    if len({fragments[i] for i in members}) > 1:
        # the fragment tells them apart: it becomes part of the link and the key
        out = []
        by_fragment: dict[str, list[int]] = {}
        for i in members:
            by_fragment.setdefault(fragments[i], []).append(i)
        for fragment, sub in by_fragment.items():
            renamed = []
            for i in sub:
                entry = entries[i]
                if fragment and entry.url:
                    url = f"{entry.url}#{fragment}"
                    entry = dataclasses.replace(entry, url=url, kb_id=stable_id(url))
                renamed.append((i, entry))
            if len(sub) > 1:
                renamed = _split_further([i for i, _ in renamed], dict(renamed))
            out += renamed
        return out
    return _split_further(members, {i: entries[i] for i in members})


def _split_further(members: list[int], entries: dict[int, Entry]) -> list[tuple[int, Entry]]:
    guids = {entries[i].entry_id for i in members}
    out = []
    for i in members:
        entry = entries[i]
        if len(guids) > 1 and entry.entry_id:
            # distinct guids on one link: the feed says these are different entries
            key = stable_id(entry.feed_url, entry.entry_id)
        elif len(guids) > 1 or not entry.entry_id:
            # no guid to go by: title and date tell them apart, or they are duplicates
            key = stable_id(entry.feed_url, entry.url or "", *_title_date(entry))
        else:
            key = entry.kb_id   # one guid for all: the same entry given more than once
        out.append((i, dataclasses.replace(entry, kb_id=key)))
    return out


def _why(first: Entry, later: Entry) -> str:
    """The reason a later entry with the same key as an earlier one is not kept (the ref
    names both entries; the reason stays one of a few, so ``status`` can count them)."""
    same = "guid" if later.entry_id and later.entry_id == first.entry_id else (
        "link" if later.url and later.url == first.url else "title and date")
    if dataclasses.replace(later, kb_id=first.kb_id, url=first.url) == first:
        return f"duplicate: same {same} and text as an earlier entry of the feed"
    return f"merged: same {same} as an earlier entry of the feed (the first one is kept)"
