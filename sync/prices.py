"""What each Claude model costs: the price table the budget and the config check use.

Contract: ``price_for(model, override)`` is (input, output, cache read) USD
per million tokens: the configured override, else the longest model-id
prefix in ``PRICES`` (dated ids and ``-latest`` aliases share it), else None;
``LONG_PROMPT`` holds the bands priced higher above a prompt length. It lives
at the bottom of the package because ``config`` refuses a budget for a model
with no known price, and the scorer (``scoring.usage``) counts with it.

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
CACHE_READ = 0.10          # for a configured price_per_mtok


def price_for(model: str, override: tuple[float, float] | None = None) -> tuple[float, float, float] | None:
    """(input, output, cache read) USD per million tokens: the override, else the longest matching prefix."""
    if override is not None:
        return (float(override[0]), float(override[1]), float(override[0]) * CACHE_READ)
    for prefix in sorted(PRICES, key=len, reverse=True):
        # dated ids ("claude-sonnet-4-5-20250929") and "-latest" aliases share the prefix
        if model == prefix or model.startswith(prefix + "-"):
            return PRICES[prefix]
    return None
