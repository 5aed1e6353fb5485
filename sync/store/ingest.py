"""Decide how parsed entries change the stored articles (pure functions).

Contract:
- The same story from two feeds (same canonical URL, hence the same kb_id) is
  ONE article; ``sources`` records every feed that carried it, first seen first.
- The feed that first reported an article owns its text (title, content,
  summary, date); a later feed only adds itself as a source and fills fields
  the owner left empty. When the owning feed changes its entry, the article
  changes with it.
- An entry without a date (``published_from == "first_seen"``) keeps the date
  it was first seen with, so re-reading the feed tomorrow does not move it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Container, Iterable, Mapping
from datetime import datetime

from ..models import Article, Entry, content_hash


def entry_hash(entry: Entry) -> str:
    """Hash of what a feed said about an entry; unchanged hash = nothing to do.

    A first-seen fallback date is not part of what the feed said, so it is
    left out: otherwise every re-read of a dateless entry would look new.
    """
    # ``aliases`` says how an earlier version keyed the entry, not what the feed said
    data = {f.name: getattr(entry, f.name) for f in dataclasses.fields(entry) if f.name != "aliases"}
    if entry.published_from == "first_seen":
        data["published"] = None
    return content_hash(data)


def _from_entry(entry: Entry, now: datetime) -> Article:
    return Article(kb_id=entry.kb_id, url=entry.url, title=entry.title, source=entry.source,
                   published=entry.published, published_from=entry.published_from,
                   sources=(entry.source,), author=entry.author, content=entry.content,
                   summary=entry.summary, categories=entry.categories, language=entry.language,
                   first_seen=now)


def merge_entry(existing: Article | None, entry: Entry, now: datetime) -> Article:
    """The article after ``entry`` is applied to ``existing`` (see module contract)."""
    if existing is None:
        return _from_entry(entry, now)
    sources = existing.sources if entry.source in existing.sources else existing.sources + (entry.source,)
    if entry.source == existing.source:
        # the owning feed speaks: its new version replaces the text
        keep_date = entry.published_from == "first_seen" and existing.published_from != "published"
        return dataclasses.replace(
            _from_entry(entry, existing.first_seen or now),
            sources=sources,
            published=existing.published if keep_date else entry.published,
            published_from=existing.published_from if keep_date else entry.published_from)
    # another feed carries the same story: add it as a source, fill only the gaps
    categories = existing.categories + tuple(c for c in entry.categories if c not in existing.categories)
    return dataclasses.replace(
        existing, sources=sources, categories=categories,
        content=existing.content or entry.content, summary=existing.summary or entry.summary,
        author=existing.author or entry.author, language=existing.language or entry.language)


def adopt_legacy_keys(entries: Iterable[Entry], known: Container[str]) -> list[Entry]:
    """The entries, each whose key is not ``known`` but one of whose ``aliases`` is keyed by
    that alias: an article first stored under its link's earlier canonical form stays that
    article (its note, its Notion page, its links), and takes the new URL with its next
    version. ``known``: the keys the store has (articles or this feed's entry records)."""
    out = []
    for entry in entries:
        if entry.aliases and entry.kb_id not in known:
            alias = next((a for a in entry.aliases if a in known), None)
            if alias is not None:
                entry = dataclasses.replace(entry, kb_id=alias)
        out.append(entry)
    return out


def plan_ingest(entries: Iterable[Entry], known_hashes: Mapping[str, str],
                existing: Mapping[str, Article], now: datetime
                ) -> tuple[dict[str, Article], list[tuple[Entry, str]]]:
    """Entries of one feed -> (articles to save by kb_id, (entry, hash) records to save).

    Entries whose hash equals the stored one are skipped: a feed that repeats
    yesterday's items costs nothing. ``existing`` must hold the stored article
    of every changed entry that has one.
    """
    merged: dict[str, Article] = {}
    records: list[tuple[Entry, str]] = []
    for entry in entries:
        digest = entry_hash(entry)
        if known_hashes.get(entry.kb_id) == digest:
            continue
        before = merged.get(entry.kb_id) or existing.get(entry.kb_id)
        after = merge_entry(before, entry, now)
        records.append((entry, digest))
        if before is None or after != before:
            merged[entry.kb_id] = after
    return merged, records
