"""Find or create kbsync's two data sources under the parent page.

Contract: ``ensure_data_sources`` returns ``{"articles": id, "weekly": id}``
and never creates a second copy: the ids are kept in the store's meta; when
they are unknown (first run, lost store) Notion is searched for a data
source of the configured title whose database sits under the parent page,
and only when none exists is one created. A data source the reader trashed
is replaced (and the caller told, so it forgets the page records). Missing
owned properties (a reader deleted "Score") are added back; the reader's
own properties are never touched. Definitions come from
``schemas/notion_data_sources.json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from ...config import NotionConfig
from ...resources import data_dir
from .api import NotionAPI, NotionError
from .blocks import rich_text

KINDS = ("articles", "weekly")


@cache
def definitions() -> dict[str, Any]:
    return json.loads((data_dir("schemas") / "notion_data_sources.json").read_text("utf-8"))


def owned_kinds(kind: str) -> dict[str, str]:
    """Owned property name -> Notion type, for one data source."""
    spec = definitions()[kind]
    types = {name: next(iter(prop)) for name, prop in spec["properties"].items()}
    types.update({name: "relation" for name in spec.get("relations", {})})
    return {name: types[name] for name in spec["owned"]}


def _plain(items: list[dict[str, Any]]) -> str:
    return "".join(i.get("plain_text") or i.get("text", {}).get("content", "") for i in items)


def same_id(a: str | None, b: str | None) -> bool:
    return bool(a and b) and a.replace("-", "").lower() == b.replace("-", "").lower()


@dataclass
class Ensured:
    ids: dict[str, str]
    created: set[str]         # kinds whose data source was created in this run
    replaced: set[str]        # ... although the store knew one (the reader deleted it)


def ensure_data_sources(api: NotionAPI, cfg: NotionConfig, known: dict[str, str | None]) -> Ensured:
    ids: dict[str, str] = {}
    created: set[str] = set()
    replaced: set[str] = set()
    titles = {"articles": cfg.articles_title, "weekly": cfg.weekly_title}
    for kind in KINDS:
        found = _alive(api, known.get(kind)) or _search(api, cfg.parent_page, titles[kind])
        if found is None:
            found = _create(api, cfg.parent_page, titles[kind], kind)
            created.add(kind)
            if known.get(kind):
                replaced.add(kind)
        ids[kind] = found["id"]
        _complete(api, found, kind, ids)
    return Ensured(ids, created, replaced)


def _alive(api: NotionAPI, ds_id: str | None) -> dict[str, Any] | None:
    if not ds_id:
        return None
    try:
        ds = api.get(api.client.data_sources.retrieve, ds_id)
    except NotionError as exc:
        if exc.status == 404:
            return None
        raise
    return None if ds.get("in_trash") or ds.get("archived") else ds


def _search(api: NotionAPI, parent: str, title: str) -> dict[str, Any] | None:
    cursor = None
    while True:
        extra = {"start_cursor": cursor} if cursor else {}
        answer = api.get(api.client.search, query=title, page_size=100,
                         filter={"property": "object", "value": "data_source"}, **extra)
        for ds in answer["results"]:
            under = (ds.get("database_parent") or {}).get("page_id")
            if _plain(ds.get("title", [])) == title and same_id(under, parent) and not ds.get("in_trash"):
                return ds
        if not answer.get("has_more"):
            return None
        cursor = answer["next_cursor"]


def _create(api: NotionAPI, parent: str, title: str, kind: str) -> dict[str, Any]:
    body = {"parent": {"type": "page_id", "page_id": parent}, "title": rich_text(title),
            "initial_data_source": {"properties": definitions()[kind]["properties"]}}
    # a lost answer must not leave two databases: look for it before sending again
    database = api.call(lambda: api.client.databases.create(**body),
                        lambda: (lambda ds: {"data_sources": [ds]} if ds else None)(_search(api, parent, title)))
    return api.get(api.client.data_sources.retrieve, database["data_sources"][0]["id"])


def _complete(api: NotionAPI, ds: dict[str, Any], kind: str, ids: dict[str, str]) -> None:
    """Add the owned properties (and relations) this data source lacks."""
    spec = definitions()[kind]
    have = ds.get("properties", {})
    missing: dict[str, Any] = {name: prop for name, prop in spec["properties"].items()
                               if name in spec["owned"] and name not in have}
    for name, rel in spec.get("relations", {}).items():
        if name not in have:
            missing[name] = {"relation": {"data_source_id": ids[rel["to"]], "type": "dual_property",
                                          "dual_property": {"synced_property_name": rel["synced_property_name"]}}}
    if missing:
        api.get(api.client.data_sources.update, ds["id"], properties=missing)
