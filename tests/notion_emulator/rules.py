"""Notion's content rules beyond sizes: enumerations, known keys, web URLs.

Each rule names its source next to it. The enumerations (code languages,
number formats, time zones, emoji) are Notion's own, as its OpenAPI schema
spells them in the official SDK's request types (``enums.json`` says which
commit); a value outside one is refused the way Notion words a union
failure: ``body failed validation: body.x should be `"a"`, `"b"`, or `"c"`,
instead was `"d"`.`` (the wording of a real refusal of an unknown code
language, quoted in public code; the same validator answers every enum).

URLs Notion checks after the request's shape: a link, an image or a
bookmark that is not an absolute ``http(s)`` URL. Those are "content"
problems: Notion reports them together, one line each, after
``Content creation Failed. Fix the following: `` (tryfabric/martian#41
shows three bad links answered as three ``Invalid URL for link.`` lines).
:func:`collecting` gathers them for one request and every write calls
:func:`checkpoint` after its checks, before it changes anything; outside
a request (the helpers) the first problem is raised at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .common import ApiError, invalid, rejected, show

_ENUMS = json.loads((Path(__file__).with_name("enums.json")).read_text(encoding="utf-8"))
CODE_LANGUAGES: tuple[str, ...] = tuple(_ENUMS["code_languages"])
NUMBER_FORMATS: tuple[str, ...] = tuple(_ENUMS["number_formats"])
TIME_ZONES: frozenset[str] = frozenset(_ENUMS["time_zones"])
EMOJI: frozenset[str] = frozenset(_ENUMS["emoji"])
_ORDER = {"time_zones": tuple(_ENUMS["time_zones"]), "emoji": tuple(_ENUMS["emoji"])}

# keys a block may carry beside its content: the SDK's BlockObjectRequest has ``object``, ``type`` and
# the content key only (makenotion/notion-sdk-js src/api-endpoints/common.ts)
BLOCK_KEYS = frozenset({"object", "type"})
_TEXT = frozenset({"rich_text", "color", "children"})
# keys inside each block's content, from the same request types
CONTENT_KEYS: dict[str, frozenset[str]] = {
    "paragraph": _TEXT | {"icon"},
    "heading_1": _TEXT | {"is_toggleable"}, "heading_2": _TEXT | {"is_toggleable"},
    "heading_3": _TEXT | {"is_toggleable"},
    "bulleted_list_item": _TEXT, "numbered_list_item": _TEXT, "quote": _TEXT, "toggle": _TEXT,
    "to_do": _TEXT | {"checked"}, "callout": _TEXT | {"icon"}, "template": frozenset({"rich_text", "children"}),
    "code": frozenset({"rich_text", "language", "caption"}),
    "bookmark": frozenset({"url", "caption"}), "embed": frozenset({"url", "caption"}),
    "image": frozenset({"type", "external", "file_upload", "caption"}),
    "video": frozenset({"type", "external", "file_upload", "caption"}),
    "pdf": frozenset({"type", "external", "file_upload", "caption"}),
    "audio": frozenset({"type", "external", "file_upload", "caption"}),
    "file": frozenset({"type", "external", "file_upload", "caption", "name"}),
    "equation": frozenset({"expression"}), "divider": frozenset(), "breadcrumb": frozenset(),
    "table_of_contents": frozenset({"color"}), "link_to_page": frozenset({"type", "page_id", "database_id"}),
    "table": frozenset({"table_width", "children", "has_column_header", "has_row_header"}),
    "table_row": frozenset({"cells"}), "column_list": frozenset({"children"}),
    "column": frozenset({"children", "width_ratio"}),
}
# a rich text item: the request type has ``type``, the content key and ``annotations``; ``plain_text`` and
# ``href`` of an item read back from Notion are accepted and ignored, so read-modify-write works
RICH_TEXT_KEYS = frozenset({"type", "text", "mention", "equation", "annotations", "plain_text", "href"})
TEXT_KEYS = frozenset({"content", "link"})
LINK_KEYS = frozenset({"url", "type"})      # martian#41: a link {"type": "url", "url": ...} met only the URL check


def enum_text(values: Iterable[str]) -> str:
    quoted = [f"`{json.dumps(v, ensure_ascii=False)}`" for v in values]
    return ", ".join(quoted[:-1]) + f", or {quoted[-1]}" if len(quoted) > 1 else quoted[0]


def one_of(path: str, values: Iterable[str], given: Any) -> ApiError:
    """Notion's refusal of a value outside an enumeration (every member listed, as Notion does)."""
    return invalid(f"{path} should be {enum_text(values)}, instead was `{show(given)}`.")


def not_present(path: str, given: Any) -> ApiError:
    """An unknown key, refused as Notion words it (markomanninen/md2notion#15 quotes
    ``body.children[0].bulleted_list_item.rich_text[1].link should be not present, instead was `{...}`.``)."""
    return invalid(f"{path} should be not present, instead was `{show(given)}`.")


def known_keys(path: str, given: dict, allowed: frozenset[str] | set[str]) -> None:
    for key, value in given.items():
        if key not in allowed:
            raise not_present(f"{path}.{key}", value)


def language(path: str, given: Any) -> str:
    """A code block's language: Notion's LanguageRequest enum (a public quote of the real refusal lists
    ``body.children[0].code.language should be `"abap"`, `"agda"`, ...``)."""
    if given not in CODE_LANGUAGES:
        raise one_of(path, CODE_LANGUAGES, given)
    return given


def number_format(path: str, given: Any) -> str:
    """A number property's format: Notion's NumberFormat enum (``number``, ``dollar``, ``percent``...)."""
    if given not in NUMBER_FORMATS:
        raise one_of(path, NUMBER_FORMATS, given)
    return given


def time_zone(path: str, given: Any) -> str | None:
    """A date's time zone: ``null`` or one of Notion's TimeZoneRequest names (IANA, e.g. ``Europe/Paris``)."""
    if given is None:
        return None
    if given not in TIME_ZONES:
        raise one_of(path, _ORDER["time_zones"], given)
    return given


def emoji(path: str, given: Any) -> str:
    """An emoji icon: one of Notion's EmojiRequest emoji; text such as ``"abc"`` is refused (a public
    note quotes the refusal: ``body.children[N].callout.icon.emoji should be `"😀"`, `"😃"`, ...``)."""
    if given not in EMOJI:
        raise one_of(path, _ORDER["emoji"], given)
    return given


def web_url(value: str) -> bool:
    """An absolute ``http``/``https`` URL with a host. Notion refuses other link schemes
    (dvanoni/notero#458/#459: ``zotero:`` links failed, "Notion only supports links that use the http:
    or https: protocol") and relative paths (brittonhayes/notionmd#12/#13)."""
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname) and " " not in value.strip()


# -- content problems, gathered per request ------------------------------------------------------

_problems: ContextVar[list[str] | None] = ContextVar("notion_content_problems", default=None)


def content_error(lines: list[str]) -> ApiError:
    return rejected("Content creation Failed. Fix the following: \n" + "\n".join(lines))


def content_problem(line: str) -> None:
    """Reports one content problem (``Invalid URL for link.``); raised at the end of the request."""
    gathered = _problems.get()
    if gathered is None:
        raise content_error([line])
    gathered.append(line)


def checkpoint() -> None:
    """Called by each write between checking and applying: gathered problems refuse the request whole."""
    gathered = _problems.get()
    if gathered:
        found = list(gathered)
        gathered.clear()
        raise content_error(found)


@contextmanager
def collecting() -> Iterator[None]:
    """Around one request: its content problems, if any, are answered together once its shape passed."""
    token = _problems.set([])
    try:
        yield
        found = _problems.get() or []
        if found:
            raise content_error(found)
    finally:
        _problems.reset(token)


def link_url(url: str) -> str:
    """A rich text link (kbsync's article links): ``Invalid URL for link.`` unless http(s)
    (tryfabric/martian#41, Kenshin/simpread#6882 quote the real answer)."""
    if not web_url(url):
        content_problem("Invalid URL for link.")
    return url


def media_url(kind: str, url: str) -> str:
    """An image (and, by the same rule, video/pdf/file/audio, bookmark, embed) URL. The image wording is
    Notion's (makenotion/notion-sdk-js#211: "Content creation Failed. Fix the following Invalid image
    url."); the others follow the same pattern (their real wording is not on record)."""
    if not web_url(url):
        content_problem(f"Invalid {kind} url.")
    return url


def cover_url(url: str) -> str:
    """A page cover: ``Invalid page cover URL.`` (Kenshin/simpread#7109 quotes the real answer)."""
    if not web_url(url):
        raise rejected("Invalid page cover URL.")
    return url


def no_commas(name: str) -> str:
    """Option names may not contain commas: Notion answers ``Invalid select option, commas not allowed:
    <name>`` (egordm/notionsci#13 quotes it; dvanoni/notero#146 and lolipopshock/notion-df#1 agree)."""
    if "," in name:
        raise rejected(f"Invalid select option, commas not allowed: {name}")
    return name
