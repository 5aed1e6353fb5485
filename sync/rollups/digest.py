"""Daily and weekly rollups: pure functions from articles, scores and links to page data.

Contract:

- Weeks END on ``cfg.week_ends_on`` and carry the ISO week label of their last
  day (the default, Sunday, gives ISO Monday-Sunday weeks; the seed digest's
  Saturday-Friday week is ``week_ends_on = "friday"``). Days and weeks are cut in
  ``cfg.tz``; naive datetimes are taken as UTC.
- A same-story group (``groups``: kb_id -> group id) is ranked and listed once,
  led by its best article (score, then earliest, then kb_id), with the other
  sources under it. Counts ("articles scanned", tiers, categories, sources)
  count every article.
- Trends are clusters of the week's stories joined by related links, merged
  by average linkage (a missing link is unknown once enough are there:
  ``_linkage``) while the average stays above
  ``TREND_LINK``; only clusters of two or more stories are trends. Every
  tie is broken by kb_id, never by input order, and an article without links
  to the week cannot change them. Their names and descriptions are
  ``naming.name_trend``'s. A ``namer`` passed to ``weekly_rollup`` may rename
  them (Claude's, in ``scoring/digests.py``); without one the offline names stand.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from typing import Protocol

from ..config import RollupConfig
from ..models import Article, Link, Score, dated_only, in_zone
from ..pages.markdown import one_line, stars
from ..text import titles_language, truncate
from .naming import WeekPhrases, distinct_name, name_trend, title_phrases

TREND_LINK = 0.15         # average link weight that still joins two clusters
MAX_TRENDS = 5
_LABEL = re.compile(r"^(\d{4})-W(\d{2})$")
# -- calendar ------------------------------------------------------------------------

def day_of(moment: datetime, cfg: RollupConfig) -> date:
    """The calendar day of ``moment`` in the rollup time zone (a date without its time: that
    date, ``models.in_zone``)."""
    return in_zone(moment, cfg.tz).date()


def week_end(day: date, cfg: RollupConfig) -> date:
    """The last day of the week that contains ``day``."""
    return day + timedelta(days=(cfg.week_end_weekday - day.weekday()) % 7)


def week_label(moment: datetime | date, cfg: RollupConfig) -> str:
    """``YYYY-Www`` of the week containing ``moment``: the ISO week of the week's last day."""
    day = moment if not isinstance(moment, datetime) else day_of(moment, cfg)
    year, week, _ = week_end(day, cfg).isocalendar()
    return f"{year}-W{week:02d}"


def week_bounds(label: str, cfg: RollupConfig) -> tuple[date, date]:
    """(first day, last day) of the week labelled ``label`` (raises ValueError for a bad label)."""
    m = _LABEL.match(label.strip())
    if not m:
        raise ValueError(f"not a week label (YYYY-Www): {label!r}")
    try:
        monday = date.fromisocalendar(int(m[1]), int(m[2]), 1)
    except ValueError:
        raise ValueError(f"no such ISO week: {label!r}") from None
    last = monday + timedelta(days=cfg.week_end_weekday)
    return last - timedelta(days=6), last


# -- records -------------------------------------------------------------------------

@dataclass(frozen=True)
class Also:
    """Another source's report of the same story."""

    kb_id: str
    source: str
    url: str | None


@dataclass(frozen=True)
class Story:
    """One story as listed: its lead article and the other sources' reports."""

    kb_id: str
    title: str
    url: str | None
    source: str
    published: datetime
    score: int | None
    stars: str
    category: str
    tags: tuple[str, ...]
    summary: str
    also: tuple[Also, ...] = ()
    tier: str = ""
    key_points: tuple[str, ...] = ()


@dataclass(frozen=True)
class Trend:
    name: str
    description: str
    stories: tuple[Story, ...]


class TrendNamer(Protocol):
    """Names trend groups: the same trends back, in order, each with a name and description.

    A namer may also have ``themes(stories, offline) -> list[Trend]``: trends
    it wrote itself from the week's stories (Claude's, ``scoring/digests.py``),
    which then replace the offline groups; and ``overview(daily) -> str``, a
    line for the top of a daily page.
    """

    def name_trends(self, trends: Sequence[Trend]) -> list[Trend]: ...


@dataclass(frozen=True)
class Count:
    name: str
    count: int
    average: float | None = None


@dataclass(frozen=True)
class WeeklyRollup:
    label: str
    first: date
    last: date
    scanned: int
    must_read: int
    worth_reading: int
    trends: tuple[Trend, ...]
    top: tuple[Story, ...]
    categories: tuple[Count, ...]
    sources: tuple[Count, ...]
    kb_ids: tuple[str, ...]          # every article of the week, oldest first
    top_n: int = 10


@dataclass(frozen=True)
class DailyCategory:
    name: str
    stories: tuple[Story, ...]


@dataclass(frozen=True)
class DailyItem:
    """A numbered story of the day, with its local time."""

    number: int
    time: str                 # HH:MM in the rollup time zone
    story: Story


@dataclass(frozen=True)
class DailyRollup:
    day: date
    scanned: int
    categories: tuple[DailyCategory, ...]
    kb_ids: tuple[str, ...]
    must_read: int = 0
    worth_reading: int = 0
    overview: str = ""                            # one line on the day ("The biggest story is …")
    items: tuple[tuple[str, tuple[DailyItem, ...]], ...] = ()   # category -> its numbered stories


# -- stories -------------------------------------------------------------------------

def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _lead_key(a: Article, scores: Mapping[str, Score]) -> tuple:
    s = scores.get(a.kb_id)
    return (-(s.score if s else -1), _aware(a.published), a.kb_id)


def stories(articles: Iterable[Article], scores: Mapping[str, Score],
            groups: Mapping[str, str]) -> list[Story]:
    """Collapse same-story groups into Story records, best first (score, sources, time, kb_id)."""
    by_group: dict[str, list[Article]] = {}
    for a in articles:
        by_group.setdefault(groups.get(a.kb_id, a.kb_id), []).append(a)
    out = []
    for members in by_group.values():
        members.sort(key=lambda a: _lead_key(a, scores))
        lead, s = members[0], scores.get(members[0].kb_id)
        seen = {lead.source}
        also = []
        for m in members[1:]:
            # one line per other outlet: a second report from the same outlet adds nothing
            if m.source not in seen:
                seen.add(m.source)
                also.append(Also(m.kb_id, m.source, m.url))
        out.append(Story(kb_id=lead.kb_id, title=lead.title, url=lead.url, source=lead.source,
                         published=_aware(lead.published), score=s.score if s else None,
                         stars=stars(s.score if s else None), category=s.category if s else "Unscored",
                         tags=tuple(s.tags) if s else (), summary=one_line(lead, s), also=tuple(also),
                         tier=s.tier if s else "", key_points=tuple(s.key_points) if s else ()))
    out.sort(key=lambda st: (-(st.score if st.score is not None else -1), -len(st.also), st.published, st.kb_id))
    return out


# -- weekly --------------------------------------------------------------------------

def weekly_rollup(label: str, articles: Iterable[Article], scores: Mapping[str, Score],
                  links: Mapping[str, Iterable[Link]], groups: Mapping[str, str], cfg: RollupConfig,
                  *, must_read: int, worth_reading: int, max_trends: int = MAX_TRENDS,
                  namer: TrendNamer | None = None) -> WeeklyRollup:
    """The week's digest; articles outside the week (in ``cfg.tz``) are ignored."""
    first, last = week_bounds(label, cfg)
    week = sorted((a for a in articles if first <= day_of(a.published, cfg) <= last),
                  key=lambda a: (_aware(a.published), a.kb_id))
    week = list({a.kb_id: a for a in week}.values())
    scored = [scores[a.kb_id].score for a in week if a.kb_id in scores]
    listed = stories(week, scores, groups)
    per_category: dict[str, list[int]] = {}
    for a in week:
        if a.kb_id in scores:
            per_category.setdefault(scores[a.kb_id].category, []).append(scores[a.kb_id].score)
    # "Other" is a last resort: it sorts last whatever its count
    categories = sorted((Count(c, len(v), round(sum(v) / len(v), 1)) for c, v in per_category.items()),
                        key=lambda c: (c.name == "Other", -c.count, c.name))
    per_source = Counter(a.source for a in week)
    sources = sorted((Count(s, n) for s, n in per_source.items()), key=lambda c: (-c.count, c.name))
    found = trends(listed, week, links, groups, max_trends)
    return WeeklyRollup(
        label=label, first=first, last=last, scanned=len(week),
        must_read=sum(1 for s in scored if s >= must_read),
        worth_reading=sum(1 for s in scored if worth_reading <= s < must_read),
        trends=tuple(_trends_of(namer, listed, found)),
        top=tuple(listed[:cfg.top_n]), categories=tuple(categories),
        sources=tuple(sources[:cfg.top_n]), kb_ids=tuple(a.kb_id for a in week), top_n=cfg.top_n)


def _trends_of(namer: TrendNamer | None, listed: list[Story], found: list[Trend]) -> list[Trend]:
    """The hook for Claude-written digests: its own themes when it writes them, else the offline groups named."""
    if namer is None:
        return found
    themes = getattr(namer, "themes", None)
    return themes(listed, found) if themes is not None else namer.name_trends(found)


def trends(listed: list[Story], week: list[Article], links: Mapping[str, Iterable[Link]],
           groups: Mapping[str, str], limit: int = MAX_TRENDS) -> list[Trend]:
    """Topic clusters of the week's stories (see the module docstring)."""
    head = {a.kb_id: groups.get(a.kb_id, a.kb_id) for a in week}
    story_of = {}
    for st in listed:
        story_of[head[st.kb_id]] = st.kb_id
    node = {k: story_of[g] for k, g in head.items()}   # article -> its story's lead
    weight: dict[tuple[str, str], float] = {}
    for src, lst in links.items():
        if src not in node:
            continue
        for x in lst:
            if x.dst not in node or node[x.dst] == node[src]:
                continue
            a, b = sorted((node[src], node[x.dst]))
            weight[a, b] = max(weight.get((a, b), 0.0), x.weight)
    clusters = _average_linkage(sorted(story_of.values()), weight, TREND_LINK)
    by_id = {st.kb_id: st for st in listed}
    rank = {st.kb_id: i for i, st in enumerate(listed)}
    titles = {a.kb_id: a.title for a in week}
    week_phrases = WeekPhrases(p for t in titles.values() for p in title_phrases(t))
    week_tags = Counter(t for st in listed for t in set(st.tags))
    found = []
    for members in clusters:
        if len(members) < 2:
            continue
        members = sorted(members, key=rank.__getitem__)
        group = [by_id[m] for m in members]
        per_story = [[titles[m], *(titles[x.kb_id] for x in by_id[m].also)] for m in members]
        name, description = name_trend(group, per_story, week_phrases, week_tags, len(titles))
        found.append(Trend(name=name, description=description, stories=tuple(group)))
    found.sort(key=lambda t: (-len(t.stories), -(t.stories[0].score or 0), t.stories[0].kb_id))
    # two trends of a week are never called alike: the smaller adds a name its stories give
    used: set[str] = set()
    for i, trend in enumerate(found[:limit]):
        name = distinct_name(trend.name, trend.stories, week_phrases, len(titles), used)
        used.add(name.casefold())
        if name != trend.name:
            found[i] = replace(trend, name=name)
    return found[:limit]


def _average_linkage(nodes: list[str], weight: Mapping[tuple[str, str], float],
                     threshold: float) -> list[list[str]]:
    """Agglomerative clustering over a sparse graph with a heap; deterministic.

    The best pair is the highest average link, ties by the smaller ids; a
    merged cluster keeps the smaller id, so cluster ids never depend on order.
    """
    members = {n: [n] for n in nodes}
    total: dict[str, dict[str, float]] = {n: {} for n in nodes}
    count: dict[str, dict[str, int]] = {n: {} for n in nodes}
    for (a, b), w in weight.items():
        total[a][b] = total[a].get(b, 0.0) + w
        total[b][a] = total[b].get(a, 0.0) + w
        count[a][b] = count[b][a] = 1
    version = dict.fromkeys(nodes, 0)
    heap = []
    for a in nodes:
        for b, w in total[a].items():
            if a < b and w >= threshold:
                heap.append((-w, a, b, 0, 0))
    heapq.heapify(heap)
    while heap:
        neg, a, b, va, vb = heapq.heappop(heap)
        if a not in members or b not in members or version[a] != va or version[b] != vb:
            continue  # stale: one side has merged since
        members[a] += members.pop(b)
        version[a] += 1
        linked = count.pop(b)
        for c, w in total.pop(b).items():
            total[c].pop(b, None)
            count[c].pop(b, None)
            if c != a:
                total[a][c] = total[a].get(c, 0.0) + w
                total[c][a] = total[c].get(a, 0.0) + w
                count[a][c] = count[c][a] = count[a].get(c, 0) + linked[c]
        total[a].pop(b, None)
        count[a].pop(b, None)
        for c, w in total[a].items():
            value = _linkage(w, count[a][c], len(members[a]), len(members[c]))
            if value >= threshold:
                x, y = (a, c) if a < c else (c, a)
                heapq.heappush(heap, (-value, x, y, version[x], version[y]))
    return [sorted(v) for _, v in sorted(members.items())]


def _linkage(total: float, linked: int, m: int, n: int) -> float:
    """How strongly two clusters of ``m`` and ``n`` stories hang together.

    Each article keeps only its few best links, so a missing link between
    two big clusters is mostly unknown, not zero: counting it as 0 split a
    five-article story (an outage told by the vendor, Microsoft, the press
    and a lawsuit) into pairs that each missed the week's trends. The
    average is taken over the links there are, once they are enough of
    them: at least the square root of all the pairs (2 for 2 x 2, 3 for
    3 x 3), so one stray link never joins two topics.
    """
    if linked < math.ceil(math.sqrt(m * n)):
        return total / (m * n)
    return total / linked


# -- daily ---------------------------------------------------------------------------

def daily_rollup(day: date, articles: Iterable[Article], scores: Mapping[str, Score],
                 groups: Mapping[str, str], cfg: RollupConfig, *, must_read: int = 85, worth_reading: int = 70,
                 category_order: Sequence[str] = ()) -> DailyRollup:
    """The day's stories by category, in the seed daily reports' shape.

    Categories come in a stable order: ``category_order`` (the configured
    categories), then any others by name, ``Other`` and ``Unscored`` last;
    stories best first within each, numbered through the day (1, 2, ...) with
    their local time. Counts: articles scanned and per tier; ``overview`` is
    one offline line on the day (see ``day_overview``).
    """
    today = sorted((a for a in articles if day_of(a.published, cfg) == day),
                   key=lambda a: (_aware(a.published), a.kb_id))
    today = list({a.kb_id: a for a in today}.values())
    listed = stories(today, scores, groups)
    by_category: dict[str, list[Story]] = {}
    for st in listed:
        by_category.setdefault(st.category, []).append(st)
    position = {name: i for i, name in enumerate(category_order)}
    ordered = sorted(by_category.items(), key=lambda kv: (
        kv[0] in ("Other", "Unscored"), kv[0] == "Unscored", position.get(kv[0], len(position)), kv[0]))
    items, number = [], 0
    for name, members in ordered:
        numbered = []
        for st in members:
            number += 1
            # a date without its time shows none (not "00:00", nor the hour UTC midnight is here)
            when = "" if dated_only(st.published) else in_zone(st.published, cfg.tz).strftime("%H:%M")
            numbered.append(DailyItem(number, when, st))
        items.append((name, tuple(numbered)))
    values = [scores[a.kb_id].score for a in today if a.kb_id in scores]
    return DailyRollup(day=day, scanned=len(today),
                       categories=tuple(DailyCategory(c, tuple(v)) for c, v in ordered),
                       kb_ids=tuple(a.kb_id for a in today),
                       must_read=sum(1 for v in values if v >= must_read),
                       worth_reading=sum(1 for v in values if worth_reading <= v < must_read),
                       overview=day_overview(listed, [c for c, _ in ordered], len(today)),
                       items=tuple(items))


def day_overview(listed: Sequence[Story], categories: Sequence[str], scanned: int) -> str:
    """One line on the day, offline: its biggest story (most sources, then score) and what led.

    In the language most of the day's titles are in (Chinese, Japanese, else English); a
    Claude-written overview may replace it.
    """
    if not listed:
        return ""
    biggest = min(listed, key=lambda st: (-len(st.also), -(st.score or 0), st.published, st.kb_id))
    counts = Counter(st.category for st in listed if st.category not in ("Other", "Unscored"))
    unfiled = len(listed) - sum(counts.values())
    lead = min(counts, key=lambda c: (-counts[c], categories.index(c) if c in categories else 99, c)) \
        if counts and scanned > 1 else None
    if lead is not None and (counts[lead] < 2 or counts[lead] < unfiled):
        # "most are on X" only of a category with two stories or more, and no fewer than those in
        # no category: not "of 28 articles, most are on Coding (1)" when 27 are in Other
        lead = None
    title = truncate(biggest.title, 90)
    others = len(biggest.also)
    lang = titles_language([st.title for st in listed])
    if lang == "zh":
        line = f"今天最大的新闻是《{title}》（{biggest.source}" + (f"等{others + 1}个来源" if others else "") + "）"
        return line + (f"；{scanned}篇文章中{lead}最多（{counts[lead]}篇）。" if lead else "。")
    if lang == "ja":
        line = f"今日いちばんのニュースは「{title}」（{biggest.source}" + (f"ほか{others}件" if others else "") + "）"
        return line + (f"。{scanned}件の記事のうち最も多いのは{lead}（{counts[lead]}件）。" if lead else "。")
    line = f"The biggest story is \u201c{title}\u201d ({biggest.source}" + \
        (f" and {others} more source{'s' if others > 1 else ''}" if others else "") + ")"
    return line + (f"; of {scanned} articles, most are on {lead} ({counts[lead]})." if lead else ".")
