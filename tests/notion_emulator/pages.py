"""Pages: create, update (properties, icon, trash), property items, relation sync.

Values are checked against the data source schema first (``validate``);
only a request that passes whole is applied. Unknown select/multi_select
options are created on the fly and join the schema (unknown status options
are refused, as in Notion). Setting a DUAL relation updates the synced
property on every page added or removed, so both sides always agree.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from . import size
from .blocks import check_total, store, trees
from .common import archived, archived_page, new_id, rejected, unsupported, wrong
from .query import page_size
from .rules import checkpoint
from .schema import make_options
from .shapes import prop_value
from .state import DataSource, Page, Prop, Workspace
from .validate import Pick, as_dict, cover, icon, page_values

UNMODELLED = ("template", "markdown", "content", "position", "erase_content", "is_locked")


def _parent(ws: Workspace, raw: Any) -> tuple[dict, DataSource | None, Page | None]:
    raw = as_dict("body.parent", raw)
    kind = raw.get("type") or next((k for k in ("data_source_id", "database_id", "page_id") if k in raw), None)
    if kind == "data_source_id":
        ds = ws.data_source(raw.get("data_source_id"), "body.parent.data_source_id")
    elif kind == "database_id":
        db = ws.database(raw.get("database_id"), "body.parent.database_id")
        if len(db.data_source_ids) != 1:
            raise rejected(f"Database {db.id} has {len(db.data_source_ids)} data sources; "
                           "use a data_source_id parent.")
        ds = ws.data_sources[db.data_source_ids[0]]
    elif kind == "page_id":
        page = ws.page(raw.get("page_id"), "body.parent.page_id")
        if page.in_trash:
            raise archived()
        return {"type": "page_id", "page_id": page.id}, None, page
    else:
        raise wrong("body.parent.type", '`"data_source_id"`, `"database_id"` or `"page_id"`', kind)
    if ws.trashed(ds):
        raise archived()
    return {"type": "data_source_id", "data_source_id": ds.id, "database_id": ds.database_id}, ds, None


def _no_unmodelled(body: dict) -> None:
    for key in UNMODELLED:
        if body.get(key) is not None:
            raise unsupported(f"the {key!r} parameter")


def create(ws: Workspace, body: dict) -> Page:
    _no_unmodelled(body)
    parent, ds, up = _parent(ws, body.get("parent"))
    values = page_values(ws, ds, body.get("properties", {}))
    found = trees(ws, "body.children", body["children"]) if body.get("children") is not None else []
    check_total(found)
    the_icon, the_cover = icon("body.icon", body.get("icon")), cover("body.cover", body.get("cover"))
    _check_size(ws, ds, values)
    checkpoint()
    now = ws.clock.stamp()
    page = Page(id=new_id(), parent=parent, seq=ws.next_seq(), created=now, edited=now, created_by=ws.bot_id,
                edited_by=ws.bot_id, icon=the_icon, cover=the_cover)
    ws.pages[page.id] = page
    if ds is not None:
        ds.page_ids.append(page.id)
        for prop in ds.props.values():
            if prop.type == "status" and prop.id not in values and prop.options:
                page.values[prop.id] = prop.options[0].id
    else:
        assert up is not None
        up.children.append(page.id)
        ws.touch(up)
    apply_values(ws, page, values, ws.bot_id)
    store(ws, page, found)
    return page


def update(ws: Workspace, page: Page, body: dict, user: str | None = None) -> Page:
    """A PATCH (``user`` None: the integration) or a human edit (``user``: the person)."""
    _no_unmodelled(body)
    trash = next((body[k] for k in ("in_trash", "archived") if k in body), None)
    if trash is not None and not isinstance(trash, bool):
        raise wrong("body.in_trash", "a boolean", trash)
    edits = [k for k in ("properties", "icon", "cover") if k in body]
    if page.in_trash and trash is not False and edits:
        raise archived_page()
    if not page.in_trash and ws.trashed(page) and (edits or trash is not None):
        raise archived_page()       # its data source or database is in the trash: nothing to edit or restore
    ds = ws.data_sources.get(page.data_source_id or "")
    values = page_values(ws, ds, body["properties"]) if "properties" in body else {}
    the_icon = icon("body.icon", body["icon"]) if "icon" in body else page.icon
    the_cover = cover("body.cover", body["cover"]) if "cover" in body else page.cover
    who = user or ws.bot_id
    _check_size(ws, ds, values)
    checkpoint()
    apply_values(ws, page, values, who)
    page.icon, page.cover = the_icon, the_cover
    if trash is not None:
        page.in_trash = trash
    ws.touch(page, who)
    return page


def _check_size(ws: Workspace, ds: DataSource | None, values: dict) -> None:
    """New options join the schema: refused when that would pass the schema-size limit (size.py)."""
    grown = size.with_new_options(ds, values) if ds is not None else None
    if grown is not None:
        size.check(ws, ds, grown)


def apply_values(ws: Workspace, page: Page, values: dict[str, tuple[Prop, Any]], user: str) -> None:
    for pid, (prop, value) in values.items():
        if prop.type in ("select", "status"):
            page.values[pid] = _option_id(prop, value) if value is not None else None
        elif prop.type == "multi_select":
            page.values[pid] = [_option_id(prop, pick) for pick in value]
        elif prop.type == "relation":
            set_relation(ws, page, prop, value, user)
        else:
            page.values[pid] = value


def _option_id(prop: Prop, pick: Pick) -> str:
    if pick.existing is not None:
        return pick.existing
    found = prop.option(pick.name)      # created earlier in this same request
    if found is None:
        found = make_options([(pick.name, pick.color, None)], existing=len(prop.options))[0]
        prop.options.append(found)
    return found.id


def set_relation(ws: Workspace, page: Page, prop: Prop, new: list[str], user: str) -> None:
    """Sets a relation; for a dual relation the synced side follows on each page concerned."""
    old = page.values.get(prop.id, [])
    page.values[prop.id] = list(new)
    target = ws.data_sources.get(prop.target or "")
    partner = target.props.get(prop.synced or "") if target else None
    if partner is None:
        return
    for other_id in [p for p in old if p not in new] + [p for p in new if p not in old]:
        other = ws.pages[other_id]
        current = other.values.get(partner.id, [])
        wanted = other_id in new
        if wanted and page.id not in current:
            other.values[partner.id] = current + [page.id]
        elif not wanted and page.id in current:
            other.values[partner.id] = [p for p in current if p != page.id]
        else:
            continue
        if other is not page:
            ws.touch(other, user)


LISTED = ("title", "rich_text", "relation", "people")


def property_item(ws: Workspace, page: Page, raw_id: str, query: dict) -> dict:
    """``GET /v1/pages/{id}/properties/{property_id}``: one value, or a paginated item list."""
    ds = ws.data_sources.get(page.data_source_id or "")
    props = list(ds.props.values()) if ds else [Prop("title", "title", "title")]
    prop = next((p for p in props if unquote(p.id) == unquote(raw_id)), None)
    if prop is None:
        raise rejected(f"Could not find property with name or id: {raw_id}")
    value = prop_value(ws, page, prop, full=True)
    if prop.type not in LISTED:
        return dict(value, object="property_item")
    items = value[prop.type]
    size = page_size("query", query.get("page_size"))
    start = query.get("start_cursor")
    first = int(start) if start and start.isdigit() else 0
    chunk = items[first:first + size]
    more = first + size < len(items)
    results = [{"object": "property_item", "type": prop.type, "id": prop.id, prop.type: item} for item in chunk]
    return {"object": "list", "results": results, "next_cursor": str(first + size) if more else None,
            "has_more": more, "type": "property_item",
            "property_item": {"id": prop.id, "next_url": None, "type": prop.type, prop.type: {}}}

