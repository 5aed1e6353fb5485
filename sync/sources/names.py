"""What each feed is called (pure): the name notes, digests, errors and ``status`` show.

Contract (``feed_names``): a feed's ``name`` from config.toml wins; a feed
without one is called by its own title (``<title>`` of the channel or feed,
as stored from its last parse), and only a feed that has no title (or has
not been read yet, or whose title names only a kind of page: "Home", "Blog",
"RSS Feed") by its host (``github.com``) or, for a local file, its file name. Names are unique, case-insensitively: a title another feed
already uses gets its host added (``Releases (github.com)``), then a number.
Configured names are claimed first, in config order, then the others in
config order, so the same config and titles always give the same names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from ..config import FeedConfig
from .html import clean_line

NAME_MAX = 80


def feed_names(feeds: Iterable[FeedConfig], titles: Mapping[str, str | None]) -> dict[str, str]:
    """config url -> the feed's name (see the module contract)."""
    namer = FeedNamer(feeds, titles)
    return {feed.url: namer.name(feed.url) or feed.name for feed in namer.feeds}


class FeedNamer:
    """``feed_names`` one feed at a time, in config order, as titles arrive.

    Feeds without a configured name claim theirs in config order, so a feed's name
    depends only on the titles of the feeds before it: ``name(url, title)`` gives it
    as soon as those are known (the sync stores each feed as soon as it is parsed,
    while later feeds are still being parsed). Asked in config order, with each
    fetched feed's new title, it gives exactly ``feed_names`` of all the titles.
    """

    def __init__(self, feeds: Iterable[FeedConfig], titles: Mapping[str, str | None]):
        self.feeds = list(feeds)
        self._titles = dict(titles)
        self._names: dict[str, str] = {}
        self._used: set[str] = set()
        self._next = 0        # the first feed in config order whose name is not claimed yet
        for feed in self.feeds:
            if feed.explicit_name:
                self._names[feed.url] = _claim(feed.name, feed, self._used)

    def name(self, url: str, title: str | None = None) -> str | None:
        """The name of the feed at ``url`` (a config url; None when not configured);
        ``title`` its newly read title, if any."""
        if title and url not in self._names:
            self._titles[url] = title
        while url not in self._names and self._next < len(self.feeds):
            feed = self.feeds[self._next]
            self._next += 1
            if not feed.explicit_name:
                claimed = _short(clean_line(self._titles.get(feed.url) or ""))
                if claimed.casefold() in _GENERIC:
                    claimed = ""      # "Home": the page the feed was made from, not the site
                self._names[feed.url] = _claim(claimed or feed.name, feed, self._used)
        return self._names.get(url)


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


# a title that names no site, only the kind of page a generator made the feed from (a Hugo site's home
# page titled "Home"): the feed is called by its host, as one without a title
_GENERIC = frozenset({"home", "home page", "homepage", "index", "blog", "posts", "all posts", "articles",
                      "news", "feed", "rss", "rss feed", "atom feed", "untitled", "首页", "博客", "文章"})


# a title that describes the site after its name: "Engadget is a web magazine with obsessive daily
# coverage of everything new in…", "www.telegraph.co.uk for the latest news from the UK and around the
# world.", "HuffPost - Breaking News, U.S. and World News"
LONG_TITLE = 40
_DESCRIBED = re.compile(r"(?P<name>\S.{0,29}?)(?:\s+[-–—|»]\s+|:\s+|\s+(?:is|are)\s+(?:an?|the|your)\s"
                        r"|\s+for\s+(?:the|all|your)\s)")


def _short(title: str) -> str:
    """A feed's name from its title: the name before a description of the site, when the title is
    long and the name is one to four words ("Engadget"); at most ``NAME_MAX`` characters. A short
    title keeps its part after a dash: "BBC News - World" and "BBC News - Technology" are two feeds."""
    if len(title) > LONG_TITLE and (described := _DESCRIBED.match(title)) is not None \
            and len(described["name"].split()) <= 4:
        return described["name"].rstrip(" ,;:")
    if len(title) <= NAME_MAX:
        return title
    cut = title[:NAME_MAX - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-–—|") + "…"
