"""The reader's edits between Notion and the other targets (the journal's Notion side).

Contract:
- ``pull_edits`` reads the pages edited in Notion since the last pull (one
  query per 100 edited pages, filtered on ``last_edited_time``) and returns a
  ``Change`` for each reader property (Status, Rating) whose value differs
  from what the journal says Notion shows, and a tag edit when Tags or More
  tags differ from what kbsync last sent (relative to the score's tags, as
  the vault records them); kbsync's own writes show the
  values the journal already has, so they are never taken for the reader's.
  Notion keeps edit times to the minute, so the filter starts two minutes
  before the last pull (a page seen twice changes nothing).
- ``NotionEditSink.push_edits`` applies edits made elsewhere: Status and
  Rating are set on the page (one request per page); a tag edit is applied
  through the article's Tags value (``tag_edits``), so the caller re-renders
  those articles (``retag``) and the ordinary diff sends Tags.
- ``set_elsewhere`` is the Status and Rating a page created now must carry
  (``reader_payload`` makes their values): an edit made before the page
  existed had nothing to be shown on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from ...edits.journal import Change, entries, latest
from ...tags import tag_key
from ...store import Store
from .api import NotionAPI, NotionError
from .pages import option
from .setup import definitions

ORIGIN = "notion"
PROPERTIES = {"status": "Status", "rating": "Rating"}   # journal property -> Notion property
LOOKBACK = timedelta(minutes=2)


def reader_values(page: Mapping[str, Any]) -> dict[str, Any]:
    """The reader's properties of a page as journal values (None: empty)."""
    props = page.get("properties", {})
    status = props.get("Status") or {}
    # a native status property (databases kbsync creates now) or a select (older ones)
    choice = status.get("status") or status.get("select")
    return {"status": choice.get("name") if choice else None,
            "rating": (props.get("Rating") or {}).get("number")}


def default_status() -> str | None:
    """The option Notion gives a native status property on a new page (the first one): it means
    the reader has not set a status, like an empty select."""
    spec = definitions()["articles"]["properties"].get("Status", {})
    options = (spec.get("status") or {}).get("options") or []
    return options[0]["name"] if options else None


def tag_change(page: Mapping[str, Any], sent: Mapping[str, Any], base: Sequence[str]) -> dict[str, list[str]] | None:
    """The reader's edit of a page's tags (Tags and More tags) as a journal value relative to the
    score's tags ``base``, or None when the page shows what kbsync sent (``sent``: the record's props)."""
    props = page.get("properties", {})
    tags = [o.get("name", "") for o in (props.get("Tags") or {}).get("multi_select") or []]
    more = "".join(i.get("plain_text", "") for i in (props.get("More tags") or {}).get("rich_text") or [])
    if "Tags" not in props or (tags == sent.get("Tags") and more == sent.get("More tags", "")):
        return None
    shown = tags + [t.strip() for t in more.split(",") if t.strip()]
    shown_keys = {tag_key(t) or t.casefold() for t in shown}
    base_keys = {tag_key(t) or t.casefold() for t in base}
    return {"added": [t for t in shown if (tag_key(t) or t.casefold()) not in base_keys],
            "removed": [t for t in base if (tag_key(t) or t.casefold()) not in shown_keys]}


def pull_edits(api: NotionAPI, data_source_id: str, kb_of_page: Mapping[str, str], since: datetime | None,
               shown: Mapping[tuple[str, str], Change],
               tags_of: Callable[[str], tuple[Mapping[str, Any], Sequence[str]] | None] | None = None) -> list[Change]:
    """``tags_of(kb_id)``: (the props kbsync last sent, the score's tags), to read tag edits."""
    body: dict[str, Any] = {}
    if since is not None:
        body["filter"] = {"timestamp": "last_edited_time",
                          "last_edited_time": {"on_or_after": (since - LOOKBACK).isoformat()}}
    changes = []
    for page in api.query_all(data_source_id, **body):
        kb_id = kb_of_page.get(page["id"])
        if kb_id is None:
            continue
        edited = datetime.fromisoformat(page["last_edited_time"].replace("Z", "+00:00"))
        for prop, value in reader_values(page).items():
            known = shown.get((kb_id, prop))
            before = known.value if known else None
            if prop == "status" and value == default_status() and before is None:
                continue     # Notion's default status on a page nobody marked yet
            if before != value:
                changes.append(Change(kb_id, prop, value, edited, ORIGIN))
        known_tags = tags_of(kb_id) if tags_of is not None else None
        if known_tags is not None:
            edit = tag_change(page, *known_tags)
            before = shown.get((kb_id, "tags"))
            if edit is not None and _tag_set(edit) != _tag_set(before.value if before else None):
                changes.append(Change(kb_id, "tags", edit, edited, ORIGIN))
    return changes


def _tag_set(value: Any) -> tuple[frozenset[str], frozenset[str]] | None:
    if not isinstance(value, Mapping):
        return None
    return (frozenset(t.casefold() for t in value.get("added", [])),
            frozenset(t.casefold() for t in value.get("removed", [])))


def tag_edits(store: Store, kb_ids: Iterable[str]) -> dict[str, dict[str, list[str]]]:
    """kb_id -> the reader's latest edit of kbsync's tags (``{"added", "removed"}``)."""
    winners = latest(c for c in entries(store, kb_ids) if c.property == "tags")
    return {kb_id: change.value for (kb_id, _), change in winners.items() if isinstance(change.value, dict)}


def with_tag_edits(tags: Sequence[str], edit: Mapping[str, list[str]] | None) -> list[str]:
    if not edit:
        return list(tags)
    removed = {t.casefold() for t in edit.get("removed", [])}
    return [t for t in tags if t.casefold() not in removed] + list(edit.get("added", []))


def reader_payload(changes: Iterable[Change], status_type: str) -> dict[str, Any]:
    """The Status and Rating values (Notion's property payloads) that show these edits; other
    properties are not set this way."""
    props: dict[str, Any] = {}
    for change in changes:
        if change.property == "status":
            name = option(str(change.value)) if change.value is not None else None
            if name is None and status_type == "status":
                name = default_status()    # a native status is never empty: back to the default
            props["Status"] = {status_type: {"name": name} if name else None}
        elif change.property == "rating":
            number = change.value if isinstance(change.value, (int, float)) \
                and not isinstance(change.value, bool) else None
            props["Rating"] = {"number": number}
    return props


def set_elsewhere(store: Store, kb_ids: Iterable[str]) -> dict[str, list[Change]]:
    """kb_id -> the reader's latest Status and Rating (made in any target, not cleared).

    A page created for an article the reader marked already (in its note,
    before the page existed) must show the mark in its create request: the
    edit was delivered while there was no page, so the journal counts it as
    shown, and a page created with Notion's default would read as the
    reader's edit in Notion at the next pull, undoing theirs. Sent with the
    create, not after it, so no killed run can leave the default there.
    """
    winners = latest(c for c in entries(store, kb_ids) if c.property in PROPERTIES)
    out: dict[str, list[Change]] = {}
    for (kb_id, _), change in sorted(winners.items()):
        if change.value is not None:
            out.setdefault(kb_id, []).append(change)
    return out


def add_status_option(api: NotionAPI, data_source: str, name: str) -> None:
    """Offer ``name`` as a Status option (a status set in a note that Notion does not know)."""
    api.get(api.client.data_sources.update, data_source,
            properties={"Status": {"status": {"options": [{"name": name}]}}})


class NotionEditSink:
    """Applies the reader's edits made elsewhere to the Articles pages (``journal.EditSink``)."""

    name = ORIGIN

    def __init__(self, api: NotionAPI, pages: Mapping[str, str], log: logging.Logger, *,
                 status_type: str = "status", data_source: str | None = None):
        self.api, self.pages, self.log = api, pages, log
        self.status_type, self.data_source = status_type, data_source
        self.retag: set[str] = set()

    def push_edits(self, changes: Sequence[Change]) -> list[Change]:
        failed: list[Change] = []
        for kb_id in dict.fromkeys(c.kb_id for c in changes):
            group = [c for c in changes if c.kb_id == kb_id]
            page = self.pages.get(kb_id)
            if page is None:
                # no page (yet, or deleted): nothing to show the edit on
                continue
            props = reader_payload(group, self.status_type)
            if any(change.property in ("tags", "category") for change in group):
                # shown through the page's Tags / Category: the page is rendered again
                self.retag.add(kb_id)
            if not props:
                continue
            try:
                self._set(page, props)
            except NotionError as exc:
                if exc.status == 404 or (exc.status == 400 and _trashed(self.api, page)):
                    # the reader deleted the page in Notion: nothing to show the edit on
                    continue
                self.log.warning("notion: edit of %s not applied: %s", kb_id, exc)
                failed += [c for c in group if c.property in PROPERTIES]
        return failed

    def _set(self, page: str, props: dict[str, Any]) -> None:
        try:
            self.api.get(self.api.client.pages.update, page, properties=props)
        except NotionError as exc:
            status = (props.get("Status") or {}).get("status")
            if exc.status != 400 or not status or not self.data_source or _trashed(self.api, page):
                raise
            # a status Notion does not offer yet (set in a note): add the option, then set it
            add_status_option(self.api, self.data_source, status["name"])
            self.api.get(self.api.client.pages.update, page, properties=props)


def _trashed(api: NotionAPI, page_id: str) -> bool:
    """Whether the page is in the trash (asked of Notion, not read from an error message)."""
    try:
        page = api.get(api.client.pages.retrieve, page_id)
    except NotionError as exc:
        if exc.status == 404:
            return True
        raise
    return bool(page.get("in_trash") or page.get("is_archived") or page.get("archived"))
