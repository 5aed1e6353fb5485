"""The Message Batches part of the fake Anthropic API (see tests/fake_anthropic.py).

Endpoints, with the real objects' fields:

* ``POST /v1/messages/batches`` ``{"requests": [{"custom_id", "params"}]}``:
  each ``custom_id`` must match ``^[a-zA-Z0-9_-]{1,64}$`` and be unique, each
  ``params`` must be a valid Messages request (400 ``invalid_request_error``
  naming ``requests.N`` otherwise); answers a ``message_batch`` object,
  ``processing_status: "in_progress"``. With ``create_delay`` the batch is
  created first and the answer comes late (a client timeout then leaves a
  batch the caller does not know about, as a crash would).
* ``GET /v1/messages/batches/{id}``: the batch; it ends on its
  ``polls_to_end``-th retrieve (or when a test calls ``end_all``): every
  request's reply is then drawn from the fake's script, ``request_counts``
  filled in, ``ended_at`` and ``results_url`` set.
* ``GET /v1/messages/batches/{id}/results``: JSONL, one line per request,
  in reverse order (the API promises no order; callers must match
  ``custom_id``): ``succeeded`` with a message (usage included), ``errored``
  with an error object, ``expired``. 404 before the batch has ended.
* ``GET /v1/messages/batches?limit=N``: the most recent first, as a page
  (``data``, ``has_more``, ``first_id``, ``last_id``).
* Errors queued with ``fail_next`` answer the next batch request instead.

Limits and ends the real API has (sources: platform.claude.com/docs/en/build-with-claude/batch-processing,
"Batch limitations"; the API reference's create-message-batch page; the installed SDK,
anthropic/resources/messages/batches.py and types/messages/message_batch.py):

* a batch holds at most 100,000 requests and 256 MB ("whichever is reached
  first"): more answers 400 / 413 ``request_too_large`` (``max_requests``,
  ``max_bytes`` are per-fake so tests can use small ones). The API
  reference says "1 - 10000 elements" for ``requests``; kbsync keeps to the
  smaller figure, the fake refuses only what both sources agree on;
* a request not processed within 24 hours ends ``expired`` (script
  :data:`EXPIRED`); one canceled ends ``canceled`` (:data:`CANCELED`);
  one that failed ends ``errored`` (script an ``Error``);
* "Batch results are available for 29 days after creation": ``archive(id)``
  sets ``archived_at`` and removes ``results_url`` (the SDK's ``results()``
  then raises "No results_url"; the results path answers 404);
* ``forget(id)``: the batch is gone (deleted, or another workspace): 404
  ``not_found_error`` for every call about it.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

if TYPE_CHECKING:
    from tests.fake_anthropic import Error, FakeAnthropic

CUSTOM_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_PATH = re.compile(r"^/v1/messages/batches(?:/([^/]+))?(/results)?$")


@dataclass
class Batch:
    id: str
    requests: list[dict[str, Any]]
    created_at: datetime
    polls: int = 0
    ended_at: datetime | None = None
    archived_at: datetime | None = None
    results: list[dict[str, Any]] = field(default_factory=list)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


class BatchBook:
    def __init__(self, fake: FakeAnthropic, *, polls_to_end: int = 1, create_delay: float = 0.0):
        self.fake, self.polls_to_end, self.create_delay = fake, polls_to_end, create_delay
        self.batches: dict[str, Batch] = {}
        self.max_requests = 100_000
        self.max_bytes = 256 * 1000 * 1000
        self._failures: deque[Error] = deque()
        self._lock = threading.RLock()

    def fail_next(self, *errors: Error) -> None:
        self._failures.extend(errors)

    def archive(self, batch_id: str) -> None:
        """Past retention: the batch can be read, its results no longer."""
        self.batches[batch_id].archived_at = datetime.now(timezone.utc)

    def forget(self, batch_id: str) -> None:
        """The batch no longer exists for this key: 404 from now on."""
        del self.batches[batch_id]

    @property
    def created(self) -> list[Batch]:
        return list(self.batches.values())

    # -- the objects -------------------------------------------------------------------------
    def batch_object(self, batch: Batch) -> dict[str, Any]:
        counts = {"processing": 0, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
        if batch.ended_at is None:
            counts["processing"] = len(batch.requests)
        for line in batch.results:
            counts[line["result"]["type"]] += 1
        return {"id": batch.id, "type": "message_batch",
                "processing_status": "ended" if batch.ended_at else "in_progress",
                "request_counts": counts, "created_at": _iso(batch.created_at),
                "expires_at": _iso(batch.created_at + timedelta(hours=24)), "ended_at": _iso(batch.ended_at),
                "archived_at": _iso(batch.archived_at), "cancel_initiated_at": None,
                "results_url": f"{self.fake.url}/v1/messages/batches/{batch.id}/results"
                if batch.ended_at and not batch.archived_at else None}

    def end(self, batch: Batch) -> None:
        """Draw every request's reply from the script now (the batch has been processed)."""
        from tests.fake_anthropic import Canceled, Error, Expired, Raw, Recorded

        with self._lock:
            if batch.ended_at is not None:
                return
            for item in batch.requests:
                params = item["params"]
                reply = self.fake._next_reply(Recorded("POST", "/v1/messages/batches", {}, params))
                if isinstance(reply, Expired):
                    result: dict[str, Any] = {"type": "expired"}
                elif isinstance(reply, Canceled):
                    result = {"type": "canceled"}
                elif isinstance(reply, (Error, Raw)):
                    error = reply if isinstance(reply, Error) else Error(500, "malformed upstream answer")
                    result = {"type": "errored", "error": self.fake.error_body(error)}
                else:
                    result = {"type": "succeeded", "message": self.fake.message(params, reply)}
                batch.results.append({"custom_id": item["custom_id"], "result": result})
            batch.ended_at = datetime.now(timezone.utc)

    def end_all(self) -> None:
        for batch in list(self.batches.values()):
            self.end(batch)

    # -- the endpoints -------------------------------------------------------------------------
    def handle(self, method: str, raw_path: str, body: Any) -> tuple[int, dict[str, str], bytes]:
        from tests.fake_anthropic import Error

        fake = self.fake
        if self._failures:
            return fake._error(self._failures.popleft())
        parts = urlsplit(raw_path)
        match = _PATH.match(parts.path)
        if match is None:
            return fake._error(Error(404, f"Not found: {parts.path}"))
        batch_id, results = match.group(1), match.group(2)
        if batch_id is None and method == "POST":
            return self._create(body)
        if batch_id is None and method == "GET":
            limit = int(parse_qs(parts.query).get("limit", ["20"])[0])
            listed = sorted(self.batches.values(), key=lambda b: (b.created_at, b.id), reverse=True)
            data = [self.batch_object(b) for b in listed[:limit]]
            return self._json({"data": data, "has_more": len(listed) > limit,
                               "first_id": data[0]["id"] if data else None,
                               "last_id": data[-1]["id"] if data else None})
        batch = self.batches.get(batch_id or "")
        if batch is None or method != "GET":
            return fake._error(Error(404, f"Not found: batch {batch_id}"))
        if results:
            if batch.archived_at is not None:
                return fake._error(Error(404, f"batch {batch_id}: results are no longer available"))
            if batch.ended_at is None:
                return fake._error(Error(404, f"batch {batch_id} has not ended; no results yet"))
            lines = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in reversed(batch.results))
            return 200, {"content-type": "application/binary"}, lines.encode()
        with self._lock:
            batch.polls += 1
            if batch.polls >= self.polls_to_end:
                self.end(batch)
        return self._json(self.batch_object(batch))

    def _create(self, body: Any) -> tuple[int, dict[str, str], bytes]:
        from tests.fake_anthropic import _request_problem, bad_request

        from tests.fake_anthropic import Error

        requests = body.get("requests") if isinstance(body, dict) else None
        if not isinstance(requests, list) or not requests:
            return self.fake._error(bad_request("requests: at least one request is required"))
        if len(requests) > self.max_requests:
            return self.fake._error(bad_request(f"requests: at most {self.max_requests} requests per batch"))
        if len(json.dumps(body, ensure_ascii=False).encode()) > self.max_bytes:
            return self.fake._error(Error(413, f"batch larger than {self.max_bytes} bytes", type="request_too_large"))
        seen: set[str] = set()
        for i, item in enumerate(requests):
            cid = item.get("custom_id") if isinstance(item, dict) else None
            if not isinstance(cid, str) or not CUSTOM_ID.match(cid):
                return self.fake._error(bad_request(f"requests.{i}.custom_id: must match ^[a-zA-Z0-9_-]{{1,64}}$"))
            if cid in seen:
                return self.fake._error(bad_request(f"requests.{i}.custom_id: duplicate {cid!r}"))
            seen.add(cid)
            problem = _request_problem(item.get("params"))
            if problem:
                return self.fake._error(bad_request(f"requests.{i}.params.{problem}"))
        batch = Batch(self.fake._new_id("msgbatch"), requests, datetime.now(timezone.utc))
        with self._lock:
            self.batches[batch.id] = batch
        if self.create_delay:
            time.sleep(self.create_delay)
        return self._json(self.batch_object(batch))

    def _json(self, payload: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        return 200, {"content-type": "application/json", "request-id": self.fake._new_id("req")}, \
            json.dumps(payload, ensure_ascii=False).encode()
