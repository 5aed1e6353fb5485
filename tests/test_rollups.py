"""Rollups: week conventions and time zones, weekly and daily pages, trends, escaping."""

from __future__ import annotations

import html as _html
import re
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import mistune
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.config import WEEKDAYS, LinksConfig, RollupConfig
from sync.links import features as F
from sync.links import similarity as L
from sync.models import Article, Link, Score
from sync.pages.markdown import md, stars
from sync.rollups.digest import (
    Story,
    day_overview,
    daily_rollup,
    day_of,
    week_bounds,
    week_label,
    weekly_rollup,
)
from sync.rollups.render import render_daily, render_weekly
from sync.sources.parse import parse_feed

FEEDS = Path(__file__).resolve().parent.parent / "examples" / "feeds"
SEED_WEEK = RollupConfig(week_ends_on="friday")      # the seed digest's Saturday-Friday week


def link(kb_id: str) -> str:
    return f"[[{kb_id}|note {kb_id}]]"


def art(kb: str, title: str, source: str, when: datetime, summary: str = "") -> Article:
    return Article(kb_id=kb, url=f"https://example.com/{kb}", title=title, source=source,
                   published=when, summary=summary)


def score(kb: str, value: int, category: str = "AI/Tech", tags: tuple[str, ...] = ()) -> Score:
    return Score(kb_id=kb, content_hash="h", backend="test", score=value, tier="skim", category=category,
                 tags=tags, summary="")


# -- weeks and days -------------------------------------------------------------------------

def test_iso_week_by_default_and_the_seed_week_ending_friday():
    assert week_bounds("2026-W09", RollupConfig()) == (date(2026, 2, 23), date(2026, 3, 1))
    assert week_bounds("2026-W09", SEED_WEEK) == (date(2026, 2, 21), date(2026, 2, 27))
    assert week_label(datetime(2026, 2, 21, 9, tzinfo=timezone.utc), SEED_WEEK) == "2026-W09"
    assert week_label(datetime(2026, 2, 21, 9, tzinfo=timezone.utc), RollupConfig()) == "2026-W08"


def test_week_53_and_the_year_boundary():
    assert week_bounds("2026-W53", RollupConfig()) == (date(2026, 12, 28), date(2027, 1, 3))
    assert week_label(datetime(2027, 1, 2, tzinfo=timezone.utc), RollupConfig()) == "2026-W53"
    assert week_label(datetime(2024, 12, 30, tzinfo=timezone.utc), RollupConfig()) == "2025-W01"
    # a Saturday-Friday week that starts in December belongs to the year of its Friday
    assert week_label(datetime(2025, 12, 27, tzinfo=timezone.utc), SEED_WEEK) == "2026-W01"
    with pytest.raises(ValueError, match="no such ISO week"):
        week_bounds("2025-W53", RollupConfig())
    with pytest.raises(ValueError, match="YYYY-Www"):
        week_bounds("2026-9", RollupConfig())


def test_days_and_weeks_are_cut_in_the_configured_time_zone():
    moment = datetime(2026, 2, 27, 20, tzinfo=timezone.utc)            # Friday evening in UTC
    shanghai = replace(SEED_WEEK, timezone="Asia/Shanghai")            # already Saturday there
    assert day_of(moment, SEED_WEEK) == date(2026, 2, 27)
    assert day_of(moment, shanghai) == date(2026, 2, 28)
    assert week_label(moment, SEED_WEEK) == "2026-W09"
    assert week_label(moment, shanghai) == "2026-W10"
    assert day_of(datetime(2026, 2, 27, 20), SEED_WEEK) == date(2026, 2, 27)   # naive = UTC


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)), st.sampled_from(WEEKDAYS))
def test_every_day_lies_in_the_week_its_label_names(day: date, end: str):
    cfg = RollupConfig(week_ends_on=end)
    first, last = week_bounds(week_label(day, cfg), cfg)
    assert first <= day <= last
    assert (last - first).days == 6 and last.weekday() == cfg.week_end_weekday
    assert week_label(last, cfg) == f"{last.isocalendar()[0]}-W{last.isocalendar()[1]:02d}"


def test_stars_round_half_up():
    assert [stars(s) for s in (0, 9, 10, 49, 50, 90, 100)] == ["", "", "⭐", "⭐⭐", "⭐⭐⭐", "⭐⭐⭐⭐⭐", "⭐⭐⭐⭐⭐"]
    assert stars(None) == ""


# -- weekly --------------------------------------------------------------------------------

W = datetime(2026, 2, 23, 9, tzinfo=timezone.utc)
WEEK = [
    art("a1", "Adam/Muon退位！谷歌Magma：随机丢弃50%梯度却拿下LLM优化SOTA", "PaperAgent", W,
        "谷歌提出Magma优化器，随机丢弃梯度。"),
    art("a2", "Adam如何魔改Muon？融合正交与自适应，NAMO刷新LLM训练上限", "PaperWeekly", W + timedelta(days=1),
        "NAMO优化器融合Muon正交与Adam自适应。"),
    art("m1", "DeepMind：智能体越多越乱，Agent天花板出现了？", "机器之心", W + timedelta(hours=3)),
    art("m2", "DeepMind：智能体越多越乱，多智能体系统天花板", "量子位", W + timedelta(hours=9)),
    art("k1", "Google API Keys Weren't Secrets", "Simon Willison", W + timedelta(days=2)),
]
SCORES = {"a1": score("a1", 95), "a2": score("a2", 95, "AI 使用"), "m1": score("m1", 90),
          "m2": score("m2", 80), "k1": score("k1", 100)}
LINKS = {
    "a1": [Link("a1", "a2", 0.3, "similar (0.30)")], "a2": [Link("a2", "a1", 0.3, "similar (0.30)")],
    "m1": [Link("m1", "m2", 0.8, "same story", same_story=True)],
    "m2": [Link("m2", "m1", 0.8, "same story", same_story=True)],
}
GROUPS = {"m1": "m1", "m2": "m1"}


def weekly(articles=WEEK, scores=SCORES, links=LINKS, groups=GROUPS, cfg=RollupConfig()):
    return weekly_rollup("2026-W09", articles, scores, links, groups, cfg, must_read=90, worth_reading=70)


def test_weekly_counts_every_article_and_lists_a_story_once():
    r = weekly()
    assert (r.scanned, r.must_read, r.worth_reading) == (5, 4, 1)
    assert [s.kb_id for s in r.top] == ["k1", "a1", "a2", "m1"]
    assert [(a.kb_id, a.source) for a in r.top[3].also] == [("m2", "量子位")]
    assert [(c.name, c.count, c.average) for c in r.categories] == [("AI/Tech", 4, 91.2), ("AI 使用", 1, 95.0)]
    assert r.sources[0].count == 1 and len(r.sources) == 5


def test_weekly_trend_is_named_from_the_titles_in_their_language():
    r = weekly()
    assert len(r.trends) == 1
    trend = r.trends[0]
    assert [s.kb_id for s in trend.stories] == ["a1", "a2"]
    assert "Adam" in trend.name or "Muon" in trend.name
    assert "·" not in trend.name   # a phrase, not a join of words (issue 13)
    # the description says what the group covers (issue 13), not the lead's first sentence
    assert trend.description != "谷歌提出Magma优化器，随机丢弃梯度。"
    assert trend.description.startswith("本周2篇文章关注")
    assert "Magma" in trend.description and "NAMO" in trend.description
    assert "PaperAgent" in trend.description and "PaperWeekly" in trend.description


def test_weekly_page_has_the_seed_shape_and_links_only_through_the_callable():
    page = render_weekly(weekly(), link)
    assert page.startswith("# AI Weekly Digest — 2026-W09\n\n> 2026-02-23 to 2026-03-01\n")
    assert "> 5 articles scanned | 4 must read | 1 worth reading" in page
    for heading in ("## Trends This Week", "## Top 10", "## By Category", "## Top Sources"):
        assert heading in page
    assert "1. **100** [[k1|note k1]] — Simon Willison" in page
    assert "- also: [[m2|note m2]] — 量子位" in page
    assert "- **AI/Tech** — 4 articles, avg 91.2" in page
    assert set(re.findall(r"\[\[([^|\]]+)", page)) == {"k1", "a1", "a2", "m1", "m2"}
    assert page.count("[[m1|") == 1 + 0 and "](http" not in page


def test_weekly_with_zero_articles():
    r = weekly(articles=[])
    assert (r.scanned, r.top, r.trends, r.categories, r.sources) == (0, (), (), (), ())
    page = render_weekly(r, link)
    assert "> 0 articles scanned | 0 must read | 0 worth reading" in page
    assert "_No articles this week._" in page and "[[" not in page


def test_a_week_or_day_of_one_article_says_one_article():
    page = render_weekly(weekly(articles=WEEK[:1]), link)
    assert "> 1 article scanned | " in page
    from sync.rollups.digest import Story, day_overview

    story = Story(kb_id="k1", title="Only story", url=None, source="Src",
                  published=datetime(2026, 2, 23, 9, tzinfo=timezone.utc), score=80, stars="", category="Research",
                  tags=(), summary="")
    assert day_overview([story], ["Research"], 1) == "The biggest story is \u201cOnly story\u201d (Src)."
    assert day_overview([story, replace(story, kb_id="k2")], ["Research"], 2).endswith(
        "; of 2 articles, most are on Research (2).")


def test_articles_outside_the_week_are_ignored():
    late = art("late", "Next week", "X", datetime(2026, 3, 2, 1, tzinfo=timezone.utc))
    assert weekly(articles=WEEK + [late]).scanned == 5


def test_adding_an_unrelated_article_does_not_reshuffle_trends():
    base = weekly().trends
    other = art("zz", "A recipe for pasta", "Food Blog", W + timedelta(days=3), "Cook pasta.")
    more = weekly(articles=WEEK + [other], scores={**SCORES, "zz": score("zz", 99)}).trends
    assert more == base


def _feed_articles(*names: str) -> list[Article]:
    out = []
    for name in names:
        path = FEEDS / name
        feed = parse_feed(path.read_bytes(), feed_url=path.as_uri(), source=path.stem, headers={},
                          now=datetime(2026, 3, 1, tzinfo=timezone.utc))
        out += [Article(kb_id=e.kb_id, url=e.url, title=e.title, source=feed.title or path.stem,
                        published=e.published, content=e.content, summary=e.summary) for e in feed.entries]
    return list({a.kb_id: a for a in out}.values())   # an aggregator may carry another feed's post


def _week_of(articles: list[Article], label: str, cfg: RollupConfig):
    items = [a for a in articles if week_label(a.published, cfg) == label]
    result = L.compute_links((F.features(a, None) for a in articles), LinksConfig())
    scores = {a.kb_id: score(a.kb_id, 70 + i % 30) for i, a in enumerate(articles)}
    r = weekly_rollup(label, articles, scores, result, {}, cfg, must_read=85, worth_reading=70)
    return items, r


@pytest.mark.skipif(not FEEDS.exists(), reason="example feeds absent")
def test_a_chinese_only_week_names_its_trends_in_chinese():
    articles = _feed_articles("jiqizhixin.atom", "qbitai.xml", "xinzhiyuan.xml")
    label = week_label(datetime(2026, 2, 7, tzinfo=timezone.utc), RollupConfig())
    items, r = _week_of(articles, label, RollupConfig())
    assert r.scanned == len(items) > 5
    page = render_weekly(r, link)
    assert "## Top 10" in page
    for t in r.trends:
        assert re.search(r"[\u4e00-\u9fff]", t.name), t.name


@pytest.mark.skipif(not FEEDS.exists(), reason="example feeds absent")
def test_a_mixed_language_week_renders_every_article_once_in_top():
    articles = _feed_articles("simonwillison.xml", "jiqizhixin.atom", "paperweekly.json", "ai-daily.xml")
    label = week_label(datetime(2026, 2, 25, tzinfo=timezone.utc), SEED_WEEK)
    items, r = _week_of(articles, label, SEED_WEEK)
    assert r.scanned == len(items) > 5
    ids = [s.kb_id for s in r.top]
    assert len(ids) == len(set(ids)) <= 10
    assert [s.score for s in r.top] == sorted((s.score for s in r.top), reverse=True)
    assert sum(c.count for c in r.categories) == r.scanned


# -- daily ----------------------------------------------------------------------------------

def test_daily_groups_by_category_best_first_with_stars_and_also():
    day = W.date()
    extra = art("u1", "Unscored one", "X", W + timedelta(hours=1))
    r = daily_rollup(day, WEEK + [extra], SCORES, GROUPS, RollupConfig())
    assert r.scanned == 4
    assert [c.name for c in r.categories] == ["AI/Tech", "Unscored"]
    ai = r.categories[0].stories
    assert [s.kb_id for s in ai] == ["a1", "m1"] and ai[0].stars == "⭐⭐⭐⭐⭐"
    assert ai[1].also[0].kb_id == "m2"
    page = render_daily(r, link)
    assert page.startswith("# AI Daily — 2026-02-23\n")
    assert "### 1. [[a1|note a1]]" in page and "[original](https://example.com/a1)" in page
    assert "- also: [[m2|note m2]] — 量子位" in page


def test_daily_with_no_articles():
    r = daily_rollup(date(2026, 1, 1), WEEK, SCORES, {}, RollupConfig())
    assert r.scanned == 0 and "_No articles on this day._" in render_daily(r, link)


def test_hostile_text_cannot_break_the_page():
    bad = art("b1", "A [weird] | *title*", "Evil | Source [x]", W, "- starts like a list | with *stars*")
    bad = replace(bad, url="javascript:alert(1)")
    # the hostile summary is the scorer's: the digest shows the scorer's line (the feed's only when unscored)
    scores = {"b1": Score("b1", "h", "t", 77, "skim", "Cat|egory", ("ok-tag", "bad tag"), bad.summary)}
    page = render_daily(daily_rollup(W.date(), [bad], scores, {}, RollupConfig()), link)
    assert "javascript" not in page
    assert "Evil | Source [x]" in page and "## Cat|egory" in page     # nothing there would render otherwise
    assert "#ok-tag" in page and "#bad tag" not in page
    assert "> starts like a list | with stars" in page      # summaries are shown as plain text
    week = render_weekly(weekly_rollup("2026-W09", [bad], scores, {}, {}, RollupConfig(),
                                       must_read=90, worth_reading=70), link)
    assert "Evil | Source [x] (1)" in week


_RENDER = mistune.create_markdown(plugins=["strikethrough", "url"])
_WORDS = st.sampled_from(["a", "b", " ", "1.", "-", "#", "*", "_", "[", "]", "(", ")", "<", ">", "!", "`", "\\",
                          "&", ";", "=", "~", "$", "%", "|", " https://x.io/a_b?v=1_2 ", " www.q.com/x ", "&amp;"])


@settings(max_examples=500)
@given(st.one_of(st.text(max_size=60), st.lists(_WORDS, max_size=20).map("".join)))
def test_md_escape_keeps_one_line_and_renders_as_the_same_text(text: str):
    """A CommonMark parser (mistune, the one Notion blocks use) shows exactly the text back."""
    out = md(text)
    assert "\n" not in out
    html = _RENDER(out).strip()
    if not " ".join(text.split()):
        return
    assert html.startswith("<p>") and html.endswith("</p>"), html          # no list, heading, quote, rule
    inner = re.sub(r'<a href="[^"]*">(.*?)</a>', r"\1", html[3:-4])          # bare URLs autolink
    assert "<" not in inner                                                 # no emphasis, code, HTML
    assert _html.unescape(inner) == " ".join(text.split())
    # and nothing Obsidian reads on top of CommonMark: [[links]], ==highlights==, %%comments%%, #tags
    bare = re.sub(r"\\.", "\x00", out)   # escaped characters out of the way
    assert "[[" not in bare and "==" not in bare and "%%" not in bare
    # an Obsidian tag is "#" and tag characters, not all digits ("#1984" is none): only numbers stay bare
    assert all(m.group(1).isdigit() for m in re.finditer(r"(?:^|\s)#([\w/-]+)", bare)) and bare.count("$") < 2


def test_md_escape_defuses_line_starts():
    assert md("- item") == "\\- item" and md("1. first") == "1\\. first" and md("# head") == "\\# head"


def test_a_feed_summary_that_only_echoes_the_title_is_no_one_line_summary():
    from sync.pages.markdown import one_line

    echo = Article(kb_id="kb-e", url=None, title="Introducing ChatGPT agent: bridging research and action",
                   source="OpenAI", published=datetime(2025, 7, 3, tzinfo=timezone.utc), sources=("OpenAI",),
                   summary="Introducing ChatGPT agent: bridging research and action",
                   content="Introducing ChatGPT agent: bridging research and action\n\nRead more")
    assert one_line(echo, None) == ""
    told = replace(echo, summary="An agent that uses its own computer. It browses and runs code.")
    assert one_line(told, None) == "An agent that uses its own computer."


PHRASES = st.lists(st.sampled_from(["Gemini", "gemini", "Gemini CLI", "gemini cli", "Codex", "CODEX", "Muon",
                                    "智谱", "GLM-5", "glm-5"]), max_size=40)


@given(PHRASES, st.sampled_from(["Google Gemini CLI ships", "Codex and Muon", "GLM-5 from 智谱", "Nothing here"]))
def test_a_weeks_phrase_counts_folded_once_name_as_the_scan_did(phrases, title):
    from collections import Counter

    from sync.rollups.naming import WeekPhrases, _telling_phrase

    week, plain = WeekPhrases(phrases), Counter(phrases)
    for phrase in {p.casefold() for p in phrases} | {"absent"}:
        assert week.folded.get(phrase, 0) == sum(n for q, n in plain.items() if q.casefold() == phrase)
    assert _telling_phrase(title, week, len(phrases), "") == _telling_phrase(title, dict(plain), len(phrases), "")


def test_a_digest_shows_the_feeds_summary_only_for_an_unscored_article():
    """A scorer that found no summary (the feed's was boilerplate) leaves the line empty, as the
    note's ``summary`` is; an unscored article shows its feed's first sentence."""
    footer = art("r1", "A survey of quantization", "r/LocalLLaMA", W, "submitted by /u/quiet_gpu_fan [link] [comments]")
    told = art("r2", "Two cards for 70B", "r/LocalLLaMA", W, "The pair draws under 600 W. More below.")
    scores = {"r1": Score("r1", "h", "heuristic", 60, "skim", "Research", (), "")}
    page = render_daily(daily_rollup(W.date(), [footer, told], scores, {}, RollupConfig()), link)
    assert "submitted by" not in page
    assert "> The pair draws under 600 W." in page


def test_a_story_from_three_feeds_lists_each_other_source_on_its_own_line():
    # the line of an "also" ends in a block tag ({% endif %}) that trim_blocks took the newline of:
    # two others ran together on one line, one list item ("[original](…)- also: …")
    day = W.date()
    third = replace(art("m3", "DeepMind：多智能体的天花板", "新智元", W + timedelta(hours=10)),
                    url="https://example.com/m3")
    r = daily_rollup(day, WEEK + [third], {**SCORES, "m3": score("m3", 70)},
                     {**GROUPS, "m3": "m1"}, RollupConfig())
    page = render_daily(r, link)
    also = [line for line in page.splitlines() if "also:" in line]
    assert also == ["- also: [[m2|note m2]] — 量子位 · [original](https://example.com/m2)",
                    "- also: [[m3|note m3]] — 新智元 · [original](https://example.com/m3)"]
    html = mistune.html(page)
    assert html.count("<li>also: ") == 2
    # the list ends before the next story's heading, with a blank line between them
    assert "\n\n### " in page[page.index("- also: [[m3"):] or page.rstrip().endswith("example.com/m3)")


# titles of r/homelab posts (the shared corpus's atom_mediarss_reddit_1.xml) that the linker groups
HOMELAB = ["I need some ideas of what i can test out on my homelab", "Docker for Desktop or Other OS?",
           "Thoughts on my home server and potential upgrades?"]


def test_a_trend_is_never_named_after_a_function_word_or_an_everyday_one():
    from sync.links.features import STOP_WORDS
    from sync.rollups.naming import EVERYDAY, name_trend, trend_name
    from sync.links.background import word_frequency
    # the titles share "my" (two of three) and nothing telling: no shared phrase to name them by
    assert trend_name(HOMELAB, {}, 25) == ""
    assert trend_name(["What I need from my NAS", "I need a new rack for my NAS"], {}, 25) == "NAS"
    stories = [Story(kb_id=f"h{i}", title=t, url="", source="r/homelab", published=W, score=60, stars="",
                     category="Other", tags=(), summary="", also=(), tier="skim", key_points=())
               for i, t in enumerate(HOMELAB)]
    name, description = name_trend(stories, [[t] for t in HOMELAB], {}, {}, 25)
    assert name.casefold() not in STOP_WORDS and word_frequency(name) < EVERYDAY
    assert any(name in t for t in HOMELAB)
    assert description.startswith(f"3 articles on {name} this week") and description.endswith("from r/homelab.")
    # nothing named in any title: the lead's title, said so
    plain = [replace(s, title=t) for s, t in zip(stories, ["what should i buy next", "any advice on cables"])]
    name, description = name_trend(plain, [[s.title] for s in plain], {}, {}, 25)
    assert name == "what should i buy next"
    assert description == "2 related articles this week, led by \u201cwhat should i buy next\u201d, from r/homelab."


def test_a_day_mostly_in_no_category_names_no_leading_category():
    # a day of the shared corpus's feeds: one story in "Coding & dev tools", 27 in Other
    one = Story(kb_id="c1", title="Putting RDF to Work", url=None, source="A", score=63, stars="",
                published=datetime(2026, 2, 23, 9, tzinfo=timezone.utc), category="Coding & dev tools", tags=(),
                summary="")
    others = [replace(one, kb_id=f"o{i}", title=f"Other {i}", category="Other", score=60) for i in range(27)]
    assert day_overview([one, *others], [], 28) == "The biggest story is \u201cPutting RDF to Work\u201d (A)."
    two = [one, replace(one, kb_id="c2", title="RDF again")]
    assert day_overview([*two, *others[:2]], [], 4) == "The biggest story is \u201cPutting RDF to Work\u201d " \
                                                       "(A); of 4 articles, most are on Coding & dev tools (2)."
    assert "most are on" not in day_overview([*two, *others[:3]], [], 5)   # Other holds more


def test_every_story_of_a_day_ends_with_a_blank_line_whatever_it_shows():
    # a story with no tags, summary or other source ran into the next one's heading
    bare = [replace(art(f"b{i}", f"Bare story {i}", "X", W + timedelta(minutes=i)), url=None) for i in range(3)]
    tagged = art("t1", "Tagged story", "Y", W + timedelta(hours=1))
    scores = {a.kb_id: score(a.kb_id, 60) for a in bare} | {"t1": score("t1", 60, tags=("rdf",))}
    page = render_daily(daily_rollup(W.date(), [*bare, tagged], scores, {}, RollupConfig()), link)
    lines = page.splitlines()
    headings = [i for i, line in enumerate(lines) if line.startswith("### ")]
    assert len(headings) == 4 and all(lines[i - 1] == "" for i in headings)
    assert "\n\n\n" not in page


def test_a_runs_closing_line_says_one_article():
    from sync.pipeline import RunResult
    from sync.pipeline import headline
    assert RunResult(scanned=1, must_read=0, worth_reading=1).headline() == \
        "1 article scanned | 0 must read | 1 worth reading"
    assert headline(25, 0, 3) == "25 articles scanned | 0 must read | 3 worth reading"
