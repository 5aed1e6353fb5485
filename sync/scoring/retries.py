"""Retrying Claude API calls: which failures, how long to wait, and a pause shared by all workers.

Contract: ``call_with_retries(fn, policy, pacer)`` calls ``fn()`` and retries
408, 409, 429, 5xx and 529 (overloaded) answers, timeouts and connection
errors, at most ``policy.max_retries`` times; anything else, or the last
failure, is raised. The wait before a retry is ``retry_delay``, a pure
function:

* the server's ``retry-after-ms`` / ``retry-after`` (seconds or an HTTP
  date) when it sent one — honoured exactly, however small;
* else exponential backoff, 0.5 s doubling up to 8 s, with jitter (the
  client library's own schedule);
* ``x-should-retry: true|false`` overrides the status, as in the client;
* a spend-limit error is never retried: it is a 429 (or 402) whose
  ``error.details.error_code`` is one of :data:`SPEND_LIMIT_CODES` (the
  installed SDK maps them to ``EnforcedSpendLimitReachedError`` and
  ``ContractSpendLimitReachedError``, both ``RateLimitError``, and
  ``LinkedOrganizationSpendLimitReachedError``, a ``PaymentRequiredError``:
  ``anthropic/_error_classes.py``, ``ERROR_CLASSES``). It lasts until the
  month or the contract changes, so retrying only repeats it;
* a wait longer than ``policy.max_wait`` is not waited: the request fails
  now (its article falls back and is tried again on the next run), so a
  "come back in an hour" never stalls a sync.

Why not the client's own retries (``max_retries``): they honour any
retry-after however long, cannot be shared across threads, and sleep where
tests cannot see. Here the client runs with ``max_retries=0`` and a 429 or
529 pauses every worker through the shared :class:`Pacer` (the rate limit
is the account's, not the request's), with the sleep and clock injected.
"""

from __future__ import annotations

import email.utils
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import anthropic

T = TypeVar("T")
BASE_DELAY = 0.5
MAX_BACKOFF = 8.0
RETRY_STATUSES = frozenset({408, 409, 429})
SPEND_LIMIT_CODES = frozenset({"enforced_spend_limit_reached", "contract_spend_limit_reached",
                               "linked_organization_spend_limit_reached"})


def spend_limit_code(exc: BaseException) -> str | None:
    """The spend-limit ``error_code`` of an API error (None: not a spend limit)."""
    code = getattr(exc, "error_code", None) if isinstance(exc, anthropic.APIStatusError) else None
    return code if code in SPEND_LIMIT_CODES else None


def maybe_billed(exc: BaseException) -> bool:
    """The attempt may have run on the server although no answer reached us.

    A timeout or a lost connection after the request was sent, and a 408/504
    (a proxy or the API gave up waiting for it): the budget counts such an
    attempt at its worst case. Any other error answer means the API refused
    it before running it.
    """
    if isinstance(exc, anthropic.APIConnectionError):      # timeouts included
        return True
    return isinstance(exc, anthropic.APIStatusError) and exc.status_code in (408, 504)


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 3
    max_wait: float = 60.0


def retry_after(headers: Mapping[str, str] | None, now: float | None = None) -> float | None:
    """Seconds the server asked to wait (``retry-after-ms``, ``retry-after`` seconds or date)."""
    if not headers:
        return None
    try:
        return max(0.0, float(headers["retry-after-ms"]) / 1000)
    except (KeyError, TypeError, ValueError):
        pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    parsed = email.utils.parsedate_tz(value)
    if parsed is None:
        return None
    return max(0.0, email.utils.mktime_tz(parsed) - (time.time() if now is None else now))


def is_retryable(exc: BaseException) -> bool:
    """Failures that may pass on their own: timeouts, lost connections, 408/409/429/5xx/529."""
    if isinstance(exc, anthropic.APIConnectionError):   # timeouts included
        return True
    if spend_limit_code(exc) is not None:
        return False
    if isinstance(exc, anthropic.APIStatusError):
        told = exc.response.headers.get("x-should-retry")
        if told in ("true", "false"):
            return told == "true"
        return exc.status_code in RETRY_STATUSES or exc.status_code >= 500
    return False


def is_rejection(exc: BaseException) -> bool:
    """429/529: the API refused the request before doing anything (safe to resend a create);
    a spend limit is a 429 too, but resending only repeats it."""
    return (isinstance(exc, anthropic.APIStatusError) and exc.status_code in (429, 529)
            and spend_limit_code(exc) is None)


def retry_delay(exc: BaseException, attempt: int, policy: RetryPolicy,
                jitter: Callable[[], float] = random.random,
                retry_if: Callable[[BaseException], bool] = is_retryable) -> float | None:
    """Seconds to wait before retry number ``attempt`` (1-based), or None: do not retry."""
    if attempt > policy.max_retries or not retry_if(exc):
        return None
    response = getattr(exc, "response", None)
    asked = retry_after(response.headers if response is not None else None)
    if asked is not None and asked > 0:
        # the server knows best; but a wait beyond max_wait is not worth stalling the sync for
        return asked if asked <= policy.max_wait else None
    backoff = min(BASE_DELAY * 2 ** (attempt - 1), MAX_BACKOFF) * (1 - 0.25 * jitter())
    return min(backoff, policy.max_wait)


class Pacer:
    """A pause every worker honours: after a 429/529, nobody sends until it is over."""

    def __init__(self, sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic):
        self.sleep, self.clock = sleep, clock
        self._until = 0.0
        self._lock = threading.Lock()
        self.waited = 0.0            # seconds slept in total (reported by the bench)

    def pause(self, seconds: float) -> None:
        with self._lock:
            self._until = max(self._until, self.clock() + seconds)

    def wait(self) -> None:
        with self._lock:
            left = self._until - self.clock()
        if left > 0:
            self.sleep(left)
            with self._lock:
                self.waited += left


def call_with_retries(fn: Callable[[], T], policy: RetryPolicy, pacer: Pacer,
                      on_retry: Callable[[BaseException, float], Any] | None = None,
                      retry_if: Callable[[BaseException], bool] = is_retryable,
                      on_failure: Callable[[BaseException], bool] | None = None) -> T:
    """``fn()`` with the retries of the module docstring (raises the last failure).

    ``retry_if`` narrows what is retried (a batch create: only rejections).
    ``on_failure(exc)`` sees every failed attempt first (the session charges
    the budget there); False from it ends the retries (the failure is raised).
    """
    attempt = 0
    while True:
        pacer.wait()
        try:
            return fn()
        except Exception as exc:
            attempt += 1
            if on_failure is not None and not on_failure(exc):
                raise
            delay = retry_delay(exc, attempt, policy, retry_if=retry_if)
            if delay is None:
                raise
            if on_retry is not None:
                on_retry(exc, delay)
            shared = isinstance(exc, anthropic.APIStatusError) and exc.status_code in (429, 529)
            # a rate limit or overload is the account's: everyone waits; any other failure is this call's
            if shared:
                pacer.pause(delay)
                pacer.wait()
            else:
                pacer.sleep(delay)
