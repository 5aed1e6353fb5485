"""The vault's digest pages, built here or ahead in a worker process.

Contract: ``weekly_page`` and ``daily_page`` build a digest page (``Doc``)
from the store, the run's articles in memory and ``DigestNames`` (how the
page names the notes and weeks it links to); the view builds them with its
own names, a worker with a copy of them, and the pages are the same.

Why a worker: a first sync writes thousands of new notes, then builds every
recent digest (about 1.3 s for 10,000 articles), and both are mostly one
core's work. Once every new note has its path, nothing a digest shows can
change in a run where every note is new: no merge finds a reader's edit.
So ``DigestsAhead`` builds them in a worker process while this one renders
and writes the notes. The caller checks, when it needs the pages, that what
they were built from still holds (the same weeks and days, no edit recorded
meanwhile); if not, or the worker failed, it builds them itself.

The worker reads the store through a connection of its own, read-only (the
store is in WAL mode: it reads what was committed when it began, and the
links and scores were committed before the notes stage).

A daily run of a big vault rebuilds its week's digest from hundreds of
articles (0.2-0.3 s of one core) while the other core idles, and some of
its notes are rewritten, so a merge may yet find a reader's edit.
``DigestsForked`` reads the pages' inputs here once every page the run
writes is owed (the last batch of notes is decided), and a forked child
composes them (``parallel.Forked``: no pickled job, no imports) while the
notes are merged and written; the same checks decide whether its pages are
used. Pages of fewer articles (or with no child to be had) are composed here
from the inputs read then (``DigestsRead``), which are not read again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from ...config import Config
from ...models import Article, Score
from ...pages.doc import Doc
from ...parallel import Background, Forked
from ...rollups.digest import TrendNamer, week_bounds, week_label
from ...rollups.pages import DigestLinks, daily_doc, digest_links, weekly_doc, window
from ...store import Store
from .paths import wikilink

Known = tuple[Mapping[str, Article], Mapping[str, Score]]
AHEAD_MIN = 1000   # new notes: below this the pages are built here (a worker's start costs more)
FORK_MIN = 200     # articles the pages show: below this a forked child costs more than it saves
FORK_PATIENCE = 60.0   # seconds a run waits for a forked child's pages before it builds them itself


@dataclass(frozen=True)
class DigestNames:
    """How a digest names what it links to: a note's link target by kb_id (None: the article
    has no note), and the ``week`` property's link for a week label."""

    note_name: Callable[[str], str | None]
    week_link: Callable[[str], str]

    def link_for(self, titles: Mapping[str, str]) -> Callable[[str], str]:
        def link(kb_id: str) -> str:
            name = self.note_name(kb_id)
            title = titles.get(kb_id, kb_id)
            return wikilink(name, title) if name else title
        return link


@dataclass(frozen=True)
class PageInput:
    """What one digest page is built from, as read from the store (``read``); building the
    page from it is pure (``compose``). ``week`` for a weekly page, else ``day``."""

    week: str | None
    day: date | None
    articles: list[Article]
    scores: dict[str, Score]
    links: DigestLinks


def read(store: Store, cfg: Config, weeks: Sequence[str], days: Sequence[date], known: Known) -> list[PageInput]:
    """The inputs of the weekly pages, then the daily ones, in the order given."""
    out = []
    for label in weeks:
        first, last = week_bounds(label, cfg.rollups)
        articles, scores = window(store, first, last, cfg.rollups.tz, known)
        out.append(PageInput(label, None, articles, scores, digest_links(store, articles, weekly=True)))
    for day in days:
        articles, scores = window(store, day, day, cfg.rollups.tz, known)
        out.append(PageInput(None, day, articles, scores, digest_links(store, articles, weekly=False)))
    return out


def compose(cfg: Config, page: PageInput, names: DigestNames, namer: TrendNamer | None) -> Doc:
    """The page (pure: reads no store)."""
    assert cfg.vault is not None
    link = names.link_for({a.kb_id: a.title for a in page.articles})
    if page.week is not None:
        first, last = week_bounds(page.week, cfg.rollups)
        return weekly_doc(page.week, first, last, page.articles, page.scores, page.links, cfg, link=link,
                          folder=cfg.vault.weekly_folder, namer=namer, week_link=names.week_link(page.week))
    assert page.day is not None
    return daily_doc(page.day, page.articles, page.scores, page.links, cfg, link=link,
                     folder=cfg.vault.daily_folder, namer=namer,
                     week_link=names.week_link(week_label(page.day, cfg.rollups)))


def weekly_page(store: Store, cfg: Config, label: str, known: Known, names: DigestNames,
                namer: TrendNamer | None) -> Doc:
    return compose(cfg, read(store, cfg, [label], [], known)[0], names, namer)


def daily_page(store: Store, cfg: Config, day: date, known: Known, names: DigestNames,
               namer: TrendNamer | None) -> Doc:
    return compose(cfg, read(store, cfg, [], [day], known)[0], names, namer)


def pages(store: Store, cfg: Config, weeks: Sequence[str], days: Sequence[date], known: Known,
          names: DigestNames, namer: TrendNamer | None) -> list[Doc]:
    """The weekly pages, then the daily ones, in the order given."""
    return [compose(cfg, page, names, namer) for page in read(store, cfg, weeks, days, known)]


# -- ahead, in a worker ----------------------------------------------------------------

@dataclass(frozen=True)
class Job:
    """Everything a worker needs to build the pages (picklable): the articles without their
    text (no digest shows it), the link targets resolved by the view."""

    store: str
    cfg: Config
    weeks: tuple[str, ...]
    days: tuple[date, ...]
    articles: tuple[Article, ...]
    scores: tuple[Score, ...]
    note_names: dict[str, str]
    week_links: dict[str, str]


def build(job: Job) -> list[Doc]:
    """The job's pages (in a worker process)."""
    store = Store.read_only(job.store)
    try:
        known = ({a.kb_id: a for a in job.articles}, {s.kb_id: s for s in job.scores})
        names = DigestNames(job.note_names.get, job.week_links.__getitem__)
        return pages(store, job.cfg, job.weeks, job.days, known, names, None)
    finally:
        store.close()


class _Building:
    """Pages being built elsewhere (``_work``) for the weeks and days they were started for."""

    weeks: tuple[str, ...]
    days: tuple[date, ...]
    _work: Background[list[Doc]] | Forked[list[Doc]]

    def result(self, weeks: Sequence[str], days: Sequence[date]) -> list[Doc] | None:
        """The pages, when they were built for these ``weeks`` and ``days`` (in this order) and
        the worker succeeded; None otherwise (the caller builds them)."""
        if (tuple(weeks), tuple(days)) != (self.weeks, self.days):
            self.close()
            return None
        try:
            return self._wait()
        except Exception as exc:   # a failed worker costs the time it took, never the pages
            logging.getLogger("kbsync").debug("digests built ahead failed: %r", exc)
            return None

    def close(self) -> None:
        self._work.close()

    def _wait(self) -> list[Doc]:
        return self._work.result()


class DigestsAhead(_Building):
    """Digest pages being built by a worker (``build``) for the weeks and days it was given.

    ``noted``: the kb_ids of every article with a note (this run's new ones, the recorded ones).
    The worker gets their names resolved here: a page also shows articles the run did not read
    itself (after a first sync killed before its notes, all of them come from the store), and
    given only the run's own, it listed the others as titles without a link."""

    def __init__(self, store: Store, cfg: Config, weeks: Sequence[str], days: Sequence[date], known: Known,
                 names: DigestNames, noted: Iterable[str] = ()):
        assert store.path is not None
        self.weeks, self.days = tuple(weeks), tuple(days)
        articles, scores = known
        week_labels = set(self.weeks) | {week_label(d, cfg.rollups) for d in self.days}
        job = Job(str(store.path), cfg, self.weeks, self.days,
                  tuple(replace(a, content="") for a in articles.values()), tuple(scores.values()),
                  {k: n for k in {*articles, *noted} if (n := names.note_name(k)) is not None},
                  {label: names.week_link(label) for label in week_labels})
        self._work = Background(build, job)


class DigestsForked(_Building):
    """Digest pages composed by a forked child (``parallel.Forked``) from inputs read here.

    For a run that is not a first sync (a daily run): its pages' inputs are read from the
    store by this process (a forked child must not use its connection), and only their
    composing, most of the work, goes to the child. ``start`` gives a ``DigestsRead``
    instead when the pages show fewer than ``FORK_MIN`` articles (composed here, soon
    enough) or no child is to be had."""

    def __init__(self, cfg: Config, weeks: Sequence[str], days: Sequence[date], inputs: list[PageInput],
                 names: DigestNames):
        self.weeks, self.days = tuple(weeks), tuple(days)
        self._work = Forked(lambda: [compose(cfg, page, names, None) for page in inputs])

    def _wait(self) -> list[Doc]:
        # the pages take a second at most; a child stuck longer is given up, they are built here
        return self._work.result(timeout=FORK_PATIENCE)

    @classmethod
    def start(cls, store: Store, cfg: Config, weeks: Sequence[str], days: Sequence[date], known: Known,
              names: DigestNames) -> DigestsForked | DigestsRead:
        inputs = read(store, cfg, weeks, days, known)
        if sum(len(page.articles) for page in inputs) >= FORK_MIN:
            try:
                return cls(cfg, weeks, days, inputs, names)
            except OSError as exc:   # no child to be had (out of processes, of memory): composed here
                logging.getLogger("kbsync").debug("digests not forked: %r", exc)
        return DigestsRead(cfg, weeks, days, inputs, names)


class DigestsRead(_Building):
    """Digest pages whose inputs ``DigestsForked.start`` read, composed in this process when
    they are asked for (under the same checks as a child's), so their inputs are not read twice."""

    def __init__(self, cfg: Config, weeks: Sequence[str], days: Sequence[date], inputs: list[PageInput],
                 names: DigestNames):
        self.weeks, self.days = tuple(weeks), tuple(days)
        self._cfg, self._inputs, self._names = cfg, inputs, names

    def _wait(self) -> list[Doc]:
        return [compose(self._cfg, page, self._names, None) for page in self._inputs]

    def close(self) -> None:
        self._inputs = []


__all__ = ["DigestNames", "DigestsAhead", "DigestsForked", "DigestsRead", "pages", "weekly_page", "daily_page"]
