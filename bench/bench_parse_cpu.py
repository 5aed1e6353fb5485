"""Benchmark: CPU of the parse stage alone (feed bytes -> stored-ready records), one process.

Feeds the bodies of bench_sync.py (light: 100 x 100 entries) and bench_realfeeds.py
(real-feed weight: 200 x 20 entries of 6-8 kB) through ``parse_feed`` and
``plan_ingest`` (what the pipeline does before writing to SQLite), and reports the
CPU seconds per 10k entries (``time.process_time``, min / median / max of the runs),
which is steadier than wall time on a shared machine. ``--digest`` prints a SHA-256
over every produced Entry, entry hash and article content hash: a change to the parse
code that keeps that digest keeps every stored byte.

    .venv/bin/python bench/bench_parse_cpu.py [--runs 3] [--digest] [--profile light|real]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def bodies(kind: str) -> list[bytes]:
    if kind == "light":
        import bench_sync

        rng = random.Random(7)
        start = datetime(2026, 1, 5, tzinfo=timezone.utc)
        return [bench_sync.make_feed(f, 100, rng, start) for f in range(100)]
    import bench_realfeeds

    return [bench_realfeeds.make_feed(f, 20) for f in range(200)]


def run(feeds: list[bytes], digest: bool = False) -> tuple[float, int, str]:
    from sync.models import canonical_json
    from sync.sources.parse import parse_feed
    from sync.store.ingest import plan_ingest

    now = datetime(2026, 3, 1, tzinfo=timezone.utc)
    h = hashlib.sha256()
    n = 0
    t = time.process_time()
    for i, body in enumerate(feeds):
        parsed = parse_feed(body, feed_url=f"http://127.0.0.1/feed/{i}.xml", source=f"Feed {i}",
                            headers={"content-type": "application/rss+xml"}, now=now)
        merged, records = plan_ingest(parsed.entries, {}, {}, now)
        for a in merged.values():
            a.content_hash  # noqa: B018 - computed by save_articles
        n += len(parsed.entries)
        if digest:
            for e, eh in records:
                h.update(canonical_json(e).encode() + eh.encode())
            for a in merged.values():
                h.update(canonical_json(a).encode() + a.content_hash.encode())
            for r in parsed.rejects:
                h.update(canonical_json(r).encode())
    return time.process_time() - t, n, h.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--digest", action="store_true")
    parser.add_argument("--profile", choices=["light", "real"])
    args = parser.parse_args()
    if args.profile:
        import cProfile
        import pstats

        feeds = bodies(args.profile)
        cProfile.runctx("run(feeds)", globals(), {"feeds": feeds, "run": run}, "/tmp/parse_cpu.prof")
        pstats.Stats("/tmp/parse_cpu.prof").sort_stats("tottime").print_stats(35)
        return
    for kind in ("light", "real"):
        feeds = bodies(kind)
        cpu = []
        for _ in range(args.runs):
            seconds, n, digest = run(feeds, args.digest)
            cpu.append(seconds / n * 10_000)
        print(f"{kind}: {n} entries, CPU s per 10k entries "
              f"{min(cpu):.2f} / {statistics.median(cpu):.2f} / {max(cpu):.2f}"
              + (f", digest {digest[:16]}" if args.digest else ""), flush=True)


if __name__ == "__main__":
    main()
