"""The schema-size limit: a data source's schema may not grow past 50 KB.

Source: the reference (database object): "Notion recommends a maximum
schema size of 50KB. Updates to database schemas that are too large will be
blocked to help maintain database performance." Integrations that create a
select option per item meet it as "Database schema has exceeded the maximum
size" (dvanoni/notero#725, after about 2,000 synced items; #250 is the same
limit under an older wording).

What is modelled: the size of a schema is the UTF-8 length of its
``properties`` as ``GET /v1/data_sources/{id}`` answers them, as compact
JSON; the limit is 50 × 1,024 = 51,200 bytes (``Workspace.schema_limit``,
changed with ``NotionEmulator.set_schema_limit``). Every request that would
leave a schema larger than that -- a schema update, or a page write whose
new select/multi_select options would be added to it -- is refused whole
with 400 ``validation_error`` and that message, and nothing is written. A
schema already over the limit (a smaller limit set later) may still shrink
or stay as it is. Notion's own measure of a schema is not published; option
ids here are UUIDs, as real option ids are, so one option costs about 80
bytes plus its name: roughly 600 options fill a schema.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace

from .common import rejected
from .schema import Spec, configure_options, make_options
from .shapes import prop_config
from .state import DataSource, Prop, Workspace

SCHEMA_LIMIT = 50 * 1024
MESSAGE = "Database schema has exceeded the maximum size"


def schema_bytes(ws: Workspace, props: Iterable[Prop]) -> int:
    rendered = {p.name: prop_config(ws, p) for p in props}
    return len(json.dumps(rendered, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def check(ws: Workspace, ds: DataSource | None, props: Iterable[Prop]) -> None:
    """Refuses when the schema ``props`` would be larger than the limit and than the schema now."""
    size = schema_bytes(ws, props)
    if size <= ws.schema_limit:
        return
    if ds is not None and size <= schema_bytes(ws, ds.props.values()):
        return
    raise rejected(MESSAGE)


def preview(ws: Workspace, ds: DataSource | None, plans: list[tuple[str, Prop | None, object]]) -> list[Prop]:
    """The schema a data source would have after ``plans`` (``databases._schema_plans``), unapplied."""
    props = dict(ds.props) if ds is not None else {}
    for n, (op, prop, arg) in enumerate(plans):
        if op == "remove":
            props.pop(prop.id, None)
        elif op == "rename":
            name, description = arg
            props[prop.id] = replace(prop, name=name, description=description)
        elif op == "update" and prop.type == arg.type and prop.type in ("select", "multi_select", "status"):
            fresh = [s for s in arg.options if prop.option(s[0]) is None]
            props[prop.id] = replace(prop, name=arg.name, options=prop.options + make_options(fresh))
        else:       # an added property, or a changed type: the new configuration
            key = prop.id if prop is not None else f"new-{n}"
            props[key] = _new(arg, key)
    return list(props.values())


def _new(spec: Spec, key: str) -> Prop:
    prop = Prop(id=key, name=spec.name, type=spec.type, description=spec.description,
                number_format=spec.number_format, target=spec.target)
    configure_options(prop, spec)
    return prop


def with_new_options(ds: DataSource, values: dict) -> list[Prop] | None:
    """The schema after a page write whose select picks name options the schema lacks (None: no new one)."""
    props = dict(ds.props)
    grew = False
    for pid, (prop, value) in values.items():
        picks = value if isinstance(value, list) else [value]
        fresh = list(dict.fromkeys(p.name for p in picks
                                   if getattr(p, "existing", "x") is None and prop.option(p.name) is None))
        if fresh and prop.type in ("select", "multi_select"):
            props[pid] = replace(prop, options=prop.options + make_options([(n, None, None) for n in fresh]))
            grew = True
    return list(props.values()) if grew else None
