"""The journal of the reader's edits (``reader_changes``) and the seam targets plug into.

Why a journal: the reader edits the same properties in more than one place
(Obsidian today, Notion next). Each edit is recorded once, with where and
when it was made; every target then takes the edits made elsewhere that it
has not seen yet, in order, from its own cursor. On a conflict (both sides
changed a property before either heard of the other's edit) the later edit
wins, and one log line says which one lost.

Contract:
- ``record(store, changes, log)`` appends edits, skipping one whose value
  already is the current (latest) value of that property: recording what a
  target already shows is a no-op, so a pull may report every value it sees.
  An edit that meets one made elsewhere and not yet delivered to its own
  side (past its side's cursor) is a conflict, logged there, once.
- ``pending(store, target)`` is what ``target`` must apply: for every
  property edited elsewhere since the target's cursor, the winning (latest)
  edit, unless the winner was made in the target itself; and the id to
  acknowledge afterwards (``acknowledge``).
- ``deliver(store, sink, log)`` does both for one :class:`EditSink` and
  moves the cursor past what was applied; a change the sink could not apply
  keeps the cursor before it, so it is offered again next time.
- ``visible(store, target, kb_ids)`` is the value each property has in the
  target as far as the journal knows (its own edits, and others' once
  delivered): the watcher compares a note against it to see what the reader
  changed.

Values are JSON: ``None`` clears a property; ``tags`` is the reader's edit of
kbsync's tag list, ``{"added": [...], "removed": [...]}``, so it survives
kbsync re-tagging an article.

THE SEAM for a target such as Notion: implement ``EditSink.push_edits`` (set
Status/Rating/Tags on the page; return the changes that failed), call
``deliver(store, sink, log)`` after the target's sync, and record the
reader's edits found in the target with ``record(store, [Change(...,
origin=sink.name, changed_at=<when edited there>)], log)`` before delivering
(only values changed there since the last pull: a stale value recorded as a
new edit would count as one).
The vault's own sink is ``reconcile.VaultEditSink``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol

from ..store import Store

OBSIDIAN = "obsidian"


@dataclass(frozen=True)
class Change:
    kb_id: str
    property: str
    value: Any                 # JSON-able; None = cleared
    changed_at: datetime       # aware; when the reader made the edit
    origin: str                # the target it was made in: obsidian | notion
    id: int | None = None      # set once recorded

    @property
    def key(self) -> tuple[str, str]:
        return self.kb_id, self.property

    def order(self) -> tuple[datetime, int]:
        """Later edit wins; the same instant goes to the one recorded last."""
        return self.changed_at, self.id if self.id is not None else 1 << 62


class EditSink(Protocol):
    """A target that shows the reader's properties and can be told about edits made elsewhere."""

    name: str

    def push_edits(self, changes: Sequence[Change]) -> Sequence[Change]:
        """Apply ``changes`` (one winning edit per (kb_id, property)); return the ones that failed."""


@dataclass
class Delivery:
    push: list[Change] = field(default_factory=list)
    upto: int = 0              # acknowledge up to this id once ``push`` is applied
    failed: list[Change] = field(default_factory=list)


# -- pure decisions --------------------------------------------------------------------
def same_value(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def latest(changes: Iterable[Change]) -> dict[tuple[str, str], Change]:
    """The winning (latest) edit per (kb_id, property)."""
    out: dict[tuple[str, str], Change] = {}
    for change in changes:
        best = out.get(change.key)
        if best is None or change.order() > best.order():
            out[change.key] = change
    return out


def plan_delivery(target: str, cursor: int, fresh: Sequence[Change], history: Iterable[Change]) -> Delivery:
    """What ``target`` must apply: for each property edited elsewhere among ``fresh``
    (the entries after the target's cursor), the winner over ``history`` (every
    entry of those properties), unless the target made the winning edit itself."""
    winners = latest(history)
    plan = Delivery(upto=max([cursor, *(c.id or 0 for c in fresh)]))
    for key in dict.fromkeys(c.key for c in fresh if c.origin != target):
        if winners[key].origin != target:
            plan.push.append(winners[key])
    return plan


def conflicts(change: Change, known: Iterable[Change], seen_by_origin: int) -> list[str]:
    """The line for the edit ``change`` clashes with, if any: the latest edit of the same
    property made elsewhere that ``change``'s side had not received yet (id past its cursor)."""
    clashing = [other for other in known if other.key == change.key and other.origin != change.origin
                and (other.id or 0) > seen_by_origin]
    if not clashing:
        return []
    other = max(clashing, key=Change.order)
    win, lost = (change, other) if change.order() > other.order() else (other, change)
    return [f"conflict on {change.property!r} of {change.kb_id}: the {lost.origin} edit of {_utc(lost.changed_at)} "
            f"lost to the later {win.origin} edit of {_utc(win.changed_at)}"]


def _utc(moment: datetime) -> str:
    return f"{moment.astimezone(timezone.utc):%Y-%m-%d %H:%M:%S} UTC"


def acknowledged_upto(plan: Delivery, failed: Sequence[Change]) -> int:
    """The cursor after applying: before the first failure, so it is offered again."""
    if not failed:
        return plan.upto
    return min(c.id for c in failed if c.id is not None) - 1


# -- the table ---------------------------------------------------------------------------
def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat()


def _change(row: Any) -> Change:
    return Change(row["kb_id"], row["property"], json.loads(row["value"]), datetime.fromisoformat(row["changed_at"]),
                  row["origin"], row["id"])


def entries(store: Store, kb_ids: Iterable[str] | None = None, *, after: int = 0) -> list[Change]:
    """Journal entries (of ``kb_ids``, or all) with id > ``after``, in recording order."""
    if kb_ids is None:
        rows = store.conn.execute("SELECT * FROM reader_changes WHERE id > ? ORDER BY id", (after,)).fetchall()
    else:
        rows = store.select_in("SELECT * FROM reader_changes WHERE kb_id IN ({marks}) AND id > ? ORDER BY id",
                               kb_ids, after)
        rows.sort(key=lambda r: r["id"])
    return [_change(r) for r in rows]


def record(store: Store, changes: Iterable[Change], log: logging.Logger | None = None) -> list[Change]:
    """Append the changes that differ from the property's current value; return them (with ids).

    A change that clashes with an edit made elsewhere and not yet delivered to
    its own side is a conflict: the later of the two wins (``pending``), and
    one line saying so goes to ``log``.
    """
    changes = list(changes)
    if not changes:
        return []
    known_all = entries(store, {c.kb_id for c in changes})
    current = latest(known_all)
    seen = {origin: cursor(store, origin) for origin in {c.origin for c in changes}}
    added: list[Change] = []
    with store.conn:
        for change in changes:
            known = current.get(change.key)
            if known is not None and same_value(known.value, change.value):
                continue  # already the value: nothing happened
            if known is None and change.value is None:
                continue  # clearing a property nobody ever set
            cur = store.conn.execute(
                "INSERT INTO reader_changes (kb_id, property, value, changed_at, origin) VALUES (?,?,?,?,?)",
                (change.kb_id, change.property, json.dumps(change.value, ensure_ascii=False, default=str),
                 _iso(change.changed_at), change.origin))
            saved = Change(change.kb_id, change.property, change.value, change.changed_at, change.origin,
                           cur.lastrowid)
            for line in conflicts(saved, known_all, seen[saved.origin]):
                if log is not None:
                    log.info(line)
            current[saved.key] = saved if known is None or saved.order() > known.order() else known
            known_all.append(saved)
            added.append(saved)
    return added


def cursor(store: Store, target: str) -> int:
    return int(store.meta(f"reader_changes:{target}") or 0)


def acknowledge(store: Store, target: str, upto: int) -> None:
    if upto > cursor(store, target):
        store.set_meta(f"reader_changes:{target}", str(upto))


def pending(store: Store, target: str) -> Delivery:
    """What ``target`` must apply now (see the module docstring)."""
    after = cursor(store, target)
    fresh = entries(store, after=after)
    keys = {c.key for c in fresh if c.origin != target}
    history = [c for c in entries(store, {k for k, _ in keys}) if c.key in keys] if keys else []
    return plan_delivery(target, after, fresh, history)


def deliver(store: Store, sink: EditSink, log: logging.Logger | None = None) -> Delivery:
    """Apply to ``sink`` the edits made elsewhere and move its cursor past what it applied."""
    plan = pending(store, sink.name)
    plan.failed = list(sink.push_edits(plan.push)) if plan.push else []
    if plan.failed and log is not None:
        log.warning("%d reader edits could not be applied to %s; offered again next time",
                    len(plan.failed), sink.name)
    acknowledge(store, sink.name, acknowledged_upto(plan, plan.failed))
    return plan


def visible(store: Store, target: str, kb_ids: Iterable[str]) -> dict[tuple[str, str], Change]:
    """Per (kb_id, property), the latest edit ``target`` shows: its own, and others' it was given."""
    seen = cursor(store, target)
    return latest(c for c in entries(store, kb_ids) if c.origin == target or (c.id or 0) <= seen)


def counts(store: Store, targets: Sequence[str]) -> Mapping[str, int]:
    """How many entries there are, and how many each target has not taken yet (for ``status``)."""
    total = store.conn.execute("SELECT COUNT(*) FROM reader_changes").fetchone()[0]
    out = {"recorded": total}
    for target in targets:
        out[target] = store.conn.execute("SELECT COUNT(*) FROM reader_changes WHERE id > ? AND origin != ?",
                                         (cursor(store, target), target)).fetchone()[0]
    return out
