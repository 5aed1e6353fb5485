"""The rate limiter and the fault switches.

:class:`TokenBucket` answers Notion's "about three requests a second on
average, some bursts allowed" (https://developers.notion.com/reference/request-limits):
``rate`` tokens a second up to ``burst``; a request with no token left is
answered 429 ``rate_limited`` with ``Retry-After`` in whole seconds.

:class:`Faults` decides, from a seeded RNG (the same seed and the same
request sequence give the same faults), whether a matching request
* fails before it is applied (500/502/503/504, or 409 ``conflict_error``),
* conflicts: a write answered 409 ``conflict_error`` (``conflict_rate``, writes only: Notion's
  "Conflict occurred while saving. Please try again." comes from saving, as quoted in
  rowthan/pagenote#162; the status and code are in the reference's status codes),
* is *lost*: applied in full, then the connection is closed with no answer
  (or answered ``lost_status``, e.g. 504) -- a create that must not be
  blindly retried,
* is slow: applied, then answered after ``slow_seconds`` (so a client that
  times out has still written).
Three numbers are drawn for every matching request, whichever fault fires,
and one more before them for a matching write when ``conflict_rate`` is set
(so seeds without conflicts give the same faults as before).
"""

from __future__ import annotations

import math
import random
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

STATUS_ERRORS = {
    409: ("conflict_error", "Conflict occurred while saving. Please try again."),
    500: ("internal_server_error", "Unexpected error occurred."),
    502: ("bad_gateway", "Bad Gateway"),
    503: ("service_unavailable", "Notion is unavailable, please try again later."),
    504: ("gateway_timeout", "Gateway Timeout"),
}
RATE_LIMITED = "You have been rate limited. Please try again in a few minutes."


class TokenBucket:
    """``rate`` requests a second on average, bursts up to ``burst``; ``rate=None`` is no limit."""

    def __init__(self, rate: float | None, burst: int = 10, now: Callable[[], float] = time.monotonic):
        if rate is not None and rate <= 0:
            raise ValueError("rate must be positive (or None for no limit)")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.rate, self.burst, self._now = rate, burst, now
        self._tokens = float(burst)
        self._last = now()

    def take(self) -> int | None:
        """None when the request may go; else the whole seconds to wait (``Retry-After``)."""
        if self.rate is None:
            return None
        now = self._now()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now
        if self._tokens >= 1:
            self._tokens -= 1
            return None
        return max(1, math.ceil((1 - self._tokens) / self.rate))


@dataclass(frozen=True)
class Decision:
    error: int | None = None     # answer this status instead of applying
    lost: bool = False           # apply, then drop the connection (or answer lost_status)
    slow: float = 0.0            # apply, then wait this long before answering


class Faults:
    def __init__(self, error_rate: float = 0.0, statuses: Iterable[int] = (500, 502, 503, 504),
                 lost_rate: float = 0.0, slow_rate: float = 0.0, slow_seconds: float = 0.0,
                 methods: Iterable[str] = ("POST", "PATCH", "DELETE", "GET"), seed: int | None = None,
                 paths: Iterable[str] | None = None, lost_status: int | None = None, conflict_rate: float = 0.0):
        self.statuses = tuple(statuses)
        unknown = [s for s in self.statuses if s not in STATUS_ERRORS]
        if unknown or not self.statuses:
            raise ValueError(f"statuses must be among {sorted(STATUS_ERRORS)}, got {self.statuses}")
        for name, rate in (("error_rate", error_rate), ("lost_rate", lost_rate), ("slow_rate", slow_rate),
                           ("conflict_rate", conflict_rate)):
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {rate}")
        if lost_status is not None and lost_status not in STATUS_ERRORS:
            raise ValueError(f"lost_status must be None or among {sorted(STATUS_ERRORS)}")
        self.error_rate, self.lost_rate, self.slow_rate = error_rate, lost_rate, slow_rate
        self.conflict_rate = conflict_rate
        self.slow_seconds = slow_seconds
        self.methods = tuple(m.upper() for m in methods)
        self.paths = tuple(re.compile(p) for p in paths) if paths is not None else None
        self.lost_status = lost_status
        self.rng = random.Random(seed)

    @property
    def active(self) -> bool:
        return bool(self.error_rate or self.lost_rate or self.slow_rate or self.conflict_rate)

    def applies(self, method: str, path: str) -> bool:
        if method.upper() not in self.methods:
            return False
        return self.paths is None or any(p.search(path) for p in self.paths)

    def decide(self, method: str, path: str, write: bool = False) -> Decision:
        if not self.active or not self.applies(method, path):
            return Decision()
        if self.conflict_rate and write and self.rng.random() < self.conflict_rate:
            return Decision(error=409)
        r_error, r_lost, r_slow = self.rng.random(), self.rng.random(), self.rng.random()
        if r_error < self.error_rate:
            return Decision(error=self.statuses[int(r_error / self.error_rate * len(self.statuses)) % len(self.statuses)])
        return Decision(lost=r_lost < self.lost_rate, slow=self.slow_seconds if r_slow < self.slow_rate else 0.0)
