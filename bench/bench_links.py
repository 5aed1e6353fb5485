"""Benchmark: related articles for 100,000 synthetic articles, incremental +200, a 5,000-article week.

Run standalone: ``.venv/bin/python bench/bench_links.py [--n 100000] [--new 200] [--week 5000] [--runs 3]``.
Prints seconds per stage (min / median / max of ``--runs``; the store generation once, untimed) and the peak RSS of this process (``resource.getrusage``).
Targets: from scratch < 60 s and < 2 GB; +200 incremental < 2 s.

The corpus is synthetic but shaped like a real feed reader's: ~60% Chinese and
~40% English sources (Chinese titles sprinkled with English terms), a Zipfian
background vocabulary, 300 topics of unequal popularity with their own words
and tags, and ~30% of articles reporting one of many events from 2-4 sources
within three days (the same-story case). One year of publication dates, so the
180-day window covers about half the corpus for each article.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sync.config import LinksConfig, RollupConfig  # noqa: E402
from sync.models import Article, Score, stable_id  # noqa: E402

START = datetime(2025, 3, 1, tzinfo=timezone.utc)
_SYL = [c + v for c in "bcdfghjklmnprstvwz" for v in "aeiou"] + ["qu", "th", "sh", "ch"]


def _words(rng: np.random.Generator, count: int, syllables: tuple[int, int]) -> list[str]:
    seen: dict[str, None] = {}
    while len(seen) < count:
        k = int(rng.integers(*syllables))
        seen.setdefault("".join(_SYL[i] for i in rng.integers(0, len(_SYL), k)), None)
    return list(seen)


class _Zipf:
    def __init__(self, n: int, s: float = 1.0, shift: float = 8.0):
        p = 1.0 / (np.arange(n) + shift) ** s
        self.cdf = np.cumsum(p / p.sum())

    def draw(self, rng: np.random.Generator, k: int) -> np.ndarray:
        return np.minimum(np.searchsorted(self.cdf, rng.random(k)), len(self.cdf) - 1)


def _han(rng: np.random.Generator, count: int, chars: np.ndarray, zipf: _Zipf) -> list[str]:
    """Chinese-like words: 2-3 characters drawn with Zipfian character frequencies."""
    seen: dict[str, None] = {}
    while len(seen) < count:
        k = int(rng.integers(2, 4))
        seen.setdefault("".join(chars[zipf.draw(rng, k)]), None)
    return list(seen)


def synthetic(n: int, seed: int = 7, days: int = 365, start: datetime = START,
              first: int = 0) -> tuple[list[Article], dict[str, Score]]:
    """``n`` articles and their scores (deterministic for a seed; ``first`` offsets the ids)."""
    rng = np.random.default_rng(seed)
    vocab_rng = np.random.default_rng(12345)          # the same vocabulary for every batch
    chars = np.array([chr(0x4E00 + int(i)) for i in vocab_rng.choice(6000, 3000, replace=False)])
    en = np.array(_words(vocab_rng, 20000, (2, 5)), dtype=object)
    zh = np.array(_han(vocab_rng, 12000, chars, _Zipf(3000, 1.0, 20.0)), dtype=object)
    en_bg, zh_bg = _Zipf(len(en)), _Zipf(len(zh))
    topic_en = vocab_rng.integers(300, len(en), (300, 25))
    topic_zh = vocab_rng.integers(300, len(zh), (300, 25))
    topic_tags = np.array([vocab_rng.choice(60, 3, replace=False) for _ in range(300)])
    topic_pick = _Zipf(300, 0.8, 3.0)
    # article level: topic, source, time, and the event (same story) it reports, if any
    topic_of, src_of, when_of, events = [], [], [], []
    while len(topic_of) < n:
        topic = int(topic_pick.draw(rng, 1)[0])
        t0 = rng.random() * days * 86400
        story = rng.random() < 0.12
        size = int(rng.integers(2, 5)) if story else 1
        event = (" ".join(en[rng.integers(0, len(en), 2)]).title().replace(" ", ""),
                 "".join(zh[rng.integers(0, len(zh), 3)])) if story else None
        for src in rng.choice(400, size, replace=False):
            topic_of.append(topic)
            src_of.append(int(src))
            when_of.append(t0 + (rng.random() * 2.5 * 86400 if story else 0.0))
            events.append(event)
    topic_arr, src_arr = np.array(topic_of[:n]), np.array(src_of[:n])
    chinese = src_arr < 240

    def field(k: int, share: float) -> list[list[str]]:
        m = n * k
        art = np.repeat(np.arange(n), k)
        own = rng.random(m) < share
        slot = rng.integers(0, 25, m)
        words_en = np.where(own, en[topic_en[topic_arr[art], slot]], en[en_bg.draw(rng, m)])
        words_zh = np.where(own, zh[topic_zh[topic_arr[art], slot]], zh[zh_bg.draw(rng, m)])
        latin = np.where(chinese[art], rng.random(m) < 0.1, True)
        return np.where(latin, words_en, words_zh).reshape(n, k).tolist()

    titles, summaries, contents = field(6, 0.5), field(25, 0.35), field(150, 0.25)
    score_of = np.clip(rng.normal(74, 12, n), 20, 100).astype(int)
    llm_tag = rng.random(n) < 0.4
    tag_pick = rng.integers(0, 3, (n, 2))
    articles, scores = [], {}
    for i in range(n):
        src, zh_src, event = int(src_arr[i]), bool(chinese[i]), events[i]
        name = f"中文源{src}" if zh_src else f"Source {src}"
        joiner = "" if zh_src else " "
        lead = [event[1] if zh_src else event[0]] if event else []
        title = joiner.join(lead + titles[i]).capitalize()
        summary = joiner.join(lead + summaries[i]) + ("。" if zh_src else ".")
        content = joiner.join(lead + contents[i])
        url = f"https://example.com/{src}/{first + i}"
        kb = stable_id(url)
        articles.append(Article(kb_id=kb, url=url, title=title, source=name,
                                published=start + timedelta(seconds=float(when_of[i])), sources=(name,),
                                summary=summary, content=content))
        score = int(score_of[i])
        tag_ids = sorted({int(topic_tags[topic_arr[i]][j]) for j in tag_pick[i]}) + ([0] if llm_tag[i] else [])
        scores[kb] = Score(kb_id=kb, content_hash="x", backend="synthetic", score=score,
                           tier="must-read" if score >= 85 else "worth-reading" if score >= 70 else "skim",
                           category=("AI/Tech", "AI 使用", "Builder 实践", "YouTube")[src % 4],
                           tags=tuple(f"tag{t}" for t in tag_ids), summary=summary[:120])
    return articles, scores


def peak_mb() -> float:
    """Peak RSS of this process and of the largest worker it waited for, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, workers) / 1024.0


def stream(n: int, chunk: int = 10_000):
    """(article, score) pairs generated chunk by chunk, so the corpus is never all in memory."""
    for first in range(0, n, chunk):
        articles, scores = synthetic(min(chunk, n - first), seed=first + 1, first=first)
        for a in articles:
            yield a, scores[a.kb_id]


def _batches(items, size: int):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


FIGURES: dict[str, str] = {}   # printed as one JSON line at the end, for bench/run_all.py


def _stage(label: str, started: float | list[float], extra: str = "") -> None:
    """One figure: seconds since ``started``, or min / median / max of the runs' seconds."""
    if isinstance(started, list):
        runs = started
        seconds = statistics.median(runs)
        shown = f"{min(runs):.2f} / {seconds:.2f} / {max(runs):.2f} s (min / median / max of {len(runs)})"
    else:
        seconds = time.perf_counter() - started
        shown = f"{seconds:.2f} s"
    print(f"{label:<44} {shown}   peak RSS {peak_mb():6.0f} MB  {extra}", flush=True)
    FIGURES[label] = f"{shown}, peak RSS {peak_mb():.0f} MB" + (f"; {extra}" if extra else "")


def _repeat(runs: int, fn) -> tuple[list[float], object]:
    """Seconds of ``runs`` calls of ``fn`` and its last result."""
    times, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return times, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=200)
    parser.add_argument("--week", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    from sync.links import features as F
    from sync.links import index as stored
    from sync.links import similarity as links
    from sync.rollups.digest import week_label, weekly_rollup
    from sync.rollups.render import render_weekly
    from sync.store import Store
    cfg = LinksConfig()
    processes = min(os.cpu_count() or 1, 4)
    print(f"{args.n} synthetic articles, {processes} processes for tokenising")

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "state.db")
        now = datetime.now(timezone.utc)
        last = START
        t = time.perf_counter()
        for batch in _batches(stream(args.n), 5000):      # untimed: filling the store
            store.save_articles([a for a, _ in batch], [], now)
            store.save_scores([s for _, s in batch], now)
            last = max([last] + [a.published for a, _ in batch])
        _stage(f"generate and store {args.n} articles (untimed)", t)

        def from_scratch() -> int:
            scores = store.scores()
            pairs = ((a, scores.get(a.kb_id)) for a in store.iter_articles())
            return sum(map(len, links.compute_links(F.encode_articles(pairs, processes=processes), cfg).values()))

        times, count = _repeat(args.runs, from_scratch)
        _stage(f"compute_links, {args.n} from scratch (read from SQLite)", times, f"{count} links")
        # every run rewrites the whole index (rebuild deletes it first); the first one finds every list new
        lists: list[int] = []
        times, _ = _repeat(args.runs, lambda: lists.append(len(stored.update_links(store, [], {}, cfg, rebuild=True))))
        _stage(f"update_links(rebuild=True), {args.n} in SQLite", times, f"{lists[0]} lists")
        times, sizes = [], []
        for run in range(args.runs):
            new, new_scores = synthetic(args.new, seed=99 + run, first=args.n + run * args.new)
            # today's articles: published after everything else
            new = [dataclasses.replace(a, published=last + timedelta(minutes=5 + i)) for i, a in enumerate(new)]
            last = new[-1].published
            t = time.perf_counter()
            sizes.append(len(stored.update_links(store, new, new_scores, cfg)))
            times.append(time.perf_counter() - t)
        _stage(f"update_links, +{args.new} new against {args.n}", times,
               f"{min(sizes)}-{max(sizes)} lists changed")
        times, again = _repeat(args.runs, lambda: stored.update_links(store, new, new_scores, cfg))
        _stage(f"update_links, same {len(new)} again (no-op)", times, f"{len(again)} lists changed")
        store.close()

    week_articles, week_scores = synthetic(args.week, seed=11, days=7, start=datetime(2026, 2, 23, tzinfo=timezone.utc))
    week_links = links.compute_links((F.features(a, week_scores[a.kb_id]) for a in week_articles), cfg)
    groups = _groups(week_links)
    rcfg = RollupConfig()
    label = week_label(datetime(2026, 2, 25, tzinfo=timezone.utc), rcfg)
    def week() -> tuple:
        rollup = weekly_rollup(label, week_articles, week_scores, week_links, groups, rcfg, must_read=85,
                               worth_reading=70)
        return rollup, render_weekly(rollup, lambda kb: f"[[{kb}]]")

    times, (rollup, page) = _repeat(args.runs, week)
    _stage(f"weekly rollup + render, {len(week_articles)} articles", times,
           f"{rollup.scanned} scanned, {len(rollup.trends)} trends, {len(page)} chars")
    print(json.dumps(FIGURES, ensure_ascii=False))
    return 0


def _groups(result) -> dict[str, str]:
    """Same-story groups from links, the way story_groups does it (smallest id as the head)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for lst in result.values():
        for x in lst:
            if x.same_story:
                a, b = find(x.src), find(x.dst)
                parent[max(a, b)] = min(a, b)
    return {k: find(k) for k in list(parent)}


if __name__ == "__main__":
    raise SystemExit(main())
