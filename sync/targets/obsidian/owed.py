"""The digests a run owes, kept in the store so that a crash cannot drop them.

Why: a run writes the article notes first and the daily and weekly digests
after them (``ObsidianView.sync_notes``, then ``sync_rollups``), and each
stage commits on its own. Which digests to write is derived from the articles
being projected: the day they are on now and, for an article whose date the
feed revised, the day its note was on, which only the note's sync record still
knows until the note is rewritten. A run killed after the notes were
rewritten and recorded but before the digests were would leave the next run
no way to find the day an article left (its record now says the new day), nor
the days of notes written outside the run's list of changed articles (a note
created for a scored article that had none). Those pages would stay stale
for good, and a run that finds nothing to write would not notice.

So before the first note of a batch is written, ``owe`` adds to the store the
days whose digests these notes feed (the day of each note as rendered now,
and the day its record says it was on); ``sync_rollups`` writes the digests of
the owed days and their weeks with the others, and ``settle`` keeps owing only
the ones whose page could not be written. Redoing a digest that was written
already writes nothing (``targets.base.plan``), so owing too much costs a
render, never a write.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from ...store import Store


def _name(target: str) -> str:
    return f"rollups-owed:{target}"


def note_day(props: Mapping[str, Any]) -> date | None:
    """The day of an article note's ``published`` property (local time of the rollup zone, as
    written), or None when it has none."""
    value = props.get("published")
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value).date()
        except ValueError:
            return None
    return value if isinstance(value, date) else None


def owed(store: Store, target: str) -> set[date]:
    """The days whose digests an earlier stage (or a killed run) left to write."""
    return {date.fromisoformat(d) for d in json.loads(store.meta(_name(target)) or "[]")}


def owe(store: Store, target: str, days: Iterable[date]) -> None:
    """Record, before the notes are written, the days whose digests they feed."""
    before = owed(store, target)
    after = before | set(days)
    if after != before:
        store.set_meta(_name(target), json.dumps(sorted(d.isoformat() for d in after)))


def settle(store: Store, target: str, keep: Iterable[date] = ()) -> None:
    """The owed digests were written: owe only ``keep`` (pages that failed) from now on."""
    keep = set(keep)
    if owed(store, target) != keep:
        store.set_meta(_name(target), json.dumps(sorted(d.isoformat() for d in keep)))
