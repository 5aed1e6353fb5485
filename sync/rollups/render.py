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
from pathlib import Path

import jinja2

from ..pages import templates
from ..pages.markdown import md, tag, url
from .digest import DailyRollup, WeeklyRollup

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def _env(folder: Path | None = None) -> jinja2.Environment:
    return templates.environment("rollup", folder, (("md", md), ("tag", tag), ("url", url)))


def render_weekly(r: WeeklyRollup, link: Callable[[str], str], folder: Path | None = None) -> str:
    """The weekly page body, in the shape of the seed digest (``folder``: the reader's templates)."""
    return _tidy(templates.render(_env(folder), "weekly.md.j2", folder, r=r, link=link))


def render_daily(r: DailyRollup, link: Callable[[str], str], folder: Path | None = None) -> str:
    """The daily page body: categories, each story with stars, tags, summary and links."""
    return _tidy(templates.render(_env(folder), "daily.md.j2", folder, r=r, link=link))


def _tidy(text: str) -> str:
    # at most one blank line in a row, one newline at the end
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
