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

from ..parallel import map_maybe_parallel
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
    big = sum(len(j.body) for j in jobs) >= PARALLEL_MIN_BYTES
    yield from map_maybe_parallel(run_job, jobs, parallel=big)
