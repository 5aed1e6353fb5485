"""Rollup pages as Markdown, from the Jinja2 templates shipped in ``sync/templates``.

Contract: ``render_weekly`` / ``render_daily`` return the page body only (the
caller wraps it in the kbsync-owned region and adds frontmatter). Every link
to a note goes through ``link(kb_id)``, which returns a ready wikilink, so each
link resolves to a real note; the only other links are articles' original
http(s) URLs. Text that comes from feeds (names, summaries, sources, tags) is
escaped, so a title with ``[``, ``|`` or ``*`` cannot break the page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from urllib.parse import quote

import jinja2

from ..rollups import DailyRollup, WeeklyRollup

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~$=%#^!])")
_LIST_START = re.compile(r"^(\s*)([-+]|\d+[.)])(\s)")
_TAG = re.compile(r"[\w/-]+")


def md(text: object) -> str:
    """Plain text -> Markdown that shows exactly that text on one line (pipes too: safe in tables)."""
    line = " ".join(str(text).split())
    line = _SPECIAL.sub(r"\\\1", line)
    # a leading "-", "+" or "1." would start a list
    return _LIST_START.sub(lambda m: f"{m[1]}{m[2][:-1]}\\{m[2][-1]}{m[3]}", line)


def tag(name: str) -> str:
    """An Obsidian tag ``#name`` when the name is a valid tag, escaped text otherwise."""
    name = name.strip().lstrip("#")
    if _TAG.fullmatch(name) and not name.replace("/", "").isdigit():
        return "#" + name
    return md(name)


def url(value: str | None) -> str:
    """A link target safe in ``[text](url)``; empty unless it is an http(s) URL."""
    if not value or not value.lower().startswith(("http://", "https://")):
        return ""
    return quote(value, safe=":/?#[]@!$&'*+,;=%-._~")


@cache
def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=False,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    env.filters.update(md=md, tag=tag, url=url)
    return env


def render_weekly(r: WeeklyRollup, link: Callable[[str], str]) -> str:
    """The weekly page body, in the shape of the seed digest."""
    return _tidy(_env().get_template("weekly.md.j2").render(r=r, link=link))


def render_daily(r: DailyRollup, link: Callable[[str], str]) -> str:
    """The daily page body: categories, each story with stars, tags, summary and links."""
    return _tidy(_env().get_template("daily.md.j2").render(r=r, link=link))


def _tidy(text: str) -> str:
    # at most one blank line in a row, one newline at the end
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
