"""A write-ahead journal that keeps sync records true across a crash.

The vault and the store cannot change in one transaction: a batch of pages is
renamed into place, then their sync records are saved. A run killed between
the two leaves pages that hold kbsync's new version while their records still
describe the old one; the next merge would then see kbsync's own last write
as the reader's edit, and freeze the page ("kbsync block edited by the
reader; kept", a property "edited by the reader") for good.

So before a batch is written, ``write_journal`` stores what each *updated*
page will hold (its owned hash and merge base, exactly what its record will
say); after the records are saved, ``clear_journal`` empties it. On the next
run ``recover_journal`` looks at each journalled page: if it holds exactly the
journalled version, the write happened and the record is brought forward;
otherwise (not renamed yet, or edited since) the old record stands. New pages
need no journal: an unrecorded page is found and adopted by its kb_id.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime

from ...store import Store, SyncRecord
from ..base import Intent
from .files import Files
from .merge import base_of, read_note, split_body
from .yamlfm import NoteParseError


def _name(target: str) -> str:
    return f"journal:{target}"


def write_journal(store: Store, target: str, intents: Iterable[Intent]) -> None:
    """Record, before writing, what every page that already has a record is about to hold."""
    entries = {i.doc.key: [i.owned_hash, base_of(i.doc.props, i.doc.region)]
               for i in intents if i.record is not None}
    if entries:
        store.set_meta(_name(target), json.dumps(entries, ensure_ascii=False))


def clear_journal(store: Store, target: str) -> None:
    """The batch's records are saved: nothing is in doubt any more."""
    if store.meta(_name(target)) not in (None, "{}"):
        store.set_meta(_name(target), "{}")


def recover_journal(store: Store, target: str, files: Files, records: Mapping[str, SyncRecord],
                    now: datetime) -> list[SyncRecord]:
    """Bring forward the records of journalled pages that were written; returns them (saved)."""
    entries = json.loads(store.meta(_name(target)) or "{}")
    if not entries:
        return []
    fixed = []
    for key, (owned_hash, owned) in entries.items():
        record = records.get(key)
        if record is None or record.state != "present" or not record.path or not files.exists(record.path):
            continue   # moved or deleted since: the sweep deals with it, the old record stands
        if _holds(files.read(record.path) or "", owned):
            fixed.append(replace(record, owned_hash=owned_hash, owned=owned))
    store.save_sync_records(fixed, now)
    clear_journal(store, target)
    return fixed


def recover(store: Store, target: str, files: Files, now: datetime) -> list[SyncRecord]:
    """``recover_journal`` for a caller that holds no records (it reads only the journalled ones)."""
    entries = json.loads(store.meta(_name(target)) or "{}")
    if not entries:
        return []
    return recover_journal(store, target, files, store.sync_records(target, entries), now)


def _holds(text: str, owned: Mapping) -> bool:
    """True when the page's owned properties and block are exactly the journalled ones."""
    try:
        props, body = read_note(text)
    except NoteParseError:
        return False
    _, block, _ = split_body(body)
    if block is None or not props.keys() >= owned["props"].keys():
        return False
    return base_of({k: props[k] for k in owned["props"]}, block) == owned
