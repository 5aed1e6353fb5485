"""The Notion target: applies intents to the pages of one data source.

Contract (the same Target protocol as the Obsidian notes, see
``targets.base``):
- A page is found by its kb_id: the sync record's ``path`` holds the page id.
  A create is journaled first (a record in state ``creating``); a create
  whose answer was lost, or a run that died after Notion created the page, is
  resolved by looking the kb_id up before creating again. A page is never
  created twice.
- An update sends only the owned properties whose value changed since the
  record (``owned["props"]``), never the reader's (Status, Rating, or any
  property they add). The body is replaced only when it changed: kbsync's
  own top-level blocks are recognised by fingerprint (``owned["body"]``) and
  deleted, then the new blocks appended; the reader's blocks stay.
- A page the reader deleted (trashed, or gone) is recorded ``deleted`` and not
  created again unless ``restore``.
- One failing page is an ``error`` outcome; the others go on.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ...pages.doc import Doc
from ...store import SyncRecord
from ..base import Intent, Outcome
from .api import NotionAPI, NotionError
from .blocks import ARRAY_LIMIT, BODY_BUDGET, Block, fingerprint_text, request_chunks
from .pages import body_blocks, changed, payload


def fingerprint(block: Block) -> str:
    text = fingerprint_text(block)
    return block["type"] + ":" + hashlib.sha256(text.encode()).hexdigest()[:16]


class NotionTarget:
    def __init__(self, api: NotionAPI, data_source_id: str, kinds: Mapping[str, str], *, name: str,
                 pages: dict[str, str], journal: Callable[[SyncRecord], None]):
        """``kinds``: owned property name -> Notion type; ``pages``: kb_id -> page id of every
        page kbsync knows (both data sources), updated as pages are created, for relations."""
        self.api, self.ds, self.kinds, self.name = api, data_source_id, kinds, name
        self.pages, self.journal = pages, journal
        self.adopt: dict[str, str] = {}     # kb_id -> page id found in Notion but unknown to the store

    def resolve(self, kb_id: str) -> str | None:
        return self.pages.get(kb_id)

    def apply(self, intents: Sequence[Intent], *, dry_run: bool = False) -> list[Outcome]:
        outcomes = []
        for intent in intents:
            if dry_run:
                outcomes.append(Outcome(intent.doc.key, "created" if intent.action == "create" else "updated"))
                continue
            try:
                outcomes.append(self._one(intent))
            except NotionError as exc:
                outcomes.append(Outcome(intent.doc.key, "error", intent.record, message=str(exc)))
        return outcomes

    # -- one page ------------------------------------------------------------------------------
    def _one(self, intent: Intent) -> Outcome:
        doc, record = intent.doc, intent.record
        state = record.state if record is not None else None
        if state == "creating":
            # a create that may have happened (lost answer, killed run): look before creating again
            page_id, base = self.find(doc.key), {"body": record.base().get("body")}
        elif state == "present":
            page_id, base = record.path, record.base()
        else:
            # new, adopted from a lost store, or deleted by the reader and now restored
            page_id, base = self.adopt.get(doc.key) if state is None else None, {}
        if intent.action == "verify":
            if page_id and self._alive(page_id):
                return Outcome(doc.key, "unchanged", record)
            page_id, base = None, {}
        if page_id is None:
            return self._create(doc, intent.owned_hash, restored=state in ("deleted", "present"))
        try:
            return self._update(doc, page_id, base, intent.owned_hash)
        except NotionError as exc:
            if not _gone(exc):
                raise
            # the reader deleted the page in Notion: respected like a deleted note
            return Outcome(doc.key, "deleted", SyncRecord(self.name, doc.key, page_id, "", {}, "deleted"))

    def _alive(self, page_id: str) -> bool:
        try:
            page = self.api.get(self.api.client.pages.retrieve, page_id)
        except NotionError as exc:
            if exc.status == 404:
                return False
            raise
        return not page.get("in_trash") and not page.get("archived")

    def find(self, kb_id: str) -> str | None:
        """The page holding ``kb_id`` in this data source, if any (not in the trash)."""
        for page in self.api.query_all(self.ds, filter={"property": "KB ID", "rich_text": {"equals": kb_id}}):
            return page["id"]
        return None

    def index(self) -> dict[str, str]:
        """kb_id -> page id of every page in the data source (one query per 100 pages)."""
        out = {}
        for page in self.api.query_all(self.ds):
            items = page["properties"].get("KB ID", {}).get("rich_text", [])
            kb_id = "".join(i.get("plain_text", "") for i in items)
            if kb_id:
                out.setdefault(kb_id, page["id"])
        return out

    def _props(self, doc: Doc, names: Sequence[str]) -> tuple[dict[str, Any], dict[str, Any]]:
        payloads, sent = {}, {}
        for name in names:
            payloads[name], sent[name] = payload(self.kinds[name], doc.props[name], self.resolve)
        return payloads, sent

    def _record(self, doc: Doc, page_id: str, props: dict[str, Any], body: list[str], digest: str) -> SyncRecord:
        # a relation that could not be completed leaves the hash open: the next run finishes it
        complete = all(props.get(k) == doc.props[k] for k in doc.props)
        return SyncRecord(self.name, doc.key, page_id, digest if complete else "partial",
                          {"props": props, "body": body, "region": _region_hash(doc)})

    def _create(self, doc: Doc, digest: str, *, restored: bool) -> Outcome:
        payloads, sent = self._props(doc, list(doc.props))
        blocks, overflow = _prepare(body_blocks(doc, self.resolve))
        fps = [fingerprint(b) for b in blocks]
        budget = BODY_BUDGET - len(json.dumps(payloads, ensure_ascii=False).encode())
        chunks = request_chunks(blocks, first_budget=budget)
        self.journal(SyncRecord(self.name, doc.key, None, "", {"props": {}, "body": fps}, state="creating"))
        parent = {"type": "data_source_id", "data_source_id": self.ds}
        first = chunks[0] if chunks else []
        page = self.api.call(
            lambda: self.api.client.pages.create(parent=parent, properties=payloads, children=first),
            lambda: (lambda found: {"id": found} if found else None)(self.find(doc.key)))
        page_id = page["id"]
        self.pages[doc.key] = page_id
        self._append_rest(page_id, chunks[1:], overflow, len(blocks))
        return Outcome(doc.key, "restored" if restored else "created", self._record(doc, page_id, sent, fps, digest))

    def _update(self, doc: Doc, page_id: str, base: Mapping[str, Any], digest: str) -> Outcome:
        self.pages[doc.key] = page_id
        old = base.get("props") or {}
        names = changed(old, doc.props)
        sent = {k: v for k, v in old.items() if k in doc.props}
        if names:
            payloads, fresh = self._props(doc, names)
            self.api.get(self.api.client.pages.update, page_id, properties=payloads)
            sent.update(fresh)
        fps = base.get("body")
        if base.get("region") != _region_hash(doc) or fps is None:
            fps = self._replace_body(doc, page_id, fps)
        return Outcome(doc.key, "updated", self._record(doc, page_id, sent, fps, digest))

    # -- bodies ---------------------------------------------------------------------------------
    def _replace_body(self, doc: Doc, page_id: str, old: list[str] | None) -> list[str]:
        blocks, overflow = _prepare(body_blocks(doc, self.resolve))
        fps = [fingerprint(b) for b in blocks]
        listed = self.api.children(page_id)
        mine = list(old if old is not None else fps)
        ours = []
        for block in listed:
            fp = fingerprint(block)
            if fp in mine:
                mine.remove(fp)
                ours.append(block)
        if [fingerprint(b) for b in ours] == fps and len(ours) == len(listed) and not overflow:
            return fps    # already as it should be (an adopted page, a retried run)
        for block in ours:
            self.api.delete_block(block["id"])
        self._append_rest(page_id, request_chunks(blocks), overflow, len(blocks))
        return fps

    def _append(self, block_id: str, children: list[Block]) -> list[dict[str, Any]]:
        want = [fingerprint(b) for b in children]

        def applied() -> dict[str, Any] | None:
            listed = self.api.children(block_id)
            tail = listed[-len(children):]
            return {"results": tail} if [fingerprint(b) for b in tail] == want else None

        answer = self.api.call(lambda: self.api.client.blocks.children.append(block_id, children=children), applied)
        return answer.get("results", [])

    def _append_rest(self, page_id: str, chunks: Sequence[list[Block]], overflow: dict[int, list[Block]],
                     total: int) -> None:
        for chunk in chunks:
            self._append(page_id, chunk)
        if overflow:
            # the blocks with more children than one call carries: find their ids, add the rest
            ids = [b["id"] for b in self.api.children(page_id)[-total:]]
            for index, kids in overflow.items():
                for i in range(0, len(kids), ARRAY_LIMIT):
                    self._append(ids[index], kids[i:i + ARRAY_LIMIT])


def _prepare(blocks: list[Block]) -> tuple[list[Block], dict[int, list[Block]]]:
    """Top-level blocks with at most 100 children each, and the children left over by index."""
    tops, overflow = [], {}
    for i, block in enumerate(blocks):
        kids = block[block["type"]].get("children") or []
        if len(kids) > ARRAY_LIMIT:
            block = copy.deepcopy(block)
            block[block["type"]]["children"] = kids[:ARRAY_LIMIT]
            overflow[i] = kids[ARRAY_LIMIT:]
        tops.append(block)
    return tops, overflow


def _region_hash(doc: Doc) -> str:
    return hashlib.sha256(doc.region.encode()).hexdigest()


def _gone(exc: NotionError) -> bool:
    # Notion answers 404 for a page that is gone and 400 for one in the trash
    return exc.status == 404 or (exc.status == 400 and "archived" in str(exc).lower())
