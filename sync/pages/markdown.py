"""Markdown text helpers every page shares (article notes, digests, Notion bodies).

Contract: ``md`` turns plain text into Markdown that shows exactly that text
on one line; ``tag`` is an Obsidian ``#tag`` when the name is a valid tag,
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

from ..models import Article, Score
from ..text import plain_text, sentences, truncate

SUMMARY_CHARS = 200
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~$=%#^!])")
_LIST_START = re.compile(r"^(\s*)([-+]|\d+[.)])(\s)")
_TAG = re.compile(r"[\w/-]+")


def md(text: object) -> str:
    """Plain text -> Markdown that shows exactly that text on one line (pipes too: safe in tables)."""
    return _md(text if isinstance(text, str) else str(text))


# pages repeat the same sources, tags and links on every line: each is escaped once per run
@lru_cache(maxsize=1 << 14)
def _md(text: str) -> str:
    line = " ".join(text.split())
    line = _SPECIAL.sub(r"\\\1", line)
    # a leading "-", "+" or "1." would start a list
    return _LIST_START.sub(lambda m: f"{m[1]}{m[2][:-1]}\\{m[2][-1]}{m[3]}", line)


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
    """The article's one-line summary: the scorer's, else the feed's first sentence."""
    return _one_line_of((score.summary if score and score.summary else article.summary) or "")


@lru_cache(maxsize=1 << 16)
def _one_line_of(summary: str) -> str:
    # derived once per run and text: an article is on its weekly and its daily page (and Notion's)
    text = plain_text(summary)
    first = sentences(text)[:1]
    return truncate(first[0] if first else text, SUMMARY_CHARS)
