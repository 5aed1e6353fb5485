"""The records that flow through kbsync, and the canonical content hash.

Contract (documented here because the store, the scorer and the targets all
rely on it): ``canonical_json(value)`` is JSON with sorted keys, no
insignificant white space, UTF-8 kept as is (``ensure_ascii=False``),
datetimes as ISO 8601 in UTC with a ``+00:00`` offset (naive ones taken as
UTC), dates as ``YYYY-MM-DD``, tuples as
lists and dataclasses as their field dicts. ``content_hash(value)`` is the
SHA-256 hex digest of that text. Two values with the same meaning therefore
hash the same on every machine and every run, which is what makes "write
nothing when nothing changed" possible.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date, datetime, time, timezone, tzinfo
from typing import Any

TIERS = ("must-read", "worth-reading", "skim")


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"not canonicalisable: {type(value).__name__}")


def canonical_json(value: Any) -> str:
    """The canonical text form of ``value`` (see the module docstring)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # shallow: our records hold only scalars, tuples and datetimes (asdict deep-copies)
        value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    return json.dumps(value, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False, default=_default)


def content_hash(value: Any) -> str:
    """SHA-256 hex digest of ``canonical_json(value)``."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def dated_only(moment: datetime) -> bool:
    """Whether ``moment`` is a date a feed gave without its time: exactly midnight UTC (a naive
    moment is UTC), which is how a date alone ("2026-08-14") and a static site's or a scraper's
    "Fri, 14 Aug 2026 00:00:00 +0000" read once parsed. 2,234 of 6,934 dated entries of the real
    feed sets (35 feeds) are all at that time. An article really published at that second is
    taken for a date too, and shown at midnight of its UTC day: 408 entries of 9 feeds that also
    give other times are at midnight UTC, 369 of them The Batch's (a date-only feed but for 3
    entries), the others 39 of 1,282."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.hour == moment.minute == moment.second == moment.microsecond == 0


def in_zone(moment: datetime, tz: tzinfo) -> datetime:
    """``moment`` in the reader's time zone ``tz``. A date without its time (``dated_only``)
    stays on its day, at midnight there: as 00:00 UTC it showed a made-up time ("08:00" in
    Shanghai) and, west of Greenwich, the day before ("20:00" the evening before in New York),
    so its note, daily page and week were a day early."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    if dated_only(moment):
        return datetime.combine(moment.astimezone(timezone.utc).date(), time(), tz)
    return moment.astimezone(tz)


def stable_id(*parts: str) -> str:
    """A short id that is the same for the same parts on every run.

    Used for ``kb_id``: ``stable_id(canonical_url)`` for an entry with a link,
    ``stable_id(feed_url, guid_or_title)`` for one without.
    """
    digest = hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=8)
    return "kb-" + digest.hexdigest()


@dataclass(frozen=True)
class Entry:
    """One feed entry, parsed and normalised; not yet merged with others.

    ``published`` is always timezone-aware UTC; ``published_from`` says where
    it came from (``"published"``, ``"updated"`` or ``"first_seen"``).
    ``content`` is sanitised Markdown (may be empty); ``summary`` is the
    feed's own short description as plain text (may be empty).
    """

    kb_id: str
    url: str | None
    title: str
    source: str
    feed_url: str
    published: datetime
    published_from: str = "published"
    entry_id: str | None = None
    author: str | None = None
    updated: datetime | None = None
    content: str = ""
    summary: str = ""
    categories: tuple[str, ...] = ()
    language: str | None = None
    # the keys an earlier kbsync gave this entry (its link's canonical form has changed since,
    # ``urls.LATER_TRACKING_PARAMS``): the ingest keeps the article stored under one of them
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reject:
    """An entry that could not become an article, and why."""

    feed_url: str
    ref: str
    reason: str


@dataclass(frozen=True)
class Article:
    """An article as the store holds it: entries merged by canonical URL.

    ``sources`` lists every feed that carried the story, the first one seen
    first; ``source`` is that first one.
    """

    kb_id: str
    url: str | None
    title: str
    source: str
    published: datetime
    published_from: str = "published"
    sources: tuple[str, ...] = ()
    author: str | None = None
    content: str = ""
    summary: str = ""
    categories: tuple[str, ...] = ()
    language: str | None = None
    first_seen: datetime | None = None

    def hash_fields(self) -> dict[str, Any]:
        """The fields whose change means the article changed (and is rescored).

        ``first_seen`` is bookkeeping, not content, so it is left out.
        """
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "first_seen"}

    @cached_property
    def content_hash(self) -> str:
        # computed once per (immutable) article; cached_property writes __dict__, frozen or not
        return content_hash(self.hash_fields())


@dataclass(frozen=True)
class Score:
    """What a scorer decided about one article version (``content_hash``).

    ``model`` and ``prompt_version`` say which Claude model and prompt made a
    Claude score (None for other scorers); ``fallback`` marks a score another
    scorer gave because Claude failed (Claude tries that article again on a
    later run); ``why_it_matters`` is Claude's one sentence ("" otherwise).
    """

    kb_id: str
    content_hash: str
    backend: str
    score: int
    tier: str
    category: str
    tags: tuple[str, ...] = ()
    summary: str = ""
    key_points: tuple[str, ...] = ()
    model: str | None = None
    prompt_version: str | None = None
    fallback: bool = False
    why_it_matters: str = ""


@dataclass(frozen=True)
class Link:
    """A related-article edge, with the reason it exists."""

    src: str
    dst: str
    weight: float
    reason: str
    shared_tags: tuple[str, ...] = field(default=())
    same_story: bool = False
