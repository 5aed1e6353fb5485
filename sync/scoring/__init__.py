"""Scoring: the Scorer protocol, the choice of backend, and what needs scoring.

Contract: a scorer turns articles into ``Score``s, one per article, each
stamped with the article's ``content_hash``. An article is scored once per
content hash: ``needs_scoring`` is the pure decision, ``--rescore`` overrides it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from ..config import Config
from ..models import Article, Score


class Scorer(Protocol):
    name: str

    def score(self, articles: Sequence[Article]) -> list[Score]: ...


def needs_scoring(articles: Iterable[Article], scores: Mapping[str, Score], *, rescore: bool = False) -> list[Article]:
    """Articles without a score for their current content hash (all of them with rescore)."""
    return [a for a in articles
            if rescore or (s := scores.get(a.kb_id)) is None or s.content_hash != a.content_hash]


def backend_name(cfg: Config, env: Mapping[str, str]) -> str:
    """auto = claude when ANTHROPIC_API_KEY is set, else the offline heuristic."""
    if cfg.scoring.backend == "auto":
        return "claude" if env.get("ANTHROPIC_API_KEY") else "heuristic"
    return cfg.scoring.backend


def make_scorer(cfg: Config, env: Mapping[str, str]) -> Scorer:
    from .heuristic import HeuristicScorer

    weights = {f.name: f.weight for f in cfg.feeds}
    heuristic = HeuristicScorer(cfg.scoring, weights)
    if backend_name(cfg, env) == "claude":
        from .claude import ClaudeScorer

        return ClaudeScorer(cfg.scoring, api_key=env.get("ANTHROPIC_API_KEY", ""),
                            base_url=env.get("ANTHROPIC_BASE_URL"), fallback=heuristic)
    return heuristic
