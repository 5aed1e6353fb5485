"""Benchmark: the main job on 10,000 synthetic articles served over local HTTP.

Prints (does not assert): first sync into an empty vault (articles/s, end to
end: fetch, parse, store, score, link, write notes, roll up), a no-op re-sync
(seconds; the server answers 304), and peak memory (max RSS). The feed server
runs in a separate process so it does not compete with kbsync for the GIL.

    .venv/bin/python bench/bench_sync.py [--feeds 100] [--per-feed 100]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import resource
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

EN = ("agents inference training optimizer cache context model benchmark latency throughput compiler "
      "kernel sparse attention retrieval evaluation dataset alignment reasoning robotics vision").split()
ZH = "智能体 推理 训练 优化器 缓存 上下文 模型 基准 延迟 吞吐 编译器 稀疏 注意力 检索 评测 数据集 对齐 机器人".split()


def make_feed(feed: int, per_feed: int, rng: random.Random, start: datetime) -> bytes:
    items = []
    for i in range(per_feed):
        zh = (feed + i) % 3 == 0
        words = ZH if zh else EN
        title = ("".join if zh else " ".join)(rng.choice(words) for _ in range(6)) + f" {feed}-{i}"
        paras = "".join(f"<p>{' '.join(rng.choice(words) for _ in range(40))}.</p>" for _ in range(3))
        body = f"{paras}<ul><li>{rng.choice(words)} point one</li><li>{rng.choice(words)} point two</li></ul>" \
               f"<p><a href='/rel/{i}'>more</a> <script>x()</script></p>"
        when = start + timedelta(minutes=feed * 7 + i * 90)
        items.append(f"<item><title>{escape(title)}</title><link>https://bench.example/{feed}/{i}?utm_source=x</link>"
                     f"<guid>b-{feed}-{i}</guid><pubDate>{format_datetime(when)}</pubDate>"
                     f"<category>{rng.choice(words)}</category>"
                     f"<description>{escape(body)}</description></item>")
    return (f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Feed {feed}</title>"
            f"<link>https://bench.example/{feed}/</link>{''.join(items)}</channel></rss>").encode()


def serve(feeds: int, per_feed: int, port_queue: mp.Queue, stop: mp.Event) -> None:
    from tests.feedserver import FeedServer, Static, synthetic_etag

    rng = random.Random(7)
    start = datetime(2026, 1, 5, tzinfo=timezone.utc)
    with FeedServer() as server:
        for f in range(feeds):
            body = make_feed(f, per_feed, rng, start)
            server.add(f"/feed/{f}.xml", Static(body, etag=synthetic_etag(body)))
        port_queue.put(server.port)
        stop.wait()


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=100)
    parser.add_argument("--per-feed", type=int, default=100)
    args = parser.parse_args()
    total = args.feeds * args.per_feed

    from sync.config import load_config
    from sync.pipeline import run_sync

    ports: mp.Queue = mp.Queue()
    stop = mp.Event()
    server = mp.Process(target=serve, args=(args.feeds, args.per_feed, ports, stop), daemon=True)
    server.start()
    port = ports.get(timeout=120)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            config = Path(tmp) / "config.toml"
            feeds = "".join(f'\n[[feeds]]\nurl = "http://127.0.0.1:{port}/feed/{f}.xml"\nname = "Feed {f}"\n'
                            for f in range(args.feeds))
            config.write_text('[vault]\npath = "vault"\n[scoring]\nbackend = "heuristic"\n'
                              'interests = ["agents", "inference", "智能体", "推理"]\n' + feeds, "utf-8")
            cfg = load_config(config)
            t0 = time.perf_counter()
            first = run_sync(cfg, env={})
            t1 = time.perf_counter()
            second = run_sync(cfg, env={})
            t2 = time.perf_counter()
            notes = sum(1 for _ in (Path(tmp) / "vault" / "Articles").rglob("*.md"))
            print(f"articles: {total} in {args.feeds} feeds; notes written: {notes}; {first.headline()}")
            print(f"first sync:  {t1 - t0:6.2f} s  = {total / (t1 - t0):7.0f} articles/s end to end")
            print("  stages:", ", ".join(f"{k} {v:.2f}s" for k, v in first.timings.items()))
            print(f"no-op resync: {t2 - t1:5.2f} s  (notes {dict(second.notes) or 'none written'})")
            print("  stages:", ", ".join(f"{k} {v:.2f}s" for k, v in second.timings.items()))
            print(f"peak memory (max RSS): {rss_mb():.0f} MB")
            # the figures as one JSON line, last: bench/run_all.py puts them in bench/README.md
            print(json.dumps({
                "articles (feeds x items)": f"{total:,} ({args.feeds} x {args.per_feed})",
                "first sync, empty vault": f"{t1 - t0:.1f} s = {total / (t1 - t0):.0f} articles/s",
                "first sync: stages": ", ".join(f"{k} {v:.1f} s" for k, v in first.timings.items()),
                "no-op re-sync (server answers 304)": f"{t2 - t1:.2f} s",
                "peak memory (max RSS)": f"{rss_mb():.0f} MB"}))
    finally:
        stop.set()
        server.join(timeout=5)


if __name__ == "__main__":
    main()
