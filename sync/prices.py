"""What each Claude model costs: the price table the budget and the config check use.

Contract: ``price_for(model, override)`` is (input, output, cache read) USD
per million tokens: the configured override, else the longest model-id
prefix in ``PRICES`` (dated ids and ``-latest`` aliases share it), else None.
It lives at the bottom of the package because ``config`` refuses a budget for
a model with no known price, and the scorer (``scoring.usage``) counts with it.

Prices are Anthropic's published list prices (USD per million tokens) from
the pricing page and the model pages at platform.claude.com/docs (read
2026-11-30): cache reads a per-model rate (0.1x the input price for most
models, 0.05x for Sonnet 5.5 and Opus 5.5). Haiku 5.5's rates are its
prompt-up-to-100K-tokens band (a scoring prompt is a few thousand tokens).
"""

from __future__ import annotations

# model id prefix -> (input, output, cache read) USD per million tokens
PRICES: dict[str, tuple[float, float, float]] = {
    "claude-fable-5-1": (10.00, 50.00, 0.25),
    "claude-fable-5": (10.00, 50.00, 1.00),
    "claude-mythos-5-1": (10.00, 50.00, 0.25),
    "claude-mythos-5": (10.00, 50.00, 1.00),
    "claude-opus-5-5": (4.00, 20.00, 0.20),
    "claude-opus-5": (5.00, 25.00, 0.50),
    "claude-opus-4-8": (5.00, 25.00, 0.50),
    "claude-opus-4-7": (5.00, 25.00, 0.50),
    "claude-opus-4-6": (5.00, 25.00, 0.50),
    "claude-opus-4-5": (5.00, 25.00, 0.50),
    "claude-opus-4-1": (15.00, 75.00, 1.50),
    "claude-opus-4": (15.00, 75.00, 1.50),
    "claude-sonnet-5-5": (2.00, 10.00, 0.10),
    "claude-sonnet-5": (2.00, 10.00, 0.20),
    "claude-sonnet-4-6": (3.00, 15.00, 0.30),
    "claude-sonnet-4-5": (3.00, 15.00, 0.30),
    "claude-sonnet-4": (3.00, 15.00, 0.30),
    "claude-haiku-5-5": (0.10, 0.50, 0.01),
    "claude-haiku-4-5": (1.00, 5.00, 0.10),
    "claude-3-5-haiku": (0.80, 4.00, 0.08),
    "claude-3-haiku": (0.25, 1.25, 0.03),
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
