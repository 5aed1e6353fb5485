"""Benchmark: 1,000 articles into the Notion emulator at its real rate limit.

Prints (does not assert): requests per article (relations, weekly pages and
data source set-up included; target <= 1.2), wall time against the floor of
requests / 3 per second (target within 10 %), how many 429s the emulator
answered (target 0), and a no-op re-sync's write requests (target 0).
The articles arrive as a pre-scored JSONL import (no vault), so the figures
are the Notion target's alone.

    .venv/bin/python bench/bench_notion.py [--articles 1000] [--rate 3]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS = ("agents inference training optimizer cache context model benchmark latency throughput compiler "
         "kernel sparse attention retrieval evaluation dataset alignment reasoning robotics vision").split()


def records(n: int, rng: random.Random) -> list[dict]:
    start = datetime(2026, 2, 2, tzinfo=timezone.utc)
    out = []
    for i in range(n):
        topic = rng.sample(WORDS, 4)
        score = rng.randint(40, 98)
        out.append({
            "url": f"https://news.example/{i}", "title": " ".join(topic).title() + f" {i}",
            "source": f"Feed {i % 20}", "published": (start + timedelta(minutes=40 * i)).isoformat(),
            "content": "\n\n".join(" ".join(rng.choice(topic + WORDS) for _ in range(60)) for _ in range(4)),
            "score": score, "tier": "must-read" if score >= 85 else "worth-reading" if score >= 70 else "skim",
            "category": "AI/Tech", "summary": " ".join(topic) + " in one line.",
            "tags": topic[:3], "key_points": [f"{w} matters" for w in topic[:3]],
        })
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=3.0, help="the emulator's average rate limit")
    args = parser.parse_args(argv)

    from sync.config import load_config
    from sync.importer import run_import
    from tests.notion_emulator import NotionEmulator

    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp, NotionEmulator(token="bench", rate=args.rate) as emu:
        root = Path(tmp)
        parent = emu.add_page("kbsync bench")
        (root / "config.toml").write_text(
            f'[notion]\nparent_page = "{parent}"\nbase_url = "{emu.base_url}"\n'
            f'requests_per_second = {args.rate * 0.97:.3f}\n[scoring]\nbackend = "heuristic"\n', "utf-8")
        data = root / "articles.jsonl"
        data.write_text("\n".join(json.dumps(r) for r in records(args.articles, rng)) + "\n", "utf-8")
        cfg = load_config(root / "config.toml")
        env = {"NOTION_TOKEN": "bench"}
        began = time.perf_counter()
        lines = run_import(cfg, data, env=env)
        wall = time.perf_counter() - began
        sent = len(emu.requests)
        limited = sum(r.status == 429 for r in emu.requests)
        floor = sent / args.rate
        emu.clear_log()
        began = time.perf_counter()
        run_import(cfg, data, env=env)
        noop = time.perf_counter() - began
        figures = {
            "articles": args.articles, "requests": sent, "requests_per_article": round(sent / args.articles, 3),
            "wall_s": round(wall, 1), "floor_s": round(floor, 1), "over_floor_pct": round(100 * (wall / floor - 1), 1),
            "rate_limited_429": limited, "noop_writes": len(emu.writes()), "noop_s": round(noop, 2),
        }
    print(lines[-2] if len(lines) > 1 else "")
    print(f"{args.articles} articles -> {sent} requests = {figures['requests_per_article']} per article "
          f"(target <= 1.2)")
    print(f"wall {figures['wall_s']} s vs floor {figures['floor_s']} s (requests / {args.rate:g} per s): "
          f"{figures['over_floor_pct']:+.1f} % (target within 10 %); 429 answers: {limited} (target 0)")
    print(f"no-op re-sync: {figures['noop_writes']} write requests in {figures['noop_s']} s")
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
