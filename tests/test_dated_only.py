"""A date a feed gives without its time ("2026-08-14", or a static site's "Fri, 14 Aug 2026
00:00:00 +0000") stays on its day in every time zone, and no page shows a time for it
(``models.in_zone``): as midnight UTC it was the evening before west of Greenwich and "08:00"
in Shanghai."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from sync.config import RollupConfig
from sync.models import Article, Score, dated_only, in_zone
from sync.pages.article import article_doc, path_values
from sync.rollups.digest import daily_rollup, day_of, week_label, weekly_rollup
from sync.rollups.pages import window
from sync.rollups.render import render_daily
from sync.sources.parse import parse_feed
from sync.store import Store
from sync.targets.notion.pages import article_doc as notion_doc

NEW_YORK, SHANGHAI = ZoneInfo("America/New_York"), ZoneInfo("Asia/Shanghai")
DAY = datetime(2026, 8, 14, tzinfo=timezone.utc)              # a Friday, as a date alone
TIMED = datetime(2026, 8, 14, 3, 30, tzinfo=timezone.utc)     # 23:30 the evening before in New York


def article(kb_id: str, when: datetime) -> Article:
    return Article(kb_id=kb_id, url=f"https://example.com/{kb_id}", title=f"Post {kb_id}", source="Blog",
                   published=when, content="Text.")


def score(kb_id: str) -> Score:
    return Score(kb_id=kb_id, content_hash="h", backend="heuristic", score=70, tier="worth-reading",
                 category="Research", tags=(), summary="A summary.")


def test_what_a_date_alone_and_a_midnight_utc_read_as():
    rss = (b'<rss version="2.0"><channel><title>T</title><item><title>a</title><link>https://e.com/a</link>'
           b'<pubDate>Fri, 14 Aug 2026 00:00:00 +0000</pubDate></item></channel></rss>')
    atom = (b'<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><entry><title>b</title>'
            b'<link href="https://e.com/b"/><id>b</id><updated>2026-08-14</updated></entry></feed>')
    for body in (rss, atom):
        entry = parse_feed(body, feed_url="https://e.com/feed", source="T", now=datetime(2026, 9, 1, tzinfo=timezone.utc)).entries[0]
        assert entry.published == DAY and dated_only(entry.published)
    assert not dated_only(TIMED) and not dated_only(datetime(2026, 8, 14, 0, 0, 1, tzinfo=timezone.utc))
    # midnight somewhere else is a time: it is not midnight UTC
    assert not dated_only(datetime(2026, 8, 14, tzinfo=NEW_YORK))
    assert dated_only(datetime(2026, 8, 14))                   # naive: UTC


@pytest.mark.parametrize("tz", [NEW_YORK, SHANGHAI, timezone.utc, ZoneInfo("Pacific/Kiritimati")])
def test_a_date_alone_stays_on_its_day_and_a_moment_moves_with_the_zone(tz):
    assert in_zone(DAY, tz) == datetime(2026, 8, 14, tzinfo=tz)
    cfg = replace(RollupConfig(), timezone=tz.key if hasattr(tz, "key") else "UTC")
    assert day_of(DAY, cfg) == date(2026, 8, 14) and week_label(DAY, cfg) == "2026-W33"
    assert in_zone(TIMED, tz) == TIMED.astimezone(tz)
    assert day_of(TIMED, replace(RollupConfig(), timezone="America/New_York")) == date(2026, 8, 13)


def test_the_note_and_its_path_keep_the_date_and_show_no_time():
    a, s = article("k1", DAY), score("k1")
    doc = article_doc(a, s, related=[], week="2026-W33", tz=NEW_YORK)
    assert doc.props["published"] == datetime(2026, 8, 14, 0, 0)
    assert "· [Blog](https://example.com/k1) · 2026-08-14\n" in doc.region
    assert path_values(a, s, NEW_YORK)["published"] == datetime(2026, 8, 14, 0, 0)
    timed = article_doc(article("k2", TIMED), score("k2"), related=[], week="2026-W33", tz=NEW_YORK)
    assert "· [Blog](https://example.com/k2) · 2026-08-13 23:30\n" in timed.region


def test_the_daily_page_lists_it_on_its_day_without_a_time():
    cfg = replace(RollupConfig(), timezone="America/New_York")
    articles = [article("d1", DAY), article("t1", TIMED)]
    scores = {k: score(k) for k in ("d1", "t1")}
    friday = daily_rollup(date(2026, 8, 14), articles, scores, {}, cfg)
    assert [st.kb_id for c in friday.categories for st in c.stories] == ["d1"]
    page = render_daily(friday, lambda k: f"[[{k}]]")
    line = next(line for line in page.splitlines() if "**70**" in line)
    assert line == "⭐⭐⭐⭐ **70** · Blog · [original](https://example.com/d1)", line
    thursday = render_daily(daily_rollup(date(2026, 8, 13), articles, scores, {}, cfg), lambda k: f"[[{k}]]")
    assert "· Blog · 23:30 · [original](https://example.com/t1)" in thursday
    # the week (Monday 10 to Sunday 16 August) holds both
    week = weekly_rollup("2026-W33", articles, scores, {}, {}, cfg, must_read=85, worth_reading=70)
    assert week.scanned == 2


def test_the_window_of_a_digest_reads_a_date_on_its_first_and_last_day(tmp_path):
    now = datetime(2026, 9, 1, tzinfo=timezone.utc)
    first = article("first", datetime(2026, 8, 10, tzinfo=timezone.utc))      # Monday, a date alone
    last = article("last", datetime(2026, 8, 16, tzinfo=timezone.utc))        # Sunday, a date alone
    after = article("after", datetime(2026, 8, 17, tzinfo=timezone.utc))      # next Monday
    late = article("late", datetime(2026, 8, 17, 3, tzinfo=timezone.utc))     # Sunday 23:00 in New York
    with Store(tmp_path / "state.db") as store:
        store.save_articles([first, last, after, late], [], now)
        store.save_scores([score(a.kb_id) for a in (first, last, after, late)], now)
        articles, _ = window(store, date(2026, 8, 10), date(2026, 8, 16), NEW_YORK)
    assert sorted(a.kb_id for a in articles) == ["first", "last", "late"]


def test_notion_gets_a_date_for_a_date_and_a_date_and_time_for_a_moment():
    dated = notion_doc(article("n1", DAY), score("n1"), related=[], tz=NEW_YORK, owned=["Name"])
    assert dated.props["Published"] == {"start": "2026-08-14", "end": None}
    timed = notion_doc(article("n2", TIMED), score("n2"), related=[], tz=NEW_YORK, owned=["Name"])
    assert timed.props["Published"] == {"start": "2026-08-13T23:30:00-04:00", "end": None}
