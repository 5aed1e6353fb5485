"""The digests a run owes, kept in the store so that a crash cannot drop them.

Why: a run writes the article pages first and the digests after them (the
vault: ``sync_notes``, then ``sync_rollups``; Notion: ``sync_articles``, then
``sync_weeks``), and each stage commits on its own. Which digests to write is
derived from the articles being projected: the day they are on now and, for
an article whose date the feed revised, the day its page was on, which only
the page's sync record still knows until the page is rewritten. A run killed
after the article pages were rewritten and recorded but before the digests
were would leave the next run no way to find the day an article left (its
record now says the new day), nor the days of pages written outside the run's
list of changed articles (a page created for a scored article that had none).
Those digests would stay stale for good, and a run that finds nothing to
write would not notice.

So before the first article page of a batch is written, ``owe`` adds to the
store the days whose digests these pages feed (the day of each page as
rendered now, and the day its record says it was on); the digest stage writes
the digests of the owed days (and their weeks) with the others, and
``settle`` keeps owing only those whose page could not be written. Redoing a
digest that was written already writes nothing (``targets.base.plan``), so
owing too much costs a render, never a write. One list per target: each
target owes what it has not written yet.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date

from ..config import RollupConfig
from ..rollups.digest import week_bounds
from ..store import Store


def _name(target: str) -> str:
    return f"rollups-owed:{target}"


def owed(store: Store, target: str) -> set[date]:
    """The days whose digests an earlier stage (or a killed run) left to write."""
    return {date.fromisoformat(d) for d in json.loads(store.meta(_name(target)) or "[]")}


def owe(store: Store, target: str, days: Iterable[date]) -> None:
    """Record, before article pages are written, the days whose digests they feed."""
    before = owed(store, target)
    after = before | set(days)
    if after != before:
        store.set_meta(_name(target), json.dumps(sorted(d.isoformat() for d in after)))


def settle(store: Store, target: str, keep: Iterable[date] = ()) -> None:
    """The owed digests were written: owe only ``keep`` (pages that failed) from now on."""
    keep = set(keep)
    if owed(store, target) != keep:
        store.set_meta(_name(target), json.dumps(sorted(d.isoformat() for d in keep)))


def page_days(keys: Iterable[str], cfg: RollupConfig) -> set[date]:
    """A day of each digest page by its key: ``daily-2026-01-05`` its day, ``weekly-2026-W02``
    its week's first day (other keys, and keys that name no day, give none)."""
    days = set()
    for key in keys:
        try:
            if key.startswith("daily-"):
                days.add(date.fromisoformat(key.removeprefix("daily-")))
            elif key.startswith("weekly-"):
                days.add(week_bounds(key.removeprefix("weekly-"), cfg)[0])
        except ValueError:
            continue
    return days
