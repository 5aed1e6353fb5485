"""Parsing does less work for the same result (issue 17).

kbsync gives feedparser expat with buffered text and its cp1252 table as a
string (sources/saxdriver.py); the escaper of feed text walks the sanitised
HTML with a cache of known tags and counts a paragraph's "$" only where one
occurs. None of it may change a parsed value or a converted byte: these tests
compare against feedparser as shipped and pin the escaper's paragraph rules.
"""

from __future__ import annotations

import io

import feedparser
import feedparser.html
import feedparser.mixin
import pytest

import sync.sources.parse  # noqa: F401 - installs the driver and the table
from sync.sources.html import to_markdown
from sync.sources.saxdriver import BufferedExpatParser, cp1252_table

BODY = "".join(
    f"<h2>Part {i} &amp; more</h2><p>Line one\nline two &lt;tag&gt; &#8220;q&#8221; 模型训练 \u0080\u0093 😀"
    f"<a href='/r/{i}?a=1&amp;b=2'>ref</a></p><pre><code>x = [1, 2]\n  y &lt; 3\n</code></pre>" for i in range(400))
RSS = (f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0' xmlns:content="
       f"'http://purl.org/rss/1.0/modules/content/'><channel><title>T &amp; \u0092s</title>"
       f"<link>https://x.example/</link>"
       f"<item><title>One &lt;b&gt;two\u0085</title><link>https://x.example/1</link>"
       f"<description>{BODY[:3000].replace('&', '&amp;').replace('<', '&lt;')}</description>"
       f"<content:encoded><![CDATA[{BODY}]]></content:encoded></item>"
       f"<item><title>Second</title><link>https://x.example/2</link>"
       f"<description>{BODY.replace('&', '&amp;').replace('<', '&lt;')}</description></item>"
       f"</channel></rss>").encode()
ATOM = (f"<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
        f"<title type='html'>A &amp;lt;b&amp;gt;</title><id>urn:x</id>"
        f"<entry><title>E</title><id>urn:e</id><updated>2026-01-01T00:00:00Z</updated>"
        f"<content type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'>\n  <p>a &amp; b\n c</p>"
        f"<p>{'long text ' * 20000}</p>\n</div></content>"
        f"<summary type='html'>{BODY.replace('&', '&amp;').replace('<', '&lt;')}</summary></entry></feed>").encode()


def _parse(body: bytes) -> dict:
    result = feedparser.parse(io.BytesIO(body), sanitize_html=False, resolve_relative_uris=False)
    return {"feed": result["feed"], "entries": result["entries"], "bozo": result.get("bozo"),
            "version": result.get("version")}


@pytest.mark.parametrize("body", [RSS, ATOM, RSS[:len(RSS) // 2]], ids=["rss", "atom-xhtml", "truncated"])
def test_feedparser_gives_the_same_values_as_shipped(body, monkeypatch):
    ours = _parse(body)
    assert ours["entries"], "the feed was read"
    # feedparser as shipped: expat without buffered text, its own dict table
    monkeypatch.setattr(feedparser.api, "PREFERRED_XML_PARSERS", ["drv_libxml2"])
    monkeypatch.setattr(feedparser.mixin, "_cp1252", feedparser.html._cp1252)
    assert _parse(body) == ours


def test_kbsync_really_uses_the_buffered_driver_and_the_string_table():
    import xml.sax

    assert isinstance(xml.sax.make_parser(feedparser.api.PREFERRED_XML_PARSERS), BufferedExpatParser)
    assert isinstance(feedparser.mixin._cp1252, str)
    # and the values a C1 control maps to are feedparser's
    assert "\u0080\u0093\u0092".translate(feedparser.mixin._cp1252) == "\u20ac\u201c\u2019"   # cp1252 0x80, 0x93, 0x92


def test_the_string_table_maps_every_character_as_feedparsers_dict():
    table = cp1252_table(feedparser.html._cp1252)
    text = "".join(chr(c) for c in range(0x20000) if not 0xD800 <= c < 0xE000) + "\U0010ffff"
    assert text.translate(table) == text.translate(feedparser.html._cp1252)


def test_dollars_are_counted_per_paragraph_across_inline_tags_and_code():
    md = to_markdown("<p>From $5 <em>to</em> <a href='https://x.example/'>$10</a></p>"
                     "<p>Only $3 here</p><p>Cost $1 <code>echo $HOME</code></p>"
                     "<ul><li>$2 and</li><li>$4</li></ul>")
    # two in one paragraph, however split by tags: escaped (would open inline math)
    assert "\\$5" in md and "\\$10" in md
    # a lone one stays; "$" in code counts for its paragraph (as before) but is never escaped
    assert "Only $3 here" in md
    assert "Cost \\$1" in md and "`echo $HOME`" in md
    # list items are paragraphs of their own
    assert "$2 and" in md and "\\$2" not in md and "\\$4" not in md
