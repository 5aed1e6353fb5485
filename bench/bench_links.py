"""Benchmark: related articles for 100,000 synthetic articles, incremental +200, a 5,000-article week.

Run standalone: ``.venv/bin/python bench/bench_links.py [--n 100000] [--new 200] [--week 5000]``.
Prints seconds per stage and the peak RSS of this process (``resource.getrusage``).
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
import resource
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


def _han(rng: np.random.Generator, count: int, chars: np.ndarray) -> list[str]:
    seen: dict[str, None] = {}
    while len(seen) < count:
        k = int(rng.integers(2, 4))
        seen.setdefault("".join(chars[rng.integers(0, len(chars), k)]), None)
    return list(seen)


class _Zipf:
    def __init__(self, n: int, s: float = 1.0, shift: float = 8.0):
        p = 1.0 / (np.arange(n) + shift) ** s
        self.cdf = np.cumsum(p / p.sum())

    def draw(self, rng: np.random.Generator, k: int) -> np.ndarray:
        return np.minimum(np.searchsorted(self.cdf, rng.random(k)), len(self.cdf) - 1)


def synthetic(n: int, seed: int = 7, days: int = 365, start: datetime = START,
              first: int = 0) -> tuple[list[Article], dict[str, Score]]:
    """``n`` articles and their scores (deterministic for a seed; ``first`` offsets the ids)."""
    rng = np.random.default_rng(seed)
    vocab_rng = np.random.default_rng(12345)          # same vocabulary for every batch
    chars = np.array([chr(0x4E00 + int(i)) for i in vocab_rng.choice(6000, 3000, replace=False)])
    en = np.array(_words(vocab_rng, 20000, (2, 5)), dtype=object)
    zh = np.array(_han(vocab_rng, 12000, chars), dtype=object)
    en_bg, zh_bg = _Zipf(len(en)), _Zipf(len(zh))
    tags = [f"tag{i}" for i in range(60)]
    topics = [(vocab_rng.integers(300, len(en), 25), vocab_rng.integers(300, len(zh), 25),
               vocab_rng.choice(60, 3, replace=False)) for _ in range(300)]
    topic_pick = _Zipf(300, 0.8, 3.0)
    sources = [(f"中文源{i}" if i < 240 else f"Source {i}", i < 240) for i in range(400)]
    articles, scores = [], {}
    i = 0
    while i < n:
        topic = topics[int(topic_pick.draw(rng, 1)[0])]
        t0 = start + timedelta(seconds=float(rng.random() * days * 86400))
        story = rng.random() < 0.12
        size = int(rng.integers(2, 5)) if story else 1
        event_en, event_zh = (_words(rng, 3, (3, 5)), _han(rng, 3, chars)) if story else ([], [])
        for src in rng.choice(len(sources), size, replace=False):
            if i >= n:
                break
            name, chinese = sources[int(src)]
            when = t0 + timedelta(seconds=float(rng.random() * 2.5 * 86400)) if story else t0
            title, summary, content = _text(rng, topic, chinese, en, zh, en_bg, zh_bg, event_en, event_zh)
            url = f"https://example.com/{src}/{first + i}"
            kb = stable_id(url)
            articles.append(Article(kb_id=kb, url=url, title=title, source=name, published=when,
                                    sources=(name,), summary=summary, content=content))
            score = int(np.clip(rng.normal(74, 12), 20, 100))
            tag_ids = list(rng.choice(topic[2], 2, replace=False)) + ([0] if rng.random() < 0.4 else [])
            scores[kb] = Score(kb_id=kb, content_hash="x", backend="synthetic", score=score,
                               tier="must-read" if score >= 85 else "worth-reading" if score >= 70 else "skim",
                               category=("AI/Tech", "AI 使用", "Builder 实践", "YouTube")[int(src) % 4],
                               tags=tuple(tags[int(t)] for t in tag_ids), summary=summary[:120])
            i += 1
    return articles, scores


def _text(rng, topic, chinese, en, zh, en_bg, zh_bg, event_en, event_zh) -> tuple[str, str, str]:
    def pick(k: int, share: float) -> list[str]:
        own = rng.random(k) < share
        slot = rng.integers(0, 25, k)
        latin = rng.random(k) < 0.1 if chinese else np.ones(k, dtype=bool)
        words_en = np.where(own, en[topic[0][slot]], en[en_bg.draw(rng, k)])
        words_zh = np.where(own, zh[topic[1][slot]], zh[zh_bg.draw(rng, k)])
        return np.where(latin, words_en, words_zh).tolist()

    event = event_zh if chinese else event_en
    title = list(event[:2]) + pick(6, 0.5)
    summary = list(event) + pick(25, 0.35)
    content = list(event) + pick(150, 0.25)
    joiner = "" if chinese else " "
    return joiner.join(title).capitalize(), joiner.join(summary) + ("。" if chinese else "."), joiner.join(content)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=200)
    parser.add_argument("--week", type=int, default=5000)
    args = parser.parse_args(argv)
    from sync import links
    cfg = LinksConfig()
    t = time.perf_counter()
    articles, scores = synthetic(args.n)
    print(f"generated {len(articles)} articles in {time.perf_counter() - t:.1f}s (not timed below)")
    t = time.perf_counter()
    result = links.compute_links((links.features(a, scores.get(a.kb_id)) for a in articles), cfg)
    took = time.perf_counter() - t
    total = sum(map(len, result.values()))
    print(f"compute_links from scratch: {took:.1f}s, {total} links, peak RSS {peak_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
