"""Response objects, field for field as the recorded 2025-09-03 exchanges show them.

Key sets and order follow ``/work/shared/notion/cassettes``: pages carry
``in_trash``, ``is_archived``, ``is_locked`` and the legacy ``archived``;
blocks ``has_children``, ``in_trash``, ``archived``; lists ``object: list``,
``results``, ``next_cursor``, ``has_more``, ``type`` and an empty object
under that type's name. ``request_id`` is added by the HTTP layer.
"""

from __future__ import annotations

import re
from typing import Any

from .common import RELATION_SHOWN, iso
from .state import Block, DataSource, Database, Page, Prop, Workspace, plain

APP = "https://app.notion.com/p/"


def user_ref(user_id: str) -> dict:
    return {"object": "user", "id": user_id}


def user_obj(ws: Workspace, user_id: str) -> dict:
    info = ws.users[user_id]
    avatar = None if info["type"] == "bot" else "https://s3-us-west-2.amazonaws.com/public.notion-static.com/reader.png"
    out: dict[str, Any] = {"object": "user", "id": user_id, "name": info["name"], "avatar_url": avatar,
                           "type": info["type"]}
    if info["type"] == "bot":
        out["bot"] = {"owner": {"type": "workspace", "workspace": True}, "workspace_name": "kbsync",
                      "workspace_id": ws.workspace_id,
                      "workspace_limits": {"max_file_upload_size_in_bytes": 5242880}}
    else:
        out["person"] = {"email": "reader@example.com", "email_verified": True}
    return out


def list_obj(results: list, next_cursor: str | None, has_more: bool, kind: str) -> dict:
    return {"object": "list", "results": results, "next_cursor": next_cursor, "has_more": has_more,
            "type": kind, kind: {}}


def _hex(object_id: str) -> str:
    return object_id.replace("-", "")


def page_url(ws: Workspace, page: Page) -> str:
    slug = "-".join(re.findall(r"[A-Za-z0-9]+", ws.title_of(page)))
    return APP + (f"{slug}-" if slug else "") + _hex(page.id)


def option_obj(opt) -> dict:
    return {"id": opt.id, "name": opt.name, "color": opt.color}


def prop_value(ws: Workspace, page: Page, prop: Prop, full: bool = False) -> dict:
    """``{"id", "type", <type>: value}``; relation/people cut at 25 with ``has_more`` unless ``full``."""
    raw = page.values.get(prop.id)
    out: dict[str, Any] = {"id": prop.id, "type": prop.type}
    kind = prop.type
    if kind in ("title", "rich_text"):
        out[kind] = raw or []
    elif kind in ("select", "status"):
        opt = prop.option(raw) if raw else None
        out[kind] = option_obj(opt) if opt else None
    elif kind == "multi_select":
        out[kind] = [option_obj(o) for o in (prop.option(i) for i in raw or []) if o]
    elif kind in ("relation", "people"):
        items = raw or []
        shown = items if full else items[:RELATION_SHOWN]
        out[kind] = [{"id": i} for i in shown] if kind == "relation" else [user_ref(i) for i in shown]
        out["has_more"] = len(shown) < len(items)
    elif kind == "checkbox":
        out[kind] = bool(raw)
    elif kind == "created_time":
        out[kind] = iso(page.created)
    elif kind == "last_edited_time":
        out[kind] = iso(page.edited)
    elif kind == "created_by":
        out[kind] = user_ref(page.created_by)
    elif kind == "last_edited_by":
        out[kind] = user_ref(page.edited_by)
    elif kind == "files":
        out[kind] = []
    else:
        out[kind] = raw
    return out


def page_props(ws: Workspace, page: Page) -> list[tuple[str, Prop]]:
    ds = ws.data_sources.get(page.data_source_id or "")
    if ds is None:
        return [("title", Prop("title", "title", "title"))]
    return [(p.name, p) for p in ds.props.values()]


def page_obj(ws: Workspace, page: Page, only: set[str] | None = None, full: bool = False) -> dict:
    props = {name: prop_value(ws, page, prop, full) for name, prop in page_props(ws, page)
             if only is None or name in only or prop.id in only}
    return {"object": "page", "id": page.id, "created_time": iso(page.created),
            "last_edited_time": iso(page.edited), "created_by": user_ref(page.created_by),
            "last_edited_by": user_ref(page.edited_by), "cover": page.cover, "icon": page.icon,
            "parent": dict(page.parent), "in_trash": page.in_trash, "is_archived": False,
            "is_locked": False, "properties": props, "url": page_url(ws, page), "public_url": None,
            "archived": page.in_trash}


def prop_config(ws: Workspace, prop: Prop) -> dict:
    out: dict[str, Any] = {"id": prop.id, "name": prop.name, "description": prop.description,
                           "type": prop.type}
    kind = prop.type
    if kind in ("select", "multi_select"):
        out[kind] = {"options": [dict(option_obj(o), description=o.description) for o in prop.options]}
    elif kind == "status":
        out[kind] = {"options": [dict(option_obj(o), description=o.description) for o in prop.options],
                     "groups": [dict(g, option_ids=list(g["option_ids"])) for g in prop.groups]}
    elif kind == "number":
        out[kind] = {"format": prop.number_format}
    elif kind == "relation":
        target = ws.data_sources.get(prop.target or "")
        rel: dict[str, Any] = {"database_id": target.database_id if target else None,
                               "data_source_id": prop.target}
        synced = target.props.get(prop.synced or "") if target else None
        if synced is not None:
            rel.update(type="dual_property",
                       dual_property={"synced_property_id": synced.id, "synced_property_name": synced.name})
        else:
            rel.update(type="single_property", single_property={})
        out[kind] = rel
    else:
        out[kind] = {}
    return out


def _db_parent(ws: Workspace, db: Database | None) -> dict:
    return dict(db.parent) if db else {"type": "workspace", "workspace": True}


def data_source_obj(ws: Workspace, ds: DataSource) -> dict:
    """``in_trash`` is true when the data source or its database is in the trash (a database deleted as
    a ``child_database`` block takes its data sources with it)."""
    db = ws.databases.get(ds.database_id)
    return {"object": "data_source", "id": ds.id, "cover": ds.cover, "icon": ds.icon,
            "created_time": iso(ds.created), "created_by": user_ref(ds.created_by),
            "last_edited_by": user_ref(ds.edited_by), "last_edited_time": iso(ds.edited),
            "title": ds.title, "description": ds.description, "is_inline": bool(db and db.is_inline),
            "properties": {p.name: prop_config(ws, p) for p in ds.props.values()},
            "parent": {"type": "database_id", "database_id": ds.database_id},
            "database_parent": _db_parent(ws, db), "url": APP + _hex(ds.database_id), "public_url": None,
            "in_trash": ws.trashed(ds), "archived": ws.trashed(ds)}


def database_obj(ws: Workspace, db: Database) -> dict:
    sources = [ws.data_sources[i] for i in db.data_source_ids]
    return {"object": "database", "id": db.id, "title": db.title, "description": db.description,
            "parent": dict(db.parent), "is_inline": db.is_inline, "in_trash": db.in_trash,
            "is_locked": db.is_locked, "created_time": iso(db.created, offset=True),
            "last_edited_time": iso(db.edited, offset=True),
            "data_sources": [{"id": s.id, "name": plain(s.title)} for s in sources],
            "icon": db.icon, "cover": db.cover, "url": APP + _hex(db.id), "public_url": None,
            "archived": db.in_trash}


def _live_mentions(ws: Workspace, content: dict) -> dict:
    """A page mention is a live reference: it reads as the page's title now, not as it was when
    the block was written (Notion's UI and the API's ``plain_text`` follow a retitled page;
    reference: rich-text "Page mention"). A page no longer there keeps the text it had."""
    rich = content.get("rich_text")
    if not rich or not any(r.get("type") == "mention" and r["mention"].get("type") == "page" for r in rich):
        return content
    fresh = []
    for item in rich:
        page = ws.pages.get(item["mention"]["page"]["id"]) if item.get("type") == "mention" \
            and item["mention"].get("type") == "page" else None
        fresh.append({**item, "plain_text": ws.title_of(page) or "Untitled"} if page is not None else item)
    return {**content, "rich_text": fresh}


def block_obj(ws: Workspace, node: Block | Page | Database) -> dict:
    """A block; pages answer as ``child_page`` and databases as ``child_database`` blocks."""
    if isinstance(node, Page):
        kind, content, children = "child_page", {"title": ws.title_of(node)}, ws.visible_children(node)
    elif isinstance(node, Database):
        kind, content, children = "child_database", {"title": plain(node.title)}, []
    else:
        kind, content, children = node.type, _live_mentions(ws, node.content), ws.visible_children(node)
    return {"object": "block", "id": node.id, "parent": dict(node.parent),
            "created_time": iso(node.created), "last_edited_time": iso(node.edited),
            "created_by": user_ref(node.created_by), "last_edited_by": user_ref(node.edited_by),
            "has_children": bool(children), "in_trash": node.in_trash, "type": kind, kind: content,
            "archived": node.in_trash}
