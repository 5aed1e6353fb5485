"""The endpoint table: (method, path) to the workspace operation and its answer.

Paths are those notion-client 3.1.0 sends under ``{base_url}/v1/``. Anything
else is answered 400 ``invalid_request_url`` (``Invalid request URL.``), as
the real API does. ``WRITES`` says which calls change state (for the log).
"""

from __future__ import annotations

import re
from typing import Any

from . import blocks, databases, pages, query, views
from .common import ApiError, missing
from .rules import collecting
from .shapes import block_obj, data_source_obj, database_obj, list_obj, page_obj, user_obj
from .state import Database, Workspace


def is_write(method: str, path: str) -> bool:
    """POST (but not a query or a search), PATCH and DELETE change state; view queries (a cached
    result set, ``/v1/views/{id}/queries``) do not."""
    if "/queries" in path:
        return False
    if method == "POST":
        return not (path.endswith("/query") or path.rstrip("/") == "/v1/search")
    return method in ("PATCH", "DELETE")


def bad_url() -> ApiError:
    return ApiError(400, "invalid_request_url", "Invalid request URL.")


def route(ws: Workspace, method: str, path: str, params: dict[str, list[str]], body: dict | None) -> dict:
    """Runs one request against the workspace; returns the answer (without ``request_id``).

    Content problems (bad link or image URLs) are gathered and answered together (``rules.collecting``);
    operations check everything before they change state, so a refused request changes nothing.
    """
    with collecting():
        return _route(ws, method, path, params, body)


def _route(ws: Workspace, method: str, path: str, params: dict[str, list[str]], body: dict | None) -> dict:
    if not re.fullmatch(r"/v1(/[^/]+)+/?", path):
        raise bad_url()
    parts = [p for p in path.split("/") if p]
    body = body if body is not None else {}
    one = {k: v[-1] for k, v in params.items()}
    match (method, parts[1:]):
        case ("GET", ["users", "me"]):
            return user_obj(ws, ws.bot_id)
        case ("GET", ["users"]):
            return list_obj([user_obj(ws, u) for u in ws.users], None, False, "user")
        case ("GET", ["users", user_id]):
            return user_obj(ws, ws.user(user_id))
        case ("POST", ["databases"]):
            return database_obj(ws, databases.create_database(ws, body))
        case ("GET", ["databases", db_id]):
            return database_obj(ws, ws.database(db_id))
        case ("PATCH", ["databases", db_id]):
            return database_obj(ws, databases.update_database(ws, ws.database(db_id), body))
        case ("POST", ["data_sources"]):
            return data_source_obj(ws, databases.create_data_source(ws, body))
        case ("GET", ["data_sources", ds_id]):
            return data_source_obj(ws, ws.data_source(ds_id))
        case ("PATCH", ["data_sources", ds_id]):
            return data_source_obj(ws, databases.update_data_source(ws, ws.data_source(ds_id), body))
        case ("POST", ["data_sources", ds_id, "query"]):
            return query.query(ws, ws.data_source(ds_id), body, params)
        case ("GET", ["data_sources", ds_id, "templates"]):
            ws.data_source(ds_id)
            return {"templates": [], "has_more": False, "next_cursor": None}
        case ("POST", ["pages"]):
            if "parent" not in body:
                raise missing("body.parent")
            return page_obj(ws, pages.create(ws, body))
        case ("GET", ["pages", page_id]):
            only = set(params["filter_properties"]) if params.get("filter_properties") else None
            return page_obj(ws, ws.page(page_id), only)
        case ("PATCH", ["pages", page_id]):
            return page_obj(ws, pages.update(ws, ws.page(page_id), body))
        case ("GET", ["pages", page_id, "properties", prop_id]):
            return pages.property_item(ws, ws.page(page_id), prop_id, one)
        case ("GET", ["blocks", block_id]):
            return block_obj(ws, ws.node(block_id))
        case ("PATCH", ["blocks", block_id]):
            return block_obj(ws, blocks.update(ws, ws.node(block_id), body))
        case ("DELETE", ["blocks", block_id]):
            return block_obj(ws, blocks.delete(ws, ws.node(block_id)))
        case ("GET", ["blocks", block_id, "children"]):
            return _children(ws, block_id, one)
        case ("PATCH", ["blocks", block_id, "children"]):
            made = blocks.append(ws, ws.node(block_id), body)
            return list_obj([block_obj(ws, b) for b in made], None, False, "block")
        case ("POST", ["search"]):
            return query.search(ws, body)
        case ("POST", ["views"]):
            return views.view_obj(ws, views.create(ws, body))
        case ("GET", ["views"]):
            return views.listing(ws, one)
        case ("GET", ["views", view_id]):
            return views.view_obj(ws, ws.view(view_id))
        case ("PATCH", ["views", view_id]):
            return views.view_obj(ws, views.update(ws, ws.view(view_id), body))
        case ("DELETE", ["views", view_id]):
            return views.partial_obj(views.delete(ws, ws.view(view_id)))
        case ("POST", ["views", view_id, "queries"]):
            return views.run_query(ws, ws.view(view_id), body)
        case ("GET", ["views", view_id, "queries", query_id]):
            return views.query_results(ws, ws.view(view_id), query_id, one)
        case ("DELETE", ["views", view_id, "queries", query_id]):
            return views.delete_query(ws, ws.view(view_id), query_id)
    raise bad_url()


def _children(ws: Workspace, block_id: str, one: dict[str, Any]) -> dict:
    node = ws.node(block_id)
    ids = ws.visible_children(node) if not isinstance(node, Database) else []
    size = query.page_size("query", one.get("page_size"))
    chunk, cursor, more = query.paginate(ids, one.get("start_cursor"), size, "query")
    things = [ws.blocks.get(i) or ws.pages.get(i) or ws.databases[i] for i in chunk]
    return list_obj([block_obj(ws, t) for t in things], cursor, more, "block")

