"""Parse many feeds on every core.

feedparser and HTML conversion are pure Python CPU work (about 1 ms an
entry), so a large first sync parses feeds in worker processes while the main
process stores what is already parsed. Small runs (the daily case: a few
changed feeds) parse in-process, where a worker's start-up would cost more
than it saves.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime

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


def parse_many(jobs: Sequence[ParseJob], *, workers: int | None = None) -> Iterator[ParsedFeed]:
    """Parsed feeds in the order of ``jobs``."""
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers < 2 or len(jobs) < 2 or sum(len(j.body) for j in jobs) < PARALLEL_MIN_BYTES:
        yield from map(run_job, jobs)
        return
    # forkserver: never fork a process that has fetcher threads around
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield from pool.map(run_job, jobs)
