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

Prices: USD per million tokens, (input, output, cache read); cache writes
(5-minute TTL) cost 1.25x the input price, the Message Batches API half of
every price. Where each row comes from (stored docs, read 2026-12-05):

* [P] platform.claude.com/docs/en/about-claude/pricing, the model table:
  Fable/Mythos 5.1 $10/$50/$0.25; Fable/Mythos 5 $10/$50/$1; Opus 5 and
  Opus 4.5-4.8 $5/$25/$0.50; Opus 4/4.1 $15/$75/$1.50.
* [M] the model overview pages (.../models/<model>/overview): Sonnet 5.5
  $2/$10, cache read $0.20; Sonnet 5 $2/$10/$0.20; Haiku 5.5 $0.10/$0.50,
  cache read $0.01 for prompts up to 100,000 tokens and $0.50/$2.50/$0.05
  above; Opus 5.5 $4/$20 (whats-new-opus-5-5).
* Sonnet 5.5's cache read: the model page says $0.20, while release notes
  that quote the pricing page after 2026-10-07 (kurofune/claudit v1.9.2,
  TheKrush/PromptFuel v1.0.23, the synaps crate's pricing docs: 0.05x input)
  say $0.10. The sources disagree, so the budget takes the higher, $0.20.
  Opus 5.5's cache read is $0.20 in both (0.05x of $4).
* Fable 5.2 and Mythos 5.2 ($8/$40/$0.20): no stored Anthropic page lists
  them; two third-party release notes that say they copied the pricing page
  (phuryn/claude-usage v1.5.7, "checked 2026-12-01"; archid21/rightsize
  v0.10.2) agree on these figures.
* Sonnet 4.x $3/$15/$0.30, Haiku 4.5 $1/$5/$0.10, Haiku 3.x: [P] as read
  2026-11-30 by the previous version of this table.
* ``claude-mythos-preview`` (in the SDK's model list) has no price in any
  stored source: it is not in the table, so a budget with it is refused in
  one line unless ``price_per_mtok`` is set (``config.py``).
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass
from typing import Any

# model id prefix -> (input, output, cache read) USD per million tokens; sources in the module docstring
PRICES: dict[str, tuple[float, float, float]] = {
    "claude-fable-5-2": (8.00, 40.00, 0.20),      # third-party copies of the pricing page (see above)
    "claude-mythos-5-2": (8.00, 40.00, 0.20),     # idem
    "claude-fable-5-1": (10.00, 50.00, 0.25),     # [P]
    "claude-fable-5": (10.00, 50.00, 1.00),       # [P]
    "claude-mythos-5-1": (10.00, 50.00, 0.25),    # [P]
    "claude-mythos-5": (10.00, 50.00, 1.00),      # [P]
    "claude-opus-5-5": (4.00, 20.00, 0.20),       # [M]; cache read 0.05x input in both sources
    "claude-opus-5": (5.00, 25.00, 0.50),         # [P]
    "claude-opus-4-8": (5.00, 25.00, 0.50),       # [P]
    "claude-opus-4-7": (5.00, 25.00, 0.50),       # [P]
    "claude-opus-4-6": (5.00, 25.00, 0.50),       # [P]
    "claude-opus-4-5": (5.00, 25.00, 0.50),       # [P]
    "claude-opus-4-1": (15.00, 75.00, 1.50),      # [P]
    "claude-opus-4": (15.00, 75.00, 1.50),        # [P]
    "claude-sonnet-5-5": (2.00, 10.00, 0.20),     # [M]; cache read $0.20 vs $0.10: the higher, for the budget
    "claude-sonnet-5": (2.00, 10.00, 0.20),       # [M]
    "claude-sonnet-4-6": (3.00, 15.00, 0.30),     # [P]
    "claude-sonnet-4-5": (3.00, 15.00, 0.30),     # [P]
    "claude-sonnet-4": (3.00, 15.00, 0.30),       # [P]
    "claude-haiku-5-5": (0.10, 0.50, 0.01),       # [M], prompts up to 100K tokens (LONG_PROMPT below)
    "claude-haiku-4-5": (1.00, 5.00, 0.10),       # [P]
    "claude-3-5-haiku": (0.80, 4.00, 0.08),       # [P]
    "claude-3-haiku": (0.25, 1.25, 0.03),         # [P]
}
# prompt-length bands: (threshold in input tokens, prices above it) [M, Haiku 5.5]
LONG_PROMPT: dict[str, tuple[int, tuple[float, float, float]]] = {
    "claude-haiku-5-5": (100_000, (0.50, 2.50, 0.05)),
}
CACHE_WRITE = 1.25
CACHE_READ = 0.10          # for a configured price_per_mtok
BATCH_DISCOUNT = 0.50
MILLION = 1_000_000


def price_for(model: str, override: tuple[float, float] | None = None) -> tuple[float, float, float] | None:
    """(input, output, cache read) USD per million tokens: the override, else the longest matching prefix."""
    if override is not None:
        return (float(override[0]), float(override[1]), float(override[0]) * CACHE_READ)
    for prefix in sorted(PRICES, key=len, reverse=True):
        # dated ids ("claude-sonnet-4-5-20250929") and "-latest" aliases share the prefix
        if model == prefix or model.startswith(prefix + "-"):
            return PRICES[prefix]
    return None


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
