"""The offline scorer: deterministic, explainable, no network.

Score (0-100) = base 38
  + interests   up to 30  (12 per configured interest in the title, 6 per one only in the text)
  + source      up to 15  (the feed's weight: 1.0 -> 10)
  + coverage    up to 16  (8 per extra source that carried the same story)
  + recency     up to 10  (linear decay over 14 days before the batch's newest article)
  + depth       up to 15  (log of the length in reading units, full at 600; Chinese counts fairly)
Recency is measured against the newest article of the batch being scored,
not the wall clock, so the same input always gives the same score.

Category: the configured category whose keyword rules hit most (a title hit
counts double; ties go to the category listed first), else ``Other``.
Tags: the feed's own categories, then the interests that matched, cleaned to
Obsidian's tag rules. Summary and key points: ``extract.py`` (the first real
sentence of prose; then distinct sentences that add to it, at most five).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from functools import cached_property

from ..config import ScoringConfig
from ..models import Article, Score
from ..parallel import map_maybe_parallel
from ..tags import clean_tags
from ..text import plain_text, reading_units
from . import extract

PARALLEL_MIN = 2000   # articles; below this, worker start-up costs more than it saves
CHUNK = 500
SUMMARY_CHARS = 220
POINT_CHARS = 200
MAX_POINTS = 5


def tier_for(score: int, cfg: ScoringConfig) -> str:
    if score >= cfg.must_read:
        return "must-read"
    if score >= cfg.worth_reading:
        return "worth-reading"
    return "skim"


_TOKEN = re.compile(r"[a-z0-9]+")


class TermMatcher:
    """Which of many terms occur in a text, without one regex pass per term.

    A Latin term matches whole words (``agents`` is not found in
    ``subagents``; ``multi-agent`` also matches ``multi agent``): the text is
    tokenised once and the term's word sequence looked up among its n-grams.
    A term with other scripts (Chinese has no word breaks) matches as a
    substring. Matching is case-insensitive (inputs are casefolded).
    """

    def __init__(self, terms: Sequence[str]):
        self.terms = list(dict.fromkeys(terms))
        self._words: dict[str, tuple[str, ...]] = {}
        self._substrings: dict[str, str] = {}
        for term in self.terms:
            folded = term.casefold()
            if folded.isascii():
                self._words[term] = tuple(_TOKEN.findall(folded))
            else:
                self._substrings[term] = folded

    def found(self, text: str) -> set[str]:
        """The terms present in ``text`` (already casefolded)."""
        hits = {t for t, sub in self._substrings.items() if sub in text}
        if self._words:
            tokens = _TOKEN.findall(text)
            present = set(tokens)
            joined = None
            for term, words in self._words.items():
                if not words or not all(w in present for w in words):
                    continue
                if len(words) > 1:
                    # every word is there; check they stand together, in order
                    joined = joined if joined is not None else f" {' '.join(tokens)} "
                    if f" {' '.join(words)} " not in joined:
                        continue
                hits.add(term)
        return hits


def _score_chunk(job: tuple[HeuristicScorer, datetime, Sequence[Article]]) -> list[Score]:
    scorer, as_of, articles = job
    return [scorer.score_one(a, as_of) for a in articles]


class HeuristicScorer:
    name = "heuristic"

    def __init__(self, cfg: ScoringConfig, source_weights: Mapping[str, float] | None = None):
        self.cfg = cfg
        self.source_weights = dict(source_weights or {})

    @cached_property
    def _interests(self) -> TermMatcher:
        return TermMatcher(self.cfg.interests)

    @cached_property
    def _rules(self) -> tuple[TermMatcher, list[tuple[str, tuple[str, ...]]]]:
        rules = dict(self.cfg.category_keywords)
        # keep the configured order: it breaks ties
        ordered = [c for c in self.cfg.categories if c in rules] + [c for c in rules if c not in self.cfg.categories]
        keywords = [w for c in ordered for w in rules[c]]
        return TermMatcher(keywords), [(c, rules[c]) for c in ordered]

    def score(self, articles: Sequence[Article]) -> list[Score]:
        if not articles:
            return []
        as_of = max(a.published for a in articles)
        # a big batch (a first sync) is scored on every core, in order-keeping chunks
        chunks = [(self, as_of, articles[i:i + CHUNK]) for i in range(0, len(articles), CHUNK)]
        parts = map_maybe_parallel(_score_chunk, chunks, parallel=len(articles) >= PARALLEL_MIN)
        return [score for part in parts for score in part]

    def score_one(self, article: Article, as_of: datetime) -> Score:
        title = article.title.casefold()
        body_text = plain_text(article.content) or article.summary
        body = (article.summary + " " + body_text).casefold()

        title_hits = self._interests.found(title)
        body_hits = self._interests.found(body)
        matched = [t for t in self._interests.terms if t in title_hits or t in body_hits]
        in_title = len(title_hits)
        interests = min(30, 12 * in_title + 6 * (len(matched) - in_title))
        weight = self.source_weights.get(article.source, 1.0)
        source = min(15.0, 10.0 * weight)
        coverage = min(16, 8 * max(0, len(article.sources) - 1))
        age_days = max(0.0, (as_of - article.published) / timedelta(days=1))
        recency = 10.0 * max(0.0, 1.0 - age_days / 14.0)
        units = reading_units(body_text or article.title)
        depth = min(15.0, 15.0 * math.log1p(units) / math.log1p(600))
        total = int(round(38 + interests + source + coverage + recency + depth))
        total = max(0, min(100, total))

        summary = extract.summary(article.summary, article.content, article.title, SUMMARY_CHARS)
        return Score(
            kb_id=article.kb_id, content_hash=article.content_hash, backend=self.name,
            score=total, tier=tier_for(total, self.cfg), category=self._category(title, body),
            tags=clean_tags([*article.categories, *matched], limit=self.cfg.max_tags),
            summary=summary, key_points=extract.key_points(article.content, summary, article.title,
                                                           limit=MAX_POINTS, chars=POINT_CHARS))

    def _category(self, title: str, body: str) -> str:
        matcher, rules = self._rules
        in_title, in_body = matcher.found(title), matcher.found(body)
        best, best_hits = "Other", 0
        for category, words in rules:
            hits = sum(2 * (w in in_title) + (w in in_body) for w in words)
            if hits > best_hits:
                best, best_hits = category, hits
        return best


