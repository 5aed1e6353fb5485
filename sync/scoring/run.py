"""The scoring stage with Claude: what to score, by which path, and what is kept.

Contract: ``score_with_claude(store, cfg, session, candidates, now, rescore=)``
scores what needs it and saves the scores; it returns a :class:`Stage`
(articles looked at, their current scores, the kb_ids whose score changed,
how many were scored, and how many wait). It never raises for an API problem.

Order of work:

1. Finished batches (from this run or an earlier one) are applied first.
2. What needs scoring: new or changed articles, fallback scores Claude
   should try again (fewer than ``MAX_ATTEMPTS`` tries on this version),
   and with ``rescore="prompt"`` the Claude scores of another model or
   prompt version (``rescore="all"``/True: everything). Articles in a batch
   still in flight are left to it.
3. More than ``batch_threshold`` of them: one Message Batch (polled up to
   ``batch_wait``); otherwise one Messages request each.
4. Every new Claude score's tags go through the vocabulary and the admit
   rule, in article order; fallback scores keep the heuristic's tags.

Over budget, in a batch still running: an article gets NO score this run
and so no note; it waits, and the next run picks it up (it still has no
score for its content). That is the issue's "scored by nothing else": a
heuristic note that Claude's replaces a run later would change score, tier
and tags under the reader, twice, for something the reader chose (a budget,
the cheaper batch price). A *failure* is different: it was not chosen, so
the article is written with the heuristic's score marked ``fallback`` (the
note says so) and Claude tries it again on a later run.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ..config import Config
from ..models import Article, Score, content_hash
from ..store import Store
from ..store import claude as db
from . import heuristic_for, needs_scoring
from .answers import InvalidAnswer, assessment_of
from .batches import BatchRunner, Finished
from .claude import ClaudeScorer, ScoreRun, assemble
from .prompts import build_request, retry_request
from .session import ClaudeSession, Failed
from .vocabulary import Vocabulary, resolve


@dataclass
class Stage:
    articles: dict[str, Article]
    scores: dict[str, Score]
    changed: set[str]
    scored: int = 0
    waiting: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def score_key(s: Score | None) -> str | None:
    """What a note shows of a score (the backend label and content hash aside)."""
    return None if s is None else content_hash(dataclasses.replace(s, backend="", content_hash=""))


def apply_vocabulary(store: Store, cfg: Config, scores: Sequence[Score], now: datetime) -> list[Score]:
    """Claude's tags through the vocabulary and admit rule (fallback scores are left as they are)."""
    claude = [s for s in scores if s.backend == "claude"]
    if not claude:
        return list(scores)
    decision = resolve([(s.kb_id, s.tags) for s in claude], Vocabulary.from_config(cfg.scoring.tags),
                       db.admitted_tags(store), db.tag_candidates(store), limit=cfg.scoring.max_tags)
    db.save_tag_decision(store, decision.admitted, decision.candidates, now)
    return [dataclasses.replace(s, tags=decision.tags[s.kb_id]) if s.backend == "claude" else s for s in scores]


def _outcome(session: ClaudeSession, cfg: Config, article: Article, value: object) -> object:
    """A batch result as an assessment or a Failed; an invalid answer gets its one retry now."""
    if isinstance(value, Failed):
        return value
    try:
        return assessment_of(value, cfg.scoring)
    except InvalidAnswer as exc:
        if not exc.retryable:
            return Failed(exc.reason)
        request = retry_request(build_request(article, cfg.scoring), value, exc.feedback)
        return session.ask(request, lambda m: assessment_of(m, cfg.scoring))


def apply_batches(store: Store, cfg: Config, session: ClaudeSession, finished: Iterable[Finished]) -> ScoreRun:
    """Scores from ended batches, labelled with the model and prompt version each batch was
    submitted with; results for an article version that is gone are dropped."""
    finished = list(finished)
    articles = store.get_articles({kb for f in finished for kb, _ in f.items.values()})
    run = ScoreRun()
    for f in finished:
        todo: list[Article] = []
        outcomes: list[object] = []
        for c, (kb_id, version) in f.items.items():
            article = articles.get(kb_id)
            if article is None or article.content_hash != version or c not in f.results:
                continue  # changed since it was sent (scored again as usual), or no result line
            todo.append(article)
            outcomes.append(_outcome(session, cfg, article, f.results[c]))
        part = assemble(todo, outcomes, cfg.scoring, f.prompt_version or session.version,
                        heuristic_for(cfg, store, todo),
                        model=f.model or session.model)
        run.scores += part.scores
        run.waiting += part.waiting
        run.failures.update(part.failures)
    return run


def score_with_claude(store: Store, cfg: Config, session: ClaudeSession, candidates: Iterable[str],
                      now: datetime, *, rescore: bool | str = False) -> Stage:
    """See the module docstring."""
    runner = BatchRunner(session, store, cfg.scoring, now)
    collected = runner.collect()
    applied = list(collected)
    runs = [apply_batches(store, cfg, session, collected)]
    done = {s.kb_id for s in runs[0].scores}
    in_flight = db.in_open_batches(store)
    everything = rescore is True or rescore == "all"
    retry = set(db.retry_ids(store))
    ids = set(store.all_ids()) if everything else {*candidates, *store.unscored_ids(), *retry}
    if rescore == "prompt":
        ids |= set(db.stale_prompt_ids(store, session.model, session.version))
    articles = store.get_articles(ids | done)
    scores = store.scores(articles)
    todo = [a for a in needs_scoring((articles[k] for k in sorted(ids) if k in articles), scores,
                                     rescore=rescore, retry=retry, current=(session.model, session.version))
            if a.kb_id not in in_flight and a.kb_id not in done]
    todo.sort(key=lambda a: (a.published, a.kb_id))
    problems: list[str] = []
    threshold = cfg.scoring.claude.batch_threshold
    if threshold and len(todo) > threshold and session.disabled is None:
        submitted, over_budget = runner.submit(todo)
        for sub in submitted:
            if sub.failure:
                # not submitted (or unknown): written with the fallback, tried again next run
                problems.append(f"claude: {sub.failure}; {len(sub.sent)} articles written with the heuristic for now")
                runs.append(assemble(sub.sent, [Failed(sub.failure)] * len(sub.sent), cfg.scoring,
                                     session.version, heuristic_for(cfg, store, sub.sent)))
        sent = [s.key for s in submitted if not s.failure and s.key]
        finished = runner.wait(sent) if sent else []
        applied += finished
        runs.append(apply_batches(store, cfg, session, finished))
        running = sum(len(s.sent) for s in submitted if not s.failure and s.key not in {f.key for f in finished})
        if running:
            problems.append(f"claude: {running} articles are in a Message Batch still running; "
                            "they are written when it ends (a later sync)")
        runs.append(ScoreRun(waiting=over_budget))
    else:
        runs.append(ClaudeScorer(cfg.scoring, session, heuristic_for(cfg, store, todo)).run(todo))
    fresh = apply_vocabulary(store, cfg, [s for r in runs for s in r.scores], now)
    store.save_scores(fresh, now)
    # only now: a crash before this line fetches the same results again next run (free, idempotent)
    runner.mark_applied(applied)
    # a try counts against the article only when Claude saw it: not when Claude was off for the run
    off = f"(claude failed: {session.disabled})" if session.disabled else None
    failed = [s for s in fresh if s.fallback and not (off and s.backend.endswith(off))]
    db.record_attempts(store, [(s.kb_id, s.content_hash, s.backend) for s in failed],
                       [s.kb_id for s in fresh if not s.fallback], now)
    waiting = [k for r in runs for k in r.waiting]
    problems += runner.problems + _failure_lines(runs, len(todo) + len(done), waiting, session)
    # a score of changed text counts too: its note must show the new text (pipeline._projected_change)
    changed = {s.kb_id for s in fresh if score_key(scores.get(s.kb_id)) != score_key(s)
               or scores[s.kb_id].content_hash != s.content_hash}
    scores.update((s.kb_id, s) for s in fresh)
    return Stage(articles, scores, changed, scored=len(fresh), waiting=waiting, problems=problems)


def _failure_lines(runs: Sequence[ScoreRun], total: int, waiting: Sequence[str], session: ClaudeSession) -> list[str]:
    lines: list[str] = []   # the session's own lines (a bad key, trends) are reported by the pipeline
    failures = sum((r.failures for r in runs), start=type(runs[0].failures)())
    shown = {k: n for k, n in failures.items() if session.disabled is None or k != session.disabled}
    if shown:
        kinds = ", ".join(f"{n} {reason}" for reason, n in sorted(shown.items(), key=lambda kv: (-kv[1], kv[0])))
        lines.append(f"claude: {sum(shown.values())} of {total} articles fell back to the heuristic ({kinds}); "
                     "Claude tries them again on the next run")
    if waiting:
        lines.append(f"claude: the run's budget (${session.budget.limit:g}) is reached; {len(waiting)} articles "
                     "wait for the next run" if session.budget.stopped else
                     f"claude: {len(waiting)} articles wait for the next run")
    return lines


def trend_namer(session: ClaudeSession | None, store: Store, cfg: Config, now: datetime):  # noqa: ANN201
    """The digest writer for this run when Claude scores (else None): the week's themes and the
    daily overview lines (``digests.py``), and trend names for the offline groups (``trends.py``)."""
    claude = cfg.scoring.claude
    if session is None or not (claude.trends or claude.themes or claude.daily_overview):
        return None
    from .digests import ClaudeDigests
    from .trends import ClaudeTrendNamer

    namer = ClaudeTrendNamer(session, store, cfg.scoring, now) if claude.trends else None
    return ClaudeDigests(session, store, cfg.scoring, now, namer=namer, themes=claude.themes,
                         overview=claude.daily_overview)


def finish_session(session: ClaudeSession, store: Store, now: datetime, result: object) -> None:
    """Store the run's usage per kind (with its estimated cost) and hand its problem lines to the result."""
    summary = session.summary()
    for kind, usage in session.usage.items():
        db.record_usage(store, now, kind, session.model, usage.to_dict(), session.cost(kind))
    result.usage = summary                      # type: ignore[attr-defined]
    result.problems += session.problems         # type: ignore[attr-defined]
