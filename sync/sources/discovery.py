"""Feed autodiscovery: the feed an HTML page names, for a reader who wrote a site's address.

A blog's page says where its feed is with ``<link rel="alternate"
type="application/rss+xml" href="…">`` in its head (Atom and JSON Feed
likewise). Contract (pure): ``named_feed(body, page_url)`` is the absolute
address of the first feed such a link names in an HTML page (``looks_html``),
or None: for bytes that are no HTML page, and for a page that names no feed
(a link to a translation, ``type="text/html"``, is no feed).

The fetcher follows it once, as it follows a permanent redirect (the store
then fetches the feed itself); the parser names it in its error when it meets
such a page anyway (a page reached through a second one).
"""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin, urlsplit

HTML_PAGE = re.compile(rb"^(?:\s|<\?[^>]*\?>|<!--.*?-->)*<(?:!doctype\s+html|html)[\s>]", re.IGNORECASE | re.DOTALL)
_LINK_TAG = re.compile(rb"<link\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(rb"""([a-z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)
FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/feed+json",
                        "application/json", "application/rdf+xml", "text/xml", "application/xml"})
HEAD_BYTES = 500_000   # how far into a page its <link> tags are looked for


_FEED_ROOT = re.compile(rb"<(?:rss|feed|rdf:RDF)[\s>]", re.IGNORECASE)


def looks_html(body: bytes) -> bool:
    """Whether ``body`` opens as an HTML page (after a BOM, white space, comments)."""
    return HTML_PAGE.match(body[:2048].lstrip(b"\xef\xbb\xbf")) is not None


def named_feed(body: bytes, page_url: str) -> str | None:
    """The absolute address of the first feed the HTML page ``body`` names, or None (see the module)."""
    if not looks_html(body) or _FEED_ROOT.search(body[:4096]):
        return None     # (a feed that opens with a stray <!DOCTYPE html> line is a feed)
    for tag in _LINK_TAG.findall(body[:HEAD_BYTES]):
        attrs = {m.group(1).lower().decode("ascii"): (m.group(2) or m.group(3) or m.group(4) or b"").decode(
            "utf-8", "replace") for m in _ATTRIBUTE.finditer(tag)}
        kind = attrs.get("type", "").lower().split(";")[0].strip()
        href = html.unescape(attrs.get("href", "")).strip()
        if "alternate" in attrs.get("rel", "").lower().split() and kind in FEED_TYPES and href:
            feed = urljoin(page_url, href)
            if urlsplit(feed).scheme.lower() in ("http", "https"):
                return feed
    return None
