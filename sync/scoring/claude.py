"""The Claude scorer: one Messages API call per article, validated, with a fallback.

Contract: ``ClaudeScorer.score(articles)`` returns one ``Score`` per article,
in input order, and never raises for a problem with the API or the answer.
Each article gets either

* Claude's assessment (``backend == "claude"``), validated and repaired by
  :func:`validate_answer`, its tier computed from the configured thresholds
  (the model is never asked for, nor trusted with, a tier) and its tags passed
  through ``clean_tags``; or
* the fallback scorer's score for it, with ``backend`` set to
  ``"<fallback> (claude failed: <short reason>)"`` so the note says why.

Why one request per article rather than batches: a bad answer then costs one
article, not a batch; each answer is small, so the strict schema stays simple
and ``max_tokens`` is never a risk; and a thread pool gives the throughput.
(The Message Batches API would be cheaper but answers in minutes to hours,
which does not fit a sync pass.)

Errors: 408/409/429/5xx/529 and connection errors are retried by the
``anthropic`` client itself (``MAX_RETRIES``, honouring ``retry-after``);
what still fails falls back for that article. A 401/402/403/404 (wrong key,
billing, no access to the model, unknown model) would fail the same way for
every article, so it switches Claude off for the rest of this scorer's life
and is logged once. The API key is given to the client
and kept nowhere else; reasons and log lines never include response bodies.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import re
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import anthropic

from ..config import ScoringConfig
from ..models import Article, Score
from ..tags import clean_tags
from ..text import truncate
from . import Scorer
from .heuristic import tier_for
from .prompts import MAX_KEY_POINTS, OTHER, TOOL_NAME, build_request, category_choices

log = logging.getLogger("kbsync.scoring")

MAX_RETRIES = 3
TIMEOUT = 60.0             # seconds per attempt; an answer takes a few seconds
SUMMARY_CHARS = 300
POINT_CHARS = 200
_SPACE = re.compile(r"\s+")
_NUMBER = re.compile(r"\s*-?\d+(?:\.\d+)?\s*")


class InvalidAnswer(ValueError):
    """Claude answered, but not with something we can use. The message is the short reason."""


@dataclass(frozen=True)
class Assessment:
    """A validated answer: every field within its contract."""

    score: int
    category: str
    tags: tuple[str, ...]
    summary: str
    key_points: tuple[str, ...]


# ---------------------------------------------------------------- pure core


def _one_line(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _json_object(text: str) -> Any:
    """The JSON object in a text answer: the whole text, else its outermost ``{…}``."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    start, end = text.find("{"), text.rfind("}")
    # prose or a code fence around the JSON: safe to cut away
    if 0 <= start < end:
        try:
            return json.loads(text[start:end + 1])
        except ValueError:
            pass
    raise InvalidAnswer("answer is not JSON")


def extract_answer(message: Any) -> Any:
    """The raw answer in a Messages API reply: the tool call's input, else JSON text.

    ``message`` is the client's ``Message``; read defensively, because a
    proxy or a future API may send fewer fields than the types promise.
    """
    stop = getattr(message, "stop_reason", None)
    if stop == "max_tokens":
        raise InvalidAnswer("answer cut off (max_tokens)")
    if stop == "refusal":
        raise InvalidAnswer("model refused")
    blocks = getattr(message, "content", None) or []
    for block in blocks:
        if getattr(block, "type", None) == "tool_use" and getattr(block, "name", None) == TOOL_NAME:
            return getattr(block, "input", None)
    text = "".join(getattr(b, "text", "") or "" for b in blocks if getattr(b, "type", None) == "text")
    # no tool call: a bare JSON answer is still an answer
    if text.strip():
        return _json_object(text)
    raise InvalidAnswer("no answer in reply")


def _score(value: Any) -> int:
    if isinstance(value, bool) or value is None:
        raise InvalidAnswer("score missing" if value is None else "score is not a number")
    if isinstance(value, str) and _NUMBER.fullmatch(value):
        # "85" for 85: the same number, spelled as text
        value = float(value)
    if isinstance(value, int):
        number: float = value
    elif isinstance(value, float) and math.isfinite(value):
        number = value
    else:
        raise InvalidAnswer("score is not a number")
    if not 0 <= number <= 100:
        # clamping would guess at the scale the model had in mind: refuse instead
        raise InvalidAnswer(f"score out of range: {number:g}")
    return int(round(number))


def _category(value: Any, cfg: ScoringConfig) -> str:
    if value is None:
        return OTHER
    if not isinstance(value, str):
        raise InvalidAnswer("category is not text")
    wanted = value.strip().casefold()
    for choice in category_choices(cfg):
        if choice.casefold() == wanted:
            return choice
    # an unknown category is a wrong label, not a wrong assessment
    return OTHER


def _texts(value: Any, field: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidAnswer(f"{field} is not a list")
    return [_one_line(v) for v in value if isinstance(v, str) and v.strip()]


def validate_answer(raw: Any, cfg: ScoringConfig) -> Assessment:
    """Check and repair a raw answer, or raise :class:`InvalidAnswer`.

    Rules: ``score`` and ``summary`` are required (a number 0-100, numeric
    text and fractions accepted and rounded; non-empty text). ``category``,
    ``tags`` and ``key_points`` may be missing (``Other``, none, none). A
    field of the wrong type is refused; within a list, non-text items are
    dropped. Repairs: an unknown category becomes ``Other``, a multi-line
    summary one line, over-long text is cut, key points beyond five are
    dropped, tags go through ``clean_tags``. Any ``tier`` is ignored.
    """
    if not isinstance(raw, dict):
        raise InvalidAnswer("answer is not a JSON object")
    score = _score(raw.get("score"))
    summary = raw.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        raise InvalidAnswer("summary missing" if summary is None else "summary is empty or not text")
    points = list(dict.fromkeys(truncate(p, POINT_CHARS) for p in _texts(raw.get("key_points"), "key_points")))
    return Assessment(
        score=score,
        category=_category(raw.get("category"), cfg),
        tags=clean_tags(_texts(raw.get("tags"), "tags"), limit=cfg.max_tags),
        summary=truncate(_one_line(summary), SUMMARY_CHARS),
        key_points=tuple(points[:MAX_KEY_POINTS]),
    )


def to_score(article: Article, assessment: Assessment, cfg: ScoringConfig, backend: str = "claude") -> Score:
    """An assessment as the store's ``Score``; the tier comes from the thresholds."""
    return Score(kb_id=article.kb_id, content_hash=article.content_hash, backend=backend,
                 score=assessment.score, tier=tier_for(assessment.score, cfg),
                 category=assessment.category, tags=assessment.tags,
                 summary=assessment.summary, key_points=assessment.key_points)


def fallback_score(score: Score, reason: str) -> Score:
    """The fallback's score, labelled with why Claude's is missing."""
    return dataclasses.replace(score, backend=f"{score.backend} (claude failed: {reason})")


def error_reason(exc: Exception) -> str:
    """A short, secret-free reason for an API failure (never the response body)."""
    if isinstance(exc, anthropic.APITimeoutError):
        return "timed out"
    if isinstance(exc, anthropic.APIConnectionError):
        return "connection failed"
    if isinstance(exc, anthropic.APIStatusError):
        kinds = {400: "invalid request", 401: "authentication failed", 402: "billing problem",
                 403: "permission denied",
                 404: "not found", 413: "request too large", 429: "rate limited",
                 500: "server error", 529: "overloaded"}
        kind = kinds.get(exc.status_code, "server error" if exc.status_code >= 500 else "API error")
        return f"{kind} ({exc.status_code})"
    if isinstance(exc, anthropic.APIResponseValidationError):
        return "malformed response"
    return f"unexpected error ({type(exc).__name__})"


# wrong key, billing, no access to the model, unknown model: the same for every article
RUN_ENDING_STATUSES = frozenset({401, 402, 403, 404})


def _disables_claude(exc: Exception) -> bool:
    """Errors that would repeat identically for every article."""
    return isinstance(exc, anthropic.APIStatusError) and exc.status_code in RUN_ENDING_STATUSES


# ---------------------------------------------------------------- shell


class ClaudeScorer:
    """Scores with Claude, falling back per article (see the module docstring)."""

    name = "claude"

    def __init__(self, cfg: ScoringConfig, *, api_key: str, base_url: str | None = None,
                 fallback: Scorer, client: anthropic.Anthropic | None = None,
                 max_concurrency: int = 4):
        self.cfg = cfg
        self.fallback = fallback
        self.max_concurrency = max(1, max_concurrency)
        if client is None and api_key:
            client = anthropic.Anthropic(api_key=api_key, base_url=base_url,
                                         max_retries=MAX_RETRIES, timeout=TIMEOUT)
        self._client = client
        self._lock = threading.Lock()
        # why Claude is off for the rest of the run, or None while it is on
        self._disabled: str | None = None if client is not None else "no API key"
        self._announced = False

    def __repr__(self) -> str:
        return f"ClaudeScorer(model={self.cfg.model!r}, disabled={self._disabled!r})"

    def score(self, articles: Sequence[Article]) -> list[Score]:
        if not articles:
            return []
        self._announce_disabled()
        workers = min(self.max_concurrency, len(articles))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kbsync-claude") as pool:
            outcomes = list(pool.map(self._assess, articles))
        return self._assemble(articles, outcomes)

    def _assemble(self, articles: Sequence[Article], outcomes: list[Assessment | str]) -> list[Score]:
        failed = [i for i, o in enumerate(outcomes) if isinstance(o, str)]
        fallback: dict[int, Score] = {}
        if failed:
            # the heuristic's recency is relative to the batch's newest article, so
            # score the whole batch: a lone article would always look brand new
            scored = self.fallback.score(articles)
            fallback = {i: fallback_score(scored[i], outcomes[i]) for i in failed}  # type: ignore[arg-type]
        log.info("claude scored %d of %d articles; %d fell back to %s",
                 len(articles) - len(failed), len(articles), len(failed), self.fallback.name)
        return [fallback[i] if i in fallback else to_score(a, outcomes[i], self.cfg)  # type: ignore[arg-type]
                for i, a in enumerate(articles)]

    def _assess(self, article: Article) -> Assessment | str:
        """Claude's validated assessment of one article, or the reason there is none."""
        if self._disabled is not None:
            return self._disabled
        try:
            message = self._client.messages.create(**build_request(article, self.cfg))  # type: ignore[union-attr]
        except Exception as exc:  # noqa: BLE001 - any failure costs this article only
            reason = error_reason(exc)
            if _disables_claude(exc):
                self._disable(reason)
            elif reason.startswith("unexpected"):
                log.warning("claude scoring failed for %s: %s", article.kb_id, reason, exc_info=True)
            else:
                log.warning("claude scoring failed for %s: %s", article.kb_id, reason)
            return reason
        try:
            return validate_answer(extract_answer(message), self.cfg)
        except InvalidAnswer as exc:
            log.warning("claude answer for %s unusable: %s", article.kb_id, exc)
            return str(exc)

    def _disable(self, reason: str) -> None:
        with self._lock:
            if self._disabled is None:
                self._disabled = reason
        self._announce_disabled()

    def _announce_disabled(self) -> None:
        """Say once per run that Claude is off, and why."""
        with self._lock:
            if self._disabled is None or self._announced:
                return
            self._announced = True
            reason = self._disabled
        log.error("claude scoring disabled for the rest of this run: %s; using the %s scorer",
                  reason, self.fallback.name)
