"""The Notion adapter: the real ``notion-client``, paced and retried safely.

Contract:
- Pacing: requests leave at most ``rate`` per second (a token bucket with no
  burst, shared by every thread), so a large sync stays under Notion's
  average of 3 requests/s instead of provoking 429s.
- Retries are decided here, not in notion-client (whose own retries are off):
  a 429 is always retried after its Retry-After (the request was not
  applied); a 5xx, a timeout or a dropped connection leaves a write
  *ambiguous*, so a write is retried only through its ``recover`` check
  (``None``: not applied, send again; a value: it was applied, use it).
  Reads and idempotent writes (setting property values, deleting a block)
  pass ``recover=RETRY``. A 409 ``conflict_error`` (the transaction did not
  complete) is retried like a 429 for those; for a create it goes through
  ``recover`` like a 5xx. Backoff is exponential with jitter, capped, and
  honours Retry-After when the server sends one.
- Every request is counted (``counts``) so a run can report what it cost.
- Other 4xx answers raise :class:`NotionError` with Notion's code and message.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from notion_client import Client
from notion_client.errors import (
    APIResponseError,
    HTTPResponseError,
    RequestTimeoutError,
)

from ...config import NotionConfig

T = TypeVar("T")
log = logging.getLogger("kbsync.notion")
# notion-client logs every refused request itself; this adapter decides and reports instead
_QUIET = logging.getLogger("kbsync.notion.client")
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False
NOTION_VERSION = "2025-09-03"


class NotionError(Exception):
    """A request Notion refused (4xx), or that kept failing; one line."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.status, self.code = status, code


def RETRY() -> None:  # noqa: N802 - a sentinel recover function: "not applied, send again"
    return None


@dataclass
class Pacer:
    """At most ``rate`` requests per second across threads (None: unpaced)."""

    rate: float | None
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.rate:
            return
        with self._lock:
            now = self.clock()
            start = max(now, self._next)
            self._next = start + 1.0 / self.rate
        if start > now:
            self.sleep(start - now)

    def hold(self, seconds: float) -> None:
        """The server asked everyone to wait (429): no request leaves before then."""
        with self._lock:
            self._next = max(self._next, self.clock() + seconds)


class NotionAPI:
    def __init__(self, token: str, *, base_url: str | None = None, rate: float | None = 2.9,
                 timeout: float = 60.0, attempts: int = 6, max_wait: float = 60.0, first_wait: float = 0.5,
                 sleep: Callable[[float], None] = time.sleep):
        self.pacer = Pacer(rate, sleep=sleep)
        self.sleep, self.attempts, self.max_wait, self.first_wait = sleep, attempts, max_wait, first_wait
        self.counts: Counter[str] = Counter()
        self.http = httpx.Client(event_hooks={"request": [self._paced]})
        options: dict[str, Any] = {"auth": token, "timeout_ms": int(timeout * 1000), "retry": False,
                                   "notion_version": NOTION_VERSION, "logger": _QUIET}
        if base_url:
            options["base_url"] = base_url.rstrip("/")
        self.client = Client(client=self.http, **options)

    @classmethod
    def for_config(cls, cfg: NotionConfig, token: str, **kw: Any) -> NotionAPI:
        """The adapter as ``[notion]`` configures it (``kw`` overrides, e.g. fewer attempts)."""
        options: dict[str, Any] = dict(base_url=cfg.base_url, rate=cfg.requests_per_second, timeout=cfg.timeout,
                                       first_wait=cfg.retry_wait)
        return cls(token, **{**options, **kw})

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> NotionAPI:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _paced(self, request: httpx.Request) -> None:
        self.pacer.wait()
        self.counts[request.method] += 1
        self.counts["total"] += 1

    # -- the one place requests are retried ------------------------------------------------
    def call(self, send: Callable[[], T], recover: Callable[[], T | None]) -> T:
        """``send()`` with retries; ``recover()`` decides whether an ambiguous failure applied."""
        attempt = 0
        while True:
            try:
                return send()
            except APIResponseError as exc:
                status, wait = exc.status, _retry_after(exc.headers)
                if status == 429:
                    # not applied: the server only asks us to slow down
                    self.pacer.hold(wait if wait is not None else self._backoff(attempt))
                    attempt = self._next_attempt(attempt, exc)
                    continue
                if status == 409 and recover is RETRY:
                    # conflict_error: the transaction did not complete; an idempotent request is sent again
                    attempt = self._next_attempt(attempt, exc)
                    self.sleep(wait if wait is not None else self._backoff(attempt))
                    continue
                if status < 500 and status != 409:
                    raise NotionError(f"Notion {status} {exc.code}: {exc}", status=status, code=exc.code) from None
                # a 409 on a create is treated as ambiguous: looked up (``recover``) before sending again
                error: Exception = exc
            except HTTPResponseError as exc:       # 502/504 from a proxy: no Notion error body
                status, wait, error = exc.status, _retry_after(exc.headers), exc
                if status < 500:
                    raise NotionError(f"Notion HTTP {status}", status=status) from None
            except (RequestTimeoutError, httpx.TransportError) as exc:
                wait, error = None, exc
            # ambiguous: the write may have been applied before the answer was lost
            attempt = self._next_attempt(attempt, error)
            log.info("notion: %s; retrying (attempt %d)", _describe(error), attempt + 1)
            self.sleep(wait if wait is not None else self._backoff(attempt))
            applied = recover()
            if applied is not None:
                return applied

    def _next_attempt(self, attempt: int, error: Exception) -> int:
        if attempt + 1 >= self.attempts:
            raise NotionError(f"Notion request failed after {self.attempts} attempts: {_describe(error)}") from None
        return attempt + 1

    def _backoff(self, attempt: int) -> float:
        return min(self.max_wait, self.first_wait * 2 ** attempt) * (0.5 + random.random() / 2)

    # -- endpoints kbsync uses ---------------------------------------------------------------
    def get(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """A read (or an idempotent write): retried freely."""
        return self.call(lambda: fn(*args, **kwargs), RETRY)

    def query_all(self, data_source_id: str, **body: Any) -> Iterator[dict[str, Any]]:
        cursor = None
        while True:
            extra = {"start_cursor": cursor} if cursor else {}
            page = self.get(self.client.data_sources.query, data_source_id, page_size=100, **body, **extra)
            yield from page["results"]
            if not page.get("has_more"):
                return
            cursor = page["next_cursor"]

    def children(self, block_id: str) -> list[dict[str, Any]]:
        out, cursor = [], None
        while True:
            extra = {"start_cursor": cursor} if cursor else {}
            page = self.get(self.client.blocks.children.list, block_id, page_size=100, **extra)
            out += page["results"]
            if not page.get("has_more"):
                return out
            cursor = page["next_cursor"]

    def delete_block(self, block_id: str) -> None:
        try:
            self.get(self.client.blocks.delete, block_id)
        except NotionError as exc:
            # already gone (a retried delete, or the reader removed it): the goal is met
            if exc.status not in (404, 400):
                raise


def _retry_after(headers: Any) -> float | None:
    try:
        value = headers.get("retry-after") if headers is not None else None
        return max(0.0, float(value)) if value is not None else None
    except (TypeError, ValueError):
        return None


def _describe(error: Exception) -> str:
    if isinstance(error, (APIResponseError, HTTPResponseError)):
        return f"HTTP {error.status}"
    return type(error).__name__ if not str(error) else f"{type(error).__name__}: {error}"
