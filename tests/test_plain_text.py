"""``text.plain_text``: the Markdown of a note read as a reader reads it.

The scorer's keywords, the summary and the key points are taken from it, so a
leftover of markup is a word of the article: a linked share button's address
("hostedMorselClick.php") filed 43 Washington Post wellness pages under Coding.
The reference is the other road to plain text, ``sources.html.to_text`` on the
feed's HTML: both must read the same words.
"""

from __future__ import annotations

import html as _html
import re

import mistune
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from sync.sources.html import to_markdown, to_text
from sync.text import plain_text

BASE = "https://example.com/blog/post.html"


def test_code_is_text_as_written():
    # a key point read "shortcodes with .md suffix" for "`*.md`", "typeof" for "`__typeof__`"
    assert plain_text("Use `*.md` and `__init__` or `a_b_`") == "Use *.md and __init__ or a_b_"
    assert plain_text("with `` `tick` `` in code") == "with `tick` in code"
    assert plain_text("no \\`code\\` here") == "no `code` here"
    # a fenced block's lines, without its fences and its language
    assert plain_text("Before:\n\n```python\nx = a*b*c  # **not bold**\n- not a list\n```\n\nafter *it*") == \
        "Before: x = a*b*c # **not bold** - not a list after it"
    assert plain_text("~~~\n> not a quote\n~~~") == "> not a quote"
    assert plain_text("```\nunclosed *star*") == "unclosed *star*"


def test_a_run_of_stars_or_underscores_is_markup_or_text_as_a_whole():
    # a run between spaces emphasises nothing; one inside a word's underscores is the word's
    assert plain_text("2 ** 10 and a ** b, then **bold** and ***both***") == "2 ** 10 and a ** b, then bold and both"
    assert plain_text("a **\n\n** b") == "a ** ** b"
    assert plain_text("my__var and __dunder__ and _em_") == "my__var and dunder and em"


def test_links_keep_their_text_and_images_go():
    # a linked picture (a share button, a header image) leaves nothing, not "![alt](link)"
    assert plain_text("[![Add to Facebook](https://x.com/i.gif)](https://x.com/Click.php?a=1) after") == "after"
    assert plain_text("Keep ![diagram](https://x.com/d.png) alt") == "Keep alt"
    # parentheses in pairs or escaped in the address, a title, brackets in the text
    assert plain_text("See [Foo (bar)](https://en.wikipedia.org/wiki/Foo_(bar)) now") == "See Foo (bar) now"
    assert plain_text("[Logo](https://en.wikipedia.org/wiki/Logo_\\(x) was") == "Logo was"
    assert plain_text('a [titled](https://x.com/a "T t") z') == "a titled z"
    assert plain_text("[\\[PDF\\] Paper](https://x.com/p) and [a\\]b](https://x.com/q)") == "[PDF] Paper and a]b"
    assert plain_text("<https://x.com/a_b_c>") == "https://x.com/a_b_c"


def test_a_lone_bracket_in_a_link_text_is_escaped_once():
    # the converter escapes a bracket without its partner itself: escaped again, the link ended there
    for text in ("a]b", "]b", "a[b", "x <em>a]1</em>"):
        md = to_markdown(f'<p><a href="/x">{text}</a></p>', BASE)
        html = mistune.html(md)
        assert html.count("<a ") == 1 and 'href="https://example.com/x"' in html, md
        assert plain_text(md) == to_text(text)


# what the two roads may read differently, rare in prose: a run of "_" or of "#" with white space on
# both sides ("a __ b") is text in CommonMark and markup to ``plain_text``; a run of "*" so placed at
# the end of an emphasis ("<em>a **</em>") the converter writes as "*a ***", which reads otherwise
_LONE_MARK = re.compile(r"(?:^|\s)(?:[*_]+|#+)(?:\s|$)")
_PIECES = st.lists(st.sampled_from(list("abcXY12 *_#`~[]()!<>\\&$=%|-+.:") + ["__", "**", "1. ", "- ", "> "]),
                   min_size=1, max_size=12).map("".join)
_TEXT = _PIECES.map(lambda t: _html.escape(t, quote=False))
_URLS = st.sampled_from(["https://x.com/a", "https://en.wikipedia.org/wiki/Foo_(bar)", "https://x.com/a(b",
                         "https://x.com/a)b", "https://x.com/a b", "/rel/x", "https://x.com/a_b*c"])
_INLINE = st.recursive(_TEXT, lambda inner: st.one_of(
    inner.map(lambda t: f"<em>{t}</em>"),
    inner.map(lambda t: f"<strong>{t}</strong>"),
    # (a bracket in code in a link's text is written escaped by the converter, shown with its backslash)
    _TEXT.filter(lambda t: "[" not in t and "]" not in t).map(lambda t: f"<code>{t}</code>"),
    st.tuples(_URLS, inner).map(lambda t: f'<a href="{_html.escape(t[0])}">{t[1]}</a>'),
    st.tuples(_URLS, _PIECES).map(lambda t: f'<a href="{_html.escape(t[0])}"><img src="{_html.escape(t[0])}" '
                                            f'alt="{_html.escape(t[1])}"></a>'),
    _PIECES.map(lambda t: f'<img src="https://x.com/i.png" alt="{_html.escape(t)}">'),
    st.lists(inner, min_size=2, max_size=3).map(" ".join)), max_leaves=6)
_BLOCK = st.one_of(
    _INLINE.map(lambda t: f"<p>{t}</p>"),
    _TEXT.map(lambda t: f"<pre><code>{t}</code></pre>"),
    st.lists(_INLINE, min_size=1, max_size=3).map(lambda xs: "<ul>" + "".join(f"<li>{x}</li>" for x in xs) + "</ul>"),
    _INLINE.map(lambda t: f"<blockquote><p>{t}</p></blockquote>"),
    # (a heading's image is written as its alt text by the converter: only text in headings here)
    _TEXT.map(lambda t: f"<h2>{t}</h2>"))


@settings(max_examples=400, deadline=None)
@given(st.lists(_BLOCK, min_size=1, max_size=3).map("".join))
@example('<p>Use <code>*.md</code> and <a href="https://x.com/l"><img src="https://x.com/i" alt="Share"></a></p>')
@example('<pre><code class="language-python">x = a*b\n- y</code></pre><p><a href="/x">a]b</a></p>')
def test_the_notes_markdown_reads_as_the_feeds_html_does(html):
    text = to_text(html)
    assume(_LONE_MARK.search(text) is None)
    # (white space may differ: the converter trims a text's end inside emphasis, "*a *" is "*a*")
    assert plain_text(to_markdown(html, BASE)).replace(" ", "") == text.replace(" ", "")
