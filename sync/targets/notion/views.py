"""The database views a Notion user expects, created through the Views API.

Contract: ``ensure_views(api, database_id, data_source)`` creates the views
``schemas/notion_data_sources.json`` lists for that kind (Articles: "Must
read this week", "Unread", "By category" board, "By week"; Weekly: "By
date") and hides the properties marked ``hidden`` (KB ID) in the database's
existing views too (the default view Notion creates with the database).
It is called once per database (the caller remembers it in the store): views
the reader renames, edits or deletes afterwards stay as the reader left them.

``view_requests`` (pure) turns the definitions into request bodies: property
names become the property ids the API asks for in ``configuration``.
"""

from __future__ import annotations

from typing import Any

from .api import NotionAPI, NotionError
from .setup import definitions


def view_requests(kind: str, data_source: dict[str, Any]) -> list[dict[str, Any]]:
    ids = {name: prop["id"] for name, prop in data_source.get("properties", {}).items()}
    types = {name: prop["type"] for name, prop in data_source.get("properties", {}).items()}
    out = []
    for view in definitions()[kind].get("views", []):
        body: dict[str, Any] = {"name": view["name"], "type": view["type"]}
        if view.get("filter"):
            body["filter"] = _typed(view["filter"], types)
        if view.get("sorts"):
            body["sorts"] = view["sorts"]
        config: dict[str, Any] = {"type": view["type"]}
        if view.get("group_by"):
            group = {k: v for k, v in view["group_by"].items() if k != "property"}
            group["property_id"] = ids[view["group_by"]["property"]]
            config["group_by"] = group
        hidden = [{"property_id": ids[name], "visible": False} for name in view.get("hidden", []) if name in ids]
        if hidden:
            config["properties"] = hidden
        if len(config) > 1:
            body["configuration"] = config
        out.append(body)
    return out


def _typed(condition: Any, types: dict[str, str]) -> Any:
    """A filter with each condition keyed by its property's actual type: Status is a select in a
    database an earlier kbsync created (the API cannot change a property's type)."""
    if isinstance(condition, list):
        return [_typed(c, types) for c in condition]
    if not isinstance(condition, dict):
        return condition
    if "property" in condition:
        actual = types.get(condition["property"])
        swap = {k: actual for k in ("select", "status") if k in condition and actual in ("select", "status")}
        return {swap.get(k, k): v for k, v in condition.items()}
    return {k: _typed(v, types) for k, v in condition.items()}


def hidden_in_default(kind: str, data_source: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``properties`` configuration that hides KB ID (what every view of ours hides)."""
    ids = {name: prop["id"] for name, prop in data_source.get("properties", {}).items()}
    names = {n for view in definitions()[kind].get("views", []) for n in view.get("hidden", [])}
    return [{"property_id": ids[n], "visible": False} for n in sorted(names) if n in ids]


def ensure_views(api: NotionAPI, kind: str, database_id: str, data_source: dict[str, Any]) -> list[str]:
    """Creates the views of ``kind``; returns their names. Views already there are hidden KB ID."""
    hide = hidden_in_default(kind, data_source)
    if hide:
        for view in _views(api, database_id):
            try:
                current = api.get(api.client.views.retrieve, view["id"])
                kind_of = current.get("type", "table")
                if kind_of in ("table", "board", "list", "gallery", "calendar", "timeline"):
                    api.get(api.client.views.update, view["id"], configuration={"type": kind_of, "properties": hide})
            except NotionError as exc:
                if exc.status != 404:
                    raise
    made = []
    for body in view_requests(kind, data_source):
        # a lost answer is sent again: at worst a duplicate view (cosmetic), never lost data
        api.call(lambda body=body: api.client.views.create(data_source_id=data_source["id"], database_id=database_id,
                                                            **body), lambda: None)
        made.append(body["name"])
    return made


def _views(api: NotionAPI, database_id: str) -> list[dict[str, Any]]:
    out, cursor = [], None
    while True:
        extra = {"start_cursor": cursor} if cursor else {}
        page = api.get(api.client.views.list, database_id=database_id, **extra)
        out += page.get("results", [])
        if not page.get("has_more"):
            return out
        cursor = page.get("next_cursor")
