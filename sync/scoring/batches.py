"""A big backlog through the Message Batches API: submitted once, polled, resumed, applied.

Contract (``BatchRunner``, the shell; the store functions are ``store/claude.py``):

* ``submit(articles)`` records the batch and its items in the store BEFORE
  sending it (state ``submitting``), sends it once, and records the API's
  batch id the moment it answers (state ``submitted``). A create is never
  retried after a timeout or a lost connection (the API has no idempotency
  key: a retry could create a second batch); only a 429/529, which means
  "not accepted", is retried.
* ``collect()`` (start of every run) resolves what a crash may have left:
  a ``submitting`` batch is looked up in the API's batch list (same request
  count, created since it was recorded, id not known yet) and adopted, or
  marked ``lost`` when the API has no such batch (it was never created).
  Every ``submitted`` batch is polled once; an ended one has its results
  fetched and is marked ``applied``. So a restart never resubmits a batch
  that was sent, and finishes the one it was waiting for.
* ``wait(key)`` polls one batch every ``batch_poll`` seconds until it ends
  or ``batch_wait`` seconds have passed: a sync never blocks on a batch for
  longer; an unfinished batch is picked up by the next run's ``collect``.

Results are ``custom_id -> Message | Failed``; ``run.py`` validates and
applies them (an invalid answer gets its one retry through the Messages
API). The articles of a batch in flight are scored by nothing else
meanwhile and get no note until their result is in, like articles over
budget: a batch is a deliberate wait for the cheaper price.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import anthropic

from ..config import ScoringConfig
from ..models import Article
from ..store import Store
from ..store import claude as db
from .prompts import build_request
from .retries import call_with_retries, is_rejection
from .session import ClaudeSession, Failed, error_reason
from .usage import usage_of, worst_case

log = logging.getLogger("kbsync.scoring")
ADOPT_SLACK = timedelta(minutes=5)   # clock skew allowed when matching a batch to its record


def custom_id(article: Article) -> str:
    """``<kb_id>-<first 16 of content hash>``: unique per article version, within ^[a-zA-Z0-9_-]{1,64}$."""
    return f"{article.kb_id}-{article.content_hash[:16]}"


@dataclass(frozen=True)
class Finished:
    """An ended batch's results: custom_id -> Message or Failed; items: custom_id -> (kb_id, hash)."""

    key: str
    results: dict[str, Any]
    items: dict[str, tuple[str, str]]


def adoptable(record: db.BatchRow, listed: Sequence[Any], known: set[str]) -> Any | None:
    """The listed batch that a ``submitting`` record must be (pure): same size, created since, not known."""
    for batch in listed:
        counts = batch.request_counts
        total = counts.processing + counts.succeeded + counts.errored + counts.canceled + counts.expired
        created = batch.created_at
        if batch.id not in known and total == record.requests and created >= record.created_at - ADOPT_SLACK:
            return batch
    return None


def _result(entry: Any) -> Any:
    result = entry.result
    if result.type == "succeeded":
        return result.message
    if result.type == "errored":
        kind = getattr(getattr(result.error, "error", None), "type", None) or "error"
        return Failed(f"batch request errored ({kind})")
    return Failed(f"batch request {result.type}")


class BatchRunner:
    def __init__(self, session: ClaudeSession, store: Store, cfg: ScoringConfig, now: datetime, *,
                 clock: Callable[[], float] | None = None):
        self.session, self.store, self.cfg, self.now = session, store, cfg, now
        self.clock = clock or session.pacer.clock
        self.problems: list[str] = []

    @property
    def client(self) -> Any:
        return self.session.client

    # -- submit ---------------------------------------------------------------------------
    def submit(self, articles: Sequence[Article]) -> tuple[str | None, list[str], str | None]:
        """(batch key or None, kb_ids left waiting for the budget, failure reason or None)."""
        chosen, waiting = [], []
        for article in articles:
            request = build_request(article, self.cfg)
            worst = worst_case(request, self.session.model, self.session.price, batch=True)
            # a batch is paid when it is sent: reserve now, count it spent
            if self.session.budget.reserve(worst):
                self.session.budget.settle(worst, worst)
                chosen.append((article, request))
            else:
                waiting.append(article.kb_id)
        if not chosen:
            return None, waiting, None
        key = "kbb-" + uuid.uuid4().hex[:16]
        db.begin_batch(self.store, key, [(custom_id(a), a.kb_id, a.content_hash) for a, _ in chosen],
                       self.session.model, self.session.version, self.now)
        requests = [{"custom_id": custom_id(a), "params": r} for a, r in chosen]
        try:
            batch = call_with_retries(lambda: self.client.messages.batches.create(requests=requests),
                                      self.session.policy, self.session.pacer, retry_if=is_rejection)
        except Exception as exc:  # noqa: BLE001 - reported, never aborts the run
            reason = error_reason(exc)
            if isinstance(exc, anthropic.APIStatusError) and exc.status_code in (401, 402, 403, 404):
                self.session.disable(exc.status_code)
            if not isinstance(exc, anthropic.APIConnectionError):
                # the API answered with an error: no batch was created
                db.update_batch(self.store, key, self.now, state="lost")
            # else: unknown whether it was created; the next run's collect() finds out
            return key, waiting, f"batch not submitted: {reason}"
        db.update_batch(self.store, key, self.now, state="submitted", batch_id=batch.id,
                        status=batch.processing_status)
        log.info("claude: batch %s submitted with %d requests", batch.id, len(requests))
        return key, waiting, None

    # -- resume and poll ----------------------------------------------------------------------
    def collect(self) -> list[Finished]:
        """Resolve, poll and fetch every open batch once (see the module docstring)."""
        finished = []
        for record in db.open_batches(self.store):
            if self.session.disabled is not None:
                break
            try:
                if record.state == "submitting":
                    record = self._resolve(record)
                    if record is None:
                        continue
                done = self._poll(record)
            except Exception as exc:  # noqa: BLE001 - the batch stays open for the next run
                self.problems.append(f"claude: batch {record.batch_id or record.key}: {error_reason(exc)}; "
                                     "tried again on the next run")
                if isinstance(exc, anthropic.APIStatusError) and exc.status_code in (401, 402, 403):
                    self.session.disable(exc.status_code)
                continue
            if done is not None:
                finished.append(done)
        return finished

    def wait(self, key: str) -> Finished | None:
        """Poll the batch ``key`` until it ends or ``batch_wait`` runs out (None: still running)."""
        deadline = self.clock() + self.cfg.claude.batch_wait
        record = next((r for r in db.open_batches(self.store) if r.key == key), None)
        while record is not None and record.batch_id is not None:
            try:
                done = self._poll(record)
            except Exception as exc:  # noqa: BLE001 - left for the next run
                self.problems.append(f"claude: batch {record.batch_id}: {error_reason(exc)}; "
                                     "tried again on the next run")
                return None
            if done is not None or self.clock() + self.cfg.claude.batch_poll > deadline:
                return done
            self.session.pacer.sleep(self.cfg.claude.batch_poll)
        return None

    def _resolve(self, record: db.BatchRow) -> db.BatchRow | None:
        listed = call_with_retries(lambda: self.client.messages.batches.list(limit=100).data,
                                   self.session.policy, self.session.pacer)
        found = adoptable(record, listed, db.known_batch_ids(self.store))
        if found is None:
            db.update_batch(self.store, record.key, self.now, state="lost")
            log.info("claude: batch %s was never created; its articles are scored again", record.key)
            return None
        db.update_batch(self.store, record.key, self.now, state="submitted", batch_id=found.id,
                        status=found.processing_status)
        return db.BatchRow(record.key, found.id, "submitted", found.processing_status, record.model,
                           record.prompt_version, record.requests, record.created_at)

    def _poll(self, record: db.BatchRow) -> Finished | None:
        assert record.batch_id is not None
        batches, policy, pacer = self.client.messages.batches, self.session.policy, self.session.pacer
        # reads are idempotent: retried like any request
        batch = call_with_retries(lambda: batches.retrieve(record.batch_id), policy, pacer)
        db.update_batch(self.store, record.key, self.now, status=batch.processing_status)
        if batch.processing_status != "ended":
            return None
        results = {}
        for entry in call_with_retries(lambda: list(batches.results(record.batch_id)), policy, pacer):
            value = _result(entry)
            if not isinstance(value, Failed):
                self.session.record("batch", usage_of(value), batch=True)
            results[entry.custom_id] = value
        items = {c: (k, h) for c, k, h in db.batch_items(self.store, record.key)}
        db.update_batch(self.store, record.key, self.now, state="applied")
        return Finished(record.key, results, items)
