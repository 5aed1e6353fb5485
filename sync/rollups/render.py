"""Digest pages as Markdown, from the Jinja2 templates shipped in ``sync/templates``.

Contract: ``render_weekly`` / ``render_daily`` return the page body only (the
caller wraps it in the kbsync-owned region and adds frontmatter). Every link
to a note goes through ``link(kb_id)``, which returns a ready wikilink, so each
link resolves to a real note; the only other links are articles' original
http(s) URLs. Feed text is escaped with ``pages.markdown``'s filters.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

import jinja2

from ..pages.markdown import md, tag, url
from .digest import DailyRollup, WeeklyRollup

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


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
