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
  property they add); a create sends the Status and Rating the reader set
  elsewhere before the page existed (``reader_props``), and so does the
  update of a page found unrecorded (created by a killed run, or adopted),
  which shows Notion's defaults. The body is edited only when it changed,
  and only where: the record keeps each kbsync block's id and content fingerprint
  (children included, ``owned["ids"]``/``owned["deep"]``); ``body.diff``
  decides which blocks to PATCH in place, delete, or insert right after
  their predecessor (append with ``position``). Block ids unknown (a page
  created in one call, an older record) are read once from the page, the
  blocks recognised by their text (``owned["body"]``). The reader's blocks
  are never touched and keep their place.
- A page the reader deleted (404, or ``in_trash`` when Notion refuses an
  edit) is recorded ``deleted`` and not created again unless ``restore``.
- A page Notion refuses (``validation_error``: a link it will not take) is
  sent again with its links written out as text, and the record remembers
  to do so from then on.
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
from .blocks import (ARRAY_LIMIT, BODY_BUDGET, Block, content_fingerprint, fingerprint_text, plain_links,
                     request_chunks)
from .body import Delete, Keep, Patch, diff
from .pages import body_blocks, changed, page_icon, payload
from .setup import same_id


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
        # kb_id -> the reader's properties a new page starts with (set elsewhere before it existed)
        self.reader_props: Callable[[str], dict[str, Any]] = lambda key: {}

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
        plain = bool(base.get("plain"))
        try:
            return self._send(doc, page_id, base, intent.owned_hash, state, plain)
        except NotionError as exc:
            if plain or not _refused(exc):
                raise
            # Notion refused something in the page (a link it will not take): send it with links as text
            return self._send(doc, self.pages.get(doc.key, page_id), base, intent.owned_hash, state, True)

    def _send(self, doc: Doc, page_id: str | None, base: Mapping[str, Any], digest: str, state: str | None,
              plain: bool) -> Outcome:
        if page_id is None:
            return self._create(doc, digest, restored=state in ("deleted", "present"), plain=plain)
        # a page found, not recorded (created by a killed run, or adopted): it shows Notion's default
        # Status, not the reader's marks made meanwhile, which a create would have carried
        reader = self.reader_props(doc.key) if state != "present" else {}
        try:
            return self._update(doc, page_id, base, digest, plain, reader=reader)
        except NotionError as exc:
            if not self._gone(exc, page_id):
                raise
            # the reader deleted the page in Notion: respected like a deleted note
            return Outcome(doc.key, "deleted", SyncRecord(self.name, doc.key, page_id, "", {}, "deleted"))

    def _gone(self, exc: NotionError, page_id: str) -> bool:
        """Whether a refusal means the page is gone: 404, or a page that is in the trash (asked, not
        read from the message, whose wording changes between API versions)."""
        if exc.status == 404:
            return True
        return exc.status == 400 and not self._alive(page_id)

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

    def _record(self, doc: Doc, page_id: str, props: dict[str, Any], body: dict[str, Any], digest: str,
                plain: bool) -> SyncRecord:
        # a relation that could not be completed leaves the hash open: the next run finishes it
        complete = all(props.get(k) == doc.props[k] for k in doc.props)
        base = {"props": props, **body, "region": _region_hash(doc)}
        if plain:
            base["plain"] = True
        return SyncRecord(self.name, doc.key, page_id, digest if complete else "partial", base)

    def _create(self, doc: Doc, digest: str, *, restored: bool, plain: bool) -> Outcome:
        payloads, sent = self._props(doc, list(doc.props))
        # the reader's own (not recorded in ``sent``: an update never sends them)
        payloads = {**self.reader_props(doc.key), **payloads}
        full = self._blocks(doc, plain)
        blocks, overflow = _prepare(full)
        body = _body_record(full, None)
        budget = BODY_BUDGET - len(json.dumps(payloads, ensure_ascii=False).encode())
        chunks = request_chunks(blocks, first_budget=budget)
        self.journal(SyncRecord(self.name, doc.key, None, "", {"props": {}, "body": body["body"]}, state="creating"))
        parent = {"type": "data_source_id", "data_source_id": self.ds}
        first = chunks[0] if chunks else []
        extra = {"icon": {"type": "emoji", "emoji": icon}} if (icon := page_icon(doc)) else {}
        page = self.api.call(
            lambda: self.api.client.pages.create(parent=parent, properties=payloads, children=first, **extra),
            lambda: (lambda found: {"id": found} if found else None)(self.find(doc.key)))
        page_id = page["id"]
        self.pages[doc.key] = page_id
        self._append_rest(page_id, chunks[1:], overflow, len(blocks))
        return Outcome(doc.key, "restored" if restored else "created",
                       self._record(doc, page_id, sent, body, digest, plain))

    def _update(self, doc: Doc, page_id: str, base: Mapping[str, Any], digest: str, plain: bool, *,
                reader: Mapping[str, Any] = {}) -> Outcome:
        """``reader``: the reader's Status and Rating to set too (not recorded in ``sent``)."""
        self.pages[doc.key] = page_id
        old = base.get("props") or {}
        names = changed(old, doc.props)
        sent = {k: v for k, v in old.items() if k in doc.props}
        if names or reader:
            payloads, fresh = self._props(doc, names)
            extra = {"icon": {"type": "emoji", "emoji": icon}} if "Tier" in names and (icon := page_icon(doc)) else {}
            self.api.get(self.api.client.pages.update, page_id, properties={**reader, **payloads}, **extra)
            sent.update(fresh)
        body = {k: base[k] for k in ("body", "deep", "ids") if k in base}
        if base.get("region") != _region_hash(doc) or "body" not in base or plain != bool(base.get("plain")):
            # a killed run must not leave the record claiming the old body: open it until done
            self.journal(SyncRecord(self.name, doc.key, page_id, "partial",
                                    {"props": sent, "body": base.get("body"), "deep": base.get("deep")}))
            body = self._sync_body(doc, page_id, base, plain)
        return Outcome(doc.key, "updated", self._record(doc, page_id, sent, body, digest, plain))

    # -- bodies ---------------------------------------------------------------------------------
    def _blocks(self, doc: Doc, plain: bool) -> list[Block]:
        blocks = body_blocks(doc, self.resolve)
        return plain_links(blocks) if plain else blocks

    def _sync_body(self, doc: Doc, page_id: str, base: Mapping[str, Any], plain: bool) -> dict[str, Any]:
        """Edits the page's kbsync blocks into the new ones (see ``body``); returns the body record."""
        full = self._blocks(doc, plain)
        blocks, overflow = _prepare(full)
        want = _body_record(full, None)
        ids, deep = base.get("ids"), base.get("deep")
        if ids is None or deep is None or len(ids) != len(deep) or not all(ids):
            # ids unknown (a page created in one call, a record from an older kbsync): read the page once
            ids, deep = self._listed(page_id, base.get("body") or [], deep, want["body"])
        try:
            new_ids = self._edit(page_id, ids, deep, blocks, overflow, want["deep"])
        except NotionError as exc:
            if exc.status not in (400, 404):
                raise
            # a block of ours is gone (the reader deleted it): read the page and edit what is there
            ids, deep = self._listed(page_id, base.get("body") or [], deep, want["body"])
            new_ids = self._edit(page_id, ids, deep, blocks, overflow, want["deep"])
        return {**want, "ids": new_ids}

    def _listed(self, page_id: str, shallow: Sequence[str], deep: Sequence[str | None] | None,
                new_shallow: Sequence[str]) -> tuple[list[str], list[str | None]]:
        """kbsync's blocks in the page (ids, content fingerprints), recognised by their text."""
        old = list(enumerate(shallow))
        extra = list(new_shallow)       # blocks of an edit a killed run left half done are ours too
        ids: list[str] = []
        fps: list[str | None] = []
        for block in self.api.children(page_id):
            fp = fingerprint(block)
            k = next((n for n, (_, known) in enumerate(old) if known == fp), None)
            # content unknown (an older record, a half-done edit): a placeholder that never matches but
            # still lets the block be edited in place (type and children are what the listing shows)
            unknown = f"{block['type']}:?{block['id']}" + ("+" if block.get("has_children") else "")
            if k is not None:
                i, _ = old.pop(k)
                ids.append(block["id"])
                fps.append(deep[i] if deep is not None and i < len(deep) and deep[i] else unknown)
            elif fp in extra:
                extra.remove(fp)
                ids.append(block["id"])
                fps.append(unknown)
        return ids, fps

    def _edit(self, page_id: str, ids: Sequence[str], deep: Sequence[str | None], blocks: list[Block],
              overflow: dict[int, list[Block]], want: Sequence[str]) -> list[str]:
        new_ids: list[str | None] = [None] * len(blocks)
        for edit in diff(deep, want):
            if isinstance(edit, Keep):
                new_ids[edit.new] = ids[edit.old]
            elif isinstance(edit, Patch):
                block = blocks[edit.new]
                kind = block["type"]
                body = {k: v for k, v in block[kind].items() if k != "children"}
                self.api.get(self.api.client.blocks.update, ids[edit.old], **{kind: body})
                new_ids[edit.new] = ids[edit.old]
            elif isinstance(edit, Delete):
                self.api.delete_block(ids[edit.old])
            else:
                after = None if edit.after is None else \
                    ids[edit.after[1]] if edit.after[0] == "old" else new_ids[edit.after[1]]
                for chunk in request_chunks([blocks[j] for j in edit.new]):
                    made = self._insert(page_id, after, chunk)
                    for block, j in zip(made, [j for j in edit.new if new_ids[j] is None]):
                        new_ids[j] = block["id"]
                    after = made[-1]["id"] if made else after
                for j in edit.new:
                    for i in range(0, len(overflow.get(j, [])), ARRAY_LIMIT):
                        self._append(new_ids[j], overflow[j][i:i + ARRAY_LIMIT])
        return [i or "" for i in new_ids]

    def _insert(self, page_id: str, after: str | None, children: list[Block]) -> list[dict[str, Any]]:
        """``children`` right after block ``after`` (None: at the top of the page), in one call."""
        want = [fingerprint(b) for b in children]
        position = {"type": "after_block", "after_block": {"id": after}} if after else {"type": "start"}

        def applied() -> dict[str, Any] | None:
            listed = self.api.children(page_id)
            at = 0 if after is None else next((i + 1 for i, b in enumerate(listed) if same_id(b["id"], after)), None)
            if at is None:
                return None
            here = listed[at:at + len(children)]
            return {"results": here} if [fingerprint(b) for b in here] == want else None

        answer = self.api.call(
            lambda: self.api.client.blocks.children.append(page_id, children=children, position=position), applied)
        return answer.get("results", [])

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


def _body_record(blocks: list[Block], ids: list[str] | None) -> dict[str, Any]:
    """What the record keeps of a body: text fingerprints (to recognise the blocks in a listing),
    content fingerprints (to see any change, children included) and block ids (to edit in place)."""
    return {"body": [fingerprint(b) for b in blocks], "deep": [content_fingerprint(b) for b in blocks], "ids": ids}


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


def _refused(exc: NotionError) -> bool:
    return exc.status == 400 and exc.code == "validation_error"
