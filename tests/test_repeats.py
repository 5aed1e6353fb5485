"""A feed's repeated lines (sponsor reads, "follow us" lines, a newsletter's sign-off) are no
summary and no key point, on a first sync and on every later day (``sync.scoring.repeats``)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from sync.scoring import extract
from sync.scoring.repeats import repeated_lines
from sync.targets.obsidian.yamlfm import loads_note
from tests.feedserver import FeedServer, Static
from tests.test_e2e import kbsync, notes

FOOTER = ("Follow Off Menu on Twitter and Instagram: @offmenuofficial.",
          "Watch Ed and James's YouTube series 'Just Puddings' on their channel.")
SPONSORS = ("- Squarespace: Make your next move. Use code ATP for 10% off your first order.",
            "- Betterment: Investing made better, with a year of management for free.")


def episode(n: int) -> str:
    """An episode's notes: its own two paragraphs, then what every episode says."""
    return "\n\n".join([f"Guest number {n} joins the dream restaurant to order a starter of soup {n}.",
                        f"They talk about the {n}th season of their show and a tour across {n} cities.",
                        *FOOTER, "\n".join(SPONSORS)])


def test_the_lines_a_feed_says_in_three_posts_are_its_boilerplate():
    keys = repeated_lines([episode(n) for n in range(1, 4)])
    assert keys == {extract.paragraph_key(line) for line in (*FOOTER, *SPONSORS)}
    assert repeated_lines([episode(1), episode(2)]) == frozenset()        # twice is no habit yet
    # an article quoting a line once is not boilerplate; a key is the line's letters and digits
    assert extract.paragraph_key("> **Follow** [Off Menu](https://x.io) on Twitter!") == "followoffmenuontwitter"


def test_the_summary_and_key_points_leave_the_feeds_repeated_lines_out():
    content = episode(7)
    skip = repeated_lines([episode(n) for n in range(1, 4)])
    # without: the sponsor list is read as the key points (a list of two items of prose or more)
    before = extract.key_points(content, "", "Ep 7", limit=5, chars=200)
    assert before[0].startswith("Squarespace")
    points = extract.key_points(content, "", "Ep 7", limit=5, chars=200, skip=skip)
    assert points == ("Guest number 7 joins the dream restaurant to order a starter of soup 7.",
                      "They talk about the 7th season of their show and a tour across 7 cities.")
    # a post that is nothing but the feed's lines has no summary rather than one of them
    assert extract.summary("", "\n\n".join(FOOTER), "Ep 8", 200, skip=skip) == ""
    # a list of sponsors: only the one the feed has not read before
    sponsors = "Our thanks to:\n\n" + "\n".join(SPONSORS) + "\n- Hover: Find a domain name for your passion today."
    assert extract.key_points(sponsors, "", "Ep 9", limit=5, chars=200, skip=skip) == (
        "Hover: Find a domain name for your passion today.",)


def essay(n: int) -> str:
    """A post whose site runs its banner into the first paragraph (Paul Graham's essays as a scraper
    gives them: "Want to start a startup? Get funded by Y Combinator. October 2006(This essay…")."""
    return (f"Want to start a startup?  Get funded by Y Combinator. October 20{n:02d}. Essay number {n} "
            f"argues that founders should talk to users {n} times a week.\n\n"
            f"The second paragraph of essay {n} says more about the users of startup number {n}.")


def test_sentences_a_feed_opens_or_closes_every_post_with_are_its_boilerplate_too():
    skip = repeated_lines([essay(n) for n in range(1, 4)])
    assert extract.paragraph_key("Want to start a startup?") in skip
    assert extract.paragraph_key("Get funded by Y Combinator.") in skip
    # without: the banner was every essay's summary; with: the essay's own first sentence
    assert extract.summary("", essay(7), "Essay 7", 200).startswith("Want to start a startup?")
    assert extract.summary("", essay(7), "Essay 7", 200, skip=skip) == \
        "Essay number 7 argues that founders should talk to users 7 times a week."
    # the feed's own summary is the same text: its banner goes too
    assert extract.summary(essay(7), essay(7), "Essay 7", 200, skip=skip).startswith("Essay number 7")
    # a sentence said in two posts is no habit; one in the middle of a post is no banner
    assert extract.paragraph_key("Want to start a startup?") not in repeated_lines([essay(1), essay(2)])
    middle = [f"Post {n} opens here. Then it goes on with point {n}. It makes point {n + 2}. We love our users. "
              f"It adds point {n + 1}. It asks about {n + 3}. It ends on {n}." for n in range(1, 6)]
    assert extract.paragraph_key("We love our users.") not in repeated_lines(middle)


def _rss(items: list[tuple[int, str]], start: datetime) -> bytes:
    body = "".join(
        f"<item><title>Ep {n}: Guest {n}</title><link>https://offmenu.example/ep/{n}</link>"
        f"<pubDate>{format_datetime(start + timedelta(days=n))}</pubDate>"
        f"<description><![CDATA[{html}]]></description></item>" for n, html in items)
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Off Menu</title>'
            f"<link>https://offmenu.example/</link>{body}</channel></rss>").encode()


def _html(n: int) -> str:
    return (f"<p>Guest number {n} joins the dream restaurant to order a starter of soup {n}.</p>"
            f"<p>They talk about the {n}th season of their show and a tour across {n} cities.</p>"
            + "".join(f"<p>{line}</p>" for line in FOOTER)
            + "<ul>" + "".join(f"<li>{line[2:]}</li>" for line in SPONSORS) + "</ul>")


def test_a_feeds_boilerplate_is_known_on_the_first_sync_and_on_each_later_day(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=20)
    with FeedServer() as server:
        url = server.add("/offmenu.xml", Static(_rss([(n, _html(n)) for n in range(1, 5)], start)))
        config = tmp_path / "config.toml"
        config.write_text(f'[vault]\npath = "vault"\n[scoring]\nbackend = "heuristic"\n[[feeds]]\nurl = "{url}"\n',
                          "utf-8")
        kbsync("sync", "--config", str(config))
        # the next day the feed brings one new episode: three of its lines are known from the store
        server.add("/offmenu.xml", Static(_rss([(n, _html(n)) for n in range(1, 6)], start)))
        kbsync("sync", "--config", str(config))
    written = [loads_note(p.read_text("utf-8")) for p in notes(tmp_path / "vault")]
    assert len(written) == 5
    for props, body in written:
        points = re.search(r"## Key points\n((?:- .*\n)+)", body)
        assert points is not None, body
        said = props["summary"] + points.group(1)
        assert "Follow Off Menu" not in said and "Squarespace" not in said, (props["title"], said)
        assert props["summary"].startswith("Guest number"), props
        assert "Follow Off Menu on Twitter" in body            # the article's text keeps them


def test_the_heuristic_claude_falls_back_to_knows_the_feeds_boilerplate_too(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from sync.cli import main
    from tests.claude_fixtures import ENV_NAMES
    from tests.fake_anthropic import FakeAnthropic

    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=20)
    with FeedServer() as server, FakeAnthropic(api_key="sk-ant-right") as fake:
        url = server.add("/offmenu.xml", Static(_rss([(n, _html(n)) for n in range(1, 5)], start)))
        config = tmp_path / "config.toml"
        config.write_text(f'[vault]\npath = "vault"\n[scoring]\nbackend = "claude"\n[[feeds]]\nurl = "{url}"\n',
                          "utf-8")
        # a wrong key: Claude is off for the run, every article is written with the heuristic
        result = CliRunner().invoke(main, ["sync", "--config", str(config)], catch_exceptions=False,
                                    env={"ANTHROPIC_API_KEY": "sk-ant-wrong", "ANTHROPIC_BASE_URL": fake.url})
        assert result.exit_code == 0, result.output
    written = [loads_note(p.read_text("utf-8")) for p in notes(tmp_path / "vault")]
    assert len(written) == 4
    for props, body in written:
        assert props["scored_by"].startswith("heuristic (claude failed"), props
        assert props["summary"].startswith("Guest number"), props
        assert "Squarespace" not in body.split("## Key points")[1].split("\n## ")[0], body


# --- openings: a scraped page's chrome run into each post's first sentence ---------------------
# (the texts are written for these tests after the quirks of real scraped feeds: an audio player's
# labels before Google's blog posts, "Key takeaways" before Amazon's news, a newsletter's name)

PLAYER = ("Your browser does not support the audio element. Listen to article This content is generated "
          "by Google AI. Generative AI is experimental [[duration]] minutes Voice Speed Voice Speed "
          "0.75X 1X 1.5X 2X")
LEADS = ["Gemini 3 Flash brings frontier reasoning to everyday tasks at a lower price.",
         "AI agents can now plan a multi-step task and carry it out under your oversight.",
         "When Gemma 3n came out, developers put it on phones in clinics and classrooms.",
         "True understanding of a language takes more than swapping one word for another.",
         "Today we are sharing the lessons of a year of vision research with Gemini.",
         "More than a thousand students joined our course on building agents."]


def _flat(lead: str, n: int) -> str:
    """A post flattened to one line, as a scraper gives it: lead, then more of its own text."""
    return f"{lead} It goes on with detail number {n} about the launch and what it changes for people."


def test_words_a_feed_runs_into_the_first_sentence_of_its_posts_are_its_opening():
    from sync.scoring.repeats import repeated_openings, without_opening

    plain = [_flat(f"Post {n} is about topic {n} and nothing else.", n) for n in range(14)]
    posts = [_flat(f"{PLAYER} {lead}", n) for n, lead in enumerate(LEADS)] + plain
    openings = repeated_openings(posts)
    # an audio player's labels, in 6 of 20 posts: long enough to be no sentence of the posts
    assert [" ".join(o) for o in openings] == [
        "your browser does not support the audio element listen to article this content is generated by google ai "
        "generative ai is experimental duration minutes voice speed voice speed 075x 1x 15x 2x"]
    assert without_opening(posts[1], openings).startswith("AI agents can now plan")
    assert without_opening(plain[0], openings) == plain[0]
    # the Markdown of the same post (brackets escaped) and its plain feed summary lose the same words
    assert without_opening(posts[2].replace("[[", r"\[\["), openings).startswith("When Gemma 3n")
    # a label most posts open with, with or without its colon ("Key takeaways", "News Highlights:")
    takeaways = [f"Key takeaways{':' * (n % 2)} {lead}" for n, lead in enumerate(LEADS)] + plain[:4]
    assert [" ".join(o) for o in repeated_openings(takeaways)] == ["key takeaways"]
    assert without_opening(takeaways[1], repeated_openings(takeaways)) == LEADS[1]
    assert repeated_openings(posts[:2] + plain) == ()       # twice is no habit yet


@pytest.mark.parametrize("opening", [
    "Introducing Claude",                 # a title's start some posts share: 5 of 30, two words
    "We show that",                       # ends in a word the sentence goes on from
    "Earlier this year,",                 # a lead-in of the post's own sentence
    "Ollama now supports the",            # idem
])
def test_a_sentence_start_some_posts_share_is_no_opening(opening):
    from sync.scoring.repeats import repeated_openings

    names = ["Opus", "Haiku", "Sonnet", "Code", "Teams", "Max", "Gov", "Edu"]
    posts = [_flat(f"{opening} {names[n]} {n} is here for everyone.", n) for n in range(5)]
    others = [_flat(f"Post {n} is about topic {n} and nothing else.", n) for n in range(25)]
    assert repeated_openings(posts + others) == ()
    if opening != "Introducing Claude":
        assert repeated_openings(posts) == ()             # every post: still the posts' own words


def test_a_sentence_with_a_slot_and_a_heading_every_post_has_are_no_opening():
    from sync.scoring.repeats import repeated_openings

    # QEMU's release notes: the same sentence around each version; the posts go on alike after it
    releases = [f"We'd like to announce the availability of the QEMU {v}.0 release. It has {v}00 commits."
                for v in range(5, 15)]
    assert repeated_openings(releases) == ()
    # a changelog's first heading, the same in every post, is a line of its own (``repeated_lines``)
    changes = [f"### Bug fixes and Improvements\n\n- Fixed crash number {n} on start" for n in range(6)]
    assert repeated_openings(changes) == ()
    assert extract.paragraph_key("### Bug fixes and Improvements") in repeated_lines(changes)


def test_the_scorer_reads_each_post_without_its_feeds_opening():
    from sync.config import ScoringConfig
    from sync.models import Article
    from sync.scoring.heuristic import HeuristicScorer
    from sync.scoring.repeats import Boilerplate, repeated_openings

    posts = [_flat(f"{PLAYER} {lead}", n) for n, lead in enumerate(LEADS)]
    published = datetime(2025, 12, 5, tzinfo=timezone.utc)
    article = Article(kb_id="g1", url="https://blog.example/g1", title="5 ways agents will change work",
                      source="Blog", published=published, content=posts[1], summary=posts[1])
    cfg = ScoringConfig(interests=[])
    before = HeuristicScorer(cfg).score_one(article)
    # without: the player's labels are the summary, and "Voice" tags every such post `speech`
    assert before.summary == "Your browser does not support the audio element."
    assert "speech" in before.tags
    boilerplate = {"Blog": Boilerplate(frozenset(), repeated_openings(posts))}
    after = HeuristicScorer(cfg, repeats=boilerplate).score_one(article)
    assert after.summary.startswith("AI agents can now plan a multi-step task")
    assert "speech" not in after.tags
    assert after.content_hash == article.content_hash               # the article itself is unchanged


def test_a_sync_leaves_the_feeds_opening_out_of_the_summary_and_keeps_it_in_the_note(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=20)
    # a scraped news page as one flat description: its "Key takeaways" box runs into the article
    items = [(n, f"Key takeaways {lead} {_flat('And more.', n)}") for n, lead in enumerate(LEADS)]
    with FeedServer() as server:
        url = server.add("/news.xml", Static(_rss(items, start)))
        config = tmp_path / "config.toml"
        config.write_text(f'[vault]\npath = "vault"\n[scoring]\nbackend = "heuristic"\n[[feeds]]\nurl = "{url}"\n',
                          "utf-8")
        kbsync("sync", "--config", str(config))
    written = [loads_note(p.read_text("utf-8")) for p in notes(tmp_path / "vault")]
    assert sorted(props["summary"] for props, _ in written) == sorted(LEADS)
    assert all("Key takeaways" in body for _, body in written)     # the article's text is the feed's
