"""`kbsync status` lines about Claude: usage and cost, fallbacks, batches, out-of-date prompts.

Contract: ``claude_lines(cfg, store, now)`` returns no line at all for a store
Claude never touched (the offline status stays as it was), else a few lines
a person can scan. Costs are estimates from list prices (``usage.PRICES``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..config import Config
from ..store import Store
from ..store import claude as db
from .prompts import prompt_version


def _money(value: float) -> str:
    return f"${value:,.4f}" if value < 1 else f"${value:,.2f}"


def claude_lines(cfg: Config, store: Store, now: datetime) -> list[str]:
    lines = []
    last = db.last_usage_at(store)
    if last is not None:
        run = db.usage_total(store, at=last)
        month = db.usage_total(store, since=now - timedelta(days=30))
        cost = _money(run.cost_usd) + (" (some usage has no known price)" if run.unpriced else "")
        lines.append(f"claude: last run {last:%Y-%m-%d %H:%M} UTC: {run.requests} requests | tokens: "
                     f"{run.input_tokens:,} input, {run.cache_read_tokens:,} cache read, "
                     f"{run.cache_write_tokens:,} cache write, {run.output_tokens:,} output | ~{cost}")
        lines.append(f"claude: last 30 days: {month.runs} runs, {month.requests} requests, ~{_money(month.cost_usd)}")
    waiting = []
    fallbacks = db.fallback_count(store)
    if fallbacks:
        waiting.append(f"{fallbacks} fallback scores (Claude tries them again)")
    for batch in db.open_batches(store):
        waiting.append(f"a Message Batch of {batch.requests} ({batch.batch_id or 'being submitted'}: "
                       f"{batch.status or batch.state})")
    stale = db.stale_prompt_ids(store, cfg.scoring.model, prompt_version(cfg.scoring))
    if stale:
        waiting.append(f"{len(stale)} scores from another model or prompt (kbsync sync --rescore=prompt)")
    if waiting:
        lines.append("claude: " + " | ".join(waiting))
    return lines
