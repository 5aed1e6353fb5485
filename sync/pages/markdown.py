"""Markdown text helpers every page shares (article notes, digests, Notion bodies).

Contract: ``md`` turns plain text into Markdown that shows exactly that text
on one line, escaping only what would change its rendering (``sync.escaping``:
``Opus 4.6`` and ``C#`` stay, ``[[x]]`` and ``$5-$10`` do not become a link
or math; ``table=True`` escapes ``|`` too); ``demote_headings`` puts an
embedded document's headings below a note's own sections; ``tag`` is an Obsidian ``#tag`` when the name is a valid tag,
escaped text otherwise; ``url`` is a link target safe inside ``[text](url)``;
``stars`` and ``one_line`` are the one star rounding and the one one-line
summary every page uses. Text that comes from feeds (names, summaries,
sources, tags) goes through ``md``, so a title with ``[``, ``|`` or ``*``
cannot break a page.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from urllib.parse import quote

from ..escaping import escape
from ..models import Article, Score
from ..text import plain_text, sentences, truncate

SUMMARY_CHARS = 200
_TAG = re.compile(r"[\w/-]+")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^(#{1,6})(?=\s|$)")


def md(text: object, *, table: bool = False) -> str:
    """Plain text -> Markdown that shows exactly that text on one line (``table``: ``|`` escaped)."""
    return _md(text if isinstance(text, str) else str(text), table)


# pages repeat the same sources, tags and links on every line: each is escaped once per run
@lru_cache(maxsize=1 << 14)
def _md(text: str, table: bool) -> str:
    line = " ".join(text.split())
    # a leading "-", "+", "#", ">" or "1." would start a list, a heading or a quote
    return escape(line, table=table, line_start=True)


def demote_headings(markdown: str, top: int = 3) -> str:
    """Shift ATX headings (outside code) so the highest one is level ``top`` (at most 6)."""
    lines = markdown.split("\n")
    fence: str | None = None
    found: list[tuple[int, int]] = []
    for i, line in enumerate(lines):
        opening = _FENCE.match(line)
        if fence is None and opening:
            fence = opening.group(1)
        elif fence is not None:
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                fence = None
        elif (m := _HEADING.match(line)) is not None:
            found.append((i, len(m.group(1))))
    if not found:
        return markdown
    shift = top - min(level for _, level in found)
    if shift <= 0:
        return markdown
    for i, level in found:
        lines[i] = "#" * min(6, level + shift) + lines[i][level:]
    return "\n".join(lines)


@lru_cache(maxsize=1 << 12)
def tag(name: str) -> str:
    """An Obsidian tag ``#name`` when the name is a valid tag, escaped text otherwise."""
    name = name.strip().lstrip("#")
    if _TAG.fullmatch(name) and not name.replace("/", "").isdigit():
        return "#" + name
    return md(name)


@lru_cache(maxsize=1 << 14)
def url(value: str | None) -> str:
    """A link target safe in ``[text](url)``; empty unless it is an http(s) URL."""
    if not value or not value.lower().startswith(("http://", "https://")):
        return ""
    return quote(value, safe=":/?#[]@!$&'*+,;=%-._~")


def stars(score: int | None) -> str:
    """score / 20, rounded half up, as ⭐ (empty for an unscored article)."""
    return "" if score is None else "⭐" * int(math.floor(max(0, min(score, 100)) / 20 + 0.5))


def one_line(article: Article, score: Score | None) -> str:
    """The article's one-line summary: the scorer's, else (unscored) the feed's first sentence.

    A scored article whose scorer found no summary has none here either, as in
    its note: the scorer read the feed's summary already and found only
    boilerplate there ("submitted by /u/… [link] [comments]") or too little.
    A feed summary that only repeats the title ("Introducing X" under the
    heading "Introducing X") is no summary: the line is then empty.
    """
    return _one_line_of((score.summary if score else article.summary) or "", article.title)


@lru_cache(maxsize=1 << 16)
def _one_line_of(summary: str, title: str) -> str:
    # derived once per run and text: an article is on its weekly and its daily page (and Notion's)
    text = plain_text(summary)
    first = sentences(text)[:1]
    line = truncate(first[0] if first else text, SUMMARY_CHARS)
    return "" if only_the_title(line, title) else line


def only_the_title(text: str, title: str) -> bool:
    """Whether plain ``text`` says the title again and nothing else (its letters and digits, case
    aside: "Introducing X." under the heading "Introducing X")."""
    letters = _letters(text)
    return bool(letters) and letters == _letters(title)


_NOT_ALNUM = re.compile(r"[\W_]+")   # \w is str.isalnum() plus "_" (CPython's sre), so this keeps isalnum()


def _letters(text: str) -> str:
    return _NOT_ALNUM.sub("", text.casefold())
