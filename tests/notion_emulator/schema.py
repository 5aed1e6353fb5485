"""Data source schemas: checking property configurations, then applying them.

``parse`` turns one request property configuration into a :class:`Spec`
without touching state (so a refused request changes nothing); ``add``
creates the property, and for a DUAL relation also its synced partner on the
related data source (which may be the same data source: a self relation
gives two properties kept in step, e.g. ``Related`` and ``Related from``).
Modelled types: title, rich_text, number, select, multi_select, status, date,
url, email, phone_number, checkbox, relation, people, files and the four
read-only timestamp/user types; others are refused as not modelled.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from .common import missing, need_id, new_id, rejected, unsupported, wrong
from .rules import no_commas, number_format
from .state import DataSource, Option, Prop, Workspace, plain
from .validate import READ_ONLY, SELECT_COLORS, WRITABLE, as_dict, as_list, as_text

TYPES = WRITABLE + READ_ONLY
OTHER_TYPES = ("formula", "rollup", "unique_id", "button", "place", "location", "verification",
               "last_visited_time")
STATUS_DEFAULT = (("Not started", "default"), ("In progress", "blue"), ("Done", "green"))
STATUS_GROUPS = (("To-do", "gray"), ("In progress", "blue"), ("Complete", "green"))
_ID_CHARS = string.ascii_letters + string.digits + ":;=?@[]^`{|}~"
_rng = random.SystemRandom()


@dataclass
class Spec:
    """A checked property configuration, not yet applied."""

    name: str
    type: str
    description: str | None = None
    options: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    number_format: str = "number"
    target: str | None = None
    dual: bool = False
    synced_name: str | None = None


def _options(path: str, raw: Any) -> list[tuple[str, str | None, str | None]]:
    out, seen = [], set()
    for i, item in enumerate(as_list(path, raw)):
        item = as_dict(f"{path}[{i}]", item)
        name = no_commas(as_text(f"{path}[{i}].name", item.get("name"), 100))
        color = item.get("color")
        if color is not None and color not in SELECT_COLORS:
            raise wrong(f"{path}[{i}].color", "a valid select color", color)
        if name in seen:
            raise rejected(f"Duplicate option name {name!r} in {path}.")
        seen.add(name)
        out.append((name, color, as_text(f"{path}[{i}].description", item.get("description"), nullable=True)))
    return out


def kind_of(raw: dict) -> str | None:
    return raw.get("type") or next((k for k in raw if k in TYPES + OTHER_TYPES), None)


def parse(ws: Workspace, path: str, name: str, raw: Any) -> Spec:
    raw = as_dict(path, raw)
    kind = kind_of(raw)
    if kind is None:
        raise wrong(path, "a property configuration with a type", raw)
    if kind in OTHER_TYPES:
        raise unsupported(f"property type {kind!r}")
    if kind not in TYPES:
        raise wrong(f"{path}.type", "a property type", kind)
    config = raw.get(kind) if raw.get(kind) is not None else {}
    config = as_dict(f"{path}.{kind}", config)
    spec = Spec(name=as_text(f"{path}.name", raw.get("name", name), 200) or name, type=kind,
                description=as_text(f"{path}.description", raw.get("description"), nullable=True))
    if kind in ("select", "multi_select", "status") and "options" in config:
        spec.options = _options(f"{path}.{kind}.options", config["options"])
    elif kind == "number":
        spec.number_format = number_format(f"{path}.number.format",
                                           as_text(f"{path}.number.format", config.get("format", "number")))
    elif kind == "relation":
        target = ws.data_source(need_id(f"{path}.relation.data_source_id", config.get("data_source_id")),
                                f"{path}.relation.data_source_id")
        spec.target = target.id
        if "dual_property" in config or config.get("type") == "dual_property":
            spec.dual = True
            dual = as_dict(f"{path}.relation.dual_property", config.get("dual_property", {}))
            spec.synced_name = as_text(f"{path}.relation.dual_property.synced_property_name",
                                       dual.get("synced_property_name"), 200, nullable=True)
        elif "single_property" not in config and config.get("type") != "single_property":
            raise missing(f"{path}.relation.single_property")
    return spec


def parse_all(ws: Workspace, path: str, raw: Any, self_ds: DataSource | None = None) -> list[Spec]:
    """A whole new schema (database or data source creation): exactly one title property."""
    specs = [parse(ws, f"{path}.{name}", name, value) for name, value in as_dict(path, raw).items()]
    titles = [s for s in specs if s.type == "title"]
    if len(titles) != 1:
        raise rejected("A data source must have exactly one title property; "
                       f"{len(titles)} were given in {path}.")
    check_synced_names(ws, specs, self_ds)
    return specs


def check_synced_names(ws: Workspace, specs: list[Spec], self_ds: DataSource | None) -> None:
    """A dual relation's synced property is new on its target: its name must be free there."""
    for spec in specs:
        if not spec.dual:
            continue
        target = ws.data_sources[spec.target or ""]
        name = spec.synced_name or default_synced_name(self_ds, spec.name)
        taken = target.prop(name) is not None
        if self_ds is not None and target.id == self_ds.id:
            taken = taken or any(s.name == name for s in specs)
        if taken:
            raise rejected(f"Cannot create the synced property {name!r}: the related data source "
                           "already has a property with that name.")


def default_synced_name(ds: DataSource | None, prop_name: str) -> str:
    return f"Related to {plain(ds.title) if ds else 'Untitled'} ({prop_name})"


def new_prop_id(ds: DataSource) -> str:
    while True:
        pid = quote("".join(_rng.choice(_ID_CHARS) for _ in range(4)), safe="")
        if pid not in ds.props and pid != "title":
            return pid


def make_options(specs: list[tuple[str, str | None, str | None]], existing: int = 0) -> list[Option]:
    """Options with fresh ids; a missing colour is dealt round the palette, as Notion does."""
    return [Option(id=new_id(), name=name, color=color or SELECT_COLORS[(existing + i) % len(SELECT_COLORS)],
                   description=desc)
            for i, (name, color, desc) in enumerate(specs)]


def add(ws: Workspace, ds: DataSource, spec: Spec) -> Prop:
    """Create the property (and a dual relation's partner on the related data source)."""
    prop = Prop(id="title" if spec.type == "title" else new_prop_id(ds), name=spec.name, type=spec.type,
                description=spec.description, number_format=spec.number_format, target=spec.target)
    configure_options(prop, spec)
    ds.props[prop.id] = prop
    link_partner(ws, ds, prop, spec)
    return prop


def link_partner(ws: Workspace, ds: DataSource, prop: Prop, spec: Spec) -> None:
    """For a dual relation: create the synced property on the related data source."""
    if not spec.dual:
        return
    target = ws.data_sources[spec.target or ""]
    partner = Prop(id=new_prop_id(target), name=spec.synced_name or default_synced_name(ds, spec.name),
                   type="relation", target=ds.id, synced=prop.id)
    target.props[partner.id] = partner
    prop.synced = partner.id
    if target is not ds:
        ws.touch(target)


def configure_options(prop: Prop, spec: Spec) -> None:
    if prop.type in ("select", "multi_select"):
        prop.options = make_options(spec.options)
    elif prop.type == "status":
        prop.options = make_options(spec.options or [(n, c, None) for n, c in STATUS_DEFAULT])
        ids = [o.id for o in prop.options]
        split = [ids[:1], ids[1:2], ids[2:]] if not spec.options else [ids, [], []]
        prop.groups = [{"id": new_id(), "name": g, "color": c, "option_ids": part}
                       for (g, c), part in zip(STATUS_GROUPS, split)]


def merge_options(prop: Prop, specs: list[tuple[str, str | None, str | None]]) -> None:
    """Update: named options are added when new; existing ones (and omitted ones) are kept."""
    fresh = [s for s in specs if prop.option(s[0]) is None]
    added = make_options(fresh, existing=len(prop.options))
    prop.options.extend(added)
    if prop.type == "status" and prop.groups:
        prop.groups[0]["option_ids"].extend(o.id for o in added)


def detach(ws: Workspace, prop: Prop) -> None:
    """A dual relation loses its partner's link (the partner becomes a one-way relation)."""
    if prop.type == "relation" and prop.synced:
        target = ws.data_sources.get(prop.target or "")
        partner = target.props.get(prop.synced) if target else None
        if partner is not None:
            partner.synced = None
        prop.synced = None
