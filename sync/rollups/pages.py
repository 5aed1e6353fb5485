"""Rollup pages as target Docs: the weekly and daily digests with their properties.

Contract: the page body is the kbsync-owned block rendered by
``rollups.render`` from the pure rollup data of ``rollups.digest``; the properties
say what the page covers so Obsidian can list and filter rollups. The page's
``kb_id`` (``weekly-2026-W09``, ``daily-2026-02-07``) is how kbsync finds it
again, like an article note.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone, tzinfo

from ..config import Config
from ..edits.overlay import reader_scores
from ..links.index import related, story_groups
from ..models import Article, Link, Score, in_zone
from ..pages.doc import Doc
from ..store import Store
from .digest import TrendNamer, WeeklyRollup, _aware, daily_rollup, week_label, weekly_rollup
from .render import render_daily, render_weekly

ROLLUP_KEYS = ("title", "type", "week", "date", "start", "end", "articles", "must_read", "worth_reading",
               "tags", "kb_id")


def _counts(articles: Sequence[Article], scores: Mapping[str, Score]) -> dict[str, int]:
    tiers = [scores[a.kb_id].tier for a in articles if a.kb_id in scores]
    return {"articles": len(articles), "must_read": tiers.count("must-read"),
            "worth_reading": tiers.count("worth-reading")}


def window(store: Store, first: date, last: date, tz: tzinfo,
           known: tuple[Mapping[str, Article], Mapping[str, Score]] = ({}, {})
           ) -> tuple[list[Article], dict[str, Score]]:
    """The articles published on the days ``first`` .. ``last`` (in ``tz``) and their scores,
    with the reader's category and tag edits on them (``edits.overlay``).

    ``known`` holds articles and scores the caller has in memory, current, by kb_id (a
    run's own): only the others are read from the store (a first sync's 8 pages read none).
    """
    start = datetime.combine(first, datetime.min.time(), tz)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tz)
    # a date without its time is on its own day whatever the zone (``models.in_zone``): the days'
    # midnights UTC are read too, and what falls on another day is left out
    start = min(start, datetime.combine(first, datetime.min.time(), timezone.utc))
    end = max(end, datetime.combine(last + timedelta(days=1), datetime.min.time(), timezone.utc))
    known_articles, known_scores = known
    ids = store.ids_published(start, end)
    stored = store.get_articles(k for k in ids if k not in known_articles)
    articles = [a for a in (known_articles.get(k) or stored.get(k) for k in ids)
                if a is not None and first <= in_zone(a.published, tz).date() <= last]
    scores = {a.kb_id: known_scores[a.kb_id] for a in articles if a.kb_id in known_scores}
    scores.update(store.scores(a.kb_id for a in articles if a.kb_id not in scores))
    return articles, reader_scores(store, scores)


@dataclass(frozen=True)
class DigestLinks:
    """What a digest reads of the link index about its articles: their same-story groups and,
    for a weekly page (its trends), their related lists."""

    groups: dict[str, str]
    related: dict[str, list[Link]]


def digest_links(store: Store, articles: Sequence[Article], *, weekly: bool) -> DigestLinks:
    ids = [a.kb_id for a in articles]
    return DigestLinks(story_groups(store, ids, _times(articles)), related(store, ids) if weekly else {})


def weekly_data(label: str, articles: Sequence[Article], scores: Mapping[str, Score], links: DigestLinks,
                cfg: Config, namer: TrendNamer | None = None) -> WeeklyRollup:
    """The week's digest data, the same for every target (the vault page, the Notion page);
    ``links``: what ``digest_links(..., weekly=True)`` read of them."""
    return weekly_rollup(label, articles, scores, links.related, links.groups, cfg.rollups,
                         must_read=cfg.scoring.must_read, worth_reading=cfg.scoring.worth_reading, namer=namer)


def weekly_doc(label: str, first: date, last: date, articles: Sequence[Article], scores: Mapping[str, Score],
               links: DigestLinks, cfg: Config, *, link: Callable[[str], str], folder: str,
               namer: TrendNamer | None = None, week_link: str | None = None) -> Doc:
    data = weekly_data(label, articles, scores, links, cfg, namer)
    # ``week`` is a link on every page (the article notes', the days', this one's own)
    props = {"title": f"AI Weekly Digest — {label}", "type": "weekly", "week": week_link or f"[[{label}]]",
             "start": first, "end": last,
             "articles": data.scanned, "must_read": data.must_read, "worth_reading": data.worth_reading,
             "tags": ["kbsync/weekly"],
             "kb_id": f"weekly-{label}"}
    return Doc(key=f"weekly-{label}", props=props, region=render_weekly(data, link, _folder(cfg)),
               path=f"{folder}/{label}.md", owned=ROLLUP_KEYS, adopt=True)


def daily_doc(day: date, articles: Sequence[Article], scores: Mapping[str, Score], links: DigestLinks,
              cfg: Config, *, link: Callable[[str], str], folder: str, namer: TrendNamer | None = None,
              week_link: str | None = None) -> Doc:
    """``links``: what ``digest_links(..., weekly=False)`` read of the day's articles."""
    data = daily_rollup(day, articles, scores, links.groups, cfg.rollups,
                        must_read=cfg.scoring.must_read, worth_reading=cfg.scoring.worth_reading,
                        category_order=cfg.scoring.categories)
    overview = getattr(namer, "overview", None)
    if overview is not None and (text := overview(data)):
        # the hook for a Claude-written first line (scoring/digests.py); "" keeps the offline line
        data = replace(data, overview=text)
    week = week_label(day, cfg.rollups)
    props = {"title": f"AI Daily — {day.isoformat()}", "type": "daily", "week": week_link or f"[[{week}]]",
             "date": day, **_counts(articles, scores), "tags": ["kbsync/daily"],
             "kb_id": f"daily-{day.isoformat()}"}
    return Doc(key=f"daily-{day.isoformat()}", props=props, region=render_daily(data, link, _folder(cfg)),
               path=f"{folder}/{day.isoformat()}.md", owned=ROLLUP_KEYS, adopt=True)


def _times(articles: Sequence[Article]) -> dict[str, float]:
    """The articles' publication times as the link index keeps them (naive times are UTC)."""
    return {a.kb_id: _aware(a.published).timestamp() for a in articles}


def _folder(cfg: Config):
    """The reader's template folder for vault pages (None: the bundled templates)."""
    return cfg.vault.templates if cfg.vault is not None else None
