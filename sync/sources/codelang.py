"""The language of a feed's code blocks, kept for the note's fence (```` ```python ````).

Why: Obsidian highlights a fenced block by its info string, and Notion's code
block has a language; the sanitiser drops every ``class`` attribute, which is
where the highlighters write it. So before sanitising, ``mark_languages``
reads each ``<pre>``'s language from the markup the common highlighters and
site generators leave, and writes it on the ``<pre>`` as ``lang`` (an
attribute nh3 keeps); after, ``as_fence_class`` turns that into the
``class="language-X"`` html_to_markdown writes as the fence's info string.

Where the language is written, nearest first (the ``<pre>``, the ``<code>``
right inside it, then up to two ``<div>`` right around it; for code in a
line-numbered table, ``codeblocks.unnumbered``, the ``<div>`` or ``<figure>``
right around the table: Hexo's ``<figure class="highlight python">``,
Sphinx's ``<div class="highlight-python">``):

* ``language-X`` / ``lang-X`` / ``lang:X`` classes (CommonMark, Prism,
  highlight.js, Hugo, Ghost, Docusaurus; Jekyll's kramdown on the outer
  ``<div class="language-X highlighter-rouge">``; Crayon);
* ``lang``, ``data-lang`` and ``data-language`` attributes (Hugo, GitHub);
* ``brush: X`` (SyntaxHighlighter, WordPress);
* ``highlight-X`` and ``highlight-source-X`` (Sphinx, GitHub);
* a bare name next to ``highlight``, ``sourceCode`` or ``hljs``
  (Rouge's ``<pre class="highlight ruby">``, Pandoc, highlight.js).

Contract: a name is lower-cased and kept only when it looks like a
language name (letters, digits and ``+ # . _ -``, at most 24 characters),
so nothing a feed writes there can break the fence; "plain text" names are
no language. Every ``<pre>`` comes out with no attribute but that ``lang``.
"""

from __future__ import annotations

import re

_PRE = re.compile(r"<pre\b([^>]*)>", re.IGNORECASE)
_CODE_AFTER = re.compile(r"\s*<code\b([^>]*)>", re.IGNORECASE)
_DIV_BEFORE = re.compile(r"<div\b([^>]*)>\s*(?:<div\b([^>]*)>\s*)?\Z", re.IGNORECASE)
_ATTR = re.compile(r"""([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_NAME = re.compile(r"[a-z0-9][a-z0-9+#._-]{0,23}")
_BRUSH = re.compile(r"\bbrush:\s*([\w+#.-]+)", re.IGNORECASE)
_PREFIXES = ("language-", "lang-", "lang:", "highlight-source-", "highlight-text-", "highlight-")
# classes next to which a bare class is the language ("highlight ruby", "sourceCode python", "hljs go")
_HIGHLIGHTERS = frozenset({"highlight", "sourcecode", "hljs"})
# classes that are never the language
_NOT_LANGUAGES = frozenset({
    "highlight", "highlighter-rouge", "sourcecode", "hljs", "chroma", "notranslate", "prettyprint",
    "linenums", "line-numbers", "numberlines", "code", "codehilite", "wp-block-code", "syntax",
    "plaintext", "plain", "text", "txt", "none", "nohighlight", "no-highlight", "auto", "default",
})
# HTML's own ``lang`` names a human language just as well ("en", "zh-cn"): those are none of code's
_HUMAN = re.compile(r"(?:en|fr|de|es|it|pt|ru|zh|ja|ko|nl|sv|da|no|fi|pl|cs|tr|ar|he|uk|el|hu|vi|id|th|hi)"
                    r"|[a-z]{2}-[a-z]{2,4}")
_LOOK_BACK = 400   # characters before a <pre> searched for the divs around it
# a <pre> in a table's cell (the code of a line-numbered block), and what is around that table
_IN_CELL = re.compile(r"<td\b[^>]*>\s*(?:<div\b[^>]*>\s*)?\Z", re.IGNORECASE)
_TABLE_START = re.compile(r"<table\b", re.IGNORECASE)
_TABLE_END = re.compile(r"</table\b", re.IGNORECASE)
_AROUND_TABLE = re.compile(r"<(?:div|figure)\b([^>]*)>\s*(?:<div\b([^>]*)>\s*)?\Z", re.IGNORECASE)
_TABLE_LOOK_BACK = 20_000   # characters before such a <pre> searched for its table's start: the
#                             line numbers' cell comes first (Hexo writes ~35 characters a line)
_LANG_PRE = re.compile(r'<pre lang="([^"]*)">')


def mark_languages(html: str) -> str:
    """Every ``<pre ...>`` as ``<pre lang="X">`` (its code's language) or ``<pre>``."""
    if "<pre" not in html and "<PRE" not in html:
        return html
    out: list[str] = []
    last = 0
    for pre in _PRE.finditer(html):
        out.append(html[last:pre.start()])
        out.append(_marked(html, pre, last))
        last = pre.end()
    out.append(html[last:])
    return "".join(out)


def _marked(html: str, pre: re.Match[str], last: int) -> str:
    """The ``<pre>`` tag matched by ``pre``, written with its language (nearest first: the
    ``<pre>``, its ``<code>``, the inner then the outer ``<div>``, for a ``<pre>`` in a table's
    cell what is around the table; none before ``last`` but that table's start)."""
    language = _language(pre.group(1))
    if language is None and (code := _CODE_AFTER.match(html, pre.end())) is not None:
        language = _language(code.group(1))
    if language is None and (divs := _DIV_BEFORE.search(html, max(last, pre.start() - _LOOK_BACK),
                                                        pre.start())) is not None:
        language = _language(divs.group(2) or "") or _language(divs.group(1))
    if language is None and _IN_CELL.search(html, max(last, pre.start() - _LOOK_BACK), pre.start()):
        language = _table_language(html, pre.start())
    return f'<pre lang="{language}">' if language else "<pre>"


def _table_language(html: str, pre: int) -> str | None:
    """The language on the ``<div>`` or ``<figure>`` around the table whose cell holds the
    ``<pre>`` at ``pre`` (the nearest table start before it, with no table end between)."""
    start = None
    for start in _TABLE_START.finditer(html, max(0, pre - _TABLE_LOOK_BACK), pre):
        pass
    if start is None or _TABLE_END.search(html, start.start(), pre):
        return None
    around = _AROUND_TABLE.search(html, max(0, start.start() - _LOOK_BACK), start.start())
    if around is None:
        return None
    return _language(around.group(2) or "") or _language(around.group(1))


def as_fence_class(html: str) -> str:
    """``<pre lang="X">`` (as ``mark_languages`` wrote it, through the sanitiser) as the class
    html_to_markdown reads a fence's language from."""
    if '<pre lang="' not in html:
        return html
    return _LANG_PRE.sub(r'<pre class="language-\1">', html)


def _language(attrs: str) -> str | None:
    """The language named in one tag's attributes, if any."""
    if "=" not in attrs:
        return None     # no attribute at all (most <pre> and <code> tags)
    values = {m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3) or m.group(4) or ""
              for m in _ATTR.finditer(attrs)}
    for key in ("data-lang", "data-language", "lang"):
        if key in values and (name := _checked(values[key])) and not (key == "lang" and _HUMAN.fullmatch(name)):
            return name
    classes = values.get("class", "")
    if not classes:
        return None
    if (brush := _BRUSH.search(classes)) is not None:
        return _checked(brush.group(1))
    words = classes.split()
    for word in words:
        for prefix in _PREFIXES:
            if word.lower().startswith(prefix):
                return _checked(word[len(prefix):])
    if _HIGHLIGHTERS & {w.lower() for w in words}:
        bare = [w for w in words if w.lower() not in _NOT_LANGUAGES]
        if len(bare) == 1:
            return _checked(bare[0])
    return None


def _checked(name: str) -> str | None:
    """``name`` lower-cased when it can be a fence's language (see the contract), else None."""
    name = name.strip().lower()
    if name in _NOT_LANGUAGES or not _NAME.fullmatch(name):
        return None
    return name
