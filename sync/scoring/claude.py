"""The Claude scorer: one Messages API request per article, validated, with a fallback.

Contract: ``ClaudeScorer.run(articles)`` returns a :class:`ScoreRun`:

* ``scores``: one ``Score`` per article it got to, in input order; either
  Claude's assessment (``backend == "claude"``, with ``model`` and
  ``prompt_version``; the tier computed from the configured thresholds, the
  model is never trusted with one) or, when Claude failed for that article
  (API error after the retries, an answer still invalid after one retry with
  the validation errors, a refusal), the fallback scorer's score for it,
  marked ``fallback=True`` with ``backend = "<fallback> (claude failed:
  <reason>)"`` so the note says why;
* ``waiting``: the kb_ids not sent because the run's budget ran out. They get
  no score at all (see ``run.py`` for why) and wait for the next run.

``score(articles)`` is the plain Scorer protocol: ``run(articles).scores``.
Tags come back cleaned but not yet through the vocabulary: that needs the
store's admitted tags and is done by ``run.py`` for every source of scores.

Why one request per article (when the backlog is small; ``batches.py`` takes
big ones): a bad answer costs one article, each answer is small so
``max_tokens`` is rarely a risk, and ``concurrency`` requests in flight give
the throughput. The first request is sent alone: it writes the prompt cache
that every later request then reads (sent together, each would pay for its
own cache write).
"""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ..config import ScoringConfig
from ..models import Article, Score
from . import Scorer
from .answers import Assessment, assessment_of
from .heuristic import tier_for
from .prompts import build_request
from .session import WAIT, ClaudeSession, Failed

log = logging.getLogger("kbsync.scoring")


@dataclass
class ScoreRun:
    scores: list[Score] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)


def to_score(article: Article, assessment: Assessment, cfg: ScoringConfig, *, version: str,
             model: str | None = None) -> Score:
    """An assessment as the store's ``Score``; the tier comes from the thresholds.

    ``model``/``version``: what the answer was asked with (a batch's, when it
    was submitted under another model or prompt than the current ones).
    """
    return Score(kb_id=article.kb_id, content_hash=article.content_hash, backend="claude",
                 score=assessment.score, tier=tier_for(assessment.score, cfg), category=assessment.category,
                 tags=assessment.tags, summary=assessment.summary, key_points=assessment.key_points,
                 model=model or cfg.model, prompt_version=version, why_it_matters=assessment.why_it_matters)


def fallback_score(score: Score, reason: str) -> Score:
    """The fallback's score, marked, and labelled with why Claude's is missing."""
    return dataclasses.replace(score, backend=f"{score.backend} (claude failed: {reason})", fallback=True)


def assemble(articles: Sequence[Article], outcomes: Sequence[Any], cfg: ScoringConfig, version: str,
             fallback: Scorer, *, model: str | None = None) -> ScoreRun:
    """Scores from per-article outcomes (Assessment | Failed | WAIT), falling back where Claude failed."""
    run = ScoreRun()
    failed = {i: o.reason for i, o in enumerate(outcomes) if isinstance(o, Failed)}
    backup: dict[int, Score] = {}
    if failed:
        # the heuristic's recency is relative to the batch's newest article, so
        # score the whole batch: a lone article would always look brand new
        scored = fallback.score(list(articles))
        backup = {i: fallback_score(scored[i], reason) for i, reason in failed.items()}
        run.failures.update(failed.values())
    for i, (article, outcome) in enumerate(zip(articles, outcomes)):
        if outcome is WAIT:
            run.waiting.append(article.kb_id)
        elif i in backup:
            run.scores.append(backup[i])
        else:
            run.scores.append(to_score(article, outcome, cfg, version=version, model=model))
    return run


class ClaudeScorer:
    """Scores with Claude through a session, falling back per article (see the module docstring)."""

    name = "claude"

    def __init__(self, cfg: ScoringConfig, session: ClaudeSession, fallback: Scorer):
        self.cfg, self.session, self.fallback = cfg, session, fallback
        self.concurrency = max(1, cfg.claude.concurrency)

    def __repr__(self) -> str:
        return f"ClaudeScorer({self.session!r})"

    def assess(self, article: Article) -> Assessment | Failed | Any:
        """Claude's validated assessment of one article, a Failed with the reason, or WAIT."""
        return self.session.ask(build_request(article, self.cfg), lambda m: assessment_of(m, self.cfg))

    def run(self, articles: Sequence[Article]) -> ScoreRun:
        if not articles:
            return ScoreRun()
        # the first request alone writes the prompt cache; the rest read it
        outcomes = [self.assess(articles[0])]
        rest = list(articles[1:])
        if rest:
            with ThreadPoolExecutor(max_workers=min(self.concurrency, len(rest)),
                                    thread_name_prefix="kbsync-claude") as pool:
                outcomes += list(pool.map(self.assess, rest))
        run = assemble(articles, outcomes, self.cfg, self.session.version, self.fallback)
        log.info("claude scored %d of %d articles; %d fell back to %s; %d wait for the budget",
                 len(articles) - sum(run.failures.values()) - len(run.waiting), len(articles),
                 sum(run.failures.values()), self.fallback.name, len(run.waiting))
        return run

    def score(self, articles: Sequence[Article]) -> list[Score]:
        return self.run(articles).scores
