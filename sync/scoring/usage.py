"""Token usage, its estimated cost, and the per-run budget.

Contract: ``Usage`` adds up the Messages API's ``usage`` blocks (uncached
input, cache reads, cache writes, output) and the number of requests;
``cost(usage, model, ...)`` prices it in USD from ``PRICES`` (or the
configured ``price_per_mtok`` for a model not in the table; None when neither
knows the model). ``Budget`` is the per-run limit: a request is sent only if
its worst-case cost still fits, so a run never spends past the limit.

Thinking is billed as output: ``output_tokens`` is "the inclusive,
authoritative total used for billing" and ``output_tokens_details.thinking_tokens``
the part spent thinking (the installed SDK's ``types/usage.py`` and
``types/output_tokens_details.py``). ``Usage.thinking_tokens`` keeps that part
for the report; the cost counts it once, inside ``output_tokens``.

A hard budget: a request is reserved at its worst case before it is sent
(every input token uncached, ``max_tokens`` of output, thinking included,
since thinking counts toward ``max_tokens``), and an attempt that may have
run on the server without an answer reaching us (a timeout, a lost
connection, a 408/504) is counted at that worst case, never as $0
(``session.py``).

Prices and where each comes from: ``sync/prices.py``.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass
from typing import Any

from ..prices import CACHE_READ, LONG_PROMPT, PRICES, price_for  # noqa: F401  (the table, re-exported for the scorer)

CACHE_WRITE = 1.25
BATCH_DISCOUNT = 0.50
MILLION = 1_000_000


@dataclass(frozen=True)
class Usage:
    """Tokens and requests; ``+`` adds two."""

    requests: int = 0
    input_tokens: int = 0          # uncached input
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    output_tokens: int = 0         # thinking included (billed as output)
    thinking_tokens: int = 0       # the part of output_tokens spent thinking (for the report)

    def __add__(self, other: Usage) -> Usage:
        return Usage(*(a + b for a, b in zip(astuple_(self), astuple_(other))))

    @property
    def total_input(self) -> int:
        return self.input_tokens + self.cache_read_tokens + self.cache_write_tokens

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


def astuple_(usage: Usage) -> tuple[int, ...]:
    return (usage.requests, usage.input_tokens, usage.cache_read_tokens, usage.cache_write_tokens,
            usage.output_tokens, usage.thinking_tokens)


def _count(block: Any, name: str) -> int:
    value = block.get(name) if isinstance(block, dict) else getattr(block, name, None)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def usage_of(message: Any) -> Usage:
    """One request's usage from a Message (or its dict); missing counts are 0."""
    block = message.get("usage") if isinstance(message, dict) else getattr(message, "usage", None)
    if block is None:
        return Usage(requests=1)
    details = block.get("output_tokens_details") if isinstance(block, dict) else getattr(block, "output_tokens_details", None)
    output = _count(block, "output_tokens")
    return Usage(requests=1, input_tokens=_count(block, "input_tokens"),
                 cache_read_tokens=_count(block, "cache_read_input_tokens"),
                 cache_write_tokens=_count(block, "cache_creation_input_tokens"),
                 output_tokens=output,
                 # never more than the output it is part of (the SDK: "Always <= output_tokens")
                 thinking_tokens=min(output, _count(details, "thinking_tokens")) if details is not None else 0)


def cost(usage: Usage, model: str, override: tuple[float, float] | None = None, *,
         batch: bool = False) -> float | None:
    """Estimated USD for ``usage`` (None: no price known for ``model``)."""
    price = price_for(model, override)
    if price is None:
        return None
    inp, out, read = price
    dollars = (usage.input_tokens * inp + usage.cache_write_tokens * inp * CACHE_WRITE
               + usage.cache_read_tokens * read + usage.output_tokens * out) / MILLION
    return dollars * (BATCH_DISCOUNT if batch else 1.0)


def worst_case(request: dict[str, Any], model: str, override: tuple[float, float] | None = None, *,
               batch: bool = False) -> float:
    """An upper bound on one request's cost: every input token uncached, every output token used.

    Tokens are over-counted from the text (a token per 3 ASCII characters, 1.5 per
    other character: Claude's tokenizer does better on both), so a budget is never
    overrun by an estimate that was too low. Unknown price: 0 (no budget is
    allowed without a price; the config refuses it).
    """
    price = price_for(model, override)
    if price is None:
        return 0.0
    text = json.dumps({k: v for k, v in request.items() if k != "max_tokens"}, ensure_ascii=False)
    ascii_chars = sum(1 for ch in text if ch < "\x80")
    tokens_in = ascii_chars / 3 + (len(text) - ascii_chars) * 1.5
    band = next((b for p, b in LONG_PROMPT.items() if model == p or model.startswith(p + "-")), None)
    if override is None and band is not None and tokens_in > band[0]:
        price = band[1]          # the whole request is billed at the long-prompt rates
    dollars = (tokens_in * price[0] + int(request.get("max_tokens", 0)) * price[1]) / MILLION
    return dollars * (BATCH_DISCOUNT if batch else 1.0)


class Budget:
    """A per-run spending limit shared by concurrent requests (thread-safe).

    ``reserve(worst)`` before a request: False when it might not fit (the
    request is not sent, and ``stopped`` turns true); ``settle(worst, actual)``
    after it, replacing the reservation by what it cost. ``limit=None`` never
    refuses (and still adds up what was spent).
    """

    def __init__(self, limit: float | None):
        self.limit = limit
        self.spent = 0.0
        self.reserved = 0.0
        self.stopped = False
        self._lock = threading.Lock()

    def reserve(self, worst: float) -> bool:
        with self._lock:
            if self.limit is not None and self.spent + self.reserved + worst > self.limit:
                self.stopped = True
                return False
            self.reserved += worst
            return True

    def settle(self, worst: float, actual: float | None) -> None:
        with self._lock:
            self.reserved = max(0.0, self.reserved - worst)
            # an unknown price (no budget then) counts as the estimate
            self.spent += worst if actual is None else actual

    def add(self, actual: float | None) -> None:
        """Spending that was not reserved (batch results applied in a later run)."""
        with self._lock:
            self.spent += actual or 0.0
