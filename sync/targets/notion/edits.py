"""The reader's edits between Notion and the other targets (the journal's Notion side).

Contract:
- ``pull_edits`` reads the pages edited in Notion since the last pull (one
  query per 100 edited pages, filtered on ``last_edited_time``) and returns a
  ``Change`` for each reader property (Status, Rating) whose value differs
  from what the journal says Notion shows; kbsync's own writes show the
  values the journal already has, so they are never taken for the reader's.
  Notion keeps edit times to the minute, so the filter starts two minutes
  before the last pull (a page seen twice changes nothing).
- ``NotionEditSink.push_edits`` applies edits made elsewhere: Status and
  Rating are set on the page (one request per page); a tag edit is applied
  through the article's Tags value (``tag_edits``), so the caller re-renders
  those articles (``retag``) and the ordinary diff sends Tags.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from ...edits.journal import Change, entries, latest
from ...store import Store
from .api import NotionAPI, NotionError
from .pages import option

ORIGIN = "notion"
PROPERTIES = {"status": "Status", "rating": "Rating"}   # journal property -> Notion property
LOOKBACK = timedelta(minutes=2)


def reader_values(page: Mapping[str, Any]) -> dict[str, Any]:
    """The reader's properties of a page as journal values (None: empty)."""
    props = page.get("properties", {})
    select = (props.get("Status") or {}).get("select")
    return {"status": select.get("name") if select else None,
            "rating": (props.get("Rating") or {}).get("number")}


def pull_edits(api: NotionAPI, data_source_id: str, kb_of_page: Mapping[str, str], since: datetime | None,
               shown: Mapping[tuple[str, str], Change]) -> list[Change]:
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
            if (known.value if known else None) != value:
                changes.append(Change(kb_id, prop, value, edited, ORIGIN))
    return changes


def tag_edits(store: Store, kb_ids: Iterable[str]) -> dict[str, dict[str, list[str]]]:
    """kb_id -> the reader's latest edit of kbsync's tags (``{"added", "removed"}``)."""
    winners = latest(c for c in entries(store, kb_ids) if c.property == "tags")
    return {kb_id: change.value for (kb_id, _), change in winners.items() if isinstance(change.value, dict)}


def with_tag_edits(tags: Sequence[str], edit: Mapping[str, list[str]] | None) -> list[str]:
    if not edit:
        return list(tags)
    removed = {t.casefold() for t in edit.get("removed", [])}
    return [t for t in tags if t.casefold() not in removed] + list(edit.get("added", []))


class NotionEditSink:
    """Applies the reader's edits made elsewhere to the Articles pages (``journal.EditSink``)."""

    name = ORIGIN

    def __init__(self, api: NotionAPI, pages: Mapping[str, str], log: logging.Logger):
        self.api, self.pages, self.log = api, pages, log
        self.retag: set[str] = set()

    def push_edits(self, changes: Sequence[Change]) -> list[Change]:
        failed: list[Change] = []
        for kb_id in dict.fromkeys(c.kb_id for c in changes):
            group = [c for c in changes if c.kb_id == kb_id]
            page = self.pages.get(kb_id)
            if page is None:
                # no page (yet, or deleted): nothing to show the edit on
                continue
            props: dict[str, Any] = {}
            for change in group:
                if change.property == "status":
                    name = option(str(change.value)) if change.value is not None else None
                    props["Status"] = {"select": {"name": name} if name else None}
                elif change.property == "rating":
                    number = change.value if isinstance(change.value, (int, float)) \
                        and not isinstance(change.value, bool) else None
                    props["Rating"] = {"number": number}
                elif change.property in ("tags", "category"):
                    # shown through the page's Tags / Category: the page is rendered again
                    self.retag.add(kb_id)
            if not props:
                continue
            try:
                self.api.get(self.api.client.pages.update, page, properties=props)
            except NotionError as exc:
                if exc.status == 404 or (exc.status == 400 and "archived" in str(exc).lower()):
                    # the reader deleted the page in Notion: nothing to show the edit on
                    continue
                self.log.warning("notion: edit of %s not applied: %s", kb_id, exc)
                failed += [c for c in group if c.property in PROPERTIES]
        return failed
