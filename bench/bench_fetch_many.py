"""Benchmark: 500 feeds served locally with latencies up to 2 s: total fetch time against the slowest feed.

Each feed (5 items) answers after its own latency: a seeded log-normal with
a 0.2 s median, capped at 2 s; the slowest is exactly 2 s. The server runs
in another process (tests/feedserver.py, one thread per connection). Prints
(does not assert) the time ``Fetcher.fetch_all`` takes for all 500 at the
default concurrency (8) and higher ones, next to the two floors no fetcher
can beat: the slowest feed, and the sum of latencies divided by the
concurrency; then a whole ``run_sync`` over the same feeds with the default
config. The last line is the JSON of the figures (bench/run_all.py).

    .venv/bin/python bench/bench_fetch_many.py [--feeds 500] [--max-latency 2]
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def latencies(n: int, cap: float, seed: int = 5) -> list[float]:
    rng = random.Random(seed)
    values = [min(cap, rng.lognormvariate(math.log(0.2), 1.0)) for _ in range(n)]
    values[rng.randrange(n)] = cap          # one feed is exactly as slow as allowed
    return values


def serve(delays: list[float], port_queue: mp.Queue, stop: mp.Event) -> None:
    from tests.feedserver import FeedServer, Static, synthetic_etag
    from tests.hostile.synthetic import synthetic_rss

    with FeedServer() as server:
        for i, delay in enumerate(delays):
            body = synthetic_rss(5, key=f"feed{i}", host=f"feed{i}.example")
            server.add(f"/feed/{i}.xml", Static(body, etag=synthetic_etag(body), before=delay))
        port_queue.put(server.port)
        stop.wait()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--max-latency", type=float, default=2.0)
    args = parser.parse_args(argv)
    from sync.config import load_config
    from sync.pipeline import run_sync
    from sync.sources.fetch import FeedRequest, Fetcher

    delays = latencies(args.feeds, args.max_latency)
    ports: mp.Queue = mp.Queue()
    stop = mp.Event()
    server = mp.Process(target=serve, args=(delays, ports, stop), daemon=True)
    server.start()
    port = ports.get(timeout=120)
    urls = [f"http://127.0.0.1:{port}/feed/{i}.xml" for i in range(args.feeds)]
    total = sum(delays)
    figures: dict = {
        "feeds": args.feeds,
        "latency median / mean / max": f"{statistics.median(delays):.2f} / {total / len(delays):.2f} / "
                                       f"{max(delays):.2f} s",
        "slowest feed alone": f"{max(delays):.2f} s",
    }
    print(f"{args.feeds} feeds, latency median {statistics.median(delays):.2f} s, mean {total / len(delays):.2f} s, "
          f"max {max(delays):.2f} s, sum {total:.0f} s")
    try:
        for concurrency in (8, 32, 64):
            with Fetcher(concurrency=concurrency, retries=0) as fetcher:
                t = time.perf_counter()
                results = fetcher.fetch_all([FeedRequest(u) for u in urls])
                seconds = time.perf_counter() - t
            ok = sum(r.status == "ok" for r in results)
            floor = max(max(delays), total / concurrency)
            label = f"fetch_all, concurrency {concurrency}" + (" (default)" if concurrency == 8 else "")
            figures[label] = f"{seconds:.1f} s (floor {floor:.1f} s, {ok} ok)"
            print(f"{label:<34} {seconds:6.1f} s   floor {floor:5.1f} s = max(slowest, sum/concurrency)   {ok} ok")
        with tempfile.TemporaryDirectory() as tmp:
            config = Path(tmp) / "config.toml"
            feeds = "".join(f'\n[[feeds]]\nurl = "{u}"\nname = "Feed {i}"\n' for i, u in enumerate(urls))
            config.write_text('[vault]\npath = "vault"\n[scoring]\nbackend = "heuristic"\n' + feeds, "utf-8")
            t = time.perf_counter()
            result = run_sync(load_config(config), env={})
            seconds = time.perf_counter() - t
        stage = result.timings.get("fetch+parse+store", 0.0)
        figures["whole sync, default config"] = f"{seconds:.1f} s (fetch+parse+store {stage:.1f} s, " \
                                                f"{result.scanned} articles)"
        print(f"whole run_sync, default config: {seconds:.1f} s; stages: "
              + ", ".join(f"{k} {v:.2f}s" for k, v in result.timings.items()))
    finally:
        stop.set()
        server.join(timeout=5)
    print(json.dumps(figures, ensure_ascii=False))
    return figures


if __name__ == "__main__":
    main()
