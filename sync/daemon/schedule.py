"""When the daily sync runs next (pure).

Contract: ``next_run(at, tz, last_run, now)`` returns an aware UTC datetime
``>= now``; ``== now`` means "due now". The daily slot is the wall-clock time
``at`` in the IANA zone ``tz``:

- a slot that falls in a spring-forward gap (02:30 on the day clocks jump
  from 02:00 to 03:00) is moved forward by the gap, to 03:30 local: the day
  still gets exactly one run (PEP 495 ``fold=0`` reading, as cron does);
- a slot that falls in a fall-back overlap (01:30 happens twice) is the first
  of the two; the second is not another slot, so the day runs once;
- a missed slot (the machine slept through it, the daemon was down) is due
  as soon as we notice, ONCE, however many days were missed: the run is
  missed when the last run started before the most recent slot;
- a daemon that never ran is due at once (the reader wants today's notes).

So the next run is never in the past and at most about 25 hours away (a day
plus a DST hour). Nothing here reads a clock: the caller passes ``now``.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone, tzinfo

_AT = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def parse_at(text: str) -> time:
    """"07:00" -> time(7, 0); ValueError for anything but HH:MM (24-hour)."""
    match = _AT.match(text)
    if not match:
        raise ValueError(f"not a HH:MM time: {text!r}")
    return time(int(match.group(1)), int(match.group(2)))


def slot(day: date, at: time, tz: tzinfo) -> datetime:
    """The instant (UTC) of the daily run on local ``day``.

    ``fold=0`` picks the first of two readings in an overlap and, in a gap,
    the offset from before the jump, i.e. the slot moves forward by the gap.
    """
    return datetime.combine(day, at, tzinfo=tz).replace(fold=0).astimezone(timezone.utc)


def _slots_around(now: datetime, at: time, tz: tzinfo) -> list[datetime]:
    today = now.astimezone(tz).date()
    return [slot(today + timedelta(days=d), at, tz) for d in (-2, -1, 0, 1, 2)]


def previous_slot(now: datetime, at: time, tz: tzinfo) -> datetime:
    """The latest slot at or before ``now``."""
    return max(s for s in _slots_around(now, at, tz) if s <= now)


def following_slot(now: datetime, at: time, tz: tzinfo) -> datetime:
    """The first slot strictly after ``now``."""
    return min(s for s in _slots_around(now, at, tz) if s > now)


def next_run(at: time, tz: tzinfo, last_run: datetime | None, now: datetime) -> datetime:
    """When to sync next (see the module docstring); ``now`` and ``last_run`` are aware."""
    now = now.astimezone(timezone.utc)
    if last_run is None or last_run < previous_slot(now, at, tz):
        # never ran, or slept through the latest slot: run once, now
        return now
    return following_slot(now, at, tz)


def describe(moment: datetime, tz: tzinfo) -> str:
    """"2026-03-08 07:00 EDT" for logs and ``kbsync status``."""
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z").strip()
