"""Which body of a feed entry becomes the article (pure): the best non-empty one.

Contract (``best_body``): the longest HTML content, else any other content,
else the summary; an HTML summary more than twice as long as the only,
plain-text content wins over it (Google's Cloud Blog puts an OpenGraph
block in each item whose short ``<description>`` feedparser files as the
content, next to the whole post); a body with nothing to show (white space, empty tags) never
wins over one with text, so an empty ``<content:encoded/>`` does not hide a
real ``<description>``. HTML that is escaped twice (``&lt;p&gt;``, seen in
JSON Feeds) gives way to a clean plain-text body (``double_escaped`` says
which; ``parse._content`` undoes one level when there is nothing else).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .html import to_text

_HTML_TYPES = ("html", "xhtml")


def is_html(detail: Any) -> bool:
    kind = detail.get("type") if isinstance(detail, Mapping) else None
    return isinstance(kind, str) and any(t in kind for t in _HTML_TYPES)


def best_body(raw: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The richest non-empty body: HTML content (longest), else any content, else the summary.

    An empty ``<content:encoded/>`` (or one holding only white space or empty
    tags) does not hide a non-empty ``<description>``. A JSON Feed
    ``content_html`` that is escaped twice (``&lt;p&gt;``) gives way to a clean
    ``content_text``. A plain-text content gives way to an HTML summary more
    than twice its length.
    """
    contents = [c for c in (raw.get("content") or []) if isinstance(c, Mapping) and _has_body(c)]
    html_bodies = [c for c in contents if is_html(c) and not double_escaped(c)]
    pool = html_bodies or [c for c in contents if not is_html(c)] or contents
    detail = raw.get("summary_detail")
    summary = raw.get("summary")
    if pool:
        best = max(pool, key=lambda c: len(c.get("value") or ""))
        if html_bodies or is_html(best) or not _richer_summary(raw, len(best.get("value") or "")):
            return best
    if isinstance(summary, str) and summary.strip():
        # feedparser treats RSS descriptions as HTML; JSON Feed marks its own.
        kind = detail.get("type") if isinstance(detail, Mapping) else "text/html"
        base = detail.get("base") if isinstance(detail, Mapping) else None
        return {"type": kind or "text/html", "value": summary, "base": base}
    return None


def _richer_summary(raw: Mapping[str, Any], plain: int) -> bool:
    """An HTML summary with text, more than twice as long as the plain-text content (``plain``)."""
    summary, detail = raw.get("summary"), raw.get("summary_detail")
    if not isinstance(summary, str) or len(summary) <= 2 * plain:
        return False
    kind = detail.get("type") if isinstance(detail, Mapping) else "text/html"
    html = {"type": kind or "text/html", "value": summary}
    return is_html(html) and not double_escaped(html) and _has_body(html)


# how much of a body is looked at first for text (the whole is sanitised only when its start
# shows none: HTML is read from left to right, so text at the start is text of the whole, when
# the start is cut just before a "<": a cut inside a tag or an entity would make up text); a
# short start first (most bodies open with a heading or a paragraph), then a longer one
FIRST_PEEK = 256
PEEK = 1024


def _has_body(detail: Mapping[str, Any]) -> bool:
    """A body with something to show: text, or at least an image."""
    value = detail.get("value")
    if not isinstance(value, str) or not value.strip():
        return False
    if not is_html(detail):
        return True
    for peek in (FIRST_PEEK, PEEK):
        cut = value.rfind("<", 0, peek) if len(value) > peek else -1
        if cut > 0 and to_text(value[:cut]):
            return True
    return bool(to_text(value)) or "<img" in value.lower()


_ESCAPED_TAG = re.compile(r"&lt;/?(?:p|div|br|a|span|img|ul|ol|li|h[1-6]|em|strong|b|i|code|pre|blockquote)\b",
                          re.IGNORECASE)


def double_escaped(detail: Mapping[str, Any]) -> bool:
    """HTML escaped twice: it holds escaped tags and no real ones."""
    value = detail.get("value") or ""
    return bool(_ESCAPED_TAG.search(value)) and not re.search(r"<[A-Za-z/]", value)
