"""Fetched bytes -> normalised ``Entry`` records, or ``Reject``s with a reason.

``parse_feed`` never raises on bad input: a feed that cannot be read at all
comes back with a one-line ``error`` and no entries; a feed that can be read
gives every entry either as an ``Entry`` or as a ``Reject``.

Formats: JSON Feed 1.0/1.1 is read by ``jsonfeed.py``; everything else goes to
feedparser, on bytes only (wrapped in ``BytesIO``: given raw bytes, feedparser
would try to open them as a local file name; as UTF-8 when they are in a legacy
charset they do not name: ``charset.py``), with ``sanitize_html=False`` and
``resolve_relative_uris=False`` because ``html.py`` sanitises and resolves
ten times faster. feedparser gets expat with buffered text and its cp1252
table as a string (``saxdriver.py``): the same values for a quarter less of its
CPU. Both readers yield entries in feedparser's dict shape and one normaliser
(``normalise_entry``) turns them into records.
"""

from __future__ import annotations

import calendar
import dataclasses
import html as _html
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import unquote, urlsplit

import feedparser

from sync.models import Entry, Reject, stable_id
from sync.sources.bodies import best_body, double_escaped, is_html
from sync.sources.charset import transcode_undeclared
from sync.sources.dates import localized_date
from sync.sources.discovery import looks_html, named_feed
from sync.sources.html import clean_line, to_markdown, to_text, without_footers
from sync.sources.identity import base_id, settle
from sync.sources.jsonfeed import JsonFeedError, looks_like_json, read_json_feed
from sync.sources.saxdriver import cp1252_table
from sync.sources.urls import canonical_url, legacy_url, redirect_target, schemeless_host_link

TITLE_MAX = 300
SUMMARY_MAX = 600
FALLBACK_TITLE_MAX = 80
_TERM_MAX = 100
_IDENTIFIER = re.compile(r"\s*(?:https?://|urn:|tag:)", re.IGNORECASE)   # a category term that is an address
_AUTHOR_MAX = 200
_REF_MAX = 200
_ERROR_MAX = 200
_OLDEST_YEAR = 1990
_FUTURE_SLACK = timedelta(days=2)

# "Looks like markup" in a field that claims to be plain text: a closing tag,
# a tag with attributes, a void tag, or an entity. A lone "<dialog>" in a
# title about HTML is left alone; "<script>x</script>" is not.
_MARKUP = re.compile(
    r"</[A-Za-z][\w:-]*\s*>|<[A-Za-z][\w:-]*\s[^<>]*=|<(?:br|hr|img|wbr)\b[^<>]*>"
    r"|&(?:#[0-9]+|#x[0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);")
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{1,8})*")
# Expat's words for a document that ends before its elements do: a truncated body.
_TRUNCATED = re.compile(r"no element found|unclosed token|unclosed CDATA section|unexpected end")
# The end of a whole document: its root element closed (then only comments or white space).
_ROOT_END = re.compile(rb"</(?:[\w-]+:)?(?:rss|feed|RDF)\s*>(?:\s|<!--.*?-->)*\Z", re.DOTALL)
# Encoding complaints that leave an otherwise valid (possibly empty) feed.
_BENIGN_BOZO = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
# feedparser's strict parser gets expat with buffered text (saxdriver.py): same values, a
# quarter less of feedparser's CPU on HTML-heavy feeds
_SAX_DRIVER = "sync.sources.saxdriver"
if _SAX_DRIVER not in feedparser.api.PREFERRED_XML_PARSERS:
    feedparser.api.PREFERRED_XML_PARSERS.insert(0, _SAX_DRIVER)
# and the table of its cp1252 fix-up as a string (saxdriver.py): the same mapping, read faster
if isinstance(getattr(feedparser.mixin, "_cp1252", None), dict) and all(
        isinstance(k, int) and k < 0x10000 for k in feedparser.mixin._cp1252):
    feedparser.mixin._cp1252 = cp1252_table(feedparser.mixin._cp1252)


@dataclass(frozen=True)
class ParsedFeed:
    """One feed body, read. ``error`` set means the whole feed was unreadable;
    ``warning`` that it was read only in part (a feed cut off halfway keeps
    the entries before the cut)."""

    title: str | None
    link: str | None
    entries: list[Entry]
    rejects: list[Reject]
    error: str | None = None
    warning: str | None = None


@dataclass(frozen=True)
class FeedContext:
    """What every entry of one feed shares when it is normalised."""

    feed_url: str
    source: str
    base: str | None          # feed link, else the document URL: base for entry links
    language: str | None
    now: datetime


def parse_feed(body: bytes, *, feed_url: str, source: str,
               headers: Mapping[str, str] | None = None, now: datetime) -> ParsedFeed:
    """Parse one fetched feed body into entries and rejects (never raises).

    ``headers`` are the HTTP response headers (any case); feedparser uses
    ``Content-Type`` for the charset. ``now`` is the "first seen" time used
    when an entry carries no usable date.
    """
    now = now.replace(tzinfo=timezone.utc) if now.tzinfo is None else now.astimezone(timezone.utc)
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    try:
        for _ in range(3):                 # (a layer or two more than the client undid)
            if body[:2] != b"\x1f\x8b":
                break
            body, problem = _gunzipped(body)
            if problem:
                return _failed(problem)
        problem = _sniff(body)
        if problem:
            return _failed(problem)
        warning = None
        if looks_like_json(body):
            feed, raw_entries = read_json_feed(body)
        else:
            # a legacy CJK or Cyrillic feed that names no charset is handed over as UTF-8
            feed, raw_entries, error, warning = _read_xml(transcode_undeclared(body, lowered), lowered)
            if error:
                # an HTML page is named as such, but only once the parser found no feed in it:
                # a valid feed may carry a stray <!DOCTYPE html> line
                return _failed(_html_page(body, feed_url) if looks_html(body) else error)
        parsed = _normalise_feed(feed, raw_entries, feed_url=feed_url, source=source,
                                 headers=lowered, now=now)
        return dataclasses.replace(parsed, warning=warning)
    except JsonFeedError as exc:
        return _failed(str(exc))
    except Exception as exc:  # a parser bug must cost one feed, not the run
        return _failed(f"parser failed: {type(exc).__name__}: {exc}")


def _failed(error: str) -> ParsedFeed:
    return ParsedFeed(title=None, link=None, entries=[], rejects=[], error=_one_line(error, _ERROR_MAX))


MAX_INFLATED = 20_000_000   # bytes a gzip-compressed body may inflate to (twice the fetcher's default cap)


def _gunzipped(body: bytes) -> tuple[bytes, str | None]:
    """A body that is gzip data (a server that compressed a feed file and said nothing, or compressed
    it twice: the client undoes one layer) inflated, at most ``MAX_INFLATED`` bytes; or the reason
    it cannot be. The fetcher's bounded inflater does it, a piece at a time."""
    from .bounded import Undecodable, decode_body   # (only for such a body: it brings httpcore with it)

    pieces: list[bytes] = []
    size = 0
    try:
        for piece in decode_body([body], "gzip"):
            size += len(piece)
            if size > MAX_INFLATED:
                return b"", f"not a feed: gzip data larger than {MAX_INFLATED // 1_000_000} MB inflated"
            pieces.append(piece)
    except Undecodable as exc:
        cut = str(exc).startswith("truncated")
        return b"", "not a feed: gzip data cut short" if cut else "not a feed: gzip data that cannot be read"
    return b"".join(pieces), None


def _sniff(body: bytes) -> str | None:
    """A reason when the bytes are plainly not a feed, before any parsing."""
    if not body or not body.strip():
        return "empty body"
    return None


def _html_page(body: bytes, page_url: str) -> str:
    """Why an HTML page is no feed, and where its feed is when the page names one (``discovery``): a
    reader who wrote a site's address in config.toml is told the address to write instead."""
    feed = named_feed(body, page_url)
    if feed is None:
        return "not a feed: looks like an HTML page"
    said = f"not a feed: an HTML page, whose feed is {feed}"
    # (the advice goes first when the line would be cut: the address must be whole)
    advice = " (write that address in config.toml)"
    return said + advice if len(said + advice) <= _ERROR_MAX else said


def _read_xml(body: bytes, headers: dict[str, str]
              ) -> tuple[Mapping[str, Any], list[Any], str | None, str | None]:
    """feedparser on bytes; ``(feed, entries, error, warning)``."""
    # Content-Location would become every element's base and outrank the
    # entry link; the normaliser applies it as the document URL instead.
    fp_headers = {k: v for k, v in headers.items() if k != "content-location"}
    result = feedparser.parse(io.BytesIO(body), response_headers=fp_headers,
                              sanitize_html=False, resolve_relative_uris=False)
    # Plain dicts: FeedParserDict.get("updated_parsed") silently answers with
    # published_parsed, which would invent an update date.
    entries = [dict(e) for e in result.get("entries") or []]
    version = result.get("version") or ""
    exc = result.get("bozo_exception")
    if not entries and result.get("bozo") and not (version and isinstance(exc, _BENIGN_BOZO)):
        # Broken and nothing recovered: report feedparser's reason.
        return {}, [], f"malformed feed: {_describe(exc)}", None
    if not entries and not version:
        return {}, [], "not a feed: no RSS, Atom or RDF document found", None
    feed = dict(result.get("feed") or {})
    warning = None
    if result.get("bozo") and not isinstance(exc, _BENIGN_BOZO) and (
            _TRUNCATED.search(str(exc)) or not _ROOT_END.search(body[-4096:])):
        # cut off halfway: the entries before the cut are kept, and the feed is not "ok"
        # (other complaints, an undefined entity say, leave a feed read whole)
        warning = _one_line(f"read in part ({len(entries)} entries): malformed feed: {_describe(exc)}", _ERROR_MAX)
    return feed, entries, None, warning


def _describe(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown error"
    text = str(exc) or type(exc).__name__
    return text if text.startswith(type(exc).__name__) else f"{type(exc).__name__}: {text}"


def _normalise_feed(feed: Mapping[str, Any], raw_entries: Sequence[Any], *, feed_url: str,
                    source: str, headers: Mapping[str, str], now: datetime) -> ParsedFeed:
    document_url = canonical_url(headers.get("content-location", ""), base=feed_url) or feed_url
    link = canonical_url(feed.get("link") or "", base=document_url)
    ctx = FeedContext(
        feed_url=feed_url, source=source, base=link or canonical_url(document_url) or None,
        language=_language(feed.get("language") or headers.get("content-language")),
        now=now,
    )
    entries: list[Entry] = []
    rejects: list[Reject] = []
    fragments: list[str] = []
    refs: list[str] = []
    for index, raw in enumerate(raw_entries):
        try:
            record = normalise_entry(raw, ctx, index)
        except Exception as exc:  # one odd entry must not lose the others
            record = Reject(feed_url, _ref(raw, index),
                            _one_line(f"unreadable entry: {type(exc).__name__}: {exc}", _ERROR_MAX))
        if isinstance(record, Entry):
            entries.append(record)
            fragments.append(_fragment(raw.get("link")))
            refs.append(_ref(raw, index))
        else:
            rejects.append(record)
    # entries of this feed that share a key: told apart, or rejected as duplicates with a reason
    entries, duplicates = settle(entries, fragments, refs)
    rejects += duplicates
    title = _field_text(feed.get("title"), feed.get("title_detail"))
    return ParsedFeed(title=_cap(title, TITLE_MAX) or None, link=link,
                      entries=entries, rejects=rejects, error=None)


def normalise_entry(raw: Mapping[str, Any], ctx: FeedContext, index: int) -> Entry | Reject:
    """One feedparser-shaped entry -> ``Entry``, or ``Reject`` with a reason.

    * URL: the entry link resolved against the feed link / document URL,
      else an id/guid that is itself an absolute http(s) URL; canonicalised.
    * Title: plain text (markup stripped, entities decoded, one line, at most
      ``TITLE_MAX`` chars). With a URL but no title, the title falls back to
      the first ~80 chars of the summary text, else the URL path's last
      segment (else the host). No URL and no title: rejected, never invented.
    * Dates: published, else updated, else ``ctx.now`` (``published_from``
      says which); dates before 1990 or more than two days ahead count as
      missing.
    * Content: Markdown of the richest body (HTML content first, the longest),
      else of the summary; relative links resolved against xml:base, else
      the entry URL, else the feed link, else the document URL.
    """
    guid = _one_line(str(raw.get("id") or ""), 2048) or None
    link = schemeless_host_link(raw.get("link") or "", ctx.base)
    url = canonical_url(link, base=ctx.base)
    old = legacy_url(link, base=ctx.base) if url is not None else None
    if url is None and guid:
        # Only a guid that is an absolute URL by itself counts as a link.
        url, old = canonical_url(guid), legacy_url(guid)
    # the keys an earlier version gave this entry: its link's earlier canonical form (see
    # urls.LATER_TRACKING_PARAMS), and a redirect's (FeedBurner's, a site's own), which was its link before
    aliases = [stable_id(old)] if old else []
    original = _feedburner_original(raw) or redirect_target(url)
    if original is not None and url is not None and original != url:
        aliases.insert(0, stable_id(url))
        url = original
    title = _cap(_field_text(raw.get("title"), raw.get("title_detail")), TITLE_MAX)
    summary_detail = raw.get("summary_detail")
    summary = without_footers(_field_text(raw.get("summary"), summary_detail))
    if url is None and not title:
        return Reject(ctx.feed_url, _ref(raw, index), "no link and no title")
    if not title:
        title = _cap(summary, FALLBACK_TITLE_MAX) or _title_from_url(url or "")
    # a date feedparser could not read may be written in the feed's language (dates.py)
    language = _entry_language(raw) or ctx.language
    published = _valid_date(raw.get("published_parsed") or localized_date(raw.get("published"), language), ctx.now)
    updated = _valid_date(raw.get("updated_parsed") or localized_date(raw.get("updated"), language), ctx.now)
    if published is not None:
        when, when_from = published, "published"
    elif updated is not None:
        when, when_from = updated, "updated"
    else:
        when, when_from = ctx.now, "first_seen"
    entry = Entry(
        kb_id="",
        url=url,
        title=title,
        source=ctx.source,
        feed_url=ctx.feed_url,
        published=when,
        published_from=when_from,
        entry_id=guid,
        author=_author(raw),
        updated=updated,
        content=_content(raw, url, ctx),
        summary=_cap(summary, SUMMARY_MAX),
        categories=_categories(raw.get("tags")),
        language=language,
        aliases=tuple(aliases),   # the keys an earlier version gave it (above)
    )
    # the key within the feed (see identity.py); ``settle`` refines it when entries collide
    return dataclasses.replace(entry, kb_id=base_id(entry))


def _fragment(link: Any) -> str:
    """The fragment of an entry link as the feed wrote it ("" when none)."""
    if not isinstance(link, str) or "#" not in link:
        return ""
    return clean_line(link.split("#", 1)[1])


def _field_text(value: Any, detail: Any) -> str:
    """Plain one-line text of a title/summary-like field.

    HTML-typed fields are stripped; plain-typed ones are stripped too when
    they carry markup anyway (RSS titles are often escaped HTML that
    feedparser cannot classify), otherwise kept as written.
    """
    if not isinstance(value, str) or not value:
        return ""
    if is_html(detail) or _MARKUP.search(value):
        return to_text(value)
    return clean_line(value)


def _content(raw: Mapping[str, Any], url: str | None, ctx: FeedContext) -> str:
    body = best_body(raw)
    if body is None:
        return ""
    value = body.get("value") or ""
    if not isinstance(value, str) or not value.strip():
        return ""
    if double_escaped(body):
        value = _html.unescape(value)   # escaped twice and nothing cleaner: undo one level
    # Plain text is escaped so that it comes out as the same text, its line breaks kept.
    html = is_html(body)
    markup = value if html else _html.escape(value, quote=False)
    base = canonical_url(body.get("base") or "", base=ctx.base) or url or ctx.base
    return to_markdown(markup, base_url=base, text=not html, article_url=url)


def _feedburner_original(raw: Mapping[str, Any]) -> str | None:
    """The article's own address in a FeedBurner feed (``<feedburner:origLink>``), whose
    ``<link>`` is FeedBurner's redirect (feedproxy.google.com): a hop through Google on every
    click, and an address no other feed gives for the same story."""
    original = raw.get("feedburner_origlink")
    return canonical_url(original) if isinstance(original, str) and original.strip() else None


def _valid_date(parsed: Any, now: datetime) -> datetime | None:
    """An aware UTC datetime from a UTC struct_time, or None when absurd."""
    if not parsed:
        return None
    try:
        when = datetime.fromtimestamp(calendar.timegm(tuple(parsed)[:6] + (0, 0, 0)), tz=timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
    if when.year < _OLDEST_YEAR or when > now + _FUTURE_SLACK:
        return None
    return when


def _author(raw: Mapping[str, Any]) -> str | None:
    detail = raw.get("author_detail")
    name = detail.get("name") if isinstance(detail, Mapping) else None
    text = _field_text(name or raw.get("author"), None)
    return _cap(text, _AUTHOR_MAX) or None


def _categories(tags: Any) -> tuple[str, ...]:
    """Tag terms, stripped, deduplicated case-insensitively, first one wins.

    A term that is an address is an identifier, not a name (Atom allows a
    URI: Google's GData feeds write ``term="http://schemas.google.com/g/2005/
    labels#starred" label="starred"``, YouTube's the video kind): its
    ``label`` stands for it, and without one it is no category.
    """
    seen: set[str] = set()
    out: list[str] = []
    for tag in tags or []:
        if not isinstance(tag, Mapping):
            continue
        term = tag.get("term")
        if not isinstance(term, str) or not term.strip() or _IDENTIFIER.match(term):
            term = tag.get("label")
        text = _cap(_field_text(term, None), _TERM_MAX)
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            out.append(text)
    return tuple(out)


def _entry_language(raw: Mapping[str, Any]) -> str | None:
    if raw.get("language"):
        return _language(raw.get("language"))
    for key in ("content", "summary_detail", "title_detail"):
        detail = raw.get(key)
        if isinstance(detail, list):
            detail = detail[0] if detail else None
        if isinstance(detail, Mapping) and detail.get("language"):
            return _language(detail["language"])
    return None


def _language(value: Any) -> str | None:
    """``en-US`` / ``zh_CN`` -> ``en-us`` / ``zh-cn``; None when not a language tag."""
    if not isinstance(value, str):
        return None
    tag = value.strip().replace("_", "-").lower().split(",")[0].strip()
    return tag if _LANGUAGE.fullmatch(tag) else None


def _title_from_url(url: str) -> str:
    parts = urlsplit(url)
    segment = unquote(parts.path.rstrip("/").rsplit("/", 1)[-1])
    return _cap(clean_line(segment), TITLE_MAX) or parts.hostname or url


def _ref(raw: Any, index: int) -> str:
    """A human handle on a rejected entry: guid, link, title, else its position."""
    if isinstance(raw, Mapping):
        for key in ("id", "link", "title"):
            value = raw.get(key)
            if isinstance(value, str) and value.strip():
                return _one_line(value, _REF_MAX)
    return f"entry #{index + 1}"


def _cap(text: str, limit: int) -> str:
    """At most ``limit`` chars, cut at a word boundary when one is near, with "…"."""
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    space = cut.rfind(" ")
    if space >= limit * 3 // 4:
        cut = cut[:space]
    return cut.rstrip() + "…"


def _one_line(text: str, limit: int) -> str:
    return _cap(clean_line(text), limit)
