"""``NotionEmulator``: the workspace behind a real HTTP server, plus test helpers.

One request goes: bearer token (401 ``unauthorized``) -> ``Notion-Version``
(400 ``missing_version``) -> rate limit (429 ``rate_limited`` +
``Retry-After``) -> body size and JSON (400) -> fault switches (5xx, or a 409 conflict on a write, before
applying) -> the operation (``routes``) -> lost/slow faults (after
applying). Everything that touches state runs under one lock, so the
threaded server sees requests one at a time, in a definite order.

The helpers (``pages``, ``children``, ``page``, ``edit_page``...) read and
change the workspace directly, without HTTP, rate limits or the log:
``edit_page`` is a person editing in the Notion UI.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from . import blocks as block_ops
from . import pages as page_ops
from . import persist
from .common import API_VERSION, BODY_LIMIT, ApiError, Clock, invalid, new_id, wrong
from .faults import RATE_LIMITED, STATUS_ERRORS, Faults, TokenBucket
from .routes import is_write, route
from .shapes import block_obj, data_source_obj, page_obj
from .state import Database, Page, Workspace


@dataclass(frozen=True)
class Logged:
    """One request as the emulator saw it.

    ``status`` is what was applied/answered (a lost response that was applied
    logs 200 with ``lost=True``); ``fault`` names an injected fault, if any
    (``"error"``, ``"lost"``, ``"slow"``, ``"rate_limited"``).
    """

    method: str
    path: str
    status: int
    at: float
    body: Any
    query: dict = field(default_factory=dict)
    fault: str | None = None
    lost: bool = False


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False


class EmulatorError(Exception):
    """A helper call Notion would refuse (same status, code and message as over HTTP)."""

    def __init__(self, error: ApiError):
        super().__init__(f"{error.status} {error.code}: {error.message}")
        self.status, self.code, self.message = error.status, error.code, error.message


def _copy(obj: Any) -> Any:
    return json.loads(json.dumps(obj))


class NotionEmulator:
    """A local Notion API (2025-09-03) for ``notion_client.Client(base_url=emu.base_url)``."""

    def __init__(self, token: str = "secret_test", rate: float | None = None, burst: int = 10, *,
                 host: str = "127.0.0.1", port: int = 0, state_file: str | Path | None = None,
                 now: Callable[[], float] = time.time):
        self.token = token
        self.host, self.port = host, port
        self.state_file = Path(state_file) if state_file else None
        clock = Clock(now)
        loaded = persist.read(self.state_file, clock) if self.state_file else None
        self.ws = loaded or Workspace(clock, bot_id=new_id(), person_id=new_id(), workspace_id=new_id())
        self._lock = threading.RLock()
        self._bucket = TokenBucket(rate, burst)
        self._faults = Faults()
        self._log: list[Logged] = []
        self._server: Any = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------

    def start(self) -> NotionEmulator:
        from .server import make_server
        self._server = make_server(self, self.host, self.port)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="notion-emulator",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> NotionEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def reset(self) -> None:
        """An empty workspace (same bot and person), an empty log, no faults, a full bucket."""
        with self._lock:
            self.ws = Workspace(self.ws.clock, self.ws.bot_id, self.ws.person_id, self.ws.workspace_id)
            self._log.clear()
            self._faults = Faults()
            self._bucket = TokenBucket(self._bucket.rate, self._bucket.burst)

    # -- switches ---------------------------------------------------------------------

    def set_rate(self, rate: float | None = 3.0, burst: int = 10) -> None:
        """Average requests a second (None: no limit) and the burst allowed above it."""
        with self._lock:
            self._bucket = TokenBucket(rate, burst)

    def set_faults(self, error_rate: float = 0.0, statuses: Iterable[int] = (500, 502, 503, 504),
                   lost_rate: float = 0.0, slow_rate: float = 0.0, slow_seconds: float = 0.0,
                   methods: Iterable[str] = ("POST", "PATCH", "DELETE", "GET"), seed: int | None = None,
                   paths: Iterable[str] | None = None, lost_status: int | None = None,
                   conflict_rate: float = 0.0) -> None:
        """Fault injection (see ``faults.py``); ``paths`` are regexes searched in the request path,
        ``lost_status`` answers a lost request with that status instead of dropping the connection,
        ``conflict_rate`` answers that share of writes 409 ``conflict_error`` before applying them.
        Calling with no arguments switches every fault off."""
        with self._lock:
            self._faults = Faults(error_rate, statuses, lost_rate, slow_rate, slow_seconds, methods, seed,
                                  paths, lost_status, conflict_rate)

    def set_schema_limit(self, limit: int = 50 * 1024) -> None:
        """Bytes a data source's schema may take (default 50 KB, the reference's limit; see ``size.py``)."""
        with self._lock:
            self.ws.schema_limit = limit

    def set_search_lag(self, seconds: float = 0.0) -> None:
        """Search is eventually consistent: a data source or page the integration created less than
        ``seconds`` ago is missing from ``POST /v1/search`` (0, the default: found at once; pages added
        with ``add_page``, shared directly, are always found). ``reset`` sets it back to 0."""
        if seconds < 0:
            raise ValueError("seconds must be >= 0")
        with self._lock:
            self.ws.search_lag_ms = int(seconds * 1000)

    # -- the log ----------------------------------------------------------------------

    @property
    def requests(self) -> list[Logged]:
        with self._lock:
            return list(self._log)

    def writes(self) -> list[Logged]:
        """Requests that changed state: POST (not query/search), PATCH, DELETE answered (or applied) 200."""
        return [r for r in self.requests if r.status == 200 and is_write(r.method, r.path)]

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    # -- helpers: the workspace without HTTP -------------------------------------------

    def _guard(self, action: Callable[[], Any]) -> Any:
        with self._lock:
            try:
                result = action()
            except ApiError as error:
                raise EmulatorError(error) from None
            self._save()
            return _copy(result)

    def add_page(self, title: str, parent_id: str | None = None) -> str:
        """A page shared with the integration (top level of the workspace, or under ``parent_id``)."""
        def make() -> str:
            parent = {"type": "workspace", "workspace": True}
            up = None
            if parent_id is not None:
                up = self.ws.page(parent_id, "parent_id")
                parent = {"type": "page_id", "page_id": up.id}
            now = self.ws.clock.stamp()
            rich = [{"type": "text", "text": {"content": title, "link": None},
                     "annotations": {"bold": False, "italic": False, "strikethrough": False, "underline": False,
                                     "code": False, "color": "default"}, "plain_text": title, "href": None}]
            page = Page(id=new_id(), parent=parent, seq=self.ws.next_seq(), created=now, edited=now,
                        created_by=self.ws.person_id, edited_by=self.ws.person_id,
                        values={"title": rich if title else []})
            self.ws.pages[page.id] = page
            if up is not None:
                up.children.append(page.id)
            return page.id
        return self._guard(make)

    def pages(self, data_source_id: str, include_trashed: bool = False) -> list[dict]:
        """The data source's pages in creation order (relations in full, no 25-item cut)."""
        def read() -> list[dict]:
            ds = self.ws.data_source(data_source_id, "data_source_id")
            return [page_obj(self.ws, self.ws.pages[i], full=True) for i in ds.page_ids
                    if include_trashed or not self.ws.pages[i].in_trash]
        return self._guard(read)

    def page(self, page_id: str) -> dict:
        return self._guard(lambda: page_obj(self.ws, self.ws.page(page_id, "page_id"), full=True))

    def children(self, block_id: str) -> list[dict]:
        """The block's (or page's) children in order, without those in the trash."""
        def read() -> list[dict]:
            node = self.ws.node(block_id, "block_id")
            ids = self.ws.visible_children(node) if not isinstance(node, Database) else []
            return [block_obj(self.ws, self.ws.blocks.get(i) or self.ws.pages.get(i) or self.ws.databases[i])
                    for i in ids]
        return self._guard(read)

    def views(self, database_id: str) -> list[dict]:
        """The database's views (its tabs, in order), as ``GET /v1/views/{id}`` answers each."""
        from .views import view_obj

        def read() -> list[dict]:
            db = self.ws.database(database_id, "database_id")
            return [view_obj(self.ws, self.ws.views[i]) for i in db.view_ids]
        return self._guard(read)

    def data_sources(self) -> list[dict]:
        return self._guard(lambda: [data_source_obj(self.ws, ds) for ds in self.ws.data_sources.values()])

    def edit_page(self, page_id: str, properties: dict | None = None, in_trash: bool | None = None) -> dict:
        """A person's edit in the Notion UI: same checks, bumps ``last_edited_time``, not logged."""
        body: dict[str, Any] = {}
        if properties is not None:
            body["properties"] = properties
        if in_trash is not None:
            body["in_trash"] = in_trash
        return self._guard(lambda: page_obj(self.ws, page_ops.update(self.ws, self.ws.page(page_id, "page_id"), body,
                                                                      user=self.ws.person_id), full=True))

    def delete_block(self, block_id: str) -> dict:
        """A person deleting a block (or page) in the UI."""
        return self._guard(lambda: block_obj(self.ws, block_ops.delete(self.ws, self.ws.node(block_id, "block_id"))))

    def _save(self) -> None:
        if self.state_file is not None:
            persist.save(self.ws, self.state_file)

    # -- one HTTP request -------------------------------------------------------------

    def handle(self, method: str, raw_path: str, headers: dict[str, str], raw: bytes) -> Reply:
        """Everything but the socket: ``headers`` keys are lower-case."""
        url = urlsplit(raw_path)
        path, params = url.path, parse_qs(url.query)
        body: Any = None
        state: dict[str, Any] = {"fault": None, "lost": False}

        def answer(status: int, payload: dict, extra: dict | None = None, **reply: Any) -> Reply:
            self._log.append(Logged(method, path, status, time.monotonic(), body,
                                    {k: v if len(v) > 1 else v[0] for k, v in params.items()},
                                    state["fault"], state["lost"]))
            return Reply(status, json.dumps(payload, ensure_ascii=False).encode(), extra or {}, **reply)

        def refuse(error: ApiError, extra: dict | None = None, **reply: Any) -> Reply:
            return answer(error.status, error.body(new_id()), extra, **reply)

        with self._lock:
            if headers.get("authorization") != f"Bearer {self.token}":
                return refuse(ApiError(401, "unauthorized", "API token is invalid."))
            version = headers.get("notion-version")
            if version is None:
                return refuse(ApiError(400, "missing_version", "Notion-Version header failed validation: "
                                       "Notion-Version header should be defined, instead was `undefined`."))
            if version != API_VERSION:
                return refuse(ApiError(400, "missing_version", "Notion-Version header failed validation: "
                                       f"this emulator speaks `{API_VERSION}` only, instead was `{version}`."))
            wait = self._bucket.take()
            if wait is not None:
                state["fault"] = "rate_limited"
                return refuse(ApiError(429, "rate_limited", RATE_LIMITED), {"Retry-After": str(wait)})
            if len(raw) > BODY_LIMIT:
                return refuse(invalid(f"body should be ≤ `{BODY_LIMIT}` bytes, instead was `{len(raw)}`."))
            if raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    return refuse(ApiError(400, "invalid_json", "Error parsing JSON body."))
                if not isinstance(body, dict):
                    return refuse(wrong("body", "an object", body))
            decision = self._faults.decide(method, path, is_write(method, path))
            if decision.error is not None:
                state["fault"] = "error"
                code, message = STATUS_ERRORS[decision.error]
                return refuse(ApiError(decision.error, code, message))
            try:
                result = route(self.ws, method, path, params, body)
            except ApiError as error:
                return refuse(error)
            if is_write(method, path):
                self._save()
            if decision.slow:
                state["fault"] = "slow"
            if decision.lost:
                # logged as applied (200, lost); the client gets no answer, or lost_status
                state["fault"], state["lost"] = "lost", True
                applied = answer(200, result, drop=self._faults.lost_status is None, delay=decision.slow)
                if self._faults.lost_status is None:
                    return applied
                code, message = STATUS_ERRORS[self._faults.lost_status]
                error = ApiError(self._faults.lost_status, code, message)
                return Reply(error.status, json.dumps(error.body(new_id())).encode(), delay=decision.slow)
            # every API object answer carries a request_id (the templates list does not, as recorded)
            payload = dict(result, request_id=new_id()) if "object" in result else result
            return answer(200, payload, delay=decision.slow)
