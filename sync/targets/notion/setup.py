"""Find or create kbsync's two data sources under the parent page.

Contract: ``ensure_data_sources`` returns the ids of the Articles and Weekly
data sources and never creates a second copy:
- the ids are kept in the store's meta; when they are unknown (first run,
  lost store) or gone, kbsync lists the parent page's ``child_database``
  blocks and takes the database of the configured title. Listing a page's
  children is consistent at once, unlike search, which may miss a database
  created seconds ago (and so used to create it twice).
- A data source that is gone (404) or in the trash (``in_trash``, or its
  database in the trash) is created again, and the caller told
  (``replaced``), so it forgets that kind's page records and sends them
  again. Relations that pointed to the old one are removed first, so the
  synced property names are free (Notion refuses "Cannot create the synced
  property 'Weekly'" while the old relation holds the name), and added back
  empty (``reset``: the caller sends those values again).
- Missing owned properties (a reader deleted "Score") are added back;
  properties kbsync no longer uses (``retired``: the old ``Week`` select)
  are removed; the reader's own properties are never touched.
- Definitions come from ``schemas/notion_data_sources.json``; the views of a
  new database are created by ``views.ensure_views``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
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
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)    # kind -> data source object
    reset: dict[str, set[str]] = field(default_factory=dict)            # kind -> relations added back empty
    gone: dict[str, str] = field(default_factory=dict)                  # kind -> id of the replaced data source


def ensure_data_sources(api: NotionAPI, cfg: NotionConfig, known: dict[str, str | None]) -> Ensured:
    titles = {"articles": cfg.articles_title, "weekly": cfg.weekly_title}
    ensured = Ensured({}, set(), set())
    listed: list[dict[str, Any]] | None = None
    for kind in KINDS:
        found = _alive(api, known.get(kind))
        if found is None:
            listed = listed if listed is not None else _child_databases(api, cfg.parent_page)
            found = _find(api, listed, titles[kind])
        if found is None:
            found = _create(api, cfg.parent_page, titles[kind], kind)
            ensured.created.add(kind)
            if known.get(kind):
                ensured.replaced.add(kind)
                ensured.gone[kind] = known[kind]
        ensured.ids[kind] = found["id"]
        ensured.sources[kind] = found
    for kind in KINDS:
        _complete(api, ensured, kind)
    return ensured


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


def _child_databases(api: NotionAPI, parent: str) -> list[dict[str, Any]]:
    """The databases under the parent page (``child_database`` blocks; trashed ones are not listed)."""
    return [b for b in api.children(parent) if b.get("type") == "child_database" and not b.get("in_trash")]


def _find(api: NotionAPI, listed: list[dict[str, Any]], title: str) -> dict[str, Any] | None:
    for block in listed:
        if (block.get("child_database") or {}).get("title") != title:
            continue
        try:
            database = api.get(api.client.databases.retrieve, block["id"])
        except NotionError as exc:
            if exc.status == 404:
                continue
            raise
        if database.get("in_trash") or not database.get("data_sources"):
            continue
        ds = _alive(api, database["data_sources"][0]["id"])
        if ds is not None:
            return ds
    return None


def _create(api: NotionAPI, parent: str, title: str, kind: str) -> dict[str, Any]:
    spec = definitions()[kind]
    body = {"parent": {"type": "page_id", "page_id": parent}, "title": rich_text(title),
            "icon": {"type": "emoji", "emoji": spec["icon"]},
            "initial_data_source": {"properties": spec["properties"]}}

    def recover() -> dict[str, Any] | None:
        # a lost answer must not leave two databases: look under the page before sending again
        ds = _find(api, _child_databases(api, parent), title)
        return {"data_sources": [ds]} if ds else None

    database = api.call(lambda: api.client.databases.create(**body), recover)
    return api.get(api.client.data_sources.retrieve, database["data_sources"][0]["id"])


def _relation(target: str, rel: dict[str, Any], synced: str | None) -> dict[str, Any]:
    if synced is None:
        return {"relation": {"data_source_id": target, "type": "single_property", "single_property": {}}}
    return {"relation": {"data_source_id": target, "type": "dual_property",
                         "dual_property": {"synced_property_name": synced}}}


def _complete(api: NotionAPI, ensured: Ensured, kind: str) -> None:
    """Add the owned properties (and relations) this data source lacks; remove stale ones."""
    spec = definitions()[kind]
    ds = ensured.sources[kind]
    have = ds.get("properties", {})
    missing: dict[str, Any] = {}
    # relations to a data source that was replaced (whatever the reader renamed them to) go
    stale: dict[str, None] = {name: None for name, prop in have.items() if prop.get("type") == "relation" and any(
        same_id((prop.get("relation") or {}).get("data_source_id"), old) for old in ensured.gone.values())}
    for name, rel in spec.get("relations", {}).items():
        target, synced = ensured.ids[rel["to"]], rel.get("synced_property_name")
        prop = have.get(name)
        if prop is not None and _points_to(prop, target, dual=synced is not None):
            continue
        if prop is not None and prop.get("type") == "relation":
            # a relation to a data source that was replaced (or of an older shape): removed first
            stale[name] = None
        if synced is not None:
            other = ensured.sources[rel["to"]]
            theirs = other.get("properties") or {}
            while (theirs.get(synced) or {}).get("type") not in (None, "relation"):
                # the reader has a property of that name: the synced column gets a name of its own
                synced += " (kbsync)"
            taken = theirs.get(synced)
            if taken is not None and taken.get("type") == "relation":
                # the old relation's other side holds the synced name: free it
                ensured.sources[rel["to"]] = api.get(api.client.data_sources.update, other["id"],
                                                     properties={synced: None})
            ensured.reset.setdefault(rel["to"], set()).add(synced)
        missing[name] = _relation(target, rel, synced)
        ensured.reset.setdefault(kind, set()).add(name)
    if stale:
        ds = api.get(api.client.data_sources.update, ds["id"], properties=stale)
        have = ds.get("properties", {})
    missing.update({name: prop for name, prop in spec["properties"].items()
                    if name in spec["owned"] and name not in have})
    # what older versions created and kbsync no longer writes (the Week select)
    missing.update({name: None for name, type_ in spec.get("retired", {}).items()
                    if (have.get(name) or {}).get("type") == type_})
    if missing:
        ds = api.get(api.client.data_sources.update, ds["id"], properties=missing)
    ensured.sources[kind] = ds


def _points_to(prop: dict[str, Any], target: str, *, dual: bool) -> bool:
    rel = prop.get("relation") or {}
    shape = "dual_property" if dual else "single_property"
    return prop.get("type") == "relation" and same_id(rel.get("data_source_id"), target) and rel.get("type") == shape
