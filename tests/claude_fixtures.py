"""Shared helpers of the tests/test_claude_*.py files: articles, answers, clients, virtual time.

Retry waits run on :class:`FakeTime`: the session's sleep advances a
virtual clock and records the wait instead of sleeping, so a test asserts
that a ``retry-after`` was honoured without waiting for it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import anthropic

from sync.config import ClaudeConfig, ScoringConfig
from sync.models import Article
from sync.scoring.heuristic import HeuristicScorer
from sync.scoring.prompts import CLOSE_MARK, OPEN_MARK
from sync.scoring.session import ClaudeSession
from tests.fake_anthropic import Answer, FakeAnthropic, Recorded

CFG = ScoringConfig(model="claude-sonnet-5-5", must_read=85, worth_reading=70,
                    categories=("AI/Tech", "Research"), interests=("LLM training", "agents"), max_tags=4,
                    claude=ClaudeConfig(concurrency=4, max_retries=3, max_retry_wait=30.0))
T0 = datetime(2026, 2, 7, 12, 0, tzinfo=timezone.utc)
ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
ENV_NAMES = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL", "ANTHROPIC_PROFILE",
             "ANTHROPIC_CUSTOM_HEADERS", "ANTHROPIC_CONFIG_DIR", "ANTHROPIC_LOG")


class FakeTime:
    """A clock that only sleeping moves; every wait is recorded (thread-safe)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(round(seconds, 6))
            self.now += seconds

    def clock(self) -> float:
        with self._lock:
            return self.now


def article(n: int = 1, *, title: str | None = None, content: str | None = None, **kw: Any) -> Article:
    return Article(kb_id=f"kb-{n:016x}", url=f"https://example.com/{n}", title=title or f"Article {n:02d}",
                   source="Example", published=T0 - timedelta(hours=n), sources=("Example",),
                   content=content if content is not None else f"Agents and LLM training, part {n}. " * 20,
                   summary=f"Summary of article {n}.", **kw)


def good(score: int = 80, **extra: object) -> dict[str, object]:
    return {"score": score, "category": "Research", "tags": ["LLM training", "agents"],
            "summary": "A one-line summary.", "key_points": ["First fact.", "Second fact."],
            "why_it_matters": "It changes how agents are trained.", **extra}


def data_block(request: Recorded) -> dict[str, Any]:
    """The article JSON between the markers of a recorded request (its first user turn)."""
    messages = request.body["messages"]
    text = messages[0]["content"] if isinstance(messages[0]["content"], str) else messages[0]["content"][0]["text"]
    start = text.index(OPEN_MARK) + len(OPEN_MARK)
    return json.loads(text[start:text.index(CLOSE_MARK)])


def client_for(fake: FakeAnthropic, *, api_key: str | None = None, timeout: float = 10.0) -> anthropic.Anthropic:
    return anthropic.Anthropic(api_key=api_key or fake.api_key, base_url=fake.url, max_retries=0, timeout=timeout)


def session_for(fake: FakeAnthropic | None, cfg: ScoringConfig = CFG, *, api_key: str | None = None,
                time: FakeTime | None = None, timeout: float = 10.0, **claude: Any) -> ClaudeSession:
    if claude:
        cfg = replace(cfg, claude=replace(cfg.claude, **claude))
    time = time or FakeTime()
    client = client_for(fake, api_key=api_key, timeout=timeout) if fake is not None else None
    return ClaudeSession(cfg, client, sleep=time.sleep, clock=time.clock)


def heuristic(cfg: ScoringConfig = CFG) -> HeuristicScorer:
    return HeuristicScorer(cfg)


def heuristic_backend(reason: str) -> str:
    return f"heuristic (claude failed: {reason})"


def answer_from_article(request: Recorded) -> Answer:
    """A realistic answer for the article in the request: the heuristic's reading of it, as Claude's."""
    data = data_block(request)
    first = str(data["content"]).split(". ")
    return Answer({"score": 60 + len(str(data["title"])) % 40, "category": "AI/Tech",
                   "tags": ["LLM training", "agents", str(data["source"])],
                   "summary": first[0][:200] or str(data["title"]),
                   "key_points": [p[:150] for p in first[1:4] if p.strip()],
                   "why_it_matters": f"Relevant to the reader's interest in {data['title']}"[:200]})


def env_for(fake: FakeAnthropic, key: str | None = None) -> Mapping[str, str]:
    return {"ANTHROPIC_API_KEY": key or fake.api_key, "ANTHROPIC_BASE_URL": fake.url}


def digest_answer(request: Recorded) -> Answer | None:
    """Answers for the digest requests (weekly themes, daily overview, trend names); None for others."""
    import re

    text = request.user_text
    if "<week_articles>" in text:
        ids = re.findall(r'"id": "(a\d+)"', text)
        # three themes over the first ids, each article in one theme
        themes = [{"name": f"Theme {k + 1}", "analysis": f"What theme {k + 1} shows this week.",
                   "articles": ids[k::3]} for k in range(3)]
        return Answer({"themes": themes})
    if "<day_articles>" in text:
        title = re.search(r'"title": "([^"]*)"', text)
        return Answer({"overview": f"The biggest story is {title.group(1) if title else 'quiet'}."})
    if "<trend_groups>" in text:
        ids = re.findall(r'"id": "(g\d+)"', text)
        return Answer({"trends": [{"id": i, "name": f"Claude Trend {i}", "description": f"What group {i} shows."}
                                  for i in ids]})
    return None
