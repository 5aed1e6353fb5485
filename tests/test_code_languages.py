"""A feed's code block keeps its language: the note's fence names it, Notion's code block too.

Each case is the markup a real highlighter or site generator writes (as seen
in its feeds); the sanitiser drops every class, so without ``codelang`` all
of them came out as a bare ```` ``` ````.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.sources.html import to_markdown
from sync.targets.notion.blocks import code_language, markdown_blocks
from tests.notion_emulator.rules import CODE_LANGUAGES

CASES = {
    "CommonMark, Ghost, Hugo without Chroma": ('<pre><code class="language-python">print(1)\n</code></pre>', "python"),
    "Hugo with Chroma": ('<div class="highlight"><pre tabindex="0" class="chroma"><code class="language-go" '
                         'data-lang="go"><span class="line"><span class="cl">package main\n</span></span>'
                         '</code></pre></div>', "go"),
    "Jekyll (kramdown and Rouge)": ('<div class="language-ruby highlighter-rouge"><div class="highlight">'
                                    '<pre class="highlight"><code>puts 1\n</code></pre></div></div>', "ruby"),
    "Middleman (Rouge on the pre)": ('<pre class="highlight javascript"><code><span class="kd">var</span> x;\n'
                                     '</code></pre>', "javascript"),
    "Sphinx (Pygments)": ('<div class="highlight-python notranslate"><div class="highlight"><pre><span></span>'
                          'x = 1\n</pre></div></div>', "python"),
    "GitHub": ('<div class="highlight highlight-source-shell"><pre>ls -la\n</pre></div>', "shell"),
    "WordPress SyntaxHighlighter": ('<pre class="brush: php; title: ; notranslate" title="">echo 1;</pre>', "php"),
    "WordPress code block with a plugin": ('<pre class="wp-block-code"><code lang="bash" class="language-bash">'
                                           'ls</code></pre>', "bash"),
    "Prism and Docusaurus": ('<pre class="prism-code language-tsx"><code>let x = 1</code></pre>', "tsx"),
    "highlight.js": ('<pre><code class="hljs rust">fn main() {}</code></pre>', "rust"),
    "Pandoc": ('<div class="sourceCode" id="cb1"><pre class="sourceCode haskell"><code>main = pure ()</code>'
               '</pre></div>', "haskell"),
    "pre lang": ('<pre lang="C++">int x;</pre>', "c++"),
}


@pytest.mark.parametrize("html,language", CASES.values(), ids=CASES.keys())
def test_the_fence_names_the_language_the_highlighter_wrote(html: str, language: str) -> None:
    markdown = to_markdown(html)
    assert markdown.startswith(f"```{language}\n"), markdown
    assert "<" not in markdown and "class" not in markdown


@pytest.mark.parametrize("html", [
    "<pre>plain</pre>",
    '<div class="highlight"><pre><span class="n">x</span> = 1</pre></div>',   # Pygments, language not said
    '<pre class="wp-block-preformatted">a poem</pre>',                           # a class that names no language
    '<pre><code class="language-plaintext">x</code></pre>',                      # "plain text" is no language
    '<pre class="highlight-default">x</pre>',
    '<pre lang="en">a quoted passage</pre>',                                     # HTML's lang: a human language
    '<pre lang="zh-CN">一段文字</pre>',
])
def test_a_block_whose_language_is_not_said_gets_a_bare_fence(html: str) -> None:
    assert to_markdown(html).startswith("```\n")


def test_each_block_gets_its_own_language_and_inline_code_none() -> None:
    html = ('<p>Run <code class="language-bash">make</code>:</p>'
            '<pre><code class="language-bash">make test</code></pre><p>then</p>'
            '<pre>plain</pre><pre class="brush: sql">select 1</pre>')
    assert to_markdown(html) == "Run `make`:\n\n```bash\nmake test\n```\n\nthen\n\n```\nplain\n```\n\n```sql\nselect 1\n```"


@pytest.mark.parametrize("name", ['x```y', "a" * 30, "x&quot;y", "py{3}", "-x", "c%%"])
def test_a_name_that_could_break_the_fence_is_no_language(name: str) -> None:
    markdown = to_markdown(f'<pre><code class="language-{name}">x</code></pre>')
    assert markdown.splitlines()[0] == "```", markdown


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40), st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20))
def test_whatever_a_class_says_the_fence_is_one_safe_word_and_the_code_survives(cls: str, code: str) -> None:
    html = f'<pre class="highlight {cls.replace(chr(34), "")}"><code>{code}</code></pre>'
    markdown = to_markdown(html.replace("&", "&amp;").replace("<code>" + code, "<code>" + code.replace("<", "&lt;")))
    fence = markdown.split("\n", 1)[0] if markdown.startswith("```") else None
    if fence is not None:
        assert re.fullmatch(r"```(?:[a-z0-9][a-z0-9+#._-]{0,23})?", fence), fence


@pytest.mark.parametrize("info,expected", [
    ("python", "python"), ("py", "python"), ("golang", "go"), ("C++", "c++"), ("cs", "c#"), ("tsx", "typescript"),
    ("console", "shell"), ("Dockerfile", "docker"), ("", "plain text"), ("brainfuck", "plain text"),
    ("ruby {linenos}", "ruby"),
])
def test_notion_gets_its_own_name_for_the_language(info: str, expected: str) -> None:
    assert code_language(info) == expected


@given(st.text(max_size=20))
def test_notion_is_only_ever_sent_a_language_it_accepts(info: str) -> None:
    assert code_language(info) in CODE_LANGUAGES


def test_a_fenced_block_reaches_notion_with_its_language() -> None:
    blocks = markdown_blocks(to_markdown('<pre><code class="language-py">print(1)</code></pre>'))
    assert [b["code"]["language"] for b in blocks if b["type"] == "code"] == ["python"]
