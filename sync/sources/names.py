"""What each feed is called (pure): the name notes, digests, errors and ``status`` show.

Contract (``feed_names``): a feed's ``name`` from config.toml wins; a feed
without one is called by its own title (``<title>`` of the channel or feed,
as stored from its last parse), and only a feed that has no title (or has
not been read yet) by its host (``github.com``) or, for a local file, its
file name. Names are unique, case-insensitively: a title another feed
already uses gets its host added (``Releases (github.com)``), then a number.
Configured names are claimed first, in config order, then the others in
config order, so the same config and titles always give the same names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from ..config import FeedConfig
from .html import clean_line

NAME_MAX = 80


def feed_names(feeds: Iterable[FeedConfig], titles: Mapping[str, str | None]) -> dict[str, str]:
    """config url -> the feed's name (see the module contract)."""
    feeds = list(feeds)
    names: dict[str, str] = {}
    used: set[str] = set()
    for feed in feeds:
        if feed.explicit_name:
            names[feed.url] = _claim(feed.name, feed, used)
    for feed in feeds:
        if not feed.explicit_name:
            title = _short(clean_line(titles.get(feed.url) or ""))
            names[feed.url] = _claim(title or feed.name, feed, used)
    return names


def _claim(name: str, feed: FeedConfig, used: set[str]) -> str:
    candidates = [name]
    host = _host(feed.url)
    if host and host.casefold() != name.casefold():
        candidates.append(f"{name} ({host})")
    for candidate in candidates:
        if candidate.casefold() not in used:
            used.add(candidate.casefold())
            return candidate
    n = 2
    while f"{candidates[-1]} {n}".casefold() in used:
        n += 1
    used.add(f"{candidates[-1]} {n}".casefold())
    return f"{candidates[-1]} {n}"


def _host(url: str) -> str:
    if "//" not in url:
        return ""
    try:
        parts = urlsplit(url)
        return parts.netloc.rsplit("@", 1)[-1]
    except ValueError:
        return ""


def _short(title: str) -> str:
    if len(title) <= NAME_MAX:
        return title
    cut = title[:NAME_MAX - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-–—|") + "…"
