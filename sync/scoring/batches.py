"""A big backlog through the Message Batches API: submitted once, polled, resumed, applied.

Contract (``BatchRunner``, the shell; the store functions are ``store/claude.py``):

* ``submit(articles)`` splits the articles into batches within the API's
  limits (:data:`MAX_BATCH_REQUESTS` requests, :data:`MAX_BATCH_BYTES`
  bytes), and for each records the batch and its items in the store BEFORE
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
  fetched and handed back (:class:`Finished`); ``run.py`` saves the scores
  and only THEN marks the batch ``applied`` (:meth:`BatchRunner.mark_applied`),
  so a crash in between makes the next run fetch the same results again
  (free) and save the same scores (idempotent), never send a second batch.
  A batch the API no longer has (404) or whose results are gone (past the
  29 days of retention: ``archived_at`` set, no ``results_url``) is marked
  ``gone`` and its articles are released: they are unscored, so the queue
  takes them again. So a restart never resubmits a batch that was sent,
  finishes the one it was waiting for, and is never stuck on one.
* ``wait(key)`` polls one batch every ``batch_poll`` seconds until it ends
  or ``batch_wait`` seconds have passed: a sync never blocks on a batch for
  longer; an unfinished batch is picked up by the next run's ``collect``.

Results are ``custom_id -> Message | Failed`` (``errored``, ``expired`` and
``canceled`` requests are failures: written with the fallback, and Claude
tries them again on a later run like any failure), labelled with the model
and prompt version the batch was submitted with; ``run.py`` validates and
applies them (an invalid answer gets its one retry through the Messages
API). The articles of a batch in flight are scored by nothing else
meanwhile and get no note until their result is in, like articles over
budget: a batch is a deliberate wait for the cheaper price.
"""

from __future__ import annotations

import json
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
from .retries import call_with_retries, is_rejection, spend_limit_code
from .session import ClaudeSession, Failed, error_reason
from .usage import usage_of, worst_case

log = logging.getLogger("kbsync.scoring")
ADOPT_SLACK = timedelta(minutes=5)   # clock skew allowed when matching a batch to its record
# The documented limits (platform.claude.com/docs/en/build-with-claude/batch-processing, "Batch
# limitations": 100,000 requests or 256 MB, whichever first; the API reference's create page:
# "1 - 10000 elements"). The sources disagree on the count: kbsync keeps to the smaller, and to
# 250 MB (decimal) of request JSON, leaving room for the envelope.
MAX_BATCH_REQUESTS = 10_000
MAX_BATCH_BYTES = 250_000_000


def split_batches(sized: Sequence[tuple[Any, int]], max_requests: int | None = None,
                  max_bytes: int | None = None) -> list[list[Any]]:
    """Items (with their size in bytes) in order, cut into runs within both limits (pure)."""
    max_requests = max_requests or MAX_BATCH_REQUESTS
    max_bytes = max_bytes or MAX_BATCH_BYTES
    out: list[list[Any]] = []
    size = 0
    for item, nbytes in sized:
        if not out or len(out[-1]) >= max_requests or size + nbytes > max_bytes:
            out.append([])
            size = 0
        out[-1].append(item)
        size += nbytes
    return out


def custom_id(article: Article) -> str:
    """``<kb_id>-<first 16 of content hash>``: unique per article version, within ^[a-zA-Z0-9_-]{1,64}$."""
    return f"{article.kb_id}-{article.content_hash[:16]}"


@dataclass(frozen=True)
class Finished:
    """An ended batch's results: custom_id -> Message | Failed | RELEASED; items: custom_id -> (kb_id, hash).

    ``model`` and ``prompt_version`` are the ones the batch was submitted with.
    """

    key: str
    results: dict[str, Any]
    items: dict[str, tuple[str, str]]
    model: str = ""
    prompt_version: str = ""


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
    # expired (not run within 24 hours) or canceled: the fallback now, Claude again on a later run
    return Failed(f"batch request {result.type}")


@dataclass(frozen=True)
class Submitted:
    """One batch of a submit: its key (None: not recorded), its articles, and why it failed (None: sent)."""

    key: str | None
    sent: list[Article]
    failure: str | None


class BatchRunner:
    def __init__(self, session: ClaudeSession, store: Store, cfg: ScoringConfig, now: datetime, *,
                 clock: Callable[[], float] | None = None, max_requests: int | None = None,
                 max_bytes: int | None = None):
        self.session, self.store, self.cfg, self.now = session, store, cfg, now
        self.max_requests, self.max_bytes = max_requests, max_bytes
        self.clock = clock or session.pacer.clock
        self.problems: list[str] = []

    @property
    def client(self) -> Any:
        return self.session.client

    # -- submit ---------------------------------------------------------------------------
    def submit(self, articles: Sequence[Article]) -> tuple[list[Submitted], list[str]]:
        """The articles in batches within the limits: (one Submitted per batch, kb_ids waiting for the budget)."""
        chosen, waiting = [], []
        for article in articles:
            request = build_request(article, self.cfg)
            worst = worst_case(request, self.session.model, self.session.price, batch=True)
            # a batch is paid when it is sent: reserve now, count it spent
            if self.session.budget.reserve(worst):
                self.session.budget.settle(worst, worst)
                item = {"custom_id": custom_id(article), "params": request}
                chosen.append(((article, item), len(json.dumps(item, ensure_ascii=False).encode())))
            else:
                waiting.append(article.kb_id)
        out = []
        for group in split_batches(chosen, self.max_requests, self.max_bytes):
            sent = [a for a, _ in group]
            if self.session.disabled is not None:
                out.append(Submitted(None, sent, f"batch not submitted: {self.session.disabled}"))
                continue
            key, failure = self._submit_one(group)
            out.append(Submitted(key, sent, failure))
        return out, waiting

    def _submit_one(self, group: Sequence[tuple[Article, dict[str, Any]]]) -> tuple[str, str | None]:
        key = "kbb-" + uuid.uuid4().hex[:16]
        db.begin_batch(self.store, key, [(custom_id(a), a.kb_id, a.content_hash) for a, _ in group],
                       self.session.model, self.session.version, self.now)
        requests = [item for _, item in group]
        try:
            batch = call_with_retries(lambda: self.client.messages.batches.create(requests=requests),
                                      self.session.policy, self.session.pacer, retry_if=is_rejection)
        except Exception as exc:  # noqa: BLE001 - reported, never aborts the run
            reason = error_reason(exc)
            code = spend_limit_code(exc)
            if code is not None:
                self.session.disable_for_spend_limit(code)
            elif isinstance(exc, anthropic.APIStatusError) and exc.status_code in (401, 402, 403, 404):
                self.session.disable(exc.status_code)
            if not isinstance(exc, anthropic.APIConnectionError):
                # the API answered with an error: no batch was created
                db.update_batch(self.store, key, self.now, state="lost")
            # else: unknown whether it was created; the next run's collect() finds out
            return key, f"batch not submitted: {reason}"
        db.update_batch(self.store, key, self.now, state="submitted", batch_id=batch.id,
                        status=batch.processing_status)
        log.info("claude: batch %s submitted with %d requests", batch.id, len(requests))
        return key, None

    def mark_applied(self, finished: Sequence[Finished]) -> None:
        """After the scores are saved (never before: see the module docstring)."""
        for f in finished:
            db.update_batch(self.store, f.key, self.now, state="applied")

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
                if spend_limit_code(exc) is not None:
                    self.session.disable_for_spend_limit(spend_limit_code(exc) or "")
                elif isinstance(exc, anthropic.APIStatusError) and exc.status_code in (401, 402, 403):
                    self.session.disable(exc.status_code)
                continue
            if done is not None:
                finished.append(done)
        return finished

    def wait(self, keys: Sequence[str]) -> list[Finished]:
        """Poll the batches ``keys`` until they end or ``batch_wait`` runs out (those still running are left)."""
        deadline = self.clock() + self.cfg.claude.batch_wait
        done: list[Finished] = []
        pending = [r for r in db.open_batches(self.store) if r.key in set(keys) and r.batch_id is not None]
        while pending:
            still = []
            for record in pending:
                try:
                    finished = self._poll(record)
                except Exception as exc:  # noqa: BLE001 - left for the next run
                    self.problems.append(f"claude: batch {record.batch_id}: {error_reason(exc)}; "
                                         "tried again on the next run")
                    continue
                if finished is not None:
                    done.append(finished)
                elif db.is_open(self.store, record.key):
                    still.append(record)
            pending = still
            if not pending or self.clock() + self.cfg.claude.batch_poll > deadline:
                break
            self.session.pacer.sleep(self.cfg.claude.batch_poll)
        return done

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
        """The batch's results once it has ended (None: still running, or gone and released)."""
        assert record.batch_id is not None
        batches, policy, pacer = self.client.messages.batches, self.session.policy, self.session.pacer
        try:
            # reads are idempotent: retried like any request
            batch = call_with_retries(lambda: batches.retrieve(record.batch_id), policy, pacer)
            db.update_batch(self.store, record.key, self.now, status=batch.processing_status)
            if batch.processing_status != "ended":
                return None
            if getattr(batch, "archived_at", None) is not None or not getattr(batch, "results_url", None):
                return self._gone(record, "its results are past the API's retention")
            entries = call_with_retries(lambda: list(batches.results(record.batch_id)), policy, pacer)
        except anthropic.NotFoundError:
            return self._gone(record, "the API no longer has it (404)")
        results = {}
        for entry in entries:
            value = _result(entry)
            if not isinstance(value, Failed):
                self.session.record("batch", usage_of(value), batch=True)
            results[entry.custom_id] = value
        items = {c: (k, h) for c, k, h in db.batch_items(self.store, record.key)}
        # marked applied by the caller once the scores are saved (mark_applied)
        return Finished(record.key, results, items, record.model, record.prompt_version)

    def _gone(self, record: db.BatchRow, why: str) -> None:
        db.update_batch(self.store, record.key, self.now, state="gone")
        self.problems.append(f"claude: batch {record.batch_id}: {why}; its {record.requests} articles go back "
                             "to the queue")
        return None
