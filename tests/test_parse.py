"""parse_feed: fetched bytes -> Entry records or Rejects with a reason."""

from __future__ import annotations

import html
import json
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.models import Entry, stable_id
from sync.sources.parse import ParsedFeed, parse_feed

NOW = datetime(2026, 2, 7, 12, 0, tzinfo=timezone.utc)
FEED_URL = "https://example.com/feed.xml"


def parse(body: bytes | str, headers=None, feed_url: str = FEED_URL) -> ParsedFeed:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return parse_feed(data, feed_url=feed_url, source="Example", headers=headers, now=NOW)


def rss(items: str, channel: str = "<title>Example</title><link>https://example.com/</link>",
        encoding: str = "utf-8") -> str:
    return (f'<?xml version="1.0" encoding="{encoding}"?>'
            '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"'
            ' xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"<channel>{channel}{items}</channel></rss>")


def only_entry(result: ParsedFeed) -> Entry:
    assert result.error is None, result.error
    assert len(result.entries) == 1, (result.entries, result.rejects)
    return result.entries[0]


# --- formats -----------------------------------------------------------------

def test_rss2_entry_is_fully_normalised():
    result = parse(rss(
        "<item><title>GPT-5 &amp; friends</title>"
        "<link>/posts/gpt5?utm_source=rss&amp;utm_medium=feed</link>"
        "<guid isPermaLink='false'>post-42</guid>"
        "<pubDate>Thu, 05 Feb 2026 09:30:00 +0100</pubDate>"
        "<author>jane@example.com (Jane Doe)</author>"
        "<category>AI</category><category> LLM </category><category>ai</category>"
        "<description>&lt;p&gt;Short &lt;b&gt;summary&lt;/b&gt;.&lt;/p&gt;</description>"
        "<content:encoded><![CDATA[<p>Full <a href='/docs'>body</a>"
        "<script>alert(1)</script></p>]]></content:encoded></item>",
        channel="<title>Example &amp; Co</title><link>https://example.com/</link><language>en-US</language>"))
    entry = only_entry(result)
    assert result.title == "Example & Co" and result.link == "https://example.com/"
    assert entry.url == "https://example.com/posts/gpt5"
    assert entry.kb_id == stable_id("https://example.com/posts/gpt5")
    assert entry.title == "GPT-5 & friends"
    assert entry.published == datetime(2026, 2, 5, 8, 30, tzinfo=timezone.utc)
    assert entry.published_from == "published"
    assert entry.updated is None
    assert entry.entry_id == "post-42"
    assert entry.author == "Jane Doe"
    assert entry.categories == ("AI", "LLM")
    assert entry.language == "en-us"
    assert entry.summary == "Short summary."
    assert entry.content == "Full [body](https://example.com/docs)"
    assert entry.source == "Example" and entry.feed_url == FEED_URL


def test_atom_with_xml_base_updated_only_and_html_title():
    atom = """<?xml version="1.0" encoding="utf-8"?>
    <feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN" xml:base="https://blog.example.org/zh/">
      <title>博客</title><link href="/"/><id>urn:x</id><updated>2026-02-01T00:00:00Z</updated>
      <entry>
        <title type="html">&lt;b&gt;大模型&lt;/b&gt; 推理</title>
        <link rel="alternate" href="posts/1"/>
        <id>tag:blog.example.org,2026:1</id>
        <updated>2026-02-03T10:00:00+08:00</updated>
        <author><name>李雷</name></author>
        <category term="推理"/>
        <content type="html">&lt;p&gt;见 &lt;a href="refs.html"&gt;参考&lt;/a&gt;&lt;/p&gt;</content>
      </entry>
    </feed>"""
    entry = only_entry(parse(atom))
    assert entry.url == "https://blog.example.org/zh/posts/1"
    assert entry.title == "大模型 推理"
    assert entry.published == datetime(2026, 2, 3, 2, 0, tzinfo=timezone.utc)
    assert entry.published_from == "updated"
    assert entry.updated == entry.published
    assert entry.author == "李雷"
    assert entry.categories == ("推理",)
    assert entry.language == "zh-cn"
    assert entry.content == "见 [参考](https://blog.example.org/zh/refs.html)"


def test_a_category_term_that_is_an_address_gives_way_to_its_label():
    # GData (Google Docs, Blogger, old YouTube) identifies a category by a URI and names it in the label
    atom = """<feed xmlns="http://www.w3.org/2005/Atom"><title>Docs</title><id>urn:d</id>
      <entry><title>Budget</title><link href="https://docs.example.com/d/1"/><id>urn:1</id>
        <updated>2026-02-03T10:00:00Z</updated>
        <category scheme="http://schemas.google.com/g/2005#kind" term="http://schemas.google.com/docs/2007#pdf" label="pdf"/>
        <category scheme="http://schemas.google.com/g/2005/labels" term="http://schemas.google.com/g/2005/labels#starred" label="starred"/>
        <category scheme="http://gdata.youtube.com/schemas/2007/categories.cat" term="urn:x-kind:video"/>
        <category scheme="http://schemas.google.com/g/2005#kind" term="https://schemas.example.com/2007#video"/>
        <category scheme="http://www.blogger.com/atom/ns#" term="Machine Learning" label="ML"/>
      </entry></feed>"""
    assert only_entry(parse(atom)).categories == ("pdf", "starred", "Machine Learning")


def test_a_hosts_footer_leaves_the_feeds_summary():
    # Acast's privacy line filed a comedy podcast under Safety & policy; WordPress's "The post … appeared
    # first on …" and Omny's line were the end of every summary of their feeds
    descriptions = [
        "Ed and James open the restaurant.<br /><hr><p style='color:grey;'> Hosted on Acast. See "
        "<a href='https://acast.com/privacy'>acast.com/privacy</a> for more information.</p>",
        "<p>We ship it.</p><p>The post <a href='https://b.example.com/x'>Big news</a> appeared first "
        "on <a href='https://b.example.com'>Daily</a>.</p>",
        "A talk. See omnystudio.com/listener for privacy information.",
        "Privacy is the theme of this episode."]
    items = "".join(f"<item><title>Ep {i}</title><link>https://pod.example.com/{i}</link>"
                    f"<description><![CDATA[{d}]]></description></item>" for i, d in enumerate(descriptions))
    result = parse(f"<rss version='2.0'><channel><title>P</title>{items}</channel></rss>")
    assert [e.summary for e in result.entries] == ["Ed and James open the restaurant.", "We ship it.", "A talk.",
                                                   "Privacy is the theme of this episode."]


def _json_feed(version: str, items: list, **extra) -> bytes:
    doc = {"version": f"https://jsonfeed.org/version/{version}", "title": "JF",
           "home_page_url": "https://jf.example.com/", "items": items, **extra}
    return json.dumps(doc).encode()


def test_json_feed_1_0_with_relative_links():
    body = _json_feed("1", [{
        "id": "1", "url": "/2026/02/hello", "title": "Hello",
        "content_html": "<p>See <a href='/about'>about</a></p>",
        "summary": "A greeting", "date_published": "2026-02-06T08:00:00-05:00",
        "author": {"name": "Ann"}, "tags": ["intro", "Intro", "meta"],
    }])
    result = parse(body, feed_url="https://jf.example.com/feed.json")
    entry = only_entry(result)
    assert result.title == "JF" and result.link == "https://jf.example.com/"
    assert entry.url == "https://jf.example.com/2026/02/hello"
    assert entry.title == "Hello"
    assert entry.published == datetime(2026, 2, 6, 13, 0, tzinfo=timezone.utc)
    assert entry.author == "Ann"
    assert entry.categories == ("intro", "meta")
    assert entry.summary == "A greeting"
    assert entry.content == "See [about](https://jf.example.com/about)"


def test_json_feed_1_1_authors_language_and_plain_text_content():
    body = _json_feed("1.1", [{
        "id": 7, "url": "https://jf.example.com/p/7", "title": "Seven",
        "content_text": "Plain *text* with <tags> & more",
        "date_modified": "2026-02-05T00:00:00Z",
        "authors": [{"name": "A"}, {"name": "B"}], "language": "en-GB",
    }], language="fr")
    entry = only_entry(parse(body))
    assert entry.entry_id == "7"
    assert entry.author == "A, B"
    assert entry.language == "en-gb"
    assert entry.published_from == "updated"
    assert entry.content == "Plain \\*text\\* with \\<tags> & more"   # shows the same text, not italics


def test_json_feed_with_bom_and_bad_items():
    body = b"\xef\xbb\xbf" + _json_feed("1.1", ["not an object", {"title": "ok"}])
    result = parse(body)
    assert [e.title for e in result.entries] == ["ok"]
    assert [r.reason for r in result.rejects] == ["no link and no title"]


def test_json_lone_surrogates_do_not_reach_the_records():
    body = b'{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "1", "title": "bad \\ud800 char", "content_text": "x\\udfff"}]}'
    entry = only_entry(parse(body))
    assert entry.title == "bad \ufffd char"
    assert entry.content == "x\ufffd"


# --- dates -------------------------------------------------------------------

def _dated(extra: str) -> Entry:
    return only_entry(parse(rss(f"<item><title>t</title><link>https://example.com/a</link>{extra}</item>")))


def test_date_falls_back_to_updated_then_first_seen():
    entry = _dated("<dc:date>2026-01-02T03:04:05Z</dc:date>")
    assert (entry.published, entry.published_from) == (datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc), "updated")
    entry = _dated("")
    assert (entry.published, entry.published_from) == (NOW, "first_seen")


@pytest.mark.parametrize("date", [
    "Thu, 01 Jan 1970 00:00:00 GMT",          # the epoch: a default, not a date
    "Mon, 01 Jan 2035 00:00:00 GMT",          # years ahead
    "not a date at all",
    "",
])
def test_absurd_or_bad_dates_count_as_missing(date):
    entry = _dated(f"<pubDate>{date}</pubDate>")
    assert entry.published == NOW and entry.published_from == "first_seen"


def test_slightly_future_date_is_kept_and_always_utc():
    soon = (NOW + timedelta(hours=20)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    entry = _dated(f"<pubDate>{soon}</pubDate>")
    assert entry.published == NOW + timedelta(hours=20)
    assert entry.published.utcoffset() == timedelta(0)


def test_naive_now_is_taken_as_utc():
    result = parse_feed(rss("<item><title>t</title></item>").encode(), feed_url=FEED_URL,
                        source="s", now=datetime(2026, 2, 7, 12, 0))
    assert result.entries[0].published == NOW


# --- links, titles, ids ---------------------------------------------------------

def test_entry_without_link_and_title_is_rejected_with_reason():
    result = parse(rss("<item><description>orphan text</description><guid isPermaLink='false'>g-1</guid></item>"
                       "<item><title>kept</title></item>"))
    assert [e.title for e in result.entries] == ["kept"]
    assert len(result.rejects) == 1
    reject = result.rejects[0]
    assert reject.reason == "no link and no title"
    assert reject.ref == "g-1" and reject.feed_url == FEED_URL


def test_title_without_link_is_kept_with_feed_scoped_id():
    result = parse(rss("<item><title>No link here</title><guid isPermaLink='false'>abc</guid></item>"
                       "<item><title>Nor here</title></item>"))
    first, second = result.entries
    assert first.url is None and first.kb_id == stable_id(FEED_URL, "abc")
    assert second.url is None and second.kb_id == stable_id(FEED_URL, "Nor here")


def test_unusable_link_does_not_count_as_a_link():
    result = parse(rss("<item><link>javascript:alert(1)</link></item>"))
    assert result.entries == [] and result.rejects[0].reason == "no link and no title"


def test_link_without_title_falls_back_to_summary_then_url_segment():
    long_summary = "word " * 40
    result = parse(rss(
        f"<item><link>https://example.com/a</link><description>{long_summary}</description></item>"
        "<item><link>https://example.com/posts/my%20great-post</link></item>"
        "<item><link>https://example.com/</link></item>"))
    by_summary, by_segment, by_host = result.entries
    assert by_summary.title.startswith("word word") and len(by_summary.title) <= 80
    assert by_segment.title == "my great-post"
    assert by_host.title == "example.com"


def test_guid_that_is_a_url_is_the_fallback_link():
    entry = only_entry(parse(rss("<item><title>t</title><guid>https://example.com/g/1?utm_campaign=x</guid></item>")))
    assert entry.url == "https://example.com/g/1"


def test_relative_links_resolve_against_feed_link_then_feed_url():
    with_link = only_entry(parse(rss("<item><title>t</title><link>p/1</link></item>",
                                     channel="<link>https://site.example.net/blog/</link>")))
    assert with_link.url == "https://site.example.net/blog/p/1"
    without = only_entry(parse(rss("<item><title>t</title><link>/p/2</link></item>", channel="")))
    assert without.url == "https://example.com/p/2"


def test_same_article_with_utm_params_gets_one_kb_id_across_feeds():
    a = only_entry(parse(rss("<item><title>A</title><link>https://news.example.com/x?utm_source=a</link></item>")))
    b = only_entry(parse(rss("<item><title>A (syndicated)</title>"
                             "<link>https://NEWS.example.com/x?utm_source=b&amp;utm_medium=c#top</link></item>"),
                         feed_url="https://other.example.org/rss"))
    assert a.kb_id == b.kb_id == stable_id("https://news.example.com/x")


# --- hostile titles -------------------------------------------------------------

def test_huge_title_is_capped():
    entry = _title_entry("A" * 10_000)
    assert 0 < len(entry.title) <= 300 and entry.title.endswith("…")


def test_title_markup_is_stripped_and_newlines_collapsed():
    entry = _title_entry("&lt;script&gt;alert(1)&lt;/script&gt;Real\n\n  &lt;b&gt;title&lt;/b&gt;")
    assert entry.title == "Real title"


def test_title_mentioning_a_tag_keeps_it_as_text():
    assert _title_entry("Understanding the &lt;dialog&gt; element").title == "Understanding the <dialog> element"


@pytest.mark.parametrize("title", [
    "مرحبا بالعالم — שלום 🚀🤖",
    "---\nkey: value\n...",
    "title: 'x' # [[Note]] | *bold* `code` %% kbsync:end %% {{ jinja }}",
])
def test_rtl_emoji_and_injection_characters_are_kept_as_one_line_of_text(title):
    entry = _title_entry(title.replace("&", "&amp;").replace("<", "&lt;"))
    assert entry.title == " ".join(title.split())
    assert "\n" not in entry.title


def _title_entry(title_xml: str) -> Entry:
    return only_entry(parse(rss(f"<item><title>{title_xml}</title><link>https://example.com/t</link></item>")))


# --- malformed input --------------------------------------------------------------

@pytest.mark.parametrize("body, expected", [
    (b"", "empty body"),
    (b"  \r\n\t", "empty body"),
    (b"<!DOCTYPE html><html><head><title>Home</title></head><body>hi</body></html>",
     "not a feed: looks like an HTML page"),
    (b"\xef\xbb\xbf<?xml version='1.0'?>\n<!-- x -->\n<html lang='en'><body/></html>",
     "not a feed: looks like an HTML page"),
    (b'{"items": [1, 2,', "invalid JSON"),
    (b'{"hello": "world"}', "not a feed"),
    (b"[1, 2, 3]", "not a feed"),
    (b"\x1f\x8b\x08\x00\x00\x00", "not a feed: gzip"),
    (b"<?xml version='1.0'?><rss version='2.0'><channel><title>x</tit", "malformed feed"),
    (b"just some words", "malformed feed"),
    (b"/etc/passwd", "malformed feed"),           # bytes are never opened as a path
])
def test_unreadable_bodies_give_one_line_errors(body, expected):
    result = parse(body)
    assert result.error is not None and result.error.startswith(expected), result.error
    assert "\n" not in result.error
    assert result.entries == [] and result.rejects == []


def test_a_sites_page_instead_of_its_feed_says_where_the_feed_is():
    # a reader writes a blog's address in config.toml: the page names its feed (autodiscovery), and
    # the error says which address to write
    page = (b'<!DOCTYPE html><html><head><title>Blog</title><link rel="stylesheet" href="/s.css">'
            b'<link rel="alternate" type="application/rss+xml" title="Blog &raquo; Feed" href="/feed/?a=1&amp;b=2" />'
            b"<link rel='alternate' type='application/atom+xml' href='https://blog.example/atom.xml'>"
            b"</head><body><p>Hi</p></body></html>")
    result = parse(page, feed_url="https://blog.example/posts/")
    assert result.error == ("not a feed: an HTML page, whose feed is https://blog.example/feed/?a=1&b=2 "
                            "(write that address in config.toml)")
    # a page that names none, or names only another page (a translation), is just an HTML page
    other = page.replace(b"application/rss+xml", b"text/html").replace(b"application/atom+xml", b"text/html")
    assert parse(other, feed_url="https://blog.example/").error == "not a feed: looks like an HTML page"


def test_a_feed_sent_gzip_compressed_without_saying_so_is_read():
    # a server that compresses a feed file and sends no Content-Encoding, or compresses it twice
    # (the client undoes one layer): the body is gzip data (node-feedparser's compressed.xml)
    import gzip
    import zlib

    feed = ("<?xml version='1.0'?><rss version='2.0'><channel><title>Packed</title><link>https://p.example/</link>"
            "<item><title>Inside</title><link>https://p.example/1</link><description>Text.</description></item>"
            "</channel></rss>").encode()
    for body in (gzip.compress(feed), gzip.compress(gzip.compress(feed))):
        result = parse(body)
        assert result.error is None and result.title == "Packed" and [e.title for e in result.entries] == ["Inside"]
    # inflated at most 20 MB (a small body can hold a large bomb), and never half of one
    assert parse(gzip.compress(b"\0" * 30_000_000)).error == "not a feed: gzip data larger than 20 MB inflated"
    assert parse(gzip.compress(feed)[:40]).error == "not a feed: gzip data cut short"
    assert parse(b"\x1f\x8b" + zlib.compress(feed)).error == "not a feed: gzip data that cannot be read"


def test_truncated_xml_keeps_the_entries_it_has():
    body = rss("<item><title>one</title><link>https://example.com/1</link></item>"
               "<item><title>two</title><link>https://example.com/2</link></item>")
    result = parse(body[: body.index("</channel>") - 20])
    assert result.error is None
    assert [e.title for e in result.entries][:1] == ["one"]


def test_valid_feed_without_entries_is_not_an_error():
    result = parse(rss(""))
    assert result.error is None and result.entries == [] and result.title == "Example"


def test_wrongly_declared_encoding_does_not_crash():
    # Declared UTF-8, actually Latin-1 bytes (é = 0xE9).
    body = rss("<item><title>Caf\xe9 cr\xe8me</title><link>https://example.com/c</link></item>").encode("latin-1")
    result = parse(body)
    assert result.error is None
    assert len(result.entries) == 1 and "Caf" in result.entries[0].title


def test_charset_from_headers_is_used():
    body = rss("<item><title>Café</title><link>https://example.com/c</link></item>",
               encoding="iso-8859-1").encode("latin-1")
    entry = only_entry(parse(body, headers={"Content-Type": "application/rss+xml; charset=ISO-8859-1"}))
    assert entry.title == "Café"


def test_gb2312_feed_is_decoded():
    body = rss("<item><title>人工智能周报</title><link>https://example.cn/1</link></item>",
               encoding="gb2312").encode("gb2312")
    assert only_entry(parse(body)).title == "人工智能周报"


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_parse_feed_never_raises(body):
    result = parse(body)
    assert result.error is None or ("\n" not in result.error and result.error)
    for entry in result.entries:
        assert entry.title and entry.published.tzinfo is not None
    for reject in result.rejects:
        assert reject.reason


_PIECES = ["<p>", "</p>", "<script>", "</script>", "<style>", "</style>", "<!--", "-->", "<![CDATA[", "]]>",
           "<a href='x>y'>", "</a>", "<img src=x>", "&amp;", "&nbsp;", "&#32;", " ", "\n", "text", "é", "<br/>",
           "<table>", "<td>", "<select>", "<textarea>", "</textarea>", "<template>", "</template>", "<", ">", "'", '"']


@settings(max_examples=1500)
@given(st.lists(st.sampled_from(_PIECES), max_size=30).map("".join), st.integers(min_value=0, max_value=60))
def test_a_body_is_found_from_its_start_as_from_the_whole(value, peek):
    """best_body looks at a body's start for text first: the answer is the whole body's."""
    from sync.sources import bodies
    from sync.sources.html import to_text

    detail = {"type": "text/html", "value": value}
    whole = bool(value.strip()) and (bool(to_text(value)) or "<img" in value.lower())
    original = bodies.PEEK
    try:
        bodies.PEEK = peek
        assert bodies._has_body(detail) == whole
    finally:
        bodies.PEEK = original


def test_an_items_opengraph_block_does_not_replace_the_post_with_its_one_line_description():
    # Google's Cloud Blog: each item carries an <og> block whose unprefixed <description> (one
    # line) feedparser files as the content, next to the whole post in the item's <description>
    post = "<p>Time-series forecasting problems are everywhere.</p>" + "<p>A paragraph of the post.</p>" * 20
    item = ("<item><title>Forecasting with BigQuery</title><link>https://cloud.example/blog/forecasting/</link>"
            f"<description>{html.escape(post)}</description>"
            '<og xmlns:og="http://ogp.me/ns#"><type>article</type><title>Forecasting with BigQuery</title>'
            "<description>Learn how to forecast with BigQuery.</description><site_name>Google</site_name></og>"
            '<author xmlns:author="http://www.w3.org/2005/Atom"><name>Ryan</name><title>ML Engineer</title></author>'
            "</item>")
    entry = only_entry(parse(rss(item)))
    assert entry.title == "Forecasting with BigQuery"
    assert entry.content.startswith("Time-series forecasting problems are everywhere.")
    assert entry.content.count("A paragraph of the post.") == 20


def test_a_plain_text_content_as_long_as_the_summary_is_still_the_body():
    item = ("<item><title>T</title><link>https://example.com/t</link><description>&lt;p&gt;Short teaser.&lt;/p&gt;"
            "</description><content:encoded>The whole text of the post, in plain text, longer than the teaser."
            "</content:encoded></item>")
    assert only_entry(parse(rss(item))).content.startswith("The whole text of the post")


def test_a_plain_text_body_keeps_its_line_breaks_where_html_text_loses_them():
    # the author's line breaks in plain text are theirs; a break in HTML text is a space
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [
        {"id": "1", "url": "https://example.com/1", "title": "Plain",
         "content_text": "Line one\nline two.\n\nA second paragraph."},
        {"id": "2", "url": "https://example.com/2", "title": "HTML",
         "content_html": "<p>Line one\nline two.</p><p>A second paragraph.</p>"}]}
    entries = {e.title: e for e in parse(json.dumps(feed)).entries}
    assert entries["Plain"].content == "Line one\nline two.\n\nA second paragraph."
    assert entries["HTML"].content == "Line one line two.\n\nA second paragraph."
