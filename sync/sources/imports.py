"""Readers for ``kbsync import FILE``: an OPML feed list, or articles as JSON / JSONL.

Contract:

* ``read_import(path, now=...)`` reads the file, picks the reader with
  ``detect_kind`` and returns an ``ImportResult``. It raises ``ImportError_``
  (a one-line message) only when the FILE as a whole is unusable: unreadable,
  empty, none of OPML/JSON/JSONL, invalid XML or invalid JSON as a whole, or
  an OPML with a DOCTYPE. Everything else is per record.
* A bad record never raises: it becomes a ``Reject(feed_url="import:<file
  name>", ref="record 3" | "line 7" | "outline 2", reason=...)`` whose reason is
  one line that starts with the ref and names the failing key, e.g.
  ``record 3: 'score': 150 is greater than the maximum of 100``. The rest of
  the file still imports.
* Article records follow ``schemas/article.schema.json`` (draft 2020-12;
  unknown keys reject the record). A record with a ``url`` gets
  ``kb_id = stable_id(canonical_url)``; one without gets
  ``stable_id("import:" + file name, title)``. The same kb_id twice in one
  file: the LATER record wins (it replaces the earlier one in place), because
  an export appended to over time has its newest version last.
* Dates become aware UTC (naive means UTC); a record without ``published``
  gets ``now`` with ``published_from="first_seen"``.
* Records (JSON) are counted from 1 in file order; lines (JSONL) are physical
  line numbers from 1, blank lines included in the count.
* OPML: every ``<outline>`` with an ``xmlUrl`` is a feed, whatever its depth;
  its category is the title of the nearest enclosing outline. Outlines without
  ``xmlUrl`` are folders, not feeds. A feed listed twice (same canonical URL)
  is kept once, the first time. ``FeedSpec.url`` is the ``xmlUrl`` as written
  (canonicalising is for identity, not for fetching). A document with a
  DOCTYPE is refused before any entity can be declared or expanded, so
  billion-laughs and external-entity files cannot do harm.

Functional core: every ``read_*`` is a pure function of its bytes (plus
``now``); only ``read_import`` touches the file system. URL canonicalisation
and HTML conversion come from ``sync.sources.urls`` and ``sync.sources.html``,
imported when a reader first needs them.
"""

from __future__ import annotations

import functools
import html
import json
import re
import reprlib
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from html.entities import html5
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit
from xml.parsers import expat

from sync.models import Entry, Reject, stable_id
from sync.resources import data_dir

SCHEMA_PATH = data_dir("schemas") / "article.schema.json"
HEAD_BYTES = 65536  # what detect_kind looks at

KINDS = ("opml", "json", "jsonl")


class ImportError_(Exception):
    """The import file as a whole cannot be used. ``str()`` is one line."""

    def __init__(self, message: str) -> None:
        super().__init__(_one_line(message))


@dataclass(frozen=True)
class FeedSpec:
    """A feed found in an OPML file."""

    url: str                      # http(s) URL, the xmlUrl as written
    name: str                     # title/text attribute, else the host
    category: str | None = None   # the enclosing outline's title, if any


@dataclass(frozen=True)
class PreScore:
    """A score made elsewhere and carried by the record (kept, not rescored)."""

    score: int
    tier: str | None
    category: str | None
    tags: tuple[str, ...]
    summary: str
    key_points: tuple[str, ...]


@dataclass(frozen=True)
class ImportedArticle:
    entry: Entry
    prescore: PreScore | None     # present when the record carries a score


@dataclass(frozen=True)
class ImportResult:
    feeds: list[FeedSpec]
    articles: list[ImportedArticle]
    rejects: list[Reject]


# --------------------------------------------------------------------------
# dispatch (the only I/O)

def read_import(path: Path, *, now: datetime) -> ImportResult:
    """Read ``path`` and import it as OPML, JSON or JSONL (see the module doc)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportError_(f"cannot read {path}: {exc.strerror or exc}") from None
    kind = detect_kind(path, data[:HEAD_BYTES])
    if kind == "opml":
        return read_opml(data, origin=path.name)
    if kind == "json":
        return read_articles_json(data, origin=path.name, now=now)
    return read_articles_jsonl(data, origin=path.name, now=now)


def detect_kind(path: Path, head: bytes) -> str:
    """``"opml"``, ``"json"`` or ``"jsonl"``: by content first, extension second.

    ``head`` is the first ``HEAD_BYTES`` bytes of the file (all of it if shorter).

    ``<`` starts XML (read as OPML; the reader names any other root element);
    ``[`` a JSON array. ``{`` is either one JSON document or JSON Lines: a
    first line that is a complete JSON value means JSONL, unless it is the
    ``{"articles": [...]}`` wrapper. Only when the first line does not end
    inside ``head`` does the extension (.jsonl/.ndjson vs .json) decide.
    Anything else raises ``ImportError_``.
    """
    text = _decode_head(head).lstrip()
    if not text:
        raise ImportError_(f"{path.name}: the file is empty")
    first = text[0]
    if first == "<":
        return "opml"
    if first == "[":
        return "json"
    if first == "{":
        return _object_kind(path, text, complete=len(head) < HEAD_BYTES)
    raise ImportError_(
        f"{path.name}: not an OPML, JSON or JSONL file (it starts with "
        f"{_short(text[:20])})")


def _object_kind(path: Path, text: str, *, complete: bool) -> str:
    line, newline, _ = text.partition("\n")
    if newline or complete:
        try:
            value = json.loads(line)
        except (ValueError, RecursionError):
            # the first line is not a whole value: a pretty-printed document
            return "json"
        return "json" if isinstance(value, dict) and "articles" in value else "jsonl"
    # the first line runs past the head: the wrapper is recognisable, else ask the name
    if re.match(r'\{\s*"articles"\s*:', text):
        return "json"
    return "json" if path.suffix.lower() == ".json" else "jsonl"


def _decode_head(head: bytes) -> str:
    # byte-order marks and BOM-less UTF-16 (a NUL in the first two bytes)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="replace")
    if head[1:2] == b"\x00":
        return head.decode("utf-16-le", errors="replace")
    if head[:1] == b"\x00":
        return head.decode("utf-16-be", errors="replace")
    return head.decode("utf-8-sig", errors="replace")


# --------------------------------------------------------------------------
# OPML

_XML_ENTITIES = {b"amp", b"lt", b"gt", b"quot", b"apos"}
_NAMED_ENTITY = re.compile(rb"&([A-Za-z][A-Za-z0-9]{1,31});")
_FEED_ROOTS = {"rss", "feed", "RDF", "rdf"}


class _Doctype(Exception):
    pass


class _RootSeen(Exception):
    pass


def read_opml(data: bytes, *, origin: str) -> ImportResult:
    """The feeds of an OPML document (see the module doc for the rules)."""
    root = _parse_xml(data, origin=origin)
    tag = _local(root.tag)
    if tag != "opml":
        if tag in _FEED_ROOTS:
            raise ImportError_(f"{origin}: this is a feed (<{tag}>), not an OPML feed list; "
                               "add its URL under [[feeds]] in config.toml")
        raise ImportError_(f"{origin}: not OPML (the root element is <{tag}>)")
    canonical_url = _tools().canonical_url
    feeds: list[FeedSpec] = []
    rejects: list[Reject] = []
    seen: set[str] = set()
    for number, (attrs, category) in enumerate(_feed_outlines(root), start=1):
        ref = f"outline {number}"
        raw = attrs["xmlurl"].strip()
        title = _clean_line(attrs.get("title") or attrs.get("text") or "")
        canonical = canonical_url(raw) if raw else None
        if canonical is None:
            label = f" ({title!r})" if title else ""
            rejects.append(Reject(f"import:{origin}", ref,
                                  f"{ref}{label}: xmlUrl is not an http(s) URL: {_short(raw)}"))
            continue
        if canonical in seen:
            continue  # listed twice: keep the first
        seen.add(canonical)
        name = title or urlsplit(canonical).hostname or canonical
        feeds.append(FeedSpec(url=raw, name=name, category=category))
    return ImportResult(feeds=feeds, articles=[], rejects=rejects)


def _parse_xml(data: bytes, *, origin: str) -> ET.Element:
    """Parse ``data`` with ElementTree, refusing any DOCTYPE first.

    The pre-pass stops at the root element: a DOCTYPE can only come before
    it, and stopping there means the pre-pass never reads the body.
    """
    data = _numeric_entities(data)
    probe = expat.ParserCreate()

    def on_doctype(*_: Any) -> None:
        raise _Doctype

    def on_root(*_: Any) -> None:
        raise _RootSeen

    probe.StartDoctypeDeclHandler = on_doctype
    probe.StartElementHandler = on_root
    try:
        probe.Parse(data, True)
    except _Doctype:
        raise ImportError_(f"{origin}: OPML with a DOCTYPE is not accepted") from None
    except _RootSeen:
        pass
    except expat.ExpatError as exc:
        raise ImportError_(f"{origin}: invalid XML: {expat.ErrorString(exc.code)} "
                           f"(line {exc.lineno}, column {exc.offset + 1})") from None
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        line, column = exc.position
        message = str(exc).split(":")[0]
        raise ImportError_(f"{origin}: invalid XML: {message} "
                           f"(line {line}, column {column + 1})") from None


def _numeric_entities(data: bytes) -> bytes:
    """Turn HTML named entities (``&eacute;``, ``&nbsp;``) into numeric ones.

    XML knows only five names, but OPML exporters write HTML's; without this
    the whole file would be "undefined entity". Skipped for UTF-16 input,
    where the byte pattern does not apply.
    """
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:4]:
        return data

    def numeric(match: re.Match[bytes]) -> bytes:
        name = match.group(1)
        text = html5.get(name.decode("ascii") + ";")
        if name in _XML_ENTITIES or text is None:
            return match.group(0)
        return "".join(f"&#{ord(ch)};" for ch in text).encode("ascii")

    return _NAMED_ENTITY.sub(numeric, data)


def _feed_outlines(root: ET.Element) -> Iterator[tuple[dict[str, str], str | None]]:
    """(lower-cased attributes, category) of each outline with an xmlUrl, in order.

    Iterative, so a hostile depth of nesting cannot exhaust the stack.
    """
    body = next((child for child in root if _local(child.tag) == "body"), None)
    if body is None:
        return
    stack: list[tuple[Iterator[ET.Element], str | None]] = [(iter(body), None)]
    while stack:
        children, category = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            continue
        if _local(child.tag) != "outline":
            continue
        attrs = {key.lower(): value for key, value in child.attrib.items()}
        if attrs.get("xmlurl") is not None:
            yield attrs, category
            stack.append((iter(child), category))
            continue
        # a folder: its title is the category of what it holds
        title = _clean_line(attrs.get("title") or attrs.get("text") or "")
        stack.append((iter(child), title or category))


def _local(tag: Any) -> str:
    # comments and processing instructions have a function as tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


# --------------------------------------------------------------------------
# JSON and JSONL

class _Bad(Exception):
    """One record is unusable; the message is the reason without the ref."""


class _Tools(NamedTuple):
    canonical_url: Callable[..., str | None]
    to_markdown: Callable[..., str]
    to_text: Callable[[str], str]
    legacy_url: Callable[..., str | None]


def read_articles_json(data: bytes, *, origin: str, now: datetime) -> ImportResult:
    """Articles from a JSON array of records, or ``{"articles": [...]}``."""
    try:
        document = json.loads(data)
    except json.JSONDecodeError as exc:
        raise ImportError_(f"{origin}: invalid JSON: {exc.msg} "
                           f"(line {exc.lineno}, column {exc.colno})") from None
    except (ValueError, RecursionError) as exc:
        # bad encoding, an absurd number, absurd nesting
        raise ImportError_(f"{origin}: invalid JSON: {_flat(exc)}") from None
    if isinstance(document, dict) and isinstance(document.get("articles"), list):
        records = document["articles"]
    elif isinstance(document, list):
        records = document
    else:
        raise ImportError_(f'{origin}: JSON must be an array of article records '
                           f'or an object with an "articles" array')
    numbered = ((f"record {number}", record) for number, record in enumerate(records, start=1))
    return _collect(numbered, origin=origin, now=now)


def read_articles_jsonl(data: bytes, *, origin: str, now: datetime) -> ImportResult:
    """Articles from JSON Lines: one record per line; blank lines are skipped."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    parsed: list[tuple[str, Any]] = []
    broken: list[Reject] = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        ref = f"line {number}"
        try:
            line = raw.decode("utf-8").strip()
        except UnicodeDecodeError as exc:
            broken.append(Reject(f"import:{origin}", ref,
                                 f"{ref}: not UTF-8 text (byte {exc.object[exc.start]:#04x} "
                                 f"at column {exc.start + 1})"))
            continue
        if not line:
            continue
        try:
            parsed.append((ref, json.loads(line)))
        except json.JSONDecodeError as exc:
            broken.append(Reject(f"import:{origin}", ref,
                                 f"{ref}: invalid JSON: {exc.msg} (column {exc.colno})"))
        except (ValueError, RecursionError) as exc:
            broken.append(Reject(f"import:{origin}", ref,
                                 f"{ref}: invalid JSON: {_flat(exc)}"))
    result = _collect(parsed, origin=origin, now=now)
    rejects = sorted(broken + result.rejects, key=lambda r: int(r.ref.split()[1]))
    return ImportResult(feeds=[], articles=result.articles, rejects=rejects)


def _collect(records: Iterable[tuple[str, Any]], *, origin: str, now: datetime) -> ImportResult:
    """Build each (ref, record); the later of two records with one kb_id wins."""
    tools = _tools()
    validator = _validator()
    by_id: dict[str, ImportedArticle] = {}
    rejects: list[Reject] = []
    for ref, record in records:
        try:
            article = _article(record, origin=origin, now=now, tools=tools, validator=validator)
        except _Bad as exc:
            rejects.append(Reject(f"import:{origin}", ref, _one_line(f"{ref}: {exc}")))
            continue
        by_id[article.entry.kb_id] = article  # the later record wins
    return ImportResult(feeds=[], articles=list(by_id.values()), rejects=rejects)


def _article(record: Any, *, origin: str, now: datetime, tools: _Tools,
             validator: Any) -> ImportedArticle:
    """One schema-valid record -> ImportedArticle; raises ``_Bad`` otherwise."""
    problems = _schema_problems(validator, record)
    if problems:
        raise _Bad("; ".join(problems))
    title = _clean_line(record.get("title", ""))
    url = None
    if "url" in record:
        url = _call(tools.canonical_url, "url", record["url"].strip())
        if url is None:
            raise _Bad(f"'url': {_short(record['url'])} is not an http(s) URL")
    if not title and url is None:
        raise _Bad("needs a non-empty 'title' or a 'url'")
    published = _published(record.get("published"))
    scored = "score" in record
    tags = _clean_list(record.get("tags", ()))
    categories = _clean_list(record.get("categories", ()))
    if not scored:
        # the reader's own tags on an unscored record: keep them as categories
        categories = tuple(dict.fromkeys(categories + tags))
    host = urlsplit(url).hostname if url else None
    entry = Entry(
        kb_id=stable_id(url) if url else stable_id(f"import:{origin}", title),
        url=url,
        title=title or url or "",
        source=_clean_line(record.get("source", "")) or host or origin,
        feed_url=f"import:{origin}",
        published=published or _utc(now),
        published_from="published" if published else "first_seen",
        author=_clean_line(record.get("author", "")) or None,
        content=_content(record, url, tools),
        summary=_summary(record.get("summary", ""), tools),
        categories=categories,
        language=record.get("language"),
        # the key an earlier version gave the URL (see urls.LATER_TRACKING_PARAMS)
        aliases=(stable_id(old),) if url and (old := tools.legacy_url(record["url"].strip())) else (),
    )
    prescore = None
    if scored:
        prescore = PreScore(
            score=int(record["score"]),
            tier=record.get("tier"),
            category=_clean_line(record.get("category", "")) or None,
            tags=tags,
            summary=_clean_line(record.get("summary_line", "")) or _clean_line(entry.summary),
            key_points=_clean_list(record.get("key_points", ())),
        )
    return ImportedArticle(entry=entry, prescore=prescore)


def _utc(moment: datetime) -> datetime:
    # naive means UTC (never the machine's local time)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _published(value: str | None) -> datetime | None:
    if value is None:
        return None
    text = value.strip().upper()  # the only letters ISO allows are T and Z
    try:
        return _utc(datetime.fromisoformat(text))
    except (ValueError, OverflowError):
        raise _Bad(f"'published': {_short(value)} is not a valid date or date-time") from None


_MARKER = re.compile(r"%(?=%\s*kbsync)", re.IGNORECASE)
_HTML_HINT = re.compile(
    r"</\s*(p|div|li|ul|ol|h[1-6]|blockquote|pre|table|tr|td|section|article|figure|span|a|strong|em)\s*>",
    re.IGNORECASE)


def _looks_like_html(text: str) -> bool:
    """A closing tag: Markdown rarely has one (an inline ``<br>`` or ``<img>`` it may)."""
    return _HTML_HINT.search(text) is not None


def _content(record: dict[str, Any], url: str | None, tools: _Tools) -> str:
    content = record.get("content", "")
    if not content.strip():
        return ""
    fmt = record.get("content_format") or ("html" if _looks_like_html(content) else "markdown")
    if fmt == "html":
        return _call(tools.to_markdown, "content", content, base_url=url).strip()
    # the reader's Markdown is kept as written, except that no line may pass
    # for one of kbsync's "%% kbsync:... %%" region markers
    markdown = _MARKER.sub("%\u200b", content.replace("\r\n", "\n"))
    return unicodedata.normalize("NFC", markdown).strip()


def _summary(summary: str, tools: _Tools) -> str:
    if _looks_like_html(summary) or "&" in summary:
        return _call(tools.to_text, "summary", summary).strip()
    return unicodedata.normalize("NFC", summary.replace("\r\n", "\n")).strip()


def _call(function: Callable[..., Any], key: str, *args: Any, **kwargs: Any) -> Any:
    """Run a converter; its failure rejects the record, naming the key."""
    try:
        return function(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - third-party converters raise anything
        raise _Bad(f"{key!r}: could not be converted: {_flat(exc)}") from None


# --------------------------------------------------------------------------
# schema errors -> one short line each

_PATTERN_MEANING = {
    "url": "an http(s) URL",
    "published": "an ISO 8601 date or date-time",
    "language": "a language tag such as 'en' or 'zh-CN'",
}
_MAX_PROBLEMS = 4


@functools.lru_cache(maxsize=1)
def _validator() -> Any:
    """The compiled article schema (read once; it is part of the program)."""
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def _schema_problems(validator: Any, record: Any) -> list[str]:
    errors = sorted(validator.iter_errors(record),
                    key=lambda e: ([str(p) for p in e.absolute_path], e.validator))
    problems = list(dict.fromkeys(_describe(error) for error in errors))
    if len(problems) > _MAX_PROBLEMS:
        extra = len(problems) - _MAX_PROBLEMS
        problems = problems[:_MAX_PROBLEMS] + [f"and {extra} more"]
    return problems


def _describe(error: Any) -> str:
    """One problem, naming its key: ``'score': 150 is greater than ...``."""
    path = _json_path(error.absolute_path)
    kind, instance, expected = error.validator, error.instance, error.validator_value
    if kind == "additionalProperties":
        unknown = sorted(set(instance) - set(error.schema.get("properties", {})))
        return "; ".join(f"unknown key {_short(key)}" for key in unknown)
    if kind == "anyOf" and not path:
        return "needs a 'title' or a 'url'"
    if kind == "dependentRequired":
        match = re.match(r"(.*) is a dependency of (.*)$", error.message)
        if match:
            return f"{match.group(2)} requires {match.group(1)} (pre-scored fields come with a score)"
    if kind == "type" and not path:
        return f"a record must be a JSON object, not {_json_type(instance)}"
    if kind == "type":
        return f"{path}: expected {expected}, got {_json_type(instance)}"
    if kind == "pattern":
        key = str(error.absolute_path[0]) if error.absolute_path else ""
        return f"{path}: {_short(instance)} is not {_PATTERN_MEANING.get(key, 'well formed')}"
    if kind == "maxItems":
        return f"{path}: {len(instance)} items, at most {expected} allowed"
    if kind == "minLength":
        return f"{path}: must not be empty"
    if kind == "maxLength":
        return f"{path}: longer than {expected} characters"
    if kind == "enum":
        return f"{path}: {_short(instance)} is not one of {', '.join(map(str, expected))}"
    return f"{path}: {_flat(error.message)[:200]}" if path else _flat(error.message)[:200]


def _json_path(parts: Any) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f"'{part}'" if not text else f".{part}")
    return text


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


# --------------------------------------------------------------------------
# small text helpers

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SHORT = reprlib.Repr()
_SHORT.maxstring = 60
_SHORT.maxother = 60
_SHORT.maxlist = 4
_SHORT.maxdict = 4
_SHORT.maxlevel = 2


def _clean_line(text: str) -> str:
    """One line of plain text: entities decoded, controls and runs of space collapsed, NFC."""
    text = _CONTROL.sub(" ", html.unescape(text))
    return unicodedata.normalize("NFC", " ".join(text.split()))


def _clean_list(values: Any) -> tuple[str, ...]:
    cleaned = (_clean_line(value) for value in values)
    return tuple(dict.fromkeys(value for value in cleaned if value))


def _short(value: Any) -> str:
    """A bounded repr for messages (records can hold megabytes)."""
    return _SHORT.repr(value)


def _flat(exc: BaseException | str) -> str:
    # exception texts can span lines; a reason may not
    return _one_line(str(exc))


def _one_line(text: str) -> str:
    return " ".join(text.split())


@functools.lru_cache(maxsize=1)
def _tools() -> _Tools:
    """The converters, imported on first use (their modules load Rust code)."""
    from sync.sources.html import to_markdown, to_text
    from sync.sources.urls import canonical_url, legacy_url

    return _Tools(canonical_url, to_markdown, to_text, legacy_url)
