"""JSON Feed 1.0 / 1.1 reader (feedparser cannot parse JSON Feed).

``read_json_feed`` translates a JSON Feed document into the *feedparser
shape* (a ``feed`` dict and a list of entry dicts with the keys feedparser
uses: ``link``, ``id``, ``title``, ``title_detail``, ``content``,
``summary``, ``summary_detail``, ``published_parsed``, ``updated_parsed``,
``author``, ``tags``, ``language``), so one normaliser in ``parse.py``
handles RSS, Atom and JSON Feed alike. Dates become UTC ``time.struct_time``
like feedparser's; an unreadable date becomes ``None`` (the normaliser then
falls back). Nothing here resolves URLs or cleans HTML: that is the
normaliser's job, for every format the same way.

Tolerated deviations seen in the wild: a numeric ``id``, ``author`` (1.0)
and ``authors`` (1.1) both accepted, ``external_url`` used when ``url`` is
missing, non-string tags skipped. An item that is not a JSON object becomes
an empty entry (which the normaliser rejects as having no link and no title).
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

_VERSION_PREFIX = "https://jsonfeed.org/version/"


class JsonFeedError(ValueError):
    """The body is not a readable JSON Feed; the message is one line."""


def looks_like_json(body: bytes) -> bool:
    """True when the first non-blank byte (after a UTF-8 BOM) opens JSON."""
    head = body[:64].lstrip(b"\xef\xbb\xbf").lstrip()
    return head[:1] in (b"{", b"[")


def read_json_feed(body: bytes) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``(feed, entries)`` in the feedparser shape, or ``JsonFeedError``."""
    try:
        doc = json.loads(body.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise JsonFeedError(f"invalid JSON: not UTF-8 ({exc.reason})") from None
    except json.JSONDecodeError as exc:
        raise JsonFeedError(f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise JsonFeedError("invalid JSON: nested too deeply") from None
    if not isinstance(doc, dict):
        raise JsonFeedError("not a feed: JSON document is not a JSON Feed (top level is not an object)")
    version = doc.get("version")
    items = doc.get("items")
    # A missing or odd version is tolerated when there is an items list.
    if not (isinstance(version, str) and version.startswith(_VERSION_PREFIX)) and not isinstance(items, list):
        raise JsonFeedError("not a feed: JSON document is not a JSON Feed (no version, no items)")
    if not isinstance(items, list):
        raise JsonFeedError("malformed JSON Feed: 'items' is not a list")
    feed = {
        "title": _str(doc.get("title")),
        "link": _str(doc.get("home_page_url")),
        "language": _str(doc.get("language")),
        "version": version if isinstance(version, str) else "",
    }
    return feed, [_entry(item) for item in items]


def _entry(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        return {}
    entry: dict[str, Any] = {}
    link = _str(item.get("url")) or _str(item.get("external_url"))
    if link:
        entry["link"] = link
    item_id = item.get("id")
    if isinstance(item_id, (str, int)) and not isinstance(item_id, bool) and str(item_id).strip():
        entry["id"] = str(item_id).strip()
    title = _str(item.get("title"))
    if title:
        entry["title"] = title
        entry["title_detail"] = {"type": "text/plain", "value": title}
    content = []
    if _str(item.get("content_html")):
        content.append({"type": "text/html", "value": item["content_html"]})
    if _str(item.get("content_text")):
        content.append({"type": "text/plain", "value": item["content_text"]})
    if content:
        entry["content"] = content
    summary = _str(item.get("summary"))
    if summary:
        entry["summary"] = summary
        entry["summary_detail"] = {"type": "text/plain", "value": summary}
    entry["published_parsed"] = _date(item.get("date_published"))
    entry["updated_parsed"] = _date(item.get("date_modified"))
    author = _authors(item.get("authors"), item.get("author"))
    if author:
        entry["author"] = author
    tags = item.get("tags")
    if isinstance(tags, list):
        entry["tags"] = [{"term": t} for t in tags if isinstance(t, str)]
    language = _str(item.get("language"))
    if language:
        entry["language"] = language
    return entry


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _authors(authors: Any, author: Any) -> str | None:
    """Names from ``authors`` (1.1) or ``author`` (1.0), comma-joined."""
    candidates = authors if isinstance(authors, list) else [author]
    names = [a["name"].strip() for a in candidates
             if isinstance(a, dict) and _str(a.get("name"))]
    return ", ".join(names) or None


def _date(value: Any) -> time.struct_time | None:
    """RFC 3339 (as the spec says) or RFC 822 (as some emit) -> UTC struct_time."""
    if not _str(value):
        return None
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    try:
        return parsed.astimezone(timezone.utc).timetuple()
    except (OverflowError, ValueError):
        return None
