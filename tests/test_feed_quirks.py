"""Issue 12.2 and 12.3: parse what feedparser parses; feeds are named as people know them.

Each reproduction of the issue is a test here: a stray ``<!DOCTYPE html>`` in a
valid Atom feed, an empty ``content:encoded`` before a real description, a
JSON Feed whose ``content_html`` is escaped twice, a feed cut off halfway
(stored as far as parsed, a warning, never "last ok"), a scheme-less link,
and feeds without a ``name`` (called by their own title, uniquely).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

from sync.config import FeedConfig
from sync.sources.names import FeedNamer, feed_names
from sync.sources.parse import parse_feed
from sync.targets.obsidian.yamlfm import loads_note
from tests.feedserver import FeedServer, Static
from tests.test_e2e import ROOT, kbsync, notes

NOW = datetime(2026, 2, 7, tzinfo=timezone.utc)
EXAMPLE = (ROOT / "examples" / "feeds" / "qbitai.xml").read_bytes()


def parse(body: bytes, url: str = "https://news.example/feed"):
    return parse_feed(body, feed_url=url, source="Quirks", now=NOW)


ATOM_WITH_DOCTYPE = b"""<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE html>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Doctype Blog</title>
<link href="https://blog.example/"/><id>urn:x</id><updated>2026-02-06T10:00:00Z</updated>
<entry><title>First post</title><link href="https://blog.example/1"/><id>urn:1</id>
<updated>2026-02-06T10:00:00Z</updated><content type="html">&lt;p&gt;Hello there, reader.&lt;/p&gt;</content></entry>
<entry><title>Second post</title><link href="https://blog.example/2"/><id>urn:2</id>
<updated>2026-02-05T10:00:00Z</updated><summary>Short one.</summary></entry>
</feed>"""


def test_a_valid_atom_feed_with_a_stray_html_doctype_is_read():
    result = parse(ATOM_WITH_DOCTYPE)
    assert result.error is None and [e.title for e in result.entries] == ["First post", "Second post"]
    assert result.title == "Doctype Blog"


def test_an_html_page_is_still_named_as_one():
    result = parse(b"<!DOCTYPE html><html><head><title>Home</title></head><body><p>Hi</p></body></html>")
    assert result.error == "not a feed: looks like an HTML page" and result.entries == []


def test_an_empty_content_encoded_does_not_hide_the_description():
    body = b"""<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
    <channel><title>News</title><link>https://news.example/</link>
    <item><title>Story</title><link>https://news.example/story</link>
    <description>&lt;p&gt;The council voted on Tuesday to fund the new bridge.&lt;/p&gt;</description>
    <content:encoded><![CDATA[]]></content:encoded></item>
    <item><title>Other</title><link>https://news.example/other</link>
    <description>Plain words here.</description><content:encoded>  <![CDATA[<p> </p>]]></content:encoded></item>
    </channel></rss>"""
    story, other = parse(body).entries
    assert story.content == "The council voted on Tuesday to fund the new bridge."
    assert other.content == "Plain words here."


def test_a_double_escaped_json_feed_body_gives_way_to_its_clean_text():
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": "JSON News",
            "items": [{"id": "1", "url": "https://json.example/1", "title": "One",
                       "content_html": "&lt;p&gt;Escaped &lt;b&gt;twice&lt;/b&gt;.&lt;/p&gt;",
                       "content_text": "Escaped twice, and clean here."},
                      {"id": "2", "url": "https://json.example/2", "title": "Two",
                       "content_html": "&lt;p&gt;Only the &lt;em&gt;escaped&lt;/em&gt; one.&lt;/p&gt;"}]}
    one, two = parse(json.dumps(feed).encode()).entries
    assert one.content == "Escaped twice, and clean here."
    assert "<" not in two.content and "\\" not in two.content and "Only the" in two.content


def test_a_scheme_less_link_is_not_doubled_under_the_feed_address():
    body = b"""<rss version="2.0"><channel><title>T</title><link>https://example.org/</link>
    <item><title>A</title><link>example.org/x</link></item>
    <item><title>B</title><link>post/2.html</link></item></channel></rss>"""
    a, b = parse(body, "https://example.org/feed.xml").entries
    assert a.url == "https://example.org/x"
    assert b.url == "https://example.org/post/2.html"


def test_a_truncated_feed_keeps_what_parsed_and_warns():
    result = parse(EXAMPLE[:len(EXAMPLE) // 2])
    assert result.error is None and result.warning and "read in part" in result.warning
    assert len(result.entries) >= 3


def test_status_says_last_ok_only_for_a_feed_that_fetched_and_parsed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with FeedServer() as server:
        server.add("/cut.xml", Static(EXAMPLE[:len(EXAMPLE) // 2].replace(b"www.qbitai.com", b"cut.example")))
        server.add("/junk.xml", Static(b"<rss><channel><item>&&&<<<"))
        server.add("/good.xml", Static(EXAMPLE))
        config = tmp_path / "config.toml"
        config.write_text('[vault]\npath = "vault"\n[scoring]\nbackend = "heuristic"\n' + "".join(
            f'[[feeds]]\nurl = "{server.url(p)}"\nname = "{p[1:-4]}"\n' for p in ("/cut.xml", "/junk.xml", "/good.xml")))
        out = kbsync("sync", "--config", str(config)).output
    assert len(notes(tmp_path / "vault")) >= 8 + 3    # the cut feed's first half is stored too
    status = kbsync("status", "--config", str(config)).output
    lines = {line.split(":")[0].strip(): line for line in status.splitlines() if line.startswith("  ")}
    assert "last ok never" in lines["cut"] and "read in part" in lines["cut"]
    assert "last ok never" in lines["junk"] and "last error" in lines["junk"]
    assert "last ok never" not in lines["good"] and "error" not in lines["good"]
    assert "warning" in out or "read in part" in out


# -- names ------------------------------------------------------------------------
def _feed(url: str, name: str | None = None) -> FeedConfig:
    host = url.split("//", 1)[-1].split("/", 1)[0]
    return FeedConfig(url=url, name=name or host, explicit_name=name is not None)


def test_feeds_without_a_name_are_called_by_their_title_uniquely():
    feeds = [_feed("https://github.com/a/releases.atom"), _feed("https://github.com/b/releases.atom"),
             _feed("https://github.com/c/releases.atom"), _feed("http://127.0.0.1:8080/x.xml"),
             _feed("https://blog.example/feed", "Release notes from github.com")]
    titles = {feeds[0].url: "Release notes from a", feeds[1].url: "Releases", feeds[2].url: "Releases"}
    names = feed_names(feeds, titles)
    assert [names[f.url] for f in feeds] == [
        "Release notes from a", "Releases", "Releases (github.com)", "127.0.0.1:8080",
        "Release notes from github.com"]
    assert len({n.casefold() for n in names.values()}) == len(feeds)


def test_a_title_that_describes_the_site_gives_the_name_before_the_description():
    # notes said "source: Engadget is a web magazine with obsessive daily coverage of everything new in…"
    titles = ["Engadget is a web magazine with obsessive daily coverage of everything new in gadgets",
              "www.telegraph.co.uk for the latest news from the UK and around the world.",
              "HuffPost - Breaking News, U.S. and World News", "BBC News - World", "BBC News - Technology",
              "Off Menu with Ed Gamble and James Acaster"]
    feeds = [_feed(f"https://site{i}.example/feed") for i in range(len(titles))]
    names = feed_names(feeds, {f.url: t for f, t in zip(feeds, titles)})
    assert [names[f.url] for f in feeds] == ["Engadget", "www.telegraph.co.uk", "HuffPost", "BBC News - World",
                                             "BBC News - Technology", "Off Menu with Ed Gamble and James Acaster"]


def test_a_title_that_names_only_a_kind_of_page_gives_the_host():
    # a Hugo site whose home page is titled "Home": digests said "— Home" after each of its posts
    titles = ["Home", "Blog", "RSS Feed", "Home Assistant", "The Blog of Ana"]
    feeds = [_feed(f"https://site{i}.example/index.xml") for i in range(len(titles))]
    names = feed_names(feeds, {f.url: t for f, t in zip(feeds, titles)})
    assert [names[f.url] for f in feeds] == ["site0.example", "site1.example", "site2.example", "Home Assistant",
                                             "The Blog of Ana"]


def test_feeds_named_one_at_a_time_as_their_titles_arrive_get_the_same_names():
    # the sync names each feed as soon as it is parsed (FeedNamer), before later feeds are read
    feeds = [_feed("https://github.com/a/releases.atom"), _feed("https://blog.example/feed", "Releases"),
             _feed("https://github.com/b/releases.atom"), _feed("https://github.com/c/releases.atom"),
             _feed("https://github.com/d/releases.atom"), _feed("http://127.0.0.1:8080/x.xml"),
             _feed("https://github.com/e/releases.atom", "Changelog")]
    stored = {feeds[2].url: "Old title", feeds[3].url: "Releases", feeds[5].url: "Kept"}
    fresh = {feeds[0].url: "Releases", feeds[2].url: "Releases", feeds[4].url: "Changelog"}
    everything = feed_names(feeds, {**stored, **fresh})
    namer = FeedNamer(feeds, stored)
    # fetched feeds bring their new title; the others (not due, failed) keep the stored one
    one_by_one = {f.url: namer.name(f.url, fresh.get(f.url)) for f in feeds}
    assert one_by_one == everything
    assert [everything[f.url] for f in feeds] == [
        "Releases (github.com)", "Releases", "Releases (github.com) 2", "Releases (github.com) 3",
        "Changelog (github.com)", "Kept", "Changelog"]
    assert FeedNamer(feeds, stored).name("https://not.configured/feed") is None


def test_a_synced_feed_without_a_name_shows_its_title_in_notes_and_status(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with FeedServer() as server:
        server.add("/one.xml", Static(ATOM_WITH_DOCTYPE, content_type="application/atom+xml"))
        server.add("/two.xml", Static(ATOM_WITH_DOCTYPE.replace(b"blog.example", b"blog2.example"),
                                      content_type="application/atom+xml"))
        config = tmp_path / "config.toml"
        config.write_text('[vault]\npath = "vault"\n[scoring]\nbackend = "heuristic"\n'
                          f'[[feeds]]\nurl = "{server.url("/one.xml")}"\n'
                          f'[[feeds]]\nurl = "{server.url("/two.xml")}"\n')
        kbsync("sync", "--config", str(config))
        sources = {loads_note(p.read_text("utf-8"))[0]["source"] for p in notes(tmp_path / "vault")}
        assert sources == {"Doctype Blog", f"Doctype Blog ({server.url('/').split('//')[1].rstrip('/')})"}
        before = {p: p.read_bytes() for p in notes(tmp_path / "vault")}
        kbsync("sync", "--config", str(config))
        assert {p: p.read_bytes() for p in notes(tmp_path / "vault")} == before
    status = kbsync("status", "--config", str(config)).output
    assert "  Doctype Blog: last ok 2" in status
