"""Which days and weeks get a digest by themselves (pure): an archive is not a digest.

Contract: a sync writes the daily digest of a day only when it lies within
``[rollups] digest_days`` days of the newest article in the store, and the
weekly digest of a week only when its last day lies within
``digest_weeks`` weeks of it. Article notes are written for the whole
archive; the digest of any older day or week is built on request
(``kbsync rollup --day/--week``). The window is anchored at the newest
article, not the wall clock, so the same store gives the same digests on
every run (and the bundled example feeds still get theirs).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from ..config import RollupConfig
from .digest import day_of, week_bounds, week_end


def recent_days(days: Iterable[date], newest: datetime | None, cfg: RollupConfig) -> set[date]:
    """The days (of ``days``) recent enough for a daily digest."""
    if newest is None:
        return set(days)
    last = day_of(newest, cfg)
    return {d for d in days if d > last - timedelta(days=cfg.digest_days)}


def recent_weeks(weeks: Iterable[str], newest: datetime | None, cfg: RollupConfig) -> set[str]:
    """The week labels (of ``weeks``) recent enough for a weekly digest."""
    if newest is None:
        return set(weeks)
    last = week_end(day_of(newest, cfg), cfg)     # the newest article's week counts as the first
    return {w for w in weeks if week_bounds(w, cfg)[1] > last - timedelta(weeks=cfg.digest_weeks)}
