"""One run's connection to Claude: the client, retries, the budget, usage, and the off switch.

Contract: a ``ClaudeSession`` is made once per run (``open_session``, from
the config and the environment mapping the CLI passes down; nothing is read
from ``os.environ`` here) and shared by the scorer, the batch runner and
the trend namer, so they draw on one budget and their usage adds up.

``ask(request, parse)`` is the one way a request is made: budget reserved
(else :data:`WAIT`), sent with :func:`retries.call_with_retries`, usage and
cost recorded, the reply parsed; an answer ``parse`` rejects as
:class:`~answers.InvalidAnswer` is retried ONCE with the errors in the
conversation. It returns the parsed value or a :class:`Failed` with a short
reason, and never raises for an API or answer problem.

A 401/402/403/404 (wrong key, billing, no access to the model, unknown
model) or a spend-limit error (``enforced_spend_limit_reached``,
``contract_spend_limit_reached``, ``linked_organization_spend_limit_reached``:
see ``retries.py``) would fail identically for every request: it switches
Claude off for the rest of the run (``disabled``) at once, without a retry,
with one problem line for the reader.

The budget is hard: every attempt is reserved at its worst case before it
is sent; an attempt that may have run on the server without its answer
reaching us (timeout, lost connection, 408/504: ``retries.maybe_billed``)
is counted at that worst case (``lost``), and a retry is sent only if its
own worst case still fits.
The key is handed to the client and kept nowhere else; reasons never
include response bodies.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import anthropic

from ..config import Config, ScoringConfig
from . import backend_name
from .answers import InvalidAnswer
from .prompts import prompt_version, retry_request
from .retries import Pacer, RetryPolicy, call_with_retries, maybe_billed, spend_limit_code
from .usage import Budget, Usage, cost, usage_of, worst_case

log = logging.getLogger("kbsync.scoring")
T = TypeVar("T")
DEFAULT_BASE_URL = "https://api.anthropic.com"

# wrong key, billing, no access to the model, unknown model: the same for every request
RUN_ENDING = {401: "authentication failed (401): check ANTHROPIC_API_KEY",
              402: "billing problem (402): check the account's credit",
              403: "permission denied (403): the key has no access to this model",
              404: "not found (404): check scoring.model"}
SPEND_LIMIT = "spend limit reached"


@dataclass(frozen=True)
class Failed:
    reason: str


class _Wait:
    def __repr__(self) -> str:
        return "WAIT"


WAIT = _Wait()          # the budget ran out before this request: it waits for the next run


def error_reason(exc: BaseException) -> str:
    """A short, secret-free reason for an API failure (never the response body)."""
    if isinstance(exc, anthropic.APITimeoutError):
        return "timed out"
    if isinstance(exc, anthropic.APIConnectionError):
        return "connection failed"
    if spend_limit_code(exc) is not None:
        return f"{SPEND_LIMIT} ({spend_limit_code(exc)})"
    if isinstance(exc, anthropic.APIStatusError):
        kinds = {400: "invalid request", 401: "authentication failed", 402: "billing problem",
                 403: "permission denied", 404: "not found", 408: "request timeout", 413: "request too large",
                 429: "rate limited", 500: "server error", 529: "overloaded"}
        kind = kinds.get(exc.status_code, "server error" if exc.status_code >= 500 else "API error")
        return f"{kind} ({exc.status_code})"
    if isinstance(exc, anthropic.APIResponseValidationError):
        return "malformed response"
    return f"unexpected error ({type(exc).__name__})"


def make_client(cfg: ScoringConfig, env: Mapping[str, str]) -> anthropic.Anthropic | None:
    """The API client for the key in ``env`` (None without one); our retries, not the client's."""
    key = env.get("ANTHROPIC_API_KEY", "")
    if not key:
        return None
    return anthropic.Anthropic(api_key=key, base_url=env.get("ANTHROPIC_BASE_URL") or DEFAULT_BASE_URL,
                               max_retries=0, timeout=cfg.claude.timeout)


class ClaudeSession:
    """See the module docstring."""

    def __init__(self, cfg: ScoringConfig, client: Any, *, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic):
        self.cfg, self.client = cfg, client
        self.model = cfg.model
        self.version = prompt_version(cfg)
        self.price = cfg.claude.price_per_mtok
        self.policy = RetryPolicy(cfg.claude.max_retries, cfg.claude.max_retry_wait)
        self.pacer = Pacer(sleep, clock)
        self.budget = Budget(cfg.claude.budget_usd)
        self.usage: dict[str, Usage] = {}
        self.retries = 0
        self.lost = 0                   # attempts counted at their worst case (no answer reached us)
        self.disabled: str | None = None if client is not None else "no API key"
        self.problems: list[str] = []
        self._lock = threading.Lock()
        if client is None:
            self.problems.append("claude: scoring.backend is claude but ANTHROPIC_API_KEY is not set; "
                                 "scored with the heuristic")

    def __repr__(self) -> str:
        return f"ClaudeSession(model={self.model!r}, disabled={self.disabled!r})"

    # -- accounting -------------------------------------------------------------------
    def record(self, kind: str, usage: Usage, *, batch: bool = False) -> float | None:
        """Add usage under ``kind``; return its estimated cost."""
        with self._lock:
            self.usage[kind] = self.usage.get(kind, Usage()) + usage
        return cost(usage, self.model, self.price, batch=batch)

    def cost(self, kind: str) -> float | None:
        return cost(self.usage.get(kind, Usage()), self.model, self.price, batch=kind == "batch")

    def summary(self) -> dict[str, Any]:
        """Usage and estimated cost per kind, for the RunResult."""
        out: dict[str, Any] = {}
        for kind, usage in sorted(self.usage.items()):
            price = self.cost(kind)
            out[kind] = {**usage.to_dict(), "cost_usd": None if price is None else round(price, 6)}
        if out or self.lost:
            out["model"] = self.model
            out["budget_stopped"] = self.budget.stopped
            out["lost_attempts"] = self.lost
            out["spent_usd"] = round(self.budget.spent, 6)     # lost attempts included, at their worst case
        return out

    def problem(self, line: str) -> None:
        with self._lock:
            if line not in self.problems:
                self.problems.append(line)

    # -- requests -----------------------------------------------------------------------
    def disable(self, status: int) -> None:
        self._switch_off(error_reason_for(status),
                         f"claude: {RUN_ENDING[status]}; this run fell back to the heuristic scorer "
                         "(Claude tries again on the next run)")

    def disable_for_spend_limit(self, code: str) -> None:
        self._switch_off(f"{SPEND_LIMIT} ({code})",
                         f"claude: the account's spend limit is reached ({code}); Claude is off for the rest "
                         "of this run, with no retries, and the articles fell back to the heuristic scorer "
                         "(raise the limit in the Claude Console; Claude tries again on the next run)")

    def _switch_off(self, reason: str, line: str) -> None:
        with self._lock:
            if self.disabled is not None:
                return
            self.disabled = reason
        log.info("claude disabled for this run: %s", reason)
        self.problem(line)

    def send(self, request: dict[str, Any], kind: str, worst: float = 0.0) -> tuple[Any, bool]:
        """One request with retries (raises the API's exception), charging the budget per attempt.

        The caller has reserved ``worst`` for the first attempt. Returns the
        message and whether a reservation is still held (False when the last
        attempt was a lost one, already counted spent).
        """
        held = [True]

        def count_retry(exc: BaseException, delay: float) -> None:
            with self._lock:
                self.retries += 1
            log.debug("claude: retrying after %s in %.2f s", error_reason(exc), delay)

        def on_failure(exc: BaseException) -> bool:
            if spend_limit_code(exc) is not None or self.disabled is not None:
                return False                # never retried: it would only repeat
            if maybe_billed(exc):
                # the server may have run it: count the attempt at its worst case, never as $0
                self.budget.settle(worst, worst)
                with self._lock:
                    self.lost += 1
                held[0] = self.budget.reserve(worst)
                return held[0]               # a retry is sent only if its own worst case fits
            return True

        try:
            message = call_with_retries(lambda: self.client.messages.create(**request), self.policy, self.pacer,
                                        on_retry=count_retry, on_failure=on_failure)
        except Exception as exc:
            exc.kbsync_reserved = held[0]    # type: ignore[attr-defined]
            raise
        return message, held[0]

    def ask(self, request: dict[str, Any], parse: Callable[[Any], T], *, kind: str = "messages") -> T | Failed | _Wait:
        """See the module docstring."""
        for attempt in (1, 2):
            if self.disabled is not None:
                return Failed(self.disabled)
            worst = worst_case(request, self.model, self.price)
            if not self.budget.reserve(worst):
                return WAIT
            try:
                message, _ = self.send(request, kind, worst)
            except Exception as exc:  # noqa: BLE001 - any failure costs this request only
                if getattr(exc, "kbsync_reserved", True):
                    self.budget.settle(worst, 0.0)   # refused by the API: not billed
                return self._failure(exc)
            self.budget.settle(worst, self.record(kind, usage_of(message)))
            try:
                return parse(message)
            except InvalidAnswer as exc:
                log.debug("claude answer unusable (attempt %d): %s", attempt, exc.reason)
                if attempt == 2 or not exc.retryable:
                    if exc.cut_off:
                        self.problem("claude: some answers were cut off at max_tokens and not retried (a retry "
                                     "would pay for the same tokens again); raise scoring.claude.max_tokens "
                                     "or lower scoring.claude.effort")
                    return Failed(exc.reason)
                request = retry_request(request, message, exc.feedback)
        raise AssertionError("unreachable")

    def _failure(self, exc: BaseException) -> Failed:
        code = spend_limit_code(exc)
        if code is not None:
            self.disable_for_spend_limit(code)
            return Failed(self.disabled or error_reason(exc))
        if isinstance(exc, anthropic.APIStatusError) and exc.status_code in RUN_ENDING:
            self.disable(exc.status_code)
            return Failed(self.disabled or error_reason(exc))
        reason = error_reason(exc)
        # an unexpected failure keeps its traceback (for the bug report), an API one does not need it
        log.debug("claude request failed: %s", reason, exc_info=reason.startswith("unexpected"))
        return Failed(reason)


def error_reason_for(status: int) -> str:
    return RUN_ENDING[status].split(":", 1)[0]


def open_session(cfg: Config, env: Mapping[str, str], *, dry_run: bool = False,
                 client: Any = None, **kw: Any) -> ClaudeSession | None:
    """The run's session when Claude scores this run, else None (heuristic, or a dry run:
    a dry run writes nothing, so it must not spend anything either)."""
    if dry_run or backend_name(cfg, env) != "claude":
        return None
    return ClaudeSession(cfg.scoring, client if client is not None else make_client(cfg.scoring, env), **kw)
