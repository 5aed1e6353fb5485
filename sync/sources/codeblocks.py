"""Code that a highlighter laid out as something else, given back as one code block.

Why: a feed's code should reach the note as a fenced block (Obsidian
highlights it; Notion gets a code block), lines and indentation intact. Two
layouts common on programming blogs lost both on the way to Markdown:

* **Line numbers in a table** (``unnumbered``). Jekyll's Rouge with
  ``lineno`` (a ``rouge-table`` inside the block's ``<pre><code>``), Hugo's
  Chroma with ``lineNumbersInTable`` (``lntable``), Pygments and Sphinx with
  ``linenos="table"`` (``highlighttable``), Hexo, WordPress's WP-Syntax and
  CodeColorer: one row, the numbers in the first cell, the code in the
  second (a ``<pre>``, or CodeColorer's ``<div>`` of lines ended by
  ``<br>``). The converter wrote a one-row Markdown table, each cell
  squeezed onto one line: ``| `1 2 3` | `spring: security: scope: email` |``.
* **Line numbers in a block after the code** (also ``unnumbered``): VuePress
  writes ``<div class="line-numbers-wrapper"><span class="line-number">1</span><br>…``
  after the block's ``</pre>``; the converter wrote the numbers as a
  paragraph of their own under the code ("1  2  3  4").
* **Code in a monospace ``<div>``, its lines ended by ``<br>``**
  (``monospace_blocks``): GeSHi's output without ``<pre>`` (WordPress's
  CodeSnippet, ``<div class="codesnip" style="font-family: monospace;">``),
  and blogs that style a div as code. The converter wrote a paragraph with
  hard line breaks, its indentation gone and ``#`` and ``*`` escaped.

Contract: ``monospace_blocks`` takes the feed's HTML as it came (it needs the
``style`` the sanitiser drops) and ``unnumbered`` the sanitiser's output
(lower-case tags, double-quoted attributes, a ``<pre>``'s language as
``codelang.mark_languages`` wrote it). Each gives back its input unchanged
unless such a layout is in it, and then only that layout changes: into one
``<pre>`` holding the code's text, one line per line. The signals are the
layout's shape (consecutive numbers beside code; a monospace font with line
breaks), not the class names, which differ with every plugin and version.
"""

from __future__ import annotations

import html as _html
import re

_ROW = re.compile(r"<tr\b")
_HEADER_CELL = re.compile(r"<th\b")
_CELL = re.compile(r"<td\b[^>]*>(.*?)</td>", re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_PRE = re.compile(r"<pre\b[^>]*>.*?</pre>", re.DOTALL)
_BR = re.compile(r"<br\b[^>]*>[ \t]*\r?\n?", re.IGNORECASE)
# Rouge puts the table inside the block's own <pre><code>, whose <pre> has the language
_OUTER_OPEN = re.compile(r'<pre(?: lang="([^"]*)")?>\s*<code\b[^>]*>\s*\Z')
_OUTER_CLOSE = re.compile(r"\s*</code>\s*</pre>")
_LOOK_BACK = 200
# a <div> whose style's font is a monospace one
_MONOSPACE = r"\b(?:monospace|courier|consolas|menlo|monaco)\b"
_MONOSPACE_DIV = re.compile(
    r"""<div\b[^>]*?\bstyle\s*=\s*(?:"[^"]*?font-family\s*:[^"]*?""" + _MONOSPACE + r"""[^"]*"|"""
    r"""'[^']*?font-family\s*:[^']*?""" + _MONOSPACE + r"""[^']*')[^>]*>""",
    re.IGNORECASE)
_DIV_END = re.compile(r"</div\s*>", re.IGNORECASE)
# what a div of code never holds: a block of its own (then it is a layout, not code) or an image
_NOT_CODE = re.compile(r"<(?:div|p|table|ul|ol|li|h[1-6]|blockquote|pre|img|iframe|figure)\b", re.IGNORECASE)
_PARAGRAPH_BREAK = re.compile(r"</p\s*>\s*<p\b[^>]*>", re.IGNORECASE)
_SPACES = re.compile(r"&nbsp;|&#160;|&#xa0;|\xa0", re.IGNORECASE)


def unnumbered(html: str) -> str:
    """``html`` (the sanitiser's output) with each line-numbered code table as its code's ``<pre>``,
    and without the line numbers a block of code is followed by."""
    if "</pre>" in html and "<div" in html:
        html = _without_numbers_after(html)
    if "<table" not in html or "<td" not in html:
        return html   # the common case: no table at all
    out: list[str] = []
    last = 0
    start = html.find("<table")
    while start >= 0:
        stop = html.find("</table>", start)
        if stop < 0:
            break
        end = stop + len("</table>")
        # one row (counted as found: most tables of data have more, and cost no regex)
        one_row = html.count("<tr", start, stop) == 1
        code = _numbered_code(html[html.find(">", start) + 1:stop]) if one_row else None
        if code is None:
            start = html.find("<table", start + 1)
            continue      # a table of data: left to the converter
        outer = _OUTER_OPEN.search(html, max(last, start - _LOOK_BACK), start)
        close = _OUTER_CLOSE.match(html, end) if outer is not None else None
        if outer is not None and close is not None:
            # Rouge: the block's <pre><code> goes too, and its language comes with the code
            start, end = outer.start(), close.end()
            if outer.group(1) and code.startswith("<pre>"):
                code = f'<pre lang="{outer.group(1)}">{code[5:]}'
        out.append(html[last:start])
        out.append(code)
        last = end
        start = html.find("<table", end)
    if not out:
        return html
    out.append(html[last:])
    return "".join(out)


# a <div> right after a block's </pre>, and what a block of line numbers holds: numbers, spans, breaks
_DIV_AFTER_PRE = re.compile(r"</pre>\s*<div\b[^>]*>")
_NUMBERS_ONLY = re.compile(r"(?:\s|\d|</?span\b[^>]*>|<br\b[^>]*>)*")


def _without_numbers_after(html: str) -> str:
    """``html`` without each ``<div>`` that follows a ``</pre>`` and holds only the numbers of the
    block's lines, 1 to its count (VuePress's); ``html`` itself when it has none."""
    out: list[str] = []
    last = 0
    for found in _DIV_AFTER_PRE.finditer(html):
        inner_start = found.end()
        close = html.find("</div>", inner_start)
        if close < 0 or found.start() < last:
            continue
        inner = html[inner_start:close]
        if not _NUMBERS_ONLY.fullmatch(inner):
            continue
        numbers = _TAG.sub(" ", inner).split()
        pre = html.rfind("<pre", last, found.start())
        code = _html.unescape(_TAG.sub("", html[html.find(">", pre) + 1:found.start()])) if pre >= 0 else ""
        lines = code.rstrip("\n").count("\n") + 1
        if numbers != [str(n) for n in range(1, len(numbers) + 1)] or abs(len(numbers) - lines) > 1:
            continue      # not the block's own line numbers
        out.append(html[last:found.start() + len("</pre>")])
        last = close + len("</div>")
    if not out:
        return html
    out.append(html[last:])
    return "".join(out)


def _numbered_code(table: str) -> str | None:
    """The code of a table that is a line-numbered code block, as a ``<pre>``; else None.

    Such a table has one row of two cells: consecutive line numbers, then the
    code (a ``<pre>``, or lines ended by ``<br>`` as CodeColorer writes them).
    """
    if "<table" in table or _HEADER_CELL.search(table) or len(_ROW.findall(table)) != 1:
        return None
    cells = _CELL.findall(table)
    if len(cells) != 2:
        return None
    numbers = _html.unescape(_TAG.sub(" ", cells[0])).split()
    if not numbers or not all(n.isascii() and n.isdigit() for n in numbers) or \
            any(int(b) != int(a) + 1 for a, b in zip(numbers, numbers[1:])):
        return None
    code = cells[1]
    pre = _PRE.search(code)
    if pre is not None:
        # the code cell holds the block (Pygments wraps it in a div): nothing else may be there
        rest = code[:pre.start()] + code[pre.end():]
        return pre.group() if not _TAG.sub("", rest).strip() else None
    code = code.strip()
    if not (code.startswith("<div") and code.endswith("</div>")):
        return None   # lines without a <pre>: CodeColorer's are one <div>; a table of text is not code
    lines = _lines(code)
    # and its numbers count the lines
    return _pre(lines) if len(numbers) >= 2 and abs(len(lines) - len(numbers)) <= 1 else None


def monospace_blocks(html: str) -> str:
    """``html`` (as the feed gave it) with each monospace ``<div>`` of code lines as a ``<pre>``."""
    if "family" not in html and "FAMILY" not in html:
        return html   # no font named anywhere: the common case
    out: list[str] = []
    last = 0
    for div in _MONOSPACE_DIV.finditer(html):
        if div.start() < last:
            continue
        end = _DIV_END.search(html, div.end())
        if end is None:
            break
        # WordPress's wpautop writes a blank line of the code as a paragraph break: "</p>\n<p>"
        inner = _PARAGRAPH_BREAK.sub("<br />\n<br />", html[div.end():end.start()])
        if _NOT_CODE.search(inner) or not _BR.search(inner):
            continue      # a styled layout, or a single line: the converter's as before
        out.append(html[last:div.start()])
        out.append(_pre(_lines(inner)))
        last = end.end()
    if not out:
        return html
    out.append(html[last:])
    return "".join(out)


def _lines(markup: str) -> list[str]:
    """The lines of code written with ``<br>`` line ends: each line's text (entities kept, the
    non-breaking spaces of its indentation as spaces), without the trailing empty lines."""
    lines = [_SPACES.sub(" ", _TAG.sub("", piece.replace("\r", "").replace("\n", " ")))
             for piece in _BR.split(markup.strip("\r\n"))]
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _pre(lines: list[str]) -> str:
    return "<pre>" + "\n".join(line.rstrip() for line in lines) + "</pre>"
