"""Databases and data sources: create, retrieve, update (schema included).

Every operation checks the whole request first (``validate``/``schema``)
and only then changes the workspace, so a refused request changes nothing.
A database is created under a page (it then shows up there as a
``child_database`` block) with one initial data source; more data sources
can be added with ``POST /v1/data_sources``.
"""

from __future__ import annotations

from typing import Any

from .common import archived, missing, new_id, rejected, unsupported, wrong
from .schema import Spec, add, check_synced_names, configure_options, detach, kind_of, link_partner, \
    merge_options, parse, parse_all
from . import size, views
from .rules import checkpoint
from .state import Database, DataSource, Page, Prop, Workspace
from .validate import as_dict, as_text, cover, icon, rich_text


def _trash_flag(path: str, body: dict) -> bool | None:
    """``in_trash`` (or the legacy ``archived``) when given."""
    for key in ("in_trash", "archived"):
        if key in body:
            if not isinstance(body[key], bool):
                raise wrong(f"{path}.{key}", "a boolean", body[key])
            return body[key]
    return None


def _parent_page(ws: Workspace, path: str, raw: Any) -> Page:
    raw = as_dict(path, raw)
    kind = raw.get("type") or ("page_id" if "page_id" in raw else None)
    if kind != "page_id":
        raise wrong(f"{path}.type", '`"page_id"`', kind)
    page = ws.page(raw.get("page_id"), f"{path}.page_id")
    if page.in_trash:
        raise archived()
    return page


def create_database(ws: Workspace, body: dict) -> Database:
    parent = _parent_page(ws, "body.parent", body.get("parent"))
    title = rich_text(ws, "body.title", body.get("title", []))
    description = rich_text(ws, "body.description", body.get("description", []))
    the_icon, the_cover = icon("body.icon", body.get("icon")), cover("body.cover", body.get("cover"))
    is_inline = body.get("is_inline", False)
    if not isinstance(is_inline, bool):
        raise wrong("body.is_inline", "a boolean", is_inline)
    initial = as_dict("body.initial_data_source", body.get("initial_data_source") or {})
    specs = parse_all(ws, "body.initial_data_source.properties",
                      initial.get("properties", {"Name": {"title": {}}}))
    size.check(ws, None, size.preview(ws, None, [("add", None, s) for s in specs]))
    checkpoint()
    now = ws.clock.stamp()
    db = Database(id=new_id(), parent={"type": "page_id", "page_id": parent.id}, title=title, created=now,
                  edited=now, created_by=ws.bot_id, edited_by=ws.bot_id, description=description,
                  icon=the_icon, cover=the_cover, is_inline=is_inline)
    ws.databases[db.id] = db
    ds = _new_source(ws, db, title, specs)
    views.add_default(ws, db, ds)
    parent.children.append(db.id)
    ws.touch(parent)
    return db


def _new_source(ws: Workspace, db: Database, title: list, specs: list[Spec], the_icon: dict | None = None) -> DataSource:
    now = ws.clock.stamp()
    ds = DataSource(id=new_id(), database_id=db.id, title=title, props={}, created=now, edited=now,
                    created_by=ws.bot_id, edited_by=ws.bot_id, icon=the_icon)
    ws.data_sources[ds.id] = ds
    db.data_source_ids.append(ds.id)
    for spec in specs:
        add(ws, ds, spec)
    return ds


def create_data_source(ws: Workspace, body: dict) -> DataSource:
    parent = as_dict("body.parent", body.get("parent"))
    db = ws.database(parent.get("database_id"), "body.parent.database_id")
    if db.in_trash:
        raise archived()
    title = rich_text(ws, "body.title", body.get("title", []))
    the_icon = icon("body.icon", body.get("icon"))
    if "properties" not in body:
        raise missing("body.properties")
    specs = parse_all(ws, "body.properties", body["properties"])
    size.check(ws, None, size.preview(ws, None, [("add", None, s) for s in specs]))
    checkpoint()
    ds = _new_source(ws, db, title, specs, the_icon)
    ws.touch(db)
    return ds


def update_database(ws: Workspace, db: Database, body: dict) -> Database:
    if "parent" in body:
        raise unsupported("moving a database")
    trash = _trash_flag("body", body)
    edits = {k for k in ("title", "description", "icon", "cover", "is_inline", "is_locked") if k in body}
    if db.in_trash and trash is not False and edits:
        raise archived()
    title = rich_text(ws, "body.title", body["title"]) if "title" in body else db.title
    description = rich_text(ws, "body.description", body["description"]) if "description" in body else db.description
    the_icon = icon("body.icon", body["icon"]) if "icon" in body else db.icon
    the_cover = cover("body.cover", body["cover"]) if "cover" in body else db.cover
    flags = {}
    for key in ("is_inline", "is_locked"):
        if key in body:
            if not isinstance(body[key], bool):
                raise wrong(f"body.{key}", "a boolean", body[key])
            flags[key] = body[key]
    checkpoint()
    db.title, db.description, db.icon, db.cover = title, description, the_icon, the_cover
    for key, value in flags.items():
        setattr(db, key, value)
    if trash is not None:
        db.in_trash = trash
    ws.touch(db)
    return db


def update_data_source(ws: Workspace, ds: DataSource, body: dict) -> DataSource:
    if "parent" in body:
        raise unsupported("moving a data source")
    trash = _trash_flag("body", body)
    if ds.in_trash and trash is not False and any(k in body for k in ("title", "icon", "properties")):
        raise archived()
    title = rich_text(ws, "body.title", body["title"]) if "title" in body else ds.title
    the_icon = icon("body.icon", body["icon"]) if "icon" in body else ds.icon
    plans = _schema_plans(ws, ds, body["properties"]) if "properties" in body else []
    if plans:
        size.check(ws, ds, size.preview(ws, ds, plans))
    checkpoint()
    ds.title, ds.icon = title, the_icon
    for op, prop, arg in plans:
        _apply(ws, ds, op, prop, arg)
    if trash is not None:
        ds.in_trash = trash
    ws.touch(ds)
    return ds


Plan = tuple[str, Prop | None, Any]


def _schema_plans(ws: Workspace, ds: DataSource, raw: Any) -> list[Plan]:
    """Checks a schema update completely: adds, renames, type changes and removals."""
    plans: list[Plan] = []
    for key, value in as_dict("body.properties", raw).items():
        path, prop = f"body.properties.{key}", ds.prop(key)
        if value is None or (isinstance(value, dict) and kind_of(value) is None):
            if prop is None:
                raise rejected(f"{key} is not a property that exists.")
            if value is None:
                if prop.type == "title":
                    raise rejected("The title property of a data source cannot be removed.")
                plans.append(("remove", prop, None))
            else:
                name = as_text(f"{path}.name", value.get("name", prop.name), 200)
                desc = as_text(f"{path}.description", value.get("description", prop.description), nullable=True)
                plans.append(("rename", prop, (name, desc)))
            continue
        spec = parse(ws, path, prop.name if prop else key, value)
        if (spec.type == "title") != (prop is not None and prop.type == "title"):
            raise rejected("A data source has exactly one title property; it cannot be added, removed "
                           "or change type.")
        plans.append(("update" if prop else "add", prop, spec))
    names = {p.id: p.name for p in ds.props.values()}
    added = []
    for op, prop, arg in plans:
        if op == "remove":
            names.pop(prop.id, None)
        elif op == "rename":
            names[prop.id] = arg[0]
        elif op == "update":
            names[prop.id] = arg.name
        else:
            added.append(arg.name)
    every = list(names.values()) + added
    clash = next((n for n in every if every.count(n) > 1), None)
    if clash is not None:
        raise rejected(f"Property name {clash!r} is used by more than one property.")
    # only a relation that gains a synced partner needs a free name for it on the other side
    linking = [arg for op, prop, arg in plans if op == "add" or (op == "update" and (
        prop.type != "relation" or prop.target != arg.target or not prop.synced))]
    check_synced_names(ws, linking, ds)
    return plans


def _apply(ws: Workspace, ds: DataSource, op: str, prop: Prop | None, arg: Any) -> None:
    if op == "add":
        add(ws, ds, arg)
        return
    assert prop is not None
    if op == "remove":
        detach(ws, prop)
        del ds.props[prop.id]
    elif op == "rename":
        prop.name, prop.description = arg
    else:
        _update(ws, ds, prop, arg)


def _update(ws: Workspace, ds: DataSource, prop: Prop, spec: Spec) -> None:
    prop.name, prop.description = spec.name, spec.description if spec.description is not None else prop.description
    if spec.type != prop.type:
        detach(ws, prop)
        for pid in ds.page_ids:
            ws.pages[pid].values.pop(prop.id, None)
        prop.type, prop.number_format, prop.target = spec.type, spec.number_format, spec.target
        configure_options(prop, spec)
        link_partner(ws, ds, prop, spec)
    elif prop.type in ("select", "multi_select", "status"):
        merge_options(prop, spec.options)
    elif prop.type == "number":
        prop.number_format = spec.number_format
    elif prop.type == "relation" and (spec.target != prop.target or spec.dual != bool(prop.synced)):
        detach(ws, prop)
        prop.target = spec.target
        link_partner(ws, ds, prop, spec)
