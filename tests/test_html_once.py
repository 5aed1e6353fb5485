"""html.py does each piece of work once: one sanitiser pass for an entry whose summary and
content are the same HTML, converter options built once, and the shared pass gives exactly
the text the dedicated text sanitiser gives."""

from __future__ import annotations

import html as _html
import io
from pathlib import Path

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.sources import html as h
from sync.sources.parse import parse_feed

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "feeds-corpus"


def reference_text(markup: str) -> str:
    """to_text as the text sanitiser alone computes it (every tag dropped, block tags spaced)."""
    if not markup:
        return ""
    spaced = h._BLOCK_TAG.sub(" <", h._safe_input(markup))
    return h.clean_line(_html.unescape(h._TEXT_CLEANER.clean(spaced)))


TRICKY = [
    "<p>a</p><p>b</p>", "<p>a<p>b", "<p>a<dl>b</dl>", "<p>a<nav>b</nav>c", "<section>a</section><section>b</section>",
    "<div>a<br>b</div>", "<table>ab<tr><td>x</td><td>y</td></tr></table>z", "a</p>b", "<img alt='a>b' src=x>c",
    "<a title=\"x<p>y\" href='/q'>link</a>tail", "<script>x()</script>after", "&lt;p&gt;escaped&lt;/p&gt;",
    "one&nbsp;two&amp;three", "<pre>code\n  here</pre>next", "<ul><li>a<li>b</ul>c", "<h1>t<h2>u",
    "<p\x07>bell</p>", "x\x00y<p>z</p>", "<textarea>gone</textarea>kept", "<noscript><p>ns</p></noscript>",
    "<style>p{}</style><p>v</p>", "<p>大模型<b>推理</b></p><p>成本</p>", "<!-- c --><p>after comment</p>",
    "<svg><p>in svg</p></svg>out", "<math><mi>x</mi></math>y", "<p>a</P ><P>b", "<SECTION>A</SECTION>B",
]


@pytest.mark.parametrize("markup", TRICKY)
def test_shared_pass_gives_the_text_sanitisers_text(markup):
    assert h.to_text(markup) == reference_text(markup)


_PIECES = st.sampled_from(["<p>", "</p>", "<div>", "</div>", "<br>", "<li>", "<ul>", "</ul>", "<dl>", "<dt>",
                           "<table>", "<tr>", "<td>", "</table>", "<section>", "</section>", "<b>", "</b>",
                           "<span class='x>y'>", "<a href='/x'>", "</a>", "<script>", "</script>", "<pre>",
                           "</pre>", "<nav>", "&amp;", "&lt;", "&nbsp;", " ", "\n", "word", "字", "<h2>", "<hr>"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_shared_pass_matches_on_tag_soup(markup):
    assert h.to_text(markup) == reference_text(markup)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/feeds-corpus not present")
def test_shared_pass_matches_on_the_feed_corpora():
    values = []
    for path in sorted(CORPUS.rglob("*")):
        if not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        try:
            parsed = feedparser.parse(io.BytesIO(path.read_bytes()), sanitize_html=False, resolve_relative_uris=False)
        except Exception:
            continue
        for entry in parsed.get("entries") or []:
            values += [entry[k] for k in ("summary", "title") if isinstance(entry.get(k), str)]
            values += [c["value"] for c in entry.get("content") or [] if isinstance(c.get("value"), str)]
    assert len(values) > 500
    assert [v for v in values if h.to_text(v) != reference_text(v)] == []


class _Counting:
    def __init__(self, inner):
        self.inner, self.calls = inner, 0

    def clean(self, markup):
        self.calls += 1
        return self.inner.clean(markup)


def test_an_rss_description_is_sanitised_once(monkeypatch):
    content, text = _Counting(h._CONTENT_CLEANER), _Counting(h._TEXT_CLEANER)
    monkeypatch.setattr(h, "_CONTENT_CLEANER", content)
    monkeypatch.setattr(h, "_TEXT_CLEANER", text)
    items = "".join(f"<item><title>T{i}</title><link>https://e.org/{i}</link><description>"
                    f"&lt;p&gt;Entry {i} says &lt;b&gt;hi&lt;/b&gt;.&lt;/p&gt;&lt;ul&gt;&lt;li&gt;one&lt;/li&gt;&lt;/ul&gt;"
                    f"</description></item>" for i in range(5))
    body = f"<rss version='2.0'><channel><title>F</title>{items}</channel></rss>".encode()
    from datetime import datetime, timezone
    parsed = parse_feed(body, feed_url="https://e.org/feed", source="F", now=datetime.now(timezone.utc))
    assert [e.summary for e in parsed.entries] == [f"Entry {i} says hi. one" for i in range(5)]
    assert all(e.content.startswith(f"Entry {i} says **hi**.") for i, e in enumerate(parsed.entries))
    assert (content.calls, text.calls) == (5, 0)     # one pass per entry, for summary and content both


def test_converter_options_are_built_only_for_relative_links(monkeypatch):
    built = []
    real = h._options
    monkeypatch.setattr(h, "_options", lambda base_url=None: built.append(base_url) or real(base_url))
    assert h.to_markdown("<p>absolute <a href='https://x.org/a'>a</a></p>", "https://e.org/p") \
        == "absolute [a](https://x.org/a)"
    assert built == []
    assert h.to_markdown("<p>relative <a href='/a'>a</a></p>", "https://e.org/p") == "relative [a](https://e.org/a)"
    assert built == ["https://e.org/p"]
