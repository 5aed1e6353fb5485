"""Benchmark: Claude scoring's requests, tokens and cost per article, and its throughput.

Prints (does not assert):

1. A full ``kbsync sync`` of the example feeds (config.toml's feeds) with
   Claude on, against the local fake API (tests/fake_anthropic.py, the real
   ``anthropic`` client through ANTHROPIC_BASE_URL): requests and tokens per
   article (uncached input, cache read, cache write, output), the trend
   naming requests, and the estimated cost per 100 articles with the default
   model, at Messages and at Message Batches prices, thinking tokens counted
   (billed as output). It runs at the default effort (``low``, up-front
   thinking off where the model allows it) and at effort ``high`` with
   adaptive thinking (what the API does when a request says nothing), and
   for Opus 5.5 (which cannot turn thinking off) at ``low``. Token counts are
   the fake's estimates (about 4 ASCII characters or 1 other character per
   token; tests/fake_anthropic_tokens.py); thinking tokens per answer are the
   fake's per-effort figures (tests/fake_anthropic_models.py,
   THINKING_BY_EFFORT: an assumption, no published number); the answers are
   realistic in length (a summary, key points and "why it matters" drawn
   from each article).
2. Throughput with a fake that takes 1 s per answer: 1,000 articles with the
   configured concurrency, then a sequential peer (one call at a time).
   Batches are not used here (batch_threshold is set above 1,000): a batch
   answers in minutes to hours, so it is a cost path, not a speed path.

    .venv/bin/python bench/bench_claude.py [--articles 1000] [--sequential 1000] [--skip-throughput]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sync.config import load_config  # noqa: E402
from sync.models import Article  # noqa: E402
from sync.pipeline import run_sync  # noqa: E402
from sync.scoring import heuristic_for  # noqa: E402
from sync.scoring.claude import ClaudeScorer  # noqa: E402
from sync.scoring.session import ClaudeSession, make_client  # noqa: E402
from sync.scoring.usage import Usage, cost, price_for  # noqa: E402
from tests.claude_fixtures import answer_from_article, digest_answer  # noqa: E402
from tests.fake_anthropic import Answer, FakeAnthropic, Recorded  # noqa: E402


def script(request: Recorded) -> Answer:
    return digest_answer(request) or answer_from_article(request)


SETTINGS = (("claude-sonnet-5-5", "low", "off", "default"),
            ("claude-sonnet-5-5", "high", "adaptive", "the API's default: effort high, adaptive thinking"),
            ("claude-opus-5-5", "low", "off", "Opus 5.5 at effort low (it cannot turn thinking off)"))


def example_run(model: str | None = None, effort: str | None = None, thinking: str | None = None,
                label: str = "default") -> None:
    tmp = Path(tempfile.mkdtemp(prefix="kbsync-bench-claude-"))
    try:
        text = (ROOT / "config.toml").read_text("utf-8").replace('"examples/', f'"{ROOT}/examples/')
        (tmp / "config.toml").write_text(text, "utf-8")
        cfg = load_config(tmp / "config.toml")
        claude = cfg.scoring.claude
        claude = replace(claude, effort=effort or claude.effort, thinking=thinking or claude.thinking)
        cfg = replace(cfg, scoring=replace(cfg.scoring, model=model or cfg.scoring.model, claude=claude))
        model = cfg.scoring.model
        with FakeAnthropic(default=script) as fake:
            env = {"ANTHROPIC_API_KEY": fake.api_key, "ANTHROPIC_BASE_URL": fake.url}
            start = time.perf_counter()
            result = run_sync(cfg, env=env)
            seconds = time.perf_counter() - start
            again_before = len(fake.requests)
            run_sync(cfg, env=env)
            again = len(fake.requests) - again_before
        n = result.scored
        usage = {k: Usage(**{f: v for f, v in u.items() if f != "cost_usd"})
                 for k, u in result.usage.items() if isinstance(u, dict)}
        m = usage.get("messages", Usage())
        t = usage.get("trends", Usage()) + usage.get("digests", Usage())
        price = price_for(model)
        print(f"[{label}] {model}, effort {claude.effort}, thinking {claude.thinking}: {n} articles scored "
              f"in {seconds:.1f} s (fake API, no delay); a second sync sent {again} requests")
        print(f"  requests per article: {m.requests / n:.2f}")
        print(f"  tokens per article: {m.input_tokens / n:,.0f} input (uncached), {m.cache_read_tokens / n:,.0f} "
              f"cache read, {m.cache_write_tokens / n:,.0f} cache write, {m.output_tokens / n:,.0f} output "
              f"of which {m.thinking_tokens / n:,.0f} thinking")
        print(f"  whole run: {m.requests} requests, {m.input_tokens:,} input, {m.cache_read_tokens:,} cache read, "
              f"{m.cache_write_tokens:,} cache write, {m.output_tokens:,} output ({m.thinking_tokens:,} thinking)")
        print(f"  digests (weekly themes, daily overviews, trend names): {t.requests} requests, {t.total_input:,} input, {t.output_tokens:,} output "
              f"({t.thinking_tokens:,} thinking) tokens")
        per100 = cost(m, model) * 100 / n  # type: ignore[operator]
        per100_batch = cost(m, model, batch=True) * 100 / n  # type: ignore[operator]
        thinking_share = cost(Usage(output_tokens=m.thinking_tokens), model) * 100 / n  # type: ignore[operator]
        print(f"  estimated cost per 100 articles (${price[0]:g} in / ${price[1]:g} out / "  # type: ignore[index]
              f"${price[2]:g} cache read per MTok, cache write 1.25x input): ${per100:.4f} (Messages; "  # type: ignore[index]
              f"${thinking_share:.4f} of it thinking), ${per100_batch:.4f} (Message Batches, half price)")
        print(f"  digests for the whole run: ${cost(t, model):.4f}")  # type: ignore[str-format]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def synthetic(n: int) -> list[Article]:
    t0 = datetime(2026, 2, 7, tzinfo=timezone.utc)
    return [Article(kb_id=f"kb-{i:016x}", url=f"https://bench.example/{i}", title=f"Agents and inference, part {i}",
                    source="Bench", published=t0 - timedelta(minutes=i), sources=("Bench",),
                    content="Agents, LLM training and KV cache inference results with numbers. " * 30,
                    summary="A bench article.") for i in range(n)]


def throughput(n: int, sequential: int) -> None:
    cfg = load_config(ROOT / "config.toml")
    articles = synthetic(n)
    with FakeAnthropic(default=lambda r: replace(answer_from_article(r), delay=1.0)) as fake:
        env = {"ANTHROPIC_API_KEY": fake.api_key, "ANTHROPIC_BASE_URL": fake.url}
        for label, concurrency, count in (("configured", cfg.scoring.claude.concurrency, n),
                                          ("sequential peer", 1, sequential)):
            if count <= 0:
                continue
            scoring = replace(cfg.scoring, claude=replace(cfg.scoring.claude, concurrency=concurrency))
            session = ClaudeSession(scoring, make_client(scoring, env))
            scorer = ClaudeScorer(scoring, session, heuristic_for(cfg))
            start = time.perf_counter()
            run = scorer.run(articles[:count])
            seconds = time.perf_counter() - start
            ok = sum(1 for s in run.scores if s.backend == "claude")
            print(f"throughput, {label} (concurrency {concurrency}): {count} articles in {seconds:.1f} s "
                  f"= {count / seconds:.2f} articles/s ({ok} scored by Claude; fake answers in 1 s)")
        print(f"  peak requests in flight at the fake: {fake.peak_in_flight}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--sequential", type=int, default=1000)
    parser.add_argument("--skip-throughput", action="store_true")
    args = parser.parse_args()
    for model, effort, thinking, label in SETTINGS:
        example_run(model, effort, thinking, label)
    if not args.skip_throughput:
        throughput(args.articles, args.sequential)


if __name__ == "__main__":
    main()
