"""Parse many feeds on every core.

feedparser and HTML conversion cost about 1 ms an entry, so a large first
sync parses feeds in worker processes while the main process stores what is
already parsed (``sync.parallel``): ``parse_many`` yields each feed as soon as it
is parsed, in order, and the caller stores it while the next ones are parsed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from ..parallel import map_maybe_parallel, start_early
from .parse import ParsedFeed, parse_feed

PARALLEL_MIN_BYTES = 2_000_000


@dataclass(frozen=True)
class ParseJob:
    body: bytes
    feed_url: str
    source: str
    headers: Mapping[str, str]
    now: datetime


def run_job(job: ParseJob) -> ParsedFeed:
    return parse_feed(job.body, feed_url=job.feed_url, source=job.source, headers=job.headers, now=job.now)


def parse_many(jobs: Sequence[ParseJob]) -> Iterator[ParsedFeed]:
    """Parsed feeds in the order of ``jobs``."""
    yield from map_maybe_parallel(run_job, jobs, parallel=_big(sum(len(j.body) for j in jobs)))


def _big(size: int) -> bool:
    return size >= PARALLEL_MIN_BYTES


class WorkersAhead:
    """Called with each feed body as it is fetched; once they add up to enough for ``parse_many``
    to parse them in workers, it starts the workers' fork server (``parallel.start_early``).

    Why: the fork server imports the workers' modules and builds their tables, about 0.3 s
    of CPU, when the first pool asks for it, and parsing waited for that after the last
    feed was fetched. Started while the feeds are still being fetched, it is ready
    sooner: in bench_sync's first sync (100 feeds from a local server, fetched in 0.4 s)
    the workers begin 0.2 s earlier; the parse stage's time is within the runs' noise
    there (3.42-3.69 s against 3.44-3.70 s, 4 alternated pairs). Feeds fetched over a
    real network take longer than the fork server's start, which is then all hidden.
    """

    def __init__(self) -> None:
        self.size = 0

    def __call__(self, body: bytes | None) -> None:
        below = not _big(self.size)
        self.size += len(body or b"")
        if below and _big(self.size):   # this body crossed the threshold: once a run
            start_early()
