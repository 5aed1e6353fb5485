"""Data source queries (filters, sorts), search, and cursor pagination.

Filters are checked and compiled to predicates before anything runs:
property filters for text types (``equals``, ``contains``, ``starts_with``,
``is_empty``...), ``number``, ``checkbox``, ``select``/``status``,
``multi_select``, ``date`` (``before``/``after``/``on_or_*``/``equals``),
``relation``/``people`` (``contains``...), ``timestamp`` filters, and
``and``/``or`` compounds nested at most two deep (as in Notion). Text
``contains``/``starts_with``/``ends_with`` ignore case; ``equals`` is exact.
Without sorts, pages come in creation order. A cursor is the id of the
first item of the next page, as the recorded exchanges show.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from functools import cmp_to_key
from typing import Any

from .common import PAGE_SIZE_LIMIT, invalid, missing, parse_date, rejected, unsupported, wrong
from .shapes import data_source_obj, list_obj, page_obj
from .state import DataSource, Page, Prop, Workspace, plain
from .validate import as_dict, as_list

TEXT = ("title", "rich_text", "url", "email", "phone_number")
DATES = ("date", "created_time", "last_edited_time")
Pred = Callable[[Page], bool]


def page_size(where: str, raw: Any) -> int:
    if raw is None:
        return PAGE_SIZE_LIMIT
    size = int(raw) if isinstance(raw, str) and raw.isdigit() else raw
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise wrong(f"{where}.page_size", "a positive integer", raw)
    if size > PAGE_SIZE_LIMIT:
        raise invalid(f"{where}.page_size should be ≤ `{PAGE_SIZE_LIMIT}`, instead was `{size}`.")
    return size


def paginate(ids: list[str], start: Any, size: int, where: str) -> tuple[list[str], str | None, bool]:
    first = 0
    if start is not None:
        if start not in ids:
            raise wrong(f"{where}.start_cursor", "a cursor returned by a previous request", start)
        first = ids.index(start)
    chunk = ids[first:first + size]
    more = first + size < len(ids)
    return chunk, ids[first + size] if more else None, more


def _value(ws: Workspace, page: Page, prop: Prop) -> Any:
    """A page's value in comparable form (None when empty)."""
    raw = page.values.get(prop.id)
    if prop.type in ("title", "rich_text"):
        return plain(raw or []) or None
    if prop.type in ("select", "status"):
        opt = prop.option(raw) if raw else None
        return opt.name if opt else None
    if prop.type == "multi_select":
        return [o.name for o in (prop.option(i) for i in raw or []) if o] or None
    if prop.type == "date":
        return parse_date(raw["start"]) if raw else None
    if prop.type == "created_time":
        return datetime.fromtimestamp(page.created / 1000, tz=timezone.utc)
    if prop.type == "last_edited_time":
        return datetime.fromtimestamp(page.edited / 1000, tz=timezone.utc)
    if prop.type == "checkbox":
        return bool(raw)
    if prop.type in ("relation", "people"):
        return list(raw or []) or None
    return raw if raw != "" else None


def _date_test(path: str, op: str, arg: Any) -> Callable[[datetime | None], bool]:
    if op in ("is_empty", "is_not_empty"):
        return (lambda v: v is None) if op == "is_empty" else (lambda v: v is not None)
    now = datetime.now(timezone.utc)
    spans = {"past_week": (-7, 0), "past_month": (-30, 0), "past_year": (-365, 0),
             "next_week": (0, 7), "next_month": (0, 30), "next_year": (0, 365)}
    if op in spans:
        lo, hi = (now + timedelta(days=d) for d in spans[op])
        return lambda v: v is not None and lo <= v <= hi
    if op == "this_week":
        # the calendar week of today (a Monday start here); DatePropertyFilter in notion-sdk-js api-endpoints.ts
        monday = datetime.combine(now.date() - timedelta(days=now.weekday()), datetime.min.time(), timezone.utc)
        return lambda v: v is not None and monday <= v < monday + timedelta(days=7)
    when = parse_date(arg)
    if when is None:
        raise wrong(f"{path}.{op}", "a valid ISO 8601 date string", arg)
    day_only = isinstance(arg, str) and len(arg) == 10
    key: Callable[[datetime], date | datetime] = (lambda v: v.astimezone(timezone.utc).date()) if day_only else (lambda v: v)
    ref = when.date() if day_only else when
    tests = {"equals": lambda v: key(v) == ref, "before": lambda v: key(v) < ref, "after": lambda v: key(v) > ref,
             "on_or_before": lambda v: key(v) <= ref, "on_or_after": lambda v: key(v) >= ref}
    if op not in tests:
        raise unsupported(f"date filter condition {op!r}")
    test = tests[op]
    return lambda v: v is not None and test(v)


def _condition(path: str, ftype: str, op: str, arg: Any, many: bool = False) -> Callable[[Any], bool]:
    if op == "is_empty":
        return lambda v: v is None
    if op == "is_not_empty":
        return lambda v: v is not None
    if ftype in DATES:
        return _date_test(path, op, arg)
    if ftype in TEXT:
        if not isinstance(arg, str):
            raise wrong(f"{path}.{op}", "a string", arg)
        low = arg.casefold()
        tests = {"equals": lambda v: (v or "") == arg, "does_not_equal": lambda v: (v or "") != arg,
                 "contains": lambda v: low in (v or "").casefold(),
                 "does_not_contain": lambda v: low not in (v or "").casefold(),
                 "starts_with": lambda v: (v or "").casefold().startswith(low),
                 "ends_with": lambda v: (v or "").casefold().endswith(low)}
    elif ftype == "number":
        if isinstance(arg, bool) or not isinstance(arg, (int, float)):
            raise wrong(f"{path}.{op}", "a number", arg)
        tests = {"equals": lambda v: v == arg, "does_not_equal": lambda v: v != arg,
                 "greater_than": lambda v: v is not None and v > arg, "less_than": lambda v: v is not None and v < arg,
                 "greater_than_or_equal_to": lambda v: v is not None and v >= arg,
                 "less_than_or_equal_to": lambda v: v is not None and v <= arg}
    elif ftype == "checkbox":
        if not isinstance(arg, bool):
            raise wrong(f"{path}.{op}", "a boolean", arg)
        tests = {"equals": lambda v: v == arg, "does_not_equal": lambda v: v != arg}
    elif many and isinstance(arg, list) and ftype in ("select", "status", "multi_select"):
        # a view filter may name several options ("accept a single string or an array of strings",
        # ViewFilterRequest in the SDK types)
        def has(v: Any) -> bool:
            return any(a in v for a in arg) if isinstance(v, list) else v in arg
        tests = {"equals": has, "does_not_equal": lambda v: not has(v), "contains": has,
                 "does_not_contain": lambda v: not has(v)}
    elif ftype in ("select", "status"):
        tests = {"equals": lambda v: v == arg, "does_not_equal": lambda v: v != arg}
    else:       # multi_select, relation, people: membership
        tests = {"contains": lambda v: arg in (v or []), "does_not_contain": lambda v: arg not in (v or [])}
    if op not in tests:
        raise invalid(f"{path}.{op} should be not present, instead was `{arg!r}`.")
    return tests[op]


def compile_filter(ws: Workspace, ds: DataSource, raw: Any, path: str = "body.filter", depth: int = 0,
                   many: bool = False) -> Pred:
    raw = as_dict(path, raw)
    for key in ("and", "or"):
        if key in raw:
            if depth >= 2:
                raise invalid(f"{path}.{key} should be not present: compound filters nest at most two levels.")
            parts = [compile_filter(ws, ds, item, f"{path}.{key}[{i}]", depth + 1, many)
                     for i, item in enumerate(as_list(f"{path}.{key}", raw[key]))]
            return (lambda p: all(f(p) for f in parts)) if key == "and" else (lambda p: any(f(p) for f in parts))
    if "timestamp" in raw:
        stamp = raw["timestamp"]
        if stamp not in ("created_time", "last_edited_time"):
            raise wrong(f"{path}.timestamp", '`"created_time"` or `"last_edited_time"`', stamp)
        cond = as_dict(f"{path}.{stamp}", raw.get(stamp))
        op, arg = _single(f"{path}.{stamp}", cond)
        test = _date_test(f"{path}.{stamp}", op, arg)
        field_ = "created" if stamp == "created_time" else "edited"
        return lambda p: test(datetime.fromtimestamp(getattr(p, field_) / 1000, tz=timezone.utc))
    if raw.get("property") is None:
        raise missing(f"{path}.property")
    prop = ds.prop(raw["property"])
    if prop is None:
        raise rejected(f"Could not find property with name or id: {raw['property']}")
    ftype = raw.get("type") or next((k for k in raw if k not in ("property", "type")), None)
    if ftype != prop.type:
        raise invalid(f"{path}.{ftype} does not match the type of property {prop.name!r} ({prop.type}).")
    op, arg = _single(f"{path}.{ftype}", as_dict(f"{path}.{ftype}", raw.get(ftype)))
    test = _condition(f"{path}.{ftype}", ftype, op, arg, many)
    return lambda p: test(_value(ws, p, prop))


def _single(path: str, cond: dict) -> tuple[str, Any]:
    if len(cond) != 1:
        raise invalid(f"{path} should have exactly one condition, instead had `{len(cond)}`.")
    return next(iter(cond.items()))


def _sort_keys(ws: Workspace, ds: DataSource, raw: Any) -> list[tuple[Callable[[Page], Any], bool]]:
    keys = []
    for i, item in enumerate(as_list("body.sorts", raw)):
        item = as_dict(f"body.sorts[{i}]", item)
        direction = item.get("direction", "ascending")
        if direction not in ("ascending", "descending"):
            raise wrong(f"body.sorts[{i}].direction", '`"ascending"` or `"descending"`', direction)
        if "timestamp" in item:
            name = {"created_time": "created", "last_edited_time": "edited"}.get(item["timestamp"])
            if name is None:
                raise wrong(f"body.sorts[{i}].timestamp", '`"created_time"` or `"last_edited_time"`', item["timestamp"])
            keys.append((lambda p, n=name: getattr(p, n), direction == "descending"))
            continue
        prop = ds.prop(item.get("property") or "")
        if prop is None:
            raise rejected(f"Could not find sort property with name or id: {item.get('property')}")
        keys.append((_sort_getter(ws, prop), direction == "descending"))
    return keys


def _sort_getter(ws: Workspace, prop: Prop) -> Callable[[Page], Any]:
    if prop.type in ("select", "status", "multi_select"):
        order = {o.id: i for i, o in enumerate(prop.options)}
        def ranked(p: Page) -> Any:
            raw = p.values.get(prop.id)
            ids = raw if isinstance(raw, list) else [raw] if raw else []
            return tuple(order.get(i, len(order)) for i in ids) or None
        return ranked
    def value(p: Page) -> Any:
        v = _value(ws, p, prop)
        if isinstance(v, str):
            return v.casefold()
        return len(v) if isinstance(v, list) else v
    return value


def sort_pages(pages: list[Page], keys: list[tuple[Callable[[Page], Any], bool]]) -> list[Page]:
    """Stable multi-key sort; empty values go last whatever the direction (as in Notion)."""
    def compare(a: Page, b: Page) -> int:
        for getter, desc in keys:
            va, vb = getter(a), getter(b)
            if va == vb:
                continue
            if va is None or vb is None:
                return 1 if va is None else -1
            order = (va > vb) - (va < vb)
            return -order if desc else order
        return a.seq - b.seq
    return sorted(pages, key=cmp_to_key(compare))


def query(ws: Workspace, ds: DataSource, body: dict, params: dict[str, list[str]]) -> dict:
    pred = compile_filter(ws, ds, body["filter"]) if body.get("filter") is not None else None
    keys = _sort_keys(ws, ds, body["sorts"]) if body.get("sorts") is not None else []
    size = page_size("body", body.get("page_size"))
    trashed = bool(body.get("in_trash", body.get("archived", False)))
    pages = [ws.pages[i] for i in ds.page_ids if ws.pages[i].in_trash == trashed]
    if body.get("result_type") == "data_source":
        pages = []
    if pred is not None:
        pages = [p for p in pages if pred(p)]
    pages = sort_pages(pages, keys)
    chunk, cursor, more = paginate([p.id for p in pages], body.get("start_cursor"), size, "body")
    only = set(params["filter_properties"]) if params.get("filter_properties") else None
    return list_obj([page_obj(ws, ws.pages[i], only) for i in chunk], cursor, more, "page_or_data_source")


def search(ws: Workspace, body: dict) -> dict:
    text = body.get("query") or ""
    if not isinstance(text, str):
        raise wrong("body.query", "a string", text)
    kinds = ("page", "data_source")
    if body.get("filter") is not None:
        flt = as_dict("body.filter", body["filter"])
        if flt.get("property") != "object":
            raise wrong("body.filter.property", '`"object"`', flt.get("property"))
        if flt.get("value") not in kinds:
            raise wrong("body.filter.value", '`"page"` or `"data_source"`', flt.get("value"))
        kinds = (flt["value"],)
    descending = True
    if body.get("sort") is not None:
        order = as_dict("body.sort", body["sort"])
        if order.get("timestamp") != "last_edited_time":
            raise wrong("body.sort.timestamp", '`"last_edited_time"`', order.get("timestamp"))
        if order.get("direction") not in ("ascending", "descending"):
            raise wrong("body.sort.direction", '`"ascending"` or `"descending"`', order.get("direction"))
        descending = order["direction"] == "descending"
    size = page_size("body", body.get("page_size"))
    found: list[tuple[int, str, dict]] = []
    needle = text.casefold()
    # eventually consistent ("Search indexing is not immediate", reference: search optimizations and
    # limitations): what the integration created less than ``search_lag_ms`` ago is not indexed yet;
    # pages shared with it directly (``add_page``) "are guaranteed to be returned"
    indexed = ws.clock.now() - ws.search_lag_ms

    def seen(thing: Page | DataSource) -> bool:
        return not ws.search_lag_ms or thing.created_by != ws.bot_id or thing.created <= indexed
    if "page" in kinds:
        found += [(p.edited, p.id, {"page": p}) for p in ws.pages.values()
                  if not ws.trashed(p) and needle in ws.title_of(p).casefold() and seen(p)]
    if "data_source" in kinds:
        found += [(d.edited, d.id, {"ds": d}) for d in ws.data_sources.values()
                  if not ws.trashed(d) and needle in plain(d.title).casefold() and seen(d)]
    found.sort(key=lambda t: t[0], reverse=descending)
    by_id = {i: thing for _, i, thing in found}
    chunk, cursor, more = paginate([i for _, i, _ in found], body.get("start_cursor"), size, "body")
    results = [page_obj(ws, by_id[i]["page"]) if "page" in by_id[i] else data_source_obj(ws, by_id[i]["ds"])
               for i in chunk]
    return list_obj(results, cursor, more, "page_or_data_source")
