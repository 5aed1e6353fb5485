"""One sync run: fetch -> parse -> store -> score -> link -> write -> roll up.

This is the imperative shell: every decision is made by a pure function in
another module (``ingest.plan_ingest``, ``scoring.needs_scoring``,
``targets.base.plan``, ``rollups``); this module only moves data between them
and the adapters (fetcher, store, targets), and counts what happened into a
``RunResult``. A feed that fails is recorded and skipped; it never aborts the
run.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from .collector import collector_paused
from .config import Config
from .links.features import Encoded, encode_scored, merge
from .links.index import rebuilds, update_links
from .models import Article, Score, content_hash
from .scoring import backend_name, heuristic_for, needs_scoring
from .sources.fetch import FeedRequest, Fetcher, FetchResult
from .sources.names import FeedNamer, feed_names
from .sources.parse import ParsedFeed
from .sources.parse_pool import ParseJob, WorkersAhead, parse_many
from .store import FeedState, Store
from .store.ingest import adopt_legacy_keys, plan_ingest
from .targets.base import Loaded, Outcome, Projection, plan
from .targets.obsidian.ahead import ScanAhead
from .targets.obsidian.ahead import for_run as listing_for_run
from .targets.obsidian.projection import VaultProjection

if TYPE_CHECKING:
    from .scoring.session import ClaudeSession

Progress = Callable[[str, int, int], None]
log = logging.getLogger("kbsync")


def headline(scanned: int, must_read: int, worth_reading: int) -> str:
    """A run's closing line, in the seeds' style ("1 article scanned | 0 must read | 1 worth reading")."""
    return (f"{scanned} article{'' if scanned == 1 else 's'} scanned | {must_read} must read | "
            f"{worth_reading} worth reading")


@dataclass
class FeedReport:
    name: str
    url: str
    status: str              # ok | not_modified | gone | retry_later | error | warning (read in part) | skipped
    entries: int = 0
    rejects: int = 0
    message: str = ""


@dataclass
class RunResult:
    scanned: int = 0
    must_read: int = 0
    worth_reading: int = 0
    changed: int = 0
    scored: int = 0
    backend: str = ""
    feeds: list[FeedReport] = field(default_factory=list)
    notes: Counter[str] = field(default_factory=Counter)
    pages: Counter[str] = field(default_factory=Counter)
    notion: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)        # a whole target that failed this run
    timings: dict[str, float] = field(default_factory=dict)
    usage: dict[str, Any] = field(default_factory=dict)      # Claude: tokens and estimated cost per kind
    waiting: int = 0                                         # articles left for the next run (budget, batch)

    def headline(self) -> str:
        """The closing line, in the seeds' style."""
        return headline(self.scanned, self.must_read, self.worth_reading)

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["notes"], data["pages"], data["notion"] = dict(self.notes), dict(self.pages), dict(self.notion)
        return data


def _quiet(stage: str, done: int, total: int) -> None:
    return None


class Clock:
    """Wall-clock stage timer for the RunResult."""

    def __init__(self, result: RunResult):
        self.result, self.start = result, time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.result.timings[stage] = round(now - self.start, 4)
        self.start = now


# -- fetch + ingest ---------------------------------------------------------------
def feed_requests(cfg: Config, states: Mapping[str, FeedState], now: datetime,
                  result: RunResult) -> list[tuple[FeedState, FeedRequest]]:
    """Which feeds to fetch now, with their stored validators (pure)."""
    todo = []
    names = feed_names(cfg.feeds, {url: s.title for url, s in states.items()})
    for feed in cfg.feeds:
        name = names[feed.url]
        state = states.get(feed.url) or FeedState(config_url=feed.url, url=feed.url, name=name)
        state = dataclasses.replace(state, name=name)
        if not feed.enabled:
            continue
        if state.status == "gone":
            result.feeds.append(FeedReport(name, state.url, "skipped", message="disabled: the server said 410 Gone"))
            continue
        if state.retry_after and state.retry_after > now:
            result.feeds.append(FeedReport(name, state.url, "skipped",
                                           message=f"server asked to wait until {state.retry_after:%Y-%m-%d %H:%M} UTC"))
            continue
        todo.append((state, FeedRequest(state.url, state.etag, state.last_modified)))
    return todo


def next_feed_state(state: FeedState, fetched: FetchResult, now: datetime) -> FeedState:
    """The feed's stored state after a fetch (pure)."""
    changes: dict[str, Any] = {"last_fetched_at": now}
    if fetched.permanent_url:
        changes["url"] = fetched.permanent_url
    if fetched.status in ("ok", "not_modified"):
        changes.update(etag=fetched.etag, last_modified=fetched.last_modified, last_ok_at=now,
                       last_error=None, error_count=0, retry_after=None)
    elif fetched.status == "gone":
        changes.update(status="gone", last_error=fetched.error or "HTTP 410 Gone")
    elif fetched.status == "retry_later":
        changes.update(retry_after=fetched.retry_after, last_error=fetched.error,
                       error_count=state.error_count + 1)
    else:
        changes.update(last_error=fetched.error, error_count=state.error_count + 1)
    return dataclasses.replace(state, **changes)


def parsed_feed_state(before: FeedState, state: FeedState, parsed: ParsedFeed) -> FeedState:
    """The feed's state once its body is parsed (pure): "last ok" means fetched *and* parsed.

    A feed that did not parse, or parsed only in part, keeps its previous
    ``last_ok_at``, counts an error and forgets its validators (the next run
    must fetch the body again rather than be told 304).
    """
    if parsed.error is None and parsed.warning is None:
        return dataclasses.replace(state, title=parsed.title or state.title)
    return dataclasses.replace(state, title=parsed.title or state.title, last_ok_at=before.last_ok_at,
                               last_error=parsed.error or parsed.warning, error_count=before.error_count + 1,
                               etag=None, last_modified=None)


def ingest(store: Store, cfg: Config, fetcher: Fetcher, now: datetime, result: RunResult,
           progress: Progress, fresh: dict[str, Article] | None = None) -> tuple[set[str], set[str]]:
    """Fetch and store every due feed; return (kb_ids seen, kb_ids new or changed).

    ``fresh`` (when given) receives the new and changed articles as stored: the next
    stages take them from memory instead of reading them back.
    """
    todo = feed_requests(cfg, store.feed_states(), now, result)
    # the workers' fork server is started as soon as the fetched feeds make a parse on every core
    ahead = WorkersAhead()
    fetched = fetcher.fetch_all([req for _, req in todo], each=lambda got: ahead(got.body))
    # entries are keyed by the feed's own (stable) address, not the redirect target
    jobs = [ParseJob(got.body, state.url, state.name, got.headers, now)
            for (state, _), got in zip(todo, fetched) if got.status == "ok" and got.body is not None]
    # streamed: each feed is stored while the next ones are parsed (by the workers, on a large run)
    parsed_iter = parse_many(jobs)
    # a feed without a configured name is called by the title it just gave (sources/names.py);
    # feeds are named in config order, each as soon as the feeds before it are read
    namer = FeedNamer(cfg.feeds, {url: s.title for url, s in store.feed_states().items()})
    seen: set[str] = set()
    changed: set[str] = set()
    for i, ((before, _), got) in enumerate(zip(todo, fetched)):
        progress("feeds", i, len(todo))
        parsed = next(parsed_iter) if got.status == "ok" and got.body is not None else None
        name = namer.name(before.config_url, parsed.title if parsed else None) or before.name
        state = next_feed_state(dataclasses.replace(before, name=name), got, now)
        report = FeedReport(state.name, state.url, got.status, message=got.error or "")
        if parsed is not None:
            state = parsed_feed_state(before, state, parsed)
            if parsed.error or parsed.warning:
                report.status, report.message = ("error", parsed.error) if parsed.error else ("warning", parsed.warning)
            entries = [e if e.source == state.name else dataclasses.replace(e, source=state.name)
                       for e in parsed.entries]
            hashes = store.entry_hashes(state.url)
            stored = store.get_articles({e.kb_id for e in entries} | {a for e in entries for a in e.aliases})
            # an article stored under its link's earlier canonical form keeps its key
            entries = adopt_legacy_keys(entries, hashes.keys() | stored.keys())
            merged, records = plan_ingest(entries, hashes, stored, now)
            store.save_articles(merged.values(), records, now)
            if fresh is not None:
                fresh.update(merged)
            if not parsed.error:
                # what this feed drops or merges now, each with its reason (kbsync status)
                store.replace_rejects(state.url, parsed.rejects, now)
            seen.update(e.kb_id for e in entries)
            changed.update(merged)
            report.entries, report.rejects = len(entries), len(parsed.rejects)
        store.save_feed_state(state)
        result.feeds.append(report)
    progress("feeds", len(todo), len(todo))
    return seen, changed


# -- scoring ----------------------------------------------------------------------
def score(store: Store, cfg: Config, env: Mapping[str, str], candidates: Iterable[str], now: datetime,
          result: RunResult, *, rescore: bool | str, session: ClaudeSession | None = None,
          dry_run: bool = False, known: Mapping[str, Article] = {},
          ahead: list[Encoded] | None = None) -> tuple[dict[str, Article], dict[str, Score], set[str]]:
    """Score what needs it (once per content hash).

    Returns the articles looked at, their current scores and the kb_ids whose
    score changed, so the next stage need not load them again. Pre-scored
    imports are left alone unless ``rescore``: their score came with them.
    With a Claude ``session`` the stage is ``scoring.run.score_with_claude``
    (budget, batches, vocabulary); a dry run never calls Claude (it would
    spend money on a result it throws away) and shows the heuristic's scores.
    ``ahead`` (when given) receives the linker's encoded features of the
    scored articles, in kb_id order, when the links stage will rebuild its
    index from them alone (a first sync): they are derived in the workers that
    score, where each article already is.
    """
    if session is not None:
        from .scoring.run import score_with_claude

        stage = score_with_claude(store, cfg, session, candidates, now, rescore=rescore)
        result.backend, result.scored, result.waiting = "claude", stage.scored, len(stage.waiting)
        result.problems += stage.problems
        return stage.articles, stage.scores, stage.changed
    ids = list(store.all_ids()) if rescore in (True, "all") else list(candidates) + store.unscored_ids()
    # the articles this run stored are in memory (``known``); only the others are read
    articles = {k: known[k] for k in ids if k in known}
    articles.update(store.get_articles(k for k in ids if k not in articles))
    scores = store.scores(articles)
    todo = needs_scoring(articles.values(), scores, rescore=rescore)
    # Claude scores through the session above; a dry run never calls it. The store: the reader's categories,
    # and what each source of these articles repeats in every post
    scorer = heuristic_for(cfg, store, todo)
    result.backend = scorer.name
    if dry_run and backend_name(cfg, env) == "claude":
        result.backend = "heuristic (dry run: Claude not called)"
    if ahead is not None and todo and rebuilds(store, len(todo), encoded=True) and \
            {a.kb_id for a in todo} >= set(store.all_ids()):
        # each chunk's scores are saved while the workers score the next ones
        fresh, parts = scorer.score_and(sorted(todo, key=lambda a: a.kb_id), then=encode_scored,
                                        each=lambda chunk: store.save_scores(chunk, now))
        ahead.extend(parts)
    else:
        fresh = scorer.score(todo) if todo else []
        store.save_scores(fresh, now)
    result.scored = len(fresh)
    changed = {s.kb_id for s in fresh if _projected_change(scores.get(s.kb_id), s)}
    scores.update((s.kb_id, s) for s in fresh)
    return articles, scores, changed


def _score_key(s: Score | None) -> str | None:
    return None if s is None else content_hash(dataclasses.replace(s, backend="", content_hash=""))


def _projected_change(old: Score | None, new: Score) -> bool:
    """Whether a new score changes the article's pages: what they show of the score changed, or
    the text it scored did (a leftover of a run killed after storing a revised article and before
    recording it pending: nothing else would have its note rewritten with the new text)."""
    return old is None or old.content_hash != new.content_hash or _score_key(old) != _score_key(new)


# -- one run ----------------------------------------------------------------------------
def run_sync(cfg: Config, *, env: Mapping[str, str], now: datetime | None = None, rescore: bool = False,
             restore: bool = False, dry_run: bool = False, fetcher: Fetcher | None = None,
             progress: Progress = _quiet, scan_ahead: ScanAhead | None = None) -> RunResult:
    """One full pass. ``dry_run`` works on a throw-away copy of the store and writes no file.

    ``scan_ahead``: the vault's listing, already under way (the command line starts it before
    importing this module); by default the run starts it as it opens the store.
    """
    now = now or datetime.now(timezone.utc)
    result = RunResult()
    clock = Clock(result)
    with ExitStack() as stack:
        stack.enter_context(collector_paused())
        store = stack.enter_context(Store.open_for(cfg.store_path, dry_run=dry_run))
        # the vault is listed by a child meanwhile (before any thread of the fetcher's is started)
        if scan_ahead is None:
            scan_ahead = stack.enter_context(listing_for_run(cfg, dry_run=dry_run) or nullcontext())
        if fetcher is None:
            f = cfg.fetch
            fetcher = stack.enter_context(Fetcher(
                connect_timeout=f.connect_timeout, read_timeout=f.read_timeout, max_bytes=f.max_bytes,
                concurrency=f.concurrency, retries=f.retries, max_retry_wait=f.max_retry_wait,
                user_agent=f.user_agent, total_timeout=f.total_timeout))
        fresh: dict[str, Article] = {}
        seen, changed = ingest(store, cfg, fetcher, now, result, progress, fresh)
        clock.lap("fetch+parse+store")
        project(store, cfg, env, seen, changed, now, result, clock, rescore=rescore, restore=restore,
                dry_run=dry_run, progress=progress, known=fresh, scan_ahead=scan_ahead)
        store.record_run(now, datetime.now(timezone.utc), result.to_json())
    return result


def project(store: Store, cfg: Config, env: Mapping[str, str], seen: set[str], changed: set[str],
            now: datetime, result: RunResult, clock: Clock, *, rescore: bool = False, restore: bool = False,
            dry_run: bool = False, prescored: set[str] = frozenset(), progress: Progress = _quiet,
            known: Mapping[str, Article] = {}, scan_ahead: ScanAhead | None = None) -> None:
    """Everything after the store has the articles: score, link, write notes and rollups.

    ``known``: articles the caller has in memory as stored (by kb_id); they are not read again.
    ``scan_ahead``: the vault's listing, being taken since the run began (``targets.obsidian.ahead``).
    """
    changed = changed | pending(store)
    # and the articles a killed run stored but never scored, which scoring takes up now: a run
    # killed once their scores are saved leaves them scored, so nothing else would bring them back
    remember(store, changed | set(store.unscored_ids()))
    session = _open_session(cfg, env, dry_run=dry_run)
    ahead: list[Encoded] = []
    articles, scores, rescored = score(store, cfg, env, changed - prescored, now, result, rescore=rescore,
                                       session=session, dry_run=dry_run, known=known, ahead=ahead)
    rescored |= changed & prescored
    remember(store, changed | rescored)   # scoring took up unscored leftovers too
    clock.lap("score")
    relink = changed | rescored
    missing = relink - set(articles)
    if missing:
        # pre-scored imports were not scored here: load them for the linker
        articles.update(store.get_articles(missing))
        scores.update(store.scores(missing))
    linked = [articles[k] for k in sorted(relink) if k in articles]
    related_changed = update_links(store, linked, {k: scores[k] for k in relink if k in scores}, cfg.links,
                                   encoded=merge(ahead) if ahead else None)
    remember(store, changed | rescored | related_changed)
    clock.lap("links")
    tiers = store.tier_counts(seen)
    result.scanned = len(seen)
    result.must_read, result.worth_reading = tiers.get("must-read", 0), tiers.get("worth-reading", 0)
    result.changed = len(changed)
    namer = None
    if session is not None:
        from .scoring.run import trend_namer

        namer = trend_namer(session, store, cfg, now)
    targets = configured_targets(cfg, store, env, now, result, dry_run=dry_run, namer=namer,
                                 scan_ahead=scan_ahead)
    run_targets(store, targets, changed | rescored | related_changed, result, restore=restore,
                loaded=(articles, scores), lap=clock.lap, progress=progress)
    if session is not None:
        from .scoring.run import finish_session

        finish_session(session, store, now, result)   # usage and cost of the run, its problem lines
    if not result.failures:
        remember(store, set())   # a failed target keeps the run's work pending for the next run


PENDING = "pending:kb_ids"


def pending(store: Store) -> set[str]:
    """Articles a run that died (SIGKILL, power loss) left half projected.

    The store commits stage by stage: articles, scores, the link index, note
    records batch by batch. A run killed between two stages leaves articles
    scored but not linked, or linked while their neighbours' notes and their
    digests were not rewritten; nothing in the next run's inputs would show
    it. So ``project`` records what it is working on before each stage and
    clears it at the end; the next run takes the leftovers up again (every
    stage is idempotent: redoing finished work writes nothing).
    """
    return set(json.loads(store.meta(PENDING) or "[]"))


def remember(store: Store, kb_ids: set[str]) -> None:
    if kb_ids or store.meta(PENDING) not in (None, "[]"):
        store.set_meta(PENDING, json.dumps(sorted(kb_ids)))


def run_targets(store: Store, targets: Sequence[Projection], touched: set[str], result: RunResult, *,
                restore: bool = False, loaded: Loaded = ({}, {}), lap: Callable[[str], None] = lambda stage: None,
                progress: Progress = _quiet) -> None:
    """Every target through the same steps (``targets.base.Projection``); counts into ``result``.

    A target that fails (its ``errors``) is one line in ``result.failures``
    and sits out the rest of the run; the others carry on.
    """
    touched = set(touched)
    with ExitStack() as stack:
        live = [t for t in targets
                if _guarded(t, result, lambda t=t: stack.enter_context(t)) is not None]
        # each step for every target before the next step: the reader's edits made in one
        # target (a Notion status, a moved note) reach the journal, then every other target,
        # before any page is rendered again
        for step in ("edits_out", "edits_in"):
            for target in list(live):
                again = _guarded(target, result, getattr(target, step))
                if again is None:
                    live.remove(target)
                else:
                    touched |= again
        remember(store, touched)
        for target in list(live):
            written = _guarded(target, result, lambda t=target: t.write(
                touched, restore=restore, loaded=loaded, lap=lap, progress=progress))
            if written is None:
                live.remove(target)
                continue
            for counter, outcomes in written.items():
                _count(outcomes, getattr(result, counter), result.problems)
            _guarded(target, result, target.finish)
            for counter, figures in target.figures().items():
                getattr(result, counter).update(figures)
            result.problems += target.notices()


def configured_targets(cfg: Config, store: Store, env: Mapping[str, str], now: datetime, result: RunResult, *,
                       dry_run: bool, namer: Any = None, scan_ahead: ScanAhead | None = None) -> list[Projection]:
    """The run's targets in the order they are written: the vault, then Notion.

    Notion is left out, with a problem line, when there is no token or in a
    dry run (which contacts no service).
    """
    targets: list[Projection] = []
    if cfg.vault is not None:
        targets.append(VaultProjection(cfg, store, now, dry_run=dry_run, namer=namer, log=log,
                                       ahead=scan_ahead))
    if cfg.notion is not None:
        token = env.get("NOTION_TOKEN")
        if not token:
            result.problems.append("notion: NOTION_TOKEN is not set; the Notion target was skipped")
        elif dry_run:
            result.problems.append("notion: not contacted in a dry run")
        else:
            # imported only here: a vault-only run does not load the Notion client (0.1 s a run)
            from .targets.notion.projection import NotionProjection

            targets.append(NotionProjection(cfg, store, now, token=token, namer=namer, log=log))
    return targets


def sync_notion(store: Store, cfg: Config, env: Mapping[str, str], touched: set[str], now: datetime,
                result: RunResult, *, restore: bool = False, dry_run: bool = False, loaded: Loaded = ({}, {}),
                namer: Any = None) -> None:
    """The Notion target alone through the same loop (the vault left as it is)."""
    targets = [t for t in configured_targets(cfg, store, env, now, result, dry_run=dry_run, namer=namer)
               if t.name == "notion"]
    run_targets(store, targets, touched, result, restore=restore, loaded=loaded)


def _guarded(target: Projection, result: RunResult, step: Callable[[], Any]) -> Any:
    """``step()``, or None when the target failed (recorded as the run's failure of that target)."""
    try:
        value = step()
    except target.errors as exc:
        # this target is done for the run; the others still get their turn
        result.failures.append(target.describe(exc))
        return None
    return set() if value is None else value


def _open_session(cfg: Config, env: Mapping[str, str], *, dry_run: bool) -> ClaudeSession | None:
    """The Claude session of this run, or None. The anthropic library (2-3 s to import) is
    loaded only when Claude scores: an offline sync starts at once."""
    if dry_run or backend_name(cfg, env) != "claude":
        return None
    from .scoring.session import open_session

    return open_session(cfg, env, dry_run=dry_run)


def _count(outcomes: Iterable[Outcome], counter: Counter[str], problems: list[str]) -> None:
    for outcome in outcomes:
        counter[outcome.status] += 1
        if outcome.status in ("error", "conflict") and outcome.message:
            problems.append(f"{outcome.name}: {outcome.message}")


__all__ = ["RunResult", "FeedReport", "run_sync", "feed_requests", "next_feed_state", "plan"]
