"""Code a highlighter laid out as a line-numbered table or a monospace div reaches the note
as one fenced block, line by line (``sync.sources.codeblocks``).

Each case is the markup that generator writes in its feeds (Jekyll's Rouge, Hugo's Chroma,
Pygments and Sphinx, Hexo, WordPress's WP-Syntax, CodeColorer and CodeSnippet/GeSHi), with
the code of the case. Before, each became a one-row Markdown table with the code squeezed
onto one line (``| `1 2 3` | `spring: security: scope: email` |``), or a paragraph of hard
breaks with its indentation gone and its ``#`` escaped.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import NamedTuple

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from sync.sources.codeblocks import monospace_blocks, unnumbered
from sync.sources.html import to_markdown

YAML = ["spring:", "  security:", "    scope: profile, email"]
PYTHON = ["def f(x):", "    return x * 2  # a #comment and *stars*"]


def _nbsp(line: str) -> str:
    """A line as GeSHi and CodeColorer write it: its indentation in non-breaking spaces."""
    indent = len(line) - len(line.lstrip(" "))
    return "&nbsp;" * indent + html.escape(line[indent:])


class Layout(NamedTuple):
    """How one generator writes a block: each line number, each code line (its text as ``{code}``,
    written by ``text``), what joins them, and the page around both (``{numbers}``, ``{code}``,
    ``{language}``); ``named``: whether the language it writes reaches the fence."""

    page: str
    number: str
    line: str
    named: bool
    number_sep: str = ""
    line_sep: str = ""
    text: Callable[[str], str] = html.escape

    def __call__(self, lines: list[str], language: str) -> str:
        numbers = self.number_sep.join(self.number.format(n=n) for n in range(1, len(lines) + 1))
        code = self.line_sep.join(self.line.format(code=self.text(line)) for line in lines)
        return self.page.format(numbers=numbers, code=code, language=language)


LAYOUTS = {
    "Jekyll (Rouge, lineno)": Layout(
        '<div class="language-{language} highlighter-rouge"><div class="highlight"><pre class="highlight"><code>'
        '<table class="rouge-table"><tbody><tr><td class="rouge-gutter gl"><pre class="lineno">{numbers}</pre></td>'
        '<td class="rouge-code"><pre>{code}</pre></td></tr></tbody></table></code></pre></div></div>',
        "{n}\n", '<span class="na">{code}</span>\n', named=True),
    "Hugo (Chroma, lineNumbersInTable)": Layout(
        '<div class="highlight"><div class="chroma">\n<table class="lntable"><tr><td class="lntd">\n'
        '<pre tabindex="0" class="chroma"><code>{numbers}</code></pre></td>\n<td class="lntd">\n'
        '<pre tabindex="0" class="chroma"><code class="language-{language}" data-lang="{language}">{code}'
        '</code></pre></td></tr></table>\n</div>\n</div>',
        '<span class="lnt" id="hl-0-{n}"><a class="lnlinks" href="#hl-0-{n}">{n}</a>\n</span>',
        '<span class="line"><span class="cl">{code}\n</span></span>', named=True),
    "Sphinx (Pygments, linenos table)": Layout(
        '<div class="highlight-{language} notranslate"><table class="highlighttable"><tr><td class="linenos">'
        '<div class="linenodiv"><pre>{numbers}</pre></div></td><td class="code"><div class="highlight">'
        '<pre><span></span>{code}</pre></div></td></tr></table></div>',
        '<span class="normal">{n}</span>', "{code}\n", named=True, number_sep="\n"),
    "Hexo": Layout(
        '<figure class="highlight {language}"><table><tr><td class="gutter"><pre>{numbers}</pre></td>'
        '<td class="code"><pre>{code}</pre></td></tr></table></figure>',
        '<span class="line">{n}</span><br>', '<span class="line">{code}</span><br>', named=True),
    "WP-Syntax": Layout(
        '<div class="wp_syntax"><table><tr><td class="line_numbers"><pre>{numbers}\n</pre></td><td class="code">'
        '<pre class="{language}" style="font-family:monospace;">{code}</pre></td></tr></table></div>',
        "{n}", '<span style="color: #000000;">{code}</span>', named=False, number_sep="\n", line_sep="\n"),
    "CodeColorer": Layout(
        '<div class="codecolorer-container {language} default" style="overflow:auto;white-space:nowrap;">'
        '<table cellspacing="0" cellpadding="0"><tbody><tr><td class="line-numbers"><div>{numbers}</div></td>'
        '<td><div class="{language} codecolorer">{code}</div></td></tr></tbody></table></div>',
        "{n}<br />", '<span class="kw2">{code}</span>', named=False, line_sep="<br />", text=_nbsp),
    "VuePress (line-numbers-wrapper)": Layout(
        '<div class="language-{language} line-numbers-mode"><pre class="language-{language}"><code>{code}</code>'
        '</pre><div class="line-numbers-wrapper">{numbers}</div></div>',
        '<span class="line-number">{n}</span><br>', "{code}\n", named=True),
    "CodeSnippet (GeSHi)": Layout(
        '<div class="codesnip-container" >\n<div class="codesnip" style="font-family: monospace;">{code}'
        '</div>\n</div>', "", "{code}", named=False, line_sep="<br />\n", text=_nbsp),
    "Blogger (a Courier div)": Layout(
        '<div style="font-family: &quot;Courier New&quot;, Courier, monospace; font-size: small;">{code}</div>',
        "", "{code}", named=False, line_sep="<br />", text=_nbsp),
}
# where one line is no block: a div's single line stays a paragraph, a one-row table of a number and a div a table
TWO_LINES_AT_LEAST = ("CodeSnippet (GeSHi)", "Blogger (a Courier div)", "CodeColorer")


@pytest.mark.parametrize("layout", LAYOUTS.values(), ids=LAYOUTS.keys())
@pytest.mark.parametrize("lines,language", [(YAML, "yaml"), (PYTHON, "python")])
def test_the_code_is_one_fenced_block_line_by_line(layout, lines, language):
    markdown = to_markdown(f"<p>Before:</p>{layout(lines, language)}<p>After.</p>")
    fence = "```" + (language if layout.named else "")
    assert markdown == "\n".join(["Before:", "", fence, *lines, "```", "", "After."])


@pytest.mark.parametrize("table", [
    # data, not code: the numbers are not consecutive, or there is more than one row, a header
    # row, a third column, text beside the block, or lines that are no CodeColorer <div>
    "<table><tr><td>1<br>3</td><td><pre>a\nb</pre></td></tr></table>",
    "<table><tr><td>1</td><td><pre>a</pre></td></tr><tr><td>2</td><td><pre>b</pre></td></tr></table>",
    "<table><tr><th>#</th><th>code</th></tr><tr><td>1</td><td><pre>a</pre></td></tr></table>",
    "<table><tr><td>1</td><td><pre>a</pre></td><td>note</td></tr></table>",
    "<table><tr><td>1</td><td><pre>a</pre> and a word</td></tr></table>",
    "<table><tr><td>1<br>2</td><td>GPT-5<br>Claude</td></tr></table>",
    "<table><tr><td>1<br>2</td><td><div>GPT-5<br>Claude<br>Gemini<br>Llama</div></td></tr></table>",
    "<table><tr><td>Rank</td><td><pre>a</pre></td></tr></table>",
])
def test_a_table_of_data_stays_a_table(table):
    assert unnumbered(table) == table
    assert to_markdown(table).startswith("|")


@pytest.mark.parametrize("page", [
    # numbers after a block that are not its lines' numbers: a list of years, a count that is off
    "<pre>a\nb</pre><div>2024<br>2025</div>",
    "<pre>a\nb</pre><div><span>1</span><br><span>3</span></div>",
    "<pre>a</pre><div>1<br>2<br>3<br>4<br>5</div>",
    "<pre>a\nb</pre><div>1<br>2 <b>steps</b></div>",
])
def test_numbers_after_a_block_that_are_not_its_line_numbers_stay(page):
    assert unnumbered(page) == page


@pytest.mark.parametrize("div", [
    '<div style="font-family: monospace">pip install kbsync</div>',                 # one line: as before
    '<div style="font-family: monospace"><p>A styled</p><br><p>layout</p></div>',    # blocks of its own
    '<div style="font-family: Georgia, serif">A poem<br>in two lines</div>',         # not monospace
    '<div style="font-family: monospace"><img src="https://x.example/a.png"><br>caption</div>',
])
def test_a_monospace_div_that_is_no_code_is_left_alone(div):
    assert monospace_blocks(div) == div


def test_a_blank_line_wordpress_made_a_paragraph_break_stays_a_blank_line():
    # wpautop ends and opens a paragraph inside the code for its blank line (tenderlovemaking.com)
    div = ('<div class="codesnip" style="font-family: monospace;"><span class="kw3">require</span> '
           "'nokogiri'</p>\n<p>doc = Nokogiri::HTML<span class=\"br0\">&#40;</span>&lt;&lt;-eohtml"
           '<span class="br0">&#41;</span><br />\n&lt;html&gt;<br />\n&nbsp; &lt;body&gt;<br />\neohtml</div>')
    assert to_markdown(div) == "```\nrequire 'nokogiri'\n\ndoc = Nokogiri::HTML(<<-eohtml)\n<html>\n  <body>\neohtml\n```"


def test_html_without_such_layouts_is_given_back_as_is():
    page = '<p>Text</p><table><tr><th>a</th></tr><tr><td>1</td></tr></table><pre lang="go">x</pre>'
    assert unnumbered(page) is page
    assert monospace_blocks(page) is page


_CODE_CHARS = st.characters(min_codepoint=0x21, max_codepoint=0x7E) | st.sampled_from("智能体推理é")
_LINE = st.builds(lambda indent, text: " " * indent + text,
                  st.integers(0, 8), st.text(_CODE_CHARS | st.just(" "), min_size=1, max_size=30).map(str.rstrip)
                  ).filter(lambda line: line.strip())


@settings(max_examples=60, deadline=None)
@given(layout=st.sampled_from(sorted(LAYOUTS)), lines=st.lists(_LINE, min_size=1, max_size=12))
@example(layout="CodeSnippet (GeSHi)", lines=["<?php", "  echo '&amp;' . $x; // 50% of $y"])
@example(layout="Hugo (Chroma, lineNumbersInTable)", lines=["a = [[1]] == ~~2~~ %% *x*", "  # not a heading"])
def test_every_line_of_the_code_arrives_as_written(layout, lines):
    assume(len(lines) > 1 or layout not in TWO_LINES_AT_LEAST)
    markdown = to_markdown(LAYOUTS[layout](lines, "python"))
    assert markdown.split("\n") == ["```python" if LAYOUTS[layout].named else "```", *lines, "```"]
