"""Benchmark: a 100,000-article store and vault: a daily sync of 200 new articles, a no-op sync, memory peak.

How the 100,000 are made: bench_links.py's synthetic corpus (one year of
articles, English and Chinese sources, topics, same-story clusters) is written
as a JSONL file of pre-scored records and loaded with ``kbsync import``'s own
code (``sync.importer.run_import``): the store, the related-article index, one
note per article and every weekly and daily digest are made by kbsync itself,
exactly as a reader who imports an archive gets them; only the scoring is
skipped (the records carry their scores), which is the one stage the daily
sync's figures do not depend on. Building takes a few minutes and is
reported, not the point.

Then, each as a fresh ``python -m sync.cli sync`` process (what the daemon
runs each morning), ``--runs`` times (3; min / median / max): the daily sync
of a feed with 200 new articles (a new batch each day), and a no-op sync
(nothing changed). Figures: wall seconds (interpreter start
included), the run's own stage timings, and the peak RSS of each process
(its own VmHWM, read at exit: a child's ``ru_maxrss`` on Linux includes the
parent's peak when it was started by vfork). The last line is the JSON of
the figures (bench/run_all.py).

    .venv/bin/python bench/bench_scale.py [--n 100000] [--new 200] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def write_archive(path: Path, n: int) -> object:
    """``n`` pre-scored article records as JSONL; returns the newest publication time."""
    from bench_links import stream

    newest = None
    with path.open("w", encoding="utf-8") as fh:
        for article, score in stream(n):
            newest = max(newest or article.published, article.published)
            fh.write(json.dumps({
                "url": article.url, "title": article.title, "source": article.source,
                "published": article.published.isoformat(), "content": article.content,
                "summary": article.summary, "score": score.score, "category": score.category,
                "tags": list(score.tags), "summary_line": score.summary,
            }, ensure_ascii=False) + "\n")
    return newest


# -- Notion seam -------------------------------------------------------------------------
# The figures are the Obsidian target's. To measure the daily sync with the Notion target
# as well, return a [notion] table pointing at tests/notion_emulator (started by the caller)
# here, and put NOTION_TOKEN in CHILD_ENV: the build (kbsync import) and both timed syncs then
# project into both targets.
def extra_config(tmp_path: Path) -> str:
    return ""


CHILD_ENV: dict[str, str] = {}


# `kbsync sync` with its own peak memory printed at exit (the console script's main, unchanged)
CHILD = """
import atexit, sys
atexit.register(lambda: print(open("/proc/self/status").read().split("VmHWM:")[1].split()[0], file=sys.stderr))
from sync.cli import main
sys.argv = ["kbsync", "sync", "--config", sys.argv[1]]
main()
"""


def peak_mb() -> float:
    """This process's own peak RSS (VmHWM), MB."""
    return int(re.search(r"VmHWM:\s+(\d+)", Path("/proc/self/status").read_text()).group(1)) / 1024


def timed_sync(config: Path) -> dict:
    """One ``kbsync sync`` in its own process: wall seconds, peak RSS, the run's stage timings."""
    started = time.perf_counter()
    # the checkout this script is in, first on the path: the installed (editable) package is
    # another checkout's when the bench runs from a worktree, and its figures would be that one's
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    proc = subprocess.run([sys.executable, "-c", CHILD, str(config)], cwd=config.parent,
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": path, **CHILD_ENV})
    seconds = time.perf_counter() - started
    if proc.returncode:
        raise SystemExit(f"sync failed: {proc.stderr[-2000:]}")
    with sqlite3.connect(config.parent / ".kbsync" / "state.db") as conn:
        run = json.loads(conn.execute("SELECT result FROM runs ORDER BY id DESC LIMIT 1").fetchone()[0])
    return {"seconds": seconds, "rss_mb": int(proc.stderr.split()[-1]) / 1024, "timings": run["timings"],
            "line": proc.stdout.strip().splitlines()[0] if proc.stdout.strip() else ""}


def _spread(values: list[float], fmt: str = "{:.2f}") -> str:
    """min / median / max."""
    return " / ".join(fmt.format(v) for v in (min(values), statistics.median(values), max(values)))


def _median_run(runs: list[dict]) -> dict:
    return sorted(runs, key=lambda r: sum(r["timings"].values()))[len(runs) // 2]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    from sync.config import load_config
    from sync.importer import run_import
    from tests.hostile.synthetic import synthetic_rss

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        t = time.perf_counter()
        newest = write_archive(tmp_path / "archive.jsonl", args.n)
        generated = time.perf_counter() - t
        config = tmp_path / "config.toml"
        config.write_text('[vault]\npath = "vault"\n[scoring]\nbackend = "heuristic"\n' + extra_config(tmp_path)
                          + '[[feeds]]\nurl = "today.xml"\nname = "Today"\n', "utf-8")
        # the feed exists from the start, empty of news: the daily sync then brings 200 new articles
        (tmp_path / "today.xml").write_bytes(synthetic_rss(0, key="today"))
        t = time.perf_counter()
        lines = run_import(load_config(config), tmp_path / "archive.jsonl", env=dict(CHILD_ENV))
        built = time.perf_counter() - t
        build_rss = peak_mb()
        notes = sum(1 for _ in (tmp_path / "vault" / "Articles").rglob("*.md"))
        print(f"built: {args.n} articles, {notes} notes in {built:.0f} s (records generated in {generated:.0f} s), "
              f"peak RSS {build_rss:.0f} MB; {lines[-1]}")
        timed_sync(config)   # settles the empty feed's validators: the daily runs below are pure daily runs
        # each timed process imports kbsync as an installed package does, from bytecode: this machine
        # sets PYTHONDONTWRITEBYTECODE, so without this every run compiles 86 modules again (0.12 s)
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "sync")], check=True)
        dailies, noops = [], []
        for run in range(args.runs):
            # each day the feed carries the day's new articles (a fresh batch of --new), then nothing changes
            (tmp_path / "today.xml").write_bytes(synthetic_rss(
                args.new, key="today", first=args.new * run, start=newest + timedelta(hours=1),
                spacing=timedelta(minutes=5)))
            dailies.append(timed_sync(config))
            noops.append(timed_sync(config))
        with sqlite3.connect(tmp_path / ".kbsync" / "state.db") as conn:
            total = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        db_mb = (tmp_path / ".kbsync" / "state.db").stat().st_size / 1e6
    for label, runs in (("daily sync", dailies), ("no-op sync", noops)):
        for r in runs:
            print(f"{label:<11} {r['seconds']:6.2f} s wall, peak RSS {r['rss_mb']:5.0f} MB; stages: "
                  + ", ".join(f"{k} {v:.2f}s" for k, v in r["timings"].items()) + f"; {r['line']}")
    daily, noop = _median_run(dailies), _median_run(noops)
    figures = {
        "store and vault": f"{total:,} articles, {notes:,} notes, store {db_mb:.0f} MB",
        "building them (kbsync import of pre-scored JSONL)": f"{built:.0f} s, peak RSS {build_rss:.0f} MB",
        f"daily sync, {args.new} new articles: in its stages, s (min / median / max of {args.runs})":
            _spread([sum(r["timings"].values()) for r in dailies]),
        "daily sync: wall, process start included, s": _spread([r["seconds"] for r in dailies]),
        "daily sync: stages (median run)": ", ".join(f"{k} {v:.2f} s" for k, v in daily["timings"].items()),
        "daily sync: peak RSS": f"{_spread([r['rss_mb'] for r in dailies], '{:.0f}')} MB",
        f"no-op sync: in its stages, s (min / median / max of {args.runs})":
            _spread([sum(r["timings"].values()) for r in noops]),
        "no-op sync: wall, process start included, s": _spread([r["seconds"] for r in noops]),
        "no-op sync: stages (median run)": ", ".join(f"{k} {v:.2f} s" for k, v in noop["timings"].items()),
        "no-op sync: peak RSS": f"{_spread([r['rss_mb'] for r in noops], '{:.0f}')} MB",
    }
    print(json.dumps(figures, ensure_ascii=False))
    return figures


if __name__ == "__main__":
    main()
