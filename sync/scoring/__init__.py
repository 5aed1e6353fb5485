"""Scoring: the Scorer protocol, the choice of backend, and what needs scoring.

Contract: a scorer turns articles into ``Score``s, one per article, each
stamped with the article's ``content_hash``. An article is scored once per
content hash: ``needs_scoring`` is the pure decision, ``--rescore`` overrides
it (``rescore="prompt"``: only Claude scores made by another model or prompt
version; see ``run.py``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Protocol

from ..config import Config
from ..models import Article, Score


class Scorer(Protocol):
    name: str

    def score(self, articles: Sequence[Article]) -> list[Score]: ...


def needs_scoring(articles: Iterable[Article], scores: Mapping[str, Score], *, rescore: bool | str = False,
                  retry: Collection[str] = (), current: tuple[str, str] | None = None) -> list[Article]:
    """Articles without a score for their current content hash, plus

    * every article when ``rescore`` is True or ``"all"``;
    * with ``rescore == "prompt"``, those whose Claude score came from another
      ``current`` = (model, prompt_version);
    * the kb_ids in ``retry`` (fallback scores Claude should try again).
    """
    def stale(s: Score) -> bool:
        return (rescore == "prompt" and current is not None and s.backend == "claude"
                and (s.model, s.prompt_version) != current)

    everything = rescore is True or rescore == "all"
    return [a for a in articles
            if everything or (s := scores.get(a.kb_id)) is None or s.content_hash != a.content_hash
            or a.kb_id in retry or stale(s)]


def backend_name(cfg: Config, env: Mapping[str, str]) -> str:
    """auto = claude when ANTHROPIC_API_KEY is set, else the offline heuristic."""
    if cfg.scoring.backend == "auto":
        return "claude" if env.get("ANTHROPIC_API_KEY") else "heuristic"
    return cfg.scoring.backend


def heuristic_for(cfg: Config, names: Mapping[str, str] | None = None, store=None,
                  sources: Iterable[str] = ()) -> Scorer:
    """The offline scorer. ``names`` (config url -> the feed's name as stored) keys the
    weights of feeds that are named by their own title; with a ``store``, it also follows
    the reader's category corrections and knows what each of ``sources`` (the sources of the
    articles it will score) repeats in every post (``repeats``)."""
    from .heuristic import HeuristicScorer
    from .learned import CategoryLearner
    from .repeats import for_sources

    names = names or {}
    learner = CategoryLearner.from_store(store) if store is not None else None
    repeats = for_sources(store, sources) if store is not None else None
    return HeuristicScorer(cfg.scoring, {names.get(f.url, f.name): f.weight for f in cfg.feeds}, learner=learner,
                           repeats=repeats)


def make_scorer(cfg: Config, env: Mapping[str, str]) -> Scorer:
    """The scorer for this run: Claude (with the heuristic as its fallback) or the heuristic."""
    heuristic = heuristic_for(cfg)
    if backend_name(cfg, env) == "claude":
        from .claude import ClaudeScorer
        from .session import open_session

        session = open_session(cfg, env)
        assert session is not None
        return ClaudeScorer(cfg.scoring, session, heuristic)
    return heuristic
