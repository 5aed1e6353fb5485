"""The in-memory workspace: pages, databases, data sources, blocks and users.

Plain records, no HTTP. Operations live in ``pages.py``, ``databases.py`` and
``blocks.py``; rendering to API objects in ``shapes.py``. Every record keeps
millisecond ``created``/``edited`` stamps and the user ids behind them.

Page property values are kept per *property id*, in a compact internal form
(option ids for selects, page ids for relations, response-shaped rich text),
so renaming a property or an option never loses a value.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from .common import Clock, not_found, parse_id, wrong

BOT_NAME = "kbsync-emulator"
PERSON_NAME = "Reader"


@dataclass
class Option:
    id: str
    name: str
    color: str
    description: str | None = None


@dataclass
class Prop:
    """One property of a data source's schema."""

    id: str
    name: str
    type: str
    description: str | None = None
    options: list[Option] = field(default_factory=list)    # select, multi_select, status
    groups: list[dict] = field(default_factory=list)        # status groups (option_ids inside)
    number_format: str = "number"
    target: str | None = None      # relation: the related data source id
    synced: str | None = None      # relation: the synced property's id on the target (dual only)

    def option(self, key: str) -> Option | None:
        """An option by id, else by exact name."""
        for opt in self.options:
            if opt.id == key:
                return opt
        return next((opt for opt in self.options if opt.name == key), None)


@dataclass
class Page:
    id: str
    parent: dict
    seq: int
    created: int
    edited: int
    created_by: str
    edited_by: str
    values: dict[str, Any] = field(default_factory=dict)
    icon: dict | None = None
    cover: dict | None = None
    in_trash: bool = False
    children: list[str] = field(default_factory=list)

    @property
    def data_source_id(self) -> str | None:
        return self.parent.get("data_source_id")


@dataclass
class DataSource:
    id: str
    database_id: str
    title: list
    props: dict[str, Prop]          # by property id, in schema order
    created: int
    edited: int
    created_by: str
    edited_by: str
    description: list = field(default_factory=list)
    icon: dict | None = None
    cover: dict | None = None
    in_trash: bool = False
    page_ids: list[str] = field(default_factory=list)

    def prop(self, key: str) -> Prop | None:
        """A property by id, else by name (Notion accepts either as a key)."""
        if key in self.props:
            return self.props[key]
        return next((p for p in self.props.values() if p.name == key), None)

    def title_prop(self) -> Prop:
        return next(p for p in self.props.values() if p.type == "title")


@dataclass
class Database:
    id: str
    parent: dict
    title: list
    created: int
    edited: int
    created_by: str
    edited_by: str
    description: list = field(default_factory=list)
    icon: dict | None = None
    cover: dict | None = None
    is_inline: bool = False
    is_locked: bool = False
    in_trash: bool = False
    data_source_ids: list[str] = field(default_factory=list)
    view_ids: list[str] = field(default_factory=list)      # the database's view tabs, in order


@dataclass
class Block:
    id: str
    parent: dict
    type: str
    content: dict
    created: int
    edited: int
    created_by: str
    edited_by: str
    in_trash: bool = False
    children: list[str] = field(default_factory=list)


@dataclass
class View:
    """A database view (``/v1/views``): scoped to one data source, shown as a tab of its database."""

    id: str
    database_id: str
    data_source_id: str
    name: str
    type: str
    created: int
    edited: int
    created_by: str
    edited_by: str
    filter: dict | None = None
    sorts: list | None = None
    quick_filters: dict | None = None
    configuration: dict | None = None


def plain(rich: list) -> str:
    return "".join(item.get("plain_text", "") for item in rich)


class Workspace:
    """Everything the integration can see, plus lookups that answer Notion's 404s."""

    def __init__(self, clock: Clock, bot_id: str, person_id: str, workspace_id: str):
        self.clock = clock
        self.bot_id = bot_id
        self.person_id = person_id
        self.workspace_id = workspace_id
        self.pages: dict[str, Page] = {}
        self.databases: dict[str, Database] = {}
        self.data_sources: dict[str, DataSource] = {}
        self.blocks: dict[str, Block] = {}
        self.views: dict[str, View] = {}
        self.view_queries: dict[str, dict] = {}     # id -> {"view_id", "page_ids", "expires"} (not persisted)
        self.users: dict[str, dict] = {
            person_id: {"name": PERSON_NAME, "type": "person"},
            bot_id: {"name": BOT_NAME, "type": "bot"},
        }
        self._seq = itertools.count()
        self.search_lag_ms = 0      # search misses data sources younger than this (see query.search)
        self.schema_limit = 50 * 1024   # bytes a data source's schema may take (see size.py)

    def next_seq(self) -> int:
        return next(self._seq)

    def restart_seq(self, start: int) -> None:
        self._seq = itertools.count(start)

    # -- lookups that answer like Notion -------------------------------------------

    def _id(self, path: str, raw: Any) -> str:
        found = parse_id(raw)
        if found is None:
            raise wrong(path, "a valid uuid", raw)
        return found

    def page(self, raw: Any, path: str = "path.page_id") -> Page:
        pid = self._id(path, raw)
        if pid not in self.pages:
            raise not_found("page", pid, self.bot_id)
        return self.pages[pid]

    def data_source(self, raw: Any, path: str = "path.data_source_id") -> DataSource:
        did = self._id(path, raw)
        if did not in self.data_sources:
            raise not_found("data source", did, self.bot_id)
        return self.data_sources[did]

    def database(self, raw: Any, path: str = "path.database_id") -> Database:
        did = self._id(path, raw)
        if did not in self.databases:
            raise not_found("database", did, self.bot_id)
        return self.databases[did]

    def node(self, raw: Any, path: str = "path.block_id") -> Block | Page | Database:
        """Anything the blocks endpoints accept: a block, a page or a (child) database."""
        bid = self._id(path, raw)
        found = self.blocks.get(bid) or self.pages.get(bid) or self.databases.get(bid)
        if found is None:
            raise not_found("block", bid, self.bot_id)
        return found

    def view(self, raw: Any, path: str = "path.view_id") -> View:
        vid = self._id(path, raw)
        if vid not in self.views:
            raise not_found("view", vid, self.bot_id)
        return self.views[vid]

    def user(self, raw: Any, path: str = "path.user_id") -> str:
        uid = self._id(path, raw)
        if uid not in self.users:
            raise not_found("user", uid, self.bot_id)
        return uid

    # -- derived facts --------------------------------------------------------------

    def title_of(self, page: Page) -> str:
        ds = self.data_sources.get(page.data_source_id or "")
        key = ds.title_prop().id if ds else "title"
        return plain(page.values.get(key, []))

    def trashed(self, thing: Page | Database | DataSource | Block) -> bool:
        """In the trash itself or through an ancestor (a page in a trashed data source...)."""
        if thing.in_trash:
            return True
        if isinstance(thing, DataSource):
            db = self.databases.get(thing.database_id)
            return db is not None and self.trashed(db)
        parent = thing.parent
        up: Page | DataSource | Block | None = None
        if "data_source_id" in parent:
            up = self.data_sources.get(parent["data_source_id"])
        elif "page_id" in parent:
            up = self.pages.get(parent["page_id"])
        elif "block_id" in parent:
            up = self.blocks.get(parent["block_id"])
        return up is not None and self.trashed(up)

    def visible_children(self, node: Block | Page) -> list[str]:
        """Child ids in order, without those in the trash."""
        out = []
        for cid in node.children:
            child = self.blocks.get(cid) or self.pages.get(cid) or self.databases.get(cid)
            if child is not None and not child.in_trash:
                out.append(cid)
        return out

    def touch(self, thing: Page | Database | DataSource | Block, user: str | None = None) -> None:
        thing.edited = self.clock.stamp()
        thing.edited_by = user or self.bot_id
