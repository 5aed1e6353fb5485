"""Request checks: Notion's size limits, rich text, and page property values.

Pure functions over the workspace (read-only): each either returns the
normalised value or raises :class:`ApiError` with the real status, code and
a message in Notion's style (``body failed validation: body.x.length should
be ≤ `100`, instead was `150`.``). Nothing here changes state, so a refused
request changes nothing; the operations apply what these return.

Lengths are counted as Notion's JavaScript does (UTF-16 code units: an
emoji outside the BMP counts two). Limits
(https://developers.notion.com/reference/request-limits): 2,000
characters per text object and link URL, 1,000 per equation, 100 items per
array (rich text, children, multi_select, relation, people), 2,000
characters per URL, 200 per email or phone number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .common import (ARRAY_LIMIT, EMAIL_LIMIT, EQUATION_LIMIT, TEXT_LIMIT, URL_LIMIT, missing,
                     need_id, not_found, parse_date, rejected, too_long, unsupported, wrong)
from .rules import (LINK_KEYS, RICH_TEXT_KEYS, TEXT_KEYS, cover_url, emoji as check_emoji, known_keys, link_url, no_commas,
                    not_present, time_zone)
from .state import DataSource, Prop, Workspace, plain

COLORS = ("default", "gray", "brown", "orange", "yellow", "green", "blue", "purple", "pink", "red",
          "default_background", "gray_background", "brown_background", "orange_background",
          "yellow_background", "green_background", "blue_background", "purple_background",
          "pink_background", "red_background")
SELECT_COLORS = COLORS[:10]
ANNOTATIONS = {"bold": False, "italic": False, "strikethrough": False, "underline": False, "code": False,
               "color": "default"}
WRITABLE = ("title", "rich_text", "number", "select", "multi_select", "status", "date", "url", "email",
            "phone_number", "checkbox", "relation", "people")
READ_ONLY = ("created_time", "last_edited_time", "created_by", "last_edited_by", "files")


@dataclass(frozen=True)
class Pick:
    """A select/status choice: an existing option id, or a new option to create on apply."""

    existing: str | None
    name: str
    color: str | None = None


def as_list(path: str, value: Any, limit: int = ARRAY_LIMIT) -> list:
    if value is None:
        raise missing(path)
    if not isinstance(value, list):
        raise wrong(path, "an array", value)
    if len(value) > limit:
        raise too_long(path, len(value), limit)
    return value


def as_dict(path: str, value: Any) -> dict:
    if value is None:
        raise missing(path)
    if not isinstance(value, dict):
        raise wrong(path, "an object", value)
    return value


def js_length(value: str) -> int:
    """A string's length as Notion (JavaScript) counts it: UTF-16 code units, so 😀 counts 2."""
    return len(value.encode("utf-16-le")) // 2


def as_text(path: str, value: Any, limit: int | None = None, nullable: bool = False) -> str | None:
    if value is None:
        if nullable:
            return None
        raise missing(path)
    if not isinstance(value, str):
        raise wrong(path, "a string" + (" or `null`" if nullable else ""), value)
    if limit is not None and js_length(value) > limit:
        raise too_long(path, js_length(value), limit)
    return value


def annotations(path: str, value: Any) -> dict:
    out = dict(ANNOTATIONS)
    if value is None:
        return out
    for key, given in as_dict(path, value).items():
        if key not in ANNOTATIONS:
            raise not_present(f"{path}.{key}", given)
        if key == "color":
            if given not in COLORS:
                raise wrong(f"{path}.color", "a valid color", given)
        elif not isinstance(given, bool):
            raise wrong(f"{path}.{key}", "a boolean", given)
        out[key] = given
    return out


def rich_text(ws: Workspace, path: str, items: Any) -> list[dict]:
    """A rich text array as the API answers it (``plain_text``, ``href``, full annotations)."""
    return [rich_text_item(ws, f"{path}[{i}]", item) for i, item in enumerate(as_list(path, items))]


def rich_text_item(ws: Workspace, path: str, item: Any) -> dict:
    item = as_dict(path, item)
    known_keys(path, item, RICH_TEXT_KEYS)
    kind = item.get("type") or next((k for k in ("text", "mention", "equation") if k in item), None)
    if kind is None:
        raise missing(f"{path}.text")
    if kind not in ("text", "mention", "equation"):
        raise wrong(f"{path}.type", '`"text"`, `"mention"`, or `"equation"`', kind)
    body = as_dict(f"{path}.{kind}", item.get(kind))
    marks = annotations(f"{path}.annotations", item.get("annotations"))
    if kind == "text":
        known_keys(f"{path}.text", body, TEXT_KEYS)
        content = as_text(f"{path}.text.content", body.get("content"), TEXT_LIMIT)
        link = body.get("link")
        url = None
        if link is not None:
            link = as_dict(f"{path}.text.link", link)
            known_keys(f"{path}.text.link", link, LINK_KEYS)
            url = link_url(as_text(f"{path}.text.link.url", link.get("url"), TEXT_LIMIT))
        return {"type": "text", "text": {"content": content, "link": {"url": url} if url else None},
                "annotations": marks, "plain_text": content, "href": url}
    if kind == "equation":
        expression = as_text(f"{path}.equation.expression", body.get("expression"), EQUATION_LIMIT)
        return {"type": "equation", "equation": {"expression": expression}, "annotations": marks,
                "plain_text": expression, "href": None}
    mention, text, href = _mention(ws, f"{path}.mention", body)
    return {"type": "mention", "mention": mention, "annotations": marks, "plain_text": text, "href": href}


def _mention(ws: Workspace, path: str, body: dict) -> tuple[dict, str, str | None]:
    from .shapes import page_url   # shapes renders; imported late to keep the layers one-way at import

    kind = body.get("type") or next((k for k in ("date", "page", "user", "database", "link_preview")
                                     if k in body), None)
    if kind == "date":
        date = date_value(f"{path}.date", body.get("date"))
        text = date["start"] + (f" → {date['end']}" if date["end"] else "")
        return {"type": "date", "date": date}, text, None
    if kind == "page":
        page = ws.page(as_dict(f"{path}.page", body.get("page")).get("id"), f"{path}.page.id")
        return {"type": "page", "page": {"id": page.id}}, ws.title_of(page) or "Untitled", page_url(ws, page)
    if kind == "database":
        db = ws.database(as_dict(f"{path}.database", body.get("database")).get("id"), f"{path}.database.id")
        return {"type": "database", "database": {"id": db.id}}, plain(db.title) or "Untitled", None
    if kind == "user":
        uid = ws.user(as_dict(f"{path}.user", body.get("user")).get("id"), f"{path}.user.id")
        return {"type": "user", "user": {"object": "user", "id": uid}}, "@" + ws.users[uid]["name"], None
    if kind == "link_preview":
        url = as_text(f"{path}.link_preview.url", as_dict(f"{path}.link_preview", body.get("link_preview")).get("url"),
                      URL_LIMIT)
        return {"type": "link_preview", "link_preview": {"url": url}}, url, url
    raise unsupported(f"mention of type {kind!r}")


def date_value(path: str, value: Any) -> dict:
    value = as_dict(path, value)
    start = value.get("start")
    if start is None:
        raise missing(f"{path}.start")
    if parse_date(start) is None:
        raise wrong(f"{path}.start", "a valid ISO 8601 date string", start)
    end = value.get("end")
    if end is not None and parse_date(end) is None:
        raise wrong(f"{path}.end", "a valid ISO 8601 date string or `null`", end)
    zone = time_zone(f"{path}.time_zone", as_text(f"{path}.time_zone", value.get("time_zone"), nullable=True))
    return {"start": start, "end": end, "time_zone": zone}


def _choice(path: str, prop: Prop, value: Any) -> Pick:
    value = as_dict(path, value)
    key, name = value.get("id"), value.get("name")
    if key is None and name is None:
        raise missing(f"{path}.name")
    found = prop.option(key) if key is not None else prop.option(as_text(f"{path}.name", name, 100) or "")
    if found is not None:
        return Pick(found.id, found.name)
    if key is not None:
        raise rejected(f"Invalid option id for {prop.name}: {key}")
    no_commas(name)
    color = value.get("color")
    if color is not None and color not in SELECT_COLORS:
        raise wrong(f"{path}.color", "a valid select color", color)
    return Pick(None, name, color)


def page_values(ws: Workspace, ds: DataSource | None, raw: Any, path: str = "body.properties") -> dict[str, tuple[Prop, Any]]:
    """Checks ``properties`` against the schema; returns ``{prop id: (prop, value)}``.

    ``ds`` is None for a page under a page: only its ``title`` may be set.
    Values: rich text lists, numbers, :class:`Pick` for select/status, lists
    of picks for multi_select, page ids for relations, user ids for people.
    """
    out: dict[str, tuple[Prop, Any]] = {}
    for key, value in as_dict(path, raw).items():
        prop = ds.prop(key) if ds is not None else (Prop("title", "title", "title") if key == "title" else None)
        if prop is None:
            raise rejected(f"{key} is not a property that exists.")
        out[prop.id] = (prop, _value(ws, f"{path}.{key}", prop, value))
    return out


def _value(ws: Workspace, path: str, prop: Prop, value: Any) -> Any:
    if prop.type == "title" and isinstance(value, list):
        return rich_text(ws, f"{path}.title", value)
    if not isinstance(value, dict):
        raise rejected(f"{prop.name} is expected to be {prop.type}.")
    given = value.get("type") or next((k for k in value if k in WRITABLE + READ_ONLY), None)
    if given != prop.type:
        raise rejected(f"{prop.name} is expected to be {prop.type}.")
    if given in READ_ONLY:
        raise rejected(f"{prop.name} is a read-only property and cannot be set.")
    if given not in value:
        raise missing(f"{path}.{given}")
    inner, here = value[given], f"{path}.{given}"
    if given in ("title", "rich_text"):
        return rich_text(ws, here, inner)
    if given == "number":
        if inner is not None and (isinstance(inner, bool) or not isinstance(inner, (int, float))):
            raise wrong(here, "a number or `null`", inner)
        return inner
    if given == "checkbox":
        if not isinstance(inner, bool):
            raise wrong(here, "a boolean", inner)
        return inner
    if given == "url":
        return as_text(here, inner, URL_LIMIT, nullable=True)
    if given in ("email", "phone_number"):
        return as_text(here, inner, EMAIL_LIMIT, nullable=True)
    if given == "date":
        return None if inner is None else date_value(here, inner)
    if given in ("select", "status"):
        if inner is None:
            return None
        pick = _choice(here, prop, inner)
        if given == "status" and pick.existing is None:
            raise rejected(f"Invalid status option. Status option \"{pick.name}\" does not exist.")
        return pick
    if given == "multi_select":
        picks = [_choice(f"{here}[{i}]", prop, item) for i, item in enumerate(as_list(here, inner))]
        unique: dict[str, Pick] = {}
        for pick in picks:
            unique.setdefault(pick.existing or pick.name, pick)
        return list(unique.values())
    if given == "relation":
        return _relation(ws, here, prop, inner)
    ids = [ws.user(as_dict(f"{here}[{i}]", item).get("id"), f"{here}[{i}].id")
           for i, item in enumerate(as_list(here, inner))]
    return list(dict.fromkeys(ids))


def _relation(ws: Workspace, path: str, prop: Prop, value: Any) -> list[str]:
    ids: list[str] = []
    for i, item in enumerate(as_list(path, value)):
        pid = need_id(f"{path}[{i}].id", as_dict(f"{path}[{i}]", item).get("id"))
        page = ws.pages.get(pid)
        if page is None:
            raise not_found("page", pid, ws.bot_id)
        if page.data_source_id != prop.target:
            raise rejected(f"Relation {prop.name} only accepts pages of data source {prop.target}; "
                           f"page {pid} is not one of them.")
        ids.append(pid)
    return list(dict.fromkeys(ids))


def icon(path: str, value: Any) -> dict | None:
    """A page/database icon: emoji, external URL or custom emoji; ``None`` removes it."""
    if value is None:
        return None
    value = as_dict(path, value)
    kind = value.get("type") or next((k for k in ("emoji", "external", "custom_emoji") if k in value), None)
    if kind == "emoji":
        return {"type": "emoji", "emoji": check_emoji(f"{path}.emoji", as_text(f"{path}.emoji", value.get("emoji")))}
    if kind == "external":
        url = as_text(f"{path}.external.url", as_dict(f"{path}.external", value.get("external")).get("url"), URL_LIMIT)
        return {"type": "external", "external": {"url": url}}
    if kind == "custom_emoji":
        emoji = as_dict(f"{path}.custom_emoji", value.get("custom_emoji"))
        return {"type": "custom_emoji", "custom_emoji": {"id": need_id(f"{path}.custom_emoji.id", emoji.get("id")),
                                                         "name": emoji.get("name", ""), "url": emoji.get("url", "")}}
    raise wrong(f"{path}.type", '`"emoji"`, `"external"` or `"custom_emoji"`', kind)


def cover(path: str, value: Any) -> dict | None:
    """A cover image (external URLs only; file uploads are not modelled)."""
    if value is None:
        return None
    value = as_dict(path, value)
    url = as_text(f"{path}.external.url", as_dict(f"{path}.external", value.get("external")).get("url"), URL_LIMIT)
    return {"type": "external", "external": {"url": cover_url(url)}}
