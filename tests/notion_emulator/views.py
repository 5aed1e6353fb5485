"""Database views (``/v1/views``) and view queries, as the ``test_views_*`` cassettes show them.

A view is one tab of a database, scoped to one of its data sources, with an
optional filter and sorts (the data source query shapes), quick filters and
a presentation ``configuration`` whose ``type`` matches the view's. Shapes
follow the recorded exchanges (``test_views_create/retrieve/update/delete/
list/queries_*``) and the request types of the official SDK
(``CreateViewRequest``, ``UpdateViewRequest``, ``*ViewConfigRequest``):
create answers the full view, delete a partial one (``object``, ``id``,
``parent``, ``type``), list only ``{"object": "view", "id"}`` references.
A new database starts with one table view (the list cassette shows one view
right after ``POST /v1/databases``). Modelled types: table, board, list,
gallery, calendar, timeline; chart, map, form and dashboard are refused as
not modelled. A view query runs the view's filter and sorts once and keeps
the page ids for paging (``expires_at`` 15 minutes on, as recorded).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from . import query as q
from .common import archived, invalid, iso, missing, need_id, new_id, not_found, rejected, unsupported, wrong
from .rules import known_keys, one_of
from .shapes import APP, list_obj, user_ref
from .state import Database, DataSource, Prop, View, Workspace
from .validate import as_dict, as_list, as_text

VIEW_TYPES = ("table", "board", "list", "calendar", "timeline", "gallery", "form", "chart", "map", "dashboard")
MODELLED = ("table", "board", "list", "calendar", "timeline", "gallery")
DEFAULT_VIEW = "Default view"
QUERY_TTL_MS = 15 * 60 * 1000
_PROPS = {"properties"}
CONFIG_KEYS = {       # per view type, from the SDK's *ViewConfigRequest types
    "table": _PROPS | {"group_by", "subtasks", "wrap_cells", "frozen_column_index", "show_vertical_lines"},
    "board": _PROPS | {"group_by", "sub_group_by", "cover", "cover_size", "cover_aspect", "card_layout"},
    "list": _PROPS,
    "gallery": _PROPS | {"cover", "cover_size", "cover_aspect", "card_layout"},
    "calendar": _PROPS | {"date_property_id", "view_range", "show_weekends"},
    "timeline": _PROPS | {"date_property_id", "end_date_property_id", "show_table", "table_properties",
                          "preference", "arrows_by", "color_by"},
}
VIEW_PROPERTY_KEYS = {"property_id", "visible", "width", "wrap", "status_show_as", "card_property_width_mode",
                      "date_format", "time_format"}
GROUP_KEYS = {"type", "property_id", "sort", "hide_empty_groups", "group_by", "start_day_of_week"}
# the group-by ``type`` each property type takes (GroupByConfigRequest)
GROUP_TYPE = {"select": "select", "multi_select": "multi_select", "status": "status", "people": "person",
              "created_by": "created_by", "last_edited_by": "last_edited_by", "relation": "relation",
              "date": "date", "created_time": "created_time", "last_edited_time": "last_edited_time",
              "rich_text": "text", "title": "title", "url": "url", "email": "email", "phone_number": "phone_number",
              "number": "number", "checkbox": "checkbox"}
DATE_TYPES = ("date", "created_time", "last_edited_time")


def view_obj(ws: Workspace, view: View) -> dict:
    db = ws.databases[view.database_id]
    return {"object": "view", "id": view.id, "parent": {"type": "database_id", "database_id": view.database_id},
            "data_source_id": view.data_source_id, "name": view.name, "type": view.type,
            "created_time": iso(view.created, offset=True), "created_by": user_ref(view.created_by),
            "last_edited_time": iso(view.edited, offset=True), "last_edited_by": user_ref(view.edited_by),
            "url": f"{APP}{db.id.replace('-', '')}?v={view.id.replace('-', '')}", "filter": view.filter,
            "sorts": view.sorts, "quick_filters": view.quick_filters,
            "configuration": _shown(ws, view) if view.configuration is not None else {"type": view.type}}


def partial_obj(view: View) -> dict:
    return {"object": "view", "id": view.id, "parent": {"type": "database_id", "database_id": view.database_id},
            "type": view.type}


def add_default(ws: Workspace, db: Database, ds: DataSource) -> View:
    """The table view every new database starts with."""
    return _store(ws, db, View(id=new_id(), database_id=db.id, data_source_id=ds.id, name=DEFAULT_VIEW,
                               type="table", created=0, edited=0, created_by=ws.bot_id, edited_by=ws.bot_id))


def _store(ws: Workspace, db: Database, view: View, at: int | None = None) -> View:
    view.created = view.edited = ws.clock.stamp()
    ws.views[view.id] = view
    db.view_ids.insert(len(db.view_ids) if at is None else at, view.id)
    return view


# -- checks ---------------------------------------------------------------------------------------

def _prop(ds: DataSource, path: str, raw: Any) -> Prop:
    key = as_text(path, raw)
    prop = ds.props.get(key) or ds.props.get(unquote(key)) or next(
        (p for p in ds.props.values() if unquote(p.id) == unquote(key)), None)
    if prop is None:
        raise rejected(f"Could not find property with id: {key}")
    return prop


def _flag(path: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise wrong(path, "a boolean", value)


def _group(ds: DataSource, path: str, raw: Any) -> dict:
    raw = as_dict(path, raw)
    known_keys(path, raw, GROUP_KEYS)
    prop = _prop(ds, f"{path}.property_id", raw.get("property_id"))
    wanted = GROUP_TYPE.get(prop.type)
    if wanted is None:
        raise rejected(f"Cannot group by property {prop.name!r} of type {prop.type}.")
    if raw.get("type") != wanted:
        raise wrong(f"{path}.type", f'`"{wanted}"` for property {prop.name!r}', raw.get("type"))
    order = as_dict(f"{path}.sort", raw.get("sort"))
    if order.get("type") not in ("manual", "ascending", "descending"):
        raise one_of(f"{path}.sort.type", ("manual", "ascending", "descending"), order.get("type"))
    if "hide_empty_groups" in raw:
        _flag(f"{path}.hide_empty_groups", raw["hide_empty_groups"])
    if prop.type in DATE_TYPES and raw.get("group_by") not in ("relative", "day", "week", "month", "year"):
        raise one_of(f"{path}.group_by", ("relative", "day", "week", "month", "year"), raw.get("group_by"))
    if prop.type == "status" and raw.get("group_by") not in ("group", "option"):
        raise one_of(f"{path}.group_by", ("group", "option"), raw.get("group_by"))
    return dict(raw, property_id=prop.id)


def _columns(ds: DataSource, path: str, raw: Any) -> list[dict]:
    out = []
    for i, item in enumerate(as_list(path, raw)):
        item = as_dict(f"{path}[{i}]", item)
        known_keys(f"{path}[{i}]", item, VIEW_PROPERTY_KEYS)
        prop = _prop(ds, f"{path}[{i}].property_id", item.get("property_id"))
        for key in ("visible", "wrap"):
            if key in item:
                _flag(f"{path}[{i}].{key}", item[key])
        out.append(dict(item, property_id=prop.id))
    return out


def _configuration(ds: DataSource, kind: str, raw: Any, old: dict | None = None) -> dict:
    """Checks a configuration; on update, given keys replace the old ones and ``null`` clears one."""
    path = "body.configuration"
    raw = as_dict(path, raw)
    if raw.get("type") != kind:         # "The type field must match the view type" (CreateViewRequest)
        raise wrong(f"{path}.type", f'`"{kind}"` (the view\'s type)', raw.get("type"))
    known_keys(path, raw, CONFIG_KEYS[kind] | {"type"})
    merged = dict(old or {}, **raw)
    out: dict[str, Any] = {}
    for key, value in merged.items():
        here = f"{path}.{key}"
        if value is None:
            continue
        if key in ("group_by", "sub_group_by"):
            value = _group(ds, here, value)
        elif key in ("properties", "table_properties"):
            value = _columns(ds, here, value)
        elif key in ("date_property_id", "end_date_property_id"):
            prop = _prop(ds, here, value)
            if prop.type not in DATE_TYPES:
                raise rejected(f"Property {prop.name!r} is not a date property.")
            value = prop.id
        out[key] = value
    if kind == "board" and "group_by" not in out:       # BoardViewConfigRequest: group_by is required
        raise missing(f"{path}.group_by")
    if kind in ("calendar", "timeline") and "date_property_id" not in out:
        raise missing(f"{path}.date_property_id")
    return out


def _shown(ws: Workspace, view: View) -> dict:
    """The configuration as answered: property names beside ids (the response's convenience fields)."""
    ds = ws.data_sources[view.data_source_id]

    def name(pid: str) -> str:
        prop = ds.props.get(pid)
        return prop.name if prop else ""
    out = {}
    for key, value in (view.configuration or {}).items():
        if key in ("group_by", "sub_group_by"):
            value = dict(value, property_name=name(value["property_id"]))
        elif key in ("properties", "table_properties"):
            value = [dict(item, property_name=name(item["property_id"])) for item in value]
        elif key == "date_property_id":
            out["date_property_name"] = name(value)
        elif key == "end_date_property_id":
            out["end_date_property_name"] = name(value)
        out[key] = value
    return out


def _filter(ws: Workspace, ds: DataSource, raw: Any) -> dict | None:
    if raw is None:
        return None
    q.compile_filter(ws, ds, raw, "body.filter", many=True)
    return raw


def _sorts(ws: Workspace, ds: DataSource, raw: Any, only_properties: bool = False) -> list | None:
    if raw is None:
        return None
    q._sort_keys(ws, ds, raw)
    if only_properties:     # UpdateViewRequest: "Only property-based sorts are supported"
        for i, item in enumerate(raw):
            if "property" not in item:
                raise missing(f"body.sorts[{i}].property")
    return raw


def _quick(ws: Workspace, ds: DataSource, raw: Any, old: dict | None = None) -> dict | None:
    """Quick filters keyed by property id; on update ``null`` removes one, unnamed ones stay."""
    if raw is None:
        return None
    out = dict(old or {})
    for key, cond in as_dict("body.quick_filters", raw).items():
        prop = ds.prop(key)      # "Keys are property names or IDs" (CreateViewRequest.quick_filters)
        if prop is None:
            raise rejected(f"Could not find property with name or id: {key}")
        if cond is None:
            out.pop(prop.id, None)
            continue
        cond = as_dict(f"body.quick_filters.{key}", cond)
        q.compile_filter(ws, ds, dict(cond, property=prop.id), f"body.quick_filters.{key}", many=True)
        out[prop.id] = cond
    return out or None


# -- the endpoints --------------------------------------------------------------------------------

def create(ws: Workspace, body: dict) -> View:
    for key in ("view_id", "create_database", "placement"):
        if body.get(key) is not None:
            raise unsupported(f"views in dashboards or new linked databases ({key})")
    ds = ws.data_source(need_id("body.data_source_id", body.get("data_source_id")), "body.data_source_id")
    db = ws.database(need_id("body.database_id", body.get("database_id")), "body.database_id")
    if ds.database_id != db.id:
        raise rejected(f"Data source {ds.id} does not belong to database {db.id}.")
    if ws.trashed(ds):
        raise archived()
    name = as_text("body.name", body.get("name"))
    kind = body.get("type")
    if kind not in VIEW_TYPES:
        raise one_of("body.type", VIEW_TYPES, kind)
    if kind not in MODELLED:
        raise unsupported(f"{kind} views")
    config = _configuration(ds, kind, body["configuration"]) if body.get("configuration") is not None else None
    if config is None and kind in ("board", "calendar", "timeline"):
        _configuration(ds, kind, {"type": kind})        # refuses: these need a group or a date
    view = View(id=new_id(), database_id=db.id, data_source_id=ds.id, name=name, type=kind, created=0, edited=0,
                created_by=ws.bot_id, edited_by=ws.bot_id, filter=_filter(ws, ds, body.get("filter")),
                sorts=_sorts(ws, ds, body.get("sorts")), quick_filters=_quick(ws, ds, body.get("quick_filters")),
                configuration=config)
    return _store(ws, db, view, _position(ws, db, body.get("position")))


def _position(ws: Workspace, db: Database, raw: Any) -> int | None:
    """ViewPositionRequest: ``start``, ``end`` (the default) or ``after_view`` a view of this database."""
    if raw is None:
        return None
    raw = as_dict("body.position", raw)
    kind = raw.get("type")
    if kind == "start":
        return 0
    if kind == "end":
        return None
    if kind != "after_view":
        raise one_of("body.position.type", ("start", "end", "after_view"), kind)
    after = ws.view(need_id("body.position.view_id", raw.get("view_id")), "body.position.view_id")
    if after.id not in db.view_ids:
        raise rejected(f"View {after.id} is not a view of database {db.id}.")
    return db.view_ids.index(after.id) + 1


def update(ws: Workspace, view: View, body: dict) -> View:
    known_keys("body", body, {"name", "filter", "sorts", "quick_filters", "configuration"})
    ds = ws.data_sources[view.data_source_id]
    name = as_text("body.name", body["name"]) if "name" in body else view.name
    flt = _filter(ws, ds, body["filter"]) if "filter" in body else view.filter
    sorts = _sorts(ws, ds, body["sorts"], only_properties=True) if "sorts" in body else view.sorts
    quick = _quick(ws, ds, body["quick_filters"], view.quick_filters) if "quick_filters" in body else view.quick_filters
    config = view.configuration
    if body.get("configuration") is not None:
        config = _configuration(ds, view.type, body["configuration"], view.configuration)
    view.name, view.filter, view.sorts, view.quick_filters, view.configuration = name, flt, sorts, quick, config
    ws.touch(view)
    return view


def delete(ws: Workspace, view: View) -> View:
    db = ws.databases[view.database_id]
    db.view_ids.remove(view.id)
    del ws.views[view.id]
    return view


def listing(ws: Workspace, one: dict[str, Any]) -> dict:
    """``GET /v1/views?database_id=`` (its tabs, in order) or ``?data_source_id=`` (every view of it)."""
    if one.get("database_id"):
        db = ws.database(need_id("query.database_id", one["database_id"]), "query.database_id")
        ids = list(db.view_ids)
    elif one.get("data_source_id"):
        ds = ws.data_source(need_id("query.data_source_id", one["data_source_id"]), "query.data_source_id")
        ids = [v.id for v in ws.views.values() if v.data_source_id == ds.id]
    else:
        raise invalid("query.database_id should be defined, instead was `undefined`.")
    size = q.page_size("query", one.get("page_size"))
    chunk, cursor, more = q.paginate(ids, one.get("start_cursor"), size, "query")
    return list_obj([{"object": "view", "id": i} for i in chunk], cursor, more, "view")


def run_query(ws: Workspace, view: View, body: dict) -> dict:
    """``POST /v1/views/{id}/queries``: the view's filter and sorts over its data source, first page."""
    ds = ws.data_sources[view.data_source_id]
    size = q.page_size("body", body.get("page_size"))
    pages = [ws.pages[i] for i in ds.page_ids if not ws.pages[i].in_trash]
    if view.filter is not None:
        keep = q.compile_filter(ws, ds, view.filter, many=True)
        pages = [p for p in pages if keep(p)]
    pages = q.sort_pages(pages, q._sort_keys(ws, ds, view.sorts) if view.sorts else [])
    qid = new_id()
    expires = ws.clock.stamp() + QUERY_TTL_MS
    ws.view_queries[qid] = {"view_id": view.id, "page_ids": [p.id for p in pages], "expires": expires}
    chunk, cursor, more = q.paginate(ws.view_queries[qid]["page_ids"], None, size, "body")
    return {"object": "view_query", "id": qid, "view_id": view.id, "expires_at": iso(expires, offset=True),
            "total_count": len(pages), "results": [{"object": "page", "id": i} for i in chunk],
            "next_cursor": cursor, "has_more": more}


def _stored_query(ws: Workspace, view: View, raw: Any) -> dict:
    qid = need_id("path.query_id", raw)
    found = ws.view_queries.get(qid)
    if found is None or found["view_id"] != view.id:
        raise not_found("view query", qid, ws.bot_id)
    return found


def query_results(ws: Workspace, view: View, raw: Any, one: dict[str, Any]) -> dict:
    found = _stored_query(ws, view, raw)
    size = q.page_size("query", one.get("page_size"))
    chunk, cursor, more = q.paginate(found["page_ids"], one.get("start_cursor"), size, "query")
    return list_obj([{"object": "page", "id": i} for i in chunk], cursor, more, "page")


def delete_query(ws: Workspace, view: View, raw: Any) -> dict:
    _stored_query(ws, view, raw)
    qid = need_id("path.query_id", raw)
    del ws.view_queries[qid]
    return {"object": "view_query", "id": qid, "deleted": True}

