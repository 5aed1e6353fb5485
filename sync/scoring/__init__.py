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


def heuristic_for(cfg: Config, store=None, articles: Iterable[Article] = ()) -> Scorer:
    """The offline scorer of ``articles``, alone or as Claude's fallback: both write the same
    note. With the ``store`` it keys the weights of feeds named by their own title by that
    name, follows the reader's category corrections and knows what each source of
    ``articles`` repeats in every post (``repeats``)."""
    from .heuristic import HeuristicScorer
    from .learned import CategoryLearner
    from .repeats import for_sources

    if store is None:
        return HeuristicScorer(cfg.scoring, {f.name: f.weight for f in cfg.feeds})
    names = {url: s.name for url, s in store.feed_states().items()}
    return HeuristicScorer(cfg.scoring, {names.get(f.url, f.name): f.weight for f in cfg.feeds},
                           learner=CategoryLearner.from_store(store),
                           repeats=for_sources(store, {a.source for a in articles}))
